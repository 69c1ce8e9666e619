/* cmd_compat.c — `nanoflow compat OLD NEW` / `nanoflow compat --old PATH... --new PATH...`:
 * lists the changes from the old app to the new one that break clients deployed with the old
 * one (bc_compat.c), and the harmless ones as information. Each side is a compiled .nfb or MDL
 * sources (files or directories); sources are compiled, written and loaded again, so both go
 * through the same bytecode reader. Exit 0 no breaking change, 1 breaking changes (or a side
 * that does not compile or load), 2 usage error. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nf_bc.h"

static void compat_usage(FILE *out) {
    fprintf(out,
            "usage: nanoflow compat OLD NEW [--format text|json]\n"
            "       nanoflow compat --old PATH... --new PATH... [--format text|json]\n"
            "\n"
            "OLD and NEW are each a compiled .nfb, an .mdl file or a directory of .mdl files;\n"
            "with --old/--new each side takes several paths. Lists every change that breaks\n"
            "clients deployed with OLD (removed, renamed or retyped entities and attributes,\n"
            "entities dropped from the offline profile, microflows nanoflows call renamed, moved\n"
            "or removed, their parameters and return types, modules renamed, enumeration values\n"
            "removed) and, as information, the others.\n"
            "Exit status: 0 no breaking change, 1 breaking changes or an input that does not\n"
            "compile, 2 usage error.\n");
}

/* Loads one side into *m: an .nfb as it is; sources compiled and written first. */
static int load_side(const char *side, char **paths, int n, nf_bc_module *m) {
    for (int i = 0; i < n; i++)
        if (access(paths[i], R_OK) != 0) {
            fprintf(stderr, "nanoflow compat: cannot read %s: %s\n", paths[i], strerror(errno));
            return NF_EXIT_USAGE;
        }
    uint8_t *bytes = NULL;
    size_t len = 0;
    char err[512];
    if (n == 1 && nf_cli_ends_with(paths[0], ".nfb")) {
        bytes = nf_cli_read_file(paths[0], &len);
        if (!bytes) {
            fprintf(stderr, "nanoflow compat: cannot read %s\n", paths[0]);
            return NF_EXIT_USAGE;
        }
    } else {
        nf_cc_compilation *c = nf_cc_new();
        if (!c || !nf_cli_add_sources(c, n, paths)) {
            nf_cc_free(c);
            return NF_EXIT_USAGE;
        }
        nf_bc_module built;
        bool ok = nf_cc_build(c, &built);
        if (!ok) {
            nf_cli_print_diagnostics(c, NF_FORMAT_TEXT, nf_cli_use_color(stderr, "auto"));
            fprintf(stderr, "nanoflow compat: the %s app does not compile\n", side);
            nf_cc_free(c);
            return NF_EXIT_USER;
        }
        ok = nf_bc_write(&built, &bytes, &len);
        nf_cc_free(c);
        if (!ok) {
            fprintf(stderr, "nanoflow compat: the %s app exceeds the module format\n", side);
            return NF_EXIT_USER;
        }
    }
    bool ok = nf_bc_load(bytes, len, m, err, sizeof err);
    free(bytes);
    if (!ok) {
        fprintf(stderr, "nanoflow compat: the %s module does not load: %s\n", side, err);
        return NF_EXIT_USER;
    }
    return NF_EXIT_OK;
}

static void print_text(const nf_bc_changes *ch, const nf_bc_module *o, const nf_bc_module *n) {
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < ch->n; i++) {
            const nf_bc_change *x = &ch->items[i];
            if (x->breaking != (pass == 0)) continue;
            printf("%s: %s [%s]\n", x->breaking ? "breaking" : "info", x->message, x->kind);
        }
    printf("model %016llx -> %016llx: %u breaking change%s, %u other%s\n",
           (unsigned long long)o->model_hash, (unsigned long long)n->model_hash, ch->nbreaking,
           ch->nbreaking == 1 ? "" : "s", ch->n - ch->nbreaking,
           ch->n - ch->nbreaking == 1 ? "" : "s");
    if (!ch->nbreaking && o->model_hash != n->model_hash)
        printf("no breaking change: the server may keep accepting model %016llx "
               "(docs/sync-protocol.md §2)\n",
               (unsigned long long)o->model_hash);
}

static json_t *jstr(const char *s) {
    json_t *j = json_string(s);
    return j ? j : json_string("(invalid UTF-8)");
}

static void print_json(const nf_bc_changes *ch, const nf_bc_module *o, const nf_bc_module *n) {
    json_t *root = json_object(), *arr = json_array();
    char h[32];
    snprintf(h, sizeof h, "%016llx", (unsigned long long)o->model_hash);
    json_object_set_new(root, "oldModel", json_string(h));
    snprintf(h, sizeof h, "%016llx", (unsigned long long)n->model_hash);
    json_object_set_new(root, "newModel", json_string(h));
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < ch->n; i++) {
            const nf_bc_change *x = &ch->items[i];
            if (x->breaking != (pass == 0)) continue;
            json_t *c = json_object();
            json_object_set_new(c, "severity", json_string(x->breaking ? "breaking" : "info"));
            json_object_set_new(c, "kind", json_string(x->kind));
            json_object_set_new(c, "subject", jstr(x->subject));
            json_object_set_new(c, "message", jstr(x->message));
            json_array_append_new(arr, c);
        }
    json_object_set_new(root, "changes", arr);
    json_object_set_new(root, "breaking", json_integer(ch->nbreaking));
    json_object_set_new(root, "other", json_integer(ch->n - ch->nbreaking));
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
}

int nf_cmd_compat(int argc, char **argv) {
    nf_cli_opts o = {NF_FORMAT_TEXT, "auto", false, NULL};
    char **sides[2] = {calloc((size_t)argc, sizeof(char *)), calloc((size_t)argc, sizeof(char *))};
    int nside[2] = {0, 0}, npos = 0, cur = -1, status = NF_EXIT_USAGE;
    char **pos = calloc((size_t)argc, sizeof *pos);
    nf_bc_module m[2];
    memset(m, 0, sizeof m);
    bool loaded[2] = {false, false};
    if (!sides[0] || !sides[1] || !pos) {
        status = NF_EXIT_USER;
        goto done;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            compat_usage(stdout);
            status = NF_EXIT_OK;
            goto done;
        }
        if (strcmp(argv[i], "--old") == 0 || strcmp(argv[i], "--new") == 0) {
            cur = argv[i][2] == 'o' ? 0 : 1;
            continue;
        }
        int r = nf_cli_option("compat", argc, argv, &i, &o);
        if (r < 0) goto usage;
        if (r > 0) continue;
        if (cur >= 0)
            sides[cur][nside[cur]++] = argv[i];
        else
            pos[npos++] = argv[i];
    }
    if (cur < 0 && npos == 2) {
        sides[0][nside[0]++] = pos[0];
        sides[1][nside[1]++] = pos[1];
    } else if (cur < 0 || npos) {
        fprintf(stderr, "nanoflow compat: give OLD and NEW, or --old PATH... --new PATH...\n");
        goto usage;
    }
    if (!nside[0] || !nside[1]) {
        fprintf(stderr, "nanoflow compat: %s has no paths\n", nside[0] ? "--new" : "--old");
        goto usage;
    }
    for (int s = 0; s < 2; s++) {
        status = load_side(s ? "new" : "old", sides[s], nside[s], &m[s]);
        if (status != NF_EXIT_OK) goto done;
        loaded[s] = true;
    }
    nf_bc_changes ch = {0};
    if (!nf_bc_compat(&m[0], &m[1], &ch)) {
        fprintf(stderr, "nanoflow: out of memory\n");
        nf_bc_changes_free(&ch);
        status = NF_EXIT_USER;
        goto done;
    }
    if (o.format == NF_FORMAT_JSON)
        print_json(&ch, &m[0], &m[1]);
    else
        print_text(&ch, &m[0], &m[1]);
    status = ch.nbreaking ? NF_EXIT_USER : NF_EXIT_OK;
    nf_bc_changes_free(&ch);
    goto done;
usage:
    compat_usage(stderr);
    status = NF_EXIT_USAGE;
done:
    for (int s = 0; s < 2; s++) {
        if (loaded[s]) nf_bc_free(&m[s]);
        free(sides[s]);
    }
    free(pos);
    return status;
}
