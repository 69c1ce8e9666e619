/* test_compat.c — specification of nf_bc_compat (`nanoflow compat`): what counts as breaking
 * (only what deployed clients see), rename hints, and indifference to declaration order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nf_bc.h"
#include "nf_compiler.h"

typedef struct side {
    nf_cc_compilation *c;
    nf_bc_module m;
} side;

static void build(side *s, const char *text) {
    s->c = nf_cc_new();
    assert_non_null(s->c);
    assert_true(nf_cc_add_source(s->c, "app.mdl", text, strlen(text)));
    assert_true(nf_cc_build(s->c, &s->m));
}

static nf_bc_changes compare(const char *old_text, const char *new_text) {
    side o, n;
    build(&o, old_text);
    build(&n, new_text);
    nf_bc_changes ch = {0};
    assert_true(nf_bc_compat(&o.m, &n.m, &ch));
    nf_cc_free(o.c);
    nf_cc_free(n.c);
    return ch;
}

/* The change of this kind and subject, or NULL. */
static const nf_bc_change *find(const nf_bc_changes *ch, const char *kind, const char *subject) {
    for (uint32_t i = 0; i < ch->n; i++)
        if (strcmp(ch->items[i].kind, kind) == 0 && strcmp(ch->items[i].subject, subject) == 0)
            return &ch->items[i];
    return NULL;
}

#define ENTITIES                                                                                   \
    "create module S;\n"                                                                           \
    "create persistent entity S.Visit (Note: String(100), Score: Integer);\n"                      \
    "create persistent entity S.Report (Title: String(100));\n"
#define USE "create nanoflow S.Use ($V: S.Visit) begin log info $V/Note; end;\n"

static void only_what_devices_see_is_breaking(void **state) {
    (void)state;
    /* S.Visit is offline (a nanoflow uses it), S.Report stays on the server */
    nf_bc_changes ch =
        compare(ENTITIES USE, "create module S;\n"
                              "create persistent entity S.Visit (Note: String(100));\n"
                              "create persistent entity S.Report (Year: Integer);\n" USE);
    const nf_bc_change *a = find(&ch, "attribute-removed", "S.Visit.Score");
    const nf_bc_change *b = find(&ch, "attribute-removed", "S.Report.Title");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a->breaking);
    assert_false(b->breaking);
    assert_int_equal(ch.nbreaking, 1);
    nf_bc_changes_free(&ch);
}

static void a_rename_is_a_removal_with_a_hint(void **state) {
    (void)state;
    nf_bc_changes ch = compare(
        ENTITIES USE, "create module S;\n"
                      "create persistent entity S.Visit (Remark: String(100), Score: Integer);\n"
                      "create persistent entity S.Report (Title: String(100));\n"
                      "create nanoflow S.Use ($V: S.Visit) begin log info $V/Remark; end;\n");
    const nf_bc_change *a = find(&ch, "attribute-removed", "S.Visit.Note");
    assert_non_null(a);
    assert_true(a->breaking);
    assert_non_null(strstr(a->message, "renamed to Remark?"));
    assert_non_null(find(&ch, "attribute-added", "S.Visit.Remark"));
    nf_bc_changes_free(&ch);
}

static void reordering_declarations_changes_nothing(void **state) {
    (void)state;
    nf_bc_changes ch =
        compare(ENTITIES USE,
                "create module S;\n" USE "create persistent entity S.Report (Title: String(100));\n"
                "create persistent entity S.Visit (Note: String(100), Score: Integer);\n");
    assert_int_equal(ch.n, 0);
    nf_bc_changes_free(&ch);
}

static void microflow_signatures_are_compared_by_name(void **state) {
    (void)state;
    const char *old_app =
        "create module S;\n"
        "create microflow S.MF ($A: Integer, $B: String) returns Boolean\n"
        "begin return true; end;\n"
        "create nanoflow S.N () begin\n"
        "  $R = call microflow S.MF(A = 1, B = 'x') on error without rollback begin\n"
        "    log info 'x';\n  end error;\nend;\n";
    /* the same parameters in another order: not a change for named arguments */
    const char *reordered =
        "create module S;\n"
        "create microflow S.MF ($B: String, $A: Integer) returns Boolean\n"
        "begin return true; end;\n"
        "create nanoflow S.N () begin\n"
        "  $R = call microflow S.MF(A = 1, B = 'x') on error without rollback begin\n"
        "    log info 'x';\n  end error;\nend;\n";
    nf_bc_changes ch = compare(old_app, reordered);
    assert_int_equal(ch.nbreaking, 0);
    nf_bc_changes_free(&ch);
    /* a microflow nanoflows no longer call but that still exists breaks nobody */
    ch = compare(old_app, "create module S;\n"
                          "create microflow S.MF ($A: Integer, $B: String) returns Boolean\n"
                          "begin return true; end;\n");
    assert_int_equal(ch.nbreaking, 0);
    nf_bc_changes_free(&ch);
    ch = compare(old_app, "create module S;\n");
    const nf_bc_change *r = find(&ch, "microflow-removed", "S.MF");
    assert_non_null(r);
    assert_true(r->breaking);
    nf_bc_changes_free(&ch);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_what_devices_see_is_breaking),
        cmocka_unit_test(a_rename_is_a_removal_with_a_hint),
        cmocka_unit_test(reordering_declarations_changes_nothing),
        cmocka_unit_test(microflow_signatures_are_compared_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
