/* bc_opdoc.c — docs/opcodes.md from the X-macro tables.
 *
 * The opcode rows come from nf_bc_opinfo_table (opcodes.def), the built-in rows from
 * builtins.def. The section headings repeat the `/ * ---- title ---- * /` comments of
 * opcodes.def, which the preprocessor cannot see: `groups` below names each section's first
 * opcode, and tests/unit/test_opdoc.c checks it against the comments in opcodes.def. */
#include <ctype.h>
#include <string.h>

#include "bc_opdoc.h"
#include "nf_bc.h"

/* ---- the legend ------------------------------------------------------------------------------ */

static const struct {
    const char *name, *fields, *values;
} formats[] = {
    [NF_FMT_ABC] = {"ABC", "A = bits 8–15, B = bits 16–23, C = bits 24–31",
                    "A, B, C unsigned (0–255); an `IMM` in C is sC = C − 127 (−127 … 128)"},
    [NF_FMT_ABx] = {"ABx", "A = bits 8–15, Bx = bits 16–31", "Bx unsigned (0–65535)"},
    [NF_FMT_AsBx] = {"AsBx", "A = bits 8–15, sBx = bits 16–31",
                     "sBx = Bx − 32767 (−32767 … 32768)"},
    [NF_FMT_sJ] = {"sJ", "sJ = bits 8–31", "sJ = (word >> 8) − 8388607 (−8388607 … 8388608)"},
};

#define NF_OPDOC_NKINDS (NF_OPND_U + 1)

static const struct {
    const char *name, *meaning;
} kinds[NF_OPDOC_NKINDS] = {
    [NF_OPND__] = {"_", "unused: the field must be 0"},
    [NF_OPND_RB] = {"RB", "register read, Boolean"},
    [NF_OPND_RI] = {"RI", "register read, Integer/Long (64-bit)"},
    [NF_OPND_RD] = {"RD", "register read, Decimal"},
    [NF_OPND_RS] = {"RS", "register read, String"},
    [NF_OPND_RT] = {"RT", "register read, DateTime"},
    [NF_OPND_RE] = {"RE", "register read, an enumeration (the register type names which)"},
    [NF_OPND_RO] = {"RO", "register read, an object (the register type names the entity)"},
    [NF_OPND_RL] = {"RL", "register read, a list (the register type names the entity)"},
    [NF_OPND_RV] = {"RV", "register read, any value type (not Nothing)"},
    [NF_OPND_WB] = {"WB", "register written, Boolean"},
    [NF_OPND_WI] = {"WI", "register written, Integer/Long"},
    [NF_OPND_WD] = {"WD", "register written, Decimal"},
    [NF_OPND_WS] = {"WS", "register written, String"},
    [NF_OPND_WT] = {"WT", "register written, DateTime"},
    [NF_OPND_WE] = {"WE", "register written, an enumeration"},
    [NF_OPND_WO] = {"WO", "register written, an object"},
    [NF_OPND_WL] = {"WL", "register written, a list"},
    [NF_OPND_WV] = {"WV", "register written, any value type (not Nothing)"},
    [NF_OPND_K] = {"K", "index into the module's constant pool"},
    [NF_OPND_IMM] = {"IMM", "immediate signed integer (sBx, or sC in the C field)"},
    [NF_OPND_JMP] = {"JMP",
                     "jump offset relative to the next instruction: target = pc + 1 + offset"},
    [NF_OPND_ENT] = {"ENT", "entity index"},
    [NF_OPND_FLW] = {"FLW", "flow index"},
    [NF_OPND_ATT] = {"ATT", "entry of the flow's member table holding an attribute index in the "
                            "flattened layout of the object operand's entity (inherited attributes "
                            "first)"},
    [NF_OPND_ASC] = {"ASC", "entry of the flow's member table holding an association index"},
    [NF_OPND_FN] = {"FN", "built-in function form (see the last table)"},
    [NF_OPND_ACT] = {"ACT", "custom action index"},
    [NF_OPND_DSC] = {"DSC", "index into the flow's descriptor table"},
    [NF_OPND_EVAL] = {"EVAL", "value index of the register's enumeration"},
    [NF_OPND_STR] = {"STR", "index into the module's string table"},
    [NF_OPND_U] = {"U", "small unsigned number (a count or flags; the semantics say which)"},
};

static const struct {
    unsigned bit;
    const char *name, *meaning;
} flags[] = {
    {NF_OPF_THROWS, "THROWS", "can raise an error, which the flow's handler table may catch"},
    {NF_OPF_JUMP, "JUMP", "changes pc (a test skips the next instruction)"},
    {NF_OPF_CALL, "CALL", "enters another frame or the host"},
    {NF_OPF_STORE, "STORE", "touches the object store"},
    {NF_OPF_BACK, "BACK",
     "a backward jump: checks the instruction budget and the cancellation flag"},
    {NF_OPF_END, "END", "ends the frame"},
};

/* Section headings of opcodes.def, each with the opcode that follows the comment. */
static const struct {
    const char *first, *title;
} groups[] = {
    {"NOP", "moves and constants"},
    {"ADD_I", "integers (Integer/Long: int64, overflow is an error)"},
    {"ADD_D", "decimals (exact + - *, division by the flow kind's rule)"},
    {"CONCAT", "strings and conversions"},
    {"JMP", "tests and jumps: a test skips the next instruction (a JMP) unless it holds"},
    {"CALL", "calls"},
    {"NEW", "objects"},
    {"NEWLIST", "lists"},
    {"SHOWMSG", "client and synchronization"},
};

static const char *const fn_ids[NF_FN_COUNT_] = {
#define FN(id, name, args, result) #id,
#include "builtins.def"
#undef FN
};

static const struct {
    char letter;
    const char *meaning;
} letters[] = {
    {'B', "Boolean"},   {'I', "Integer/Long"},
    {'D', "Decimal"},   {'S', "String"},
    {'T', "DateTime"},  {'E', "enumeration"},
    {'O', "object"},    {'L', "list"},
    {'V', "any value"}, {'N', "number: Integer/Long or Decimal"},
};

/* ---- output helpers ----------------------------------------------------------------------------
 */

/* Text in a table cell or heading: characters Markdown would interpret are escaped. */
static void md(FILE *out, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '|': fputs("\\|", out); break;
        case '*': fputs("\\*", out); break;
        case '_': fputs("\\_", out); break;
        case '`': fputs("\\`", out); break;
        case '\\': fputs("\\\\", out); break;
        case '<': fputs("&lt;", out); break;
        default: fputc(*s, out); break;
        }
    }
}

static void kind_cell(FILE *out, const char *field, unsigned kind) {
    if (kind == NF_OPND__) {
        fputs(" — |", out);
        return;
    }
    fputc(' ', out);
    if (field) fprintf(out, "%s: ", field);
    if (kind < NF_OPDOC_NKINDS && kinds[kind].name)
        fprintf(out, "`%s` |", kinds[kind].name);
    else
        fprintf(out, "kind %u |", kind);
}

static void flags_cell(FILE *out, unsigned f) {
    bool any = false;
    fputc(' ', out);
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (!(f & flags[i].bit)) continue;
        fprintf(out, "%s%s", any ? " " : "", flags[i].name);
        any = true;
        f &= ~flags[i].bit;
    }
    if (f) fprintf(out, "%s0x%x", any ? " " : "", f);
    if (!any && !f) fputs("—", out);
    fputs(" |", out);
}

static void table_head(FILE *out) {
    fputs("| Op | Name | Format | A | B | C | Flags | Semantics |\n"
          "|---:|---|---|---|---|---|---|---|\n",
          out);
}

static void opcode_row(FILE *out, unsigned op) {
    const nf_bc_opinfo *in = &nf_bc_opinfo_table[op];
    fprintf(out, "| %u | `%s` | %s |", op, in->name,
            in->format < sizeof formats / sizeof formats[0] ? formats[in->format].name : "?");
    switch ((nf_bc_format)in->format) {
    case NF_FMT_ABC:
        kind_cell(out, NULL, in->operand[0]);
        kind_cell(out, NULL, in->operand[1]);
        kind_cell(out, in->operand[2] == NF_OPND_IMM ? "sC" : NULL, in->operand[2]);
        break;
    case NF_FMT_ABx:
    case NF_FMT_AsBx:
        kind_cell(out, NULL, in->operand[0]);
        kind_cell(out, in->format == NF_FMT_ABx ? "Bx" : "sBx", in->operand[1]);
        kind_cell(out, NULL, in->operand[2]);
        break;
    case NF_FMT_sJ:
        kind_cell(out, "sJ", in->operand[0]);
        kind_cell(out, NULL, in->operand[1]);
        kind_cell(out, NULL, in->operand[2]);
        break;
    default: fputs(" ? | ? | ? |", out); break;
    }
    flags_cell(out, in->flags);
    fputc(' ', out);
    md(out, in->text);
    fputs(" |\n", out);
}

static const char *group_title(unsigned op) {
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        if (strcmp(groups[g].first, nf_bc_opinfo_table[op].name) == 0) return groups[g].title;
    return NULL;
}

/* ---- the document ------------------------------------------------------------------------------
 */

static void legend(FILE *out) {
    fputs(
        "## Instruction formats\n\n"
        "An instruction is one 32-bit word, stored little-endian in a flow's code. Bits 0–7 hold\n"
        "the opcode (the Op column below); the format says how the other 24 bits divide into\n"
        "fields. Jumps (`JMP` operands) are relative to the next instruction: the target is\n"
        "pc + 1 + offset.\n\n"
        "| Format | Fields | Values |\n"
        "|---|---|---|\n",
        out);
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        fprintf(out, "| %s | %s | %s |\n", formats[i].name, formats[i].fields, formats[i].values);
    fputs("\n## Operand kinds\n\n"
          "Columns A, B and C of the opcode tables give each field's kind. In ABx and AsBx the\n"
          "B column is the 16-bit Bx/sBx field and C is unused; in sJ the A column is the 24-bit\n"
          "sJ field. The verifier checks every operand against its kind: register operands name a\n"
          "register of the flow whose declared type matches, index operands are in range, and the\n"
          "operands whose validity depends on other operands (`ATT`, `ASC`, `DSC`, `EVAL`, `U`,\n"
          "`JMP`) are checked by the opcode's own rule. Register operands marked read or written\n"
          "document the data flow; the verifier checks both kinds the same way. A register may\n"
          "hold `empty` whatever its type.\n\n"
          "| Kind | Meaning |\n"
          "|---|---|\n",
          out);
    for (unsigned k = 0; k < NF_OPDOC_NKINDS; k++) {
        if (!kinds[k].name) continue;
        fprintf(out, "| `%s` | ", kinds[k].name);
        md(out, kinds[k].meaning);
        fputs(" |\n", out);
    }
    fputs("\n## Flags\n\n"
          "| Flag | Meaning |\n"
          "|---|---|\n",
          out);
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        fprintf(out, "| %s | %s |\n", flags[i].name, flags[i].meaning);
}

static void opcodes(FILE *out) {
    fprintf(out,
            "\n## Opcodes\n\n"
            "%u opcodes, numbered in table order from 0. R[X] is register X of the running frame\n"
            "and K[X] constant X. In the semantics pc has already moved to the next instruction:\n"
            "`pc += sJ` continues at (index of this instruction) + 1 + sJ, and `pc++` skips the\n"
            "next instruction.\n",
            (unsigned)NF_OPC_COUNT_);
    bool open = false;
    for (unsigned op = 0; op < NF_OPC_COUNT_; op++) {
        const char *title = group_title(op);
        if (title) {
            fputs("\n### ", out);
            fputc(toupper((unsigned char)title[0]), out);
            md(out, title + 1);
            fputs("\n\n", out);
            table_head(out);
            open = true;
        } else if (!open) {
            fputc('\n', out);
            table_head(out);
            open = true;
        }
        opcode_row(out, op);
    }
}

static void builtins(FILE *out) {
    fprintf(out,
            "\n## Built-in function forms\n\n"
            "`CALLFN A B C` calls form B with its arguments in R[C], R[C+1], … and writes the\n"
            "result to R[A]; the verifier checks every argument register and the result register\n"
            "against the letters below. Optional arguments are separate forms; `max` and `min` of\n"
            "more than two values are chains of the two-argument form. %u forms.\n\n"
            "| Letter | Type |\n"
            "|---|---|\n",
            (unsigned)NF_FN_COUNT_);
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
        fprintf(out, "| %c | %s |\n", letters[i].letter, letters[i].meaning);
    fputs("\n| B | Form | Function | Arguments | Result |\n"
          "|---:|---|---|---|---|\n",
          out);
    for (unsigned i = 0; i < NF_FN_COUNT_; i++) {
        const nf_bc_fninfo *fn = &nf_bc_fninfo_table[i];
        fprintf(out, "| %u | `%s` | `%s` | %s%s%s | `%s` |\n", i, fn_ids[i], fn->name,
                fn->args[0] ? "`" : "—", fn->args, fn->args[0] ? "`" : "", fn->result);
    }
}

void nf_bc_opcodes_markdown(FILE *out) {
    fputs(
        "# nanoflow instruction set\n\n"
        "<!-- Generated from bytecode/opcodes.def and bytecode/builtins.def by\n"
        "     nf_bc_opcodes_markdown() in bytecode/bc_opdoc.c. Do not edit: change the tables\n"
        "     and run `cmake --build build --target docs-opcodes`. -->\n\n"
        "The register machine's instructions and built-in functions, generated from the X-macro\n"
        "tables the compiler, verifier, disassembler and VM are built from. The module file that\n"
        "carries the code is described in [bytecode.md](bytecode.md).\n\n",
        out);
    legend(out);
    opcodes(out);
    builtins(out);
}
