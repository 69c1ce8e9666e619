/* cc_paths.c — adding sources by path: a file, or a directory's *.mdl files in name order
 * (recursively), so that the CLI and the embedding API read applications the same way. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nf_compiler.h"

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool add_file(nf_cc_compilation *c, const char *path, char *err, size_t n) {
    const char *why;
    if (nf_cc_add_file(c, path, &why)) return true;
    snprintf(err, n, "cannot read %s: %s", path, why);
    return false;
}

static bool add_dir(nf_cc_compilation *c, const char *dir, int depth, char *err, size_t errn) {
    if (depth > 16) return true;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errn, "cannot read directory %s: %s", dir, strerror(errno));
        return false;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.') continue;
        size_t len = strlen(dir) + strlen(ent->d_name) + 2;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (!nn) {
                ok = false;
                break;
            }
            names = nn;
            cap = ncap;
        }
        char *path = malloc(len);
        if (!path) {
            ok = false;
            break;
        }
        snprintf(path, len, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", ent->d_name);
        names[n++] = path;
    }
    closedir(d);
    if (!ok) snprintf(err, errn, "out of memory reading directory %s", dir);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (ok && stat(names[i], &st) == 0) {
            if (S_ISDIR(st.st_mode))
                ok = add_dir(c, names[i], depth + 1, err, errn);
            else if (ends_with(names[i], ".mdl"))
                ok = add_file(c, names[i], err, errn);
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

bool nf_cc_add_path(nf_cc_compilation *c, const char *path, char *err, size_t n) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return add_dir(c, path, 0, err, n);
    return add_file(c, path, err, n);
}
