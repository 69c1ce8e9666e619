/* fuzz_decimal.c — libFuzzer target for exact decimals (vm/vm_decimal.c, DESIGN §4).
 *
 * The input is "A\nB\nC": A and B are parsed as decimals (any bytes; most are syntax errors),
 * C's first byte, when present, picks extra rounding places. Every operation then runs on the
 * values that parsed, and the target aborts when an invariant every caller relies on breaks:
 *   - an OK result is canonical and format → parse gives an equal value;
 *   - an error leaves *out zero without a reference;
 *   - (a + b) - b == a, cmp is antisymmetric and agrees with the sign of a - b;
 *   - a mod b has a's sign and |a mod b| < |b|; floor ≤ a ≤ ceiling after rounding;
 *   - computing into an aliased output gives the same value.
 * Everything is released; LeakSanitizer reports what is not.
 *
 * Replay the seeds:  fuzz_decimal tests/fuzz/corpus/decimal -runs=0
 * Fuzz:              fuzz_decimal WORKDIR tests/fuzz/corpus/decimal */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_decimal_impl.h" /* white box: the canonical-form check looks inside big values */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_decimal: %s:%d: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_canonical(const nf_dec *d) {
    CHECK(d->scale >= 0 && d->scale <= NF_DEC_MAX_SCALE);
    if (d->is_big) {
        CHECK(d->u.big->refs >= 1);
        CHECK(!(mpz_sizeinbase(d->u.big->m, 2) <= 63 ||
                (mpz_sgn(d->u.big->m) < 0 && mpz_sizeinbase(d->u.big->m, 2) == 64 &&
                 mpz_scan1(d->u.big->m, 0) == 63))); /* would fit int64 */
        CHECK(d->scale == 0 || !mpz_divisible_ui_p(d->u.big->m, 10));
        CHECK(nf_dec_zdigits(d->u.big->m) <= NF_DEC_MAX_DIGITS);
    } else {
        CHECK(d->u.m != 0 || d->scale == 0);
        CHECK(d->scale == 0 || d->u.m % 10 != 0);
    }
}

static void check_roundtrip(const nf_dec *d) {
    char buf[2 * NF_DEC_MAX_DIGITS + 8];
    size_t n = nf_dec_format(d, buf, sizeof buf);
    CHECK(n < sizeof buf && strlen(buf) == n);
    char small[4];
    CHECK(nf_dec_format(d, small, sizeof small) == n && strlen(small) == (n < 3 ? n : 3));
    nf_dec back;
    CHECK(nf_dec_parse(buf, n, &back) == NF_DEC_OK);
    CHECK(nf_dec_eq(&back, d) && nf_dec_cmp(&back, d) == 0);
    nf_dec_release(&back);
}

/* Checks a result: canonical and round-tripping when OK, zero otherwise. Returns st == OK. */
static bool check(nf_dec_status st, const nf_dec *r) {
    CHECK(st <= NF_DEC_NOMEM);
    if (st != NF_DEC_OK) {
        CHECK(!r->is_big && r->u.m == 0 && r->scale == 0);
        return false;
    }
    check_canonical(r);
    check_roundtrip(r);
    return true;
}

static void binary_ops(const nf_dec *a, const nf_dec *b, int places) {
    nf_dec s, d, r, t;
    /* + - and the identities they satisfy */
    bool s_ok = check(nf_dec_add(a, b, &s), &s);
    if (s_ok) {
        if (check(nf_dec_sub(&s, b, &t), &t)) CHECK(nf_dec_eq(&t, a));
        nf_dec_release(&t);
    }
    if (check(nf_dec_sub(a, b, &d), &d)) {
        CHECK(nf_dec_cmp(a, b) == nf_dec_sign(&d));
        nf_dec_release(&d);
    }
    CHECK(nf_dec_cmp(a, b) == -nf_dec_cmp(b, a));
    CHECK(nf_dec_eq(a, b) == (nf_dec_cmp(a, b) == 0));
    /* the same sum into an aliased output */
    nf_dec c;
    nf_dec_copy(a, &c);
    nf_dec_status st = nf_dec_add(&c, b, &c);
    CHECK((st == NF_DEC_OK) == s_ok);
    if (s_ok) CHECK(nf_dec_eq(&c, &s));
    nf_dec_release(&c);
    nf_dec_release(&s);

    if (check(nf_dec_mul(a, b, &r), &r)) {
        if (nf_dec_sign(b) != 0 && check(nf_dec_div(&r, b, NF_DEC_DIV_MICROFLOW, &t), &t)) {
            /* exact when a has at most 34 significant digits */
            if ((!a->is_big && a->u.m > -10000000000000000 && a->u.m < 10000000000000000))
                CHECK(nf_dec_eq(&t, a));
            nf_dec_release(&t);
        }
        nf_dec_release(&r);
    }
    for (int rule = 0; rule < 2; rule++) {
        st = nf_dec_div(a, b, (nf_dec_div_rule)rule, &r);
        CHECK((st == NF_DEC_DIV_ZERO) == (nf_dec_sign(b) == 0));
        if (check(st, &r)) {
            if (rule == NF_DEC_DIV_NANOFLOW) CHECK(r.scale <= 20);
            nf_dec_release(&r);
        }
    }
    st = nf_dec_mod(a, b, &r);
    CHECK((st == NF_DEC_DIV_ZERO) == (nf_dec_sign(b) == 0));
    if (check(st, &r)) {
        CHECK(nf_dec_sign(&r) == 0 || nf_dec_sign(&r) == nf_dec_sign(a));
        nf_dec x, y;
        if (check(nf_dec_abs(&r, &x), &x) && check(nf_dec_abs(b, &y), &y))
            CHECK(nf_dec_cmp(&x, &y) < 0);
        nf_dec_release(&x);
        nf_dec_release(&y);
        nf_dec_release(&r);
    }
    if (check(nf_dec_pow(a, b, &r), &r)) nf_dec_release(&r);
    (void)places;
}

static void unary_ops(const nf_dec *a, int places) {
    nf_dec r, lo, hi;
    if (check(nf_dec_neg(a, &r), &r)) {
        CHECK(nf_dec_sign(&r) == -nf_dec_sign(a));
        nf_dec_release(&r);
    }
    if (check(nf_dec_abs(a, &r), &r)) {
        CHECK(nf_dec_sign(&r) == (nf_dec_sign(a) != 0));
        nf_dec_release(&r);
    }
    int plist[] = {0, 1, 2, places};
    for (size_t k = 0; k < 4; k++) {
        bool ok_lo = check(nf_dec_round(a, plist[k], NF_DEC_FLOOR, &lo), &lo);
        bool ok_hi = check(nf_dec_round(a, plist[k], NF_DEC_CEILING, &hi), &hi);
        if (ok_lo && ok_hi) CHECK(nf_dec_cmp(&lo, a) <= 0 && nf_dec_cmp(a, &hi) <= 0);
        for (int m = 0; m < 6; m++) {
            if (check(nf_dec_round(a, plist[k], (nf_dec_rounding)m, &r), &r)) {
                CHECK(r.scale <= plist[k]);
                if (ok_lo && ok_hi) CHECK(nf_dec_cmp(&lo, &r) <= 0 && nf_dec_cmp(&r, &hi) <= 0);
                nf_dec_release(&r);
            }
        }
        nf_dec_release(&lo);
        nf_dec_release(&hi);
    }
    for (int m = 0; m < 6; m++) {
        int64_t v = 1;
        nf_dec_status st = nf_dec_to_int64(a, (nf_dec_rounding)m, &v);
        CHECK(st == NF_DEC_OK || (st == NF_DEC_OVERFLOW && v == 0));
    }
    nf_dec_status st = nf_dec_sqrt(a, &r);
    CHECK((st == NF_DEC_DOMAIN) == (nf_dec_sign(a) < 0));
    if (check(st, &r)) nf_dec_release(&r);
    if (check(nf_dec_for_storage(a, &r), &r)) {
        CHECK(r.scale <= 8);
        nf_dec_release(&r);
    }
    nf_dec c;
    nf_dec_copy(a, &c);
    if (check(nf_dec_sqrt(&c, &c), &c)) nf_dec_release(&c); /* aliased */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t la = nl ? (size_t)(nl - s) : size;
    const char *sb = nl ? nl + 1 : s + size;
    size_t rest = size - (size_t)(sb - s);
    const char *nl2 = memchr(sb, '\n', rest);
    size_t lb = nl2 ? (size_t)(nl2 - sb) : rest;
    int places = nl2 && (size_t)(nl2 - sb) + 1 < rest ? (unsigned char)nl2[1] % 40 : 3;

    nf_dec a, b;
    bool a_ok = check(nf_dec_parse(s, la, &a), &a);
    bool b_ok = check(nf_dec_parse(sb, lb, &b), &b);
    if (a_ok) unary_ops(&a, places);
    if (b_ok) unary_ops(&b, places);
    if (a_ok && b_ok) {
        binary_ops(&a, &b, places);
        binary_ops(&b, &a, places);
    }
    nf_dec_release(&a);
    nf_dec_release(&b);
    return 0;
}
