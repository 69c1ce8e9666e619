/* cc_ast.h — the syntax tree of MDL sources.
 *
 * One compilation unit holds the declarations of every source file in order. Nodes are
 * allocated in the compilation arena and never freed individually. Every node carries a span
 * for diagnostics. Semantic analysis fills the `sema` fields (types, resolved symbols) in
 * place; the parser leaves them zero. */
#ifndef NF_CC_AST_H
#define NF_CC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cc_arena.h"
#include "cc_intern.h"
#include "cc_source.h"

struct nf_cc_entity;
struct nf_cc_attr;
struct nf_cc_assoc;
struct nf_cc_enum;
struct nf_cc_flow;
struct nf_cc_var;
struct nf_cc_constant;
struct nf_cc_action;

/* ---- names -------------------------------------------------------------------------------- */

/* A possibly qualified name such as Sales.Order or Sales.Status.Open; `full` interns the
 * dotted text, `parts` the segments. */
typedef struct nf_cc_qname {
    nf_cc_sym *full;
    nf_cc_sym **parts;
    uint32_t nparts;
    nf_cc_span span;
} nf_cc_qname;

/* ---- types -------------------------------------------------------------------------------- */

typedef enum nf_cc_tkindv {
    NF_T_UNKNOWN = 0, /* not yet known, or already diagnosed: suppresses follow-on errors */
    NF_T_VOID,        /* Nothing / no return value */
    NF_T_BOOLEAN,
    NF_T_INTEGER,
    NF_T_LONG,
    NF_T_DECIMAL,
    NF_T_STRING,
    NF_T_DATETIME,
    NF_T_ENUM,
    NF_T_OBJECT,
    NF_T_LIST,
    NF_T_BINARY,
    NF_T_EMPTY, /* the literal `empty`: fits any type */
    NF_T_COUNT_
} nf_cc_tkindv;

/* The data type of a value, variable, parameter or attribute. */
typedef struct nf_cc_type {
    uint8_t kind; /* nf_cc_tkindv */
    union {
        struct nf_cc_entity *entity; /* OBJECT, LIST (NULL: any entity) */
        struct nf_cc_enum *enumeration;
    } u;
} nf_cc_type;

/* How a type is written in the source (before resolution). */
typedef enum nf_cc_typeref_kind {
    NF_TR_NONE = 0,
    NF_TR_BOOLEAN,
    NF_TR_INTEGER,
    NF_TR_LONG,
    NF_TR_DECIMAL,
    NF_TR_STRING,
    NF_TR_DATETIME,
    NF_TR_DATE,
    NF_TR_AUTONUMBER,
    NF_TR_HASHEDSTRING,
    NF_TR_BINARY,
    NF_TR_AUTOOWNER,
    NF_TR_AUTOCHANGEDBY,
    NF_TR_AUTOCREATEDDATE,
    NF_TR_AUTOCHANGEDDATE,
    NF_TR_CURRENCY,
    NF_TR_FLOAT,
    NF_TR_VOID,
    NF_TR_ENUM,
    NF_TR_OBJECT,
    NF_TR_LIST,
    NF_TR_STRINGTEMPLATE,
    NF_TR_TYPEPARAM
} nf_cc_typeref_kind;

typedef struct nf_cc_typeref {
    uint8_t kind;     /* nf_cc_typeref_kind */
    int32_t length;   /* String(n): n; String(unlimited) or String: -1 (0 = unlimited) */
    nf_cc_qname name; /* ENUM, OBJECT, LIST: the referenced name */
    nf_cc_span span;
} nf_cc_typeref;

/* ---- expressions ---------------------------------------------------------------------------- */

typedef enum nf_cc_exkind {
    NF_EX_INT,      /* integer literal: text in `lit` */
    NF_EX_DECIMAL,  /* decimal literal */
    NF_EX_STRING,   /* string literal (unescaped in `str`) */
    NF_EX_BOOL,     /* true / false */
    NF_EX_EMPTY,    /* empty / null */
    NF_EX_VAR,      /* $Name */
    NF_EX_PATH,     /* base/Member/Module.Assoc/...: `base` then `steps` */
    NF_EX_LISTATTR, /* $List.Attr (aggregate argument) */
    NF_EX_CONSTANT, /* @Module.Constant */
    NF_EX_QNAME,    /* Module.Enum.Value (or an unresolved bare name) */
    NF_EX_MXTOKEN,  /* [%CurrentDateTime%] */
    NF_EX_UNARY,    /* op a */
    NF_EX_BINARY,   /* a op b */
    NF_EX_CALL,     /* name(args) */
    NF_EX_IF,       /* if a then b else c */
    /* XPath only */
    NF_EX_XPATH_PATH, /* member path relative to the retrieved entity: steps, optional filter */
    NF_EX_XPATH_PRED, /* [ ... ] constraint group (and-combined when chained) */
} nf_cc_exkind;

typedef enum nf_cc_op {
    NF_OP_NONE,
    NF_OP_OR,
    NF_OP_AND,
    NF_OP_NOT,
    NF_OP_EQ,
    NF_OP_NE,
    NF_OP_LT,
    NF_OP_LE,
    NF_OP_GT,
    NF_OP_GE,
    NF_OP_ADD,
    NF_OP_SUB,
    NF_OP_MUL,
    NF_OP_DIV,
    NF_OP_MOD,
    NF_OP_NEG
} nf_cc_op;

typedef struct nf_cc_expr nf_cc_expr;

/* A member step in a path: an attribute name or a (qualified) association name, or in XPath
 * an entity name after an association. */
typedef struct nf_cc_step {
    nf_cc_qname name;
    nf_cc_expr *filter; /* XPath: Assoc/Entity[filter] */
    /* sema */
    struct nf_cc_attr *attr;
    struct nf_cc_assoc *assoc;
    struct nf_cc_entity *entity; /* entity reached after this step */
    bool reverse;                /* association followed from its TO side */
} nf_cc_step;

/* An expression node. Nodes are allocated at nf_cc_expr_size(kind) bytes, not sizeof: only the
 * union member of their own kind is there (it comes last), so copy one with nf_cc_expr_copy. */
struct nf_cc_expr {
    uint8_t kind;   /* nf_cc_exkind */
    uint8_t op;     /* nf_cc_op for UNARY/BINARY */
    bool in_parens; /* written inside ( ) — keeps `not(a) = b` readable in messages */
    nf_cc_span span;
    /* sema */
    nf_cc_type type;
    union {
        struct nf_cc_var *var;           /* VAR */
        struct nf_cc_constant *constant; /* CONSTANT */
        int32_t enum_value;              /* QNAME resolved to an enum value: its index */
        int32_t builtin;                 /* CALL: builtin function id */
    } ref;
    union {
        struct {
            const char *text;
            uint32_t len;
        } lit; /* INT/DECIMAL: digits as written */
        struct {
            char *s;
            uint32_t len;
        } str;          /* STRING: unescaped */
        bool b;         /* BOOL */
        nf_cc_sym *var; /* VAR, MXTOKEN (name) */
        struct {
            nf_cc_expr *base;
            nf_cc_step *steps;
            uint32_t nsteps;
        } path;
        struct {
            nf_cc_sym *list;
            nf_cc_qname attr;
        } listattr;
        nf_cc_qname qname; /* CONSTANT, QNAME */
        struct {
            nf_cc_expr *a, *b;
        } bin; /* UNARY uses a */
        struct {
            nf_cc_qname name;
            nf_cc_expr **args;
            uint32_t nargs;
        } call;
        struct {
            nf_cc_expr *c, *t, *e;
        } cond;
        struct {
            nf_cc_step *steps;
            uint32_t nsteps;
        } xpath;
        struct {
            nf_cc_expr *inner;
        } pred;
    } u;
};

#define NF_CC_EXPR_MEMBER_SIZE(m) (offsetof(nf_cc_expr, u) + sizeof(((nf_cc_expr *)0)->u.m))

/* The bytes an expression node of this kind takes (a multiple of 8, at most sizeof). */
static inline size_t nf_cc_expr_size(nf_cc_exkind kind) {
    size_t n;
    switch (kind) {
    case NF_EX_INT:
    case NF_EX_DECIMAL: n = NF_CC_EXPR_MEMBER_SIZE(lit); break;
    case NF_EX_STRING: n = NF_CC_EXPR_MEMBER_SIZE(str); break;
    case NF_EX_BOOL: n = NF_CC_EXPR_MEMBER_SIZE(b); break;
    case NF_EX_EMPTY: n = offsetof(nf_cc_expr, u); break;
    case NF_EX_VAR:
    case NF_EX_MXTOKEN: n = NF_CC_EXPR_MEMBER_SIZE(var); break;
    case NF_EX_PATH: n = NF_CC_EXPR_MEMBER_SIZE(path); break;
    case NF_EX_LISTATTR: n = NF_CC_EXPR_MEMBER_SIZE(listattr); break;
    case NF_EX_CONSTANT:
    case NF_EX_QNAME: n = NF_CC_EXPR_MEMBER_SIZE(qname); break;
    case NF_EX_UNARY:
    case NF_EX_BINARY: n = NF_CC_EXPR_MEMBER_SIZE(bin); break;
    case NF_EX_CALL: n = NF_CC_EXPR_MEMBER_SIZE(call); break;
    case NF_EX_IF: n = NF_CC_EXPR_MEMBER_SIZE(cond); break;
    case NF_EX_XPATH_PATH: n = NF_CC_EXPR_MEMBER_SIZE(xpath); break;
    case NF_EX_XPATH_PRED: n = NF_CC_EXPR_MEMBER_SIZE(pred); break;
    default: n = sizeof(nf_cc_expr); break;
    }
    n = (n + 7u) & ~(size_t)7u;
    return n < sizeof(nf_cc_expr) ? n : sizeof(nf_cc_expr);
}

/* *to = *from for a node allocated at its kind's size (members of other kinds read as zero). */
static inline void nf_cc_expr_copy(nf_cc_expr *to, const nf_cc_expr *from) {
    memset(to, 0, sizeof *to);
    memcpy(to, from, nf_cc_expr_size((nf_cc_exkind)from->kind));
}

/* ---- statements ------------------------------------------------------------------------------ */

typedef enum nf_cc_handler_kind {
    NF_H_NONE = 0,          /* none written: Abort (nanoflow) / Rollback (microflow) */
    NF_H_CONTINUE,          /* on error continue */
    NF_H_ROLLBACK,          /* on error rollback */
    NF_H_CUSTOM,            /* on error { ... } / begin ... end error: custom with rollback */
    NF_H_CUSTOM_NO_ROLLBACK /* on error without rollback ... */
} nf_cc_handler_kind;

typedef struct nf_cc_stmt nf_cc_stmt;

typedef struct nf_cc_block {
    nf_cc_stmt **stmts;
    uint32_t n;
    nf_cc_span span;
} nf_cc_block;

typedef struct nf_cc_handler {
    uint8_t kind; /* nf_cc_handler_kind */
    nf_cc_block body;
    nf_cc_span span;
} nf_cc_handler;

typedef enum nf_cc_stkind {
    NF_ST_DECLARE,
    NF_ST_SET,
    NF_ST_CREATE,
    NF_ST_CHANGE,
    NF_ST_COMMIT,
    NF_ST_DELETE,
    NF_ST_ROLLBACK,
    NF_ST_CAST,
    NF_ST_RETRIEVE,
    NF_ST_CREATE_LIST,
    NF_ST_ADD,
    NF_ST_REMOVE,
    NF_ST_CLEAR,
    NF_ST_LISTOP,
    NF_ST_AGGREGATE,
    NF_ST_IF,
    NF_ST_CASE,
    NF_ST_SPLIT,
    NF_ST_LOOP,
    NF_ST_WHILE,
    NF_ST_BREAK,
    NF_ST_CONTINUE,
    NF_ST_RETURN,
    NF_ST_RAISE,
    NF_ST_THROW,
    NF_ST_CALL,
    NF_ST_SHOW_PAGE,
    NF_ST_CLOSE_PAGE,
    NF_ST_SHOW_MESSAGE,
    NF_ST_FEEDBACK,
    NF_ST_LOG,
    NF_ST_SYNC,
    NF_ST_TRY,
    NF_ST_MERGE,
    NF_ST_JOIN,
    NF_ST_CLEAR_DEVICE,
    NF_ST_CANCEL_SYNC,
    NF_ST_PROGRESS,  /* extension: show progress [text] [blocking] | hide progress */
    NF_ST_FORBIDDEN, /* a server-side action (REST, Java action, workflows, …): kept by name */
    NF_ST_BROKEN,    /* a statement with a syntax error that creates u.forbidden.var: the
                        variable still exists, so its uses do not cascade into more errors */
    NF_ST_TEST,      /* assert, mock, network, expect (`create test` only): semantic analysis
                        lowers it to a call of a NanoflowTest action (cc_sema_test.c) */
    NF_ST_COUNT_
} nf_cc_stkind;

/* Member assignment in create/change: Name = expr. */
typedef struct nf_cc_assign {
    nf_cc_qname member;
    nf_cc_expr *value;
    nf_cc_step resolved; /* sema: attribute or association */
} nf_cc_assign;

/* Named argument: Param = expr (also $Param = expr, Param: expr). */
typedef struct nf_cc_arg {
    nf_cc_sym *name; /* NULL for a positional argument (a diagnostic) */
    nf_cc_span name_span;
    nf_cc_expr *value;
} nf_cc_arg;

typedef struct nf_cc_sortkey {
    nf_cc_qname attr; /* attribute (retrieve sorting may be a path in the future) */
    bool desc;
    struct nf_cc_attr *resolved;
} nf_cc_sortkey;

typedef enum nf_cc_listop {
    NF_LO_HEAD,
    NF_LO_TAIL,
    NF_LO_FIND,
    NF_LO_FILTER,
    NF_LO_FIND_BY,
    NF_LO_FILTER_BY,
    NF_LO_SORT,
    NF_LO_UNION,
    NF_LO_INTERSECT,
    NF_LO_SUBTRACT,
    NF_LO_CONTAINS,
    NF_LO_EQUALS,
    NF_LO_RANGE
} nf_cc_listop;

typedef enum nf_cc_aggop {
    NF_AG_COUNT,
    NF_AG_SUM,
    NF_AG_AVERAGE,
    NF_AG_MINIMUM,
    NF_AG_MAXIMUM,
    NF_AG_ALL,
    NF_AG_ANY,
    NF_AG_REDUCE
} nf_cc_aggop;

typedef enum nf_cc_callkind {
    NF_CALL_MICROFLOW,
    NF_CALL_NANOFLOW,
    NF_CALL_JAVASCRIPT,
    NF_CALL_LUA,
    NF_CALL_JAVA
} nf_cc_callkind;

typedef enum nf_cc_syncmode { NF_SYNC_ALL, NF_SYNC_UNSYNCHRONIZED, NF_SYNC_OBJECTS } nf_cc_syncmode;

typedef enum nf_cc_loglevel {
    NF_LOG_TRACE,
    NF_LOG_DEBUG,
    NF_LOG_INFO,
    NF_LOG_WARNING,
    NF_LOG_ERROR,
    NF_LOG_CRITICAL
} nf_cc_loglevel;

typedef struct nf_cc_when {
    nf_cc_qname *values; /* enum value names, or entity names for split type */
    bool *is_empty;      /* per value: the (empty) branch */
    uint32_t nvalues;
    nf_cc_block body;
    nf_cc_span span;
} nf_cc_when;

/* The statements of `create test` (docs/testing.md). */
typedef enum nf_cc_testop {
    NF_TEST_ASSERT,       /* assert value [message message] */
    NF_TEST_MOCK_RETURNS, /* mock microflow|lua action target returns value */
    NF_TEST_MOCK_RAISES,  /* mock microflow target raises message */
    NF_TEST_NETWORK_OFFLINE,
    NF_TEST_NETWORK_ONLINE,
    NF_TEST_NETWORK_FAIL,   /* network fail next count requests */
    NF_TEST_EXPECT_MESSAGE, /* expect message value [type type_name] */
    NF_TEST_EXPECT_PAGE     /* expect page target */
} nf_cc_testop;

typedef struct nf_cc_template_param {
    uint32_t index; /* {n} */
    nf_cc_expr *value;
} nf_cc_template_param;

/* A statement node. Like expressions, nodes are allocated at nf_cc_stmt_size(kind) bytes: only
 * the union member of their own kind is there. */
struct nf_cc_stmt {
    uint8_t kind; /* nf_cc_stkind */
    nf_cc_span span;
    nf_cc_handler on_error; /* for activities that take `on error` */
    union {
        struct {
            nf_cc_sym *var;
            nf_cc_span var_span;
            nf_cc_typeref type;
            nf_cc_expr *init;
        } declare;
        struct {
            nf_cc_expr *target;
            nf_cc_expr *value;
        } set; /* target: VAR or PATH */
        struct {
            nf_cc_sym *var;
            nf_cc_span var_span; /* create: result variable (may be NULL) */
            nf_cc_typeref type;  /* create: entity */
            nf_cc_assign *assigns;
            uint32_t nassigns;
            bool commit, without_events, refresh;
        } object; /* CREATE, CHANGE (var = changed object) */
        struct {
            nf_cc_sym *var;
            nf_cc_span var_span;
            bool with_events, without_events, refresh;
        } commit;
        struct {
            nf_cc_sym *var;
            nf_cc_span var_span;
            bool refresh;
        } target; /* DELETE, ROLLBACK, CLEAR */
        struct {
            nf_cc_sym *var;
            nf_cc_span var_span;
            nf_cc_sym *src;
            nf_cc_span src_span;
        } cast;
        struct {
            nf_cc_sym *var;
            nf_cc_span var_span;
            nf_cc_qname entity; /* database retrieve */
            nf_cc_expr *assoc;  /* association retrieve: PATH $obj/Assoc */
            nf_cc_expr *where;  /* XPATH_PRED chain or an expression */
            bool where_is_xpath;
            nf_cc_sortkey *sort;
            uint32_t nsort;
            bool first;
            bool limit_one_object; /* mdl 0: `limit 1` without offset binds one object */
            nf_cc_expr *limit, *offset;
        } retrieve;
        struct {
            nf_cc_sym *var;
            nf_cc_span var_span;
            nf_cc_qname entity;
        } create_list;
        struct {
            nf_cc_expr *item;
            nf_cc_expr *list;
        } change_list; /* ADD item TO list; REMOVE */
        struct nf_cc_st_listop {
            nf_cc_sym *var;
            nf_cc_span var_span;
            uint8_t op;               /* nf_cc_listop */
            nf_cc_expr *list, *other; /* list operand(s) as VAR exprs */
            nf_cc_expr *cond;         /* find/filter condition; by: member = value */
            nf_cc_qname by_member;
            nf_cc_expr *by_value;
            nf_cc_sortkey *sort;
            uint32_t nsort;
            nf_cc_expr *offset, *limit;
        } listop;
        struct nf_cc_st_aggregate {
            nf_cc_sym *var;
            nf_cc_span var_span;
            uint8_t op; /* nf_cc_aggop */
            nf_cc_expr *list;
            nf_cc_qname attr;
            bool has_attr;
            nf_cc_expr *expr;    /* of expr / where expr / using expr */
            nf_cc_expr *initial; /* reduce */
            nf_cc_typeref type;  /* reduce */
        } aggregate;
        struct {
            nf_cc_expr **conds;
            nf_cc_block *bodies;
            uint32_t n;
            nf_cc_block else_body;
            bool has_else;
        } if_;
        struct {
            nf_cc_expr *subject;
            nf_cc_when *whens;
            uint32_t n;
            nf_cc_block else_body;
            bool has_else;
        } case_;
        struct {
            nf_cc_sym *var;
            nf_cc_span var_span;
            nf_cc_when *whens;
            uint32_t n;
            nf_cc_block else_body;
            bool has_else;
        } split;
        struct {
            nf_cc_sym *var;
            nf_cc_span var_span;
            nf_cc_expr *source;
            nf_cc_block body;
        } loop;
        struct {
            nf_cc_expr *cond;
            nf_cc_block body;
        } while_;
        struct {
            nf_cc_expr *value;
        } ret; /* RETURN, THROW */
        struct {
            uint8_t kind; /* nf_cc_callkind */
            nf_cc_sym *var;
            nf_cc_span var_span;
            nf_cc_qname name;
            nf_cc_arg *args;
            uint32_t nargs;
            bool in_queue;
        } call;
        struct {
            nf_cc_qname page;
            nf_cc_arg *args;
            uint32_t nargs;
            nf_cc_expr *title;
            nf_cc_expr *close_count; /* close_kind 1 */
            uint8_t close_kind;      /* pages to close first: 0 none, 1 a count, 2 all, 3 all
                                        and the history */
        } show_page;
        struct {
            nf_cc_expr *count; /* kind 1 */
            uint8_t kind;      /* 0 one page, 1 a count, 2 all */
        } close_page;
        struct {
            nf_cc_expr *text; /* NULL: none (or hide) */
            bool show, blocking;
        } progress;
        struct {
            nf_cc_expr *text;
            nf_cc_sym *type_name;
            nf_cc_span type_span; /* Information | Warning | Error */
            nf_cc_template_param *params;
            uint32_t nparams;
            bool blocking;
        } message;
        struct {
            nf_cc_expr *target; /* VAR or PATH $obj/Member */
            nf_cc_expr *text;
            nf_cc_template_param *params;
            uint32_t nparams;
        } feedback;
        struct {
            uint8_t level; /* nf_cc_loglevel */
            nf_cc_expr *node;
            nf_cc_expr *text;
            nf_cc_template_param *params;
            uint32_t nparams;
        } log;
        struct {
            uint8_t mode;
            nf_cc_expr **objects;
            uint32_t nobjects;
        } sync;
        struct {
            nf_cc_block body;
            nf_cc_block handler;
        } try_;
        struct {
            nf_cc_sym *label;
        } label; /* MERGE, JOIN */
        struct {
            nf_cc_qname entity;
        } clear_device;
        struct {
            const char *what;
            nf_cc_sym *var;
        } forbidden; /* e.g. "call java action" */
        struct {
            uint8_t op;          /* nf_cc_testop */
            bool action;         /* mock: a lua/javascript action (else a microflow) */
            nf_cc_expr *value;   /* assert condition, mock result, expected message text */
            nf_cc_expr *message; /* assert message, mock raises message (may be NULL) */
            nf_cc_qname target;  /* mock: the flow or action; expect page: the page */
            nf_cc_sym *type_name;
            nf_cc_span type_span; /* expect message … type Information|Warning|Error */
            uint32_t count;       /* network fail next count requests */
        } test;
    } u;
};

#define NF_CC_STMT_MEMBER_SIZE(m) (offsetof(nf_cc_stmt, u) + sizeof(((nf_cc_stmt *)0)->u.m))

/* The bytes a statement node of this kind takes (a multiple of 8, at most sizeof). */
static inline size_t nf_cc_stmt_size(nf_cc_stkind kind) {
    size_t n;
    switch (kind) {
    case NF_ST_DECLARE: n = NF_CC_STMT_MEMBER_SIZE(declare); break;
    case NF_ST_SET: /* semantic analysis turns `$x = find($List, …)` into a LISTOP */
        n = NF_CC_STMT_MEMBER_SIZE(set) > NF_CC_STMT_MEMBER_SIZE(listop)
                ? NF_CC_STMT_MEMBER_SIZE(set)
                : NF_CC_STMT_MEMBER_SIZE(listop);
        break;
    case NF_ST_CREATE:
    case NF_ST_CHANGE: n = NF_CC_STMT_MEMBER_SIZE(object); break;
    case NF_ST_COMMIT: n = NF_CC_STMT_MEMBER_SIZE(commit); break;
    case NF_ST_DELETE:
    case NF_ST_ROLLBACK:
    case NF_ST_CLEAR: n = NF_CC_STMT_MEMBER_SIZE(target); break;
    case NF_ST_CAST: n = NF_CC_STMT_MEMBER_SIZE(cast); break;
    case NF_ST_RETRIEVE: n = NF_CC_STMT_MEMBER_SIZE(retrieve); break;
    case NF_ST_CREATE_LIST: n = NF_CC_STMT_MEMBER_SIZE(create_list); break;
    case NF_ST_ADD:
    case NF_ST_REMOVE: n = NF_CC_STMT_MEMBER_SIZE(change_list); break;
    case NF_ST_LISTOP: n = NF_CC_STMT_MEMBER_SIZE(listop); break;
    case NF_ST_AGGREGATE: n = NF_CC_STMT_MEMBER_SIZE(aggregate); break;
    case NF_ST_IF: n = NF_CC_STMT_MEMBER_SIZE(if_); break;
    case NF_ST_CASE: n = NF_CC_STMT_MEMBER_SIZE(case_); break;
    case NF_ST_SPLIT: n = NF_CC_STMT_MEMBER_SIZE(split); break;
    case NF_ST_LOOP: n = NF_CC_STMT_MEMBER_SIZE(loop); break;
    case NF_ST_WHILE: n = NF_CC_STMT_MEMBER_SIZE(while_); break;
    case NF_ST_RETURN:
    case NF_ST_THROW: n = NF_CC_STMT_MEMBER_SIZE(ret); break;
    case NF_ST_CALL: n = NF_CC_STMT_MEMBER_SIZE(call); break;
    case NF_ST_SHOW_PAGE: n = NF_CC_STMT_MEMBER_SIZE(show_page); break;
    case NF_ST_CLOSE_PAGE: n = NF_CC_STMT_MEMBER_SIZE(close_page); break;
    case NF_ST_PROGRESS: n = NF_CC_STMT_MEMBER_SIZE(progress); break;
    case NF_ST_SHOW_MESSAGE: n = NF_CC_STMT_MEMBER_SIZE(message); break;
    case NF_ST_FEEDBACK: n = NF_CC_STMT_MEMBER_SIZE(feedback); break;
    case NF_ST_LOG: n = NF_CC_STMT_MEMBER_SIZE(log); break;
    case NF_ST_SYNC: n = NF_CC_STMT_MEMBER_SIZE(sync); break;
    case NF_ST_TRY: n = NF_CC_STMT_MEMBER_SIZE(try_); break;
    case NF_ST_MERGE:
    case NF_ST_JOIN: n = NF_CC_STMT_MEMBER_SIZE(label); break;
    case NF_ST_CLEAR_DEVICE: n = NF_CC_STMT_MEMBER_SIZE(clear_device); break;
    case NF_ST_FORBIDDEN:
    case NF_ST_BROKEN: n = NF_CC_STMT_MEMBER_SIZE(forbidden); break;
    case NF_ST_TEST: /* lowered in place to a CALL */
        n = NF_CC_STMT_MEMBER_SIZE(test) > NF_CC_STMT_MEMBER_SIZE(call)
                ? NF_CC_STMT_MEMBER_SIZE(test)
                : NF_CC_STMT_MEMBER_SIZE(call);
        break;
    default: n = sizeof(nf_cc_stmt); break; /* BREAK, CONTINUE, RAISE, …: rare, no member */
    }
    n = (n + 7u) & ~(size_t)7u;
    return n < sizeof(nf_cc_stmt) ? n : sizeof(nf_cc_stmt);
}

/* ---- declarations ------------------------------------------------------------------------- */

typedef enum nf_cc_declkind {
    NF_DECL_MODULE,
    NF_DECL_ENUM,
    NF_DECL_ENTITY,
    NF_DECL_ASSOC,
    NF_DECL_VALIDATION,
    NF_DECL_CONSTANT,
    NF_DECL_MODULE_ROLE,
    NF_DECL_USER_ROLE,
    NF_DECL_GRANT_ENTITY,
    NF_DECL_GRANT_FLOW,
    NF_DECL_REVOKE,
    NF_DECL_DEMO_USER,
    NF_DECL_FLOW,
    NF_DECL_ACTION,
    NF_DECL_OFFLINE_PROFILE,
    NF_DECL_REGEX,
    NF_DECL_PAGE,
    NF_DECL_SECURITY,
    NF_DECL_MDL_VERSION
} nf_cc_declkind;

typedef enum nf_cc_persist { NF_PERSISTENT, NF_NON_PERSISTENT, NF_VIEW, NF_EXTERNAL } nf_cc_persist;

typedef struct nf_cc_enum_value_decl {
    nf_cc_sym *name;
    char *caption; /* unescaped, may be NULL */
    nf_cc_span span;
} nf_cc_enum_value_decl;

typedef enum nf_cc_constraint_kind {
    NF_CON_NOT_NULL,
    NF_CON_UNIQUE,
    NF_CON_REQUIRED
} nf_cc_constraint_kind;

typedef struct nf_cc_attr_decl {
    nf_cc_sym *name;
    nf_cc_span span;
    nf_cc_typeref type;
    bool not_null, unique, required, calculated;
    char *not_null_msg, *unique_msg, *required_msg;
    nf_cc_expr *default_value;
    nf_cc_qname calculated_by;
    char *doc;
} nf_cc_attr_decl;

typedef struct nf_cc_index_decl {
    nf_cc_sym *name; /* may be NULL */
    nf_cc_sortkey *cols;
    uint32_t ncols;
    nf_cc_span span;
} nf_cc_index_decl;

typedef enum nf_cc_event_moment { NF_EV_BEFORE, NF_EV_AFTER } nf_cc_event_moment;
typedef enum nf_cc_event_type {
    NF_EV_CREATE,
    NF_EV_COMMIT,
    NF_EV_DELETE,
    NF_EV_ROLLBACK
} nf_cc_event_type;

typedef struct nf_cc_event_decl {
    uint8_t moment, type;
    nf_cc_qname flow;
    bool pass_object, raise_error;
    nf_cc_span span;
} nf_cc_event_decl;

typedef enum nf_cc_delete_behavior {
    NF_DEL_KEEP_REFERENCES = 0,
    NF_DEL_CASCADE,
    NF_DEL_PREVENT
} nf_cc_delete_behavior;

typedef enum nf_cc_rule_kind {
    NF_RULE_REQUIRED,
    NF_RULE_UNIQUE,
    NF_RULE_RANGE,
    NF_RULE_REGEX,
    NF_RULE_EXPRESSION
} nf_cc_rule_kind;

typedef struct nf_cc_param_decl {
    nf_cc_sym *name;
    nf_cc_span span;
    nf_cc_typeref type;
} nf_cc_param_decl;

typedef enum nf_cc_flowkind { NF_FLOW_NANOFLOW, NF_FLOW_MICROFLOW, NF_FLOW_RULE } nf_cc_flowkind;

typedef enum nf_cc_actionkind {
    NF_ACTION_JAVASCRIPT,
    NF_ACTION_JAVA,
    NF_ACTION_LUA
} nf_cc_actionkind;

typedef enum nf_cc_download {
    NF_DL_ALL,
    NF_DL_XPATH,
    NF_DL_NOTHING_CLEAR,
    NF_DL_NOTHING_PRESERVE,
    NF_DL_NEVER,
    NF_DL_ONLINE
} nf_cc_download;

typedef enum nf_cc_conflict {
    NF_CONFLICT_LAST_WINS,
    NF_CONFLICT_CHANGED_ATTRIBUTES,
    NF_CONFLICT_REVISION
} nf_cc_conflict;

typedef struct nf_cc_profile_entry {
    nf_cc_qname entity;
    uint8_t download; /* nf_cc_download */
    nf_cc_expr *xpath;
    uint8_t conflict; /* nf_cc_conflict */
    nf_cc_sym *revision_attr;
    nf_cc_span revision_span;
    nf_cc_span span;
} nf_cc_profile_entry;

typedef struct nf_cc_access_right {
    bool create, delete_, read_all, write_all;
    nf_cc_qname *read, *write;
    uint32_t nread, nwrite;
} nf_cc_access_right;

typedef struct nf_cc_decl {
    uint8_t kind; /* nf_cc_declkind */
    bool or_modify;
    bool revoke;      /* GRANT_ENTITY / GRANT_FLOW written as revoke */
    nf_cc_span span;  /* whole statement */
    nf_cc_qname name; /* the declared name (most kinds) */
    char *doc;        /* preceding doc comment, may be NULL */
    union {
        struct {
            nf_cc_enum_value_decl *values;
            uint32_t n;
        } enumeration;
        struct {
            uint8_t persist; /* nf_cc_persist */
            nf_cc_qname generalization;
            bool has_generalization;
            nf_cc_attr_decl *attrs;
            uint32_t nattrs;
            nf_cc_index_decl *indexes;
            uint32_t nindexes;
            nf_cc_event_decl *events;
            uint32_t nevents;
        } entity;
        struct {
            nf_cc_qname from, to;
            bool reference_set, owner_both;
            uint8_t delete_behavior;
        } assoc;
        struct {
            uint8_t rule;       /* nf_cc_rule_kind */
            nf_cc_qname entity; /* entity (or Entity.Attr in the newest form) */
            nf_cc_qname *attrs;
            uint32_t nattrs;
            nf_cc_expr *lo, *hi; /* range bounds (either may be NULL) */
            bool lo_strict, hi_strict;
            char *pattern;     /* regex text */
            nf_cc_qname regex; /* or a regular expression document */
            nf_cc_expr *expr;  /* expression rule */
            char *feedback;
        } validation;
        struct {
            nf_cc_typeref type;
            nf_cc_expr *value;
            bool exposed;
        } constant;
        struct {
            char *description;
        } module_role;
        struct {
            nf_cc_qname *roles;
            uint32_t nroles;
            bool manage_all;
        } user_role;
        struct {
            nf_cc_qname *roles;
            uint32_t nroles;
            nf_cc_qname entity;
            nf_cc_access_right rights;
            nf_cc_expr *xpath; /* XPATH_PRED, may be NULL */
        } grant_entity;
        struct {
            uint8_t flow_kind;
            nf_cc_qname flow;
            nf_cc_qname *roles;
            uint32_t nroles;
        } grant_flow;
        struct {
            char *password;
            nf_cc_qname entity;
            bool has_entity;
            nf_cc_qname *roles;
            uint32_t nroles;
            char *user;
        } demo_user;
        struct {
            uint8_t kind; /* nf_cc_flowkind */
            nf_cc_param_decl *params;
            uint32_t nparams;
            nf_cc_typeref returns;
            nf_cc_sym *return_var;
            nf_cc_block body;
            char *folder;
            struct nf_cc_flow *sym; /* sema */
            /* a body deferred by nf_cc_parse_env.defer_bodies: its tokens [body_first,
             * body_end) (body_end is the guessed closing `end`) and the parser's nesting depth
             * and MDL version there, for nf_cc_parse_body */
            uint32_t body_first, body_end, body_depth, body_mdl_version;
            bool body_deferred;
            bool is_test; /* `create test`: a nanoflow without parameters (docs/testing.md) */
        } flow;
        struct {
            uint8_t kind; /* nf_cc_actionkind */
            nf_cc_param_decl *params;
            uint32_t nparams;
            nf_cc_typeref returns;
            const char *source;
            uint32_t source_len;
            nf_cc_span source_span; /* $$ body */
        } action;
        struct {
            nf_cc_profile_entry *entries;
            uint32_t n;
        } profile;
        struct {
            char *pattern;
        } regex;
        struct {
            const char *what;
        } skipped; /* PAGE: a page name (show page resolves it) */
        struct {
            uint32_t version;
        } mdl;
    } u;
} nf_cc_decl;

typedef struct nf_cc_unit {
    nf_cc_decl **decls;
    uint32_t ndecls, cap;
} nf_cc_unit;

#endif
