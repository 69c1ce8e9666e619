/* std_lua.h — Lua actions (docs/lua.md): `create lua action` bodies run on Lua 5.4 in a sandbox,
 * behind the VM's nf_vm_lua interface (vm.h), so the VM core includes no Lua header.
 *
 * One Lua state per runtime, created at the first Lua action and reused; each action's source
 * is compiled once (text only). Every call gets a fresh global environment over read-only
 * libraries, an instruction budget and a memory limit; after any failure the state stays
 * usable. */
#ifndef NF_STD_LUA_H
#define NF_STD_LUA_H

#include <stddef.h>
#include <stdint.h>

#include "vm.h"

typedef struct nf_std_lua nf_std_lua;

typedef struct nf_std_lua_config {
    uint64_t max_instructions; /* Lua VM instructions per action call; 0 = unlimited */
    size_t max_memory;         /* bytes the Lua state may hold; 0 = unlimited */
    nf_vm_allocator alloc;     /* NULL: malloc/realloc/free */
    void *alloc_ud;
} nf_std_lua_config;

/* A Lua action runner for module m (which must outlive it); the Lua state itself is created
 * at the first call. NULL when out of memory. */
nf_std_lua *nf_std_lua_new(const nf_bc_module *m, const nf_std_lua_config *cfg);
/* Closes the Lua state (call before the VM is freed) and frees l. NULL is fine. */
void nf_std_lua_free(nf_std_lua *l);
/* The interface for nf_vm_config.lua; lives as long as l. */
const nf_vm_lua *nf_std_lua_iface(nf_std_lua *l);
/* Does m declare a Lua action? */
bool nf_std_lua_needed(const nf_bc_module *m);

#endif
