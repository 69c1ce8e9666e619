/* golden_runner.c — MDL golden tests: compiles the given files (a directory = all its .mdl
 * files, checked together) and compares the diagnostics with the expectations written in them:
 *
 *     declare $x Integer = 10 div 3;   -- expect error NF2004
 *     -- expect-next warning NF3006        (for the line that follows)
 *
 * Several expectations may share a line: `-- expect error NF2004, warning NF3006`.
 * A file without expectations must check clean (no errors, no warnings). Whatever checks clean
 * is also compiled, and the module must pass the loader's verifier. Files and directories named
 * lint_* (or any with --lint first) go through the linter (nf_cc_lint) instead of the plain
 * check, so their expectations include NF6xxx warnings. A `-- golden: tests` line checks the
 * files with their `create test` declarations. Exit 0 on a match;
 * otherwise every missing and unexpected diagnostic is listed with its message. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nf_bc.h"
#include "nf_compiler.h"

typedef struct expect {
    unsigned file, line, code;
    nf_cc_severity sev;
    bool matched;
} expect;

typedef struct expects {
    expect *items;
    unsigned n, cap;
} expects;

static void add_expect(expects *e, expect x) {
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 16;
        e->items = realloc(e->items, e->cap * sizeof *e->items);
        if (!e->items) exit(2);
    }
    e->items[e->n++] = x;
}

/* Parses "error NF1234, warning NF5678" after an expect marker. */
static void parse_items(expects *e, unsigned file, unsigned line, const char *p, const char *end) {
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ',' || *p == ':' || *p == '\t'))
            p++;
        nf_cc_severity sev;
        if (end - p >= 5 && strncmp(p, "error", 5) == 0)
            sev = NF_SEV_ERROR, p += 5;
        else if (end - p >= 7 && strncmp(p, "warning", 7) == 0)
            sev = NF_SEV_WARNING, p += 7;
        else
            return;
        while (p < end && *p == ' ')
            p++;
        if (end - p < 6 || p[0] != 'N' || p[1] != 'F') return;
        unsigned code = (unsigned)strtoul(p + 2, NULL, 10);
        p += 6;
        add_expect(e, (expect){file, line, code, sev, false});
    }
}

static void scan_expectations(expects *e, nf_cc_sources *srcs) {
    for (unsigned f = 1; f < srcs->n; f++) { /* file 0 is the built-in System module */
        const char *t = srcs->files[f].text, *end = t + srcs->files[f].len;
        unsigned line = 1;
        for (const char *ls = t; ls < end; line++) {
            const char *le = memchr(ls, '\n', (size_t)(end - ls));
            if (!le) le = end;
            for (const char *p = ls; p + 9 < le; p++) {
                if (strncmp(p, "-- expect", 9) != 0) continue;
                const char *q = p + 9;
                unsigned at = line;
                if (strncmp(q, "-next", 5) == 0) {
                    q += 5;
                    at = line + 1;
                }
                parse_items(e, f, at, q, le);
                break;
            }
            ls = le + 1;
        }
    }
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char **)a, *(char **)b);
}

static void add_path(nf_cc_compilation *c, const char *path) {
    struct stat st;
    const char *err;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        char *names[512];
        unsigned n = 0;
        struct dirent *ent;
        while (d && (ent = readdir(d)) && n < 512) {
            size_t len = strlen(ent->d_name);
            if (len > 4 && strcmp(ent->d_name + len - 4, ".mdl") == 0) {
                names[n] = malloc(strlen(path) + len + 2);
                sprintf(names[n], "%s/%s", path, ent->d_name);
                n++;
            }
        }
        if (d) closedir(d);
        qsort(names, n, sizeof names[0], cmp_name);
        for (unsigned i = 0; i < n; i++) {
            if (!nf_cc_add_file(c, names[i], &err)) {
                fprintf(stderr, "cannot read %s: %s\n", names[i], err);
                exit(2);
            }
            free(names[i]);
        }
        return;
    }
    if (!nf_cc_add_file(c, path, &err)) {
        fprintf(stderr, "cannot read %s: %s\n", path, err);
        exit(2);
    }
}

int main(int argc, char **argv) {
    bool lint = argc > 1 && strcmp(argv[1], "--lint") == 0;
    if (lint) argc--, argv++;
    if (argc < 2) {
        fprintf(stderr, "usage: golden_runner [--lint] FILE.mdl|DIR...\n");
        return 2;
    }
    const char *base = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
    if (strncmp(base, "lint_", 5) == 0) lint = true;
    nf_cc_compilation *c = nf_cc_new();
    for (int i = 1; i < argc; i++)
        add_path(c, argv[i]);
    /* a file with a `-- golden: tests` line is checked as `nanoflow test` checks: with its
     * `create test` declarations (docs/testing.md) */
    nf_cc_sources *all = nf_cc_sources_of(c);
    for (unsigned f = 1; f < all->n; f++)
        for (size_t k = 0; k + 16 <= all->files[f].len; k++)
            if (memcmp(all->files[f].text + k, "-- golden: tests", 16) == 0) {
                nf_cc_set_tests(c, true);
                break;
            }
    /* a clean check must also compile into a module that passes the loader and verifier */
    unsigned build_failures = 0;
    if (lint ? nf_cc_lint(c, NULL, 0) : nf_cc_check(c)) {
        nf_bc_module m, loaded;
        uint8_t *bytes = NULL;
        size_t len = 0;
        char err[256];
        if (nf_cc_build(c, &m)) {
            if (!nf_bc_write(&m, &bytes, &len)) {
                printf("BUILD      the module could not be written\n");
                build_failures++;
            } else if (!nf_bc_load(bytes, len, &loaded, err, sizeof err)) {
                printf("BUILD      the compiled module does not verify: %s\n", err);
                build_failures++;
            } else {
                nf_bc_free(&loaded);
            }
            free(bytes);
        }
    }
    nf_cc_sources *srcs = nf_cc_sources_of(c);
    nf_cc_diags *d = nf_cc_diagnostics(c);
    expects ex = {0};
    scan_expectations(&ex, srcs);
    unsigned failures = build_failures;
    for (unsigned i = 0; i < d->n; i++) {
        nf_cc_diag *g = &d->items[i];
        if (g->sev == NF_SEV_NOTE) continue;
        uint32_t line = 0, col = 0;
        if (g->span.file < srcs->n)
            nf_cc_source_position(&srcs->files[g->span.file], g->span.off, &line, &col);
        bool found = false;
        for (unsigned k = 0; k < ex.n && !found; k++) {
            expect *x = &ex.items[k];
            if (!x->matched && x->file == g->span.file && x->line == line && x->code == g->code &&
                x->sev == g->sev) {
                x->matched = true;
                found = true;
            }
        }
        if (!found) {
            const char *path = g->span.file < srcs->n ? srcs->files[g->span.file].path : "?";
            printf("UNEXPECTED %s:%u:%u: %s NF%04u: %s\n", path, line, col,
                   g->sev == NF_SEV_ERROR ? "error" : "warning", g->code, g->msg);
            failures++;
        }
    }
    for (unsigned k = 0; k < ex.n; k++) {
        expect *x = &ex.items[k];
        if (x->matched) continue;
        printf("MISSING    %s:%u: %s NF%04u\n", srcs->files[x->file].path, x->line,
               x->sev == NF_SEV_ERROR ? "error" : "warning", x->code);
        failures++;
    }
    if (d->dropped) {
        printf("TOO MANY   %u diagnostics were not stored\n", d->dropped);
        failures++;
    }
    printf("%s: %u expected diagnostic%s, %u mismatch%s\n", argv[1], ex.n, ex.n == 1 ? "" : "s",
           failures, failures == 1 ? "" : "es");
    free(ex.items);
    nf_cc_free(c);
    return failures ? 1 : 0;
}
