/* std_api.h — the structures behind include/nanoflow.h, shared by std_api*.c. */
#ifndef NF_STD_API_H
#define NF_STD_API_H

#include "nanoflow.h"
#include "std_builtins.h"
#include "vm.h"

struct nf_module {
    nf_bc_module bc;
    uint8_t *bytes; /* the module file the loader read (nf_bc_load keeps pointers into it) */
    size_t len;
};

struct nf_runtime {
    const nf_module *mod;
    nf_module *owned_mod; /* nf_eval: the runtime owns its module */
    nf_vm *vm;
    struct nf_std_store *store; /* the local database (NULL when the module has no
                                   persistable entity and no file was named) */
    struct nf_std_sync *sync;   /* the sync client (NULL: no server configured) */
    struct nf_std_lua *lua;     /* Lua actions (NULL: the module has none) */
    struct nf_api_action {      /* host-registered actions, by action index (NULL: none) */
        nf_action_fn fn;
        void *ud;
    } * actions;
    nf_std_ctx ctx;
    nf_config cfg;
    char *timezone, *locale; /* copies */
    char *user, *password;   /* copies, for the sync client (the password wiped at free) */
    uint32_t refs;           /* the handle plus every live nf_value */
    bool closed;             /* nf_runtime_free was called */
};

struct nf_value {
    nf_runtime *rt;
    nf_val v;
    uint8_t long_type; /* an Integer declared Long (for printing the type name) */
};

/* The value types of the API and the VM. */
nf_type nf_api_type_of(uint8_t kind, bool is_long);
uint8_t nf_api_kind_of(nf_type t);
/* A new handle holding a copy of v (one more reference); NULL when out of memory. */
nf_value *nf_api_wrap(nf_runtime *rt, const nf_val *v, bool is_long);
/* Takes over v's reference. */
nf_value *nf_api_wrap_move(nf_runtime *rt, nf_val *v, bool is_long);
void nf_api_runtime_release(nf_runtime *rt);
char *nf_api_strdup(const char *s);
struct nf_std_transport;
/* Connects rt's synchronize to transport t (owned from now on, even on failure), logging in
 * with the config's user and password: for tests (the fake transport) and hosts with their
 * own HTTP stack. Replaces a client set before. */
nf_status nf_api_runtime_set_transport(nf_runtime *rt, struct nf_std_transport *t, char **error);
/* Sets rt's error message (type RuntimeError, no flow or line) and returns st. */
nf_status nf_api_error(nf_runtime *rt, nf_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The object of entity (or a specialization) with id (text UUID): the instance in memory, else
 * the local database's row. NF_ERR_NOT_FOUND when there is none, NF_ERR_ARGUMENT for a bad id;
 * the message is set either way. */
nf_status nf_api_object_load(nf_runtime *rt, uint32_t entity, const char *id, nf_value **out);
/* malloc'd printf. */
char *nf_api_format(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
