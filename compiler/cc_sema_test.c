/* cc_sema_test.c — the statements of `create test` (docs/testing.md): checked here and lowered
 * in place to calls of actions of the reserved module NanoflowTest, which `nanoflow test`
 * answers through the host's action callback (cli/test_host.c). No opcode, no VM support: a
 * test is an ordinary nanoflow whose test statements are custom-action calls.
 *
 *   assert C [message M]            NanoflowTest.Assert(Condition, Message, Expression, Line)
 *   mock microflow|… X returns V    NanoflowTest.MockReturns<n>(Kind, Target, Value, Line)
 *                                   (one action per statement: Value has the target's type)
 *   mock microflow X raises M       NanoflowTest.MockRaises(Target, Message, Line)
 *   network offline|online|fail …   NanoflowTest.Network(Mode, Count, Line)
 *   expect message T [type K]       NanoflowTest.ExpectMessage(Text, MessageType, Line)
 *   expect page P                   NanoflowTest.ExpectPage(Page, Line) */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cc_sema.h"

static void *alloc(nf_cc_sema *s, size_t n) {
    void *p = nf_cc_arena_alloc(s->arena, n);
    if (!p) s->oom = true;
    return p;
}

static nf_cc_sym *sym(nf_cc_sema *s, const char *text) {
    nf_cc_sym *y = nf_cc_intern_cstr(s->in, text);
    if (!y) s->oom = true;
    return y;
}

/* The action `name` with parameters names/types, created on first use. */
static nf_cc_action *action(nf_cc_sema *s, const char *name, const char *const *names,
                            const nf_cc_type *types, uint32_t n) {
    nf_cc_sym *nm = sym(s, name);
    if (!nm) return NULL;
    nf_cc_action *a = nf_cc_map_get(&s->m->action_by_name, nm);
    if (a) return a;
    a = alloc(s, sizeof *a);
    nf_cc_decl *d = alloc(s, sizeof *d);
    nf_cc_param_decl *ps = alloc(s, n * sizeof *ps);
    nf_cc_type *ts = alloc(s, n * sizeof *ts);
    if (!a || !d || !ps || !ts) return NULL;
    d->kind = NF_DECL_ACTION;
    d->u.action.kind = NF_ACTION_JAVASCRIPT;
    d->u.action.params = ps;
    d->u.action.nparams = n;
    for (uint32_t i = 0; i < n; i++) {
        ps[i].name = sym(s, names[i]);
        ts[i] = types[i];
    }
    a->name = nm;
    a->kind = NF_ACTION_JAVASCRIPT;
    a->params = ps;
    a->param_types = ts;
    a->nparams = n;
    a->ret = nf_cc_t(NF_T_VOID);
    a->decl = d;
    a->index = s->m->actions.n;
    if (!nf_cc_map_put(&s->m->action_by_name, nm, a) ||
        !nf_cc_vec_push(s->arena, &s->m->actions, a))
        s->oom = true;
    return a;
}

static nf_cc_expr *literal(nf_cc_sema *s, nf_cc_exkind kind, const char *text, size_t len,
                           nf_cc_span at) {
    nf_cc_expr *e = nf_cc_arena_alloc_part(s->arena, nf_cc_expr_size(kind), sizeof *e);
    char *copy = nf_cc_arena_strndup(s->arena, text ? text : "", text ? len : 0);
    if (!e || !copy) {
        s->oom = true;
        return NULL;
    }
    e->kind = (uint8_t)kind;
    e->span = at;
    if (kind == NF_EX_STRING) {
        e->u.str.s = copy;
        e->u.str.len = (uint32_t)len;
    } else if (kind == NF_EX_INT) {
        e->u.lit.text = copy;
        e->u.lit.len = (uint32_t)len;
    }
    nf_cc_check_expr(s, e);
    return e;
}

static nf_cc_expr *str(nf_cc_sema *s, const char *text, nf_cc_span at) {
    return literal(s, text ? NF_EX_STRING : NF_EX_EMPTY, text, text ? strlen(text) : 0, at);
}

static nf_cc_expr *num(nf_cc_sema *s, uint32_t v, nf_cc_span at) {
    char b[16];
    int n = snprintf(b, sizeof b, "%u", v);
    return literal(s, NF_EX_INT, b, (size_t)n, at);
}

/* Rewrites st into `call javascript action a(names[i] = values[i], …)`. */
static void lower(nf_cc_sema *s, nf_cc_stmt *st, nf_cc_action *a, nf_cc_expr **values) {
    nf_cc_arg *args = alloc(s, (a ? a->nparams : 1) * sizeof *args);
    if (!a || !args) return;
    for (uint32_t i = 0; i < a->nparams; i++) {
        if (!values[i]) return; /* out of memory */
        args[i].name = a->params[i].name;
        args[i].name_span = st->span;
        args[i].value = values[i];
    }
    memset(&st->u.call, 0, sizeof st->u.call);
    st->kind = NF_ST_CALL;
    st->u.call.kind = NF_CALL_JAVASCRIPT;
    st->u.call.name.full = a->name;
    st->u.call.name.parts = &a->name->self;
    st->u.call.name.nparts = 1;
    st->u.call.name.span = st->span;
    st->u.call.args = args;
    st->u.call.nargs = a->nparams;
}

static bool is_kind(const char *t, const char *k) {
    return strcasecmp(t, k) == 0;
}

/* The value a mock answers with must have the type of what it replaces: *want. */
static bool mock_target(nf_cc_sema *s, nf_cc_stmt *st, nf_cc_type *want) {
    const nf_cc_qname *q = &st->u.test.target;
    if (st->u.test.action) {
        nf_cc_action *a = nf_cc_map_get(&s->m->action_by_name, q->full);
        if (!a || a->kind == NF_ACTION_JAVA || !a->decl || !a->decl->name.full) {
            nf_cc_report(s->d, NF_D_UNKNOWN_ACTION, q->span,
                         "unknown lua or javascript action '%s' to mock", q->full->s);
            return false;
        }
        *want = a->ret;
        return true;
    }
    nf_cc_flow *f = nf_cc_map_get(&s->m->flow_by_name, q->full);
    if (!f || f->kind != NF_FLOW_MICROFLOW) {
        const char *sug = f ? NULL : nf_cc_suggest_map(&s->m->flow_by_name, q->full->s);
        nf_cc_report(s->d, NF_D_UNKNOWN_FLOW, q->span, "%s '%s' to mock%s%s%s",
                     f ? "mock microflow names a microflow, not" : "unknown microflow", q->full->s,
                     sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
        return false;
    }
    *want = f->ret;
    return true;
}

static void mock_returns(nf_cc_sema *s, nf_cc_stmt *st, nf_cc_expr *line) {
    nf_cc_type want;
    nf_cc_expr *v = st->u.test.value;
    if (!mock_target(s, st, &want)) {
        nf_cc_check_expr(s, v);
        return;
    }
    const char *target = st->u.test.target.full->s;
    if (want.kind == NF_T_VOID) {
        if (v->kind != NF_EX_EMPTY) {
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, v->span,
                         "%s returns nothing: mock it with `returns empty`", target);
            return;
        }
        want = nf_cc_t(NF_T_STRING);
    }
    if (!nf_cc_check_assign(s, v, want, "the mocked result of %s", target)) return;
    char name[64];
    snprintf(name, sizeof name, "NanoflowTest.MockReturns%u", s->m->actions.n);
    static const char *const names[] = {"Kind", "Target", "Value", "Line"};
    nf_cc_type types[] = {nf_cc_t(NF_T_STRING), nf_cc_t(NF_T_STRING), want, nf_cc_t(NF_T_INTEGER)};
    nf_cc_expr *values[] = {str(s, st->u.test.action ? "action" : "microflow", st->span),
                            str(s, target, st->u.test.target.span), v, line};
    lower(s, st, action(s, name, names, types, 4), values);
}

void nf_cc_sema_test_stmt(nf_cc_sema *s, nf_cc_stmt *st) {
    bool in_test = s->flow && s->flow->decl && s->flow->decl->u.flow.is_test;
    static const char *const words[] = {"assert",  "mock",    "mock",   "network",
                                        "network", "network", "expect", "expect"};
    if (!in_test) {
        nf_cc_report(s->d, NF_D_TEST_ONLY, st->span,
                     "%s is a test statement: it is allowed only inside create test",
                     words[st->u.test.op]);
        return;
    }
    nf_cc_source *src = st->span.file < s->srcs->n ? &s->srcs->files[st->span.file] : NULL;
    uint32_t ln = src ? nf_cc_source_line_of(src, st->span.off) : 0;
    nf_cc_expr *line = num(s, ln, st->span);
    nf_cc_type S = nf_cc_t(NF_T_STRING), I = nf_cc_t(NF_T_INTEGER);
    switch ((nf_cc_testop)st->u.test.op) {
    case NF_TEST_ASSERT: {
        nf_cc_expr *c = st->u.test.value, *m = st->u.test.message;
        nf_cc_check_assign(s, c, nf_cc_t(NF_T_BOOLEAN), "the asserted condition");
        if (m) nf_cc_check_assign(s, m, S, "the assertion's message");
        char *text =
            src ? nf_cc_arena_strndup(s->arena, src->text + c->span.off, c->span.len) : NULL;
        static const char *const names[] = {"Condition", "Message", "Expression", "Line"};
        nf_cc_type types[] = {nf_cc_t(NF_T_BOOLEAN), S, S, I};
        nf_cc_expr *values[] = {c, m ? m : str(s, NULL, st->span), str(s, text, c->span), line};
        lower(s, st, action(s, "NanoflowTest.Assert", names, types, 4), values);
        return;
    }
    case NF_TEST_MOCK_RETURNS: mock_returns(s, st, line); return;
    case NF_TEST_MOCK_RAISES: {
        nf_cc_type unused;
        nf_cc_expr *m = st->u.test.message;
        bool ok = mock_target(s, st, &unused);
        if (!nf_cc_check_assign(s, m, S, "the mocked error message") || !ok) return;
        static const char *const names[] = {"Target", "Message", "Line"};
        nf_cc_type types[] = {S, S, I};
        nf_cc_expr *values[] = {str(s, st->u.test.target.full->s, st->u.test.target.span), m, line};
        lower(s, st, action(s, "NanoflowTest.MockRaises", names, types, 3), values);
        return;
    }
    case NF_TEST_NETWORK_OFFLINE:
    case NF_TEST_NETWORK_ONLINE:
    case NF_TEST_NETWORK_FAIL: {
        static const char *const names[] = {"Mode", "Count", "Line"};
        nf_cc_type types[] = {S, I, I};
        const char *mode = st->u.test.op == NF_TEST_NETWORK_OFFLINE  ? "offline"
                           : st->u.test.op == NF_TEST_NETWORK_ONLINE ? "online"
                                                                     : "fail";
        nf_cc_expr *values[] = {str(s, mode, st->span), num(s, st->u.test.count, st->span), line};
        lower(s, st, action(s, "NanoflowTest.Network", names, types, 3), values);
        return;
    }
    case NF_TEST_EXPECT_MESSAGE: {
        nf_cc_check_assign(s, st->u.test.value, S, "the expected message");
        const char *kind = NULL;
        if (st->u.test.type_name) {
            static const char *const kinds[] = {"Information", "Warning", "Error"};
            for (int i = 0; i < 3 && !kind; i++)
                if (is_kind(st->u.test.type_name->s, kinds[i])) kind = kinds[i];
            if (!kind) {
                nf_cc_report(s->d, NF_D_TYPE_MISMATCH, st->u.test.type_span,
                             "message type is Information, Warning or Error, not '%s'",
                             st->u.test.type_name->s);
                return;
            }
        }
        static const char *const names[] = {"Text", "MessageType", "Line"};
        nf_cc_type types[] = {S, S, I};
        nf_cc_expr *values[] = {st->u.test.value, str(s, kind, st->span), line};
        lower(s, st, action(s, "NanoflowTest.ExpectMessage", names, types, 3), values);
        return;
    }
    case NF_TEST_EXPECT_PAGE: {
        const nf_cc_qname *q = &st->u.test.target;
        if (s->m->decls_pages.n && !nf_cc_map_get(&s->m->page_by_name, q->full))
            nf_cc_report(s->d, NF_D_UNKNOWN_PAGE, q->span, "page %s is not defined in the sources",
                         q->full->s);
        static const char *const names[] = {"Page", "Line"};
        nf_cc_type types[] = {S, I};
        nf_cc_expr *values[] = {str(s, q->full->s, q->span), line};
        lower(s, st, action(s, "NanoflowTest.ExpectPage", names, types, 2), values);
        return;
    }
    }
}
