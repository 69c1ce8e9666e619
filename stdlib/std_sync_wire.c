/* std_sync_wire.c — values on the wire (docs/sync-protocol.md §3) between the store's columns
 * and JSON, UTC timestamps with milliseconds, and the error bodies of §9. Strict: a value of
 * the wrong JSON type is refused, never guessed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_sync.h"
#include "std_time.h"

#define MAX_SAFE_INT 9007199254740992LL /* 2^53: beyond it Longs travel as digit strings */

/* ---- dates: the protocol's UTC text, by std_time.c ---------------------------------------- */

void nf_std_wire_time_text(int64_t ms, char out[32]) {
    nf_std_time_format_iso(ms, out, 32);
}

bool nf_std_wire_time_parse(const char *s, int64_t *ms) {
    return nf_std_time_parse_utc(s, ms);
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
