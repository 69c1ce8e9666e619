/* cc_gen_list.c — list statements → code: loops over lists (FORLIST), the list operations
 * (find, filter, sort, head, tail, union, intersect, subtract, contains, equals, …) and the
 * aggregates (count, sum, average, minimum, maximum, all, any). Split from cc_gen_flow.c, whose
 * emission and register helpers it uses through cc_gen.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_gen.h"
#include "cc_sema.h"

/* FORLIST back to `top`; its offset is 16 bits, so a body has at most 32,767 instructions. */
void nf_cg_emit_forlist(nf_cg *g, int blk, uint32_t top, nf_cc_span at) {
    int64_t back = (int64_t)top - (int64_t)nf_cg_pc(g) - 1;
    if (back < -(NF_BC_SBX_MAX - 1)) {
        nf_cg_error(g, at,
                    "this loop body compiles to %lld instructions (at most %d fit): move part of "
                    "it into a sub-flow",
                    (long long)-back - 1, NF_BC_SBX_MAX - 1);
        back = 0;
    }
    nf_cg_emit(g, NF_BC_MAKE_ASBX(NF_OPC_FORLIST, blk, (int32_t)back));
}

/* A loop over the list in register-block [list, index, element]; body_fn emits the body. */
typedef void (*loop_body_fn)(nf_cg *g, void *ctx, int elem, nf_cg_buf *exits);

static void list_loop(nf_cg *g, int list_src, nf_bc_type elem_type, loop_body_fn body, void *ctx,
                      int *elem_out, nf_cc_span at) {
    nf_bc_type types[3] = {g->f->regs[list_src], nf_cg_kind(NF_BT_INT), elem_type};
    int blk = nf_cg_temp_block(g, types, 3);
    nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_MOVE, blk, list_src, 0));
    nf_cg_emit(g, NF_BC_MAKE_ASBX(NF_OPC_LOADI, blk + 1, -1));
    uint32_t to_cond = nf_cg_jump(g);
    uint32_t top = nf_cg_pc(g);
    nf_cg_buf exits = {0};
    if (elem_out) *elem_out = blk + 2;
    body(g, ctx, blk + 2, &exits);
    nf_cg_patch(g, to_cond, nf_cg_pc(g));
    nf_cg_emit_forlist(g, blk, top, at);
    nf_cg_patch_all(g, &exits, nf_cg_pc(g));
    nf_cg_free_block(g, blk, types, 3);
}

typedef struct lambda_ctx {
    nf_cc_stmt *st;
    int result; /* result register */
    int count;  /* average: element count */
} lambda_ctx;

static void with_current_object(nf_cg *g, int elem, int *saved) {
    *saved = g->f->current_object_reg;
    g->f->current_object_reg = elem;
}

static void find_filter_body(nf_cg *g, void *vctx, int elem, nf_cg_buf *exits) {
    lambda_ctx *c = vctx;
    struct nf_cc_st_listop *o = &c->st->u.listop;
    int saved;
    with_current_object(g, elem, &saved);
    nf_cg_buf skip = {0};
    nf_cg_cond(g, o->cond, false, &skip);
    if (o->op == NF_LO_FIND) {
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_MOVE, c->result, elem, 0));
        nf_cg_add(g, exits, nf_cg_jump(g));
    } else {
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LADD, c->result, elem, 0));
    }
    nf_cg_patch_all(g, &skip, nf_cg_pc(g));
    g->f->current_object_reg = saved;
}

void nf_cg_listop(nf_cg *g, nf_cc_stmt *st) {
    struct nf_cc_st_listop *o = &st->u.listop;
    nf_cc_var *v = nf_cg_var_named(g, o->var);
    if (!v) return;
    int dst = nf_cg_var_reg(g, v);
    bool tl, to_;
    int list = nf_cg_expr_any(g, o->list, nf_cg_type(o->list->type), &tl);
    switch ((nf_cc_listop)o->op) {
    case NF_LO_HEAD: nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_HEAD, dst, list, 0)); break;
    case NF_LO_TAIL: nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_TAIL, dst, list, 0)); break;
    case NF_LO_FIND:
    case NF_LO_FILTER: {
        lambda_ctx c = {st, dst, -1};
        nf_cg_emit(
            g, NF_BC_MAKE_ABC(o->op == NF_LO_FIND ? NF_OPC_LOADNIL : NF_OPC_NEWLIST, dst, 0, 0));
        nf_bc_type et = nf_cg_type(nf_cc_t_object(o->list->type.u.entity));
        list_loop(g, list, et, find_filter_body, &c, NULL, st->span);
        break;
    }
    case NF_LO_FIND_BY:
    case NF_LO_FILTER_BY: {
        nf_cc_step step;
        memset(&step, 0, sizeof step);
        step.name = o->by_member;
        uint32_t member = 0;
        nf_bc_type want = nf_cg_kind(NF_BT_STR);
        nf_cc_entity *e = o->list->type.u.entity;
        nf_cc_attr *a = e ? nf_cc_entity_attr(e, o->by_member.full) : NULL;
        if (a) {
            member = nf_cg_attr_index(a);
            want = nf_cg_type(a->type);
        } else {
            nf_cc_assoc *as = nf_cc_map_get(&g->mdl->assoc_by_name, o->by_member.full);
            if (as) {
                member = NF_BC_ASSOC_MEMBER | as->index;
                want =
                    nf_cg_type(nf_cc_t_object(nf_cc_entity_is_a(e, as->from) ? as->to : as->from));
            }
        }
        int val = nf_cg_expr_any(g, o->by_value, want, &to_);
        uint32_t w[3] = {member, (uint32_t)val, o->op == NF_LO_FIND_BY ? 1u : 0u};
        nf_cg_emit(
            g, NF_BC_MAKE_ABC(NF_OPC_FINDBY, dst, list,
                              nf_cg_small_desc(g, nf_cg_desc(g, NF_DESC_FINDBY, w, 3), st->span)));
        if (to_) nf_cg_free_temp(g, val);
        break;
    }
    case NF_LO_SORT: {
        uint32_t w[1 + 2 * 64];
        uint32_t n = 1;
        w[0] = 0;
        if (o->nsort > 64) nf_cg_error(g, st->span, "a sort takes at most 64 attributes");
        for (uint32_t i = 0; i < o->nsort && i < 64; i++) {
            if (!o->sort[i].resolved) continue;
            w[n++] = nf_cg_attr_index(o->sort[i].resolved);
            w[n++] = o->sort[i].desc;
            w[0]++;
        }
        nf_cg_emit(
            g, NF_BC_MAKE_ABC(NF_OPC_SORT, dst, list,
                              nf_cg_small_desc(g, nf_cg_desc(g, NF_DESC_SORT, w, n), st->span)));
        break;
    }
    case NF_LO_UNION:
    case NF_LO_INTERSECT:
    case NF_LO_SUBTRACT:
    case NF_LO_EQUALS: {
        int other = nf_cg_expr_any(g, o->other, nf_cg_type(o->other->type), &to_);
        nf_bc_opcode oc = o->op == NF_LO_UNION       ? NF_OPC_UNION
                          : o->op == NF_LO_INTERSECT ? NF_OPC_INTERSECT
                          : o->op == NF_LO_SUBTRACT  ? NF_OPC_SUBTRACT
                                                     : NF_OPC_LEQUALS;
        nf_cg_emit(g, NF_BC_MAKE_ABC(oc, dst, list, other));
        if (to_) nf_cg_free_temp(g, other);
        break;
    }
    case NF_LO_CONTAINS: {
        int other = nf_cg_expr_any(g, o->other, nf_cg_type(o->other->type), &to_);
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_CONTAINS, dst, list, other));
        if (to_) nf_cg_free_temp(g, other);
        break;
    }
    case NF_LO_RANGE: {
        nf_bc_type types[2] = {nf_cg_kind(NF_BT_INT), nf_cg_kind(NF_BT_INT)};
        int blk = nf_cg_temp_block(g, types, 2);
        if (o->offset)
            nf_cg_expr_to(g, o->offset, blk);
        else
            nf_cg_emit(g, NF_BC_MAKE_ASBX(NF_OPC_LOADI, blk, 0));
        if (o->limit)
            nf_cg_expr_to(g, o->limit, blk + 1);
        else
            nf_cg_emit(g, NF_BC_MAKE_ASBX(NF_OPC_LOADI, blk + 1, 0));
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_RANGE, dst, list, blk));
        nf_cg_free_block(g, blk, types, 2);
        break;
    }
    }
    if (tl) nf_cg_free_temp(g, list);
}

static void agg_body(nf_cg *g, void *vctx, int elem, nf_cg_buf *exits) {
    lambda_ctx *c = vctx;
    struct nf_cc_st_aggregate *a = &c->st->u.aggregate;
    int saved;
    with_current_object(g, elem, &saved);
    nf_bc_type rt = g->f->regs[c->result];
    switch ((nf_cc_aggop)a->op) {
    case NF_AG_ALL:
    case NF_AG_ANY: { /* all: stop at the first false; any: at the first true */
        bool all = a->op == NF_AG_ALL;
        nf_cg_buf hit = {0};
        nf_cg_cond(g, a->expr, !all, &hit);
        uint32_t skip = nf_cg_jump(g);
        nf_cg_patch_all(g, &hit, nf_cg_pc(g));
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADB, c->result, all ? 0 : 1, 0));
        nf_cg_add(g, exits, nf_cg_jump(g));
        nf_cg_patch(g, skip, nf_cg_pc(g));
        break;
    }
    case NF_AG_REDUCE: {
        int saved_res = g->f->current_result_reg;
        g->f->current_result_reg = c->result;
        int tmp = nf_cg_temp(g, rt);
        nf_cg_expr_to(g, a->expr, tmp);
        nf_cg_emit(g, NF_BC_MAKE_ABC(nf_cg_move_op(g, c->result), c->result, tmp, 0));
        nf_cg_free_temp(g, tmp);
        g->f->current_result_reg = saved_res;
        break;
    }
    default: { /* sum, average, minimum, maximum of an expression */
        nf_bc_type vt = a->op == NF_AG_AVERAGE ? nf_cg_kind(NF_BT_DEC) : rt;
        bool temp;
        int val = nf_cg_expr_any(g, a->expr, vt, &temp);
        if (a->op == NF_AG_SUM || a->op == NF_AG_AVERAGE) {
            nf_bc_opcode oc = vt.kind == NF_BT_DEC ? NF_OPC_ADD_D : NF_OPC_ADD_I;
            nf_cg_emit(g, NF_BC_MAKE_ABC(oc, c->result, c->result, val));
            if (c->count >= 0)
                nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_ADDI_I, c->count, c->count, 127 + 1));
        } else { /* keep val when the result is empty or val is smaller (larger) */
            nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_TESTNIL, c->result, 1, 0));
            uint32_t take = nf_cg_jump(g);
            nf_bc_opcode lt = vt.kind == NF_BT_DEC  ? NF_OPC_LT_D
                              : vt.kind == NF_BT_DT ? NF_OPC_LT_T
                                                    : NF_OPC_LT_I;
            if (a->op == NF_AG_MINIMUM)
                nf_cg_emit(g, NF_BC_MAKE_ABC(lt, val, c->result, 1));
            else
                nf_cg_emit(g, NF_BC_MAKE_ABC(lt, c->result, val, 1));
            uint32_t take2 = nf_cg_jump(g);
            uint32_t skip = nf_cg_jump(g);
            nf_cg_patch(g, take, nf_cg_pc(g));
            nf_cg_patch(g, take2, nf_cg_pc(g));
            nf_cg_emit(g, NF_BC_MAKE_ABC(nf_cg_move_op(g, c->result), c->result, val, 0));
            nf_cg_patch(g, skip, nf_cg_pc(g));
        }
        if (temp) nf_cg_free_temp(g, val);
        break;
    }
    }
    g->f->current_object_reg = saved;
}

void nf_cg_aggregate(nf_cg *g, nf_cc_stmt *st) {
    struct nf_cc_st_aggregate *a = &st->u.aggregate;
    nf_cc_var *v = nf_cg_var_named(g, a->var);
    if (!v) return;
    int dst = nf_cg_var_reg(g, v);
    bool tl;
    int list = nf_cg_expr_any(g, a->list, nf_cg_type(a->list->type), &tl);
    nf_cc_entity *e = a->list->type.u.entity;
    nf_bc_type et = nf_cg_type(nf_cc_t_object(e));
    if (a->op == NF_AG_COUNT) {
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LLEN, dst, list, 0));
    } else if (a->has_attr && e) {
        nf_cc_attr *at = nf_cc_entity_attr(e, a->attr.full);
        uint32_t w[2] = {a->op == NF_AG_SUM       ? 0u
                         : a->op == NF_AG_AVERAGE ? 1u
                         : a->op == NF_AG_MINIMUM ? 2u
                                                  : 3u,
                         at ? nf_cg_attr_index(at) : 0};
        nf_bc_type at_t = at ? nf_cg_type(at->type) : nf_cg_kind(NF_BT_DEC);
        nf_bc_type want = a->op == NF_AG_AVERAGE ? nf_cg_kind(NF_BT_DEC) : at_t;
        int r = nf_cg_same_type(g->f->regs[dst], want) ? dst : nf_cg_temp(g, want);
        nf_cg_emit(g,
                   NF_BC_MAKE_ABC(NF_OPC_AGG, r, list,
                                  nf_cg_small_desc(g, nf_cg_desc(g, NF_DESC_AGG, w, 2), st->span)));
        if (r != dst) {
            nf_cg_emit(g, NF_BC_MAKE_ABC(g->f->regs[dst].kind == NF_BT_DEC && want.kind == NF_BT_INT
                                             ? NF_OPC_I2D
                                             : nf_cg_move_op(g, dst),
                                         dst, r, 0));
            nf_cg_free_temp(g, r);
        }
    } else {
        lambda_ctx c = {st, dst, -1};
        switch ((nf_cc_aggop)a->op) {
        case NF_AG_ALL: nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADB, dst, 1, 0)); break;
        case NF_AG_ANY: nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADB, dst, 0, 0)); break;
        case NF_AG_REDUCE: nf_cg_expr_to(g, a->initial, dst); break;
        case NF_AG_SUM:
            if (g->f->regs[dst].kind == NF_BT_DEC)
                nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADK, dst, nf_cg_const_dec(g, "0", 1)));
            else
                nf_cg_emit(g, NF_BC_MAKE_ASBX(NF_OPC_LOADI, dst, 0));
            break;
        case NF_AG_AVERAGE:
            nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADK, dst, nf_cg_const_dec(g, "0", 1)));
            c.count = nf_cg_temp(g, nf_cg_kind(NF_BT_INT));
            nf_cg_emit(g, NF_BC_MAKE_ASBX(NF_OPC_LOADI, c.count, 0));
            break;
        default: nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADNIL, dst, 0, 0)); break;
        }
        list_loop(g, list, et, agg_body, &c, NULL, st->span);
        if (a->op == NF_AG_AVERAGE) { /* empty list: average stays empty rather than 0 / 0 */
            int cnt_d = nf_cg_temp(g, nf_cg_kind(NF_BT_DEC));
            nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_I2D, cnt_d, c.count, 0));
            int zero = nf_cg_temp(g, nf_cg_kind(NF_BT_INT));
            nf_cg_emit(g, NF_BC_MAKE_ASBX(NF_OPC_LOADI, zero, 0));
            nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_EQ_I, c.count, zero, 1));
            uint32_t empty = nf_cg_jump(g);
            nf_cg_emit(
                g, NF_BC_MAKE_ABC(g->f->nanoflow ? NF_OPC_DIV_DN : NF_OPC_DIV_DM, dst, dst, cnt_d));
            uint32_t done = nf_cg_jump(g);
            nf_cg_patch(g, empty, nf_cg_pc(g));
            nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADNIL, dst, 0, 0));
            nf_cg_patch(g, done, nf_cg_pc(g));
            nf_cg_free_temp(g, zero);
            nf_cg_free_temp(g, cnt_d);
            nf_cg_free_temp(g, c.count);
        }
    }
    if (tl) nf_cg_free_temp(g, list);
}
