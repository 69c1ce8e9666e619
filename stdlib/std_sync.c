/* std_sync.c — the synchronize action (docs/sync-protocol.md, docs/sync-client.md): login with
 * the configured credentials when there is no token, the commit units uploaded in seq order
 * (§5), then for `synchronize all` the per-entity paged download with its sweep (§6). HTTP
 * answers map to error types (§9); a network failure, a 5xx or an unparsable answer raise a
 * ConnectionError and leave the device as it was before that request. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_sync.h"

struct nf_std_sync {
    nf_vm_sync iface;
    nf_std_store *s;
    nf_std_transport *t;
    char *user, *password, *token;
    char client_id[64];
    char model[17];
    uint64_t requests;
    int last_status;   /* of the last answer (0: none arrived) */
    size_t file_chunk; /* bytes per file upload request */
    uint32_t files_up; /* files uploaded by the running synchronize */
    uint32_t batch, page;
    size_t max_bytes; /* of JSON per upload request (whole units) */
    nf_std_sync_log log;
    void *log_ud;
};

static void logf_(nf_std_sync *c, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void logf_(nf_std_sync *c, int level, const char *fmt, ...) {
    if (!c->log) return;
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    c->log(c->log_ud, level, b);
}

/* ---- requests -------------------------------------------------------------------------------- */

static nf_vm_errtype type_named(const char *t, nf_vm_errtype dflt) {
    for (int i = 0; i < NF_VM_E_COUNT_; i++)
        if (strcmp(nf_vm_errtype_name((nf_vm_errtype)i), t) == 0) return (nf_vm_errtype)i;
    return dflt;
}

/* Raises the error of a non-2xx answer (§9). */
static nf_vm_status http_error(nf_vm *vm, const nf_std_http_response *rs) {
    char type[64] = "", msg[300] = "";
    bool body = nf_std_wire_error(rs->body, rs->body_len, type, sizeof type, msg, sizeof msg);
    nf_vm_errtype et;
    switch (rs->status) {
    case 401:
    case 403: et = NF_VM_E_ACCESS_DENIED; break;
    case 400: et = body ? type_named(type, NF_VM_E_MODEL) : NF_VM_E_MODEL; break;
    case 404:
    case 409: et = NF_VM_E_MODEL; break;
    case 413: et = NF_VM_E_LIMIT; break;
    case 422: /* a called microflow's own error: its type and message, as raised there */
        return nf_vm_raise(vm, body ? type_named(type, NF_VM_E_RUNTIME) : NF_VM_E_RUNTIME, "%s",
                           body && msg[0] ? msg : "the microflow failed");
    default: et = NF_VM_E_CONNECTION; break; /* 429, 5xx, anything unexpected */
    }
    if (et == NF_VM_E_CONNECTION)
        return nf_vm_raise(vm, et, "synchronization failed: the server answered %d%s%s", rs->status,
                           body ? ": " : "", msg);
    return nf_vm_raise(vm, et, "synchronization failed: %s",
                       body && msg[0] ? msg : "the server refused the request");
}

nf_vm_status nf_std_sync_http_error(nf_vm *vm, const nf_std_http_response *rs) {
    return http_error(vm, rs);
}

static nf_vm_status login(nf_std_sync *c, nf_vm *vm);

nf_vm_status nf_std_sync_send(nf_std_sync *c, nf_vm *vm, const char *method, const char *path,
                              const char *ctype, const char *body, size_t len,
                              const nf_std_http_header *extra, size_t nextra,
                              nf_std_http_response *rs) {
    memset(rs, 0, sizeof *rs);
    if (nextra > 4) nextra = 4;
    for (int attempt = 0;; attempt++) {
        /* a cancelled synchronize stops here, between requests: what earlier answers applied
         * stays (each in its own transaction), nothing else changes */
        if (vm->syncing && (vm->sync_cancel || vm->cancel))
            return nf_vm_raise(vm, NF_VM_E_CANCELLED, "the synchronization was cancelled");
        char auth[600], reqid[32];
        snprintf(reqid, sizeof reqid, "%" PRIu64, ++c->requests);
        nf_std_http_header h[9];
        size_t nh = 0;
        h[nh++] = (nf_std_http_header){"X-NF-Model", c->model};
        h[nh++] = (nf_std_http_header){"X-NF-Client", c->client_id};
        h[nh++] = (nf_std_http_header){"X-NF-Request", reqid};
        if (ctype) h[nh++] = (nf_std_http_header){"Content-Type", ctype};
        if (c->token) {
            snprintf(auth, sizeof auth, "Bearer %s", c->token);
            h[nh++] = (nf_std_http_header){"Authorization", auth};
        }
        for (size_t i = 0; i < nextra; i++)
            h[nh++] = extra[i];
        nf_std_http_request rq = {method, path, h, nh, body, len};
        char err[300] = "";
        nf_std_transport_status ts = c->t->send(c->t->ud, &rq, rs, err, sizeof err);
        memset(auth, 0, sizeof auth);
        c->last_status = ts == NF_STD_NET_OK ? rs->status : 0;
        if (ts != NF_STD_NET_OK)
            return nf_vm_raise(vm, NF_VM_E_CONNECTION,
                               "synchronization failed: cannot reach the server (%s)", err);
        if (rs->status == 401 && attempt == 0 && c->user && strcmp(path, "/nf/v1/login") != 0) {
            nf_std_http_response_free(rs);
            free(c->token);
            c->token = NULL;
            if (login(c, vm) != NF_VM_OK) return NF_VM_ERROR;
            continue;
        }
        return NF_VM_OK;
    }
}

/* Sends a request with the protocol's headers and text (taken: freed here) as its JSON body;
 * on 200 *out is the parsed JSON body. A 401 logs in again once (with the configured
 * credentials) and repeats the request (nf_std_sync_send). */
static nf_vm_status request_text(nf_std_sync *c, nf_vm *vm, const char *method, const char *path,
                                 char *text, size_t text_len, json_t **out) {
    *out = NULL;
    nf_std_http_response rs;
    nf_vm_status r = nf_std_sync_send(c, vm, method, path, text ? "application/json" : NULL, text,
                                      text_len, NULL, 0, &rs);
    free(text);
    if (r != NF_VM_OK) return r;
    if (rs.status != 200) {
        r = http_error(vm, &rs);
    } else {
        json_error_t je;
        *out = rs.body ? json_loadb(rs.body, rs.body_len, JSON_REJECT_DUPLICATES, &je) : NULL;
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            r = nf_vm_raise(vm, NF_VM_E_CONNECTION,
                            "synchronization failed: the server's answer is malformed (not "
                            "a complete JSON object); nothing was changed on the device");
        }
    }
    nf_std_http_response_free(&rs);
    return r;
}

/* request_text with body (NULL: none) as JSON. */
static nf_vm_status request(nf_std_sync *c, nf_vm *vm, const char *method, const char *path,
                            const json_t *body, json_t **out) {
    *out = NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && !text) return nf_vm_no_memory(vm, 0, "building a synchronization request");
    return request_text(c, vm, method, path, text, text ? strlen(text) : 0, out);
}

nf_vm_status nf_std_sync_request(nf_std_sync *c, nf_vm *vm, const char *method, const char *path,
                                 const json_t *body, json_t **out) {
    return request(c, vm, method, path, body, out);
}

static nf_vm_status login(nf_std_sync *c, nf_vm *vm) {
    json_t *body =
        json_pack("{s:s, s:s}", "user", c->user, "password", c->password ? c->password : "");
    if (!body) return nf_vm_no_memory(vm, 0, "logging in");
    json_t *resp;
    nf_vm_status r = request(c, vm, "POST", "/nf/v1/login", body, &resp);
    /* the password leaves memory the JSON library owns as soon as it is sent */
    json_object_set_new(body, "password", json_string(""));
    json_decref(body);
    if (r != NF_VM_OK) return r;
    const char *token = json_string_value(json_object_get(resp, "token"));
    const char *uid = json_string_value(json_object_get(json_object_get(resp, "user"), "id"));
    if (!token || !*token) {
        json_decref(resp);
        return nf_vm_raise(vm, NF_VM_E_CONNECTION,
                           "synchronization failed: the server's login answer has no token");
    }
    c->token = strdup(token);
    if (uid) {
        /* [%CurrentUser%] on this device from now on, also in later runs that work offline */
        nf_std_store_set_user(c->s, uid);
        if (nf_std_sync_meta_set(c->s, vm, "user_id", uid) != NF_VM_OK) {
            json_decref(resp);
            return NF_VM_ERROR;
        }
    }
    json_decref(resp);
    if (!c->token) return nf_vm_no_memory(vm, 0, "logging in");
    logf_(c, 2, "logged in as %s", c->user);
    return NF_VM_OK;
}

/* ---- upload ---------------------------------------------------------------------------------- */

/* Sends l.v[from, to) (whole units) and applies the answer. The body is put together from the
 * objects' texts: {"units":[{"seq":N,"objects":[…]},…]}, as json_dumps would write it. */
static nf_vm_status upload_batch(nf_std_sync *c, nf_vm *vm, const nf_std_sync_list *l, size_t from,
                                 size_t to, uint32_t *quarantined) {
    size_t cap = 32;
    for (size_t i = from; i < to; i++)
        cap += l->v[i].json_len + 48;
    char *body = malloc(cap), *p = body;
    if (!body) return nf_vm_no_memory(vm, cap, "building an upload");
    p += sprintf(p, "{\"units\":[");
    for (size_t i = from; i < to; i++) {
        if (i == from || l->v[i].seq != l->v[i - 1].seq)
            p += sprintf(p, "%s{\"seq\":%" PRId64 ",\"objects\":[", i == from ? "" : "]},",
                         l->v[i].seq);
        else
            *p++ = ',';
        memcpy(p, l->v[i].json, l->v[i].json_len);
        p += l->v[i].json_len;
    }
    p += sprintf(p, "%s]}", to > from ? "]}" : "");
    json_t *resp;
    nf_vm_status r = nf_std_sync_mark_sent(c->s, vm, l, from, to);
    if (r != NF_VM_OK) {
        free(body);
        return r;
    }
    r = request_text(c, vm, "POST", "/nf/v1/upload", body, (size_t)(p - body), &resp);
    if (r != NF_VM_OK) return r;
    r = nf_std_sync_apply_upload(c->s, vm, l, from, to, resp, nf_vm_now(vm), quarantined);
    json_decref(resp);
    return r;
}

/* Sends l.v[from, to) (whole units); a 413 (the body is larger than the server takes) halves
 * the request at a unit boundary and sends the halves. A unit is never split: it is applied in
 * one server transaction under its seq (§5.2), so a single unit the server refuses as too large
 * can never be applied; its objects go to the quarantine as rejected (their data kept there,
 * their local rows replaced by the server's at the next download) and the synchronize goes on.
 * A quarantined object resubmitted becomes a unit of its own. */
static nf_vm_status upload_split(nf_std_sync *c, nf_vm *vm, const nf_std_sync_list *l, size_t from,
                                 size_t to, uint32_t *quarantined) {
    nf_vm_status r = upload_batch(c, vm, l, from, to, quarantined);
    if (r == NF_VM_OK || c->last_status != 413) return r;
    size_t mid = from + (to - from) / 2;
    while (mid > from && l->v[mid].seq == l->v[mid - 1].seq)
        mid--;
    if (mid == from) { /* one unit: move to the boundary after it, if there is one */
        mid = from + 1;
        while (mid < to && l->v[mid].seq == l->v[from].seq)
            mid++;
    }
    if (mid < to) {
        logf_(c, 2, "the server refused %zu objects as too large: sending them in two requests",
              to - from);
        r = upload_split(c, vm, l, from, mid, quarantined);
        return r == NF_VM_OK ? upload_split(c, vm, l, mid, to, quarantined) : r;
    }
    /* one unit that can never fit: an answer as if the server had rejected its objects */
    char reason[200];
    snprintf(reason, sizeof reason,
             "too large for the server: unit %lld (%zu objects) exceeds its request limit",
             (long long)l->v[from].seq, to - from);
    json_t *objs = json_array();
    for (size_t i = from; objs && i < to; i++)
        json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:n}", "id", l->v[i].id, "status",
                                              "rejected", "reason", reason, "row"));
    json_t *resp = json_pack("{s:[{s:I, s:s, s:o}]}", "units", "seq", (json_int_t)l->v[from].seq,
                             "status", "applied", "objects", objs);
    if (!resp) return nf_vm_no_memory(vm, 0, "quarantining a unit");
    logf_(c, 3, "%s: its objects go to the quarantine", reason);
    r = nf_std_sync_apply_upload(c->s, vm, l, from, to, resp, nf_vm_now(vm), quarantined);
    json_decref(resp);
    return r;
}

static nf_vm_status upload(nf_std_sync *c, nf_vm *vm, int mode, nf_vm_obj *const *objs, uint32_t n,
                           uint32_t *sent, uint32_t *quarantined) {
    nf_std_sync_list l;
    if (nf_std_sync_pending(c->s, vm, mode, objs, n, &l) != NF_VM_OK) return NF_VM_ERROR;
    /* file contents first: a unit is sent only once the files its objects link are there */
    nf_vm_status r = nf_std_files_upload(c, vm, &l, c->file_chunk, &c->files_up);
    for (size_t from = 0; r == NF_VM_OK && from < l.n;) {
        /* whole units, at most `batch` objects and 4 MB of JSON unless one unit is bigger (it
         * goes alone) */
        size_t to = from, bytes = 0;
        while (to < l.n) {
            size_t end = to, ubytes = 0;
            do
                ubytes += l.v[end].json_len + 1;
            while (++end < l.n && l.v[end].seq == l.v[to].seq);
            if (to > from && (end - from > c->batch || bytes + ubytes > c->max_bytes)) break;
            bytes += ubytes;
            to = end;
        }
        r = upload_split(c, vm, &l, from, to, quarantined);
        if (r == NF_VM_OK) *sent += (uint32_t)(to - from);
        from = to;
    }
    if (r == NF_VM_OK) r = nf_std_files_settle(c->s, vm);
    nf_std_sync_list_free(&l);
    return r;
}

/* ---- download -------------------------------------------------------------------------------- */

static void url_put(nf_std_text *t, const char *s) {
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '.' || ch == '-' || ch == '_' || ch == '~')
            nf_std_text_put(t, "%c", ch);
        else
            nf_std_text_put(t, "%%%02X", ch);
    }
}

static nf_vm_status download_entity(nf_std_sync *c, nf_vm *vm, nf_std_table *t, const char *pass,
                                    uint32_t *rows) {
    const char *en = c->s->m->strings[c->s->m->entities[t->entity].name];
    char key[300];
    snprintf(key, sizeof key, "cursor:%s", en);
    char *cursor;
    if (nf_std_sync_meta_get(c->s, vm, key, &cursor) != NF_VM_OK) return NF_VM_ERROR;
    for (bool done = false; !done;) {
        nf_std_text p = {0};
        nf_std_text_put(&p, "/nf/v1/download?entity=");
        url_put(&p, en);
        nf_std_text_put(&p, "&after=");
        url_put(&p, cursor ? cursor : "");
        nf_std_text_put(&p, "&limit=%u&pass=", c->page);
        url_put(&p, pass);
        free(cursor);
        cursor = NULL;
        if (p.oom) {
            free(p.s);
            return nf_vm_no_memory(vm, 0, "building a download request");
        }
        json_t *page;
        nf_vm_status r = request(c, vm, "GET", p.s, NULL, &page);
        free(p.s);
        if (r != NF_VM_OK) return r;
        r = nf_std_sync_apply_page(c->s, vm, t, pass, page, &done);
        if (r == NF_VM_OK) {
            *rows += (uint32_t)json_array_size(json_object_get(page, "rows"));
            if (!done) cursor = strdup(json_string_value(json_object_get(page, "next")));
        }
        json_decref(page);
        if (r != NF_VM_OK) return r;
        if (!done && !cursor) return nf_vm_no_memory(vm, 0, "downloading");
    }
    return NF_VM_OK;
}

static nf_vm_status download(nf_std_sync *c, nf_vm *vm, uint32_t *rows) {
    char *pass;
    if (nf_std_sync_meta_get(c->s, vm, "pass", &pass) != NF_VM_OK) return NF_VM_ERROR;
    if (!pass) { /* a new pass; an interrupted one is resumed with its stamps and cursors */
        char id[33];
        snprintf(id, sizeof id, "%016" PRIx64 "%016" PRIx64, nf_vm_random(vm), nf_vm_random(vm));
        if (nf_std_sync_meta_set(c->s, vm, "pass", id) != NF_VM_OK) return NF_VM_ERROR;
        pass = strdup(id);
        if (!pass) return nf_vm_no_memory(vm, 0, "downloading");
    }
    nf_vm_status r = NF_VM_OK;
    const nf_bc_module *m = c->s->m;
    for (uint32_t e = 0; r == NF_VM_OK && e < m->nentities; e++) {
        nf_std_table *t = &c->s->tables[e];
        const nf_bc_entity *en = &m->entities[e];
        if (!t->name || !(en->flags & NF_BE_OFFLINE)) continue;
        if (en->download == NF_BD_ALL || en->download == NF_BD_XPATH)
            r = download_entity(c, vm, t, pass, rows);
        else if (en->download == NF_BD_NOTHING_CLEAR)
            r = nf_std_sync_clear_synced(c->s, vm, t);
    }
    if (r == NF_VM_OK) r = nf_std_sync_meta_set(c->s, vm, "pass", NULL);
    free(pass);
    return r;
}

nf_vm_status nf_std_sync_login_if_needed(nf_std_sync *c, nf_vm *vm) {
    return !c->token && c->user ? login(c, vm) : NF_VM_OK;
}

void nf_std_sync_url_put(nf_std_text *t, const char *s) {
    url_put(t, s);
}

nf_std_store *nf_std_sync_store(nf_std_sync *c) {
    return c->s;
}

/* ---- the action ------------------------------------------------------------------------------ */

static nf_vm_status synchronize(void *ud, nf_vm *vm, int mode, nf_vm_obj *const *objs, uint32_t n) {
    nf_std_sync *c = ud;
    if (!c->token && c->user && login(c, vm) != NF_VM_OK) return NF_VM_ERROR;
    uint32_t sent = 0, quarantined = 0, rows = 0, files_down = 0;
    c->files_up = 0;
    nf_vm_status r = upload(c, vm, mode, objs, n, &sent, &quarantined);
    if (r == NF_VM_OK && mode == 0) r = download(c, vm, &rows);
    if (r == NF_VM_OK && mode == 0) r = nf_std_files_download(c, vm, &files_down);
    if (r == NF_VM_OK)
        logf_(c, 2,
              "synchronized: %u objects uploaded (%u to the quarantine), %u rows downloaded, "
              "%u files uploaded, %u downloaded",
              sent, quarantined, rows, c->files_up, files_down);
    else
        logf_(c, 3, "synchronization failed: %s", vm->err_msg);
    return r;
}

nf_std_sync *nf_std_sync_new(nf_std_store *s, nf_std_transport *t, const char *user,
                             const char *password, nf_std_sync_log log, void *log_ud, char *err,
                             size_t errn) {
    nf_std_sync *c = calloc(1, sizeof *c);
    if (!c) {
        if (t && t->destroy) t->destroy(t->ud);
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    c->s = s;
    c->t = t;
    c->batch = 1000;
    c->max_bytes = (size_t)4 << 20;
    c->page = 500;
    c->file_chunk = (size_t)1 << 20;
    c->log = log;
    c->log_ud = log_ud;
    c->iface.ud = c;
    c->iface.synchronize = synchronize;
    snprintf(c->model, sizeof c->model, "%016llx", (unsigned long long)s->m->model_hash);
    sqlite3_stmt *st =
        nf_std_store_stmt(s, NULL, "SELECT value FROM _nf_meta WHERE key = 'client_id'");
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(c->client_id, sizeof c->client_id, "%s", (const char *)sqlite3_column_text(st, 0));
    if (st) sqlite3_reset(st);
    if ((user && !(c->user = strdup(user))) || (password && !(c->password = strdup(password)))) {
        snprintf(err, errn, "out of memory");
        nf_std_sync_free(c);
        return NULL;
    }
    if (!nf_std_sync_store_prepare(s, err, errn) || !nf_std_files_prepare(s, err, errn)) {
        nf_std_sync_free(c);
        return NULL;
    }
    return c;
}

void nf_std_sync_free(nf_std_sync *c) {
    if (!c) return;
    if (c->t && c->t->destroy) c->t->destroy(c->t->ud);
    if (c->password) memset(c->password, 0, strlen(c->password));
    if (c->token) memset(c->token, 0, strlen(c->token));
    free(c->user);
    free(c->password);
    free(c->token);
    free(c);
}

const nf_vm_sync *nf_std_sync_iface(nf_std_sync *c) {
    return &c->iface;
}
int64_t nf_std_sync_quarantined(nf_std_sync *c) {
    return nf_std_sync_store_quarantined(c->s);
}
void nf_std_sync_set_batch(nf_std_sync *c, uint32_t objects, size_t bytes) {
    c->batch = objects ? objects : 1;
    c->max_bytes = bytes ? bytes : 1;
}
void nf_std_sync_set_page(nf_std_sync *c, uint32_t rows) {
    c->page = rows ? rows : 1;
}
void nf_std_sync_set_file_chunk(nf_std_sync *c, size_t bytes) {
    c->file_chunk = bytes ? bytes : 1;
}
