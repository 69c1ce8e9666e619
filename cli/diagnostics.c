/* diagnostics.c — printing compiler diagnostics as text or JSON (jansson). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

bool nf_cli_use_color(FILE *stream, const char *mode) {
    if (mode && strcmp(mode, "always") == 0) return true;
    if (mode && strcmp(mode, "never") == 0) return false;
    const char *no = getenv("NO_COLOR");
    if (no && *no) return false;
    return isatty(fileno(stream));
}

static json_t *position(nf_cc_sources *srcs, nf_cc_span sp, json_t *obj) {
    if (sp.file >= srcs->n) return obj;
    nf_cc_source *src = &srcs->files[sp.file];
    uint32_t line, col, eline, ecol;
    nf_cc_source_position(src, sp.off, &line, &col);
    nf_cc_source_position(src, sp.off + sp.len, &eline, &ecol);
    json_object_set_new(obj, "file", json_string(src->path));
    json_object_set_new(obj, "line", json_integer(line));
    json_object_set_new(obj, "column", json_integer(col));
    json_object_set_new(obj, "endLine", json_integer(eline));
    json_object_set_new(obj, "endColumn", json_integer(ecol));
    return obj;
}

static json_t *message(const char *m) {
    /* messages quote source text, which may be invalid UTF-8: jansson needs valid UTF-8 */
    json_t *s = json_string(m ? m : "");
    if (!s) s = json_string("(message contains invalid UTF-8)");
    return s;
}

static void print_json(nf_cc_diags *d, nf_cc_sources *srcs) {
    json_t *root = json_object(), *arr = json_array();
    json_t *last = NULL;
    for (unsigned i = 0; i < d->n; i++) {
        nf_cc_diag *g = &d->items[i];
        if (g->sev == NF_SEV_NOTE && last) {
            json_t *notes = json_object_get(last, "notes");
            if (!notes) {
                notes = json_array();
                json_object_set_new(last, "notes", notes);
            }
            json_t *n = position(srcs, g->span, json_object());
            json_object_set_new(n, "message", message(g->msg));
            json_array_append_new(notes, n);
            continue;
        }
        json_t *o = position(srcs, g->span, json_object());
        json_object_set_new(o, "severity",
                            json_string(g->sev == NF_SEV_ERROR ? "error" : "warning"));
        char code[16];
        snprintf(code, sizeof code, "NF%04u", g->code);
        json_object_set_new(o, "code", json_string(code));
        json_object_set_new(o, "message", message(g->msg));
        json_array_append_new(arr, o);
        last = o;
    }
    json_object_set_new(root, "diagnostics", arr);
    json_object_set_new(root, "errors", json_integer(d->nerrors));
    json_object_set_new(root, "warnings", json_integer(d->nwarnings));
    if (d->dropped) json_object_set_new(root, "notShown", json_integer(d->dropped));
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
}

void nf_cli_print_diagnostics(nf_cc_compilation *c, nf_cli_format fmt, bool color) {
    nf_cc_diags *d = nf_cc_diagnostics(c);
    if (fmt == NF_FORMAT_JSON)
        print_json(d, nf_cc_sources_of(c));
    else
        nf_cc_diags_print(d, nf_cc_sources_of(c), stderr, color);
}
