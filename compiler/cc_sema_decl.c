/* cc_sema_decl.c — declarations: symbol tables, name lookup, types, domain model, security,
 * offline profile and flow signatures. Flow bodies are checked in cc_sema_flow.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_sema.h"

/* ---- suggestions ("did you mean") ---------------------------------------------------------- */

static unsigned edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    unsigned row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        unsigned prev = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned cur = row[j];
            unsigned cost = (a[i - 1] | 32) == (b[j - 1] | 32) ? 0 : 1;
            unsigned best = prev + cost;
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *nf_cc_suggest(const char *const *cands, uint32_t n, const char *name) {
    const char *best = NULL;
    unsigned best_d = (unsigned)strlen(name) / 3 + 1;
    if (best_d > 3) best_d = 3;
    for (uint32_t i = 0; i < n; i++) {
        unsigned d = edit_distance(cands[i], name);
        if (d < best_d || (d == best_d && best == NULL && d <= 1)) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

const char *nf_cc_suggest_map(const nf_cc_map *m, const char *name) {
    const char *best = NULL;
    unsigned best_d = (unsigned)strlen(name) / 3 + 1;
    if (best_d > 3) best_d = 3;
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        unsigned d = edit_distance(m->keys[i]->s, name);
        if (d < best_d || (d <= 1 && !best)) {
            best = m->keys[i]->s;
            best_d = d;
        }
    }
    return best;
}

/* ---- registration --------------------------------------------------------------------------- */

static void *alloc(nf_cc_sema *s, size_t n) {
    void *p = nf_cc_arena_alloc(s->arena, n);
    if (!p) s->oom = true;
    return p;
}

static void push(nf_cc_sema *s, nf_cc_vec *v, void *item) {
    if (!nf_cc_vec_push(s->arena, v, item)) s->oom = true;
}

static void put(nf_cc_sema *s, nf_cc_map *m, const nf_cc_sym *k, void *v) {
    if (!nf_cc_map_put(m, k, v)) s->oom = true;
}

static nf_cc_module *module_named(nf_cc_sema *s, nf_cc_sym *name, nf_cc_span span) {
    nf_cc_module *mod = nf_cc_map_get(&s->m->module_by_name, name);
    if (mod) return mod;
    mod = alloc(s, sizeof *mod);
    if (!mod) return NULL;
    mod->name = name;
    mod->span = span;
    mod->system = name == s->s_system;
    put(s, &s->m->module_by_name, name, mod);
    push(s, &s->m->modules, mod);
    return mod;
}

/* The module of a qualified name; NF1017 for an unqualified one. */
static nf_cc_module *module_of(nf_cc_sema *s, const nf_cc_qname *q, const char *what) {
    if (q->nparts < 2) {
        nf_cc_report(s->d, NF_D_NO_MODULE_PREFIX, q->span,
                     "%s '%s' needs a module prefix (Module.%s)", what, q->full->s, q->full->s);
        return NULL;
    }
    return module_named(s, q->parts[0], q->span);
}

/* Reports a duplicate unless the new declaration is `create or modify`. Returns true when
 * the new declaration should replace the old one. */
static bool duplicate(nf_cc_sema *s, nf_cc_decl *d, nf_cc_span prev, const char *what) {
    if (d->or_modify) return true;
    nf_cc_report(s->d, NF_D_DUPLICATE, d->name.span,
                 "%s '%s' is already defined (write 'create or modify' to replace it)", what,
                 d->name.full->s);
    nf_cc_note(s->d, prev, "previous definition is here");
    return false;
}

static void collect(nf_cc_sema *s, nf_cc_decl *d) {
    nf_cc_model *m = s->m;
    switch ((nf_cc_declkind)d->kind) {
    case NF_DECL_MODULE: {
        nf_cc_module *mod = module_named(s, d->name.full, d->name.span);
        if (!mod) return;
        if (mod->declared && !d->or_modify && !mod->system) {
            nf_cc_report(s->d, NF_D_DUPLICATE, d->name.span, "module '%s' is already defined",
                         d->name.full->s);
            nf_cc_note(s->d, mod->span, "previous definition is here");
        }
        mod->declared = true;
        mod->span = d->name.span;
        return;
    }
    case NF_DECL_ENUM: {
        nf_cc_module *mod = module_of(s, &d->name, "enumeration");
        if (!mod) return;
        nf_cc_enum *old = nf_cc_map_get(&m->enum_by_name, d->name.full);
        if (old && !duplicate(s, d, old->decl->name.span, "enumeration")) return;
        nf_cc_enum *en = old ? old : alloc(s, sizeof *en);
        if (!en) return;
        en->name = d->name.full;
        en->module = mod;
        en->decl = d;
        en->values = d->u.enumeration.values;
        en->nvalues = d->u.enumeration.n;
        nf_cc_map_free(&en->value_index);
        for (uint32_t i = 0; i < en->nvalues; i++) {
            if (nf_cc_map_get(&en->value_index, en->values[i].name)) {
                nf_cc_report(s->d, NF_D_DUPLICATE, en->values[i].span,
                             "enumeration value '%s' appears twice", en->values[i].name->s);
                continue;
            }
            put(s, &en->value_index, en->values[i].name, (void *)(uintptr_t)(i + 1));
        }
        if (!old) {
            en->index = m->enums.n;
            put(s, &m->enum_by_name, en->name, en);
            push(s, &m->enums, en);
        }
        return;
    }
    case NF_DECL_ENTITY: {
        nf_cc_module *mod = module_of(s, &d->name, "entity");
        if (!mod) return;
        nf_cc_entity *old = nf_cc_map_get(&m->entity_by_name, d->name.full);
        if (old && (old->system || !duplicate(s, d, old->span, "entity"))) {
            if (old->system)
                nf_cc_report(s->d, NF_D_DUPLICATE, d->name.span,
                             "entity '%s' is built in and cannot be redefined", d->name.full->s);
            return;
        }
        nf_cc_entity *e = old ? old : alloc(s, sizeof *e);
        if (!e) return;
        if (old) { /* create or modify: start over with the new definition */
            nf_cc_map_free(&e->attr_by_name);
            uint32_t index = e->index;
            memset(e, 0, sizeof *e);
            e->index = index;
        } else {
            e->index = m->entities.n;
        }
        e->name = d->name.full;
        e->module = mod;
        e->decl = d;
        e->span = d->name.span;
        e->persist = d->u.entity.persist;
        e->system = mod->system;
        if (!old) {
            put(s, &m->entity_by_name, e->name, e);
            push(s, &m->entities, e);
        }
        return;
    }
    case NF_DECL_ASSOC: {
        nf_cc_module *mod = module_of(s, &d->name, "association");
        if (!mod) return;
        nf_cc_assoc *old = nf_cc_map_get(&m->assoc_by_name, d->name.full);
        if (old && !duplicate(s, d, old->span, "association")) return;
        nf_cc_assoc *a = old ? old : alloc(s, sizeof *a);
        if (!a) return;
        a->name = d->name.full;
        a->module = mod;
        a->decl = d;
        a->span = d->name.span;
        a->reference_set = d->u.assoc.reference_set;
        a->owner_both = d->u.assoc.owner_both;
        a->delete_behavior = d->u.assoc.delete_behavior;
        if (!old) {
            a->index = m->assocs.n;
            put(s, &m->assoc_by_name, a->name, a);
            push(s, &m->assocs, a);
        }
        return;
    }
    case NF_DECL_CONSTANT: {
        if (!module_of(s, &d->name, "constant")) return;
        nf_cc_constant *old = nf_cc_map_get(&m->constant_by_name, d->name.full);
        if (old && !duplicate(s, d, old->decl->name.span, "constant")) return;
        nf_cc_constant *c = old ? old : alloc(s, sizeof *c);
        if (!c) return;
        c->name = d->name.full;
        c->decl = d;
        if (!old) {
            c->index = m->constants.n;
            put(s, &m->constant_by_name, c->name, c);
            push(s, &m->constants, c);
        }
        return;
    }
    case NF_DECL_FLOW: {
        if (d->u.flow.is_test && !s->tests) return; /* parsed only: `nanoflow test` runs tests */
        const char *what = d->u.flow.is_test                     ? "test"
                           : d->u.flow.kind == NF_FLOW_NANOFLOW  ? "nanoflow"
                           : d->u.flow.kind == NF_FLOW_MICROFLOW ? "microflow"
                                                                 : "rule";
        nf_cc_module *mod = module_of(s, &d->name, what);
        if (!mod) return;
        nf_cc_flow *old = nf_cc_map_get(&m->flow_by_name, d->name.full);
        if (old && !duplicate(s, d, old->decl->name.span,
                              old->kind == NF_FLOW_NANOFLOW ? "nanoflow" : "microflow"))
            return;
        nf_cc_flow *f = old ? old : alloc(s, sizeof *f);
        if (!f) return;
        f->name = d->name.full;
        f->module = mod;
        f->kind = d->u.flow.kind;
        f->decl = d;
        d->u.flow.sym = f;
        if (old) old->decl->u.flow.sym = NULL; /* replaced: not checked or compiled */
        if (!old) {
            f->index = m->flows.n;
            put(s, &m->flow_by_name, f->name, f);
            push(s, &m->flows, f);
        }
        return;
    }
    case NF_DECL_ACTION: {
        if (!module_of(s, &d->name, "action")) return;
        nf_cc_action *old = nf_cc_map_get(&m->action_by_name, d->name.full);
        /* a javascript action signature and a Lua action of the same name pair up */
        bool pair = old && (old->kind == NF_ACTION_LUA) != (d->u.action.kind == NF_ACTION_LUA);
        if (old && !pair && !duplicate(s, d, old->decl->name.span, "action")) return;
        if (pair && d->u.action.kind != NF_ACTION_LUA) return; /* keep the Lua implementation */
        nf_cc_action *a = old ? old : alloc(s, sizeof *a);
        if (!a) return;
        a->name = d->name.full;
        a->kind = d->u.action.kind;
        a->decl = d;
        a->params = d->u.action.params;
        a->nparams = d->u.action.nparams;
        if (!old) {
            a->index = m->actions.n;
            put(s, &m->action_by_name, a->name, a);
            push(s, &m->actions, a);
        }
        return;
    }
    case NF_DECL_MODULE_ROLE:
    case NF_DECL_USER_ROLE: {
        bool user = d->kind == NF_DECL_USER_ROLE;
        if (!user && !module_of(s, &d->name, "module role")) return;
        nf_cc_role *old = nf_cc_map_get(&m->role_by_name, d->name.full);
        if (old && !duplicate(s, d, old->decl->name.span, user ? "user role" : "module role"))
            return;
        nf_cc_role *r = old ? old : alloc(s, sizeof *r);
        if (!r) return;
        r->name = d->name.full;
        r->user_role = user;
        r->decl = d;
        if (!old) {
            r->index = m->roles.n;
            put(s, &m->role_by_name, r->name, r);
            push(s, &m->roles, r);
        }
        return;
    }
    case NF_DECL_REGEX:
        if (!module_of(s, &d->name, "regular expression")) return;
        put(s, &m->regex_by_name, d->name.full, d);
        return;
    case NF_DECL_PAGE:
        put(s, &m->page_by_name, d->name.full, d);
        push(s, &m->decls_pages, d);
        return;
    case NF_DECL_VALIDATION: push(s, &m->decls_validation, d); return;
    case NF_DECL_GRANT_ENTITY:
    case NF_DECL_GRANT_FLOW:
    case NF_DECL_REVOKE: push(s, &m->decls_grants, d); return;
    case NF_DECL_DEMO_USER: push(s, &m->decls_demo_users, d); return;
    case NF_DECL_OFFLINE_PROFILE:
        if (!module_of(s, &d->name, "offline profile")) return;
        push(s, &m->decls_profiles, d);
        return;
    case NF_DECL_SECURITY:
    case NF_DECL_MDL_VERSION: return;
    }
}

/* ---- lookup ---------------------------------------------------------------------------------- */

static void report_unknown(nf_cc_sema *s, nf_cc_diag_code code, const nf_cc_qname *q,
                           const nf_cc_map *m, const char *what) {
    if (q->nparts < 2) {
        /* a missing module prefix is the likely mistake: look for Module.Name */
        for (uint32_t i = 0; i < m->cap; i++) {
            const nf_cc_sym *k = m->keys[i];
            if (!k) continue;
            const char *dot = strrchr(k->s, '.');
            if (dot && strcmp(dot + 1, q->full->s) == 0) {
                nf_cc_report(s->d, NF_D_NO_MODULE_PREFIX, q->span,
                             "%s '%s' needs a module prefix: did you mean '%s'?", what, q->full->s,
                             k->s);
                return;
            }
        }
    }
    const char *sug = nf_cc_suggest_map(m, q->full->s);
    if (sug)
        nf_cc_report(s->d, code, q->span, "unknown %s '%s'; did you mean '%s'?", what, q->full->s,
                     sug);
    else
        nf_cc_report(s->d, code, q->span, "unknown %s '%s'", what, q->full->s);
}

nf_cc_entity *nf_cc_lookup_entity(nf_cc_sema *s, const nf_cc_qname *q, bool report) {
    nf_cc_entity *e = q->full ? nf_cc_map_get(&s->m->entity_by_name, q->full) : NULL;
    if (!e && report && q->full)
        report_unknown(s, NF_D_UNKNOWN_ENTITY, q, &s->m->entity_by_name, "entity");
    return e;
}

nf_cc_enum *nf_cc_lookup_enum(nf_cc_sema *s, const nf_cc_qname *q, bool report) {
    nf_cc_enum *e = q->full ? nf_cc_map_get(&s->m->enum_by_name, q->full) : NULL;
    if (!e && report && q->full)
        report_unknown(s, NF_D_UNKNOWN_ENUM, q, &s->m->enum_by_name, "enumeration");
    return e;
}

nf_cc_assoc *nf_cc_lookup_assoc(nf_cc_sema *s, const nf_cc_qname *q) {
    return q->full ? nf_cc_map_get(&s->m->assoc_by_name, q->full) : NULL;
}

bool nf_cc_resolve_type(nf_cc_sema *s, const nf_cc_typeref *tr, nf_cc_type *out) {
    *out = nf_cc_t(NF_T_UNKNOWN);
    switch ((nf_cc_typeref_kind)tr->kind) {
    case NF_TR_NONE: return false;
    case NF_TR_BOOLEAN: *out = nf_cc_t(NF_T_BOOLEAN); return true;
    case NF_TR_INTEGER: *out = nf_cc_t(NF_T_INTEGER); return true;
    case NF_TR_LONG:
    case NF_TR_AUTONUMBER: *out = nf_cc_t(NF_T_LONG); return true;
    case NF_TR_DECIMAL:
    case NF_TR_CURRENCY:
    case NF_TR_FLOAT: *out = nf_cc_t(NF_T_DECIMAL); return true;
    case NF_TR_STRING:
    case NF_TR_HASHEDSTRING: *out = nf_cc_t(NF_T_STRING); return true;
    case NF_TR_DATETIME:
    case NF_TR_DATE:
    case NF_TR_AUTOCREATEDDATE:
    case NF_TR_AUTOCHANGEDDATE: *out = nf_cc_t(NF_T_DATETIME); return true;
    case NF_TR_AUTOOWNER:
    case NF_TR_AUTOCHANGEDBY: *out = nf_cc_t_object(s->m->system_user); return true;
    case NF_TR_BINARY: *out = nf_cc_t(NF_T_BINARY); return true;
    case NF_TR_VOID: *out = nf_cc_t(NF_T_VOID); return true;
    case NF_TR_ENUM: {
        nf_cc_enum *en = nf_cc_lookup_enum(s, &tr->name, true);
        if (!en) return false;
        *out = nf_cc_t_enum(en);
        return true;
    }
    case NF_TR_OBJECT: {
        /* a bare name may also be an enumeration written without Enumeration(…) */
        nf_cc_entity *e = nf_cc_lookup_entity(s, &tr->name, false);
        if (e) {
            *out = nf_cc_t_object(e);
            return true;
        }
        nf_cc_enum *en = nf_cc_lookup_enum(s, &tr->name, false);
        if (en) {
            *out = nf_cc_t_enum(en);
            return true;
        }
        nf_cc_lookup_entity(s, &tr->name, true);
        return false;
    }
    case NF_TR_LIST: {
        nf_cc_entity *e = nf_cc_lookup_entity(s, &tr->name, true);
        if (!e) return false;
        *out = nf_cc_t_list(e);
        return true;
    }
    case NF_TR_STRINGTEMPLATE:
    case NF_TR_TYPEPARAM:
        nf_cc_report(s->d, NF_D_TYPE_MISMATCH, tr->span,
                     "this type exists only for Java actions and is not supported here");
        return false;
    }
    return false;
}

/* ---- members --------------------------------------------------------------------------------- */

/* The system members are named System.owner, System.changedBy (associations to System.User
 * in Mendix) and createdDate, changedDate, whatever the declaring attribute is called. */
static nf_cc_attr *system_member(const nf_cc_entity *e, const nf_cc_step *st, nf_cc_sym *system) {
    uint8_t kind;
    const char *n = st->name.parts[st->name.nparts - 1]->s;
    if (st->name.nparts == 2 && st->name.parts[0] == system && strcmp(n, "owner") == 0)
        kind = NF_TR_AUTOOWNER;
    else if (st->name.nparts == 2 && st->name.parts[0] == system && strcmp(n, "changedBy") == 0)
        kind = NF_TR_AUTOCHANGEDBY;
    else if (st->name.nparts == 1 && strcmp(n, "createdDate") == 0)
        kind = NF_TR_AUTOCREATEDDATE;
    else if (st->name.nparts == 1 && strcmp(n, "changedDate") == 0)
        kind = NF_TR_AUTOCHANGEDDATE;
    else
        return NULL;
    for (int guard = 0; e && guard < 1000; e = e->generalization, guard++)
        for (uint32_t i = 0; i < e->nattrs; i++)
            if (e->attrs[i]->declared == kind) return e->attrs[i];
    return NULL;
}

bool nf_cc_resolve_member(nf_cc_sema *s, nf_cc_entity *e, nf_cc_step *st, bool report) {
    if (!e) return false;
    nf_cc_attr *sys = system_member(e, st, s->s_system);
    if (sys) {
        st->attr = sys;
        return true;
    }
    if (st->name.nparts == 1) {
        nf_cc_attr *a = nf_cc_entity_attr(e, st->name.full);
        if (a) {
            st->attr = a;
            return true;
        }
    } else {
        nf_cc_assoc *as = nf_cc_lookup_assoc(s, &st->name);
        if (as && as->from && as->to) {
            if (nf_cc_entity_is_a(e, as->from)) {
                st->assoc = as;
                st->entity = as->to;
                st->reverse = false;
                return true;
            }
            if (nf_cc_entity_is_a(e, as->to)) {
                st->assoc = as;
                st->entity = as->from;
                st->reverse = true;
                return true;
            }
            if (report)
                nf_cc_report(s->d, NF_D_UNKNOWN_MEMBER, st->name.span,
                             "association '%s' connects %s and %s, not %s", as->name->s,
                             as->from->name->s, as->to->name->s, e->name->s);
            return false;
        }
    }
    if (!report) return false;
    /* suggestions: attributes of the chain, or associations touching the entity */
    const char *cands[256];
    uint32_t n = 0;
    for (const nf_cc_entity *x = e; x && n < 200; x = x->generalization)
        for (uint32_t i = 0; i < x->nattrs && n < 200; i++)
            cands[n++] = x->attrs[i]->name->s;
    for (uint32_t i = 0; i < s->m->assocs.n && n < 256; i++) {
        nf_cc_assoc *as = s->m->assocs.items[i];
        if (as->from && as->to && (nf_cc_entity_is_a(e, as->from) || nf_cc_entity_is_a(e, as->to)))
            cands[n++] = as->name->s;
    }
    const char *sug = nf_cc_suggest(cands, n, st->name.full->s);
    if (!sug && st->name.nparts == 1) { /* an association written without its module */
        for (uint32_t i = 0; i < s->m->assocs.n; i++) {
            nf_cc_assoc *as = s->m->assocs.items[i];
            const char *dot = strrchr(as->name->s, '.');
            if (dot && strcmp(dot + 1, st->name.full->s) == 0) sug = as->name->s;
        }
    }
    if (sug)
        nf_cc_report(s->d, NF_D_UNKNOWN_MEMBER, st->name.span,
                     "entity %s has no member '%s'; did you mean '%s'?", e->name->s,
                     st->name.full->s, sug);
    else
        nf_cc_report(s->d, NF_D_UNKNOWN_MEMBER, st->name.span, "entity %s has no member '%s'",
                     e->name->s, st->name.full->s);
    return false;
}

nf_cc_type nf_cc_assoc_step_type(const nf_cc_step *st) {
    /* forward over a Reference gives one object; reverse or ReferenceSet gives a list */
    if (!st->reverse && !st->assoc->reference_set) return nf_cc_t_object(st->entity);
    return nf_cc_t_list(st->entity);
}

/* ---- domain model ---------------------------------------------------------------------------- */

static void resolve_entity(nf_cc_sema *s, nf_cc_entity *e) {
    if (e->resolved) return;
    if (e->resolving) return; /* a cycle: reported once, by the entity that closes it */
    e->resolving = true;
    nf_cc_decl *d = e->decl;
    if (d && d->u.entity.has_generalization) {
        nf_cc_entity *g = nf_cc_lookup_entity(s, &d->u.entity.generalization, true);
        if (g) {
            resolve_entity(s, g);
            if (nf_cc_entity_is_a(g, e)) {
                nf_cc_report(s->d, NF_D_GENERALIZATION_CYCLE, d->u.entity.generalization.span,
                             "entity %s cannot extend %s: that makes a generalization cycle",
                             e->name->s, g->name->s);
            } else {
                e->generalization = g;
                if (g->persist != e->persist && g->persist == NF_NON_PERSISTENT)
                    nf_cc_report(s->d, NF_D_TYPE_MISMATCH, d->u.entity.generalization.span,
                                 "a persistable entity cannot extend the non-persistable %s",
                                 g->name->s);
            }
        }
    }
    /* attributes */
    uint32_t n = d ? d->u.entity.nattrs : 0;
    e->attrs = n ? alloc(s, n * sizeof *e->attrs) : NULL;
    e->nattrs = 0;
    for (uint32_t i = 0; i < n && e->attrs; i++) {
        nf_cc_attr_decl *ad = &d->u.entity.attrs[i];
        nf_cc_attr *prev = nf_cc_entity_attr(e, ad->name);
        if (prev) {
            nf_cc_report(s->d, NF_D_DUPLICATE, ad->span, "%s already has an attribute '%s'%s%s",
                         e->name->s, ad->name->s, prev->owner != e ? " inherited from " : "",
                         prev->owner != e ? prev->owner->name->s : "");
            if (prev->decl) nf_cc_note(s->d, prev->span, "previous definition is here");
            continue;
        }
        nf_cc_attr *a = alloc(s, sizeof *a);
        if (!a) return;
        a->name = ad->name;
        a->owner = e;
        a->decl = ad;
        a->span = ad->span;
        a->declared = ad->type.kind;
        a->length = ad->type.kind == NF_TR_STRING || ad->type.kind == NF_TR_HASHEDSTRING
                        ? (ad->type.length < 0 ? 200 : ad->type.length)
                        : 0;
        a->autonumber = ad->type.kind == NF_TR_AUTONUMBER;
        a->hashed = ad->type.kind == NF_TR_HASHEDSTRING;
        a->calculated = ad->calculated;
        a->binary = ad->type.kind == NF_TR_BINARY;
        a->system_member =
            ad->type.kind == NF_TR_AUTOOWNER || ad->type.kind == NF_TR_AUTOCHANGEDBY ||
            ad->type.kind == NF_TR_AUTOCREATEDDATE || ad->type.kind == NF_TR_AUTOCHANGEDDATE;
        a->not_null = ad->not_null;
        a->unique = ad->unique;
        a->required = ad->required;
        if (ad->type.kind == NF_TR_OBJECT || ad->type.kind == NF_TR_LIST) {
            nf_cc_type t;
            if (nf_cc_lookup_enum(s, &ad->type.name, false)) {
                nf_cc_resolve_type(s, &ad->type, &t);
                a->type = t;
            } else {
                nf_cc_report(s->d, NF_D_TYPE_MISMATCH, ad->type.span,
                             "attributes hold values; refer to other objects with an association");
                a->type = nf_cc_t(NF_T_UNKNOWN);
            }
        } else if (ad->type.kind == NF_TR_VOID) {
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, ad->type.span,
                         "an attribute needs a value type");
        } else {
            nf_cc_resolve_type(s, &ad->type, &a->type);
        }
        a->index = e->nattrs;
        e->attrs[e->nattrs++] = a;
        put(s, &e->attr_by_name, a->name, a);
    }
    e->resolving = false;
    e->resolved = true;
}

/* Defaults are checked once every entity and enumeration is known. */
static void check_defaults(nf_cc_sema *s, nf_cc_entity *e) {
    for (uint32_t i = 0; i < e->nattrs; i++) {
        nf_cc_attr *a = e->attrs[i];
        nf_cc_expr *dv = a->decl ? a->decl->default_value : NULL;
        if (!dv || a->type.kind == NF_T_UNKNOWN) continue;
        if (a->autonumber) { /* default = start value */
            nf_cc_check_assign(s, dv, nf_cc_t(NF_T_LONG), "an AutoNumber start value");
            continue;
        }
        /* legacy: an enumeration default may name the value in quotes */
        if (a->type.kind == NF_T_ENUM && dv->kind == NF_EX_STRING) {
            nf_cc_sym *v = nf_cc_intern(s->in, dv->u.str.s, dv->u.str.len);
            if (v && nf_cc_enum_value_index(a->type.u.enumeration, v) >= 0) {
                dv->type = a->type;
                continue;
            }
            nf_cc_report(s->d, NF_D_UNKNOWN_ENUM_VALUE, dv->span, "'%s' is not a value of %s",
                         dv->u.str.s, a->type.u.enumeration->name->s);
            continue;
        }
        nf_cc_type t = nf_cc_check_expr(s, dv);
        if (t.kind != NF_T_UNKNOWN && !nf_cc_assignable(a->type, t)) {
            char b1[160], b2[160];
            nf_cc_report(s->d, NF_D_BAD_DEFAULT, dv->span, "default value of %s.%s is %s, not %s",
                         e->name->s, a->name->s, nf_cc_type_name(t, b1, sizeof b1),
                         nf_cc_type_name(a->type, b2, sizeof b2));
        }
    }
}

static void resolve_assoc(nf_cc_sema *s, nf_cc_assoc *a) {
    nf_cc_decl *d = a->decl;
    a->from = nf_cc_lookup_entity(s, &d->u.assoc.from, true);
    a->to = nf_cc_lookup_entity(s, &d->u.assoc.to, true);
}

static void resolve_signature(nf_cc_sema *s, nf_cc_flow *f) {
    nf_cc_decl *d = f->decl;
    f->nparams = d->u.flow.nparams;
    f->params = f->nparams ? alloc(s, f->nparams * sizeof *f->params) : NULL;
    nf_cc_map seen = {0};
    for (uint32_t i = 0; i < f->nparams && f->params; i++) {
        nf_cc_param_decl *pd = &d->u.flow.params[i];
        nf_cc_var *v = alloc(s, sizeof *v);
        if (!v) return;
        v->name = pd->name;
        v->span = pd->span;
        v->kind = NF_VAR_PARAM;
        v->index = i;
        if (!nf_cc_resolve_type(s, &pd->type, &v->type)) v->type = nf_cc_t(NF_T_UNKNOWN);
        if (v->type.kind == NF_T_VOID) {
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, pd->type.span, "a parameter cannot be Nothing");
            v->type = nf_cc_t(NF_T_UNKNOWN);
        }
        if (nf_cc_map_get(&seen, v->name))
            nf_cc_report(s->d, NF_D_DUPLICATE_VARIABLE, pd->span, "parameter $%s appears twice",
                         v->name->s);
        else if (!nf_cc_map_put(&seen, v->name, v))
            s->oom = true;
        f->params[i] = v;
    }
    nf_cc_map_free(&seen);
    if (!nf_cc_resolve_type(s, &d->u.flow.returns, &f->ret)) f->ret = nf_cc_t(NF_T_UNKNOWN);
    if (f->kind == NF_FLOW_RULE && f->ret.kind != NF_T_BOOLEAN && f->ret.kind != NF_T_ENUM &&
        f->ret.kind != NF_T_UNKNOWN)
        nf_cc_report(s->d, NF_D_TYPE_MISMATCH,
                     d->u.flow.returns.span.len ? d->u.flow.returns.span : d->name.span,
                     "a rule returns a Boolean or an enumeration");
}

static void resolve_action(nf_cc_sema *s, nf_cc_action *a) {
    nf_cc_map seen = {0};
    a->param_types = a->nparams ? alloc(s, a->nparams * sizeof *a->param_types) : NULL;
    for (uint32_t i = 0; i < a->nparams && a->param_types; i++) {
        if (!nf_cc_resolve_type(s, &a->params[i].type, &a->param_types[i]))
            a->param_types[i] = nf_cc_t(NF_T_UNKNOWN);
        if (nf_cc_map_get(&seen, a->params[i].name))
            nf_cc_report(s->d, NF_D_DUPLICATE_VARIABLE, a->params[i].span,
                         "parameter %s appears twice", a->params[i].name->s);
        else if (!nf_cc_map_put(&seen, a->params[i].name, &a->params[i]))
            s->oom = true;
    }
    nf_cc_map_free(&seen);
    if (!nf_cc_resolve_type(s, &a->decl->u.action.returns, &a->ret)) a->ret = nf_cc_t(NF_T_UNKNOWN);
}

static void resolve_constant(nf_cc_sema *s, nf_cc_constant *c) {
    nf_cc_decl *d = c->decl;
    if (!nf_cc_resolve_type(s, &d->u.constant.type, &c->type)) {
        c->type = nf_cc_t(NF_T_UNKNOWN);
        return;
    }
    if (c->type.kind == NF_T_OBJECT || c->type.kind == NF_T_LIST || c->type.kind == NF_T_VOID) {
        nf_cc_report(s->d, NF_D_TYPE_MISMATCH, d->u.constant.type.span,
                     "a constant holds a primitive value");
        c->type = nf_cc_t(NF_T_UNKNOWN);
        return;
    }
    nf_cc_check_assign(s, d->u.constant.value, c->type, "the constant's default");
}

static nf_cc_role *lookup_role(nf_cc_sema *s, const nf_cc_qname *q, bool want_user) {
    nf_cc_role *r = nf_cc_map_get(&s->m->role_by_name, q->full);
    if (r && r->user_role == want_user) return r;
    if (r) {
        nf_cc_report(s->d, NF_D_UNKNOWN_ROLE, q->span, "'%s' is a %s role, not a %s role",
                     q->full->s, r->user_role ? "user" : "module", want_user ? "user" : "module");
        return NULL;
    }
    /* System.Administrator and friends are implied by Mendix projects */
    if (!want_user && q->nparts == 2 && q->parts[0] == s->s_system) return NULL;
    const char *sug = nf_cc_suggest_map(&s->m->role_by_name, q->full->s);
    if (sug)
        nf_cc_report(s->d, NF_D_UNKNOWN_ROLE, q->span, "unknown %s role '%s'; did you mean '%s'?",
                     want_user ? "user" : "module", q->full->s, sug);
    else
        nf_cc_report(s->d, NF_D_UNKNOWN_ROLE, q->span, "unknown %s role '%s'",
                     want_user ? "user" : "module", q->full->s);
    return NULL;
}

static void resolve_roles(nf_cc_sema *s) {
    for (uint32_t i = 0; i < s->m->roles.n; i++) {
        nf_cc_role *r = s->m->roles.items[i];
        if (!r->user_role) continue;
        nf_cc_decl *d = r->decl;
        r->module_roles = d->u.user_role.nroles
                              ? alloc(s, d->u.user_role.nroles * sizeof *r->module_roles)
                              : NULL;
        for (uint32_t j = 0; j < d->u.user_role.nroles && r->module_roles; j++) {
            nf_cc_role *mr = lookup_role(s, &d->u.user_role.roles[j], false);
            if (mr) r->module_roles[r->nmodule_roles++] = mr;
        }
    }
}

static void check_member_list(nf_cc_sema *s, nf_cc_entity *e, nf_cc_qname *names, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        nf_cc_step st;
        memset(&st, 0, sizeof st);
        st.name = names[i];
        nf_cc_resolve_member(s, e, &st, true);
    }
}

static void check_grants(nf_cc_sema *s) {
    for (uint32_t i = 0; i < s->m->decls_grants.n; i++) {
        nf_cc_decl *d = s->m->decls_grants.items[i];
        if (d->kind == NF_DECL_GRANT_FLOW) {
            /* grant execute on nanoflow|microflow */
            nf_cc_flow *f = nf_cc_map_get(&s->m->flow_by_name, d->u.grant_flow.flow.full);
            if (!f) {
                const char *sug =
                    nf_cc_suggest_map(&s->m->flow_by_name, d->u.grant_flow.flow.full->s);
                if (sug)
                    nf_cc_report(s->d, NF_D_UNKNOWN_FLOW, d->u.grant_flow.flow.span,
                                 "unknown flow '%s'; did you mean '%s'?",
                                 d->u.grant_flow.flow.full->s, sug);
                else
                    nf_cc_report(s->d, NF_D_UNKNOWN_FLOW, d->u.grant_flow.flow.span,
                                 "unknown flow '%s'", d->u.grant_flow.flow.full->s);
            } else if (f->kind != d->u.grant_flow.flow_kind &&
                       !(f->kind == NF_FLOW_RULE &&
                         d->u.grant_flow.flow_kind == NF_FLOW_MICROFLOW)) {
                nf_cc_report(s->d, NF_D_UNKNOWN_FLOW, d->u.grant_flow.flow.span, "'%s' is a %s",
                             f->name->s, f->kind == NF_FLOW_NANOFLOW ? "nanoflow" : "microflow");
            }
            for (uint32_t j = 0; j < d->u.grant_flow.nroles; j++)
                lookup_role(s, &d->u.grant_flow.roles[j], false);
            continue;
        }
        nf_cc_entity *e = nf_cc_lookup_entity(s, &d->u.grant_entity.entity, true);
        for (uint32_t j = 0; j < d->u.grant_entity.nroles; j++)
            lookup_role(s, &d->u.grant_entity.roles[j], false);
        if (!e) continue;
        check_member_list(s, e, d->u.grant_entity.rights.read, d->u.grant_entity.rights.nread);
        check_member_list(s, e, d->u.grant_entity.rights.write, d->u.grant_entity.rights.nwrite);
        if (d->u.grant_entity.xpath)
            nf_cc_check_xpath(s, d->u.grant_entity.xpath, e, NF_XP_ACCESS_RULE);
    }
    for (uint32_t i = 0; i < s->m->decls_demo_users.n; i++) {
        nf_cc_decl *d = s->m->decls_demo_users.items[i];
        for (uint32_t j = 0; j < d->u.demo_user.nroles; j++)
            lookup_role(s, &d->u.demo_user.roles[j], true);
        if (d->u.demo_user.has_entity) {
            nf_cc_entity *e = nf_cc_lookup_entity(s, &d->u.demo_user.entity, true);
            if (e && !nf_cc_entity_is_a(e, s->m->system_user))
                nf_cc_report(s->d, NF_D_TYPE_MISMATCH, d->u.demo_user.entity.span,
                             "a demo user's entity must be System.User or extend it");
        }
        if (!d->u.demo_user.password)
            nf_cc_report(s->d, NF_D_SYNTAX, d->name.span, "demo user '%s' has no password",
                         d->u.demo_user.user ? d->u.demo_user.user : "?");
    }
}

static void check_validation_rules(nf_cc_sema *s) {
    for (uint32_t i = 0; i < s->m->decls_validation.n; i++) {
        nf_cc_decl *d = s->m->decls_validation.items[i];
        nf_cc_qname q = d->u.validation.entity;
        nf_cc_entity *e = nf_cc_lookup_entity(s, &q, false);
        nf_cc_attr *target_attr = NULL;
        if (!e && q.nparts >= 3) { /* newest form: Module.Entity.Attribute */
            nf_cc_qname eq = q;
            eq.nparts = q.nparts - 1;
            char buf[512];
            snprintf(buf, sizeof buf, "%s", q.full->s);
            char *dot = strrchr(buf, '.');
            if (dot) *dot = '\0';
            eq.full = nf_cc_intern_cstr(s->in, buf);
            e = nf_cc_lookup_entity(s, &eq, false);
            if (e) {
                target_attr = nf_cc_entity_attr(e, q.parts[q.nparts - 1]);
                if (!target_attr)
                    nf_cc_report(s->d, NF_D_UNKNOWN_ATTRIBUTE, q.span,
                                 "entity %s has no attribute '%s'", e->name->s,
                                 q.parts[q.nparts - 1]->s);
            }
        }
        if (!e) {
            nf_cc_lookup_entity(s, &q, true);
            continue;
        }
        for (uint32_t j = 0; j < d->u.validation.nattrs; j++) {
            nf_cc_attr *a = nf_cc_entity_attr(e, d->u.validation.attrs[j].full);
            if (!a) {
                nf_cc_report(s->d, NF_D_UNKNOWN_ATTRIBUTE, d->u.validation.attrs[j].span,
                             "entity %s has no attribute '%s'", e->name->s,
                             d->u.validation.attrs[j].full->s);
                continue;
            }
            target_attr = a;
        }
        if (d->u.validation.rule == NF_RULE_RANGE && target_attr) {
            nf_cc_type want = target_attr->type;
            if (!nf_cc_is_numeric(want) && want.kind != NF_T_DATETIME)
                nf_cc_report(s->d, NF_D_NOT_NUMERIC, d->u.validation.entity.span,
                             "a range rule needs a numeric or DateTime attribute");
            else {
                if (d->u.validation.lo)
                    nf_cc_check_assign(s, d->u.validation.lo, want, "the range bound");
                if (d->u.validation.hi)
                    nf_cc_check_assign(s, d->u.validation.hi, want, "the range bound");
            }
        }
        if (d->u.validation.rule == NF_RULE_REGEX && d->u.validation.regex.full &&
            !nf_cc_map_get(&s->m->regex_by_name, d->u.validation.regex.full))
            nf_cc_report(
                s->d, NF_D_UNKNOWN_REGEX, d->u.validation.regex.span,
                "unknown regular expression '%s' (define it with create regular expression)",
                d->u.validation.regex.full->s);
        if (d->u.validation.rule == NF_RULE_EXPRESSION) {
            /* the expression sees the object as $currentObject */
            nf_cc_entity *saved = s->lambda_entity;
            bool saved_in = s->in_lambda;
            s->lambda_entity = e;
            s->in_lambda = true;
            nf_cc_check_assign(s, d->u.validation.expr, nf_cc_t(NF_T_BOOLEAN),
                               "a validation expression");
            s->lambda_entity = saved;
            s->in_lambda = saved_in;
        }
    }
}

static void check_event_handlers(nf_cc_sema *s, nf_cc_entity *e) {
    nf_cc_decl *d = e->decl;
    if (!d) return;
    for (uint32_t i = 0; i < d->u.entity.nevents; i++) {
        nf_cc_event_decl *ev = &d->u.entity.events[i];
        nf_cc_flow *f = nf_cc_map_get(&s->m->flow_by_name, ev->flow.full);
        if (!f) {
            nf_cc_report(s->d, NF_D_UNKNOWN_FLOW, ev->flow.span, "unknown microflow '%s'",
                         ev->flow.full->s);
            continue;
        }
        if (f->kind != NF_FLOW_MICROFLOW) {
            nf_cc_report(s->d, NF_D_EVENT_HANDLER_FLOW, ev->flow.span,
                         "event handlers run on the server: '%s' must be a microflow", f->name->s);
            continue;
        }
        bool takes_object = f->nparams == 1 && f->params[0] &&
                            (f->params[0]->type.kind == NF_T_UNKNOWN ||
                             (f->params[0]->type.kind == NF_T_OBJECT &&
                              nf_cc_entity_is_a(e, f->params[0]->type.u.entity)));
        if (ev->pass_object ? !takes_object : f->nparams != 0)
            nf_cc_report(s->d, NF_D_EVENT_HANDLER_FLOW, ev->flow.span,
                         ev->pass_object
                             ? "'%s' must take exactly one parameter of entity %s"
                             : "'%s' must take no parameters (or pass $currentObject) for %s",
                         f->name->s, e->name->s);
        if (ev->moment == NF_EV_BEFORE && f->ret.kind != NF_T_BOOLEAN &&
            f->ret.kind != NF_T_UNKNOWN)
            nf_cc_report(s->d, NF_D_EVENT_HANDLER_FLOW, ev->flow.span,
                         "a before-%s handler returns Boolean (false cancels the action)",
                         ev->type == NF_EV_COMMIT   ? "commit"
                         : ev->type == NF_EV_CREATE ? "create"
                         : ev->type == NF_EV_DELETE ? "delete"
                                                    : "rollback");
    }
    for (uint32_t i = 0; i < d->u.entity.nindexes; i++) {
        nf_cc_index_decl *ix = &d->u.entity.indexes[i];
        for (uint32_t j = 0; j < ix->ncols; j++)
            if (!nf_cc_entity_attr(e, ix->cols[j].attr.full))
                nf_cc_report(s->d, NF_D_UNKNOWN_ATTRIBUTE, ix->cols[j].attr.span,
                             "entity %s has no attribute '%s' to index", e->name->s,
                             ix->cols[j].attr.full->s);
    }
}

static void check_profiles(nf_cc_sema *s) {
    for (uint32_t i = 0; i < s->m->decls_profiles.n; i++) {
        nf_cc_decl *d = s->m->decls_profiles.items[i];
        for (uint32_t j = 0; j < d->u.profile.n; j++) {
            nf_cc_profile_entry *pe = &d->u.profile.entries[j];
            nf_cc_entity *e = nf_cc_lookup_entity(s, &pe->entity, true);
            if (!e) continue;
            if (e->persist != NF_PERSISTENT) {
                nf_cc_report(s->d, NF_D_OFFLINE_PROFILE, pe->entity.span,
                             "%s is not persistable: only persistable entities are synchronized",
                             e->name->s);
                continue;
            }
            if (e->profile) {
                nf_cc_report(s->d, NF_D_OFFLINE_PROFILE, pe->entity.span,
                             "%s already has a rule in the offline profile", e->name->s);
                nf_cc_note(s->d, e->profile->span, "previous rule is here");
                continue;
            }
            e->profile = pe;
            e->in_profile = true;
            if (pe->download != NF_DL_ONLINE) e->offline = true;
            if (pe->xpath) nf_cc_check_xpath(s, pe->xpath, e, NF_XP_PROFILE);
            if (pe->conflict == NF_CONFLICT_REVISION) {
                nf_cc_attr *a = nf_cc_entity_attr(e, pe->revision_attr);
                if (!a)
                    nf_cc_report(s->d, NF_D_OFFLINE_REVISION, pe->revision_span,
                                 "entity %s has no attribute '%s' to hold the revision", e->name->s,
                                 pe->revision_attr->s);
                else if (!nf_cc_is_integral(a->type) || a->autonumber || a->calculated)
                    nf_cc_report(s->d, NF_D_OFFLINE_REVISION, pe->revision_span,
                                 "revision attribute %s.%s must be a stored Integer or Long",
                                 e->name->s, a->name->s);
            }
        }
    }
}

void nf_cc_sema_declarations(nf_cc_sema *s, nf_cc_unit *u) {
    nf_cc_model *m = s->m;
    for (uint32_t i = 0; i < u->ndecls && !s->oom; i++)
        collect(s, u->decls[i]);
    m->system_user = nf_cc_map_get(&m->entity_by_name, nf_cc_intern_cstr(s->in, "System.User"));
    m->system_filedocument =
        nf_cc_map_get(&m->entity_by_name, nf_cc_intern_cstr(s->in, "System.FileDocument"));
    m->system_image = nf_cc_map_get(&m->entity_by_name, nf_cc_intern_cstr(s->in, "System.Image"));
    m->system_error = nf_cc_map_get(&m->entity_by_name, nf_cc_intern_cstr(s->in, "System.Error"));
    for (uint32_t i = 0; i < m->entities.n; i++)
        resolve_entity(s, m->entities.items[i]);
    for (uint32_t i = 0; i < m->assocs.n; i++)
        resolve_assoc(s, m->assocs.items[i]);
    for (uint32_t i = 0; i < m->entities.n; i++)
        check_defaults(s, m->entities.items[i]);
    for (uint32_t i = 0; i < m->flows.n; i++)
        resolve_signature(s, m->flows.items[i]);
    for (uint32_t i = 0; i < m->actions.n; i++)
        resolve_action(s, m->actions.items[i]);
    for (uint32_t i = 0; i < m->constants.n; i++)
        resolve_constant(s, m->constants.items[i]);
    for (uint32_t i = 0; i < m->entities.n; i++)
        check_event_handlers(s, m->entities.items[i]);
    resolve_roles(s);
    check_profiles(s);
    check_grants(s);
    check_validation_rules(s);
}
