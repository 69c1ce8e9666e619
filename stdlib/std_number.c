/* std_number.c — parseInteger / parseDecimal / formatDecimal on ICU (see std_number.h).
 *
 * Decimal values only ever exist here as text: plain decimal text on the API side, ICU
 * "decimal number strings" (which may use an exponent) on the ICU side, UTF-16 for ICU's
 * formatted/parsed text. There is no binary floating point in this file. */
#include "std_number.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/unum.h>
#include <unicode/ustring.h>

#define NUM_CACHE     8   /* formatters kept per context */
#define QUOTE_MAX     48  /* bytes of user input shown in a message */
#define ERR_CAP       400 /* message buffer */
#define LOCALE_CAP    ULOC_FULLNAME_CAPACITY
#define TAG_MAX       96 /* longest locale tag accepted */
#define DEFAULT_LOCID "en_US"

typedef struct num_cache_ent {
    UNumberFormat *fmt; /* NULL = free slot */
    char *pattern;      /* NULL = the locale's default decimal form */
    char locale[LOCALE_CAP];
    uint64_t used; /* LRU clock value */
    bool no_int;   /* Java minimum integer digits 0 ("#.##"): ".5", not "0.5" */
} num_cache_ent;

struct nf_std_number {
    char locale[LOCALE_CAP];
    num_cache_ent cache[NUM_CACHE];
    uint64_t clock;
    char err[ERR_CAP];
};

/* ---- messages --------------------------------------------------------------------------- */

static void set_err(nf_std_number *n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->err, sizeof n->err, fmt, ap);
    va_end(ap);
}

/* Length of the well-formed UTF-8 sequence at s (at most len bytes), 0 if ill-formed. */
static size_t utf8_seq(const unsigned char *s, size_t len, uint32_t *cp) {
    unsigned char c = s[0];
    size_t need;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < need) return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return need;
}

/* Renders user input for a message: printable text as is, control characters and ill-formed
 * bytes as \xNN, quotes and backslashes escaped, cut after QUOTE_MAX bytes with "...". */
static void quote(char *dst, size_t cap, const char *s, size_t len) {
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len && o + 8 < cap) {
        if (i >= QUOTE_MAX) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        uint32_t cp;
        size_t k = utf8_seq(u + i, len - i, &cp);
        if (k == 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            size_t bytes = k ? k : 1;
            for (size_t j = 0; j < bytes && o + 5 < cap; j++)
                o += (size_t)snprintf(dst + o, cap - o, "\\x%02X", u[i + j]);
            i += bytes;
        } else if (cp == '\'' || cp == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)cp;
            i++;
        } else {
            memcpy(dst + o, s + i, k);
            o += k;
            i += k;
        }
    }
    dst[o] = '\0';
}

/* ---- locales ---------------------------------------------------------------------------- */

/* Java/BCP-47 tag ("nl_NL", "nl-NL", "en") -> ICU locale ID ("nl_NL"). NULL or "" -> en_US. */
static bool norm_locale(const char *tag, char *out, size_t cap) {
    if (!tag || !*tag) {
        snprintf(out, cap, "%s", DEFAULT_LOCID);
        return true;
    }
    size_t tl = strlen(tag);
    if (tl > TAG_MAX) return false;
    char bcp[TAG_MAX + 1];
    for (size_t i = 0; i <= tl; i++) {
        char c = tag[i];
        if (c == '_')
            c = '-';
        else if (c && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-'))
            return false;
        bcp[i] = c;
    }
    UErrorCode st = U_ZERO_ERROR;
    int32_t parsed = 0;
    int32_t ol = uloc_forLanguageTag(bcp, out, (int32_t)cap, &parsed, &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING || parsed != (int32_t)tl || ol <= 0)
        return false;
    return true;
}

/* ---- lifecycle -------------------------------------------------------------------------- */

nf_std_number *nf_std_number_open(const char *locale, char *err, size_t errn) {
    nf_std_number *n = calloc(1, sizeof *n);
    if (!n) {
        if (errn) snprintf(err, errn, "out of memory");
        return NULL;
    }
    if (!norm_locale(locale, n->locale, sizeof n->locale)) {
        if (errn) {
            char q[QUOTE_MAX * 4 + 16];
            quote(q, sizeof q, locale, strlen(locale));
            snprintf(err, errn, "invalid locale '%s'", q);
        }
        free(n);
        return NULL;
    }
    return n;
}

static void ent_free(num_cache_ent *e) {
    if (e->fmt) unum_close(e->fmt);
    free(e->pattern);
    memset(e, 0, sizeof *e);
}

void nf_std_number_close(nf_std_number *n) {
    if (!n) return;
    for (int i = 0; i < NUM_CACHE; i++)
        ent_free(&n->cache[i]);
    free(n);
}

const char *nf_std_number_error(const nf_std_number *n) {
    return n ? n->err : "no number context";
}

const char *nf_std_number_locale(const nf_std_number *n) {
    return n->locale;
}

/* ---- formatter cache -------------------------------------------------------------------- */

/* Does the pattern ask for scientific notation (an unquoted 'E')? Only then may parsing accept
 * an exponent, as in Java. */
static bool pattern_scientific(const char *p) {
    bool quoted = false;
    for (; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (*p == 'E' && !quoted)
            return true;
    }
    return false;
}

/* Does the pattern have no '0' (or rounding-increment) digit before its decimal point, i.e. a
 * Java minimum integer digit count of 0? Java then prints 0.5 with "#.#" as ".5" (and zero as
 * "0"), where ICU always prints an integer digit. Only the positive subpattern counts. */
static bool pattern_no_int(const char *p) {
    bool quoted = false;
    for (; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (*p == '.' || *p == ';' || *p == 'E')
            break;
        else if (*p >= '0' && *p <= '9')
            return false;
        else if (*p == '@')
            return false;
    }
    return true;
}

/* UTF-8 -> malloc'd UTF-16. Returns OK, SYNTAX (ill-formed UTF-8) or NOMEM. */
static nf_std_num_status to_utf16(const char *s, size_t len, UChar **out, int32_t *olen) {
    if (len > INT32_MAX / 2) return NF_STD_NUM_RANGE;
    UErrorCode st = U_ZERO_ERROR;
    int32_t need = 0;
    u_strFromUTF8(NULL, 0, &need, s, (int32_t)len, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) return NF_STD_NUM_SYNTAX;
    UChar *u = malloc(((size_t)need + 1) * sizeof *u);
    if (!u) return NF_STD_NUM_NOMEM;
    st = U_ZERO_ERROR;
    u_strFromUTF8(u, need + 1, olen, s, (int32_t)len, &st);
    if (U_FAILURE(st)) {
        free(u);
        return NF_STD_NUM_SYNTAX;
    }
    *out = u;
    return NF_STD_NUM_OK;
}

/* The formatter for (pattern, locale ID), from the cache or newly opened (evicting the least
 * recently used entry). fn names the expression function for messages. */
static nf_std_num_status get_fmt(nf_std_number *n, const char *fn, const char *pattern,
                                 const char *locid, UNumberFormat **out, bool *no_int) {
    num_cache_ent *victim = &n->cache[0];
    for (int i = 0; i < NUM_CACHE; i++) {
        num_cache_ent *e = &n->cache[i];
        if (!e->fmt) {
            if (victim->fmt) victim = e;
            continue;
        }
        if (strcmp(e->locale, locid) == 0 &&
            (pattern ? e->pattern && strcmp(e->pattern, pattern) == 0 : !e->pattern)) {
            e->used = ++n->clock;
            *out = e->fmt;
            if (no_int) *no_int = e->no_int;
            return NF_STD_NUM_OK;
        }
        if (victim->fmt && e->used < victim->used) victim = e;
    }

    UErrorCode st = U_ZERO_ERROR;
    UNumberFormat *f;
    char *pcopy = NULL;
    if (!pattern) {
        f = unum_open(UNUM_DECIMAL, NULL, 0, locid, NULL, &st);
        if (U_FAILURE(st)) {
            set_err(n, "%s: cannot open the number format of locale '%s' (%s)", fn, locid,
                    u_errorName(st));
            return NF_STD_NUM_NOMEM;
        }
        /* Keep every fraction digit: the default form never rounds. */
        unum_setAttribute(f, UNUM_MIN_FRACTION_DIGITS, 0);
        unum_setAttribute(f, UNUM_MAX_FRACTION_DIGITS, NF_STD_NUM_MAX_FRAC_DIGITS);
        unum_setAttribute(f, UNUM_PARSE_NO_EXPONENT, 1);
    } else {
        size_t pl = strlen(pattern);
        char q[QUOTE_MAX * 4 + 16];
        quote(q, sizeof q, pattern, pl);
        UChar *up = NULL;
        int32_t ul = 0;
        nf_std_num_status s = to_utf16(pattern, pl, &up, &ul);
        if (s == NF_STD_NUM_NOMEM) {
            set_err(n, "%s: out of memory", fn);
            return s;
        }
        if (s != NF_STD_NUM_OK) {
            set_err(n, "%s: format pattern '%s' is not valid UTF-8", fn, q);
            return NF_STD_NUM_PATTERN;
        }
        UParseError pe;
        memset(&pe, 0, sizeof pe);
        f = unum_open(UNUM_PATTERN_DECIMAL, up, ul, locid, &pe, &st);
        free(up);
        if (U_FAILURE(st)) {
            if (st == U_MEMORY_ALLOCATION_ERROR) {
                set_err(n, "%s: out of memory", fn);
                return NF_STD_NUM_NOMEM;
            }
            set_err(n, "%s: invalid format pattern '%s' (%s)", fn, q, u_errorName(st));
            return NF_STD_NUM_PATTERN;
        }
        if (!pattern_scientific(pattern)) unum_setAttribute(f, UNUM_PARSE_NO_EXPONENT, 1);
        pcopy = malloc(pl + 1);
        if (!pcopy) {
            unum_close(f);
            set_err(n, "%s: out of memory", fn);
            return NF_STD_NUM_NOMEM;
        }
        memcpy(pcopy, pattern, pl + 1);
    }
    /* Java DecimalFormat's default; set explicitly so ICU defaults never leak in. */
    unum_setAttribute(f, UNUM_ROUNDING_MODE, UNUM_ROUND_HALFEVEN);
    unum_setAttribute(f, UNUM_LENIENT_PARSE, 0);

    ent_free(victim);
    victim->fmt = f;
    victim->pattern = pcopy;
    snprintf(victim->locale, sizeof victim->locale, "%s", locid);
    victim->used = ++n->clock;
    victim->no_int = pattern && pattern_no_int(pattern);
    *out = f;
    if (no_int) *no_int = victim->no_int;
    return NF_STD_NUM_OK;
}

/* ---- parseInteger ----------------------------------------------------------------------- */

nf_std_num_status nf_std_parse_integer(nf_std_number *n, const char *s, size_t len, int64_t *out) {
    char q[QUOTE_MAX * 4 + 16];
    n->err[0] = '\0';
    if (!s || len == 0) {
        set_err(n, "parseInteger: cannot parse '' as an integer: the text is empty");
        return NF_STD_NUM_SYNTAX;
    }
    size_t i = 0;
    bool neg = false;
    if (s[0] == '+' || s[0] == '-') neg = s[i++] == '-';
    if (i == len) {
        quote(q, sizeof q, s, len);
        set_err(n, "parseInteger: cannot parse '%s' as an integer: no digits", q);
        return NF_STD_NUM_SYNTAX;
    }
    /* Magnitude limit: 2^63 - 1, or 2^63 for negative numbers. */
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    bool overflow = false;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < '0' || c > '9') {
            quote(q, sizeof q, s, len);
            set_err(n,
                    "parseInteger: cannot parse '%s' as an integer: unexpected character at "
                    "offset %zu",
                    q, i);
            return NF_STD_NUM_SYNTAX;
        }
        unsigned d = c - '0';
        if (!overflow && (v > (limit - d) / 10)) overflow = true;
        if (!overflow) v = v * 10 + d;
    }
    if (overflow) {
        quote(q, sizeof q, s, len);
        set_err(n,
                "parseInteger: '%s' is out of the Integer/Long range "
                "(-9223372036854775808 to 9223372036854775807)",
                q);
        return NF_STD_NUM_RANGE;
    }
    /* Two's complement negation through unsigned arithmetic: exact for -2^63 too. */
    *out = neg ? (int64_t)(0u - v) : (int64_t)v;
    return NF_STD_NUM_OK;
}

/* ---- plain decimal text ----------------------------------------------------------------- */

/* Validates plain decimal text "-?[0-9]+(\.[0-9]+)?" and counts its digits. */
static bool plain_valid(const char *s, size_t *idig, size_t *fdig) {
    const char *p = s;
    if (*p == '-') p++;
    const char *a = p;
    while (*p >= '0' && *p <= '9')
        p++;
    *idig = (size_t)(p - a);
    *fdig = 0;
    if (*idig == 0) return false;
    if (*p == '.') {
        const char *b = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        *fdig = (size_t)(p - b);
        if (*fdig == 0) return false;
    }
    return *p == '\0';
}

/* ICU decimal number string ("-1.2345E+5", "0.001", "42") -> canonical plain decimal text.
 * Returns OK, RANGE (too many digits either side of the point) or NOMEM. */
static nf_std_num_status plain_from_icu(const char *in, char **out) {
    const char *p = in;
    bool neg = false;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    const char *digits = p;
    size_t nd = 0, point = (size_t)-1;
    for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
        if (*p == '.')
            point = nd;
        else
            nd++;
    }
    if (point == (size_t)-1) point = nd;
    long long exp = 0;
    if (*p == 'E' || *p == 'e') {
        p++;
        bool eneg = false;
        if (*p == '-' || *p == '+') eneg = *p++ == '-';
        for (; *p >= '0' && *p <= '9'; p++)
            if (exp < 100000000) exp = exp * 10 + (*p - '0');
        if (eneg) exp = -exp;
    }
    /* Collect significant digits; pos = digits before the point relative to sig[0]. */
    char *sig = malloc(nd + 1);
    if (!sig) return NF_STD_NUM_NOMEM;
    size_t ns = 0;
    long long pos = (long long)point + exp;
    for (const char *q = digits; q < p && ((*q >= '0' && *q <= '9') || *q == '.'); q++) {
        if (*q == '.') continue;
        if (ns == 0 && *q == '0') {
            pos--;
            continue;
        }
        sig[ns++] = *q;
    }
    while (ns > 0 && sig[ns - 1] == '0')
        ns--;
    if (ns == 0) {
        free(sig);
        *out = malloc(2);
        if (!*out) return NF_STD_NUM_NOMEM;
        memcpy(*out, "0", 2);
        return NF_STD_NUM_OK;
    }
    long long idig = pos > 0 ? pos : 0;
    long long fdig = (long long)ns - pos > 0 ? (long long)ns - pos : 0;
    if (idig > NF_STD_NUM_MAX_INT_DIGITS || fdig > NF_STD_NUM_MAX_FRAC_DIGITS) {
        free(sig);
        return NF_STD_NUM_RANGE;
    }
    /* sign + "0." + zeros + digits, or digits + zeros, or digits with a point. */
    size_t cap = 4 + (size_t)idig + (size_t)fdig + 2;
    char *r = malloc(cap), *w = r;
    if (!r) {
        free(sig);
        return NF_STD_NUM_NOMEM;
    }
    if (neg) *w++ = '-';
    if (pos <= 0) {
        *w++ = '0';
        *w++ = '.';
        for (long long z = 0; z < -pos; z++)
            *w++ = '0';
        memcpy(w, sig, ns);
        w += ns;
    } else if (pos >= (long long)ns) {
        memcpy(w, sig, ns);
        w += ns;
        for (long long z = (long long)ns; z < pos; z++)
            *w++ = '0';
    } else {
        memcpy(w, sig, (size_t)pos);
        w += pos;
        *w++ = '.';
        memcpy(w, sig + pos, ns - (size_t)pos);
        w += ns - (size_t)pos;
    }
    *w = '\0';
    free(sig);
    *out = r;
    return NF_STD_NUM_OK;
}

/* ---- parseDecimal ----------------------------------------------------------------------- */

nf_std_num_status nf_std_parse_decimal(nf_std_number *n, const char *s, size_t len,
                                       const char *pattern, char **out) {
    static const char fn[] = "parseDecimal";
    char q[QUOTE_MAX * 4 + 16];
    n->err[0] = '\0';
    if (!s) len = 0;
    quote(q, sizeof q, s ? s : "", len);
    if (len == 0) {
        set_err(n, "%s: cannot parse '' as a decimal: the text is empty", fn);
        return NF_STD_NUM_SYNTAX;
    }
    UChar *u = NULL;
    int32_t ul = 0;
    nf_std_num_status rs = to_utf16(s, len, &u, &ul);
    if (rs == NF_STD_NUM_NOMEM) {
        set_err(n, "%s: out of memory", fn);
        return rs;
    }
    if (rs != NF_STD_NUM_OK) {
        set_err(n, "%s: cannot parse '%s' as a decimal: the text is not valid UTF-8", fn, q);
        return NF_STD_NUM_SYNTAX;
    }
    /* Like Java's DecimalFormat, ICU's strict parse skips no leading or trailing space; this
     * only makes the message say so. */
    bool spaced = u_isUWhiteSpace(u[0]) || u_isUWhiteSpace(u[ul - 1]);
    UNumberFormat *f;
    rs = get_fmt(n, fn, pattern, n->locale, &f, NULL);
    if (rs != NF_STD_NUM_OK) {
        free(u);
        return rs;
    }
    char small[128], *buf = small;
    int32_t cap = (int32_t)sizeof small;
    UErrorCode st;
    int32_t pos, dl;
    for (;;) {
        st = U_ZERO_ERROR;
        pos = 0;
        dl = unum_parseDecimal(f, u, ul, &pos, buf, cap, &st);
        if ((st != U_BUFFER_OVERFLOW_ERROR && st != U_STRING_NOT_TERMINATED_WARNING) ||
            buf != small)
            break;
        buf = malloc((size_t)dl + 1);
        if (!buf) {
            free(u);
            set_err(n, "%s: out of memory", fn);
            return NF_STD_NUM_NOMEM;
        }
        cap = dl + 1;
    }
    free(u);
    nf_std_num_status res = NF_STD_NUM_OK;
    const char *form = pattern ? "the format" : "the number format of locale";
    const char *formarg = pattern ? pattern : n->locale;
    if ((st == U_PARSE_ERROR || (U_SUCCESS(st) && pos != ul)) && spaced) {
        set_err(n, "%s: cannot parse '%s' as a decimal: leading or trailing space", fn, q);
        res = NF_STD_NUM_SYNTAX;
    } else if (st == U_PARSE_ERROR || (U_SUCCESS(st) && pos != ul)) {
        set_err(n,
                "%s: cannot parse '%s' as a decimal in %s '%s' (unexpected text at character %d)",
                fn, q, form, formarg, (int)pos + 1);
        res = NF_STD_NUM_SYNTAX;
    } else if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING) {
        set_err(n, "%s: cannot parse '%s' as a decimal (%s)", fn, q, u_errorName(st));
        res = st == U_MEMORY_ALLOCATION_ERROR ? NF_STD_NUM_NOMEM : NF_STD_NUM_SYNTAX;
    } else if (strstr(buf, "NaN")) {
        set_err(n, "%s: cannot parse '%s' as a decimal: not a number", fn, q);
        res = NF_STD_NUM_SYNTAX;
    } else if (strstr(buf, "Inf")) {
        set_err(n, "%s: cannot parse '%s' as a decimal: infinity is not a decimal", fn, q);
        res = NF_STD_NUM_RANGE;
    } else {
        res = plain_from_icu(buf, out);
        if (res == NF_STD_NUM_RANGE)
            set_err(n,
                    "%s: '%s' has too many digits for a decimal (at most %d before and %d after "
                    "the point)",
                    fn, q, NF_STD_NUM_MAX_INT_DIGITS, NF_STD_NUM_MAX_FRAC_DIGITS);
        else if (res == NF_STD_NUM_NOMEM)
            set_err(n, "%s: out of memory", fn);
    }
    if (buf != small) free(buf);
    return res;
}

/* ---- formatDecimal ---------------------------------------------------------------------- */

nf_std_num_status nf_std_format_decimal(nf_std_number *n, const char *dec_text, const char *pattern,
                                        const char *locale, char **out) {
    static const char fn[] = "formatDecimal";
    char q[QUOTE_MAX * 4 + 16];
    n->err[0] = '\0';
    if (!dec_text) dec_text = "";
    size_t idig, fdig;
    if (!plain_valid(dec_text, &idig, &fdig)) {
        quote(q, sizeof q, dec_text, strlen(dec_text));
        set_err(n, "%s: '%s' is not a decimal value", fn, q);
        return NF_STD_NUM_SYNTAX;
    }
    if (idig > NF_STD_NUM_MAX_INT_DIGITS || fdig > NF_STD_NUM_MAX_FRAC_DIGITS) {
        quote(q, sizeof q, dec_text, strlen(dec_text));
        set_err(n, "%s: '%s' has too many digits (at most %d before and %d after the point)", fn, q,
                NF_STD_NUM_MAX_INT_DIGITS, NF_STD_NUM_MAX_FRAC_DIGITS);
        return NF_STD_NUM_RANGE;
    }
    /* A zero is unsigned (Java's BigDecimal has no negative zero). */
    const char *num = dec_text;
    if (num[0] == '-' && strspn(num + 1, "0.") == strlen(num + 1)) num++;

    char locid[LOCALE_CAP];
    if (locale && *locale) {
        if (!norm_locale(locale, locid, sizeof locid)) {
            quote(q, sizeof q, locale, strlen(locale));
            set_err(n,
                    "%s: invalid locale '%s' (expected a language tag such as 'nl_NL' or 'en-US')",
                    fn, q);
            return NF_STD_NUM_LOCALE;
        }
    } else {
        snprintf(locid, sizeof locid, "%s", n->locale);
    }
    UNumberFormat *f;
    bool no_int = false;
    nf_std_num_status rs = get_fmt(n, fn, pattern, locid, &f, &no_int);
    if (rs != NF_STD_NUM_OK) return rs;

    UChar small[128], *ubuf = small;
    int32_t cap = (int32_t)(sizeof small / sizeof small[0]);
    UErrorCode st;
    int32_t ul;
    UFieldPosition ipos;
    for (;;) {
        st = U_ZERO_ERROR;
        ipos.field = UNUM_INTEGER_FIELD, ipos.beginIndex = ipos.endIndex = 0;
        ul = unum_formatDecimal(f, num, (int32_t)strlen(num), ubuf, cap, &ipos, &st);
        if (st != U_BUFFER_OVERFLOW_ERROR || ubuf != small) break;
        ubuf = malloc(((size_t)ul + 1) * sizeof *ubuf);
        if (!ubuf) {
            set_err(n, "%s: out of memory", fn);
            return NF_STD_NUM_NOMEM;
        }
        cap = ul + 1;
    }
    if (U_SUCCESS(st) && no_int && ipos.endIndex - ipos.beginIndex == 1 &&
        u_charDigitValue(ubuf[ipos.beginIndex]) == 0) {
        /* Java drops the lone integer zero when fraction digits follow: "#.##" 0.5 -> ".5". */
        UFieldPosition fpos = {UNUM_FRACTION_FIELD, 0, 0};
        unum_formatDecimal(f, num, (int32_t)strlen(num), ubuf, cap, &fpos, &st);
        if (U_SUCCESS(st) && fpos.endIndex > fpos.beginIndex) {
            memmove(ubuf + ipos.beginIndex, ubuf + ipos.endIndex,
                    (size_t)(ul - ipos.endIndex) * sizeof *ubuf);
            ul -= 1;
        }
    }
    nf_std_num_status res = NF_STD_NUM_OK;
    if (U_FAILURE(st)) {
        quote(q, sizeof q, dec_text, strlen(dec_text));
        set_err(n, "%s: cannot format '%s' (%s)", fn, q, u_errorName(st));
        res = NF_STD_NUM_NOMEM;
    } else {
        int32_t need = 0;
        st = U_ZERO_ERROR;
        u_strToUTF8(NULL, 0, &need, ubuf, ul, &st);
        char *r = malloc((size_t)need + 1);
        if (!r) {
            set_err(n, "%s: out of memory", fn);
            res = NF_STD_NUM_NOMEM;
        } else {
            st = U_ZERO_ERROR;
            u_strToUTF8(r, need + 1, NULL, ubuf, ul, &st);
            if (U_FAILURE(st)) {
                free(r);
                set_err(n, "%s: cannot convert the result (%s)", fn, u_errorName(st));
                res = NF_STD_NUM_NOMEM;
            } else {
                *out = r;
            }
        }
    }
    if (ubuf != small) free(ubuf);
    return res;
}
