/* lnanoflow_value.c — values between Lua and nanoflow, flow calls, and the UI callbacks that
 * call Lua functions (docs/lua-automation.md §Values).
 *
 * nanoflow -> Lua: Boolean, Integer, Long as themselves; Decimal as a string (exact); String;
 * DateTime as an ISO-8601 UTC string; Enumeration as its key; Object as a proxy userdata
 * (attributes and associations by name, read-only); List as a sequence of proxies whose
 * metatable keeps the list, so it can be passed back; empty as nil.
 * Lua -> nanoflow: by the parameter's declared type (nf_flow_param, nf_flow_param_of). */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "lnanoflow.h"

/* A value userdata: uservalue 1 is its runtime userdata (which keeps the module alive). */
typedef struct lnf_value {
    nf_value *v;
} lnf_value;

/* Pushes a new value userdata for v (owned; freed by __gc), tied to the runtime at rt_index. */
static void push_proxy(lua_State *L, int rt_index, nf_value *v) {
    lnf_value *u = lua_newuserdatauv(L, sizeof *u, 1);
    u->v = NULL;
    luaL_setmetatable(L, LNF_VALUE);
    lua_pushvalue(L, rt_index);
    lua_setiuservalue(L, -2, 1);
    u->v = v;
}

static void push_iso(lua_State *L, int64_t ms) {
    int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    time_t t = (time_t)s;
    struct tm tm;
    char buf[64];
    if (!gmtime_r(&t, &tm)) {
        lua_pushinteger(L, ms);
        return;
    }
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms - s * 1000));
    lua_pushstring(L, buf);
}

/* Pushes v as a Lua value and takes ownership of v. rt_index: the runtime userdata. */
static void push_value(lua_State *L, int rt_index, nf_value *v) {
    if (!v || nf_value_is_empty(v) || nf_value_type(v) == NF_TYPE_NOTHING) {
        nf_value_free(v);
        lua_pushnil(L);
        return;
    }
    char *text;
    switch (nf_value_type(v)) {
    case NF_TYPE_BOOLEAN: lua_pushboolean(L, nf_value_as_boolean(v)); break;
    case NF_TYPE_INTEGER:
    case NF_TYPE_LONG: lua_pushinteger(L, nf_value_as_integer(v)); break;
    case NF_TYPE_DECIMAL:
        text = nf_value_to_text(v);
        lua_pushstring(L, text ? text : "");
        nf_free(text);
        break;
    case NF_TYPE_STRING: lua_pushstring(L, nf_value_as_string(v)); break;
    case NF_TYPE_DATETIME: push_iso(L, nf_value_as_integer(v)); break;
    case NF_TYPE_ENUMERATION: lua_pushstring(L, nf_value_enumeration_key(v)); break;
    case NF_TYPE_OBJECT: push_proxy(L, rt_index, v); return; /* the proxy owns v */
    case NF_TYPE_LIST: {
        size_t n = nf_list_length(v);
        lua_createtable(L, (int)n, 0);
        int t = lua_gettop(L);
        for (size_t i = 0; i < n; i++) {
            push_value(L, rt_index, nf_list_get(v, i));
            lua_seti(L, t, (lua_Integer)i + 1);
        }
        lua_createtable(L, 0, 3); /* its own metatable: the list behind it, and its entity */
        lua_pushliteral(L, "nanoflow.list");
        lua_setfield(L, -2, "__name");
        lua_pushstring(L, nf_value_entity(v));
        lua_setfield(L, -2, "entity");
        push_proxy(L, rt_index, v); /* owns v */
        lua_setfield(L, -2, "handle");
        lua_setmetatable(L, t);
        return;
    }
    default: lua_pushnil(L); break;
    }
    nf_value_free(v);
}

/* The nf_value behind a proxy or a list table at index i, or NULL. */
static const nf_value *handle_of(lua_State *L, int i) {
    lnf_value *u = luaL_testudata(L, i, LNF_VALUE);
    if (u) return u->v;
    if (lua_istable(L, i) && lua_getmetatable(L, i)) {
        lua_getfield(L, -1, "handle");
        u = luaL_testudata(L, -1, LNF_VALUE);
        lua_pop(L, 2);
        return u ? u->v : NULL;
    }
    return NULL;
}

/* ---- the value class: object proxies ---------------------------------------------------- */

static lnf_value *check_value(lua_State *L, int i) {
    lnf_value *u = luaL_checkudata(L, i, LNF_VALUE);
    lua_getiuservalue(L, i, 1);
    lnf_runtime *r = luaL_checkudata(L, -1, LNF_RUNTIME);
    if (!r->rt) luaL_error(L, "the runtime of this value is closed");
    lua_pop(L, 1);
    return u;
}

/* obj.Member: an attribute or "Module.Association" */
static int v_index(lua_State *L) {
    lnf_value *u = check_value(L, 1);
    const char *member = luaL_checkstring(L, 2);
    if (nf_value_type(u->v) != NF_TYPE_OBJECT)
        return luaL_error(L, "a %s has no members", nf_type_name(nf_value_type(u->v)));
    nf_value *out = NULL;
    nf_status st = nf_object_get(u->v, member, &out);
    if (st == NF_ERR_NOT_FOUND)
        return luaL_error(L, "%s has no member %s", nf_value_entity(u->v), member);
    if (st != NF_OK) return luaL_error(L, "cannot read %s: %s", member, nf_status_text(st));
    lua_getiuservalue(L, 1, 1);
    push_value(L, lua_gettop(L), out);
    return 1;
}

static int v_newindex(lua_State *L) {
    return luaL_error(L, "nanoflow objects are read-only in Lua: change them in a flow (%s)",
                      luaL_checkstring(L, 2));
}

static int v_tostring(lua_State *L) {
    lnf_value *u = luaL_checkudata(L, 1, LNF_VALUE);
    char *t = u->v ? nf_value_to_text(u->v) : NULL;
    lua_pushstring(L, t ? t : "nanoflow value");
    nf_free(t);
    return 1;
}

static int v_gc(lua_State *L) {
    lnf_value *u = luaL_checkudata(L, 1, LNF_VALUE);
    nf_value_free(u->v);
    u->v = NULL;
    return 0;
}

void lnf_value_class(lua_State *L) {
    static const luaL_Reg meta[] = {{"__index", v_index},       {"__newindex", v_newindex},
                                    {"__tostring", v_tostring}, {"__gc", v_gc},
                                    {"__close", v_gc},          {NULL, NULL}};
    luaL_newmetatable(L, LNF_VALUE);
    luaL_setfuncs(L, meta, 0);
    lua_pop(L, 1);
}

/* nanoflow.entity(obj or list) -> "Module.Entity" */
int lnf_entity(lua_State *L) {
    const nf_value *v = handle_of(L, 1);
    luaL_argexpected(L, v != NULL, 1, "a nanoflow object or list");
    lua_pushstring(L, nf_value_entity(v));
    return 1;
}

/* nanoflow.json(obj or list) -> the JSON text of `nanoflow run --json` */
int lnf_json(lua_State *L) {
    const nf_value *v = handle_of(L, 1);
    luaL_argexpected(L, v != NULL, 1, "a nanoflow object or list");
    char *json = nf_value_to_json(v);
    lua_pushstring(L, json);
    nf_free(json);
    return 1;
}

/* ---- JSON to Lua ------------------------------------------------------------------------ */

static void push_json_value(lua_State *L, json_t *j) {
    luaL_checkstack(L, 4, "JSON nested too deeply");
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        lua_createtable(L, 0, (int)json_object_size(j));
        const char *k;
        json_t *x;
        json_object_foreach(j, k, x) {
            push_json_value(L, x);
            lua_setfield(L, -2, k);
        }
        break;
    }
    case JSON_ARRAY: {
        lua_createtable(L, (int)json_array_size(j), 0);
        for (size_t i = 0; i < json_array_size(j); i++) {
            push_json_value(L, json_array_get(j, i));
            lua_seti(L, -2, (lua_Integer)i + 1);
        }
        break;
    }
    case JSON_STRING: lua_pushlstring(L, json_string_value(j), json_string_length(j)); break;
    case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(j)); break;
    case JSON_REAL: lua_pushnumber(L, json_real_value(j)); break;
    case JSON_TRUE: lua_pushboolean(L, 1); break;
    case JSON_FALSE: lua_pushboolean(L, 0); break;
    default: lua_pushnil(L); break;
    }
}

static int push_json_protected(lua_State *L) {
    push_json_value(L, lua_touserdata(L, 1));
    return 1;
}

int lnf_push_json(lua_State *L, const char *text) {
    json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    if (!j) return 0;
    /* under pcall, so the json_t is freed even when Lua runs out of memory */
    lua_pushcfunction(L, push_json_protected);
    lua_pushlightuserdata(L, j);
    int st = lua_pcall(L, 1, 1, 0);
    json_decref(j);
    if (st != LUA_OK) lua_error(L);
    return 1;
}

/* nanoflow.totable(obj or list) -> {entity=, id=, attributes={...}} or a sequence of them */
int lnf_totable(lua_State *L) {
    const nf_value *v = handle_of(L, 1);
    luaL_argexpected(L, v != NULL, 1, "a nanoflow object or list");
    char *json = nf_value_to_json(v);
    int ok = lnf_push_json(L, json);
    nf_free(json);
    if (!ok) return luaL_error(L, "cannot convert the value");
    lua_getfield(L, -1, "value");
    if (nf_value_type(v) == NF_TYPE_LIST) { /* the list JSON has no attributes: ask each one */
        int t = lua_gettop(L);
        for (size_t i = 0; i < nf_list_length(v); i++) {
            nf_value *o = nf_list_get(v, i);
            char *oj = o ? nf_value_to_json(o) : NULL;
            nf_value_free(o);
            ok = lnf_push_json(L, oj);
            nf_free(oj);
            if (!ok) return luaL_error(L, "cannot convert the value");
            lua_getfield(L, -1, "value");
            lua_seti(L, t, (lua_Integer)i + 1);
            lua_pop(L, 1);
        }
    }
    return 1;
}

/* ---- calls ------------------------------------------------------------------------------ */

/* The value of a Lua argument (at index i) for a parameter of type t ("of": its enumeration
 * or entity). A new value goes into a proxy left on the stack (freed by the GC); a proxy's is
 * borrowed. Raises a UsageError naming the parameter when the value does not fit. */
static const nf_value *arg_value(lua_State *L, int rt_index, nf_runtime *rt, const char *name,
                                 nf_type t, const char *of, int i) {
    const nf_value *h = handle_of(L, i);
    if (h) return h;
    nf_value *v = NULL;
    char *why = NULL;
    char buf[64];
    int lt = lua_type(L, i);
    if (lt == LUA_TBOOLEAN && t == NF_TYPE_BOOLEAN) {
        v = nf_value_boolean(rt, lua_toboolean(L, i));
    } else if (lt == LUA_TNUMBER && t == NF_TYPE_DATETIME && lua_isinteger(L, i)) {
        v = nf_value_datetime(rt, lua_tointeger(L, i)); /* ms since the epoch */
    } else if (lt == LUA_TNUMBER && (t == NF_TYPE_INTEGER || t == NF_TYPE_LONG)) {
        int whole = 0;
        lua_Integer n = lua_tointegerx(L, i, &whole); /* 7.0 is whole, 1.5 is not */
        if (!whole)
            return lnf_error(
                       L, "UsageError",
                       lua_pushfstring(L, "%s: %f is not a whole number", name, lua_tonumber(L, i)),
                       NULL, 0, NF_ERR_ARGUMENT),
                   NULL;
        v = nf_value_integer(rt, n);
    } else if (lt == LUA_TNUMBER && t == NF_TYPE_DECIMAL) {
        if (lua_isinteger(L, i))
            snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, i));
        else /* as Lua prints it: 14 significant digits; pass a string for exact values */
            snprintf(buf, sizeof buf, "%.14g", (double)lua_tonumber(L, i));
        v = nf_value_decimal(rt, buf);
    } else if ((lt == LUA_TSTRING || lt == LUA_TNUMBER) && t == NF_TYPE_STRING) {
        size_t len;
        const char *s = lua_tolstring(L, i, &len);
        v = nf_value_string(rt, s, len);
    } else if (lt == LUA_TSTRING && t != NF_TYPE_OBJECT && t != NF_TYPE_LIST) {
        v = nf_value_parse(rt, t, of, lua_tostring(L, i), &why);
    } else {
        return lnf_error(L, "UsageError",
                         lua_pushfstring(L, "%s: expected %s%s%s, got a %s", name, nf_type_name(t),
                                         of ? " of " : "", of ? of : "", luaL_typename(L, i)),
                         NULL, 0, NF_ERR_ARGUMENT),
               NULL;
    }
    if (!v) {
        lua_pushfstring(L, "%s: %s", name, why ? why : "not a valid value");
        nf_free(why);
        return lnf_error(L, "UsageError", lua_tostring(L, -1), NULL, 0, NF_ERR_ARGUMENT), NULL;
    }
    nf_free(why);
    push_proxy(L, rt_index, v);
    return v;
}

/* runtime:call("Module.Flow", {Name = value, ...}) -> the result (nil for none or empty) */
int lnf_call(lua_State *L) {
    lnf_runtime *r = lnf_check_runtime(L, 1);
    const char *flow = luaL_checkstring(L, 2);
    if (lua_isnoneornil(L, 3)) {
        lua_settop(L, 2);
        lua_newtable(L);
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    const nf_module *m = nf_runtime_module(r->rt);
    bool exists = false;
    for (size_t k = 0; k < nf_module_flow_count(m) && !exists; k++)
        exists = strcmp(nf_module_flow_name(m, k), flow) == 0;
    if (!exists)
        return lnf_error(L, "UsageError", lua_pushfstring(L, "there is no flow named %s", flow),
                         NULL, 0, NF_ERR_NOT_FOUND);
    size_t np = nf_flow_param_count(r->rt, flow);
    /* every key must name a parameter */
    lua_pushnil(L);
    while (lua_next(L, 3)) {
        lua_pop(L, 1);
        bool known = false;
        const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        for (size_t k = 0; key && k < np && !known; k++)
            known = strcmp(nf_flow_param(r->rt, flow, k, NULL), key) == 0;
        if (!known)
            return lnf_error(L, "UsageError",
                             lua_pushfstring(L, "%s has no parameter %s", flow,
                                             key ? key : luaL_typename(L, -1)),
                             NULL, 0, NF_ERR_NOT_FOUND);
    }
    luaL_checkstack(L, 2 * (int)np + 20, "too many arguments"); /* a value and a proxy each */
    nf_arg *args = lua_newuserdatauv(L, (np ? np : 1) * sizeof *args, 0); /* freed by the GC */
    size_t nargs = 0;
    for (size_t k = 0; k < np; k++) {
        nf_type t;
        const char *name = nf_flow_param(r->rt, flow, k, &t);
        lua_getfield(L, 3, name);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            continue; /* a parameter not given is empty */
        }
        const nf_value *v =
            arg_value(L, 1, r->rt, name, t, nf_flow_param_of(r->rt, flow, k), lua_gettop(L));
        args[nargs].name = name;
        args[nargs++].value = v;
        /* the Lua value and any proxy made for it stay on the stack until the call ends */
    }
    lua_State *outer = r->L;
    int outer_index = r->index;
    r->L = L;
    r->index = 1;
    nf_value *result = NULL;
    nf_status st = nf_call(r->rt, flow, args, nargs, &result);
    r->L = outer;
    r->index = outer_index;
    if (st == NF_SUSPENDED) { /* our callbacks never park a flow; a nested call cannot either */
        nf_abandon(r->rt);
        return lnf_error(L, "HostError", "the flow was suspended", flow, 0, st);
    }
    if (st != NF_OK) return lnf_runtime_error(L, r->rt, st);
    push_value(L, 1, result);
    return 1;
}

/* ---- UI callbacks: Lua functions from the runtime's config --------------------------------- */

/* One callback's arguments, for the protected function that pushes them. */
typedef struct event {
    lnf_runtime *r;
    const char *cb; /* "on_message", … */
    int nargs;
    const char *s[4];         /* strings (NULL pushes nil) */
    lua_Integer i[2];         /* integers */
    int b[2];                 /* booleans */
    const nf_value *obj;      /* feedback's object */
    const char *const *names; /* page arguments */
    const nf_value *const *args;
    size_t n;
    int kind; /* which callback */
} event;

enum { EV_MESSAGE, EV_PAGE, EV_CLOSE, EV_FEEDBACK, EV_PROGRESS, EV_LOG };

static void push_pages(lua_State *L, lua_Integer n) {
    if (n == NF_PAGES_ALL)
        lua_pushliteral(L, "all");
    else if (n == NF_PAGES_CLEAR_HISTORY)
        lua_pushliteral(L, "clear history");
    else
        lua_pushinteger(L, n);
}

static void push_opt(lua_State *L, const char *s) {
    if (s)
        lua_pushstring(L, s);
    else
        lua_pushnil(L);
}

/* Arguments: the event, the runtime userdata. */
static int event_protected(lua_State *L) {
    event *e = lua_touserdata(L, 1);
    int rt_index = 2;
    lua_getiuservalue(L, rt_index, 2);
    lua_getfield(L, -1, e->cb);
    if (!lua_isfunction(L, -1)) return 0;
    switch (e->kind) {
    case EV_MESSAGE: /* on_message(type, text, blocking) */
    case EV_LOG:     /* on_log(level, node, text) */
        push_opt(L, e->s[0]);
        push_opt(L, e->s[1]);
        if (e->kind == EV_MESSAGE)
            lua_pushboolean(L, e->b[0]);
        else
            push_opt(L, e->s[2]);
        lua_call(L, 3, 0);
        break;
    case EV_PAGE: /* on_page(page, title, {Name = value}, close_pages) */
        push_opt(L, e->s[0]);
        push_opt(L, e->s[1]);
        lua_createtable(L, 0, (int)e->n);
        for (size_t k = 0; k < e->n; k++) {
            push_value(L, rt_index, nf_value_copy(e->args[k]));
            lua_setfield(L, -2, e->names[k]);
        }
        push_pages(L, e->i[0]);
        lua_call(L, 4, 0);
        break;
    case EV_CLOSE: /* on_close_page(count) */
        push_pages(L, e->i[0]);
        lua_call(L, 1, 0);
        break;
    case EV_FEEDBACK: /* on_feedback(object, member, text) */
        push_value(L, rt_index, nf_value_copy(e->obj));
        push_opt(L, e->s[0]);
        push_opt(L, e->s[1]);
        lua_call(L, 3, 0);
        break;
    case EV_PROGRESS: /* on_progress(show, text, blocking) */
        lua_pushboolean(L, e->b[0]);
        push_opt(L, e->s[0]);
        lua_pushboolean(L, e->b[1]);
        lua_call(L, 3, 0);
        break;
    }
    return 0;
}

/* Runs the event's Lua callback under pcall: a Lua error fails the UI action (a HostError the
 * flow can catch) and is reported as a Lua warning. */
static nf_status deliver(event *e) {
    lua_State *L = e->r->L;
    if (!L) return NF_OK; /* outside a call (e.g. while the runtime opens its database) */
    /* still in lnf_call's frame: the runtime userdata is at index e->r->index */
    lua_pushcfunction(L, event_protected);
    lua_pushlightuserdata(L, e);
    lua_pushvalue(L, e->r->index);
    if (lua_pcall(L, 2, 0, 0) == LUA_OK) return NF_OK;
    const char *msg = lua_tostring(L, -1);
    lua_warning(L, "nanoflow: ", 1);
    lua_warning(L, e->cb, 1);
    lua_warning(L, ": ", 1);
    lua_warning(L, msg ? msg : "error", 0);
    lua_pop(L, 1);
    return NF_ERR_ARGUMENT;
}

static nf_status cb_message(void *ud, nf_runtime *rt, nf_message_type type, const char *text,
                            bool blocking) {
    (void)rt;
    static const char *const kinds[] = {"Information", "Warning", "Error"};
    event e = {.r = ud, .cb = "on_message", .kind = EV_MESSAGE};
    e.s[0] = kinds[(unsigned)type < 3 ? type : 0];
    e.s[1] = text;
    e.b[0] = blocking;
    return deliver(&e);
}

static nf_status cb_page(void *ud, nf_runtime *rt, const char *page, const char *title,
                         const char *const *names, const nf_value *const *args, size_t n,
                         int32_t close_pages) {
    (void)rt;
    event e = {.r = ud, .cb = "on_page", .kind = EV_PAGE, .names = names, .args = args, .n = n};
    e.s[0] = page;
    e.s[1] = title;
    e.i[0] = close_pages;
    return deliver(&e);
}

static nf_status cb_close(void *ud, nf_runtime *rt, int32_t count) {
    (void)rt;
    event e = {.r = ud, .cb = "on_close_page", .kind = EV_CLOSE};
    e.i[0] = count;
    return deliver(&e);
}

static nf_status cb_feedback(void *ud, nf_runtime *rt, const nf_value *object, const char *member,
                             const char *text) {
    (void)rt;
    event e = {.r = ud, .cb = "on_feedback", .kind = EV_FEEDBACK, .obj = object};
    e.s[0] = member;
    e.s[1] = text;
    return deliver(&e);
}

static nf_status cb_progress(void *ud, nf_runtime *rt, bool show, const char *text, bool blocking) {
    (void)rt;
    event e = {.r = ud, .cb = "on_progress", .kind = EV_PROGRESS};
    e.b[0] = show;
    e.s[0] = text;
    e.b[1] = blocking;
    return deliver(&e);
}

static void cb_log(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                   const char *text) {
    (void)rt;
    static const char *const levels[] = {"trace", "debug", "info", "warning", "error", "critical"};
    event e = {.r = ud, .cb = "on_log", .kind = EV_LOG};
    e.s[0] = levels[(unsigned)level < 6 ? level : 2];
    e.s[1] = node;
    e.s[2] = text;
    deliver(&e);
}

void lnf_install_callbacks(lua_State *L, int t, nf_host *host, lnf_runtime *r) {
    host->ud = r;
#define SET(field, name, fn)                                                                       \
    do {                                                                                           \
        lua_getfield(L, t, name);                                                                  \
        if (lua_isfunction(L, -1)) host->field = fn;                                               \
        lua_pop(L, 1);                                                                             \
    } while (0)
    SET(show_message, "on_message", cb_message);
    SET(show_page, "on_page", cb_page);
    SET(close_page, "on_close_page", cb_close);
    SET(feedback, "on_feedback", cb_feedback);
    SET(progress, "on_progress", cb_progress);
    SET(log, "on_log", cb_log);
#undef SET
}
