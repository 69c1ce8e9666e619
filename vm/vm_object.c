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
    for (int i = 0; i < 6; i++)
        id[i] = (uint8_t)(ms >> (40 - 8 * i));
    id[6] = (uint8_t)(0x70 | ((r1 >> 8) & 0x0F));
    id[7] = (uint8_t)r1;
    id[8] = (uint8_t)(0x80 | ((r2 >> 56) & 0x3F));
    for (int i = 9; i < 16; i++)
        id[i] = (uint8_t)(r2 >> (8 * (15 - i)));
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

nf_vm_obj *nf_vm_obj_new(nf_vm *vm, uint32_t entity) {
    const nf_vm_layout *lay = &vm->layout[entity];
    size_t size = sizeof(nf_vm_obj) + (lay->nattrs + lay->nowned) * sizeof(nf_val);
    nf_vm_obj *o = nf_vm_alloc(vm, size);
    if (!o) {
        nf_vm_no_memory(vm, size, "creating an object");
        return NULL;
    }
    memset(o, 0, sizeof *o);
    o->refs = 1;
    o->entity = entity;
    o->state = NF_OBJ_NEW;
    o->nattrs = lay->nattrs;
    o->attrs = (nf_val *)(o + 1);
    o->assocs = o->attrs + lay->nattrs;
    new_id(vm, o->id);
    for (uint32_t i = 0; i < lay->nattrs; i++)
        default_value(vm, nf_bc_entity_attr(vm->m, entity, i), &o->attrs[i]);
    for (uint32_t i = 0; i < lay->nowned; i++)
        o->assocs[i] = nf_vm_empty(NF_BT_OBJ);
    for (uint32_t a = 0; a < vm->m->nassocs; a++)
        if (lay->slot[a] >= 0 && vm->m->assocs[a].reference_set)
            o->assocs[lay->slot[a]] = nf_vm_empty(NF_BT_LIST);
    /* link into the runtime's live objects */
    o->next = vm->objects;
    if (vm->objects) vm->objects->prev = o;
    vm->objects = o;
    return o;
}

static void free_saved(nf_vm *vm, nf_vm_obj *o) {
    if (!o->saved) return;
    for (uint32_t i = 0; i < o->nattrs; i++)
        nf_vm_val_release(vm, &o->saved[i]);
    nf_vm_dealloc(vm, o->saved, o->nattrs * sizeof(nf_val));
    o->saved = NULL;
}

/* Frees o's storage without looking at its reference count (also used by nf_vm_free). */
void nf_vm_obj_destroy(nf_vm *vm, nf_vm_obj *o) {
    if (o->prev)
        o->prev->next = o->next;
    else if (vm->objects == o)
        vm->objects = o->next;
    if (o->next) o->next->prev = o->prev;
    o->prev = o->next = NULL;
    o->refs = 1; /* releasing the members below may reach o again through a cycle */
    const nf_vm_layout *lay = &vm->layout[o->entity];
    for (uint32_t i = 0; i < o->nattrs; i++)
        nf_vm_val_release(vm, &o->attrs[i]);
    for (uint32_t i = 0; i < lay->nowned; i++)
        nf_vm_val_release(vm, &o->assocs[i]);
    free_saved(vm, o);
    nf_vm_dealloc(vm, o, sizeof(nf_vm_obj) + (lay->nattrs + lay->nowned) * sizeof(nf_val));
}

void nf_vm_obj_release(nf_vm *vm, nf_vm_obj *o) {
    if (o && --o->refs == 0) nf_vm_obj_destroy(vm, o);
}

/* ---- commit, rollback, delete (in memory; the store adds persistence) -------------------------
 */

nf_vm_status nf_vm_obj_commit(nf_vm *vm, nf_vm_obj *o) {
    if (o->state == NF_OBJ_DELETED)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot commit a deleted %s object",
                           vm->m->strings[vm->m->entities[o->entity].name]);
    if (!o->saved) {
        o->saved = nf_vm_alloc(vm, o->nattrs * sizeof(nf_val) + 1);
        if (!o->saved) return nf_vm_raise(vm, NF_VM_E_LIMIT, "out of memory committing an object");
        for (uint32_t i = 0; i < o->nattrs; i++)
            o->saved[i] = nf_vm_empty(o->attrs[i].kind);
    }
    for (uint32_t i = 0; i < o->nattrs; i++)
        nf_vm_val_assign(vm, &o->saved[i], &o->attrs[i]);
    o->state = NF_OBJ_COMMITTED;
    o->changed = 0;
    return NF_VM_OK;
}

/* Undoes the changes since the last commit; an object never committed is removed (deleted). */
void nf_vm_obj_rollback(nf_vm *vm, nf_vm_obj *o) {
    if (o->state == NF_OBJ_NEW) {
        o->state = NF_OBJ_DELETED;
        return;
    }
    if (o->state == NF_OBJ_COMMITTED && o->saved)
        for (uint32_t i = 0; i < o->nattrs; i++)
            nf_vm_val_assign(vm, &o->attrs[i], &o->saved[i]);
    o->changed = 0;
}

void nf_vm_obj_delete(nf_vm *vm, nf_vm_obj *o) {
    (void)vm;
    o->state = NF_OBJ_DELETED;
}
