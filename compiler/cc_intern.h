/* cc_intern.h — string interning: equal names become the same pointer.
 *
 * Names (identifiers, qualified names such as "Sales.Order") are interned once at parse time so
 * that symbol tables compare and hash pointers. Interned strings live in the compilation arena. */
#ifndef NF_CC_INTERN_H
#define NF_CC_INTERN_H

#include <stdbool.h>
#include <stdint.h>

#include "cc_arena.h"

typedef struct nf_cc_sym {
    const char *s; /* NUL-terminated */
    uint32_t len;
    uint32_t hash;
    struct nf_cc_sym *self; /* this symbol: &self is a one-element array of it (the parts of
                               a one-part qualified name) */
} nf_cc_sym;

typedef struct nf_cc_interner {
    nf_cc_arena *arena;
    nf_cc_sym **slots;
    uint32_t cap, n; /* cap is a power of two */
} nf_cc_interner;

bool nf_cc_interner_init(nf_cc_interner *in, nf_cc_arena *arena);
void nf_cc_interner_free(nf_cc_interner *in);
/* Returns the unique symbol for s[0..len), or NULL on out-of-memory. */
nf_cc_sym *nf_cc_intern(nf_cc_interner *in, const char *s, uint32_t len);
/* Interns a NUL-terminated string. */
nf_cc_sym *nf_cc_intern_cstr(nf_cc_interner *in, const char *s);
/* FNV-1a; exposed for the symbol tables. */
uint32_t nf_cc_hash_bytes(const char *s, uint32_t len);

/* A hash map from interned symbols (by pointer) to values. */
typedef struct nf_cc_map {
    const nf_cc_sym **keys;
    void **vals;
    uint32_t cap, n;
} nf_cc_map;

void nf_cc_map_free(nf_cc_map *m);
void *nf_cc_map_get(const nf_cc_map *m, const nf_cc_sym *key);
/* Inserts or replaces; returns false on out-of-memory. */
bool nf_cc_map_put(nf_cc_map *m, const nf_cc_sym *key, void *val);

#endif
