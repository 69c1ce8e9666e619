/* cc_diag.h — diagnostics: collection, codes and rendering.
 *
 * Every problem the front end finds becomes one nf_cc_diag with a stable code (cc_diag.def),
 * a severity, a source span and a message. Rendering follows DESIGN §9:
 *     FILE:LINE:COL: error|warning: MESSAGE [NFnnnn]
 * followed by the source line and a caret under the span. */
#ifndef NF_CC_DIAG_H
#define NF_CC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "cc_source.h"

typedef enum nf_cc_severity { NF_SEV_ERROR, NF_SEV_WARNING, NF_SEV_NOTE } nf_cc_severity;

typedef enum nf_cc_diag_code {
#define NF_DIAG(num, name, sev, text) NF_D_##name = num,
#include "cc_diag.def"
#undef NF_DIAG
} nf_cc_diag_code;

typedef struct nf_cc_diag {
    nf_cc_severity sev;
    unsigned code; /* NFnnnn number; 0 for notes attached to the previous diagnostic */
    nf_cc_span span;
    char *msg;      /* owned */
    unsigned group; /* a diagnostic and its notes share a group; sorting keeps them together */
} nf_cc_diag;

typedef struct nf_cc_diags {
    nf_cc_diag *items;
    unsigned n, cap;
    unsigned nerrors, nwarnings;
    unsigned dropped; /* reported past the limit, counted but not stored */
    unsigned limit;   /* most diagnostics stored (default 1000) */
    bool oom;
} nf_cc_diags;

typedef struct nf_cc_diag_info {
    unsigned code;
    const char *name;
    nf_cc_severity sev;
    const char *text;
} nf_cc_diag_info;

void nf_cc_diags_init(nf_cc_diags *d);
void nf_cc_diags_free(nf_cc_diags *d);

/* Reports code at span with its default severity; fmt is printf-style. */
void nf_cc_report(nf_cc_diags *d, nf_cc_diag_code code, nf_cc_span span, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void nf_cc_vreport(nf_cc_diags *d, nf_cc_diag_code code, nf_cc_severity sev, nf_cc_span span,
                   const char *fmt, va_list ap);
/* Adds a note to the previous diagnostic (e.g. "previous definition is here"). */
void nf_cc_note(nf_cc_diags *d, nf_cc_span span, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Table lookup; NULL for an unknown code. */
const nf_cc_diag_info *nf_cc_diag_lookup(unsigned code);
/* The whole table, ordered by code; *n receives its length. */
const nf_cc_diag_info *nf_cc_diag_table(unsigned *n);

/* Sorts by file, offset (stable), so output follows the source. */
void nf_cc_diags_sort(nf_cc_diags *d);
/* Renders all diagnostics as text to out (color when use_color). */
void nf_cc_diags_print(nf_cc_diags *d, nf_cc_sources *srcs, FILE *out, bool use_color);

#endif
