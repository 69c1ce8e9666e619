/* sim.h — the fault-injection simulator of the sync client and server (docs/sync-client.md,
 * "Fault-injection suite"). One scenario: the real server (server/, in process, on a database
 * file) and 1–5 devices (nf_runtime, each with its own database and a demo user; some share
 * one) talking through the fake transport, which drops, loses, duplicates, delays, fails and
 * cuts requests; the server is killed mid-request and restarted from its file. Everything is
 * driven by one seeded PRNG, so a seed replays exactly. The oracle (what each device
 * committed, recorded here, not read back from the implementation) and the checker are in
 * sim_check.c, the server side and the transport glue in sim_server.c. */
#ifndef NF_SIM_H
#define NF_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nanoflow.h"
#include "srv.h"
#include "std_api.h"
#include "std_transport.h"

#define SIM_MAX_CLIENTS 5
#define SIM_MAX_WRITES  1024

/* The app's offline entities the simulator writes (tests/sim/app.mdl). */
enum { E_ITEM, E_NOTE, E_MEMO, E_COUNT };
extern const char *const sim_entity_table[E_COUNT]; /* "Sim.Item" … */

typedef struct sim_rng {
    uint64_t s;
} sim_rng;
uint64_t sim_rng_next(sim_rng *r);
uint32_t sim_rng_below(sim_rng *r, uint32_t n);

/* One acknowledged local save (a flow that committed it returned without error). */
typedef struct sim_write {
    char stamp[24]; /* unique per write: how the checker finds it on the server */
    int client, ent, key, n;
    char text[16]; /* Items: the Text written, when set_text */
    bool set_text;
} sim_write;

/* The last acknowledged operation of a device on an object. */
typedef struct sim_last {
    int client, ent, key;
    int write; /* index into writes, -1: deleted */
} sim_last;

struct sim;
typedef struct sim_client {
    struct sim *sim;
    int idx;
    int user; /* 0..2: u1..u3 */
    nf_runtime *rt;
    nf_std_fake *fake;
    int crash_request; /* the request number (nf_std_fake_requests) at which the server dies */
    int crash_commits; /* … after this many commits of that request */
    bool in_pause;
} sim_client;

typedef struct sim {
    uint64_t seed;
    bool verbose;
    sim_rng r;
    nf_module *mod;
    char dir[256], db[300];
    nf_srv *srv;
    FILE *srv_log;
    int commits_left; /* crash countdown while a crash is armed (-1: none) */
    bool crashed;     /* the server "died" during the current request */
    int nclients;
    sim_client cl[SIM_MAX_CLIENTS];
    sim_write w[SIM_MAX_WRITES];
    int nw;
    sim_last last[SIM_MAX_WRITES];
    int nlast;
    int next_key, next_stamp;
    unsigned restarts, faults, held_delivered;
    char fail[2048]; /* the first failure */
} sim;

/* ---- sim_server.c ---- */
/* Opens (or reopens) the server on s->db; false with s->fail set. */
bool sim_server_open(sim *s);
void sim_server_close(sim *s);
/* The fake transport's handler: the request through nf_srv_handle (ud: a sim_client). */
void sim_server_handle(void *ud, const nf_std_http_request *rq, nf_std_http_response *rs);

/* ---- sim_check.c ---- */
void sim_record_save(sim *s, int client, int ent, int key, const char *stamp, int n,
                     const char *text, bool set_text);
void sim_record_delete(sim *s, int client, int ent, int key);
/* After the clean synchronization: the three properties (docs/sync-client.md). False with
 * s->fail set. The server must be closed. */
bool sim_check(sim *s);

void sim_failf(sim *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
