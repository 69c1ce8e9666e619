/* srv_db.c — the server's own tables (prefix _nf_srv_) next to the app's store, the change
 * sequence, ids, and time helpers.
 *
 *   _nf_srv_meta    (key, value)   seq: the server change sequence (every written row's _seq)
 *   _nf_srv_user    (name, id, entity, roles, hash)   accounts; hash from crypt ($y$ yescrypt)
 *   _nf_srv_session (token, user, expires)            bearer sessions, sliding expiry (ms)
 *   _nf_srv_client  (client, last_seq, user)          the highest unit applied per client id
 *   _nf_srv_file    (id, data, total, received, linked, user, created)   file contents (§7) */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "srv_int.h"
#include "std_time.h"

bool nf_srv_exec(nf_srv *s, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        nf_srv_logf(s, "database error: %s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return false;
    }
    return true;
}

sqlite3_stmt *nf_srv_stmt(nf_srv *s, const char *sql) {
    sqlite3_stmt *st = nf_std_store_stmt(s->store, NULL, sql);
    if (!st) nf_srv_logf(s, "database error: %s", sqlite3_errmsg(s->db));
    return st;
}

bool nf_srv_db_init(nf_srv *s, char *err, size_t errn) {
    static const char schema[] =
        "BEGIN IMMEDIATE;"
        "CREATE TABLE IF NOT EXISTS _nf_srv_meta (key TEXT PRIMARY KEY NOT NULL, value);"
        "INSERT OR IGNORE INTO _nf_srv_meta VALUES ('seq', 0);"
        "CREATE TABLE IF NOT EXISTS _nf_srv_user (name TEXT PRIMARY KEY NOT NULL, id TEXT NOT "
        "NULL, entity TEXT NOT NULL, roles TEXT NOT NULL, hash TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS _nf_srv_session (token TEXT PRIMARY KEY NOT NULL, user TEXT "
        "NOT NULL, expires INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS _nf_srv_client (client TEXT PRIMARY KEY NOT NULL, last_seq "
        "INTEGER NOT NULL, user TEXT);"
        "CREATE TABLE IF NOT EXISTS _nf_srv_file (id TEXT PRIMARY KEY NOT NULL, data BLOB NOT "
        "NULL, total INTEGER NOT NULL, received INTEGER NOT NULL, linked INTEGER NOT NULL "
        "DEFAULT 0, user TEXT, created INTEGER NOT NULL);"
        "COMMIT;";
    char *msg = NULL;
    if (sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errn, "cannot create the server tables: %s",
                 msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return false;
    }
    /* rows handlers wrote through the store are marked (_state != 0) until the unit settles
     * them: a partial index per table finds them without a scan (server rows are all 0) */
    for (uint32_t e = 0; e < s->m->nentities; e++) {
        const nf_std_table *t = &s->store->tables[e];
        if (!t->name) continue;
        nf_std_text name = {0}, sql = {0};
        nf_std_text_put(&name, "%s$nf_srv_dirty", s->m->strings[s->m->entities[e].name]);
        char *q = name.oom ? NULL : nf_std_store_quote(name.s);
        if (q)
            nf_std_text_put(&sql, "CREATE INDEX IF NOT EXISTS %s ON %s (_id) WHERE _state != 0", q,
                            t->name);
        bool ok = q && !sql.oom && sqlite3_exec(s->db, sql.s, NULL, NULL, &msg) == SQLITE_OK;
        free(q);
        free(name.s);
        free(sql.s);
        if (!ok) {
            snprintf(err, errn, "cannot index the tables: %s", msg ? msg : "out of memory");
            sqlite3_free(msg);
            return false;
        }
    }
    return true;
}

int64_t nf_srv_next_seq(nf_srv *s) {
    sqlite3_stmt *st = nf_srv_stmt(
        s, "UPDATE _nf_srv_meta SET value = value + 1 WHERE key = 'seq' RETURNING value");
    if (!st) return -1;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return v;
}

int64_t nf_srv_current_seq(nf_srv *s) {
    sqlite3_stmt *st = nf_srv_stmt(s, "SELECT value FROM _nf_srv_meta WHERE key = 'seq'");
    if (!st) return -1;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return v;
}

bool nf_srv_uuid(char out[37]) {
    uint8_t b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) return false;
    b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
    nf_std_uuid_text(b, out);
    return true;
}

int64_t nf_srv_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Timestamps as the protocol writes them (std_time.c does the calendar). */
void nf_srv_iso(int64_t ms, char out[32]) {
    nf_std_time_format_iso(ms, out, 32);
}

bool nf_srv_parse_iso(const char *s, int64_t *ms) {
    return nf_std_time_parse_utc(s, ms);
}
