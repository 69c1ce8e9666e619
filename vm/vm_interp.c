/* vm_interp.c — the instruction loop. One case per line of bytecode/opcodes.def, whose one-line
 * semantics each case implements; the verifier has proved every operand, so cases read
 * registers without checking types. Dispatch is a switch, or computed goto with
 * -DNF_VM_COMPUTED_GOTO where the compiler supports it (CMake: NF_VM_DISPATCH=goto); the build
 * uses one and the tests build the other, so both are tested. docs/vm.md says which is the
 * default and why (it is measured, not assumed).
 *
 * Errors: an instruction that fails raises (nf_vm_raise) and jumps to on_error, which finds the
 * innermost handler covering the instruction in the current frame, or pops the frame and looks
 * in the caller at its call instruction. */
#include <stdio.h>
#include <string.h>

#include "vm_internal.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(NF_VM_COMPUTED_GOTO)
#define NF_VM_GOTO 1
#endif

/* ---- integer arithmetic with overflow checks ------------------------------------------------ */

static bool add_ovf(int64_t a, int64_t b, int64_t *r) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_add_overflow(a, b, r);
#else
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b)) return true;
    *r = a + b;
    return false;
#endif
}

static bool sub_ovf(int64_t a, int64_t b, int64_t *r) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_sub_overflow(a, b, r);
#else
    if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b)) return true;
    *r = a - b;
    return false;
#endif
}

static bool mul_ovf(int64_t a, int64_t b, int64_t *r) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_mul_overflow(a, b, r);
#else
    if (a == 0 || b == 0) {
        *r = 0;
        return false;
    }
    if ((a == -1 && b == INT64_MIN) || (b == -1 && a == INT64_MIN)) return true;
    if (a > 0 ? (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a)
              : (b > 0 ? a < INT64_MIN / b : a < INT64_MAX / b))
        return true;
    *r = a * b;
    return false;
#endif
}

/* ---- helpers for the cases ------------------------------------------------------------------ */

static const char *entity_name(const nf_vm *vm, uint32_t e) {
    return e < vm->m->nentities ? vm->m->strings[vm->m->entities[e].name] : "object";
}

static const char *member_name(const nf_vm *vm, uint32_t entity, uint32_t member) {
    if (member & NF_BC_ASSOC_MEMBER) {
        uint32_t a = member & ~NF_BC_ASSOC_MEMBER;
        return a < vm->m->nassocs ? vm->m->strings[vm->m->assocs[a].name] : "?";
    }
    const nf_bc_attr *at = nf_bc_entity_attr(vm->m, entity, member);
    return at ? vm->m->strings[at->name] : "?";
}

/* The number of pages a close page or show page closes, from an Integer register. */
static nf_vm_status page_count(nf_vm *vm, const nf_val *v, int32_t *count) {
    if (nf_vm_is_empty(v))
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "the number of pages to close is empty");
    if (v->u.i < 0 || v->u.i > INT32_MAX)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME,
                           "the number of pages to close must be between 0 and %d, not %lld",
                           INT32_MAX, (long long)v->u.i);
    *count = (int32_t)v->u.i;
    return NF_VM_OK;
}

/* The close-pages option of a page descriptor (bc_verify.c checks its layout). */
static nf_vm_status pages_to_close(nf_vm *vm, const nf_bc_desc *d, const nf_val *R,
                                   int32_t *close) {
    uint32_t kind = d->w[3 + d->w[2]];
    *close = kind == 2 ? -1 : kind == 3 ? -2 : 0;
    return kind == 1 ? page_count(vm, &R[d->w[4 + d->w[2]]], close) : NF_VM_OK;
}

static nf_vm_status dec_status(nf_vm *vm, nf_dec_status s, const char *what) {
    switch (s) {
    case NF_DEC_OK: return NF_VM_OK;
    case NF_DEC_DIV_ZERO: return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: division by zero", what);
    case NF_DEC_OVERFLOW:
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: the number is too large", what);
    case NF_DEC_NOMEM: return nf_vm_raise(vm, NF_VM_E_LIMIT, "out of memory");
    default: return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: invalid operation", what);
    }
}

/* R[a] := the result of a decimal operation (which owns a reference). */
static void set_dec(nf_vm *vm, nf_val *ra, nf_dec d) {
    nf_vm_val_release(vm, ra);
    uint16_t ref = ra->ref;
    *ra = nf_vm_dec_val(d);
    ra->ref = ref;
}

/* ---- small decimals: the fast path of + - * ----------------------------------------------------
 * Values whose mantissa fits in int64 are computed here with overflow-checked 64-bit
 * arithmetic, without calling vm_decimal.c; anything else (big mantissas, overflow, scales past
 * the limit) takes the general path. Results are canonical, as vm_decimal.h requires: no
 * trailing fraction zeros, zero has scale 0. */
static inline bool small_dec(const nf_val *v) {
    return !(v->flags & (NF_VAL_EMPTY | NF_VAL_BIGDEC));
}

/* R[A] := m × 10^-s, canonicalised (R[A] holds no big mantissa). */
static inline void put_small(nf_val *ra, int64_t m, int32_t s) {
    while (s > 0 && m % 10 == 0) {
        m /= 10;
        s--;
    }
    ra->u.i = m;
    ra->dscale = m == 0 ? 0 : s;
    ra->flags = 0;
}

/* x + y (or x - y) when both are small and the result fits. */
static inline bool add_small(const nf_val *x, const nf_val *y, bool sub, nf_val *ra) {
    int64_t a = x->u.i, b = y->u.i, r;
    int32_t sa = x->dscale, sb = y->dscale;
    if (sa != sb) {
        int32_t d = sa > sb ? sa - sb : sb - sa;
        if (d > 18) return false;
        if (sa < sb) {
            if (mul_ovf(a, nf_dec_pow10[d], &a)) return false;
            sa = sb;
        } else if (mul_ovf(b, nf_dec_pow10[d], &b)) {
            return false;
        }
    }
    if (sub ? sub_ovf(a, b, &r) : add_ovf(a, b, &r)) return false;
    put_small(ra, r, sa);
    return true;
}

static inline bool mul_small(const nf_val *x, const nf_val *y, nf_val *ra) {
    int64_t r;
    int32_t s = x->dscale + y->dscale;
    if (s > NF_DEC_MAX_SCALE || mul_ovf(x->u.i, y->u.i, &r)) return false;
    put_small(ra, r, s);
    return true;
}

bool nf_vm_round_small(const nf_val *x, int32_t places, nf_dec_rounding mode, nf_val *ra) {
    if (x->flags & NF_VAL_BIGDEC) return false;
    int64_t m = x->u.i;
    int32_t s = x->dscale;
    if (s > places) {
        int32_t d = s - places;
        if (d > 18) return false;
        int64_t q = m / nf_dec_pow10[d], rem = m % nf_dec_pow10[d];
        uint64_t twice = 2 * (uint64_t)(rem < 0 ? -rem : rem), unit = (uint64_t)nf_dec_pow10[d];
        if (twice > unit || (twice == unit && (mode == NF_DEC_HALF_AWAY || (q & 1))))
            q += m < 0 ? -1 : 1;
        put_small(ra, q, places);
        return true;
    }
    ra->u.i = m;
    ra->dscale = s;
    ra->flags = 0;
    return true;
}

static nf_vm_status empty_operand(nf_vm *vm, const char *op) {
    return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s with an empty operand", op);
}

/* String concatenation; empty counts as ''. */
static nf_vm_status concat(nf_vm *vm, nf_val *ra, const nf_val *rb, const nf_val *rc) {
    const nf_vm_str *b = nf_vm_is_empty(rb) ? NULL : rb->u.s,
                    *c = nf_vm_is_empty(rc) ? NULL : rc->u.s;
    size_t lb = b ? b->len : 0, lc = c ? c->len : 0;
    if (lb + lc > (size_t)UINT32_MAX - 64)
        return nf_vm_raise(vm, NF_VM_E_LIMIT, "a String of %zu bytes is too long", lb + lc);
    nf_vm_str *s = nf_vm_alloc(vm, sizeof *s + lb + lc + 1);
    if (!s) return nf_vm_raise(vm, NF_VM_E_LIMIT, "out of memory joining Strings");
    s->refs = 1;
    s->len = (uint32_t)(lb + lc);
    s->u16len = -1;
    if (lb) memcpy(s->s, b->s, lb);
    if (lc) memcpy(s->s + lb, c->s, lc);
    s->s[lb + lc] = '\0';
    nf_vm_val_release(vm, ra);
    ra->u.s = s;
    ra->flags = 0;
    return NF_VM_OK;
}

/* Attribute reads: in nanoflows an empty String attribute reads as '' (Mendix). */
static void get_attr(nf_vm *vm, const nf_bc_flow *f, nf_val *ra, const nf_vm_obj *o, uint32_t att) {
    const nf_val *v = &o->attrs[att];
    if (v->kind == NF_BT_STR && nf_vm_is_empty(v) && f->kind == NF_BF_NANOFLOW)
        v = &vm->empty_string;
    uint16_t ref = ra->ref;
    nf_vm_val_assign(vm, ra, v);
    ra->ref = ref;
}

/* GETR/GETRL: forward over the owned slot (loading a pending target), or from the `to` side. */
static nf_vm_status get_assoc(nf_vm *vm, nf_val *ra, nf_vm_obj *o, uint32_t assoc) {
    nf_val *slot;
    if (nf_vm_assoc_slot(vm, o, assoc, &slot) != NF_VM_OK) return NF_VM_ERROR;
    uint16_t ref = ra->ref;
    if (slot) {
        if (slot->kind == NF_BT_LIST) { /* a reference set: a copy of the targets */
            nf_vm_list *c = nf_vm_is_empty(slot) ? nf_vm_list_new(vm, vm->m->assocs[assoc].to, 0)
                                                 : nf_vm_list_copy(vm, slot->u.l);
            if (!c) return NF_VM_ERROR;
            nf_vm_val_release(vm, ra);
            ra->u.l = c;
            ra->flags = 0;
        } else {
            nf_vm_val_assign(vm, ra, slot);
        }
        ra->ref = ref;
        return NF_VM_OK;
    }
    nf_vm_list *l;
    if (nf_vm_assoc_reverse(vm, o, assoc, &l) != NF_VM_OK) return NF_VM_ERROR;
    if (ra->kind == NF_BT_OBJ) { /* a one-to-one reverse read */
        nf_vm_val_release(vm, ra);
        if (l->n) {
            l->items[0]->refs++;
            ra->u.o = l->items[0];
            ra->flags = 0;
        }
        nf_vm_list_release(vm, l);
    } else {
        nf_vm_val_release(vm, ra);
        ra->u.l = l;
        ra->flags = 0;
    }
    ra->ref = ref;
    return NF_VM_OK;
}

/* SETR: the owner's slot gets the value (a copy of a list); from the other side (owner both),
 * each given object's slot gets o. */
static nf_vm_status set_assoc(nf_vm *vm, nf_vm_obj *o, uint32_t assoc, const nf_val *v) {
    nf_val *slot;
    if (nf_vm_assoc_slot(vm, o, assoc, &slot) != NF_VM_OK) return NF_VM_ERROR;
    if (slot) {
        if (nf_vm_obj_touch(vm, o) != NF_VM_OK) return NF_VM_ERROR;
        if (slot->kind == NF_BT_LIST && !nf_vm_is_empty(v)) {
            nf_vm_list *c = nf_vm_list_copy(vm, v->u.l);
            if (!c) return NF_VM_ERROR;
            nf_vm_val_release(vm, slot);
            slot->u.l = c;
            slot->flags = 0;
        } else {
            nf_vm_val_assign(vm, slot, v);
        }
        return NF_VM_OK;
    }
    if (nf_vm_is_empty(v)) return NF_VM_OK;
    nf_vm_obj *one = v->kind == NF_BT_OBJ ? v->u.o : NULL;
    uint32_t n = one ? 1 : v->u.l->n;
    for (uint32_t i = 0; i < n; i++) {
        nf_vm_obj *x = one ? one : v->u.l->items[i];
        nf_val *s;
        if (nf_vm_assoc_slot(vm, x, assoc, &s) != NF_VM_OK) return NF_VM_ERROR;
        if (!s) continue;
        if (nf_vm_obj_touch(vm, x) != NF_VM_OK) return NF_VM_ERROR;
        if (s->kind == NF_BT_LIST) {
            if (nf_vm_is_empty(s)) {
                nf_vm_list *l = nf_vm_list_new(vm, vm->m->assocs[assoc].to, 1);
                if (!l) return NF_VM_ERROR;
                s->u.l = l;
                s->flags = 0;
            }
            if (!nf_vm_list_contains(s->u.l, o) && nf_vm_list_push(vm, s->u.l, o) != NF_VM_OK)
                return NF_VM_ERROR;
        } else {
            nf_val ov = {{.o = o}, 0, NF_BT_OBJ, 0, 0};
            nf_vm_val_assign(vm, s, &ov);
        }
    }
    return NF_VM_OK;
}

/* ---- handlers -------------------------------------------------------------------------------- */

/* Builds the value a handler's error register receives: the message (nanoflows), or a
 * System.Error object with Message and ErrorType (microflows). */
static nf_vm_status error_value(nf_vm *vm, nf_val *reg) {
    if (reg->kind == NF_BT_STR) {
        nf_val s;
        if (nf_vm_string(vm, vm->err_msg, strlen(vm->err_msg), &s) != NF_VM_OK) return NF_VM_ERROR;
        nf_vm_val_release(vm, reg);
        s.ref = reg->ref;
        *reg = s;
        return NF_VM_OK;
    }
    nf_vm_obj *o = nf_vm_obj_new(vm, reg->ref);
    if (!o) return NF_VM_ERROR;
    for (uint32_t a = 0; a < o->nattrs; a++) {
        const nf_bc_attr *at = nf_bc_entity_attr(vm->m, o->entity, a);
        const char *name = vm->m->strings[at->name];
        const char *text = strcmp(name, "Message") == 0     ? vm->err_msg
                           : strcmp(name, "ErrorType") == 0 ? nf_vm_errtype_name(vm->err_type)
                                                            : NULL;
        if (text && at->type.kind == NF_BT_STR) {
            nf_val s;
            if (nf_vm_string(vm, text, strlen(text), &s) != NF_VM_OK) {
                nf_vm_obj_release(vm, o);
                return NF_VM_ERROR;
            }
            nf_vm_val_release(vm, &o->attrs[a]);
            o->attrs[a] = s;
        }
    }
    nf_vm_val_release(vm, reg);
    reg->u.o = o;
    reg->flags = 0;
    return NF_VM_OK;
}

/* The handler of the top frame covering instruction `at`, or NULL. */
static const nf_bc_handler *find_handler(const nf_bc_flow *f, uint32_t at) {
    for (uint32_t h = 0; h < f->nhandlers; h++)
        if (f->handlers[h].start <= at && at < f->handlers[h].end) return &f->handlers[h];
    return NULL;
}

/* Enters handler h of the top frame for the error in vm->err_*; returns the pc to resume at,
 * or NF_BC_NONE when the handler lets the error leave the frame. */
static uint32_t enter_handler(nf_vm *vm, nf_vm_frame *fr, const nf_bc_handler *h) {
    nf_val *R = vm->stack + fr->base;
    if (h->kind == NF_BH_ROLLBACK) return NF_BC_NONE; /* the store's rollback comes with issue 5 */
    if (h->result_reg != 255) nf_vm_val_release(vm, &R[h->result_reg]);
    if (h->kind == NF_BH_CONTINUE) return h->target;
    /* custom: the handler's code sees $latestError and $latestErrorType, and RAISE rethrows */
    nf_vm_status st = NF_VM_OK;
    if (h->error_reg != 255) st = error_value(vm, &R[h->error_reg]);
    if (st == NF_VM_OK && h->type_reg != 255) {
        const char *t = nf_vm_errtype_name(vm->err_type);
        nf_val s;
        st = nf_vm_string(vm, t, strlen(t), &s);
        if (st == NF_VM_OK) {
            nf_vm_val_release(vm, &R[h->type_reg]);
            *&R[h->type_reg] = s;
        }
    }
    if (st != NF_VM_OK) return NF_BC_NONE;
    nf_vm_str_release(vm, fr->error);
    fr->error = nf_vm_str_new(vm, vm->err_msg, strlen(vm->err_msg));
    fr->error_type = (uint8_t)vm->err_type;
    fr->has_error = 1;
    fr->slow_pop = 1;
    return h->target;
}

/* ---- the loop ----------------------------------------------------------------------------------
 */

nf_vm_status nf_vm_execute(nf_vm *vm, nf_val *result) {
    const nf_bc_module *m = vm->m;
    const uint32_t stop = vm->entry_depth; /* frames below the entry frame stay */
    nf_vm_frame *fr;
    const nf_bc_flow *f;
    const nf_bc_insn *code;
    nf_val *R;
    const nf_bc_insn *pc; /* the next instruction (a pointer: one load less per dispatch) */
    nf_bc_insn i;

#define LOAD_FRAME()                                                                               \
    do {                                                                                           \
        fr = &vm->frames[vm->nframes - 1];                                                         \
        f = fr->flow;                                                                              \
        code = f->code;                                                                            \
        R = vm->stack + fr->base;                                                                  \
        pc = code + fr->pc;                                                                        \
    } while (0)
#define PC_INDEX ((uint32_t)(pc - code)) /* pc as an instruction number */
#define A        NF_BC_A(i)
#define B        NF_BC_B(i)
#define C        NF_BC_C(i)
#define RA       (&R[NF_BC_A(i)])
#define RB       (&R[NF_BC_B(i)])
#define RC       (&R[NF_BC_C(i)])
#define THROW()                                                                                    \
    do {                                                                                           \
        goto on_error;                                                                             \
    } while (0)
#define CHECK(st)                                                                                  \
    do {                                                                                           \
        if ((st) != NF_VM_OK) THROW();                                                             \
    } while (0)
/* after a host callback: NF_VM_SUSPENDED parks the call (fr->pc already points past the
 * instruction; `reg` receives the host's result on resume, 255 for none) */
#define HOST_DONE(st, reg)                                                                         \
    do {                                                                                           \
        if ((st) == NF_VM_SUSPENDED) {                                                             \
            if (stop != 0)                                                                         \
                CHECK(nf_vm_raise(vm, NF_VM_E_HOST,                                                \
                                  "a host action cannot suspend inside a nested call"));           \
            vm->suspended = 1;                                                                     \
            vm->susp_reg = (uint8_t)(reg);                                                         \
            return NF_VM_SUSPENDED;                                                                \
        }                                                                                          \
        CHECK(st);                                                                                 \
    } while (0)
/* A test skips the next instruction, or else goes on with it; that instruction is nearly
 * always the JMP or LOOP of the test, which is then done here, without a dispatch (as Lua
 * does). The budget accounting of a LOOP is the same either way. */
#define SKIP_IF(skip)                                                                              \
    do {                                                                                           \
        if (skip) {                                                                                \
            pc++;                                                                                  \
        } else if (NF_BC_OP(*pc) == NF_OPC_JMP) {                                                  \
            pc += NF_BC_SJ(*pc) + 1;                                                               \
        } else if (NF_BC_OP(*pc) == NF_OPC_LOOP) {                                                 \
            const nf_bc_insn *target_ = pc + 1 + NF_BC_SJ(*pc);                                    \
            pc++;                                                                                  \
            BACK(target_);                                                                         \
            pc = target_;                                                                          \
        }                                                                                          \
    } while (0)
#define SKIP_UNLESS(cond) SKIP_IF((cond) != (C != 0))
/* a backward jump: charge the loop body to the budget, look at the cancellation flag */
#define BACK(target)                                                                               \
    do {                                                                                           \
        vm->budget -= (int64_t)(pc - (target));                                                    \
        if (vm->budget < 0 || vm->cancel) goto limit;                                              \
    } while (0)

#ifdef NF_VM_GOTO
    static const void *const disptab[NF_OPC_COUNT_] = {
#define OP(name, fmt, a, b, c, flags, text) &&L_##name,
#include "opcodes.def"
#undef OP
    };
#define vmdispatch(o) goto *disptab[o];
#define vmcase(name)  L_##name:
#define vmbreak                                                                                    \
    do {                                                                                           \
        i = *pc++;                                                                                 \
        goto *disptab[NF_BC_OP(i)];                                                                \
    } while (0)
#else
#define vmdispatch(o) switch (o)
#define vmcase(name)  case NF_OPC_##name:
#define vmbreak       break
#endif

    LOAD_FRAME();
    if (vm->resume_error) { /* nf_vm_resume_error: the parked instruction failed */
        vm->resume_error = 0;
        THROW();
    }
resume:
    for (;;) {
        i = *pc++;
        vmdispatch(NF_BC_OP(i)) {
            /* ---- moves and constants ---- */
            vmcase(NOP) {
                if (A && vm->cfg.probe) /* a coverage probe (vm.h) */
                    vm->cfg.probe(vm->cfg.probe_ud, fr->flow_index, PC_INDEX - 1);
                vmbreak;
            }
            vmcase(MOVE) {
                uint16_t ref = RA->ref;
                nf_vm_val_assign(vm, RA, RB);
                RA->ref = ref;
                vmbreak;
            }
            vmcase(MOVE_I) {
                RA->u.i = RB->u.i;
                RA->flags = RB->flags;
                vmbreak;
            }
            vmcase(LOADK) {
                const nf_val *k = &vm->consts[NF_BC_BX(i)];
                if (!nf_vm_val_is_counted(k) && !nf_vm_val_is_counted(RA)) {
                    RA->u = k->u; /* numbers and small decimals: no references to count */
                    RA->dscale = k->dscale;
                    RA->flags = k->flags;
                    vmbreak;
                }
                uint16_t ref = RA->ref;
                nf_vm_val_assign(vm, RA, k);
                RA->ref = ref;
                vmbreak;
            }
            vmcase(LOADI) {
                RA->u.i = NF_BC_SBX(i);
                RA->flags = 0;
                vmbreak;
            }
            vmcase(LOADB) {
                RA->u.b = B != 0;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(LOADE) {
                RA->u.e = NF_BC_BX(i);
                RA->flags = 0;
                vmbreak;
            }
            vmcase(LOADNIL) {
                nf_vm_val_release(vm, RA);
                vmbreak;
            }

            /* ---- integers ---- */
            vmcase(ADD_I) {
                if ((RB->flags | RC->flags) & NF_VAL_EMPTY) CHECK(empty_operand(vm, "+"));
                int64_t r;
                if (add_ovf(RB->u.i, RC->u.i, &r))
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "Integer overflow in +"));
                RA->u.i = r;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(ADDI_I) {
                if (RB->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, "+"));
                int64_t r;
                if (add_ovf(RB->u.i, NF_BC_SC(i), &r))
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "Integer overflow in +"));
                RA->u.i = r;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(SUB_I) {
                if ((RB->flags | RC->flags) & NF_VAL_EMPTY) CHECK(empty_operand(vm, "-"));
                int64_t r;
                if (sub_ovf(RB->u.i, RC->u.i, &r))
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "Integer overflow in -"));
                RA->u.i = r;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(MUL_I) {
                if ((RB->flags | RC->flags) & NF_VAL_EMPTY) CHECK(empty_operand(vm, "*"));
                int64_t r;
                if (mul_ovf(RB->u.i, RC->u.i, &r))
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "Integer overflow in *"));
                RA->u.i = r;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(MODI_I) {
                if (RB->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, "mod"));
                int64_t k = NF_BC_SC(i);
                if (k == 0) CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "mod by zero"));
                int64_t x = RB->u.i;
                /* 32-bit division when both fit: several times faster than 64-bit on x86 */
                if (k > 0 && (uint64_t)x <= UINT32_MAX)
                    RA->u.i = (int64_t)((uint32_t)x % (uint32_t)k);
                else
                    RA->u.i = k == -1 ? 0 : x % k;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(MOD_I) {
                if ((RB->flags | RC->flags) & NF_VAL_EMPTY) CHECK(empty_operand(vm, "mod"));
                if (RC->u.i == 0) CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "mod by zero"));
                int64_t x = RB->u.i, y = RC->u.i;
                if ((uint64_t)x <= UINT32_MAX && (uint64_t)y <= UINT32_MAX) /* as MODI_I */
                    RA->u.i = (int64_t)((uint32_t)x % (uint32_t)y);
                else
                    RA->u.i = y == -1 ? 0 : x % y;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(NEG_I) {
                if (RB->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, "-"));
                if (RB->u.i == INT64_MIN)
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "Integer overflow in -"));
                RA->u.i = -RB->u.i;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(I2D) {
                if (RB->flags & NF_VAL_EMPTY) {
                    nf_vm_val_release(vm, RA);
                } else if (!(RA->flags & NF_VAL_BIGDEC)) { /* an integer is canonical at scale 0 */
                    RA->u.i = RB->u.i;
                    RA->dscale = 0;
                    RA->flags = 0;
                } else {
                    nf_dec d;
                    nf_dec_from_int64(RB->u.i, &d);
                    set_dec(vm, RA, d);
                }
                vmbreak;
            }

            /* ---- decimals ---- */
            vmcase(ADD_D) {
                if (small_dec(RB) && small_dec(RC) && !(RA->flags & NF_VAL_BIGDEC) &&
                    add_small(RB, RC, false, RA))
                    vmbreak;
                goto decimal_general;
            }
            vmcase(SUB_D) {
                if (small_dec(RB) && small_dec(RC) && !(RA->flags & NF_VAL_BIGDEC) &&
                    add_small(RB, RC, true, RA))
                    vmbreak;
                goto decimal_general;
            }
            vmcase(MUL_D) {
                if (small_dec(RB) && small_dec(RC) && !(RA->flags & NF_VAL_BIGDEC) &&
                    mul_small(RB, RC, RA))
                    vmbreak;
                goto decimal_general;
            }
            vmcase(ROUND_D) {
                if (RB->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, "round"));
                nf_dec_rounding mode =
                    vm->cfg.rounding == NF_DEC_HALF_EVEN ? NF_DEC_HALF_EVEN : NF_DEC_HALF_AWAY;
                if (!(RA->flags & NF_VAL_BIGDEC) && nf_vm_round_small(RB, (int32_t)C, mode, RA))
                    vmbreak;
                nf_dec x = nf_vm_dec_of(RB), r;
                nf_dec_status st = nf_dec_round(&x, (int32_t)C, mode, &r);
                if (st != NF_DEC_OK) CHECK(dec_status(vm, st, "round"));
                set_dec(vm, RA, r);
                vmbreak;
            }
            vmcase(MULI_D) vmcase(MULKI_D) {
                /* Decimal × Integer: the Integer counts as a Decimal of scale 0 */
                bool k_form = NF_BC_OP(i) == NF_OPC_MULKI_D;
                const nf_val *dv = k_form ? &vm->consts[C] : RB, *iv = k_form ? RB : RC;
                if ((dv->flags | iv->flags) & NF_VAL_EMPTY) CHECK(empty_operand(vm, "*"));
                nf_val asdec = {{.i = iv->u.i}, 0, NF_BT_DEC, 0, 0};
                if (!(dv->flags & NF_VAL_BIGDEC) && !(RA->flags & NF_VAL_BIGDEC) &&
                    mul_small(dv, &asdec, RA))
                    vmbreak;
                nf_dec x = nf_vm_dec_of(dv), y, r;
                nf_dec_from_int64(iv->u.i, &y);
                nf_dec_status st = nf_dec_mul(&x, &y, &r);
                if (st != NF_DEC_OK) CHECK(dec_status(vm, st, "*"));
                set_dec(vm, RA, r);
                vmbreak;
            }
            vmcase(ADDK_D) vmcase(SUBK_D) vmcase(MULK_D) {
                const nf_val *k = &vm->consts[C];
                uint32_t op = NF_BC_OP(i);
                if (small_dec(RB) && small_dec(k) && !(RA->flags & NF_VAL_BIGDEC) &&
                    (op == NF_OPC_MULK_D ? mul_small(RB, k, RA)
                                         : add_small(RB, k, op == NF_OPC_SUBK_D, RA)))
                    vmbreak;
                const char *name = op == NF_OPC_ADDK_D ? "+" : op == NF_OPC_SUBK_D ? "-" : "*";
                if (RB->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, name));
                nf_dec x = nf_vm_dec_of(RB), y = nf_vm_dec_of(k), r;
                nf_dec_status st = op == NF_OPC_ADDK_D   ? nf_dec_add(&x, &y, &r)
                                   : op == NF_OPC_SUBK_D ? nf_dec_sub(&x, &y, &r)
                                                         : nf_dec_mul(&x, &y, &r);
                if (st != NF_DEC_OK) CHECK(dec_status(vm, st, name));
                set_dec(vm, RA, r);
                vmbreak;
            }
            vmcase(DIV_DN) vmcase(DIV_DM) vmcase(MOD_D) decimal_general : {
                static const char *const names[] = {"+", "-", "*", ":", ":", "mod"};
                uint32_t op = NF_BC_OP(i);
                const char *name = names[op - NF_OPC_ADD_D];
                if ((RB->flags | RC->flags) & NF_VAL_EMPTY) CHECK(empty_operand(vm, name));
                nf_dec x = nf_vm_dec_of(RB), y = nf_vm_dec_of(RC), r;
                nf_dec_status s = op == NF_OPC_ADD_D   ? nf_dec_add(&x, &y, &r)
                                  : op == NF_OPC_SUB_D ? nf_dec_sub(&x, &y, &r)
                                  : op == NF_OPC_MUL_D ? nf_dec_mul(&x, &y, &r)
                                  : op == NF_OPC_MOD_D
                                      ? nf_dec_mod(&x, &y, &r)
                                      : nf_dec_div(&x, &y,
                                                   op == NF_OPC_DIV_DN ? NF_DEC_DIV_NANOFLOW
                                                                       : NF_DEC_DIV_MICROFLOW,
                                                   &r);
                if (s != NF_DEC_OK) CHECK(dec_status(vm, s, name));
                set_dec(vm, RA, r);
                vmbreak;
            }
            vmcase(NEG_D) {
                if (RB->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, "-"));
                nf_dec x = nf_vm_dec_of(RB), r;
                nf_dec_status s = nf_dec_neg(&x, &r);
                if (s != NF_DEC_OK) CHECK(dec_status(vm, s, "-"));
                set_dec(vm, RA, r);
                vmbreak;
            }

            /* ---- strings and conversions ---- */
            vmcase(CONCAT) {
                CHECK(concat(vm, RA, RB, RC));
                vmbreak;
            }
            vmcase(TOSTR) {
                nf_val s;
                CHECK(nf_vm_to_string(vm, RB, &s));
                nf_vm_val_release(vm, RA);
                s.ref = RA->ref;
                *RA = s;
                vmbreak;
            }
            vmcase(NOT) {
                if (RB->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, "not"));
                RA->u.b = !RB->u.b;
                RA->flags = 0;
                vmbreak;
            }

            /* ---- tests and jumps ---- */
            vmcase(JMP) {
                pc += NF_BC_SJ(i);
                vmbreak;
            }
            vmcase(LOOP) {
                const nf_bc_insn *target = pc + NF_BC_SJ(i);
                BACK(target);
                pc = target;
                vmbreak;
            }
            vmcase(TEST) {
                if (RA->flags & NF_VAL_EMPTY)
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "a condition is empty"));
                SKIP_IF(RA->u.b != (B != 0));
                vmbreak;
            }
            vmcase(TESTNIL) {
                bool empty = nf_vm_is_empty(RA) || (RA->kind == NF_BT_LIST && RA->u.l->n == 0);
                SKIP_IF(empty != (B != 0));
                vmbreak;
            }
            vmcase(EQ_I) vmcase(EQ_T) {
                bool ea = RA->flags & NF_VAL_EMPTY, eb = RB->flags & NF_VAL_EMPTY;
                SKIP_UNLESS((ea || eb) ? (ea && eb) : RA->u.i == RB->u.i);
                vmbreak;
            }
            vmcase(LT_I) vmcase(LT_T) {
                if ((RA->flags | RB->flags) & NF_VAL_EMPTY) CHECK(empty_operand(vm, "<"));
                SKIP_UNLESS(RA->u.i < RB->u.i);
                vmbreak;
            }
            vmcase(EQI_I) {
                SKIP_UNLESS(!(RA->flags & NF_VAL_EMPTY) && RA->u.i == NF_BC_SB(i));
                vmbreak;
            }
            vmcase(LTI_I) {
                if (RA->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, "<"));
                SKIP_UNLESS(RA->u.i < NF_BC_SB(i));
                vmbreak;
            }
            vmcase(LEI_I) {
                if (RA->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, "<="));
                SKIP_UNLESS(RA->u.i <= NF_BC_SB(i));
                vmbreak;
            }
            vmcase(GTI_I) {
                if (RA->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, ">"));
                SKIP_UNLESS(RA->u.i > NF_BC_SB(i));
                vmbreak;
            }
            vmcase(GEI_I) {
                if (RA->flags & NF_VAL_EMPTY) CHECK(empty_operand(vm, ">="));
                SKIP_UNLESS(RA->u.i >= NF_BC_SB(i));
                vmbreak;
            }
            vmcase(LE_I) vmcase(LE_T) {
                if ((RA->flags | RB->flags) & NF_VAL_EMPTY) CHECK(empty_operand(vm, "<="));
                SKIP_UNLESS(RA->u.i <= RB->u.i);
                vmbreak;
            }
            vmcase(EQ_D) {
                SKIP_UNLESS(nf_vm_val_equal(RA, RB));
                vmbreak;
            }
            vmcase(LT_D) vmcase(LE_D) {
                if ((RA->flags | RB->flags) & NF_VAL_EMPTY)
                    CHECK(empty_operand(vm, NF_BC_OP(i) == NF_OPC_LT_D ? "<" : "<="));
                nf_dec x = nf_vm_dec_of(RA), y = nf_vm_dec_of(RB);
                int c = nf_dec_cmp(&x, &y);
                SKIP_UNLESS(NF_BC_OP(i) == NF_OPC_LT_D ? c < 0 : c <= 0);
                vmbreak;
            }
            vmcase(EQ_S) vmcase(EQ_B) vmcase(EQ_E) vmcase(EQ_O) {
                SKIP_UNLESS(nf_vm_val_equal(RA, RB));
                vmbreak;
            }
            vmcase(LT_S) vmcase(LE_S) {
                if ((RA->flags | RB->flags) & NF_VAL_EMPTY)
                    CHECK(empty_operand(vm, NF_BC_OP(i) == NF_OPC_LT_S ? "<" : "<="));
                int c = nf_vm_str_cmp(RA->u.s, RB->u.s);
                SKIP_UNLESS(NF_BC_OP(i) == NF_OPC_LT_S ? c < 0 : c <= 0);
                vmbreak;
            }
            vmcase(ISA) {
                if (nf_vm_is_empty(RA) || !nf_bc_entity_is_a(m, RA->u.o->entity, NF_BC_BX(i))) pc++;
                vmbreak;
            }

            /* ---- calls ---- */
            vmcase(CALL) {
                const nf_vm_flowinfo *fi = &vm->flowinfo[NF_BC_BX(i)];
                if (--vm->budget < 0 || vm->cancel) goto limit;
                fr->pc = PC_INDEX;
                uint32_t base = fr->base + f->nregs;
                uint32_t d = vm->nframes;
                nf_vm_frame *nfr = &vm->frames[d];
                uint16_t callee = NF_BC_BX(i);
                if (d < vm->frames_limit && fi->scalar_params) {
                    /* the common case, inline: arguments without references (the verifier
                     * proved their types equal the parameters': copied whole) */
                    const nf_val *args = RA + 1;
                    nf_val *regs = vm->stack + base;
                    if (nfr->flow_index == callee && nfr->base == base) {
                        /* the registers here are this flow's, as its last frame here left them
                         * (docs/vm.md §7): kinds and refs in place, no references held; empty
                         * again only those its code can read before writing them */
                        for (uint32_t k = 0; k < fi->nreset; k++)
                            regs[fi->reset[k]].flags = NF_VAL_EMPTY;
                    } else if (base + fi->nregs <= vm->stack_cap) {
                        nfr->flow = fi->flow;
                        nfr->flow_index = callee;
                        nfr->base = base;
                        nfr->has_error = 0;
                        nfr->slow_pop = fi->ncounted != 0;
                        nfr->error = NULL;
                        memcpy(regs + fi->nparams, fi->init + fi->nparams,
                               (size_t)(fi->nregs - fi->nparams) * sizeof *regs);
                        nf_vm_frame_laid(vm, d);
                    } else {
                        goto call_slow;
                    }
                    nfr->ret_reg = A;
                    vm->nframes = d + 1;
                    fr = nfr;
                    R = regs;
                    for (nf_val *end = regs + fi->nparams; regs < end;)
                        *regs++ = *args++;
                    f = fi->flow;
                    pc = code = f->code;
                    vmbreak;
                }
            call_slow:;
                uint32_t caller_base = fr->base, a = A;
                const nf_bc_flow *cf = fi->flow;
                CHECK(nf_vm_push_frame(vm, callee, (uint8_t)a));
                nf_val *caller = vm->stack + caller_base,
                       *callee_r = vm->stack + vm->frames[vm->nframes - 1].base;
                for (uint32_t k = 0; k < cf->nparams; k++)
                    if (nf_vm_pass_arg(vm, cf, &callee_r[k], &caller[a + 1 + k]) != NF_VM_OK) {
                        nf_vm_pop_frame(vm);
                        LOAD_FRAME();
                        THROW();
                    }
                LOAD_FRAME();
                vmbreak;
            }
            vmcase(CALLMF) {
                const nf_bc_flow *cf = &m->flows[NF_BC_BX(i)];
                if (!vm->cfg.host.microflow)
                    CHECK(nf_vm_raise(vm, NF_VM_E_CONNECTION,
                                      "cannot call microflow %s: no server is configured",
                                      m->strings[cf->name]));
                nf_val out = nf_vm_empty(cf->ret.kind);
                fr->pc = PC_INDEX;
                nf_vm_status st =
                    vm->cfg.host.microflow(vm->cfg.host.ud, vm, NF_BC_BX(i), RA + 1, &out);
                LOAD_FRAME();
                HOST_DONE(st, cf->ret.kind != NF_BT_VOID ? A : 255);
                if (cf->ret.kind != NF_BT_VOID) {
                    nf_vm_val_release(vm, RA);
                    out.ref = RA->ref;
                    *RA = out;
                } else {
                    nf_vm_val_release(vm, &out);
                }
                vmbreak;
            }
            vmcase(CALLACT) {
                const nf_bc_action *act = &m->actions[NF_BC_BX(i)];
                /* a Lua action runs in stdlib's Lua interface; every other one is the host's */
                const nf_vm_lua *lua = act->kind == NF_BK_LUA ? vm->cfg.lua : NULL;
                if (!lua && !vm->cfg.host.action)
                    CHECK(nf_vm_raise(vm, NF_VM_E_HOST, "no action named %s is registered",
                                      m->strings[act->name]));
                nf_val out = nf_vm_empty(act->ret.kind);
                fr->pc = PC_INDEX;
                nf_vm_status st =
                    lua ? lua->call(lua->ud, vm, NF_BC_BX(i), RA + 1, &out)
                        : vm->cfg.host.action(vm->cfg.host.ud, vm, NF_BC_BX(i), RA + 1, &out);
                LOAD_FRAME();
                HOST_DONE(st, act->ret.kind != NF_BT_VOID ? A : 255);
                if (act->ret.kind != NF_BT_VOID) {
                    nf_vm_val_release(vm, RA);
                    out.ref = RA->ref;
                    *RA = out;
                } else {
                    nf_vm_val_release(vm, &out);
                }
                vmbreak;
            }
            vmcase(CALLFN) {
                nf_vm_builtin fn = vm->cfg.builtins ? vm->cfg.builtins[B] : NULL;
                if (!fn)
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s() is not available in this runtime",
                                      nf_bc_fninfo_table[B].name));
                nf_val out = nf_vm_empty(RA->kind);
                out.ref = RA->ref;
                CHECK(fn(vm, &out, RC));
                nf_vm_val_release(vm, RA);
                *RA = out;
                vmbreak;
            }
            vmcase(RET) {
                /* the common case: a flow without registers that can hold references (so the
                 * result holds none) and no error, returning to a caller in this call */
                if (!fr->slow_pop && vm->nframes - 1 > stop) {
                    nf_val *src = RA, *dst;
                    vm->budget -= (int64_t)PC_INDEX;
                    vm->nframes--;
                    uint8_t ret_reg = fr->ret_reg;
                    fr--; /* the caller (a return does not move the frames array) */
                    f = fr->flow;
                    code = f->code;
                    R = vm->stack + fr->base;
                    pc = code + fr->pc;
                    dst = &R[ret_reg]; /* of src's kind (verified): kind and ref stay */
                    dst->u = src->u;
                    dst->flags = src->flags;
                    if (vm->budget < 0) goto limit;
                    vmbreak;
                }
                goto ret_general;
            }
            vmcase(RET0) {
            ret_general:;
                nf_val ret = nf_vm_empty(NF_BT_VOID);
                if (NF_BC_OP(i) == NF_OPC_RET) ret = *RA;
                vm->budget -= (int64_t)PC_INDEX;
                uint8_t ret_reg = fr->ret_reg;
                if (fr->slow_pop) {
                    if (NF_BC_OP(i) == NF_OPC_RET)
                        RA->flags = NF_VAL_EMPTY; /* moved out: the pop must not release it */
                    nf_vm_pop_frame(vm);
                } else {
                    vm->nframes--; /* nothing in the frame holds a reference */
                }
                if (vm->nframes == stop) {
                    *result = ret;
                    if (vm->budget >= 0) return NF_VM_OK;
                    /* the popped frame (f, fr) is still readable: report its place */
                    nf_vm_raise(vm, NF_VM_E_LIMIT,
                                "the flow ran past its instruction budget (%llu)",
                                (unsigned long long)vm->cfg.limits.max_instructions);
                    vm->err_flow = fr->flow_index;
                    vm->err_line = nf_vm_line_of(f, PC_INDEX - 1);
                    vm->err_located = true;
                    return NF_VM_ERROR;
                }
                LOAD_FRAME();
                if (NF_BC_OP(i) == NF_OPC_RET) { /* dst has ret's kind (verified) */
                    nf_val *dst = &R[ret_reg];
                    uint16_t ref = dst->ref;
                    uint8_t kind = dst->kind;
                    nf_vm_val_release(vm, dst);
                    *dst = ret;
                    dst->ref = ref;
                    dst->kind = kind;
                }
                if (vm->budget < 0) goto limit;
                vmbreak;
            }
            vmcase(RAISE) {
                vm->err_type = (nf_vm_errtype)fr->error_type;
                snprintf(vm->err_msg, sizeof vm->err_msg, "%s", fr->error ? fr->error->s : "error");
                vm->err_located = true; /* keeps the place of the original error */
                THROW();
            }
            vmcase(UNSUPPORTED) {
                CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s is not supported by this runtime",
                                  m->strings[NF_BC_BX(i)]));
                vmbreak;
            }

            /* ---- objects ---- */
            vmcase(NEW) {
                nf_vm_obj *o = nf_vm_obj_new(vm, NF_BC_BX(i));
                if (!o) THROW();
                nf_vm_val_release(vm, RA);
                RA->u.o = o;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(GETA) {
                if (nf_vm_is_empty(RB))
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot read %s of an empty %s",
                                      member_name(vm, RB->ref, f->members[C]),
                                      entity_name(vm, RB->ref)));
                get_attr(vm, f, RA, RB->u.o, f->members[C]);
                vmbreak;
            }
            vmcase(SETA) {
                if (nf_vm_is_empty(RA))
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot change %s of an empty %s",
                                      member_name(vm, RA->ref, f->members[B]),
                                      entity_name(vm, RA->ref)));
                if (!RA->u.o->changed) CHECK(nf_vm_obj_touch(vm, RA->u.o));
                nf_val *dst = &RA->u.o->attrs[f->members[B]];
                uint16_t ref = dst->ref;
                nf_vm_val_assign(vm, dst, RC);
                dst->ref = ref;
                vmbreak;
            }
            vmcase(GETR) vmcase(GETRL) {
                if (nf_vm_is_empty(RB))
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot follow %s from an empty %s",
                                      member_name(vm, RB->ref, f->members[C]),
                                      entity_name(vm, RB->ref)));
                CHECK(get_assoc(vm, RA, RB->u.o, f->members[C] & ~NF_BC_ASSOC_MEMBER));
                vmbreak;
            }
            vmcase(SETR) {
                if (nf_vm_is_empty(RA))
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot set %s of an empty %s",
                                      member_name(vm, RA->ref, f->members[B]),
                                      entity_name(vm, RA->ref)));
                CHECK(set_assoc(vm, RA->u.o, f->members[B] & ~NF_BC_ASSOC_MEMBER, RC));
                vmbreak;
            }
            vmcase(CAST) {
                if (!nf_vm_is_empty(RB) && !nf_bc_entity_is_a(m, RB->u.o->entity, RA->ref))
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot cast a %s object to %s",
                                      entity_name(vm, RB->u.o->entity), entity_name(vm, RA->ref)));
                uint16_t ref = RA->ref;
                nf_vm_val_assign(vm, RA, RB);
                RA->ref = ref;
                vmbreak;
            }
            vmcase(COMMIT) {
                CHECK(nf_vm_commit(vm, RA));
                vmbreak;
            }
            vmcase(DELETE) {
                CHECK(nf_vm_delete(vm, RA, f->kind == NF_BF_NANOFLOW));
                vmbreak;
            }
            vmcase(ROLLBACK) {
                CHECK(nf_vm_rollback(vm, RA));
                vmbreak;
            }
            vmcase(RETRIEVE) {
                CHECK(nf_vm_retrieve(vm, f->descs[NF_BC_BX(i)].w, R, RA));
                vmbreak;
            }

            /* ---- lists ---- */
            vmcase(NEWLIST) {
                nf_vm_list *l = nf_vm_list_new(vm, RA->ref, 0);
                if (!l) THROW();
                nf_vm_val_release(vm, RA);
                RA->u.l = l;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(LCOPY) {
                if (nf_vm_is_empty(RB)) {
                    nf_vm_val_release(vm, RA);
                } else {
                    nf_vm_list *l = nf_vm_list_copy(vm, RB->u.l);
                    if (!l) THROW();
                    nf_vm_val_release(vm, RA);
                    RA->u.l = l;
                    RA->flags = 0;
                }
                vmbreak;
            }
            vmcase(LADD) vmcase(LREMOVE) {
                if (nf_vm_is_empty(RA))
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "cannot change an empty list"));
                if (!nf_vm_is_empty(RB)) {
                    nf_vm_list *l = RA->u.l;
                    bool add = NF_BC_OP(i) == NF_OPC_LADD;
                    if (RB->kind == NF_BT_OBJ) {
                        if (add)
                            CHECK(nf_vm_list_push(vm, l, RB->u.o));
                        else
                            nf_vm_list_remove(vm, l, RB->u.o);
                    } else {
                        nf_vm_list *src = RB->u.l;
                        src->refs++; /* l and src may be the same list */
                        uint32_t n = src->n;
                        nf_vm_status st = NF_VM_OK;
                        for (uint32_t k = 0; k < n && st == NF_VM_OK; k++)
                            if (add)
                                st = nf_vm_list_push(vm, l, src->items[k]);
                            else if (k < src->n)
                                nf_vm_list_remove(vm, l, src->items[l == src ? 0 : k]);
                        nf_vm_list_release(vm, src);
                        CHECK(st);
                    }
                }
                vmbreak;
            }
            vmcase(LCLEAR) {
                if (!nf_vm_is_empty(RA)) {
                    nf_vm_list *l = RA->u.l;
                    for (uint32_t k = 0; k < l->n; k++)
                        nf_vm_obj_release(vm, l->items[k]);
                    l->n = 0;
                }
                vmbreak;
            }
            vmcase(LLEN) {
                RA->u.i = nf_vm_is_empty(RB) ? 0 : RB->u.l->n;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(LGET) {
                if (nf_vm_is_empty(RC)) CHECK(empty_operand(vm, "a list index"));
                int64_t k = RC->u.i;
                uint32_t n = nf_vm_is_empty(RB) ? 0 : RB->u.l->n;
                if (k < 0 || k >= n)
                    CHECK(nf_vm_raise(vm, NF_VM_E_RUNTIME, "index %lld is outside a list of %u",
                                      (long long)k, n));
                nf_val o = {{.o = RB->u.l->items[k]}, 0, NF_BT_OBJ, 0, RA->ref};
                nf_vm_val_assign(vm, RA, &o);
                vmbreak;
            }
            vmcase(FORLIST) {
                nf_val *l = RA, *idx = RA + 1, *el = RA + 2;
                idx->u.i =
                    (int64_t)((uint64_t)idx->u.i + 1); /* no overflow: any value ends below */
                idx->flags = 0;
                /* unsigned: an index that the body made negative ends the loop */
                if (!nf_vm_is_empty(l) && (uint64_t)idx->u.i < l->u.l->n) {
                    const nf_bc_insn *target = pc + NF_BC_SBX(i);
                    nf_vm_obj *o = l->u.l->items[idx->u.i];
                    o->refs++;
                    nf_vm_val_release(vm, el);
                    el->u.o = o;
                    el->flags = 0;
                    BACK(target);
                    pc = target;
                }
                vmbreak;
            }
            vmcase(HEAD) {
                nf_vm_val_release(vm, RA);
                if (!nf_vm_is_empty(RB) && RB->u.l->n) {
                    RB->u.l->items[0]->refs++;
                    RA->u.o = RB->u.l->items[0];
                    RA->flags = 0;
                }
                vmbreak;
            }
            vmcase(TAIL) {
                CHECK(nf_vm_range(vm, RB, 1, 0, RA));
                vmbreak;
            }
            vmcase(RANGE) {
                if ((RC->flags | RC[1].flags) & NF_VAL_EMPTY) CHECK(empty_operand(vm, "range"));
                CHECK(nf_vm_range(vm, RB, RC->u.i, RC[1].u.i, RA));
                vmbreak;
            }
            vmcase(UNION) vmcase(INTERSECT) vmcase(SUBTRACT) vmcase(LEQUALS) {
                CHECK(nf_vm_set_op(vm, NF_BC_OP(i), RB, RC, RA));
                vmbreak;
            }
            vmcase(CONTAINS) {
                bool r = true;
                if (nf_vm_is_empty(RC)) {
                    r = false;
                } else if (RC->kind == NF_BT_OBJ) {
                    r = !nf_vm_is_empty(RB) && nf_vm_list_contains(RB->u.l, RC->u.o);
                } else {
                    for (uint32_t k = 0; k < RC->u.l->n && r; k++)
                        r = !nf_vm_is_empty(RB) && nf_vm_list_contains(RB->u.l, RC->u.l->items[k]);
                }
                RA->u.b = r;
                RA->flags = 0;
                vmbreak;
            }
            vmcase(SORT) {
                CHECK(nf_vm_sort(vm, f, RB, &f->descs[C], RA));
                vmbreak;
            }
            vmcase(AGG) {
                CHECK(nf_vm_aggregate(vm, RB, &f->descs[C], RA));
                vmbreak;
            }
            vmcase(FINDBY) {
                const nf_bc_desc *d = &f->descs[C];
                CHECK(nf_vm_find_by(vm, RB, d, &R[d->w[1]], RA));
                vmbreak;
            }

            /* ---- client and synchronization ---- */
            vmcase(SHOWMSG) {
                if (vm->cfg.host.show_message) {
                    fr->pc = PC_INDEX;
                    nf_vm_status st = vm->cfg.host.show_message(
                        vm->cfg.host.ud, vm, nf_vm_is_empty(RA) ? "" : RA->u.s->s, B, C != 0);
                    LOAD_FRAME();
                    HOST_DONE(st, 255);
                }
                vmbreak;
            }
            vmcase(SHOWPAGE) {
                const nf_bc_desc *d = &f->descs[NF_BC_BX(i)];
                int32_t close = 0;
                if (d->n == 5 + d->w[2]) CHECK(pages_to_close(vm, d, R, &close));
                if (vm->cfg.host.show_page) {
                    const char *names[NF_BC_MAX_REGS];
                    for (uint32_t k = 0; k < d->w[2] && k < NF_BC_MAX_REGS; k++)
                        names[k] = d->w[3 + k] != NF_BC_NONE ? m->strings[d->w[3 + k]] : "";
                    const nf_val *title = d->w[1] != NF_BC_NONE ? &R[d->w[1]] : NULL;
                    fr->pc = PC_INDEX;
                    nf_vm_status st = vm->cfg.host.show_page(
                        vm->cfg.host.ud, vm, m->strings[d->w[0]],
                        title && !nf_vm_is_empty(title) ? title->u.s->s : NULL, names, RA, d->w[2],
                        close);
                    LOAD_FRAME();
                    HOST_DONE(st, 255);
                }
                vmbreak;
            }
            vmcase(CLOSEPAGE) {
                int32_t count = A == 2 ? -1 : 1;
                if (A == 1) CHECK(page_count(vm, RB, &count));
                if (vm->cfg.host.close_page) {
                    fr->pc = PC_INDEX;
                    nf_vm_status st = vm->cfg.host.close_page(vm->cfg.host.ud, vm, count);
                    LOAD_FRAME();
                    HOST_DONE(st, 255);
                }
                vmbreak;
            }
            vmcase(FEEDBACK) {
                if (nf_vm_is_empty(RA))
                    CHECK(
                        nf_vm_raise(vm, NF_VM_E_RUNTIME, "validation feedback on an empty object"));
                if (vm->cfg.host.feedback) {
                    const char *member =
                        B == 255 ? NULL : member_name(vm, RA->u.o->entity, f->members[B]);
                    fr->pc = PC_INDEX;
                    nf_vm_status st = vm->cfg.host.feedback(vm->cfg.host.ud, vm, RA->u.o, member,
                                                            nf_vm_is_empty(RC) ? "" : RC->u.s->s);
                    LOAD_FRAME();
                    HOST_DONE(st, 255);
                }
                vmbreak;
            }
            vmcase(LOG) {
                if (vm->cfg.host.log)
                    vm->cfg.host.log(vm->cfg.host.ud, vm, A, nf_vm_is_empty(RB) ? "" : RB->u.s->s,
                                     nf_vm_is_empty(RC) ? "" : RC->u.s->s);
                vmbreak;
            }
            vmcase(SYNC) {
                fr->pc = PC_INDEX;
                nf_vm_status st = nf_vm_synchronize(vm, B, RA, C);
                LOAD_FRAME();
                CHECK(st);
                vmbreak;
            }
            vmcase(CLEARDEV) {
                CHECK(nf_vm_clear_device(vm, NF_BC_BX(i)));
                vmbreak;
            }
            vmcase(CANCELSYNC) { /* a flow run during a synchronize (a host callback) */
                nf_vm_cancel_sync(vm);
                vmbreak;
            }
            vmcase(PROGRESS) {
                if (vm->cfg.host.progress) {
                    const char *text = NULL;
                    if (A != 255 && !nf_vm_is_empty(&R[A])) text = R[A].u.s->s;
                    fr->pc = PC_INDEX;
                    nf_vm_status st =
                        vm->cfg.host.progress(vm->cfg.host.ud, vm, B != 0, B ? text : NULL, C != 0);
                    LOAD_FRAME();
                    HOST_DONE(st, 255);
                }
                vmbreak;
            }
        }
    }

limit:
    if (vm->cancel)
        nf_vm_raise(vm, NF_VM_E_CANCELLED, "the flow was cancelled");
    else
        nf_vm_raise(vm, NF_VM_E_LIMIT, "the flow ran past its instruction budget (%llu)",
                    (unsigned long long)vm->cfg.limits.max_instructions);
    /* The budget and cancellation end the run: no handler may catch them (a handler could
     * only loop again), so every frame of this call unwinds. */
    if (!vm->err_located) {
        vm->err_flow = fr->flow_index;
        vm->err_line = nf_vm_line_of(f, PC_INDEX - 1);
        vm->err_located = true;
    }
    while (vm->nframes > stop)
        nf_vm_pop_frame(vm);
    return NF_VM_ERROR;

on_error : {
    /* pc - 1 is the failing instruction of the top frame */
    if (!vm->err_located) {
        vm->err_flow = fr->flow_index;
        vm->err_line = nf_vm_line_of(f, PC_INDEX - 1);
        vm->err_located = true;
    }
    for (;;) {
        const nf_bc_handler *h = find_handler(f, PC_INDEX - 1);
        uint32_t target = h ? enter_handler(vm, fr, h) : NF_BC_NONE;
        if (target != NF_BC_NONE) {
            pc = code + target;
            goto resume;
        }
        nf_vm_pop_frame(vm);
        if (vm->nframes == stop) return NF_VM_ERROR;
        LOAD_FRAME(); /* the caller, at its call instruction */
    }
}
}
