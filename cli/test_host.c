/* test_host.c — one test run of `nanoflow test` (test_host.h, docs/testing.md §4).
 *
 * The device: nf_runtime_new on an in-memory database, the host callbacks below, and
 * nf_api_runtime_set_transport with an in-process transport whose requests go through the
 * real sync client (stdlib/std_sync.c) to nf_srv_handle of a fresh server (no socket, database
 * in memory). Between the two sits the network simulation: `network offline` fails every
 * request with a network error, `network fail next N requests` the next N, as a dropped
 * connection does. `mock microflow` is answered here, at the transport, for POST
 * /nf/v1/call/{name}: the client encodes the call and decodes the answer as it does against a
 * real server (and the network simulation applies to it), only the server's microflow is
 * replaced. `mock lua action` is answered in the host's action callback, where custom actions
 * arrive. A failed assert records the failure and parks the call (NF_SUSPENDED), which is then
 * abandoned: no error handler of the test can swallow a failed assertion. */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "srv.h"
#include "std_api.h"
#include "std_sync.h"
#include "std_transport.h"
#include "test_host.h"

#define LOG_LINES 12

typedef struct mock {
    bool action;     /* a custom action (else a microflow) */
    char *name;      /* Module.Name */
    nf_value *value; /* returns: the result (NULL: raises) */
    char *raises;    /* raises: the error message */
} mock;

typedef struct shown {
    bool page;
    int type; /* messages: nf_message_type */
    char *text;
} shown;

typedef struct expectation {
    bool page;
    int type; /* -1: any */
    char *text;
    uint32_t line;
    size_t after; /* shown entries before the expect statement ran */
} expectation;

typedef struct th {
    const nf_test_env *env;
    const char *test;
    nf_runtime *rt;
    nf_srv *srv;
    nf_std_transport transport;
    bool offline;
    unsigned fail_next;
    mock *mocks;
    size_t nmocks;
    shown *shown;
    size_t nshown;
    expectation *expects;
    size_t nexpects;
    char *log[LOG_LINES];
    unsigned nlog;
    bool failed, oom;
    nf_test_outcome *out;
    FILE *slog; /* the server's log, in memory */
    char *slog_text;
    size_t slog_len;
    nf_vm_lua lua;             /* mocks first, then the runtime's Lua engine */
    const nf_vm_lua *lua_real; /* the runtime's Lua engine (NULL: none) */
} th;

static char *dup(const char *s) {
    return s ? strdup(s) : NULL;
}

static char *fmt(const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static char *fmt(const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s) return NULL;
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

/* Room for item n of an array whose capacity is the next power of two (doubled at n = 2^k). */
static bool grow(void **items, size_t n, size_t size) {
    if (n & (n - 1)) return true;
    void *p = realloc(*items, (n ? n * 2 : 1) * size);
    if (!p) return false;
    *items = p;
    return true;
}

/* Records the first failure only: later ones follow from it. */
static void fail(th *t, const char *kind, uint32_t line, char *message) {
    if (t->failed) {
        free(message);
        return;
    }
    t->failed = true;
    t->out->kind = kind;
    t->out->message = message;
    t->out->line = line;
    if (!t->out->flow) t->out->flow = dup(t->test);
}

/* ---- host callbacks ----------------------------------------------------------------------- */

static nf_status add_shown(th *t, bool page, int type, const char *text) {
    if (!grow((void **)&t->shown, t->nshown, sizeof *t->shown)) return NF_ERR_NOMEM;
    t->shown[t->nshown++] = (shown){page, type, dup(text ? text : "")};
    return NF_OK;
}

static nf_status h_message(void *ud, nf_runtime *rt, nf_message_type type, const char *text,
                           bool blocking) {
    (void)rt;
    (void)blocking;
    return add_shown(ud, false, (int)type, text);
}

static nf_status h_page(void *ud, nf_runtime *rt, const char *page, const char *title,
                        const char *const *names, const nf_value *const *args, size_t n,
                        int32_t close_pages) {
    (void)rt, (void)title, (void)names, (void)args, (void)n, (void)close_pages;
    return add_shown(ud, true, 0, page);
}

static nf_status h_close(void *ud, nf_runtime *rt, int32_t count) {
    (void)ud, (void)rt, (void)count;
    return NF_OK;
}

static nf_status h_feedback(void *ud, nf_runtime *rt, const nf_value *object, const char *member,
                            const char *text) {
    (void)ud, (void)rt, (void)object, (void)member, (void)text;
    return NF_OK;
}

static void h_log(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                  const char *text) {
    (void)rt;
    th *t = ud;
    static const char *const lv[] = {"trace", "debug", "info", "warning", "error", "critical"};
    if (t->nlog == LOG_LINES) {
        free(t->log[0]);
        memmove(t->log, t->log + 1, (LOG_LINES - 1) * sizeof *t->log);
        t->nlog--;
    }
    t->log[t->nlog++] =
        fmt("%s %s: %s", lv[level <= NF_LOG_CRITICAL ? level : 0], node ? node : "", text);
}

static const char *arg_text(const nf_value *v) {
    const char *s = v ? nf_value_as_string(v) : NULL;
    return s ? s : "";
}

static mock *find_mock(th *t, bool action, const char *name) {
    for (size_t i = 0; i < t->nmocks; i++)
        if (t->mocks[i].action == action && strcmp(t->mocks[i].name, name) == 0)
            return &t->mocks[i];
    return NULL;
}

static nf_status set_mock(th *t, bool action, const char *name, const nf_value *value,
                          const char *raises) {
    mock *m = find_mock(t, action, name);
    if (!m) {
        if (!grow((void **)&t->mocks, t->nmocks, sizeof *t->mocks)) return NF_ERR_NOMEM;
        m = &t->mocks[t->nmocks++];
        *m = (mock){action, dup(name), NULL, NULL};
    }
    nf_value_free(m->value);
    free(m->raises);
    m->value = value ? nf_value_copy(value) : NULL;
    m->raises = raises ? dup(raises) : NULL;
    return NF_OK;
}

static nf_status expect(th *t, bool page, int type, const char *text, uint32_t line) {
    if (!grow((void **)&t->expects, t->nexpects, sizeof *t->expects)) return NF_ERR_NOMEM;
    t->expects[t->nexpects++] = (expectation){page, type, dup(text), line, t->nshown};
    return NF_OK;
}

static int message_type(const char *s) {
    if (!*s) return -1;
    return strcmp(s, "Warning") == 0 ? NF_MESSAGE_WARNING
           : strcmp(s, "Error") == 0 ? NF_MESSAGE_ERROR
                                     : NF_MESSAGE_INFO;
}

/* The NanoflowTest actions (compiler/cc_sema_test.c gives their parameters) and mocked
 * custom actions. */
static nf_status h_action(void *ud, nf_runtime *rt, const char *name, const nf_value *const *a,
                          size_t n, nf_value **result) {
    (void)rt;
    th *t = ud;
    if (strncmp(name, "NanoflowTest.", 13) != 0) {
        mock *m = find_mock(t, true, name);
        if (!m) return NF_ERR_NOT_FOUND; /* a HostError: "action … failed (not found)" */
        *result = m->value ? nf_value_copy(m->value) : NULL;
        return NF_OK;
    }
    const char *op = name + 13;
    uint32_t line = n ? (uint32_t)nf_value_as_integer(a[n - 1]) : 0;
    if (strcmp(op, "Assert") == 0 && n == 4) {
        if (!nf_value_is_empty(a[0]) && nf_value_as_boolean(a[0])) return NF_OK;
        const char *msg = arg_text(a[1]);
        fail(t, "assertion", line,
             nf_value_is_empty(a[0])
                 ? fmt("the asserted condition is empty%s%s", *msg ? ": " : "", msg)
                 : dup(*msg ? msg : "assertion failed"));
        if (!t->out->expression) t->out->expression = dup(arg_text(a[2]));
        return NF_SUSPENDED; /* nf_test_run abandons the call: no handler runs */
    }
    if (strncmp(op, "MockReturns", 11) == 0 && n == 4)
        return set_mock(t, strcmp(arg_text(a[0]), "action") == 0, arg_text(a[1]), a[2], NULL);
    if (strcmp(op, "MockRaises") == 0 && n == 3)
        return set_mock(t, false, arg_text(a[0]), NULL, arg_text(a[1]));
    if (strcmp(op, "Network") == 0 && n == 3) {
        const char *mode = arg_text(a[0]);
        if (strcmp(mode, "fail") == 0)
            t->fail_next += (unsigned)nf_value_as_integer(a[1]);
        else
            t->offline = strcmp(mode, "offline") == 0;
        return NF_OK;
    }
    if (strcmp(op, "ExpectMessage") == 0 && n == 3)
        return expect(t, false, message_type(arg_text(a[1])), arg_text(a[0]), line);
    if (strcmp(op, "ExpectPage") == 0 && n == 2) return expect(t, true, -1, arg_text(a[0]), line);
    return NF_ERR_NOT_FOUND;
}

/* Lua actions go straight from the VM to the Lua engine, not through h_action: a mocked one
 * is answered here, the others run for real. */
static nf_vm_status lua_or_mock(void *ud, nf_vm *vm, uint32_t action, const nf_val *args,
                                nf_val *out) {
    th *t = ud;
    const nf_bc_module *m = &t->rt->mod->bc;
    mock *mk =
        action < m->nactions ? find_mock(t, true, m->strings[m->actions[action].name]) : NULL;
    if (!mk) return t->lua_real->call(t->lua_real->ud, vm, action, args, out);
    if (mk->value) {
        *out = mk->value->v;
        nf_vm_val_retain(out);
    }
    return NF_VM_OK;
}

/* ---- mocked microflow answers ---------------------------------------------------------------- */

/* A value as the wire carries it (docs/sync-protocol.md §3, §8). */
static json_t *wire_value(const nf_module *mod, const nf_value *v, int depth) {
    if (!v || nf_value_is_empty(v) || depth > 8) return json_null();
    switch (nf_value_type(v)) {
    case NF_TYPE_BOOLEAN: return json_boolean(nf_value_as_boolean(v));
    case NF_TYPE_INTEGER:
    case NF_TYPE_LONG: return json_integer(nf_value_as_integer(v));
    case NF_TYPE_DECIMAL:
    case NF_TYPE_STRING: {
        char *s = nf_value_to_text(v);
        json_t *j = json_string(s ? s : "");
        nf_free(s);
        return j;
    }
    case NF_TYPE_DATETIME: {
        char b[32];
        nf_std_wire_time_text(nf_value_as_integer(v), b);
        return json_string(b);
    }
    case NF_TYPE_ENUMERATION: return json_string(nf_value_enumeration_key(v));
    case NF_TYPE_LIST: {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < nf_list_length(v); i++) {
            nf_value *o = nf_list_get(v, i);
            json_array_append_new(arr, wire_value(mod, o, depth + 1));
            nf_value_free(o);
        }
        return arr;
    }
    case NF_TYPE_OBJECT: {
        const nf_bc_module *m = &mod->bc;
        const char *en = nf_value_entity(v);
        json_t *obj = json_object(), *vals = json_object();
        json_object_set_new(obj, "entity", json_string(en ? en : ""));
        for (uint32_t e = 0; en && e < m->nentities; e++) {
            if (strcmp(m->strings[m->entities[e].name], en) != 0) continue;
            for (uint32_t g = e; g != NF_BC_NONE && g < m->nentities;
                 g = m->entities[g].generalization)
                for (uint32_t k = 0; k < m->entities[g].nattrs; k++) {
                    const char *an = m->strings[m->entities[g].attrs[k].name];
                    nf_value *av = NULL;
                    if (nf_object_get(v, an, &av) == NF_OK)
                        json_object_set_new(vals, an, wire_value(mod, av, depth + 1));
                    nf_value_free(av);
                }
            break;
        }
        json_object_set_new(obj, "values", vals);
        return obj;
    }
    default: return json_null();
    }
}

static void answer(nf_std_http_response *rs, int status, json_t *body) {
    rs->status = status;
    rs->body = json_dumps(body, JSON_COMPACT);
    rs->body_len = rs->body ? strlen(rs->body) : 0;
    json_decref(body);
}

/* POST /nf/v1/call/{name} of a mocked microflow: true when answered. */
static bool mocked_call(th *t, const char *path, nf_std_http_response *rs) {
    static const char prefix[] = "/nf/v1/call/";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0) return false;
    mock *m = find_mock(t, false, path + sizeof prefix - 1);
    if (!m) return false;
    if (m->raises) {
        answer(rs, 422,
               json_pack("{s:{s:s,s:s,s:b}}", "error", "type", "RuntimeError", "message", m->raises,
                         "retry", 0));
        return true;
    }
    answer(rs, 200, json_pack("{s:o}", "result", wire_value(t->env->mod, m->value, 0)));
    return true;
}

/* ---- the transport: the network simulation, then the server in process --------------------- */

static nf_std_transport_status th_send(void *ud, const nf_std_http_request *rq,
                                       nf_std_http_response *rs, char *err, size_t errn) {
    th *t = ud;
    memset(rs, 0, sizeof *rs);
    if (t->offline) {
        snprintf(err, errn, "the network is offline (nanoflow test: network offline)");
        return NF_STD_NET_ERROR;
    }
    if (t->fail_next) {
        t->fail_next--;
        snprintf(err, errn, "connection reset (nanoflow test: network fail next)");
        return NF_STD_NET_ERROR;
    }
    const char *q = strchr(rq->path, '?');
    size_t pathlen = q ? (size_t)(q - rq->path) : strlen(rq->path);
    char path[512];
    snprintf(path, sizeof path, "%.*s", (int)pathlen, rq->path);
    if (strcmp(rq->method, "POST") == 0 && mocked_call(t, path, rs)) return NF_STD_NET_OK;
    if (!nf_srv_handle_http(t->srv, rq, rs)) {
        snprintf(err, errn, "out of memory");
        return NF_STD_NET_ERROR;
    }
    return NF_STD_NET_OK;
}

/* ---- a run ------------------------------------------------------------------------------------
 */

static void probe(void *ud, uint32_t flow, uint32_t pc) {
    nf_test_coverage *c = ud;
    if (flow < c->nflows && c->hits[flow]) c->hits[flow][pc] = 1;
}

static char *join_shown(const th *t, size_t from) {
    size_t cap = 1;
    for (size_t i = from; i < t->nshown; i++)
        cap += strlen(t->shown[i].text) + 32;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[0] = '\0';
    static const char *const types[] = {"Information", "Warning", "Error"};
    for (size_t i = from; i < t->nshown; i++)
        snprintf(s + strlen(s), cap - strlen(s), "%s%s '%s'", i > from ? "; " : "",
                 t->shown[i].page ? "page" : types[t->shown[i].type % 3], t->shown[i].text);
    return s;
}

/* Matches every expectation, in order, to a message or page shown after its expect statement
 * and not taken by an earlier expectation. */
static void check_expectations(th *t) {
    bool *taken = calloc(t->nshown + 1, 1);
    if (!taken) {
        t->oom = true;
        return;
    }
    static const char *const types[] = {"Information", "Warning", "Error"};
    for (size_t e = 0; e < t->nexpects && !t->failed; e++) {
        const expectation *x = &t->expects[e];
        bool found = false;
        for (size_t i = x->after; i < t->nshown && !found; i++) {
            const shown *s = &t->shown[i];
            if (taken[i] || s->page != x->page || strcmp(s->text, x->text) != 0) continue;
            if (!x->page && x->type >= 0 && s->type != x->type) continue;
            found = taken[i] = true;
        }
        if (found) continue;
        bool before = false;
        for (size_t i = 0; i < x->after && !before; i++)
            before = t->shown[i].page == x->page && strcmp(t->shown[i].text, x->text) == 0;
        if (x->page)
            fail(t, "expectation", x->line,
                 fmt("expected page %s to be shown%s", x->text,
                     before ? " after the expect statement (it was shown before it)" : ""));
        else
            fail(t, "expectation", x->line,
                 fmt("expected message '%s'%s%s to be shown%s", x->text,
                     x->type >= 0 ? " of type " : "", x->type >= 0 ? types[x->type] : "",
                     before ? " after the expect statement (it was shown before it)" : ""));
        t->out->shown = join_shown(t, 0);
    }
    free(taken);
}

static void th_free(th *t) {
    for (size_t i = 0; i < t->nmocks; i++) {
        free(t->mocks[i].name);
        nf_value_free(t->mocks[i].value);
        free(t->mocks[i].raises);
    }
    free(t->mocks);
    for (size_t i = 0; i < t->nshown; i++)
        free(t->shown[i].text);
    free(t->shown);
    for (size_t i = 0; i < t->nexpects; i++)
        free(t->expects[i].text);
    free(t->expects);
    for (unsigned i = 0; i < t->nlog; i++)
        free(t->log[i]);
    nf_runtime_free(t->rt);
    if (t->srv) nf_srv_close(t->srv);
}

static char *join_log(const th *t) {
    size_t cap = 1;
    for (unsigned i = 0; i < t->nlog; i++)
        cap += (t->log[i] ? strlen(t->log[i]) : 0) + 1;
    char *s = t->nlog ? malloc(cap) : NULL;
    if (!s) return NULL;
    s[0] = '\0';
    for (unsigned i = 0; i < t->nlog; i++)
        if (t->log[i]) snprintf(s + strlen(s), cap - strlen(s), "%s%s", t->log[i], "\n");
    return s;
}

static void run(th *t) {
    const nf_test_env *env = t->env;
    char err[512] = "";
    nf_srv_config sc;
    memset(&sc, 0, sizeof sc);
    sc.m = &env->mod->bc;
    sc.no_listen = true;
    t->slog = open_memstream(&t->slog_text, &t->slog_len);
    sc.log = t->slog ? t->slog : stderr;
    sc.hash_prefix = "$5$"; /* a fast hash: every test seeds the demo users anew */
    t->srv = nf_srv_open(&sc, err, sizeof err);
    if (!t->srv) {
        fail(t, "setup", 0, fmt("cannot start the in-process server: %s", err));
        return;
    }
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.timezone = env->timezone;
    cfg.max_instructions = env->max_instructions;
    cfg.user = env->user;
    cfg.password = env->password;
    cfg.host = (nf_host){.ud = t,
                         .show_message = h_message,
                         .show_page = h_page,
                         .close_page = h_close,
                         .feedback = h_feedback,
                         .log = h_log,
                         .action = h_action};
    char *e = NULL;
    if (nf_runtime_new(env->mod, &cfg, &t->rt, &e) != NF_OK) {
        fail(t, "setup", 0, fmt("cannot create the runtime: %s", e ? e : "out of memory"));
        nf_free(e);
        return;
    }
    t->transport = (nf_std_transport){t, th_send, NULL};
    if (t->rt->store && nf_api_runtime_set_transport(t->rt, &t->transport, &e) != NF_OK) {
        fail(t, "setup", 0, fmt("cannot connect the sync client: %s", e ? e : "?"));
        nf_free(e);
        return;
    }
    if (t->rt->vm->cfg.lua) {
        t->lua_real = t->rt->vm->cfg.lua;
        t->lua = (nf_vm_lua){t, lua_or_mock};
        t->rt->vm->cfg.lua = &t->lua;
    }
    if (env->coverage) {
        t->rt->vm->cfg.probe = probe;
        t->rt->vm->cfg.probe_ud = env->coverage;
    }
    nf_status st = nf_call(t->rt, t->test, NULL, 0, NULL);
    if (st == NF_SUSPENDED) {
        nf_abandon(t->rt); /* a failed assert (the only callback that parks) */
    } else if (st != NF_OK) {
        const char *flow = nf_runtime_error_flow(t->rt);
        free(t->out->flow);
        t->out->flow = dup(flow ? flow : t->test);
        uint32_t fi = flow ? nf_vm_flow_named(t->rt->vm, flow) : NF_BC_NONE;
        const nf_bc_module *m = &env->mod->bc;
        if (fi != NF_BC_NONE && strcmp(flow, t->test) != 0 && m->flows[fi].file != NF_BC_NONE)
            t->out->file = dup(m->strings[m->flows[fi].file]);
        t->out->error_type = dup(nf_error_type_name(nf_runtime_error_type(t->rt)));
        fail(t, "error", nf_runtime_error_line(t->rt),
             fmt("uncaught %s: %s", t->out->error_type, nf_runtime_error_message(t->rt)));
    }
    if (!t->failed) check_expectations(t);
    char *q = NULL; /* what the server refused explains many a failed sync test */
    if (t->failed && t->rt->store && nf_sync_quarantine(t->rt, &q) == NF_OK && q &&
        strcmp(q, "[]") != 0)
        t->out->quarantine = q;
    else
        nf_free(q);
}

/* The last n lines of text (a copy), or NULL when it is empty. */
static char *tail_lines(const char *text, size_t len, unsigned n) {
    if (!text || !len) return NULL;
    size_t start = len;
    if (text[start - 1] == '\n') start--;
    for (unsigned k = 0; start > 0; start--)
        if (text[start - 1] == '\n' && ++k == n) break;
    char *s = malloc(len - start + 1);
    if (!s) return NULL;
    memcpy(s, text + start, len - start);
    s[len - start] = '\0';
    return s;
}

bool nf_test_run(const nf_test_env *env, const char *name, nf_test_outcome *out) {
    memset(out, 0, sizeof *out);
    th t;
    memset(&t, 0, sizeof t);
    t.env = env;
    t.test = name;
    t.out = out;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    run(&t);
    clock_gettime(CLOCK_MONOTONIC, &b);
    out->seconds = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    out->passed = !t.failed;
    if (t.failed) out->log = join_log(&t);
    th_free(&t); /* closes the server: its log is complete */
    if (t.slog && fclose(t.slog) == 0 && t.failed)
        out->server_log = tail_lines(t.slog_text, t.slog_len, LOG_LINES);
    free(t.slog_text);
    return !t.oom;
}

void nf_test_outcome_free(nf_test_outcome *o) {
    free(o->message);
    free(o->expression);
    free(o->flow);
    free(o->file);
    free(o->error_type);
    free(o->shown);
    free(o->log);
    free(o->quarantine);
    free(o->server_log);
    memset(o, 0, sizeof *o);
}
