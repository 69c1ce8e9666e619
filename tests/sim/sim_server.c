/* sim_server.c — the real server in process for the simulator: opened without a socket on a
 * database file, each fake-transport request turned into an nf_srv_request, and the server's
 * death: a crash armed for one request makes its Nth SQLite commit (and every later one) fail,
 * as if the process died there — SQLite rolls the open transaction back, exactly what a kill
 * leaves on disk — then the server is closed and opened again from the same file. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"
#include "srv_int.h"

bool sim_server_open(sim *s) {
    nf_srv_config cfg = {0};
    cfg.m = &s->mod->bc;
    cfg.db = s->db;
    cfg.no_listen = true;
    cfg.log = s->srv_log;
    cfg.hash_prefix = "$5$rounds=1000$"; /* demo users hashed at each first start: keep it quick */
    char err[256];
    s->srv = nf_srv_open(&cfg, err, sizeof err);
    if (!s->srv) sim_failf(s, "the server does not open: %s", err);
    return s->srv != NULL;
}

void sim_server_close(sim *s) {
    if (s->srv) nf_srv_close(s->srv);
    s->srv = NULL;
}

/* SQLite's commit hook: non-zero turns the commit into a rollback. Once the countdown ran out
 * the "process" is dead: nothing commits any more. */
static int commit_hook(void *ud) {
    sim *s = ud;
    if (s->commits_left < 0) return 0;
    if (s->commits_left == 0) {
        s->crashed = true;
        return 1;
    }
    s->commits_left--;
    return 0;
}

typedef struct req {
    const nf_std_http_request *rq;
    char *names[16], *values[16];
    int n;
} req;

static const char *h_header(void *ud, const char *name) {
    req *r = ud;
    for (size_t i = 0; i < r->rq->nheaders; i++)
        if (!strcasecmp(r->rq->headers[i].name, name)) return r->rq->headers[i].value;
    return NULL;
}

static const char *h_arg(void *ud, const char *name) {
    req *r = ud;
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->names[i], name)) return r->values[i];
    return NULL;
}

static int hexval(char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static char *url_decode(const char *p, size_t n) {
    char *o = malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; o && i < n; i++) {
        if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
            o[k++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        } else {
            o[k++] = p[i] == '+' ? ' ' : p[i];
        }
    }
    if (o) o[k] = '\0';
    return o;
}

void sim_server_handle(void *ud, const nf_std_http_request *rq, nf_std_http_response *rs) {
    sim_client *c = ud;
    sim *s = c->sim;
    memset(rs, 0, sizeof *rs);
    req r = {rq, {0}, {0}, 0};
    const char *q = strchr(rq->path, '?');
    size_t plen = q ? (size_t)(q - rq->path) : strlen(rq->path);
    char *path = strndup(rq->path, plen);
    for (const char *p = q ? q + 1 : NULL; p && *p && r.n < 16;) {
        const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq) {
            r.names[r.n] = url_decode(p, (size_t)(eq - p));
            r.values[r.n] = url_decode(eq + 1, (size_t)(end - eq - 1));
            r.n++;
        }
        p = amp ? amp + 1 : NULL;
    }
    /* the request this is (the fake counted it before calling) */
    bool crash = c->crash_request >= 0 &&
                 (int)nf_std_fake_requests(c->fake) - 1 == c->crash_request && !c->in_pause;
    if (crash) {
        c->crash_request = -1;
        s->commits_left = c->crash_commits;
        s->crashed = false;
        sqlite3_commit_hook(s->srv->db, commit_hook, s);
    }
    nf_srv_request sr = {rq->method, path, h_header, h_arg, &r, rq->body, rq->body_len};
    nf_srv_response out;
    int status = nf_srv_handle(s->srv, &sr, &out);
    if (crash) {
        /* the process died during (or, when every commit went through, right after) this
         * request: whatever it answers never leaves (the fault is a lost answer), and a new
         * process opens the same file */
        sqlite3_commit_hook(s->srv->db, NULL, NULL);
        s->commits_left = -1;
        if (s->verbose)
            fprintf(stderr, "    server killed during %s %s (%s), restarted\n", rq->method, path,
                    s->crashed ? "a commit failed" : "after its commits");
        sim_server_close(s);
        s->restarts++;
        if (!sim_server_open(s)) abort(); /* the database must survive a kill */
    }
    rs->status = status;
    if (out.body) {
        rs->body = malloc(out.len + 1);
        if (rs->body) {
            memcpy(rs->body, out.body, out.len);
            rs->body[out.len] = '\0';
            rs->body_len = out.len;
        }
    }
    nf_srv_response_free(&out);
    for (int i = 0; i < r.n; i++) {
        free(r.names[i]);
        free(r.values[i]);
    }
    free(path);
}
