/* vm_internal.h — what the VM's own files share beyond vm.h: frames, the instruction loop and
 * the list operations. Not for stdlib/ or the API. */
#ifndef NF_VM_INTERNAL_H
#define NF_VM_INTERNAL_H

#include "vm.h"

/* Pushes a frame for flow_index with its registers empty; ret_reg is the caller's register
 * that receives the result. Raises LimitExceeded past the depth limit. */
nf_vm_status nf_vm_push_frame(nf_vm *vm, uint32_t flow_index, uint8_t ret_reg);
/* The registers of f (past its parameters, of kinds that hold no references) that its code can
 * read before writing them, as a malloc'ed list (NULL when none); false when out of memory
 * (vm_regs.c). */
bool nf_vm_regs_to_reset(const nf_bc_module *m, const nf_bc_flow *f, uint8_t **list,
                         uint16_t *count);
/* A frame was laid at depth d (its registers set from its flow's template): the registers of
 * frames[d + 1], as its last frame left them, may be overwritten now, so it no longer
 * describes them (CALL, docs/vm.md §7). */
static inline void nf_vm_frame_laid(nf_vm *vm, uint32_t d) {
    if (d + 1 < vm->frames_cap) vm->frames[d + 1].flow_index = NF_BC_NONE;
}
/* Sets entry_depth (frames below the running call) and with it frames_limit. */
void nf_vm_set_entry_depth(nf_vm *vm, uint32_t depth);
/* Releases the top frame's registers and pops it. */
void nf_vm_pop_frame(nf_vm *vm);
/* Stores argument src into the callee's parameter register dst (lists copied for nanoflows). */
nf_vm_status nf_vm_pass_arg(nf_vm *vm, const nf_bc_flow *callee, nf_val *dst, const nf_val *src);
/* Runs from the top frame until the frame nf_vm_call pushed returns (*result, owned) or an
 * error leaves it. */
nf_vm_status nf_vm_execute(nf_vm *vm, nf_val *result);
/* The source line of pc in f (0 when unknown). */
uint32_t nf_vm_line_of(const nf_bc_flow *f, uint32_t pc);

/* ---- list operations (vm_listops.c); each writes a new value into *out (released before) ---- */
nf_vm_status nf_vm_sort(nf_vm *vm, const nf_bc_flow *f, const nf_val *list, const nf_bc_desc *d,
                        nf_val *out);
nf_vm_status nf_vm_aggregate(nf_vm *vm, const nf_val *list, const nf_bc_desc *d, nf_val *out);
nf_vm_status nf_vm_find_by(nf_vm *vm, const nf_val *list, const nf_bc_desc *d, const nf_val *value,
                           nf_val *out);
nf_vm_status nf_vm_set_op(nf_vm *vm, int op, const nf_val *a, const nf_val *b, nf_val *out);
nf_vm_status nf_vm_range(nf_vm *vm, const nf_val *list, int64_t offset, int64_t amount,
                         nf_val *out);
/* -1/0/1 in UTF-16 code unit order (Java compareTo, JavaScript <). */
int nf_vm_str_cmp(const nf_vm_str *a, const nf_vm_str *b);

#endif
