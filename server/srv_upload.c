/* srv_upload.c — POST /nf/v1/upload (§5): commit units applied in order, each in one
 * transaction together with the client's lastSeq, so a replayed unit is answered `duplicate`
 * and never applied twice; per object the checks of §5.3 in order (access, deleted on the
 * server, revision conflict, dangling references, validation), the entity's conflict mode,
 * and every rejected or conflicting object recorded in System.SynchronizationError.
 *
 * The whole body is decoded and checked first (unknown entities or members, wrong value
 * types: 400, nothing applied); only then are units applied.
 *
 * Before- and after-commit (and -create) event handlers run by the VM inside the unit's
 * transaction (srv_events.c).
 *
 * Validation: required and not-null members, `required` rules and String lengths here; range,
 * regex and unique rules by the store's own validation (nf_std_store_validate) when the entity
 * has any.
 *
 * Decimals are stored as a device stores them (8 places, half even; more than 20 digits before
 * the point rejects the object).
 *
 * Deletes apply the associations' delete behaviours (keep references, cascade, prevent). */
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"

typedef struct up_obj {
    json_t *j;
    uint32_t e;
    const nf_std_table *t;
    const char *id;
    bool del, isnew, has_base;
    int64_t base_rev;
    uint8_t *present, *changed; /* per column; changed NULL: every member */
    nf_srv_val *vals;
    /* the result */
    const char *status;
    char reason[512];
    json_t *ignored;
} up_obj;

typedef struct up_unit {
    int64_t seq;
    uint32_t n;
    up_obj *objs;
} up_unit;

typedef struct upload {
    nf_srv_call *c;
    up_unit *units;
    uint32_t nunits;
} upload;

static void upload_free(upload *u) {
    for (uint32_t i = 0; i < u->nunits; i++) {
        for (uint32_t k = 0; k < u->units[i].n; k++) {
            up_obj *o = &u->units[i].objs[k];
            free(o->present);
            free(o->changed);
            free(o->vals);
            json_decref(o->ignored);
        }
        free(u->units[i].objs);
    }
    free(u->units);
}

/* ---- decoding --------------------------------------------------------------------------------
 */

static bool decode_obj(upload *u, json_t *j, up_obj *o, char *err, size_t errn) {
    nf_srv *s = u->c->s;
    o->j = j;
    if (!json_is_object(j)) return snprintf(err, errn, "an object must be a JSON object"), false;
    const char *ename = json_string_value(json_object_get(j, "entity"));
    o->e = nf_srv_entity(s, ename);
    if (o->e == NF_BC_NONE || !s->store->tables[o->e].name)
        return snprintf(err, errn, "unknown or non-persistable entity %.200s",
                        ename ? ename : "(none)"),
               false;
    o->t = &s->store->tables[o->e];
    o->id = json_string_value(json_object_get(j, "id"));
    uint8_t idb[16];
    if (!o->id || strlen(o->id) != 36 || !nf_std_uuid_parse(o->id, 36, idb))
        return snprintf(err, errn, "id must be an object id (a UUID in lowercase text)"), false;
    for (const char *p = o->id; *p; p++)
        if (*p >= 'A' && *p <= 'F') return snprintf(err, errn, "ids are lowercase"), false;
    const char *op = json_string_value(json_object_get(j, "op"));
    if (!op || (strcmp(op, "save") && strcmp(op, "delete")))
        return snprintf(err, errn, "op must be save or delete"), false;
    o->del = !strcmp(op, "delete");
    o->isnew = json_is_true(json_object_get(j, "new"));
    json_t *br = json_object_get(j, "baseRev");
    if (br && !json_is_null(br)) {
        if (!json_is_integer(br)) return snprintf(err, errn, "baseRev must be an integer"), false;
        o->has_base = true;
        o->base_rev = json_integer_value(br);
    }
    uint32_t ncols = o->t->nattrs + o->t->nrefs;
    o->present = calloc(ncols + 1, 1);
    o->vals = calloc(ncols + 1, sizeof *o->vals);
    o->ignored = json_array();
    if (!o->present || !o->vals || !o->ignored) return snprintf(err, errn, "out of memory"), false;
    if (o->del) return true;
    json_t *vals = json_object_get(j, "values");
    if (!json_is_object(vals)) return snprintf(err, errn, "a save needs values"), false;
    const char *k;
    json_t *v;
    json_object_foreach(vals, k, v) {
        int col = nf_srv_find_member(s, o->t, k);
        if (col < 0) return snprintf(err, errn, "%s has no member %.200s", ename, k), false;
        if (!nf_srv_col_synced(s, o->t, (uint32_t)col)) continue; /* never taken from clients */
        if (!nf_srv_decode(s, o->t, (uint32_t)col, v, &o->vals[col], err, errn)) return false;
        o->present[col] = 1;
    }
    json_t *ch = json_object_get(j, "changed");
    if (ch && !json_is_null(ch)) {
        if (!json_is_array(ch)) return snprintf(err, errn, "changed must be a list"), false;
        o->changed = calloc(ncols + 1, 1);
        if (!o->changed) return snprintf(err, errn, "out of memory"), false;
        size_t i;
        json_array_foreach(ch, i, v) {
            const char *name = json_string_value(v);
            int col = name ? nf_srv_find_member(s, o->t, name) : -1;
            if (col < 0)
                return snprintf(err, errn, "changed: %s has no member %.200s", ename,
                                name ? name : "(not a string)"),
                       false;
            o->changed[col] = 1;
        }
    }
    return true;
}

static bool decode(upload *u, json_t *body) {
    nf_srv_call *c = u->c;
    json_t *units = json_object_get(body, "units");
    if (!json_is_array(units))
        return nf_srv_error(c, 400, "ModelError", "the body needs a list of units");
    u->nunits = (uint32_t)json_array_size(units);
    u->units = calloc(u->nunits + 1, sizeof *u->units);
    if (!u->units) return nf_srv_error(c, 500, "RuntimeError", "out of memory");
    int64_t prev = 0;
    for (uint32_t i = 0; i < u->nunits; i++) {
        json_t *ju = json_array_get(units, i);
        json_t *seq = json_object_get(ju, "seq"), *objs = json_object_get(ju, "objects");
        if (!json_is_integer(seq) || json_integer_value(seq) <= prev || !json_is_array(objs))
            return nf_srv_error(c, 400, "ModelError",
                                "units[%u]: a unit needs a seq (increasing, from 1) and a list "
                                "of objects",
                                i);
        up_unit *un = &u->units[i];
        un->seq = prev = json_integer_value(seq);
        un->objs = calloc(json_array_size(objs) + 1, sizeof *un->objs);
        if (!un->objs) return nf_srv_error(c, 500, "RuntimeError", "out of memory");
        for (size_t k = 0; k < json_array_size(objs); k++) {
            char err[300];
            un->n++;
            if (!decode_obj(u, json_array_get(objs, k), &un->objs[k], err, sizeof err))
                return nf_srv_error(c, 400, "ModelError", "units[%u].objects[%zu]: %s", i, k, err);
        }
    }
    return true;
}

/* ---- applying ------------------------------------------------------------------------------ */

enum { APPLIED, REJECTED, CONFLICT, DBERROR };

static int reject(up_obj *o, int how, const char *fmt, const char *arg) {
    snprintf(o->reason, sizeof o->reason, fmt, arg);
    return how;
}

/* The revision of the row with o's id, or -1 when there is none; -2 on error. */
static int64_t current_rev(nf_srv *s, const nf_std_table *t, const char *id) {
    nf_std_text sql = {0};
    nf_std_text_put(&sql, "SELECT _rev FROM %s WHERE _id = ?", t->name);
    sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
    free(sql.s);
    if (!st) return -2;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    int64_t r = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? -1 : -2;
    sqlite3_reset(st);
    return r;
}

/* Whether an object with id exists in the tables of entity e (and its specializations). */
static int exists_in(nf_srv *s, uint32_t e, const char *id, size_t n) {
    nf_std_table *tabs[64];
    uint32_t nt = nf_std_store_tables_of(s->store, e, tabs, 64);
    char buf[37];
    if (n != 36) return 0;
    memcpy(buf, id, 36);
    buf[36] = '\0';
    for (uint32_t i = 0; i < nt; i++) {
        int64_t r = current_rev(s, tabs[i], buf);
        if (r == -2) return -1;
        if (r >= 0) return 1;
    }
    return 0;
}

/* The length in UTF-16 units (as Mendix counts String lengths): a character outside the BMP
 * (a 4-byte sequence) counts 2. */
static size_t utf8_chars(const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        k += (b & 0xC0) != 0x80 ? (b >= 0xF0 ? 2 : 1) : 0;
    }
    return k;
}

/* Required attributes and `required` rules on the written row. */
static int validate_row(nf_srv *s, up_obj *o) {
    const nf_std_table *t = o->t;
    nf_std_text sql = {0};
    nf_std_text_put(&sql, "SELECT 0");
    for (uint32_t a = 0; a < t->nattrs; a++)
        nf_std_text_put(&sql, ", %s", t->attr_cols[a]);
    nf_std_text_put(&sql, " FROM %s WHERE _id = ?", t->name);
    sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
    free(sql.s);
    if (!st) return DBERROR;
    sqlite3_bind_text(st, 1, o->id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return DBERROR;
    }
    int res = APPLIED;
    const nf_bc_module *m = s->m;
    for (uint32_t a = 0; a < t->nattrs && res == APPLIED; a++) {
        const nf_bc_attr *at = t->attrs[a];
        if ((at->flags & (NF_BA_REQUIRED | NF_BA_NOT_NULL)) &&
            sqlite3_column_type(st, (int)a + 1) == SQLITE_NULL)
            res = at->message != NF_BC_NONE
                      ? reject(o, REJECTED, "%s", m->strings[at->message])
                      : reject(o, REJECTED, "%s must be set", m->strings[at->name]);
    }
    for (uint32_t e = o->e; e != NF_BC_NONE && res == APPLIED; e = m->entities[e].generalization) {
        const nf_bc_entity *en = &m->entities[e];
        for (uint32_t r = 0; r < en->nrules && res == APPLIED; r++) {
            const nf_bc_rule *ru = &en->rules[r];
            if (ru->kind != NF_BR_REQUIRED) continue;
            for (uint32_t k = 0; k < ru->nattrs && res == APPLIED; k++)
                if (ru->attrs[k] < t->nattrs &&
                    sqlite3_column_type(st, (int)ru->attrs[k] + 1) == SQLITE_NULL)
                    res = reject(o, REJECTED, "%s",
                                 ru->message != NF_BC_NONE ? m->strings[ru->message]
                                                           : "a required member is empty");
        }
    }
    sqlite3_reset(st);
    if (res == APPLIED && nf_srv_needs_rules(m, o->e)) {
        int v = nf_srv_validate_rules(s, o->e, o->id, o->reason, sizeof o->reason);
        res = v == 0 ? APPLIED : v == 1 ? REJECTED : DBERROR;
    }
    return res;
}

/* Whether a rule of the user's with the create right lets the new row exist (its XPath). */
static int may_create(nf_srv_call *c, up_obj *o) {
    const nf_bc_module *m = c->s->m;
    const nf_bc_entity *en = &m->entities[o->e];
    for (uint32_t i = 0; i < en->naccess; i++) {
        const nf_bc_access *a = &en->access[i];
        if (a->role >= m->nroles || !c->user.module_roles[a->role] ||
            !(a->rights & NF_RIGHT_CREATE))
            continue;
        if (a->xpath == NF_BC_NONE) return 1;
        int r = nf_srv_xpath_match(c, o->e, a->xpath, o->id);
        if (r != 0) return r;
    }
    return 0;
}

typedef struct remover {
    nf_srv *s;
    up_obj *o;
    int64_t seq;
} remover;
static bool remove_row(void *ud);
static int may_delete(nf_srv *s, uint32_t e, const char *id, int depth, char *reason, size_t rn);

static int apply_delete(nf_srv_call *c, up_obj *o, int64_t seq, bool *handlers) {
    nf_srv *s = c->s;
    int64_t rev = current_rev(s, o->t, o->id);
    if (rev == -2) return DBERROR;
    if (rev == -1) return APPLIED; /* already gone: deleting twice is harmless */
    nf_srv_rights r;
    bool ok = nf_srv_rights_of(c, o->e, o->id, &r);
    uint32_t rights = r.rights;
    nf_srv_rights_free(&r);
    if (!ok) return DBERROR;
    if (!(rights & NF_RIGHT_DELETE)) return reject(o, REJECTED, "%s", "access denied");
    int may = may_delete(s, o->e, o->id, 0, o->reason, sizeof o->reason);
    if (may) return may == 1 ? REJECTED : DBERROR;
    remover rm = {s, o, seq};
    if (nf_srv_has_events(s->m, o->e, 0, 2) || nf_srv_has_events(s->m, o->e, 1, 2)) {
        *handlers = true;
        int ev = nf_srv_delete_events(s, o->e, o->id, remove_row, &rm, o->reason, sizeof o->reason);
        return ev == 0 ? APPLIED : ev == 1 ? REJECTED : DBERROR;
    }
    return remove_row(&rm) ? APPLIED : DBERROR;
}

/* Association delete behaviours, read as SQL's ON DELETE on the referencing column: when an
 * object goes, rows that refer to it through a `keep references` association lose the
 * reference, those of a `cascade` one are deleted too (and so on down), and a `prevent` one
 * refuses the delete while any row refers to the object. Cascaded rows run no event handlers. */
enum { MAX_CASCADE = 64 };

/* Whether deleting (e, id) may go ahead: 0 yes, 1 a `prevent` association (or a cascade deeper
 * than MAX_CASCADE) refuses, with reason; -1 a database error. */
static int may_delete(nf_srv *s, uint32_t e, const char *id, int depth, char *reason, size_t rn) {
    if (depth > MAX_CASCADE) {
        snprintf(reason, rn, "the delete cascades deeper than %d levels", MAX_CASCADE);
        return 1;
    }
    const nf_bc_module *m = s->m;
    for (uint32_t te = 0; te < m->nentities; te++) {
        const nf_std_table *t = &s->store->tables[te];
        for (uint32_t k = 0; t->name && k < t->nrefs; k++) {
            const nf_bc_assoc *a = &m->assocs[t->ref_assoc[k]];
            if (!nf_bc_entity_is_a(m, e, a->to) || a->delete_behavior == NF_BC_DEL_KEEP) continue;
            size_t n;
            char(*ids)[37] = nf_std_store_referrers(s->store, t, k, id, &n);
            if (!ids) return -1;
            int r = 0;
            if (n && a->delete_behavior == NF_BC_DEL_PREVENT) {
                snprintf(reason, rn,
                         "%s objects still refer to it through %s (delete behavior prevent)",
                         m->strings[m->entities[t->entity].name], m->strings[a->name]);
                r = 1;
            }
            for (size_t i = 0; r == 0 && i < n; i++)
                r = may_delete(s, t->entity, ids[i], depth + 1, reason, rn);
            free(ids);
            if (r) return r;
        }
    }
    return 0;
}

/* Deletes row (e, id), its file, the rows that cascade from it, and references to it elsewhere
 * (those rows change: new revision). */
static bool remove_tree(nf_srv *s, uint32_t e, const char *id, int64_t seq, int depth) {
    const nf_bc_module *m = s->m;
    const nf_std_table *own = &s->store->tables[e];
    nf_std_text sql = {0};
    nf_std_text_put(&sql, "DELETE FROM %s WHERE _id = ?", own->name);
    sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
    free(sql.s);
    if (!st) return false;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return false;
    if ((st = nf_srv_stmt(s, "DELETE FROM _nf_srv_file WHERE id = ?"))) { /* its contents */
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    if (!st || rc != SQLITE_DONE) return false;
    for (uint32_t te = 0; te < m->nentities; te++) {
        const nf_std_table *t = &s->store->tables[te];
        for (uint32_t k = 0; t->name && k < t->nrefs; k++) {
            const nf_bc_assoc *a = &m->assocs[t->ref_assoc[k]];
            if (!nf_bc_entity_is_a(m, e, a->to)) continue;
            if (a->delete_behavior == NF_BC_DEL_CASCADE && depth < MAX_CASCADE) {
                size_t n;
                char(*ids)[37] = nf_std_store_referrers(s->store, t, k, id, &n);
                bool ok = ids != NULL;
                for (size_t i = 0; ok && i < n; i++)
                    ok = remove_tree(s, t->entity, ids[i], seq, depth + 1);
                free(ids);
                if (!ok) return false;
                continue;
            }
            sql = (nf_std_text){0};
            nf_std_text_put(&sql, "UPDATE %s SET %s = NULL, _rev = _rev + 1, _seq = ? WHERE %s = ?",
                            t->name, t->ref_cols[k], t->ref_cols[k]);
            st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
            free(sql.s);
            if (!st) return false;
            sqlite3_bind_int64(st, 1, seq);
            sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(st);
            sqlite3_reset(st);
            if (rc != SQLITE_DONE) return false;
        }
    }
    return true;
}

static bool remove_row(void *ud) {
    remover *rm = ud;
    return remove_tree(rm->s, rm->o->e, rm->o->id, rm->seq, 0);
}

/* The default value of attribute column k, when it has one (stored as the store stores it). */
static bool default_of(nf_srv *s, const nf_std_table *t, uint32_t k, nf_srv_val *out) {
    const nf_bc_attr *a = t->attrs[k];
    if (a->default_k == NF_BC_NONE || a->default_k >= s->m->nconsts) return false;
    const nf_bc_const *kc = &s->m->consts[a->default_k];
    memset(out, 0, sizeof *out);
    if (a->type.kind == NF_BT_ENUM) { /* the key, by index or by name */
        const nf_bc_enum *en = a->type.ref < s->m->nenums ? &s->m->enums[a->type.ref] : NULL;
        if (!en || (kc->kind == NF_BT_INT && (kc->i < 0 || kc->i >= (int64_t)en->nvalues)))
            return false;
        out->type = SQLITE_TEXT;
        out->s = s->m->strings[kc->kind == NF_BT_INT ? en->value_names[kc->i] : kc->str];
        out->n = strlen(out->s);
        return kc->kind == NF_BT_INT || kc->kind == NF_BT_STR;
    }
    switch (kc->kind) {
    case NF_BT_BOOL:
    case NF_BT_INT:
    case NF_BT_DT:
        out->type = SQLITE_INTEGER;
        out->i = kc->kind == NF_BT_BOOL ? kc->i != 0 : kc->i;
        return true;
    case NF_BT_DEC:
    case NF_BT_STR:
        out->s = s->m->strings[kc->str];
        out->n = s->m->string_lens[kc->str];
        out->type = out->n ? SQLITE_TEXT : SQLITE_NULL;
        return true;
    default: return false;
    }
}

/* Whether the user may still write the row as it now is: each member written must be writable
 * under a rule whose XPath the changed row matches. Without it a user could move an object out
 * of its own constraint into another user's (give an order to another customer). */
static int may_keep(nf_srv_call *c, up_obj *o, const uint8_t *write) {
    nf_srv_rights r;
    bool ok = nf_srv_rights_of(c, o->e, o->id, &r);
    int res = ok ? r.any : -1;
    uint32_t ncols = o->t->nattrs + o->t->nrefs;
    for (uint32_t k = 0; ok && res == 1 && k < ncols; k++)
        if (write[k] && !r.writable[k]) res = 0;
    nf_srv_rights_free(&r);
    return res;
}

/* What follows the write of a saved object: before-commit handlers, the file, validation, the
 * access rules on the row as written, after-commit handlers. */
static int after_write(nf_srv_call *c, up_obj *o, int64_t seq, bool isnew, const uint8_t *write,
                       bool *handlers) {
    nf_srv *s = c->s;
    const nf_bc_module *m = s->m;
    if (nf_srv_has_events(m, o->e, 0, 1) || (isnew && nf_srv_has_events(m, o->e, 0, 0))) {
        /* before commit: a handler may change the object or reject it */
        *handlers = true;
        int ev = nf_srv_before_commit(s, o->e, o->id, isnew, seq, o->reason, sizeof o->reason);
        if (ev) return ev == 1 ? REJECTED : DBERROR;
    }
    /* the file's contents, uploaded before the unit (§7) */
    int fl = nf_srv_file_link(s, o->e, o->id, isnew, o->reason, sizeof o->reason);
    if (fl) return fl == 1 ? REJECTED : DBERROR;
    int res = validate_row(s, o);
    if (res == APPLIED) {
        int ok = isnew ? may_create(c, o) : may_keep(c, o, write);
        if (ok < 0) return DBERROR;
        if (!ok) res = reject(o, REJECTED, "%s", "access denied");
    }
    if (res == APPLIED &&
        (nf_srv_has_events(m, o->e, 1, 1) || (isnew && nf_srv_has_events(m, o->e, 1, 0)))) {
        *handlers = true;
        int ev = nf_srv_after_commit(s, o->e, o->id, isnew, o->reason, sizeof o->reason);
        if (ev) return ev == 1 ? REJECTED : DBERROR;
    }
    return res;
}

static int apply_save(nf_srv_call *c, up_obj *o, int64_t seq, bool *handlers) {
    nf_srv *s = c->s;
    const nf_bc_module *m = s->m;
    const nf_bc_entity *en = &m->entities[o->e];
    const nf_std_table *t = o->t;
    uint32_t ncols = t->nattrs + t->nrefs;
    if (!(en->flags & NF_BE_OFFLINE) || en->download == NF_BD_NEVER || en->download == NF_BD_ONLINE)
        return reject(o, REJECTED, "%s", "access denied");
    int64_t rev = current_rev(s, t, o->id);
    if (rev == -2) return DBERROR;
    bool exists = rev >= 0;
    nf_srv_rights r;
    if (!nf_srv_rights_of(c, o->e, exists ? o->id : NULL, &r)) {
        nf_srv_rights_free(&r);
        return DBERROR;
    }
    int res = APPLIED;
    if (!r.any || (!exists && !(r.rights & NF_RIGHT_CREATE)))
        res = reject(o, REJECTED, "%s",
                     !exists && !o->isnew ? "deleted on the server or no "
                                            "longer accessible"
                                          : "access denied");
    else if (!exists && !o->isnew)
        res = reject(o, REJECTED, "%s", "deleted on the server or no longer accessible");
    else if (exists && en->conflict == NF_BC_REVISION && (!o->has_base || o->base_rev != rev)) {
        char rv[32];
        snprintf(rv, sizeof rv, "%lld", o->has_base ? (long long)o->base_rev : 0LL);
        res = reject(o, CONFLICT, "changed on the server since revision %s", rv);
    }
    /* which members are written */
    uint8_t *write = calloc(ncols + 1, 1);
    if (!write) res = DBERROR;
    for (uint32_t k = 0; res == APPLIED && k < ncols; k++) {
        if (!o->present[k]) continue;
        if (exists && en->conflict == NF_BC_CHANGED_ATTRIBUTES && o->changed && !o->changed[k])
            continue;
        if (!r.writable[k]) {
            json_array_append_new(o->ignored, json_string(nf_srv_member(s, t, k)));
            continue;
        }
        write[k] = 1;
        const nf_srv_val *v = &o->vals[k];
        if (k >= t->nattrs && v->type == SQLITE_TEXT) {
            int ex = exists_in(s, m->assocs[t->ref_assoc[k - t->nattrs]].to, v->s, v->n);
            if (ex < 0) res = DBERROR;
            if (ex == 0)
                res = reject(o, REJECTED, "reference to an object that is not on the server: %s",
                             nf_srv_member(s, t, k));
        } else if (v->limit) {
            snprintf(o->reason, sizeof o->reason, "%s %s", nf_srv_member(s, t, k), v->limit);
            res = REJECTED;
        } else if (k < t->nattrs && t->attrs[k]->type.kind == NF_BT_STR && t->attrs[k]->length &&
                   v->type == SQLITE_TEXT && utf8_chars(v->s, v->n) > t->attrs[k]->length) {
            snprintf(o->reason, sizeof o->reason, "%s is longer than %u characters",
                     nf_srv_member(s, t, k), t->attrs[k]->length);
            res = REJECTED;
        }
    }
    nf_srv_rights_free(&r);
    if (res != APPLIED) {
        free(write);
        return res;
    }
    nf_std_text sql = {0};
    if (exists) {
        nf_std_text_put(
            &sql, "UPDATE %s SET _state = 0, _changed = NULL, _rev = _rev + 1, _seq = ?", t->name);
        for (uint32_t k = 0; k < ncols; k++)
            if (write[k]) nf_std_text_put(&sql, ", %s = ?", nf_srv_col(t, k));
        nf_std_text_put(&sql, " WHERE _id = ?");
    } else {
        /* members not written get their defaults, as a new object in Mendix */
        for (uint32_t k = 0; k < t->nattrs; k++)
            if (!write[k] && default_of(s, t, k, &o->vals[k])) write[k] = 1;
        nf_std_text_put(&sql, "INSERT INTO %s (_seq, _state, _rev", t->name);
        for (uint32_t k = 0; k < ncols; k++)
            if (write[k]) nf_std_text_put(&sql, ", %s", nf_srv_col(t, k));
        nf_std_text_put(&sql, ", _id) VALUES (?, 0, 1");
        for (uint32_t k = 0; k < ncols; k++)
            if (write[k]) nf_std_text_put(&sql, ", ?");
        nf_std_text_put(&sql, ", ?)");
    }
    sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
    free(sql.s);
    if (!st) {
        free(write);
        return DBERROR;
    }
    int i = 1;
    sqlite3_bind_int64(st, i++, seq);
    for (uint32_t k = 0; k < ncols; k++)
        if (write[k]) nf_srv_bind(st, i++, &o->vals[k]);
    sqlite3_bind_text(st, i, o->id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        free(write);
        if (rc == SQLITE_CONSTRAINT)
            return reject(o, REJECTED, "%s", "the object breaks a uniqueness constraint");
        return DBERROR;
    }
    res = after_write(c, o, seq, !exists, write, handlers);
    free(write);
    return res;
}

/* Records a rejected or conflicting object in System.SynchronizationError. */
static bool record_error(nf_srv *s, up_obj *o, int64_t seq) {
    uint32_t e = nf_srv_entity(s, "System.SynchronizationError");
    if (e == NF_BC_NONE || !s->store->tables[e].name) return true;
    const nf_std_table *t = &s->store->tables[e];
    int cols[4] = {-1, -1, -1, -1};
    static const char *const names[4] = {"ObjectId", "ObjectType", "ObjectContent", "Reason"};
    nf_std_text sql = {0};
    nf_std_text_put(&sql, "INSERT INTO %s (_id, _state, _rev, _seq", t->name);
    for (int k = 0; k < 4; k++) {
        cols[k] = nf_srv_find_member(s, t, names[k]);
        if (cols[k] >= 0) nf_std_text_put(&sql, ", %s", nf_srv_col(t, (uint32_t)cols[k]));
    }
    nf_std_text_put(&sql, ") VALUES (?, 0, 1, ?");
    for (int k = 0; k < 4; k++)
        if (cols[k] >= 0) nf_std_text_put(&sql, ", ?");
    nf_std_text_put(&sql, ")");
    sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
    free(sql.s);
    char id[37];
    char *content = json_dumps(o->j, JSON_COMPACT | JSON_SORT_KEYS);
    if (!st || !content || !nf_srv_uuid(id)) {
        free(content);
        return false;
    }
    const char *vals[4] = {o->id, s->m->strings[s->m->entities[o->e].name], content, o->reason};
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, seq);
    int i = 3;
    for (int k = 0; k < 4; k++)
        if (cols[k] >= 0) sqlite3_bind_text(st, i++, vals[k], -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    free(content);
    return rc == SQLITE_DONE;
}

/* The client's lastSeq (0 when new), or -1 on error. */
static int64_t last_seq(nf_srv *s, const char *client) {
    sqlite3_stmt *st = nf_srv_stmt(s, "SELECT last_seq FROM _nf_srv_client WHERE client = ?");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, client, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return v;
}

static bool set_last_seq(nf_srv_call *c, int64_t seq) {
    sqlite3_stmt *st = nf_srv_stmt(c->s, "INSERT INTO _nf_srv_client (client, last_seq, user) "
                                         "VALUES (?, ?, ?) ON CONFLICT (client) DO UPDATE SET "
                                         "last_seq = excluded.last_seq, user = excluded.user");
    if (!st) return false;
    sqlite3_bind_text(st, 1, c->client, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_text(st, 3, c->user.name, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

/* SAVEPOINT, RELEASE and ROLLBACK TO as cached statements (two or three per object: parsing
 * them every time showed in the upload's profile). */
static bool savepoint(nf_srv *s, const char *what) {
    sqlite3_stmt *st = nf_srv_stmt(s, what);
    if (!st) return false;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return true;
    nf_srv_logf(s, "database error: %s", sqlite3_errmsg(s->db));
    return false;
}

/* Applies one unit in one transaction; false on a database error (nothing of it applied). */
static bool apply_unit(nf_srv_call *c, up_unit *un) {
    nf_srv *s = c->s;
    if (!nf_srv_exec(s, "BEGIN IMMEDIATE")) return false;
    int64_t seq = nf_srv_next_seq(s);
    bool ok = seq > 0, handlers = false;
    for (uint32_t k = 0; ok && k < un->n; k++) {
        up_obj *o = &un->objs[k];
        ok = savepoint(s, "SAVEPOINT nf_obj");
        int res = !ok      ? DBERROR
                  : o->del ? apply_delete(c, o, seq, &handlers)
                           : apply_save(c, o, seq, &handlers);
        if (res == DBERROR) {
            ok = false;
            break;
        }
        if (res != APPLIED) ok = savepoint(s, "ROLLBACK TO nf_obj") && record_error(s, o, seq);
        o->status = res == APPLIED ? "applied" : res == CONFLICT ? "conflict" : "rejected";
        if (ok) ok = savepoint(s, "RELEASE nf_obj");
    }
    if (ok && handlers) ok = nf_srv_settle(s, seq); /* rows the handlers wrote */
    if (ok) ok = set_last_seq(c, un->seq);
    if (ok) ok = nf_srv_exec(s, "COMMIT");
    if (!ok) nf_srv_exec(s, "ROLLBACK");
    return ok;
}

/* Appends the result of one object after its unit to out: {"id", "status", "rev", "reason",
 * "ignored", "row"} with the current row (the answer is written as JSON text: a tree of every
 * object's row, built, dumped and freed, was a third of an upload's work). */
static bool result_text(nf_srv_call *c, up_obj *o, nf_std_text *out) {
    nf_srv_rights r;
    nf_std_text row = {0};
    int64_t rev = 0;
    int has = -1;
    if (nf_srv_rights_of(c, o->e, o->id, &r)) {
        if (r.any) {
            has = nf_srv_row_text(c, o->e, o->id, &r, &row, &rev);
        } else {
            nf_std_text_add(&row, "null", 4);
            has = 0;
        }
    }
    nf_srv_rights_free(&r);
    if (has < 0 || row.oom) {
        free(row.s);
        return false;
    }
    nf_std_text_add(out, "{\"id\":", 6);
    nf_srv_json_string(out, o->id, strlen(o->id));
    nf_std_text_add(out, ",\"status\":", 10);
    nf_srv_json_string(out, o->status, strlen(o->status));
    if (has) {
        char num[32];
        int n = snprintf(num, sizeof num, ",\"rev\":%lld", (long long)rev);
        nf_std_text_add(out, num, (size_t)n);
    }
    if (*o->reason) {
        nf_std_text_add(out, ",\"reason\":", 10);
        if (!nf_srv_json_string(out, o->reason, strlen(o->reason))) nf_std_text_add(out, "null", 4);
    }
    if (json_array_size(o->ignored)) {
        nf_std_text_add(out, ",\"ignored\":[", 12);
        size_t i;
        json_t *m;
        json_array_foreach(o->ignored, i, m) {
            if (i) nf_std_text_add(out, ",", 1);
            nf_srv_json_string(out, json_string_value(m), json_string_length(m));
        }
        nf_std_text_add(out, "]", 1);
    }
    nf_std_text_add(out, ",\"row\":", 7);
    nf_std_text_add(out, row.s, row.len);
    nf_std_text_add(out, "}", 1);
    free(row.s);
    return !out->oom;
}

bool nf_srv_upload(nf_srv_call *c) {
    if (!*c->client)
        return nf_srv_error(c, 400, "ModelError", "an upload needs the X-NF-Client header");
    json_t *body = nf_srv_body_json(c);
    if (!body) return false;
    upload u = {c, NULL, 0};
    bool ok = decode(&u, body);
    nf_std_text units = {0}; /* the units' results; the answer's head is known at the end */
    int64_t last = 0;
    for (uint32_t i = 0; ok && i < u.nunits; i++) {
        up_unit *un = &u.units[i];
        last = last_seq(c->s, c->client);
        if (last < 0) {
            ok = nf_srv_error(c, 500, "RuntimeError", "cannot read the client's state");
            break;
        }
        bool dup = un->seq <= last;
        if (dup) {
            for (uint32_t k = 0; k < un->n; k++)
                un->objs[k].status = "duplicate";
        } else if (!apply_unit(c, un)) {
            ok = nf_srv_error(c, 500, "RuntimeError", "the database failed applying unit %lld",
                              (long long)un->seq);
            break;
        } else {
            last = un->seq;
        }
        char head[96];
        int n = snprintf(head, sizeof head, "%s{\"seq\":%lld,\"status\":\"%s\",\"objects\":[",
                         i ? "," : "", (long long)un->seq, dup ? "duplicate" : "applied");
        nf_std_text_add(&units, head, (size_t)n);
        for (uint32_t k = 0; ok && k < un->n; k++) {
            if (k) nf_std_text_add(&units, ",", 1);
            if (!result_text(c, &un->objs[k], &units))
                ok = nf_srv_error(c, 500, "RuntimeError", "cannot read the results");
        }
        nf_std_text_add(&units, "]}", 2);
    }
    if (ok) {
        nf_std_text out = {0};
        char head[64];
        int n = snprintf(head, sizeof head, "{\"lastSeq\":%lld,\"units\":[", (long long)last);
        nf_std_text_add(&out, head, (size_t)n);
        nf_std_text_add(&out, units.s ? units.s : "", units.len);
        nf_std_text_add(&out, "]}", 2);
        if (out.oom || units.oom) {
            free(out.s);
            ok = nf_srv_error(c, 500, "RuntimeError", "out of memory");
        } else {
            c->raw = out.s;
            c->raw_len = out.len;
            c->raw_type = "application/json";
            c->status = 200;
        }
    }
    free(units.s);
    upload_free(&u);
    json_decref(body);
    return ok;
}
