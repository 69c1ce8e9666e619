/* test_text.c — specification of stdlib/std_text.c and stdlib/std_regex.c: the Mendix string
 * functions (EXP/string-function-calls.md, EXP/length.md; refguide and refguide10 pages) on
 * ICU and PCRE2.
 *
 * Indexes and lengths count UTF-16 code units (Java/JavaScript); bad UTF-8 bytes read as U+FFFD.
 * Rows marked "doc" are the worked examples of the Mendix pages; where a page is wrong the row
 * tests the correct value and says DOC ERROR. One group per function, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "std_text.h"

/* A literal with its exact length, so rows may hold NUL bytes. */
typedef struct str {
    const char *p;
    size_t n;
} str;
#define T(x)                                                                                       \
    { x, sizeof(x) - 1 }

#define E_ACUTE "\xC3\xA9"         /* é U+00E9 */
#define GRIN    "\xF0\x9F\x98\x80" /* 😀 U+1F600: a surrogate pair in UTF-16 */
#define GRIN2   "\xF0\x9F\x98\x81" /* 😁 U+1F601: same high surrogate as GRIN */
#define FFFD    "\xEF\xBF\xBD"     /* U+FFFD REPLACEMENT CHARACTER */
#define SHARP_S "\xC3\x9F"         /* ß U+00DF */
#define NBSP    "\xC2\xA0"         /* U+00A0 */

#define OK     NF_STD_TEXT_OK
#define RANGE  NF_STD_TEXT_RANGE
#define BADARG NF_STD_TEXT_BADARG
#define REGEX  NF_STD_TEXT_REGEX
#define LIMIT  NF_STD_TEXT_LIMIT

static void expect_bytes(const nf_std_buf *b, str want, const char *what, size_t row) {
    const char *got = b->p ? b->p : "";
    if (b->len != want.n || memcmp(got, want.p, want.n) != 0)
        fail_msg("%s row %zu: got '%.*s' (%zu bytes), want '%.*s' (%zu bytes)", what, row,
                 (int)b->len, got, b->len, (int)want.n, want.p, want.n);
    if (b->p && b->p[b->len] != '\0') fail_msg("%s row %zu: result not NUL-terminated", what, row);
}

static void expect_status(nf_std_text_status got, nf_std_text_status want, const char *err,
                          const char *what, size_t row) {
    if (got != want) fail_msg("%s row %zu: status %d, want %d (%s)", what, row, got, want, err);
    if (got != OK && err[0] == '\0') fail_msg("%s row %zu: error without a message", what, row);
}

/* ---- length ------------------------------------------------------------------------------ */

typedef struct len_row {
    str s;
    int32_t want;
    const char *note;
} len_row;

static const len_row len_rows[] = {
    {T("thisismystring"), 14, "doc"},
    {T("qwer"), 4, "doc: MyString = 'qwer'"},
    {T(""), 0, "doc: MyString is empty"},
    {T(E_ACUTE), 1, "one BMP character"},
    {T("e\xCC\x81"), 2, "e + combining acute: code units, not graphemes"},
    {T(GRIN), 2, "surrogate pair"},
    {T("a" GRIN "b"), 4, NULL},
    {T("\xF4\x8F\xBF\xBF"), 2, "U+10FFFF"},
    {T(SHARP_S), 1, NULL},
    {T("a\0b"), 3, "NUL is a character"},
    {T("\xFF"), 1, "bad byte = one U+FFFD"},
    {T("\xE2\x82"), 2, "truncated sequence: each byte is one U+FFFD"},
    {T("\xC0\xAF"), 2, "overlong '/' is two bad bytes"},
    {T("\xED\xA0\x80"), 3, "UTF-8-encoded surrogate is three bad bytes"},
    {T("\xF4\x90\x80\x80"), 4, "above U+10FFFF"},
    {T("\x80"
       "abc"),
     4, "stray continuation byte"},
};

static void test_length(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof len_rows / sizeof *len_rows; i++) {
        const len_row *r = &len_rows[i];
        int32_t got = nf_std_utf16_len(r->s.p, r->s.n);
        if (got != r->want) fail_msg("length row %zu: %d, want %d", i, got, r->want);
    }
    assert_true(nf_std_utf8_valid(GRIN E_ACUTE "x", 7));
    assert_false(nf_std_utf8_valid("\xED\xA0\x80", 3));
    assert_false(nf_std_utf8_valid("\xC0\xAF", 2));
    nf_std_buf b = {0};
    assert_int_equal(nf_std_utf8_sanitize("a\xFF\xE2\x82"
                                          "b",
                                          5, &b),
                     OK);
    expect_bytes(&b, (str)T("a" FFFD FFFD FFFD "b"), "sanitize", 0);
    nf_std_buf_free(&b);
}

/* ---- compare ---------------------------------------------------------------------------- */

typedef struct cmp_row {
    str a, b;
    int sign;
    const char *note;
} cmp_row;

static const cmp_row cmp_rows[] = {
    {T(""), T(""), 0, NULL},
    {T("a"), T("b"), -1, NULL},
    {T("abc"), T("ab"), 1, "longer with equal prefix sorts after"},
    {T("B"), T("a"), -1, "code unit order, not collation"},
    {T("\xEE\x80\x80"), T(GRIN), 1, "U+E000 > U+D83D in UTF-16 (UTF-8 byte order says <)"},
    {T(GRIN), T(GRIN2), -1, "same high surrogate: low decides"},
    {T("\xFF"), T(FFFD), 0, "a bad byte is U+FFFD"},
};

static int sign_of(int x) {
    return (x > 0) - (x < 0);
}

static void test_compare(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof cmp_rows / sizeof *cmp_rows; i++) {
        const cmp_row *r = &cmp_rows[i];
        int got = sign_of(nf_std_utf16_cmp(r->a.p, r->a.n, r->b.p, r->b.n));
        int back = sign_of(nf_std_utf16_cmp(r->b.p, r->b.n, r->a.p, r->a.n));
        if (got != r->sign || back != -r->sign)
            fail_msg("compare row %zu: %d / %d, want %d", i, got, back, r->sign);
    }
}

/* ---- substring -------------------------------------------------------------------------- */

typedef struct sub_row {
    str s;
    int64_t start;
    bool has_count;
    int64_t count;
    nf_std_text_status st;
    str want;
    const char *note;
} sub_row;

static const sub_row sub_rows[] = {
    {T("thisismystring"), 6, false, 0, OK, T("mystring"), "doc"},
    {T("funwithmendixapps"), 7, true, 6, OK, T("mendix"), "doc"},
    {T("thisismystring"), 6, true, 2, OK, T("my"), "doc (refguide10)"},
    {T("thisismystring"), 0, true, 14, OK, T("thisismystring"),
     "doc (refguide10): substring(s, 0, min(length(s), 20))"},
    {T("abc"), 0, false, 0, OK, T("abc"), NULL},
    {T("abc"), 1, true, 2, OK, T("bc"), NULL},
    {T("abc"), 1, true, 0, OK, T(""), NULL},
    /* Decision: start == length is '' (Java String.substring). The doc's "after the last
     * character" is read as start > length, the Java condition for an error. */
    {T("abc"), 3, false, 0, OK, T(""), "start == length"},
    {T("abc"), 3, true, 0, OK, T(""), "start == length, count 0"},
    {T(""), 0, false, 0, OK, T(""), NULL},
    {T("abc"), 4, false, 0, RANGE, T(""), "doc: start after the last character"},
    {T("abc"), -1, false, 0, RANGE, T(""), "negative start"},
    {T("abc"), 5000000000, false, 0, RANGE, T(""), "Long start, no truncation to 32 bits"},
    {T("abc"), 1, true, -1, RANGE, T(""), "negative length"},
    {T("abc"), 1, true, 3, RANGE, T(""), "doc: desired length longer than the rest"},
    {T("abc"), 0, true, INT64_MAX, RANGE, T(""), "no overflow in start + count"},
    {T("h" E_ACUTE "llo"), 1, true, 2, OK, T(E_ACUTE "l"), "é is one unit"},
    /* a é 😀(2 units) b: indexes a=0 é=1 😀=2,3 b=4 */
    {T("a" E_ACUTE GRIN "b"), 2, true, 2, OK, T(GRIN), "a whole pair"},
    {T("a" E_ACUTE GRIN "b"), 3, true, 2, OK, T(FFFD "b"), "start splits a pair: low half"},
    {T("a" E_ACUTE GRIN "b"), 1, true, 2, OK, T(E_ACUTE FFFD), "end splits a pair: high half"},
    {T("a" E_ACUTE GRIN "b"), 3, false, 0, OK, T(FFFD "b"), NULL},
    {T(GRIN), 1, true, 0, OK, T(""), "empty cut inside a pair"},
    {T("a" E_ACUTE GRIN "b"), 5, false, 0, OK, T(""), NULL},
    {T("a" E_ACUTE GRIN "b"), 6, false, 0, RANGE, T(""), "length is 5 units"},
    {T("a\xFF"
       "b"),
     1, true, 1, OK, T(FFFD), "bad byte comes out as U+FFFD"},
    {T("a\xFF"
       "b"),
     0, false, 0, OK, T("a" FFFD "b"), NULL},
    {T("a\0b"), 1, true, 2, OK, T("\0b"), "NUL kept"},
};

static void test_substring(void **state) {
    (void)state;
    nf_std_buf b = {0};
    for (size_t i = 0; i < sizeof sub_rows / sizeof *sub_rows; i++) {
        const sub_row *r = &sub_rows[i];
        char err[200] = "";
        nf_std_text_status st =
            nf_std_substring(r->s.p, r->s.n, r->start, r->has_count, r->count, &b, err, sizeof err);
        expect_status(st, r->st, err, "substring", i);
        expect_bytes(&b, r->want, "substring", i);
        if (st == OK && r->has_count && nf_std_utf16_len(b.p, b.len) != r->count)
            fail_msg("substring row %zu: result length differs from the count", i);
    }
    char err[200];
    assert_int_equal(nf_std_substring("abc", 3, 4, false, 0, &b, err, sizeof err), RANGE);
    assert_string_equal(err, "substring: start position 4 is outside the string (length 3); it "
                             "must be between 0 and 3");
    assert_int_equal(nf_std_substring("abc", 3, 1, true, 3, &b, err, sizeof err), RANGE);
    assert_string_equal(err, "substring: the length 3 from start position 1 goes past the end of "
                             "the string (length 3); at most 2 characters are left");
    assert_int_equal(nf_std_substring("abc", 3, 0, true, -2, &b, err, sizeof err), RANGE);
    assert_string_equal(err, "substring: the length -2 is negative");
    nf_std_buf_free(&b);
}

/* ---- find / findLast -------------------------------------------------------------------- */

typedef struct find_row {
    str s, sub;
    int64_t from; /* find: 0 = two-argument form; findLast: INT64_MAX */
    int32_t want;
    const char *note;
} find_row;

static const find_row find_rows[] = {
    {T("thisismystring"), T("my"), 0, 6, "doc"},
    {T("thisismystring"), T("yourstring"), 0, -1, "doc"},
    {T("thisismystring"), T("i"), 5, 11, "doc"},
    {T("stringtosearchin"), T("stringtosearchfor"), 0, -1, "doc (contains equivalence)"},
    {T("abc"), T("a"), -3, 0, "negative start counts as 0"},
    {T("abc"), T("c"), 3, -1, "start at the end"},
    {T("abc"), T("c"), 99, -1, "start past the end"},
    {T("abc"), T(""), 0, 0, "empty sub: found at the start"},
    {T("abc"), T(""), 2, 2, NULL},
    {T("abc"), T(""), 3, 3, NULL},
    {T("abc"), T(""), 7, 3, "empty sub past the end: length"},
    {T("abc"), T(""), -5, 0, NULL},
    {T(""), T(""), 0, 0, NULL},
    {T(""), T("a"), 0, -1, NULL},
    {T("aaa"), T("aa"), 1, 1, "overlapping"},
    {T("a" GRIN "b" GRIN), T(GRIN), 0, 1, "UTF-16 index"},
    {T("a" GRIN "b" GRIN), T(GRIN), 2, 4, "start inside a pair"},
    {T("a" GRIN "b" GRIN), T("b"), 0, 3, NULL},
    {T("a" E_ACUTE "b"), T("b"), 0, 2, NULL},
    {T("x" E_ACUTE), T("e"), 0, -1, "no normalisation or folding"},
    {T("a\xFF"
       "b"),
     T(FFFD), 0, 1, "bad byte matches U+FFFD"},
    {T("a" FFFD "b"), T("\xFF"), 0, 1, "and the other way round"},
    {T("a\0b"), T("\0"), 0, 1, "NUL searched like any character"},
};

static const find_row find_last_rows[] = {
    {T("thisismystring"), T("t"), INT64_MAX, 9, "doc"},
    {T("thisismystring"), T("yourstring"), INT64_MAX, -1, "doc"},
    {T("thisismystring"), T("i"), 5, 4, "doc"},
    /* DOC ERROR: the page explains findLast(s, sub, 5) as "searching the substring 'thisis'"
     * (positions 0..5). That holds only for a one-character sub: like Java lastIndexOf, the
     * match must *start* at or before 5 and may run past it, so 'sm' is found at 5. */
    {T("thisismystring"), T("sm"), 5, 5, "DOC ERROR: match may extend past lastIndex"},
    {T("abcabc"), T("abc"), INT64_MAX, 3, NULL},
    {T("abcabc"), T("abc"), 2, 0, NULL},
    {T("abc"), T("abcd"), INT64_MAX, -1, "sub longer than s"},
    {T("abc"), T("a"), -1, -1, "negative lastIndex: -1 (Java; JavaScript would clamp to 0)"},
    {T("abc"), T(""), INT64_MAX, 3, "empty sub: length"},
    {T("abc"), T(""), 1, 1, NULL},
    {T("abc"), T(""), -1, -1, NULL},
    {T("aaa"), T("aa"), INT64_MAX, 1, "overlapping"},
    {T(GRIN "a" GRIN), T(GRIN), INT64_MAX, 3, NULL},
    {T(GRIN "a" GRIN), T(GRIN), 2, 0, NULL},
    {T(GRIN "a" GRIN), T(GRIN), 4, 3, "lastIndex inside the last pair"},
    {T(GRIN "a" GRIN), T("a"), INT64_MAX, 2, NULL},
    {T("\xFF"
       "x\xFF"),
     T(FFFD), INT64_MAX, 2, NULL},
};

static void test_find(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof find_rows / sizeof *find_rows; i++) {
        const find_row *r = &find_rows[i];
        int32_t got = nf_std_find(r->s.p, r->s.n, r->sub.p, r->sub.n, r->from);
        if (got != r->want) fail_msg("find row %zu: %d, want %d", i, got, r->want);
    }
}

static void test_find_last(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof find_last_rows / sizeof *find_last_rows; i++) {
        const find_row *r = &find_last_rows[i];
        int32_t got = nf_std_find_last(r->s.p, r->s.n, r->sub.p, r->sub.n, r->from);
        if (got != r->want) fail_msg("findLast row %zu: %d, want %d", i, got, r->want);
    }
}

/* ---- contains / startsWith / endsWith --------------------------------------------------- */

typedef struct has_row {
    str s, sub;
    bool contains, starts, ends;
    const char *note;
} has_row;

static const has_row has_rows[] = {
    {T("thisismystring"), T("my"), true, false, false, "doc: contains"},
    {T("thisismystring"), T("this"), true, true, false, "doc: startsWith"},
    {T("thisismystring"), T("ring"), true, false, true, "doc: endsWith"},
    {T("stringtosearchin"), T(""), true, true, true, "doc: '' is always contained"},
    {T("stringtosearchin"), T("stringtosearchfor"), false, false, false, "doc"},
    {T("Hello"), T("hello"), false, false, false, "doc: case-sensitive"},
    {T(""), T(""), true, true, true, NULL},
    {T(""), T("a"), false, false, false, NULL},
    {T("ab"), T("abc"), false, false, false, NULL},
    {T("a" GRIN), T(GRIN), true, false, true, NULL},
    {T(GRIN "a"), T(GRIN), true, true, false, NULL},
    {T(E_ACUTE), T("e"), false, false, false, NULL},
    {T("a\xFF"), T(FFFD), true, false, true, "bad byte = U+FFFD"},
    {T("\xFF"
       "a"),
     T(FFFD), true, true, false, NULL},
};

static void test_contains(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof has_rows / sizeof *has_rows; i++) {
        const has_row *r = &has_rows[i];
        bool c = nf_std_contains(r->s.p, r->s.n, r->sub.p, r->sub.n);
        bool s = nf_std_starts_with(r->s.p, r->s.n, r->sub.p, r->sub.n);
        bool e = nf_std_ends_with(r->s.p, r->s.n, r->sub.p, r->sub.n);
        if (c != r->contains || s != r->starts || e != r->ends)
            fail_msg("contains row %zu: %d %d %d, want %d %d %d", i, c, s, e, r->contains,
                     r->starts, r->ends);
    }
}

/* ---- toLowerCase / toUpperCase ---------------------------------------------------------- */

typedef struct case_row {
    str s, lower, upper;
    const char *note;
} case_row;

static const case_row case_rows[] = {
    {T("thisISmyString"), T("thisismystring"), T("THISISMYSTRING"), "doc"},
    {T(""), T(""), T(""), NULL},
    {T("a1-B2_"), T("a1-b2_"), T("A1-B2_"), NULL},
    {T("Stra" SHARP_S "e"), T("stra" SHARP_S "e"), T("STRASSE"), "full mapping: ß -> SS"},
    {T("\xC3\x89"
       "cole"),
     T("\xC3\xA9"
       "cole"),
     T("\xC3\x89"
       "COLE"),
     "É/é"},
    /* Root locale: no Turkish rules. I -> i, i -> I; dotless ı -> I; İ -> i + U+0307. */
    {T("Ii"), T("ii"), T("II"), "root locale, not tr"},
    {T("\xC4\xB1"), T("\xC4\xB1"), T("I"), "dotless i U+0131"},
    {T("\xC4\xB0"), T("i\xCC\x87"), T("\xC4\xB0"), "dotted I U+0130: lower grows"},
    {T("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"), T("\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82"),
     T("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"), "Greek final sigma"},
    {T("\xC7\x85"), T("\xC7\x86"), T("\xC7\x84"), "titlecase digraph U+01C5"},
    {T("\xC5\x89"), T("\xC5\x89"),
     T("\xCA\xBC"
       "N"),
     "U+0149 uppercases to two characters"},
    {T("\xF0\x90\x90\x80"), T("\xF0\x90\x90\xA8"), T("\xF0\x90\x90\x80"), "Deseret: pair maps"},
    {T(GRIN "x"), T(GRIN "x"), T(GRIN "X"), NULL},
    {T("A\xFF"
       "b"),
     T("a" FFFD "b"), T("A" FFFD "B"), "bad byte -> U+FFFD"},
    {T("A\0b"), T("a\0b"), T("A\0B"), "NUL kept"},
};

static void test_case(void **state) {
    (void)state;
    nf_std_buf b = {0};
    char err[100] = "";
    for (size_t i = 0; i < sizeof case_rows / sizeof *case_rows; i++) {
        const case_row *r = &case_rows[i];
        assert_int_equal(nf_std_to_lower(r->s.p, r->s.n, &b, err, sizeof err), OK);
        expect_bytes(&b, r->lower, "toLowerCase", i);
        assert_int_equal(nf_std_to_upper(r->s.p, r->s.n, &b, err, sizeof err), OK);
        expect_bytes(&b, r->upper, "toUpperCase", i);
    }
    nf_std_buf_free(&b);
}

/* ---- trim ------------------------------------------------------------------------------- */

typedef struct trim_row {
    str s, js, java;
    const char *note;
} trim_row;

static const trim_row trim_rows[] = {
    {T(" this is my string     "), T("this is my string"), T("this is my string"), "doc"},
    {T(""), T(""), T(""), "doc (refguide10): empty gives ''"},
    {T("   "), T(""), T(""), NULL},
    {T("\t\n x y\r\n\v\f"), T("x y"), T("x y"), NULL},
    {T(NBSP "x" NBSP), T("x"), T(NBSP "x" NBSP), "NBSP: JS whitespace, not Java"},
    {T("\x01x\x1F"), T("\x01x\x1F"), T("x"), "controls: Java trims <= U+0020"},
    {T("\0x\0"), T("\0x\0"), T("x"), "NUL too"},
    {T("\xE3\x80\x80x\xE2\x80\x83"), T("x"), T("\xE3\x80\x80x\xE2\x80\x83"), "U+3000, U+2003"},
    {T("\xEF\xBB\xBFx"), T("x"), T("\xEF\xBB\xBFx"), "BOM U+FEFF is JS whitespace"},
    {T("\xE2\x80\xA8x\xE2\x80\xA9"), T("x"), T("\xE2\x80\xA8x\xE2\x80\xA9"), "U+2028/2029"},
    {T("\xC2\x85x"), T("\xC2\x85x"), T("\xC2\x85x"), "NEL U+0085 is not JS whitespace"},
    {T("\xE2\x80\x8Bx"), T("\xE2\x80\x8Bx"), T("\xE2\x80\x8Bx"), "U+200B is not whitespace"},
    {T("\xE1\xA0\x8Ex"), T("\xE1\xA0\x8Ex"), T("\xE1\xA0\x8Ex"), "U+180E not since ES2016"},
    {T(" a " GRIN " "), T("a " GRIN), T("a " GRIN), NULL},
    {T("\xFF x "), T(FFFD " x"), T(FFFD " x"), "bad byte kept as U+FFFD"},
};

static void test_trim(void **state) {
    (void)state;
    nf_std_buf b = {0};
    for (size_t i = 0; i < sizeof trim_rows / sizeof *trim_rows; i++) {
        const trim_row *r = &trim_rows[i];
        assert_int_equal(nf_std_trim(r->s.p, r->s.n, NF_STD_TRIM_JS, &b), OK);
        expect_bytes(&b, r->js, "trim (JS)", i);
        assert_int_equal(nf_std_trim(r->s.p, r->s.n, NF_STD_TRIM_JAVA, &b), OK);
        expect_bytes(&b, r->java, "trim (Java)", i);
    }
    nf_std_buf_free(&b);
}

/* ---- urlEncode / urlDecode -------------------------------------------------------------- */

typedef struct url_row {
    str plain, encoded;
    const char *note;
} url_row;

static const url_row url_rows[] = {
    {T("Hello, world!"), T("Hello%2C+world%21"), "doc (both directions)"},
    {T(""), T(""), NULL},
    {T("AZaz09.-*_"), T("AZaz09.-*_"), "unreserved set of URLEncoder"},
    {T("~'()"), T("%7E%27%28%29"), "encoded by Java (unlike encodeURIComponent)"},
    {T("a b+c"), T("a+b%2Bc"), NULL},
    {T("/?&=#%"), T("%2F%3F%26%3D%23%25"), NULL},
    {T(E_ACUTE), T("%C3%A9"), "UTF-8 bytes"},
    {T(GRIN), T("%F0%9F%98%80"), NULL},
    {T("\0\n"), T("%00%0A"), NULL},
};

typedef struct udec_row {
    str in;
    nf_std_text_status st;
    str want;
    const char *note;
} udec_row;

static const udec_row udec_rows[] = {
    {T("%c3%a9"), OK, T(E_ACUTE), "lower-case hex"},
    {T(E_ACUTE "+%20"), OK, T(E_ACUTE "  "), "raw characters pass through"},
    {T("100%25"), OK, T("100%"), NULL},
    {T("a%2"), BADARG, T(""), "incomplete escape"},
    {T("%"), BADARG, T(""), NULL},
    {T("%zz"), BADARG, T(""), "not hex"},
    {T("%-1"), BADARG, T(""), "Java's parseInt would accept a sign; we do not"},
    {T("%C3"), BADARG, T(""), "truncated UTF-8"},
    {T("%C3x"), BADARG, T(""), "a run is decoded on its own"},
    {T("%C3%28"), BADARG, T(""), "bad continuation"},
    {T("%ED%A0%80"), BADARG, T(""), "surrogate"},
    {T("%C0%AF"), BADARG, T(""), "overlong"},
    {T("\xFF"
       "a"),
     OK, T(FFFD "a"), "bad raw byte -> U+FFFD, not an error"},
};

static void test_url(void **state) {
    (void)state;
    nf_std_buf b = {0};
    char err[200];
    for (size_t i = 0; i < sizeof url_rows / sizeof *url_rows; i++) {
        const url_row *r = &url_rows[i];
        assert_int_equal(nf_std_url_encode(r->plain.p, r->plain.n, &b), OK);
        expect_bytes(&b, r->encoded, "urlEncode", i);
        err[0] = '\0';
        assert_int_equal(nf_std_url_decode(r->encoded.p, r->encoded.n, &b, err, sizeof err), OK);
        expect_bytes(&b, r->plain, "urlDecode", i);
    }
    for (size_t i = 0; i < sizeof udec_rows / sizeof *udec_rows; i++) {
        const udec_row *r = &udec_rows[i];
        err[0] = '\0';
        nf_std_text_status st = nf_std_url_decode(r->in.p, r->in.n, &b, err, sizeof err);
        expect_status(st, r->st, err, "urlDecode", i);
        expect_bytes(&b, r->want, "urlDecode", i);
    }
    assert_int_equal(nf_std_url_encode("\xFF", 1, &b), OK);
    expect_bytes(&b, (str)T("%EF%BF%BD"), "urlEncode of a bad byte", 0);
    assert_int_equal(nf_std_url_decode("ab%4", 4, &b, err, sizeof err), BADARG);
    assert_string_equal(err, "urlDecode: incomplete escape at position 2: '%' must be followed "
                             "by two hexadecimal digits");
    assert_int_equal(nf_std_url_decode(E_ACUTE "%FF", 5, &b, err, sizeof err), BADARG);
    assert_string_equal(err, "urlDecode: the escapes at position 1 do not form valid UTF-8 text");
    nf_std_buf_free(&b);
}

/* ---- isMatch ---------------------------------------------------------------------------- */

typedef struct match_row {
    str s, re;
    nf_std_text_status st;
    bool want;
    const char *note;
} match_row;

static const match_row match_rows[] = {
    {T("234hello6432"), T("^([0-9]+)$"), OK, false, "doc (refguide)"},
    {T("234hello6432"), T("([0-9]+)"), OK, false, "doc (refguide10)"},
    {T("234"), T("([0-9]+)"), OK, true, NULL},
    {T("NLG 123.45"), T("[0-9]"), OK, false, "doc: implicitly anchored"},
    {T("NLG 123.45"), T(".*[0-9].*"), OK, true, "doc"},
    {T(""), T(".*[0-9].*"), OK, false, "doc: empty string"},
    {T(""), T(""), OK, true, NULL},
    {T(""), T("a*"), OK, true, NULL},
    {T("abc"), T("b"), OK, false, NULL},
    {T("abc"), T("a|abc"), OK, true, "backtracks into the alternative that reaches the end"},
    {T("ab\n"), T("ab$"), OK, false, "$ before a final newline is not the end of the string"},
    {T("ab"), T("(?i)AB"), OK, true, "inline flags"},
    {T("a.b"), T("\\Qa.b\\E"), OK, true, "\\Q...\\E literal"},
    {T("axb"), T("\\Qa.b\\E"), OK, false, NULL},
    {T("a.b"), T("\\Qa.b"), OK, true, "\\Q without \\E runs to the end (as in Java)"},
    {T(E_ACUTE), T("."), OK, true, "UTF mode: one character"},
    {T(GRIN), T("."), OK, true, "a pair is one character"},
    {T(GRIN), T(".."), OK, false, NULL},
    {T(E_ACUTE "t" E_ACUTE), T("\\w+"), OK, true, "UCP: \\w is Unicode"},
    {T("\xD9\xA3"), T("\\d"), OK, true, "UCP: Arabic-Indic digit is \\d (Java/JS: ASCII only)"},
    {T("\xC3\x89"), T("(?i)" E_ACUTE), OK, true, "caseless beyond ASCII"},
    {T("a\0b"), T("a\\x00b"), OK, true, "NUL in the subject"},
    {T("a\0b"), T("a\0b"), OK, true, "NUL in the pattern"},
    {T("\xFF"), T("\\x{FFFD}"), OK, true, "bad byte matched as U+FFFD"},
    {T(FFFD), T("\xFF"), OK, true, "bad byte in the pattern is U+FFFD"},
    {T("a"), T("("), REGEX, false, "bad pattern"},
    {T("a"), T("[a"), REGEX, false, NULL},
    {T("a"), T("*"), REGEX, false, NULL},
    {T("a"), T("\\C"), REGEX, false, "\\C is refused: it could split characters"},
    {T("a"), T("a{2,1}"), REGEX, false, NULL},
};

static void test_is_match(void **state) {
    (void)state;
    nf_std_regex_cache *c = nf_std_regex_cache_new(8);
    assert_non_null(c);
    for (size_t i = 0; i < sizeof match_rows / sizeof *match_rows; i++) {
        const match_row *r = &match_rows[i];
        char err[200] = "";
        bool m = !r->want;
        nf_std_text_status st =
            nf_std_regex_is_match(c, r->s.p, r->s.n, r->re.p, r->re.n, &m, err, sizeof err);
        expect_status(st, r->st, err, "isMatch", i);
        if (st == OK && m != r->want) fail_msg("isMatch row %zu: %d, want %d", i, m, r->want);
    }
    nf_std_regex_cache_free(c);
}

static void test_regex_errors(void **state) {
    (void)state;
    char err[200];
    bool m;
    assert_int_equal(nf_std_regex_is_match(NULL, "a", 1, "ab(c", 4, &m, err, sizeof err), REGEX);
    assert_string_equal(err, "invalid regular expression: missing closing parenthesis at "
                             "position 4");
    /* The position counts UTF-16 units: é and the emoji before the error count 1 and 2. */
    assert_int_equal(nf_std_regex_is_match(NULL, "a", 1, E_ACUTE GRIN "[", 7, &m, err, sizeof err),
                     REGEX);
    assert_string_equal(err, "invalid regular expression: missing terminating ] for character "
                             "class at position 4");
    nf_std_buf b = {0};
    assert_int_equal(nf_std_regex_replace_all(NULL, "a", 1, "a)", 2, "x", 1, &b, err, sizeof err),
                     REGEX);
    assert_string_equal(err, "invalid regular expression: unmatched closing parenthesis at "
                             "position 1");
    assert_int_equal(b.len, 0);
    nf_std_buf_free(&b);
}

/* ---- replaceAll / replaceFirst ---------------------------------------------------------- */

typedef struct repl_row {
    str s, re, repl;
    bool all;
    nf_std_text_status st;
    str want;
    const char *note;
} repl_row;

#define NUMS "this is a string with 75 some numbers 234 thrown in"

static const repl_row repl_rows[] = {
    {T(NUMS), T("([0-9])"), T("NUMBER"), true, OK,
     T("this is a string with NUMBERNUMBER some numbers NUMBERNUMBERNUMBER thrown in"), "doc"},
    {T("this is a string with no numbers thrown in"), T("([0-9])"), T("NUMBER"), true, OK,
     T("this is a string with no numbers thrown in"), "doc: no match, original returned"},
    {T(NUMS), T("([0-9])"), T("NUMBER"), false, OK,
     T("this is a string with NUMBER5 some numbers 234 thrown in"), "doc: replaceFirst"},
    {T("Paul S. Mueller and Paul SX Mueller"), T("\\QPaul S. Mueller\\E"), T("P"), true, OK,
     T("P and Paul SX Mueller"), "doc: \\Q...\\E keeps the dot literal"},
    {T("Paul SX Mueller"), T("Paul S. Mueller"), T("P"), true, OK, T("P"),
     "without \\Q the dot is a wildcard"},
    /* Replacements are literal: no $n group references, no \ escapes (doc: "does not support
     * backreferences, substitutions, or captures"). Java's replaceAll would read $1. */
    {T("a1b2"), T("([0-9])"), T("$1"), true, OK, T("a$1b$1"), "$1 is literal"},
    {T("a1"), T("(?<d>[0-9])"), T("${d}$0$$"), true, OK, T("a${d}$0$$"), NULL},
    {T("ab"), T("b"), T("\\"), true, OK, T("a\\"), "a lone backslash"},
    {T("ab"), T("b"), T("\\1\\n\\\\"), true, OK, T("a\\1\\n\\\\"), NULL},
    {T("a$b"), T("\\$"), T("$"), true, OK, T("a$b"), "$ in pattern and replacement"},
    {T("abc"), T("x*"), T("-"), true, OK, T("-a-b-c-"), "empty matches, as Java"},
    {T("abc"), T("b*"), T("-"), true, OK, T("-a--c-"), "empty match right after a match"},
    {T("abc"), T("x*"), T("-"), false, OK, T("-abc"), NULL},
    {T(""), T("x*"), T("-"), true, OK, T("-"), NULL},
    {T(""), T("a"), T("b"), true, OK, T(""), NULL},
    {T("aaa"), T("a"), T(""), true, OK, T(""), "empty replacement deletes"},
    {T(GRIN GRIN), T(""), T("-"), true, OK, T("-" GRIN "-" GRIN "-"),
     "empty matches step over whole characters, never inside a pair"},
    {T("x" GRIN "y"), T("."), T("."), true, OK, T("..."), NULL},
    {T("Hello HELLO"), T("(?i)hello"), T("x"), true, OK, T("x x"), NULL},
    {T(E_ACUTE "t" E_ACUTE), T(E_ACUTE), T("e"), true, OK, T("ete"), NULL},
    {T("a\xFF"
       "b"),
     T("\\x{FFFD}"), T("?"), true, OK, T("a?b"), "bad byte in the subject"},
    {T("ab"), T("b"), T("\xFF"), true, OK, T("a" FFFD), "bad byte in the replacement"},
    {T("a\0b"), T("\\x00"), T("\0\0"), true, OK, T("a\0\0b"), "NUL in and out"},
    {T("a"), T("(a"), T("x"), true, REGEX, T(""), "bad pattern"},
};

static void test_replace(void **state) {
    (void)state;
    nf_std_regex_cache *c = nf_std_regex_cache_new(4);
    assert_non_null(c);
    nf_std_buf b = {0};
    for (size_t i = 0; i < sizeof repl_rows / sizeof *repl_rows; i++) {
        const repl_row *r = &repl_rows[i];
        char err[200] = "";
        nf_std_text_status st =
            r->all ? nf_std_regex_replace_all(c, r->s.p, r->s.n, r->re.p, r->re.n, r->repl.p,
                                              r->repl.n, &b, err, sizeof err)
                   : nf_std_regex_replace_first(c, r->s.p, r->s.n, r->re.p, r->re.n, r->repl.p,
                                                r->repl.n, &b, err, sizeof err);
        expect_status(st, r->st, err, r->all ? "replaceAll" : "replaceFirst", i);
        expect_bytes(&b, r->want, r->all ? "replaceAll" : "replaceFirst", i);
    }
    /* A result much longer than the subject (the output buffer grows). */
    char big[1000];
    memset(big, 'a', sizeof big);
    assert_int_equal(
        nf_std_regex_replace_all(c, big, sizeof big, "a", 1, "0123456789", 10, &b, NULL, 0), OK);
    assert_int_equal(b.len, 10000);
    assert_memory_equal(b.p + 9990, "0123456789", 10);
    nf_std_buf_free(&b);
    nf_std_regex_cache_free(c);
}

/* ---- catastrophic backtracking ---------------------------------------------------------- */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_limits(void **state) {
    (void)state;
    char s[42];
    memset(s, 'a', 40);
    s[40] = '!';
    s[41] = '\0';
    nf_std_regex_cache *c = nf_std_regex_cache_new(4);
    assert_non_null(c);
    char err[200] = "";
    bool m = true;
    double t0 = now();
    assert_int_equal(nf_std_regex_is_match(c, s, 41, "(a+)+$", 6, &m, err, sizeof err), LIMIT);
    assert_false(m);
    assert_non_null(strstr(err, "regular expression too complex"));
    nf_std_buf b = {0};
    assert_int_equal(nf_std_regex_replace_all(c, s, 41, "(a+)+$", 6, "x", 1, &b, err, sizeof err),
                     LIMIT);
    assert_int_equal(b.len, 0);
    assert_int_equal(nf_std_regex_is_match(NULL, s, 41, "(a+)+$", 6, &m, err, sizeof err), LIMIT);
    double took = now() - t0;
    /* Three runs into the default limit; unbounded it would be ~2^40 steps. */
    if (took > 10.0) fail_msg("the match limit took %.1f s to trigger", took);

    /* The limits are per cache: a tighter one stops a pattern that is fine by default. */
    char t[2001];
    memset(t, 'a', 2000);
    t[2000] = 'b';
    assert_int_equal(nf_std_regex_is_match(c, t, 2001, "(a|aa)*b", 8, &m, err, sizeof err), OK);
    assert_true(m);
    nf_std_regex_cache_set_limits(c, 100, 0, 0);
    assert_int_equal(nf_std_regex_is_match(c, t, 2001, "(a|aa)*b", 8, &m, err, sizeof err), LIMIT);
    nf_std_buf_free(&b);
    nf_std_regex_cache_free(c);
}

/* ---- the compiled-pattern cache --------------------------------------------------------- */

static bool is_match(nf_std_regex_cache *c, const char *s, const char *re) {
    bool m = false;
    char err[200];
    assert_int_equal(nf_std_regex_is_match(c, s, strlen(s), re, strlen(re), &m, err, sizeof err),
                     OK);
    return m;
}

static void test_cache(void **state) {
    (void)state;
    nf_std_regex_cache *c = nf_std_regex_cache_new(2);
    assert_non_null(c);
    assert_true(is_match(c, "a", "a"));
    assert_true(is_match(c, "a", "a"));
    assert_false(is_match(c, "b", "a"));
    assert_int_equal(nf_std_regex_cache_compiles(c), 1); /* compiled once, reused twice */
    assert_int_equal(nf_std_regex_cache_hits(c), 2);

    /* LRU with capacity 2: a b a c -> b is evicted (least recently used), a stays. */
    assert_true(is_match(c, "b", "b"));
    assert_true(is_match(c, "a", "a"));
    assert_true(is_match(c, "c", "c"));
    assert_int_equal(nf_std_regex_cache_compiles(c), 3);
    assert_int_equal(nf_std_regex_cache_count(c), 2);
    assert_true(is_match(c, "a", "a")); /* hit */
    assert_int_equal(nf_std_regex_cache_compiles(c), 3);
    assert_true(is_match(c, "b", "b")); /* miss: was evicted */
    assert_int_equal(nf_std_regex_cache_compiles(c), 4);

    /* Shared across functions; keyed by the exact text ("a" and "a " differ). */
    nf_std_buf b = {0};
    char err[200];
    assert_int_equal(nf_std_regex_replace_all(c, "bab", 3, "b", 1, "x", 1, &b, err, sizeof err),
                     OK);
    expect_bytes(&b, (str)T("xax"), "cached replaceAll", 0);
    assert_int_equal(nf_std_regex_cache_compiles(c), 4);
    assert_false(is_match(c, "a", "a "));
    assert_int_equal(nf_std_regex_cache_compiles(c), 5);

    /* Bad patterns are not cached: each attempt compiles again. */
    bool m;
    assert_int_equal(nf_std_regex_is_match(c, "a", 1, "(", 1, &m, err, sizeof err), REGEX);
    assert_int_equal(nf_std_regex_is_match(c, "a", 1, "(", 1, &m, err, sizeof err), REGEX);
    assert_int_equal(nf_std_regex_cache_compiles(c), 7);
    nf_std_regex_cache_free(c);

    /* Capacity 0 compiles on every call. */
    c = nf_std_regex_cache_new(0);
    assert_non_null(c);
    assert_true(is_match(c, "a", "a"));
    assert_true(is_match(c, "a", "a"));
    assert_int_equal(nf_std_regex_cache_compiles(c), 2);
    assert_int_equal(nf_std_regex_cache_hits(c), 0);
    nf_std_regex_cache_free(c);
    nf_std_buf_free(&b);
}

/* ---- buffers ---------------------------------------------------------------------------- */

static void test_buffer_reuse(void **state) {
    (void)state;
    nf_std_buf b;
    nf_std_buf_init(&b);
    char err[200];
    /* Each call replaces the previous content; a failure leaves it empty. */
    assert_int_equal(nf_std_to_upper("abc", 3, &b, err, sizeof err), OK);
    assert_int_equal(nf_std_trim(" x ", 3, NF_STD_TRIM_JS, &b), OK);
    assert_string_equal(b.p, "x");
    assert_int_equal(nf_std_substring("abc", 3, 9, false, 0, &b, err, sizeof err), RANGE);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.p, "");
    assert_int_equal(nf_std_url_encode("", 0, &b), OK);
    assert_non_null(b.p);
    assert_string_equal(b.p, "");
    nf_std_buf_free(&b);
    assert_null(b.p);
    nf_std_buf_free(&b); /* idempotent */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length),       cmocka_unit_test(test_compare),
        cmocka_unit_test(test_substring),    cmocka_unit_test(test_find),
        cmocka_unit_test(test_find_last),    cmocka_unit_test(test_contains),
        cmocka_unit_test(test_case),         cmocka_unit_test(test_trim),
        cmocka_unit_test(test_url),          cmocka_unit_test(test_is_match),
        cmocka_unit_test(test_regex_errors), cmocka_unit_test(test_replace),
        cmocka_unit_test(test_limits),       cmocka_unit_test(test_cache),
        cmocka_unit_test(test_buffer_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
