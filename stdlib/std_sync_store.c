/* std_sync_store.c — the local store's side of synchronization (docs/sync-protocol.md §5.5,
 * §6): the commit units to upload, an upload response applied in one transaction (server rows
 * taken, rows marked synchronized, refused objects moved to the quarantine), download pages
 * applied with their cursor and pass stamps, the sweep, and objects of the identity map
 * refreshed once a transaction has committed so flows see what the rows hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_sync.h"

static const char *ent_name(const nf_std_store *s, uint32_t e) {
    return s->m->strings[s->m->entities[e].name];
}
static const char *member_name(const nf_std_store *s, const nf_std_table *t, uint32_t i) {
    return i < t->nattrs ? s->m->strings[t->attrs[i]->name]
                         : s->m->strings[s->m->assocs[t->ref_assoc[i - t->nattrs]].name];
}
static uint8_t member_kind(const nf_std_table *t, uint32_t i) {
    return i < t->nattrs ? t->attrs[i]->type.kind : NF_BT_OBJ;
}
static const char *member_col(const nf_std_table *t, uint32_t i) {
    return i < t->nattrs ? t->attr_cols[i] : t->ref_cols[i - t->nattrs];
}

static bool exec(nf_std_store *s, const char *sql) {
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK;
}
static void rollback(nf_std_store *s) {
    if (!sqlite3_get_autocommit(s->db)) exec(s, "ROLLBACK");
}

bool nf_std_sync_store_prepare(nf_std_store *s, char *err, size_t errn) {
    if (exec(s, "CREATE TABLE IF NOT EXISTS _nf_quarantine (qid INTEGER PRIMARY KEY, entity "
                "TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER, status TEXT NOT NULL, reason "
                "TEXT, device TEXT, server TEXT, at INTEGER)") &&
        exec(s, "CREATE TABLE IF NOT EXISTS _nf_pass (entity TEXT NOT NULL, id TEXT NOT NULL, "
                "PRIMARY KEY (entity, id)) WITHOUT ROWID") &&
        exec(s, "CREATE TABLE IF NOT EXISTS _nf_sent (id TEXT PRIMARY KEY NOT NULL) WITHOUT "
                "ROWID")) {
        s->sent_table = true;
        return true;
    }
    snprintf(err, errn, "cannot prepare the local database for synchronization: %s",
             sqlite3_errmsg(s->db));
    return false;
}

int64_t nf_std_sync_store_quarantined(nf_std_store *s) {
    sqlite3_stmt *st = nf_std_store_stmt(s, NULL, "SELECT count(*) FROM _nf_quarantine");
    int64_t n = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (st) sqlite3_reset(st);
    return n;
}

/* ---- the units to upload --------------------------------------------------------------------- */

void nf_std_sync_list_free(nf_std_sync_list *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].json);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* "SELECT _id, _state, _changed, _rev, _seq, members… FROM t WHERE _state != 0". A new row
 * that went out in an upload whose answer never came (_nf_sent) may be on the server as
 * revision 1: its base revision reads 1, so the server takes it as a change of that revision
 * when it has it and creates it when it does not (§5.1), instead of a conflict with the
 * device's own first version. */
static char *pending_sql(const nf_std_table *t, bool by_id, bool sent) {
    nf_std_text q = {0};
    if (sent)
        nf_std_text_put(&q,
                        "SELECT _id, _state, _changed, COALESCE(_rev, CASE WHEN _state = 1 AND "
                        "EXISTS (SELECT 1 FROM _nf_sent WHERE _nf_sent.id = %s._id) THEN 1 END), "
                        "_seq",
                        t->name);
    else
        nf_std_text_put(&q, "SELECT _id, _state, _changed, _rev, _seq");
    for (uint32_t i = 0; i < t->nattrs + t->nrefs; i++)
        nf_std_text_put(&q, ", %s", member_col(t, i));
    nf_std_text_put(&q, " FROM %s WHERE _state != 0%s", t->name, by_id ? " AND _id = ?1" : "");
    if (q.oom) {
        free(q.s);
        return NULL;
    }
    return q.s;
}

/* The upload object (§5.1) of the row at st. */
static json_t *row_json(nf_std_store *s, const nf_std_table *t, sqlite3_stmt *st, int state) {
    json_t *o = json_object();
    if (!o) return NULL;
    bool ok =
        !json_object_set_new(o, "entity", json_string(ent_name(s, t->entity))) &&
        !json_object_set_new(o, "id", json_string((const char *)sqlite3_column_text(st, 0))) &&
        !json_object_set_new(o, "op", json_string(state == NF_SYNC_DELETED ? "delete" : "save")) &&
        !json_object_set_new(o, "baseRev",
                             sqlite3_column_type(st, 3) == SQLITE_NULL
                                 ? json_null()
                                 : json_integer(sqlite3_column_int64(st, 3)));
    if (ok && state != NF_SYNC_DELETED) {
        ok = !json_object_set_new(o, "new", json_boolean(state == NF_SYNC_NEW));
        json_t *changed = json_null();
        const char *ch = (const char *)sqlite3_column_text(st, 2);
        if (state == NF_SYNC_CHANGED && ch) { /* ",A,B," */
            changed = json_array();
            for (const char *p = ch; changed && *p;) {
                const char *e = strchr(p, ',');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                if (n) json_array_append_new(changed, json_stringn(p, n));
                p += n + (e != NULL);
            }
        }
        ok = ok && changed && !json_object_set_new(o, "changed", changed);
        json_t *vals = json_object();
        for (uint32_t i = 0; ok && vals && i < t->nattrs + t->nrefs; i++) {
            json_t *v = nf_std_wire_from_column(st, 5 + (int)i, member_kind(t, i));
            ok = v && !json_object_set_new(vals, member_name(s, t, i), v);
        }
        ok = ok && vals && !json_object_set_new(o, "values", vals);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static nf_vm_status collect(nf_std_store *s, nf_vm *vm, nf_std_table *t, const char *id,
                            nf_std_sync_list *out) {
    char *sql = pending_sql(t, id != NULL, s->sent_table);
    if (!sql) return nf_vm_no_memory(vm, 0, "reading the changes to synchronize");
    sqlite3_stmt *st = nf_std_store_stmt(s, vm, sql);
    free(sql);
    if (!st) return NF_VM_ERROR;
    if (id) sqlite3_bind_text(st, 1, id, 36, SQLITE_TRANSIENT);
    int rc;
    nf_vm_status r = NF_VM_OK;
    while (r == NF_VM_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 64;
            nf_std_sync_obj *v = realloc(out->v, cap * sizeof *v);
            if (!v) {
                r = nf_vm_no_memory(vm, cap * sizeof *v, "reading the changes to synchronize");
                break;
            }
            out->v = v;
            out->cap = cap;
        }
        nf_std_sync_obj *o = &out->v[out->n];
        o->t = t;
        o->state = (uint8_t)sqlite3_column_int(st, 1);
        o->seq = sqlite3_column_int64(st, 4);
        snprintf(o->id, sizeof o->id, "%s", (const char *)sqlite3_column_text(st, 0));
        json_t *j = row_json(s, t, st, o->state); /* kept as text: a fraction of the memory */
        o->json = j ? json_dumps(j, JSON_COMPACT) : NULL;
        o->json_len = o->json ? strlen(o->json) : 0;
        json_decref(j);
        if (!o->json)
            r = nf_vm_no_memory(vm, 0, "reading the changes to synchronize");
        else
            out->n++;
    }
    if (r == NF_VM_OK && rc != SQLITE_DONE) r = nf_std_store_fail(s, vm, "reading the changes");
    sqlite3_reset(st);
    return r;
}

static int by_unit(const void *a, const void *b) {
    const nf_std_sync_obj *x = a, *y = b;
    if (x->seq != y->seq) return x->seq < y->seq ? -1 : 1;
    if (x->t->entity != y->t->entity) return x->t->entity < y->t->entity ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Every pending row of the offline entities that synchronize. */
static nf_vm_status collect_all(nf_std_store *s, nf_vm *vm, nf_std_sync_list *out) {
    nf_vm_status r = NF_VM_OK;
    for (uint32_t e = 0; r == NF_VM_OK && e < s->m->nentities; e++) {
        const nf_bc_entity *en = &s->m->entities[e];
        if (s->tables[e].name && (en->flags & NF_BE_OFFLINE) && en->download != NF_BD_NEVER)
            r = collect(s, vm, &s->tables[e], NULL, out);
    }
    return r;
}

nf_vm_status nf_std_sync_pending(nf_std_store *s, nf_vm *vm, int mode, nf_vm_obj *const *objs,
                                 uint32_t n, nf_std_sync_list *out) {
    memset(out, 0, sizeof *out);
    nf_vm_status r = NF_VM_OK;
    if (mode == 2) {
        for (uint32_t i = 0; r == NF_VM_OK && i < n; i++) {
            nf_std_table *t = &s->tables[objs[i]->entity];
            if (!t->name || !(s->m->entities[t->entity].flags & NF_BE_OFFLINE)) continue;
            char id[37];
            nf_std_uuid_text(objs[i]->id, id);
            r = collect(s, vm, t, id, out);
        }
        /* The server's replay check is a high-water mark (§5.2: a unit at or below lastSeq is
         * a duplicate), so a unit must never reach it before a pending unit with a lower seq:
         * that one would be answered `duplicate` and never applied (the device would then drop
         * it as synchronized). The selected objects therefore go with their whole units and
         * every pending unit committed before them (found by tests/sim). */
        int64_t top = 0;
        for (size_t i = 0; i < out->n; i++)
            if (out->v[i].seq > top) top = out->v[i].seq;
        nf_std_sync_list all;
        memset(&all, 0, sizeof all);
        if (r == NF_VM_OK && out->n) r = collect_all(s, vm, &all);
        if (r == NF_VM_OK && out->n) {
            size_t k = 0;
            for (size_t i = 0; i < all.n; i++) {
                if (all.v[i].seq <= top)
                    all.v[k++] = all.v[i];
                else
                    free(all.v[i].json);
            }
            all.n = k;
            nf_std_sync_list_free(out);
            *out = all;
        } else {
            nf_std_sync_list_free(&all);
        }
    } else {
        r = collect_all(s, vm, out);
    }
    if (r != NF_VM_OK) {
        nf_std_sync_list_free(out);
        return r;
    }
    if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, by_unit);
    return NF_VM_OK;
}

/* ---- objects touched by a transaction ---------------------------------------------------------
 */

typedef struct touched {
    struct {
        nf_std_table *t;
        uint8_t id[16];
    } * v;
    size_t n, cap;
} touched;

static bool touch(touched *tc, nf_std_table *t, const char *id) {
    if (tc->n == tc->cap) {
        size_t cap = tc->cap ? tc->cap * 2 : 64;
        void *v = realloc(tc->v, cap * sizeof *tc->v);
        if (!v) return false;
        tc->v = v;
        tc->cap = cap;
    }
    if (!nf_std_uuid_parse(id, strlen(id), tc->v[tc->n].id)) return true;
    tc->v[tc->n++].t = t;
    return true;
}

/* An object in memory whose row is gone: it leaves the identity map and reads as deleted. */
static void forget(nf_vm *vm, nf_vm_obj *o) {
    o->refs++;
    nf_vm_idmap_remove(vm, o);
    nf_vm_unsaved_unlink(vm, o);
    o->stored = 0;
    o->changed = 0;
    o->state = NF_OBJ_DELETED;
    nf_vm_obj_release(vm, o);
}

/* Puts the row's values into o (an object without changes in memory). */
static nf_vm_status refill(nf_std_store *s, nf_vm *vm, nf_std_table *t, nf_vm_obj *o,
                           sqlite3_stmt *st) {
    const nf_vm_layout *lay = &vm->layout[o->entity];
    for (uint32_t a = 0; a < t->nattrs && a < o->nattrs; a++) {
        nf_val v = lay->blank[a];
        if (nf_std_store_read_value(s, vm, st, 2 + (int)a, t->attrs[a], &v) != NF_VM_OK)
            return NF_VM_ERROR;
        nf_vm_val_release(vm, &o->attrs[a]);
        o->attrs[a] = v;
    }
    uint8_t(*pend)[16] = nf_vm_obj_pending(vm, o);
    for (uint32_t r = 0; r < t->nrefs; r++) {
        uint32_t slot = t->ref_slot[r];
        int c = 2 + (int)(t->nattrs + r);
        const char *rt = (const char *)sqlite3_column_text(st, c);
        uint8_t rid[16];
        bool has = rt && nf_std_uuid_parse(rt, (size_t)sqlite3_column_bytes(st, c), rid);
        nf_val *sv = &o->attrs[o->nattrs + slot];
        if (has && !nf_vm_is_empty(sv) && memcmp(sv->u.o->id, rid, 16) == 0) continue;
        nf_vm_val_release(vm, sv);
        if (pend) memset(pend[slot], 0, 16);
        if (!has) continue;
        if (pend) {
            memcpy(pend[slot], rid, 16);
        } else {
            nf_vm_obj *target = NULL;
            if (nf_std_store_load(s, vm, vm->m->assocs[t->ref_assoc[r]].to, rid, &target) !=
                NF_VM_OK)
                return NF_VM_ERROR;
            if (target) {
                sv->u.o = target;
                sv->flags = 0;
            }
        }
    }
    return NF_VM_OK;
}

/* After a committed transaction: every object of the identity map whose row it wrote or
 * removed shows the row (objects with uncommitted changes keep them and only learn the row's
 * state). */
static nf_vm_status refresh(nf_std_store *s, nf_vm *vm, touched *tc) {
    nf_vm_status r = NF_VM_OK;
    for (size_t i = 0; r == NF_VM_OK && i < tc->n; i++) {
        nf_vm_obj *o = nf_vm_idmap_get(vm, tc->v[i].id);
        if (!o) continue;
        nf_std_table *t = tc->v[i].t;
        nf_std_text q = {0};
        nf_std_text_put(&q, "SELECT _id, _state");
        for (uint32_t k = 0; k < t->nattrs + t->nrefs; k++)
            nf_std_text_put(&q, ", %s", member_col(t, k));
        nf_std_text_put(&q, " FROM %s WHERE _id = ?1", t->name);
        sqlite3_stmt *st = q.oom ? NULL : nf_std_store_stmt(s, vm, q.s);
        free(q.s);
        if (!st) return q.oom ? nf_vm_no_memory(vm, 0, "refreshing objects") : NF_VM_ERROR;
        char idt[37];
        nf_std_uuid_text(tc->v[i].id, idt);
        sqlite3_bind_text(st, 1, idt, 36, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            int state = sqlite3_column_int(st, 1);
            if (state == NF_SYNC_DELETED) {
                o->sync = NF_SYNC_DELETED;
            } else if (!o->changed && o->state == NF_OBJ_COMMITTED) {
                r = refill(s, vm, t, o, st);
                o->sync = (uint8_t)state;
            } else {
                o->sync = (uint8_t)state;
            }
        } else if (rc == SQLITE_DONE) {
            if (o->state == NF_OBJ_COMMITTED && !o->changed)
                forget(vm, o);
            else if (o->stored) { /* changed in memory: committing it writes a new row */
                nf_vm_idmap_remove(vm, o);
                o->stored = 0;
                o->sync = NF_SYNC_NEW;
            }
        } else {
            r = nf_std_store_fail(s, vm, "refreshing objects");
        }
        sqlite3_reset(st);
    }
    return r;
}

/* ---- writing the server's rows --------------------------------------------------------------- */

typedef enum { W_OK, W_BAD, W_FAIL } wres;

/* Inserts or replaces the row of t with id from values (members not given keep their local
 * value; unknown members are ignored) in `state` (0: synchronized at revision rev; 1/2: a local
 * change of commit seq, rev kept). With only_synced, a row with local changes is left alone. */
static wres write_values(nf_std_store *s, nf_std_table *t, const char *id, const json_t *values,
                         int state, int64_t rev, int64_t seq, bool only_synced) {
    if (!json_is_object(values)) return W_BAD;
    uint32_t nm = t->nattrs + t->nrefs, *cols = malloc((nm + 1) * sizeof *cols);
    const json_t **vals = malloc((nm + 1) * sizeof *vals);
    if (!cols || !vals) {
        free(cols);
        free(vals);
        return W_FAIL;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < nm; i++) {
        const json_t *v = json_object_get(values, member_name(s, t, i));
        if (v) {
            cols[n] = i;
            vals[n++] = v;
        }
    }
    /* ?1 id, ?2 revision (NULL: keep), ?3 state, ?4 commit (NULL: keep), members from ?5; with
     * every member given (the usual case) the table's own statement, built once */
    sqlite3_stmt *st = n == nm ? t->sync_write[only_synced] : NULL;
    nf_std_text q = {0};
    if (!st) {
        nf_std_text_put(&q, "INSERT INTO %s (_id, _state, _changed, _rev, _seq", t->name);
        for (uint32_t k = 0; k < n; k++)
            nf_std_text_put(&q, ", %s", member_col(t, cols[k]));
        nf_std_text_put(&q, ") VALUES (?1, ?3, NULL, ?2, ?4");
        for (uint32_t k = 0; k < n; k++)
            nf_std_text_put(&q, ", ?%u", k + 5);
        nf_std_text_put(&q, ") ON CONFLICT(_id) DO UPDATE SET _state = ?3, _changed = NULL, _rev = "
                            "COALESCE(?2, _rev), _seq = COALESCE(?4, _seq)");
        for (uint32_t k = 0; k < n; k++)
            nf_std_text_put(&q, ", %s = excluded.%s", member_col(t, cols[k]),
                            member_col(t, cols[k]));
        if (only_synced) nf_std_text_put(&q, " WHERE _state = 0");
        if (q.oom)
            st = NULL;
        else if (n < nm)
            st = nf_std_store_stmt(s, NULL, q.s);
        else if (sqlite3_prepare_v3(s->db, q.s, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) ==
                 SQLITE_OK)
            t->sync_write[only_synced] = st;
    }
    wres w = W_FAIL;
    if (st) {
        w = W_OK;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        if (state == 0)
            sqlite3_bind_int64(st, 2, rev);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_int(st, 3, state);
        if (seq > 0)
            sqlite3_bind_int64(st, 4, seq);
        else
            sqlite3_bind_null(st, 4);
        for (uint32_t k = 0; k < n && w == W_OK; k++)
            if (!nf_std_wire_bind(st, (int)k + 5, member_kind(t, cols[k]), vals[k])) w = W_BAD;
        if (w == W_OK && sqlite3_step(st) != SQLITE_DONE) w = W_FAIL;
        sqlite3_reset(st);
    }
    free(q.s);
    free(cols);
    free(vals);
    return w;
}

static wres write_server_row(nf_std_store *s, nf_std_table *t, const char *id, const json_t *values,
                             int64_t rev, bool only_synced) {
    return write_values(s, t, id, values, 0, rev, 0, only_synced);
}

static bool run(nf_std_store *s, const char *sql, const char *a, const char *b, int64_t i3,
                bool has_i3) {
    sqlite3_stmt *st = nf_std_store_stmt(s, NULL, sql);
    if (!st) return false;
    if (a) sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    if (b) sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    if (has_i3) sqlite3_bind_int64(st, 3, i3);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return ok;
}

/* The local row's _state and _seq; false when there is none. */
static bool local_row(nf_std_store *s, nf_std_table *t, const char *id, int *state, int64_t *seq) {
    char sql[600];
    snprintf(sql, sizeof sql, "SELECT _state, _seq FROM %s WHERE _id = ?1", t->name);
    sqlite3_stmt *st = nf_std_store_stmt(s, NULL, sql);
    if (!st) return false;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        *state = sqlite3_column_int(st, 0);
        *seq = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return found;
}

static wres remove_row(nf_std_store *s, nf_std_table *t, const char *id) {
    char sql[600];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE _id = ?1", t->name);
    return run(s, sql, id, NULL, 0, false) ? W_OK : W_FAIL;
}

/* ---- the upload response --------------------------------------------------------------------- */

/* The sent object a result is for. Servers answer in the order of the request, so the search
 * starts at *hint (the one after the previous result) and is one comparison per result then. */
static const nf_std_sync_obj *find_sent(const nf_std_sync_list *l, size_t from, size_t to,
                                        int64_t seq, const char *id, size_t *hint) {
    for (size_t k = 0, i = *hint < from || *hint >= to ? from : *hint; k < to - from; k++) {
        if (l->v[i].seq == seq && strcmp(l->v[i].id, id) == 0) {
            *hint = i + 1;
            return &l->v[i];
        }
        if (++i == to) i = from;
    }
    return NULL;
}

static wres quarantine(nf_std_store *s, const nf_std_sync_obj *o, const char *status,
                       const char *reason, const json_t *row, int64_t now) {
    const char *device = o->json;
    char *server = json_is_object(row) ? json_dumps(row, JSON_COMPACT) : NULL;
    sqlite3_stmt *st = nf_std_store_stmt(
        s, NULL,
        "INSERT INTO _nf_quarantine (entity, id, seq, status, reason, device, server, at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    wres w = W_FAIL;
    if (st && device) {
        sqlite3_bind_text(st, 1, ent_name(s, o->t->entity), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, o->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, o->seq);
        sqlite3_bind_text(st, 4, status, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, reason ? reason : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, device, -1, SQLITE_TRANSIENT);
        if (server)
            sqlite3_bind_text(st, 7, server, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 7);
        sqlite3_bind_int64(st, 8, now);
        w = sqlite3_step(st) == SQLITE_DONE ? W_OK : W_FAIL;
        sqlite3_reset(st);
    }
    free(server);
    return w;
}

/* The server row's revision (row.rev, else the object's rev); false when neither is one. */
static bool rev_of(const json_t *obj, const json_t *row, int64_t *rev) {
    const json_t *r = json_is_object(row) ? json_object_get(row, "rev") : NULL;
    if (!json_is_integer(r)) r = json_object_get(obj, "rev");
    if (!json_is_integer(r)) return false;
    *rev = (int64_t)json_integer_value(r);
    return true;
}

static wres apply_object(nf_std_store *s, const nf_std_sync_obj *o, int64_t useq, const json_t *res,
                         int64_t now, uint32_t *quarantined, touched *tc) {
    const char *status = json_string_value(json_object_get(res, "status"));
    const json_t *row = json_object_get(res, "row");
    if (!status || (row && !json_is_null(row) && !json_is_object(row))) return W_BAD;
    const json_t *values = json_is_object(row) ? json_object_get(row, "values") : NULL;
    if (json_is_object(row) && !json_is_object(values)) return W_BAD;
    int state = 0;
    int64_t seq = 0;
    bool have = local_row(s, o->t, o->id, &state, &seq);
    bool recommitted = have && seq > useq; /* committed again after this upload started */
    if (!touch(tc, o->t, o->id)) return W_FAIL;
    bool is_delete = o->state == NF_SYNC_DELETED;
    if (strcmp(status, "applied") == 0 || strcmp(status, "duplicate") == 0) {
        if (!have) return W_OK;
        if (is_delete) return recommitted ? W_OK : remove_row(s, o->t, o->id);
        int64_t rev = 0;
        bool has_rev = rev_of(res, row, &rev);
        char sql[700];
        if (recommitted) { /* keep the newer change; it is no longer new on the server */
            if (!has_rev) return W_OK;
            snprintf(sql, sizeof sql,
                     "UPDATE %s SET _rev = ?3, _state = CASE WHEN _state = 1 THEN 2 ELSE _state "
                     "END WHERE _id = ?1",
                     o->t->name);
            return run(s, sql, o->id, NULL, rev, true) ? W_OK : W_FAIL;
        }
        if (values) {
            if (!has_rev) return W_BAD;
            return write_server_row(s, o->t, o->id, values, rev, false);
        }
        /* applied but not visible to this user any more (or no row sent): the server has it */
        if (json_is_null(row) && strcmp(status, "duplicate") == 0)
            return remove_row(s, o->t, o->id);
        snprintf(sql, sizeof sql,
                 "UPDATE %s SET _state = 0, _changed = NULL, _rev = CASE WHEN ?2 = 'y' THEN ?3 "
                 "ELSE _rev END WHERE _id = ?1",
                 o->t->name);
        return run(s, sql, o->id, has_rev ? "y" : "n", rev, true) ? W_OK : W_FAIL;
    }
    if (strcmp(status, "rejected") != 0 && strcmp(status, "conflict") != 0) return W_BAD;
    const char *reason = json_string_value(json_object_get(res, "reason"));
    if (quarantine(s, o, status, reason, row, now) != W_OK) return W_FAIL;
    ++*quarantined;
    if (!have || recommitted) return W_OK;
    if (values) {
        int64_t rev = 0;
        if (!rev_of(res, row, &rev)) return W_BAD;
        return write_server_row(s, o->t, o->id, values, rev, false);
    }
    return remove_row(s, o->t, o->id);
}

static nf_vm_status malformed(nf_vm *vm, const char *what) {
    return nf_vm_raise(vm, NF_VM_E_CONNECTION,
                       "synchronization failed: the server's answer is malformed (%s); nothing "
                       "was changed on the device",
                       what);
}

nf_vm_status nf_std_sync_mark_sent(nf_std_store *s, nf_vm *vm, const nf_std_sync_list *l,
                                   size_t from, size_t to) {
    bool any = false;
    for (size_t i = from; i < to && !any; i++)
        any = l->v[i].state == NF_SYNC_NEW;
    if (!any) return NF_VM_OK;
    if (!exec(s, "BEGIN IMMEDIATE")) return nf_std_store_fail(s, vm, "recording an upload");
    bool ok = true;
    for (size_t i = from; ok && i < to; i++)
        if (l->v[i].state == NF_SYNC_NEW)
            ok = run(s, "INSERT OR IGNORE INTO _nf_sent (id) VALUES (?1)", l->v[i].id, NULL, 0,
                     false);
    if (ok && exec(s, "COMMIT")) return NF_VM_OK;
    nf_vm_status r = nf_std_store_fail(s, vm, "recording an upload");
    rollback(s);
    return r;
}

nf_vm_status nf_std_sync_apply_upload(nf_std_store *s, nf_vm *vm, const nf_std_sync_list *sent,
                                      size_t from, size_t to, const json_t *resp, int64_t now,
                                      uint32_t *quarantined) {
    const json_t *units = json_object_get(resp, "units");
    if (!json_is_array(units)) return malformed(vm, "no units");
    if (!exec(s, "BEGIN IMMEDIATE")) return nf_std_store_fail(s, vm, "applying an upload");
    touched tc = {0};
    uint32_t q = 0;
    wres w = W_OK;
    const char *bad = NULL;
    size_t hint = from;
    size_t i;
    const json_t *u;
    json_array_foreach(units, i, u) {
        const json_t *seqj = json_object_get(u, "seq"), *objs = json_object_get(u, "objects");
        const char *ust = json_string_value(json_object_get(u, "status"));
        if (!json_is_integer(seqj) || !json_is_array(objs) || !ust ||
            (strcmp(ust, "applied") != 0 && strcmp(ust, "duplicate") != 0)) {
            w = W_BAD;
            bad = "a unit without seq, status or objects";
            break;
        }
        int64_t useq = (int64_t)json_integer_value(seqj);
        size_t k;
        const json_t *res;
        json_array_foreach(objs, k, res) {
            const char *id = json_string_value(json_object_get(res, "id"));
            const nf_std_sync_obj *o = id ? find_sent(sent, from, to, useq, id, &hint) : NULL;
            if (!o) {
                w = W_BAD;
                bad = "a result for an object that was not sent";
                break;
            }
            w = apply_object(s, o, useq, res, now, &q, &tc);
            /* answered: whatever it was, the device knows now */
            if (w == W_OK && o->state != NF_SYNC_CHANGED &&
                !run(s, "DELETE FROM _nf_sent WHERE id = ?1", o->id, NULL, 0, false))
                w = W_FAIL;
            if (w != W_OK) {
                bad = "an object result with a wrong status, row or value";
                break;
            }
        }
        if (w != W_OK) break;
    }
    nf_vm_status r = NF_VM_OK;
    if (w == W_OK && !exec(s, "COMMIT")) w = W_FAIL;
    if (w != W_OK) {
        r = w == W_BAD ? malformed(vm, bad) : nf_std_store_fail(s, vm, "applying an upload");
        rollback(s);
    } else {
        *quarantined += q;
        r = refresh(s, vm, &tc);
    }
    free(tc.v);
    return r;
}

/* ---- download -------------------------------------------------------------------------------- */

nf_vm_status nf_std_sync_meta_get(nf_std_store *s, nf_vm *vm, const char *key, char **value) {
    *value = NULL;
    sqlite3_stmt *st = nf_std_store_stmt(s, vm, "SELECT value FROM _nf_meta WHERE key = ?1");
    if (!st) return NF_VM_ERROR;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        *value = strdup(v ? v : "");
        if (!*value) rc = SQLITE_NOMEM;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return nf_std_store_fail(s, vm, "reading a cursor");
    return NF_VM_OK;
}

nf_vm_status nf_std_sync_meta_set(nf_std_store *s, nf_vm *vm, const char *key, const char *value) {
    bool ok = value ? run(s, "INSERT OR REPLACE INTO _nf_meta (key, value) VALUES (?1, ?2)", key,
                          value, 0, false)
                    : run(s, "DELETE FROM _nf_meta WHERE key = ?1", key, NULL, 0, false);
    return ok ? NF_VM_OK : nf_std_store_fail(s, vm, "saving a cursor");
}

/* Removes the synchronized rows of t that the pass did not stamp; records them. */
static bool sweep(nf_std_store *s, nf_std_table *t, touched *tc) {
    const char *en = ent_name(s, t->entity);
    char sql[800];
    snprintf(sql, sizeof sql,
             "SELECT _id FROM %s WHERE _state = 0 AND _id NOT IN (SELECT id FROM _nf_pass WHERE "
             "entity = ?1)",
             t->name);
    sqlite3_stmt *st = nf_std_store_stmt(s, NULL, sql);
    if (!st) return false;
    sqlite3_bind_text(st, 1, en, -1, SQLITE_TRANSIENT);
    bool ok = true;
    while (ok && sqlite3_step(st) == SQLITE_ROW)
        ok = touch(tc, t, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    snprintf(sql, sizeof sql,
             "DELETE FROM %s WHERE _state = 0 AND _id NOT IN (SELECT id FROM _nf_pass WHERE "
             "entity = ?1)",
             t->name);
    char key[300];
    snprintf(key, sizeof key, "cursor:%s", en);
    return ok && run(s, sql, en, NULL, 0, false) &&
           run(s, "DELETE FROM _nf_pass WHERE entity = ?1", en, NULL, 0, false) &&
           run(s, "DELETE FROM _nf_meta WHERE key = ?1", key, NULL, 0, false);
}

nf_vm_status nf_std_sync_apply_page(nf_std_store *s, nf_vm *vm, nf_std_table *t, const char *pass,
                                    const json_t *page, bool *done) {
    const char *en = ent_name(s, t->entity);
    const json_t *rows = json_object_get(page, "rows"), *next = json_object_get(page, "next");
    const char *pe = json_string_value(json_object_get(page, "entity"));
    const char *pp = json_string_value(json_object_get(page, "pass"));
    if (!json_is_array(rows) || !pe || strcmp(pe, en) != 0 || (pp && strcmp(pp, pass) != 0) ||
        !(json_is_null(next) || json_is_string(next)))
        return malformed(vm, "a download page without entity, pass, rows or next");
    if (!exec(s, "BEGIN IMMEDIATE")) return nf_std_store_fail(s, vm, "applying a download");
    touched tc = {0};
    wres w = W_OK;
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row) {
        const char *id = json_string_value(json_object_get(row, "id"));
        const json_t *rev = json_object_get(row, "rev");
        uint8_t b[16];
        if (!id || !nf_std_uuid_parse(id, strlen(id), b) || !json_is_integer(rev)) {
            w = W_BAD;
            break;
        }
        char idt[37];
        nf_std_uuid_text(b, idt);
        w = write_server_row(s, t, idt, json_object_get(row, "values"),
                             (int64_t)json_integer_value(rev), true);
        if (w == W_OK && !run(s, "INSERT OR IGNORE INTO _nf_pass (entity, id) VALUES (?1, ?2)", en,
                              idt, 0, false))
            w = W_FAIL;
        if (w == W_OK && !touch(&tc, t, idt)) w = W_FAIL;
        if (w != W_OK) break;
    }
    char key[300];
    snprintf(key, sizeof key, "cursor:%s", en);
    *done = json_is_null(next);
    if (w == W_OK) {
        bool ok = *done ? sweep(s, t, &tc)
                        : run(s, "INSERT OR REPLACE INTO _nf_meta (key, value) VALUES (?1, ?2)",
                              key, json_string_value(next), 0, false);
        if (!ok || !exec(s, "COMMIT")) w = W_FAIL;
    }
    nf_vm_status r;
    if (w != W_OK) {
        r = w == W_BAD ? malformed(vm, "a download row without id, rev or valid values")
                       : nf_std_store_fail(s, vm, "applying a download");
        rollback(s);
    } else {
        r = refresh(s, vm, &tc);
    }
    free(tc.v);
    return r;
}

nf_vm_status nf_std_sync_clear_synced(nf_std_store *s, nf_vm *vm, nf_std_table *t) {
    if (!exec(s, "BEGIN IMMEDIATE")) return nf_std_store_fail(s, vm, "clearing downloaded rows");
    touched tc = {0};
    char sql[600];
    snprintf(sql, sizeof sql, "SELECT _id FROM %s WHERE _state = 0", t->name);
    sqlite3_stmt *st = nf_std_store_stmt(s, vm, sql);
    bool ok = st != NULL;
    while (ok && sqlite3_step(st) == SQLITE_ROW)
        ok = touch(&tc, t, (const char *)sqlite3_column_text(st, 0));
    if (st) sqlite3_reset(st);
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE _state = 0", t->name);
    ok = ok && exec(s, sql) && exec(s, "COMMIT");
    nf_vm_status r;
    if (!ok) {
        r = nf_std_store_fail(s, vm, "clearing downloaded rows");
        rollback(s);
    } else {
        r = refresh(s, vm, &tc);
    }
    free(tc.v);
    return r;
}

/* ---- the quarantine -------------------------------------------------------------------------- */

nf_vm_status nf_std_sync_quarantine_list(nf_std_store *s, nf_vm *vm, json_t **out) {
    *out = json_array();
    sqlite3_stmt *st = nf_std_store_stmt(
        s, vm,
        "SELECT qid, entity, id, seq, status, reason, device, server, at FROM _nf_quarantine "
        "ORDER BY qid");
    if (!st || !*out) {
        json_decref(*out);
        *out = NULL;
        return st ? nf_vm_no_memory(vm, 0, "listing the quarantine") : NF_VM_ERROR;
    }
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *dev = (const char *)sqlite3_column_text(st, 6);
        const char *srv = (const char *)sqlite3_column_text(st, 7);
        char at[32];
        nf_std_wire_time_text(sqlite3_column_int64(st, 8), at);
        json_t *e =
            json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:o, s:o, s:s}", "qid",
                      (json_int_t)sqlite3_column_int64(st, 0), "entity",
                      (const char *)sqlite3_column_text(st, 1), "id",
                      (const char *)sqlite3_column_text(st, 2), "seq",
                      (json_int_t)sqlite3_column_int64(st, 3), "status",
                      (const char *)sqlite3_column_text(st, 4), "reason",
                      sqlite3_column_text(st, 5) ? (const char *)sqlite3_column_text(st, 5) : "",
                      "device", dev ? json_loads(dev, 0, NULL) : json_null(), "server",
                      srv ? json_loads(srv, 0, NULL) : json_null(), "at", at);
        ok = e && !json_array_append_new(*out, e);
    }
    sqlite3_reset(st);
    if (!ok) {
        json_decref(*out);
        *out = NULL;
        return nf_vm_no_memory(vm, 0, "listing the quarantine");
    }
    return NF_VM_OK;
}

nf_vm_status nf_std_sync_resubmit(nf_std_store *s, nf_vm *vm, int64_t qid, bool *found) {
    *found = false;
    sqlite3_stmt *st =
        nf_std_store_stmt(s, vm, "SELECT entity, device FROM _nf_quarantine WHERE qid = ?1");
    if (!st) return NF_VM_ERROR;
    sqlite3_bind_int64(st, 1, qid);
    json_t *dev = NULL;
    nf_std_table *t = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *en = (const char *)sqlite3_column_text(st, 0);
        const char *d = (const char *)sqlite3_column_text(st, 1);
        dev = d ? json_loads(d, 0, NULL) : NULL;
        for (uint32_t e = 0; en && e < s->m->nentities && !t; e++)
            if (s->tables[e].name && strcmp(ent_name(s, e), en) == 0) t = &s->tables[e];
        *found = true;
    }
    sqlite3_reset(st);
    if (!*found) return NF_VM_OK;
    const char *id = json_string_value(json_object_get(dev, "id"));
    const char *op = json_string_value(json_object_get(dev, "op"));
    uint8_t b[16];
    if (!t || !id || !op || !nf_std_uuid_parse(id, strlen(id), b)) {
        json_decref(dev);
        return nf_vm_raise(vm, NF_VM_E_MODEL,
                           "quarantine entry %lld cannot be resubmitted: its entity is no longer "
                           "in the model or its data is damaged",
                           (long long)qid);
    }
    char idt[37]; /* id is the JSON's: it goes with dev */
    nf_std_uuid_text(b, idt);
    id = idt;
    if (!exec(s, "BEGIN IMMEDIATE")) {
        json_decref(dev);
        return nf_std_store_fail(s, vm, "resubmitting");
    }
    int64_t seq = s->seq + 1;
    int state = 0;
    int64_t lseq;
    bool have = local_row(s, t, id, &state, &lseq);
    wres w = W_OK;
    char sql[600];
    if (strcmp(op, "delete") == 0) {
        snprintf(sql, sizeof sql, "UPDATE %s SET _state = 3, _seq = ?3 WHERE _id = ?1", t->name);
        if (have && !run(s, sql, id, NULL, seq, true)) w = W_FAIL;
    } else {
        /* the server has the object when a row of it is here: a change; otherwise new */
        w = write_values(s, t, id, json_object_get(dev, "values"),
                         have ? NF_SYNC_CHANGED : NF_SYNC_NEW, 0, seq, false);
    }
    char q[32];
    snprintf(q, sizeof q, "%lld", (long long)qid);
    if (w == W_OK &&
        !(run(s, "DELETE FROM _nf_quarantine WHERE qid = CAST(?1 AS INTEGER)", q, NULL, 0, false) &&
          run(s, "UPDATE _nf_meta SET value = ?3 WHERE key = 'seq'", NULL, NULL, seq, true) &&
          exec(s, "COMMIT")))
        w = W_FAIL;
    json_decref(dev);
    if (w != W_OK) {
        nf_vm_status r = w == W_BAD ? nf_vm_raise(vm, NF_VM_E_MODEL,
                                                  "quarantine entry %lld holds values this model "
                                                  "cannot store",
                                                  (long long)qid)
                                    : nf_std_store_fail(s, vm, "resubmitting");
        rollback(s);
        return r;
    }
    s->seq = seq;
    touched tc = {0};
    nf_vm_status r =
        touch(&tc, t, id) ? refresh(s, vm, &tc) : nf_vm_no_memory(vm, 0, "resubmitting");
    free(tc.v);
    return r;
}
