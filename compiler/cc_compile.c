/* cc_compile.c — the compilation driver: sources → parse → semantic analysis → rules. */
#include <stdlib.h>
#include <string.h>

#include "cc_gen.h"
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
};

void nf_cc_set_infer_returns(nf_cc_compilation *c, bool on) {
    c->infer_returns = on;
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
    memset(&s, 0, sizeof s);
    s.arena = &c->arena;
    s.in = &c->interner;
    s.d = &c->diags;
    s.m = &c->model;
    s.infer_returns = c->infer_returns;
    s.s_current_object = sym(&s, "currentObject");
    s.s_latest_error = sym(&s, "latestError");
    s.s_latest_error_type = sym(&s, "latestErrorType");
    s.s_current_result = sym(&s, "currentResult");
    s.s_current_index = sym(&s, "currentIndex");
    s.s_current_user = sym(&s, "currentUser");
    s.s_current_session = sym(&s, "currentSession");
    s.s_current_device_type = sym(&s, "currentDeviceType");
    s.s_system = sym(&s, "System");
    s.s_id = sym(&s, "id");
    nf_cc_builtins_init(&s);
    if (!s.oom) nf_cc_sema_declarations(&s, &c->unit);
    for (uint32_t i = 0; i < c->model.flows.n && !s.oom; i++) {
        nf_cc_flow *f = c->model.flows.items[i];
        if (f->decl && f->decl->u.flow.sym == f) nf_cc_check_flow(&s, f);
    }
    if (!s.oom) nf_cc_rules_offline_model(&s);
    nf_cc_map_free(&s.vars);
    nf_cc_map_free(&s.labels);
    nf_cc_map_free(&s.builtins);
    if (s.oom || nf_cc_arena_failed(&c->arena)) c->diags.oom = true;
    nf_cc_diags_sort(&c->diags);
    c->ok = c->diags.nerrors == 0 && !c->diags.oom;
    return c->ok;
}

bool nf_cc_build(nf_cc_compilation *c, struct nf_bc_module *out) {
    if (!nf_cc_check(c)) return false;
    nf_cg g;
    memset(&g, 0, sizeof g);
    g.arena = &c->arena;
    g.in = &c->interner;
    g.d = &c->diags;
    g.mdl = &c->model;
    g.srcs = &c->sources;
    g.out = out;
    bool ok = nf_cg_module(&g);
    nf_cg_free(&g);
    if (g.oom) c->diags.oom = true;
    nf_cc_diags_sort(&c->diags);
    return ok && !g.oom;
}
