/* cmd_run.c — `nanoflow run` and `nanoflow eval` (DESIGN §9), on the embedding API only: the
 * command line is one more host of libnanoflow. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nanoflow.h"

/* Options of run and eval. */
typedef struct run_opts {
    const char *timezone;
    const char *db;                       /* run only */
    const char *server, *user, *password; /* run only: synchronization */
    const char *contents, *save_contents; /* run only: the result file object's contents */
    bool json;
    bool microflow;
    uint64_t max_instructions;
    bool lua_budget_set;
    uint64_t lua_max_instructions; /* --lua-max-instructions (0: unlimited) */
} run_opts;

/* 1: an option of run/eval (consumed), 0: not one, -1: a usage error was printed. */
static int run_option(const char *cmd, int argc, char **argv, int *i, run_opts *o) {
    bool missing = false;
    const char *v;
    if (strcmp(argv[*i], "--json") == 0) {
        o->json = true;
        return 1;
    }
    if ((v = nf_cli_value_of("--timezone", argc, argv, i, &missing))) {
        if (missing || !*v) {
            fprintf(stderr, "nanoflow %s: --timezone needs a zone name like Europe/Amsterdam\n",
                    cmd);
            return -1;
        }
        o->timezone = v;
        return 1;
    }
    if (strcmp(cmd, "run") == 0 && (v = nf_cli_value_of("--db", argc, argv, i, &missing))) {
        if (missing || !*v) {
            fprintf(stderr, "nanoflow run: --db needs the path of the local database file\n");
            return -1;
        }
        o->db = v;
        return 1;
    }
    static const char *const sync_opts[] = {"--server", "--user", "--password", "--contents",
                                            "--save-contents"};
    for (int k = 0; strcmp(cmd, "run") == 0 && k < 5; k++)
        if ((v = nf_cli_value_of(sync_opts[k], argc, argv, i, &missing))) {
            if (missing || !*v) {
                fprintf(stderr, "nanoflow run: %s needs a value\n", sync_opts[k]);
                return -1;
            }
            if (k == 0) o->server = v;
            if (k == 1) o->user = v;
            if (k == 2) o->password = v;
            if (k == 3) o->contents = v;
            if (k == 4) o->save_contents = v;
            return 1;
        }
    if ((v = nf_cli_value_of("--max-instructions", argc, argv, i, &missing))) {
        char *end;
        errno = 0;
        unsigned long long n = missing ? 0 : strtoull(v, &end, 10);
        if (missing || !*v || *end || errno || n == 0 || *v == '-') {
            fprintf(stderr, "nanoflow %s: --max-instructions needs a positive number\n", cmd);
            return -1;
        }
        o->max_instructions = n;
        return 1;
    }
    if ((v = nf_cli_value_of("--lua-max-instructions", argc, argv, i, &missing))) {
        char *end;
        errno = 0;
        unsigned long long n = missing ? 0 : strtoull(v, &end, 10);
        if (missing || !*v || *end || errno || *v == '-') {
            fprintf(stderr, "nanoflow %s: --lua-max-instructions needs a number (0: unlimited)\n",
                    cmd);
            return -1;
        }
        o->lua_max_instructions = n;
        o->lua_budget_set = true;
        return 1;
    }
    return 0;
}

static void configure(nf_config *cfg, run_opts *o) {
    nf_config_init(cfg);
    cfg->timezone = o->timezone;
    cfg->max_instructions = o->max_instructions;
    if (o->lua_budget_set) cfg->lua_max_instructions = o->lua_max_instructions;
    cfg->database = o->db;
    cfg->server = o->server;
    cfg->user = o->user;
    cfg->password = o->password;
    nf_cli_host_ui(&cfg->host, &o->json); /* host_ui.c */
}

/* Prints a result: its toString() text (`empty` when empty), or the JSON line. */
static int print_result(const nf_value *v, bool json) {
    char *text;
    if (json)
        text = nf_value_to_json(v);
    else if (nf_value_type(v) == NF_TYPE_NOTHING)
        return NF_EXIT_OK;
    else if (nf_value_is_empty(v))
        text = strdup("empty");
    else
        text = nf_value_to_text(v);
    if (!text) {
        fprintf(stderr, "nanoflow: out of memory\n");
        return NF_EXIT_USER;
    }
    puts(text);
    nf_free(text);
    return NF_EXIT_OK;
}

/* An uncaught flow error: type, message, where. */
static int print_flow_error(const char *cmd, nf_runtime *rt, bool json) {
    const char *type = nf_error_type_name(nf_runtime_error_type(rt));
    const char *msg = nf_runtime_error_message(rt);
    const char *flow = nf_runtime_error_flow(rt);
    uint32_t line = nf_runtime_error_line(rt);
    if (flow)
        fprintf(stderr, "nanoflow %s: %s in %s, line %" PRIu32 ": %s\n", cmd, type, flow, line,
                msg);
    else
        fprintf(stderr, "nanoflow %s: %s: %s\n", cmd, type, msg);
    (void)json;
    return NF_EXIT_USER;
}

/* ---- run --------------------------------------------------------------------------------------
 */

static void run_usage(FILE *out) {
    fprintf(
        out,
        "usage: nanoflow run APP MODULE.FLOW [--arg NAME=VALUE]... [--db PATH] [--timezone TZ]\n"
        "                    [--json] [--max-instructions N] [--lua-max-instructions N]\n"
        "                    [--server URL [--user NAME --password PW]]\n"
        "                    [--contents PATH] [--save-contents PATH]\n\n"
        "Runs a flow and prints its result (toString() form; `empty` when empty; nothing for\n"
        "flows without a result). APP is a compiled .nfb module or one or more .mdl files or\n"
        "directories. --arg values are parsed by the parameter's type: numbers in plain\n"
        "notation, true/false, ISO-8601 DateTimes, enumeration keys, `empty`.\n"
        "--json prints {\"type\": T, \"value\": V}. An uncaught flow error prints its type,\n"
        "message, flow and line and exits 1.\n"
        "--db PATH keeps the local database in PATH (a SQLite file, created when missing),\n"
        "so committed objects stay across runs; without it the database lives in memory for\n"
        "the run.\n"
        "--server URL lets the flow's `synchronize` reach a sync server (https://, or\n"
        "http://127.0.0.1:PORT); --user and --password are the account it logs in with\n"
        "(the password is never printed or logged).\n"
        "--contents PATH sets the contents of the file object the flow returns (a\n"
        "System.FileDocument or System.Image) to the bytes of PATH, as a local change the next\n"
        "synchronize uploads; --save-contents PATH writes the contents the device has for it\n"
        "to PATH.\n");
}

/* --contents / --save-contents on the file object a flow returned; false after a message. */
static bool file_contents(nf_runtime *rt, const nf_value *obj, const run_opts *o) {
    if (o->contents && nf_file_set_contents_from_path(rt, obj, o->contents) != NF_OK) {
        fprintf(stderr, "nanoflow run: --contents: %s\n", nf_runtime_error_message(rt));
        return false;
    }
    if (!o->save_contents) return true;
    void *bytes;
    size_t len;
    if (nf_file_contents(rt, obj, &bytes, &len) != NF_OK) {
        fprintf(stderr, "nanoflow run: --save-contents: %s\n", nf_runtime_error_message(rt));
        return false;
    }
    FILE *f = fopen(o->save_contents, "wb");
    bool ok = f && fwrite(bytes, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = false;
    nf_free(bytes);
    if (!ok) fprintf(stderr, "nanoflow run: cannot write %s\n", o->save_contents);
    return ok;
}

/* Loads or compiles APP. A missing or unreadable path is a usage error (exit 2, DESIGN §9),
 * sources with errors or a damaged module a user error (exit 1). */
static nf_module *load_app(char **paths, int n, int *status) {
    nf_module *mod = NULL;
    char *msg = NULL;
    nf_status st;
    for (int i = 0; i < n; i++)
        if (access(paths[i], R_OK) != 0) {
            fprintf(stderr, "nanoflow run: cannot read %s: %s\n", paths[i], strerror(errno));
            *status = NF_EXIT_USAGE;
            return NULL;
        }
    *status = NF_EXIT_USER;
    if (n == 1 && nf_cli_ends_with(paths[0], ".nfb"))
        st = nf_module_load_file(paths[0], &mod, &msg);
    else
        st = nf_module_compile_files((const char *const *)paths, (size_t)n, &mod, &msg);
    if (msg && *msg)
        fprintf(stderr, "%s%s%s", st == NF_ERR_COMPILE ? "" : "nanoflow run: ", msg,
                msg[strlen(msg) - 1] == '\n' ? "" : "\n");
    nf_free(msg);
    if (st != NF_OK && !msg) fprintf(stderr, "nanoflow run: %s\n", nf_status_text(st));
    return st == NF_OK ? mod : NULL;
}

int nf_cmd_run(int argc, char **argv) {
    run_opts o = {0};
    char **pos = calloc((size_t)argc, sizeof *pos);
    const char **names = calloc((size_t)argc, sizeof *names);
    const char **values = calloc((size_t)argc, sizeof *values);
    int npos = 0, nargs = 0, status = NF_EXIT_USAGE;
    if (!pos || !names || !values) goto done;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            run_usage(stdout);
            status = NF_EXIT_OK;
            goto done;
        }
        int r = run_option("run", argc, argv, &i, &o);
        if (r < 0) goto done;
        if (r > 0) continue;
        bool missing = false;
        const char *v = nf_cli_value_of("--arg", argc, argv, &i, &missing);
        if (v) {
            const char *eq = missing ? NULL : strchr(v, '=');
            if (!eq || eq == v) {
                fprintf(stderr, "nanoflow run: --arg takes NAME=VALUE\n");
                goto done;
            }
            /* NAME=VALUE split in place: argv is ours to edit */
            ((char *)eq)[0] = '\0';
            names[nargs] = v[0] == '$' ? v + 1 : v;
            values[nargs++] = eq + 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "nanoflow run: unknown option %s\n", argv[i]);
            goto done;
        }
        pos[npos++] = argv[i];
    }
    if (npos < 2) {
        fprintf(stderr,
                "nanoflow run: usage: nanoflow run APP MODULE.FLOW [--arg NAME=VALUE]...\n");
        goto done;
    }
    nf_module *mod = load_app(pos, npos - 1, &status);
    if (!mod) goto done;
    const char *flow = pos[npos - 1];
    nf_config cfg;
    configure(&cfg, &o);
    nf_runtime *rt;
    char *err = NULL;
    if (nf_runtime_new(mod, &cfg, &rt, &err) != NF_OK) {
        fprintf(stderr, "nanoflow run: %s\n", err ? err : "cannot create the runtime");
        /* a bad time zone is a usage error; a database that cannot be used is the user's */
        status = err && strncmp(err, "cannot open the local database", 30) != 0 ? NF_EXIT_USAGE
                                                                                : NF_EXIT_USER;
        nf_free(err);
        nf_module_free(mod);
        goto done;
    }
    nf_value *result = NULL;
    nf_status st = nf_call_text(rt, flow, names, values, (size_t)nargs, &result);
    if (st == NF_OK && (o.contents || o.save_contents) && !file_contents(rt, result, &o)) {
        status = NF_EXIT_USER;
        nf_value_free(result);
    } else if (st == NF_OK) {
        status = print_result(result, o.json);
        nf_value_free(result);
    } else if (st == NF_ERR_FLOW) {
        status = print_flow_error("run", rt, o.json);
    } else {
        fprintf(stderr, "nanoflow run: %s\n", nf_runtime_error_message(rt));
        status = st == NF_ERR_NOT_FOUND || st == NF_ERR_ARGUMENT ? NF_EXIT_USAGE : NF_EXIT_USER;
    }
    nf_runtime_free(rt);
    nf_module_free(mod);
done:
    free(pos);
    free(names);
    free(values);
    return status;
}

/* ---- eval -------------------------------------------------------------------------------------
 */

int nf_cmd_eval(int argc, char **argv) {
    run_opts o = {0};
    const char *expr = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: nanoflow eval [--timezone TZ] [--json] [--microflow] "
                   "[--max-instructions N] EXPR\n\n"
                   "Evaluates one Mendix expression with nanoflow rules (--microflow: microflow\n"
                   "rules, e.g. division to 34 significant digits) and prints the value as\n"
                   "toString() gives it, or {\"type\": T, \"value\": V} with --json.\n");
            return NF_EXIT_OK;
        }
        if (strcmp(argv[i], "--microflow") == 0) {
            o.microflow = true;
            continue;
        }
        int r = run_option("eval", argc, argv, &i, &o);
        if (r < 0) return NF_EXIT_USAGE;
        if (r > 0) continue;
        if (strcmp(argv[i], "--") == 0 && i + 1 < argc && !expr) {
            expr = argv[++i];
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] && !(argv[i][1] >= '0' && argv[i][1] <= '9') &&
            argv[i][1] != '(' && argv[i][1] != ' ' && argv[i][1] != '$') {
            fprintf(stderr, "nanoflow eval: unknown option %s\n", argv[i]);
            return NF_EXIT_USAGE;
        }
        if (expr) {
            fprintf(stderr, "nanoflow eval: give the expression as one argument (quote it)\n");
            return NF_EXIT_USAGE;
        }
        expr = argv[i];
    }
    if (!expr) {
        fprintf(stderr, "nanoflow eval: usage: nanoflow eval [--json] [--microflow] EXPR\n");
        return NF_EXIT_USAGE;
    }
    nf_config cfg;
    configure(&cfg, &o);
    nf_value *result = NULL;
    char *diags = NULL;
    nf_status st = nf_eval(expr, o.microflow, &cfg, &result, &diags);
    int status;
    if (st == NF_OK) {
        if (diags) fputs(diags, stderr);
        /* `empty` on its own has no type: print it as the empty value it is */
        status = NF_EXIT_OK;
        if (!o.json && nf_value_type(result) == NF_TYPE_NOTHING)
            puts("empty");
        else
            status = print_result(result, o.json);
        nf_value_free(result);
    } else {
        fprintf(stderr, "nanoflow eval: %s", diags ? diags : nf_status_text(st));
        if (!diags || diags[strlen(diags) - 1] != '\n') fputc('\n', stderr);
        status = st == NF_ERR_ARGUMENT ? NF_EXIT_USAGE : NF_EXIT_USER;
    }
    nf_free(diags);
    return status;
}
