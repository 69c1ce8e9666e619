/* vm_host.h — the scripted host that the VM fuzz target and the mutation test share:
 * tests/fuzz/fuzz_vm.c and tests/unit/test_vm_mutations.c. Both run every flow of a module the
 * loader accepted, through the public API (include/nanoflow.h), with every parameter empty and
 * under bounded limits, against this host.
 *
 * The host is deterministic: a constant clock and random source, and action, microflow and page
 * callbacks that answer with an empty value, fail, or suspend the call, in a fixed rotation
 * (host_state.turn; the caller chooses where it starts). The values handed to the callbacks are
 * rendered to text and JSON, as a host would render them. A suspended call is resumed with
 * nothing, resumed with an error, or abandoned, also in rotation, and always abandoned after
 * MAX_RESUMES rounds.
 *
 * - host_runtime: a runtime for a module, configured with the limits and this host;
 * - host_call: one flow called, its suspensions driven to an end.
 * What a file does with the outcome (checks, counts, rendering) stays in that file.
 *
 * Everything here is static: each file that includes it gets its own copy. */
#ifndef NF_TESTS_VM_HOST_H
#define NF_TESTS_VM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nanoflow.h"

/* The limits every call runs under: small enough that a runaway flow ends in milliseconds. */
enum {
    BUDGET_INSTRUCTIONS = 20000,
    BUDGET_DEPTH = 50,
    BUDGET_MEMORY = 8 << 20,
    MAX_RESUMES = 4 /* then a suspended call is abandoned */
};

typedef struct host_state {
    unsigned turn; /* rotates the callbacks' answers */
} host_state;

/* Renders borrowed values as a host would (to text and to JSON), then drops the text. */
static void look_at(const nf_value *const *args, size_t n) {
    for (size_t i = 0; i < n; i++) {
        nf_free(nf_value_to_text(args[i]));
        nf_free(nf_value_to_json(args[i]));
    }
}

static nf_status on_call(void *ud, nf_runtime *rt, const char *name, const nf_value *const *args,
                         size_t n, nf_value **result) {
    (void)name;
    host_state *h = ud;
    look_at(args, n);
    switch (h->turn++ % 4) {
    case 0: return NF_OK; /* no result: the action's result is empty */
    case 1: *result = nf_value_empty(rt, NF_TYPE_NOTHING); return NF_OK;
    case 2: return NF_SUSPENDED;
    default: return NF_ERR_ARGUMENT; /* a failing host action (HostError) */
    }
}

static nf_status on_message(void *ud, nf_runtime *rt, nf_message_type type, const char *text,
                            bool blocking) {
    (void)rt, (void)type, (void)text;
    host_state *h = ud;
    return blocking && h->turn++ % 2 ? NF_SUSPENDED : NF_OK;
}

static nf_status on_page(void *ud, nf_runtime *rt, const char *page, const char *title,
                         const char *const *names, const nf_value *const *args, size_t n,
                         int32_t close) {
    (void)rt, (void)page, (void)title, (void)names, (void)close;
    host_state *h = ud;
    look_at(args, n);
    return h->turn++ % 3 == 0 ? NF_SUSPENDED : NF_OK;
}

static nf_status on_close(void *ud, nf_runtime *rt, int32_t count) {
    (void)rt, (void)count;
    host_state *h = ud;
    return h->turn++ % 2 ? NF_SUSPENDED : NF_OK;
}

static nf_status on_feedback(void *ud, nf_runtime *rt, const nf_value *object, const char *member,
                             const char *text) {
    (void)ud, (void)rt, (void)member, (void)text;
    look_at(&object, 1);
    return NF_OK;
}

static void on_log(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                   const char *text) {
    (void)ud, (void)rt, (void)level, (void)node, (void)text;
}

static int64_t fixed_now(void *ud) {
    (void)ud;
    return INT64_C(1700000000000); /* 2023-11-14T22:13:20Z */
}

static uint64_t fixed_random(void *ud) {
    (void)ud;
    return UINT64_C(0x9e3779b97f4a7c15);
}

/* Creates a runtime for mod with the limits above and h as its host; alloc and alloc_ud become
 * the runtime's allocator (NULL: malloc/realloc/free). On failure returns NULL, and *err holds
 * nf_runtime_new's message (or NULL) for the caller to nf_free. */
static nf_runtime *host_runtime(const nf_module *mod, host_state *h, nf_alloc_fn alloc,
                                void *alloc_ud, char **err) {
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.alloc = alloc;
    cfg.alloc_ud = alloc_ud;
    cfg.timezone = "UTC";
    cfg.max_instructions = BUDGET_INSTRUCTIONS;
    cfg.max_depth = BUDGET_DEPTH;
    cfg.max_memory = BUDGET_MEMORY;
    cfg.lua_max_instructions = BUDGET_INSTRUCTIONS; /* Lua actions: the same bounds */
    cfg.lua_max_memory = BUDGET_MEMORY;
    cfg.host.ud = h;
    cfg.host.show_message = on_message;
    cfg.host.show_page = on_page;
    cfg.host.close_page = on_close;
    cfg.host.feedback = on_feedback;
    cfg.host.log = on_log;
    cfg.host.action = on_call;
    cfg.host.microflow = on_call;
    cfg.host.now = fixed_now;
    cfg.host.random = fixed_random;
    nf_runtime *rt = NULL;
    *err = NULL;
    if (nf_runtime_new(mod, &cfg, &rt, err) != NF_OK) return NULL;
    return rt;
}

/* Calls the flow `name` with every parameter empty and drives its suspensions to an end: each is
 * resumed with nothing, resumed with an error, or abandoned, in the host's rotation, and
 * abandoned after MAX_RESUMES rounds. Returns the status of the last call or resume, which is
 * NF_SUSPENDED only when the host abandoned the call; *result is as that call left it. When not
 * NULL, *calls counts the call (once nf_call returned) and *suspensions each suspension. */
static nf_status host_call(nf_runtime *rt, host_state *h, const char *name, nf_value **result,
                           unsigned long *calls, unsigned long *suspensions) {
    nf_status st = nf_call(rt, name, NULL, 0, result);
    if (calls) (*calls)++;
    for (int round = 0; st == NF_SUSPENDED; round++) {
        if (suspensions) (*suspensions)++;
        unsigned choice = round >= MAX_RESUMES ? 2 : h->turn++ % 3;
        if (choice == 0) {
            st = nf_resume(rt, NULL, result);
        } else if (choice == 1) {
            st = nf_resume_error(rt, NF_ERROR_CONNECTION, "offline", result);
        } else {
            nf_abandon(rt);
            return NF_SUSPENDED;
        }
    }
    return st;
}

#endif
