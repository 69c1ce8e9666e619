/* vm_regs.c — which registers of a flow can be read before the flow writes them.
 *
 * A call that finds its registers as the previous call of the same flow at the same place left
 * them (CALL in vm_interp.c, docs/vm.md §7) skips copying the register template: kinds and refs
 * are the template's, registers that can hold references were emptied by the return, but
 * Boolean, Integer, DateTime and Enumeration registers keep their old values. Registers start
 * empty (bytecode.md), so those that the code can read before writing must be emptied again:
 * this file finds them, once per flow, with a forward "definitely written" analysis over the
 * verified code. It is conservative: an instruction it does not model reads every register,
 * a handler's code starts with only the parameters and the handler's own registers written. */
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"

#define WORDS ((NF_BC_MAX_REGS + 63) / 64)

typedef struct regset {
    uint64_t w[WORDS];
} regset;

static void set_add(regset *s, uint32_t r) {
    if (r < NF_BC_MAX_REGS) s->w[r / 64] |= 1ull << (r % 64);
}
static bool set_has(const regset *s, uint32_t r) {
    return r < NF_BC_MAX_REGS && (s->w[r / 64] >> (r % 64)) & 1;
}

static bool counted_kind(uint8_t k) {
    return k == NF_BT_STR || k == NF_BT_DEC || k == NF_BT_OBJ || k == NF_BT_LIST;
}

static bool is_read(uint8_t k) {
    return k >= NF_OPND_RB && k <= NF_OPND_RV;
}
static bool is_write(uint8_t k) {
    return k >= NF_OPND_WB && k <= NF_OPND_WV;
}

/* Instructions whose register operands are exactly their A/B/C operands of register kinds
 * (moves, arithmetic, conversions, tests and jumps), plus the calls and returns modelled in
 * effect(); anything else is treated as reading every register. */
static bool modelled(uint32_t op) {
    return op <= NF_OPC_ISA || op == NF_OPC_CALL || op == NF_OPC_CALLFN || op == NF_OPC_RET ||
           op == NF_OPC_RET0;
}

/* The registers instruction `in` reads (into *rd; *all when it may read any) and writes. */
static void effect(const nf_bc_module *m, nf_bc_insn in, regset *rd, bool *all, regset *wr) {
    uint32_t op = NF_BC_OP(in);
    memset(rd, 0, sizeof *rd);
    memset(wr, 0, sizeof *wr);
    *all = false;
    if (!modelled(op)) {
        *all = true;
        return;
    }
    if (op == NF_OPC_CALL) {
        const nf_bc_flow *cf = &m->flows[NF_BC_BX(in)];
        for (uint32_t k = 0; k < cf->nparams; k++)
            set_add(rd, NF_BC_A(in) + 1u + k);
        if (cf->ret.kind != NF_BT_VOID) set_add(wr, NF_BC_A(in));
        return;
    }
    if (op == NF_OPC_CALLFN) {
        size_t nargs = strlen(nf_bc_fninfo_table[NF_BC_B(in)].args);
        for (size_t k = 0; k < nargs; k++)
            set_add(rd, NF_BC_C(in) + (uint32_t)k);
        set_add(wr, NF_BC_A(in));
        return;
    }
    const nf_bc_opinfo *info = &nf_bc_opinfo_table[op];
    uint32_t val[3] = {NF_BC_A(in), NF_BC_B(in), NF_BC_C(in)};
    for (int k = 0; k < 3; k++) {
        if (k == 2 && info->format != NF_FMT_ABC) break; /* Bx/sBx/sJ: no C */
        if (is_read(info->operand[k])) set_add(rd, val[k]);
        if (is_write(info->operand[k])) set_add(wr, val[k]);
    }
}

/* Successors of pc: up to two (a test: the next instruction and the one after it). */
static uint32_t successors(const nf_bc_flow *f, uint32_t pc, uint32_t out[2]) {
    nf_bc_insn in = f->code[pc];
    uint32_t op = NF_BC_OP(in), n = 0;
    const nf_bc_opinfo *info = &nf_bc_opinfo_table[op];
    if (info->flags & NF_OPF_END) return 0;
    if (info->format == NF_FMT_sJ) {
        out[n++] = (uint32_t)((int64_t)pc + 1 + NF_BC_SJ(in)); /* JMP, LOOP: verified targets */
        return n;
    }
    out[n++] = pc + 1;
    if (op == NF_OPC_FORLIST)
        out[n++] = (uint32_t)((int64_t)pc + 1 + NF_BC_SBX(in));
    else if (info->flags & NF_OPF_JUMP)
        out[n++] = pc + 2; /* a test skips the next instruction */
    return n;
}

bool nf_vm_regs_to_reset(const nf_bc_module *m, const nf_bc_flow *f, uint8_t **list,
                         uint16_t *count) {
    *list = NULL;
    *count = 0;
    uint32_t n = f->ncode;
    regset *in = malloc((n ? n : 1) * sizeof *in);
    bool *queued = calloc(n ? n : 1, 1);
    uint32_t *work = malloc((n ? n : 1) * sizeof *work);
    bool ok = in && queued && work;
    if (!ok) goto done;
    /* in[pc]: registers written on every path to pc (all of them until a path is found) */
    memset(in, 0xFF, n * sizeof *in);
    regset params = {{0}};
    for (uint32_t r = 0; r < f->nparams; r++)
        set_add(&params, r);
    in[0] = params;
    for (uint32_t h = 0; h < f->nhandlers; h++) { /* entered from anywhere in its range */
        const nf_bc_handler *hd = &f->handlers[h];
        regset s = params;
        set_add(&s, hd->result_reg);
        set_add(&s, hd->error_reg);
        set_add(&s, hd->type_reg);
        for (int w = 0; w < WORDS; w++)
            in[hd->target].w[w] &= s.w[w];
    }
    uint32_t top = 0;
    for (uint32_t pc = 0; pc < n; pc++) {
        work[top++] = pc;
        queued[pc] = true;
    }
    while (top) {
        uint32_t pc = work[--top];
        queued[pc] = false;
        regset rd, wr, out;
        bool all;
        effect(m, f->code[pc], &rd, &all, &wr);
        for (int w = 0; w < WORDS; w++)
            out.w[w] = in[pc].w[w] | wr.w[w];
        uint32_t succ[2];
        uint32_t ns = successors(f, pc, succ);
        for (uint32_t k = 0; k < ns; k++) {
            uint32_t s = succ[k];
            if (s >= n) continue; /* past the end: the verifier's rules keep execution inside */
            bool changed = false;
            for (int w = 0; w < WORDS; w++) {
                uint64_t x = in[s].w[w] & out.w[w];
                changed |= x != in[s].w[w];
                in[s].w[w] = x;
            }
            if (changed && !queued[s]) {
                work[top++] = s;
                queued[s] = true;
            }
        }
    }
    /* registers read somewhere before they are written (scalar ones: the others are empty) */
    regset need = {{0}};
    for (uint32_t pc = 0; pc < n; pc++) {
        regset rd, wr;
        bool all;
        effect(m, f->code[pc], &rd, &all, &wr);
        for (int w = 0; w < WORDS; w++)
            need.w[w] |= (all ? ~0ull : rd.w[w]) & ~in[pc].w[w];
    }
    uint16_t k = 0;
    for (uint32_t r = f->nparams; r < f->nregs; r++)
        if (!set_has(&need, r) || counted_kind(f->regs[r].kind))
            need.w[r / 64] &= ~(1ull << (r % 64));
        else
            k++;
    if (k) {
        *list = malloc(k);
        if (!*list) {
            ok = false;
            goto done;
        }
        for (uint32_t r = f->nparams; r < f->nregs; r++)
            if (set_has(&need, r)) (*list)[(*count)++] = (uint8_t)r;
    }
done:
    free(in);
    free(queued);
    free(work);
    return ok;
}
