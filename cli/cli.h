/* cli.h — the nanoflow command: shared helpers for the subcommands. */
#ifndef NF_CLI_H
#define NF_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nf_compiler.h"

/* Exit codes (DESIGN §9). */
enum { NF_EXIT_OK = 0, NF_EXIT_USER = 1, NF_EXIT_USAGE = 2 };

typedef enum nf_cli_format { NF_FORMAT_TEXT, NF_FORMAT_JSON } nf_cli_format;

/* Adds FILE.mdl arguments (or directories: every *.mdl inside, sorted) to a compilation.
 * Reports unreadable paths on stderr and returns false. */
bool nf_cli_add_sources(nf_cc_compilation *c, int argc, char **argv);
/* Whether s ends with suffix (".nfb", ".mdl"). */
bool nf_cli_ends_with(const char *s, const char *suffix);
/* Reads a whole file (malloc'ed, *len bytes); NULL with errno set on failure. */
uint8_t *nf_cli_read_file(const char *path, size_t *len);
/* Prints diagnostics as text (stderr) or JSON (stdout). */
void nf_cli_print_diagnostics(nf_cc_compilation *c, nf_cli_format fmt, bool color);
/* Whether to color output on stream (auto: a terminal and NO_COLOR unset). */
bool nf_cli_use_color(FILE *stream, const char *mode);

/* Options shared by the subcommands (options.c). */
typedef struct nf_cli_opts {
    nf_cli_format format; /* --format text|json */
    const char *color;    /* --color auto|always|never */
    bool accepts_output;  /* whether -o FILE is an option of this command */
    const char *output;   /* -o FILE */
} nf_cli_opts;
/* Parses the option at argv[*i] (advancing *i past its value): 1 when it was one, 0 when
 * argv[*i] is not an option (a source path), -1 after printing a usage error. */
int nf_cli_option(const char *cmd, int argc, char **argv, int *i, nf_cli_opts *o);

/* The value of option `name` at argv[*i] ("--name value" or "--name=value"), advancing *i past
 * a separate value; NULL when argv[*i] is not that option; *missing when the value is absent. */
const char *nf_cli_value_of(const char *name, int argc, char **argv, int *i, bool *missing);

/* Installs the UI and log callbacks of run and eval (host_ui.c): stderr lines, or JSON lines
 * while *json is true (json stays borrowed as host->ud). */
struct nf_host;
void nf_cli_host_ui(struct nf_host *host, bool *json);

int nf_cmd_check(int argc, char **argv);
int nf_cmd_run(int argc, char **argv);
int nf_cmd_eval(int argc, char **argv);
int nf_cmd_compile(int argc, char **argv);
int nf_cmd_disasm(int argc, char **argv);
int nf_cmd_serve(int argc, char **argv);
int nf_cmd_lint(int argc, char **argv);
int nf_cmd_compat(int argc, char **argv);
int nf_cmd_quarantine(int argc, char **argv);
int nf_cmd_test(int argc, char **argv);

#endif
