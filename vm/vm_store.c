/* vm_store.c — objects meet the store: the identity map (one row, one instance), the unsaved
 * list (new objects and changes not committed yet), commit/rollback/delete of objects and lists,
 * retrieves that see uncommitted changes, associations read from either side, and clear from
 * device. The store itself (SQL) is stdlib's, reached through nf_vm_store only. */
#include <string.h>

#include "vm_internal.h"

bool nf_vm_persistable(const nf_vm *vm, uint32_t e) {
    return e < vm->m->nentities && vm->m->entities[e].persist == 0;
}

static const char *entity_name(const nf_vm *vm, uint32_t e) {
    return e < vm->m->nentities ? vm->m->strings[vm->m->entities[e].name] : "?";
}

/* ---- the identity map: open addressing over ids, tombstones on removal ------------------------
 */

#define TOMB ((nf_vm_obj *)(uintptr_t)1) /* a removed entry: never dereferenced */

/* Both halves of the id mixed (UUIDv7 puts the time first and random bits last, but an id from
 * elsewhere need not). */
static uint32_t id_hash(const uint8_t id[16]) {
    uint64_t a, b;
    memcpy(&a, id, 8);
    memcpy(&b, id + 8, 8);
    uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
    return (uint32_t)(h ^ (h >> 31) ^ (h >> 47));
}

nf_vm_obj *nf_vm_idmap_get(nf_vm *vm, const uint8_t id[16]) {
    if (!vm->idmap_cap) return NULL;
    uint32_t mask = vm->idmap_cap - 1;
    for (uint32_t i = id_hash(id) & mask;; i = (i + 1) & mask) {
        nf_vm_obj *o = vm->idmap[i];
        if (!o) return NULL;
        if (o != TOMB && memcmp(o->id, id, 16) == 0) return o;
    }
}

static void idmap_insert(nf_vm_obj **map, uint32_t cap, nf_vm_obj *o) {
    uint32_t mask = cap - 1, i = id_hash(o->id) & mask;
    while (map[i] && map[i] != TOMB)
        i = (i + 1) & mask;
    map[i] = o;
}

bool nf_vm_idmap_put(nf_vm *vm, nf_vm_obj *o) {
    /* rebuilt (grown, tombstones dropped) past 80 % full, to at most half full: a retrieve of
     * 100k rows fits 128k slots (1 MB) */
    if ((uint64_t)(vm->idmap_used + 1) * 5 > (uint64_t)vm->idmap_cap * 4) {
        uint32_t live = 0;
        for (uint32_t i = 0; i < vm->idmap_cap; i++)
            live += vm->idmap[i] && vm->idmap[i] != TOMB;
        uint32_t cap = 64;
        while (cap < (live + 1) * 2)
            cap *= 2;
        nf_vm_obj **map = nf_vm_alloc(vm, cap * sizeof *map);
        if (!map) return false;
        memset(map, 0, cap * sizeof *map);
        for (uint32_t i = 0; i < vm->idmap_cap; i++)
            if (vm->idmap[i] && vm->idmap[i] != TOMB) idmap_insert(map, cap, vm->idmap[i]);
        if (vm->idmap) nf_vm_dealloc(vm, vm->idmap, vm->idmap_cap * sizeof *map);
        vm->idmap = map;
        vm->idmap_cap = cap;
        vm->idmap_used = live;
    }
    idmap_insert(vm->idmap, vm->idmap_cap, o);
    vm->idmap_used++;
    return true;
}

void nf_vm_idmap_remove(nf_vm *vm, nf_vm_obj *o) {
    if (!vm->idmap_cap) return;
    uint32_t mask = vm->idmap_cap - 1;
    for (uint32_t i = id_hash(o->id) & mask; vm->idmap[i]; i = (i + 1) & mask)
        if (vm->idmap[i] == o) {
            vm->idmap[i] = TOMB;
            return;
        }
}

void nf_vm_idmap_free(nf_vm *vm) {
    if (vm->idmap) nf_vm_dealloc(vm, vm->idmap, vm->idmap_cap * sizeof *vm->idmap);
    vm->idmap = NULL;
    vm->idmap_cap = vm->idmap_used = 0;
}

/* ---- the unsaved list ----------------------------------------------------------------------- */

static nf_vm_obj_ext *ext_of(nf_vm *vm, nf_vm_obj *o) {
    if (!o->ext) {
        o->ext = nf_vm_alloc(vm, sizeof *o->ext);
        if (o->ext) memset(o->ext, 0, sizeof *o->ext);
    }
    return o->ext;
}

void nf_vm_obj_ext_trim(nf_vm *vm, nf_vm_obj *o) {
    if (o->ext && !o->unsaved && !o->ext->saved) {
        nf_vm_dealloc(vm, o->ext, sizeof *o->ext);
        o->ext = NULL;
    }
}

/* A committed object on the list is held (unsaved = 2): its changes outlive the variables. */
nf_vm_status nf_vm_unsaved_link(nf_vm *vm, nf_vm_obj *o) {
    if (o->unsaved) return NF_VM_OK;
    nf_vm_obj_ext *e = ext_of(vm, o);
    if (!e) return nf_vm_no_memory(vm, sizeof *e, "tracking a changed object");
    o->unsaved = o->state == NF_OBJ_COMMITTED ? 2 : 1;
    if (o->unsaved == 2) o->refs++;
    e->uprev = NULL;
    e->unext = vm->unsaved;
    if (vm->unsaved) vm->unsaved->ext->uprev = o;
    vm->unsaved = o;
    return NF_VM_OK;
}

void nf_vm_unsaved_unlink(nf_vm *vm, nf_vm_obj *o) {
    if (!o->unsaved) return;
    bool held = o->unsaved == 2;
    nf_vm_obj_ext *e = o->ext;
    o->unsaved = 0;
    if (e->uprev)
        e->uprev->ext->unext = e->unext;
    else
        vm->unsaved = e->unext;
    if (e->unext) e->unext->ext->uprev = e->uprev;
    e->uprev = e->unext = NULL;
    nf_vm_obj_ext_trim(vm, o);
    if (held) nf_vm_obj_release(vm, o);
}

/* ---- rows ------------------------------------------------------------------------------------ */

nf_vm_obj *nf_vm_obj_row(nf_vm *vm, uint32_t entity, const uint8_t id[16], bool *fresh) {
    nf_vm_obj *o = nf_vm_idmap_get(vm, id);
    *fresh = false;
    if (o) {
        o->refs++;
        return o;
    }
    o = nf_vm_obj_blank(vm, entity, true);
    if (!o) return NULL;
    memcpy(o->id, id, 16);
    o->state = NF_OBJ_COMMITTED;
    o->stored = 1;
    if (!nf_vm_idmap_put(vm, o)) {
        o->stored = 0;
        nf_vm_obj_release(vm, o);
        nf_vm_no_memory(vm, 0, "reading objects");
        return NULL;
    }
    *fresh = true;
    return o;
}

/* The id of slot s's target not loaded yet, or NULL. */
static uint8_t *pending_at(const nf_vm *vm, nf_vm_obj *o, uint32_t s) {
    uint8_t(*p)[16] = nf_vm_obj_pending(vm, o);
    if (!p) return NULL;
    for (int i = 0; i < 16; i++)
        if (p[s][i]) return p[s];
    return NULL;
}

nf_vm_status nf_vm_assoc_slot(nf_vm *vm, nf_vm_obj *o, uint32_t assoc, nf_val **slot) {
    int16_t s = vm->layout[o->entity].slot[assoc];
    *slot = NULL;
    if (s < 0) return NF_VM_OK;
    nf_val *v = &o->attrs[o->nattrs + s];
    uint8_t *pend = pending_at(vm, o, (uint32_t)s);
    if (pend) {
        uint8_t id[16];
        memcpy(id, pend, 16);
        nf_vm_obj *t = nf_vm_idmap_get(vm, id);
        if (t)
            t->refs++;
        else if (vm->cfg.store && vm->cfg.store->load(vm->cfg.store->ud, vm,
                                                      vm->m->assocs[assoc].to, id, &t) != NF_VM_OK)
            return NF_VM_ERROR;
        memset(pend, 0, 16);
        if (t) { /* a target gone from the device (cleared) reads as empty */
            nf_vm_val_release(vm, v);
            v->u.o = t;
            v->flags = 0;
            nf_val *saved = nf_vm_obj_saved(o);
            if (saved && nf_vm_is_empty(&saved[o->nattrs + (uint32_t)s])) {
                /* pending means unchanged since the read: the snapshot had it too */
                t->refs++;
                saved[o->nattrs + (uint32_t)s].u.o = t;
                saved[o->nattrs + (uint32_t)s].flags = 0;
            }
        }
    }
    *slot = v;
    return NF_VM_OK;
}

/* ---- commit, rollback, delete -----------------------------------------------------------------
 */

static void objects_of(const nf_val *v, nf_vm_obj *const **objs, uint32_t *n) {
    if (nf_vm_is_empty(v)) {
        *objs = NULL;
        *n = 0;
    } else if (v->kind == NF_BT_OBJ) {
        *objs = &v->u.o;
        *n = 1;
    } else {
        *objs = v->u.l->items;
        *n = v->u.l->n;
    }
}

nf_vm_status nf_vm_commit(nf_vm *vm, const nf_val *v) {
    nf_vm_obj *const *objs;
    uint32_t n;
    objects_of(v, &objs, &n);
    for (uint32_t i = 0; i < n; i++)
        if (objs[i]->state == NF_OBJ_DELETED)
            return nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot commit a deleted %s object",
                               entity_name(vm, objs[i]->entity));
    const nf_vm_store *st = vm->cfg.store;
    if (st && n && st->commit(st->ud, vm, objs, n) != NF_VM_OK) return NF_VM_ERROR;
    for (uint32_t i = 0; i < n; i++) {
        nf_vm_obj *o = objs[i];
        o->refs++; /* unlinking may drop the runtime's hold */
        nf_vm_unsaved_unlink(vm, o);
        o->state = NF_OBJ_COMMITTED;
        o->changed = 0;
        nf_vm_obj_drop_saved(vm, o);
        if (st && nf_vm_persistable(vm, o->entity) && !o->stored) {
            o->stored = 1;
            if (!nf_vm_idmap_put(vm, o)) o->stored = 0; /* still written; found by query */
        }
        nf_vm_obj_release(vm, o);
    }
    return NF_VM_OK;
}

nf_vm_status nf_vm_rollback(nf_vm *vm, const nf_val *v) {
    nf_vm_obj *const *objs;
    uint32_t n;
    objects_of(v, &objs, &n);
    for (uint32_t i = 0; i < n; i++) {
        nf_vm_obj *o = objs[i];
        o->refs++;
        nf_vm_unsaved_unlink(vm, o);
        if (o->state == NF_OBJ_NEW)
            o->state = NF_OBJ_DELETED; /* never committed: it goes away */
        else if (o->state == NF_OBJ_COMMITTED)
            nf_vm_obj_restore(vm, o);
        nf_vm_obj_release(vm, o);
    }
    return NF_VM_OK;
}

/* After a delete: owned slots of live objects that refer to a deleted object become empty (the
 * store cleared them in the rows), and so do pending ids of deleted objects still mapped. */
static void clear_references(nf_vm *vm) {
    for (nf_vm_obj *x = vm->objects; x; x = x->next) {
        uint32_t nowned = vm->layout[x->entity].nowned;
        for (uint32_t s = 0; s < nowned; s++) {
            nf_val *v = &x->attrs[x->nattrs + s];
            if (!nf_vm_is_empty(v) && v->kind == NF_BT_OBJ && v->u.o->state == NF_OBJ_DELETED &&
                v->u.o != x)
                nf_vm_val_release(vm, v);
            uint8_t *pend = pending_at(vm, x, s);
            if (pend) {
                nf_vm_obj *t = nf_vm_idmap_get(vm, pend);
                if (t && t->state == NF_OBJ_DELETED) memset(pend, 0, 16);
            }
        }
    }
}

nf_vm_status nf_vm_delete(nf_vm *vm, const nf_val *v, bool nanoflow) {
    nf_vm_obj *const *objs;
    uint32_t n;
    objects_of(v, &objs, &n);
    const nf_vm_store *st = vm->cfg.store;
    if (st && nanoflow)
        for (uint32_t i = 0; i < n; i++)
            if (!nf_vm_persistable(vm, objs[i]->entity))
                return nf_vm_raise(vm, NF_VM_E_RUNTIME,
                                   "cannot delete a %s object: deleting non-persistable objects "
                                   "is not supported offline",
                                   entity_name(vm, objs[i]->entity));
    if (st && n && st->remove(st->ud, vm, objs, n) != NF_VM_OK) return NF_VM_ERROR;
    /* keep the objects alive while the list (which may be a variable's) is walked */
    for (uint32_t i = 0; i < n; i++)
        objs[i]->refs++;
    for (uint32_t i = 0; i < n; i++) {
        nf_vm_unsaved_unlink(vm, objs[i]);
        objs[i]->state = NF_OBJ_DELETED;
        objs[i]->changed = 0;
    }
    if (st && n) clear_references(vm);
    for (uint32_t i = 0; i < n; i++)
        if (objs[i]->stored) {
            nf_vm_idmap_remove(vm, objs[i]);
            objs[i]->stored = 0;
        }
    /* objs may point into a list that releasing frees: copy the pointers first */
    if (n == 0) return NF_VM_OK;
    if (n == 1) {
        nf_vm_obj_release(vm, objs[0]);
        return NF_VM_OK;
    }
    nf_vm_obj **copy = nf_vm_alloc(vm, n * sizeof *copy);
    if (!copy) { /* leak-free fallback: the list still holds them */
        for (uint32_t i = 0; i < n; i++)
            objs[i]->refs--;
        return NF_VM_OK;
    }
    memcpy(copy, objs, n * sizeof *copy);
    for (uint32_t i = 0; i < n; i++)
        nf_vm_obj_release(vm, copy[i]);
    nf_vm_dealloc(vm, copy, n * sizeof *copy);
    return NF_VM_OK;
}

nf_vm_status nf_vm_clear_device(nf_vm *vm, uint32_t entity) {
    const nf_vm_store *st = vm->cfg.store;
    if (!st)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "clearing %s from the device needs a local store",
                           entity_name(vm, entity));
    if (st->clear(st->ud, vm, entity) != NF_VM_OK) return NF_VM_ERROR;
    /* instances in memory lose their rows: committing them writes them again */
    for (nf_vm_obj *x = vm->objects; x; x = x->next)
        if (x->stored && nf_bc_entity_is_a(vm->m, x->entity, entity)) {
            nf_vm_idmap_remove(vm, x);
            x->stored = 0;
            x->sync = NF_SYNC_NEW; /* written again, it is a new row */
        }
    return NF_VM_OK;
}

/* ---- associations from the `to` side ----------------------------------------------------------
 */

static bool refers_to(nf_vm *vm, nf_vm_obj *x, uint32_t assoc, const nf_vm_obj *o) {
    int16_t s = vm->layout[x->entity].slot[assoc];
    if (s < 0) return false;
    const nf_val *v = &x->attrs[x->nattrs + s];
    if (!nf_vm_is_empty(v))
        return v->kind == NF_BT_LIST ? nf_vm_list_contains(v->u.l, o) : v->u.o == o;
    const uint8_t *pend = pending_at(vm, x, (uint32_t)s);
    return pend && memcmp(pend, o->id, 16) == 0;
}

nf_vm_status nf_vm_assoc_reverse(nf_vm *vm, nf_vm_obj *o, uint32_t assoc, nf_vm_list **out) {
    const nf_bc_assoc *as = &vm->m->assocs[assoc];
    const nf_vm_store *st = vm->cfg.store;
    nf_vm_list *l = nf_vm_list_new(vm, as->from, 0);
    if (!l) return NF_VM_ERROR;
    nf_vm_status rc = NF_VM_OK;
    if (st && nf_vm_persistable(vm, as->from)) {
        /* rows that refer to o, as written; then what memory says for unsaved objects */
        nf_vm_list *rows = nf_vm_list_new(vm, as->from, 0);
        nf_vm_query q = {as->from, NF_BC_NONE, NULL, assoc, o->id, 0, NULL, 0, -1};
        rc = rows ? st->query(st->ud, vm, &q, rows) : NF_VM_ERROR;
        for (uint32_t i = 0; rc == NF_VM_OK && i < rows->n; i++) {
            nf_vm_obj *x = rows->items[i];
            if (!x->unsaved && x->state != NF_OBJ_DELETED) rc = nf_vm_list_push(vm, l, x);
        }
        if (rows) nf_vm_list_release(vm, rows);
        for (nf_vm_obj *x = vm->unsaved; rc == NF_VM_OK && x; x = x->ext->unext)
            if (x->state != NF_OBJ_DELETED && refers_to(vm, x, assoc, o))
                rc = nf_vm_list_push(vm, l, x);
    } else {
        for (nf_vm_obj *x = vm->objects; rc == NF_VM_OK && x; x = x->next)
            if (x->state != NF_OBJ_DELETED && refers_to(vm, x, assoc, o))
                rc = nf_vm_list_push(vm, l, x);
    }
    if (rc != NF_VM_OK) {
        nf_vm_list_release(vm, l);
        return NF_VM_ERROR;
    }
    *out = l;
    return NF_VM_OK;
}

/* ---- retrieve from the database ----------------------------------------------------------------
 */

typedef struct sort_ctx {
    nf_vm *vm;
    uint32_t nsort;
    const uint32_t *sort;
} sort_ctx;

/* The store's order: empty first, Strings without case, enumerations by key, then the id. */
static int cmp_value(const sort_ctx *c, const nf_val *a, const nf_val *b) {
    bool ea = nf_vm_is_empty(a) || (a->kind == NF_BT_STR && a->u.s->len == 0);
    bool eb = nf_vm_is_empty(b) || (b->kind == NF_BT_STR && b->u.s->len == 0);
    if (ea || eb) return ea == eb ? 0 : ea ? -1 : 1;
    const nf_vm_store *st = c->vm->cfg.store;
    switch (a->kind) {
    case NF_BT_STR: return st->text_cmp(st->ud, a->u.s->s, a->u.s->len, b->u.s->s, b->u.s->len);
    case NF_BT_DEC: {
        nf_dec da = nf_vm_dec_of(a), db = nf_vm_dec_of(b);
        return nf_dec_cmp(&da, &db);
    }
    case NF_BT_BOOL: return (int)a->u.b - (int)b->u.b;
    case NF_BT_ENUM: {
        const nf_bc_enum *en = &c->vm->m->enums[a->ref];
        return strcmp(c->vm->m->strings[en->value_names[a->u.e]],
                      c->vm->m->strings[en->value_names[b->u.e]]);
    }
    default: return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    }
}

static int cmp_objects(const sort_ctx *c, const nf_vm_obj *x, const nf_vm_obj *y) {
    for (uint32_t k = 0; k < c->nsort; k++) {
        uint32_t at = c->sort[2 * k];
        int r = cmp_value(c, &x->attrs[at], &y->attrs[at]);
        if (r) return c->sort[2 * k + 1] ? -r : r;
    }
    return memcmp(x->id, y->id, 16);
}

static void merge_sort(const sort_ctx *c, nf_vm_obj **a, nf_vm_obj **tmp, uint32_t n) {
    if (n < 2) return;
    uint32_t h = n / 2;
    merge_sort(c, a, tmp, h);
    merge_sort(c, a + h, tmp, n - h);
    uint32_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp_objects(c, a[j], a[i]) < 0 ? a[j++] : a[i++];
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

static nf_vm_status range_value(nf_vm *vm, const nf_val *R, uint32_t reg, const char *what,
                                int64_t *out) {
    if (reg == NF_BC_NONE) return NF_VM_OK;
    if (nf_vm_is_empty(&R[reg]))
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "the %s of a retrieve is empty", what);
    if (R[reg].u.i < 0)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "the %s of a retrieve is negative (%lld)", what,
                           (long long)R[reg].u.i);
    *out = R[reg].u.i;
    return NF_VM_OK;
}

/* Adds the unsaved, committed objects of the query's entity that match, then sorts and cuts
 * the range in memory (the rows came unranged). */
static nf_vm_status merge_unsaved(nf_vm *vm, const nf_vm_query *q, nf_vm_list *rows, int64_t offset,
                                  int64_t limit, nf_vm_list **out) {
    nf_vm_list *l = nf_vm_list_new(vm, q->entity, rows->n);
    if (!l) return NF_VM_ERROR;
    nf_vm_status rc = NF_VM_OK;
    for (uint32_t i = 0; rc == NF_VM_OK && i < rows->n; i++)
        if (!rows->items[i]->unsaved) rc = nf_vm_list_push(vm, l, rows->items[i]);
    for (nf_vm_obj *x = vm->unsaved; rc == NF_VM_OK && x; x = x->ext->unext) {
        if (x->state != NF_OBJ_COMMITTED || !nf_bc_entity_is_a(vm->m, x->entity, q->entity))
            continue;
        bool match = true;
        if (q->xpath != NF_BC_NONE) rc = nf_vm_xpath_match(vm, x, q->xpath, q->regs, &match);
        if (rc == NF_VM_OK && match) rc = nf_vm_list_push(vm, l, x);
    }
    if (rc == NF_VM_OK && l->n > 1) {
        nf_vm_obj **tmp = nf_vm_alloc(vm, l->n * sizeof *tmp);
        if (!tmp) {
            rc = nf_vm_no_memory(vm, l->n * sizeof *tmp, "sorting a retrieve");
        } else {
            sort_ctx c = {vm, q->nsort, q->sort};
            merge_sort(&c, l->items, tmp, l->n);
            nf_vm_dealloc(vm, tmp, l->n * sizeof *tmp);
        }
    }
    if (rc != NF_VM_OK) {
        nf_vm_list_release(vm, l);
        return NF_VM_ERROR;
    }
    /* the range: drop the first `offset`, keep `limit` */
    uint32_t from = offset >= (int64_t)l->n ? l->n : (uint32_t)offset;
    uint32_t to = limit < 0 || (int64_t)(l->n - from) <= limit ? l->n : from + (uint32_t)limit;
    for (uint32_t i = 0; i < from; i++)
        nf_vm_obj_release(vm, l->items[i]);
    for (uint32_t i = to; i < l->n; i++)
        nf_vm_obj_release(vm, l->items[i]);
    if (from && to > from) memmove(l->items, l->items + from, (to - from) * sizeof *l->items);
    l->n = to - from;
    *out = l;
    return NF_VM_OK;
}

nf_vm_status nf_vm_retrieve(nf_vm *vm, const uint32_t *d, const nf_val *R, nf_val *out) {
    const nf_vm_store *st = vm->cfg.store;
    uint32_t entity = d[0];
    if (!st || !nf_vm_persistable(vm, entity))
        return nf_vm_raise(vm, NF_VM_E_RUNTIME,
                           st ? "%s is not persistable: it cannot be retrieved from the database"
                              : "retrieving %s from the database needs a local store",
                           entity_name(vm, entity));
    bool first = d[2] & 1;
    int64_t offset = 0, limit = -1;
    if (range_value(vm, R, d[4], "offset", &offset) != NF_VM_OK) return NF_VM_ERROR;
    if (range_value(vm, R, d[3], "amount", &limit) != NF_VM_OK) return NF_VM_ERROR;
    if (limit == 0) limit = -1; /* amount 0 means all (Mendix) */
    if (first) limit = 1;
    bool unsaved = false;
    for (nf_vm_obj *x = vm->unsaved; x && !unsaved; x = x->ext->unext)
        unsaved = x->state == NF_OBJ_COMMITTED && nf_bc_entity_is_a(vm->m, x->entity, entity);
    nf_vm_query q = {entity, d[1], R, NF_BC_NONE, NULL, d[5], d + 6, 0, -1};
    if (!unsaved) {
        q.offset = offset;
        q.limit = limit;
    }
    nf_vm_list *l = nf_vm_list_new(vm, entity, 0);
    if (!l) return NF_VM_ERROR;
    if (st->query(st->ud, vm, &q, l) != NF_VM_OK) {
        nf_vm_list_release(vm, l);
        return NF_VM_ERROR;
    }
    if (unsaved) {
        nf_vm_list *m;
        nf_vm_status rc = merge_unsaved(vm, &q, l, offset, limit, &m);
        nf_vm_list_release(vm, l);
        if (rc != NF_VM_OK) return NF_VM_ERROR;
        l = m;
    }
    uint16_t ref = out->ref;
    nf_vm_val_release(vm, out);
    if (first) {
        if (l->n) {
            out->u.o = l->items[0];
            l->items[0]->refs++;
            out->flags = 0;
        }
        nf_vm_list_release(vm, l);
    } else {
        out->u.l = l;
        out->flags = 0;
    }
    out->ref = ref;
    return NF_VM_OK;
}
