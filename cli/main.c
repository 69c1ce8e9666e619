/* main.c — `nanoflow`: dispatches to the subcommands (DESIGN §9). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef NF_VERSION
#define NF_VERSION "0.1.0"
#endif

static void usage(FILE *out) {
    fprintf(
        out,
        "nanoflow %s — offline-first logic runtime for Mendix-style nanoflows\n"
        "\n"
        "usage: nanoflow <command> [options] [arguments]\n"
        "\n"
        "commands:\n"
        "  check FILE.mdl|DIR...     check sources: diagnostics only (exit 0 clean, 1 errors)\n"
        "  compile FILE.mdl|DIR... -o APP.nfb   compile to a verified bytecode module\n"
        "  disasm APP.nfb|FILE.mdl...           list a module's flows, registers and code\n"
        "  run APP MODULE.FLOW [--arg NAME=VALUE]...   run a flow (APP: .nfb or .mdl files)\n"
        "  eval EXPR                 evaluate one expression\n"
        "  serve APP [--db PATH] [--listen HOST:PORT]   run the reference sync server\n"
        "  lint FILE.mdl|DIR...      report offline best practices the sources break (NF6xxx)\n"
        "  compat OLD NEW            list changes that break deployed offline clients\n"
        "                            (OLD, NEW: .nfb, .mdl or directory; or --old ... --new ...)\n"
        "  quarantine APP --db PATH [--resubmit QID]    list or resubmit a device's rejected\n"
        "                            objects (also: nanoflow sync quarantine …)\n"
        "  test FILE.mdl|DIR... [--filter P] [--junit F] [--coverage]   run create test\n"
        "  help                      show this help\n"
        "  version                   show the version\n"
        "\n"
        "Run 'nanoflow <command> --help' for a command's options. Documentation: docs/cli.md.\n",
        NF_VERSION);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return NF_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "check") == 0) return nf_cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "compile") == 0) return nf_cmd_compile(argc - 1, argv + 1);
    if (strcmp(cmd, "disasm") == 0) return nf_cmd_disasm(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0) return nf_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "eval") == 0) return nf_cmd_eval(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0) return nf_cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "lint") == 0) return nf_cmd_lint(argc - 1, argv + 1);
    if (strcmp(cmd, "compat") == 0) return nf_cmd_compat(argc - 1, argv + 1);
    if (strcmp(cmd, "quarantine") == 0) return nf_cmd_quarantine(argc - 1, argv + 1);
    if (strcmp(cmd, "sync") == 0 && argc > 2 && strcmp(argv[2], "quarantine") == 0)
        return nf_cmd_quarantine(argc - 2, argv + 2);
    if (strcmp(cmd, "test") == 0) return nf_cmd_test(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return NF_EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("nanoflow %s\n", NF_VERSION);
        return NF_EXIT_OK;
    }
    fprintf(stderr, "nanoflow: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return NF_EXIT_USAGE;
}
