/* fuzz_text.c — the string functions and regular expressions of stdlib/std_text.c and
 * stdlib/std_regex.c on arbitrary bytes.
 *
 * Input: up to three parts separated by the byte 0xC0 (never valid in UTF-8, so no well-formed
 * text is lost to it): text, pattern (also used as the search string) and replacement. Every
 * function runs on them; besides sanitizer reports, the target aborts when an invariant fails:
 * outputs are valid UTF-8, substring returns exactly the requested number of UTF-16 units,
 * find/findLast results point at the sub, urlDecode(urlEncode(x)) == x, compare is
 * antisymmetric, the cached and uncached regex paths agree, and replacing a \Q-quoted literal
 * agrees with a replacement built from nf_std_find. Match limits are lowered so that each input
 * takes bounded time. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_text: invariant failed at line %d: %s\n", __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define SEP 0xC0

/* Lower than the defaults: (a+)+-style inputs must fail fast, many times per second. */
#define FUZZ_MATCH_LIMIT 200000u
#define FUZZ_DEPTH_LIMIT 5000u
#define FUZZ_HEAP_LIMIT  16384u

static bool buf_eq(const nf_std_buf *a, const char *p, size_t n) {
    return a->len == n && (n == 0 || memcmp(a->p, p, n) == 0);
}

static void check_out(const nf_std_buf *b) {
    CHECK(b->p != NULL);
    CHECK(b->p[b->len] == '\0');
    CHECK(nf_std_utf8_valid(b->p, b->len));
}

/* substring(s, start, count) that must succeed; checks the length and returns the result. */
static void sub_ok(const char *s, size_t len, int64_t start, int64_t count, nf_std_buf *out) {
    char err[256];
    CHECK(nf_std_substring(s, len, start, true, count, out, err, sizeof err) == NF_STD_TEXT_OK);
    check_out(out);
    CHECK(nf_std_utf16_len(out->p, out->len) == count);
}

static void fuzz_units(const char *t, size_t tn, const char *p, size_t pn, uint32_t h) {
    nf_std_buf a = {0}, b = {0}, clean = {0}, sclean = {0};
    char err[256];
    int32_t n = nf_std_utf16_len(t, tn);
    CHECK(n >= 0 && (size_t)n <= tn);
    CHECK(nf_std_utf8_sanitize(t, tn, &clean) == NF_STD_TEXT_OK);
    check_out(&clean);
    CHECK(nf_std_utf16_len(clean.p, clean.len) == n);
    CHECK(nf_std_utf8_valid(t, tn) == buf_eq(&clean, t, tn));
    CHECK(nf_std_utf8_sanitize(p, pn, &sclean) == NF_STD_TEXT_OK);
    int32_t m = nf_std_utf16_len(p, pn);

    /* compare */
    int c1 = nf_std_utf16_cmp(t, tn, p, pn), c2 = nf_std_utf16_cmp(p, pn, t, tn);
    CHECK((c1 > 0) == (c2 < 0) && (c1 == 0) == (c2 == 0));
    CHECK(nf_std_utf16_cmp(t, tn, clean.p, clean.len) == 0);

    /* substring: a start and count from -1 to n + 1 */
    int64_t start = (int64_t)(h % (uint32_t)(n + 3)) - 1;
    int64_t count = (int64_t)((h >> 12) % (uint32_t)(n + 3)) - 1;
    nf_std_text_status st = nf_std_substring(t, tn, start, true, count, &a, err, sizeof err);
    bool in_range = start >= 0 && start <= n && count >= 0 && count <= n - start;
    CHECK((st == NF_STD_TEXT_OK) == in_range);
    CHECK(st == NF_STD_TEXT_OK || st == NF_STD_TEXT_RANGE);
    if (in_range) sub_ok(t, tn, start, count, &a);
    st = nf_std_substring(t, tn, start, false, 0, &a, err, sizeof err);
    CHECK((st == NF_STD_TEXT_OK) == (start >= 0 && start <= n));
    if (st == NF_STD_TEXT_OK) CHECK(nf_std_utf16_len(a.p, a.len) == n - start);
    sub_ok(t, tn, 0, n, &a);
    CHECK(buf_eq(&a, clean.p, clean.len));

    /* find / findLast: a hit is where the sub really is */
    int64_t from = (int64_t)((h >> 20) % (uint32_t)(n + 3)) - 1;
    int32_t f = nf_std_find(t, tn, p, pn, from);
    CHECK(f >= -1 && f <= n);
    if (f >= 0) {
        CHECK(f >= (from < n ? from : n) && f + m <= n); /* "" past the end is found at n */
        sub_ok(t, tn, f, m, &a);
        CHECK(buf_eq(&a, sclean.p, sclean.len));
    }
    CHECK((nf_std_find(t, tn, p, pn, 0) >= 0) == nf_std_contains(t, tn, p, pn));
    int32_t l = nf_std_find_last(t, tn, p, pn, from);
    CHECK(l >= -1 && l <= n);
    if (l >= 0) {
        CHECK(l <= from && l + m <= n);
        sub_ok(t, tn, l, m, &a);
        CHECK(buf_eq(&a, sclean.p, sclean.len));
    }
    int32_t first = nf_std_find(t, tn, p, pn, 0), last = nf_std_find_last(t, tn, p, pn, INT64_MAX);
    CHECK((first < 0) == (last < 0) && first <= last);
    if (nf_std_starts_with(t, tn, p, pn)) CHECK(first == 0);
    if (nf_std_ends_with(t, tn, p, pn)) CHECK(last == n - m);
    if (m <= n && nf_std_find(t, tn, p, pn, n - m) == n - m) CHECK(nf_std_ends_with(t, tn, p, pn));

    /* case mapping and trim */
    CHECK(nf_std_to_lower(t, tn, &a, err, sizeof err) == NF_STD_TEXT_OK);
    check_out(&a);
    CHECK(nf_std_to_upper(t, tn, &a, err, sizeof err) == NF_STD_TEXT_OK);
    check_out(&a);
    for (int mode = 0; mode < 2; mode++) {
        CHECK(nf_std_trim(t, tn, (nf_std_trim_mode)mode, &a) == NF_STD_TEXT_OK);
        check_out(&a);
        CHECK(nf_std_utf16_len(a.p, a.len) <= n);
        CHECK(nf_std_contains(clean.p, clean.len, a.p, a.len));
        CHECK(nf_std_trim(a.p, a.len, (nf_std_trim_mode)mode, &b) == NF_STD_TEXT_OK);
        CHECK(buf_eq(&b, a.p, a.len));
    }

    /* URL encoding round trip; decoding arbitrary text */
    CHECK(nf_std_url_encode(t, tn, &a) == NF_STD_TEXT_OK);
    check_out(&a);
    for (size_t i = 0; i < a.len; i++)
        CHECK((unsigned char)a.p[i] > 0x20 && a.p[i] < 0x7F);
    CHECK(nf_std_url_decode(a.p, a.len, &b, err, sizeof err) == NF_STD_TEXT_OK);
    CHECK(buf_eq(&b, clean.p, clean.len));
    st = nf_std_url_decode(t, tn, &a, err, sizeof err);
    CHECK(st == NF_STD_TEXT_OK || st == NF_STD_TEXT_BADARG);
    if (st == NF_STD_TEXT_OK)
        check_out(&a);
    else
        CHECK(a.len == 0 && err[0] != '\0');

    nf_std_buf_free(&a);
    nf_std_buf_free(&b);
    nf_std_buf_free(&clean);
    nf_std_buf_free(&sclean);
}

static nf_std_regex_cache *new_cache(size_t cap) {
    nf_std_regex_cache *c = nf_std_regex_cache_new(cap);
    CHECK(c != NULL);
    nf_std_regex_cache_set_limits(c, FUZZ_MATCH_LIMIT, FUZZ_DEPTH_LIMIT, FUZZ_HEAP_LIMIT);
    return c;
}

/* Appends to a buffer the test's own way (the library's appenders are private). */
static void append(nf_std_buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        CHECK(p != NULL);
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* q = \Q s \E */
static void quote(nf_std_buf *q, const char *s, size_t n) {
    q->len = 0;
    append(q, "\\Q", 2);
    append(q, s, n);
    append(q, "\\E", 2);
}

static void fuzz_regex(nf_std_regex_cache *cached, nf_std_regex_cache *plain, const char *t,
                       size_t tn, const char *p, size_t pn, const char *r, size_t rn) {
    nf_std_buf a = {0}, b = {0}, q = {0}, want = {0}, piece = {0}, rclean = {0};
    char e1[256], e2[256];
    bool m1 = false, m2 = false;

    /* The cached and the uncached path give the same answers. */
    nf_std_text_status s1 = nf_std_regex_is_match(cached, t, tn, p, pn, &m1, e1, sizeof e1);
    nf_std_text_status s2 = nf_std_regex_is_match(plain, t, tn, p, pn, &m2, e2, sizeof e2);
    CHECK(s1 == s2 && m1 == m2);
    CHECK(s1 == NF_STD_TEXT_OK || e1[0] != '\0');
    for (int all = 0; all < 2; all++) {
        s1 = all ? nf_std_regex_replace_all(cached, t, tn, p, pn, r, rn, &a, e1, sizeof e1)
                 : nf_std_regex_replace_first(cached, t, tn, p, pn, r, rn, &a, e1, sizeof e1);
        s2 = all ? nf_std_regex_replace_all(plain, t, tn, p, pn, r, rn, &b, e2, sizeof e2)
                 : nf_std_regex_replace_first(plain, t, tn, p, pn, r, rn, &b, e2, sizeof e2);
        CHECK(s1 == s2);
        CHECK(s1 != NF_STD_TEXT_NOMEM);
        if (s1 == NF_STD_TEXT_OK) {
            check_out(&a);
            CHECK(buf_eq(&b, a.p, a.len));
        } else {
            CHECK(a.len == 0 && e1[0] != '\0');
        }
    }

    /* \Q<x>\E matches x itself, and replacing \Q<p>\E equals a literal replace built from
     * find and substring. (Skipped when the literal holds \E, which would end the quote.) */
    if (nf_std_find(t, tn, "\\E", 2, 0) < 0) {
        quote(&q, t, tn);
        CHECK(nf_std_regex_is_match(cached, t, tn, q.p, q.len, &m1, e1, sizeof e1) ==
              NF_STD_TEXT_OK);
        CHECK(m1);
    }
    if (pn > 0 && nf_std_find(p, pn, "\\E", 2, 0) < 0) {
        quote(&q, p, pn);
        s1 = nf_std_regex_replace_all(cached, t, tn, q.p, q.len, r, rn, &a, e1, sizeof e1);
        CHECK(s1 == NF_STD_TEXT_OK);
        CHECK(nf_std_utf8_sanitize(r, rn, &rclean) == NF_STD_TEXT_OK);
        int32_t n = nf_std_utf16_len(t, tn), m = nf_std_utf16_len(p, pn), at = 0;
        for (;;) {
            int32_t f = nf_std_find(t, tn, p, pn, at);
            int32_t stop = f < 0 ? n : f;
            char err[256];
            CHECK(nf_std_substring(t, tn, at, true, stop - at, &piece, err, sizeof err) ==
                  NF_STD_TEXT_OK);
            append(&want, piece.p, piece.len);
            if (f < 0) break;
            append(&want, rclean.p, rclean.len);
            at = f + m;
        }
        CHECK(buf_eq(&a, want.p ? want.p : "", want.len));
    }
    nf_std_buf_free(&a);
    nf_std_buf_free(&b);
    nf_std_buf_free(&q);
    nf_std_buf_free(&want);
    nf_std_buf_free(&piece);
    nf_std_buf_free(&rclean);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *part[3] = {"", "", ""};
    size_t len[3] = {0, 0, 0};
    size_t k = 0, begin = 0;
    for (size_t i = 0; i <= size && k < 3; i++) {
        if (i == size || (data[i] == SEP && k < 2)) {
            part[k] = (const char *)data + begin;
            len[k] = i - begin;
            k++;
            begin = i + 1;
        }
    }
    uint32_t h = 2166136261u; /* FNV-1a of the input: picks the indexes for substring/find */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;

    fuzz_units(part[0], len[0], part[1], len[1], h);
    fuzz_units(part[1], len[1], part[0], len[0], h >> 3);

    /* A small cache (capacity 2, so eviction happens) and an uncached twin with the same
     * limits, made per input so that every run is reproducible on its own. */
    nf_std_regex_cache *cached = new_cache(2), *plain = new_cache(0);
    fuzz_regex(cached, plain, part[0], len[0], part[1], len[1], part[2], len[2]);
    /* The text as the pattern too: arbitrary bytes compile or fail cleanly. */
    fuzz_regex(cached, plain, part[1], len[1], part[0], len[0], part[2], len[2]);
    nf_std_regex_cache_free(cached);
    nf_std_regex_cache_free(plain);
    return 0;
}
