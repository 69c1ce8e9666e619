/* sync_sim.c — the fault-injection suite's driver (docs/sync-client.md, "Fault-injection
 * suite"): seeded random scenarios against the real server and client code in process.
 *
 *   sync_sim [--seeds A..B | --seed N] [--verbose] [--app PATH]
 *
 * Default: seeds 1..1000 (NF_SIM_SEEDS=A..B overrides it, e.g. for sanitizer builds). A failing
 * scenario prints its seed, what broke and the command that replays it. Each scenario:
 * 1–5 devices (users u1–u3, so some share a user), each synchronizes once cleanly to sign in;
 * then 10–40 random steps — devices create, change and delete objects offline (sometimes two in
 * one commit), synchronize all / unsynchronized / one object while the transport drops,
 * loses, duplicates, delays (delivered later, after newer requests), fails (500) or cuts
 * requests, the server is killed mid-request and restarted from its file, and flows commit
 * "during" a synchronization; delayed requests are delivered at random later moments. At the
 * end every delayed request arrives, every device synchronizes twice without faults, and
 * sim_check.c's checker runs. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "std_store.h"

uint64_t sim_rng_next(sim_rng *r) { /* splitmix64: small, and the same on every platform */
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
uint32_t sim_rng_below(sim_rng *r, uint32_t n) {
    return n ? (uint32_t)(sim_rng_next(r) % n) : 0;
}
static bool chance(sim *s, unsigned percent) {
    return sim_rng_below(&s->r, 100) < percent;
}

static const char *const passwords[3] = {"Pass-u1-1", "Pass-u2-1", "Pass-u3-1"};

static void say(sim *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void say(sim *s, const char *fmt, ...) {
    if (!s->verbose) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* Runs flow with text arguments; its result as text in out ("" for none), or false with the
 * error in out. */
static bool run(sim_client *c, const char *flow, const char *const *names, const char *const *vals,
                size_t n, char *out, size_t outn) {
    nf_value *v = NULL;
    bool ok = nf_call_text(c->rt, flow, names, vals, n, &v) == NF_OK;
    if (!ok) {
        snprintf(out, outn, "%s", nf_runtime_error_message(c->rt));
    } else {
        char *t = v ? nf_value_to_text(v) : NULL;
        snprintf(out, outn, "%s", t ? t : "");
        nf_free(t);
    }
    nf_value_free(v);
    return ok;
}

/* A random key of entity e the device holds (not deleted locally), or -1. */
static int pick_key(sim *s, sim_client *c, int e) {
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT Key FROM \"%s\" WHERE _state != 3 AND Key IS NOT NULL",
             sim_entity_table[e]);
    sqlite3 *db = nf_std_store_db(c->rt->store);
    sqlite3_stmt *st;
    int keys[256], n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    while (n < 256 && sqlite3_step(st) == SQLITE_ROW)
        keys[n++] = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n ? keys[sim_rng_below(&s->r, (uint32_t)n)] : -1;
}

/* ---- offline work ---------------------------------------------------------------------------- */

static void next_stamp(sim *s, char out[24]) {
    snprintf(out, 24, "s%d", ++s->next_stamp);
}

/* One random local change on device c: create (one or two objects), change or delete. */
static void local_step(sim *s, sim_client *c) {
    char out[512], stamp[24], stamp2[24], key[16], key2[16], n[16], ik[16];
    int e = (int)sim_rng_below(&s->r, E_COUNT), what = (int)sim_rng_below(&s->r, 10);
    int k = what >= 4 ? pick_key(s, c, e) : -1;
    if (k < 0) what = 0; /* nothing to change: create */
    int nv = (int)sim_rng_below(&s->r, 1000);
    snprintf(n, sizeof n, "%d", nv);
    next_stamp(s, stamp);
    if (what < 4) { /* create */
        int nk = ++s->next_key;
        snprintf(key, sizeof key, "%d", nk);
        if (e == E_ITEM && chance(s, 25)) { /* two in one commit: one unit */
            int nk2 = ++s->next_key;
            snprintf(key2, sizeof key2, "%d", nk2);
            next_stamp(s, stamp2);
            const char *names[] = {"Key", "Stamp", "Key2", "Stamp2", "N"};
            const char *vals[] = {key, stamp, key2, stamp2, n};
            say(s, "  device %d: new items %d, %d (%s, %s)\n", c->idx, nk, nk2, stamp, stamp2);
            if (run(c, "Sim.NewItems", names, vals, 5, out, sizeof out)) {
                sim_record_save(s, c->idx, E_ITEM, nk, stamp, nv, "a", true);
                sim_record_save(s, c->idx, E_ITEM, nk2, stamp2, nv, "b", true);
            } else {
                say(s, "    failed: %s\n", out);
            }
            return;
        }
        const char *text = chance(s, 6) ? "reject" : chance(s, 50) ? "x" : "y";
        bool ok;
        if (e == E_ITEM) {
            const char *names[] = {"Key", "Stamp", "N", "Text"}, *vals[] = {key, stamp, n, text};
            ok = run(c, "Sim.NewItem", names, vals, 4, out, sizeof out);
        } else if (e == E_NOTE) {
            const char *names[] = {"Key", "Stamp", "N"}, *vals[] = {key, stamp, n};
            ok = run(c, "Sim.NewNote", names, vals, 3, out, sizeof out);
        } else {
            snprintf(ik, sizeof ik, "%d", pick_key(s, c, E_ITEM));
            const char *names[] = {"Key", "Stamp", "N", "ItemKey"};
            const char *vals[] = {key, stamp, n, ik};
            ok = run(c, "Sim.NewMemo", names, vals, 4, out, sizeof out);
        }
        say(s, "  device %d: new %s %d (%s)%s%s\n", c->idx, sim_entity_table[e], nk, stamp,
            ok ? "" : " failed: ", ok ? "" : out);
        if (ok) sim_record_save(s, c->idx, e, nk, stamp, nv, text, true);
        return;
    }
    snprintf(key, sizeof key, "%d", k);
    if (what < 8) { /* change */
        bool ok, set_text = e == E_ITEM && chance(s, 50);
        const char *text = chance(s, 8) ? "reject" : chance(s, 50) ? "x" : "y";
        if (e == E_ITEM) {
            const char *names[] = {"Key", "Stamp", "N", "Text", "SetText"};
            const char *vals[] = {key, stamp, n, text, set_text ? "true" : "false"};
            ok = run(c, "Sim.SetItem", names, vals, 5, out, sizeof out);
        } else {
            const char *names[] = {"Key", "Stamp", "N"}, *vals[] = {key, stamp, n};
            ok = run(c, e == E_NOTE ? "Sim.SetNote" : "Sim.SetMemo", names, vals, 3, out,
                     sizeof out);
        }
        say(s, "  device %d: change %s %d (%s)%s%s\n", c->idx, sim_entity_table[e], k, stamp,
            ok ? "" : " failed: ", ok ? "" : out);
        /* the Text written is not checked for changes: in "changed attributes" mode a Text
         * set to the value it had is no change, and another device's Text stays (seed 840) */
        if (ok) sim_record_save(s, c->idx, e, k, stamp, nv, text, false);
        return;
    }
    static const char *const del[E_COUNT] = {"Sim.DelItem", "Sim.DelNote", "Sim.DelMemo"};
    const char *names[] = {"Key"}, *vals[] = {key};
    bool ok = run(c, del[e], names, vals, 1, out, sizeof out);
    say(s, "  device %d: delete %s %d%s%s\n", c->idx, sim_entity_table[e], k,
        ok ? "" : " failed: ", ok ? "" : out);
    if (ok) sim_record_delete(s, c->idx, e, k);
}

/* The fake's PAUSE: a flow commits on the device while its synchronization waits. */
static void during_sync(void *ud) {
    sim_client *c = ud;
    if (c->in_pause) return;
    c->in_pause = true;
    say(c->sim, "    (during the request)\n");
    local_step(c->sim, c);
    c->in_pause = false;
}

/* ---- synchronization with faults ------------------------------------------------------------- */

static const char *const fault_names[] = {"none", "drop",  "lose",      "500",
                                          "cut",  "pause", "duplicate", "hold"};

/* Scripts faults on the next requests of c; *crash when the server is to die in one. */
static void plan_faults(sim *s, sim_client *c, bool clean) {
    c->crash_request = -1;
    if (clean) return;
    unsigned p = 10 + sim_rng_below(&s->r, 40); /* per-request fault probability, percent */
    for (unsigned nth = 0; nth < 8; nth++) {
        if (!chance(s, p)) continue;
        unsigned f = 1 + sim_rng_below(&s->r, 8); /* 8: a server kill */
        s->faults++;
        if (f == 8) {
            if (c->crash_request >= 0) continue;
            c->crash_request = (int)(nf_std_fake_requests(c->fake) + nth);
            c->crash_commits = (int)sim_rng_below(&s->r, 4);
            nf_std_fake_inject(c->fake, nth, NF_STD_FAKE_LOSE);
            say(s, "    fault: request +%u kills the server after %d commits\n", nth,
                c->crash_commits);
            continue;
        }
        nf_std_fake_inject(c->fake, nth, (nf_std_fake_fault)f);
        say(s, "    fault: request +%u %s\n", nth, fault_names[f]);
    }
}

/* One synchronize on device c (mode chosen at random unless clean); the flow's answer. */
static bool sync_step(sim *s, sim_client *c, bool clean, char *out, size_t outn) {
    int mode = clean ? 0 : (int)sim_rng_below(&s->r, 10);
    char key[16];
    const char *names[] = {"Key"}, *vals[] = {key};
    const char *flow = "Sim.SyncAll";
    size_t n = 0;
    if (mode >= 5 && mode < 7) {
        flow = "Sim.SyncUnsynced";
    } else if (mode >= 7) {
        int e = (int)sim_rng_below(&s->r, E_COUNT), k = pick_key(s, c, e);
        if (k >= 0) {
            static const char *const f[E_COUNT] = {"Sim.SyncItem", "Sim.SyncNote", "Sim.SyncMemo"};
            flow = f[e];
            snprintf(key, sizeof key, "%d", k);
            n = 1;
        }
    }
    say(s, "  device %d: %s%s%s\n", c->idx, flow, n ? " " : "", n ? key : "");
    plan_faults(s, c, clean);
    bool ok = run(c, flow, names, vals, n, out, outn);
    nf_std_fake_clear_faults(c->fake);
    c->crash_request = -1;
    say(s, "    -> %s%s\n", ok ? "" : "error: ", out);
    return ok && !strcmp(out, "ok");
}

/* ---- a scenario ------------------------------------------------------------------------------ */

static bool open_clients(sim *s) {
    s->nclients = 1 + (int)sim_rng_below(&s->r, SIM_MAX_CLIENTS);
    for (int i = 0; i < s->nclients; i++) {
        sim_client *c = &s->cl[i];
        memset(c, 0, sizeof *c);
        c->sim = s;
        c->idx = i;
        c->user = (int)sim_rng_below(&s->r, 3);
        c->crash_request = -1;
        char user[16];
        snprintf(user, sizeof user, "u%d", c->user + 1);
        nf_config cfg;
        nf_config_init(&cfg);
        cfg.user = user;
        cfg.password = passwords[c->user];
        char *err = NULL;
        if (nf_runtime_new(s->mod, &cfg, &c->rt, &err) != NF_OK) {
            sim_failf(s, "device %d: %s", i, err ? err : "cannot start");
            nf_free(err);
            return false;
        }
        nf_std_transport *t = nf_std_transport_fake_new(sim_server_handle, c, &c->fake);
        if (!t || nf_api_runtime_set_transport(c->rt, t, &err) != NF_OK) {
            sim_failf(s, "device %d: %s", i, err ? err : "no transport");
            nf_free(err);
            return false;
        }
        nf_std_fake_on_pause(c->fake, during_sync, c);
        say(s, "device %d: user %s\n", i, user);
    }
    return true;
}

static void close_clients(sim *s) {
    for (int i = 0; i < s->nclients; i++) {
        nf_runtime_free(s->cl[i].rt);
        s->cl[i].rt = NULL;
    }
}

static void release_held(sim *s, sim_client *c, unsigned max) {
    unsigned n = nf_std_fake_release(c->fake, max);
    s->held_delivered += n;
    if (n) say(s, "  %u delayed request(s) of device %d delivered now\n", n, c->idx);
}

static bool scenario(sim *s) {
    s->r.s = s->seed * 0x2545f4914f6cdd1dULL + 1;
    s->commits_left = -1;
    if (!sim_server_open(s) || !open_clients(s)) return false;
    char out[1024];
    for (int i = 0; i < s->nclients; i++) /* sign in and download: each device's first sync */
        if (!sync_step(s, &s->cl[i], true, out, sizeof out)) {
            sim_failf(s, "device %d's first synchronization failed: %s", i, out);
            return false;
        }
    int steps = 10 + (int)sim_rng_below(&s->r, 31);
    for (int i = 0; i < steps; i++) {
        sim_client *c = &s->cl[sim_rng_below(&s->r, (uint32_t)s->nclients)];
        unsigned what = sim_rng_below(&s->r, 100);
        if (what < 55)
            local_step(s, c);
        else if (what < 90)
            sync_step(s, c, false, out, sizeof out);
        else if (what < 96)
            release_held(s, c, 1 + sim_rng_below(&s->r, 2));
        else {
            say(s, "  the server restarts\n");
            sim_server_close(s);
            s->restarts++;
            if (!sim_server_open(s)) return false;
        }
    }
    /* the network settles: late requests arrive, then everyone synchronizes cleanly */
    for (int i = 0; i < s->nclients; i++)
        release_held(s, &s->cl[i], 0);
    say(s, "clean synchronization\n");
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < s->nclients; i++)
            if (!sync_step(s, &s->cl[i], true, out, sizeof out)) {
                sim_failf(s, "device %d's clean synchronization failed: %s", i, out);
                return false;
            }
    sim_server_close(s);
    return sim_check(s);
}

static void usage(void) {
    fprintf(stderr, "usage: sync_sim [--seeds A..B | --seed N] [--verbose] [--app PATH]\n");
}

static bool parse_range(const char *t, uint64_t *a, uint64_t *b) {
    char *end;
    *a = strtoull(t, &end, 10);
    if (end == t) return false;
    if (!*end) {
        *b = *a;
        return true;
    }
    if (strncmp(end, "..", 2)) return false;
    const char *r = end + 2;
    *b = strtoull(r, &end, 10);
    return end != r && !*end && *b >= *a;
}

int main(int argc, char **argv) {
    uint64_t from = 1, to = 1000;
    bool verbose = false;
    const char *app = SIM_APP;
    const char *env = getenv("NF_SIM_SEEDS");
    if (env && !parse_range(env, &from, &to)) {
        fprintf(stderr, "NF_SIM_SEEDS must be A..B or N\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "--seeds") || !strcmp(argv[i], "--seed")) && i + 1 < argc) {
            if (!parse_range(argv[++i], &from, &to)) {
                usage();
                return 2;
            }
        } else if (!strcmp(argv[i], "--verbose")) {
            verbose = true;
        } else if (!strcmp(argv[i], "--app") && i + 1 < argc) {
            app = argv[++i];
        } else {
            usage();
            return 2;
        }
    }
    nf_module *mod;
    char *diags = NULL;
    if (nf_module_compile_files(&app, 1, &mod, &diags) != NF_OK) {
        fprintf(stderr, "sync_sim: %s: %s\n", app, diags ? diags : "does not compile");
        return 2;
    }
    nf_free(diags);
    static sim s;
    /* the server's file goes to memory-backed /dev/shm when there is one: every commit of the
     * server syncs its file, and thousands of fsyncs would dominate the run */
    const char *tmp = getenv("TMPDIR");
    char dir[256];
    snprintf(dir, sizeof dir, "/dev/shm/nf_sync_sim.XXXXXX");
    if (!mkdtemp(dir)) {
        snprintf(dir, sizeof dir, "%s/nf_sync_sim.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            perror("sync_sim: mkdtemp");
            return 2;
        }
    }
    FILE *devnull = fopen("/dev/null", "w");
    unsigned failed = 0, restarts = 0, faults = 0, held = 0, writes = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t seed = from; seed <= to; seed++) {
        memset(&s, 0, sizeof s);
        s.seed = seed;
        s.verbose = verbose;
        s.mod = mod;
        s.srv_log = verbose && from == to ? stderr : devnull;
        snprintf(s.dir, sizeof s.dir, "%s", dir);
        snprintf(s.db, sizeof s.db, "%s/server-%" PRIu64 ".db", dir, seed);
        say(&s, "scenario %" PRIu64 "\n", seed);
        bool ok = scenario(&s);
        close_clients(&s);
        sim_server_close(&s);
        char side[320];
        unlink(s.db);
        snprintf(side, sizeof side, "%s-journal", s.db);
        unlink(side);
        snprintf(side, sizeof side, "%s-wal", s.db);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", s.db);
        unlink(side);
        restarts += s.restarts;
        faults += s.faults;
        held += s.held_delivered;
        writes += (unsigned)s.nw;
        if (!ok) {
            failed++;
            fprintf(stderr,
                    "FAIL seed %" PRIu64 ":\n%s\n  reproduce: %s --seed %" PRIu64 " --verbose\n",
                    seed, s.fail, argv[0], seed);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rmdir(dir);
    if (devnull) fclose(devnull);
    nf_module_free(mod);
    printf("sync_sim: %" PRIu64 " scenarios (seeds %" PRIu64 "..%" PRIu64
           "), %u failed; %u writes, %u faults, %u server kills/restarts, %u delayed requests "
           "delivered late; %.1f s\n",
           to - from + 1, from, to, failed, writes, faults, restarts, held,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return failed ? 1 : 0;
}
