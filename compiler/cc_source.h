/* cc_source.h — source texts of one compilation and offset → line/column mapping. */
#ifndef NF_CC_SOURCE_H
#define NF_CC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

/* A span of source text: file index into nf_cc_sources, byte offset and length. */
typedef struct nf_cc_span {
    uint32_t file;
    uint32_t off;
    uint32_t len;
} nf_cc_span;

typedef struct nf_cc_source {
    char *path;      /* as given by the user (owned) */
    char *text;      /* contents, NUL-terminated (owned); may contain NUL bytes */
    size_t len;      /* bytes, not counting the terminator */
    int mapped;      /* text is a private mapping of the file (munmap), not malloc'd */
    uint32_t *lines; /* offsets of line starts, built on first use (owned) */
    uint32_t nlines;
    uint32_t line_hint; /* index into lines of the last line found: the code generator asks
                           for the lines of statements in source order */
    uint32_t col_line, col_off, col; /* last column computed: diagnostics come in offset order,
                                        so a long line is scanned once, not once per diagnostic */
} nf_cc_source;

typedef struct nf_cc_sources {
    nf_cc_source *files;
    uint32_t n, cap;
} nf_cc_sources;

/* Maximum size of one source file: offsets are 32-bit. */
#define NF_CC_MAX_SOURCE ((size_t)1 << 30)

void nf_cc_sources_free(nf_cc_sources *s);
/* Adds a copy of text under the name path; returns the file index or -1 on out-of-memory
 * or a file over NF_CC_MAX_SOURCE. */
int nf_cc_sources_add(nf_cc_sources *s, const char *path, const char *text, size_t len);
/* Reads a file; returns its index, or -1 and sets *err to a static description. */
int nf_cc_sources_read(nf_cc_sources *s, const char *path, const char **err);

/* 1-based line and column (column counts UTF-8 code points) of a byte offset. */
void nf_cc_source_position(nf_cc_source *src, uint32_t off, uint32_t *line, uint32_t *col);
/* The 1-based line of byte offset off (cheaper than nf_cc_source_position: no column). */
uint32_t nf_cc_source_line_of(nf_cc_source *src, uint32_t off);
/* Start offset and length (without the newline) of the 1-based line. */
void nf_cc_source_line(nf_cc_source *src, uint32_t line, uint32_t *start, uint32_t *len);

#endif
