/* srv_inproc.c — the server in process: one request as a client's transport sends it (a
 * percent-encoded target "path?name=value&…", headers, body) handled by nf_srv_handle, with
 * the answer in the transport's form. The test runner (`nanoflow test`) and the fault-injection
 * simulator put it behind the fake transport, so devices synchronize with the real server code
 * without sockets. Also the percent-decoding srv_http.c uses for libmicrohttpd. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv_int.h"

static int hex_digit(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

size_t nf_srv_unescape(char *text, size_t n, bool plus) {
    size_t w = 0;
    for (size_t r = 0; r < n; r++) {
        int hi = text[r] == '%' && r + 2 < n ? hex_digit(text[r + 1]) : -1;
        int lo = hi >= 0 ? hex_digit(text[r + 2]) : -1;
        if (lo >= 0 && (hi | lo) != 0) {
            text[w++] = (char)(hi * 16 + lo);
            r += 2;
        } else {
            text[w++] = plus && text[r] == '+' ? ' ' : text[r];
        }
    }
    text[w] = '\0';
    return w;
}

typedef struct inproc {
    const nf_std_http_request *rq;
    char *query; /* decoded "name=value" pairs, each NUL-terminated */
    size_t qlen;
} inproc;

static const char *inproc_header(void *ud, const char *name) {
    const inproc *r = ud;
    for (size_t i = 0; i < r->rq->nheaders; i++)
        if (strcasecmp(r->rq->headers[i].name, name) == 0) return r->rq->headers[i].value;
    return NULL;
}

static const char *inproc_arg(void *ud, const char *name) {
    const inproc *r = ud;
    size_t n = strlen(name);
    for (const char *p = r->query; p && p < r->query + r->qlen; p += strlen(p) + 1)
        if (strncmp(p, name, n) == 0 && p[n] == '=') return p + n + 1;
    return NULL;
}

bool nf_srv_handle_http(nf_srv *s, const nf_std_http_request *rq, nf_std_http_response *rs) {
    memset(rs, 0, sizeof *rs);
    const char *q = strchr(rq->path, '?');
    size_t plen = strlen(rq->path), pathlen = q ? (size_t)(q - rq->path) : plen;
    char *path = malloc(pathlen + 1), *query = q ? malloc(plen - pathlen) : NULL;
    if (!path || (q && !query)) {
        free(path);
        free(query);
        return false;
    }
    memcpy(path, rq->path, pathlen);
    nf_srv_unescape(path, pathlen, false);
    inproc r = {rq, query, 0};
    if (q) { /* name=value&… → decoded pairs, each NUL-terminated */
        const char *p = q + 1, *end = rq->path + plen;
        while (p < end) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            if (!amp) amp = end;
            size_t n = (size_t)(amp - p);
            memcpy(query + r.qlen, p, n);
            r.qlen += nf_srv_unescape(query + r.qlen, n, true) + 1;
            p = amp + 1;
        }
    }
    nf_srv_request sr = {rq->method, path, inproc_header, inproc_arg, &r, rq->body, rq->body_len};
    nf_srv_response out;
    memset(&out, 0, sizeof out);
    rs->status = nf_srv_handle(s, &sr, &out);
    free(path);
    free(query);
    rs->body = malloc(out.len + 1);
    bool ok = rs->body != NULL;
    if (ok) {
        if (out.len) memcpy(rs->body, out.body, out.len);
        rs->body[out.len] = '\0';
        rs->body_len = out.len;
    }
    snprintf(rs->range, sizeof rs->range, "%s", out.range);
    snprintf(rs->etag, sizeof rs->etag, "%s", out.etag);
    nf_srv_response_free(&out);
    return ok;
}
