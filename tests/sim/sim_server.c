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

void sim_server_handle(void *ud, const nf_std_http_request *rq, nf_std_http_response *rs) {
    sim_client *c = ud;
    sim *s = c->sim;
    memset(rs, 0, sizeof *rs);
    /* the request this is (the fake counted it before calling) */
    bool crash = c->crash_request >= 0 &&
                 (int)nf_std_fake_requests(c->fake) - 1 == c->crash_request && !c->in_pause;
    if (crash) {
        c->crash_request = -1;
        s->commits_left = c->crash_commits;
        s->crashed = false;
        sqlite3_commit_hook(s->srv->db, commit_hook, s);
    }
    if (!nf_srv_handle_http(s->srv, rq, rs)) abort();
    if (crash) {
        /* the process died during (or, when every commit went through, right after) this
         * request: whatever it answers never leaves (the fault is a lost answer), and a new
         * process opens the same file */
        sqlite3_commit_hook(s->srv->db, NULL, NULL);
        s->commits_left = -1;
        if (s->verbose)
            fprintf(stderr, "    server killed during %s %s (%s), restarted\n", rq->method,
                    rq->path, s->crashed ? "a commit failed" : "after its commits");
        sim_server_close(s);
        s->restarts++;
        if (!sim_server_open(s)) abort(); /* the database must survive a kill */
    }
}
