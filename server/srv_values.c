/* srv_values.c — values on the wire (§3) and rows as JSON: each column of an entity's table
 * (attributes, then owned Reference associations) decoded from JSON for binding, and encoded
 * from a row. Decimals travel as strings in plain notation, DateTimes as ISO-8601 UTC with
 * milliseconds, enumerations by key, references by id, empty as null. */
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"

uint32_t nf_srv_entity(nf_srv *s, const char *name) {
    if (!name) return NF_BC_NONE;
    for (uint32_t e = 0; e < s->m->nentities; e++)
        if (!strcmp(s->m->strings[s->m->entities[e].name], name)) return e;
    return NF_BC_NONE;
}

const char *nf_srv_member(nf_srv *s, const nf_std_table *t, uint32_t col) {
    if (col < t->nattrs) return s->m->strings[t->attrs[col]->name];
    return s->m->strings[s->m->assocs[t->ref_assoc[col - t->nattrs]].name];
}

const char *nf_srv_col(const nf_std_table *t, uint32_t col) {
    return col < t->nattrs ? t->attr_cols[col] : t->ref_cols[col - t->nattrs];
}

int nf_srv_find_member(nf_srv *s, const nf_std_table *t, const char *name) {
    for (uint32_t k = 0; k < t->nattrs + t->nrefs; k++)
        if (!strcmp(nf_srv_member(s, t, k), name)) return (int)k;
    return -1;
}

bool nf_srv_col_synced(nf_srv *s, const nf_std_table *t, uint32_t col) {
    (void)s;
    if (col >= t->nattrs) return true;
    const nf_bc_attr *a = t->attrs[col];
    return !(a->flags & (NF_BA_HASHED | NF_BA_CALCULATED)) && a->type.kind != NF_BT_BINARY;
}

static bool plain_decimal(const char *s, size_t n) {
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    size_t d0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d0) return false;
    if (i < n && s[i] == '.') {
        size_t f0 = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f0) return false;
    }
    return i == n && n < 64;
}

bool nf_srv_decode(nf_srv *s, const nf_std_table *t, uint32_t col, json_t *v, nf_srv_val *out,
                   char *err, size_t errn) {
    memset(out, 0, sizeof *out);
    out->type = SQLITE_NULL;
    const char *member = nf_srv_member(s, t, col);
    if (json_is_null(v)) return true;
    if (col >= t->nattrs) { /* a reference: the other object's id */
        uint8_t id[16];
        const char *str = json_string_value(v);
        if (!str || json_string_length(v) != 36 || !nf_std_uuid_parse(str, 36, id)) {
            snprintf(err, errn, "%s must be an object id or null", member);
            return false;
        }
        out->type = SQLITE_TEXT;
        out->s = str;
        out->n = 36;
        return true;
    }
    const nf_bc_attr *a = t->attrs[col];
    switch (a->type.kind) {
    case NF_BT_BOOL:
        if (!json_is_boolean(v)) break;
        out->type = SQLITE_INTEGER;
        out->i = json_is_true(v);
        return true;
    case NF_BT_INT: {
        if (json_is_integer(v)) {
            out->i = json_integer_value(v);
        } else if (json_is_string(v)) { /* a Long beyond 2^53 */
            const char *str = json_string_value(v);
            size_t n = json_string_length(v), i = str[0] == '-';
            if (n == i || n > 20) break;
            for (; i < n; i++)
                if (str[i] < '0' || str[i] > '9') goto bad;
            out->i = strtoll(str, NULL, 10);
        } else {
            break;
        }
        if ((a->flags & NF_BA_INT32) && (out->i < INT32_MIN || out->i > INT32_MAX)) {
            snprintf(err, errn, "%s is an Integer: %lld is out of its range", member,
                     (long long)out->i);
            return false;
        }
        out->type = SQLITE_INTEGER;
        return true;
    }
    case NF_BT_DEC: {
        if (!json_is_string(v) || !plain_decimal(json_string_value(v), json_string_length(v)))
            break;
        out->type = SQLITE_TEXT;
        out->s = json_string_value(v);
        out->n = json_string_length(v);
        /* stored as a device stores it: 8 places (half even), at most 20 before the point */
        nf_dec d, r;
        if (nf_dec_parse(out->s, out->n, &d) != NF_DEC_OK) break;
        nf_dec_status st = nf_dec_for_storage(&d, &r);
        nf_dec_release(&d);
        if (st == NF_DEC_OVERFLOW) {
            out->limit = "is too large for a Decimal attribute (more than 20 digits before the "
                         "point)";
            return true;
        }
        if (st != NF_DEC_OK) break;
        size_t n = nf_dec_format(&r, out->dec, sizeof out->dec);
        nf_dec_release(&r);
        if (n >= sizeof out->dec) break;
        out->s = out->dec;
        out->n = n;
        return true;
    }
    case NF_BT_STR:
        if (!json_is_string(v)) break;
        out->s = json_string_value(v);
        out->n = json_string_length(v);
        out->type = out->n ? SQLITE_TEXT : SQLITE_NULL; /* '' is empty */
        return true;
    case NF_BT_DT:
        if (!json_is_string(v) || !nf_srv_parse_iso(json_string_value(v), &out->i)) break;
        out->type = SQLITE_INTEGER;
        return true;
    case NF_BT_ENUM: {
        const char *key = json_string_value(v);
        if (!key || a->type.ref >= s->m->nenums) break;
        const nf_bc_enum *en = &s->m->enums[a->type.ref];
        for (uint32_t k = 0; k < en->nvalues; k++)
            if (!strcmp(s->m->strings[en->value_names[k]], key)) {
                out->type = SQLITE_TEXT;
                out->s = key;
                out->n = json_string_length(v);
                return true;
            }
        snprintf(err, errn, "%s: '%.100s' is not a key of %s", member, key,
                 s->m->strings[en->name]);
        return false;
    }
    default: break;
    }
bad:
    snprintf(err, errn, "%s: a value of the wrong type", member);
    return false;
}

int nf_srv_bind(sqlite3_stmt *st, int i, const nf_srv_val *v) {
    switch (v->type) {
    case SQLITE_INTEGER: return sqlite3_bind_int64(st, i, v->i);
    case SQLITE_TEXT: return sqlite3_bind_text(st, i, v->s, (int)v->n, SQLITE_TRANSIENT);
    default: return sqlite3_bind_null(st, i);
    }
}

json_t *nf_srv_encode(nf_srv *s, const nf_std_table *t, uint32_t col, sqlite3_stmt *st, int k) {
    (void)s;
    if (sqlite3_column_type(st, k) == SQLITE_NULL) return json_null();
    uint8_t kind = col < t->nattrs ? t->attrs[col]->type.kind : NF_BT_OBJ;
    switch (kind) {
    case NF_BT_BOOL: return json_boolean(sqlite3_column_int64(st, k) != 0);
    case NF_BT_INT: {
        int64_t v = sqlite3_column_int64(st, k);
        if (v > (1LL << 53) || v < -(1LL << 53)) {
            char buf[24];
            snprintf(buf, sizeof buf, "%lld", (long long)v);
            return json_string(buf);
        }
        return json_integer(v);
    }
    case NF_BT_DT: {
        char iso[32];
        nf_srv_iso(sqlite3_column_int64(st, k), iso);
        return json_string(iso);
    }
    default: {
        const char *txt = (const char *)sqlite3_column_text(st, k);
        return txt ? json_stringn(txt, (size_t)sqlite3_column_bytes(st, k)) : json_null();
    }
    }
}

/* Length of the valid UTF-8 sequence at s[0, n) (as jansson checks it: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t len = c < 0x80                 ? 1
                 : c >= 0xC2 && c <= 0xDF ? 2
                 : (c & 0xF0) == 0xE0     ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (len <= 1 || len > n) return len > n ? 0 : len;
    uint32_t cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

bool nf_srv_json_string(nf_std_text *out, const char *s, size_t n) {
    size_t mark = out->len;
    const unsigned char *u = (const unsigned char *)s;
    nf_std_text_add(out, "\"", 1);
    size_t run = 0; /* bytes copied as they are, pending */
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        const char *esc = NULL;
        char buf[8];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c < 0x20) {
            esc = c == '\n'   ? "\\n"
                  : c == '\r' ? "\\r"
                  : c == '\t' ? "\\t"
                  : c == '\b' ? "\\b"
                  : c == '\f' ? "\\f"
                              : NULL;
            if (!esc) {
                snprintf(buf, sizeof buf, "\\u%04X", c);
                esc = buf;
            }
        }
        if (esc) {
            nf_std_text_add(out, s + i - run, run);
            nf_std_text_add(out, esc, strlen(esc));
            run = 0;
            i++;
            continue;
        }
        size_t len = c < 0x80 ? 1 : utf8_seq(u + i, n - i);
        if (!len) {
            out->len = mark;
            if (out->s) out->s[mark] = '\0';
            return false;
        }
        run += len;
        i += len;
    }
    nf_std_text_add(out, s + n - run, run);
    nf_std_text_add(out, "\"", 1);
    return true;
}

bool nf_srv_encode_text(nf_srv *s, const nf_std_table *t, uint32_t col, sqlite3_stmt *st, int k,
                        nf_std_text *out) {
    (void)s;
    char buf[40];
    if (sqlite3_column_type(st, k) == SQLITE_NULL) {
        nf_std_text_add(out, "null", 4);
        return true;
    }
    uint8_t kind = col < t->nattrs ? t->attrs[col]->type.kind : NF_BT_OBJ;
    switch (kind) {
    case NF_BT_BOOL:
        if (sqlite3_column_int64(st, k) != 0)
            nf_std_text_add(out, "true", 4);
        else
            nf_std_text_add(out, "false", 5);
        return true;
    case NF_BT_INT: {
        int64_t v = sqlite3_column_int64(st, k);
        int n = v > (1LL << 53) || v < -(1LL << 53)
                    ? snprintf(buf, sizeof buf, "\"%lld\"", (long long)v)
                    : snprintf(buf, sizeof buf, "%lld", (long long)v);
        nf_std_text_add(out, buf, (size_t)n);
        return true;
    }
    case NF_BT_DT: {
        char iso[32];
        nf_srv_iso(sqlite3_column_int64(st, k), iso);
        return nf_srv_json_string(out, iso, strlen(iso));
    }
    default: {
        const char *txt = (const char *)sqlite3_column_text(st, k);
        if (!txt) {
            nf_std_text_add(out, "null", 4);
            return true;
        }
        return nf_srv_json_string(out, txt, (size_t)sqlite3_column_bytes(st, k));
    }
    }
}

int nf_srv_row_text(nf_srv_call *c, uint32_t e, const char *id, const nf_srv_rights *r,
                    nf_std_text *out, int64_t *rev) {
    nf_srv *s = c->s;
    const nf_std_table *t = &s->store->tables[e];
    uint32_t ncols = t->nattrs + t->nrefs;
    nf_std_text sql = {0};
    nf_std_text_put(&sql, "SELECT _rev");
    for (uint32_t k = 0; k < ncols; k++)
        nf_std_text_put(&sql, ", %s", nf_srv_col(t, k));
    nf_std_text_put(&sql, " FROM %s WHERE _id = ?", t->name);
    sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
    free(sql.s);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st), res = -1;
    if (rc == SQLITE_DONE) {
        nf_std_text_add(out, "null", 4);
        res = 0;
    } else if (rc == SQLITE_ROW) { /* {"entity":…,"id":…,"rev":N,"values":{…}} */
        const char *en = s->m->strings[s->m->entities[e].name];
        char num[32];
        *rev = sqlite3_column_int64(st, 0);
        nf_std_text_add(out, "{\"entity\":", 10);
        nf_srv_json_string(out, en, strlen(en));
        nf_std_text_add(out, ",\"id\":", 6);
        nf_srv_json_string(out, id, strlen(id));
        int n = snprintf(num, sizeof num, ",\"rev\":%lld,\"values\":{", (long long)*rev);
        nf_std_text_add(out, num, (size_t)n);
        bool first = true;
        for (uint32_t k = 0; k < ncols; k++) {
            if (!r->readable[k] || !nf_srv_col_synced(s, t, k)) continue;
            size_t mark = out->len;
            const char *mn = nf_srv_member(s, t, k);
            if (!first) nf_std_text_add(out, ",", 1);
            nf_srv_json_string(out, mn, strlen(mn));
            nf_std_text_add(out, ":", 1);
            if (nf_srv_encode_text(s, t, k, st, (int)k + 1, out))
                first = false;
            else /* no JSON value (not UTF-8): left out */
                out->len = mark;
        }
        nf_std_text_add(out, "}}", 2);
        res = out->oom ? -1 : 1;
    }
    sqlite3_reset(st);
    return res;
}
