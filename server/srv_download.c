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
    /* The page is written as JSON text directly: a tree of 500 rows built, dumped and freed
     * was three quarters of the server's work in a download. */
    nf_std_text page = {0}, next = {0};
    nf_std_text_add(&page, "{\"entity\":", 10);
    nf_srv_json_string(&page, ename, strlen(ename));
    nf_std_text_add(&page, ",\"pass\":", 8);
    if (!pass || !nf_srv_json_string(&page, pass, strlen(pass))) nf_std_text_add(&page, "null", 4);
    nf_std_text_add(&page, ",\"rows\":[", 9);
    nf_srv_rights r;
    if (!nf_srv_rights_of(c, e, NULL, &r)) {
        nf_srv_rights_free(&r);
        free(page.s);
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
                char head[64];
                int hn = snprintf(head, sizeof head, "%s{\"id\":", n ? "," : "");
                nf_std_text_add(&page, head, (size_t)hn);
                nf_srv_json_string(&page, id, strlen(id));
                hn = snprintf(head, sizeof head, ",\"rev\":%lld,\"values\":{",
                              (long long)sqlite3_column_int64(st, 1));
                nf_std_text_add(&page, head, (size_t)hn);
                bool first = true;
                for (uint32_t k = 0; k < ncols; k++) {
                    if (!cols[k] || !nf_srv_col_synced(s, t, k)) continue;
                    size_t mark = page.len;
                    const char *mn = nf_srv_member(s, t, k);
                    if (!first) nf_std_text_add(&page, ",", 1);
                    nf_srv_json_string(&page, mn, strlen(mn));
                    nf_std_text_add(&page, ":", 1);
                    if (nf_srv_encode_text(s, t, k, st, (int)k + 2, &page))
                        first = false;
                    else /* no JSON value (not UTF-8): left out, as the tree left it out */
                        page.len = mark;
                }
                nf_std_text_add(&page, "}}", 2);
                if (++n == limit) {
                    next.len = 0;
                    nf_srv_json_string(&next, id, strlen(id));
                }
            }
            free(cols);
            sqlite3_reset(st);
        }
        nf_std_sqlq_free(s->vm, &binds);
        if (rc != SQLITE_DONE) {
            nf_srv_rights_free(&r);
            free(page.s);
            free(next.s);
            return nf_srv_error(c, 500, "RuntimeError", "cannot read %s", ename);
        }
    }
    nf_srv_rights_free(&r);
    char tail[48];
    int tn = snprintf(tail, sizeof tail, ",\"serverSeq\":%lld}", (long long)nf_srv_current_seq(s));
    nf_std_text_add(&page, "],\"next\":", 9);
    if (next.len)
        nf_std_text_add(&page, next.s, next.len);
    else
        nf_std_text_add(&page, "null", 4);
    nf_std_text_add(&page, tail, (size_t)tn);
    free(next.s);
    if (page.oom) {
        free(page.s);
        return nf_srv_error(c, 500, "RuntimeError", "out of memory");
    }
    c->raw = page.s;
    c->raw_len = page.len;
    c->raw_type = "application/json";
    c->status = 200;
    return true;
}
