/* cmd_check.c — `nanoflow check FILE.mdl|DIR... [--format text|json] [--color auto|always|never]`:
 * parses and checks sources, prints every diagnostic, exits 0 when there are no errors. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void check_usage(FILE *out) {
    fprintf(
        out,
        "usage: nanoflow check FILE.mdl|DIR... [--format text|json] [--color auto|always|never]\n"
        "\n"
        "Checks MDL sources (a directory means every .mdl file in it) and reports every error\n"
        "and warning as FILE:LINE:COL: severity: message [NFnnnn] with the source line.\n"
        "Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage error.\n");
}

int nf_cmd_check(int argc, char **argv) {
    nf_cli_format fmt = NF_FORMAT_TEXT;
    const char *color = "auto";
    char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    if (!files) return NF_EXIT_USER;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            check_usage(stdout);
            free(files);
            return NF_EXIT_OK;
        }
        const char *val = NULL;
        if (strncmp(a, "--format=", 9) == 0)
            val = a + 9;
        else if (strcmp(a, "--format") == 0 && i + 1 < argc)
            val = argv[++i];
        if (val || strcmp(a, "--format") == 0) {
            if (val && strcmp(val, "json") == 0)
                fmt = NF_FORMAT_JSON;
            else if (val && strcmp(val, "text") == 0)
                fmt = NF_FORMAT_TEXT;
            else {
                fprintf(stderr, "nanoflow check: --format takes text or json\n");
                free(files);
                return NF_EXIT_USAGE;
            }
            continue;
        }
        if (strncmp(a, "--color=", 8) == 0) {
            color = a + 8;
            continue;
        }
        if (strcmp(a, "--color") == 0 && i + 1 < argc) {
            color = argv[++i];
            continue;
        }
        if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "nanoflow check: unknown option %s\n", a);
            check_usage(stderr);
            free(files);
            return NF_EXIT_USAGE;
        }
        files[nfiles++] = argv[i];
    }
    if (nfiles == 0) {
        fprintf(stderr, "nanoflow check: no source files given\n");
        check_usage(stderr);
        free(files);
        return NF_EXIT_USAGE;
    }
    nf_cc_compilation *c = nf_cc_new();
    if (!c) {
        fprintf(stderr, "nanoflow: out of memory\n");
        free(files);
        return NF_EXIT_USER;
    }
    bool readable = nf_cli_add_sources(c, nfiles, files);
    free(files);
    if (!readable) {
        nf_cc_free(c);
        return NF_EXIT_USAGE;
    }
    bool ok = nf_cc_check(c);
    nf_cli_print_diagnostics(c, fmt, nf_cli_use_color(stderr, color));
    if (fmt == NF_FORMAT_TEXT) {
        nf_cc_diags *d = nf_cc_diagnostics(c);
        unsigned nsrc = nf_cc_sources_of(c)->n - 1; /* without the built-in System module */
        fprintf(stderr, "%u file%s checked: %u error%s, %u warning%s\n", nsrc, nsrc == 1 ? "" : "s",
                d->nerrors, d->nerrors == 1 ? "" : "s", d->nwarnings, d->nwarnings == 1 ? "" : "s");
    }
    nf_cc_free(c);
    return ok ? NF_EXIT_OK : NF_EXIT_USER;
}
