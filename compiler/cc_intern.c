/* cc_intern.c — string interning and pointer-keyed maps; see cc_intern.h. */
#include "cc_intern.h"

#include <stdlib.h>
#include <string.h>

uint32_t nf_cc_hash_bytes(const char *s, uint32_t len) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

bool nf_cc_interner_init(nf_cc_interner *in, nf_cc_arena *arena) {
    in->arena = arena;
    in->cap = 1024;
    in->n = 0;
    in->slots = calloc(in->cap, sizeof *in->slots);
    return in->slots != NULL;
}

void nf_cc_interner_free(nf_cc_interner *in) {
    free(in->slots);
    in->slots = NULL;
    in->cap = in->n = 0;
}

static bool grow(nf_cc_interner *in) {
    uint32_t cap = in->cap * 2;
    nf_cc_sym **slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (uint32_t i = 0; i < in->cap; i++) {
        nf_cc_sym *s = in->slots[i];
        if (!s) continue;
        uint32_t j = s->hash & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = s;
    }
    free(in->slots);
    in->slots = slots;
    in->cap = cap;
    return true;
}

nf_cc_sym *nf_cc_intern(nf_cc_interner *in, const char *s, uint32_t len) {
    uint32_t h = nf_cc_hash_bytes(s, len);
    uint32_t j = h & (in->cap - 1);
    for (nf_cc_sym *e; (e = in->slots[j]) != NULL; j = (j + 1) & (in->cap - 1))
        if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0) return e;
    if ((in->n + 1) * 4 > in->cap * 3) {
        if (!grow(in)) return NULL;
        j = h & (in->cap - 1);
        while (in->slots[j])
            j = (j + 1) & (in->cap - 1);
    }
    nf_cc_sym *e = nf_cc_arena_alloc(in->arena, sizeof *e);
    char *copy = e ? nf_cc_arena_strndup(in->arena, s, len) : NULL;
    if (!copy) return NULL;
    e->s = copy;
    e->len = len;
    e->hash = h;
    e->self = e;
    in->slots[j] = e;
    in->n++;
    return e;
}

nf_cc_sym *nf_cc_intern_cstr(nf_cc_interner *in, const char *s) {
    return nf_cc_intern(in, s, (uint32_t)strlen(s));
}

/* ---- pointer-keyed map ---------------------------------------------------------------- */

static uint32_t ptr_slot(const nf_cc_sym *k, uint32_t cap) {
    return k->hash & (cap - 1);
}

void nf_cc_map_free(nf_cc_map *m) {
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

void *nf_cc_map_get(const nf_cc_map *m, const nf_cc_sym *key) {
    if (!m->cap || !key) return NULL;
    for (uint32_t j = ptr_slot(key, m->cap);; j = (j + 1) & (m->cap - 1)) {
        if (m->keys[j] == key) return m->vals[j];
        if (!m->keys[j]) return NULL;
    }
}

bool nf_cc_map_put(nf_cc_map *m, const nf_cc_sym *key, void *val) {
    if ((m->n + 1) * 4 > m->cap * 3) {
        uint32_t cap = m->cap ? m->cap * 2 : 16;
        const nf_cc_sym **keys = calloc(cap, sizeof *keys);
        void **vals = calloc(cap, sizeof *vals);
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return false;
        }
        for (uint32_t i = 0; i < m->cap; i++) {
            if (!m->keys[i]) continue;
            uint32_t j = ptr_slot(m->keys[i], cap);
            while (keys[j])
                j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            vals[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    uint32_t j = ptr_slot(key, m->cap);
    while (m->keys[j] && m->keys[j] != key)
        j = (j + 1) & (m->cap - 1);
    if (!m->keys[j]) m->n++;
    m->keys[j] = key;
    m->vals[j] = val;
    return true;
}
