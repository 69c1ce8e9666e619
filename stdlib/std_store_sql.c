/* std_store_sql.c — XPath constraints as parameterized SQL. Every value (constants, variables,
 * tokens) is bound, never written into the text; identifiers come from the model and are
 * quoted. The SQL keeps the meaning vm_xpath.c gives constraints in memory:
 *   attr = v      attr = ?          (Strings: COLLATE NF_NOCASE, Decimals: NF_DECIMAL)
 *   attr != v     attr IS NOT ?     (an empty attribute differs from every value)
 *   attr = empty  attr IS NULL      ('' is stored as NULL, so '' is empty too)
 *   attr < empty  0                 (empty never orders)
 *   not(x)        NOT IFNULL(x, 0)  (a comparison with NULL is false, and so is its negation's
 *                                    operand, so not() of it is true as in memory)
 *   Assoc/Entity/attr op v          EXISTS (SELECT 1 FROM "Entity" … WHERE join AND attr op ?)
 * Association steps are followed in either direction; reference sets (never offline) are
 * refused. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_builtins.h"
#include "std_store.h"
#include "std_time.h"

typedef struct gen {
    nf_std_store *s;
    nf_vm *vm;
    nf_std_sqlq *q;
    const nf_val *regs;
    int neg; /* inside not() */
    int naliases;
} gen;

/* Makes room for n more bytes and the terminating NUL; false (and oom) when out of memory. */
static bool text_room(nf_std_text *t, size_t n) {
    if (t->len + n + 1 <= t->cap) return true;
    size_t cap = t->cap ? t->cap : 512;
    while (t->len + n + 1 > cap)
        cap *= 2;
    char *g = realloc(t->s, cap);
    if (!g) {
        t->oom = true;
        return false;
    }
    t->s = g;
    t->cap = cap;
    return true;
}

void nf_std_text_add(nf_std_text *t, const char *p, size_t n) {
    if (t->oom || !text_room(t, n)) return;
    memcpy(t->s + t->len, p, n);
    t->len += n;
    t->s[t->len] = '\0';
}

void nf_std_text_put(nf_std_text *t, const char *fmt, ...) {
    if (t->oom) return;
    va_list ap;
    /* Most SQL is built from literal text and %s (names from the model): copied directly, as
     * vsnprintf costs far more than the copy (the sync client and server build SQL per row). */
    bool plain = true;
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p + 2, '%'))
        if (p[1] != 's') {
            plain = false;
            break;
        }
    if (plain) {
        va_start(ap, fmt);
        for (const char *p = fmt;;) {
            const char *q = strchr(p, '%');
            nf_std_text_add(t, p, q ? (size_t)(q - p) : strlen(p));
            if (!q) break;
            const char *a = va_arg(ap, const char *);
            if (!a) a = "(null)";
            nf_std_text_add(t, a, strlen(a));
            p = q + 2;
        }
        va_end(ap);
        return;
    }
    /* one pass when it fits, a second after growing when it does not */
    va_start(ap, fmt);
    int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->oom = true;
        return;
    }
    if (t->len + (size_t)n + 1 > t->cap) {
        if (!text_room(t, (size_t)n)) return;
        va_start(ap, fmt);
        vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
    }
    t->len += (size_t)n;
}

#define put(q, ...) nf_std_text_put(&(q)->sql, __VA_ARGS__)

/* Appends "?" and remembers v (a new reference) to bind there. */
static void bind(gen *g, const nf_val *v) {
    nf_std_sqlq *q = g->q;
    if (q->nbinds == q->bcap) {
        uint32_t cap = q->bcap ? q->bcap * 2 : 8;
        nf_val *b = realloc(q->binds, cap * sizeof *b);
        if (!b) {
            q->sql.oom = true;
            return;
        }
        q->binds = b;
        q->bcap = cap;
    }
    q->binds[q->nbinds] = *v;
    nf_vm_val_retain(v);
    q->nbinds++;
    put(q, "?");
}

void nf_std_sqlq_free(nf_vm *vm, nf_std_sqlq *q) {
    for (uint32_t i = 0; i < q->nbinds; i++)
        nf_vm_val_release(vm, &q->binds[i]);
    free(q->binds);
    free(q->sql.s);
    memset(q, 0, sizeof *q);
}

static nf_vm_status unsupported(gen *g, const char *what) {
    return nf_vm_raise(g->vm, NF_VM_E_RUNTIME, "XPath: %s is not supported by the local store",
                       what);
}

/* ---- tokens ---------------------------------------------------------------------------------- */

nf_vm_status nf_std_store_token(void *ud, nf_vm *vm, const char *name, nf_val *out) {
    nf_std_store *s = ud;
    nf_vm_val_release(vm, out);
    if (!strcmp(name, "CurrentUser")) {
        if (!s->user_id) {
            *out = nf_vm_empty(NF_BT_STR); /* nobody signed in: matches nothing */
            return NF_VM_OK;
        }
        return nf_vm_string(vm, s->user_id, strlen(s->user_id), out);
    }
    if (!strcmp(name, "CurrentObject"))
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "[%%CurrentObject%%] has no value in a retrieve");
    nf_std_ctx *cx = nf_std_ctx_of(vm);
    int64_t ms = 0;
    if (!cx || !cx->time || nf_std_time_token(cx->time, name, nf_vm_now(vm), &ms) != NF_STD_TIME_OK)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "XPath: unknown token [%%%s%%]", name);
    *out = nf_vm_datetime(ms);
    return NF_VM_OK;
}

/* ---- values ---------------------------------------------------------------------------------- */

static const nf_bc_xnode *node(gen *g, uint32_t n) {
    return &g->s->m->xnodes[n];
}

static bool is_valueish(gen *g, uint32_t n) {
    const nf_bc_xnode *x = node(g, n);
    switch ((nf_bc_xkind)x->kind) {
    case NF_BX_CONST:
    case NF_BX_REG:
    case NF_BX_EMPTY:
    case NF_BX_TOKEN: return true;
    case NF_BX_ARITH: return is_valueish(g, x->a) && is_valueish(g, x->b);
    case NF_BX_NEG: return is_valueish(g, x->a);
    case NF_BX_FUNC: {
        const char *name = g->s->m->strings[x->a];
        return !strcmp(name, "true") || !strcmp(name, "false");
    }
    default: return false;
    }
}

/* A value node's value (a new reference). */
static nf_vm_status value(gen *g, uint32_t n, nf_val *out) {
    const nf_bc_xnode *x = node(g, n);
    nf_vm *vm = g->vm;
    switch ((nf_bc_xkind)x->kind) {
    case NF_BX_CONST: *out = vm->consts[x->a]; break;
    case NF_BX_REG: *out = g->regs[x->a]; break;
    case NF_BX_EMPTY: *out = nf_vm_empty(NF_BT_STR); return NF_VM_OK;
    case NF_BX_TOKEN:
        *out = nf_vm_empty(NF_BT_STR);
        return nf_std_store_token(g->s, vm, g->s->m->strings[x->a], out);
    case NF_BX_FUNC: *out = nf_vm_bool(g->s->m->strings[x->a][0] == 't'); return NF_VM_OK;
    case NF_BX_NEG: {
        if (value(g, x->a, out) != NF_VM_OK) return NF_VM_ERROR;
        if (out->kind == NF_BT_INT && !nf_vm_is_empty(out)) {
            out->u.i = -out->u.i;
            return NF_VM_OK;
        }
        nf_vm_val_release(vm, out);
        return unsupported(g, "'-' on a value that is not an Integer");
    }
    case NF_BX_ARITH: {
        nf_val a, b;
        if (value(g, x->a, &a) != NF_VM_OK) return NF_VM_ERROR;
        if (value(g, x->b, &b) != NF_VM_OK) {
            nf_vm_val_release(vm, &a);
            return NF_VM_ERROR;
        }
        bool ok = (a.kind == NF_BT_INT || a.kind == NF_BT_DT) &&
                  (b.kind == NF_BT_INT || b.kind == NF_BT_DT) && !nf_vm_is_empty(&a) &&
                  !nf_vm_is_empty(&b) && !(x->op == 3 && b.u.i == 0);
        int64_t r = 0;
        if (ok)
            r = x->op == 0   ? a.u.i + b.u.i
                : x->op == 1 ? a.u.i - b.u.i
                : x->op == 2 ? a.u.i * b.u.i
                             : a.u.i / b.u.i;
        bool dt = a.kind == NF_BT_DT || b.kind == NF_BT_DT;
        nf_vm_val_release(vm, &a);
        nf_vm_val_release(vm, &b);
        if (!ok) return unsupported(g, "this arithmetic");
        *out = dt ? nf_vm_datetime(r) : nf_vm_int(r);
        return NF_VM_OK;
    }
    default: return unsupported(g, "this value");
    }
    nf_vm_val_retain(out);
    return NF_VM_OK;
}

/* ---- paths ----------------------------------------------------------------------------------- */

/* The column side of a comparison: SQL for the column (in col) and its type kind; the EXISTS
 * subqueries its association steps open are written to the query, and *close counts them. */
typedef struct column {
    char col[600];
    uint8_t kind;
    int close;
} column;

/* Opens an EXISTS over the far side of association step w from (alias, entity). */
static nf_vm_status open_step(gen *g, const uint32_t *w, int *alias, uint32_t *entity) {
    const nf_bc_module *m = g->s->m;
    uint32_t as = w[0] & ~NF_BC_ASSOC_MEMBER;
    const nf_bc_assoc *a = &m->assocs[as];
    if (a->reference_set) return unsupported(g, "a reference set association");
    bool forward = nf_bc_entity_is_a(m, *entity, a->from);
    uint32_t far = w[1] != NF_BC_NONE ? w[1] : forward ? a->to : a->from;
    nf_std_table *ft = &g->s->tables[far], *nt = &g->s->tables[forward ? *entity : far];
    if (!ft->name || !nt->name) return unsupported(g, "an association to a non-persistable entity");
    /* the column of the association in the owner's table */
    const char *rc = NULL;
    for (uint32_t r = 0; r < nt->nrefs; r++)
        if (nt->ref_assoc[r] == as) rc = nt->ref_cols[r];
    if (!rc) return unsupported(g, "this association");
    int k = ++g->naliases;
    if (forward)
        put(g->q, "EXISTS (SELECT 1 FROM %s a%d WHERE a%d._id = a%d.%s AND a%d._state != 3",
            ft->name, k, k, *alias, rc, k);
    else
        put(g->q, "EXISTS (SELECT 1 FROM %s a%d WHERE a%d.%s = a%d._id AND a%d._state != 3",
            ft->name, k, k, rc, *alias, k);
    *alias = k;
    *entity = far;
    return NF_VM_OK;
}

static nf_vm_status cond(gen *g, uint32_t n, int alias, uint32_t entity);

/* Walks path node p from (alias, entity). With want_column, the last step gives a column (an
 * attribute, or a forward association's reference column, or the object's id); otherwise every
 * step opens a subquery (existence). */
static nf_vm_status path(gen *g, const nf_bc_xnode *p, int alias, uint32_t entity, bool want_column,
                         column *out) {
    const nf_bc_module *m = g->s->m;
    out->close = 0;
    out->kind = NF_BT_OBJ;
    snprintf(out->col, sizeof out->col, "a%d._id", alias);
    for (uint32_t i = 0; i < p->b; i++) {
        const uint32_t *w = &m->xwords[p->a + 3 * i];
        bool last = i + 1 == p->b;
        if (!(w[0] & NF_BC_ASSOC_MEMBER)) {
            if (!last) return unsupported(g, "a path through an attribute");
            nf_std_table *t = &g->s->tables[entity];
            if (w[0] >= t->nattrs) return unsupported(g, "this attribute");
            snprintf(out->col, sizeof out->col, "a%d.%s", alias, t->attr_cols[w[0]]);
            out->kind = nf_bc_entity_attr(m, entity, w[0])->type.kind;
            return NF_VM_OK;
        }
        uint32_t as = w[0] & ~NF_BC_ASSOC_MEMBER;
        if (last && want_column && w[2] == NF_BC_NONE &&
            nf_bc_entity_is_a(m, entity, m->assocs[as].from) && !m->assocs[as].reference_set) {
            nf_std_table *t = &g->s->tables[entity];
            for (uint32_t r = 0; r < t->nrefs; r++)
                if (t->ref_assoc[r] == as) {
                    snprintf(out->col, sizeof out->col, "a%d.%s", alias, t->ref_cols[r]);
                    return NF_VM_OK;
                }
            return unsupported(g, "this association");
        }
        if (open_step(g, w, &alias, &entity) != NF_VM_OK) return NF_VM_ERROR;
        out->close++;
        if (w[2] != NF_BC_NONE) {
            put(g->q, " AND ");
            if (cond(g, w[2], alias, entity) != NF_VM_OK) return NF_VM_ERROR;
        }
        put(g->q, " AND ");
        snprintf(out->col, sizeof out->col, "a%d._id", alias);
    }
    return NF_VM_OK;
}

static void closes(gen *g, int n) {
    for (int i = 0; i < n; i++)
        put(g->q, ")");
}

/* The column side of a comparison: a path, or string-length()/length() of one. */
static nf_vm_status column_side(gen *g, uint32_t n, int alias, uint32_t entity, column *c) {
    const nf_bc_xnode *x = node(g, n);
    if (x->kind == NF_BX_PATH) return path(g, x, alias, entity, true, c);
    if (x->kind == NF_BX_FUNC && x->op == 1) {
        const char *name = g->s->m->strings[x->a];
        uint32_t arg = g->s->m->xwords[x->b];
        if ((!strcmp(name, "length") || !strcmp(name, "string-length")) &&
            node(g, arg)->kind == NF_BX_PATH) {
            if (path(g, node(g, arg), alias, entity, true, c) != NF_VM_OK) return NF_VM_ERROR;
            char inner[600];
            snprintf(inner, sizeof inner, "%s", c->col);
            snprintf(c->col, sizeof c->col, "nf_u16len(%.580s)", inner);
            c->kind = NF_BT_INT;
            return NF_VM_OK;
        }
    }
    return unsupported(g, "this comparison");
}

static bool null_value(const nf_val *v) {
    return nf_vm_is_empty(v) || (v->kind == NF_BT_STR && v->u.s->len == 0);
}

/* col op value, for a column of type kind. */
static nf_vm_status compare(gen *g, const column *c, int op, const nf_val *v) {
    static const char *ops[] = {"=", "IS NOT", "<", "<=", ">", ">="};
    if (null_value(v)) {
        put(g->q, op == 0 ? "%s IS NULL" : op == 1 ? "%s IS NOT NULL" : "0", c->col);
        return NF_VM_OK;
    }
    if (c->kind == NF_BT_OBJ && op > 1) return unsupported(g, "ordering objects");
    const char *coll = "";
    nf_val b = *v;
    nf_val tmp = nf_vm_empty(NF_BT_STR);
    switch (c->kind) {
    case NF_BT_STR:
        coll = " COLLATE NF_NOCASE";
        if (v->kind != NF_BT_STR) return unsupported(g, "comparing a String with another type");
        break;
    case NF_BT_DEC:
        coll = " COLLATE NF_DECIMAL";
        if (v->kind != NF_BT_DEC && v->kind != NF_BT_INT)
            return unsupported(g, "comparing a Decimal with another type");
        break;
    case NF_BT_ENUM:
        if (v->kind == NF_BT_ENUM) {
            const nf_bc_enum *en = &g->s->m->enums[v->ref];
            const char *key = g->s->m->strings[en->value_names[v->u.e]];
            if (nf_vm_string(g->vm, key, strlen(key), &tmp) != NF_VM_OK) return NF_VM_ERROR;
            b = tmp;
        } else if (v->kind != NF_BT_STR) {
            return unsupported(g, "comparing an enumeration with another type");
        }
        break;
    case NF_BT_OBJ:
        if (v->kind != NF_BT_OBJ && v->kind != NF_BT_STR)
            return unsupported(g, "comparing an object with another type");
        break;
    default:
        if (v->kind != NF_BT_INT && v->kind != NF_BT_DT && v->kind != NF_BT_BOOL)
            return unsupported(g, "comparing these types");
        break;
    }
    bool wrap = g->neg > 0 && op != 1;
    put(g->q, "%s%s %s ", wrap ? "IFNULL(" : "", c->col, ops[op]);
    bind(g, &b);
    put(g->q, "%s%s", coll, wrap ? ", 0)" : "");
    nf_vm_val_release(g->vm, &tmp);
    return NF_VM_OK;
}

static nf_vm_status cmp_node(gen *g, const nf_bc_xnode *x, int alias, uint32_t entity) {
    static const int flip[] = {0, 1, 4, 5, 2, 3}; /* v op col  ==  col flip(op) v */
    bool lv = is_valueish(g, x->a), rv = is_valueish(g, x->b);
    if (lv && rv) { /* two values: decided now */
        nf_val a, b;
        if (value(g, x->a, &a) != NF_VM_OK) return NF_VM_ERROR;
        if (value(g, x->b, &b) != NF_VM_OK) {
            nf_vm_val_release(g->vm, &a);
            return NF_VM_ERROR;
        }
        bool ea = null_value(&a), eb = null_value(&b), r = false;
        if (ea || eb)
            r = x->op == 0 ? ea && eb : x->op == 1 ? !(ea && eb) : false;
        else if (x->op <= 1)
            r = nf_vm_val_equal(&a, &b) == (x->op == 0);
        else
            r = (a.kind == NF_BT_INT || a.kind == NF_BT_DT) && (x->op == 2   ? a.u.i < b.u.i
                                                                : x->op == 3 ? a.u.i <= b.u.i
                                                                : x->op == 4 ? a.u.i > b.u.i
                                                                             : a.u.i >= b.u.i);
        nf_vm_val_release(g->vm, &a);
        nf_vm_val_release(g->vm, &b);
        put(g->q, "%d", r ? 1 : 0);
        return NF_VM_OK;
    }
    if (!lv && !rv) return unsupported(g, "comparing two paths");
    uint32_t cn = lv ? x->b : x->a, vn = lv ? x->a : x->b;
    int op = lv ? flip[x->op] : x->op;
    nf_val v;
    if (value(g, vn, &v) != NF_VM_OK) return NF_VM_ERROR;
    column c;
    nf_vm_status rc = column_side(g, cn, alias, entity, &c);
    if (rc == NF_VM_OK) rc = compare(g, &c, op, &v);
    if (rc == NF_VM_OK) closes(g, c.close);
    nf_vm_val_release(g->vm, &v);
    return rc;
}

static nf_vm_status func_node(gen *g, const nf_bc_xnode *x, int alias, uint32_t entity) {
    const char *name = g->s->m->strings[x->a];
    const uint32_t *args = &g->s->m->xwords[x->b];
    if (!strcmp(name, "true") || !strcmp(name, "false")) {
        put(g->q, "%d", name[0] == 't');
        return NF_VM_OK;
    }
    if (!strcmp(name, "not") && x->op == 1) {
        put(g->q, "NOT IFNULL((");
        g->neg++;
        nf_vm_status rc = cond(g, args[0], alias, entity);
        g->neg--;
        put(g->q, "), 0)");
        return rc;
    }
    int how = !strcmp(name, "contains")      ? 0
              : !strcmp(name, "starts-with") ? 1
              : !strcmp(name, "ends-with")   ? 2
                                             : -1;
    if (how < 0 || x->op != 2) return unsupported(g, name);
    if (!is_valueish(g, args[1])) return unsupported(g, "a search for a non-value");
    nf_val v;
    if (value(g, args[1], &v) != NF_VM_OK) return NF_VM_ERROR;
    column c;
    nf_vm_status rc = column_side(g, args[0], alias, entity, &c);
    if (rc == NF_VM_OK) {
        if (null_value(&v)) {
            put(g->q, "%s IS NOT NULL", c.col); /* contains(attr, '') is attr != empty */
        } else {
            put(g->q, "nf_find(%s, ", c.col);
            bind(g, &v);
            put(g->q, ", %d)", how);
        }
        closes(g, c.close);
    }
    nf_vm_val_release(g->vm, &v);
    return rc;
}

static nf_vm_status cond(gen *g, uint32_t n, int alias, uint32_t entity) {
    const nf_bc_xnode *x = node(g, n);
    switch ((nf_bc_xkind)x->kind) {
    case NF_BX_AND:
    case NF_BX_OR:
        put(g->q, "(");
        if (cond(g, x->a, alias, entity) != NF_VM_OK) return NF_VM_ERROR;
        put(g->q, x->kind == NF_BX_AND ? " AND " : " OR ");
        if (cond(g, x->b, alias, entity) != NF_VM_OK) return NF_VM_ERROR;
        put(g->q, ")");
        return NF_VM_OK;
    case NF_BX_NOT: {
        put(g->q, "NOT IFNULL((");
        g->neg++;
        nf_vm_status rc = cond(g, x->a, alias, entity);
        g->neg--;
        put(g->q, "), 0)");
        return rc;
    }
    case NF_BX_CMP: return cmp_node(g, x, alias, entity);
    case NF_BX_FUNC: return func_node(g, x, alias, entity);
    case NF_BX_PATH: {
        /* a Boolean attribute is its value; an association path tests existence */
        const uint32_t *w = &g->s->m->xwords[x->a + 3 * (x->b ? x->b - 1 : 0)];
        bool attr = x->b && !(w[0] & NF_BC_ASSOC_MEMBER);
        column c;
        if (path(g, x, alias, entity, attr, &c) != NF_VM_OK) return NF_VM_ERROR;
        put(g->q, attr ? "%s = 1" : "1", c.col);
        closes(g, c.close);
        return NF_VM_OK;
    }
    default: {
        if (!is_valueish(g, n)) return unsupported(g, "this condition");
        nf_val v;
        if (value(g, n, &v) != NF_VM_OK) return NF_VM_ERROR;
        put(g->q, "%d", v.kind == NF_BT_BOOL && !nf_vm_is_empty(&v) && v.u.b);
        nf_vm_val_release(g->vm, &v);
        return NF_VM_OK;
    }
    }
}

/* ---- the query ------------------------------------------------------------------------------- */

/* One SELECT over table t (alias a0) with q's conditions. */
static nf_vm_status select_one(gen *g, const nf_vm_query *q, nf_std_table *t,
                               const nf_std_table *cols, bool tag) {
    if (tag)
        put(g->q, "SELECT %u AS _e, ", t->entity);
    else
        put(g->q, "SELECT ");
    /* the query entity's columns (a specialization's table has them all: inherited first) */
    put(g->q, "a0._id AS _id, a0._state AS _state");
    for (uint32_t a = 0; a < cols->nattrs; a++)
        put(g->q, ", a0.%s AS %s", cols->attr_cols[a], cols->attr_cols[a]);
    for (uint32_t r = 0; r < cols->nrefs; r++)
        put(g->q, ", a0.%s AS %s", cols->ref_cols[r], cols->ref_cols[r]);
    put(g->q, " FROM %s a0 WHERE a0._state != 3", t->name);
    if (q->assoc != NF_BC_NONE) {
        const char *rc = NULL;
        for (uint32_t r = 0; r < t->nrefs; r++)
            if (t->ref_assoc[r] == q->assoc) rc = t->ref_cols[r];
        if (!rc) return unsupported(g, "this association");
        char id[37];
        nf_std_uuid_text(q->target, id);
        nf_val v;
        if (nf_vm_string(g->vm, id, 36, &v) != NF_VM_OK) return NF_VM_ERROR;
        put(g->q, " AND a0.%s = ", rc);
        bind(g, &v);
        nf_vm_val_release(g->vm, &v);
    }
    if (q->xpath != NF_BC_NONE) {
        put(g->q, " AND (");
        g->naliases = 0;
        if (cond(g, q->xpath, 0, t->entity) != NF_VM_OK) return NF_VM_ERROR;
        put(g->q, ")");
    }
    return NF_VM_OK;
}

nf_vm_status nf_std_store_build_query(nf_std_store *s, nf_vm *vm, const nf_vm_query *q,
                                      nf_std_sqlq *out) {
    memset(out, 0, sizeof *out);
    gen g = {s, vm, out, q->regs, 0, 0};
    nf_std_table *tabs[64];
    uint32_t nt = nf_std_store_tables_of(s, q->entity, tabs, 64);
    const nf_std_table *cols = &s->tables[q->entity];
    if (!cols->name || nt == 0)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s is not stored in the local database",
                           s->m->strings[s->m->entities[q->entity].name]);
    bool many = nt > 1;
    if (many) put(out, "SELECT * FROM (");
    for (uint32_t i = 0; i < nt; i++) {
        if (i) put(out, " UNION ALL ");
        if (select_one(&g, q, tabs[i], cols, many) != NF_VM_OK) return NF_VM_ERROR;
    }
    if (many) put(out, ")");
    put(out, " ORDER BY ");
    for (uint32_t k = 0; k < q->nsort; k++) {
        uint32_t at = q->sort[2 * k];
        if (at >= cols->nattrs) continue;
        uint8_t kind = nf_bc_entity_attr(s->m, q->entity, at)->type.kind;
        put(out, "%s%s%s, ", cols->attr_cols[at],
            kind == NF_BT_STR   ? " COLLATE NF_NOCASE"
            : kind == NF_BT_DEC ? " COLLATE NF_DECIMAL"
                                : "",
            q->sort[2 * k + 1] ? " DESC" : "");
    }
    put(out, "_id");
    if (q->limit >= 0 || q->offset > 0) {
        nf_val lim = nf_vm_int(q->limit), off = nf_vm_int(q->offset);
        put(out, " LIMIT ");
        bind(&g, &lim);
        put(out, " OFFSET ");
        bind(&g, &off);
    }
    if (out->sql.oom) return nf_vm_raise(vm, NF_VM_E_LIMIT, "out of memory building a query");
    return NF_VM_OK;
}

/* ---- binding --------------------------------------------------------------------------------- */

int nf_std_store_bind(nf_vm *vm, sqlite3_stmt *st, int i, const nf_val *v) {
    if (null_value(v)) return sqlite3_bind_null(st, i);
    switch (v->kind) {
    case NF_BT_BOOL: return sqlite3_bind_int(st, i, v->u.b ? 1 : 0);
    case NF_BT_INT:
    case NF_BT_DT: return sqlite3_bind_int64(st, i, v->u.i);
    case NF_BT_STR: return sqlite3_bind_text(st, i, v->u.s->s, (int)v->u.s->len, SQLITE_TRANSIENT);
    case NF_BT_DEC: {
        char buf[128];
        nf_dec d = nf_vm_dec_of(v);
        size_t n = nf_dec_format(&d, buf, sizeof buf);
        if (n < sizeof buf) return sqlite3_bind_text(st, i, buf, (int)n, SQLITE_TRANSIENT);
        char *big = malloc(n + 1);
        if (!big) return SQLITE_NOMEM;
        nf_dec_format(&d, big, n + 1);
        return sqlite3_bind_text(st, i, big, (int)n, free);
    }
    case NF_BT_ENUM: {
        const nf_bc_enum *en = &vm->m->enums[v->ref];
        return sqlite3_bind_text(st, i, vm->m->strings[en->value_names[v->u.e]], -1, SQLITE_STATIC);
    }
    case NF_BT_OBJ: {
        char id[37];
        nf_std_uuid_text(v->u.o->id, id);
        return sqlite3_bind_text(st, i, id, 36, SQLITE_TRANSIENT);
    }
    default: return sqlite3_bind_null(st, i);
    }
}

bool nf_std_store_bind_all(nf_vm *vm, sqlite3_stmt *st, const nf_std_sqlq *q) {
    for (uint32_t i = 0; i < q->nbinds; i++)
        if (nf_std_store_bind(vm, st, (int)i + 1, &q->binds[i]) != SQLITE_OK) return false;
    return true;
}
