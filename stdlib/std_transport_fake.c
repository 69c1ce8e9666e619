/* std_transport_fake.c — an in-process transport for tests: a handler written by the test plays
 * the server, and scripted faults reproduce what networks do (a request dropped, a response
 * lost after the server applied the request, a 500, a body cut short, a request delivered
 * twice, a request delayed and delivered after newer ones). Deterministic. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_transport.h"

#define MAX_FAULTS 32

struct nf_std_fake {
    nf_std_transport iface;
    nf_std_fake_handler handler;
    void *ud;
    unsigned sent;
    struct {
        unsigned at; /* request number */
        nf_std_fake_fault fault;
    } faults[MAX_FAULTS];
    unsigned nfaults;
    void (*pause)(void *ud);
    void *pause_ud;
    char last_path[256];
    struct held *held; /* NF_STD_FAKE_HOLD: copies waiting for nf_std_fake_release, oldest first */
    unsigned nheld, capheld;
};

/* A deep copy of a request (what a delayed packet carries). */
typedef struct held {
    nf_std_http_request rq;
    nf_std_http_header *h;
    char *method, *path, *body;
} held;

static void held_free(held *x) {
    for (size_t i = 0; i < x->rq.nheaders; i++) {
        free((char *)x->h[i].name);
        free((char *)x->h[i].value);
    }
    free(x->h);
    free(x->method);
    free(x->path);
    free(x->body);
}

static bool hold(nf_std_fake *f, const nf_std_http_request *rq) {
    if (f->nheld == f->capheld) {
        unsigned cap = f->capheld ? f->capheld * 2 : 4;
        held *v = realloc(f->held, cap * sizeof *v);
        if (!v) return false;
        f->held = v;
        f->capheld = cap;
    }
    held *x = &f->held[f->nheld];
    memset(x, 0, sizeof *x);
    x->method = strdup(rq->method);
    x->path = strdup(rq->path);
    x->h = calloc(rq->nheaders + 1, sizeof *x->h);
    x->body = rq->body ? malloc(rq->body_len + 1) : NULL;
    bool ok = x->method && x->path && x->h && (!rq->body || x->body);
    for (size_t i = 0; ok && i < rq->nheaders; i++, x->rq.nheaders++) {
        x->h[i].name = strdup(rq->headers[i].name);
        x->h[i].value = strdup(rq->headers[i].value);
        ok = x->h[i].name && x->h[i].value;
    }
    if (ok && rq->body) memcpy(x->body, rq->body, rq->body_len);
    x->rq = (nf_std_http_request){x->method,      x->path, x->h,
                                  x->rq.nheaders, x->body, rq->body ? rq->body_len : 0};
    if (!ok) {
        held_free(x);
        return false;
    }
    f->nheld++;
    return true;
}

static nf_std_fake_fault take_fault(nf_std_fake *f) {
    for (unsigned i = 0; i < f->nfaults; i++)
        if (f->faults[i].at == f->sent) {
            nf_std_fake_fault x = f->faults[i].fault;
            f->faults[i] = f->faults[--f->nfaults];
            return x;
        }
    return NF_STD_FAKE_NONE;
}

static nf_std_transport_status fake_send(void *ud, const nf_std_http_request *rq,
                                         nf_std_http_response *rs, char *err, size_t errn) {
    nf_std_fake *f = ud;
    memset(rs, 0, sizeof *rs);
    nf_std_fake_fault fault = take_fault(f);
    f->sent++;
    snprintf(f->last_path, sizeof f->last_path, "%s", rq->path);
    switch (fault) {
    case NF_STD_FAKE_DROP: snprintf(err, errn, "connection reset (fake)"); return NF_STD_NET_ERROR;
    case NF_STD_FAKE_FAIL500: {
        static const char body[] =
            "{\"error\": {\"type\": \"RuntimeError\", \"message\": \"boom\", \"retry\": false}}";
        rs->status = 500;
        rs->body = strdup(body);
        rs->body_len = rs->body ? sizeof body - 1 : 0;
        return NF_STD_NET_OK;
    }
    case NF_STD_FAKE_PAUSE:
        if (f->pause) f->pause(f->pause_ud);
        break;
    case NF_STD_FAKE_HOLD:
        if (!hold(f, rq)) break; /* out of memory: delivered now instead */
        snprintf(err, errn, "timeout: no answer (fake, the request is delayed)");
        return NF_STD_NET_ERROR;
    case NF_STD_FAKE_DUPLICATE:
        f->handler(f->ud, rq, rs); /* the first copy's answer goes nowhere */
        nf_std_http_response_free(rs);
        memset(rs, 0, sizeof *rs);
        break;
    default: break;
    }
    f->handler(f->ud, rq, rs);
    if (fault == NF_STD_FAKE_LOSE) {
        nf_std_http_response_free(rs);
        rs->status = 0;
        snprintf(err, errn, "timeout: no answer (fake)");
        return NF_STD_NET_ERROR;
    }
    if (fault == NF_STD_FAKE_TRUNCATE && rs->body) {
        rs->body_len /= 2;
        rs->body[rs->body_len] = '\0';
    }
    return NF_STD_NET_OK;
}

static void fake_destroy(void *ud) {
    nf_std_fake *f = ud;
    for (unsigned i = 0; i < f->nheld; i++)
        held_free(&f->held[i]);
    free(f->held);
    free(f);
}

unsigned nf_std_fake_release(nf_std_fake *f, unsigned max) {
    unsigned n = max && max < f->nheld ? max : f->nheld;
    if (!n) return 0;
    for (unsigned i = 0; i < n; i++) {
        nf_std_http_response rs = {0};
        f->handler(f->ud, &f->held[i].rq, &rs);
        nf_std_http_response_free(&rs);
        held_free(&f->held[i]);
    }
    memmove(f->held, f->held + n, (f->nheld - n) * sizeof *f->held);
    f->nheld -= n;
    return n;
}

unsigned nf_std_fake_held(const nf_std_fake *f) {
    return f->nheld;
}

void nf_std_fake_clear_faults(nf_std_fake *f) {
    f->nfaults = 0;
}

nf_std_transport *nf_std_transport_fake_new(nf_std_fake_handler handler, void *ud,
                                            nf_std_fake **fake) {
    nf_std_fake *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->handler = handler;
    f->ud = ud;
    f->iface.ud = f;
    f->iface.send = fake_send;
    f->iface.destroy = fake_destroy;
    if (fake) *fake = f;
    return &f->iface;
}

bool nf_std_fake_inject(nf_std_fake *f, unsigned nth, nf_std_fake_fault fault) {
    if (f->nfaults == MAX_FAULTS) return false;
    f->faults[f->nfaults].at = f->sent + nth;
    f->faults[f->nfaults].fault = fault;
    f->nfaults++;
    return true;
}

void nf_std_fake_on_pause(nf_std_fake *f, void (*pause)(void *ud), void *ud) {
    f->pause = pause;
    f->pause_ud = ud;
}

unsigned nf_std_fake_requests(const nf_std_fake *f) {
    return f->sent;
}

const char *nf_std_fake_last_path(const nf_std_fake *f) {
    return f->last_path;
}
