/* vm_object.c — objects in memory: creation with defaults, ids, attribute and association
 * access, commit/rollback/delete state. Persistence is the store's (issue 5); here objects live
 * as long as something references them (or until the runtime is freed). */
#include <stdio.h>
#include <string.h>

#include "vm.h"

/* ---- ids: UUIDv7 (48-bit milliseconds, version 7, 74 random bits)
 * --------------------------------- */

static uint64_t next_random(nf_vm *vm) {
    if (vm->cfg.host.random) return vm->cfg.host.random(vm->cfg.host.ud);
    /* xorshift64*: a default source, seeded at nf_vm_new */
    uint64_t x = vm->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    vm->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

uint64_t nf_vm_random(nf_vm *vm) {
    return next_random(vm);
}

static void new_id(nf_vm *vm, uint8_t id[16]) {
    uint64_t ms = (uint64_t)nf_vm_now(vm), r1 = next_random(vm), r2 = next_random(vm);
    /* a per-runtime count in the low bits: ids stay unique within a runtime even when a
     * deterministic host (tests) answers every random draw with the same bits */
    r2 ^= ++vm->ids_made & 0xFFFFFFFFFFull;
    for (int i = 0; i < 6; i++)
        id[i] = (uint8_t)(ms >> (40 - 8 * i));
    id[6] = (uint8_t)(0x70 | ((r1 >> 8) & 0x0F));
    id[7] = (uint8_t)r1;
    id[8] = (uint8_t)(0x80 | ((r2 >> 56) & 0x3F));
    for (int i = 9; i < 16; i++)
        id[i] = (uint8_t)(r2 >> (8 * (15 - i)));
}

void nf_vm_obj_new_id(nf_vm *vm, nf_vm_obj *o) {
    new_id(vm, o->id);
}

void nf_vm_obj_id_text(const nf_vm_obj *o, char out[37]) {
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
        out[k++] = hex[o->id[i] >> 4];
        out[k++] = hex[o->id[i] & 15];
    }
    out[k] = '\0';
}

/* ---- creation
 * -------------------------------------------------------------------------------------- */

/* The value a new object's attribute starts with: its default, else the type's (Boolean false,
 * numbers 0, others empty). */
static void default_value(nf_vm *vm, const nf_bc_attr *a, nf_val *out) {
    *out = nf_vm_empty(a->type.kind);
    out->ref = a->type.ref;
    if (a->default_k != NF_BC_NONE) {
        *out = vm->consts[a->default_k];
        if (a->type.kind == NF_BT_ENUM) { /* enumeration defaults are value indices */
            out->u.e = (uint32_t)vm->m->consts[a->default_k].i;
            out->kind = NF_BT_ENUM;
        }
        out->ref = a->type.ref;
        nf_vm_val_retain(out);
        return;
    }
    switch (a->type.kind) {
    case NF_BT_BOOL: *out = nf_vm_bool(false); break;
    case NF_BT_INT: *out = nf_vm_int(0); break;
    case NF_BT_DEC: *out = nf_vm_dec_val(nf_dec_zero()); break;
    default: break;
    }
}

/* An object of entity with its attributes empty of their types, linked into the live list. */
/* The size of an object's block: header, members, and the row ids when there are any. */
static size_t obj_size(const nf_vm_layout *lay, bool rowids) {
    return sizeof(nf_vm_obj) + (lay->nattrs + lay->nowned) * sizeof(nf_val) +
           (rowids ? lay->nowned * 16 : 0);
}

nf_vm_obj *nf_vm_obj_blank(nf_vm *vm, uint32_t entity, bool rowids) {
    const nf_vm_layout *lay = &vm->layout[entity];
    rowids = rowids && lay->nowned > 0;
    size_t size = obj_size(lay, rowids);
    nf_vm_obj *o = nf_vm_alloc(vm, size);
    if (!o) {
        nf_vm_no_memory(vm, size, "creating an object");
        return NULL;
    }
    memset(o, 0, sizeof *o);
    o->refs = 1;
    o->entity = entity;
    o->state = NF_OBJ_NEW;
    o->nattrs = (uint16_t)lay->nattrs;
    memcpy(o->attrs, lay->blank, (lay->nattrs + lay->nowned) * sizeof(nf_val));
    o->rowids = rowids;
    if (rowids) memset(o->attrs + lay->nattrs + lay->nowned, 0, lay->nowned * 16);
    /* link into the runtime's live objects */
    o->next = vm->objects;
    if (vm->objects) vm->objects->prev = o;
    vm->objects = o;
    return o;
}

nf_vm_obj *nf_vm_obj_new(nf_vm *vm, uint32_t entity) {
    nf_vm_obj *o = nf_vm_obj_blank(vm, entity, false);
    if (!o) return NULL;
    new_id(vm, o->id);
    for (uint32_t i = 0; i < o->nattrs; i++)
        default_value(vm, nf_bc_entity_attr(vm->m, entity, i), &o->attrs[i]);
    if (vm->cfg.store && nf_vm_persistable(vm, entity) && nf_vm_unsaved_link(vm, o) != NF_VM_OK) {
        nf_vm_obj_release(vm, o);
        return NULL;
    }
    return o;
}

static void free_saved(nf_vm *vm, nf_vm_obj *o) {
    nf_val *saved = nf_vm_obj_saved(o);
    if (!saved) return;
    uint32_t n = o->nattrs + vm->layout[o->entity].nowned;
    o->ext->saved = NULL;
    for (uint32_t i = 0; i < n; i++)
        nf_vm_val_release(vm, &saved[i]);
    nf_vm_dealloc(vm, saved, n * sizeof(nf_val));
}

void nf_vm_obj_drop_saved(nf_vm *vm, nf_vm_obj *o) {
    free_saved(vm, o);
    nf_vm_obj_ext_trim(vm, o);
}

/* Frees o's storage without looking at its reference count (also used by nf_vm_free). */
void nf_vm_obj_destroy(nf_vm *vm, nf_vm_obj *o) {
    if (o->prev)
        o->prev->next = o->next;
    else if (vm->objects == o)
        vm->objects = o->next;
    if (o->next) o->next->prev = o->prev;
    o->prev = o->next = NULL;
    if (o->unsaved) {
        nf_vm_obj_ext *e = o->ext;
        o->unsaved = 0; /* a hold is never dropped here: refs are 0 or being ignored */
        if (e->uprev)
            e->uprev->ext->unext = e->unext;
        else if (vm->unsaved == o)
            vm->unsaved = e->unext;
        if (e->unext) e->unext->ext->uprev = e->uprev;
        e->uprev = e->unext = NULL;
    }
    if (o->stored) nf_vm_idmap_remove(vm, o);
    o->refs = 1; /* releasing the members below may reach o again through a cycle */
    const nf_vm_layout *lay = &vm->layout[o->entity];
    for (uint32_t i = 0; i < o->nattrs; i++)
        nf_vm_val_release(vm, &o->attrs[i]);
    for (uint32_t i = 0; i < lay->nowned; i++)
        nf_vm_val_release(vm, &o->attrs[o->nattrs + i]);
    free_saved(vm, o);
    if (o->ext) nf_vm_dealloc(vm, o->ext, sizeof *o->ext);
    nf_vm_dealloc(vm, o, obj_size(lay, o->rowids));
}

void nf_vm_obj_release(nf_vm *vm, nf_vm_obj *o) {
    if (o && --o->refs == 0) nf_vm_obj_destroy(vm, o);
}

/* ---- the snapshot taken at the first change
 * ------------------------------------------------------ */

nf_vm_status nf_vm_obj_touch(nf_vm *vm, nf_vm_obj *o) {
    if (o->changed) return NF_VM_OK;
    if (o->state == NF_OBJ_COMMITTED) {
        uint32_t nowned = vm->layout[o->entity].nowned, n = o->nattrs + nowned;
        nf_val *saved = nf_vm_alloc(vm, n * sizeof(nf_val));
        if (!saved || (!o->ext && !(o->ext = nf_vm_alloc(vm, sizeof *o->ext)))) {
            if (saved) nf_vm_dealloc(vm, saved, n * sizeof(nf_val));
            return nf_vm_no_memory(vm, n * sizeof(nf_val), "changing an object");
        }
        if (!o->unsaved) memset(o->ext, 0, sizeof *o->ext);
        for (uint32_t i = 0; i < n; i++) {
            saved[i] = o->attrs[i];
            nf_vm_val_retain(&saved[i]);
        }
        o->ext->saved = saved;
        if (o->stored && !o->unsaved && nf_vm_unsaved_link(vm, o) != NF_VM_OK) return NF_VM_ERROR;
    }
    o->changed = 1;
    return NF_VM_OK;
}

bool nf_vm_obj_member_changed(const nf_vm_obj *o, uint32_t i) {
    const nf_val *saved = nf_vm_obj_saved(o);
    if (o->state == NF_OBJ_NEW || !saved) return o->state == NF_OBJ_NEW;
    const nf_val *a = &o->attrs[i], *b = &saved[i];
    if (a->kind == NF_BT_LIST || b->kind == NF_BT_LIST) return true;
    if (i >= o->nattrs && nf_vm_is_empty(a) && nf_vm_is_empty(b)) return false;
    return !nf_vm_val_equal(a, b);
}

bool nf_vm_obj_slot_id(const nf_vm *vm, nf_vm_obj *o, uint32_t slot, uint8_t id[16]) {
    const nf_val *v = &o->attrs[o->nattrs + slot];
    if (!nf_vm_is_empty(v) && v->kind == NF_BT_OBJ) {
        memcpy(id, v->u.o->id, 16);
        return true;
    }
    uint8_t(*pending)[16] = nf_vm_obj_pending(vm, o);
    static const uint8_t zero[16];
    if (!pending || memcmp(pending[slot], zero, 16) == 0) return false;
    memcpy(id, pending[slot], 16);
    return true;
}

nf_vm_status nf_vm_obj_set_pending(nf_vm *vm, nf_vm_obj *o, uint32_t slot, const uint8_t id[16]) {
    uint8_t(*pending)[16] = nf_vm_obj_pending(vm, o);
    if (!pending)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "internal: an object not read from a row");
    memcpy(pending[slot], id, 16);
    return NF_VM_OK;
}

/* Undoes the changes since the last commit: the snapshot comes back. */
void nf_vm_obj_restore(nf_vm *vm, nf_vm_obj *o) {
    nf_val *saved = nf_vm_obj_saved(o);
    if (saved) {
        uint32_t n = o->nattrs + vm->layout[o->entity].nowned;
        for (uint32_t i = 0; i < n; i++) {
            nf_vm_val_release(vm, &o->attrs[i]);
            o->attrs[i] = saved[i];
        }
        nf_vm_dealloc(vm, saved, n * sizeof(nf_val));
        o->ext->saved = NULL;
        nf_vm_obj_ext_trim(vm, o);
    }
    o->changed = 0;
}
