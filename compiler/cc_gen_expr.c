/* cc_gen_expr.c — expressions and conditions → register code.
 *
 * The checker has typed every node, so each operation picks its typed opcode here: Integer
 * operands of Decimal operations are converted (I2D), division is Decimal by the flow kind's
 * rule, comparisons become a test followed by a jump (Lua's pattern), `and`/`or` short-circuit
 * through jump lists, and functions map to the concrete forms of bytecode/builtins.def. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cc_gen.h"
#include "cc_sema.h"

static nf_bc_type T(nf_bc_tkind k) {
    nf_bc_type t = {(uint8_t)k, 0, NF_BC_NONE16};
    return t;
}

static bool same_type(nf_bc_type a, nf_bc_type b) {
    return a.kind == b.kind && a.ref == b.ref;
}

static nf_bc_type reg_type(nf_cg *g, int r) {
    return g->f->regs[r];
}

static void emit(nf_cg *g, nf_bc_insn in) {
    nf_cg_emit(g, in);
}

/* The register holding a variable reference, or -1 for an expression that is not one. */
static int var_source(nf_cg *g, nf_cc_expr *e) {
    if (e->kind != NF_EX_VAR) return -1;
    nf_cg_flow *f = g->f;
    if (e->ref.var) return nf_cg_var_reg(g, e->ref.var);
    /* predefined variables */
    const char *n = e->u.var->s;
    if (strcmp(n, "currentObject") == 0) return f->current_object_reg;
    if (strcmp(n, "currentResult") == 0) return f->current_result_reg;
    if (strcmp(n, "latestError") == 0) return f->nhregs ? f->hregs[f->nhregs - 1].error_reg : -1;
    if (strcmp(n, "latestErrorType") == 0) return f->nhregs ? f->hregs[f->nhregs - 1].type_reg : -1;
    if (strcmp(n, "currentIndex") == 0) return nf_cg_current_index(g);
    return -1;
}

nf_bc_opcode nf_cg_move_op(nf_cg *g, int to) {
    return g->f->regs[to].kind == NF_BT_INT ? NF_OPC_MOVE_I : NF_OPC_MOVE;
}

/* Converts the value in register src (type S) into register to (type T). */
static void convert(nf_cg *g, int to, int src) {
    nf_bc_type t = reg_type(g, to), s = reg_type(g, src);
    if (same_type(t, s) || (t.kind == s.kind && t.kind != NF_BT_DEC && t.kind != NF_BT_INT)) {
        if (to != src)
            emit(g, NF_BC_MAKE_ABC(t.kind == NF_BT_INT ? NF_OPC_MOVE_I : NF_OPC_MOVE, to, src, 0));
    } else if (t.kind == NF_BT_DEC && s.kind == NF_BT_INT) {
        emit(g, NF_BC_MAKE_ABC(NF_OPC_I2D, to, src, 0));
    } else if (t.kind == s.kind) {
        if (to != src) emit(g, NF_BC_MAKE_ABC(NF_OPC_MOVE, to, src, 0));
    } else {
        nf_cg_error(g, (nf_cc_span){0, 0, 0}, "internal: cannot convert register types %u → %u",
                    s.kind, t.kind);
    }
}

int nf_cg_expr_any(nf_cg *g, nf_cc_expr *e, nf_bc_type want, bool *temp) {
    int src = var_source(g, e);
    if (src >= 0 && same_type(reg_type(g, src), want)) {
        *temp = false;
        return src;
    }
    int r = nf_cg_temp(g, want);
    *temp = true;
    nf_cg_expr_to(g, e, r);
    return r;
}

/* Evaluates e into a register of its own type (a variable's register when possible). */
static int value(nf_cg *g, nf_cc_expr *e, bool *temp) {
    nf_bc_type t = nf_cg_type(e->type);
    if (t.kind == NF_BT_VOID) t = T(NF_BT_STR); /* `empty` with no context: any type holds it */
    return nf_cg_expr_any(g, e, t, temp);
}

static void release(nf_cg *g, int r, bool temp) {
    if (temp) nf_cg_free_temp(g, r);
}

/* An Integer literal that fits an 8-bit immediate (-127 … 128). */
static bool small_int(const nf_cc_expr *e, int64_t *k) {
    if (e->kind != NF_EX_INT) return false;
    char *end;
    long long v = strtoll(e->u.lit.text, &end, 10);
    if (v < -127 || v > 128) return false;
    *k = v;
    return true;
}

/* ---- constant folding ------------------------------------------------------------------------ */

/* Integer constant expressions: literals and + - * mod of them, unless they overflow (then the
 * VM reports the overflow at run time, as Mendix does). */
static bool fold_int(const nf_cc_expr *e, int64_t *out) {
    switch ((nf_cc_exkind)e->kind) {
    case NF_EX_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(e->u.lit.text, &end, 10);
        if (errno) return false;
        *out = v;
        return true;
    }
    case NF_EX_UNARY: {
        int64_t a;
        if (e->op != NF_OP_NEG || !fold_int(e->u.bin.a, &a) || a == INT64_MIN) return false;
        *out = -a;
        return true;
    }
    case NF_EX_BINARY: {
        int64_t a, b;
        if (nf_cg_type(e->type).kind != NF_BT_INT || !fold_int(e->u.bin.a, &a) ||
            !fold_int(e->u.bin.b, &b))
            return false;
        switch ((nf_cc_op)e->op) {
        case NF_OP_ADD:
            if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b)) return false;
            *out = a + b;
            return true;
        case NF_OP_SUB:
            if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b)) return false;
            *out = a - b;
            return true;
        case NF_OP_MUL: { /* on magnitudes, so no intermediate overflows */
            uint64_t ua = a < 0 ? 0 - (uint64_t)a : (uint64_t)a,
                     ub = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
            if (ua != 0 && ub > UINT64_MAX / ua) return false;
            uint64_t prod = ua * ub;
            bool neg = (a < 0) != (b < 0) && prod != 0;
            if (prod > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) return false;
            *out = neg ? -(int64_t)(prod - 1) - 1 : (int64_t)prod;
            return true;
        }
        case NF_OP_MOD:
            if (b == 0 || (a == INT64_MIN && b == -1)) return false;
            *out = a % b;
            return true;
        default: return false;
        }
    }
    default: return false;
    }
}

/* String constant expressions: literals joined with +. */
static bool fold_str(nf_cg *g, const nf_cc_expr *e, char **out, uint32_t *len) {
    if (e->kind == NF_EX_STRING) {
        *out = e->u.str.s;
        *len = e->u.str.len;
        return true;
    }
    char *a, *b;
    uint32_t la, lb;
    if (e->kind != NF_EX_BINARY || e->op != NF_OP_ADD || nf_cg_type(e->type).kind != NF_BT_STR ||
        !fold_str(g, e->u.bin.a, &a, &la) || !fold_str(g, e->u.bin.b, &b, &lb))
        return false;
    char *s = nf_cc_arena_alloc(g->arena, (size_t)la + lb + 1);
    if (!s) return false;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    *out = s;
    *len = la + lb;
    return true;
}

/* ---- conditions ------------------------------------------------------------------------------ */

static uint32_t jump(nf_cg *g) {
    return nf_cg_emit(g, NF_BC_MAKE_SJ(NF_OPC_JMP, 0));
}

static void add_jump(nf_cg *g, nf_cg_buf *out, uint32_t pc) {
    uint32_t *slot = nf_cg_push(g, out, sizeof *slot);
    if (slot) *slot = pc;
}

void nf_cg_patch_all(nf_cg *g, nf_cg_buf *jumps, uint32_t target) {
    for (uint32_t i = 0; i < jumps->n; i++)
        nf_cg_patch(g, ((uint32_t *)jumps->items)[i], target);
    jumps->n = 0;
}

static bool is_empty_literal(const nf_cc_expr *e) {
    return e->kind == NF_EX_EMPTY;
}

/* The operand type both sides of a comparison are brought to. */
static nf_bc_type compare_type(nf_cc_expr *a, nf_cc_expr *b) {
    nf_bc_type ta = nf_cg_type(a->type), tb = nf_cg_type(b->type);
    if ((ta.kind == NF_BT_INT || ta.kind == NF_BT_DEC) &&
        (tb.kind == NF_BT_INT || tb.kind == NF_BT_DEC))
        return ta.kind == NF_BT_DEC || tb.kind == NF_BT_DEC ? T(NF_BT_DEC) : T(NF_BT_INT);
    if (ta.kind == NF_BT_OBJ && tb.kind == NF_BT_OBJ) return T(NF_BT_OBJ);
    return ta.kind != NF_BT_VOID ? ta : tb;
}

/* dst := one step of a path from the object in cur: an attribute, or an association (a list
 * for the many side). */
static void path_step(nf_cg *g, nf_cc_step *st, nf_bc_type t, int dst, int cur) {
    if (st->attr)
        emit(g, NF_BC_MAKE_ABC(NF_OPC_GETA, dst, cur,
                               nf_cg_member(g, nf_cg_attr_index(st->attr), st->name.span)));
    else
        emit(g,
             NF_BC_MAKE_ABC(t.kind == NF_BT_LIST ? NF_OPC_GETRL : NF_OPC_GETR, dst, cur,
                            nf_cg_member(g, NF_BC_ASSOC_MEMBER | st->assoc->index, st->name.span)));
}

/* `$o/Assoc/Attr = empty` is also true when an object on the way is empty (Mendix's special
 * checks): each object is tested before the step out of it, and an empty one decides the
 * comparison as an empty result would. */
static void empty_path_test(nf_cg *g, nf_cc_expr *x, bool eq, bool when, nf_cg_buf *out) {
    nf_cg_buf decided_false = {0};
    nf_cg_buf *when_empty = eq == when ? out : &decided_false;
    bool temp;
    int cur = nf_cg_expr_any(g, x->u.path.base, nf_cg_type(x->u.path.base->type), &temp);
    for (uint32_t i = 0; i < x->u.path.nsteps; i++) {
        nf_cc_step *st = &x->u.path.steps[i];
        emit(g, NF_BC_MAKE_ABC(NF_OPC_TESTNIL, cur, 1, 0));
        add_jump(g, when_empty, jump(g));
        nf_bc_type t =
            st->attr ? nf_cg_type(st->attr->type) : nf_cg_type(nf_cc_assoc_step_type(st));
        int dst = nf_cg_temp(g, t);
        path_step(g, st, t, dst, cur);
        release(g, cur, temp);
        cur = dst;
        temp = true;
    }
    emit(g, NF_BC_MAKE_ABC(NF_OPC_TESTNIL, cur, eq == when ? 1 : 0, 0));
    release(g, cur, temp);
    add_jump(g, out, jump(g));
    nf_cg_patch_all(g, &decided_false, nf_cg_pc(g));
}

static void compare(nf_cg *g, nf_cc_expr *e, bool when, nf_cg_buf *out) {
    nf_cc_expr *a = e->u.bin.a, *b = e->u.bin.b;
    nf_cc_op op = (nf_cc_op)e->op;
    if (is_empty_literal(a) || is_empty_literal(b)) { /* x = empty, x != empty */
        nf_cc_expr *x = is_empty_literal(a) ? b : a;
        if (x->kind == NF_EX_PATH) {
            empty_path_test(g, x, op == NF_OP_EQ, when, out);
            return;
        }
        bool temp;
        int r = value(g, x, &temp);
        bool flag = op == NF_OP_EQ ? when : !when;
        emit(g, NF_BC_MAKE_ABC(NF_OPC_TESTNIL, r, flag ? 1 : 0, 0));
        release(g, r, temp);
        add_jump(g, out, jump(g));
        return;
    }
    bool flag = when;
    if (op == NF_OP_NE) {
        op = NF_OP_EQ;
        flag = !when;
    }
    nf_bc_type ct = compare_type(a, b);
    int64_t k;
    if (ct.kind == NF_BT_INT && (small_int(b, &k) || small_int(a, &k)) &&
        !(small_int(a, &k) && small_int(b, &k))) {
        /* a register against a small constant: EQI_I, LTI_I, LEI_I, GTI_I, GEI_I */
        bool konst_left = small_int(a, &k);
        nf_cc_expr *x = konst_left ? b : a;
        if (konst_left) /* k < x is x > k */
            op = op == NF_OP_LT   ? NF_OP_GT
                 : op == NF_OP_LE ? NF_OP_GE
                 : op == NF_OP_GT ? NF_OP_LT
                 : op == NF_OP_GE ? NF_OP_LE
                                  : op;
        bool tx;
        int rx = nf_cg_expr_any(g, x, ct, &tx);
        nf_bc_opcode oc = op == NF_OP_EQ   ? NF_OPC_EQI_I
                          : op == NF_OP_LT ? NF_OPC_LTI_I
                          : op == NF_OP_LE ? NF_OPC_LEI_I
                          : op == NF_OP_GT ? NF_OPC_GTI_I
                                           : NF_OPC_GEI_I;
        emit(g, NF_BC_MAKE_ABC(oc, rx, (uint32_t)(k + 127), flag ? 1 : 0));
        release(g, rx, tx);
        add_jump(g, out, jump(g));
        return;
    }
    bool ta, tb;
    /* operands are evaluated left to right (calls may have effects); a > b is then b < a */
    int ra = nf_cg_expr_any(g, a, ct, &ta), rb = nf_cg_expr_any(g, b, ct, &tb);
    if (op == NF_OP_GT || op == NF_OP_GE) {
        int r = ra;
        bool t = ta;
        ra = rb;
        ta = tb;
        rb = r;
        tb = t;
        op = op == NF_OP_GT ? NF_OP_LT : NF_OP_LE;
    }
    nf_bc_opcode oc = NF_OPC_EQ_I;
    switch (ct.kind) {
    case NF_BT_INT:
        oc = op == NF_OP_EQ ? NF_OPC_EQ_I : op == NF_OP_LT ? NF_OPC_LT_I : NF_OPC_LE_I;
        break;
    case NF_BT_DEC:
        oc = op == NF_OP_EQ ? NF_OPC_EQ_D : op == NF_OP_LT ? NF_OPC_LT_D : NF_OPC_LE_D;
        break;
    case NF_BT_STR:
        oc = op == NF_OP_EQ ? NF_OPC_EQ_S : op == NF_OP_LT ? NF_OPC_LT_S : NF_OPC_LE_S;
        break;
    case NF_BT_DT:
        oc = op == NF_OP_EQ ? NF_OPC_EQ_T : op == NF_OP_LT ? NF_OPC_LT_T : NF_OPC_LE_T;
        break;
    case NF_BT_BOOL: oc = NF_OPC_EQ_B; break;
    case NF_BT_ENUM: oc = NF_OPC_EQ_E; break;
    case NF_BT_OBJ: oc = NF_OPC_EQ_O; break;
    default: nf_cg_error(g, e->span, "values of this type cannot be compared"); break;
    }
    emit(g, NF_BC_MAKE_ABC(oc, ra, rb, flag ? 1 : 0));
    release(g, rb, tb);
    release(g, ra, ta);
    add_jump(g, out, jump(g));
}

static void cond_inner(nf_cg *g, nf_cc_expr *e, bool when, nf_cg_buf *out);

/* `a and b and c …` (or `or`): the chain's leaves in order, without recursing along it.
 * and/false and or/true: any leaf decides, so every leaf jumps out on `when`. Otherwise every
 * leaf but the last skips on the opposite value and the last one decides. */
static void and_or(nf_cg *g, nf_cc_expr *e, bool when, nf_cg_buf *out) {
    uint8_t op = e->op;
    nf_cc_expr *small[32], **leaves = small;
    size_t n = 0, cap = 32;
    /* collect the right operands from the top down, then the leftmost leaf */
    nf_cc_expr *x = e;
    for (;;) {
        nf_cc_expr *leaf = (x->kind == NF_EX_BINARY && x->op == op) ? x->u.bin.b : x;
        if (n == cap) {
            nf_cc_expr **bigger = malloc(cap * 2 * sizeof *bigger);
            if (!bigger) {
                g->oom = true;
                if (leaves != small) free(leaves);
                return;
            }
            memcpy(bigger, leaves, n * sizeof *leaves);
            if (leaves != small) free(leaves);
            leaves = bigger;
            cap *= 2;
        }
        leaves[n++] = leaf;
        if (!(x->kind == NF_EX_BINARY && x->op == op)) break;
        x = x->u.bin.a;
    }
    bool is_and = op == NF_OP_AND;
    if (when != is_and) {
        for (size_t i = n; i-- > 0;)
            nf_cg_cond(g, leaves[i], when, out);
    } else {
        nf_cg_buf skip = {0};
        for (size_t i = n; i-- > 1;)
            nf_cg_cond(g, leaves[i], !when, &skip);
        nf_cg_cond(g, leaves[0], when, out);
        nf_cg_patch_all(g, &skip, nf_cg_pc(g));
    }
    if (leaves != small) free(leaves);
}

static bool too_deep(nf_cg *g, nf_cc_expr *e) {
    if (g->depth < 1000) return false;
    if (!g->failed)
        nf_cg_error(g, e->span, "expression is nested too deeply to compile (1000 levels)");
    return true;
}

void nf_cg_cond(nf_cg *g, nf_cc_expr *e, bool when, nf_cg_buf *out) {
    if (too_deep(g, e)) return;
    g->depth++;
    cond_inner(g, e, when, out);
    g->depth--;
}

static void cond_inner(nf_cg *g, nf_cc_expr *e, bool when, nf_cg_buf *out) {
    switch ((nf_cc_exkind)e->kind) {
    case NF_EX_BOOL:
        if (e->u.b == when) add_jump(g, out, jump(g));
        return;
    case NF_EX_UNARY:
        if (e->op == NF_OP_NOT) {
            nf_cg_cond(g, e->u.bin.a, !when, out);
            return;
        }
        break;
    case NF_EX_CALL:
        if (e->ref.builtin == NF_CFN_NOT) {
            nf_cg_cond(g, e->u.call.args[0], !when, out);
            return;
        }
        break;
    case NF_EX_BINARY:
        switch ((nf_cc_op)e->op) {
        case NF_OP_AND:
        case NF_OP_OR: and_or(g, e, when, out); return;
        case NF_OP_EQ:
        case NF_OP_NE:
        case NF_OP_LT:
        case NF_OP_LE:
        case NF_OP_GT:
        case NF_OP_GE: compare(g, e, when, out); return;
        default: break;
        }
        break;
    default: break;
    }
    bool temp;
    int r = nf_cg_expr_any(g, e, T(NF_BT_BOOL), &temp);
    emit(g, NF_BC_MAKE_ABC(NF_OPC_TEST, r, when ? 1 : 0, 0));
    release(g, r, temp);
    add_jump(g, out, jump(g));
}

/* Materializes a Boolean condition into register `to`. */
static void bool_value(nf_cg *g, nf_cc_expr *e, int to) {
    nf_cg_buf fals = {0};
    nf_cg_cond(g, e, false, &fals);
    emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADB, to, 1, 0));
    uint32_t end = jump(g);
    nf_cg_patch_all(g, &fals, nf_cg_pc(g));
    emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADB, to, 0, 0));
    nf_cg_patch(g, end, nf_cg_pc(g));
}

/* ---- functions ------------------------------------------------------------------------------- */

static bool letter_accepts(char l, nf_bc_type t, bool exact) {
    switch (l) {
    case 'B': return t.kind == NF_BT_BOOL;
    case 'I': return t.kind == NF_BT_INT;
    case 'D': return t.kind == NF_BT_DEC || (!exact && t.kind == NF_BT_INT);
    case 'S': return t.kind == NF_BT_STR;
    case 'T': return t.kind == NF_BT_DT;
    case 'E': return t.kind == NF_BT_ENUM;
    case 'O': return t.kind == NF_BT_OBJ;
    case 'L': return t.kind == NF_BT_LIST;
    default: return t.kind != NF_BT_VOID;
    }
}

static nf_bc_type letter_type(char l, nf_bc_type actual) {
    switch (l) {
    case 'B': return T(NF_BT_BOOL);
    case 'I': return T(NF_BT_INT);
    case 'D': return T(NF_BT_DEC);
    case 'S': return T(NF_BT_STR);
    case 'T': return T(NF_BT_DT);
    default: return actual;
    }
}

/* The concrete form of function `name` for these argument types; -1 when none. */
static int pick_form(const char *name, nf_cc_expr **args, uint32_t n) {
    for (int pass = 0; pass < 2; pass++)
        for (int f = 0; f < NF_FN_COUNT_; f++) {
            const nf_bc_fninfo *fi = &nf_bc_fninfo_table[f];
            if (fi->name[0] != name[0] || strcmp(fi->name, name) != 0 || strlen(fi->args) != n)
                continue;
            bool ok = true;
            for (uint32_t i = 0; i < n && ok; i++) {
                nf_bc_type t = nf_cg_type(args[i]->type);
                ok = args[i]->type.kind == NF_T_EMPTY || letter_accepts(fi->args[i], t, pass == 0);
            }
            if (ok) return f;
        }
    return -1;
}

/* Calls form fn with args, result into `to`. */
static void call_form(nf_cg *g, int fn, nf_cc_expr **args, uint32_t n, int to) {
    const nf_bc_fninfo *fi = &nf_bc_fninfo_table[fn];
    nf_bc_type types[8]; /* forms take at most 6 arguments (builtins.def) */
    for (uint32_t i = 0; i < n && i < 8; i++)
        types[i] = letter_type(fi->args[i], nf_cg_type(args[i]->type));
    int first = n ? nf_cg_temp_block(g, types, n) : 0;
    for (uint32_t i = 0; i < n; i++)
        nf_cg_expr_to(g, args[i], first + (int)i);
    nf_bc_type rt = letter_type(fi->result[0], reg_type(g, to));
    int dst = letter_accepts(fi->result[0], reg_type(g, to), true) ? to : nf_cg_temp(g, rt);
    emit(g, NF_BC_MAKE_ABC(NF_OPC_CALLFN, dst, fn, first));
    if (dst != to) {
        convert(g, to, dst);
        nf_cg_free_temp(g, dst);
    }
    if (n) nf_cg_free_block(g, first, types, n);
}

static void call_builtin(nf_cg *g, nf_cc_expr *e, int to) {
    nf_cc_expr **args = e->u.call.args;
    uint32_t n = e->u.call.nargs;
    const char *name = e->u.call.name.full->s;
    switch ((nf_cc_builtin)e->ref.builtin) {
    case NF_CFN_TO_STRING: {
        bool temp;
        int r = value(g, args[0], &temp);
        emit(g, NF_BC_MAKE_ABC(NF_OPC_TOSTR, to, r, 0));
        release(g, r, temp);
        return;
    }
    case NF_CFN_NOT: bool_value(g, e, to); return;
    case NF_CFN_MAX:
    case NF_CFN_MIN: { /* a chain of two-argument forms, accumulated in a temporary when `to` is
                          a variable the later arguments may still read (set $X = max($Y, $X)) */
        nf_bc_type rt = reg_type(g, to);
        int fn = rt.kind == NF_BT_INT ? (e->ref.builtin == NF_CFN_MAX ? NF_FN_MAX_I : NF_FN_MIN_I)
                 : rt.kind == NF_BT_DEC
                     ? (e->ref.builtin == NF_CFN_MAX ? NF_FN_MAX_D : NF_FN_MIN_D)
                     : (e->ref.builtin == NF_CFN_MAX ? NF_FN_MAX_T : NF_FN_MIN_T);
        nf_bc_type types[2] = {rt, rt};
        int blk = nf_cg_temp_block(g, types, 2);
        nf_cg_expr_to(g, args[0], blk);
        for (uint32_t i = 1; i < n; i++) {
            nf_cg_expr_to(g, args[i], blk + 1);
            /* the last result goes straight into `to`: every argument has been read */
            emit(g, NF_BC_MAKE_ABC(NF_OPC_CALLFN, i + 1 == n ? to : blk, fn, blk));
        }
        if (n == 1) emit(g, NF_BC_MAKE_ABC(nf_cg_move_op(g, to), to, blk, 0));
        nf_cg_free_block(g, blk, types, 2);
        return;
    }
    case NF_CFN_ROUND: { /* round(x, places) with literal places: ROUND_D */
        int64_t places;
        if (n == 2 && small_int(args[1], &places) && places >= 0 &&
            reg_type(g, to).kind == NF_BT_DEC) {
            bool temp;
            int r = nf_cg_expr_any(g, args[0], T(NF_BT_DEC), &temp);
            emit(g, NF_BC_MAKE_ABC(NF_OPC_ROUND_D, to, r, (uint32_t)places));
            release(g, r, temp);
            return;
        }
        break;
    }
    default: break;
    }
    int fn = pick_form(name, args, n);
    if (fn < 0) {
        nf_cg_error(g, e->span, "no compiled form of %s() takes these arguments", name);
        return;
    }
    call_form(g, fn, args, n, to);
}

/* ---- expressions ----------------------------------------------------------------------------- */

static void load_int(nf_cg *g, int64_t v, int to) {
    if (reg_type(g, to).kind == NF_BT_DEC) {
        char buf[32];
        int len = snprintf(buf, sizeof buf, "%lld", (long long)v);
        emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADK, to, nf_cg_const_dec(g, buf, (uint32_t)len)));
    } else if (v > -NF_BC_SBX_MAX + 1 && v < NF_BC_SBX_MAX) {
        emit(g, NF_BC_MAKE_ASBX(NF_OPC_LOADI, to, (int32_t)v));
    } else {
        emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADK, to, nf_cg_const_int(g, v)));
    }
}

static bool is_arith(const nf_cc_expr *e) {
    return e->kind == NF_EX_BINARY &&
           (e->op == NF_OP_ADD || e->op == NF_OP_SUB || e->op == NF_OP_MUL || e->op == NF_OP_DIV ||
            e->op == NF_OP_MOD);
}

/* The register type an arithmetic node computes in. */
static nf_bc_type arith_type(const nf_cc_expr *e) {
    nf_bc_type et = nf_cg_type(e->type);
    if (et.kind == NF_BT_STR) return et;
    return (et.kind == NF_BT_DEC || e->op == NF_OP_DIV) ? T(NF_BT_DEC) : T(NF_BT_INT);
}

static bool is_literal(const nf_cc_expr *e) {
    return e->kind == NF_EX_DECIMAL || e->kind == NF_EX_INT;
}

/* A number literal used as a Decimal operand: its constant, when the index fits operand C. */
static bool decimal_literal(nf_cg *g, const nf_cc_expr *e, uint32_t *k) {
    if (e->kind != NF_EX_DECIMAL && e->kind != NF_EX_INT) return false;
    *k = nf_cg_const_dec(g, e->u.lit.text, e->u.lit.len);
    return *k <= 255;
}

/* One node of a chain: dst := left op e->b (left holds e->a's value). */
static void arith_step(nf_cg *g, nf_cc_expr *e, int dst, int left) {
    nf_bc_type at = reg_type(g, left);
    bool tb;
    if (at.kind == NF_BT_STR) { /* concatenation: numbers and empty become strings */
        int rb = value(g, e->u.bin.b, &tb);
        if (reg_type(g, rb).kind != NF_BT_STR) {
            int s = nf_cg_temp(g, T(NF_BT_STR));
            emit(g, NF_BC_MAKE_ABC(NF_OPC_TOSTR, s, rb, 0));
            release(g, rb, tb);
            rb = s;
            tb = true;
        }
        emit(g, NF_BC_MAKE_ABC(NF_OPC_CONCAT, dst, left, rb));
        release(g, rb, tb);
        return;
    }
    bool dec = at.kind == NF_BT_DEC;
    nf_cc_op op = (nf_cc_op)e->op;
    if (!dec && (op == NF_OP_ADD || op == NF_OP_SUB || op == NF_OP_MOD) &&
        e->u.bin.b->kind == NF_EX_INT) { /* small constants are immediates: ADDI_I, MODI_I */
        int64_t k = strtoll(e->u.bin.b->u.lit.text, NULL, 10);
        if (op == NF_OP_SUB) k = -k;
        if (k >= -127 && k <= 128 && (op != NF_OP_MOD || k > 0)) {
            emit(g, NF_BC_MAKE_ABC(op == NF_OP_MOD ? NF_OPC_MODI_I : NF_OPC_ADDI_I, dst, left,
                                   (uint32_t)(k + 127)));
            return;
        }
    }
    if (dec && op == NF_OP_MUL && nf_cg_type(e->u.bin.b->type).kind == NF_BT_INT &&
        !is_literal(e->u.bin.b)) { /* Decimal × Integer: MULI_D, no I2D */
        int rb = nf_cg_expr_any(g, e->u.bin.b, T(NF_BT_INT), &tb);
        emit(g, NF_BC_MAKE_ABC(NF_OPC_MULI_D, dst, left, rb));
        release(g, rb, tb);
        return;
    }
    uint32_t k;
    if (dec && (op == NF_OP_ADD || op == NF_OP_SUB || op == NF_OP_MUL) &&
        decimal_literal(g, e->u.bin.b, &k)) { /* ADDK_D, SUBK_D, MULK_D */
        emit(g, NF_BC_MAKE_ABC(op == NF_OP_ADD   ? NF_OPC_ADDK_D
                               : op == NF_OP_SUB ? NF_OPC_SUBK_D
                                                 : NF_OPC_MULK_D,
                               dst, left, k));
        return;
    }
    int rb = nf_cg_expr_any(g, e->u.bin.b, at, &tb);
    nf_bc_opcode oc;
    switch (op) {
    case NF_OP_ADD: oc = dec ? NF_OPC_ADD_D : NF_OPC_ADD_I; break;
    case NF_OP_SUB: oc = dec ? NF_OPC_SUB_D : NF_OPC_SUB_I; break;
    case NF_OP_MUL: oc = dec ? NF_OPC_MUL_D : NF_OPC_MUL_I; break;
    case NF_OP_MOD: oc = dec ? NF_OPC_MOD_D : NF_OPC_MOD_I; break;
    default: oc = g->f->nanoflow ? NF_OPC_DIV_DN : NF_OPC_DIV_DM; break;
    }
    emit(g, NF_BC_MAKE_ABC(oc, dst, left, rb));
    release(g, rb, tb);
}

/* Arithmetic and concatenation, three-address: variables are read in place, each node writes a
 * temporary, and the last node writes `to` directly. `to` may be a variable that the operands
 * read: only the last instruction writes it, after every operand has been evaluated, and a
 * failing instruction writes nothing. Chains (a + b + c …) are left-deep and may be long: the
 * left spine is walked with an explicit stack and accumulated in one temporary, so neither the
 * C stack nor the register file grows with the chain. */
static void arith(nf_cg *g, nf_cc_expr *e, int to) {
    nf_cc_expr *small[32], **spine = small;
    size_t n = 0, cap = 32;
    for (nf_cc_expr *x = e; is_arith(x); x = x->u.bin.a) {
        if (n == cap) {
            nf_cc_expr **bigger = malloc(cap * 2 * sizeof *bigger);
            if (!bigger) {
                g->oom = true;
                if (spine != small) free(spine);
                return;
            }
            memcpy(bigger, spine, n * sizeof *spine);
            if (spine != small) free(spine);
            spine = bigger;
            cap *= 2;
        }
        spine[n++] = x;
    }
    nf_bc_type t0 = arith_type(spine[n - 1]);
    nf_cc_expr *leftmost = spine[n - 1]->u.bin.a;
    int left;
    bool left_temp;
    if (t0.kind == NF_BT_STR && nf_cg_type(leftmost->type).kind != NF_BT_STR &&
        leftmost->kind != NF_EX_EMPTY) {
        bool tl;
        int r = value(g, leftmost, &tl);
        left = nf_cg_temp(g, t0);
        left_temp = true;
        emit(g, NF_BC_MAKE_ABC(NF_OPC_TOSTR, left, r, 0));
        release(g, r, tl);
    } else if (t0.kind == NF_BT_DEC && n >= 1 &&
               (spine[n - 1]->op == NF_OP_ADD || spine[n - 1]->op == NF_OP_MUL) &&
               (leftmost->kind == NF_EX_DECIMAL || leftmost->kind == NF_EX_INT) &&
               nf_cg_type(spine[n - 1]->u.bin.b->type).kind == NF_BT_DEC &&
               !is_literal(spine[n - 1]->u.bin.b)) {
        /* K + x and K * x commute: x + K uses the constant in place (ADDK_D, MULK_D) */
        nf_cc_expr *first = spine[n - 1];
        nf_cc_expr swapped;
        nf_cc_expr_copy(&swapped, first);
        swapped.u.bin.a = first->u.bin.b;
        swapped.u.bin.b = first->u.bin.a;
        left = nf_cg_expr_any(g, swapped.u.bin.a, t0, &left_temp);
        n--;
        int dst = n == 0 && same_type(reg_type(g, to), t0) ? to
                  : left_temp                              ? left
                                                           : nf_cg_temp(g, t0);
        arith_step(g, &swapped, dst, left);
        if (dst != left) release(g, left, left_temp);
        left = dst;
        left_temp = dst != to;
    } else if (t0.kind == NF_BT_DEC && nf_cg_type(leftmost->type).kind == NF_BT_INT) {
        /* an Integer first operand stays Integer: the loop converts it, or multiplies it by a
         * constant directly (MULKI_D) */
        left = nf_cg_expr_any(g, leftmost, T(NF_BT_INT), &left_temp);
    } else {
        left = nf_cg_expr_any(g, leftmost, t0, &left_temp);
    }
    while (n > 0) {
        nf_cc_expr *node = spine[--n];
        nf_bc_type nt = arith_type(node);
        uint32_t kk;
        if (reg_type(g, left).kind == NF_BT_INT && nt.kind == NF_BT_DEC && node->op == NF_OP_MUL &&
            node->u.bin.b->kind == NF_EX_DECIMAL && decimal_literal(g, node->u.bin.b, &kk)) {
            /* Integer × Decimal constant: MULKI_D, no I2D */
            int dst = n == 0 && same_type(reg_type(g, to), nt) ? to : nf_cg_temp(g, nt);
            emit(g, NF_BC_MAKE_ABC(NF_OPC_MULKI_D, dst, left, kk));
            release(g, left, left_temp);
            left = dst;
            left_temp = dst != to;
            continue;
        }
        if (!same_type(reg_type(g, left), nt)) { /* Integer becomes Decimal, a number a String */
            int next = nf_cg_temp(g, nt);
            emit(g,
                 NF_BC_MAKE_ABC(nt.kind == NF_BT_STR ? NF_OPC_TOSTR : NF_OPC_I2D, next, left, 0));
            release(g, left, left_temp);
            left = next;
            left_temp = true;
        }
        int dst;
        if (n == 0 && same_type(reg_type(g, to), nt))
            dst = to;
        else if (left_temp)
            dst = left;
        else
            dst = nf_cg_temp(g, nt);
        arith_step(g, node, dst, left);
        if (dst != left) release(g, left, left_temp);
        left = dst;
        left_temp = dst != to;
    }
    if (spine != small) free(spine);
    if (left != to) {
        convert(g, to, left);
        release(g, left, left_temp);
    }
}

/* $obj/step/…: objects step by step, the last step into `to`. */
static void path(nf_cg *g, nf_cc_expr *e, int to) {
    bool temp;
    int cur = nf_cg_expr_any(g, e->u.path.base, nf_cg_type(e->u.path.base->type), &temp);
    for (uint32_t i = 0; i < e->u.path.nsteps; i++) {
        nf_cc_step *st = &e->u.path.steps[i];
        bool last = i + 1 == e->u.path.nsteps;
        nf_bc_type t =
            st->attr ? nf_cg_type(st->attr->type) : nf_cg_type(nf_cc_assoc_step_type(st));
        int dst = last && same_type(reg_type(g, to), t) ? to : nf_cg_temp(g, t);
        path_step(g, st, t, dst, cur);
        release(g, cur, temp);
        cur = dst;
        temp = dst != to;
    }
    if (cur != to) {
        convert(g, to, cur);
        release(g, cur, temp);
    }
}

static void expr_inner(nf_cg *g, nf_cc_expr *e, int to);

void nf_cg_expr_to(nf_cg *g, nf_cc_expr *e, int to) {
    if (too_deep(g, e)) return;
    g->depth++;
    expr_inner(g, e, to);
    g->depth--;
}

static void expr_inner(nf_cg *g, nf_cc_expr *e, int to) {
    nf_bc_type rt = reg_type(g, to);
    if (e->kind == NF_EX_BINARY || e->kind == NF_EX_UNARY) {
        int64_t v;
        char *str;
        uint32_t len;
        if (fold_int(e, &v)) {
            load_int(g, v, to);
            return;
        }
        if (rt.kind == NF_BT_STR && fold_str(g, e, &str, &len)) {
            emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADK, to, nf_cg_const_str(g, str, len)));
            return;
        }
    }
    switch ((nf_cc_exkind)e->kind) {
    case NF_EX_INT: load_int(g, strtoll(e->u.lit.text, NULL, 10), to); return;
    case NF_EX_DECIMAL:
        emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADK, to, nf_cg_const_dec(g, e->u.lit.text, e->u.lit.len)));
        return;
    case NF_EX_STRING:
        emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADK, to, nf_cg_const_str(g, e->u.str.s, e->u.str.len)));
        return;
    case NF_EX_BOOL: emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADB, to, e->u.b ? 1 : 0, 0)); return;
    case NF_EX_EMPTY: emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADNIL, to, 0, 0)); return;
    case NF_EX_VAR: {
        int src = var_source(g, e);
        if (src < 0) {
            if (strcmp(e->u.var->s, "currentUser") == 0) {
                emit(g, NF_BC_MAKE_ABC(NF_OPC_CALLFN, to, NF_FN_CURRENT_USER, 0));
                return;
            }
            nf_cg_error(g, e->span, "$%s has no value here", e->u.var->s);
            return;
        }
        convert(g, to, src);
        return;
    }
    case NF_EX_PATH: path(g, e, to); return;
    case NF_EX_CONSTANT: nf_cg_expr_to(g, e->ref.constant->decl->u.constant.value, to); return;
    case NF_EX_QNAME:
        emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADE, to, (uint32_t)e->ref.enum_value));
        return;
    case NF_EX_MXTOKEN: {
        nf_bc_type st = T(NF_BT_STR);
        int arg = nf_cg_temp_block(g, &st, 1);
        emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADK, arg, nf_cg_const_str(g, e->u.var->s, e->u.var->len)));
        emit(g, NF_BC_MAKE_ABC(NF_OPC_CALLFN, to, NF_FN_DATE_TOKEN, arg));
        nf_cg_free_block(g, arg, &st, 1);
        return;
    }
    case NF_EX_UNARY:
        if (e->op == NF_OP_NOT) {
            bool temp;
            int r = nf_cg_expr_any(g, e->u.bin.a, T(NF_BT_BOOL), &temp);
            emit(g, NF_BC_MAKE_ABC(NF_OPC_NOT, to, r, 0));
            release(g, r, temp);
        } else if (e->u.bin.a->kind == NF_EX_INT) {
            int64_t v = strtoll(e->u.bin.a->u.lit.text, NULL, 10);
            /* -9223372036854775808 does not survive strtoll's positive parse: saturate */
            if (v == INT64_MAX && strcmp(e->u.bin.a->u.lit.text, "9223372036854775807") != 0)
                load_int(g, INT64_MIN, to);
            else
                load_int(g, -v, to);
        } else {
            nf_bc_type ot = nf_cg_type(e->type);
            int dst = same_type(rt, ot) ? to : nf_cg_temp(g, ot);
            bool temp;
            int r = nf_cg_expr_any(g, e->u.bin.a, ot, &temp);
            emit(g, NF_BC_MAKE_ABC(ot.kind == NF_BT_DEC ? NF_OPC_NEG_D : NF_OPC_NEG_I, dst, r, 0));
            release(g, r, temp);
            if (dst != to) {
                convert(g, to, dst);
                nf_cg_free_temp(g, dst);
            }
        }
        return;
    case NF_EX_BINARY:
        switch ((nf_cc_op)e->op) {
        case NF_OP_ADD:
        case NF_OP_SUB:
        case NF_OP_MUL:
        case NF_OP_DIV:
        case NF_OP_MOD: arith(g, e, to); return;
        default: bool_value(g, e, to); return;
        }
    case NF_EX_CALL: call_builtin(g, e, to); return;
    case NF_EX_IF: {
        nf_cg_buf fals = {0};
        nf_cg_cond(g, e->u.cond.c, false, &fals);
        nf_cg_expr_to(g, e->u.cond.t, to);
        uint32_t end = jump(g);
        nf_cg_patch_all(g, &fals, nf_cg_pc(g));
        nf_cg_expr_to(g, e->u.cond.e, to);
        nf_cg_patch(g, end, nf_cg_pc(g));
        return;
    }
    default: nf_cg_error(g, e->span, "this expression cannot be compiled here"); return;
    }
}
