/* cc_arena.h — bump allocator for one compilation.
 *
 * Everything the front end builds (tokens, AST, symbols, types) lives in one arena and is
 * freed at once with nf_cc_arena_free(). Allocation never fails silently: when the system
 * allocator fails, the arena records it and returns NULL; callers that cannot continue
 * check nf_cc_arena_failed(). */
#ifndef NF_CC_ARENA_H
#define NF_CC_ARENA_H

#include <stddef.h>
#include <stdbool.h>

typedef struct nf_cc_arena_block nf_cc_arena_block;

typedef struct nf_cc_arena {
    nf_cc_arena_block *head; /* current block; older blocks chain through ->next */
    char *cur, *end;         /* free space in the current block */
    size_t total;            /* bytes obtained from malloc, for limits and reports */
    bool failed;             /* an allocation failed */
} nf_cc_arena;

void nf_cc_arena_init(nf_cc_arena *a);
void nf_cc_arena_free(nf_cc_arena *a);
/* Returns zeroed, 8-byte aligned memory, or NULL on out-of-memory. */
void *nf_cc_arena_alloc(nf_cc_arena *a, size_t n);
/* Copies n bytes and appends a NUL. */
char *nf_cc_arena_strndup(nf_cc_arena *a, const char *s, size_t n);
static inline bool nf_cc_arena_failed(const nf_cc_arena *a) {
    return a->failed;
}

/* A growable array of pointers allocated in an arena (old storage is abandoned on growth,
 * which is fine for the front end's short-lived lists). */
typedef struct nf_cc_vec {
    void **items;
    unsigned n, cap;
} nf_cc_vec;

bool nf_cc_vec_push(nf_cc_arena *a, nf_cc_vec *v, void *item);

#endif
