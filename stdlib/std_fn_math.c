/* std_fn_math.c — numbers, enumerations, objects and lists in expressions: abs, round, floor,
 * ceil, pow, sqrt, max, min, random, getKey, getCaption, isNew, isSynced, isSyncing, length of a
 * list, currentUser (mendix-semantics §6.3). Decimals are exact (vm_decimal.h). */
#include <string.h>

#include "std_builtins.h"

nf_vm_status nf_std_dec_error(nf_vm *vm, nf_dec_status s, const char *fname) {
    switch (s) {
    case NF_DEC_OK: return NF_VM_OK;
    case NF_DEC_DIV_ZERO: return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: division by zero", fname);
    case NF_DEC_OVERFLOW:
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: the result is out of range", fname);
    case NF_DEC_SYNTAX: return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: not a number", fname);
    case NF_DEC_DOMAIN:
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: the argument is outside the function's domain",
                           fname);
    case NF_DEC_NOMEM: break;
    }
    return nf_vm_raise(vm, NF_VM_E_LIMIT, "%s: out of memory", fname);
}

void nf_std_set_dec(nf_val *out, nf_dec d) {
    uint16_t ref = out->ref;
    *out = nf_vm_dec_val(d);
    out->ref = ref;
}

static void set_int(nf_val *out, int64_t i) {
    out->u.i = i;
    out->flags = 0;
}

static nf_dec_rounding round_mode(const nf_vm *vm) {
    return vm->cfg.rounding == NF_DEC_HALF_EVEN ? NF_DEC_HALF_EVEN : NF_DEC_HALF_AWAY;
}

NF_STD_FN(ABS_I) {
    if (nf_std_need(vm, args, 0, "abs")) return NF_VM_ERROR;
    if (args[0].u.i == INT64_MIN) return nf_vm_raise(vm, NF_VM_E_RUNTIME, "abs: Integer overflow");
    set_int(out, args[0].u.i < 0 ? -args[0].u.i : args[0].u.i);
    return NF_VM_OK;
}

/* One-argument decimal functions share their shape. */
typedef nf_dec_status (*dec1_fn)(const nf_dec *a, nf_dec *out);
static nf_vm_status dec1(nf_vm *vm, nf_val *out, const nf_val *args, dec1_fn fn, const char *name) {
    if (nf_std_need(vm, args, 0, name)) return NF_VM_ERROR;
    nf_dec a = nf_vm_dec_of(&args[0]), r;
    nf_dec_status s = fn(&a, &r);
    if (s != NF_DEC_OK) return nf_std_dec_error(vm, s, name);
    nf_std_set_dec(out, r);
    return NF_VM_OK;
}

NF_STD_FN(ABS_D) {
    return dec1(vm, out, args, nf_dec_abs, "abs");
}
NF_STD_FN(SQRT) {
    if (!nf_vm_is_empty(&args[0])) {
        nf_dec a = nf_vm_dec_of(&args[0]);
        if (nf_dec_sign(&a) < 0)
            return nf_vm_raise(vm, NF_VM_E_RUNTIME, "sqrt: the square root of a negative number");
    }
    return dec1(vm, out, args, nf_dec_sqrt, "sqrt");
}

static nf_vm_status to_int(nf_vm *vm, nf_val *out, const nf_val *args, nf_dec_rounding mode,
                           const char *name) {
    if (nf_std_need(vm, args, 0, name)) return NF_VM_ERROR;
    nf_dec a = nf_vm_dec_of(&args[0]);
    int64_t r;
    nf_dec_status s = nf_dec_to_int64(&a, mode, &r);
    if (s != NF_DEC_OK) return nf_std_dec_error(vm, s, name);
    set_int(out, r);
    return NF_VM_OK;
}

NF_STD_FN(ROUND1) {
    return to_int(vm, out, args, round_mode(vm), "round");
}
NF_STD_FN(FLOOR) {
    return to_int(vm, out, args, NF_DEC_FLOOR, "floor");
}
NF_STD_FN(CEIL) {
    return to_int(vm, out, args, NF_DEC_CEILING, "ceil");
}

NF_STD_FN(ROUND2) {
    if (nf_std_need(vm, args, 0, "round") || nf_std_need(vm, args, 1, "round")) return NF_VM_ERROR;
    int64_t places = args[1].u.i;
    if (places < 0 || places > NF_DEC_MAX_SCALE)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME,
                           "round: the precision must be between 0 and %d, not %lld",
                           NF_DEC_MAX_SCALE, (long long)places);
    if ((round_mode(vm) == NF_DEC_HALF_AWAY || round_mode(vm) == NF_DEC_HALF_EVEN) &&
        nf_vm_round_small(&args[0], (int32_t)places, round_mode(vm), out))
        return NF_VM_OK;
    nf_dec a = nf_vm_dec_of(&args[0]), r;
    nf_dec_status s = nf_dec_round(&a, (int32_t)places, round_mode(vm), &r);
    if (s != NF_DEC_OK) return nf_std_dec_error(vm, s, "round");
    nf_std_set_dec(out, r);
    return NF_VM_OK;
}

NF_STD_FN(POW) {
    if (nf_std_need(vm, args, 0, "pow") || nf_std_need(vm, args, 1, "pow")) return NF_VM_ERROR;
    nf_dec a = nf_vm_dec_of(&args[0]), b = nf_vm_dec_of(&args[1]), r;
    nf_dec_status s = nf_dec_pow(&a, &b, &r);
    if (s != NF_DEC_OK) return nf_std_dec_error(vm, s, "pow");
    nf_std_set_dec(out, r);
    return NF_VM_OK;
}

/* max and min of two values of one kind; more arguments are chains of these. */
static nf_vm_status pick(nf_vm *vm, nf_val *out, const nf_val *args, bool want_max,
                         const char *name) {
    if (nf_std_need(vm, args, 0, name) || nf_std_need(vm, args, 1, name)) return NF_VM_ERROR;
    int c;
    if (args[0].kind == NF_BT_DEC) {
        nf_dec a = nf_vm_dec_of(&args[0]), b = nf_vm_dec_of(&args[1]);
        c = nf_dec_cmp(&a, &b);
    } else {
        c = (args[0].u.i > args[1].u.i) - (args[0].u.i < args[1].u.i);
    }
    const nf_val *w = (want_max ? c >= 0 : c <= 0) ? &args[0] : &args[1];
    uint16_t ref = out->ref;
    nf_vm_val_assign(vm, out, w);
    out->ref = ref;
    return NF_VM_OK;
}

NF_STD_FN(MAX_I) {
    return pick(vm, out, args, true, "max");
}
NF_STD_FN(MAX_D) {
    return pick(vm, out, args, true, "max");
}
NF_STD_FN(MAX_T) {
    return pick(vm, out, args, true, "max");
}
NF_STD_FN(MIN_I) {
    return pick(vm, out, args, false, "min");
}
NF_STD_FN(MIN_D) {
    return pick(vm, out, args, false, "min");
}
NF_STD_FN(MIN_T) {
    return pick(vm, out, args, false, "min");
}

/* random(): a Decimal in [0, 1) with 16 digits from 64 random bits (no floating point). */
NF_STD_FN(RANDOM) {
    (void)args;
    uint64_t r = nf_vm_random(vm) % 10000000000000000ULL;
    nf_dec d;
    nf_dec_status s = nf_dec_from_parts((int64_t)r, 16, &d);
    if (s != NF_DEC_OK) return nf_std_dec_error(vm, s, "random");
    nf_std_set_dec(out, d);
    return NF_VM_OK;
}

/* ---- enumerations ---- */

static nf_vm_status enum_text(nf_vm *vm, nf_val *out, const nf_val *v, bool caption) {
    if (nf_vm_is_empty(v)) return nf_vm_string(vm, "", 0, out);
    const nf_bc_module *m = vm->m;
    if (v->ref >= m->nenums || v->u.e >= m->enums[v->ref].nvalues)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "not a value of the enumeration");
    const nf_bc_enum *en = &m->enums[v->ref];
    const char *s = m->strings[caption ? en->captions[v->u.e] : en->value_names[v->u.e]];
    return nf_vm_string(vm, s, strlen(s), out);
}

NF_STD_FN(GET_KEY) {
    return enum_text(vm, out, &args[0], false);
}
NF_STD_FN(GET_CAPTION) {
    return enum_text(vm, out, &args[0], true);
}

/* ---- objects and lists ---- */

NF_STD_FN(IS_NEW) {
    (void)vm;
    out->u.b = !nf_vm_is_empty(&args[0]) && args[0].u.o->state == NF_OBJ_NEW;
    out->flags = 0;
    return NF_VM_OK;
}
/* isSynced: the object's row holds what the server has — it was read from a synchronized row
 * (or written by a synchronization) and not changed since, in memory or by a local commit. */
NF_STD_FN(IS_SYNCED) {
    (void)vm;
    const nf_vm_obj *o = nf_vm_is_empty(&args[0]) ? NULL : args[0].u.o;
    out->u.b =
        o && o->stored && o->state == NF_OBJ_COMMITTED && !o->changed && o->sync == NF_SYNC_SYNCED;
    out->flags = 0;
    return NF_VM_OK;
}
NF_STD_FN(IS_SYNCING0) {
    (void)args;
    out->u.b = vm->syncing != 0;
    out->flags = 0;
    return NF_VM_OK;
}
NF_STD_FN(IS_SYNCING1) {
    return nf_std_fn_IS_SYNCING0(vm, out, args);
}

NF_STD_FN(LENGTH_L) {
    (void)vm;
    set_int(out, nf_vm_is_empty(&args[0]) ? 0 : (int64_t)args[0].u.l->n);
    return NF_VM_OK;
}

/* $currentUser needs a session (the sync issue); without one it is empty. */
NF_STD_FN(CURRENT_USER) {
    (void)vm;
    (void)args;
    out->flags = NF_VAL_EMPTY;
    return NF_VM_OK;
}
