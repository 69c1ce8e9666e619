/* vm_value.c — memory accounting, strings, reference counting and the generic value operations
 * (toString, equality). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

/* ---- memory ---------------------------------------------------------------------------------- */

static void *raw(nf_vm *vm, void *p, size_t old, size_t n) {
    if (vm->cfg.alloc) return vm->cfg.alloc(vm->cfg.alloc_ud, p, old, n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, n);
}

void *nf_vm_realloc(nf_vm *vm, void *p, size_t old, size_t n) {
    size_t limit = vm->cfg.limits.max_memory;
    if (n > old && limit && vm->mem_used + (n - old) > limit) return NULL;
    void *q = raw(vm, p, old, n);
    if (q || n == 0) vm->mem_used = vm->mem_used - old + n;
    return q;
}

void *nf_vm_alloc(nf_vm *vm, size_t n) {
    return nf_vm_realloc(vm, NULL, 0, n ? n : 1);
}

void nf_vm_dealloc(nf_vm *vm, void *p, size_t n) {
    if (!p) return;
    raw(vm, p, n ? n : 1, 0);
    vm->mem_used -= n ? n : 1;
}

nf_vm_status nf_vm_no_memory(nf_vm *vm, size_t n, const char *what) {
    if (vm->cfg.limits.max_memory && vm->mem_used + n > vm->cfg.limits.max_memory)
        return nf_vm_raise(vm, NF_VM_E_LIMIT,
                           "%s: the flow needs more than the memory limit (%zu bytes)", what,
                           vm->cfg.limits.max_memory);
    return nf_vm_raise(vm, NF_VM_E_LIMIT, "out of memory %s", what);
}

static nf_vm_status no_memory(nf_vm *vm, size_t n) {
    return nf_vm_no_memory(vm, n, "for a value");
}

/* ---- strings ----------------------------------------------------------------------------------
 */

nf_vm_str *nf_vm_str_new(nf_vm *vm, const char *s, size_t len) {
    if (len > UINT32_MAX - 64) {
        nf_vm_raise(vm, NF_VM_E_LIMIT, "a String of %zu bytes is too long", len);
        return NULL;
    }
    nf_vm_str *str = nf_vm_alloc(vm, sizeof *str + len + 1);
    if (!str) {
        no_memory(vm, sizeof *str + len + 1);
        return NULL;
    }
    str->refs = 1;
    str->len = (uint32_t)len;
    str->u16len = -1;
    if (len) memcpy(str->s, s, len);
    str->s[len] = '\0';
    return str;
}

void nf_vm_str_release(nf_vm *vm, nf_vm_str *s) {
    if (s && --s->refs == 0) nf_vm_dealloc(vm, s, sizeof *s + s->len + 1);
}

nf_vm_status nf_vm_string(nf_vm *vm, const char *s, size_t len, nf_val *out) {
    nf_vm_str *str = nf_vm_str_new(vm, s, len);
    if (!str) return NF_VM_ERROR;
    out->u.s = str;
    out->kind = NF_BT_STR;
    out->flags = 0;
    out->dscale = 0;
    return NF_VM_OK;
}

/* ---- reference counting
 * ---------------------------------------------------------------------------- */

void nf_vm_val_retain_slow(const nf_val *v) {
    if (v->flags & NF_VAL_BIGDEC) {
        nf_dec d = nf_vm_dec_of(v), copy;
        nf_dec_copy(&d, &copy); /* adds the reference the copy of v holds */
        return;
    }
    switch (v->kind) {
    case NF_BT_STR: v->u.s->refs++; break;
    case NF_BT_OBJ: v->u.o->refs++; break;
    case NF_BT_LIST: v->u.l->refs++; break;
    default: break;
    }
}

void nf_vm_val_release_slow(nf_vm *vm, nf_val *v) {
    if (v->flags & NF_VAL_BIGDEC) {
        nf_dec d = nf_vm_dec_of(v);
        nf_dec_release(&d);
        return;
    }
    switch (v->kind) {
    case NF_BT_STR: nf_vm_str_release(vm, v->u.s); break;
    case NF_BT_OBJ: nf_vm_obj_release(vm, v->u.o); break;
    case NF_BT_LIST: nf_vm_list_release(vm, v->u.l); break;
    default: break;
    }
}

/* ---- toString
 * ---------------------------------------------------------------------------------------- */

nf_vm_status nf_vm_to_string(nf_vm *vm, const nf_val *v, nf_val *out) {
    char buf[64];
    if (nf_vm_is_empty(v)) return nf_vm_string(vm, "", 0, out);
    switch (v->kind) {
    case NF_BT_STR:
        v->u.s->refs++;
        out->u.s = v->u.s;
        out->kind = NF_BT_STR;
        out->flags = 0;
        return NF_VM_OK;
    case NF_BT_BOOL: return nf_vm_string(vm, v->u.b ? "true" : "false", v->u.b ? 4 : 5, out);
    case NF_BT_INT: {
        int n = snprintf(buf, sizeof buf, "%" PRId64, v->u.i);
        return nf_vm_string(vm, buf, (size_t)n, out);
    }
    case NF_BT_DEC: {
        nf_dec d = nf_vm_dec_of(v);
        size_t n = nf_dec_format(&d, buf, sizeof buf);
        if (n < sizeof buf) return nf_vm_string(vm, buf, n, out);
        char *big = malloc(n + 1);
        if (!big) return no_memory(vm, n + 1);
        nf_dec_format(&d, big, n + 1);
        nf_vm_status st = nf_vm_string(vm, big, n, out);
        free(big);
        return st;
    }
    case NF_BT_ENUM: {
        /* the key of the value (toString of an enumeration is getKey) */
        const nf_bc_enum *en = v->ref < vm->m->nenums ? &vm->m->enums[v->ref] : NULL;
        if (!en || v->u.e >= en->nvalues)
            return nf_vm_raise(vm, NF_VM_E_RUNTIME, "enumeration value %u is unknown", v->u.e);
        const char *key = vm->m->strings[en->value_names[v->u.e]];
        return nf_vm_string(vm, key, strlen(key), out);
    }
    case NF_BT_DT:
        if (vm->cfg.datetime_text) return vm->cfg.datetime_text(vm, v->u.i, out);
        {
            int n = snprintf(buf, sizeof buf, "%" PRId64, v->u.i);
            return nf_vm_string(vm, buf, (size_t)n, out);
        }
    case NF_BT_OBJ: {
        char id[37];
        nf_vm_obj_id_text(v->u.o, id);
        return nf_vm_string(vm, id, 36, out);
    }
    default: return nf_vm_raise(vm, NF_VM_E_RUNTIME, "this value has no text form");
    }
}

bool nf_vm_val_equal(const nf_val *a, const nf_val *b) {
    bool ea = nf_vm_is_empty(a), eb = nf_vm_is_empty(b);
    if (ea || eb) return ea && eb;
    if (a->kind != b->kind) return false; /* the verifier makes this unreachable; stay safe */
    switch (a->kind) {
    case NF_BT_BOOL: return a->u.b == b->u.b;
    case NF_BT_INT:
    case NF_BT_DT: return a->u.i == b->u.i;
    case NF_BT_ENUM: return a->u.e == b->u.e;
    case NF_BT_DEC: {
        nf_dec x = nf_vm_dec_of(a), y = nf_vm_dec_of(b);
        return nf_dec_eq(&x, &y);
    }
    case NF_BT_STR:
        return a->u.s == b->u.s ||
               (a->u.s->len == b->u.s->len && memcmp(a->u.s->s, b->u.s->s, a->u.s->len) == 0);
    case NF_BT_OBJ: return a->u.o == b->u.o;
    case NF_BT_LIST: return a->u.l == b->u.l;
    default: return false;
    }
}

const char *nf_vm_errtype_name(nf_vm_errtype t) {
    static const char *const names[] = {
#define X(id, name) name,
        NF_VM_ERROR_TYPES(X)
#undef X
    };
    return t < NF_VM_E_COUNT_ ? names[t] : "RuntimeError";
}
