/* cc_gen.h — code generation: the checked model and syntax tree → a bytecode module.
 *
 * cc_gen_model.c emits the module-level tables (strings, constants, domain model, security,
 * XPath programs, actions, the model hash); cc_gen_flow.c the statements of each flow and its
 * handler, line and descriptor tables; cc_gen_expr.c expressions and conditions. Everything
 * is allocated in the compilation arena and emitted in declaration order, so the same sources
 * give the same bytes. What cannot be compiled is reported as a diagnostic, never dropped. */
#ifndef NF_CC_GEN_H
#define NF_CC_GEN_H

#include "cc_diag.h"
#include "cc_model.h"
#include "nf_bc.h"
#include "nf_compiler.h"

/* A growable array in the compilation arena. */
typedef struct nf_cg_buf {
    void *items;
    uint32_t n, cap;
} nf_cg_buf;

typedef struct nf_cg_loop {
    nf_cg_buf breaks;    /* pcs of jumps to patch to the loop's end */
    nf_cg_buf continues; /* pcs of jumps to patch to the loop's next-iteration point */
    int index_reg;       /* $currentIndex, or -1 */
    uint32_t index_init; /* while loops: pc of the NOP that becomes `LOADI index 0` once the
                            body reads $currentIndex; NF_BC_NONE otherwise */
} nf_cg_loop;

typedef struct nf_cg_handler_regs {
    int error_reg, type_reg; /* $latestError and $latestErrorType of the innermost handler */
} nf_cg_handler_regs;

typedef struct nf_cg_flow {
    nf_cc_flow *flow;
    bool nanoflow;
    nf_bc_type regs[NF_BC_MAX_REGS];
    uint32_t reg_names[NF_BC_MAX_REGS];
    uint32_t nregs;
    bool too_many_regs;
    int *var_reg;                   /* by nf_cc_var index; -1 until assigned */
    bool temp_free[NF_BC_MAX_REGS]; /* temporary registers returned by their last user */
    bool is_temp[NF_BC_MAX_REGS];
    struct {
        uint32_t first, n;
        bool free;
    } blocks[NF_BC_MAX_REGS];
    uint32_t nblocks;
    nf_cg_buf code, lines, handlers, descs;
    uint32_t line; /* source line of the statement being emitted */
    nf_cg_loop loops[64];
    uint32_t nloops;
    nf_cg_handler_regs hregs[64];
    uint32_t nhregs;
    int current_object_reg, current_result_reg;
    nf_cg_buf labels; /* merge labels: (sym, pc) */
    nf_cg_buf joins;  /* pending joins: (sym, pc) */
    int xtemps[64];   /* temporaries holding XPath values until the retrieve runs */
    uint32_t nxtemps;
    uint32_t members[256]; /* the member table: attribute indices and ASSOC|association */
    uint32_t nmembers;
} nf_cg_flow;

typedef struct nf_cg {
    nf_cc_arena *arena;
    /* what serves one flow's generation only (its variables' registers, jump lists, labels):
     * g->arena, or (nf_cc_build flow by flow) an arena reset after each flow, from which the
     * flow's handler and descriptor tables are then copied to g->arena */
    nf_cc_arena *tmp;
    nf_cc_interner *in;
    nf_cc_diags *d;
    nf_cc_model *mdl;
    nf_cc_sources *srcs;
    nf_bc_module *out;
    bool oom, failed;
    bool coverage;         /* emit coverage probes (nf_cc_set_coverage) */
    unsigned depth;        /* expression nesting being generated (guards the C stack) */
    nf_cc_map str_index;   /* interned text → string index + 1 */
    nf_cc_map const_index; /* "kind:text" → constant index + 1 */
    nf_cg_buf strings, consts, xnodes, xwords;
    nf_cg_flow *f;          /* the flow being generated */
    nf_cg_flow *flow_state; /* storage of *f, reused from flow to flow */
    /* malloc'd storage of f->code and f->lines, reused from flow to flow (a flow's finished
     * code and lines are copied to the arena at their exact size); freed by nf_cg_free */
    nf_cg_buf code_scratch, line_scratch;
    /* grants by target, in declaration order: first[entity or flow index] and next[grant], each
     * NF_BC_NONE-terminated (one pass over the grants instead of one per entity and flow) */
    uint32_t *entity_grant, *flow_grant, *grant_next;
} nf_cg;

/* ---- cc_gen_model.c ------------------------------------------------------------------------ */
void *nf_cg_push(nf_cg *g, nf_cg_buf *b, size_t size);
uint32_t nf_cg_string(nf_cg *g, const char *s, uint32_t len);
uint32_t nf_cg_cstring(nf_cg *g, const char *s);
uint32_t nf_cg_const_int(nf_cg *g, int64_t v);
uint32_t nf_cg_const_dec(nf_cg *g, const char *text, uint32_t len);
uint32_t nf_cg_const_str(nf_cg *g, const char *s, uint32_t len);
uint32_t nf_cg_const_bool(nf_cg *g, bool b);
nf_bc_type nf_cg_type(nf_cc_type t);
/* Flattened attribute index of a (its generalizations' attributes first). */
uint32_t nf_cg_attr_index(const nf_cc_attr *a);
/* Compiles an XPath constraint; `value_reg` maps a variable expression to the register holding
 * its value (NULL outside flows). Returns the root node or NF_BC_NONE. */
uint32_t nf_cg_xpath(nf_cg *g, nf_cc_expr *x, nf_cc_entity *ctx,
                     int (*value_reg)(nf_cg *, nf_cc_expr *));
void nf_cg_error(nf_cg *g, nf_cc_span at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Builds the whole module into g->out; false after errors or out-of-memory. */
bool nf_cg_module(nf_cg *g);
/* nf_cg_module in three steps, for generating each flow right after checking it: the
 * module-level tables (false on out-of-memory), flow i of the model, then the rest. The
 * entities' offline flags and the flows' offline_called are taken again at the end, so flows
 * checked after the start still set them. */
bool nf_cg_module_begin(nf_cg *g);
void nf_cg_module_flow(nf_cg *g, uint32_t i);
bool nf_cg_module_end(nf_cg *g);
/* Frees what g holds outside the arena (after nf_cg_module). */
void nf_cg_free(nf_cg *g);

/* ---- cc_gen_flow.c --------------------------------------------------------------------------- */
void nf_cg_flow_code(nf_cg *g, nf_cc_flow *flow, nf_bc_flow *out);
uint32_t nf_cg_emit(nf_cg *g, nf_bc_insn in);
uint32_t nf_cg_pc(nf_cg *g);
/* The register of $currentIndex in the innermost loop (-1 outside loops). */
int nf_cg_current_index(nf_cg *g);
/* Jump threading and compaction, once all of a flow's jumps are patched (cc_gen_peep.c). */
void nf_cg_finish_code(nf_cg *g);
/* Patches the jump at pc to land on target (a backward target makes it a LOOP). */
void nf_cg_patch(nf_cg *g, uint32_t pc, uint32_t target);
int nf_cg_temp(nf_cg *g, nf_bc_type t);
/* MOVE_I between Integer registers, MOVE otherwise (same register types). */
nf_bc_opcode nf_cg_move_op(nf_cg *g, int to);
void nf_cg_free_temp(nf_cg *g, int reg);
/* n consecutive registers of the given types (call arguments); reused by later blocks of the
 * same types once freed. */
int nf_cg_temp_block(nf_cg *g, const nf_bc_type *types, uint32_t n);
void nf_cg_free_block(nf_cg *g, int first, const nf_bc_type *types, uint32_t n);
int nf_cg_var_reg(nf_cg *g, const nf_cc_var *v);
uint32_t nf_cg_desc(nf_cg *g, nf_bc_desc_kind kind, const uint32_t *w, uint32_t n);
/* The member-table slot of an attribute (its flattened index) or NF_BC_ASSOC_MEMBER|association. */
uint32_t nf_cg_member(nf_cg *g, uint32_t member, nf_cc_span at);
/* A descriptor index that must fit an 8-bit operand. */
uint32_t nf_cg_small_desc(nf_cg *g, uint32_t d, nf_cc_span at);

/* ---- cc_gen_expr.c --------------------------------------------------------------------------- */
/* Evaluates e into register `to` (of type `want`; numbers are converted). */
void nf_cg_expr_to(nf_cg *g, nf_cc_expr *e, int to);
/* Evaluates e into any register of type `want`: a variable's own register when e is a plain
 * variable of that type (do not write it), else a temporary the caller frees. *temp is set
 * when the register is a temporary. */
int nf_cg_expr_any(nf_cg *g, nf_cc_expr *e, nf_bc_type want, bool *temp);
/* Emits jumps taken when e (Boolean) is `when`; their pcs are appended to out. */
void nf_cg_cond(nf_cg *g, nf_cc_expr *e, bool when, nf_cg_buf *out);
void nf_cg_patch_all(nf_cg *g, nf_cg_buf *jumps, uint32_t target);

/* ---- shared by the statement generators (cc_gen_flow.c, cc_gen_list.c) ---- */

static inline nf_bc_type nf_cg_kind(nf_bc_tkind k) {
    nf_bc_type t = {(uint8_t)k, 0, NF_BC_NONE16};
    return t;
}
static inline bool nf_cg_same_type(nf_bc_type a, nf_bc_type b) {
    return a.kind == b.kind && a.ref == b.ref;
}
/* An unconditional jump to patch later (nf_cg_patch); its pc. */
uint32_t nf_cg_jump(nf_cg *g);
/* Appends v to b (a jump list, a descriptor's words). */
void nf_cg_add(nf_cg *g, nf_cg_buf *b, uint32_t v);
/* The flow's variable named name, or NULL. */
nf_cc_var *nf_cg_var_named(nf_cg *g, const nf_cc_sym *name);
/* FORLIST back to top (at most 32,767 instructions: NF9001 beyond). */
void nf_cg_emit_forlist(nf_cg *g, int blk, uint32_t top, nf_cc_span at);
/* List operations and aggregates (cc_gen_list.c). */
void nf_cg_listop(nf_cg *g, nf_cc_stmt *st);
void nf_cg_aggregate(nf_cg *g, nf_cc_stmt *st);

#endif
