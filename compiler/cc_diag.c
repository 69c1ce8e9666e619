/* cc_diag.c — diagnostic collection and text rendering; see cc_diag.h. */
#include "cc_diag.h"

#include <stdlib.h>
#include <string.h>

static const nf_cc_diag_info diag_table[] = {
#define NF_DIAG(num, name, sev, text) {num, #name, NF_SEV_##sev, text},
#include "cc_diag.def"
#undef NF_DIAG
};

const nf_cc_diag_info *nf_cc_diag_table(unsigned *n) {
    *n = (unsigned)(sizeof diag_table / sizeof diag_table[0]);
    return diag_table;
}

const nf_cc_diag_info *nf_cc_diag_lookup(unsigned code) {
    unsigned lo = 0, hi = (unsigned)(sizeof diag_table / sizeof diag_table[0]);
    while (lo < hi) { /* the table is written in ascending order */
        unsigned mid = (lo + hi) / 2;
        if (diag_table[mid].code == code) return &diag_table[mid];
        if (diag_table[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void nf_cc_diags_init(nf_cc_diags *d) {
    memset(d, 0, sizeof *d);
    d->limit = 1000;
}

void nf_cc_diags_free(nf_cc_diags *d) {
    for (unsigned i = 0; i < d->n; i++)
        free(d->items[i].msg);
    free(d->items);
    memset(d, 0, sizeof *d);
}

static char *vformat(const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) n = 0;
    char *s = malloc((size_t)n + 1);
    if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static void push(nf_cc_diags *d, nf_cc_severity sev, unsigned code, nf_cc_span span, char *msg,
                 bool is_note) {
    if (!is_note) {
        if (sev == NF_SEV_ERROR)
            d->nerrors++;
        else if (sev == NF_SEV_WARNING)
            d->nwarnings++;
    }
    bool parent_dropped = is_note && (d->n == 0 || d->dropped > 0);
    if (parent_dropped || (!is_note && d->n >= d->limit)) {
        if (!is_note) d->dropped++;
        free(msg);
        return;
    }
    if (d->n == d->cap) {
        unsigned cap = d->cap ? d->cap * 2 : 16;
        nf_cc_diag *items = realloc(d->items, cap * sizeof *items);
        if (!items) {
            d->oom = true;
            free(msg);
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    if (!msg) d->oom = true;
    nf_cc_diag *g = &d->items[d->n];
    g->sev = sev;
    g->code = code;
    g->span = span;
    g->msg = msg;
    g->group = is_note ? d->items[d->n - 1].group : d->n;
    d->n++;
}

void nf_cc_vreport(nf_cc_diags *d, nf_cc_diag_code code, nf_cc_severity sev, nf_cc_span span,
                   const char *fmt, va_list ap) {
    push(d, sev, (unsigned)code, span, vformat(fmt, ap), false);
}

void nf_cc_report(nf_cc_diags *d, nf_cc_diag_code code, nf_cc_span span, const char *fmt, ...) {
    const nf_cc_diag_info *info = nf_cc_diag_lookup((unsigned)code);
    va_list ap;
    va_start(ap, fmt);
    nf_cc_vreport(d, code, info ? info->sev : NF_SEV_ERROR, span, fmt, ap);
    va_end(ap);
}

void nf_cc_note(nf_cc_diags *d, nf_cc_span span, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    push(d, NF_SEV_NOTE, 0, span, vformat(fmt, ap), true);
    va_end(ap);
}

typedef struct sort_key {
    uint32_t file, off; /* of the group's parent diagnostic */
    unsigned group, index;
} sort_key;

static int cmp_key(const void *a, const void *b) {
    const sort_key *x = a, *y = b;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    if (x->off != y->off) return x->off < y->off ? -1 : 1;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

void nf_cc_diags_sort(nf_cc_diags *d) {
    if (d->n < 2) return;
    sort_key *keys = malloc(d->n * sizeof *keys);
    nf_cc_diag *out = malloc(d->n * sizeof *out);
    if (!keys || !out) { /* leave unsorted rather than fail */
        free(keys);
        free(out);
        return;
    }
    for (unsigned i = 0; i < d->n; i++) {
        const nf_cc_diag *parent = &d->items[d->items[i].group];
        keys[i] = (sort_key){parent->span.file, parent->span.off, d->items[i].group, i};
    }
    qsort(keys, d->n, sizeof *keys, cmp_key);
    for (unsigned i = 0; i < d->n; i++)
        out[i] = d->items[keys[i].index];
    /* groups are indices of parents: renumber to the new positions */
    unsigned *map = malloc(d->n * sizeof *map);
    if (map) {
        for (unsigned i = 0; i < d->n; i++)
            map[keys[i].index] = i;
        for (unsigned i = 0; i < d->n; i++)
            out[i].group = map[out[i].group];
        free(map);
    }
    free(keys);
    free(d->items);
    d->items = out;
    d->cap = d->n;
}

static const char *sev_name(nf_cc_severity s) {
    return s == NF_SEV_ERROR ? "error" : s == NF_SEV_WARNING ? "warning" : "note";
}

static void print_one(const nf_cc_diag *g, nf_cc_sources *srcs, FILE *out, bool color) {
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    const char *sevcol = !color                     ? ""
                         : g->sev == NF_SEV_ERROR   ? "\033[1;31m"
                         : g->sev == NF_SEV_WARNING ? "\033[1;35m"
                                                    : "\033[1;36m";
    nf_cc_source *src = g->span.file < srcs->n ? &srcs->files[g->span.file] : NULL;
    uint32_t line = 0, col = 0;
    if (src) {
        nf_cc_source_position(src, g->span.off, &line, &col);
        fprintf(out, "%s%s:%u:%u:%s ", bold, src->path, line, col, reset);
    }
    fprintf(out, "%s%s:%s %s", sevcol, sev_name(g->sev), reset,
            g->msg ? g->msg : "(out of memory)");
    if (g->code) fprintf(out, " [NF%04u]", g->code);
    fputc('\n', out);
    if (!src) return;
    uint32_t ls, ll;
    nf_cc_source_line(src, line, &ls, &ll);
    if (ll > 400) ll = 400; /* keep pathological lines (minified or binary input) readable */
    fputs("    ", out);
    for (uint32_t i = 0; i < ll; i++) {
        unsigned char c = (unsigned char)src->text[ls + i];
        fputc(c == '\t' || c >= 0x20 || c >= 0x80 ? c : ' ', out);
    }
    fputs("\n    ", out);
    /* caret under the span start, tildes under the rest of the span on this line */
    uint32_t start = g->span.off - ls;
    for (uint32_t i = 0; i < start && i < ll; i++) {
        unsigned char c = (unsigned char)src->text[ls + i];
        if ((c & 0xC0) == 0x80) continue;
        fputc(c == '\t' ? '\t' : ' ', out);
    }
    fputs(sevcol, out);
    fputc('^', out);
    for (uint32_t i = start + 1; i < start + g->span.len && i < ll; i++)
        if (((unsigned char)src->text[ls + i] & 0xC0) != 0x80) fputc('~', out);
    fputs(reset, out);
    fputc('\n', out);
}

void nf_cc_diags_print(nf_cc_diags *d, nf_cc_sources *srcs, FILE *out, bool use_color) {
    for (unsigned i = 0; i < d->n; i++)
        print_one(&d->items[i], srcs, out, use_color);
    if (d->dropped)
        fprintf(out, "nanoflow: %u more diagnostics not shown (limit %u)\n", d->dropped, d->limit);
    if (d->oom) fprintf(out, "nanoflow: out of memory while collecting diagnostics\n");
}
