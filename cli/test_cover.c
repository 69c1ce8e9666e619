/* test_cover.c — `nanoflow test --coverage`: which decision branches and error handlers of each
 * nanoflow the tests ran (docs/testing.md §5).
 *
 * The compiler puts a probe (NOP with A = 1, B = nf_cc_probe_kind) at the entry of every flow,
 * at the start of every branch of if/elsif/else (and where an if without else falls through),
 * case and split type, and at the start of every error handler. The VM calls the runtime's
 * probe callback when one runs (vm/vm.h); test_host.c marks hits[flow][pc]. The report reads
 * the probes back from the module's code, so it needs no table of its own. */
#include <stdlib.h>
#include <string.h>

#include "nf_compiler.h"
#include "std_api.h"
#include "test_host.h"

bool nf_test_coverage_init(nf_test_coverage *c, const nf_module *mod) {
    const nf_bc_module *m = &mod->bc;
    c->nflows = m->nflows;
    c->hits = calloc(m->nflows + 1, sizeof *c->hits);
    if (!c->hits) return false;
    for (uint32_t f = 0; f < m->nflows; f++)
        if (!(c->hits[f] = calloc(m->flows[f].ncode + 1, 1))) return false;
    return true;
}

void nf_test_coverage_free(nf_test_coverage *c) {
    for (uint32_t f = 0; c->hits && f < c->nflows; f++)
        free(c->hits[f]);
    free(c->hits);
    c->hits = NULL;
}

static uint32_t line_of(const nf_bc_flow *f, uint32_t pc) {
    uint32_t line = 0;
    for (uint32_t i = 0; i < f->nlines && f->lines[i].pc <= pc; i++)
        line = f->lines[i].line;
    return line;
}

static const char *label(unsigned kind) {
    switch (kind) {
    case NF_PROBE_THEN: return "if branch (its condition held)";
    case NF_PROBE_ELSIF: return "elsif branch";
    case NF_PROBE_ELSE: return "else branch";
    case NF_PROBE_IMPLICIT_ELSE: return "if without else: no condition held";
    case NF_PROBE_WHEN: return "when branch";
    case NF_PROBE_HANDLER: return "error handler";
    default: return "probe";
    }
}

static double pct(unsigned a, unsigned b) {
    return b ? 100.0 * a / b : 100.0;
}

void nf_test_coverage_report(const nf_test_coverage *c, const nf_module *mod,
                             bool (*is_test)(void *ud, const char *flow), void *ud, FILE *out) {
    const nf_bc_module *m = &mod->bc;
    unsigned tb = 0, tbh = 0, th = 0, thh = 0, flows = 0, ran = 0;
    fprintf(out, "# coverage: decision branches and error handlers run, per nanoflow\n");
    for (uint32_t fi = 0; fi < m->nflows; fi++) {
        const nf_bc_flow *f = &m->flows[fi];
        const char *name = m->strings[f->name];
        if (f->kind != NF_BF_NANOFLOW || is_test(ud, name)) continue;
        const uint8_t *hit = c->hits[fi];
        unsigned b = 0, bh = 0, h = 0, hh = 0;
        bool entered = false;
        for (uint32_t pc = 0; pc < f->ncode; pc++) {
            nf_bc_insn in = f->code[pc];
            if (NF_BC_OP(in) != NF_OPC_NOP || NF_BC_A(in) != 1) continue;
            unsigned kind = NF_BC_B(in);
            if (kind == NF_PROBE_ENTRY) {
                entered |= hit[pc] != 0;
            } else if (kind == NF_PROBE_HANDLER) {
                h++;
                hh += hit[pc] != 0;
            } else {
                b++;
                bh += hit[pc] != 0;
            }
        }
        flows++;
        ran += entered;
        tb += b, tbh += bh, th += h, thh += hh;
        fprintf(out, "#   %s: %u/%u branches, %u/%u handlers%s\n", name, bh, b, hh, h,
                entered ? "" : " (never run)");
        for (uint32_t pc = 0; entered && pc < f->ncode; pc++) {
            nf_bc_insn in = f->code[pc];
            if (NF_BC_OP(in) != NF_OPC_NOP || NF_BC_A(in) != 1 || hit[pc] ||
                NF_BC_B(in) == NF_PROBE_ENTRY)
                continue;
            fprintf(out, "#     missed: line %u: %s\n", line_of(f, pc), label(NF_BC_B(in)));
        }
    }
    fprintf(out,
            "# coverage total: %u/%u nanoflows run, %u/%u branches (%.1f%%), %u/%u handlers "
            "(%.1f%%)\n",
            ran, flows, tbh, tb, pct(tbh, tb), thh, th, pct(thh, th));
}
