/* sources.c — collecting .mdl sources from the command line (files or directories). */
#include <stdio.h>

#include "cli.h"

bool nf_cli_add_sources(nf_cc_compilation *c, int argc, char **argv) {
    bool ok = true;
    for (int i = 0; i < argc; i++) {
        char err[1024];
        if (!nf_cc_add_path(c, argv[i], err, sizeof err)) {
            fprintf(stderr, "nanoflow: %s\n", err);
            ok = false;
        }
    }
    return ok;
}
