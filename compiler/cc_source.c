/* cc_source.c — source texts and line maps; see cc_source.h. */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* madvise, MADV_POPULATE_READ */
#endif
#include "cc_source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void nf_cc_sources_free(nf_cc_sources *s) {
    for (uint32_t i = 0; i < s->n; i++) {
        free(s->files[i].path);
        if (s->files[i].mapped)
            munmap(s->files[i].text, s->files[i].len);
        else
            free(s->files[i].text);
        free(s->files[i].lines);
    }
    free(s->files);
    memset(s, 0, sizeof *s);
}

static int add_owned(nf_cc_sources *s, const char *path, char *text, size_t len) {
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        nf_cc_source *f = realloc(s->files, cap * sizeof *f);
        if (!f) return -1;
        s->files = f;
        s->cap = cap;
    }
    nf_cc_source *f = &s->files[s->n];
    memset(f, 0, sizeof *f);
    size_t plen = strlen(path);
    f->path = malloc(plen + 1);
    if (!f->path) return -1;
    memcpy(f->path, path, plen + 1);
    f->text = text;
    f->len = len;
    return (int)s->n++;
}

int nf_cc_sources_add(nf_cc_sources *s, const char *path, const char *text, size_t len) {
    if (len >= NF_CC_MAX_SOURCE) return -1;
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    if (len) memcpy(copy, text, len);
    copy[len] = '\0';
    int idx = add_owned(s, path, copy, len);
    if (idx < 0) free(copy);
    return idx;
}

/* Files from this size on are mapped rather than read: the pages come from the page cache
 * (many per fault) instead of being faulted in zeroed and then copied. */
#define NF_CC_MAP_MIN ((off_t)64 * 1024)

/* A private mapping of the regular file fp, NUL-terminated by the zero fill of its last page,
 * and its length; NULL when the file is better read (small, not regular, or a multiple of
 * the page size long, so that there is no byte after it to hold the terminator). */
static char *map_file(FILE *fp, size_t *len) {
    struct stat st;
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size < NF_CC_MAP_MIN || (uint64_t)st.st_size >= NF_CC_MAX_SOURCE ||
        st.st_size % page == 0)
        return NULL;
    /* writable copy-on-write, like a malloc'd copy; untouched pages stay shared */
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fileno(fp), 0);
    if (m == MAP_FAILED) return NULL;
#ifdef MADV_POPULATE_READ
    /* Linux: map all pages of the file now, in one system call, instead of a page fault per
     * few pages as the lexer reaches them (they stay shared with the page cache until
     * written); without it, or when it fails, they fault in as usual */
    (void)madvise(m, (size_t)st.st_size, MADV_POPULATE_READ);
#endif
    *len = (size_t)st.st_size;
    return m;
}

int nf_cc_sources_read(nf_cc_sources *s, const char *path, const char **err) {
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        *err = strerror(errno);
        return -1;
    }
    size_t mlen = 0;
    char *mtext = map_file(fp, &mlen);
    if (mtext) {
        fclose(fp);
        int idx = add_owned(s, path, mtext, mlen);
        if (idx < 0) {
            munmap(mtext, mlen);
            *err = "out of memory";
            return -1;
        }
        s->files[idx].mapped = 1;
        return idx;
    }
    /* size the buffer from the file when it can be known, so large sources are read once */
    size_t cap = 1 << 16, len = 0;
    if (fseek(fp, 0, SEEK_END) == 0) {
        long size = ftell(fp);
        if (size >= 0 && (size_t)size < NF_CC_MAX_SOURCE) cap = (size_t)size + 2;
        rewind(fp);
    }
    char *buf = malloc(cap);
    if (!buf) goto oom;
    for (;;) {
        if (cap - len < 2) {
            if (cap >= NF_CC_MAX_SOURCE) {
                free(buf);
                fclose(fp);
                *err = "file too large (limit 1 GiB)";
                return -1;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) goto oom;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, fp);
        len += got;
        if (got == 0) break;
    }
    if (ferror(fp)) {
        free(buf);
        fclose(fp);
        *err = "read error";
        return -1;
    }
    fclose(fp);
    buf[len] = '\0';
    int idx = add_owned(s, path, buf, len);
    if (idx < 0) {
        free(buf);
        *err = "out of memory";
    }
    return idx;
oom:
    free(buf);
    fclose(fp);
    *err = "out of memory";
    return -1;
}

/* Line starts, found with memchr (vectorized in libc) in one pass over the text, into a table
 * sized for lines of 32 bytes on average and grown when there are more: the table is built
 * once per file, on the first position asked for. */
static void build_lines(nf_cc_source *src) {
    const char *t = src->text, *end = src->text + src->len;
    size_t cap = src->len / 32 + 16, n = 1;
    uint32_t *lines = malloc(cap * sizeof *lines);
    if (!lines) return;
    lines[0] = 0;
    for (const char *p = t; p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
        if (n == cap) {
            uint32_t *more = realloc(lines, cap * 2 * sizeof *lines);
            if (!more) {
                free(lines);
                return;
            }
            lines = more;
            cap *= 2;
        }
        lines[n++] = (uint32_t)(p - t + 1);
    }
    src->lines = lines;
    src->nlines = (uint32_t)n;
}

uint32_t nf_cc_source_line_of(nf_cc_source *src, uint32_t off) {
    if (!src->lines) build_lines(src);
    if (!src->lines) return 1;
    if (off > src->len) off = (uint32_t)src->len;
    /* the line of the last lookup or the next one, else a binary search: the last line start
     * at or before off */
    const uint32_t *l = src->lines, n = src->nlines;
    for (uint32_t k = src->line_hint; k < n && k <= src->line_hint + 1; k++) {
        if (l[k] > off) break;
        if (k + 1 == n || off < l[k + 1]) {
            src->line_hint = k;
            return k + 1;
        }
    }
    uint32_t lo = 0, hi = n;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    src->line_hint = lo;
    return lo + 1;
}

void nf_cc_source_position(nf_cc_source *src, uint32_t off, uint32_t *line, uint32_t *col) {
    if (!src->lines) build_lines(src);
    if (off > src->len) off = (uint32_t)src->len;
    if (!src->lines) { /* out of memory: degrade to line 1 */
        *line = 1;
        *col = off + 1;
        return;
    }
    uint32_t lo = 0, hi = src->nlines;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (src->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = lo + 1;
    uint32_t from = src->lines[lo], c = 1;
    if (src->col_line == lo + 1 && src->col_off <= off && src->col_off >= from) {
        from = src->col_off;
        c = src->col;
    }
    for (uint32_t i = from; i < off; i++)
        if (((unsigned char)src->text[i] & 0xC0) != 0x80) c++;
    *col = c;
    src->col_line = lo + 1;
    src->col_off = off;
    src->col = c;
}

void nf_cc_source_line(nf_cc_source *src, uint32_t line, uint32_t *start, uint32_t *len) {
    if (!src->lines) build_lines(src);
    if (!src->lines || line == 0 || line > src->nlines) {
        *start = 0;
        *len = 0;
        return;
    }
    uint32_t s = src->lines[line - 1];
    uint32_t e = line < src->nlines ? src->lines[line] - 1 : (uint32_t)src->len;
    if (e > s && src->text[e - 1] == '\r') e--;
    *start = s;
    *len = e - s;
}
