/* cc_arena.c — bump allocator; see cc_arena.h. */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_POPULATE */
#endif
#include "cc_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Linux: blocks are mapped with MAP_POPULATE, which enters all pages of a block in one system
 * call instead of taking one page fault per 4 KB page on first touch (a fault costs a few
 * microseconds on a virtual machine, and the front end touches tens of MB). Blocks then grow
 * with the arena from 64 KB to at most 1 MB (or the request rounded up to pages), so that
 * little populated memory goes unused. Elsewhere, and in AddressSanitizer builds (whose
 * allocator checks the arena's memory), blocks come from malloc and grow with the arena. */
#if defined(__linux__) && !defined(NF_CC_ASAN)
#include <sys/mman.h>
#ifdef MAP_POPULATE
#define NF_CC_ARENA_MAP 1
#endif
#endif

struct nf_cc_arena_block {
    nf_cc_arena_block *next;
    size_t size; /* payload bytes */
    bool mapped; /* by block_new's mmap (else malloc) */
    /* payload follows, max_align_t aligned by malloc */
};

#define ARENA_HDR ((sizeof(nf_cc_arena_block) + 15u) & ~(size_t)15u)

enum { ARENA_MIN_BLOCK = 64 * 1024, ARENA_MAP_BLOCK = 1024 * 1024 };

/* A block of at least *bytes bytes (header included); *bytes receives its size. */
static nf_cc_arena_block *block_new(size_t *bytes) {
#ifdef NF_CC_ARENA_MAP
    size_t want = (*bytes + 4095u) & ~(size_t)4095u;
    void *m =
        mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (m != MAP_FAILED) {
        nf_cc_arena_block *b = m;
        b->mapped = true;
        *bytes = want;
        return b;
    }
#endif
    nf_cc_arena_block *b = malloc(*bytes);
    if (b) b->mapped = false;
    return b;
}

static void block_free(nf_cc_arena_block *b) {
#ifdef NF_CC_ARENA_MAP
    if (b->mapped) {
        munmap(b, ARENA_HDR + b->size);
        return;
    }
#endif
    free(b);
}

void nf_cc_arena_init(nf_cc_arena *a) {
    memset(a, 0, sizeof *a);
}

void nf_cc_arena_free(nf_cc_arena *a) {
    nf_cc_arena_block *b = a->head;
    while (b) {
        nf_cc_arena_block *next = b->next;
        block_free(b);
        b = next;
    }
    memset(a, 0, sizeof *a);
}

void nf_cc_arena_reset(nf_cc_arena *a) {
#ifdef NF_CC_ASAN
    bool failed = a->failed;
    nf_cc_arena_free(a);
    a->failed = failed;
#else
    nf_cc_arena_block *b = a->head;
    if (!b) return;
    if (b->next) {
        size_t sum = 0;
        for (; b; b = b->next)
            sum += b->size;
        bool failed = a->failed;
        nf_cc_arena_free(a);
        a->failed = failed;
        a->next = sum;
        return;
    }
    a->cur = (char *)b + ARENA_HDR;
    a->end = a->cur + b->size;
#endif
}

void *nf_cc_arena_alloc_block(nf_cc_arena *a, size_t n) {
    /* n is rounded up to a multiple of 8 by nf_cc_arena_alloc_uninit */
    size_t size = n > ARENA_MIN_BLOCK / 2 ? n : ARENA_MIN_BLOCK;
#ifdef NF_CC_ARENA_MAP
    size_t grow = a->total / 4 < ARENA_MAP_BLOCK ? a->total / 4 : ARENA_MAP_BLOCK;
#else
    /* grow block size with the arena so huge inputs need few mallocs */
    size_t grow = n <= a->total / 4 ? a->total / 4 : 0;
#endif
    if (a->next > grow) grow = a->next;
    a->next = 0;
    if (grow > size) size = grow;
    size_t bytes = ARENA_HDR + size;
    nf_cc_arena_block *b = block_new(&bytes);
    if (!b) {
        a->failed = true;
        return NULL;
    }
    b->next = a->head;
    b->size = bytes - ARENA_HDR;
    a->head = b;
    a->cur = (char *)b + ARENA_HDR;
    a->end = a->cur + b->size;
    a->total += bytes;
    void *p = a->cur;
    a->cur += n;
    return p;
}

void nf_cc_arena_adopt(nf_cc_arena *a, void *mem, size_t size) {
    if (!mem || size < ARENA_HDR + ARENA_MIN_BLOCK ||
        size - ARENA_HDR <= (size_t)(a->end - a->cur)) {
        free(mem);
        return;
    }
    nf_cc_arena_block *b = mem;
    b->next = a->head;
    b->size = size - ARENA_HDR;
    b->mapped = false;
    a->head = b;
    a->cur = (char *)b + ARENA_HDR;
    a->end = (char *)b + size;
    a->total += size;
}

void nf_cc_prefault(void *p, size_t n) {
#if defined(NF_CC_ARENA_MAP) && defined(MADV_POPULATE_WRITE)
    /* whole pages inside the range: a page shared with other data is entered by its writer */
    uintptr_t a = ((uintptr_t)p + 4095u) & ~(uintptr_t)4095u,
              b = ((uintptr_t)p + n) & ~(uintptr_t)4095u;
    if (b > a) (void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)n;
#endif
}

char *nf_cc_arena_strndup(nf_cc_arena *a, const char *s, size_t n) {
    char *p = nf_cc_arena_alloc_uninit(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

bool nf_cc_vec_push(nf_cc_arena *a, nf_cc_vec *v, void *item) {
    if (v->n == v->cap) {
        unsigned cap = v->cap ? v->cap * 2 : 4;
        void **items = nf_cc_arena_alloc(a, cap * sizeof *items);
        if (!items) return false;
        if (v->n) memcpy(items, v->items, v->n * sizeof *items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = item;
    return true;
}
