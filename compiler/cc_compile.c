/* cc_compile.c — the compilation driver: sources → parse → semantic analysis → rules. */
#include <stdlib.h>
#include <string.h>

#include "cc_gen.h"
#include "cc_lint.h"
#include "cc_parser.h"
#include "cc_sema.h"
#include "cc_system.h"
#include "nf_compiler.h"

struct nf_cc_compilation {
    nf_cc_sources sources;
    nf_cc_diags diags;
    nf_cc_arena arena;
    nf_cc_interner interner;
    nf_cc_keywords keywords;
    nf_cc_unit unit;
    nf_cc_model model;
    bool checked, ok;
    bool infer_returns;
    bool tests, coverage; /* nf_cc_set_tests, nf_cc_set_coverage */
    /* built flow by flow (by_flow): the syntax trees are gone, so a later nf_cc_build gives
     * this module again instead of generating it anew */
    bool by_flow;
    nf_bc_module built;
};

void nf_cc_set_infer_returns(nf_cc_compilation *c, bool on) {
    c->infer_returns = on;
}

void nf_cc_set_tests(nf_cc_compilation *c, bool on) {
    c->tests = on;
}

void nf_cc_set_coverage(nf_cc_compilation *c, bool on) {
    c->coverage = on;
}

size_t nf_cc_test_count(const nf_cc_compilation *c) {
    size_t n = 0;
    for (uint32_t i = 0; c->ok && i < c->model.flows.n; i++) {
        const nf_cc_flow *f = c->model.flows.items[i];
        n += f->decl && f->decl->u.flow.is_test;
    }
    return n;
}

const char *nf_cc_test_name(const nf_cc_compilation *c, size_t k, uint32_t *file, uint32_t *line) {
    for (uint32_t i = 0; c->ok && i < c->model.flows.n; i++) {
        nf_cc_flow *f = c->model.flows.items[i];
        if (!f->decl || !f->decl->u.flow.is_test || k--) continue;
        nf_cc_span at = f->decl->name.span;
        if (file) *file = at.file;
        if (line)
            *line = at.file < c->sources.n
                        ? nf_cc_source_line_of((nf_cc_source *)&c->sources.files[at.file], at.off)
                        : 0;
        return f->name->s;
    }
    return NULL;
}

nf_cc_compilation *nf_cc_new(void) {
    nf_cc_compilation *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    nf_cc_diags_init(&c->diags);
    nf_cc_arena_init(&c->arena);
    nf_cc_keywords_init(&c->keywords);
    if (!nf_cc_interner_init(&c->interner, &c->arena) ||
        nf_cc_sources_add(&c->sources, "<system>", nf_cc_system_mdl, strlen(nf_cc_system_mdl)) !=
            0) {
        nf_cc_free(c);
        return NULL;
    }
    return c;
}

static void model_free(nf_cc_model *m) {
    nf_cc_map *maps[] = {&m->module_by_name,   &m->enum_by_name, &m->entity_by_name,
                         &m->assoc_by_name,    &m->flow_by_name, &m->action_by_name,
                         &m->constant_by_name, &m->role_by_name, &m->regex_by_name,
                         &m->page_by_name};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
        nf_cc_map_free(maps[i]);
    for (uint32_t i = 0; i < m->entities.n; i++)
        nf_cc_map_free(&((nf_cc_entity *)m->entities.items[i])->attr_by_name);
    for (uint32_t i = 0; i < m->enums.n; i++)
        nf_cc_map_free(&((nf_cc_enum *)m->enums.items[i])->value_index);
}

void nf_cc_free(nf_cc_compilation *c) {
    if (!c) return;
    model_free(&c->model);
    nf_cc_interner_free(&c->interner);
    nf_cc_arena_free(&c->arena);
    nf_cc_diags_free(&c->diags);
    nf_cc_sources_free(&c->sources);
    free(c);
}

bool nf_cc_add_file(nf_cc_compilation *c, const char *path, const char **err) {
    return nf_cc_sources_read(&c->sources, path, err) >= 0;
}

bool nf_cc_add_source(nf_cc_compilation *c, const char *name, const char *text, size_t len) {
    return nf_cc_sources_add(&c->sources, name, text, len) >= 0;
}

nf_cc_diags *nf_cc_diagnostics(nf_cc_compilation *c) {
    return &c->diags;
}
nf_cc_sources *nf_cc_sources_of(nf_cc_compilation *c) {
    return &c->sources;
}
const struct nf_cc_model *nf_cc_model_of(const nf_cc_compilation *c) {
    return c->ok ? &c->model : NULL;
}

static nf_cc_sym *sym(nf_cc_sema *s, const char *text) {
    nf_cc_sym *y = nf_cc_intern_cstr(s->in, text);
    if (!y) s->oom = true;
    return y;
}

static void sema_init(nf_cc_sema *s, nf_cc_compilation *c) {
    memset(s, 0, sizeof *s);
    s->arena = &c->arena;
    s->in = &c->interner;
    s->d = &c->diags;
    s->m = &c->model;
    s->infer_returns = c->infer_returns;
    s->tests = c->tests;
    s->srcs = &c->sources;
    s->s_current_object = sym(s, "currentObject");
    s->s_latest_error = sym(s, "latestError");
    s->s_latest_error_type = sym(s, "latestErrorType");
    s->s_current_result = sym(s, "currentResult");
    s->s_current_index = sym(s, "currentIndex");
    s->s_current_user = sym(s, "currentUser");
    s->s_current_session = sym(s, "currentSession");
    s->s_current_device_type = sym(s, "currentDeviceType");
    s->s_system = sym(s, "System");
    s->s_id = sym(s, "id");
    nf_cc_builtins_init(s);
}

static void sema_free(nf_cc_sema *s) {
    nf_cc_map_free(&s->vars);
    nf_cc_map_free(&s->labels);
    nf_cc_map_free(&s->builtins);
}

static void gen_init(nf_cg *g, nf_cc_compilation *c, nf_bc_module *out) {
    memset(g, 0, sizeof *g);
    g->arena = g->tmp = &c->arena;
    g->in = &c->interner;
    g->d = &c->diags;
    g->mdl = &c->model;
    g->srcs = &c->sources;
    g->out = out;
    g->coverage = c->coverage;
}

bool nf_cc_check(nf_cc_compilation *c) {
    if (c->checked) return c->ok;
    c->checked = true;
    nf_cc_parse_env env = {&c->arena, &c->interner, &c->keywords, &c->diags};
    for (uint32_t i = 0; i < c->sources.n; i++) {
        if (!nf_cc_parse_file(&env, &c->sources.files[i], i, &c->unit)) {
            c->diags.oom = true;
            return c->ok = false;
        }
    }
    nf_cc_sema s;
    sema_init(&s, c);
    if (!s.oom) nf_cc_sema_declarations(&s, &c->unit);
    for (uint32_t i = 0; i < c->model.flows.n && !s.oom; i++) {
        nf_cc_flow *f = c->model.flows.items[i];
        if (f->decl && f->decl->u.flow.sym == f) nf_cc_check_flow(&s, f);
    }
    if (!s.oom) nf_cc_rules_offline_model(&s);
    sema_free(&s);
    if (s.oom || nf_cc_arena_failed(&c->arena)) c->diags.oom = true;
    nf_cc_diags_sort(&c->diags);
    c->ok = c->diags.nerrors == 0 && !c->diags.oom;
    return c->ok;
}

bool nf_cc_lint(nf_cc_compilation *c, const unsigned *disabled, unsigned ndisabled) {
    if (c->by_flow) return false; /* the syntax trees are gone */
    bool ok = nf_cc_check(c);
    if (ok) {
        nf_cc_lint_ctx l = {&c->model, &c->diags, false};
        nf_cc_lint_model(&l);
        nf_cc_lint_flows(&l);
        if (l.oom) c->diags.oom = true;
    }
    nf_cc_lint_suppress(&c->diags, &c->sources, &c->unit, disabled, ndisabled);
    nf_cc_diags_sort(&c->diags);
    return ok && !c->diags.oom;
}

/* ---- flow by flow ------------------------------------------------------------------------------
 *
 * nf_cc_check followed by nf_cg_module holds the syntax trees of all flows at once (tens of MB
 * for a large app, each page of which costs a page fault). by_flow() does the same work in
 * another order: it parses the declarations with the flow bodies skipped (their token ranges
 * recorded), analyses the declarations and generates the module-level tables, then parses,
 * checks and generates one flow at a time in an arena that is reset after each flow; the
 * offline rules and the rest of the module follow. It gives the same diagnostics and the same
 * module, but only for an app without errors whose bodies all end where the skip guessed: at
 * any error (or a diagnostic of the parser, or out-of-memory) it gives up, and nf_cc_build
 * starts over the usual way. It works on a compilation of its own (sharing c's sources), which
 * replaces c's pristine state when it succeeds. */

static void state_free(nf_cc_compilation *t) {
    model_free(&t->model);
    nf_cc_interner_free(&t->interner);
    nf_cc_arena_free(&t->arena);
    nf_cc_diags_free(&t->diags);
}

static bool by_flow_failed(const nf_cc_compilation *t, const nf_cc_sema *s, const nf_cg *g) {
    return s->oom || g->oom || t->diags.nerrors || t->diags.oom || nf_cc_arena_failed(&t->arena);
}

/* Parses, checks and generates flow by flow into t; false when the usual way must be taken. */
static bool by_flow_run(nf_cc_compilation *c, nf_cc_compilation *t, nf_cc_tokens *toks,
                        nf_cc_arena *tree, nf_cc_sema *s, nf_cg *g) {
    const nf_cc_sources *srcs = &c->sources;
    nf_cc_parse_env env = {&t->arena, &t->interner, &c->keywords, &t->diags};
    uint32_t ndeferred = 0;
    for (uint32_t i = 0; i < srcs->n; i++)
        if (!nf_cc_parse_file_deferred(&env, &srcs->files[i], i, &t->unit, &toks[i], &ndeferred))
            return false;
    if (t->diags.n || t->diags.dropped || t->diags.oom) return false;
    sema_init(s, t);
    if (s->oom) return false;
    nf_cc_sema_declarations(s, &t->unit);
    if (by_flow_failed(t, s, g) || !nf_cg_module_begin(g) || by_flow_failed(t, s, g)) return false;
    nf_cc_parse_env body_env = env;
    body_env.arena = tree;
    uint32_t nparsed = 0;
    for (uint32_t i = 0; i < t->model.flows.n; i++) {
        nf_cc_flow *f = t->model.flows.items[i];
        nf_cc_decl *d = f->decl;
        if (d && d->kind == NF_DECL_FLOW && d->u.flow.body_deferred) {
            uint32_t file = d->span.file;
            if (!nf_cc_parse_body(&body_env, &srcs->files[file], file, &toks[file], d))
                return false;
            nparsed++;
        }
        /* what checking a flow allocates (its variables, argument tables) serves only its own
         * checking and code generation */
        s->arena = tree;
        if (d && d->u.flow.sym == f) nf_cc_check_flow(s, f);
        s->arena = &t->arena;
        if (by_flow_failed(t, s, g)) return false;
        nf_cg_module_flow(g, i);
        if (by_flow_failed(t, s, g)) return false;
        /* nothing points into the reset arena any more */
        if (d && d->kind == NF_DECL_FLOW) d->u.flow.body = (nf_cc_block){0};
        f->vars = NULL;
        f->nvars = 0;
        nf_cc_arena_reset(tree);
    }
    /* bodies no flow of the model has (replaced declarations) are parsed as the usual way does */
    for (uint32_t i = 0; i < t->unit.ndecls && nparsed < ndeferred; i++) {
        nf_cc_decl *d = t->unit.decls[i];
        if (d->kind != NF_DECL_FLOW || !d->u.flow.body_deferred) continue;
        uint32_t file = d->span.file;
        bool ok = nf_cc_parse_body(&body_env, &srcs->files[file], file, &toks[file], d);
        d->u.flow.body = (nf_cc_block){0};
        nf_cc_arena_reset(tree);
        if (!ok) return false;
        nparsed++;
    }
    if (nparsed != ndeferred) return false;
    nf_cc_rules_offline_model(s);
    if (by_flow_failed(t, s, g)) return false;
    return nf_cg_module_end(g) && !by_flow_failed(t, s, g);
}

static bool by_flow(nf_cc_compilation *c, nf_bc_module *out) {
    nf_cc_compilation *t = calloc(1, sizeof *t);
    nf_cc_tokens *toks = calloc(c->sources.n + 1, sizeof *toks);
    if (!t || !toks) {
        free(t);
        free(toks);
        return false;
    }
    nf_cc_diags_init(&t->diags);
    t->diags.limit = c->diags.limit;
    nf_cc_arena_init(&t->arena);
    nf_cc_arena tree;
    nf_cc_arena_init(&tree);
    nf_cc_sema s;
    memset(&s, 0, sizeof s);
    nf_cg g;
    gen_init(&g, t, out);
    g.srcs = &c->sources;
    g.tmp = &tree;
    bool ok =
        nf_cc_interner_init(&t->interner, &t->arena) && by_flow_run(c, t, toks, &tree, &s, &g);
    sema_free(&s);
    nf_cg_free(&g);
    nf_cc_arena_free(&tree);
    for (uint32_t i = 0; i < c->sources.n; i++)
        nf_cc_tokens_free(&toks[i]);
    free(toks);
    if (ok) {
        /* t's state replaces c's, which nothing has used yet */
        state_free(c);
        c->diags = t->diags;
        c->arena = t->arena;
        c->interner = t->interner;
        c->interner.arena = &c->arena;
        c->unit = t->unit;
        c->model = t->model;
        c->checked = c->ok = c->by_flow = true;
        c->built = *out;
        nf_cc_diags_sort(&c->diags);
    } else {
        state_free(t);
        memset(out, 0, sizeof *out);
    }
    free(t);
    return ok;
}

bool nf_cc_build(nf_cc_compilation *c, struct nf_bc_module *out) {
    if (c->by_flow) {
        *out = c->built;
        return true;
    }
    /* flow by flow when nothing has been done yet (a diagnostic already there would be lost) */
    if (!c->checked && !c->infer_returns && !c->tests && !c->coverage && c->diags.n == 0 &&
        !c->diags.dropped && by_flow(c, out))
        return true;
    if (!nf_cc_check(c)) return false;
    nf_cg g;
    gen_init(&g, c, out);
    bool ok = nf_cg_module(&g);
    nf_cg_free(&g);
    if (g.oom) c->diags.oom = true;
    nf_cc_diags_sort(&c->diags);
    return ok && !g.oom;
}
