/* bc_verify.c — proves a module well-formed before any of it runs.
 *
 * Every index (string, constant, entity, attribute, association, flow, action, role, XPath
 * node, descriptor) is in range; entity generalization is acyclic; XPath trees point only
 * backwards (so they are finite and shallow enough to walk recursively); and every instruction
 * of every flow has operands of the kinds and register types its opcodes.def line declares,
 * jump targets inside the flow, and calls whose argument registers match the callee. After
 * this the interpreter trusts its operands and checks no types. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nf_bc.h"

typedef struct vctx {
    const nf_bc_module *m;
    char *err;
    size_t n;
    bool bad;
    const nf_bc_flow *flow; /* the flow being checked, for messages */
    uint32_t pc;
    uint8_t *xseen; /* XPath nodes already reached: each belongs to exactly one tree */
} vctx;

static bool fail(vctx *v, const char *fmt, ...) {
    if (v->bad) return false;
    v->bad = true;
    int k = 0;
    if (v->flow && v->flow->name < v->m->nstrings && v->pc != NF_BC_NONE)
        k = snprintf(v->err, v->n, "flow %s, pc %u: ", v->m->strings[v->flow->name], v->pc);
    else if (v->flow && v->flow->name < v->m->nstrings)
        k = snprintf(v->err, v->n, "flow %s: ", v->m->strings[v->flow->name]);
    va_list ap;
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < v->n) vsnprintf(v->err + k, v->n - (size_t)k, fmt, ap);
    va_end(ap);
    return false;
}

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) return fail(v, __VA_ARGS__);                                                  \
    } while (0)

static bool str(vctx *v, uint32_t s, const char *what) {
    CHECK(s < v->m->nstrings, "%s refers to string %u of %u", what, s, v->m->nstrings);
    return true;
}

static bool opt_str(vctx *v, uint32_t s, const char *what) {
    return s == NF_BC_NONE || str(v, s, what);
}

static bool type(vctx *v, nf_bc_type t, bool allow_void, const char *what) {
    CHECK(t.kind < NF_BT_COUNT_, "%s has an unknown type kind %u", what, t.kind);
    CHECK(allow_void || t.kind != NF_BT_VOID, "%s cannot be Nothing", what);
    CHECK(t.flags == 0 || (t.kind == NF_BT_INT && t.flags == NF_BC_TF_LONG),
          "%s has unknown type flags %u", what, t.flags);
    if (t.kind == NF_BT_ENUM)
        CHECK(t.ref < v->m->nenums, "%s names enumeration %u of %u", what, t.ref, v->m->nenums);
    if (t.kind == NF_BT_OBJ || t.kind == NF_BT_LIST)
        CHECK(t.ref == NF_BC_NONE16 || t.ref < v->m->nentities, "%s names entity %u of %u", what,
              t.ref, v->m->nentities);
    return true;
}

static bool is_decimal_text(const char *s) {
    if (*s == '-') s++;
    if (!(*s >= '0' && *s <= '9')) return false;
    while (*s >= '0' && *s <= '9')
        s++;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9')) return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

static bool consts(vctx *v) {
    const nf_bc_module *m = v->m;
    for (uint32_t i = 0; i < m->nconsts; i++) {
        const nf_bc_const *c = &m->consts[i];
        switch (c->kind) {
        case NF_BT_BOOL:
            CHECK(c->i == 0 || c->i == 1, "Boolean constant %u is %lld", i, (long long)c->i);
            break;
        case NF_BT_INT:
        case NF_BT_DT: break;
        case NF_BT_STR:
            if (!str(v, c->str, "a String constant")) return false;
            break;
        case NF_BT_DEC:
            if (!str(v, c->str, "a Decimal constant")) return false;
            CHECK(is_decimal_text(m->strings[c->str]), "Decimal constant %u is not a number", i);
            break;
        default: return fail(v, "constant %u has kind %u", i, c->kind);
        }
    }
    return true;
}

/* A constant usable where a value of type t is expected. */
static bool const_fits(const nf_bc_module *m, uint32_t k, nf_bc_type t) {
    if (k >= m->nconsts) return false;
    uint8_t ck = m->consts[k].kind;
    if (t.kind == NF_BT_ENUM) /* enumeration defaults are value indices */
        return ck == NF_BT_INT && t.ref < m->nenums && m->consts[k].i >= 0 &&
               (uint64_t)m->consts[k].i < m->enums[t.ref].nvalues;
    return ck == t.kind;
}

static bool member(vctx *v, uint32_t e, uint32_t mem, const char *what) {
    if (mem & NF_BC_ASSOC_MEMBER) {
        uint32_t a = mem & ~NF_BC_ASSOC_MEMBER;
        CHECK(a < v->m->nassocs, "%s names association %u of %u", what, a, v->m->nassocs);
        const nf_bc_assoc *as = &v->m->assocs[a];
        CHECK(nf_bc_entity_is_a(v->m, e, as->from) || nf_bc_entity_is_a(v->m, e, as->to),
              "%s: association %u does not touch the entity", what, a);
        return true;
    }
    CHECK(mem < nf_bc_entity_attr_count(v->m, e), "%s names attribute %u of %u", what, mem,
          nf_bc_entity_attr_count(v->m, e));
    return true;
}

/* XPath nodes refer only to earlier nodes and each is reached once: programs are trees, so
 * checking all of them is linear in the node count (a shared node would make it exponential). */
#define NF_BC_MAX_XDEPTH 256

static bool xnode(vctx *v, uint32_t x, uint32_t entity, const nf_bc_flow *flow, unsigned depth) {
    const nf_bc_module *m = v->m;
    CHECK(x < m->nxnodes, "XPath node %u of %u", x, m->nxnodes);
    CHECK(depth < NF_BC_MAX_XDEPTH, "XPath nested deeper than %d", NF_BC_MAX_XDEPTH);
    CHECK(!v->xseen[x], "XPath node %u is used twice: XPath programs are trees", x);
    v->xseen[x] = 1;
    const nf_bc_xnode *n = &m->xnodes[x];
    switch ((nf_bc_xkind)n->kind) {
    case NF_BX_AND:
    case NF_BX_OR:
    case NF_BX_CMP:
    case NF_BX_ARITH:
        CHECK(n->a < x && n->b < x, "XPath node %u refers forward", x);
        if (n->kind == NF_BX_CMP) CHECK(n->op < 6, "XPath comparison %u", n->op);
        if (n->kind == NF_BX_ARITH) CHECK(n->op < 4, "XPath arithmetic %u", n->op);
        return xnode(v, n->a, entity, flow, depth + 1) && xnode(v, n->b, entity, flow, depth + 1);
    case NF_BX_NOT:
    case NF_BX_NEG:
        CHECK(n->a < x, "XPath node %u refers forward", x);
        return xnode(v, n->a, entity, flow, depth + 1);
    case NF_BX_PATH: {
        /* zero steps: the object itself ([id = $Obj]) */
        CHECK(n->a <= m->nxwords && n->b <= (m->nxwords - n->a) / 3,
              "XPath path %u lies outside the word pool", x);
        uint32_t cur = entity;
        for (uint32_t i = 0; i < n->b; i++) {
            const uint32_t *st = &m->xwords[n->a + 3 * i];
            CHECK(cur != NF_BC_NONE, "XPath path %u continues after an attribute", x);
            if (!member(v, cur, st[0], "an XPath step")) return false;
            if (st[0] & NF_BC_ASSOC_MEMBER) {
                CHECK(st[1] < m->nentities, "XPath step entity %u", st[1]);
                cur = st[1];
                if (st[2] != NF_BC_NONE) {
                    CHECK(st[2] < x, "XPath filter refers forward");
                    if (!xnode(v, st[2], cur, flow, depth + 1)) return false;
                }
            } else {
                CHECK(st[1] == NF_BC_NONE && st[2] == NF_BC_NONE,
                      "XPath attribute step with extras");
                cur = NF_BC_NONE;
            }
        }
        return true;
    }
    case NF_BX_CONST: CHECK(n->a < m->nconsts, "XPath constant %u", n->a); return true;
    case NF_BX_REG:
        CHECK(flow != NULL, "XPath refers to a register outside a flow");
        CHECK(n->a < flow->nregs, "XPath register %u of %u", n->a, flow->nregs);
        return true;
    case NF_BX_TOKEN: return str(v, n->a, "an XPath token");
    case NF_BX_FUNC:
        if (!str(v, n->a, "an XPath function")) return false;
        CHECK(n->b <= m->nxwords && n->op <= m->nxwords - n->b,
              "XPath arguments outside the word pool");
        for (uint32_t i = 0; i < n->op; i++) {
            CHECK(m->xwords[n->b + i] < x, "XPath argument refers forward");
            if (!xnode(v, m->xwords[n->b + i], entity, flow, depth + 1)) return false;
        }
        return true;
    case NF_BX_EMPTY: return true;
    default: return fail(v, "XPath node %u has kind %u", x, n->kind);
    }
}

static bool opt_xpath(vctx *v, uint32_t x, uint32_t entity, const nf_bc_flow *flow) {
    return x == NF_BC_NONE || xnode(v, x, entity, flow, 0);
}

/* Event handlers are microflows with the signature the event calls them with. */
static bool event(vctx *v, uint32_t entity, const nf_bc_event *ev, uint32_t j) {
    const nf_bc_module *m = v->m;
    CHECK(ev->flow < m->nflows && ev->moment <= 1 && ev->type <= 3 && ev->pass_object <= 1 &&
              ev->raise_error <= 1,
          "event handler %u of entity %u", j, entity);
    const nf_bc_flow *f = &m->flows[ev->flow];
    CHECK(f->kind == NF_BF_MICROFLOW, "event handler %u of entity %u is not a microflow", j,
          entity);
    if (ev->pass_object)
        CHECK(f->nparams == 1 && f->nregs >= 1 && f->regs[0].kind == NF_BT_OBJ &&
                  (f->regs[0].ref == NF_BC_NONE16 || nf_bc_entity_is_a(m, entity, f->regs[0].ref)),
              "event handler %u of entity %u must take one object of the entity", j, entity);
    else
        CHECK(f->nparams == 0, "event handler %u of entity %u must take no parameters", j, entity);
    CHECK(ev->moment != 0 || f->ret.kind == NF_BT_BOOL,
          "before-event handler %u of entity %u must return a Boolean", j, entity);
    return true;
}

static bool model(vctx *v) {
    const nf_bc_module *m = v->m;
    for (uint32_t i = 0; i < m->nenums; i++) {
        if (!str(v, m->enums[i].name, "an enumeration")) return false;
        for (uint32_t j = 0; j < m->enums[i].nvalues; j++)
            if (!str(v, m->enums[i].value_names[j], "an enumeration value") ||
                !str(v, m->enums[i].captions[j], "a caption"))
                return false;
    }
    for (uint32_t i = 0; i < m->nentities; i++) {
        const nf_bc_entity *e = &m->entities[i];
        if (!str(v, e->name, "an entity")) return false;
        uint32_t g = e->generalization;
        for (uint32_t steps = 0; g != NF_BC_NONE; steps++) {
            CHECK(g < m->nentities, "entity %u extends entity %u of %u", i, g, m->nentities);
            CHECK(steps < m->nentities && g != i, "entity %u has a generalization cycle", i);
            CHECK(steps < NF_BC_MAX_GENERALIZATION, "entity %u has more than %d generalizations", i,
                  NF_BC_MAX_GENERALIZATION);
            g = m->entities[g].generalization;
        }
    }
    for (uint32_t i = 0; i < m->nassocs; i++) {
        const nf_bc_assoc *a = &m->assocs[i];
        if (!str(v, a->name, "an association")) return false;
        CHECK(a->from < m->nentities && a->to < m->nentities,
              "association %u joins missing entities", i);
        CHECK(a->reference_set <= 1 && a->owner_both <= 1 && a->delete_behavior <= 2,
              "association %u flags", i);
    }
    for (uint32_t i = 0; i < m->nroles; i++) {
        const nf_bc_role *r = &m->roles[i];
        if (!str(v, r->name, "a role")) return false;
        for (uint32_t j = 0; j < r->nmodule_roles; j++)
            CHECK(r->user_role && r->module_roles[j] < m->nroles &&
                      !m->roles[r->module_roles[j]].user_role,
                  "role %u lists a role that is not a module role", i);
    }
    for (uint32_t i = 0; i < m->nusers; i++) {
        const nf_bc_user *u = &m->users[i];
        if (!str(v, u->name, "a user") || !str(v, u->password, "a password")) return false;
        CHECK(u->entity < m->nentities, "user %u has entity %u", i, u->entity);
        for (uint32_t j = 0; j < u->nroles; j++)
            CHECK(u->roles[j] < m->nroles && m->roles[u->roles[j]].user_role,
                  "user %u lists a role that is not a user role", i);
    }
    for (uint32_t i = 0; i < m->nentities; i++) {
        const nf_bc_entity *e = &m->entities[i];
        CHECK(e->persist <= 1 && e->download <= NF_BD_ONLINE && e->conflict <= NF_BC_REVISION,
              "entity %u flags", i);
        uint32_t nall = nf_bc_entity_attr_count(m, i);
        CHECK(e->revision_attr == NF_BC_NONE || e->revision_attr < nall,
              "entity %u revision attribute", i);
        if (!opt_xpath(v, e->profile_xpath, i, NULL)) return false;
        for (uint32_t j = 0; j < e->nattrs; j++) {
            const nf_bc_attr *a = &e->attrs[j];
            if (!str(v, a->name, "an attribute") || !type(v, a->type, false, "an attribute") ||
                !opt_str(v, a->message, "a message"))
                return false;
            /* Object attributes are the system references (owner, changedBy) */
            CHECK(a->type.kind != NF_BT_LIST, "attribute %u of entity %u holds a list", j, i);
            CHECK(a->default_k == NF_BC_NONE || const_fits(m, a->default_k, a->type),
                  "attribute %u of entity %u has a default of the wrong type", j, i);
        }
        for (uint32_t j = 0; j < e->nevents; j++)
            if (!event(v, i, &e->events[j], j)) return false;
        for (uint32_t j = 0; j < e->nindexes; j++)
            for (uint32_t k = 0; k < e->indexes[j].ncols; k++)
                CHECK(e->indexes[j].attrs[k] < nall, "index %u of entity %u", j, i);
        for (uint32_t j = 0; j < e->nrules; j++) {
            const nf_bc_rule *r = &e->rules[j];
            CHECK(r->kind <= NF_BR_REGEX, "rule %u of entity %u", j, i);
            for (uint32_t k = 0; k < r->nattrs; k++)
                CHECK(r->attrs[k] < nall, "rule %u of entity %u", j, i);
            CHECK((r->lo_k == NF_BC_NONE || r->lo_k < m->nconsts) &&
                      (r->hi_k == NF_BC_NONE || r->hi_k < m->nconsts),
                  "rule %u of entity %u bounds", j, i);
            if (!opt_str(v, r->pattern, "a pattern") || !opt_str(v, r->message, "a message"))
                return false;
        }
        for (uint32_t j = 0; j < e->naccess; j++) {
            const nf_bc_access *a = &e->access[j];
            CHECK(a->role < m->nroles && !m->roles[a->role].user_role,
                  "access rule %u of entity %u role", j, i);
            for (uint32_t k = 0; k < a->nread; k++)
                if (!member(v, i, a->read[k], "an access rule")) return false;
            for (uint32_t k = 0; k < a->nwrite; k++)
                if (!member(v, i, a->write[k], "an access rule")) return false;
            if (!opt_xpath(v, a->xpath, i, NULL)) return false;
        }
    }
    for (uint32_t i = 0; i < m->nactions; i++) {
        const nf_bc_action *a = &m->actions[i];
        if (!str(v, a->name, "an action") || !type(v, a->ret, true, "an action result") ||
            !opt_str(v, a->source, "a Lua source"))
            return false;
        CHECK(a->kind <= NF_BK_LUA, "action %u kind", i);
        for (uint32_t j = 0; j < a->nparams; j++)
            if (!str(v, a->param_names[j], "a parameter") ||
                !type(v, a->param_types[j], false, "a parameter"))
                return false;
    }
    return true;
}

/* ---- flows ----------------------------------------------------------------------------------- */

static const nf_bc_type *reg(vctx *v, uint32_t r) {
    return r < v->flow->nregs ? &v->flow->regs[r] : NULL;
}

static bool kind_matches(nf_bc_operand o, nf_bc_type t) {
    switch (o) {
    case NF_OPND_RB:
    case NF_OPND_WB: return t.kind == NF_BT_BOOL;
    case NF_OPND_RI:
    case NF_OPND_WI: return t.kind == NF_BT_INT;
    case NF_OPND_RD:
    case NF_OPND_WD: return t.kind == NF_BT_DEC;
    case NF_OPND_RS:
    case NF_OPND_WS: return t.kind == NF_BT_STR;
    case NF_OPND_RT:
    case NF_OPND_WT: return t.kind == NF_BT_DT;
    case NF_OPND_RE:
    case NF_OPND_WE: return t.kind == NF_BT_ENUM;
    case NF_OPND_RO:
    case NF_OPND_WO: return t.kind == NF_BT_OBJ;
    case NF_OPND_RL:
    case NF_OPND_WL: return t.kind == NF_BT_LIST;
    case NF_OPND_RV:
    case NF_OPND_WV: return t.kind != NF_BT_VOID;
    default: return false;
    }
}

static bool is_reg_operand(nf_bc_operand o) {
    return o >= NF_OPND_RB && o <= NF_OPND_WV;
}

/* Whether a value of type `from` may be stored in a register of type `to`. */
static bool assignable(const nf_bc_module *m, nf_bc_type to, nf_bc_type from) {
    if (to.kind != from.kind) return false;
    if (to.kind == NF_BT_ENUM) return to.ref == from.ref;
    if (to.kind == NF_BT_OBJ || to.kind == NF_BT_LIST)
        return to.ref == NF_BC_NONE16 ||
               (from.ref != NF_BC_NONE16 && nf_bc_entity_is_a(m, from.ref, to.ref));
    return true;
}

static bool letter_fits(char l, nf_bc_type t) {
    switch (l) {
    case 'B': return t.kind == NF_BT_BOOL;
    case 'I': return t.kind == NF_BT_INT;
    case 'D': return t.kind == NF_BT_DEC;
    case 'S': return t.kind == NF_BT_STR;
    case 'T': return t.kind == NF_BT_DT;
    case 'E': return t.kind == NF_BT_ENUM;
    case 'O': return t.kind == NF_BT_OBJ;
    case 'L': return t.kind == NF_BT_LIST;
    case 'N': return t.kind == NF_BT_INT || t.kind == NF_BT_DEC;
    case 'V': return t.kind != NF_BT_VOID;
    default: return false;
    }
}

static bool regs_match(vctx *v, uint32_t first, uint32_t n, const nf_bc_type *want,
                       const char *what) {
    CHECK(first + n <= v->flow->nregs, "%s needs registers %u..%u of %u", what, first, first + n,
          v->flow->nregs);
    for (uint32_t i = 0; i < n; i++)
        CHECK(assignable(v->m, want[i], v->flow->regs[first + i]),
              "%s: argument %u has the wrong type", what, i);
    return true;
}

static bool desc(vctx *v, uint32_t d, nf_bc_desc_kind kind, const nf_bc_desc **out) {
    CHECK(d < v->flow->ndescs, "descriptor %u of %u", d, v->flow->ndescs);
    CHECK(v->flow->descs[d].kind == kind, "descriptor %u has kind %u, expected %u", d,
          v->flow->descs[d].kind, kind);
    *out = &v->flow->descs[d];
    return true;
}

static bool sort_keys(vctx *v, uint32_t entity, const uint32_t *w, uint32_t nkeys, uint32_t avail) {
    CHECK(nkeys <= avail / 2, "sort keys run past the descriptor");
    for (uint32_t i = 0; i < nkeys; i++) {
        CHECK(w[2 * i] < nf_bc_entity_attr_count(v->m, entity), "sort attribute %u", w[2 * i]);
        CHECK(w[2 * i + 1] <= 1, "sort direction %u", w[2 * i + 1]);
    }
    return true;
}

static bool list_entity(vctx *v, uint32_t r, uint32_t *entity) {
    const nf_bc_type *t = reg(v, r);
    CHECK(t && t->kind == NF_BT_LIST && t->ref != NF_BC_NONE16,
          "register %u is not a list of a known entity", r);
    *entity = t->ref;
    return true;
}

static bool object_entity(vctx *v, uint32_t r, uint32_t *entity) {
    const nf_bc_type *t = reg(v, r);
    CHECK(t && t->kind == NF_BT_OBJ && t->ref != NF_BC_NONE16,
          "register %u is not an object of a known entity", r);
    *entity = t->ref;
    return true;
}

/* The member-table entry an ATT or ASC operand names. */
static bool member_entry(vctx *v, uint32_t slot, bool assoc, uint32_t *out) {
    CHECK(slot < v->flow->nmembers, "member-table entry %u of %u", slot, v->flow->nmembers);
    uint32_t mem = v->flow->members[slot];
    CHECK(((mem & NF_BC_ASSOC_MEMBER) != 0) == assoc, "member-table entry %u is not an %s", slot,
          assoc ? "association" : "attribute");
    *out = mem & ~NF_BC_ASSOC_MEMBER;
    return true;
}

/* Association operands: which way the object at `obj` navigates, and what lies at the other
 * end. Forward when the object is an `from` (so a self-association navigates forward). */
static bool assoc_end(vctx *v, uint32_t obj, uint32_t slot, const nf_bc_assoc **as, bool *forward) {
    uint32_t e = 0, ai = 0;
    if (!object_entity(v, obj, &e) || !member_entry(v, slot, true, &ai) ||
        !member(v, e, NF_BC_ASSOC_MEMBER | ai, "an association operand"))
        return false;
    *as = &v->m->assocs[ai];
    *forward = nf_bc_entity_is_a(v->m, e, (*as)->from);
    return true;
}

static bool entities_related(const nf_bc_module *m, nf_bc_type x, nf_bc_type y) {
    return x.ref == NF_BC_NONE16 || y.ref == NF_BC_NONE16 || nf_bc_entity_is_a(m, x.ref, y.ref) ||
           nf_bc_entity_is_a(m, y.ref, x.ref);
}

/* The relations between operands that the operand kinds alone do not express. */
static bool insn_rules(vctx *v, nf_bc_insn in) {
    const nf_bc_module *m = v->m;
    const nf_bc_flow *f = v->flow;
    uint32_t a = NF_BC_A(in), b = NF_BC_B(in), c = NF_BC_C(in), bx = NF_BC_BX(in);
    uint32_t e = 0;
    switch ((nf_bc_opcode)NF_BC_OP(in)) {
    case NF_OPC_MOVE:
        CHECK(assignable(m, f->regs[a], f->regs[b]), "MOVE between different types");
        return true;
    case NF_OPC_LOADK:
        CHECK(const_fits(m, bx, f->regs[a]), "LOADK of a constant of another type");
        return true;
    case NF_OPC_ADDK_D:
    case NF_OPC_SUBK_D:
    case NF_OPC_MULK_D:
    case NF_OPC_MULKI_D:
        CHECK(c < m->nconsts && m->consts[c].kind == NF_BT_DEC,
              "a constant operand of decimal arithmetic that is not a Decimal");
        return true;
    case NF_OPC_LOADB: CHECK(b <= 1, "LOADB %u", b); return true;
    case NF_OPC_LOADE:
        CHECK(bx < m->enums[f->regs[a].ref].nvalues, "LOADE value %u", bx);
        return true;
    case NF_OPC_TEST:
    case NF_OPC_TESTNIL: CHECK(b <= 1, "test flag %u", b); return true;
    case NF_OPC_EQ_I:
    case NF_OPC_LT_I:
    case NF_OPC_LE_I:
    case NF_OPC_EQ_D:
    case NF_OPC_LT_D:
    case NF_OPC_LE_D:
    case NF_OPC_EQ_S:
    case NF_OPC_LT_S:
    case NF_OPC_LE_S:
    case NF_OPC_EQ_T:
    case NF_OPC_LT_T:
    case NF_OPC_LE_T:
    case NF_OPC_EQ_B:
    case NF_OPC_EQ_O: CHECK(c <= 1, "comparison flag %u", c); return true;
    case NF_OPC_EQ_E:
        CHECK(c <= 1 && f->regs[a].ref == f->regs[b].ref, "EQ_E of different enumerations");
        return true;
    case NF_OPC_CALL:
    case NF_OPC_CALLMF: {
        const nf_bc_flow *callee = &m->flows[bx];
        CHECK(NF_BC_OP(in) != NF_OPC_CALLMF || callee->kind != NF_BF_NANOFLOW,
              "CALLMF of a nanoflow");
        CHECK(callee->nparams <= callee->nregs, "callee has more parameters than registers");
        if (!regs_match(v, a + 1, callee->nparams, callee->regs, "a call")) return false;
        if (callee->ret.kind != NF_BT_VOID)
            CHECK(assignable(m, f->regs[a], callee->ret),
                  "the call's result register has the wrong type");
        return true;
    }
    case NF_OPC_CALLACT: {
        const nf_bc_action *act = &m->actions[bx];
        if (!regs_match(v, a + 1, act->nparams, act->param_types, "an action call")) return false;
        if (act->ret.kind != NF_BT_VOID)
            CHECK(assignable(m, f->regs[a], act->ret),
                  "the action's result register has the wrong type");
        return true;
    }
    case NF_OPC_CALLFN: {
        const nf_bc_fninfo *fn = &nf_bc_fninfo_table[b];
        size_t nargs = strlen(fn->args);
        CHECK(c + nargs <= f->nregs, "%s() arguments run past the registers", fn->name);
        for (size_t i = 0; i < nargs; i++)
            CHECK(letter_fits(fn->args[i], f->regs[c + i]), "%s() argument %zu has the wrong type",
                  fn->name, i + 1);
        CHECK(letter_fits(fn->result[0], f->regs[a]), "%s() result register has the wrong type",
              fn->name);
        return true;
    }
    case NF_OPC_RET:
        CHECK(f->ret.kind != NF_BT_VOID && assignable(m, f->ret, f->regs[a]),
              "RET of a value of the wrong type");
        return true;
    case NF_OPC_RET0:
        CHECK(f->ret.kind == NF_BT_VOID, "RET0 in a flow that returns a value");
        return true;
    case NF_OPC_NEW:
        CHECK(f->regs[a].ref == bx, "NEW of entity %u into a register of another entity", bx);
        return true;
    case NF_OPC_GETA:
    case NF_OPC_SETA: {
        uint32_t obj = NF_BC_OP(in) == NF_OPC_GETA ? b : a,
                 att = NF_BC_OP(in) == NF_OPC_GETA ? c : b;
        uint32_t val = NF_BC_OP(in) == NF_OPC_GETA ? a : c;
        if (!object_entity(v, obj, &e) || !member_entry(v, att, false, &att)) return false;
        const nf_bc_attr *at = nf_bc_entity_attr(m, e, att);
        CHECK(at, "attribute %u of entity %u", att, e);
        CHECK(NF_BC_OP(in) == NF_OPC_GETA ? assignable(m, f->regs[val], at->type)
                                          : assignable(m, at->type, f->regs[val]),
              "attribute %u has another type than register %u", att, val);
        return true;
    }
    case NF_OPC_GETR:
    case NF_OPC_GETRL: {
        /* forward over a reference: one object; reverse, or over a reference set: a list */
        const nf_bc_assoc *as;
        bool fwd;
        if (!assoc_end(v, b, c, &as, &fwd)) return false;
        bool one = fwd && !as->reference_set;
        CHECK(one == (NF_BC_OP(in) == NF_OPC_GETR), "%s over an association that gives %s",
              one ? "GETRL" : "GETR", one ? "one object" : "a list");
        nf_bc_type want = {(uint8_t)(one ? NF_BT_OBJ : NF_BT_LIST), 0,
                           (uint16_t)(fwd ? as->to : as->from)};
        CHECK(assignable(m, f->regs[a], want), "association result register has the wrong entity");
        return true;
    }
    case NF_OPC_SETR: {
        /* the owner sets it; the other side only when both own it */
        const nf_bc_assoc *as;
        bool fwd;
        if (!assoc_end(v, a, b, &as, &fwd)) return false;
        CHECK(fwd || as->owner_both, "SETR from the side that does not own the association");
        nf_bc_type want = {(uint8_t)(as->reference_set ? NF_BT_LIST : NF_BT_OBJ), 0,
                           (uint16_t)(fwd ? as->to : as->from)};
        CHECK(assignable(m, want, f->regs[c]), "SETR of a value of the wrong type");
        return true;
    }
    case NF_OPC_CAST:
        CHECK(f->regs[a].ref != NF_BC_NONE16 && f->regs[b].ref != NF_BC_NONE16 &&
                  nf_bc_entity_is_a(m, f->regs[a].ref, f->regs[b].ref),
              "CAST to an entity that does not specialize the source");
        return true;
    case NF_OPC_COMMIT:
        CHECK(b <= 1, "COMMIT flag %u", b);
        /* fallthrough */
    case NF_OPC_DELETE:
    case NF_OPC_ROLLBACK:
        CHECK(f->regs[a].kind == NF_BT_OBJ || f->regs[a].kind == NF_BT_LIST,
              "store action on a value");
        return true;
    case NF_OPC_RETRIEVE: {
        const nf_bc_desc *d = NULL;
        if (!desc(v, bx, NF_DESC_RETRIEVE, &d)) return false;
        CHECK(d->n >= 6, "retrieve descriptor too short");
        uint32_t ent = d->w[0];
        CHECK(ent < m->nentities, "retrieve of entity %u", ent);
        if (!opt_xpath(v, d->w[1], ent, f)) return false;
        CHECK(d->w[2] <= 1, "retrieve flags");
        CHECK(d->w[3] == NF_BC_NONE || (d->w[3] < f->nregs && f->regs[d->w[3]].kind == NF_BT_INT),
              "retrieve limit register");
        CHECK(d->w[4] == NF_BC_NONE || (d->w[4] < f->nregs && f->regs[d->w[4]].kind == NF_BT_INT),
              "retrieve offset register");
        if (!sort_keys(v, ent, d->w + 6, d->w[5], d->n - 6)) return false;
        CHECK(d->n == 6 + 2 * d->w[5], "retrieve descriptor length");
        nf_bc_type want = {(uint8_t)(d->w[2] ? NF_BT_OBJ : NF_BT_LIST), 0, (uint16_t)ent};
        CHECK(assignable(m, f->regs[a], want), "retrieve result register has the wrong type");
        return true;
    }
    case NF_OPC_NEWLIST: return list_entity(v, a, &e);
    case NF_OPC_LCOPY:
    case NF_OPC_TAIL:
        CHECK(assignable(m, f->regs[a], f->regs[b]), "list of another entity");
        return true;
    case NF_OPC_UNION:
        CHECK(assignable(m, f->regs[a], f->regs[b]) && assignable(m, f->regs[a], f->regs[c]),
              "list of another entity");
        return true;
    case NF_OPC_INTERSECT:
    case NF_OPC_SUBTRACT:
        CHECK(assignable(m, f->regs[a], f->regs[b]) && entities_related(m, f->regs[b], f->regs[c]),
              "list of another entity");
        return true;
    case NF_OPC_LADD:
        CHECK((f->regs[b].kind == NF_BT_OBJ || f->regs[b].kind == NF_BT_LIST) &&
                  (f->regs[a].ref == NF_BC_NONE16 ||
                   (f->regs[b].ref != NF_BC_NONE16 &&
                    nf_bc_entity_is_a(m, f->regs[b].ref, f->regs[a].ref))),
              "LADD of something that is not of the list's entity");
        return true;
    case NF_OPC_LREMOVE:
        CHECK((f->regs[b].kind == NF_BT_OBJ || f->regs[b].kind == NF_BT_LIST) &&
                  entities_related(m, f->regs[a], f->regs[b]),
              "LREMOVE of something that is not of the list's entity");
        return true;
    case NF_OPC_CONTAINS:
        CHECK(f->regs[c].kind == NF_BT_OBJ || f->regs[c].kind == NF_BT_LIST, "contains of a value");
        return true;
    case NF_OPC_LGET:
    case NF_OPC_HEAD:
        if (!list_entity(v, b, &e)) return false;
        CHECK(f->regs[a].ref == NF_BC_NONE16 || nf_bc_entity_is_a(m, e, f->regs[a].ref),
              "list element register");
        return true;
    case NF_OPC_FORLIST:
        CHECK((int64_t)NF_BC_SBX(in) < 0, "FORLIST jumps forward");
        if (!list_entity(v, a, &e)) return false;
        CHECK(
            a + 2 < f->nregs && f->regs[a + 1].kind == NF_BT_INT &&
                f->regs[a + 2].kind == NF_BT_OBJ &&
                (f->regs[a + 2].ref == NF_BC_NONE16 || nf_bc_entity_is_a(m, e, f->regs[a + 2].ref)),
            "FORLIST needs an Integer index and an object register after the list");
        return true;
    case NF_OPC_RANGE:
        CHECK(c + 1 < f->nregs && f->regs[c + 1].kind == NF_BT_INT,
              "RANGE needs offset and amount registers");
        CHECK(assignable(m, f->regs[a], f->regs[b]), "list of another entity");
        return true;
    case NF_OPC_SORT: {
        const nf_bc_desc *d = NULL;
        if (!desc(v, c, NF_DESC_SORT, &d) || !list_entity(v, b, &e)) return false;
        CHECK(d->n >= 1 && d->n == 1 + 2 * d->w[0], "sort descriptor length");
        CHECK(assignable(m, f->regs[a], f->regs[b]), "list of another entity");
        return sort_keys(v, e, d->w + 1, d->w[0], d->n - 1);
    }
    case NF_OPC_AGG: {
        const nf_bc_desc *d = NULL;
        if (!desc(v, c, NF_DESC_AGG, &d) || !list_entity(v, b, &e)) return false;
        CHECK(d->n == 2 && d->w[0] <= 3, "aggregate descriptor");
        const nf_bc_attr *at = nf_bc_entity_attr(m, e, d->w[1]);
        CHECK(at && (at->type.kind == NF_BT_INT || at->type.kind == NF_BT_DEC ||
                     (at->type.kind == NF_BT_DT && d->w[0] >= 2)),
              "aggregate of a non-numeric attribute");
        uint8_t want = d->w[0] == 1 ? NF_BT_DEC : at->type.kind;
        CHECK(f->regs[a].kind == want, "aggregate result register has the wrong type");
        return true;
    }
    case NF_OPC_FINDBY: {
        const nf_bc_desc *d = NULL;
        if (!desc(v, c, NF_DESC_FINDBY, &d) || !list_entity(v, b, &e)) return false;
        CHECK(d->n == 3 && d->w[1] < f->nregs && d->w[2] <= 1, "find descriptor");
        if (!member(v, e, d->w[0], "a find member")) return false;
        if (d->w[0] & NF_BC_ASSOC_MEMBER) {
            CHECK(f->regs[d->w[1]].kind == NF_BT_OBJ, "find by an association needs an object");
        } else {
            const nf_bc_attr *at = nf_bc_entity_attr(m, e, d->w[0]);
            CHECK(at && f->regs[d->w[1]].kind == at->type.kind,
                  "find value register has another type than the attribute");
        }
        nf_bc_type want = {(uint8_t)(d->w[2] ? NF_BT_OBJ : NF_BT_LIST), 0, (uint16_t)e};
        CHECK(assignable(m, f->regs[a], want), "find result register has the wrong type");
        return true;
    }
    case NF_OPC_SHOWMSG: CHECK(b <= 2 && c <= 1, "SHOWMSG flags"); return true;
    case NF_OPC_SHOWPAGE: {
        const nf_bc_desc *d = NULL;
        if (!desc(v, bx, NF_DESC_PAGE, &d)) return false;
        /* page name, title register, argument count, one name per argument in R[A], …, and
         * optionally the pages to close first: kind (0 none, 1 R[reg] pages, 2 all, 3 all and
         * the history) and the register */
        CHECK(d->n >= 3 && d->w[2] <= NF_BC_MAX_REGS &&
                  (d->n == 3 + d->w[2] || d->n == 5 + d->w[2]),
              "page descriptor length");
        if (d->n == 5 + d->w[2]) {
            uint32_t kind = d->w[3 + d->w[2]], reg = d->w[4 + d->w[2]];
            CHECK(kind <= 3, "page close kind %u", kind);
            CHECK(kind != 1 || (reg < f->nregs && f->regs[reg].kind == NF_BT_INT),
                  "page close count register");
        }
        if (!str(v, d->w[0], "a page")) return false;
        CHECK(d->w[1] == NF_BC_NONE || (d->w[1] < f->nregs && f->regs[d->w[1]].kind == NF_BT_STR),
              "page title register");
        for (uint32_t i = 0; i < d->w[2]; i++)
            if (!opt_str(v, d->w[3 + i], "a page parameter")) return false;
        CHECK(d->w[2] == 0 ? a == 0 : a + d->w[2] <= f->nregs,
              "page arguments run past the registers");
        return true;
    }
    case NF_OPC_CLOSEPAGE:
        CHECK(a <= 2, "CLOSEPAGE kind %u", a);
        CHECK(a == 1 ? b < f->nregs && f->regs[b].kind == NF_BT_INT : b == 0,
              "CLOSEPAGE count register");
        return true;
    case NF_OPC_PROGRESS:
        CHECK(b <= 1 && c <= 1, "PROGRESS flags");
        CHECK(a == 255 || (b == 1 && a < f->nregs && f->regs[a].kind == NF_BT_STR),
              "PROGRESS text register");
        return true;
    case NF_OPC_FEEDBACK:
        if (!object_entity(v, a, &e)) return false;
        if (b != 255) {
            CHECK(b < f->nmembers, "member-table entry %u of %u", b, f->nmembers);
            if (!member(v, e, f->members[b], "a feedback member")) return false;
        }
        return true;
    case NF_OPC_LOG: CHECK(a <= 5, "log level %u", a); return true;
    case NF_OPC_SYNC:
        CHECK(b <= 2, "SYNC mode %u", b);
        CHECK(b != 2 || (c > 0 && a + c <= f->nregs), "SYNC objects run past the registers");
        for (uint32_t i = 0; b == 2 && i < c; i++)
            CHECK(f->regs[a + i].kind == NF_BT_OBJ || f->regs[a + i].kind == NF_BT_LIST,
                  "SYNC of a value");
        return true;
    default: return true;
    }
}

static bool operand(vctx *v, nf_bc_operand o, uint32_t val, bool wide) {
    const nf_bc_module *m = v->m;
    if (is_reg_operand(o)) {
        const nf_bc_type *t = reg(v, val);
        CHECK(t, "register %u of %u", val, v->flow->nregs);
        CHECK(kind_matches(o, *t), "register %u has the wrong type for this instruction", val);
        return true;
    }
    switch (o) {
    case NF_OPND__: CHECK(val == 0, "unused operand is %u", val); return true;
    case NF_OPND_K: CHECK(val < m->nconsts, "constant %u of %u", val, m->nconsts); return true;
    case NF_OPND_IMM:
    case NF_OPND_JMP:
    case NF_OPND_U:
    case NF_OPND_EVAL:
    case NF_OPND_ATT:
    case NF_OPND_ASC:
    case NF_OPND_DSC: return true; /* checked by the instruction's rules */
    case NF_OPND_ENT: CHECK(val < m->nentities, "entity %u of %u", val, m->nentities); return true;
    case NF_OPND_FLW: CHECK(val < m->nflows, "flow %u of %u", val, m->nflows); return true;
    case NF_OPND_FN: CHECK(val < NF_FN_COUNT_, "built-in function %u", val); return true;
    case NF_OPND_ACT: CHECK(val < m->nactions, "action %u of %u", val, m->nactions); return true;
    case NF_OPND_STR: return str(v, val, "an instruction");
    default: (void)wide; return fail(v, "operand kind %u", o);
    }
}

static bool flow(vctx *v, uint32_t fi) {
    const nf_bc_module *m = v->m;
    const nf_bc_flow *f = &m->flows[fi];
    v->flow = NULL;
    if (!str(v, f->name, "a flow")) return false;
    v->flow = f;
    v->pc = NF_BC_NONE;
    CHECK(f->kind <= NF_BF_RULE, "flow kind %u", f->kind);
    CHECK(f->nparams <= f->nregs, "flow has %u parameters but %u registers", f->nparams, f->nregs);
    if (!type(v, f->ret, true, "the return type") || !opt_str(v, f->file, "a file name"))
        return false;
    for (uint32_t r = 0; r < f->nregs; r++)
        if (!type(v, f->regs[r], false, "a register") ||
            !opt_str(v, f->reg_names[r], "a register name"))
            return false;
    for (uint32_t r = 0; r < f->nroles; r++)
        CHECK(f->roles[r] < m->nroles && !m->roles[f->roles[r]].user_role, "flow role %u",
              f->roles[r]);
    CHECK(f->ncode > 0, "flow has no code");
    CHECK(f->nmembers <= NF_BC_MAX_MEMBERS, "flow has %u member-table entries", f->nmembers);
    for (uint32_t pc = 0; pc < f->ncode; pc++) {
        v->pc = pc;
        nf_bc_insn in = f->code[pc];
        uint32_t op = NF_BC_OP(in);
        CHECK(op < NF_OPC_COUNT_, "unknown opcode %u", op);
        const nf_bc_opinfo *info = &nf_bc_opinfo_table[op];
        switch ((nf_bc_format)info->format) {
        case NF_FMT_ABC:
            if (!operand(v, info->operand[0], NF_BC_A(in), false) ||
                !operand(v, info->operand[1], NF_BC_B(in), false) ||
                !operand(v, info->operand[2], NF_BC_C(in), false))
                return false;
            break;
        case NF_FMT_ABx:
        case NF_FMT_AsBx:
            if (!operand(v, info->operand[0], NF_BC_A(in), false) ||
                !operand(v, info->operand[1], NF_BC_BX(in), true))
                return false;
            if (info->operand[1] == NF_OPND_JMP) {
                int64_t target = (int64_t)pc + 1 + NF_BC_SBX(in);
                CHECK(target >= 0 && target < f->ncode, "jump to %lld outside the flow",
                      (long long)target);
            }
            break;
        case NF_FMT_sJ: {
            int64_t target = (int64_t)pc + 1 + NF_BC_SJ(in);
            CHECK(target >= 0 && target < f->ncode, "jump to %lld outside the flow",
                  (long long)target);
            /* only LOOP (which checks the budget) goes backward: every cycle passes one */
            CHECK(op != NF_OPC_LOOP || target <= pc, "LOOP jumps forward");
            CHECK(op != NF_OPC_JMP || target > pc, "JMP jumps backward: loops use LOOP");
            break;
        }
        }
        /* tests skip the next instruction: it must exist, and so must the one they skip to */
        if ((info->flags & NF_OPF_JUMP) && info->format != NF_FMT_sJ && op != NF_OPC_FORLIST)
            CHECK(pc + 2 < f->ncode, "a test at the end of the flow");
        if (!insn_rules(v, in)) return false;
    }
    uint32_t last = NF_BC_OP(f->code[f->ncode - 1]);
    CHECK(last == NF_OPC_RET || last == NF_OPC_RET0 || last == NF_OPC_RAISE || last == NF_OPC_JMP ||
              last == NF_OPC_LOOP,
          "the flow can run past its last instruction");
    v->pc = NF_BC_NONE; /* the tables below are not at a pc */
    for (uint32_t h = 0; h < f->nhandlers; h++) {
        const nf_bc_handler *hd = &f->handlers[h];
        CHECK(hd->start <= hd->end && hd->end <= f->ncode && hd->target < f->ncode &&
                  hd->target >= hd->end && hd->kind <= NF_BH_ROLLBACK,
              "handler %u covers [%u, %u) and jumps to %u", h, hd->start, hd->end, hd->target);
        CHECK(hd->error_reg == 255 ||
                  (hd->error_reg < f->nregs && (f->regs[hd->error_reg].kind == NF_BT_STR ||
                                                (f->regs[hd->error_reg].kind == NF_BT_OBJ &&
                                                 f->regs[hd->error_reg].ref != NF_BC_NONE16))),
              "handler %u error register", h);
        CHECK(hd->type_reg == 255 ||
                  (hd->type_reg < f->nregs && f->regs[hd->type_reg].kind == NF_BT_STR),
              "handler %u error type register", h);
        CHECK(hd->result_reg == 255 || hd->result_reg < f->nregs, "handler %u result register", h);
    }
    for (uint32_t l = 0; l < f->nlines; l++)
        CHECK(f->lines[l].pc < f->ncode && (l == 0 || f->lines[l].pc > f->lines[l - 1].pc),
              "line table entry %u", l);
    for (uint32_t d = 0; d < f->ndescs; d++)
        CHECK(f->descs[d].kind < NF_DESC_COUNT_, "descriptor %u kind", d);
    return true;
}

bool nf_bc_verify(const nf_bc_module *m, char *err, size_t n) {
    vctx v = {m, err, n, false, NULL, NF_BC_NONE, calloc(m->nxnodes ? m->nxnodes : 1, 1)};
    if (!v.xseen) return fail(&v, "out of memory verifying %u XPath nodes", m->nxnodes);
    bool ok = consts(&v) && model(&v);
    for (uint32_t i = 0; ok && i < m->nflows; i++)
        ok = flow(&v, i);
    free(v.xseen);
    return ok;
}
