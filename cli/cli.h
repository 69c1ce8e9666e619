/* cli.h — the nanoflow command: shared helpers for the subcommands. */
#ifndef NF_CLI_H
#define NF_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "nf_compiler.h"

/* Exit codes (DESIGN §9). */
enum { NF_EXIT_OK = 0, NF_EXIT_USER = 1, NF_EXIT_USAGE = 2 };

typedef enum nf_cli_format { NF_FORMAT_TEXT, NF_FORMAT_JSON } nf_cli_format;

/* Adds FILE.mdl arguments (or directories: every *.mdl inside, sorted) to a compilation.
 * Reports unreadable paths on stderr and returns false. */
bool nf_cli_add_sources(nf_cc_compilation *c, int argc, char **argv);
/* Prints diagnostics as text (stderr) or JSON (stdout). */
void nf_cli_print_diagnostics(nf_cc_compilation *c, nf_cli_format fmt, bool color);
/* Whether to color output on stream (auto: a terminal and NO_COLOR unset). */
bool nf_cli_use_color(FILE *stream, const char *mode);

int nf_cmd_check(int argc, char **argv);
int nf_cmd_compile(int argc, char **argv);
int nf_cmd_disasm(int argc, char **argv);

#endif
