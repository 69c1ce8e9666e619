/* cc_lint_suppress.c — suppressing warnings: `--disable NFnnnn` codes and comments in the sources
 * (docs/lint.md):
 *
 *     synchronize all;   -- lint: ignore NF6001          this line
 *     -- lint: ignore NF6007, NF6003                     the next statement or declaration
 *     -- lint: ignore-file NF6002                        the whole file
 *
 * A directive after code covers its line. On a line of its own it covers the declaration that
 * follows (only whitespace and comments in between), or else the next line with code on it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cc_lint.h"

typedef struct range {
    uint32_t file, start, end; /* byte offsets [start, end) */
    unsigned code;
} range;

typedef struct ranges {
    range *items;
    unsigned n, cap;
    bool oom;
} ranges;

static void push(ranges *r, range x) {
    if (r->n == r->cap) {
        unsigned cap = r->cap ? r->cap * 2 : 16;
        range *items = realloc(r->items, cap * sizeof *items);
        if (!items) {
            r->oom = true;
            return;
        }
        r->items = items;
        r->cap = cap;
    }
    r->items[r->n++] = x;
}

/* Skips whitespace and comments from p; returns where code starts (or end). */
static const char *skip_blank(const char *p, const char *end) {
    for (;;) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
        } else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
            const char *q = p + 2;
            while (end - q >= 2 && !(q[0] == '*' && q[1] == '/'))
                q++;
            p = end - q >= 2 ? q + 2 : end;
        } else {
            return p;
        }
    }
}

/* The offset of the `--` that starts a comment on [ls, le), or NULL (quotes are skipped). */
static const char *line_comment(const char *ls, const char *le) {
    bool quoted = false;
    for (const char *p = ls; p < le; p++) {
        if (*p == '\'') quoted = !quoted;
        if (!quoted && le - p >= 2 && p[0] == '-' && p[1] == '-') return p;
    }
    return NULL;
}

/* The scope of a directive on a line of its own that ends at `after`. */
static void next_scope(const nf_cc_unit *u, uint32_t file, const char *text, const char *after,
                       const char *end, uint32_t *start, uint32_t *stop) {
    const char *code = skip_blank(after, end);
    uint32_t off = (uint32_t)(code - text);
    for (uint32_t i = 0; u && i < u->ndecls; i++) {
        const nf_cc_decl *d = u->decls[i];
        if (d->span.file == file && d->span.off == off) {
            *start = off;
            *stop = off + d->span.len;
            return;
        }
    }
    const char *nl = memchr(code, '\n', (size_t)(end - code));
    *start = off;
    *stop = (uint32_t)((nl ? nl : end) - text);
}

/* Reads "ignore[-file] NFnnnn[, NFnnnn]..." at p; adds a range per code. */
static void directive(ranges *r, const nf_cc_unit *u, uint32_t file, const char *text,
                      const char *ls, const char *comment, const char *p, const char *le,
                      const char *end) {
    bool whole_file = false;
    if (le - p >= 11 && strncmp(p, "ignore-file", 11) == 0) {
        whole_file = true;
        p += 11;
    } else if (le - p >= 6 && strncmp(p, "ignore", 6) == 0) {
        p += 6;
    } else {
        return;
    }
    uint32_t start, stop;
    if (whole_file) {
        start = 0;
        stop = (uint32_t)(end - text);
    } else if (skip_blank(ls, comment) < comment) { /* code before the comment: this line */
        start = (uint32_t)(ls - text);
        stop = (uint32_t)(le - text);
    } else {
        next_scope(u, file, text, le, end, &start, &stop);
    }
    while (p < le) {
        while (p < le && (*p == ' ' || *p == '\t' || *p == ','))
            p++;
        if (le - p < 6 || p[0] != 'N' || p[1] != 'F' || !isdigit((unsigned char)p[2])) return;
        unsigned code = (unsigned)strtoul(p + 2, NULL, 10);
        p += 2;
        while (p < le && isdigit((unsigned char)*p))
            p++;
        push(r, (range){file, start, stop, code});
    }
}

static void scan(ranges *r, const nf_cc_unit *u, uint32_t file, const nf_cc_source *src) {
    const char *text = src->text, *end = text + src->len;
    for (const char *ls = text; ls < end;) {
        const char *le = memchr(ls, '\n', (size_t)(end - ls));
        if (!le) le = end;
        const char *c = line_comment(ls, le);
        if (c) {
            const char *p = c + 2;
            while (p < le && (*p == ' ' || *p == '\t'))
                p++;
            if (le - p >= 5 && strncmp(p, "lint:", 5) == 0) {
                p += 5;
                while (p < le && (*p == ' ' || *p == '\t'))
                    p++;
                directive(r, u, file, text, ls, c, p, le, end);
            }
        }
        ls = le + 1;
    }
}

static bool suppressed(const ranges *r, const nf_cc_diag *g, const unsigned *disabled,
                       unsigned ndisabled) {
    for (unsigned i = 0; i < ndisabled; i++)
        if (disabled[i] == g->code) return true;
    for (unsigned i = 0; i < r->n; i++) {
        const range *x = &r->items[i];
        if (x->code == g->code && x->file == g->span.file && g->span.off >= x->start &&
            g->span.off < x->end)
            return true;
    }
    return false;
}

void nf_cc_lint_suppress(nf_cc_diags *d, nf_cc_sources *srcs, const nf_cc_unit *u,
                         const unsigned *disabled, unsigned ndisabled) {
    ranges r = {0};
    for (uint32_t f = 1; f < srcs->n; f++) /* file 0 is the built-in System module */
        scan(&r, u, f, &srcs->files[f]);
    if (r.oom) d->oom = true;
    /* a diagnostic's group is its parent's index: renumber the kept ones */
    unsigned *index = malloc((d->n + 1) * sizeof *index);
    if (!index) {
        d->oom = true;
        free(r.items);
        return;
    }
    unsigned out = 0;
    bool dropping = false;
    for (unsigned i = 0; i < d->n; i++) {
        nf_cc_diag *g = &d->items[i];
        if (g->sev != NF_SEV_NOTE)
            dropping = g->sev == NF_SEV_WARNING && suppressed(&r, g, disabled, ndisabled);
        if (dropping) {
            if (g->sev == NF_SEV_WARNING) d->nwarnings--;
            free(g->msg);
            continue;
        }
        index[i] = out;
        d->items[out++] = *g;
    }
    for (unsigned i = 0; i < out; i++)
        d->items[i].group = d->items[i].group < d->n ? index[d->items[i].group] : i;
    d->n = out;
    free(index);
    free(r.items);
}
