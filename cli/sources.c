/* sources.c — collecting .mdl sources from the command line (files or directories), and
 * reading whole files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

bool nf_cli_ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

uint8_t *nf_cli_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        uint8_t *nb = cap < ((size_t)1 << 31) ? realloc(buf, cap * 2) : NULL;
        if (!nb) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}
