/* std_sync.h — the synchronization client (docs/sync-protocol.md, docs/sync-client.md): the
 * `synchronize` action over a transport (std_transport.h), with the local store's side in
 * std_sync_store.c and the JSON wire format in std_sync_wire.c. */
#ifndef NF_STD_SYNC_H
#define NF_STD_SYNC_H

#include <jansson.h>

#include "std_store.h"
#include "std_transport.h"

typedef struct nf_std_sync nf_std_sync;
typedef struct nf_std_sync_list nf_std_sync_list; /* below */

/* A log sink for the client's progress (never credentials, tokens or bodies); may be NULL. */
typedef void (*nf_std_sync_log)(void *ud, int level, const char *text);

/* A client for store s (which must outlive it) talking through transport t (owned from now on,
 * even on failure). user and password are copied; NULL: no login (a token is then never
 * obtained and every request goes without Authorization). Creates the client's tables
 * (_nf_quarantine, _nf_pass) when missing. NULL with a message in err on failure. */
nf_std_sync *nf_std_sync_new(nf_std_store *s, nf_std_transport *t, const char *user,
                             const char *password, nf_std_sync_log log, void *log_ud, char *err,
                             size_t errn);
void nf_std_sync_free(nf_std_sync *c);
/* The interface for nf_vm_config.sync (valid while c lives). */
const nf_vm_sync *nf_std_sync_iface(nf_std_sync *c);
/* Objects in the quarantine. */
int64_t nf_std_sync_quarantined(nf_std_sync *c);
/* Objects and bytes of JSON per upload request (default 1,000 and 4 MB; tests lower them). A
 * request holds whole units; a unit bigger than the limits goes alone. */
void nf_std_sync_set_batch(nf_std_sync *c, uint32_t objects, size_t bytes);
/* Rows per download page (default 500). */
void nf_std_sync_set_page(nf_std_sync *c, uint32_t rows);
/* Bytes per file upload request (default 1 MB; tests lower it). */
void nf_std_sync_set_file_chunk(nf_std_sync *c, size_t bytes);
/* `call microflow` from a nanoflow over the sync session (§8, std_sync_call.c): the arguments
 * (primitives, non-persistable objects and lists of them) as JSON, the result by the flow's
 * declared type; a 422 raises the microflow's error type. */
nf_vm_status nf_std_sync_call(nf_std_sync *c, nf_vm *vm, uint32_t flow, const nf_val *args,
                              nf_val *out);

/* A JSON value of the wire format (§3; objects as {"entity", "values"}: new non-persistable
 * objects) as a VM value of type t, into *out (empty of t before); what names the source in
 * the error a value of another shape raises (std_sync_call.c). */
nf_vm_status nf_std_sync_json_value(nf_vm *vm, const json_t *j, nf_bc_type t, nf_val *out,
                                    const char *what);

/* ---- for the client's other files (std_sync_call.c, std_sync_files.c) ---- */

/* One request with the protocol's headers (plus up to 4 extra ones; ctype NULL: no body type);
 * a 401 logs in again once and repeats it. NF_VM_OK: *rs holds an answer of any status (free it
 * with nf_std_http_response_free). A network failure raises ConnectionError; a synchronize
 * cancelled (nf_vm_cancel_sync, `cancel synchronization`, nf_vm_cancel) raises Cancelled
 * before the request is sent. */
nf_vm_status nf_std_sync_send(nf_std_sync *c, nf_vm *vm, const char *method, const char *path,
                              const char *ctype, const char *body, size_t len,
                              const nf_std_http_header *extra, size_t nextra,
                              nf_std_http_response *rs);
/* A JSON request: *out the parsed body of a 200; other statuses raise their error (§9). */
nf_vm_status nf_std_sync_request(nf_std_sync *c, nf_vm *vm, const char *method, const char *path,
                                 const json_t *body, json_t **out);
/* Raises the error of a non-2xx answer (§9). */
nf_vm_status nf_std_sync_http_error(nf_vm *vm, const nf_std_http_response *rs);
/* Logs in when there is no token and a user is configured. */
nf_vm_status nf_std_sync_login_if_needed(nf_std_sync *c, nf_vm *vm);
/* Appends s percent-encoded for a URL path or query. */
void nf_std_sync_url_put(nf_std_text *t, const char *s);
nf_std_store *nf_std_sync_store(nf_std_sync *c);

/* ---- std_sync_files.c: contents of System.FileDocument objects (§7) ---- */

/* Creates _nf_files when missing. */
bool nf_std_files_prepare(nf_std_store *s, char *err, size_t errn);
/* Whether entity e is System.FileDocument or a specialization. */
bool nf_std_files_is_file(const nf_std_store *s, uint32_t e);
/* Stores the contents of file object o (copied) as a local change: in one transaction the
 * contents are kept for upload and, when o has a row, the row gets HasContents and Size as a
 * new commit unit; o in memory gets them too. */
nf_vm_status nf_std_files_set(nf_std_store *s, nf_vm *vm, nf_vm_obj *o, const void *bytes,
                              size_t len);
/* The local contents of the object with id (malloc'ed; *found false when there are none). */
nf_vm_status nf_std_files_get(nf_std_store *s, nf_vm *vm, const uint8_t id[16], void **bytes,
                              size_t *len, bool *found);
/* Uploads the pending contents of the file objects among l's saves, before their units (PUT in
 * parts of the chunk size; a file whose earlier upload stopped resumes where HEAD says the
 * server is). Any failure raises and stops the synchronize before a unit is sent. */
nf_vm_status nf_std_files_upload(nf_std_sync *c, nf_vm *vm, const nf_std_sync_list *l, size_t chunk,
                                 uint32_t *files);
/* After the upload: contents whose object's unit was applied are synchronized (their revision
 * is the row's). */
nf_vm_status nf_std_files_settle(nf_std_store *s, nf_vm *vm);
/* Downloads the contents of the synchronized file rows (HasContents set) whose revision differs
 * from the revision of the contents the device has (GET; the ETag is the revision), after the
 * rows' download. Contents set on the device and not yet uploaded are never replaced. */
nf_vm_status nf_std_files_download(nf_std_sync *c, nf_vm *vm, uint32_t *files);

/* ---- std_sync_wire.c: values on the wire (§3) ---- */

/* The JSON value of column c of st holding attribute kind `kind` (Reference: kind NF_BT_OBJ);
 * a new reference, NULL when out of memory. */
json_t *nf_std_wire_from_column(sqlite3_stmt *st, int c, uint8_t kind);
/* Binds JSON value v for a column of attribute kind `kind` (Reference: NF_BT_OBJ) at index i.
 * False when v does not have that type (a malformed answer). */
bool nf_std_wire_bind(sqlite3_stmt *st, int i, uint8_t kind, const json_t *v);
/* DateTimes: ms since the epoch <-> "2026-01-01T09:30:00.000Z". */
void nf_std_wire_time_text(int64_t ms, char out[32]);
bool nf_std_wire_time_parse(const char *s, int64_t *ms);
/* A server's error body (§9): type and message (borrowed from body's JSON, copied to out);
 * false when the body is not one. */
bool nf_std_wire_error(const char *body, size_t len, char *type, size_t typen, char *msg,
                       size_t msgn);

/* ---- std_sync_store.c: the store's side ---- */

/* An object to upload: its entity's table, unit, id and the JSON of §5.1 as compact text
 * (malloc'd; the request bodies are put together from it, and the quarantine keeps it). */
typedef struct nf_std_sync_obj {
    nf_std_table *t;
    int64_t seq;
    uint8_t state; /* the row's _state when read */
    char id[37];
    char *json;
    size_t json_len;
} nf_std_sync_obj;

typedef struct nf_std_sync_list {
    nf_std_sync_obj *v;
    size_t n, cap;
} nf_std_sync_list;
void nf_std_sync_list_free(nf_std_sync_list *l);

/* The objects to upload, in unit (seq) order: mode 0/1 every pending row of the offline
 * entities that synchronize (download mode not `never`), mode 2 the pending rows of objs. */
nf_vm_status nf_std_sync_pending(nf_std_store *s, nf_vm *vm, int mode, nf_vm_obj *const *objs,
                                 uint32_t n, nf_std_sync_list *out);

/* Records the new objects of sent[from, to) in _nf_sent before they go out: until their answer
 * arrives the server may have them, so deleting one locally must upload the deletion. */
nf_vm_status nf_std_sync_mark_sent(nf_std_store *s, nf_vm *vm, const nf_std_sync_list *sent,
                                   size_t from, size_t to);
/* Applies an upload response (§5.5) for the objects sent[from, to) in one transaction; the
 * objects of the identity map are refreshed after it committed. A malformed answer raises
 * ConnectionError and changes nothing. *quarantined counts objects moved to the quarantine. */
nf_vm_status nf_std_sync_apply_upload(nf_std_store *s, nf_vm *vm, const nf_std_sync_list *sent,
                                      size_t from, size_t to, const json_t *resp, int64_t now,
                                      uint32_t *quarantined);

/* Download state in _nf_meta: the pass id ("pass"), and per entity "cursor:Module.Entity"
 * ("" before the first page). */
nf_vm_status nf_std_sync_meta_get(nf_std_store *s, nf_vm *vm, const char *key, char **value);
nf_vm_status nf_std_sync_meta_set(nf_std_store *s, nf_vm *vm, const char *key, const char *value);
/* Applies one download page of table t for pass in one transaction: rows without local changes
 * inserted or replaced, every row stamped with the pass, the cursor saved (next) or, at the
 * end (next NULL), the sweep of synchronized rows not stamped and the cursor removed. */
nf_vm_status nf_std_sync_apply_page(nf_std_store *s, nf_vm *vm, nf_std_table *t, const char *pass,
                                    const json_t *page, bool *done);
/* Download mode `nothing clear`: synchronized rows of t are removed. */
nf_vm_status nf_std_sync_clear_synced(nf_std_store *s, nf_vm *vm, nf_std_table *t);
/* Creates the client's tables when missing. */
bool nf_std_sync_store_prepare(nf_std_store *s, char *err, size_t errn);
int64_t nf_std_sync_store_quarantined(nf_std_store *s);
/* The quarantine as a JSON array (docs/sync-client.md), oldest first. */
nf_vm_status nf_std_sync_quarantine_list(nf_std_store *s, nf_vm *vm, json_t **out);
/* Puts entry qid's device values back as a new local commit (uploaded by the next synchronize:
 * new when the device has no row of the object, else changed) and removes the entry, in one
 * transaction; the object in memory is refreshed. *found false: no such entry. */
nf_vm_status nf_std_sync_resubmit(nf_std_store *s, nf_vm *vm, int64_t qid, bool *found);

#endif
