/* std_time: the date/time library behind the expression built-ins (dateTime, add*, subtract*,
 * beginOf*, endOf*, trimTo*, calendar*Between, format*, parseDateTime*, toString, [%tokens%]).
 *
 * Pure library on ICU; no VM dependency. A Date and time value is an int64 count of milliseconds
 * since 1970-01-01T00:00:00Z. Values are limited to +-NF_STD_TIME_MAX_MS (the ECMAScript range,
 * about +-273,790 years); anything outside is NF_STD_TIME_RANGE, so converting to ICU's double
 * UDate is always exact.
 *
 * Conventions (see tests/unit/test_time.c for the executable specification):
 *  - Every function takes an nf_std_time (a time zone + a locale). `utc` = the *UTC variant of a
 *    Mendix function: the same computation in UTC instead of the zone.
 *  - The calendar is the proleptic Gregorian calendar (no Julian switch in 1582), so ICU, the
 *    ISO-8601 helpers and plain arithmetic agree for every value in range.
 *  - Week boundaries (beginOfWeek/endOfWeek, [%BeginOfCurrentWeek%]) and week numbers ('w', 'W',
 *    'Y') follow the locale: en_US weeks start on Sunday, nl_NL/en_GB weeks on Monday.
 *  - Wall times that do not exist (spring-forward gap) move forward by the gap (02:30 -> 03:30
 *    CEST); wall times that occur twice (fall-back) mean the later, standard-time instant. This is
 *    what Java's lenient GregorianCalendar does.
 *  - On failure a function returns a non-OK status, leaves *out untouched and stores a message for
 *    the user in nf_std_time_error(t). No global mutable state: all caches live in nf_std_time.
 *  - Not thread-safe: one nf_std_time per runtime (per thread).
 */
#ifndef NF_STD_TIME_H
#define NF_STD_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NF_STD_TIME_MAX_MS INT64_C(8640000000000000)

typedef struct nf_std_time nf_std_time;

typedef enum {
    NF_STD_TIME_OK = 0,
    NF_STD_TIME_RANGE,   /* argument or result out of range (field values, overflow) */
    NF_STD_TIME_PARSE,   /* text (or token) could not be parsed */
    NF_STD_TIME_PATTERN, /* invalid format pattern */
    NF_STD_TIME_NOMEM
} nf_std_time_status;

typedef enum {
    NF_STD_MS,
    NF_STD_SECOND,
    NF_STD_MINUTE,
    NF_STD_HOUR,
    NF_STD_DAY,
    NF_STD_WEEK,
    NF_STD_MONTH,
    NF_STD_QUARTER,
    NF_STD_YEAR
} nf_std_time_unit;

typedef enum { NF_STD_FMT_DATETIME, NF_STD_FMT_DATE, NF_STD_FMT_TIME } nf_std_time_fmt;

/* tz: an IANA id ("Europe/Amsterdam"), "UTC", or NULL/"" = the TZ environment variable (a
 * leading ':' is ignored), or UTC when TZ is unset/empty. An unknown id (also from TZ) is an
 * error: returns NULL with a message in err. locale NULL = "en_US". */
nf_std_time *nf_std_time_open(const char *tz, const char *locale, char *err, size_t errn);
void nf_std_time_close(nf_std_time *t);
/* The zone id as resolved at open (e.g. the value of TZ, or "UTC"). */
const char *nf_std_time_zone_id(const nf_std_time *t);
/* Message of the last failed call ("" if none failed yet). */
const char *nf_std_time_error(const nf_std_time *t);

/* dateTime / dateTimeUTC with n = 1..6 fields (year, month, day, hour, minute, second); missing
 * month/day = 1, missing time = 0. Per the Mendix date-creation page: year 1800..9999, month
 * 1..12, day 1..31 and existing in that month (Feb 30 is RANGE, not rolled over), hour 0..23,
 * minute 0..59, second 0..59. Anything else is RANGE. */
nf_std_time_status nf_std_time_make(nf_std_time *t, bool utc, const int64_t *fields, int n,
                                    int64_t *out_ms);

/* add<Unit>[UTC]: MS..HOUR are exact arithmetic on the instant (utc is irrelevant); DAY and up
 * keep the wall-clock time in the zone (or UTC), and MONTH/QUARTER/YEAR clamp the day to the end
 * of the target month (Jan 31 + 1 month = Feb 28/29). Overflow -> RANGE. */
nf_std_time_status nf_std_time_add(nf_std_time *t, bool utc, nf_std_time_unit u, int64_t amount,
                                   int64_t ms, int64_t *out);
/* subtract<Unit>[UTC] = add of -amount; amount INT64_MIN is RANGE. */
nf_std_time_status nf_std_time_subtract(nf_std_time *t, bool utc, nf_std_time_unit u,
                                        int64_t amount, int64_t ms, int64_t *out);

/* calendarMonthsBetween / calendarYearsBetween (u = MONTH or YEAR) in the zone: the absolute
 * number of whole calendar months between the two dates, times ignored. A month is complete when
 * the later date's day-of-month is >= the earlier one's (java.time's LocalDate.until rule:
 * Jan 31 -> Feb 28 is 0 months, Jan 31 -> Mar 1 is 1). Years = months / 12. Never negative. */
nf_std_time_status nf_std_time_calendar_between(nf_std_time *t, nf_std_time_unit u, int64_t a,
                                                int64_t b, int64_t *out);

/* beginOf<Unit>: the first millisecond of the period containing ms (u = SECOND..YEAR; MS is the
 * identity). endOf<Unit>: the last millisecond of that period (23:59:59.999 for DAY), i.e. the
 * begin of the next period minus 1 ms. trimTo<Unit> = begin. SECOND/MINUTE/HOUR keep the UTC
 * offset of ms, so trimming inside a repeated (fall-back) hour stays in that hour. */
nf_std_time_status nf_std_time_begin(nf_std_time *t, bool utc, nf_std_time_unit u, int64_t ms,
                                     int64_t *out);
nf_std_time_status nf_std_time_end(nf_std_time *t, bool utc, nf_std_time_unit u, int64_t ms,
                                   int64_t *out);
nf_std_time_status nf_std_time_trim(nf_std_time *t, bool utc, nf_std_time_unit u, int64_t ms,
                                    int64_t *out);

/* formatDateTime[UTC](d[, pattern]), formatDate[UTC](d), formatTime[UTC](d). pattern is a Java
 * SimpleDateFormat pattern (letters GyYMLwWDdFEuaHkKhmsSzZX; any other ASCII letter outside
 * quotes is PATTERN). Java semantics are kept where ICU differs: 'u' = ISO day number (1 = Monday),
 * 'S' = milliseconds as a number, 'z' = Java short zone names (CET, CEST, EST, GMT+05:30),
 * EEEEE/MMMMM = full names. pattern NULL = the locale's SHORT style per kind (en_US: "7/2/74",
 * "9:50 AM", "7/2/74, 9:50 AM"). ICU's narrow/thin spaces are written as plain spaces.
 * *out = malloc'd NUL-terminated UTF-8; free() it. */
nf_std_time_status nf_std_time_format(nf_std_time *t, bool utc, nf_std_time_fmt kind,
                                      const char *pattern, int64_t ms, char **out);

/* parseDateTime[UTC](text, pattern): lenient like Java's DateFormat.parse: out-of-range fields
 * roll over ("35-11-2015" with dd-MM-yyyy = 2015-12-05), fields missing from the pattern default
 * to 1970-01-01 00:00:00.000, text after the parsed part is ignored, 'yy' uses the 80/20 rule.
 * Failure (nothing parsed, invalid UTF-8) = PARSE, message names text and pattern. In patterns for
 * parsing, 'u' is read as a locale day-of-week number. */
nf_std_time_status nf_std_time_parse(nf_std_time *t, bool utc, const char *pattern,
                                     const char *text, int64_t *out);

/* toString(DateTime): Java's Date.toString form "Mon Jan 01 00:00:00 CET 2007" in the zone
 * (always English; short zone name CET/CEST/UTC/EST/BST, else GMT+hh:mm). Writes at most n bytes
 * (NUL-terminated when n > 0) and returns the length needed, like snprintf. */
size_t nf_std_time_to_string(nf_std_time *t, int64_t ms, char *buf, size_t n);

/* [%Token%] (brackets optional): CurrentDateTime, or BeginOf|EndOf + CurrentMinute|CurrentHour|
 * CurrentDay|Yesterday|Tomorrow|CurrentWeek|CurrentMonth|CurrentYear + optional UTC, relative
 * to now_ms. EndOf = the last millisecond of the period (as endOf*). Unknown token = PARSE. */
nf_std_time_status nf_std_time_token(nf_std_time *t, const char *token, int64_t now_ms,
                                     int64_t *out);

/* ISO-8601 for the CLI. Accepts YYYY-MM-DD (midnight in the zone), YYYY-MM-DDTHH:MM[:SS[.f]]
 * (zone-local unless followed by Z, +hh:mm, +hhmm or +hh; 'T' may be a space; fractions beyond
 * milliseconds are truncated). Anything else = PARSE. */
nf_std_time_status nf_std_time_parse_iso(nf_std_time *t, const char *text, int64_t *out);
/* Always UTC with milliseconds: "2007-01-01T00:00:00.000Z" (years outside 0..9999 as +/-YYYYYY).
 * snprintf-like: returns the length needed. */
size_t nf_std_time_format_iso(int64_t ms, char *buf, size_t n);
/* The strict UTC form the sync protocol uses: YYYY-MM-DDTHH:MM:SS[.fff]Z, years outside
 * 0000-9999 as ±YYYYYY (what nf_std_time_format_iso writes). Needs no zone. */
bool nf_std_time_parse_utc(const char *text, int64_t *out);

#endif
