/* bc_opdoc.h — docs/opcodes.md, generated from the X-macro tables (opcodes.def, builtins.def).
 * Depends on libc only. */
#ifndef NF_BC_OPDOC_H
#define NF_BC_OPDOC_H

#include <stdio.h>

/* Writes the Markdown of docs/opcodes.md to out: a legend of instruction formats, operand kinds
 * and flags, one table row per opcode (grouped as in opcodes.def) and one row per built-in
 * function form. The output depends only on the tables, so it is byte-for-byte reproducible;
 * tests/unit/test_opdoc.c compares it with the committed file and the `docs-opcodes` build
 * target rewrites the file. */
void nf_bc_opcodes_markdown(FILE *out);

#endif
