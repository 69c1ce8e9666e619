/* srv_core.c — one request, independent of HTTP: the headers every request must carry (§2),
 * routing, error bodies (§9), strict JSON bodies, and the request log. The libmicrohttpd side
 * (srv_http.c) and in-process callers (nf_srv_handle: tests, fuzzers) both come through here. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srv_int.h"

#define MAX_JSON_DEPTH 64

void nf_srv_logf(nf_srv *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(s->log, fmt, ap);
    va_end(ap);
    fputc('\n', s->log);
    fflush(s->log);
}

bool nf_srv_error(nf_srv_call *c, int status, const char *type, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_decref(c->reply);
    c->status = status;
    c->reply = json_pack("{s:{s:s,s:s,s:b}}", "error", "type", type, "message", msg, "retry",
                         status == 429 || status == 503);
    if (!c->reply) /* the message quoted input that is not UTF-8 */
        c->reply = json_pack("{s:{s:s,s:s,s:b}}", "error", "type", type, "message",
                             "the request is not valid (and its text not UTF-8)", "retry", false);
    return false;
}

const char *nf_srv_arg(nf_srv_call *c, const char *name) {
    return c->rq->arg ? c->rq->arg(c->rq->ud, name) : NULL;
}

const char *nf_srv_header(nf_srv_call *c, const char *name) {
    return c->rq->header ? c->rq->header(c->rq->ud, name) : NULL;
}

static int depth_of(json_t *v, int limit) {
    if (limit < 0) return 1;
    int d = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            int e = depth_of(x, limit - 1);
            if (e > d) d = e;
        }
        return d + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            int e = depth_of(x, limit - 1);
            if (e > d) d = e;
        }
        return d + 1;
    }
    return 0;
}

json_t *nf_srv_body_json(nf_srv_call *c) {
    json_error_t je;
    json_t *j = json_loadb(c->body ? c->body : "", c->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        nf_srv_error(c, 400, "ModelError", "malformed JSON: %s (at byte %d)", je.text, je.position);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        nf_srv_error(c, 400, "ModelError", "the body must be a JSON object");
        return NULL;
    }
    if (depth_of(j, MAX_JSON_DEPTH + 1) > MAX_JSON_DEPTH) {
        json_decref(j);
        nf_srv_error(c, 400, "ModelError", "JSON nested deeper than %d levels", MAX_JSON_DEPTH);
        return NULL;
    }
    return j;
}

/* ---- routing ----------------------------------------------------------------------------------
 */

static bool is_hex(const char *v, size_t n) {
    if (!v || strlen(v) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f'))) return false;
    return true;
}

static void route(nf_srv_call *c) {
    const char *p = c->path;
    bool post = strcmp(c->method, "POST") == 0, get = strcmp(c->method, "GET") == 0;
    if (strncmp(p, "/nf/v1/", 7) != 0) {
        nf_srv_error(c, 404, "ModelError", "no such endpoint: the protocol's paths start /nf/v1/");
        return;
    }
    p += 7;
    const char *model = nf_srv_header(c, "X-NF-Model");
    if (!model || strcmp(model, c->s->model_hash) != 0) {
        nf_srv_error(c, 409, "ModelError",
                     "the app's model (%s) differs from the server's: update the app",
                     is_hex(model, 16) ? model : "missing");
        return;
    }
    const char *client = nf_srv_header(c, "X-NF-Client");
    if (client && !is_hex(client, 32)) {
        nf_srv_error(c, 400, "ModelError", "X-NF-Client must be 32 lowercase hex digits");
        return;
    }
    if (client) memcpy(c->client, client, 33);
    if (strcmp(p, "login") == 0) {
        if (!post) {
            nf_srv_error(c, 405, "ModelError", "login takes POST");
            return;
        }
        nf_srv_login(c);
        return;
    }
    bool call = !strncmp(p, "call/", 5), files = !strncmp(p, "files/", 6);
    bool known =
        call || files || !strcmp(p, "logout") || !strcmp(p, "upload") || !strcmp(p, "download");
    if (!known) {
        nf_srv_error(c, 404, "ModelError", "no such endpoint: /nf/v1/%.100s", p);
        return;
    }
    if (!nf_srv_authenticate(c)) return;
    if (!strcmp(p, "logout") && post)
        nf_srv_logout(c);
    else if (!strcmp(p, "upload") && post)
        nf_srv_upload(c);
    else if (!strcmp(p, "download") && get)
        nf_srv_download(c);
    else if (call && post)
        nf_srv_call_microflow(c, p + 5);
    else if (files)
        nf_srv_files(c, p + 6);
    else
        nf_srv_error(c, 405, "ModelError", "%s does not take %s", c->path, c->method);
}

/* ---- one request --------------------------------------------------------------------------- */

static double ms_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

void nf_srv_clean_id(const char *in, char out[65]) {
    size_t k = 0;
    for (; in && *in && k < 64; in++)
        if (*in > ' ' && *in < 127 && *in != '"') out[k++] = *in;
    out[k] = '\0';
}

/* A path or method for the log: at most n-1 bytes, anything but printable ASCII as '?' (no
 * line breaks or escape sequences from a client reach the log). */
static void clean_text(const char *in, char *out, size_t n) {
    size_t k = 0;
    for (; in && *in && k + 1 < n; in++)
        out[k++] = *in > ' ' && *in < 127 ? *in : '?';
    out[k] = '\0';
}

void nf_srv_response_free(nf_srv_response *r) {
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

size_t nf_srv_body_limit(const nf_srv *s, const char *path) {
    return path && !strncmp(path, "/nf/v1/files/", 13) ? s->cfg.max_file : s->cfg.max_body;
}

int nf_srv_handle_ex(nf_srv *s, const nf_srv_request *rq, bool too_big,
                     const struct timespec *start, nf_srv_response *out) {
    nf_srv_call c = {.s = s, .rq = rq, .status = 200};
    c.method = rq->method ? rq->method : "";
    c.path = rq->path ? rq->path : "";
    c.body = rq->body;
    c.body_len = rq->body ? rq->body_len : 0;
    if (too_big)
        nf_srv_error(&c, 413, "LimitExceeded", "the request body exceeds %zu bytes",
                     nf_srv_body_limit(s, c.path));
    else if (atomic_load(&s->stopped))
        nf_srv_error(&c, 503, "ConnectionError", "the server is shutting down");
    else
        route(&c);
    memset(out, 0, sizeof *out);
    if (c.reply) {
        out->body = json_dumps(c.reply, JSON_COMPACT);
        if (!out->body) c.status = 500; /* out of memory */
        out->len = out->body ? strlen(out->body) : 0;
        out->content_type = "application/json";
    } else if (c.raw) {
        out->body = c.raw;
        out->len = c.raw_len;
        out->content_type = c.raw_type ? c.raw_type : "application/octet-stream";
        c.raw = NULL;
    }
    out->status = c.status;
    memcpy(out->range, c.range, sizeof out->range);
    memcpy(out->etag, c.etag, sizeof out->etag);
    /* the request log: never bodies, tokens or passwords */
    char rid[65], method[16], path[256];
    nf_srv_clean_id(nf_srv_header(&c, "X-NF-Request"), rid);
    clean_text(c.method, method, sizeof method);
    clean_text(c.path, path, sizeof path);
    nf_srv_logf(s, "%s %s %d %.1fms client=%s user=%s req=%s", method, path, c.status,
                ms_since(start), *c.client ? c.client : "-", c.signed_in ? c.user.name : "-",
                *rid ? rid : "-");
    json_decref(c.reply);
    free(c.raw);
    nf_srv_user_free(&c.user);
    return c.status;
}

int nf_srv_handle(nf_srv *s, const nf_srv_request *rq, nf_srv_response *out) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool too_big = rq->body_len > nf_srv_body_limit(s, rq->path);
    return nf_srv_handle_ex(s, rq, too_big, &start, out);
}
