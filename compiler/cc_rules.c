/* cc_rules.c — the Mendix rules a nanoflow or microflow must follow (reference/mdl.md §5,
 * mendix-semantics §0) and the offline-first rules of shared/seed/offline-best-practices.md.
 * Each rule is a compile error (or warning) with a stable code and a message naming it. */
#include <stdio.h>
#include <string.h>

#include "cc_sema.h"

/* ---- nanoflow / microflow activity rules ----------------------------------------------------- */

static const char *forbidden_reason(const char *what) {
    if (strcmp(what, "execute database query") == 0)
        return "database queries are not allowed in nanoflows";
    if (strcmp(what, "call rest service") == 0) return "REST calls are not allowed in nanoflows";
    if (strcmp(what, "send rest request") == 0) return "REST requests are not allowed in nanoflows";
    if (strcmp(what, "import from mapping") == 0)
        return "import mapping is not allowed in nanoflows";
    if (strcmp(what, "export to mapping") == 0) return "export mapping is not allowed in nanoflows";
    if (strcmp(what, "transform") == 0) return "JSON transformation is not allowed in nanoflows";
    if (strcmp(what, "workflow action") == 0)
        return "workflow actions are not allowed in nanoflows";
    if (strcmp(what, "download file") == 0) return "file downloads are not allowed in nanoflows";
    if (strcmp(what, "show home page") == 0) return "show home page is not allowed in nanoflows";
    if (strcmp(what, "call external action") == 0)
        return "external action calls are not allowed in nanoflows";
    if (strcmp(what, "call web service") == 0)
        return "web service calls are not allowed in nanoflows";
    return "this action is not allowed in nanoflows";
}

/* Activities Mendix (CE6035) refuses any `on error` on in nanoflows. */
static bool takes_no_handler(nf_cc_stkind k) {
    switch (k) {
    case NF_ST_CHANGE:
    case NF_ST_LOG:
    case NF_ST_SHOW_PAGE:
    case NF_ST_CLOSE_PAGE:
    case NF_ST_SHOW_MESSAGE:
    case NF_ST_PROGRESS:
    case NF_ST_FEEDBACK: return true;
    default: return false;
    }
}

static const char *handler_name(nf_cc_handler_kind k) {
    switch (k) {
    case NF_H_CONTINUE: return "on error continue";
    case NF_H_ROLLBACK: return "on error rollback";
    case NF_H_CUSTOM: return "a custom handler with rollback";
    default: return "this handler";
    }
}

void nf_cc_rules_stmt(nf_cc_sema *s, nf_cc_stmt *st) {
    nf_cc_stkind k = (nf_cc_stkind)st->kind;
    if (s->nanoflow) {
        if (st->on_error.kind != NF_H_NONE && takes_no_handler(k)) {
            nf_cc_report(s->d, NF_D_HANDLER_NOT_ALLOWED, st->on_error.span,
                         "this activity takes no error handler in nanoflows (Mendix CE6035); "
                         "wrap it in try … catch … end try");
        } else if (st->on_error.kind == NF_H_CONTINUE || st->on_error.kind == NF_H_ROLLBACK ||
                   st->on_error.kind == NF_H_CUSTOM) {
            nf_cc_report(s->d, NF_D_NANOFLOW_HANDLER, st->on_error.span,
                         "nanoflows are not transactional and support only Abort (no handler) and "
                         "'on error without rollback'; %s is not allowed",
                         handler_name((nf_cc_handler_kind)st->on_error.kind));
        }
        switch (k) {
        case NF_ST_FORBIDDEN:
            nf_cc_report(s->d, NF_D_NANOFLOW_ACTION, st->span, "%s",
                         forbidden_reason(st->u.forbidden.what));
            break;
        case NF_ST_RAISE:
            nf_cc_report(s->d, NF_D_NANOFLOW_ACTION, st->span,
                         "ErrorEvent (raise error) is not allowed in nanoflows");
            break;
        case NF_ST_THROW:
            nf_cc_report(s->d, NF_D_NANOFLOW_ACTION, st->span, "throw is not a nanoflow activity");
            break;
        case NF_ST_CALL:
            if (st->u.call.kind == NF_CALL_JAVA)
                nf_cc_report(
                    s->d, NF_D_NANOFLOW_ACTION, st->span,
                    "Java actions cannot be called from nanoflows; call a microflow that runs it");
            if (st->u.call.in_queue)
                nf_cc_report(s->d, NF_D_NANOFLOW_ACTION, st->span,
                             "a microflow called from a nanoflow cannot run in a task queue");
            break;
        case NF_ST_FEEDBACK:
            if (st->u.feedback.nparams || st->u.feedback.text->kind != NF_EX_STRING)
                nf_cc_report(
                    s->d, NF_D_FEEDBACK_TEMPLATE,
                    st->u.feedback.nparams ? st->u.feedback.params[0].value->span
                                           : st->u.feedback.text->span,
                    "validation feedback in nanoflows is static text: write the message as "
                    "one string literal, without template parameters");
            break;
        case NF_ST_LOG: {
            /* mxcli describe writes node 'Application' for node-less nanoflow logs */
            nf_cc_expr *n = st->u.log.node;
            if (n && !(n->kind == NF_EX_STRING && strcmp(n->u.str.s, "Application") == 0))
                nf_cc_report(s->d, NF_D_UNSUPPORTED_OPTION, n->span,
                             "log nodes are microflow-only in Mendix: nanoflow messages are logged "
                             "without this node");
            break;
        }
        default: break;
        }
        return;
    }
    /* microflows (and rules) run on the server */
    switch (k) {
    case NF_ST_SYNC:
        nf_cc_report(
            s->d, NF_D_SYNC_IN_MICROFLOW, st->span,
            "synchronize runs on the device: it is allowed only in nanoflows (Mendix CE0009)");
        break;
    case NF_ST_CLEAR_DEVICE:
    case NF_ST_CANCEL_SYNC:
        nf_cc_report(s->d, NF_D_CLIENT_ACTION_IN_MICROFLOW, st->span,
                     "%s is a client action allowed only in nanoflows",
                     k == NF_ST_CLEAR_DEVICE ? "clear from device" : "cancel synchronization");
        break;
    case NF_ST_CALL:
        if (st->u.call.kind == NF_CALL_NANOFLOW || st->u.call.kind == NF_CALL_JAVASCRIPT)
            nf_cc_report(s->d, NF_D_CLIENT_ACTION_IN_MICROFLOW, st->span,
                         "%s runs on the client: microflows cannot call it",
                         st->u.call.kind == NF_CALL_NANOFLOW ? "a nanoflow"
                                                             : "a JavaScript action");
        else if (st->u.call.kind == NF_CALL_JAVA)
            nf_cc_report(
                s->d, NF_D_MICROFLOW_UNSUPPORTED, st->span,
                "Java actions are not supported by the nanoflow runtime; this call fails when run "
                "(use a Lua action)");
        else if (st->u.call.in_queue)
            nf_cc_report(
                s->d, NF_D_UNSUPPORTED_OPTION, st->span,
                "task queues are not supported by the nanoflow runtime: the microflow runs "
                "synchronously");
        break;
    case NF_ST_FORBIDDEN:
        nf_cc_report(s->d, NF_D_MICROFLOW_UNSUPPORTED, st->span,
                     "%s is not supported by the nanoflow runtime's server; it fails when run",
                     st->u.forbidden.what);
        break;
    case NF_ST_THROW:
        nf_cc_report(
            s->d, NF_D_MICROFLOW_UNSUPPORTED, st->span,
            "throw is not a Mendix activity; it fails when run (use raise error in a handler)");
        break;
    default: break;
    }
}

/* ---- offline rules --------------------------------------------------------------------------- */

void nf_cc_rules_offline_attr(nf_cc_sema *s, const nf_cc_attr *a, nf_cc_span at) {
    if (!a->owner || a->owner->persist != NF_PERSISTENT) return;
    if (a->autonumber)
        nf_cc_report(
            s->d, NF_D_OFFLINE_AUTONUMBER, at,
            "AutoNumber attribute %s.%s needs the server and cannot be used by offline logic",
            a->owner->name->s, a->name->s);
    else if (a->calculated)
        nf_cc_report(
            s->d, NF_D_OFFLINE_CALCULATED, at,
            "calculated attribute %s.%s needs the server and cannot be used by offline logic",
            a->owner->name->s, a->name->s);
    else if (a->system_member)
        nf_cc_report(s->d, NF_D_OFFLINE_SYSTEM_MEMBER, at,
                     "system member %s.%s is not supported offline", a->owner->name->s, a->name->s);
}

/* Whether a non-persistable entity reaches a persistable one over associations (either
 * direction, through other non-persistable entities). Returns the persistable one. */
static const nf_cc_entity *reaches_persistable(nf_cc_sema *s, const nf_cc_entity *start) {
    const nf_cc_entity *queue[512];
    uint32_t head = 0, tail = 0;
    queue[tail++] = start;
    while (head < tail) {
        const nf_cc_entity *e = queue[head++];
        for (uint32_t i = 0; i < s->m->assocs.n; i++) {
            nf_cc_assoc *a = s->m->assocs.items[i];
            if (!a->from || !a->to) continue;
            const nf_cc_entity *other = NULL;
            if (nf_cc_entity_is_a(e, a->from))
                other = a->to;
            else if (nf_cc_entity_is_a(e, a->to))
                other = a->from;
            if (!other) continue;
            if (other->persist == NF_PERSISTENT) return other;
            bool seen = false;
            for (uint32_t j = 0; j < tail && !seen; j++)
                seen = queue[j] == other;
            if (!seen && tail < 512) queue[tail++] = other;
        }
    }
    return NULL;
}

void nf_cc_rules_microflow_value(nf_cc_sema *s, nf_cc_type t, nf_cc_span at, const char *what) {
    if ((t.kind != NF_T_OBJECT && t.kind != NF_T_LIST) || !t.u.entity) return;
    const nf_cc_entity *e = t.u.entity;
    if (e->persist == NF_PERSISTENT) {
        nf_cc_report(
            s->d, NF_D_OFFLINE_MF_PERSISTABLE, at,
            "%s is %s of the persistable entity %s: microflow calls from nanoflows pass and "
            "return only primitives and non-persistable objects (commit and synchronize "
            "instead, and use an event handler)",
            what, t.kind == NF_T_LIST ? "a list" : "an object", e->name->s);
        return;
    }
    const nf_cc_entity *p = reaches_persistable(s, e);
    if (p)
        nf_cc_report(s->d, NF_D_OFFLINE_MF_ASSOCIATED, at,
                     "%s is of the non-persistable entity %s, which is associated (possibly "
                     "indirectly) with the persistable entity %s: not allowed in microflow calls "
                     "from nanoflows",
                     what, e->name->s, p->name->s);
}

void nf_cc_rules_offline_model(nf_cc_sema *s) {
    nf_cc_model *m = s->m;
    for (uint32_t i = 0; i < m->entities.n; i++) {
        nf_cc_entity *e = m->entities.items[i];
        if (!e->offline) continue;
        for (uint32_t j = 0; j < e->nattrs; j++) {
            nf_cc_attr *a = e->attrs[j];
            if (a->system_member)
                nf_cc_report(s->d, NF_D_OFFLINE_SYSTEM_MEMBER, a->span,
                             "%s is offline, and system members (owner, changedBy, createdDate, "
                             "changedDate) are not supported offline",
                             e->name->s);
            else if (a->hashed)
                nf_cc_report(s->d, NF_D_OFFLINE_HASHED, a->span,
                             "hashed string attribute %s.%s is not synchronized to offline devices",
                             e->name->s, a->name->s);
        }
        for (nf_cc_entity *g = e->generalization; g; g = g->generalization) {
            if (!g->offline) continue;
            nf_cc_report(
                s->d, NF_D_OFFLINE_INHERITANCE, e->span,
                "%s and its generalization %s are both offline: offline apps can use only one "
                "entity of a generalization chain (use composition instead)",
                e->name->s, g->name->s);
            if (g->in_profile && g->profile)
                nf_cc_note(s->d, g->profile->span, "%s is offline here", g->name->s);
            else if (g->used_offline)
                nf_cc_note(s->d, g->used_span, "%s is used by a nanoflow here", g->name->s);
            break;
        }
    }
    for (uint32_t i = 0; i < m->assocs.n; i++) {
        nf_cc_assoc *a = m->assocs.items[i];
        if (!a->reference_set || !a->from || !a->to) continue;
        if (!a->from->offline && !a->to->offline) continue;
        nf_cc_report(s->d, NF_D_OFFLINE_MANY_TO_MANY, a->span,
                     "many-to-many association %s connects the offline entity %s: not supported "
                     "offline; introduce an entity with two one-to-many associations",
                     a->name->s, a->from->offline ? a->from->name->s : a->to->name->s);
    }
}
