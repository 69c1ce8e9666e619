/* std_lua_decimal.c — Decimals in Lua actions (docs/lua.md): a userdata holding an exact nf_dec,
 * with arithmetic and comparison metamethods, so a Decimal never passes through a double unless
 * the action mixes it with a float (then the result is a float, as Lua does for integers). */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_lua_int.h"

nf_dec *nf_lua_test_decimal(lua_State *L, int idx) {
    return luaL_testudata(L, idx, NF_LUA_DECIMAL_MT);
}

/* A new decimal userdata (zero) on the stack: allocated before a result is computed into it,
 * so an allocation error cannot leak the result's big mantissa. */
static nf_dec *new_decimal(lua_State *L) {
    nf_dec *d = lua_newuserdatauv(L, sizeof *d, 0);
    *d = nf_dec_zero();
    luaL_setmetatable(L, NF_LUA_DECIMAL_MT);
    return d;
}

void nf_lua_push_decimal(lua_State *L, const nf_dec *d) {
    nf_dec *u = new_decimal(L);
    nf_dec_copy(d, u);
}

/* The shortest text that reads back as the same double ("0.1", not "0.10000000000000001"). */
static bool float_text(lua_Number x, char *buf, size_t n) {
    if (x != x || x - x != 0) return false; /* NaN or infinite */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, (double)x);
        if (strtod(buf, NULL) == (double)x) return true;
    }
    return true;
}

bool nf_lua_to_decimal(lua_State *L, int idx, nf_dec *d, bool *owned) {
    *owned = false;
    nf_dec *u = nf_lua_test_decimal(L, idx);
    if (u) {
        *d = *u;
        return true;
    }
    *owned = true;
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            nf_dec_from_int64((int64_t)lua_tointeger(L, idx), d);
            return true;
        } else {
            char buf[40];
            if (!float_text(lua_tonumber(L, idx), buf, sizeof buf)) return false;
            return nf_dec_parse(buf, strlen(buf), d) == NF_DEC_OK;
        }
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return nf_dec_parse(s, len, d) == NF_DEC_OK;
    }
    default: *owned = false; return false;
    }
}

static double to_double(const nf_dec *d) {
    char buf[128];
    size_t n = nf_dec_format(d, buf, sizeof buf);
    if (n < sizeof buf) return strtod(buf, NULL);
    char *big = malloc(n + 1);
    if (!big) return 0;
    nf_dec_format(d, big, n + 1);
    double x = strtod(big, NULL);
    free(big);
    return x;
}

void nf_lua_decimals_to_numbers(lua_State *L) {
    int top = lua_gettop(L);
    for (int i = 1; i <= top; i++) {
        nf_dec *d = nf_lua_test_decimal(L, i);
        if (d) {
            lua_pushnumber(L, (lua_Number)to_double(d));
            lua_replace(L, i);
        }
    }
}

static bool is_float(lua_State *L, int idx) {
    return lua_type(L, idx) == LUA_TNUMBER && !lua_isinteger(L, idx);
}

static const char *status_text(nf_dec_status s) {
    switch (s) {
    case NF_DEC_DIV_ZERO: return "division by zero";
    case NF_DEC_OVERFLOW: return "decimal overflow";
    case NF_DEC_DOMAIN: return "argument out of domain";
    case NF_DEC_NOMEM: return "not enough memory";
    default: return "invalid decimal";
    }
}

typedef nf_dec_status (*dec_op2)(const nf_dec *, const nf_dec *, nf_dec *);

static nf_dec_status dec_div(const nf_dec *a, const nf_dec *b, nf_dec *out) {
    return nf_dec_div(a, b, NF_DEC_DIV_NANOFLOW, out); /* actions run in nanoflows */
}

/* A binary metamethod: exact unless an operand is a float (then Lua's own float operation). */
static int arith(lua_State *L, dec_op2 op, int lua_op) {
    if (is_float(L, 1) || is_float(L, 2)) {
        nf_lua_decimals_to_numbers(L);
        lua_settop(L, 2);
        lua_arith(L, lua_op);
        return 1;
    }
    nf_dec *r = new_decimal(L);
    nf_dec a, b;
    bool oa, ob;
    if (!nf_lua_to_decimal(L, 1, &a, &oa))
        return luaL_error(L, "cannot do decimal arithmetic on a %s value", luaL_typename(L, 1));
    if (!nf_lua_to_decimal(L, 2, &b, &ob)) {
        if (oa) nf_dec_release(&a);
        return luaL_error(L, "cannot do decimal arithmetic on a %s value", luaL_typename(L, 2));
    }
    nf_dec_status st = op(&a, &b, r);
    if (oa) nf_dec_release(&a);
    if (ob) nf_dec_release(&b);
    if (st != NF_DEC_OK) return luaL_error(L, "%s", status_text(st));
    return 1;
}

static int d_add(lua_State *L) {
    return arith(L, nf_dec_add, LUA_OPADD);
}
static int d_sub(lua_State *L) {
    return arith(L, nf_dec_sub, LUA_OPSUB);
}
static int d_mul(lua_State *L) {
    return arith(L, nf_dec_mul, LUA_OPMUL);
}
static int d_div(lua_State *L) {
    return arith(L, dec_div, LUA_OPDIV);
}
static int d_mod(lua_State *L) {
    return arith(L, nf_dec_mod, LUA_OPMOD);
}
static int d_pow(lua_State *L) {
    return arith(L, nf_dec_pow, LUA_OPPOW);
}

static int d_unm(lua_State *L) {
    nf_dec *a = luaL_checkudata(L, 1, NF_LUA_DECIMAL_MT);
    nf_dec *r = new_decimal(L);
    nf_dec_status st = nf_dec_neg(a, r);
    if (st != NF_DEC_OK) return luaL_error(L, "%s", status_text(st));
    return 1;
}

/* -1, 0, 1; floats compare as doubles. */
static int compare(lua_State *L) {
    if (is_float(L, 1) || is_float(L, 2)) {
        nf_lua_decimals_to_numbers(L);
        return lua_compare(L, 1, 2, LUA_OPLT) ? -1 : lua_compare(L, 1, 2, LUA_OPEQ) ? 0 : 1;
    }
    nf_dec a, b;
    bool oa, ob;
    if (!nf_lua_to_decimal(L, 1, &a, &oa))
        return luaL_error(L, "attempt to compare a decimal with a %s value", luaL_typename(L, 1)),
               0;
    if (!nf_lua_to_decimal(L, 2, &b, &ob)) {
        if (oa) nf_dec_release(&a);
        return luaL_error(L, "attempt to compare a decimal with a %s value", luaL_typename(L, 2)),
               0;
    }
    int c = nf_dec_cmp(&a, &b);
    if (oa) nf_dec_release(&a);
    if (ob) nf_dec_release(&b);
    return c;
}

static int d_lt(lua_State *L) {
    lua_pushboolean(L, compare(L) < 0);
    return 1;
}
static int d_le(lua_State *L) {
    lua_pushboolean(L, compare(L) <= 0);
    return 1;
}
static int d_eq(lua_State *L) { /* Lua calls __eq only for two userdata */
    nf_dec *a = nf_lua_test_decimal(L, 1), *b = nf_lua_test_decimal(L, 2);
    lua_pushboolean(L, a && b && nf_dec_eq(a, b));
    return 1;
}

static int d_tostring(lua_State *L) {
    nf_dec *a = luaL_checkudata(L, 1, NF_LUA_DECIMAL_MT);
    size_t n = nf_dec_format(a, NULL, 0);
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, n + 1);
    nf_dec_format(a, p, n + 1);
    luaL_pushresultsize(&b, n);
    return 1;
}

static int d_concat(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    luaL_tolstring(L, 2, NULL);
    lua_concat(L, 2);
    return 1;
}

static int d_gc(lua_State *L) {
    nf_dec *a = luaL_checkudata(L, 1, NF_LUA_DECIMAL_MT);
    nf_dec_release(a);
    return 0;
}

/* decimal.new(x): from a decimal, an integer, numeric text or a float (its shortest text). */
static int lib_new(lua_State *L) {
    luaL_checkany(L, 1);
    nf_dec *r = new_decimal(L);
    nf_dec a;
    bool owned;
    if (!nf_lua_to_decimal(L, 1, &a, &owned))
        return luaL_error(L, "decimal.new: not a number: %s", luaL_tolstring(L, 1, NULL));
    if (owned)
        *r = a;
    else
        nf_dec_copy(&a, r);
    return 1;
}

/* decimal.round(d, places): half away from zero, like round() in expressions. */
static int lib_round(lua_State *L) {
    nf_dec *a = luaL_checkudata(L, 1, NF_LUA_DECIMAL_MT);
    lua_Integer places = luaL_optinteger(L, 2, 0);
    luaL_argcheck(L, places >= 0 && places <= NF_DEC_MAX_SCALE, 2, "places out of range");
    nf_dec *r = new_decimal(L);
    nf_dec_status st = nf_dec_round(a, (int32_t)places, NF_DEC_HALF_AWAY, r);
    if (st != NF_DEC_OK) return luaL_error(L, "%s", status_text(st));
    return 1;
}

/* decimal.tonumber(d): the nearest float (lossy, on request). */
static int lib_tonumber(lua_State *L) {
    nf_dec *a = luaL_checkudata(L, 1, NF_LUA_DECIMAL_MT);
    lua_pushnumber(L, (lua_Number)to_double(a));
    return 1;
}

static int lib_isdecimal(lua_State *L) {
    lua_pushboolean(L, nf_lua_test_decimal(L, 1) != NULL);
    return 1;
}

void nf_lua_decimal_open(lua_State *L) {
    static const luaL_Reg meta[] = {
        {"__add", d_add},       {"__sub", d_sub}, {"__mul", d_mul},           {"__div", d_div},
        {"__mod", d_mod},       {"__pow", d_pow}, {"__unm", d_unm},           {"__lt", d_lt},
        {"__le", d_le},         {"__eq", d_eq},   {"__tostring", d_tostring}, {"__gc", d_gc},
        {"__concat", d_concat}, {NULL, NULL}};
    static const luaL_Reg lib[] = {{"new", lib_new},
                                   {"round", lib_round},
                                   {"tonumber", lib_tonumber},
                                   {"isdecimal", lib_isdecimal},
                                   {NULL, NULL}};
    luaL_newmetatable(L, NF_LUA_DECIMAL_MT);
    luaL_setfuncs(L, meta, 0);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); /* shared by every call: not reachable from Lua */
    lua_pop(L, 1);
    luaL_newlib(L, lib);
}
