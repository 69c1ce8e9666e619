/* cmd_quarantine.c — `nanoflow quarantine APP --db DEVICE.db [--resubmit QID] [--format
 * text|json]` (also spelled `nanoflow sync quarantine …`): the local quarantine of a device
 * database, the objects the server rejected or found in conflict with the device's data
 * (docs/sync-client.md), listed, or one entry put back to be uploaded by the next synchronize.
 * On the embedding API only (nf_sync_quarantine, nf_sync_resubmit). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nanoflow.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: nanoflow quarantine APP --db DEVICE.db [--resubmit QID] [--format text|json]\n"
            "\n"
            "Lists the local quarantine of a device database: the objects the sync server\n"
            "rejected or found in conflict, with the device's data. APP is the app's .nfb module\n"
            "or .mdl files. --format json prints the entries as one JSON array (the fields of\n"
            "nf_sync_quarantine). --resubmit QID puts entry QID's values back as a new local\n"
            "commit, which the next synchronize uploads, and removes the entry.\n");
}

/* One line per entry: QID, status, entity, id, seq, time, reason. */
static void print_table(const json_t *list) {
    printf("%-5s %-9s %-28s %-36s %-5s %-24s %s\n", "QID", "STATUS", "ENTITY", "ID", "SEQ", "AT",
           "REASON");
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e) {
        printf("%-5lld %-9s %-28s %-36s %-5lld %-24s %s\n",
               (long long)json_integer_value(json_object_get(e, "qid")),
               json_string_value(json_object_get(e, "status")),
               json_string_value(json_object_get(e, "entity")),
               json_string_value(json_object_get(e, "id")),
               (long long)json_integer_value(json_object_get(e, "seq")),
               json_string_value(json_object_get(e, "at")),
               json_string_value(json_object_get(e, "reason")));
    }
    if (json_array_size(list) == 0) printf("(the quarantine is empty)\n");
}

int nf_cmd_quarantine(int argc, char **argv) {
    const char *db = NULL, *resubmit = NULL;
    bool json = false;
    char **paths = calloc((size_t)argc, sizeof *paths);
    int npaths = 0;
    if (!paths) return NF_EXIT_USER;
    int status = NF_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            status = NF_EXIT_OK;
            goto done;
        }
        if ((v = nf_cli_value_of("--db", argc, argv, &i, &missing))) {
            if (missing || !*v) {
                fprintf(stderr, "nanoflow quarantine: --db needs the device database file\n");
                goto done;
            }
            db = v;
        } else if ((v = nf_cli_value_of("--resubmit", argc, argv, &i, &missing))) {
            char *end;
            errno = 0;
            long long q = missing ? 0 : strtoll(v, &end, 10);
            if (missing || !*v || *end || errno || q <= 0) {
                fprintf(stderr, "nanoflow quarantine: --resubmit needs an entry's QID\n");
                goto done;
            }
            resubmit = v;
        } else if ((v = nf_cli_value_of("--format", argc, argv, &i, &missing))) {
            if (missing || (strcmp(v, "text") != 0 && strcmp(v, "json") != 0)) {
                fprintf(stderr, "nanoflow quarantine: --format takes text or json\n");
                goto done;
            }
            json = strcmp(v, "json") == 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "nanoflow quarantine: unknown option %s\n", argv[i]);
            goto done;
        } else {
            paths[npaths++] = argv[i];
        }
    }
    if (npaths == 0 || !db) {
        fprintf(stderr, "nanoflow quarantine: usage: nanoflow quarantine APP --db DEVICE.db "
                        "[--resubmit QID] [--format text|json]\n");
        goto done;
    }
    for (int i = 0; i < npaths; i++)
        if (access(paths[i], R_OK) != 0) {
            fprintf(stderr, "nanoflow quarantine: cannot read %s: %s\n", paths[i], strerror(errno));
            goto done;
        }
    /* a device database that is not there has no quarantine: never create one */
    if (access(db, R_OK | W_OK) != 0) {
        fprintf(stderr, "nanoflow quarantine: cannot open %s: %s\n", db, strerror(errno));
        goto done;
    }
    status = NF_EXIT_USER;
    nf_module *mod = NULL;
    char *msg = NULL;
    nf_status st =
        npaths == 1 && nf_cli_ends_with(paths[0], ".nfb")
            ? nf_module_load_file(paths[0], &mod, &msg)
            : nf_module_compile_files((const char *const *)paths, (size_t)npaths, &mod, &msg);
    if (st != NF_OK) {
        fprintf(stderr, "%s%s", msg ? msg : nf_status_text(st),
                msg && *msg && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
        nf_free(msg);
        goto done;
    }
    nf_free(msg);
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.database = db;
    nf_runtime *rt;
    char *err = NULL;
    if (nf_runtime_new(mod, &cfg, &rt, &err) != NF_OK) {
        fprintf(stderr, "nanoflow quarantine: %s\n", err ? err : "cannot open the database");
        nf_free(err);
        nf_module_free(mod);
        goto done;
    }
    if (resubmit) {
        int64_t qid = strtoll(resubmit, NULL, 10);
        st = nf_sync_resubmit(rt, qid);
        if (st == NF_OK) {
            if (json)
                printf("{\"resubmitted\":%lld}\n", (long long)qid);
            else
                printf("resubmitted entry %lld: the next synchronize uploads it\n", (long long)qid);
            status = NF_EXIT_OK;
        } else {
            fprintf(stderr, "nanoflow quarantine: %s\n", nf_runtime_error_message(rt));
        }
    } else {
        char *text = NULL;
        st = nf_sync_quarantine(rt, &text);
        json_t *list = st == NF_OK ? json_loads(text, 0, NULL) : NULL;
        if (!list) {
            fprintf(stderr, "nanoflow quarantine: %s\n",
                    st == NF_OK ? "out of memory" : nf_runtime_error_message(rt));
        } else {
            if (json)
                puts(text);
            else
                print_table(list);
            status = NF_EXIT_OK;
        }
        json_decref(list);
        nf_free(text);
    }
    nf_runtime_free(rt);
    nf_module_free(mod);
done:
    free(paths);
    return status;
}
