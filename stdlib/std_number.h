/* std_number.h — number parsing and formatting behind the expression functions parseInteger,
 * parseDecimal and formatDecimal (Mendix semantics, EXP/parse-integer.md and
 * EXP/parse-and-format-decimal-function-calls.md), built on ICU.
 *
 * Pure library: no VM types. Decimals cross this API as plain decimal text ("-1234.5": an
 * optional '-', ASCII digits, an optional '.' followed by digits; no exponent, no grouping),
 * which the VM converts exactly with its own decimal library. No binary floating point is used
 * anywhere: ICU is driven through unum_formatDecimal / unum_parseDecimal, which take and give
 * decimal strings.
 *
 * One nf_std_number per runtime (or per thread): it holds the user's locale and a small LRU
 * cache of ICU formatters keyed by (pattern, locale). It is not thread-safe; there is no global
 * mutable state, so separate objects may be used from separate threads.
 *
 * Defaults (calls without a pattern, i.e. what nanoflows do):
 *   formatDecimal(d)  the locale's grouping and decimal separator with every fraction digit of d
 *                     kept (no rounding): 1234.56 -> "1,234.56" (en_US), "1.234,56" (nl_NL).
 *   parseDecimal(s)   the same locale form; grouping separators are optional ("3.45",
 *                     "1,234.5" and "1234.5" in en_US; "3,45" and "1.234,5" in nl_NL).
 * With a pattern (microflows): Java DecimalFormat pattern syntax as ICU implements it, rounding
 * half-even (Java's default).
 *
 * Errors: every function returns a status; the user-facing message of the last failure is
 * available from nf_std_number_error() (it names the offending input). Results are malloc'd
 * and owned by the caller; nothing is written to *out on failure. */
#ifndef NF_STD_NUMBER_H
#define NF_STD_NUMBER_H

#include <stddef.h>
#include <stdint.h>

typedef struct nf_std_number nf_std_number;

typedef enum {
    NF_STD_NUM_OK = 0,
    NF_STD_NUM_SYNTAX,  /* text is not a number (junk, trailing garbage, empty, invalid UTF-8) */
    NF_STD_NUM_RANGE,   /* a number, but not representable (int64 overflow, too many digits) */
    NF_STD_NUM_PATTERN, /* the format pattern is invalid */
    NF_STD_NUM_LOCALE,  /* the locale tag is ill-formed */
    NF_STD_NUM_NOMEM,   /* out of memory, or an unexpected ICU failure */
} nf_std_num_status;

/* Limits of the plain decimal texts accepted and produced (digits before/after the point). */
#define NF_STD_NUM_MAX_INT_DIGITS  1000
#define NF_STD_NUM_MAX_FRAC_DIGITS 999

/* Opens a number context for a locale: a Java/BCP-47 tag such as "nl_NL", "nl-NL" or "en";
 * NULL or "" means "en_US". Returns NULL on failure with a message in err (if errn > 0). */
nf_std_number *nf_std_number_open(const char *locale, char *err, size_t errn);
void nf_std_number_close(nf_std_number *n);
/* The message of the last failure ("" if none). Valid until the next call on n. */
const char *nf_std_number_error(const nf_std_number *n);
/* The ICU locale ID the context uses (e.g. "nl_NL"). */
const char *nf_std_number_locale(const nf_std_number *n);

/* parseInteger(s): Java Long.parseLong syntax: an optional '+' or '-' followed by one or more
 * ASCII digits, nothing else (no spaces, grouping or fraction). Out of int64 range -> RANGE. */
nf_std_num_status nf_std_parse_integer(nf_std_number *n, const char *s, size_t len, int64_t *out);

/* parseDecimal(s[, pattern]): s (UTF-8, len bytes) must be consumed entirely. Without a pattern
 * the context locale's decimal form is used; with one, the Java DecimalFormat pattern (in the
 * context locale). *out receives canonical plain decimal text: no exponent, no leading zeros,
 * no trailing fraction zeros, "0" for zero (never "-0"). */
nf_std_num_status nf_std_parse_decimal(nf_std_number *n, const char *s, size_t len,
                                       const char *pattern, char **out);

/* formatDecimal(dec_text[, pattern[, locale]]): dec_text is plain decimal text. pattern NULL =
 * the default form above; locale NULL = the context locale. *out receives malloc'd UTF-8. */
nf_std_num_status nf_std_format_decimal(nf_std_number *n, const char *dec_text, const char *pattern,
                                        const char *locale, char **out);

#endif
