/* std_lua_int.h — what std_lua.c (state, sandbox, calls), std_lua_value.c (values and object
 * proxies) and std_lua_decimal.c (the decimal userdata) share. */
#ifndef NF_STD_LUA_INT_H
#define NF_STD_LUA_INT_H

#include <lua.h>

#include "std_lua.h"

#define NF_LUA_OBJECT_MT  "nanoflow.object"
#define NF_LUA_DECIMAL_MT "decimal"

struct nf_std_lua {
    nf_vm_lua iface;
    const nf_bc_module *m;
    lua_State *L; /* NULL until the first Lua action */
    int *fn_refs; /* per action: registry reference of its compiled chunk, or LUA_NOREF */
    nf_std_lua_config cfg;
    size_t mem_used;
    bool mem_refused; /* the allocator refused a block for the memory limit (this call) */
    uint64_t steps;   /* instructions counted by the hook in this call */
    bool over_budget; /* the instruction budget ran out (this call) */
    bool cancelled;   /* nf_runtime_cancel stopped this call */
    /* the running call */
    bool running; /* a call is in progress (Lua actions do not nest) */
    nf_vm *vm;
    uint32_t action;
    const nf_val *args;
    nf_val *out;
    bool vm_raised;   /* the VM's error is set: report it instead of the Lua message */
    uint32_t gen;     /* odd while a call runs; proxies of other generations are dead */
    nf_vm_obj **held; /* the objects proxies of this call refer to (one reference each) */
    uint32_t nheld, held_cap;
};

/* The runner of a state (kept in its extra space). */
static inline nf_std_lua *nf_lua_of(lua_State *L) {
    return *(nf_std_lua **)lua_getextraspace(L);
}

/* ---- std_lua_value.c ---- */
/* Registers the object proxy metatable (in a protected call while setting the state up). */
void nf_lua_value_open(lua_State *L);
/* Pushes VM value v declared as type t (empty: nil). */
void nf_lua_push_val(lua_State *L, const nf_val *v, nf_bc_type t);
/* Converts the Lua value at idx to type t into *out (owned), raising a Lua error on a type
 * mismatch; `what` names it in messages ("the result", "attribute X"). */
void nf_lua_to_val(lua_State *L, int idx, nf_bc_type t, const char *what, nf_val *out);
/* Raises a Lua error after the VM raised one (kept as the call's error). */
int nf_lua_vm_error(lua_State *L);

/* ---- std_lua_decimal.c ---- */
void nf_lua_decimal_open(lua_State *L); /* metatable, and pushes the `decimal` library table */
void nf_lua_push_decimal(lua_State *L, const nf_dec *d); /* copies d */
/* The decimal at idx (userdata, integer, numeric string or float): *d borrowed from a
 * userdata or owned (*owned). False: not convertible. Floats use their shortest text. */
bool nf_lua_to_decimal(lua_State *L, int idx, nf_dec *d, bool *owned);
/* A decimal userdata at idx, or NULL. */
nf_dec *nf_lua_test_decimal(lua_State *L, int idx);
/* Replaces decimal userdata arguments of the running C function with floats. */
void nf_lua_decimals_to_numbers(lua_State *L);

#endif
