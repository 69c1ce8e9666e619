/* vm_list.c — lists of objects: creation, copies, adding and removing, membership. The list
 * operations of the instruction set (union, sort, aggregates, …) are in vm_listops.c. */
#include <string.h>

#include "vm.h"

nf_vm_list *nf_vm_list_new(nf_vm *vm, uint32_t entity, uint32_t cap) {
    nf_vm_list *l = nf_vm_alloc(vm, sizeof *l);
    if (!l) {
        nf_vm_no_memory(vm, sizeof *l, "creating a list");
        return NULL;
    }
    l->refs = 1;
    l->entity = entity;
    l->n = 0;
    l->cap = 0;
    l->items = NULL;
    if (cap) {
        l->items = nf_vm_alloc(vm, cap * sizeof *l->items);
        if (!l->items) {
            nf_vm_dealloc(vm, l, sizeof *l);
            nf_vm_no_memory(vm, cap * sizeof *l->items, "creating a list");
            return NULL;
        }
        l->cap = cap;
    }
    return l;
}

void nf_vm_list_release(nf_vm *vm, nf_vm_list *l) {
    if (!l || --l->refs > 0) return;
    for (uint32_t i = 0; i < l->n; i++)
        nf_vm_obj_release(vm, l->items[i]);
    nf_vm_dealloc(vm, l->items, l->cap * sizeof *l->items);
    nf_vm_dealloc(vm, l, sizeof *l);
}

nf_vm_status nf_vm_list_push(nf_vm *vm, nf_vm_list *l, nf_vm_obj *o) {
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        if (cap < l->cap) return nf_vm_raise(vm, NF_VM_E_LIMIT, "a list cannot grow further");
        nf_vm_obj **items =
            nf_vm_realloc(vm, l->items, l->cap * sizeof *items, (size_t)cap * sizeof *items);
        if (!items)
            return nf_vm_no_memory(vm, (size_t)(cap - l->cap) * sizeof *items, "adding to a list");
        l->items = items;
        l->cap = cap;
    }
    o->refs++;
    l->items[l->n++] = o;
    return NF_VM_OK;
}

nf_vm_list *nf_vm_list_copy(nf_vm *vm, const nf_vm_list *l) {
    nf_vm_list *c = nf_vm_list_new(vm, l->entity, l->n);
    if (!c) return NULL;
    for (uint32_t i = 0; i < l->n; i++) {
        l->items[i]->refs++;
        c->items[i] = l->items[i];
    }
    c->n = l->n;
    return c;
}

bool nf_vm_list_contains(const nf_vm_list *l, const nf_vm_obj *o) {
    for (uint32_t i = 0; i < l->n; i++)
        if (l->items[i] == o) return true;
    return false;
}

void nf_vm_list_remove(nf_vm *vm, nf_vm_list *l, const nf_vm_obj *o) {
    for (uint32_t i = 0; i < l->n; i++)
        if (l->items[i] == o) {
            nf_vm_obj_release(vm, l->items[i]);
            memmove(l->items + i, l->items + i + 1, (l->n - i - 1) * sizeof *l->items);
            l->n--;
            return;
        }
}
