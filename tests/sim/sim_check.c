/* sim_check.c — the oracle and the checker of the simulator. The oracle is what the devices
 * did, recorded as the flows returned (never read back from the implementation): every
 * acknowledged save with its unique Stamp and values, and each device's last operation on each
 * object. After the clean synchronization the checker reads the server's file and each
 * device's database with plain SQL and verifies docs/sync-client.md's three properties:
 *   1. exactly once: no write is in the server's audit log twice (Sim.Audit: one row per
 *      applied save, written by the app's after-commit handlers in the unit's transaction),
 *      every audit row is a write a device made, with the values it made;
 *   2. nothing lost: each device's last save of each object is applied (in the audit log) or
 *      recorded as refused with its data (System.SynchronizationError on the server or the
 *      device's quarantine); an object a device deleted is gone everywhere;
 *   3. convergence: each device holds exactly the rows the server lets its user see (the
 *      access rules evaluated here in SQL), values and revisions included, nothing pending. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "std_store.h"

const char *const sim_entity_table[E_COUNT] = {"Sim.Item", "Sim.Note", "Sim.Memo"};
static const char *const kinds[E_COUNT] = {"item", "note", "memo"};
/* the columns compared between a device and the server */
static const char *const columns[E_COUNT] = {
    "quote(Key), quote(Stamp), quote(N), quote(Text)",
    "quote(Key), quote(Stamp), quote(N), quote(Revision), quote(\"Sim.Note_Person\")",
    "quote(Key), quote(Stamp), quote(N), quote(\"Sim.Memo_Item\")"};

void sim_failf(sim *s, const char *fmt, ...) {
    size_t used = strlen(s->fail);
    if (used + 2 >= sizeof s->fail) return;
    if (used) s->fail[used++] = '\n';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->fail + used, sizeof s->fail - used, fmt, ap);
    va_end(ap);
}

static sim_last *last_of(sim *s, int client, int ent, int key) {
    for (int i = 0; i < s->nlast; i++)
        if (s->last[i].client == client && s->last[i].ent == ent && s->last[i].key == key)
            return &s->last[i];
    if (s->nlast == SIM_MAX_WRITES) return NULL;
    s->last[s->nlast] = (sim_last){client, ent, key, -1};
    return &s->last[s->nlast++];
}

void sim_record_save(sim *s, int client, int ent, int key, const char *stamp, int n,
                     const char *text, bool set_text) {
    if (s->nw == SIM_MAX_WRITES) return;
    sim_write *w = &s->w[s->nw];
    memset(w, 0, sizeof *w);
    snprintf(w->stamp, sizeof w->stamp, "%s", stamp);
    w->client = client;
    w->ent = ent;
    w->key = key;
    w->n = n;
    w->set_text = set_text;
    if (text) snprintf(w->text, sizeof w->text, "%s", text);
    sim_last *l = last_of(s, client, ent, key);
    if (l) l->write = s->nw;
    s->nw++;
}

void sim_record_delete(sim *s, int client, int ent, int key) {
    sim_last *l = last_of(s, client, ent, key);
    if (l) l->write = -1;
}

/* ---- SQL helpers ----------------------------------------------------------------------------- */

static int64_t q_int(sqlite3 *db, const char *sql, const char *a, int64_t b) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    if (a) sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, b);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

/* The rows of a query, one line each (malloc'd). */
static char *q_lines(sqlite3 *db, const char *sql, const char *a) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        char *e = malloc(300);
        if (e) snprintf(e, 300, "(SQL error: %s)", sqlite3_errmsg(db));
        return e;
    }
    if (a) sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    size_t n = 0, cap = 256;
    char *out = calloc(1, cap);
    while (out && sqlite3_step(st) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        size_t len = line ? strlen(line) : 4;
        while (n + len + 2 > cap) {
            char *o = realloc(out, cap *= 2);
            if (!o) {
                free(out);
                sqlite3_finalize(st);
                return NULL;
            }
            out = o;
        }
        memcpy(out + n, line ? line : "NULL", len);
        n += len;
        out[n++] = '\n';
        out[n] = '\0';
    }
    sqlite3_finalize(st);
    return out;
}

static const sim_write *write_of(const sim *s, const char *stamp) {
    for (int i = 0; i < s->nw; i++)
        if (!strcmp(s->w[i].stamp, stamp)) return &s->w[i];
    return NULL;
}

/* ---- the checks ------------------------------------------------------------------------------ */

static void exactly_once(sim *s, sqlite3 *srv) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(srv,
                           "SELECT Kind, Key, Stamp, N, Text, count(*) OVER (PARTITION BY Stamp) "
                           "FROM \"Sim.Audit\" ORDER BY Stamp",
                           -1, &st, NULL) != SQLITE_OK) {
        sim_failf(s, "cannot read the audit log: %s", sqlite3_errmsg(srv));
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        const char *stamp = (const char *)sqlite3_column_text(st, 2);
        const char *text = (const char *)sqlite3_column_text(st, 4);
        int key = sqlite3_column_int(st, 1), n = sqlite3_column_int(st, 3);
        const sim_write *w = stamp ? write_of(s, stamp) : NULL;
        if (!w) {
            sim_failf(s, "the server applied a write no device made (%s key %d stamp %s)",
                      kind ? kind : "?", key, stamp ? stamp : "(none)");
            continue;
        }
        if (sqlite3_column_int(st, 5) > 1)
            sim_failf(s, "write %s of device %d (%s key %d) was applied %d times", stamp, w->client,
                      kinds[w->ent], w->key, sqlite3_column_int(st, 5));
        if (!kind || strcmp(kind, kinds[w->ent]) || key != w->key || n != w->n ||
            (w->ent == E_ITEM && w->set_text && (!text || strcmp(text, w->text))))
            sim_failf(s,
                      "write %s of device %d was applied with other values: %s key %d N %d "
                      "Text %s (the device wrote %s key %d N %d Text %s)",
                      stamp, w->client, kind ? kind : "?", key, n, text ? text : "empty",
                      kinds[w->ent], w->key, w->n, w->set_text ? w->text : "(unchanged)");
    }
    sqlite3_finalize(st);
}

static bool refused_with_data(sim *s, sqlite3 *srv, const sim_write *w) {
    char needle[64];
    snprintf(needle, sizeof needle, "\"Stamp\":\"%s\"", w->stamp);
    if (q_int(srv,
              "SELECT count(*) FROM \"System.SynchronizationError\" WHERE instr(ObjectContent, ?1) "
              "> 0",
              needle, 0) > 0)
        return true;
    sqlite3 *db = nf_std_store_db(s->cl[w->client].rt->store);
    return q_int(db, "SELECT count(*) FROM _nf_quarantine WHERE instr(device, ?1) > 0", needle, 0) >
           0;
}

static void nothing_lost(sim *s, sqlite3 *srv) {
    for (int i = 0; i < s->nlast; i++) {
        const sim_last *l = &s->last[i];
        char sql[300];
        if (l->write >= 0) {
            const sim_write *w = &s->w[l->write];
            int64_t applied =
                q_int(srv, "SELECT count(*) FROM \"Sim.Audit\" WHERE Stamp = ?1", w->stamp, 0);
            if (applied != 1 && !refused_with_data(s, srv, w))
                sim_failf(s,
                          "device %d's last write of %s key %d (stamp %s) is lost: not applied on "
                          "the server, not recorded as refused",
                          l->client, kinds[l->ent], l->key, w->stamp);
            continue;
        }
        /* deleted by this device: gone from the server and from every device */
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\" WHERE Key = ?2",
                 sim_entity_table[l->ent]);
        if (q_int(srv, sql, NULL, l->key) != 0)
            sim_failf(s, "device %d deleted %s key %d, but the server still has it", l->client,
                      kinds[l->ent], l->key);
        for (int c = 0; c < s->nclients; c++)
            if (q_int(nf_std_store_db(s->cl[c].rt->store), sql, NULL, l->key) != 0)
                sim_failf(s, "device %d deleted %s key %d, but device %d still has it", l->client,
                          kinds[l->ent], l->key, c);
    }
}

static void converged(sim *s, sqlite3 *srv) {
    for (int c = 0; c < s->nclients; c++) {
        sqlite3 *db = nf_std_store_db(s->cl[c].rt->store);
        char user[16], *uid;
        snprintf(user, sizeof user, "u%d", s->cl[c].user + 1);
        uid = q_lines(srv, "SELECT id FROM _nf_srv_user WHERE name = ?1", user);
        if (uid && *uid) uid[strlen(uid) - 1] = '\0';
        for (int e = 0; e < E_COUNT; e++) {
            char sql[600];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\" WHERE _state != 0",
                     sim_entity_table[e]);
            int64_t pending = q_int(db, sql, NULL, 0);
            if (pending != 0)
                sim_failf(s, "device %d has %lld unsynchronized %s rows after the clean sync", c,
                          (long long)pending, kinds[e]);
            snprintf(sql, sizeof sql,
                     "SELECT _id || '|' || ifnull(_rev, '-') || '|' || %s FROM \"%s\" %s ORDER BY "
                     "_id",
                     columns[e], sim_entity_table[e],
                     e == E_NOTE ? "WHERE \"Sim.Note_Person\" = ?1" : "WHERE ?1 IS NOT NULL");
            char *mine = q_lines(db, sql, uid ? uid : "");
            char *theirs = q_lines(srv, sql, uid ? uid : "");
            if (!mine || !theirs || strcmp(mine, theirs))
                sim_failf(s,
                          "device %d (user %s) did not converge on %s:\n  device:\n%s  server "
                          "(what the user may see):\n%s",
                          c, user, sim_entity_table[e], mine ? mine : "?", theirs ? theirs : "?");
            free(mine);
            free(theirs);
        }
        if (q_int(db, "SELECT count(*) FROM _nf_pass", NULL, 0) != 0)
            sim_failf(s, "device %d keeps pass stamps after a complete download", c);
        free(uid);
    }
}

bool sim_check(sim *s) {
    sqlite3 *srv;
    if (sqlite3_open_v2(s->db, &srv, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sim_failf(s, "cannot open the server's database: %s", sqlite3_errmsg(srv));
        sqlite3_close(srv);
        return false;
    }
    char *ok = q_lines(srv, "PRAGMA integrity_check", NULL);
    if (!ok || strcmp(ok, "ok\n")) sim_failf(s, "the server's database is damaged: %s", ok);
    free(ok);
    exactly_once(s, srv);
    nothing_lost(s, srv);
    converged(s, srv);
    sqlite3_close(srv);
    return !s->fail[0];
}
