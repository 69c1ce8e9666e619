/* std_sync_wire.c — values on the wire (docs/sync-protocol.md §3) between the store's columns
 * and JSON, UTC timestamps with milliseconds, and the error bodies of §9. Strict: a value of
 * the wrong JSON type is refused, never guessed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_sync.h"

#define MAX_SAFE_INT 9007199254740992LL /* 2^53: beyond it Longs travel as digit strings */

/* ---- dates: proleptic Gregorian, days from 1970-01-01 (Howard Hinnant's algorithms) -------- */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void nf_std_wire_time_text(int64_t ms, char out[32]) {
    int64_t days = ms / 86400000, rem = ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        days--;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 32, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, (int)(rem / 3600000),
             (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), (int)(rem % 1000));
}

static bool digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (UTC only, as the protocol sends). */
bool nf_std_wire_time_parse(const char *s, int64_t *ms) {
    int y, mo, d, h, mi, se, frac = 0;
    size_t n = strlen(s);
    if (n < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        int k = 0;
        while (p[k] >= '0' && p[k] <= '9')
            k++;
        if (k == 0 || k > 9) return false;
        int f;
        if (!digits(p, k < 3 ? k : 3, &f)) return false;
        for (int i = k; i < 3; i++)
            f *= 10;
        frac = f;
        p += k;
    }
    if (strcmp(p, "Z") != 0) return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
    *ms = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * 1000 + frac;
    return true;
}

/* ---- columns to JSON ------------------------------------------------------------------------- */

json_t *nf_std_wire_from_column(sqlite3_stmt *st, int c, uint8_t kind) {
    if (sqlite3_column_type(st, c) == SQLITE_NULL)
        return kind == NF_BT_BOOL ? json_false() : json_null();
    switch (kind) {
    case NF_BT_BOOL: return json_boolean(sqlite3_column_int64(st, c) != 0);
    case NF_BT_INT: {
        int64_t v = sqlite3_column_int64(st, c);
        if (v > MAX_SAFE_INT || v < -MAX_SAFE_INT) {
            char b[24];
            snprintf(b, sizeof b, "%" PRId64, v);
            return json_string(b);
        }
        return json_integer((json_int_t)v);
    }
    case NF_BT_DT: {
        char b[32];
        nf_std_wire_time_text(sqlite3_column_int64(st, c), b);
        return json_string(b);
    }
    default: { /* Decimal (plain text), String, Enumeration key, Reference id */
        const char *t = (const char *)sqlite3_column_text(st, c);
        size_t n = (size_t)sqlite3_column_bytes(st, c);
        return t ? json_stringn(t, n) : json_null();
    }
    }
}

/* ---- JSON to bound values -------------------------------------------------------------------- */

static bool int_text(const char *s, int64_t *out) {
    if (!*s) return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end) return false;
    *out = v;
    return true;
}

bool nf_std_wire_bind(sqlite3_stmt *st, int i, uint8_t kind, const json_t *v) {
    if (json_is_null(v)) return sqlite3_bind_null(st, i) == SQLITE_OK;
    switch (kind) {
    case NF_BT_BOOL:
        if (!json_is_boolean(v)) return false;
        return sqlite3_bind_int(st, i, json_is_true(v)) == SQLITE_OK;
    case NF_BT_INT: {
        int64_t x;
        if (json_is_integer(v))
            x = (int64_t)json_integer_value(v);
        else if (!json_is_string(v) || !int_text(json_string_value(v), &x))
            return false;
        return sqlite3_bind_int64(st, i, x) == SQLITE_OK;
    }
    case NF_BT_DT: {
        int64_t ms;
        if (!json_is_string(v) || !nf_std_wire_time_parse(json_string_value(v), &ms)) return false;
        return sqlite3_bind_int64(st, i, ms) == SQLITE_OK;
    }
    case NF_BT_DEC: {
        if (!json_is_string(v)) return false;
        nf_dec d;
        const char *s = json_string_value(v);
        if (nf_dec_parse(s, json_string_length(v), &d) != NF_DEC_OK) return false;
        char buf[128];
        size_t n = nf_dec_format(&d, buf, sizeof buf);
        nf_dec_release(&d);
        if (n >= sizeof buf) return false; /* more digits than a Decimal attribute holds */
        return sqlite3_bind_text(st, i, buf, (int)n, SQLITE_TRANSIENT) == SQLITE_OK;
    }
    case NF_BT_OBJ: {
        uint8_t id[16];
        if (!json_is_string(v) ||
            !nf_std_uuid_parse(json_string_value(v), json_string_length(v), id))
            return false;
        char t[37];
        nf_std_uuid_text(id, t);
        return sqlite3_bind_text(st, i, t, 36, SQLITE_TRANSIENT) == SQLITE_OK;
    }
    default: /* String, Enumeration key; '' is stored as NULL */
        if (!json_is_string(v)) return false;
        if (json_string_length(v) == 0) return sqlite3_bind_null(st, i) == SQLITE_OK;
        return sqlite3_bind_text(st, i, json_string_value(v), (int)json_string_length(v),
                                 SQLITE_TRANSIENT) == SQLITE_OK;
    }
}

/* ---- error bodies ---------------------------------------------------------------------------- */

bool nf_std_wire_error(const char *body, size_t len, char *type, size_t typen, char *msg,
                       size_t msgn) {
    if (!body) return false;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *e = json_object_get(j, "error");
    const char *t = json_string_value(json_object_get(e, "type"));
    const char *m = json_string_value(json_object_get(e, "message"));
    bool ok = t && m;
    if (ok) {
        snprintf(type, typen, "%s", t);
        snprintf(msg, msgn, "%s", m);
    }
    json_decref(j);
    return ok;
}
