/* srv_files.c — file contents of System.FileDocument objects (§7): PUT /nf/v1/files/{id} whole
 * or in parts (Content-Range; 308 with Range until complete, then 201), HEAD for how much the
 * server has, GET for the contents of a linked file (ETag = the object's revision). Contents
 * live in _nf_srv_file (id, data, total, received, linked, user, created), written in place with
 * SQLite's incremental blob I/O, and are linked to their object when the unit that saves the
 * object is applied (nf_srv_file_link). The file name is an attribute like any other: never a
 * path. */
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"

/* The FileDocument entity whose table holds id, or NF_BC_NONE; its revision in *rev. */
static uint32_t file_object(nf_srv *s, const char *id, int64_t *rev) {
    uint32_t fd = nf_srv_entity(s, "System.FileDocument");
    if (fd == NF_BC_NONE) return NF_BC_NONE;
    nf_std_table *tabs[64];
    uint32_t nt = nf_std_store_tables_of(s->store, fd, tabs, 64);
    for (uint32_t i = 0; i < nt; i++) {
        nf_std_text sql = {0};
        nf_std_text_put(&sql, "SELECT _rev FROM %s WHERE _id = ?", tabs[i]->name);
        sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
        free(sql.s);
        if (!st) continue;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        bool found = sqlite3_step(st) == SQLITE_ROW;
        if (found) *rev = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (found) return tabs[i]->entity;
    }
    return NF_BC_NONE;
}

typedef struct file_row {
    bool exists;
    int64_t rowid, total, received;
    bool linked;
    char user[128];
} file_row;

static bool read_row(nf_srv *s, const char *id, file_row *f) {
    memset(f, 0, sizeof *f);
    sqlite3_stmt *st = nf_srv_stmt(
        s, "SELECT rowid, total, received, linked, user FROM _nf_srv_file WHERE id = ?");
    if (!st) return false;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        f->exists = true;
        f->rowid = sqlite3_column_int64(st, 0);
        f->total = sqlite3_column_int64(st, 1);
        f->received = sqlite3_column_int64(st, 2);
        f->linked = sqlite3_column_int(st, 3) != 0;
        const char *u = (const char *)sqlite3_column_text(st, 4);
        snprintf(f->user, sizeof f->user, "%s", u ? u : "");
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static void set_range(nf_srv_call *c, int64_t received) {
    if (received > 0) snprintf(c->range, sizeof c->range, "bytes=0-%lld", (long long)received - 1);
}

/* "bytes A-B/T" */
static bool parse_range(const char *h, int64_t *a, int64_t *b, int64_t *t) {
    long long x, y, z;
    char tail;
    if (sscanf(h, "bytes %lld-%lld/%lld%c", &x, &y, &z, &tail) != 3) return false;
    if (x < 0 || y < x || z <= y) return false;
    *a = x, *b = y, *t = z;
    return true;
}

/* Whether the user may touch the file: its object's access rules when there is an object,
 * else only the user who uploaded it. */
static int may_use(nf_srv_call *c, const char *id, const file_row *f, bool write) {
    int64_t rev;
    uint32_t e = file_object(c->s, id, &rev);
    if (e == NF_BC_NONE) return !f->exists || !strcmp(f->user, c->user.name);
    nf_srv_rights r;
    if (!nf_srv_rights_of(c, e, id, &r)) {
        nf_srv_rights_free(&r);
        return -1;
    }
    bool ok = r.any;
    if (write) {
        ok = false;
        const nf_std_table *t = &c->s->store->tables[e];
        for (uint32_t k = 0; k < t->nattrs + t->nrefs; k++)
            ok |= r.writable[k] != 0;
    }
    nf_srv_rights_free(&r);
    return ok;
}

static bool put_file(nf_srv_call *c, const char *id) {
    nf_srv *s = c->s;
    int64_t a = 0, b = (int64_t)c->body_len - 1, total = (int64_t)c->body_len;
    const char *cr = nf_srv_header(c, "Content-Range");
    if (cr && !parse_range(cr, &a, &b, &total))
        return nf_srv_error(c, 400, "ModelError", "Content-Range must be bytes FIRST-LAST/TOTAL");
    if (cr && b - a + 1 != (int64_t)c->body_len)
        return nf_srv_error(c, 400, "ModelError", "the body is not the Content-Range's length");
    if ((uint64_t)total > s->cfg.max_file)
        return nf_srv_error(c, 413, "LimitExceeded", "a file may have at most %zu bytes",
                            s->cfg.max_file);
    if (!nf_srv_exec(s, "BEGIN IMMEDIATE"))
        return nf_srv_error(c, 500, "RuntimeError", "cannot start a transaction");
    file_row f;
    bool ok = read_row(s, id, &f);
    int may = ok ? may_use(c, id, &f, true) : -1;
    if (may <= 0) {
        nf_srv_exec(s, "ROLLBACK");
        return may < 0 ? nf_srv_error(c, 500, "RuntimeError", "cannot read the file")
                       : nf_srv_error(c, 403, "AccessDenied", "%s may not write this file",
                                      c->user.name);
    }
    if (a == 0 || !f.exists || f.total != total) { /* a new file or a new version: start over */
        if (a != 0) {
            nf_srv_exec(s, "ROLLBACK");
            c->status = 308;
            c->reply = json_pack("{s:I}", "received", (json_int_t)0);
            return true;
        }
        sqlite3_stmt *st = nf_srv_stmt(s, "INSERT OR REPLACE INTO _nf_srv_file (id, data, total, "
                                          "received, linked, user, created) VALUES (?, "
                                          "zeroblob(?), ?, 0, 0, ?, ?)");
        if (st) {
            sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 2, total);
            sqlite3_bind_int64(st, 3, total);
            sqlite3_bind_text(st, 4, c->user.name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 5, nf_srv_now_ms());
            ok = sqlite3_step(st) == SQLITE_DONE;
            sqlite3_reset(st);
        }
        ok = ok && st && read_row(s, id, &f);
    } else if (a != f.received) { /* not where the server is: tell the client where */
        nf_srv_exec(s, "ROLLBACK");
        set_range(c, f.received);
        c->status = 308;
        c->reply = json_pack("{s:I}", "received", (json_int_t)f.received);
        return true;
    }
    if (ok && c->body_len) {
        sqlite3_blob *blob = NULL;
        ok = sqlite3_blob_open(s->db, "main", "_nf_srv_file", "data", f.rowid, 1, &blob) ==
                 SQLITE_OK &&
             sqlite3_blob_write(blob, c->body, (int)c->body_len, (int)a) == SQLITE_OK;
        sqlite3_blob_close(blob);
    }
    sqlite3_stmt *st =
        ok ? nf_srv_stmt(s, "UPDATE _nf_srv_file SET received = ?, linked = 0 WHERE id = ?") : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, b + 1);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
    }
    if (!st || !ok || !nf_srv_exec(s, "COMMIT")) {
        nf_srv_exec(s, "ROLLBACK");
        return nf_srv_error(c, 500, "RuntimeError", "cannot store the file");
    }
    if (b + 1 < total) {
        set_range(c, b + 1);
        c->status = 308;
        c->reply = json_pack("{s:I}", "received", (json_int_t)(b + 1));
    } else {
        c->status = 201;
        c->reply = json_pack("{s:s,s:I}", "id", id, "size", (json_int_t)total);
    }
    return true;
}

static bool get_file(nf_srv_call *c, const char *id, bool head) {
    nf_srv *s = c->s;
    file_row f;
    if (!read_row(s, id, &f)) return nf_srv_error(c, 500, "RuntimeError", "cannot read the file");
    int may = f.exists ? may_use(c, id, &f, false) : 0;
    if (may < 0) return nf_srv_error(c, 500, "RuntimeError", "cannot read the file");
    if (head) { /* how much the server has (the uploader resumes from there) */
        if (!may) return nf_srv_error(c, 404, "ModelError", "no such file");
        set_range(c, f.received);
        c->status = 200;
        return true;
    }
    int64_t rev = 0;
    if (!may || !f.linked || f.received != f.total || file_object(s, id, &rev) == NF_BC_NONE)
        return nf_srv_error(c, 404, "ModelError", "no such file");
    sqlite3_stmt *st = nf_srv_stmt(s, "SELECT data FROM _nf_srv_file WHERE id = ?");
    if (!st) return nf_srv_error(c, 500, "RuntimeError", "cannot read the file");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    size_t n = ok ? (size_t)sqlite3_column_bytes(st, 0) : 0;
    c->raw = malloc(n + 1);
    if (ok && c->raw && n) memcpy(c->raw, sqlite3_column_blob(st, 0), n);
    sqlite3_reset(st);
    if (!ok || !c->raw) return nf_srv_error(c, 500, "RuntimeError", "cannot read the file");
    c->raw_len = n;
    snprintf(c->etag, sizeof c->etag, "\"%lld\"", (long long)rev);
    c->status = 200;
    return true;
}

bool nf_srv_files(nf_srv_call *c, const char *id) {
    uint8_t idb[16];
    bool lower = true;
    for (const char *p = id; *p; p++)
        lower &= !(*p >= 'A' && *p <= 'F');
    if (strlen(id) != 36 || !lower || !nf_std_uuid_parse(id, 36, idb))
        return nf_srv_error(c, 404, "ModelError", "files are named by their object's id");
    if (!strcmp(c->method, "PUT")) return put_file(c, id);
    if (!strcmp(c->method, "GET")) return get_file(c, id, false);
    if (!strcmp(c->method, "HEAD")) return get_file(c, id, true);
    return nf_srv_error(c, 405, "ModelError", "files take PUT, HEAD and GET");
}

/* The HasContents of the object's row as written by this unit: 1, 0, or -1 on a database
 * error. */
static int has_contents(nf_srv *s, uint32_t e, const char *id) {
    const nf_std_table *t = &s->store->tables[e];
    int has = nf_srv_find_member(s, t, "HasContents");
    if (has < 0) return 0;
    nf_std_text sql = {0};
    nf_std_text_put(&sql, "SELECT %s FROM %s WHERE _id = ?", nf_srv_col(t, (uint32_t)has), t->name);
    sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
    free(sql.s);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st), v = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? v : -1;
}

int nf_srv_file_link(nf_srv *s, uint32_t e, const char *id, bool isnew, char *reason, size_t n) {
    uint32_t fd = nf_srv_entity(s, "System.FileDocument");
    if (fd == NF_BC_NONE || !nf_bc_entity_is_a(s->m, e, fd)) return 0;
    file_row f;
    if (!read_row(s, id, &f)) return 2;
    if (!f.exists || f.received != f.total) {
        if (!isnew) return 0; /* contents unchanged */
        /* a new object without contents is fine (HasContents false); one that says it has
         * contents, or whose upload was started, needs them whole */
        int has = has_contents(s, e, id);
        if (has < 0) return 2;
        if (!f.exists && !has) return 0;
        snprintf(reason, n, "file not uploaded");
        return 1;
    }
    sqlite3_stmt *st = nf_srv_stmt(s, "UPDATE _nf_srv_file SET linked = 1 WHERE id = ?");
    if (!st) return 2;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return 2;
    /* the object says it has contents, and how many bytes */
    const nf_std_table *t = &s->store->tables[e];
    int has = nf_srv_find_member(s, t, "HasContents"), size = nf_srv_find_member(s, t, "Size");
    if (has < 0 || size < 0) return 0;
    nf_std_text sql = {0};
    nf_std_text_put(&sql, "UPDATE %s SET %s = 1, %s = ? WHERE _id = ?", t->name,
                    nf_srv_col(t, (uint32_t)has), nf_srv_col(t, (uint32_t)size));
    st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
    free(sql.s);
    if (!st) return 2;
    sqlite3_bind_int64(st, 1, f.total);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : 2;
}
