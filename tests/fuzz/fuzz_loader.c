/* fuzz_loader.c — libFuzzer target for the bytecode loader and verifier (DESIGN §5, §10).
 *
 * Each input is loaded twice:
 *   1. as it is, so the header checks (magic, version, length, checksum) are fuzzed;
 *   2. resealed — the header's total length and checksum rewritten to match the bytes — so
 *      that mutations get past the checksum and reach the section readers and the verifier.
 *      (Without this nearly every mutation would stop at the checksum.)
 *
 * Beyond "no crash, no hang, no sanitizer report" the target checks what nf_bc.h promises,
 * and aborts when a promise is broken:
 *   - a failed load writes a non-empty message and leaves the module empty;
 *   - a loaded module passes nf_bc_verify and disassembles to some text;
 *   - a loaded module writes out to bytes that load again, and writing that module gives the
 *     same bytes once more (the written form is canonical).
 *
 * Replay the seed corpus:  fuzz_loader tests/fuzz/corpus/loader -runs=0
 * Fuzz:                    fuzz_loader WORKDIR tests/fuzz/corpus/loader */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bc_format.h"
#include "nf_bc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_loader: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* Loads the bytes and checks every promise; returns whether the load succeeded. */
static int check(const uint8_t *p, size_t n) {
    static const nf_bc_module zero;
    nf_bc_module m;
    char err[256];
    memset(err, 'x', sizeof err);
    if (!nf_bc_load(p, n, &m, err, sizeof err)) {
        if (!memchr(err, '\0', sizeof err)) broken("the error message is not terminated", NULL);
        if (!err[0]) broken("a load failed without a message", NULL);
        if (memcmp(&m, &zero, sizeof zero) != 0)
            broken("a failed load left the module non-empty", err);
        return 0;
    }
    if (!nf_bc_verify(&m, err, sizeof err)) broken("a loaded module fails verification", err);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out) {
        nf_bc_disasm(&m, out);
        if (fclose(out) == 0 && len == 0) broken("a loaded module disassembles to nothing", NULL);
        free(text);
    }

    uint8_t *once = NULL, *twice = NULL;
    size_t once_n = 0, twice_n = 0;
    if (!nf_bc_write(&m, &once, &once_n)) { /* out of memory: nothing more to check */
        nf_bc_free(&m);
        return 1;
    }
    nf_bc_module again;
    if (!nf_bc_load(once, once_n, &again, err, sizeof err))
        broken("a loaded module, written out, does not load again", err);
    if (nf_bc_write(&again, &twice, &twice_n)) {
        if (twice_n != once_n || memcmp(once, twice, once_n) != 0)
            broken("writing a module that was loaded from written bytes gives other bytes", NULL);
        free(twice);
    }
    nf_bc_free(&again);
    free(once);
    nf_bc_free(&m);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check(data, size);
    if (size < NF_BC_HEADER_SIZE || size > UINT32_MAX) return 0;
    uint8_t *p = malloc(size);
    if (!p) return 0;
    memcpy(p, data, size);
    nf_bc_reseal(p, size);                                         /* total length and checksum */
    if (memcmp(p, data, NF_BC_CHECKSUM_FROM) != 0) check(p, size); /* else: the same bytes again */
    free(p);
    return 0;
}
