/* test_sync.c — the sync client (docs/sync-client.md) against a small fake server written here
 * that follows docs/sync-protocol.md §4–§6: login and bearer tokens, lastSeq per client with
 * duplicate detection, per-object results with rejections, keyset-paged downloads. Faults come
 * from the fake transport (std_transport_fake.c): dropped requests, responses lost after the
 * server applied them, 500s and truncated bodies. Flows run through the public API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nanoflow.h"
#include "std_api.h"
#include "std_sync.h"
#include "fake_server.h"

/* ---- the fake server ------------------------------------------------------------------------- */

typedef struct fsrv {
    json_t *rows;     /* id -> {"entity", "id", "rev", "values"} */
    json_t *last_seq; /* client id -> highest applied unit */
    int logins, uploads, applied_units, downloads;
    int token_gen;
    char token[32];
    char download_paths[8][256];
    int refuse;              /* nonzero: every request after login gets this status */
    const char *next_answer; /* the next upload or download answers this body (then NULL) */
} fsrv;

static json_t *row_copy(fsrv *s, const char *id) {
    json_t *r = json_object_get(s->rows, id);
    return r ? json_deep_copy(r) : json_null();
}

static json_t *apply_object(fsrv *s, const json_t *o) {
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *op = json_string_value(json_object_get(o, "op"));
    json_t *res = json_pack("{s:s}", "id", id);
    json_t *cur = json_object_get(s->rows, id);
    if (strcmp(op, "delete") == 0) {
        json_object_del(s->rows, id);
        json_object_set_new(res, "status", json_string("applied"));
        json_object_set_new(res, "row", json_null());
        return res;
    }
    const json_t *vals = json_object_get(o, "values");
    const char *name = json_string_value(json_object_get(vals, "Name"));
    const char *reason = NULL;
    if (name && strcmp(name, "reject-me") == 0)
        reason = "Name must not be reject-me";
    else if (!cur && !json_is_true(json_object_get(o, "new")))
        reason = "deleted on the server or no longer accessible";
    /* as the real server in revision mode: a new object that exists must name its revision */
    json_int_t base = json_integer_value(json_object_get(o, "baseRev"));
    if (!reason && cur && json_is_true(json_object_get(o, "new")) &&
        (!json_is_integer(json_object_get(o, "baseRev")) ||
         base != json_integer_value(json_object_get(cur, "rev")))) {
        json_object_set_new(res, "status", json_string("conflict"));
        json_object_set_new(res, "reason", json_string("changed on the server"));
        json_object_set_new(res, "row", row_copy(s, id));
        return res;
    }
    if (reason) {
        json_object_set_new(res, "status", json_string("rejected"));
        json_object_set_new(res, "reason", json_string(reason));
        json_object_set_new(res, "row", row_copy(s, id));
        return res;
    }
    if (!cur) {
        cur = json_pack("{s:O, s:s, s:i, s:{}}", "entity", json_object_get(o, "entity"), "id", id,
                        "rev", 0, "values");
        json_object_set_new(s->rows, id, cur);
    }
    json_object_update(json_object_get(cur, "values"), (json_t *)vals);
    json_int_t rev = json_integer_value(json_object_get(cur, "rev")) + 1;
    json_object_set_new(cur, "rev", json_integer(rev));
    json_object_set_new(res, "status", json_string("applied"));
    json_object_set_new(res, "rev", json_integer(rev));
    json_object_set_new(res, "row", json_deep_copy(cur));
    return res;
}

static void do_upload(fsrv *s, const nf_std_http_request *rq, nf_std_http_response *rs) {
    s->uploads++;
    json_t *body = json_loadb(rq->body, rq->body_len, 0, NULL);
    const char *client = header(rq, "X-NF-Client");
    json_int_t last = json_integer_value(json_object_get(s->last_seq, client));
    json_t *units = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(body, "units"), i, u) {
        json_int_t seq = json_integer_value(json_object_get(u, "seq"));
        json_t *res = json_array();
        size_t k;
        json_t *o;
        bool dup = seq <= last;
        json_array_foreach(json_object_get(u, "objects"), k, o) {
            if (dup) {
                const char *id = json_string_value(json_object_get(o, "id"));
                json_t *r = json_pack("{s:s, s:s}", "id", id, "status", "applied");
                json_object_set_new(r, "row", row_copy(s, id));
                json_array_append_new(res, r);
            } else {
                json_array_append_new(res, apply_object(s, o));
            }
        }
        if (!dup) {
            last = seq;
            s->applied_units++;
        }
        json_array_append_new(units, json_pack("{s:I, s:s, s:o}", "seq", seq, "status",
                                               dup ? "duplicate" : "applied", "objects", res));
    }
    json_object_set_new(s->last_seq, client, json_integer(last));
    json_decref(body);
    answer(rs, 200, json_pack("{s:I, s:o}", "lastSeq", last, "units", units));
}

static void query_arg(const char *path, const char *name, char *out, size_t n) {
    out[0] = '\0';
    const char *p = strchr(path, '?');
    size_t nl = strlen(name);
    while (p) {
        p++;
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t len = strcspn(p + nl + 1, "&");
            snprintf(out, n, "%.*s", (int)len, p + nl + 1);
            return;
        }
        p = strchr(p, '&');
    }
}

static int by_id(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void do_download(fsrv *s, const nf_std_http_request *rq, nf_std_http_response *rs) {
    snprintf(s->download_paths[s->downloads % 8], 256, "%s", rq->path);
    s->downloads++;
    char entity[128], after[64], limit[16], pass[64];
    query_arg(rq->path, "entity", entity, sizeof entity);
    query_arg(rq->path, "after", after, sizeof after);
    query_arg(rq->path, "limit", limit, sizeof limit);
    query_arg(rq->path, "pass", pass, sizeof pass);
    size_t n = json_object_size(s->rows), k = 0;
    const char **ids = calloc(n + 1, sizeof *ids);
    const char *id;
    json_t *r;
    json_object_foreach(s->rows, id, r) {
        if (strcmp(json_string_value(json_object_get(r, "entity")), entity) == 0 &&
            strcmp(id, after) > 0)
            ids[k++] = id;
    }
    qsort(ids, k, sizeof *ids, by_id);
    size_t lim = (size_t)atoi(limit);
    json_t *rows = json_array();
    for (size_t i = 0; i < k && i < lim; i++) {
        json_t *row = json_object_get(s->rows, ids[i]);
        json_array_append_new(rows, json_pack("{s:s, s:O, s:O}", "id", ids[i], "rev",
                                              json_object_get(row, "rev"), "values",
                                              json_object_get(row, "values")));
    }
    json_t *next = k > lim ? json_string(ids[lim - 1]) : json_null();
    free(ids);
    answer(rs, 200,
           json_pack("{s:s, s:s, s:o, s:o, s:i}", "entity", entity, "pass", pass, "rows", rows,
                     "next", next, "serverSeq", 1));
}

static void handler(void *ud, const nf_std_http_request *rq, nf_std_http_response *rs) {
    fsrv *s = ud;
    if (strcmp(rq->path, "/nf/v1/login") == 0) {
        json_t *b = json_loadb(rq->body, rq->body_len, 0, NULL);
        const char *pw = json_string_value(json_object_get(b, "password"));
        bool ok = pw && strcmp(pw, "secret") == 0;
        json_decref(b);
        if (!ok) {
            err_answer(rs, 401, "AccessDenied", "wrong user name or password");
            return;
        }
        s->logins++;
        snprintf(s->token, sizeof s->token, "tok%d", ++s->token_gen);
        answer(rs, 200,
               json_pack("{s:s, s:s, s:{s:s, s:s}}", "token", s->token, "expiresAt",
                         "2030-01-01T00:00:00.000Z", "user", "name", "ann", "id",
                         "0190a000-0000-7000-8000-000000000001"));
        return;
    }
    const char *auth = header(rq, "Authorization");
    char want[64];
    snprintf(want, sizeof want, "Bearer %s", s->token);
    if (!auth || !s->token[0] || strcmp(auth, want) != 0) {
        err_answer(rs, 401, "AccessDenied", "the session expired");
        return;
    }
    if (s->refuse == 409) {
        err_answer(rs, 409, "ModelError", "this app needs an update");
        return;
    }
    if (s->refuse == 403) {
        err_answer(rs, 403, "AccessDenied", "you may not synchronize");
        return;
    }
    if (s->next_answer) {
        rs->status = 200;
        rs->body = strdup(s->next_answer);
        rs->body_len = strlen(rs->body);
        s->next_answer = NULL;
        return;
    }
    if (strcmp(rq->path, "/nf/v1/upload") == 0) {
        do_upload(s, rq, rs);
        return;
    }
    if (strncmp(rq->path, "/nf/v1/download?", 16) == 0) {
        do_download(s, rq, rs);
        return;
    }
    err_answer(rs, 404, "ModelError", "no such endpoint");
}

/* A row on the server as if another device had uploaded it. */
static void server_put(fsrv *s, const char *id, const char *name, int qty, int rev) {
    json_object_set_new(s->rows, id,
                        json_pack("{s:s, s:s, s:i, s:{s:s, s:i, s:s, s:s}}", "entity", "Shop.Item",
                                  "id", id, "rev", rev, "values", "Name", name, "Qty", qty, "Price",
                                  "2.50", "When", "2026-01-01T09:30:00.000Z"));
}

/* ---- the app and the fixture ----------------------------------------------------------------- */

static const char *APP =
    "create module Shop;\n"
    "create persistent entity Shop.Item (Name: String(100), Qty: Integer, Price: Decimal, When: "
    "DateTime);\n"
    "create persistent entity Shop.Local (Note: String(100));\n"
    "create offline profile Shop.Mobile (Shop.Item download all, Shop.Local download never);\n"
    "create nanoflow Shop.Add ($Name: String, $Qty: Integer)\nbegin\n"
    "  $I = create Shop.Item (Name = $Name, Qty = $Qty, Price = 1.25);\n  commit $I;\nend;\n"
    "create nanoflow Shop.Sync () returns String\nbegin\n"
    "  synchronize all on error without rollback begin\n"
    "    return $latestErrorType + ': ' + $latestError;\n  end error;\n  return 'ok';\nend;\n"
    "create nanoflow Shop.SyncUnsynced () returns String\nbegin\n"
    "  synchronize unsynchronized on error without rollback begin\n"
    "    return $latestErrorType + ': ' + $latestError;\n  end error;\n  return 'ok';\nend;\n"
    "create nanoflow Shop.SyncBusy () returns String\nbegin\n"
    "  declare $During Boolean = isSyncing();\n"
    "  synchronize all on error without rollback begin\n"
    "    return toString($During) + ' ' + $latestErrorType + ': ' + $latestError;\n"
    "  end error;\n  return 'not refused';\nend;\n"
    "create nanoflow Shop.Summary () returns String\nbegin\n"
    "  retrieve $All from Shop.Item sort by Name asc;\n  declare $S String = '';\n"
    "  loop $I in $All begin\n"
    "    set $S = $S + $I/Name + '=' + toString($I/Qty) + (if isSynced($I) then '' else '*') + "
    "';';\n"
    "  end loop;\n  return $S;\nend;\n"
    "create nanoflow Shop.Refresh ($N: String) returns String\nbegin\n"
    "  retrieve $I from Shop.Item where [Name = $N] first;\n"
    "  declare $Before Integer = $I/Qty;\n  synchronize all;\n"
    "  return toString($Before) + '->' + toString($I/Qty);\nend;\n"
    "create nanoflow Shop.Selected ($N: String) returns String\nbegin\n"
    "  retrieve $I from Shop.Item where [Name = $N] first;\n"
    "  change $I (Qty = 42);\n  commit $I;\n  synchronize $I;\n"
    "  return toString(isSynced($I));\nend;\n"
    "create nanoflow Shop.SyncOne ($N: String) returns String\nbegin\n"
    "  retrieve $I from Shop.Item where [Name = $N] first;\n  synchronize $I;\n"
    "  return toString(isSynced($I));\nend;\n"
    "create nanoflow Shop.Quarantine () returns String\nbegin\n"
    "  $Q = call javascript action System.Quarantine_List();\n"
    "  declare $S String = '';\n"
    "  loop $E in $Q begin\n"
    "    set $S = $S + $E/Status + ' ' + $E/ObjectType + ' ' + $E/Reason + ' ' +\n"
    "             toString(length($E/DeviceContent) > 10) + ' ' + $E/ServerContent"
    " + ';';\n"
    "  end loop;\n  return $S;\nend;\n"
    "create nanoflow Shop.ResubmitAll () returns String\nbegin\n"
    "  $Q = call javascript action System.Quarantine_List();\n"
    "  declare $S String = '';\n"
    "  loop $E in $Q begin\n"
    "    $Done = call javascript action System.Quarantine_Resubmit(Qid = $E/Qid);\n"
    "    set $S = $S + toString($Done) + ';';\n"
    "  end loop;\n"
    "  $Again = call javascript action System.Quarantine_Resubmit(Qid = 999);\n"
    "  return $S + toString($Again);\nend;\n"
    "create nanoflow Shop.Bump ($N: String)\nbegin\n"
    "  retrieve $I from Shop.Item where [Name = $N] first;\n"
    "  change $I (Qty = $I/Qty + 1);\n  commit $I;\nend;\n"
    "create nanoflow Shop.Del ($N: String)\nbegin\n"
    "  retrieve $I from Shop.Item where [Name = $N] first;\n  delete $I;\nend;\n";

typedef struct fx {
    fsrv srv;
    nf_module *m;
    nf_runtime *rt;
    nf_std_fake *fake;
    char busy_result[512];
} fx;

static int setup(void **state) {
    fx *f = calloc(1, sizeof *f);
    f->srv.rows = json_object();
    f->srv.last_seq = json_object();
    assert_true(fake_server_runtime(APP, handler, &f->srv, &f->m, &f->rt, &f->fake));
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fx *f = *state;
    nf_runtime_free(f->rt);
    nf_module_free(f->m);
    json_decref(f->srv.rows);
    json_decref(f->srv.last_seq);
    free(f);
    return 0;
}

/* Calls a flow with text arguments; returns its result as text or "error: …" (static). */
static const char *run(fx *f, const char *flow, const char *a1, const char *v1, const char *a2,
                       const char *v2) {
    static char out[1024];
    const char *names[2] = {a1, a2}, *vals[2] = {v1, v2};
    size_t n = a2 ? 2 : a1 ? 1 : 0;
    nf_value *v = NULL;
    if (nf_call_text(f->rt, flow, names, vals, n, &v) != NF_OK) {
        snprintf(out, sizeof out, "error: %s", nf_runtime_error_message(f->rt));
    } else {
        char *t = nf_value_to_text(v);
        snprintf(out, sizeof out, "%s", t);
        nf_free(t);
    }
    nf_value_free(v);
    return out;
}

static void add(fx *f, const char *name, const char *qty) {
    assert_string_equal(run(f, "Shop.Add", "Name", name, "Qty", qty), "");
}

static int64_t sql_int(fx *f, const char *sql) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(nf_std_store_db(f->rt->store), sql, -1, &st, NULL),
                     SQLITE_OK);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

static int64_t pending(fx *f) {
    return sql_int(f, "SELECT count(*) FROM \"Shop.Item\" WHERE _state != 0");
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void upload_then_download(void **state) {
    fx *f = *state;
    server_put(&f->srv, "0190a000-0000-7000-8000-0000000000aa", "other", 7, 3);
    add(f, "apple", "1");
    add(f, "bread", "2");
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "apple=1*;bread=2*;");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.logins, 1);
    assert_int_equal(json_object_size(f->srv.rows), 3);
    assert_int_equal(f->srv.applied_units, 2); /* one unit per commit */
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "apple=1;bread=2;other=7;");
    assert_int_equal(pending(f), 0);
    assert_int_equal(sql_int(f, "SELECT _rev FROM \"Shop.Item\" WHERE \"Name\" = 'other'"), 3);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Item\" WHERE \"Price\" = '2.5' AND "
                                "\"When\" = 1767259800000"),
                     1);
    /* a second synchronize sends nothing and logs in no more */
    int uploads = f->srv.uploads;
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.uploads, uploads);
    assert_int_equal(f->srv.logins, 1);
}

static void lost_response_is_not_applied_twice(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    /* request 0 is the login, 1 the upload: the server applies it, the answer is lost */
    nf_std_fake_inject(f->fake, 1, NF_STD_FAKE_LOSE);
    const char *r = run(f, "Shop.Sync", NULL, NULL, NULL, NULL);
    assert_non_null(strstr(r, "ConnectionError: synchronization failed: cannot reach the server"));
    assert_int_equal(f->srv.applied_units, 1);
    assert_int_equal(pending(f), 1); /* nothing changed locally */
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.applied_units, 1); /* the retry was a duplicate */
    assert_int_equal(json_object_size(f->srv.rows), 1);
    assert_int_equal(pending(f), 0);
    assert_int_equal(sql_int(f, "SELECT _rev FROM \"Shop.Item\""), 1);
}

/* A new object's upload reached the server but its answer was lost; the device commits the
 * object again before the retry. The retry says "new, but perhaps applied as revision 1"
 * (baseRev 1, from _nf_sent), so it is a change of that revision, not a conflict with the
 * device's own first version (found by tests/sim). */
static void recommitted_after_a_lost_answer_is_no_conflict(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    nf_std_fake_inject(f->fake, 1, NF_STD_FAKE_LOSE);
    assert_non_null(strstr(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ConnectionError"));
    run(f, "Shop.Bump", "N", "apple", NULL, NULL);
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(sql_int(f, "SELECT count(*) FROM _nf_quarantine"), 0);
    assert_int_equal(pending(f), 0);
    json_t *row = json_object_get(f->srv.rows, json_object_iter_key(json_object_iter(f->srv.rows)));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(row, "values"), "Qty")), 2);
    assert_int_equal(json_integer_value(json_object_get(row, "rev")), 2);
}

static void failures_change_nothing(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    nf_std_fake_fault faults[] = {NF_STD_FAKE_DROP, NF_STD_FAKE_FAIL500, NF_STD_FAKE_TRUNCATE};
    const char *want[] = {
        "ConnectionError: synchronization failed: cannot reach the server",
        "ConnectionError: synchronization failed: the server answered 500: boom",
        "ConnectionError: synchronization failed: the server's answer is malformed"};
    for (int i = 0; i < 3; i++) {
        nf_std_fake_inject(f->fake, f->srv.logins ? 0 : 1, faults[i]);
        const char *r = run(f, "Shop.Sync", NULL, NULL, NULL, NULL);
        assert_non_null(strstr(r, want[i]));
        assert_int_equal(pending(f), 1);
        assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "apple=1*;");
    }
    /* the truncated answer came after the server applied the unit: the retry is a duplicate */
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.applied_units, 1);
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "apple=1;");
}

static void rejected_object_goes_to_quarantine(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    add(f, "reject-me", "5");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    /* the server does not have it: the device's version is kept in the quarantine only */
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "apple=1;");
    assert_int_equal(sql_int(f, "SELECT count(*) FROM _nf_quarantine WHERE status = 'rejected' "
                                "AND reason = 'Name must not be reject-me' AND device LIKE "
                                "'%\"Name\":\"reject-me\"%' AND server IS NULL AND seq = 2"),
                     1);
    assert_int_equal(nf_std_sync_quarantined(f->rt->sync), 1);
}

static void deleted_on_server_goes_to_quarantine(void **state) {
    fx *f = *state;
    server_put(&f->srv, "0190a000-0000-7000-8000-0000000000aa", "other", 7, 1);
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    json_object_clear(f->srv.rows); /* another device deleted it */
    assert_string_equal(run(f, "Shop.Selected", "N", "other", NULL, NULL), "false");
    assert_int_equal(sql_int(f, "SELECT count(*) FROM _nf_quarantine WHERE device LIKE "
                                "'%\"Qty\":42%'"),
                     1);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Item\""), 0);
}

static void paged_download_resumes_and_sweeps(void **state) {
    fx *f = *state;
    nf_std_sync_set_page(f->rt->sync, 3);
    char id[64], name[16];
    for (int i = 0; i < 7; i++) {
        snprintf(id, sizeof id, "0190a000-0000-7000-8000-0000000001%02d", i);
        snprintf(name, sizeof name, "n%d", i);
        server_put(&f->srv, id, name, i, 1);
    }
    /* the second page is dropped: the first stays applied, with its cursor */
    nf_std_fake_inject(f->fake, 2, NF_STD_FAKE_DROP);
    assert_non_null(strstr(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ConnectionError"));
    assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Item\""), 3);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM _nf_meta WHERE key = 'cursor:Shop.Item' "
                                "AND value = '0190a000-0000-7000-8000-000000000102'"),
                     1);
    int before = f->srv.downloads;
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.downloads - before, 2); /* resumed at the cursor: pages 2 and 3 */
    assert_non_null(
        strstr(f->srv.download_paths[(before) % 8], "after=0190a000-0000-7000-8000-000000000102"));
    assert_int_equal(sql_int(f, "SELECT count(*) FROM \"Shop.Item\" WHERE _state = 0"), 7);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM _nf_pass"), 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM _nf_meta WHERE key LIKE 'cursor:%' OR key "
                                "= 'pass'"),
                     0);
    /* two rows deleted on the server, one changed: the sweep removes them */
    json_object_del(f->srv.rows, "0190a000-0000-7000-8000-000000000100");
    json_object_del(f->srv.rows, "0190a000-0000-7000-8000-000000000105");
    server_put(&f->srv, "0190a000-0000-7000-8000-000000000103", "n3", 33, 2);
    add(f, "local", "1");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL),
                        "local=1;n1=1;n2=2;n3=33;n4=4;n6=6;");
}

static void objects_in_memory_see_the_server(void **state) {
    fx *f = *state;
    add(f, "apple", "5");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    const char *id;
    json_t *r;
    json_object_foreach(f->srv.rows, id, r) {
        json_object_set_new(json_object_get(r, "values"), "Qty", json_integer(99));
        json_object_set_new(r, "rev", json_integer(2));
    }
    assert_string_equal(run(f, "Shop.Refresh", "N", "apple", NULL, NULL), "5->99");
}

static void selective_and_unsynchronized(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    assert_string_equal(run(f, "Shop.SyncUnsynced", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.downloads, 0); /* no per-entity download */
    assert_int_equal(pending(f), 0);
    add(f, "bread", "2");
    assert_string_equal(run(f, "Shop.Selected", "N", "apple", NULL, NULL), "true");
    assert_int_equal(f->srv.downloads, 0);
    /* bread was not selected, but it was committed before apple's new change: its unit goes
     * first (see selective_sync_keeps_earlier_units) */
    assert_int_equal(pending(f), 0);
    add(f, "cake", "3");
    add(f, "donut", "4");
    assert_string_equal(run(f, "Shop.SyncOne", "N", "cake", NULL, NULL), "true");
    assert_int_equal(pending(f), 1); /* donut, committed after cake, waits */
}

/* Found by tests/sim (seed 12): the server's replay check is a high-water mark, so a selective
 * synchronize that uploaded a later unit first made an earlier pending unit look like a replay
 * — answered `duplicate`, never applied, and dropped by the device as synchronized. */
static void selective_sync_keeps_earlier_units(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    add(f, "bread", "2");
    assert_string_equal(run(f, "Shop.SyncOne", "N", "bread", NULL, NULL), "true");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(json_object_size(f->srv.rows), 2);
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "apple=1;bread=2;");
}

/* Found by tests/sim (seed 5): a new object whose upload reached the server but whose answer
 * was lost is still "new" on the device; deleting it then removed the row locally without a
 * trace, so the server kept it (and the next download brought it back). The device now keeps
 * it marked deleted and uploads the deletion. */
static void deleting_an_object_whose_upload_was_lost(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    nf_std_fake_inject(f->fake, 1, NF_STD_FAKE_LOSE); /* login, then the upload */
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL),
                        "ConnectionError: synchronization failed: cannot reach the server "
                        "(timeout: no answer (fake))");
    assert_int_equal(json_object_size(f->srv.rows), 1); /* the server has it */
    assert_string_equal(run(f, "Shop.Del", "N", "apple", NULL, NULL), "");
    assert_int_equal(pending(f), 1); /* the deletion waits for the upload */
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(json_object_size(f->srv.rows), 0);
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "");
    /* a new object that never went out still just goes */
    add(f, "bread", "2");
    assert_string_equal(run(f, "Shop.Del", "N", "bread", NULL, NULL), "");
    assert_int_equal(pending(f), 0);
}

/* The same across processes: the upload's answer is lost in one run, and a later run without
 * a server (`nanoflow run --db` offline) deletes the object. It must still upload the
 * deletion, or the server's copy comes back at the next download (tests/cli/sync_kill.sh
 * found it: the runtime without a sync client did not know about _nf_sent). */
static void deleting_it_in_a_later_run_without_a_server(void **state) {
    fx *f = *state;
    char dir[] = "/tmp/nf-test-sync-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/device.db", dir);
    nf_runtime *mem = f->rt;
    nf_std_fake *fake;
    assert_true(fake_server_connect(f->m, path, handler, &f->srv, &f->rt, &fake));
    add(f, "apple", "1");
    nf_std_fake_inject(fake, 1, NF_STD_FAKE_LOSE);
    assert_non_null(strstr(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ConnectionError"));
    assert_int_equal(json_object_size(f->srv.rows), 1);
    nf_runtime_free(f->rt);
    assert_true(fake_server_connect(f->m, path, NULL, NULL, &f->rt, NULL)); /* offline */
    assert_string_equal(run(f, "Shop.Del", "N", "apple", NULL, NULL), "");
    assert_int_equal(pending(f), 1);
    nf_runtime_free(f->rt);
    assert_true(fake_server_connect(f->m, path, handler, &f->srv, &f->rt, &fake));
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(json_object_size(f->srv.rows), 0);
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "");
    nf_runtime_free(f->rt);
    f->rt = mem;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* The fake transport's delayed and repeated deliveries reach the handler (tests/sim uses them
 * against the real server). */
static void duplicated_and_delayed_requests(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    add(f, "bread", "2");
    nf_std_fake_inject(f->fake, 0, NF_STD_FAKE_DUPLICATE);
    assert_string_equal(run(f, "Shop.SyncUnsynced", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.applied_units, 2); /* the copy was a duplicate */
    add(f, "cake", "3");
    nf_std_fake_inject(f->fake, 0, NF_STD_FAKE_HOLD);
    assert_string_equal(run(f, "Shop.SyncUnsynced", NULL, NULL, NULL, NULL),
                        "ConnectionError: synchronization failed: cannot reach the server "
                        "(timeout: no answer (fake, the request is delayed))");
    assert_int_equal(nf_std_fake_held(f->fake), 1);
    assert_int_equal(f->srv.applied_units, 2);
    assert_int_equal(nf_std_fake_release(f->fake, 0), 1); /* arrives late: applied now */
    assert_int_equal(f->srv.applied_units, 3);
    assert_int_equal(pending(f), 1);
    assert_string_equal(run(f, "Shop.SyncUnsynced", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.applied_units, 3); /* the retry was a duplicate */
    assert_int_equal(pending(f), 0);
}

static void refused_requests_have_their_error_types(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    add(f, "bread", "2");
    f->srv.refuse = 409;
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL),
                        "ModelError: synchronization failed: this app needs an update");
    f->srv.refuse = 403;
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL),
                        "AccessDenied: synchronization failed: you may not synchronize");
    assert_int_equal(pending(f), 1);
}

/* Answers that are JSON but not the protocol's: refused whole, nothing changes locally. */
static void malformed_answers_change_nothing(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    add(f, "bread", "2");
    char id[40];
    sqlite3_stmt *st;
    sqlite3_prepare_v2(nf_std_store_db(f->rt->store),
                       "SELECT _id FROM \"Shop.Item\" WHERE \"Name\" = 'bread'", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    static char bodies[8][512];
    const char *const fmt[] = {
        "{\"units\": 5}",
        "{\"units\": [{\"seq\": \"2\", \"status\": \"applied\", \"objects\": []}]}",
        "{\"units\": [{\"seq\": 2, \"status\": \"maybe\", \"objects\": []}]}",
        "{\"units\": [{\"seq\": 2, \"status\": \"applied\", \"objects\": [{\"id\": "
        "\"0190a000-0000-7000-8000-00000000dead\", \"status\": \"applied\"}]}]}",
        "{\"units\": [{\"seq\": 2, \"status\": \"applied\", \"objects\": [{\"id\": \"%s\", "
        "\"status\": \"applied\", \"rev\": 1, \"row\": {\"rev\": 1, \"values\": {\"Qty\": "
        "\"many\"}}}]}]}",
        "{\"units\": [{\"seq\": 2, \"status\": \"applied\", \"objects\": [{\"id\": \"%s\", "
        "\"status\": \"applied\", \"row\": {\"values\": {\"When\": \"yesterday\"}}}]}]}",
        "{\"units\": [{\"seq\": 2, \"status\": \"applied\", \"objects\": [{\"id\": \"%s\", "
        "\"status\": \"applied\", \"rev\": 1, \"row\": [1]}]}]}",
        "[1, 2, 3]",
    };
    for (int i = 0; i < 8; i++) {
        snprintf(bodies[i], sizeof bodies[i], fmt[i], id);
        f->srv.next_answer = bodies[i];
        const char *r = run(f, "Shop.Sync", NULL, NULL, NULL, NULL);
        if (!strstr(r, "ConnectionError: synchronization failed: the server's answer is malformed"))
            fail_msg("answer %d: %s", i, r);
        assert_int_equal(pending(f), 1);
        assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "apple=1;bread=2*;");
    }
    /* a download page with a row without id */
    f->srv.next_answer = NULL;
    assert_string_equal(run(f, "Shop.SyncUnsynced", NULL, NULL, NULL, NULL), "ok");
    f->srv.next_answer = "{\"entity\": \"Shop.Item\", \"rows\": [{\"rev\": 1, \"values\": {}}], "
                         "\"next\": null}";
    assert_non_null(strstr(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "malformed"));
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "apple=1;bread=2;");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
}

static void uploads_go_in_batches_of_whole_units(void **state) {
    fx *f = *state;
    for (int i = 0; i < 5; i++)
        add(f, "x", "1");
    nf_std_sync_set_batch(f->rt->sync, 2, 1 << 20);
    assert_string_equal(run(f, "Shop.SyncUnsynced", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.uploads, 3); /* 2 + 2 + 1 units */
    assert_int_equal(f->srv.applied_units, 5);
    for (int i = 0; i < 3; i++)
        add(f, "y", "1");
    nf_std_sync_set_batch(f->rt->sync, 1000, 100); /* every unit alone by size */
    assert_string_equal(run(f, "Shop.SyncUnsynced", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.uploads, 6);
    assert_int_equal(pending(f), 0);
}

static void quarantine_is_listed_and_resubmitted(void **state) {
    fx *f = *state;
    add(f, "reject-me", "5");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    char *js = NULL;
    assert_int_equal(nf_sync_quarantine(f->rt, &js), NF_OK);
    json_t *list = json_loads(js, 0, NULL);
    nf_free(js);
    assert_int_equal(json_array_size(list), 1);
    json_t *e = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "rejected");
    assert_string_equal(json_string_value(json_object_get(e, "entity")), "Shop.Item");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(e, "device"), "values"), "Qty")),
                     5);
    int64_t qid = json_integer_value(json_object_get(e, "qid"));
    json_decref(list);
    assert_int_equal(nf_sync_resubmit(f->rt, qid + 100), NF_ERR_NOT_FOUND);
    assert_int_equal(nf_sync_resubmit(f->rt, qid), NF_OK);
    assert_int_equal(nf_std_sync_quarantined(f->rt->sync), 0);
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "reject-me=5*;");
    assert_int_equal(sql_int(f, "SELECT _state FROM \"Shop.Item\""), 1);
    /* the server still refuses it: back in the quarantine, nothing lost */
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(nf_std_sync_quarantined(f->rt->sync), 1);
}

/* Flows list and resubmit the quarantine with the runtime's own actions. */
static void flows_list_and_resubmit_the_quarantine(void **state) {
    fx *f = *state;
    assert_string_equal(run(f, "Shop.Quarantine", NULL, NULL, NULL, NULL), "");
    add(f, "reject-me", "5");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_string_equal(run(f, "Shop.Quarantine", NULL, NULL, NULL, NULL),
                        "rejected Shop.Item Name must not be reject-me true ;");
    assert_string_equal(run(f, "Shop.ResubmitAll", NULL, NULL, NULL, NULL), "true;false");
    assert_string_equal(run(f, "Shop.Quarantine", NULL, NULL, NULL, NULL), "");
    assert_string_equal(run(f, "Shop.Summary", NULL, NULL, NULL, NULL), "reject-me=5*;");
}

static void busy_pause(void *ud) {
    fx *f = ud;
    nf_value *v = NULL;
    if (nf_call(f->rt, "Shop.SyncBusy", NULL, 0, &v) == NF_OK) {
        char *t = nf_value_to_text(v);
        snprintf(f->busy_result, sizeof f->busy_result, "%s", t);
        nf_free(t);
    } else {
        snprintf(f->busy_result, sizeof f->busy_result, "error: %s",
                 nf_runtime_error_message(f->rt));
    }
    nf_value_free(v);
}

static void concurrent_synchronize_is_refused(void **state) {
    fx *f = *state;
    add(f, "apple", "1");
    nf_std_fake_on_pause(f->fake, busy_pause, f);
    nf_std_fake_inject(f->fake, 1, NF_STD_FAKE_PAUSE);
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_string_equal(f->busy_result,
                        "true RuntimeError: Performing simultaneous synchronizations is not "
                        "supported. Please try again after the current synchronization is "
                        "completed.");
    assert_string_equal(run(f, "Shop.SyncBusy", NULL, NULL, NULL, NULL), "not refused");
}

static void expired_token_logs_in_again(void **state) {
    fx *f = *state;
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    snprintf(f->srv.token, sizeof f->srv.token, "revoked");
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL), "ok");
    assert_int_equal(f->srv.logins, 2);
}

static void wrong_password_is_access_denied(void **state) {
    fx *f = *state;
    nf_runtime_free(f->rt);
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.user = "ann";
    cfg.password = "wrong";
    assert_int_equal(nf_runtime_new(f->m, &cfg, &f->rt, NULL), NF_OK);
    assert_int_equal(nf_api_runtime_set_transport(
                         f->rt, nf_std_transport_fake_new(handler, &f->srv, &f->fake), NULL),
                     NF_OK);
    add(f, "apple", "1");
    const char *r = run(f, "Shop.Sync", NULL, NULL, NULL, NULL);
    assert_string_equal(r, "AccessDenied: synchronization failed: wrong user name or password");
    assert_null(strstr(r, "wrong\""));
    assert_int_equal(pending(f), 1);
}

static void no_server_is_a_connection_error(void **state) {
    fx *f = *state;
    nf_runtime_free(f->rt);
    assert_int_equal(nf_runtime_new(f->m, NULL, &f->rt, NULL), NF_OK);
    assert_string_equal(run(f, "Shop.Sync", NULL, NULL, NULL, NULL),
                        "ConnectionError: cannot synchronize: no server is configured");
}

static void curl_transport_refuses_unsafe_urls(void **state) {
    (void)state;
    char err[200];
    assert_null(nf_std_transport_curl_new("http://example.com", err, sizeof err));
    assert_non_null(strstr(err, "https://"));
    assert_null(nf_std_transport_curl_new("https://ann:pw@example.com", err, sizeof err));
    assert_null(strstr(err, "pw"));
    assert_true(nf_std_curl_global_init());
    assert_true(nf_std_curl_global_init()); /* idempotent */
    /* nothing listens on port 1: a network error with a message, nothing else */
    nf_std_transport *t = nf_std_transport_curl_new("http://127.0.0.1:1", err, sizeof err);
    assert_non_null(t);
    nf_std_http_request rq = {"GET", "/nf/v1/download", NULL, 0, NULL, 0};
    nf_std_http_response rs;
    assert_int_equal(t->send(t->ud, &rq, &rs, err, sizeof err), NF_STD_NET_ERROR);
    assert_null(rs.body);
    t->destroy(t->ud);
}

static void wire_times(void **state) {
    (void)state;
    char b[32];
    nf_std_wire_time_text(1767259800000LL, b);
    assert_string_equal(b, "2026-01-01T09:30:00.000Z");
    nf_std_wire_time_text(-1, b);
    assert_string_equal(b, "1969-12-31T23:59:59.999Z");
    int64_t ms;
    assert_true(nf_std_wire_time_parse("2026-01-01T09:30:00.000Z", &ms));
    assert_int_equal(ms, 1767259800000LL);
    assert_true(nf_std_wire_time_parse("1969-12-31T23:59:59.999Z", &ms));
    assert_int_equal(ms, -1);
    assert_false(nf_std_wire_time_parse("2026-01-01T09:30:00+01:00", &ms));
    assert_false(nf_std_wire_time_parse("2026-13-01T09:30:00Z", &ms));
    assert_false(nf_std_wire_time_parse("", &ms));
}

/* ---- the libcurl transport against a one-shot HTTP server on loopback ---------------------- */

typedef struct oneshot {
    int fd;
    char request[4096];
} oneshot;

static void *serve_once(void *ud) {
    oneshot *o = ud;
    int c = accept(o->fd, NULL, NULL);
    if (c < 0) return NULL;
    size_t n = 0;
    for (;;) { /* headers, then Content-Length bytes of body */
        ssize_t k = read(c, o->request + n, sizeof o->request - 1 - n);
        if (k <= 0) break;
        n += (size_t)k;
        o->request[n] = '\0';
        char *end = strstr(o->request, "\r\n\r\n");
        const char *cl = strstr(o->request, "Content-Length: ");
        if (end && (!cl || n >= (size_t)(end + 4 - o->request) + (size_t)atoi(cl + 16))) break;
    }
    static const char answer_text[] =
        "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n"
        "Content-Length: 54\r\nConnection: close\r\n\r\n"
        "{\"error\": {\"type\": \"ModelError\", \"message\": \"update\"}}";
    ssize_t w = write(c, answer_text, sizeof answer_text - 1);
    (void)w;
    close(c);
    return NULL;
}

static void curl_transport_round_trip(void **state) {
    (void)state;
    oneshot o = {0};
    o.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(o.fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(o.fd, 1), 0);
    socklen_t len = sizeof a;
    getsockname(o.fd, (struct sockaddr *)&a, &len);
    pthread_t th;
    pthread_create(&th, NULL, serve_once, &o);
    char url[64], err[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    nf_std_transport *t = nf_std_transport_curl_new(url, err, sizeof err);
    assert_non_null(t);
    nf_std_http_header h[] = {{"Authorization", "Bearer tok"}, {"X-NF-Client", "abc"}};
    nf_std_http_request rq = {"POST", "/nf/v1/upload", h, 2, "{\"units\":[]}", 12};
    nf_std_http_response rs;
    nf_std_transport_status ts = t->send(t->ud, &rq, &rs, err, sizeof err);
    if (ts != NF_STD_NET_OK) fprintf(stderr, "curl: %s\n", err);
    assert_int_equal(ts, NF_STD_NET_OK);
    pthread_join(th, NULL);
    close(o.fd);
    assert_int_equal(rs.status, 409);
    assert_non_null(strstr(rs.body, "ModelError"));
    assert_non_null(strstr(o.request, "POST /nf/v1/upload HTTP/1.1\r\n"));
    assert_non_null(strstr(o.request, "Authorization: Bearer tok\r\n"));
    assert_non_null(strstr(o.request, "{\"units\":[]}"));
    char type[32], msg[32];
    assert_true(nf_std_wire_error(rs.body, rs.body_len, type, sizeof type, msg, sizeof msg));
    assert_string_equal(type, "ModelError");
    nf_std_http_response_free(&rs);
    t->destroy(t->ud);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(upload_then_download, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_response_is_not_applied_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(recommitted_after_a_lost_answer_is_no_conflict, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(flows_list_and_resubmit_the_quarantine, setup, teardown),
        cmocka_unit_test_setup_teardown(deleting_it_in_a_later_run_without_a_server, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(failures_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(rejected_object_goes_to_quarantine, setup, teardown),
        cmocka_unit_test_setup_teardown(deleted_on_server_goes_to_quarantine, setup, teardown),
        cmocka_unit_test_setup_teardown(paged_download_resumes_and_sweeps, setup, teardown),
        cmocka_unit_test_setup_teardown(objects_in_memory_see_the_server, setup, teardown),
        cmocka_unit_test_setup_teardown(selective_and_unsynchronized, setup, teardown),
        cmocka_unit_test_setup_teardown(selective_sync_keeps_earlier_units, setup, teardown),
        cmocka_unit_test_setup_teardown(deleting_an_object_whose_upload_was_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicated_and_delayed_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_synchronize_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(quarantine_is_listed_and_resubmitted, setup, teardown),
        cmocka_unit_test_setup_teardown(uploads_go_in_batches_of_whole_units, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_requests_have_their_error_types, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_answers_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(expired_token_logs_in_again, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_password_is_access_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(no_server_is_a_connection_error, setup, teardown),
        cmocka_unit_test(curl_transport_refuses_unsafe_urls),
        cmocka_unit_test(wire_times),
        cmocka_unit_test(curl_transport_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
