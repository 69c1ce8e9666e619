/* std_time: date/time functions on ICU. See std_time.h for the semantics. */
#include "std_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/ustring.h>

#define MS_PER_SECOND INT64_C(1000)
#define MS_PER_MINUTE INT64_C(60000)
#define MS_PER_HOUR   INT64_C(3600000)
#define MS_PER_DAY    INT64_C(86400000)

#define FMT_CACHE_SLOTS 8
/* Before the earliest representable instant: makes ICU calendars proleptic Gregorian. */
#define GREGORIAN_FOREVER (-9.0e15)

typedef enum { OP_FORMAT, OP_PARSE } fmt_op;

/* One cached ICU formatter; key = (op, utc, kind, Java pattern or NULL for the default). */
typedef struct {
    UDateFormat *df;
    char *pattern;
    fmt_op op;
    bool utc;
    nf_std_time_fmt kind;
    bool dynamic; /* pattern has Java-only letters that are substituted per value */
    unsigned stamp;
} fmt_slot;

struct nf_std_time {
    char zone[128];
    char locale[64];
    UChar zone16[128];
    UCalendar *zcal; /* the zone */
    UCalendar *ucal; /* UTC */
    fmt_slot slots[FMT_CACHE_SLOTS];
    unsigned tick;
    char err[512];
};

static nf_std_time_status fail(nf_std_time *t, nf_std_time_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->err, sizeof t->err, fmt, ap);
    va_end(ap);
    return s;
}

static bool in_range(int64_t ms) {
    return ms >= -NF_STD_TIME_MAX_MS && ms <= NF_STD_TIME_MAX_MS;
}

static nf_std_time_status range_err(nf_std_time *t, int64_t ms) {
    return fail(t, NF_STD_TIME_RANGE, "date/time value %lld ms is out of range (max +-%lld ms)",
                (long long)ms, (long long)NF_STD_TIME_MAX_MS);
}

/* Exact: |ms| <= 8.64e15 < 2^53. */
static UDate to_udate(int64_t ms) {
    return (UDate)ms;
}

static bool from_udate(UDate d, int64_t *ms) {
    if (!(d >= -(double)NF_STD_TIME_MAX_MS && d <= (double)NF_STD_TIME_MAX_MS)) return false;
    int64_t v = (int64_t)d;
    if ((UDate)v != d) return false; /* ICU never yields fractions; refuse rather than round */
    *ms = v;
    return true;
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

static bool is_leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int64_t m) {
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (era-based, exact for any int32 year). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* ---- open / close ---------------------------------------------------------------------- */

static UCalendar *open_cal(const UChar *zone, const char *locale) {
    UErrorCode st = U_ZERO_ERROR;
    UCalendar *c = ucal_open(zone, -1, locale, UCAL_GREGORIAN, &st);
    if (U_FAILURE(st)) return NULL;
    ucal_setGregorianChange(c, GREGORIAN_FOREVER, &st);
    if (U_FAILURE(st)) {
        ucal_close(c);
        return NULL;
    }
    return c;
}

nf_std_time *nf_std_time_open(const char *tz, const char *locale, char *err, size_t errn) {
    if (err && errn) err[0] = '\0';
    const char *src = "time zone";
    if (!tz || !*tz) {
        tz = getenv("TZ");
        src = "TZ environment variable";
        if (tz && *tz == ':') tz++;
        if (!tz || !*tz) tz = "UTC";
    }
    if (!locale || !*locale) locale = "en_US";
    if (strlen(tz) >= sizeof((nf_std_time *)0)->zone ||
        strlen(locale) >= sizeof((nf_std_time *)0)->locale) {
        if (err && errn) snprintf(err, errn, "%s name too long", src);
        return NULL;
    }
    nf_std_time *t = calloc(1, sizeof *t);
    if (!t) {
        if (err && errn) snprintf(err, errn, "out of memory");
        return NULL;
    }
    strcpy(t->zone, tz);
    strcpy(t->locale, locale);
    u_uastrncpy(t->zone16, tz, (int32_t)(sizeof t->zone16 / sizeof t->zone16[0]));
    /* ucal_open silently falls back to "Etc/Unknown" (GMT); insist on a known id. UTC is
     * known without asking ICU, which would load its zone data at start-up. */
    UChar canon[128];
    UBool is_system = 1;
    UErrorCode st = U_ZERO_ERROR;
    if (strcmp(tz, "UTC") != 0)
        ucal_getCanonicalTimeZoneID(t->zone16, -1, canon, 128, &is_system, &st);
    if (U_FAILURE(st) || !is_system) {
        if (err && errn) snprintf(err, errn, "unknown time zone '%s' (from %s)", tz, src);
        free(t);
        return NULL;
    }
    /* the calendars open at their first use: a runtime that never touches a date does not
     * pay for ICU's calendar and locale data (time and memory at start-up) */
    return t;
}

/* The zone's calendar or UTC's, opened on first use; NULL when ICU cannot open it. */
static UCalendar *the_cal(nf_std_time *t, bool utc) {
    static const UChar utc16[] = {'U', 'T', 'C', 0};
    UCalendar **c = utc ? &t->ucal : &t->zcal;
    if (!*c) *c = open_cal(utc ? utc16 : t->zone16, t->locale);
    return *c;
}

void nf_std_time_close(nf_std_time *t) {
    if (!t) return;
    for (int i = 0; i < FMT_CACHE_SLOTS; i++) {
        if (t->slots[i].df) udat_close(t->slots[i].df);
        free(t->slots[i].pattern);
    }
    if (t->zcal) ucal_close(t->zcal);
    if (t->ucal) ucal_close(t->ucal);
    free(t);
}

const char *nf_std_time_zone_id(const nf_std_time *t) {
    return t->zone;
}
const char *nf_std_time_error(const nf_std_time *t) {
    return t->err;
}

/* ---- calendar helpers ------------------------------------------------------------------ */

static UCalendar *cal_at(nf_std_time *t, bool utc, int64_t ms) {
    UCalendar *c = the_cal(t, utc);
    if (!c) return NULL;
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(c, to_udate(ms), &st);
    return U_FAILURE(st) ? NULL : c;
}

static nf_std_time_status cal_result(nf_std_time *t, UCalendar *c, int64_t *out) {
    UErrorCode st = U_ZERO_ERROR;
    UDate d = ucal_getMillis(c, &st);
    if (U_FAILURE(st) || !from_udate(d, out))
        return fail(t, NF_STD_TIME_RANGE, "date/time result is out of range");
    return NF_STD_TIME_OK;
}

static int32_t offset_ms(UCalendar *c) {
    UErrorCode st = U_ZERO_ERROR;
    return ucal_get(c, UCAL_ZONE_OFFSET, &st) + ucal_get(c, UCAL_DST_OFFSET, &st);
}

/* Wall-clock fields -> instant in the zone (or UTC); the fields must already be valid. */
static nf_std_time_status local_to_ms(nf_std_time *t, bool utc, int64_t y, int mo, int d, int h,
                                      int mi, int s, int ms, int64_t *out) {
    UCalendar *c = the_cal(t, utc);
    if (!c) return fail(t, NF_STD_TIME_RANGE, "cannot open an ICU calendar");
    UErrorCode st = U_ZERO_ERROR;
    ucal_clear(c);
    ucal_setDateTime(c, (int32_t)y, mo - 1, d, h, mi, s, &st);
    ucal_set(c, UCAL_MILLISECOND, ms);
    if (U_FAILURE(st)) return fail(t, NF_STD_TIME_RANGE, "invalid date/time fields");
    return cal_result(t, c, out);
}

nf_std_time_status nf_std_time_make(nf_std_time *t, bool utc, const int64_t *fields, int n,
                                    int64_t *out_ms) {
    static const char *const names[6] = {"year", "month", "day", "hour", "minute", "second"};
    static const int64_t lo[6] = {1800, 1, 1, 0, 0, 0};
    static const int64_t hi[6] = {9999, 12, 31, 23, 59, 59};
    if (n < 1 || n > 6)
        return fail(t, NF_STD_TIME_RANGE, "dateTime takes 1 to 6 arguments, got %d", n);
    int64_t f[6] = {0, 1, 1, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        if (fields[i] < lo[i] || fields[i] > hi[i])
            return fail(t, NF_STD_TIME_RANGE,
                        "dateTime: %s must be between %lld and %lld, got %lld", names[i],
                        (long long)lo[i], (long long)hi[i], (long long)fields[i]);
        f[i] = fields[i];
    }
    if (f[2] > days_in_month(f[0], f[1]))
        return fail(t, NF_STD_TIME_RANGE, "dateTime: day %lld does not exist in %04lld-%02lld",
                    (long long)f[2], (long long)f[0], (long long)f[1]);
    return local_to_ms(t, utc, f[0], (int)f[1], (int)f[2], (int)f[3], (int)f[4], (int)f[5], 0,
                       out_ms);
}

/* ---- add / subtract -------------------------------------------------------------------- */

static const char *unit_name(nf_std_time_unit u) {
    static const char *const n[] = {"milliseconds", "seconds", "minutes",  "hours", "days",
                                    "weeks",        "months",  "quarters", "years"};
    return (unsigned)u <= NF_STD_YEAR ? n[u] : "?";
}

nf_std_time_status nf_std_time_add(nf_std_time *t, bool utc, nf_std_time_unit u, int64_t amount,
                                   int64_t ms, int64_t *out) {
    if (!in_range(ms)) return range_err(t, ms);
    static const int64_t fixed[4] = {1, MS_PER_SECOND, MS_PER_MINUTE, MS_PER_HOUR};
    if ((unsigned)u <= NF_STD_HOUR) {
        int64_t delta, r;
        if (__builtin_mul_overflow(amount, fixed[u], &delta) ||
            __builtin_add_overflow(ms, delta, &r) || !in_range(r))
            return fail(t, NF_STD_TIME_RANGE, "adding %lld %s to %lld ms is out of range",
                        (long long)amount, unit_name(u), (long long)ms);
        *out = r;
        return NF_STD_TIME_OK;
    }
    /* Bound the amount first so it fits ICU's int32 and cannot overflow inside ICU; anything
     * larger would leave the +-8.64e15 ms range anyway. */
    int64_t months_or_days;
    UCalendarDateFields field;
    switch (u) {
    case NF_STD_DAY: field = UCAL_DATE, months_or_days = amount; break;
    case NF_STD_WEEK:
        field = UCAL_DATE;
        months_or_days = amount > INT64_MAX / 7 || amount < INT64_MIN / 7 ? INT64_MAX : amount * 7;
        break;
    case NF_STD_MONTH: field = UCAL_MONTH, months_or_days = amount; break;
    case NF_STD_QUARTER:
        field = UCAL_MONTH;
        months_or_days = amount > INT64_MAX / 3 || amount < INT64_MIN / 3 ? INT64_MAX : amount * 3;
        break;
    case NF_STD_YEAR:
        field = UCAL_MONTH;
        months_or_days =
            amount > INT64_MAX / 12 || amount < INT64_MIN / 12 ? INT64_MAX : amount * 12;
        break;
    default: return fail(t, NF_STD_TIME_RANGE, "invalid time unit %d", (int)u);
    }
    if (months_or_days > 250000000 || months_or_days < -250000000)
        return fail(t, NF_STD_TIME_RANGE, "adding %lld %s to %lld ms is out of range",
                    (long long)amount, unit_name(u), (long long)ms);
    UCalendar *c = cal_at(t, utc, ms);
    UErrorCode st = U_ZERO_ERROR;
    if (c) ucal_add(c, field, (int32_t)months_or_days, &st);
    if (!c || U_FAILURE(st) || cal_result(t, c, out) != NF_STD_TIME_OK)
        return fail(t, NF_STD_TIME_RANGE, "adding %lld %s to %lld ms is out of range",
                    (long long)amount, unit_name(u), (long long)ms);
    return NF_STD_TIME_OK;
}

nf_std_time_status nf_std_time_subtract(nf_std_time *t, bool utc, nf_std_time_unit u,
                                        int64_t amount, int64_t ms, int64_t *out) {
    if (amount == INT64_MIN)
        return fail(t, NF_STD_TIME_RANGE, "subtracting %lld %s is out of range", (long long)amount,
                    unit_name(u));
    return nf_std_time_add(t, utc, u, -amount, ms, out);
}

/* ---- between --------------------------------------------------------------------------- */

static void local_ymd(UCalendar *c, int64_t *y, int *m, int *d) {
    *y = 0;
    *m = *d = 0;
    if (!c) return; /* ICU could not open a calendar (out of memory) */
    UErrorCode st = U_ZERO_ERROR;
    *y = ucal_get(c, UCAL_EXTENDED_YEAR, &st);
    *m = ucal_get(c, UCAL_MONTH, &st) + 1;
    *d = ucal_get(c, UCAL_DATE, &st);
}

nf_std_time_status nf_std_time_calendar_between(nf_std_time *t, nf_std_time_unit u, int64_t a,
                                                int64_t b, int64_t *out) {
    if (u != NF_STD_MONTH && u != NF_STD_YEAR)
        return fail(t, NF_STD_TIME_RANGE, "calendar difference only in months or years");
    if (!in_range(a)) return range_err(t, a);
    if (!in_range(b)) return range_err(t, b);
    if (a > b) {
        int64_t tmp = a;
        a = b;
        b = tmp;
    }
    int64_t y1, y2;
    int m1, d1, m2, d2;
    local_ymd(cal_at(t, false, a), &y1, &m1, &d1);
    local_ymd(cal_at(t, false, b), &y2, &m2, &d2);
    int64_t months = (y2 * 12 + m2) - (y1 * 12 + m1);
    if (months > 0 && d2 < d1) months--;
    *out = u == NF_STD_YEAR ? months / 12 : months;
    return NF_STD_TIME_OK;
}

/* ---- begin / end / trim ---------------------------------------------------------------- */

static int first_day_of_week(nf_std_time *t) {
    UCalendar *c = the_cal(t, false);
    return c ? ucal_getAttribute(c, UCAL_FIRST_DAY_OF_WEEK) : UCAL_SUNDAY;
}

nf_std_time_status nf_std_time_begin(nf_std_time *t, bool utc, nf_std_time_unit u, int64_t ms,
                                     int64_t *out) {
    if (!in_range(ms)) return range_err(t, ms);
    static const int64_t fixed[4] = {1, MS_PER_SECOND, MS_PER_MINUTE, MS_PER_HOUR};
    UCalendar *c = cal_at(t, utc, ms);
    if (!c) return range_err(t, ms);
    if ((unsigned)u <= NF_STD_HOUR) {
        /* Truncate the wall-clock time but keep this instant's offset (see header). */
        int64_t local = ms + offset_ms(c);
        int64_t r = ms - (local - floor_div(local, fixed[u]) * fixed[u]);
        if (!in_range(r)) return range_err(t, r);
        *out = r;
        return NF_STD_TIME_OK;
    }
    UErrorCode st = U_ZERO_ERROR;
    switch (u) {
    case NF_STD_DAY: break;
    case NF_STD_WEEK: {
        int back = (ucal_get(c, UCAL_DAY_OF_WEEK, &st) - first_day_of_week(t) + 7) % 7;
        ucal_add(c, UCAL_DATE, -back, &st);
        break;
    }
    case NF_STD_MONTH: ucal_set(c, UCAL_DATE, 1); break;
    case NF_STD_QUARTER: {
        int m = ucal_get(c, UCAL_MONTH, &st);
        ucal_set(c, UCAL_MONTH, m - m % 3);
        ucal_set(c, UCAL_DATE, 1);
        break;
    }
    case NF_STD_YEAR:
        ucal_set(c, UCAL_MONTH, UCAL_JANUARY);
        ucal_set(c, UCAL_DATE, 1);
        break;
    default: return fail(t, NF_STD_TIME_RANGE, "invalid time unit %d", (int)u);
    }
    ucal_set(c, UCAL_HOUR_OF_DAY, 0);
    ucal_set(c, UCAL_MINUTE, 0);
    ucal_set(c, UCAL_SECOND, 0);
    ucal_set(c, UCAL_MILLISECOND, 0);
    if (U_FAILURE(st)) return range_err(t, ms);
    return cal_result(t, c, out);
}

nf_std_time_status nf_std_time_end(nf_std_time *t, bool utc, nf_std_time_unit u, int64_t ms,
                                   int64_t *out) {
    int64_t b, next;
    nf_std_time_status s = nf_std_time_begin(t, utc, u, ms, &b);
    if (s != NF_STD_TIME_OK) return s;
    if (u == NF_STD_MS) {
        *out = b;
        return NF_STD_TIME_OK;
    }
    /* For SECOND..HOUR plain arithmetic (add ignores utc); calendar units step in the zone. */
    s = nf_std_time_add(t, utc, u, 1, b, &next);
    if (s != NF_STD_TIME_OK) return s;
    *out = next - 1;
    return NF_STD_TIME_OK;
}

nf_std_time_status nf_std_time_trim(nf_std_time *t, bool utc, nf_std_time_unit u, int64_t ms,
                                    int64_t *out) {
    return nf_std_time_begin(t, utc, u, ms, out);
}

/* ---- zone names and toString ----------------------------------------------------------- */

/* Java's short zone names: ICU's en_US data lacks CET/CEST (GMT+1 there), en_GB/en_150 have
 * them and BST; anything still "GMT+h" becomes Java's "GMT+hh:mm". */
static void zone_short_name(UCalendar *c, char *buf, size_t n) {
    static const char *const locs[] = {"en_US", "en_GB", "en_150"};
    UErrorCode st = U_ZERO_ERROR;
    bool dst = ucal_inDaylightTime(c, &st);
    for (size_t i = 0; i < sizeof locs / sizeof locs[0]; i++) {
        UChar name[64];
        char a[64];
        st = U_ZERO_ERROR;
        int32_t len = ucal_getTimeZoneDisplayName(c, dst ? UCAL_SHORT_DST : UCAL_SHORT_STANDARD,
                                                  locs[i], name, 64, &st);
        if (U_FAILURE(st) || len <= 0 || len >= 64) continue;
        u_strToUTF8(a, sizeof a, NULL, name, len, &st);
        if (U_FAILURE(st)) continue;
        if (strncmp(a, "GMT", 3) != 0 || strcmp(a, "GMT") == 0) {
            snprintf(buf, n, "%s", a);
            return;
        }
    }
    int32_t off = offset_ms(c) / 60000;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    snprintf(buf, n, "GMT%c%02d:%02d", sign, (int)(off / 60), (int)(off % 60));
}

static const char *const DAY_ABBR[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const MON_ABBR[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

size_t nf_std_time_to_string(nf_std_time *t, int64_t ms, char *buf, size_t n) {
    UCalendar *c = in_range(ms) ? cal_at(t, false, ms) : NULL;
    int r;
    if (!c) {
        range_err(t, ms);
        r = snprintf(buf, n, "%s", "");
        return (size_t)r;
    }
    UErrorCode st = U_ZERO_ERROR;
    char zone[64];
    zone_short_name(c, zone, sizeof zone);
    int32_t dow = ucal_get(c, UCAL_DAY_OF_WEEK, &st);
    int32_t mon = ucal_get(c, UCAL_MONTH, &st);
    r = snprintf(buf, n, "%s %s %02d %02d:%02d:%02d %s %04d", DAY_ABBR[(dow - 1) % 7],
                 MON_ABBR[mon % 12], ucal_get(c, UCAL_DATE, &st),
                 ucal_get(c, UCAL_HOUR_OF_DAY, &st), ucal_get(c, UCAL_MINUTE, &st),
                 ucal_get(c, UCAL_SECOND, &st), zone, ucal_get(c, UCAL_EXTENDED_YEAR, &st));
    return r < 0 ? 0 : (size_t)r;
}

/* ---- tokens ---------------------------------------------------------------------------- */

nf_std_time_status nf_std_time_token(nf_std_time *t, const char *token, int64_t now_ms,
                                     int64_t *out) {
    static const struct {
        const char *name;
        nf_std_time_unit unit;
        int day_shift;
    } periods[] = {
        {"CurrentMinute", NF_STD_MINUTE, 0}, {"CurrentHour", NF_STD_HOUR, 0},
        {"CurrentDay", NF_STD_DAY, 0},       {"Yesterday", NF_STD_DAY, -1},
        {"Tomorrow", NF_STD_DAY, 1},         {"CurrentWeek", NF_STD_WEEK, 0},
        {"CurrentMonth", NF_STD_MONTH, 0},   {"CurrentYear", NF_STD_YEAR, 0},
    };
    const char *p = token ? token : "";
    size_t len = strlen(p);
    if (len >= 4 && strncmp(p, "[%", 2) == 0 && strcmp(p + len - 2, "%]") == 0) {
        p += 2;
        len -= 4;
    }
    if (!in_range(now_ms)) return range_err(t, now_ms);
    if (len == 15 && strncmp(p, "CurrentDateTime", 15) == 0) {
        *out = now_ms;
        return NF_STD_TIME_OK;
    }
    bool begin;
    if (len > 7 && strncmp(p, "BeginOf", 7) == 0)
        begin = true, p += 7, len -= 7;
    else if (len > 5 && strncmp(p, "EndOf", 5) == 0)
        begin = false, p += 5, len -= 5;
    else
        goto unknown;
    bool utc = len > 3 && strncmp(p + len - 3, "UTC", 3) == 0;
    if (utc) len -= 3;
    for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
        if (strlen(periods[i].name) != len || strncmp(p, periods[i].name, len) != 0) continue;
        int64_t base = now_ms;
        nf_std_time_status s = NF_STD_TIME_OK;
        if (periods[i].day_shift)
            s = nf_std_time_add(t, utc, NF_STD_DAY, periods[i].day_shift, now_ms, &base);
        if (s != NF_STD_TIME_OK) return s;
        return begin ? nf_std_time_begin(t, utc, periods[i].unit, base, out)
                     : nf_std_time_end(t, utc, periods[i].unit, base, out);
    }
unknown:
    return fail(t, NF_STD_TIME_PARSE, "unknown date/time token '%s'", token ? token : "");
}

/* ---- ISO-8601 -------------------------------------------------------------------------- */

static bool digits(const char **pp, int n, int *v) {
    int r = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*pp)[i];
        if (ch < '0' || ch > '9') return false;
        r = r * 10 + (ch - '0');
    }
    *pp += n;
    *v = r;
    return true;
}

nf_std_time_status nf_std_time_parse_iso(nf_std_time *t, const char *text, int64_t *out) {
    const char *p = text ? text : "";
    int y, mo, d, h = 0, mi = 0, s = 0, ms = 0;
    /* ISO-8601 expanded years (±YYYYYY), as nf_std_time_format_iso writes years outside
     * 0000-9999; they must carry an offset (the zone's rules for such years are not ICU's) */
    int sign = *p == '-' ? -1 : *p == '+' ? 1 : 0;
    if (sign) p++;
    if (!digits(&p, sign ? 6 : 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        goto bad;
    if (sign) y *= sign;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) goto bad;
    if (*p == '\0') {
        if (sign) goto bad;
        return local_to_ms(t, false, y, mo, d, 0, 0, 0, 0, out);
    }
    if (*p != 'T' && *p != 't' && *p != ' ') goto bad;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi)) goto bad;
    if (*p == ':') {
        p++;
        if (!digits(&p, 2, &s)) goto bad;
        if (*p == '.' || *p == ',') {
            p++;
            int nd = 0;
            for (; *p >= '0' && *p <= '9'; p++, nd++)
                if (nd < 3) ms = ms * 10 + (*p - '0');
            if (nd == 0) goto bad;
            for (; nd < 3; nd++)
                ms *= 10;
        }
    }
    if (h > 23 || mi > 59 || s > 59) goto bad;
    if (*p == '\0') {
        if (sign) goto bad;
        return local_to_ms(t, false, y, mo, d, h, mi, s, ms, out);
    }
    int off_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int osign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (!digits(&p, 2, &oh)) goto bad;
        if (*p == ':') p++;
        if (*p && !digits(&p, 2, &om)) goto bad;
        if (oh > 18 || om > 59) goto bad;
        off_min = osign * (oh * 60 + om);
    } else {
        goto bad;
    }
    if (*p != '\0') goto bad;
    *out = days_from_civil(y, mo, d) * MS_PER_DAY + h * MS_PER_HOUR + mi * MS_PER_MINUTE +
           s * MS_PER_SECOND + ms - off_min * MS_PER_MINUTE;
    if (!in_range(*out)) return range_err(t, *out);
    return NF_STD_TIME_OK;
bad:
    return fail(t, NF_STD_TIME_PARSE,
                "cannot parse '%s' as an ISO-8601 date/time (expected e.g. "
                "'2007-01-01', '2007-01-01T10:00' or '2007-01-01T00:00:00.000Z')",
                text ? text : "");
}

bool nf_std_time_parse_utc(const char *text, int64_t *out) {
    const char *p = text ? text : "";
    int y, mo, d, h, mi, s, ms = 0;
    int sign = *p == '-' ? -1 : *p == '+' ? 1 : 0;
    if (sign) p++;
    if (!digits(&p, sign ? 6 : 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d) || *p++ != 'T' || !digits(&p, 2, &h) || *p++ != ':' ||
        !digits(&p, 2, &mi) || *p++ != ':' || !digits(&p, 2, &s))
        return false;
    if (sign) y *= sign;
    if (*p == '.') {
        p++;
        int nd = 0;
        for (; *p >= '0' && *p <= '9' && nd < 9; p++, nd++)
            if (nd < 3) ms = ms * 10 + (*p - '0');
        if (nd == 0) return false;
        for (; nd < 3; nd++)
            ms *= 10;
    }
    if (p[0] != 'Z' || p[1] != '\0') return false;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59)
        return false;
    *out = days_from_civil(y, mo, d) * MS_PER_DAY + h * MS_PER_HOUR + mi * MS_PER_MINUTE +
           s * MS_PER_SECOND + ms;
    return in_range(*out);
}

size_t nf_std_time_format_iso(int64_t ms, char *buf, size_t n) {
    int64_t days = floor_div(ms, MS_PER_DAY), rem = ms - days * MS_PER_DAY, y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int hh = (int)(rem / MS_PER_HOUR), mi = (int)(rem / MS_PER_MINUTE % 60);
    int ss = (int)(rem / MS_PER_SECOND % 60), fr = (int)(rem % 1000);
    int r;
    if (y >= 0 && y <= 9999)
        r = snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y, m, d, hh, mi, ss, fr);
    else
        r = snprintf(buf, n, "%c%06lld-%02d-%02dT%02d:%02d:%02d.%03dZ", y < 0 ? '-' : '+',
                     (long long)(y < 0 ? -y : y), m, d, hh, mi, ss, fr);
    return r < 0 ? 0 : (size_t)r;
}

/* ---- Java pattern translation ---------------------------------------------------------- */

typedef struct {
    UChar *p;
    int32_t len, cap;
} ubuf;

static bool ub_put(ubuf *b, UChar c) {
    if (b->len + 1 >= b->cap) {
        int32_t cap = b->cap ? b->cap * 2 : 64;
        UChar *np = realloc(b->p, (size_t)cap * sizeof *np);
        if (!np) return false;
        b->p = np;
        b->cap = cap;
    }
    b->p[b->len++] = c;
    b->p[b->len] = 0;
    return true;
}

static bool ub_run(ubuf *b, UChar c, int n) {
    for (int i = 0; i < n; i++)
        if (!ub_put(b, c)) return false;
    return true;
}

/* A quoted ICU literal for an ASCII string. */
static bool ub_literal(ubuf *b, const char *s) {
    if (!ub_put(b, '\'')) return false;
    for (; *s; s++) {
        if (*s == '\'' && !ub_put(b, '\'')) return false;
        if (!ub_put(b, (UChar)(unsigned char)*s)) return false;
    }
    return ub_put(b, '\'');
}

/* Values substituted for Java letters ICU lacks (format only). */
typedef struct {
    int iso_dow; /* 1 = Monday .. 7 = Sunday */
    int millis;
    char zone[64];
} dyn_values;

/* Java SimpleDateFormat -> ICU pattern. dyn NULL = parse mode (or a cache probe). Returns OK,
 * PATTERN (message in t->err) or NOMEM; *dynamic tells whether values were substituted. */
static nf_std_time_status translate(nf_std_time *t, const char *java, const UChar *src, int32_t n,
                                    const dyn_values *dyn, bool parse, ubuf *out, bool *dynamic) {
    *dynamic = false;
    out->len = 0;
    if (!ub_put(out, 0)) return NF_STD_TIME_NOMEM;
    out->len = 0;
    for (int32_t i = 0; i < n;) {
        UChar c = src[i];
        if (c == '\'') { /* copy quoted text ('' included) verbatim: same syntax in ICU */
            int32_t j = i + 1;
            if (j < n && src[j] == '\'') {
                j++;
            } else {
                for (;; j++) {
                    if (j >= n)
                        return fail(t, NF_STD_TIME_PATTERN,
                                    "unterminated quote in date "
                                    "pattern '%s'",
                                    java);
                    if (src[j] == '\'') {
                        if (j + 1 < n && src[j + 1] == '\'')
                            j++;
                        else
                            break;
                    }
                }
                j++;
            }
            for (; i < j; i++)
                if (!ub_put(out, src[i])) return NF_STD_TIME_NOMEM;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            if (!ub_put(out, c)) return NF_STD_TIME_NOMEM;
            i++;
            continue;
        }
        int cnt = 1;
        while (i + cnt < n && src[i + cnt] == c)
            cnt++;
        i += cnt;
        bool ok = true;
        char lit[80];
        switch (c) {
        case 'y':
        case 'Y':
        case 'd':
        case 'D':
        case 'F':
        case 'w':
        case 'W':
        case 'H':
        case 'k':
        case 'K':
        case 'h':
        case 'm':
        case 's': ok = ub_run(out, c, cnt); break;
        case 'M':
        case 'L':
        case 'E': /* Java: 4+ letters = full name; ICU 5 = narrow */
            ok = ub_run(out, c, cnt > 4 ? 4 : cnt);
            break;
        case 'G':
        case 'a':
        case 'Z': /* Java ignores the count */ ok = ub_put(out, c); break;
        case 'X':
            if (cnt > 3)
                return fail(t, NF_STD_TIME_PATTERN, "invalid pattern 'XXXX' in '%s'", java);
            ok = ub_run(out, c, cnt);
            break;
        case 'S': /* Java: milliseconds as a number; ICU: a fraction of a second */
            if (parse || cnt == 3) {
                ok = ub_run(out, c, cnt);
            } else {
                *dynamic = true;
                snprintf(lit, sizeof lit, "%0*d", cnt > 40 ? 40 : cnt, dyn ? dyn->millis : 0);
                ok = ub_literal(out, lit);
            }
            break;
        case 'u': /* Java: ISO day number; ICU 'u' is the extended year */
            if (parse) {
                ok = ub_run(out, 'e', cnt);
            } else {
                *dynamic = true;
                snprintf(lit, sizeof lit, "%0*d", cnt > 40 ? 40 : cnt, dyn ? dyn->iso_dow : 1);
                ok = ub_literal(out, lit);
            }
            break;
        case 'z': /* Java short names (CET) differ from ICU's en_US ones (GMT+1) */
            if (parse || cnt >= 4) {
                ok = ub_run(out, c, cnt >= 4 ? 4 : cnt);
            } else {
                *dynamic = true;
                ok = ub_literal(out, dyn ? dyn->zone : "UTC");
            }
            break;
        default:
            return fail(t, NF_STD_TIME_PATTERN,
                        "illegal pattern character '%c' in date pattern '%s'", (char)c, java);
        }
        if (!ok) return NF_STD_TIME_NOMEM;
    }
    return NF_STD_TIME_OK;
}

/* ---- formatter cache ------------------------------------------------------------------- */

static UDateFormat *open_df(nf_std_time *t, bool utc, UDateFormatStyle ts, UDateFormatStyle ds,
                            const UChar *pat, int32_t plen) {
    static const UChar utc16[] = {'U', 'T', 'C', 0};
    UErrorCode st = U_ZERO_ERROR;
    UDateFormat *df = udat_open(ts, ds, t->locale, utc ? utc16 : t->zone16, -1, pat, plen, &st);
    if (U_FAILURE(st)) return NULL;
    UCalendar *c = ucal_clone(udat_getCalendar(df), &st);
    if (U_SUCCESS(st)) {
        ucal_setGregorianChange(c, GREGORIAN_FOREVER, &st);
        udat_setCalendar(df, c); /* copies */
    }
    if (c) ucal_close(c);
    if (U_FAILURE(st)) {
        udat_close(df);
        return NULL;
    }
    udat_setLenient(df, true);
    return df;
}

/* Pattern -> UTF-16; invalid UTF-8 is a PATTERN error. Caller frees *out. */
static nf_std_time_status to_utf16(nf_std_time *t, const char *s, nf_std_time_status bad,
                                   const char *what, UChar **out, int32_t *len) {
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0;
    u_strFromUTF8(NULL, 0, &n, s, -1, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
        return fail(t, bad, "%s is not valid UTF-8", what);
    UChar *b = malloc(((size_t)n + 1) * sizeof *b);
    if (!b) return fail(t, NF_STD_TIME_NOMEM, "out of memory");
    st = U_ZERO_ERROR;
    u_strFromUTF8(b, n + 1, NULL, s, -1, &st);
    if (U_FAILURE(st)) {
        free(b);
        return fail(t, bad, "%s is not valid UTF-8", what);
    }
    *out = b;
    *len = n;
    return NF_STD_TIME_OK;
}

static nf_std_time_status get_slot(nf_std_time *t, fmt_op op, bool utc, nf_std_time_fmt kind,
                                   const char *pattern, fmt_slot **out) {
    fmt_slot *victim = &t->slots[0];
    for (int i = 0; i < FMT_CACHE_SLOTS; i++) {
        fmt_slot *s = &t->slots[i];
        if (s->df && s->op == op && s->utc == utc &&
            (pattern ? s->pattern && strcmp(s->pattern, pattern) == 0
                     : !s->pattern && s->kind == kind)) {
            s->stamp = ++t->tick;
            *out = s;
            return NF_STD_TIME_OK;
        }
        if (!s->df || s->stamp < victim->stamp) victim = s;
        if (!victim->df) break;
    }
    UDateFormat *df;
    bool dynamic = false;
    char *copy = NULL;
    if (pattern) {
        UChar *src;
        int32_t n;
        ubuf ip = {0};
        nf_std_time_status s = to_utf16(t, pattern, NF_STD_TIME_PATTERN, "date pattern", &src, &n);
        if (s != NF_STD_TIME_OK) return s;
        s = translate(t, pattern, src, n, NULL, op == OP_PARSE, &ip, &dynamic);
        free(src);
        copy = s == NF_STD_TIME_OK ? strdup(pattern) : NULL;
        df = s == NF_STD_TIME_OK && copy ? open_df(t, utc, UDAT_PATTERN, UDAT_PATTERN, ip.p, ip.len)
                                         : NULL;
        free(ip.p);
        if (s != NF_STD_TIME_OK) return s == NF_STD_TIME_NOMEM ? fail(t, s, "out of memory") : s;
        if (!df) {
            free(copy);
            return fail(t, NF_STD_TIME_PATTERN, "invalid date pattern '%s'", pattern);
        }
    } else {
        UDateFormatStyle ts = kind == NF_STD_FMT_DATE ? UDAT_NONE : UDAT_SHORT;
        UDateFormatStyle ds = kind == NF_STD_FMT_TIME ? UDAT_NONE : UDAT_SHORT;
        df = open_df(t, utc, ts, ds, NULL, 0);
        if (!df) return fail(t, NF_STD_TIME_PATTERN, "no default date format for '%s'", t->locale);
    }
    if (victim->df) udat_close(victim->df);
    free(victim->pattern);
    *victim = (fmt_slot){df, copy, op, utc, kind, dynamic, ++t->tick};
    *out = victim;
    return NF_STD_TIME_OK;
}

/* UTF-16 -> malloc'd UTF-8; ICU 72's narrow/thin no-break spaces become plain spaces. */
static nf_std_time_status to_utf8(nf_std_time *t, UChar *s, int32_t n, char **out) {
    for (int32_t i = 0; i < n; i++)
        if (s[i] == 0x202F || s[i] == 0x2009 || s[i] == 0x00A0) s[i] = ' ';
    UErrorCode st = U_ZERO_ERROR;
    int32_t len = 0;
    u_strToUTF8(NULL, 0, &len, s, n, &st);
    char *r = malloc((size_t)len + 1);
    if (!r) return fail(t, NF_STD_TIME_NOMEM, "out of memory");
    st = U_ZERO_ERROR;
    u_strToUTF8(r, len + 1, NULL, s, n, &st);
    if (U_FAILURE(st)) {
        free(r);
        return fail(t, NF_STD_TIME_PATTERN, "cannot convert formatted date");
    }
    r[len] = '\0';
    *out = r;
    return NF_STD_TIME_OK;
}

nf_std_time_status nf_std_time_format(nf_std_time *t, bool utc, nf_std_time_fmt kind,
                                      const char *pattern, int64_t ms, char **out) {
    if (!in_range(ms)) return range_err(t, ms);
    fmt_slot *slot;
    nf_std_time_status s = get_slot(t, OP_FORMAT, utc, kind, pattern, &slot);
    if (s != NF_STD_TIME_OK) return s;
    if (slot->dynamic) {
        dyn_values dv;
        UCalendar *c = cal_at(t, utc, ms);
        if (!c) return fail(t, NF_STD_TIME_RANGE, "cannot open an ICU calendar");
        UErrorCode st = U_ZERO_ERROR;
        dv.iso_dow = (ucal_get(c, UCAL_DAY_OF_WEEK, &st) + 5) % 7 + 1;
        dv.millis = ucal_get(c, UCAL_MILLISECOND, &st);
        zone_short_name(c, dv.zone, sizeof dv.zone);
        UChar *src;
        int32_t n;
        ubuf ip = {0};
        bool dyn;
        s = to_utf16(t, pattern, NF_STD_TIME_PATTERN, "date pattern", &src, &n);
        if (s != NF_STD_TIME_OK) return s;
        s = translate(t, pattern, src, n, &dv, false, &ip, &dyn);
        free(src);
        if (s == NF_STD_TIME_OK) udat_applyPattern(slot->df, false, ip.p, ip.len);
        free(ip.p);
        if (s != NF_STD_TIME_OK) return s == NF_STD_TIME_NOMEM ? fail(t, s, "out of memory") : s;
    }
    UChar stackbuf[256];
    UErrorCode st = U_ZERO_ERROR;
    int32_t len = udat_format(slot->df, to_udate(ms), stackbuf, 256, NULL, &st);
    if (st == U_BUFFER_OVERFLOW_ERROR) {
        UChar *big = malloc(((size_t)len + 1) * sizeof *big);
        if (!big) return fail(t, NF_STD_TIME_NOMEM, "out of memory");
        st = U_ZERO_ERROR;
        udat_format(slot->df, to_udate(ms), big, len + 1, NULL, &st);
        s = U_FAILURE(st) ? fail(t, NF_STD_TIME_PATTERN, "cannot format date")
                          : to_utf8(t, big, len, out);
        free(big);
        return s;
    }
    if (U_FAILURE(st)) return fail(t, NF_STD_TIME_PATTERN, "cannot format date");
    return to_utf8(t, stackbuf, len, out);
}

nf_std_time_status nf_std_time_parse(nf_std_time *t, bool utc, const char *pattern,
                                     const char *text, int64_t *out) {
    if (!pattern) return fail(t, NF_STD_TIME_PATTERN, "parseDateTime needs a pattern");
    if (!text) text = "";
    /* ICU 72's SimpleDateFormat divides by zero (SIGFPE) on a fraction-of-second field of 34 or
     * more digits (found by fuzz_time). No date field needs more than 18 digits, so a longer
     * run of digits is refused before ICU sees it. */
    for (size_t i = 0, run = 0; text[i]; i++) {
        run = (text[i] >= '0' && text[i] <= '9') ? run + 1 : 0;
        if (run > 18)
            return fail(t, NF_STD_TIME_PARSE,
                        "cannot parse '%s' as a date: a number has more than 18 digits", text);
    }
    fmt_slot *slot;
    nf_std_time_status s = get_slot(t, OP_PARSE, utc, NF_STD_FMT_DATETIME, pattern, &slot);
    if (s != NF_STD_TIME_OK) return s;
    UChar *src;
    int32_t n;
    if (to_utf16(t, text, NF_STD_TIME_PARSE, "date text", &src, &n) != NF_STD_TIME_OK)
        return fail(t, NF_STD_TIME_PARSE, "cannot parse date: text is not valid UTF-8");
    int32_t pos = 0;
    UErrorCode st = U_ZERO_ERROR;
    UDate d = udat_parse(slot->df, src, n, &pos, &st);
    free(src);
    if (U_FAILURE(st) || pos <= 0)
        return fail(t, NF_STD_TIME_PARSE, "cannot parse '%s' as a date with pattern '%s'", text,
                    pattern);
    if (!from_udate(d, out))
        return fail(t, NF_STD_TIME_RANGE, "parsed date '%s' (pattern '%s') is out of range", text,
                    pattern);
    return NF_STD_TIME_OK;
}
