/* gen_frontend_stmt.c — statements and flows for the front-end benchmark generator
 * (gen_frontend.c): each statement kind in MDL with its Lua counterpart, nested blocks within a
 * line budget, and whole nanoflows/microflows (name, parameters, body, return, grant). */
#include "gen_frontend.h"

#include <string.h>

/* ---- statements ------------------------------------------------------------------------------ */
static void block(G *g, int budget, int depth);

static void scope_enter(G *g, int *mark) {
    *mark = g->nv;
}
static void scope_leave(G *g, int mark) {
    g->nv = mark;
}

static const char *const TYPE_M[] = {"Void",   "Integer", "Long",    "Decimal",
                                     "String", "Boolean", "DateTime"};
static const char *const DECL_BASE[] = {"", "Count", "Number", "Amount", "Label", "Flag", "When"};

static void st_declare(G *g) {
    static const int tys[] = {T_INT, T_INT, T_DEC, T_DEC, T_STR, T_STR, T_BOOL, T_DT, T_ENUM};
    int ty = tys[rnd(NELEM(tys))];
    X x;
    x_init(&x);
    if (ty == T_ENUM) {
        int en = rnd(CM(g)->nen);
        const enum_kind *k = &ENUM_KINDS[CM(g)->kind[en]];
        X e;
        x_init(&e);
        ex_enum(g, &e, en);
        var_t *v = new_var(g, k->name, T_ENUM, g->cm, en);
        xmf(&x, "declare $%s %s.%s = %s;", v->m, CM(g)->name, k->name, e.m);
        xlf(&x, "local %s = %s", v->l, e.l);
        v->settable = true;
    } else {
        X e;
        x_init(&e);
        ex(g, &e, ty, edepth(), 0);
        var_t *v = new_var(g, DECL_BASE[ty], ty, 0, 0);
        xmf(&x, "declare $%s %s = %s;", v->m, TYPE_M[ty], e.m);
        xlf(&x, "local %s = %s", v->l, e.l);
        v->settable = true;
    }
    emit(g, &x);
}

static bool st_set(G *g) {
    var_t *v = pick_settable(g);
    if (!v) return false;
    X e, x;
    x_init(&e);
    x_init(&x);
    if (v->ty == T_INT && chance(50)) {
        int n = rnd_range(1, 5);
        xmf(&e, "$%s + %d", v->m, n);
        xlf(&e, "%s + %d", v->l, n);
    } else if (v->ty == T_STR && chance(40)) {
        xmf(&e, "$%s + ", v->m);
        xlf(&e, "%s .. ", v->l);
        ex_str(g, &e, 1);
    } else {
        ex(g, &e, v->ty, edepth(), v->ent);
    }
    xmf(&x, "set $%s = %s;", v->m, e.m);
    xlf(&x, "%s = %s", v->l, e.l);
    emit(g, &x);
    return true;
}

/* set $Obj/Attr = e */
static bool st_set_attr(G *g) {
    var_t *o = pick_var(g, T_OBJ, 0, 0);
    if (!o) return false;
    const ent_t *e = ENT(g, o->mod, o->ent);
    const attr_t *a = &e->a[rnd(e->na)];
    if (a->ty == T_LONG || (a->ty == T_ENUM && o->mod != g->cm)) return false;
    X v, x;
    x_init(&v);
    x_init(&x);
    ex(g, &v, a->ty, edepth(), a->en);
    xmf(&x, "set $%s/%s = %s;", o->m, a->name, v.m);
    xlf(&x, "%s.%s = %s", o->l, a->name, v.l);
    emit(g, &x);
    return true;
}

/* Member assignments "A = e, B = e" for create/change on entity (mod, e). */
static void members(G *g, X *x, int mod, const ent_t *e, int n) {
    bool done[MAX_ATTRS] = {false};
    for (int i = 0; i < n; i++) {
        int k = rnd(e->na), tries = 0;
        while ((done[k] || (e->a[k].ty == T_ENUM && mod != g->cm)) && tries++ < 40)
            k = rnd(e->na);
        if (done[k] || (e->a[k].ty == T_ENUM && mod != g->cm)) break;
        done[k] = true;
        const attr_t *a = &e->a[k];
        if (i) xbs(x, ", ");
        xmf(x, "%s = ", a->name);
        xlf(x, "%s = ", a->name);
        if (a->ty == T_LONG) {
            int v = rnd(100000);
            xmf(x, "%d", v);
            xlf(x, "%d", v);
        } else {
            ex(g, x, a->ty, rnd(2), a->en);
        }
    }
}

static bool st_change(G *g) {
    var_t *o = pick_var(g, T_OBJ, 0, 0);
    if (!o) return false;
    X x;
    x_init(&x);
    xmf(&x, "change $%s (", o->m);
    xlf(&x, "db.change(%s, { ", o->l);
    members(g, &x, o->mod, ENT(g, o->mod, o->ent), rnd_range(1, 3));
    bool refresh = !micro(g) && chance(30);
    xm(&x, refresh ? ") refresh;" : ");");
    xl(&x, refresh ? " }, true)" : " })");
    emit(g, &x);
    return true;
}

/* non-server entity of the current module */
static int pick_client_entity(G *g) {
    mod_t *m = CM(g);
    for (;;) {
        int k = rnd(m->ne);
        if (!m->e[k].server) return k;
    }
}

static void st_create(G *g, int budget) {
    int ei = pick_client_entity(g);
    const ent_t *e = &CM(g)->e[ei];
    X x;
    x_init(&x);
    char base[40];
    snprintf(base, sizeof base, "New%s", e->name);
    X mem;
    x_init(&mem);
    members(g, &mem, g->cm, e, rnd_range(1, 4));
    var_t *v = new_var(g, base, T_OBJ, g->cm, ei);
    xmf(&x, "$%s = create %s.%s (%s);", v->m, CM(g)->name, e->name, mem.m);
    xlf(&x, "local %s = db.create(%s.%s, { %s })", v->l, CM(g)->name, e->name, mem.l);
    emit(g, &x);
    budget--;
    /* link it through an association when an object of the target entity is at hand */
    if (budget >= 1 && e->nassoc) {
        int k = rnd(e->nassoc);
        var_t *t = pick_obj_of(g, g->cm, e->assoc_to[k]);
        if (t) {
            x_init(&x);
            xmf(&x, "set $%s/%s.%s = $%s;", v->m, CM(g)->name, e->assoc[k], t->m);
            xlf(&x, "%s.%s = %s", v->l, e->assoc[k], t->l);
            emit(g, &x);
            budget--;
        }
    }
    if (budget >= 1 && chance(70)) {
        x_init(&x);
        xmf(&x, "commit $%s;", v->m);
        xlf(&x, "db.commit(%s)", v->l);
        emit(g, &x);
    }
}

static bool st_commit(G *g) {
    var_t *o = pick_var(g, chance(50) ? T_OBJ : T_LIST, 0, 0);
    if (!o) return false;
    X x;
    x_init(&x);
    if (micro(g) && chance(30)) {
        xmf(&x, "commit $%s with events;", o->m);
        xlf(&x, "db.commit(%s, true)", o->l);
    } else {
        xmf(&x, "commit $%s;", o->m);
        xlf(&x, "db.commit(%s)", o->l);
    }
    emit(g, &x);
    return true;
}

static void st_retrieve(G *g) {
    int ei = pick_client_entity(g);
    const ent_t *e = &CM(g)->e[ei];
    const char *mn = CM(g)->name;
    X xp;
    x_init(&xp);
    bool where = chance(85);
    if (where) xpath(g, &xp, g->cm, e);
    X x;
    x_init(&x);
    if (chance(25)) { /* one object */
        var_t *v = new_var(g, e->name, T_OBJ, g->cm, ei);
        xmf(&x, "retrieve $%s from %s.%s", v->m, mn, e->name);
        xlf(&x, "local %s = db.first(%s.%s", v->l, mn, e->name);
        if (where) {
            xmf(&x, " where %s", xp.m);
            xlf(&x, ", %s", xp.l);
        }
        xm(&x, " limit 1;");
        xl(&x, ")");
        emit(g, &x);
        return;
    }
    char base[40];
    snprintf(base, sizeof base, "%sList", e->name);
    var_t *v = new_var(g, base, T_LIST, g->cm, ei);
    xmf(&x, "retrieve $%s from %s.%s", v->m, mn, e->name);
    xlf(&x, "local %s = db.retrieve(%s.%s, ", v->l, mn, e->name);
    if (where) {
        xmf(&x, " where %s", xp.m);
        xl(&x, xp.l);
    } else {
        xl(&x, "nil");
    }
    bool sort = chance(50), lim = chance(40);
    if (sort || lim) xl(&x, ", { ");
    if (sort) {
        const attr_t *a = &e->a[rnd(e->na)];
        bool desc = rnd(2);
        xmf(&x, " sort by %s %s", a->name, desc ? "desc" : "asc");
        xlf(&x, "sort = { '%s', '%s' }", a->name, desc ? "desc" : "asc");
    }
    if (lim) {
        int n = 10 * rnd_range(1, 20);
        xmf(&x, " limit %d", n);
        xlf(&x, "%slimit = %d", sort ? ", " : "", n);
    }
    if (sort || lim) xl(&x, " }");
    xm(&x, ";");
    xl(&x, ")");
    emit(g, &x);
}

static bool st_retrieve_assoc(G *g) {
    var_t *o = pick_var(g, T_OBJ, 0, 0);
    if (!o || o->mod != g->cm) return false;
    const ent_t *e = ENT(g, o->mod, o->ent);
    if (!e->nassoc) return false;
    int k = rnd(e->nassoc);
    const ent_t *t = &CM(g)->e[e->assoc_to[k]];
    char oname[40];
    snprintf(oname, sizeof oname, "%s", o->m);
    char olua[40];
    snprintf(olua, sizeof olua, "%s", o->l);
    var_t *v = new_var(g, t->name, T_OBJ, g->cm, e->assoc_to[k]);
    X x;
    x_init(&x);
    xmf(&x, "retrieve $%s from $%s/%s.%s;", v->m, oname, CM(g)->name, e->assoc[k]);
    xlf(&x, "local %s = db.follow(%s, %s.%s)", v->l, olua, CM(g)->name, e->assoc[k]);
    emit(g, &x);
    return true;
}

/* a condition about $currentObject (MDL) / it (Lua) of entity e */
static void lambda_cond(G *g, X *x, int mod, int ent) {
    if (g->nv >= MAX_VARS) die("too many variables");
    var_t *cur = &g->vars[g->nv++];
    snprintf(cur->m, sizeof cur->m, "currentObject");
    snprintf(cur->l, sizeof cur->l, "it");
    cur->ty = T_OBJ;
    cur->mod = mod;
    cur->ent = ent;
    cur->settable = false;
    const ent_t *e = ENT(g, mod, ent);
    const attr_t *a;
    do
        a = &e->a[rnd(e->na)];
    while (a->ty == T_LONG || a->ty == T_DT || (a->ty == T_ENUM && mod != g->cm));
    xmf(x, "$currentObject/%s", a->name);
    xlf(x, "it.%s", a->name);
    switch (a->ty) {
    case T_BOOL: break;
    case T_STR:
        xb(x, " != ", " ~= ");
        word_lit(x);
        break;
    case T_ENUM: {
        const enum_kind *k = &ENUM_KINDS[CM(g)->kind[a->en]];
        const char *v = k->vals[rnd(k->n)];
        xmf(x, " = %s.%s.%s", CM(g)->name, k->name, v);
        xlf(x, " == %s.%s.%s", CM(g)->name, k->name, v);
        break;
    }
    default:
        xbs(x, " > ");
        ex(g, x, a->ty, 0, 0);
        break;
    }
    if (chance(25)) {
        xbs(x, " and ");
        ex_bool(g, x, 1);
    }
    g->nv--;
}

static bool st_listop(G *g) {
    var_t *l = pick_var(g, T_LIST, 0, 0);
    if (!l) return false;
    int mod = l->mod, ent = l->ent;
    const ent_t *e = ENT(g, mod, ent);
    char lm[40], ll[40];
    snprintf(lm, sizeof lm, "%s", l->m);
    snprintf(ll, sizeof ll, "%s", l->l);
    X x, body;
    x_init(&x);
    x_init(&body);
    int op = rnd(9);
    bool kw = chance(30); /* keyword form */
    switch (op) {
    case 0:
    case 1: { /* filter */
        lambda_cond(g, &body, mod, ent);
        var_t *v = new_var(g, "Filtered", T_LIST, mod, ent);
        if (kw)
            xmf(&x, "$%s = filter $%s where %s;", v->m, lm, body.m);
        else
            xmf(&x, "$%s = filter($%s, %s);", v->m, lm, body.m);
        xlf(&x, "local %s = list.filter(%s, function(it) return %s end)", v->l, ll, body.l);
        break;
    }
    case 2: { /* find */
        lambda_cond(g, &body, mod, ent);
        var_t *v = new_var(g, "Match", T_OBJ, mod, ent);
        if (kw)
            xmf(&x, "$%s = find $%s where %s;", v->m, lm, body.m);
        else
            xmf(&x, "$%s = find($%s, %s);", v->m, lm, body.m);
        xlf(&x, "local %s = list.find(%s, function(it) return %s end)", v->l, ll, body.l);
        break;
    }
    case 3: { /* head */
        var_t *v = new_var(g, "First", T_OBJ, mod, ent);
        if (kw)
            xmf(&x, "$%s = head $%s;", v->m, lm);
        else
            xmf(&x, "$%s = head($%s);", v->m, lm);
        xlf(&x, "local %s = %s[1]", v->l, ll);
        break;
    }
    case 4: { /* sort */
        const attr_t *a;
        do
            a = &e->a[rnd(e->na)];
        while (a->ty == T_ENUM);
        bool desc = rnd(2);
        var_t *v = new_var(g, "Sorted", T_LIST, mod, ent);
        if (kw)
            xmf(&x, "$%s = sort $%s by %s%s;", v->m, lm, a->name, desc ? " desc" : "");
        else
            xmf(&x, "$%s = sort($%s, %s %s);", v->m, lm, a->name, desc ? "desc" : "asc");
        xlf(&x, "local %s = list.sort(%s, '%s', %s)", v->l, ll, a->name, desc ? "true" : "false");
        break;
    }
    case 5:
    case 6: { /* union / subtract / intersect */
        var_t *b = pick_list_of(g, mod, ent, l);
        if (!b) return false;
        static const char *const names[] = {"union", "subtract", "intersect"};
        static const char *const kwj[] = {"with", "from", "with"};
        int k = rnd(3);
        char bm[40], bl[40];
        snprintf(bm, sizeof bm, "%s", b->m);
        snprintf(bl, sizeof bl, "%s", b->l);
        var_t *v = new_var(g,
                           k == 0   ? "Combined"
                           : k == 1 ? "Remaining"
                                    : "Common",
                           T_LIST, mod, ent);
        if (kw && k == 1)
            xmf(&x, "$%s = subtract $%s from $%s;", v->m, bm, lm);
        else if (kw)
            xmf(&x, "$%s = %s $%s %s $%s;", v->m, names[k], lm, kwj[k], bm);
        else
            xmf(&x, "$%s = %s($%s, $%s);", v->m, names[k], lm, bm);
        xlf(&x, "local %s = list.%s(%s, %s)", v->l, names[k], ll, bl);
        break;
    }
    case 7: { /* contains */
        var_t *o = pick_obj_of(g, mod, ent);
        if (!o) return false;
        char om[40], ol[40];
        snprintf(om, sizeof om, "%s", o->m);
        snprintf(ol, sizeof ol, "%s", o->l);
        var_t *v = new_var(g, "InList", T_BOOL, 0, 0);
        if (kw)
            xmf(&x, "$%s = contains $%s in $%s;", v->m, om, lm);
        else
            xmf(&x, "$%s = contains($%s, $%s);", v->m, lm, om);
        xlf(&x, "local %s = list.contains(%s, %s)", v->l, ll, ol);
        break;
    }
    default: { /* range */
        int lim = rnd_range(5, 50);
        var_t *v = new_var(g, "Page", T_LIST, mod, ent);
        if (kw)
            xmf(&x, "$%s = range $%s offset 0 limit %d;", v->m, lm, lim);
        else
            xmf(&x, "$%s = range($%s, 0, %d);", v->m, lm, lim);
        xlf(&x, "local %s = list.range(%s, 0, %d)", v->l, ll, lim);
        break;
    }
    }
    emit(g, &x);
    return true;
}

static bool st_aggregate(G *g) {
    var_t *l = pick_var(g, T_LIST, 0, 0);
    if (!l) return false;
    const ent_t *e = ENT(g, l->mod, l->ent);
    char lm[40], ll[40];
    snprintf(lm, sizeof lm, "%s", l->m);
    snprintf(ll, sizeof ll, "%s", l->l);
    X x;
    x_init(&x);
    int op = rnd(6);
    bool kw = chance(30);
    if (op == 0 || op == 5) {
        var_t *v = new_var(g, "Total", T_INT, 0, 0);
        if (kw)
            xmf(&x, "$%s = count $%s;", v->m, lm);
        else
            xmf(&x, "$%s = count($%s);", v->m, lm);
        xlf(&x, "local %s = #%s", v->l, ll);
    } else {
        static const char *const names[] = {"", "sum", "average", "minimum", "maximum"};
        static const char *const bases[] = {"", "Sum", "Average", "Lowest", "Highest"};
        const attr_t *a = pick_attr(e, T_DEC, 0);
        var_t *v = new_var(g, bases[op], T_DEC, 0, 0);
        if (kw)
            xmf(&x, "$%s = %s $%s by %s;", v->m, names[op], lm, a->name);
        else
            xmf(&x, "$%s = %s($%s.%s);", v->m, names[op], lm, a->name);
        xlf(&x, "local %s = list.%s(%s, '%s')", v->l, names[op], ll, a->name);
    }
    emit(g, &x);
    return true;
}

static bool st_new_list(G *g, int budget) {
    var_t *o = pick_var(g, T_OBJ, 0, 0);
    if (!o || budget < 2) return false;
    const ent_t *e = ENT(g, o->mod, o->ent);
    char om[40], ol[40];
    snprintf(om, sizeof om, "%s", o->m);
    snprintf(ol, sizeof ol, "%s", o->l);
    char base[40];
    snprintf(base, sizeof base, "Selected%s", e->name);
    var_t *v = new_var(g, base, T_LIST, o->mod, o->ent);
    X x;
    x_init(&x);
    xmf(&x, "$%s = create list of %s.%s;", v->m, g->mods[o->mod].name, e->name);
    xlf(&x, "local %s = {}", v->l);
    emit(g, &x);
    x_init(&x);
    xmf(&x, "add $%s to $%s;", om, v->m);
    xlf(&x, "table.insert(%s, %s)", v->l, ol);
    emit(g, &x);
    if (budget >= 3 && chance(20)) {
        x_init(&x);
        xmf(&x, "remove $%s from $%s;", om, v->m);
        xlf(&x, "list.remove(%s, %s)", v->l, ol);
        emit(g, &x);
    }
    return true;
}

/* "log LEVEL [node 'Module'] " — log nodes exist in microflows only */
static void log_head(G *g, X *x, const char *level) {
    if (micro(g))
        xmf(x, "log %s node '%s' ", level, CM(g)->name);
    else
        xmf(x, "log %s ", level);
}

static bool st_log(G *g) {
    static const char *const lv[] = {"info", "info", "debug", "warning", "trace"};
    const char *level = lv[rnd(NELEM(lv))];
    X e, x;
    x_init(&e);
    x_init(&x);
    const char *w = rnd_word();
    xmf(&e, "'%s: ' + ", w);
    xlf(&e, "'%s: ' .. ", w);
    ex_str(g, &e, 1);
    log_head(g, &x, level);
    xmf(&x, "%s;", e.m);
    xlf(&x, "log.%s(Flow, %s)", level, e.l);
    emit(g, &x);
    return true;
}

static bool st_show_message(G *g) {
    if (micro(g)) return false;
    static const char *const types[] = {"Information", "Warning", "Error"};
    const char *t = types[rnd(3)];
    X e, x;
    x_init(&e);
    x_init(&x);
    ex_str(g, &e, 1);
    xmf(&x, "show message %s type %s;", e.m, t);
    xlf(&x, "ui.show_message(%s, '%s')", e.l, t);
    emit(g, &x);
    return true;
}

static bool st_feedback(G *g) {
    if (micro(g)) return false;
    var_t *o = pick_var(g, T_OBJ, 0, 0);
    if (!o) return false;
    const attr_t *a = pick_attr(ENT(g, o->mod, o->ent), T_STR, 0);
    X x;
    x_init(&x);
    xmf(&x, "validation feedback $%s/%s message '%s is not valid';", o->m, a->name, a->name);
    xlf(&x, "ui.feedback(%s, '%s', '%s is not valid')", o->l, a->name, a->name);
    emit(g, &x);
    return true;
}

static void handler_body(G *g) {
    bool saved = g->in_handler;
    g->in_handler = true;
    g->indent++;
    X x;
    x_init(&x);
    log_head(g, &x, "error");
    xmf(&x, "'failed: ' + $latestError%s;", micro(g) ? "/Message" : "");
    xlf(&x, "log.error(Flow, 'failed: ' .. tostring(err%d))", g->tmp_seq);
    emit(g, &x);
    g->indent--;
    g->in_handler = saved;
}

/* call a nanoflow or microflow generated earlier, with arguments from the scope */
static bool st_call(G *g, int budget) {
    if (g->nflows == 0) return false;
    for (int tries = 0; tries < 12; tries++) {
        int fi;
        if (chance(75) && CM(g)->nflows_here > 0)
            fi = g->nflows - 1 - rnd(CM(g)->nflows_here);
        else
            fi = rnd(g->nflows);
        const flow_t *f = &g->flows[fi];
        if (f == g->cf) continue;
        if (micro(g) && !f->micro) continue; /* microflows do not call nanoflows */
        bool to_mf = !micro(g) && f->micro;
        if (to_mf) { /* offline: no persistable objects across the boundary */
            bool prim = f->ret != T_OBJ && f->ret != T_LIST;
            for (int i = 0; i < f->np; i++)
                if (f->p[i].ty == T_OBJ) prim = false;
            if (!prim) continue;
        }
        /* arguments */
        X args;
        x_init(&args);
        bool ok = true;
        for (int i = 0; i < f->np && ok; i++) {
            const param_t *p = &f->p[i];
            if (i) xbs(&args, ", ");
            xmf(&args, "%s = ", p->name);
            if (p->ty == T_OBJ) {
                var_t *o = pick_obj_of(g, p->mod, p->ent);
                if (!o) {
                    ok = false;
                    break;
                }
                xmf(&args, "$%s", o->m);
                xl(&args, o->l);
            } else {
                ex(g, &args, p->ty, rnd(2), 0);
            }
        }
        if (!ok) continue;
        bool handler = budget >= 3 && chance(25);
        X x;
        x_init(&x);
        var_t *v = NULL;
        if (f->ret != T_VOID && (f->ret != T_OBJ || chance(80))) {
            static const char *const rb[] = {"",   "Result", "Result", "Result", "Text",
                                             "Ok", "Moment", "",       "",       ""};
            char base[40];
            if (f->ret == T_OBJ)
                snprintf(base, sizeof base, "%s", ENT(g, f->rmod, f->rent)->name);
            else
                snprintf(base, sizeof base, "%s", rb[f->ret]);
            v = new_var(g, base, f->ret, f->rmod, f->rent);
            xmf(&x, "$%s = ", v->m);
        }
        g->tmp_seq++;
        const char *kind = f->micro ? "microflow" : "nanoflow";
        if (handler) {
            if (v)
                xlf(&x, "local ok%d, %s = pcall(%s, %s) ", g->tmp_seq, v->l, f->name, args.l);
            else
                xlf(&x, "local ok%d, err%d = pcall(%s, %s) ", g->tmp_seq, g->tmp_seq, f->name,
                    args.l);
            xlf(&x, "if not ok%d then", g->tmp_seq);
            if (micro(g))
                xmf(&x, "call %s %s(%s) on error begin", kind, f->name, args.m);
            else
                xmf(&x, "call %s %s(%s) on error without rollback begin", kind, f->name, args.m);
            emit(g, &x);
            if (v) { /* the Lua handler reads the error from the result slot */
                g->indent++;
                X h;
                x_init(&h);
                log_head(g, &h, "error");
                xmf(&h, "'failed: ' + $latestError%s;", micro(g) ? "/Message" : "");
                xlf(&h, "log.error(Flow, 'failed: ' .. tostring(%s))", v->l);
                bool saved = g->in_handler;
                g->in_handler = true;
                emit(g, &h);
                g->in_handler = saved;
                g->indent--;
            } else {
                handler_body(g);
            }
            emit2(g, "end error;", "end");
        } else {
            if (v) xlf(&x, "local %s = ", v->l);
            xmf(&x, "call %s %s(%s);", kind, f->name, args.m);
            xlf(&x, "%s(%s)", f->name, args.l);
            emit(g, &x);
        }
        return true;
    }
    return false;
}

static bool st_sync(G *g) {
    if (micro(g)) return false;
    g->tmp_seq++;
    X x;
    x_init(&x);
    xb(&x, "try", "");
    xlf(&x, "local ok%d, err%d = pcall(function()", g->tmp_seq, g->tmp_seq);
    emit(g, &x);
    g->indent++;
    x_init(&x);
    if (chance(50)) {
        xb(&x, "synchronize all;", "sync.all()");
    } else {
        var_t *o = pick_var(g, T_OBJ, 0, 0);
        if (o) {
            xmf(&x, "synchronize $%s;", o->m);
            xlf(&x, "sync.objects(%s)", o->l);
        } else {
            xb(&x, "synchronize unsynchronized;", "sync.unsynchronized()");
        }
    }
    emit(g, &x);
    g->indent--;
    x_init(&x);
    xb(&x, "catch", "");
    xlf(&x, "end) if not ok%d then", g->tmp_seq);
    emit(g, &x);
    g->indent++;
    x_init(&x);
    xb(&x, "show message 'Sync failed: ' + $latestError type Warning;", "");
    xlf(&x, "ui.show_message('Sync failed: ' .. tostring(err%d), 'Warning')", g->tmp_seq);
    bool saved = g->in_handler;
    g->in_handler = true;
    emit(g, &x);
    g->in_handler = saved;
    g->indent--;
    emit2(g, "end try;", "end");
    return true;
}

static bool st_audit(G *g) { /* microflows only: server-side audit record */
    if (!micro(g)) return false;
    mod_t *m = CM(g);
    int ai = m->ne - 2; /* AuditLog */
    X e, x;
    x_init(&e);
    x_init(&x);
    ex_str(g, &e, 1);
    var_t *v = new_var(g, "Audit", T_OBJ, g->cm, ai);
    xmf(&x, "$%s = create %s.AuditLog (Message = %s, At = [%%CurrentDateTime%%]);", v->m, m->name,
        e.m);
    xlf(&x, "local %s = db.create(%s.AuditLog, { Message = %s, At = os.time() })", v->l, m->name,
        e.l);
    emit(g, &x);
    x_init(&x);
    xmf(&x, "commit $%s on error continue;", v->m);
    xlf(&x, "pcall(db.commit, %s)", v->l);
    emit(g, &x);
    return true;
}

/* if c then … [elsif c then …]* [else …] end if */
static void st_if(G *g, int budget, int depth) {
    int nbr = 1 + (chance(35) ? rnd_range(1, 2) : 0);
    bool has_else = chance(45);
    int parts = nbr + (has_else ? 1 : 0);
    int avail = budget - 1 - parts; /* end line and one header line per part */
    if (avail < parts) {
        nbr = 1;
        has_else = false;
        parts = 1;
        avail = budget - 2;
    }
    for (int i = 0; i < parts; i++) {
        X x;
        x_init(&x);
        if (i < nbr) {
            X c;
            x_init(&c);
            ex_bool(g, &c, rnd_range(1, 2));
            xmf(&x, "%s %s then", i ? "elsif" : "if", c.m);
            xlf(&x, "%s %s then", i ? "elseif" : "if", c.l);
        } else {
            xbs(&x, "else");
        }
        emit(g, &x);
        int share = avail / (parts - i);
        if (share < 1) share = 1;
        int sub = rnd_range(1, share);
        int before = lines(g);
        int mark;
        scope_enter(g, &mark);
        g->indent++;
        block(g, sub, depth + 1);
        g->indent--;
        scope_leave(g, mark);
        avail -= lines(g) - before;
    }
    emit2(g, "end if;", "end");
}

static bool st_case(G *g, int budget, int depth) {
    var_t *o = pick_var(g, T_OBJ, 0, 0);
    if (!o || o->mod != g->cm) return false;
    const attr_t *a = pick_attr(ENT(g, o->mod, o->ent), T_ENUM, -1);
    if (!a) return false;
    const enum_kind *k = &ENUM_KINDS[CM(g)->kind[a->en]];
    /* group the values into 2..3 branches, plus (empty) */
    int ngroups = k->n >= 4 ? rnd_range(2, 3) : 2;
    int need = 2 + 2 * (ngroups + 1);
    if (budget < need) return false;
    g->tmp_seq++;
    int sw = g->tmp_seq;
    X x;
    x_init(&x);
    xmf(&x, "case $%s/%s", o->m, a->name);
    xlf(&x, "local sw%d = %s.%s", sw, o->l, a->name);
    emit(g, &x);
    int avail = budget - need;
    int v = 0;
    for (int gi = 0; gi <= ngroups; gi++) {
        x_init(&x);
        if (gi == ngroups) {
            xm(&x, "when (empty) then");
            xlf(&x, "elseif sw%d == nil then", sw);
        } else {
            int cnt = gi == ngroups - 1 ? k->n - v : rnd_range(1, k->n - v - (ngroups - gi - 1));
            xm(&x, "when ");
            xl(&x, gi ? "elseif " : "if ");
            for (int j = 0; j < cnt; j++, v++) {
                if (j) {
                    xm(&x, ", ");
                    xl(&x, " or ");
                }
                xm(&x, k->vals[v]);
                xlf(&x, "sw%d == %s.%s.%s", sw, CM(g)->name, k->name, k->vals[v]);
            }
            xbs(&x, " then");
        }
        emit(g, &x);
        int sub = 1 + (avail > 0 ? rnd(avail / (ngroups + 1 - gi) + 1) : 0);
        int before = lines(g);
        int mark;
        scope_enter(g, &mark);
        g->indent++;
        block(g, sub, depth + 1);
        g->indent--;
        scope_leave(g, mark);
        avail -= lines(g) - before - 1;
    }
    emit2(g, "end case;", "end");
    return true;
}

static void loop_end(G *g) {
    int d = g->loop_depth - 1;
    if (g->loop_cont[d]) {
        char l[64];
        snprintf(l, sizeof l, "::next%d:: end", g->loop_label[d]);
        emit2(g, "end loop;", l);
    } else {
        emit2(g, "end loop;", "end");
    }
}

static bool st_loop(G *g, int budget, int depth) {
    var_t *l = pick_var(g, T_LIST, 0, 0);
    if (!l || budget < 3) return false;
    const ent_t *e = ENT(g, l->mod, l->ent);
    char lm[40], ll[40];
    snprintf(lm, sizeof lm, "%s", l->m);
    snprintf(ll, sizeof ll, "%s", l->l);
    int lmod = l->mod, lent = l->ent;
    int mark;
    scope_enter(g, &mark);
    char base[40];
    snprintf(base, sizeof base, "Each%s", e->name);
    var_t *it = new_var(g, base, T_OBJ, lmod, lent);
    X x;
    x_init(&x);
    xmf(&x, "loop $%s in $%s begin", it->m, lm);
    xlf(&x, "for _, %s in ipairs(%s) do", it->l, ll);
    emit(g, &x);
    g->loop_label[g->loop_depth] = ++g->label_seq;
    g->loop_cont[g->loop_depth] = false;
    g->loop_depth++;
    g->indent++;
    int body = budget - 2;
    /* early exit test first, sometimes */
    if (body >= 4 && chance(35)) {
        X h;
        x_init(&h);
        const attr_t *a = pick_attr(e, T_BOOL, 0);
        xmf(&h, "if not($%s/%s) then", it->m, a->name);
        xlf(&h, "if not (%s.%s) then", it->l, a->name);
        emit(g, &h);
        g->indent++;
        if (chance(60)) {
            g->loop_cont[g->loop_depth - 1] = true;
            char gl[64];
            snprintf(gl, sizeof gl, "goto next%d", g->loop_label[g->loop_depth - 1]);
            emit2(g, "continue;", gl);
        } else {
            emit2(g, "break;", "break");
        }
        g->indent--;
        emit2(g, "end if;", "end");
        body -= 3;
    }
    block(g, body, depth + 1);
    g->indent--;
    loop_end(g);
    g->loop_depth--;
    scope_leave(g, mark);
    return true;
}

static bool st_while(G *g, int budget, int depth) {
    if (budget < 5) return false;
    var_t *c = new_var(g, "Step", T_INT, 0, 0);
    c->settable = true;
    char cm_[40], cl[40];
    snprintf(cm_, sizeof cm_, "%s", c->m);
    snprintf(cl, sizeof cl, "%s", c->l);
    X x;
    x_init(&x);
    xmf(&x, "declare $%s Integer = 0;", cm_);
    xlf(&x, "local %s = 0", cl);
    emit(g, &x);
    int n = rnd_range(3, 20);
    x_init(&x);
    xmf(&x, "while $%s < %d begin", cm_, n);
    xlf(&x, "while %s < %d do", cl, n);
    emit(g, &x);
    g->loop_label[g->loop_depth] = ++g->label_seq;
    g->loop_cont[g->loop_depth] = false;
    g->loop_depth++;
    g->indent++;
    int mark;
    scope_enter(g, &mark);
    x_init(&x);
    xmf(&x, "set $%s = $%s + 1;", cm_, cm_);
    xlf(&x, "%s = %s + 1", cl, cl);
    emit(g, &x);
    block(g, budget - 4, depth + 1);
    scope_leave(g, mark);
    g->indent--;
    g->loop_depth--;
    emit2(g, "end while;", "end");
    return true;
}

/* One statement within the budget (>= 1 line). Returns after emitting at least one line. */
static void statement(G *g, int budget, int depth) {
    for (int tries = 0; tries < 40; tries++) {
        int c = rnd(100);
        bool compound_ok = depth < MAX_DEPTH;
        if (c < 12) {
            st_declare(g);
            return;
        }
        if (c < 19) {
            if (st_set(g)) return;
            continue;
        }
        if (c < 24) {
            if (st_set_attr(g)) return;
            continue;
        }
        if (c < 29) {
            if (st_change(g)) return;
            continue;
        }
        if (c < 35) {
            if (budget >= 3 || chance(50)) {
                st_create(g, budget);
                return;
            }
            continue;
        }
        if (c < 38) {
            if (st_commit(g)) return;
            continue;
        }
        if (c < 46) {
            st_retrieve(g);
            return;
        }
        if (c < 49) {
            if (st_retrieve_assoc(g)) return;
            continue;
        }
        if (c < 55) {
            if (st_listop(g)) return;
            continue;
        }
        if (c < 60) {
            if (st_aggregate(g)) return;
            continue;
        }
        if (c < 62) {
            if (st_new_list(g, budget)) return;
            continue;
        }
        if (c < 69) {
            if (st_call(g, budget)) return;
            continue;
        }
        if (c < 73) {
            if (st_log(g)) return;
            continue;
        }
        if (c < 75) {
            if (st_show_message(g)) return;
            continue;
        }
        if (c < 76) {
            if (st_feedback(g)) return;
            continue;
        }
        if (c < 77) {
            if (budget >= 5 && (micro(g) ? st_audit(g) : st_sync(g))) return;
            continue;
        }
        if (c < 78) {
            if (budget >= 2 && st_audit(g)) return;
            continue;
        }
        if (!compound_ok || budget < 3) continue;
        if (c < 89) {
            st_if(g, budget, depth);
            return;
        }
        if (c < 92) {
            if (st_case(g, budget, depth)) return;
            continue;
        }
        if (c < 98) {
            if (st_loop(g, budget, depth)) return;
            continue;
        }
        if (st_while(g, budget, depth)) return;
    }
    st_declare(g);
}

static void block(G *g, int budget, int depth) {
    int start = lines(g);
    do {
        int left = budget - (lines(g) - start);
        int want = left;
        /* compound statements take a share of what is left, so blocks hold several statements */
        if (want > 4) want = rnd_range(3, want > 24 ? 24 : want);
        statement(g, want, depth);
    } while (lines(g) - start < budget);
}

/* ---- flows ---------------------------------------------------------------------------------- */
static const char *const VERBS[] = {"Approve", "Validate", "Submit", "Refresh", "Calculate",
                                    "Sync",    "Archive",  "Assign", "Review",  "Prepare",
                                    "Close",   "Open",     "Update", "Merge",   "Check"};
static const char *const PARAM_NAMES[] = {"Limit", "Label", "Factor", "Force", "Since"};
static const int PARAM_TYPES[] = {T_INT, T_STR, T_DEC, T_BOOL, T_DT};

void gen_flow(G *g, int target) {
    if (g->nflows >= MAX_FLOWS) die("too many flows");
    mod_t *m = CM(g);
    flow_t *f = &g->flows[g->nflows];
    memset(f, 0, sizeof *f);
    f->mod = g->cm;
    f->micro = chance(30);
    bool primitive_only = f->micro && chance(40);
    int ei = pick_client_entity(g);
    const ent_t *e = &m->e[ei];

    /* name: Module.PREFIX_VerbEntity[n] */
    static const char *const npre[] = {"ACT", "VAL", "NF", "DS", "SUB"};
    static const char *const mpre[] = {"MF", "SUB", "SE", "IVK"};
    const char *pre = f->micro ? mpre[rnd(4)] : npre[rnd(5)];
    char base[160];
    snprintf(base, sizeof base, "%s.%s_%s%s", m->name, pre, VERBS[rnd(NELEM(VERBS))], e->name);
    snprintf(f->name, sizeof f->name, "%.63s", base);
    for (int k = 2;; k++) {
        bool dup = false;
        for (int i = g->nflows - 1; i >= 0 && g->flows[i].mod == g->cm; i--)
            if (strcmp(g->flows[i].name, f->name) == 0) dup = true;
        if (!dup) break;
        snprintf(f->name, sizeof f->name, "%.48s%d", base, k);
    }

    /* parameters */
    if (!primitive_only) {
        snprintf(f->p[0].name, sizeof f->p[0].name, "%s", e->name);
        f->p[0].ty = T_OBJ;
        f->p[0].mod = g->cm;
        f->p[0].ent = ei;
        f->np = 1;
    }
    int nprim = rnd_range(primitive_only ? 1 : 0, 2);
    int pstart = rnd(NELEM(PARAM_NAMES));
    for (int k = 0; k < nprim; k++) {
        int pi = (pstart + k) % NELEM(PARAM_NAMES);
        param_t *p = &f->p[f->np++];
        snprintf(p->name, sizeof p->name, "%s", PARAM_NAMES[pi]);
        p->ty = PARAM_TYPES[pi];
    }
    /* return type */
    static const int rets[] = {T_VOID, T_VOID, T_BOOL, T_BOOL, T_INT, T_DEC, T_STR, T_STR, T_OBJ};
    f->ret = rets[rnd(NELEM(rets))];
    if (f->ret == T_OBJ && primitive_only) f->ret = T_STR;
    if (f->ret == T_OBJ) {
        f->rmod = g->cm;
        f->rent = ei;
    }

    /* scope */
    g->cf = f;
    g->nv = 0;
    g->nused = 0;
    g->loop_depth = 0;
    g->in_handler = false;
    g->tmp_seq = 0;
    for (int k = 0; k < f->np; k++) {
        var_t *v = new_var(g, f->p[k].name, f->p[k].ty, f->p[k].mod, f->p[k].ent);
        (void)v;
    }

    /* header */
    X x;
    x_init(&x);
    xmf(&x, "/** %s %s for %s. */", VERBS[rnd(NELEM(VERBS))], f->micro ? "(server)" : "(client)",
        e->name);
    xlf(&x, "--- %s", x.m + 4);
    x.l[x.ln - 3] = '\0';
    x.ln -= 3;
    emit(g, &x);
    x_init(&x);
    xmf(&x, "create %s %s (", f->micro ? "microflow" : "nanoflow", f->name);
    xlf(&x, "function %s(", f->name);
    for (int k = 0; k < f->np; k++) {
        const param_t *p = &f->p[k];
        if (k) xbs(&x, ", ");
        if (p->ty == T_OBJ)
            xmf(&x, "$%s: %s.%s", p->name, m->name, m->e[p->ent].name);
        else
            xmf(&x, "$%s: %s", p->name, TYPE_M[p->ty]);
        xl(&x, p->name);
    }
    xbs(&x, ")");
    if (f->ret == T_OBJ)
        xmf(&x, " returns %s.%s", m->name, e->name);
    else if (f->ret != T_VOID)
        xmf(&x, " returns %s", TYPE_M[f->ret]);
    if (chance(30)) xmf(&x, " folder '%s'", f->micro ? "Server" : "Client");
    emit(g, &x);
    x_init(&x);
    xm(&x, "begin");
    xlf(&x, "  local Flow = '%s'", f->name);
    emit(g, &x);

    g->indent++;
    int body = target - 5; /* doc, header, begin, return, end */
    if (body < 1) body = 1;
    block(g, body, 0);
    /* return */
    if (f->ret != T_VOID) {
        X r;
        x_init(&r);
        if (f->ret == T_OBJ) {
            var_t *o = pick_obj_of(g, f->rmod, f->rent);
            xmf(&r, "$%s", o->m);
            xl(&r, o->l);
        } else {
            ex(g, &r, f->ret, rnd_range(0, 2), 0);
        }
        x_init(&x);
        xmf(&x, "return %s;", r.m);
        xlf(&x, "return %s", r.l);
        emit(g, &x);
    } else {
        x_init(&x);
        log_head(g, &x, "debug");
        xm(&x, "'done';");
        xl(&x, "log.debug(Flow, 'done')");
        emit(g, &x);
    }
    g->indent--;
    emit2(g, "end;", "end");
    if (chance(50)) {
        x_init(&x);
        xmf(&x, "grant execute on %s %s to %s.User;", f->micro ? "microflow" : "nanoflow", f->name,
            m->name);
        xlf(&x, "security.allow(%s, %s.User)", f->name, m->name);
        emit(g, &x);
    }
    emit2(g, "", "");
    g->nflows++;
    m->nflows_here++;
}
