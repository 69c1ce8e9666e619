/* std_transport.h — how the sync client reaches a server: one HTTP request at a time, behind an
 * interface (DESIGN §7, docs/sync-client.md). The VM core never sees it; std_sync.c uses it.
 *
 * Implementations:
 *   - std_transport_curl.c: libcurl (HTTPS with verification always on, plain HTTP only to
 *     127.0.0.1; connect timeout 10 s; a request fails after 30 s without progress).
 *   - std_transport_fake.c: in process, for tests: a handler (a fake server written by the test)
 *     answers, and scripted faults drop a request, lose a response after the handler applied
 *     it, answer 500, cut the body short, deliver it twice, or hold it and deliver it later
 *     (after newer requests).
 *
 * Ownership: a request and everything it points to are borrowed for the call. A response's body
 * is malloc'ed by the transport and freed by the caller with nf_std_http_response_free.
 * Credentials travel only in the request (the Authorization header, a login body); no transport
 * logs headers or bodies. */
#ifndef NF_STD_TRANSPORT_H
#define NF_STD_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct nf_std_http_header {
    const char *name, *value;
} nf_std_http_header;

typedef struct nf_std_http_request {
    const char *method; /* "GET", "POST", "PUT", "HEAD" */
    const char *path;   /* "/nf/v1/upload?x=y", appended to the transport's base URL */
    const nf_std_http_header *headers;
    size_t nheaders;
    const char *body; /* NULL: none */
    size_t body_len;
} nf_std_http_request;

typedef struct nf_std_http_response {
    int status;
    char *body; /* NUL-terminated (not counted in body_len); malloc'ed; may be NULL */
    size_t body_len;
    /* the answer's Range and ETag headers ("" when absent): file transfers (§7) use them */
    char range[64], etag[64];
} nf_std_http_response;

typedef enum nf_std_transport_status {
    NF_STD_NET_OK = 0, /* a response arrived (any HTTP status) */
    NF_STD_NET_ERROR   /* no response: connection refused, timeout, reset, TLS failure … */
} nf_std_transport_status;

typedef struct nf_std_transport {
    void *ud;
    /* Sends rq. NF_STD_NET_OK: *rs holds the answer. NF_STD_NET_ERROR: *rs is empty and err a
     * message without credentials. */
    nf_std_transport_status (*send)(void *ud, const nf_std_http_request *rq,
                                    nf_std_http_response *rs, char *err, size_t errn);
    /* Frees the transport (ud included). May be NULL. */
    void (*destroy)(void *ud);
} nf_std_transport;

void nf_std_http_response_free(nf_std_http_response *rs);

/* ---- libcurl (std_transport_curl.c) ---- */

/* A transport for base_url ("https://host:port" or "http://127.0.0.1:port"; copied). NULL
 * with a message in err for a URL curl cannot use, plain HTTP to another host, or when libcurl
 * cannot start. Calls curl_global_init once per process (thread-safe, idempotent: see
 * nf_std_curl_global_init). */
nf_std_transport *nf_std_transport_curl_new(const char *base_url, char *err, size_t errn);
/* libcurl's process-wide initialization, done at most once (pthread_once); true when it
 * succeeded. Hosts that initialize libcurl themselves may call it first or not at all. */
bool nf_std_curl_global_init(void);

/* ---- the fake (std_transport_fake.c) ---- */

typedef enum nf_std_fake_fault {
    NF_STD_FAKE_NONE = 0,
    NF_STD_FAKE_DROP,      /* the request never reaches the handler: a network error */
    NF_STD_FAKE_LOSE,      /* the handler runs (the server applied it), the answer is lost */
    NF_STD_FAKE_FAIL500,   /* the handler does not run: 500 with a RuntimeError body */
    NF_STD_FAKE_TRUNCATE,  /* the handler runs, the body arrives cut in half */
    NF_STD_FAKE_PAUSE,     /* the handler does not run: the fake's pause callback runs, then it
                              acts as NONE (a test runs a flow "during" a request with it) */
    NF_STD_FAKE_DUPLICATE, /* the request arrives twice (a proxy or the network repeats it): the
                              handler runs twice, the client gets the second answer */
    NF_STD_FAKE_HOLD       /* the request is delayed: the client sees a network error now, the
                              handler gets a copy later (nf_std_fake_release), after newer
                              requests — a reordered delivery */
} nf_std_fake_fault;

/* The fake server: answers rq into rs (status and a malloc'ed body). */
typedef void (*nf_std_fake_handler)(void *ud, const nf_std_http_request *rq,
                                    nf_std_http_response *rs);

typedef struct nf_std_fake nf_std_fake;
/* A fake transport whose requests `handler` answers. The transport owns the nf_std_fake (freed
 * by destroy); *fake lets the test script faults. */
nf_std_transport *nf_std_transport_fake_new(nf_std_fake_handler handler, void *ud,
                                            nf_std_fake **fake);
/* The request `nth` from now (0: the next) suffers fault (up to 32 scripted at a time). */
bool nf_std_fake_inject(nf_std_fake *f, unsigned nth, nf_std_fake_fault fault);
/* Called for NF_STD_FAKE_PAUSE faults. */
void nf_std_fake_on_pause(nf_std_fake *f, void (*pause)(void *ud), void *ud);
/* Delivers the held requests (NF_STD_FAKE_HOLD), oldest first, to the handler now, their answers
 * discarded (nobody waits for them any more); at most `max` of them (0: all). Returns how many
 * were delivered. */
unsigned nf_std_fake_release(nf_std_fake *f, unsigned max);
/* Requests held and not delivered yet. */
unsigned nf_std_fake_held(const nf_std_fake *f);
/* Forgets the scripted faults not reached yet (held requests stay held). */
void nf_std_fake_clear_faults(nf_std_fake *f);
/* Requests sent so far, and the path of the last one (borrowed; "" before any). */
unsigned nf_std_fake_requests(const nf_std_fake *f);
const char *nf_std_fake_last_path(const nf_std_fake *f);

#endif
