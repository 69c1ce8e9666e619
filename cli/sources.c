/* sources.c — collecting .mdl sources from the command line (files or directories). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Adds every *.mdl file under dir, in sorted order, recursing into subdirectories. */
static bool add_dir(nf_cc_compilation *c, const char *dir, int depth) {
    if (depth > 16) return true;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "nanoflow: cannot read directory %s: %s\n", dir, strerror(errno));
        return false;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.') continue;
        size_t len = strlen(dir) + strlen(ent->d_name) + 2;
        char *path = malloc(len);
        if (!path) {
            ok = false;
            break;
        }
        snprintf(path, len, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", ent->d_name);
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                free(path);
                ok = false;
                break;
            }
            names = nn;
        }
        names[n++] = path;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (ok && stat(names[i], &st) == 0) {
            if (S_ISDIR(st.st_mode))
                ok = add_dir(c, names[i], depth + 1) && ok;
            else if (ends_with(names[i], ".mdl")) {
                const char *err;
                if (!nf_cc_add_file(c, names[i], &err)) {
                    fprintf(stderr, "nanoflow: cannot read %s: %s\n", names[i], err);
                    ok = false;
                }
            }
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

bool nf_cli_add_sources(nf_cc_compilation *c, int argc, char **argv) {
    bool ok = true;
    for (int i = 0; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            ok = add_dir(c, argv[i], 0) && ok;
            continue;
        }
        const char *err;
        if (!nf_cc_add_file(c, argv[i], &err)) {
            fprintf(stderr, "nanoflow: cannot read %s: %s\n", argv[i], err);
            ok = false;
        }
    }
    return ok;
}
