/* options.c — the options the subcommands share, parsed one way everywhere:
 * `--format text|json`, `--color auto|always|never` (each also as `--opt=value`) and, where a
 * command writes a file, `-o FILE` / `--output FILE` / `--output=FILE`. */
#include <string.h>

#include "cli.h"

/* The value of option `name` at argv[*i] ("--name value" or "--name=value"); NULL when
 * argv[*i] is not that option. *missing is set when the value is absent. */
const char *nf_cli_value_of(const char *name, int argc, char **argv, int *i, bool *missing) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] != '\0') return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return a;
    }
    return argv[++*i];
}

int nf_cli_option(const char *cmd, int argc, char **argv, int *i, nf_cli_opts *o) {
    const char *a = argv[*i];
    bool missing = false;
    const char *v;
    if ((v = nf_cli_value_of("--format", argc, argv, i, &missing))) {
        if (!missing && strcmp(v, "json") == 0)
            o->format = NF_FORMAT_JSON;
        else if (!missing && strcmp(v, "text") == 0)
            o->format = NF_FORMAT_TEXT;
        else {
            fprintf(stderr, "nanoflow %s: --format takes text or json\n", cmd);
            return -1;
        }
        return 1;
    }
    if ((v = nf_cli_value_of("--color", argc, argv, i, &missing))) {
        if (missing ||
            (strcmp(v, "auto") != 0 && strcmp(v, "always") != 0 && strcmp(v, "never") != 0)) {
            fprintf(stderr, "nanoflow %s: --color takes auto, always or never\n", cmd);
            return -1;
        }
        o->color = v;
        return 1;
    }
    if (o->accepts_output && ((v = nf_cli_value_of("--output", argc, argv, i, &missing)) ||
                              (v = nf_cli_value_of("-o", argc, argv, i, &missing)))) {
        if (missing || !*v) {
            fprintf(stderr, "nanoflow %s: -o needs a file name\n", cmd);
            return -1;
        }
        o->output = v;
        return 1;
    }
    if (a[0] == '-' && a[1] != '\0') {
        fprintf(stderr, "nanoflow %s: unknown option %s\n", cmd, a);
        return -1;
    }
    return 0;
}
