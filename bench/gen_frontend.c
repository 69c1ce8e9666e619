/* gen_frontend.c — input generator for the front-end benchmark (bench/frontend.sh).
 *
 *   gen_frontend [--lines N] [--seed S] OUT.mdl OUT.lua
 *
 * Writes a deterministic MDL app of exactly N lines (default 100000) and a Lua file with the same
 * number of lines and code of the same shape, line for line: every MDL line is emitted together
 * with its Lua counterpart (a module is a table, an enumeration a table of values, an entity a
 * table of attribute descriptors, a flow a function, declare a local, if/elsif an if/elseif, a
 * loop a for-ipairs, an XPath constraint a predicate closure, a list operation a call with a
 * closure, a call a call, an error handler a pcall). The MDL is meant to check clean: zero
 * errors, zero warnings. Prints the line and byte counts of both files on stdout.
 *
 * The same seed gives the same bytes on every platform: the generator uses its own PRNG
 * (splitmix64) and no floating point. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- limits -------------------------------------------------------------------------------- */
#define MAX_MODULES 4096
#define MAX_ENTS    12
#define MAX_ATTRS   24
#define MAX_ENUMS   4
#define MAX_FLOWS   65536
#define MAX_PARAMS  4
#define MAX_VARS    512
#define MAX_DEPTH   4
#define XCAP        2048 /* one expression or line, per language */

/* ---- deterministic PRNG ------------------------------------------------------------------- */
static uint64_t rng_state;

static uint64_t rng_next(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform in [0, n); n > 0 */
static int rnd(int n) {
    return (int)(rng_next() % (uint64_t)n);
}
/* true with probability pct percent */
static bool chance(int pct) {
    return rnd(100) < pct;
}
static int rnd_range(int lo, int hi) {
    return lo + rnd(hi - lo + 1);
}

/* ---- name tables ---------------------------------------------------------------------------- */
static const char *const MODULE_NAMES[] = {
    "Sales",     "Inventory", "Crm",         "Billing",    "Shipping",  "Support",
    "Field",     "Hr",        "Payroll",     "Fleet",      "Assets",    "Projects",
    "Timesheet", "Catalog",   "Pricing",     "Orders",     "Returns",   "Warehouse",
    "Purchase",  "Quality",   "Maintenance", "Scheduling", "Marketing", "Survey",
    "Events",    "Training",  "Compliance",  "Finance",    "Ledger",    "Portal",
};
#define N_MODULE_NAMES (int)(sizeof MODULE_NAMES / sizeof MODULE_NAMES[0])

static const char *const ENTITY_NAMES[] = {
    "Customer", "Order",   "OrderLine", "Product",  "Invoice",  "Payment",  "Shipment",
    "Address",  "Contact", "Task",      "Visit",    "Asset",    "Ticket",   "Note",
    "Employee", "Project", "Item",      "Location", "Supplier", "Contract",
};
#define N_ENTITY_NAMES (int)(sizeof ENTITY_NAMES / sizeof ENTITY_NAMES[0])

typedef struct {
    const char *name;
    int n;
    const char *vals[6];
    const char *caps[6];
} enum_kind;

static const enum_kind ENUM_KINDS[] = {
    {"Status",
     5,
     {"Draft", "Submitted", "Approved", "Rejected", "Closed"},
     {"Draft", "Submitted", "Approved", "Rejected", "Closed"}},
    {"Priority", 4, {"Low", "Medium", "High", "Critical"}, {"Low", "Medium", "High", "Critical!"}},
    {"Category",
     4,
     {"Standard", "Premium", "Internal", "External"},
     {"Standard", "Premium", "Internal use", "External party"}},
    {"Channel",
     5,
     {"Web", "Mobile", "Phone", "Email", "Store"},
     {"Web shop", "Mobile app", "Phone", "E-mail", "Store"}},
    {"Region",
     5,
     {"North", "South", "East", "West", "Central"},
     {"North", "South", "East", "West", "Central"}},
};
#define N_ENUM_KINDS (int)(sizeof ENUM_KINDS / sizeof ENUM_KINDS[0])

enum { T_VOID, T_INT, T_LONG, T_DEC, T_STR, T_BOOL, T_DT, T_ENUM, T_OBJ, T_LIST };

static const char *const STR_ATTRS[] = {"Code",  "Description", "Email",   "Phone",
                                        "Title", "City",        "Comment", "Reference"};
static const char *const INT_ATTRS[] = {"Quantity", "Visits",   "Score", "Position",
                                        "Attempts", "Duration", "Level", "Rank"};
static const char *const DEC_ATTRS[] = {"Amount", "Price",   "Total", "Discount",
                                        "Weight", "Balance", "Rate",  "Cost"};
static const char *const BOOL_ATTRS[] = {"Active",   "Approved", "Paid",
                                         "Archived", "Urgent",   "Verified"};
static const char *const DT_ATTRS[] = {"Created", "DueDate", "ClosedAt", "PlannedAt", "LastVisit"};
#define NELEM(a) (int)(sizeof(a) / sizeof((a)[0]))

static const char *const WORDS[] = {"alpha", "north", "open",  "gold",   "rapid", "blue",
                                    "prime", "delta", "quiet", "silver", "local", "urgent",
                                    "fresh", "major", "minor", "green",  "basic", "smart"};
static const char *const VERBS[] = {"Approve", "Validate", "Submit", "Refresh", "Calculate",
                                    "Sync",    "Archive",  "Assign", "Review",  "Prepare",
                                    "Close",   "Open",     "Update", "Merge",   "Check"};

/* ---- model ----------------------------------------------------------------------------------- */
typedef struct {
    const char *name;
    int ty;
    int len; /* String length, 0 = unlimited */
    int en;  /* enumeration index in the module (T_ENUM) */
} attr_t;

typedef struct {
    char name[32];
    bool server; /* used by microflows only (may use AutoNumber and many-to-many) */
    attr_t a[MAX_ATTRS];
    int na;
    int nassoc;
    int assoc_to[2];
    char assoc[2][80];
} ent_t;

typedef struct {
    char name[40];
    int kind[MAX_ENUMS]; /* index into ENUM_KINDS */
    int nen;
    ent_t e[MAX_ENTS];
    int ne;
    int nconst;
    int nflows_here;
} mod_t;

typedef struct {
    char name[32]; /* holds an entity name */
    int ty, mod, ent;
} param_t;

typedef struct {
    char name[64];
    int mod;
    bool micro;
    int np;
    param_t p[MAX_PARAMS];
    int ret, rmod, rent;
} flow_t;

typedef struct {
    char m[40]; /* MDL name without '$' */
    char l[40]; /* Lua name */
    int ty, mod, ent;
    bool settable;
} var_t;

/* ---- output -------------------------------------------------------------------------------- */
typedef struct {
    FILE *f;
    const char *path;
    long lines;
    long bytes;
} out_t;

static void die(const char *msg) {
    fprintf(stderr, "gen_frontend: %s\n", msg);
    exit(2);
}

static void out_write(out_t *o, const char *s, size_t n) {
    if (fwrite(s, 1, n, o->f) != n) die("write failed");
    o->bytes += (long)n;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n') o->lines++;
}

/* an expression (or line) in both languages */
typedef struct {
    char m[XCAP];
    char l[XCAP];
    size_t mn, ln;
} X;

static void x_init(X *x) {
    x->m[0] = x->l[0] = '\0';
    x->mn = x->ln = 0;
}

static void app(char *buf, size_t *n, const char *s) {
    size_t k = strlen(s);
    if (*n + k >= XCAP) die("expression too long (internal limit)");
    memcpy(buf + *n, s, k + 1);
    *n += k;
}

static void xm(X *x, const char *s) {
    app(x->m, &x->mn, s);
}
static void xl(X *x, const char *s) {
    app(x->l, &x->ln, s);
}
static void xb(X *x, const char *m, const char *l) {
    xm(x, m);
    xl(x, l);
}
static void xbs(X *x, const char *s) {
    xb(x, s, s);
}
static void xcat(X *x, const X *y) {
    xm(x, y->m);
    xl(x, y->l);
}

static void xmf(X *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xmf(X *x, const char *fmt, ...) {
    char tmp[XCAP];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof tmp) die("line too long (internal limit)");
    xm(x, tmp);
}

static void xlf(X *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xlf(X *x, const char *fmt, ...) {
    char tmp[XCAP];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof tmp) die("line too long (internal limit)");
    xl(x, tmp);
}

/* ---- generator state ----------------------------------------------------------------------- */
typedef struct {
    out_t mdl, lua;
    int indent;

    mod_t *mods;
    int nmods;
    flow_t *flows;
    int nflows;

    /* current flow */
    int cm; /* module index */
    flow_t *cf;
    var_t vars[MAX_VARS];
    int nv;
    char used[MAX_VARS][40];
    int nused;
    int loop_depth;
    int loop_label[MAX_DEPTH + 8];
    bool loop_cont[MAX_DEPTH + 8];
    int label_seq;
    bool in_handler;
    int tmp_seq;
} G;

static void emit(G *g, const X *x) {
    static const char spaces[] = "                                                        ";
    size_t ind = (size_t)g->indent * 2;
    if (ind > sizeof spaces - 1) ind = sizeof spaces - 1;
    out_write(&g->mdl, spaces, ind);
    out_write(&g->mdl, x->m, x->mn);
    out_write(&g->mdl, "\n", 1);
    out_write(&g->lua, spaces, ind);
    out_write(&g->lua, x->l, x->ln);
    out_write(&g->lua, "\n", 1);
}

static void emit2(G *g, const char *m, const char *l) {
    X x;
    x_init(&x);
    xb(&x, m, l);
    emit(g, &x);
}

static mod_t *CM(G *g) {
    return &g->mods[g->cm];
}
static ent_t *ENT(G *g, int mod, int ent) {
    return &g->mods[mod].e[ent];
}
static bool micro(G *g) {
    return g->cf->micro;
}

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
static var_t *new_var(G *g, const char *base, int ty, int mod, int ent) {
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
static var_t *pick_var(G *g, int ty, int mod, int en) {
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

static var_t *pick_settable(G *g) {
    int cand[MAX_VARS], n = 0;
    for (int i = 0; i < g->nv; i++)
        if (g->vars[i].settable) cand[n++] = i;
    return n ? &g->vars[cand[rnd(n)]] : NULL;
}

static var_t *pick_list_of(G *g, int mod, int ent, const var_t *not_this) {
    int cand[MAX_VARS], n = 0;
    for (int i = 0; i < g->nv; i++) {
        var_t *v = &g->vars[i];
        if (v->ty == T_LIST && v->mod == mod && v->ent == ent && v != not_this) cand[n++] = i;
    }
    return n ? &g->vars[cand[rnd(n)]] : NULL;
}

static var_t *pick_obj_of(G *g, int mod, int ent) {
    int cand[MAX_VARS], n = 0;
    for (int i = 0; i < g->nv; i++) {
        var_t *v = &g->vars[i];
        if (v->ty == T_OBJ && v->mod == mod && v->ent == ent) cand[n++] = i;
    }
    return n ? &g->vars[cand[rnd(n)]] : NULL;
}

/* attribute of the entity with the type (and enumeration), or NULL */
static const attr_t *pick_attr(const ent_t *e, int ty, int en) {
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
static void ex(G *g, X *x, int ty, int d, int en);

static void word_lit(X *x) {
    const char *w = WORDS[rnd(NELEM(WORDS))];
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
        case 7:
            xb(x, rnd(2) ? "floor(" : "round(", rnd(2) ? "math.floor(" : "num.round(");
            ex(g, x, T_DEC, d - 1, 0);
            xbs(x, ")");
            return;
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

static void ex_str(G *g, X *x, int d) {
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

static void ex_bool(G *g, X *x, int d) {
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

static void ex_enum(G *g, X *x, int en) {
    if (chance(40) && ex_var(g, x, T_ENUM, en)) return;
    if (chance(40) && ex_attr(g, x, T_ENUM, en)) return;
    const enum_kind *k = &ENUM_KINDS[CM(g)->kind[en]];
    const char *v = k->vals[rnd(k->n)];
    xmf(x, "%s.%s.%s", CM(g)->name, k->name, v);
    xlf(x, "%s.%s.%s", CM(g)->name, k->name, v);
}

static void ex(G *g, X *x, int ty, int d, int en) {
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
static int edepth(void) {
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
            const char *w = WORDS[rnd(NELEM(WORDS))];
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

static void xpath(G *g, X *x, int mod, const ent_t *e) {
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

/* ---- statements ------------------------------------------------------------------------------ */
static int lines(G *g) {
    return (int)g->mdl.lines;
}
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
    const char *w = WORDS[rnd(NELEM(WORDS))];
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

/* ---- declarations -------------------------------------------------------------------------- */
static void gen_module(G *g) {
    if (g->nmods >= MAX_MODULES) die("too many modules");
    int idx = g->nmods++;
    mod_t *m = &g->mods[idx];
    memset(m, 0, sizeof *m);
    g->cm = idx;
    int round_ = idx / N_MODULE_NAMES;
    if (round_)
        snprintf(m->name, sizeof m->name, "%s%d", MODULE_NAMES[idx % N_MODULE_NAMES], round_ + 1);
    else
        snprintf(m->name, sizeof m->name, "%s", MODULE_NAMES[idx]);

    X x;
    x_init(&x);
    xmf(&x, "-- Module %s: domain model, security and logic", m->name);
    xlf(&x, "-- Module %s: domain model, security and logic", m->name);
    emit(g, &x);
    x_init(&x);
    xmf(&x, "create module %s;", m->name);
    xlf(&x, "local %s = {}", m->name);
    emit(g, &x);
    emit2(g, "", "");

    /* enumerations: 2..4 distinct kinds */
    int order[N_ENUM_KINDS];
    for (int i = 0; i < N_ENUM_KINDS; i++)
        order[i] = i;
    for (int i = N_ENUM_KINDS - 1; i > 0; i--) {
        int j = rnd(i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    m->nen = rnd_range(2, 4);
    for (int i = 0; i < m->nen; i++) {
        m->kind[i] = order[i];
        const enum_kind *k = &ENUM_KINDS[order[i]];
        x_init(&x);
        xmf(&x, "create enumeration %s.%s (", m->name, k->name);
        xlf(&x, "%s.%s = enum.new {", m->name, k->name);
        emit(g, &x);
        g->indent++;
        for (int v = 0; v < k->n; v++) {
            x_init(&x);
            xmf(&x, "%s '%s'%s", k->vals[v], k->caps[v], v + 1 < k->n ? "," : "");
            xlf(&x, "%s = '%s',", k->vals[v], k->caps[v]);
            emit(g, &x);
        }
        g->indent--;
        emit2(g, ");", "}");
    }
    emit2(g, "", "");

    /* constants */
    m->nconst = rnd_range(1, 3);
    for (int i = 1; i <= m->nconst; i++) {
        int v = 10 * rnd_range(1, 50);
        x_init(&x);
        xmf(&x, "create constant %s.Limit%d type Integer default %d exposed to client;", m->name, i,
            v);
        xlf(&x, "%s.Limit%d = %d", m->name, i, v);
        emit(g, &x);
    }
    emit2(g, "", "");

    /* entities */
    int eorder[N_ENTITY_NAMES];
    for (int i = 0; i < N_ENTITY_NAMES; i++)
        eorder[i] = i;
    for (int i = N_ENTITY_NAMES - 1; i > 0; i--) {
        int j = rnd(i + 1), t = eorder[i];
        eorder[i] = eorder[j];
        eorder[j] = t;
    }
    int nclient = rnd_range(5, MAX_ENTS - 3);
    m->ne = nclient + 2;
    for (int i = 0; i < m->ne; i++) {
        ent_t *e = &m->e[i];
        memset(e, 0, sizeof *e);
        if (i < nclient) {
            snprintf(e->name, sizeof e->name, "%s", ENTITY_NAMES[eorder[i]]);
            e->a[e->na++] = (attr_t){"Name", T_STR, 200, 0};
            /* one attribute of each type, then extras */
            e->a[e->na++] =
                (attr_t){STR_ATTRS[rnd(NELEM(STR_ATTRS))], T_STR, 20 * rnd_range(1, 10), 0};
            int ii = rnd(NELEM(INT_ATTRS)), di = rnd(NELEM(DEC_ATTRS));
            int bi = rnd(NELEM(BOOL_ATTRS)), ti = rnd(NELEM(DT_ATTRS));
            e->a[e->na++] = (attr_t){INT_ATTRS[ii], T_INT, 0, 0};
            e->a[e->na++] = (attr_t){DEC_ATTRS[di], T_DEC, 0, 0};
            e->a[e->na++] = (attr_t){BOOL_ATTRS[bi], T_BOOL, 0, 0};
            e->a[e->na++] = (attr_t){DT_ATTRS[ti], T_DT, 0, 0};
            e->a[e->na++] = (attr_t){"Number", T_LONG, 0, 0};
            int en = rnd(m->nen);
            e->a[e->na++] = (attr_t){ENUM_KINDS[m->kind[en]].name, T_ENUM, 0, en};
            int extra = rnd_range(0, 6);
            for (int k = 0; k < extra; k++) {
                attr_t a = {NULL, T_VOID, 0, 0};
                switch (rnd(5)) {
                case 0: a = (attr_t){STR_ATTRS[rnd(NELEM(STR_ATTRS))], T_STR, 0, 0}; break;
                case 1:
                    a = (attr_t){INT_ATTRS[(ii + 1 + rnd(NELEM(INT_ATTRS) - 1)) % NELEM(INT_ATTRS)],
                                 T_INT, 0, 0};
                    break;
                case 2:
                    a = (attr_t){DEC_ATTRS[(di + 1 + rnd(NELEM(DEC_ATTRS) - 1)) % NELEM(DEC_ATTRS)],
                                 T_DEC, 0, 0};
                    break;
                case 3:
                    a = (attr_t){
                        BOOL_ATTRS[(bi + 1 + rnd(NELEM(BOOL_ATTRS) - 1)) % NELEM(BOOL_ATTRS)],
                        T_BOOL, 0, 0};
                    break;
                default: {
                    int en2 = rnd(m->nen);
                    a = (attr_t){ENUM_KINDS[m->kind[en2]].name, T_ENUM, 0, en2};
                }
                }
                if (a.ty == T_STR) a.len = rnd(4) ? 50 * rnd_range(1, 8) : 0;
                bool dup = false;
                for (int q = 0; q < e->na; q++)
                    if (strcmp(e->a[q].name, a.name) == 0) dup = true;
                if (!dup) e->a[e->na++] = a;
            }
        } else if (i == nclient) {
            snprintf(e->name, sizeof e->name, "AuditLog");
            e->server = true;
            e->a[e->na++] = (attr_t){"Seq", T_INT, -1, 0}; /* AutoNumber */
            e->a[e->na++] = (attr_t){"Message", T_STR, 0, 0};
            e->a[e->na++] = (attr_t){"At", T_DT, 0, 0};
        } else {
            snprintf(e->name, sizeof e->name, "Tag");
            e->server = true;
            e->a[e->na++] = (attr_t){"Label", T_STR, 50, 0};
        }
    }
    for (int i = 0; i < m->ne; i++) {
        ent_t *e = &m->e[i];
        x_init(&x);
        xmf(&x, "/** %s of module %s. */", e->name, m->name);
        xlf(&x, "--- %s of module %s.", e->name, m->name);
        emit(g, &x);
        x_init(&x);
        xmf(&x, "create persistent entity %s.%s (", m->name, e->name);
        xlf(&x, "%s.%s = db.entity('%s.%s', {", m->name, e->name, m->name, e->name);
        emit(g, &x);
        g->indent++;
        for (int k = 0; k < e->na; k++) {
            const attr_t *a = &e->a[k];
            const char *sep = k + 1 < e->na ? "," : "";
            x_init(&x);
            xmf(&x, "%s: ", a->name);
            xlf(&x, "%s = { ", a->name);
            switch (a->ty) {
            case T_STR:
                if (a->len) {
                    xmf(&x, "String(%d)", a->len);
                    xlf(&x, "'String', %d", a->len);
                } else {
                    xm(&x, "String(unlimited)");
                    xl(&x, "'String'");
                }
                if (k == 0) {
                    xm(&x, " not null error 'Name is required'");
                    xl(&x, ", required = 'Name is required'");
                }
                break;
            case T_INT:
                if (a->len < 0) {
                    xm(&x, "AutoNumber default 1");
                    xl(&x, "'AutoNumber', default = 1");
                } else {
                    xm(&x, "Integer default 0");
                    xl(&x, "'Integer', default = 0");
                }
                break;
            case T_LONG: xb(&x, "Long", "'Long'"); break;
            case T_DEC: xb(&x, "Decimal default 0", "'Decimal', default = 0"); break;
            case T_BOOL: xb(&x, "Boolean default false", "'Boolean', default = false"); break;
            case T_DT: xb(&x, "DateTime", "'DateTime'"); break;
            case T_ENUM: {
                const enum_kind *k2 = &ENUM_KINDS[m->kind[a->en]];
                xmf(&x, "Enumeration(%s.%s) default %s.%s.%s", m->name, k2->name, m->name, k2->name,
                    k2->vals[0]);
                xlf(&x, "%s.%s, default = %s.%s.%s", m->name, k2->name, m->name, k2->name,
                    k2->vals[0]);
                break;
            }
            default: die("internal: attribute type");
            }
            xm(&x, sep);
            xl(&x, " },");
            emit(g, &x);
        }
        g->indent--;
        if (!e->server && chance(40))
            emit2(g, ") index (Name);", "}, { index = { 'Name' } })");
        else
            emit2(g, ");", "})");
    }
    /* associations: client entities point at earlier ones (Reference); server ones are n-m */
    for (int i = 1; i < nclient; i++) {
        ent_t *e = &m->e[i];
        int n = chance(70) ? (chance(25) ? 2 : 1) : 0;
        for (int k = 0; k < n; k++) {
            int t = rnd(i);
            if (k == 1 && t == e->assoc_to[0]) break;
            e->assoc_to[k] = t;
            char assoc[sizeof e->assoc[k]]; /* e may be m->e[t] as far as the compiler knows */
            snprintf(assoc, sizeof assoc, "%s_%s", e->name, m->e[t].name);
            memcpy(e->assoc[k], assoc, sizeof assoc);
            e->nassoc++;
            x_init(&x);
            xmf(&x, "create association %s.%s from %s.%s to %s.%s type Reference%s;", m->name,
                e->assoc[k], m->name, e->name, m->name, m->e[t].name,
                chance(30) ? " delete_behavior DELETE_BUT_KEEP_REFERENCES" : "");
            xlf(&x, "%s.%s = db.association(%s.%s, %s.%s, 'Reference')", m->name, e->assoc[k],
                m->name, e->name, m->name, m->e[t].name);
            emit(g, &x);
        }
    }
    x_init(&x);
    xmf(&x,
        "create association %s.AuditLog_Tag from %s.AuditLog to %s.Tag type ReferenceSet owner "
        "Both;",
        m->name, m->name, m->name);
    xlf(&x, "%s.AuditLog_Tag = db.association(%s.AuditLog, %s.Tag, 'ReferenceSet', 'Both')",
        m->name, m->name, m->name);
    emit(g, &x);
    emit2(g, "", "");

    /* security */
    x_init(&x);
    xmf(&x, "create module role %s.User;", m->name);
    xlf(&x, "%s.User = security.role('%s.User')", m->name, m->name);
    emit(g, &x);
    for (int i = 0; i < nclient; i++) {
        x_init(&x);
        xmf(&x, "grant %s.User on %s.%s (create, delete, read *, write *);", m->name, m->name,
            m->e[i].name);
        xlf(&x, "security.grant(%s.User, %s.%s, { 'create', 'delete', read = '*', write = '*' })",
            m->name, m->name, m->e[i].name);
        emit(g, &x);
    }
    emit2(g, "", "");
}

static const char *const PARAM_NAMES[] = {"Limit", "Label", "Factor", "Force", "Since"};
static const int PARAM_TYPES[] = {T_INT, T_STR, T_DEC, T_BOOL, T_DT};

static void gen_flow(G *g, int target) {
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

/* ---- main ------------------------------------------------------------------------------------ */
static void usage(FILE *o) {
    fprintf(
        o, "usage: gen_frontend [--lines N] [--seed S] OUT.mdl OUT.lua\n"
           "Writes an MDL app of exactly N lines (default 100000, minimum 1000) and a Lua file of\n"
           "the same shape and line count; prints the line and byte counts of both.\n");
}

static long parse_num(const char *s, const char *what) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0) {
        fprintf(stderr, "gen_frontend: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    long n = 100000;
    uint64_t seed = 20240601;
    const char *paths[2] = {NULL, NULL};
    int np = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc)
            n = parse_num(argv[++i], "line count");
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = (uint64_t)parse_num(argv[++i], "seed");
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] != '-' && np < 2)
            paths[np++] = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    if (np != 2) {
        usage(stderr);
        return 2;
    }
    if (n < 1000) n = 1000; /* room for one module's declarations */
    rng_state = seed;

    G *g = calloc(1, sizeof *g);
    if (!g) die("out of memory");
    g->mods = calloc(MAX_MODULES, sizeof *g->mods);
    g->flows = calloc(MAX_FLOWS, sizeof *g->flows);
    if (!g->mods || !g->flows) die("out of memory");
    g->mdl.path = paths[0];
    g->lua.path = paths[1];
    g->mdl.f = fopen(paths[0], "wb");
    g->lua.f = fopen(paths[1], "wb");
    if (!g->mdl.f || !g->lua.f) die("cannot open output file");

    X x;
    x_init(&x);
    xmf(&x, "-- Generated by bench/gen_frontend (seed %llu, %ld lines). Do not edit.",
        (unsigned long long)seed, n);
    xlf(&x, "-- Generated by bench/gen_frontend (seed %llu, %ld lines). Do not edit.",
        (unsigned long long)seed, n);
    emit(g, &x);
    emit2(g, "",
          "local db, list, str, num, enum = require('nf.db'), require('nf.list'), "
          "require('nf.str'), require('nf.num'), require('nf.enum')");
    emit2(g, "",
          "local date, log, ui, sync, security = require('nf.date'), require('nf.log'), "
          "require('nf.ui'), require('nf.sync'), require('nf.security')");

    const long pad_max = 12;
    int module_budget = 0, module_start = 0;
    while (n - g->mdl.lines > pad_max + 8) {
        long left = n - g->mdl.lines;
        if (g->nmods == 0 || (lines(g) - module_start >= module_budget && left > 600)) {
            module_start = lines(g);
            module_budget = rnd_range(1500, 3500);
            gen_module(g);
            continue;
        }
        int target = rnd(3) ? rnd_range(15, 60) : rnd_range(40, 140);
        /* flows may exceed the target by a few lines (the optional grant) */
        if (target > left - pad_max) target = (int)(left - pad_max);
        if (target < 10) break;
        gen_flow(g, target);
    }
    /* pad to exactly n lines with constants of the last module */
    mod_t *last = &g->mods[g->nmods - 1];
    int k = last->nconst;
    while (g->mdl.lines < n) {
        x_init(&x);
        k++;
        xmf(&x, "create constant %s.Limit%d type Integer default %d;", last->name, k, 10 * k);
        xlf(&x, "%s.Limit%d = %d", last->name, k, 10 * k);
        emit(g, &x);
    }
    if (fclose(g->mdl.f) || fclose(g->lua.f)) die("write failed");
    int nmf = 0;
    for (int i = 0; i < g->nflows; i++)
        nmf += g->flows[i].micro;
    printf("mdl: %s  %ld lines  %ld bytes  (%d modules, %d nanoflows, %d microflows)\n", paths[0],
           g->mdl.lines, g->mdl.bytes, g->nmods, g->nflows - nmf, nmf);
    printf("lua: %s  %ld lines  %ld bytes\n", paths[1], g->lua.lines, g->lua.bytes);
    free(g->mods);
    free(g->flows);
    free(g);
    return 0;
}
