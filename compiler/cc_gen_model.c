/* cc_gen_model.c — module-level tables: strings and constants (deduplicated, in first-use
 * order), the domain model, security, XPath programs, actions and the model hash. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_gen.h"
#include "cc_sema.h"

void nf_cg_error(nf_cg *g, nf_cc_span at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    nf_cc_vreport(g->d, NF_D_CODEGEN, NF_SEV_ERROR, at, fmt, ap);
    va_end(ap);
    g->failed = true;
}

void *nf_cg_push(nf_cg *g, nf_cg_buf *b, size_t size) {
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 16;
        bool module = b == &g->strings || b == &g->consts || b == &g->xnodes || b == &g->xwords;
        void *items = nf_cc_arena_alloc(module ? g->arena : g->tmp, (size_t)cap * size);
        if (!items) {
            g->oom = true;
            return NULL;
        }
        if (b->n) memcpy(items, b->items, (size_t)b->n * size);
        b->items = items;
        b->cap = cap;
    }
    void *slot = (char *)b->items + (size_t)b->n * size;
    memset(slot, 0, size);
    b->n++;
    return slot;
}

uint32_t nf_cg_string(nf_cg *g, const char *s, uint32_t len) {
    nf_cc_sym *key = nf_cc_intern(g->in, s, len);
    if (!key) {
        g->oom = true;
        return 0;
    }
    uintptr_t idx = (uintptr_t)nf_cc_map_get(&g->str_index, key);
    if (idx) return (uint32_t)(idx - 1);
    const nf_cc_sym **slot = nf_cg_push(g, &g->strings, sizeof *slot);
    if (!slot) return 0;
    *slot = key;
    if (!nf_cc_map_put(&g->str_index, key, (void *)(uintptr_t)g->strings.n)) g->oom = true;
    return g->strings.n - 1;
}

uint32_t nf_cg_cstring(nf_cg *g, const char *s) {
    return nf_cg_string(g, s, (uint32_t)strlen(s));
}

static uint32_t add_const(nf_cg *g, uint8_t kind, int64_t i, uint32_t str, const char *key,
                          size_t klen) {
    nf_cc_sym *k = nf_cc_intern(g->in, key, (uint32_t)klen);
    if (!k) {
        g->oom = true;
        return 0;
    }
    uintptr_t idx = (uintptr_t)nf_cc_map_get(&g->const_index, k);
    if (idx) return (uint32_t)(idx - 1);
    nf_bc_const *c = nf_cg_push(g, &g->consts, sizeof *c);
    if (!c) return 0;
    c->kind = kind;
    c->i = i;
    c->str = str;
    if (!nf_cc_map_put(&g->const_index, k, (void *)(uintptr_t)g->consts.n)) g->oom = true;
    return g->consts.n - 1;
}

/* Writes tag, ':' and the decimal digits of v (as "%lld" would) to key; returns the length.
 * The constant keys are built for every literal, so this avoids snprintf. */
static size_t const_key(char key[24], char tag, int64_t v) {
    char digits[24];
    size_t nd = 0, n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    key[n++] = tag;
    key[n++] = ':';
    if (v < 0) key[n++] = '-';
    while (nd)
        key[n++] = digits[--nd];
    return n;
}

uint32_t nf_cg_const_int(nf_cg *g, int64_t v) {
    char key[24];
    size_t n = const_key(key, 'I', v);
    return add_const(g, NF_BT_INT, v, NF_BC_NONE, key, n);
}

uint32_t nf_cg_const_bool(nf_cg *g, bool b) {
    return add_const(g, NF_BT_BOOL, b ? 1 : 0, NF_BC_NONE, b ? "B:1" : "B:0", 3);
}

/* Decimal literals are stored in plain notation: 1.5e3 → 1500, 2E-2 → 0.02. */
uint32_t nf_cg_const_dec(nf_cg *g, const char *text, uint32_t len) {
    char mant[256], out[600];
    uint32_t nm = 0, i = 0;
    int exp = 0, frac = 0;
    bool dot = false;
    for (; i < len && text[i] != 'e' && text[i] != 'E'; i++) {
        if (text[i] == '.') {
            dot = true;
            continue;
        }
        if (nm < sizeof mant - 1) mant[nm++] = text[i];
        if (dot) frac++;
    }
    if (i < len) exp = atoi(text + i + 1);
    if (exp > 200) exp = 200;
    if (exp < -200) exp = -200;
    mant[nm] = '\0';
    int point = (int)nm - frac + exp; /* digits before the decimal point */
    size_t o = 0;
    if (point <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int k = 0; k < -point; k++)
            out[o++] = '0';
        for (uint32_t k = 0; k < nm; k++)
            out[o++] = mant[k];
    } else {
        for (int k = 0; k < point; k++)
            out[o++] = k < (int)nm ? mant[k] : '0';
        if ((uint32_t)point < nm) {
            out[o++] = '.';
            for (uint32_t k = (uint32_t)point; k < nm; k++)
                out[o++] = mant[k];
        }
    }
    /* trim leading zeros of the integral part and trailing fraction zeros */
    out[o] = '\0';
    char *p = out;
    while (p[0] == '0' && p[1] && p[1] != '.')
        p++;
    char *dotp = strchr(p, '.');
    if (dotp) {
        char *e = p + strlen(p);
        while (e > dotp + 1 && e[-1] == '0')
            *--e = '\0';
        if (e == dotp + 1) *dotp = '\0';
    }
    size_t plen = strlen(p);
    uint32_t s = nf_cg_string(g, p, (uint32_t)plen);
    char key[620];
    key[0] = 'D';
    key[1] = ':';
    memcpy(key + 2, p, plen + 1);
    return add_const(g, NF_BT_DEC, 0, s, key, plen + 2);
}

uint32_t nf_cg_const_str(nf_cg *g, const char *s, uint32_t len) {
    uint32_t si = nf_cg_string(g, s, len);
    char key[24];
    size_t n = const_key(key, 'S', si);
    return add_const(g, NF_BT_STR, 0, si, key, n);
}

nf_bc_type nf_cg_type(nf_cc_type t) {
    nf_bc_type b = {NF_BT_VOID, 0, NF_BC_NONE16};
    switch ((nf_cc_tkindv)t.kind) {
    case NF_T_BOOLEAN: b.kind = NF_BT_BOOL; break;
    case NF_T_INTEGER: b.kind = NF_BT_INT; break;
    case NF_T_LONG:
        b.kind = NF_BT_INT;
        b.flags = NF_BC_TF_LONG;
        break;
    case NF_T_DECIMAL: b.kind = NF_BT_DEC; break;
    case NF_T_STRING: b.kind = NF_BT_STR; break;
    case NF_T_DATETIME: b.kind = NF_BT_DT; break;
    case NF_T_BINARY: b.kind = NF_BT_BINARY; break;
    case NF_T_ENUM:
        b.kind = NF_BT_ENUM;
        b.ref = t.u.enumeration ? (uint16_t)t.u.enumeration->index : 0;
        break;
    case NF_T_OBJECT:
    case NF_T_LIST:
        b.kind = t.kind == NF_T_OBJECT ? NF_BT_OBJ : NF_BT_LIST;
        b.ref = t.u.entity ? (uint16_t)t.u.entity->index : NF_BC_NONE16;
        break;
    default: break;
    }
    return b;
}

uint32_t nf_cg_attr_index(const nf_cc_attr *a) {
    uint32_t before = 0;
    for (const nf_cc_entity *g = a->owner->generalization; g; g = g->generalization)
        before += g->nattrs;
    return before + a->index;
}

/* ---- XPath ----------------------------------------------------------------------------------- */

static uint32_t xnode(nf_cg *g, uint8_t kind, uint8_t op, uint32_t a, uint32_t b) {
    nf_bc_xnode *n = nf_cg_push(g, &g->xnodes, sizeof *n);
    if (!n) return 0;
    n->kind = kind;
    n->op = op;
    n->a = a;
    n->b = b;
    return g->xnodes.n - 1;
}

static uint32_t xword(nf_cg *g, uint32_t w) {
    uint32_t *slot = nf_cg_push(g, &g->xwords, sizeof *slot);
    if (slot) *slot = w;
    return g->xwords.n - 1;
}

static uint32_t xp(nf_cg *g, nf_cc_expr *e, nf_cc_entity *ctx,
                   int (*value_reg)(nf_cg *, nf_cc_expr *)) {
    switch ((nf_cc_exkind)e->kind) {
    case NF_EX_XPATH_PRED: return xp(g, e->u.pred.inner, ctx, value_reg);
    case NF_EX_BINARY: {
        uint32_t a = xp(g, e->u.bin.a, ctx, value_reg), b = xp(g, e->u.bin.b, ctx, value_reg);
        switch ((nf_cc_op)e->op) {
        case NF_OP_AND: return xnode(g, NF_BX_AND, 0, a, b);
        case NF_OP_OR: return xnode(g, NF_BX_OR, 0, a, b);
        case NF_OP_EQ: return xnode(g, NF_BX_CMP, 0, a, b);
        case NF_OP_NE: return xnode(g, NF_BX_CMP, 1, a, b);
        case NF_OP_LT: return xnode(g, NF_BX_CMP, 2, a, b);
        case NF_OP_LE: return xnode(g, NF_BX_CMP, 3, a, b);
        case NF_OP_GT: return xnode(g, NF_BX_CMP, 4, a, b);
        case NF_OP_GE: return xnode(g, NF_BX_CMP, 5, a, b);
        case NF_OP_ADD: return xnode(g, NF_BX_ARITH, 0, a, b);
        case NF_OP_SUB: return xnode(g, NF_BX_ARITH, 1, a, b);
        case NF_OP_MUL: return xnode(g, NF_BX_ARITH, 2, a, b);
        default: return xnode(g, NF_BX_ARITH, 3, a, b);
        }
    }
    case NF_EX_UNARY: {
        uint32_t a = xp(g, e->u.bin.a, ctx, value_reg);
        return xnode(g, e->op == NF_OP_NOT ? NF_BX_NOT : NF_BX_NEG, 0, a, 0);
    }
    case NF_EX_XPATH_PATH: {
        /* filters first: children precede their parents */
        uint32_t filters[64];
        if (e->u.xpath.nsteps > 64) nf_cg_error(g, e->span, "an XPath path has at most 64 steps");
        uint32_t n = e->u.xpath.nsteps < 64 ? e->u.xpath.nsteps : 64;
        for (uint32_t i = 0; i < n; i++) {
            nf_cc_step *st = &e->u.xpath.steps[i];
            filters[i] =
                st->filter && st->entity ? xp(g, st->filter, st->entity, value_reg) : NF_BC_NONE;
        }
        uint32_t start = g->xwords.n, nsteps = 0;
        for (uint32_t i = 0; i < n; i++) {
            nf_cc_step *st = &e->u.xpath.steps[i];
            if (st->attr) {
                xword(g, nf_cg_attr_index(st->attr));
                xword(g, NF_BC_NONE);
                xword(g, NF_BC_NONE);
                nsteps++;
            } else if (st->assoc) {
                /* an entity step right after narrows the association's far end */
                uint32_t target = st->entity->index, filter = NF_BC_NONE;
                if (i + 1 < n && !e->u.xpath.steps[i + 1].attr && !e->u.xpath.steps[i + 1].assoc &&
                    e->u.xpath.steps[i + 1].entity) {
                    target = e->u.xpath.steps[i + 1].entity->index;
                    filter = filters[i + 1];
                    i++;
                }
                xword(g, NF_BC_ASSOC_MEMBER | st->assoc->index);
                xword(g, target);
                xword(g, filter);
                nsteps++;
            } /* else: `id`, the object itself */
        }
        return xnode(g, NF_BX_PATH, 0, start, nsteps);
    }
    case NF_EX_INT: {
        int64_t v = strtoll(e->u.lit.text, NULL, 10);
        return xnode(g, NF_BX_CONST, 0, nf_cg_const_int(g, v), 0);
    }
    case NF_EX_DECIMAL:
        return xnode(g, NF_BX_CONST, 0, nf_cg_const_dec(g, e->u.lit.text, e->u.lit.len), 0);
    case NF_EX_STRING:
        return xnode(g, NF_BX_CONST, 0, nf_cg_const_str(g, e->u.str.s, e->u.str.len), 0);
    case NF_EX_BOOL: return xnode(g, NF_BX_CONST, 0, nf_cg_const_bool(g, e->u.b), 0);
    case NF_EX_EMPTY: return xnode(g, NF_BX_EMPTY, 0, 0, 0);
    case NF_EX_MXTOKEN:
        return xnode(g, NF_BX_TOKEN, 0, nf_cg_string(g, e->u.var->s, e->u.var->len), 0);
    case NF_EX_CALL: {
        uint32_t args[16], n = e->u.call.nargs < 16 ? e->u.call.nargs : 16;
        if (e->u.call.nargs > 16)
            nf_cg_error(g, e->span, "an XPath function takes at most 16 arguments");
        for (uint32_t i = 0; i < n; i++)
            args[i] = xp(g, e->u.call.args[i], ctx, value_reg);
        uint32_t start = g->xwords.n;
        for (uint32_t i = 0; i < n; i++)
            xword(g, args[i]);
        return xnode(g, NF_BX_FUNC, (uint8_t)n,
                     nf_cg_string(g, e->u.call.name.full->s, e->u.call.name.full->len), start);
    }
    case NF_EX_VAR:
    case NF_EX_PATH:
    case NF_EX_QNAME:
    case NF_EX_CONSTANT:
        if (value_reg) return xnode(g, NF_BX_REG, 0, (uint32_t)value_reg(g, e), 0);
        /* fallthrough */
    default:
        nf_cg_error(g, e->span, "this XPath value cannot be compiled here");
        return xnode(g, NF_BX_EMPTY, 0, 0, 0);
    }
}

uint32_t nf_cg_xpath(nf_cg *g, nf_cc_expr *x, nf_cc_entity *ctx,
                     int (*value_reg)(nf_cg *, nf_cc_expr *)) {
    if (!x) return NF_BC_NONE;
    return xp(g, x, ctx, value_reg);
}

/* ---- the domain model ------------------------------------------------------------------------ */

static uint32_t S(nf_cg *g, const nf_cc_sym *s) {
    return nf_cg_string(g, s->s, s->len);
}

/* A literal default value as a constant of the attribute's type, or NF_BC_NONE. */
static uint32_t default_const(nf_cg *g, const nf_cc_attr *a) {
    nf_cc_expr *e = a->decl ? a->decl->default_value : NULL;
    if (!e) return NF_BC_NONE;
    bool neg = e->kind == NF_EX_UNARY && e->op == NF_OP_NEG;
    nf_cc_expr *lit = neg ? e->u.bin.a : e;
    switch ((nf_cc_tkindv)a->type.kind) {
    case NF_T_BOOLEAN: return lit->kind == NF_EX_BOOL ? nf_cg_const_bool(g, lit->u.b) : NF_BC_NONE;
    case NF_T_INTEGER:
    case NF_T_LONG:
        if (lit->kind != NF_EX_INT) return NF_BC_NONE;
        return nf_cg_const_int(g, (neg ? -1 : 1) * strtoll(lit->u.lit.text, NULL, 10));
    case NF_T_DECIMAL: {
        if (lit->kind != NF_EX_INT && lit->kind != NF_EX_DECIMAL) return NF_BC_NONE;
        char buf[300];
        int n = snprintf(buf, sizeof buf, "%s%.*s", neg ? "-" : "", (int)lit->u.lit.len,
                         lit->u.lit.text);
        return nf_cg_const_dec(g, buf, (uint32_t)n);
    }
    case NF_T_STRING:
        return lit->kind == NF_EX_STRING ? nf_cg_const_str(g, lit->u.str.s, lit->u.str.len)
                                         : NF_BC_NONE;
    case NF_T_ENUM: {
        int32_t idx = -1;
        if (lit->kind == NF_EX_QNAME)
            idx = lit->ref.enum_value;
        else if (lit->kind == NF_EX_STRING) {
            nf_cc_sym *v = nf_cc_intern(g->in, lit->u.str.s, lit->u.str.len);
            if (v) idx = nf_cc_enum_value_index(a->type.u.enumeration, v);
        }
        return idx >= 0 ? nf_cg_const_int(g, idx) : NF_BC_NONE;
    }
    default: return NF_BC_NONE; /* DateTime defaults ([%CurrentDateTime%]) are set by the runtime */
    }
}

static uint32_t attr_flags(const nf_cc_attr *a) {
    uint32_t f = 0;
    if (a->declared == NF_TR_INTEGER) f |= NF_BA_INT32;
    if (a->autonumber) f |= NF_BA_AUTONUMBER;
    if (a->hashed) f |= NF_BA_HASHED;
    if (a->calculated) f |= NF_BA_CALCULATED;
    if (a->system_member) f |= NF_BA_SYSTEM;
    if (a->not_null) f |= NF_BA_NOT_NULL;
    if (a->unique) f |= NF_BA_UNIQUE;
    if (a->required) f |= NF_BA_REQUIRED;
    return f;
}

static void *arr(nf_cg *g, size_t n, size_t size) {
    if (n == 0) return NULL;
    void *p = nf_cc_arena_alloc(g->arena, n * size);
    if (!p) g->oom = true;
    return p;
}

static uint8_t entity_flags(const nf_cc_entity *e) {
    return (uint8_t)((e->offline ? NF_BE_OFFLINE : 0) | (e->system ? NF_BE_SYSTEM : 0) |
                     (e->in_profile ? NF_BE_IN_PROFILE : 0));
}

static void gen_entity(nf_cg *g, nf_cc_entity *e, nf_bc_entity *out) {
    out->name = S(g, e->name);
    out->generalization = e->generalization ? e->generalization->index : NF_BC_NONE;
    /* reported once, at the first entity past the limit (the checker rejected cycles) */
    uint32_t depth = 0;
    for (const nf_cc_entity *up = e->generalization; up && depth <= 2 * NF_BC_MAX_GENERALIZATION;
         up = up->generalization)
        depth++;
    if (depth == NF_BC_MAX_GENERALIZATION + 1)
        nf_cg_error(g, e->span,
                    "entity %s extends more than %d entities in a chain: flatten the hierarchy",
                    e->name->s, NF_BC_MAX_GENERALIZATION);
    out->persist = e->persist == NF_PERSISTENT ? 0 : 1;
    out->flags = entity_flags(e);
    out->download = NF_BD_ALL;
    out->conflict = NF_BC_LAST_WINS;
    out->profile_xpath = out->revision_attr = NF_BC_NONE;
    if (e->profile) {
        nf_cc_profile_entry *p = e->profile;
        out->download = p->download;
        out->conflict = p->conflict;
        if (p->xpath) out->profile_xpath = nf_cg_xpath(g, p->xpath, e, NULL);
        if (p->revision_attr) {
            nf_cc_attr *ra = nf_cc_entity_attr(e, p->revision_attr);
            if (ra) out->revision_attr = nf_cg_attr_index(ra);
        }
    }
    out->nattrs = e->nattrs;
    out->attrs = arr(g, e->nattrs, sizeof *out->attrs);
    for (uint32_t i = 0; i < e->nattrs && out->attrs; i++) {
        nf_cc_attr *a = e->attrs[i];
        nf_bc_attr *b = &out->attrs[i];
        b->name = S(g, a->name);
        b->type = nf_cg_type(a->type);
        if (b->type.kind == NF_BT_VOID)
            b->type.kind = NF_BT_STR; /* an attribute whose type failed: not reached */
        b->length = (uint32_t)a->length;
        b->flags = attr_flags(a);
        b->default_k = default_const(g, a);
        const char *msg = a->decl ? (a->decl->not_null_msg ? a->decl->not_null_msg
                                     : a->decl->unique_msg ? a->decl->unique_msg
                                                           : a->decl->required_msg)
                                  : NULL;
        b->message = msg ? nf_cg_cstring(g, msg) : NF_BC_NONE;
    }
    nf_cc_decl *d = e->decl;
    if (!d) return;
    out->events = arr(g, d->u.entity.nevents, sizeof *out->events);
    for (uint32_t i = 0; i < d->u.entity.nevents && out->events; i++) {
        nf_cc_event_decl *ev = &d->u.entity.events[i];
        nf_cc_flow *f = nf_cc_map_get(&g->mdl->flow_by_name, ev->flow.full);
        if (!f) continue;
        nf_bc_event *b = &out->events[out->nevents++];
        b->moment = ev->moment;
        b->type = ev->type;
        b->pass_object = ev->pass_object;
        b->raise_error = ev->raise_error;
        b->flow = f->index;
    }
    out->indexes = arr(g, d->u.entity.nindexes, sizeof *out->indexes);
    for (uint32_t i = 0; i < d->u.entity.nindexes && out->indexes; i++) {
        nf_cc_index_decl *ix = &d->u.entity.indexes[i];
        nf_bc_index *b = &out->indexes[out->nindexes++];
        b->attrs = arr(g, ix->ncols, sizeof *b->attrs);
        b->desc = arr(g, ix->ncols, sizeof *b->desc);
        for (uint32_t k = 0; k < ix->ncols && b->attrs && b->desc; k++) {
            nf_cc_attr *a = nf_cc_entity_attr(e, ix->cols[k].attr.full);
            if (!a) continue;
            b->attrs[b->ncols] = nf_cg_attr_index(a);
            b->desc[b->ncols++] = ix->cols[k].desc;
        }
    }
}

/* Validation rules of entity e, from `create validation rule` declarations. */
static void gen_rules(nf_cg *g, nf_cc_entity *e, nf_bc_entity *out) {
    nf_cc_vec *rules = &g->mdl->decls_validation;
    out->rules = arr(g, rules->n, sizeof *out->rules);
    for (uint32_t i = 0; i < rules->n && out->rules; i++) {
        nf_cc_decl *d = rules->items[i];
        if (d->u.validation.rule == NF_RULE_EXPRESSION)
            continue; /* checked by the server's flows */
        nf_cc_qname q = d->u.validation.entity;
        nf_cc_entity *re = nf_cc_map_get(&g->mdl->entity_by_name, q.full);
        nf_cc_attr *target = NULL;
        if (!re && q.nparts >= 3) { /* Module.Entity.Attribute */
            char buf[512];
            snprintf(buf, sizeof buf, "%s", q.full->s);
            char *dot = strrchr(buf, '.');
            if (dot) *dot = '\0';
            nf_cc_sym *en = nf_cc_intern_cstr(g->in, buf);
            re = en ? nf_cc_map_get(&g->mdl->entity_by_name, en) : NULL;
            if (re) target = nf_cc_entity_attr(re, q.parts[q.nparts - 1]);
        }
        if (re != e) continue;
        nf_bc_rule *r = &out->rules[out->nrules++];
        r->kind = d->u.validation.rule == NF_RULE_REQUIRED ? NF_BR_REQUIRED
                  : d->u.validation.rule == NF_RULE_UNIQUE ? NF_BR_UNIQUE
                  : d->u.validation.rule == NF_RULE_RANGE  ? NF_BR_RANGE
                                                           : NF_BR_REGEX;
        uint32_t na = d->u.validation.nattrs + (target ? 1 : 0);
        r->attrs = arr(g, na, sizeof *r->attrs);
        for (uint32_t k = 0; k < d->u.validation.nattrs && r->attrs; k++) {
            nf_cc_attr *a = nf_cc_entity_attr(e, d->u.validation.attrs[k].full);
            if (a) r->attrs[r->nattrs++] = nf_cg_attr_index(a);
        }
        if (target && r->attrs) r->attrs[r->nattrs++] = nf_cg_attr_index(target);
        r->lo_strict = d->u.validation.lo_strict;
        r->hi_strict = d->u.validation.hi_strict;
        r->lo_k = r->hi_k = r->pattern = NF_BC_NONE;
        nf_cc_expr *bounds[2] = {d->u.validation.lo, d->u.validation.hi};
        for (int k = 0; k < 2; k++) {
            nf_cc_expr *b = bounds[k];
            if (!b) continue;
            bool neg = b->kind == NF_EX_UNARY && b->op == NF_OP_NEG;
            nf_cc_expr *lit = neg ? b->u.bin.a : b;
            if (lit->kind != NF_EX_INT && lit->kind != NF_EX_DECIMAL) continue;
            char buf[300];
            int n = snprintf(buf, sizeof buf, "%s%.*s", neg ? "-" : "", (int)lit->u.lit.len,
                             lit->u.lit.text);
            uint32_t kk = nf_cg_const_dec(g, buf, (uint32_t)n);
            if (k == 0)
                r->lo_k = kk;
            else
                r->hi_k = kk;
        }
        if (d->u.validation.pattern)
            r->pattern = nf_cg_cstring(g, d->u.validation.pattern);
        else if (d->u.validation.regex.full) {
            nf_cc_decl *rx = nf_cc_map_get(&g->mdl->regex_by_name, d->u.validation.regex.full);
            if (rx && rx->u.regex.pattern) r->pattern = nf_cg_cstring(g, rx->u.regex.pattern);
        }
        r->message = nf_cg_cstring(g, d->u.validation.feedback ? d->u.validation.feedback : "");
    }
}

static uint32_t member_index(nf_cg *g, nf_cc_entity *e, const nf_cc_qname *q) {
    nf_cc_attr *a = nf_cc_entity_attr(e, q->full);
    if (a) return nf_cg_attr_index(a);
    nf_cc_assoc *as = nf_cc_map_get(&g->mdl->assoc_by_name, q->full);
    return as ? (NF_BC_ASSOC_MEMBER | as->index) : NF_BC_NONE;
}

static uint32_t *members(nf_cg *g, nf_cc_entity *e, const nf_cc_qname *qs, uint32_t n,
                         uint32_t *out_n) {
    uint32_t *w = arr(g, n, sizeof *w);
    *out_n = 0;
    for (uint32_t i = 0; i < n && w; i++) {
        uint32_t m = member_index(g, e, &qs[i]);
        if (m != NF_BC_NONE) w[(*out_n)++] = m;
    }
    return w;
}

/* Chains the grants by the entity or flow they name, keeping declaration order. */
static bool index_grants(nf_cg *g) {
    nf_cc_model *mdl = g->mdl;
    nf_cc_vec *grants = &mdl->decls_grants;
    size_t ne = mdl->entities.n, nf = mdl->flows.n, ng = grants->n;
    g->entity_grant = malloc((ne + 1) * sizeof(uint32_t));
    g->flow_grant = malloc((nf + 1) * sizeof(uint32_t));
    g->grant_next = malloc((ng + 1) * sizeof(uint32_t));
    uint32_t *etail = malloc((ne + 1) * sizeof(uint32_t)),
             *ftail = malloc((nf + 1) * sizeof(uint32_t));
    bool ok = g->entity_grant && g->flow_grant && g->grant_next && etail && ftail;
    if (ok) {
        memset(g->entity_grant, 0xFF, (ne + 1) * sizeof(uint32_t));
        memset(g->flow_grant, 0xFF, (nf + 1) * sizeof(uint32_t));
        for (uint32_t i = 0; i < ng; i++) {
            nf_cc_decl *d = grants->items[i];
            g->grant_next[i] = NF_BC_NONE;
            uint32_t *first = NULL, *tail = NULL, t = 0;
            if (d->kind == NF_DECL_GRANT_ENTITY) {
                nf_cc_entity *e =
                    nf_cc_map_get(&mdl->entity_by_name, d->u.grant_entity.entity.full);
                if (e) first = g->entity_grant, tail = etail, t = e->index;
            } else if (d->kind == NF_DECL_GRANT_FLOW) {
                nf_cc_flow *f = nf_cc_map_get(&mdl->flow_by_name, d->u.grant_flow.flow.full);
                if (f) first = g->flow_grant, tail = ftail, t = f->index;
            }
            if (!first) continue;
            if (first[t] == NF_BC_NONE)
                first[t] = i;
            else
                g->grant_next[tail[t]] = i;
            tail[t] = i;
        }
    }
    free(etail);
    free(ftail);
    if (!ok) g->oom = true;
    return ok;
}

static void free_grant_index(nf_cg *g) {
    free(g->entity_grant);
    free(g->flow_grant);
    free(g->grant_next);
    g->entity_grant = g->flow_grant = g->grant_next = NULL;
}

void nf_cg_free(nf_cg *g) {
    nf_cc_map_free(&g->str_index);
    nf_cc_map_free(&g->const_index);
    free(g->code_scratch.items);
    free(g->line_scratch.items);
    memset(&g->code_scratch, 0, sizeof g->code_scratch);
    memset(&g->line_scratch, 0, sizeof g->line_scratch);
    free_grant_index(g); /* when nf_cg_module_end was not reached */
}

/* Access rules: grants in order, revokes removing what earlier grants gave. */
static void gen_access(nf_cg *g, nf_cc_entity *e, nf_bc_entity *out) {
    nf_cc_vec *grants = &g->mdl->decls_grants;
    uint32_t rows = 1;
    for (uint32_t i = g->entity_grant[e->index]; i != NF_BC_NONE; i = g->grant_next[i])
        rows += ((nf_cc_decl *)grants->items[i])->u.grant_entity.nroles;
    out->access = arr(g, rows, sizeof *out->access);
    for (uint32_t i = g->entity_grant[e->index]; i != NF_BC_NONE && out->access;
         i = g->grant_next[i]) {
        nf_cc_decl *d = grants->items[i];
        for (uint32_t k = 0; k < d->u.grant_entity.nroles; k++) {
            nf_cc_role *role =
                nf_cc_map_get(&g->mdl->role_by_name, d->u.grant_entity.roles[k].full);
            if (!role || role->user_role) continue;
            if (d->revoke) { /* drop the role's rules on this entity */
                uint32_t kept = 0;
                for (uint32_t j = 0; j < out->naccess; j++)
                    if (out->access[j].role != role->index) out->access[kept++] = out->access[j];
                out->naccess = kept;
                continue;
            }
            nf_bc_access *a = &out->access[out->naccess++];
            const nf_cc_access_right *r = &d->u.grant_entity.rights;
            a->role = role->index;
            a->rights = (r->create ? NF_RIGHT_CREATE : 0) | (r->delete_ ? NF_RIGHT_DELETE : 0) |
                        (r->read_all ? NF_RIGHT_READ_ALL : 0) |
                        (r->write_all ? NF_RIGHT_WRITE_ALL : 0);
            a->read = members(g, e, r->read, r->nread, &a->nread);
            a->write = members(g, e, r->write, r->nwrite, &a->nwrite);
            a->xpath = d->u.grant_entity.xpath ? nf_cg_xpath(g, d->u.grant_entity.xpath, e, NULL)
                                               : NF_BC_NONE;
        }
    }
}

static void gen_security(nf_cg *g, nf_bc_module *m) {
    nf_cc_model *mdl = g->mdl;
    m->nroles = mdl->roles.n;
    m->roles = arr(g, mdl->roles.n, sizeof *m->roles);
    for (uint32_t i = 0; i < mdl->roles.n && m->roles; i++) {
        nf_cc_role *r = mdl->roles.items[i];
        m->roles[i].name = S(g, r->name);
        m->roles[i].user_role = r->user_role;
        m->roles[i].module_roles = arr(g, r->nmodule_roles, sizeof(uint32_t));
        for (uint32_t k = 0; k < r->nmodule_roles && m->roles[i].module_roles; k++)
            m->roles[i].module_roles[m->roles[i].nmodule_roles++] = r->module_roles[k]->index;
    }
    nf_cc_vec *users = &mdl->decls_demo_users;
    m->users = arr(g, users->n, sizeof *m->users);
    for (uint32_t i = 0; i < users->n && m->users; i++) {
        nf_cc_decl *d = users->items[i];
        nf_bc_user *u = &m->users[m->nusers++];
        u->name = nf_cg_cstring(g, d->u.demo_user.user ? d->u.demo_user.user : "");
        u->password = nf_cg_cstring(g, d->u.demo_user.password ? d->u.demo_user.password : "");
        nf_cc_entity *e = d->u.demo_user.has_entity
                              ? nf_cc_map_get(&mdl->entity_by_name, d->u.demo_user.entity.full)
                              : NULL;
        u->entity = e ? e->index : (mdl->system_user ? mdl->system_user->index : 0);
        u->roles = arr(g, d->u.demo_user.nroles, sizeof *u->roles);
        for (uint32_t k = 0; k < d->u.demo_user.nroles && u->roles; k++) {
            nf_cc_role *r = nf_cc_map_get(&mdl->role_by_name, d->u.demo_user.roles[k].full);
            if (r && r->user_role) u->roles[u->nroles++] = r->index;
        }
    }
}

static void gen_flow_roles(nf_cg *g, nf_cc_flow *f, nf_bc_flow *out) {
    nf_cc_vec *grants = &g->mdl->decls_grants;
    uint32_t n = 1;
    for (uint32_t i = g->flow_grant[f->index]; i != NF_BC_NONE; i = g->grant_next[i])
        n += ((nf_cc_decl *)grants->items[i])->u.grant_flow.nroles;
    out->roles = arr(g, n, sizeof *out->roles);
    for (uint32_t i = g->flow_grant[f->index]; i != NF_BC_NONE && out->roles;
         i = g->grant_next[i]) {
        nf_cc_decl *d = grants->items[i];
        for (uint32_t k = 0; k < d->u.grant_flow.nroles; k++) {
            nf_cc_role *role = nf_cc_map_get(&g->mdl->role_by_name, d->u.grant_flow.roles[k].full);
            if (!role || role->user_role) continue;
            uint32_t j = 0;
            while (j < out->nroles && out->roles[j] != role->index)
                j++;
            if (d->revoke && j < out->nroles)
                out->roles[j] = out->roles[--out->nroles];
            else if (!d->revoke && j == out->nroles)
                out->roles[out->nroles++] = role->index;
        }
    }
}

/* ---- the model hash -------------------------------------------------------------------------- */

static int cmp_lines(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The attribute type as written, by name: the hash must not depend on enum numbering. */
static const char *declared_name(uint8_t k) {
    static const char *const names[] = {
        [NF_TR_NONE] = "-",
        [NF_TR_BOOLEAN] = "Boolean",
        [NF_TR_INTEGER] = "Integer",
        [NF_TR_LONG] = "Long",
        [NF_TR_DECIMAL] = "Decimal",
        [NF_TR_STRING] = "String",
        [NF_TR_DATETIME] = "DateTime",
        [NF_TR_DATE] = "Date",
        [NF_TR_AUTONUMBER] = "AutoNumber",
        [NF_TR_HASHEDSTRING] = "HashedString",
        [NF_TR_BINARY] = "Binary",
        [NF_TR_AUTOOWNER] = "AutoOwner",
        [NF_TR_AUTOCHANGEDBY] = "AutoChangedBy",
        [NF_TR_AUTOCREATEDDATE] = "AutoCreatedDate",
        [NF_TR_AUTOCHANGEDDATE] = "AutoChangedDate",
        [NF_TR_CURRENCY] = "Currency",
        [NF_TR_FLOAT] = "Float",
        [NF_TR_VOID] = "Void",
        [NF_TR_ENUM] = "Enumeration",
        [NF_TR_OBJECT] = "Object",
        [NF_TR_LIST] = "List",
        [NF_TR_STRINGTEMPLATE] = "StringTemplate",
        [NF_TR_TYPEPARAM] = "TypeParameter",
    };
    return k < sizeof names / sizeof names[0] && names[k] ? names[k] : "?";
}

/* What a deployed offline client depends on: entities and their attributes (names and types),
 * associations, enumerations and the signatures of microflows that nanoflows call. Hashed as
 * sorted text lines, so reordering declarations does not change it. */
static uint64_t model_hash(nf_cg *g) {
    nf_cc_model *mdl = g->mdl;
    size_t cap = 64, n = 0;
    char **lines = malloc(cap * sizeof *lines);
    char tb[160], lb[512]; /* lb: a line formatted once, copied when it fits */
#define LINE(...)                                                                                  \
    do {                                                                                           \
        if (n == cap) {                                                                            \
            char **nl = realloc(lines, cap * 2 * sizeof *lines);                                   \
            if (!nl) goto oom;                                                                     \
            lines = nl;                                                                            \
            cap *= 2;                                                                              \
        }                                                                                          \
        int len_ = snprintf(lb, sizeof lb, __VA_ARGS__);                                           \
        if (len_ < 0) len_ = 0;                                                                    \
        lines[n] = malloc((size_t)len_ + 1);                                                       \
        if (!lines[n]) goto oom;                                                                   \
        if ((size_t)len_ < sizeof lb)                                                              \
            memcpy(lines[n++], lb, (size_t)len_ + 1);                                              \
        else                                                                                       \
            snprintf(lines[n++], (size_t)len_ + 1, __VA_ARGS__);                                   \
    } while (0)
    if (!lines) return 0;
    for (uint32_t i = 0; i < mdl->entities.n; i++) {
        nf_cc_entity *e = mdl->entities.items[i];
        if (e->system) continue;
        LINE("entity %s %s %s", e->name->s,
             e->persist == NF_PERSISTENT ? "persistent" : "non-persistent",
             e->generalization ? e->generalization->name->s : "-");
        for (uint32_t k = 0; k < e->nattrs; k++)
            LINE("attribute %s.%s %s %s", e->name->s, e->attrs[k]->name->s,
                 nf_cc_type_name(e->attrs[k]->type, tb, sizeof tb),
                 declared_name(e->attrs[k]->declared));
    }
    for (uint32_t i = 0; i < mdl->assocs.n; i++) {
        nf_cc_assoc *a = mdl->assocs.items[i];
        if (!a->from || !a->to || a->module->system) continue;
        LINE("association %s %s %s %s", a->name->s, a->from->name->s, a->to->name->s,
             a->reference_set ? "set" : "reference");
    }
    for (uint32_t i = 0; i < mdl->enums.n; i++) {
        nf_cc_enum *en = mdl->enums.items[i];
        for (uint32_t k = 0; k < en->nvalues; k++)
            LINE("enumeration %s.%s", en->name->s, en->values[k].name->s);
    }
    for (uint32_t i = 0; i < mdl->flows.n; i++) {
        nf_cc_flow *f = mdl->flows.items[i];
        if (!f->called_from_nanoflow) continue;
        LINE("microflow %s returns %s", f->name->s, nf_cc_type_name(f->ret, tb, sizeof tb));
        for (uint32_t k = 0; k < f->nparams; k++)
            if (f->params[k])
                LINE("parameter %s.%s %s", f->name->s, f->params[k]->name->s,
                     nf_cc_type_name(f->params[k]->type, tb, sizeof tb));
    }
#undef LINE
    qsort(lines, n, sizeof *lines, cmp_lines);
    uint64_t h = NF_BC_HASH_INIT;
    for (size_t i = 0; i < n; i++) {
        h = nf_bc_hash(h, lines[i], strlen(lines[i]) + 1);
        free(lines[i]);
    }
    free(lines);
    return h;
oom:
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    g->oom = true;
    return 0;
}

/* ---- the module ------------------------------------------------------------------------------ */

/* An arena copy of the n items at p (NULL when n is 0, or out of memory). */
static void *copy_out(nf_cg *g, const void *p, uint32_t n, size_t size) {
    if (!n) return NULL;
    void *m = nf_cc_arena_alloc_uninit(g->arena, (size_t)n * size);
    if (!m)
        g->oom = true;
    else
        memcpy(m, p, (size_t)n * size);
    return m;
}

bool nf_cg_module(nf_cg *g) {
    if (!nf_cg_module_begin(g)) return false;
    for (uint32_t i = 0; i < g->mdl->flows.n; i++)
        nf_cg_module_flow(g, i);
    return nf_cg_module_end(g);
}

bool nf_cg_module_begin(nf_cg *g) {
    nf_cc_model *mdl = g->mdl;
    nf_bc_module *m = g->out;
    memset(m, 0, sizeof *m);
    if (!index_grants(g)) {
        free_grant_index(g);
        return false;
    }
    m->nenums = mdl->enums.n;
    m->enums = arr(g, mdl->enums.n, sizeof *m->enums);
    for (uint32_t i = 0; i < mdl->enums.n && m->enums; i++) {
        nf_cc_enum *en = mdl->enums.items[i];
        nf_bc_enum *b = &m->enums[i];
        b->name = S(g, en->name);
        b->nvalues = en->nvalues;
        b->value_names = arr(g, en->nvalues, sizeof(uint32_t));
        b->captions = arr(g, en->nvalues, sizeof(uint32_t));
        for (uint32_t k = 0; k < en->nvalues && b->value_names && b->captions; k++) {
            b->value_names[k] = S(g, en->values[k].name);
            b->captions[k] = nf_cg_cstring(g, en->values[k].caption ? en->values[k].caption
                                                                    : en->values[k].name->s);
        }
    }
    m->nentities = mdl->entities.n;
    m->entities = arr(g, mdl->entities.n, sizeof *m->entities);
    for (uint32_t i = 0; i < mdl->entities.n && m->entities; i++) {
        gen_entity(g, mdl->entities.items[i], &m->entities[i]);
        gen_rules(g, mdl->entities.items[i], &m->entities[i]);
        gen_access(g, mdl->entities.items[i], &m->entities[i]);
    }
    m->nassocs = mdl->assocs.n;
    m->assocs = arr(g, mdl->assocs.n, sizeof *m->assocs);
    for (uint32_t i = 0; i < mdl->assocs.n && m->assocs; i++) {
        nf_cc_assoc *a = mdl->assocs.items[i];
        m->assocs[i].name = S(g, a->name);
        m->assocs[i].from = a->from ? a->from->index : 0;
        m->assocs[i].to = a->to ? a->to->index : 0;
        m->assocs[i].reference_set = a->reference_set;
        m->assocs[i].owner_both = a->owner_both;
        m->assocs[i].delete_behavior = a->delete_behavior;
    }
    gen_security(g, m);
    m->nactions = mdl->actions.n;
    m->actions = arr(g, mdl->actions.n, sizeof *m->actions);
    for (uint32_t i = 0; i < mdl->actions.n && m->actions; i++) {
        nf_cc_action *a = mdl->actions.items[i];
        nf_bc_action *b = &m->actions[i];
        b->name = S(g, a->name);
        b->kind = a->kind == NF_ACTION_JAVASCRIPT ? NF_BK_JAVASCRIPT
                  : a->kind == NF_ACTION_JAVA     ? NF_BK_JAVA
                                                  : NF_BK_LUA;
        b->nparams = a->nparams;
        b->param_names = arr(g, a->nparams, sizeof(uint32_t));
        b->param_types = arr(g, a->nparams, sizeof(nf_bc_type));
        for (uint32_t k = 0; k < a->nparams && b->param_names && b->param_types; k++) {
            b->param_names[k] = S(g, a->params[k].name);
            b->param_types[k] = nf_cg_type(a->param_types[k]);
        }
        b->ret = nf_cg_type(a->ret);
        b->source = a->decl->u.action.source
                        ? nf_cg_string(g, a->decl->u.action.source, a->decl->u.action.source_len)
                        : NF_BC_NONE;
    }
    m->nflows = mdl->flows.n;
    m->flows = arr(g, mdl->flows.n, sizeof *m->flows);
    return true;
}

void nf_cg_module_flow(nf_cg *g, uint32_t i) {
    nf_bc_module *m = g->out;
    if (!m->flows || g->oom) return;
    nf_cc_flow *f = g->mdl->flows.items[i];
    nf_bc_flow *b = &m->flows[i];
    nf_cg_flow_code(g, f, b);
    gen_flow_roles(g, f, b);
    if (g->tmp != g->arena) { /* the tables grew in g->tmp */
        b->handlers = copy_out(g, b->handlers, b->nhandlers, sizeof *b->handlers);
        b->descs = copy_out(g, b->descs, b->ndescs, sizeof *b->descs);
    }
}

bool nf_cg_module_end(nf_cg *g) {
    nf_cc_model *mdl = g->mdl;
    nf_bc_module *m = g->out;
    /* what checking flows found out after their code or the entities were generated (when
     * nf_cc_build checks and generates flow by flow): entities used offline by nanoflows,
     * microflows called from nanoflows */
    for (uint32_t i = 0; i < mdl->entities.n && m->entities; i++)
        m->entities[i].flags = entity_flags(mdl->entities.items[i]);
    for (uint32_t i = 0; i < mdl->flows.n && m->flows; i++)
        m->flows[i].offline_called = ((nf_cc_flow *)mdl->flows.items[i])->called_from_nanoflow;
    free_grant_index(g);
    m->model_hash = model_hash(g);
    if (g->strings.n > 0xFFFF0000u || g->consts.n > 0xFFFFu)
        nf_cg_error(g, (nf_cc_span){0, 0, 0}, "the app has more than 65,535 constants");
    m->nstrings = g->strings.n;
    m->strings = arr(g, g->strings.n, sizeof *m->strings);
    m->string_lens = arr(g, g->strings.n, sizeof *m->string_lens);
    for (uint32_t i = 0; i < g->strings.n && m->strings && m->string_lens; i++) {
        const nf_cc_sym *s = ((const nf_cc_sym **)g->strings.items)[i];
        m->strings[i] = s->s;
        m->string_lens[i] = s->len;
    }
    m->nconsts = g->consts.n;
    m->consts = g->consts.items;
    m->nxnodes = g->xnodes.n;
    m->xnodes = g->xnodes.items;
    m->nxwords = g->xwords.n;
    m->xwords = g->xwords.items;
    return !g->oom && !g->failed;
}
