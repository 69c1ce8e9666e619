/* bc_disasm.c — readable listings of modules (`nanoflow disasm`, golden tests). The operand
 * printing follows each opcode's operand kinds in opcodes.def. */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "nf_bc.h"

static const char *S(const nf_bc_module *m, uint32_t s) {
    return s < m->nstrings ? m->strings[s] : "?";
}

static const char *kind_name(uint8_t k) {
    static const char *const names[NF_BT_COUNT_] = {"Nothing", "Boolean",  "Integer",     "Decimal",
                                                    "String",  "DateTime", "Enumeration", "Object",
                                                    "List",    "Binary"};
    return k < NF_BT_COUNT_ ? names[k] : "?";
}

static void print_type(const nf_bc_module *m, nf_bc_type t, FILE *out) {
    if (t.kind == NF_BT_ENUM && t.ref < m->nenums)
        fprintf(out, "%s", S(m, m->enums[t.ref].name));
    else if (t.kind == NF_BT_OBJ)
        fprintf(out, "%s", t.ref < m->nentities ? S(m, m->entities[t.ref].name) : "Object");
    else if (t.kind == NF_BT_LIST)
        fprintf(out, "List of %s",
                t.ref < m->nentities ? S(m, m->entities[t.ref].name) : "objects");
    else if (t.kind == NF_BT_INT && (t.flags & NF_BC_TF_LONG))
        fputs("Long", out);
    else
        fprintf(out, "%s", kind_name(t.kind));
}

static void print_string(const char *s, FILE *out) {
    fputc('\'', out);
    for (size_t i = 0; s[i] && i < 60; i++) {
        if (s[i] == '\'')
            fputs("''", out);
        else if (s[i] == '\n')
            fputs("\\n", out);
        else
            fputc(s[i], out);
    }
    if (strlen(s) > 60) fputs("…", out);
    fputc('\'', out);
}

static void print_const(const nf_bc_module *m, uint32_t k, FILE *out) {
    if (k >= m->nconsts) {
        fputs("?", out);
        return;
    }
    const nf_bc_const *c = &m->consts[k];
    switch (c->kind) {
    case NF_BT_BOOL: fputs(c->i ? "true" : "false", out); break;
    case NF_BT_INT: fprintf(out, "%" PRId64, c->i); break;
    case NF_BT_DEC: fputs(S(m, c->str), out); break;
    case NF_BT_STR: print_string(S(m, c->str), out); break;
    case NF_BT_DT: fprintf(out, "DateTime(%" PRId64 " ms)", c->i); break;
    default: fputs("?", out); break;
    }
}

/* The attribute behind member-table entry `ent` of flow f, for the object in obj_reg. */
static const char *attr_name(const nf_bc_module *m, const nf_bc_flow *f, uint32_t obj_reg,
                             uint32_t ent) {
    if (obj_reg >= f->nregs || f->regs[obj_reg].ref >= m->nentities || ent >= f->nmembers)
        return "?";
    const nf_bc_attr *a = nf_bc_entity_attr(m, f->regs[obj_reg].ref, f->members[ent]);
    return a ? S(m, a->name) : "?";
}

static const char *assoc_name(const nf_bc_module *m, const nf_bc_flow *f, uint32_t ent) {
    if (ent >= f->nmembers) return "?";
    uint32_t a = f->members[ent] & ~NF_BC_ASSOC_MEMBER;
    return a < m->nassocs ? S(m, m->assocs[a].name) : "?";
}

/* An XPath program as source-like text: [Saved = false and Visits.Visit_Customer/…]. The
 * module may be unverified (`disasm` of a damaged file), so every index is checked and the
 * depth bounded. */
static void print_xpath(const nf_bc_module *m, uint32_t x, uint32_t entity, unsigned depth,
                        FILE *out) {
    static const char *const cmp[] = {"=", "!=", "<", "<=", ">", ">="};
    static const char *const arith[] = {"+", "-", "*", "div"};
    if (x >= m->nxnodes || depth > 64) {
        fputs("?", out);
        return;
    }
    const nf_bc_xnode *n = &m->xnodes[x];
    switch (n->kind) {
    case NF_BX_AND:
    case NF_BX_OR:
    case NF_BX_CMP:
    case NF_BX_ARITH:
        if (depth) fputc('(', out);
        print_xpath(m, n->a, entity, depth + 1, out);
        fprintf(out, " %s ",
                n->kind == NF_BX_AND   ? "and"
                : n->kind == NF_BX_OR  ? "or"
                : n->kind == NF_BX_CMP ? (n->op < 6 ? cmp[n->op] : "?")
                                       : (n->op < 4 ? arith[n->op] : "?"));
        print_xpath(m, n->b, entity, depth + 1, out);
        if (depth) fputc(')', out);
        return;
    case NF_BX_NOT:
    case NF_BX_NEG:
        fputs(n->kind == NF_BX_NOT ? "not(" : "-(", out);
        print_xpath(m, n->a, entity, depth + 1, out);
        fputc(')', out);
        return;
    case NF_BX_PATH:
        if (n->b == 0) {
            fputs("id", out);
            return;
        }
        for (uint32_t i = 0; i < n->b; i++) {
            if (n->a > m->nxwords || 3 * (uint64_t)(i + 1) > m->nxwords - n->a) {
                fputs("?", out);
                return;
            }
            const uint32_t *st = &m->xwords[n->a + 3 * i];
            if (i) fputc('/', out);
            if (st[0] & NF_BC_ASSOC_MEMBER) {
                uint32_t as = st[0] & ~NF_BC_ASSOC_MEMBER;
                fputs(as < m->nassocs ? S(m, m->assocs[as].name) : "?", out);
                entity = st[1];
                fprintf(out, "/%s", entity < m->nentities ? S(m, m->entities[entity].name) : "?");
                if (st[2] != NF_BC_NONE) {
                    fputc('[', out);
                    print_xpath(m, st[2], entity, depth + 1, out);
                    fputc(']', out);
                }
            } else {
                const nf_bc_attr *a =
                    entity < m->nentities ? nf_bc_entity_attr(m, entity, st[0]) : NULL;
                fputs(a ? S(m, a->name) : "?", out);
            }
        }
        return;
    case NF_BX_CONST: print_const(m, n->a, out); return;
    case NF_BX_REG: fprintf(out, "r%u", n->a); return;
    case NF_BX_TOKEN: fprintf(out, "'[%%%s%%]'", S(m, n->a)); return;
    case NF_BX_FUNC:
        fprintf(out, "%s(", S(m, n->a));
        for (uint32_t i = 0; i < n->op && n->b <= m->nxwords && i < m->nxwords - n->b; i++) {
            if (i) fputs(", ", out);
            print_xpath(m, m->xwords[n->b + i], entity, depth + 1, out);
        }
        fputc(')', out);
        return;
    case NF_BX_EMPTY: fputs("empty", out); return;
    default: fputs("?", out); return;
    }
}

/* One operand, by its kind; `obj` is the object register that ATT operands belong to. */
static void operand(const nf_bc_module *m, const nf_bc_flow *f, nf_bc_operand o, uint32_t val,
                    uint32_t pc, int32_t jump, uint32_t obj, FILE *out) {
    switch (o) {
    case NF_OPND__: return;
    case NF_OPND_K: fprintf(out, " K%u", val); return;
    case NF_OPND_IMM: fprintf(out, " %d", (int)jump); return;
    case NF_OPND_JMP: fprintf(out, " ->%u", (uint32_t)((int64_t)pc + 1 + jump)); return;
    case NF_OPND_ENT:
        fprintf(out, " %s", val < m->nentities ? S(m, m->entities[val].name) : "?");
        return;
    case NF_OPND_FLW: fprintf(out, " %s", val < m->nflows ? S(m, m->flows[val].name) : "?"); return;
    case NF_OPND_ATT: fprintf(out, " .%s", attr_name(m, f, obj, val)); return;
    case NF_OPND_ASC: fprintf(out, " /%s", assoc_name(m, f, val)); return;
    case NF_OPND_FN:
        fprintf(out, " %s", val < NF_FN_COUNT_ ? nf_bc_fninfo_table[val].name : "?");
        return;
    case NF_OPND_ACT:
        fprintf(out, " %s", val < m->nactions ? S(m, m->actions[val].name) : "?");
        return;
    case NF_OPND_DSC: fprintf(out, " d%u", val); return;
    case NF_OPND_EVAL: fprintf(out, " #%u", val); return;
    case NF_OPND_U: fprintf(out, " %u", val); return;
    case NF_OPND_STR:
        fputc(' ', out);
        print_string(S(m, val), out);
        return;
    default: fprintf(out, " r%u", val); return;
    }
}

static void print_insn(const nf_bc_module *m, const nf_bc_flow *f, uint32_t pc, FILE *out) {
    nf_bc_insn in = f->code[pc];
    uint32_t op = NF_BC_OP(in);
    if (op >= NF_OPC_COUNT_) {
        fprintf(out, "??? %08" PRIx32, in);
        return;
    }
    const nf_bc_opinfo *info = &nf_bc_opinfo_table[op];
    fprintf(out, "%-10s", info->name);
    switch ((nf_bc_format)info->format) {
    case NF_FMT_ABC: {
        uint32_t a = NF_BC_A(in), b = NF_BC_B(in), c = NF_BC_C(in);
        if (op == NF_OPC_FEEDBACK) { /* member-table entry B of R[A]'s entity, or the object */
            bool assoc = b < f->nmembers && (f->members[b] & NF_BC_ASSOC_MEMBER);
            fprintf(out, " r%u", a);
            if (b == 255)
                fputs(" (object)", out);
            else if (assoc)
                fprintf(out, " /%s", assoc_name(m, f, b));
            else
                fprintf(out, " .%s", attr_name(m, f, a, b));
            fprintf(out, " r%u", c);
            break;
        }
        /* GETA/SETA name attributes of the object operand */
        uint32_t obj = op == NF_OPC_SETA ? a : b;
        operand(m, f, info->operand[0], a, pc, 0, obj, out);
        operand(m, f, info->operand[1], b, pc, info->operand[1] == NF_OPND_IMM ? NF_BC_SB(in) : 0,
                obj, out);
        /* a function without arguments has no argument block */
        if (op != NF_OPC_CALLFN || b >= NF_FN_COUNT_ || nf_bc_fninfo_table[b].args[0])
            operand(m, f, info->operand[2], c, pc,
                    info->operand[2] == NF_OPND_IMM ? NF_BC_SC(in) : 0, obj, out);
        break;
    }
    case NF_FMT_ABx:
        if (op == NF_OPC_SHOWPAGE) { /* A is the first argument register, when there are any */
            uint32_t d = NF_BC_BX(in);
            if (d < f->ndescs && f->descs[d].n >= 3 && f->descs[d].w[2] > 0)
                fprintf(out, " r%u", NF_BC_A(in));
            fprintf(out, " d%u", d);
            break;
        }
        operand(m, f, info->operand[0], NF_BC_A(in), pc, 0, 0, out);
        if (op == NF_OPC_LOADE) { /* the value by name, from the register's enumeration */
            uint32_t a = NF_BC_A(in), v = NF_BC_BX(in);
            const nf_bc_enum *en =
                a < f->nregs && f->regs[a].ref < m->nenums ? &m->enums[f->regs[a].ref] : NULL;
            if (en && v < en->nvalues)
                fprintf(out, " %s.%s", S(m, en->name), S(m, en->value_names[v]));
            else
                fprintf(out, " #%u", v);
            break;
        }
        operand(m, f, info->operand[1], NF_BC_BX(in), pc, 0, 0, out);
        if (op == NF_OPC_LOADK) {
            fputs("   ; ", out);
            print_const(m, NF_BC_BX(in), out);
        }
        break;
    case NF_FMT_AsBx:
        operand(m, f, info->operand[0], NF_BC_A(in), pc, 0, 0, out);
        operand(m, f, info->operand[1], 0, pc, NF_BC_SBX(in), 0, out);
        break;
    case NF_FMT_sJ: operand(m, f, info->operand[0], 0, pc, NF_BC_SJ(in), 0, out); break;
    }
}

static void print_desc(const nf_bc_module *m, const nf_bc_flow *f, uint32_t i, FILE *out) {
    const nf_bc_desc *d = &f->descs[i];
    static const char *const kinds[NF_DESC_COUNT_] = {"retrieve", "sort", "aggregate", "find",
                                                      "page"};
    fprintf(out, "    d%u %s", i, d->kind < NF_DESC_COUNT_ ? kinds[d->kind] : "?");
    if (d->kind == NF_DESC_RETRIEVE && d->n >= 6) {
        fprintf(out, " %s", d->w[0] < m->nentities ? S(m, m->entities[d->w[0]].name) : "?");
        if (d->w[1] != NF_BC_NONE) {
            fputs(" where [", out);
            print_xpath(m, d->w[1], d->w[0], 0, out);
            fputc(']', out);
        }
        if (d->w[2]) fputs(" first", out);
        if (d->w[3] != NF_BC_NONE) fprintf(out, " limit r%u", d->w[3]);
        if (d->w[4] != NF_BC_NONE) fprintf(out, " offset r%u", d->w[4]);
        for (uint32_t k = 0; k < d->w[5] && 7 + 2 * k < d->n; k++) {
            const nf_bc_attr *a =
                d->w[0] < m->nentities ? nf_bc_entity_attr(m, d->w[0], d->w[6 + 2 * k]) : NULL;
            fprintf(out, "%s%s%s", k ? ", " : " sort by ", a ? S(m, a->name) : "?",
                    d->w[7 + 2 * k] ? " desc" : "");
        }
    } else if (d->kind == NF_DESC_PAGE && d->n >= 3) {
        fprintf(out, " %s (", S(m, d->w[0]));
        for (uint32_t k = 0; k < d->w[2] && 3 + k < d->n; k++)
            fprintf(out, "%s%s", k ? ", " : "",
                    d->w[3 + k] != NF_BC_NONE ? S(m, d->w[3 + k]) : "?");
        fputc(')', out);
        if (d->w[1] != NF_BC_NONE) fprintf(out, " title r%u", d->w[1]);
        if (d->n == 5 + d->w[2]) {
            uint32_t kind = d->w[3 + d->w[2]], reg = d->w[4 + d->w[2]];
            if (kind == 1) fprintf(out, " close pages r%u", reg);
            if (kind == 2) fputs(" close pages all", out);
            if (kind == 3) fputs(" close pages clear history", out);
        }
    } else {
        for (uint32_t k = 0; k < d->n; k++)
            fprintf(out, " %u", d->w[k]);
    }
    fputc('\n', out);
}

static void print_flow(const nf_bc_module *m, const nf_bc_flow *f, FILE *out) {
    static const char *const kinds[] = {"nanoflow", "microflow", "rule"};
    fprintf(out, "\n%s %s", f->kind <= NF_BF_RULE ? kinds[f->kind] : "?", S(m, f->name));
    fprintf(out, "  (%u parameter%s, returns ", f->nparams, f->nparams == 1 ? "" : "s");
    print_type(m, f->ret, out);
    fprintf(out, ", %u registers, %u instructions)", f->nregs, f->ncode);
    if (f->file != NF_BC_NONE) fprintf(out, "  %s", S(m, f->file));
    fputs("\n  registers:\n", out);
    for (uint32_t r = 0; r < f->nregs; r++) {
        fprintf(out, "    r%-3u %-20s ", r,
                f->reg_names[r] != NF_BC_NONE ? S(m, f->reg_names[r]) : "");
        print_type(m, f->regs[r], out);
        if (r < f->nparams) fputs("  (parameter)", out);
        fputc('\n', out);
    }
    fputs("  code:\n", out);
    uint32_t li = 0;
    for (uint32_t pc = 0; pc < f->ncode; pc++) {
        while (li + 1 < f->nlines && f->lines[li + 1].pc <= pc)
            li++;
        if (li < f->nlines && f->lines[li].pc == pc)
            fprintf(out, "    %4u  %5u  ", pc, f->lines[li].line);
        else
            fprintf(out, "    %4u         ", pc);
        print_insn(m, f, pc, out);
        fputc('\n', out);
    }
    if (f->nhandlers) {
        static const char *const hk[] = {"custom", "custom without rollback", "continue",
                                         "rollback"};
        fputs("  handlers:\n", out);
        for (uint32_t h = 0; h < f->nhandlers; h++) {
            const nf_bc_handler *hd = &f->handlers[h];
            fprintf(out, "    [%u, %u) -> %u  %s", hd->start, hd->end, hd->target,
                    hd->kind <= 3 ? hk[hd->kind] : "?");
            if (hd->error_reg != 255) fprintf(out, "  error r%u", hd->error_reg);
            if (hd->type_reg != 255) fprintf(out, "  type r%u", hd->type_reg);
            if (hd->result_reg != 255) fprintf(out, "  clears r%u", hd->result_reg);
            fputc('\n', out);
        }
    }
    if (f->ndescs) {
        fputs("  descriptors:\n", out);
        for (uint32_t d = 0; d < f->ndescs; d++)
            print_desc(m, f, d, out);
    }
}

void nf_bc_disasm(const nf_bc_module *m, FILE *out) {
    fprintf(out, "module  model hash %016" PRIx64 "\n", m->model_hash);
    fprintf(out,
            "  %u enumerations, %u entities, %u associations, %u flows, %u actions, %u roles, %u "
            "users\n",
            m->nenums, m->nentities, m->nassocs, m->nflows, m->nactions, m->nroles, m->nusers);
    if (m->nconsts) {
        fputs("constants:\n", out);
        for (uint32_t k = 0; k < m->nconsts; k++) {
            fprintf(out, "  K%-4u %-8s ", k, kind_name(m->consts[k].kind));
            print_const(m, k, out);
            fputc('\n', out);
        }
    }
    for (uint32_t i = 0; i < m->nflows; i++)
        print_flow(m, &m->flows[i], out);
}
