/* fuzz_vm.c — libFuzzer target for the VM behind the verifier (DESIGN §5, §10): "a malformed
 * module can never crash or hang the VM".
 *
 * Each input is a bytecode module. Its header is resealed first — total length and checksum
 * rewritten to match the bytes, as fuzz_loader does — so that mutations get past the checksum
 * and reach the section readers and the verifier. When nf_module_load accepts the module, every
 * flow runs once through the public API (include/nanoflow.h), with no arguments (every parameter
 * empty) and bounded limits, and the results are rendered the way a host would render them.
 * Whatever the verifier lets through must run safely: no crash, no hang, no leak, no sanitizer
 * report.
 *
 * The host is deterministic (../vm_host.h, shared with tests/unit/test_vm_mutations.c): a
 * constant clock and random source, and action, microflow and page callbacks that answer with an
 * empty value, fail, or suspend the call, in a fixed rotation. A suspended call is resumed with
 * nothing, resumed with an error, or abandoned, also in rotation, and always abandoned after a
 * few rounds. Where the rotation starts depends on the input's size.
 *
 * Seeds (in corpus/vm, each under 64 KB), compiled with `nanoflow compile`: the flow goldens in
 * tests/flows (flows_NAME.nfb), examples/inspection (inspection.nfb) and the apps of
 * tests/unit/test_vm_mutations.c (mini_NAME.nfb). Regenerate them after a change to the module
 * format. Reproducers of past findings are kept there as crash-*.nfb.
 *
 * A module is a tight structure: inserting or erasing a byte shifts every section behind it, and
 * the loader rejects the result. So most mutations here keep the size and change a few bytes in
 * place — a bit, plus or minus one, a byte or 32-bit word from elsewhere in the module, 0, 0xFF —
 * which is what gets a mutant past the verifier to the interpreter; the rest are libFuzzer's own.
 *
 * Replay the seed corpus:  fuzz_vm -runs=0 tests/fuzz/corpus/vm
 * Fuzz:                    fuzz_vm -max_len=65536 -timeout=10 WORKDIR tests/fuzz/corpus/vm */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bc_format.h"
#include "nanoflow.h"
#include "nf_bc.h"

#include "../vm_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

enum { MAX_FLOWS = 256 }; /* flows run per module; the rest are skipped */

/* Renders a flow's result, then frees it. */
static void take(nf_value *result) {
    if (!result) return;
    nf_free(nf_value_to_text(result));
    nf_free(nf_value_to_json(result));
    nf_value_free(result);
}

/* Runs one flow with every parameter empty; drives suspensions to an end. */
static void run_flow(nf_runtime *rt, host_state *h, const char *name) {
    nf_value *result = NULL;
    nf_status st = host_call(rt, h, name, &result, NULL, NULL);
    if (st == NF_SUSPENDED) return; /* abandoned */
    if (st == NF_OK) {
        take(result);
    } else {
        (void)nf_runtime_error_type(rt);
        (void)nf_runtime_error_flow(rt);
        (void)nf_runtime_error_line(rt);
        const char *msg = nf_runtime_error_message(rt);
        if (msg) (void)strlen(msg);
    }
}

static void run_module(const nf_module *mod, unsigned first_turn) {
    host_state h = {first_turn};
    char *err = NULL;
    nf_runtime *rt = host_runtime(mod, &h, NULL, NULL, &err);
    if (!rt) {
        nf_free(err);
        return;
    }
    size_t n = nf_module_flow_count(mod);
    for (size_t i = 0; i < n && i < MAX_FLOWS; i++) {
        const char *name = nf_module_flow_name(mod, i);
        if (name) run_flow(rt, &h, name);
    }
    nf_runtime_free(rt);
}

/* xorshift32: the mutator's choices follow from libFuzzer's seed, so runs are reproducible. */
static uint32_t next_random(uint32_t *state) {
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    uint32_t r = seed;
    if (size <= NF_BC_HEADER_SIZE || next_random(&r) % 4 == 0)
        return LLVMFuzzerMutate(data, size, max_size);
    unsigned changes = 1 + next_random(&r) % 3;
    for (unsigned k = 0; k < changes; k++) {
        size_t at = NF_BC_CHECKSUM_FROM + next_random(&r) % (size - NF_BC_CHECKSUM_FROM);
        switch (next_random(&r) % 7) {
        case 0: data[at] ^= (uint8_t)(1u << (next_random(&r) % 8)); break;
        case 1: data[at]++; break;
        case 2: data[at]--; break;
        case 3: data[at] = 0; break;
        case 4: data[at] = 0xff; break;
        case 5: data[at] = data[next_random(&r) % size]; break;
        default: { /* a 32-bit word (an index, a count, an instruction) from elsewhere */
            at &= ~(size_t)3;
            size_t from = (next_random(&r) % size) & ~(size_t)3;
            if (at + 4 <= size && from + 4 <= size) memmove(data + at, data + from, 4);
        }
        }
    }
    return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < NF_BC_HEADER_SIZE || size > UINT32_MAX) return 0;
    uint8_t *p = malloc(size);
    if (!p) return 0;
    memcpy(p, data, size);
    nf_bc_reseal(p, size); /* total length and checksum */
    nf_module *mod = NULL;
    char *err = NULL;
    if (nf_module_load(p, size, &mod, &err) == NF_OK) {
        run_module(mod, (unsigned)size); /* where the host's rotation starts */
        nf_module_free(mod);
    } else {
        nf_free(err);
    }
    free(p);
    return 0;
}
