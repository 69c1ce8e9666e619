/* shell.c — a terminal app shell on libnanoflow: what a native shell does around nanoflows,
 * with a command line for a screen.
 *
 *   build/shell_example APP [--db PATH] [--server URL --user NAME --password PW]
 *                           [--timezone TZ] [--sync-flow MODULE.FLOW]
 *
 * It renders the flows' UI actions (messages, pages, validation feedback, progress, log lines)
 * in the terminal, runs flows on user input, and synchronizes on a worker thread while the
 * input loop keeps answering. Commands: help, flows, run FLOW [NAME=VALUE]..., sync, status,
 * wait, cancel, ok, quarantine, quit. Everything it uses is in include/nanoflow.h;
 * examples/shell/README.md explains the threading pattern.
 *
 * Threads: a runtime is used by one thread at a time. `owner` says who has it: the input loop
 * (IDLE), the sync worker (SYNCING), or nobody because a flow is parked on a blocking message
 * (PARKED, until `ok` resumes it). The input loop only touches the runtime when it is IDLE;
 * while the worker has it, commands that need it are refused, and `status` answers from what
 * the callbacks recorded under the lock. nf_runtime_cancel is the one call another thread may
 * make, and `cancel` uses it. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nanoflow.h"

typedef enum owner { IDLE, SYNCING, PARKED } owner;

typedef struct shell {
    nf_module *mod;
    nf_runtime *rt;
    const char *sync_flow; /* the nanoflow `sync` runs */
    pthread_mutex_t lock;  /* guards everything below, and stdout */
    owner owner;
    pthread_t worker;
    bool worker_started; /* joined by the input loop once the worker is done */
    bool worker_done;
    struct timespec sync_start;
    char progress[160]; /* the progress shown ("" none) */
    bool progress_blocking;
    char last_log[200];  /* the last log line at info level or above */
    char last_sync[300]; /* how the last synchronize ended */
    char parked[128];    /* the flow a blocking message parked */
} shell;

/* ---- output: one lock for stdout, so the worker's lines never cut through the loop's -------- */

static void say(shell *sh, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&sh->lock);
    vprintf(fmt, ap);
    fflush(stdout);
    pthread_mutex_unlock(&sh->lock);
    va_end(ap);
}

static double seconds_since(const struct timespec *t) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* ---- UI callbacks: the terminal is the screen ------------------------------------------------ */

static nf_status show_message(void *ud, nf_runtime *rt, nf_message_type type, const char *text,
                              bool blocking) {
    (void)rt;
    static const char *const kinds[] = {"Information", "Warning", "Error"};
    say(ud, "[%s] %s%s\n", kinds[(unsigned)type < 3 ? type : 0], text,
        blocking ? "\n  (type ok to continue)" : "");
    /* a blocking message waits for the user: park the flow, `ok` resumes it */
    return blocking ? NF_SUSPENDED : NF_OK;
}

static nf_status show_page(void *ud, nf_runtime *rt, const char *page, const char *title,
                           const char *const *names, const nf_value *const *args, size_t n,
                           int32_t close_pages) {
    (void)rt;
    shell *sh = ud;
    if (close_pages == NF_PAGES_CLEAR_HISTORY)
        say(sh, "<< closed every page and the history\n");
    else if (close_pages == NF_PAGES_ALL)
        say(sh, "<< closed every page but the first\n");
    else if (close_pages > 0)
        say(sh, "<< closed %d page%s\n", (int)close_pages, close_pages == 1 ? "" : "s");
    say(sh, "== %s (%s) ==\n", title ? title : page, page);
    for (size_t i = 0; i < n; i++) {
        char *json = nf_value_to_json(args[i]);
        say(sh, "   %s: %s\n", names[i], json ? json : "?");
        nf_free(json);
    }
    return NF_OK;
}

static nf_status close_page(void *ud, nf_runtime *rt, int32_t count) {
    (void)rt;
    if (count == NF_PAGES_ALL)
        say(ud, "<< closed every page but the first\n");
    else
        say(ud, "<< closed %d page%s\n", (int)count, count == 1 ? "" : "s");
    return NF_OK;
}

static nf_status feedback(void *ud, nf_runtime *rt, const nf_value *object, const char *member,
                          const char *text) {
    (void)rt;
    char *obj = nf_value_to_text(object);
    say(ud, "!! %s%s%s (%s)\n", member ? member : "", member ? ": " : "", text, obj ? obj : "?");
    nf_free(obj);
    return NF_OK;
}

static nf_status progress(void *ud, nf_runtime *rt, bool show, const char *text, bool blocking) {
    (void)rt;
    shell *sh = ud;
    pthread_mutex_lock(&sh->lock);
    snprintf(sh->progress, sizeof sh->progress, "%s", show ? (text ? text : "busy") : "");
    sh->progress_blocking = show && blocking;
    if (show)
        printf(".. %s%s\n", sh->progress, blocking ? " (please wait)" : "");
    else
        printf(".. done\n");
    fflush(stdout);
    pthread_mutex_unlock(&sh->lock);
    return NF_OK;
}

static void log_line(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                     const char *text) {
    (void)rt;
    static const char *const levels[] = {"trace", "debug", "info", "warning", "error", "critical"};
    shell *sh = ud;
    if (level < NF_LOG_INFO) return;
    pthread_mutex_lock(&sh->lock);
    snprintf(sh->last_log, sizeof sh->last_log, "%s: %s", node, text);
    printf("[log %s] %s: %s\n", levels[(unsigned)level < 6 ? level : 2], node, text);
    fflush(stdout);
    pthread_mutex_unlock(&sh->lock);
}

/* ---- calls ------------------------------------------------------------------------------------
 */

/* Reports how a call (or resume) ended; a parked call waits for `ok`. Returns the new owner. */
static owner finish(shell *sh, const char *flow, nf_status st, nf_value *result, char *outcome,
                    size_t outcome_size) {
    char line[240];
    if (st == NF_SUSPENDED) {
        snprintf(line, sizeof line, "%s is waiting for you", flow);
        pthread_mutex_lock(&sh->lock);
        if (flow != sh->parked) snprintf(sh->parked, sizeof sh->parked, "%s", flow);
        pthread_mutex_unlock(&sh->lock);
    } else if (st == NF_ERR_FLOW) {
        snprintf(line, sizeof line, "%s failed: %s: %s", flow,
                 nf_error_type_name(nf_runtime_error_type(sh->rt)),
                 nf_runtime_error_message(sh->rt));
    } else if (st != NF_OK) {
        snprintf(line, sizeof line, "%s: %s", nf_status_text(st), nf_runtime_error_message(sh->rt));
    } else if (nf_value_type(result) == NF_TYPE_NOTHING) {
        snprintf(line, sizeof line, "%s done", flow);
    } else {
        char *text = nf_value_is_empty(result) ? NULL : nf_value_to_text(result);
        snprintf(line, sizeof line, "%s = %s", flow, text ? text : "empty");
        nf_free(text);
    }
    if (outcome) snprintf(outcome, outcome_size, "%s", line);
    say(sh, "%s\n", line);
    /* a list: its objects, one JSON line each (with their attributes) */
    for (size_t i = 0; st == NF_OK && nf_value_type(result) == NF_TYPE_LIST &&
                       i < nf_list_length(result) && i < 50;
         i++) {
        nf_value *o = nf_list_get(result, i);
        char *json = o ? nf_value_to_json(o) : NULL;
        say(sh, "  %s\n", json ? json : "?");
        nf_free(json);
        nf_value_free(o);
    }
    nf_value_free(result);
    return st == NF_SUSPENDED ? PARKED : IDLE;
}

/* The sync worker: it has the runtime until it sets owner back. */
static void *sync_worker(void *arg) {
    shell *sh = arg;
    nf_value *result = NULL;
    nf_status st = nf_call(sh->rt, sh->sync_flow, NULL, 0, &result);
    char outcome[240];
    owner next = finish(sh, sh->sync_flow, st, result, outcome, sizeof outcome);
    pthread_mutex_lock(&sh->lock);
    snprintf(sh->last_sync, sizeof sh->last_sync, "%s (%.1f s)", outcome,
             seconds_since(&sh->sync_start));
    sh->owner = next; /* hands the runtime back */
    sh->worker_done = true;
    pthread_mutex_unlock(&sh->lock);
    return NULL;
}

/* Joins a finished worker (or, with wait, a running one). */
static void reap(shell *sh, bool wait) {
    pthread_mutex_lock(&sh->lock);
    bool join = sh->worker_started && (sh->worker_done || wait);
    pthread_mutex_unlock(&sh->lock);
    if (!join) return;
    pthread_join(sh->worker, NULL);
    sh->worker_started = false;
    sh->worker_done = false;
}

static owner current_owner(shell *sh) {
    pthread_mutex_lock(&sh->lock);
    owner o = sh->owner;
    pthread_mutex_unlock(&sh->lock);
    return o;
}

/* The runtime is the input loop's to use now; otherwise says why not. */
static bool runtime_free(shell *sh) {
    reap(sh, false);
    switch (current_owner(sh)) {
    case IDLE: return true;
    case SYNCING: say(sh, "busy: synchronizing (try status, wait or cancel)\n"); return false;
    case PARKED: say(sh, "a message is waiting: type ok first\n"); return false;
    }
    return false;
}

/* ---- commands ------------------------------------------------------------------------------- */

/* Splits line into words in place; quotes ('…' or "…") group spaces and are removed. */
static int split_words(char *line, char **words, int max) {
    int n = 0;
    char *in = line, *out = line;
    while (*in && n < max) {
        while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
            in++;
        if (!*in) break;
        words[n++] = out;
        char quote = 0;
        for (; *in; in++) {
            if (quote ? *in == quote : (*in == '\'' || *in == '"')) {
                quote = quote ? 0 : *in;
            } else if (!quote && (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')) {
                in++;
                break;
            } else {
                *out++ = *in;
            }
        }
        *out++ = '\0';
    }
    return n;
}

static void cmd_flows(shell *sh) {
    reap(sh, false);
    /* the module is immutable and shared: its names are readable any time; the signatures
     * come through the runtime, so only while the input loop has it */
    bool signatures = current_owner(sh) == IDLE;
    for (size_t i = 0; i < nf_module_flow_count(sh->mod); i++) {
        const char *name = nf_module_flow_name(sh->mod, i);
        if (!nf_module_flow_is_nanoflow(sh->mod, i)) continue;
        if (!signatures) {
            say(sh, "  %s\n", name);
            continue;
        }
        char sig[400] = "";
        size_t np = nf_flow_param_count(sh->rt, name), len = 0;
        for (size_t k = 0; k < np && len < sizeof sig - 1; k++) {
            nf_type t;
            const char *p = nf_flow_param(sh->rt, name, k, &t);
            len += (size_t)snprintf(sig + len, sizeof sig - len, "%s%s: %s", k ? ", " : "", p,
                                    nf_type_name(t));
        }
        say(sh, "  %s(%s)%s%s\n", name, sig,
            nf_flow_result_type(sh->rt, name) == NF_TYPE_NOTHING ? "" : " -> ",
            nf_flow_result_type(sh->rt, name) == NF_TYPE_NOTHING
                ? ""
                : nf_type_name(nf_flow_result_type(sh->rt, name)));
    }
}

static void cmd_run(shell *sh, char **words, int n) {
    if (n < 2) {
        say(sh, "usage: run MODULE.FLOW [NAME=VALUE]...\n");
        return;
    }
    if (!runtime_free(sh)) return;
    const char *names[32], *texts[32];
    int nargs = 0;
    for (int i = 2; i < n && nargs < 32; i++) {
        char *eq = strchr(words[i], '=');
        if (!eq || eq == words[i]) {
            say(sh, "arguments are NAME=VALUE, not %s\n", words[i]);
            return;
        }
        *eq = '\0';
        names[nargs] = words[i][0] == '$' ? words[i] + 1 : words[i];
        texts[nargs++] = eq + 1;
    }
    nf_value *result = NULL;
    nf_status st = nf_call_text(sh->rt, words[1], names, texts, (size_t)nargs, &result);
    owner next = finish(sh, words[1], st, result, NULL, 0);
    pthread_mutex_lock(&sh->lock);
    sh->owner = next;
    pthread_mutex_unlock(&sh->lock);
}

static void cmd_sync(shell *sh) {
    if (!sh->sync_flow) {
        say(sh, "no sync flow: start the shell with --sync-flow MODULE.FLOW\n");
        return;
    }
    if (!runtime_free(sh)) return;
    pthread_mutex_lock(&sh->lock);
    sh->owner = SYNCING; /* the worker has the runtime from here on */
    clock_gettime(CLOCK_MONOTONIC, &sh->sync_start);
    pthread_mutex_unlock(&sh->lock);
    if (pthread_create(&sh->worker, NULL, sync_worker, sh) != 0) {
        pthread_mutex_lock(&sh->lock);
        sh->owner = IDLE;
        pthread_mutex_unlock(&sh->lock);
        say(sh, "cannot start the sync worker\n");
        return;
    }
    sh->worker_started = true;
    say(sh, "synchronizing in the background (%s)\n", sh->sync_flow);
}

/* Answers from what the callbacks recorded: never touches the runtime. */
static void cmd_status(shell *sh) {
    reap(sh, false);
    pthread_mutex_lock(&sh->lock);
    if (sh->owner == SYNCING)
        printf("status: synchronizing for %.1f s", seconds_since(&sh->sync_start));
    else
        printf("status: %s", sh->owner == PARKED ? "waiting for ok" : "idle");
    if (sh->progress[0])
        printf(", progress: %s%s", sh->progress, sh->progress_blocking ? " (blocking)" : "");
    printf("\n  last sync: %s\n", sh->last_sync[0] ? sh->last_sync : "none");
    if (sh->last_log[0]) printf("  last log: %s\n", sh->last_log);
    fflush(stdout);
    pthread_mutex_unlock(&sh->lock);
}

static void cmd_ok(shell *sh) {
    reap(sh, false);
    if (current_owner(sh) != PARKED) {
        say(sh, "nothing is waiting\n");
        return;
    }
    nf_value *result = NULL;
    nf_status st = nf_resume(sh->rt, NULL, &result);
    owner next = finish(sh, sh->parked, st, result, NULL, 0);
    pthread_mutex_lock(&sh->lock);
    sh->owner = next;
    pthread_mutex_unlock(&sh->lock);
}

static void cmd_quarantine(shell *sh) {
    if (!runtime_free(sh)) return;
    char *json = NULL;
    if (nf_sync_quarantine(sh->rt, &json) == NF_OK)
        say(sh, "%s\n", json);
    else
        say(sh, "quarantine: %s\n", nf_runtime_error_message(sh->rt));
    nf_free(json);
}

static void help(shell *sh) {
    say(sh, "commands:\n"
            "  flows                         the app's nanoflows and their parameters\n"
            "  run MODULE.FLOW [NAME=VALUE]  run a nanoflow (values parsed by parameter type)\n"
            "  sync                          synchronize in the background\n"
            "  status                        what is going on (also while synchronizing)\n"
            "  wait                          wait for the synchronization to end\n"
            "  cancel                        cancel the running synchronization\n"
            "  ok                            close a blocking message; the flow goes on\n"
            "  quarantine                    objects the server refused\n"
            "  quit                          leave (waits for a running synchronization)\n");
}

/* One command line; false to quit. */
static bool command(shell *sh, char *line) {
    char *words[40];
    int n = split_words(line, words, 40);
    if (n == 0) return true;
    const char *c = words[0];
    if (strcmp(c, "quit") == 0 || strcmp(c, "exit") == 0) return false;
    if (strcmp(c, "help") == 0)
        help(sh);
    else if (strcmp(c, "flows") == 0)
        cmd_flows(sh);
    else if (strcmp(c, "run") == 0)
        cmd_run(sh, words, n);
    else if (strcmp(c, "sync") == 0)
        cmd_sync(sh);
    else if (strcmp(c, "status") == 0)
        cmd_status(sh);
    else if (strcmp(c, "wait") == 0)
        reap(sh, true);
    else if (strcmp(c, "cancel") == 0) {
        if (current_owner(sh) == SYNCING)
            nf_runtime_cancel(sh->rt); /* the one call that is safe from another thread */
        else
            say(sh, "nothing to cancel\n");
    } else if (strcmp(c, "ok") == 0)
        cmd_ok(sh);
    else if (strcmp(c, "quarantine") == 0)
        cmd_quarantine(sh);
    else
        say(sh, "unknown command %s (try help)\n", c);
    return true;
}

/* ---- start-up ------------------------------------------------------------------------------- */

static nf_module *load_app(char **paths, int n) {
    nf_module *mod = NULL;
    char *msg = NULL;
    size_t len = n == 1 ? strlen(paths[0]) : 0;
    nf_status st = len > 4 && strcmp(paths[0] + len - 4, ".nfb") == 0
                       ? nf_module_load_file(paths[0], &mod, &msg)
                       : nf_module_compile_files((const char *const *)paths, (size_t)n, &mod, &msg);
    if (st != NF_OK) fprintf(stderr, "shell: %s\n", msg ? msg : nf_status_text(st));
    nf_free(msg); /* warnings on success: not the shell's business */
    return mod;
}

/* The default sync flow: the first nanoflow whose name ends in "Synchronize". */
static const char *find_sync_flow(const nf_module *m) {
    for (size_t i = 0; i < nf_module_flow_count(m); i++) {
        const char *name = nf_module_flow_name(m, i);
        size_t n = strlen(name);
        if (nf_module_flow_is_nanoflow(m, i) && n >= 11 &&
            strcmp(name + n - 11, "Synchronize") == 0)
            return name;
    }
    return NULL;
}

int main(int argc, char **argv) {
    nf_config cfg;
    nf_config_init(&cfg);
    const char *sync_flow = NULL;
    char *paths[16];
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char **opt = strcmp(argv[i], "--db") == 0          ? &cfg.database
                           : strcmp(argv[i], "--server") == 0    ? &cfg.server
                           : strcmp(argv[i], "--user") == 0      ? &cfg.user
                           : strcmp(argv[i], "--password") == 0  ? &cfg.password
                           : strcmp(argv[i], "--timezone") == 0  ? &cfg.timezone
                           : strcmp(argv[i], "--sync-flow") == 0 ? &sync_flow
                                                                 : NULL;
        if (opt && i + 1 < argc)
            *opt = argv[++i];
        else if (argv[i][0] != '-' && npaths < 16)
            paths[npaths++] = argv[i];
        else {
            fprintf(stderr, "usage: shell_example APP [--db PATH] [--server URL --user NAME "
                            "--password PW] [--timezone TZ] [--sync-flow MODULE.FLOW]\n");
            return 2;
        }
    }
    if (npaths == 0) {
        fprintf(stderr, "usage: shell_example APP [options] (try --help)\n");
        return 2;
    }
    shell sh;
    memset(&sh, 0, sizeof sh);
    pthread_mutex_init(&sh.lock, NULL);
    if (!(sh.mod = load_app(paths, npaths))) return 1;
    sh.sync_flow = sync_flow ? sync_flow : find_sync_flow(sh.mod);
    cfg.host.ud = &sh;
    cfg.host.show_message = show_message;
    cfg.host.show_page = show_page;
    cfg.host.close_page = close_page;
    cfg.host.feedback = feedback;
    cfg.host.progress = progress;
    cfg.host.log = log_line;
    char *err = NULL;
    if (nf_runtime_new(sh.mod, &cfg, &sh.rt, &err) != NF_OK) {
        fprintf(stderr, "shell: %s\n", err ? err : "cannot create the runtime");
        nf_free(err);
        nf_module_free(sh.mod);
        return 1;
    }
    bool tty = isatty(STDIN_FILENO);
    say(&sh, "nanoflow shell: %zu flows, sync flow %s; type help\n", nf_module_flow_count(sh.mod),
        sh.sync_flow ? sh.sync_flow : "(none)");
    char line[1024];
    for (;;) {
        if (tty) say(&sh, "> ");
        if (!fgets(line, sizeof line, stdin) || !command(&sh, line)) break;
    }
    reap(&sh, true); /* a running synchronize finishes first */
    if (current_owner(&sh) == PARKED) nf_abandon(sh.rt);
    nf_runtime_free(sh.rt);
    nf_module_free(sh.mod);
    say(&sh, "bye\n");
    pthread_mutex_destroy(&sh.lock);
    return 0;
}
