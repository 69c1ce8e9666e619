/* cc_gen_peep.c — the last passes over a flow's code, after every jump is patched.
 *
 * 1. Jump threading (Lua's luaK_finish idea): a jump that lands on an unconditional jump goes
 *    straight to the final target.
 * 2. Compaction: NOPs (placeholders nobody filled in) and jumps to the next instruction are
 *    deleted, and every pc that names code (jump targets, handler ranges and targets, the line
 *    table) is renumbered. A jump right after a test is kept: the test skips exactly one
 *    instruction.
 * Backward targets are encoded as LOOP so every cycle passes an instruction that checks the
 * VM's budget. */
#include <stdlib.h>

#include "cc_gen.h"

static bool is_jump(uint32_t op) {
    return op == NF_OPC_JMP || op == NF_OPC_LOOP;
}

/* A test skips the instruction after it: that one must stay where it is. */
static bool skips_next(uint32_t op) {
    const nf_bc_opinfo *info = &nf_bc_opinfo_table[op];
    return (info->flags & NF_OPF_JUMP) && info->format != NF_FMT_sJ && op != NF_OPC_FORLIST;
}

static void thread_jumps(nf_bc_insn *code, uint32_t n) {
    for (uint32_t pc = 0; pc < n; pc++) {
        if (!is_jump(NF_BC_OP(code[pc]))) continue;
        int64_t target = (int64_t)pc + 1 + NF_BC_SJ(code[pc]);
        for (int hops = 0; hops < 16 && target >= 0 && target < n; hops++) {
            if (!is_jump(NF_BC_OP(code[target])) || target == pc) break;
            int64_t next = target + 1 + NF_BC_SJ(code[target]);
            if (next == target) break;
            target = next;
        }
        if (target < 0 || target >= n) continue;
        code[pc] = NF_BC_MAKE_SJ(target <= pc ? NF_OPC_LOOP : NF_OPC_JMP,
                                 (int32_t)(target - (int64_t)pc - 1));
    }
}

static bool removable(const nf_bc_insn *code, uint32_t pc) {
    uint32_t op = NF_BC_OP(code[pc]);
    if (op == NF_OPC_NOP) return NF_BC_A(code[pc]) == 0; /* A = 1: a coverage probe stays */
    return op == NF_OPC_JMP && NF_BC_SJ(code[pc]) == 0 &&
           (pc == 0 || !skips_next(NF_BC_OP(code[pc - 1])));
}

/* Re-encodes the jump at new position npc to the new target; false when it does not fit. */
static bool retarget(nf_bc_insn *in, uint32_t npc, uint32_t ntarget) {
    int64_t off = (int64_t)ntarget - (int64_t)npc - 1;
    uint32_t op = NF_BC_OP(*in);
    if (op == NF_OPC_FORLIST) {
        if (off < -(NF_BC_SBX_MAX - 1) || off > NF_BC_SBX_MAX) return false;
        *in = NF_BC_MAKE_ASBX(op, NF_BC_A(*in), (int32_t)off);
        return true;
    }
    *in = NF_BC_MAKE_SJ(ntarget <= npc ? NF_OPC_LOOP : NF_OPC_JMP, (int32_t)off);
    return true;
}

static void compact(nf_cg *g) {
    nf_cg_flow *f = g->f;
    nf_bc_insn *code = f->code.items;
    uint32_t n = f->code.n, removed = 0;
    for (uint32_t pc = 0; pc < n; pc++)
        removed += removable(code, pc);
    if (!removed) return;
    /* map[pc]: the new pc of instruction pc, or of the next kept one; map[n] = new length */
    uint32_t *map = malloc(((size_t)n + 1) * sizeof *map);
    if (!map) {
        g->oom = true;
        return;
    }
    uint32_t kept = 0;
    for (uint32_t pc = 0; pc < n; pc++) {
        map[pc] = kept;
        if (!removable(code, pc)) kept++;
    }
    map[n] = kept;
    for (uint32_t pc = 0; pc < n; pc++) {
        if (removable(code, pc)) continue;
        nf_bc_insn in = code[pc];
        uint32_t op = NF_BC_OP(in);
        int64_t target = -1;
        if (is_jump(op))
            target = (int64_t)pc + 1 + NF_BC_SJ(in);
        else if (op == NF_OPC_FORLIST)
            target = (int64_t)pc + 1 + NF_BC_SBX(in);
        if (target >= 0 && target <= n && !retarget(&in, map[pc], map[target]))
            nf_cg_error(g, f->flow->decl->name.span, "a loop in %s is too long to compile",
                        f->flow->name->s);
        code[map[pc]] = in;
    }
    f->code.n = kept;
    nf_bc_handler *h = f->handlers.items;
    for (uint32_t i = 0; i < f->handlers.n; i++) {
        h[i].start = map[h[i].start <= n ? h[i].start : n];
        h[i].end = map[h[i].end <= n ? h[i].end : n];
        h[i].target = map[h[i].target <= n ? h[i].target : n];
    }
    /* lines: entries that now share a pc keep the last one (the kept instruction's own line);
     * neighbours with the same line merge */
    nf_bc_line *ln = f->lines.items;
    uint32_t nl = 0;
    for (uint32_t i = 0; i < f->lines.n; i++) {
        nf_bc_line e = {map[ln[i].pc <= n ? ln[i].pc : n], ln[i].line};
        if (e.pc >= kept) continue;
        if (nl && ln[nl - 1].pc == e.pc) nl--;
        if (nl && ln[nl - 1].line == e.line) continue;
        ln[nl++] = e;
    }
    f->lines.n = nl;
    free(map);
}

void nf_cg_finish_code(nf_cg *g) {
    thread_jumps(g->f->code.items, g->f->code.n);
    compact(g);
}
