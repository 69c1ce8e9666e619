/* cmd_compile.c — `nanoflow compile FILE.mdl|DIR... -o APP.nfb` and `nanoflow disasm APP`.
 * APP is a .nfb module (loaded and verified) or MDL sources (compiled in memory). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nf_bc.h"

static int usage_error(const char *cmd, const char *msg) {
    fprintf(stderr, "nanoflow %s: %s\n", cmd, msg);
    return NF_EXIT_USAGE;
}

int nf_cmd_compile(int argc, char **argv) {
    nf_cli_opts o = {NF_FORMAT_TEXT, "auto", true, NULL};
    char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    if (!files) return NF_EXIT_USER;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: nanoflow compile FILE.mdl|DIR... -o APP.nfb [--format text|json] "
                   "[--color auto|always|never]\n\n"
                   "Checks the sources and writes the verified bytecode module. The same sources\n"
                   "always give the same bytes. Exit 0 on success, 1 on errors, 2 on usage "
                   "errors.\n");
            free(files);
            return NF_EXIT_OK;
        }
        int r = nf_cli_option("compile", argc, argv, &i, &o);
        if (r < 0) {
            free(files);
            return NF_EXIT_USAGE;
        }
        if (r == 0) files[nfiles++] = argv[i];
    }
    const char *out = o.output, *color = o.color;
    nf_cli_format fmt = o.format;
    if (!nfiles || !out) {
        free(files);
        return usage_error("compile", "usage: nanoflow compile FILE.mdl|DIR... -o APP.nfb");
    }
    nf_cc_compilation *c = nf_cc_new();
    if (!c || !nf_cli_add_sources(c, nfiles, files)) {
        free(files);
        nf_cc_free(c);
        return NF_EXIT_USAGE;
    }
    free(files);
    nf_bc_module m;
    bool ok = nf_cc_build(c, &m);
    nf_cli_print_diagnostics(c, fmt, nf_cli_use_color(stderr, color));
    int status = NF_EXIT_OK;
    if (!ok) {
        status = NF_EXIT_USER;
    } else {
        uint8_t *bytes;
        size_t len;
        char err[256];
        nf_bc_module check;
        if (!nf_bc_write(&m, &bytes, &len)) {
            fprintf(stderr, "nanoflow compile: out of memory writing the module\n");
            status = NF_EXIT_USER;
        } else if (!nf_bc_load(bytes, len, &check, err, sizeof err)) {
            /* the compiler's output must pass the loader like any other module */
            fprintf(stderr, "nanoflow compile: internal error, the module does not verify: %s\n",
                    err);
            status = NF_EXIT_USER;
            free(bytes);
        } else {
            nf_bc_free(&check);
            FILE *f = fopen(out, "wb");
            if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
                fprintf(stderr, "nanoflow compile: cannot write %s: %s\n", out, strerror(errno));
                status = NF_EXIT_USER;
            } else {
                fprintf(stderr, "wrote %s: %zu bytes, %u flows, model hash %016llx\n", out, len,
                        m.nflows, (unsigned long long)m.model_hash);
            }
            free(bytes);
        }
    }
    nf_cc_free(c);
    return status;
}

int nf_cmd_disasm(int argc, char **argv) {
    char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    if (!files) return NF_EXIT_USER;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf(
                "usage: nanoflow disasm APP.nfb | FILE.mdl...\n\n"
                "Prints the module: constants, then each flow with its registers and types, its\n"
                "instructions with operands and source lines, handler tables and descriptors.\n");
            free(files);
            return NF_EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "nanoflow disasm: unknown option %s\n", argv[i]);
            free(files);
            return NF_EXIT_USAGE;
        }
        files[nfiles++] = argv[i];
    }
    if (!nfiles) {
        free(files);
        return usage_error("disasm", "usage: nanoflow disasm APP.nfb | FILE.mdl...");
    }
    int status = NF_EXIT_OK;
    if (nfiles == 1 && nf_cli_ends_with(files[0], ".nfb")) {
        size_t len;
        uint8_t *bytes = nf_cli_read_file(files[0], &len);
        if (!bytes) {
            fprintf(stderr, "nanoflow disasm: cannot read %s: %s\n", files[0], strerror(errno));
            free(files);
            return NF_EXIT_USAGE;
        }
        nf_bc_module m;
        char err[256];
        if (!nf_bc_load(bytes, len, &m, err, sizeof err)) {
            fprintf(stderr, "nanoflow disasm: %s: %s\n", files[0], err);
            status = NF_EXIT_USER;
        } else {
            nf_bc_disasm(&m, stdout);
            nf_bc_free(&m);
        }
        free(bytes);
        free(files);
        return status;
    }
    nf_cc_compilation *c = nf_cc_new();
    if (!c || !nf_cli_add_sources(c, nfiles, files)) {
        free(files);
        nf_cc_free(c);
        return NF_EXIT_USAGE;
    }
    free(files);
    nf_bc_module m;
    if (nf_cc_build(c, &m)) {
        nf_bc_disasm(&m, stdout);
    } else {
        nf_cli_print_diagnostics(c, NF_FORMAT_TEXT, nf_cli_use_color(stderr, "auto"));
        status = NF_EXIT_USER;
    }
    nf_cc_free(c);
    return status;
}
