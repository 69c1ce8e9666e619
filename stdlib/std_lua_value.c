/* std_lua_value.c — values between the VM and Lua actions (docs/lua.md): conversions by the
 * declared type, and objects as proxies (userdata) whose attribute reads and writes are checked
 * against the entity and go straight to the VM object.
 *
 * A proxy holds a reference to its object for the call that made it: the runner releases every
 * such reference when the action returns and moves to a new generation, so a proxy that outlives
 * its call (in garbage not yet collected) is dead and says so instead of touching freed memory. */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "std_lua_int.h"
#include "std_text.h"

typedef struct proxy {
    nf_vm_obj *o;
    uint32_t gen;
} proxy;

int nf_lua_vm_error(lua_State *L) {
    nf_std_lua *l = nf_lua_of(L);
    l->vm_raised = true;
    return luaL_error(L, "%s", l->vm->err_msg);
}

static const char *entity_name(const nf_bc_module *m, uint32_t e) {
    return e < m->nentities ? m->strings[m->entities[e].name] : "object";
}

/* Keeps a reference to o until the call ends. */
static void hold(lua_State *L, nf_std_lua *l, nf_vm_obj *o) {
    if (l->nheld == l->held_cap) {
        uint32_t cap = l->held_cap ? l->held_cap * 2 : 64;
        nf_vm_obj **h = realloc(l->held, cap * sizeof *h);
        if (!h) luaL_error(L, "not enough memory");
        l->held = h;
        l->held_cap = cap;
    }
    nf_val v = {{.o = o}, 0, NF_BT_OBJ, 0, 0};
    nf_vm_val_retain(&v);
    l->held[l->nheld++] = o;
}

static void push_object(lua_State *L, nf_vm_obj *o) {
    nf_std_lua *l = nf_lua_of(L);
    proxy *p = lua_newuserdatauv(L, sizeof *p, 0);
    p->o = NULL;
    p->gen = l->gen;
    luaL_setmetatable(L, NF_LUA_OBJECT_MT);
    hold(L, l, o);
    p->o = o;
}

/* The live object of the proxy at idx, or NULL when the value is not a proxy. */
static nf_vm_obj *test_object(lua_State *L, int idx) {
    proxy *p = luaL_testudata(L, idx, NF_LUA_OBJECT_MT);
    if (!p) return NULL;
    if (!p->o || p->gen != nf_lua_of(L)->gen)
        luaL_error(L, "an object proxy was used after its Lua action returned");
    return p->o;
}

static nf_vm_obj *check_object(lua_State *L, int idx) {
    nf_vm_obj *o = test_object(L, idx);
    if (!o) luaL_typeerror(L, idx, "object");
    if (o->state == NF_OBJ_DELETED)
        luaL_error(L, "the %s object was deleted", entity_name(nf_lua_of(L)->m, o->entity));
    return o;
}

static void push_list(lua_State *L, const nf_vm_list *list) {
    lua_createtable(L, (int)(list->n < 1000000 ? list->n : 1000000), 0);
    for (uint32_t i = 0; i < list->n; i++) {
        push_object(L, list->items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

void nf_lua_push_val(lua_State *L, const nf_val *v, nf_bc_type t) {
    const nf_bc_module *m = nf_lua_of(L)->m;
    if (nf_vm_is_empty(v)) {
        lua_pushnil(L);
        return;
    }
    switch (t.kind) {
    case NF_BT_BOOL: lua_pushboolean(L, v->u.b); return;
    case NF_BT_INT:
    case NF_BT_DT: lua_pushinteger(L, (lua_Integer)v->u.i); return;
    case NF_BT_DEC: {
        nf_dec d = nf_vm_dec_of(v);
        nf_lua_push_decimal(L, &d);
        return;
    }
    case NF_BT_STR: lua_pushlstring(L, v->u.s->s, v->u.s->len); return;
    case NF_BT_ENUM:
        if (t.ref < m->nenums && v->u.e < m->enums[t.ref].nvalues)
            lua_pushstring(L, m->strings[m->enums[t.ref].value_names[v->u.e]]);
        else
            lua_pushnil(L);
        return;
    case NF_BT_OBJ: push_object(L, v->u.o); return;
    case NF_BT_LIST: push_list(L, v->u.l); return;
    default: lua_pushnil(L); return;
    }
}

static const char *type_text(const nf_bc_module *m, nf_bc_type t, char *buf, size_t n) {
    switch (t.kind) {
    case NF_BT_BOOL: return "Boolean";
    case NF_BT_INT: return t.flags & NF_BC_TF_LONG ? "Long" : "Integer";
    case NF_BT_DEC: return "Decimal";
    case NF_BT_STR: return "String";
    case NF_BT_DT: return "DateTime";
    case NF_BT_ENUM: return t.ref < m->nenums ? m->strings[m->enums[t.ref].name] : "Enumeration";
    case NF_BT_OBJ: return t.ref == NF_BC_NONE16 ? "an object" : entity_name(m, t.ref);
    case NF_BT_LIST:
        snprintf(buf, n, "a list of %s", t.ref == NF_BC_NONE16 ? "objects" : entity_name(m, t.ref));
        return buf;
    default: return "a value of this type";
    }
}

static int mismatch(lua_State *L, int idx, nf_bc_type t, const char *what) {
    char buf[160];
    const char *tn = luaL_typename(L, idx);
    if (test_object(L, idx))
        tn = entity_name(nf_lua_of(L)->m, test_object(L, idx)->entity);
    else if (nf_lua_test_decimal(L, idx))
        tn = "decimal";
    else if (lua_type(L, idx) == LUA_TNUMBER)
        tn = lua_isinteger(L, idx) ? "integer" : "float";
    return luaL_error(L, "%s must be %s, not %s", what,
                      type_text(nf_lua_of(L)->m, t, buf, sizeof buf), tn);
}

/* An int64 from a Lua integer, an integral float or an integral decimal. */
static bool to_int64(lua_State *L, int idx, int64_t *out) {
    if (lua_type(L, idx) == LUA_TNUMBER) {
        int ok;
        lua_Integer i = lua_tointegerx(L, idx, &ok);
        *out = (int64_t)i;
        return ok != 0;
    }
    nf_dec *d = nf_lua_test_decimal(L, idx);
    return d && nf_dec_is_integral(d) && nf_dec_to_int64(d, NF_DEC_DOWN, out) == NF_DEC_OK;
}

static bool object_fits(const nf_bc_module *m, nf_vm_obj *o, nf_bc_type t) {
    return t.ref == NF_BC_NONE16 || nf_bc_entity_is_a(m, o->entity, t.ref);
}

static void to_list(lua_State *L, int idx, nf_bc_type t, const char *what, nf_val *out) {
    nf_std_lua *l = nf_lua_of(L);
    if (!lua_istable(L, idx) || luaL_testudata(L, idx, NF_LUA_OBJECT_MT)) {
        mismatch(L, idx, t, what);
        return;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n > UINT32_MAX / 2) luaL_error(L, "%s: the list is too long", what);
    /* check every element first: building the list cannot raise a Lua error halfway */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        nf_vm_obj *o = test_object(L, -1);
        if (!o || !object_fits(l->m, o, t))
            luaL_error(L, "%s: element %d must be %s", what, (int)i,
                       t.ref == NF_BC_NONE16 ? "an object" : entity_name(l->m, t.ref));
        lua_pop(L, 1);
    }
    nf_vm_list *list =
        nf_vm_list_new(l->vm, t.ref == NF_BC_NONE16 ? NF_BC_NONE16 : t.ref, (uint32_t)n);
    if (!list) nf_lua_vm_error(L);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        nf_vm_obj *o = ((proxy *)lua_touserdata(L, -1))->o;
        lua_pop(L, 1);
        if (nf_vm_list_push(l->vm, list, o) != NF_VM_OK) {
            nf_vm_list_release(l->vm, list);
            nf_lua_vm_error(L);
        }
    }
    out->u.l = list;
    out->flags = 0;
}

void nf_lua_to_val(lua_State *L, int idx, nf_bc_type t, const char *what, nf_val *out) {
    nf_std_lua *l = nf_lua_of(L);
    idx = lua_absindex(L, idx);
    *out = nf_vm_empty(t.kind);
    out->ref = t.ref;
    if (lua_isnil(L, idx)) return;
    switch (t.kind) {
    case NF_BT_BOOL:
        if (!lua_isboolean(L, idx)) mismatch(L, idx, t, what);
        out->u.b = lua_toboolean(L, idx);
        break;
    case NF_BT_INT:
    case NF_BT_DT:
        if (!to_int64(L, idx, &out->u.i)) mismatch(L, idx, t, what);
        break;
    case NF_BT_DEC: {
        nf_dec d = nf_dec_zero();
        bool owned = false;
        if (lua_type(L, idx) == LUA_TBOOLEAN || !nf_lua_to_decimal(L, idx, &d, &owned))
            mismatch(L, idx, t, what);
        if (!owned) { /* borrowed from a decimal userdata */
            nf_dec c;
            nf_dec_copy(&d, &c);
            d = c;
        }
        *out = nf_vm_dec_val(d);
        out->ref = t.ref;
        return;
    }
    case NF_BT_STR: {
        if (lua_type(L, idx) != LUA_TSTRING) mismatch(L, idx, t, what);
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (memchr(s, '\0', len) || !nf_std_utf8_valid(s, len))
            luaL_error(L, "%s must be UTF-8 text without NUL characters", what);
        if (nf_vm_string(l->vm, s, len, out) != NF_VM_OK) nf_lua_vm_error(L);
        out->ref = t.ref;
        return;
    }
    case NF_BT_ENUM: {
        if (lua_type(L, idx) != LUA_TSTRING) mismatch(L, idx, t, what);
        const char *key = lua_tostring(L, idx);
        const nf_bc_enum *e = t.ref < l->m->nenums ? &l->m->enums[t.ref] : NULL;
        uint32_t k = 0;
        while (e && k < e->nvalues && strcmp(l->m->strings[e->value_names[k]], key) != 0)
            k++;
        if (!e || k == e->nvalues)
            luaL_error(L, "%s: '%s' is not a value of %s", what, key,
                       e ? l->m->strings[e->name] : "the enumeration");
        out->u.e = k;
        break;
    }
    case NF_BT_OBJ: {
        nf_vm_obj *o = test_object(L, idx);
        if (!o || !object_fits(l->m, o, t)) mismatch(L, idx, t, what);
        nf_val v = {{.o = o}, 0, NF_BT_OBJ, 0, t.ref};
        nf_vm_val_retain(&v);
        *out = v;
        return;
    }
    case NF_BT_LIST: to_list(L, idx, t, what, out); return;
    default: mismatch(L, idx, t, what); return;
    }
    out->flags = 0;
}

/* ---- the object proxy ----------------------------------------------------------------------- */

/* The flattened attribute index of `name`, or -1. */
static int64_t attr_named(const nf_bc_module *m, const nf_vm_obj *o, const char *name) {
    for (uint32_t a = 0; a < o->nattrs; a++) {
        const nf_bc_attr *at = nf_bc_entity_attr(m, o->entity, a);
        if (at && strcmp(m->strings[at->name], name) == 0) return a;
    }
    return -1;
}

/* An association the object's entity owns, by its full ("Module.Assoc") or short name. */
static int64_t assoc_named(nf_std_lua *l, const nf_vm_obj *o, const char *name) {
    const nf_bc_module *m = l->m;
    const nf_vm_layout *lay = &l->vm->layout[o->entity];
    for (uint32_t s = 0; s < m->nassocs; s++) {
        const char *full = m->strings[m->assocs[s].name], *dot = strchr(full, '.');
        if (lay->slot[s] >= 0 && (strcmp(full, name) == 0 || (dot && strcmp(dot + 1, name) == 0)))
            return s;
    }
    return -1;
}

static int o_index(lua_State *L) {
    nf_std_lua *l = nf_lua_of(L);
    nf_vm_obj *o = check_object(L, 1);
    const char *name = luaL_checkstring(L, 2);
    int64_t a = attr_named(l->m, o, name);
    if (a >= 0) {
        const nf_bc_attr *at = nf_bc_entity_attr(l->m, o->entity, (uint32_t)a);
        nf_lua_push_val(L, &o->attrs[a], at->type);
        return 1;
    }
    int64_t s = assoc_named(l, o, name);
    if (s < 0)
        return luaL_error(L, "%s has no attribute or association '%s'",
                          entity_name(l->m, o->entity), name);
    nf_val v;
    if (nf_vm_member(l->vm, o, NF_BC_ASSOC_MEMBER | (uint32_t)s, &v) != NF_VM_OK)
        return nf_lua_vm_error(L);
    nf_bc_type t = {l->m->assocs[s].reference_set ? NF_BT_LIST : NF_BT_OBJ, 0,
                    (uint16_t)l->m->assocs[s].to};
    nf_lua_push_val(L, &v, t);
    return 1;
}

static int o_newindex(lua_State *L) {
    nf_std_lua *l = nf_lua_of(L);
    nf_vm_obj *o = check_object(L, 1);
    const char *name = luaL_checkstring(L, 2);
    int64_t a = attr_named(l->m, o, name);
    if (a < 0) {
        if (assoc_named(l, o, name) >= 0)
            return luaL_error(L, "association %s cannot be set from Lua", name);
        return luaL_error(L, "%s has no attribute '%s'", entity_name(l->m, o->entity), name);
    }
    const nf_bc_attr *at = nf_bc_entity_attr(l->m, o->entity, (uint32_t)a);
    if (at->flags & (NF_BA_CALCULATED | NF_BA_AUTONUMBER | NF_BA_SYSTEM))
        return luaL_error(L, "attribute %s of %s is read-only", name, entity_name(l->m, o->entity));
    char what[200];
    snprintf(what, sizeof what, "attribute %s", name);
    nf_val v;
    nf_lua_to_val(L, 3, at->type, what, &v);
    /* from here on nothing raises a Lua error before v is stored or released */
    if (!o->changed && nf_vm_obj_touch(l->vm, o) != NF_VM_OK) {
        nf_vm_val_release(l->vm, &v);
        return nf_lua_vm_error(L);
    }
    nf_val *dst = &o->attrs[a];
    uint16_t ref = dst->ref;
    nf_vm_val_release(l->vm, dst);
    *dst = v;
    dst->ref = ref;
    return 0;
}

static int o_tostring(lua_State *L) {
    nf_std_lua *l = nf_lua_of(L);
    nf_vm_obj *o = test_object(L, 1);
    if (!o) return luaL_typeerror(L, 1, "object");
    char id[37];
    nf_vm_obj_id_text(o, id);
    lua_pushfstring(L, "%s(%s)", entity_name(l->m, o->entity), id);
    return 1;
}

static int o_eq(lua_State *L) {
    nf_vm_obj *a = test_object(L, 1), *b = test_object(L, 2);
    lua_pushboolean(L, a && a == b);
    return 1;
}

void nf_lua_value_open(lua_State *L) {
    static const luaL_Reg meta[] = {{"__index", o_index},
                                    {"__newindex", o_newindex},
                                    {"__tostring", o_tostring},
                                    {"__eq", o_eq},
                                    {NULL, NULL}};
    luaL_newmetatable(L, NF_LUA_OBJECT_MT);
    luaL_setfuncs(L, meta, 0);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}
