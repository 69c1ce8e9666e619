/* srv_download.c — GET /nf/v1/download (§6): one offline entity (of the profile, or used by a
 * nanoflow), keyset-paged by _id, only the rows the user's access rules let it read (their XPath
 * included) and, for `download by xpath`, matching the profile's constraint; members the user may
 * not read are left out. */
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"

#define DEFAULT_LIMIT 500
#define MAX_LIMIT     5000

bool nf_srv_download(nf_srv_call *c) {
    nf_srv *s = c->s;
    const nf_bc_module *m = s->m;
    const char *ename = nf_srv_arg(c, "entity"), *after = nf_srv_arg(c, "after");
    const char *lim = nf_srv_arg(c, "limit"), *pass = nf_srv_arg(c, "pass");
    uint32_t e = nf_srv_entity(s, ename);
    if (e == NF_BC_NONE)
        return nf_srv_error(c, 400, "ModelError", "unknown entity %.200s", ename ? ename : "");
    const nf_bc_entity *en = &m->entities[e];
    const nf_std_table *t = &s->store->tables[e];
    /* offline entities: those of the profile, and those nanoflows use (download all) */
    if (!(en->flags & NF_BE_OFFLINE) || !t->name || en->download == NF_BD_NEVER ||
        en->download == NF_BD_ONLINE)
        return nf_srv_error(c, 400, "ModelError", "%s is not downloaded by the offline profile",
                            ename);
    long limit = DEFAULT_LIMIT;
    if (lim && *lim) {
        char *end;
        limit = strtol(lim, &end, 10);
        if (*end || limit < 1 || limit > MAX_LIMIT)
            return nf_srv_error(c, 400, "ModelError", "limit must be 1 to %d", MAX_LIMIT);
    }
    uint8_t idb[16];
    if (after && *after && (strlen(after) != 36 || !nf_std_uuid_parse(after, 36, idb)))
        return nf_srv_error(c, 400, "ModelError", "after must be an object id");
    if (pass && strlen(pass) > 64)
        return nf_srv_error(c, 400, "ModelError", "pass must be at most 64 characters");
    json_t *rows = json_array();
    json_t *next = json_null();
    nf_srv_rights r;
    if (!nf_srv_rights_of(c, e, NULL, &r)) {
        nf_srv_rights_free(&r);
        json_decref(rows);
        return nf_srv_error(c, 500, "RuntimeError", "cannot read the access rules");
    }
    bool readable = r.any && (r.rights & NF_RIGHT_READ_ALL);
    for (uint32_t k = 0; !readable && k < t->nattrs + t->nrefs; k++)
        readable = r.readable[k];
    /* `nothing` modes and entities the user may not read: no rows (the client sweeps or keeps
     * its rows by the profile's mode) */
    if (readable && (en->download == NF_BD_ALL || en->download == NF_BD_XPATH)) {
        uint32_t ncols = t->nattrs + t->nrefs;
        nf_std_text sql = {0};
        nf_std_sqlq binds = {0};
        nf_std_text_put(&sql, "SELECT _id, _rev");
        for (uint32_t k = 0; k < ncols; k++)
            nf_std_text_put(&sql, ", %s", nf_srv_col(t, k));
        /* per rule of the user's with XPath: whether the row matches it (its members are
         * readable only then) */
        bool ok = true;
        for (uint32_t i = 0; ok && i < en->naccess; i++) {
            const nf_bc_access *a = &en->access[i];
            if (a->role >= m->nroles || !c->user.module_roles[a->role] || a->xpath == NF_BC_NONE)
                continue;
            nf_std_text_put(&sql, ", (");
            ok = nf_srv_xpath_filter(c, e, a->xpath, &sql, &binds);
            nf_std_text_put(&sql, ")");
        }
        nf_std_text_put(&sql, " FROM %s WHERE _state != 3", t->name);
        if (en->download == NF_BD_XPATH && en->profile_xpath != NF_BC_NONE) {
            nf_std_text_put(&sql, " AND ");
            ok = nf_srv_xpath_filter(c, e, en->profile_xpath, &sql, &binds);
        }
        /* rows of some rule of the user's: a rule without XPath lets every row through */
        bool unconditional = false;
        for (uint32_t i = 0; i < en->naccess; i++) {
            const nf_bc_access *a = &en->access[i];
            if (a->role < m->nroles && c->user.module_roles[a->role] && a->xpath == NF_BC_NONE)
                unconditional = true;
        }
        if (ok && !unconditional) {
            nf_std_text_put(&sql, " AND (0");
            for (uint32_t i = 0; ok && i < en->naccess; i++) {
                const nf_bc_access *a = &en->access[i];
                if (a->role >= m->nroles || !c->user.module_roles[a->role]) continue;
                nf_std_text_put(&sql, " OR ");
                ok = nf_srv_xpath_filter(c, e, a->xpath, &sql, &binds);
            }
            nf_std_text_put(&sql, ")");
        }
        nf_std_text_put(&sql, " AND _id > ? ORDER BY _id LIMIT ?");
        sqlite3_stmt *st = ok && !sql.oom ? nf_srv_stmt(s, sql.s) : NULL;
        free(sql.s);
        int rc = SQLITE_ERROR;
        if (st && nf_std_store_bind_all(s->vm, st, &binds)) {
            sqlite3_bind_text(st, (int)binds.nbinds + 1, after ? after : "", -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, (int)binds.nbinds + 2, limit);
            long n = 0;
            uint8_t *cols = calloc(ncols + 1, 1); /* readable members of the row */
            while (cols && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *id = (const char *)sqlite3_column_text(st, 0);
                memset(cols, 0, ncols + 1);
                int mcol = (int)ncols + 2;
                for (uint32_t i = 0; i < en->naccess; i++) {
                    const nf_bc_access *a = &en->access[i];
                    if (a->role >= m->nroles || !c->user.module_roles[a->role]) continue;
                    bool applies = a->xpath == NF_BC_NONE || sqlite3_column_int(st, mcol++) != 0;
                    if (applies) nf_srv_rule_readable(t, a, cols);
                }
                json_t *vals = json_object();
                for (uint32_t k = 0; k < ncols; k++)
                    if (cols[k] && nf_srv_col_synced(s, t, k))
                        json_object_set_new(vals, nf_srv_member(s, t, k),
                                            nf_srv_encode(s, t, k, st, (int)k + 2));
                json_array_append_new(rows, json_pack("{s:s,s:I,s:o}", "id", id, "rev",
                                                      (json_int_t)sqlite3_column_int64(st, 1),
                                                      "values", vals));
                if (++n == limit) {
                    json_decref(next);
                    next = json_string(id);
                }
            }
            free(cols);
            sqlite3_reset(st);
        }
        nf_std_sqlq_free(s->vm, &binds);
        if (rc != SQLITE_DONE) {
            nf_srv_rights_free(&r);
            json_decref(rows);
            json_decref(next);
            return nf_srv_error(c, 500, "RuntimeError", "cannot read %s", ename);
        }
    }
    nf_srv_rights_free(&r);
    c->reply = json_pack("{s:s,s:s?,s:o,s:o,s:I}", "entity", ename, "pass", pass, "rows", rows,
                         "next", next, "serverSeq", (json_int_t)nf_srv_current_seq(s));
    c->status = 200;
    return true;
}
