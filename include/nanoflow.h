/* nanoflow.h — the embedding API of libnanoflow (DESIGN §8).
 *
 * One header for app shells, scripts and tests. The library compiles MDL sources or loads a
 * compiled module, creates runtimes for it and calls its flows.
 *
 *     nf_module *mod;
 *     char *diags;
 *     if (nf_module_compile_files(paths, 1, &mod, &diags) != NF_OK) { fputs(diags, stderr); … }
 *     nf_config cfg;
 *     nf_config_init(&cfg);
 *     cfg.timezone = "Europe/Amsterdam";
 *     nf_runtime *rt;
 *     nf_runtime_new(mod, &cfg, &rt, &err);
 *     nf_value *total;
 *     nf_arg args[] = {{"Count", nf_value_integer(rt, 3)}};
 *     if (nf_call(rt, "Shop.Total", args, 1, &total) == NF_OK) { … nf_value_free(total); }
 *     nf_value_free(args[0].value);
 *     nf_runtime_free(rt);
 *     nf_module_free(mod);
 *
 * Ownership, in one place:
 *   - A function that returns a new object through an `out` parameter (nf_module **,
 *     nf_runtime **, nf_value **) gives the caller ownership; free it with the matching *_free.
 *   - Text returned through `char **` is allocated with malloc: free it with nf_free (or free).
 *   - `const char *` results borrow memory owned by the object they come from and stay valid as
 *     long as it does, unless the function says otherwise.
 *   - Arguments are borrowed for the duration of the call; the library copies what it keeps.
 *   - A module must outlive every runtime created from it. A value keeps the memory of its
 *     runtime alive: values may be freed before or after nf_runtime_free (but are only usable
 *     with the runtime's functions while the runtime handle is live).
 *   - Never free a runtime, or abandon its call, from inside one of its own host callbacks.
 * Threads: a module is immutable and may be shared by runtimes on any threads. A runtime and its
 * values are used by one thread at a time; only nf_runtime_cancel may be called from another.
 * There is no global state: everything lives in modules and runtimes. */
#ifndef NANOFLOW_H
#define NANOFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2: show_page and close_page take the pages to close; nf_host.progress; nf_flow_param_of */
#define NF_API_VERSION 2

/* ---- status codes --------------------------------------------------------------------------- */

typedef enum nf_status {
    NF_OK = 0,
    NF_ERR_COMPILE,   /* the sources have errors: see the diagnostics text */
    NF_ERR_LOAD,      /* the module file could not be read or failed verification */
    NF_ERR_NOT_FOUND, /* no flow, parameter, member or enumeration value of that name */
    NF_ERR_ARGUMENT,  /* an argument is missing, has the wrong type, or its text does not parse */
    NF_ERR_FLOW,      /* the flow ended with an uncaught error: see nf_runtime_error_* */
    NF_ERR_STATE,     /* not possible now (e.g. a call is suspended, or nothing is) */
    NF_ERR_NOMEM,     /* out of memory */
    NF_SUSPENDED      /* the call waits for a host action: see nf_resume */
} nf_status;

/* The text of a status ("ok", "compile error", …); static storage. */
const char *nf_status_text(nf_status s);
/* Frees text the library returned through a `char **` parameter (NULL is fine). */
void nf_free(void *p);

/* ---- modules -----------------------------------------------------------------------------------
 */

typedef struct nf_module nf_module;

/* Compiles MDL sources held in memory: n texts with their lengths and display names (used in
 * diagnostics). On NF_OK *out is a verified module. On NF_ERR_COMPILE or NF_ERR_NOMEM *out is
 * NULL. If diagnostics is not NULL it receives the diagnostics as text (FILE:LINE:COL: …, with
 * warnings also on success), or NULL when there are none; free with nf_free. */
nf_status nf_module_compile(const char *const *names, const char *const *texts,
                            const size_t *lengths, size_t n, nf_module **out, char **diagnostics);
/* The same for files (a path may be a directory: its *.mdl files in name order). */
nf_status nf_module_compile_files(const char *const *paths, size_t n, nf_module **out,
                                  char **diagnostics);
/* Loads a compiled module (`nanoflow compile`) from bytes (copied) or a file, and verifies it.
 * On failure *out is NULL and *error (if not NULL) a message to free with nf_free. */
nf_status nf_module_load(const void *bytes, size_t length, nf_module **out, char **error);
nf_status nf_module_load_file(const char *path, nf_module **out, char **error);
void nf_module_free(nf_module *m);

/* Flows by index: the qualified name ("Module.Flow") and whether it is a nanoflow. Borrowed. */
size_t nf_module_flow_count(const nf_module *m);
const char *nf_module_flow_name(const nf_module *m, size_t i);
bool nf_module_flow_is_nanoflow(const nf_module *m, size_t i);

/* ---- values
 * -------------------------------------------------------------------------------------- */

typedef enum nf_type {
    NF_TYPE_NOTHING = 0,
    NF_TYPE_BOOLEAN,
    NF_TYPE_INTEGER,
    NF_TYPE_LONG,
    NF_TYPE_DECIMAL,
    NF_TYPE_STRING,
    NF_TYPE_DATETIME,
    NF_TYPE_ENUMERATION,
    NF_TYPE_OBJECT,
    NF_TYPE_LIST
} nf_type;

/* "Boolean", "Integer", …, "Nothing": the names of DESIGN §9's JSON output. Static storage. */
const char *nf_type_name(nf_type t);

typedef struct nf_runtime nf_runtime;
/* A value of a runtime: a copy of a flow's value (objects and lists are shared references). */
typedef struct nf_value nf_value;

/* Constructors. NULL only when out of memory. */
nf_value *nf_value_empty(nf_runtime *rt, nf_type type);
nf_value *nf_value_boolean(nf_runtime *rt, bool b);
nf_value *nf_value_integer(nf_runtime *rt, int64_t i); /* Integer and Long */
nf_value *nf_value_string(nf_runtime *rt, const char *utf8, size_t length);
nf_value *nf_value_datetime(nf_runtime *rt, int64_t ms_since_epoch_utc);
/* A Decimal from plain text ("-12.50", "1e3"); NULL when the text is not a number. */
nf_value *nf_value_decimal(nf_runtime *rt, const char *text);
/* An enumeration value by qualified key ("Module.Enum.Key"); NULL when unknown. */
nf_value *nf_value_enumeration(nf_runtime *rt, const char *qualified_key);
/* A value parsed from text as type `type` the way `nanoflow run --arg` does: numbers in plain
 * notation, true/false, DateTime in ISO-8601 (a zone-less time is in the runtime's time zone),
 * an enumeration key (qualified or not; enumeration names its enumeration "Module.Enum"), and
 * "empty" for the empty value. On failure returns NULL and *error (if not NULL) says why. */
nf_value *nf_value_parse(nf_runtime *rt, nf_type type, const char *enumeration, const char *text,
                         char **error);
nf_value *nf_value_copy(const nf_value *v);
void nf_value_free(nf_value *v);

nf_type nf_value_type(const nf_value *v);
bool nf_value_is_empty(const nf_value *v);
bool nf_value_as_boolean(const nf_value *v);    /* false when not a Boolean */
int64_t nf_value_as_integer(const nf_value *v); /* Integer/Long/DateTime(ms); 0 otherwise */
/* String: its UTF-8 text (borrowed from v); NULL when not a non-empty String. */
const char *nf_value_as_string(const nf_value *v);
/* Text as toString() gives it ('' for empty; DateTime in the runtime's time zone; Enumeration:
 * the key; Object: the entity name and id; List: the entity and count). Free with nf_free. */
char *nf_value_to_text(const nf_value *v);
/* One line of JSON, {"type": T, "value": V}, as DESIGN §9 (`nanoflow run --json`). nf_free it. */
char *nf_value_to_json(const nf_value *v);
/* Enumeration: the key ("Key") and the enumeration ("Module.Enum"), borrowed from the module;
 * NULL when not an Enumeration (the key also when empty). */
const char *nf_value_enumeration_key(const nf_value *v);
const char *nf_value_enumeration_name(const nf_value *v);
/* Object/List: the entity ("Module.Entity", borrowed); NULL otherwise. */
const char *nf_value_entity(const nf_value *v);
/* The object of entity "Module.Entity" (or a specialization) with id (its UUID text, as
 * nf_value_to_json shows it): the instance the runtime holds in memory, else the local
 * database's row. *out is owned by the caller. NF_ERR_NOT_FOUND: no such entity or object;
 * NF_ERR_ARGUMENT: id is not a UUID (nf_runtime_error_message says which). nf_call_text takes
 * object parameters by id the same way. */
nf_status nf_object_load(nf_runtime *rt, const char *entity, const char *id, nf_value **out);
/* Object: a member's value by name ("Attribute" or "Module.Association"). */
nf_status nf_object_get(const nf_value *object, const char *member, nf_value **out);
/* List: number of objects, and the object at index i (a new value). */
size_t nf_list_length(const nf_value *list);
nf_value *nf_list_get(const nf_value *list, size_t i);

/* ---- configuration and host callbacks
 * ------------------------------------------------------------ */

/* lua_Alloc-shaped allocator: nsize 0 frees ptr and returns NULL; otherwise (re)allocates ptr
 * (NULL for a new block) from osize to nsize bytes and returns NULL on failure. */
typedef void *(*nf_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);

typedef enum nf_rounding {
    NF_ROUND_HALF_AWAY_FROM_ZERO = 0, /* Mendix's default for round() */
    NF_ROUND_HALF_EVEN
} nf_rounding;

/* $latestErrorType values. */
typedef enum nf_error_type {
    NF_ERROR_RUNTIME = 0,
    NF_ERROR_CONNECTION,
    NF_ERROR_SYNC_CONFLICT,
    NF_ERROR_SYNC_REJECTED,
    NF_ERROR_MODEL,
    NF_ERROR_VALIDATION,
    NF_ERROR_ACCESS_DENIED,
    NF_ERROR_LUA,
    NF_ERROR_HOST,
    NF_ERROR_LIMIT_EXCEEDED,
    NF_ERROR_CANCELLED
} nf_error_type;
/* "RuntimeError", "ConnectionError", …; static storage. */
const char *nf_error_type_name(nf_error_type t);

typedef enum nf_message_type {
    NF_MESSAGE_INFO = 0,
    NF_MESSAGE_WARNING,
    NF_MESSAGE_ERROR
} nf_message_type;
typedef enum nf_log_level {
    NF_LOG_TRACE = 0,
    NF_LOG_DEBUG,
    NF_LOG_INFO,
    NF_LOG_WARNING,
    NF_LOG_ERROR,
    NF_LOG_CRITICAL
} nf_log_level;

/* Pages to close (show page's close-pages option, close page's count): a number of pages
 * (0: none), or one of these. */
#define NF_PAGES_ALL           (-1) /* every page but the first in the stack */
#define NF_PAGES_CLEAR_HISTORY (-2) /* every page, and the navigation history (show page only) */

/* Host callbacks. Every member may be NULL: then the documented default applies (for the UI
 * callbacks: nothing happens, and a debug line "no host callback: …" goes to `log`). Strings and
 * values passed to a callback are borrowed for the duration of the callback. A callback that
 * returns NF_SUSPENDED parks the flow: nf_call returns NF_SUSPENDED and the host finishes it
 * later with nf_resume / nf_resume_error (show_message, show_page, close_page, feedback,
 * progress, action and microflow may suspend). Any other non-OK status fails the action with a
 * HostError. */
typedef struct nf_host {
    void *ud; /* passed to every callback */
    /* show message (default: nothing) */
    nf_status (*show_message)(void *ud, nf_runtime *rt, nf_message_type type, const char *text,
                              bool blocking);
    /* show page (default: nothing): page "Module.Page", title or NULL, n named arguments, and
     * the pages to close before it opens (0, a count, NF_PAGES_ALL or NF_PAGES_CLEAR_HISTORY) */
    nf_status (*show_page)(void *ud, nf_runtime *rt, const char *page, const char *title,
                           const char *const *names, const nf_value *const *args, size_t n,
                           int32_t close_pages);
    /* close page (default: nothing): count pages (1 for a plain `close page`), or NF_PAGES_ALL */
    nf_status (*close_page)(void *ud, nf_runtime *rt, int32_t count);
    /* validation feedback on object (member NULL for the whole object) (default: nothing) */
    nf_status (*feedback)(void *ud, nf_runtime *rt, const nf_value *object, const char *member,
                          const char *text);
    /* show progress (show true; text may be NULL; blocking: the user cannot use the app while
     * it shows) or hide it (show false, text NULL) (default: nothing) */
    nf_status (*progress)(void *ud, nf_runtime *rt, bool show, const char *text, bool blocking);
    /* log message (default: nothing) */
    void (*log)(void *ud, nf_runtime *rt, nf_log_level level, const char *node, const char *text);
    /* a custom action (`call javascript action` / Lua / host action) named "Module.Action";
     * *result receives its value (the host allocates it with an nf_value_* constructor; the
     * library takes ownership); default: a HostError "no action named …" */
    nf_status (*action)(void *ud, nf_runtime *rt, const char *name, const nf_value *const *args,
                        size_t n, nf_value **result);
    /* a microflow called from a nanoflow ("Module.Flow"); as action; default: ConnectionError */
    nf_status (*microflow)(void *ud, nf_runtime *rt, const char *name, const nf_value *const *args,
                           size_t n, nf_value **result);
    /* the clock, ms since the epoch (default: the system clock) — set it for deterministic tests */
    int64_t (*now)(void *ud);
    /* 64 random bits for random() and object ids (default: a per-runtime generator) */
    uint64_t (*random)(void *ud);
} nf_host;

typedef struct nf_config {
    nf_alloc_fn alloc; /* NULL: malloc/realloc/free */
    void *alloc_ud;
    const char *timezone; /* IANA id; NULL: the TZ environment variable, else UTC (copied) */
    const char *locale; /* e.g. "en_US" (default), for formatting, parsing, week starts (copied) */
    nf_rounding rounding;      /* round() ties */
    uint64_t max_instructions; /* per call; 0 = unlimited (default 0) */
    uint32_t max_depth;        /* call depth (default 200) */
    size_t max_memory;         /* bytes of values and objects; 0 = unlimited (default 0) */
    /* Lua actions (docs/lua.md): Lua VM instructions per action call (default 10,000,000) and
     * bytes the runtime's Lua state may hold (default 64 MiB); 0 = unlimited. Exceeding either
     * fails the action with LimitExceeded. Separate from max_instructions and max_memory. */
    uint64_t lua_max_instructions;
    size_t lua_max_memory;
    /* The local database (SQLite file, created when missing; borrowed for nf_runtime_new only).
     * NULL: a database in memory that lives as long as the runtime. Opening fails with a
     * message for a file that is not a database, corrupt, locked by another process, read-only
     * or another app's. Model changes the file cannot take in place keep their data and are
     * reported through host.log (level NF_LOG_WARNING, node "LocalDatabase"). */
    const char *database;
    /* Synchronization (docs/sync-client.md): the server's base URL ("https://host:port"; plain
     * "http://" only to 127.0.0.1), and the user and password the runtime logs in with when it
     * has no session token (at the first synchronize, and again once when the server answers
     * 401). All three are borrowed for nf_runtime_new only (copied); NULL server: synchronize
     * raises a ConnectionError "no server is configured". The password is kept in memory only
     * (wiped when the runtime is freed) and never logged or put in an error message. */
    const char *server;
    const char *user;
    const char *password;
    nf_host host;
} nf_config;

/* Fills cfg with the defaults. */
void nf_config_init(nf_config *cfg);

/* ---- runtimes
 * -------------------------------------------------------------------------------------- */

/* Creates a runtime for m. On failure *out is NULL and *error (if not NULL) says why (e.g. an
 * unknown time zone); free it with nf_free. */
nf_status nf_runtime_new(const nf_module *m, const nf_config *cfg, nf_runtime **out, char **error);
void nf_runtime_free(nf_runtime *rt);
const nf_module *nf_runtime_module(const nf_runtime *rt);
/* The time zone the runtime uses, as given in the config or taken from TZ ("UTC" when neither
 * names one); borrowed. */
const char *nf_runtime_timezone(const nf_runtime *rt);

/* A host-registered C action: the calling convention of nf_host.action (args borrowed for the
 * call; *result built with an nf_value_* constructor of rt, owned by the library; NF_SUSPENDED
 * parks the flow for nf_resume; any other non-OK status fails the action with a HostError). */
typedef nf_status (*nf_action_fn)(void *ud, nf_runtime *rt, const char *name,
                                  const nf_value *const *args, size_t n, nf_value **result);
/* Registers fn (with ud, passed back) for the custom action "Module.Action" the module declares
 * (`create javascript action`). `call javascript action` runs the module's Lua action of that
 * name if there is one, else the registered function, else nf_host.action, else fails with a
 * HostError "no action named … is registered". Registering again replaces the function; fn
 * NULL removes it. NF_ERR_NOT_FOUND: the module declares no such action; NF_ERR_ARGUMENT: it is
 * a Lua action (Lua actions take precedence); NF_ERR_NOMEM. The name is borrowed. */
nf_status nf_runtime_register_action(nf_runtime *rt, const char *name, nf_action_fn fn, void *ud);

/* A named argument of a call. */
typedef struct nf_arg {
    const char *name; /* the parameter's name, without '$' */
    const nf_value *value;
} nf_arg;

/* Calls flow "Module.Flow" with named arguments (any order; each parameter exactly once; a
 * parameter not given is empty). On NF_OK *result (if not NULL) receives the result (Nothing
 * for flows without one), owned by the caller. NF_ERR_FLOW: the flow raised an uncaught error
 * (nf_runtime_error_*). NF_ERR_NOT_FOUND / NF_ERR_ARGUMENT: nothing ran (nf_runtime_error_message
 * says why). NF_SUSPENDED: a host callback parked the call. */
nf_status nf_call(nf_runtime *rt, const char *flow, const nf_arg *args, size_t nargs,
                  nf_value **result);
/* As nf_call, with argument texts parsed by each parameter's type (nf_value_parse); an object
 * parameter's text is the object's id (nf_object_load). List parameters cannot be texts. */
nf_status nf_call_text(nf_runtime *rt, const char *flow, const char *const *names,
                       const char *const *texts, size_t nargs, nf_value **result);
/* The declared type of flow's result, and of its parameters by index (NF_TYPE_NOTHING when the
 * flow does not exist); name borrowed. */
nf_type nf_flow_result_type(const nf_runtime *rt, const char *flow);
size_t nf_flow_param_count(const nf_runtime *rt, const char *flow);
const char *nf_flow_param(const nf_runtime *rt, const char *flow, size_t i, nf_type *type);
/* What parameter i is of: the enumeration ("Module.Enum") of an Enumeration parameter, the
 * entity ("Module.Entity") of an Object or List parameter; NULL otherwise. Borrowed. */
const char *nf_flow_param_of(const nf_runtime *rt, const char *flow, size_t i);

/* Continues a call parked by a host callback. value is the action's result (NULL for none;
 * borrowed). Returns as nf_call does (the call may suspend again). */
nf_status nf_resume(nf_runtime *rt, const nf_value *value, nf_value **result);
/* The parked action failed with an error of `type`: the flow's handlers see it. */
nf_status nf_resume_error(nf_runtime *rt, nf_error_type type, const char *message,
                          nf_value **result);
/* Drops a parked call without finishing it (nothing happens when no call is parked). */
void nf_abandon(nf_runtime *rt);
/* Asks the running call to stop with a Cancelled error at the next loop iteration or call.
 * Safe to call from any thread. */
void nf_runtime_cancel(nf_runtime *rt);

/* The last error of the runtime: its type, message, and the flow ("Module.Flow", or NULL) and
 * source line (0 when unknown) where it was raised. Borrowed; valid until the next call. */
nf_error_type nf_runtime_error_type(const nf_runtime *rt);
const char *nf_runtime_error_message(const nf_runtime *rt);
const char *nf_runtime_error_flow(const nf_runtime *rt);
uint32_t nf_runtime_error_line(const nf_runtime *rt);

/* ---- synchronization's quarantine (docs/sync-client.md)
 * ------------------------------------------------------------------------------------------- */

/* The objects the server rejected or found in conflict, oldest first, as one line of JSON:
 * [{"qid": N, "entity": "Module.Entity", "id": "<uuid>", "seq": N, "status": "rejected" |
 * "conflict", "reason": "…", "device": {the object as uploaded, values included}, "server":
 * {the server's row} | null, "at": "<UTC time>"}]. *json is freed with nf_free. Errors (no
 * local database): NF_ERR_ARGUMENT with nf_runtime_error_message. */
nf_status nf_sync_quarantine(nf_runtime *rt, char **json);
/* Puts the device's values of entry qid back into the local database as a new commit, which
 * the next synchronize uploads (as a new object when the device no longer has a row of it),
 * and removes the entry; objects in memory see the values. NF_ERR_NOT_FOUND: no such entry;
 * NF_ERR_STATE: a synchronize is running. */
nf_status nf_sync_resubmit(nf_runtime *rt, int64_t qid);
/* Asks the synchronize running on rt to stop (as the `cancel synchronization` action does):
 * it stops before its next request with a Cancelled error the flow can catch
 * ($latestErrorType 'Cancelled'). Answers already applied stay applied (each is one local
 * transaction), nothing else changes, and the next synchronize resumes: units not confirmed are
 * sent again (the server recognizes those it applied) and an interrupted download continues
 * from its cursors. Safe to call from any thread; nothing happens when no synchronize runs. */
void nf_sync_cancel(nf_runtime *rt);

/* ---- file contents (System.FileDocument, System.Image; docs/sync-client.md "Files")
 * ------------------------------------------------------------------------------------------- */

/* Sets the contents of a file object (an object of System.FileDocument or a specialization,
 * from a flow's result or an argument; borrowed). The bytes are copied into the local database
 * at once, with HasContents and Size of the object; when the object is committed this is a new
 * local commit of it (no `commit` needed), otherwise its next commit takes them. The next
 * synchronize uploads the contents before the object (resuming an interrupted upload).
 * NF_ERR_ARGUMENT: not a file object of this runtime, or no local database; NF_ERR_STATE: the
 * object was deleted, or a synchronize is running. Contents are limited to 2 GB. */
nf_status nf_file_set_contents(nf_runtime *rt, const nf_value *object, const void *bytes,
                               size_t len);
/* The same with the contents of the file at path (read whole; borrowed). */
nf_status nf_file_set_contents_from_path(nf_runtime *rt, const nf_value *object, const char *path);
/* The contents the device has for a file object: set here or downloaded by a synchronize.
 * *bytes is malloc'ed (free it with nf_free), *len its size. NF_ERR_NOT_FOUND: the device has
 * no contents for it (never set, or not downloaded yet). */
nf_status nf_file_contents(nf_runtime *rt, const nf_value *object, void **bytes, size_t *len);

/* ---- expressions
 * --------------------------------------------------------------------------------- */

/* Evaluates one Mendix expression without a model (`nanoflow eval`): with nanoflow rules, or
 * microflow rules (division to 34 digits) when `microflow` is set. cfg may be NULL (defaults).
 * On NF_OK *result receives the value (it refers to an internal runtime that lives as long as
 * the value). NF_ERR_COMPILE: *diagnostics (if not NULL) explains; NF_ERR_FLOW: *diagnostics
 * holds "Type: message". Free diagnostics with nf_free. */
nf_status nf_eval(const char *expression, bool microflow, const nf_config *cfg, nf_value **result,
                  char **diagnostics);

#ifdef __cplusplus
}
#endif

#endif
