/* std_fn_time.c — date and time functions in expressions (mendix-semantics §6.3), on
 * std_time.c (ICU calendars in the runtime's time zone; the UTC variants in UTC). DateTime values
 * are milliseconds since the epoch. */
#include <stdlib.h>
#include <string.h>

#include "std_builtins.h"
#include "std_time.h"

static nf_std_time *T(nf_vm *vm) {
    return nf_std_ctx_of(vm)->time;
}

static nf_vm_status time_error(nf_vm *vm, nf_std_time_status s, const char *fname) {
    if (s == NF_STD_TIME_NOMEM) return nf_vm_raise(vm, NF_VM_E_LIMIT, "%s: out of memory", fname);
    const char *why = nf_std_time_error(T(vm));
    return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: %s", fname, why && *why ? why : "failed");
}

static nf_vm_status set_time(nf_vm *vm, nf_val *out, nf_std_time_status s, int64_t ms,
                             const char *fname) {
    if (s != NF_STD_TIME_OK) return time_error(vm, s, fname);
    out->u.i = ms;
    out->flags = 0;
    return NF_VM_OK;
}

/* ---- dateTime(y[, mo, d, h, mi, s]) and dateTimeUTC ---- */

static nf_vm_status make(nf_vm *vm, nf_val *out, const nf_val *args, int n, bool utc) {
    const char *name = utc ? "dateTimeUTC" : "dateTime";
    int64_t f[6];
    for (int i = 0; i < n; i++) {
        if (nf_std_need(vm, args, i, name)) return NF_VM_ERROR;
        f[i] = args[i].u.i;
    }
    int64_t ms;
    nf_std_time_status s = nf_std_time_make(T(vm), utc, f, n, &ms);
    return set_time(vm, out, s, ms, name);
}

#define MAKE(n)                                                                                    \
    NF_STD_FN(DATE_TIME##n) {                                                                      \
        return make(vm, out, args, n, false);                                                      \
    }                                                                                              \
    NF_STD_FN(DATE_TIME_UTC##n) {                                                                  \
        return make(vm, out, args, n, true);                                                       \
    }
MAKE(1)
MAKE(2)
MAKE(3)
MAKE(4)
MAKE(5)
MAKE(6)

/* ---- add*, subtract* ---- */

static nf_vm_status add(nf_vm *vm, nf_val *out, const nf_val *args, nf_std_time_unit u, bool utc,
                        bool subtract, const char *name) {
    if (nf_std_need(vm, args, 0, name) || nf_std_need(vm, args, 1, name)) return NF_VM_ERROR;
    int64_t ms;
    nf_std_time_status s = subtract
                               ? nf_std_time_subtract(T(vm), utc, u, args[1].u.i, args[0].u.i, &ms)
                               : nf_std_time_add(T(vm), utc, u, args[1].u.i, args[0].u.i, &ms);
    return set_time(vm, out, s, ms, name);
}

#define ADD(ID, unit, utc, name)                                                                   \
    NF_STD_FN(ADD_##ID) {                                                                          \
        return add(vm, out, args, unit, utc, false, "add" name);                                   \
    }                                                                                              \
    NF_STD_FN(SUB_##ID) {                                                                          \
        return add(vm, out, args, unit, utc, true, "subtract" name);                               \
    }
ADD(MILLISECONDS, NF_STD_MS, false, "Milliseconds")
ADD(SECONDS, NF_STD_SECOND, false, "Seconds")
ADD(MINUTES, NF_STD_MINUTE, false, "Minutes")
ADD(HOURS, NF_STD_HOUR, false, "Hours")
ADD(DAYS, NF_STD_DAY, false, "Days")
ADD(DAYS_UTC, NF_STD_DAY, true, "DaysUTC")
ADD(WEEKS, NF_STD_WEEK, false, "Weeks")
ADD(WEEKS_UTC, NF_STD_WEEK, true, "WeeksUTC")
ADD(MONTHS, NF_STD_MONTH, false, "Months")
ADD(MONTHS_UTC, NF_STD_MONTH, true, "MonthsUTC")
ADD(QUARTERS, NF_STD_QUARTER, false, "Quarters")
ADD(QUARTERS_UTC, NF_STD_QUARTER, true, "QuartersUTC")
ADD(YEARS, NF_STD_YEAR, false, "Years")
ADD(YEARS_UTC, NF_STD_YEAR, true, "YearsUTC")

/* ---- *Between: the absolute difference as a Decimal number of units ---- */

static nf_vm_status between(nf_vm *vm, nf_val *out, const nf_val *args, int64_t unit_ms,
                            const char *name) {
    if (nf_std_need(vm, args, 0, name) || nf_std_need(vm, args, 1, name)) return NF_VM_ERROR;
    int64_t a = args[0].u.i, b = args[1].u.i;
    /* both lie within ±8.64e15 ms (the verifier and std_time keep them there): no overflow */
    int64_t diff = a > b ? a - b : b - a;
    nf_dec d, u, q;
    nf_dec_from_int64(diff, &d);
    nf_dec_from_int64(unit_ms, &u);
    nf_dec_status s = nf_dec_div(&d, &u, nf_std_div_rule(vm), &q);
    if (s != NF_DEC_OK) return nf_std_dec_error(vm, s, name);
    nf_std_set_dec(out, q);
    return NF_VM_OK;
}

#define BETWEEN(ID, ms, name)                                                                      \
    NF_STD_FN(ID##_BETWEEN) {                                                                      \
        return between(vm, out, args, ms, name);                                                   \
    }
BETWEEN(MILLISECONDS, 1, "millisecondsBetween")
BETWEEN(SECONDS, 1000, "secondsBetween")
BETWEEN(MINUTES, 60000, "minutesBetween")
BETWEEN(HOURS, 3600000, "hoursBetween")
BETWEEN(DAYS, 86400000, "daysBetween")
BETWEEN(WEEKS, 604800000, "weeksBetween")

static nf_vm_status calendar_between(nf_vm *vm, nf_val *out, const nf_val *args, nf_std_time_unit u,
                                     const char *name) {
    if (nf_std_need(vm, args, 0, name) || nf_std_need(vm, args, 1, name)) return NF_VM_ERROR;
    int64_t n;
    nf_std_time_status s = nf_std_time_calendar_between(T(vm), u, args[0].u.i, args[1].u.i, &n);
    return set_time(vm, out, s, n, name);
}
NF_STD_FN(CAL_MONTHS_BETWEEN) {
    return calendar_between(vm, out, args, NF_STD_MONTH, "calendarMonthsBetween");
}
NF_STD_FN(CAL_YEARS_BETWEEN) {
    return calendar_between(vm, out, args, NF_STD_YEAR, "calendarYearsBetween");
}

/* ---- beginOf*, endOf*, trimTo* ---- */

typedef nf_std_time_status (*bound_fn)(nf_std_time *, bool, nf_std_time_unit, int64_t, int64_t *);
static nf_vm_status bound(nf_vm *vm, nf_val *out, const nf_val *args, bound_fn fn,
                          nf_std_time_unit u, bool utc, const char *name) {
    if (nf_std_need(vm, args, 0, name)) return NF_VM_ERROR;
    int64_t ms;
    nf_std_time_status s = fn(T(vm), utc, u, args[0].u.i, &ms);
    return set_time(vm, out, s, ms, name);
}

#define BOUND(ID, fn, unit, utc, name)                                                             \
    NF_STD_FN(ID) {                                                                                \
        return bound(vm, out, args, fn, unit, utc, name);                                          \
    }
BOUND(BEGIN_OF_DAY, nf_std_time_begin, NF_STD_DAY, false, "beginOfDay")
BOUND(BEGIN_OF_DAY_UTC, nf_std_time_begin, NF_STD_DAY, true, "beginOfDayUTC")
BOUND(BEGIN_OF_WEEK, nf_std_time_begin, NF_STD_WEEK, false, "beginOfWeek")
BOUND(BEGIN_OF_WEEK_UTC, nf_std_time_begin, NF_STD_WEEK, true, "beginOfWeekUTC")
BOUND(BEGIN_OF_MONTH, nf_std_time_begin, NF_STD_MONTH, false, "beginOfMonth")
BOUND(BEGIN_OF_MONTH_UTC, nf_std_time_begin, NF_STD_MONTH, true, "beginOfMonthUTC")
BOUND(BEGIN_OF_YEAR, nf_std_time_begin, NF_STD_YEAR, false, "beginOfYear")
BOUND(BEGIN_OF_YEAR_UTC, nf_std_time_begin, NF_STD_YEAR, true, "beginOfYearUTC")
BOUND(END_OF_DAY, nf_std_time_end, NF_STD_DAY, false, "endOfDay")
BOUND(END_OF_DAY_UTC, nf_std_time_end, NF_STD_DAY, true, "endOfDayUTC")
BOUND(END_OF_WEEK, nf_std_time_end, NF_STD_WEEK, false, "endOfWeek")
BOUND(END_OF_WEEK_UTC, nf_std_time_end, NF_STD_WEEK, true, "endOfWeekUTC")
BOUND(END_OF_MONTH, nf_std_time_end, NF_STD_MONTH, false, "endOfMonth")
BOUND(END_OF_MONTH_UTC, nf_std_time_end, NF_STD_MONTH, true, "endOfMonthUTC")
BOUND(END_OF_YEAR, nf_std_time_end, NF_STD_YEAR, false, "endOfYear")
BOUND(END_OF_YEAR_UTC, nf_std_time_end, NF_STD_YEAR, true, "endOfYearUTC")
BOUND(TRIM_TO_SECONDS, nf_std_time_trim, NF_STD_SECOND, false, "trimToSeconds")
BOUND(TRIM_TO_MINUTES, nf_std_time_trim, NF_STD_MINUTE, false, "trimToMinutes")
BOUND(TRIM_TO_HOURS, nf_std_time_trim, NF_STD_HOUR, false, "trimToHours")
BOUND(TRIM_TO_HOURS_UTC, nf_std_time_trim, NF_STD_HOUR, true, "trimToHoursUTC")
BOUND(TRIM_TO_DAYS, nf_std_time_trim, NF_STD_DAY, false, "trimToDays")
BOUND(TRIM_TO_DAYS_UTC, nf_std_time_trim, NF_STD_DAY, true, "trimToDaysUTC")
BOUND(TRIM_TO_MONTHS, nf_std_time_trim, NF_STD_MONTH, false, "trimToMonths")
BOUND(TRIM_TO_MONTHS_UTC, nf_std_time_trim, NF_STD_MONTH, true, "trimToMonthsUTC")
BOUND(TRIM_TO_YEARS, nf_std_time_trim, NF_STD_YEAR, false, "trimToYears")
BOUND(TRIM_TO_YEARS_UTC, nf_std_time_trim, NF_STD_YEAR, true, "trimToYearsUTC")

/* ---- formatting and parsing ---- */

static nf_vm_status format(nf_vm *vm, nf_val *out, const nf_val *args, bool has_pattern,
                           nf_std_time_fmt kind, bool utc, const char *name) {
    if (nf_std_need(vm, args, 0, name)) return NF_VM_ERROR;
    size_t plen;
    const char *pattern = has_pattern ? nf_std_str(&args[1], &plen) : NULL;
    char *text = NULL;
    nf_std_time_status s = nf_std_time_format(T(vm), utc, kind, pattern, args[0].u.i, &text);
    if (s != NF_STD_TIME_OK) return time_error(vm, s, name);
    nf_vm_status st = nf_vm_string(vm, text, strlen(text), out);
    free(text);
    return st;
}

#define FORMAT(ID, has_pattern, kind, utc, name)                                                   \
    NF_STD_FN(ID) {                                                                                \
        return format(vm, out, args, has_pattern, kind, utc, name);                                \
    }
FORMAT(FORMAT_DATE_TIME1, false, NF_STD_FMT_DATETIME, false, "formatDateTime")
FORMAT(FORMAT_DATE_TIME2, true, NF_STD_FMT_DATETIME, false, "formatDateTime")
FORMAT(FORMAT_DATE_TIME_UTC1, false, NF_STD_FMT_DATETIME, true, "formatDateTimeUTC")
FORMAT(FORMAT_DATE_TIME_UTC2, true, NF_STD_FMT_DATETIME, true, "formatDateTimeUTC")
FORMAT(FORMAT_TIME, false, NF_STD_FMT_TIME, false, "formatTime")
FORMAT(FORMAT_TIME_UTC, false, NF_STD_FMT_TIME, true, "formatTimeUTC")
FORMAT(FORMAT_DATE, false, NF_STD_FMT_DATE, false, "formatDate")
FORMAT(FORMAT_DATE_UTC, false, NF_STD_FMT_DATE, true, "formatDateUTC")

/* parseDateTime[UTC](text, pattern[, default]): the default replaces a failed parse. */
static nf_vm_status parse(nf_vm *vm, nf_val *out, const nf_val *args, bool has_default, bool utc) {
    const char *name = utc ? "parseDateTimeUTC" : "parseDateTime";
    size_t tlen, plen;
    const char *text = nf_std_str(&args[0], &tlen), *pattern = nf_std_str(&args[1], &plen);
    int64_t ms;
    nf_std_time_status s = nf_vm_is_empty(&args[0])
                               ? NF_STD_TIME_PARSE
                               : nf_std_time_parse(T(vm), utc, pattern, text, &ms);
    if (s != NF_STD_TIME_OK && has_default && s != NF_STD_TIME_NOMEM) {
        nf_vm_val_assign(vm, out, &args[2]);
        return NF_VM_OK;
    }
    if (s != NF_STD_TIME_OK && nf_vm_is_empty(&args[0]))
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: the text is empty", name);
    return set_time(vm, out, s, ms, name);
}
NF_STD_FN(PARSE_DATE_TIME2) {
    return parse(vm, out, args, false, false);
}
NF_STD_FN(PARSE_DATE_TIME3) {
    return parse(vm, out, args, true, false);
}
NF_STD_FN(PARSE_DATE_TIME_UTC2) {
    return parse(vm, out, args, false, true);
}
NF_STD_FN(PARSE_DATE_TIME_UTC3) {
    return parse(vm, out, args, true, true);
}

/* ---- epochs and tokens ---- */

NF_STD_FN(DATE_TIME_TO_EPOCH) {
    if (nf_std_need(vm, args, 0, "dateTimeToEpoch")) return NF_VM_ERROR;
    out->u.i = args[0].u.i;
    out->flags = 0;
    return NF_VM_OK;
}

NF_STD_FN(EPOCH_TO_DATE_TIME) {
    if (nf_std_need(vm, args, 0, "epochToDateTime")) return NF_VM_ERROR;
    int64_t ms = args[0].u.i;
    if (ms > NF_STD_TIME_MAX_MS || ms < -NF_STD_TIME_MAX_MS)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "epochToDateTime: %lld is out of range",
                           (long long)ms);
    out->u.i = ms;
    out->flags = 0;
    return NF_VM_OK;
}

NF_STD_FN(DATE_TOKEN) {
    size_t len;
    const char *token = nf_std_str(&args[0], &len);
    int64_t ms;
    nf_std_time_status s = nf_std_time_token(T(vm), token, nf_vm_now(vm), &ms);
    return set_time(vm, out, s, ms, "[%token%]");
}
