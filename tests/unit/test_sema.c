/* test_sema.c — specification of semantic analysis: the model it builds (entities with
 * inherited members, associations in both directions, flow signatures, variables and their
 * types) and the typing rules of the expression language. Rule-by-rule diagnostics are
 * covered by the golden files in tests/golden/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cc_model.h"
#include "nf_compiler.h"

static const char *domain =
    "create module Shop;\n"
    "create enumeration Shop.Status (Open, Closed);\n"
    "create persistent entity Shop.Party (Name: String(100));\n"
    "create persistent entity Shop.Customer extends Shop.Party (Vip: Boolean default false);\n"
    "create persistent entity Shop.Order (Number: Integer, Total: Decimal, Status: "
    "Enumeration(Shop.Status),\n"
    "  Placed: DateTime);\n"
    "create association Shop.Order_Customer from Shop.Order to Shop.Customer;\n";

static nf_cc_compilation *check(const char *flows, bool want_ok) {
    nf_cc_compilation *c = nf_cc_new();
    assert_true(nf_cc_add_source(c, "domain.mdl", domain, strlen(domain)));
    assert_true(nf_cc_add_source(c, "flows.mdl", flows, strlen(flows)));
    bool ok = nf_cc_check(c);
    if (ok != want_ok) nf_cc_diags_print(nf_cc_diagnostics(c), nf_cc_sources_of(c), stderr, false);
    assert_int_equal(ok, want_ok);
    return c;
}

static nf_cc_flow *flow(nf_cc_compilation *c, const char *name) {
    const nf_cc_model *m = nf_cc_model_of(c);
    assert_non_null(m);
    for (uint32_t i = 0; i < m->flows.n; i++) {
        nf_cc_flow *f = m->flows.items[i];
        if (strcmp(f->name->s, name) == 0) return f;
    }
    fail_msg("flow %s not found", name);
    return NULL;
}

static nf_cc_var *var(nf_cc_flow *f, const char *name) {
    for (uint32_t i = 0; i < f->nvars; i++)
        if (strcmp(f->vars[i]->name->s, name) == 0) return f->vars[i];
    fail_msg("variable %s not found", name);
    return NULL;
}

static const char *type_of(nf_cc_flow *f, const char *name) {
    static char buf[160];
    return nf_cc_type_name(var(f, name)->type, buf, sizeof buf);
}

static void specializations_inherit_attributes(void **state) {
    (void)state;
    nf_cc_compilation *c = check("create nanoflow Shop.F ($C: Shop.Customer) returns String\n"
                                 "begin return $C/Name; end;",
                                 true);
    nf_cc_flow *f = flow(c, "Shop.F");
    assert_string_equal(type_of(f, "C"), "Shop.Customer");
    nf_cc_free(c);
}

static void associations_are_followed_both_ways(void **state) {
    (void)state;
    nf_cc_compilation *c =
        check("create nanoflow Shop.F ($O: Shop.Order, $C: Shop.Customer) begin\n"
              "  retrieve $Cust from $O/Shop.Order_Customer;\n" /* forward Reference: one object */
              "  retrieve $Orders from $C/Shop.Order_Customer;\n" /* reverse: a list */
              "  declare $N String = $O/Shop.Order_Customer/Name;\n"
              "end;",
              true);
    nf_cc_flow *f = flow(c, "Shop.F");
    assert_string_equal(type_of(f, "Cust"), "Shop.Customer");
    assert_string_equal(type_of(f, "Orders"), "List of Shop.Order");
    nf_cc_free(c);
}

static void retrieves_bind_lists_unless_first(void **state) {
    (void)state;
    nf_cc_compilation *c =
        check("create nanoflow Shop.F () begin\n"
              "  retrieve $All from Shop.Order where [Status = 'Open'];\n"
              "  retrieve $One from Shop.Order where [Number > 10] sort by Number desc first;\n"
              "end;",
              true);
    nf_cc_flow *f = flow(c, "Shop.F");
    assert_string_equal(type_of(f, "All"), "List of Shop.Order");
    assert_string_equal(type_of(f, "One"), "Shop.Order");
    nf_cc_free(c);
}

static void arithmetic_widens_and_division_is_decimal(void **state) {
    (void)state;
    nf_cc_compilation *c = check(
        "create microflow Shop.F ($O: Shop.Order) begin\n"
        "  declare $a Integer = $O/Number * 2 + 1;\n"
        "  declare $b Decimal = $O/Number + $O/Total;\n"
        "  declare $c Decimal = 7 div 2;\n"
        "  declare $d String = 'n=' + $O/Number + ' t=' + $O/Total;\n"
        "  declare $e Boolean = $O/Placed < [%CurrentDateTime%] and $O/Status = Shop.Status.Open;\n"
        "  declare $f Integer = round($O/Total);\n"
        "  declare $g Decimal = round($O/Total, 2);\n"
        "  declare $h Integer = if $e then 1 else length('abc');\n"
        "end;",
        true);
    nf_cc_free(c);
}

static void loops_give_their_variable_the_element_type(void **state) {
    (void)state;
    nf_cc_compilation *c =
        check("create nanoflow Shop.F ($L: List of Shop.Order) returns Decimal begin\n"
              "  declare $t Decimal = 0;\n"
              "  loop $O in $L begin\n    set $t = $t + $O/Total;\n  end loop;\n"
              "  $Big = filter $L where $currentObject/Total > 100;\n"
              "  $n = count $Big;\n  $s = sum $L by Total;\n  $any = any $L where "
              "$currentObject/Number = 3;\n"
              "  return $t;\nend;",
              true);
    nf_cc_flow *f = flow(c, "Shop.F");
    assert_string_equal(type_of(f, "O"), "Shop.Order");
    assert_true(var(f, "O")->dead); /* not visible after the loop */
    assert_string_equal(type_of(f, "Big"), "List of Shop.Order");
    assert_string_equal(type_of(f, "n"), "Integer");
    assert_string_equal(type_of(f, "s"), "Decimal");
    assert_string_equal(type_of(f, "any"), "Boolean");
    nf_cc_free(c);
}

static void find_with_a_list_is_a_list_operation_with_a_string_a_function(void **state) {
    (void)state;
    nf_cc_compilation *c = check("create nanoflow Shop.F ($L: List of Shop.Order) begin\n"
                                 "  $First = find($L, $currentObject/Number = 1);\n"
                                 "  declare $i Integer = 0;\n"
                                 "  set $i = find('abc', 'b');\n"
                                 "end;",
                                 true);
    nf_cc_flow *f = flow(c, "Shop.F");
    assert_string_equal(type_of(f, "First"), "Shop.Order");
    assert_string_equal(type_of(f, "i"), "Integer");
    nf_cc_free(c);
}

static void nanoflows_make_their_entities_offline(void **state) {
    (void)state;
    nf_cc_compilation *c =
        check("create nanoflow Shop.F ($O: Shop.Order) begin commit $O; end;\n"
              "create microflow Shop.M ($C: Shop.Customer) begin commit $C; end;",
              true);
    const nf_cc_model *m = nf_cc_model_of(c);
    for (uint32_t i = 0; i < m->entities.n; i++) {
        nf_cc_entity *e = m->entities.items[i];
        if (strcmp(e->name->s, "Shop.Order") == 0) assert_true(e->offline);
        if (strcmp(e->name->s, "Shop.Customer") == 0) assert_false(e->offline);
    }
    nf_cc_free(c);
}

static void errors_do_not_cascade(void **state) {
    (void)state;
    /* one unknown variable: its uses produce no further errors */
    nf_cc_compilation *c = check("create nanoflow Shop.F () begin\n"
                                 "  declare $a Decimal = $nope / Total + 1;\n"
                                 "  declare $b Boolean = $nope2 > 3 and $a > 1;\n"
                                 "end;",
                                 false);
    assert_int_equal(nf_cc_diagnostics(c)->nerrors, 2);
    nf_cc_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(specializations_inherit_attributes),
        cmocka_unit_test(associations_are_followed_both_ways),
        cmocka_unit_test(retrieves_bind_lists_unless_first),
        cmocka_unit_test(arithmetic_widens_and_division_is_decimal),
        cmocka_unit_test(loops_give_their_variable_the_element_type),
        cmocka_unit_test(find_with_a_list_is_a_list_operation_with_a_string_a_function),
        cmocka_unit_test(nanoflows_make_their_entities_offline),
        cmocka_unit_test(errors_do_not_cascade),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
