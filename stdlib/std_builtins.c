/* std_builtins.c — the table of expression functions and their per-runtime state. */
#include <stdio.h>
#include <string.h>

#include "std_builtins.h"
#include "std_number.h"
#include "std_text.h"
#include "std_time.h"

const nf_vm_builtin nf_std_builtins[NF_FN_COUNT_] = {
#define FN(id, name, args, result) [NF_FN_##id] = nf_std_fn_##id,
#include "builtins.def"
#undef FN
};

bool nf_std_ctx_open(nf_std_ctx *ctx, const char *timezone, const char *locale, char *err,
                     size_t errn) {
    memset(ctx, 0, sizeof *ctx);
    ctx->time = nf_std_time_open(timezone, locale, err, errn);
    if (!ctx->time) return false;
    ctx->number = nf_std_number_open(locale, err, errn);
    ctx->regex = nf_std_regex_cache_new(32);
    if (!ctx->number || !ctx->regex) {
        if (ctx->number && errn) snprintf(err, errn, "out of memory");
        nf_std_ctx_close(ctx);
        return false;
    }
    return true;
}

void nf_std_ctx_close(nf_std_ctx *ctx) {
    if (ctx->time) nf_std_time_close(ctx->time);
    if (ctx->number) nf_std_number_close(ctx->number);
    if (ctx->regex) nf_std_regex_cache_free(ctx->regex);
    memset(ctx, 0, sizeof *ctx);
}

nf_std_ctx *nf_std_ctx_of(nf_vm *vm) {
    return vm->cfg.builtin_ctx;
}

nf_dec_div_rule nf_std_div_rule(const nf_vm *vm) {
    if (vm->nframes && vm->frames[vm->nframes - 1].flow->kind != NF_BF_NANOFLOW)
        return NF_DEC_DIV_MICROFLOW;
    return NF_DEC_DIV_NANOFLOW;
}

nf_vm_status nf_std_need(nf_vm *vm, const nf_val *args, int i, const char *fname) {
    if (!nf_vm_is_empty(&args[i])) return NF_VM_OK;
    return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: argument %d is empty", fname, i + 1);
}

const char *nf_std_str(const nf_val *v, size_t *len) {
    if (nf_vm_is_empty(v)) {
        *len = 0;
        return "";
    }
    *len = v->u.s->len;
    return v->u.s->s;
}

nf_vm_status nf_std_datetime_text(nf_vm *vm, int64_t ms, nf_val *out) {
    nf_std_ctx *ctx = nf_std_ctx_of(vm);
    char buf[96];
    size_t n = nf_std_time_to_string(ctx->time, ms, buf, sizeof buf);
    if (n >= sizeof buf) n = sizeof buf - 1;
    return nf_vm_string(vm, buf, n, out);
}
