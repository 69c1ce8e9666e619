/* cc_parse_internal.h — parser state and token helpers shared by cc_parse*.c. */
#ifndef NF_CC_PARSE_INTERNAL_H
#define NF_CC_PARSE_INTERNAL_H

#include <stddef.h>
#include <string.h>

#include "cc_parser.h"

/* Deepest nesting of expressions and blocks; deeper input gets NF0011, never a stack overflow. */
#define NF_CC_MAX_DEPTH 200

typedef struct nf_cc_parser {
    nf_cc_parse_env *env;
    const nf_cc_source *src;
    uint32_t file;
    const nf_cc_token *t; /* tokens, ending in EOF */
    uint32_t n, pos;
    const nf_cc_doc *docs;
    uint32_t ndocs, next_doc;
    uint32_t depth;
    bool failed;        /* the current statement already reported a syntax error */
    bool in_flow;       /* parsing a flow body (statement keywords end a statement early) */
    bool decl_has_body; /* the current declaration has a begin … end body */
    unsigned mdl_version;
    bool quote_doubled; /* tokens come from an XPath inside a string: '' delimits strings */
    bool oom;
    uint32_t *ndeferred;  /* not NULL: flow bodies are deferred (nf_cc_parse_file_deferred) */
    const uint32_t *ends; /* the tokens' `end` and `while` identifiers (nf_cc_tokens.ends) */
    uint32_t nends;
} nf_cc_parser;

/* ---- token access -------------------------------------------------------------------------- */

static inline const nf_cc_token *nf_p_tok(const nf_cc_parser *p) {
    return &p->t[p->pos];
}
static inline const nf_cc_token *nf_p_peek(const nf_cc_parser *p, uint32_t k) {
    uint32_t i = p->pos + k;
    return &p->t[i < p->n ? i : p->n - 1];
}
static inline nf_cc_tkind nf_p_kind(const nf_cc_parser *p) {
    return (nf_cc_tkind)p->t[p->pos].kind;
}
static inline bool nf_p_at(const nf_cc_parser *p, nf_cc_tkind k) {
    return p->t[p->pos].kind == k;
}
/* An identifier spelling keyword kw (case-insensitive). */
static inline bool nf_p_at_kw(const nf_cc_parser *p, nf_cc_kw kw) {
    const nf_cc_token *t = &p->t[p->pos];
    return t->kind == NF_TK_IDENT && t->kw == kw;
}
static inline bool nf_p_peek_kw(const nf_cc_parser *p, uint32_t k, nf_cc_kw kw) {
    const nf_cc_token *t = nf_p_peek(p, k);
    return t->kind == NF_TK_IDENT && t->kw == kw;
}
static inline bool nf_p_peek_is(const nf_cc_parser *p, uint32_t k, nf_cc_tkind kind) {
    return nf_p_peek(p, k)->kind == kind;
}
static inline void nf_p_next(nf_cc_parser *p) {
    if (p->pos + 1 < p->n) p->pos++;
}
static inline bool nf_p_accept(nf_cc_parser *p, nf_cc_tkind k) {
    if (!nf_p_at(p, k)) return false;
    nf_p_next(p);
    return true;
}
static inline bool nf_p_accept_kw(nf_cc_parser *p, nf_cc_kw kw) {
    if (!nf_p_at_kw(p, kw)) return false;
    nf_p_next(p);
    return true;
}
static inline bool nf_p_is_name(const nf_cc_token *t) {
    return t->kind == NF_TK_IDENT || t->kind == NF_TK_QIDENT;
}

/* Span of token t, of the current token, and from token `from` to the previous token. */
static inline nf_cc_span nf_p_tok_span(const nf_cc_parser *p, const nf_cc_token *t) {
    uint32_t off = t->off, len = t->len;
    /* widen delimited tokens to include their delimiters so carets point at the quote */
    switch ((nf_cc_tkind)t->kind) {
    case NF_TK_STRING:
    case NF_TK_QIDENT:
        off -= 1;
        len += 2;
        break;
    case NF_TK_VAR:
        off -= 1;
        len += 1;
        break;
    case NF_TK_MXTOKEN:
        off -= 2;
        len += 4;
        break;
    case NF_TK_DOLLAR:
        off -= 2;
        len += 4;
        break;
    default: break;
    }
    if (off + len > p->src->len) len = (uint32_t)p->src->len - off;
    return (nf_cc_span){p->file, off, len};
}

static inline nf_cc_span nf_p_span(const nf_cc_parser *p) {
    return nf_p_tok_span(p, nf_p_tok(p));
}

static inline nf_cc_span nf_p_span_from(const nf_cc_parser *p, uint32_t from_tok) {
    nf_cc_span a = nf_p_tok_span(p, &p->t[from_tok]);
    uint32_t last = p->pos > from_tok ? p->pos - 1 : from_tok;
    nf_cc_span b = nf_p_tok_span(p, &p->t[last]);
    uint32_t end = b.off + b.len;
    return (nf_cc_span){p->file, a.off, end > a.off ? end - a.off : a.len};
}

/* ---- errors -------------------------------------------------------------------------------- */

/* Reports "expected X, found Y" at the current token once per statement; returns false. */
bool nf_p_expected(nf_cc_parser *p, const char *what);
bool nf_p_expect(nf_cc_parser *p, nf_cc_tkind k, const char *what);
bool nf_p_expect_kw(nf_cc_parser *p, nf_cc_kw kw);
void nf_p_error(nf_cc_parser *p, nf_cc_diag_code code, nf_cc_span span, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Enters one nesting level; false (with NF0011 reported) when too deep. */
bool nf_p_enter(nf_cc_parser *p);
static inline void nf_p_leave(nf_cc_parser *p) {
    p->depth--;
}

/* ---- values -------------------------------------------------------------------------------- */

/* Zeroed arena memory; sets p->oom when out of memory. */
static inline void *nf_p_alloc(nf_cc_parser *p, size_t n) {
    void *m = nf_cc_arena_alloc(p->env->arena, n);
    if (!m) p->oom = true;
    return m;
}
nf_cc_sym *nf_p_intern(nf_cc_parser *p, const char *s, uint32_t len);
/* Interns the current token's text (name, quoted name, variable). */
nf_cc_sym *nf_p_tok_sym(nf_cc_parser *p, const nf_cc_token *t);
/* Unescapes a string token ('' → '). */
char *nf_p_string(nf_cc_parser *p, const nf_cc_token *t, uint32_t *len_out);
/* Parses Name(.Name)* — names may be keywords or quoted. */
bool nf_p_qname(nf_cc_parser *p, nf_cc_qname *out, const char *what);
/* A single (unqualified) name. */
bool nf_p_name(nf_cc_parser *p, nf_cc_sym **out, nf_cc_span *span, const char *what);
/* Doc comment ending right before token index tok, or NULL. */
char *nf_p_doc_before(nf_cc_parser *p, uint32_t tok);
/* Skips @annotations (with their arguments). */
void nf_p_skip_annotations(nf_cc_parser *p);
/* Skips a balanced (…), […] or {…} group starting at the current opening token. */
void nf_p_skip_group(nf_cc_parser *p);

/* Copies a temporary vector into arena storage. */
void *nf_p_copy(nf_cc_parser *p, const void *items, size_t n, size_t size);

/* A growable temporary array, freed by nf_p_buf_take or nf_p_buf_free. The first items are
 * stored in the buffer itself (malloc only when a list outgrows it), so a nf_p_buf must not
 * be copied. */
typedef struct nf_p_buf {
    void *items;
    uint32_t n, cap;
    size_t size;
    union {
        max_align_t align;
        unsigned char bytes[192];
    } small;
} nf_p_buf;
void *nf_p_buf_push(nf_cc_parser *p, nf_p_buf *b);
/* Moves the contents into the arena, frees the buffer and returns the arena copy. */
void *nf_p_buf_take(nf_cc_parser *p, nf_p_buf *b, uint32_t *n_out);
void nf_p_buf_free(nf_p_buf *b);

/* ---- grammar pieces (cc_parse_expr.c, cc_parse_flow.c, cc_parse_model.c) ------------------- */

nf_cc_expr *nf_p_expr(nf_cc_parser *p);
/* XPath: a chain of [ … ] groups (`[A][B]`, `[A] and [B]`). */
nf_cc_expr *nf_p_xpath_chain(nf_cc_parser *p);
/* XPath without brackets (retrieve … where Attr = $v). */
nf_cc_expr *nf_p_xpath_bare(nf_cc_parser *p);
/* XPath held in a string literal token ('[Active = true()]'). */
nf_cc_expr *nf_p_xpath_string(nf_cc_parser *p, const nf_cc_token *str);
nf_cc_expr *nf_p_new_expr(nf_cc_parser *p, nf_cc_exkind kind, nf_cc_span span);

bool nf_p_typeref(nf_cc_parser *p, nf_cc_typeref *out);
/* Parameter list `( [$]P: Type, … )` of flows and actions. */
bool nf_p_params(nf_cc_parser *p, nf_cc_param_decl **out, uint32_t *n, bool allow_not_null);
/* A flow body up to (not including) its closing `end`. */
bool nf_p_block(nf_cc_parser *p, nf_cc_block *out);
/* Arguments `( Name = e, … )`. */
bool nf_p_args(nf_cc_parser *p, nf_cc_arg **out, uint32_t *n);

/* Statement-level recovery: skips to the end of the current statement. */
void nf_p_recover_stmt(nf_cc_parser *p);
/* Whether the current token can start a flow statement. */
bool nf_p_starts_stmt(const nf_cc_parser *p);

/* cc_parse_test.c: assert, mock, network and expect at the current token, and the rest of
 * `create test` after `test`. */
nf_cc_stmt *nf_p_test_stmt(nf_cc_parser *p, uint32_t start);
bool nf_p_test_decl(nf_cc_parser *p, nf_cc_decl *d);

/* The token index of the `end` that closes the flow body starting at token p->pos (after
 * `begin`), found without parsing; EOF's index when there is none. A guess that
 * nf_cc_parse_body verifies. */
uint32_t nf_p_guess_body_end(const nf_cc_parser *p);

#endif
