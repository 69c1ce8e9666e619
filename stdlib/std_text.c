/* std_text.c — string functions in UTF-16 code unit semantics over UTF-8 storage (std_text.h).
 *
 * Most functions walk the UTF-8 text code point by code point with a strict decoder that maps
 * each bad byte to U+FFFD, counting UTF-16 units as they go; pure-ASCII input takes byte fast
 * paths. Only case mapping converts to UTF-16, because ICU works there. */
#include "std_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ustring.h>

#define REPL_CP 0xFFFDu

/* ---- buffer ----------------------------------------------------------------------------- */

void nf_std_buf_init(nf_std_buf *b) {
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void nf_std_buf_free(nf_std_buf *b) {
    free(b->p);
    nf_std_buf_init(b);
}

/* Room for n more bytes plus the NUL. */
static bool buf_reserve(nf_std_buf *b, size_t n) {
    if (n > SIZE_MAX - b->len - 1) return false;
    size_t need = b->len + n + 1;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 32;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->p, cap);
    if (!p) return false;
    b->p = p;
    b->cap = cap;
    return true;
}

/* Empties b and makes sure p is a valid "" string (so callers may always read out->p). */
static bool buf_clear(nf_std_buf *b) {
    b->len = 0;
    if (!buf_reserve(b, 0)) return false;
    b->p[0] = '\0';
    return true;
}

static bool buf_add(nf_std_buf *b, const void *s, size_t n) {
    if (!buf_reserve(b, n)) return false;
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

static bool buf_addc(nf_std_buf *b, char c) {
    return buf_add(b, &c, 1);
}

static bool buf_add_cp(nf_std_buf *b, uint32_t cp) {
    char t[4];
    size_t n;
    if (cp < 0x80) {
        t[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_add(b, t, n);
}

/* Leaves the buffer empty (still a valid string if it had memory) after a failure. */
static void buf_fail(nf_std_buf *b) {
    b->len = 0;
    if (b->p) b->p[0] = '\0';
}

void nf_std_set_err(char *err, size_t errn, const char *fmt, ...) {
    if (!err || errn == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errn, fmt, ap);
    va_end(ap);
}

static nf_std_text_status nomem(nf_std_buf *out, char *err, size_t errn) {
    if (out) buf_fail(out);
    nf_std_set_err(err, errn, "out of memory");
    return NF_STD_TEXT_NOMEM;
}

/* ---- UTF-8 ------------------------------------------------------------------------------ */

/* Decodes the code point at s[0..n) (n >= 1); *adv gets its byte count. A byte that does not
 * start a well-formed sequence gives U+FFFD with *adv = 1, so each bad byte is one U+FFFD. */
static uint32_t dec(const unsigned char *s, size_t n, size_t *adv) {
    unsigned c = s[0];
    *adv = 1;
    if (c < 0x80) return c;
    unsigned lo = 0x80, hi = 0xBF;
    size_t need;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0; /* no overlongs */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90; /* no overlongs */
        else if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return REPL_CP;
    }
    if (n <= need) return REPL_CP;
    for (size_t i = 1; i <= need; i++) {
        unsigned t = s[i];
        if (i == 1 ? (t < lo || t > hi) : (t < 0x80 || t > 0xBF)) return REPL_CP;
        cp = (cp << 6) | (t & 0x3F);
    }
    *adv = need + 1;
    return cp;
}

static bool is_ascii(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80) return false;
    return true;
}

static int units(uint32_t cp) {
    return cp >= 0x10000 ? 2 : 1;
}

bool nf_std_utf8_valid(const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, adv;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        if (dec(u + i, len - i, &adv) == REPL_CP && adv == 1) return false;
        i += adv;
    }
    return true;
}

/* Appends s to b with bad bytes as U+FFFD. */
static bool add_sanitized(nf_std_buf *b, const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0, adv;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        if (dec(u + i, len - i, &adv) == REPL_CP && adv == 1) {
            if (!buf_add(b, s + run, i - run) || !buf_add_cp(b, REPL_CP)) return false;
            run = i + 1;
        }
        i += adv;
    }
    return buf_add(b, s + run, len - run);
}

nf_std_text_status nf_std_utf8_sanitize(const char *s, size_t len, nf_std_buf *out) {
    if (!buf_clear(out) || !add_sanitized(out, s, len)) return nomem(out, NULL, 0);
    return NF_STD_TEXT_OK;
}

int32_t nf_std_utf16_len(const char *s, size_t len) {
    if (is_ascii(s, len)) return len > INT32_MAX ? INT32_MAX : (int32_t)len;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, adv;
    int64_t n = 0;
    while (i < len) {
        n += units(dec(u + i, len - i, &adv));
        i += adv;
    }
    return n > INT32_MAX ? INT32_MAX : (int32_t)n;
}

/* The first UTF-16 unit of cp, and the second (0 if none). */
static uint32_t unit0(uint32_t cp) {
    return cp >= 0x10000 ? 0xD800 + ((cp - 0x10000) >> 10) : cp;
}
static uint32_t unit1(uint32_t cp) {
    return cp >= 0x10000 ? 0xDC00 + ((cp - 0x10000) & 0x3FF) : 0;
}

int nf_std_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    const unsigned char *ua = (const unsigned char *)a, *ub = (const unsigned char *)b;
    size_t i = 0, j = 0, na, nb;
    while (i < alen && j < blen) {
        uint32_t ca = dec(ua + i, alen - i, &na), cb = dec(ub + j, blen - j, &nb);
        if (ca != cb) {
            /* Different code points differ in their first unit unless both are supplementary
             * with the same high surrogate; then the low surrogates decide. */
            uint32_t x = unit0(ca), y = unit0(cb);
            if (x == y) {
                x = unit1(ca);
                y = unit1(cb);
            }
            return x < y ? -1 : 1;
        }
        i += na;
        j += nb;
    }
    if (i < alen) return 1;
    if (j < blen) return -1;
    return 0;
}

/* ---- substring -------------------------------------------------------------------------- */

nf_std_text_status nf_std_substring(const char *s, size_t len, int64_t start, bool has_count,
                                    int64_t count, nf_std_buf *out, char *err, size_t errn) {
    if (!buf_clear(out)) return nomem(out, err, errn);
    if (len > INT32_MAX) {
        nf_std_set_err(err, errn, "substring: the string is too long");
        return NF_STD_TEXT_BADARG;
    }
    int64_t n = nf_std_utf16_len(s, len);
    if (start < 0 || start > n) {
        nf_std_set_err(
            err, errn,
            "substring: start position %lld is outside the string (length %lld); it must be "
            "between 0 and %lld",
            (long long)start, (long long)n, (long long)n);
        return NF_STD_TEXT_RANGE;
    }
    if (has_count && count < 0) {
        nf_std_set_err(err, errn, "substring: the length %lld is negative", (long long)count);
        return NF_STD_TEXT_RANGE;
    }
    if (has_count && count > n - start) {
        nf_std_set_err(
            err, errn,
            "substring: the length %lld from start position %lld goes past the end of the "
            "string (length %lld); at most %lld characters are left",
            (long long)count, (long long)start, (long long)n, (long long)(n - start));
        return NF_STD_TEXT_RANGE;
    }
    int64_t end = has_count ? start + count : n;
    if (start == end) return NF_STD_TEXT_OK; /* even when cutting inside a pair */
    if (is_ascii(s, len)) {
        if (!buf_add(out, s + start, (size_t)(end - start))) return nomem(out, err, errn);
        return NF_STD_TEXT_OK;
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, adv;
    int64_t pos = 0; /* UTF-16 index of the code point at i */
    while (i < len && pos < end) {
        uint32_t cp = dec(u + i, len - i, &adv);
        int64_t next = pos + units(cp);
        if (next > start) {
            bool whole = pos >= start && next <= end;
            /* A pair cut by start or end keeps one half: a lone surrogate, shown as U+FFFD. */
            if (!buf_add_cp(out, whole ? cp : REPL_CP)) return nomem(out, err, errn);
        }
        pos = next;
        i += adv;
    }
    return NF_STD_TEXT_OK;
}

/* ---- search ----------------------------------------------------------------------------- */

/* Does sub (as code points) occur in s at byte i? Compares decoded code points so that a bad
 * byte matches a real U+FFFD, as it would after conversion to UTF-16. */
static bool match_at(const unsigned char *s, size_t len, size_t i, const unsigned char *sub,
                     size_t sublen) {
    size_t j = 0, a, b;
    while (j < sublen) {
        if (i >= len) return false;
        if (s[i] < 0x80 && sub[j] < 0x80) {
            if (s[i] != sub[j]) return false;
            i++;
            j++;
            continue;
        }
        if (dec(s + i, len - i, &a) != dec(sub + j, sublen - j, &b)) return false;
        i += a;
        j += b;
    }
    return true;
}

int32_t nf_std_find(const char *s, size_t len, const char *sub, size_t sublen, int64_t from) {
    int64_t n = nf_std_utf16_len(s, len);
    if (from < 0) from = 0;
    if (from >= n) return sublen == 0 ? (int32_t)n : -1;
    if (sublen == 0) return (int32_t)from;
    const unsigned char *u = (const unsigned char *)s, *v = (const unsigned char *)sub;
    size_t i = 0, adv;
    int64_t pos = 0;
    /* Matches start only at code point boundaries: sub never begins with a low surrogate. */
    while (i < len) {
        if (pos >= from && match_at(u, len, i, v, sublen)) return (int32_t)pos;
        pos += units(dec(u + i, len - i, &adv));
        i += adv;
    }
    return -1;
}

int32_t nf_std_find_last(const char *s, size_t len, const char *sub, size_t sublen, int64_t last) {
    int64_t n = nf_std_utf16_len(s, len), m = nf_std_utf16_len(sub, sublen);
    if (last > n - m) last = n - m;
    if (last < 0) return -1;
    if (sublen == 0) return (int32_t)last;
    const unsigned char *u = (const unsigned char *)s, *v = (const unsigned char *)sub;
    size_t i = 0, adv;
    int64_t pos = 0, found = -1;
    while (i < len && pos <= last) {
        if (match_at(u, len, i, v, sublen)) found = pos;
        pos += units(dec(u + i, len - i, &adv));
        i += adv;
    }
    return (int32_t)found;
}

bool nf_std_contains(const char *s, size_t len, const char *sub, size_t sublen) {
    return nf_std_find(s, len, sub, sublen, 0) >= 0;
}

bool nf_std_starts_with(const char *s, size_t len, const char *prefix, size_t plen) {
    return match_at((const unsigned char *)s, len, 0, (const unsigned char *)prefix, plen);
}

bool nf_std_ends_with(const char *s, size_t len, const char *suffix, size_t slen) {
    int64_t n = nf_std_utf16_len(s, len), m = nf_std_utf16_len(suffix, slen);
    if (m > n) return false;
    if (slen == 0) return true;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, adv;
    int64_t pos = 0;
    while (i < len && pos < n - m) {
        pos += units(dec(u + i, len - i, &adv));
        i += adv;
    }
    /* Past n - m means the suffix would start inside a pair: its first unit would have to be a
     * low surrogate, which a UTF-8 string cannot hold. */
    if (pos != n - m) return false;
    return match_at(u, len, i, (const unsigned char *)suffix, slen);
}

/* ---- case mapping ----------------------------------------------------------------------- */

typedef int32_t (*case_fn)(UChar *, int32_t, const UChar *, int32_t, const char *, UErrorCode *);

static nf_std_text_status map_case(const char *s, size_t len, bool upper, nf_std_buf *out,
                                   char *err, size_t errn) {
    if (!buf_clear(out)) return nomem(out, err, errn);
    if (is_ascii(s, len)) {
        /* Root-locale full case mapping of ASCII stays ASCII and is the plain A-Z/a-z swap. */
        if (!buf_reserve(out, len)) return nomem(out, err, errn);
        for (size_t i = 0; i < len; i++) {
            char c = s[i];
            if (upper && c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
            if (!upper && c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
            out->p[i] = c;
        }
        out->len = len;
        out->p[len] = '\0';
        return NF_STD_TEXT_OK;
    }
    if (len > INT32_MAX / 2) {
        nf_std_set_err(err, errn, "%s: the string is too long",
                       upper ? "toUpperCase" : "toLowerCase");
        return NF_STD_TEXT_BADARG;
    }
    int32_t n16 = nf_std_utf16_len(s, len);
    UChar *src = malloc(sizeof(UChar) * (size_t)(n16 > 0 ? n16 : 1));
    if (!src) return nomem(out, err, errn);
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, adv;
    int32_t k = 0;
    while (i < len) {
        uint32_t cp = dec(u + i, len - i, &adv);
        if (cp >= 0x10000) {
            src[k++] = (UChar)unit0(cp);
            src[k++] = (UChar)unit1(cp);
        } else {
            src[k++] = (UChar)cp;
        }
        i += adv;
    }
    case_fn fn = upper ? u_strToUpper : u_strToLower;
    /* Full case mapping can grow the text (ß -> SS); one preflight pass when it does. */
    int32_t cap = n16 + 16;
    UChar *dst = NULL;
    int32_t got = 0;
    for (int pass = 0; pass < 2; pass++) {
        free(dst);
        dst = malloc(sizeof(UChar) * (size_t)cap);
        if (!dst) break;
        UErrorCode ec = U_ZERO_ERROR;
        got = fn(dst, cap, src, n16, "", &ec);
        if (ec == U_BUFFER_OVERFLOW_ERROR && pass == 0 && got > 0 && got < INT32_MAX - 1) {
            cap = got + 1;
            continue;
        }
        if (U_FAILURE(ec)) {
            free(dst);
            dst = NULL;
        }
        break;
    }
    free(src);
    if (!dst) return nomem(out, err, errn);
    bool ok = buf_reserve(out, (size_t)got * 3);
    for (int32_t j = 0; ok && j < got; j++) {
        uint32_t c = dst[j];
        if (c >= 0xD800 && c <= 0xDBFF && j + 1 < got && dst[j + 1] >= 0xDC00 &&
            dst[j + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (dst[j + 1] - 0xDC00u);
            j++;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = REPL_CP; /* cannot happen for well-formed input; keep the output valid */
        }
        ok = buf_add_cp(out, c);
    }
    free(dst);
    if (!ok) return nomem(out, err, errn);
    return NF_STD_TEXT_OK;
}

nf_std_text_status nf_std_to_lower(const char *s, size_t len, nf_std_buf *out, char *err,
                                   size_t errn) {
    return map_case(s, len, false, out, err, errn);
}

nf_std_text_status nf_std_to_upper(const char *s, size_t len, nf_std_buf *out, char *err,
                                   size_t errn) {
    return map_case(s, len, true, out, err, errn);
}

/* ---- trim ------------------------------------------------------------------------------- */

static bool is_trim_space(uint32_t cp, nf_std_trim_mode mode) {
    if (mode == NF_STD_TRIM_JAVA) return cp <= 0x20;
    switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0xFEFF: return true;
    default: return cp >= 0x2000 && cp <= 0x200A;
    }
}

nf_std_text_status nf_std_trim(const char *s, size_t len, nf_std_trim_mode mode, nf_std_buf *out) {
    if (!buf_clear(out)) return nomem(out, NULL, 0);
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, adv, b = 0, e = 0;
    bool seen = false;
    /* One pass: b = first byte not trimmed, e = end of the last code point not trimmed. */
    while (i < len) {
        uint32_t cp = dec(u + i, len - i, &adv);
        if (!is_trim_space(cp, mode)) {
            if (!seen) b = i;
            seen = true;
            e = i + adv;
        }
        i += adv;
    }
    if (seen && !add_sanitized(out, s + b, e - b)) return nomem(out, NULL, 0);
    return NF_STD_TEXT_OK;
}

/* ---- URL form encoding ------------------------------------------------------------------ */

static bool url_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '*' || c == '_';
}

nf_std_text_status nf_std_url_encode(const char *s, size_t len, nf_std_buf *out) {
    static const char hex[] = "0123456789ABCDEF";
    nf_std_buf clean = {0};
    if (!buf_clear(out)) return nomem(out, NULL, 0);
    if (!nf_std_utf8_valid(s, len)) {
        /* Encode the U+FFFD form, never the raw bad bytes. */
        if (!add_sanitized(&clean, s, len)) {
            nf_std_buf_free(&clean);
            return nomem(out, NULL, 0);
        }
        s = clean.p;
        len = clean.len;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (url_unreserved(c)) {
            ok = buf_addc(out, (char)c);
        } else if (c == ' ') {
            ok = buf_addc(out, '+');
        } else {
            char t[3] = {'%', hex[c >> 4], hex[c & 15]};
            ok = buf_add(out, t, 3);
        }
    }
    nf_std_buf_free(&clean);
    return ok ? NF_STD_TEXT_OK : nomem(out, NULL, 0);
}

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

nf_std_text_status nf_std_url_decode(const char *s, size_t len, nf_std_buf *out, char *err,
                                     size_t errn) {
    if (!buf_clear(out)) return nomem(out, err, errn);
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            if (!buf_addc(out, ' ')) return nomem(out, err, errn);
            i++;
        } else if (c == '%') {
            /* A run of escapes is one byte sequence, decoded as a whole (as URLDecoder does). */
            size_t run_start = out->len, at = i;
            while (i < len && s[i] == '%') {
                int h = i + 2 < len ? hexval((unsigned char)s[i + 1]) : -1;
                int l = h >= 0 ? hexval((unsigned char)s[i + 2]) : -1;
                if (l < 0) {
                    buf_fail(out);
                    if (i + 2 >= len)
                        nf_std_set_err(err, errn,
                                       "urlDecode: incomplete escape at position %d: '%%' must be "
                                       "followed by two hexadecimal digits",
                                       (int)nf_std_utf16_len(s, i));
                    else
                        nf_std_set_err(
                            err, errn,
                            "urlDecode: invalid escape at position %d: '%%' must be followed "
                            "by two hexadecimal digits",
                            (int)nf_std_utf16_len(s, i));
                    return NF_STD_TEXT_BADARG;
                }
                if (!buf_addc(out, (char)(h * 16 + l))) return nomem(out, err, errn);
                i += 3;
            }
            if (!nf_std_utf8_valid(out->p + run_start, out->len - run_start)) {
                buf_fail(out);
                nf_std_set_err(err, errn,
                               "urlDecode: the escapes at position %d do not form valid UTF-8 text",
                               (int)nf_std_utf16_len(s, at));
                return NF_STD_TEXT_BADARG;
            }
        } else {
            /* Literal text up to the next '+' or '%', with bad bytes as U+FFFD. */
            size_t j = i;
            while (j < len && s[j] != '+' && s[j] != '%')
                j++;
            if (!add_sanitized(out, s + i, j - i)) return nomem(out, err, errn);
            i = j;
        }
    }
    return NF_STD_TEXT_OK;
}
