/* fuzz_parser.c — libFuzzer target for the MDL front end (DESIGN §10).
 *
 * Each input is compiled as one MDL source through the public interface (nf_compiler.h):
 * lexer, parser, semantic analysis and rules all run. The diagnostics are then rendered into
 * a memory stream so the printer (line maps, carets, UTF-8 column counting) is fuzzed too.
 *
 * Beyond "no crash, no hang, no sanitizer report" the target checks invariants every caller
 * relies on, and aborts when one is broken:
 *   - nf_cc_check's result agrees with the error count;
 *   - every diagnostic's span lies inside its file;
 *   - diagnostics always render to some text.
 *
 * Replay the seed corpus:  fuzz_parser tests/fuzz/corpus/parser -runs=0
 * Fuzz:                    fuzz_parser WORKDIR tests/fuzz/corpus/parser
 * -dict=tests/fuzz/parser.dict */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "nf_compiler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_spans(nf_cc_diags *d, nf_cc_sources *srcs) {
    for (unsigned i = 0; i < d->n; i++) {
        const nf_cc_span *sp = &d->items[i].span;
        if (sp->file >= srcs->n) {
            fprintf(stderr, "diagnostic %u (NF%04u) names file %u of %u\n", i, d->items[i].code,
                    (unsigned)sp->file, (unsigned)srcs->n);
            abort();
        }
        size_t len = srcs->files[sp->file].len;
        if ((size_t)sp->off > len || (size_t)sp->off + sp->len > len) {
            fprintf(stderr, "diagnostic %u (NF%04u) span %u+%u outside file of %zu bytes: %s\n", i,
                    d->items[i].code, (unsigned)sp->off, (unsigned)sp->len, len,
                    d->items[i].msg ? d->items[i].msg : "(no message)");
            abort();
        }
    }
}

static void render(nf_cc_diags *d, nf_cc_sources *srcs) {
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out) return; /* out of memory: nothing to check */
    nf_cc_diags_print(d, srcs, out, false);
    nf_cc_diags_print(d, srcs, out, true); /* the colored variant takes other branches */
    if (fclose(out) != 0) {
        free(buf);
        return;
    }
    if (d->n > 0 && (!buf || len == 0)) {
        fprintf(stderr, "%u diagnostics rendered as nothing\n", d->n);
        abort();
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    nf_cc_compilation *c = nf_cc_new();
    if (!c) return 0;
    if (!nf_cc_add_source(c, "fuzz.mdl", (const char *)data, size)) {
        nf_cc_free(c);
        return 0;
    }
    /* inputs that begin with an odd byte are checked as `nanoflow test` checks them: with
     * their `create test` declarations and the lowering of the test statements */
    nf_cc_set_tests(c, size > 0 && (data[0] & 1));
    bool ok = nf_cc_check(c);
    nf_cc_diags *d = nf_cc_diagnostics(c);
    nf_cc_sources *srcs = nf_cc_sources_of(c);
    if (ok != (d->nerrors == 0 && !d->oom)) {
        fprintf(stderr, "nf_cc_check returned %d with %u errors\n", ok, d->nerrors);
        abort();
    }
    if (ok && !nf_cc_model_of(c)) {
        fprintf(stderr, "clean check without a model\n");
        abort();
    }
    if (!d->oom && d->n + d->dropped < d->nerrors + d->nwarnings) {
        fprintf(stderr, "%u stored + %u dropped < %u errors + %u warnings\n", d->n, d->dropped,
                d->nerrors, d->nwarnings);
        abort();
    }
    check_spans(d, srcs);
    render(d, srcs);
    nf_cc_free(c);
    return 0;
}
