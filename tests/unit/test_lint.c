/* test_lint.c — specification of the linter (nf_cc_lint, docs/lint.md): lints run only through
 * nf_cc_lint and only on sources without errors, the commit-order analysis, and suppression by
 * code and by comment (line, next declaration, whole file) with notes dropped alongside. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nf_compiler.h"

#define MODEL                                                                                      \
    "create module M;\n"                                                                           \
    "create persistent entity M.Order (Total: Decimal);\n"                                         \
    "create persistent entity M.Line (Qty: Integer);\n"                                            \
    "create association M.Line_Order from M.Line to M.Order;\n"

/* Lints text; returns how many diagnostics of code there are (all severities) and, via *c,
 * keeps the compilation when asked. */
static unsigned count(nf_cc_compilation *c, unsigned code) {
    nf_cc_diags *d = nf_cc_diagnostics(c);
    unsigned n = 0;
    for (unsigned i = 0; i < d->n; i++)
        n += d->items[i].code == code;
    return n;
}

static nf_cc_compilation *lint(const char *text, const unsigned *disabled, unsigned n, bool *ok) {
    nf_cc_compilation *c = nf_cc_new();
    assert_non_null(c);
    assert_true(nf_cc_add_source(c, "app.mdl", text, strlen(text)));
    *ok = nf_cc_lint(c, disabled, n);
    return c;
}

static const char *const unhandled_sync =
    MODEL "create nanoflow M.Sync ()\nbegin\n  synchronize all;\nend;\n";

static void check_alone_reports_no_lints(void **state) {
    (void)state;
    nf_cc_compilation *c = nf_cc_new();
    assert_true(nf_cc_add_source(c, "app.mdl", unhandled_sync, strlen(unhandled_sync)));
    assert_true(nf_cc_check(c));
    assert_int_equal(count(c, 6001), 0);
    nf_cc_free(c);
    bool ok;
    c = lint(unhandled_sync, NULL, 0, &ok);
    assert_true(ok);
    assert_int_equal(count(c, 6001), 1);
    assert_int_equal(nf_cc_diagnostics(c)->nwarnings, 1);
    nf_cc_free(c);
}

static void sources_with_errors_are_not_linted(void **state) {
    (void)state;
    bool ok;
    nf_cc_compilation *c = lint(MODEL "create nanoflow M.Sync ()\nbegin\n  synchronize all;\n"
                                      "  declare $x Integer = $nope;\nend;\n",
                                NULL, 0, &ok);
    assert_false(ok);
    assert_int_equal(count(c, 1010), 1);
    assert_int_equal(count(c, 6001), 0);
    nf_cc_free(c);
}

static void commit_order_follows_paths(void **state) {
    (void)state;
    bool ok;
    /* straight line, wrong order: one warning with a note on the referenced object */
    nf_cc_compilation *c = lint(MODEL "create nanoflow M.A ()\nbegin\n"
                                      "  $O = create M.Order (Total = 1);\n"
                                      "  $L = create M.Line (Qty = 1, M.Line_Order = $O);\n"
                                      "  commit $L;\n  commit $O;\n"
                                      "  synchronize all on error without rollback begin\n"
                                      "    log info 'x';\n  end error;\nend;\n",
                                NULL, 0, &ok);
    assert_int_equal(count(c, 6004), 1);
    nf_cc_diags *d = nf_cc_diagnostics(c);
    bool noted = false;
    for (unsigned i = 0; i + 1 < d->n; i++)
        if (d->items[i].code == 6004 && d->items[i + 1].sev == NF_SEV_NOTE) noted = true;
    assert_true(noted);
    nf_cc_free(c);
    /* a sub-nanoflow that receives the object may commit it: no warning */
    c = lint(MODEL "create nanoflow M.Save ($O: M.Order)\nbegin\n  commit $O;\nend;\n"
                   "create nanoflow M.B ()\nbegin\n"
                   "  $O = create M.Order (Total = 1);\n"
                   "  $L = create M.Line (Qty = 1, M.Line_Order = $O);\n"
                   "  call nanoflow M.Save(O = $O);\n  commit $L;\n"
                   "  try\n    synchronize all;\n  catch\n    log info 'x';\n  end try;\nend;\n",
             NULL, 0, &ok);
    assert_true(ok);
    assert_int_equal(count(c, 6004), 0);
    assert_int_equal(nf_cc_diagnostics(c)->nwarnings, 0);
    nf_cc_free(c);
    /* committed inside a loop only: it may not have been */
    c = lint(MODEL "create nanoflow M.C ($Lines: List of M.Line)\nbegin\n"
                   "  $O = create M.Order (Total = 1);\n"
                   "  loop $X in $Lines begin\n    commit $O;\n  end loop;\n"
                   "  $L = create M.Line (Qty = 1, M.Line_Order = $O);\n  commit $L;\nend;\n",
             NULL, 0, &ok);
    assert_int_equal(count(c, 6004), 1);
    nf_cc_free(c);
}

static void disabled_codes_are_dropped(void **state) {
    (void)state;
    bool ok;
    unsigned off[] = {6001};
    nf_cc_compilation *c = lint(unhandled_sync, off, 1, &ok);
    assert_true(ok);
    assert_int_equal(count(c, 6001), 0);
    assert_int_equal(nf_cc_diagnostics(c)->nwarnings, 0);
    nf_cc_free(c);
}

static void comments_suppress_a_line_a_declaration_or_a_file(void **state) {
    (void)state;
    bool ok;
    nf_cc_compilation *c =
        lint(MODEL "create nanoflow M.A ()\nbegin\n  synchronize all; -- lint: ignore NF6001\n"
                   "  synchronize all; -- lint: ignore NF6002\n"
                   "  -- lint: ignore NF6001\n  synchronize all;\n  synchronize all;\nend;\n"
                   "-- lint: ignore NF6001 (whole declaration)\n"
                   "create nanoflow M.B ()\nbegin\n  synchronize all;\n  synchronize all;\nend;\n",
             NULL, 0, &ok);
    assert_int_equal(count(c, 6001), 2); /* line 8 (another code) and line 11 */
    nf_cc_diags *d = nf_cc_diagnostics(c);
    uint32_t line, col;
    nf_cc_source_position(&nf_cc_sources_of(c)->files[1], d->items[0].span.off, &line, &col);
    assert_int_equal(line, 8);
    nf_cc_source_position(&nf_cc_sources_of(c)->files[1], d->items[1].span.off, &line, &col);
    assert_int_equal(line, 11);
    nf_cc_free(c);
    c = lint("-- lint: ignore-file NF6001\n" MODEL
             "create nanoflow M.A ()\nbegin\n  synchronize all;\nend;\n",
             NULL, 0, &ok);
    assert_int_equal(nf_cc_diagnostics(c)->nwarnings, 0);
    nf_cc_free(c);
}

static void a_quoted_directive_is_text(void **state) {
    (void)state;
    bool ok;
    nf_cc_compilation *c =
        lint(MODEL "create nanoflow M.A ()\nbegin\n"
                   "  synchronize all; log info '-- lint: ignore NF6001';\nend;\n",
             NULL, 0, &ok);
    assert_int_equal(count(c, 6001), 1);
    nf_cc_free(c);
}

static void suppressing_keeps_notes_with_their_warning(void **state) {
    (void)state;
    bool ok;
    /* the NF6004 warning has a note; suppressing NF6011 before it must not orphan it */
    nf_cc_compilation *c = lint(MODEL "create nanoflow M.A ()\nbegin\n"
                                      "  $O = create M.Order (Total = 1);\n"
                                      "  commit $O; -- lint: ignore NF6011\n"
                                      "  $L = create M.Line (Qty = 1, M.Line_Order = $O);\n"
                                      "  $P = create M.Order (Total = 2);\n"
                                      "  change $L (M.Line_Order = $P);\n  commit $L;\nend;\n",
                                NULL, 0, &ok);
    nf_cc_diags *d = nf_cc_diagnostics(c);
    assert_int_equal(count(c, 6011), 0);
    assert_int_equal(count(c, 6004), 1);
    for (unsigned i = 0; i < d->n; i++)
        assert_true(d->items[i].group <= i);
    nf_cc_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_alone_reports_no_lints),
        cmocka_unit_test(sources_with_errors_are_not_linted),
        cmocka_unit_test(commit_order_follows_paths),
        cmocka_unit_test(disabled_codes_are_dropped),
        cmocka_unit_test(comments_suppress_a_line_a_declaration_or_a_file),
        cmocka_unit_test(a_quoted_directive_is_text),
        cmocka_unit_test(suppressing_keeps_notes_with_their_warning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
