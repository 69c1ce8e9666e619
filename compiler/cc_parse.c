/* cc_parse.c — parser driver: token helpers, errors, recovery and top-level dispatch.
 * Declarations are in cc_parse_model.c, flow bodies in cc_parse_flow.c, expressions and
 * XPath in cc_parse_expr.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cc_parse_internal.h"

/* ---- spans and errors ---------------------------------------------------------------------- */

void nf_p_error(nf_cc_parser *p, nf_cc_diag_code code, nf_cc_span span, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const nf_cc_diag_info *info = nf_cc_diag_lookup((unsigned)code);
    nf_cc_vreport(p->env->diags, code, info ? info->sev : NF_SEV_ERROR, span, fmt, ap);
    va_end(ap);
    if (!info || info->sev == NF_SEV_ERROR) p->failed = true;
}

static void describe_token(const nf_cc_parser *p, const nf_cc_token *t, char *buf, size_t n) {
    switch ((nf_cc_tkind)t->kind) {
    case NF_TK_IDENT:
        snprintf(buf, n, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), p->src->text + t->off);
        break;
    case NF_TK_VAR:
        snprintf(buf, n, "variable $%.*s", (int)(t->len > 40 ? 40 : t->len), p->src->text + t->off);
        break;
    case NF_TK_INT:
    case NF_TK_DECIMAL:
        snprintf(buf, n, "number %.*s", (int)(t->len > 40 ? 40 : t->len), p->src->text + t->off);
        break;
    default: snprintf(buf, n, "%s", nf_cc_tkind_text((nf_cc_tkind)t->kind)); break;
    }
}

bool nf_p_expected(nf_cc_parser *p, const char *what) {
    if (p->failed) return false; /* one syntax error per statement: the rest is noise */
    char found[64];
    describe_token(p, nf_p_tok(p), found, sizeof found);
    nf_p_error(p, NF_D_SYNTAX, nf_p_span(p), "expected %s, found %s", what, found);
    return false;
}

bool nf_p_expect(nf_cc_parser *p, nf_cc_tkind k, const char *what) {
    if (nf_p_accept(p, k)) return true;
    return nf_p_expected(p, what ? what : nf_cc_tkind_text(k));
}

bool nf_p_expect_kw(nf_cc_parser *p, nf_cc_kw kw) {
    if (nf_p_accept_kw(p, kw)) return true;
    char what[48];
    snprintf(what, sizeof what, "'%s'", nf_cc_keyword_text(kw));
    return nf_p_expected(p, what);
}

bool nf_p_enter(nf_cc_parser *p) {
    if (p->depth >= NF_CC_MAX_DEPTH) {
        if (!p->failed)
            nf_p_error(p, NF_D_TOO_DEEP, nf_p_span(p), "nesting deeper than %d levels",
                       NF_CC_MAX_DEPTH);
        p->failed = true;
        return false;
    }
    p->depth++;
    return true;
}

/* ---- values -------------------------------------------------------------------------------- */

nf_cc_sym *nf_p_intern(nf_cc_parser *p, const char *s, uint32_t len) {
    nf_cc_sym *sym = nf_cc_intern(p->env->interner, s, len);
    if (!sym) p->oom = true;
    return sym;
}

nf_cc_sym *nf_p_tok_sym(nf_cc_parser *p, const nf_cc_token *t) {
    return nf_p_intern(p, p->src->text + t->off, t->len);
}

char *nf_p_string(nf_cc_parser *p, const nf_cc_token *t, uint32_t *len_out) {
    const char *s = p->src->text + t->off;
    char *out = nf_p_alloc(p, (size_t)t->len + 1);
    if (!out) return NULL;
    uint32_t n = 0;
    uint32_t q = p->quote_doubled ? 2 : 1; /* an escaped quote is 2q quote characters */
    for (uint32_t i = 0; i < t->len; i++) {
        out[n++] = s[i];
        if (s[i] == '\'' && i + 2 * q - 1 < t->len) i += 2 * q - 1;
    }
    out[n] = '\0';
    if (len_out) *len_out = n;
    return out;
}

void *nf_p_copy(nf_cc_parser *p, const void *items, size_t n, size_t size) {
    if (n == 0) return NULL;
    void *m = nf_cc_arena_alloc_uninit(p->env->arena, n * size); /* every byte is copied */
    if (!m) {
        p->oom = true;
        return NULL;
    }
    memcpy(m, items, n * size);
    return m;
}

void *nf_p_buf_push(nf_cc_parser *p, nf_p_buf *b) {
    if (b->n == b->cap) {
        void *items;
        uint32_t cap;
        if (!b->items && b->size <= sizeof b->small.bytes / 2) {
            items = b->small.bytes; /* short lists never touch malloc */
            cap = (uint32_t)(sizeof b->small.bytes / b->size);
        } else {
            cap = b->cap ? b->cap * 2 : 8;
            if (b->items == b->small.bytes) {
                items = malloc(cap * b->size);
                if (items) memcpy(items, b->items, (size_t)b->n * b->size);
            } else {
                items = realloc(b->items, cap * b->size);
            }
            if (!items) {
                p->oom = true;
                return NULL;
            }
        }
        b->items = items;
        b->cap = cap;
    }
    void *slot = (char *)b->items + (size_t)b->n * b->size;
    memset(slot, 0, b->size);
    b->n++;
    return slot;
}

void *nf_p_buf_take(nf_cc_parser *p, nf_p_buf *b, uint32_t *n_out) {
    void *m = nf_p_copy(p, b->items, b->n, b->size);
    *n_out = m ? b->n : 0;
    nf_p_buf_free(b);
    return m;
}

void nf_p_buf_free(nf_p_buf *b) {
    if (b->items != b->small.bytes) free(b->items);
    b->items = NULL;
    b->n = b->cap = 0;
}

bool nf_p_name(nf_cc_parser *p, nf_cc_sym **out, nf_cc_span *span, const char *what) {
    const nf_cc_token *t = nf_p_tok(p);
    if (!nf_p_is_name(t)) return nf_p_expected(p, what);
    *out = nf_p_tok_sym(p, t);
    if (span) *span = nf_p_span(p);
    nf_p_next(p);
    return true;
}

bool nf_p_qname(nf_cc_parser *p, nf_cc_qname *out, const char *what) {
    nf_cc_sym *parts[8];
    uint32_t n = 0, start = p->pos;
    memset(out, 0, sizeof *out);
    if (!nf_p_is_name(nf_p_tok(p))) return nf_p_expected(p, what);
    char buf[512];
    size_t blen = 0;
    for (;;) {
        const nf_cc_token *t = nf_p_tok(p);
        if (n < 8) parts[n] = nf_p_tok_sym(p, t);
        n++;
        if (blen + t->len + 1 < sizeof buf) {
            if (blen) buf[blen++] = '.';
            memcpy(buf + blen, p->src->text + t->off, t->len);
            blen += t->len;
        }
        nf_p_next(p);
        /* Module.Name: the dot must be followed directly by another name */
        if (nf_p_at(p, NF_TK_DOT) && nf_p_is_name(nf_p_peek(p, 1)) &&
            !(nf_p_peek(p, 1)->flags & NF_TF_SPACE_BEFORE))
            nf_p_next(p);
        else
            break;
    }
    if (n > 8) {
        nf_p_error(p, NF_D_SYNTAX, nf_p_span_from(p, start), "name has more than 8 parts");
        n = 8;
    }
    /* the parts of a one-part name need no array of their own */
    out->parts = n == 1 && parts[0] ? &parts[0]->self : nf_p_copy(p, parts, n, sizeof parts[0]);
    out->nparts = n;
    /* a one-part name is its own full text: same symbol, no second lookup */
    if (n == 1 && parts[0] && parts[0]->len == blen)
        out->full = parts[0];
    else
        out->full = nf_p_intern(p, buf, (uint32_t)blen);
    out->span = nf_p_span_from(p, start);
    return out->full != NULL;
}

char *nf_p_doc_before(nf_cc_parser *p, uint32_t tok) {
    uint32_t off = p->t[tok].off;
    const nf_cc_doc *best = NULL;
    while (p->next_doc < p->ndocs && p->docs[p->next_doc].off < off)
        best = &p->docs[p->next_doc++];
    if (!best) return NULL;
    /* only a doc comment with nothing but whitespace/annotations between it and the token */
    uint32_t prev_end = tok > 0 ? p->t[tok - 1].off + p->t[tok - 1].len : 0;
    if (tok > 0 && prev_end > best->off) return NULL;
    char *s = nf_cc_arena_strndup(p->env->arena, p->src->text + best->off, best->len);
    if (!s) p->oom = true;
    return s;
}

void nf_p_skip_group(nf_cc_parser *p) {
    int depth = 0;
    do {
        switch (nf_p_kind(p)) {
        case NF_TK_LPAREN:
        case NF_TK_LBRACKET:
        case NF_TK_LBRACE: depth++; break;
        case NF_TK_RPAREN:
        case NF_TK_RBRACKET:
        case NF_TK_RBRACE: depth--; break;
        case NF_TK_EOF: return;
        default: break;
        }
        nf_p_next(p);
    } while (depth > 0);
}

void nf_p_skip_annotations(nf_cc_parser *p) {
    while (nf_p_at(p, NF_TK_AT) && nf_p_is_name(nf_p_peek(p, 1))) {
        const nf_cc_token *name = nf_p_peek(p, 1);
        bool excluded = name->len == 8 && strncmp(p->src->text + name->off, "excluded", 8) == 0;
        nf_p_next(p);
        nf_p_next(p);
        if (nf_p_at(p, NF_TK_LPAREN) && !(nf_p_tok(p)->flags & NF_TF_NEWLINE_BEFORE)) {
            nf_p_skip_group(p);
        } else if (!excluded && !(nf_p_tok(p)->flags & NF_TF_NEWLINE_BEFORE)) {
            /* @caption 'text', @annotation 'note', @color Green */
            nf_cc_tkind k = nf_p_kind(p);
            if (k == NF_TK_STRING || k == NF_TK_INT || k == NF_TK_DECIMAL ||
                (k == NF_TK_IDENT && nf_p_tok(p)->kw == NF_KW_NONE))
                nf_p_next(p);
        }
    }
}

/* ---- top level ------------------------------------------------------------------------------ */

/* Words that start a top-level statement; used to resync after errors and to end skipped
 * statements in files without `;`. */
static bool starts_toplevel(const nf_cc_parser *p, uint32_t k) {
    const nf_cc_token *t = nf_p_peek(p, k);
    if (t->kind != NF_TK_IDENT) return false;
    switch (t->kw) {
    case NF_KW_create: {
        /* `create nanoflow M.X` starts a declaration; `create Sales.Order (…)` inside a flow
         * body creates an object: the word after `create` is then the start of a qualified name */
        const nf_cc_token *a = nf_p_peek(p, k + 1), *b = nf_p_peek(p, k + 2);
        return a->kind == NF_TK_IDENT &&
               !(b->kind == NF_TK_DOT && !(b->flags & NF_TF_SPACE_BEFORE));
    }
    case NF_KW_grant:
    case NF_KW_revoke:
    case NF_KW_alter:
    case NF_KW_drop:
    case NF_KW_rename:
    case NF_KW_move:
    case NF_KW_update:
    case NF_KW_describe:
    case NF_KW_mdl:
    case NF_KW_use:
    case NF_KW_connect: return true;
    default: return false;
    }
}

/* Skips to the end of a top-level statement: a `;` or `/` line outside brackets and
 * begin…end, or the next top-level keyword at the start of a line. */
static void skip_toplevel(nf_cc_parser *p) {
    int depth = 0, blocks = 0;
    uint32_t start = p->pos;
    while (!nf_p_at(p, NF_TK_EOF)) {
        const nf_cc_token *t = nf_p_tok(p);
        if (p->pos > start && depth == 0 && blocks == 0 && (t->flags & NF_TF_NEWLINE_BEFORE) &&
            starts_toplevel(p, 0))
            return;
        switch ((nf_cc_tkind)t->kind) {
        case NF_TK_LPAREN:
        case NF_TK_LBRACKET:
        case NF_TK_LBRACE: depth++; break;
        case NF_TK_RPAREN:
        case NF_TK_RBRACKET:
        case NF_TK_RBRACE:
            if (depth > 0) depth--;
            break;
        case NF_TK_SEMI:
            if (depth == 0 && blocks == 0) {
                nf_p_next(p);
                return;
            }
            break;
        case NF_TK_IDENT:
            if (t->kw == NF_KW_begin)
                blocks++;
            else if (t->kw == NF_KW_end && blocks > 0)
                blocks--;
            break;
        default: break;
        }
        nf_p_next(p);
    }
}

void nf_cc_parse_decl(nf_cc_parser *p, nf_cc_unit *unit); /* cc_parse_model.c */

static bool add_decl(nf_cc_parser *p, nf_cc_unit *unit, nf_cc_decl *d) {
    if (unit->ndecls == unit->cap) {
        uint32_t cap = unit->cap ? unit->cap * 2 : 64;
        nf_cc_decl **decls = nf_p_alloc(p, cap * sizeof *decls);
        if (!decls) return false;
        if (unit->ndecls) memcpy(decls, unit->decls, unit->ndecls * sizeof *decls);
        unit->decls = decls;
        unit->cap = cap;
    }
    unit->decls[unit->ndecls++] = d;
    return true;
}

bool nf_cc_unit_add(nf_cc_parser *p, nf_cc_unit *unit, nf_cc_decl *d);
bool nf_cc_unit_add(nf_cc_parser *p, nf_cc_unit *unit, nf_cc_decl *d) {
    if (!add_decl(p, unit, d)) {
        p->oom = true;
        return false;
    }
    return true;
}

void nf_cc_skip_statement(nf_cc_parser *p, uint32_t start, const char *what);
/* Skips a whole top-level statement that the runtime does not execute, with NF0020. */
void nf_cc_skip_statement(nf_cc_parser *p, uint32_t start, const char *what) {
    p->pos = start;
    nf_cc_span sp = nf_p_span(p);
    skip_toplevel(p);
    nf_cc_span all = nf_p_span_from(p, start);
    sp.len = all.len < 200 ? all.len : sp.len;
    nf_cc_report(p->env->diags, NF_D_SKIPPED_STATEMENT, sp,
                 "%s is not executed by the nanoflow runtime; skipped", what);
}

uint32_t nf_p_guess_body_end(const nf_cc_parser *p) {
    /* nested blocks close with `end if`, `end loop`, `end error`, …; only a `while` may close
     * with a bare `end` (its `while` is optional), so the first bare `end` that no `while` is
     * waiting for closes the flow. Only those two words are looked at, from the lexer's list. */
    const nf_cc_token *t = p->t;
    uint32_t last = p->n ? p->n - 1 : 0; /* the last token is EOF */
    uint32_t lo = 0, hi = p->nends;      /* the first entry at or after p->pos */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->ends[mid] < p->pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t whiles = 0;
    for (uint32_t k = lo; k < p->nends; k++) {
        uint32_t i = p->ends[k];
        if (i >= last) break;
        if (t[i].kw == NF_KW_while) {
            whiles++;
            continue;
        }
        const nf_cc_token *a = &t[i + 1];
        if (a->kind == NF_TK_IDENT && a->kw == NF_KW_while) {
            if (whiles) whiles--;
            k++; /* that `while` is the next entry */
        } else if (a->kind == NF_TK_IDENT &&
                   (a->kw == NF_KW_if || a->kw == NF_KW_loop || a->kw == NF_KW_error ||
                    a->kw == NF_KW_case || a->kw == NF_KW_try || a->kw == NF_KW_split)) {
            continue;
        } else if (whiles) {
            whiles--;
        } else {
            return i;
        }
    }
    return last;
}

static bool parse_file(nf_cc_parse_env *env, const nf_cc_source *src, uint32_t file,
                       nf_cc_unit *unit, nf_cc_tokens *keep, uint32_t *ndeferred) {
    nf_cc_tokens toks;
    if (!nf_cc_lex(env->keywords, src, file, &toks, env->diags)) {
        nf_cc_tokens_free(&toks);
        return false;
    }
    nf_cc_parser p;
    memset(&p, 0, sizeof p);
    p.env = env;
    p.src = src;
    p.file = file;
    p.t = toks.t;
    p.n = toks.n;
    p.docs = toks.docs;
    p.ndocs = toks.ndocs;
    p.ndeferred = ndeferred;
    p.ends = toks.ends;
    p.nends = toks.nends;
    while (!nf_p_at(&p, NF_TK_EOF) && !p.oom) {
        /* statement separators: `;` and the Oracle-style `/` line */
        if (nf_p_accept(&p, NF_TK_SEMI) || nf_p_accept(&p, NF_TK_SLASH)) continue;
        uint32_t start = p.pos;
        p.failed = false;
        p.depth = 0;
        p.decl_has_body = false;
        nf_cc_parse_decl(&p, unit);
        if (p.failed || p.pos == start) {
            if (p.pos == start) nf_p_next(&p); /* always make progress */
            /* resync at the next top-level statement; a declaration without a flow body also
             * ends at its `;` */
            int depth = 0;
            while (!nf_p_at(&p, NF_TK_EOF)) {
                const nf_cc_token *t = nf_p_tok(&p);
                if ((t->flags & NF_TF_NEWLINE_BEFORE) && starts_toplevel(&p, 0)) break;
                if (t->kind == NF_TK_LPAREN || t->kind == NF_TK_LBRACKET || t->kind == NF_TK_LBRACE)
                    depth++;
                if ((t->kind == NF_TK_RPAREN || t->kind == NF_TK_RBRACKET ||
                     t->kind == NF_TK_RBRACE) &&
                    depth > 0)
                    depth--;
                nf_p_next(&p);
                if (t->kind == NF_TK_SEMI && depth == 0 && !p.decl_has_body) break;
            }
        }
    }
    bool ok = !p.oom;
    if (keep) {
        *keep = toks;
        return ok;
    }
    /* the token array's pages are already in memory: the arena allocates from them next
     * (the rest of the front end and the code generator) instead of from fresh pages */
    nf_cc_arena_adopt(env->arena, toks.t, (size_t)toks.alloc * sizeof *toks.t);
    toks.t = NULL;
    nf_cc_tokens_free(&toks);
    return ok;
}

bool nf_cc_parse_file(nf_cc_parse_env *env, const nf_cc_source *src, uint32_t file,
                      nf_cc_unit *unit) {
    return parse_file(env, src, file, unit, NULL, NULL);
}

bool nf_cc_parse_file_deferred(nf_cc_parse_env *env, const nf_cc_source *src, uint32_t file,
                               nf_cc_unit *unit, nf_cc_tokens *toks, uint32_t *ndeferred) {
    memset(toks, 0, sizeof *toks);
    return parse_file(env, src, file, unit, toks, ndeferred);
}

bool nf_cc_parse_body(nf_cc_parse_env *env, const nf_cc_source *src, uint32_t file,
                      const nf_cc_tokens *toks, nf_cc_decl *d) {
    if (!d->u.flow.body_deferred) return false;
    /* the parser's state at the body as nf_cc_parse_file's flow() has it */
    nf_cc_parser p;
    memset(&p, 0, sizeof p);
    p.env = env;
    p.src = src;
    p.file = file;
    p.t = toks->t;
    p.n = toks->n;
    p.docs = toks->docs;
    p.ndocs = toks->ndocs;
    p.pos = d->u.flow.body_first;
    p.depth = d->u.flow.body_depth;
    p.mdl_version = d->u.flow.body_mdl_version;
    p.decl_has_body = true;
    p.in_flow = true;
    unsigned before = env->diags->n + env->diags->dropped;
    bool ok = nf_p_block(&p, &d->u.flow.body);
    d->u.flow.body_deferred = false;
    return ok && !p.oom && p.pos == d->u.flow.body_end &&
           env->diags->n + env->diags->dropped == before;
}
