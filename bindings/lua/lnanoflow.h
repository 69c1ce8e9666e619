/* lnanoflow.h — the parts of the Lua module `nanoflow` (lnanoflow.c: modules, runtimes,
 * errors; lnanoflow_value.c: values, calls, callbacks). */
#ifndef LNANOFLOW_H
#define LNANOFLOW_H

#include <lua.h>

#include "nanoflow.h"

#define LNF_MODULE  "nanoflow.module"
#define LNF_RUNTIME "nanoflow.runtime"
#define LNF_VALUE   "nanoflow.value" /* an object, or the list behind a result table */
#define LNF_ERROR   "nanoflow.error"

/* A runtime userdata: uservalue 1 is its module, 2 the table of Lua callbacks. */
typedef struct lnf_runtime {
    nf_runtime *rt;
    lua_State *L; /* the state of the call in progress (for callbacks), NULL between calls */
    int index;    /* the runtime userdata's stack index in L during the call */
} lnf_runtime;

/* The entry point `require "nanoflow"` calls. */
LUAMOD_API int luaopen_nanoflow(lua_State *L);

/* Raises a nanoflow error: a table {type, message, flow, line, status} with __tostring. */
int lnf_error(lua_State *L, const char *type, const char *message, const char *flow, uint32_t line,
              nf_status st);
/* The same from the runtime's last error (a flow error, or a usage error of the API). */
int lnf_runtime_error(lua_State *L, nf_runtime *rt, nf_status st);
lnf_runtime *lnf_check_runtime(lua_State *L, int i);

/* lnanoflow_value.c */
void lnf_value_class(lua_State *L);
/* Installs a C callback for each Lua function in the callbacks table at index t; the others
 * keep the library's default (nothing, and a debug line to on_log). */
void lnf_install_callbacks(lua_State *L, int t, nf_host *host, lnf_runtime *r);
int lnf_call(lua_State *L);
int lnf_entity(lua_State *L);
int lnf_totable(lua_State *L);
int lnf_json(lua_State *L);
/* Pushes the JSON text as Lua values (objects as tables, arrays as sequences, null as nil);
 * 0 when it does not parse (nothing pushed). */
int lnf_push_json(lua_State *L, const char *json);

#endif
