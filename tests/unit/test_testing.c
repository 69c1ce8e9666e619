/* test_testing.c — what `nanoflow test` needs from the compiler and the VM (docs/testing.md):
 * `create test` is left out unless tests are on; test statements become NanoflowTest action
 * calls; coverage probes are compiled only with coverage on, one per entry, branch and
 * handler; and the VM reports each probe it runs through the runtime's probe callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nf_bc.h"
#include "nf_compiler.h"
#include "std_api.h"

static const char app[] = "create module T;\n"
                          "create nanoflow T.Grade ($N: Integer) returns String\n" /* line 2 */
                          "begin\n"
                          "  if $N > 10 then\n" /* line 4: then */
                          "    return 'high';\n"
                          "  elsif $N > 5 then\n" /* line 6: elsif */
                          "    return 'mid';\n"
                          "  end if;\n" /* implicit else: the if's line 4 */
                          "  try\n"
                          "    declare $X Decimal = 1 div 0;\n"
                          "  catch\n"
                          "    return 'error: ' + $latestErrorType;\n" /* line 12: handler */
                          "  end try;\n"
                          "  return 'low';\n"
                          "end;\n"
                          "create test T.Test_Grade\n"
                          "begin\n"
                          "  $G = call nanoflow T.Grade(N = 20);\n"
                          "  assert $G = 'high' message 'twenty is high';\n"
                          "  network offline;\n"
                          "end;\n";

static nf_cc_compilation *compile(bool tests, bool coverage, nf_bc_module *out) {
    nf_cc_compilation *c = nf_cc_new();
    assert_non_null(c);
    assert_true(nf_cc_add_source(c, "app.mdl", app, sizeof app - 1));
    nf_cc_set_tests(c, tests);
    nf_cc_set_coverage(c, coverage);
    assert_true(nf_cc_build(c, out));
    return c;
}

static uint32_t flow_named(const nf_bc_module *m, const char *name) {
    for (uint32_t i = 0; i < m->nflows; i++)
        if (strcmp(m->strings[m->flows[i].name], name) == 0) return i;
    return NF_BC_NONE;
}

/* Probes of flow f by kind; NOPs that are not probes fail the test. */
static void probes(const nf_bc_module *m, uint32_t f, unsigned count[NF_PROBE_KIND_COUNT_]) {
    memset(count, 0, NF_PROBE_KIND_COUNT_ * sizeof count[0]);
    const nf_bc_flow *fl = &m->flows[f];
    for (uint32_t pc = 0; pc < fl->ncode; pc++) {
        if (NF_BC_OP(fl->code[pc]) != NF_OPC_NOP) continue;
        assert_int_equal(NF_BC_A(fl->code[pc]), 1);
        assert_true(NF_BC_B(fl->code[pc]) < NF_PROBE_KIND_COUNT_);
        count[NF_BC_B(fl->code[pc])]++;
    }
}

static void tests_are_left_out_without_test_mode(void **state) {
    (void)state;
    nf_bc_module m;
    nf_cc_compilation *c = compile(false, false, &m);
    assert_int_equal(flow_named(&m, "T.Test_Grade"), NF_BC_NONE);
    for (uint32_t i = 0; i < m.nactions; i++) /* only the System module's own actions */
        assert_true(strncmp(m.strings[m.actions[i].name], "System.", 7) == 0);
    assert_int_equal(nf_cc_test_count(c), 0);
    nf_cc_free(c);
}

static void test_statements_become_nanoflow_test_actions(void **state) {
    (void)state;
    nf_bc_module m;
    nf_cc_compilation *c = compile(true, false, &m);
    assert_int_equal(nf_cc_test_count(c), 1);
    uint32_t line = 0;
    assert_string_equal(nf_cc_test_name(c, 0, NULL, &line), "T.Test_Grade");
    assert_int_equal(line, 16);
    uint32_t t = flow_named(&m, "T.Test_Grade");
    assert_int_not_equal(t, NF_BC_NONE);
    assert_int_equal(m.flows[t].kind, NF_BF_NANOFLOW);
    bool assert_seen = false, network_seen = false;
    for (uint32_t i = 0; i < m.nactions; i++) {
        const char *n = m.strings[m.actions[i].name];
        if (strcmp(n, "NanoflowTest.Assert") == 0) {
            assert_seen = true;
            assert_int_equal(m.actions[i].nparams, 4);
            assert_string_equal(m.strings[m.actions[i].param_names[2]], "Expression");
        }
        network_seen |= strcmp(n, "NanoflowTest.Network") == 0;
    }
    assert_true(assert_seen && network_seen);
    unsigned count[NF_PROBE_KIND_COUNT_];
    probes(&m, flow_named(&m, "T.Grade"), count);
    for (unsigned k = 0; k < NF_PROBE_KIND_COUNT_; k++)
        assert_int_equal(count[k], 0); /* no coverage: no probes */
    nf_cc_free(c);
}

static void coverage_puts_one_probe_per_entry_branch_and_handler(void **state) {
    (void)state;
    nf_bc_module m;
    nf_cc_compilation *c = compile(true, true, &m);
    unsigned count[NF_PROBE_KIND_COUNT_];
    probes(&m, flow_named(&m, "T.Grade"), count);
    assert_int_equal(count[NF_PROBE_ENTRY], 1);
    assert_int_equal(count[NF_PROBE_THEN], 1);
    assert_int_equal(count[NF_PROBE_ELSIF], 1);
    assert_int_equal(count[NF_PROBE_ELSE], 0);
    assert_int_equal(count[NF_PROBE_IMPLICIT_ELSE], 1);
    assert_int_equal(count[NF_PROBE_WHEN], 0);
    assert_int_equal(count[NF_PROBE_HANDLER], 1);
    nf_cc_free(c);
}

typedef struct hits {
    uint32_t flow;
    unsigned kinds[NF_PROBE_KIND_COUNT_];
    const nf_bc_module *m;
} hits;

static void on_probe(void *ud, uint32_t flow, uint32_t pc) {
    hits *h = ud;
    if (flow != h->flow) return;
    h->kinds[NF_BC_B(h->m->flows[flow].code[pc])]++;
}

static void the_vm_reports_the_probes_it_runs(void **state) {
    (void)state;
    nf_bc_module bc;
    nf_cc_compilation *c = compile(true, true, &bc);
    uint8_t *bytes;
    size_t len;
    assert_true(nf_bc_write(&bc, &bytes, &len));
    nf_module *mod;
    assert_int_equal(nf_module_load(bytes, len, &mod, NULL), NF_OK); /* probes verify */
    free(bytes);
    nf_runtime *rt;
    assert_int_equal(nf_runtime_new(mod, NULL, &rt, NULL), NF_OK);
    hits h = {flow_named(&mod->bc, "T.Grade"), {0}, &mod->bc};
    rt->vm->cfg.probe = on_probe;
    rt->vm->cfg.probe_ud = &h;
    const char *names[] = {"N"}, *six[] = {"6"}, *one[] = {"1"};
    nf_value *r = NULL;
    assert_int_equal(nf_call_text(rt, "T.Grade", names, six, 1, &r), NF_OK);
    assert_string_equal(nf_value_as_string(r), "mid");
    nf_value_free(r);
    assert_int_equal(h.kinds[NF_PROBE_ENTRY], 1);
    assert_int_equal(h.kinds[NF_PROBE_ELSIF], 1);
    assert_int_equal(h.kinds[NF_PROBE_THEN] + h.kinds[NF_PROBE_IMPLICIT_ELSE], 0);
    assert_int_equal(nf_call_text(rt, "T.Grade", names, one, 1, &r), NF_OK);
    assert_string_equal(nf_value_as_string(r), "error: RuntimeError");
    nf_value_free(r);
    assert_int_equal(h.kinds[NF_PROBE_IMPLICIT_ELSE], 1);
    assert_int_equal(h.kinds[NF_PROBE_HANDLER], 1);
    assert_int_equal(h.kinds[NF_PROBE_THEN], 0);
    nf_runtime_free(rt);
    nf_module_free(mod);
    nf_cc_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tests_are_left_out_without_test_mode),
        cmocka_unit_test(test_statements_become_nanoflow_test_actions),
        cmocka_unit_test(coverage_puts_one_probe_per_entry_branch_and_handler),
        cmocka_unit_test(the_vm_reports_the_probes_it_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
