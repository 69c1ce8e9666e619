/* vm_runtime.c — a runtime's life: creation (entity layouts, the constant pool as values),
 * frames on the value stack, calls from the host, raising errors and unwinding them through
 * the handler tables, and freeing everything. The instruction loop is vm_interp.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vm_internal.h"

/* ---- host services
 * ------------------------------------------------------------------------------- */

int64_t nf_vm_now(nf_vm *vm) {
    if (vm->cfg.host.now) return vm->cfg.host.now(vm->cfg.host.ud);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- errors
 * ---------------------------------------------------------------------------------------- */

nf_vm_status nf_vm_raise(nf_vm *vm, nf_vm_errtype type, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vm->err_msg, sizeof vm->err_msg, fmt, ap);
    va_end(ap);
    vm->err_type = type;
    vm->err_located = false;
    return NF_VM_ERROR;
}

uint32_t nf_vm_line_of(const nf_bc_flow *f, uint32_t pc) {
    uint32_t line = 0;
    for (uint32_t i = 0; i < f->nlines && f->lines[i].pc <= pc; i++)
        line = f->lines[i].line;
    return line;
}

/* ---- creation
 * ---------------------------------------------------------------------------------------- */

static bool make_layouts(nf_vm *vm) {
    const nf_bc_module *m = vm->m;
    vm->layout = calloc(m->nentities ? m->nentities : 1, sizeof *vm->layout);
    if (!vm->layout) return false;
    for (uint32_t e = 0; e < m->nentities; e++) {
        nf_vm_layout *l = &vm->layout[e];
        l->nattrs = nf_bc_entity_attr_count(m, e);
        if (l->nattrs > UINT16_MAX) return false; /* objects count attributes in 16 bits */
        l->slot = malloc((m->nassocs ? m->nassocs : 1) * sizeof *l->slot);
        if (!l->slot) return false;
        for (uint32_t a = 0; a < m->nassocs; a++) {
            l->slot[a] = -1;
            if (nf_bc_entity_is_a(m, e, m->assocs[a].from) && l->nowned < INT16_MAX)
                l->slot[a] = (int16_t)l->nowned++;
        }
        l->blank = malloc((l->nattrs + l->nowned + 1) * sizeof *l->blank);
        if (!l->blank) return false;
        for (uint32_t i = 0; i < l->nattrs; i++) {
            const nf_bc_attr *at = nf_bc_entity_attr(m, e, i);
            l->blank[i] = nf_vm_empty(at->type.kind);
            l->blank[i].ref = at->type.ref;
        }
        for (uint32_t a = 0; a < m->nassocs; a++)
            if (l->slot[a] >= 0)
                l->blank[l->nattrs + (uint32_t)l->slot[a]] =
                    nf_vm_empty(m->assocs[a].reference_set ? NF_BT_LIST : NF_BT_OBJ);
    }
    return true;
}

static bool make_consts(nf_vm *vm) {
    const nf_bc_module *m = vm->m;
    vm->consts = calloc(m->nconsts ? m->nconsts : 1, sizeof *vm->consts);
    if (!vm->consts) return false;
    for (uint32_t k = 0; k < m->nconsts; k++) {
        const nf_bc_const *c = &m->consts[k];
        nf_val *v = &vm->consts[k];
        switch (c->kind) {
        case NF_BT_BOOL: *v = nf_vm_bool(c->i != 0); break;
        case NF_BT_INT: *v = nf_vm_int(c->i); break;
        case NF_BT_DT: *v = nf_vm_datetime(c->i); break;
        case NF_BT_STR:
            if (nf_vm_string(vm, m->strings[c->str], m->string_lens[c->str], v) != NF_VM_OK)
                return false;
            break;
        case NF_BT_DEC: {
            nf_dec d;
            const char *t = m->strings[c->str];
            if (nf_dec_parse(t, strlen(t), &d) != NF_DEC_OK) return false; /* verified text */
            *v = nf_vm_dec_val(d);
            break;
        }
        default: *v = nf_vm_empty(NF_BT_VOID); break;
        }
    }
    return true;
}

static bool counted_kind(uint8_t k) {
    return k == NF_BT_STR || k == NF_BT_DEC || k == NF_BT_OBJ || k == NF_BT_LIST;
}

static bool make_flowinfo(nf_vm *vm) {
    const nf_bc_module *m = vm->m;
    vm->flowinfo = calloc(m->nflows ? m->nflows : 1, sizeof *vm->flowinfo);
    if (!vm->flowinfo) return false;
    for (uint32_t k = 0; k < m->nflows; k++) {
        const nf_bc_flow *f = &m->flows[k];
        nf_vm_flowinfo *fi = &vm->flowinfo[k];
        fi->init = malloc((f->nregs ? f->nregs : 1) * sizeof *fi->init);
        fi->counted = malloc((f->nregs ? f->nregs : 1) * sizeof *fi->counted);
        if (!fi->init || !fi->counted) return false;
        fi->flow = f;
        fi->nregs = f->nregs;
        fi->nparams = f->nparams;
        fi->scalar_params = 1;
        for (uint32_t r = 0; r < f->nregs; r++) {
            fi->init[r] = nf_vm_empty(f->regs[r].kind);
            fi->init[r].ref = f->regs[r].ref;
            if (counted_kind(f->regs[r].kind)) {
                fi->counted[fi->ncounted++] = (uint16_t)r;
                if (r < f->nparams) fi->scalar_params = 0;
            }
        }
        /* only CALL's inline path skips the template, and only for these flows */
        if (fi->scalar_params && !nf_vm_regs_to_reset(m, f, &fi->reset, &fi->nreset)) return false;
    }
    return true;
}

nf_vm *nf_vm_new(const nf_bc_module *m, const nf_vm_config *cfg) {
    nf_vm *vm = calloc(1, sizeof *vm);
    if (!vm) return NULL;
    vm->m = m;
    vm->cfg = *cfg;
    if (!vm->cfg.limits.max_depth) vm->cfg.limits.max_depth = 200;
    vm->rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)nf_vm_now(vm) ^ (uint64_t)(uintptr_t)vm;
    if (!make_layouts(vm) || !make_flowinfo(vm) || !make_consts(vm) ||
        nf_vm_string(vm, "", 0, &vm->empty_string) != NF_VM_OK) {
        nf_vm_free(vm);
        return NULL;
    }
    return vm;
}

void nf_vm_free(nf_vm *vm) {
    if (!vm) return;
    while (vm->nframes > 0)
        nf_vm_pop_frame(vm);
    for (uint32_t k = 0; vm->consts && k < vm->m->nconsts; k++)
        nf_vm_val_release(vm, &vm->consts[k]);
    nf_vm_val_release(vm, &vm->empty_string);
    /* objects still alive are in cycles or held by each other: free them all, first cutting
     * their references so that no release reaches a freed object */
    size_t n = 0;
    for (nf_vm_obj *o = vm->objects; o; o = o->next)
        n++;
    nf_vm_obj **all = n ? malloc(n * sizeof *all) : NULL;
    size_t k = 0;
    for (nf_vm_obj *o = vm->objects; o && all; o = o->next) {
        o->refs = UINT32_MAX / 2;
        all[k++] = o;
    }
    for (size_t i = 0; i < k; i++)
        nf_vm_obj_destroy(vm, all[i]);
    free(all);
    nf_vm_idmap_free(vm);
    free(vm->consts);
    for (uint32_t q = 0; vm->flowinfo && q < vm->m->nflows; q++) {
        free(vm->flowinfo[q].init);
        free(vm->flowinfo[q].counted);
        free(vm->flowinfo[q].reset);
    }
    free(vm->flowinfo);
    for (uint32_t e = 0; vm->layout && e < vm->m->nentities; e++) {
        free(vm->layout[e].slot);
        free(vm->layout[e].blank);
    }
    free(vm->layout);
    free(vm->stack);
    free(vm->frames);
    free(vm);
}

uint32_t nf_vm_flow_named(const nf_vm *vm, const char *name) {
    for (uint32_t i = 0; i < vm->m->nflows; i++)
        if (strcmp(vm->m->strings[vm->m->flows[i].name], name) == 0) return i;
    return NF_BC_NONE;
}

void nf_vm_cancel(nf_vm *vm) {
    vm->cancel = 1;
}

/* Only the flag is written (another thread may call it): a synchronize clears it when it
 * starts, so a cancel with none running has no effect. */
void nf_vm_cancel_sync(nf_vm *vm) {
    vm->sync_cancel = 1;
}

/* ---- frames
 * ---------------------------------------------------------------------------------------- */

void nf_vm_set_entry_depth(nf_vm *vm, uint32_t depth) {
    vm->entry_depth = depth;
    uint64_t lim = (uint64_t)depth + vm->cfg.limits.max_depth;
    vm->frames_limit = lim < vm->frames_cap ? (uint32_t)lim : vm->frames_cap;
}

nf_vm_status nf_vm_push_frame(nf_vm *vm, uint32_t flow_index, uint8_t ret_reg) {
    const nf_bc_flow *f = &vm->m->flows[flow_index];
    if (vm->nframes - vm->entry_depth >= vm->cfg.limits.max_depth)
        return nf_vm_raise(vm, NF_VM_E_LIMIT, "calls are nested deeper than %u flows",
                           vm->cfg.limits.max_depth);
    uint32_t base = 0;
    if (vm->nframes) {
        const nf_vm_frame *top = &vm->frames[vm->nframes - 1];
        base = top->base + top->flow->nregs;
    }
    if (vm->nframes == vm->frames_cap) {
        uint32_t cap = vm->frames_cap ? vm->frames_cap * 2 : 16;
        nf_vm_frame *fr = realloc(vm->frames, cap * sizeof *fr);
        if (!fr) return nf_vm_raise(vm, NF_VM_E_LIMIT, "out of memory for call frames");
        for (uint32_t k = vm->frames_cap; k < cap; k++) /* describe no registers yet */
            fr[k].flow_index = NF_BC_NONE;
        vm->frames = fr;
        vm->frames_cap = cap;
        nf_vm_set_entry_depth(vm, vm->entry_depth);
    }
    if ((size_t)base + f->nregs > vm->stack_cap || !vm->stack) {
        size_t cap = vm->stack_cap ? vm->stack_cap : 256;
        while (cap < (size_t)base + f->nregs)
            cap *= 2;
        nf_val *st = realloc(vm->stack, cap * sizeof *st);
        if (!st) return nf_vm_raise(vm, NF_VM_E_LIMIT, "out of memory for registers");
        vm->stack = st;
        vm->stack_cap = (uint32_t)cap;
    }
    if (f->nregs)
        memcpy(vm->stack + base, vm->flowinfo[flow_index].init, f->nregs * sizeof(nf_val));
    nf_vm_frame_laid(vm, vm->nframes);
    nf_vm_frame *fr = &vm->frames[vm->nframes++];
    fr->flow = f;
    fr->flow_index = flow_index;
    fr->pc = 0;
    fr->base = base;
    fr->ret_reg = ret_reg;
    fr->has_error = 0;
    fr->error_type = 0;
    fr->slow_pop = vm->flowinfo[flow_index].ncounted != 0;
    fr->error = NULL;
    return NF_VM_OK;
}

void nf_vm_pop_frame(nf_vm *vm) {
    nf_vm_frame *fr = &vm->frames[vm->nframes - 1];
    nf_val *R = vm->stack + fr->base;
    const nf_vm_flowinfo *fi = &vm->flowinfo[fr->flow_index];
    for (uint32_t k = 0; k < fi->ncounted; k++) /* only these can hold references */
        nf_vm_val_release(vm, &R[fi->counted[k]]);
    if (fr->error) nf_vm_str_release(vm, fr->error);
    /* as CALL expects a frame it finds laid: no error, the flow's own slow_pop */
    fr->error = NULL;
    fr->has_error = 0;
    fr->slow_pop = fi->ncounted != 0;
    vm->nframes--;
}

/* Argument i of a call into a flow: nanoflows get copies of lists (Mendix: list changes in a
 * sub-nanoflow are not visible to the caller); everything else is shared. */
nf_vm_status nf_vm_pass_arg(nf_vm *vm, const nf_bc_flow *callee, nf_val *dst, const nf_val *src) {
    if (src->kind == NF_BT_LIST && !nf_vm_is_empty(src) && callee->kind == NF_BF_NANOFLOW) {
        nf_vm_list *c = nf_vm_list_copy(vm, src->u.l);
        if (!c) return NF_VM_ERROR;
        nf_vm_val_release(vm, dst);
        *dst = *src;
        dst->u.l = c;
        return NF_VM_OK;
    }
    nf_vm_val_assign(vm, dst, src);
    dst->ref = dst->ref ? dst->ref : src->ref;
    return NF_VM_OK;
}

/* ---- calls from the host
 * --------------------------------------------------------------------------- */

nf_vm_status nf_vm_call(nf_vm *vm, uint32_t flow, const nf_val *args, uint32_t nargs,
                        nf_val *result) {
    *result = nf_vm_empty(NF_BT_VOID);
    if (flow >= vm->m->nflows)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "there is no flow number %u", flow);
    const nf_bc_flow *f = &vm->m->flows[flow];
    if (nargs != f->nparams)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s takes %u argument%s, not %u",
                           vm->m->strings[f->name], f->nparams, f->nparams == 1 ? "" : "s", nargs);
    if (vm->suspended)
        return nf_vm_raise(vm, NF_VM_E_HOST,
                           "a call is suspended on a host action: resume or abandon it first");
    uint32_t saved_entry = vm->entry_depth;
    bool outermost = vm->nframes == 0;
    if (outermost) {
        vm->cancel = 0;
        vm->budget =
            vm->cfg.limits.max_instructions ? (int64_t)vm->cfg.limits.max_instructions : INT64_MAX;
    }
    nf_vm_set_entry_depth(vm, vm->nframes);
    nf_vm_status st = nf_vm_push_frame(vm, flow, 0);
    if (st == NF_VM_OK) {
        nf_val *R = vm->stack + vm->frames[vm->nframes - 1].base;
        for (uint32_t i = 0; i < nargs && st == NF_VM_OK; i++) {
            if (args[i].kind != f->regs[i].kind && !nf_vm_is_empty(&args[i]))
                st = nf_vm_raise(vm, NF_VM_E_RUNTIME, "argument %u of %s has the wrong type", i + 1,
                                 vm->m->strings[f->name]);
            else if (!nf_vm_is_empty(&args[i]))
                st = nf_vm_pass_arg(vm, f, &R[i], &args[i]);
        }
        if (st == NF_VM_OK)
            st = nf_vm_execute(vm, result);
        else
            nf_vm_pop_frame(vm);
    }
    nf_vm_set_entry_depth(vm, saved_entry);
    return st;
}

/* ---- suspension
 * ------------------------------------------------------------------------------------ */

nf_vm_status nf_vm_resume(nf_vm *vm, const nf_val *value, nf_val *result) {
    *result = nf_vm_empty(NF_BT_VOID);
    if (!vm->suspended) return nf_vm_raise(vm, NF_VM_E_HOST, "there is no suspended call");
    vm->suspended = 0;
    nf_vm_frame *fr = &vm->frames[vm->nframes - 1];
    if (vm->susp_reg != 255 && value) {
        nf_val *dst = vm->stack + fr->base + vm->susp_reg;
        if (!nf_vm_is_empty(value) && value->kind != dst->kind) {
            vm->suspended = 1;
            return nf_vm_raise(vm, NF_VM_E_HOST, "the host action's result has the wrong type");
        }
        uint16_t ref = dst->ref;
        uint8_t kind = dst->kind;
        nf_vm_val_assign(vm, dst, value);
        dst->ref = ref;
        dst->kind = kind;
    }
    nf_vm_set_entry_depth(vm, 0);
    return nf_vm_execute(vm, result);
}

nf_vm_status nf_vm_resume_error(nf_vm *vm, nf_vm_errtype type, const char *message,
                                nf_val *result) {
    *result = nf_vm_empty(NF_BT_VOID);
    if (!vm->suspended) return nf_vm_raise(vm, NF_VM_E_HOST, "there is no suspended call");
    vm->suspended = 0;
    nf_vm_raise(vm, type < NF_VM_E_COUNT_ ? type : NF_VM_E_HOST, "%s",
                message ? message : "the host action failed");
    vm->resume_error = 1;
    nf_vm_set_entry_depth(vm, 0);
    return nf_vm_execute(vm, result);
}

void nf_vm_abandon(nf_vm *vm) {
    while (vm->nframes)
        nf_vm_pop_frame(vm);
    vm->suspended = 0;
    vm->resume_error = 0;
}
