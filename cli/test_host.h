/* test_host.h — what `nanoflow test` runs each test in (docs/testing.md §4): a fresh runtime
 * on an in-memory local database, connected through an in-process transport to a fresh
 * reference server (server/srv.h, no socket, in-memory database) that runs the same module.
 * The host callbacks record messages and pages and answer the NanoflowTest actions that the
 * test statements compile to (compiler/cc_sema_test.c): assertions, mocks, the network
 * simulation and expectations. */
#ifndef NF_CLI_TEST_HOST_H
#define NF_CLI_TEST_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nanoflow.h"

/* What one test run gave. Strings are malloc'ed (nf_test_outcome_free); NULL when absent. */
typedef struct nf_test_outcome {
    bool passed;
    const char *kind; /* static: "assertion", "error", "expectation", "setup" (failures) */
    char *message;    /* why it failed */
    char *expression; /* a failed assert: its condition as written */
    char *flow;       /* where: the test, or the flow that raised the uncaught error */
    char *file;       /* that flow's source file when it is not the test's, else NULL */
    uint32_t line;    /* source line of the failing statement (0: unknown) */
    char *error_type; /* an uncaught error: its $latestErrorType */
    char *shown;      /* expectation failures: the messages/pages shown, "; "-separated */
    char *log;        /* the last lines the flows and the sync client logged */
    char *quarantine; /* the device's sync quarantine (JSON) when it is not empty */
    char *server_log; /* the last lines of the in-process server's log (requests, microflows) */
    double seconds;
} nf_test_outcome;

void nf_test_outcome_free(nf_test_outcome *o);

/* Per flow of the module, which coverage probes ran (hits[flow][pc] != 0). */
typedef struct nf_test_coverage {
    uint32_t nflows;
    uint8_t **hits;
} nf_test_coverage;

typedef struct nf_test_env {
    const nf_module *mod;        /* compiled with tests (and probes for coverage) */
    const char *user, *password; /* the demo user the device signs in as, or NULL */
    uint64_t max_instructions;   /* per test; 0: unlimited */
    nf_test_coverage *coverage;  /* NULL: no coverage */
    const char *timezone;        /* NULL: TZ or UTC */
} nf_test_env;

/* Runs test `name` ("Module.Test") in a fresh device and server. Returns false only when out
 * of memory; a failure to set up (e.g. the server cannot start) is a failed outcome. */
bool nf_test_run(const nf_test_env *env, const char *name, nf_test_outcome *out);

/* Allocates the hit tables for every flow of mod (false when out of memory). */
bool nf_test_coverage_init(nf_test_coverage *c, const nf_module *mod);
void nf_test_coverage_free(nf_test_coverage *c);
/* Prints the coverage report as TAP comments: per nanoflow that is not a test (is_test says),
 * branches and handlers run, and the ones missed with their lines. */
void nf_test_coverage_report(const nf_test_coverage *c, const nf_module *mod,
                             bool (*is_test)(void *ud, const char *flow), void *ud, FILE *out);

#endif
