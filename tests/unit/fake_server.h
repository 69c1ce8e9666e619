/* fake_server.h — what the sync specifications' small fake servers share (test_sync.c,
 * test_sync_client.c): answering a request of the fake transport (std_transport.h) with a JSON
 * body or a §9 error, reading its headers, and a runtime for an app whose synchronize goes to
 * such a server. Included by one test file each (static functions). */
#ifndef NF_TEST_FAKE_SERVER_H
#define NF_TEST_FAKE_SERVER_H

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "nanoflow.h"
#include "std_api.h"
#include "std_transport.h"

/* Answers status with body (taken; NULL: no body). */
static void answer(nf_std_http_response *rs, int status, json_t *body) {
    rs->status = status;
    rs->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    rs->body_len = rs->body ? strlen(rs->body) : 0;
    json_decref(body);
}

/* Answers an error body of the protocol (§9). */
static void err_answer(nf_std_http_response *rs, int status, const char *type, const char *msg) {
    answer(rs, status,
           json_pack("{s:{s:s, s:s, s:b}}", "error", "type", type, "message", msg, "retry", 0));
}

static const char *header(const nf_std_http_request *rq, const char *name) {
    for (size_t i = 0; i < rq->nheaders; i++)
        if (strcmp(rq->headers[i].name, name) == 0) return rq->headers[i].value;
    return NULL;
}

/* A runtime for module m (user ann, password secret; database: a file, or NULL for memory)
 * whose synchronize goes through a fake transport to handler(ud) (handler NULL: no server). */
static bool fake_server_connect(nf_module *m, const char *database, nf_std_fake_handler handler,
                                void *ud, nf_runtime **rt, nf_std_fake **fake) {
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.user = "ann";
    cfg.password = "secret";
    cfg.database = database;
    if (nf_runtime_new(m, &cfg, rt, NULL) != NF_OK) return false;
    if (!handler) return true;
    nf_std_transport *t = nf_std_transport_fake_new(handler, ud, fake);
    return nf_api_runtime_set_transport(*rt, t, NULL) == NF_OK;
}

/* Compiles app and opens a runtime with its database in memory (fake_server_connect); false
 * (with the diagnostics on stderr) when something fails. */
static bool fake_server_runtime(const char *app, nf_std_fake_handler handler, void *ud,
                                nf_module **m, nf_runtime **rt, nf_std_fake **fake) {
    const char *names[] = {"app.mdl"}, *texts[] = {app};
    size_t lens[] = {strlen(app)};
    char *diags = NULL;
    nf_status st = nf_module_compile(names, texts, lens, 1, m, &diags);
    if (st != NF_OK) fprintf(stderr, "%s", diags ? diags : "");
    nf_free(diags);
    if (st != NF_OK) return false;
    return fake_server_connect(*m, NULL, handler, ud, rt, fake);
}

#endif
