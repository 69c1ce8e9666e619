/* std_store_text.c — how the store compares values, registered on each connection and used by
 * the VM for objects in memory, so SQL and memory always agree:
 *   NF_NOCASE  collation: Strings by Unicode simple case folding, code point by code point
 *              (XPath compares Strings without case, mendix-semantics §8)
 *   NF_DECIMAL collation: Decimal texts by numeric value
 *   nf_find(text, part, how)   contains (0) / starts-with (1) / ends-with (2), without case
 *   nf_u16len(text)            length in UTF-16 units (XPath string-length)
 *   nf_merge_changed(a, b)     the union of two ",A,B," member lists */
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "std_store.h"

/* Next folded code point of s[*i..n). Invalid bytes stand for themselves. */
static UChar32 next_folded(const char *s, int32_t n, int32_t *i) {
    unsigned char c = (unsigned char)s[*i];
    if (c < 0x80) {
        (*i)++;
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
    UChar32 cp;
    U8_NEXT(s, *i, n, cp);
    if (cp < 0) return 0x110000 + c; /* invalid: above every code point, by byte */
    return u_foldCase(cp, U_FOLD_CASE_DEFAULT);
}

int nf_std_store_text_cmp(void *ud, const char *a, size_t alen, const char *b, size_t blen) {
    (void)ud;
    int32_t i = 0, j = 0, n = (int32_t)alen, m = (int32_t)blen;
    while (i < n && j < m) {
        UChar32 x = next_folded(a, n, &i), y = next_folded(b, m, &j);
        if (x != y) return x < y ? -1 : 1;
    }
    return i < n ? 1 : j < m ? -1 : 0;
}

/* The folded code points of s (malloc'd), or NULL when out of memory. */
static UChar32 *fold_all(const char *s, size_t len, int32_t *count) {
    UChar32 *out = malloc((len + 1) * sizeof *out);
    if (!out) return NULL;
    int32_t i = 0, k = 0, n = (int32_t)len;
    while (i < n)
        out[k++] = next_folded(s, n, &i);
    *count = k;
    return out;
}

bool nf_std_store_text_find(void *ud, const char *hay, size_t hlen, const char *needle, size_t nlen,
                            int how) {
    (void)ud;
    int32_t h = 0, k = 0; /* set by fold_all; GCC -O2 cannot see it */
    UChar32 *H = fold_all(hay, hlen, &h), *N = fold_all(needle, nlen, &k);
    bool found = false;
    if (H && N && k <= h) {
        if (how == 1)
            found = memcmp(H, N, (size_t)k * sizeof *H) == 0;
        else if (how == 2)
            found = memcmp(H + (h - k), N, (size_t)k * sizeof *H) == 0;
        else
            for (int32_t p = 0; p + k <= h && !found; p++)
                found = memcmp(H + p, N, (size_t)k * sizeof *H) == 0;
    }
    free(H);
    free(N);
    return found;
}

static int nocase(void *ud, int an, const void *a, int bn, const void *b) {
    return nf_std_store_text_cmp(ud, a, (size_t)an, b, (size_t)bn);
}

static int decimal(void *ud, int an, const void *a, int bn, const void *b) {
    (void)ud;
    nf_dec x, y;
    bool okx = nf_dec_parse(a, (size_t)an, &x) == NF_DEC_OK;
    bool oky = okx && nf_dec_parse(b, (size_t)bn, &y) == NF_DEC_OK;
    if (!okx || !oky) { /* not a number (edited by hand): by bytes, after every number */
        if (okx) nf_dec_release(&x);
        if (okx != oky) return okx ? -1 : 1;
        int c = memcmp(a, b, (size_t)(an < bn ? an : bn));
        return c ? c : an - bn;
    }
    int c = nf_dec_cmp(&x, &y);
    nf_dec_release(&x);
    nf_dec_release(&y);
    return c;
}

static void fn_find(sqlite3_context *cx, int argc, sqlite3_value **v) {
    (void)argc;
    if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
        sqlite3_result_int(cx, 0); /* contains on an empty attribute is false */
        return;
    }
    const char *h = (const char *)sqlite3_value_text(v[0]);
    int hn = sqlite3_value_bytes(v[0]);
    const char *n = (const char *)sqlite3_value_text(v[1]);
    int nn = sqlite3_value_bytes(v[1]);
    if (!h || !n) {
        sqlite3_result_int(cx, n == NULL && h != NULL); /* contains(attr, '') is attr != empty */
        return;
    }
    sqlite3_result_int(
        cx, nf_std_store_text_find(NULL, h, (size_t)hn, n, (size_t)nn, sqlite3_value_int(v[2])));
}

static void fn_u16len(sqlite3_context *cx, int argc, sqlite3_value **v) {
    (void)argc;
    const unsigned char *s = sqlite3_value_text(v[0]);
    int n = sqlite3_value_bytes(v[0]);
    int64_t units = 0;
    for (int i = 0; s && i < n; i++) {
        units += (s[i] & 0xC0) != 0x80;
        units += s[i] >= 0xF0;
    }
    sqlite3_result_int64(cx, units);
}

/* Does the ",A,B," list `list` hold ",name,"? */
static bool listed(const char *list, const char *item, size_t n) {
    for (const char *p = list; (p = strstr(p, ",")) != NULL; p++)
        if (strncmp(p + 1, item, n) == 0 && p[1 + n] == ',') return true;
    return false;
}

static void fn_merge_changed(sqlite3_context *cx, int argc, sqlite3_value **v) {
    (void)argc;
    const char *a = (const char *)sqlite3_value_text(v[0]);
    const char *b = (const char *)sqlite3_value_text(v[1]);
    if (!a || !*a) {
        if (b)
            sqlite3_result_text(cx, b, -1, SQLITE_TRANSIENT);
        else
            sqlite3_result_null(cx);
        return;
    }
    if (!b || !*b) {
        sqlite3_result_text(cx, a, -1, SQLITE_TRANSIENT);
        return;
    }
    size_t la = strlen(a), lb = strlen(b);
    char *out = malloc(la + lb + 2);
    if (!out) {
        sqlite3_result_error_nomem(cx);
        return;
    }
    memcpy(out, a, la + 1);
    size_t k = la;
    if (k == 0 || out[k - 1] != ',') out[k++] = ',';
    out[k] = '\0';
    for (const char *p = b; *p;) {
        while (*p == ',')
            p++;
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && !listed(out, p, n)) {
            memcpy(out + k, p, n);
            k += n;
            out[k++] = ',';
            out[k] = '\0';
        }
        p += n;
    }
    sqlite3_result_text(cx, out, (int)k, free);
}

bool nf_std_store_register_functions(sqlite3 *db) {
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    return sqlite3_create_collation(db, "NF_NOCASE", SQLITE_UTF8, NULL, nocase) == SQLITE_OK &&
           sqlite3_create_collation(db, "NF_DECIMAL", SQLITE_UTF8, NULL, decimal) == SQLITE_OK &&
           sqlite3_create_function(db, "nf_find", 3, flags, NULL, fn_find, NULL, NULL) ==
               SQLITE_OK &&
           sqlite3_create_function(db, "nf_u16len", 1, flags, NULL, fn_u16len, NULL, NULL) ==
               SQLITE_OK &&
           sqlite3_create_function(db, "nf_merge_changed", 2, flags, NULL, fn_merge_changed, NULL,
                                   NULL) == SQLITE_OK;
}
