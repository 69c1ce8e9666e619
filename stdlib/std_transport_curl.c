/* std_transport_curl.c — the sync transport on libcurl: one easy handle per transport (its
 * connection is reused between requests), TLS verification always on, plain HTTP only to
 * 127.0.0.1 (tests), no redirects, connect timeout 10 s, a request abandoned after 30 s without
 * progress, answers at most 256 MB. Nothing is logged: curl's verbose mode stays off, and
 * messages never hold headers or bodies (credentials travel there only). */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_transport.h"

#define MAX_RESPONSE ((size_t)256 << 20)

typedef struct curl_transport {
    nf_std_transport iface;
    CURL *h;
    char *base;
} curl_transport;

void nf_std_http_response_free(nf_std_http_response *rs) {
    free(rs->body);
    rs->body = NULL;
    rs->body_len = 0;
}

/* curl_global_init is process-wide by libcurl's design (not thread-safe before 7.84): it runs
 * once, whichever runtime asks first; it is never undone (curl_global_cleanup at exit is
 * optional). */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ready; /* written once under curl_once */
static void curl_init_once(void) {
    curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}
bool nf_std_curl_global_init(void) {
    pthread_once(&curl_once, curl_init_once);
    return curl_ready;
}

typedef struct sink {
    char *p;
    size_t len, cap;
    bool too_big;
} sink;

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud) {
    sink *b = ud;
    size_t n = size * nmemb;
    if (b->len + n + 1 > MAX_RESPONSE) {
        b->too_big = true;
        return 0; /* stops the transfer */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

static nf_std_transport_status curl_send(void *ud, const nf_std_http_request *rq,
                                         nf_std_http_response *rs, char *err, size_t errn) {
    curl_transport *t = ud;
    memset(rs, 0, sizeof *rs);
    CURL *h = t->h;
    curl_easy_reset(h);
    size_t ulen = strlen(t->base) + strlen(rq->path) + 1;
    char *url = malloc(ulen);
    if (!url) {
        snprintf(err, errn, "out of memory");
        return NF_STD_NET_ERROR;
    }
    snprintf(url, ulen, "%s%s", t->base, rq->path);
    struct curl_slist *hdrs = NULL;
    bool ok = true;
    for (size_t i = 0; ok && i < rq->nheaders; i++) {
        size_t n = strlen(rq->headers[i].name) + strlen(rq->headers[i].value) + 3;
        char *line = malloc(n);
        if (!line) {
            ok = false;
            break;
        }
        snprintf(line, n, "%s: %s", rq->headers[i].name, rq->headers[i].value);
        struct curl_slist *nh = curl_slist_append(hdrs, line);
        free(line);
        if (!nh) ok = false;
        hdrs = nh ? nh : hdrs;
    }
    /* no "Expect: 100-continue" round trip for big bodies */
    struct curl_slist *nh = ok ? curl_slist_append(hdrs, "Expect:") : NULL;
    if (!nh) ok = false;
    hdrs = nh ? nh : hdrs;
    if (!ok) {
        curl_slist_free_all(hdrs);
        free(url);
        snprintf(err, errn, "out of memory");
        return NF_STD_NET_ERROR;
    }
    sink b = {0};
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    if (strcmp(rq->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        if (strcmp(rq->method, "POST") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdrs);
    free(url);
    if (rc != CURLE_OK) {
        free(b.p);
        if (b.too_big)
            snprintf(err, errn, "the server's answer is larger than %zu MB", MAX_RESPONSE >> 20);
        else
            snprintf(err, errn, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
        return NF_STD_NET_ERROR;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    rs->status = (int)status;
    rs->body = b.p;
    rs->body_len = b.len;
    return NF_STD_NET_OK;
}

static void curl_destroy(void *ud) {
    curl_transport *t = ud;
    if (!t) return;
    curl_easy_cleanup(t->h);
    free(t->base);
    free(t);
}

/* https:// anywhere; http:// only to 127.0.0.1; no user or password in the URL. */
static bool url_allowed(const char *url, char *err, size_t errn) {
    const char *rest;
    if (strncmp(url, "https://", 8) == 0) {
        rest = url + 8;
    } else if (strncmp(url, "http://127.0.0.1", 16) == 0 &&
               (url[16] == '\0' || url[16] == ':' || url[16] == '/')) {
        rest = url + 7;
    } else {
        snprintf(err, errn,
                 "the server URL must start with https:// (plain http:// only to 127.0.0.1)");
        return false;
    }
    size_t host = strcspn(rest, "/?#");
    if (memchr(rest, '@', host)) {
        snprintf(err, errn,
                 "the server URL must not hold a user or password (use --user and "
                 "--password)");
        return false;
    }
    if (host == 0) {
        snprintf(err, errn, "the server URL has no host");
        return false;
    }
    return true;
}

nf_std_transport *nf_std_transport_curl_new(const char *base_url, char *err, size_t errn) {
    if (!base_url || !url_allowed(base_url, err, errn)) {
        if (!base_url) snprintf(err, errn, "no server URL");
        return NULL;
    }
    if (!nf_std_curl_global_init()) {
        snprintf(err, errn, "libcurl could not be initialized");
        return NULL;
    }
    curl_transport *t = calloc(1, sizeof *t);
    if (!t || !(t->h = curl_easy_init()) || !(t->base = strdup(base_url))) {
        if (t && t->h) curl_easy_cleanup(t->h);
        free(t);
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    size_t n = strlen(t->base);
    while (n > 0 && t->base[n - 1] == '/') /* paths start with '/' */
        t->base[--n] = '\0';
    t->iface.ud = t;
    t->iface.send = curl_send;
    t->iface.destroy = curl_destroy;
    return &t->iface;
}
