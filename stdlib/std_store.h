/* std_store.h — the local object store on SQLite (DESIGN §6), behind the VM's nf_vm_store.
 *
 * One file per app and user. A table per persistable entity named like the entity
 * ("Module.Entity"), a column per attribute (inherited ones included) and per Reference
 * association the entity owns ("Module.Association", the other object's id), and per row:
 *   _id       the object's UUID (text), the primary key
 *   _state    0 synced, 1 new (never synchronized), 2 changed, 3 deleted (kept for the next sync)
 *   _changed  the members changed since the last synchronization (",Name,Price,"), for
 *             conflict resolution per attribute; NULL for new rows (everything is new)
 *   _rev      the server's revision of the row (NULL until synchronized)
 *   _seq      the local commit that last wrote it (meta `seq` counts commits)
 * and a table _nf_meta (key, value): format, model hash, client id, seq, sync cursors. Column
 * types name the attribute type (TEXT, INTEGER, DECIMAL_TEXT, BOOLEAN_INT, DATETIME_INT,
 * ENUM_TEXT, REFERENCE_TEXT, BLOB) with the storage SQLite's affinity rules give them; Decimals
 * are plain text compared by the NF_DECIMAL collation, Strings compare without case by NF_NOCASE
 * (Unicode case folding), DateTimes are milliseconds since the epoch (UTC), enumerations their
 * key, and '' is stored as NULL (empty).
 *
 * WAL mode, synchronous FULL, one transaction per commit/delete action, prepared statements
 * cached per SQL text. XPath runs as parameterized SQL only: values are always bound. */
#ifndef NF_STD_STORE_H
#define NF_STD_STORE_H

#include <sqlite3.h>

#include "vm.h"

typedef struct nf_std_store nf_std_store;

/* What opening found: a message for each model change that could not be applied in place
 * (the data is kept), through this callback (may be NULL). */
typedef void (*nf_std_store_report)(void *ud, const char *message);

/* Opens (creating or migrating) the store for module m at path (NULL or ":memory:": in
 * memory). On failure returns NULL with a message in err: not a database, corrupt, locked by
 * another process, read-only, another app's database, or a newer format. */
nf_std_store *nf_std_store_open(const nf_bc_module *m, const char *path, nf_std_store_report report,
                                void *report_ud, char *err, size_t errn);
void nf_std_store_close(nf_std_store *s);
/* The interface for nf_vm_config.store (valid while s is open). */
const nf_vm_store *nf_std_store_iface(nf_std_store *s);
/* The id of the signed-in user's account object ('[%CurrentUser%]'); NULL: none. */
void nf_std_store_set_user(nf_std_store *s, const char *user_id);
sqlite3 *nf_std_store_db(nf_std_store *s);

/* ---- shared by the std_store*.c files ----------------------------------------------------- */

typedef struct nf_std_table {
    uint32_t entity;
    char *name;               /* quoted SQL identifier: "Module.Entity" */
    uint32_t nattrs;          /* flattened attributes, one column each */
    char **attr_cols;         /* quoted column names */
    const nf_bc_attr **attrs; /* the attributes, by flattened index */
    uint32_t nrefs;           /* owned Reference associations, one column each */
    uint32_t *ref_assoc;      /* association index */
    uint32_t *ref_slot;       /* owned slot in nf_vm_obj.assocs */
    char **ref_cols;          /* quoted column names */
    char *select_cols;        /* "_id, _state, cols…" for reading rows */
    sqlite3_stmt *upsert;     /* cached statements */
    sqlite3_stmt *insert;     /* first write of a new object: never overwrites a row */
    sqlite3_stmt *by_id;
    sqlite3_stmt **by_ref; /* per Reference column: the rows that refer to one id */
    /* the sync client's write of a server row with every member (std_sync_store.c), prepared at
     * first use; [1] leaves rows with local changes alone */
    sqlite3_stmt *sync_write[2];
} nf_std_table;

typedef struct nf_std_stmt_slot {
    char *sql;
    sqlite3_stmt *stmt;
} nf_std_stmt_slot;

struct nf_std_store {
    nf_vm_store iface;
    const nf_bc_module *m;
    sqlite3 *db;
    nf_std_table *tables; /* by entity (name NULL for entities that are not persistable) */
    nf_std_stmt_slot *cache;
    uint32_t cache_cap, cache_n;
    int64_t seq; /* commits so far */
    char *user_id;
    bool sent_table; /* _nf_sent exists (the sync client created it): see nf_std_store_remove */
    nf_std_store_report report;
    void *report_ud;
};

/* A growing text (SQL, member lists); after a failed allocation oom is set and puts stop. */
typedef struct nf_std_text {
    char *s;
    size_t len, cap;
    bool oom;
} nf_std_text;
/* Appends n bytes of p (no formatting). */
void nf_std_text_add(nf_std_text *t, const char *p, size_t n);
void nf_std_text_put(nf_std_text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The SQL type name of an attribute type. */
const char *nf_std_store_coltype(uint8_t kind);
/* A quoted identifier (malloc'd): "name" with inner quotes doubled. */
char *nf_std_store_quote(const char *name);
/* A statement for sql from the cache (prepared on first use); reset, bindings cleared. NULL
 * after raising on vm (when vm is not NULL). */
sqlite3_stmt *nf_std_store_stmt(nf_std_store *s, nf_vm *vm, const char *sql);
/* The ids of the live rows (not marked deleted) of table t whose reference column r holds idt
 * (malloc'ed, *n of them); NULL on failure (a database error or out of memory). Delete
 * behaviours use it: std_store_rw.c and the server's uploaded deletes. */
char (*nf_std_store_referrers(nf_std_store *s, const nf_std_table *t, uint32_t r, const char *idt,
                              size_t *n))[37];
/* Raises a RuntimeError naming what failed and SQLite's message. */
nf_vm_status nf_std_store_fail(nf_std_store *s, nf_vm *vm, const char *what);
/* UUID text <-> bytes. */
void nf_std_uuid_text(const uint8_t id[16], char out[37]);
bool nf_std_uuid_parse(const char *s, size_t n, uint8_t id[16]);
/* Every table of entity e and its specializations (returns the count; at most cap). */
uint32_t nf_std_store_tables_of(nf_std_store *s, uint32_t e, nf_std_table **out, uint32_t cap);

/* std_store_text.c: the collations and SQL functions, and the VM's text services. */
bool nf_std_store_register_functions(sqlite3 *db);
int nf_std_store_text_cmp(void *ud, const char *a, size_t alen, const char *b, size_t blen);
bool nf_std_store_text_find(void *ud, const char *hay, size_t hlen, const char *needle, size_t nlen,
                            int how);

/* std_store_sql.c: a query as SQL with bound values. */
typedef struct nf_std_sqlq {
    nf_std_text sql;
    nf_val *binds; /* values to bind in order (references held) */
    uint32_t nbinds, bcap;
} nf_std_sqlq;
void nf_std_sqlq_free(nf_vm *vm, nf_std_sqlq *q);
/* Builds the SELECT for q over the tables of its entity: columns `_e` (entity index), then the
 * query entity's table columns. */
nf_vm_status nf_std_store_build_query(nf_std_store *s, nf_vm *vm, const nf_vm_query *q,
                                      nf_std_sqlq *out);
/* Binds q's values to st. */
bool nf_std_store_bind_all(nf_vm *vm, sqlite3_stmt *st, const nf_std_sqlq *q);
/* Binds one value as it is stored (NULL for empty and ''). */
int nf_std_store_bind(nf_vm *vm, sqlite3_stmt *st, int i, const nf_val *v);
/* '[%Token%]' as a value (CurrentUser, CurrentDateTime, BeginOf…/EndOf…). */
nf_vm_status nf_std_store_token(void *ud, nf_vm *vm, const char *name, nf_val *out);

/* std_store_rw.c: the nf_vm_store operations. */
nf_vm_status nf_std_store_commit(void *ud, nf_vm *vm, nf_vm_obj *const *objs, uint32_t n);
nf_vm_status nf_std_store_remove(void *ud, nf_vm *vm, nf_vm_obj *const *objs, uint32_t n);
nf_vm_status nf_std_store_query(void *ud, nf_vm *vm, const nf_vm_query *q, nf_vm_list *out);
nf_vm_status nf_std_store_load(void *ud, nf_vm *vm, uint32_t entity, const uint8_t id[16],
                               nf_vm_obj **out);
nf_vm_status nf_std_store_clear(void *ud, nf_vm *vm, uint32_t entity);

/* ---- for the sync client ---- */

/* Column c of st (an attribute a as stored) into *out (empty of a's kind before; its ref kept). */
nf_vm_status nf_std_store_read_value(nf_std_store *s, nf_vm *vm, sqlite3_stmt *st, int c,
                                     const nf_bc_attr *a, nf_val *out);

/* ---- for the server (server/) ---- */

/* Checks o as a commit does — required and not-null members, String lengths, Decimal limits
 * (rounding o's Decimals as stored), range, regex and unique rules against the other rows — and
 * raises ValidationError on vm at the first failure. Writes nothing. */
nf_vm_status nf_std_store_validate(nf_std_store *s, nf_vm *vm, nf_vm_obj *o);

#endif
