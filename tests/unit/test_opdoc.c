/* test_opdoc.c — docs/opcodes.md is what nf_bc_opcodes_markdown() generates from the X-macro
 * tables, and its section headings follow the section comments of bytecode/opcodes.def. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bc_opdoc.h"
#include "nf_bc.h"

#define REGENERATE                                                                                 \
    "docs/opcodes.md is out of date: regenerate it with `cmake --build <build dir> --target "      \
    "docs-opcodes` and commit the result"

static const char *source_dir(void) {
    const char *d = getenv("NF_SOURCE_DIR");
    if (!d) fail_msg("NF_SOURCE_DIR is not set (ctest sets it)");
    return d;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    return buf;
}

/* The caller's variable receives the text (open_memstream writes through its address; a local
 * of this function would look dangling to gcc's -Wdangling-pointer once inlined). */
static void generate(char **text, size_t *len) {
    *text = NULL;
    FILE *f = open_memstream(text, len);
    assert_non_null(f);
    nf_bc_opcodes_markdown(f);
    assert_int_equal(fclose(f), 0);
    assert_non_null(*text);
}

static void committed_file_is_current(void **state) {
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/opcodes.md", source_dir());
    char *doc = slurp(path);
    if (!doc) fail_msg("cannot read %s; " REGENERATE, path);
    size_t len;
    char *gen;
    generate(&gen, &len);
    if (strlen(doc) != len || memcmp(doc, gen, len) != 0) {
        /* show the first line that differs */
        size_t line = 1, i = 0;
        while (doc[i] && i < len && doc[i] == gen[i]) {
            if (doc[i] == '\n') line++;
            i++;
        }
        size_t s = i;
        while (s > 0 && gen[s - 1] != '\n')
            s--;
        const char *dl = doc + s, *gl = gen + s;
        int dn = (int)strcspn(dl, "\n"), gn = (int)strcspn(gl, "\n");
        fprintf(stderr, "first difference at line %zu\n  committed: %.*s\n  generated: %.*s\n",
                line, dn, dl, gn, gl);
        free(doc);
        free(gen);
        fail_msg(REGENERATE);
    }
    free(doc);
    free(gen);
}

static void every_opcode_and_builtin_has_a_row(void **state) {
    (void)state;
    size_t len;
    char *gen;
    generate(&gen, &len);
    char row[128];
    for (unsigned op = 0; op < NF_OPC_COUNT_; op++) {
        snprintf(row, sizeof row, "\n| %u | `%s` |", op, nf_bc_opinfo_table[op].name);
        if (!strstr(gen, row)) fail_msg("no row for opcode %s", nf_bc_opinfo_table[op].name);
    }
    for (unsigned fn = 0; fn < NF_FN_COUNT_; fn++) {
        snprintf(row, sizeof row, "\n| %u | `", fn);
        const char *at = strstr(gen, "## Built-in function forms");
        assert_non_null(at);
        if (!strstr(at, row)) fail_msg("no row for built-in form %u", fn);
    }
    free(gen);
}

/* The headings of the opcode tables are the `---- title ----` comments of opcodes.def, each
 * followed by the same first opcode, and there are no others. */
static void groups_follow_the_comments_of_opcodes_def(void **state) {
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/bytecode/opcodes.def", source_dir());
    char *def = slurp(path);
    assert_non_null(def);
    size_t len;
    char *gen;
    generate(&gen, &len);
    const char *ops = strstr(gen, "\n## Opcodes\n");
    const char *end = strstr(gen, "\n## Built-in function forms");
    assert_non_null(ops);
    assert_non_null(end);
    unsigned ncomments = 0, nheadings = 0;
    for (const char *h = ops; (h = strstr(h, "\n### ")) && h < end; h++)
        nheadings++;
    const char *p = def;
    while ((p = strstr(p, "\n/* ---- ")) != NULL) {
        p += strlen("\n/* ---- ");
        const char *e = strstr(p, " ---");
        assert_non_null(e);
        char title[256];
        snprintf(title, sizeof title, "%.*s", (int)(e - p), p);
        const char *op = strstr(e, "\nOP(");
        assert_non_null(op);
        op += 4;
        char first[64];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(op, ", "), op);
        ncomments++;
        /* the heading: the title with its first letter capitalized, Markdown-escaped */
        char want[600];
        size_t w = 0;
        want[w++] = '\n';
        want[w++] = '#';
        want[w++] = '#';
        want[w++] = '#';
        want[w++] = ' ';
        for (const char *t = title; *t && w < sizeof want - 6; t++) {
            if (*t == '<') {
                memcpy(want + w, "&lt;", 4);
                w += 4;
                continue;
            }
            if (strchr("|*_`\\", *t)) want[w++] = '\\';
            want[w++] = t == title && *t >= 'a' && *t <= 'z' ? (char)(*t - 'a' + 'A') : *t;
        }
        want[w++] = '\n';
        want[w] = '\0';
        const char *h = strstr(ops, want);
        if (!h || h > end)
            fail_msg("opcodes.def section '%s' has no heading in docs/opcodes.md: add (or correct) "
                     "{\"%s\", "
                     "\"%s\"} to `groups` in bytecode/bc_opdoc.c",
                     title, first, title);
        const char *row = strstr(h, " | `");
        assert_non_null(row);
        row += 4;
        if (strncmp(row, first, strlen(first)) != 0 || row[strlen(first)] != '`')
            fail_msg("opcodes.def section '%s' starts with %s, but its table in docs/opcodes.md "
                     "does not: update `groups` in bytecode/bc_opdoc.c",
                     title, first);
    }
    if (ncomments != nheadings)
        fail_msg("opcodes.def has %u section comments but docs/opcodes.md has %u opcode headings: "
                 "update `groups` in bytecode/bc_opdoc.c",
                 ncomments, nheadings);
    free(def);
    free(gen);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(committed_file_is_current),
        cmocka_unit_test(every_opcode_and_builtin_has_a_row),
        cmocka_unit_test(groups_follow_the_comments_of_opcodes_def),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
