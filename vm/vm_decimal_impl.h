/* vm_decimal_impl.h — internals shared by vm_decimal.c and vm_decimal_math.c (not an API). */
#ifndef NF_VM_DECIMAL_IMPL_H
#define NF_VM_DECIMAL_IMPL_H

#include <gmp.h>

#include "vm_decimal.h"

struct nf_decbig {
    size_t refs;
    mpz_t m; /* never fits int64, at most NF_DEC_MAX_DIGITS digits */
};

/* A wide intermediate: m × 10^-s with any int64 scale (negative too), not yet canonical. */
typedef struct nf_dec_dw {
    mpz_t m;
    int64_t s;
} nf_dec_dw;

void nf_dec_dw_init(nf_dec_dw *w, const nf_dec *a); /* w.m is initialised: clear it */
nf_dec_status nf_dec_dw_finish(nf_dec_dw *w, nf_dec *out);
void nf_dec_put(nf_dec *out, const nf_dec *a, const nf_dec *b, nf_dec_status st, nf_dec r);
void nf_dec_mpz_pow10(mpz_t r, int64_t e);
size_t nf_dec_zdigits(const mpz_t m);
bool nf_dec_round_away(nf_dec_rounding mode, int cmp_half, bool neg, bool odd);
void nf_dec_zdiv_round(mpz_t q, const mpz_t n, const mpz_t d, nf_dec_rounding mode);
void nf_dec_zdiv_rule(mpz_t q, int64_t *qs, const mpz_t am, int64_t as, const mpz_t bm, int64_t bs,
                      nf_dec_div_rule rule);

#endif
