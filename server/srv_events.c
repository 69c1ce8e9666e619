/* srv_events.c — entity event handlers on uploaded objects (§5.3), run by the VM inside the
 * unit's transaction.
 *
 * Before commit: the uploaded object is written to its row inside the object's savepoint, read
 * back as a VM object, and the savepoint is rolled back, so the row holds the server's state
 * again (or is absent) while the object in memory holds the uploaded one — taken out of the
 * runtime's identity map, as an object not yet committed (isNew for new uploads). A handler that
 * retrieves the object from the database therefore gets the stored version as a separate object
 * (the revision-ID pattern: `retrieve $Stored … where [id = $Obj]`, compare revisions, `change $Obj
 * (Revision = …)`). When every handler returns true the object's values (with the handlers'
 * changes) are written to the row; false or an error rejects the object with the handler's name or
 * the error's message.
 *
 * After commit: the written row is read into a fresh runtime and each handler runs with it; an
 * error rejects the object (the savepoint is rolled back).
 *
 * Delete: the row is read into a fresh runtime and the before-delete handlers run with it; false
 * or an error rejects the deletion. Then the row is deleted and the after-delete handlers run
 * with the object (kept in memory, outside the identity map); an error rejects the deletion
 * too (the savepoint is rolled back).
 *
 * Objects handlers commit or delete go through the store, which marks rows as a device would
 * (state new/changed/deleted); nf_srv_settle turns those marks into server rows afterwards
 * (deleted ones removed, the others synced with a new revision and the unit's change sequence).
 *
 * Each handler call gets a fresh runtime (no identity map carries over between objects). */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "srv_int.h"

/* nf_bc_event.moment and .type as the compiler writes them (compiler/cc_ast.h). */
enum { EV_BEFORE = 0, EV_AFTER = 1 };
enum { EV_CREATE = 0, EV_COMMIT = 1, EV_DELETE = 2 };

bool nf_srv_has_events(const nf_bc_module *m, uint32_t e, int moment, int type) {
    for (; e != NF_BC_NONE && e < m->nentities; e = m->entities[e].generalization)
        for (uint32_t i = 0; i < m->entities[e].nevents; i++)
            if (m->entities[e].events[i].moment == moment && m->entities[e].events[i].type == type)
                return true;
    return false;
}

static void vm_log(void *ud, nf_vm *vm, int level, const char *node, const char *text) {
    (void)vm;
    static const char *const names[] = {"trace", "debug", "info", "warning", "error", "critical"};
    nf_srv_logf(ud, "[%s] %s: %s", names[level >= 0 && level < 6 ? level : 2], node ? node : "",
                text);
}

/* Random bits from the kernel: runtimes created in the same millisecond must not share a
 * clock-seeded generator (the ids of objects handlers create would repeat). */
static uint64_t vm_random(void *ud) {
    (void)ud;
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r ^= (uint64_t)nf_srv_now_ms();
    return r;
}

/* UI actions have no one to show them to on the server: logged and ignored (§8). */
static nf_vm_status vm_message(void *ud, nf_vm *vm, const char *text, int type, bool blocking) {
    (void)vm;
    (void)type;
    (void)blocking;
    nf_srv_logf(ud, "[ui ignored] show message: %s", text);
    return NF_VM_OK;
}

static nf_vm_status vm_page(void *ud, nf_vm *vm, const char *page, const char *title,
                            const char *const *names, const nf_val *args, uint32_t nargs,
                            int32_t close) {
    (void)vm;
    (void)close;
    (void)title;
    (void)names;
    (void)args;
    (void)nargs;
    nf_srv_logf(ud, "[ui ignored] show page %s", page);
    return NF_VM_OK;
}

static nf_vm_status vm_close(void *ud, nf_vm *vm, int32_t count) {
    (void)vm;
    (void)count;
    nf_srv_logf(ud, "[ui ignored] close page");
    return NF_VM_OK;
}

static nf_vm_status vm_progress(void *ud, nf_vm *vm, bool show, const char *text, bool blocking) {
    (void)vm;
    (void)blocking;
    nf_srv_logf(ud, "[ui ignored] %s progress%s%s", show ? "show" : "hide", text ? ": " : "",
                text ? text : "");
    return NF_VM_OK;
}

static nf_vm_status vm_feedback(void *ud, nf_vm *vm, nf_vm_obj *obj, const char *member,
                                const char *text) {
    (void)vm;
    (void)obj;
    nf_srv_logf(ud, "[ui ignored] validation feedback on %s: %s", member ? member : "", text);
    return NF_VM_OK;
}

bool nf_srv_rt_open(nf_srv *s, nf_srv_rt *h) {
    memset(h, 0, sizeof *h);
    char err[256];
    if (!nf_std_ctx_open(&h->ctx, "UTC", NULL, err, sizeof err)) {
        nf_srv_logf(s, "event handlers: %s", err);
        return false;
    }
    h->ctx_open = true;
    nf_vm_config vc = {0};
    vc.builtins = nf_std_builtins;
    vc.builtin_ctx = &h->ctx;
    vc.datetime_text = nf_std_datetime_text;
    vc.store = nf_std_store_iface(s->store);
    vc.host.ud = s;
    vc.host.log = vm_log;
    vc.host.random = vm_random;
    vc.host.show_message = vm_message;
    vc.host.show_page = vm_page;
    vc.host.close_page = vm_close;
    vc.host.progress = vm_progress;
    vc.host.feedback = vm_feedback;
    vc.limits.max_instructions = 10 * 1000 * 1000;
    h->vm = nf_vm_new(s->m, &vc);
    return h->vm != NULL;
}

void nf_srv_rt_close(nf_srv_rt *h) {
    if (h->vm) nf_vm_free(h->vm);
    if (h->ctx_open) nf_std_ctx_close(&h->ctx);
}

/* Runs the handlers of (moment, type) of entity e and its generalizations on o. Returns
 * APPLIED, REJECTED (reason set) or DBERROR. */
static int run_handlers(nf_srv *s, nf_srv_rt *h, uint32_t e, int moment, int type, nf_vm_obj *o,
                        char *reason, size_t n) {
    const nf_bc_module *m = s->m;
    for (uint32_t g = e; g != NF_BC_NONE && g < m->nentities; g = m->entities[g].generalization) {
        const nf_bc_entity *en = &m->entities[g];
        for (uint32_t i = 0; i < en->nevents; i++) {
            const nf_bc_event *ev = &en->events[i];
            if (ev->moment != moment || ev->type != type || ev->flow >= m->nflows) continue;
            nf_val arg = {0}, result = {0};
            arg.kind = NF_BT_OBJ;
            arg.ref = (uint16_t)e;
            arg.u.o = o;
            arg.flags = 0;
            uint32_t nargs = ev->pass_object && m->flows[ev->flow].nparams == 1 ? 1 : 0;
            nf_vm_status st = nf_vm_call(h->vm, ev->flow, &arg, nargs, &result);
            const char *flow = m->strings[m->flows[ev->flow].name];
            if (st != NF_VM_OK) {
                if (st == NF_VM_SUSPENDED) nf_vm_abandon(h->vm);
                snprintf(reason, n, "%s: %s", flow,
                         st == NF_VM_SUSPENDED ? "waited for a host action" : h->vm->err_msg);
                nf_vm_val_release(h->vm, &result);
                return 1; /* REJECTED */
            }
            bool refused = result.kind == NF_BT_BOOL && !nf_vm_is_empty(&result) && !result.u.b;
            nf_vm_val_release(h->vm, &result);
            if (refused) {
                snprintf(reason, n, "rejected by the %s-%s event handler %s",
                         moment == EV_BEFORE ? "before" : "after",
                         type == EV_DELETE   ? "delete"
                         : type == EV_CREATE ? "create"
                                             : "commit",
                         flow);
                return 1;
            }
        }
    }
    return 0; /* APPLIED */
}

/* Writes every member of o to its row (t, id). */
static bool write_obj(nf_srv *s, nf_vm *vm, const nf_std_table *t, nf_vm_obj *o, const char *id) {
    nf_std_text sql = {0};
    nf_std_text_put(&sql, "UPDATE %s SET _state = 0", t->name);
    for (uint32_t k = 0; k < t->nattrs + t->nrefs; k++)
        if (nf_srv_col_synced(s, t, k)) nf_std_text_put(&sql, ", %s = ?", nf_srv_col(t, k));
    nf_std_text_put(&sql, " WHERE _id = ?");
    sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
    free(sql.s);
    if (!st) return false;
    int i = 1;
    for (uint32_t k = 0; k < t->nattrs + t->nrefs; k++) {
        if (!nf_srv_col_synced(s, t, k)) continue;
        if (k < t->nattrs) {
            nf_std_store_bind(vm, st, i++, &o->attrs[k]);
        } else {
            uint8_t rid[16];
            char txt[37];
            if (nf_vm_obj_slot_id(vm, o, t->ref_slot[k - t->nattrs], rid)) {
                nf_std_uuid_text(rid, txt);
                sqlite3_bind_text(st, i++, txt, 36, SQLITE_TRANSIENT);
            } else {
                sqlite3_bind_null(st, i++);
            }
        }
    }
    sqlite3_bind_text(st, i, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

/* The row's bookkeeping for a write at change sequence seq: a new row, or the next revision. */
static bool stamp(nf_srv *s, const nf_std_table *t, const char *id, bool isnew, int64_t seq) {
    nf_std_text sql = {0};
    if (isnew)
        nf_std_text_put(&sql,
                        "INSERT INTO %s (_id, _state, _rev, _seq) VALUES (?2, 0, 1, ?1) ON "
                        "CONFLICT (_id) DO UPDATE SET _rev = 1, _seq = ?1",
                        t->name);
    else
        nf_std_text_put(&sql, "UPDATE %s SET _rev = _rev + 1, _seq = ?1 WHERE _id = ?2", t->name);
    sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
    free(sql.s);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

/* A handler runtime for the object with text id `id` (its bytes into idb); false, with nothing
 * left open, when the id is malformed or no runtime can be made. */
static bool stored_object(nf_srv *s, const char *id, nf_srv_rt *h, uint8_t idb[16]) {
    if (!nf_std_uuid_parse(id, 36, idb)) return false;
    if (nf_srv_rt_open(s, h)) return true;
    nf_srv_rt_close(h);
    return false;
}

int nf_srv_before_commit(nf_srv *s, uint32_t e, const char *id, bool isnew, int64_t seq,
                         char *reason, size_t n) {
    const nf_std_table *t = &s->store->tables[e];
    uint8_t idb[16];
    nf_srv_rt h;
    if (!stored_object(s, id, &h, idb)) return 2;
    int res = 2; /* DBERROR until done */
    nf_vm_obj *o = NULL;
    /* the uploaded object, as the row now holds it */
    if (nf_std_store_load(s->store, h.vm, e, idb, &o) != NF_VM_OK || !o) goto done;
    nf_vm_idmap_remove(h.vm, o); /* not the stored version any more: retrieves read the row */
    o->stored = 0;
    if (isnew) o->state = NF_OBJ_NEW;
    /* the row back to the server's version (the object's savepoint) while the handlers run */
    if (!nf_srv_exec(s, "ROLLBACK TO nf_obj")) goto done;
    res = run_handlers(s, &h, e, EV_BEFORE, EV_COMMIT, o, reason, n);
    if (res == 0 && isnew) res = run_handlers(s, &h, e, EV_BEFORE, EV_CREATE, o, reason, n);
    /* then the uploaded version, with the handlers' changes, into the row */
    if (res == 0 && (!stamp(s, t, id, isnew, seq) || !write_obj(s, h.vm, t, o, id))) res = 2;
done:
    if (o) nf_vm_obj_release(h.vm, o);
    nf_srv_rt_close(&h);
    return res;
}

int nf_srv_after_commit(nf_srv *s, uint32_t e, const char *id, bool isnew, char *reason, size_t n) {
    uint8_t idb[16];
    nf_srv_rt h;
    if (!stored_object(s, id, &h, idb)) return 2;
    int res = 2;
    nf_vm_obj *o = NULL;
    if (nf_std_store_load(s->store, h.vm, e, idb, &o) == NF_VM_OK && o) {
        res = run_handlers(s, &h, e, EV_AFTER, EV_COMMIT, o, reason, n);
        if (res == 0 && isnew) res = run_handlers(s, &h, e, EV_AFTER, EV_CREATE, o, reason, n);
        nf_vm_obj_release(h.vm, o);
    }
    nf_srv_rt_close(&h);
    return res;
}

int nf_srv_delete_events(nf_srv *s, uint32_t e, const char *id, bool (*remove)(void *ud), void *ud,
                         char *reason, size_t n) {
    uint8_t idb[16];
    nf_srv_rt h;
    if (!stored_object(s, id, &h, idb)) return 2;
    int res = 2;
    nf_vm_obj *o = NULL;
    if (nf_std_store_load(s->store, h.vm, e, idb, &o) == NF_VM_OK && o) {
        res = run_handlers(s, &h, e, EV_BEFORE, EV_DELETE, o, reason, n);
        if (res == 0) {
            /* the object outlives its row for the after-delete handlers */
            nf_vm_idmap_remove(h.vm, o);
            o->stored = 0;
            res = remove(ud) ? run_handlers(s, &h, e, EV_AFTER, EV_DELETE, o, reason, n) : 2;
        }
        nf_vm_obj_release(h.vm, o);
    }
    nf_srv_rt_close(&h);
    return res;
}

bool nf_srv_needs_rules(const nf_bc_module *m, uint32_t e) {
    for (uint32_t g = e; g != NF_BC_NONE && g < m->nentities; g = m->entities[g].generalization) {
        const nf_bc_entity *en = &m->entities[g];
        for (uint32_t r = 0; r < en->nrules; r++)
            if (en->rules[r].kind != NF_BR_REQUIRED) return true;
        for (uint32_t a = 0; a < en->nattrs; a++)
            if (en->attrs[a].flags & NF_BA_UNIQUE) return true;
    }
    return false;
}

int nf_srv_validate_rules(nf_srv *s, uint32_t e, const char *id, char *reason, size_t n) {
    uint8_t idb[16];
    nf_srv_rt h;
    if (!stored_object(s, id, &h, idb)) return 2;
    int res = 2;
    nf_vm_obj *o = NULL;
    if (nf_std_store_load(s->store, h.vm, e, idb, &o) == NF_VM_OK && o) {
        res = 0;
        if (nf_std_store_validate(s->store, h.vm, o) != NF_VM_OK) {
            snprintf(reason, n, "%s", h.vm->err_msg);
            res = h.vm->err_type == NF_VM_E_VALIDATION ? 1 : 2;
        }
        nf_vm_obj_release(h.vm, o);
    }
    nf_srv_rt_close(&h);
    return res;
}

bool nf_srv_settle(nf_srv *s, int64_t seq) {
    const nf_bc_module *m = s->m;
    for (uint32_t e = 0; e < m->nentities; e++) {
        const nf_std_table *t = &s->store->tables[e];
        if (!t->name) continue;
        nf_std_text sql = {0};
        nf_std_text_put(&sql, "DELETE FROM %s WHERE _state != 0 AND _state = 3", t->name);
        sqlite3_stmt *st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
        free(sql.s);
        if (!st || sqlite3_step(st) != SQLITE_DONE) return false;
        sqlite3_reset(st);
        sql = (nf_std_text){0};
        nf_std_text_put(&sql,
                        "UPDATE %s SET _state = 0, _changed = NULL, _rev = COALESCE(_rev, 0) + 1, "
                        "_seq = ? WHERE _state != 0",
                        t->name);
        st = sql.oom ? NULL : nf_srv_stmt(s, sql.s);
        free(sql.s);
        if (!st) return false;
        sqlite3_bind_int64(st, 1, seq);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) return false;
    }
    return true;
}
