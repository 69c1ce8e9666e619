/* cc_gen_flow.c — statements → code, with the flow's register file, handler table, line table
 * and descriptors.
 *
 * Registers: parameters first, then each variable gets its own register at its first use (names
 * are unique in a flow), then temporaries, which are reused once freed when their type matches
 * (registers have one type for the whole flow). Control flow uses forward jump lists patched at
 * their targets; a jump that lands backwards becomes LOOP so the VM checks its instruction
 * budget there. Error handlers are handler-table ranges: free when nothing fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_gen.h"
#include "cc_sema.h"

/* ---- emission ------------------------------------------------------------------------------- */

uint32_t nf_cg_pc(nf_cg *g) {
    return g->f->code.n;
}

/* nf_cg_push for the flow's code and lines, which live in malloc'd scratch storage. */
static void *scratch_push(nf_cg *g, nf_cg_buf *b, size_t size) {
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 256;
        void *items = realloc(b->items, (size_t)cap * size);
        if (!items) {
            g->oom = true;
            return NULL;
        }
        b->items = items;
        b->cap = cap;
    }
    void *slot = (char *)b->items + (size_t)b->n * size;
    memset(slot, 0, size);
    b->n++;
    return slot;
}

/* An arena copy of the n items of b (NULL when n is 0, or out of memory). */
static void *scratch_copy(nf_cg *g, const nf_cg_buf *b, size_t size) {
    if (!b->n) return NULL;
    void *m = nf_cc_arena_alloc_uninit(g->arena, (size_t)b->n * size);
    if (!m) {
        g->oom = true;
        return NULL;
    }
    memcpy(m, b->items, (size_t)b->n * size);
    return m;
}

uint32_t nf_cg_emit(nf_cg *g, nf_bc_insn in) {
    nf_cg_flow *f = g->f;
    if (f->code.n + 1 > 16u * 1024 * 1024) {
        if (!g->failed)
            nf_cg_error(g, f->flow->decl->name.span, "flow %s has too much code", f->flow->name->s);
        return f->code.n ? f->code.n - 1 : 0;
    }
    nf_bc_insn *slot = scratch_push(g, &f->code, sizeof *slot);
    if (slot) *slot = in;
    return f->code.n - 1;
}

void nf_cg_patch(nf_cg *g, uint32_t pc, uint32_t target) {
    nf_bc_insn *code = g->f->code.items;
    if (!code || pc >= g->f->code.n) return;
    int64_t off = (int64_t)target - (int64_t)pc - 1;
    if (off <= -NF_BC_SJ_MAX || off >= NF_BC_SJ_MAX) {
        nf_cg_error(g, g->f->flow->decl->name.span, "a jump in %s is too long",
                    g->f->flow->name->s);
        return;
    }
    code[pc] = NF_BC_MAKE_SJ(target <= pc ? NF_OPC_LOOP : NF_OPC_JMP, (int32_t)off);
}

uint32_t nf_cg_jump(nf_cg *g) {
    return nf_cg_emit(g, NF_BC_MAKE_SJ(NF_OPC_JMP, 0));
}

void nf_cg_add(nf_cg *g, nf_cg_buf *b, uint32_t v) {
    uint32_t *slot = nf_cg_push(g, b, sizeof *slot);
    if (slot) *slot = v;
}

uint32_t nf_cg_desc(nf_cg *g, nf_bc_desc_kind kind, const uint32_t *w, uint32_t n) {
    nf_bc_desc *d = nf_cg_push(g, &g->f->descs, sizeof *d);
    if (!d) return 0;
    d->kind = (uint8_t)kind;
    d->n = n;
    d->w = n ? nf_cc_arena_alloc(g->arena, n * sizeof *d->w) : NULL;
    if (n && !d->w)
        g->oom = true;
    else if (n)
        memcpy(d->w, w, n * sizeof *d->w);
    if (g->f->descs.n > 65535)
        nf_cg_error(g, g->f->flow->decl->name.span, "flow %s has too many descriptors",
                    g->f->flow->name->s);
    return g->f->descs.n - 1;
}

uint32_t nf_cg_member(nf_cg *g, uint32_t member, nf_cc_span at) {
    nf_cg_flow *f = g->f;
    for (uint32_t i = 0; i < f->nmembers; i++)
        if (f->members[i] == member) return i;
    if (f->nmembers == NF_BC_MAX_MEMBERS) {
        nf_cg_error(g, at,
                    "flow %s uses more than %d different attributes and associations: split it",
                    f->flow->name->s, NF_BC_MAX_MEMBERS);
        return 0;
    }
    f->members[f->nmembers] = member;
    return f->nmembers++;
}

uint32_t nf_cg_small_desc(nf_cg *g, uint32_t d, nf_cc_span at) {
    if (d < 256) return d;
    nf_cg_error(g, at, "flow %s has more than 256 list operations and retrieves: split it",
                g->f->flow->name->s);
    return 0;
}

/* ---- registers ------------------------------------------------------------------------------- */

static int new_reg(nf_cg *g, nf_bc_type t, uint32_t name) {
    nf_cg_flow *f = g->f;
    if (f->nregs >= NF_BC_MAX_REGS) {
        if (!f->too_many_regs)
            nf_cg_error(g, f->flow->decl->name.span,
                        "flow %s needs more than %d registers: split it into smaller flows",
                        f->flow->name->s, NF_BC_MAX_REGS);
        f->too_many_regs = true;
        return NF_BC_MAX_REGS - 1;
    }
    f->regs[f->nregs] = t;
    f->reg_names[f->nregs] = name;
    return (int)f->nregs++;
}

int nf_cg_temp(nf_cg *g, nf_bc_type t) {
    nf_cg_flow *f = g->f;
    for (uint32_t r = 0; r < f->nregs; r++)
        if (f->temp_free[r] && nf_cg_same_type(f->regs[r], t)) {
            f->temp_free[r] = false;
            return (int)r;
        }
    int r = new_reg(g, t, NF_BC_NONE);
    if (r < NF_BC_MAX_REGS) f->is_temp[r] = true;
    return r;
}

void nf_cg_free_temp(nf_cg *g, int reg) {
    if (reg >= 0 && reg < NF_BC_MAX_REGS && g->f->is_temp[reg]) g->f->temp_free[reg] = true;
}

static bool block_matches(nf_cg_flow *f, uint32_t first, const nf_bc_type *types, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (!nf_cg_same_type(f->regs[first + i], types[i])) return false;
    return true;
}

int nf_cg_temp_block(nf_cg *g, const nf_bc_type *types, uint32_t n) {
    nf_cg_flow *f = g->f;
    for (uint32_t b = 0; b < f->nblocks; b++)
        if (f->blocks[b].free && f->blocks[b].n == n &&
            block_matches(f, f->blocks[b].first, types, n)) {
            f->blocks[b].free = false;
            return (int)f->blocks[b].first;
        }
    int first = (int)f->nregs;
    for (uint32_t i = 0; i < n; i++)
        new_reg(g, types[i], NF_BC_NONE);
    if (f->nblocks < NF_BC_MAX_REGS && !f->too_many_regs) {
        f->blocks[f->nblocks].first = (uint32_t)first;
        f->blocks[f->nblocks].n = n;
        f->blocks[f->nblocks++].free = false;
    }
    return f->too_many_regs ? 0 : first;
}

void nf_cg_free_block(nf_cg *g, int first, const nf_bc_type *types, uint32_t n) {
    (void)types;
    nf_cg_flow *f = g->f;
    for (uint32_t b = 0; b < f->nblocks; b++)
        if ((int)f->blocks[b].first == first && f->blocks[b].n == n) f->blocks[b].free = true;
}

int nf_cg_var_reg(nf_cg *g, const nf_cc_var *v) {
    nf_cg_flow *f = g->f;
    if (f->var_reg[v->index] < 0)
        f->var_reg[v->index] =
            new_reg(g, nf_cg_type(v->type), nf_cg_string(g, v->name->s, v->name->len));
    return f->var_reg[v->index];
}

nf_cc_var *nf_cg_var_named(nf_cg *g, const nf_cc_sym *name) {
    nf_cc_flow *fl = g->f->flow;
    for (uint32_t i = 0; i < fl->nvars; i++)
        if (fl->vars[i]->name == name) return fl->vars[i];
    return NULL;
}

/* The register of the variable a statement defines (a temporary when it defines none). */
static int def_reg(nf_cg *g, const nf_cc_sym *name, nf_bc_type t, bool *temp) {
    nf_cc_var *v = name ? nf_cg_var_named(g, name) : NULL;
    *temp = v == NULL;
    return v ? nf_cg_var_reg(g, v) : nf_cg_temp(g, t);
}

/* ---- lines ----------------------------------------------------------------------------------- */

static void mark_line(nf_cg *g, nf_cc_span at) {
    if (at.file >= g->srcs->n) return;
    uint32_t line = nf_cc_source_line_of(&g->srcs->files[at.file], at.off);
    nf_cg_flow *f = g->f;
    nf_bc_line *last = f->lines.n ? &((nf_bc_line *)f->lines.items)[f->lines.n - 1] : NULL;
    if (last && last->pc == f->code.n) {
        last->line = line;
        return;
    }
    if (last && last->line == line) return;
    nf_bc_line *l = scratch_push(g, &f->lines, sizeof *l);
    if (l) {
        l->pc = f->code.n;
        l->line = line;
    }
}

/* A coverage probe (nf_cc_set_coverage): NOP with A = 1 and B = kind, on the line of `at`. */
static void probe(nf_cg *g, nf_cc_probe_kind kind, nf_cc_span at) {
    if (!g->coverage) return;
    mark_line(g, at);
    nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_NOP, 1, kind, 0));
}

/* ---- statements ------------------------------------------------------------------------------ */

static void block(nf_cg *g, nf_cc_block *b);

static void handler_regs_push(nf_cg *g, int *err, int *type) {
    nf_cg_flow *f = g->f;
    nf_bc_type et = (!f->nanoflow && g->mdl->system_error)
                        ? nf_cg_type(nf_cc_t_object(g->mdl->system_error))
                        : nf_cg_kind(NF_BT_STR);
    *err = nf_cg_temp(g, et);
    *type = nf_cg_temp(g, nf_cg_kind(NF_BT_STR));
    if (f->nhregs < 64) {
        f->hregs[f->nhregs].error_reg = *err;
        f->hregs[f->nhregs++].type_reg = *type;
    }
}

static void handler_regs_pop(nf_cg *g, int err, int type) {
    if (g->f->nhregs) g->f->nhregs--;
    nf_cg_free_temp(g, err);
    nf_cg_free_temp(g, type);
}

static nf_bc_handler *add_handler(nf_cg *g, uint32_t start, uint32_t end, uint8_t kind) {
    nf_bc_handler *h = nf_cg_push(g, &g->f->handlers, sizeof *h);
    if (!h) return NULL;
    h->start = start;
    h->end = end;
    h->kind = kind;
    h->error_reg = h->type_reg = h->result_reg = 255;
    return h;
}

/* The `on error` clause of the activity that produced code [start, pc). */
static void on_error(nf_cg *g, nf_cc_handler *eh, uint32_t start, int result_reg) {
    uint32_t end = nf_cg_pc(g);
    switch ((nf_cc_handler_kind)eh->kind) {
    case NF_H_NONE: return;
    case NF_H_CONTINUE: { /* the flow's epilogue always follows, so `end` is an instruction */
        nf_bc_handler *h = add_handler(g, start, end, NF_BH_CONTINUE);
        if (h) {
            h->target = end;
            h->result_reg = result_reg >= 0 ? (uint8_t)result_reg : 255;
        }
        return;
    }
    case NF_H_ROLLBACK: {
        nf_bc_handler *h = add_handler(g, start, end, NF_BH_ROLLBACK);
        if (h) h->target = end;
        return;
    }
    case NF_H_CUSTOM:
    case NF_H_CUSTOM_NO_ROLLBACK: {
        uint32_t over = nf_cg_jump(g);
        int err, type;
        handler_regs_push(g, &err, &type);
        nf_bc_handler *h = add_handler(
            g, start, end, eh->kind == NF_H_CUSTOM ? NF_BH_CUSTOM : NF_BH_CUSTOM_NO_ROLLBACK);
        uint32_t hi = g->f->handlers.n - 1;
        uint32_t target = nf_cg_pc(g);
        probe(g, NF_PROBE_HANDLER, eh->body.span);
        block(g, &eh->body);
        h = &((nf_bc_handler *)g->f->handlers.items)[hi]; /* the table may have moved */
        h->target = target;
        h->error_reg = (uint8_t)err;
        h->type_reg = (uint8_t)type;
        h->result_reg = result_reg >= 0 ? (uint8_t)result_reg : 255;
        handler_regs_pop(g, err, type);
        nf_cg_patch(g, over, nf_cg_pc(g));
        return;
    }
    }
}

/* Sets member `st` of the object in obj_reg to value. */
static void set_member(nf_cg *g, int obj_reg, nf_cc_step *st, nf_cc_expr *value) {
    if (st->attr) {
        nf_bc_type at = nf_cg_type(st->attr->type);
        int r;
        bool temp = true;
        if (at.kind == NF_BT_ENUM &&
            value->kind == NF_EX_STRING) { /* legacy 'Value' for an enumeration */
            r = nf_cg_temp(g, at);
            nf_cc_sym *vn = nf_cc_intern(g->in, value->u.str.s, value->u.str.len);
            nf_cg_emit(
                g,
                NF_BC_MAKE_ABX(
                    NF_OPC_LOADE, r,
                    (uint32_t)(vn ? nf_cc_enum_value_index(st->attr->type.u.enumeration, vn) : 0)));
        } else {
            r = nf_cg_expr_any(g, value, at, &temp);
        }
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_SETA, obj_reg,
                                     nf_cg_member(g, nf_cg_attr_index(st->attr), value->span), r));
        if (temp) nf_cg_free_temp(g, r);
    } else if (st->assoc) {
        nf_bc_type want = nf_cg_type(st->assoc->reference_set ? nf_cc_t_list(st->entity)
                                                              : nf_cc_t_object(st->entity));
        bool temp;
        int r = nf_cg_expr_any(g, value, want, &temp);
        nf_cg_emit(g, NF_BC_MAKE_ABC(
                          NF_OPC_SETR, obj_reg,
                          nf_cg_member(g, NF_BC_ASSOC_MEMBER | st->assoc->index, value->span), r));
        if (temp) nf_cg_free_temp(g, r);
    }
}

static void assignments(nf_cg *g, int obj, nf_cc_assign *as, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        set_member(g, obj, &as[i].resolved, as[i].value);
}

/* Builds a message from a template ('Hello {1}' with ({1} = $Name)) into a String register. */
static void template_text(nf_cg *g, nf_cc_expr *text, nf_cc_template_param *ps, uint32_t n,
                          int to) {
    if (!n || text->kind != NF_EX_STRING) {
        nf_cg_expr_to(g, text, to);
        return;
    }
    const char *s = text->u.str.s;
    uint32_t len = text->u.str.len, lit = 0;
    bool first = true;
    int piece = nf_cg_temp(g, nf_cg_kind(NF_BT_STR));
    for (uint32_t i = 0; i <= len; i++) {
        uint32_t j = i + 1, idx = 0;
        bool ph = i < len && s[i] == '{';
        while (ph && j < len && s[j] >= '0' && s[j] <= '9')
            idx = idx * 10 + (uint32_t)(s[j++] - '0');
        ph = ph && j > i + 1 && j < len && s[j] == '}';
        nf_cc_template_param *p = NULL;
        for (uint32_t k = 0; ph && k < n; k++)
            if (ps[k].index == idx) p = &ps[k];
        if (i < len && !p) continue;
        /* flush the literal text before the placeholder (or the end) */
        if (i > lit || (first && i == len)) {
            nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADK, first ? to : piece,
                                         nf_cg_const_str(g, s + lit, i - lit)));
            if (!first) nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_CONCAT, to, to, piece));
            first = false;
        }
        if (p) {
            bool temp;
            int v = nf_cg_expr_any(g, p->value, nf_cg_type(p->value->type), &temp);
            nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_TOSTR, first ? to : piece, v, 0));
            if (!first) nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_CONCAT, to, to, piece));
            first = false;
            if (temp) nf_cg_free_temp(g, v);
            i = j;
            lit = j + 1;
        }
    }
    nf_cg_free_temp(g, piece);
}

static int value_reg_cb(nf_cg *g, nf_cc_expr *e) {
    bool temp;
    int r = nf_cg_expr_any(g, e, nf_cg_type(e->type), &temp);
    if (temp && g->f->nxtemps < 64)
        g->f->xtemps[g->f->nxtemps++] = r; /* freed after the retrieve */
    return r;
}

static void retrieve(nf_cg *g, nf_cc_stmt *st) {
    bool temp;
    nf_cc_var *v = nf_cg_var_named(g, st->u.retrieve.var);
    if (st->u.retrieve.assoc) {
        nf_cc_expr *p = st->u.retrieve.assoc;
        int dst = def_reg(g, st->u.retrieve.var, nf_cg_type(p->type), &temp);
        nf_cg_expr_to(g, p, dst);
        if (temp) nf_cg_free_temp(g, dst);
        return;
    }
    nf_cc_entity *e =
        v && (v->type.kind == NF_T_OBJECT || v->type.kind == NF_T_LIST) ? v->type.u.entity : NULL;
    if (!e) return;
    g->f->nxtemps = 0;
    uint32_t xp = nf_cg_xpath(g, st->u.retrieve.where, e, value_reg_cb);
    uint32_t w[6 + 2 * 64];
    uint32_t n = 6;
    w[0] = e->index;
    w[1] = xp;
    w[2] = (st->u.retrieve.first || st->u.retrieve.limit_one_object) ? 1 : 0;
    w[3] = w[4] = NF_BC_NONE;
    if (st->u.retrieve.limit && !st->u.retrieve.limit_one_object) {
        int r = nf_cg_temp(g, nf_cg_kind(NF_BT_INT));
        nf_cg_expr_to(g, st->u.retrieve.limit, r);
        w[3] = (uint32_t)r;
    }
    if (st->u.retrieve.offset) {
        int r = nf_cg_temp(g, nf_cg_kind(NF_BT_INT));
        nf_cg_expr_to(g, st->u.retrieve.offset, r);
        w[4] = (uint32_t)r;
    }
    w[5] = 0;
    if (st->u.retrieve.nsort > 64)
        nf_cg_error(g, st->span, "a retrieve sorts by at most 64 attributes");
    for (uint32_t i = 0; i < st->u.retrieve.nsort && i < 64; i++) {
        if (!st->u.retrieve.sort[i].resolved) continue;
        w[n++] = nf_cg_attr_index(st->u.retrieve.sort[i].resolved);
        w[n++] = st->u.retrieve.sort[i].desc ? 1 : 0;
        w[5]++;
    }
    uint32_t d = nf_cg_desc(g, NF_DESC_RETRIEVE, w, n);
    int dst = nf_cg_var_reg(g, v);
    nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_RETRIEVE, dst, d));
    /* the XPath's value registers and range registers were temporaries of this statement */
    for (uint32_t i = 0; i < g->f->nxtemps; i++)
        nf_cg_free_temp(g, g->f->xtemps[i]);
    g->f->nxtemps = 0;
    if (w[3] != NF_BC_NONE) nf_cg_free_temp(g, (int)w[3]);
    if (w[4] != NF_BC_NONE) nf_cg_free_temp(g, (int)w[4]);
}

/* Calls a flow or action: [result, arguments…] in one register block. */
static void call(nf_cg *g, nf_cc_stmt *st) {
    uint32_t start = nf_cg_pc(g); /* the handler covers the arguments' evaluation too */
    nf_bc_type *types = NULL;
    nf_cc_sym **names = NULL;
    uint32_t n = 0, idx = 0;
    nf_bc_type ret = nf_cg_kind(NF_BT_VOID);
    nf_bc_opcode oc = NF_OPC_CALL;
    if (st->u.call.kind == NF_CALL_JAVA) {
        nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_UNSUPPORTED, 0, nf_cg_cstring(g, "call java action")));
        on_error(g, &st->on_error, start, -1);
        return;
    }
    if (st->u.call.kind == NF_CALL_MICROFLOW || st->u.call.kind == NF_CALL_NANOFLOW) {
        nf_cc_flow *f = nf_cc_map_get(&g->mdl->flow_by_name, st->u.call.name.full);
        if (!f) return;
        idx = f->index;
        n = f->nparams;
        types = nf_cc_arena_alloc(g->tmp, (n + 1) * sizeof *types);
        names = nf_cc_arena_alloc(g->tmp, (n + 1) * sizeof *names);
        if (!types || !names) {
            g->oom = true;
            return;
        }
        for (uint32_t i = 0; i < n; i++) {
            types[i + 1] = f->params[i] ? nf_cg_type(f->params[i]->type) : nf_cg_kind(NF_BT_STR);
            names[i + 1] = f->params[i] ? f->params[i]->name : NULL;
        }
        ret = nf_cg_type(f->ret);
        if (st->u.call.kind == NF_CALL_MICROFLOW && g->f->nanoflow) oc = NF_OPC_CALLMF;
    } else {
        nf_cc_action *a = nf_cc_map_get(&g->mdl->action_by_name, st->u.call.name.full);
        if (!a) return;
        idx = a->index;
        oc = NF_OPC_CALLACT;
        n = a->nparams;
        types = nf_cc_arena_alloc(g->tmp, (n + 1) * sizeof *types);
        names = nf_cc_arena_alloc(g->tmp, (n + 1) * sizeof *names);
        if (!types || !names) {
            g->oom = true;
            return;
        }
        for (uint32_t i = 0; i < n; i++) {
            types[i + 1] = nf_cg_type(a->param_types[i]);
            names[i + 1] = a->params[i].name;
        }
        ret = nf_cg_type(a->ret);
    }
    types[0] = ret.kind != NF_BT_VOID ? ret : nf_cg_kind(NF_BT_BOOL);
    /* `$X = call …` that declares $X: the call block starts at $X's new register, so the call
     * writes its result straight into the variable (no MOVE); the argument registers after it
     * become a reusable block */
    nf_cc_var *dv = st->u.call.var ? nf_cg_var_named(g, st->u.call.var) : NULL;
    nf_cg_flow *cf = g->f;
    bool fused = dv && cf->var_reg[dv->index] < 0 && ret.kind != NF_BT_VOID &&
                 nf_cg_same_type(nf_cg_type(dv->type), ret) && !cf->too_many_regs &&
                 cf->nblocks < NF_BC_MAX_REGS;
    int blk;
    if (fused) {
        blk = nf_cg_var_reg(g, dv);
        for (uint32_t i = 1; i <= n; i++)
            new_reg(g, types[i], NF_BC_NONE);
        fused = !cf->too_many_regs && blk + 1 + (int)n == (int)cf->nregs;
    } else {
        blk = nf_cg_temp_block(g, types, n + 1);
    }
    for (uint32_t i = 1; i <= n; i++) {
        nf_cc_expr *value = NULL;
        for (uint32_t k = 0; k < st->u.call.nargs; k++)
            if (st->u.call.args[k].name == names[i]) value = st->u.call.args[k].value;
        if (value)
            nf_cg_expr_to(g, value, blk + (int)i);
        else
            nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADNIL, blk + (int)i, 0, 0));
    }
    nf_cg_emit(g, NF_BC_MAKE_ABX(oc, blk, idx));
    int result_reg = -1;
    if (fused) {
        result_reg = blk;
        if (n) { /* the argument registers, free for later calls with the same types */
            cf->blocks[cf->nblocks].first = (uint32_t)blk + 1;
            cf->blocks[cf->nblocks].n = n;
            cf->blocks[cf->nblocks++].free = true;
        }
        on_error(g, &st->on_error, start, result_reg);
        return;
    }
    if (st->u.call.var) {
        nf_cc_var *v = nf_cg_var_named(g, st->u.call.var);
        if (v) {
            result_reg = nf_cg_var_reg(g, v);
            if (ret.kind != NF_BT_VOID) {
                nf_bc_type vt = g->f->regs[result_reg];
                nf_cg_emit(g, NF_BC_MAKE_ABC(vt.kind == NF_BT_DEC && ret.kind == NF_BT_INT
                                                 ? NF_OPC_I2D
                                                 : nf_cg_move_op(g, result_reg),
                                             result_reg, blk, 0));
            }
        }
    }
    nf_cg_free_block(g, blk, types, n + 1);
    on_error(g, &st->on_error, start, result_reg);
}

static void stmt(nf_cg *g, nf_cc_stmt *st);

static void loop_stmt(nf_cg *g, nf_cc_stmt *st) {
    nf_cg_flow *f = g->f;
    nf_cc_var *it = nf_cg_var_named(g, st->u.loop.var);
    nf_bc_type lt = nf_cg_type(st->u.loop.source->type);
    nf_bc_type types[3] = {lt, nf_cg_kind(NF_BT_INT),
                           it ? nf_cg_type(it->type) : nf_cg_kind(NF_BT_OBJ)};
    int blk = nf_cg_temp_block(g, types, 3); /* never freed: the iterator variable lives in it */
    if (it && f->var_reg[it->index] < 0) {
        f->var_reg[it->index] = blk + 2;
        f->reg_names[blk + 2] = nf_cg_string(g, it->name->s, it->name->len);
    }
    nf_cg_expr_to(g, st->u.loop.source, blk);
    nf_cg_emit(g, NF_BC_MAKE_ASBX(NF_OPC_LOADI, blk + 1, -1));
    uint32_t to_next = nf_cg_jump(g);
    uint32_t top = nf_cg_pc(g);
    nf_cg_loop *lp = f->nloops < 64 ? &f->loops[f->nloops++] : NULL;
    if (lp) {
        memset(lp, 0, sizeof *lp);
        lp->index_reg = blk + 1;
    }
    block(g, &st->u.loop.body);
    uint32_t next = nf_cg_pc(g);
    nf_cg_patch(g, to_next, next);
    mark_line(g, st->span);
    nf_cg_emit_forlist(g, blk, top, st->span);
    if (lp) {
        nf_cg_patch_all(g, &lp->continues, next);
        nf_cg_patch_all(g, &lp->breaks, nf_cg_pc(g));
        f->nloops--;
    }
}

static bool uses_current_index(const nf_cc_expr *e);

static void while_stmt(nf_cg *g, nf_cc_stmt *st) {
    nf_cg_flow *f = g->f;
    /* $currentIndex counts iterations from 0. A condition that reads it needs the counter now;
     * the body may ask for it later, so a NOP holds the place of its initialisation. */
    int idx = -1;
    uint32_t init = NF_BC_NONE;
    if (uses_current_index(st->u.while_.cond)) {
        idx = nf_cg_temp(g, nf_cg_kind(NF_BT_INT));
        nf_cg_emit(g, NF_BC_MAKE_ASBX(NF_OPC_LOADI, idx, 0));
    } else {
        init = nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_NOP, 0, 0, 0));
    }
    uint32_t to_cond = nf_cg_jump(g);
    uint32_t top = nf_cg_pc(g);
    nf_cg_loop *lp = f->nloops < 64 ? &f->loops[f->nloops++] : NULL;
    if (lp) {
        memset(lp, 0, sizeof *lp);
        lp->index_reg = idx;
        lp->index_init = init;
    }
    block(g, &st->u.while_.body);
    if (lp) idx = lp->index_reg;
    uint32_t next = nf_cg_pc(g);
    mark_line(g, st->span);
    if (idx >= 0) nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_ADDI_I, idx, idx, 127 + 1));
    nf_cg_patch(g, to_cond, idx >= 0 ? next + 1 : next);
    nf_cg_buf again = {0};
    nf_cg_cond(g, st->u.while_.cond, true, &again);
    nf_cg_patch_all(g, &again, top);
    if (lp) {
        nf_cg_patch_all(g, &lp->continues, next);
        nf_cg_patch_all(g, &lp->breaks, nf_cg_pc(g));
        f->nloops--;
    }
    if (idx >= 0) nf_cg_free_temp(g, idx);
}

int nf_cg_current_index(nf_cg *g) {
    nf_cg_flow *f = g->f;
    if (!f->nloops) return -1;
    nf_cg_loop *lp = &f->loops[f->nloops - 1];
    if (lp->index_reg < 0 && lp->index_init != NF_BC_NONE) {
        /* a fresh register: a reused temporary may be written earlier in the body */
        lp->index_reg = new_reg(g, nf_cg_kind(NF_BT_INT), NF_BC_NONE);
        if (lp->index_reg < NF_BC_MAX_REGS) f->is_temp[lp->index_reg] = true;
        ((nf_bc_insn *)f->code.items)[lp->index_init] =
            NF_BC_MAKE_ASBX(NF_OPC_LOADI, lp->index_reg, 0);
    }
    return lp->index_reg;
}

static bool uses_current_index(const nf_cc_expr *e) {
    if (!e) return false;
    switch ((nf_cc_exkind)e->kind) {
    case NF_EX_VAR: return strcmp(e->u.var->s, "currentIndex") == 0;
    case NF_EX_UNARY: return uses_current_index(e->u.bin.a);
    case NF_EX_BINARY: return uses_current_index(e->u.bin.a) || uses_current_index(e->u.bin.b);
    case NF_EX_IF:
        return uses_current_index(e->u.cond.c) || uses_current_index(e->u.cond.t) ||
               uses_current_index(e->u.cond.e);
    case NF_EX_CALL:
        for (uint32_t i = 0; i < e->u.call.nargs; i++)
            if (uses_current_index(e->u.call.args[i])) return true;
        return false;
    case NF_EX_PATH: return uses_current_index(e->u.path.base);
    default: return false;
    }
}

static void case_stmt(nf_cg *g, nf_cc_stmt *st) {
    bool temp;
    int subj = nf_cg_expr_any(g, st->u.case_.subject, nf_cg_type(st->u.case_.subject->type), &temp);
    nf_cg_buf *to_body = nf_cc_arena_alloc(g->tmp, (st->u.case_.n + 1) * sizeof *to_body);
    if (!to_body) {
        g->oom = true;
        return;
    }
    int k = nf_cg_temp(g, g->f->regs[subj]);
    for (uint32_t i = 0; i < st->u.case_.n; i++) {
        nf_cc_when *w = &st->u.case_.whens[i];
        for (uint32_t j = 0; j < w->nvalues; j++) {
            if (w->is_empty[j]) {
                nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_TESTNIL, subj, 1, 0));
            } else {
                nf_cc_enum *en = st->u.case_.subject->type.u.enumeration;
                int32_t vi =
                    en ? nf_cc_enum_value_index(en, w->values[j].parts[w->values[j].nparts - 1])
                       : 0;
                nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_LOADE, k, (uint32_t)(vi < 0 ? 0 : vi)));
                nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_EQ_E, subj, k, 1));
            }
            nf_cg_add(g, &to_body[i], nf_cg_jump(g));
        }
    }
    nf_cg_free_temp(g, k);
    if (temp) nf_cg_free_temp(g, subj);
    uint32_t to_else = nf_cg_jump(g);
    nf_cg_buf ends = {0};
    for (uint32_t i = 0; i < st->u.case_.n; i++) {
        nf_cg_patch_all(g, &to_body[i], nf_cg_pc(g));
        probe(g, NF_PROBE_WHEN, st->u.case_.whens[i].span);
        block(g, &st->u.case_.whens[i].body);
        nf_cg_add(g, &ends, nf_cg_jump(g));
    }
    nf_cg_patch(g, to_else, nf_cg_pc(g));
    if (st->u.case_.has_else) {
        probe(g, NF_PROBE_ELSE, st->u.case_.else_body.span);
        block(g, &st->u.case_.else_body);
    }
    nf_cg_patch_all(g, &ends, nf_cg_pc(g));
}

static unsigned depth(const nf_cc_entity *e) {
    unsigned d = 0;
    for (; e && e->generalization; e = e->generalization)
        d++;
    return d;
}

static void split_stmt(nf_cg *g, nf_cc_stmt *st) {
    nf_cc_var *v = nf_cg_var_named(g, st->u.split.var);
    if (!v) return;
    int subj = nf_cg_var_reg(g, v);
    uint32_t n = st->u.split.n;
    nf_cg_buf *to_body = nf_cc_arena_alloc(g->tmp, (n + 1) * sizeof *to_body);
    if (!to_body) {
        g->oom = true;
        return;
    }
    /* the most specific entity is tested first: Mendix takes the nearest generalization that has
     * a branch */
    for (unsigned d = 64; d-- > 0;)
        for (uint32_t i = 0; i < n; i++) {
            nf_cc_when *w = &st->u.split.whens[i];
            for (uint32_t j = 0; j < w->nvalues; j++) {
                if (w->is_empty[j]) continue;
                nf_cc_entity *e = nf_cc_map_get(&g->mdl->entity_by_name, w->values[j].full);
                if (!e || depth(e) != d) continue;
                nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_ISA, subj, e->index));
                nf_cg_add(g, &to_body[i], nf_cg_jump(g));
            }
        }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < st->u.split.whens[i].nvalues; j++)
            if (st->u.split.whens[i].is_empty[j]) {
                nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_TESTNIL, subj, 1, 0));
                nf_cg_add(g, &to_body[i], nf_cg_jump(g));
            }
    uint32_t to_else = nf_cg_jump(g);
    nf_cg_buf ends = {0};
    for (uint32_t i = 0; i < n; i++) {
        nf_cg_patch_all(g, &to_body[i], nf_cg_pc(g));
        probe(g, NF_PROBE_WHEN, st->u.split.whens[i].span);
        block(g, &st->u.split.whens[i].body);
        nf_cg_add(g, &ends, nf_cg_jump(g));
    }
    nf_cg_patch(g, to_else, nf_cg_pc(g));
    if (st->u.split.has_else) {
        probe(g, NF_PROBE_ELSE, st->u.split.else_body.span);
        block(g, &st->u.split.else_body);
    }
    nf_cg_patch_all(g, &ends, nf_cg_pc(g));
}

static void if_stmt(nf_cg *g, nf_cc_stmt *st) {
    nf_cg_buf ends = {0};
    for (uint32_t i = 0; i < st->u.if_.n; i++) {
        nf_cg_buf next = {0};
        if (i > 0) mark_line(g, st->u.if_.conds[i]->span); /* elsif: errors name its line */
        nf_cg_cond(g, st->u.if_.conds[i], false, &next);
        probe(g, i ? NF_PROBE_ELSIF : NF_PROBE_THEN, st->u.if_.conds[i]->span);
        block(g, &st->u.if_.bodies[i]);
        if (i + 1 < st->u.if_.n || st->u.if_.has_else || g->coverage)
            nf_cg_add(g, &ends, nf_cg_jump(g));
        nf_cg_patch_all(g, &next, nf_cg_pc(g));
    }
    if (st->u.if_.has_else) probe(g, NF_PROBE_ELSE, st->u.if_.else_body.span);
    if (st->u.if_.has_else) block(g, &st->u.if_.else_body);
    if (!st->u.if_.has_else) probe(g, NF_PROBE_IMPLICIT_ELSE, st->span);
    nf_cg_patch_all(g, &ends, nf_cg_pc(g));
}

static void object_stmt(nf_cg *g, nf_cc_stmt *st) {
    uint32_t start = nf_cg_pc(g);
    int obj;
    bool temp = false;
    if (st->kind == NF_ST_CREATE) {
        nf_cc_entity *e = nf_cc_map_get(&g->mdl->entity_by_name, st->u.object.type.name.full);
        if (!e) return;
        obj = def_reg(g, st->u.object.var, nf_cg_type(nf_cc_t_object(e)), &temp);
        nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_NEW, obj, e->index));
    } else {
        nf_cc_var *v = nf_cg_var_named(g, st->u.object.var);
        if (!v) return;
        obj = nf_cg_var_reg(g, v);
    }
    assignments(g, obj, st->u.object.assigns, st->u.object.nassigns);
    if (st->u.object.commit)
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_COMMIT, obj, st->u.object.without_events ? 1 : 0, 0));
    on_error(g, &st->on_error, start, st->kind == NF_ST_CREATE && !temp ? obj : -1);
    if (temp) nf_cg_free_temp(g, obj);
}

static void set_stmt(nf_cg *g, nf_cc_stmt *st) {
    nf_cc_expr *t = st->u.set.target;
    uint32_t start = nf_cg_pc(g);
    if (t->kind == NF_EX_VAR) {
        nf_cc_var *v = t->ref.var ? t->ref.var : nf_cg_var_named(g, t->u.var);
        if (!v) return;
        int r = nf_cg_var_reg(g, v);
        if (g->f->regs[r].kind == NF_BT_LIST) { /* replace: the variable gets a copy */
            bool temp;
            int src = nf_cg_expr_any(g, st->u.set.value, g->f->regs[r], &temp);
            nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LCOPY, r, src, 0));
            if (temp) nf_cg_free_temp(g, src);
        } else {
            nf_cg_expr_to(g, st->u.set.value, r);
        }
    } else if (t->kind == NF_EX_PATH && t->u.path.nsteps) {
        /* the object the last step belongs to */
        nf_cc_expr base;
        nf_cc_expr_copy(&base, t);
        base.u.path.nsteps--;
        nf_cc_expr *obj_e = base.u.path.nsteps ? &base : t->u.path.base;
        nf_cc_step *last = &t->u.path.steps[t->u.path.nsteps - 1];
        nf_cc_entity *owner = last->attr      ? last->attr->owner
                              : last->reverse ? last->assoc->to
                                              : last->assoc->from;
        if (base.u.path.nsteps) base.type = nf_cc_t_object(owner);
        bool temp;
        int obj = nf_cg_expr_any(g, obj_e, nf_cg_type(obj_e->type), &temp);
        set_member(g, obj, last, st->u.set.value);
        if (temp) nf_cg_free_temp(g, obj);
    }
    on_error(g, &st->on_error, start, -1);
}

static void message_stmt(nf_cg *g, nf_cc_stmt *st) {
    uint32_t start = nf_cg_pc(g); /* the handler covers the message's evaluation too */
    int txt = nf_cg_temp(g, nf_cg_kind(NF_BT_STR));
    template_text(g, st->u.message.text, st->u.message.params, st->u.message.nparams, txt);
    uint32_t type = 0;
    if (st->u.message.type_name) {
        char c = (char)(st->u.message.type_name->s[0] | 32);
        type = c == 'w' ? 1 : c == 'e' ? 2 : 0;
    }
    nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_SHOWMSG, txt, type, st->u.message.blocking ? 1 : 0));
    nf_cg_free_temp(g, txt);
    on_error(g, &st->on_error, start, -1);
}

static void stmt(nf_cg *g, nf_cc_stmt *st) {
    nf_cg_flow *f = g->f;
    mark_line(g, st->span);
    uint32_t start = nf_cg_pc(g);
    bool temp;
    switch ((nf_cc_stkind)st->kind) {
    case NF_ST_DECLARE: {
        nf_cc_var *v = nf_cg_var_named(g, st->u.declare.var);
        if (!v) return;
        int r = nf_cg_var_reg(g, v);
        if (st->u.declare.init)
            nf_cg_expr_to(g, st->u.declare.init, r);
        else
            nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADNIL, r, 0, 0));
        on_error(g, &st->on_error, start, r);
        return;
    }
    case NF_ST_SET: set_stmt(g, st); return;
    case NF_ST_CREATE:
    case NF_ST_CHANGE: object_stmt(g, st); return;
    case NF_ST_COMMIT:
    case NF_ST_DELETE:
    case NF_ST_ROLLBACK: {
        nf_cc_var *v =
            nf_cg_var_named(g, st->kind == NF_ST_COMMIT ? st->u.commit.var : st->u.target.var);
        if (!v) return;
        int r = nf_cg_var_reg(g, v);
        nf_bc_opcode oc = st->kind == NF_ST_COMMIT   ? NF_OPC_COMMIT
                          : st->kind == NF_ST_DELETE ? NF_OPC_DELETE
                                                     : NF_OPC_ROLLBACK;
        nf_cg_emit(
            g, NF_BC_MAKE_ABC(oc, r,
                              st->kind == NF_ST_COMMIT && st->u.commit.without_events ? 1 : 0, 0));
        on_error(g, &st->on_error, start, -1);
        return;
    }
    case NF_ST_CAST: {
        nf_cc_var *dst = nf_cg_var_named(g, st->u.cast.var),
                  *src = nf_cg_var_named(g, st->u.cast.src);
        if (dst && src)
            nf_cg_emit(
                g, NF_BC_MAKE_ABC(NF_OPC_CAST, nf_cg_var_reg(g, dst), nf_cg_var_reg(g, src), 0));
        on_error(g, &st->on_error, start, -1);
        return;
    }
    case NF_ST_RETRIEVE:
        retrieve(g, st);
        {
            nf_cc_var *v = nf_cg_var_named(g, st->u.retrieve.var);
            on_error(g, &st->on_error, start, v ? nf_cg_var_reg(g, v) : -1);
        }
        return;
    case NF_ST_CREATE_LIST: {
        nf_cc_var *v = nf_cg_var_named(g, st->u.create_list.var);
        if (v) nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_NEWLIST, nf_cg_var_reg(g, v), 0, 0));
        return;
    }
    case NF_ST_ADD:
    case NF_ST_REMOVE: {
        nf_bc_opcode oc = st->kind == NF_ST_ADD ? NF_OPC_LADD : NF_OPC_LREMOVE;
        nf_cc_expr *target = st->u.change_list.list;
        bool ti;
        int item = nf_cg_expr_any(g, st->u.change_list.item,
                                  nf_cg_type(st->u.change_list.item->type), &ti);
        if (target->kind ==
            NF_EX_PATH) { /* $Obj/Module.Assoc of a reference set: read, change, write back */
            nf_cc_step *last = &target->u.path.steps[target->u.path.nsteps - 1];
            int lst = nf_cg_temp(g, nf_cg_type(target->type));
            nf_cg_expr_to(g, target, lst);
            nf_cg_emit(g, NF_BC_MAKE_ABC(oc, lst, item, 0));
            bool to;
            int obj =
                nf_cg_expr_any(g, target->u.path.base, nf_cg_type(target->u.path.base->type), &to);
            if (last->assoc)
                nf_cg_emit(g,
                           NF_BC_MAKE_ABC(
                               NF_OPC_SETR, obj,
                               nf_cg_member(g, NF_BC_ASSOC_MEMBER | last->assoc->index, st->span),
                               lst));
            if (to) nf_cg_free_temp(g, obj);
            nf_cg_free_temp(g, lst);
        } else {
            bool tl;
            int lst = nf_cg_expr_any(g, target, nf_cg_type(target->type), &tl);
            nf_cg_emit(g, NF_BC_MAKE_ABC(oc, lst, item, 0));
            if (tl) nf_cg_free_temp(g, lst);
        }
        if (ti) nf_cg_free_temp(g, item);
        return;
    }
    case NF_ST_CLEAR: {
        nf_cc_var *v = nf_cg_var_named(g, st->u.target.var);
        if (v) nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LCLEAR, nf_cg_var_reg(g, v), 0, 0));
        return;
    }
    case NF_ST_LISTOP: nf_cg_listop(g, st); return;
    case NF_ST_AGGREGATE: nf_cg_aggregate(g, st); return;
    case NF_ST_IF: if_stmt(g, st); return;
    case NF_ST_CASE: case_stmt(g, st); return;
    case NF_ST_SPLIT: split_stmt(g, st); return;
    case NF_ST_LOOP: loop_stmt(g, st); return;
    case NF_ST_WHILE: while_stmt(g, st); return;
    case NF_ST_BREAK:
    case NF_ST_CONTINUE:
        if (f->nloops) {
            nf_cg_loop *lp = &f->loops[f->nloops - 1];
            nf_cg_add(g, st->kind == NF_ST_BREAK ? &lp->breaks : &lp->continues, nf_cg_jump(g));
        }
        return;
    case NF_ST_RETURN: {
        nf_bc_type rt = nf_cg_type(f->flow->ret);
        if (!st->u.ret.value || rt.kind == NF_BT_VOID) {
            nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_RET0, 0, 0, 0));
            return;
        }
        int r = nf_cg_expr_any(g, st->u.ret.value, rt, &temp);
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_RET, r, 0, 0));
        if (temp) nf_cg_free_temp(g, r);
        return;
    }
    case NF_ST_RAISE: nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_RAISE, 0, 0, 0)); return;
    case NF_ST_THROW:
        nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_UNSUPPORTED, 0, nf_cg_cstring(g, "throw")));
        return;
    case NF_ST_CALL: call(g, st); return;
    case NF_ST_SHOW_PAGE: {
        if (st->u.show_page.nargs > 32)
            nf_cg_error(g, st->span, "show page passes at most 32 arguments");
        uint32_t n = st->u.show_page.nargs < 32 ? st->u.show_page.nargs : 32;
        uint32_t w[3 + 32 + 2];
        nf_bc_type types[32];
        w[0] = nf_cg_string(g, st->u.show_page.page.full->s, st->u.show_page.page.full->len);
        w[1] = NF_BC_NONE;
        w[2] = n;
        for (uint32_t i = 0; i < n; i++) {
            nf_cc_arg *a = &st->u.show_page.args[i];
            w[3 + i] = a->name ? nf_cg_string(g, a->name->s, a->name->len) : NF_BC_NONE;
            types[i] = nf_cg_type(a->value->type);
            if (types[i].kind == NF_BT_VOID) types[i] = nf_cg_kind(NF_BT_STR);
        }
        int blk = n ? nf_cg_temp_block(g, types, n) : 0;
        for (uint32_t i = 0; i < n; i++)
            nf_cg_expr_to(g, st->u.show_page.args[i].value, blk + (int)i);
        int title = -1;
        if (st->u.show_page.title) {
            title = nf_cg_temp(g, nf_cg_kind(NF_BT_STR));
            nf_cg_expr_to(g, st->u.show_page.title, title);
            w[1] = (uint32_t)title;
        }
        int count = -1; /* extension: the pages to close first (kind, register) */
        uint32_t nw = 3 + n;
        if (st->u.show_page.close_kind) {
            w[nw++] = st->u.show_page.close_kind;
            w[nw] = NF_BC_NONE;
            if (st->u.show_page.close_count) {
                count = nf_cg_temp(g, nf_cg_kind(NF_BT_INT));
                nf_cg_expr_to(g, st->u.show_page.close_count, count);
                w[nw] = (uint32_t)count;
            }
            nw++;
        }
        uint32_t d = nf_cg_desc(g, NF_DESC_PAGE, w, nw);
        nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_SHOWPAGE, n ? blk : 0, d));
        if (n) nf_cg_free_block(g, blk, types, n);
        if (title >= 0) nf_cg_free_temp(g, title);
        if (count >= 0) nf_cg_free_temp(g, count);
        on_error(g, &st->on_error, start, -1);
        return;
    }
    case NF_ST_CLOSE_PAGE: {
        int count = 0;
        if (st->u.close_page.count) {
            count = nf_cg_temp(g, nf_cg_kind(NF_BT_INT));
            nf_cg_expr_to(g, st->u.close_page.count, count);
        }
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_CLOSEPAGE, st->u.close_page.kind, count, 0));
        if (st->u.close_page.count) nf_cg_free_temp(g, count);
        on_error(g, &st->on_error, start, -1);
        return;
    }
    case NF_ST_PROGRESS: {
        int txt = 255;
        if (st->u.progress.text) {
            txt = nf_cg_temp(g, nf_cg_kind(NF_BT_STR));
            nf_cg_expr_to(g, st->u.progress.text, txt);
        }
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_PROGRESS, txt, st->u.progress.show ? 1 : 0,
                                     st->u.progress.blocking ? 1 : 0));
        if (txt != 255) nf_cg_free_temp(g, txt);
        on_error(g, &st->on_error, start, -1);
        return;
    }
    case NF_ST_SHOW_MESSAGE: message_stmt(g, st); return;
    case NF_ST_FEEDBACK: {
        nf_cc_expr *t = st->u.feedback.target;
        uint32_t member = 255;
        nf_cc_expr *obj_e = t;
        if (t->kind == NF_EX_PATH && t->u.path.nsteps == 1) {
            obj_e = t->u.path.base;
            nf_cc_step *s0 = &t->u.path.steps[0];
            if (s0->attr) member = nf_cg_member(g, nf_cg_attr_index(s0->attr), s0->name.span);
            if (s0->attr && member == 255) /* FEEDBACK's 255 means the object itself */
                nf_cg_error(g, s0->name.span,
                            "flow %s uses too many different attributes and associations for "
                            "validation feedback on this one: split it",
                            g->f->flow->name->s);
        }
        bool to;
        int obj = nf_cg_expr_any(g, obj_e, nf_cg_type(obj_e->type), &to);
        int txt = nf_cg_temp(g, nf_cg_kind(NF_BT_STR));
        template_text(g, st->u.feedback.text, st->u.feedback.params, st->u.feedback.nparams, txt);
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_FEEDBACK, obj, member, txt));
        nf_cg_free_temp(g, txt);
        if (to) nf_cg_free_temp(g, obj);
        on_error(g, &st->on_error, start, -1);
        return;
    }
    case NF_ST_LOG: {
        int node = nf_cg_temp(g, nf_cg_kind(NF_BT_STR)), txt = nf_cg_temp(g, nf_cg_kind(NF_BT_STR));
        if (st->u.log.node && !f->nanoflow) /* Mendix log nodes are microflow-only (NF0022) */
            nf_cg_expr_to(g, st->u.log.node, node);
        else
            nf_cg_emit(g,
                       NF_BC_MAKE_ABX(NF_OPC_LOADK, node, nf_cg_const_str(g, "Application", 11)));
        template_text(g, st->u.log.text, st->u.log.params, st->u.log.nparams, txt);
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LOG, st->u.log.level, node, txt));
        nf_cg_free_temp(g, txt);
        nf_cg_free_temp(g, node);
        on_error(g, &st->on_error, start, -1);
        return;
    }
    case NF_ST_SYNC: {
        if (st->u.sync.nobjects > 32)
            nf_cg_error(g, st->span, "synchronize takes at most 32 variables");
        uint32_t n = st->u.sync.nobjects < 32 ? st->u.sync.nobjects : 32;
        nf_bc_type types[32];
        for (uint32_t i = 0; i < n; i++)
            types[i] = nf_cg_type(st->u.sync.objects[i]->type);
        int blk = n ? nf_cg_temp_block(g, types, n) : 0;
        for (uint32_t i = 0; i < n; i++)
            nf_cg_expr_to(g, st->u.sync.objects[i], blk + (int)i);
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_SYNC, blk, st->u.sync.mode, n));
        if (n) nf_cg_free_block(g, blk, types, n);
        on_error(g, &st->on_error, start, -1);
        return;
    }
    case NF_ST_TRY: {
        uint32_t begin = nf_cg_pc(g);
        block(g, &st->u.try_.body);
        nf_cc_handler h = {NF_H_CUSTOM_NO_ROLLBACK, st->u.try_.handler, st->span};
        on_error(g, &h, begin, -1);
        return;
    }
    case NF_ST_MERGE: {
        struct {
            const nf_cc_sym *s;
            uint32_t pc;
        } *l = nf_cg_push(g, &f->labels, sizeof *l);
        if (l) {
            l->s = st->u.label.label;
            l->pc = nf_cg_pc(g);
        }
        return;
    }
    case NF_ST_JOIN: {
        struct {
            const nf_cc_sym *s;
            uint32_t pc;
        } *j = nf_cg_push(g, &f->joins, sizeof *j);
        if (j) {
            j->s = st->u.label.label;
            j->pc = nf_cg_jump(g);
        }
        return;
    }
    case NF_ST_CLEAR_DEVICE: {
        nf_cc_entity *e = nf_cc_map_get(&g->mdl->entity_by_name, st->u.clear_device.entity.full);
        if (e) nf_cg_emit(g, NF_BC_MAKE_ABX(NF_OPC_CLEARDEV, 0, e->index));
        on_error(g, &st->on_error, start, -1);
        return;
    }
    case NF_ST_CANCEL_SYNC: nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_CANCELSYNC, 0, 0, 0)); return;
    case NF_ST_FORBIDDEN:
        nf_cg_emit(g,
                   NF_BC_MAKE_ABX(NF_OPC_UNSUPPORTED, 0, nf_cg_cstring(g, st->u.forbidden.what)));
        on_error(g, &st->on_error, start, -1);
        return;
    case NF_ST_BROKEN:
    case NF_ST_TEST: /* lowered by semantic analysis; left only after an error */
    case NF_ST_COUNT_: return;
    }
}

static void block(nf_cg *g, nf_cc_block *b) {
    for (uint32_t i = 0; i < b->n && !g->oom; i++)
        if (b->stmts[i]) stmt(g, b->stmts[i]);
}

void nf_cg_flow_code(nf_cg *g, nf_cc_flow *flow, nf_bc_flow *out) {
    /* one flow state (about 12 KB) serves every flow of the module: nothing points into it
     * once a flow is done */
    if (!g->flow_state) g->flow_state = nf_cc_arena_alloc(g->arena, sizeof *g->flow_state);
    nf_cg_flow *f = g->flow_state;
    if (!f) {
        g->oom = true;
        return;
    }
    memset(f, 0, sizeof *f);
    g->f = f;
    f->flow = flow;
    f->nanoflow = flow->kind == NF_FLOW_NANOFLOW;
    f->current_object_reg = f->current_result_reg = -1;
    f->var_reg = nf_cc_arena_alloc(g->tmp, (flow->nvars + 1) * sizeof *f->var_reg);
    if (!f->var_reg) {
        g->oom = true;
        return;
    }
    for (uint32_t i = 0; i < flow->nvars; i++)
        f->var_reg[i] = -1;
    f->code = (nf_cg_buf){g->code_scratch.items, 0, g->code_scratch.cap};
    f->lines = (nf_cg_buf){g->line_scratch.items, 0, g->line_scratch.cap};
    for (uint32_t i = 0; i < flow->nparams; i++) /* parameters are registers 0 … n-1 */
        if (flow->params[i]) nf_cg_var_reg(g, flow->params[i]);
    probe(g, NF_PROBE_ENTRY, flow->decl->name.span);
    block(g, &flow->decl->u.flow.body);
    /* the end of the flow: Nothing flows return; the checker proved the others return first */
    nf_bc_type rt = nf_cg_type(flow->ret);
    if (rt.kind == NF_BT_VOID) {
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_RET0, 0, 0, 0));
    } else {
        int r = nf_cg_temp(g, rt);
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_LOADNIL, r, 0, 0));
        nf_cg_emit(g, NF_BC_MAKE_ABC(NF_OPC_RET, r, 0, 0));
    }
    /* joins jump to their merge labels */
    typedef struct {
        const nf_cc_sym *s;
        uint32_t pc;
    } label;
    for (uint32_t i = 0; i < f->joins.n; i++) {
        label *j = &((label *)f->joins.items)[i];
        for (uint32_t k = 0; k < f->labels.n; k++) {
            label *l = &((label *)f->labels.items)[k];
            if (l->s == j->s) nf_cg_patch(g, j->pc, l->pc);
        }
    }
    nf_cg_finish_code(g);
    /* the finished code and lines go to the arena; the scratch storage serves the next flow */
    void *code = scratch_copy(g, &f->code, sizeof(nf_bc_insn));
    void *lines = scratch_copy(g, &f->lines, sizeof(nf_bc_line));
    g->code_scratch = (nf_cg_buf){f->code.items, 0, f->code.cap};
    g->line_scratch = (nf_cg_buf){f->lines.items, 0, f->lines.cap};
    out->name = nf_cg_string(g, flow->name->s, flow->name->len);
    out->kind = flow->kind == NF_FLOW_NANOFLOW    ? NF_BF_NANOFLOW
                : flow->kind == NF_FLOW_MICROFLOW ? NF_BF_MICROFLOW
                                                  : NF_BF_RULE;
    out->offline_called = flow->called_from_nanoflow;
    out->nparams = (uint16_t)flow->nparams;
    out->ret = rt;
    out->nregs = (uint16_t)f->nregs;
    out->regs = nf_cc_arena_alloc(g->arena, (f->nregs + 1) * sizeof *out->regs);
    out->reg_names = nf_cc_arena_alloc(g->arena, (f->nregs + 1) * sizeof *out->reg_names);
    if (!out->regs || !out->reg_names) {
        g->oom = true;
        return;
    }
    memcpy(out->regs, f->regs, f->nregs * sizeof *out->regs);
    memcpy(out->reg_names, f->reg_names, f->nregs * sizeof *out->reg_names);
    out->ncode = code ? f->code.n : 0;
    out->code = code;
    out->nhandlers = f->handlers.n;
    out->handlers = f->handlers.items;
    out->nlines = lines ? f->lines.n : 0;
    out->lines = lines;
    out->ndescs = f->descs.n;
    out->descs = f->descs.items;
    out->nmembers = f->nmembers;
    out->members =
        f->nmembers ? nf_cc_arena_alloc(g->arena, f->nmembers * sizeof *out->members) : NULL;
    if (f->nmembers && !out->members)
        g->oom = true;
    else if (f->nmembers)
        memcpy(out->members, f->members, f->nmembers * sizeof *out->members);
    nf_cc_span at = flow->decl->name.span;
    out->file = at.file < g->srcs->n ? nf_cg_cstring(g, g->srcs->files[at.file].path) : NF_BC_NONE;
    g->f = NULL;
}
