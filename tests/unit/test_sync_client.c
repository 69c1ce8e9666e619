/* test_sync_client.c — what the sync client does beyond rows (docs/sync-client.md): file
 * contents uploaded before the units that link them and resumed after a failure mid-file,
 * downloaded only when their revision changed; a synchronize cancelled from the host (another
 * thread) or by `cancel synchronization`; requests the server refuses as too large (413) split
 * at unit boundaries, a unit that can never fit quarantined; microflow calls with
 * non-persistable objects and lists. Against a small fake server written here (docs/
 * sync-protocol.md §5–§8) over the fake transport, through the public API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>

#include "nanoflow.h"
#include "std_api.h"
#include "std_sync.h"
#include "fake_server.h"

/* ---- the fake server ------------------------------------------------------------------------- */

typedef struct ffile {
    char id[37];
    char *data;
    size_t total, received;
    int linked;
} ffile;

typedef struct fsrv {
    json_t *rows; /* id -> {"entity", "id", "rev", "values"} */
    json_int_t last_seq;
    int applied_units, calls;
    ffile files[8];
    int nfiles;
    size_t max_body, max_file; /* 413 beyond these (0: no limit) */
    size_t put_bytes;
    char log[512]; /* one letter per request: L login, H head, P put, G get, U upload, D download,
                      C call */
} fsrv;

static ffile *file_of(fsrv *s, const char *id, bool create) {
    for (int i = 0; i < s->nfiles; i++)
        if (strcmp(s->files[i].id, id) == 0) return &s->files[i];
    if (!create || s->nfiles == 8) return NULL;
    ffile *f = &s->files[s->nfiles++];
    memset(f, 0, sizeof *f);
    snprintf(f->id, sizeof f->id, "%s", id);
    return f;
}

static void log_req(fsrv *s, char c) {
    size_t n = strlen(s->log);
    if (n + 1 < sizeof s->log) s->log[n] = c, s->log[n + 1] = '\0';
}

static json_t *apply_object(fsrv *s, const json_t *o) {
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *entity = json_string_value(json_object_get(o, "entity"));
    json_t *res = json_pack("{s:s}", "id", id);
    json_t *cur = json_object_get(s->rows, id);
    ffile *f = file_of(s, id, false);
    bool is_doc = strcmp(entity, "Shop.Doc") == 0;
    if (is_doc && json_is_true(json_object_get(o, "new")) && (!f || f->received != f->total)) {
        json_object_set_new(res, "status", json_string("rejected"));
        json_object_set_new(res, "reason", json_string("file not uploaded"));
        json_object_set_new(res, "row", json_null());
        return res;
    }
    if (!cur) {
        cur = json_pack("{s:s, s:s, s:i, s:{}}", "entity", entity, "id", id, "rev", 0, "values");
        json_object_set_new(s->rows, id, cur);
    }
    json_t *vals = json_object_get(cur, "values");
    json_object_update(vals, json_object_get(o, "values"));
    json_object_del(vals, "Contents");
    if (is_doc && f && f->received == f->total) {
        f->linked = 1;
        json_object_set_new(vals, "HasContents", json_true());
        json_object_set_new(vals, "Size", json_integer((json_int_t)f->total));
    }
    json_int_t rev = json_integer_value(json_object_get(cur, "rev")) + 1;
    json_object_set_new(cur, "rev", json_integer(rev));
    json_object_set_new(res, "status", json_string("applied"));
    json_object_set_new(res, "rev", json_integer(rev));
    json_object_set_new(res, "row", json_deep_copy(cur));
    return res;
}

static void do_upload(fsrv *s, const nf_std_http_request *rq, nf_std_http_response *rs) {
    if (s->max_body && rq->body_len > s->max_body) {
        err_answer(rs, 413, "LimitExceeded", "the body is too large");
        return;
    }
    json_t *body = json_loadb(rq->body, rq->body_len, 0, NULL);
    json_t *units = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(body, "units"), i, u) {
        json_int_t seq = json_integer_value(json_object_get(u, "seq"));
        bool dup = seq <= s->last_seq;
        json_t *res = json_array();
        size_t k;
        json_t *o;
        json_array_foreach(json_object_get(u, "objects"), k, o) {
            if (dup) {
                const char *id = json_string_value(json_object_get(o, "id"));
                json_t *row = json_object_get(s->rows, id);
                json_array_append_new(res,
                                      json_pack("{s:s, s:s, s:o}", "id", id, "status", "duplicate",
                                                "row", row ? json_deep_copy(row) : json_null()));
            } else {
                json_array_append_new(res, apply_object(s, o));
            }
        }
        if (!dup) {
            s->last_seq = seq;
            s->applied_units++;
        }
        json_array_append_new(units, json_pack("{s:I, s:s, s:o}", "seq", seq, "status",
                                               dup ? "duplicate" : "applied", "objects", res));
    }
    json_decref(body);
    answer(rs, 200, json_pack("{s:I, s:o}", "lastSeq", s->last_seq, "units", units));
}

static void do_download(fsrv *s, const nf_std_http_request *rq, nf_std_http_response *rs) {
    const char *e = strstr(rq->path, "entity=") + 7;
    char entity[64];
    snprintf(entity, sizeof entity, "%.*s", (int)strcspn(e, "&"), e);
    const char *p = strstr(rq->path, "pass=") + 5;
    json_t *rows = json_array();
    const char *id;
    json_t *r;
    json_object_foreach(s->rows, id, r) {
        if (strcmp(json_string_value(json_object_get(r, "entity")), entity) == 0)
            json_array_append_new(rows, json_pack("{s:s, s:O, s:O}", "id", id, "rev",
                                                  json_object_get(r, "rev"), "values",
                                                  json_object_get(r, "values")));
    }
    answer(rs, 200,
           json_pack("{s:s, s:s, s:o, s:n, s:i}", "entity", entity, "pass", p, "rows", rows, "next",
                     "serverSeq", 1));
}

static void set_range(nf_std_http_response *rs, size_t received) {
    if (received) snprintf(rs->range, sizeof rs->range, "bytes=0-%zu", received - 1);
}

static void do_file(fsrv *s, const nf_std_http_request *rq, nf_std_http_response *rs) {
    const char *id = rq->path + strlen("/nf/v1/files/");
    ffile *f = file_of(s, id, strcmp(rq->method, "PUT") == 0);
    if (strcmp(rq->method, "HEAD") == 0) {
        log_req(s, 'H');
        if (!f) {
            answer(rs, 404, NULL);
            return;
        }
        set_range(rs, f->received);
        answer(rs, 200, NULL);
        return;
    }
    if (strcmp(rq->method, "GET") == 0) {
        log_req(s, 'G');
        json_t *row = json_object_get(s->rows, id);
        if (!f || !f->linked || !row) {
            err_answer(rs, 404, "ModelError", "no such file");
            return;
        }
        rs->status = 200;
        rs->body = malloc(f->total + 1);
        memcpy(rs->body, f->data, f->total);
        rs->body[f->total] = '\0';
        rs->body_len = f->total;
        snprintf(rs->etag, sizeof rs->etag, "\"%lld\"",
                 (long long)json_integer_value(json_object_get(row, "rev")));
        return;
    }
    log_req(s, 'P');
    long long a = 0, b = (long long)rq->body_len - 1, t = (long long)rq->body_len;
    const char *cr = header(rq, "Content-Range");
    if (cr) assert_int_equal(sscanf(cr, "bytes %lld-%lld/%lld", &a, &b, &t), 3);
    if (s->max_file && (size_t)t > s->max_file) {
        err_answer(rs, 413, "LimitExceeded", "a file may have at most 8 bytes");
        return;
    }
    if (a == 0 || (size_t)t != f->total) {
        if (a != 0) {
            answer(rs, 308, json_pack("{s:i}", "received", 0));
            return;
        }
        free(f->data);
        f->data = calloc((size_t)t + 1, 1);
        f->total = (size_t)t;
        f->received = 0;
        f->linked = 0;
    } else if ((size_t)a != f->received) {
        set_range(rs, f->received);
        answer(rs, 308, json_pack("{s:I}", "received", (json_int_t)f->received));
        return;
    }
    memcpy(f->data + a, rq->body, rq->body_len);
    s->put_bytes += rq->body_len;
    f->received = (size_t)b + 1;
    if (f->received < f->total) {
        set_range(rs, f->received);
        answer(rs, 308, json_pack("{s:I}", "received", (json_int_t)f->received));
    } else {
        answer(rs, 201, json_pack("{s:s, s:I}", "id", id, "size", (json_int_t)f->total));
    }
}

/* MF_Calc(In: Calc, Items: List of Calc) returns Calc: A = In/A + the Items' A, Label + '!';
 * MF_Pair() returns List of Calc: two objects. */
static void do_call(fsrv *s, const nf_std_http_request *rq, nf_std_http_response *rs) {
    s->calls++;
    json_t *body = json_loadb(rq->body, rq->body_len, 0, NULL);
    json_t *args = json_object_get(body, "args");
    if (strcmp(rq->path, "/nf/v1/call/Shop.MF_Calc") == 0) {
        json_t *in = json_object_get(json_object_get(args, "In"), "values");
        json_int_t a = json_integer_value(json_object_get(in, "A"));
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(args, "Items"), i, x) {
            assert_string_equal(json_string_value(json_object_get(x, "entity")), "Shop.Calc");
            a += json_integer_value(json_object_get(json_object_get(x, "values"), "A"));
        }
        char label[128];
        snprintf(label, sizeof label, "%s!", json_string_value(json_object_get(in, "Label")));
        answer(rs, 200,
               json_pack("{s:{s:s, s:{s:I, s:s, s:s}}}", "result", "entity", "Shop.Calc", "values",
                         "A", a, "Label", label, "Total", "1.50"));
    } else {
        answer(rs, 200,
               json_pack("{s:[{s:{s:i}}, {s:s, s:{s:i, s:s}}]}", "result", "values", "A", 1,
                         "entity", "Shop.Calc", "values", "A", 2, "Label", "two"));
    }
    json_decref(body);
}

static void handler(void *ud, const nf_std_http_request *rq, nf_std_http_response *rs) {
    fsrv *s = ud;
    if (strcmp(rq->path, "/nf/v1/login") == 0) {
        log_req(s, 'L');
        answer(rs, 200,
               json_pack("{s:s, s:s, s:{s:s, s:s}}", "token", "tok", "expiresAt",
                         "2030-01-01T00:00:00.000Z", "user", "name", "ann", "id",
                         "0190a000-0000-7000-8000-000000000001"));
        return;
    }
    if (strcmp(rq->path, "/nf/v1/upload") == 0) {
        log_req(s, 'U');
        do_upload(s, rq, rs);
    } else if (strncmp(rq->path, "/nf/v1/download?", 16) == 0) {
        log_req(s, 'D');
        do_download(s, rq, rs);
    } else if (strncmp(rq->path, "/nf/v1/files/", 13) == 0) {
        do_file(s, rq, rs);
    } else if (strncmp(rq->path, "/nf/v1/call/", 12) == 0) {
        log_req(s, 'C');
        do_call(s, rq, rs);
    } else {
        err_answer(rs, 404, "ModelError", "no such endpoint");
    }
}

/* ---- the app and the fixture ----------------------------------------------------------------- */

static const char *APP =
    "create module Shop;\n"
    "create persistent entity Shop.Item (Name: String(unlimited), Qty: Integer);\n"
    "create persistent entity Shop.Doc extends System.FileDocument (Title: String(100));\n"
    "create non-persistent entity Shop.Calc (A: Integer, Label: String(100), Total: Decimal);\n"
    "create non-persistent entity Shop.Part (X: Integer);\n"
    "create association Shop.Part_Calc from Shop.Part to Shop.Calc;\n"
    "create offline profile Shop.Mobile (Shop.Item download all, Shop.Doc download all);\n"
    "create nanoflow Shop.Add ($Name: String, $Qty: Integer)\nbegin\n"
    "  $I = create Shop.Item (Name = $Name, Qty = $Qty);\n  commit $I;\nend;\n"
    "create nanoflow Shop.Sync () returns String\nbegin\n"
    "  synchronize all on error without rollback begin\n"
    "    return $latestErrorType + ': ' + $latestError;\n  end error;\n  return 'ok';\nend;\n"
    "create nanoflow Shop.NewDoc ($Title: String) returns Shop.Doc\nbegin\n"
    "  $D = create Shop.Doc (Title = $Title, Name = $Title + '.bin');\n  commit $D;\n"
    "  return $D;\nend;\n"
    "create nanoflow Shop.DocNamed ($Title: String) returns Shop.Doc\nbegin\n"
    "  retrieve $D from Shop.Doc where [Title = $Title] first;\n  return $D;\nend;\n"
    "create nanoflow Shop.CancelSync ()\nbegin\n  cancel synchronization;\nend;\n"
    "create nanoflow Shop.During () returns String\nbegin\n"
    "  declare $S Boolean = isSyncing();\n"
    "  synchronize all on error without rollback begin\n"
    "    return toString($S) + ' ' + $latestErrorType + ': ' + $latestError;\n  end error;\n"
    "  return 'not refused';\nend;\n"
    "create nanoflow Shop.Syncing () returns Boolean\nbegin\n  return isSyncing();\nend;\n"
    "create microflow Shop.MF_Calc (In: Shop.Calc, Items: List of Shop.Calc) returns Shop.Calc\n"
    "begin\n  return $In;\nend;\n"
    "create microflow Shop.MF_Pair () returns List of Shop.Calc\nbegin\n"
    "  $L = create list of Shop.Calc;\n  return $L;\nend;\n"
    "create nanoflow Shop.CallCalc () returns String\nbegin\n"
    "  $In = create Shop.Calc (A = 2, Label = 'x');\n  $L = create list of Shop.Calc;\n"
    "  $B = create Shop.Calc (A = 10);\n  $C = create Shop.Calc (A = 30);\n"
    "  add $B to $L;\n  add $C to $L;\n"
    "  $R = call microflow Shop.MF_Calc(In = $In, Items = $L);\n"
    "  $P = call microflow Shop.MF_Pair();\n  $First = head $P;\n  $N = count($P);\n"
    "  return toString($R/A) + ' ' + $R/Label + ' ' + toString($R/Total) + ' ' + "
    "toString($N) + ' ' + toString($First/A) + ' [' + $First/Label + ']';\nend;\n";

typedef struct fx {
    fsrv srv;
    nf_module *m;
    nf_runtime *rt;
    nf_std_fake *fake;
} fx;

static int setup(void **state) {
    fx *f = calloc(1, sizeof *f);
    f->srv.rows = json_object();
    assert_true(fake_server_runtime(APP, handler, &f->srv, &f->m, &f->rt, &f->fake));
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fx *f = *state;
    nf_runtime_free(f->rt);
    nf_module_free(f->m);
    json_decref(f->srv.rows);
    for (int i = 0; i < f->srv.nfiles; i++)
        free(f->srv.files[i].data);
    free(f);
    return 0;
}

static const char *run(fx *f, const char *flow, const char *a1, const char *v1) {
    static char out[1024];
    const char *names[1] = {a1}, *vals[1] = {v1};
    nf_value *v = NULL;
    if (nf_call_text(f->rt, flow, names, vals, a1 ? 1 : 0, &v) != NF_OK) {
        snprintf(out, sizeof out, "error: %s", nf_runtime_error_message(f->rt));
    } else {
        char *t = nf_value_to_text(v);
        snprintf(out, sizeof out, "%s", t);
        nf_free(t);
    }
    nf_value_free(v);
    return out;
}

/* The Shop.Doc titled title (from a flow; the caller frees it). */
static nf_value *doc(fx *f, const char *flow, const char *title) {
    nf_value *v = NULL;
    const char *names[1] = {"Title"}, *vals[1] = {title};
    assert_int_equal(nf_call_text(f->rt, flow, names, vals, 1, &v), NF_OK);
    assert_false(nf_value_is_empty(v));
    return v;
}

static int64_t sql_int(fx *f, const char *sql) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(nf_std_store_db(f->rt->store), sql, -1, &st, NULL),
                     SQLITE_OK);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

static void fill(char *b, size_t n, int seed) {
    for (size_t i = 0; i < n; i++)
        b[i] = (char)((i * 31 + (size_t)seed) & 0xff);
}

/* ---- files ----------------------------------------------------------------------------------- */

static void file_uploads_before_its_unit_and_resumes(void **state) {
    fx *f = *state;
    nf_std_sync_set_file_chunk(f->rt->sync, 1000);
    char data[4500];
    fill(data, sizeof data, 7);
    nf_value *d = doc(f, "Shop.NewDoc", "plan");
    assert_int_equal(nf_file_set_contents(f->rt, d, data, sizeof data), NF_OK);
    assert_int_equal(sql_int(f, "SELECT \"Size\" FROM \"Shop.Doc\""), 4500);
    /* requests: 0 login, 1-2 the first two parts, 3 the third part: dropped */
    nf_std_fake_inject(f->fake, 3, NF_STD_FAKE_DROP);
    const char *r = run(f, "Shop.Sync", NULL, NULL);
    assert_non_null(strstr(r, "ConnectionError: synchronization failed: cannot reach the server"));
    assert_string_equal(f->srv.log, "LPP");
    assert_int_equal(f->srv.files[0].received, 2000);
    assert_int_equal(json_object_size(f->srv.rows), 0); /* no unit */
    assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Doc\" WHERE _state = 1"),
                     1); /* kept */
    assert_int_equal(sql_int(f, "SELECT sent FROM _nf_files"), 2000);
    /* the next synchronize asks where the server is and sends only the rest, then the unit */
    f->srv.log[0] = '\0';
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
    assert_string_equal(f->srv.log, "HPPPUDD");
    assert_int_equal(f->srv.put_bytes, 4500);
    assert_memory_equal(f->srv.files[0].data, data, sizeof data);
    assert_true(f->srv.files[0].linked);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Doc\" WHERE _state = 0"), 1);
    assert_int_equal(sql_int(f, "SELECT state FROM _nf_files"), 0);
    assert_int_equal(sql_int(f, "SELECT rev FROM _nf_files"), 1);
    /* synchronized contents are not downloaded again */
    f->srv.log[0] = '\0';
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
    assert_string_equal(f->srv.log, "DD");
    void *back;
    size_t len;
    assert_int_equal(nf_file_contents(f->rt, d, &back, &len), NF_OK);
    assert_int_equal(len, sizeof data);
    assert_memory_equal(back, data, len);
    nf_free(back);
    nf_value_free(d);
}

static void lost_file_answer_and_new_version(void **state) {
    fx *f = *state;
    nf_std_sync_set_file_chunk(f->rt->sync, 1000);
    char data[2500];
    fill(data, sizeof data, 1);
    nf_value *d = doc(f, "Shop.NewDoc", "a");
    assert_int_equal(nf_file_set_contents(f->rt, d, data, sizeof data), NF_OK);
    /* the last part reaches the server, its answer is lost: HEAD says it is complete */
    nf_std_fake_inject(f->fake, 3, NF_STD_FAKE_LOSE);
    assert_non_null(strstr(run(f, "Shop.Sync", NULL, NULL), "ConnectionError"));
    f->srv.log[0] = '\0';
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
    assert_string_equal(f->srv.log, "HUDD");
    assert_int_equal(f->srv.put_bytes, 2500);
    /* a new version starts over at byte 0 (never resumes the old one) and changes the object */
    fill(data, 1200, 2);
    assert_int_equal(nf_file_set_contents(f->rt, d, data, 1200), NF_OK);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Doc\" WHERE _state = 2 AND "
                                "_changed LIKE '%,HasContents,%'"),
                     1);
    f->srv.log[0] = '\0';
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
    assert_string_equal(f->srv.log, "PPUDD");
    assert_int_equal(f->srv.files[0].total, 1200);
    assert_memory_equal(f->srv.files[0].data, data, 1200);
    nf_value_free(d);
}

static void file_downloads_when_its_revision_changes(void **state) {
    fx *f = *state;
    const char *id = "0190a000-0000-7000-8000-0000000000d1";
    json_object_set_new(f->srv.rows, id,
                        json_pack("{s:s, s:s, s:i, s:{s:s, s:s, s:b, s:i}}", "entity", "Shop.Doc",
                                  "id", id, "rev", 4, "values", "Title", "srv", "Name", "s.bin",
                                  "HasContents", 1, "Size", 5));
    ffile *ff = file_of(&f->srv, id, true);
    ff->data = strdup("hello");
    ff->total = ff->received = 5;
    ff->linked = 1;
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
    assert_string_equal(f->srv.log, "LDDG");
    nf_value *d = doc(f, "Shop.DocNamed", "srv");
    void *b;
    size_t n;
    assert_int_equal(nf_file_contents(f->rt, d, &b, &n), NF_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(b, "hello", 5);
    nf_free(b);
    /* unchanged revision: no GET */
    f->srv.log[0] = '\0';
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
    assert_string_equal(f->srv.log, "DD");
    /* changed on the server: downloaded again */
    free(ff->data);
    ff->data = strdup("world!");
    ff->total = ff->received = 6;
    json_object_set_new(json_object_get(f->srv.rows, id), "rev", json_integer(5));
    json_object_set_new(json_object_get(json_object_get(f->srv.rows, id), "values"), "Size",
                        json_integer(6));
    f->srv.log[0] = '\0';
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
    assert_string_equal(f->srv.log, "DDG");
    assert_int_equal(nf_file_contents(f->rt, d, &b, &n), NF_OK);
    assert_int_equal(n, 6);
    assert_memory_equal(b, "world!", 6);
    nf_free(b);
    /* contents cut short or not arriving change nothing and are fetched again */
    json_t *row = json_object_get(f->srv.rows, id);
    json_object_set_new(row, "rev", json_integer(6));
    json_object_set_new(json_object_get(row, "values"), "Size", json_integer(8));
    free(ff->data);
    ff->data = strdup("abcdefgh");
    ff->total = ff->received = 8;
    nf_std_fake_inject(f->fake, 2, NF_STD_FAKE_TRUNCATE); /* D, D, then the GET */
    assert_non_null(strstr(run(f, "Shop.Sync", NULL, NULL),
                           "ConnectionError: synchronization failed: the contents of file "
                           "0190a000-0000-7000-8000-0000000000d1 arrived incomplete (4 of 8"));
    nf_std_fake_inject(f->fake, 2, NF_STD_FAKE_DROP);
    assert_non_null(strstr(run(f, "Shop.Sync", NULL, NULL), "ConnectionError"));
    assert_int_equal(sql_int(f, "SELECT rev FROM _nf_files"), 5);
    assert_int_equal(nf_file_contents(f->rt, d, &b, &n), NF_OK);
    assert_memory_equal(b, "world!", 6);
    nf_free(b);
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
    assert_int_equal(sql_int(f, "SELECT rev FROM _nf_files"), 6);
    assert_int_equal(nf_file_contents(f->rt, d, &b, &n), NF_OK);
    assert_int_equal(n, 8);
    assert_memory_equal(b, "abcdefgh", 8);
    nf_free(b);
    nf_value_free(d);
}

static void file_api_refuses_what_is_not_a_file(void **state) {
    fx *f = *state;
    nf_value *i = NULL;
    assert_int_equal(nf_call_text(f->rt, "Shop.DocNamed", (const char *[]){"Title"},
                                  (const char *[]){"none"}, 1, &i),
                     NF_OK);
    assert_int_equal(nf_file_set_contents(f->rt, i, "x", 1), NF_ERR_ARGUMENT); /* empty */
    nf_value_free(i);
    nf_value *s = nf_value_string(f->rt, "text", 4);
    assert_int_equal(nf_file_set_contents(f->rt, s, "x", 1), NF_ERR_ARGUMENT);
    nf_value_free(s);
    nf_value *d = doc(f, "Shop.NewDoc", "n");
    void *b;
    size_t n;
    assert_int_equal(nf_file_contents(f->rt, d, &b, &n), NF_ERR_NOT_FOUND);
    nf_value_free(d);
}

static void file_too_large_is_limit_exceeded(void **state) {
    fx *f = *state;
    f->srv.max_file = 8;
    nf_value *d = doc(f, "Shop.NewDoc", "big");
    assert_int_equal(nf_file_set_contents(f->rt, d, "0123456789", 10), NF_OK);
    const char *r = run(f, "Shop.Sync", NULL, NULL);
    assert_non_null(strstr(r, "LimitExceeded: synchronization failed: a file may have at most"));
    assert_int_equal(json_object_size(f->srv.rows), 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Doc\" WHERE _state = 1"), 1);
    nf_value_free(d);
}

/* A flow run during a file upload sees isSyncing() and cannot start a second synchronize. */
static void during(void *ud) {
    fx *f = ud;
    const char *r = run(f, "Shop.During", NULL, NULL);
    size_t n = strlen(f->srv.log);
    snprintf(f->srv.log + n, sizeof f->srv.log - n, "[%.200s]", r);
}

static void file_upload_is_part_of_the_synchronize(void **state) {
    fx *f = *state;
    nf_value *d = doc(f, "Shop.NewDoc", "x");
    assert_int_equal(nf_file_set_contents(f->rt, d, "abc", 3), NF_OK);
    nf_std_fake_on_pause(f->fake, during, f);
    nf_std_fake_inject(f->fake, 1, NF_STD_FAKE_PAUSE); /* the PUT */
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
    assert_string_equal(f->srv.log,
                        "L[true RuntimeError: Performing simultaneous synchronizations is not "
                        "supported. Please try again after the current synchronization is "
                        "completed.]PUDD");
    assert_string_equal(run(f, "Shop.Syncing", NULL, NULL), "false");
    /* a failed synchronize leaves isSyncing() false too, and the object as it was */
    assert_int_equal(nf_file_set_contents(f->rt, d, "abcd", 4), NF_OK);
    nf_std_fake_inject(f->fake, 0, NF_STD_FAKE_FAIL500);
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL),
                        "ConnectionError: synchronization failed: the server answered 500: boom");
    assert_string_equal(run(f, "Shop.Syncing", NULL, NULL), "false");
    assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Doc\" WHERE _state = 2"), 1);
    nf_value_free(d);
}

/* ---- cancel ---------------------------------------------------------------------------------- */

typedef struct cancel_ctx {
    fx *f;
    int how; /* 0: nf_sync_cancel from another thread, 1: `cancel synchronization` in a flow */
} cancel_ctx;

static void *cancel_thread(void *ud) {
    nf_sync_cancel(ud);
    return NULL;
}

static void cancel_now(void *ud) {
    cancel_ctx *c = ud;
    if (c->how == 0) {
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, cancel_thread, c->f->rt), 0);
        pthread_join(t, NULL);
    } else {
        nf_value *v = NULL;
        assert_int_equal(nf_call(c->f->rt, "Shop.CancelSync", NULL, 0, &v), NF_OK);
        nf_value_free(v);
    }
}

static void cancel_between_requests(void **state) {
    fx *f = *state;
    for (int how = 0; how < 2; how++) {
        cancel_ctx c = {f, how};
        nf_std_fake_on_pause(f->fake, cancel_now, &c);
        nf_std_sync_set_batch(f->rt->sync, 1, 1 << 20); /* one unit per request */
        char n[8];
        for (int i = 0; i < 3; i++) {
            snprintf(n, sizeof n, "%c%d", 'a' + how, i);
            const char *names[2] = {"Name", "Qty"}, *vals[2] = {n, "1"};
            assert_int_equal(nf_call_text(f->rt, "Shop.Add", names, vals, 2, NULL), NF_OK);
        }
        int applied = f->srv.applied_units;
        /* the first upload request: it goes through, then the synchronize is cancelled */
        nf_std_fake_inject(f->fake, how == 0 ? 1 : 0, NF_STD_FAKE_PAUSE);
        const char *r = run(f, "Shop.Sync", NULL, NULL);
        assert_string_equal(r, "Cancelled: the synchronization was cancelled");
        assert_int_equal(f->srv.applied_units, applied + 1);
        /* the unit whose answer arrived is synchronized, the others are pending */
        assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Item\" WHERE _state != 0"), 2);
        /* the next synchronize sends the rest */
        assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
        assert_int_equal(f->srv.applied_units, applied + 3);
        assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Item\" WHERE _state != 0"), 0);
        assert_int_equal(json_object_size(f->srv.rows), (size_t)(3 * (how + 1)));
    }
    /* with no synchronize running, a cancel does nothing (the next one is not affected) */
    nf_sync_cancel(f->rt);
    assert_string_equal(run(f, "Shop.CancelSync", NULL, NULL), "");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
}

/* ---- 413 ------------------------------------------------------------------------------------- */

static void too_large_requests_split_at_units(void **state) {
    fx *f = *state;
    for (int i = 0; i < 6; i++) {
        char n[8];
        snprintf(n, sizeof n, "n%d", i);
        const char *names[2] = {"Name", "Qty"}, *vals[2] = {n, "1"};
        assert_int_equal(nf_call_text(f->rt, "Shop.Add", names, vals, 2, NULL), NF_OK);
    }
    /* a body with two units fits, three do not */
    f->srv.max_body = 600;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *names[2] = {"Name", "Qty"}, *vals[2] = {big, "2"};
    assert_int_equal(nf_call_text(f->rt, "Shop.Add", names, vals, 2, NULL), NF_OK);
    const char *r = run(f, "Shop.Sync", NULL, NULL);
    assert_string_equal(r, "ok");
    /* every unit that fits applied exactly once; the one that never fits is in the quarantine */
    assert_int_equal(f->srv.applied_units, 6);
    assert_int_equal(json_object_size(f->srv.rows), 6);
    assert_int_equal(nf_std_sync_quarantined(f->rt->sync), 1);
    char *q = NULL;
    assert_int_equal(nf_sync_quarantine(f->rt, &q), NF_OK);
    assert_non_null(strstr(q, "too large for the server"));
    assert_non_null(strstr(q, "xxxxxxxxxx")); /* with its data */
    nf_free(q);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Item\" WHERE _state != 0"), 0);
    /* with the limit raised, the resubmitted entry goes up */
    f->srv.max_body = 0;
    assert_int_equal(nf_sync_resubmit(f->rt, 1), NF_OK);
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL), "ok");
    assert_int_equal(json_object_size(f->srv.rows), 7);
}

/* ---- microflow calls ------------------------------------------------------------------------- */

static void microflow_calls_pass_objects_by_value(void **state) {
    fx *f = *state;
    /* objects and a list of them go by value, results come back as new objects (a result
     * object without "entity" is of the declared entity; members not sent keep their default) */
    assert_string_equal(run(f, "Shop.CallCalc", NULL, NULL), "42 x! 1.5 2 1 []");
    assert_int_equal(f->srv.calls, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(file_uploads_before_its_unit_and_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_file_answer_and_new_version, setup, teardown),
        cmocka_unit_test_setup_teardown(file_downloads_when_its_revision_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(file_api_refuses_what_is_not_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(file_too_large_is_limit_exceeded, setup, teardown),
        cmocka_unit_test_setup_teardown(file_upload_is_part_of_the_synchronize, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_between_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(too_large_requests_split_at_units, setup, teardown),
        cmocka_unit_test_setup_teardown(microflow_calls_pass_objects_by_value, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
