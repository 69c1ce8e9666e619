/* cc_sema_expr.c — type checking of Mendix expressions (mendix-semantics §6, §7).
 *
 * Integer and Long are one 64-bit family; any Decimal operand makes arithmetic Decimal;
 * division (div or :) always yields Decimal; `+` concatenates when either side is a String
 * and the other a String or a number; `<`/`>` apply to numbers, strings and dates only;
 * `=` compares like with like, objects by identity, and anything with empty. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_sema.h"

typedef struct builtin_info {
    const char *name;
    const char *sig;
    unsigned flags;
} builtin_info;

enum { NANO = 1, MICRO_ARGS = 2 };

static const builtin_info builtins[NF_CFN_COUNT_] = {
#define FN(id, name, sig, flags) {name, sig, flags},
#include "cc_builtins.def"
#undef FN
};

void nf_cc_builtins_init(nf_cc_sema *s) {
    for (uintptr_t i = 0; i < NF_CFN_COUNT_; i++) {
        nf_cc_sym *n = nf_cc_intern_cstr(s->in, builtins[i].name);
        if (!n || !nf_cc_map_put(&s->builtins, n, (void *)(i + 1))) s->oom = true;
    }
}

int32_t nf_cc_enum_value_index(const nf_cc_enum *en, const nf_cc_sym *name) {
    uintptr_t i = (uintptr_t)nf_cc_map_get(&en->value_index, name);
    return i ? (int32_t)(i - 1) : -1;
}

static const char *tname(nf_cc_type t, char *buf) {
    return nf_cc_type_name(t, buf, 160);
}

static nf_cc_type set_type(nf_cc_expr *e, nf_cc_type t) {
    e->type = t;
    return t;
}

static nf_cc_type unknown(nf_cc_expr *e) {
    return set_type(e, nf_cc_t(NF_T_UNKNOWN));
}

/* The wider numeric type of two numbers. */
static nf_cc_type widen(nf_cc_type a, nf_cc_type b) {
    if (a.kind == NF_T_DECIMAL || b.kind == NF_T_DECIMAL) return nf_cc_t(NF_T_DECIMAL);
    if (a.kind == NF_T_LONG || b.kind == NF_T_LONG) return nf_cc_t(NF_T_LONG);
    return nf_cc_t(NF_T_INTEGER);
}

/* Common type of two branches (if-then-else) or NF_T_VOID when there is none. */
static nf_cc_type unify(nf_cc_type a, nf_cc_type b) {
    if (a.kind == NF_T_UNKNOWN) return b.kind == NF_T_EMPTY ? a : b;
    if (b.kind == NF_T_UNKNOWN) return a.kind == NF_T_EMPTY ? b : a;
    if (a.kind == NF_T_EMPTY) return b;
    if (b.kind == NF_T_EMPTY) return a;
    if (nf_cc_is_numeric(a) && nf_cc_is_numeric(b)) return widen(a, b);
    if ((a.kind == NF_T_OBJECT || a.kind == NF_T_LIST) && a.kind == b.kind) {
        if (!a.u.entity || !b.u.entity) return a;
        for (nf_cc_entity *x = a.u.entity; x; x = x->generalization)
            if (nf_cc_entity_is_a(b.u.entity, x))
                return a.kind == NF_T_OBJECT ? nf_cc_t_object(x) : nf_cc_t_list(x);
        return nf_cc_t(NF_T_VOID);
    }
    if (a.kind == NF_T_ENUM)
        return (b.kind == NF_T_ENUM && a.u.enumeration == b.u.enumeration) ? a : nf_cc_t(NF_T_VOID);
    return a.kind == b.kind ? a : nf_cc_t(NF_T_VOID);
}

/* ---- literals -------------------------------------------------------------------------------- */

static bool int_literal(nf_cc_sema *s, nf_cc_expr *e, bool negated, int64_t *out) {
    char buf[32];
    if (e->u.lit.len >= sizeof buf) goto range;
    memcpy(buf, e->u.lit.text, e->u.lit.len);
    buf[e->u.lit.len] = '\0';
    errno = 0;
    unsigned long long v = strtoull(buf, NULL, 10);
    if (errno == ERANGE) goto range;
    if (negated ? v > 9223372036854775808ull : v > 9223372036854775807ull) goto range;
    *out = negated ? (int64_t)(0 - v) : (int64_t)v;
    return true;
range:
    nf_cc_report(
        s->d, NF_D_BAD_LITERAL, e->span,
        "integer literal does not fit in 64 bits (-9223372036854775808 … 9223372036854775807)");
    return false;
}

/* ---- variables and tokens ------------------------------------------------------------------- */

static nf_cc_type check_var(nf_cc_sema *s, nf_cc_expr *e) {
    nf_cc_sym *n = e->u.var;
    if (n == s->s_current_object) {
        if (!s->in_lambda) {
            nf_cc_report(s->d, NF_D_CURRENT_OBJECT, e->span,
                         "$currentObject exists only in list operations and aggregates");
            return unknown(e);
        }
        return set_type(e, s->lambda_entity ? nf_cc_t_object(s->lambda_entity)
                                            : nf_cc_t(NF_T_UNKNOWN));
    }
    if (n == s->s_current_result) {
        if (!s->in_reduce) {
            nf_cc_report(s->d, NF_D_CURRENT_OBJECT, e->span,
                         "$currentResult exists only in reduce");
            return unknown(e);
        }
        return set_type(e, s->reduce_type);
    }
    if (n == s->s_latest_error || n == s->s_latest_error_type) {
        if (s->handler_depth == 0) {
            nf_cc_report(s->d, NF_D_LATEST_ERROR, e->span,
                         "$%s exists only in error handlers (on error … or catch)", n->s);
            return unknown(e);
        }
        if (n == s->s_latest_error && !s->nanoflow && s->flow && s->m->system_error)
            return set_type(e, nf_cc_t_object(s->m->system_error));
        return set_type(e, nf_cc_t(NF_T_STRING));
    }
    if (n == s->s_current_index) {
        if (s->loop_depth == 0) {
            nf_cc_report(s->d, NF_D_UNKNOWN_VARIABLE, e->span,
                         "$currentIndex exists only in loops");
            return unknown(e);
        }
        return set_type(e, nf_cc_t(NF_T_INTEGER));
    }
    if (n == s->s_current_user || n == s->s_current_session || n == s->s_current_device_type) {
        if (s->nanoflow) {
            nf_cc_report(s->d, NF_D_NANOFLOW_VARIABLE, e->span,
                         "$%s is not available in nanoflow expressions", n->s);
            return unknown(e);
        }
        if (n == s->s_current_user && s->m->system_user)
            return set_type(e, nf_cc_t_object(s->m->system_user));
        if (n == s->s_current_device_type) return set_type(e, nf_cc_t(NF_T_STRING));
        return unknown(e);
    }
    nf_cc_var *v = nf_cc_map_get(&s->vars, n);
    if (!v) {
        const char *sug = nf_cc_suggest_map(&s->vars, n->s);
        if (sug)
            nf_cc_report(s->d, NF_D_UNKNOWN_VARIABLE, e->span,
                         "unknown variable $%s; did you mean $%s?", n->s, sug);
        else
            nf_cc_report(s->d, NF_D_UNKNOWN_VARIABLE, e->span, "unknown variable $%s", n->s);
        return unknown(e);
    }
    if (v->dead) {
        nf_cc_report(s->d, NF_D_OUT_OF_SCOPE, e->span,
                     "$%s was created inside a loop and is not visible after it", n->s);
        nf_cc_note(s->d, v->span, "created here");
        return unknown(e);
    }
    e->ref.var = v;
    return set_type(e, v->type);
}

static bool is_date_token(const char *t) {
    static const char *const words[] = {"CurrentDateTime"};
    if (strcmp(t, words[0]) == 0) return true;
    const char *r = NULL;
    if (strncmp(t, "BeginOf", 7) == 0)
        r = t + 7;
    else if (strncmp(t, "EndOf", 5) == 0)
        r = t + 5;
    if (!r) return false;
    static const char *const periods[] = {"CurrentMinute", "CurrentHour", "CurrentDay",
                                          "Yesterday",     "Tomorrow",    "CurrentWeek",
                                          "CurrentMonth",  "CurrentYear"};
    for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
        size_t n = strlen(periods[i]);
        if (strncmp(r, periods[i], n) == 0 && (r[n] == '\0' || strcmp(r + n, "UTC") == 0))
            return true;
    }
    return false;
}

/* Shared with XPath: the type of a [%Token%]; UNKNOWN (reported) when unknown. */
nf_cc_type nf_cc_token_type(nf_cc_sema *s, nf_cc_expr *e, bool xpath);
nf_cc_type nf_cc_token_type(nf_cc_sema *s, nf_cc_expr *e, bool xpath) {
    const char *t = e->u.var->s;
    if (is_date_token(t)) return set_type(e, nf_cc_t(NF_T_DATETIME));
    static const char *const lengths[] = {"SecondLength", "MinuteLength", "HourLength", "DayLength",
                                          "WeekLength",   "MonthLength",  "YearLength"};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++)
        if (strcmp(t, lengths[i]) == 0) return set_type(e, nf_cc_t(NF_T_LONG));
    if (xpath && strcmp(t, "CurrentUser") == 0)
        return set_type(e, s->m->system_user ? nf_cc_t_object(s->m->system_user)
                                             : nf_cc_t(NF_T_UNKNOWN));
    if (xpath && strcmp(t, "CurrentObject") == 0) return set_type(e, nf_cc_t(NF_T_OBJECT));
    if (xpath && strncmp(t, "UserRole_", 9) == 0) return set_type(e, nf_cc_t(NF_T_OBJECT));
    nf_cc_report(s->d, NF_D_UNKNOWN_TOKEN, e->span, "unknown token [%%%s%%]%s", t,
                 xpath ? "" : " in an expression");
    return unknown(e);
}

/* ---- paths ----------------------------------------------------------------------------------- */

static nf_cc_type check_path(nf_cc_sema *s, nf_cc_expr *e) {
    nf_cc_type t = nf_cc_check_expr(s, e->u.path.base);
    for (uint32_t i = 0; i < e->u.path.nsteps; i++) {
        nf_cc_step *st = &e->u.path.steps[i];
        if (t.kind == NF_T_UNKNOWN) return unknown(e);
        if (t.kind != NF_T_OBJECT || !t.u.entity) {
            char b[160];
            nf_cc_report(
                s->d, NF_D_NOT_AN_OBJECT, st->name.span,
                "'%s' is read from %s, which is not an object; members are read from objects",
                st->name.full->s, tname(t, b));
            return unknown(e);
        }
        if (!nf_cc_resolve_member(s, t.u.entity, st, true)) return unknown(e);
        if (st->attr) {
            if (s->nanoflow) nf_cc_rules_offline_attr(s, st->attr, st->name.span);
            t = st->attr->type;
            if (i + 1 < e->u.path.nsteps && t.kind != NF_T_OBJECT) {
                nf_cc_report(s->d, NF_D_NOT_AN_OBJECT, e->u.path.steps[i + 1].name.span,
                             "%s is an attribute; a path continues only through associations",
                             st->attr->name->s);
                return unknown(e);
            }
        } else {
            t = nf_cc_assoc_step_type(st);
            if (s->nanoflow) nf_cc_mark_offline_use(s, st->entity, st->name.span);
            if (t.kind == NF_T_LIST && i + 1 < e->u.path.nsteps) {
                nf_cc_report(s->d, NF_D_NOT_AN_OBJECT, e->u.path.steps[i + 1].name.span,
                             "%s leads to a list here; loop over it or use a list operation",
                             st->assoc->name->s);
                return unknown(e);
            }
        }
    }
    return set_type(e, t);
}

static nf_cc_type check_qname(nf_cc_sema *s, nf_cc_expr *e) {
    nf_cc_qname *q = &e->u.qname;
    if (q->nparts >= 3) { /* Module.Enum.Value */
        char buf[512];
        snprintf(buf, sizeof buf, "%s", q->full->s);
        char *dot = strrchr(buf, '.');
        if (dot) *dot = '\0';
        nf_cc_sym *en_name = nf_cc_intern_cstr(s->in, buf);
        nf_cc_enum *en = en_name ? nf_cc_map_get(&s->m->enum_by_name, en_name) : NULL;
        if (en) {
            int32_t idx = nf_cc_enum_value_index(en, q->parts[q->nparts - 1]);
            if (idx < 0) {
                const char *cands[256];
                uint32_t n = 0;
                for (uint32_t i = 0; i < en->nvalues && n < 256; i++)
                    cands[n++] = en->values[i].name->s;
                const char *sug = nf_cc_suggest(cands, n, q->parts[q->nparts - 1]->s);
                nf_cc_report(s->d, NF_D_UNKNOWN_ENUM_VALUE, q->span,
                             "enumeration %s has no value '%s'%s%s%s", en->name->s,
                             q->parts[q->nparts - 1]->s, sug ? "; did you mean '" : "",
                             sug ? sug : "", sug ? "'?" : "");
                return unknown(e);
            }
            e->ref.enum_value = idx;
            return set_type(e, nf_cc_t_enum(en));
        }
        nf_cc_qname eq = *q;
        eq.full = en_name;
        eq.nparts = q->nparts - 1;
        nf_cc_lookup_enum(s, &eq, true);
        return unknown(e);
    }
    if (q->nparts == 2 && nf_cc_map_get(&s->m->constant_by_name, q->full)) {
        nf_cc_report(s->d, NF_D_UNKNOWN_CONSTANT, q->span, "constants are written with '@': @%s",
                     q->full->s);
        return unknown(e);
    }
    if (q->nparts == 1 && s->in_lambda && s->lambda_entity &&
        nf_cc_entity_attr(s->lambda_entity, q->full)) {
        nf_cc_report(s->d, NF_D_UNKNOWN_VARIABLE, q->span,
                     "unknown name '%s': read the attribute as $currentObject/%s", q->full->s,
                     q->full->s);
        return unknown(e);
    }
    nf_cc_report(s->d, NF_D_UNKNOWN_VARIABLE, q->span,
                 "unknown name '%s': variables start with $, enumeration values are "
                 "Module.Enumeration.Value",
                 q->full->s);
    return unknown(e);
}

/* ---- operators ------------------------------------------------------------------------------- */

static const char *op_text(nf_cc_op op) {
    switch (op) {
    case NF_OP_OR: return "or";
    case NF_OP_AND: return "and";
    case NF_OP_NOT: return "not";
    case NF_OP_EQ: return "=";
    case NF_OP_NE: return "!=";
    case NF_OP_LT: return "<";
    case NF_OP_LE: return "<=";
    case NF_OP_GT: return ">";
    case NF_OP_GE: return ">=";
    case NF_OP_ADD: return "+";
    case NF_OP_SUB: return "-";
    case NF_OP_MUL: return "*";
    case NF_OP_DIV: return "div";
    case NF_OP_MOD: return "mod";
    case NF_OP_NEG: return "-";
    default: return "?";
    }
}

static nf_cc_type bad_operands(nf_cc_sema *s, nf_cc_expr *e, nf_cc_type a, nf_cc_type b,
                               const char *hint) {
    char b1[160], b2[160];
    nf_cc_report(s->d, NF_D_BAD_OPERANDS, e->span, "'%s' does not apply to %s and %s%s%s",
                 op_text((nf_cc_op)e->op), tname(a, b1), tname(b, b2), hint ? ": " : "",
                 hint ? hint : "");
    return unknown(e);
}

static bool is_string_literal(const nf_cc_expr *e) {
    return e->kind == NF_EX_STRING;
}

static nf_cc_type check_compare(nf_cc_sema *s, nf_cc_expr *e, nf_cc_type a, nf_cc_type b) {
    nf_cc_type boolean = nf_cc_t(NF_T_BOOLEAN);
    bool equality = e->op == NF_OP_EQ || e->op == NF_OP_NE;
    if (!equality && (a.kind == NF_T_EMPTY || b.kind == NF_T_EMPTY))
        return bad_operands(s, e, a, b,
                            "comparing with empty using <, >, <= or >= is always an error");
    if (a.kind == NF_T_EMPTY || b.kind == NF_T_EMPTY) return set_type(e, boolean);
    if (nf_cc_is_numeric(a) && nf_cc_is_numeric(b)) return set_type(e, boolean);
    if (a.kind == NF_T_STRING && b.kind == NF_T_STRING) return set_type(e, boolean);
    if (a.kind == NF_T_DATETIME && b.kind == NF_T_DATETIME) return set_type(e, boolean);
    if (!equality) {
        const char *hint = (a.kind == NF_T_ENUM || b.kind == NF_T_ENUM || a.kind == NF_T_BOOLEAN ||
                            b.kind == NF_T_BOOLEAN)
                               ? "only numbers, strings and dates are ordered"
                               : NULL;
        return bad_operands(s, e, a, b, hint);
    }
    if (a.kind == NF_T_BOOLEAN && b.kind == NF_T_BOOLEAN) return set_type(e, boolean);
    if (a.kind == NF_T_ENUM && b.kind == NF_T_ENUM) {
        if (a.u.enumeration == b.u.enumeration) return set_type(e, boolean);
        return bad_operands(s, e, a, b, NULL);
    }
    if ((a.kind == NF_T_ENUM && b.kind == NF_T_STRING) ||
        (a.kind == NF_T_STRING && b.kind == NF_T_ENUM)) {
        nf_cc_expr *lit = a.kind == NF_T_STRING ? e->u.bin.a : e->u.bin.b;
        nf_cc_type en = a.kind == NF_T_ENUM ? a : b;
        if (is_string_literal(lit))
            nf_cc_report(s->d, NF_D_ENUM_AS_STRING, lit->span,
                         "compare enumeration values with %s.%s, not the string '%s'",
                         en.u.enumeration->name->s, lit->u.str.s, lit->u.str.s);
        else
            nf_cc_report(s->d, NF_D_ENUM_AS_STRING, e->span,
                         "an enumeration is not a String: compare with getKey(…) or a value of %s",
                         en.u.enumeration->name->s);
        return unknown(e);
    }
    if (a.kind == NF_T_OBJECT && b.kind == NF_T_OBJECT) {
        if (!a.u.entity || !b.u.entity || nf_cc_entity_is_a(a.u.entity, b.u.entity) ||
            nf_cc_entity_is_a(b.u.entity, a.u.entity))
            return set_type(e, boolean);
        return bad_operands(s, e, a, b, "objects of unrelated entities are never equal");
    }
    return bad_operands(s, e, a, b, NULL);
}

/* + - * mod on numbers; `empty` takes the other side's type (the VM decides at run time). */
static nf_cc_type arithmetic(nf_cc_sema *s, nf_cc_expr *e, nf_cc_type a, nf_cc_type b) {
    if ((nf_cc_is_numeric(a) || a.kind == NF_T_EMPTY) &&
        (nf_cc_is_numeric(b) || b.kind == NF_T_EMPTY)) {
        if (a.kind == NF_T_EMPTY && b.kind == NF_T_EMPTY) return bad_operands(s, e, a, b, NULL);
        if (a.kind == NF_T_EMPTY) return set_type(e, b);
        if (b.kind == NF_T_EMPTY) return set_type(e, a);
        return set_type(e, widen(a, b));
    }
    if (e->op == NF_OP_SUB && (a.kind == NF_T_DATETIME || b.kind == NF_T_DATETIME))
        return bad_operands(s, e, a, b, "use subtractDays, daysBetween, … to compute with dates");
    return bad_operands(s, e, a, b, NULL);
}

/* One binary node whose left operand is already checked. */
static nf_cc_type check_binary_node(nf_cc_sema *s, nf_cc_expr *e) {
    nf_cc_type a = e->u.bin.a->type;
    nf_cc_type b = nf_cc_check_expr(s, e->u.bin.b);
    if (a.kind == NF_T_UNKNOWN || b.kind == NF_T_UNKNOWN) {
        /* still give logical and comparison results their type to avoid follow-on errors */
        switch ((nf_cc_op)e->op) {
        case NF_OP_OR:
        case NF_OP_AND:
        case NF_OP_EQ:
        case NF_OP_NE:
        case NF_OP_LT:
        case NF_OP_LE:
        case NF_OP_GT:
        case NF_OP_GE: return set_type(e, nf_cc_t(NF_T_BOOLEAN));
        case NF_OP_DIV: return set_type(e, nf_cc_t(NF_T_DECIMAL));
        default: return unknown(e);
        }
    }
    switch ((nf_cc_op)e->op) {
    case NF_OP_OR:
    case NF_OP_AND:
        if ((a.kind == NF_T_BOOLEAN || a.kind == NF_T_EMPTY) &&
            (b.kind == NF_T_BOOLEAN || b.kind == NF_T_EMPTY))
            return set_type(e, nf_cc_t(NF_T_BOOLEAN));
        return bad_operands(s, e, a, b, "both sides must be Boolean");
    case NF_OP_EQ:
    case NF_OP_NE:
    case NF_OP_LT:
    case NF_OP_LE:
    case NF_OP_GT:
    case NF_OP_GE: return check_compare(s, e, a, b);
    case NF_OP_ADD:
        if (a.kind == NF_T_STRING || b.kind == NF_T_STRING) {
            nf_cc_type other = a.kind == NF_T_STRING ? b : a;
            if (other.kind == NF_T_STRING || other.kind == NF_T_EMPTY || nf_cc_is_numeric(other))
                return set_type(e, nf_cc_t(NF_T_STRING));
            if (other.kind == NF_T_ENUM) {
                nf_cc_report(s->d, NF_D_ENUM_AS_STRING, e->span,
                             "an enumeration is not a String: use getCaption(…) or getKey(…)");
                return unknown(e);
            }
            if (other.kind == NF_T_OBJECT && other.u.entity && other.u.entity == s->m->system_error)
                return bad_operands(
                    s, e, a, b,
                    "in microflows $latestError is an object: use $latestError/Message");
            return bad_operands(s, e, a, b, "convert it with toString(…) or a format function");
        }
        if (a.kind == NF_T_DATETIME || b.kind == NF_T_DATETIME)
            return bad_operands(s, e, a, b, "use addDays, addHours, … to compute with dates");
        return arithmetic(s, e, a, b);
    case NF_OP_SUB:
    case NF_OP_MUL:
    case NF_OP_MOD: return arithmetic(s, e, a, b);
    case NF_OP_DIV:
        if ((nf_cc_is_numeric(a) || a.kind == NF_T_EMPTY) &&
            (nf_cc_is_numeric(b) || b.kind == NF_T_EMPTY))
            return set_type(e, nf_cc_t(NF_T_DECIMAL));
        return bad_operands(s, e, a, b, NULL);
    default: return unknown(e);
    }
}

/* Binary chains (a + b + c …, x and y and z …) are left-deep and may be very long: walk the
 * left spine with an explicit stack instead of recursion, so only real nesting (parentheses,
 * bounded by the parser) costs C stack. */
static nf_cc_type check_binary(nf_cc_sema *s, nf_cc_expr *e) {
    nf_cc_expr *small[32], **spine = small;
    size_t n = 0, cap = 32;
    for (nf_cc_expr *x = e; x->kind == NF_EX_BINARY; x = x->u.bin.a) {
        if (n == cap) {
            nf_cc_expr **bigger = malloc(cap * 2 * sizeof *bigger);
            if (!bigger) {
                if (spine != small) free(spine);
                s->oom = true;
                return unknown(e);
            }
            memcpy(bigger, spine, n * sizeof *spine);
            if (spine != small) free(spine);
            spine = bigger;
            cap *= 2;
        }
        spine[n++] = x;
    }
    nf_cc_check_expr(s, spine[n - 1]->u.bin.a);
    nf_cc_type t = nf_cc_t(NF_T_UNKNOWN);
    while (n > 0)
        t = check_binary_node(s, spine[--n]);
    if (spine != small) free(spine);
    return t;
}

/* ---- function calls -------------------------------------------------------------------------- */

static bool arg_fits(char code, nf_cc_type t) {
    if (t.kind == NF_T_UNKNOWN || t.kind == NF_T_EMPTY) return true;
    switch (code) {
    case 'S': return t.kind == NF_T_STRING;
    case 'I': return nf_cc_is_integral(t);
    case 'N': return nf_cc_is_numeric(t);
    case 'T': return t.kind == NF_T_DATETIME;
    case 'B': return t.kind == NF_T_BOOLEAN;
    case 'E': return t.kind == NF_T_ENUM;
    case 'O': return t.kind == NF_T_OBJECT;
    case 'X': return t.kind == NF_T_STRING || t.kind == NF_T_LIST;
    case 'Z': return nf_cc_is_numeric(t) || t.kind == NF_T_DATETIME;
    case 'A':
        return t.kind != NF_T_VOID && t.kind != NF_T_LIST && t.kind != NF_T_OBJECT &&
               t.kind != NF_T_BINARY;
    default: return false;
    }
}

static const char *code_name(char code) {
    switch (code) {
    case 'S': return "a String";
    case 'I': return "an Integer";
    case 'N': return "a number";
    case 'T': return "a DateTime";
    case 'B': return "a Boolean";
    case 'E': return "an enumeration value";
    case 'O': return "an object";
    case 'X': return "a String or a list";
    case 'Z': return "a number or a DateTime";
    case 'A': return "a value (not an object or list)";
    default: return "a value";
    }
}

static bool list_op_name(const char *n) {
    static const char *const names[] = {"head",      "tail",     "filter",  "sort",    "union",
                                        "intersect", "subtract", "equals",  "range",   "count",
                                        "sum",       "average",  "minimum", "maximum", "all",
                                        "any",       "reduce"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(n, names[i]) == 0) return true;
    return false;
}

static nf_cc_type check_call(nf_cc_sema *s, nf_cc_expr *e) {
    nf_cc_qname *name = &e->u.call.name;
    uintptr_t id = name->nparts == 1 ? (uintptr_t)nf_cc_map_get(&s->builtins, name->full) : 0;
    for (uint32_t i = 0; i < e->u.call.nargs; i++)
        nf_cc_check_expr(s, e->u.call.args[i]);
    if (!id) {
        const char *n = name->full->s;
        if (list_op_name(n))
            nf_cc_report(s->d, NF_D_UNKNOWN_FUNCTION, name->span,
                         "%s is a list activity, not a function: write it as a statement, "
                         "$Result = %s(…)",
                         n, n);
        else if (nf_cc_map_get(&s->m->flow_by_name, name->full))
            nf_cc_report(s->d, NF_D_UNKNOWN_FUNCTION, name->span,
                         "flows cannot be called inside expressions; use call microflow/nanoflow");
        else {
            const char *sug = nf_cc_suggest_map(&s->builtins, n);
            if (sug)
                nf_cc_report(s->d, NF_D_UNKNOWN_FUNCTION, name->span,
                             "unknown function '%s'; did you mean '%s'?", n, sug);
            else
                nf_cc_report(s->d, NF_D_UNKNOWN_FUNCTION, name->span, "unknown function '%s'", n);
        }
        return unknown(e);
    }
    nf_cc_builtin fn = (nf_cc_builtin)(id - 1);
    e->ref.builtin = (int32_t)fn;
    const builtin_info *bi = &builtins[fn];
    if ((bi->flags & NANO) && !s->nanoflow && s->flow)
        nf_cc_report(s->d, NF_D_NANOFLOW_ONLY_FUNCTION, name->span,
                     "%s() is available only in nanoflows", bi->name);
    /* walk the signature */
    const char *sig = bi->sig;
    uint32_t min = 0, max = 0;
    bool optional = false, repeat = false;
    char codes[16];
    for (const char *c = sig; *c && *c != '>'; c++) {
        if (*c == '[')
            optional = true;
        else if (*c == '*')
            repeat = true;
        else if (max < sizeof codes) {
            codes[max++] = *c;
            if (!optional) min++;
        }
    }
    char result = strchr(sig, '>')[1];
    uint32_t n = e->u.call.nargs;
    if (n < min || (!repeat && n > max)) {
        if (repeat)
            nf_cc_report(s->d, NF_D_ARG_COUNT, e->span, "%s() takes at least %u arguments, not %u",
                         bi->name, min, n);
        else if (min == max)
            nf_cc_report(s->d, NF_D_ARG_COUNT, e->span, "%s() takes %u argument%s, not %u",
                         bi->name, min, min == 1 ? "" : "s", n);
        else
            nf_cc_report(s->d, NF_D_ARG_COUNT, e->span, "%s() takes %u to %u arguments, not %u",
                         bi->name, min, max, n);
        return set_type(e, result == 'S' ? nf_cc_t(NF_T_STRING) : nf_cc_t(NF_T_UNKNOWN));
    }
    nf_cc_type widest = nf_cc_t(NF_T_UNKNOWN);
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        char code = codes[i < max ? i : max - 1];
        nf_cc_type t = e->u.call.args[i]->type;
        if (fn == NF_CFN_PARSE_DECIMAL && i == 1) code = 'A'; /* format String or default number */
        if (!arg_fits(code, t)) {
            char b[160];
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, e->u.call.args[i]->span,
                         "argument %u of %s() must be %s, not %s", i + 1, bi->name, code_name(code),
                         tname(t, b));
            ok = false;
            continue;
        }
        if (code == 'N' || code == 'Z') {
            if (t.kind == NF_T_DATETIME)
                widest = t;
            else if (nf_cc_is_numeric(t))
                widest = widest.kind == NF_T_UNKNOWN ? t : widen(widest, t);
        }
    }
    if ((fn == NF_CFN_MAX || fn == NF_CFN_MIN) && ok) {
        bool dates = false, nums = false;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t k = e->u.call.args[i]->type.kind;
            dates |= k == NF_T_DATETIME;
            nums |= k == NF_T_INTEGER || k == NF_T_LONG || k == NF_T_DECIMAL;
        }
        if (dates && nums) {
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, e->span,
                         "%s() compares numbers or dates, not both", bi->name);
            return unknown(e);
        }
    }
    if (s->nanoflow && (bi->flags & MICRO_ARGS) && n > 1) {
        bool format =
            fn == NF_CFN_FORMAT_DECIMAL || n > 2 || e->u.call.args[1]->type.kind == NF_T_STRING;
        if (format)
            nf_cc_report(s->d, NF_D_NANOFLOW_FORMAT_ARG, e->u.call.args[1]->span,
                         "%s() takes no format in nanoflows: the user's locale decides", bi->name);
    }
    switch (result) {
    case 'S': return set_type(e, nf_cc_t(NF_T_STRING));
    case 'I': return set_type(e, nf_cc_t(NF_T_INTEGER));
    case 'D': return set_type(e, nf_cc_t(NF_T_DECIMAL));
    case 'T': return set_type(e, nf_cc_t(NF_T_DATETIME));
    case 'B': return set_type(e, nf_cc_t(NF_T_BOOLEAN));
    case 'n': return set_type(e, widest.kind == NF_T_UNKNOWN ? nf_cc_t(NF_T_DECIMAL) : widest);
    case 'r': return set_type(e, n > 1 ? nf_cc_t(NF_T_DECIMAL) : nf_cc_t(NF_T_INTEGER));
    default: return unknown(e);
    }
}

/* ---- entry points ---------------------------------------------------------------------------- */

nf_cc_type nf_cc_check_expr(nf_cc_sema *s, nf_cc_expr *e) {
    if (!e) return nf_cc_t(NF_T_UNKNOWN);
    switch ((nf_cc_exkind)e->kind) {
    case NF_EX_INT: {
        int64_t v;
        if (!int_literal(s, e, false, &v)) return unknown(e);
        return set_type(e, nf_cc_t(NF_T_INTEGER));
    }
    case NF_EX_DECIMAL: return set_type(e, nf_cc_t(NF_T_DECIMAL));
    case NF_EX_STRING: return set_type(e, nf_cc_t(NF_T_STRING));
    case NF_EX_BOOL: return set_type(e, nf_cc_t(NF_T_BOOLEAN));
    case NF_EX_EMPTY: return set_type(e, nf_cc_t(NF_T_EMPTY));
    case NF_EX_VAR: return check_var(s, e);
    case NF_EX_PATH: return check_path(s, e);
    case NF_EX_LISTATTR:
        nf_cc_report(s->d, NF_D_SYNTAX, e->span,
                     "$List.Attribute is written only in aggregates such as sum($List.Attribute)");
        return unknown(e);
    case NF_EX_CONSTANT: {
        nf_cc_constant *c = nf_cc_map_get(&s->m->constant_by_name, e->u.qname.full);
        if (!c) {
            const char *sug = nf_cc_suggest_map(&s->m->constant_by_name, e->u.qname.full->s);
            nf_cc_report(s->d, NF_D_UNKNOWN_CONSTANT, e->u.qname.span, "unknown constant @%s%s%s%s",
                         e->u.qname.full->s, sug ? "; did you mean @" : "", sug ? sug : "",
                         sug ? "?" : "");
            return unknown(e);
        }
        e->ref.constant = c;
        if (s->nanoflow && !c->decl->u.constant.exposed)
            nf_cc_report(s->d, NF_D_CONSTANT_NOT_EXPOSED, e->span,
                         "constant @%s is used in a nanoflow, so it must be declared "
                         "'exposed to client'",
                         c->name->s);
        return set_type(e, c->type);
    }
    case NF_EX_QNAME: return check_qname(s, e);
    case NF_EX_MXTOKEN: return nf_cc_token_type(s, e, false);
    case NF_EX_UNARY: {
        if (e->op == NF_OP_NEG && e->u.bin.a->kind == NF_EX_INT) {
            int64_t v;
            e->u.bin.a->type = nf_cc_t(NF_T_INTEGER);
            if (!int_literal(s, e->u.bin.a, true, &v)) return unknown(e);
            return set_type(e, nf_cc_t(NF_T_INTEGER));
        }
        nf_cc_type a = nf_cc_check_expr(s, e->u.bin.a);
        if (a.kind == NF_T_UNKNOWN)
            return set_type(e, e->op == NF_OP_NOT ? nf_cc_t(NF_T_BOOLEAN) : a);
        if (e->op == NF_OP_NOT) {
            if (a.kind == NF_T_BOOLEAN) return set_type(e, a);
            char b[160];
            nf_cc_report(s->d, NF_D_BAD_OPERANDS, e->span, "not applies to a Boolean, not %s",
                         tname(a, b));
            return unknown(e);
        }
        if (nf_cc_is_numeric(a)) return set_type(e, a);
        char b[160];
        nf_cc_report(s->d, NF_D_BAD_OPERANDS, e->span, "'-' applies to numbers, not %s",
                     tname(a, b));
        return unknown(e);
    }
    case NF_EX_BINARY: return check_binary(s, e);
    case NF_EX_CALL: return check_call(s, e);
    case NF_EX_IF: {
        nf_cc_check_assign(s, e->u.cond.c, nf_cc_t(NF_T_BOOLEAN), "the condition of if");
        nf_cc_type t = nf_cc_check_expr(s, e->u.cond.t);
        nf_cc_type f = nf_cc_check_expr(s, e->u.cond.e);
        nf_cc_type u = unify(t, f);
        if (u.kind == NF_T_VOID) {
            char b1[160], b2[160];
            nf_cc_report(s->d, NF_D_TYPE_MISMATCH, e->span,
                         "the branches of if give different types: %s and %s", tname(t, b1),
                         tname(f, b2));
            return unknown(e);
        }
        return set_type(e, u);
    }
    case NF_EX_XPATH_PATH:
    case NF_EX_XPATH_PRED: return unknown(e); /* checked by nf_cc_check_xpath */
    }
    return unknown(e);
}

bool nf_cc_check_assign(nf_cc_sema *s, nf_cc_expr *e, nf_cc_type want, const char *what_fmt, ...) {
    nf_cc_type t = nf_cc_check_expr(s, e);
    if (t.kind == NF_T_UNKNOWN || want.kind == NF_T_UNKNOWN) return true;
    if (nf_cc_assignable(want, t)) return true;
    char b1[160], b2[160], what[256];
    va_list ap;
    va_start(ap, what_fmt);
    vsnprintf(what, sizeof what, what_fmt, ap);
    va_end(ap);
    if (nf_cc_is_integral(want) && t.kind == NF_T_DECIMAL &&
        (e->kind == NF_EX_BINARY && e->op == NF_OP_DIV)) {
        nf_cc_report(s->d, NF_D_DIV_IS_DECIMAL, e->span,
                     "division always yields Decimal, but %s is %s; use round(…) or floor(…)", what,
                     tname(want, b1));
        return false;
    }
    if (want.kind == NF_T_ENUM && t.kind == NF_T_STRING) {
        nf_cc_report(s->d, NF_D_ENUM_AS_STRING, e->span,
                     "%s is %s: write a value such as %s.%s, not a String", what, tname(want, b1),
                     want.u.enumeration->name->s,
                     want.u.enumeration->nvalues ? want.u.enumeration->values[0].name->s : "Value");
        return false;
    }
    nf_cc_report(s->d, NF_D_TYPE_MISMATCH, e->span, "%s must be %s, but this is %s", what,
                 tname(want, b1), tname(t, b2));
    return false;
}
