/* cc_model.h — the checked model: symbols the semantic analysis builds from declarations.
 *
 * Everything lives in the compilation arena. The code generator (bytecode issue) reads this
 * model and the typed AST; the offline rules and the linter read it too. Indices are stable,
 * in declaration order, so output is deterministic. */
#ifndef NF_CC_MODEL_H
#define NF_CC_MODEL_H

#include "cc_ast.h"

typedef struct nf_cc_module {
    nf_cc_sym *name;
    nf_cc_span span;
    bool declared; /* by `create module` (otherwise implied by a qualified name) */
    bool system;
} nf_cc_module;

typedef struct nf_cc_enum {
    nf_cc_sym *name; /* Module.Enum */
    nf_cc_module *module;
    nf_cc_enum_value_decl *values;
    uint32_t nvalues;
    nf_cc_map value_index; /* value name → index + 1 */
    nf_cc_decl *decl;
    uint32_t index;
} nf_cc_enum;

typedef struct nf_cc_entity nf_cc_entity;

typedef struct nf_cc_attr {
    nf_cc_sym *name;
    nf_cc_entity *owner;
    nf_cc_type type;  /* value type seen by expressions */
    uint8_t declared; /* nf_cc_typeref_kind as written (AutoNumber, HashedString, …) */
    int32_t length;   /* String: max length, 0 = unlimited */
    bool calculated, autonumber, hashed, system_member, binary;
    bool not_null, unique, required;
    nf_cc_attr_decl *decl; /* NULL for built-in members */
    nf_cc_span span;
    uint32_t index; /* position within the owner's own attributes */
} nf_cc_attr;

typedef struct nf_cc_assoc {
    nf_cc_sym *name; /* Module.Assoc */
    nf_cc_module *module;
    nf_cc_entity *from, *to; /* FROM holds the reference */
    bool reference_set, owner_both;
    uint8_t delete_behavior;
    nf_cc_decl *decl;
    nf_cc_span span;
    uint32_t index;
} nf_cc_assoc;

struct nf_cc_entity {
    nf_cc_sym *name; /* Module.Entity */
    nf_cc_module *module;
    uint8_t persist; /* nf_cc_persist */
    nf_cc_entity *generalization;
    nf_cc_attr **attrs; /* own attributes, declaration order */
    uint32_t nattrs;
    nf_cc_map attr_by_name; /* own attributes by simple name */
    nf_cc_decl *decl;
    nf_cc_span span;
    uint32_t index;
    bool system;
    bool resolving, resolved; /* generalization cycle detection */
    /* offline */
    bool offline;      /* synchronized to devices */
    bool in_profile;   /* named in an offline profile */
    bool used_offline; /* used by a nanoflow */
    nf_cc_span used_span;
    nf_cc_profile_entry *profile; /* NULL: download all by default */
};

typedef struct nf_cc_var nf_cc_var;

typedef struct nf_cc_flow {
    nf_cc_sym *name; /* Module.Flow */
    nf_cc_module *module;
    uint8_t kind; /* nf_cc_flowkind */
    nf_cc_var **params;
    uint32_t nparams;
    nf_cc_type ret;
    nf_cc_decl *decl;
    uint32_t index;
    bool called_from_nanoflow;
    nf_cc_span call_span; /* first call from a nanoflow */
    /* filled by flow checking */
    nf_cc_var **vars; /* every variable of the flow, parameters first */
    uint32_t nvars;
} nf_cc_flow;

typedef struct nf_cc_action {
    nf_cc_sym *name;
    uint8_t kind; /* nf_cc_actionkind */
    nf_cc_param_decl *params;
    nf_cc_type *param_types;
    uint32_t nparams;
    nf_cc_type ret;
    nf_cc_decl *decl;
    uint32_t index;
} nf_cc_action;

typedef struct nf_cc_constant {
    nf_cc_sym *name;
    nf_cc_type type;
    nf_cc_decl *decl;
    uint32_t index;
} nf_cc_constant;

typedef struct nf_cc_role {
    nf_cc_sym *name;
    bool user_role;                   /* otherwise a module role */
    struct nf_cc_role **module_roles; /* user role: its module roles */
    uint32_t nmodule_roles;
    nf_cc_decl *decl;
    uint32_t index;
} nf_cc_role;

typedef enum nf_cc_varkind {
    NF_VAR_PARAM,
    NF_VAR_LOCAL,
    NF_VAR_ITERATOR,
    NF_VAR_PREDEFINED
} nf_cc_varkind;

struct nf_cc_var {
    nf_cc_sym *name;
    nf_cc_type type;
    nf_cc_span span;
    uint8_t kind;        /* nf_cc_varkind */
    uint32_t index;      /* in the flow's vars */
    uint32_t loop_depth; /* loops enclosing the creation point */
    bool dead;           /* its loop has ended: visible only for a precise error */
};

typedef struct nf_cc_model {
    nf_cc_vec modules, enums, entities, assocs, flows, actions, constants, roles;
    nf_cc_vec decls_validation, decls_grants, decls_demo_users, decls_profiles, decls_pages;
    nf_cc_map module_by_name, enum_by_name, entity_by_name, assoc_by_name, flow_by_name,
        action_by_name, constant_by_name, role_by_name, regex_by_name, page_by_name;
    nf_cc_entity *system_user, *system_filedocument, *system_image, *system_error;
} nf_cc_model;

/* ---- type helpers (cc_types.c) ------------------------------------------------------------- */

static inline nf_cc_type nf_cc_t(nf_cc_tkindv k) {
    nf_cc_type t;
    t.kind = (uint8_t)k;
    t.u.entity = NULL;
    return t;
}
static inline nf_cc_type nf_cc_t_object(nf_cc_entity *e) {
    nf_cc_type t = nf_cc_t(NF_T_OBJECT);
    t.u.entity = e;
    return t;
}
static inline nf_cc_type nf_cc_t_list(nf_cc_entity *e) {
    nf_cc_type t = nf_cc_t(NF_T_LIST);
    t.u.entity = e;
    return t;
}
static inline nf_cc_type nf_cc_t_enum(nf_cc_enum *e) {
    nf_cc_type t = nf_cc_t(NF_T_ENUM);
    t.u.enumeration = e;
    return t;
}
static inline bool nf_cc_is_numeric(nf_cc_type t) {
    return t.kind == NF_T_INTEGER || t.kind == NF_T_LONG || t.kind == NF_T_DECIMAL;
}
static inline bool nf_cc_is_integral(nf_cc_type t) {
    return t.kind == NF_T_INTEGER || t.kind == NF_T_LONG;
}

/* Human-readable type, e.g. "List of Sales.Order"; buf must hold 160 bytes. */
const char *nf_cc_type_name(nf_cc_type t, char *buf, size_t n);
/* Whether entity e is sub (or equal to) entity sup. */
bool nf_cc_entity_is_a(const nf_cc_entity *sub, const nf_cc_entity *sup);
/* Whether a value of type `from` can be stored where `to` is expected (Integer → Decimal,
 * empty → anything, specialization → generalization). */
bool nf_cc_assignable(nf_cc_type to, nf_cc_type from);
/* Looks up an attribute by simple name through the generalization chain. */
nf_cc_attr *nf_cc_entity_attr(const nf_cc_entity *e, const nf_cc_sym *name);
/* The root of e's generalization chain. */
const nf_cc_entity *nf_cc_entity_root(const nf_cc_entity *e);

#endif
