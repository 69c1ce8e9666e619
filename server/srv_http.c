/* srv_http.c — the HTTP side of the server (libmicrohttpd): binding to the given address only,
 * collecting bodies up to the limit, answering with what srv_core.c decides, and the graceful
 * stop; opening and closing the server. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <microhttpd.h>
#include <pthread.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "srv_int.h"

/* libmicrohttpd is loaded with dlopen when a server starts listening, not linked: with GnuTLS
 * it brings ten libraries whose loading would cost every `nanoflow` process (check, run, …)
 * about 3 ms at start-up. Its functions, resolved once per process (a dynamic library is
 * process-wide by nature): written only under mhd_once, read after it. */
typedef struct mhd_api {
    struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
                                       MHD_AcceptPolicyCallback apc, void *apc_cls,
                                       MHD_AccessHandlerCallback dh, void *dh_cls, ...);
    void (*stop_daemon)(struct MHD_Daemon *d);
    MHD_socket (*quiesce_daemon)(struct MHD_Daemon *d);
    const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *d,
                                                   enum MHD_DaemonInfoType type, ...);
    const char *(*lookup_connection_value)(struct MHD_Connection *c, enum MHD_ValueKind kind,
                                           const char *key);
    struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer,
                                                        enum MHD_ResponseMemoryMode mode);
    enum MHD_Result (*add_response_header)(struct MHD_Response *r, const char *header,
                                           const char *content);
    enum MHD_Result (*queue_response)(struct MHD_Connection *c, unsigned int status,
                                      struct MHD_Response *r);
    void (*destroy_response)(struct MHD_Response *r);
} mhd_api;

static pthread_once_t mhd_once = PTHREAD_ONCE_INIT;
static mhd_api mhd;
static char mhd_missing[200];

static void mhd_load(void) {
    void *lib = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libmicrohttpd.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        snprintf(mhd_missing, sizeof mhd_missing, "libmicrohttpd cannot be loaded (%s)",
                 why ? why : "not found");
        return;
    }
    /* dlsym gives object pointers; memcpy turns them into function pointers (POSIX) */
    struct {
        const char *name;
        void *dst;
        size_t size;
    } fns[] = {
        {"MHD_start_daemon", &mhd.start_daemon, sizeof mhd.start_daemon},
        {"MHD_stop_daemon", &mhd.stop_daemon, sizeof mhd.stop_daemon},
        {"MHD_quiesce_daemon", &mhd.quiesce_daemon, sizeof mhd.quiesce_daemon},
        {"MHD_get_daemon_info", &mhd.get_daemon_info, sizeof mhd.get_daemon_info},
        {"MHD_lookup_connection_value", &mhd.lookup_connection_value,
         sizeof mhd.lookup_connection_value},
        {"MHD_create_response_from_buffer", &mhd.create_response_from_buffer,
         sizeof mhd.create_response_from_buffer},
        {"MHD_add_response_header", &mhd.add_response_header, sizeof mhd.add_response_header},
        {"MHD_queue_response", &mhd.queue_response, sizeof mhd.queue_response},
        {"MHD_destroy_response", &mhd.destroy_response, sizeof mhd.destroy_response},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        void *p = dlsym(lib, fns[i].name);
        if (!p) {
            snprintf(mhd_missing, sizeof mhd_missing, "libmicrohttpd has no %s", fns[i].name);
            memset(&mhd, 0, sizeof mhd);
            return;
        }
        memcpy(fns[i].dst, &p, fns[i].size);
    }
}

static bool mhd_ready(void) {
    pthread_once(&mhd_once, mhd_load);
    return mhd.start_daemon != NULL;
}

#define DEFAULT_MAX_BODY ((size_t)16 << 20)

/* Per connection: what the access handler collects across its calls. */
typedef struct req_state {
    char *body;
    size_t len, cap;
    bool too_big;
    struct timespec start;
} req_state;

/* ---- libmicrohttpd callbacks --------------------------------------------------------------- */

static const char *mhd_header(void *ud, const char *name) {
    return mhd.lookup_connection_value(ud, MHD_HEADER_KIND, name);
}

static const char *mhd_arg(void *ud, const char *name) {
    return mhd.lookup_connection_value(ud, MHD_GET_ARGUMENT_KIND, name);
}

/* Escapes in the path and the query: decoded as everywhere in the server (nf_srv_unescape),
 * %00 left encoded. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *text) {
    (void)cls;
    (void)conn;
    return nf_srv_unescape(text, strlen(text), false);
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
        if (st->too_big || st->len + n > nf_srv_body_limit(s, url)) {
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
    nf_srv_request rq = {method, url, mhd_header, mhd_arg, conn, st->body, st->len};
    nf_srv_response out;
    int status = nf_srv_handle_ex(s, &rq, st->too_big, &st->start, &out);
    struct MHD_Response *r = mhd.create_response_from_buffer(
        out.len, out.body ? out.body : (void *)"", MHD_RESPMEM_MUST_COPY);
    bool head = !strcmp(method, "HEAD");
    nf_srv_response_free(&out);
    if (!r) return MHD_NO;
    if (out.content_type && !head) mhd.add_response_header(r, "Content-Type", out.content_type);
    if (*out.range) mhd.add_response_header(r, "Range", out.range);
    if (*out.etag) mhd.add_response_header(r, "ETag", out.etag);
    char rid[65];
    nf_srv_clean_id(mhd_header(conn, "X-NF-Request"), rid);
    if (*rid) mhd.add_response_header(r, "X-NF-Request", rid);
    if (status == 503 || status == 429) mhd.add_response_header(r, "Retry-After", "1");
    enum MHD_Result ret = mhd.queue_response(conn, (unsigned)status, r);
    mhd.destroy_response(r);
    return ret;
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
    if (!s->cfg.max_file) s->cfg.max_file = (size_t)50 << 20;
    if (!s->cfg.session_ttl_ms) s->cfg.session_ttl_ms = 24LL * 3600 * 1000;
    if (!s->cfg.listen) s->cfg.listen = "127.0.0.1:8080";
    snprintf(s->model_hash, sizeof s->model_hash, "%016llx", (unsigned long long)s->m->model_hash);
    struct sockaddr_storage ss = {0};
    socklen_t sslen = 0;
    bool v6 = false;
    if (!cfg->no_listen && !parse_listen(s->cfg.listen, &ss, &sslen, &v6, err, errn)) goto fail;
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
    if (cfg->no_listen) return s;
    if (!mhd_ready()) {
        snprintf(err, errn, "cannot serve: %s", mhd_missing);
        goto fail;
    }
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (v6) flags |= MHD_USE_IPv6;
    s->daemon = mhd.start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                                 (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                                 s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
                                 MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errn, "cannot listen on %s (in use, or not an address of this machine)",
                 s->cfg.listen);
        goto fail;
    }
    const union MHD_DaemonInfo *info = mhd.get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
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
    mhd.quiesce_daemon(s->daemon); /* no new connections */
    for (int waited = 0; waited < wait_ms; waited += 10) {
        const union MHD_DaemonInfo *info =
            mhd.get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0) break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    mhd.stop_daemon(s->daemon);
    s->daemon = NULL;
}

void nf_srv_close(nf_srv *s) {
    if (!s) return;
    nf_srv_stop(s, 5000);
    if (s->vm) nf_vm_free(s->vm);
    nf_std_store_close(s->store);
    free(s);
}
