/* cmd_check.c — `nanoflow check FILE.mdl|DIR... [--format text|json] [--color auto|always|never]`:
 * parses, checks and generates code for the sources (writing nothing), prints every
 * diagnostic, exits 0 when there are no errors. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nf_bc.h"

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
    nf_cli_opts o = {NF_FORMAT_TEXT, "auto", false, NULL};
    char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    if (!files) return NF_EXIT_USER;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            check_usage(stdout);
            free(files);
            return NF_EXIT_OK;
        }
        int r = nf_cli_option("check", argc, argv, &i, &o);
        if (r < 0) {
            check_usage(stderr);
            free(files);
            return NF_EXIT_USAGE;
        }
        if (r == 0) files[nfiles++] = argv[i];
    }
    nf_cli_format fmt = o.format;
    const char *color = o.color;
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
    /* the code generator runs too (its module is dropped): it has limits of its own, and a
     * clean check promises that compile succeeds */
    struct nf_bc_module *m = malloc(sizeof *m);
    bool ok = m && nf_cc_build(c, m);
    free(m);
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
