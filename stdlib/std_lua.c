/* std_lua.c — the Lua action runner (docs/lua.md): the state, its sandbox, the limits and one
 * call. Values and object proxies are in std_lua_value.c, Decimals in std_lua_decimal.c.
 *
 * The sandbox: actions see a fresh global table per call whose misses fall through to a shared,
 * unreachable table of the allowed functions; libraries appear as read-only proxies; the string
 * metatable is hidden; io, os (but time/clock/difftime), package, require, debug, dofile,
 * loadfile, string.dump, binary chunks, warn and collectgarbage (but "count") are absent. A count
 * hook enforces the instruction budget, the allocator the memory limit. Every touch of the state
 * happens inside lua_pcall, so no Lua error can longjmp past it (DESIGN §5). */
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

#include "std_lua_int.h"

#define HOOK_EVERY 1000 /* instructions between budget checks */

/* Registry keys (their addresses). */
static const char KEY_ENV_MT = 'm'; /* the metatable of every call's environment */
static const char KEY_ENV = 'e';    /* the running call's environment (load's default) */
static const char KEY_RO = 'r';     /* marks the metatables of read-only library proxies */

/* ---- memory and budget ---------------------------------------------------------------------- */

static void *lua_alloc_counted(void *ud, void *ptr, size_t osize, size_t nsize) {
    nf_std_lua *l = ud;
    if (!ptr) osize = 0; /* Lua passes a type tag then */
    if (nsize == 0) {
        if (ptr) {
            if (l->cfg.alloc)
                l->cfg.alloc(l->cfg.alloc_ud, ptr, osize, 0);
            else
                free(ptr);
        }
        l->mem_used -= osize;
        return NULL;
    }
    if (nsize > osize && l->cfg.max_memory && l->mem_used - osize + nsize > l->cfg.max_memory) {
        l->mem_refused = true;
        return NULL;
    }
    void *p = l->cfg.alloc ? l->cfg.alloc(l->cfg.alloc_ud, ptr, osize, nsize) : realloc(ptr, nsize);
    if (p) l->mem_used = l->mem_used - osize + nsize;
    return p;
}

static void budget_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    nf_std_lua *l = nf_lua_of(L);
    l->steps += HOOK_EVERY;
    if (l->vm && l->vm->cancel) { /* nf_runtime_cancel from another thread */
        l->cancelled = true;
        l->over_budget = true; /* the same stop: every further instruction fails */
    }
    if (l->over_budget || l->steps > l->cfg.max_instructions) {
        /* from now on every instruction fails, so a pcall in a loop cannot swallow it */
        l->over_budget = true;
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "instruction budget exceeded");
    }
}

/* ---- sandboxed base functions -----------------------------------------------------------------
 */

/* load(chunk [, name [, mode [, env]]]): text only; env defaults to the call's environment. */
static int sb_load(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    const char *mode = luaL_optstring(L, 3, "t");
    if (strcmp(mode, "t") != 0) return luaL_error(L, "load: only text chunks (mode \"t\")");
    bool has_env = !lua_isnone(L, 4);
    if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2; /* nil, message */
    }
    if (has_env)
        lua_pushvalue(L, 4);
    else
        lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_ENV);
    if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    return 1;
}

static int sb_collectgarbage(lua_State *L) {
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") != 0)
        return luaL_error(L, "collectgarbage: only \"count\" is allowed in Lua actions");
    int kb = lua_gc(L, LUA_GCCOUNT), b = lua_gc(L, LUA_GCCOUNTB);
    lua_pushnumber(L, (lua_Number)kb + (lua_Number)b / 1024);
    return 1;
}

static bool is_read_only(lua_State *L, int idx) {
    if (!lua_getmetatable(L, idx)) return false;
    lua_rawgetp(L, -1, &KEY_RO);
    bool ro = lua_toboolean(L, -1);
    lua_pop(L, 2);
    return ro;
}

static int sb_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (is_read_only(L, 1)) return luaL_error(L, "attempt to change a read-only table");
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

/* setmetatable without __gc: finalizers would run outside any call's budget. */
static int sb_setmetatable(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "__gc");
        if (!lua_isnil(L, -1)) return luaL_error(L, "__gc metamethods are not allowed");
        lua_pop(L, 1);
    }
    lua_getglobal(L, "setmetatable"); /* the original, in the state's own global table */
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/* print(...): one line through the host's log callback (level info, node "Lua"). */
static int sb_print(lua_State *L) {
    nf_std_lua *l = nf_lua_of(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    if (l->vm && l->vm->cfg.host.log)
        l->vm->cfg.host.log(l->vm->cfg.host.ud, l->vm, 2, "Lua", lua_tostring(L, -1));
    return 0;
}

static int sb_tonumber(lua_State *L) {
    if (nf_lua_test_decimal(L, 1)) nf_lua_decimals_to_numbers(L);
    lua_getglobal(L, "tonumber");
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* math.* take Decimals as floats (upvalue 1: the original function). */
static int sb_math(lua_State *L) {
    nf_lua_decimals_to_numbers(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* os.time(): the runtime's clock (host clock or the system's) in seconds; no arguments. */
static int sb_os_time(lua_State *L) {
    nf_std_lua *l = nf_lua_of(L);
    if (!lua_isnone(L, 1)) return luaL_error(L, "os.time takes no arguments in Lua actions");
    int64_t ms = l->vm ? nf_vm_now(l->vm) : 0;
    lua_pushinteger(L, (lua_Integer)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)));
    return 1;
}

/* ---- the state ---------------------------------------------------------------------------- */

static int refuse_write(lua_State *L) {
    return luaL_error(L, "attempt to change a read-only table (field '%s')",
                      lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?");
}

/* Leaves a read-only proxy of the table on top in its place. */
static void read_only(lua_State *L) {
    int lib = lua_gettop(L);
    lua_newtable(L);          /* the proxy */
    lua_createtable(L, 0, 4); /* its metatable */
    lua_pushvalue(L, lib);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, refuse_write);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushboolean(L, 1);
    lua_rawsetp(L, -2, &KEY_RO);
    lua_setmetatable(L, -2);
    lua_replace(L, lib);
}

static void copy_fields(lua_State *L, int from, int to, const char *const *names) {
    for (; *names; names++) {
        lua_getfield(L, from, *names);
        lua_setfield(L, to, *names);
    }
}

static int setup_state(lua_State *L) {
    static const char *const base[] = {
        "assert", "error",  "getmetatable", "ipairs",   "next", "pairs",  "pcall",    "rawequal",
        "rawget", "rawlen", "select",       "tostring", "type", "xpcall", "_VERSION", NULL};
    static const luaL_Reg sandboxed[] = {
        {"load", sb_load},     {"collectgarbage", sb_collectgarbage},
        {"rawset", sb_rawset}, {"setmetatable", sb_setmetatable},
        {"print", sb_print},   {"tonumber", sb_tonumber},
        {NULL, NULL}};
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    int real = lua_gettop(L);
    lua_newtable(L); /* G: what every call's environment falls back to */
    int g = lua_gettop(L);
    copy_fields(L, real, g, base);
    luaL_setfuncs(L, sandboxed, 0);

    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 0);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    read_only(L);
    lua_setfield(L, g, "string");
    /* the string metatable is shared by every string: hide it from getmetatable("") */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 0);
    read_only(L);
    lua_setfield(L, g, "table");
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 0);
    read_only(L);
    lua_setfield(L, g, "utf8");
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 0);
    read_only(L);
    lua_setfield(L, g, "coroutine");

    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 0);
    int math = lua_gettop(L);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, math)) {
        if (lua_iscfunction(L, -1)) lua_pushcclosure(L, sb_math, 1);
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    read_only(L);
    lua_setfield(L, g, "math");
    lua_pop(L, 1);

    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0); /* only for clock and difftime */
    int os = lua_gettop(L);
    lua_newtable(L);
    lua_getfield(L, os, "clock");
    lua_setfield(L, -2, "clock");
    lua_getfield(L, os, "difftime");
    lua_setfield(L, -2, "difftime");
    lua_pushcfunction(L, sb_os_time);
    lua_setfield(L, -2, "time");
    read_only(L);
    lua_setfield(L, g, "os");
    lua_pop(L, 1);
    /* no global of the state's own table names the os library */
    lua_pushnil(L);
    lua_setfield(L, real, LUA_OSLIBNAME);

    nf_lua_decimal_open(L);
    read_only(L);
    lua_setfield(L, g, "decimal");
    nf_lua_value_open(L);

    lua_createtable(L, 0, 2); /* the environments' metatable */
    lua_pushvalue(L, g);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_ENV_MT);
    return 0;
}

static nf_vm_status open_state(nf_std_lua *l, nf_vm *vm) {
    lua_State *L = lua_newstate(lua_alloc_counted, l);
    if (!L)
        return nf_vm_raise(vm, NF_VM_E_LIMIT, "cannot create the Lua state: %s",
                           l->mem_refused ? "the Lua memory limit is too small" : "out of memory");
    *(nf_std_lua **)lua_getextraspace(L) = l;
    lua_pushcfunction(L, setup_state);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        nf_vm_status st = nf_vm_raise(vm, NF_VM_E_LIMIT, "cannot set up the Lua state: %s",
                                      lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
        lua_close(L);
        return st;
    }
    if (l->cfg.max_instructions) lua_sethook(L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
    l->L = L;
    return NF_VM_OK;
}

/* ---- one call ------------------------------------------------------------------------------ */

/* Pushes the action's compiled chunk: its body after `local P1, P2 = ...;` (on the body's first
 * line, so Lua's line numbers are the body's). */
static void push_chunk(lua_State *L, nf_std_lua *l, const nf_bc_action *a) {
    if (l->fn_refs[l->action] != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, l->fn_refs[l->action]);
        return;
    }
    const nf_bc_module *m = l->m;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (uint32_t i = 0; i < a->nparams; i++) {
        const char *name = m->strings[a->param_names[i]];
        if (name[0] == '$') name++;
        luaL_addstring(&b, i ? ", " : "local ");
        luaL_addstring(&b, name);
    }
    if (a->nparams) luaL_addstring(&b, " = ...; ");
    if (a->source != NF_BC_NONE)
        luaL_addlstring(&b, m->strings[a->source], m->string_lens[a->source]);
    luaL_pushresult(&b);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    lua_pushfstring(L, "=%s", m->strings[a->name]);
    if (luaL_loadbufferx(L, text, len, lua_tostring(L, -1), "t") != LUA_OK) lua_error(L);
    lua_replace(L, -3);
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    l->fn_refs[l->action] = luaL_ref(L, LUA_REGISTRYINDEX);
}

static int protected_call(lua_State *L) {
    nf_std_lua *l = nf_lua_of(L);
    const nf_bc_action *a = &l->m->actions[l->action];
    push_chunk(L, l, a);
    int fn = lua_gettop(L);
    /* this call's globals: the last call's table when that one is still empty (no global was
     * set, so nothing can leak), else a fresh one */
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_ENV);
    bool fresh = lua_isnil(L, -1);
    if (!fresh) {
        lua_pushnil(L);
        fresh = lua_next(L, -2) != 0;
        if (fresh) lua_pop(L, 2);
    }
    if (fresh) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 0);
        lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_ENV_MT);
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_ENV);
    }
    lua_setupvalue(L, fn, 1); /* _ENV */
    luaL_checkstack(L, (int)a->nparams + 4, "too many arguments");
    for (uint32_t i = 0; i < a->nparams; i++)
        nf_lua_push_val(L, &l->args[i], a->param_types[i]);
    lua_call(L, (int)a->nparams, 1);
    if (a->ret.kind != NF_BT_VOID) {
        nf_val v;
        nf_lua_to_val(L, -1, a->ret, "the result", &v);
        *l->out = v; /* the last step: nothing after it can fail */
    }
    return 0;
}

static void release_held(nf_std_lua *l, nf_vm *vm) {
    for (uint32_t i = 0; i < l->nheld; i++)
        nf_vm_obj_release(vm, l->held[i]);
    l->nheld = 0;
}

static nf_vm_status call_action(void *ud, nf_vm *vm, uint32_t action, const nf_val *args,
                                nf_val *out) {
    nf_std_lua *l = ud;
    /* a host callback reached from Lua (print → log) may call a flow: its Lua action cannot
     * share the running call's stack and state */
    if (l->running)
        return nf_vm_raise(vm, NF_VM_E_LUA,
                           "Lua action %s cannot run while another Lua action runs",
                           l->m->strings[l->m->actions[action].name]);
    if (!l->L && open_state(l, vm) != NF_VM_OK) return NF_VM_ERROR;
    lua_State *L = l->L;
    l->vm = vm;
    l->action = action;
    l->args = args;
    l->out = out;
    l->vm_raised = l->over_budget = l->mem_refused = l->cancelled = false;
    l->steps = 0;
    l->gen++;
    lua_settop(L, 0);
    lua_pushcfunction(L, protected_call);
    l->running = true;
    int st = lua_pcall(L, 0, 0, 0);
    l->running = false;
    release_held(l, vm);
    l->gen++; /* this call's proxies are dead now */
    if (l->over_budget) lua_sethook(L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
    if (st == LUA_OK) {
        lua_settop(L, 0);
        return NF_VM_OK;
    }
    const char *name = l->m->strings[l->m->actions[action].name];
    nf_vm_status r;
    if (l->vm_raised)
        r = NF_VM_ERROR; /* the VM's own error (e.g. its memory limit) */
    else if (l->cancelled)
        r = nf_vm_raise(vm, NF_VM_E_CANCELLED, "Lua action %s was cancelled", name);
    else if (l->over_budget)
        r = nf_vm_raise(vm, NF_VM_E_LIMIT,
                        "Lua action %s exceeded its instruction budget (%llu instructions)", name,
                        (unsigned long long)l->cfg.max_instructions);
    else if (st == LUA_ERRMEM && l->mem_refused)
        r = nf_vm_raise(vm, NF_VM_E_LIMIT, "Lua action %s exceeded its memory limit (%zu bytes)",
                        name, l->cfg.max_memory);
    else {
        const char *msg = lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER
                              ? lua_tostring(L, -1)
                              : NULL;
        if (msg)
            r = nf_vm_raise(vm, NF_VM_E_LUA, "%s", msg);
        else
            r = nf_vm_raise(vm, NF_VM_E_LUA, "Lua action %s failed (error object is a %s value)",
                            name, luaL_typename(L, -1));
    }
    lua_settop(L, 0);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_ENV); /* nil: let the failed call's data go */
    lua_gc(L, LUA_GCCOLLECT);
    return r;
}

/* ---- the runner ------------------------------------------------------------------------------ */

bool nf_std_lua_needed(const nf_bc_module *m) {
    for (uint32_t i = 0; i < m->nactions; i++)
        if (m->actions[i].kind == NF_BK_LUA) return true;
    return false;
}

nf_std_lua *nf_std_lua_new(const nf_bc_module *m, const nf_std_lua_config *cfg) {
    nf_std_lua *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->fn_refs = malloc((m->nactions ? m->nactions : 1) * sizeof *l->fn_refs);
    if (!l->fn_refs) {
        free(l);
        return NULL;
    }
    for (uint32_t i = 0; i < m->nactions; i++)
        l->fn_refs[i] = LUA_NOREF;
    l->m = m;
    l->cfg = *cfg;
    l->iface.ud = l;
    l->iface.call = call_action;
    return l;
}

void nf_std_lua_free(nf_std_lua *l) {
    if (!l) return;
    if (l->L) lua_close(l->L);
    free(l->fn_refs);
    free(l->held);
    free(l);
}

const nf_vm_lua *nf_std_lua_iface(nf_std_lua *l) {
    return &l->iface;
}
