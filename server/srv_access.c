/* srv_access.c — entity access for the signed-in user: the rules (nf_bc_access) of the user's
 * module roles, their rights and member lists, and their XPath constraints evaluated as SQL by
 * the store's own XPath translation (stdlib/std_store_sql.c), with [%CurrentUser%] bound to
 * the user's account id. */
#include <stdlib.h>
#include <string.h>

#include "srv_int.h"

void nf_srv_rights_free(nf_srv_rights *r) {
    free(r->readable);
    free(r->writable);
    memset(r, 0, sizeof *r);
}

/* The column of a rule's member (attribute index or NF_BC_ASSOC_MEMBER|association), or -1. */
static int member_col(const nf_std_table *t, uint32_t member) {
    if (member & NF_BC_ASSOC_MEMBER) {
        uint32_t a = member & ~NF_BC_ASSOC_MEMBER;
        for (uint32_t r = 0; r < t->nrefs; r++)
            if (t->ref_assoc[r] == a) return (int)(t->nattrs + r);
        return -1;
    }
    return member < t->nattrs ? (int)member : -1;
}

/* Builds the store's query of entity e constrained by xpath into q. */
static bool build(nf_srv_call *c, uint32_t e, uint32_t xpath, nf_std_sqlq *q) {
    nf_vm_query vq = {0};
    vq.entity = e;
    vq.xpath = xpath;
    vq.assoc = NF_BC_NONE;
    vq.limit = -1;
    if (nf_std_store_build_query(c->s->store, c->s->vm, &vq, q) != NF_VM_OK) {
        nf_srv_logf(c->s, "XPath of %s cannot run on the server: %s",
                    c->s->m->strings[c->s->m->entities[e].name], c->s->vm->err_msg);
        nf_std_sqlq_free(c->s->vm, q);
        return false;
    }
    return true;
}

int nf_srv_xpath_match(nf_srv_call *c, uint32_t e, uint32_t xpath, const char *row_id) {
    nf_std_sqlq q;
    if (!build(c, e, xpath, &q)) return -1;
    nf_std_text sql = {0};
    nf_std_text_put(&sql, "SELECT 1 FROM (%s) WHERE _id = ?", q.sql.s);
    sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(c->s, sql.s);
    free(sql.s);
    int r = -1;
    if (st && nf_std_store_bind_all(c->s->vm, st, &q)) {
        sqlite3_bind_text(st, (int)q.nbinds + 1, row_id, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        r = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(st);
    }
    nf_std_sqlq_free(c->s->vm, &q);
    return r;
}

bool nf_srv_xpath_filter(nf_srv_call *c, uint32_t e, uint32_t xpath, nf_std_text *sql,
                         nf_std_sqlq *binds) {
    nf_std_sqlq q;
    if (!build(c, e, xpath, &q)) return false;
    nf_std_text_put(sql, "_id IN (SELECT _id FROM (%s))", q.sql.s);
    if (q.nbinds) {
        nf_val *b = realloc(binds->binds, (binds->nbinds + q.nbinds) * sizeof *b);
        if (!b) {
            nf_std_sqlq_free(c->s->vm, &q);
            return false;
        }
        memcpy(b + binds->nbinds, q.binds, q.nbinds * sizeof *b); /* moves the references */
        binds->binds = b;
        binds->nbinds += q.nbinds;
        q.nbinds = 0;
    }
    nf_std_sqlq_free(c->s->vm, &q);
    return !sql->oom;
}

void nf_srv_rule_readable(const nf_std_table *t, const nf_bc_access *a, uint8_t *readable) {
    uint32_t ncols = t->nattrs + t->nrefs;
    for (uint32_t k = 0; k < ncols; k++)
        if (a->rights & (NF_RIGHT_READ_ALL | NF_RIGHT_WRITE_ALL)) readable[k] = 1;
    for (uint32_t k = 0; k < a->nread; k++) {
        int col = member_col(t, a->read[k]);
        if (col >= 0) readable[col] = 1;
    }
    for (uint32_t k = 0; k < a->nwrite; k++) {
        int col = member_col(t, a->write[k]);
        if (col >= 0) readable[col] = 1;
    }
}

bool nf_srv_rights_of(nf_srv_call *c, uint32_t e, const char *row_id, nf_srv_rights *out) {
    memset(out, 0, sizeof *out);
    const nf_bc_module *m = c->s->m;
    const nf_std_table *t = &c->s->store->tables[e];
    if (!t->name) return true;
    uint32_t ncols = t->nattrs + t->nrefs;
    out->readable = calloc(ncols + 1, 1);
    out->writable = calloc(ncols + 1, 1);
    if (!out->readable || !out->writable) return false;
    const nf_bc_entity *en = &m->entities[e];
    for (uint32_t i = 0; i < en->naccess; i++) {
        const nf_bc_access *a = &en->access[i];
        if (!c->user.module_roles || a->role >= m->nroles || !c->user.module_roles[a->role])
            continue;
        if (row_id && a->xpath != NF_BC_NONE) {
            int r = nf_srv_xpath_match(c, e, a->xpath, row_id);
            if (r < 0) return false;
            if (r == 0) continue;
        }
        out->any = true;
        out->rights |= a->rights;
        for (uint32_t k = 0; k < ncols; k++) {
            if (a->rights & NF_RIGHT_READ_ALL) out->readable[k] = 1;
            if (a->rights & NF_RIGHT_WRITE_ALL) out->writable[k] = out->readable[k] = 1;
        }
        for (uint32_t k = 0; k < a->nread; k++) {
            int col = member_col(t, a->read[k]);
            if (col >= 0) out->readable[col] = 1;
        }
        for (uint32_t k = 0; k < a->nwrite; k++) {
            int col = member_col(t, a->write[k]);
            if (col >= 0) out->writable[col] = out->readable[col] = 1;
        }
    }
    return true;
}
