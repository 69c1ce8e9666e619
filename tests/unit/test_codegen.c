/* test_codegen.c — specification of the code generator's limits and of the model hash. The bytecode
 * names registers, members and descriptors in 8-bit operands and loop offsets in 16 bits; an app
 * past a limit gets an NF9001 error at the construct that does not fit, and never a module that
 * does something else (an operand that wrapped around) or one the loader rejects. Just inside every
 * limit the app compiles to a module that loads and verifies.
 *
 * The apps are generated: each test builds its MDL text with a loop.
 *
 * nf_cc_build without nf_cc_check parses, checks and generates flow by flow: it must give the
 * same module and the same diagnostics as checking every flow first. */
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

/* ---- MDL text ---------------------------------------------------------------------------------
 */

typedef struct text {
    char *p;
    size_t n, cap;
} text;

static void add(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void add(text *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(k >= 0);
    if (t->n + (size_t)k + 1 > t->cap) {
        t->cap = (t->n + (size_t)k + 1) * 2;
        t->p = realloc(t->p, t->cap);
        assert_non_null(t->p);
    }
    va_start(ap, fmt);
    vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)k;
}

/* ---- compiling ------------------------------------------------------------------------------ */

typedef struct result {
    bool built;
    unsigned nerrors;
    char first[512]; /* "LINE: message [NFnnnn]" of the first error */
    uint8_t *bytes;  /* the written module when built */
    size_t len;
} result;

static result compile(text *t) {
    result r = {0};
    nf_cc_compilation *c = nf_cc_new();
    assert_non_null(c);
    assert_true(nf_cc_add_source(c, "gen.mdl", t->p, t->n));
    nf_bc_module m;
    r.built = nf_cc_build(c, &m);
    nf_cc_diags *d = nf_cc_diagnostics(c);
    r.nerrors = d->nerrors;
    for (unsigned i = 0; i < d->n; i++)
        if (d->items[i].sev == NF_SEV_ERROR) {
            uint32_t line, col;
            nf_cc_source_position(&nf_cc_sources_of(c)->files[d->items[i].span.file],
                                  d->items[i].span.off, &line, &col);
            snprintf(r.first, sizeof r.first, "%u: %s [NF%04u]", line, d->items[i].msg,
                     d->items[i].code);
            break;
        }
    if (r.built) assert_true(nf_bc_write(&m, &r.bytes, &r.len));
    nf_cc_free(c);
    free(t->p);
    return r;
}

/* Fails unless the app compiled to a module that loads (and so verifies). */
static void require_loads(result *r) {
    if (!r->built) fail_msg("does not compile: %s", r->first);
    nf_bc_module m;
    char err[256];
    if (!nf_bc_load(r->bytes, r->len, &m, err, sizeof err)) fail_msg("does not load: %s", err);
    nf_bc_free(&m);
    free(r->bytes);
}

/* Fails unless the one error is NF9001 on `line` and its message contains `words`. */
static void require_limit_error(result *r, unsigned line, const char *words) {
    if (r->built) fail_msg("compiled, but it is past a limit");
    char want[32];
    snprintf(want, sizeof want, "%u: ", line);
    if (r->nerrors != 1 || strncmp(r->first, want, strlen(want)) != 0 ||
        !strstr(r->first, "[NF9001]") || !strstr(r->first, words))
        fail_msg("expected one NF9001 error on line %u about '%s', got %u errors, first: %s", line,
                 words, r->nerrors, r->first);
}

/* ---- loop bodies: FORLIST jumps back at most 32,767 instructions ------------------------------
 */

/* A for-each whose body is `n` statements of 3 instructions each (GETA, ADD_I, ADDI_I); the loop
 * is on line 6. */
static text long_loop(unsigned n) {
    text t = {0};
    add(&t, "create module M;\ncreate persistent entity M.E (N: Integer);\n"
            "create nanoflow M.Big ($L: List of M.E) returns Integer\nbegin\n"
            "  declare $S Integer = 0;\n  loop $It in $L\n  begin\n");
    for (unsigned i = 0; i < n; i++)
        add(&t, "    set $S = $S + $It/N + 1;\n");
    add(&t, "  end loop;\n  return $S;\nend;\n");
    return t;
}

static void a_loop_body_too_long_for_forlist_is_reported_at_the_loop(void **state) {
    (void)state;
    text t = long_loop(11000); /* 33,000 instructions */
    result r = compile(&t);
    require_limit_error(&r, 6, "loop body");
}

static void a_loop_body_just_inside_the_limit_compiles(void **state) {
    (void)state;
    text t = long_loop(10900); /* 32,700 instructions */
    result r = compile(&t);
    require_loads(&r);
}

/* ---- member tables: a flow names at most 256 attributes and associations --------------------- */

/* A flow that sets `n` different attributes of one entity (statement i on line 5 + i). */
static text many_members(unsigned n) {
    text t = {0};
    add(&t, "create module M;\ncreate persistent entity M.Wide (");
    for (unsigned i = 0; i < n; i++)
        add(&t, "%sA%u: Integer", i ? ", " : "", i);
    add(&t, ");\ncreate nanoflow M.SetAll ($W: M.Wide)\nbegin\n");
    for (unsigned i = 0; i < n; i++)
        add(&t, "  set $W/A%u = %u;\n", i, i);
    add(&t, "end;\n");
    return t;
}

static void the_257th_member_of_a_flow_is_reported(void **state) {
    (void)state;
    text t = many_members(257);
    result r = compile(&t);
    require_limit_error(&r, 4 + 257, "256 different attributes and associations");
}

static void a_flow_with_256_members_compiles(void **state) {
    (void)state;
    text t = many_members(256);
    result r = compile(&t);
    require_loads(&r);
}

/* ---- descriptors: SORT, AGG and FINDBY name theirs in 8 bits --------------------------------- */

/* `n` descriptors: n - 2 pages (shown by SHOWPAGE, whose Bx has 16 bits), then two sums (AGG,
 * whose C has 8 bits); the last sum is on line 4 + n. */
static text many_descriptors(unsigned n) {
    text t = {0};
    add(&t, "create module M;\ncreate persistent entity M.E (N: Integer);\n"
            "create nanoflow M.Sums ($L: List of M.E) returns Integer\nbegin\n");
    for (unsigned i = 0; i < n - 2; i++)
        add(&t, "  show page M.Page%u();\n", i);
    add(&t, "  $A = sum($L.N);\n  $B = sum($L.N);\n  return $A + $B;\nend;\n");
    return t;
}

static void a_list_operation_past_the_256th_descriptor_is_reported(void **state) {
    (void)state;
    text t = many_descriptors(257);
    result r = compile(&t);
    require_limit_error(&r, 4 + 257, "256 list operations");
}

static void a_list_operation_with_the_256th_descriptor_compiles(void **state) {
    (void)state;
    text t = many_descriptors(256);
    result r = compile(&t);
    require_loads(&r);
}

/* ---- generalization: at most 255 ancestors ----------------------------------------------------
 */

/* Entity E0, then E1 … E(n-1), each extending the one before (Ei on line 2 + i). */
static text chain(unsigned n) {
    text t = {0};
    add(&t, "create module M;\ncreate persistent entity M.E0 (N: Integer);\n");
    for (unsigned i = 1; i < n; i++)
        add(&t, "create persistent entity M.E%u extends M.E%u (N%u: Integer);\n", i, i - 1, i);
    add(&t, "create nanoflow M.F ($X: M.E%u) returns Integer\nbegin\n  return $X/N;\nend;\n",
        n - 1);
    return t;
}

static void an_entity_with_too_many_ancestors_is_reported_once(void **state) {
    (void)state;
    text t = chain(300); /* E256 is the first with 256 ancestors */
    result r = compile(&t);
    require_limit_error(&r, 2 + 256, "extends more than 255");
}

static void an_entity_with_255_ancestors_compiles(void **state) {
    (void)state;
    text t = chain(256);
    result r = compile(&t);
    require_loads(&r);
}

/* ---- registers: at most 250 per flow (more in golden/err_codegen_registers.mdl) -------------- */

static void a_flow_with_250_registers_compiles(void **state) {
    (void)state;
    text t = {0};
    add(&t, "create module M;\ncreate nanoflow M.F () returns Integer\nbegin\n");
    for (unsigned i = 0; i < 249; i++)
        add(&t, "  declare $V%u Integer = %u;\n", i, i);
    add(&t, "  return $V0 + $V248;\nend;\n"); /* one temporary for the sum */
    result r = compile(&t);
    require_loads(&r);
}

/* ---- the model hash: the worked example of docs/bytecode.md §10 ------------------------------ */

static void the_model_hash_is_the_documented_example(void **state) {
    (void)state;
    text t = {0};
    add(&t, "create enumeration M.Color (Red 'Red', Blue 'Blue');\n"
            "create persistent entity M.A (N: Integer, L: Long, S: String(20), "
            "C: Enumeration(M.Color));\n"
            "create non-persistent entity M.B (D: Decimal);\n"
            "create persistent entity M.C (Z: Boolean);\n"
            "create association M.A_C from M.A to M.C type ReferenceSet;\n"
            "create microflow M.MF (X: Integer, Y: M.B) returns Boolean begin return true; end;\n"
            "create nanoflow M.NF () begin $r = call microflow M.MF(X = 1, Y = empty); end;\n");
    result r = compile(&t);
    if (!r.built) fail_msg("does not compile: %s", r.first);
    nf_bc_module m;
    char err[256];
    if (!nf_bc_load(r.bytes, r.len, &m, err, sizeof err)) fail_msg("does not load: %s", err);
    assert_int_equal(m.model_hash, 0xbd54a4ad84c9dd71ull);
    nf_bc_free(&m);
    free(r.bytes);
}

/* ---- flow by flow: nf_cc_build alone parses, checks and generates one flow at a time ----------
 */

typedef struct built {
    bool ok;
    char diags[2048]; /* every diagnostic: "offset code message;" */
    uint8_t *bytes;
    size_t len;
} built;

/* Builds src with nf_cc_build alone (flow by flow) or after nf_cc_check (all flows at once). */
static built build(const char *src, bool check_first, unsigned builds) {
    built b = {0};
    nf_cc_compilation *c = nf_cc_new();
    assert_non_null(c);
    assert_true(nf_cc_add_source(c, "a.mdl", src, strlen(src)));
    if (check_first) nf_cc_check(c);
    nf_bc_module m;
    for (unsigned i = 0; i < builds; i++) {
        b.ok = nf_cc_build(c, &m);
        if (b.ok) {
            uint8_t *bytes;
            size_t len;
            assert_true(nf_bc_write(&m, &bytes, &len));
            if (b.bytes) { /* a second build gives the same module */
                assert_int_equal(len, b.len);
                assert_memory_equal(bytes, b.bytes, len);
                free(bytes);
            } else {
                b.bytes = bytes;
                b.len = len;
            }
        }
    }
    nf_cc_diags *d = nf_cc_diagnostics(c);
    size_t n = 0;
    for (unsigned i = 0; i < d->n && n < sizeof b.diags; i++)
        n += (size_t)snprintf(b.diags + n, sizeof b.diags - n, "%u NF%04u %s;",
                              d->items[i].span.off, d->items[i].code, d->items[i].msg);
    nf_cc_free(c);
    return b;
}

static void require_same_build(const char *src, bool want_ok) {
    built a = build(src, false, 2), b = build(src, true, 1);
    assert_int_equal(a.ok, want_ok);
    assert_int_equal(b.ok, want_ok);
    assert_string_equal(a.diags, b.diags);
    assert_int_equal(a.len, b.len);
    if (a.len) assert_memory_equal(a.bytes, b.bytes, a.len);
    free(a.bytes);
    free(b.bytes);
}

/* An entity used offline and a microflow called from a nanoflow are both known only once a
 * later flow is checked; `while` loops closed by a bare `end` and by `end while`. */
static const char by_flow_app[] =
    "create module M;\n"
    "create persistent entity M.Order (Number: String(20), Total: Decimal);\n"
    "create persistent entity M.Late (Name: String(50));\n"
    "create microflow M.Server ($Total: Decimal) returns Boolean\n"
    "begin\n  return $Total > 0;\nend;\n"
    "create nanoflow M.First ($Order: M.Order) returns Boolean\n"
    "begin\n"
    "  declare $N Integer = 0;\n"
    "  while $N < 3 begin\n    set $N = $N + 1;\n  end;\n"
    "  while $N < 6 begin\n    if $N = 4 then\n      set $N = $N + 2;\n    end if;\n"
    "    set $N = $N + 1;\n  end while;\n"
    "  $Ok = call microflow M.Server(Total = $Order/Total);\n"
    "  return $Ok;\n"
    "end;\n"
    "create nanoflow M.Second () returns Integer\n"
    "begin\n"
    "  retrieve $Lates from M.Late;\n"
    "  declare $Unused String = 'x';\n"
    "  $C = count($Lates);\n"
    "  return $C;\n"
    "end;\n";

static void building_flow_by_flow_gives_the_same_module_and_diagnostics(void **state) {
    (void)state;
    require_same_build(by_flow_app, true);
    /* a replaced declaration's body is parsed too, though no flow of the model has it */
    require_same_build("create module M;\n"
                       "create nanoflow M.A () returns Integer begin return 1; end;\n"
                       "create or modify nanoflow M.A () returns Integer begin return 2; end;\n"
                       "create nanoflow M.B () returns Integer\n"
                       "begin\n  $X = call nanoflow M.A();\n  return $X;\nend;\n",
                       true);
}

static void an_error_in_a_later_flow_gives_the_same_diagnostics(void **state) {
    (void)state;
    char src[sizeof by_flow_app + 200];
    snprintf(src, sizeof src, "%s%s", by_flow_app,
             "create nanoflow M.Third () returns Integer\nbegin\n  return 'text';\nend;\n");
    require_same_build(src, false);
    snprintf(src, sizeof src, "%s%s", by_flow_app,
             "create nanoflow M.Broken ()\nbegin\n  declare $X Integer = ;\nend;\n");
    require_same_build(src, false);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_loop_body_too_long_for_forlist_is_reported_at_the_loop),
        cmocka_unit_test(a_loop_body_just_inside_the_limit_compiles),
        cmocka_unit_test(the_257th_member_of_a_flow_is_reported),
        cmocka_unit_test(a_flow_with_256_members_compiles),
        cmocka_unit_test(a_list_operation_past_the_256th_descriptor_is_reported),
        cmocka_unit_test(a_list_operation_with_the_256th_descriptor_compiles),
        cmocka_unit_test(an_entity_with_too_many_ancestors_is_reported_once),
        cmocka_unit_test(an_entity_with_255_ancestors_compiles),
        cmocka_unit_test(a_flow_with_250_registers_compiles),
        cmocka_unit_test(the_model_hash_is_the_documented_example),
        cmocka_unit_test(building_flow_by_flow_gives_the_same_module_and_diagnostics),
        cmocka_unit_test(an_error_in_a_later_flow_gives_the_same_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
