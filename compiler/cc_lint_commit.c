/* cc_lint_commit.c — NF6004: committing an object that references an object the flow created
 * and has not committed (seed: "When committing objects that are being referenced by other
 * objects, make sure the other objects are also committed"). The uploaded reference would
 * point at an object the server never receives.
 *
 * A forward analysis over the typed syntax tree. The state holds, for the variables whose
 * objects this flow created, the set M of those certainly not committed (on every path: meet
 * by intersection) and the set U of those possibly not committed (on some path: union), and for
 * each variable X the set R[X] of variables whose objects X certainly references (set by
 * create/change; intersection). Committing X warns for R[X] ∩ U. Anything the analysis cannot
 * see (a sub-nanoflow that receives the object, a list commit) counts as committed. M lets the
 * delete lint (NF6002) skip objects that never left the device. */
#include <stdlib.h>
#include <string.h>

#include "cc_lint.h"

typedef struct cstate {
    uint64_t *w; /* M: words [0, nw); U: [nw, 2 nw); R[x]: [(2 + x) nw, (3 + x) nw) */
} cstate;

typedef struct commits {
    nf_cc_lint_ctx *l;
    nf_cc_flow *f;
    uint32_t n, nw; /* variables, words per set */
    bool oom;
} commits;

static size_t state_words(const commits *c) {
    return (size_t)(c->n + 2) * c->nw;
}

static bool state_init(commits *c, cstate *s, const cstate *from) {
    s->w = malloc(state_words(c) * sizeof *s->w);
    if (!s->w) {
        c->oom = true;
        return false;
    }
    if (from)
        memcpy(s->w, from->w, state_words(c) * sizeof *s->w);
    else
        memset(s->w, 0, state_words(c) * sizeof *s->w);
    return true;
}

static void state_meet(commits *c, cstate *into, const cstate *other) {
    for (size_t i = 0; i < state_words(c); i++)
        if (i >= c->nw && i < 2 * (size_t)c->nw)
            into->w[i] |= other->w[i];
        else
            into->w[i] &= other->w[i];
}

static uint64_t *set_m(cstate *s) {
    return s->w;
}
static uint64_t *set_u(commits *c, cstate *s) {
    return s->w + c->nw;
}
static uint64_t *set_r(commits *c, cstate *s, uint32_t x) {
    return s->w + (size_t)(2 + x) * c->nw;
}
static bool has(const uint64_t *set, uint32_t i) {
    return (set[i / 64] >> (i % 64)) & 1u;
}
static void add(uint64_t *set, uint32_t i) {
    set[i / 64] |= (uint64_t)1 << (i % 64);
}
static void del(uint64_t *set, uint32_t i) {
    set[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* x's object is committed (or gone, or out of sight). */
static void committed(commits *c, cstate *s, uint32_t x) {
    del(set_m(s), x);
    del(set_u(c, s), x);
}

/* The flow variable an object-typed variable name refers to (NULL for lists and primitives). */
static nf_cc_var *object_var(commits *c, const nf_cc_sym *name) {
    nf_cc_var *v = nf_cc_lint_var(c->f, name);
    return v && v->type.kind == NF_T_OBJECT && v->index < c->n ? v : NULL;
}

static nf_cc_var *expr_var(commits *c, const nf_cc_expr *e) {
    if (!e || e->kind != NF_EX_VAR || !e->ref.var) return NULL;
    nf_cc_var *v = e->ref.var;
    return v->type.kind == NF_T_OBJECT && v->index < c->n && c->f->vars[v->index] == v ? v : NULL;
}

/* Warns when x's references include an uncommitted object. */
static void check_commit(commits *c, cstate *s, nf_cc_var *x, nf_cc_span at) {
    uint64_t *r = set_r(c, s, x->index), *u = set_u(c, s);
    for (uint32_t y = 0; y < c->n; y++) {
        if (!has(r, y) || !has(u, y) || y == x->index) continue;
        nf_cc_var *v = c->f->vars[y];
        nf_cc_report(c->l->d, NF_D_LINT_COMMIT_DANGLING, at,
                     "$%s references $%s, which this flow created and has not committed (on at "
                     "least one path): the server would receive a reference to an object it does "
                     "not have; commit $%s first",
                     x->name->s, v->name->s, v->name->s);
        nf_cc_note(c->l->d, v->span, "$%s is created here", v->name->s);
        del(u, y); /* one warning per object */
        del(set_m(s), y);
    }
}

/* create/change: the associations they set add references. */
static void object_stmt(commits *c, cstate *s, const nf_cc_stmt *st) {
    nf_cc_var *x = object_var(c, st->u.object.var);
    if (!x) return;
    uint64_t *r = set_r(c, s, x->index);
    if (st->kind == NF_ST_CREATE) {
        memset(r, 0, c->nw * sizeof *r);
        const nf_cc_entity *e = x->type.u.entity;
        if (e && e->persist == NF_PERSISTENT) {
            add(set_m(s), x->index);
            add(set_u(c, s), x->index);
        }
    }
    for (uint32_t i = 0; i < st->u.object.nassigns; i++) {
        const nf_cc_assign *a = &st->u.object.assigns[i];
        nf_cc_var *y = a->resolved.assoc ? expr_var(c, a->value) : NULL;
        if (y) add(r, y->index);
    }
    if (st->u.object.commit) {
        check_commit(c, s, x, st->span);
        committed(c, s, x->index);
    }
}

static void walk_block(commits *c, cstate *s, const nf_cc_block *b);

/* Walks b from a copy of s and meets the result into *acc (initialised on first use). */
static void branch(commits *c, const cstate *s, const nf_cc_block *b, cstate *acc, bool *first) {
    cstate t;
    if (!state_init(c, &t, s)) return;
    walk_block(c, &t, b);
    if (*first) {
        memcpy(acc->w, t.w, state_words(c) * sizeof *t.w);
        *first = false;
    } else {
        state_meet(c, acc, &t);
    }
    free(t.w);
}

/* Runs the branches (plus the fall-through path when there is no else) and meets them into s. */
static void branches(commits *c, cstate *s, const nf_cc_block *bodies, size_t stride, uint32_t n,
                     const nf_cc_block *else_body, bool has_else) {
    cstate acc;
    if (!state_init(c, &acc, s)) return;
    bool first = true;
    for (uint32_t i = 0; i < n; i++)
        branch(c, s, (const nf_cc_block *)((const char *)bodies + i * stride), &acc, &first);
    if (has_else)
        branch(c, s, else_body, &acc, &first);
    else if (!first)
        state_meet(c, &acc, s);
    if (!first) memcpy(s->w, acc.w, state_words(c) * sizeof *acc.w);
    free(acc.w);
}

static void forget_u(cstate *s, commits *c) {
    memset(s->w, 0, 2 * (size_t)c->nw * sizeof(uint64_t));
}

static void walk_stmt(commits *c, cstate *s, const nf_cc_stmt *st) {
    switch (st->kind) {
    case NF_ST_CREATE:
    case NF_ST_CHANGE: object_stmt(c, s, st); break;
    case NF_ST_COMMIT: {
        nf_cc_var *x = object_var(c, st->u.commit.var);
        if (x) {
            check_commit(c, s, x, st->span);
            committed(c, s, x->index);
        } else {
            forget_u(s, c); /* a list commit: which objects it holds is not tracked */
        }
        break;
    }
    case NF_ST_DELETE:
    case NF_ST_ROLLBACK: {
        nf_cc_var *x = object_var(c, st->u.target.var);
        /* deleting an object this flow created and never committed loses nothing */
        if (st->kind == NF_ST_DELETE && !(x && has(set_m(s), x->index)))
            nf_cc_lint_delete(c->l, c->f, st);
        if (x) committed(c, s, x->index);
        break;
    }
    case NF_ST_CALL:
        /* a sub-nanoflow may commit what it receives; actions cannot (the embedding API has no
         * commit) and microflows receive no persistable objects (NF5006) */
        if (st->u.call.kind != NF_CALL_NANOFLOW) break;
        for (uint32_t i = 0; i < st->u.call.nargs; i++) {
            const nf_cc_expr *a = st->u.call.args[i].value;
            nf_cc_var *y = expr_var(c, a);
            if (y)
                committed(c, s, y->index);
            else if (a && a->type.kind == NF_T_LIST)
                forget_u(s, c);
        }
        break;
    case NF_ST_IF:
        branches(c, s, st->u.if_.bodies, sizeof(nf_cc_block), st->u.if_.n, &st->u.if_.else_body,
                 st->u.if_.has_else);
        break;
    case NF_ST_CASE:
        branches(c, s, st->u.case_.n ? &st->u.case_.whens[0].body : NULL, sizeof(nf_cc_when),
                 st->u.case_.n, &st->u.case_.else_body, st->u.case_.has_else);
        break;
    case NF_ST_SPLIT:
        branches(c, s, st->u.split.n ? &st->u.split.whens[0].body : NULL, sizeof(nf_cc_when),
                 st->u.split.n, &st->u.split.else_body, st->u.split.has_else);
        break;
    case NF_ST_LOOP: branches(c, s, &st->u.loop.body, 0, 1, NULL, false); break;
    case NF_ST_WHILE: branches(c, s, &st->u.while_.body, 0, 1, NULL, false); break;
    case NF_ST_TRY: {
        cstate h;
        if (!state_init(c, &h, s)) return;
        walk_block(c, s, &st->u.try_.body);
        walk_block(c, &h, &st->u.try_.handler);
        state_meet(c, s, &h);
        free(h.w);
        break;
    }
    default: break;
    }
    if (st->on_error.kind != NF_H_NONE && st->on_error.body.n) {
        cstate h;
        if (!state_init(c, &h, s)) return;
        walk_block(c, &h, &st->on_error.body);
        state_meet(c, s, &h);
        free(h.w);
    }
}

static void walk_block(commits *c, cstate *s, const nf_cc_block *b) {
    for (uint32_t i = 0; i < b->n && !c->oom; i++)
        if (b->stmts[i]) walk_stmt(c, s, b->stmts[i]);
}

void nf_cc_lint_commits(nf_cc_lint_ctx *l, nf_cc_flow *f) {
    if (!f->decl) return;
    /* the state is quadratic in the variables: beyond this no variable is tracked (deletes are
     * still linted, commits are not) */
    uint32_t n = f->nvars <= 4096 ? f->nvars : 0;
    commits c = {l, f, n, n ? (n + 63) / 64 : 1, false};
    cstate s;
    if (!state_init(&c, &s, NULL)) {
        l->oom = true;
        return;
    }
    walk_block(&c, &s, &f->decl->u.flow.body);
    free(s.w);
    if (c.oom) l->oom = true;
}
