/* test_diag.c — specification of diagnostics: the DESIGN §9 text format with source line and
 * caret, ordering, notes, the storage limit, and the code table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nf_compiler.h"

/* Checks text and renders its diagnostics (no color) into a heap string. */
static char *render(const char *text) {
    nf_cc_compilation *c = nf_cc_new();
    assert_non_null(c);
    assert_true(nf_cc_add_source(c, "app.mdl", text, strlen(text)));
    nf_cc_check(c);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    nf_cc_diags_print(nf_cc_diagnostics(c), nf_cc_sources_of(c), out, false);
    fclose(out);
    nf_cc_free(c);
    return buf;
}

static void an_error_names_file_line_column_code_and_shows_a_caret(void **state) {
    (void)state;
    char *out = render("create nanoflow M.F ()\nbegin\n  declare $x Integer = $y;\nend;");
    assert_string_equal(out, "app.mdl:3:24: error: unknown variable $y [NF1010]\n"
                             "      declare $x Integer = $y;\n"
                             "                           ^~\n");
    free(out);
}

static void columns_count_characters_not_bytes(void **state) {
    (void)state;
    char *out =
        render("create nanoflow M.F () begin log info 'é€'; declare $x Integer = $zz; end;");
    assert_non_null(strstr(out, "app.mdl:1:66:"));
    free(out);
}

static void notes_follow_their_diagnostic(void **state) {
    (void)state;
    char *out = render(
        "create nanoflow M.F () begin\n  declare $a Integer = 1;\n  declare $a Integer = 2;\nend;");
    const char *err = strstr(out, "app.mdl:3:11: error: variable $a already exists");
    const char *note = strstr(out, "app.mdl:2:11: note: $a is created here");
    assert_non_null(err);
    assert_non_null(note);
    assert_true(err < note);
    free(out);
}

static void diagnostics_are_sorted_by_position(void **state) {
    (void)state;
    /* the type error is found in a later pass than the syntax error below it */
    char *out = render("create nanoflow M.F () begin declare $a Integer = 'x'; end;\n"
                       "create nanoflow M.G () begin declare $b Integer = ; end;");
    const char *first = strstr(out, "app.mdl:1:");
    const char *second = strstr(out, "app.mdl:2:");
    assert_non_null(first);
    assert_non_null(second);
    assert_true(first < second);
    free(out);
}

static void the_store_is_capped_and_the_rest_counted(void **state) {
    (void)state;
    size_t n = 3000;
    char *text = malloc(n * 8 + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(text + i * 8, "bogus;\n\n", 8);
    text[n * 8] = '\0';
    nf_cc_compilation *c = nf_cc_new();
    assert_true(nf_cc_add_source(c, "flood.mdl", text, strlen(text)));
    assert_false(nf_cc_check(c));
    nf_cc_diags *d = nf_cc_diagnostics(c);
    assert_int_equal(d->nerrors, n);
    assert_int_equal(d->n, d->limit);
    assert_int_equal(d->dropped, n - d->limit);
    nf_cc_free(c);
    free(text);
}

static void every_code_has_a_severity_name_and_rule_text(void **state) {
    (void)state;
    unsigned n;
    const nf_cc_diag_info *t = nf_cc_diag_table(&n);
    assert_true(n > 50);
    for (unsigned i = 0; i < n; i++) {
        assert_true(t[i].code < 10000);
        if (i) assert_true(t[i].code > t[i - 1].code); /* ascending: lookup is a binary search */
        assert_true(strlen(t[i].text) > 5);
        assert_ptr_equal(nf_cc_diag_lookup(t[i].code), &t[i]);
    }
    assert_null(nf_cc_diag_lookup(9999));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_error_names_file_line_column_code_and_shows_a_caret),
        cmocka_unit_test(columns_count_characters_not_bytes),
        cmocka_unit_test(notes_follow_their_diagnostic),
        cmocka_unit_test(diagnostics_are_sorted_by_position),
        cmocka_unit_test(the_store_is_capped_and_the_rest_counted),
        cmocka_unit_test(every_code_has_a_severity_name_and_rule_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
