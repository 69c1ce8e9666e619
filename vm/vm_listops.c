/* vm_listops.c — the list operations of the instruction set: sort, aggregates, find by member,
 * union/intersect/subtract/equals, range, and the UTF-16 string order they and `<` use.
 * Membership tests on large lists go through a pointer hash set, so set operations on 100k
 * objects stay linear. */
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"

/* ---- strings in UTF-16 code unit order --------------------------------------------------------
 */

/* Decodes one UTF-8 sequence at s[*i] (invalid bytes decode as themselves, one at a time). */
static uint32_t next_cp(const unsigned char *s, uint32_t n, uint32_t *i) {
    uint32_t c = s[(*i)++];
    if (c < 0x80) return c;
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (!extra || *i + (uint32_t)extra > n) return c;
    uint32_t cp = c & (0x3Fu >> extra);
    for (int k = 0; k < extra; k++) {
        if ((s[*i + (uint32_t)k] & 0xC0) != 0x80) return c;
        cp = (cp << 6) | (s[*i + (uint32_t)k] & 0x3F);
    }
    *i += (uint32_t)extra;
    return cp;
}

/* The first UTF-16 unit of a code point: what UTF-16 order compares first. Supplementary
 * characters (surrogates D800–DBFF) sort below E000–FFFF, unlike code point order. */
static uint32_t unit_key(uint32_t cp) {
    return cp >= 0x10000 ? 0xD800 + ((cp - 0x10000) >> 10) : cp;
}

int nf_vm_str_cmp(const nf_vm_str *a, const nf_vm_str *b) {
    const unsigned char *x = (const unsigned char *)a->s, *y = (const unsigned char *)b->s;
    uint32_t i = 0, j = 0;
    while (i < a->len && j < b->len) {
        if (x[i] < 0x80 && y[j] < 0x80) { /* ASCII fast path */
            if (x[i] != y[j]) return x[i] < y[j] ? -1 : 1;
            i++;
            j++;
            continue;
        }
        uint32_t p = next_cp(x, a->len, &i), q = next_cp(y, b->len, &j);
        if (p == q) continue;
        uint32_t kp = unit_key(p), kq = unit_key(q);
        if (kp != kq) return kp < kq ? -1 : 1;
        /* same high surrogate: the low surrogates decide, in code point order */
        return p < q ? -1 : 1;
    }
    return i < a->len ? 1 : j < b->len ? -1 : 0;
}

/* ---- members
 * -------------------------------------------------------------------------------------- */

nf_vm_status nf_vm_member(nf_vm *vm, nf_vm_obj *o, uint32_t member, nf_val *out) {
    if (!(member & NF_BC_ASSOC_MEMBER)) {
        *out = o->attrs[member];
        return NF_VM_OK;
    }
    nf_val *slot;
    if (nf_vm_assoc_slot(vm, o, member & ~NF_BC_ASSOC_MEMBER, &slot) != NF_VM_OK)
        return NF_VM_ERROR;
    *out = slot ? *slot : nf_vm_empty(NF_BT_OBJ);
    return NF_VM_OK;
}

/* Order of two member values for sorting: empty first, then by type. */
static int val_cmp(const nf_val *a, const nf_val *b) {
    bool ea = nf_vm_is_empty(a), eb = nf_vm_is_empty(b);
    if (ea || eb) return ea == eb ? 0 : ea ? -1 : 1;
    switch (a->kind) {
    case NF_BT_BOOL: return (int)a->u.b - (int)b->u.b;
    case NF_BT_INT:
    case NF_BT_DT: return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    case NF_BT_ENUM: return a->u.e < b->u.e ? -1 : a->u.e > b->u.e;
    case NF_BT_DEC: {
        nf_dec x = nf_vm_dec_of(a), y = nf_vm_dec_of(b);
        return nf_dec_cmp(&x, &y);
    }
    case NF_BT_STR: return nf_vm_str_cmp(a->u.s, b->u.s);
    default: return 0;
    }
}

/* ---- pointer sets
 * ---------------------------------------------------------------------------------- */

typedef struct ptrset {
    const void **slots;
    uint32_t mask;
} ptrset;

static uint32_t ptr_hash(const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (uint32_t)x;
}

static bool ptrset_init(ptrset *s, const nf_vm_list *l) {
    uint32_t cap = 16;
    while (cap < 2 * (l ? l->n : 0) + 1)
        cap *= 2;
    s->slots = calloc(cap, sizeof *s->slots);
    s->mask = cap - 1;
    if (!s->slots) return false;
    for (uint32_t i = 0; l && i < l->n; i++) {
        uint32_t h = ptr_hash(l->items[i]) & s->mask;
        while (s->slots[h] && s->slots[h] != l->items[i])
            h = (h + 1) & s->mask;
        s->slots[h] = l->items[i];
    }
    return true;
}

static bool ptrset_has(const ptrset *s, const void *p) {
    uint32_t h = ptr_hash(p) & s->mask;
    while (s->slots[h]) {
        if (s->slots[h] == p) return true;
        h = (h + 1) & s->mask;
    }
    return false;
}

static void ptrset_add(ptrset *s, const void *p) { /* the set is sized for its list plus more */
    uint32_t h = ptr_hash(p) & s->mask;
    while (s->slots[h] && s->slots[h] != p)
        h = (h + 1) & s->mask;
    s->slots[h] = p;
}

/* ---- results
 * ----------------------------------------------------------------------------------------- */

static nf_vm_status put_list(nf_vm *vm, nf_val *out, nf_vm_list *l) {
    if (!l) return NF_VM_ERROR;
    uint16_t ref = out->ref;
    nf_vm_val_release(vm, out);
    out->u.l = l;
    out->flags = 0;
    out->kind = NF_BT_LIST;
    out->ref = ref;
    return NF_VM_OK;
}

static nf_vm_status no_memory(nf_vm *vm) {
    return nf_vm_raise(vm, NF_VM_E_LIMIT, "out of memory in a list operation");
}

nf_vm_status nf_vm_range(nf_vm *vm, const nf_val *list, int64_t offset, int64_t amount,
                         nf_val *out) {
    if (offset < 0 || amount < 0)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "range with a negative %s",
                           offset < 0 ? "offset" : "amount");
    const nf_vm_list *l = nf_vm_is_empty(list) ? NULL : list->u.l;
    uint32_t n = l ? l->n : 0;
    uint32_t from = offset > n ? n : (uint32_t)offset;
    uint32_t count = n - from;
    if (amount > 0 && amount < count) count = (uint32_t)amount;
    nf_vm_list *r = nf_vm_list_new(vm, l ? l->entity : out->ref, count);
    if (!r) return NF_VM_ERROR;
    for (uint32_t i = 0; i < count; i++) {
        l->items[from + i]->refs++;
        r->items[i] = l->items[from + i];
    }
    r->n = count;
    return put_list(vm, out, r);
}

nf_vm_status nf_vm_set_op(nf_vm *vm, int op, const nf_val *a, const nf_val *b, nf_val *out) {
    const nf_vm_list *x = nf_vm_is_empty(a) ? NULL : a->u.l, *y = nf_vm_is_empty(b) ? NULL : b->u.l;
    uint32_t nx = x ? x->n : 0, ny = y ? y->n : 0;
    if (op == NF_OPC_LEQUALS) {
        bool eq = nx == ny;
        for (uint32_t i = 0; eq && i < nx; i++)
            eq = x->items[i] == y->items[i];
        out->u.b = eq;
        out->flags = 0;
        return NF_VM_OK;
    }
    ptrset in_y;
    if (!ptrset_init(&in_y, y)) return no_memory(vm);
    nf_vm_list *r = nf_vm_list_new(vm, x ? x->entity : y ? y->entity : out->ref, nx);
    if (!r) {
        free(in_y.slots);
        return NF_VM_ERROR;
    }
    nf_vm_status st = NF_VM_OK;
    for (uint32_t i = 0; i < nx && st == NF_VM_OK; i++) {
        bool keep =
            op == NF_OPC_UNION || (op == NF_OPC_INTERSECT) == ptrset_has(&in_y, x->items[i]);
        if (keep) st = nf_vm_list_push(vm, r, x->items[i]);
    }
    if (op == NF_OPC_UNION && st == NF_VM_OK) { /* then y's objects not already in, once */
        uint32_t cap = 16;
        while (cap < 2 * (nx + ny) + 1)
            cap *= 2;
        ptrset seen = {calloc(cap, sizeof(void *)), cap - 1};
        if (!seen.slots) st = no_memory(vm);
        for (uint32_t i = 0; st == NF_VM_OK && i < nx; i++)
            ptrset_add(&seen, x->items[i]);
        for (uint32_t i = 0; st == NF_VM_OK && i < ny; i++)
            if (!ptrset_has(&seen, y->items[i])) {
                ptrset_add(&seen, y->items[i]);
                st = nf_vm_list_push(vm, r, y->items[i]);
            }
        free(seen.slots);
    }
    free(in_y.slots);
    if (st != NF_VM_OK) {
        nf_vm_list_release(vm, r);
        return st;
    }
    return put_list(vm, out, r);
}

/* ---- sort
 * -------------------------------------------------------------------------------------------- */

typedef struct sort_ctx {
    nf_vm *vm;
    const uint32_t *keys; /* attribute, descending pairs */
    uint32_t nkeys;
} sort_ctx;

static int obj_cmp(const sort_ctx *c, const nf_vm_obj *a, const nf_vm_obj *b) {
    for (uint32_t k = 0; k < c->nkeys; k++) {
        uint32_t attr = c->keys[2 * k];
        int r = val_cmp(&a->attrs[attr], &b->attrs[attr]);
        if (r) return c->keys[2 * k + 1] ? -r : r;
    }
    return 0;
}

/* Stable merge sort (Mendix sorts are stable: equal keys keep the list's order). */
static void merge_sort(const sort_ctx *c, nf_vm_obj **a, nf_vm_obj **tmp, uint32_t n) {
    if (n < 2) return;
    if (n <= 12) { /* insertion sort for short runs */
        for (uint32_t i = 1; i < n; i++) {
            nf_vm_obj *x = a[i];
            uint32_t j = i;
            while (j > 0 && obj_cmp(c, a[j - 1], x) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    uint32_t h = n / 2;
    merge_sort(c, a, tmp, h);
    merge_sort(c, a + h, tmp, n - h);
    if (obj_cmp(c, a[h - 1], a[h]) <= 0) return; /* already in order */
    memcpy(tmp, a, h * sizeof *a);
    uint32_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        a[k++] = obj_cmp(c, a[j], tmp[i]) < 0 ? a[j++] : tmp[i++];
    while (i < h)
        a[k++] = tmp[i++];
}

nf_vm_status nf_vm_sort(nf_vm *vm, const nf_bc_flow *f, const nf_val *list, const nf_bc_desc *d,
                        nf_val *out) {
    (void)f;
    const nf_vm_list *l = nf_vm_is_empty(list) ? NULL : list->u.l;
    nf_vm_list *r = l ? nf_vm_list_copy(vm, l) : nf_vm_list_new(vm, out->ref, 0);
    if (!r) return NF_VM_ERROR;
    if (r->n > 1) {
        nf_vm_obj **tmp = malloc((r->n / 2 + 1) * sizeof *tmp);
        if (!tmp) {
            nf_vm_list_release(vm, r);
            return no_memory(vm);
        }
        sort_ctx c = {vm, d->w + 1, d->w[0]};
        merge_sort(&c, r->items, tmp, r->n);
        free(tmp);
    }
    return put_list(vm, out, r);
}

/* ---- aggregates: 0 sum, 1 average, 2 minimum, 3 maximum over an attribute -----------------------
 */

nf_vm_status nf_vm_aggregate(nf_vm *vm, const nf_val *list, const nf_bc_desc *d, nf_val *out) {
    uint32_t op = d->w[0], attr = d->w[1];
    const nf_vm_list *l = nf_vm_is_empty(list) ? NULL : list->u.l;
    uint32_t n = l ? l->n : 0;
    uint16_t ref = out->ref;
    uint8_t kind = out->kind;
    nf_vm_val_release(vm, out);
    if (op >= 2) { /* minimum / maximum: empty values are skipped; none: empty */
        const nf_val *best = NULL;
        for (uint32_t i = 0; i < n; i++) {
            const nf_val *v = &l->items[i]->attrs[attr];
            if (nf_vm_is_empty(v)) continue;
            if (!best || (op == 2 ? val_cmp(v, best) < 0 : val_cmp(v, best) > 0)) best = v;
        }
        if (best) {
            nf_vm_val_retain(best);
            *out = *best;
        }
        out->ref = ref;
        if (!best) out->kind = kind;
        return NF_VM_OK;
    }
    /* sum (Integer stays Integer, checked; Decimal exact), average (Decimal) */
    bool is_int = n == 0 ? kind == NF_BT_INT : l->items[0]->attrs[attr].kind == NF_BT_INT;
    int64_t isum = 0;
    nf_dec dsum = nf_dec_zero();
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++) {
        const nf_val *v = &l->items[i]->attrs[attr];
        if (nf_vm_is_empty(v)) continue;
        count++;
        if (is_int) {
            int64_t s;
#if defined(__GNUC__) || defined(__clang__)
            if (__builtin_add_overflow(isum, v->u.i, &s))
#else
            if ((v->u.i > 0 && isum > INT64_MAX - v->u.i) ||
                (v->u.i < 0 && isum < INT64_MIN - v->u.i))
#endif
            {
                /* continue exactly in Decimal */
                is_int = false;
                nf_dec_from_int64(isum, &dsum);
                nf_dec x;
                nf_dec_from_int64(v->u.i, &x);
                nf_dec r;
                if (nf_dec_add(&dsum, &x, &r) != NF_DEC_OK)
                    return nf_vm_raise(vm, NF_VM_E_RUNTIME, "sum overflow");
                nf_dec_release(&dsum);
                dsum = r;
                continue;
            }
#if !defined(__GNUC__) && !defined(__clang__)
            s = isum + v->u.i;
#endif
            isum = s;
        } else {
            nf_dec x = nf_vm_dec_of(v), r;
            if (nf_dec_add(&dsum, &x, &r) != NF_DEC_OK) {
                nf_dec_release(&dsum);
                return nf_vm_raise(vm, NF_VM_E_RUNTIME, "the sum is too large");
            }
            nf_dec_release(&dsum);
            dsum = r;
        }
    }
    if (op == 0 && kind == NF_BT_INT) {
        if (!is_int) {
            nf_dec_release(&dsum);
            return nf_vm_raise(vm, NF_VM_E_RUNTIME, "Integer overflow in sum");
        }
        *out = nf_vm_int(isum);
        out->ref = ref;
        return NF_VM_OK;
    }
    if (is_int) nf_dec_from_int64(isum, &dsum);
    if (op == 1) {
        if (count == 0) { /* the average of nothing is empty, not 0 / 0 */
            nf_dec_release(&dsum);
            *out = nf_vm_empty(NF_BT_DEC);
            out->ref = ref;
            return NF_VM_OK;
        }
        nf_dec cnt, avg;
        nf_dec_from_int64(count, &cnt);
        /* divided like `:` in the running flow: big.js in nanoflows, DECIMAL128 in microflows */
        bool nano = vm->nframes && vm->frames[vm->nframes - 1].flow->kind == NF_BF_NANOFLOW;
        nf_dec_status s =
            nf_dec_div(&dsum, &cnt, nano ? NF_DEC_DIV_NANOFLOW : NF_DEC_DIV_MICROFLOW, &avg);
        nf_dec_release(&dsum);
        if (s != NF_DEC_OK) return nf_vm_raise(vm, NF_VM_E_RUNTIME, "average: invalid operation");
        dsum = avg;
    }
    *out = nf_vm_dec_val(dsum);
    out->ref = ref;
    return NF_VM_OK;
}

/* ---- find by member
 * ------------------------------------------------------------------------------- */

nf_vm_status nf_vm_find_by(nf_vm *vm, const nf_val *list, const nf_bc_desc *d, const nf_val *value,
                           nf_val *out) {
    uint32_t member = d->w[0];
    bool one = d->w[2] != 0;
    const nf_vm_list *l = nf_vm_is_empty(list) ? NULL : list->u.l;
    uint32_t n = l ? l->n : 0;
    nf_vm_list *r = one ? NULL : nf_vm_list_new(vm, l ? l->entity : out->ref, 0);
    if (!one && !r) return NF_VM_ERROR;
    for (uint32_t i = 0; i < n; i++) {
        nf_val v;
        if (nf_vm_member(vm, l->items[i], member, &v) != NF_VM_OK) {
            if (r) nf_vm_list_release(vm, r);
            return NF_VM_ERROR;
        }
        bool hit = v.kind == NF_BT_LIST && !nf_vm_is_empty(&v)
                       ? (!nf_vm_is_empty(value) && nf_vm_list_contains(v.u.l, value->u.o))
                       : nf_vm_val_equal(&v, value);
        if (!hit) continue;
        if (one) {
            nf_val o = {{.o = l->items[i]}, 0, NF_BT_OBJ, 0, out->ref};
            nf_vm_val_assign(vm, out, &o);
            return NF_VM_OK;
        }
        if (nf_vm_list_push(vm, r, l->items[i]) != NF_VM_OK) {
            nf_vm_list_release(vm, r);
            return NF_VM_ERROR;
        }
    }
    if (one) {
        nf_vm_val_release(vm, out);
        return NF_VM_OK;
    }
    return put_list(vm, out, r);
}
