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
 * The host is deterministic: a constant clock and random source, and action, microflow and page
 * callbacks that answer with an empty value, fail, or suspend the call, in a fixed rotation. A
 * suspended call is resumed with nothing, resumed with an error, or abandoned, also in rotation,
 * and always abandoned after a few rounds. Where the rotation starts depends on the input's size.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

/* The limits every call runs under: small enough that a runaway flow ends in milliseconds. */
enum {
    BUDGET_INSTRUCTIONS = 20000,
    BUDGET_DEPTH = 50,
    BUDGET_MEMORY = 8 << 20,
    MAX_RESUMES = 4, /* then the suspended call is abandoned */
    MAX_FLOWS = 256  /* flows run per module; the rest are skipped */
};

typedef struct host_state {
    unsigned turn; /* rotates the callbacks' answers */
} host_state;

static nf_status answer(host_state *h, nf_runtime *rt, nf_value **result) {
    switch (h->turn++ % 4) {
    case 0: return NF_OK; /* no result: the action's result is empty */
    case 1: *result = nf_value_empty(rt, NF_TYPE_NOTHING); return NF_OK;
    case 2: return NF_SUSPENDED;
    default: return NF_ERR_ARGUMENT; /* a failing host action (HostError) */
    }
}

/* Renders borrowed values as a host would (to text and to JSON), then drops the text. */
static void look_at(const nf_value *const *args, size_t n) {
    for (size_t i = 0; i < n; i++) {
        nf_free(nf_value_to_text(args[i]));
        nf_free(nf_value_to_json(args[i]));
    }
}

static nf_status on_call(void *ud, nf_runtime *rt, const char *name, const nf_value *const *args,
                         size_t n, nf_value **result) {
    (void)name;
    look_at(args, n);
    return answer(ud, rt, result);
}

static nf_status on_message(void *ud, nf_runtime *rt, nf_message_type type, const char *text,
                            bool blocking) {
    (void)rt, (void)type, (void)text;
    host_state *h = ud;
    return blocking && h->turn++ % 2 ? NF_SUSPENDED : NF_OK;
}

static nf_status on_page(void *ud, nf_runtime *rt, const char *page, const char *title,
                         const char *const *names, const nf_value *const *args, size_t n) {
    (void)rt, (void)page, (void)title, (void)names;
    look_at(args, n);
    host_state *h = ud;
    return h->turn++ % 3 == 0 ? NF_SUSPENDED : NF_OK;
}

static nf_status on_close(void *ud, nf_runtime *rt) {
    (void)rt;
    host_state *h = ud;
    return h->turn++ % 2 ? NF_SUSPENDED : NF_OK;
}

static nf_status on_feedback(void *ud, nf_runtime *rt, const nf_value *object, const char *member,
                             const char *text) {
    (void)ud, (void)rt, (void)member, (void)text;
    look_at(&object, 1);
    return NF_OK;
}

static void on_log(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                   const char *text) {
    (void)ud, (void)rt, (void)level, (void)node, (void)text;
}

static int64_t fixed_now(void *ud) {
    (void)ud;
    return INT64_C(1700000000000); /* 2023-11-14T22:13:20Z */
}

static uint64_t fixed_random(void *ud) {
    (void)ud;
    return UINT64_C(0x9e3779b97f4a7c15);
}

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
    nf_status st = nf_call(rt, name, NULL, 0, &result);
    for (int round = 0; st == NF_SUSPENDED; round++) {
        if (round >= MAX_RESUMES) {
            nf_abandon(rt);
            return;
        }
        switch (h->turn++ % 3) {
        case 0: st = nf_resume(rt, NULL, &result); break;
        case 1: st = nf_resume_error(rt, NF_ERROR_CONNECTION, "offline", &result); break;
        default: nf_abandon(rt); return;
        }
    }
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
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.timezone = "UTC";
    cfg.max_instructions = BUDGET_INSTRUCTIONS;
    cfg.max_depth = BUDGET_DEPTH;
    cfg.max_memory = BUDGET_MEMORY;
    cfg.host.ud = &h;
    cfg.host.show_message = on_message;
    cfg.host.show_page = on_page;
    cfg.host.close_page = on_close;
    cfg.host.feedback = on_feedback;
    cfg.host.log = on_log;
    cfg.host.action = on_call;
    cfg.host.microflow = on_call;
    cfg.host.now = fixed_now;
    cfg.host.random = fixed_random;
    nf_runtime *rt = NULL;
    char *err = NULL;
    if (nf_runtime_new(mod, &cfg, &rt, &err) != NF_OK) {
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

static void put32(uint8_t *p, size_t at, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
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
    put32(p, 8, (uint32_t)size); /* total length */
    uint64_t sum = nf_bc_hash(NF_BC_HASH_INIT, p + NF_BC_CHECKSUM_FROM, size - NF_BC_CHECKSUM_FROM);
    put32(p, 16, (uint32_t)sum);
    put32(p, 20, (uint32_t)(sum >> 32));
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
