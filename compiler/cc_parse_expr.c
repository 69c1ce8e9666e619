/* cc_parse_expr.c — Mendix expressions and XPath constraints.
 *
 * Expression precedence, lowest first (mendix-semantics §6.2):
 *     if-then-else  <  or  <  and  <  not  <  = != < <= > >=  <  + -  <  * div : mod  <  unary -
 *     <  path (/) and primary
 * `not(x)` is a function call, as Mendix writes it; a bare `not x` is accepted as a prefix.
 * `/` is a path separator (`$Order/Sales.Order_Customer/Name`), never division.
 *
 * XPath (mendix-semantics §8) has its own small grammar: member paths relative to the
 * retrieved entity, `[ … ]` groups and sub-constraints, hyphenated functions (starts-with),
 * and tokens bare or quoted ('[%CurrentUser%]'). */
#include <stdio.h>
#include <stdlib.h>

#include "cc_parse_internal.h"

nf_cc_expr *nf_p_new_expr(nf_cc_parser *p, nf_cc_exkind kind, nf_cc_span span) {
    nf_cc_expr *e = nf_cc_arena_alloc_part(p->env->arena, nf_cc_expr_size(kind), sizeof *e);
    if (!e) {
        p->oom = true;
        return NULL;
    }
    e->kind = (uint8_t)kind;
    e->span = span;
    return e;
}

static nf_cc_span join(nf_cc_span a, nf_cc_span b) {
    uint32_t end = b.off + b.len;
    return (nf_cc_span){a.file, a.off, end > a.off ? end - a.off : a.len};
}

static nf_cc_expr *binary(nf_cc_parser *p, nf_cc_op op, nf_cc_expr *a, nf_cc_expr *b) {
    if (!a || !b) return NULL;
    nf_cc_expr *e = nf_p_new_expr(p, NF_EX_BINARY, join(a->span, b->span));
    if (!e) return NULL;
    e->op = (uint8_t)op;
    e->u.bin.a = a;
    e->u.bin.b = b;
    return e;
}

static nf_cc_expr *literal(nf_cc_parser *p, nf_cc_exkind kind) {
    const nf_cc_token *t = nf_p_tok(p);
    nf_cc_expr *e = nf_p_new_expr(p, kind, nf_p_span(p));
    if (!e) return NULL;
    if (kind == NF_EX_STRING) {
        e->u.str.s = nf_p_string(p, t, &e->u.str.len);
    } else {
        e->u.lit.text = p->src->text + t->off;
        e->u.lit.len = t->len;
    }
    nf_p_next(p);
    return e;
}

/* Arguments of a function call, after the '(' has been consumed. */
static bool call_args(nf_cc_parser *p, nf_cc_expr *call, nf_cc_expr *(*arg)(nf_cc_parser *)) {
    nf_p_buf args = {.size = sizeof(nf_cc_expr *)};
    if (!nf_p_at(p, NF_TK_RPAREN)) {
        do {
            nf_cc_expr *a = arg(p);
            if (!a) {
                nf_p_buf_free(&args);
                return false;
            }
            nf_cc_expr **slot = nf_p_buf_push(p, &args);
            if (!slot) {
                nf_p_buf_free(&args);
                return false;
            }
            *slot = a;
        } while (nf_p_accept(p, NF_TK_COMMA));
    }
    if (!nf_p_expect(p, NF_TK_RPAREN, "')' after the arguments")) {
        nf_p_buf_free(&args);
        return false;
    }
    call->u.call.args = nf_p_buf_take(p, &args, &call->u.call.nargs);
    return true;
}

/* Path steps after a base: /Name or /Module.Assoc, repeated. */
static nf_cc_expr *path_steps(nf_cc_parser *p, nf_cc_expr *base) {
    nf_p_buf steps = {.size = sizeof(nf_cc_step)};
    while (nf_p_at(p, NF_TK_SLASH)) {
        if (!nf_p_is_name(nf_p_peek(p, 1))) {
            nf_p_buf_free(&steps);
            nf_p_error(p, NF_D_SLASH_DIVISION, nf_p_span(p),
                       "'/' is a path separator, not division: write div or ':'");
            return NULL;
        }
        nf_p_next(p);
        nf_cc_step *st = nf_p_buf_push(p, &steps);
        if (!st || !nf_p_qname(p, &st->name, "a member name")) {
            nf_p_buf_free(&steps);
            return NULL;
        }
    }
    if (steps.n == 0) return base;
    nf_cc_expr *e = nf_p_new_expr(p, NF_EX_PATH, base->span);
    if (!e) {
        nf_p_buf_free(&steps);
        return NULL;
    }
    e->u.path.base = base;
    e->u.path.steps = nf_p_buf_take(p, &steps, &e->u.path.nsteps);
    if (e->u.path.nsteps)
        e->span = join(base->span, e->u.path.steps[e->u.path.nsteps - 1].name.span);
    return e;
}

static bool oql_word(const nf_cc_parser *p) {
    if (nf_p_at_kw(p, NF_KW_is) || nf_p_at_kw(p, NF_KW_in) || nf_p_at_kw(p, NF_KW_between))
        return true;
    const nf_cc_token *t = nf_p_tok(p);
    return t->kind == NF_TK_IDENT && t->len == 4 &&
           (strncmp(p->src->text + t->off, "like", 4) == 0 ||
            strncmp(p->src->text + t->off, "LIKE", 4) == 0);
}

static nf_cc_expr *expr_or(nf_cc_parser *p);

/* After rejecting an OQL `case when … then … end`, skips to its `end` so that `when` and
 * `end` are not mistaken for the end of the enclosing block. */
static void skip_oql_case(nf_cc_parser *p) {
    int depth = 0;
    while (!nf_p_at(p, NF_TK_EOF) && !nf_p_at(p, NF_TK_SEMI)) {
        if (nf_p_at_kw(p, NF_KW_case)) depth++;
        if (nf_p_at_kw(p, NF_KW_end) && --depth == 0) {
            nf_p_next(p);
            return;
        }
        nf_p_next(p);
    }
}

static nf_cc_expr *primary(nf_cc_parser *p) {
    const nf_cc_token *t = nf_p_tok(p);
    uint32_t start = p->pos;
    switch ((nf_cc_tkind)t->kind) {
    case NF_TK_INT: return literal(p, NF_EX_INT);
    case NF_TK_DECIMAL: return literal(p, NF_EX_DECIMAL);
    case NF_TK_STRING: return literal(p, NF_EX_STRING);
    case NF_TK_MXTOKEN: {
        nf_cc_expr *e = nf_p_new_expr(p, NF_EX_MXTOKEN, nf_p_span(p));
        if (e) e->u.var = nf_p_tok_sym(p, t);
        nf_p_next(p);
        return e;
    }
    case NF_TK_VAR: {
        nf_cc_expr *e = nf_p_new_expr(p, NF_EX_VAR, nf_p_span(p));
        if (!e) return NULL;
        e->u.var = nf_p_tok_sym(p, t);
        nf_p_next(p);
        /* $List.Attr — only directly adjacent, as aggregates write it */
        if (nf_p_at(p, NF_TK_DOT) && !(nf_p_tok(p)->flags & NF_TF_SPACE_BEFORE) &&
            nf_p_is_name(nf_p_peek(p, 1))) {
            nf_p_next(p);
            nf_cc_expr *la = nf_p_new_expr(p, NF_EX_LISTATTR, e->span);
            if (!la) return NULL;
            la->u.listattr.list = e->u.var;
            if (!nf_p_qname(p, &la->u.listattr.attr, "an attribute name")) return NULL;
            la->span = nf_p_span_from(p, start);
            return la;
        }
        return path_steps(p, e);
    }
    case NF_TK_AT: { /* @Module.Constant */
        nf_p_next(p);
        nf_cc_expr *e = nf_p_new_expr(p, NF_EX_CONSTANT, nf_p_span(p));
        if (!e || !nf_p_qname(p, &e->u.qname, "a constant name after '@'")) return NULL;
        e->span = nf_p_span_from(p, start);
        return e;
    }
    case NF_TK_LPAREN: {
        nf_p_next(p);
        nf_cc_expr *e = nf_p_expr(p);
        if (!e || !nf_p_expect(p, NF_TK_RPAREN, "')'")) return NULL;
        e->in_parens = true;
        return e;
    }
    case NF_TK_IDENT:
    case NF_TK_QIDENT: {
        if (t->kind == NF_TK_IDENT) {
            switch (t->kw) {
            case NF_KW_true:
            case NF_KW_false: {
                nf_cc_expr *e = nf_p_new_expr(p, NF_EX_BOOL, nf_p_span(p));
                if (!e) return NULL;
                e->u.b = t->kw == NF_KW_true;
                nf_p_next(p);
                if (nf_p_at(p, NF_TK_LPAREN) && nf_p_peek_is(p, 1, NF_TK_RPAREN)) { /* true() */
                    nf_p_next(p);
                    nf_p_next(p);
                }
                return e;
            }
            case NF_KW_empty:
            case NF_KW_null: {
                nf_cc_expr *e = nf_p_new_expr(p, NF_EX_EMPTY, nf_p_span(p));
                nf_p_next(p);
                return e;
            }
            case NF_KW_if: {
                nf_p_next(p);
                nf_cc_expr *e = nf_p_new_expr(p, NF_EX_IF, nf_p_span(p));
                if (!e) return NULL;
                if (!(e->u.cond.c = nf_p_expr(p)) || !nf_p_expect_kw(p, NF_KW_then) ||
                    !(e->u.cond.t = nf_p_expr(p)) || !nf_p_expect_kw(p, NF_KW_else) ||
                    !(e->u.cond.e = nf_p_expr(p)))
                    return NULL;
                e->span = join(p->t[start].kind ? nf_p_tok_span(p, &p->t[start]) : e->span,
                               e->u.cond.e->span);
                return e;
            }
            case NF_KW_case:
            case NF_KW_exists:
            case NF_KW_cast:
                if (t->kw != NF_KW_cast || nf_p_peek_is(p, 1, NF_TK_LPAREN)) {
                    nf_p_error(p, NF_D_OQL_EXPRESSION, nf_p_span(p),
                               "'%.*s' is OQL, not a Mendix expression; use if … then … else",
                               (int)t->len, p->src->text + t->off);
                    if (t->kw == NF_KW_case) skip_oql_case(p);
                    return NULL;
                }
                break;
            default: break;
            }
        }
        nf_cc_qname name;
        if (!nf_p_qname(p, &name, "an expression")) return NULL;
        if (nf_p_at(p, NF_TK_LPAREN)) {
            nf_p_next(p);
            nf_cc_expr *e = nf_p_new_expr(p, NF_EX_CALL, name.span);
            if (!e) return NULL;
            e->u.call.name = name;
            if (!nf_p_enter(p)) return NULL;
            bool ok = call_args(p, e, nf_p_expr);
            nf_p_leave(p);
            if (!ok) return NULL;
            e->span = nf_p_span_from(p, start);
            return e;
        }
        nf_cc_expr *e = nf_p_new_expr(p, NF_EX_QNAME, name.span);
        if (e) e->u.qname = name;
        return e;
    }
    case NF_TK_SLASH:
        nf_p_error(p, NF_D_SLASH_DIVISION, nf_p_span(p),
                   "'/' is a path separator, not division: write div or ':'");
        return NULL;
    default: break;
    }
    nf_p_expected(p, "an expression");
    return NULL;
}

static nf_cc_expr *postfix(nf_cc_parser *p) {
    nf_cc_expr *e = primary(p);
    if (e && nf_p_at(p, NF_TK_SLASH)) {
        if (e->kind == NF_EX_PATH || e->kind == NF_EX_VAR) return path_steps(p, e);
        nf_p_error(p, NF_D_SLASH_DIVISION, nf_p_span(p),
                   "'/' is a path separator, not division: write div or ':'");
        return NULL;
    }
    return e;
}

static nf_cc_expr *unary(nf_cc_parser *p) {
    if (nf_p_at(p, NF_TK_MINUS)) {
        nf_cc_span sp = nf_p_span(p);
        nf_p_next(p);
        if (!nf_p_enter(p)) return NULL;
        nf_cc_expr *a = unary(p);
        nf_p_leave(p);
        if (!a) return NULL;
        nf_cc_expr *e = nf_p_new_expr(p, NF_EX_UNARY, join(sp, a->span));
        if (!e) return NULL;
        e->op = NF_OP_NEG;
        e->u.bin.a = a;
        return e;
    }
    if (nf_p_at(p, NF_TK_PLUS)) {
        nf_p_expected(p, "an expression (Mendix has no unary '+')");
        return NULL;
    }
    return postfix(p);
}

static nf_cc_expr *mul(nf_cc_parser *p) {
    nf_cc_expr *a = unary(p);
    for (;;) {
        nf_cc_op op;
        if (nf_p_at(p, NF_TK_STAR))
            op = NF_OP_MUL;
        else if (nf_p_at(p, NF_TK_COLON) || nf_p_at_kw(p, NF_KW_div))
            op = NF_OP_DIV;
        else if (nf_p_at_kw(p, NF_KW_mod))
            op = NF_OP_MOD;
        else if (nf_p_at(p, NF_TK_PERCENT)) {
            nf_p_error(p, NF_D_SYNTAX, nf_p_span(p), "'%%' is not a Mendix operator: write mod");
            return NULL;
        } else
            return a;
        if (!a) return NULL;
        nf_p_next(p);
        a = binary(p, op, a, unary(p));
    }
}

static nf_cc_expr *add(nf_cc_parser *p) {
    nf_cc_expr *a = mul(p);
    while (a && (nf_p_at(p, NF_TK_PLUS) || nf_p_at(p, NF_TK_MINUS))) {
        nf_cc_op op = nf_p_at(p, NF_TK_PLUS) ? NF_OP_ADD : NF_OP_SUB;
        nf_p_next(p);
        a = binary(p, op, a, mul(p));
    }
    return a;
}

static bool cmp_op(const nf_cc_parser *p, nf_cc_op *op) {
    switch (nf_p_kind(p)) {
    case NF_TK_EQ: *op = NF_OP_EQ; return true;
    case NF_TK_NE: *op = NF_OP_NE; return true;
    case NF_TK_LT: *op = NF_OP_LT; return true;
    case NF_TK_LE: *op = NF_OP_LE; return true;
    case NF_TK_GT: *op = NF_OP_GT; return true;
    case NF_TK_GE: *op = NF_OP_GE; return true;
    default: return false;
    }
}

static nf_cc_expr *cmp(nf_cc_parser *p) {
    nf_cc_expr *a = add(p);
    nf_cc_op op;
    while (a && cmp_op(p, &op)) {
        nf_p_next(p);
        a = binary(p, op, a, add(p));
    }
    if (a && oql_word(p)) {
        const nf_cc_token *t = nf_p_tok(p);
        nf_p_error(p, NF_D_OQL_EXPRESSION, nf_p_span(p),
                   "'%.*s' is OQL, not a Mendix expression; compare with = empty or use functions",
                   (int)t->len, p->src->text + t->off);
        return NULL;
    }
    return a;
}

static nf_cc_expr *expr_not(nf_cc_parser *p) {
    if (nf_p_at_kw(p, NF_KW_not) && !nf_p_peek_is(p, 1, NF_TK_LPAREN)) {
        nf_cc_span sp = nf_p_span(p);
        nf_p_next(p);
        if (!nf_p_enter(p)) return NULL;
        nf_cc_expr *a = expr_not(p);
        nf_p_leave(p);
        if (!a) return NULL;
        nf_cc_expr *e = nf_p_new_expr(p, NF_EX_UNARY, join(sp, a->span));
        if (!e) return NULL;
        e->op = NF_OP_NOT;
        e->u.bin.a = a;
        return e;
    }
    return cmp(p);
}

static nf_cc_expr *expr_and(nf_cc_parser *p) {
    nf_cc_expr *a = expr_not(p);
    while (a && nf_p_at_kw(p, NF_KW_and)) {
        nf_p_next(p);
        a = binary(p, NF_OP_AND, a, expr_not(p));
    }
    return a;
}

static nf_cc_expr *expr_or(nf_cc_parser *p) {
    nf_cc_expr *a = expr_and(p);
    while (a && nf_p_at_kw(p, NF_KW_or)) {
        nf_p_next(p);
        a = binary(p, NF_OP_OR, a, expr_and(p));
    }
    return a;
}

nf_cc_expr *nf_p_expr(nf_cc_parser *p) {
    if (!nf_p_enter(p)) return NULL;
    nf_cc_expr *e = expr_or(p);
    nf_p_leave(p);
    return e;
}

/* ---- XPath ----------------------------------------------------------------------------------- */

static nf_cc_expr *xp_or(nf_cc_parser *p);

/* Tokens in quotes ('[%CurrentUser%]', '[%BeginOfCurrentDay%] - 3 * [%YearLength%]') are parsed
 * from the string's own text. */
static bool string_holds_token(const nf_cc_parser *p, const nf_cc_token *t) {
    const char *s = p->src->text + t->off;
    uint32_t i = 0;
    while (i < t->len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i + 1 < t->len && s[i] == '[' && s[i + 1] == '%';
}

static nf_cc_expr *xp_add(nf_cc_parser *p);

/* Runs fn over the tokens of [start, end) of the current source, then restores the parser. */
static nf_cc_expr *sub_parse(nf_cc_parser *p, uint32_t start, uint32_t end, bool doubled,
                             nf_cc_expr *(*fn)(nf_cc_parser *), const char *what) {
    nf_cc_tokens toks;
    if (!nf_cc_lex_range(p->env->keywords, p->src, p->file, start, end, doubled, &toks,
                         p->env->diags)) {
        nf_cc_tokens_free(&toks);
        p->oom = true;
        return NULL;
    }
    const nf_cc_token *saved_t = p->t;
    uint32_t saved_n = p->n, saved_pos = p->pos;
    bool saved_doubled = p->quote_doubled;
    p->t = toks.t;
    p->n = toks.n;
    p->pos = 0;
    p->quote_doubled = doubled;
    nf_cc_expr *e = fn(p);
    if (e && !nf_p_at(p, NF_TK_EOF)) {
        nf_p_expected(p, what);
        e = NULL;
    }
    p->t = saved_t;
    p->n = saved_n;
    p->pos = saved_pos;
    p->quote_doubled = saved_doubled;
    nf_cc_tokens_free(&toks);
    return e;
}

static nf_cc_expr *xp_path(nf_cc_parser *p) {
    nf_p_buf steps = {.size = sizeof(nf_cc_step)};
    uint32_t start = p->pos;
    do {
        nf_cc_step *st = nf_p_buf_push(p, &steps);
        if (!st || !nf_p_qname(p, &st->name, "an attribute or association")) goto fail;
        if (nf_p_at(p, NF_TK_LBRACKET)) { /* Assoc/Entity[sub-constraint] */
            nf_p_next(p);
            if (!nf_p_enter(p)) goto fail;
            st->filter = xp_or(p);
            nf_p_leave(p);
            if (!st->filter || !nf_p_expect(p, NF_TK_RBRACKET, "']'")) goto fail;
        }
    } while (nf_p_at(p, NF_TK_SLASH) && nf_p_is_name(nf_p_peek(p, 1)) && (nf_p_next(p), true));
    nf_cc_expr *e = nf_p_new_expr(p, NF_EX_XPATH_PATH, nf_p_span_from(p, start));
    if (!e) goto fail;
    e->u.xpath.steps = nf_p_buf_take(p, &steps, &e->u.xpath.nsteps);
    e->span = nf_p_span_from(p, start);
    return e;
fail:
    nf_p_buf_free(&steps);
    return NULL;
}

/* starts-with, string-length, year-from-dateTime: words joined by '-' with no spaces. */
static bool hyphenated_call(const nf_cc_parser *p, uint32_t *ntoks) {
    uint32_t k = 0;
    if (nf_p_tok(p)->kind != NF_TK_IDENT) return false;
    for (;;) {
        const nf_cc_token *dash = nf_p_peek(p, k + 1), *word = nf_p_peek(p, k + 2);
        if (dash->kind == NF_TK_MINUS && !(dash->flags & NF_TF_SPACE_BEFORE) &&
            word->kind == NF_TK_IDENT && !(word->flags & NF_TF_SPACE_BEFORE))
            k += 2;
        else
            break;
    }
    if (!nf_p_peek_is(p, k + 1, NF_TK_LPAREN)) return false;
    *ntoks = k + 1;
    return true;
}

static nf_cc_expr *xp_primary(nf_cc_parser *p) {
    const nf_cc_token *t = nf_p_tok(p);
    uint32_t start = p->pos;
    switch ((nf_cc_tkind)t->kind) {
    case NF_TK_INT: return literal(p, NF_EX_INT);
    case NF_TK_DECIMAL: return literal(p, NF_EX_DECIMAL);
    case NF_TK_STRING:
        if (string_holds_token(p, t)) {
            nf_p_next(p);
            return sub_parse(p, t->off, t->off + t->len, false, xp_add, "end of the quoted token");
        }
        return literal(p, NF_EX_STRING);
    case NF_TK_MXTOKEN: {
        nf_cc_expr *e = nf_p_new_expr(p, NF_EX_MXTOKEN, nf_p_span(p));
        if (e) e->u.var = nf_p_tok_sym(p, t);
        nf_p_next(p);
        return e;
    }
    case NF_TK_VAR: {
        nf_cc_expr *e = nf_p_new_expr(p, NF_EX_VAR, nf_p_span(p));
        if (!e) return NULL;
        e->u.var = nf_p_tok_sym(p, t);
        nf_p_next(p);
        return path_steps(p, e);
    }
    case NF_TK_LPAREN: {
        nf_p_next(p);
        if (!nf_p_enter(p)) return NULL;
        nf_cc_expr *e = xp_or(p);
        nf_p_leave(p);
        if (!e || !nf_p_expect(p, NF_TK_RPAREN, "')'")) return NULL;
        e->in_parens = true;
        return e;
    }
    case NF_TK_IDENT:
    case NF_TK_QIDENT: {
        uint32_t ntoks;
        if (t->kind == NF_TK_IDENT && (t->kw == NF_KW_empty || t->kw == NF_KW_null)) {
            nf_cc_expr *e = nf_p_new_expr(p, NF_EX_EMPTY, nf_p_span(p));
            nf_p_next(p);
            return e;
        }
        if (t->kind == NF_TK_IDENT && (t->kw == NF_KW_true || t->kw == NF_KW_false) &&
            !(nf_p_peek_is(p, 1, NF_TK_SLASH))) {
            nf_cc_expr *e = nf_p_new_expr(p, NF_EX_BOOL, nf_p_span(p));
            if (!e) return NULL;
            e->u.b = t->kw == NF_KW_true;
            nf_p_next(p);
            if (nf_p_at(p, NF_TK_LPAREN) && nf_p_peek_is(p, 1, NF_TK_RPAREN)) {
                nf_p_next(p);
                nf_p_next(p);
            }
            return e;
        }
        if (hyphenated_call(p, &ntoks)) {
            const nf_cc_token *last = nf_p_peek(p, ntoks - 1);
            nf_cc_expr *e = nf_p_new_expr(p, NF_EX_CALL, nf_p_span(p));
            if (!e) return NULL;
            nf_cc_sym *name = nf_p_intern(p, p->src->text + t->off, last->off + last->len - t->off);
            if (!name) return NULL;
            e->u.call.name.full = name;
            e->u.call.name.parts = nf_p_copy(p, &name, 1, sizeof name);
            e->u.call.name.nparts = 1;
            for (uint32_t i = 0; i < ntoks; i++)
                nf_p_next(p);
            e->u.call.name.span = nf_p_span_from(p, start);
            nf_p_next(p); /* ( */
            if (!nf_p_enter(p)) return NULL;
            bool ok = call_args(p, e, xp_or);
            nf_p_leave(p);
            if (!ok) return NULL;
            e->span = nf_p_span_from(p, start);
            return e;
        }
        return xp_path(p);
    }
    default: break;
    }
    nf_p_expected(p, "an XPath value or path");
    return NULL;
}

static nf_cc_expr *xp_unary(nf_cc_parser *p) {
    if (nf_p_at(p, NF_TK_MINUS)) {
        nf_cc_span sp = nf_p_span(p);
        nf_p_next(p);
        if (!nf_p_enter(p)) return NULL;
        nf_cc_expr *a = xp_unary(p);
        nf_p_leave(p);
        if (!a) return NULL;
        nf_cc_expr *e = nf_p_new_expr(p, NF_EX_UNARY, join(sp, a->span));
        if (!e) return NULL;
        e->op = NF_OP_NEG;
        e->u.bin.a = a;
        return e;
    }
    return xp_primary(p);
}

static nf_cc_expr *xp_mul(nf_cc_parser *p) {
    nf_cc_expr *a = xp_unary(p);
    uint32_t links = 0;
    while (a && (nf_p_at(p, NF_TK_STAR) || nf_p_at_kw(p, NF_KW_div))) {
        if (!nf_p_enter(p)) break;
        links++;
        nf_cc_op op = nf_p_at(p, NF_TK_STAR) ? NF_OP_MUL : NF_OP_DIV;
        nf_p_next(p);
        a = binary(p, op, a, xp_unary(p));
    }
    p->depth -= links;
    return p->failed ? NULL : a;
}

static nf_cc_expr *xp_add(nf_cc_parser *p) {
    nf_cc_expr *a = xp_mul(p);
    uint32_t links = 0;
    while (a && (nf_p_at(p, NF_TK_PLUS) || nf_p_at(p, NF_TK_MINUS))) {
        if (!nf_p_enter(p)) break;
        links++;
        nf_cc_op op = nf_p_at(p, NF_TK_PLUS) ? NF_OP_ADD : NF_OP_SUB;
        nf_p_next(p);
        a = binary(p, op, a, xp_mul(p));
    }
    p->depth -= links;
    return p->failed ? NULL : a;
}

static nf_cc_expr *xp_cmp(nf_cc_parser *p) {
    nf_cc_expr *a = xp_add(p);
    nf_cc_op op;
    if (a && cmp_op(p, &op)) {
        nf_p_next(p);
        a = binary(p, op, a, xp_add(p));
    }
    return a;
}

static nf_cc_expr *xp_not(nf_cc_parser *p) {
    if (nf_p_at_kw(p, NF_KW_not) && nf_p_peek_is(p, 1, NF_TK_LPAREN)) {
        nf_cc_span sp = nf_p_span(p);
        nf_p_next(p);
        nf_p_next(p);
        if (!nf_p_enter(p)) return NULL;
        nf_cc_expr *a = xp_or(p);
        nf_p_leave(p);
        if (!a || !nf_p_expect(p, NF_TK_RPAREN, "')'")) return NULL;
        nf_cc_expr *e = nf_p_new_expr(p, NF_EX_UNARY, join(sp, a->span));
        if (!e) return NULL;
        e->op = NF_OP_NOT;
        e->u.bin.a = a;
        return e;
    }
    return xp_cmp(p);
}

/* XPath chains are short in practice; each link counts as a nesting level because the
 * checker recurses along them. */
static nf_cc_expr *xp_and(nf_cc_parser *p) {
    nf_cc_expr *a = xp_not(p);
    uint32_t links = 0;
    while (a && nf_p_at_kw(p, NF_KW_and)) {
        if (!nf_p_enter(p)) break;
        links++;
        nf_p_next(p);
        a = binary(p, NF_OP_AND, a, xp_not(p));
    }
    p->depth -= links;
    return p->failed ? NULL : a;
}

static nf_cc_expr *xp_or(nf_cc_parser *p) {
    if (!nf_p_enter(p)) return NULL;
    nf_cc_expr *a = xp_and(p);
    uint32_t links = 0;
    while (a && nf_p_at_kw(p, NF_KW_or)) {
        if (!nf_p_enter(p)) break;
        links++;
        nf_p_next(p);
        a = binary(p, NF_OP_OR, a, xp_and(p));
    }
    p->depth -= links;
    nf_p_leave(p);
    return p->failed ? NULL : a;
}

nf_cc_expr *nf_p_xpath_bare(nf_cc_parser *p) {
    nf_cc_expr *e = xp_or(p);
    if (!e) return NULL;
    nf_cc_expr *pred = nf_p_new_expr(p, NF_EX_XPATH_PRED, e->span);
    if (pred) pred->u.pred.inner = e;
    return pred;
}

nf_cc_expr *nf_p_xpath_chain(nf_cc_parser *p) {
    nf_cc_expr *all = NULL;
    nf_cc_op join_op = NF_OP_AND;
    uint32_t links = 0; /* each [ ] group nests the chain one level for the checker */
    while (nf_p_at(p, NF_TK_LBRACKET)) {
        if (!nf_p_enter(p)) {
            p->depth -= links;
            return NULL;
        }
        links++;
        uint32_t start = p->pos;
        nf_p_next(p);
        nf_cc_expr *e = xp_or(p);
        if (!e || !nf_p_expect(p, NF_TK_RBRACKET, "']' to close the XPath constraint")) {
            p->depth -= links;
            return NULL;
        }
        nf_cc_expr *pred = nf_p_new_expr(p, NF_EX_XPATH_PRED, nf_p_span_from(p, start));
        if (!pred) {
            p->depth -= links;
            return NULL;
        }
        pred->u.pred.inner = e;
        all = all ? binary(p, join_op, all, pred) : pred;
        join_op = NF_OP_AND;
        if ((nf_p_at_kw(p, NF_KW_and) || nf_p_at_kw(p, NF_KW_or)) &&
            nf_p_peek_is(p, 1, NF_TK_LBRACKET)) {
            join_op = nf_p_at_kw(p, NF_KW_or) ? NF_OP_OR : NF_OP_AND;
            nf_p_next(p);
        }
    }
    p->depth -= links;
    if (!all) nf_p_expected(p, "'[' to start an XPath constraint");
    return all;
}

static nf_cc_expr *chain_to_eof(nf_cc_parser *p) {
    return nf_p_xpath_chain(p);
}

nf_cc_expr *nf_p_xpath_string(nf_cc_parser *p, const nf_cc_token *str) {
    /* the string's text is XPath whose own strings are written with doubled quotes */
    return sub_parse(p, str->off, str->off + str->len, true, chain_to_eof,
                     "end of the XPath constraint");
}
