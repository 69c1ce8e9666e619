/* std_api_sync.c — the synchronization part of the embedding API: the local quarantine of
 * objects the server refused, listed and resubmitted (docs/sync-client.md). */
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
