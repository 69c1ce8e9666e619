/* vm_decimal.c — exact decimals (vm_decimal.h, DESIGN §4): representation, parsing, formatting,
 * + - * : mod, rounding and comparison. pow and sqrt are in vm_decimal_math.c.
 *
 * Inline values are computed with checked int64 arithmetic (and __int128 where the compiler has
 * it); anything that does not fit goes through GMP on a "wide" value (mpz mantissa, int64 scale)
 * and is canonicalised by dw_finish, which also enforces the limits. Inputs are canonical and
 * bounded (≤ NF_DEC_MAX_DIGITS digits, scale ≤ NF_DEC_MAX_SCALE), so every intermediate of
 * + - * : mod round is bounded by about twice the limits before it is checked. */
#include "vm_decimal_impl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

const int64_t nf_dec_pow10[19] = {1,
                                  10,
                                  100,
                                  1000,
                                  10000,
                                  100000,
                                  1000000,
                                  10000000,
                                  100000000,
                                  1000000000,
                                  10000000000,
                                  100000000000,
                                  1000000000000,
                                  10000000000000,
                                  100000000000000,
                                  1000000000000000,
                                  10000000000000000,
                                  100000000000000000,
                                  1000000000000000000};
#define P10 nf_dec_pow10

/* ---- checked int64 arithmetic ------------------------------------------------------------------
 */

static bool ck_add(int64_t a, int64_t b, int64_t *r) {
#if defined(__GNUC__)
    return !__builtin_add_overflow(a, b, r);
#else
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b)) return false;
    *r = a + b;
    return true;
#endif
}

static bool ck_sub(int64_t a, int64_t b, int64_t *r) {
#if defined(__GNUC__)
    return !__builtin_sub_overflow(a, b, r);
#else
    if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b)) return false;
    *r = a - b;
    return true;
#endif
}

static bool ck_mul(int64_t a, int64_t b, int64_t *r) {
#if defined(__GNUC__)
    return !__builtin_mul_overflow(a, b, r);
#else
    if (a > 0) {
        if (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a) return false;
    } else if (a < 0) {
        if (b > 0 ? a < INT64_MIN / b : b < INT64_MAX / a) return false;
    }
    *r = a * b;
    return true;
#endif
}

/* ---- rounding decisions -------------------------------------------------------------------------
 */

bool nf_dec_round_away(nf_dec_rounding mode, int cmp_half, bool neg, bool odd) {
    switch (mode) {
    case NF_DEC_HALF_AWAY:
    case NF_DEC_HALF_UP: return cmp_half >= 0;
    case NF_DEC_HALF_EVEN: return cmp_half > 0 || (cmp_half == 0 && odd);
    case NF_DEC_DOWN: return false;
    case NF_DEC_FLOOR: return neg;
    case NF_DEC_CEILING: return !neg;
    }
    return false;
}

static bool mode_ok(nf_dec_rounding mode) {
    return (unsigned)mode <= (unsigned)NF_DEC_CEILING;
}

/* q = n / d rounded by mode; d != 0. q must not alias d. */
void nf_dec_zdiv_round(mpz_t q, const mpz_t n, const mpz_t d, nf_dec_rounding mode) {
    bool neg = (mpz_sgn(n) < 0) != (mpz_sgn(d) < 0);
    mpz_t r;
    mpz_init(r);
    mpz_tdiv_qr(q, r, n, d);
    if (mpz_sgn(r) != 0) {
        mpz_mul_2exp(r, r, 1);
        int c = mpz_cmpabs(r, d);
        if (nf_dec_round_away(mode, c < 0 ? -1 : c > 0, neg, mpz_odd_p(q))) {
            if (neg)
                mpz_sub_ui(q, q, 1);
            else
                mpz_add_ui(q, q, 1);
        }
    }
    mpz_clear(r);
}

/* The int64 version; d > 0 and n / d cannot overflow. */
static int64_t div_round64(int64_t n, int64_t d, nf_dec_rounding mode) {
    int64_t q = n / d, r = n % d;
    if (r != 0) {
        uint64_t ar = r < 0 ? (uint64_t)0 - (uint64_t)r : (uint64_t)r;
        uint64_t rest = (uint64_t)d - ar; /* compare 2r with d without overflow */
        int c = ar < rest ? -1 : ar > rest;
        bool neg = n < 0;
        if (nf_dec_round_away(mode, c, neg, (q & 1) != 0)) q += neg ? -1 : 1;
    }
    return q;
}

/* ---- wide values and canonical form
 * -------------------------------------------------------------- */

void nf_dec_mpz_pow10(mpz_t r, int64_t e) {
    mpz_ui_pow_ui(r, 10, (unsigned long)e);
}

size_t nf_dec_zdigits(const mpz_t m) {
    if (mpz_sgn(m) == 0) return 1;
    size_t n = mpz_sizeinbase(m, 10); /* exact or one too many */
    if (n > 1) {
        mpz_t t;
        mpz_init(t);
        nf_dec_mpz_pow10(t, (int64_t)n - 1);
        if (mpz_cmpabs(m, t) < 0) n--;
        mpz_clear(t);
    }
    return n;
}

static void mpz_set_i64(mpz_t r, int64_t v) {
#if LONG_MAX >= INT64_MAX
    mpz_set_si(r, (long)v);
#else
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    mpz_import(r, 1, 1, sizeof u, 0, 0, &u);
    if (v < 0) mpz_neg(r, r);
#endif
}

static bool mpz_get_i64(const mpz_t m, int64_t *v) {
#if LONG_MAX >= INT64_MAX
    if (!mpz_fits_slong_p(m)) return false;
    *v = (int64_t)mpz_get_si(m);
    return true;
#else
    if (mpz_sizeinbase(m, 2) > 64) return false;
    uint64_t u = 0;
    mpz_export(&u, NULL, 1, sizeof u, 0, 0, m);
    if (mpz_sgn(m) >= 0) {
        if (u > (uint64_t)INT64_MAX) return false;
        *v = (int64_t)u;
    } else {
        if (u > (uint64_t)INT64_MAX + 1) return false;
        *v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    }
    return true;
#endif
}

void nf_dec_dw_init(nf_dec_dw *w, const nf_dec *a) {
    if (a->is_big)
        mpz_init_set(w->m, a->u.big->m);
    else {
        mpz_init(w->m);
        mpz_set_i64(w->m, a->u.m);
    }
    w->s = a->scale;
}

static void set_inline(nf_dec *out, int64_t m, int32_t s) {
    while (s > 0 && m % 10 == 0) {
        m /= 10;
        s--;
    }
    out->u.m = m;
    out->scale = m == 0 ? 0 : s;
    out->is_big = 0;
}

/* Canonicalises w (which it may change) into *out, checking the limits. */
nf_dec_status nf_dec_dw_finish(nf_dec_dw *w, nf_dec *out) {
    *out = nf_dec_zero();
    if (mpz_sgn(w->m) == 0) return NF_DEC_OK;
    if (w->s < 0) {
        if (w->s < -(int64_t)NF_DEC_MAX_DIGITS ||
            nf_dec_zdigits(w->m) + (size_t)-w->s > NF_DEC_MAX_DIGITS)
            return NF_DEC_OVERFLOW;
        mpz_t t;
        mpz_init(t);
        nf_dec_mpz_pow10(t, -w->s);
        mpz_mul(w->m, w->m, t);
        mpz_clear(t);
        w->s = 0;
    } else if (w->s > 0 && mpz_divisible_ui_p(w->m, 10)) {
        mpz_t ten;
        mpz_init_set_ui(ten, 10);
        mp_bitcnt_t n = mpz_remove(w->m, w->m, ten);
        if ((int64_t)n > w->s) { /* removed integral zeros too: put them back */
            mpz_t t;
            mpz_init(t);
            nf_dec_mpz_pow10(t, (int64_t)n - w->s);
            mpz_mul(w->m, w->m, t);
            mpz_clear(t);
            w->s = 0;
        } else {
            w->s -= (int64_t)n;
        }
        mpz_clear(ten);
    }
    if (w->s > NF_DEC_MAX_SCALE) return NF_DEC_OVERFLOW;
    int64_t v;
    if (mpz_get_i64(w->m, &v)) {
        out->u.m = v;
        out->scale = (int32_t)w->s;
        return NF_DEC_OK;
    }
    if (nf_dec_zdigits(w->m) > NF_DEC_MAX_DIGITS) return NF_DEC_OVERFLOW;
    nf_decbig *b = malloc(sizeof *b);
    if (!b) return NF_DEC_NOMEM;
    b->refs = 1;
    mpz_init(b->m);
    mpz_swap(b->m, w->m);
    out->u.big = b;
    out->scale = (int32_t)w->s;
    out->is_big = 1;
    return NF_DEC_OK;
}

/* Finishes and clears w. */
static nf_dec_status dw_done(nf_dec_dw *w, nf_dec *out) {
    nf_dec_status st = nf_dec_dw_finish(w, out);
    mpz_clear(w->m);
    return st;
}

/* Brings a and b to the same (larger) scale. */
static void dw_align(nf_dec_dw *a, nf_dec_dw *b) {
    if (a->s == b->s) return;
    nf_dec_dw *lo = a->s < b->s ? a : b, *hi = lo == a ? b : a;
    mpz_t t;
    mpz_init(t);
    nf_dec_mpz_pow10(t, hi->s - lo->s);
    mpz_mul(lo->m, lo->m, t);
    mpz_clear(t);
    lo->s = hi->s;
}

/* Stores the result r into *out; when out aliases an input, the value it held is released. */
void nf_dec_put(nf_dec *out, const nf_dec *a, const nf_dec *b, nf_dec_status st, nf_dec r) {
    if (st != NF_DEC_OK) {
        nf_dec_release(&r);
        r = nf_dec_zero();
    }
    if (out == a || out == b) nf_dec_release(out);
    *out = r;
}

/* ---- construction and copies
 * ---------------------------------------------------------------------- */

void nf_dec_from_int64(int64_t v, nf_dec *out) {
    *out = nf_dec_zero();
    out->u.m = v;
}

nf_dec_status nf_dec_from_parts(int64_t mantissa, int32_t scale, nf_dec *out) {
    *out = nf_dec_zero();
    if (scale < 0) return NF_DEC_DOMAIN;
    if (mantissa == 0) return NF_DEC_OK;
    while (scale > 0 && mantissa % 10 == 0) {
        mantissa /= 10;
        scale--;
    }
    if (scale > NF_DEC_MAX_SCALE) return NF_DEC_OVERFLOW;
    set_inline(out, mantissa, scale);
    return NF_DEC_OK;
}

void nf_dec_copy(const nf_dec *a, nf_dec *out) {
    if (a == out) return;
    if (a->is_big) a->u.big->refs++;
    *out = *a;
}

void nf_dec_release(nf_dec *a) {
    if (a->is_big && --a->u.big->refs == 0) {
        mpz_clear(a->u.big->m);
        free(a->u.big);
    }
    *a = nf_dec_zero();
}

/* ---- parsing and formatting
 * ------------------------------------------------------------------------ */

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

nf_dec_status nf_dec_parse(const char *s, size_t len, nf_dec *out) {
    *out = nf_dec_zero();
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    size_t i0 = i;
    while (i < len && is_digit(s[i]))
        i++;
    size_t nint = i - i0, f0 = i, nfrac = 0;
    if (i < len && s[i] == '.') {
        f0 = ++i;
        while (i < len && is_digit(s[i]))
            i++;
        nfrac = i - f0;
    }
    if (nint + nfrac == 0) return NF_DEC_SYNTAX;
    int64_t ex = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        size_t e0 = i;
        for (; i < len && is_digit(s[i]); i++)
            if (ex < 1000000000000LL) ex = ex * 10 + (s[i] - '0'); /* saturates far past limits */
        if (i == e0) return NF_DEC_SYNTAX;
        if (eneg) ex = -ex;
    }
    if (i != len) return NF_DEC_SYNTAX;

    /* digit p of int||frac has weight 10^(nint-1-p+ex); keep the first..last non-zero digits */
    size_t total = nint + nfrac, first = total, last = 0;
#define DIG(p) ((p) < nint ? s[i0 + (p)] : s[f0 + (p)-nint])
    for (size_t p = 0; p < total; p++)
        if (DIG(p) != '0') {
            first = p;
            break;
        }
    if (first == total) return NF_DEC_OK; /* zero, whatever the exponent */
    for (size_t p = total; p-- > first;)
        if (DIG(p) != '0') {
            last = p;
            break;
        }
    size_t sig = last - first + 1;
    if (sig > NF_DEC_MAX_DIGITS || total > (size_t)INT64_MAX / 4) return NF_DEC_OVERFLOW;
    int64_t e = ex + (int64_t)nint - 1 - (int64_t)last; /* value = digits × 10^e */
    if (e >= 0 ? (int64_t)sig + e > NF_DEC_MAX_DIGITS : -e > NF_DEC_MAX_SCALE)
        return NF_DEC_OVERFLOW;
    if (sig <= 18 && (e < 0 || (int64_t)sig + e <= 18)) {
        int64_t m = 0;
        for (size_t p = first; p <= last; p++)
            m = m * 10 + (DIG(p) - '0');
        if (e > 0) m *= P10[e];
        set_inline(out, neg ? -m : m, e < 0 ? (int32_t)-e : 0);
        return NF_DEC_OK;
    }
    char buf[NF_DEC_MAX_DIGITS + 1];
    for (size_t p = first; p <= last; p++)
        buf[p - first] = DIG(p);
    buf[sig] = '\0';
#undef DIG
    nf_dec_dw w;
    mpz_init_set_str(w.m, buf, 10);
    if (neg) mpz_neg(w.m, w.m);
    w.s = -e;
    return dw_done(&w, out);
}

size_t nf_dec_format(const nf_dec *a, char *buf, size_t n) {
    char dig[NF_DEC_MAX_DIGITS + 24]; /* the mantissa's digits, no sign */
    char text[2 * NF_DEC_MAX_DIGITS + 8];
    size_t nd;
    bool neg;
    if (a->is_big) {
        neg = mpz_sgn(a->u.big->m) < 0;
        if (mpz_sizeinbase(a->u.big->m, 10) + 2 > sizeof dig) { /* not canonical: never happens */
            if (n) buf[0] = '\0';
            return 0;
        }
        mpz_get_str(dig, 10, a->u.big->m);
        if (neg) memmove(dig, dig + 1, strlen(dig));
        nd = strlen(dig);
    } else {
        neg = a->u.m < 0;
        uint64_t u = neg ? (uint64_t)0 - (uint64_t)a->u.m : (uint64_t)a->u.m;
        char rev[24];
        size_t k = 0;
        do {
            rev[k++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        for (nd = 0; nd < k; nd++)
            dig[nd] = rev[k - 1 - nd];
    }
    size_t scale = (size_t)(a->scale > 0 ? a->scale : 0), len = 0;
    if (neg) text[len++] = '-';
    if (scale == 0) {
        memcpy(text + len, dig, nd);
        len += nd;
    } else if (nd > scale) {
        memcpy(text + len, dig, nd - scale);
        len += nd - scale;
        text[len++] = '.';
        memcpy(text + len, dig + nd - scale, scale);
        len += scale;
    } else {
        text[len++] = '0';
        text[len++] = '.';
        memset(text + len, '0', scale - nd);
        len += scale - nd;
        memcpy(text + len, dig, nd);
        len += nd;
    }
    if (n) {
        size_t k = len < n ? len : n - 1;
        memcpy(buf, text, k);
        buf[k] = '\0';
    }
    return len;
}

/* ---- rounding
 * ------------------------------------------------------------------------------------- */

/* r = a rounded to `places` fraction digits (places ≥ 0). */
static nf_dec_status round_to(const nf_dec *a, int64_t places, nf_dec_rounding mode, nf_dec *r) {
    *r = nf_dec_zero();
    if (a->scale <= places) {
        nf_dec_copy(a, r);
        return NF_DEC_OK;
    }
    int64_t drop = a->scale - places;
    if (!a->is_big && drop <= 18) {
        set_inline(r, div_round64(a->u.m, P10[drop], mode), (int32_t)places);
        return NF_DEC_OK;
    }
    nf_dec_dw w;
    nf_dec_dw_init(&w, a);
    mpz_t d, q;
    mpz_inits(d, q, NULL);
    nf_dec_mpz_pow10(d, drop);
    nf_dec_zdiv_round(q, w.m, d, mode);
    mpz_swap(q, w.m);
    w.s = places;
    mpz_clears(d, q, NULL);
    return dw_done(&w, r);
}

nf_dec_status nf_dec_round(const nf_dec *a, int32_t places, nf_dec_rounding mode, nf_dec *out) {
    nf_dec r = nf_dec_zero();
    nf_dec_status st = places < 0 || !mode_ok(mode) ? NF_DEC_DOMAIN : round_to(a, places, mode, &r);
    nf_dec_put(out, a, NULL, st, r);
    return st;
}

nf_dec_status nf_dec_to_int64(const nf_dec *a, nf_dec_rounding mode, int64_t *out) {
    *out = 0;
    if (!mode_ok(mode)) return NF_DEC_DOMAIN;
    nf_dec r;
    nf_dec_status st = round_to(a, 0, mode, &r);
    if (st != NF_DEC_OK) return st;
    if (r.is_big) {
        nf_dec_release(&r);
        return NF_DEC_OVERFLOW;
    }
    *out = r.u.m;
    return NF_DEC_OK;
}

nf_dec_status nf_dec_for_storage(const nf_dec *a, nf_dec *out) {
    nf_dec r;
    nf_dec_status st = round_to(a, 8, NF_DEC_HALF_EVEN, &r);
    if (st == NF_DEC_OK && r.is_big) { /* inline values are below 10^19: always fine */
        mpz_t lim;
        mpz_init(lim);
        nf_dec_mpz_pow10(lim, 20 + (int64_t)r.scale);
        if (mpz_cmpabs(r.u.big->m, lim) >= 0) st = NF_DEC_OVERFLOW;
        mpz_clear(lim);
    }
    nf_dec_put(out, a, NULL, st, r);
    return st;
}

/* ---- arithmetic
 * ------------------------------------------------------------------------------------ */

static nf_dec_status add_sub(const nf_dec *a, const nf_dec *b, bool sub, nf_dec *out) {
    nf_dec r = nf_dec_zero();
    nf_dec_status st;
    if (!a->is_big && !b->is_big) {
        int64_t x = a->u.m, y = b->u.m, z;
        int32_t s = a->scale > b->scale ? a->scale : b->scale;
        int32_t dx = s - a->scale, dy = s - b->scale;
        if (dx <= 18 && dy <= 18 && ck_mul(x, P10[dx], &x) && ck_mul(y, P10[dy], &y) &&
            (sub ? ck_sub(x, y, &z) : ck_add(x, y, &z))) {
            set_inline(&r, z, s);
            nf_dec_put(out, a, b, NF_DEC_OK, r);
            return NF_DEC_OK;
        }
    }
    nf_dec_dw x, y;
    nf_dec_dw_init(&x, a);
    nf_dec_dw_init(&y, b);
    dw_align(&x, &y);
    if (sub)
        mpz_sub(x.m, x.m, y.m);
    else
        mpz_add(x.m, x.m, y.m);
    mpz_clear(y.m);
    st = dw_done(&x, &r);
    nf_dec_put(out, a, b, st, r);
    return st;
}

nf_dec_status nf_dec_add(const nf_dec *a, const nf_dec *b, nf_dec *out) {
    return add_sub(a, b, false, out);
}

nf_dec_status nf_dec_sub(const nf_dec *a, const nf_dec *b, nf_dec *out) {
    return add_sub(a, b, true, out);
}

nf_dec_status nf_dec_mul(const nf_dec *a, const nf_dec *b, nf_dec *out) {
    nf_dec r = nf_dec_zero();
    nf_dec_status st;
    int64_t s = (int64_t)a->scale + b->scale;
    if (!a->is_big && !b->is_big) {
#if defined(__SIZEOF_INT128__)
        __int128 p = (__int128)a->u.m * b->u.m; /* never overflows; strip zeros before the check */
        while (s > 0 && p % 10 == 0) {
            p /= 10;
            s--;
        }
        if (p == 0) s = 0;
        if (p >= INT64_MIN && p <= INT64_MAX) {
            st = s > NF_DEC_MAX_SCALE ? NF_DEC_OVERFLOW : NF_DEC_OK;
            if (st == NF_DEC_OK) set_inline(&r, (int64_t)p, (int32_t)s);
            nf_dec_put(out, a, b, st, r);
            return st;
        }
#else
        int64_t p;
        if (ck_mul(a->u.m, b->u.m, &p)) {
            while (s > 0 && p % 10 == 0) {
                p /= 10;
                s--;
            }
            st = s > NF_DEC_MAX_SCALE && p != 0 ? NF_DEC_OVERFLOW : NF_DEC_OK;
            if (st == NF_DEC_OK) set_inline(&r, p, p == 0 ? 0 : (int32_t)s);
            nf_dec_put(out, a, b, st, r);
            return st;
        }
#endif
    }
    nf_dec_dw x, y;
    nf_dec_dw_init(&x, a);
    nf_dec_dw_init(&y, b);
    mpz_mul(x.m, x.m, y.m);
    x.s += y.s;
    mpz_clear(y.m);
    st = dw_done(&x, &r);
    nf_dec_put(out, a, b, st, r);
    return st;
}

/* q (scale *qs) = a / b by rule; b != 0. Operands may be any wide values. */
void nf_dec_zdiv_rule(mpz_t q, int64_t *qs, const mpz_t am, int64_t as, const mpz_t bm, int64_t bs,
                      nf_dec_div_rule rule) {
    mpz_t n, d, t;
    mpz_inits(n, d, t, NULL);
    int64_t k; /* scale the quotient is computed to */
    nf_dec_rounding mode;
    if (rule == NF_DEC_DIV_NANOFLOW) {
        k = 20;
        mode = NF_DEC_HALF_UP;
    } else {
        /* choose k so that |a/b| × 10^k lies in [10^33, 10^34): 34 significant digits */
        int64_t e = (int64_t)nf_dec_zdigits(am) - (int64_t)nf_dec_zdigits(bm);
        mpz_abs(n, am);
        mpz_abs(d, bm);
        nf_dec_mpz_pow10(t, e >= 0 ? e : -e);
        mpz_mul(e >= 0 ? d : n, e >= 0 ? d : n, t);
        int64_t ip = mpz_cmp(n, d) >= 0 ? e + 1 : e; /* digits of the integer part, as it were */
        k = 34 - ip + as - bs;
        mode = NF_DEC_HALF_EVEN;
    }
    /* q = a × 10^(k - as + bs) / b */
    int64_t sh = k - as + bs;
    nf_dec_mpz_pow10(t, sh >= 0 ? sh : -sh);
    if (sh >= 0) {
        mpz_mul(n, am, t);
        mpz_set(d, bm);
    } else {
        mpz_set(n, am);
        mpz_mul(d, bm, t);
    }
    nf_dec_zdiv_round(q, n, d, mode);
    *qs = k;
    mpz_clears(n, d, t, NULL);
}

nf_dec_status nf_dec_div(const nf_dec *a, const nf_dec *b, nf_dec_div_rule rule, nf_dec *out) {
    nf_dec r = nf_dec_zero();
    nf_dec_status st = NF_DEC_OK;
    if (nf_dec_sign(b) == 0) {
        st = NF_DEC_DIV_ZERO;
    } else if ((unsigned)rule > (unsigned)NF_DEC_DIV_MICROFLOW) {
        st = NF_DEC_DOMAIN;
    } else if (nf_dec_sign(a) == 0) {
        /* zero */
    } else if (!a->is_big && !b->is_big && a->scale >= b->scale &&
               (rule == NF_DEC_DIV_MICROFLOW || a->scale - b->scale <= 20) &&
               !(a->u.m == INT64_MIN && b->u.m == -1) && a->u.m % b->u.m == 0) {
        /* an exact quotient of at most 19 digits: both rules give it unchanged */
        set_inline(&r, a->u.m / b->u.m, a->scale - b->scale);
    } else {
        nf_dec_dw x, y;
        nf_dec_dw_init(&x, a);
        nf_dec_dw_init(&y, b);
        mpz_t q;
        mpz_init(q);
        int64_t qs;
        nf_dec_zdiv_rule(q, &qs, x.m, x.s, y.m, y.s, rule);
        mpz_swap(q, x.m);
        x.s = qs;
        mpz_clears(q, y.m, NULL);
        st = dw_done(&x, &r);
    }
    nf_dec_put(out, a, b, st, r);
    return st;
}

nf_dec_status nf_dec_mod(const nf_dec *a, const nf_dec *b, nf_dec *out) {
    nf_dec r = nf_dec_zero();
    nf_dec_status st = NF_DEC_OK;
    if (nf_dec_sign(b) == 0) {
        st = NF_DEC_DIV_ZERO;
    } else {
        int64_t x, y;
        int32_t s = a->scale > b->scale ? a->scale : b->scale;
        int32_t dx = s - a->scale, dy = s - b->scale;
        if (!a->is_big && !b->is_big && dx <= 18 && dy <= 18 && ck_mul(a->u.m, P10[dx], &x) &&
            ck_mul(b->u.m, P10[dy], &y)) {
            set_inline(&r, y == -1 ? 0 : x % y, s); /* C's % has the dividend's sign */
        } else {
            nf_dec_dw p, q;
            nf_dec_dw_init(&p, a);
            nf_dec_dw_init(&q, b);
            dw_align(&p, &q);
            mpz_tdiv_r(p.m, p.m, q.m);
            mpz_clear(q.m);
            st = dw_done(&p, &r);
        }
    }
    nf_dec_put(out, a, b, st, r);
    return st;
}

nf_dec_status nf_dec_neg(const nf_dec *a, nf_dec *out) {
    nf_dec r = nf_dec_zero();
    nf_dec_status st = NF_DEC_OK;
    if (!a->is_big && a->u.m != INT64_MIN) {
        r = *a;
        r.u.m = -a->u.m;
    } else {
        nf_dec_dw w;
        nf_dec_dw_init(&w, a);
        mpz_neg(w.m, w.m);
        st = dw_done(&w, &r);
    }
    nf_dec_put(out, a, NULL, st, r);
    return st;
}

nf_dec_status nf_dec_abs(const nf_dec *a, nf_dec *out) {
    if (nf_dec_sign(a) < 0) return nf_dec_neg(a, out);
    nf_dec r;
    nf_dec_copy(a, &r);
    nf_dec_put(out, a, NULL, NF_DEC_OK, r);
    return NF_DEC_OK;
}

/* ---- comparison
 * --------------------------------------------------------------------------------------- */

int nf_dec_sign(const nf_dec *a) {
    if (a->is_big) return mpz_sgn(a->u.big->m);
    return a->u.m < 0 ? -1 : a->u.m > 0;
}

bool nf_dec_is_integral(const nf_dec *a) {
    return a->scale == 0;
}

int nf_dec_cmp(const nf_dec *a, const nf_dec *b) {
    int sa = nf_dec_sign(a), sb = nf_dec_sign(b);
    if (sa != sb) return sa < sb ? -1 : 1;
    if (!a->is_big && !b->is_big) {
        if (a->scale == b->scale) return a->u.m < b->u.m ? -1 : a->u.m > b->u.m;
        int32_t s = a->scale > b->scale ? a->scale : b->scale;
        int32_t dx = s - a->scale, dy = s - b->scale;
#if defined(__SIZEOF_INT128__)
        if (dx <= 18 && dy <= 18) {
            __int128 x = (__int128)a->u.m * P10[dx], y = (__int128)b->u.m * P10[dy];
            return x < y ? -1 : x > y;
        }
#else
        int64_t x, y;
        if (dx <= 18 && dy <= 18 && ck_mul(a->u.m, P10[dx], &x) && ck_mul(b->u.m, P10[dy], &y))
            return x < y ? -1 : x > y;
#endif
    }
    nf_dec_dw x, y;
    nf_dec_dw_init(&x, a);
    nf_dec_dw_init(&y, b);
    dw_align(&x, &y);
    int c = mpz_cmp(x.m, y.m);
    mpz_clears(x.m, y.m, NULL);
    return c < 0 ? -1 : c > 0;
}

bool nf_dec_eq(const nf_dec *a, const nf_dec *b) {
    if (a->is_big != b->is_big || a->scale != b->scale) return false; /* canonical forms */
    return a->is_big ? mpz_cmp(a->u.big->m, b->u.big->m) == 0 : a->u.m == b->u.m;
}
