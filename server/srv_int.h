/* srv_int.h — shared by the server's files (server/srv_*.c); not for other parts. */
#ifndef NF_SRV_INT_H
#define NF_SRV_INT_H

#include <jansson.h>
#include <stdatomic.h>
#include <sqlite3.h>

#include "srv.h"
#include "std_builtins.h"
#include "std_store.h"
#include "vm.h"

struct MHD_Daemon;

struct nf_srv {
    nf_srv_config cfg;
    const nf_bc_module *m;
    nf_std_store *store;
    sqlite3 *db;
    nf_vm *vm; /* for building XPath queries (access rules, the offline profile) */
    struct MHD_Daemon *daemon;
    unsigned port;
    char model_hash[17];
    FILE *log;
    atomic_bool stopped; /* set by nf_srv_stop, read by the HTTP thread */
    /* Session keys of recently seen tokens (srv_auth.c): deriving one is 1,000 rounds of
     * SHA-256 by design, and one synchronization sends dozens of requests with one token. */
    struct {
        char token[44]; /* "" when the slot is free */
        char key[128];
    } token_keys[8];
    unsigned token_next;
};

/* The signed-in user of a request. */
typedef struct nf_srv_user {
    char name[128];
    char id[37];
    uint32_t entity;
    uint8_t *module_roles; /* m->nroles flags: 1 when the user has that module role */
    char *roles;           /* user role names, comma-separated (malloc'd) */
} nf_srv_user;
void nf_srv_user_free(nf_srv_user *u);

/* One request as the handlers see it. */
typedef struct nf_srv_call {
    nf_srv *s;
    const nf_srv_request *rq;
    const char *method, *path;
    const char *body;
    size_t body_len;
    char client[33]; /* X-NF-Client, "" when absent */
    nf_srv_user user;
    bool signed_in;
    /* the answer */
    int status;
    json_t *reply; /* owned */
    char *raw;     /* a binary answer instead (malloc'd, owned), with its length */
    size_t raw_len;
    const char *raw_type; /* raw's content type; NULL: application/octet-stream */
    char range[48];       /* response headers (see nf_srv_response) */
    char etag[32];
} nf_srv_call;

/* Sets an error answer: {"error": {"type", "message", "retry"}}. Returns false. */
bool nf_srv_error(nf_srv_call *c, int status, const char *type, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* A query argument or a header of the request, or NULL. */
const char *nf_srv_arg(nf_srv_call *c, const char *name);
const char *nf_srv_header(nf_srv_call *c, const char *name);
/* The request body as JSON (strict: no duplicates, an object, nesting at most 64); NULL after
 * setting a 400 answer. Caller decrefs. */
json_t *nf_srv_body_json(nf_srv_call *c);

/* srv_core.c: one request (too_big: the body was over the limit and dropped; start: when its
 * headers arrived, for the log). */
struct timespec;
int nf_srv_handle_ex(nf_srv *s, const nf_srv_request *rq, bool too_big,
                     const struct timespec *start, nf_srv_response *out);
/* Decodes the %XX escapes of text[0..n) in place (and '+' as a space when plus), except %00,
 * which stays encoded so that no NUL ends a path or argument early; NUL-terminates and returns
 * the new length (srv_inproc.c). */
size_t nf_srv_unescape(char *text, size_t n, bool plus);
/* The body limit of a request to path (files have their own). */
size_t nf_srv_body_limit(const nf_srv *s, const char *path);
/* The request id as logged and echoed: printable ASCII without spaces or quotes, at most 64. */
void nf_srv_clean_id(const char *in, char out[65]);

/* ---- srv_db.c: the server tables ---------------------------------------------------------- */
bool nf_srv_db_init(nf_srv *s, char *err, size_t errn);
/* Runs sql (no results). */
bool nf_srv_exec(nf_srv *s, const char *sql);
/* A cached statement (NULL on error, logged). */
sqlite3_stmt *nf_srv_stmt(nf_srv *s, const char *sql);
/* Next value of the server change sequence (inside a transaction); -1 on error. */
int64_t nf_srv_next_seq(nf_srv *s);
int64_t nf_srv_current_seq(nf_srv *s);
/* A random UUID (v4) as text. */
bool nf_srv_uuid(char out[37]);
/* Milliseconds since the epoch (wall clock). */
int64_t nf_srv_now_ms(void);
/* ISO-8601 UTC with milliseconds; and back (false on a malformed text). */
void nf_srv_iso(int64_t ms, char out[32]);
bool nf_srv_parse_iso(const char *s, int64_t *ms);
/* Logs a line. */
void nf_srv_logf(nf_srv *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- srv_auth.c: users, passwords, sessions ---------------------------------------------- */
bool nf_srv_seed_users(nf_srv *s, char *err, size_t errn);
bool nf_srv_login(nf_srv_call *c);
bool nf_srv_logout(nf_srv_call *c);
/* Checks the bearer token and loads c->user; false after setting a 401 answer. */
bool nf_srv_authenticate(nf_srv_call *c);

/* ---- srv_access.c: entity access for the signed-in user ---------------------------------- */
typedef struct nf_srv_rights {
    uint32_t rights;   /* union of nf_bc_rights over the rules considered */
    uint8_t *readable; /* per column of the entity's table (attributes, then references) */
    uint8_t *writable;
    bool any; /* some rule applies */
} nf_srv_rights;
void nf_srv_rights_free(nf_srv_rights *r);
/* The rights of the user's rules on entity e; with row_id, only rules whose XPath the row
 * matches (row_id NULL: every rule of the user's roles, XPath ignored). False on error. */
bool nf_srv_rights_of(nf_srv_call *c, uint32_t e, const char *row_id, nf_srv_rights *out);
/* Marks the columns rule a lets its users read. */
void nf_srv_rule_readable(const nf_std_table *t, const nf_bc_access *a, uint8_t *readable);
/* Whether the row matches XPath node xpath of entity e (evaluated as SQL, [%CurrentUser%] is
 * the user). -1 on error. */
int nf_srv_xpath_match(nf_srv_call *c, uint32_t e, uint32_t xpath, const char *row_id);
/* Appends " AND _id IN (SELECT _id FROM (<query of e with xpath>))" to sql, collecting its
 * bound values (released with nf_std_sqlq_free). */
bool nf_srv_xpath_filter(nf_srv_call *c, uint32_t e, uint32_t xpath, nf_std_text *sql,
                         nf_std_sqlq *binds);

/* ---- srv_values.c: values on the wire (§3) ------------------------------------------------ */
/* A member value decoded for binding. */
typedef struct nf_srv_val {
    int type; /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_TEXT */
    int64_t i;
    const char *s; /* into the JSON document, or into dec */
    size_t n;
    const char *limit; /* a value of the right type beyond the attribute's limits: why */
    char dec[48];      /* a Decimal as stored (rounded half even to 8 places) */
} nf_srv_val;
/* Decodes v for column col of table t; false with a message. */
bool nf_srv_decode(nf_srv *s, const nf_std_table *t, uint32_t col, json_t *v, nf_srv_val *out,
                   char *err, size_t errn);
int nf_srv_bind(sqlite3_stmt *st, int i, const nf_srv_val *v);
/* Column col of table t as JSON from statement column k (NULL: null). */
json_t *nf_srv_encode(nf_srv *s, const nf_std_table *t, uint32_t col, sqlite3_stmt *st, int k);
/* The same value appended to out as JSON text; false (out unchanged) when it has none (a String
 * that is not valid UTF-8: jansson refuses it, so the member is left out, as with the tree). */
bool nf_srv_encode_text(nf_srv *s, const nf_std_table *t, uint32_t col, sqlite3_stmt *st, int k,
                        nf_std_text *out);
/* s[0, n) appended to out as a JSON string; false (out unchanged) when it is not valid UTF-8. */
bool nf_srv_json_string(nf_std_text *out, const char *s, size_t n);
/* The member name of column col (attribute name or association name). */
const char *nf_srv_member(nf_srv *s, const nf_std_table *t, uint32_t col);
/* The quoted column name of column col. */
const char *nf_srv_col(const nf_std_table *t, uint32_t col);
/* The column of member name, or -1. */
int nf_srv_find_member(nf_srv *s, const nf_std_table *t, const char *name);
/* Whether the column is synchronized at all (not hashed, binary or calculated). */
bool nf_srv_col_synced(nf_srv *s, const nf_std_table *t, uint32_t col);
/* The entity of "Module.Entity", or NF_BC_NONE. */
uint32_t nf_srv_entity(nf_srv *s, const char *name);
/* Appends {"entity", "id", "rev", "values"} of the row with id (readable members only) to out
 * as JSON text and sets *rev: 1; or null when there is no such row: 0; -1 on error. */
int nf_srv_row_text(nf_srv_call *c, uint32_t e, const char *id, const nf_srv_rights *r,
                    nf_std_text *out, int64_t *rev);

/* ---- srv_events.c: entity event handlers on uploaded objects ------------------------------ */
/* A runtime for server-side flows: the store, the expression functions (UTC), kernel random
 * bits, the server's log; UI actions are logged and ignored. */
typedef struct nf_srv_rt {
    nf_vm *vm;
    nf_std_ctx ctx;
    bool ctx_open;
} nf_srv_rt;
bool nf_srv_rt_open(nf_srv *s, nf_srv_rt *h);
void nf_srv_rt_close(nf_srv_rt *h);
/* Whether entity e (or a generalization) has handlers of moment (0 before, 1 after) and type
 * (0 create, 1 commit, 2 delete). */
bool nf_srv_has_events(const nf_bc_module *m, uint32_t e, int moment, int type);
/* Inside savepoint nf_obj, after the uploaded object was written to its row: runs the
 * before-commit (and, for new objects, before-create) handlers on it with the row rolled back
 * to the server's version, then writes the object as the handlers left it (a new revision at
 * seq). 0 applied, 1 rejected (reason), 2 database or runtime failure. */
int nf_srv_before_commit(nf_srv *s, uint32_t e, const char *id, bool isnew, int64_t seq,
                         char *reason, size_t n);
/* Runs the after-commit (and after-create) handlers on the written row; same results. */
int nf_srv_after_commit(nf_srv *s, uint32_t e, const char *id, bool isnew, char *reason, size_t n);
/* Runs the before-delete handlers on the row, remove(ud) (which deletes it; false: failure),
 * then the after-delete handlers on the object; same results. */
int nf_srv_delete_events(nf_srv *s, uint32_t e, const char *id, bool (*remove)(void *ud), void *ud,
                         char *reason, size_t n);
/* Whether entity e has validation rules beyond `required` (range, regex, unique) or unique
 * attributes: checked by the store's own validation on the written row (nf_srv_validate_rules:
 * 0 valid, 1 rejected with the rule's message, 2 failure). */
bool nf_srv_needs_rules(const nf_bc_module *m, uint32_t e);
int nf_srv_validate_rules(nf_srv *s, uint32_t e, const char *id, char *reason, size_t n);
/* Turns rows that handlers committed or deleted through the store into server rows. */
bool nf_srv_settle(nf_srv *s, int64_t seq);

/* ---- srv_upload.c, srv_download.c --------------------------------------------------------- */
bool nf_srv_upload(nf_srv_call *c);
/* srv_files.c: PUT, HEAD, GET /nf/v1/files/{id} (§7); linking a file to the object a unit
 * saves (0 linked or nothing to do, 1 rejected with reason, 2 failure). */
bool nf_srv_files(nf_srv_call *c, const char *id);
int nf_srv_file_link(nf_srv *s, uint32_t e, const char *id, bool isnew, char *reason, size_t n);
/* srv_call.c: POST /nf/v1/call/{Module.Microflow} (name: what follows call/). */
bool nf_srv_call_microflow(nf_srv_call *c, const char *name);
bool nf_srv_download(nf_srv_call *c);

#endif
