/* std_text.h — string functions and regular expressions behind the Mendix expression functions
 * (EXP/string-function-calls.md, EXP/length.md): length, substring, find, findLast, contains,
 * startsWith, endsWith, toLowerCase, toUpperCase, trim, isMatch, replaceAll, replaceFirst,
 * urlEncode, urlDecode. Built on ICU (case mapping) and PCRE2 (regular expressions).
 *
 * Pure library: no VM types, no global mutable state.
 *
 * Text model. Strings are UTF-8 with an explicit byte length (NUL bytes allowed). Every index
 * and length seen by the user counts UTF-16 code units, as in Java and JavaScript: 'é' is 1,
 * an emoji outside the BMP is 2. Invalid UTF-8 never fails: each byte that does not start a
 * well-formed sequence (overlong forms, surrogates and truncated sequences included) reads as
 * one U+FFFD. Every string this library produces is valid UTF-8 (bad bytes come out as U+FFFD).
 * Inputs are assumed shorter than 2^31 bytes (the VM's string limit); longer ones are BADARG
 * where a status can be returned.
 *
 * Results go into an nf_std_buf, which each call clears first (its allocation is reused) and
 * leaves NUL-terminated. On failure a call returns a non-OK status, leaves the buffer empty and
 * writes a user-facing message into err (at most errn bytes, NUL-terminated; err may be NULL
 * when errn is 0).
 *
 * Decisions (see also each function):
 *  - substring(s, length(s)) and substring(s, length(s), 0) give '' as Java's String.substring
 *    does; only a start past the end is an error.
 *  - trim follows JavaScript (nanoflows run in the client) unless NF_STD_TRIM_JAVA is given.
 *  - Replacement strings of replaceAll/replaceFirst are literal: '$' and '\' have no special
 *    meaning (the Mendix page: "does not support backreferences, substitutions, or captures").
 *  - Regular expressions are PCRE2 in UTF + UCP mode (\d, \w, \s and \b are Unicode-aware);
 *    \Q...\E quoting works as in Java. */
#ifndef NF_STD_TEXT_H
#define NF_STD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    NF_STD_TEXT_OK = 0,
    NF_STD_TEXT_RANGE,  /* an index or length out of range (substring) */
    NF_STD_TEXT_BADARG, /* malformed argument: bad %-escape in urlDecode, string too long */
    NF_STD_TEXT_REGEX,  /* the regular expression does not compile */
    NF_STD_TEXT_LIMIT,  /* the regular expression is too complex for this subject */
    NF_STD_TEXT_NOMEM,  /* out of memory or an unexpected library failure */
} nf_std_text_status;

/* A growable, malloc'd, NUL-terminated byte buffer. Zero-initialise ({0}) or use
 * nf_std_buf_init; release with nf_std_buf_free. */
typedef struct nf_std_buf {
    char *p; /* NULL until the first write; then always NUL-terminated */
    size_t len, cap;
} nf_std_buf;

void nf_std_buf_init(nf_std_buf *b);
void nf_std_buf_free(nf_std_buf *b);

/* ---- code units ------------------------------------------------------------------------- */

/* True if s is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF). */
bool nf_std_utf8_valid(const char *s, size_t len);
/* Copies s into out with every bad byte replaced by U+FFFD. */
nf_std_text_status nf_std_utf8_sanitize(const char *s, size_t len, nf_std_buf *out);
/* length(s): UTF-16 code units (bad bytes count 1). Saturates at INT32_MAX. */
int32_t nf_std_utf16_len(const char *s, size_t len);
/* Java's String.compareTo: compares in UTF-16 code unit order (so U+10000 sorts before
 * U+E000, unlike UTF-8 byte order). Returns <0, 0 or >0. */
int nf_std_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* ---- substring and search --------------------------------------------------------------- */

/* substring(s, start) when has_count is false, substring(s, start, count) otherwise.
 * RANGE errors: start < 0, start > length(s), count < 0, start + count > length(s).
 * start == length(s) gives ''. A surrogate pair cut by start or by the end comes out as
 * U+FFFD for the half that is kept, so the result always has exactly the requested length. */
nf_std_text_status nf_std_substring(const char *s, size_t len, int64_t start, bool has_count,
                                    int64_t count, nf_std_buf *out, char *err, size_t errn);

/* find(s, sub[, from]): Java indexOf. from < 0 counts as 0; from >= length(s) gives -1, or
 * length(s) for an empty sub; an empty sub is found at min(from, length(s)). Pass 0 for the
 * two-argument form. Returns a UTF-16 index or -1. */
int32_t nf_std_find(const char *s, size_t len, const char *sub, size_t sublen, int64_t from);
/* findLast(s, sub[, last]): Java lastIndexOf: the greatest index i <= last where sub starts
 * (sub may extend past last). last < 0 gives -1; last is clamped to length(s) - length(sub).
 * Pass INT64_MAX for the two-argument form. */
int32_t nf_std_find_last(const char *s, size_t len, const char *sub, size_t sublen, int64_t last);
/* contains / startsWith / endsWith: case-sensitive, in UTF-16 units; '' is always contained. */
bool nf_std_contains(const char *s, size_t len, const char *sub, size_t sublen);
bool nf_std_starts_with(const char *s, size_t len, const char *prefix, size_t plen);
bool nf_std_ends_with(const char *s, size_t len, const char *suffix, size_t slen);

/* ---- case and whitespace ---------------------------------------------------------------- */

/* toLowerCase / toUpperCase: ICU full case mapping in the root locale ("ß" -> "SS",
 * "İ" -> "i̇", "I" -> "i": no Turkish rules). */
nf_std_text_status nf_std_to_lower(const char *s, size_t len, nf_std_buf *out, char *err,
                                   size_t errn);
nf_std_text_status nf_std_to_upper(const char *s, size_t len, nf_std_buf *out, char *err,
                                   size_t errn);

typedef enum {
    /* JavaScript String.prototype.trim (nanoflows): WhiteSpace and LineTerminator of
     * ECMA-262: TAB, LF, VT, FF, CR, SPACE, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
     * U+202F, U+205F, U+3000, U+FEFF. Not U+0085 or U+180E. */
    NF_STD_TRIM_JS = 0,
    /* Java String.trim (microflows): every code unit <= U+0020, controls included. */
    NF_STD_TRIM_JAVA = 1,
} nf_std_trim_mode;

nf_std_text_status nf_std_trim(const char *s, size_t len, nf_std_trim_mode mode, nf_std_buf *out);

/* ---- URL form encoding ------------------------------------------------------------------ */

/* urlEncode: Java URLEncoder.encode(s, UTF-8): A-Z a-z 0-9 . - * _ kept, space -> '+', every
 * other byte of the UTF-8 form -> %XX (upper-case hex). */
nf_std_text_status nf_std_url_encode(const char *s, size_t len, nf_std_buf *out);
/* urlDecode: Java URLDecoder.decode(s, UTF-8): '+' -> space, %XX -> byte; other characters
 * pass through. BADARG for '%' not followed by two hex digits, and for a run of %XX escapes
 * whose bytes are not well-formed UTF-8 (Java would silently put U+FFFD there). */
nf_std_text_status nf_std_url_decode(const char *s, size_t len, nf_std_buf *out, char *err,
                                     size_t errn);

/* ---- regular expressions (std_regex.c) -------------------------------------------------- */

/* A per-runtime LRU cache of compiled patterns keyed by pattern text, plus the match limits.
 * Not thread-safe: one per runtime or thread. */
typedef struct nf_std_regex_cache nf_std_regex_cache;

#define NF_STD_REGEX_MATCH_LIMIT 10000000u /* backtracking steps per match attempt */
#define NF_STD_REGEX_DEPTH_LIMIT 100000u   /* nested backtracking frames */
#define NF_STD_REGEX_HEAP_LIMIT  65536u    /* KiB of backtracking memory */

/* capacity = patterns kept (0: compile on every call). NULL when out of memory. */
nf_std_regex_cache *nf_std_regex_cache_new(size_t capacity);
void nf_std_regex_cache_free(nf_std_regex_cache *c);
/* Changes the limits (0 keeps a value). Exceeding one is NF_STD_TEXT_LIMIT. */
void nf_std_regex_cache_set_limits(nf_std_regex_cache *c, uint32_t match_limit,
                                   uint32_t depth_limit, uint32_t heap_limit_kib);
/* Counters for tests and statistics: patterns compiled (misses) and cache hits. */
size_t nf_std_regex_cache_compiles(const nf_std_regex_cache *c);
size_t nf_std_regex_cache_hits(const nf_std_regex_cache *c);
/* Patterns currently cached. */
size_t nf_std_regex_cache_count(const nf_std_regex_cache *c);

/* In all regex functions c may be NULL: the pattern is then compiled for the call only, with
 * the default limits. Errors: REGEX (message "invalid regular expression '...': <PCRE2 message>
 * at position N", N in UTF-16 units), LIMIT ("regular expression too complex: ..."), NOMEM. */

/* isMatch(s, re): implicitly anchored at both ends: the whole of s must match. */
nf_std_text_status nf_std_regex_is_match(nf_std_regex_cache *c, const char *s, size_t len,
                                         const char *re, size_t relen, bool *match, char *err,
                                         size_t errn);
/* replaceAll / replaceFirst: repl is inserted literally. Empty matches are replaced as in Java
 * ("abc".replaceAll("x*", "-") == "-a-b-c-"). */
nf_std_text_status nf_std_regex_replace_all(nf_std_regex_cache *c, const char *s, size_t len,
                                            const char *re, size_t relen, const char *repl,
                                            size_t repllen, nf_std_buf *out, char *err,
                                            size_t errn);
nf_std_text_status nf_std_regex_replace_first(nf_std_regex_cache *c, const char *s, size_t len,
                                              const char *re, size_t relen, const char *repl,
                                              size_t repllen, nf_std_buf *out, char *err,
                                              size_t errn);

/* Writes a message into err (errn bytes; nothing when err is NULL): shared by std_text.c and
 * std_regex.c. */
void nf_std_set_err(char *err, size_t errn, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
