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

/* Days since 1970-01-01 of a civil date (proleptic Gregorian), and back. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

void nf_srv_iso(int64_t ms, char out[32]) {
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t rest = ms - days * 86400000;
    int64_t y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999; /* outside ISO-8601's four digits */
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y, (int)m, (int)d,
             (int)(rest / 3600000), (int)(rest / 60000 % 60), (int)(rest / 1000 % 60),
             (int)(rest % 1000));
}

static bool digits(const char *s, int n, int64_t *out) {
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool nf_srv_parse_iso(const char *s, int64_t *ms) {
    /* YYYY-MM-DDTHH:MM:SS.sssZ exactly (the protocol's form) */
    if (strlen(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != '.' || s[23] != 'Z')
        return false;
    int64_t y, mo, d, h, mi, se, f;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se) ||
        !digits(s + 20, 3, &f))
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap) return false;
    *ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + se * 1000 + f;
    return true;
}
