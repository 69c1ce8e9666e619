/* test_vm_mutations.c — specification of DESIGN §5's promise to the VM: "a malformed module can
 * never crash or hang the VM". The verifier stands between a file and the interpreter, and the
 * interpreter trusts what it proved; so every module that nf_module_load accepts, however it
 * came about, must run safely.
 *
 * The rules, for every module the loader accepts:
 * - a runtime can be created for it (or the failure says why);
 * - every flow, called through the public API with every parameter empty, ends — with a result,
 *   an error that has a message, or a suspension that the host resumes or abandons — within
 *   the instruction, depth and memory limits, and quickly;
 * - results and the values handed to host callbacks render as text and JSON;
 * - freeing the runtime gives back every byte it took from its allocator, each block with the
 *   size it was allocated with;
 * - nothing crashes or trips a sanitizer (ASan, UBSan, LSan in the sanitizer build).
 *
 * The modules come from a handful of small apps compiled in memory (loops, calls and recursion,
 * host actions, list operations, decimals, strings, dates, error handlers). The mutants:
 * - every byte changed in four small ways — one bit flipped (the bit rotates with the offset),
 *   all bits inverted, plus one and minus one (off-by-one indices and counts);
 * - a sample of truncations, each with the section that holds the cut shortened to end there,
 *   later sections made empty, so the section readers meet records that stop halfway.
 * Each mutant is resealed (total length and checksum rewritten) so that it gets past the
 * checksum to the section readers and the verifier; many then load, and run.
 *
 * The runs are deterministic: a constant clock and random source, and host callbacks that
 * answer, fail or suspend in a fixed rotation (../vm_host.h, shared with tests/fuzz/fuzz_vm.c).
 * Every app is mutated in a child process (fork) with a watchdog, so a crash or hang fails its
 * own test and names the app, the mutation and the byte offset that caused it. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bc_format.h"
#include "nanoflow.h"
#include "nf_bc.h"
#include "nf_compiler.h"

#include "../vm_host.h"

/* ---- the apps ------------------------------------------------------------------------------- */

typedef struct app {
    const char *name;
    const char *source;
} app;

static const app apps[] = {
    {"loops", "create module Loop;\n"
              "create non-persistent entity Loop.Item (N: Integer default 0, Label: String(50));\n"
              "create nanoflow Loop.SumTo () returns Integer\n"
              "begin\n"
              "  declare $I Integer = 0;\n"
              "  declare $Sum Integer = 0;\n"
              "  while $I < 50\n"
              "  begin\n"
              "    set $I = $I + 1;\n"
              "    if $I mod 3 = 0 then\n"
              "      continue;\n"
              "    end if;\n"
              "    set $Sum = $Sum + $I;\n"
              "    if $Sum > 400 then\n"
              "      break;\n"
              "    end if;\n"
              "  end while;\n"
              "  return $Sum;\n"
              "end;\n"
              "create nanoflow Loop.Each () returns String\n"
              "begin\n"
              "  $L = create list of Loop.Item;\n"
              "  while $currentIndex < 5\n"
              "  begin\n"
              "    $New = create Loop.Item (N = $currentIndex * 2, Label = 'item' + "
              "toString($currentIndex));\n"
              "    add $New to $L;\n"
              "  end while;\n"
              "  declare $Out String = '';\n"
              "  loop $It in $L\n"
              "  begin\n"
              "    if $It/N = 4 then\n"
              "      continue;\n"
              "    end if;\n"
              "    set $Out = $Out + $It/Label + ';';\n"
              "  end loop;\n"
              "  return $Out;\n"
              "end;\n"
              "create nanoflow Loop.Forever () returns Integer\n"
              "begin\n"
              "  declare $I Integer = 0;\n"
              "  while true\n"
              "  begin\n"
              "    set $I = $I + 1;\n"
              "  end while;\n"
              "  return $I;\n"
              "end;\n"},
    {"calls", "create module Call;\n"
              "create non-persistent entity Call.Counter (Value: Integer default 0);\n"
              "create javascript action Call.Ping (X: Integer) returns Integer;\n"
              "create nanoflow Call.Fib ($N: Integer) returns Integer\n"
              "begin\n"
              "  if $N = empty or $N < 2 then\n"
              "    return 1;\n"
              "  end if;\n"
              "  $A = call nanoflow Call.Fib(N = $N - 1);\n"
              "  $B = call nanoflow Call.Fib(N = $N - 2);\n"
              "  return $A + $B;\n"
              "end;\n"
              "create nanoflow Call.Bump ($C: Call.Counter)\n"
              "begin\n"
              "  change $C (Value = $C/Value + 1);\n"
              "end;\n"
              "create nanoflow Call.Shared () returns Integer\n"
              "begin\n"
              "  $C = create Call.Counter (Value = 40);\n"
              "  call nanoflow Call.Bump(C = $C);\n"
              "  call nanoflow Call.Bump(C = $C);\n"
              "  $F = call nanoflow Call.Fib(N = 8);\n"
              "  return $C/Value + $F;\n"
              "end;\n"
              "create nanoflow Call.Deep ($N: Integer) returns Integer\n"
              "begin\n"
              "  $R = call nanoflow Call.Deep(N = $N + 1);\n"
              "  return $R;\n"
              "end;\n"
              "create nanoflow Call.TooDeep () returns Integer\n"
              "begin\n"
              "  $R = call nanoflow Call.Deep(N = 0);\n"
              "  return $R;\n"
              "end;\n"
              "create microflow Call.Server ($N: Integer) returns Integer\n"
              "begin\n"
              "  return $N * 2;\n"
              "end;\n"
              "create nanoflow Call.Host () returns String\n"
              "begin\n"
              "  $P = call javascript action Call.Ping(X = 7);\n"
              "  $S = call microflow Call.Server(N = 3);\n"
              "  show message 'ping {1}' type Information with ({1} = toString($P));\n"
              "  log info 'server ' + toString($S);\n"
              "  return toString($P) + '/' + toString($S);\n"
              "end;\n"},
    {"lists",
     "create module Shop;\n"
     "create enumeration Shop.Kind (Food 'Food', Tool 'Tool');\n"
     "create non-persistent entity Shop.Product (Name: String(100), Price: Decimal,\n"
     "  Stock: Integer default 5, Kind: Enumeration(Shop.Kind), Active: Boolean default true);\n"
     "create nanoflow Shop.Catalog () returns List of Shop.Product\n"
     "begin\n"
     "  $L = create list of Shop.Product;\n"
     "  $A = create Shop.Product (Name = 'apple', Price = 0.5, Stock = 100, Kind = "
     "Shop.Kind.Food);\n"
     "  $B = create Shop.Product (Name = 'hammer', Price = 12.95, Stock = 3, Kind = "
     "Shop.Kind.Tool);\n"
     "  $C = create Shop.Product (Name = 'bread', Price = 2.25, Stock = 0, Kind = "
     "Shop.Kind.Food);\n"
     "  add $A to $L;\n"
     "  add $B to $L;\n"
     "  add $C to $L;\n"
     "  return $L;\n"
     "end;\n"
     "create nanoflow Shop.Aggregates () returns String\n"
     "begin\n"
     "  $L = call nanoflow Shop.Catalog();\n"
     "  $Count = count($L);\n"
     "  $Units = sum($L.Stock);\n"
     "  $Value = sum($L, $currentObject/Price * $currentObject/Stock);\n"
     "  $Min = minimum($L.Price);\n"
     "  return $Count + ' ' + $Units + ' ' + $Value + ' ' + $Min;\n"
     "end;\n"
     "create nanoflow Shop.Operations () returns String\n"
     "begin\n"
     "  $L = call nanoflow Shop.Catalog();\n"
     "  $Food = filter($L, $currentObject/Kind = Shop.Kind.Food);\n"
     "  $Sorted = sort($L, Price desc);\n"
     "  $First = head($Sorted);\n"
     "  $Rest = tail($Sorted);\n"
     "  $Hammer = find $L by Name = 'hammer';\n"
     "  $Both = union($Food, $Rest);\n"
     "  $Other = subtract($L, $Food);\n"
     "  $Has = contains($L, $Hammer);\n"
     "  $Names = reduce($L, $currentResult + $currentObject/Name + ';', initial: '', returns: "
     "String);\n"
     "  remove $First from $L;\n"
     "  clear $Food;\n"
     "  $NBoth = count($Both);\n"
     "  $NOther = count($Other);\n"
     "  $NL = count($L);\n"
     "  return $First/Name + ' ' + $NBoth + ' ' + $NOther + ' ' + toString($Has) + ' ' + $Names "
     "+ ' ' + $NL;\n"
     "end;\n"},
    {"values",
     "create module Val;\n"
     "create nanoflow Val.Money () returns Decimal\n"
     "begin\n"
     "  declare $Price Decimal = 19.99;\n"
     "  return round($Price * 7 * (1 + 0.21), 2);\n"
     "end;\n"
     "create nanoflow Val.Divide () returns String\n"
     "begin\n"
     "  return toString(2 : 3) + ' ' + toString(floor(-2.5)) + ' ' + toString(ceil(1.25)) + ' ' "
     "+ toString(10 mod 4);\n"
     "end;\n"
     "create nanoflow Val.Text () returns String\n"
     "begin\n"
     "  declare $S String = 'Hello, nanoflow world';\n"
     "  declare $Up String = toUpperCase(substring($S, 7, 8));\n"
     "  declare $Has Boolean = contains($S, 'flow');\n"
     "  declare $Repl String = replaceAll($S, '[aeiou]', '_');\n"
     "  return $Up + ' ' + toString(length($S)) + ' ' + toString($Has) + ' ' + $Repl + ' ' + "
     "trim('  x  ');\n"
     "end;\n"
     "create nanoflow Val.Time () returns String\n"
     "begin\n"
     "  declare $Now DateTime = [%CurrentDateTime%];\n"
     "  declare $Later DateTime = addDays($Now, 3);\n"
     "  return formatDateTime($Later, 'yyyy-MM-dd') + ' ' + toString(daysBetween($Now, "
     "$Later));\n"
     "end;\n"
     "create nanoflow Val.Parse () returns Integer\n"
     "begin\n"
     "  return parseInteger('42') + parseInteger('x', -1);\n"
     "end;\n"},
    {"errors", "create module Err;\n"
               "create nanoflow Err.Fails ($S: String) returns String\n"
               "begin\n"
               "  return substring($S, 10);\n"
               "end;\n"
               "create nanoflow Err.Handled () returns String\n"
               "begin\n"
               "  $R = call nanoflow Err.Fails(S = 'short') on error without rollback begin\n"
               "    return 'handled: ' + $latestErrorType;\n"
               "  end error;\n"
               "  return $R;\n"
               "end;\n"
               "create nanoflow Err.TryCatch () returns String\n"
               "begin\n"
               "  declare $Steps String = '';\n"
               "  try\n"
               "    set $Steps = $Steps + 'a';\n"
               "    $R = call nanoflow Err.Fails(S = 'tiny');\n"
               "    set $Steps = $Steps + 'b';\n"
               "  catch\n"
               "    set $Steps = $Steps + 'caught(' + $latestErrorType + ')';\n"
               "  end try;\n"
               "  return $Steps + 'c';\n"
               "end;\n"
               "create nanoflow Err.Aborts () returns String\n"
               "begin\n"
               "  $R = call nanoflow Err.Fails(S = 'short');\n"
               "  return 'not reached';\n"
               "end;\n"},
};
enum { NAPPS = sizeof apps / sizeof apps[0] };

/* ---- module bytes ---------------------------------------------------------------------------- */

typedef struct bytes {
    uint8_t *p;
    size_t n;
} bytes;

static bytes compiled[NAPPS];

static bytes compile_app(const app *a) {
    nf_cc_compilation *c = nf_cc_new();
    if (!c || !nf_cc_add_source(c, a->name, a->source, strlen(a->source)))
        fail_msg("%s: out of memory", a->name);
    nf_bc_module m;
    if (!nf_cc_build(c, &m)) {
        nf_cc_diags_print(nf_cc_diagnostics(c), nf_cc_sources_of(c), stderr, false);
        fail_msg("the %s app does not compile (diagnostics above)", a->name);
    }
    bytes b = {NULL, 0};
    if (!nf_bc_write(&m, &b.p, &b.n)) fail_msg("nf_bc_write failed for the %s app", a->name);
    nf_cc_free(c);
    return b;
}

static int compile_apps(void **state) {
    (void)state;
    for (size_t i = 0; i < NAPPS; i++)
        compiled[i] = compile_app(&apps[i]);
    return 0;
}

static int free_apps(void **state) {
    (void)state;
    for (size_t i = 0; i < NAPPS; i++) {
        free(compiled[i].p);
        compiled[i] = (bytes){NULL, 0};
    }
    return 0;
}

static uint32_t rd32(const uint8_t *p, size_t at) {
    return (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 | (uint32_t)p[at + 2] << 16 |
           (uint32_t)p[at + 3] << 24;
}

static void wr32(uint8_t *p, size_t at, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* Header layout (bc_write.c): magic 0, version 4, total length 8, section count 12, checksum 16;
 * the section table follows the 40-byte header, 12 bytes (id, offset, length) per section. */
enum { AT_TOTAL = 8, AT_CHECKSUM = 16 };

static size_t sec_entry(uint32_t id) {
    return NF_BC_HEADER_SIZE + 12u * (id - 1);
}

/* ---- what the child saw, shared with the parent ---------------------------------------------- */

enum { WATCHDOG_SECONDS = 300, SLOW_MODULE_SECONDS = 5 };

typedef struct progress {
    size_t at;        /* the byte offset (or cut) being tried */
    const char *what; /* which mutation */
    unsigned long mutants, loaded, calls, finished, failed, suspended;
    char problem[768]; /* the first broken rule, "" when none */
} progress;

static progress *shared;

static void note_problem(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static void note_problem(const char *fmt, ...) {
    if (shared->problem[0]) return; /* keep the first */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(shared->problem, sizeof shared->problem, fmt, ap);
    va_end(ap);
}

/* ---- the host's allocator (the host itself: ../vm_host.h) ------------------------------------ */

/* A counting allocator in the shape of nf_alloc_fn: each block carries its size in a header, so
 * a free with another size than the block has, and any block left over, are seen. */
typedef struct heap {
    size_t blocks, bytes;
    bool wrong_size;
    size_t claimed, actual; /* the first wrong size */
} heap;

typedef union block_header {
    size_t size;
    max_align_t align;
} block_header;

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    heap *h = ud;
    block_header *old = ptr ? (block_header *)ptr - 1 : NULL;
    if (old && old->size != osize && !h->wrong_size) {
        h->wrong_size = true;
        h->claimed = osize;
        h->actual = old->size;
    }
    if (nsize == 0) {
        if (old) {
            h->blocks--;
            h->bytes -= old->size;
            free(old);
        }
        return NULL;
    }
    if (nsize > SIZE_MAX - sizeof(block_header)) return NULL;
    size_t was = old ? old->size : 0;
    block_header *nb = realloc(old, sizeof(block_header) + nsize);
    if (!nb) return NULL;
    if (!old) h->blocks++;
    h->bytes = h->bytes - was + nsize;
    nb->size = nsize;
    return nb + 1;
}

/* ---- running a module -------------------------------------------------------------------------
 */

/* How a flow ended: its result as text, or "error Type: message"; "suspended" when abandoned. */
typedef void (*outcome_fn)(const char *flow, const char *outcome, void *ud);

static void run_flow(nf_runtime *rt, host_state *h, const char *name, outcome_fn see, void *ud) {
    nf_value *result = NULL;
    nf_status st = host_call(rt, h, name, &result, &shared->calls, &shared->suspended);
    if (st == NF_SUSPENDED) { /* abandoned */
        if (see) see(name, "suspended", ud);
        return;
    }
    if (st == NF_OK) {
        shared->finished++;
        char *text = nf_value_to_text(result);
        nf_free(nf_value_to_json(result));
        if (!text) note_problem("%s: its result does not render as text", name);
        if (see) see(name, text ? text : "", ud);
        nf_free(text);
        nf_value_free(result);
        return;
    }
    shared->failed++;
    if (result) note_problem("%s: a call that failed (%s) left a result", name, nf_status_text(st));
    const char *msg = nf_runtime_error_message(rt);
    if (!msg || !msg[0])
        note_problem("%s: a call failed (%s) without a message", name, nf_status_text(st));
    (void)nf_runtime_error_flow(rt);
    (void)nf_runtime_error_line(rt);
    if (see) {
        char text[512];
        snprintf(text, sizeof text, "error %s: %s", nf_error_type_name(nf_runtime_error_type(rt)),
                 msg ? msg : "");
        see(name, text, ud);
    }
}

/* Runs every flow of a loaded module on a fresh runtime, then checks the runtime's heap. The
 * host's rotation starts at first_turn. */
static void run_module(const nf_module *mod, unsigned first_turn, outcome_fn see, void *ud) {
    host_state h = {first_turn};
    heap hp = {0, 0, false, 0, 0};
    char *err = NULL;
    nf_runtime *rt = host_runtime(mod, &h, counting_alloc, &hp, &err);
    if (!rt) {
        if (!err || !err[0]) note_problem("nf_runtime_new failed without a message");
        nf_free(err);
        return;
    }
    for (size_t i = 0; i < nf_module_flow_count(mod); i++) {
        const char *name = nf_module_flow_name(mod, i);
        if (!name) {
            note_problem("flow %zu of %zu has no name", i, nf_module_flow_count(mod));
            break;
        }
        run_flow(rt, &h, name, see, ud);
    }
    nf_runtime_free(rt);
    if (hp.wrong_size)
        note_problem("the runtime freed a block of %zu bytes as %zu bytes", hp.actual, hp.claimed);
    if (hp.blocks || hp.bytes)
        note_problem("a freed runtime kept %zu blocks (%zu bytes) of its allocator's memory",
                     hp.blocks, hp.bytes);
}

static double seconds_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Loads the bytes; when the loader accepts them, runs every flow. */
static void try_module(const uint8_t *p, size_t n) {
    shared->mutants++;
    nf_module *mod = NULL;
    char *err = NULL;
    if (nf_module_load(p, n, &mod, &err) != NF_OK) {
        if (mod) note_problem("a failed load returned a module");
        nf_free(err);
        return;
    }
    shared->loaded++;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_module(mod, (unsigned)shared->mutants, NULL, NULL); /* each mutant meets another host */
    double s = seconds_since(&t0);
    if (s > SLOW_MODULE_SECONDS)
        note_problem("running the flows of the mutant took %.1f s (the limits should end them in "
                     "milliseconds)",
                     s);
    nf_module_free(mod);
}

/* ---- running a scenario in a child process ----------------------------------------------------
 */

typedef struct scenario {
    const app *app;
    const bytes *b;
    void (*mutate)(const bytes *b, size_t from); /* tries the mutants from offset `from` on */
    bool some_load; /* some mutants must get past the verifier, or the scenario tests nothing */
} scenario;

enum { MAX_FINDINGS = 6 }; /* a scenario goes on after a finding, up to this many */

/* Runs the scenario in a child. When the child crashes, hangs or breaks a rule at some mutant,
 * the finding is kept and a new child goes on from the next one, so that one report lists
 * several distinct findings. */
static bool run_isolated(const char *label, const scenario *sc) {
    shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(shared != MAP_FAILED);
    memset(shared, 0, sizeof *shared);
    shared->what = "setup";
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char findings[MAX_FINDINGS * 400] = "";
    unsigned nfindings = 0;
    size_t from = 0;
    for (;;) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            /* a crash must end the child, not land in cmocka's handlers (which would go on to
             * run the remaining tests in the child) */
            static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
            for (size_t k = 0; k < sizeof fatal / sizeof fatal[0]; k++)
                signal(fatal[k], SIG_DFL);
            alarm(WATCHDOG_SECONDS);
            sc->mutate(sc->b, from);
            fflush(NULL);
            /* exit, not _exit: the leak checker of a sanitizer build runs at exit */
            exit(shared->problem[0] ? 1 : 0);
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0)
            if (errno != EINTR) fail_msg("%s: waitpid failed", label);
        char finding[400] = "";
        if (WIFSIGNALED(status))
            snprintf(finding, sizeof finding, "%s at byte %zu (%s)",
                     WTERMSIG(status) == SIGALRM ? "hung (watchdog)" : strsignal(WTERMSIG(status)),
                     shared->at, shared->what);
        else if (shared->problem[0])
            snprintf(finding, sizeof finding, "at byte %zu (%s): %.300s", shared->at, shared->what,
                     shared->problem);
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            snprintf(finding, sizeof finding,
                     "exit status %d at byte %zu (%s): a sanitizer report is above",
                     WEXITSTATUS(status), shared->at, shared->what);
        if (!finding[0]) break;
        size_t used = strlen(findings);
        snprintf(findings + used, sizeof findings - used, "\n      %s", finding);
        if (++nfindings == MAX_FINDINGS) break;
        from = shared->at + 1;
        shared->problem[0] = '\0';
    }
    progress p = *shared;
    munmap(shared, sizeof *shared);
    shared = NULL;
    print_message("    %-8s %-28s %6lu mutants, %5lu loaded, %6lu calls (%lu ended, %lu failed, "
                  "%lu suspensions), %.1f s\n",
                  sc->app->name, label, p.mutants, p.loaded, p.calls, p.finished, p.failed,
                  p.suspended, seconds_since(&t0));
    bool ok = true;
    if (nfindings) {
        print_error("the %s app, %s: %u finding%s%s%s\n", sc->app->name, label, nfindings,
                    nfindings == 1 ? "" : "s", nfindings == MAX_FINDINGS ? " (then stopped)" : "",
                    findings);
        ok = false;
    }
    /* the scenario is not vacuous: some mutants got past the verifier and ran */
    if (sc->some_load && (p.loaded == 0 || p.calls == 0)) {
        print_error("the %s app, %s: no mutant loaded, so the VM never ran\n", sc->app->name,
                    label);
        ok = false;
    }
    return ok;
}

/* ---- the mutations ------------------------------------------------------------------------------
 */

/* Bytes 8–11 and 16–23 (total length, checksum) are rewritten by the reseal: changing them
 * tests nothing. */
static bool resealed_field(size_t at) {
    return (at >= AT_TOTAL && at < AT_TOTAL + 4) || (at >= AT_CHECKSUM && at < AT_CHECKSUM + 8);
}

typedef struct change {
    const char *what;
    uint8_t (*apply)(uint8_t byte, size_t at);
} change;

static uint8_t flip_one_bit(uint8_t byte, size_t at) {
    return (uint8_t)(byte ^ (1u << (at % 8)));
}
static uint8_t invert(uint8_t byte, size_t at) {
    (void)at;
    return (uint8_t)~byte;
}
static uint8_t plus_one(uint8_t byte, size_t at) {
    (void)at;
    return (uint8_t)(byte + 1);
}
static uint8_t minus_one(uint8_t byte, size_t at) {
    (void)at;
    return (uint8_t)(byte - 1);
}

static void each_byte(const bytes *b, size_t from, const change *c) {
    uint8_t *p = malloc(b->n);
    if (!p) abort();
    memcpy(p, b->p, b->n);
    shared->what = c->what;
    for (size_t at = from; at < b->n && !shared->problem[0]; at++) {
        if (resealed_field(at)) continue;
        shared->at = at;
        p[at] = c->apply(b->p[at], at);
        nf_bc_reseal(p, b->n);
        try_module(p, b->n);
        p[at] = b->p[at];
    }
    free(p);
}

static void flip_each_byte(const bytes *b, size_t from) {
    each_byte(b, from, &(change){"one bit flipped", flip_one_bit});
}
static void invert_each_byte(const bytes *b, size_t from) {
    each_byte(b, from, &(change){"all bits inverted", invert});
}
static void increment_each_byte(const bytes *b, size_t from) {
    each_byte(b, from, &(change){"plus one", plus_one});
}
static void decrement_each_byte(const bytes *b, size_t from) {
    each_byte(b, from, &(change){"minus one", minus_one});
}

enum { CUT_STRIDE = 5 }; /* truncations tried: every CUT_STRIDE-th offset */

/* A cut inside a section: that section ends at the cut (padded to 4 bytes with zeros), later
 * sections are empty, and the header is resealed. */
static void truncate_sections(const bytes *b, size_t from) {
    uint8_t *p = malloc(b->n + 4);
    if (!p) abort();
    size_t table_end = NF_BC_HEADER_SIZE + 12u * (NF_BC_SEC_COUNT_ - 1);
    shared->what = "truncated inside a section";
    size_t first = table_end > from ? table_end : from;
    first += (CUT_STRIDE - (first - table_end) % CUT_STRIDE) % CUT_STRIDE; /* on the stride */
    for (size_t cut = first; cut < b->n && !shared->problem[0]; cut += CUT_STRIDE) {
        shared->at = cut;
        memcpy(p, b->p, cut);
        size_t n = (cut + 3) & ~(size_t)3;
        memset(p + cut, 0, n - cut);
        for (uint32_t id = 1; id < NF_BC_SEC_COUNT_; id++) {
            uint32_t off = rd32(b->p, sec_entry(id) + 4), len = rd32(b->p, sec_entry(id) + 8);
            if (off >= cut) {
                wr32(p, sec_entry(id) + 4, (uint32_t)n);
                wr32(p, sec_entry(id) + 8, 0);
            } else if ((size_t)off + len > cut) {
                wr32(p, sec_entry(id) + 8, (uint32_t)(cut - off));
            }
        }
        nf_bc_reseal(p, n);
        try_module(p, n);
    }
    free(p);
}

static void run_for_every_app(const char *label, void (*mutate)(const bytes *b, size_t from),
                              bool some_load) {
    unsigned failed = 0;
    for (size_t i = 0; i < NAPPS; i++) {
        scenario sc = {&apps[i], &compiled[i], mutate, some_load};
        if (!run_isolated(label, &sc)) failed++;
    }
    if (failed) fail_msg("%s: %u of %u apps broke a rule (see above)", label, failed, NAPPS);
}

/* ==== The apps themselves run as written ==================================================== */

/* What each flow of the apps gives with the test host: the harness really runs the VM, and the
 * limits stop what would run away. A trailing '*' matches any rest. */
static const struct {
    const char *flow, *outcome;
} expected[] = {
    {"Loop.SumTo", "432"},
    {"Loop.Each", "item0;item1;item3;item4;"},
    {"Loop.Forever", "error LimitExceeded: *"},
    {"Call.Fib", "1"},
    {"Call.Bump", "error RuntimeError: *"}, /* its object parameter is empty */
    {"Call.Shared", "76"},
    {"Call.Deep", "error RuntimeError: *"}, /* empty + 1 */
    {"Call.TooDeep", "error LimitExceeded: *"},
    {"Call.Server", "error RuntimeError: *"},
    {"Call.Host", "/"}, /* the host's first answers: no result, then an empty one */
    {"Shop.Catalog", "*"},
    {"Shop.Aggregates", "3 103 88.85 0.5"},
    {"Shop.Operations", "hammer 2 1 true apple;hammer;bread; 2"},
    {"Val.Money", "169.32"},
    {"Val.Divide", "0.66666666666666666667 -3 2 2"},
    {"Val.Text", "NANOFLOW 21 true H_ll_, n_n_fl_w w_rld x"},
    {"Val.Time", "2023-11-17 3"}, /* the host's clock */
    {"Val.Parse", "41"},
    {"Err.Fails", "error RuntimeError: *"},
    {"Err.Handled", "handled: RuntimeError"},
    {"Err.TryCatch", "acaught(RuntimeError)c"},
    {"Err.Aborts", "error RuntimeError: *"},
};
enum { NEXPECTED = sizeof expected / sizeof expected[0] };

static bool matches(const char *pattern, const char *text) {
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*') return strncmp(pattern, text, n - 1) == 0;
    return strcmp(pattern, text) == 0;
}

typedef struct seen_flows {
    bool seen[NEXPECTED];
    char problem[768];
} seen_flows;

static void check_outcome(const char *flow, const char *outcome, void *ud) {
    seen_flows *s = ud;
    for (size_t k = 0; k < NEXPECTED; k++) {
        if (strcmp(expected[k].flow, flow) != 0) continue;
        s->seen[k] = true;
        if (!matches(expected[k].outcome, outcome) && !s->problem[0])
            snprintf(s->problem, sizeof s->problem, "%s gave \"%s\", expected \"%s\"", flow,
                     outcome, expected[k].outcome);
        return;
    }
    if (!s->problem[0])
        snprintf(s->problem, sizeof s->problem, "%s is not in the table of expected outcomes",
                 flow);
}

static void the_apps_run_as_written_within_the_limits(void **state) {
    (void)state;
    progress local = {0};
    shared = &local;
    seen_flows s = {{false}, ""};
    for (size_t i = 0; i < NAPPS; i++) {
        nf_module *mod = NULL;
        char *err = NULL;
        if (nf_module_load(compiled[i].p, compiled[i].n, &mod, &err) != NF_OK)
            fail_msg("the %s app does not load: %s", apps[i].name, err ? err : "?");
        run_module(mod, 0, check_outcome, &s);
        nf_module_free(mod);
    }
    shared = NULL;
    if (local.problem[0]) fail_msg("%s", local.problem);
    if (s.problem[0]) fail_msg("%s", s.problem);
    for (size_t k = 0; k < NEXPECTED; k++)
        if (!s.seen[k]) fail_msg("no app has a flow named %s", expected[k].flow);
}

/* ==== Damaged modules load and run safely, or do not load ===================================== */

static void a_bit_flipped_anywhere_never_crashes_or_hangs_the_vm(void **state) {
    (void)state;
    run_for_every_app("one bit per byte", flip_each_byte, true);
}

static void an_inverted_byte_anywhere_never_crashes_or_hangs_the_vm(void **state) {
    (void)state;
    run_for_every_app("each byte inverted", invert_each_byte, true);
}

static void an_off_by_one_byte_anywhere_never_crashes_or_hangs_the_vm(void **state) {
    (void)state;
    run_for_every_app("each byte minus one", decrement_each_byte, true);
    run_for_every_app("each byte plus one", increment_each_byte, true);
}

static void a_truncated_section_never_crashes_or_hangs_the_vm(void **state) {
    (void)state;
    /* (these rarely load: each section records how many entries it holds) */
    run_for_every_app("truncated inside a section", truncate_sections, false);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_apps_run_as_written_within_the_limits),
        cmocka_unit_test(a_bit_flipped_anywhere_never_crashes_or_hangs_the_vm),
        cmocka_unit_test(an_inverted_byte_anywhere_never_crashes_or_hangs_the_vm),
        cmocka_unit_test(an_off_by_one_byte_anywhere_never_crashes_or_hangs_the_vm),
        cmocka_unit_test(a_truncated_section_never_crashes_or_hangs_the_vm),
    };
    return cmocka_run_group_tests(tests, compile_apps, free_apps);
}
