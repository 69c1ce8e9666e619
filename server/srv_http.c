/* srv_http.c — the HTTP side of the server (libmicrohttpd): binding to the given address only,
 * collecting bodies up to the limit, the headers every request must carry (§2), routing, error
 * bodies (§9), the request log, and the graceful stop. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "srv_int.h"

#define DEFAULT_MAX_BODY ((size_t)16 << 20)
#define MAX_JSON_DEPTH   64

/* Per connection: what the access handler collects across its calls. */
typedef struct req_state {
    char *body;
    size_t len, cap;
    bool too_big;
    struct timespec start;
} req_state;

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
    return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
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
    const char *model = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "X-NF-Model");
    if (!model || strcmp(model, c->s->model_hash) != 0) {
        nf_srv_error(c, 409, "ModelError",
                     "the app's model (%s) differs from the server's: update the app",
                     is_hex(model, 16) ? model : "missing");
        return;
    }
    const char *client = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "X-NF-Client");
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
    bool known = !strcmp(p, "logout") || !strcmp(p, "upload") || !strcmp(p, "download");
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
    else
        nf_srv_error(c, 405, "ModelError", "%s does not take %s", c->path, c->method);
}

/* ---- libmicrohttpd callbacks --------------------------------------------------------------- */

static double ms_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The request id as logged and echoed: printable ASCII without spaces, at most 64. */
static void clean_id(const char *in, char out[65]) {
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

static enum MHD_Result answer(struct MHD_Connection *conn, nf_srv_call *c, req_state *st) {
    char *text = NULL;
    if (c->reply) text = json_dumps(c->reply, JSON_COMPACT);
    if (c->reply && !text) { /* out of memory */
        c->status = 500;
    }
    size_t n = text ? strlen(text) : 0;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(n, text ? text : (void *)"", MHD_RESPMEM_MUST_COPY);
    free(text);
    if (!r) return MHD_NO;
    if (n) MHD_add_response_header(r, "Content-Type", "application/json");
    char rid[65];
    clean_id(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-NF-Request"), rid);
    if (*rid) MHD_add_response_header(r, "X-NF-Request", rid);
    if (c->status == 503 || c->status == 429) MHD_add_response_header(r, "Retry-After", "1");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)c->status, r);
    MHD_destroy_response(r);
    /* the request log: never bodies, tokens or passwords */
    char method[16], path[256];
    clean_text(c->method, method, sizeof method);
    clean_text(c->path, path, sizeof path);
    nf_srv_logf(c->s, "%s %s %d %.1fms client=%s user=%s req=%s", method, path, c->status,
                ms_since(&st->start), *c->client ? c->client : "-",
                c->signed_in ? c->user.name : "-", *rid ? rid : "-");
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls) {
    (void)version;
    nf_srv *s = cls;
    req_state *st = *con_cls;
    if (!st) { /* first call: headers only */
        st = calloc(1, sizeof *st);
        if (!st) return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        *con_cls = st;
        return MHD_YES;
    }
    if (*data_size) { /* a piece of the body */
        size_t n = *data_size;
        *data_size = 0;
        if (st->too_big || st->len + n > s->cfg.max_body) {
            st->too_big = true;
            return MHD_YES;
        }
        if (st->len + n + 1 > st->cap) {
            size_t cap = st->cap ? st->cap : 4096;
            while (cap < st->len + n + 1)
                cap *= 2;
            char *b = realloc(st->body, cap);
            if (!b) {
                st->too_big = true;
                return MHD_YES;
            }
            st->body = b;
            st->cap = cap;
        }
        memcpy(st->body + st->len, data, n);
        st->len += n;
        st->body[st->len] = '\0';
        return MHD_YES;
    }
    nf_srv_call c = {.s = s, .conn = conn, .method = method, .path = url, .status = 200};
    c.body = st->body;
    c.body_len = st->len;
    if (st->too_big)
        nf_srv_error(&c, 413, "LimitExceeded", "the request body exceeds %zu bytes",
                     s->cfg.max_body);
    else if (s->stopped)
        nf_srv_error(&c, 503, "ConnectionError", "the server is shutting down");
    else
        route(&c);
    enum MHD_Result r = answer(conn, &c, st);
    json_decref(c.reply);
    nf_srv_user_free(&c.user);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)conn;
    (void)toe;
    req_state *st = *con_cls;
    if (st) {
        free(st->body);
        free(st);
    }
    *con_cls = NULL;
}

/* ---- opening and stopping ------------------------------------------------------------------ */

static void store_report(void *ud, const char *message) {
    nf_srv_logf(ud, "database: %s", message);
}

/* Parses "HOST:PORT" or "[V6]:PORT" into a numeric socket address. */
static bool parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len, bool *v6,
                         char *err, size_t errn) {
    char host[256];
    const char *port;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host) goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host) goto bad;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        port = colon + 1;
    }
    if (!*host || !*port) goto bad;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    if (!strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) goto bad;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return true;
bad:
    snprintf(err, errn,
             "--listen needs HOST:PORT with a numeric address, like 127.0.0.1:8080 (got '%s')",
             listen);
    return false;
}

nf_srv *nf_srv_open(const nf_srv_config *cfg, char *err, size_t errn) {
    nf_srv *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->m = cfg->m;
    s->log = cfg->log ? cfg->log : stderr;
    if (!s->cfg.max_body) s->cfg.max_body = DEFAULT_MAX_BODY;
    if (!s->cfg.session_ttl_ms) s->cfg.session_ttl_ms = 24LL * 3600 * 1000;
    if (!s->cfg.listen) s->cfg.listen = "127.0.0.1:8080";
    snprintf(s->model_hash, sizeof s->model_hash, "%016llx", (unsigned long long)s->m->model_hash);
    struct sockaddr_storage ss;
    socklen_t sslen;
    bool v6;
    if (!parse_listen(s->cfg.listen, &ss, &sslen, &v6, err, errn)) goto fail;
    s->store = nf_std_store_open(s->m, cfg->db, store_report, s, err, errn);
    if (!s->store) goto fail;
    s->db = nf_std_store_db(s->store);
    nf_vm_config vc = {0};
    vc.store = nf_std_store_iface(s->store);
    s->vm = nf_vm_new(s->m, &vc);
    if (!s->vm) {
        snprintf(err, errn, "out of memory");
        goto fail;
    }
    if (!nf_srv_db_init(s, err, errn) || !nf_srv_seed_users(s, err, errn)) goto fail;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (v6) flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                                 (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                                 s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errn, "cannot listen on %s (in use, or not an address of this machine)",
                 s->cfg.listen);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    return s;
fail:
    nf_srv_close(s);
    return NULL;
}

unsigned nf_srv_port(const nf_srv *s) {
    return s->port;
}

void nf_srv_stop(nf_srv *s, int wait_ms) {
    if (!s->daemon) return;
    s->stopped = true;
    MHD_quiesce_daemon(s->daemon); /* no new connections */
    for (int waited = 0; waited < wait_ms; waited += 10) {
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0) break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
}

void nf_srv_close(nf_srv *s) {
    if (!s) return;
    nf_srv_stop(s, 5000);
    if (s->vm) nf_vm_free(s->vm);
    nf_std_store_close(s->store);
    free(s);
}
