/* vm_sync.c — the synchronize action: which objects a selective synchronize names, one
 * synchronization at a time (Mendix's message for a second), isSyncing() while it runs. The
 * protocol itself is stdlib's (std_sync*.c), reached through nf_vm_sync only. */
#include <string.h>

#include "vm.h"

/* Adds o (a reference) unless it cannot be synchronized selectively: uncommitted new objects
 * are skipped and deleted ones cannot be synchronized this way (Mendix's rules). */
static nf_vm_status add_obj(nf_vm *vm, nf_vm_obj *o, nf_vm_obj ***objs, uint32_t *n,
                            uint32_t *cap) {
    if (o->state != NF_OBJ_COMMITTED || !o->stored) return NF_VM_OK;
    for (uint32_t i = 0; i < *n; i++)
        if ((*objs)[i] == o) return NF_VM_OK;
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 16;
        nf_vm_obj **p = nf_vm_realloc(vm, *objs, *cap * sizeof *p, nc * sizeof *p);
        if (!p) return nf_vm_no_memory(vm, nc * sizeof *p, "synchronizing objects");
        *objs = p;
        *cap = nc;
    }
    o->refs++;
    (*objs)[(*n)++] = o;
    return NF_VM_OK;
}

nf_vm_status nf_vm_synchronize(nf_vm *vm, int mode, const nf_val *regs, uint32_t n) {
    const nf_vm_sync *sy = vm->cfg.sync;
    if (vm->syncing) return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s", NF_VM_SYNC_BUSY_MESSAGE);
    if (!sy || !sy->synchronize)
        return nf_vm_raise(vm, NF_VM_E_CONNECTION, "cannot synchronize: no server is configured");
    /* the registers may move while the synchronization runs (a host callback can call flows):
     * the objects are collected first */
    nf_vm_obj **objs = NULL;
    uint32_t nobjs = 0, cap = 0;
    nf_vm_status rc = NF_VM_OK;
    for (uint32_t i = 0; mode == 2 && rc == NF_VM_OK && i < n; i++) {
        const nf_val *v = &regs[i];
        if (nf_vm_is_empty(v)) continue;
        if (v->kind == NF_BT_OBJ)
            rc = add_obj(vm, v->u.o, &objs, &nobjs, &cap);
        else if (v->kind == NF_BT_LIST)
            for (uint32_t k = 0; rc == NF_VM_OK && k < v->u.l->n; k++)
                rc = add_obj(vm, v->u.l->items[k], &objs, &nobjs, &cap);
    }
    if (rc == NF_VM_OK && (mode != 2 || nobjs > 0)) {
        vm->sync_cancel = 0;
        vm->syncing = 1;
        rc = sy->synchronize(sy->ud, vm, mode, objs, nobjs);
        vm->syncing = 0;
        vm->sync_cancel = 0;
    }
    for (uint32_t i = 0; i < nobjs; i++)
        nf_vm_obj_release(vm, objs[i]);
    if (objs) nf_vm_dealloc(vm, objs, cap * sizeof *objs);
    return rc;
}
