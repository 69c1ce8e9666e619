/* cc_lint_flow.c — statement lints over every flow body (docs/lint.md): synchronize and
 * microflow calls without an error handler (NF6001, NF6008), deleting synchronized objects
 * (NF6002), JavaScript actions nothing implements (NF6007), UI actions in microflows that
 * nanoflows call (NF6009), apps that commit offline but never synchronize (NF6011) and
 * nanoflows that write the revision attribute (NF6012). */
#include <stdlib.h>
#include <string.h>

#include "cc_lint.h"

typedef struct walker {
    nf_cc_lint_ctx *l;
    nf_cc_flow *f;
    bool nano;
    unsigned in_try; /* enclosing try bodies (not their catch blocks) */
    /* across flows */
    nf_cc_span *js_call; /* per action: first call (len 0: none) */
    bool any_sync, any_commit;
    nf_cc_span first_commit;
} walker;

static void walk_block(walker *w, const nf_cc_block *b);

static bool synced(const nf_cc_entity *e) {
    return e && e->offline && !e->system && e->persist == NF_PERSISTENT;
}

static nf_cc_entity *var_entity(walker *w, const nf_cc_sym *name) {
    nf_cc_var *v = nf_cc_lint_var(w->f, name);
    if (!v || (v->type.kind != NF_T_OBJECT && v->type.kind != NF_T_LIST)) return NULL;
    return v->type.u.entity;
}

/* A Boolean attribute that marks objects deleted (IsDeleted, Deleted, …), or NULL. */
static const nf_cc_attr *deleted_flag(const nf_cc_entity *e) {
    for (; e; e = e->generalization)
        for (uint32_t k = 0; k < e->nattrs; k++) {
            const nf_cc_attr *a = e->attrs[k];
            const char *n = a->name->s;
            if (a->type.kind == NF_T_BOOLEAN && nf_cc_lint_ends_with(n, "deleted")) return a;
        }
    return NULL;
}

void nf_cc_lint_delete(nf_cc_lint_ctx *l, const nf_cc_flow *f, const nf_cc_stmt *st) {
    nf_cc_var *v = nf_cc_lint_var(f, st->u.target.var);
    if (!v || (v->type.kind != NF_T_OBJECT && v->type.kind != NF_T_LIST)) return;
    nf_cc_entity *e = v->type.u.entity;
    if (!synced(e)) return;
    const nf_cc_attr *flag = deleted_flag(e);
    if (flag)
        nf_cc_report(l->d, NF_D_LINT_DELETE_SYNCED, st->span,
                     "%s objects are synchronized to devices: deleting one loses the changes a "
                     "device has not uploaded yet; set %s to true instead (and filter on it)",
                     e->name->s, flag->name->s);
    else
        nf_cc_report(l->d, NF_D_LINT_DELETE_SYNCED, st->span,
                     "%s objects are synchronized to devices: deleting one loses the changes a "
                     "device has not uploaded yet; add an IsDeleted Boolean attribute, set it "
                     "instead and filter on it",
                     e->name->s);
}

/* NF6012: the attribute is the revision of an entity whose profile checks revisions. */
static void lint_revision_write(walker *w, const nf_cc_assign *as, uint32_t n) {
    nf_cc_model *m = w->l->m;
    for (uint32_t i = 0; i < n; i++) {
        const nf_cc_attr *a = as[i].resolved.attr;
        if (!a) continue;
        for (uint32_t k = 0; k < m->entities.n; k++) {
            nf_cc_entity *e = m->entities.items[k];
            if (!e->profile || e->profile->conflict != NF_CONFLICT_REVISION ||
                nf_cc_entity_attr(e, e->profile->revision_attr) != a)
                continue;
            nf_cc_report(w->l->d, NF_D_LINT_REVISION_WRITTEN, as[i].member.span,
                         "%s.%s is the revision the offline profile checks conflicts with: the "
                         "server (a before-commit microflow) maintains it; a device that writes "
                         "it hides the conflicts the check exists to find",
                         e->name->s, a->name->s);
            break;
        }
    }
}

static void note_commit(walker *w, nf_cc_entity *e, nf_cc_span at) {
    if (!w->nano || !synced(e) || w->any_commit) return;
    w->any_commit = true;
    w->first_commit = at;
}

static nf_cc_entity *created_entity(walker *w, const nf_cc_stmt *st) {
    if (!st->u.object.type.name.full) return NULL;
    return nf_cc_map_get(&w->l->m->entity_by_name, st->u.object.type.name.full);
}

static bool is_ui_action(const nf_cc_stmt *st) {
    switch (st->kind) {
    case NF_ST_SHOW_MESSAGE:
    case NF_ST_FEEDBACK:
    case NF_ST_SHOW_PAGE:
    case NF_ST_CLOSE_PAGE: return true;
    case NF_ST_FORBIDDEN:
        return strcmp(st->u.forbidden.what, "download file") == 0 ||
               strcmp(st->u.forbidden.what, "show home page") == 0;
    default: return false;
    }
}

static const char *ui_action_name(const nf_cc_stmt *st) {
    switch (st->kind) {
    case NF_ST_SHOW_MESSAGE: return "show message";
    case NF_ST_FEEDBACK: return "validation feedback";
    case NF_ST_SHOW_PAGE: return "show page";
    case NF_ST_CLOSE_PAGE: return "close page";
    default: return st->u.forbidden.what;
    }
}

static void lint_call(walker *w, const nf_cc_stmt *st, bool handled) {
    nf_cc_model *m = w->l->m;
    if (st->u.call.kind == NF_CALL_MICROFLOW && w->nano && !handled)
        nf_cc_report(w->l->d, NF_D_LINT_MF_CALL_UNHANDLED, st->span,
                     "microflow %s runs on the server: the call fails without a connection or "
                     "when the server rejects it; wrap it in try … catch (or 'on error without "
                     "rollback') and tell the user",
                     st->u.call.name.full->s);
    if (st->u.call.kind == NF_CALL_JAVASCRIPT) {
        nf_cc_action *a =
            st->u.call.name.full ? nf_cc_map_get(&m->action_by_name, st->u.call.name.full) : NULL;
        if (a && a->kind == NF_ACTION_JAVASCRIPT && a->index < m->actions.n &&
            w->js_call[a->index].len == 0) {
            w->js_call[a->index] = st->u.call.name.span;
            if (w->js_call[a->index].len == 0) w->js_call[a->index].len = 1;
        }
    }
}

static void walk_stmt(walker *w, const nf_cc_stmt *st) {
    bool handled = w->in_try > 0 || st->on_error.kind != NF_H_NONE;
    switch (st->kind) {
    case NF_ST_SYNC:
        w->any_sync = w->any_sync || w->nano;
        if (w->nano && !handled)
            nf_cc_report(w->l->d, NF_D_LINT_SYNC_UNHANDLED, st->span,
                         "synchronize fails without a connection, on conflicts and on model "
                         "errors: wrap it in try … catch (or 'on error without rollback') and "
                         "tell the user");
        break;
    case NF_ST_CALL: lint_call(w, st, handled); break;
    case NF_ST_COMMIT: note_commit(w, var_entity(w, st->u.commit.var), st->span); break;
    case NF_ST_CREATE:
    case NF_ST_CHANGE:
        if (w->nano) lint_revision_write(w, st->u.object.assigns, st->u.object.nassigns);
        if (st->u.object.commit)
            note_commit(w,
                        st->kind == NF_ST_CREATE ? created_entity(w, st)
                                                 : var_entity(w, st->u.object.var),
                        st->span);
        break;
    case NF_ST_IF:
        for (uint32_t i = 0; i < st->u.if_.n; i++)
            walk_block(w, &st->u.if_.bodies[i]);
        walk_block(w, &st->u.if_.else_body);
        break;
    case NF_ST_CASE:
        for (uint32_t i = 0; i < st->u.case_.n; i++)
            walk_block(w, &st->u.case_.whens[i].body);
        walk_block(w, &st->u.case_.else_body);
        break;
    case NF_ST_SPLIT:
        for (uint32_t i = 0; i < st->u.split.n; i++)
            walk_block(w, &st->u.split.whens[i].body);
        walk_block(w, &st->u.split.else_body);
        break;
    case NF_ST_LOOP: walk_block(w, &st->u.loop.body); break;
    case NF_ST_WHILE: walk_block(w, &st->u.while_.body); break;
    case NF_ST_TRY: {
        w->in_try++;
        walk_block(w, &st->u.try_.body);
        w->in_try--;
        unsigned saved = w->in_try;
        w->in_try = 0; /* an error in the catch block is not caught by it */
        walk_block(w, &st->u.try_.handler);
        w->in_try = saved;
        break;
    }
    default: break;
    }
    if (!w->nano && w->f->called_from_nanoflow && is_ui_action(st))
        nf_cc_report(w->l->d, NF_D_LINT_MF_UI_ACTION, st->span,
                     "%s in microflow %s, which nanoflows call: UI actions of a microflow called "
                     "from an offline app are ignored; do it in the calling nanoflow",
                     ui_action_name(st), w->f->name->s);
    if (st->on_error.kind != NF_H_NONE) {
        unsigned saved = w->in_try;
        w->in_try = 0;
        walk_block(w, &st->on_error.body);
        w->in_try = saved;
    }
}

static void walk_block(walker *w, const nf_cc_block *b) {
    for (uint32_t i = 0; i < b->n; i++)
        if (b->stmts[i]) walk_stmt(w, b->stmts[i]);
}

void nf_cc_lint_flows(nf_cc_lint_ctx *l) {
    nf_cc_model *m = l->m;
    walker w;
    memset(&w, 0, sizeof w);
    w.l = l;
    w.js_call = calloc(m->actions.n + 1, sizeof *w.js_call);
    if (!w.js_call) {
        l->oom = true;
        return;
    }
    for (uint32_t i = 0; i < m->flows.n; i++) {
        nf_cc_flow *f = m->flows.items[i];
        if (!f->decl || f->decl->kind != NF_DECL_FLOW || f->decl->u.flow.sym != f) continue;
        w.f = f;
        w.nano = f->kind == NF_FLOW_NANOFLOW;
        w.in_try = 0;
        walk_block(&w, &f->decl->u.flow.body);
        nf_cc_lint_commits(l, f);
    }
    for (uint32_t i = 0; i < m->actions.n; i++) {
        nf_cc_action *a = m->actions.items[i];
        /* System.Quarantine_* are implemented by the runtime itself */
        if (!w.js_call[i].len || !a->decl || strncmp(a->name->s, "System.", 7) == 0) continue;
        nf_cc_report(l->d, NF_D_LINT_JS_NO_IMPL, a->decl->name.span,
                     "javascript action %s has only a signature: no Lua action implements it, so "
                     "calls fail unless the host app registers it; write 'create lua action %s' "
                     "or mark the declaration host-provided with '-- lint: ignore NF6007'",
                     a->name->s, a->name->s);
        nf_cc_note(l->d, w.js_call[i], "called here");
    }
    if (w.any_commit && !w.any_sync)
        nf_cc_report(l->d, NF_D_LINT_NEVER_SYNCED, w.first_commit,
                     "nanoflows commit offline objects, but none synchronizes: the changes stay "
                     "on the device; synchronize after committing (when online) or remind the "
                     "user to");
    free(w.js_call);
}
