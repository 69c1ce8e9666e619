/* lnanoflow.c — `require "nanoflow"` for the system lua5.4: Lua scripts drive libnanoflow
 * (docs/lua-automation.md). Modules, runtimes and values are userdata with __gc; the module
 * keeps no state of its own. Everything goes through include/nanoflow.h.
 *
 * Lua is never left by longjmp while libnanoflow is running: arguments are converted before
 * nf_call, results after it, and Lua callbacks (on_message, …) run under lua_pcall, their
 * errors becoming a HostError in the flow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lnanoflow.h"

/* ---- errors ----------------------------------------------------------------------------------
 */

static int error_tostring(lua_State *L) {
    lua_getfield(L, 1, "type");
    lua_getfield(L, 1, "flow");
    lua_getfield(L, 1, "line");
    lua_getfield(L, 1, "message");
    if (lua_isstring(L, 3))
        lua_pushfstring(L, "%s in %s, line %s: %s", lua_tostring(L, 2), lua_tostring(L, 3),
                        lua_isinteger(L, 4) ? lua_tostring(L, 4) : "?", lua_tostring(L, 5));
    else
        lua_pushfstring(L, "%s: %s", lua_tostring(L, 2), lua_tostring(L, 5));
    return 1;
}

int lnf_error(lua_State *L, const char *type, const char *message, const char *flow, uint32_t line,
              nf_status st) {
    lua_createtable(L, 0, 5);
    lua_pushstring(L, type);
    lua_setfield(L, -2, "type");
    lua_pushstring(L, message ? message : "");
    lua_setfield(L, -2, "message");
    if (flow) {
        lua_pushstring(L, flow);
        lua_setfield(L, -2, "flow");
        lua_pushinteger(L, line);
        lua_setfield(L, -2, "line");
    }
    lua_pushstring(L, nf_status_text(st));
    lua_setfield(L, -2, "status");
    luaL_setmetatable(L, LNF_ERROR);
    return lua_error(L);
}

int lnf_runtime_error(lua_State *L, nf_runtime *rt, nf_status st) {
    if (st == NF_ERR_FLOW)
        return lnf_error(L, nf_error_type_name(nf_runtime_error_type(rt)),
                         nf_runtime_error_message(rt), nf_runtime_error_flow(rt),
                         nf_runtime_error_line(rt), st);
    return lnf_error(L, "UsageError", nf_runtime_error_message(rt), NULL, 0, st);
}

/* ---- modules ---------------------------------------------------------------------------------
 */

typedef struct lnf_module {
    nf_module *m;
} lnf_module;

static lnf_module *check_module(lua_State *L, int i) {
    lnf_module *u = luaL_checkudata(L, i, LNF_MODULE);
    if (!u->m) luaL_error(L, "the module is closed");
    return u;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* nanoflow.load(path | {paths}) -> module: a .nfb file, or .mdl files and directories. */
static int l_load(lua_State *L) {
    const char *paths[64];
    size_t n = 0;
    if (lua_istable(L, 1)) {
        n = (size_t)luaL_len(L, 1);
        luaL_argcheck(L, n > 0 && n <= 64, 1, "give 1 to 64 paths");
        for (size_t i = 0; i < n; i++) {
            lua_geti(L, 1, (lua_Integer)i + 1);
            paths[i] = luaL_checkstring(L, -1); /* kept alive by the table */
            lua_pop(L, 1);
        }
    } else {
        paths[0] = luaL_checkstring(L, 1);
        n = 1;
    }
    lnf_module *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->m = NULL;
    luaL_setmetatable(L, LNF_MODULE);
    char *msg = NULL;
    nf_status st = n == 1 && ends_with(paths[0], ".nfb")
                       ? nf_module_load_file(paths[0], &u->m, &msg)
                       : nf_module_compile_files(paths, n, &u->m, &msg);
    if (st != NF_OK) {
        lua_pushstring(L, msg ? msg : nf_status_text(st));
        nf_free(msg);
        return lnf_error(L, st == NF_ERR_COMPILE ? "CompileError" : "LoadError",
                         lua_tostring(L, -1), NULL, 0, st);
    }
    nf_free(msg); /* warnings */
    return 1;
}

/* module:flows() -> {"Module.Flow", ...}, and a second table: name -> true for nanoflows */
static int m_flows(lua_State *L) {
    lnf_module *u = check_module(L, 1);
    size_t n = nf_module_flow_count(u->m);
    lua_createtable(L, (int)n, 0);
    lua_createtable(L, 0, (int)n);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, nf_module_flow_name(u->m, i));
        lua_pushvalue(L, -1);
        lua_seti(L, -4, (lua_Integer)i + 1);
        lua_pushboolean(L, nf_module_flow_is_nanoflow(u->m, i));
        lua_settable(L, -3);
    }
    return 2;
}

static int m_gc(lua_State *L) {
    lnf_module *u = luaL_checkudata(L, 1, LNF_MODULE);
    nf_module_free(u->m);
    u->m = NULL;
    return 0;
}

static int m_tostring(lua_State *L) {
    lnf_module *u = luaL_checkudata(L, 1, LNF_MODULE);
    if (u->m)
        lua_pushfstring(L, "nanoflow module (%d flows)", (int)nf_module_flow_count(u->m));
    else
        lua_pushliteral(L, "nanoflow module (closed)");
    return 1;
}

/* ---- runtimes --------------------------------------------------------------------------------
 */

lnf_runtime *lnf_check_runtime(lua_State *L, int i) {
    lnf_runtime *r = luaL_checkudata(L, i, LNF_RUNTIME);
    if (!r->rt) luaL_error(L, "the runtime is closed");
    return r;
}

static const char *opt_string(lua_State *L, int t, const char *key) {
    lua_getfield(L, t, key); /* left on the stack: the string stays alive during nf_runtime_new */
    if (lua_isnil(L, -1)) return NULL;
    if (!lua_isstring(L, -1)) luaL_error(L, "config.%s must be a string", key);
    return lua_tostring(L, -1);
}

/* module:runtime{database=, server=, user=, password=, timezone=, locale=, max_instructions=,
 * on_message=, on_page=, on_close_page=, on_feedback=, on_progress=, on_log=} -> runtime */
static int m_runtime(lua_State *L) {
    check_module(L, 1);
    lnf_module *u = lua_touserdata(L, 1);
    if (lua_isnoneornil(L, 2)) lua_newtable(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.database = opt_string(L, 2, "database");
    cfg.server = opt_string(L, 2, "server");
    cfg.user = opt_string(L, 2, "user");
    cfg.password = opt_string(L, 2, "password");
    cfg.timezone = opt_string(L, 2, "timezone");
    cfg.locale = opt_string(L, 2, "locale");
    lua_getfield(L, 2, "max_instructions");
    if (!lua_isnil(L, -1)) {
        lua_Integer n = luaL_checkinteger(L, -1);
        luaL_argcheck(L, n > 0, 2, "max_instructions must be positive");
        cfg.max_instructions = (uint64_t)n;
    }
    /* the runtime: uservalue 1 the module (kept alive), 2 the callbacks table */
    lnf_runtime *r = lua_newuserdatauv(L, sizeof *r, 2);
    memset(r, 0, sizeof *r);
    luaL_setmetatable(L, LNF_RUNTIME);
    int ud = lua_gettop(L);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, ud, 1);
    lua_newtable(L);
    static const char *const callbacks[] = {"on_message",  "on_page",     "on_close_page",
                                            "on_feedback", "on_progress", "on_log"};
    for (int i = 0; i < 6; i++) {
        lua_getfield(L, 2, callbacks[i]);
        if (!lua_isnil(L, -1) && !lua_isfunction(L, -1))
            return luaL_error(L, "config.%s must be a function", callbacks[i]);
        lua_setfield(L, -2, callbacks[i]);
    }
    lnf_install_callbacks(L, lua_gettop(L), &cfg.host, r);
    lua_setiuservalue(L, ud, 2);
    char *err = NULL;
    r->L = L; /* on_log hears what happens while the database opens (LocalDatabase warnings) */
    r->index = ud;
    nf_status st = nf_runtime_new(u->m, &cfg, &r->rt, &err);
    r->L = NULL;
    if (st != NF_OK) {
        lua_pushstring(L, err ? err : nf_status_text(st));
        nf_free(err);
        return lnf_error(L, "ConfigError", lua_tostring(L, -1), NULL, 0, st);
    }
    lua_pushvalue(L, ud);
    return 1;
}

static int r_close(lua_State *L) {
    lnf_runtime *r = luaL_checkudata(L, 1, LNF_RUNTIME);
    if (r->rt && r->L) return luaL_error(L, "cannot close a runtime from its own callback");
    nf_runtime_free(r->rt); /* values a script still holds keep what they need */
    r->rt = NULL;
    return 0;
}

static int r_gc(lua_State *L) {
    lnf_runtime *r = luaL_checkudata(L, 1, LNF_RUNTIME);
    nf_runtime_free(r->rt);
    r->rt = NULL;
    return 0;
}

static int r_tostring(lua_State *L) {
    lnf_runtime *r = luaL_checkudata(L, 1, LNF_RUNTIME);
    lua_pushfstring(L, "nanoflow runtime (%s)", r->rt ? nf_runtime_timezone(r->rt) : "closed");
    return 1;
}

/* runtime:params(flow) -> {{name=, type=, of=}, ...}, result type name */
static int r_params(lua_State *L) {
    lnf_runtime *r = lnf_check_runtime(L, 1);
    const char *flow = luaL_checkstring(L, 2);
    size_t n = nf_flow_param_count(r->rt, flow);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        nf_type t;
        const char *name = nf_flow_param(r->rt, flow, i, &t);
        const char *of = nf_flow_param_of(r->rt, flow, i);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, nf_type_name(t));
        lua_setfield(L, -2, "type");
        if (of) {
            lua_pushstring(L, of);
            lua_setfield(L, -2, "of");
        }
        lua_seti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushstring(L, nf_type_name(nf_flow_result_type(r->rt, flow)));
    return 2;
}

/* runtime:quarantine() -> the rejected and conflicting objects, as tables */
static int r_quarantine(lua_State *L) {
    lnf_runtime *r = lnf_check_runtime(L, 1);
    char *json = NULL;
    nf_status st = nf_sync_quarantine(r->rt, &json);
    if (st != NF_OK) return lnf_runtime_error(L, r->rt, st);
    int ok = lnf_push_json(L, json);
    nf_free(json);
    if (!ok) return luaL_error(L, "the quarantine list is not valid JSON");
    return 1;
}

/* runtime:resubmit(qid) */
static int r_resubmit(lua_State *L) {
    lnf_runtime *r = lnf_check_runtime(L, 1);
    nf_status st = nf_sync_resubmit(r->rt, luaL_checkinteger(L, 2));
    if (st != NF_OK) return lnf_runtime_error(L, r->rt, st);
    return 0;
}

/* ---- registration ------------------------------------------------------------------------- */

static void new_class(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc,
                      lua_CFunction close, lua_CFunction tostring) {
    luaL_newmetatable(L, name);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
    if (close) {
        lua_pushcfunction(L, close);
        lua_setfield(L, -2, "__close");
    }
    lua_pushcfunction(L, tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
}

int luaopen_nanoflow(lua_State *L) {
    static const luaL_Reg module_methods[] = {
        {"flows", m_flows}, {"runtime", m_runtime}, {NULL, NULL}};
    static const luaL_Reg runtime_methods[] = {
        {"call", lnf_call},       {"params", r_params}, {"quarantine", r_quarantine},
        {"resubmit", r_resubmit}, {"close", r_close},   {NULL, NULL}};
    static const luaL_Reg functions[] = {{"load", l_load},
                                         {"entity", lnf_entity},
                                         {"totable", lnf_totable},
                                         {"json", lnf_json},
                                         {NULL, NULL}};
    /* no close for modules: runtimes and values need theirs until the GC finds them unused */
    new_class(L, LNF_MODULE, module_methods, m_gc, NULL, m_tostring);
    new_class(L, LNF_RUNTIME, runtime_methods, r_gc, r_close, r_tostring);
    lnf_value_class(L);
    luaL_newmetatable(L, LNF_ERROR);
    lua_pushcfunction(L, error_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    luaL_newlib(L, functions);
    lua_pushinteger(L, NF_API_VERSION);
    lua_setfield(L, -2, "api_version");
    return 1;
}
