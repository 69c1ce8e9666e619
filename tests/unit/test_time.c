/* test_time.c — specification of stdlib/std_time: the date/time library behind the expression
 * built-ins. Every worked example from the Mendix reference pages (date-creation,
 * add-/subtract-date-function-calls, between-date-function-calls, begin-of/end-of-date-function-
 * calls, trim-to-date, parse-and-format-date-function-calls) is a row below, in the zone the page
 * assumes: "CET" output = Europe/Amsterdam, dateTimeToEpoch = UTC. Where a page is wrong, the row
 * holds the correct value and a DOC ERROR comment quotes the page.
 *
 * Rows give instants as ISO-8601 text: without a zone designator it is wall-clock time in the
 * fixture's zone (Europe/Amsterdam unless said otherwise), with Z/+hh:mm it is absolute. Expected
 * values are Java Date.toString text ("Mon Jan 01 01:01:01 CET 2007") and/or UTC ISO text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "std_time.h"

/* ---- helpers -------------------------------------------------------------------------- */

static nf_std_time *open_zone(const char *tz, const char *locale) {
    char err[256];
    nf_std_time *t = nf_std_time_open(tz, locale, err, sizeof err);
    if (!t) fail_msg("open(%s): %s", tz ? tz : "(TZ)", err);
    return t;
}

static int setup_ams(void **state) {
    *state = open_zone("Europe/Amsterdam", NULL);
    return 0;
}

static int teardown(void **state) {
    nf_std_time_close(*state);
    return 0;
}

/* Parses an ISO row value; a bad row is a test bug. */
static int64_t at(nf_std_time *t, const char *iso) {
    int64_t ms = 0;
    if (nf_std_time_parse_iso(t, iso, &ms) != NF_STD_TIME_OK)
        fail_msg("bad row instant '%s': %s", iso, nf_std_time_error(t));
    return ms;
}

static void expect_str(nf_std_time *t, const char *label, int64_t ms, const char *to_string,
                       const char *iso) {
    char buf[96];
    if (to_string) {
        nf_std_time_to_string(t, ms, buf, sizeof buf);
        if (strcmp(buf, to_string) != 0)
            fail_msg("%s: toString = '%s', want '%s'", label, buf, to_string);
    }
    if (iso) {
        nf_std_time_format_iso(ms, buf, sizeof buf);
        if (strcmp(buf, iso) != 0) fail_msg("%s: ISO = '%s', want '%s'", label, buf, iso);
    }
}

/* ---- dateTime / dateTimeUTC ------------------------------------------------------------ */

typedef struct {
    const char *label;
    bool utc;
    int n;
    int64_t f[7];
    nf_std_time_status status;
    const char *to_string; /* in Europe/Amsterdam */
    const char *iso;
} make_row;

static const make_row MAKE_ROWS[] = {
    /* date-creation.md: one to six fields; missing month/day = 1, missing time = 0 */
    {"dateTime(2007)", 0, 1, {2007}, 0, "Mon Jan 01 00:00:00 CET 2007", NULL},
    {"dateTime(2007,1)", 0, 2, {2007, 1}, 0, "Mon Jan 01 00:00:00 CET 2007", NULL},
    {"dateTime(2007,1,1)", 0, 3, {2007, 1, 1}, 0, "Mon Jan 01 00:00:00 CET 2007", NULL},
    {"dateTime(2007,1,1,1)", 0, 4, {2007, 1, 1, 1}, 0, "Mon Jan 01 01:00:00 CET 2007", NULL},
    {"dateTime(2007,1,1,1,1)", 0, 5, {2007, 1, 1, 1, 1}, 0, "Mon Jan 01 01:01:00 CET 2007", NULL},
    {"dateTime(2007,1,1,1,1,1)",
     0,
     6,
     {2007, 1, 1, 1, 1, 1},
     0,
     "Mon Jan 01 01:01:01 CET 2007",
     "2007-01-01T00:01:01.000Z"},
    /* dateTimeUTC: the fields are UTC wall-clock time */
    {"dateTimeUTC(2007)",
     1,
     1,
     {2007},
     0,
     "Mon Jan 01 01:00:00 CET 2007",
     "2007-01-01T00:00:00.000Z"},
    {"dateTimeUTC(2008,6,8,10,12,1)",
     1,
     6,
     {2008, 6, 8, 10, 12, 1},
     0,
     NULL,
     "2008-06-08T10:12:01.000Z"},
    /* summer time: the session's calendar decides the offset */
    {"dateTime(2008,6,8,10,12,1)",
     0,
     6,
     {2008, 6, 8, 10, 12, 1},
     0,
     "Sun Jun 08 10:12:01 CEST 2008",
     "2008-06-08T08:12:01.000Z"},
    {"leap day", 0, 3, {2008, 2, 29}, 0, "Fri Feb 29 00:00:00 CET 2008", NULL},
    {"limits low", 1, 6, {1800, 1, 1, 0, 0, 0}, 0, NULL, "1800-01-01T00:00:00.000Z"},
    {"limits high", 1, 6, {9999, 12, 31, 23, 59, 59}, 0, NULL, "9999-12-31T23:59:59.000Z"},
    /* DST gap: 02:30 does not exist on 2021-03-28 and moves forward by the gap */
    {"spring-forward gap",
     0,
     5,
     {2021, 3, 28, 2, 30},
     0,
     "Sun Mar 28 03:30:00 CEST 2021",
     "2021-03-28T01:30:00.000Z"},
    /* DST overlap: 02:30 happens twice on 2021-10-31; the later (standard time) one is meant */
    {"fall-back overlap",
     0,
     5,
     {2021, 10, 31, 2, 30},
     0,
     "Sun Oct 31 02:30:00 CET 2021",
     "2021-10-31T01:30:00.000Z"},
    /* Out of range per date-creation.md: year four digits > 1799, month 1-12, day 1-31,
     * hour 0-23, minute/second 0-59. Days that do not exist in the month are rejected too. */
    {"year 1799", 0, 1, {1799}, NF_STD_TIME_RANGE, NULL, NULL},
    {"year 10000", 0, 1, {10000}, NF_STD_TIME_RANGE, NULL, NULL},
    {"year 0", 0, 1, {0}, NF_STD_TIME_RANGE, NULL, NULL},
    {"month 0", 0, 2, {2007, 0}, NF_STD_TIME_RANGE, NULL, NULL},
    {"month 13", 0, 2, {2007, 13}, NF_STD_TIME_RANGE, NULL, NULL},
    {"day 0", 0, 3, {2007, 1, 0}, NF_STD_TIME_RANGE, NULL, NULL},
    {"day 32", 0, 3, {2007, 1, 32}, NF_STD_TIME_RANGE, NULL, NULL},
    {"Feb 29 2007", 0, 3, {2007, 2, 29}, NF_STD_TIME_RANGE, NULL, NULL},
    {"Apr 31", 1, 3, {2007, 4, 31}, NF_STD_TIME_RANGE, NULL, NULL},
    {"hour 24", 0, 4, {2007, 1, 1, 24}, NF_STD_TIME_RANGE, NULL, NULL},
    {"hour -1", 0, 4, {2007, 1, 1, -1}, NF_STD_TIME_RANGE, NULL, NULL},
    {"minute 60", 0, 5, {2007, 1, 1, 0, 60}, NF_STD_TIME_RANGE, NULL, NULL},
    {"second 60", 1, 6, {2007, 1, 1, 0, 0, 60}, NF_STD_TIME_RANGE, NULL, NULL},
    {"huge year", 0, 1, {INT64_MAX}, NF_STD_TIME_RANGE, NULL, NULL},
    {"no fields", 0, 0, {0}, NF_STD_TIME_RANGE, NULL, NULL},
    {"seven fields", 0, 7, {2007, 1, 1, 0, 0, 0, 0}, NF_STD_TIME_RANGE, NULL, NULL},
};

static void date_creation(void **state) {
    nf_std_time *t = *state;
    for (size_t i = 0; i < sizeof MAKE_ROWS / sizeof MAKE_ROWS[0]; i++) {
        const make_row *r = &MAKE_ROWS[i];
        int64_t ms = -42;
        nf_std_time_status s = nf_std_time_make(t, r->utc, r->f, r->n, &ms);
        if (s != r->status) fail_msg("%s: status %d, want %d", r->label, s, r->status);
        if (s != NF_STD_TIME_OK) {
            assert_int_equal(ms, -42); /* untouched */
            assert_true(strlen(nf_std_time_error(t)) > 0);
            continue;
        }
        expect_str(t, r->label, ms, r->to_string, r->iso);
    }
}

static void range_errors_name_the_field(void **state) {
    nf_std_time *t = *state;
    int64_t ms, f[2] = {2007, 13};
    assert_int_equal(nf_std_time_make(t, false, f, 2, &ms), NF_STD_TIME_RANGE);
    assert_string_equal(nf_std_time_error(t), "dateTime: month must be between 1 and 12, got 13");
    int64_t g[3] = {2007, 2, 30};
    assert_int_equal(nf_std_time_make(t, false, g, 3, &ms), NF_STD_TIME_RANGE);
    assert_string_equal(nf_std_time_error(t), "dateTime: day 30 does not exist in 2007-02");
}

/* parse-and-format-date-function-calls.md: dateTimeToEpoch / epochToDateTime assume UTC. */
static void epoch_example_in_utc(void **state) {
    (void)state;
    nf_std_time *t = open_zone("UTC", NULL);
    int64_t ms, f[6] = {1974, 7, 2, 9, 50, 10};
    assert_int_equal(nf_std_time_make(t, false, f, 6, &ms), NF_STD_TIME_OK);
    assert_int_equal(ms, INT64_C(141990610000)); /* dateTimeToEpoch(dateTime(1974,7,2,9,50,10)) */
    expect_str(t, "epochToDateTime(141990610000)", INT64_C(141990610000),
               "Tue Jul 02 09:50:10 UTC 1974", NULL);
    nf_std_time_close(t);
}

/* Years outside 0000-9999 are written in ISO-8601's expanded form (±YYYYYY) and read back:
 * 0000-01-01 in Amsterdam (local mean time, east of UTC) is an instant in year -1 UTC (found by
 * fuzz_time). */
static void expanded_years_round_trip(void **state) {
    (void)state;
    nf_std_time *t = open_zone("Europe/Amsterdam", NULL);
    int64_t ms, again;
    char iso[64];
    assert_int_equal(nf_std_time_parse_iso(t, "0000-01-01", &ms), NF_STD_TIME_OK);
    nf_std_time_format_iso(ms, iso, sizeof iso);
    assert_int_equal(strncmp(iso, "-000001-12-31T23:", 17), 0); /* minutes: ICU's LMT data */
    assert_int_equal(nf_std_time_parse_iso(t, iso, &again), NF_STD_TIME_OK);
    assert_int_equal(again, ms);
    /* an expanded year needs an offset; beyond the range is a range error */
    assert_int_not_equal(nf_std_time_parse_iso(t, "-000001-12-31", &ms), NF_STD_TIME_OK);
    assert_int_not_equal(nf_std_time_parse_iso(t, "+999999-01-01T00:00Z", &ms), NF_STD_TIME_OK);
    nf_std_time_close(t);
}

/* ---- add / subtract -------------------------------------------------------------------- */

typedef struct {
    const char *label;
    bool subtract, utc;
    nf_std_time_unit unit;
    int64_t amount;
    const char *start; /* ISO */
    const char *to_string;
    const char *iso;
} add_row;

static const add_row ADD_ROWS[] = {
    /* add-date-function-calls.md, all from dateTime(2007, 1, 1, 1, 1, 1) in CET */
    /* DOC ERROR: page says "Mon Jan 01 01:01:02:400 CET 2007"; Date.toString has no ms field */
    {"addMilliseconds 1400", 0, 0, NF_STD_MS, 1400, "2007-01-01T01:01:01",
     "Mon Jan 01 01:01:02 CET 2007", "2007-01-01T00:01:02.400Z"},
    {"addSeconds 2", 0, 0, NF_STD_SECOND, 2, "2007-01-01T01:01:01", "Mon Jan 01 01:01:03 CET 2007",
     NULL},
    {"addMinutes 3", 0, 0, NF_STD_MINUTE, 3, "2007-01-01T01:01:01", "Mon Jan 01 01:04:01 CET 2007",
     NULL},
    /* DOC ERROR: page says "Mon Jan 02 02:01:01 CET 2007" (Jan 2 2007 is a Tuesday) */
    {"addHours 25", 0, 0, NF_STD_HOUR, 25, "2007-01-01T01:01:01", "Tue Jan 02 02:01:01 CET 2007",
     NULL},
    /* DOC ERROR: page says "Mon Jan 04 01:01:01 CET 2007" (a Thursday) */
    {"addDays 3", 0, 0, NF_STD_DAY, 3, "2007-01-01T01:01:01", "Thu Jan 04 01:01:01 CET 2007", NULL},
    {"addWeeks 2", 0, 0, NF_STD_WEEK, 2, "2007-01-01T01:01:01", "Mon Jan 15 01:01:01 CET 2007",
     NULL},
    /* DOC ERROR: page says "Mon Feb 01 01:01:01 CET 2008" (a Friday) */
    {"addMonths 13", 0, 0, NF_STD_MONTH, 13, "2007-01-01T01:01:01", "Fri Feb 01 01:01:01 CET 2008",
     NULL},
    /* DOC ERROR: page says "Mon Apr 01 01:01:01 CET 2007" (a Sunday, in summer time) */
    {"addQuarters 1", 0, 0, NF_STD_QUARTER, 1, "2007-01-01T01:01:01",
     "Sun Apr 01 01:01:01 CEST 2007", "2007-03-31T23:01:01.000Z"},
    {"addYears 11", 0, 0, NF_STD_YEAR, 11, "2007-01-01T01:01:01", "Mon Jan 01 01:01:01 CET 2018",
     NULL},
    /* Long amounts: addSeconds(dateTime(1970,1,1,0,0,0), (long)(2147483647 + 100)).
     * DOC ERROR: page says "Tue Jan 19 04:15:47 CET 2038"; 1970-01-01T00:00 CET is -3600 s, so
     * the sum is 2147480147 s = 02:15:47 UTC = 03:15:47 CET. */
    {"addSeconds Long", 0, 0, NF_STD_SECOND, INT64_C(2147483747), "1970-01-01T00:00:00",
     "Tue Jan 19 03:15:47 CET 2038", "2038-01-19T02:15:47.000Z"},

    /* subtract-date-function-calls.md */
    {"subtractMilliseconds 1000", 1, 0, NF_STD_MS, 1000, "2007-01-01T01:01:01",
     "Mon Jan 01 01:01:00 CET 2007", NULL},
    /* DOC ERROR: page says "Mon Jan 01 01:00:30 CET 2007" */
    {"subtractSeconds 30", 1, 0, NF_STD_SECOND, 30, "2007-01-01T01:01:01",
     "Mon Jan 01 01:00:31 CET 2007", NULL},
    /* DOC ERROR: page says "Mon Jan 01 00:30:01 CET 2007" */
    {"subtractMinutes 30", 1, 0, NF_STD_MINUTE, 30, "2007-01-01T01:01:01",
     "Mon Jan 01 00:31:01 CET 2007", NULL},
    {"subtractHours 1", 1, 0, NF_STD_HOUR, 1, "2007-01-01T01:01:01", "Mon Jan 01 00:01:01 CET 2007",
     NULL},
    /* DOC ERROR: page says "Mon Jan 01 01:01:01 CET 2007" (5 days before Jan 5 is Dec 31) */
    {"subtractDays 5", 1, 0, NF_STD_DAY, 5, "2007-01-05T01:01:01", "Sun Dec 31 01:01:01 CET 2006",
     NULL},
    {"subtractWeeks 2", 1, 0, NF_STD_WEEK, 2, "2007-01-15T01:01:01", "Mon Jan 01 01:01:01 CET 2007",
     NULL},
    {"subtractMonths 2", 1, 0, NF_STD_MONTH, 2, "2007-03-01T01:01:01",
     "Mon Jan 01 01:01:01 CET 2007", NULL},
    {"subtractQuarters 1", 1, 0, NF_STD_QUARTER, 1, "2007-04-01T01:01:01",
     "Mon Jan 01 01:01:01 CET 2007", NULL},
    /* DOC ERROR: page says "Mon Jan 01 01:01:01 CET 2006" (Jan 1 2006 is a Sunday) */
    {"subtractYears 1", 1, 0, NF_STD_YEAR, 1, "2007-01-01T01:01:01", "Sun Jan 01 01:01:01 CET 2006",
     NULL},

    /* Month-end clamping: the day is pinned to the last day of the target month */
    {"Jan 31 + 1 month", 0, 0, NF_STD_MONTH, 1, "2007-01-31T10:00", "Wed Feb 28 10:00:00 CET 2007",
     NULL},
    {"Jan 31 + 1 month leap", 0, 0, NF_STD_MONTH, 1, "2008-01-31T10:00",
     "Fri Feb 29 10:00:00 CET 2008", NULL},
    {"Mar 31 - 1 month", 1, 0, NF_STD_MONTH, 1, "2007-03-31T10:00", "Wed Feb 28 10:00:00 CET 2007",
     NULL},
    {"Feb 29 + 1 year", 0, 0, NF_STD_YEAR, 1, "2008-02-29T10:00", "Sat Feb 28 10:00:00 CET 2009",
     NULL},
    {"Jan 31 + 1 quarter", 0, 0, NF_STD_QUARTER, 1, "2007-01-31T10:00",
     "Mon Apr 30 10:00:00 CEST 2007", NULL},
    {"Aug 31 + 2 quarters", 0, 0, NF_STD_QUARTER, 2, "2007-08-31T10:00",
     "Fri Feb 29 10:00:00 CET 2008", NULL},
    {"Jan 31 + 1 month UTC", 0, 1, NF_STD_MONTH, 1, "2007-01-31T10:00Z", NULL,
     "2007-02-28T10:00:00.000Z"},

    /* DST in Europe/Amsterdam: hours are elapsed time, days keep the wall-clock time.
     * 2021-03-28 02:00 CET -> 03:00 CEST (23-hour day); 2021-10-31 03:00 CEST -> 02:00 CET. */
    {"March: addHours 1 over the gap", 0, 0, NF_STD_HOUR, 1, "2021-03-28T01:30",
     "Sun Mar 28 03:30:00 CEST 2021", "2021-03-28T01:30:00.000Z"},
    {"March: addHours 24", 0, 0, NF_STD_HOUR, 24, "2021-03-27T12:00",
     "Sun Mar 28 13:00:00 CEST 2021", NULL},
    {"March: addDays 1 (23 h)", 0, 0, NF_STD_DAY, 1, "2021-03-27T12:00",
     "Sun Mar 28 12:00:00 CEST 2021", "2021-03-28T10:00:00.000Z"},
    {"March: addDaysUTC 1 (24 h)", 0, 1, NF_STD_DAY, 1, "2021-03-27T12:00",
     "Sun Mar 28 13:00:00 CEST 2021", NULL},
    {"March: addWeeks 1", 0, 0, NF_STD_WEEK, 1, "2021-03-22T12:00", "Mon Mar 29 12:00:00 CEST 2021",
     NULL},
    {"March: subtractDays 1", 1, 0, NF_STD_DAY, 1, "2021-03-29T00:00",
     "Sun Mar 28 00:00:00 CET 2021", "2021-03-27T23:00:00.000Z"},
    {"October: addHours 24", 0, 0, NF_STD_HOUR, 24, "2021-10-30T12:00",
     "Sun Oct 31 11:00:00 CET 2021", NULL},
    {"October: addDays 1 (25 h)", 0, 0, NF_STD_DAY, 1, "2021-10-30T12:00",
     "Sun Oct 31 12:00:00 CET 2021", "2021-10-31T11:00:00.000Z"},
    {"October: addDaysUTC 1 (24 h)", 0, 1, NF_STD_DAY, 1, "2021-10-30T12:00",
     "Sun Oct 31 11:00:00 CET 2021", NULL},
    {"October: addMonths 1", 0, 0, NF_STD_MONTH, 1, "2021-10-15T12:00",
     "Mon Nov 15 12:00:00 CET 2021", NULL},
    {"October: addMonthsUTC 1", 0, 1, NF_STD_MONTH, 1, "2021-10-15T12:00",
     "Mon Nov 15 11:00:00 CET 2021", NULL},
    /* UTC calendar differs where the UTC date differs: Mar 1 00:30 CET is Feb 28 23:30 UTC */
    {"addMonths local month end", 0, 0, NF_STD_MONTH, 1, "2007-03-01T00:30",
     "Sun Apr 01 00:30:00 CEST 2007", NULL},
    {"addMonthsUTC UTC month end", 0, 1, NF_STD_MONTH, 1, "2007-03-01T00:30",
     "Thu Mar 29 01:30:00 CEST 2007", "2007-03-28T23:30:00.000Z"},
    {"addYearsUTC", 0, 1, NF_STD_YEAR, -1, "2008-02-29T12:00Z", NULL, "2007-02-28T12:00:00.000Z"},
    {"negative amount", 0, 0, NF_STD_DAY, -3, "2007-01-04T01:01:01", "Mon Jan 01 01:01:01 CET 2007",
     NULL},
};

static void add_and_subtract(void **state) {
    nf_std_time *t = *state;
    for (size_t i = 0; i < sizeof ADD_ROWS / sizeof ADD_ROWS[0]; i++) {
        const add_row *r = &ADD_ROWS[i];
        int64_t out, start = at(t, r->start);
        nf_std_time_status s =
            r->subtract ? nf_std_time_subtract(t, r->utc, r->unit, r->amount, start, &out)
                        : nf_std_time_add(t, r->utc, r->unit, r->amount, start, &out);
        if (s != NF_STD_TIME_OK) fail_msg("%s: status %d (%s)", r->label, s, nf_std_time_error(t));
        expect_str(t, r->label, out, r->to_string, r->iso);
    }
}

static void add_overflow_is_a_range_error(void **state) {
    nf_std_time *t = *state;
    const int64_t max = NF_STD_TIME_MAX_MS;
    int64_t out = 7;
    static const struct {
        nf_std_time_unit u;
        int64_t amount, ms;
    } rows[] = {
        {NF_STD_MS, INT64_MAX, 0},
        {NF_STD_MS, 1, NF_STD_TIME_MAX_MS},
        {NF_STD_SECOND, INT64_MAX / 2, 0},
        {NF_STD_HOUR, INT64_MIN, 0},
        {NF_STD_DAY, 1, NF_STD_TIME_MAX_MS},
        {NF_STD_DAY, INT64_MAX, 0},
        {NF_STD_WEEK, INT64_MIN / 3, 0},
        {NF_STD_MONTH, 4000000, 0},
        {NF_STD_QUARTER, INT64_MAX, 0},
        {NF_STD_YEAR, 300000, 0},
        {NF_STD_YEAR, -300000, 0},
        {NF_STD_YEAR, INT64_MIN, 0},
        {NF_STD_SECOND, 0, NF_STD_TIME_MAX_MS + 1}, /* input itself out of range */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (nf_std_time_add(t, false, rows[i].u, rows[i].amount, rows[i].ms, &out) !=
            NF_STD_TIME_RANGE)
            fail_msg("row %zu: expected RANGE", i);
        assert_int_equal(out, 7);
    }
    /* subtract of INT64_MIN cannot be negated */
    assert_int_equal(nf_std_time_subtract(t, false, NF_STD_MS, INT64_MIN, 0, &out),
                     NF_STD_TIME_RANGE);
    assert_int_equal(nf_std_time_subtract(t, false, NF_STD_MS, INT64_MAX, 0, &out),
                     NF_STD_TIME_RANGE);
    /* the extremes themselves are fine */
    assert_int_equal(nf_std_time_add(t, false, NF_STD_MS, -1, max, &out), NF_STD_TIME_OK);
    assert_int_equal(out, max - 1);
    assert_int_equal(nf_std_time_subtract(t, true, NF_STD_DAY, 1, -max + 86400000, &out),
                     NF_STD_TIME_OK);
    assert_int_equal(out, -max);
}

/* ---- between --------------------------------------------------------------------------- */

/* between-date-function-calls.md: the plain *Between functions are |a - b| in a unit, computed by
 * the VM from epoch milliseconds; these rows pin the millisecond differences of the examples. */
static void between_examples_as_millisecond_differences(void **state) {
    nf_std_time *t = *state;
    static const struct {
        const char *label, *a, *b;
        int64_t ms;
    } rows[] = {
        {"millisecondsBetween = 2000", "2007-01-01T01:01:01", "2007-01-01T01:01:03", 2000},
        {"secondsBetween = 62", "2007-01-01T01:01:01", "2007-01-01T01:02:03", 62000},
        {"minutesBetween = 1", "2007-01-01T01:02:01", "2007-01-01T01:01:01", 60000},
        {"hoursBetween = 2.5", "2007-01-01T03:31:01", "2007-01-01T01:01:01", 9000000},
        {"daysBetween = 43", "2007-02-13T01:01:01", "2007-01-01T01:01:01", 43 * INT64_C(86400000)},
        {"weeksBetween = 8/7", "2007-01-09T01:01:01", "2007-01-01T01:01:01", 8 * INT64_C(86400000)},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t d = at(t, rows[i].a) - at(t, rows[i].b);
        if ((d < 0 ? -d : d) != rows[i].ms) fail_msg("%s: got %lld", rows[i].label, (long long)d);
    }
}

typedef struct {
    const char *label;
    nf_std_time_unit unit;
    const char *a, *b;
    int64_t want;
} cal_between_row;

static const cal_between_row CAL_BETWEEN_ROWS[] = {
    /* between-date-function-calls.md: time is ignored */
    {"calendarMonthsBetween doc", NF_STD_MONTH, "2007-01-01T10:01:01", "2007-08-01T01:01:01", 7},
    {"calendarYearsBetween doc", NF_STD_YEAR, "2007-01-01T10:01:01", "2017-01-01T01:01:01", 10},
    /* absolute: order does not matter */
    {"months reversed", NF_STD_MONTH, "2007-08-01T01:01:01", "2007-01-01T10:01:01", 7},
    {"years reversed", NF_STD_YEAR, "2017-01-01T01:01:01", "2007-01-01T10:01:01", 10},
    {"same day", NF_STD_MONTH, "2007-01-01T00:00", "2007-01-01T23:59", 0},
    /* a month is complete when the later day-of-month reaches the earlier one */
    {"Jan 31 -> Feb 28", NF_STD_MONTH, "2007-01-31T00:00", "2007-02-28T00:00", 0},
    {"Jan 31 -> Mar 1", NF_STD_MONTH, "2007-01-31T00:00", "2007-03-01T00:00", 1},
    {"Jan 15 -> Feb 14", NF_STD_MONTH, "2007-01-15T00:00", "2007-02-14T23:00", 0},
    {"Jan 15 -> Feb 15", NF_STD_MONTH, "2007-01-15T23:00", "2007-02-15T00:00", 1},
    {"11 months", NF_STD_MONTH, "2007-01-15T00:00", "2008-01-14T00:00", 11},
    {"11 months = 0 years", NF_STD_YEAR, "2007-01-15T00:00", "2008-01-14T00:00", 0},
    {"leap day to Feb 28", NF_STD_YEAR, "2008-02-29T00:00", "2009-02-28T00:00", 0},
    {"leap day to Mar 1", NF_STD_YEAR, "2008-02-29T00:00", "2009-03-01T00:00", 1},
    /* dates are taken in the user's zone: 23:30 UTC on Jan 31 is Feb 1 in Amsterdam */
    {"zone decides the date", NF_STD_MONTH, "2007-01-31T23:30Z", "2007-03-01T00:00", 1},
};

static void calendar_between(void **state) {
    nf_std_time *t = *state;
    for (size_t i = 0; i < sizeof CAL_BETWEEN_ROWS / sizeof CAL_BETWEEN_ROWS[0]; i++) {
        const cal_between_row *r = &CAL_BETWEEN_ROWS[i];
        int64_t out = -1;
        nf_std_time_status s =
            nf_std_time_calendar_between(t, r->unit, at(t, r->a), at(t, r->b), &out);
        if (s != NF_STD_TIME_OK || out != r->want)
            fail_msg("%s: status %d, got %lld, want %lld", r->label, s, (long long)out,
                     (long long)r->want);
    }
    int64_t out;
    assert_int_equal(nf_std_time_calendar_between(t, NF_STD_DAY, 0, 0, &out), NF_STD_TIME_RANGE);
    assert_int_equal(nf_std_time_calendar_between(t, NF_STD_MONTH, 0, INT64_MAX, &out),
                     NF_STD_TIME_RANGE);
}

/* ---- begin / end / trim ---------------------------------------------------------------- */

typedef enum { BEGIN, END, TRIM } period_fn;

typedef struct {
    const char *label;
    period_fn fn;
    bool utc;
    nf_std_time_unit unit;
    const char *start;
    const char *to_string;
    const char *iso;
} period_row;

static const period_row PERIOD_ROWS[] = {
    /* begin-of-date-function-calls.md, from dateTime(2007, 2, 7, 1, 1) in CET; the page omits
     * the seconds in its output ("Wed Feb 07 00:00 CET 2007") */
    {"beginOfDay", BEGIN, 0, NF_STD_DAY, "2007-02-07T01:01", "Wed Feb 07 00:00:00 CET 2007",
     "2007-02-06T23:00:00.000Z"},
    /* en_US weeks start on Sunday */
    {"beginOfWeek", BEGIN, 0, NF_STD_WEEK, "2007-02-07T01:01", "Sun Feb 04 00:00:00 CET 2007",
     NULL},
    {"beginOfMonth", BEGIN, 0, NF_STD_MONTH, "2007-02-07T01:01", "Thu Feb 01 00:00:00 CET 2007",
     NULL},
    {"beginOfYear", BEGIN, 0, NF_STD_YEAR, "2007-02-07T01:01", "Mon Jan 01 00:00:00 CET 2007",
     NULL},
    /* end-of-date-function-calls.md: the last millisecond (page shows "23:59") */
    {"endOfDay", END, 0, NF_STD_DAY, "2007-02-07T01:01", "Wed Feb 07 23:59:59 CET 2007",
     "2007-02-07T22:59:59.999Z"},
    {"endOfWeek", END, 0, NF_STD_WEEK, "2007-02-07T01:01:01", "Sat Feb 10 23:59:59 CET 2007",
     "2007-02-10T22:59:59.999Z"},
    {"endOfMonth", END, 0, NF_STD_MONTH, "2007-02-07T01:01:01", "Wed Feb 28 23:59:59 CET 2007",
     "2007-02-28T22:59:59.999Z"},
    {"endOfYear", END, 0, NF_STD_YEAR, "2007-02-07T01:01:01", "Mon Dec 31 23:59:59 CET 2007",
     "2007-12-31T22:59:59.999Z"},
    /* trim-to-date.md, $myDate = 08-06-2008 10:12:51.387 (CEST) */
    {"trimToSeconds", TRIM, 0, NF_STD_SECOND, "2008-06-08T10:12:51.387",
     "Sun Jun 08 10:12:51 CEST 2008", "2008-06-08T08:12:51.000Z"},
    {"trimToMinutes", TRIM, 0, NF_STD_MINUTE, "2008-06-08T10:12:51.387",
     "Sun Jun 08 10:12:00 CEST 2008", "2008-06-08T08:12:00.000Z"},
    {"trimToHours", TRIM, 0, NF_STD_HOUR, "2008-06-08T10:12:51.387",
     "Sun Jun 08 10:00:00 CEST 2008", NULL},
    {"trimToDays", TRIM, 0, NF_STD_DAY, "2008-06-08T10:12:51.387", "Sun Jun 08 00:00:00 CEST 2008",
     NULL},
    {"trimToMonths", TRIM, 0, NF_STD_MONTH, "2008-06-08T10:12:51.387",
     "Sun Jun 01 00:00:00 CEST 2008", NULL},
    /* DOC ERROR: page says "Tue Jan 01 00:00:00 CEST 2008"; January is winter time (CET) */
    {"trimToYears", TRIM, 0, NF_STD_YEAR, "2008-06-08T10:12:51.387", "Tue Jan 01 00:00:00 CET 2008",
     "2007-12-31T23:00:00.000Z"},
    /* UTC variants work on the UTC calendar */
    {"trimToHoursUTC", TRIM, 1, NF_STD_HOUR, "2008-06-08T10:12:51.387", NULL,
     "2008-06-08T08:00:00.000Z"},
    {"trimToDaysUTC", TRIM, 1, NF_STD_DAY, "2008-06-08T01:12:51", NULL, "2008-06-07T00:00:00.000Z"},
    {"trimToMonthsUTC", TRIM, 1, NF_STD_MONTH, "2008-06-01T01:00", NULL,
     "2008-05-01T00:00:00.000Z"},
    {"trimToYearsUTC", TRIM, 1, NF_STD_YEAR, "2008-01-01T00:30", NULL, "2007-01-01T00:00:00.000Z"},
    {"beginOfDayUTC", BEGIN, 1, NF_STD_DAY, "2007-02-07T00:30", "Tue Feb 06 01:00:00 CET 2007",
     "2007-02-06T00:00:00.000Z"},
    {"endOfDayUTC", END, 1, NF_STD_DAY, "2007-02-07T00:30", NULL, "2007-02-06T23:59:59.999Z"},
    {"beginOfWeekUTC", BEGIN, 1, NF_STD_WEEK, "2007-02-07T12:00", NULL, "2007-02-04T00:00:00.000Z"},
    {"endOfMonthUTC", END, 1, NF_STD_MONTH, "2008-02-07T12:00", NULL, "2008-02-29T23:59:59.999Z"},
    /* quarters (used by the VM for completeness) */
    {"beginOfQuarter", BEGIN, 0, NF_STD_QUARTER, "2007-05-15T12:00",
     "Sun Apr 01 00:00:00 CEST 2007", NULL},
    {"endOfQuarter", END, 0, NF_STD_QUARTER, "2007-05-15T12:00", "Sat Jun 30 23:59:59 CEST 2007",
     NULL},
    /* DST days: the 23-hour and 25-hour days */
    {"beginOfDay spring", BEGIN, 0, NF_STD_DAY, "2021-03-28T12:00", "Sun Mar 28 00:00:00 CET 2021",
     "2021-03-27T23:00:00.000Z"},
    {"endOfDay spring", END, 0, NF_STD_DAY, "2021-03-28T12:00", "Sun Mar 28 23:59:59 CEST 2021",
     "2021-03-28T21:59:59.999Z"},
    {"endOfDay autumn", END, 0, NF_STD_DAY, "2021-10-31T01:00", "Sun Oct 31 23:59:59 CET 2021",
     "2021-10-31T22:59:59.999Z"},
    /* trimming inside the repeated hour keeps that occurrence's offset */
    {"trimToHours first 02:30", TRIM, 0, NF_STD_HOUR, "2021-10-31T00:30Z",
     "Sun Oct 31 02:00:00 CEST 2021", "2021-10-31T00:00:00.000Z"},
    {"trimToHours second 02:30", TRIM, 0, NF_STD_HOUR, "2021-10-31T01:30Z",
     "Sun Oct 31 02:00:00 CET 2021", "2021-10-31T01:00:00.000Z"},
    {"endOfHour over the gap", END, 0, NF_STD_HOUR, "2021-03-28T01:30", NULL,
     "2021-03-28T00:59:59.999Z"},
    /* before 1970 and milliseconds */
    {"trimToSeconds negative", TRIM, 1, NF_STD_SECOND, "1969-12-31T23:59:59.999Z", NULL,
     "1969-12-31T23:59:59.000Z"},
    {"trim ms is identity", TRIM, 0, NF_STD_MS, "2008-06-08T10:12:51.387", NULL,
     "2008-06-08T08:12:51.387Z"},
    {"endOfMinute", END, 0, NF_STD_MINUTE, "2008-06-08T10:12:51.387", NULL,
     "2008-06-08T08:12:59.999Z"},
    {"endOfSecond", END, 0, NF_STD_SECOND, "2008-06-08T10:12:51.387", NULL,
     "2008-06-08T08:12:51.999Z"},
};

static void begin_end_trim(void **state) {
    nf_std_time *t = *state;
    for (size_t i = 0; i < sizeof PERIOD_ROWS / sizeof PERIOD_ROWS[0]; i++) {
        const period_row *r = &PERIOD_ROWS[i];
        int64_t out, start = at(t, r->start);
        nf_std_time_status s = r->fn == BEGIN ? nf_std_time_begin(t, r->utc, r->unit, start, &out)
                               : r->fn == END ? nf_std_time_end(t, r->utc, r->unit, start, &out)
                                              : nf_std_time_trim(t, r->utc, r->unit, start, &out);
        if (s != NF_STD_TIME_OK) fail_msg("%s: status %d (%s)", r->label, s, nf_std_time_error(t));
        expect_str(t, r->label, out, r->to_string, r->iso);
    }
    int64_t out;
    assert_int_equal(nf_std_time_begin(t, false, NF_STD_DAY, INT64_MIN, &out), NF_STD_TIME_RANGE);
    assert_int_equal(nf_std_time_end(t, false, NF_STD_YEAR, NF_STD_TIME_MAX_MS, &out),
                     NF_STD_TIME_RANGE); /* the end of year 275760 is beyond the range */
}

/* Week boundaries come from the locale: Monday in nl_NL and en_GB. */
static void week_start_follows_the_locale(void **state) {
    (void)state;
    static const char *const locales[] = {"nl_NL", "en_GB"};
    for (size_t i = 0; i < 2; i++) {
        nf_std_time *t = open_zone("Europe/Amsterdam", locales[i]);
        int64_t out, ms = at(t, "2007-02-07T01:01");
        assert_int_equal(nf_std_time_begin(t, false, NF_STD_WEEK, ms, &out), NF_STD_TIME_OK);
        expect_str(t, locales[i], out, "Mon Feb 05 00:00:00 CET 2007", NULL);
        assert_int_equal(nf_std_time_end(t, false, NF_STD_WEEK, ms, &out), NF_STD_TIME_OK);
        expect_str(t, locales[i], out, "Sun Feb 11 23:59:59 CET 2007", NULL);
        /* a Sunday belongs to the week that started on the Monday before */
        assert_int_equal(nf_std_time_begin(t, false, NF_STD_WEEK, at(t, "2007-02-11T20:00"), &out),
                         NF_STD_TIME_OK);
        expect_str(t, locales[i], out, "Mon Feb 05 00:00:00 CET 2007", NULL);
        nf_std_time_close(t);
    }
}

/* ---- formatting ------------------------------------------------------------------------ */

typedef struct {
    bool utc;
    nf_std_time_fmt kind;
    const char *pattern;
    const char *at;
    const char *want; /* NULL = the status below */
    nf_std_time_status status;
} format_row;

#define D1 "2008-06-08T10:12:01.387" /* Sunday, CEST, day 160 of 2008 */
static const format_row FORMAT_ROWS[] = {
    /* parse-and-format-date-function-calls.md */
    {0, 0, "EEE, d MMM yyyy HH:mm:ss Z", "2008-06-08T10:12:01", "Sun, 8 Jun 2008 10:12:01 +0200",
     0},
    {0, 0, "yyyy-MM-dd", "2008-06-08T10:12:01", "2008-06-08", 0},
    {0, 0, "HH:mm:ss", "2008-06-08T10:12:01", "10:12:01", 0},
    {0, NF_STD_FMT_TIME, NULL, "1974-07-02T09:50:10", "9:50 AM", 0}, /* formatTime */
    {0, NF_STD_FMT_DATE, NULL, "1974-07-02T09:50:10", "7/2/74", 0},  /* formatDate */
    /* formatDateTime without a pattern: the locale's short date + short time */
    {0, NF_STD_FMT_DATETIME, NULL, "1974-07-02T09:50:10", "7/2/74, 9:50 AM", 0},
    {1, NF_STD_FMT_TIME, NULL, "1974-07-02T09:50:10", "8:50 AM", 0}, /* formatTimeUTC */
    /* a pattern wins over the kind */
    {0, NF_STD_FMT_DATE, "HH:mm", "1974-07-02T09:50:10", "09:50", 0},
    /* Java SimpleDateFormat letters */
    {0, 0, "G", D1, "AD", 0},
    {0, 0, "GGGG", D1, "AD", 0},
    {0, 0, "y", D1, "2008", 0},
    {0, 0, "yy", D1, "08", 0},
    {0, 0, "yyyy", D1, "2008", 0},
    {0, 0, "yyyyy", D1, "02008", 0},
    {0, 0, "M", D1, "6", 0},
    {0, 0, "MM", D1, "06", 0},
    {0, 0, "MMM", D1, "Jun", 0},
    {0, 0, "MMMM", D1, "June", 0},
    {0, 0, "MMMMM", D1, "June", 0},
    {0, 0, "L", D1, "6", 0},
    {0, 0, "LLL", D1, "Jun", 0},
    {0, 0, "LLLL", D1, "June", 0},
    {0, 0, "E", D1, "Sun", 0},
    {0, 0, "EEE", D1, "Sun", 0},
    {0, 0, "EEEE", D1, "Sunday", 0},
    {0, 0, "EEEEE", D1, "Sunday", 0},
    {0, 0, "u", D1, "7", 0}, /* ISO day number: Sunday = 7 */
    {0, 0, "uu", D1, "07", 0},
    {0, 0, "u", "2008-06-09T10:00", "1", 0}, /* Monday = 1 */
    {0, 0, "w", D1, "24", 0},
    {0, 0, "W", D1, "2", 0},
    {0, 0, "D", D1, "160", 0},
    {0, 0, "DDDD", D1, "0160", 0},
    {0, 0, "d", D1, "8", 0},
    {0, 0, "dd", D1, "08", 0},
    {0, 0, "F", D1, "2", 0},
    {0, 0, "a", D1, "AM", 0},
    {0, 0, "H", D1, "10", 0},
    {0, 0, "k", D1, "10", 0},
    {0, 0, "K", D1, "10", 0},
    {0, 0, "h", D1, "10", 0},
    {0, 0, "m", D1, "12", 0},
    {0, 0, "s", D1, "1", 0},
    {0, 0, "ss", D1, "01", 0},
    {0, 0, "S", D1, "387", 0}, /* Java: milliseconds as a number, not a fraction */
    {0, 0, "SSS", D1, "387", 0},
    {0, 0, "SSSS", D1, "0387", 0},
    {0, 0, "S", "2008-06-08T10:12:01.005", "5", 0},
    {0, 0, "SSS", "2008-06-08T10:12:01.005", "005", 0},
    {0, 0, "z", D1, "CEST", 0},
    {0, 0, "zzz", "2008-01-08T10:00", "CET", 0},
    {0, 0, "zzzz", D1, "Central European Summer Time", 0},
    {0, 0, "Z", D1, "+0200", 0},
    {0, 0, "X", D1, "+02", 0},
    {0, 0, "XX", D1, "+0200", 0},
    {0, 0, "XXX", D1, "+02:00", 0},
    /* midnight and afternoon for the four hour letters */
    {0, 0, "H k K h a", "2008-06-08T00:05", "0 24 0 12 AM", 0},
    {0, 0, "H k K h a", "2008-06-08T13:05", "13 13 1 1 PM", 0},
    {0, 0, "hh:mm a", "2008-06-08T12:00", "12:00 PM", 0},
    /* week year at the turn of the year (en_US: week 1 contains Jan 1) */
    {0, 0, "YYYY-'W'ww", "2008-12-29T12:00", "2009-W01", 0},
    {0, 0, "yyyy", "2008-12-29T12:00", "2008", 0},
    /* quoting */
    {0, 0, "yyyy-MM-dd'T'HH:mm:ss", D1, "2008-06-08T10:12:01", 0},
    {0, 0, "h 'o''clock' a", D1, "10 o'clock AM", 0},
    {0, 0, "''yy''", D1, "'08'", 0},
    {0, 0, "'u S z' u", D1, "u S z 7", 0},
    {0, 0, "dd.MM.yyyy / HH:mm", D1, "08.06.2008 / 10:12", 0},
    {0, 0, "", D1, "", 0},
    /* UTC variants */
    {1, 0, "yyyy-MM-dd HH:mm:ss.SSS z", D1, "2008-06-08 08:12:01.387 UTC", 0},
    {1, 0, "Z X", D1, "+0000 Z", 0},
    {1, 0, "EEEE", "2008-06-08T01:00", "Saturday", 0},
    /* invalid patterns */
    {0, 0, "q", D1, NULL, NF_STD_TIME_PATTERN},
    {0, 0, "yyyy-MM-dd 'T", D1, NULL, NF_STD_TIME_PATTERN},
    {0, 0, "XXXX", D1, NULL, NF_STD_TIME_PATTERN},
    {0, 0, "e", D1, NULL, NF_STD_TIME_PATTERN},
    {0, 0, "\xff", D1, NULL, NF_STD_TIME_PATTERN},
};

static void format(void **state) {
    nf_std_time *t = *state;
    /* twice: the second round runs from the formatter cache */
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof FORMAT_ROWS / sizeof FORMAT_ROWS[0]; i++) {
            const format_row *r = &FORMAT_ROWS[i];
            char *out = NULL;
            nf_std_time_status s =
                nf_std_time_format(t, r->utc, r->kind, r->pattern, at(t, r->at), &out);
            if (!r->want) {
                if (s != r->status) fail_msg("'%s': status %d, want %d", r->pattern, s, r->status);
                assert_null(out);
                continue;
            }
            if (s != NF_STD_TIME_OK)
                fail_msg("'%s': status %d (%s)", r->pattern ? r->pattern : "(default)", s,
                         nf_std_time_error(t));
            if (strcmp(out, r->want) != 0)
                fail_msg("'%s' at %s: '%s', want '%s'", r->pattern ? r->pattern : "(default)",
                         r->at, out, r->want);
            free(out);
        }
    }
}

static void format_error_names_the_letter(void **state) {
    nf_std_time *t = *state;
    char *out = NULL;
    assert_int_equal(nf_std_time_format(t, false, 0, "yyyy-qq", 0, &out), NF_STD_TIME_PATTERN);
    assert_string_equal(nf_std_time_error(t), "illegal pattern character 'q' in date pattern "
                                              "'yyyy-qq'");
    assert_int_equal(nf_std_time_format(t, false, 0, "yyyy", NF_STD_TIME_MAX_MS + 1, &out),
                     NF_STD_TIME_RANGE);
    assert_null(out);
}

static void format_in_other_locales(void **state) {
    (void)state;
    nf_std_time *t = open_zone("Europe/Amsterdam", "nl_NL");
    char *out = NULL;
    int64_t ms = at(t, D1);
    assert_int_equal(nf_std_time_format(t, false, 0, "EEEE d MMMM yyyy", ms, &out), NF_STD_TIME_OK);
    assert_string_equal(out, "zondag 8 juni 2008");
    free(out);
    /* Java 17 nl_NL short date (java-version-migration.md): 04-05-2006 */
    assert_int_equal(
        nf_std_time_format(t, false, NF_STD_FMT_DATE, NULL, at(t, "2006-05-04T03:02:01"), &out),
        NF_STD_TIME_OK);
    assert_string_equal(out, "04-05-2006");
    free(out);
    /* ISO day numbers do not depend on the locale's week start */
    assert_int_equal(nf_std_time_format(t, false, 0, "u", ms, &out), NF_STD_TIME_OK);
    assert_string_equal(out, "7");
    free(out);
    nf_std_time_close(t);
}

/* More distinct patterns than cache slots: results stay right while slots are recycled. */
static void formatter_cache_recycles(void **state) {
    nf_std_time *t = *state;
    int64_t ms = at(t, D1);
    for (int round = 0; round < 3; round++) {
        for (int n = 1; n <= 20; n++) {
            char pat[32], want[32], *out = NULL;
            snprintf(pat, sizeof pat, "'%d' yyyy", n);
            snprintf(want, sizeof want, "%d 2008", n);
            assert_int_equal(nf_std_time_format(t, round == 1, 0, pat, ms, &out), NF_STD_TIME_OK);
            assert_string_equal(out, want);
            free(out);
        }
    }
}

/* ---- parsing --------------------------------------------------------------------------- */

typedef struct {
    bool utc;
    const char *pattern, *text;
    const char *iso; /* NULL = the status below */
    nf_std_time_status status;
} parse_row;

static const parse_row PARSE_ROWS[] = {
    /* parse-and-format-date-function-calls.md */
    /* lenient: day 35 of November is 5 December; time 00:00 in the user's zone */
    {0, "dd-MM-yyyy", "35-11-2015", "2015-12-04T23:00:00.000Z", 0},
    /* "May 21st, 2015 12:00 AM" (older page revision) */
    {0, "yyyy-MM-dd", "2015-05-21", "2015-05-20T22:00:00.000Z", 0},
    /* the expression literal 'yyyy-MM-dd''T''HH:mm:ss.SSS' is this pattern: Apr 30 2022 22:00 */
    {0, "yyyy-MM-dd'T'HH:mm:ss.SSS", "2022-04-30T22:00:00.000", "2022-04-30T20:00:00.000Z", 0},
    /* not a date: an error (the VM returns the optional default value instead) */
    {0, "dd-MM-yyyy", "noDateTime", NULL, NF_STD_TIME_PARSE},
    /* parseDateTimeUTC */
    {1, "yyyy-MM-dd", "2015-05-21", "2015-05-21T00:00:00.000Z", 0},
    {1, "dd-MM-yyyy HH:mm", "35-11-2015 10:30", "2015-12-05T10:30:00.000Z", 0},
    /* more leniency: Feb 31 and month 13 roll over */
    {0, "dd-MM-yyyy", "31-02-2015", "2015-03-02T23:00:00.000Z", 0},
    /* KNOWN DIFFERENCE: Java's lenient parse reads hour 25 as 01:00 the next day; ICU refuses
     * hours above 24 even when lenient */
    {1, "yyyy-MM-dd HH:mm", "2015-01-01 25:00", NULL, NF_STD_TIME_PARSE},
    {1, "yyyy-MM-dd HH:mm", "2015-01-01 24:00", "2015-01-02T00:00:00.000Z", 0},
    {1, "yyyy-MM", "2015-13", "2016-01-01T00:00:00.000Z", 0},
    /* fields not in the pattern default to 1970-01-01 00:00:00.000 */
    {0, "HH:mm", "10:30", "1970-01-01T09:30:00.000Z", 0},
    {1, "yyyy", "2015", "2015-01-01T00:00:00.000Z", 0},
    /* two-digit years: Java's 80/20 window around today */
    {1, "M/d/yy", "7/2/74", "1974-07-02T00:00:00.000Z", 0},
    {1, "dd-MM-yy", "01-01-30", "2030-01-01T00:00:00.000Z", 0},
    /* names, AM/PM, an explicit offset in the text wins over the zone */
    {0, "EEE, d MMM yyyy HH:mm:ss Z", "Sun, 8 Jun 2008 10:12:01 +0200", "2008-06-08T08:12:01.000Z",
     0},
    {0, "d MMMM yyyy h:mm a", "8 June 2008 1:05 PM", "2008-06-08T11:05:00.000Z", 0},
    {0, "yyyy-MM-dd'T'HH:mm:ssXXX", "2008-06-08T10:12:01-05:00", "2008-06-08T15:12:01.000Z", 0},
    /* text after the parsed part is ignored (Java DateFormat.parse) */
    {0, "yyyy-MM-dd", "2015-05-21T10:00:00", "2015-05-20T22:00:00.000Z", 0},
    /* a time in the DST gap moves forward */
    {0, "yyyy-MM-dd HH:mm", "2021-03-28 02:30", "2021-03-28T01:30:00.000Z", 0},
    /* failures */
    {0, "dd-MM-yyyy", "", NULL, NF_STD_TIME_PARSE},
    {0, "yyyy", "abc", NULL, NF_STD_TIME_PARSE},
    {0, "dd-MM-yyyy", "x1-01-2015", NULL, NF_STD_TIME_PARSE},
    {0, "dd-MM-yyyy", "\xc3\x28", NULL, NF_STD_TIME_PARSE},
    {0, "qq-yyyy", "01-2015", NULL, NF_STD_TIME_PATTERN},
    {0, "'yyyy", "2015", NULL, NF_STD_TIME_PATTERN},
};

static void parse(void **state) {
    nf_std_time *t = *state;
    for (size_t i = 0; i < sizeof PARSE_ROWS / sizeof PARSE_ROWS[0]; i++) {
        const parse_row *r = &PARSE_ROWS[i];
        int64_t out = -42;
        nf_std_time_status s = nf_std_time_parse(t, r->utc, r->pattern, r->text, &out);
        if (!r->iso) {
            if (s != r->status)
                fail_msg("'%s' / '%s': status %d, want %d", r->text, r->pattern, s, r->status);
            assert_int_equal(out, -42);
            continue;
        }
        if (s != NF_STD_TIME_OK)
            fail_msg("'%s' / '%s': status %d (%s)", r->text, r->pattern, s, nf_std_time_error(t));
        char buf[40];
        nf_std_time_format_iso(out, buf, sizeof buf);
        if (strcmp(buf, r->iso) != 0)
            fail_msg("'%s' / '%s': %s, want %s", r->text, r->pattern, buf, r->iso);
    }
}

static void parse_error_names_text_and_pattern(void **state) {
    nf_std_time *t = *state;
    int64_t out;
    assert_int_equal(nf_std_time_parse(t, false, "dd-MM-yyyy", "noDateTime", &out),
                     NF_STD_TIME_PARSE);
    assert_string_equal(nf_std_time_error(t),
                        "cannot parse 'noDateTime' as a date with pattern 'dd-MM-yyyy'");
    assert_int_equal(nf_std_time_parse(t, false, NULL, "2015", &out), NF_STD_TIME_PATTERN);
    /* a number longer than any date field is refused before ICU, which crashes (SIGFPE) on a
     * fraction of a second of 34 or more digits */
    assert_int_equal(
        nf_std_time_parse(t, false, "SSS", "3333333333333333333333333333333333333333", &out),
        NF_STD_TIME_PARSE);
    assert_non_null(strstr(nf_std_time_error(t), "more than 18 digits"));
}

/* format then parse with the same pattern gives the instant back */
static void format_parse_round_trip(void **state) {
    nf_std_time *t = *state;
    static const char *const pats[] = {"yyyy-MM-dd HH:mm:ss.SSS", "EEE, d MMM yyyy HH:mm:ss.SSS Z",
                                       "dd/MM/yyyy hh:mm:ss.SSS a"};
    static const char *const when[] = {"2008-06-08T10:12:01.387", "1999-12-31T23:59:59.999",
                                       "2021-10-31T00:30Z", "2021-10-31T01:30Z"};
    for (size_t p = 0; p < 3; p++) {
        for (size_t w = 0; w < 4; w++) {
            char *s = NULL;
            int64_t ms = at(t, when[w]), back = 0;
            assert_int_equal(nf_std_time_format(t, false, 0, pats[p], ms, &s), NF_STD_TIME_OK);
            assert_int_equal(nf_std_time_parse(t, false, pats[p], s, &back), NF_STD_TIME_OK);
            /* without an offset letter the repeated hour parses as its second occurrence */
            if (p != 1 && w == 2) ms += 3600000;
            if (back != ms)
                fail_msg("'%s' via '%s': %lld != %lld", s, pats[p], (long long)back, (long long)ms);
            free(s);
        }
    }
}

/* ---- toString -------------------------------------------------------------------------- */

static void to_string_zone_names(void **state) {
    (void)state;
    static const struct {
        const char *zone, *iso, *want;
    } rows[] = {
        {"Europe/Amsterdam", "2007-01-01T00:00:00Z", "Mon Jan 01 01:00:00 CET 2007"},
        {"Europe/Amsterdam", "2007-07-01T00:00:00Z", "Sun Jul 01 02:00:00 CEST 2007"},
        {"Europe/Berlin", "2007-01-01T00:00:00Z", "Mon Jan 01 01:00:00 CET 2007"},
        {"UTC", "2007-01-01T00:00:00Z", "Mon Jan 01 00:00:00 UTC 2007"},
        {"UTC", "1970-01-01T00:00:00Z", "Thu Jan 01 00:00:00 UTC 1970"},
        {"America/New_York", "2007-01-01T00:00:00Z", "Sun Dec 31 19:00:00 EST 2006"},
        {"America/New_York", "2007-07-01T00:00:00Z", "Sat Jun 30 20:00:00 EDT 2007"},
        {"Europe/London", "2007-07-01T00:00:00Z", "Sun Jul 01 01:00:00 BST 2007"},
        {"Europe/London", "2007-01-01T00:00:00Z", "Mon Jan 01 00:00:00 GMT 2007"},
        {"Asia/Kolkata", "2007-01-01T00:00:00Z", "Mon Jan 01 05:30:00 GMT+05:30 2007"},
        {"Asia/Tokyo", "2007-01-01T00:00:00Z", "Mon Jan 01 09:00:00 GMT+09:00 2007"},
        {"America/Sao_Paulo", "2020-01-01T12:00:00Z", "Wed Jan 01 09:00:00 GMT-03:00 2020"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        nf_std_time *t = open_zone(rows[i].zone, NULL);
        expect_str(t, rows[i].zone, at(t, rows[i].iso), rows[i].want, NULL);
        nf_std_time_close(t);
    }
}

static void to_string_is_snprintf_like(void **state) {
    nf_std_time *t = *state;
    char small[8];
    size_t need = nf_std_time_to_string(t, 0, small, sizeof small);
    assert_int_equal(need, strlen("Thu Jan 01 01:00:00 CET 1970"));
    assert_string_equal(small, "Thu Jan");
    assert_int_equal(nf_std_time_to_string(t, 0, NULL, 0), need);
    char buf[64];
    assert_int_equal(nf_std_time_to_string(t, INT64_MAX, buf, sizeof buf), 0); /* out of range */
    assert_string_equal(buf, "");
}

/* ---- [%tokens%] ------------------------------------------------------------------------ */

typedef struct {
    const char *token;
    const char *iso; /* NULL = PARSE */
} token_row;

/* now = Wed 2007-02-07 01:01:30.500 CET = 00:01:30.500 UTC */
#define NOW "2007-02-07T00:01:30.500Z"
static const token_row TOKEN_ROWS[] = {
    {"[%CurrentDateTime%]", "2007-02-07T00:01:30.500Z"},
    {"CurrentDateTime", "2007-02-07T00:01:30.500Z"},
    {"[%BeginOfCurrentMinute%]", "2007-02-07T00:01:00.000Z"},
    {"[%EndOfCurrentMinute%]", "2007-02-07T00:01:59.999Z"},
    {"[%BeginOfCurrentMinuteUTC%]", "2007-02-07T00:01:00.000Z"},
    {"[%BeginOfCurrentHour%]", "2007-02-07T00:00:00.000Z"},
    {"[%EndOfCurrentHour%]", "2007-02-07T00:59:59.999Z"},
    {"[%EndOfCurrentHourUTC%]", "2007-02-07T00:59:59.999Z"},
    {"[%BeginOfCurrentDay%]", "2007-02-06T23:00:00.000Z"},
    {"[%EndOfCurrentDay%]", "2007-02-07T22:59:59.999Z"},
    {"[%BeginOfCurrentDayUTC%]", "2007-02-07T00:00:00.000Z"},
    {"[%EndOfCurrentDayUTC%]", "2007-02-07T23:59:59.999Z"},
    {"[%BeginOfYesterday%]", "2007-02-05T23:00:00.000Z"},
    {"[%EndOfYesterday%]", "2007-02-06T22:59:59.999Z"},
    {"[%BeginOfYesterdayUTC%]", "2007-02-06T00:00:00.000Z"},
    {"[%BeginOfTomorrow%]", "2007-02-07T23:00:00.000Z"},
    {"[%EndOfTomorrow%]", "2007-02-08T22:59:59.999Z"},
    {"[%EndOfTomorrowUTC%]", "2007-02-08T23:59:59.999Z"},
    {"[%BeginOfCurrentWeek%]", "2007-02-03T23:00:00.000Z"}, /* Sunday Feb 4 (en_US) */
    {"[%EndOfCurrentWeek%]", "2007-02-10T22:59:59.999Z"},
    {"[%BeginOfCurrentWeekUTC%]", "2007-02-04T00:00:00.000Z"},
    {"[%BeginOfCurrentMonth%]", "2007-01-31T23:00:00.000Z"},
    {"[%EndOfCurrentMonth%]", "2007-02-28T22:59:59.999Z"},
    {"[%EndOfCurrentMonthUTC%]", "2007-02-28T23:59:59.999Z"},
    {"[%BeginOfCurrentYear%]", "2006-12-31T23:00:00.000Z"},
    {"[%EndOfCurrentYear%]", "2007-12-31T22:59:59.999Z"},
    {"[%BeginOfCurrentYearUTC%]", "2007-01-01T00:00:00.000Z"},
    /* unknown */
    {"[%CurrentUser%]", NULL},
    {"[%BeginOfNextWeek%]", NULL},
    {"[%beginofcurrentday%]", NULL},
    {"[%BeginOfCurrentDay", NULL},
    {"[%CurrentDateTimeUTC%]", NULL},
    {"[%BeginOf%]", NULL},
    {"[%DayLength%]", NULL},
    {"", NULL},
};

static void tokens(void **state) {
    nf_std_time *t = *state;
    int64_t now = at(t, NOW);
    for (size_t i = 0; i < sizeof TOKEN_ROWS / sizeof TOKEN_ROWS[0]; i++) {
        const token_row *r = &TOKEN_ROWS[i];
        int64_t out = -42;
        nf_std_time_status s = nf_std_time_token(t, r->token, now, &out);
        if (!r->iso) {
            if (s != NF_STD_TIME_PARSE) fail_msg("%s: status %d, want PARSE", r->token, s);
            assert_int_equal(out, -42);
            continue;
        }
        if (s != NF_STD_TIME_OK) fail_msg("%s: status %d (%s)", r->token, s, nf_std_time_error(t));
        expect_str(t, r->token, out, NULL, r->iso);
    }
    int64_t out;
    assert_int_equal(nf_std_time_token(t, NULL, now, &out), NF_STD_TIME_PARSE);
    assert_int_equal(nf_std_time_token(t, "[%Foo%]", now, &out), NF_STD_TIME_PARSE);
    assert_string_equal(nf_std_time_error(t), "unknown date/time token '[%Foo%]'");
}

/* ---- ISO-8601 -------------------------------------------------------------------------- */

static void iso_parse(void **state) {
    nf_std_time *t = *state;
    static const struct {
        const char *text, *iso;
    } rows[] = {
        {"2007-01-01T00:00:00.000Z", "2007-01-01T00:00:00.000Z"},
        {"2007-01-01T01:00:00+01:00", "2007-01-01T00:00:00.000Z"},
        {"2007-01-01", "2006-12-31T23:00:00.000Z"},       /* midnight in the zone */
        {"2007-01-01T10:00", "2007-01-01T09:00:00.000Z"}, /* zone-local */
        {"2007-07-01T10:00", "2007-07-01T08:00:00.000Z"},
        {"2007-01-01 10:00:00.5", "2007-01-01T09:00:00.500Z"},
        {"2007-01-01T10:00:00.123456789Z", "2007-01-01T10:00:00.123Z"},
        {"2007-01-01T10:00-0530", "2007-01-01T15:30:00.000Z"},
        {"2007-01-01T10:00+05", "2007-01-01T05:00:00.000Z"},
        {"1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"},
        {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"},
        {"2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        expect_str(t, rows[i].text, at(t, rows[i].text), NULL, rows[i].iso);
    static const char *const bad[] = {
        "",
        "2007",
        "2007-1-1",
        "2007-13-01",
        "2007-02-29",
        "x",
        "2007-01-01T",
        "2007-01-01T24:00",
        "2007-01-01T10:60",
        "2007-01-01T10:00:61",
        "2007-01-01T10:00Zjunk",
        "2007-01-01T10:00+1",
        "2007-01-01T10:00:00.",
        "2007-01-01Z",
        "2007-01-01T10:00+19:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t out = -42;
        if (nf_std_time_parse_iso(t, bad[i], &out) != NF_STD_TIME_PARSE)
            fail_msg("'%s' should not parse", bad[i]);
        assert_int_equal(out, -42);
    }
}

static void iso_format(void **state) {
    (void)state;
    static const struct {
        int64_t ms;
        const char *iso;
    } rows[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {INT64_C(1167609600000), "2007-01-01T00:00:00.000Z"},
        {INT64_C(951782400000), "2000-02-29T00:00:00.000Z"},
        {INT64_C(141990610000), "1974-07-02T09:50:10.000Z"},
        {INT64_C(-62167219200000), "0000-01-01T00:00:00.000Z"},
        {INT64_C(-62167219200001), "-000001-12-31T23:59:59.999Z"},
        {INT64_C(253402300799999), "9999-12-31T23:59:59.999Z"},
        {INT64_C(253402300800000), "+010000-01-01T00:00:00.000Z"},
        {NF_STD_TIME_MAX_MS, "+275760-09-13T00:00:00.000Z"},
        {-NF_STD_TIME_MAX_MS, "-271821-04-20T00:00:00.000Z"},
    };
    char buf[40];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = nf_std_time_format_iso(rows[i].ms, buf, sizeof buf);
        assert_string_equal(buf, rows[i].iso);
        assert_int_equal(n, strlen(rows[i].iso));
    }
    char small[5];
    assert_int_equal(nf_std_time_format_iso(0, small, sizeof small), 24);
    assert_string_equal(small, "1970");
}

static void iso_round_trip(void **state) {
    nf_std_time *t = *state;
    for (int64_t ms = -NF_STD_TIME_MAX_MS; ms <= NF_STD_TIME_MAX_MS;
         ms += NF_STD_TIME_MAX_MS / 997) {
        char buf[40];
        nf_std_time_format_iso(ms, buf, sizeof buf);
        if (buf[0] == '+' || buf[0] == '-') continue; /* extended years are output-only */
        int64_t back;
        assert_int_equal(nf_std_time_parse_iso(t, buf, &back), NF_STD_TIME_OK);
        assert_int_equal(back, ms);
    }
}

/* ---- open / zones ---------------------------------------------------------------------- */

static void open_zone_and_locale(void **state) {
    (void)state;
    char err[128] = "x";
    assert_null(nf_std_time_open("Mars/Olympus_Mons", NULL, err, sizeof err));
    assert_string_equal(err, "unknown time zone 'Mars/Olympus_Mons' (from time zone)");
    assert_null(nf_std_time_open("Europe/Amsterdamm", NULL, NULL, 0)); /* err is optional */

    nf_std_time *t = open_zone("Europe/Amsterdam", NULL);
    assert_string_equal(nf_std_time_zone_id(t), "Europe/Amsterdam");
    assert_string_equal(nf_std_time_error(t), "");
    nf_std_time_close(t);
    nf_std_time_close(NULL);

    /* NULL or "" = the TZ environment variable, else UTC */
    char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    setenv("TZ", "Europe/Berlin", 1);
    t = open_zone(NULL, NULL);
    assert_string_equal(nf_std_time_zone_id(t), "Europe/Berlin");
    nf_std_time_close(t);
    setenv("TZ", ":America/New_York", 1);
    t = open_zone("", NULL);
    assert_string_equal(nf_std_time_zone_id(t), "America/New_York");
    expect_str(t, "TZ", 0, "Wed Dec 31 19:00:00 EST 1969", NULL);
    nf_std_time_close(t);
    setenv("TZ", "Bogus/Zone", 1);
    assert_null(nf_std_time_open(NULL, NULL, err, sizeof err));
    assert_string_equal(err, "unknown time zone 'Bogus/Zone' (from TZ environment variable)");
    unsetenv("TZ");
    t = open_zone(NULL, NULL);
    assert_string_equal(nf_std_time_zone_id(t), "UTC");
    nf_std_time_close(t);
    if (saved) setenv("TZ", saved, 1);
    free(saved);
}

/* Values beyond +-8.64e15 ms are rejected everywhere instead of losing precision in ICU. */
static void out_of_range_instants(void **state) {
    nf_std_time *t = *state;
    const int64_t bad[] = {NF_STD_TIME_MAX_MS + 1, -NF_STD_TIME_MAX_MS - 1, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < 4; i++) {
        int64_t out = 7;
        char *s = NULL;
        assert_int_equal(nf_std_time_add(t, false, NF_STD_DAY, 1, bad[i], &out), NF_STD_TIME_RANGE);
        assert_int_equal(nf_std_time_begin(t, true, NF_STD_MONTH, bad[i], &out), NF_STD_TIME_RANGE);
        assert_int_equal(nf_std_time_end(t, false, NF_STD_DAY, bad[i], &out), NF_STD_TIME_RANGE);
        assert_int_equal(nf_std_time_trim(t, false, NF_STD_SECOND, bad[i], &out),
                         NF_STD_TIME_RANGE);
        assert_int_equal(nf_std_time_calendar_between(t, NF_STD_YEAR, 0, bad[i], &out),
                         NF_STD_TIME_RANGE);
        assert_int_equal(nf_std_time_token(t, "[%BeginOfCurrentDay%]", bad[i], &out),
                         NF_STD_TIME_RANGE);
        assert_int_equal(nf_std_time_format(t, false, 0, NULL, bad[i], &s), NF_STD_TIME_RANGE);
        assert_null(s);
        assert_int_equal(out, 7);
    }
    /* the extremes work */
    int64_t out;
    assert_int_equal(nf_std_time_trim(t, true, NF_STD_DAY, NF_STD_TIME_MAX_MS, &out),
                     NF_STD_TIME_OK);
    assert_int_equal(out, NF_STD_TIME_MAX_MS);
    char *s = NULL;
    assert_int_equal(nf_std_time_format(t, true, 0, "yyyy-MM-dd G", -NF_STD_TIME_MAX_MS, &s),
                     NF_STD_TIME_OK);
    assert_string_equal(s, "271822-04-20 BC"); /* proleptic Gregorian; year 0 is 1 BC */
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(date_creation, setup_ams, teardown),
        cmocka_unit_test_setup_teardown(range_errors_name_the_field, setup_ams, teardown),
        cmocka_unit_test(epoch_example_in_utc),
        cmocka_unit_test(expanded_years_round_trip),
        cmocka_unit_test_setup_teardown(add_and_subtract, setup_ams, teardown),
        cmocka_unit_test_setup_teardown(add_overflow_is_a_range_error, setup_ams, teardown),
        cmocka_unit_test_setup_teardown(between_examples_as_millisecond_differences, setup_ams,
                                        teardown),
        cmocka_unit_test_setup_teardown(calendar_between, setup_ams, teardown),
        cmocka_unit_test_setup_teardown(begin_end_trim, setup_ams, teardown),
        cmocka_unit_test(week_start_follows_the_locale),
        cmocka_unit_test_setup_teardown(format, setup_ams, teardown),
        cmocka_unit_test_setup_teardown(format_error_names_the_letter, setup_ams, teardown),
        cmocka_unit_test(format_in_other_locales),
        cmocka_unit_test_setup_teardown(formatter_cache_recycles, setup_ams, teardown),
        cmocka_unit_test_setup_teardown(parse, setup_ams, teardown),
        cmocka_unit_test_setup_teardown(parse_error_names_text_and_pattern, setup_ams, teardown),
        cmocka_unit_test_setup_teardown(format_parse_round_trip, setup_ams, teardown),
        cmocka_unit_test(to_string_zone_names),
        cmocka_unit_test_setup_teardown(to_string_is_snprintf_like, setup_ams, teardown),
        cmocka_unit_test_setup_teardown(tokens, setup_ams, teardown),
        cmocka_unit_test_setup_teardown(iso_parse, setup_ams, teardown),
        cmocka_unit_test(iso_format),
        cmocka_unit_test_setup_teardown(iso_round_trip, setup_ams, teardown),
        cmocka_unit_test(open_zone_and_locale),
        cmocka_unit_test_setup_teardown(out_of_range_instants, setup_ams, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
