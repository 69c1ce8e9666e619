/* test_decimal.c — specification of exact decimals (vm/vm_decimal.h, DESIGN §4).
 *
 * Values are written as text and compared as text (plain notation), so each table row reads as
 * "operation on these numbers gives this number". Every result is also checked to be canonical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vm_decimal_impl.h" /* white box: the canonical-form check looks inside big values */

/* ---- helpers
 * ------------------------------------------------------------------------------------- */

static void assert_canonical(const nf_dec *d) {
    assert_true(d->scale >= 0 && d->scale <= NF_DEC_MAX_SCALE);
    if (d->is_big) {
        assert_false(mpz_fits_slong_p(d->u.big->m)); /* (long is 64 bits on the test hosts) */
        assert_true(d->u.big->refs >= 1);
        if (d->scale > 0) assert_false(mpz_divisible_ui_p(d->u.big->m, 10));
        assert_true(nf_dec_zdigits(d->u.big->m) <= NF_DEC_MAX_DIGITS);
    } else {
        if (d->u.m == 0) assert_int_equal(d->scale, 0);
        if (d->scale > 0) assert_true(d->u.m % 10 != 0);
    }
}

static nf_dec D(const char *s) {
    nf_dec d;
    nf_dec_status st = nf_dec_parse(s, strlen(s), &d);
    if (st != NF_DEC_OK) fail_msg("cannot parse \"%s\": status %d", s, st);
    assert_canonical(&d);
    return d;
}

static char fmtbuf[4][2100];
static const char *F(const nf_dec *d) {
    static int k;
    char *b = fmtbuf[k++ & 3];
    size_t n = nf_dec_format(d, b, sizeof fmtbuf[0]);
    assert_true(n < sizeof fmtbuf[0]);
    assert_int_equal(strlen(b), n);
    return b;
}

/* Checks that `st` is `want`; when OK, that r formats as `text` (then releases r). */
static void expect(const char *what, nf_dec_status st, nf_dec *r, nf_dec_status want,
                   const char *text) {
    if (st != want) fail_msg("%s: status %d, want %d", what, st, want);
    if (st != NF_DEC_OK) {
        assert_false(r->is_big); /* error: zero, no reference */
        assert_int_equal(r->u.m, 0);
        assert_int_equal(r->scale, 0);
        return;
    }
    assert_canonical(r);
    const char *got = F(r);
    if (strcmp(got, text) != 0) fail_msg("%s = %s, want %s", what, got, text);
    nf_dec_release(r);
}

static char *repeat(char *buf, const char *prefix, char c, size_t n, const char *suffix) {
    size_t k = strlen(prefix);
    memcpy(buf, prefix, k);
    memset(buf + k, c, n);
    strcpy(buf + k + n, suffix);
    return buf;
}

typedef struct {
    const char *a, *b;
    nf_dec_status st;
    const char *want;
} binop_row;

typedef nf_dec_status (*binop_fn)(const nf_dec *, const nf_dec *, nf_dec *);

static void run_binops(const char *name, binop_fn fn, const binop_row *rows, size_t n) {
    for (size_t i = 0; i < n; i++) {
        nf_dec a = D(rows[i].a), b = D(rows[i].b), r;
        char what[200];
        snprintf(what, sizeof what, "%.60s %s %.60s", rows[i].a, name, rows[i].b);
        expect(what, fn(&a, &b, &r), &r, rows[i].st, rows[i].want);
        nf_dec_release(&a);
        nf_dec_release(&b);
    }
}

#define N(rows) (sizeof(rows) / sizeof(rows)[0])

/* ---- parsing and formatting
 * ------------------------------------------------------------------------ */

static void parse_accepts_plain_and_exponent_forms(void **state) {
    (void)state;
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"12", "12"},
        {"-0.50", "-0.5"},
        {"+3", "3"},
        {"1e3", "1000"},
        {"1E+3", "1000"},
        {"1.5E-2", "0.015"},
        {".5", "0.5"},
        {"1.", "1"},
        {"-0", "0"},
        {"0.000", "0"},
        {"000123.4500", "123.45"},
        {"1.50", "1.5"},
        {"0e999999999999999999999", "0"},
        {"120e-1", "12"},
        {"12345678901234567890.5", "12345678901234567890.5"},
        {"9223372036854775807", "9223372036854775807"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"9223372036854775808", "9223372036854775808"},
        {"1e-1000", "0." /* checked by length below */},
    };
    for (size_t i = 0; i < N(rows); i++) {
        nf_dec d = D(rows[i].in);
        if (strcmp(rows[i].in, "1e-1000") == 0) {
            assert_int_equal(strlen(F(&d)), 1002);
            assert_int_equal(d.scale, 1000);
        } else {
            assert_string_equal(F(&d), rows[i].out);
        }
        nf_dec_release(&d);
    }
}

static void parse_rejects_malformed_text(void **state) {
    (void)state;
    static const struct {
        const char *in;
        size_t len;
    } rows[] = {
        {"", 0},
        {"-", 1},
        {"+", 1},
        {".", 1},
        {"-.", 2},
        {"1e", 2},
        {"1e+", 3},
        {"e5", 2},
        {"abc", 3},
        {" 1", 2},
        {"1 ", 2},
        {"1,000", 5},
        {"1.2.3", 5},
        {"1\0"
         "2",
         3},
        {"--1", 3},
        {"1e1.5", 5},
        {"0x10", 4},
        {"Infinity", 8},
        {"NaN", 3},
        {"1_000", 5},
    };
    for (size_t i = 0; i < N(rows); i++) {
        nf_dec d = D("7");
        if (nf_dec_parse(rows[i].in, rows[i].len, &d) != NF_DEC_SYNTAX)
            fail_msg("\"%s\" should be a syntax error", rows[i].in);
        assert_false(d.is_big);
        assert_int_equal(d.u.m, 0);
    }
}

static void parse_enforces_the_limits(void **state) {
    (void)state;
    static char buf[3000];
    nf_dec d;
    /* 1000 digits are fine, 1001 are not — unless the extra ones are fraction zeros */
    assert_int_equal(nf_dec_parse(repeat(buf, "", '9', 1000, ""), 1000, &d), NF_DEC_OK);
    assert_canonical(&d);
    assert_true(d.is_big);
    assert_int_equal(strlen(F(&d)), 1000);
    nf_dec_release(&d);
    assert_int_equal(nf_dec_parse(repeat(buf, "", '9', 1001, ""), 1001, &d), NF_DEC_OVERFLOW);
    repeat(buf, "1", '0', 999, ".000000");
    assert_int_equal(nf_dec_parse(buf, strlen(buf), &d), NF_DEC_OK);
    nf_dec_release(&d);
    repeat(buf, "0.", '0', 2000, "1"); /* scale 2001 */
    assert_int_equal(nf_dec_parse(buf, strlen(buf), &d), NF_DEC_OVERFLOW);
    repeat(buf, "", '0', 2500, "42"); /* leading zeros are not digits */
    assert_int_equal(nf_dec_parse(buf, strlen(buf), &d), NF_DEC_OK);
    assert_string_equal(F(&d), "42");
    static const struct {
        const char *in;
        nf_dec_status st;
    } rows[] = {
        {"1e999", NF_DEC_OK},
        {"1e1000", NF_DEC_OVERFLOW},
        {"1e-1000", NF_DEC_OK},
        {"1e-1001", NF_DEC_OVERFLOW},
        {"1000e-1003", NF_DEC_OK},
        {"1e99999999999999999999999", NF_DEC_OVERFLOW},
        {"-1e-9999999999999999", NF_DEC_OVERFLOW},
        {"12.5e-999", NF_DEC_OK},
        {"12.5e-1000", NF_DEC_OVERFLOW},
    };
    for (size_t i = 0; i < N(rows); i++) {
        assert_int_equal(nf_dec_parse(rows[i].in, strlen(rows[i].in), &d), rows[i].st);
        if (rows[i].st == NF_DEC_OK) assert_canonical(&d);
        nf_dec_release(&d);
    }
}

static void format_behaves_like_snprintf(void **state) {
    (void)state;
    nf_dec d = D("-123.45");
    char buf[8];
    memset(buf, 'x', sizeof buf);
    assert_int_equal(nf_dec_format(&d, buf, 5), 7);
    assert_string_equal(buf, "-123"); /* truncated, still terminated */
    assert_int_equal(nf_dec_format(&d, NULL, 0), 7);
    assert_int_equal(nf_dec_format(&d, buf, 8), 7);
    assert_string_equal(buf, "-123.45");
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"0.001", "0.001"},
        {"-0.001", "-0.001"},
        {"100", "100"},
        {"0", "0"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"-0.9223372036854775808", "-0.9223372036854775808"},
        {"123456789012345678901234567890.000123", "123456789012345678901234567890.000123"},
        {"-0.000000000000000000000000000000000000001234567890123456789",
         "-0.000000000000000000000000000000000000001234567890123456789"},
    };
    for (size_t i = 0; i < N(rows); i++) {
        nf_dec x = D(rows[i].in);
        assert_string_equal(F(&x), rows[i].out);
        nf_dec_release(&x);
    }
}

/* ---- construction, canonical form, copies
 * ----------------------------------------------------------- */

static void construction_is_canonical(void **state) {
    (void)state;
    nf_dec d;
    nf_dec_from_int64(INT64_MIN, &d);
    assert_string_equal(F(&d), "-9223372036854775808");
    assert_int_equal(nf_dec_from_parts(150, 2, &d), NF_DEC_OK);
    assert_int_equal(d.u.m, 15);
    assert_int_equal(d.scale, 1);
    assert_int_equal(nf_dec_from_parts(0, 7, &d), NF_DEC_OK);
    assert_int_equal(d.scale, 0);
    assert_int_equal(nf_dec_from_parts(-5, 1000, &d), NF_DEC_OK);
    assert_int_equal(d.scale, 1000);
    assert_int_equal(nf_dec_from_parts(5, 1001, &d), NF_DEC_OVERFLOW);
    assert_int_equal(nf_dec_from_parts(50, 1001, &d), NF_DEC_OK); /* = 5e-1000 */
    assert_int_equal(d.scale, 1000);
    assert_int_equal(nf_dec_from_parts(5, -1, &d), NF_DEC_DOMAIN);
    assert_int_equal(d.u.m, 0);

    /* equal values, identical representations */
    nf_dec a = D("1.50"), b = D("1.5"), c = D("15e-1");
    assert_true(nf_dec_eq(&a, &b) && nf_dec_eq(&b, &c));
    assert_true(memcmp(&a.u.m, &c.u.m, sizeof a.u.m) == 0 && a.scale == c.scale);

    /* a big result that fits int64 again is stored inline */
    nf_dec big = D("9223372036854775808"), one = D("1"), r;
    assert_true(big.is_big);
    assert_int_equal(nf_dec_sub(&big, &one, &r), NF_DEC_OK);
    assert_false(r.is_big);
    assert_int_equal(r.u.m, INT64_MAX);
    nf_dec x = D("12345678901234567890.5"), y = D("0.5");
    assert_int_equal(nf_dec_sub(&x, &y, &r), NF_DEC_OK);
    assert_true(r.is_big); /* 12345678901234567890 > INT64_MAX */
    nf_dec_release(&r);
    nf_dec z = D("123456789012345678.5"); /* 19 digits, below 2^63 */
    assert_false(z.is_big);
    nf_dec_release(&x);
    x = D("100000000000000000000.000000000001"); /* 33 digits */
    nf_dec t = D("0.000000000001");
    assert_int_equal(nf_dec_sub(&x, &t, &r), NF_DEC_OK);
    assert_true(r.is_big);
    assert_string_equal(F(&r), "100000000000000000000");
    nf_dec_release(&r);
    nf_dec h = D("100000000000000000000");
    assert_int_equal(nf_dec_div(&x, &h, NF_DEC_DIV_NANOFLOW, &r), NF_DEC_OK);
    assert_false(r.is_big); /* 1.00000000000000000000000000000001 → 20 places → 1 */
    assert_int_equal(r.u.m, 1);
    assert_int_equal(r.scale, 0);
    nf_dec_release(&big);
    nf_dec_release(&x);
    nf_dec_release(&t);
    nf_dec_release(&h);
    (void)one;
}

static void copies_share_and_release_drops(void **state) {
    (void)state;
    nf_dec a = D("123456789012345678901234567890"), b, c;
    nf_dec_copy(&a, &b);
    nf_dec_copy(&b, &c);
    assert_ptr_equal(a.u.big, c.u.big);
    assert_int_equal(a.u.big->refs, 3);
    nf_dec_copy(&a, &a); /* onto itself: nothing changes */
    assert_int_equal(a.u.big->refs, 3);
    nf_dec_release(&b);
    assert_false(b.is_big);
    assert_int_equal(b.u.m, 0);
    nf_dec_release(&a);
    assert_int_equal(c.u.big->refs, 1);
    assert_string_equal(F(&c), "123456789012345678901234567890");
    nf_dec_release(&c);
    nf_dec_release(&c); /* releasing zero is harmless */
}

/* ---- + - *
 * -------------------------------------------------------------------------------------------- */

static void add_and_sub_are_exact(void **state) {
    (void)state;
    static const binop_row add[] = {
        {"1", "2", NF_DEC_OK, "3"},
        {"0.1", "0.2", NF_DEC_OK, "0.3"},
        {"0.5", "0.5", NF_DEC_OK, "1"},
        {"1.25", "-1.25", NF_DEC_OK, "0"},
        {"-1.5", "0.25", NF_DEC_OK, "-1.25"},
        {"9223372036854775807", "1", NF_DEC_OK, "9223372036854775808"},
        {"-9223372036854775808", "-1", NF_DEC_OK, "-9223372036854775809"},
        {"9223372036854775807", "9223372036854775807", NF_DEC_OK, "18446744073709551614"},
        {"922337203685477580.7", "0.00000000000000000001", NF_DEC_OK,
         "922337203685477580.70000000000000000001"},
        {"12345678901234567890123456789012345678.9", "87654321098765432109876543210987654321.1",
         NF_DEC_OK, "100000000000000000000000000000000000000"},
        {"1e999", "1e-1000", NF_DEC_OVERFLOW, ""}, /* 2000 digits */
        {"1e-1000", "1e-1000", NF_DEC_OK, NULL},
    };
    binop_row rows[N(add)];
    memcpy(rows, add, sizeof add);
    char buf[1100];
    rows[N(add) - 1].want = repeat(buf, "0.", '0', 999, "2");
    run_binops("+", nf_dec_add, rows, N(rows));

    static const binop_row sub[] = {
        {"3", "5", NF_DEC_OK, "-2"},
        {"1.000", "0.999", NF_DEC_OK, "0.001"},
        {"-9223372036854775808", "1", NF_DEC_OK, "-9223372036854775809"},
        {"-9223372036854775808", "-9223372036854775808", NF_DEC_OK, "0"},
        {"18446744073709551616", "9223372036854775808", NF_DEC_OK, "9223372036854775808"},
        {"0.1", "1e-30", NF_DEC_OK, "0.099999999999999999999999999999"},
    };
    run_binops("-", nf_dec_sub, sub, N(sub));
}

static void mul_is_exact(void **state) {
    (void)state;
    static const binop_row rows[] = {
        {"6", "7", NF_DEC_OK, "42"},
        {"1.1", "1.1", NF_DEC_OK, "1.21"},
        {"0.25", "4", NF_DEC_OK, "1"},
        {"-0.5", "0.2", NF_DEC_OK, "-0.1"},
        {"0", "-123.456", NF_DEC_OK, "0"},
        {"4294967296", "4294967296", NF_DEC_OK, "18446744073709551616"},
        {"-9223372036854775808", "-1", NF_DEC_OK, "9223372036854775808"},
        {"922337203685477580.8", "10", NF_DEC_OK, "9223372036854775808"},
        {"250000000000000000", "0.000000000000000004", NF_DEC_OK, "1"}, /* shrinks back */
        {"99999999999999999999999999999999999999", "99999999999999999999999999999999999999",
         NF_DEC_OK, "9999999999999999999999999999999999999800000000000000000000000000000000000001"},
        {"1e-600", "1e-600", NF_DEC_OVERFLOW, ""}, /* scale 1200 */
        {"1e999", "1e999", NF_DEC_OVERFLOW, ""},   /* 1999 digits */
        {"1e500", "1e499", NF_DEC_OK, NULL},       /* exactly 1000 digits */
    };
    binop_row t[N(rows)];
    memcpy(t, rows, sizeof rows);
    char buf[1100];
    t[N(rows) - 1].want = repeat(buf, "1", '0', 999, "");
    run_binops("*", nf_dec_mul, t, N(t));
}

/* ---- division
 * --------------------------------------------------------------------------------------- */

static nf_dec_status div_nano(const nf_dec *a, const nf_dec *b, nf_dec *out) {
    return nf_dec_div(a, b, NF_DEC_DIV_NANOFLOW, out);
}
static nf_dec_status div_micro(const nf_dec *a, const nf_dec *b, nf_dec *out) {
    return nf_dec_div(a, b, NF_DEC_DIV_MICROFLOW, out);
}

static void nanoflow_division_is_big_js(void **state) {
    (void)state;
    static const binop_row rows[] = {
        {"1", "3", NF_DEC_OK, "0.33333333333333333333"},
        {"2", "3", NF_DEC_OK, "0.66666666666666666667"},
        {"-2", "3", NF_DEC_OK, "-0.66666666666666666667"}, /* half up = away from zero */
        {"10", "4", NF_DEC_OK, "2.5"},
        {"1", "7", NF_DEC_OK, "0.14285714285714285714"},
        {"6", "-2", NF_DEC_OK, "-3"},
        {"0.000000000000000000005", "1", NF_DEC_OK, "0.00000000000000000001"},
        {"-0.000000000000000000005", "1", NF_DEC_OK, "-0.00000000000000000001"},
        {"0.0000000000000000000049", "1", NF_DEC_OK, "0"},
        {"1", "0.00000000000000000003", NF_DEC_OK, "33333333333333333333.33333333333333333333"},
        {"-123456789012345678901234567890.5", "0.007", NF_DEC_OK,
         "-17636684144620811271604938270071.42857142857142857143"},
        {"18446744073709551616", "2", NF_DEC_OK, "9223372036854775808"},
        {"1e999", "1e-20", NF_DEC_OVERFLOW, ""},
        {"1", "0", NF_DEC_DIV_ZERO, ""},
        {"0", "0", NF_DEC_DIV_ZERO, ""},
        {"0", "3", NF_DEC_OK, "0"},
    };
    run_binops(":n", div_nano, rows, N(rows));
}

static void microflow_division_is_decimal128(void **state) {
    (void)state;
    static const binop_row rows[] = {
        {"3", "7", NF_DEC_OK, "0.4285714285714285714285714285714286"},
        {"1", "3", NF_DEC_OK, "0.3333333333333333333333333333333333"},
        {"2", "3", NF_DEC_OK, "0.6666666666666666666666666666666667"},
        {"-1", "3", NF_DEC_OK, "-0.3333333333333333333333333333333333"},
        {"10", "4", NF_DEC_OK, "2.5"},
        {"1", "8", NF_DEC_OK, "0.125"},
        {"1", "1024", NF_DEC_OK, "0.0009765625"},
        {"1e-30", "3", NF_DEC_OK,
         "0.0000000000000000000000000000003333333333333333333333333333333333"},
        {"10000000000000000000000000000000000000000", "3", NF_DEC_OK,
         "3333333333333333333333333333333333000000"},
        {"12345678901234567890123456789012345678", "1", NF_DEC_OK,
         "12345678901234567890123456789012350000"},
        {"-123456789012345678901234567890.5", "0.007", NF_DEC_OK,
         "-17636684144620811271604938270071.43"},
        {"0.5", "0.000000000000000000000000000000000000000001", NF_DEC_OK,
         "500000000000000000000000000000000000000000"},
        {"1e-999", "1e999", NF_DEC_OVERFLOW, ""}, /* scale 1998 */
        {"1", "0", NF_DEC_DIV_ZERO, ""},
    };
    run_binops(":m", div_micro, rows, N(rows));
    /* ties: 34 significant digits half even */
    nf_dec a = D("1.00000000000000000000000000000000050"), two = D("1"), r;
    expect("tie down", div_micro(&a, &two, &r), &r, NF_DEC_OK, "1");
    nf_dec_release(&a);
    a = D("1.0000000000000000000000000000000015");
    expect("tie up", div_micro(&a, &two, &r), &r, NF_DEC_OK, "1.000000000000000000000000000000002");
    nf_dec_release(&a);
}

static void mod_has_the_sign_of_the_dividend(void **state) {
    (void)state;
    static const binop_row rows[] = {
        {"7.5", "2", NF_DEC_OK, "1.5"},
        {"-7", "3", NF_DEC_OK, "-1"},
        {"7", "-3", NF_DEC_OK, "1"},
        {"-7.5", "-2", NF_DEC_OK, "-1.5"},
        {"10", "0.3", NF_DEC_OK, "0.1"},
        {"6", "3", NF_DEC_OK, "0"},
        {"0.001", "5", NF_DEC_OK, "0.001"},
        {"-9223372036854775808", "-1", NF_DEC_OK, "0"},
        {"-9223372036854775808", "10", NF_DEC_OK, "-8"},
        {"1000000000000000000000000000000", "7", NF_DEC_OK, "1"},
        {"123456789012345678901234567890.123", "0.01", NF_DEC_OK, "0.003"},
        {"1e-1000", "1", NF_DEC_OK, NULL},
        {"5", "0", NF_DEC_DIV_ZERO, ""},
    };
    binop_row t[N(rows)];
    memcpy(t, rows, sizeof rows);
    char buf[1100];
    t[N(rows) - 2].want = repeat(buf, "0.", '0', 999, "1");
    run_binops("mod", nf_dec_mod, t, N(t));
}

/* ---- rounding
 * ----------------------------------------------------------------------------------------- */

static void round_supports_six_modes(void **state) {
    (void)state;
    /* columns: HALF_AWAY, HALF_EVEN, HALF_UP, DOWN, FLOOR, CEILING */
    static const struct {
        const char *in;
        int32_t places;
        const char *want[6];
    } rows[] = {
        {"2.5", 0, {"3", "2", "3", "2", "2", "3"}},
        {"-2.5", 0, {"-3", "-2", "-3", "-2", "-3", "-2"}},
        {"3.5", 0, {"4", "4", "4", "3", "3", "4"}},
        {"0.125", 2, {"0.13", "0.12", "0.13", "0.12", "0.12", "0.13"}},
        {"-0.125", 2, {"-0.13", "-0.12", "-0.13", "-0.12", "-0.13", "-0.12"}},
        {"0.0004", 2, {"0", "0", "0", "0", "0", "0.01"}},
        {"-0.0004", 2, {"0", "0", "0", "0", "-0.01", "0"}},
        {"2.51", 0, {"3", "3", "3", "2", "2", "3"}},
        {"1.2345", 10, {"1.2345", "1.2345", "1.2345", "1.2345", "1.2345", "1.2345"}},
        {"9.995", 2, {"10", "10", "10", "9.99", "9.99", "10"}},
        {"0.00000000000000000000000001", 0, {"0", "0", "0", "0", "0", "1"}},
        {"-0.5000000000000000000000000001", 0, {"-1", "-1", "-1", "0", "-1", "0"}},
        {"123456789012345678901234.5",
         0,
         {"123456789012345678901235", "123456789012345678901234", "123456789012345678901235",
          "123456789012345678901234", "123456789012345678901234", "123456789012345678901235"}},
        {"-9223372036854775808.5",
         0,
         {"-9223372036854775809", "-9223372036854775808", "-9223372036854775809",
          "-9223372036854775808", "-9223372036854775809", "-9223372036854775808"}},
    };
    for (size_t i = 0; i < N(rows); i++)
        for (int m = 0; m < 6; m++) {
            nf_dec a = D(rows[i].in), r;
            char what[120];
            snprintf(what, sizeof what, "round(%s, %d) mode %d", rows[i].in, rows[i].places, m);
            expect(what, nf_dec_round(&a, rows[i].places, (nf_dec_rounding)m, &r), &r, NF_DEC_OK,
                   rows[i].want[m]);
            nf_dec_release(&a);
        }
    nf_dec a = D("1.5"), r;
    expect("negative places", nf_dec_round(&a, -1, NF_DEC_HALF_EVEN, &r), &r, NF_DEC_DOMAIN, "");
    expect("places beyond the scale limit", nf_dec_round(&a, 5000, NF_DEC_HALF_EVEN, &r), &r,
           NF_DEC_OK, "1.5");
}

static void to_int64_rounds_then_checks_the_range(void **state) {
    (void)state;
    static const struct {
        const char *in;
        nf_dec_rounding mode;
        nf_dec_status st;
        int64_t want;
    } rows[] = {
        {"2.5", NF_DEC_HALF_AWAY, NF_DEC_OK, 3},
        {"2.5", NF_DEC_HALF_EVEN, NF_DEC_OK, 2},
        {"-2.5", NF_DEC_HALF_UP, NF_DEC_OK, -3},
        {"-2.7", NF_DEC_DOWN, NF_DEC_OK, -2},
        {"-2.1", NF_DEC_FLOOR, NF_DEC_OK, -3},
        {"2.1", NF_DEC_CEILING, NF_DEC_OK, 3},
        {"1e-30", NF_DEC_CEILING, NF_DEC_OK, 1},
        {"-1e-30", NF_DEC_CEILING, NF_DEC_OK, 0},
        {"9223372036854775807.4", NF_DEC_HALF_AWAY, NF_DEC_OK, INT64_MAX},
        {"9223372036854775807.5", NF_DEC_HALF_AWAY, NF_DEC_OVERFLOW, 0},
        {"9223372036854775807.5", NF_DEC_HALF_EVEN, NF_DEC_OVERFLOW, 0},
        {"9223372036854775807.9", NF_DEC_DOWN, NF_DEC_OK, INT64_MAX},
        {"-9223372036854775808.5", NF_DEC_HALF_EVEN, NF_DEC_OK, INT64_MIN},
        {"-9223372036854775808.5", NF_DEC_HALF_AWAY, NF_DEC_OVERFLOW, 0},
        {"1e30", NF_DEC_DOWN, NF_DEC_OVERFLOW, 0},
    };
    for (size_t i = 0; i < N(rows); i++) {
        nf_dec a = D(rows[i].in);
        int64_t v = 42;
        assert_int_equal(nf_dec_to_int64(&a, rows[i].mode, &v), rows[i].st);
        assert_true(v == rows[i].want);
        nf_dec_release(&a);
    }
}

static void storage_rounds_to_8_places_and_20_digits(void **state) {
    (void)state;
    static const struct {
        const char *in;
        nf_dec_status st;
        const char *want;
    } rows[] = {
        {"1.123456785", NF_DEC_OK, "1.12345678"},
        {"1.123456775", NF_DEC_OK, "1.12345678"},
        {"1.123456795", NF_DEC_OK, "1.1234568"},
        {"-1.123456785", NF_DEC_OK, "-1.12345678"},
        {"0.000000005", NF_DEC_OK, "0"},
        {"0.0000000051", NF_DEC_OK, "0.00000001"},
        {"99999999999999999999.99", NF_DEC_OK, "99999999999999999999.99"},
        {"-99999999999999999999", NF_DEC_OK, "-99999999999999999999"},
        {"100000000000000000000", NF_DEC_OVERFLOW, ""},
        {"99999999999999999999.999999995", NF_DEC_OVERFLOW, ""}, /* rounds up to 10^20 */
        {"99999999999999999999.999999994", NF_DEC_OK, "99999999999999999999.99999999"},
    };
    for (size_t i = 0; i < N(rows); i++) {
        nf_dec a = D(rows[i].in), r;
        expect(rows[i].in, nf_dec_for_storage(&a, &r), &r, rows[i].st, rows[i].want);
        nf_dec_release(&a);
    }
}

/* ---- pow and sqrt
 * -------------------------------------------------------------------------------------- */

static void pow_examples(void **state) {
    (void)state;
    static char big[1100], tiny[1100];
    repeat(big, "1", '0', 999, "");
    repeat(tiny, "0.", '0', 999, "1");
    static const binop_row rows[] = {
        {"2", "10", NF_DEC_OK, "1024"},
        {"1.1", "2", NF_DEC_OK, "1.21"},
        {"-2", "3", NF_DEC_OK, "-8"},
        {"-2", "2", NF_DEC_OK, "4"},
        {"2", "-2", NF_DEC_OK, "0.25"},
        {"-2", "-1", NF_DEC_OK, "-0.5"},
        {"3", "-1", NF_DEC_OK, "0.3333333333333333333333333333333333"},
        {"10", "-3", NF_DEC_OK, "0.001"},
        {"0", "0", NF_DEC_OK, "1"},
        {"0", "5", NF_DEC_OK, "0"},
        {"0", "0.5", NF_DEC_OK, "0"},
        {"5", "0", NF_DEC_OK, "1"},
        {"0", "-1", NF_DEC_DOMAIN, ""},
        {"0", "-0.5", NF_DEC_DOMAIN, ""},
        {"-8", "0.5", NF_DEC_DOMAIN, ""},
        {"4", "0.5", NF_DEC_OK, "2"},
        {"9", "0.5", NF_DEC_OK, "3"},
        {"0.25", "0.5", NF_DEC_OK, "0.5"},
        {"2", "0.5", NF_DEC_OK, "1.414213562373095048801688724209698"},
        {"2", "-0.5", NF_DEC_OK, "0.707106781186547524400844362104849"},
        {"2", "-3.5", NF_DEC_OK, "0.08838834764831844055010554526310613"},
        {"2.5", "1.5", NF_DEC_OK, "3.952847075210474164998616930540898"},
        {"0.5", "0.25", NF_DEC_OK, "0.8408964152537145430311254762332149"},
        {"7", "1.1", NF_DEC_OK, "8.503698308273468575791231669835639"},
        {"123.456", "7.89", NF_DEC_OK, "31771028258180977.30906865968220513"},
        {"0.001", "0.333", NF_DEC_OK, "0.1002305238077899671915404889328111"},
        {"1.000000001", "1000000000.5", NF_DEC_OK, "2.718281828459045235586810956831059"},
        {"1.0000000000000000000000000000000000000001", "12345678901234567890123456789012345678.5",
         NF_DEC_OK, "1.001235330282770665412348187248704"},
        {"7", "-40", NF_DEC_OK,
         "0.0000000000000000000000000000000001570646313948839322674558368962407"},
        {"1", "123456789012345678901234567890", NF_DEC_OK, "1"},
        {"-1", "123456789012345678901234567891", NF_DEC_OK, "-1"},
        {"-1", "-3", NF_DEC_OK, "-1"},
        {"10", "999", NF_DEC_OK, big},
        {"0.1", "1000", NF_DEC_OK, tiny},
        {"10", "1000", NF_DEC_OVERFLOW, ""},
        {"0.1", "1001", NF_DEC_OVERFLOW, ""},
        {"2", "4000", NF_DEC_OVERFLOW, ""},
        {"2", "-4000", NF_DEC_OVERFLOW, ""}, /* scale beyond 1000 */
        {"2", "1e999", NF_DEC_OVERFLOW, ""},
        {"2", "-1e999", NF_DEC_OVERFLOW, ""},
        {"1.0000001", "1e500", NF_DEC_OVERFLOW, ""},
        {"10", "1000.5", NF_DEC_OVERFLOW, ""},
        {"1e-1000", "1.5", NF_DEC_OVERFLOW, ""},
        {"0.5", "1e-999", NF_DEC_OK, "1"},
    };
    run_binops("^", nf_dec_pow, rows, N(rows));
    /* 1e-1000 ^ 0.5 = 1e-500 */
    nf_dec a = D("1e-1000"), h = D("0.5"), r;
    assert_int_equal(nf_dec_pow(&a, &h, &r), NF_DEC_OK);
    assert_false(r.is_big);
    assert_int_equal(r.u.m, 1);
    assert_int_equal(r.scale, 500);
    nf_dec_release(&a);
}

static void sqrt_examples(void **state) {
    (void)state;
    static const struct {
        const char *in;
        nf_dec_status st;
        const char *want;
    } rows[] = {
        {"2", NF_DEC_OK, "1.414213562373095048801688724209698"},
        {"16", NF_DEC_OK, "4"},
        {"0", NF_DEC_OK, "0"},
        {"0.25", NF_DEC_OK, "0.5"},
        {"0.0001", NF_DEC_OK, "0.01"},
        {"3", NF_DEC_OK, "1.732050807568877293527446341505872"},
        {"10", NF_DEC_OK, "3.162277660168379331998893544432719"},
        {"0.5", NF_DEC_OK, "0.707106781186547524400844362104849"},
        {"123456789012345678901234567890", NF_DEC_OK, "351364182882014.4253111222381698126"},
        /* exact 35-digit roots: the tie goes to the even neighbour */
        {"1.00000000000000000000000000000000100000000000000000000000000000000025", NF_DEC_OK, "1"},
        {"1.00000000000000000000000000000000300000000000000000000000000000000225", NF_DEC_OK,
         "1.000000000000000000000000000000002"},
        /* just above the tie: rounds up */
        {"1.00000000000000000000000000000000100000000000000000000000000000000026", NF_DEC_OK,
         "1.000000000000000000000000000000001"},
        {"-1", NF_DEC_DOMAIN, ""},
        {"-0.0001", NF_DEC_DOMAIN, ""},
    };
    for (size_t i = 0; i < N(rows); i++) {
        nf_dec a = D(rows[i].in), r;
        expect(rows[i].in, nf_dec_sqrt(&a, &r), &r, rows[i].st, rows[i].want);
        nf_dec_release(&a);
    }
    nf_dec a = D("1e-1000"), r;
    assert_int_equal(nf_dec_sqrt(&a, &r), NF_DEC_OK);
    assert_int_equal(r.u.m, 1);
    assert_int_equal(r.scale, 500);
    a = D("2e-1000");
    assert_int_equal(nf_dec_sqrt(&a, &r), NF_DEC_OK);
    assert_int_equal(r.scale, 533);
    nf_dec_release(&r);
    static char big[1100];
    a = D(repeat(big, "1", '0', 998, "")); /* 10^998 */
    assert_int_equal(nf_dec_sqrt(&a, &r), NF_DEC_OK);
    assert_int_equal(strlen(F(&r)), 500);
    nf_dec_release(&r);
    nf_dec_release(&a);
}

/* ---- comparison, sign, neg, abs
 * -------------------------------------------------------------------------- */

static void comparison_orders_values(void **state) {
    (void)state;
    static const struct {
        const char *a, *b;
        int cmp;
    } rows[] = {
        {"1", "2", -1},
        {"1.5", "1.50", 0},
        {"-1", "1", -1},
        {"0.1", "0.09999999999999999999999999", 1},
        {"9223372036854775807", "9223372036854775808", -1},
        {"-9223372036854775808", "-9223372036854775809", 1},
        {"922337203685477580.7", "92233720368547758.07", 1},
        {"1e-1000", "0", 1},
        {"-1e-1000", "0", -1},
        {"123456789012345678901234567890", "123456789012345678901234567890.0000001", -1},
        {"5", "4.99999999999999999999999999999999999999999", 1},
        {"0.000000000000000000001", "0.1", -1},
    };
    for (size_t i = 0; i < N(rows); i++) {
        nf_dec a = D(rows[i].a), b = D(rows[i].b);
        assert_int_equal(nf_dec_cmp(&a, &b), rows[i].cmp);
        assert_int_equal(nf_dec_cmp(&b, &a), -rows[i].cmp);
        assert_int_equal(nf_dec_eq(&a, &b), rows[i].cmp == 0);
        nf_dec_release(&a);
        nf_dec_release(&b);
    }
    nf_dec z = D("0"), n = D("-123456789012345678901234567890"), p = D("0.5"), i = D("1e20");
    assert_int_equal(nf_dec_sign(&z), 0);
    assert_int_equal(nf_dec_sign(&n), -1);
    assert_int_equal(nf_dec_sign(&p), 1);
    assert_true(nf_dec_is_integral(&z) && nf_dec_is_integral(&n) && nf_dec_is_integral(&i));
    assert_false(nf_dec_is_integral(&p));
    nf_dec_release(&n);
    nf_dec_release(&i);
}

static void neg_and_abs(void **state) {
    (void)state;
    static const struct {
        const char *in, *neg, *abs;
    } rows[] = {
        {"0", "0", "0"},
        {"1.5", "-1.5", "1.5"},
        {"-1.5", "1.5", "1.5"},
        {"-9223372036854775808", "9223372036854775808", "9223372036854775808"},
        {"9223372036854775808", "-9223372036854775808", "9223372036854775808"},
        {"-123456789012345678901234567890", "123456789012345678901234567890",
         "123456789012345678901234567890"},
    };
    for (size_t i = 0; i < N(rows); i++) {
        nf_dec a = D(rows[i].in), r;
        expect("neg", nf_dec_neg(&a, &r), &r, NF_DEC_OK, rows[i].neg);
        expect("abs", nf_dec_abs(&a, &r), &r, NF_DEC_OK, rows[i].abs);
        nf_dec_release(&a);
    }
    nf_dec m = D("9223372036854775808"), r;
    assert_int_equal(nf_dec_neg(&m, &r), NF_DEC_OK);
    assert_false(r.is_big); /* -2^63 fits int64: inline */
    assert_true(r.u.m == INT64_MIN);
    nf_dec_release(&m);
}

/* ---- ownership
 * ------------------------------------------------------------------------------------------ */

static void out_may_alias_an_input(void **state) {
    (void)state;
    /* x = x op y: the old value of x is released (LSan would report it otherwise) */
    nf_dec x = D("123456789012345678901234567890"), y = D("98765432109876543210.5");
    assert_int_equal(nf_dec_add(&x, &y, &x), NF_DEC_OK);
    assert_string_equal(F(&x), "123456789111111111011111111100.5");
    assert_int_equal(nf_dec_sub(&x, &y, &y), NF_DEC_OK);
    assert_string_equal(F(&y), "123456789012345678901234567890");
    assert_int_equal(nf_dec_mul(&y, &y, &y), NF_DEC_OK);
    assert_string_equal(F(&y), "15241578753238836750495351562536198787501905199875019052100");
    assert_int_equal(nf_dec_div(&y, &x, NF_DEC_DIV_MICROFLOW, &y), NF_DEC_OK);
    assert_int_equal(nf_dec_mod(&x, &y, &x), NF_DEC_OK);
    assert_int_equal(nf_dec_neg(&x, &x), NF_DEC_OK);
    assert_int_equal(nf_dec_abs(&x, &x), NF_DEC_OK);
    assert_int_equal(nf_dec_round(&x, 0, NF_DEC_FLOOR, &x), NF_DEC_OK);
    assert_int_equal(nf_dec_sqrt(&y, &y), NF_DEC_OK);
    assert_int_equal(nf_dec_for_storage(&y, &y), NF_DEC_OK);
    nf_dec two = D("2");
    assert_int_equal(nf_dec_pow(&x, &two, &x), NF_DEC_OK);
    /* an error through an alias also drops the old value and leaves zero */
    nf_dec zero = D("0");
    assert_int_equal(nf_dec_div(&x, &zero, NF_DEC_DIV_NANOFLOW, &x), NF_DEC_DIV_ZERO);
    assert_false(x.is_big);
    assert_int_equal(x.u.m, 0);
    nf_dec_release(&y);

    /* inputs are never modified, and shared values keep their count */
    nf_dec a = D("123456789012345678901234567890.25"), keep, r;
    nf_dec_copy(&a, &keep);
    assert_int_equal(nf_dec_mul(&a, &a, &r), NF_DEC_OK);
    assert_int_equal(a.u.big->refs, 2);
    assert_string_equal(F(&a), "123456789012345678901234567890.25");
    nf_dec_release(&r);
    assert_int_equal(nf_dec_round(&a, 5, NF_DEC_HALF_EVEN, &r), NF_DEC_OK); /* same value */
    assert_int_equal(a.u.big->refs, 3);
    nf_dec_release(&r);
    nf_dec_release(&keep);
    nf_dec_release(&a);
}

static void errors_leave_zero_in_out(void **state) {
    (void)state;
    nf_dec one = D("1"), zero = D("0"), neg = D("-4"), big = D("1e999"), r;
    r = D("5");
    assert_int_equal(nf_dec_div(&one, &zero, NF_DEC_DIV_MICROFLOW, &r), NF_DEC_DIV_ZERO);
    assert_true(r.u.m == 0 && !r.is_big);
    r = D("5");
    assert_int_equal(nf_dec_mod(&one, &zero, &r), NF_DEC_DIV_ZERO);
    assert_true(r.u.m == 0 && !r.is_big);
    r = D("5");
    assert_int_equal(nf_dec_sqrt(&neg, &r), NF_DEC_DOMAIN);
    assert_true(r.u.m == 0 && !r.is_big);
    r = D("5");
    assert_int_equal(nf_dec_mul(&big, &big, &r), NF_DEC_OVERFLOW);
    assert_true(r.u.m == 0 && !r.is_big);
    r = D("5");
    assert_int_equal(nf_dec_div(&one, &one, (nf_dec_div_rule)7, &r), NF_DEC_DOMAIN);
    assert_int_equal(nf_dec_round(&one, 0, (nf_dec_rounding)9, &r), NF_DEC_DOMAIN);
    int64_t v = 3;
    assert_int_equal(nf_dec_to_int64(&big, NF_DEC_DOWN, &v), NF_DEC_OVERFLOW);
    assert_true(v == 0);
    nf_dec_release(&big);
}

static void limits_are_refused_fast(void **state) {
    (void)state;
    /* each of these would need millions of digits if computed: they must return at once */
    static const struct {
        const char *a, *b;
    } pows[] = {
        {"2", "1000000000000000000"},
        {"1.5", "99999999999999999999999"},
        {"0.5", "-1e999"},
        {"1.0000001", "1e999"},
        {"3", "123456789.5"},
        {"1e999", "1e999"},
        {"-1e-1000", "-999999999999"},
        {"1.0000000000000000000000000000001", "1e999"},
        {"123.456", "-1e30"},
    };
    for (size_t i = 0; i < N(pows); i++) {
        nf_dec a = D(pows[i].a), b = D(pows[i].b), r;
        assert_int_equal(nf_dec_pow(&a, &b, &r), NF_DEC_OVERFLOW);
        nf_dec_release(&a);
        nf_dec_release(&b);
    }
    nf_dec a = D("1e999"), b = D("1e-1000"), r;
    assert_int_equal(nf_dec_mul(&a, &a, &r), NF_DEC_OVERFLOW);
    assert_int_equal(nf_dec_div(&a, &b, NF_DEC_DIV_MICROFLOW, &r), NF_DEC_OVERFLOW);
    assert_int_equal(nf_dec_div(&a, &b, NF_DEC_DIV_NANOFLOW, &r), NF_DEC_OVERFLOW);
    assert_int_equal(nf_dec_div(&b, &a, NF_DEC_DIV_MICROFLOW, &r), NF_DEC_OVERFLOW);
    assert_int_equal(nf_dec_add(&a, &b, &r), NF_DEC_OVERFLOW);
    nf_dec_release(&a);
}

/* ---- properties on random values
 * ------------------------------------------------------------------------ */

static uint64_t rnd(uint64_t *s) { /* xorshift64*, fixed seed: reproducible */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* A random value of up to `maxdig` digits (1 … 60), some inline, some big. */
static nf_dec random_dec(uint64_t *s, unsigned maxdig) {
    char buf[80];
    size_t n = 0;
    if (rnd(s) & 1) buf[n++] = '-';
    unsigned nd = 1 + (unsigned)(rnd(s) % maxdig);
    for (unsigned i = 0; i < nd; i++)
        buf[n++] = (char)('0' + rnd(s) % 10);
    unsigned point = (unsigned)(rnd(s) % (nd + 1));
    if (point < nd && (rnd(s) & 1)) {
        memmove(buf + n - point + 1, buf + n - point, point);
        buf[n - point] = '.';
        n++;
    }
    buf[n] = '\0';
    return D(buf);
}

static void properties_hold_for_random_values(void **state) {
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 3000; i++) {
        nf_dec a = random_dec(&seed, (i % 3) == 0 ? 60 : 18), b = random_dec(&seed, 30);
        nf_dec s, d, p, q, t;
        /* (a + b) - b == a, a + b == b + a */
        assert_int_equal(nf_dec_add(&a, &b, &s), NF_DEC_OK);
        assert_int_equal(nf_dec_sub(&s, &b, &d), NF_DEC_OK);
        assert_true(nf_dec_eq(&d, &a));
        assert_int_equal(nf_dec_add(&b, &a, &t), NF_DEC_OK);
        assert_true(nf_dec_eq(&s, &t));
        nf_dec_release(&t);
        /* cmp agrees with the sign of the difference and is antisymmetric */
        nf_dec_release(&d);
        assert_int_equal(nf_dec_sub(&a, &b, &d), NF_DEC_OK);
        assert_int_equal(nf_dec_cmp(&a, &b), nf_dec_sign(&d));
        assert_int_equal(nf_dec_cmp(&b, &a), -nf_dec_sign(&d));
        assert_int_equal(nf_dec_eq(&a, &b), nf_dec_sign(&d) == 0);
        /* (a × b) / b == a when b ≠ 0 and a has at most 34 digits (then the quotient is exact) */
        assert_int_equal(nf_dec_mul(&a, &b, &p), NF_DEC_OK);
        assert_int_equal(nf_dec_mul(&b, &a, &t), NF_DEC_OK);
        assert_true(nf_dec_eq(&p, &t));
        nf_dec_release(&t);
        if (nf_dec_sign(&b) != 0) {
            assert_int_equal(nf_dec_div(&p, &b, NF_DEC_DIV_MICROFLOW, &q), NF_DEC_OK);
            char fa[100];
            size_t la = nf_dec_format(&a, fa, sizeof fa), digits = 0;
            for (size_t k = 0; k < la; k++) /* significant digits */
                if ((fa[k] >= '1' && fa[k] <= '9') || (digits && fa[k] == '0')) digits++;
            if (digits <= 34) assert_true(nf_dec_eq(&q, &a));
            nf_dec_release(&q);
            /* a mod b has a's sign (or is zero) and is smaller than b */
            assert_int_equal(nf_dec_mod(&a, &b, &q), NF_DEC_OK);
            assert_true(nf_dec_sign(&q) == 0 || nf_dec_sign(&q) == nf_dec_sign(&a));
            nf_dec_abs(&q, &q);
            nf_dec_abs(&b, &t);
            assert_int_equal(nf_dec_cmp(&q, &t), -1);
            nf_dec_release(&t);
            nf_dec_release(&q);
        }
        /* parse(format(x)) == x */
        nf_dec *all[] = {&a, &b, &s, &d, &p};
        for (size_t k = 0; k < N(all); k++) {
            char buf[200];
            size_t n = nf_dec_format(all[k], buf, sizeof buf);
            assert_true(n < sizeof buf);
            nf_dec back;
            assert_int_equal(nf_dec_parse(buf, n, &back), NF_DEC_OK);
            assert_true(nf_dec_eq(&back, all[k]));
            assert_canonical(all[k]);
            nf_dec_release(&back);
        }
        for (size_t k = 0; k < N(all); k++)
            nf_dec_release(all[k]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_accepts_plain_and_exponent_forms),
        cmocka_unit_test(parse_rejects_malformed_text),
        cmocka_unit_test(parse_enforces_the_limits),
        cmocka_unit_test(format_behaves_like_snprintf),
        cmocka_unit_test(construction_is_canonical),
        cmocka_unit_test(copies_share_and_release_drops),
        cmocka_unit_test(add_and_sub_are_exact),
        cmocka_unit_test(mul_is_exact),
        cmocka_unit_test(nanoflow_division_is_big_js),
        cmocka_unit_test(microflow_division_is_decimal128),
        cmocka_unit_test(mod_has_the_sign_of_the_dividend),
        cmocka_unit_test(round_supports_six_modes),
        cmocka_unit_test(to_int64_rounds_then_checks_the_range),
        cmocka_unit_test(storage_rounds_to_8_places_and_20_digits),
        cmocka_unit_test(pow_examples),
        cmocka_unit_test(sqrt_examples),
        cmocka_unit_test(comparison_orders_values),
        cmocka_unit_test(neg_and_abs),
        cmocka_unit_test(out_may_alias_an_input),
        cmocka_unit_test(errors_leave_zero_in_out),
        cmocka_unit_test(limits_are_refused_fast),
        cmocka_unit_test(properties_hold_for_random_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
