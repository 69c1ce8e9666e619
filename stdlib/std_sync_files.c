/* std_sync_files.c — contents of System.FileDocument objects (and System.Image) on the device
 * and on the wire (docs/sync-protocol.md §7, docs/sync-client.md "Files").
 *
 * The contents live beside the rows: the bytes in `_nf_file_data (id, data)`, and what the client
 * knows of them in `_nf_files (id, size, state, rev, sent)` (apart, so that updating the state
 * after every uploaded part never rewrites the bytes):
 *   state 1: set on the device and not yet linked on the server (to upload); `sent` is how much
 *            the server confirmed of this version (-1: nothing was sent yet);
 *   state 0: the server's contents as of object revision `rev` (downloaded, or uploaded and
 *            linked when the object's unit was applied).
 * Contents upload before the units (PUT in parts; a failed upload resumes where HEAD says the
 * server is), and download after the rows (GET, only when the row's revision differs from the
 * contents' revision: the server's ETag is the object's revision). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_sync.h"

static uint32_t file_entity(const nf_std_store *s) {
    for (uint32_t e = 0; e < s->m->nentities; e++)
        if (strcmp(s->m->strings[s->m->entities[e].name], "System.FileDocument") == 0) return e;
    return NF_BC_NONE;
}

bool nf_std_files_is_file(const nf_std_store *s, uint32_t e) {
    uint32_t fd = file_entity(s);
    return fd != NF_BC_NONE && e < s->m->nentities && nf_bc_entity_is_a(s->m, e, fd);
}

bool nf_std_files_prepare(nf_std_store *s, char *err, size_t errn) {
    if (sqlite3_exec(s->db,
                     "CREATE TABLE IF NOT EXISTS _nf_files (id TEXT PRIMARY KEY, size INTEGER NOT "
                     "NULL, state INTEGER NOT NULL, rev INTEGER, sent INTEGER NOT NULL DEFAULT "
                     "-1); CREATE TABLE IF NOT EXISTS _nf_file_data (id TEXT PRIMARY KEY, data "
                     "BLOB NOT NULL)",
                     NULL, NULL, NULL) == SQLITE_OK)
        return true;
    snprintf(err, errn, "cannot prepare the local database for file contents: %s",
             sqlite3_errmsg(s->db));
    return false;
}

/* The flattened index of attribute `name` of entity e, or -1. */
static int attr_index(const nf_bc_module *m, uint32_t e, const char *name) {
    uint32_t n = nf_bc_entity_attr_count(m, e);
    for (uint32_t a = 0; a < n; a++)
        if (strcmp(m->strings[nf_bc_entity_attr(m, e, a)->name], name) == 0) return (int)a;
    return -1;
}

static bool step_done(sqlite3_stmt *st) {
    bool ok = st && sqlite3_step(st) == SQLITE_DONE;
    if (st) sqlite3_reset(st);
    return ok;
}

/* ---- the host's side: setting and reading contents ------------------------------------------ */

/* The bytes of id (the caller's transaction). */
static bool put_data(nf_std_store *s, const char *id, const void *bytes, size_t len) {
    sqlite3_stmt *st = nf_std_store_stmt(
        s, NULL, "INSERT OR REPLACE INTO _nf_file_data (id, data) VALUES (?1, ?2)");
    if (!st) return false;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob64(st, 2, len ? bytes : "", len, SQLITE_STATIC);
    return step_done(st);
}

nf_vm_status nf_std_files_set(nf_std_store *s, nf_vm *vm, nf_vm_obj *o, const void *bytes,
                              size_t len) {
    char id[37];
    nf_std_uuid_text(o->id, id);
    nf_std_table *t = &s->tables[o->entity];
    int has = attr_index(s->m, o->entity, "HasContents"),
        size = attr_index(s->m, o->entity, "Size");
    if (!t->name || has < 0 || size < 0 || len > (size_t)INT32_MAX)
        return nf_vm_raise(vm, len > (size_t)INT32_MAX ? NF_VM_E_LIMIT : NF_VM_E_RUNTIME,
                           len > (size_t)INT32_MAX ? "file contents are limited to 2 GB"
                                                   : "the object is not a stored file document");
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return nf_std_store_fail(s, vm, "storing file contents");
    bool ok = put_data(s, id, bytes, len);
    sqlite3_stmt *st = ok ? nf_std_store_stmt(s, NULL,
                                              "INSERT OR REPLACE INTO _nf_files (id, size, state, "
                                              "rev, sent) VALUES (?1, ?2, 1, NULL, -1)")
                          : NULL;
    if (st) {
        sqlite3_bind_text(st, 1, id, 36, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
    }
    ok = step_done(st);
    /* a committed object: HasContents and Size change as a new commit unit, so the next
     * synchronize uploads the contents and then the object that links them */
    int64_t seq = s->seq + 1;
    char sql[1200];
    snprintf(sql, sizeof sql,
             "UPDATE %s SET %s = 1, %s = ?2, _seq = ?3, _changed = CASE WHEN _state = 1 THEN "
             "NULL ELSE nf_merge_changed(CASE WHEN _state = 2 THEN _changed END, "
             "',HasContents,Size,') END, _state = CASE WHEN _state = 1 THEN 1 ELSE 2 END WHERE "
             "_id = ?1 AND _state != 3",
             t->name, t->attr_cols[has], t->attr_cols[size]);
    st = ok ? nf_std_store_stmt(s, NULL, sql) : NULL;
    if (st) {
        sqlite3_bind_text(st, 1, id, 36, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
        sqlite3_bind_int64(st, 3, seq);
    }
    ok = step_done(st);
    bool wrote = ok && sqlite3_changes(s->db) > 0;
    if (wrote) {
        st = nf_std_store_stmt(s, NULL, "UPDATE _nf_meta SET value = ?1 WHERE key = 'seq'");
        if (st) sqlite3_bind_int64(st, 1, seq);
        ok = step_done(st);
    }
    if (!ok || sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        nf_vm_status r = nf_std_store_fail(s, vm, "storing file contents");
        if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    if (wrote) s->seq = seq;
    nf_vm_val_release(vm, &o->attrs[has]);
    o->attrs[has] = nf_vm_bool(true);
    nf_vm_val_release(vm, &o->attrs[size]);
    o->attrs[size] = nf_vm_int((int64_t)len);
    if (wrote && o->sync == NF_SYNC_SYNCED) o->sync = NF_SYNC_CHANGED;
    return NF_VM_OK;
}

nf_vm_status nf_std_files_get(nf_std_store *s, nf_vm *vm, const uint8_t id[16], void **bytes,
                              size_t *len, bool *found) {
    *bytes = NULL;
    *len = 0;
    *found = false;
    char idt[37];
    nf_std_uuid_text(id, idt);
    sqlite3_stmt *st = nf_std_store_stmt(s, vm, "SELECT data FROM _nf_file_data WHERE id = ?1");
    if (!st) return NF_VM_ERROR;
    sqlite3_bind_text(st, 1, idt, 36, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    nf_vm_status r = NF_VM_OK;
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        *bytes = malloc(n ? n : 1);
        if (!*bytes) {
            r = nf_vm_no_memory(vm, n, "reading file contents");
        } else {
            if (n) memcpy(*bytes, sqlite3_column_blob(st, 0), n);
            *len = n;
            *found = true;
        }
    } else if (rc != SQLITE_DONE) {
        r = nf_std_store_fail(s, vm, "reading file contents");
    }
    sqlite3_reset(st);
    return r;
}

/* ---- upload ---------------------------------------------------------------------------------- */

static void file_path(char out[64], const char *id) {
    snprintf(out, 64, "/nf/v1/files/%s", id);
}

/* "bytes=0-N" -> N + 1; 0 when absent or not that form. */
static int64_t range_end(const char *range) {
    long long last;
    char tail;
    if (sscanf(range, "bytes=0-%lld%c", &last, &tail) != 1 || last < 0) return 0;
    return (int64_t)last + 1;
}

static void save_sent(nf_std_store *s, const char *id, int64_t sent) {
    sqlite3_stmt *st =
        nf_std_store_stmt(s, NULL, "UPDATE _nf_files SET sent = ?2 WHERE id = ?1 AND state = 1");
    if (!st) return;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, sent);
    step_done(st);
}

/* Bytes [at, at + n) of the contents of id (malloc'ed), read in place with SQLite's incremental
 * blob I/O (substr() would load the whole file for every part). */
static char *read_part(nf_std_store *s, const char *id, int64_t at, int64_t n) {
    sqlite3_stmt *st = nf_std_store_stmt(s, NULL, "SELECT rowid FROM _nf_file_data WHERE id = ?1");
    if (!st) return NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_int64 rowid = found ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    char *p = found ? malloc(n ? (size_t)n : 1) : NULL;
    if (!p || !n) return p;
    sqlite3_blob *blob = NULL;
    bool ok =
        sqlite3_blob_open(s->db, "main", "_nf_file_data", "data", rowid, 0, &blob) == SQLITE_OK &&
        sqlite3_blob_read(blob, p, (int)n, (int)at) == SQLITE_OK;
    sqlite3_blob_close(blob);
    if (!ok) {
        free(p);
        return NULL;
    }
    return p;
}

/* Uploads the contents of id (size bytes; sent: how much of this version the server confirmed
 * in an earlier attempt, -1 for none). */
static nf_vm_status upload_file(nf_std_sync *c, nf_vm *vm, const char *id, int64_t size,
                                int64_t sent, size_t chunk) {
    nf_std_store *s = nf_std_sync_store(c);
    char path[64];
    file_path(path, id);
    nf_std_http_response rs;
    int64_t at = 0;
    if (sent >= 0) { /* an earlier attempt of this version: continue where the server is */
        nf_vm_status r = nf_std_sync_send(c, vm, "HEAD", path, NULL, NULL, 0, NULL, 0, &rs);
        if (r != NF_VM_OK) return r;
        if (rs.status == 200) {
            at = range_end(rs.range);
        } else if (rs.status != 404) {
            r = nf_std_sync_http_error(vm, &rs);
            nf_std_http_response_free(&rs);
            return r;
        }
        nf_std_http_response_free(&rs);
        if (at > size) at = 0;
        if (at == size && size > 0) { /* the server has it all: the last answer was lost */
            save_sent(s, id, size);
            return NF_VM_OK;
        }
    }
    for (int stalls = 0;;) {
        int64_t n = size - at < (int64_t)chunk ? size - at : (int64_t)chunk;
        char *part = read_part(s, id, at, n);
        if (!part) return nf_std_store_fail(s, vm, "reading file contents");
        char cr[96];
        nf_std_http_header h[1] = {{"Content-Range", cr}};
        snprintf(cr, sizeof cr, "bytes %lld-%lld/%lld", (long long)at, (long long)(at + n - 1),
                 (long long)size);
        /* an empty file is one PUT without a range */
        nf_vm_status r = nf_std_sync_send(c, vm, "PUT", path, "application/octet-stream", part,
                                          (size_t)n, h, size > 0 ? 1 : 0, &rs);
        free(part);
        if (r != NF_VM_OK) return r;
        if (rs.status == 200 || rs.status == 201) {
            nf_std_http_response_free(&rs);
            save_sent(s, id, size);
            return NF_VM_OK;
        }
        if (rs.status != 308) {
            r = nf_std_sync_http_error(vm, &rs);
            nf_std_http_response_free(&rs);
            return r;
        }
        /* the server has [0, received): go on from there (the body says, else Range) */
        json_t *b = rs.body ? json_loadb(rs.body, rs.body_len, 0, NULL) : NULL;
        const json_t *rcv = json_object_get(b, "received");
        int64_t next =
            json_is_integer(rcv) ? (int64_t)json_integer_value(rcv) : range_end(rs.range);
        json_decref(b);
        nf_std_http_response_free(&rs);
        if (next < 0 || next > size) next = 0;
        stalls = next > at ? 0 : stalls + 1;
        if (stalls >= 3)
            return nf_vm_raise(vm, NF_VM_E_CONNECTION,
                               "synchronization failed: the server does not take the contents of "
                               "file %s",
                               id);
        at = next;
        save_sent(s, id, at);
    }
}

nf_vm_status nf_std_files_upload(nf_std_sync *c, nf_vm *vm, const nf_std_sync_list *l, size_t chunk,
                                 uint32_t *files) {
    nf_std_store *s = nf_std_sync_store(c);
    uint32_t fd = file_entity(s);
    for (size_t i = 0; fd != NF_BC_NONE && i < l->n; i++) {
        const nf_std_sync_obj *o = &l->v[i];
        if (o->state == NF_SYNC_DELETED || !nf_bc_entity_is_a(s->m, o->t->entity, fd)) continue;
        sqlite3_stmt *st = nf_std_store_stmt(
            s, vm, "SELECT size, sent FROM _nf_files WHERE id = ?1 AND state = 1");
        if (!st) return NF_VM_ERROR;
        sqlite3_bind_text(st, 1, o->id, -1, SQLITE_TRANSIENT);
        bool pending = sqlite3_step(st) == SQLITE_ROW;
        int64_t size = pending ? sqlite3_column_int64(st, 0) : 0;
        int64_t sent = pending ? sqlite3_column_int64(st, 1) : -1;
        sqlite3_reset(st);
        if (!pending || (sent == size && size > 0)) continue; /* none, or already complete */
        nf_vm_status r = upload_file(c, vm, o->id, size, sent, chunk ? chunk : 1);
        if (r != NF_VM_OK) return r;
        ++*files;
    }
    return NF_VM_OK;
}

nf_vm_status nf_std_files_settle(nf_std_store *s, nf_vm *vm) {
    uint32_t fd = file_entity(s);
    if (fd == NF_BC_NONE) return NF_VM_OK;
    nf_std_table *tabs[64];
    uint32_t nt = nf_std_store_tables_of(s, fd, tabs, 64);
    for (uint32_t i = 0; i < nt; i++) {
        /* uploaded whole, and the object's unit applied (its row synchronized); an object the
         * server refused keeps its contents pending (its quarantine entry can be resubmitted) */
        char sql[800];
        snprintf(sql, sizeof sql,
                 "UPDATE _nf_files SET state = 0, rev = (SELECT _rev FROM %s WHERE _id = "
                 "_nf_files.id) WHERE state = 1 AND sent = size AND id IN (SELECT _id FROM %s "
                 "WHERE _state = 0) AND id NOT IN (SELECT id FROM _nf_quarantine)",
                 tabs[i]->name, tabs[i]->name);
        if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
            return nf_std_store_fail(s, vm, "settling uploaded files");
    }
    return NF_VM_OK;
}

/* ---- download -------------------------------------------------------------------------------- */

typedef struct want {
    char id[37];
    int64_t rev, have; /* the row's revision; the contents' (-1: none) */
    int64_t size;      /* the row's Size (-1: unknown) */
} want;

/* Synchronized rows of t with contents on the server that the device lacks or has older. */
static nf_vm_status wanted(nf_std_store *s, nf_vm *vm, nf_std_table *t, want **v, size_t *n,
                           size_t *cap) {
    int has = attr_index(s->m, t->entity, "HasContents"),
        size = attr_index(s->m, t->entity, "Size");
    if (has < 0 || size < 0) return NF_VM_OK;
    char sql[800];
    snprintf(
        sql, sizeof sql,
        "SELECT t._id, t._rev, f.rev, t.%s FROM %s t LEFT JOIN _nf_files f ON f.id = t._id WHERE "
        "t._state = 0 AND t.%s = 1 AND t._rev IS NOT NULL AND (f.id IS NULL OR (f.state = 0 "
        "AND f.rev IS NOT t._rev))",
        t->attr_cols[size], t->name, t->attr_cols[has]);
    sqlite3_stmt *st = nf_std_store_stmt(s, vm, sql);
    if (!st) return NF_VM_ERROR;
    nf_vm_status r = NF_VM_OK;
    while (r == NF_VM_OK && sqlite3_step(st) == SQLITE_ROW) {
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            want *p = realloc(*v, nc * sizeof *p);
            if (!p) {
                r = nf_vm_no_memory(vm, nc * sizeof *p, "downloading files");
                break;
            }
            *v = p;
            *cap = nc;
        }
        want *w = &(*v)[(*n)++];
        snprintf(w->id, sizeof w->id, "%s", (const char *)sqlite3_column_text(st, 0));
        w->rev = sqlite3_column_int64(st, 1);
        w->have = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
        w->size = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    return r;
}

/* Stores downloaded contents, in one transaction, unless the device set its own meanwhile. */
static bool store_download(nf_std_store *s, const char *id, const char *data, size_t len,
                           int64_t rev) {
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return false;
    sqlite3_stmt *st = nf_std_store_stmt(
        s, NULL,
        "INSERT INTO _nf_files (id, size, state, rev, sent) VALUES (?1, ?2, 0, ?3, ?2) ON "
        "CONFLICT(id) DO UPDATE SET size = excluded.size, rev = excluded.rev, sent = excluded.sent "
        "WHERE state = 0");
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
        sqlite3_bind_int64(st, 3, rev);
    }
    bool ok = step_done(st);
    if (ok && sqlite3_changes(s->db) > 0) ok = put_data(s, id, data, len);
    if (ok && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) return true;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return false;
}

nf_vm_status nf_std_files_download(nf_std_sync *c, nf_vm *vm, uint32_t *files) {
    nf_std_store *s = nf_std_sync_store(c);
    uint32_t fd = file_entity(s);
    if (fd == NF_BC_NONE) return NF_VM_OK;
    nf_std_table *tabs[64];
    uint32_t nt = nf_std_store_tables_of(s, fd, tabs, 64);
    want *v = NULL;
    size_t n = 0, cap = 0;
    nf_vm_status r = NF_VM_OK;
    for (uint32_t i = 0; r == NF_VM_OK && i < nt; i++)
        if (s->m->entities[tabs[i]->entity].flags & NF_BE_OFFLINE)
            r = wanted(s, vm, tabs[i], &v, &n, &cap);
    for (size_t i = 0; r == NF_VM_OK && i < n; i++) {
        char path[64], etag[40];
        file_path(path, v[i].id);
        snprintf(etag, sizeof etag, "\"%lld\"", (long long)v[i].have);
        nf_std_http_header h[1] = {{"If-None-Match", etag}};
        nf_std_http_response rs;
        r = nf_std_sync_send(c, vm, "GET", path, NULL, NULL, 0, h, v[i].have >= 0 ? 1 : 0, &rs);
        if (r != NF_VM_OK) break;
        if (rs.status == 200) {
            /* the ETag is the object's revision the contents belong to */
            long long rev = v[i].rev;
            char tail;
            if (!rs.etag[0] || sscanf(rs.etag, "\"%lld\"%c", &rev, &tail) != 1) rev = v[i].rev;
            /* contents that are not the size the row says were cut short (or are of another
             * revision than the row): nothing is stored, the next synchronize fetches them */
            if (v[i].size >= 0 && (int64_t)rs.body_len != v[i].size)
                r = nf_vm_raise(vm, NF_VM_E_CONNECTION,
                                "synchronization failed: the contents of file %s arrived "
                                "incomplete (%zu of %lld bytes); nothing was changed",
                                v[i].id, rs.body_len, (long long)v[i].size);
            else if (!store_download(s, v[i].id, rs.body, rs.body_len, (int64_t)rev))
                r = nf_std_store_fail(s, vm, "storing a downloaded file");
            else
                ++*files;
        } else if (rs.status == 304) { /* unchanged: the contents belong to this revision too */
            sqlite3_stmt *st = nf_std_store_stmt(
                s, NULL, "UPDATE _nf_files SET rev = ?2 WHERE id = ?1 AND state = 0");
            if (st) {
                sqlite3_bind_text(st, 1, v[i].id, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(st, 2, v[i].rev);
            }
            if (!step_done(st)) r = nf_std_store_fail(s, vm, "storing a downloaded file");
        } else if (rs.status != 404) { /* 404: the server has no contents for it */
            r = nf_std_sync_http_error(vm, &rs);
        }
        nf_std_http_response_free(&rs);
    }
    free(v);
    return r;
}
