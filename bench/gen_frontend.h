/* gen_frontend.h — internal interface of the front-end benchmark generator, shared by its three
 * sources and used nowhere else:
 *
 *   gen_frontend.c       PRNG, name tables, output buffers, emitting, module declarations, main
 *   gen_frontend_expr.c  flow-scoped variables, typed expressions, XPath constraints
 *   gen_frontend_stmt.c  statements, blocks and whole flows
 *
 * Every piece of MDL is built together with its Lua counterpart in an X and written by emit(),
 * one line in each file, so both outputs always have the same number of lines. */
#ifndef NF_BENCH_GEN_FRONTEND_H
#define NF_BENCH_GEN_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

#define NELEM(a) (int)(sizeof(a) / sizeof((a)[0]))

/* value types of attributes, parameters, variables and expressions */
enum { T_VOID, T_INT, T_LONG, T_DEC, T_STR, T_BOOL, T_DT, T_ENUM, T_OBJ, T_LIST };

/* an enumeration: name, values and their captions */
typedef struct {
    const char *name;
    int n;
    const char *vals[6];
    const char *caps[6];
} enum_kind;

/* the enumeration kinds a module picks from (mod_t.kind indexes this table) */
extern const enum_kind ENUM_KINDS[];

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

/* an expression (or line) in both languages */
typedef struct {
    char m[XCAP];
    char l[XCAP];
    size_t mn, ln;
} X;

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

/* current module, entity ent of module mod, whether the current flow is a microflow */
static inline mod_t *CM(G *g) {
    return &g->mods[g->cm];
}
static inline ent_t *ENT(G *g, int mod, int ent) {
    return &g->mods[mod].e[ent];
}
static inline bool micro(G *g) {
    return g->cf->micro;
}
/* MDL lines written so far (the Lua file always has as many) */
static inline int lines(G *g) {
    return (int)g->mdl.lines;
}

/* ---- gen_frontend.c: PRNG, output ------------------------------------------------------------ */
/* Deterministic splitmix64 stream seeded in main; its state is private to gen_frontend.c. */
int rnd(int n);                /* uniform in [0, n); n > 0 */
bool chance(int pct);          /* true with probability pct percent */
int rnd_range(int lo, int hi); /* uniform in [lo, hi] */
const char *rnd_word(void);    /* a random word for string literals and messages */

void die(const char *msg); /* prints "gen_frontend: msg" and exits 2 */

/* building an X: reset, append to the MDL side (m), the Lua side (l), both (b: each its own text,
 * bs: the same text), another X, or printf-formatted text */
void x_init(X *x);
void xm(X *x, const char *s);
void xl(X *x, const char *s);
void xb(X *x, const char *m, const char *l);
void xbs(X *x, const char *s);
void xcat(X *x, const X *y);
void xmf(X *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void xlf(X *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* write one indented line to both files */
void emit(G *g, const X *x);
void emit2(G *g, const char *m, const char *l);

/* ---- gen_frontend_expr.c: variables, expressions, XPath ----------------------------------- */
/* a new variable with a flow-unique name derived from base */
var_t *new_var(G *g, const char *base, int ty, int mod, int ent);
/* in-scope variables (or NULL): of the type (T_ENUM: of enumeration (mod, en)), settable,
 * a list of entity (mod, ent) other than not_this, an object of entity (mod, ent) */
var_t *pick_var(G *g, int ty, int mod, int en);
var_t *pick_settable(G *g);
var_t *pick_list_of(G *g, int mod, int ent, const var_t *not_this);
var_t *pick_obj_of(G *g, int mod, int ent);
/* attribute of the entity with the type (and enumeration), or NULL */
const attr_t *pick_attr(const ent_t *e, int ty, int en);

/* expressions of type ty and nesting depth d (en: enumeration index for T_ENUM) */
void ex(G *g, X *x, int ty, int d, int en);
void ex_str(G *g, X *x, int d);
void ex_bool(G *g, X *x, int d);
void ex_enum(G *g, X *x, int en);
void word_lit(X *x); /* a quoted random word */
int edepth(void);    /* a typical expression depth: mostly 1, sometimes 0 or 2 */
/* an XPath constraint on entity e of module mod; Lua side: a predicate closure */
void xpath(G *g, X *x, int mod, const ent_t *e);

/* ---- gen_frontend_stmt.c: statements, flows ------------------------------------------------ */
/* one nanoflow or microflow of about target lines in the current module */
void gen_flow(G *g, int target);

#endif
