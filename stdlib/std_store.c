/* std_store.c — opening the local store: checks that the file is a nanoflow database of this
 * app, creates or migrates the schema to the module's model (additive changes in place;
 * retyped and removed members keep their data and are reported), and the statement cache. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_store.h"

#define NF_STORE_FORMAT 1

/* ---- small helpers ------------------------------------------------------------------------------
 */

const char *nf_std_store_coltype(uint8_t kind) {
    switch (kind) {
    case NF_BT_BOOL: return "BOOLEAN_INT";
    case NF_BT_INT: return "INTEGER";
    case NF_BT_DEC: return "DECIMAL_TEXT";
    case NF_BT_STR: return "TEXT";
    case NF_BT_DT: return "DATETIME_INT";
    case NF_BT_ENUM: return "ENUM_TEXT";
    case NF_BT_OBJ: return "REFERENCE_TEXT";
    default: return "BLOB";
    }
}

char *nf_std_store_quote(const char *name) {
    size_t n = strlen(name), q = 0;
    for (size_t i = 0; i < n; i++)
        q += name[i] == '"';
    char *out = malloc(n + q + 3);
    if (!out) return NULL;
    size_t k = 0;
    out[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (name[i] == '"') out[k++] = '"';
        out[k++] = name[i];
    }
    out[k++] = '"';
    out[k] = '\0';
    return out;
}

void nf_std_uuid_text(const uint8_t id[16], char out[37]) {
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
        out[k++] = hex[id[i] >> 4];
        out[k++] = hex[id[i] & 15];
    }
    out[k] = '\0';
}

/* Hex digit values + 1 (0: not a hex digit), for ids read by the hundred thousand. */
static const uint8_t hexv[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16};

bool nf_std_uuid_parse(const char *s, size_t n, uint8_t id[16]) {
    if (!s || n != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
    const unsigned char *u = (const unsigned char *)s;
    unsigned bad = 0;
    /* straight-line: two table lookups per byte, no loop over a position table */
#define NF_HEX2(k, at)                                                                             \
    do {                                                                                           \
        unsigned a_ = hexv[u[at]], b_ = hexv[u[(at) + 1]];                                         \
        bad |= (a_ - 1) | (b_ - 1);                                                                \
        id[k] = (uint8_t)((a_ - 1) << 4 | ((b_ - 1) & 15));                                        \
    } while (0)
    NF_HEX2(0, 0);
    NF_HEX2(1, 2);
    NF_HEX2(2, 4);
    NF_HEX2(3, 6);
    NF_HEX2(4, 9);
    NF_HEX2(5, 11);
    NF_HEX2(6, 14);
    NF_HEX2(7, 16);
    NF_HEX2(8, 19);
    NF_HEX2(9, 21);
    NF_HEX2(10, 24);
    NF_HEX2(11, 26);
    NF_HEX2(12, 28);
    NF_HEX2(13, 30);
    NF_HEX2(14, 32);
    NF_HEX2(15, 34);
#undef NF_HEX2
    return bad < 16; /* a value 0 (not a hex digit) wraps to a huge a_ - 1 */
}

uint32_t nf_std_store_tables_of(nf_std_store *s, uint32_t e, nf_std_table **out, uint32_t cap) {
    uint32_t n = 0;
    for (uint32_t x = 0; x < s->m->nentities && n < cap; x++)
        if (s->tables[x].name && nf_bc_entity_is_a(s->m, x, e)) out[n++] = &s->tables[x];
    return n;
}

nf_vm_status nf_std_store_fail(nf_std_store *s, nf_vm *vm, const char *what) {
    int code = sqlite3_errcode(s->db);
    const char *why = code == SQLITE_BUSY || code == SQLITE_LOCKED
                          ? "the database is locked by another process"
                      : code == SQLITE_FULL     ? "the disk is full"
                      : code == SQLITE_READONLY ? "the database is read-only"
                      : code == SQLITE_CORRUPT  ? "the database file is corrupt"
                                                : sqlite3_errmsg(s->db);
    return nf_vm_raise(vm, NF_VM_E_RUNTIME, "local database: %s failed: %s", what, why);
}

/* ---- the statement cache --------------------------------------------------------------------- */

static uint32_t text_hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void cache_clear(nf_std_store *s) {
    for (uint32_t i = 0; i < s->cache_cap; i++) {
        if (!s->cache[i].sql) continue;
        sqlite3_finalize(s->cache[i].stmt);
        free(s->cache[i].sql);
        s->cache[i].sql = NULL;
    }
    s->cache_n = 0;
}

sqlite3_stmt *nf_std_store_stmt(nf_std_store *s, nf_vm *vm, const char *sql) {
    uint32_t mask = s->cache_cap - 1, i = text_hash(sql) & mask;
    for (; s->cache[i].sql; i = (i + 1) & mask)
        if (strcmp(s->cache[i].sql, sql) == 0) {
            sqlite3_stmt *st = s->cache[i].stmt;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    if (s->cache_n * 2 >= s->cache_cap) { /* full enough: start over (queries are few) */
        cache_clear(s);
        i = text_hash(sql) & mask;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        if (vm) nf_std_store_fail(s, vm, "preparing a query");
        return NULL;
    }
    char *copy = malloc(strlen(sql) + 1);
    if (!copy) {
        sqlite3_finalize(st);
        if (vm) nf_vm_raise(vm, NF_VM_E_LIMIT, "out of memory preparing a query");
        return NULL;
    }
    strcpy(copy, sql);
    s->cache[i].sql = copy;
    s->cache[i].stmt = st;
    s->cache_n++;
    return st;
}

/* ---- opening ------------------------------------------------------------------------------------
 */

typedef struct opener {
    nf_std_store *s;
    const char *path;
    char *err;
    size_t errn;
} opener;

static bool fail_open(opener *o, const char *what) {
    int code = sqlite3_errcode(o->s->db);
    const char *why = code == SQLITE_NOTADB    ? "it is not a SQLite database"
                      : code == SQLITE_CORRUPT ? "the database file is corrupt"
                      : code == SQLITE_BUSY || code == SQLITE_LOCKED
                          ? "the database is locked by another process"
                      : code == SQLITE_READONLY ? "the database is read-only"
                      : code == SQLITE_CANTOPEN ? "the file cannot be opened"
                                                : sqlite3_errmsg(o->s->db);
    snprintf(o->err, o->errn, "cannot open the local database %s: %s (%s)", o->path, why, what);
    return false;
}

static bool exec(opener *o, const char *sql, const char *what) {
    if (sqlite3_exec(o->s->db, sql, NULL, NULL, NULL) == SQLITE_OK) return true;
    return fail_open(o, what);
}

/* A single value of a one-row query (malloc'd text), or NULL. */
static char *query_text(sqlite3 *db, const char *sql, const char *param) {
    sqlite3_stmt *st;
    char *out = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
    if (param) sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        out = malloc(strlen(t) + 1);
        if (out) strcpy(out, t);
    }
    sqlite3_finalize(st);
    return out;
}

static int64_t query_int(sqlite3 *db, const char *sql, int64_t dflt) {
    sqlite3_stmt *st;
    int64_t v = dflt;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return dflt;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void reportf(nf_std_store *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void reportf(nf_std_store *s, const char *fmt, ...) {
    if (!s->report) return;
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s->report(s->report_ud, buf);
}

/* The module names of the model in entity order, comma-separated: identifies the app. */
static char *module_list(const nf_bc_module *m) {
    nf_std_text out = {0};
    nf_std_text_put(&out, "%s", "");
    for (uint32_t e = 0; e < m->nentities && !out.oom; e++) {
        const char *n = m->strings[m->entities[e].name], *dot = strchr(n, '.');
        if (!dot || (m->entities[e].flags & NF_BE_SYSTEM)) continue;
        int k = (int)(dot - n);
        bool seen = false; /* already listed? */
        for (const char *p = out.s; *p && !seen;) {
            const char *c = strchr(p, ',');
            size_t l = c ? (size_t)(c - p) : strlen(p);
            seen = l == (size_t)k && strncmp(p, n, (size_t)k) == 0;
            p = c ? c + 1 : p + l;
        }
        if (!seen) nf_std_text_put(&out, "%s%.*s", out.len ? "," : "", k, n);
    }
    if (out.oom) {
        free(out.s);
        return NULL;
    }
    return out.s;
}

static bool lists_share(const char *a, const char *b) {
    for (const char *p = a; *p;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        for (const char *q = b; *q;) {
            const char *d = strchr(q, ',');
            size_t k = d ? (size_t)(d - q) : strlen(q);
            if (k == l && strncmp(p, q, l) == 0) return true;
            q = d ? d + 1 : q + k;
        }
        p = c ? c + 1 : p + l;
    }
    return false;
}

static bool make_tables(nf_std_store *s) {
    const nf_bc_module *m = s->m;
    s->tables = calloc(m->nentities ? m->nentities : 1, sizeof *s->tables);
    if (!s->tables) return false;
    for (uint32_t e = 0; e < m->nentities; e++) {
        if (m->entities[e].persist != 0) continue;
        nf_std_table *t = &s->tables[e];
        t->entity = e;
        t->name = nf_std_store_quote(m->strings[m->entities[e].name]);
        t->nattrs = nf_bc_entity_attr_count(m, e);
        t->attr_cols = calloc(t->nattrs + 1, sizeof *t->attr_cols);
        t->attrs = calloc(t->nattrs + 1, sizeof *t->attrs);
        t->ref_assoc = calloc(m->nassocs + 1, sizeof *t->ref_assoc);
        t->ref_slot = calloc(m->nassocs + 1, sizeof *t->ref_slot);
        t->ref_cols = calloc(m->nassocs + 1, sizeof *t->ref_cols);
        t->by_ref = calloc(m->nassocs + 1, sizeof *t->by_ref);
        if (!t->name || !t->attr_cols || !t->attrs || !t->ref_assoc || !t->ref_slot || !t->ref_cols)
            return false;
        for (uint32_t a = 0; a < t->nattrs; a++) {
            t->attrs[a] = nf_bc_entity_attr(m, e, a);
            t->attr_cols[a] = nf_std_store_quote(m->strings[nf_bc_entity_attr(m, e, a)->name]);
            if (!t->attr_cols[a]) return false;
        }
        uint32_t slot = 0;
        for (uint32_t a = 0; a < m->nassocs; a++) {
            if (!nf_bc_entity_is_a(m, e, m->assocs[a].from)) continue;
            uint32_t sl = slot++; /* slots are numbered as the VM's layout numbers them */
            if (m->assocs[a].reference_set) continue;
            t->ref_assoc[t->nrefs] = a;
            t->ref_slot[t->nrefs] = sl;
            t->ref_cols[t->nrefs] = nf_std_store_quote(m->strings[m->assocs[a].name]);
            if (!t->ref_cols[t->nrefs++]) return false;
        }
        size_t need = 32;
        for (uint32_t a = 0; a < t->nattrs; a++)
            need += strlen(t->attr_cols[a]) + 4;
        for (uint32_t r = 0; r < t->nrefs; r++)
            need += strlen(t->ref_cols[r]) + 4;
        t->select_cols = malloc(need);
        if (!t->select_cols) return false;
        size_t k = (size_t)sprintf(t->select_cols, "_id, _state");
        for (uint32_t a = 0; a < t->nattrs; a++)
            k += (size_t)sprintf(t->select_cols + k, ", %s", t->attr_cols[a]);
        for (uint32_t r = 0; r < t->nrefs; r++)
            k += (size_t)sprintf(t->select_cols + k, ", %s", t->ref_cols[r]);
    }
    return true;
}

/* Unsynchronized rows of table t with a value in column col. */
static int64_t unsynced_values(nf_std_store *s, const char *table, const char *col) {
    nf_std_text b = {0};
    nf_std_text_put(&b, "SELECT count(*) FROM %s WHERE _state != 0 AND %s IS NOT NULL", table, col);
    int64_t n = b.oom ? 0 : query_int(s->db, b.s, 0);
    free(b.s);
    return n;
}

static bool create_table(opener *o, nf_std_table *t) {
    nf_std_store *s = o->s;
    nf_std_text b = {0};
    nf_std_text_put(
        &b,
        "CREATE TABLE %s (_id TEXT PRIMARY KEY NOT NULL, _state INTEGER NOT NULL DEFAULT 1, "
        "_changed TEXT, _rev INTEGER, _seq INTEGER",
        t->name);
    for (uint32_t a = 0; a < t->nattrs; a++)
        nf_std_text_put(&b, ", %s %s", t->attr_cols[a],
                        nf_std_store_coltype(nf_bc_entity_attr(s->m, t->entity, a)->type.kind));
    for (uint32_t r = 0; r < t->nrefs; r++)
        nf_std_text_put(&b, ", %s REFERENCE_TEXT", t->ref_cols[r]);
    nf_std_text_put(&b, ") WITHOUT ROWID");
    bool ok = !b.oom && exec(o, b.s, "creating a table");
    free(b.s);
    return ok;
}

/* Brings an existing table to the model: new columns are added; a column whose type changed
 * is renamed out of the way ("Name$old_TEXT") with its values and a new one added; columns
 * the model no longer has stay. Unsynchronized data affected is reported. */
static bool migrate_table(opener *o, nf_std_table *t, const char *plain) {
    nf_std_store *s = o->s;
    nf_std_text q = {0};
    nf_std_text_put(&q, "PRAGMA table_info(%s)", t->name);
    sqlite3_stmt *st;
    if (q.oom || sqlite3_prepare_v2(s->db, q.s, -1, &st, NULL) != SQLITE_OK) {
        free(q.s);
        return fail_open(o, "reading the schema");
    }
    free(q.s);
    /* existing columns: name and declared type */
    size_t ncols = 0, ccap = 16;
    char **names = malloc(ccap * sizeof *names), **types = malloc(ccap * sizeof *types);
    bool ok = names && types;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        if (ncols == ccap) {
            ccap *= 2;
            char **n2 = realloc(names, ccap * sizeof *names);
            if (n2) names = n2;
            char **t2 = n2 ? realloc(types, ccap * sizeof *types) : NULL;
            if (t2) types = t2;
            ok = n2 && t2;
            if (!ok) break;
        }
        const char *n = (const char *)sqlite3_column_text(st, 1);
        const char *ty = (const char *)sqlite3_column_text(st, 2);
        names[ncols] = nf_std_store_quote(n ? n : "");
        types[ncols] = malloc(strlen(ty ? ty : "") + 1);
        if (!names[ncols] || !types[ncols]) {
            free(names[ncols]);
            free(types[ncols]);
            ok = false;
            break;
        }
        strcpy(types[ncols], ty ? ty : "");
        ncols++;
    }
    sqlite3_finalize(st);
    uint32_t nwant = t->nattrs + t->nrefs;
    bool *used = calloc(ncols + 1, 1);
    ok = ok && used;
    for (uint32_t w = 0; ok && w < nwant; w++) {
        const char *col = w < t->nattrs ? t->attr_cols[w] : t->ref_cols[w - t->nattrs];
        const char *want =
            w < t->nattrs ? nf_std_store_coltype(nf_bc_entity_attr(s->m, t->entity, w)->type.kind)
                          : "REFERENCE_TEXT";
        size_t found = ncols;
        for (size_t c = 0; c < ncols; c++)
            if (strcmp(names[c], col) == 0) found = c;
        nf_std_text b = {0};
        if (found < ncols) {
            used[found] = true;
            if (strcmp(types[found], want) == 0) continue;
            /* retyped: keep the old values under another name */
            int64_t n = unsynced_values(s, t->name, col);
            char old[300], attr[260];
            snprintf(attr, sizeof attr, "%.*s", (int)strlen(col) - 2, col + 1);
            snprintf(old, sizeof old, "%s$old_%s", attr, types[found]);
            char *oq = nf_std_store_quote(old);
            nf_std_text_put(
                &b, "ALTER TABLE %s RENAME COLUMN %s TO %s; ALTER TABLE %s ADD COLUMN %s %s",
                t->name, col, oq ? oq : "\"?\"", t->name, col, want);
            ok = oq && !b.oom && exec(o, b.s, "changing a column's type");
            if (ok)
                reportf(s,
                        "%s.%s changed type (column type %s, now %s): the old values stay in "
                        "column %s (%lld unsynchronized rows have one)",
                        plain, attr, types[found], want, old, (long long)n);
            free(oq);
        } else {
            nf_std_text_put(&b, "ALTER TABLE %s ADD COLUMN %s %s", t->name, col, want);
            ok = !b.oom && exec(o, b.s, "adding a column");
        }
        free(b.s);
    }
    for (size_t c = 0; ok && c < ncols; c++) {
        if (used[c] || names[c][1] == '_' || strstr(names[c], "$old_")) continue;
        int64_t n = unsynced_values(s, t->name, names[c]);
        if (n > 0)
            reportf(s,
                    "%s has a column %s the model no longer has: its values stay in the database "
                    "(%lld unsynchronized rows have one)",
                    plain, names[c], (long long)n);
    }
    for (size_t c = 0; c < ncols; c++) {
        free(names[c]);
        free(types[c]);
    }
    free(names);
    free(types);
    free(used);
    return ok;
}

static bool table_exists(nf_std_store *s, const char *plain) {
    char *x =
        query_text(s->db, "SELECT name FROM sqlite_master WHERE type='table' AND name=?1", plain);
    free(x);
    return x != NULL;
}

static bool make_indexes(opener *o, nf_std_table *t) {
    nf_std_store *s = o->s;
    const nf_bc_module *m = s->m;
    const char *plain = m->strings[m->entities[t->entity].name];
    bool ok = true;
    for (uint32_t r = 0; ok && r < t->nrefs; r++) {
        char name[400];
        snprintf(name, sizeof name, "%s$%s", plain, m->strings[m->assocs[t->ref_assoc[r]].name]);
        char *q = nf_std_store_quote(name);
        nf_std_text b = {0};
        nf_std_text_put(&b, "CREATE INDEX IF NOT EXISTS %s ON %s (%s)", q ? q : "\"?\"", t->name,
                        t->ref_cols[r]);
        ok = q && !b.oom && exec(o, b.s, "creating an index");
        free(q);
        free(b.s);
    }
    /* declared indexes of the entity itself (inherited ones belong to the generalization) */
    const nf_bc_entity *en = &m->entities[t->entity];
    uint32_t base = t->nattrs - en->nattrs;
    for (uint32_t i = 0; ok && i < en->nindexes; i++) {
        const nf_bc_index *ix = &en->indexes[i];
        char name[400];
        snprintf(name, sizeof name, "%s$index%u", plain, i);
        char *q = nf_std_store_quote(name);
        nf_std_text b = {0};
        nf_std_text_put(&b, "CREATE INDEX IF NOT EXISTS %s ON %s (", q ? q : "\"?\"", t->name);
        for (uint32_t c = 0; c < ix->ncols; c++) {
            uint32_t a = ix->attrs[c] < t->nattrs ? ix->attrs[c] : base;
            nf_std_text_put(&b, "%s%s%s", c ? ", " : "", t->attr_cols[a],
                            ix->desc[c] ? " DESC" : "");
        }
        nf_std_text_put(&b, ")");
        ok = q && !b.oom && exec(o, b.s, "creating an index");
        free(q);
        free(b.s);
    }
    return ok;
}

/* Tables of entities the model no longer has: kept, reported when they hold unsynced rows. */
static void report_dropped_tables(nf_std_store *s) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
                           "'sqlite%' AND name NOT LIKE '\\_nf\\_%' ESCAPE '\\'",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        bool known = false;
        for (uint32_t e = 0; e < s->m->nentities && !known; e++)
            known = s->tables[e].name && strcmp(s->m->strings[s->m->entities[e].name], name) == 0;
        if (known) continue;
        char *q = nf_std_store_quote(name);
        nf_std_text b = {0};
        nf_std_text_put(&b, "SELECT count(*) FROM %s WHERE _state != 0", q ? q : "\"?\"");
        int64_t n = q && !b.oom ? query_int(s->db, b.s, 0) : 0;
        if (n > 0)
            reportf(s,
                    "entity %s is no longer in the model: its table stays in the database "
                    "(%lld unsynchronized rows)",
                    name, (long long)n);
        free(q);
        free(b.s);
    }
    sqlite3_finalize(st);
}

static bool set_meta(opener *o, const char *key, const char *value) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(o->s->db, "INSERT OR REPLACE INTO _nf_meta(key, value) VALUES(?1, ?2)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_open(o, "writing the meta table");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || fail_open(o, "writing the meta table");
}

/* A fingerprint of the tables the model asks for (names, columns, types, indexes): when it is
 * what the file recorded, there is nothing to migrate. */
static uint64_t schema_hash(const nf_std_store *s) {
    uint64_t h = 14695981039346656037ull;
#define MIX(str)                                                                                   \
    for (const char *p_ = (str); *p_; p_++)                                                        \
        h = (h ^ (unsigned char)*p_) * 1099511628211ull;                                           \
    h = (h ^ 0xff) * 1099511628211ull;
    for (uint32_t e = 0; e < s->m->nentities; e++) {
        const nf_std_table *t = &s->tables[e];
        if (!t->name) continue;
        MIX(t->name)
        for (uint32_t a = 0; a < t->nattrs; a++) {
            MIX(t->attr_cols[a])
            MIX(nf_std_store_coltype(nf_bc_entity_attr(s->m, e, a)->type.kind))
        }
        for (uint32_t r = 0; r < t->nrefs; r++) {
            MIX(t->ref_cols[r])
        }
        const nf_bc_entity *en = &s->m->entities[e];
        for (uint32_t i = 0; i < en->nindexes; i++)
            for (uint32_t c = 0; c < en->indexes[i].ncols; c++) {
                char b[32];
                snprintf(b, sizeof b, "i%u:%u:%u", i, en->indexes[i].attrs[c],
                         en->indexes[i].desc[c]);
                MIX(b)
            }
    }
#undef MIX
    return h;
}

static bool check_and_migrate(opener *o) {
    nf_std_store *s = o->s;
    const nf_bc_module *m = s->m;
    char *modules = module_list(m);
    if (!modules) return snprintf(o->err, o->errn, "out of memory"), false;
    bool fresh = !table_exists(s, "_nf_meta");
    if (fresh) {
        int64_t others = query_int(s->db,
                                   "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                                   "name NOT LIKE 'sqlite%'",
                                   -1);
        if (others < 0) {
            free(modules);
            return fail_open(o, "reading the schema");
        }
        if (others > 0) {
            free(modules);
            snprintf(o->err, o->errn,
                     "cannot open the local database %s: it is not a nanoflow database (it "
                     "holds other tables); use another file",
                     o->path);
            return false;
        }
    } else {
        char *fmt = query_text(s->db, "SELECT value FROM _nf_meta WHERE key='format'", NULL);
        char *theirs = query_text(s->db, "SELECT value FROM _nf_meta WHERE key='modules'", NULL);
        int format = fmt ? atoi(fmt) : 0;
        free(fmt);
        if (format > NF_STORE_FORMAT || format < 1) {
            free(theirs);
            free(modules);
            snprintf(o->err, o->errn,
                     "cannot open the local database %s: its format (%d) is %s this nanoflow's "
                     "(%d)",
                     o->path, format, format < 1 ? "not recognised by" : "newer than",
                     NF_STORE_FORMAT);
            return false;
        }
        if (theirs && *theirs && *modules && !lists_share(theirs, modules)) {
            snprintf(o->err, o->errn,
                     "cannot open the local database %s: it belongs to another app (modules "
                     "%s; this app has %s)",
                     o->path, theirs, modules);
            free(theirs);
            free(modules);
            return false;
        }
        free(theirs);
        /* the same model as last time: nothing to migrate (and nothing to report again) */
        char hash[32];
        snprintf(hash, sizeof hash, "%016llx", (unsigned long long)schema_hash(s));
        char *stored = query_text(s->db, "SELECT value FROM _nf_meta WHERE key='schema'", NULL);
        bool same = stored && strcmp(stored, hash) == 0 && format == NF_STORE_FORMAT;
        free(stored);
        if (same) {
            free(modules);
            s->seq = query_int(s->db, "SELECT value FROM _nf_meta WHERE key='seq'", 0);
            return true;
        }
    }
    bool ok = exec(o, "BEGIN IMMEDIATE", "starting the schema update");
    if (ok && fresh)
        ok = exec(o, "CREATE TABLE _nf_meta (key TEXT PRIMARY KEY NOT NULL, value)",
                  "creating the meta table");
    for (uint32_t e = 0; ok && e < m->nentities; e++) {
        nf_std_table *t = &s->tables[e];
        if (!t->name) continue;
        const char *plain = m->strings[m->entities[e].name];
        ok = table_exists(s, plain) ? migrate_table(o, t, plain) : create_table(o, t);
        if (ok) ok = make_indexes(o, t);
    }
    if (ok && !fresh) report_dropped_tables(s);
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)m->model_hash);
    char schema[32];
    snprintf(schema, sizeof schema, "%016llx", (unsigned long long)schema_hash(s));
    if (ok) ok = set_meta(o, "format", "1") && set_meta(o, "model_hash", hash);
    if (ok) ok = set_meta(o, "schema", schema);
    if (ok) ok = set_meta(o, "modules", modules);
    if (ok && fresh) {
        char *id = query_text(s->db, "SELECT lower(hex(randomblob(16)))", NULL);
        ok = id && set_meta(o, "client_id", id) && set_meta(o, "seq", "0");
        free(id);
    }
    free(modules);
    if (ok) ok = exec(o, "COMMIT", "finishing the schema update");
    if (!ok) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (ok) s->seq = query_int(s->db, "SELECT value FROM _nf_meta WHERE key='seq'", 0);
    return ok;
}

nf_std_store *nf_std_store_open(const nf_bc_module *m, const char *path, nf_std_store_report report,
                                void *report_ud, char *err, size_t errn) {
    nf_std_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    s->m = m;
    s->report = report;
    s->report_ud = report_ud;
    s->cache_cap = 256;
    s->cache = calloc(s->cache_cap, sizeof *s->cache);
    opener o = {s, path && *path ? path : ":memory:", err, errn};
    bool ok = s->cache && make_tables(s);
    if (!ok) snprintf(err, errn, "out of memory");
    /* URI names ("file:app.db?mode=ro") are accepted; no mutex: a runtime is one thread's */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    if (ok && sqlite3_open_v2(o.path, &s->db, flags, NULL) != SQLITE_OK)
        ok = s->db ? fail_open(&o, "opening") : (snprintf(err, errn, "out of memory"), false);
    if (ok && sqlite3_db_readonly(s->db, "main") == 1) {
        snprintf(err, errn,
                 "cannot open the local database %s: the file is read-only (nanoflow writes "
                 "every commit to it)",
                 o.path);
        ok = false;
    }
    if (ok) sqlite3_busy_timeout(s->db, 2000);
    if (ok && !nf_std_store_register_functions(s->db)) ok = fail_open(&o, "registering functions");
    /* the first statement reads the file: not-a-database and corruption show up here */
    if (ok) ok = exec(&o, "PRAGMA journal_mode=WAL", "switching to WAL mode");
    if (ok) ok = exec(&o, "PRAGMA synchronous=FULL", "setting durability");
    if (ok) ok = check_and_migrate(&o);
    if (!ok) {
        nf_std_store_close(s);
        return NULL;
    }
    /* the user who signed in last on this device ([%CurrentUser%] while offline) */
    s->user_id = query_text(s->db, "SELECT value FROM _nf_meta WHERE key='user_id'", NULL);
    /* uploads whose answers never came, recorded by an earlier process's sync client: a run
     * without a server (`nanoflow run --db` offline) must still keep such a new object marked
     * deleted when it deletes it, or the server's copy comes back at the next download (found
     * by tests/cli/sync_kill.sh) */
    char *sent = query_text(
        s->db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_nf_sent'", NULL);
    s->sent_table = sent != NULL;
    free(sent);
    s->iface.ud = s;
    s->iface.commit = nf_std_store_commit;
    s->iface.remove = nf_std_store_remove;
    s->iface.query = nf_std_store_query;
    s->iface.load = nf_std_store_load;
    s->iface.clear = nf_std_store_clear;
    s->iface.token = nf_std_store_token;
    s->iface.text_cmp = nf_std_store_text_cmp;
    s->iface.text_find = nf_std_store_text_find;
    return s;
}

void nf_std_store_close(nf_std_store *s) {
    if (!s) return;
    if (s->cache) cache_clear(s);
    free(s->cache);
    for (uint32_t e = 0; s->tables && e < s->m->nentities; e++) {
        nf_std_table *t = &s->tables[e];
        sqlite3_finalize(t->upsert);
        sqlite3_finalize(t->insert);
        sqlite3_finalize(t->by_id);
        sqlite3_finalize(t->sync_write[0]);
        sqlite3_finalize(t->sync_write[1]);
        for (uint32_t a = 0; t->attr_cols && a < t->nattrs; a++)
            free(t->attr_cols[a]);
        for (uint32_t r = 0; t->ref_cols && r < t->nrefs; r++) {
            free(t->ref_cols[r]);
            if (t->by_ref) sqlite3_finalize(t->by_ref[r]);
        }
        free(t->by_ref);
        free(t->name);
        free(t->attr_cols);
        free(t->attrs);
        free(t->ref_assoc);
        free(t->ref_slot);
        free(t->ref_cols);
        free(t->select_cols);
    }
    free(s->tables);
    if (s->db) sqlite3_close_v2(s->db);
    free(s->user_id);
    free(s);
}

const nf_vm_store *nf_std_store_iface(nf_std_store *s) {
    return &s->iface;
}

void nf_std_store_set_user(nf_std_store *s, const char *user_id) {
    free(s->user_id);
    s->user_id = NULL;
    if (user_id) {
        s->user_id = malloc(strlen(user_id) + 1);
        if (s->user_id) strcpy(s->user_id, user_id);
    }
}

sqlite3 *nf_std_store_db(nf_std_store *s) {
    return s->db;
}
