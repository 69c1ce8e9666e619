/* srv_call.c — POST /nf/v1/call/{Module.Microflow} (§8): a microflow called from the app's
 * nanoflows, run by the VM in one server transaction. Only microflows the model marks as called
 * from nanoflows (offline_called), and only for users with one of the module roles allowed to
 * execute them. An uncaught error rolls everything back and answers 422 with its type and
 * message; UI actions are logged and ignored (srv_events.c's runtime).
 *
 * Arguments and results are values as in §3 (Boolean, Integer/Long, Decimal, String, DateTime,
 * Enumeration; null for empty), non-persistable objects as {"entity": "M.E", "values": {...}}
 * (attributes only: their associations are not passed) and lists of them as arrays. */
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"

/* Types a call cannot pass (the offline rules): binaries, and objects of persistable entities
 * or of non-persistable ones associated, directly or not, with a persistable entity. */
static bool unsupported_type(const nf_bc_module *m, const nf_bc_type *t) {
    if (t->kind == NF_BT_BINARY) return true;
    if (t->kind != NF_BT_OBJ && t->kind != NF_BT_LIST) return false;
    return !nf_bc_entity_offline_passable(m, t->ref);
}

static bool arg_value(nf_srv *s, nf_vm *vm, const nf_bc_type *t, json_t *j, nf_val *out, char *err,
                      size_t n);

/* {"entity", "values"} as a new non-persistable object of entity e (or a specialization). */
static bool arg_object(nf_srv *s, nf_vm *vm, uint32_t e, json_t *j, nf_vm_obj **out, char *err,
                       size_t n) {
    const nf_bc_module *m = s->m;
    *out = NULL;
    const char *ename = json_string_value(json_object_get(j, "entity"));
    uint32_t oe = ename ? nf_srv_entity(s, ename) : e;
    json_t *vals = json_object_get(j, "values");
    if (!json_is_object(j) || oe == NF_BC_NONE || !nf_bc_entity_is_a(m, oe, e) ||
        m->entities[oe].persist == 0 || (vals && !json_is_object(vals))) {
        snprintf(err, n, "an object must be {\"entity\": \"%s\", \"values\": {...}}",
                 m->strings[m->entities[e].name]);
        return false;
    }
    nf_vm_obj *o = nf_vm_obj_new(vm, oe);
    if (!o) return snprintf(err, n, "out of memory"), false;
    const char *k;
    json_t *v;
    json_object_foreach(vals, k, v) {
        uint32_t na = nf_bc_entity_attr_count(m, oe), a = 0;
        while (a < na && strcmp(m->strings[nf_bc_entity_attr(m, oe, a)->name], k) != 0)
            a++;
        nf_val x;
        if (a == na) {
            snprintf(err, n, "%s has no attribute %.100s", m->strings[m->entities[oe].name], k);
            nf_vm_obj_release(vm, o);
            return false;
        }
        if (!arg_value(s, vm, &nf_bc_entity_attr(m, oe, a)->type, v, &x, err, n)) {
            nf_vm_obj_release(vm, o);
            return false;
        }
        nf_vm_val_release(vm, &o->attrs[a]);
        o->attrs[a] = x;
    }
    *out = o;
    return true;
}

/* A JSON argument as a value of type t; false with a message. */
static bool arg_value(nf_srv *s, nf_vm *vm, const nf_bc_type *t, json_t *j, nf_val *out, char *err,
                      size_t n) {
    *out = nf_vm_empty(t->kind);
    out->ref = t->ref;
    if (!j || json_is_null(j)) return true;
    switch (t->kind) {
    case NF_BT_BOOL:
        if (!json_is_boolean(j)) break;
        *out = nf_vm_bool(json_is_true(j));
        return true;
    case NF_BT_INT:
        if (json_is_integer(j)) {
            *out = nf_vm_int(json_integer_value(j));
            return true;
        }
        if (json_is_string(j)) {
            const char *str = json_string_value(j);
            char *end;
            long long v = strtoll(str, &end, 10);
            if (*str && !*end && json_string_length(j) <= 20) {
                *out = nf_vm_int(v);
                return true;
            }
        }
        break;
    case NF_BT_DEC: {
        nf_dec d;
        if (!json_is_string(j) ||
            nf_dec_parse(json_string_value(j), json_string_length(j), &d) != NF_DEC_OK)
            break;
        *out = nf_vm_dec_val(d);
        return true;
    }
    case NF_BT_STR:
        if (!json_is_string(j)) break;
        return nf_vm_string(vm, json_string_value(j), json_string_length(j), out) == NF_VM_OK ||
               (snprintf(err, n, "out of memory"), false);
    case NF_BT_DT: {
        int64_t ms;
        if (!json_is_string(j) || !nf_srv_parse_iso(json_string_value(j), &ms)) break;
        *out = nf_vm_datetime(ms);
        return true;
    }
    case NF_BT_OBJ: {
        nf_vm_obj *o;
        if (!arg_object(s, vm, t->ref, j, &o, err, n)) return false;
        out->u.o = o;
        out->flags = 0;
        return true;
    }
    case NF_BT_LIST: {
        if (!json_is_array(j)) break;
        nf_vm_list *l = nf_vm_list_new(vm, t->ref, (uint32_t)json_array_size(j));
        if (!l) return snprintf(err, n, "out of memory"), false;
        size_t i;
        json_t *x;
        json_array_foreach(j, i, x) {
            nf_vm_obj *o;
            if (!arg_object(s, vm, t->ref, x, &o, err, n)) {
                nf_vm_list_release(vm, l);
                return false;
            }
            nf_vm_status st = nf_vm_list_push(vm, l, o);
            nf_vm_obj_release(vm, o);
            if (st != NF_VM_OK) {
                nf_vm_list_release(vm, l);
                return snprintf(err, n, "out of memory"), false;
            }
        }
        out->u.l = l;
        out->flags = 0;
        return true;
    }
    case NF_BT_ENUM: {
        const char *key = json_string_value(j);
        if (!key || t->ref >= s->m->nenums) break;
        const nf_bc_enum *en = &s->m->enums[t->ref];
        for (uint32_t k = 0; k < en->nvalues; k++)
            if (!strcmp(s->m->strings[en->value_names[k]], key)) {
                out->u.e = k;
                out->flags = 0;
                return true;
            }
        break;
    }
    default: break;
    }
    snprintf(err, n, "a value of the wrong type");
    return false;
}

static json_t *result_json(nf_srv *s, const nf_val *v);

/* A non-persistable object as {"entity", "values"} (attributes). */
static json_t *object_json(nf_srv *s, nf_vm_obj *o) {
    const nf_bc_module *m = s->m;
    json_t *vals = json_object();
    for (uint32_t a = 0; a < o->nattrs; a++) {
        const nf_bc_attr *at = nf_bc_entity_attr(m, o->entity, a);
        if (at->type.kind == NF_BT_BINARY) continue;
        json_object_set_new(vals, m->strings[at->name], result_json(s, &o->attrs[a]));
    }
    return json_pack("{s:s,s:o}", "entity", m->strings[m->entities[o->entity].name], "values",
                     vals);
}

/* A result value as JSON (§3). */
static json_t *result_json(nf_srv *s, const nf_val *v) {
    if (v->kind == NF_BT_VOID || nf_vm_is_empty(v)) return json_null();
    switch (v->kind) {
    case NF_BT_OBJ: return object_json(s, v->u.o);
    case NF_BT_LIST: {
        json_t *a = json_array();
        for (uint32_t i = 0; v->u.l && i < v->u.l->n; i++)
            json_array_append_new(a, object_json(s, v->u.l->items[i]));
        return a;
    }
    case NF_BT_BOOL: return json_boolean(v->u.b);
    case NF_BT_INT:
        if (v->u.i > (1LL << 53) || v->u.i < -(1LL << 53)) {
            char buf[24];
            snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
            return json_string(buf);
        }
        return json_integer(v->u.i);
    case NF_BT_DEC: {
        char buf[160];
        nf_dec d = nf_vm_dec_of(v);
        size_t n = nf_dec_format(&d, buf, sizeof buf);
        return n < sizeof buf ? json_string(buf) : json_null();
    }
    case NF_BT_STR: return json_stringn(v->u.s->s, v->u.s->len);
    case NF_BT_DT: {
        char iso[32];
        nf_srv_iso(v->u.i, iso);
        return json_string(iso);
    }
    case NF_BT_ENUM:
        if (v->ref < s->m->nenums && v->u.e < s->m->enums[v->ref].nvalues)
            return json_string(s->m->strings[s->m->enums[v->ref].value_names[v->u.e]]);
        return json_null();
    default: return json_null();
    }
}

bool nf_srv_call_microflow(nf_srv_call *c, const char *name) {
    nf_srv *s = c->s;
    const nf_bc_module *m = s->m;
    uint32_t f = NF_BC_NONE;
    for (uint32_t i = 0; i < m->nflows; i++)
        if (!strcmp(m->strings[m->flows[i].name], name)) f = i;
    const nf_bc_flow *fl = f != NF_BC_NONE ? &m->flows[f] : NULL;
    if (!fl || fl->kind != NF_BF_MICROFLOW || !fl->offline_called)
        return nf_srv_error(c, 404, "ModelError", "no microflow %.200s is called from the app",
                            name);
    bool allowed = false;
    for (uint32_t r = 0; r < fl->nroles; r++)
        allowed |= fl->roles[r] < m->nroles && c->user.module_roles[fl->roles[r]];
    if (!allowed)
        return nf_srv_error(c, 403, "AccessDenied", "%s may not run %s", c->user.name, name);
    for (uint32_t i = 0; i < fl->nparams; i++)
        if (unsupported_type(m, &fl->regs[i]))
            return nf_srv_error(
                c, 400, "ModelError",
                "%s takes a binary or objects of a persistable entity (or associated with one): "
                "not callable from an offline app",
                name);
    if (unsupported_type(m, &fl->ret))
        return nf_srv_error(
            c, 400, "ModelError",
            "%s returns a binary or objects of a persistable entity (or associated with "
            "one): not callable from an offline app",
            name);
    json_t *body = c->body_len ? nf_srv_body_json(c) : json_object();
    if (!body) return false;
    json_t *args = json_object_get(body, "args");
    if (args && !json_is_object(args)) {
        json_decref(body);
        return nf_srv_error(c, 400, "ModelError", "args must be an object");
    }
    nf_srv_rt h;
    if (!nf_srv_rt_open(s, &h)) {
        nf_srv_rt_close(&h);
        json_decref(body);
        return nf_srv_error(c, 500, "RuntimeError", "cannot start a runtime");
    }
    nf_val vals[256];
    uint32_t nvals = 0;
    bool ok = true;
    for (uint32_t i = 0; ok && i < fl->nparams && i < 256; i++) {
        const char *pname = fl->reg_names[i] != NF_BC_NONE ? m->strings[fl->reg_names[i]] : "";
        char err[200];
        if (!arg_value(s, h.vm, &fl->regs[i], json_object_get(args, pname), &vals[i], err,
                       sizeof err))
            ok = nf_srv_error(c, 400, "ModelError", "%s: argument %s: %s", name, pname, err);
        else
            nvals++;
    }
    if (ok) {
        nf_val result = {0};
        int64_t seq = -1;
        if (!nf_srv_exec(s, "BEGIN IMMEDIATE") || (seq = nf_srv_next_seq(s)) < 0) {
            nf_srv_exec(s, "ROLLBACK");
            ok = nf_srv_error(c, 500, "RuntimeError", "cannot start a transaction");
        } else {
            nf_vm_status st = nf_vm_call(h.vm, f, vals, nvals, &result);
            if (st == NF_VM_SUSPENDED) nf_vm_abandon(h.vm);
            if (st != NF_VM_OK) {
                nf_srv_exec(s, "ROLLBACK");
                ok = nf_srv_error(c, 422,
                                  st == NF_VM_SUSPENDED ? "RuntimeError"
                                                        : nf_vm_errtype_name(h.vm->err_type),
                                  "%s",
                                  st == NF_VM_SUSPENDED ? "the microflow waited for a host action"
                                                        : h.vm->err_msg);
            } else if (!nf_srv_settle(s, seq) || !nf_srv_exec(s, "COMMIT")) {
                nf_srv_exec(s, "ROLLBACK");
                ok = nf_srv_error(c, 500, "RuntimeError", "the database failed");
            } else {
                c->reply = json_pack("{s:o}", "result", result_json(s, &result));
                c->status = 200;
            }
            nf_vm_val_release(h.vm, &result);
        }
    }
    for (uint32_t i = 0; i < nvals; i++)
        nf_vm_val_release(h.vm, &vals[i]);
    nf_srv_rt_close(&h);
    json_decref(body);
    return ok;
}
