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
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define NF_CC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NF_CC_ASAN 1
#endif
#endif
#ifdef NF_CC_ASAN
#include <sanitizer/asan_interface.h>
#endif

typedef struct nf_cc_arena_block nf_cc_arena_block;

typedef struct nf_cc_arena {
    nf_cc_arena_block *head; /* current block; older blocks chain through ->next */
    char *cur, *end;         /* free space in the current block */
    size_t total;            /* bytes obtained from malloc, for limits and reports */
    size_t next;             /* at least this size for the next block (after a reset), or 0 */
    bool failed;             /* an allocation failed */
} nf_cc_arena;

void nf_cc_arena_init(nf_cc_arena *a);
void nf_cc_arena_free(nf_cc_arena *a);
/* Frees everything allocated, keeping a single block for reuse (its pages are already in
 * memory); when there were several, the next block takes their combined size, so that as much
 * fits in one block next time. AddressSanitizer builds free every block, so that a use after
 * the reset is reported. */
void nf_cc_arena_reset(nf_cc_arena *a);
/* Starts a new block holding n bytes (a multiple of 8) and returns them, not zeroed. */
void *nf_cc_arena_alloc_block(nf_cc_arena *a, size_t n);
/* Returns 8-byte aligned memory that is NOT zeroed, or NULL on out-of-memory: for callers that
 * write every byte (string copies). */
static inline void *nf_cc_arena_alloc_uninit(nf_cc_arena *a, size_t n) {
    n = n ? (n + 7u) & ~(size_t)7u : 8;
    if ((size_t)(a->end - a->cur) < n) return nf_cc_arena_alloc_block(a, n);
    void *p = a->cur;
    a->cur += n;
    return p;
}
/* Returns zeroed, 8-byte aligned memory, or NULL on out-of-memory. Inline so that zeroing a
 * node of constant size compiles to a few stores instead of a call. */
static inline void *nf_cc_arena_alloc(nf_cc_arena *a, size_t n) {
    void *p = nf_cc_arena_alloc_uninit(a, n);
    if (p) memset(p, 0, n ? (n + 7u) & ~(size_t)7u : 8);
    return p;
}
/* A zeroed node of type size `full` of which only the first `used` bytes (a multiple of 8) are
 * ever accessed, as syntax nodes whose union holds one kind's member: normal builds allocate
 * `used` bytes; AddressSanitizer builds allocate `full` and poison the rest, so that an access
 * beyond `used` is reported. */
static inline void *nf_cc_arena_alloc_part(nf_cc_arena *a, size_t used, size_t full) {
#ifdef NF_CC_ASAN
    char *p = nf_cc_arena_alloc(a, full);
    if (p && used < full) ASAN_POISON_MEMORY_REGION(p + used, full - used);
    return p;
#else
    (void)full;
    return nf_cc_arena_alloc(a, used);
#endif
}
/* Hands the malloc'd buffer mem of `size` bytes over to the arena, which allocates from it
 * when it is larger than the free space left in the current block (and frees it otherwise):
 * memory already touched is reused instead of fresh pages. */
void nf_cc_arena_adopt(nf_cc_arena *a, void *mem, size_t size);
/* Enters the pages of [p, p + n) into memory now, writable, in one system call where the
 * system has one (Linux: MADV_POPULATE_WRITE), instead of one page fault per page on first
 * write; elsewhere, or when it fails, nothing happens (the pages fault in as usual). */
void nf_cc_prefault(void *p, size_t n);
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
