/* gen_opcodes_md.c — writes docs/opcodes.md (the `docs-opcodes` build target).
 * usage: gen_opcodes_md [OUT.md]   (standard output without an argument) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bc_opdoc.h"

int main(int argc, char **argv) {
    if (argc > 2 || (argc == 2 && argv[1][0] == '-' && argv[1][1])) {
        fprintf(stderr, "usage: gen_opcodes_md [OUT.md]\n");
        return 2;
    }
    if (argc < 2) {
        nf_bc_opcodes_markdown(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    /* write beside the target and rename, so a failure never leaves half a file */
    size_t n = strlen(argv[1]) + 5;
    char *tmp = malloc(n);
    if (!tmp) return 1;
    snprintf(tmp, n, "%s.tmp", argv[1]);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        perror(tmp);
        free(tmp);
        return 1;
    }
    nf_bc_opcodes_markdown(f);
    if (ferror(f) | fclose(f) || rename(tmp, argv[1]) != 0) {
        perror(argv[1]);
        remove(tmp);
        free(tmp);
        return 1;
    }
    free(tmp);
    return 0;
}
