/* cc_arena.c — bump allocator; see cc_arena.h. */
#include "cc_arena.h"

#include <stdlib.h>
#include <string.h>

struct nf_cc_arena_block {
    nf_cc_arena_block *next;
    size_t size;
    /* payload follows, max_align_t aligned by malloc */
};

enum { ARENA_MIN_BLOCK = 64 * 1024 };

void nf_cc_arena_init(nf_cc_arena *a) {
    memset(a, 0, sizeof *a);
}

void nf_cc_arena_free(nf_cc_arena *a) {
    nf_cc_arena_block *b = a->head;
    while (b) {
        nf_cc_arena_block *next = b->next;
        free(b);
        b = next;
    }
    memset(a, 0, sizeof *a);
}

void *nf_cc_arena_alloc_block(nf_cc_arena *a, size_t n) {
    /* n is rounded up to a multiple of 8 by nf_cc_arena_alloc_uninit */
    size_t size = n > ARENA_MIN_BLOCK / 2 ? n : ARENA_MIN_BLOCK;
    /* grow block size with the arena so huge inputs need few mallocs */
    if (a->total / 4 > size && n <= a->total / 4) size = a->total / 4;
    size_t hdr = (sizeof(nf_cc_arena_block) + 15u) & ~(size_t)15u;
    nf_cc_arena_block *b = malloc(hdr + size);
    if (!b) {
        a->failed = true;
        return NULL;
    }
    b->next = a->head;
    b->size = size;
    a->head = b;
    a->cur = (char *)b + hdr;
    a->end = a->cur + size;
    a->total += hdr + size;
    void *p = a->cur;
    a->cur += n;
    return p;
}

void nf_cc_arena_adopt(nf_cc_arena *a, void *mem, size_t size) {
    size_t hdr = (sizeof(nf_cc_arena_block) + 15u) & ~(size_t)15u;
    if (!mem || size < hdr + ARENA_MIN_BLOCK || size - hdr <= (size_t)(a->end - a->cur)) {
        free(mem);
        return;
    }
    nf_cc_arena_block *b = mem;
    b->next = a->head;
    b->size = size - hdr;
    a->head = b;
    a->cur = (char *)b + hdr;
    a->end = (char *)b + size;
    a->total += size;
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
