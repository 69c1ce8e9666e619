/* sync_raw.c — the raw peer of the sync benchmark (bench/sync.sh): both sides of the sync
 * protocol (docs/sync-protocol.md) for bench/sync/app.mdl's one entity, written directly against
 * libcurl, libmicrohttpd, jansson and SQLite, the way a C app and a minimal C backend would,
 * on the same database files (the schemas nanoflow's device store and `nanoflow serve` create).
 *
 *   sync_raw serve DB                the server: POST /nf/v1/login, POST /nf/v1/upload and
 *                                    GET /nf/v1/download on 127.0.0.1 (a free port, printed as
 *                                    "listening on http://127.0.0.1:PORT" on stderr) until
 *                                    SIGTERM; then prints "requests N, request bytes B, hash H"
 *                                    (the request bodies it received) on stderr
 *   sync_raw sync DB URL USER PW     the device: login, the pending rows uploaded in the same
 *                                    JSON bodies nanoflow's client sends (units by _seq, at most
 *                                    1,000 objects or 4 MB per request), each answer applied in
 *                                    one transaction; then the paged download (500 rows a page),
 *                                    each page in one transaction with its pass stamps and
 *                                    cursor, and the sweep; a new file gets the device schema
 *                                    first. Prints "requests N, sent B, received R" on stdout
 *   sync_raw summary DB              the items: count, states, revision and Qty sums, bytes
 *   sync_raw schema DB               sqlite_master, for comparing files
 *   sync_raw -v                      versions
 *
 * Every connection is set up as nanoflow's: WAL, synchronous FULL, a 2 s busy timeout. The
 * server authenticates logins against the stored password hash (libxcrypt's crypt_rn, as
 * nanoflow serve) but keeps its tokens in memory. Exit status 1 on any error. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <crypt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>

#define ENTITY "Bench.Item"
#define TABLE  "\"Bench.Item\""
#define NMEM   5
static const char *const member[NMEM] = {"Name", "Qty", "Price", "Note", "Done"};
enum { K_STR, K_INT, K_DEC, K_BOOL };
static const int kind[NMEM] = {K_STR, K_INT, K_DEC, K_STR, K_BOOL};
#define MEMBER_COLS "\"Name\", \"Qty\", \"Price\", \"Note\", \"Done\""

/* The device schema nanoflow's store creates for app.mdl (sync.sh compares the files). */
static const char *const device_schema[] = {
    "CREATE TABLE _nf_meta (key TEXT PRIMARY KEY NOT NULL, value)",
    "CREATE TABLE IF NOT EXISTS \"System.User\" (_id TEXT PRIMARY KEY NOT NULL, _state INTEGER "
    "NOT NULL DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"Name\" TEXT, \"Password\" "
    "TEXT, \"LastLogin\" DATETIME_INT, \"Blocked\" BOOLEAN_INT, \"Active\" BOOLEAN_INT, "
    "\"WebServiceUser\" BOOLEAN_INT, \"IsAnonymous\" BOOLEAN_INT) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS \"System.UserRole\" (_id TEXT PRIMARY KEY NOT NULL, _state "
    "INTEGER NOT NULL DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"Name\" TEXT, "
    "\"Description\" TEXT) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS \"System.FileDocument\" (_id TEXT PRIMARY KEY NOT NULL, _state "
    "INTEGER NOT NULL DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"FileID\" INTEGER, "
    "\"Name\" TEXT, \"DeleteAfterDownload\" BOOLEAN_INT, \"Contents\" BLOB, \"HasContents\" "
    "BOOLEAN_INT, \"Size\" INTEGER) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS \"System.Image\" (_id TEXT PRIMARY KEY NOT NULL, _state INTEGER "
    "NOT NULL DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"FileID\" INTEGER, \"Name\" "
    "TEXT, \"DeleteAfterDownload\" BOOLEAN_INT, \"Contents\" BLOB, \"HasContents\" BOOLEAN_INT, "
    "\"Size\" INTEGER, \"PublicThumbnailPath\" TEXT, \"EnableCaching\" BOOLEAN_INT) WITHOUT "
    "ROWID",
    "CREATE TABLE IF NOT EXISTS \"System.SynchronizationError\" (_id TEXT PRIMARY KEY NOT NULL, "
    "_state INTEGER NOT NULL DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"Reason\" "
    "TEXT, \"ObjectId\" TEXT, \"ObjectType\" TEXT, \"ObjectContent\" TEXT) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS \"Bench.Item\" (_id TEXT PRIMARY KEY NOT NULL, _state INTEGER NOT "
    "NULL DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"Name\" TEXT, \"Qty\" INTEGER, "
    "\"Price\" DECIMAL_TEXT, \"Note\" TEXT, \"Done\" BOOLEAN_INT) WITHOUT ROWID",
    "CREATE TABLE _nf_quarantine (qid INTEGER PRIMARY KEY, entity TEXT NOT NULL, id TEXT NOT "
    "NULL, seq INTEGER, status TEXT NOT NULL, reason TEXT, device TEXT, server TEXT, at INTEGER)",
    "CREATE TABLE _nf_pass (entity TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (entity, id)) "
    "WITHOUT ROWID",
    /* nanoflow's bookkeeping for file contents and unanswered uploads of new objects: empty in
     * this benchmark, created so that both devices have the same schema */
    "CREATE TABLE _nf_sent (id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID",
    "CREATE TABLE _nf_files (id TEXT PRIMARY KEY, size INTEGER NOT NULL, state INTEGER NOT NULL, "
    "rev INTEGER, sent INTEGER NOT NULL DEFAULT -1)",
    "CREATE TABLE _nf_file_data (id TEXT PRIMARY KEY, data BLOB NOT NULL)",
};

static void die(sqlite3 *db, const char *what) {
    fprintf(stderr, "sync_raw: %s%s%s\n", what, db ? ": " : "", db ? sqlite3_errmsg(db) : "");
    exit(1);
}

static void exec(sqlite3 *db, const char *sql) {
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) die(db, sql);
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        die(db, sql);
    return st;
}

static void step_done(sqlite3 *db, sqlite3_stmt *st, const char *what) {
    if (sqlite3_step(st) != SQLITE_DONE) die(db, what);
    sqlite3_reset(st);
}

static sqlite3 *open_db(const char *path) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        die(db, "opening the database");
    sqlite3_busy_timeout(db, 2000);
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db, "PRAGMA synchronous=FULL");
    return db;
}

/* ---- JSON text out: a growing buffer ------------------------------------------------------ */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void reserve(buf *b, size_t more) {
    if (b->n + more + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) die(NULL, "out of memory");
    b->p = p;
    b->cap = cap;
}

static void put(buf *b, const char *s, size_t n) {
    reserve(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void puts_(buf *b, const char *s) {
    put(b, s, strlen(s));
}

static void putf(buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) die(NULL, "formatting");
    put(b, tmp, (size_t)n);
}

/* A JSON string as jansson's json_dumps writes it (UTF-8 kept, '/' not escaped). */
static void put_str(buf *b, const char *s, size_t n) {
    reserve(b, n + 2);
    b->p[b->n++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(b, e, 2);
        } else if (c < 0x20) {
            const char *e = c == '\b'   ? "\\b"
                            : c == '\f' ? "\\f"
                            : c == '\n' ? "\\n"
                            : c == '\r' ? "\\r"
                            : c == '\t' ? "\\t"
                                        : NULL;
            if (e)
                puts_(b, e);
            else
                putf(b, "\\u%04X", c);
        } else {
            reserve(b, 1);
            b->p[b->n++] = (char)c;
        }
    }
    put(b, "\"", 1);
}

/* The member values of the row at st from column c0 on, as {"Name":…,…}. */
static void put_values(buf *b, sqlite3_stmt *st, int c0) {
    put(b, "{", 1);
    for (int k = 0; k < NMEM; k++) {
        if (k) put(b, ",", 1);
        put_str(b, member[k], strlen(member[k]));
        put(b, ":", 1);
        int c = c0 + k;
        bool null = sqlite3_column_type(st, c) == SQLITE_NULL;
        if (kind[k] == K_BOOL)
            puts_(b, !null && sqlite3_column_int64(st, c) ? "true" : "false");
        else if (null)
            puts_(b, "null");
        else if (kind[k] == K_INT)
            putf(b, "%lld", (long long)sqlite3_column_int64(st, c));
        else
            put_str(b, (const char *)sqlite3_column_text(st, c),
                    (size_t)sqlite3_column_bytes(st, c));
    }
    put(b, "}", 1);
}

/* Binds a member value from JSON (same column types as nanoflow: text, integer, 0/1, NULL). */
static bool bind_value(sqlite3_stmt *st, int i, int k, const json_t *v) {
    if (!v || json_is_null(v)) return sqlite3_bind_null(st, i) == SQLITE_OK;
    switch (kind[k]) {
    case K_INT:
        if (!json_is_integer(v)) return false;
        return sqlite3_bind_int64(st, i, json_integer_value(v)) == SQLITE_OK;
    case K_BOOL:
        if (!json_is_boolean(v)) return false;
        return sqlite3_bind_int(st, i, json_is_true(v)) == SQLITE_OK;
    default:
        if (!json_is_string(v)) return false;
        return sqlite3_bind_text(st, i, json_string_value(v), (int)json_string_length(v),
                                 SQLITE_TRANSIENT) == SQLITE_OK;
    }
}

static void hex_random(char *out, size_t bytes) {
    unsigned char r[64];
    if (bytes > sizeof r || getrandom(r, bytes, 0) != (ssize_t)bytes) die(NULL, "getrandom");
    for (size_t i = 0; i < bytes; i++)
        sprintf(out + 2 * i, "%02x", r[i]);
}

static void utc_text(int64_t ms, char out[64]) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* ==== the server ============================================================================ */

typedef struct server {
    sqlite3 *db;
    sqlite3_stmt *user, *rev, *upd, *ins, *row, *last, *set_last, *seq_step, *seq_get, *page;
    char tokens[16][64]; /* issued tokens (in memory) */
    char token_user[16][64];
    int ntokens;
    uint64_t requests, bytes, hash;
} server;

typedef struct conn {
    buf body;
} conn;

static struct MHD_Response *reply(buf *b) {
    struct MHD_Response *r = MHD_create_response_from_buffer(b->n, b->p, MHD_RESPMEM_MUST_FREE);
    if (r) {
        MHD_add_response_header(r, "Content-Type", "application/json");
        b->p = NULL;
    }
    free(b->p);
    return r;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, buf *b) {
    struct MHD_Response *r = reply(b);
    if (!r) return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result fail(struct MHD_Connection *c, unsigned status, const char *type,
                            const char *msg) {
    buf b = {0};
    putf(&b, "{\"error\":{\"type\":\"%s\",\"message\":\"%s\",\"retry\":false}}", type, msg);
    return answer(c, status, &b);
}

static enum MHD_Result login(server *s, struct MHD_Connection *c, json_t *body) {
    const char *user = json_string_value(json_object_get(body, "user"));
    const char *pw = json_string_value(json_object_get(body, "password"));
    if (!user || !pw) return fail(c, 400, "ModelError", "login needs user and password");
    sqlite3_bind_text(s->user, 1, user, -1, SQLITE_TRANSIENT);
    bool ok = false;
    char id[64] = "", entity[128] = "", roles[256] = "";
    if (sqlite3_step(s->user) == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(s->user, 0);
        struct crypt_data cd;
        memset(&cd, 0, sizeof cd);
        const char *h = crypt_rn(pw, hash, &cd, sizeof cd);
        ok = h && strcmp(h, hash) == 0;
        snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(s->user, 1));
        snprintf(entity, sizeof entity, "%s", (const char *)sqlite3_column_text(s->user, 2));
        snprintf(roles, sizeof roles, "%s", (const char *)sqlite3_column_text(s->user, 3));
    }
    sqlite3_reset(s->user);
    if (!ok) return fail(c, 401, "AccessDenied", "wrong user name or password");
    unsigned char r[32];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) die(NULL, "getrandom");
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char tok[64];
    int k = 0;
    for (int i = 0; i < 32; i += 3) { /* base64url without padding: 43 characters */
        uint32_t v = (uint32_t)r[i] << 16 | (i + 1 < 32 ? (uint32_t)r[i + 1] << 8 : 0) |
                     (i + 2 < 32 ? r[i + 2] : 0);
        int chars = i + 2 < 32 ? 4 : 3;
        for (int j = 0; j < chars; j++)
            tok[k++] = b64[(v >> (18 - 6 * j)) & 63];
    }
    tok[k] = '\0';
    int slot = s->ntokens++ % 16;
    snprintf(s->tokens[slot], sizeof s->tokens[slot], "%s", tok);
    snprintf(s->token_user[slot], sizeof s->token_user[slot], "%s", user);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char exp[64];
    utc_text((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 24LL * 3600 * 1000, exp);
    buf b = {0};
    puts_(&b, "{\"token\":");
    put_str(&b, tok, strlen(tok));
    puts_(&b, ",\"expiresAt\":");
    put_str(&b, exp, strlen(exp));
    puts_(&b, ",\"user\":{\"name\":");
    put_str(&b, user, strlen(user));
    puts_(&b, ",\"entity\":");
    put_str(&b, entity, strlen(entity));
    puts_(&b, ",\"id\":");
    put_str(&b, id, strlen(id));
    puts_(&b, "},\"roles\":[");
    for (const char *p = roles; *p;) { /* stored as "A,B" or "A" */
        size_t n = strcspn(p, ",");
        if (p != roles) put(&b, ",", 1);
        put_str(&b, p, n);
        p += n + (p[n] == ',');
    }
    puts_(&b, "]}");
    return answer(c, 200, &b);
}

/* The slot of the request's session, or -1. */
static int session(server *s, struct MHD_Connection *c) {
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!a || strncmp(a, "Bearer ", 7) != 0) return -1;
    for (int i = 0; i < 16 && i < s->ntokens; i++)
        if (strcmp(s->tokens[i], a + 7) == 0) return i;
    return -1;
}

/* One object of a unit: applied in the unit's transaction; false on a bad object. */
static bool apply_object(server *s, const json_t *o, int64_t seq) {
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *ent = json_string_value(json_object_get(o, "entity"));
    const char *op = json_string_value(json_object_get(o, "op"));
    const json_t *vals = json_object_get(o, "values");
    if (!id || !ent || strcmp(ent, ENTITY) != 0 || !op || strcmp(op, "save") != 0 ||
        !json_is_object(vals))
        return false;
    sqlite3_bind_text(s->rev, 1, id, -1, SQLITE_TRANSIENT);
    bool exists = sqlite3_step(s->rev) == SQLITE_ROW;
    sqlite3_reset(s->rev);
    sqlite3_stmt *w = exists ? s->upd : s->ins;
    sqlite3_bind_int64(w, 1, seq);
    for (int k = 0; k < NMEM; k++)
        if (!bind_value(w, k + 2, k, json_object_get(vals, member[k]))) return false;
    sqlite3_bind_text(w, NMEM + 2, id, -1, SQLITE_TRANSIENT);
    step_done(s->db, w, "writing an uploaded object");
    return true;
}

static enum MHD_Result upload(server *s, struct MHD_Connection *c, json_t *body, int who) {
    const char *client = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-NF-Client");
    const json_t *units = json_object_get(body, "units");
    if (!client || !json_is_array(units)) return fail(c, 400, "ModelError", "bad upload");
    buf b = {0}; /* the units' results; the answer's head is known at the end */
    int64_t last = 0;
    size_t i;
    const json_t *u;
    json_array_foreach(units, i, u) {
        int64_t useq = json_integer_value(json_object_get(u, "seq"));
        const json_t *objs = json_object_get(u, "objects");
        if (!json_is_array(objs)) {
            free(b.p);
            return fail(c, 400, "ModelError", "a unit needs objects");
        }
        sqlite3_bind_text(s->last, 1, client, -1, SQLITE_TRANSIENT);
        last = sqlite3_step(s->last) == SQLITE_ROW ? sqlite3_column_int64(s->last, 0) : 0;
        sqlite3_reset(s->last);
        bool dup = useq <= last;
        if (!dup) { /* the unit, its server sequence step and lastSeq in one transaction */
            exec(s->db, "BEGIN IMMEDIATE");
            step_done(s->db, s->seq_step, "stepping the change sequence");
            int64_t seq = 0;
            if (sqlite3_step(s->seq_get) == SQLITE_ROW) seq = sqlite3_column_int64(s->seq_get, 0);
            sqlite3_reset(s->seq_get);
            size_t k;
            const json_t *o;
            json_array_foreach(objs, k, o) {
                if (!apply_object(s, o, seq)) {
                    exec(s->db, "ROLLBACK");
                    free(b.p);
                    return fail(c, 400, "ModelError", "a malformed object");
                }
            }
            sqlite3_bind_text(s->set_last, 1, client, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(s->set_last, 2, useq);
            const char *user = s->token_user[who];
            sqlite3_bind_text(s->set_last, 3, user, -1, SQLITE_TRANSIENT);
            step_done(s->db, s->set_last, "saving lastSeq");
            exec(s->db, "COMMIT");
            last = useq;
        }
        if (i) put(&b, ",", 1);
        putf(&b, "{\"seq\":%lld,\"status\":\"%s\",\"objects\":[", (long long)useq,
             dup ? "duplicate" : "applied");
        size_t k;
        const json_t *o;
        json_array_foreach(objs, k, o) { /* each object's current row, read back */
            const char *id = json_string_value(json_object_get(o, "id"));
            sqlite3_bind_text(s->row, 1, id, -1, SQLITE_TRANSIENT);
            if (k) put(&b, ",", 1);
            puts_(&b, "{\"id\":");
            put_str(&b, id, strlen(id));
            putf(&b, ",\"status\":\"%s\"", dup ? "duplicate" : "applied");
            if (sqlite3_step(s->row) == SQLITE_ROW) {
                long long rev = sqlite3_column_int64(s->row, 1);
                putf(&b, ",\"rev\":%lld,\"row\":{\"entity\":\"" ENTITY "\",\"id\":", rev);
                put_str(&b, id, strlen(id));
                putf(&b, ",\"rev\":%lld,\"values\":", rev);
                put_values(&b, s->row, 2);
                puts_(&b, "}}");
            } else {
                puts_(&b, ",\"row\":null}");
            }
            sqlite3_reset(s->row);
        }
        puts_(&b, "]}");
    }
    buf out = {0};
    putf(&out, "{\"lastSeq\":%lld,\"units\":[", (long long)last);
    if (b.n) put(&out, b.p, b.n);
    puts_(&out, "]}");
    free(b.p);
    return answer(c, 200, &out);
}

static enum MHD_Result download(server *s, struct MHD_Connection *c) {
    const char *ent = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "entity");
    const char *after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
    const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    const char *pass = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "pass");
    if (!ent || strcmp(ent, ENTITY) != 0) return fail(c, 400, "ModelError", "unknown entity");
    long limit = lim && *lim ? strtol(lim, NULL, 10) : 500;
    if (limit < 1 || limit > 5000) return fail(c, 400, "ModelError", "limit must be 1 to 5000");
    buf b = {0};
    puts_(&b, "{\"entity\":\"" ENTITY "\",\"pass\":");
    if (pass)
        put_str(&b, pass, strlen(pass));
    else
        puts_(&b, "null");
    puts_(&b, ",\"rows\":[");
    sqlite3_bind_text(s->page, 1, after ? after : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s->page, 2, limit);
    long n = 0;
    char next[64] = "";
    int rc;
    while ((rc = sqlite3_step(s->page)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s->page, 0);
        if (n) put(&b, ",", 1);
        puts_(&b, "{\"id\":");
        put_str(&b, id, (size_t)sqlite3_column_bytes(s->page, 0));
        putf(&b, ",\"rev\":%lld,\"values\":", (long long)sqlite3_column_int64(s->page, 1));
        put_values(&b, s->page, 2);
        put(&b, "}", 1);
        if (++n == limit) snprintf(next, sizeof next, "%s", id);
    }
    sqlite3_reset(s->page);
    if (rc != SQLITE_DONE) die(s->db, "reading a page");
    int64_t seq = 0;
    if (sqlite3_step(s->seq_get) == SQLITE_ROW) seq = sqlite3_column_int64(s->seq_get, 0);
    sqlite3_reset(s->seq_get);
    puts_(&b, "],\"next\":");
    if (*next)
        put_str(&b, next, strlen(next));
    else
        puts_(&b, "null");
    putf(&b, ",\"serverSeq\":%lld}", (long long)seq);
    return answer(c, 200, &b);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls) {
    (void)version;
    server *s = cls;
    conn *k = *con_cls;
    if (!k) {
        if (!(k = calloc(1, sizeof *k))) return MHD_NO;
        *con_cls = k;
        return MHD_YES;
    }
    if (*size) {
        put(&k->body, data, *size);
        *size = 0;
        return MHD_YES;
    }
    s->requests++;
    s->bytes += k->body.n;
    for (size_t i = 0; i < k->body.n; i++) /* FNV-1a over every request body */
        s->hash = (s->hash ^ (unsigned char)k->body.p[i]) * 1099511628211ull;
    if (strcmp(method, "GET") == 0 && strcmp(url, "/nf/v1/download") == 0) {
        if (session(s, c) < 0) return fail(c, 401, "AccessDenied", "no session");
        return download(s, c);
    }
    if (strcmp(method, "POST") != 0) return fail(c, 404, "ModelError", "unknown request");
    json_error_t je;
    json_t *body = k->body.p ? json_loadb(k->body.p, k->body.n, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        return fail(c, 400, "ModelError", "malformed JSON");
    }
    enum MHD_Result r;
    int who;
    if (strcmp(url, "/nf/v1/login") == 0)
        r = login(s, c, body);
    else if (strcmp(url, "/nf/v1/upload") != 0)
        r = fail(c, 404, "ModelError", "unknown request");
    else if ((who = session(s, c)) < 0)
        r = fail(c, 401, "AccessDenied", "no session");
    else
        r = upload(s, c, body, who);
    json_decref(body);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    conn *k = *con_cls;
    if (k) free(k->body.p);
    free(k);
    *con_cls = NULL;
}

static int serve(const char *path) {
    server s = {0};
    s.hash = 14695981039346656037ull;
    s.db = open_db(path);
    s.user = prepare(s.db, "SELECT hash, id, entity, roles FROM _nf_srv_user WHERE name = ?1");
    s.rev = prepare(s.db, "SELECT _rev FROM " TABLE " WHERE _id = ?1");
    s.upd = prepare(s.db, "UPDATE " TABLE " SET _state = 0, _changed = NULL, _rev = _rev + 1, "
                          "_seq = ?1, \"Name\" = ?2, \"Qty\" = ?3, \"Price\" = ?4, \"Note\" = ?5, "
                          "\"Done\" = ?6 WHERE _id = ?7");
    s.ins = prepare(s.db, "INSERT INTO " TABLE " (_seq, _state, _rev, " MEMBER_COLS
                          ", _id) VALUES (?1, 0, 1, ?2, ?3, ?4, ?5, ?6, ?7)");
    s.row = prepare(s.db, "SELECT _id, _rev, " MEMBER_COLS " FROM " TABLE " WHERE _id = ?1");
    s.last = prepare(s.db, "SELECT last_seq FROM _nf_srv_client WHERE client = ?1");
    s.set_last = prepare(s.db, "INSERT INTO _nf_srv_client (client, last_seq, user) VALUES (?1, "
                               "?2, ?3) ON CONFLICT (client) DO UPDATE SET last_seq = "
                               "excluded.last_seq, user = excluded.user");
    s.seq_step = prepare(s.db, "UPDATE _nf_srv_meta SET value = value + 1 WHERE key = 'seq'");
    s.seq_get = prepare(s.db, "SELECT value FROM _nf_srv_meta WHERE key = 'seq'");
    s.page = prepare(s.db, "SELECT _id, _rev, " MEMBER_COLS " FROM " TABLE
                           " WHERE _state != 3 AND _id > ?1 ORDER BY _id LIMIT ?2");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* the daemon's thread inherits the mask */
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_USE_ITC, 0, NULL,
        NULL, on_request, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)60, MHD_OPTION_END);
    if (!d) die(NULL, "cannot start the HTTP daemon");
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "listening on http://127.0.0.1:%u\n", di ? (unsigned)di->port : 0u);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    sqlite3_stmt *all[] = {s.user, s.rev,      s.upd,      s.ins,     s.row,
                           s.last, s.set_last, s.seq_step, s.seq_get, s.page};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sqlite3_finalize(all[i]);
    if (sqlite3_close(s.db) != SQLITE_OK) die(s.db, "closing");
    fprintf(stderr, "requests %llu, request bytes %llu, hash %016llx\n",
            (unsigned long long)s.requests, (unsigned long long)s.bytes,
            (unsigned long long)s.hash);
    return 0;
}

/* ==== the device ============================================================================ */

typedef struct client {
    sqlite3 *db;
    CURL *h;
    const char *url;
    char token[128], client_id[64], model[32];
    uint64_t requests, sent, received;
} client;

static size_t on_data(char *data, size_t size, size_t n, void *ud) {
    put(ud, data, size * n);
    return size * n;
}

/* One request with the protocol's headers; the parsed 200 answer, or exit. */
static json_t *request(client *c, const char *method, const char *path, const char *body,
                       size_t len) {
    char url[1024], h1[64], h2[96], h3[64], h4[200];
    snprintf(url, sizeof url, "%s%s", c->url, path);
    snprintf(h1, sizeof h1, "X-NF-Model: %s", c->model);
    snprintf(h2, sizeof h2, "X-NF-Client: %s", c->client_id);
    snprintf(h3, sizeof h3, "X-NF-Request: %llu", (unsigned long long)++c->requests);
    struct curl_slist *hs = curl_slist_append(NULL, h1);
    hs = curl_slist_append(hs, h2);
    hs = curl_slist_append(hs, h3);
    if (body) hs = curl_slist_append(hs, "Content-Type: application/json");
    if (*c->token) {
        snprintf(h4, sizeof h4, "Authorization: Bearer %s", c->token);
        hs = curl_slist_append(hs, h4);
    }
    hs = curl_slist_append(hs, "Expect:");
    if (!hs) die(NULL, "out of memory");
    buf b = {0};
    curl_easy_reset(c->h);
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &b);
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c->h, CURLOPT_POST, 1L);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(c->h);
    curl_slist_free_all(hs);
    long status = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200) {
        fprintf(stderr, "sync_raw: %s %s: %s, status %ld: %.300s\n", method, path,
                curl_easy_strerror(rc), status, b.p ? b.p : "");
        exit(1);
    }
    c->sent += len;
    c->received += b.n;
    json_error_t je;
    json_t *j = json_loadb(b.p, b.n, JSON_REJECT_DUPLICATES, &je);
    free(b.p);
    if (!json_is_object(j)) die(NULL, "the server's answer is not a JSON object");
    return j;
}

static void meta_set(client *c, const char *key, const char *value) {
    sqlite3_stmt *st =
        prepare(c->db, value ? "INSERT OR REPLACE INTO _nf_meta (key, value) VALUES (?1, ?2)"
                             : "DELETE FROM _nf_meta WHERE key = ?1");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    if (value) sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    step_done(c->db, st, "writing _nf_meta");
    sqlite3_finalize(st);
}

static bool meta_get(client *c, const char *key, char *out, size_t n) {
    sqlite3_stmt *st = prepare(c->db, "SELECT value FROM _nf_meta WHERE key = ?1");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0);
    if (found) snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return found;
}

static void client_login(client *c, const char *user, const char *pw) {
    buf b = {0};
    puts_(&b, "{\"user\":");
    put_str(&b, user, strlen(user));
    puts_(&b, ",\"password\":");
    put_str(&b, pw, strlen(pw));
    puts_(&b, "}");
    json_t *r = request(c, "POST", "/nf/v1/login", b.p, b.n);
    memset(b.p, 0, b.n);
    free(b.p);
    const char *tok = json_string_value(json_object_get(r, "token"));
    const char *uid = json_string_value(json_object_get(json_object_get(r, "user"), "id"));
    if (!tok || strlen(tok) >= sizeof c->token) die(NULL, "login answer without a token");
    snprintf(c->token, sizeof c->token, "%s", tok);
    if (uid) meta_set(c, "user_id", uid);
    json_decref(r);
}

/* A pending row as nanoflow's client sends it (§5.1), with its unit. */
typedef struct pending {
    char id[40];
    int64_t seq;
    size_t at, len; /* its JSON in the text buffer */
} pending;

/* Applies one upload answer in one transaction: each object takes the server's row. */
static void apply_upload(client *c, json_t *resp, sqlite3_stmt *take) {
    exec(c->db, "BEGIN IMMEDIATE");
    size_t i, k;
    const json_t *u, *o;
    json_array_foreach(json_object_get(resp, "units"), i, u) {
        json_array_foreach(json_object_get(u, "objects"), k, o) {
            const char *st = json_string_value(json_object_get(o, "status"));
            const json_t *row = json_object_get(o, "row");
            const json_t *vals = json_object_get(row, "values");
            if (!st || (strcmp(st, "applied") && strcmp(st, "duplicate")) || !json_is_object(vals))
                die(NULL, "an upload result this peer does not handle");
            sqlite3_bind_int64(take, 1, json_integer_value(json_object_get(row, "rev")));
            for (int m = 0; m < NMEM; m++)
                if (!bind_value(take, m + 2, m, json_object_get(vals, member[m])))
                    die(NULL, "a value of the wrong type");
            sqlite3_bind_text(take, NMEM + 2, json_string_value(json_object_get(o, "id")), -1,
                              SQLITE_TRANSIENT);
            step_done(c->db, take, "taking the server's row");
        }
    }
    exec(c->db, "COMMIT");
}

static void client_upload(client *c) {
    sqlite3_stmt *st = prepare(c->db, "SELECT _id, _state, _changed, _rev, _seq, " MEMBER_COLS
                                      " FROM " TABLE " WHERE _state != 0 ORDER BY _seq, _id");
    buf text = {0};
    pending *v = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            if (!(v = realloc(v, cap * sizeof *v))) die(NULL, "out of memory");
        }
        pending *p = &v[n++];
        const char *id = (const char *)sqlite3_column_text(st, 0);
        int state = sqlite3_column_int(st, 1);
        snprintf(p->id, sizeof p->id, "%s", id);
        p->seq = sqlite3_column_int64(st, 4);
        p->at = text.n;
        puts_(&text, "{\"entity\":\"" ENTITY "\",\"id\":");
        put_str(&text, id, strlen(id));
        puts_(&text,
              state == 3 ? ",\"op\":\"delete\",\"baseRev\":" : ",\"op\":\"save\",\"baseRev\":");
        if (sqlite3_column_type(st, 3) == SQLITE_NULL)
            puts_(&text, "null");
        else
            putf(&text, "%lld", (long long)sqlite3_column_int64(st, 3));
        if (state != 3) {
            puts_(&text, state == 1 ? ",\"new\":true,\"changed\":" : ",\"new\":false,\"changed\":");
            const char *ch = (const char *)sqlite3_column_text(st, 2);
            if (state == 2 && ch) { /* ",A,B," */
                put(&text, "[", 1);
                bool first = true;
                for (const char *q = ch; *q;) {
                    size_t len = strcspn(q, ",");
                    if (len) {
                        if (!first) put(&text, ",", 1);
                        put_str(&text, q, len);
                        first = false;
                    }
                    q += len + (q[len] == ',');
                }
                put(&text, "]", 1);
            } else {
                puts_(&text, "null");
            }
            puts_(&text, ",\"values\":");
            put_values(&text, st, 5);
        }
        put(&text, "}", 1);
        p->len = text.n - p->at;
    }
    sqlite3_finalize(st);
    sqlite3_stmt *take = prepare(c->db, "UPDATE " TABLE " SET _state = 0, _changed = NULL, _rev "
                                        "= ?1, \"Name\" = ?2, \"Qty\" = ?3, \"Price\" = ?4, "
                                        "\"Note\" = ?5, \"Done\" = ?6 WHERE _id = ?7");
    buf body = {0};
    for (size_t from = 0; from < n;) { /* whole units, at most 1,000 objects and 4 MB */
        size_t to = from, bytes = 0;
        while (to < n) {
            size_t end = to, ub = 0;
            do
                ub += v[end].len + 1;
            while (++end < n && v[end].seq == v[to].seq);
            if (to > from && (end - from > 1000 || bytes + ub > ((size_t)4 << 20))) break;
            bytes += ub;
            to = end;
        }
        body.n = 0;
        puts_(&body, "{\"units\":[");
        for (size_t i = from; i < to; i++) {
            bool first_of_unit = i == from || v[i].seq != v[i - 1].seq;
            if (first_of_unit) {
                if (i != from) puts_(&body, "]},");
                putf(&body, "{\"seq\":%lld,\"objects\":[", (long long)v[i].seq);
            } else {
                put(&body, ",", 1);
            }
            put(&body, text.p + v[i].at, v[i].len);
        }
        puts_(&body, "]}]}");
        json_t *r = request(c, "POST", "/nf/v1/upload", body.p, body.n);
        apply_upload(c, r, take);
        json_decref(r);
        from = to;
    }
    sqlite3_finalize(take);
    free(body.p);
    free(text.p);
    free(v);
}

static void client_download(client *c) {
    char pass[40], cursor[64] = "";
    hex_random(pass, 16);
    meta_set(c, "pass", pass);
    sqlite3_stmt *w = prepare(
        c->db, "INSERT INTO " TABLE " (_id, _state, _changed, _rev, _seq, " MEMBER_COLS
               ") VALUES (?1, 0, NULL, ?2, NULL, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(_id) DO UPDATE "
               "SET _state = 0, _changed = NULL, _rev = ?2, \"Name\" = excluded.\"Name\", \"Qty\" "
               "= excluded.\"Qty\", \"Price\" = excluded.\"Price\", \"Note\" = excluded.\"Note\", "
               "\"Done\" = excluded.\"Done\" WHERE _state = 0");
    sqlite3_stmt *stamp =
        prepare(c->db, "INSERT OR IGNORE INTO _nf_pass (entity, id) VALUES ('" ENTITY "', ?1)");
    sqlite3_stmt *cur = prepare(c->db, "INSERT OR REPLACE INTO _nf_meta (key, value) VALUES "
                                       "('cursor:" ENTITY "', ?1)");
    for (bool done = false; !done;) {
        char path[256];
        snprintf(path, sizeof path, "/nf/v1/download?entity=" ENTITY "&after=%s&limit=500&pass=%s",
                 cursor, pass);
        json_t *page = request(c, "GET", path, NULL, 0);
        const json_t *rows = json_object_get(page, "rows"), *next = json_object_get(page, "next");
        if (!json_is_array(rows)) die(NULL, "a page without rows");
        exec(c->db, "BEGIN IMMEDIATE");
        size_t i;
        const json_t *row;
        json_array_foreach(rows, i, row) {
            const char *id = json_string_value(json_object_get(row, "id"));
            const json_t *vals = json_object_get(row, "values");
            if (!id || !json_is_object(vals)) die(NULL, "a row without id or values");
            sqlite3_bind_text(w, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(w, 2, json_integer_value(json_object_get(row, "rev")));
            for (int m = 0; m < NMEM; m++)
                if (!bind_value(w, m + 3, m, json_object_get(vals, member[m])))
                    die(NULL, "a value of the wrong type");
            step_done(c->db, w, "writing a downloaded row");
            sqlite3_bind_text(stamp, 1, id, -1, SQLITE_TRANSIENT);
            step_done(c->db, stamp, "stamping a row");
        }
        done = !json_is_string(next);
        if (done) { /* the sweep: synchronized rows the pass did not see */
            exec(c->db, "DELETE FROM " TABLE " WHERE _state = 0 AND _id NOT IN (SELECT id FROM "
                        "_nf_pass WHERE entity = '" ENTITY "')");
            exec(c->db, "DELETE FROM _nf_pass WHERE entity = '" ENTITY "'");
            exec(c->db, "DELETE FROM _nf_meta WHERE key = 'cursor:" ENTITY "'");
        } else {
            snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
            sqlite3_bind_text(cur, 1, cursor, -1, SQLITE_TRANSIENT);
            step_done(c->db, cur, "saving the cursor");
        }
        exec(c->db, "COMMIT");
        json_decref(page);
    }
    sqlite3_finalize(w);
    sqlite3_finalize(stamp);
    sqlite3_finalize(cur);
    meta_set(c, "pass", NULL);
}

static int sync_device(const char *path, const char *url, const char *user, const char *pw) {
    client c = {0};
    c.url = url;
    c.db = open_db(path);
    sqlite3_stmt *st = prepare(c.db, "SELECT count(*) FROM sqlite_master");
    bool fresh = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
    if (fresh) { /* a new device: the store's schema and a new client id */
        exec(c.db, "BEGIN IMMEDIATE");
        for (size_t i = 0; i < sizeof device_schema / sizeof *device_schema; i++)
            exec(c.db, device_schema[i]);
        char id[40];
        hex_random(id, 16);
        exec(c.db, "INSERT INTO _nf_meta (key, value) VALUES ('format', '1'), ('seq', '0')");
        meta_set(&c, "client_id", id);
        exec(c.db, "COMMIT");
    }
    if (!meta_get(&c, "client_id", c.client_id, sizeof c.client_id) ||
        !meta_get(&c, "model_hash", c.model, sizeof c.model))
        snprintf(c.model, sizeof c.model, "%s", getenv("NF_MODEL") ? getenv("NF_MODEL") : "");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!(c.h = curl_easy_init())) die(NULL, "curl_easy_init");
    client_login(&c, user, pw);
    client_upload(&c);
    client_download(&c);
    curl_easy_cleanup(c.h);
    curl_global_cleanup();
    if (sqlite3_close(c.db) != SQLITE_OK) die(c.db, "closing");
    printf("requests %llu, sent %llu, received %llu\n", (unsigned long long)c.requests,
           (unsigned long long)c.sent, (unsigned long long)c.received);
    return 0;
}

/* ==== checks ================================================================================ */

static int summary(const char *path) {
    sqlite3 *db = open_db(path);
    sqlite3_stmt *st = prepare(
        db, "SELECT count(*), total(_state = 0), total(_state != 0), total(_rev), total(\"Qty\"), "
            "total(length(\"Name\")), total(length(\"Note\")), total(\"Done\"), "
            "total(CAST(\"Price\" AS REAL) * 100) FROM " TABLE);
    if (sqlite3_step(st) != SQLITE_ROW) die(db, "summary");
    printf("rows %lld, synchronized %.0f, pending %.0f, rev sum %.0f, Qty sum %.0f, name bytes "
           "%.0f, note bytes %.0f, done %.0f, price cents %.0f\n",
           (long long)sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1),
           sqlite3_column_double(st, 2), sqlite3_column_double(st, 3), sqlite3_column_double(st, 4),
           sqlite3_column_double(st, 5), sqlite3_column_double(st, 6), sqlite3_column_double(st, 7),
           sqlite3_column_double(st, 8));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return 0;
}

static int schema(const char *path) {
    sqlite3 *db = open_db(path);
    sqlite3_stmt *st = prepare(db, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name");
    while (sqlite3_step(st) == SQLITE_ROW)
        printf("%s|%s|%s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
               sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "-v") == 0) {
        printf("sync_raw: raw C peer, SQLite %s, %s, libmicrohttpd %s, jansson %s\n",
               sqlite3_libversion(), curl_version(), MHD_get_version(), JANSSON_VERSION);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
    if (argc == 6 && strcmp(argv[1], "sync") == 0)
        return sync_device(argv[2], argv[3], argv[4], argv[5]);
    if (argc == 3 && strcmp(argv[1], "summary") == 0) return summary(argv[2]);
    if (argc == 3 && strcmp(argv[1], "schema") == 0) return schema(argv[2]);
    fprintf(stderr, "usage: sync_raw serve DB | sync DB URL USER PASSWORD | summary DB | schema DB "
                    "| -v\n");
    return 2;
}
