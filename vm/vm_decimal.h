/* vm_decimal.h — exact decimal numbers for the VM (DESIGN §4).
 *
 * A value is mantissa × 10^-scale. Small values (the mantissa fits in int64) live inline and are
 * computed with 64/128-bit integer arithmetic; larger ones hold a reference-counted GMP integer.
 * `+ - *` are exact; division and square root round by the rule they are given. No binary
 * floating point is used anywhere.
 *
 * Values are canonical: the scale is the smallest that represents the value exactly (no
 * trailing fraction zeros; zero has scale 0), and a mantissa that fits in int64 is always stored
 * inline. So two equal values have identical representations, and nf_dec_eq is cheap.
 *
 * Ownership: an nf_dec with is_big set owns one reference to its nf_decbig. Copy with
 * nf_dec_copy (adds a reference), drop with nf_dec_release. Every function that writes *out
 * writes a new value the caller owns; on an error status *out is left as the zero value (no
 * reference held), and the inputs are never modified. `out` may alias an input: the value it
 * held is then released as the result replaces it, so `x = x + y` does not leak.
 *
 * Limits: a result whose mantissa would exceed NF_DEC_MAX_DIGITS digits, or whose scale would
 * exceed NF_DEC_MAX_SCALE, is NF_DEC_OVERFLOW (so no input can make the VM allocate without
 * bound). Thread safety: no global state; values may be shared read-only between threads only
 * if their reference counts are not changed concurrently. */
#ifndef NF_VM_DECIMAL_H
#define NF_VM_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NF_DEC_MAX_DIGITS 1000
#define NF_DEC_MAX_SCALE  1000

typedef struct nf_decbig nf_decbig; /* a GMP mantissa with a reference count (vm_decimal.c) */

typedef struct nf_dec {
    union {
        int64_t m;      /* inline mantissa (is_big = 0) */
        nf_decbig *big; /* heap mantissa (is_big = 1) */
    } u;
    int32_t scale; /* digits after the decimal point, 0 … NF_DEC_MAX_SCALE */
    uint8_t is_big;
} nf_dec;

typedef enum nf_dec_status {
    NF_DEC_OK = 0,
    NF_DEC_DIV_ZERO, /* division or modulo by zero */
    NF_DEC_OVERFLOW, /* the result is too large (see the limits above), or does not fit int64 */
    NF_DEC_SYNTAX,   /* nf_dec_parse: not a number */
    NF_DEC_DOMAIN,   /* square root of a negative number, 0 to a negative power, … */
    NF_DEC_NOMEM
} nf_dec_status;

/* How to round a result to a number of fraction digits. */
typedef enum nf_dec_rounding {
    NF_DEC_HALF_AWAY, /* 0.5 → 1, -0.5 → -1: Mendix's default for round() */
    NF_DEC_HALF_EVEN, /* 0.5 → 0, 1.5 → 2: the app option for round(), and storage */
    NF_DEC_HALF_UP,   /* big.js ROUND_HALF_UP, the nanoflow division rule: same as HALF_AWAY */
    NF_DEC_DOWN,      /* toward zero */
    NF_DEC_FLOOR,     /* toward -infinity */
    NF_DEC_CEILING    /* toward +infinity */
} nf_dec_rounding;

/* Division rules by flow kind (DESIGN §4). */
typedef enum nf_dec_div_rule {
    NF_DEC_DIV_NANOFLOW, /* big.js: 20 fraction digits, half up */
    NF_DEC_DIV_MICROFLOW /* Java MathContext.DECIMAL128: 34 significant digits, half even */
} nf_dec_div_rule;

/* 10^0 … 10^18: the powers of ten that fit int64 (for fast paths outside this library). */
extern const int64_t nf_dec_pow10[19];

/* ---- construction, copies, conversion ----------------------------------------------------------
 */

static inline nf_dec nf_dec_zero(void) {
    nf_dec d = {{0}, 0, 0};
    return d;
}
void nf_dec_from_int64(int64_t v, nf_dec *out);
/* mantissa × 10^-scale, canonicalised (scale 0 … NF_DEC_MAX_SCALE). */
nf_dec_status nf_dec_from_parts(int64_t mantissa, int32_t scale, nf_dec *out);
void nf_dec_copy(const nf_dec *a, nf_dec *out);
void nf_dec_release(nf_dec *a); /* drops the reference; *a becomes zero */

/* Parses plain decimal text: optional sign, digits, optional '.' and digits, optional exponent
 * (e or E, optional sign, digits). No spaces, no thousands separators; at least one digit. */
nf_dec_status nf_dec_parse(const char *s, size_t len, nf_dec *out);
/* Writes plain notation (no exponent, no trailing fraction zeros, '-' for negatives, "0" for
 * zero) with a terminating NUL into buf when it fits; returns the length the text needs, not
 * counting the NUL (like snprintf). */
size_t nf_dec_format(const nf_dec *a, char *buf, size_t n);

/* The integer part after rounding by `mode`; NF_DEC_OVERFLOW when it does not fit int64. */
nf_dec_status nf_dec_to_int64(const nf_dec *a, nf_dec_rounding mode, int64_t *out);

/* ---- arithmetic
 * ---------------------------------------------------------------------------------- */

nf_dec_status nf_dec_add(const nf_dec *a, const nf_dec *b, nf_dec *out);
nf_dec_status nf_dec_sub(const nf_dec *a, const nf_dec *b, nf_dec *out);
nf_dec_status nf_dec_mul(const nf_dec *a, const nf_dec *b, nf_dec *out);
nf_dec_status nf_dec_div(const nf_dec *a, const nf_dec *b, nf_dec_div_rule rule, nf_dec *out);
/* Remainder with the sign of a (Java BigDecimal.remainder); b = 0 is NF_DEC_DIV_ZERO. */
nf_dec_status nf_dec_mod(const nf_dec *a, const nf_dec *b, nf_dec *out);
nf_dec_status nf_dec_neg(const nf_dec *a, nf_dec *out);
nf_dec_status nf_dec_abs(const nf_dec *a, nf_dec *out);
/* Rounds to `places` fraction digits (0 … NF_DEC_MAX_SCALE) by mode. */
nf_dec_status nf_dec_round(const nf_dec *a, int32_t places, nf_dec_rounding mode, nf_dec *out);
/* a^b for an integral b (any sign; exact for b ≥ 0, 34 significant digits half-even for b < 0),
 * otherwise 34 significant digits half-even; a < 0 with a non-integral b is NF_DEC_DOMAIN. */
nf_dec_status nf_dec_pow(const nf_dec *a, const nf_dec *b, nf_dec *out);
/* Square root to 34 significant digits, half even; a < 0 is NF_DEC_DOMAIN. */
nf_dec_status nf_dec_sqrt(const nf_dec *a, nf_dec *out);
/* The value an attribute stores: rounded half-even to 8 fraction digits; more than 20 integral
 * digits is NF_DEC_OVERFLOW (DESIGN §4). */
nf_dec_status nf_dec_for_storage(const nf_dec *a, nf_dec *out);

/* ---- comparison
 * ------------------------------------------------------------------------------------ */

int nf_dec_cmp(const nf_dec *a, const nf_dec *b); /* -1, 0, 1 */
bool nf_dec_eq(const nf_dec *a, const nf_dec *b);
int nf_dec_sign(const nf_dec *a);
bool nf_dec_is_integral(const nf_dec *a);

#endif
