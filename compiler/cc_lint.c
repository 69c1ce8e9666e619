/* cc_lint.c — model-level lints (docs/lint.md): domain validation on offline entities (NF6003),
 * files and images downloaded in full (NF6005), revision attributes that the conflict mode
 * ignores (NF6006) and access-rule XPath that cannot apply offline (NF6010). */
#include <ctype.h>
#include <string.h>

#include "cc_lint.h"

nf_cc_var *nf_cc_lint_var(const nf_cc_flow *f, const nf_cc_sym *sym) {
    for (uint32_t i = 0; i < f->nvars && sym; i++)
        if (f->vars[i] && f->vars[i]->name == sym) return f->vars[i];
    return NULL;
}

bool nf_cc_lint_ends_with(const char *name, const char *suffix) {
    size_t n = strlen(name), k = strlen(suffix);
    if (k > n) return false;
    for (size_t i = 0; i < k; i++)
        if (tolower((unsigned char)name[n - k + i]) != suffix[i]) return false;
    return true;
}

bool nf_cc_lint_contains(const char *name, const char *needle) {
    size_t n = strlen(needle);
    for (const char *p = name; *p; p++) {
        size_t k = 0;
        while (k < n && p[k] && tolower((unsigned char)p[k]) == needle[k])
            k++;
        if (k == n) return true;
    }
    return false;
}

/* Offline entities that the linter looks at: persistent ones of the app (System's own
 * FileDocument and Image count only through their specializations). */
static bool synced(const nf_cc_entity *e) {
    return e && e->offline && !e->system && e->persist == NF_PERSISTENT;
}

static nf_cc_entity *entity_named(nf_cc_model *m, const char *name, size_t len) {
    for (uint32_t i = 0; i < m->entities.n; i++) {
        nf_cc_entity *e = m->entities.items[i];
        if (strlen(e->name->s) == len && strncmp(e->name->s, name, len) == 0) return e;
    }
    return NULL;
}

/* ---- NF6003 domain-level validation on offline entities ------------------------------------ */

static void lint_validation(nf_cc_lint_ctx *l) {
    nf_cc_model *m = l->m;
    for (uint32_t i = 0; i < m->decls_validation.n; i++) {
        nf_cc_decl *d = m->decls_validation.items[i];
        const char *q = d->u.validation.entity.full ? d->u.validation.entity.full->s : "";
        nf_cc_entity *e = entity_named(m, q, strlen(q));
        if (!e && strrchr(q, '.')) /* newest form: Module.Entity.Attribute */
            e = entity_named(m, q, (size_t)(strrchr(q, '.') - q));
        if (!synced(e)) continue;
        nf_cc_report(l->d, NF_D_LINT_OFFLINE_VALIDATION, d->span,
                     "validation rule on the offline entity %s: offline it surfaces as a commit "
                     "error (Mendix devices skip it and sync rejects the object) instead of "
                     "feedback; validate in the nanoflow that saves it (and again in a "
                     "before-commit microflow)",
                     e->name->s);
    }
    for (uint32_t i = 0; i < m->entities.n; i++) {
        nf_cc_entity *e = m->entities.items[i];
        if (!synced(e)) continue;
        for (uint32_t k = 0; k < e->nattrs; k++) {
            nf_cc_attr *a = e->attrs[k];
            if (!a->decl || !(a->not_null || a->unique || a->required)) continue;
            nf_cc_report(l->d, NF_D_LINT_OFFLINE_VALIDATION, a->span,
                         "%s constraint on %s.%s, an offline entity: %s; validate in the "
                         "nanoflow that saves it (and again in a before-commit microflow)",
                         a->unique     ? "unique"
                         : a->required ? "required"
                                       : "not null",
                         e->name->s, a->name->s,
                         a->unique ? "a device holds only some objects, so a duplicate is found "
                                     "only during synchronization, which rejects the object"
                                   : "offline it surfaces as a commit error (Mendix devices skip "
                                     "it and sync rejects the object) instead of feedback");
        }
    }
}

/* ---- NF6005 files and images downloaded in full -------------------------------------------- */

static const nf_cc_attr *binary_attr(const nf_cc_entity *e) {
    for (; e; e = e->generalization)
        for (uint32_t k = 0; k < e->nattrs; k++)
            if (e->attrs[k]->binary) return e->attrs[k];
    return NULL;
}

static void lint_binary(nf_cc_lint_ctx *l) {
    nf_cc_model *m = l->m;
    for (uint32_t i = 0; i < m->entities.n; i++) {
        nf_cc_entity *e = m->entities.items[i];
        if (!synced(e)) continue;
        if (e->profile && e->profile->download != NF_DL_ALL) continue;
        const char *what = NULL;
        if (m->system_image && nf_cc_entity_is_a(e, m->system_image))
            what = "an image (System.Image)";
        else if (m->system_filedocument && nf_cc_entity_is_a(e, m->system_filedocument))
            what = "a file (System.FileDocument)";
        else if (binary_attr(e))
            what = "Binary data";
        if (!what) continue;
        if (e->profile)
            nf_cc_report(l->d, NF_D_LINT_BINARY_FULL_SYNC, e->profile->span,
                         "%s holds %s and is downloaded in full: large files make every "
                         "synchronization slow; use 'download nothing preserve' (or an XPath) and "
                         "send them with a selective synchronize",
                         e->name->s, what);
        else
            nf_cc_report(l->d, NF_D_LINT_BINARY_FULL_SYNC, e->span,
                         "%s holds %s and, without an offline profile entry, is downloaded in "
                         "full: large files make every synchronization slow; give it 'download "
                         "nothing preserve' (or an XPath) in the offline profile and send them "
                         "with a selective synchronize",
                         e->name->s, what);
    }
}

/* ---- NF6006 a revision attribute the conflict mode ignores --------------------------------- */

static void lint_revision(nf_cc_lint_ctx *l) {
    nf_cc_model *m = l->m;
    for (uint32_t i = 0; i < m->entities.n; i++) {
        nf_cc_entity *e = m->entities.items[i];
        if (!synced(e) || (e->profile && e->profile->conflict == NF_CONFLICT_REVISION)) continue;
        for (uint32_t k = 0; k < e->nattrs; k++) {
            nf_cc_attr *a = e->attrs[k];
            if (!a->decl || !nf_cc_is_integral(a->type) ||
                !nf_cc_lint_contains(a->name->s, "revision"))
                continue;
            nf_cc_report(l->d, NF_D_LINT_REVISION_UNUSED, a->span,
                         "%s.%s looks like a revision ID, but the offline profile resolves "
                         "conflicts with '%s': concurrent changes overwrite each other; write "
                         "'conflict revision %s' in the profile",
                         e->name->s, a->name->s,
                         e->profile && e->profile->conflict == NF_CONFLICT_CHANGED_ATTRIBUTES
                             ? "changed attributes"
                             : "last wins",
                         a->name->s);
        }
    }
}

/* ---- NF6010 access rules whose XPath tests attributes the device can change ----------------- */

/* The first attribute of the rule's own entity the XPath compares (not id, not associations). */
static const nf_cc_expr *own_attribute_test(const nf_cc_expr *x, int depth) {
    if (!x || depth > 64) return NULL;
    switch (x->kind) {
    case NF_EX_XPATH_PRED: return own_attribute_test(x->u.pred.inner, depth + 1);
    case NF_EX_XPATH_PATH:
        return x->u.xpath.nsteps && x->u.xpath.steps[0].attr && !x->u.xpath.steps[0].assoc ? x
                                                                                           : NULL;
    case NF_EX_UNARY: return own_attribute_test(x->u.bin.a, depth + 1);
    case NF_EX_BINARY: {
        const nf_cc_expr *r = own_attribute_test(x->u.bin.a, depth + 1);
        return r ? r : own_attribute_test(x->u.bin.b, depth + 1);
    }
    case NF_EX_CALL:
        for (uint32_t i = 0; i < x->u.call.nargs; i++) {
            const nf_cc_expr *r = own_attribute_test(x->u.call.args[i], depth + 1);
            if (r) return r;
        }
        return NULL;
    default: return NULL;
    }
}

static void lint_access(nf_cc_lint_ctx *l) {
    nf_cc_model *m = l->m;
    for (uint32_t i = 0; i < m->decls_grants.n; i++) {
        nf_cc_decl *d = m->decls_grants.items[i];
        if (d->kind != NF_DECL_GRANT_ENTITY || d->revoke || !d->u.grant_entity.xpath) continue;
        const nf_cc_access_right *r = &d->u.grant_entity.rights;
        if (!r->write_all && !r->nwrite && !r->delete_) continue;
        nf_cc_entity *e = nf_cc_map_get(&m->entity_by_name, d->u.grant_entity.entity.full);
        if (!synced(e)) continue;
        const nf_cc_expr *t = own_attribute_test(d->u.grant_entity.xpath, 0);
        if (!t) continue;
        nf_cc_report(l->d, NF_D_LINT_OFFLINE_XPATH_ACCESS, t->span,
                     "this access rule on the offline entity %s depends on its attribute %s: "
                     "devices do not apply XPath constraints, so a change to %s made offline "
                     "takes effect only after synchronization; check it in the nanoflow too",
                     e->name->s, t->u.xpath.steps[0].attr->name->s,
                     t->u.xpath.steps[0].attr->name->s);
    }
}

void nf_cc_lint_model(nf_cc_lint_ctx *l) {
    lint_validation(l);
    lint_binary(l);
    lint_revision(l);
    lint_access(l);
}
