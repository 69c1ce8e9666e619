/* std_store_rw.c — the store's operations for the VM: commit (validation, then one upsert per
 * object, one transaction), delete with the offline rules, queries and loads that turn rows into
 * objects (one instance per row through the VM's identity map), and clear from device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_builtins.h"
#include "std_store.h"
#include "std_text.h"

static const char *entity_name(const nf_std_store *s, uint32_t e) {
    return s->m->strings[s->m->entities[e].name];
}

static bool exec(nf_std_store *s, const char *sql) {
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* A commit action is one transaction; inside a transaction of the host's (the sync server
 * applying an upload unit runs event handlers that commit) it is a savepoint of that one. */
static nf_vm_status begin(nf_std_store *s, nf_vm *vm, const char *what) {
    if (exec(s, sqlite3_get_autocommit(s->db) ? "BEGIN IMMEDIATE" : "SAVEPOINT nf_store"))
        return NF_VM_OK;
    return nf_std_store_fail(s, vm, what);
}

static void rollback(nf_std_store *s) {
    if (exec(s, "ROLLBACK TO nf_store"))
        exec(s, "RELEASE nf_store");
    else if (!sqlite3_get_autocommit(s->db))
        exec(s, "ROLLBACK");
}

/* Saves the commit counter and commits the transaction. */
static nf_vm_status finish(nf_std_store *s, nf_vm *vm, int64_t seq, const char *what) {
    sqlite3_stmt *st = nf_std_store_stmt(s, vm, "UPDATE _nf_meta SET value = ?1 WHERE key = 'seq'");
    if (!st) {
        rollback(s);
        return NF_VM_ERROR;
    }
    sqlite3_bind_int64(st, 1, seq);
    if (sqlite3_step(st) != SQLITE_DONE || (!exec(s, "RELEASE nf_store") && !exec(s, "COMMIT"))) {
        nf_std_store_fail(s, vm, what);
        rollback(s);
        return NF_VM_ERROR;
    }
    s->seq = seq;
    return NF_VM_OK;
}

/* The plain text a commit writes for a Decimal of at most 18 digits ("-12.95"): mantissa and
 * scale directly (nf_dec_from_parts canonicalises); anything else goes to nf_dec_parse. */
static bool short_decimal(const char *t, size_t n, nf_dec *out) {
    if (n == 0 || n > 19) return false;
    size_t i = t[0] == '-';
    int64_t m = 0;
    int32_t scale = -1, digits = 0;
    for (; i < n; i++) {
        char ch = t[i];
        if (ch >= '0' && ch <= '9') {
            m = m * 10 + (ch - '0');
            digits++;
            if (scale >= 0) scale++;
        } else if (ch == '.' && scale < 0) {
            scale = 0;
        } else {
            return false;
        }
    }
    if (digits == 0 || digits > 18 || scale == 0) return false;
    return nf_dec_from_parts(t[0] == '-' ? -m : m, scale < 0 ? 0 : scale, out) == NF_DEC_OK;
}

/* ---- rows to objects ------------------------------------------------------------------------- */

nf_vm_status nf_std_store_read_value(nf_std_store *s, nf_vm *vm, sqlite3_stmt *st, int c,
                                     const nf_bc_attr *a, nf_val *out) {
    int type = sqlite3_column_type(st, c);
    if (type == SQLITE_NULL) {
        if (a->type.kind == NF_BT_BOOL) *out = nf_vm_bool(false);
        return NF_VM_OK;
    }
    uint16_t ref = out->ref;
    switch (a->type.kind) {
    case NF_BT_BOOL: *out = nf_vm_bool(sqlite3_column_int64(st, c) != 0); break;
    case NF_BT_INT: *out = nf_vm_int(sqlite3_column_int64(st, c)); break;
    case NF_BT_DT: *out = nf_vm_datetime(sqlite3_column_int64(st, c)); break;
    case NF_BT_DEC: {
        const char *t = (const char *)sqlite3_column_text(st, c);
        size_t n = (size_t)sqlite3_column_bytes(st, c);
        nf_dec d;
        if (t && short_decimal(t, n, &d))
            *out = nf_vm_dec_val(d);
        else if (t && nf_dec_parse(t, n, &d) == NF_DEC_OK)
            *out = nf_vm_dec_val(d); /* text that is no number (edited by hand) reads empty */
        break;
    }
    case NF_BT_STR: {
        const char *t = (const char *)sqlite3_column_text(st, c);
        size_t n = (size_t)sqlite3_column_bytes(st, c);
        if (!t) break;
        if (nf_std_utf8_valid(t, n)) {
            if (nf_vm_string(vm, t, n, out) != NF_VM_OK) return NF_VM_ERROR;
        } else { /* bad bytes become U+FFFD: Strings are always UTF-8 */
            nf_std_buf b;
            nf_std_buf_init(&b);
            nf_vm_status rc = nf_std_utf8_sanitize(t, n, &b) == NF_STD_TEXT_OK
                                  ? nf_vm_string(vm, b.p, b.len, out)
                                  : nf_vm_no_memory(vm, n, "reading a String");
            nf_std_buf_free(&b);
            if (rc != NF_VM_OK) return rc;
        }
        break;
    }
    case NF_BT_ENUM: {
        const char *t = (const char *)sqlite3_column_text(st, c);
        const nf_bc_enum *en = &s->m->enums[a->type.ref];
        for (uint32_t k = 0; t && k < en->nvalues; k++)
            if (strcmp(s->m->strings[en->value_names[k]], t) == 0) {
                out->u.e = k;
                out->flags = 0;
            }
        break; /* a key the model no longer has reads empty */
    }
    default: break;
    }
    out->ref = ref;
    return NF_VM_OK;
}

/* Turns the row at column `c0` (_id, _state, the columns of table t) into an object of t's
 * entity (a new reference in *out; NULL for a row whose id is unreadable). */
static nf_vm_status read_row(nf_std_store *s, nf_vm *vm, sqlite3_stmt *st, int c0,
                             const nf_std_table *t, nf_vm_obj **out) {
    *out = NULL;
    uint8_t id[16];
    const char *idt = (const char *)sqlite3_column_text(st, c0);
    if (!nf_std_uuid_parse(idt, idt ? (size_t)sqlite3_column_bytes(st, c0) : 0, id))
        return NF_VM_OK;
    bool fresh;
    nf_vm_obj *o = nf_vm_obj_row(vm, t->entity, id, &fresh);
    if (!o) return NF_VM_ERROR;
    if (fresh) {
        o->sync = (uint8_t)sqlite3_column_int(st, c0 + 1);
        for (uint32_t a = 0; a < t->nattrs; a++)
            if (nf_std_store_read_value(s, vm, st, c0 + 2 + (int)a, t->attrs[a], &o->attrs[a]) !=
                NF_VM_OK) {
                nf_vm_obj_release(vm, o);
                return NF_VM_ERROR;
            }
        for (uint32_t r = 0; r < t->nrefs; r++) {
            int c = c0 + 2 + (int)(t->nattrs + r);
            const char *rt = (const char *)sqlite3_column_text(st, c);
            uint8_t rid[16];
            if (rt && nf_std_uuid_parse(rt, (size_t)sqlite3_column_bytes(st, c), rid) &&
                nf_vm_obj_set_pending(vm, o, t->ref_slot[r], rid) != NF_VM_OK) {
                nf_vm_obj_release(vm, o);
                return NF_VM_ERROR;
            }
        }
    }
    *out = o;
    return NF_VM_OK;
}

nf_vm_status nf_std_store_load(void *ud, nf_vm *vm, uint32_t entity, const uint8_t id[16],
                               nf_vm_obj **out) {
    nf_std_store *s = ud;
    *out = nf_vm_idmap_get(vm, id);
    if (*out) {
        (*out)->refs++;
        return NF_VM_OK;
    }
    nf_std_table *tabs[64];
    uint32_t nt = nf_std_store_tables_of(s, entity, tabs, 64);
    char idt[37];
    nf_std_uuid_text(id, idt);
    for (uint32_t i = 0; i < nt; i++) {
        nf_std_table *t = tabs[i];
        sqlite3_stmt *st = t->by_id;
        if (!st) {
            char sql[64 + 4096];
            int n = snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE _id = ?1 AND _state != 3",
                             t->select_cols, t->name);
            if (n < 0 || (size_t)n >= sizeof sql) {
                char *big = malloc((size_t)n + 1);
                if (!big) return nf_vm_no_memory(vm, (size_t)n, "reading an object");
                snprintf(big, (size_t)n + 1, "SELECT %s FROM %s WHERE _id = ?1 AND _state != 3",
                         t->select_cols, t->name);
                int rc = sqlite3_prepare_v3(s->db, big, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
                free(big);
                if (rc != SQLITE_OK) return nf_std_store_fail(s, vm, "reading an object");
            } else if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
                       SQLITE_OK) {
                return nf_std_store_fail(s, vm, "reading an object");
            }
            t->by_id = st;
        }
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, idt, 36, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            nf_vm_status r = read_row(s, vm, st, 0, t, out);
            sqlite3_reset(st);
            return r;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) return nf_std_store_fail(s, vm, "reading an object");
    }
    return NF_VM_OK;
}

/* Steps st (bound, reset after) and appends each row's object to out. Rows have t's columns
 * after an entity tag when tagged (a query over specializations: a row of another entity than
 * `entity` is loaded from its own table). */
static nf_vm_status collect(nf_std_store *s, nf_vm *vm, sqlite3_stmt *st, const nf_std_table *t,
                            bool tagged, uint32_t entity, nf_vm_list *out) {
    nf_vm_status rc = NF_VM_OK;
    int step;
    while (rc == NF_VM_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        nf_vm_obj *o = NULL;
        uint32_t e = tagged ? (uint32_t)sqlite3_column_int64(st, 0) : entity;
        if (e == entity) {
            rc = read_row(s, vm, st, tagged ? 1 : 0, t, &o);
        } else if (e < s->m->nentities) { /* a specialization: its own table has every column */
            uint8_t id[16];
            const char *idt = (const char *)sqlite3_column_text(st, 1);
            if (nf_std_uuid_parse(idt, idt ? (size_t)sqlite3_column_bytes(st, 1) : 0, id))
                rc = nf_std_store_load(s, vm, e, id, &o);
        }
        if (rc == NF_VM_OK && o) {
            rc = nf_vm_list_push(vm, out, o);
            nf_vm_obj_release(vm, o);
        }
    }
    if (rc == NF_VM_OK && step != SQLITE_DONE) rc = nf_std_store_fail(s, vm, "a retrieve");
    sqlite3_reset(st);
    return rc;
}

/* The rows of table t whose Reference column r holds target, in id order: one prepared
 * statement per column (retrieves over an association from its other side are frequent). */
static nf_vm_status query_by_ref(nf_std_store *s, nf_vm *vm, nf_std_table *t, uint32_t r,
                                 const uint8_t target[16], nf_vm_list *out) {
    sqlite3_stmt *st = t->by_ref[r];
    if (!st) {
        size_t n = strlen(t->select_cols) + strlen(t->name) + strlen(t->ref_cols[r]) + 96;
        char *sql = malloc(n);
        if (!sql) return nf_vm_no_memory(vm, n, "reading objects");
        snprintf(sql, n, "SELECT %s FROM %s WHERE %s = ?1 AND _state != 3 ORDER BY _id",
                 t->select_cols, t->name, t->ref_cols[r]);
        int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        free(sql);
        if (rc != SQLITE_OK) return nf_std_store_fail(s, vm, "preparing a query");
        t->by_ref[r] = st;
    }
    char idt[37];
    nf_std_uuid_text(target, idt);
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, idt, 36, SQLITE_STATIC);
    return collect(s, vm, st, t, false, t->entity, out);
}

nf_vm_status nf_std_store_query(void *ud, nf_vm *vm, const nf_vm_query *q, nf_vm_list *out) {
    nf_std_store *s = ud;
    if (q->assoc != NF_BC_NONE && q->xpath == NF_BC_NONE && q->nsort == 0 && q->limit < 0 &&
        q->offset == 0) {
        nf_std_table *tabs[2];
        if (nf_std_store_tables_of(s, q->entity, tabs, 2) == 1)
            for (uint32_t r = 0; r < tabs[0]->nrefs; r++)
                if (tabs[0]->ref_assoc[r] == q->assoc)
                    return query_by_ref(s, vm, tabs[0], r, q->target, out);
    }
    nf_std_sqlq sq;
    if (nf_std_store_build_query(s, vm, q, &sq) != NF_VM_OK) {
        nf_std_sqlq_free(vm, &sq);
        return NF_VM_ERROR;
    }
    sqlite3_stmt *st = nf_std_store_stmt(s, vm, sq.sql.s);
    if (!st || !nf_std_store_bind_all(vm, st, &sq)) {
        if (st) nf_std_store_fail(s, vm, "binding a query");
        nf_std_sqlq_free(vm, &sq);
        return NF_VM_ERROR;
    }
    const nf_std_table *t = &s->tables[q->entity];
    bool tagged = strncmp(sq.sql.s, "SELECT * FROM (", 15) == 0;
    nf_std_sqlq_free(vm, &sq);
    return collect(s, vm, st, t, tagged, q->entity, out);
}

static nf_vm_status unsupported_unique(nf_vm *vm) {
    return nf_vm_raise(vm, NF_VM_E_RUNTIME,
                       "a unique rule over this many attributes is not supported");
}

/* ---- validation ------------------------------------------------------------------------------ */

static bool is_blank(const nf_val *v) {
    return nf_vm_is_empty(v) || (v->kind == NF_BT_STR && v->u.s->len == 0);
}

static nf_vm_status invalid(nf_std_store *s, nf_vm *vm, uint32_t message, const char *fmt,
                            const char *a, const char *b) {
    if (message != NF_BC_NONE)
        return nf_vm_raise(vm, NF_VM_E_VALIDATION, "%s", s->m->strings[message]);
    return nf_vm_raise(vm, NF_VM_E_VALIDATION, fmt, a, b);
}

static int cmp_num(const nf_val *a, const nf_val *b) {
    if (a->kind == NF_BT_DEC || b->kind == NF_BT_DEC) {
        nf_dec x, y;
        if (a->kind == NF_BT_DEC)
            x = nf_vm_dec_of(a);
        else
            nf_dec_from_int64(a->u.i, &x);
        if (b->kind == NF_BT_DEC)
            y = nf_vm_dec_of(b);
        else
            nf_dec_from_int64(b->u.i, &y);
        return nf_dec_cmp(&x, &y);
    }
    return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
}

/* Everything but uniqueness (which needs the rows written). Decimals are rounded as stored. */
static nf_vm_status validate(nf_std_store *s, nf_vm *vm, nf_vm_obj *o) {
    const nf_bc_module *m = s->m;
    const char *en = entity_name(s, o->entity);
    const nf_std_table *t = &s->tables[o->entity];
    for (uint32_t i = 0; i < o->nattrs && i < t->nattrs; i++) {
        const nf_bc_attr *a = t->attrs[i];
        nf_val *v = &o->attrs[i];
        const char *an = m->strings[a->name];
        if ((a->flags & (NF_BA_REQUIRED | NF_BA_NOT_NULL)) && is_blank(v))
            return invalid(s, vm, a->message, "%s.%s is required", en, an);
        if (a->type.kind == NF_BT_STR && a->length && !is_blank(v) &&
            nf_std_utf16_len(v->u.s->s, v->u.s->len) > (int32_t)a->length) {
            char lim[32];
            snprintf(lim, sizeof lim, "%u", a->length);
            return nf_vm_raise(vm, NF_VM_E_VALIDATION,
                               "%s.%s is longer than its maximum length of %s characters", en, an,
                               lim);
        }
        if (a->type.kind == NF_BT_DEC && !nf_vm_is_empty(v)) {
            nf_dec d = nf_vm_dec_of(v), r;
            nf_dec_status ds = nf_dec_for_storage(&d, &r);
            if (ds == NF_DEC_OVERFLOW)
                return nf_vm_raise(vm, NF_VM_E_VALIDATION,
                                   "%s.%s is too large for a Decimal attribute (more than 20 "
                                   "digits before the point)",
                                   en, an);
            if (ds != NF_DEC_OK) return nf_vm_no_memory(vm, 0, "committing a Decimal");
            uint16_t ref = v->ref;
            nf_vm_val_release(vm, v);
            *v = nf_vm_dec_val(r);
            v->ref = ref;
        }
    }
    for (uint32_t e = o->entity; e != NF_BC_NONE; e = m->entities[e].generalization) {
        const nf_bc_entity *ent = &m->entities[e];
        uint32_t base = nf_bc_entity_attr_count(m, e) - ent->nattrs;
        (void)base;
        for (uint32_t k = 0; k < ent->nrules; k++) {
            const nf_bc_rule *r = &ent->rules[k];
            for (uint32_t j = 0; j < r->nattrs; j++) {
                if (r->attrs[j] >= o->nattrs) continue;
                const nf_val *v = &o->attrs[r->attrs[j]];
                const char *an = m->strings[nf_bc_entity_attr(m, o->entity, r->attrs[j])->name];
                if (r->kind == NF_BR_REQUIRED && is_blank(v))
                    return invalid(s, vm, r->message, "%s.%s is required", en, an);
                if (r->kind == NF_BR_RANGE && !nf_vm_is_empty(v)) {
                    bool bad = false;
                    if (r->lo_k != NF_BC_NONE) {
                        int c = cmp_num(v, &vm->consts[r->lo_k]);
                        bad = r->lo_strict ? c <= 0 : c < 0;
                    }
                    if (!bad && r->hi_k != NF_BC_NONE) {
                        int c = cmp_num(v, &vm->consts[r->hi_k]);
                        bad = r->hi_strict ? c >= 0 : c > 0;
                    }
                    if (bad) return invalid(s, vm, r->message, "%s.%s is out of range", en, an);
                }
                if (r->kind == NF_BR_REGEX && !is_blank(v) && v->kind == NF_BT_STR &&
                    r->pattern != NF_BC_NONE) {
                    nf_std_ctx *cx = nf_std_ctx_of(vm);
                    bool ok = false;
                    char err[200];
                    const char *p = m->strings[r->pattern];
                    if (nf_std_regex_is_match(cx ? cx->regex : NULL, v->u.s->s, v->u.s->len, p,
                                              strlen(p), &ok, err, sizeof err) != NF_STD_TEXT_OK)
                        return nf_vm_raise(vm, NF_VM_E_VALIDATION, "%s.%s: %s", en, an, err);
                    if (!ok)
                        return invalid(s, vm, r->message, "%s.%s does not match its pattern", en,
                                       an);
                }
            }
        }
    }
    return NF_VM_OK;
}

/* Is there another live row of o's table with the same values in attrs (all non-empty)?
 * Strings compare exactly here: 'ab' and 'AB' are different codes. */
static nf_vm_status duplicate(nf_std_store *s, nf_vm *vm, nf_vm_obj *o, const uint32_t *attrs,
                              uint32_t n, bool *dup) {
    const nf_std_table *t = &s->tables[o->entity];
    *dup = false;
    char sql[4096];
    size_t k = (size_t)snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE _state != 3 AND _id != ?1",
                                t->name);
    for (uint32_t j = 0; j < n; j++) {
        if (attrs[j] >= o->nattrs || is_blank(&o->attrs[attrs[j]])) return NF_VM_OK;
        uint8_t kind = o->attrs[attrs[j]].kind;
        k += (size_t)snprintf(sql + k, sizeof sql - k, " AND %s = ?%u%s", t->attr_cols[attrs[j]],
                              j + 2, kind == NF_BT_DEC ? " COLLATE NF_DECIMAL" : "");
        if (k >= sizeof sql - 32) return unsupported_unique(vm);
    }
    snprintf(sql + k, sizeof sql - k, " LIMIT 1");
    sqlite3_stmt *st = nf_std_store_stmt(s, vm, sql);
    if (!st) return NF_VM_ERROR;
    char idt[37];
    nf_std_uuid_text(o->id, idt);
    sqlite3_bind_text(st, 1, idt, 36, SQLITE_STATIC);
    for (uint32_t j = 0; j < n; j++)
        nf_std_store_bind(vm, st, (int)j + 2, &o->attrs[attrs[j]]);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return nf_std_store_fail(s, vm, "checking uniqueness");
    *dup = rc == SQLITE_ROW;
    return NF_VM_OK;
}

/* Unique attributes, then unique rules (a rule over several attributes: the combination). */
static nf_vm_status check_unique(nf_std_store *s, nf_vm *vm, nf_vm_obj *o) {
    const nf_bc_module *m = s->m;
    const char *en = entity_name(s, o->entity);
    bool dup;
    for (uint32_t i = 0; i < o->nattrs; i++) {
        const nf_bc_attr *a = nf_bc_entity_attr(m, o->entity, i);
        if (!(a->flags & NF_BA_UNIQUE)) continue;
        if (duplicate(s, vm, o, &i, 1, &dup) != NF_VM_OK) return NF_VM_ERROR;
        if (dup) return invalid(s, vm, a->message, "%s.%s must be unique", en, m->strings[a->name]);
    }
    for (uint32_t e = o->entity; e != NF_BC_NONE; e = m->entities[e].generalization)
        for (uint32_t k = 0; k < m->entities[e].nrules; k++) {
            const nf_bc_rule *r = &m->entities[e].rules[k];
            if (r->kind != NF_BR_UNIQUE || !r->nattrs) continue;
            if (duplicate(s, vm, o, r->attrs, r->nattrs, &dup) != NF_VM_OK) return NF_VM_ERROR;
            if (dup)
                return invalid(s, vm, r->message, "%s: %s must be unique", en,
                               r->nattrs > 1 ? "the combination of values" : "the value");
        }
    return NF_VM_OK;
}

nf_vm_status nf_std_store_validate(nf_std_store *s, nf_vm *vm, nf_vm_obj *o) {
    if (validate(s, vm, o) != NF_VM_OK) return NF_VM_ERROR;
    return check_unique(s, vm, o);
}

/* ---- commit ---------------------------------------------------------------------------------- */

/* The statement that writes a row of t: an upsert, or for the first write of a new object an
 * insert that leaves an existing row alone (so an id that is already taken is noticed). */
static sqlite3_stmt *write_stmt(nf_std_store *s, nf_vm *vm, nf_std_table *t, bool insert) {
    sqlite3_stmt **slot = insert ? &t->insert : &t->upsert;
    if (*slot) {
        sqlite3_reset(*slot);
        return *slot;
    }
    size_t cap = 512 + 4 * strlen(t->select_cols) + 16 * (t->nattrs + t->nrefs);
    char *sql = malloc(cap);
    if (!sql) {
        nf_vm_no_memory(vm, cap, "committing");
        return NULL;
    }
    uint32_t ncols = t->nattrs + t->nrefs;
    size_t k = (size_t)snprintf(sql, cap, "INSERT INTO %s (_id, _state, _changed, _seq", t->name);
    for (uint32_t c = 0; c < ncols; c++)
        k += (size_t)snprintf(sql + k, cap - k, ", %s",
                              c < t->nattrs ? t->attr_cols[c] : t->ref_cols[c - t->nattrs]);
    k += (size_t)snprintf(sql + k, cap - k, ") VALUES (?1, 1, NULL, ?2");
    for (uint32_t c = 0; c < ncols; c++)
        k += (size_t)snprintf(sql + k, cap - k, ", ?%u", c + 4);
    if (insert) {
        /* ?3 (the changed members) is unused here: binding an unused numbered slot is fine */
        snprintf(sql + k, cap - k, ") ON CONFLICT(_id) DO NOTHING");
    } else {
        k += (size_t)snprintf(sql + k, cap - k,
                              ") ON CONFLICT(_id) DO UPDATE SET _seq = excluded._seq");
        for (uint32_t c = 0; c < ncols; c++) {
            const char *col = c < t->nattrs ? t->attr_cols[c] : t->ref_cols[c - t->nattrs];
            k += (size_t)snprintf(sql + k, cap - k, ", %s = excluded.%s", col, col);
        }
        snprintf(sql + k, cap - k,
                 ", _changed = CASE WHEN _state = 1 THEN NULL ELSE nf_merge_changed(CASE WHEN "
                 "_state = 2 THEN _changed END, ?3) END, _state = CASE WHEN _state = 1 THEN 1 "
                 "ELSE 2 END");
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
        free(sql);
        nf_std_store_fail(s, vm, "preparing a commit");
        return NULL;
    }
    free(sql);
    return *slot;
}

/* The members changed since the snapshot, as ",A,B," (NULL: none or all). */
static char *changed_list(nf_std_store *s, const nf_std_table *t, const nf_vm_obj *o) {
    if (o->state == NF_OBJ_NEW || !nf_vm_obj_saved(o)) return NULL;
    nf_std_text out = {0};
    nf_std_text_put(&out, ",");
    for (uint32_t i = 0; i < t->nattrs + t->nrefs; i++) {
        uint32_t member = i < t->nattrs ? i : t->nattrs + t->ref_slot[i - t->nattrs];
        if (!nf_vm_obj_member_changed(o, member)) continue;
        nf_std_text_put(&out, "%s,",
                        i < t->nattrs
                            ? s->m->strings[t->attrs[i]->name]
                            : s->m->strings[s->m->assocs[t->ref_assoc[i - t->nattrs]].name]);
    }
    if (out.oom) {
        free(out.s);
        return NULL;
    }
    return out.s;
}

static nf_vm_status write_row(nf_std_store *s, nf_vm *vm, nf_std_table *t, nf_vm_obj *o,
                              int64_t seq, bool insert, uint8_t *state, bool *taken);

static nf_vm_status write_object(nf_std_store *s, nf_vm *vm, nf_vm_obj *o, int64_t seq,
                                 uint8_t *state) {
    nf_std_table *t = &s->tables[o->entity];
    bool insert = o->state == NF_OBJ_NEW && !o->stored;
    for (int attempt = 0;; attempt++) {
        bool taken = false;
        if (write_row(s, vm, t, o, seq, insert, state, &taken) != NF_VM_OK) return NF_VM_ERROR;
        if (!taken) return NF_VM_OK;
        /* the id is a row's already (a host's random source repeated itself): a new object
         * has no row yet, so it can take another id */
        if (attempt == 8)
            return nf_vm_raise(vm, NF_VM_E_RUNTIME,
                               "cannot commit a new %s object: its generated ids are all taken "
                               "(the host's random source repeats itself)",
                               entity_name(s, o->entity));
        nf_vm_obj_new_id(vm, o);
    }
}

static nf_vm_status write_row(nf_std_store *s, nf_vm *vm, nf_std_table *t, nf_vm_obj *o,
                              int64_t seq, bool insert, uint8_t *state, bool *taken) {
    sqlite3_stmt *st = write_stmt(s, vm, t, insert);
    if (!st) return NF_VM_ERROR;
    char idt[37];
    nf_std_uuid_text(o->id, idt);
    sqlite3_bind_text(st, 1, idt, 36, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, seq);
    char *changed = changed_list(s, t, o);
    if (changed)
        sqlite3_bind_text(st, 3, changed, -1, free);
    else
        sqlite3_bind_null(st, 3);
    int rc = SQLITE_OK;
    for (uint32_t a = 0; a < t->nattrs && rc == SQLITE_OK; a++)
        rc = nf_std_store_bind(vm, st, (int)a + 4, &o->attrs[a]);
    for (uint32_t r = 0; r < t->nrefs && rc == SQLITE_OK; r++) {
        uint8_t id[16];
        char rt[37];
        int col = (int)(t->nattrs + r) + 4;
        if (nf_vm_obj_slot_id(vm, o, t->ref_slot[r], id)) {
            nf_std_uuid_text(id, rt);
            rc = sqlite3_bind_text(st, col, rt, 36, SQLITE_TRANSIENT);
        } else {
            rc = sqlite3_bind_null(st, col);
        }
    }
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    /* no RETURNING: it costs a statement journal per row (half of a big commit's time); the
     * row's new state follows from what the object knows about its row */
    *taken = insert && rc == SQLITE_DONE && sqlite3_changes(s->db) == 0; /* DO NOTHING */
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return nf_std_store_fail(s, vm, "writing an object");
    *state = insert || !o->stored || o->sync == NF_SYNC_NEW ? NF_SYNC_NEW : NF_SYNC_CHANGED;
    return NF_VM_OK;
}

static bool to_write(nf_std_store *s, nf_vm_obj *o) {
    return s->tables[o->entity].name &&
           (o->state == NF_OBJ_NEW || !o->stored || o->changed || o->sync == NF_SYNC_DELETED);
}

nf_vm_status nf_std_store_commit(void *ud, nf_vm *vm, nf_vm_obj *const *objs, uint32_t n) {
    nf_std_store *s = ud;
    uint32_t nw = 0;
    for (uint32_t i = 0; i < n; i++)
        if (to_write(s, objs[i])) {
            if (validate(s, vm, objs[i]) != NF_VM_OK) return NF_VM_ERROR;
            nw++;
        }
    if (!nw) return NF_VM_OK;
    uint8_t *states = malloc(n);
    if (!states) return nf_vm_no_memory(vm, n, "committing");
    int64_t seq = s->seq + 1;
    nf_vm_status rc = begin(s, vm, "starting a commit");
    for (uint32_t i = 0; rc == NF_VM_OK && i < n; i++) {
        states[i] = objs[i]->sync;
        if (to_write(s, objs[i])) rc = write_object(s, vm, objs[i], seq, &states[i]);
    }
    for (uint32_t i = 0; rc == NF_VM_OK && i < n; i++)
        if (to_write(s, objs[i])) rc = check_unique(s, vm, objs[i]);
    if (rc == NF_VM_OK)
        rc = finish(s, vm, seq, "finishing a commit");
    else
        rollback(s);
    if (rc == NF_VM_OK)
        for (uint32_t i = 0; i < n; i++)
            objs[i]->sync = states[i];
    free(states);
    return rc;
}

/* ---- delete and clear ------------------------------------------------------------------------ */

/* Association delete behaviours (microflows: nanoflows may delete only objects whose
 * associations keep references, NF5017), read as SQL's ON DELETE on the referencing column:
 * `keep references` clears the references, `cascade` deletes the referring rows too (and what
 * cascades from them), `prevent` refuses the delete while a row refers to the object. The
 * server applies the same to uploaded deletes (srv_upload.c). */
enum { MAX_CASCADE = 64 };

char (*nf_std_store_referrers(nf_std_store *s, const nf_std_table *t, uint32_t r, const char *idt,
                              size_t *n))[37] {
    *n = 0;
    char sql[1200];
    snprintf(sql, sizeof sql, "SELECT _id FROM %s WHERE %s = ?1 AND _state != 3", t->name,
             t->ref_cols[r]);
    sqlite3_stmt *st = nf_std_store_stmt(s, NULL, sql);
    if (!st) return NULL;
    sqlite3_bind_text(st, 1, idt, -1, SQLITE_TRANSIENT);
    char(*ids)[37] = malloc(sizeof *ids);
    size_t cap = 1;
    int step = SQLITE_DONE;
    while (ids && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            char(*more)[37] = realloc(ids, 2 * cap * sizeof *ids);
            if (!more) {
                step = SQLITE_NOMEM;
                break;
            }
            ids = more;
            cap *= 2;
        }
        snprintf(ids[(*n)++], 37, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_reset(st); /* cached: reset before a recursion reuses it */
    if (step != SQLITE_DONE) {
        free(ids);
        return NULL;
    }
    return ids;
}

/* nf_std_store_referrers, raising the failure. */
static char (*referrers(nf_std_store *s, nf_vm *vm, const nf_std_table *t, uint32_t r,
                        const char *idt, size_t *n, nf_vm_status *rc))[37] {
    char(*ids)[37] = nf_std_store_referrers(s, t, r, idt, n);
    *rc = ids ? NF_VM_OK : nf_std_store_fail(s, vm, "reading references");
    return ids;
}

/* Raises the error of a `prevent` association that refers to (e, idt), also down the cascades
 * of deleting an object of entity root. */
static nf_vm_status check_prevent(nf_std_store *s, nf_vm *vm, uint32_t root, uint32_t e,
                                  const char *idt, int depth) {
    const nf_bc_module *m = s->m;
    if (depth > MAX_CASCADE)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME,
                           "cannot delete %s: the delete cascades deeper "
                           "than %d levels",
                           m->strings[m->entities[e].name], MAX_CASCADE);
    for (uint32_t x = 0; x < m->nentities; x++) {
        const nf_std_table *t = &s->tables[x];
        for (uint32_t r = 0; t->name && r < t->nrefs; r++) {
            const nf_bc_assoc *a = &m->assocs[t->ref_assoc[r]];
            if (a->delete_behavior == NF_BC_DEL_KEEP || !nf_bc_entity_is_a(m, e, a->to)) continue;
            size_t n;
            nf_vm_status rc;
            char(*ids)[37] = referrers(s, vm, t, r, idt, &n, &rc);
            if (!ids) return rc;
            if (n && a->delete_behavior == NF_BC_DEL_PREVENT)
                rc = nf_vm_raise(vm, NF_VM_E_RUNTIME,
                                 "cannot delete %s: %s objects still refer to %s%s through %s "
                                 "(delete behavior prevent)",
                                 m->strings[m->entities[root].name],
                                 m->strings[m->entities[t->entity].name], depth ? "a " : "it",
                                 depth ? m->strings[m->entities[e].name] : "", m->strings[a->name]);
            for (size_t i = 0; rc == NF_VM_OK && i < n; i++)
                rc = check_prevent(s, vm, root, t->entity, ids[i], depth + 1);
            free(ids);
            if (rc != NF_VM_OK) return rc;
        }
    }
    return NF_VM_OK;
}

/* Deletes the row idt of table t with the offline rules: never synchronized, it goes;
 * synchronized, it stays marked deleted. A new row that went out in an upload whose answer
 * never came (_nf_sent) may be on the server: it stays marked deleted too, so the deletion is
 * uploaded (the server answers `applied` when it never had it). */
static nf_vm_status delete_row(nf_std_store *s, nf_vm *vm, const nf_std_table *t, const char *idt,
                               int64_t seq) {
    char sql[1200];
    snprintf(sql, sizeof sql,
             "UPDATE %s SET _state = 3, _seq = ?2 WHERE _id = ?1 AND (_state IN (0, 2)%s)", t->name,
             s->sent_table ? " OR (_state = 1 AND EXISTS (SELECT 1 FROM _nf_sent WHERE "
                             "_nf_sent.id = ?1))"
                           : "");
    sqlite3_stmt *st = nf_std_store_stmt(s, vm, sql);
    if (!st) return NF_VM_ERROR;
    sqlite3_bind_text(st, 1, idt, 36, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE _id = ?1 AND _state = 1", t->name);
    sqlite3_stmt *dl = r == SQLITE_DONE ? nf_std_store_stmt(s, vm, sql) : NULL;
    if (dl) {
        sqlite3_bind_text(dl, 1, idt, 36, SQLITE_STATIC);
        r = sqlite3_step(dl);
        sqlite3_reset(dl);
    }
    if (r != SQLITE_DONE) return dl ? nf_std_store_fail(s, vm, "deleting an object") : NF_VM_ERROR;
    return NF_VM_OK;
}

/* What deleting (e, idt) does to the rows that refer to it: cascades delete them (rows, then
 * their own referrers), the other behaviours clear the reference columns. */
static nf_vm_status unlink_refs(nf_std_store *s, nf_vm *vm, uint32_t e, const char *idt,
                                int64_t seq, int depth) {
    const nf_bc_module *m = s->m;
    for (uint32_t x = 0; x < m->nentities; x++) {
        const nf_std_table *t = &s->tables[x];
        if (!t->name) continue;
        for (uint32_t r = 0; r < t->nrefs; r++) {
            const nf_bc_assoc *a = &m->assocs[t->ref_assoc[r]];
            if (!nf_bc_entity_is_a(m, e, a->to)) continue;
            if (a->delete_behavior == NF_BC_DEL_CASCADE && depth < MAX_CASCADE) {
                size_t n;
                nf_vm_status rc;
                char(*ids)[37] = referrers(s, vm, t, r, idt, &n, &rc);
                for (size_t i = 0; ids && rc == NF_VM_OK && i < n; i++) {
                    rc = delete_row(s, vm, t, ids[i], seq);
                    if (rc == NF_VM_OK) rc = unlink_refs(s, vm, t->entity, ids[i], seq, depth + 1);
                }
                free(ids);
                if (rc != NF_VM_OK) return rc;
                continue;
            }
            char sql[1200];
            snprintf(sql, sizeof sql, "UPDATE %s SET %s = NULL WHERE %s = ?1", t->name,
                     t->ref_cols[r], t->ref_cols[r]);
            sqlite3_stmt *st = nf_std_store_stmt(s, vm, sql);
            if (!st) return NF_VM_ERROR;
            sqlite3_bind_text(st, 1, idt, 36, SQLITE_STATIC);
            int rc = sqlite3_step(st);
            sqlite3_reset(st);
            if (rc != SQLITE_DONE) return nf_std_store_fail(s, vm, "clearing references");
        }
    }
    return NF_VM_OK;
}

nf_vm_status nf_std_store_remove(void *ud, nf_vm *vm, nf_vm_obj *const *objs, uint32_t n) {
    nf_std_store *s = ud;
    int64_t seq = s->seq + 1;
    for (uint32_t i = 0; i < n; i++) { /* refused before anything is written */
        char idt[37];
        nf_std_uuid_text(objs[i]->id, idt);
        if (s->tables[objs[i]->entity].name &&
            check_prevent(s, vm, objs[i]->entity, objs[i]->entity, idt, 0) != NF_VM_OK)
            return NF_VM_ERROR;
    }
    nf_vm_status rc = begin(s, vm, "starting a delete");
    for (uint32_t i = 0; rc == NF_VM_OK && i < n; i++) {
        nf_vm_obj *o = objs[i];
        const nf_std_table *t = &s->tables[o->entity];
        if (!t->name) continue;
        char idt[37];
        nf_std_uuid_text(o->id, idt);
        if (o->stored) rc = delete_row(s, vm, t, idt, seq);
        if (rc == NF_VM_OK) rc = unlink_refs(s, vm, o->entity, idt, seq, 0);
    }
    if (rc == NF_VM_OK) return finish(s, vm, seq, "finishing a delete");
    rollback(s);
    return rc;
}

nf_vm_status nf_std_store_clear(void *ud, nf_vm *vm, uint32_t entity) {
    nf_std_store *s = ud;
    nf_std_table *tabs[64];
    uint32_t nt = nf_std_store_tables_of(s, entity, tabs, 64);
    nf_vm_status rc = begin(s, vm, "starting clear from device");
    for (uint32_t i = 0; rc == NF_VM_OK && i < nt; i++) {
        char sql[600];
        snprintf(sql, sizeof sql, "DELETE FROM %s", tabs[i]->name);
        if (!exec(s, sql)) rc = nf_std_store_fail(s, vm, "clearing from the device");
    }
    if (rc == NF_VM_OK) return finish(s, vm, s->seq, "finishing clear from device");
    rollback(s);
    return rc;
}
