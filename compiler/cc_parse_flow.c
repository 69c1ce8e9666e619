/* cc_parse_flow.c — nanoflow and microflow bodies (reference/mdl.md §3.2).
 *
 * Every statement may be preceded by annotations and followed by `;` (optional in the baseline
 * dialect, required by the newest). Activities take an optional `on error` clause; which ones
 * are allowed where is a semantic rule (cc_rules.c), not a syntax one. */
#include <stdio.h>
#include <stdlib.h>

#include "cc_parse_internal.h"

static nf_cc_stmt *new_stmt(nf_cc_parser *p, nf_cc_stkind kind, uint32_t start) {
    nf_cc_stmt *s = nf_cc_arena_alloc_part(p->env->arena, nf_cc_stmt_size(kind), sizeof *s);
    if (!s) {
        p->oom = true;
        return NULL;
    }
    s->kind = (uint8_t)kind;
    s->span = nf_p_tok_span(p, &p->t[start]);
    return s;
}

static void finish(nf_cc_parser *p, nf_cc_stmt *s, uint32_t start) {
    if (s) s->span = nf_p_span_from(p, start);
}

/* A variable token: stores its name and span. */
static bool variable(nf_cc_parser *p, nf_cc_sym **var, nf_cc_span *span, const char *what) {
    if (!nf_p_at(p, NF_TK_VAR)) return nf_p_expected(p, what);
    *var = nf_p_tok_sym(p, nf_p_tok(p));
    *span = nf_p_span(p);
    nf_p_next(p);
    return true;
}

static nf_cc_expr *var_expr(nf_cc_parser *p, const char *what) {
    if (!nf_p_at(p, NF_TK_VAR)) {
        nf_p_expected(p, what);
        return NULL;
    }
    nf_cc_expr *e = nf_p_new_expr(p, NF_EX_VAR, nf_p_span(p));
    if (!e) return NULL;
    e->u.var = nf_p_tok_sym(p, nf_p_tok(p));
    nf_p_next(p);
    return e;
}

/* $var or $var/Member/... (targets of set, feedback, add/remove, loop sources). */
static nf_cc_expr *var_or_path(nf_cc_parser *p, const char *what) {
    nf_cc_expr *base = var_expr(p, what);
    if (!base) return NULL;
    if (!nf_p_at(p, NF_TK_SLASH) && !(nf_p_at(p, NF_TK_DOT) && nf_p_is_name(nf_p_peek(p, 1)) &&
                                      !(nf_p_tok(p)->flags & NF_TF_SPACE_BEFORE)))
        return base;
    nf_p_buf steps = {.size = sizeof(nf_cc_step)};
    while (nf_p_at(p, NF_TK_SLASH) ||
           (nf_p_at(p, NF_TK_DOT) && !(nf_p_tok(p)->flags & NF_TF_SPACE_BEFORE))) {
        nf_p_next(p);
        nf_cc_step *st = nf_p_buf_push(p, &steps);
        if (!st || !nf_p_qname(p, &st->name, "a member name")) {
            nf_p_buf_free(&steps);
            return NULL;
        }
    }
    nf_cc_expr *e = nf_p_new_expr(p, NF_EX_PATH, base->span);
    if (!e) {
        nf_p_buf_free(&steps);
        return NULL;
    }
    e->u.path.base = base;
    e->u.path.steps = nf_p_buf_take(p, &steps, &e->u.path.nsteps);
    if (e->u.path.nsteps) {
        nf_cc_span last = e->u.path.steps[e->u.path.nsteps - 1].name.span;
        e->span.len = last.off + last.len - e->span.off;
    }
    return e;
}

/* ---- shared clauses -------------------------------------------------------------------------- */

bool nf_p_args(nf_cc_parser *p, nf_cc_arg **out, uint32_t *n) {
    *out = NULL;
    *n = 0;
    if (!nf_p_expect(p, NF_TK_LPAREN, "'(' and the arguments")) return false;
    nf_p_buf args = {.size = sizeof(nf_cc_arg)};
    if (!nf_p_at(p, NF_TK_RPAREN)) {
        do {
            nf_cc_arg *a = nf_p_buf_push(p, &args);
            if (!a) goto fail;
            const nf_cc_token *t = nf_p_tok(p), *t1 = nf_p_peek(p, 1);
            bool named =
                (t->kind == NF_TK_VAR || nf_p_is_name(t)) &&
                (t1->kind == NF_TK_EQ || (t1->kind == NF_TK_COLON && t->kind != NF_TK_VAR));
            if (named) {
                a->name = nf_p_tok_sym(p, t);
                a->name_span = nf_p_span(p);
                nf_p_next(p);
                nf_p_next(p);
            } else {
                a->name_span = nf_p_span(p);
            }
            if (!(a->value = nf_p_expr(p))) goto fail;
            if (!named)
                nf_p_error(p, NF_D_POSITIONAL_ARG, a->value->span,
                           "arguments are passed by name: write Param = expression");
        } while (nf_p_accept(p, NF_TK_COMMA));
    }
    if (!nf_p_expect(p, NF_TK_RPAREN, "')' after the arguments")) goto fail;
    *out = nf_p_buf_take(p, &args, n);
    return true;
fail:
    nf_p_buf_free(&args);
    return false;
}

/* ( Member = expr, … ) of create / change. */
static bool assignments(nf_cc_parser *p, nf_cc_assign **out, uint32_t *n) {
    nf_p_buf as = {.size = sizeof(nf_cc_assign)};
    nf_p_next(p); /* ( */
    if (!nf_p_at(p, NF_TK_RPAREN)) {
        do {
            nf_cc_assign *a = nf_p_buf_push(p, &as);
            if (!a || !nf_p_qname(p, &a->member, "a member name") ||
                !nf_p_expect(p, NF_TK_EQ, "'=' after the member name") ||
                !(a->value = nf_p_expr(p)))
                goto fail;
        } while (nf_p_accept(p, NF_TK_COMMA));
    }
    if (!nf_p_expect(p, NF_TK_RPAREN, "')' after the member assignments")) goto fail;
    *out = nf_p_buf_take(p, &as, n);
    return true;
fail:
    nf_p_buf_free(&as);
    return false;
}

/* with ({1} = e, …) | objects [e, …] | parameters [e, …] */
static bool template_params(nf_cc_parser *p, nf_cc_template_param **out, uint32_t *n) {
    nf_p_buf ps = {.size = sizeof(nf_cc_template_param)};
    if (nf_p_at_kw(p, NF_KW_with) && nf_p_peek_is(p, 1, NF_TK_LPAREN)) {
        nf_p_next(p);
        nf_p_next(p);
        do {
            nf_cc_template_param *tp = nf_p_buf_push(p, &ps);
            if (!tp || !nf_p_expect(p, NF_TK_LBRACE, "'{' as in {1} = expression")) goto fail;
            if (!nf_p_at(p, NF_TK_INT)) {
                nf_p_expected(p, "a placeholder number");
                goto fail;
            }
            tp->index = (uint32_t)strtoul(p->src->text + nf_p_tok(p)->off, NULL, 10);
            nf_p_next(p);
            if (!nf_p_expect(p, NF_TK_RBRACE, "'}'") || !nf_p_expect(p, NF_TK_EQ, "'='") ||
                !(tp->value = nf_p_expr(p)))
                goto fail;
        } while (nf_p_accept(p, NF_TK_COMMA));
        if (!nf_p_expect(p, NF_TK_RPAREN, "')'")) goto fail;
    } else if ((nf_p_at_kw(p, NF_KW_objects) || nf_p_at_kw(p, NF_KW_parameters)) &&
               nf_p_peek_is(p, 1, NF_TK_LBRACKET)) {
        nf_p_next(p);
        nf_p_next(p);
        uint32_t i = 1;
        if (!nf_p_at(p, NF_TK_RBRACKET)) {
            do {
                nf_cc_template_param *tp = nf_p_buf_push(p, &ps);
                if (!tp || !(tp->value = nf_p_expr(p))) goto fail;
                tp->index = i++;
            } while (nf_p_accept(p, NF_TK_COMMA));
        }
        if (!nf_p_expect(p, NF_TK_RBRACKET, "']'")) goto fail;
    }
    *out = nf_p_buf_take(p, &ps, n);
    return true;
fail:
    nf_p_buf_free(&ps);
    return false;
}

/* A body that belongs to a compound statement: statement errors inside are already reported
 * and recovered; only the structure matters here. */
static bool sub_block(nf_cc_parser *p, nf_cc_block *b) {
    if (!nf_p_enter(p)) return false;
    bool ok = nf_p_block(p, b);
    nf_p_leave(p);
    return ok;
}

static bool handler_body(nf_cc_parser *p, nf_cc_handler *h) {
    if (nf_p_accept(p, NF_TK_LBRACE)) {
        if (!sub_block(p, &h->body)) return false;
        return nf_p_expect(p, NF_TK_RBRACE, "'}' to close the error handler");
    }
    if (nf_p_accept_kw(p, NF_KW_begin)) {
        if (!sub_block(p, &h->body)) return false;
        return nf_p_expect_kw(p, NF_KW_end) && nf_p_expect_kw(p, NF_KW_error);
    }
    return nf_p_expected(p, "'begin' or '{' to start the error handler");
}

/* on error continue | rollback | [without rollback] (begin … end error | { … }) */
static bool on_error(nf_cc_parser *p, nf_cc_stmt *s) {
    if (!(nf_p_at_kw(p, NF_KW_on) && nf_p_peek_kw(p, 1, NF_KW_error))) return true;
    uint32_t start = p->pos;
    nf_p_next(p);
    nf_p_next(p);
    nf_cc_handler *h = &s->on_error;
    bool ok = true;
    if (nf_p_accept_kw(p, NF_KW_continue))
        h->kind = NF_H_CONTINUE;
    else if (nf_p_accept_kw(p, NF_KW_rollback))
        h->kind = NF_H_ROLLBACK;
    else if (nf_p_accept_kw(p, NF_KW_without)) {
        h->kind = NF_H_CUSTOM_NO_ROLLBACK;
        ok = nf_p_expect_kw(p, NF_KW_rollback) && handler_body(p, h);
    } else {
        h->kind = NF_H_CUSTOM;
        ok = handler_body(p, h);
    }
    h->span = nf_p_span_from(p, start);
    return ok;
}

static bool sort_keys(nf_cc_parser *p, nf_cc_sortkey **out, uint32_t *n, nf_cc_tkind stop) {
    nf_p_buf ks = {.size = sizeof(nf_cc_sortkey)};
    do {
        nf_cc_sortkey *k = nf_p_buf_push(p, &ks);
        if (!k || !nf_p_qname(p, &k->attr, "an attribute to sort by")) {
            nf_p_buf_free(&ks);
            return false;
        }
        if (nf_p_accept_kw(p, NF_KW_desc))
            k->desc = true;
        else
            nf_p_accept_kw(p, NF_KW_asc);
    } while (!nf_p_at(p, stop) && nf_p_accept(p, NF_TK_COMMA));
    *out = nf_p_buf_take(p, &ks, n);
    return true;
}

/* ---- statements ---------------------------------------------------------------------------- */

static bool is_block_end(const nf_cc_parser *p) {
    const nf_cc_token *t = nf_p_tok(p);
    if (t->kind == NF_TK_EOF || t->kind == NF_TK_RBRACE) return true;
    if (t->kind != NF_TK_IDENT) return false;
    switch (t->kw) {
    case NF_KW_end:
    case NF_KW_else:
    case NF_KW_elsif:
    case NF_KW_when:
    case NF_KW_catch: return true;
    case NF_KW_case: /* legacy split-type branch: `case Module.Entity` */
        return nf_p_is_name(nf_p_peek(p, 1));
    case NF_KW_create: { /* the next top-level declaration: the body was not closed */
        const nf_cc_token *a = nf_p_peek(p, 1);
        if (a->kind != NF_TK_IDENT) return false;
        switch (a->kw) {
        case NF_KW_nanoflow:
        case NF_KW_microflow:
        case NF_KW_persistent:
        case NF_KW_entity:
        case NF_KW_association:
        case NF_KW_enumeration:
        case NF_KW_module:
        case NF_KW_or:
        case NF_KW_constant:
        case NF_KW_offline:
        case NF_KW_javascript:
        case NF_KW_lua:
        case NF_KW_java:
        case NF_KW_user:
        case NF_KW_demo:
        case NF_KW_validation: return true;
        case NF_KW_test: return !nf_p_peek_is(p, 2, NF_TK_DOT); /* not `create Test.Order` */
        default: return false;
        }
    }
    case NF_KW_grant:
    case NF_KW_revoke: return true;
    default: return false;
    }
}

bool nf_p_starts_stmt(const nf_cc_parser *p) {
    const nf_cc_token *t = nf_p_tok(p);
    if (t->kind == NF_TK_VAR || t->kind == NF_TK_AT) return true;
    if (t->kind != NF_TK_IDENT) return false;
    switch (t->kw) {
    case NF_KW_declare:
    case NF_KW_set:
    case NF_KW_create:
    case NF_KW_change:
    case NF_KW_commit:
    case NF_KW_delete:
    case NF_KW_rollback:
    case NF_KW_cast:
    case NF_KW_retrieve:
    case NF_KW_add:
    case NF_KW_remove:
    case NF_KW_clear:
    case NF_KW_if:
    case NF_KW_case:
    case NF_KW_split:
    case NF_KW_loop:
    case NF_KW_while:
    case NF_KW_break:
    case NF_KW_continue:
    case NF_KW_return:
    case NF_KW_raise:
    case NF_KW_throw:
    case NF_KW_call:
    case NF_KW_show:
    case NF_KW_hide:
    case NF_KW_close:
    case NF_KW_validation:
    case NF_KW_log:
    case NF_KW_synchronize:
    case NF_KW_download:
    case NF_KW_try:
    case NF_KW_merge:
    case NF_KW_join:
    case NF_KW_execute:
    case NF_KW_rest:
    case NF_KW_send:
    case NF_KW_import:
    case NF_KW_export:
    case NF_KW_transform:
    case NF_KW_get:
    case NF_KW_workflow:
    case NF_KW_open:
    case NF_KW_notify:
    case NF_KW_lock:
    case NF_KW_unlock:
    case NF_KW_assert:
    case NF_KW_mock:
    case NF_KW_network:
    case NF_KW_expect:
    case NF_KW_cancel: return true;
    default: return false;
    }
}

void nf_p_recover_stmt(nf_cc_parser *p) {
    int depth = 0;
    uint32_t start = p->pos;
    while (!nf_p_at(p, NF_TK_EOF)) {
        const nf_cc_token *t = nf_p_tok(p);
        if (depth == 0) {
            if (t->kind == NF_TK_SEMI) {
                nf_p_next(p);
                return;
            }
            if (p->pos > start &&
                (is_block_end(p) || ((t->flags & NF_TF_NEWLINE_BEFORE) && nf_p_starts_stmt(p))))
                return;
        }
        switch ((nf_cc_tkind)t->kind) {
        case NF_TK_LPAREN:
        case NF_TK_LBRACKET:
        case NF_TK_LBRACE: depth++; break;
        case NF_TK_RBRACE:
            if (depth == 0) return; /* closes a { … } handler: leave it to the caller */
            depth--;
            break;
        case NF_TK_RPAREN:
        case NF_TK_RBRACKET:
            if (depth > 0) depth--; /* a stray closer belongs to the broken statement */
            break;
        default: break;
        }
        nf_p_next(p);
    }
}

/* Skips to keyword kw (same statement) after a failed header, so the body still parses. */
static bool skip_to_kw(nf_cc_parser *p, nf_cc_kw kw) {
    int depth = 0;
    while (!nf_p_at(p, NF_TK_EOF)) {
        const nf_cc_token *t = nf_p_tok(p);
        if (depth == 0 && t->kind == NF_TK_IDENT && t->kw == kw) return true;
        if (depth == 0 && (t->kind == NF_TK_SEMI || is_block_end(p))) return false;
        if (t->kind == NF_TK_LPAREN || t->kind == NF_TK_LBRACKET) depth++;
        if ((t->kind == NF_TK_RPAREN || t->kind == NF_TK_RBRACKET) && depth > 0) depth--;
        nf_p_next(p);
    }
    return false;
}

static bool end_kw(nf_cc_parser *p, nf_cc_kw kw) {
    if (!nf_p_at_kw(p, NF_KW_end)) {
        char what[48];
        snprintf(what, sizeof what, "'end %s'", nf_cc_keyword_text(kw));
        return nf_p_expected(p, what);
    }
    nf_p_next(p);
    return nf_p_expect_kw(p, kw);
}

/* Parses a header expression; on failure skips to `kw` so the body still parses. */
static nf_cc_expr *header_expr(nf_cc_parser *p, nf_cc_kw kw) {
    nf_cc_expr *e = nf_p_expr(p);
    if (!e || !nf_p_at_kw(p, kw)) {
        if (e) nf_p_expect_kw(p, kw);
        if (!skip_to_kw(p, kw)) return NULL;
        p->failed = false;
    }
    nf_p_next(p);
    return e;
}

static nf_cc_stmt *stmt_if(nf_cc_parser *p, uint32_t start) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_IF, start);
    if (!s) return NULL;
    nf_p_next(p); /* if */
    nf_p_buf conds = {.size = sizeof(nf_cc_expr *)}, bodies = {.size = sizeof(nf_cc_block)};
    for (;;) {
        nf_cc_expr *c = header_expr(p, NF_KW_then);
        nf_cc_expr **cs = nf_p_buf_push(p, &conds);
        nf_cc_block *b = nf_p_buf_push(p, &bodies);
        if (!cs || !b) goto fail;
        *cs = c;
        if (p->failed && !c) goto fail;
        if (!sub_block(p, b)) goto fail;
        nf_p_skip_annotations(p);
        if (nf_p_accept_kw(p, NF_KW_elsif)) continue;
        break;
    }
    if (nf_p_accept_kw(p, NF_KW_else)) {
        s->u.if_.has_else = true;
        if (!sub_block(p, &s->u.if_.else_body)) goto fail;
    }
    if (!end_kw(p, NF_KW_if)) goto fail;
    uint32_t nb;
    s->u.if_.conds = nf_p_buf_take(p, &conds, &s->u.if_.n);
    s->u.if_.bodies = nf_p_buf_take(p, &bodies, &nb);
    finish(p, s, start);
    return s;
fail:
    nf_p_buf_free(&conds);
    nf_p_buf_free(&bodies);
    return NULL;
}

/* when V[, V] then body … — enumeration values or (empty); `typed` for split type entities. */
static bool whens(nf_cc_parser *p, nf_cc_when **out, uint32_t *n, bool typed,
                  nf_cc_block *else_body, bool *has_else) {
    nf_p_buf ws = {.size = sizeof(nf_cc_when)};
    for (;;) {
        nf_p_skip_annotations(p);
        uint32_t wstart = p->pos;
        bool legacy_case = typed && nf_p_at_kw(p, NF_KW_case);
        if (!nf_p_at_kw(p, NF_KW_when) && !legacy_case) break;
        nf_p_next(p);
        nf_cc_when *w = nf_p_buf_push(p, &ws);
        if (!w) goto fail;
        nf_p_buf vals = {.size = sizeof(nf_cc_qname)}, empties = {.size = sizeof(bool)};
        do {
            nf_cc_qname *q = nf_p_buf_push(p, &vals);
            bool *e = nf_p_buf_push(p, &empties);
            if (!q || !e) goto fail_vals;
            if (nf_p_at(p, NF_TK_LPAREN) && nf_p_peek_kw(p, 1, NF_KW_empty)) {
                q->span = nf_p_span(p);
                nf_p_next(p);
                nf_p_next(p);
                if (!nf_p_expect(p, NF_TK_RPAREN, "')'")) goto fail_vals;
                *e = true;
            } else if (!nf_p_qname(p, q, typed ? "an entity name" : "an enumeration value")) {
                goto fail_vals;
            }
        } while (nf_p_accept(p, NF_TK_COMMA));
        if (!legacy_case && !nf_p_expect_kw(p, NF_KW_then)) goto fail_vals;
        uint32_t ne;
        w->values = nf_p_buf_take(p, &vals, &w->nvalues);
        w->is_empty = nf_p_buf_take(p, &empties, &ne);
        w->span = nf_p_span_from(p, wstart);
        if (!sub_block(p, &w->body)) goto fail;
        continue;
    fail_vals:
        nf_p_buf_free(&vals);
        nf_p_buf_free(&empties);
        goto fail;
    }
    if (nf_p_accept_kw(p, NF_KW_else)) {
        *has_else = true;
        if (!sub_block(p, else_body)) goto fail;
    }
    *out = nf_p_buf_take(p, &ws, n);
    return true;
fail:
    nf_p_buf_free(&ws);
    return false;
}

static nf_cc_stmt *stmt_case(nf_cc_parser *p, uint32_t start) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_CASE, start);
    if (!s) return NULL;
    nf_p_next(p); /* case */
    if (!(s->u.case_.subject = var_or_path(p, "the variable to decide on"))) return NULL;
    if (!whens(p, &s->u.case_.whens, &s->u.case_.n, false, &s->u.case_.else_body,
               &s->u.case_.has_else) ||
        !end_kw(p, NF_KW_case))
        return NULL;
    finish(p, s, start);
    return s;
}

static nf_cc_stmt *stmt_split(nf_cc_parser *p, uint32_t start) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_SPLIT, start);
    if (!s) return NULL;
    nf_p_next(p); /* split */
    if (!nf_p_expect_kw(p, NF_KW_type) ||
        !variable(p, &s->u.split.var, &s->u.split.var_span, "the object to split on"))
        return NULL;
    if (!whens(p, &s->u.split.whens, &s->u.split.n, true, &s->u.split.else_body,
               &s->u.split.has_else) ||
        !end_kw(p, NF_KW_split))
        return NULL;
    finish(p, s, start);
    return s;
}

static nf_cc_stmt *stmt_loop(nf_cc_parser *p, uint32_t start) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_LOOP, start);
    if (!s) return NULL;
    nf_p_next(p); /* loop */
    bool ok = variable(p, &s->u.loop.var, &s->u.loop.var_span, "the loop variable") &&
              nf_p_expect_kw(p, NF_KW_in) &&
              (s->u.loop.source = var_or_path(p, "the list to loop over")) != NULL;
    if (!ok || !nf_p_at_kw(p, NF_KW_begin)) {
        if (ok) nf_p_expect_kw(p, NF_KW_begin);
        if (!skip_to_kw(p, NF_KW_begin)) return NULL;
        p->failed = false;
    }
    nf_p_next(p); /* begin */
    if (!sub_block(p, &s->u.loop.body) || !end_kw(p, NF_KW_loop)) return NULL;
    finish(p, s, start);
    return ok ? s : NULL;
}

static nf_cc_stmt *stmt_while(nf_cc_parser *p, uint32_t start) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_WHILE, start);
    if (!s) return NULL;
    nf_p_next(p); /* while */
    s->u.while_.cond = nf_p_expr(p);
    if (!s->u.while_.cond) {
        skip_to_kw(p, NF_KW_begin);
        p->failed = false;
    }
    nf_p_accept_kw(p, NF_KW_begin); /* optional in the baseline dialect */
    if (!sub_block(p, &s->u.while_.body) || !nf_p_expect_kw(p, NF_KW_end)) return NULL;
    nf_p_accept_kw(p, NF_KW_while);
    finish(p, s, start);
    return s->u.while_.cond ? s : NULL;
}

static nf_cc_stmt *stmt_try(nf_cc_parser *p, uint32_t start) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_TRY, start);
    if (!s) return NULL;
    nf_p_next(p); /* try */
    if (!sub_block(p, &s->u.try_.body) || !nf_p_expect_kw(p, NF_KW_catch) ||
        !sub_block(p, &s->u.try_.handler) || !end_kw(p, NF_KW_try))
        return NULL;
    finish(p, s, start);
    return s;
}

/* The `commit` option of create/change, as opposed to a `commit $X` activity that follows on
 * the next line in the `;`-less dialect: the activity always names a variable. */
static bool commit_modifier(nf_cc_parser *p) {
    if (!nf_p_at_kw(p, NF_KW_commit) || nf_p_peek_is(p, 1, NF_TK_VAR)) return false;
    nf_p_next(p);
    return true;
}

/* create Type (…) [commit [without events]] [refresh] — `var` may be NULL. */
static nf_cc_stmt *stmt_create(nf_cc_parser *p, uint32_t start, nf_cc_sym *var, nf_cc_span vspan) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_CREATE, start);
    if (!s) return NULL;
    s->u.object.var = var;
    s->u.object.var_span = vspan;
    nf_p_next(p); /* create */
    if (!nf_p_typeref(p, &s->u.object.type)) return NULL;
    if (nf_p_at(p, NF_TK_LPAREN) && !assignments(p, &s->u.object.assigns, &s->u.object.nassigns))
        return NULL;
    if (commit_modifier(p)) {
        s->u.object.commit = true;
        if (nf_p_accept_kw(p, NF_KW_without)) {
            if (!nf_p_expect_kw(p, NF_KW_events)) return NULL;
            s->u.object.without_events = true;
        }
    }
    s->u.object.refresh = nf_p_accept_kw(p, NF_KW_refresh);
    return s;
}

static nf_cc_stmt *stmt_change(nf_cc_parser *p, uint32_t start) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_CHANGE, start);
    if (!s) return NULL;
    nf_p_next(p); /* change */
    if (!variable(p, &s->u.object.var, &s->u.object.var_span, "the object to change")) return NULL;
    if (nf_p_at(p, NF_TK_LPAREN) && !assignments(p, &s->u.object.assigns, &s->u.object.nassigns))
        return NULL;
    if (commit_modifier(p)) {
        s->u.object.commit = true;
        if (nf_p_accept_kw(p, NF_KW_without)) {
            if (!nf_p_expect_kw(p, NF_KW_events)) return NULL;
            s->u.object.without_events = true;
        }
    }
    s->u.object.refresh = nf_p_accept_kw(p, NF_KW_refresh);
    return s;
}

static nf_cc_stmt *stmt_retrieve(nf_cc_parser *p, uint32_t start) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_RETRIEVE, start);
    if (!s) return NULL;
    nf_p_next(p); /* retrieve */
    if (!variable(p, &s->u.retrieve.var, &s->u.retrieve.var_span, "the result variable") ||
        !nf_p_expect_kw(p, NF_KW_from))
        return NULL;
    if (nf_p_at(p, NF_TK_VAR)) {
        if (!(s->u.retrieve.assoc = var_or_path(p, "an object and association"))) return NULL;
        if (s->u.retrieve.assoc->kind != NF_EX_PATH) {
            nf_p_error(p, NF_D_SYNTAX, s->u.retrieve.assoc->span,
                       "retrieve from a variable needs an association: $Object/Module.Association "
                       "(use find or filter for lists)");
            return NULL;
        }
    } else if (nf_p_at(p, NF_TK_LPAREN) || nf_p_at_kw(p, NF_KW_database)) {
        nf_p_error(
            p, NF_D_OQL_EXPRESSION, nf_p_span(p),
            "OQL and external database retrieves are not supported; retrieve from an entity");
        return NULL;
    } else if (!nf_p_qname(p, &s->u.retrieve.entity, "an entity or $object/association")) {
        return NULL;
    }
    if (nf_p_accept_kw(p, NF_KW_where)) {
        if (nf_p_at(p, NF_TK_LBRACKET)) {
            s->u.retrieve.where = nf_p_xpath_chain(p);
            s->u.retrieve.where_is_xpath = true;
        } else {
            s->u.retrieve.where = nf_p_xpath_bare(p);
        }
        if (!s->u.retrieve.where) return NULL;
    }
    if (nf_p_at_kw(p, NF_KW_sort) && nf_p_peek_kw(p, 1, NF_KW_by)) {
        nf_p_next(p);
        nf_p_next(p);
        if (!sort_keys(p, &s->u.retrieve.sort, &s->u.retrieve.nsort, NF_TK_EOF)) return NULL;
    }
    for (;;) {
        if (nf_p_accept_kw(p, NF_KW_first))
            s->u.retrieve.first = true;
        else if (nf_p_accept_kw(p, NF_KW_limit)) {
            if (!(s->u.retrieve.limit = nf_p_expr(p))) return NULL;
        } else if (nf_p_accept_kw(p, NF_KW_offset)) {
            if (!(s->u.retrieve.offset = nf_p_expr(p))) return NULL;
        } else
            break;
    }
    nf_cc_expr *lim = s->u.retrieve.limit;
    if (p->mdl_version == 0 && lim && !s->u.retrieve.offset && lim->kind == NF_EX_INT &&
        lim->u.lit.len == 1 && lim->u.lit.text[0] == '1')
        s->u.retrieve.limit_one_object = true;
    return s;
}

static bool list_var(nf_cc_parser *p, nf_cc_expr **out, const char *what) {
    if (nf_p_at(p, NF_TK_IDENT) && nf_p_peek_is(p, 1, NF_TK_LPAREN) && !p->failed) {
        nf_p_error(p, NF_D_SYNTAX, nf_p_span(p),
                   "list operations and aggregates take a list variable and cannot be nested: "
                   "assign the inner operation to a variable first");
        return false;
    }
    return (*out = var_expr(p, what)) != NULL;
}

static bool is_listop_kw(nf_cc_kw k) {
    switch (k) {
    case NF_KW_head:
    case NF_KW_tail:
    case NF_KW_find:
    case NF_KW_filter:
    case NF_KW_sort:
    case NF_KW_union:
    case NF_KW_intersect:
    case NF_KW_subtract:
    case NF_KW_contains:
    case NF_KW_equals:
    case NF_KW_range: return true;
    default: return false;
    }
}

static bool is_aggregate_kw(nf_cc_kw k) {
    switch (k) {
    case NF_KW_count:
    case NF_KW_sum:
    case NF_KW_average:
    case NF_KW_minimum:
    case NF_KW_maximum:
    case NF_KW_all:
    case NF_KW_any:
    case NF_KW_reduce: return true;
    default: return false;
    }
}

/* $v = head $L | tail $L | find $L by M = v | find $L where e | filter … | sort $L by A desc
 *    | union $A with $B | intersect $A with $B | subtract $B from $A | contains $o in $L
 *    | equals $A and $B | range $L offset n limit m — and the call forms head($L), …
 * (find( and contains( call forms are string functions unless sema finds a list: cc_sema_flow.c) */
static nf_cc_stmt *stmt_listop(nf_cc_parser *p, uint32_t start, nf_cc_sym *var, nf_cc_span vspan) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_LISTOP, start);
    if (!s) return NULL;
    s->u.listop.var = var;
    s->u.listop.var_span = vspan;
    nf_cc_kw k = (nf_cc_kw)nf_p_tok(p)->kw;
    nf_p_next(p);
    bool call_form = nf_p_accept(p, NF_TK_LPAREN);
    struct nf_cc_st_listop *o = &s->u.listop;
    switch (k) {
    case NF_KW_head: o->op = NF_LO_HEAD; break;
    case NF_KW_tail: o->op = NF_LO_TAIL; break;
    case NF_KW_find: o->op = NF_LO_FIND; break;
    case NF_KW_filter: o->op = NF_LO_FILTER; break;
    case NF_KW_sort: o->op = NF_LO_SORT; break;
    case NF_KW_union: o->op = NF_LO_UNION; break;
    case NF_KW_intersect: o->op = NF_LO_INTERSECT; break;
    case NF_KW_subtract: o->op = NF_LO_SUBTRACT; break;
    case NF_KW_contains: o->op = NF_LO_CONTAINS; break;
    case NF_KW_equals: o->op = NF_LO_EQUALS; break;
    default: o->op = NF_LO_RANGE; break;
    }
    if (call_form) {
        if (!list_var(p, &o->list, "a list variable")) return NULL;
        switch (o->op) {
        case NF_LO_HEAD:
        case NF_LO_TAIL: break;
        case NF_LO_FIND:
        case NF_LO_FILTER:
            if (!nf_p_expect(p, NF_TK_COMMA, "','") || !(o->cond = nf_p_expr(p))) return NULL;
            break;
        case NF_LO_SORT:
            if (!nf_p_expect(p, NF_TK_COMMA, "','") ||
                !sort_keys(p, &o->sort, &o->nsort, NF_TK_RPAREN))
                return NULL;
            break;
        case NF_LO_RANGE:
            if (nf_p_accept(p, NF_TK_COMMA)) {
                if (!(o->offset = nf_p_expr(p))) return NULL;
                if (nf_p_accept(p, NF_TK_COMMA) && !(o->limit = nf_p_expr(p))) return NULL;
            }
            break;
        case NF_LO_CONTAINS: /* contains($List, $Object) */
            if (!nf_p_expect(p, NF_TK_COMMA, "','") || !(o->other = nf_p_expr(p))) return NULL;
            break;
        default:
            if (!nf_p_expect(p, NF_TK_COMMA, "','") || !list_var(p, &o->other, "a list variable"))
                return NULL;
            break;
        }
        if (!nf_p_expect(p, NF_TK_RPAREN, "')'")) return NULL;
        return s;
    }
    switch (o->op) {
    case NF_LO_HEAD:
    case NF_LO_TAIL:
        if (!list_var(p, &o->list, "a list variable")) return NULL;
        break;
    case NF_LO_FIND:
    case NF_LO_FILTER:
        if (!list_var(p, &o->list, "a list variable")) return NULL;
        if (nf_p_accept_kw(p, NF_KW_by)) { /* by Member = value */
            o->op = o->op == NF_LO_FIND ? NF_LO_FIND_BY : NF_LO_FILTER_BY;
            if (!nf_p_qname(p, &o->by_member, "a member name") ||
                !nf_p_expect(p, NF_TK_EQ, "'=' after the member") || !(o->by_value = nf_p_expr(p)))
                return NULL;
        } else if (!nf_p_expect_kw(p, NF_KW_where) || !(o->cond = nf_p_expr(p))) {
            return NULL;
        }
        break;
    case NF_LO_SORT:
        if (!list_var(p, &o->list, "a list variable") || !nf_p_expect_kw(p, NF_KW_by) ||
            !sort_keys(p, &o->sort, &o->nsort, NF_TK_EOF))
            return NULL;
        break;
    case NF_LO_UNION:
    case NF_LO_INTERSECT:
        if (!list_var(p, &o->list, "a list variable") || !nf_p_expect_kw(p, NF_KW_with) ||
            !list_var(p, &o->other, "a list variable"))
            return NULL;
        break;
    case NF_LO_SUBTRACT: /* subtract $B from $A = A minus B */
        if (!list_var(p, &o->other, "a list variable") || !nf_p_expect_kw(p, NF_KW_from) ||
            !list_var(p, &o->list, "a list variable"))
            return NULL;
        break;
    case NF_LO_CONTAINS: /* contains $o in $L */
        if (!(o->other = var_expr(p, "an object or list")) || !nf_p_expect_kw(p, NF_KW_in) ||
            !list_var(p, &o->list, "a list variable"))
            return NULL;
        break;
    case NF_LO_EQUALS:
        if (!list_var(p, &o->list, "a list variable") || !nf_p_expect_kw(p, NF_KW_and) ||
            !list_var(p, &o->other, "a list variable"))
            return NULL;
        break;
    default: /* range $L offset n limit m */
        if (!list_var(p, &o->list, "a list variable")) return NULL;
        if (nf_p_accept_kw(p, NF_KW_offset) && !(o->offset = nf_p_expr(p))) return NULL;
        if (nf_p_accept_kw(p, NF_KW_limit) && !(o->limit = nf_p_expr(p))) return NULL;
        break;
    }
    return s;
}

/* $v = count $L | sum $L by A | sum $L of e | all $L where e | reduce $L from i as T using e
 *    and call forms count($L), sum($L.A), sum($L, e), all($L, e),
 *    reduce($L, e, initial: i, returns: T) */
static nf_cc_stmt *stmt_aggregate(nf_cc_parser *p, uint32_t start, nf_cc_sym *var,
                                  nf_cc_span vspan) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_AGGREGATE, start);
    if (!s) return NULL;
    struct nf_cc_st_aggregate *a = &s->u.aggregate;
    a->var = var;
    a->var_span = vspan;
    nf_cc_kw k = (nf_cc_kw)nf_p_tok(p)->kw;
    nf_p_next(p);
    switch (k) {
    case NF_KW_count: a->op = NF_AG_COUNT; break;
    case NF_KW_sum: a->op = NF_AG_SUM; break;
    case NF_KW_average: a->op = NF_AG_AVERAGE; break;
    case NF_KW_minimum: a->op = NF_AG_MINIMUM; break;
    case NF_KW_maximum: a->op = NF_AG_MAXIMUM; break;
    case NF_KW_all: a->op = NF_AG_ALL; break;
    case NF_KW_any: a->op = NF_AG_ANY; break;
    default: a->op = NF_AG_REDUCE; break;
    }
    if (nf_p_accept(p, NF_TK_LPAREN)) {
        if (!list_var(p, &a->list, "a list variable")) return NULL;
        if (nf_p_at(p, NF_TK_DOT) && a->op != NF_AG_COUNT) { /* sum($List.Attr) */
            nf_p_next(p);
            if (!nf_p_qname(p, &a->attr, "an attribute name")) return NULL;
            a->has_attr = true;
        } else if (a->op != NF_AG_COUNT) {
            if (!nf_p_expect(p, NF_TK_COMMA, "','") || !(a->expr = nf_p_expr(p))) return NULL;
            if (a->op == NF_AG_REDUCE) {
                if (!nf_p_expect(p, NF_TK_COMMA, "','") || !nf_p_expect_kw(p, NF_KW_initial) ||
                    !nf_p_expect(p, NF_TK_COLON, "':'") || !(a->initial = nf_p_expr(p)) ||
                    !nf_p_expect(p, NF_TK_COMMA, "','") || !nf_p_expect_kw(p, NF_KW_returns) ||
                    !nf_p_expect(p, NF_TK_COLON, "':'") || !nf_p_typeref(p, &a->type))
                    return NULL;
            }
        }
        if (!nf_p_expect(p, NF_TK_RPAREN, "')'")) return NULL;
        return s;
    }
    if (!list_var(p, &a->list, "a list variable")) return NULL;
    switch (a->op) {
    case NF_AG_COUNT: break;
    case NF_AG_ALL:
    case NF_AG_ANY:
        if (!nf_p_expect_kw(p, NF_KW_where) || !(a->expr = nf_p_expr(p))) return NULL;
        break;
    case NF_AG_REDUCE:
        if (!nf_p_expect_kw(p, NF_KW_from) || !(a->initial = nf_p_expr(p)) ||
            !nf_p_expect_kw(p, NF_KW_as) || !nf_p_typeref(p, &a->type) ||
            !nf_p_expect_kw(p, NF_KW_using) || !(a->expr = nf_p_expr(p)))
            return NULL;
        break;
    default:
        if (nf_p_accept_kw(p, NF_KW_by)) {
            if (!nf_p_qname(p, &a->attr, "an attribute name")) return NULL;
            a->has_attr = true;
        } else if (!nf_p_expect_kw(p, NF_KW_of) || !(a->expr = nf_p_expr(p))) {
            return NULL;
        }
        break;
    }
    return s;
}

/* call microflow|nanoflow|javascript action|java action|lua action M.X(args) */
static nf_cc_stmt *stmt_call(nf_cc_parser *p, uint32_t start, nf_cc_sym *var, nf_cc_span vspan);

/* Server-side actions Mendix forbids in nanoflows and the nanoflow runtime does not execute:
 * kept as one node naming the action; the rest of the statement is skipped. */
static nf_cc_stmt *stmt_forbidden(nf_cc_parser *p, uint32_t start, nf_cc_sym *var,
                                  const char *what) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_FORBIDDEN, start);
    if (!s) return NULL;
    s->u.forbidden.what = what;
    s->u.forbidden.var = var;
    int depth = 0;
    while (!nf_p_at(p, NF_TK_EOF)) {
        const nf_cc_token *t = nf_p_tok(p);
        if (depth == 0) {
            if (t->kind == NF_TK_SEMI || is_block_end(p)) break;
            if (t->kind == NF_TK_IDENT && t->kw == NF_KW_on && nf_p_peek_kw(p, 1, NF_KW_error))
                break;
            if (p->pos > start + 2 && (t->flags & NF_TF_NEWLINE_BEFORE) && nf_p_starts_stmt(p))
                break;
        }
        if (t->kind == NF_TK_LPAREN || t->kind == NF_TK_LBRACKET || t->kind == NF_TK_LBRACE)
            depth++;
        if ((t->kind == NF_TK_RPAREN || t->kind == NF_TK_RBRACKET || t->kind == NF_TK_RBRACE) &&
            depth > 0)
            depth--;
        nf_p_next(p);
    }
    s->span = nf_p_span_from(p, start);
    return s;
}

/* Recognises the server-only statements by their leading words; NULL when not one. */
static const char *forbidden_kind(const nf_cc_parser *p) {
    const nf_cc_token *t = nf_p_tok(p);
    if (t->kind != NF_TK_IDENT) return NULL;
    switch (t->kw) {
    case NF_KW_execute: return "execute database query";
    case NF_KW_rest: return "call rest service";
    case NF_KW_send: return "send rest request";
    case NF_KW_import: return "import from mapping";
    case NF_KW_export: return "export to mapping";
    case NF_KW_transform: return "transform";
    case NF_KW_get: return "workflow action";
    case NF_KW_workflow: return "workflow action";
    case NF_KW_open: return nf_p_peek_kw(p, 1, NF_KW_page) ? NULL : "workflow action";
    case NF_KW_notify:
    case NF_KW_lock:
    case NF_KW_unlock: return "workflow action";
    case NF_KW_set: return nf_p_peek_kw(p, 1, NF_KW_task) ? "workflow action" : NULL;
    case NF_KW_download: return "download file";
    case NF_KW_call:
        if (nf_p_peek_kw(p, 1, NF_KW_external)) return "call external action";
        if (nf_p_peek_kw(p, 1, NF_KW_web)) return "call web service";
        if (nf_p_peek_kw(p, 1, NF_KW_workflow)) return "workflow action";
        if (nf_p_peek_kw(p, 1, NF_KW_rest)) return "call rest service";
        return NULL;
    default: return NULL;
    }
}

static nf_cc_stmt *stmt_call(nf_cc_parser *p, uint32_t start, nf_cc_sym *var, nf_cc_span vspan) {
    const char *fk = forbidden_kind(p);
    if (fk) return stmt_forbidden(p, start, var, fk);
    nf_cc_stmt *s = new_stmt(p, NF_ST_CALL, start);
    if (!s) return NULL;
    s->u.call.var = var;
    s->u.call.var_span = vspan;
    nf_p_next(p); /* call */
    if (nf_p_accept_kw(p, NF_KW_microflow))
        s->u.call.kind = NF_CALL_MICROFLOW;
    else if (nf_p_accept_kw(p, NF_KW_nanoflow))
        s->u.call.kind = NF_CALL_NANOFLOW;
    else if (nf_p_accept_kw(p, NF_KW_javascript)) {
        s->u.call.kind = NF_CALL_JAVASCRIPT;
        if (!nf_p_expect_kw(p, NF_KW_action)) return NULL;
    } else if (nf_p_accept_kw(p, NF_KW_java)) {
        s->u.call.kind = NF_CALL_JAVA;
        if (!nf_p_expect_kw(p, NF_KW_action)) return NULL;
    } else if (nf_p_accept_kw(p, NF_KW_lua)) {
        s->u.call.kind = NF_CALL_LUA;
        if (!nf_p_expect_kw(p, NF_KW_action)) return NULL;
    } else {
        nf_p_expected(p, "microflow, nanoflow, javascript action or lua action after 'call'");
        return NULL;
    }
    if (!nf_p_qname(p, &s->u.call.name, "the name to call")) return NULL;
    if (nf_p_at(p, NF_TK_LPAREN)) {
        if (!nf_p_args(p, &s->u.call.args, &s->u.call.nargs)) return NULL;
    } else {
        nf_p_expected(p, "'(' and the arguments (write () when there are none)");
        return NULL;
    }
    if (nf_p_at_kw(p, NF_KW_in) && nf_p_peek_kw(p, 1, NF_KW_queue)) {
        nf_p_next(p);
        nf_p_next(p);
        nf_cc_qname q;
        if (!nf_p_qname(p, &q, "a task queue name")) return NULL;
        s->u.call.in_queue = true;
    }
    return s;
}

static nf_cc_stmt *stmt_show(nf_cc_parser *p, uint32_t start) {
    if (nf_p_peek_kw(p, 1, NF_KW_home)) {
        nf_cc_stmt *s = new_stmt(p, NF_ST_FORBIDDEN, start);
        if (!s) return NULL;
        s->u.forbidden.what = "show home page";
        nf_p_next(p);
        nf_p_next(p);
        if (!nf_p_expect_kw(p, NF_KW_page)) return NULL;
        return s;
    }
    if (nf_p_peek_kw(p, 1, NF_KW_page)) {
        nf_cc_stmt *s = new_stmt(p, NF_ST_SHOW_PAGE, start);
        if (!s) return NULL;
        nf_p_next(p);
        nf_p_next(p);
        if (!nf_p_qname(p, &s->u.show_page.page, "a page name")) return NULL;
        if (nf_p_at(p, NF_TK_LPAREN) && !nf_p_args(p, &s->u.show_page.args, &s->u.show_page.nargs))
            return NULL;
        if (nf_p_accept_kw(p, NF_KW_for)) {
            nf_cc_expr *v = var_expr(p, "the page object");
            if (!v) return NULL;
            if (!s->u.show_page.nargs) { /* `for $Obj` passes the page's object */
                nf_cc_arg *a = nf_p_alloc(p, sizeof *a);
                if (!a) return NULL;
                a->value = v;
                a->name_span = v->span;
                s->u.show_page.args = a;
                s->u.show_page.nargs = 1;
            }
        }
        if (nf_p_at_kw(p, NF_KW_with) && nf_p_peek_is(p, 1, NF_TK_LPAREN)) {
            nf_p_next(p);
            nf_p_skip_group(p); /* widget property overrides: no effect headless */
        }
        /* extension: title and close pages in either order */
        for (int k = 0; k < 2; k++) {
            if (nf_p_accept_kw(p, NF_KW_title) && !(s->u.show_page.title = nf_p_expr(p)))
                return NULL;
            if (nf_p_at_kw(p, NF_KW_close) && nf_p_peek_kw(p, 1, NF_KW_pages)) {
                nf_p_next(p);
                nf_p_next(p);
                if (nf_p_accept_kw(p, NF_KW_all)) {
                    s->u.show_page.close_kind = 2;
                } else if (nf_p_accept_kw(p, NF_KW_clear)) {
                    if (!nf_p_expect_kw(p, NF_KW_history)) return NULL;
                    s->u.show_page.close_kind = 3;
                } else {
                    s->u.show_page.close_kind = 1;
                    if (!(s->u.show_page.close_count = nf_p_expr(p))) return NULL;
                }
            }
        }
        return s;
    }
    if (nf_p_peek_kw(p, 1, NF_KW_progress)) { /* extension */
        nf_cc_stmt *s = new_stmt(p, NF_ST_PROGRESS, start);
        if (!s) return NULL;
        nf_p_next(p);
        nf_p_next(p);
        s->u.progress.show = true;
        if (!nf_p_at(p, NF_TK_SEMI) && !nf_p_at_kw(p, NF_KW_blocking) && !is_block_end(p) &&
            !((nf_p_tok(p)->flags & NF_TF_NEWLINE_BEFORE) && nf_p_starts_stmt(p) &&
              !nf_p_at(p, NF_TK_VAR)) &&
            !(s->u.progress.text = nf_p_expr(p)))
            return NULL;
        s->u.progress.blocking = nf_p_accept_kw(p, NF_KW_blocking);
        return s;
    }
    if (nf_p_peek_kw(p, 1, NF_KW_message)) {
        nf_cc_stmt *s = new_stmt(p, NF_ST_SHOW_MESSAGE, start);
        if (!s) return NULL;
        nf_p_next(p);
        nf_p_next(p);
        if (!(s->u.message.text = nf_p_expr(p))) return NULL;
        if (nf_p_accept_kw(p, NF_KW_type) &&
            !nf_p_name(p, &s->u.message.type_name, &s->u.message.type_span,
                       "Information, Warning or Error"))
            return NULL;
        if (!template_params(p, &s->u.message.params, &s->u.message.nparams)) return NULL;
        s->u.message.blocking = nf_p_accept_kw(p, NF_KW_blocking);
        return s;
    }
    nf_p_expected(p, "'page', 'message', 'progress' or 'home page' after 'show'");
    return NULL;
}

static nf_cc_stmt *stmt_log(nf_cc_parser *p, uint32_t start) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_LOG, start);
    if (!s) return NULL;
    nf_p_next(p); /* log */
    s->u.log.level = NF_LOG_INFO;
    switch (nf_p_tok(p)->kind == NF_TK_IDENT ? nf_p_tok(p)->kw : NF_KW_NONE) {
    case NF_KW_trace:
        s->u.log.level = NF_LOG_TRACE;
        nf_p_next(p);
        break;
    case NF_KW_debug:
        s->u.log.level = NF_LOG_DEBUG;
        nf_p_next(p);
        break;
    case NF_KW_info:
        s->u.log.level = NF_LOG_INFO;
        nf_p_next(p);
        break;
    case NF_KW_warning:
        s->u.log.level = NF_LOG_WARNING;
        nf_p_next(p);
        break;
    case NF_KW_error:
        if (!nf_p_peek_kw(p, 1, NF_KW_on)) {
            s->u.log.level = NF_LOG_ERROR;
            nf_p_next(p);
        }
        break;
    case NF_KW_critical:
        s->u.log.level = NF_LOG_CRITICAL;
        nf_p_next(p);
        break;
    default: break;
    }
    if (nf_p_accept_kw(p, NF_KW_node) && !(s->u.log.node = nf_p_expr(p))) return NULL;
    if (!(s->u.log.text = nf_p_expr(p))) return NULL;
    if (!template_params(p, &s->u.log.params, &s->u.log.nparams)) return NULL;
    return s;
}

static nf_cc_stmt *stmt_sync(nf_cc_parser *p, uint32_t start) {
    nf_cc_stmt *s = new_stmt(p, NF_ST_SYNC, start);
    if (!s) return NULL;
    nf_p_next(p); /* synchronize */
    if (nf_p_accept_kw(p, NF_KW_all))
        s->u.sync.mode = NF_SYNC_ALL;
    else if (nf_p_accept_kw(p, NF_KW_unsynchronized))
        s->u.sync.mode = NF_SYNC_UNSYNCHRONIZED;
    else if (nf_p_at(p, NF_TK_VAR)) {
        s->u.sync.mode = NF_SYNC_OBJECTS;
        nf_p_buf objs = {.size = sizeof(nf_cc_expr *)};
        do {
            nf_cc_expr **slot = nf_p_buf_push(p, &objs);
            if (!slot || !(*slot = var_expr(p, "an object or list variable"))) {
                nf_p_buf_free(&objs);
                return NULL;
            }
        } while (nf_p_accept(p, NF_TK_COMMA));
        s->u.sync.objects = nf_p_buf_take(p, &objs, &s->u.sync.nobjects);
    } else {
        nf_p_expected(p, "'all', 'unsynchronized' or the objects to synchronize");
        return NULL;
    }
    return s;
}

/* $v = … : everything that assigns a new or existing variable. */
static nf_cc_stmt *stmt_assign(nf_cc_parser *p, uint32_t start) {
    const nf_cc_token *t1 = nf_p_peek(p, 1);
    bool assigns_var = t1->kind == NF_TK_EQ;
    if (!assigns_var) { /* $v/Attr = e or $list.Attr: set */
        nf_cc_stmt *s = new_stmt(p, NF_ST_SET, start);
        if (!s || !(s->u.set.target = var_or_path(p, "a variable")) ||
            !nf_p_expect(p, NF_TK_EQ, "'=' to assign a value") || !(s->u.set.value = nf_p_expr(p)))
            return NULL;
        return s;
    }
    nf_cc_sym *var = nf_p_tok_sym(p, nf_p_tok(p));
    nf_cc_span vspan = nf_p_span(p);
    nf_p_next(p);
    nf_p_next(p); /* = */
    const nf_cc_token *t = nf_p_tok(p);
    const nf_cc_token *n1 = nf_p_peek(p, 1);
    nf_cc_kw kw = t->kind == NF_TK_IDENT ? (nf_cc_kw)t->kw : NF_KW_NONE;
    if (kw == NF_KW_create && nf_p_peek_kw(p, 1, NF_KW_list) && nf_p_peek_kw(p, 2, NF_KW_of)) {
        nf_cc_stmt *s = new_stmt(p, NF_ST_CREATE_LIST, start);
        if (!s) return NULL;
        s->u.create_list.var = var;
        s->u.create_list.var_span = vspan;
        nf_p_next(p);
        nf_p_next(p);
        nf_p_next(p);
        if (!nf_p_qname(p, &s->u.create_list.entity, "an entity name")) return NULL;
        return s;
    }
    if (kw == NF_KW_create) return stmt_create(p, start, var, vspan);
    if (kw == NF_KW_call) return stmt_call(p, start, var, vspan);
    if (kw == NF_KW_cast && n1->kind == NF_TK_VAR) {
        nf_cc_stmt *s = new_stmt(p, NF_ST_CAST, start);
        if (!s) return NULL;
        s->u.cast.var = var;
        s->u.cast.var_span = vspan;
        nf_p_next(p);
        if (!variable(p, &s->u.cast.src, &s->u.cast.src_span, "the object to cast")) return NULL;
        return s;
    }
    bool keyword_form = n1->kind == NF_TK_VAR;
    bool call_form = n1->kind == NF_TK_LPAREN;
    if (is_listop_kw(kw) &&
        (keyword_form || (call_form && kw != NF_KW_find && kw != NF_KW_contains)))
        return stmt_listop(p, start, var, vspan);
    if (is_aggregate_kw(kw) && (keyword_form || call_form))
        return stmt_aggregate(p, start, var, vspan);
    const char *fk = forbidden_kind(p);
    if (fk) return stmt_forbidden(p, start, var, fk);
    nf_cc_stmt *s = new_stmt(p, NF_ST_SET, start);
    if (!s) return NULL;
    nf_cc_expr *target = nf_p_new_expr(p, NF_EX_VAR, vspan);
    if (!target) return NULL;
    target->u.var = var;
    s->u.set.target = target;
    if (!(s->u.set.value = nf_p_expr(p))) return NULL;
    return s;
}

/* One statement, without annotations and the trailing ';'. NULL after a syntax error. */
static nf_cc_stmt *statement(nf_cc_parser *p) {
    uint32_t start = p->pos;
    const nf_cc_token *t = nf_p_tok(p);
    nf_cc_stmt *s = NULL;
    bool activity = true; /* takes `on error` */
    if (t->kind == NF_TK_VAR) {
        s = stmt_assign(p, start);
    } else if (t->kind != NF_TK_IDENT) {
        nf_p_expected(p, "a statement");
        return NULL;
    } else {
        const char *fk = forbidden_kind(p);
        if (fk) {
            s = stmt_forbidden(p, start, NULL, fk);
        } else
            switch ((nf_cc_kw)t->kw) {
            case NF_KW_declare: {
                s = new_stmt(p, NF_ST_DECLARE, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!variable(p, &s->u.declare.var, &s->u.declare.var_span, "a variable name"))
                    return NULL;
                nf_p_accept(p, NF_TK_COLON);
                if (!nf_p_typeref(p, &s->u.declare.type)) return NULL;
                if (nf_p_accept(p, NF_TK_EQ) && !(s->u.declare.init = nf_p_expr(p))) return NULL;
                break;
            }
            case NF_KW_set:
                nf_p_next(p);
                if (!nf_p_at(p, NF_TK_VAR)) {
                    nf_p_expected(p, "a variable after 'set'");
                    return NULL;
                }
                s = stmt_assign(p, p->pos);
                if (s) s->span = nf_p_tok_span(p, &p->t[start]);
                break;
            case NF_KW_create: s = stmt_create(p, start, NULL, (nf_cc_span){0, 0, 0}); break;
            case NF_KW_change: s = stmt_change(p, start); break;
            case NF_KW_commit:
                s = new_stmt(p, NF_ST_COMMIT, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!variable(p, &s->u.commit.var, &s->u.commit.var_span,
                              "the object or list to commit"))
                    return NULL;
                if (nf_p_accept_kw(p, NF_KW_with)) {
                    if (!nf_p_expect_kw(p, NF_KW_events)) return NULL;
                    s->u.commit.with_events = true;
                } else if (nf_p_accept_kw(p, NF_KW_without)) {
                    if (!nf_p_expect_kw(p, NF_KW_events)) return NULL;
                    s->u.commit.without_events = true;
                }
                s->u.commit.refresh = nf_p_accept_kw(p, NF_KW_refresh);
                break;
            case NF_KW_delete:
            case NF_KW_rollback:
                s = new_stmt(p, t->kw == NF_KW_delete ? NF_ST_DELETE : NF_ST_ROLLBACK, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!variable(p, &s->u.target.var, &s->u.target.var_span,
                              "an object or list variable"))
                    return NULL;
                s->u.target.refresh = nf_p_accept_kw(p, NF_KW_refresh);
                break;
            case NF_KW_cast:
                s = new_stmt(p, NF_ST_CAST, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!variable(p, &s->u.cast.src, &s->u.cast.src_span, "the object to cast"))
                    return NULL;
                break;
            case NF_KW_retrieve: s = stmt_retrieve(p, start); break;
            case NF_KW_add:
            case NF_KW_remove: {
                bool add = t->kw == NF_KW_add;
                s = new_stmt(p, add ? NF_ST_ADD : NF_ST_REMOVE, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!(s->u.change_list.item = nf_p_expr(p)) ||
                    !nf_p_expect_kw(p, add ? NF_KW_to : NF_KW_from) ||
                    !(s->u.change_list.list = var_or_path(p, "a list or $object/association")))
                    return NULL;
                break;
            }
            case NF_KW_clear:
                if (nf_p_peek_kw(p, 1, NF_KW_from) && nf_p_peek_kw(p, 2, NF_KW_device)) {
                    s = new_stmt(p, NF_ST_CLEAR_DEVICE, start);
                    if (!s) return NULL;
                    nf_p_next(p);
                    nf_p_next(p);
                    nf_p_next(p);
                    if (!nf_p_qname(p, &s->u.clear_device.entity, "an entity name")) return NULL;
                    break;
                }
                s = new_stmt(p, NF_ST_CLEAR, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!variable(p, &s->u.target.var, &s->u.target.var_span, "a list variable"))
                    return NULL;
                break;
            case NF_KW_if:
                activity = false;
                s = stmt_if(p, start);
                break;
            case NF_KW_case:
                activity = false;
                s = stmt_case(p, start);
                break;
            case NF_KW_split:
                activity = false;
                s = stmt_split(p, start);
                break;
            case NF_KW_loop:
                activity = false;
                s = stmt_loop(p, start);
                break;
            case NF_KW_while:
                activity = false;
                s = stmt_while(p, start);
                break;
            case NF_KW_try:
                activity = false;
                s = stmt_try(p, start);
                break;
            case NF_KW_break:
            case NF_KW_continue:
                activity = false;
                s = new_stmt(p, t->kw == NF_KW_break ? NF_ST_BREAK : NF_ST_CONTINUE, start);
                nf_p_next(p);
                break;
            case NF_KW_return:
                activity = false;
                s = new_stmt(p, NF_ST_RETURN, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!nf_p_at(p, NF_TK_SEMI) && !is_block_end(p) &&
                    !((nf_p_tok(p)->flags & NF_TF_NEWLINE_BEFORE) && nf_p_starts_stmt(p) &&
                      !nf_p_at(p, NF_TK_VAR)) &&
                    !(s->u.ret.value = nf_p_expr(p)))
                    return NULL;
                break;
            case NF_KW_raise:
                activity = false;
                s = new_stmt(p, NF_ST_RAISE, start);
                nf_p_next(p);
                if (!nf_p_expect_kw(p, NF_KW_error)) return NULL;
                break;
            case NF_KW_throw:
                activity = false;
                s = new_stmt(p, NF_ST_THROW, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!(s->u.ret.value = nf_p_expr(p))) return NULL;
                break;
            case NF_KW_call: s = stmt_call(p, start, NULL, (nf_cc_span){0, 0, 0}); break;
            case NF_KW_show: s = stmt_show(p, start); break;
            case NF_KW_close:
                s = new_stmt(p, NF_ST_CLOSE_PAGE, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!nf_p_accept_kw(p, NF_KW_pages) && !nf_p_expect_kw(p, NF_KW_page)) return NULL;
                /* extension: close page[s] all | COUNT */
                if (nf_p_accept_kw(p, NF_KW_all))
                    s->u.close_page.kind = 2;
                else if (!nf_p_at(p, NF_TK_SEMI) && !is_block_end(p) && !nf_p_at_kw(p, NF_KW_on) &&
                         !((nf_p_tok(p)->flags & NF_TF_NEWLINE_BEFORE) && nf_p_starts_stmt(p))) {
                    s->u.close_page.kind = 1;
                    if (!(s->u.close_page.count = nf_p_expr(p))) return NULL;
                }
                break;
            case NF_KW_hide:
                if (!nf_p_peek_kw(p, 1, NF_KW_progress)) {
                    nf_p_expected(p, "'progress' after 'hide'");
                    return NULL;
                }
                s = new_stmt(p, NF_ST_PROGRESS, start);
                if (!s) return NULL;
                nf_p_next(p);
                nf_p_next(p);
                break;
            case NF_KW_validation:
                s = new_stmt(p, NF_ST_FEEDBACK, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!nf_p_expect_kw(p, NF_KW_feedback) ||
                    !(s->u.feedback.target = var_or_path(p, "the object or $object/member")) ||
                    !nf_p_expect_kw(p, NF_KW_message) || !(s->u.feedback.text = nf_p_expr(p)) ||
                    !template_params(p, &s->u.feedback.params, &s->u.feedback.nparams))
                    return NULL;
                break;
            case NF_KW_log: s = stmt_log(p, start); break;
            case NF_KW_synchronize: s = stmt_sync(p, start); break;
            case NF_KW_cancel:
                s = new_stmt(p, NF_ST_CANCEL_SYNC, start);
                nf_p_next(p);
                if (!nf_p_expect_kw(p, NF_KW_synchronization)) return NULL;
                break;
            case NF_KW_merge:
            case NF_KW_join:
                activity = false;
                s = new_stmt(p, t->kw == NF_KW_merge ? NF_ST_MERGE : NF_ST_JOIN, start);
                if (!s) return NULL;
                nf_p_next(p);
                if (!nf_p_name(p, &s->u.label.label, NULL, "a label name")) return NULL;
                break;
            case NF_KW_assert:
            case NF_KW_mock:
            case NF_KW_network:
            case NF_KW_expect: s = nf_p_test_stmt(p, start); break;
            default: nf_p_expected(p, "a statement"); return NULL;
            }
    }
    if (!s) return NULL;
    if (activity && !on_error(p, s)) return NULL;
    finish(p, s, start);
    if (p->failed) return NULL;
    return s;
}

/* After a syntax error in `declare $v …`, `$v = …` or `retrieve $v …`: a placeholder that keeps
 * $v defined, so later uses of it are not reported as unknown. */
static nf_cc_stmt *broken_stmt(nf_cc_parser *p, uint32_t at) {
    const nf_cc_token *t0 = &p->t[at], *t1 = at + 1 < p->n ? &p->t[at + 1] : t0;
    const nf_cc_token *var = NULL;
    if (t0->kind == NF_TK_VAR && t1->kind == NF_TK_EQ)
        var = t0;
    else if (t0->kind == NF_TK_IDENT && (t0->kw == NF_KW_declare || t0->kw == NF_KW_retrieve) &&
             t1->kind == NF_TK_VAR)
        var = t1;
    if (!var) return NULL;
    nf_cc_stmt *s = new_stmt(p, NF_ST_BROKEN, at);
    if (s) s->u.forbidden.var = nf_p_tok_sym(p, var);
    return s;
}

bool nf_p_block(nf_cc_parser *p, nf_cc_block *out) {
    nf_p_buf stmts = {.size = sizeof(nf_cc_stmt *)};
    uint32_t start = p->pos;
    for (;;) {
        while (nf_p_accept(p, NF_TK_SEMI)) {
        }
        nf_p_skip_annotations(p);
        if (is_block_end(p) || p->oom) break;
        uint32_t at = p->pos;
        p->failed = false;
        nf_cc_stmt *s = statement(p);
        if (!s) {
            nf_cc_stmt *broken = broken_stmt(p, at);
            if (p->pos == at) nf_p_next(p);
            nf_p_recover_stmt(p);
            p->failed = false;
            if (broken) {
                nf_cc_stmt **slot = nf_p_buf_push(p, &stmts);
                if (slot) *slot = broken;
            }
            continue;
        }
        nf_cc_stmt **slot = nf_p_buf_push(p, &stmts);
        if (!slot) break;
        *slot = s;
        /* `;` ends a statement; newest MDL requires it, the baseline dialect does not */
        if (!nf_p_accept(p, NF_TK_SEMI) && !is_block_end(p) &&
            !(nf_p_tok(p)->flags & NF_TF_NEWLINE_BEFORE) && !nf_p_at(p, NF_TK_AT)) {
            nf_p_expected(p, "';' or a line break after the statement");
            nf_p_recover_stmt(p);
            p->failed = false;
        }
    }
    out->stmts = nf_p_buf_take(p, &stmts, &out->n);
    out->span = nf_p_span_from(p, start);
    return !p->oom;
}
