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
 * (splitmix64) and no floating point.
 *
 * This file holds the PRNG, name tables, output, module declarations and main; expressions are in
 * gen_frontend_expr.c, statements and flows in gen_frontend_stmt.c (see gen_frontend.h). */
#include "gen_frontend.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- deterministic PRNG ------------------------------------------------------------------- */
/* The generator's only mutable global: seeded once in main, advanced by rnd(). Kept
 * file-static; the other files draw numbers through rnd(), chance() and rnd_range(). */
static uint64_t rng_state;

static uint64_t rng_next(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform in [0, n); n > 0 */
int rnd(int n) {
    return (int)(rng_next() % (uint64_t)n);
}
/* true with probability pct percent */
bool chance(int pct) {
    return rnd(100) < pct;
}
int rnd_range(int lo, int hi) {
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

const enum_kind ENUM_KINDS[] = {
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

static const char *const STR_ATTRS[] = {"Code",  "Description", "Email",   "Phone",
                                        "Title", "City",        "Comment", "Reference"};
static const char *const INT_ATTRS[] = {"Quantity", "Visits",   "Score", "Position",
                                        "Attempts", "Duration", "Level", "Rank"};
static const char *const DEC_ATTRS[] = {"Amount", "Price",   "Total", "Discount",
                                        "Weight", "Balance", "Rate",  "Cost"};
static const char *const BOOL_ATTRS[] = {"Active",   "Approved", "Paid",
                                         "Archived", "Urgent",   "Verified"};
static const char *const DT_ATTRS[] = {"Created", "DueDate", "ClosedAt", "PlannedAt", "LastVisit"};

static const char *const WORDS[] = {"alpha", "north", "open",  "gold",   "rapid", "blue",
                                    "prime", "delta", "quiet", "silver", "local", "urgent",
                                    "fresh", "major", "minor", "green",  "basic", "smart"};
/* a random word for string literals and messages */
const char *rnd_word(void) {
    return WORDS[rnd(NELEM(WORDS))];
}

/* ---- output -------------------------------------------------------------------------------- */
void die(const char *msg) {
    fprintf(stderr, "gen_frontend: %s\n", msg);
    exit(2);
}

static void out_write(out_t *o, const char *s, size_t n) {
    if (fwrite(s, 1, n, o->f) != n) die("write failed");
    o->bytes += (long)n;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n') o->lines++;
}

void x_init(X *x) {
    x->m[0] = x->l[0] = '\0';
    x->mn = x->ln = 0;
}

static void app(char *buf, size_t *n, const char *s) {
    size_t k = strlen(s);
    if (*n + k >= XCAP) die("expression too long (internal limit)");
    memcpy(buf + *n, s, k + 1);
    *n += k;
}

void xm(X *x, const char *s) {
    app(x->m, &x->mn, s);
}
void xl(X *x, const char *s) {
    app(x->l, &x->ln, s);
}
void xb(X *x, const char *m, const char *l) {
    xm(x, m);
    xl(x, l);
}
void xbs(X *x, const char *s) {
    xb(x, s, s);
}
void xcat(X *x, const X *y) {
    xm(x, y->m);
    xl(x, y->l);
}

void xmf(X *x, const char *fmt, ...) {
    char tmp[XCAP];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof tmp) die("line too long (internal limit)");
    xm(x, tmp);
}

void xlf(X *x, const char *fmt, ...) {
    char tmp[XCAP];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof tmp) die("line too long (internal limit)");
    xl(x, tmp);
}
/* ---- emitting ------------------------------------------------------------------------------ */
void emit(G *g, const X *x) {
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

void emit2(G *g, const char *m, const char *l) {
    X x;
    x_init(&x);
    xb(&x, m, l);
    emit(g, &x);
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
            /* draws in statements of their own: the order of initializers is unspecified */
            const char *sname = STR_ATTRS[rnd(NELEM(STR_ATTRS))];
            int slen = 20 * rnd_range(1, 10);
            e->a[e->na++] = (attr_t){sname, T_STR, slen, 0};
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
