/* srv.h — the reference sync server (`nanoflow serve`, docs/server.md, docs/sync-protocol.md).
 *
 * A server is an instance: every piece of state lives in the nf_srv it returns (no global
 * mutable state). It opens the app's store (stdlib/std_store.h: one table per persistable
 * entity, `_rev` = the server revision, `_seq` = the server change sequence that last wrote the
 * row) plus its own tables (`_nf_srv_*`: users' password hashes, sessions, each client's
 * lastSeq, the change sequence), and answers HTTP with libmicrohttpd on one internal thread:
 * requests are handled one at a time, so the store's single SQLite connection and the lastSeq
 * checks need no locks. */
#ifndef NF_SRV_H
#define NF_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nf_bc.h"
#include "std_transport.h"

typedef struct nf_srv nf_srv;

typedef struct nf_srv_config {
    const nf_bc_module *m;   /* the app (must outlive the server) */
    const char *db;          /* database file; NULL or ":memory:": in memory */
    const char *listen;      /* "HOST:PORT" (numeric host, or [v6]:PORT); NULL: 127.0.0.1:8080 */
    size_t max_body;         /* request body limit in bytes; 0: 16 MB */
    int64_t session_ttl_ms;  /* sliding session lifetime; 0: 24 h */
    FILE *log;               /* request log and reports; NULL: stderr */
    const char *hash_prefix; /* crypt prefix for new password hashes; NULL: "$y$" (yescrypt) */
    bool no_listen;          /* in process only (nf_srv_handle): no socket, no HTTP thread */
    size_t max_file;         /* file size limit in bytes (§7); 0: 50 MB */
} nf_srv_config;

/* One request, independent of HTTP: what the libmicrohttpd adapter passes in, and what tests,
 * fuzzers and an in-process transport can pass directly. */
typedef struct nf_srv_request {
    const char *method; /* "GET", "POST", … */
    const char *path;   /* "/nf/v1/upload" (decoded, without the query) */
    /* a request header or query argument by name (case-insensitive for headers), NULL when
     * absent; either function may be NULL (none) */
    const char *(*header)(void *ud, const char *name);
    const char *(*arg)(void *ud, const char *name);
    void *ud;
    const char *body; /* may be NULL when body_len is 0 */
    size_t body_len;
} nf_srv_request;

/* Opens the database (creating the server tables and the model's demo users at first start)
 * and binds the listening socket. NULL with a message in err on failure. */
nf_srv *nf_srv_open(const nf_srv_config *cfg, char *err, size_t errn);
/* An answer. */
typedef struct nf_srv_response {
    int status;
    char *body; /* malloc'd (nf_srv_response_free), NULL when the answer has none */
    size_t len;
    const char *content_type; /* "application/json", "application/octet-stream" or NULL */
    char range[48];           /* Range header value ("bytes=0-N") for 308 and file HEADs, or "" */
    char etag[32];            /* ETag header value for file GETs, or "" */
} nf_srv_response;
void nf_srv_response_free(nf_srv_response *r);

/* Handles one request on the calling thread (not concurrently with the HTTP thread: use a
 * server opened with no_listen) into *out. Returns the status. Logs the request like the HTTP
 * side. */
int nf_srv_handle(nf_srv *s, const nf_srv_request *rq, nf_srv_response *out);
/* nf_srv_handle for a request as a client's transport sends it: rq->path is the percent-encoded
 * target ("/nf/v1/download?entity=M.E&after=…"). *rs receives the answer (body malloc'ed, free
 * with nf_std_http_response_free; Range and ETag copied). False when out of memory (then *rs
 * is empty). For tests and hosts that run the server in process (no_listen). */
bool nf_srv_handle_http(nf_srv *s, const nf_std_http_request *rq, nf_std_http_response *rs);
/* The port actually bound (useful with port 0: any free port). */
unsigned nf_srv_port(const nf_srv *s);
/* Graceful stop: stops accepting connections, lets requests in progress finish (up to
 * wait_ms), then stops the HTTP thread. Idempotent. */
void nf_srv_stop(nf_srv *s, int wait_ms);
/* Stops (if needed) and closes the database. */
void nf_srv_close(nf_srv *s);

#endif
