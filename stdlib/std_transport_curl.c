/* std_transport_curl.c — the sync transport on libcurl: one easy handle per transport (its
 * connection is reused between requests), TLS verification always on, plain HTTP only to
 * 127.0.0.1 (tests), no redirects, connect timeout 10 s, a request abandoned after 30 s without
 * progress, answers at most 256 MB. Nothing is logged: curl's verbose mode stays off, and
 * messages never hold headers or bodies (credentials travel there only).
 *
 * libcurl is loaded with dlopen the first time a transport is made, not linked: it pulls in
 * some thirty libraries (TLS, HTTP/2, IDN, LDAP, …) whose loading would cost every `nanoflow`
 * process about 5 ms at start-up, sync or not. */
#define CURL_DISABLE_TYPECHECK /* the calls go through the function table below */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* libcurl's functions, resolved once. */
typedef struct curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *h, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *h);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *h);
    void (*easy_reset)(CURL *h);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
} curl_api;

/* Loading libcurl and curl_global_init are process-wide by their nature (curl_global_init is
 * not thread-safe before 7.84): both run once, whichever runtime asks first, and are never
 * undone. These statics are written only under curl_once, and read after it. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ready;
static curl_api api;
static char curl_missing[200];

static bool resolve(void *lib, void **fn, const char *name) {
    *fn = dlsym(lib, name);
    if (!*fn) snprintf(curl_missing, sizeof curl_missing, "libcurl has no %s", name);
    return *fn != NULL;
}

static void curl_init_once(void) {
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        snprintf(curl_missing, sizeof curl_missing, "libcurl cannot be loaded (%s)",
                 why ? why : "not found");
        return;
    }
    /* object pointers from dlsym become function pointers through memcpy (ISO C has no
     * conversion between them; POSIX guarantees the representation) */
    struct {
        void *p;
        const char *name;
        void *dst;
        size_t size;
    } fns[] = {
        {NULL, "curl_global_init", &api.global_init, sizeof api.global_init},
        {NULL, "curl_easy_init", &api.easy_init, sizeof api.easy_init},
        {NULL, "curl_easy_setopt", &api.easy_setopt, sizeof api.easy_setopt},
        {NULL, "curl_easy_perform", &api.easy_perform, sizeof api.easy_perform},
        {NULL, "curl_easy_getinfo", &api.easy_getinfo, sizeof api.easy_getinfo},
        {NULL, "curl_easy_cleanup", &api.easy_cleanup, sizeof api.easy_cleanup},
        {NULL, "curl_easy_reset", &api.easy_reset, sizeof api.easy_reset},
        {NULL, "curl_easy_strerror", &api.easy_strerror, sizeof api.easy_strerror},
        {NULL, "curl_slist_append", &api.slist_append, sizeof api.slist_append},
        {NULL, "curl_slist_free_all", &api.slist_free_all, sizeof api.slist_free_all},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        if (!resolve(lib, &fns[i].p, fns[i].name)) return;
        memcpy(fns[i].dst, &fns[i].p, fns[i].size);
    }
    curl_ready = api.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!curl_ready) snprintf(curl_missing, sizeof curl_missing, "curl_global_init failed");
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

/* Keeps the Range and ETag headers of the answer (file transfers); the rest is not needed. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud) {
    nf_std_http_response *rs = ud;
    size_t n = size * nmemb;
    static const struct {
        const char *name;
        size_t off;
    } keep[] = {{"range:", offsetof(nf_std_http_response, range)},
                {"etag:", offsetof(nf_std_http_response, etag)}};
    for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
        size_t kl = strlen(keep[k].name);
        if (n <= kl || strncasecmp(data, keep[k].name, kl) != 0) continue;
        const char *v = data + kl, *e = data + n;
        while (v < e && (*v == ' ' || *v == '\t'))
            v++;
        while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
            e--;
        char *out = (char *)rs + keep[k].off;
        snprintf(out, 64, "%.*s", (int)(e - v < 63 ? e - v : 63), v);
    }
    return n;
}

static nf_std_transport_status curl_send(void *ud, const nf_std_http_request *rq,
                                         nf_std_http_response *rs, char *err, size_t errn) {
    curl_transport *t = ud;
    memset(rs, 0, sizeof *rs);
    CURL *h = t->h;
    api.easy_reset(h);
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
        struct curl_slist *nh = api.slist_append(hdrs, line);
        free(line);
        if (!nh) ok = false;
        hdrs = nh ? nh : hdrs;
    }
    /* no "Expect: 100-continue" round trip for big bodies */
    struct curl_slist *nh = ok ? api.slist_append(hdrs, "Expect:") : NULL;
    if (!nh) ok = false;
    hdrs = nh ? nh : hdrs;
    if (!ok) {
        api.slist_free_all(hdrs);
        free(url);
        snprintf(err, errn, "out of memory");
        return NF_STD_NET_ERROR;
    }
    sink b = {0};
    char ebuf[CURL_ERROR_SIZE] = "";
    api.easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    api.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    api.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    api.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    api.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    api.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    api.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
    api.easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    api.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    api.easy_setopt(h, CURLOPT_WRITEDATA, &b);
    api.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    api.easy_setopt(h, CURLOPT_HEADERDATA, rs);
    api.easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    if (strcmp(rq->method, "GET") == 0) {
        api.easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(rq->method, "HEAD") == 0) {
        api.easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        api.easy_setopt(h, CURLOPT_POST, 1L);
        api.easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        api.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        if (strcmp(rq->method, "POST") != 0) api.easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
    }
    CURLcode rc = api.easy_perform(h);
    api.slist_free_all(hdrs);
    free(url);
    if (rc != CURLE_OK) {
        free(b.p);
        if (b.too_big)
            snprintf(err, errn, "the server's answer is larger than %zu MB", MAX_RESPONSE >> 20);
        else
            snprintf(err, errn, "%s", ebuf[0] ? ebuf : api.easy_strerror(rc));
        return NF_STD_NET_ERROR;
    }
    long status = 0;
    api.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    rs->status = (int)status;
    rs->body = b.p;
    rs->body_len = b.len;
    return NF_STD_NET_OK;
}

static void curl_destroy(void *ud) {
    curl_transport *t = ud;
    if (!t) return;
    api.easy_cleanup(t->h);
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
        snprintf(err, errn, "cannot synchronize: %s", curl_missing);
        return NULL;
    }
    curl_transport *t = calloc(1, sizeof *t);
    if (!t || !(t->h = api.easy_init()) || !(t->base = strdup(base_url))) {
        if (t && t->h) api.easy_cleanup(t->h);
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
