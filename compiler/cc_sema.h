/* cc_sema.h — semantic analysis state shared by cc_sema_*.c and cc_rules.c. */
#ifndef NF_CC_SEMA_H
#define NF_CC_SEMA_H

#include "cc_diag.h"
#include "cc_model.h"

typedef enum nf_cc_builtin {
#define FN(id, name, sig, flags) NF_CFN_##id,
#include "cc_builtins.def"
#undef FN
    NF_CFN_COUNT_
} nf_cc_builtin;

/* Where an XPath constraint appears: decides which features are allowed. */
typedef enum nf_cc_xpath_use {
    NF_XP_NANOFLOW_RETRIEVE, /* offline rules NF5008–NF5011 apply */
    NF_XP_MICROFLOW_RETRIEVE,
    NF_XP_ACCESS_RULE,
    NF_XP_PROFILE
} nf_cc_xpath_use;

typedef struct nf_cc_sema {
    nf_cc_arena *arena;
    nf_cc_interner *in;
    nf_cc_diags *d;
    nf_cc_model *m;
    bool oom;
    bool infer_returns;  /* nf_cc_set_infer_returns: `return EXPR` types a flow without `returns` */
    bool tests;          /* nf_cc_set_tests: `create test` declarations are checked and built */
    nf_cc_sources *srcs; /* the source texts (test statements keep their lines and text) */
    /* well-known names */
    nf_cc_sym *s_current_object, *s_latest_error, *s_latest_error_type, *s_current_result,
        *s_current_index, *s_current_user, *s_current_session, *s_current_device_type, *s_system,
        *s_id;
    nf_cc_map builtins; /* function name → builtin id + 1 */
    /* the flow being checked */
    nf_cc_flow *flow;
    bool nanoflow;
    nf_cc_map vars;      /* name → nf_cc_var (dead ones kept for precise errors) */
    nf_cc_vec flow_vars; /* all variables of the flow */
    uint32_t loop_depth, handler_depth;
    nf_cc_entity *lambda_entity; /* $currentObject's entity inside list operations */
    bool in_lambda;
    nf_cc_type reduce_type; /* $currentResult's type inside reduce */
    bool in_reduce;
    nf_cc_map labels; /* merge label → statement */
    nf_cc_vec joins;
    /* enclosing `split type` branches: the object and the specialization a cast gives */
    nf_cc_var *split_vars[64];
    nf_cc_entity *split_ents[64];
    uint32_t nsplit;
} nf_cc_sema;

#endif

/* ---- cc_sema_decl.c: declarations, names, types ------------------------------------------ */

/* Collects and resolves every declaration of the unit into s->m. */
void nf_cc_sema_declarations(nf_cc_sema *s, nf_cc_unit *u);
/* Looks up by qualified name; reports NF1002/NF1005/… when report is set. */
nf_cc_entity *nf_cc_lookup_entity(nf_cc_sema *s, const nf_cc_qname *q, bool report);
nf_cc_enum *nf_cc_lookup_enum(nf_cc_sema *s, const nf_cc_qname *q, bool report);
nf_cc_assoc *nf_cc_lookup_assoc(nf_cc_sema *s, const nf_cc_qname *q);
/* Resolves a written type; false (and reported) when it names nothing. */
bool nf_cc_resolve_type(nf_cc_sema *s, const nf_cc_typeref *tr, nf_cc_type *out);
/* Resolves one member step from entity e: an attribute (simple name) or an association
 * (qualified name) in either direction. Reports NF1003 when report is set. On success fills
 * st->attr or st->assoc/st->entity/st->reverse. */
bool nf_cc_resolve_member(nf_cc_sema *s, nf_cc_entity *e, nf_cc_step *st, bool report);
/* Type of following association step st from its source entity: object or list. */
nf_cc_type nf_cc_assoc_step_type(const nf_cc_step *st);
/* Closest candidate to `name` among keys of map (for "did you mean"), or NULL. */
const char *nf_cc_suggest_map(const nf_cc_map *m, const char *name);
const char *nf_cc_suggest(const char *const *cands, uint32_t n, const char *name);

/* ---- cc_sema_expr.c: expressions --------------------------------------------------------- */

void nf_cc_builtins_init(nf_cc_sema *s);
/* Type-checks e, annotates e->type, returns it (NF_T_UNKNOWN after an error). */
nf_cc_type nf_cc_check_expr(nf_cc_sema *s, nf_cc_expr *e);
/* Checks e and that it fits `want`; what_fmt (printf-style, formatted only when reporting)
 * names the place for the message. */
bool nf_cc_check_assign(nf_cc_sema *s, nf_cc_expr *e, nf_cc_type want, const char *what_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Whether enumeration value `name` (simple name) exists in en; its index or -1. */
int32_t nf_cc_enum_value_index(const nf_cc_enum *en, const nf_cc_sym *name);

/* ---- cc_sema_xpath.c ---------------------------------------------------------------------- */

void nf_cc_check_xpath(nf_cc_sema *s, nf_cc_expr *x, nf_cc_entity *ctx, nf_cc_xpath_use use);

/* ---- cc_sema_flow.c ---------------------------------------------------------------------- */

void nf_cc_check_flow(nf_cc_sema *s, nf_cc_flow *f);
/* Marks entity e as used by offline logic (nanoflows). */
void nf_cc_mark_offline_use(nf_cc_sema *s, nf_cc_entity *e, nf_cc_span at);

/* ---- cc_sema_test.c: assert, mock, network, expect --------------------------------------- */

/* Checks test statement st (NF3009 outside `create test`) and lowers it in place to a call of
 * a NanoflowTest action. */
void nf_cc_sema_test_stmt(nf_cc_sema *s, nf_cc_stmt *st);

/* ---- cc_rules.c: Mendix nanoflow rules and the seed's offline rules ----------------------- */

/* Per-statement checks for the flow kind (NF40xx). */
void nf_cc_rules_stmt(nf_cc_sema *s, nf_cc_stmt *st);
/* Checks of an attribute used by offline logic (NF5002, NF5003). */
void nf_cc_rules_offline_attr(nf_cc_sema *s, const nf_cc_attr *a, nf_cc_span at);
/* Microflow-call argument and result rules from nanoflows (NF5006, NF5007). */
void nf_cc_rules_microflow_value(nf_cc_sema *s, nf_cc_type t, nf_cc_span at, const char *what);
/* Whole-model offline rules after all flows are checked (NF5001, NF5004, NF5005, NF5012). */
void nf_cc_rules_offline_model(nf_cc_sema *s);
