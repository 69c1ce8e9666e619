/* nf_bc.h — the bytecode module: the contract between the compiler and the VM.
 *
 * A module is the whole compiled app: strings, constants, the domain model (enumerations,
 * entities, associations, access rules, the offline profile), security (roles, users), flows
 * (typed register files, code, handler and line tables, descriptors), XPath programs, custom
 * action signatures and Lua sources, and the model hash. This header defines the in-memory
 * form, which the compiler fills and the VM reads; bc_write.c turns it into the byte format of
 * docs/bytecode.md and bc_read.c back, with every offset and index checked; bc_verify.c proves
 * each flow well-typed so the interpreter can trust its operands. Depends on libc only. */
#ifndef NF_BC_H
#define NF_BC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NF_BC_MAGIC              "NFBC"
#define NF_BC_FORMAT_VERSION     4           /* 4: PROGRESS, page close options */
#define NF_BC_NONE               0xFFFFFFFFu /* "no index" in 32-bit fields */
#define NF_BC_NONE16             0xFFFFu     /* "no index" in 16-bit fields */
#define NF_BC_MAX_REGS           250         /* registers per flow (A, B, C are 8-bit) */
#define NF_BC_MAX_MEMBERS        256         /* member-table entries per flow (ATT/ASC are 8-bit) */
#define NF_BC_MAX_GENERALIZATION 255         /* ancestors of an entity */

/* ---- instructions ---------------------------------------------------------------------------- */

typedef uint32_t nf_bc_insn;

#define NF_BC_OP(i)  ((uint8_t)((i)&0xFFu))
#define NF_BC_A(i)   ((uint8_t)(((i) >> 8) & 0xFFu))
#define NF_BC_B(i)   ((uint8_t)(((i) >> 16) & 0xFFu))
#define NF_BC_C(i)   ((uint8_t)(((i) >> 24) & 0xFFu))
#define NF_BC_BX(i)  ((uint16_t)((i) >> 16))
#define NF_BC_SBX(i) ((int32_t)NF_BC_BX(i) - 32767)
#define NF_BC_SJ(i)  ((int32_t)((i) >> 8) - 8388607)
#define NF_BC_SC(i)  ((int32_t)NF_BC_C(i) - 127)
#define NF_BC_SB(i)  ((int32_t)NF_BC_B(i) - 127)

#define NF_BC_MAKE_ABC(op, a, b, c)                                                                \
    ((nf_bc_insn)(op) | ((nf_bc_insn)(a) << 8) | ((nf_bc_insn)(b) << 16) | ((nf_bc_insn)(c) << 24))
#define NF_BC_MAKE_ABX(op, a, bx)                                                                  \
    ((nf_bc_insn)(op) | ((nf_bc_insn)(a) << 8) | ((nf_bc_insn)(bx) << 16))
#define NF_BC_MAKE_ASBX(op, a, sbx) NF_BC_MAKE_ABX(op, a, (uint32_t)((sbx) + 32767))
#define NF_BC_MAKE_SJ(op, sj)       ((nf_bc_insn)(op) | ((nf_bc_insn)((sj) + 8388607) << 8))
#define NF_BC_SBX_MAX               32768
#define NF_BC_SJ_MAX                8388608

typedef enum nf_bc_opcode {
#define OP(name, fmt, a, b, c, flags, text) NF_OPC_##name,
#include "opcodes.def"
#undef OP
    NF_OPC_COUNT_
} nf_bc_opcode;

typedef enum nf_bc_format { NF_FMT_ABC, NF_FMT_ABx, NF_FMT_AsBx, NF_FMT_sJ } nf_bc_format;

/* Operand kinds of opcodes.def. */
typedef enum nf_bc_operand {
    NF_OPND__ = 0,
    NF_OPND_RB,
    NF_OPND_RI,
    NF_OPND_RD,
    NF_OPND_RS,
    NF_OPND_RT,
    NF_OPND_RE,
    NF_OPND_RO,
    NF_OPND_RL,
    NF_OPND_RV,
    NF_OPND_WB,
    NF_OPND_WI,
    NF_OPND_WD,
    NF_OPND_WS,
    NF_OPND_WT,
    NF_OPND_WE,
    NF_OPND_WO,
    NF_OPND_WL,
    NF_OPND_WV,
    NF_OPND_K,
    NF_OPND_IMM,
    NF_OPND_JMP,
    NF_OPND_ENT,
    NF_OPND_FLW,
    NF_OPND_ATT,
    NF_OPND_ASC,
    NF_OPND_FN,
    NF_OPND_ACT,
    NF_OPND_DSC,
    NF_OPND_EVAL,
    NF_OPND_STR,
    NF_OPND_U
} nf_bc_operand;

enum nf_bc_op_flags {
    NF_OPF_THROWS = 1,
    NF_OPF_JUMP = 2,
    NF_OPF_CALL = 4,
    NF_OPF_STORE = 8,
    NF_OPF_BACK = 16,
    NF_OPF_END = 32
};

typedef struct nf_bc_opinfo {
    const char *name;
    uint8_t format;     /* nf_bc_format */
    uint8_t operand[3]; /* nf_bc_operand of A, B (or Bx/sBx/sJ), C */
    uint8_t flags;      /* nf_bc_op_flags */
    const char *text;   /* one-line semantics */
} nf_bc_opinfo;

extern const nf_bc_opinfo nf_bc_opinfo_table[NF_OPC_COUNT_];

/* ---- built-in functions (builtins.def) ------------------------------------------------------- */

typedef enum nf_bc_builtin {
#define FN(id, name, args, result) NF_FN_##id,
#include "builtins.def"
#undef FN
    NF_FN_COUNT_
} nf_bc_builtin;

typedef struct nf_bc_fninfo {
    const char *name;   /* source name, e.g. "substring" */
    const char *args;   /* one letter per argument (see builtins.def) */
    const char *result; /* one letter */
} nf_bc_fninfo;

extern const nf_bc_fninfo nf_bc_fninfo_table[NF_FN_COUNT_];

/* ---- types ----------------------------------------------------------------------------------- */

typedef enum nf_bc_tkind {
    NF_BT_VOID = 0,
    NF_BT_BOOL,
    NF_BT_INT,
    NF_BT_DEC,
    NF_BT_STR,
    NF_BT_DT,
    NF_BT_ENUM,
    NF_BT_OBJ,
    NF_BT_LIST,
    NF_BT_BINARY,
    NF_BT_COUNT_
} nf_bc_tkind;

/* A value type: kind and, for ENUM/OBJ/LIST, the enumeration or entity index (NF_BC_NONE16 for
 * "any entity"). flags: NF_BC_TF_LONG on an INT type declared Long (Integer and Long share one
 * representation; the flag only tells hosts and `nanoflow run` which name to print). */
typedef struct nf_bc_type {
    uint8_t kind;
    uint8_t flags;
    uint16_t ref;
} nf_bc_type;
#define NF_BC_TF_LONG 1

/* ---- constants ------------------------------------------------------------------------------- */

typedef struct nf_bc_const {
    uint8_t kind; /* NF_BT_BOOL, INT, DEC (text in str), STR, DT (ms since epoch in i) */
    int64_t i;
    uint32_t str; /* string index for DEC and STR */
} nf_bc_const;

/* ---- domain model ---------------------------------------------------------------------------- */

typedef struct nf_bc_enum {
    uint32_t name;
    uint32_t nvalues;
    uint32_t *value_names; /* string indices */
    uint32_t *captions;    /* string indices */
} nf_bc_enum;

enum nf_bc_attr_flags {
    NF_BA_INT32 = 1,
    NF_BA_AUTONUMBER = 2,
    NF_BA_HASHED = 4,
    NF_BA_CALCULATED = 8,
    NF_BA_SYSTEM = 16,
    NF_BA_NOT_NULL = 32,
    NF_BA_UNIQUE = 64,
    NF_BA_REQUIRED = 128
};

typedef struct nf_bc_attr {
    uint32_t name;
    nf_bc_type type;
    uint32_t length;    /* String: 0 = unlimited */
    uint32_t flags;     /* nf_bc_attr_flags */
    uint32_t default_k; /* constant index or NF_BC_NONE */
    uint32_t message;   /* not null / unique / required message, string or NF_BC_NONE */
} nf_bc_attr;

typedef struct nf_bc_event {
    uint8_t moment, type; /* before/after, create/commit/delete/rollback */
    uint8_t pass_object, raise_error;
    uint32_t flow;
} nf_bc_event;

typedef struct nf_bc_index {
    uint32_t ncols;
    uint32_t *attrs; /* attribute indices (flattened) */
    uint8_t *desc;
} nf_bc_index;

enum nf_bc_rule_kind { NF_BR_REQUIRED, NF_BR_UNIQUE, NF_BR_RANGE, NF_BR_REGEX };

typedef struct nf_bc_rule {
    uint8_t kind;
    uint8_t lo_strict, hi_strict;
    uint32_t nattrs;
    uint32_t *attrs;
    uint32_t lo_k, hi_k; /* constants or NF_BC_NONE */
    uint32_t pattern;    /* string */
    uint32_t message;    /* string */
} nf_bc_rule;

enum nf_bc_rights {
    NF_RIGHT_CREATE = 1,
    NF_RIGHT_DELETE = 2,
    NF_RIGHT_READ_ALL = 4,
    NF_RIGHT_WRITE_ALL = 8
};

typedef struct nf_bc_access {
    uint32_t role;   /* module role index */
    uint32_t rights; /* nf_bc_rights */
    uint32_t nread, nwrite;
    uint32_t *read,
        *write;     /* members in grant order: attribute indices, NF_BC_ASSOC_MEMBER|assoc */
    uint32_t xpath; /* root xpath node or NF_BC_NONE */
} nf_bc_access;
#define NF_BC_ASSOC_MEMBER 0x80000000u

enum nf_bc_download {
    NF_BD_ALL,
    NF_BD_XPATH,
    NF_BD_NOTHING_CLEAR,
    NF_BD_NOTHING_PRESERVE,
    NF_BD_NEVER,
    NF_BD_ONLINE
};
enum nf_bc_conflict { NF_BC_LAST_WINS, NF_BC_CHANGED_ATTRIBUTES, NF_BC_REVISION };
enum nf_bc_entity_flags { NF_BE_OFFLINE = 1, NF_BE_SYSTEM = 2, NF_BE_IN_PROFILE = 4 };

typedef struct nf_bc_entity {
    uint32_t name;
    uint32_t generalization;    /* entity index or NF_BC_NONE */
    uint8_t persist;            /* 0 persistent, 1 non-persistent */
    uint8_t flags;              /* nf_bc_entity_flags */
    uint8_t download, conflict; /* offline profile */
    uint32_t profile_xpath;     /* xpath node or NF_BC_NONE */
    uint32_t revision_attr;     /* attribute index or NF_BC_NONE */
    uint32_t nattrs;            /* own attributes; flattened index = inherited count + i */
    nf_bc_attr *attrs;
    uint32_t nevents, nindexes, nrules, naccess;
    nf_bc_event *events;
    nf_bc_index *indexes;
    nf_bc_rule *rules;
    nf_bc_access *access;
} nf_bc_entity;

/* What deleting a `to` object does to the `from` rows that refer to it (SQL's ON DELETE). */
enum nf_bc_delete_behavior {
    NF_BC_DEL_KEEP = 0, /* keep references: the references are cleared */
    NF_BC_DEL_CASCADE,  /* the referring rows are deleted too */
    NF_BC_DEL_PREVENT   /* the delete is refused while any row refers to the object */
};

typedef struct nf_bc_assoc {
    uint32_t name;
    uint32_t from, to; /* entity indices */
    uint8_t reference_set, owner_both, delete_behavior /* nf_bc_delete_behavior */, pad;
} nf_bc_assoc;

/* ---- security -------------------------------------------------------------------------------- */

typedef struct nf_bc_role {
    uint32_t name;
    uint8_t user_role;
    uint32_t nmodule_roles;
    uint32_t *module_roles; /* user role: role indices */
} nf_bc_role;

typedef struct nf_bc_user {
    uint32_t name, password; /* strings (the server hashes on first start) */
    uint32_t entity;         /* entity index */
    uint32_t nroles;
    uint32_t *roles; /* user role indices */
} nf_bc_user;

/* ---- XPath programs -------------------------------------------------------------------------- */

typedef enum nf_bc_xkind {
    NF_BX_AND,
    NF_BX_OR,
    NF_BX_NOT,
    NF_BX_CMP,
    NF_BX_PATH,
    NF_BX_CONST,
    NF_BX_REG,
    NF_BX_TOKEN,
    NF_BX_FUNC,
    NF_BX_EMPTY,
    NF_BX_ARITH,
    NF_BX_NEG,
    NF_BX_COUNT_
} nf_bc_xkind;

/* One node. Children and lists live in the module's xpath word pool (xwords).
 *   AND/OR/ARITH: a, b child nodes; op (ARITH: + - * div)   NOT/NEG: a child
 *   CMP: op (= != < <= > >=), a, b            PATH: a = word offset of n steps, b = n (0 steps:
 *   the object itself, XPath's id); a step
 *   is an attribute index or NF_BC_ASSOC_MEMBER|association index, then (after an association)
 *   the entity index and a filter node or NF_BC_NONE: 3 words per step
 *   CONST: a constant    REG: a register of the flow that runs the retrieve
 *   TOKEN: a string (the token's name)   FUNC: a name string, b = word offset of args, op = n */
typedef struct nf_bc_xnode {
    uint8_t kind, op;
    uint16_t pad;
    uint32_t a, b;
} nf_bc_xnode;

/* ---- flows ----------------------------------------------------------------------------------- */

enum nf_bc_flow_kind { NF_BF_NANOFLOW, NF_BF_MICROFLOW, NF_BF_RULE };
enum nf_bc_handler_kind { NF_BH_CUSTOM, NF_BH_CUSTOM_NO_ROLLBACK, NF_BH_CONTINUE, NF_BH_ROLLBACK };

typedef struct nf_bc_handler {
    uint32_t start, end; /* covered pc range [start, end) */
    uint32_t target;     /* handler pc, at or after end (never backward: every cycle passes a LOOP
                            or FORLIST); for CONTINUE and ROLLBACK: end, the pc after the activity */
    uint8_t kind;        /* nf_bc_handler_kind */
    uint8_t error_reg, type_reg,
        result_reg; /* $latestError, $latestErrorType, cleared result; 255 none */
} nf_bc_handler;

typedef struct nf_bc_line {
    uint32_t pc, line;
} nf_bc_line;

typedef enum nf_bc_desc_kind {
    NF_DESC_RETRIEVE,
    NF_DESC_SORT,
    NF_DESC_AGG,
    NF_DESC_FINDBY,
    NF_DESC_PAGE,
    NF_DESC_COUNT_
} nf_bc_desc_kind;

/* A descriptor: an operand record too big for an instruction, as words.
 *   RETRIEVE: entity, xpath root, flags (1 first/one object), limit reg, offset reg, nsort,
 *             then nsort × (attribute, desc)
 *   SORT:     nkeys, then nkeys × (attribute, desc)
 *   AGG:      op (0 sum, 1 average, 2 minimum, 3 maximum), attribute
 *   FINDBY:   member (attribute or NF_BC_ASSOC_MEMBER|association), value reg, 1 = one object
 *   PAGE:     page name string, title reg (or NF_BC_NONE), nargs, then nargs × parameter name
 *             strings (NF_BC_NONE: unnamed) */
typedef struct nf_bc_desc {
    uint8_t kind;
    uint32_t n;
    uint32_t *w;
} nf_bc_desc;

typedef struct nf_bc_flow {
    uint32_t name;
    uint8_t kind; /* nf_bc_flow_kind */
    uint8_t
        offline_called; /* a microflow called from nanoflows (its signature is in the model hash) */
    uint16_t nparams;
    nf_bc_type ret;
    uint16_t nregs;
    nf_bc_type *regs;    /* parameters first */
    uint32_t *reg_names; /* string or NF_BC_NONE for temporaries */
    uint32_t ncode;
    nf_bc_insn *code;
    uint32_t nhandlers, nlines, ndescs, nmembers;
    nf_bc_handler *handlers; /* innermost first */
    nf_bc_line *lines;       /* sorted by pc */
    nf_bc_desc *descs;
    uint32_t *members; /* ATT/ASC operands index this table: an attribute (flattened index in
                          the entity of the instruction's object operand), or
                          NF_BC_ASSOC_MEMBER | association index; at most 256 entries */
    uint32_t file;     /* source file name string */
    uint32_t nroles;
    uint32_t *roles; /* module roles allowed to execute it */
} nf_bc_flow;

enum nf_bc_action_kind { NF_BK_JAVASCRIPT, NF_BK_JAVA, NF_BK_LUA };

typedef struct nf_bc_action {
    uint32_t name;
    uint8_t kind;
    uint32_t nparams;
    uint32_t *param_names;
    nf_bc_type *param_types;
    nf_bc_type ret;
    uint32_t source; /* Lua body string or NF_BC_NONE */
} nf_bc_action;

/* ---- the module ------------------------------------------------------------------------------ */

typedef struct nf_bc_module {
    uint64_t model_hash;
    uint32_t nstrings;
    const char **strings; /* NUL-terminated; may contain no NUL inside */
    uint32_t *string_lens;
    uint32_t nconsts, nenums, nentities, nassocs, nroles, nusers, nflows, nactions, nxnodes,
        nxwords;
    nf_bc_const *consts;
    nf_bc_enum *enums;
    nf_bc_entity *entities;
    nf_bc_assoc *assocs;
    nf_bc_role *roles;
    nf_bc_user *users;
    nf_bc_flow *flows;
    nf_bc_action *actions;
    nf_bc_xnode *xnodes;
    uint32_t *xwords;
    void *storage; /* loaded modules: one allocation holding everything (owned) */
} nf_bc_module;

/* ---- functions ------------------------------------------------------------------------------- */

/* Serializes m deterministically. *out (malloc'd, caller frees) and *len receive the bytes.
 * Returns false on out-of-memory or a module that exceeds the format's limits. */
bool nf_bc_write(const nf_bc_module *m, uint8_t **out, size_t *len);

/* Parses bytes into *m (which owns its memory afterwards: nf_bc_free). On failure returns false
 * and writes a message (at most n bytes) to err; *m is left empty. Checks magic, version,
 * checksum, section bounds and every index; then runs nf_bc_verify. Never reads out of bounds. */
bool nf_bc_load(const uint8_t *bytes, size_t len, nf_bc_module *m, char *err, size_t n);
void nf_bc_free(nf_bc_module *m);

/* Proves every flow well-formed: operand kinds, register bounds and types, constants, jump
 * targets, handler ranges, descriptors, calls and their argument types. */
bool nf_bc_verify(const nf_bc_module *m, char *err, size_t n);

/* Writes a readable listing (flow headers, registers with types, code with operands and source
 * lines, handler tables, constants). */
void nf_bc_disasm(const nf_bc_module *m, FILE *out);

/* Flattened attribute layout: the number of attributes of entity e including inherited ones,
 * and attribute i of that layout (generalization attributes first). */
uint32_t nf_bc_entity_attr_count(const nf_bc_module *m, uint32_t e);
const nf_bc_attr *nf_bc_entity_attr(const nf_bc_module *m, uint32_t e, uint32_t i);
/* Whether entity sub is entity sup or one of its specializations. */
bool nf_bc_entity_is_a(const nf_bc_module *m, uint32_t sub, uint32_t sup);
/* Whether objects of entity e may be passed to or returned from a microflow called by an
 * offline nanoflow (docs/sync-protocol.md §8): e is non-persistable and no association, direct
 * or through other non-persistable entities, reaches a persistable entity. */
bool nf_bc_entity_offline_passable(const nf_bc_module *m, uint32_t e);

/* ---- compatibility (bc_compat.c, `nanoflow compat`) ----------------------------------------- */

/* One difference between an old and a new module. Breaking changes are those that break
 * clients deployed with the old module (shared/seed/offline-best-practices.md, "Preventing
 * Synchronization Issues" and "Offline Microflow Best Practices"); the others are listed as
 * information. kind is a stable identifier (docs/cli.md), subject the qualified name. */
typedef struct nf_bc_change {
    bool breaking;
    const char *kind; /* static, e.g. "attribute-removed" */
    char *subject;    /* owned */
    char *message;    /* owned: the change in words, with a hint ("renamed to X?") */
} nf_bc_change;

typedef struct nf_bc_changes {
    nf_bc_change *items;
    uint32_t n, cap, nbreaking;
    bool oom;
} nf_bc_changes;

/* Compares two verified modules and appends every change to *out (zero it first): entities and
 * attributes removed, renamed or retyped, entities dropped from the offline profile,
 * associations, enumeration values, and the microflows that nanoflows call (removed, moved,
 * parameters, return types), modules renamed; additions as information. Only what deployed
 * clients see counts as breaking: offline entities and the microflows they call. Returns false
 * on out-of-memory (out->oom). */
bool nf_bc_compat(const nf_bc_module *old_m, const nf_bc_module *new_m, nf_bc_changes *out);
void nf_bc_changes_free(nf_bc_changes *c);

/* 64-bit FNV-1a, the checksum and model-hash function. */
uint64_t nf_bc_hash(uint64_t h, const void *data, size_t n);
/* Rewrites the header's total length and checksum to match n bytes of (edited) module, so that
 * tools and tests can patch a module and still get past the checksum; n must be at least
 * NF_BC_HEADER_SIZE and at most UINT32_MAX. The verifier still checks everything else. */
void nf_bc_reseal(uint8_t *p, size_t n);
#define NF_BC_HASH_INIT 0xcbf29ce484222325ull

#endif
