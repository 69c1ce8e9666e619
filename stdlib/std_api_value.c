/* std_api_value.c — nf_value: constructors, parsing from text, toString and JSON forms, and
 * access to objects and lists (include/nanoflow.h). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "std_api.h"
#include "std_store.h"
#include "std_text.h"
#include "std_time.h"

/* ---- types
 * ----------------------------------------------------------------------------------------- */

const char *nf_type_name(nf_type t) {
    static const char *const names[] = {"Nothing", "Boolean",  "Integer",     "Long",   "Decimal",
                                        "String",  "DateTime", "Enumeration", "Object", "List"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

nf_type nf_api_type_of(uint8_t kind, bool is_long) {
    switch (kind) {
    case NF_BT_BOOL: return NF_TYPE_BOOLEAN;
    case NF_BT_INT: return is_long ? NF_TYPE_LONG : NF_TYPE_INTEGER;
    case NF_BT_DEC: return NF_TYPE_DECIMAL;
    case NF_BT_STR: return NF_TYPE_STRING;
    case NF_BT_DT: return NF_TYPE_DATETIME;
    case NF_BT_ENUM: return NF_TYPE_ENUMERATION;
    case NF_BT_OBJ: return NF_TYPE_OBJECT;
    case NF_BT_LIST: return NF_TYPE_LIST;
    default: return NF_TYPE_NOTHING;
    }
}

uint8_t nf_api_kind_of(nf_type t) {
    static const uint8_t kinds[] = {NF_BT_VOID, NF_BT_BOOL, NF_BT_INT,  NF_BT_INT, NF_BT_DEC,
                                    NF_BT_STR,  NF_BT_DT,   NF_BT_ENUM, NF_BT_OBJ, NF_BT_LIST};
    return (unsigned)t < sizeof kinds ? kinds[t] : NF_BT_VOID;
}

/* ---- handles
 * --------------------------------------------------------------------------------------- */

nf_value *nf_api_wrap_move(nf_runtime *rt, nf_val *v, bool is_long) {
    nf_value *h = malloc(sizeof *h);
    if (!h) {
        nf_vm_val_release(rt->vm, v);
        return NULL;
    }
    h->rt = rt;
    h->v = *v;
    h->long_type = is_long;
    rt->refs++;
    return h;
}

nf_value *nf_api_wrap(nf_runtime *rt, const nf_val *v, bool is_long) {
    nf_val copy = *v;
    nf_vm_val_retain(&copy);
    return nf_api_wrap_move(rt, &copy, is_long);
}

void nf_value_free(nf_value *v) {
    if (!v) return;
    nf_runtime *rt = v->rt;
    nf_vm_val_release(rt->vm, &v->v);
    free(v);
    nf_api_runtime_release(rt);
}

nf_value *nf_value_copy(const nf_value *v) {
    return v ? nf_api_wrap(v->rt, &v->v, v->long_type) : NULL;
}

nf_value *nf_value_empty(nf_runtime *rt, nf_type type) {
    nf_val v = nf_vm_empty(nf_api_kind_of(type));
    return nf_api_wrap_move(rt, &v, type == NF_TYPE_LONG);
}
nf_value *nf_value_boolean(nf_runtime *rt, bool b) {
    nf_val v = nf_vm_bool(b);
    return nf_api_wrap_move(rt, &v, false);
}
nf_value *nf_value_integer(nf_runtime *rt, int64_t i) {
    nf_val v = nf_vm_int(i);
    return nf_api_wrap_move(rt, &v, false);
}
nf_value *nf_value_datetime(nf_runtime *rt, int64_t ms) {
    nf_val v = nf_vm_datetime(ms);
    return nf_api_wrap_move(rt, &v, false);
}
nf_value *nf_value_string(nf_runtime *rt, const char *utf8, size_t length) {
    nf_val v;
    if (nf_vm_string(rt->vm, utf8, length, &v) != NF_VM_OK) return NULL;
    return nf_api_wrap_move(rt, &v, false);
}
nf_value *nf_value_decimal(nf_runtime *rt, const char *text) {
    nf_dec d;
    if (nf_dec_parse(text, strlen(text), &d) != NF_DEC_OK) return NULL;
    nf_val v = nf_vm_dec_val(d);
    return nf_api_wrap_move(rt, &v, false);
}

/* The enumeration "Module.Enum" (or any when NULL) and its value "Key" or "Module.Enum.Key". */
static bool find_enum_value(const nf_bc_module *m, const char *enumeration, const char *text,
                            uint32_t *en, uint32_t *value) {
    for (uint32_t e = 0; e < m->nenums; e++) {
        const char *name = m->strings[m->enums[e].name];
        size_t nl = strlen(name);
        const char *key = text;
        if (strncmp(text, name, nl) == 0 && text[nl] == '.')
            key = text + nl + 1;
        else if (!enumeration)
            continue; /* a bare key needs its enumeration */
        if (enumeration && strcmp(enumeration, name) != 0) continue;
        for (uint32_t k = 0; k < m->enums[e].nvalues; k++)
            if (strcmp(m->strings[m->enums[e].value_names[k]], key) == 0) {
                *en = e;
                *value = k;
                return true;
            }
    }
    return false;
}

nf_value *nf_value_enumeration(nf_runtime *rt, const char *qualified_key) {
    uint32_t e, k;
    if (!find_enum_value(&rt->mod->bc, NULL, qualified_key, &e, &k)) return NULL;
    nf_val v = {{.e = k}, 0, NF_BT_ENUM, 0, (uint16_t)e};
    return nf_api_wrap_move(rt, &v, false);
}

static nf_value *parse_fail(char **error, char *msg) {
    if (error)
        *error = msg;
    else
        free(msg);
    return NULL;
}

nf_value *nf_value_parse(nf_runtime *rt, nf_type type, const char *enumeration, const char *text,
                         char **error) {
    if (error) *error = NULL;
    if (strcmp(text, "empty") == 0) return nf_value_empty(rt, type);
    switch (type) {
    case NF_TYPE_BOOLEAN:
        if (strcmp(text, "true") == 0) return nf_value_boolean(rt, true);
        if (strcmp(text, "false") == 0) return nf_value_boolean(rt, false);
        return parse_fail(error, nf_api_format("'%s' is not a Boolean (true or false)", text));
    case NF_TYPE_INTEGER:
    case NF_TYPE_LONG: {
        char *end;
        errno = 0;
        long long i = strtoll(text, &end, 10);
        if (!*text || *end || errno)
            return parse_fail(error, nf_api_format("'%s' is not an %s", text,
                                                   type == NF_TYPE_LONG ? "Long" : "Integer"));
        if (type == NF_TYPE_INTEGER && (i < INT32_MIN || i > INT32_MAX))
            return parse_fail(error, nf_api_format("'%s' is out of the Integer range", text));
        nf_value *v = nf_value_integer(rt, i);
        if (v) v->long_type = type == NF_TYPE_LONG;
        return v;
    }
    case NF_TYPE_DECIMAL: {
        nf_value *v = nf_value_decimal(rt, text);
        return v ? v : parse_fail(error, nf_api_format("'%s' is not a Decimal", text));
    }
    case NF_TYPE_STRING:
        if (!nf_std_utf8_valid(text, strlen(text)))
            return parse_fail(error, nf_api_strdup("the text is not valid UTF-8"));
        return nf_value_string(rt, text, strlen(text));
    case NF_TYPE_DATETIME: {
        int64_t ms;
        if (nf_std_time_parse_iso(rt->ctx.time, text, &ms) != NF_STD_TIME_OK)
            return parse_fail(error, nf_api_format("'%s' is not an ISO-8601 date and time "
                                                   "(like 2007-01-01T10:00:00Z)",
                                                   text));
        return nf_value_datetime(rt, ms);
    }
    case NF_TYPE_ENUMERATION: {
        uint32_t e, k;
        if (!find_enum_value(&rt->mod->bc, enumeration, text, &e, &k))
            return parse_fail(error, nf_api_format("'%s' is not a value of %s", text,
                                                   enumeration ? enumeration : "an enumeration"));
        nf_val v = {{.e = k}, 0, NF_BT_ENUM, 0, (uint16_t)e};
        return nf_api_wrap_move(rt, &v, false);
    }
    default:
        return parse_fail(error, nf_api_format("a %s cannot be given as text", nf_type_name(type)));
    }
}

/* ---- reading
 * ------------------------------------------------------------------------------------- */

nf_type nf_value_type(const nf_value *v) {
    return nf_api_type_of(v->v.kind, v->long_type);
}
bool nf_value_is_empty(const nf_value *v) {
    return nf_vm_is_empty(&v->v);
}
bool nf_value_as_boolean(const nf_value *v) {
    return v->v.kind == NF_BT_BOOL && !nf_vm_is_empty(&v->v) && v->v.u.b;
}
int64_t nf_value_as_integer(const nf_value *v) {
    if (nf_vm_is_empty(&v->v) || (v->v.kind != NF_BT_INT && v->v.kind != NF_BT_DT)) return 0;
    return v->v.u.i;
}
const char *nf_value_as_string(const nf_value *v) {
    return v->v.kind == NF_BT_STR && !nf_vm_is_empty(&v->v) ? v->v.u.s->s : NULL;
}

const char *nf_value_enumeration_key(const nf_value *v) {
    const nf_bc_module *m = &v->rt->mod->bc;
    if (v->v.kind != NF_BT_ENUM || nf_vm_is_empty(&v->v) || v->v.ref >= m->nenums ||
        v->v.u.e >= m->enums[v->v.ref].nvalues)
        return NULL;
    return m->strings[m->enums[v->v.ref].value_names[v->v.u.e]];
}

const char *nf_value_enumeration_name(const nf_value *v) {
    const nf_bc_module *m = &v->rt->mod->bc;
    if (v->v.kind != NF_BT_ENUM || v->v.ref >= m->nenums) return NULL;
    return m->strings[m->enums[v->v.ref].name];
}

const char *nf_value_entity(const nf_value *v) {
    const nf_bc_module *m = &v->rt->mod->bc;
    if (nf_vm_is_empty(&v->v) && v->v.ref < m->nentities &&
        (v->v.kind == NF_BT_OBJ || v->v.kind == NF_BT_LIST))
        return m->strings[m->entities[v->v.ref].name];
    uint32_t e = NF_BC_NONE16;
    if (v->v.kind == NF_BT_OBJ && !nf_vm_is_empty(&v->v)) e = v->v.u.o->entity;
    if (v->v.kind == NF_BT_LIST && !nf_vm_is_empty(&v->v)) e = v->v.u.l->entity;
    if (e == NF_BC_NONE16 && v->v.ref != NF_BC_NONE16) e = v->v.ref;
    return e < m->nentities ? m->strings[m->entities[e].name] : NULL;
}

char *nf_value_to_text(const nf_value *v) {
    nf_vm *vm = v->rt->vm;
    if (v->v.kind == NF_BT_LIST) {
        const char *ent = nf_value_entity(v);
        return nf_api_format("List of %s (%zu)", ent ? ent : "objects", nf_list_length(v));
    }
    nf_val s;
    if (nf_vm_to_string(vm, &v->v, &s) != NF_VM_OK) return NULL;
    char *text = NULL;
    if (v->v.kind == NF_BT_OBJ && !nf_vm_is_empty(&v->v))
        text = nf_api_format("%s %s", nf_value_entity(v), s.u.s->s);
    else
        text = nf_api_strdup(nf_vm_is_empty(&s) ? "" : s.u.s->s);
    nf_vm_val_release(vm, &s);
    return text;
}

static json_t *json_of(nf_runtime *rt, const nf_val *v, int depth);

static json_t *object_json(nf_runtime *rt, const nf_vm_obj *o, int depth) {
    const nf_bc_module *m = &rt->mod->bc;
    char id[37];
    nf_vm_obj_id_text(o, id);
    json_t *j = json_object();
    json_object_set_new(j, "entity", json_string(m->strings[m->entities[o->entity].name]));
    json_object_set_new(j, "id", json_string(id));
    if (depth > 0) return j;
    json_t *attrs = json_object();
    for (uint32_t a = 0; a < o->nattrs; a++) {
        const nf_bc_attr *at = nf_bc_entity_attr(m, o->entity, a);
        if (!at) continue;
        nf_val av = o->attrs[a];
        av.ref = at->type.ref;
        json_object_set_new(attrs, m->strings[at->name], json_of(rt, &av, depth + 1));
    }
    json_object_set_new(j, "attributes", attrs);
    return j;
}

static json_t *json_of(nf_runtime *rt, const nf_val *v, int depth) {
    const nf_bc_module *m = &rt->mod->bc;
    if (nf_vm_is_empty(v)) return json_null();
    switch (v->kind) {
    case NF_BT_BOOL: return json_boolean(v->u.b);
    case NF_BT_INT: return json_integer((json_int_t)v->u.i);
    case NF_BT_DEC: {
        nf_dec d = nf_vm_dec_of(v);
        size_t n = nf_dec_format(&d, NULL, 0);
        char *buf = malloc(n + 1);
        if (!buf) return NULL;
        nf_dec_format(&d, buf, n + 1);
        json_t *j = json_string(buf);
        free(buf);
        return j;
    }
    case NF_BT_STR: {
        json_t *j = json_stringn(v->u.s->s, v->u.s->len);
        if (j) return j;
        /* text a host passed in that is not UTF-8: each bad byte becomes U+FFFD, never null */
        nf_std_buf b;
        nf_std_buf_init(&b);
        if (nf_std_utf8_sanitize(v->u.s->s, v->u.s->len, &b) == NF_STD_TEXT_OK)
            j = json_stringn(b.p ? b.p : "", b.len);
        nf_std_buf_free(&b);
        return j;
    }
    case NF_BT_DT: {
        char buf[64];
        nf_std_time_format_iso(v->u.i, buf, sizeof buf);
        return json_string(buf);
    }
    case NF_BT_ENUM: {
        if (v->ref >= m->nenums || v->u.e >= m->enums[v->ref].nvalues) return json_null();
        char *k = nf_api_format("%s.%s", m->strings[m->enums[v->ref].name],
                                m->strings[m->enums[v->ref].value_names[v->u.e]]);
        json_t *j = json_string(k ? k : "");
        free(k);
        return j;
    }
    case NF_BT_OBJ: return object_json(rt, v->u.o, depth);
    case NF_BT_LIST: {
        json_t *a = json_array();
        for (uint32_t i = 0; i < v->u.l->n; i++)
            json_array_append_new(a, object_json(rt, v->u.l->items[i], depth + 1));
        return a;
    }
    default: return json_null();
    }
}

char *nf_value_to_json(const nf_value *v) {
    json_t *j = json_object();
    if (!j) return NULL;
    json_object_set_new(j, "type", json_string(nf_type_name(nf_value_type(v))));
    json_t *val = json_of(v->rt, &v->v, 0);
    json_object_set_new(j, "value", val ? val : json_null());
    char *s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(j);
    return s;
}

/* ---- objects and lists
 * ------------------------------------------------------------------------------ */

nf_status nf_api_object_load(nf_runtime *rt, uint32_t entity, const char *id, nf_value **out) {
    *out = NULL;
    const nf_bc_module *m = &rt->mod->bc;
    uint8_t idb[16];
    if (!id || strlen(id) != 36 || !nf_std_uuid_parse(id, 36, idb))
        return nf_api_error(rt, NF_ERR_ARGUMENT, "'%s' is not an object id (a UUID)", id ? id : "");
    nf_vm_obj *o = nf_vm_idmap_get(rt->vm, idb);
    if (o) {
        o->refs++;
    } else if (rt->store) {
        const nf_vm_store *st = nf_std_store_iface(rt->store);
        if (st->load(st->ud, rt->vm, entity, idb, &o) != NF_VM_OK) {
            char why[256];
            snprintf(why, sizeof why, "%s", nf_runtime_error_message(rt));
            return nf_api_error(rt, NF_ERR_ARGUMENT, "cannot read %s %s: %s",
                                m->strings[m->entities[entity].name], id, why);
        }
    }
    if (o && !nf_bc_entity_is_a(m, o->entity, entity)) {
        nf_vm_obj_release(rt->vm, o);
        o = NULL;
    }
    if (!o)
        return nf_api_error(rt, NF_ERR_NOT_FOUND, "there is no %s with id %s",
                            m->strings[m->entities[entity].name], id);
    nf_val v = {0};
    v.kind = NF_BT_OBJ;
    v.u.o = o;
    *out = nf_api_wrap_move(rt, &v, false);
    return *out ? NF_OK : nf_api_error(rt, NF_ERR_NOMEM, "out of memory");
}

nf_status nf_object_load(nf_runtime *rt, const char *entity, const char *id, nf_value **out) {
    if (!out) return NF_ERR_ARGUMENT;
    *out = NULL;
    if (!rt || !entity) return NF_ERR_ARGUMENT;
    const nf_bc_module *m = &rt->mod->bc;
    for (uint32_t e = 0; e < m->nentities; e++)
        if (strcmp(m->strings[m->entities[e].name], entity) == 0)
            return nf_api_object_load(rt, e, id, out);
    return nf_api_error(rt, NF_ERR_NOT_FOUND, "there is no entity named %s", entity);
}

nf_status nf_object_get(const nf_value *object, const char *member, nf_value **out) {
    *out = NULL;
    if (object->v.kind != NF_BT_OBJ || nf_vm_is_empty(&object->v)) return NF_ERR_ARGUMENT;
    const nf_bc_module *m = &object->rt->mod->bc;
    nf_vm_obj *o = object->v.u.o;
    for (uint32_t a = 0; a < o->nattrs; a++) {
        const nf_bc_attr *at = nf_bc_entity_attr(m, o->entity, a);
        if (at && strcmp(m->strings[at->name], member) == 0) {
            nf_val v = o->attrs[a];
            v.ref = at->type.ref;
            *out = nf_api_wrap(object->rt, &v, (at->type.flags & NF_BC_TF_LONG) != 0);
            return *out ? NF_OK : NF_ERR_NOMEM;
        }
    }
    for (uint32_t s = 0; s < m->nassocs; s++) {
        if (strcmp(m->strings[m->assocs[s].name], member) != 0) continue;
        nf_val v;
        if (nf_vm_member(object->rt->vm, o, NF_BC_ASSOC_MEMBER | s, &v) != NF_VM_OK)
            return NF_ERR_FLOW;
        *out = nf_api_wrap(object->rt, &v, false);
        return *out ? NF_OK : NF_ERR_NOMEM;
    }
    return NF_ERR_NOT_FOUND;
}

size_t nf_list_length(const nf_value *list) {
    return list->v.kind == NF_BT_LIST && !nf_vm_is_empty(&list->v) ? list->v.u.l->n : 0;
}

nf_value *nf_list_get(const nf_value *list, size_t i) {
    if (i >= nf_list_length(list)) return NULL;
    nf_vm_obj *o = list->v.u.l->items[i];
    nf_val v = {{.o = o}, 0, NF_BT_OBJ, 0, (uint16_t)o->entity};
    return nf_api_wrap(list->rt, &v, false);
}
