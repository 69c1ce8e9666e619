/* vm_decimal_math.c — nf_dec_pow and nf_dec_sqrt (vm_decimal.h), on scaled GMP integers.
 *
 * Precision guarantees:
 *   - sqrt: correctly rounded to 34 significant digits, half even (mpz_sqrtrem's remainder tells
 *     whether the discarded part is exactly half).
 *   - pow with an integral exponent n: exact for n ≥ 0; for n < 0, 1 / a^|n| correctly rounded
 *     to 34 significant digits half even (the power is computed exactly first) as long as a^|n|
 *     has at most 4 × NF_DEC_MAX_DIGITS digits; beyond that, as below.
 *   - pow otherwise: exp(b × ln a), with ln and exp evaluated on fixed-point integers carrying
 *     enough digits that the value before the final rounding has a relative error below 10^-55.
 *     It is then rounded half even to 34 significant digits: the result is the correctly rounded
 *     one unless the exact value lies within 10^-21 units in the last place of a half-way point
 *     (exact powers such as 4^0.5 = 2 come out exact).
 * Every computation is bounded: results that would break the limits are refused before the
 * expensive step (exponents are checked against the operands' sizes first). */
#include "vm_decimal_impl.h"

#define GUARD   10   /* extra fixed-point digits inside ln and exp */
#define EXP_P   60   /* fraction digits of y in exp(y) */
#define Y_LIMIT 2400 /* |y| above this: e^y has more than 1000 digits or a scale above 1000 */

/* ---- fixed-point helpers: x is represented by X = x × W with W = 10^p -------------------------
 */

/* atanh(Z / W) × W by its series; |Z| ≤ W / 3. */
static void atanh_fixed(mpz_t sum, const mpz_t z, const mpz_t w) {
    mpz_t z2, t, u;
    mpz_inits(z2, t, u, NULL);
    mpz_set(sum, z);
    mpz_mul(z2, z, z);
    mpz_tdiv_q(z2, z2, w);
    mpz_set(t, z);
    for (unsigned long i = 3;; i += 2) {
        mpz_mul(t, t, z2);
        mpz_tdiv_q(t, t, w);
        if (mpz_sgn(t) == 0) break;
        mpz_tdiv_q_ui(u, t, i);
        mpz_add(sum, sum, u);
    }
    mpz_clears(z2, t, u, NULL);
}

/* ln 2 and ln 10 at W: ln 2 = 2 atanh(1/3), ln 10 = 3 ln 2 + 2 atanh(1/9) (ln 1.25). */
static void log_constants(mpz_t ln2, mpz_t ln10, const mpz_t w) {
    mpz_t z, t;
    mpz_inits(z, t, NULL);
    mpz_tdiv_q_ui(z, w, 3);
    atanh_fixed(ln2, z, w);
    mpz_mul_2exp(ln2, ln2, 1);
    mpz_tdiv_q_ui(z, w, 9);
    atanh_fixed(t, z, w);
    mpz_mul_2exp(t, t, 1);
    mpz_mul_ui(ln10, ln2, 3);
    mpz_add(ln10, ln10, t);
    mpz_clears(z, t, NULL);
}

/* r = m × 10^e, truncated toward zero when e < 0. */
static void shift10(mpz_t r, const mpz_t m, int64_t e) {
    mpz_t t;
    mpz_init(t);
    nf_dec_mpz_pow10(t, e >= 0 ? e : -e);
    if (e >= 0)
        mpz_mul(r, m, t);
    else
        mpz_tdiv_q(r, m, t);
    mpz_clear(t);
}

/* L = ln(x) × 10^p, absolute error about 10^-p (x > 0). */
static void ln_fixed(mpz_t l, const nf_dec_dw *x, int64_t p) {
    int64_t pw = p + GUARD, e = 0;
    unsigned j = 0;
    mpz_t w, g, t, z;
    mpz_inits(w, g, t, z, NULL);
    nf_dec_mpz_pow10(w, pw);
    /* x in [0.75, 1.5): use it as it is, so values near 1 lose nothing to cancellation */
    mpz_mul_ui(g, x->m, 4);
    nf_dec_mpz_pow10(t, x->s);
    mpz_mul_ui(z, t, 3);
    bool near1 = mpz_cmp(g, z) >= 0 && (mpz_mul_ui(z, t, 6), mpz_cmp(g, z) < 0);
    if (near1) {
        shift10(g, x->m, pw - x->s);
    } else { /* x = f × 10^e with f in [0.1, 1), then f × 2^j in [0.75, 1.5) */
        int64_t nd = (int64_t)nf_dec_zdigits(x->m);
        e = nd - x->s;
        shift10(g, x->m, pw - nd);
        for (;;) {
            mpz_mul_ui(t, g, 4);
            mpz_mul_ui(z, w, 3);
            if (mpz_cmp(t, z) >= 0) break;
            mpz_mul_2exp(g, g, 1);
            j++;
        }
    }
    /* ln g = 2 atanh((g - 1) / (g + 1)) */
    mpz_sub(t, g, w);
    mpz_mul(t, t, w);
    mpz_add(z, g, w);
    mpz_tdiv_q(z, t, z);
    atanh_fixed(l, z, w);
    mpz_mul_2exp(l, l, 1);
    if (e != 0 || j != 0) {
        mpz_t ln2, ln10;
        mpz_inits(ln2, ln10, NULL);
        log_constants(ln2, ln10, w);
        mpz_mul_si(ln10, ln10, (long)e);
        mpz_add(l, l, ln10);
        mpz_mul_ui(ln2, ln2, j);
        mpz_sub(l, l, ln2);
        mpz_clears(ln2, ln10, NULL);
    }
    shift10(l, l, -GUARD);
    mpz_clears(w, g, t, z, NULL);
}

/* exp(y) ≈ M × 10^(k - p), exp(y - k ln 10) in [1, 10); y = Y / 10^p with |y| ≤ Y_LIMIT. */
static int64_t exp_fixed(mpz_t m, const mpz_t y, int64_t p) {
    int64_t pw = p + GUARD;
    mpz_t w, yw, ln2, ln10, k, t, d;
    mpz_inits(w, yw, ln2, ln10, k, t, d, NULL);
    nf_dec_mpz_pow10(w, pw);
    shift10(yw, y, GUARD);
    log_constants(ln2, ln10, w);
    mpz_fdiv_q(k, yw, ln10);
    int64_t kk = (int64_t)mpz_get_si(k); /* |k| ≤ Y_LIMIT / ln 10 */
    mpz_submul(yw, k, ln10);             /* r in [0, ln 10) */
    mpz_tdiv_q_2exp(yw, yw, 10);         /* r / 1024: the series converges fast */
    mpz_set(m, w);
    mpz_set(t, w);
    for (unsigned long i = 1;; i++) {
        mpz_mul(t, t, yw);
        mpz_mul_ui(d, w, i);
        mpz_tdiv_q(t, t, d);
        if (mpz_sgn(t) == 0) break;
        mpz_add(m, m, t);
    }
    for (int i = 0; i < 10; i++) { /* square back: e^r = (e^(r/1024))^1024 */
        mpz_mul(m, m, m);
        mpz_tdiv_q(m, m, w);
    }
    shift10(m, m, -GUARD);
    mpz_clears(w, yw, ln2, ln10, k, t, d, NULL);
    return kk;
}

/* Rounds w to 34 significant digits half even; `sticky` says the exact value is a little larger
 * in magnitude than w (a discarded non-zero tail). */
static void round34(nf_dec_dw *w, bool sticky) {
    int64_t drop = (int64_t)nf_dec_zdigits(w->m) - 34;
    if (drop <= 0) return;
    bool neg = mpz_sgn(w->m) < 0;
    mpz_t d, r;
    mpz_inits(d, r, NULL);
    nf_dec_mpz_pow10(d, drop);
    mpz_tdiv_qr(w->m, r, w->m, d);
    bool inexact = sticky || mpz_sgn(r) != 0;
    mpz_mul_2exp(r, r, 1);
    int c = mpz_cmpabs(r, d);
    c = c < 0 ? -1 : c > 0 ? 1 : sticky;
    if (inexact && nf_dec_round_away(NF_DEC_HALF_EVEN, c, neg, mpz_odd_p(w->m))) {
        if (neg)
            mpz_sub_ui(w->m, w->m, 1);
        else
            mpz_add_ui(w->m, w->m, 1);
    }
    w->s -= drop;
    mpz_clears(d, r, NULL);
}

/* ---- pow ----------------------------------------------------------------------------------------
 */

/* x^y = exp(y ln x) for x > 0 (x ≠ 1), negated when `negate`. */
static nf_dec_status pow_general(const nf_dec_dw *x, const nf_dec_dw *y, bool negate, nf_dec *r) {
    nf_dec_status st = NF_DEC_OK;
    nf_dec_dw res;
    mpz_t t, l, yy;
    mpz_inits(res.m, t, l, yy, NULL);
    /* |y ln x| ≥ |y| |x - 1| / 2 when |x - 1| < 1, ≥ 0.4 |y| otherwise: refuse sure overflows
     * before choosing a precision that grows with y's integral digits */
    nf_dec_mpz_pow10(t, x->s);
    mpz_sub(t, x->m, t);
    int64_t ex = (int64_t)nf_dec_zdigits(t) - x->s; /* |x - 1| < 10^ex */
    int64_t eb = (int64_t)nf_dec_zdigits(y->m) - y->s;
    if (eb + (ex < 0 ? ex : 0) - 2 >= 4) {
        st = NF_DEC_OVERFLOW;
        goto done;
    }
    int64_t pl = EXP_P + (eb > 0 ? eb : 0); /* |y| < 10^eb: keeps y's error near 10^-EXP_P */
    ln_fixed(l, x, pl);
    mpz_mul(yy, l, y->m); /* y ln x at 10^(pl + y.s) */
    shift10(yy, yy, EXP_P - pl - y->s);
    nf_dec_mpz_pow10(t, EXP_P);
    mpz_mul_ui(t, t, Y_LIMIT);
    if (mpz_cmpabs(yy, t) > 0) {
        st = NF_DEC_OVERFLOW;
        goto done;
    }
    int64_t k = exp_fixed(res.m, yy, EXP_P);
    res.s = EXP_P - k;
    round34(&res, false);
    if (negate) mpz_neg(res.m, res.m);
    st = nf_dec_dw_finish(&res, r);
done:
    mpz_clears(res.m, t, l, yy, NULL);
    return st;
}

#define EXACT_MAX_EXP 4000 /* |a|^n beyond this is out of range unless |a| = 1 */

static nf_dec_status pow_impl(const nf_dec *a, const nf_dec *b, nf_dec *r) {
    int sa = nf_dec_sign(a), sb = nf_dec_sign(b);
    *r = nf_dec_zero();
    if (sb == 0) {
        nf_dec_from_int64(1, r); /* including 0^0, like Java's BigDecimal.pow(0) */
        return NF_DEC_OK;
    }
    if (sa == 0) return sb > 0 ? NF_DEC_OK : NF_DEC_DOMAIN;
    bool integral = nf_dec_is_integral(b);
    if (!integral && sa < 0) return NF_DEC_DOMAIN;
    nf_dec_status st;
    nf_dec_dw x, y;
    nf_dec_dw_init(&x, a);
    nf_dec_dw_init(&y, b);
    bool negate = integral && sa < 0 && mpz_odd_p(y.m);
    mpz_abs(x.m, x.m);
    if (x.s == 0 && mpz_cmp_ui(x.m, 1) == 0) {
        nf_dec_from_int64(negate ? -1 : 1, r);
        st = NF_DEC_OK;
        goto done;
    }
    if (integral && mpz_cmpabs_ui(y.m, EXACT_MAX_EXP) <= 0) {
        unsigned long n = mpz_get_ui(y.m); /* the magnitude */
        /* |a|^n has at least n (bits - 1) log10(2) digits; a scale of exactly s × n (canonical
         * mantissas with a scale do not end in 0, nor do their powers) */
        uint64_t lo = (uint64_t)n * (mpz_sizeinbase(x.m, 2) - 1) * 30103 / 100000;
        if (sb > 0 && ((uint64_t)x.s * n > NF_DEC_MAX_SCALE || lo >= NF_DEC_MAX_DIGITS)) {
            st = NF_DEC_OVERFLOW;
            goto done;
        }
        if (sb > 0 || lo < 4 * NF_DEC_MAX_DIGITS) {
            mpz_pow_ui(x.m, x.m, n);
            x.s *= (int64_t)n;
            if (sb < 0) { /* 1 / |a|^n, 34 digits half even */
                mpz_t one, q;
                mpz_init_set_ui(one, 1);
                mpz_init(q);
                int64_t qs;
                nf_dec_zdiv_rule(q, &qs, one, 0, x.m, x.s, NF_DEC_DIV_MICROFLOW);
                mpz_swap(q, x.m);
                x.s = qs;
                mpz_clears(one, q, NULL);
            }
            if (negate) mpz_neg(x.m, x.m);
            st = nf_dec_dw_finish(&x, r);
            goto done;
        }
    } else if (integral && sb > 0) {
        st = NF_DEC_OVERFLOW; /* |a| ≥ 2 gives over 1000 digits, a scale gives over 1000 */
        goto done;
    }
    st = pow_general(&x, &y, negate, r);
done:
    mpz_clears(x.m, y.m, NULL);
    return st;
}

nf_dec_status nf_dec_pow(const nf_dec *a, const nf_dec *b, nf_dec *out) {
    nf_dec r;
    nf_dec_status st = pow_impl(a, b, &r);
    nf_dec_put(out, a, b, st, r);
    return st;
}

/* ---- sqrt ---------------------------------------------------------------------------------------
 */

static nf_dec_status sqrt_impl(const nf_dec *a, nf_dec *r) {
    *r = nf_dec_zero();
    int sa = nf_dec_sign(a);
    if (sa < 0) return NF_DEC_DOMAIN;
    if (sa == 0) return NF_DEC_OK;
    /* X = m × 10^t with t + s even and at least 70 digits, so floor(sqrt X) has 35 or more */
    nf_dec_dw x;
    nf_dec_dw_init(&x, a);
    int64_t nd = (int64_t)nf_dec_zdigits(x.m);
    int64_t t = nd < 70 ? 70 - nd : 0;
    if ((t + x.s) % 2 != 0) t++;
    mpz_t p, rem;
    mpz_inits(p, rem, NULL);
    nf_dec_mpz_pow10(p, t);
    mpz_mul(x.m, x.m, p);
    mpz_sqrtrem(x.m, rem, x.m);
    x.s = (t + x.s) / 2;
    round34(&x, mpz_sgn(rem) != 0);
    mpz_clears(p, rem, NULL);
    nf_dec_status st = nf_dec_dw_finish(&x, r);
    mpz_clear(x.m);
    return st;
}

nf_dec_status nf_dec_sqrt(const nf_dec *a, nf_dec *out) {
    nf_dec r;
    nf_dec_status st = sqrt_impl(a, &r);
    nf_dec_put(out, a, NULL, st, r);
    return st;
}
