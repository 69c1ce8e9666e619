/* cc_sema_xpath.c — XPath constraints (mendix-semantics §8): member paths relative to an
 * entity, comparisons with literals, variables, tokens and empty, the XPath functions, and
 * the offline restrictions for nanoflow retrieves (NF5008–NF5011). */
#include <stdio.h>
#include <string.h>

#include "cc_sema.h"

nf_cc_type nf_cc_token_type(nf_cc_sema *s, nf_cc_expr *e, bool xpath);

typedef struct xp_ctx {
    nf_cc_sema *s;
    nf_cc_xpath_use use;
    bool in_token_math; /* inside a token computation already reported */
} xp_ctx;

static nf_cc_type xp_check(xp_ctx *x, nf_cc_expr *e, nf_cc_entity *ctx);

static bool offline(const xp_ctx *x) {
    return x->use == NF_XP_NANOFLOW_RETRIEVE;
}

static nf_cc_type set(nf_cc_expr *e, nf_cc_type t) {
    e->type = t;
    return t;
}

static nf_cc_type xp_path(xp_ctx *x, nf_cc_expr *e, nf_cc_entity *ctx) {
    nf_cc_sema *s = x->s;
    nf_cc_type t = nf_cc_t_object(ctx);
    nf_cc_entity *cur = ctx;
    if (offline(x) && e->u.xpath.nsteps > 1)
        nf_cc_report(s->d, NF_D_OFFLINE_XPATH_PATH, e->span,
                     "nanoflow retrieves cannot follow associations in XPath; retrieve by "
                     "association or filter the list");
    for (uint32_t i = 0; i < e->u.xpath.nsteps; i++) {
        nf_cc_step *st = &e->u.xpath.steps[i];
        if (!cur) return set(e, nf_cc_t(NF_T_UNKNOWN));
        if (st->name.nparts == 1 && st->name.full == s->s_id) { /* [id = $obj] */
            t = nf_cc_t_object(cur);
            continue;
        }
        /* after an association, an entity name narrows (Assoc/Module.Entity) */
        if (i > 0 && e->u.xpath.steps[i - 1].assoc && st->name.nparts >= 2) {
            nf_cc_entity *en = nf_cc_lookup_entity(s, &st->name, false);
            if (en) {
                if (!nf_cc_entity_is_a(en, cur) && !nf_cc_entity_is_a(cur, en))
                    nf_cc_report(s->d, NF_D_TYPE_MISMATCH, st->name.span,
                                 "%s is not reached over %s (it leads to %s)", en->name->s,
                                 e->u.xpath.steps[i - 1].assoc->name->s, cur->name->s);
                st->entity = cur = en;
                t = nf_cc_t_object(cur);
                if (st->filter) {
                    nf_cc_type ft = xp_check(x, st->filter, cur);
                    if (ft.kind != NF_T_BOOLEAN && ft.kind != NF_T_UNKNOWN &&
                        ft.kind != NF_T_OBJECT && ft.kind != NF_T_LIST)
                        nf_cc_report(s->d, NF_D_TYPE_MISMATCH, st->filter->span,
                                     "a [ ] constraint must be a condition");
                }
                continue;
            }
        }
        if (!nf_cc_resolve_member(s, cur, st, true)) return set(e, nf_cc_t(NF_T_UNKNOWN));
        if (st->attr) {
            if (offline(x)) nf_cc_rules_offline_attr(s, st->attr, st->name.span);
            if (st->attr->calculated && x->use != NF_XP_NANOFLOW_RETRIEVE)
                nf_cc_report(s->d, NF_D_TYPE_MISMATCH, st->name.span,
                             "calculated attribute %s cannot be used in XPath", st->attr->name->s);
            if (st->attr->hashed || st->attr->binary)
                nf_cc_report(s->d, NF_D_TYPE_MISMATCH, st->name.span,
                             "%s attributes cannot be used in XPath",
                             st->attr->hashed ? "hashed string" : "binary");
            t = st->attr->type;
            cur = NULL;
            if (i + 1 < e->u.xpath.nsteps) {
                nf_cc_report(
                    s->d, NF_D_NOT_AN_OBJECT, e->u.xpath.steps[i + 1].name.span,
                    "%s is an attribute; an XPath path continues only through associations",
                    st->attr->name->s);
                return set(e, nf_cc_t(NF_T_UNKNOWN));
            }
        } else {
            cur = st->entity;
            t = nf_cc_t_object(cur);
        }
        if (st->filter) {
            nf_cc_report(s->d, NF_D_SYNTAX, st->filter->span,
                         "a [ ] sub-constraint follows the entity: Association/Module.Entity[…]");
        }
    }
    return set(e, t);
}

static bool is_date_function(const char *n) {
    size_t len = strlen(n);
    return len > 14 && strcmp(n + len - 14, "-from-dateTime") == 0;
}

static nf_cc_type xp_call(xp_ctx *x, nf_cc_expr *e, nf_cc_entity *ctx) {
    nf_cc_sema *s = x->s;
    const char *n = e->u.call.name.full->s;
    uint32_t nargs = e->u.call.nargs;
    for (uint32_t i = 0; i < nargs; i++)
        xp_check(x, e->u.call.args[i], ctx);
    if (strcmp(n, "true") == 0 || strcmp(n, "false") == 0) return set(e, nf_cc_t(NF_T_BOOLEAN));
    if (strcmp(n, "not") == 0) {
        if (nargs != 1) nf_cc_report(s->d, NF_D_ARG_COUNT, e->span, "not() takes one argument");
        return set(e, nf_cc_t(NF_T_BOOLEAN));
    }
    if (strcmp(n, "contains") == 0 || strcmp(n, "starts-with") == 0 ||
        strcmp(n, "ends-with") == 0) {
        if (nargs != 2) {
            nf_cc_report(s->d, NF_D_ARG_COUNT, e->span, "%s() takes an attribute and a String", n);
        } else {
            for (uint32_t i = 0; i < 2; i++) {
                nf_cc_type t = e->u.call.args[i]->type;
                if (t.kind != NF_T_STRING && t.kind != NF_T_UNKNOWN && t.kind != NF_T_EMPTY)
                    nf_cc_report(s->d, NF_D_TYPE_MISMATCH, e->u.call.args[i]->span,
                                 "%s() works on Strings", n);
            }
        }
        return set(e, nf_cc_t(NF_T_BOOLEAN));
    }
    if (strcmp(n, "length") == 0 || strcmp(n, "string-length") == 0) {
        if (nargs != 1) nf_cc_report(s->d, NF_D_ARG_COUNT, e->span, "%s() takes one attribute", n);
        return set(e, nf_cc_t(NF_T_INTEGER));
    }
    if (is_date_function(n)) {
        if (offline(x))
            nf_cc_report(s->d, NF_D_OFFLINE_XPATH_DATE, e->span,
                         "nanoflow retrieves cannot use date functions such as %s() in XPath", n);
        if (nargs < 1 || nargs > 2 ||
            (e->u.call.args[0]->type.kind != NF_T_DATETIME &&
             e->u.call.args[0]->type.kind != NF_T_UNKNOWN))
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, e->span, "%s() takes a DateTime attribute", n);
        return set(e, nf_cc_t(NF_T_INTEGER));
    }
    nf_cc_report(s->d, NF_D_UNKNOWN_FUNCTION, e->u.call.name.span, "unknown XPath function '%s'",
                 n);
    return set(e, nf_cc_t(NF_T_UNKNOWN));
}

static bool involves_token(const nf_cc_expr *e) {
    if (!e) return false;
    if (e->kind == NF_EX_MXTOKEN) return true;
    if (e->kind == NF_EX_BINARY || e->kind == NF_EX_UNARY)
        return involves_token(e->u.bin.a) ||
               (e->kind == NF_EX_BINARY && involves_token(e->u.bin.b));
    return false;
}

/* A comparison operand: a string literal may name an enumeration value. */
static bool enum_literal_ok(xp_ctx *x, nf_cc_type en, nf_cc_expr *lit) {
    if (en.kind != NF_T_ENUM || lit->kind != NF_EX_STRING) return false;
    nf_cc_sym *v = nf_cc_intern(x->s->in, lit->u.str.s, lit->u.str.len);
    if (v && nf_cc_enum_value_index(en.u.enumeration, v) >= 0) return true;
    nf_cc_report(x->s->d, NF_D_UNKNOWN_ENUM_VALUE, lit->span, "'%s' is not a value of %s",
                 lit->u.str.s, en.u.enumeration->name->s);
    return true;
}

static nf_cc_type xp_compare(xp_ctx *x, nf_cc_expr *e, nf_cc_type a, nf_cc_type b) {
    nf_cc_sema *s = x->s;
    nf_cc_type boolean = nf_cc_t(NF_T_BOOLEAN);
    if (a.kind == NF_T_UNKNOWN || b.kind == NF_T_UNKNOWN) return set(e, boolean);
    if (a.kind == NF_T_EMPTY || b.kind == NF_T_EMPTY) return set(e, boolean);
    if (enum_literal_ok(x, a, e->u.bin.b) || enum_literal_ok(x, b, e->u.bin.a))
        return set(e, boolean);
    bool ok = (nf_cc_is_numeric(a) && nf_cc_is_numeric(b)) ||
              (a.kind == b.kind && a.kind != NF_T_OBJECT && a.kind != NF_T_ENUM) ||
              (a.kind == NF_T_ENUM && b.kind == NF_T_ENUM && a.u.enumeration == b.u.enumeration) ||
              (a.kind == NF_T_OBJECT && b.kind == NF_T_OBJECT &&
               (!a.u.entity || !b.u.entity || nf_cc_entity_is_a(a.u.entity, b.u.entity) ||
                nf_cc_entity_is_a(b.u.entity, a.u.entity)));
    /* a DateTime attribute compared with a date token */
    if (!ok) {
        char b1[160], b2[160];
        nf_cc_report(s->d, NF_D_BAD_OPERANDS, e->span, "cannot compare %s with %s in XPath",
                     nf_cc_type_name(a, b1, sizeof b1), nf_cc_type_name(b, b2, sizeof b2));
    }
    return set(e, boolean);
}

static nf_cc_type xp_check(xp_ctx *x, nf_cc_expr *e, nf_cc_entity *ctx) {
    nf_cc_sema *s = x->s;
    if (!e) return nf_cc_t(NF_T_UNKNOWN);
    switch ((nf_cc_exkind)e->kind) {
    case NF_EX_XPATH_PRED: {
        nf_cc_type t = xp_check(x, e->u.pred.inner, ctx);
        if (t.kind != NF_T_BOOLEAN && t.kind != NF_T_UNKNOWN && t.kind != NF_T_OBJECT &&
            t.kind != NF_T_LIST) {
            char b[160];
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, e->u.pred.inner->span,
                         "an XPath constraint must be a condition, not %s",
                         nf_cc_type_name(t, b, sizeof b));
        }
        return set(e, nf_cc_t(NF_T_BOOLEAN));
    }
    case NF_EX_XPATH_PATH: return xp_path(x, e, ctx);
    case NF_EX_CALL: return xp_call(x, e, ctx);
    case NF_EX_MXTOKEN: {
        const char *t = e->u.var->s;
        if (offline(x) && strncmp(t, "UserRole_", 9) == 0)
            nf_cc_report(s->d, NF_D_OFFLINE_XPATH_ROLE, e->span,
                         "nanoflow retrieves cannot use user-role tokens such as [%%%s%%]", t);
        if (strncmp(t, "UserRole_", 9) == 0) {
            nf_cc_sym *r = nf_cc_intern_cstr(s->in, t + 9);
            if (r && !nf_cc_map_get(&s->m->role_by_name, r))
                nf_cc_report(s->d, NF_D_UNKNOWN_ROLE, e->span, "unknown user role '%s' in [%%%s%%]",
                             t + 9, t);
        }
        return nf_cc_token_type(s, e, true);
    }
    case NF_EX_VAR:
    case NF_EX_PATH: {
        if (x->use == NF_XP_ACCESS_RULE || x->use == NF_XP_PROFILE) {
            nf_cc_report(s->d, NF_D_UNKNOWN_VARIABLE, e->span,
                         "variables cannot be used here; use tokens such as [%%CurrentUser%%]");
            return set(e, nf_cc_t(NF_T_UNKNOWN));
        }
        return nf_cc_check_expr(s, e);
    }
    case NF_EX_BINARY: {
        if (e->op == NF_OP_AND || e->op == NF_OP_OR) {
            xp_check(x, e->u.bin.a, ctx);
            xp_check(x, e->u.bin.b, ctx);
            return set(e, nf_cc_t(NF_T_BOOLEAN));
        }
        if (e->op >= NF_OP_EQ && e->op <= NF_OP_GE) {
            nf_cc_type a = xp_check(x, e->u.bin.a, ctx);
            nf_cc_type b = xp_check(x, e->u.bin.b, ctx);
            return xp_compare(x, e, a, b);
        }
        /* arithmetic: only on tokens ('[%BeginOfCurrentDay%] - 3 * [%DayLength%]'), reported
         * once per computation */
        bool outer = !x->in_token_math;
        if (outer && !involves_token(e)) {
            nf_cc_report(s->d, NF_D_BAD_OPERANDS, e->span,
                         "XPath constraints compute only with tokens; compute the value in a "
                         "variable first");
            return set(e, nf_cc_t(NF_T_UNKNOWN));
        }
        if (outer && offline(x))
            nf_cc_report(s->d, NF_D_OFFLINE_XPATH_TOKEN_MATH, e->span,
                         "nanoflow retrieves cannot compute with tokens in XPath");
        x->in_token_math = true;
        nf_cc_type a = xp_check(x, e->u.bin.a, ctx);
        nf_cc_type b = xp_check(x, e->u.bin.b, ctx);
        if (outer) x->in_token_math = false;
        if (a.kind == NF_T_DATETIME || b.kind == NF_T_DATETIME)
            return set(e, nf_cc_t(NF_T_DATETIME));
        return set(e, nf_cc_t(NF_T_LONG));
    }
    case NF_EX_UNARY: {
        nf_cc_type a = xp_check(x, e->u.bin.a, ctx);
        if (e->op == NF_OP_NOT) return set(e, nf_cc_t(NF_T_BOOLEAN));
        if (!nf_cc_is_numeric(a) && a.kind != NF_T_UNKNOWN)
            nf_cc_report(s->d, NF_D_BAD_OPERANDS, e->span, "'-' applies to numbers");
        return set(e, a);
    }
    default: return nf_cc_check_expr(s, e); /* literals */
    }
}

void nf_cc_check_xpath(nf_cc_sema *s, nf_cc_expr *e, nf_cc_entity *ctx, nf_cc_xpath_use use) {
    xp_ctx x = {s, use, false};
    if (e && e->kind == NF_EX_BINARY && (e->op == NF_OP_AND || e->op == NF_OP_OR)) {
        nf_cc_check_xpath(s, e->u.bin.a, ctx, use);
        nf_cc_check_xpath(s, e->u.bin.b, ctx, use);
        e->type = nf_cc_t(NF_T_BOOLEAN);
        return;
    }
    xp_check(&x, e, ctx);
}
