/* cmd_lint.c — `nanoflow lint FILE.mdl|DIR... [--disable NFnnnn[,…]]... [--format text|json]
 * [--color auto|always|never] [--list]`: checks the sources and reports the offline best
 * practices they break as NF6xxx warnings (docs/lint.md), besides the compiler's own
 * diagnostics. Exit 0 when nothing is left after suppression, 1 when any error or warning is,
 * 2 on a usage error: the linter exists to gate a build, so its findings fail it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void lint_usage(FILE *out) {
    fprintf(out,
            "usage: nanoflow lint FILE.mdl|DIR... [--disable NFnnnn[,NFnnnn...]]...\n"
            "                     [--format text|json] [--color auto|always|never] [--list]\n"
            "\n"
            "Checks MDL sources and reports the offline best practices they break (NF6xxx\n"
            "warnings, docs/lint.md) with the compiler's own diagnostics. A warning is suppressed\n"
            "by --disable or by a comment: '-- lint: ignore NF6001' after code (that line), on a\n"
            "line of its own (the next declaration or line) or '-- lint: ignore-file NF6001'.\n"
            "--list prints the lint codes and their rules.\n"
            "Exit status: 0 nothing reported, 1 errors or warnings, 2 usage error.\n");
}

/* Parses "NF6001,6002" into codes; false on a malformed or unknown code. */
static bool parse_codes(const char *v, unsigned **codes, unsigned *n) {
    const char *p = v;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        if (!*p) break;
        if ((p[0] == 'N' || p[0] == 'n') && (p[1] == 'F' || p[1] == 'f')) p += 2;
        if (!isdigit((unsigned char)*p)) return false;
        char *end;
        unsigned long code = strtoul(p, &end, 10);
        if (code > 9999 || !nf_cc_diag_lookup((unsigned)code)) return false;
        unsigned *grown = realloc(*codes, (*n + 1) * sizeof **codes);
        if (!grown) return false;
        *codes = grown;
        (*codes)[(*n)++] = (unsigned)code;
        p = end;
        if (*p && *p != ',' && *p != ' ') return false;
    }
    return true;
}

static void list_rules(void) {
    unsigned n;
    const nf_cc_diag_info *t = nf_cc_diag_table(&n);
    for (unsigned i = 0; i < n; i++)
        if (t[i].code >= 6000 && t[i].code < 7000) printf("NF%04u  %s\n", t[i].code, t[i].text);
}

int nf_cmd_lint(int argc, char **argv) {
    nf_cli_opts o = {NF_FORMAT_TEXT, "auto", false, NULL};
    char **files = calloc((size_t)argc, sizeof *files);
    unsigned *disabled = NULL, ndisabled = 0;
    int nfiles = 0, status = NF_EXIT_USAGE;
    if (!files) return NF_EXIT_USER;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            lint_usage(stdout);
            status = NF_EXIT_OK;
            goto done;
        }
        if (strcmp(argv[i], "--list") == 0) {
            list_rules();
            status = NF_EXIT_OK;
            goto done;
        }
        if ((v = nf_cli_value_of("--disable", argc, argv, &i, &missing))) {
            if (missing || !parse_codes(v, &disabled, &ndisabled)) {
                fprintf(stderr,
                        "nanoflow lint: --disable takes diagnostic codes (NF6001,NF6002)\n");
                goto usage;
            }
            continue;
        }
        int r = nf_cli_option("lint", argc, argv, &i, &o);
        if (r < 0) goto usage;
        if (r == 0) files[nfiles++] = argv[i];
    }
    if (nfiles == 0) {
        fprintf(stderr, "nanoflow lint: no source files given\n");
        goto usage;
    }
    nf_cc_compilation *c = nf_cc_new();
    if (!c) {
        fprintf(stderr, "nanoflow: out of memory\n");
        status = NF_EXIT_USER;
        goto done;
    }
    if (!nf_cli_add_sources(c, nfiles, files)) {
        nf_cc_free(c);
        goto done;
    }
    bool ok = nf_cc_lint(c, disabled, ndisabled);
    nf_cli_print_diagnostics(c, o.format, nf_cli_use_color(stderr, o.color));
    nf_cc_diags *d = nf_cc_diagnostics(c);
    if (o.format == NF_FORMAT_TEXT) {
        unsigned nsrc = nf_cc_sources_of(c)->n - 1; /* without the built-in System module */
        fprintf(stderr, "%u file%s linted: %u error%s, %u warning%s\n", nsrc, nsrc == 1 ? "" : "s",
                d->nerrors, d->nerrors == 1 ? "" : "s", d->nwarnings, d->nwarnings == 1 ? "" : "s");
    }
    status = ok && d->nwarnings == 0 && !d->dropped ? NF_EXIT_OK : NF_EXIT_USER;
    nf_cc_free(c);
    goto done;
usage:
    lint_usage(stderr);
    status = NF_EXIT_USAGE;
done:
    free(files);
    free(disabled);
    return status;
}
