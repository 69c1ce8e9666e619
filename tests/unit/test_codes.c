/* test_codes.c — every diagnostic code is documented in docs/language.md and exercised by at
 * least one golden file in tests/golden/ (an `-- expect error|warning NFnnnn` comment). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cc_diag.h"

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

/* Appends the contents of every .mdl file under dir to *all. */
static void slurp_tree(const char *dir, char **all, size_t *len) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            slurp_tree(path, all, len);
            continue;
        }
        size_t n = strlen(ent->d_name);
        if (n < 4 || strcmp(ent->d_name + n - 4, ".mdl") != 0) continue;
        char *text = slurp(path);
        if (!text) continue;
        size_t k = strlen(text);
        *all = realloc(*all, *len + k + 2);
        memcpy(*all + *len, text, k);
        *len += k;
        (*all)[(*len)++] = '\n';
        (*all)[*len] = '\0';
        free(text);
    }
    closedir(d);
}

static const char *source_dir(void) {
    const char *d = getenv("NF_SOURCE_DIR");
    if (!d) fail_msg("NF_SOURCE_DIR is not set (ctest sets it)");
    return d;
}

static void every_code_is_documented_in_language_md(void **state) {
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/language.md", source_dir());
    char *doc = slurp(path);
    assert_non_null(doc);
    unsigned n, missing = 0;
    const nf_cc_diag_info *t = nf_cc_diag_table(&n);
    for (unsigned i = 0; i < n; i++) {
        char code[16];
        snprintf(code, sizeof code, "| NF%04u |", t[i].code);
        if (!strstr(doc, code)) {
            fprintf(stderr, "NF%04u (%s) has no row in docs/language.md\n", t[i].code, t[i].name);
            missing++;
        }
    }
    free(doc);
    assert_int_equal(missing, 0);
}

static void every_code_has_a_golden_test(void **state) {
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/golden", source_dir());
    char *all = NULL;
    size_t len = 0;
    slurp_tree(dir, &all, &len);
    assert_non_null(all);
    unsigned n, missing = 0;
    const nf_cc_diag_info *t = nf_cc_diag_table(&n);
    for (unsigned i = 0; i < n; i++) {
        char e[32], w[32];
        snprintf(e, sizeof e, "error NF%04u", t[i].code);
        snprintf(w, sizeof w, "warning NF%04u", t[i].code);
        if (!strstr(all, e) && !strstr(all, w)) {
            fprintf(stderr, "NF%04u (%s) is exercised by no golden file\n", t[i].code, t[i].name);
            missing++;
        }
    }
    free(all);
    assert_int_equal(missing, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_is_documented_in_language_md),
        cmocka_unit_test(every_code_has_a_golden_test),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
