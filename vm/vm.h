/* vm.h — the VM core: values, strings, objects, lists, frames and the interpreter (DESIGN §5).
 *
 * A runtime (nf_vm) runs flows of one verified module. It owns a value stack of typed registers
 * (frames are windows on it, so a flow can suspend and resume), the objects created while it
 * runs, and its limits. Everything outside the core (expression built-ins, the store, sync, UI,
 * custom actions) is reached through the interfaces at the end of this file, which stdlib/
 * implements: the core includes no SQLite, curl, Lua, ICU or HTTP header.
 *
 * Values: a register holds a 16-byte nf_val. The verifier proved every register's type, so
 * typed instructions read the payload directly; `kind` is kept only for the generic ones (MOVE,
 * TOSTR, calls) and for reference counting. Strings, big decimals, lists and objects are
 * reference counted; nf_vm_val_release drops a value's reference.
 *
 * Errors are status codes (NF_VM_OK / NF_VM_ERROR / NF_VM_SUSPENDED). An error's type and
 * message are stored in the runtime (nf_vm_raise) and unwound through the handler tables; no
 * longjmp. */
#ifndef NF_VM_H
#define NF_VM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf_bc.h"
#include "vm_decimal.h"

typedef struct nf_vm nf_vm;
typedef struct nf_vm_obj nf_vm_obj;
typedef struct nf_vm_list nf_vm_list;

/* ---- status and errors -------------------------------------------------------------------------
 */

typedef enum nf_vm_status { NF_VM_OK = 0, NF_VM_ERROR, NF_VM_SUSPENDED } nf_vm_status;

/* $latestErrorType values (DESIGN §3). The order is the public API's nf_error_type. */
#define NF_VM_ERROR_TYPES(X)                                                                       \
    X(RUNTIME, "RuntimeError")                                                                     \
    X(CONNECTION, "ConnectionError")                                                               \
    X(SYNC_CONFLICT, "SyncConflict")                                                               \
    X(SYNC_REJECTED, "SyncRejected")                                                               \
    X(MODEL, "ModelError")                                                                         \
    X(VALIDATION, "ValidationError")                                                               \
    X(ACCESS_DENIED, "AccessDenied")                                                               \
    X(LUA, "LuaError")                                                                             \
    X(HOST, "HostError")                                                                           \
    X(LIMIT, "LimitExceeded")                                                                      \
    X(CANCELLED, "Cancelled")

typedef enum nf_vm_errtype {
#define X(id, name) NF_VM_E_##id,
    NF_VM_ERROR_TYPES(X)
#undef X
        NF_VM_E_COUNT_
} nf_vm_errtype;

const char *nf_vm_errtype_name(nf_vm_errtype t);

/* ---- strings ------------------------------------------------------------------------------------
 */

/* Immutable UTF-8 text with a reference count. */
typedef struct nf_vm_str {
    uint32_t refs;
    uint32_t len;   /* bytes, without the terminating NUL */
    int32_t u16len; /* length in UTF-16 units once computed, else -1 */
    char s[];       /* NUL-terminated */
} nf_vm_str;

/* ---- values
 * --------------------------------------------------------------------------------------- */

enum nf_val_flags {
    NF_VAL_EMPTY = 1, /* the value is empty (for every type) */
    NF_VAL_BIGDEC = 2 /* Decimal whose mantissa is u.db (else u.i with dscale) */
};

typedef struct nf_val {
    union {
        int64_t i;     /* Integer/Long, DateTime (ms since the epoch, UTC), Decimal mantissa */
        bool b;        /* Boolean */
        uint32_t e;    /* Enumeration: value index */
        nf_vm_str *s;  /* String */
        nf_vm_obj *o;  /* Object */
        nf_vm_list *l; /* List */
        nf_decbig *db; /* Decimal with a big mantissa */
    } u;
    int32_t dscale; /* Decimal: digits after the point */
    uint8_t kind;   /* nf_bc_tkind */
    uint8_t flags;  /* nf_val_flags */
    uint16_t ref;   /* Enumeration or entity index (informational, for printing) */
} nf_val;

static inline nf_val nf_vm_empty(uint8_t kind) {
    nf_val v = {{0}, 0, kind, NF_VAL_EMPTY, 0};
    return v;
}
static inline bool nf_vm_is_empty(const nf_val *v) {
    return (v->flags & NF_VAL_EMPTY) != 0;
}
static inline nf_val nf_vm_int(int64_t i) {
    nf_val v = {{.i = i}, 0, NF_BT_INT, 0, 0};
    return v;
}
static inline nf_val nf_vm_bool(bool b) {
    nf_val v = {{.b = b}, 0, NF_BT_BOOL, 0, 0};
    return v;
}
static inline nf_val nf_vm_datetime(int64_t ms) {
    nf_val v = {{.i = ms}, 0, NF_BT_DT, 0, 0};
    return v;
}

/* Decimal values convert to and from nf_dec without copying references (the nf_val owns). */
static inline nf_dec nf_vm_dec_of(const nf_val *v) {
    nf_dec d;
    if (v->flags & NF_VAL_BIGDEC) {
        d.u.big = v->u.db;
        d.is_big = 1;
    } else {
        d.u.m = v->u.i;
        d.is_big = 0;
    }
    d.scale = v->dscale;
    return d;
}
static inline nf_val nf_vm_dec_val(nf_dec d) { /* takes over d's reference */
    nf_val v = {{0}, d.scale, NF_BT_DEC, 0, 0};
    if (d.is_big) {
        v.u.db = d.u.big;
        v.flags = NF_VAL_BIGDEC;
    } else {
        v.u.i = d.u.m;
    }
    return v;
}

static inline bool nf_vm_val_is_counted(const nf_val *v) {
    return !(v->flags & NF_VAL_EMPTY) && (v->kind == NF_BT_STR || v->kind == NF_BT_OBJ ||
                                          v->kind == NF_BT_LIST || (v->flags & NF_VAL_BIGDEC));
}
void nf_vm_val_retain_slow(const nf_val *v);
void nf_vm_val_release_slow(nf_vm *vm, nf_val *v);
/* Adds a reference for a copy of v. */
static inline void nf_vm_val_retain(const nf_val *v) {
    if (nf_vm_val_is_counted(v)) nf_vm_val_retain_slow(v);
}
/* Drops v's reference; v becomes empty of the same kind. */
static inline void nf_vm_val_release(nf_vm *vm, nf_val *v) {
    if (nf_vm_val_is_counted(v)) nf_vm_val_release_slow(vm, v);
    v->flags = NF_VAL_EMPTY;
}
/* *dst := *src with reference counting (dst's old value released). */
static inline void nf_vm_val_assign(nf_vm *vm, nf_val *dst, const nf_val *src) {
    nf_val v = *src; /* src may be dst: release would mark it empty */
    nf_vm_val_retain(&v);
    nf_vm_val_release(vm, dst);
    *dst = v;
}

/* ---- objects and lists
 * ------------------------------------------------------------------------------ */

enum nf_vm_obj_state {
    NF_OBJ_NEW,       /* instantiated, never committed (isNew) */
    NF_OBJ_COMMITTED, /* committed at least once */
    NF_OBJ_DELETED    /* deleted: its variables read as a deleted object (an error) */
};

/* An object in memory. Attributes are flattened (inherited first); associations owned by the
 * object's side hold their target (Reference: an object or empty) or targets (ReferenceSet: a
 * list). Objects are reference counted by registers, lists and other objects' associations; the
 * runtime also links every live object so that cycles are freed when it is destroyed.
 *
 * With a store (vm_store.c): an object with a row is `stored` and found by id in the runtime's
 * identity map, so one row is one instance. A Reference read from a row whose target is not in
 * memory yet is `pending` (the target's id) until the association is read. Persistable objects
 * that are new, or changed since their row was written, are on the runtime's unsaved list (the
 * changed ones also hold a reference: changes live in the client until committed or rolled
 * back, as in Mendix); retrieves evaluate those in memory so they see uncommitted changes. */
/* The part of an object only new or changed objects need, allocated on demand so the objects
 * of a big retrieve stay small. */
typedef struct nf_vm_obj_ext {
    nf_vm_obj *uprev, *unext; /* the runtime's unsaved list */
    nf_val *saved; /* attributes, then owned associations, as at the last commit or read: taken
                      at the first change (for rollback and the changed-member set), or NULL */
} nf_vm_obj_ext;

struct nf_vm_obj {
    uint32_t refs;
    uint32_t entity;
    uint16_t nattrs; /* attributes; the owned association slots follow them */
    uint8_t state;   /* nf_vm_obj_state */
    uint8_t changed; /* changed since the last commit (or since it was read) */
    uint8_t stored;  /* has a row in the store */
    uint8_t unsaved; /* on vm->unsaved (2: and holds a reference) */
    uint8_t sync;    /* the row's nf_vm_sync_state */
    uint8_t rowids;  /* read from a row: the block ends with an id per owned slot, the target not
                        loaded yet (zero: none; see nf_vm_obj_pending) */
    uint8_t id[16];  /* UUIDv7 */
    nf_vm_obj *prev, *next;    /* the runtime's list of live objects */
    struct nf_vm_obj_ext *ext; /* what only unsaved or changed objects need, or NULL */
    nf_val attrs[]; /* nattrs attribute values, then per owned association the value it holds
                       (object, list or empty): see nf_vm_assoc_slot */
};

/* A stored row's synchronization state (the store's `_state` column). */
enum nf_vm_sync_state { NF_SYNC_SYNCED = 0, NF_SYNC_NEW, NF_SYNC_CHANGED, NF_SYNC_DELETED };

/* A list of objects of one entity. Lists are mutable and shared by MOVE (a list variable is a
 * reference, as in microflows); nanoflow calls pass copies. */
struct nf_vm_list {
    uint32_t refs;
    uint32_t entity; /* NF_BC_NONE16 for a list of any entity */
    uint32_t n, cap;
    nf_vm_obj **items; /* each holds a reference */
};

/* ---- frames
 * ---------------------------------------------------------------------------------------- */

/* Frames past the top (nframes) keep describing the registers their flow left at `base`, until
 * a frame laid below overwrites them (flow_index NF_BC_NONE then): a call of the same flow at the
 * same place skips the register template (CALL in vm_interp.c, docs/vm.md §7). */
typedef struct nf_vm_frame {
    const nf_bc_flow *flow;
    uint32_t flow_index;
    uint32_t pc;        /* next instruction (saved while a callee runs) */
    uint32_t base;      /* first register in the value stack */
    uint8_t ret_reg;    /* the caller's register that receives the result (CALL's A) */
    uint8_t has_error;  /* a handler of this frame is running: `error` is its error */
    uint8_t error_type; /* nf_vm_errtype of that error */
    uint8_t slow_pop;   /* the return goes through nf_vm_pop_frame: registers that can hold
                           references, or `error` set */
    nf_vm_str *error;   /* its message (for RAISE), owned */
} nf_vm_frame;

/* ---- the interfaces stdlib/ implements
 * -------------------------------------------------------------- */

/* A built-in expression function (bytecode/builtins.def): args are the registers R[C], …,
 * read only; *out is R[A], already released to empty of its type. Returns NF_VM_OK or raises. */
typedef nf_vm_status (*nf_vm_builtin)(nf_vm *vm, nf_val *out, const nf_val *args);

/* Host actions: UI, logging, custom actions, microflow calls, the clock. Every callback may be
 * NULL (then a default applies, documented per member). Strings are borrowed for the call. */
typedef struct nf_vm_host {
    void *ud;
    /* show message: type 0 info, 1 warning, 2 error; default: print nothing */
    nf_vm_status (*show_message)(void *ud, nf_vm *vm, const char *text, int type, bool blocking);
    /* close: the pages to close first (0 none, n, -1 all but the first, -2 all and the
     * history), as nf_host's show_page */
    nf_vm_status (*show_page)(void *ud, nf_vm *vm, const char *page, const char *title,
                              const char *const *names, const nf_val *args, uint32_t nargs,
                              int32_t close);
    /* count: pages to close (n, or -1 all but the first) */
    nf_vm_status (*close_page)(void *ud, nf_vm *vm, int32_t count);
    /* show (text may be NULL) or hide the progress indicator */
    nf_vm_status (*progress)(void *ud, nf_vm *vm, bool show, const char *text, bool blocking);
    nf_vm_status (*feedback)(void *ud, nf_vm *vm, nf_vm_obj *obj, const char *member,
                             const char *text);
    /* log: level 0 trace … 5 critical */
    void (*log)(void *ud, nf_vm *vm, int level, const char *node, const char *text);
    /* a custom (JavaScript/Lua/host) action; default: "no action named …" error */
    nf_vm_status (*action)(void *ud, nf_vm *vm, uint32_t action, const nf_val *args, nf_val *out);
    /* a microflow called from a nanoflow (on the server); default: a ConnectionError */
    nf_vm_status (*microflow)(void *ud, nf_vm *vm, uint32_t flow, const nf_val *args, nf_val *out);
    /* now, ms since the epoch; default: the system clock */
    int64_t (*now)(void *ud);
    /* 64 random bits (random(), ids); default: a per-runtime generator seeded from the clock */
    uint64_t (*random)(void *ud);
} nf_vm_host;

/* The object store (stdlib/std_store*.c, on SQLite). A query: the objects of `entity` (and its
 * specializations) matching XPath node `xpath` (NF_BC_NONE: all; value nodes read `regs`), or,
 * with assoc != NF_BC_NONE, the objects whose owned association `assoc` refers to the object
 * with id `target`; rows marked deleted never match. Ordered by the sort keys (pairs of attribute
 * index and 1 = descending; empty first; Strings without case), then by id; then the range
 * (offset, limit; limit < 0: all). Rows become objects through nf_vm_obj_row: the instance in
 * memory when there is one, so a result may hold unsaved objects (the VM re-checks those). */
typedef struct nf_vm_query {
    uint32_t entity;
    uint32_t xpath;
    const nf_val *regs;
    uint32_t assoc;
    const uint8_t *target;
    uint32_t nsort;
    const uint32_t *sort;
    int64_t offset, limit;
} nf_vm_query;

typedef struct nf_vm_store {
    void *ud;
    /* Writes objs (a commit action: one transaction; all or nothing). Checks validation rules
     * and attribute limits first: a failure raises ValidationError and writes nothing. The VM
     * then marks the objects committed. */
    nf_vm_status (*commit)(void *ud, nf_vm *vm, nf_vm_obj *const *objs, uint32_t n);
    /* Deletes the rows of objs (one transaction) with the offline rules: a row never
     * synchronized goes, a synchronized one stays marked deleted for the next sync; references
     * to the objects in other rows are cleared. Objects without a row only clear references. */
    nf_vm_status (*remove)(void *ud, nf_vm *vm, nf_vm_obj *const *objs, uint32_t n);
    /* Appends the objects of query q to out. */
    nf_vm_status (*query)(void *ud, nf_vm *vm, const nf_vm_query *q, nf_vm_list *out);
    /* The object with `id` of entity (or a specialization), with a reference; *out NULL when
     * there is no such row. */
    nf_vm_status (*load)(void *ud, nf_vm *vm, uint32_t entity, const uint8_t id[16],
                         nf_vm_obj **out);
    /* Removes every row of entity (and its specializations) from the device. */
    nf_vm_status (*clear)(void *ud, nf_vm *vm, uint32_t entity);
    /* XPath services for evaluating constraints in memory, with the query's semantics: a
     * token's value ('[%CurrentDateTime%]', …) into *out, and Strings compared without case
     * (cmp: <0, 0, >0) and searched (how: 0 contains, 1 starts with, 2 ends with). */
    nf_vm_status (*token)(void *ud, nf_vm *vm, const char *name, nf_val *out);
    int (*text_cmp)(void *ud, const char *a, size_t alen, const char *b, size_t blen);
    bool (*text_find)(void *ud, const char *hay, size_t hlen, const char *needle, size_t nlen,
                      int how);
} nf_vm_store;

/* Synchronization (stdlib/std_sync*.c: the sync protocol over a transport). mode 0: all
 * (upload every unit, then download by the offline profile), 1: unsynchronized objects, 2: the n
 * objects objs (each with a reference held by the VM for the call; new, uncommitted and deleted
 * objects already left out). The VM refuses a second synchronize while one runs and keeps
 * nf_vm.syncing set during the call (isSyncing()). Failures are raised with their
 * $latestErrorType (ConnectionError: nothing changed locally). The implementation keeps objects
 * of the identity map consistent with the rows it writes. */
typedef struct nf_vm_sync {
    void *ud;
    nf_vm_status (*synchronize)(void *ud, nf_vm *vm, int mode, nf_vm_obj *const *objs, uint32_t n);
} nf_vm_sync;

/* Lua actions (stdlib/std_lua*.c): runs the action at index `action` of the module (kind
 * NF_BK_LUA) with its nparams arguments (registers, read only) and writes its result into *out
 * (already empty of the declared kind; left so for actions without a result). Failures are
 * raised (LuaError, or LimitExceeded for the Lua instruction budget and memory limit); a Lua
 * action never suspends. The VM calls it instead of host.action for Lua actions. */
typedef struct nf_vm_lua {
    void *ud;
    nf_vm_status (*call)(void *ud, nf_vm *vm, uint32_t action, const nf_val *args, nf_val *out);
} nf_vm_lua;

/* Mendix's message for a synchronize started while another runs. */
#define NF_VM_SYNC_BUSY_MESSAGE                                                                    \
    "Performing simultaneous synchronizations is not supported. Please try again after the "       \
    "current synchronization is completed."

/* ---- the runtime
 * ----------------------------------------------------------------------------------- */

typedef struct nf_vm_limits {
    uint64_t max_instructions; /* per call of nf_vm_call; 0 = unlimited */
    uint32_t max_depth;        /* frames */
    size_t max_memory;         /* bytes of values and objects; 0 = unlimited */
} nf_vm_limits;

/* lua_Alloc-shaped: nsize 0 frees ptr (returns NULL); otherwise (re)allocates. */
typedef void *(*nf_vm_allocator)(void *ud, void *ptr, size_t osize, size_t nsize);

typedef struct nf_vm_config {
    nf_vm_allocator alloc; /* NULL: malloc/realloc/free */
    void *alloc_ud;
    nf_vm_limits limits;
    nf_dec_rounding rounding;      /* round(): NF_DEC_HALF_AWAY (default) or NF_DEC_HALF_EVEN */
    const nf_vm_builtin *builtins; /* NF_FN_COUNT_ entries (stdlib's table) */
    void *builtin_ctx;             /* stdlib's per-runtime state (time zone, regex cache, …) */
    /* toString() of a DateTime ('Mon Jan 01 00:00:00 CET 2007', in the user's time zone) */
    nf_vm_status (*datetime_text)(nf_vm *vm, int64_t ms, nf_val *out);
    nf_vm_host host;
    const nf_vm_store *store; /* NULL: objects live in memory only (retrieves fail) */
    const nf_vm_sync *sync;   /* NULL: synchronize raises "no server is configured" */
    const nf_vm_lua *lua;     /* NULL: Lua actions go to host.action like the others */
    /* Coverage probes (NOP with A = 1, compiled only by `nanoflow test --coverage`): called
     * with the flow and pc of each probe executed; NULL: probes do nothing. Production code
     * has no NOPs, so this costs nothing there. */
    void (*probe)(void *ud, uint32_t flow, uint32_t pc);
    void *probe_ud;
} nf_vm_config;

/* Per entity: the flattened attribute count and the associations its objects own (the `from`
 * side, generalizations included), with their slots in nf_vm_obj.assocs. */
typedef struct nf_vm_layout {
    uint32_t nattrs;
    uint32_t nowned;
    int16_t *slot; /* by association index: the slot, or -1 when not owned */
    nf_val *blank; /* nattrs + nowned values: every member empty of its type (a new object's
                      members before defaults) */
} nf_vm_layout;

/* Per flow, prepared once: what CALL needs in one place (the flow, its register and parameter
 * counts), the registers' initial values (empty, with their kinds and refs), so a call copies
 * them in one go, and the registers that can hold a reference, so a return releases only
 * those. */
typedef struct nf_vm_flowinfo {
    const nf_bc_flow *flow;
    nf_val *init;      /* nregs values */
    uint16_t *counted; /* registers of kind String, Decimal, Object or List */
    uint16_t ncounted;
    uint16_t nregs, nparams;
    uint8_t scalar_params; /* every parameter is Boolean, Integer, DateTime or Enumeration */
    uint16_t nreset;       /* registers to empty when the template copy is skipped (vm_regs.c) */
    uint8_t *reset;
} nf_vm_flowinfo;

struct nf_vm {
    const nf_bc_module *m;
    nf_vm_flowinfo *flowinfo; /* by flow */
    nf_vm_config cfg;
    nf_vm_layout *layout; /* by entity */
    /* registers of every frame */
    nf_val *stack;
    uint32_t stack_top, stack_cap;
    nf_vm_frame *frames;
    uint32_t nframes, frames_cap;
    uint32_t entry_depth;  /* frames below the running call (nested nf_vm_call) */
    uint32_t frames_limit; /* min(frames_cap, entry_depth + max_depth): CALL pushes its frame
                              inline while nframes is below it (nf_vm_set_entry_depth) */
    /* limits */
    int64_t budget; /* instructions left in this call */
    size_t mem_used;
    volatile int cancel; /* set by nf_vm_cancel from any thread */
    /* set by nf_vm_cancel_sync (any thread) or `cancel synchronization`: the running
     * synchronize stops before its next request (cleared when one starts) */
    volatile int sync_cancel;
    /* a call parked on a host action (NF_VM_SUSPENDED) */
    uint8_t suspended;
    uint8_t susp_reg;     /* the top frame's register for the host's result, 255 for none */
    uint8_t resume_error; /* nf_vm_resume_error: raise at the parked instruction */
    uint8_t syncing;      /* a synchronize is running (isSyncing()) */
    /* the error being raised */
    nf_vm_errtype err_type;
    char err_msg[512];
    uint32_t err_flow, err_line; /* where it was raised first (flow index, source line) */
    bool err_located;
    /* objects */
    nf_vm_obj *objects; /* every live object */
    nf_vm_obj *unsaved; /* persistable objects new or changed since their row was written */
    nf_vm_obj **idmap;  /* stored objects by id: open addressing, NULL free, tomb deleted */
    uint32_t idmap_cap, idmap_used; /* slots, and slots not free (live + tombstones) */
    uint64_t rng;                   /* default random source */
    uint64_t ids_made;              /* object ids generated (mixed into each id) */
    /* the constant pool as values (strings and decimals prepared once) */
    nf_val *consts;
    nf_val empty_string; /* '' (what an empty String attribute reads as in nanoflows) */
};

/* Creates a runtime for a verified module (which must outlive it). */
nf_vm *nf_vm_new(const nf_bc_module *m, const nf_vm_config *cfg);
void nf_vm_free(nf_vm *vm);

/* Calls flow `flow` with nparams arguments (copied; the caller keeps its values). On NF_VM_OK
 * *result receives the return value (owned by the caller; empty of kind VOID for Nothing). On
 * NF_VM_ERROR the error is in vm->err_*; NF_VM_SUSPENDED: a host callback parked the call (see
 * nf_vm_resume). */
nf_vm_status nf_vm_call(nf_vm *vm, uint32_t flow, const nf_val *args, uint32_t nargs,
                        nf_val *result);
/* A host callback that returned NF_VM_SUSPENDED parked the call: every frame stays as it was and
 * nf_vm_call returned NF_VM_SUSPENDED. nf_vm_resume continues it with the action's result (value
 * may be NULL for actions without one; the value is copied), nf_vm_resume_error makes the parked
 * instruction fail with an error of `type` (handlers apply), and nf_vm_abandon drops it. The
 * final result or error is delivered as by nf_vm_call; the call may suspend again. Only the
 * outermost call can suspend (a host callback re-entering the runtime cannot). */
nf_vm_status nf_vm_resume(nf_vm *vm, const nf_val *value, nf_val *result);
nf_vm_status nf_vm_resume_error(nf_vm *vm, nf_vm_errtype type, const char *message, nf_val *result);
void nf_vm_abandon(nf_vm *vm);
/* Asks a running call to stop at the next loop iteration or call (thread-safe). */
void nf_vm_cancel(nf_vm *vm);
/* Asks the running synchronize to stop before its next request (any thread; nothing happens
 * when none runs). */
void nf_vm_cancel_sync(nf_vm *vm);
/* The index of flow `name`, or NF_BC_NONE. */
uint32_t nf_vm_flow_named(const nf_vm *vm, const char *name);

/* Records an error of `type` (the message printf-style) and returns NF_VM_ERROR. */
nf_vm_status nf_vm_raise(nf_vm *vm, nf_vm_errtype type, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- memory, strings, values (vm_value.c)
 * ------------------------------------------------------------ */

void *nf_vm_alloc(nf_vm *vm, size_t n); /* counted against max_memory; NULL when over */
void *nf_vm_realloc(nf_vm *vm, void *p, size_t old, size_t n);
void nf_vm_dealloc(nf_vm *vm, void *p, size_t n);
/* round(x, places) for a Decimal x with an int64 mantissa when at most 18 digits are dropped,
 * half away from zero or half even, into *ra (which holds no big mantissa): the fast path of
 * round(). False: use nf_dec_round. */
bool nf_vm_round_small(const nf_val *x, int32_t places, nf_dec_rounding mode, nf_val *ra);
/* Raises LimitExceeded for a failed allocation of n bytes: naming the memory limit when that is
 * what refused it, else the machine's memory. `what` says what was being allocated. */
nf_vm_status nf_vm_no_memory(nf_vm *vm, size_t n, const char *what);
/* A new string (NULL after raising on out-of-memory / the memory limit). */
nf_vm_str *nf_vm_str_new(nf_vm *vm, const char *s, size_t len);
void nf_vm_str_release(nf_vm *vm, nf_vm_str *s);
/* A String value holding s (copied). Returns NF_VM_ERROR when out of memory. */
nf_vm_status nf_vm_string(nf_vm *vm, const char *s, size_t len, nf_val *out);
/* toString() of a value (empty → ''), into a String value. */
nf_vm_status nf_vm_to_string(nf_vm *vm, const nf_val *v, nf_val *out);
/* Value equality as `=` (empty = empty; objects by identity). */
bool nf_vm_val_equal(const nf_val *a, const nf_val *b);

/* ---- objects and lists (vm_object.c, vm_list.c)
 * -------------------------------------------------- */

nf_vm_obj *nf_vm_obj_new(nf_vm *vm, uint32_t entity); /* defaults applied; one reference */
/* An object with no id and every attribute empty; with rowids, room for the ids of targets
 * not loaded yet (for rows read from a store). */
nf_vm_obj *nf_vm_obj_blank(nf_vm *vm, uint32_t entity, bool rowids);
void nf_vm_idmap_free(nf_vm *vm);
void nf_vm_obj_release(nf_vm *vm, nf_vm_obj *o);
nf_vm_list *nf_vm_list_new(nf_vm *vm, uint32_t entity, uint32_t cap);
void nf_vm_list_release(nf_vm *vm, nf_vm_list *l);
nf_vm_status nf_vm_list_push(nf_vm *vm, nf_vm_list *l, nf_vm_obj *o); /* adds a reference */
nf_vm_list *nf_vm_list_copy(nf_vm *vm, const nf_vm_list *l);
bool nf_vm_list_contains(const nf_vm_list *l, const nf_vm_obj *o);
/* Gives o a fresh id (only for a new object that has no row yet). */
void nf_vm_obj_new_id(nf_vm *vm, nf_vm_obj *o);
/* The UUID of o as text (36 characters + NUL). */
void nf_vm_obj_id_text(const nf_vm_obj *o, char out[37]);
void nf_vm_obj_destroy(nf_vm *vm, nf_vm_obj *o); /* ignores the reference count */
void nf_vm_obj_drop_saved(nf_vm *vm, nf_vm_obj *o);
/* Puts the snapshot back (rollback of a committed object) and clears `changed`. */
void nf_vm_obj_restore(nf_vm *vm, nf_vm_obj *o);
/* Commit, rollback and delete of one object or every object of a list value (empty: nothing),
 * through the store when there is one (vm_store.c). */
nf_vm_status nf_vm_commit(nf_vm *vm, const nf_val *v);
nf_vm_status nf_vm_rollback(nf_vm *vm, const nf_val *v);
nf_vm_status nf_vm_delete(nf_vm *vm, const nf_val *v, bool nanoflow);
/* Marks o changed before a write: the first change since the last commit takes the snapshot
 * rollback restores and, for a stored object, puts it on the unsaved list. */
nf_vm_status nf_vm_obj_touch(nf_vm *vm, nf_vm_obj *o);
/* The owned association slot of `assoc` in o with a pending target loaded, or NULL when o is on
 * the `to` side. */
nf_vm_status nf_vm_assoc_slot(nf_vm *vm, nf_vm_obj *o, uint32_t assoc, nf_val **slot);
/* A retrieve from the database (descriptor words d, the flow's registers R) into *out. */
nf_vm_status nf_vm_retrieve(nf_vm *vm, const uint32_t *d, const nf_val *R, nf_val *out);
/* The objects associated with o over assoc from the `to` side (owners of slots holding o), into
 * a new list. */
nf_vm_status nf_vm_assoc_reverse(nf_vm *vm, nf_vm_obj *o, uint32_t assoc, nf_vm_list **out);
nf_vm_status nf_vm_clear_device(nf_vm *vm, uint32_t entity);
/* synchronize (vm_sync.c): mode as nf_vm_sync; for mode 2 the n values at regs (objects or
 * lists). */
nf_vm_status nf_vm_synchronize(nf_vm *vm, int mode, const nf_val *regs, uint32_t n);
/* For stores: the object of a row with `id` of `entity`. *fresh tells whether it was created
 * (the store then fills attrs, pending references and sync, and it is COMMITTED and stored); an
 * instance already in memory is returned as it is. Returns a new reference, or NULL after
 * raising. */
nf_vm_obj *nf_vm_obj_row(nf_vm *vm, uint32_t entity, const uint8_t id[16], bool *fresh);
/* Sets the pending target id of owned slot `slot` of a fresh row object. */
nf_vm_status nf_vm_obj_set_pending(nf_vm *vm, nf_vm_obj *o, uint32_t slot, const uint8_t id[16]);
/* The member values a commit writes: attribute or owned slot i has changed since the snapshot
 * (always true for a new object). Owned slots are numbered after the attributes. */
bool nf_vm_obj_member_changed(const nf_vm_obj *o, uint32_t i);
/* The id of the object an owned slot refers to (held or pending); false when empty. */
bool nf_vm_obj_slot_id(const nf_vm *vm, nf_vm_obj *o, uint32_t slot, uint8_t id[16]);
/* Does o match XPath node x (evaluated in memory, with the store's semantics)? */
nf_vm_status nf_vm_xpath_match(nf_vm *vm, nf_vm_obj *o, uint32_t x, const nf_val *regs,
                               bool *match);
nf_vm_obj *nf_vm_idmap_get(nf_vm *vm, const uint8_t id[16]);
bool nf_vm_idmap_put(nf_vm *vm, nf_vm_obj *o);
void nf_vm_idmap_remove(nf_vm *vm, nf_vm_obj *o);
/* Links/unlinks o on the unsaved list (unlinking drops the hold). Linking can fail only for
 * lack of memory (raised). */
nf_vm_status nf_vm_unsaved_link(nf_vm *vm, nf_vm_obj *o);
/* o's snapshot (nf_vm_obj_ext.saved), or NULL. */
static inline nf_val *nf_vm_obj_saved(const nf_vm_obj *o) {
    return o->ext ? o->ext->saved : NULL;
}
/* Frees o's side part once nothing in it is in use. */
void nf_vm_obj_ext_trim(nf_vm *vm, nf_vm_obj *o);
void nf_vm_unsaved_unlink(nf_vm *vm, nf_vm_obj *o);
/* Is entity e persistable (a store may hold its objects)? */
bool nf_vm_persistable(const nf_vm *vm, uint32_t e);
/* The value of member `member` (attribute index or NF_BC_ASSOC_MEMBER|association) of o,
 * borrowed (no reference added); a pending association target is loaded first. */
nf_vm_status nf_vm_member(nf_vm *vm, nf_vm_obj *o, uint32_t member, nf_val *out);
/* Removes the first occurrence of o from l (none: nothing happens, as in Mendix). */
void nf_vm_list_remove(nf_vm *vm, nf_vm_list *l, const nf_vm_obj *o);

/* ---- host services with defaults
 * ------------------------------------------------------------------ */

int64_t nf_vm_now(nf_vm *vm);     /* ms since the epoch (host clock or the system's) */
uint64_t nf_vm_random(nf_vm *vm); /* 64 random bits (host source or the runtime's) */

/* The ids of targets not loaded yet, one per owned slot, or NULL (an object not read from a
 * row). */
static inline uint8_t (*nf_vm_obj_pending(const nf_vm *vm, nf_vm_obj *o))[16] {
    if (!o->rowids) return NULL;
    return (uint8_t(*)[16])(void *)(o->attrs + o->nattrs + vm->layout[o->entity].nowned);
}

#endif
