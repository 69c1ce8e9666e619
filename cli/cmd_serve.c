/* cmd_serve.c — `nanoflow serve APP [--db PATH] [--listen HOST:PORT]`: the reference sync
 * server (server/srv.h, docs/server.md).
 *
 * Shutdown without global state: SIGTERM and SIGINT are blocked before the server starts (so
 * the HTTP thread inherits the mask and never receives them) and the main thread waits for
 * them with sigwait(); then it stops the server gracefully (no new connections, requests in
 * progress finish) and closes the database. No signal handler runs, so nothing is shared. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nf_bc.h"
#include "srv.h"

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int usage(void) {
    fprintf(stderr, "usage: nanoflow serve APP [--db PATH] [--listen HOST:PORT]\n");
    return NF_EXIT_USAGE;
}

int nf_cmd_serve(int argc, char **argv) {
    const char *db = NULL, *listen = NULL;
    long long ttl = 0; /* seconds; 0: the default */
    char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    if (!files) return NF_EXIT_USER;
    size_t max_body = 0, max_file = 0; /* 0: the server's defaults */
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v, *opt = argv[i];
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: nanoflow serve APP [--db PATH] [--listen HOST:PORT] [--session-ttl S]\n"
                   "                          [--max-body BYTES] [--max-file BYTES]\n\n"
                   "Runs the reference sync server for APP (a .nfb module or .mdl sources):\n"
                   "the protocol of docs/sync-protocol.md under /nf/v1/, the data in the SQLite\n"
                   "file PATH (default: in memory), listening on HOST:PORT only (default\n"
                   "127.0.0.1:8080; port 0 picks a free port). Prints 'listening on URL' when\n"
                   "ready, one log line per request on stderr; SIGTERM or SIGINT stop it\n"
                   "gracefully (exit 0). --session-ttl: seconds a session lasts without a\n"
                   "request (default 86400). --max-body and --max-file: the largest request body\n"
                   "and file in bytes (defaults 16 MB and 50 MB; larger ones are answered 413).\n");
            free(files);
            return NF_EXIT_OK;
        }
        if ((v = nf_cli_value_of("--db", argc, argv, &i, &missing))) {
            if (missing || !*v) {
                free(files);
                fprintf(stderr, "nanoflow serve: --db needs the path of the database file\n");
                return NF_EXIT_USAGE;
            }
            db = v;
        } else if ((v = nf_cli_value_of("--listen", argc, argv, &i, &missing))) {
            if (missing || !*v) {
                free(files);
                fprintf(stderr, "nanoflow serve: --listen needs HOST:PORT\n");
                return NF_EXIT_USAGE;
            }
            listen = v;
        } else if ((v = nf_cli_value_of("--session-ttl", argc, argv, &i, &missing))) {
            char *end = NULL;
            errno = 0;
            ttl = missing ? 0 : strtoll(v, &end, 10);
            if (missing || !*v || *end || errno || ttl < 1 || ttl > 365LL * 86400) {
                free(files);
                fprintf(stderr, "nanoflow serve: --session-ttl needs a number of seconds\n");
                return NF_EXIT_USAGE;
            }
        } else if ((v = nf_cli_value_of("--max-body", argc, argv, &i, &missing)) ||
                   (v = nf_cli_value_of("--max-file", argc, argv, &i, &missing))) {
            bool body = strncmp(opt, "--max-body", 10) == 0;
            char *end = NULL;
            errno = 0;
            long long n = missing ? 0 : strtoll(v, &end, 10);
            if (missing || !*v || *end || errno || n < 1) {
                free(files);
                fprintf(stderr, "nanoflow serve: %s needs a number of bytes\n",
                        body ? "--max-body" : "--max-file");
                return NF_EXIT_USAGE;
            }
            *(body ? &max_body : &max_file) = (size_t)n;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "nanoflow serve: unknown option %s\n", argv[i]);
            free(files);
            return usage();
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (!nfiles) {
        free(files);
        return usage();
    }
    nf_bc_module m;
    nf_cc_compilation *cc = NULL;
    uint8_t *bytes = NULL;
    if (nfiles == 1 && nf_cli_ends_with(files[0], ".nfb")) {
        size_t len;
        char err[256];
        bytes = slurp(files[0], &len);
        if (!bytes) {
            fprintf(stderr, "nanoflow serve: cannot read %s: %s\n", files[0], strerror(errno));
            free(files);
            return NF_EXIT_USER;
        }
        if (!nf_bc_load(bytes, len, &m, err, sizeof err)) {
            fprintf(stderr, "nanoflow serve: %s: %s\n", files[0], err);
            free(bytes);
            free(files);
            return NF_EXIT_USER;
        }
    } else {
        cc = nf_cc_new();
        if (!cc || !nf_cli_add_sources(cc, nfiles, files)) {
            nf_cc_free(cc);
            free(files);
            return NF_EXIT_USAGE;
        }
        if (!nf_cc_build(cc, &m)) {
            nf_cli_print_diagnostics(cc, NF_FORMAT_TEXT, nf_cli_use_color(stderr, "auto"));
            nf_cc_free(cc);
            free(files);
            return NF_EXIT_USER;
        }
    }
    free(files);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    nf_srv_config cfg = {0};
    cfg.m = &m;
    cfg.db = db;
    cfg.listen = listen;
    cfg.session_ttl_ms = ttl * 1000;
    cfg.max_body = max_body;
    cfg.max_file = max_file;
    char err[512];
    nf_srv *srv = nf_srv_open(&cfg, err, sizeof err);
    int status = NF_EXIT_OK;
    if (!srv) {
        fprintf(stderr, "nanoflow serve: %s\n", err);
        status = NF_EXIT_USER;
    } else {
        const char *l = listen ? listen : "127.0.0.1:8080";
        const char *colon = strrchr(l, ':');
        fprintf(stderr, "listening on http://%.*s:%u (model %016llx, database %s)\n",
                (int)(colon - l), l, nf_srv_port(srv), (unsigned long long)m.model_hash,
                db ? db : "in memory");
        fflush(stderr);
        int sig = 0;
        sigwait(&stop, &sig);
        fprintf(stderr, "stopping (%s): finishing requests in progress\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM");
        nf_srv_close(srv);
        fprintf(stderr, "stopped\n");
    }
    if (cc)
        nf_cc_free(cc);
    else
        nf_bc_free(&m);
    free(bytes);
    return status;
}
