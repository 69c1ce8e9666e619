/* cc_lint.h — the linter: the offline best practices of shared/seed/offline-best-practices.md
 * that are advice rather than compile errors (NF6xxx, docs/lint.md).
 *
 * Lints read the checked model and the typed syntax trees that nf_cc_check leaves behind; they
 * only report warnings and never change the model. Entry point: nf_cc_lint (nf_compiler.h). */
#ifndef NF_CC_LINT_H
#define NF_CC_LINT_H

#include "cc_diag.h"
#include "cc_model.h"

typedef struct nf_cc_lint_ctx {
    nf_cc_model *m;
    nf_cc_diags *d;
    bool oom;
} nf_cc_lint_ctx;

/* Model-level lints: validation, profile, access rules, revision attributes (cc_lint.c). */
void nf_cc_lint_model(nf_cc_lint_ctx *l);
/* Statement lints of every flow body: handlers, deletes, actions, UI in microflows
 * (cc_lint_flow.c). */
void nf_cc_lint_flows(nf_cc_lint_ctx *l);
/* Commit-order analysis of one flow: committing an object that references an object the flow
 * created and has not committed (NF6004), and deletes of objects that may be synchronized
 * (NF6002) (cc_lint_commit.c). */
void nf_cc_lint_commits(nf_cc_lint_ctx *l, nf_cc_flow *f);
/* NF6002 for a delete statement of flow f whose object the flow may have synchronized (the
 * commit analysis skips objects it created and never committed). */
void nf_cc_lint_delete(nf_cc_lint_ctx *l, const nf_cc_flow *f, const nf_cc_stmt *st);
/* The variable of flow f named sym (variable names are unique in a flow), or NULL. */
nf_cc_var *nf_cc_lint_var(const nf_cc_flow *f, const nf_cc_sym *sym);

/* Whether name ends with suffix (lower case), ignoring ASCII case. */
bool nf_cc_lint_ends_with(const char *name, const char *suffix);
/* Whether name contains needle (lower case), ignoring ASCII case. */
bool nf_cc_lint_contains(const char *name, const char *needle);

/* Drops the warnings (with their notes) that the user suppressed: codes in disabled[], and
 * `-- lint: ignore NFnnnn` comments in the sources (cc_lint_suppress.c). Errors stay. */
void nf_cc_lint_suppress(nf_cc_diags *d, nf_cc_sources *srcs, const nf_cc_unit *u,
                         const unsigned *disabled, unsigned ndisabled);

#endif
