/* gen_frontend_expr.c — expressions for the front-end benchmark generator (gen_frontend.c):
 * flow-scoped variables, typed expressions in MDL and Lua, and XPath constraints with their Lua
 * predicate closures. Every draw goes through the shared PRNG in rnd(). */
#include "gen_frontend.h"

#include <string.h>

/* ---- variables ------------------------------------------------------------------------------- */
static bool name_used(G *g, const char *n) {
    for (int i = 0; i < g->nused; i++)
        if (strcmp(g->used[i], n) == 0) return true;
    return false;
}

static void mark_used(G *g, const char *n) {
    if (g->nused >= MAX_VARS) die("too many variables in one flow");
    snprintf(g->used[g->nused++], sizeof g->used[0], "%s", n);
}

/* Creates a variable with a flow-unique name derived from base. */
var_t *new_var(G *g, const char *base, int ty, int mod, int ent) {
    if (g->nv >= MAX_VARS) die("too many variables in one flow");
    char name[40];
    snprintf(name, sizeof name, "%s", base);
    for (int k = 2; name_used(g, name); k++)
        snprintf(name, sizeof name, "%s%d", base, k);
    mark_used(g, name);
    var_t *v = &g->vars[g->nv++];
    snprintf(v->m, sizeof v->m, "%s", name);
    snprintf(v->l, sizeof v->l, "%s", name);
    v->ty = ty;
    v->mod = mod;
    v->ent = ent;
    v->settable = false;
    return v;
}

/* A random in-scope variable of the type (for T_ENUM: of enumeration (mod, ent=en)), or NULL. */
var_t *pick_var(G *g, int ty, int mod, int en) {
    int cand[MAX_VARS], n = 0;
    for (int i = 0; i < g->nv; i++) {
        var_t *v = &g->vars[i];
        if (v->ty != ty) continue;
        if (ty == T_ENUM && (v->mod != mod || v->ent != en)) continue;
        if ((ty == T_OBJ || ty == T_LIST) && ENT(g, v->mod, v->ent)->server) continue;
        cand[n++] = i;
    }
    return n ? &g->vars[cand[rnd(n)]] : NULL;
}

var_t *pick_settable(G *g) {
    int cand[MAX_VARS], n = 0;
    for (int i = 0; i < g->nv; i++)
        if (g->vars[i].settable) cand[n++] = i;
    return n ? &g->vars[cand[rnd(n)]] : NULL;
}

var_t *pick_list_of(G *g, int mod, int ent, const var_t *not_this) {
    int cand[MAX_VARS], n = 0;
    for (int i = 0; i < g->nv; i++) {
        var_t *v = &g->vars[i];
        if (v->ty == T_LIST && v->mod == mod && v->ent == ent && v != not_this) cand[n++] = i;
    }
    return n ? &g->vars[cand[rnd(n)]] : NULL;
}

var_t *pick_obj_of(G *g, int mod, int ent) {
    int cand[MAX_VARS], n = 0;
    for (int i = 0; i < g->nv; i++) {
        var_t *v = &g->vars[i];
        if (v->ty == T_OBJ && v->mod == mod && v->ent == ent) cand[n++] = i;
    }
    return n ? &g->vars[cand[rnd(n)]] : NULL;
}

/* attribute of the entity with the type (and enumeration), or NULL */
const attr_t *pick_attr(const ent_t *e, int ty, int en) {
    int cand[MAX_ATTRS], n = 0;
    for (int i = 0; i < e->na; i++) {
        if (e->a[i].ty != ty) continue;
        if (ty == T_ENUM && en >= 0 && e->a[i].en != en) continue;
        cand[n++] = i;
    }
    return n ? &e->a[cand[rnd(n)]] : NULL;
}

/* ---- expressions ------------------------------------------------------------------------------
 */

void word_lit(X *x) {
    const char *w = rnd_word();
    xmf(x, "'%s'", w);
    xlf(x, "'%s'", w);
}

/* $Obj/Attr for an in-scope object that has an attribute of the type; false if none */
static bool ex_attr(G *g, X *x, int ty, int en) {
    var_t *o = pick_var(g, T_OBJ, 0, 0);
    if (!o) return false;
    const attr_t *a = pick_attr(ENT(g, o->mod, o->ent), ty, en);
    if (!a) return false;
    if (ty == T_ENUM && o->mod != g->cm) return false;
    xmf(x, "$%s/%s", o->m, a->name);
    xlf(x, "%s.%s", o->l, a->name);
    return true;
}

static bool ex_var(G *g, X *x, int ty, int en) {
    var_t *v = pick_var(g, ty, g->cm, en);
    if (!v) return false;
    xmf(x, "$%s", v->m);
    xl(x, v->l);
    return true;
}

static void ex_int(G *g, X *x, int d) {
    for (;;) {
        int c = rnd(d > 0 ? 12 : 4);
        switch (c) {
        case 0: {
            int v = rnd(4) ? rnd(20) : rnd(1000);
            xmf(x, "%d", v);
            xlf(x, "%d", v);
            return;
        }
        case 1:
            if (ex_var(g, x, T_INT, 0)) return;
            break;
        case 2:
        case 3:
            if (ex_attr(g, x, T_INT, 0)) return;
            break;
        case 4:
        case 5: {
            static const char *const ops[] = {" + ", " - ", " * "};
            const char *op = ops[rnd(3)];
            X a, b;
            x_init(&a);
            x_init(&b);
            ex_int(g, &a, d - 1);
            ex_int(g, &b, d - 1);
            xcat(x, &a);
            xbs(x, op);
            xcat(x, &b);
            return;
        }
        case 6:
            xb(x, "length(", "string.len(");
            ex(g, x, T_STR, d - 1, 0);
            xbs(x, ")");
            return;
        case 7: {
            bool fl = rnd(2); /* one draw for both texts: argument order is unspecified */
            xb(x, fl ? "floor(" : "round(", fl ? "math.floor(" : "num.round(");
            ex(g, x, T_DEC, d - 1, 0);
            xbs(x, ")");
            return;
        }
        case 8:
            xb(x, "max(", "math.max(");
            ex_int(g, x, d - 1);
            xbs(x, ", ");
            ex_int(g, x, d - 1);
            xbs(x, ")");
            return;
        case 9: {
            xbs(x, "(");
            ex_int(g, x, d - 1);
            int m = rnd_range(2, 12);
            xmf(x, " mod %d)", m);
            xlf(x, " %% %d)", m);
            return;
        }
        case 10: {
            mod_t *md = CM(g);
            if (!md->nconst) break;
            int k = rnd(md->nconst) + 1;
            xmf(x, "@%s.Limit%d", md->name, k);
            xlf(x, "%s.Limit%d", md->name, k);
            return;
        }
        default:
            if (ex_attr(g, x, T_INT, 0)) return;
            break;
        }
    }
}

static void ex_dec(G *g, X *x, int d) {
    for (;;) {
        int c = rnd(d > 0 ? 10 : 4);
        switch (c) {
        case 0: {
            int a = rnd(500), b = rnd(100);
            xmf(x, "%d.%02d", a, b);
            xlf(x, "%d.%02d", a, b);
            return;
        }
        case 1:
            if (ex_var(g, x, T_DEC, 0)) return;
            break;
        case 2:
        case 3:
            if (ex_attr(g, x, T_DEC, 0)) return;
            break;
        case 4: {
            static const char *const ops[] = {" + ", " - ", " * "};
            const char *op = ops[rnd(3)];
            ex_dec(g, x, d - 1);
            xbs(x, op);
            ex_dec(g, x, d - 1);
            return;
        }
        case 5:
            xbs(x, "(");
            ex(g, x, rnd(2) ? T_DEC : T_INT, d - 1, 0);
            xb(x, " div ", " / ");
            ex(g, x, rnd(2) ? T_DEC : T_INT, d - 1, 0);
            xbs(x, ")");
            return;
        case 6:
            xb(x, "round(", "num.round(");
            ex_dec(g, x, d - 1);
            xbs(x, ", 2)");
            return;
        case 7:
            xb(x, "abs(", "math.abs(");
            ex_dec(g, x, d - 1);
            xbs(x, ")");
            return;
        case 8:
            ex_dec(g, x, d - 1);
            xbs(x, " * 1.21");
            return;
        default:
            if (ex_attr(g, x, T_DEC, 0)) return;
            break;
        }
    }
}

void ex_str(G *g, X *x, int d) {
    for (;;) {
        int c = rnd(d > 0 ? 14 : 4);
        switch (c) {
        case 0: word_lit(x); return;
        case 1:
            if (ex_var(g, x, T_STR, 0)) return;
            break;
        case 2:
        case 3:
            if (ex_attr(g, x, T_STR, 0)) return;
            break;
        case 4:
        case 5:
            ex_str(g, x, d - 1);
            xb(x, " + ", " .. ");
            ex_str(g, x, d - 1);
            return;
        case 6:
            xb(x, "toString(", "tostring(");
            ex(g, x, rnd(2) ? T_INT : T_DEC, d - 1, 0);
            xbs(x, ")");
            return;
        case 7:
            xb(x, "toUpperCase(", "string.upper(");
            ex_str(g, x, d - 1);
            xbs(x, ")");
            return;
        case 8:
            xb(x, "substring(", "string.sub(");
            ex_str(g, x, d - 1);
            xb(x, ", 0, 8)", ", 1, 8)");
            return;
        case 9:
            xb(x, "trim(", "str.trim(");
            ex_str(g, x, d - 1);
            xbs(x, ")");
            return;
        case 10: {
            var_t *o = pick_var(g, T_OBJ, 0, 0);
            if (!o || o->mod != g->cm) break;
            const attr_t *a = pick_attr(ENT(g, o->mod, o->ent), T_ENUM, -1);
            if (!a) break;
            xmf(x, "getCaption($%s/%s)", o->m, a->name);
            xlf(x, "enum.caption(%s.%s)", o->l, a->name);
            return;
        }
        case 11:
            xb(x, "formatDateTime(", "os.date('%Y-%m-%d', ");
            ex(g, x, T_DT, d - 1, 0);
            xb(x, ", 'yyyy-MM-dd')", ")");
            return;
        case 12:
            xb(x, "replaceAll(", "string.gsub(");
            ex_str(g, x, d - 1);
            xbs(x, ", '-', '_')");
            return;
        default:
            xb(x, "(if ", "(");
            ex(g, x, T_BOOL, d - 1, 0);
            xb(x, " then ", " and ");
            ex_str(g, x, d - 1);
            xb(x, " else ", " or ");
            ex_str(g, x, d - 1);
            xbs(x, ")");
            return;
        }
    }
}

void ex_bool(G *g, X *x, int d) {
    for (;;) {
        int c = rnd(d > 0 ? 15 : 4);
        switch (c) {
        case 0:
            if (chance(70)) break; /* literal conditions are rare in real flows */
            xbs(x, rnd(2) ? "true" : "false");
            return;
        case 1:
            if (ex_var(g, x, T_BOOL, 0)) return;
            break;
        case 2:
        case 3:
            if (ex_attr(g, x, T_BOOL, 0)) return;
            break;
        case 4:
        case 5: {
            static const char *const mops[] = {" > ", " >= ", " < ", " <= ", " = ", " != "};
            static const char *const lops[] = {" > ", " >= ", " < ", " <= ", " == ", " ~= "};
            int k = rnd(6);
            int ty = rnd(2) ? T_INT : T_DEC;
            ex(g, x, ty, d - 1, 0);
            xb(x, mops[k], lops[k]);
            ex(g, x, ty, d - 1, 0);
            return;
        }
        case 6:
            ex_str(g, x, d - 1);
            xb(x, " != empty", " ~= nil");
            return;
        case 7: {
            var_t *o = pick_var(g, T_OBJ, 0, 0);
            if (!o) break;
            xmf(x, "$%s != empty", o->m);
            xlf(x, "%s ~= nil", o->l);
            return;
        }
        case 8: {
            bool sw = rnd(2);
            xb(x, sw ? "startsWith(" : "contains(", sw ? "str.starts(" : "str.contains(");
            ex_str(g, x, d - 1);
            xbs(x, ", ");
            word_lit(x);
            xbs(x, ")");
            return;
        }
        case 9:
        case 10:
            ex_bool(g, x, d - 1);
            xbs(x, " and ");
            ex_bool(g, x, d - 1);
            return;
        case 11:
            xbs(x, "(");
            ex_bool(g, x, d - 1);
            xbs(x, " or ");
            ex_bool(g, x, d - 1);
            xbs(x, ")");
            return;
        case 12:
            xb(x, "not(", "not (");
            ex_bool(g, x, d - 1);
            xbs(x, ")");
            return;
        case 13: {
            var_t *o = pick_var(g, T_OBJ, 0, 0);
            if (!o || o->mod != g->cm) break;
            const attr_t *a = pick_attr(ENT(g, o->mod, o->ent), T_ENUM, -1);
            if (!a) break;
            const enum_kind *k = &ENUM_KINDS[CM(g)->kind[a->en]];
            const char *val = k->vals[rnd(k->n)];
            bool eq = rnd(3);
            xmf(x, "$%s/%s %s %s.%s.%s", o->m, a->name, eq ? "=" : "!=", CM(g)->name, k->name, val);
            xlf(x, "%s.%s %s %s.%s.%s", o->l, a->name, eq ? "==" : "~=", CM(g)->name, k->name, val);
            return;
        }
        default: {
            var_t *o = pick_var(g, T_OBJ, 0, 0);
            if (!o) break;
            const attr_t *a = pick_attr(ENT(g, o->mod, o->ent), T_DT, 0);
            if (!a) break;
            xmf(x, "$%s/%s < [%%CurrentDateTime%%]", o->m, a->name);
            xlf(x, "%s.%s < os.time()", o->l, a->name);
            return;
        }
        }
    }
}

static void ex_dt(G *g, X *x, int d) {
    for (;;) {
        int c = rnd(d > 0 ? 7 : 3);
        switch (c) {
        case 0: xb(x, "[%CurrentDateTime%]", "os.time()"); return;
        case 1:
            if (ex_var(g, x, T_DT, 0)) return;
            break;
        case 2:
            if (ex_attr(g, x, T_DT, 0)) return;
            break;
        case 3:
        case 4: {
            static const char *const fm[] = {"addDays(", "addHours(", "addMonths(", "addWeeks("};
            static const char *const fl[] = {"date.add_days(", "date.add_hours(",
                                             "date.add_months(", "date.add_weeks("};
            int k = rnd(4);
            xb(x, fm[k], fl[k]);
            ex_dt(g, x, d - 1);
            int n = rnd_range(1, 30);
            xmf(x, ", %d)", n);
            xlf(x, ", %d)", n);
            return;
        }
        default:
            xb(x, "beginOfDay(", "date.begin_of_day(");
            ex_dt(g, x, d - 1);
            xbs(x, ")");
            return;
        }
    }
}

void ex_enum(G *g, X *x, int en) {
    if (chance(40) && ex_var(g, x, T_ENUM, en)) return;
    if (chance(40) && ex_attr(g, x, T_ENUM, en)) return;
    const enum_kind *k = &ENUM_KINDS[CM(g)->kind[en]];
    const char *v = k->vals[rnd(k->n)];
    xmf(x, "%s.%s.%s", CM(g)->name, k->name, v);
    xlf(x, "%s.%s.%s", CM(g)->name, k->name, v);
}

void ex(G *g, X *x, int ty, int d, int en) {
    if (d < 0) d = 0;
    switch (ty) {
    case T_INT: ex_int(g, x, d); break;
    case T_DEC: ex_dec(g, x, d); break;
    case T_STR: ex_str(g, x, d); break;
    case T_BOOL: ex_bool(g, x, d); break;
    case T_DT: ex_dt(g, x, d); break;
    case T_ENUM: ex_enum(g, x, en); break;
    default: die("internal: bad expression type");
    }
}

/* a typical expression depth: mostly 1, sometimes 0 or 2 */
int edepth(void) {
    int r = rnd(10);
    return r < 2 ? 0 : r < 8 ? 1 : 2;
}

/* ---- XPath -------------------------------------------------------------------------------------
 */
/* One XPath comparison on entity e; Lua side is the same test on the closure parameter x. */
static void xpath_term(G *g, X *x, int mod, const ent_t *e) {
    for (;;) {
        const attr_t *a = &e->a[rnd(e->na)];
        switch (a->ty) {
        case T_STR: {
            const char *w = rnd_word();
            int k = rnd(4);
            if (k == 0) {
                xmf(x, "%s = '%s'", a->name, w);
                xlf(x, "x.%s == '%s'", a->name, w);
            } else if (k == 1) {
                xmf(x, "contains(%s, '%s')", a->name, w);
                xlf(x, "str.contains(x.%s, '%s')", a->name, w);
            } else if (k == 2) {
                xmf(x, "starts-with(%s, '%s')", a->name, w);
                xlf(x, "str.starts(x.%s, '%s')", a->name, w);
            } else {
                var_t *v = pick_var(g, T_STR, 0, 0);
                if (!v) continue;
                xmf(x, "%s = $%s", a->name, v->m);
                xlf(x, "x.%s == %s", a->name, v->l);
            }
            return;
        }
        case T_INT:
        case T_DEC: {
            static const char *const mops[] = {" > ", " >= ", " < ", " <= ", " = ", " != "};
            static const char *const lops[] = {" > ", " >= ", " < ", " <= ", " == ", " ~= "};
            int k = rnd(6);
            xmf(x, "%s%s", a->name, mops[k]);
            xlf(x, "x.%s%s", a->name, lops[k]);
            var_t *v = chance(40) ? pick_var(g, a->ty, 0, 0) : NULL;
            if (v) {
                xmf(x, "$%s", v->m);
                xl(x, v->l);
            } else if (a->ty == T_INT) {
                int n = rnd(100);
                xmf(x, "%d", n);
                xlf(x, "%d", n);
            } else {
                int n = rnd(1000), f = rnd(100);
                xmf(x, "%d.%02d", n, f);
                xlf(x, "%d.%02d", n, f);
            }
            return;
        }
        case T_BOOL: {
            bool t = rnd(2);
            xmf(x, "%s = %s()", a->name, t ? "true" : "false");
            xlf(x, "x.%s == %s", a->name, t ? "true" : "false");
            return;
        }
        case T_ENUM: {
            const enum_kind *k = &ENUM_KINDS[g->mods[mod].kind[a->en]];
            const char *v = k->vals[rnd(k->n)];
            bool eq = rnd(3);
            xmf(x, "%s %s '%s'", a->name, eq ? "=" : "!=", v);
            xlf(x, "x.%s %s %s.%s.%s", a->name, eq ? "==" : "~=", g->mods[mod].name, k->name, v);
            return;
        }
        case T_DT:
            if (!micro(g)) continue; /* no date tokens in nanoflow retrieves */
            xmf(x, "%s < '[%%CurrentDateTime%%]'", a->name);
            xlf(x, "x.%s < os.time()", a->name);
            return;
        default: continue;
        }
    }
}

void xpath(G *g, X *x, int mod, const ent_t *e) {
    int n = rnd_range(1, 3);
    xl(x, "function(x) return ");
    xm(x, "[");
    for (int i = 0; i < n; i++) {
        if (i) {
            bool a = rnd(4);
            xb(x, a ? " and " : " or ", a ? " and " : " or ");
        }
        /* microflows may follow a reference in XPath; nanoflow retrieves may not (offline) */
        if (micro(g) && e->nassoc && chance(20)) {
            int k = rnd(e->nassoc);
            const ent_t *t = &g->mods[mod].e[e->assoc_to[k]];
            const attr_t *a = pick_attr(t, T_BOOL, 0);
            bool v = rnd(2);
            xmf(x, "%s.%s/%s.%s/%s = %s()", g->mods[mod].name, e->assoc[k], g->mods[mod].name,
                t->name, a->name, v ? "true" : "false");
            xlf(x, "x.%s.%s == %s", e->assoc[k], a->name, v ? "true" : "false");
            continue;
        }
        xpath_term(g, x, mod, e);
    }
    xm(x, "]");
    xl(x, " end");
}
