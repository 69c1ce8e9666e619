/* nf_compiler.h — the compiler's interface for the CLI, the tests and (later) the embedding API.
 *
 * A compilation owns its sources, diagnostics and everything built from them. Usage:
 *     nf_cc_compilation *c = nf_cc_new();
 *     nf_cc_add_file(c, "app.mdl");          // or nf_cc_add_source(c, name, text, len)
 *     bool ok = nf_cc_check(c);              // parse + semantic analysis; false on errors
 *     nf_cc_diags_print(nf_cc_diagnostics(c), nf_cc_sources_of(c), stderr, false);
 *     nf_cc_free(c);
 */
#ifndef NF_COMPILER_H
#define NF_COMPILER_H

#include <stdbool.h>
#include <stddef.h>

#include "cc_diag.h"
#include "cc_source.h"

typedef struct nf_cc_compilation nf_cc_compilation;
struct nf_cc_model;

/* NULL on out-of-memory. */
nf_cc_compilation *nf_cc_new(void);
void nf_cc_free(nf_cc_compilation *c);

/* Adds a file; on failure reports an error diagnostic-free message in *err and returns false. */
bool nf_cc_add_file(nf_cc_compilation *c, const char *path, const char **err);
/* Adds a file, or every *.mdl file under a directory (recursively, in name order). On failure
 * writes a message (naming the path) into err and returns false. */
bool nf_cc_add_path(nf_cc_compilation *c, const char *path, char *err, size_t n);
/* Adds source text (copied) under a display name. */
bool nf_cc_add_source(nf_cc_compilation *c, const char *name, const char *text, size_t len);

/* For `nanoflow eval`: a flow declared without `returns` takes the type of the value its
 * `return EXPR` gives instead of reporting an error. Call before nf_cc_check. */
void nf_cc_set_infer_returns(nf_cc_compilation *c, bool on);

/* For `nanoflow test` (docs/testing.md): with tests on, `create test` declarations are checked
 * and built as nanoflows (without, they are parsed and left out of the model and module). With
 * coverage on, every flow gets coverage probes (NOP with A = 1: B says what, see
 * nf_cc_probe_kind) at its entry, at each decision branch and at each error handler. Call
 * before nf_cc_check / nf_cc_build. */
void nf_cc_set_tests(nf_cc_compilation *c, bool on);
void nf_cc_set_coverage(nf_cc_compilation *c, bool on);
/* The probe kinds (the B operand of a probe). */
typedef enum nf_cc_probe_kind {
    NF_PROBE_ENTRY = 0,     /* the flow started */
    NF_PROBE_THEN,          /* the first branch of an if */
    NF_PROBE_ELSIF,         /* an elsif branch */
    NF_PROBE_ELSE,          /* a written else branch of if, case or split type */
    NF_PROBE_IMPLICIT_ELSE, /* an if without else: no condition held */
    NF_PROBE_WHEN,          /* a when branch of case or split type */
    NF_PROBE_HANDLER,       /* an error handler (on error … / try … catch) */
    NF_PROBE_KIND_COUNT_
} nf_cc_probe_kind;
/* After a successful check with tests on: the number of tests, and test k's name ("M.Name",
 * borrowed from the compilation), with its file index (nf_cc_sources_of) and line. */
size_t nf_cc_test_count(const nf_cc_compilation *c);
const char *nf_cc_test_name(const nf_cc_compilation *c, size_t k, uint32_t *file, uint32_t *line);

/* Parses every source and runs semantic analysis. Returns true when there are no errors
 * (warnings allowed). May be called once. */
bool nf_cc_check(nf_cc_compilation *c);

nf_cc_diags *nf_cc_diagnostics(nf_cc_compilation *c);
nf_cc_sources *nf_cc_sources_of(nf_cc_compilation *c);
/* The checked model (valid after nf_cc_check returned true). After an nf_cc_build that was not
 * preceded by nf_cc_check, its flows no longer have their bodies and variables: the build
 * checked and generated them one flow at a time and dropped each flow's syntax tree. */
const struct nf_cc_model *nf_cc_model_of(const nf_cc_compilation *c);

/* The linter (`nanoflow lint`, docs/lint.md): checks (if not done yet) and, when the sources
 * have no errors, adds the NF6xxx best-practice warnings. Then drops the warnings the user
 * suppressed: the codes in disabled[] and `-- lint: ignore NFnnnn` comments. Returns false when
 * the sources have errors (no lints run) or on out-of-memory. Call instead of nf_cc_build. */
bool nf_cc_lint(nf_cc_compilation *c, const unsigned *disabled, unsigned ndisabled);

struct nf_bc_module;
/* Checks (if not done yet) and generates the bytecode module into *out. The module's memory
 * belongs to the compilation: it stays valid until nf_cc_free. False when there are errors
 * (diagnostics say why) or on out-of-memory. Without an nf_cc_check before it, it parses,
 * checks and generates flow by flow (less memory; same diagnostics and module), and a second
 * call gives the same module again. */
bool nf_cc_build(nf_cc_compilation *c, struct nf_bc_module *out);

#endif
