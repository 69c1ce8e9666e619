/* std_api_eval.c — nf_eval: one expression, compiled as the body of a flow of its own and run on
 * a runtime that the result keeps alive (`nanoflow eval`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf_compiler.h"
#include "std_api.h"

#define EVAL_FLOW "Eval.Expression"

/* Diagnostics about the expression, with a caret under the part they point at. The wrapper
 * source around the expression never appears. */
static char *expr_diagnostics(nf_cc_compilation *c, const char *expr, size_t prefix) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) return NULL;
    const nf_cc_diags *d = nf_cc_diagnostics(c);
    size_t elen = strlen(expr);
    /* errors inside the expression explain the ones the wrapper gets after it: show only those */
    bool inside = false;
    for (unsigned i = 0; i < d->n; i++)
        if (d->items[i].sev == NF_SEV_ERROR && d->items[i].span.off >= prefix &&
            d->items[i].span.off < prefix + elen)
            inside = true;
    for (unsigned i = 0; i < d->n; i++) {
        const nf_cc_diag *g = &d->items[i];
        if (g->sev == NF_SEV_NOTE) continue;
        if (inside && (g->span.off < prefix || g->span.off >= prefix + elen)) continue;
        fprintf(out, "%s: %s", g->sev == NF_SEV_ERROR ? "error" : "warning", g->msg);
        if (g->code) fprintf(out, " [NF%04u]", g->code);
        fputc('\n', out);
        if (g->span.off >= prefix && g->span.off - prefix <= elen) {
            size_t col = g->span.off - prefix;
            size_t n = g->span.len ? g->span.len : 1;
            if (col + n > elen) n = elen > col ? elen - col : 1;
            fprintf(out, "  %s\n  %*s", expr, (int)col, "");
            for (size_t k = 0; k < n; k++)
                fputc('^', out);
            fputc('\n', out);
        }
    }
    if (d->oom) fputs("error: out of memory\n", out);
    fclose(out);
    return text;
}

nf_status nf_eval(const char *expression, bool microflow, const nf_config *cfg, nf_value **result,
                  char **diagnostics) {
    *result = NULL;
    if (diagnostics) *diagnostics = NULL;
    /* the expression on a line of its own, so that no comment or quote in it can reach the
     * wrapper's `;` without a diagnostic; in parentheses, so that `if … then … else …` is an
     * expression and not an if statement */
    char *src = nf_api_format("create module Eval;\ncreate %s " EVAL_FLOW " ()\nbegin\nreturn (\n",
                              microflow ? "microflow" : "nanoflow");
    if (!src) return NF_ERR_NOMEM;
    size_t prefix = strlen(src);
    char *full = nf_api_format("%s%s\n);\nend;\n", src, expression);
    free(src);
    if (!full) return NF_ERR_NOMEM;
    nf_cc_compilation *c = nf_cc_new();
    if (!c || !nf_cc_add_source(c, "<expression>", full, strlen(full))) {
        nf_cc_free(c);
        free(full);
        return NF_ERR_NOMEM;
    }
    free(full);
    nf_cc_set_infer_returns(c, true);
    nf_bc_module built;
    bool ok = nf_cc_build(c, &built);
    char *diags = expr_diagnostics(c, expression, prefix);
    if (diags && !*diags) {
        free(diags);
        diags = NULL;
    }
    if (!ok) {
        bool oom = nf_cc_diagnostics(c)->oom;
        nf_cc_free(c);
        if (diagnostics)
            *diagnostics = diags;
        else
            free(diags);
        return oom ? NF_ERR_NOMEM : NF_ERR_COMPILE;
    }
    uint8_t *bytes;
    size_t len;
    nf_module *mod = NULL;
    nf_status st = nf_bc_write(&built, &bytes, &len) ? NF_OK : NF_ERR_NOMEM;
    nf_cc_free(c);
    if (st == NF_OK) {
        char *err = NULL;
        st = nf_module_load(bytes, len, &mod, &err);
        free(bytes);
        if (st != NF_OK) {
            free(diags);
            diags = nf_api_format("internal error: %s\n", err ? err : "?");
        }
        free(err);
    }
    nf_runtime *rt = NULL;
    if (st == NF_OK) {
        char *err = NULL;
        st = nf_runtime_new(mod, cfg, &rt, &err);
        if (st != NF_OK) {
            nf_module_free(mod);
            free(diags);
            diags = err ? nf_api_format("%s\n", err) : NULL;
        }
        free(err);
    }
    if (st == NF_OK && nf_module_flow_count(mod) != 1) { /* `1); end; create …` */
        nf_runtime_free(rt);
        free(diags);
        diags = nf_api_strdup("error: an expression cannot close the flow it is evaluated in\n");
        nf_module_free(mod);
        st = NF_ERR_COMPILE;
    }
    if (st == NF_OK) {
        rt->owned_mod = mod;
        st = nf_call(rt, EVAL_FLOW, NULL, 0, result);
        if (st == NF_ERR_FLOW) {
            free(diags);
            diags = nf_api_format("%s: %s\n", nf_error_type_name(nf_runtime_error_type(rt)),
                                  nf_runtime_error_message(rt));
        }
        nf_runtime_free(rt); /* the result keeps it alive */
    }
    if (diagnostics)
        *diagnostics = diags;
    else
        free(diags);
    return st;
}
