/* std_api_sync.c — the synchronization part of the embedding API: the local quarantine of
 * objects the server refused, listed and resubmitted (docs/sync-client.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "std_api.h"
#include "std_sync.h"

static nf_status need_store(nf_runtime *rt) {
    char err[256];
    if (!rt->store) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "the runtime has no local database");
        return NF_ERR_ARGUMENT;
    }
    if (!nf_std_sync_store_prepare(rt->store, err, sizeof err)) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "%s", err);
        return NF_ERR_ARGUMENT;
    }
    return NF_OK;
}

nf_status nf_sync_quarantine(nf_runtime *rt, char **json) {
    *json = NULL;
    nf_status st = need_store(rt);
    if (st != NF_OK) return st;
    json_t *list;
    if (nf_std_sync_quarantine_list(rt->store, rt->vm, &list) != NF_VM_OK) return NF_ERR_ARGUMENT;
    *json = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return *json ? NF_OK : NF_ERR_NOMEM;
}

nf_status nf_sync_resubmit(nf_runtime *rt, int64_t qid) {
    nf_status st = need_store(rt);
    if (st != NF_OK) return st;
    if (rt->vm->syncing) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "%s", NF_VM_SYNC_BUSY_MESSAGE);
        return NF_ERR_STATE;
    }
    bool found;
    if (nf_std_sync_resubmit(rt->store, rt->vm, qid, &found) != NF_VM_OK) return NF_ERR_ARGUMENT;
    if (!found) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "no quarantine entry %lld", (long long)qid);
        return NF_ERR_NOT_FOUND;
    }
    return NF_OK;
}

void nf_sync_cancel(nf_runtime *rt) {
    if (rt) nf_vm_cancel_sync(rt->vm);
}

/* The stored-file object behind v, or NULL after raising. */
static nf_vm_obj *file_object(nf_runtime *rt, const nf_value *v, nf_status *st) {
    char err[256];
    *st = NF_ERR_ARGUMENT;
    if (!rt->store) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "the runtime has no local database");
        return NULL;
    }
    if (!nf_std_files_prepare(rt->store, err, sizeof err)) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "%s", err);
        return NULL;
    }
    if (!v || v->rt != rt || v->v.kind != NF_BT_OBJ || nf_vm_is_empty(&v->v) ||
        !nf_std_files_is_file(rt->store, v->v.u.o->entity)) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME,
                    "file contents belong to an object of System.FileDocument or a "
                    "specialization of this runtime");
        return NULL;
    }
    if (v->v.u.o->state == NF_OBJ_DELETED) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "the file object was deleted");
        *st = NF_ERR_STATE;
        return NULL;
    }
    *st = NF_OK;
    return v->v.u.o;
}

nf_status nf_file_set_contents(nf_runtime *rt, const nf_value *object, const void *bytes,
                               size_t len) {
    nf_status st;
    nf_vm_obj *o = file_object(rt, object, &st);
    if (!o) return st;
    if (!bytes && len) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "no bytes given");
        return NF_ERR_ARGUMENT;
    }
    if (rt->vm->syncing) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "%s", NF_VM_SYNC_BUSY_MESSAGE);
        return NF_ERR_STATE;
    }
    return nf_std_files_set(rt->store, rt->vm, o, bytes, len) == NF_VM_OK ? NF_OK : NF_ERR_ARGUMENT;
}

nf_status nf_file_set_contents_from_path(nf_runtime *rt, const nf_value *object, const char *path) {
    nf_status st;
    if (!file_object(rt, object, &st)) return st;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "cannot read %s", path ? path : "(no path)");
        return NF_ERR_ARGUMENT;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    st = NF_OK;
    for (;;) {
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 65536;
            char *p = nc > ((size_t)1 << 31) ? NULL : realloc(buf, nc);
            if (!p) {
                st = NF_ERR_NOMEM;
                break;
            }
            buf = p;
            cap = nc;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) st = NF_ERR_ARGUMENT;
            break;
        }
    }
    fclose(f);
    if (st == NF_OK)
        st = nf_file_set_contents(rt, object, buf, len);
    else
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "cannot read %s", path);
    free(buf);
    return st;
}

nf_status nf_file_contents(nf_runtime *rt, const nf_value *object, void **bytes, size_t *len) {
    *bytes = NULL;
    *len = 0;
    nf_status st;
    nf_vm_obj *o = file_object(rt, object, &st);
    if (!o) return st;
    bool found;
    if (nf_std_files_get(rt->store, rt->vm, o->id, bytes, len, &found) != NF_VM_OK)
        return NF_ERR_NOMEM;
    if (!found) {
        nf_vm_raise(rt->vm, NF_VM_E_RUNTIME, "the device has no contents for this file");
        return NF_ERR_NOT_FOUND;
    }
    return NF_OK;
}
