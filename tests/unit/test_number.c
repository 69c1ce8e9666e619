/* test_number.c — specification of stdlib/std_number.c: parseInteger, parseDecimal and
 * formatDecimal (Mendix EXP/parse-integer.md, EXP/parse-and-format-decimal-function-calls.md,
 * EXP/to-string.md) on ICU 72.
 *
 * Decimals are plain decimal text on both sides of the API. Rows marked "doc" are the worked
 * examples of the Mendix pages; where a page is wrong the row tests the correct value and says
 * DOC ERROR. Where ICU and Java's DecimalFormat differ, the row notes which one is asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "std_number.h"

#define NNBSP "\xE2\x80\xAF" /* U+202F NARROW NO-BREAK SPACE: fr grouping in CLDR 42 / ICU 72 */
#define NBSP  "\xC2\xA0"     /* U+00A0 NO-BREAK SPACE */
#define EURO  "\xE2\x82\xAC" /* U+20AC */
#define CURR  "\xC2\xA4"     /* U+00A4 CURRENCY SIGN, the pattern character */
#define PMILL "\xE2\x80\xB0" /* U+2030 PER MILLE SIGN */

#define S_OK      NF_STD_NUM_OK
#define S_SYNTAX  NF_STD_NUM_SYNTAX
#define S_RANGE   NF_STD_NUM_RANGE
#define S_PATTERN NF_STD_NUM_PATTERN
#define S_LOCALE  NF_STD_NUM_LOCALE

static nf_std_number *open_ok(const char *locale) {
    char err[128] = "";
    nf_std_number *n = nf_std_number_open(locale, err, sizeof err);
    if (!n) fail_msg("nf_std_number_open(%s): %s", locale ? locale : "NULL", err);
    return n;
}

/* ---- parseInteger ------------------------------------------------------------------------ */

typedef struct int_row {
    const char *text;
    size_t len; /* 0 = strlen(text) */
    nf_std_num_status st;
    int64_t want;
    const char *note;
} int_row;

static const int_row int_rows[] = {
    /* doc: parseInteger('42') returns 42 */
    {"42", 0, S_OK, 42, "doc"},
    /* doc: parseInteger('not_an_integer', 42) returns 42: the library reports SYNTAX, the VM
     * then returns the default argument. */
    {"not_an_integer", 0, S_SYNTAX, 0, "doc (default applied by the caller)"},
    {"0", 0, S_OK, 0, NULL},
    {"-0", 0, S_OK, 0, NULL},
    {"+7", 0, S_OK, 7, "Long.parseLong accepts a leading '+'"},
    {"-15", 0, S_OK, -15, NULL},
    {"007", 0, S_OK, 7, "leading zeros"},
    {"9223372036854775807", 0, S_OK, INT64_MAX, NULL},
    {"-9223372036854775808", 0, S_OK, INT64_MIN, NULL},
    {"+0009223372036854775807", 0, S_OK, INT64_MAX, NULL},
    {"9223372036854775808", 0, S_RANGE, 0, "2^63"},
    {"-9223372036854775809", 0, S_RANGE, 0, NULL},
    {"123456789012345678901234567890", 0, S_RANGE, 0, "30 digits"},
    {"", 0, S_SYNTAX, 0, "empty"},
    {"+", 0, S_SYNTAX, 0, NULL},
    {"-", 0, S_SYNTAX, 0, NULL},
    {"--1", 0, S_SYNTAX, 0, NULL},
    {" 1", 0, S_SYNTAX, 0, "no spaces"},
    {"1 ", 0, S_SYNTAX, 0, NULL},
    {"1.0", 0, S_SYNTAX, 0, "no decimals"},
    {"1,000", 0, S_SYNTAX, 0, "no grouping"},
    {"1e3", 0, S_SYNTAX, 0, NULL},
    {"0x10", 0, S_SYNTAX, 0, NULL},
    {"12abc", 0, S_SYNTAX, 0, "trailing garbage"},
    {"1\0002", 3, S_SYNTAX, 0, "embedded NUL"},
    {"\xff\xfe", 0, S_SYNTAX, 0, "invalid UTF-8"},
    /* Java's Character.digit would accept these; only ASCII digits are accepted here. */
    {"\xEF\xBC\x91\xEF\xBC\x92", 0, S_SYNTAX, 0, "fullwidth digits"},
};

static void parse_integer_table(void **state) {
    (void)state;
    nf_std_number *n = open_ok(NULL);
    for (size_t i = 0; i < sizeof int_rows / sizeof int_rows[0]; i++) {
        const int_row *r = &int_rows[i];
        size_t len = r->len ? r->len : strlen(r->text);
        int64_t v = -42;
        nf_std_num_status st = nf_std_parse_integer(n, r->text, len, &v);
        if (st != r->st || (st == S_OK && v != r->want))
            fail_msg("row %zu parseInteger('%s'): status %d value %lld, want %d %lld (%s)", i,
                     r->text, (int)st, (long long)v, (int)r->st, (long long)r->want,
                     nf_std_number_error(n));
        if (st != S_OK) {
            assert_int_equal(v, -42); /* untouched on failure */
            assert_true(strncmp(nf_std_number_error(n), "parseInteger: ", 14) == 0);
        }
    }
    nf_std_number_close(n);
}

static void parse_integer_messages(void **state) {
    (void)state;
    nf_std_number *n = open_ok(NULL);
    int64_t v;
    assert_int_equal(nf_std_parse_integer(n, "12abc", 5, &v), S_SYNTAX);
    assert_non_null(strstr(nf_std_number_error(n), "'12abc'"));
    assert_non_null(strstr(nf_std_number_error(n), "offset 2"));
    assert_int_equal(nf_std_parse_integer(n, "9223372036854775808", 19, &v), S_RANGE);
    assert_non_null(strstr(nf_std_number_error(n), "'9223372036854775808' is out of"));
    assert_int_equal(nf_std_parse_integer(n, "1\xff", 2, &v), S_SYNTAX);
    assert_non_null(strstr(nf_std_number_error(n), "'1\\xFF'")); /* bytes shown escaped */
    assert_int_equal(nf_std_parse_integer(n, "", 0, &v), S_SYNTAX);
    assert_non_null(strstr(nf_std_number_error(n), "empty"));
    assert_int_equal(nf_std_parse_integer(n, NULL, 0, &v), S_SYNTAX);
    /* Long input is cut in the message. */
    char big[300];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(nf_std_parse_integer(n, big, strlen(big), &v), S_RANGE);
    assert_non_null(strstr(nf_std_number_error(n), "...'"));
    assert_true(strlen(nf_std_number_error(n)) < 200);
    nf_std_number_close(n);
}

/* ---- parseDecimal ------------------------------------------------------------------------ */

typedef struct dec_row {
    const char *locale; /* context locale */
    const char *text;
    const char *pattern;
    nf_std_num_status st;
    const char *want;
    const char *note;
} dec_row;

static const dec_row parse_rows[] = {
    /* doc: parseDecimal('3.45') returns 3.45 */
    {"en_US", "3.45", NULL, S_OK, "3.45", "doc"},
    /* doc: parseDecimal('noDecimal', 5.05) returns 5.05; parseDecimal('noDecimal', empty)
     * returns empty: the library reports SYNTAX and the VM applies the default. */
    {"en_US", "noDecimal", NULL, S_SYNTAX, NULL, "doc (default applied by the caller)"},
    /* doc: parseDecimal($StringVariable) with an empty variable throws an error. */
    {"en_US", "", NULL, S_SYNTAX, NULL, "doc: empty"},
    /* doc (microflows): parseDecimal('3,241.98', '#,###.##') returns 3241.98 */
    {"en_US", "3,241.98", "#,###.##", S_OK, "3241.98", "doc"},
    /* doc (to-string.md): toString(1.4) returns '1.4': canonical text is what toString shows. */
    {"en_US", "1.4", NULL, S_OK, "1.4", "doc: toString(1.4)"},

    /* Default (nanoflow) form: the locale's separators, grouping optional. */
    {"en_US", "3241.98", NULL, S_OK, "3241.98", NULL},
    {"en_US", "3,241.98", NULL, S_OK, "3241.98", NULL},
    {"en_US", "1,234,567", NULL, S_OK, "1234567", NULL},
    {"en_US", "-5", NULL, S_OK, "-5", NULL},
    {"en_US", "-0", NULL, S_OK, "0", "no negative zero"},
    {"en_US", "0.000", NULL, S_OK, "0", NULL},
    {"en_US", "007.500", NULL, S_OK, "7.5", "canonical: no leading/trailing zeros"},
    {"en_US", ".5", NULL, S_OK, "0.5", "as Java DecimalFormat"},
    {"en_US", "5.", NULL, S_OK, "5", "as Java DecimalFormat"},
    {"en_US", "0.000001", NULL, S_OK, "0.000001", "no exponent in the output"},
    {"en_US", "123456", NULL, S_OK, "123456", NULL},
    {"en_US", "1000000000000000000000", NULL, S_OK, "1000000000000000000000", NULL},
    {"nl_NL", "3,45", NULL, S_OK, "3.45", NULL},
    {"nl_NL", "1.234,5", NULL, S_OK, "1234.5", NULL},
    {"nl_NL", "1234,5", NULL, S_OK, "1234.5", NULL},
    {"nl_NL", "-1.234.567,891", NULL, S_OK, "-1234567.891", NULL},
    {"de_DE", "1.234,5", NULL, S_OK, "1234.5", NULL},
    {"fr_FR", "1" NNBSP "234,5", NULL, S_OK, "1234.5", "fr grouping as ICU 72 formats it"},
    {"fr_FR", "1" NBSP "234,5", NULL, S_OK, "1234.5", "ICU also accepts U+00A0"},
    {"fr_FR", "1 234,5", NULL, S_OK, "1234.5", "and a plain space"},
    /* Arabic-Indic digits are digits to ICU (and to Java's DecimalFormat). */
    {"en_US", "\xD9\xA1\xD9\xA2", NULL, S_OK, "12", NULL},

    /* Errors in the default form. */
    {"en_US", "12abc", NULL, S_SYNTAX, NULL, "trailing garbage"},
    {"en_US", "abc12", NULL, S_SYNTAX, NULL, NULL},
    {"en_US", " 12", NULL, S_SYNTAX, NULL, "no leading space (as Java)"},
    {"en_US", "12 ", NULL, S_SYNTAX, NULL, "no trailing space"},
    {"en_US", "12" NBSP, NULL, S_SYNTAX, NULL, NULL},
    {"en_US", "+5", NULL, S_SYNTAX, NULL, "en_US has no '+' prefix (as Java)"},
    {"en_US", "1E5", NULL, S_SYNTAX, NULL, "no exponent without an E pattern (as Java)"},
    {"en_US", "1.2.3", NULL, S_SYNTAX, NULL, NULL},
    {"en_US", "-", NULL, S_SYNTAX, NULL, NULL},
    {"en_US", ".", NULL, S_SYNTAX, NULL, NULL},
    /* ICU's strict parse wants grouping separators at the grouping positions; Java's
     * DecimalFormat would skip them anywhere ("1,23" -> 123). Asserted: ICU. */
    {"en_US", "1,23", NULL, S_SYNTAX, NULL, "misplaced grouping (Java: 123)"},
    {"en_US", "1234,567.8", NULL, S_SYNTAX, NULL, "misplaced grouping"},
    /* nl_NL: '.' groups, so '3.45' is not a number there. */
    {"nl_NL", "3.45", NULL, S_SYNTAX, NULL, "grouping in the wrong place"},
    {"en_US", "NaN", NULL, S_SYNTAX, NULL, "NaN is not a decimal"},
    {"en_US", "\xE2\x88\x9E", NULL, S_RANGE, NULL, "infinity is not a decimal"},
    {"en_US", "\xff", NULL, S_SYNTAX, NULL, "invalid UTF-8"},
    {"en_US", "1\xC0\xAF", NULL, S_SYNTAX, NULL, "overlong UTF-8"},
    {"en_US", "\xED\xA0\x80", NULL, S_SYNTAX, NULL, "UTF-8 surrogate"},

    /* Patterns. */
    {"en_US", "3241.98", "#,###.##", S_OK, "3241.98", "grouping optional"},
    {"en_US", "(1,234.50)", "#,##0.00;(#,##0.00)", S_OK, "-1234.5", "negative subpattern"},
    {"en_US", "1,234.50", "#,##0.00;(#,##0.00)", S_OK, "1234.5", NULL},
    {"en_US", "-1,234.50", "#,##0.00;(#,##0.00)", S_SYNTAX, NULL, "'-' is not the prefix"},
    {"en_US", "56%", "#%", S_OK, "0.56", "percent divides by 100"},
    {"en_US", "% 56", "% ##0", S_OK, "0.56", NULL},
    {"en_US", "56", "#%", S_SYNTAX, NULL, "suffix required"},
    {"en_US", "123.4" PMILL, "#.##" PMILL, S_OK, "0.1234", "per mille divides by 1000"},
    {"en_US", "00123", "00000", S_OK, "123", NULL},
    {"en_US", ".5", "#.#", S_OK, "0.5", NULL},
    {"en_US", "$12.50", CURR "#,##0.00", S_OK, "12.5", "currency sign = locale currency"},
    {"nl_NL", EURO " 1.234,56", CURR " #,##0.00", S_OK, "1234.56", NULL},
    {"en_US", "12.5 kg", "#.# 'kg'", S_OK, "12.5", "quoted literal suffix"},
    {"en_US", "12.5", "#.# 'kg'", S_SYNTAX, NULL, NULL},
    {"en_US", "1.5E3", "0.###E0", S_OK, "1500", "exponent only with an E pattern"},
    {"en_US", "1.5E-3", "0.###E0", S_OK, "0.0015", NULL},
    {"en_US", "1E999999", "0.###E0", S_RANGE, NULL, "too many digits"},
    {"nl_NL", "3.241,98", "#,###.##", S_OK, "3241.98", "pattern symbols are localized"},
    {"en_US", "3,241.98", "#,#,#,#.0.0", S_PATTERN, NULL, "bad pattern"},
    {"en_US", "1", "#\xff", S_PATTERN, NULL, "pattern not UTF-8"},
};

static void parse_decimal_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof parse_rows / sizeof parse_rows[0]; i++) {
        const dec_row *r = &parse_rows[i];
        nf_std_number *n = open_ok(r->locale);
        char *out = NULL;
        nf_std_num_status st = nf_std_parse_decimal(n, r->text, strlen(r->text), r->pattern, &out);
        if (st != r->st || (st == S_OK && strcmp(out, r->want) != 0))
            fail_msg("row %zu parseDecimal('%s', %s) in %s: status %d '%s', want %d '%s' [%s] (%s)",
                     i, r->text, r->pattern ? r->pattern : "-", r->locale, (int)st, out ? out : "",
                     (int)r->st, r->want ? r->want : "", r->note ? r->note : "",
                     nf_std_number_error(n));
        if (st == S_OK) {
            assert_string_equal(nf_std_number_error(n), "");
        } else {
            assert_null(out);
            assert_true(strncmp(nf_std_number_error(n), "parseDecimal: ", 14) == 0);
        }
        free(out);
        nf_std_number_close(n);
    }
}

static void parse_decimal_messages(void **state) {
    (void)state;
    nf_std_number *n = open_ok("en_US");
    char *out = NULL;
    assert_int_equal(nf_std_parse_decimal(n, "12abc", 5, NULL, &out), S_SYNTAX);
    assert_non_null(strstr(nf_std_number_error(n), "'12abc'"));
    assert_non_null(strstr(nf_std_number_error(n), "en_US"));
    assert_int_equal(nf_std_parse_decimal(n, "3;4", 3, "#,###.##", &out), S_SYNTAX);
    assert_non_null(strstr(nf_std_number_error(n), "'#,###.##'"));
    assert_int_equal(nf_std_parse_decimal(n, "1\xff", 2, NULL, &out), S_SYNTAX);
    assert_non_null(strstr(nf_std_number_error(n), "'1\\xFF'"));
    assert_non_null(strstr(nf_std_number_error(n), "UTF-8"));
    assert_int_equal(nf_std_parse_decimal(n, " 1", 2, NULL, &out), S_SYNTAX);
    assert_non_null(strstr(nf_std_number_error(n), "space"));
    assert_int_equal(nf_std_parse_decimal(n, "1", 1, "#,#,#,#.0.0", &out), S_PATTERN);
    assert_non_null(strstr(nf_std_number_error(n), "'#,#,#,#.0.0'"));
    /* An embedded NUL is junk, not an end of text. */
    assert_int_equal(nf_std_parse_decimal(n, "1\0002", 3, NULL, &out), S_SYNTAX);
    assert_non_null(strstr(nf_std_number_error(n), "'1\\x002'"));
    assert_int_equal(nf_std_parse_decimal(n, NULL, 0, NULL, &out), S_SYNTAX);
    assert_null(out);
    nf_std_number_close(n);
}

/* ---- formatDecimal ----------------------------------------------------------------------- */

typedef struct fmt_row {
    const char *ctx; /* context (user) locale */
    const char *dec;
    const char *pattern;
    const char *locale; /* the optional locale argument */
    nf_std_num_status st;
    const char *want;
    const char *note;
} fmt_row;

static const fmt_row fmt_rows[] = {
    /* doc: formatDecimal(1234.56, '#,###.#') returns '1,234.5' or '1.234,5' depending on the
     * language settings. DOC ERROR: page says '1,234.5' / '1.234,5'; DecimalFormat rounds
     * half-even to one fraction digit, so 1234.56 -> 1234.6. */
    {"en_US", "1234.56", "#,###.#", NULL, S_OK, "1,234.6", "doc (DOC ERROR)"},
    {"nl_NL", "1234.56", "#,###.#", NULL, S_OK, "1.234,6", "doc (DOC ERROR)"},
    /* doc: formatDecimal(1234.56, '¤ #,##0.00') returns '€ 1.234,50' or '$ 1,234.50'.
     * DOC ERROR: page says '€ 1.234,50' / '$ 1,234.50'; the value has fraction .56. */
    {"en_US", "1234.56", CURR " #,##0.00", NULL, S_OK, "$ 1,234.56", "doc (DOC ERROR)"},
    {"nl_NL", "1234.56", CURR " #,##0.00", NULL, S_OK, EURO " 1.234,56", "doc (DOC ERROR)"},
    /* doc: formatDecimal(0.56, '% ##0') returns '% 56' */
    {"en_US", "0.56", "% ##0", NULL, S_OK, "% 56", "doc"},
    /* doc (nanoflows): formatDecimal(d) uses the format of the user's locale. */
    {"en_US", "1234.56", NULL, NULL, S_OK, "1,234.56", "doc: nanoflow default"},
    {"nl_NL", "1234.56", NULL, NULL, S_OK, "1.234,56", "doc: nanoflow default"},
    {"de_DE", "1234.56", NULL, NULL, S_OK, "1.234,56", "doc: nanoflow default"},
    /* ICU 72 (CLDR 42) groups French with U+202F; Java 8's own data used U+00A0. */
    {"fr_FR", "1234.56", NULL, NULL, S_OK, "1" NNBSP "234,56", "doc: nanoflow default"},

    /* Default form: no rounding, no trailing zeros added, exact. */
    {"en_US", "0", NULL, NULL, S_OK, "0", NULL},
    {"en_US", "-0", NULL, NULL, S_OK, "0", "zero is unsigned"},
    {"en_US", "-0.000", NULL, NULL, S_OK, "0", NULL},
    {"en_US", "-1234567.891", NULL, NULL, S_OK, "-1,234,567.891", NULL},
    {"en_US", "0.12345678901234567890123", NULL, NULL, S_OK, "0.12345678901234567890123",
     "more fraction digits than '#,##0.###' keeps"},
    {"en_US", "1.50", NULL, NULL, S_OK, "1.5", NULL},
    {"en_US", "999", NULL, NULL, S_OK, "999", NULL},
    {"en_US", "1000", NULL, NULL, S_OK, "1,000", NULL},

    /* The locale argument: Java style or BCP 47; it overrides the context locale. */
    {"en_US", "1234.56", "#,##0.00", "nl_NL", S_OK, "1.234,56", NULL},
    {"en_US", "1234.56", "#,##0.00", "nl-NL", S_OK, "1.234,56", NULL},
    {"en_US", "1234.56", "#,##0.00", "de_DE", S_OK, "1.234,56", NULL},
    {"en_US", "1234.56", "#,##0.00", "fr_FR", S_OK, "1" NNBSP "234,56", NULL},
    {"nl_NL", "1234.56", "#,##0.00", "en-US", S_OK, "1,234.56", NULL},
    {"nl_NL", "1234.56", "#,##0.00", "", S_OK, "1.234,56", "'' = the context locale"},
    {"en_US", "1234.56", NULL, "nl_NL", S_OK, "1.234,56", NULL},
    {"en_US", "1234.56", CURR " #,##0.00", "de_DE", S_OK, EURO " 1.234,56", NULL},
    {"en_US", "1234.56", CURR " #,##0.00", "en_GB", S_OK, "\xC2\xA3 1,234.56", NULL},
    {"en_US", "1", "0", "not a locale!", S_LOCALE, NULL, NULL},
    {"en_US", "1", "0", "nl__NL", S_LOCALE, NULL, NULL},

    /* Patterns (Java DecimalFormat syntax). */
    {"en_US", "1234.567", "#,###.##", NULL, S_OK, "1,234.57", NULL},
    {"en_US", "1234", "#,###.##", NULL, S_OK, "1,234", "optional fraction digits"},
    {"en_US", "0", "#,###.##", NULL, S_OK, "0", "Java prints a lone zero"},
    {"en_US", "1234567.891", "#,###.##", NULL, S_OK, "1,234,567.89", NULL},
    {"en_US", "3.14159", "0.00", NULL, S_OK, "3.14", NULL},
    {"en_US", "3", "0.00", NULL, S_OK, "3.00", NULL},
    {"en_US", "1234.5", "0.00", NULL, S_OK, "1234.50", NULL},
    {"en_US", "-0.001", "0.00", NULL, S_OK, "-0.00",
     "a negative value rounded to zero keeps its sign, as in Java"},
    /* Java's minimum integer digits 0: ".5" (ICU alone would print "0.5"; Java asserted). */
    {"en_US", "0.5", "#.#", NULL, S_OK, ".5", "Java: no integer digit"},
    {"en_US", "-0.5", "#.#", NULL, S_OK, "-.5", NULL},
    {"en_US", "0.04", "#.#", NULL, S_OK, "0", "Java: rounds to zero -> '0'"},
    {"en_US", "0", "#.#", NULL, S_OK, "0", NULL},
    {"en_US", "12.34", "#.#", NULL, S_OK, "12.3", NULL},
    {"en_US", "0.001", "#.00", NULL, S_OK, ".00", NULL},
    {"en_US", "0.5", "'No.' #.#", NULL, S_OK, "No. .5", "quoted '.' is no decimal point"},
    {"en_US", "123", "00000", NULL, S_OK, "00123", NULL},
    {"en_US", "123456", "00000", NULL, S_OK, "123456", NULL},
    {"en_US", "12.7", "00000", NULL, S_OK, "00013", NULL},
    {"en_US", "-1234.5", "#,##0.00;(#,##0.00)", NULL, S_OK, "(1,234.50)", NULL},
    {"en_US", "1234.5", "#,##0.00;(#,##0.00)", NULL, S_OK, "1,234.50", NULL},
    {"en_US", "0.256", "#%", NULL, S_OK, "26%", NULL},
    {"en_US", "0.256", "#.#%", NULL, S_OK, "25.6%", NULL},
    {"fr_FR", "0.256", "#.#%", NULL, S_OK, "25,6%", "no space added to a pattern's %"},
    {"en_US", "0.1234", "#.##" PMILL, NULL, S_OK, "123.4" PMILL, "per mille"},
    {"en_US", "1", "#,##0.00 'kg'", NULL, S_OK, "1.00 kg", NULL},
    {"en_US", "1234.5", "0.###E0", NULL, S_OK, "1.234E3", "E3: 1.2345 -> 1.234 half-even"},
    {"en_US", "1234.5", "", NULL, S_OK, "1234.5", "empty pattern"},
    {"en_US", "1", "#,#,#,#.0.0", NULL, S_PATTERN, NULL, "two decimal points"},
    {"en_US", "1", "0\xff", NULL, S_PATTERN, NULL, "pattern not UTF-8"},

    /* Input is plain decimal text only. */
    {"en_US", "", NULL, NULL, S_SYNTAX, NULL, NULL},
    {"en_US", "abc", NULL, NULL, S_SYNTAX, NULL, NULL},
    {"en_US", "1e5", NULL, NULL, S_SYNTAX, NULL, "no exponent"},
    {"en_US", "+1", NULL, NULL, S_SYNTAX, NULL, NULL},
    {"en_US", "1.", NULL, NULL, S_SYNTAX, NULL, NULL},
    {"en_US", ".5", NULL, NULL, S_SYNTAX, NULL, NULL},
    {"en_US", "1,000", NULL, NULL, S_SYNTAX, NULL, NULL},
    {"en_US", " 1", NULL, NULL, S_SYNTAX, NULL, NULL},
    {"en_US", "NaN", NULL, NULL, S_SYNTAX, NULL, NULL},
    {"en_US", "--1", NULL, NULL, S_SYNTAX, NULL, NULL},
    {"en_US", "1\xff", NULL, NULL, S_SYNTAX, NULL, NULL},
};

static void format_decimal_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof fmt_rows / sizeof fmt_rows[0]; i++) {
        const fmt_row *r = &fmt_rows[i];
        nf_std_number *n = open_ok(r->ctx);
        char *out = NULL;
        nf_std_num_status st = nf_std_format_decimal(n, r->dec, r->pattern, r->locale, &out);
        if (st != r->st || (st == S_OK && strcmp(out, r->want) != 0))
            fail_msg("row %zu formatDecimal(%s, %s, %s) in %s: status %d '%s', want %d '%s' [%s] "
                     "(%s)",
                     i, r->dec, r->pattern ? r->pattern : "-", r->locale ? r->locale : "-", r->ctx,
                     (int)st, out ? out : "", (int)r->st, r->want ? r->want : "",
                     r->note ? r->note : "", nf_std_number_error(n));
        if (st != S_OK) {
            assert_null(out);
            assert_true(strncmp(nf_std_number_error(n), "formatDecimal: ", 15) == 0);
        }
        free(out);
        nf_std_number_close(n);
    }
}

/* Ties round half-even, as Java's DecimalFormat does by default. */
static void format_rounds_half_even(void **state) {
    (void)state;
    static const struct {
        const char *dec, *pattern, *want;
    } rows[] = {
        {"0.125", "0.00", "0.12"},
        {"0.135", "0.00", "0.14"},
        {"0.145", "0.00", "0.14"},
        {"0.155", "0.00", "0.16"},
        {"-0.125", "0.00", "-0.12"},
        {"-0.135", "0.00", "-0.14"},
        {"0.1251", "0.00", "0.13"},
        {"2.5", "0", "2"},
        {"3.5", "0", "4"},
        {"-2.5", "0", "-2"},
        {"0.5", "0", "0"},
        {"1.5", "0", "2"},
        {"1234.55", "#,###.#", "1,234.6"},
        {"1234.45", "#,###.#", "1,234.4"},
        {"0.005", "#%", "0%"},
        {"0.015", "#%", "2%"},
        {"0.025", "#%", "2%"},
        /* The tie is decided on the exact decimal, never on a binary approximation. */
        {"1.0049999999999999999999", "0.00", "1.00"},
        {"1.0050000000000000000001", "0.00", "1.01"},
        {"999.995", "#,##0.00", "1,000.00"},
    };
    nf_std_number *n = open_ok("en_US");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *out = NULL;
        assert_int_equal(nf_std_format_decimal(n, rows[i].dec, rows[i].pattern, NULL, &out), S_OK);
        if (strcmp(out, rows[i].want) != 0)
            fail_msg("round %s with '%s': '%s', want '%s'", rows[i].dec, rows[i].pattern, out,
                     rows[i].want);
        free(out);
    }
    nf_std_number_close(n);
}

/* 30-digit integers and 20 fraction digits survive format -> parse exactly, in every locale. */
static void huge_values_round_trip(void **state) {
    (void)state;
    static const char *const values[] = {
        "123456789012345678901234567890",
        "-999999999999999999999999999999",
        "123456789012345678901234567890.12345678901234567891",
        "-100000000000000000000000000000.00000000000000000001",
        "0.00000000000000000001",
        "-0.99999999999999999999",
        "9223372036854775808.5",
    };
    static const char *const locales[] = {"en_US", "nl_NL", "de_DE", "fr_FR"};
    static const char *const patterns[] = {NULL, "#,##0.####################",
                                           "0.00000000000000000000"};
    for (size_t l = 0; l < 4; l++) {
        nf_std_number *n = open_ok(locales[l]);
        for (size_t p = 0; p < 3; p++) {
            for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
                char *text = NULL, *back = NULL;
                assert_int_equal(nf_std_format_decimal(n, values[v], patterns[p], NULL, &text),
                                 S_OK);
                nf_std_num_status st =
                    nf_std_parse_decimal(n, text, strlen(text), patterns[p], &back);
                if (st != S_OK || strcmp(back, values[v]) != 0)
                    fail_msg("%s %s: %s -> '%s' -> %d '%s' (%s)", locales[l],
                             patterns[p] ? patterns[p] : "default", values[v], text, (int)st,
                             back ? back : "", nf_std_number_error(n));
                free(text);
                free(back);
            }
        }
        nf_std_number_close(n);
    }
    /* Spot checks of the formatted text. */
    nf_std_number *n = open_ok("en_US");
    char *out = NULL;
    assert_int_equal(nf_std_format_decimal(n, "123456789012345678901234567890.12345678901234567891",
                                           NULL, NULL, &out),
                     S_OK);
    assert_string_equal(out, "123,456,789,012,345,678,901,234,567,890.12345678901234567891");
    free(out);
    assert_int_equal(
        nf_std_format_decimal(n, "123456789012345678901234567890", "0.00", "nl_NL", &out), S_OK);
    assert_string_equal(out, "123456789012345678901234567890,00");
    free(out);
    assert_int_equal(
        nf_std_parse_decimal(n, "123,456,789,012,345,678,901,234,567,890.5", 41, "#,###.##", &out),
        S_OK);
    assert_string_equal(out, "123456789012345678901234567890.5");
    free(out);
    nf_std_number_close(n);
}

static void digit_limits(void **state) {
    (void)state;
    nf_std_number *n = open_ok("en_US");
    char *big = malloc(NF_STD_NUM_MAX_INT_DIGITS + 3);
    memset(big, '7', NF_STD_NUM_MAX_INT_DIGITS);
    big[NF_STD_NUM_MAX_INT_DIGITS] = '\0';
    char *out = NULL;
    assert_int_equal(nf_std_format_decimal(n, big, "0", NULL, &out), S_OK);
    assert_string_equal(out, big); /* longer than any stack buffer: the retry path */
    char *back = NULL;
    assert_int_equal(nf_std_parse_decimal(n, out, strlen(out), "0", &back), S_OK);
    assert_string_equal(back, big);
    free(out);
    free(back);
    out = NULL;
    strcat(big, "7");
    assert_int_equal(nf_std_format_decimal(n, big, NULL, NULL, &out), S_RANGE);
    assert_non_null(strstr(nf_std_number_error(n), "too many digits"));
    assert_int_equal(nf_std_parse_decimal(n, big, strlen(big), NULL, &out), S_RANGE);
    assert_null(out);
    free(big);
    nf_std_number_close(n);
}

/* ---- context, locales, cache ------------------------------------------------------------- */

static void open_locales(void **state) {
    (void)state;
    char err[128];
    nf_std_number *n = open_ok(NULL);
    assert_string_equal(nf_std_number_locale(n), "en_US");
    assert_string_equal(nf_std_number_error(n), "");
    nf_std_number_close(n);
    n = open_ok("");
    assert_string_equal(nf_std_number_locale(n), "en_US");
    nf_std_number_close(n);
    n = open_ok("nl_NL");
    assert_string_equal(nf_std_number_locale(n), "nl_NL");
    nf_std_number_close(n);
    n = open_ok("nl-NL");
    assert_string_equal(nf_std_number_locale(n), "nl_NL");
    nf_std_number_close(n);
    n = open_ok("de");
    assert_string_equal(nf_std_number_locale(n), "de");
    nf_std_number_close(n);
    err[0] = '\0';
    assert_null(nf_std_number_open("en US", err, sizeof err));
    assert_non_null(strstr(err, "invalid locale 'en US'"));
    assert_null(nf_std_number_open("-", err, sizeof err));
    assert_null(nf_std_number_open("en_US\xff", err, 0)); /* no message buffer: fine */
    nf_std_number_close(NULL);
}

/* More (pattern, locale) pairs than the cache holds, revisited in several orders: every
 * answer stays right whether it comes from the cache or from a freshly opened formatter. */
static void cache_eviction(void **state) {
    (void)state;
    static const struct {
        const char *pattern, *locale, *want;
    } rows[] = {
        {"0.00", "en_US", "1234.57"},     {"0.00", "nl_NL", "1234,57"},
        {"#,##0.0", "en_US", "1,234.6"},  {"#,##0.0", "de_DE", "1.234,6"},
        {"00000", "en_US", "01235"},      {"#%", "en_US", "123457%"},
        {NULL, "en_US", "1,234.567"},     {NULL, "nl_NL", "1.234,567"},
        {"0.0000", "en_US", "1234.5670"}, {"#,###", "fr_FR", "1" NNBSP "235"},
        {"0.#", "en_US", "1234.6"},       {"0.000", "de_DE", "1234,567"},
    };
    const size_t nrows = sizeof rows / sizeof rows[0];
    nf_std_number *n = open_ok("en_US");
    for (int round = 0; round < 4; round++) {
        for (size_t k = 0; k < nrows; k++) {
            size_t i = round % 2 ? nrows - 1 - k : (k * 5 + (size_t)round) % nrows;
            char *out = NULL;
            assert_int_equal(
                nf_std_format_decimal(n, "1234.567", rows[i].pattern, rows[i].locale, &out), S_OK);
            if (strcmp(out, rows[i].want) != 0)
                fail_msg("round %d: %s in %s -> '%s', want '%s'", round,
                         rows[i].pattern ? rows[i].pattern : "default", rows[i].locale, out,
                         rows[i].want);
            free(out);
        }
    }
    /* Parse and format share formatters; a failed pattern is not cached. */
    char *out = NULL;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(nf_std_format_decimal(n, "1", "0.0.0", NULL, &out), S_PATTERN);
        assert_int_equal(nf_std_parse_decimal(n, "1,234.57", 8, "#,##0.00", &out), S_OK);
        assert_string_equal(out, "1234.57");
        free(out);
        out = NULL;
    }
    nf_std_number_close(n);
}

/* Independent contexts do not share state: the same pattern means different things. */
static void contexts_are_independent(void **state) {
    (void)state;
    nf_std_number *en = open_ok("en_US"), *nl = open_ok("nl_NL");
    char *a = NULL, *b = NULL;
    assert_int_equal(nf_std_parse_decimal(en, "1,5", 3, "#,##0.#", &a), S_SYNTAX);
    assert_int_equal(nf_std_parse_decimal(nl, "1,5", 3, "#,##0.#", &b), S_OK);
    assert_string_equal(b, "1.5");
    assert_non_null(strstr(nf_std_number_error(en), "'1,5'"));
    assert_string_equal(nf_std_number_error(nl), "");
    free(b);
    nf_std_number_close(en);
    nf_std_number_close(nl);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_integer_table),
        cmocka_unit_test(parse_integer_messages),
        cmocka_unit_test(parse_decimal_table),
        cmocka_unit_test(parse_decimal_messages),
        cmocka_unit_test(format_decimal_table),
        cmocka_unit_test(format_rounds_half_even),
        cmocka_unit_test(huge_values_round_trip),
        cmocka_unit_test(digit_limits),
        cmocka_unit_test(open_locales),
        cmocka_unit_test(cache_eviction),
        cmocka_unit_test(contexts_are_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
