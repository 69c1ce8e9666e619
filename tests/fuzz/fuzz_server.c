/* fuzz_server.c — libFuzzer target for the sync server's request handling (DESIGN §10: "bad
 * input of every kind … HTTP bodies … never crashes"; "sync decoders have libFuzzer targets").
 *
 * One server in memory, opened once without a socket (nf_srv_config.no_listen) for a small app
 * with demo users, and signed in once. Each input is one request through nf_srv_handle, the same
 * code the HTTP side calls: the first byte picks the endpoint, the rest is the body or the query:
 *   0 POST /nf/v1/upload   body (commit units)
 *   1 GET  /nf/v1/download query "entity=…&after=…&limit=…" split into arguments
 *   2 POST /nf/v1/login    body
 *   3 any method and path: "METHOD PATH\nBODY" (e.g. a microflow call)
 * The app has event handlers (before/after commit, before delete) and a microflow the app calls,
 * so uploads run flows in the VM inside the server's transactions.
 * The answer must be a status from the protocol's list with a JSON body (or none); the server's
 * state carries over between inputs, so uploads build data later downloads page through.
 *
 * Replay the seeds:  fuzz_server -runs=0 tests/fuzz/corpus/server
 * Fuzz:              fuzz_server -max_len=4096 WORKDIR tests/fuzz/corpus/server */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nf_bc.h"
#include "nf_compiler.h"
#include "srv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char app[] =
    "create module Shop;\n"
    "create enumeration Shop.Status (Open 'Open', Done 'Done');\n"
    "create persistent entity Shop.Customer extends System.User (FullName: String(50));\n"
    "create persistent entity Shop.Order (Number: Integer, Note: String(20), Total: Decimal,\n"
    "  PlacedOn: DateTime, Status: Enumeration(Shop.Status), Paid: Boolean default false,\n"
    "  Revision: Integer)\n"
    "on before commit call Shop.BCo_Order($currentObject) raise error\n"
    "on before delete call Shop.BDe_Order($currentObject);\n"
    "create persistent entity Shop.Audit (Text: String(200));\n"
    "create microflow Shop.BCo_Order (Order: Shop.Order) returns Boolean begin\n"
    "  retrieve $Stored from Shop.Order where [id = $Order] first;\n"
    "  if $Stored = empty then change $Order (Revision = 1); return true; end if;\n"
    "  if $Order/Revision != $Stored/Revision then return false; end if;\n"
    "  change $Order (Revision = $Order/Revision + 1); return true; end;\n"
    "create microflow Shop.BDe_Order (Order: Shop.Order) returns Boolean begin\n"
    "  return not($Order/Paid); end;\n"
    "create microflow Shop.ACo_Line (Line: Shop.Line) begin\n"
    "  $A = create Shop.Audit (Text = 'line ' + $Line/Product); commit $A; end;\n"
    "create microflow Shop.MF_Total (Qty: Integer, Price: Decimal, Label: String, At: DateTime,\n"
    "  S: Enumeration(Shop.Status)) returns String begin\n"
    "  return $Label + toString($Qty * $Price) + toString($At) + toString($S); end;\n"
    "grant execute on microflow Shop.MF_Total to Shop.Buyer;\n"
    "create nanoflow Shop.Use () returns String begin\n"
    "  $T = call microflow Shop.MF_Total(Qty = 1, Price = 1.5, Label = 'x', At = empty,\n"
    "    S = empty);\n"
    "  return $T; end;\n"
    "create persistent entity Shop.Line (Product: String(100) not null, Qty: Long)\n"
    "on after commit call Shop.ACo_Line($currentObject);\n"
    "create association Shop.Order_Customer from Shop.Order to Shop.Customer type Reference;\n"
    "create association Shop.Line_Order from Shop.Line to Shop.Order type Reference;\n"
    "create module role Shop.Buyer;\n"
    "create user role Buyer (Shop.Buyer);\n"
    "grant Shop.Buyer on Shop.Customer (read (FullName)) where '[id = ''[%CurrentUser%]'']';\n"
    "grant Shop.Buyer on Shop.Order (create, delete, read *, write *)\n"
    "  where '[Shop.Order_Customer = ''[%CurrentUser%]'']';\n"
    "grant Shop.Buyer on Shop.Line (create, read *, write (Qty, Shop.Line_Order));\n"
    "create offline profile Shop.Mobile (\n"
    "  Shop.Customer download by xpath '[id = ''[%CurrentUser%]'']',\n"
    "  Shop.Order download all conflict revision Revision,\n"
    "  Shop.Line download all conflict changed attributes);\n"
    "create nanoflow Shop.Touch ($O: Shop.Order) begin commit $O; end;\n"
    "create demo user 'ann' password 'Ann-Pass-1' entity Shop.Customer (Buyer);\n";

/* The harness's state (libFuzzer calls the target many times in one process). */
typedef struct harness {
    nf_cc_compilation *cc;
    nf_bc_module m;
    nf_srv *srv;
    FILE *devnull;
    char model[17];
    char auth[80];
} harness;

static harness *h_state;

typedef struct args {
    char *query; /* "a=b&c=d", split in place into NUL-separated pairs */
    size_t len;
} args;

static const char *header(void *ud, const char *name) {
    (void)ud;
    if (!strcasecmp(name, "X-NF-Model")) return h_state->model;
    if (!strcasecmp(name, "X-NF-Client")) return "0123456789abcdef0123456789abcdef";
    if (!strcasecmp(name, "Authorization")) return h_state->auth;
    if (!strcasecmp(name, "X-NF-Request")) return "fuzz";
    return NULL;
}

static const char *arg(void *ud, const char *name) {
    args *a = ud;
    if (!a) return NULL;
    size_t n = strlen(name);
    for (size_t i = 0; i < a->len;) {
        const char *pair = a->query + i;
        size_t plen = strlen(pair);
        if (strncmp(pair, name, n) == 0 && pair[n] == '=') return pair + n + 1;
        i += plen + 1;
    }
    return NULL;
}

static void check(int status, nf_srv_response *out) {
    char *reply = out->content_type && !strcmp(out->content_type, "application/json")
                      ? strndup(out->body, out->len)
                      : NULL;
    nf_srv_response_free(out);
    static const int ok[] = {200, 201, 204, 308, 400, 401, 403, 404,
                             405, 409, 413, 422, 429, 500, 503};
    bool known = false;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        known |= status == ok[i];
    if (!known) {
        fprintf(stderr, "unexpected status %d\n", status);
        abort();
    }
    if (reply) {
        json_error_t je;
        json_t *j = json_loads(reply, 0, &je);
        if (!j) {
            fprintf(stderr, "the answer is not JSON: %s\n", reply);
            abort();
        }
        if (status >= 400 && !json_is_object(json_object_get(j, "error"))) abort();
        json_decref(j);
    }
    free(reply);
}

/* Signs in as ann: the Authorization header of the following requests. */
static void sign_in(harness *h) {
    static const char login[] = "{\"user\": \"ann\", \"password\": \"Ann-Pass-1\"}";
    nf_srv_request rq = {"POST", "/nf/v1/login", header, arg, NULL, login, sizeof login - 1};
    nf_srv_response out;
    if (nf_srv_handle(h->srv, &rq, &out) != 200) abort();
    json_t *j = json_loadb(out.body, out.len, 0, NULL);
    snprintf(h->auth, sizeof h->auth, "Bearer %s", json_string_value(json_object_get(j, "token")));
    json_decref(j);
    nf_srv_response_free(&out);
}

static harness *setup(void) {
    harness *h = calloc(1, sizeof *h);
    h_state = h;
    h->cc = nf_cc_new();
    if (!h->cc || !nf_cc_add_source(h->cc, "app.mdl", app, sizeof app - 1) ||
        !nf_cc_build(h->cc, &h->m))
        abort();
    snprintf(h->model, sizeof h->model, "%016llx", (unsigned long long)h->m.model_hash);
    h->devnull = fopen("/dev/null", "w");
    nf_srv_config cfg = {0};
    cfg.m = &h->m;
    cfg.no_listen = true;
    cfg.log = h->devnull;
    cfg.hash_prefix = "$5$"; /* a faster hash than yescrypt: logins are fuzzed too */
    char err[256];
    h->srv = nf_srv_open(&cfg, err, sizeof err);
    if (!h->srv) {
        fprintf(stderr, "fuzz_server: %s\n", err);
        abort();
    }
    sign_in(h);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static harness *h;
    if (!h) h = setup();
    if (size < 1) return 0;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    size_t n = size - 1;
    nf_srv_request rq = {NULL, NULL, header, arg, NULL, text, n};
    args a = {text, n};
    char method[16] = "GET", path[256] = "/";
    switch (data[0] & 3) {
    case 0: rq.method = "POST", rq.path = "/nf/v1/upload"; break;
    case 1:
        rq.method = "GET", rq.path = "/nf/v1/download";
        for (size_t i = 0; i < n; i++)
            if (text[i] == '&') text[i] = '\0';
        rq.ud = &a;
        rq.body = NULL;
        rq.body_len = 0;
        break;
    case 2: rq.method = "POST", rq.path = "/nf/v1/login"; break;
    default: {
        const char *nl = memchr(text, '\n', n);
        size_t line = nl ? (size_t)(nl - text) : n;
        char first[300];
        snprintf(first, sizeof first, "%.*s", (int)(line < 299 ? line : 299), text);
        if (sscanf(first, "%15s %255s", method, path) < 1) break;
        rq.method = method, rq.path = path;
        rq.body = nl ? nl + 1 : NULL;
        rq.body_len = nl ? n - line - 1 : 0;
        break;
    }
    }
    if (!rq.method) rq.method = method, rq.path = path;
    nf_srv_response out;
    int status = nf_srv_handle(h->srv, &rq, &out);
    check(status, &out);
    if (status == 204) sign_in(h); /* a logout ended the session: keep fuzzing signed in */
    free(text);
    return 0;
}
