/* vm_xpath.c — XPath constraints evaluated on one object in memory, with the same meaning the
 * store's SQL gives them (mendix-semantics §8): empty never compares with `<`, `=` and `!=` with
 * empty test for it, '' is empty, Strings compare and search without case (the store's
 * services), an enumeration compares by its key, an object by its id. Retrieves use this for
 * objects changed in memory and not committed, so they see those changes as Mendix does. */
#include <string.h>

#include "vm_internal.h"

typedef struct xp_ctx {
    nf_vm *vm;
    nf_vm_obj *self;
    const nf_val *regs;
} xp_ctx;

static const nf_bc_xnode *node(const xp_ctx *x, uint32_t n) {
    return &x->vm->m->xnodes[n];
}

static nf_vm_status unsupported(const xp_ctx *x, const char *what) {
    return nf_vm_raise(x->vm, NF_VM_E_RUNTIME,
                       "this XPath constraint cannot be evaluated in memory (%s) on an object "
                       "changed and not committed; commit or roll it back first",
                       what);
}

/* A path's value (a new reference in *out): the object itself, an attribute, or an object
 * reached over owned associations. */
static nf_vm_status path_value(const xp_ctx *x, const nf_bc_xnode *n, nf_val *out) {
    nf_vm *vm = x->vm;
    nf_vm_obj *cur = x->self;
    *out = nf_vm_empty(NF_BT_OBJ);
    for (uint32_t i = 0; i < n->b; i++) {
        const uint32_t *w = &vm->m->xwords[n->a + 3 * i];
        if (!(w[0] & NF_BC_ASSOC_MEMBER)) {
            if (i + 1 != n->b) return unsupported(x, "a path through an attribute");
            if (w[0] >= cur->nattrs) return unsupported(x, "an attribute of another entity");
            *out = cur->attrs[w[0]];
            nf_vm_val_retain(out);
            return NF_VM_OK;
        }
        if (w[2] != NF_BC_NONE) return unsupported(x, "a filtered association step");
        nf_val *slot;
        if (nf_vm_assoc_slot(vm, cur, w[0] & ~NF_BC_ASSOC_MEMBER, &slot) != NF_VM_OK)
            return NF_VM_ERROR;
        if (!slot || slot->kind != NF_BT_OBJ)
            return unsupported(x, "an association followed from its other side");
        if (nf_vm_is_empty(slot)) return NF_VM_OK; /* empty: every later step is empty too */
        cur = slot->u.o;
    }
    out->u.o = cur;
    out->flags = 0;
    out->ref = (uint16_t)cur->entity;
    cur->refs++;
    return NF_VM_OK;
}

static nf_vm_status value(const xp_ctx *x, uint32_t at, nf_val *out);

/* The values of a binary node's two operands (new references; none on failure). */
static nf_vm_status operands(const xp_ctx *x, const nf_bc_xnode *n, nf_val *a, nf_val *b) {
    if (value(x, n->a, a) != NF_VM_OK) return NF_VM_ERROR;
    if (value(x, n->b, b) != NF_VM_OK) {
        nf_vm_val_release(x->vm, a);
        return NF_VM_ERROR;
    }
    return NF_VM_OK;
}

static bool is_null(const nf_val *v) {
    return nf_vm_is_empty(v) || (v->kind == NF_BT_STR && v->u.s->len == 0);
}

static const char *enum_key(const nf_vm *vm, const nf_val *v) {
    return vm->m->strings[vm->m->enums[v->ref].value_names[v->u.e]];
}

/* -1/0/1, or 2 when the two cannot be ordered (only = and != apply: objects). */
static nf_vm_status order(const xp_ctx *x, const nf_val *a, const nf_val *b, int *r) {
    nf_vm *vm = x->vm;
    const nf_vm_store *st = vm->cfg.store;
    uint8_t ka = a->kind, kb = b->kind;
    if (ka == NF_BT_OBJ || kb == NF_BT_OBJ) {
        char ta[37], tb[37];
        const char *sa = ta, *sb = tb;
        if (ka == NF_BT_OBJ)
            nf_vm_obj_id_text(a->u.o, ta);
        else if (ka == NF_BT_STR)
            sa = a->u.s->s;
        else
            return nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot compare an object in XPath");
        if (kb == NF_BT_OBJ)
            nf_vm_obj_id_text(b->u.o, tb);
        else if (kb == NF_BT_STR)
            sb = b->u.s->s;
        else
            return nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot compare an object in XPath");
        *r = strcmp(sa, sb) == 0 ? 0 : 2;
        return NF_VM_OK;
    }
    if (ka == NF_BT_ENUM || kb == NF_BT_ENUM) {
        const char *sa = ka == NF_BT_ENUM ? enum_key(vm, a) : ka == NF_BT_STR ? a->u.s->s : NULL;
        const char *sb = kb == NF_BT_ENUM ? enum_key(vm, b) : kb == NF_BT_STR ? b->u.s->s : NULL;
        if (!sa || !sb) return nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot compare these in XPath");
        int c = strcmp(sa, sb);
        *r = c < 0 ? -1 : c > 0;
        return NF_VM_OK;
    }
    if (ka == NF_BT_STR && kb == NF_BT_STR) {
        int c = st->text_cmp(st->ud, a->u.s->s, a->u.s->len, b->u.s->s, b->u.s->len);
        *r = c < 0 ? -1 : c > 0;
        return NF_VM_OK;
    }
    if (ka == NF_BT_DEC || kb == NF_BT_DEC) {
        if ((ka != NF_BT_DEC && ka != NF_BT_INT) || (kb != NF_BT_DEC && kb != NF_BT_INT))
            return nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot compare these in XPath");
        nf_dec da, db;
        if (ka == NF_BT_DEC)
            da = nf_vm_dec_of(a);
        else
            nf_dec_from_int64(a->u.i, &da);
        if (kb == NF_BT_DEC)
            db = nf_vm_dec_of(b);
        else
            nf_dec_from_int64(b->u.i, &db);
        *r = nf_dec_cmp(&da, &db);
        return NF_VM_OK;
    }
    bool na = ka == NF_BT_INT || ka == NF_BT_DT || ka == NF_BT_BOOL;
    bool nb = kb == NF_BT_INT || kb == NF_BT_DT || kb == NF_BT_BOOL;
    if (!na || !nb) return nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot compare these in XPath");
    int64_t ia = ka == NF_BT_BOOL ? a->u.b : a->u.i, ib = kb == NF_BT_BOOL ? b->u.b : b->u.i;
    *r = ia < ib ? -1 : ia > ib;
    return NF_VM_OK;
}

static nf_vm_status compare(const xp_ctx *x, const nf_bc_xnode *n, bool *out) {
    nf_val a, b;
    if (operands(x, n, &a, &b) != NF_VM_OK) return NF_VM_ERROR;
    nf_vm_status rc = NF_VM_OK;
    bool ea = is_null(&a), eb = is_null(&b);
    if (ea || eb) {
        *out = n->op == 0 ? ea && eb : n->op == 1 ? !(ea && eb) : false;
    } else {
        int r = 0;
        rc = order(x, &a, &b, &r);
        if (rc == NF_VM_OK) switch (n->op) {
            case 0: *out = r == 0; break;
            case 1: *out = r != 0; break;
            case 2: *out = r == -1; break;
            case 3: *out = r == -1 || r == 0; break;
            case 4: *out = r == 1; break;
            default: *out = r == 1 || r == 0; break;
            }
    }
    nf_vm_val_release(x->vm, &a);
    nf_vm_val_release(x->vm, &b);
    return rc;
}

static nf_vm_status truth(const xp_ctx *x, uint32_t at, bool *out);

static nf_vm_status function(const xp_ctx *x, const nf_bc_xnode *n, nf_val *out) {
    nf_vm *vm = x->vm;
    const char *name = vm->m->strings[n->a];
    const uint32_t *args = &vm->m->xwords[n->b];
    if (!strcmp(name, "true") || !strcmp(name, "false")) {
        *out = nf_vm_bool(name[0] == 't');
        return NF_VM_OK;
    }
    if (!strcmp(name, "not") && n->op == 1) {
        bool b;
        if (truth(x, args[0], &b) != NF_VM_OK) return NF_VM_ERROR;
        *out = nf_vm_bool(!b);
        return NF_VM_OK;
    }
    int how = !strcmp(name, "contains")      ? 0
              : !strcmp(name, "starts-with") ? 1
              : !strcmp(name, "ends-with")   ? 2
                                             : -1;
    bool len = !strcmp(name, "length") || !strcmp(name, "string-length");
    if ((how < 0 || n->op != 2) && (!len || n->op != 1)) return unsupported(x, name);
    nf_val a, b = nf_vm_empty(NF_BT_STR);
    if (value(x, args[0], &a) != NF_VM_OK) return NF_VM_ERROR;
    if (how >= 0 && value(x, args[1], &b) != NF_VM_OK) {
        nf_vm_val_release(vm, &a);
        return NF_VM_ERROR;
    }
    if (len) {
        int64_t units = 0;
        if (!is_null(&a) && a.kind == NF_BT_STR) {
            for (uint32_t i = 0; i < a.u.s->len; i++) { /* UTF-16 units */
                unsigned char c = (unsigned char)a.u.s->s[i];
                units += (c & 0xC0) != 0x80;
                units += c >= 0xF0;
            }
        }
        *out = nf_vm_int(units);
    } else if (is_null(&a) || a.kind != NF_BT_STR) {
        *out = nf_vm_bool(false); /* contains on an empty attribute is false */
    } else if (is_null(&b) || b.kind != NF_BT_STR) {
        *out = nf_vm_bool(true); /* contains(attr, '') is attr != empty */
    } else {
        const nf_vm_store *st = vm->cfg.store;
        *out = nf_vm_bool(st->text_find(st->ud, a.u.s->s, a.u.s->len, b.u.s->s, b.u.s->len, how));
    }
    nf_vm_val_release(vm, &a);
    nf_vm_val_release(vm, &b);
    return NF_VM_OK;
}

static nf_vm_status arith(const xp_ctx *x, const nf_bc_xnode *n, nf_val *out) {
    nf_val a, b;
    if (operands(x, n, &a, &b) != NF_VM_OK) return NF_VM_ERROR;
    bool ints = (a.kind == NF_BT_INT || a.kind == NF_BT_DT) &&
                (b.kind == NF_BT_INT || b.kind == NF_BT_DT) && !is_null(&a) && !is_null(&b);
    nf_vm_status rc = NF_VM_OK;
    if (!ints || (n->op == 3 && b.u.i == 0)) {
        rc = unsupported(x, "arithmetic on these values");
    } else {
        int64_t r = n->op == 0   ? a.u.i + b.u.i
                    : n->op == 1 ? a.u.i - b.u.i
                    : n->op == 2 ? a.u.i * b.u.i
                                 : a.u.i / b.u.i;
        *out = a.kind == NF_BT_DT || b.kind == NF_BT_DT ? nf_vm_datetime(r) : nf_vm_int(r);
    }
    nf_vm_val_release(x->vm, &a);
    nf_vm_val_release(x->vm, &b);
    return rc;
}

/* Any node's value, as a new reference. */
static nf_vm_status value(const xp_ctx *x, uint32_t at, nf_val *out) {
    nf_vm *vm = x->vm;
    const nf_bc_xnode *n = node(x, at);
    switch ((nf_bc_xkind)n->kind) {
    case NF_BX_PATH: return path_value(x, n, out);
    case NF_BX_CONST:
        *out = vm->consts[n->a];
        nf_vm_val_retain(out);
        return NF_VM_OK;
    case NF_BX_REG:
        *out = x->regs[n->a];
        nf_vm_val_retain(out);
        return NF_VM_OK;
    case NF_BX_EMPTY: *out = nf_vm_empty(NF_BT_STR); return NF_VM_OK;
    case NF_BX_TOKEN:
        *out = nf_vm_empty(NF_BT_STR);
        return vm->cfg.store->token(vm->cfg.store->ud, vm, vm->m->strings[n->a], out);
    case NF_BX_FUNC: return function(x, n, out);
    case NF_BX_ARITH: return arith(x, n, out);
    case NF_BX_NEG: {
        if (value(x, n->a, out) != NF_VM_OK) return NF_VM_ERROR;
        if (is_null(out)) return NF_VM_OK;
        if (out->kind == NF_BT_INT) {
            out->u.i = -out->u.i;
            return NF_VM_OK;
        }
        if (out->kind == NF_BT_DEC) {
            nf_dec d, o = nf_vm_dec_of(out);
            nf_vm_status rc = nf_dec_neg(&o, &d) == NF_DEC_OK
                                  ? NF_VM_OK
                                  : nf_vm_raise(vm, NF_VM_E_LIMIT, "out of memory in XPath");
            nf_vm_val_release(vm, out);
            if (rc == NF_VM_OK) *out = nf_vm_dec_val(d);
            return rc;
        }
        nf_vm_val_release(vm, out);
        return unsupported(x, "'-' on a non-number");
    }
    default: {
        bool b;
        if (truth(x, at, &b) != NF_VM_OK) return NF_VM_ERROR;
        *out = nf_vm_bool(b);
        return NF_VM_OK;
    }
    }
}

/* A node as a condition: Boolean values as they are, paths by existence. */
static nf_vm_status truth(const xp_ctx *x, uint32_t at, bool *out) {
    const nf_bc_xnode *n = node(x, at);
    switch ((nf_bc_xkind)n->kind) {
    case NF_BX_AND:
    case NF_BX_OR: {
        if (truth(x, n->a, out) != NF_VM_OK) return NF_VM_ERROR;
        if ((n->kind == NF_BX_AND) != *out) return NF_VM_OK; /* decided by the left side */
        return truth(x, n->b, out);
    }
    case NF_BX_NOT:
        if (truth(x, n->a, out) != NF_VM_OK) return NF_VM_ERROR;
        *out = !*out;
        return NF_VM_OK;
    case NF_BX_CMP: return compare(x, n, out);
    default: {
        nf_val v;
        if (value(x, at, &v) != NF_VM_OK) return NF_VM_ERROR;
        *out = v.kind == NF_BT_BOOL ? !nf_vm_is_empty(&v) && v.u.b : !is_null(&v);
        nf_vm_val_release(x->vm, &v);
        return NF_VM_OK;
    }
    }
}

nf_vm_status nf_vm_xpath_match(nf_vm *vm, nf_vm_obj *o, uint32_t x, const nf_val *regs,
                               bool *match) {
    xp_ctx c = {vm, o, regs};
    *match = true;
    if (x == NF_BC_NONE) return NF_VM_OK;
    return truth(&c, x, match);
}
