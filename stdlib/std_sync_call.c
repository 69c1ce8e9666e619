/* std_sync_call.c — `call microflow` from a nanoflow over the sync session (docs/sync-protocol.md
 * §8): arguments by parameter name, the result read by the flow's declared type. Under the
 * offline rules: primitives, and non-persistable objects (and lists of them) whose entity has no
 * association, direct or indirect, with a persistable entity, passed by value as
 * {"entity", "values"} with their attributes. Objects of persistable entities are refused
 * before anything is sent (Mendix does not support them; their logic belongs in an event
 * handler that runs when the object is synchronized). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_sync.h"

#define MAX_SAFE_INT 9007199254740992LL /* 2^53: beyond it Longs travel as digit strings */

static const char *ent_name(const nf_vm *vm, uint32_t e) {
    return vm->m->strings[vm->m->entities[e].name];
}

/* Whether values of type t may be passed or returned; raises (naming what) when not. */
static bool passable(nf_vm *vm, nf_bc_type t, const char *flow, const char *what) {
    if (t.kind == NF_BT_BINARY) {
        nf_vm_raise(vm, NF_VM_E_RUNTIME, "microflow %s: %s is a Binary: not passed to microflows",
                    flow, what);
        return false;
    }
    if (t.kind != NF_BT_OBJ && t.kind != NF_BT_LIST) return true;
    if (t.ref < vm->m->nentities && nf_bc_entity_offline_passable(vm->m, t.ref)) return true;
    nf_vm_raise(vm, NF_VM_E_RUNTIME,
                "microflow %s: %s is an object of %s: offline apps pass only objects of "
                "non-persistable entities without associations to persistable ones (commit and "
                "synchronize the object and let an event handler run the logic instead)",
                flow, what, t.ref < vm->m->nentities ? ent_name(vm, t.ref) : "an unknown entity");
    return false;
}

static json_t *object_json(nf_vm *vm, const nf_vm_obj *o, const char *flow, const char *what);

/* A value as the wire has it (§3); NULL after raising. */
static json_t *value_json(nf_vm *vm, const nf_val *v, const char *flow, const char *what) {
    if (nf_vm_is_empty(v)) return json_null();
    switch (v->kind) {
    case NF_BT_BOOL: return json_boolean(v->u.b);
    case NF_BT_INT:
        if (v->u.i > MAX_SAFE_INT || v->u.i < -MAX_SAFE_INT) {
            char b[24];
            snprintf(b, sizeof b, "%lld", (long long)v->u.i);
            return json_string(b);
        }
        return json_integer(v->u.i);
    case NF_BT_STR: return json_stringn(v->u.s->s, v->u.s->len);
    case NF_BT_DEC: {
        char buf[128];
        nf_dec d = nf_vm_dec_of(v);
        if (nf_dec_format(&d, buf, sizeof buf) >= sizeof buf) break;
        return json_string(buf);
    }
    case NF_BT_DT: {
        char buf[32];
        nf_std_wire_time_text(v->u.i, buf);
        return json_string(buf);
    }
    case NF_BT_ENUM: {
        const nf_bc_enum *en = &vm->m->enums[v->ref];
        return json_string(vm->m->strings[en->value_names[v->u.e]]);
    }
    case NF_BT_OBJ: return object_json(vm, v->u.o, flow, what);
    case NF_BT_LIST: {
        json_t *a = json_array();
        for (uint32_t i = 0; a && i < v->u.l->n; i++) {
            json_t *o = object_json(vm, v->u.l->items[i], flow, what);
            if (!o || json_array_append_new(a, o)) {
                json_decref(a);
                return NULL;
            }
        }
        if (!a) nf_vm_no_memory(vm, 0, "calling a microflow");
        return a;
    }
    default: break;
    }
    nf_vm_raise(vm, NF_VM_E_RUNTIME, "microflow %s: %s cannot be passed", flow, what);
    return NULL;
}

/* {"entity": "M.E", "values": {attributes}}: by value, no id (it exists only for the call). */
static json_t *object_json(nf_vm *vm, const nf_vm_obj *o, const char *flow, const char *what) {
    if (!passable(vm, (nf_bc_type){.kind = NF_BT_OBJ, .ref = o->entity}, flow, what)) return NULL;
    json_t *vals = json_object(), *j = json_object();
    bool ok = vals && j;
    for (uint32_t a = 0; ok && a < o->nattrs; a++) {
        const nf_bc_attr *at = nf_bc_entity_attr(vm->m, o->entity, a);
        if (at->type.kind == NF_BT_BINARY) continue;
        json_t *x = value_json(vm, &o->attrs[a], flow, what);
        if (!x) {
            json_decref(vals);
            json_decref(j);
            return NULL;
        }
        ok = !json_object_set_new(vals, vm->m->strings[at->name], x);
    }
    ok = ok && !json_object_set_new(j, "entity", json_string(ent_name(vm, o->entity))) &&
         !json_object_set_new(j, "values", vals);
    if (!ok) {
        json_decref(j);
        nf_vm_no_memory(vm, 0, "calling a microflow");
        return NULL;
    }
    return j;
}

static nf_vm_status result_value(nf_vm *vm, const json_t *j, nf_bc_type t, nf_val *out,
                                 const char *flow);

static nf_vm_status bad_result(nf_vm *vm, const char *flow) {
    return nf_vm_raise(vm, NF_VM_E_CONNECTION,
                       "microflow %s: the server's result does not have the declared type", flow);
}

/* A new non-persistable object of entity e (or a specialization the JSON names). */
static nf_vm_status result_object(nf_vm *vm, const json_t *j, uint32_t e, nf_vm_obj **out,
                                  const char *flow) {
    *out = NULL;
    const json_t *vals = json_object_get(j, "values");
    const char *en = json_string_value(json_object_get(j, "entity"));
    uint32_t oe = e;
    if (en) {
        oe = NF_BC_NONE;
        for (uint32_t k = 0; k < vm->m->nentities && oe == NF_BC_NONE; k++)
            if (strcmp(ent_name(vm, k), en) == 0) oe = k;
    }
    if (!json_is_object(j) || (vals && !json_is_object(vals)) || oe == NF_BC_NONE ||
        !nf_bc_entity_is_a(vm->m, oe, e) || !nf_bc_entity_offline_passable(vm->m, oe))
        return bad_result(vm, flow);
    nf_vm_obj *o = nf_vm_obj_new(vm, oe);
    if (!o) return nf_vm_no_memory(vm, 0, "reading a microflow's result");
    nf_vm_status r = NF_VM_OK;
    for (uint32_t a = 0; r == NF_VM_OK && a < o->nattrs; a++) {
        const nf_bc_attr *at = nf_bc_entity_attr(vm->m, oe, a);
        const json_t *x = json_object_get(vals, vm->m->strings[at->name]);
        if (!x || at->type.kind == NF_BT_BINARY) continue; /* the default stays */
        nf_val v = nf_vm_empty(at->type.kind);
        v.ref = at->type.ref;
        r = result_value(vm, x, at->type, &v, flow);
        if (r == NF_VM_OK) {
            nf_vm_val_release(vm, &o->attrs[a]);
            o->attrs[a] = v;
        }
    }
    if (r != NF_VM_OK) {
        nf_vm_obj_release(vm, o);
        return r;
    }
    *out = o;
    return NF_VM_OK;
}

/* The result of a call as a value of type t (into *out, empty of t before). */
static nf_vm_status result_value(nf_vm *vm, const json_t *j, nf_bc_type t, nf_val *out,
                                 const char *flow) {
    if (!j || json_is_null(j) || t.kind == NF_BT_VOID) return NF_VM_OK;
    bool ok = false;
    switch (t.kind) {
    case NF_BT_BOOL:
        if ((ok = json_is_boolean(j))) *out = nf_vm_bool(json_is_true(j));
        break;
    case NF_BT_INT:
        if ((ok = json_is_integer(j))) {
            *out = nf_vm_int(json_integer_value(j));
        } else if (json_is_string(j) && json_string_length(j) <= 20) { /* a Long beyond 2^53 */
            char *end;
            long long v = strtoll(json_string_value(j), &end, 10);
            if ((ok = *json_string_value(j) && !*end)) *out = nf_vm_int(v);
        }
        break;
    case NF_BT_STR:
        if (json_is_string(j))
            return nf_vm_string(vm, json_string_value(j), json_string_length(j), out);
        break;
    case NF_BT_DEC: {
        nf_dec d;
        if ((ok = json_is_string(j) &&
                  nf_dec_parse(json_string_value(j), json_string_length(j), &d) == NF_DEC_OK))
            *out = nf_vm_dec_val(d);
        break;
    }
    case NF_BT_DT: {
        int64_t ms;
        if ((ok = json_is_string(j) && nf_std_wire_time_parse(json_string_value(j), &ms)))
            *out = nf_vm_datetime(ms);
        break;
    }
    case NF_BT_ENUM: {
        const nf_bc_enum *en = &vm->m->enums[t.ref];
        for (uint32_t k = 0; json_is_string(j) && k < en->nvalues && !ok; k++)
            if (strcmp(vm->m->strings[en->value_names[k]], json_string_value(j)) == 0) {
                out->u.e = k;
                out->flags = 0;
                ok = true;
            }
        break;
    }
    case NF_BT_OBJ: {
        nf_vm_obj *o;
        if (result_object(vm, j, t.ref, &o, flow) != NF_VM_OK) return NF_VM_ERROR;
        out->u.o = o;
        out->flags = 0;
        return NF_VM_OK;
    }
    case NF_BT_LIST: {
        if (!json_is_array(j)) break;
        nf_vm_list *l = nf_vm_list_new(vm, t.ref, (uint32_t)json_array_size(j));
        if (!l) return nf_vm_no_memory(vm, 0, "reading a microflow's result");
        size_t i;
        const json_t *x;
        json_array_foreach(j, i, x) {
            nf_vm_obj *o;
            nf_vm_status r = result_object(vm, x, t.ref, &o, flow);
            if (r == NF_VM_OK) {
                r = nf_vm_list_push(vm, l, o);
                nf_vm_obj_release(vm, o);
            }
            if (r != NF_VM_OK) {
                nf_vm_list_release(vm, l);
                return r;
            }
        }
        out->u.l = l;
        out->flags = 0;
        return NF_VM_OK;
    }
    default: return bad_result(vm, flow);
    }
    return ok ? NF_VM_OK : bad_result(vm, flow);
}

nf_vm_status nf_std_sync_json_value(nf_vm *vm, const json_t *j, nf_bc_type t, nf_val *out,
                                    const char *what) {
    return result_value(vm, j, t, out, what);
}

nf_vm_status nf_std_sync_call(nf_std_sync *c, nf_vm *vm, uint32_t flow, const nf_val *args,
                              nf_val *out) {
    const nf_bc_flow *f = &vm->m->flows[flow];
    const char *name = vm->m->strings[f->name];
    /* the offline rules are checked before anything goes to the server */
    if (!passable(vm, f->ret, name, "the result")) return NF_VM_ERROR;
    json_t *a = json_object(), *body = json_object();
    nf_vm_status r = a && body ? NF_VM_OK : nf_vm_no_memory(vm, 0, "calling a microflow");
    for (uint32_t i = 0; r == NF_VM_OK && i < f->nparams; i++) {
        const char *pn = f->reg_names[i] != NF_BC_NONE ? vm->m->strings[f->reg_names[i]] : "";
        char what[160];
        snprintf(what, sizeof what, "argument %s", pn);
        json_t *v =
            passable(vm, f->regs[i], name, what) ? value_json(vm, &args[i], name, what) : NULL;
        if (!v || json_object_set_new(a, pn, v)) r = NF_VM_ERROR;
    }
    if (r == NF_VM_OK) r = nf_std_sync_login_if_needed(c, vm);
    json_t *answer = NULL;
    if (r == NF_VM_OK) {
        json_object_set(body, "args", a);
        nf_std_text path = {0};
        nf_std_text_put(&path, "/nf/v1/call/");
        nf_std_sync_url_put(&path, name);
        r = path.oom ? nf_vm_no_memory(vm, 0, "calling a microflow")
                     : nf_std_sync_request(c, vm, "POST", path.s, body, &answer);
        free(path.s);
    }
    if (r == NF_VM_OK) r = result_value(vm, json_object_get(answer, "result"), f->ret, out, name);
    json_decref(answer);
    json_decref(a);
    json_decref(body);
    return r;
}
