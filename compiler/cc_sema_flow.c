/* cc_sema_flow.c — checking nanoflow and microflow bodies: variables and their scope, every
 * statement's types, control flow (break/continue/return placement, every path returns),
 * labels. Mendix-specific rules are delegated to cc_rules.c. */
#include <stdio.h>
#include <string.h>

#include "cc_sema.h"

static void block(nf_cc_sema *s, nf_cc_block *b);

static const char *tn(nf_cc_type t, char *buf) {
    return nf_cc_type_name(t, buf, 160);
}

/* ---- variables ------------------------------------------------------------------------------- */

static bool reserved_name(nf_cc_sema *s, nf_cc_sym *n) {
    return n == s->s_current_object || n == s->s_latest_error || n == s->s_latest_error_type ||
           n == s->s_current_result || n == s->s_current_index || n == s->s_current_user ||
           n == s->s_current_session || n == s->s_current_device_type;
}

/* Creates a flow variable; names are unique in the whole flow (Mendix CE0111). */
static nf_cc_var *define(nf_cc_sema *s, nf_cc_sym *name, nf_cc_span span, nf_cc_type type,
                         nf_cc_varkind kind) {
    if (!name) return NULL;
    if (reserved_name(s, name)) {
        nf_cc_report(s->d, NF_D_DUPLICATE_VARIABLE, span,
                     "$%s is a predefined variable and cannot be created", name->s);
        return NULL;
    }
    nf_cc_var *old = nf_cc_map_get(&s->vars, name);
    if (old) {
        nf_cc_report(s->d, NF_D_DUPLICATE_VARIABLE, span,
                     "variable $%s already exists; variable names are unique in a flow", name->s);
        nf_cc_note(s->d, old->span, "$%s is created here", name->s);
        return NULL;
    }
    nf_cc_var *v = nf_cc_arena_alloc(s->arena, sizeof *v);
    if (!v) {
        s->oom = true;
        return NULL;
    }
    v->name = name;
    v->span = span;
    v->type = type;
    v->kind = (uint8_t)kind;
    v->loop_depth = s->loop_depth;
    v->index = s->flow_vars.n;
    if (!nf_cc_vec_push(s->arena, &s->flow_vars, v) || !nf_cc_map_put(&s->vars, name, v))
        s->oom = true;
    if (s->nanoflow && (type.kind == NF_T_OBJECT || type.kind == NF_T_LIST) && type.u.entity)
        nf_cc_mark_offline_use(s, type.u.entity, span);
    return v;
}

/* Variables created inside a loop end with it. */
static void end_loop_scope(nf_cc_sema *s) {
    for (uint32_t i = 0; i < s->flow_vars.n; i++) {
        nf_cc_var *v = s->flow_vars.items[i];
        if (v->loop_depth > s->loop_depth) v->dead = true;
    }
}

static nf_cc_var *var_ref(nf_cc_sema *s, nf_cc_sym *name, nf_cc_span span) {
    nf_cc_expr e;
    memset(&e, 0, sizeof e);
    e.kind = NF_EX_VAR;
    e.span = span;
    e.u.var = name;
    nf_cc_check_expr(s, &e);
    return e.ref.var;
}

void nf_cc_mark_offline_use(nf_cc_sema *s, nf_cc_entity *e, nf_cc_span at) {
    if (!e || e->persist != NF_PERSISTENT) return;
    /* of the System module only files and images travel to devices; users, roles and sync
     * errors stay on the server (apps sync their own specializations of System.User) */
    if (e->system && e != s->m->system_filedocument && e != s->m->system_image) return;
    if (e->profile && e->profile->download == NF_DL_ONLINE) return;
    if (!e->used_offline) {
        e->used_offline = true;
        e->used_span = at;
    }
    e->offline = true;
}

/* ---- helpers for statements ------------------------------------------------------------------ */

static nf_cc_entity *object_entity(nf_cc_sema *s, nf_cc_var *v, nf_cc_span at, bool allow_list) {
    if (!v || v->type.kind == NF_T_UNKNOWN) return NULL;
    if (v->type.kind == NF_T_OBJECT || (allow_list && v->type.kind == NF_T_LIST))
        return v->type.u.entity;
    char b[160];
    nf_cc_report(s->d, allow_list ? NF_D_NOT_AN_OBJECT : NF_D_NOT_AN_OBJECT, at,
                 "$%s is %s; an object%s is required here", v->name->s, tn(v->type, b),
                 allow_list ? " or list" : "");
    return NULL;
}

static nf_cc_entity *list_entity(nf_cc_sema *s, nf_cc_expr *e) {
    nf_cc_type t = nf_cc_check_expr(s, e);
    if (t.kind == NF_T_UNKNOWN) return NULL;
    if (t.kind != NF_T_LIST) {
        char b[160];
        nf_cc_report(s->d, NF_D_NOT_A_LIST, e->span, "a list is required here, but this is %s",
                     tn(t, b));
        return NULL;
    }
    return t.u.entity;
}

/* Checks `Member = value` of create/change on entity e. */
static void assignments(nf_cc_sema *s, nf_cc_entity *e, nf_cc_assign *as, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        nf_cc_assign *a = &as[i];
        for (uint32_t j = 0; j < i; j++)
            if (as[j].member.full == a->member.full) {
                nf_cc_report(s->d, NF_D_DUPLICATE, a->member.span, "member '%s' is assigned twice",
                             a->member.full->s);
                break;
            }
        if (!e) {
            nf_cc_check_expr(s, a->value);
            continue;
        }
        nf_cc_step *st = &a->resolved;
        st->name = a->member;
        if (!nf_cc_resolve_member(s, e, st, true)) {
            nf_cc_check_expr(s, a->value);
            continue;
        }
        if (st->attr) {
            nf_cc_attr *at = st->attr;
            if (s->nanoflow) nf_cc_rules_offline_attr(s, at, a->member.span);
            if (at->calculated || at->autonumber || at->system_member) {
                nf_cc_report(s->d, NF_D_BAD_MEMBER_WRITE, a->member.span,
                             "%s.%s is %s and cannot be assigned", at->owner->name->s, at->name->s,
                             at->calculated   ? "calculated"
                             : at->autonumber ? "an AutoNumber"
                                              : "a system member");
                nf_cc_check_expr(s, a->value);
                continue;
            }
            /* legacy: an enumeration member may be assigned the value's name as a String */
            if (at->type.kind == NF_T_ENUM && a->value->kind == NF_EX_STRING) {
                nf_cc_sym *v = nf_cc_intern(s->in, a->value->u.str.s, a->value->u.str.len);
                if (v && nf_cc_enum_value_index(at->type.u.enumeration, v) >= 0) {
                    a->value->type = at->type;
                    continue;
                }
            }
            nf_cc_check_assign(s, a->value, at->type, "%s", at->name->s);
        } else {
            nf_cc_assoc *as_ = st->assoc;
            if (st->reverse && !as_->owner_both) {
                nf_cc_report(s->d, NF_D_BAD_MEMBER_WRITE, a->member.span,
                             "%s is owned by %s: set it on that side", as_->name->s,
                             as_->from->name->s);
                nf_cc_check_expr(s, a->value);
                continue;
            }
            nf_cc_type want =
                as_->reference_set ? nf_cc_t_list(st->entity) : nf_cc_t_object(st->entity);
            nf_cc_check_assign(s, a->value, want, "association %s", as_->name->s);
        }
    }
}

static void check_commit_flags(nf_cc_sema *s, bool without_events, nf_cc_span at) {
    if (s->nanoflow && without_events)
        nf_cc_report(
            s->d, NF_D_NANOFLOW_NO_EVENTS, at,
            "nanoflows do not support commit without events (events run on the server at sync)");
}

static void check_args(nf_cc_sema *s, const char *callee, nf_cc_arg *args, uint32_t nargs,
                       nf_cc_sym *const *names, const nf_cc_type *types, uint32_t nparams,
                       nf_cc_span at, bool to_microflow) {
    bool *given = nparams ? nf_cc_arena_alloc(s->arena, nparams * sizeof *given) : NULL;
    nf_cc_map index = {0}; /* parameter name → position + 1: linear in the number of arguments */
    for (uint32_t k = 0; k < nparams; k++)
        if (names[k] && !nf_cc_map_put(&index, names[k], (void *)(uintptr_t)(k + 1))) s->oom = true;
    if (nparams && !given) s->oom = true;
    for (uint32_t i = 0; i < nargs && !s->oom; i++) {
        nf_cc_arg *a = &args[i];
        if (!a->name) {
            nf_cc_check_expr(s, a->value);
            continue;
        }
        uintptr_t pos = (uintptr_t)nf_cc_map_get(&index, a->name);
        if (!pos) {
            const char **cands =
                nparams ? nf_cc_arena_alloc(s->arena, nparams * sizeof *cands) : NULL;
            uint32_t n = 0;
            for (uint32_t j = 0; cands && j < nparams; j++)
                if (names[j]) cands[n++] = names[j]->s;
            const char *sug = nf_cc_suggest(cands, n, a->name->s);
            nf_cc_report(s->d, NF_D_BAD_ARGUMENTS, a->name_span, "%s has no parameter '%s'%s%s%s",
                         callee, a->name->s, sug ? "; did you mean '" : "", sug ? sug : "",
                         sug ? "'?" : "");
            nf_cc_check_expr(s, a->value);
            for (uint32_t j = 0; sug && j < nparams; j++) /* one error for one typo */
                if (names[j] && names[j]->s == sug) given[j] = true;
            continue;
        }
        uint32_t k = (uint32_t)pos - 1;
        if (given[k]) {
            nf_cc_report(s->d, NF_D_BAD_ARGUMENTS, a->name_span, "argument %s is given twice",
                         a->name->s);
            nf_cc_check_expr(s, a->value);
            continue;
        }
        given[k] = true;
        nf_cc_check_assign(s, a->value, types[k], "argument %s", a->name->s);
    }
    nf_cc_map_free(&index);
    for (uint32_t k = 0; k < nparams && given; k++) {
        if (!given[k] && names[k])
            nf_cc_report(s->d, NF_D_BAD_ARGUMENTS, at, "%s needs an argument for parameter '%s'",
                         callee, names[k]->s);
        if (to_microflow && names[k]) {
            /* the rule is about the microflow's signature, whatever value is passed */
            char what[200];
            snprintf(what, sizeof what, "parameter %s", names[k]->s);
            nf_cc_rules_microflow_value(s, types[k], at, what);
        }
    }
}

static void call(nf_cc_sema *s, nf_cc_stmt *st) {
    nf_cc_type ret = nf_cc_t(NF_T_UNKNOWN);
    bool resolved = false;
    const char *kindname = "action";
    switch ((nf_cc_callkind)st->u.call.kind) {
    case NF_CALL_MICROFLOW:
    case NF_CALL_NANOFLOW: {
        bool want_micro = st->u.call.kind == NF_CALL_MICROFLOW;
        kindname = want_micro ? "microflow" : "nanoflow";
        nf_cc_flow *f = nf_cc_map_get(&s->m->flow_by_name, st->u.call.name.full);
        if (!f) {
            const char *sug = nf_cc_suggest_map(&s->m->flow_by_name, st->u.call.name.full->s);
            nf_cc_report(s->d, NF_D_UNKNOWN_FLOW, st->u.call.name.span, "unknown %s '%s'%s%s%s",
                         kindname, st->u.call.name.full->s, sug ? "; did you mean '" : "",
                         sug ? sug : "", sug ? "'?" : "");
            break;
        }
        if (f->decl && f->decl->u.flow.is_test) {
            nf_cc_report(s->d, NF_D_UNKNOWN_FLOW, st->u.call.name.span,
                         "'%s' is a test: `nanoflow test` runs it, flows cannot call it",
                         f->name->s);
            break;
        }
        if ((f->kind == NF_FLOW_NANOFLOW) == want_micro) {
            nf_cc_report(s->d, NF_D_UNKNOWN_FLOW, st->u.call.name.span,
                         "'%s' is a %s: write call %s", f->name->s,
                         f->kind == NF_FLOW_NANOFLOW ? "nanoflow" : "microflow",
                         f->kind == NF_FLOW_NANOFLOW ? "nanoflow" : "microflow");
            break;
        }
        bool to_micro = want_micro && s->nanoflow;
        if (to_micro && !f->called_from_nanoflow) {
            f->called_from_nanoflow = true;
            f->call_span = st->u.call.name.span;
        }
        uint32_t n = f->nparams;
        nf_cc_sym **names = n ? nf_cc_arena_alloc(s->arena, n * sizeof *names) : NULL;
        nf_cc_type *types = n ? nf_cc_arena_alloc(s->arena, n * sizeof *types) : NULL;
        if (n && (!names || !types)) {
            s->oom = true;
            break;
        }
        for (uint32_t i = 0; i < n; i++) {
            names[i] = f->params[i] ? f->params[i]->name : NULL;
            types[i] = f->params[i] ? f->params[i]->type : nf_cc_t(NF_T_UNKNOWN);
        }
        check_args(s, f->name->s, st->u.call.args, st->u.call.nargs, names, types, n,
                   st->u.call.name.span, to_micro);
        ret = f->ret;
        if (to_micro) nf_cc_rules_microflow_value(s, ret, st->u.call.name.span, "the return value");
        resolved = true;
        break;
    }
    case NF_CALL_JAVASCRIPT:
    case NF_CALL_LUA: {
        bool lua = st->u.call.kind == NF_CALL_LUA;
        kindname = lua ? "lua action" : "javascript action";
        nf_cc_action *a = nf_cc_map_get(&s->m->action_by_name, st->u.call.name.full);
        if (!a || a->kind == NF_ACTION_JAVA || (lua && a->kind != NF_ACTION_LUA)) {
            nf_cc_report(s->d, NF_D_UNKNOWN_ACTION, st->u.call.name.span,
                         "unknown %s '%s'; declare it with create %s", kindname,
                         st->u.call.name.full->s,
                         lua ? "lua action … $$ … $$"
                             : "javascript action (its signature) or create lua action");
            break;
        }
        uint32_t n = a->nparams;
        nf_cc_sym **names = n ? nf_cc_arena_alloc(s->arena, n * sizeof *names) : NULL;
        if (n && !names) {
            s->oom = true;
            break;
        }
        for (uint32_t i = 0; i < n; i++)
            names[i] = a->params[i].name;
        check_args(s, a->name->s, st->u.call.args, st->u.call.nargs, names, a->param_types, n,
                   st->u.call.name.span, false);
        ret = a->ret;
        resolved = true;
        break;
    }
    case NF_CALL_JAVA:
        kindname = "java action";
        for (uint32_t i = 0; i < st->u.call.nargs; i++)
            nf_cc_check_expr(s, st->u.call.args[i].value);
        break;
    }
    if (st->u.call.var) {
        if (resolved && ret.kind == NF_T_VOID) {
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, st->u.call.var_span, "%s %s returns nothing",
                         kindname, st->u.call.name.full->s);
            ret = nf_cc_t(NF_T_UNKNOWN);
        }
        define(s, st->u.call.var, st->u.call.var_span, ret, NF_VAR_LOCAL);
    }
}

static void template_params(nf_cc_sema *s, nf_cc_template_param *ps, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        nf_cc_type t = nf_cc_check_expr(s, ps[i].value);
        if (t.kind == NF_T_OBJECT || t.kind == NF_T_LIST || t.kind == NF_T_BINARY ||
            t.kind == NF_T_VOID) {
            char b[160];
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, ps[i].value->span,
                         "template parameter {%u} must be a value, not %s", ps[i].index, tn(t, b));
        }
    }
}

/* $Obj/System.owner and $Obj/System.changedBy are references to System.User too. */
static bool is_system_reference(nf_cc_sema *s, nf_cc_expr *path) {
    nf_cc_expr *base = path->u.path.base;
    nf_cc_var *v = base->kind == NF_EX_VAR ? nf_cc_map_get(&s->vars, base->u.var) : NULL;
    if (!v || v->type.kind != NF_T_OBJECT || !v->type.u.entity) return false;
    nf_cc_step probe = path->u.path.steps[0];
    return nf_cc_resolve_member(s, v->type.u.entity, &probe, false) && probe.attr &&
           probe.attr->type.kind == NF_T_OBJECT;
}

static void retrieve(nf_cc_sema *s, nf_cc_stmt *st) {
    nf_cc_type result = nf_cc_t(NF_T_UNKNOWN);
    nf_cc_entity *e = NULL;
    if (st->u.retrieve.assoc) {
        nf_cc_expr *p = st->u.retrieve.assoc;
        if (p->u.path.nsteps != 1 || p->u.path.steps[0].name.nparts < 2) {
            nf_cc_report(
                s->d, NF_D_SYNTAX, p->span,
                "retrieve by association takes one association: $Object/Module.Association");
        } else if (!nf_cc_lookup_assoc(s, &p->u.path.steps[0].name) && !is_system_reference(s, p)) {
            nf_cc_check_expr(s, p->u.path.base);
            const char *sug =
                nf_cc_suggest_map(&s->m->assoc_by_name, p->u.path.steps[0].name.full->s);
            nf_cc_report(s->d, NF_D_UNKNOWN_ASSOCIATION, p->u.path.steps[0].name.span,
                         "unknown association '%s'%s%s%s", p->u.path.steps[0].name.full->s,
                         sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
        } else {
            result = nf_cc_check_expr(s, p);
        }
        if (st->u.retrieve.where || st->u.retrieve.nsort || st->u.retrieve.first ||
            st->u.retrieve.limit)
            nf_cc_report(
                s->d, NF_D_SYNTAX, st->span,
                "retrieve by association takes no where, sort, first or limit; filter the list");
    } else {
        e = nf_cc_lookup_entity(s, &st->u.retrieve.entity, true);
        if (e) {
            if (e->persist != NF_PERSISTENT)
                nf_cc_report(s->d, NF_D_OFFLINE_NOT_PERSISTABLE, st->u.retrieve.entity.span,
                             "%s is not persistable: it cannot be retrieved from the database",
                             e->name->s);
            if (s->nanoflow) {
                if (e->profile && e->profile->download == NF_DL_ONLINE)
                    nf_cc_report(
                        s->d, NF_D_OFFLINE_ONLINE_ENTITY, st->u.retrieve.entity.span,
                        "%s is online-only in the offline profile: nanoflows cannot retrieve it "
                        "from the device database",
                        e->name->s);
                nf_cc_mark_offline_use(s, e, st->u.retrieve.entity.span);
            }
            if (st->u.retrieve.where)
                nf_cc_check_xpath(s, st->u.retrieve.where, e,
                                  s->nanoflow ? NF_XP_NANOFLOW_RETRIEVE : NF_XP_MICROFLOW_RETRIEVE);
            for (uint32_t i = 0; i < st->u.retrieve.nsort; i++) {
                nf_cc_sortkey *k = &st->u.retrieve.sort[i];
                k->resolved = nf_cc_entity_attr(e, k->attr.full);
                if (!k->resolved)
                    nf_cc_report(s->d, NF_D_UNKNOWN_ATTRIBUTE, k->attr.span,
                                 "entity %s has no attribute '%s' to sort by", e->name->s,
                                 k->attr.full->s);
                else if (s->nanoflow)
                    nf_cc_rules_offline_attr(s, k->resolved, k->attr.span);
            }
            bool one = st->u.retrieve.first || st->u.retrieve.limit_one_object;
            result = one ? nf_cc_t_object(e) : nf_cc_t_list(e);
        }
        if (st->u.retrieve.limit)
            nf_cc_check_assign(s, st->u.retrieve.limit, nf_cc_t(NF_T_INTEGER), "limit");
        if (st->u.retrieve.offset)
            nf_cc_check_assign(s, st->u.retrieve.offset, nf_cc_t(NF_T_INTEGER), "offset");
    }
    define(s, st->u.retrieve.var, st->u.retrieve.var_span, result, NF_VAR_LOCAL);
}

static void sort_keys(nf_cc_sema *s, nf_cc_entity *e, nf_cc_sortkey *keys, uint32_t n) {
    for (uint32_t i = 0; i < n && e; i++) {
        keys[i].resolved = nf_cc_entity_attr(e, keys[i].attr.full);
        if (!keys[i].resolved)
            nf_cc_report(s->d, NF_D_UNKNOWN_ATTRIBUTE, keys[i].attr.span,
                         "entity %s has no attribute '%s' to sort by", e->name->s,
                         keys[i].attr.full->s);
        else if (s->nanoflow)
            nf_cc_rules_offline_attr(s, keys[i].resolved, keys[i].attr.span);
    }
}

/* Runs fn over a lambda body with $currentObject bound to entity e. */
static nf_cc_type lambda(nf_cc_sema *s, nf_cc_entity *e, nf_cc_expr *body, nf_cc_type want,
                         const char *what) {
    nf_cc_entity *saved = s->lambda_entity;
    bool saved_in = s->in_lambda;
    s->lambda_entity = e;
    s->in_lambda = true;
    nf_cc_type t;
    if (want.kind != NF_T_UNKNOWN) {
        nf_cc_check_assign(s, body, want, "%s", what);
        t = want;
    } else {
        t = nf_cc_check_expr(s, body);
    }
    s->lambda_entity = saved;
    s->in_lambda = saved_in;
    return t;
}

static void listop(nf_cc_sema *s, nf_cc_stmt *st) {
    struct nf_cc_st_listop *o = &st->u.listop;
    nf_cc_entity *e = list_entity(s, o->list);
    nf_cc_type result = nf_cc_t(NF_T_UNKNOWN);
    bool known = e || (o->list && o->list->type.kind == NF_T_LIST);
    switch ((nf_cc_listop)o->op) {
    case NF_LO_HEAD: result = nf_cc_t_object(e); break;
    case NF_LO_TAIL: result = nf_cc_t_list(e); break;
    case NF_LO_FIND:
    case NF_LO_FILTER:
        lambda(s, e, o->cond, nf_cc_t(NF_T_BOOLEAN), "the condition");
        result = o->op == NF_LO_FIND ? nf_cc_t_object(e) : nf_cc_t_list(e);
        break;
    case NF_LO_FIND_BY:
    case NF_LO_FILTER_BY: {
        nf_cc_step step;
        memset(&step, 0, sizeof step);
        step.name = o->by_member;
        if (e && nf_cc_resolve_member(s, e, &step, true)) {
            nf_cc_type want = step.attr ? step.attr->type : nf_cc_assoc_step_type(&step);
            if (step.attr && s->nanoflow) nf_cc_rules_offline_attr(s, step.attr, o->by_member.span);
            nf_cc_check_assign(s, o->by_value, want, "%s", o->by_member.full->s);
        } else {
            nf_cc_check_expr(s, o->by_value);
        }
        result = o->op == NF_LO_FIND_BY ? nf_cc_t_object(e) : nf_cc_t_list(e);
        break;
    }
    case NF_LO_SORT:
        sort_keys(s, e, o->sort, o->nsort);
        result = nf_cc_t_list(e);
        break;
    case NF_LO_UNION:
    case NF_LO_INTERSECT:
    case NF_LO_SUBTRACT:
    case NF_LO_EQUALS: {
        nf_cc_entity *e2 = list_entity(s, o->other);
        if (e && e2 && !nf_cc_entity_is_a(e, e2) && !nf_cc_entity_is_a(e2, e))
            nf_cc_report(s->d, NF_D_LIST_ENTITY_MISMATCH, st->span,
                         "lists of %s and %s cannot be combined", e->name->s, e2->name->s);
        result = o->op == NF_LO_EQUALS ? nf_cc_t(NF_T_BOOLEAN) : nf_cc_t_list(e);
        break;
    }
    case NF_LO_CONTAINS: {
        nf_cc_type t = nf_cc_check_expr(s, o->other);
        if (t.kind != NF_T_UNKNOWN && t.kind != NF_T_OBJECT && t.kind != NF_T_LIST &&
            t.kind != NF_T_EMPTY) {
            char b[160];
            nf_cc_report(s->d, NF_D_NOT_AN_OBJECT, o->other->span,
                         "contains looks for an object or list, not %s", tn(t, b));
        }
        result = nf_cc_t(NF_T_BOOLEAN);
        break;
    }
    case NF_LO_RANGE:
        if (o->offset) nf_cc_check_assign(s, o->offset, nf_cc_t(NF_T_INTEGER), "the offset");
        if (o->limit) nf_cc_check_assign(s, o->limit, nf_cc_t(NF_T_INTEGER), "the amount");
        result = nf_cc_t_list(e);
        break;
    }
    if (!known && result.kind != NF_T_BOOLEAN) result = nf_cc_t(NF_T_UNKNOWN);
    define(s, o->var, o->var_span, result, NF_VAR_LOCAL);
}

static void aggregate(nf_cc_sema *s, nf_cc_stmt *st) {
    struct nf_cc_st_aggregate *a = &st->u.aggregate;
    nf_cc_entity *e = list_entity(s, a->list);
    nf_cc_type result = nf_cc_t(NF_T_UNKNOWN);
    nf_cc_type value = nf_cc_t(NF_T_UNKNOWN);
    if (a->has_attr && e) {
        nf_cc_attr *at = nf_cc_entity_attr(e, a->attr.full);
        if (!at)
            nf_cc_report(s->d, NF_D_UNKNOWN_ATTRIBUTE, a->attr.span,
                         "entity %s has no attribute '%s'", e->name->s, a->attr.full->s);
        else {
            value = at->type;
            if (s->nanoflow) nf_cc_rules_offline_attr(s, at, a->attr.span);
        }
    } else if (a->expr && a->op != NF_AG_ALL && a->op != NF_AG_ANY && a->op != NF_AG_REDUCE) {
        value = lambda(s, e, a->expr, nf_cc_t(NF_T_UNKNOWN), "the value");
    }
    switch ((nf_cc_aggop)a->op) {
    case NF_AG_COUNT: result = nf_cc_t(NF_T_INTEGER); break;
    case NF_AG_SUM:
    case NF_AG_AVERAGE:
    case NF_AG_MINIMUM:
    case NF_AG_MAXIMUM: {
        bool dates_ok = a->op == NF_AG_MINIMUM || a->op == NF_AG_MAXIMUM;
        if (value.kind != NF_T_UNKNOWN && !nf_cc_is_numeric(value) &&
            !(dates_ok && value.kind == NF_T_DATETIME)) {
            char b[160];
            nf_cc_report(s->d, NF_D_NOT_NUMERIC, a->has_attr ? a->attr.span : a->expr->span,
                         "%s needs a numeric%s value, not %s",
                         a->op == NF_AG_SUM       ? "sum"
                         : a->op == NF_AG_AVERAGE ? "average"
                         : a->op == NF_AG_MINIMUM ? "minimum"
                                                  : "maximum",
                         dates_ok ? " or DateTime" : "", tn(value, b));
            break;
        }
        if (a->op == NF_AG_AVERAGE)
            result = nf_cc_t(NF_T_DECIMAL);
        else if (a->op == NF_AG_SUM && nf_cc_is_integral(value))
            result = nf_cc_t(NF_T_LONG);
        else
            result = value;
        break;
    }
    case NF_AG_ALL:
    case NF_AG_ANY:
        lambda(s, e, a->expr, nf_cc_t(NF_T_BOOLEAN), "the condition");
        result = nf_cc_t(NF_T_BOOLEAN);
        break;
    case NF_AG_REDUCE: {
        nf_cc_type t;
        if (!nf_cc_resolve_type(s, &a->type, &t)) t = nf_cc_t(NF_T_UNKNOWN);
        nf_cc_check_assign(s, a->initial, t, "the initial value");
        nf_cc_type saved = s->reduce_type;
        bool saved_in = s->in_reduce;
        s->reduce_type = t;
        s->in_reduce = true;
        lambda(s, e, a->expr, t, "the reduce expression");
        s->reduce_type = saved;
        s->in_reduce = saved_in;
        result = t;
        break;
    }
    }
    define(s, a->var, a->var_span, result, NF_VAR_LOCAL);
}

/* `$x = find($List, cond)` and `$x = contains($List, $o)` are list operations when the first
 * argument is a list, string functions otherwise. Rewrites the statement when it is a list op. */
static bool set_is_listop(nf_cc_sema *s, nf_cc_stmt *st) {
    nf_cc_expr *t = st->u.set.target, *v = st->u.set.value;
    if (t->kind != NF_EX_VAR || v->kind != NF_EX_CALL || v->u.call.nargs != 2 ||
        v->u.call.name.nparts != 1 || v->u.call.args[0]->kind != NF_EX_VAR)
        return false;
    const char *n = v->u.call.name.full->s;
    bool find = strcmp(n, "find") == 0, contains = strcmp(n, "contains") == 0;
    if (!find && !contains) return false;
    nf_cc_var *lv = nf_cc_map_get(&s->vars, v->u.call.args[0]->u.var);
    if (!lv || lv->type.kind != NF_T_LIST) return false;
    nf_cc_sym *var = t->u.var;
    nf_cc_span vspan = t->span;
    nf_cc_expr *list = v->u.call.args[0], *arg = v->u.call.args[1];
    memset(&st->u, 0, sizeof st->u.listop); /* a SET node has room for a LISTOP */
    st->kind = NF_ST_LISTOP;
    st->u.listop.var = var;
    st->u.listop.var_span = vspan;
    st->u.listop.op = find ? NF_LO_FIND : NF_LO_CONTAINS;
    st->u.listop.list = list;
    if (find)
        st->u.listop.cond = arg;
    else
        st->u.listop.other = arg;
    return true;
}

static void set_stmt(nf_cc_sema *s, nf_cc_stmt *st) {
    if (set_is_listop(s, st)) {
        listop(s, st);
        return;
    }
    nf_cc_expr *t = st->u.set.target;
    if (t->kind == NF_EX_VAR) {
        nf_cc_var *v = nf_cc_map_get(&s->vars, t->u.var);
        if (!v && !reserved_name(s, t->u.var)) {
            nf_cc_report(s->d, NF_D_UNKNOWN_VARIABLE, t->span,
                         "unknown variable $%s: create it first with declare $%s Type = …",
                         t->u.var->s, t->u.var->s);
            nf_cc_check_expr(s, st->u.set.value);
            return;
        }
        nf_cc_type vt = nf_cc_check_expr(s, t);
        if (vt.kind == NF_T_UNKNOWN) {
            nf_cc_check_expr(s, st->u.set.value);
            return;
        }
        if (v && v->kind == NF_VAR_ITERATOR) {
            nf_cc_report(s->d, NF_D_SET_OBJECT, t->span, "the loop variable $%s cannot be replaced",
                         v->name->s);
            return;
        }
        if (vt.kind == NF_T_OBJECT) {
            nf_cc_report(s->d, NF_D_SET_OBJECT, t->span,
                         "$%s is an object: change its members with change $%s (…) instead of set",
                         t->u.var->s, t->u.var->s);
            nf_cc_check_expr(s, st->u.set.value);
            return;
        }
        nf_cc_check_assign(s, st->u.set.value, vt, "$%s", t->u.var->s); /* lists: Replace */
        return;
    }
    /* $Obj/Member = value: a change-object */
    nf_cc_type pt = nf_cc_check_expr(s, t);
    nf_cc_step *last =
        t->kind == NF_EX_PATH && t->u.path.nsteps ? &t->u.path.steps[t->u.path.nsteps - 1] : NULL;
    if (pt.kind == NF_T_UNKNOWN || !last) {
        nf_cc_check_expr(s, st->u.set.value);
        return;
    }
    if (last->attr &&
        (last->attr->calculated || last->attr->autonumber || last->attr->system_member)) {
        nf_cc_report(s->d, NF_D_BAD_MEMBER_WRITE, last->name.span, "%s cannot be assigned",
                     last->attr->name->s);
        return;
    }
    if (last->assoc)
        pt = last->assoc->reference_set ? nf_cc_t_list(last->entity) : nf_cc_t_object(last->entity);
    if (last->attr && last->attr->type.kind == NF_T_ENUM && st->u.set.value->kind == NF_EX_STRING) {
        nf_cc_sym *v = nf_cc_intern(s->in, st->u.set.value->u.str.s, st->u.set.value->u.str.len);
        if (v && nf_cc_enum_value_index(last->attr->type.u.enumeration, v) >= 0) return;
    }
    nf_cc_check_assign(s, st->u.set.value, pt, "%s", last->name.full->s);
}

/* Reports the values of en that no branch covers (arrays live off the recursion's stack). */
static void case_coverage(nf_cc_sema *s, nf_cc_stmt *st, const nf_cc_enum *en, const bool *seen,
                          bool seen_empty) {
    char missing[512];
    size_t n = 0;
    missing[0] = '\0';
    for (uint32_t i = 0; i < en->nvalues; i++)
        if (!seen[i] && n + en->values[i].name->len + 3 < sizeof missing)
            n += (size_t)snprintf(missing + n, sizeof missing - n, "%s%s", n ? ", " : "",
                                  en->values[i].name->s);
    if (!seen_empty && n + 10 < sizeof missing)
        n += (size_t)snprintf(missing + n, sizeof missing - n, "%s(empty)", n ? ", " : "");
    if (n)
        nf_cc_report(s->d, NF_D_CASE_COVERAGE, st->u.case_.subject->span,
                     "case on %s has no branch for %s", en->name->s, missing);
}

static void case_stmt(nf_cc_sema *s, nf_cc_stmt *st) {
    nf_cc_type t = nf_cc_check_expr(s, st->u.case_.subject);
    nf_cc_enum *en = NULL;
    if (t.kind == NF_T_ENUM)
        en = t.u.enumeration;
    else if (t.kind != NF_T_UNKNOWN) {
        char b[160];
        nf_cc_report(s->d, NF_D_BAD_CONDITION, st->u.case_.subject->span,
                     "case decides on an enumeration, not %s (use if for Booleans)", tn(t, b));
    }
    bool seen_empty = false;
    bool *seen = en && en->nvalues ? nf_cc_arena_alloc(s->arena, en->nvalues * sizeof *seen) : NULL;
    if (en && en->nvalues && !seen) {
        s->oom = true;
        return;
    }
    for (uint32_t i = 0; i < st->u.case_.n; i++) {
        nf_cc_when *w = &st->u.case_.whens[i];
        for (uint32_t j = 0; j < w->nvalues; j++) {
            if (w->is_empty[j]) {
                if (seen_empty)
                    nf_cc_report(s->d, NF_D_DUPLICATE, w->values[j].span,
                                 "(empty) has two branches");
                seen_empty = true;
                continue;
            }
            if (!en) continue;
            nf_cc_qname *q = &w->values[j];
            nf_cc_sym *vn = q->parts[q->nparts - 1];
            int32_t idx = nf_cc_enum_value_index(en, vn);
            if (idx < 0) {
                nf_cc_report(s->d, NF_D_UNKNOWN_ENUM_VALUE, q->span, "%s has no value '%s'",
                             en->name->s, vn->s);
                continue;
            }
            if (seen[idx])
                nf_cc_report(s->d, NF_D_DUPLICATE, q->span, "value %s has two branches", vn->s);
            seen[idx] = true;
        }
        block(s, &w->body);
    }
    if (st->u.case_.has_else) block(s, &st->u.case_.else_body);
    if (en && !st->u.case_.has_else) case_coverage(s, st, en, seen, seen_empty);
}

/* Types are static in Mendix: inside a branch the object keeps its declared type, and a cast
 * (`$Bird = cast $Animal`) gives a variable of the branch's specialization. */
static void split_stmt(nf_cc_sema *s, nf_cc_stmt *st) {
    nf_cc_var *v = var_ref(s, st->u.split.var, st->u.split.var_span);
    nf_cc_entity *e = v ? object_entity(s, v, st->u.split.var_span, false) : NULL;
    for (uint32_t i = 0; i < st->u.split.n; i++) {
        nf_cc_when *w = &st->u.split.whens[i];
        nf_cc_entity *spec = NULL;
        for (uint32_t j = 0; j < w->nvalues; j++) {
            if (w->is_empty[j]) continue;
            nf_cc_entity *x = nf_cc_lookup_entity(s, &w->values[j], true);
            if (x && e && !nf_cc_entity_is_a(x, e))
                nf_cc_report(s->d, NF_D_BAD_CAST, w->values[j].span,
                             "%s is not a specialization of %s", x->name->s, e->name->s);
            else if (w->nvalues == 1)
                spec = x;
        }
        bool pushed = v && spec && s->nsplit < 64;
        if (pushed) {
            s->split_vars[s->nsplit] = v;
            s->split_ents[s->nsplit++] = spec;
        }
        block(s, &w->body);
        if (pushed) s->nsplit--;
    }
    if (st->u.split.has_else) block(s, &st->u.split.else_body);
}

static void cast_stmt(nf_cc_sema *s, nf_cc_stmt *st) {
    nf_cc_var *v = var_ref(s, st->u.cast.src, st->u.cast.src_span);
    if (!v || v->type.kind == NF_T_UNKNOWN) return;
    nf_cc_entity *spec = NULL;
    for (uint32_t i = s->nsplit; i-- > 0 && !spec;)
        if (s->split_vars[i] == v) spec = s->split_ents[i];
    if (!spec) {
        nf_cc_report(s->d, NF_D_BAD_CAST, st->span,
                     "cast needs an object type decision: use it in a 'split type $%s when "
                     "Module.Specialization then' branch",
                     v->name->s);
        return;
    }
    nf_cc_sym *name = st->u.cast.var;
    nf_cc_span span = st->u.cast.var_span;
    if (!name) { /* bare `cast $Animal`: the output is named after the entity, as Studio Pro does */
        const char *dot = strrchr(spec->name->s, '.');
        name = nf_cc_intern_cstr(s->in, dot ? dot + 1 : spec->name->s);
        span = st->span;
        st->u.cast.var = name; /* the code generator names it the same way */
        st->u.cast.var_span = span;
    }
    define(s, name, span, nf_cc_t_object(spec), NF_VAR_LOCAL);
}

/* Whether control cannot fall off the end of the block (return, raise, break, continue,
 * join), for missing-return and unreachable-code checks. */
static bool terminates(const nf_cc_block *b);

static bool stmt_terminates(const nf_cc_stmt *st) {
    switch ((nf_cc_stkind)st->kind) {
    case NF_ST_RETURN:
    case NF_ST_RAISE:
    case NF_ST_THROW:
    case NF_ST_BREAK:
    case NF_ST_CONTINUE:
    case NF_ST_JOIN: return true;
    case NF_ST_IF:
        if (!st->u.if_.has_else) return false;
        for (uint32_t i = 0; i < st->u.if_.n; i++)
            if (!terminates(&st->u.if_.bodies[i])) return false;
        return terminates(&st->u.if_.else_body);
    case NF_ST_CASE:
    case NF_ST_SPLIT: {
        const nf_cc_when *ws = st->kind == NF_ST_CASE ? st->u.case_.whens : st->u.split.whens;
        uint32_t n = st->kind == NF_ST_CASE ? st->u.case_.n : st->u.split.n;
        bool has_else = st->kind == NF_ST_CASE ? st->u.case_.has_else : st->u.split.has_else;
        if (n == 0) return false;
        for (uint32_t i = 0; i < n; i++)
            if (!terminates(&ws[i].body)) return false;
        /* a case covers every value (or it is an error); a split without else does not cover
         * the generalization itself nor unlisted specializations */
        if (!has_else) return st->kind == NF_ST_CASE;
        return terminates(st->kind == NF_ST_CASE ? &st->u.case_.else_body : &st->u.split.else_body);
    }
    case NF_ST_TRY: return terminates(&st->u.try_.body) && terminates(&st->u.try_.handler);
    default: return false;
    }
}

static bool terminates(const nf_cc_block *b) {
    for (uint32_t i = 0; i < b->n; i++)
        if (b->stmts[i] && stmt_terminates(b->stmts[i])) return true;
    return false;
}

static void handler(nf_cc_sema *s, nf_cc_handler *h) {
    if (h->kind != NF_H_CUSTOM && h->kind != NF_H_CUSTOM_NO_ROLLBACK) return;
    s->handler_depth++;
    block(s, &h->body);
    s->handler_depth--;
}

/* A device deletes by clearing references to the object (Mendix's offline algorithm), so every
 * association that refers to it must keep references: cascade and prevent need the server. */
static void delete_behaviors(nf_cc_sema *s, const nf_cc_entity *e, const nf_cc_stmt *st) {
    for (uint32_t i = 0; i < s->m->assocs.n; i++) {
        const nf_cc_assoc *a = s->m->assocs.items[i];
        if (!a->to || !nf_cc_entity_is_a(e, a->to) || a->delete_behavior == NF_DEL_KEEP_REFERENCES)
            continue;
        nf_cc_report(s->d, NF_D_OFFLINE_DELETE_BEHAVIOR, st->u.target.var_span,
                     "%s is referred to by %s, whose delete behavior is %s: nanoflows delete only "
                     "objects whose associations keep references (delete it in a microflow)",
                     e->name->s, a->name->s,
                     a->delete_behavior == NF_DEL_CASCADE ? "cascade" : "prevent");
    }
}

static void statement(nf_cc_sema *s, nf_cc_stmt *st) {
    char b1[160];
    nf_cc_rules_stmt(s, st);
    switch ((nf_cc_stkind)st->kind) {
    case NF_ST_DECLARE: {
        nf_cc_type t;
        if (!nf_cc_resolve_type(s, &st->u.declare.type, &t)) t = nf_cc_t(NF_T_UNKNOWN);
        if (t.kind == NF_T_OBJECT || t.kind == NF_T_LIST) {
            nf_cc_report(s->d, NF_D_DECLARE_OBJECT, st->u.declare.type.span,
                         "declare holds primitives and enumerations; %s comes from create, "
                         "retrieve or a parameter",
                         tn(t, b1));
            t = nf_cc_t(NF_T_UNKNOWN);
        } else if (t.kind == NF_T_VOID || t.kind == NF_T_BINARY) {
            nf_cc_report(s->d, NF_D_DECLARE_OBJECT, st->u.declare.type.span,
                         "a variable cannot be %s", tn(t, b1));
            t = nf_cc_t(NF_T_UNKNOWN);
        }
        if (st->u.declare.init) {
            nf_cc_check_assign(s, st->u.declare.init, t, "the initial value of $%s",
                               st->u.declare.var->s);
        }
        define(s, st->u.declare.var, st->u.declare.var_span, t, NF_VAR_LOCAL);
        break;
    }
    case NF_ST_SET: set_stmt(s, st); break;
    case NF_ST_CREATE: {
        nf_cc_type t;
        nf_cc_entity *e = NULL;
        if (nf_cc_resolve_type(s, &st->u.object.type, &t)) {
            if (t.kind == NF_T_OBJECT)
                e = t.u.entity;
            else
                nf_cc_report(s->d, NF_D_NOT_AN_OBJECT, st->u.object.type.span,
                             "create makes objects of an entity, not %s", tn(t, b1));
        }
        assignments(s, e, st->u.object.assigns, st->u.object.nassigns);
        if (st->u.object.commit) check_commit_flags(s, st->u.object.without_events, st->span);
        if (st->u.object.var)
            define(s, st->u.object.var, st->u.object.var_span,
                   e ? nf_cc_t_object(e) : nf_cc_t(NF_T_UNKNOWN), NF_VAR_LOCAL);
        else if (e && s->nanoflow)
            nf_cc_mark_offline_use(s, e, st->u.object.type.span);
        break;
    }
    case NF_ST_CHANGE: {
        nf_cc_var *v = var_ref(s, st->u.object.var, st->u.object.var_span);
        nf_cc_entity *e = object_entity(s, v, st->u.object.var_span, false);
        assignments(s, e, st->u.object.assigns, st->u.object.nassigns);
        if (st->u.object.commit) check_commit_flags(s, st->u.object.without_events, st->span);
        break;
    }
    case NF_ST_COMMIT: {
        nf_cc_var *v = var_ref(s, st->u.commit.var, st->u.commit.var_span);
        object_entity(s, v, st->u.commit.var_span, true);
        check_commit_flags(s, st->u.commit.without_events, st->span);
        break;
    }
    case NF_ST_DELETE:
    case NF_ST_ROLLBACK: {
        nf_cc_var *v = var_ref(s, st->u.target.var, st->u.target.var_span);
        nf_cc_entity *e = object_entity(s, v, st->u.target.var_span, true);
        if (e && st->kind == NF_ST_DELETE && s->nanoflow && e->persist != NF_PERSISTENT)
            nf_cc_report(s->d, NF_D_OFFLINE_NOT_PERSISTABLE, st->u.target.var_span,
                         "deleting non-persistable objects is not supported in nanoflows");
        if (e && st->kind == NF_ST_DELETE && s->nanoflow) delete_behaviors(s, e, st);
        break;
    }
    case NF_ST_CAST: cast_stmt(s, st); break;
    case NF_ST_RETRIEVE: retrieve(s, st); break;
    case NF_ST_CREATE_LIST: {
        nf_cc_entity *e = nf_cc_lookup_entity(s, &st->u.create_list.entity, true);
        define(s, st->u.create_list.var, st->u.create_list.var_span,
               e ? nf_cc_t_list(e) : nf_cc_t(NF_T_UNKNOWN), NF_VAR_LOCAL);
        break;
    }
    case NF_ST_ADD:
    case NF_ST_REMOVE: {
        nf_cc_type lt = nf_cc_check_expr(s, st->u.change_list.list);
        nf_cc_type it = nf_cc_check_expr(s, st->u.change_list.item);
        if (lt.kind == NF_T_UNKNOWN || it.kind == NF_T_UNKNOWN) break;
        if (lt.kind != NF_T_LIST) {
            nf_cc_report(s->d, NF_D_NOT_A_LIST, st->u.change_list.list->span,
                         "%s needs a list, not %s", st->kind == NF_ST_ADD ? "add" : "remove",
                         tn(lt, b1));
            break;
        }
        if ((it.kind != NF_T_OBJECT && it.kind != NF_T_LIST) ||
            (lt.u.entity && it.u.entity && !nf_cc_entity_is_a(it.u.entity, lt.u.entity))) {
            char b2[160];
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, st->u.change_list.item->span,
                         "%s cannot hold %s", tn(lt, b1), tn(it, b2));
        }
        break;
    }
    case NF_ST_CLEAR: {
        nf_cc_var *v = var_ref(s, st->u.target.var, st->u.target.var_span);
        if (v && v->type.kind != NF_T_LIST && v->type.kind != NF_T_UNKNOWN)
            nf_cc_report(s->d, NF_D_NOT_A_LIST, st->u.target.var_span,
                         "clear empties a list; $%s is %s", v->name->s, tn(v->type, b1));
        break;
    }
    case NF_ST_LISTOP: listop(s, st); break;
    case NF_ST_AGGREGATE: aggregate(s, st); break;
    case NF_ST_IF:
        for (uint32_t i = 0; i < st->u.if_.n; i++) {
            nf_cc_expr *c = st->u.if_.conds[i];
            if (c) {
                nf_cc_type t = nf_cc_check_expr(s, c);
                if (t.kind != NF_T_BOOLEAN && t.kind != NF_T_UNKNOWN)
                    nf_cc_report(s->d, NF_D_BAD_CONDITION, c->span,
                                 "if needs a Boolean condition, not %s%s", tn(t, b1),
                                 t.kind == NF_T_ENUM ? " (decide on enumerations with case)" : "");
            }
            block(s, &st->u.if_.bodies[i]);
        }
        if (st->u.if_.has_else) block(s, &st->u.if_.else_body);
        break;
    case NF_ST_CASE: case_stmt(s, st); break;
    case NF_ST_SPLIT: split_stmt(s, st); break;
    case NF_ST_LOOP: {
        nf_cc_type t = nf_cc_check_expr(s, st->u.loop.source);
        nf_cc_type it = nf_cc_t(NF_T_UNKNOWN);
        if (t.kind == NF_T_LIST)
            it = nf_cc_t_object(t.u.entity);
        else if (t.kind != NF_T_UNKNOWN)
            nf_cc_report(s->d, NF_D_NOT_A_LIST, st->u.loop.source->span,
                         "loop iterates over a list, not %s", tn(t, b1));
        s->loop_depth++;
        define(s, st->u.loop.var, st->u.loop.var_span, it, NF_VAR_ITERATOR);
        block(s, &st->u.loop.body);
        s->loop_depth--;
        end_loop_scope(s);
        break;
    }
    case NF_ST_WHILE: {
        s->loop_depth++; /* $currentIndex is visible in the condition */
        nf_cc_type t = nf_cc_check_expr(s, st->u.while_.cond);
        if (t.kind != NF_T_BOOLEAN && t.kind != NF_T_UNKNOWN)
            nf_cc_report(s->d, NF_D_BAD_CONDITION, st->u.while_.cond->span,
                         "while needs a Boolean condition, not %s", tn(t, b1));
        block(s, &st->u.while_.body);
        s->loop_depth--;
        end_loop_scope(s);
        break;
    }
    case NF_ST_BREAK:
        if (s->loop_depth == 0)
            nf_cc_report(s->d, NF_D_BREAK_OUTSIDE_LOOP, st->span,
                         "break is allowed only inside a loop");
        break;
    case NF_ST_CONTINUE:
        if (s->loop_depth == 0)
            nf_cc_report(s->d, NF_D_CONTINUE_OUTSIDE_LOOP, st->span,
                         "continue is allowed only inside a loop");
        break;
    case NF_ST_RETURN: {
        if (s->loop_depth > 0)
            nf_cc_report(s->d, NF_D_RETURN_IN_LOOP, st->span,
                         "return is not allowed inside a loop; break out of it and return after");
        nf_cc_type ret = s->flow->ret;
        if (st->u.ret.value && ret.kind == NF_T_VOID && s->infer_returns) {
            /* nanoflow eval: the expression's type becomes the flow's result type */
            nf_cc_type t = nf_cc_check_expr(s, st->u.ret.value);
            if (t.kind != NF_T_UNKNOWN) s->flow->ret = t;
        } else if (st->u.ret.value) {
            if (ret.kind == NF_T_VOID) {
                nf_cc_report(s->d, NF_D_RETURN_IN_VOID, st->u.ret.value->span,
                             "%s returns nothing; declare 'returns Type' to return a value",
                             s->flow->name->s);
                nf_cc_check_expr(s, st->u.ret.value);
            } else {
                nf_cc_type t = nf_cc_check_expr(s, st->u.ret.value);
                if (t.kind != NF_T_UNKNOWN && ret.kind != NF_T_UNKNOWN &&
                    !nf_cc_assignable(ret, t)) {
                    char b2[160];
                    nf_cc_report(s->d, NF_D_RETURN_TYPE, st->u.ret.value->span,
                                 "%s returns %s, but this is %s", s->flow->name->s, tn(ret, b1),
                                 tn(t, b2));
                }
            }
        } else if (ret.kind != NF_T_VOID && ret.kind != NF_T_UNKNOWN) {
            nf_cc_report(s->d, NF_D_RETURN_TYPE, st->span, "%s returns %s: return needs a value",
                         s->flow->name->s, tn(ret, b1));
        }
        break;
    }
    case NF_ST_RAISE:
        if (!s->nanoflow && s->handler_depth == 0)
            nf_cc_report(
                s->d, NF_D_RAISE_OUTSIDE_HANDLER, st->span,
                "raise error re-raises the error being handled: use it inside an error handler");
        break;
    case NF_ST_THROW: nf_cc_check_expr(s, st->u.ret.value); break;
    case NF_ST_CALL: call(s, st); break;
    case NF_ST_SHOW_PAGE:
        /* pages usually live in the host app; when the sources define pages, a name that
         * matches none of them is most likely a typo */
        if (s->m->decls_pages.n && !nf_cc_map_get(&s->m->page_by_name, st->u.show_page.page.full))
            nf_cc_report(
                s->d, NF_D_UNKNOWN_PAGE, st->u.show_page.page.span,
                "page %s is not defined in the sources; the host receives the name as written",
                st->u.show_page.page.full->s);
        for (uint32_t i = 0; i < st->u.show_page.nargs; i++)
            nf_cc_check_expr(s, st->u.show_page.args[i].value);
        if (st->u.show_page.title)
            nf_cc_check_assign(s, st->u.show_page.title, nf_cc_t(NF_T_STRING), "the title");
        if (st->u.show_page.close_count)
            nf_cc_check_assign(s, st->u.show_page.close_count, nf_cc_t(NF_T_INTEGER),
                               "the number of pages to close");
        break;
    case NF_ST_CLOSE_PAGE:
        if (st->u.close_page.count)
            nf_cc_check_assign(s, st->u.close_page.count, nf_cc_t(NF_T_INTEGER),
                               "the number of pages to close");
        break;
    case NF_ST_PROGRESS:
        if (st->u.progress.text)
            nf_cc_check_assign(s, st->u.progress.text, nf_cc_t(NF_T_STRING), "the progress text");
        break;
    case NF_ST_SHOW_MESSAGE: {
        nf_cc_check_assign(s, st->u.message.text, nf_cc_t(NF_T_STRING), "the message");
        if (st->u.message.type_name) {
            const char *t = st->u.message.type_name->s;
            static const char *const kinds[] = {"Information", "Warning", "Error"};
            bool ok = false;
            for (int i = 0; i < 3; i++) {
                size_t n = strlen(kinds[i]);
                bool eq = strlen(t) == n;
                for (size_t j = 0; eq && j < n; j++)
                    eq = (t[j] | 32) == (kinds[i][j] | 32);
                ok |= eq;
            }
            if (!ok)
                nf_cc_report(s->d, NF_D_TYPE_MISMATCH, st->u.message.type_span,
                             "message type is Information, Warning or Error, not '%s'", t);
        }
        template_params(s, st->u.message.params, st->u.message.nparams);
        break;
    }
    case NF_ST_FEEDBACK: {
        nf_cc_expr *t = st->u.feedback.target;
        nf_cc_type tt = nf_cc_check_expr(s, t);
        if (t->kind == NF_EX_VAR && tt.kind != NF_T_OBJECT && tt.kind != NF_T_UNKNOWN)
            nf_cc_report(s->d, NF_D_NOT_AN_OBJECT, t->span,
                         "validation feedback is given on an object or its member");
        nf_cc_check_assign(s, st->u.feedback.text, nf_cc_t(NF_T_STRING), "the feedback message");
        template_params(s, st->u.feedback.params, st->u.feedback.nparams);
        break;
    }
    case NF_ST_LOG:
        if (st->u.log.node)
            nf_cc_check_assign(s, st->u.log.node, nf_cc_t(NF_T_STRING), "the log node");
        nf_cc_check_assign(s, st->u.log.text, nf_cc_t(NF_T_STRING), "the log message");
        template_params(s, st->u.log.params, st->u.log.nparams);
        break;
    case NF_ST_SYNC:
        for (uint32_t i = 0; i < st->u.sync.nobjects; i++) {
            nf_cc_type t = nf_cc_check_expr(s, st->u.sync.objects[i]);
            if (t.kind == NF_T_UNKNOWN) continue;
            if (t.kind != NF_T_OBJECT && t.kind != NF_T_LIST)
                nf_cc_report(s->d, NF_D_NOT_AN_OBJECT, st->u.sync.objects[i]->span,
                             "synchronize takes objects or lists, not %s", tn(t, b1));
            else if (t.u.entity && t.u.entity->persist != NF_PERSISTENT)
                nf_cc_report(s->d, NF_D_OFFLINE_NOT_PERSISTABLE, st->u.sync.objects[i]->span,
                             "%s is not persistable and is never synchronized",
                             t.u.entity->name->s);
        }
        break;
    case NF_ST_TRY:
        block(s, &st->u.try_.body);
        s->handler_depth++;
        block(s, &st->u.try_.handler);
        s->handler_depth--;
        break;
    case NF_ST_MERGE:
        if (nf_cc_map_get(&s->labels, st->u.label.label))
            nf_cc_report(s->d, NF_D_DUPLICATE, st->span, "merge label '%s' is defined twice",
                         st->u.label.label->s);
        else if (!nf_cc_map_put(&s->labels, st->u.label.label, st))
            s->oom = true;
        break;
    case NF_ST_JOIN: nf_cc_vec_push(s->arena, &s->joins, st); break;
    case NF_ST_CLEAR_DEVICE: {
        nf_cc_entity *e = nf_cc_lookup_entity(s, &st->u.clear_device.entity, true);
        if (e && e->persist != NF_PERSISTENT)
            nf_cc_report(s->d, NF_D_OFFLINE_NOT_PERSISTABLE, st->u.clear_device.entity.span,
                         "%s is not persistable: nothing is stored on the device", e->name->s);
        break;
    }
    case NF_ST_CANCEL_SYNC: break;
    case NF_ST_FORBIDDEN:
        if (st->u.forbidden.var)
            define(s, st->u.forbidden.var, st->span, nf_cc_t(NF_T_UNKNOWN), NF_VAR_LOCAL);
        break;
    case NF_ST_BROKEN:
        if (!nf_cc_map_get(&s->vars, st->u.forbidden.var))
            define(s, st->u.forbidden.var, st->span, nf_cc_t(NF_T_UNKNOWN), NF_VAR_LOCAL);
        return; /* already reported by the parser */
    case NF_ST_TEST: nf_cc_sema_test_stmt(s, st); break;
    case NF_ST_COUNT_: break;
    }
    handler(s, &st->on_error);
}

static void block(nf_cc_sema *s, nf_cc_block *b) {
    bool reported = false;
    for (uint32_t i = 0; i < b->n; i++) {
        nf_cc_stmt *st = b->stmts[i];
        if (!st) continue;
        if (!reported && i > 0 && b->stmts[i - 1] && stmt_terminates(b->stmts[i - 1]) &&
            st->kind != NF_ST_MERGE) {
            nf_cc_report(s->d, NF_D_UNREACHABLE, st->span, "statement is never reached");
            reported = true;
        }
        statement(s, st);
    }
}

void nf_cc_check_flow(nf_cc_sema *s, nf_cc_flow *f) {
    nf_cc_decl *d = f->decl;
    s->flow = f;
    s->nanoflow = f->kind == NF_FLOW_NANOFLOW;
    nf_cc_map_free(&s->vars);
    memset(&s->flow_vars, 0, sizeof s->flow_vars);
    nf_cc_map_free(&s->labels);
    memset(&s->joins, 0, sizeof s->joins);
    s->loop_depth = s->handler_depth = 0;
    s->in_lambda = s->in_reduce = false;
    s->nsplit = 0;
    for (uint32_t i = 0; i < f->nparams; i++) {
        nf_cc_var *p = f->params[i];
        if (!p) continue;
        if (nf_cc_map_get(&s->vars, p->name)) continue; /* duplicate parameter: reported */
        p->index = s->flow_vars.n;
        nf_cc_vec_push(s->arena, &s->flow_vars, p);
        nf_cc_map_put(&s->vars, p->name, p);
        if (s->nanoflow && (p->type.kind == NF_T_OBJECT || p->type.kind == NF_T_LIST))
            nf_cc_mark_offline_use(s, p->type.u.entity, p->span);
    }
    if (s->nanoflow && f->ret.kind == NF_T_BINARY)
        nf_cc_report(s->d, NF_D_NANOFLOW_BINARY, d->u.flow.returns.span,
                     "Binary return type is not allowed in nanoflows");
    if (s->nanoflow && (f->ret.kind == NF_T_OBJECT || f->ret.kind == NF_T_LIST))
        nf_cc_mark_offline_use(s, f->ret.u.entity, d->u.flow.returns.span);
    block(s, &d->u.flow.body);
    if (f->ret.kind != NF_T_VOID && f->ret.kind != NF_T_UNKNOWN && !terminates(&d->u.flow.body)) {
        char b[160];
        nf_cc_span at = d->u.flow.body.n ? d->u.flow.body.stmts[d->u.flow.body.n - 1]
                                               ? d->u.flow.body.stmts[d->u.flow.body.n - 1]->span
                                               : d->name.span
                                         : d->name.span;
        nf_cc_report(s->d, NF_D_MISSING_RETURN, at,
                     "%s returns %s, but a path reaches the end of the flow without a return",
                     f->name->s, tn(f->ret, b));
    }
    for (uint32_t i = 0; i < s->joins.n; i++) {
        nf_cc_stmt *j = s->joins.items[i];
        if (!nf_cc_map_get(&s->labels, j->u.label.label))
            nf_cc_report(s->d, NF_D_UNKNOWN_LABEL, j->span, "join %s: no merge %s in this flow",
                         j->u.label.label->s, j->u.label.label->s);
    }
    nf_cc_map_free(&s->labels);
    f->vars = (nf_cc_var **)s->flow_vars.items;
    f->nvars = s->flow_vars.n;
    s->flow = NULL;
    s->nanoflow = false;
}
