/* cc_parse_test.c — `create test M.Name begin … end;` and the statements only tests have
 * (docs/testing.md):
 *
 *     assert EXPR [message EXPR];
 *     mock microflow M.Flow returns EXPR;      mock microflow M.Flow raises EXPR;
 *     mock lua action M.Action returns EXPR;   (also: mock javascript action …)
 *     network offline;  network online;  network fail next N requests;
 *     expect message EXPR [type Information|Warning|Error];
 *     expect page M.Page;
 *
 * The statements parse in any flow body; semantic analysis reports them outside a test
 * (NF3009) and lowers them to calls of NanoflowTest actions (cc_sema_test.c). The words after
 * the first (raises, fail, next, requests) are matched by spelling, not as keywords, so they
 * stay ordinary names everywhere else. */
#include <stdlib.h>
#include <strings.h>

#include "cc_parse_internal.h"

/* The current token is the identifier `word` (case-insensitive). */
static bool at_word(const nf_cc_parser *p, const char *word) {
    const nf_cc_token *t = nf_p_tok(p);
    size_t n = strlen(word);
    return t->kind == NF_TK_IDENT && t->len == n &&
           strncasecmp(p->src->text + t->off, word, n) == 0;
}

static bool expect_word(nf_cc_parser *p, const char *word) {
    if (at_word(p, word)) {
        nf_p_next(p);
        return true;
    }
    char what[48];
    snprintf(what, sizeof what, "'%s'", word);
    return nf_p_expected(p, what);
}

static nf_cc_stmt *new_test(nf_cc_parser *p, nf_cc_testop op, uint32_t start) {
    nf_cc_stmt *s = nf_cc_arena_alloc_part(p->env->arena, nf_cc_stmt_size(NF_ST_TEST), sizeof *s);
    if (!s) {
        p->oom = true;
        return NULL;
    }
    s->kind = NF_ST_TEST;
    s->u.test.op = (uint8_t)op;
    s->span = nf_p_tok_span(p, &p->t[start]);
    return s;
}

static nf_cc_stmt *mock(nf_cc_parser *p, uint32_t start) {
    nf_p_next(p); /* mock */
    bool action = false;
    if (nf_p_accept_kw(p, NF_KW_microflow)) {
    } else if (nf_p_accept_kw(p, NF_KW_lua) || nf_p_accept_kw(p, NF_KW_javascript)) {
        if (!nf_p_expect_kw(p, NF_KW_action)) return NULL;
        action = true;
    } else {
        nf_p_expected(p, "'microflow', 'lua action' or 'javascript action' after 'mock'");
        return NULL;
    }
    nf_cc_qname target;
    if (!nf_p_qname(p, &target, action ? "an action name" : "a microflow name")) return NULL;
    nf_cc_testop op;
    if (nf_p_accept_kw(p, NF_KW_returns)) {
        op = NF_TEST_MOCK_RETURNS;
    } else if (!action && at_word(p, "raises")) {
        nf_p_next(p);
        op = NF_TEST_MOCK_RAISES;
    } else {
        nf_p_expected(p, action ? "'returns'" : "'returns' or 'raises'");
        return NULL;
    }
    nf_cc_stmt *s = new_test(p, op, start);
    if (!s) return NULL;
    s->u.test.action = action;
    s->u.test.target = target;
    nf_cc_expr *e = nf_p_expr(p);
    if (!e) return NULL;
    if (op == NF_TEST_MOCK_RETURNS)
        s->u.test.value = e;
    else
        s->u.test.message = e;
    return s;
}

static nf_cc_stmt *network(nf_cc_parser *p, uint32_t start) {
    nf_p_next(p); /* network */
    if (nf_p_accept_kw(p, NF_KW_offline)) return new_test(p, NF_TEST_NETWORK_OFFLINE, start);
    if (nf_p_accept_kw(p, NF_KW_online)) return new_test(p, NF_TEST_NETWORK_ONLINE, start);
    if (!at_word(p, "fail")) {
        nf_p_expected(p, "'offline', 'online' or 'fail next N requests' after 'network'");
        return NULL;
    }
    nf_p_next(p);
    if (!expect_word(p, "next")) return NULL;
    if (!nf_p_at(p, NF_TK_INT)) {
        nf_p_expected(p, "the number of requests that fail");
        return NULL;
    }
    const nf_cc_token *t = nf_p_tok(p);
    unsigned long n = strtoul(p->src->text + t->off, NULL, 10);
    if (t->len > 6 || n < 1 || n > 100000) {
        nf_p_error(p, NF_D_BAD_LITERAL, nf_p_span(p),
                   "network fail next N requests takes N from 1 to 100000");
        n = 1;
    }
    nf_p_next(p);
    if (!at_word(p, "requests") && !at_word(p, "request")) {
        nf_p_expected(p, "'requests'");
        return NULL;
    }
    nf_p_next(p);
    nf_cc_stmt *s = new_test(p, NF_TEST_NETWORK_FAIL, start);
    if (s) s->u.test.count = (uint32_t)n;
    return s;
}

static nf_cc_stmt *expect(nf_cc_parser *p, uint32_t start) {
    nf_p_next(p); /* expect */
    if (nf_p_accept_kw(p, NF_KW_page)) {
        nf_cc_stmt *s = new_test(p, NF_TEST_EXPECT_PAGE, start);
        if (!s || !nf_p_qname(p, &s->u.test.target, "a page name")) return NULL;
        return s;
    }
    if (!nf_p_accept_kw(p, NF_KW_message)) {
        nf_p_expected(p, "'message' or 'page' after 'expect'");
        return NULL;
    }
    nf_cc_stmt *s = new_test(p, NF_TEST_EXPECT_MESSAGE, start);
    if (!s || !(s->u.test.value = nf_p_expr(p))) return NULL;
    if (nf_p_accept_kw(p, NF_KW_type) &&
        !nf_p_name(p, &s->u.test.type_name, &s->u.test.type_span, "Information, Warning or Error"))
        return NULL;
    return s;
}

nf_cc_stmt *nf_p_test_stmt(nf_cc_parser *p, uint32_t start) {
    switch (nf_p_tok(p)->kw) {
    case NF_KW_assert: {
        nf_p_next(p);
        nf_cc_stmt *s = new_test(p, NF_TEST_ASSERT, start);
        if (!s || !(s->u.test.value = nf_p_expr(p))) return NULL;
        if (nf_p_accept_kw(p, NF_KW_message) && !(s->u.test.message = nf_p_expr(p))) return NULL;
        return s;
    }
    case NF_KW_mock: return mock(p, start);
    case NF_KW_network: return network(p, start);
    case NF_KW_expect: return expect(p, start);
    default: nf_p_expected(p, "a statement"); return NULL;
    }
}

bool nf_p_test_decl(nf_cc_parser *p, nf_cc_decl *d) {
    d->u.flow.kind = NF_FLOW_NANOFLOW;
    d->u.flow.is_test = true;
    d->u.flow.returns.kind = NF_TR_VOID;
    p->decl_has_body = true;
    if (!nf_p_qname(p, &d->name, "a test name (Module.Name)")) return false;
    if (nf_p_at(p, NF_TK_LPAREN)) { /* `create test M.T ()`: no parameters */
        nf_p_next(p);
        if (!nf_p_expect(p, NF_TK_RPAREN, "')': a test takes no parameters")) return false;
    }
    if (nf_p_accept_kw(p, NF_KW_folder)) { /* folder '…': no meaning at run time */
        if (!nf_p_at(p, NF_TK_STRING)) return nf_p_expected(p, "a folder name");
        nf_p_next(p);
    }
    if (!nf_p_expect_kw(p, NF_KW_begin)) return false;
    /* never deferred (nf_cc_parse_file_deferred): the flow-by-flow build drops tests anyway */
    p->in_flow = true;
    bool ok = nf_p_block(p, &d->u.flow.body);
    p->in_flow = false;
    p->failed = false;
    if (!ok) return false;
    if (!nf_p_at_kw(p, NF_KW_end)) return nf_p_expected(p, "'end' to close the test");
    nf_p_next(p);
    return true;
}
