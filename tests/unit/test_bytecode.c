/* test_bytecode.c — specification of the bytecode module: deterministic output, and the loader
 * and verifier that stand between a file and the VM (DESIGN §5, §10).
 *
 * The rules:
 * - The same sources give byte-identical modules, and write → load → write is the identity.
 * - nf_bc_load checks every module it reads. A bad file — wrong magic, version or checksum,
 *   truncated or overlapping sections, an index out of range, an operand of the wrong type, a
 *   call that does not fit its callee — is rejected with a message that names the problem;
 *   the module is left empty.
 * - No file, however damaged, crashes or hangs the loader: every load either fails with a
 *   message, or succeeds with a module that passes nf_bc_verify and disassembles.
 *
 * Rejections are provoked in two ways: patching the bytes of a compiled module (and resealing
 * its length and checksum, so that the check under test is the one that fires), or loading a
 * compiled module, breaking one thing in the in-memory struct and writing it out again.
 *
 * Scenarios that could crash or hang run in a child process with a watchdog, so a crash fails
 * its own test with the offending byte offset instead of taking the whole suite down. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bc_format.h"
#include "nf_bc.h"
#include "nf_compiler.h"

/* ---- the sample app: small, but it makes the compiler emit nearly every opcode --------------- */

static const char sample_app[] =
    "create module Ops;\n"
    "\n"
    "create enumeration Ops.Color (Red 'Red', Green 'Green');\n"
    "\n"
    "create persistent entity Ops.Item (Name: String(100), Count: Integer default 0, Amount: "
    "Decimal,\n"
    "  Due: DateTime, Done: Boolean default false, Color: Enumeration(Ops.Color));\n"
    "create persistent entity Ops.Pet (Name: String(100));\n"
    "create persistent entity Ops.Dog extends Ops.Pet (Good: Boolean default true);\n"
    "create persistent entity Ops.Box (Label: String(100));\n"
    "create association Ops.Item_Box from Ops.Item to Ops.Box;\n"
    "\n"
    "create javascript action Ops.Ping (X: Integer) returns Integer;\n"
    "create lua action Ops.Twice (X: Integer) returns Integer\n"
    "$$\n"
    "  return X * 2\n"
    "$$;\n"
    "\n"
    "create microflow Ops.Half ($N: Integer) returns Decimal\n"
    "begin\n"
    "  declare $D Decimal = $N;\n"
    "  return $D div 2;\n"
    "end;\n"
    "\n"
    "create microflow Ops.Kind ($P: Ops.Pet) returns String\n"
    "begin\n"
    "  split type $P\n"
    "    when Ops.Dog then\n"
    "      $Dog = cast $P;\n"
    "      return 'dog ' + toString($Dog/Good);\n"
    "  end split;\n"
    "  return 'pet';\n"
    "end;\n"
    "\n"
    "create microflow Ops.Server ($N: Integer) returns Decimal\n"
    "begin\n"
    "  declare $D Decimal = $N;\n"
    "  declare $R Decimal = $D mod 2.5;\n"
    "  $X = call microflow Ops.Half(N = $N) on error begin\n"
    "    log error 'failed';\n"
    "    raise error;\n"
    "  end error;\n"
    "  $Kind = call microflow Ops.Kind(P = empty) on error continue;\n"
    "  $J = call java action Ops.JA_Export(N = $N);\n"
    "  return $R + $X;\n"
    "end;\n"
    "\n"
    "create nanoflow Ops.Sub ($I: Ops.Item) returns Integer\n"
    "begin\n"
    "  return $I/Count;\n"
    "end;\n"
    "\n"
    "create nanoflow Ops.Nothing ()\n"
    "begin\n"
    "  close page;\n"
    "end;\n"
    "\n"
    "create nanoflow Ops.Everything ($I: Ops.Item, $S: Ops.Item, $L: List of Ops.Item, $T: "
    "String,\n"
    "                                $When: DateTime, $Dec: Decimal, $Big: Integer) returns "
    "Boolean\n"
    "begin\n"
    "  declare $Flag Boolean = not $I/Done;\n"
    "  declare $C Integer = $I/Count + 1;\n"
    "  set $C = $C - $Big;\n"
    "  set $C = $C * $Big;\n"
    "  set $C = $C mod 3;\n"
    "  set $C = $C mod $Big;\n"
    "  set $C = -$C;\n"
    "  set $C = $C + $Big;\n"
    "  declare $D Decimal = $C;\n"
    "  set $D = $D + $Dec;\n"
    "  set $D = $D + 1.5;\n"
    "  set $D = $D - 0.25;\n"
    "  set $D = $D * 2;\n"
    "  set $D = round($D, 2);\n"
    "  set $D = $D * $Big;\n"
    "  set $D = $Big * 0.5;\n"
    "  set $D = $D - $Dec;\n"
    "  set $D = $D * $Dec;\n"
    "  set $D = $D div $Dec;\n"
    "  set $D = $D mod $Dec;\n"
    "  set $D = -$D;\n"
    "  declare $Txt String = $T + toString($D);\n"
    "  declare $Col Enumeration(Ops.Color) = Ops.Color.Green;\n"
    "  declare $Empty String = empty;\n"
    "  if $C = $Big or $C < $Big or $C <= $Big then set $Flag = true; end if;\n"
    "  if $C = 7 or $C < 8 or $C <= 9 or $C > 10 or $C >= 11 then set $Flag = true; end if;\n"
    "  if $D = $Dec or $D < $Dec or $D <= $Dec then set $Flag = true; end if;\n"
    "  if $Txt = $T or $Txt < $T or $Txt <= $T then set $Flag = true; end if;\n"
    "  if $When = $I/Due or $When < $I/Due or $When <= $I/Due then set $Flag = true; end if;\n"
    "  if $Flag = $I/Done then set $Flag = false; end if;\n"
    "  if $Col = $I/Color then set $Flag = false; end if;\n"
    "  if $I = $S then set $Flag = false; end if;\n"
    "  if $Flag then set $Flag = false; end if;\n"
    "  if $Empty = empty then set $Flag = true; end if;\n"
    "  $Sub = call nanoflow Ops.Sub(I = $I);\n"
    "  call nanoflow Ops.Nothing();\n"
    "  $Srv = call microflow Ops.Server(N = $Sub);\n"
    "  $P = call javascript action Ops.Ping(X = $Sub);\n"
    "  $Tw = call lua action Ops.Twice(X = $P);\n"
    "  $New = create Ops.Item (Name = $Txt, Count = $Tw);\n"
    "  set $New/Ops.Item_Box = $I/Ops.Item_Box;\n"
    "  retrieve $Items from $I/Ops.Item_Box;\n"
    "  retrieve $Back from $Items/Ops.Item_Box;\n"
    "  commit $New;\n"
    "  rollback $New;\n"
    "  retrieve $Open from Ops.Item where [Done = false() and Count > 2] sort by Name asc limit "
    "5;\n"
    "  retrieve $One from Ops.Item where [Name = $T] first;\n"
    "  $List = create list of Ops.Item;\n"
    "  add $New to $List;\n"
    "  remove $New from $List;\n"
    "  set $List = $L;\n"
    "  clear $List;\n"
    "  $N = count($L);\n"
    "  loop $E in $L\n"
    "  begin\n"
    "    set $N = $N + 1;\n"
    "  end loop;\n"
    "  while $N < 100\n"
    "  begin\n"
    "    set $N = $N + 1;\n"
    "  end while;\n"
    "  $First = head($L);\n"
    "  $Rest = tail($L);\n"
    "  $Part = range($L, 1, 2);\n"
    "  $U = union($L, $Rest);\n"
    "  $X = intersect($L, $Rest);\n"
    "  $Y = subtract($L, $Rest);\n"
    "  $Has = contains($L, $I);\n"
    "  $Same = equals($L, $Rest);\n"
    "  $Sorted = sort($L, Name asc);\n"
    "  $Sum = sum($L.Amount);\n"
    "  $Found = find $L by Name = 'x';\n"
    "  declare $Upper String = toUpperCase($Txt);\n"
    "  delete $New;\n"
    "  show message 'Hello ' + $Txt type Warning;\n"
    "  show page Ops.Item_Edit(Item = $I);\n"
    "  show page Ops.Item_Edit(Item = $I) title 'Edit' close pages 2;\n"
    "  close page;\n"
    "  close pages all;\n"
    "  show progress 'Working' blocking;\n"
    "  hide progress;\n"
    "  validation feedback $I/Name message 'Name please';\n"
    "  log info $Txt;\n"
    "  synchronize $I, $L;\n"
    "  synchronize all;\n"
    "  clear from device Ops.Box;\n"
    "  cancel synchronization;\n"
    "  return $Flag and $Has and not($Same);\n"
    "end;\n";

/* Opcodes the compiler never emits (nothing in compiler/ produces them); the every-opcode test
 * splices them into the sample by hand. When the compiler starts emitting one, remove it here. */
static const nf_bc_opcode never_emitted[] = {NF_OPC_NOP, NF_OPC_LGET};

/* ---- bytes ----------------------------------------------------------------------------------- */

typedef struct bytes {
    uint8_t *p;
    size_t n;
} bytes;

static uint32_t rd32(const uint8_t *p, size_t at) {
    return (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 | (uint32_t)p[at + 2] << 16 |
           (uint32_t)p[at + 3] << 24;
}

static void wr32(uint8_t *p, size_t at, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* Header layout (bc_write.c): magic 0, version 4, total length 8, section count 12, checksum 16,
 * model hash 24; the section table follows the 40-byte header, 12 bytes (id, offset, length)
 * per section. */
enum { AT_VERSION = 4, AT_TOTAL = 8, AT_NSEC = 12, AT_CHECKSUM = 16 };

static size_t sec_entry(uint32_t id) {
    return NF_BC_HEADER_SIZE + 12u * (id - 1);
}
static uint32_t sec_off(const uint8_t *p, uint32_t id) {
    return rd32(p, sec_entry(id) + 4);
}
static uint32_t sec_len(const uint8_t *p, uint32_t id) {
    return rd32(p, sec_entry(id) + 8);
}

/* ---- compiling ------------------------------------------------------------------------------- */

static bytes build(nf_cc_compilation *c, const char *what) {
    nf_bc_module m;
    if (!nf_cc_build(c, &m)) {
        nf_cc_diags_print(nf_cc_diagnostics(c), nf_cc_sources_of(c), stderr, false);
        fail_msg("%s does not compile (diagnostics above)", what);
    }
    bytes b = {NULL, 0};
    if (!nf_bc_write(&m, &b.p, &b.n)) fail_msg("nf_bc_write failed for %s", what);
    return b;
}

static bytes compile_text(const char *name, const char *text) {
    nf_cc_compilation *c = nf_cc_new();
    assert_non_null(c);
    assert_true(nf_cc_add_source(c, name, text, strlen(text)));
    bytes b = build(c, name);
    nf_cc_free(c);
    return b;
}

static const char *source_dir(void) {
    const char *d = getenv("NF_SOURCE_DIR");
    if (!d) fail_msg("NF_SOURCE_DIR is not set (ctest sets it to the repository root)");
    return d;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Compiles every *.mdl file of a directory of the repository, in name order. */
static bytes compile_dir(const char *rel) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", source_dir(), rel);
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    char *names[256];
    size_t n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL && n < 256) {
        size_t len = strlen(ent->d_name);
        if (len > 4 && strcmp(ent->d_name + len - 4, ".mdl") == 0) names[n++] = strdup(ent->d_name);
    }
    closedir(d);
    if (n == 0) fail_msg("no .mdl files in %s", dir);
    qsort(names, n, sizeof *names, cmp_str);
    nf_cc_compilation *c = nf_cc_new();
    assert_non_null(c);
    for (size_t i = 0; i < n; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        const char *err = NULL;
        if (!nf_cc_add_file(c, path, &err)) fail_msg("cannot read %s: %s", path, err ? err : "?");
        free(names[i]);
    }
    bytes b = build(c, rel);
    nf_cc_free(c);
    return b;
}

/* Compiled once for the whole suite (group setup). */
static bytes sample, demo;

static int group_setup(void **state) {
    (void)state;
    sample = compile_text("sample.mdl", sample_app);
    demo = compile_dir("examples/inspection");
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    free(sample.p);
    free(demo.p);
    return 0;
}

/* ---- loading and finding things in a module -------------------------------------------------- */

/* What a test holds is released by the per-test teardown, so a failing test (cmocka leaves it
 * by a long jump) leaks nothing and LeakSanitizer stays quiet about it. */
enum { MAX_HELD = 64 };
static nf_bc_module held_modules[MAX_HELD];
static size_t nheld_modules;
static void *held_blocks[MAX_HELD];
static size_t nheld_blocks;

static void *hold(void *p) {
    if (!p) fail_msg("out of memory");
    if (nheld_blocks == MAX_HELD) fail_msg("a test holds more than %d blocks", MAX_HELD);
    held_blocks[nheld_blocks++] = p;
    return p;
}

static void load_ok(bytes b, nf_bc_module *m) {
    char err[512] = "";
    if (!nf_bc_load(b.p, b.n, m, err, sizeof err))
        fail_msg("a valid module does not load: %s", err);
    if (nheld_modules == MAX_HELD) fail_msg("a test holds more than %d modules", MAX_HELD);
    held_modules[nheld_modules++] = *m;
}

static bytes held(bytes b) {
    hold(b.p);
    return b;
}

static bytes copy_of(bytes b) {
    bytes c = {hold(malloc(b.n ? b.n : 1)), b.n};
    memcpy(c.p, b.p, b.n);
    return c;
}

/* nf_bc_free, for a module that load_ok may have handed out. */
static void release(nf_bc_module *m) {
    for (size_t i = 0; i < nheld_modules; i++)
        if (held_modules[i].storage == m->storage) {
            held_modules[i] = held_modules[--nheld_modules];
            break;
        }
    nf_bc_free(m);
}

static int release_all(void **state) {
    (void)state;
    for (size_t i = 0; i < nheld_modules; i++)
        nf_bc_free(&held_modules[i]);
    for (size_t i = 0; i < nheld_blocks; i++)
        free(held_blocks[i]);
    nheld_modules = nheld_blocks = 0;
    return 0;
}

static nf_bc_flow *flow_named(nf_bc_module *m, const char *name) {
    for (uint32_t i = 0; i < m->nflows; i++)
        if (strcmp(m->strings[m->flows[i].name], name) == 0) return &m->flows[i];
    fail_msg("the sample has no flow %s", name);
    return NULL;
}

static uint32_t flow_index(const nf_bc_module *m, const nf_bc_flow *f) {
    return (uint32_t)(f - m->flows);
}

static uint32_t entity_named(const nf_bc_module *m, const char *name) {
    for (uint32_t i = 0; i < m->nentities; i++)
        if (strcmp(m->strings[m->entities[i].name], name) == 0) return i;
    fail_msg("the sample has no entity %s", name);
    return 0;
}

/* The pc of the first instruction with opcode op. */
static uint32_t find_op(const nf_bc_flow *f, nf_bc_opcode op) {
    for (uint32_t pc = 0; pc < f->ncode; pc++)
        if (NF_BC_OP(f->code[pc]) == op) return pc;
    fail_msg("the sample flow has no %s instruction", nf_bc_opinfo_table[op].name);
    return 0;
}

/* The first register of the given type kind other than `except`. */
static uint32_t reg_of(const nf_bc_flow *f, uint8_t kind, uint32_t except) {
    for (uint32_t r = 0; r < f->nregs; r++)
        if (r != except && f->regs[r].kind == kind) return r;
    fail_msg("the sample flow has no register of kind %u", kind);
    return 0;
}

static nf_bc_insn with_a(nf_bc_insn in, uint32_t a) {
    return (in & ~0x0000FF00u) | (a & 0xFFu) << 8;
}
static nf_bc_insn with_b(nf_bc_insn in, uint32_t b) {
    return (in & ~0x00FF0000u) | (b & 0xFFu) << 16;
}
static nf_bc_insn with_c(nf_bc_insn in, uint32_t c) {
    return (in & ~0xFF000000u) | (c & 0xFFu) << 24;
}
static nf_bc_insn with_bx(nf_bc_insn in, uint32_t bx) {
    return (in & 0xFFFFu) | (bx & 0xFFFFu) << 16;
}

/* ---- what a rejection must look like --------------------------------------------------------- */

static bool contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
            i++;
        if (i == n) return true;
    }
    return false;
}

/* Verifier messages start with the place ("flow X, pc N: "); the key word must name the
 * problem itself, so it is looked for after that prefix. */
static const char *problem_part(const char *err) {
    const char *pc = strstr(err, ", pc ");
    if (strncmp(err, "flow ", 5) != 0 || !pc) return err;
    const char *colon = strstr(pc, ": ");
    return colon ? colon + 2 : err;
}

/* Whether the message contains one of the key words ("a|b|c"), ignoring case. */
static bool names(const char *err, const char *words) {
    char one[64];
    for (const char *w = words; *w;) {
        size_t n = strcspn(w, "|");
        snprintf(one, sizeof one, "%.*s", (int)n, w);
        if (contains_ci(err, one)) return true;
        w += n + (w[n] == '|');
    }
    return false;
}

static void require_names(const char *err, const char *word, const char *stage) {
    if (!err[0]) fail_msg("%s rejected the module without a message", stage);
    if (!names(problem_part(err), word))
        fail_msg("%s rejected the module, but the message does not name the problem (\"%s\"): %s",
                 stage, word, err);
}

static void require_empty(const nf_bc_module *m) {
    static const nf_bc_module zero;
    if (memcmp(m, &zero, sizeof zero) != 0) fail_msg("a failed load left the module non-empty");
}

/* Loading these bytes fails, and the message contains `word`. */
static void expect_load_fails(const uint8_t *p, size_t n, const char *word) {
    nf_bc_module m;
    char err[512] = "";
    if (nf_bc_load(p, n, &m, err, sizeof err)) {
        nf_bc_free(&m);
        fail_msg(
            "nf_bc_load accepted a module that it must reject (expected a message about \"%s\")",
            word);
    }
    require_empty(&m);
    require_names(err, word, "nf_bc_load");
    print_message("    rejected: %s\n", err);
}

/* The verifier rejects the in-memory module, and so does the loader once it is written out. */
static void expect_rejected(const nf_bc_module *m, const char *word) {
    char err[512] = "";
    if (nf_bc_verify(m, err, sizeof err))
        fail_msg(
            "nf_bc_verify accepted a module that it must reject (expected a message about \"%s\")",
            word);
    require_names(err, word, "nf_bc_verify");
    bytes b = {NULL, 0};
    assert_true(nf_bc_write(m, &b.p, &b.n));
    hold(b.p);
    expect_load_fails(b.p, b.n, word);
}

#include "isolated.h"

/* What the damaged-file scenarios do to each mutant: the sample app gets every check, the
 * larger demo app (27 KB, so thousands of loads) the essential ones, which keeps the scenarios
 * within seconds under ASan. */
typedef struct mutants {
    const bytes *b;
    bool thorough; /* also: the checksum catches each unsealed mutant; accepted modules write
                      back to bytes that load */
} mutants;

static bool thorough;
static bool disassemble = true; /* try_load disassembles what it loads */

/* One load of possibly damaged bytes: it fails with a message and leaves the module empty, or
 * it succeeds with a module that verifies, disassembles (and, when thorough, writes back to
 * bytes that load again). */
static void try_load(const uint8_t *p, size_t n) {
    static const nf_bc_module zero;
    nf_bc_module m;
    enum { ERRN = 256 };
    char *err = malloc(ERRN); /* exact size: ASan sees a write past the limit */
    if (!err) abort();
    memset(err, 'x', ERRN);
    shared->loads++;
    if (!nf_bc_load(p, n, &m, err, ERRN)) {
        if (!memchr(err, '\0', ERRN))
            note_problem("%s at byte %zu: the error message is not terminated", shared->what,
                         shared->at);
        else if (!err[0])
            note_problem("%s at byte %zu: load failed without a message", shared->what, shared->at);
        if (memcmp(&m, &zero, sizeof zero) != 0)
            note_problem("%s at byte %zu: a failed load left the module non-empty", shared->what,
                         shared->at);
        free(err);
        return;
    }
    shared->accepted++;
    if (!nf_bc_verify(&m, err, ERRN))
        note_problem("%s at byte %zu: loaded, then failed verification: %s", shared->what,
                     shared->at, err);
    if (disassemble) {
        FILE *null = fopen("/dev/null", "w");
        if (!null) abort();
        nf_bc_disasm(&m, null);
        fclose(null);
    }
    uint8_t *again = NULL;
    size_t again_n = 0;
    if (thorough && !nf_bc_write(&m, &again, &again_n)) {
        note_problem("%s at byte %zu: a loaded module does not write", shared->what, shared->at);
    } else if (thorough) {
        nf_bc_module m2;
        if (!nf_bc_load(again, again_n, &m2, err, ERRN))
            note_problem("%s at byte %zu: a loaded module, written again, does not load: %s",
                         shared->what, shared->at, err);
        else
            nf_bc_free(&m2);
        free(again);
    }
    nf_bc_free(&m);
    free(err);
}

/* ==== Deterministic output ==================================================================== */

static void require_same_bytes(bytes a, bytes b, const char *what) {
    if (a.n != b.n) fail_msg("%s: %zu bytes, then %zu bytes", what, a.n, b.n);
    for (size_t i = 0; i < a.n; i++)
        if (a.p[i] != b.p[i]) fail_msg("%s: the bytes differ first at offset %zu", what, i);
}

static void the_same_sources_give_the_same_bytes(void **state) {
    (void)state;
    /* separate compilations, with different heap layouts in between */
    bytes d1 = held(compile_dir("examples/inspection"));
    void *noise = malloc(12345);
    bytes s1 = held(compile_text("sample.mdl", sample_app));
    bytes d2 = held(compile_dir("examples/inspection"));
    free(noise);
    noise = malloc(777);
    bytes s2 = held(compile_text("sample.mdl", sample_app));
    free(noise);
    require_same_bytes(d1, d2, "the demo app compiled twice");
    require_same_bytes(s1, s2, "the sample app compiled twice");
    require_same_bytes(d1, demo, "the demo app compiled a third time");

    /* write → load → write is the identity */
    bytes apps[] = {d1, s1};
    for (size_t i = 0; i < 2; i++) {
        nf_bc_module m;
        load_ok(apps[i], &m);
        bytes again = {NULL, 0};
        assert_true(nf_bc_write(&m, &again.p, &again.n));
        hold(again.p);
        require_same_bytes(apps[i], again,
                           i == 0 ? "the demo app written, loaded and written again"
                                  : "the sample app written, loaded and written again");
        release(&m);
    }
}

/* ==== The header and the section table (byte patches) ========================================= */

static void a_file_without_the_magic_is_rejected(void **state) {
    (void)state;
    bytes b = copy_of(sample);
    memcpy(b.p, "NFBX", 4);
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "NFBC");
    expect_load_fails((const uint8_t *)"hello, world", 12, "NFBC");
    expect_load_fails(NULL, 0, "NFBC");
}

static void a_future_format_version_is_rejected(void **state) {
    (void)state;
    bytes b = copy_of(sample);
    b.p[AT_VERSION] = NF_BC_FORMAT_VERSION + 1;
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "version");
}

static void a_damaged_byte_is_caught_by_the_checksum(void **state) {
    (void)state;
    bytes b = copy_of(sample);
    b.p[b.n / 2] ^= 0x10;
    expect_load_fails(b.p, b.n, "checksum");
    b.p[b.n / 2] ^= 0x10;
    b.p[AT_CHECKSUM] ^= 1; /* the checksum itself */
    expect_load_fails(b.p, b.n, "checksum");
}

static void a_length_that_disagrees_with_the_header_is_rejected(void **state) {
    (void)state;
    /* one byte missing, one byte too many: the header's total length catches both */
    expect_load_fails(sample.p, sample.n - 1, "truncated");
    bytes b = {hold(malloc(sample.n + 1)), sample.n + 1};
    memcpy(b.p, sample.p, sample.n);
    b.p[sample.n] = 0;
    expect_load_fails(b.p, b.n, "padded");
    /* a file shorter than the header */
    expect_load_fails(sample.p, NF_BC_HEADER_SIZE - 1, "header");
}

static void a_wrong_section_count_is_rejected(void **state) {
    (void)state;
    bytes b = copy_of(sample);
    wr32(b.p, AT_NSEC, NF_BC_SEC_COUNT_ - 2);
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "sections");
    wr32(b.p, AT_NSEC, 0x10000000u); /* a table far larger than the file */
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "sections");
}

static void sections_out_of_order_are_rejected(void **state) {
    (void)state;
    bytes b = copy_of(sample);
    wr32(b.p, sec_entry(2), 3); /* the second entry claims id 3 */
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "order");
}

static void a_section_that_runs_past_the_end_of_the_file_is_rejected(void **state) {
    (void)state;
    bytes b = copy_of(sample);
    uint32_t last = NF_BC_SEC_COUNT_ - 1;
    wr32(b.p, sec_entry(last) + 8, sec_len(b.p, last) + 4);
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "outside");
    /* a length so large that offset + length wraps around 32 bits */
    wr32(b.p, sec_entry(last) + 8, 0xFFFFFFF0u);
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "outside");
    /* the file cut short, with a header that agrees with the cut: the sections do not */
    size_t cut = sec_off(sample.p, last) + sec_len(sample.p, last) / 2;
    bytes t = {hold(malloc(cut)), cut};
    memcpy(t.p, sample.p, cut);
    nf_bc_reseal(t.p, t.n);
    expect_load_fails(t.p, t.n, "outside");
}

static void overlapping_sections_are_rejected(void **state) {
    (void)state;
    bytes b = copy_of(sample);
    wr32(b.p, sec_entry(NF_BC_SEC_CONSTS) + 4, sec_off(b.p, NF_BC_SEC_STRINGS)); /* both at once */
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "overlap");
}

static void a_misaligned_section_is_rejected(void **state) {
    (void)state;
    /* the flows section moved one byte later (and one byte shorter): it overlaps nothing and
     * stays inside the file, but sections start on 4-byte boundaries */
    bytes b = copy_of(sample);
    uint32_t id = NF_BC_SEC_FLOWS;
    wr32(b.p, sec_entry(id) + 4, sec_off(b.p, id) + 1);
    wr32(b.p, sec_entry(id) + 8, sec_len(b.p, id) - 1);
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "align");
}

static void a_string_with_a_nul_byte_is_rejected(void **state) {
    (void)state;
    /* the sample's first non-empty string gets a NUL in the middle */
    bytes b = copy_of(sample);
    uint32_t off = sec_off(b.p, NF_BC_SEC_STRINGS), n = rd32(b.p, off);
    size_t blob = off + 4 + 8 * (size_t)n;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t so = rd32(b.p, off + 4 + 8 * i), sl = rd32(b.p, off + 8 + 8 * i);
        if (sl >= 2) {
            b.p[blob + so + 1] = 0;
            break;
        }
    }
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "NUL");
}

/* Finds where a 32-bit field of the struct lands in the bytes: writes the module with two
 * values of the field and returns the first offset where the bytes differ. */
static size_t locate_field(nf_bc_module *m, uint8_t *field, uint8_t v1, uint8_t v2) {
    uint8_t old = *field;
    bytes a = {NULL, 0}, b = {NULL, 0};
    *field = v1;
    assert_true(nf_bc_write(m, &a.p, &a.n));
    hold(a.p);
    *field = v2;
    assert_true(nf_bc_write(m, &b.p, &b.n));
    hold(b.p);
    *field = old;
    assert_int_equal(a.n, b.n);
    size_t at = NF_BC_HEADER_SIZE; /* past the checksum, which differs too */
    while (at < a.n && a.p[at] == b.p[at])
        at++;
    assert_true(at < a.n);
    return at;
}

static void a_descriptor_kind_is_not_read_modulo_256(void **state) {
    (void)state;
    /* descriptor kinds are 32-bit words in the file: kind 256 is not kind 0 (retrieve) */
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t d = 0;
    while (d < f->ndescs && f->descs[d].kind != NF_DESC_RETRIEVE)
        d++;
    assert_true(d < f->ndescs);
    size_t at = locate_field(&m, &f->descs[d].kind, NF_DESC_RETRIEVE, NF_DESC_SORT);
    bytes b = {NULL, 0};
    assert_true(nf_bc_write(&m, &b.p, &b.n));
    hold(b.p);
    assert_int_equal(rd32(b.p, at), NF_DESC_RETRIEVE);
    wr32(b.p, at, 256 + NF_DESC_RETRIEVE);
    nf_bc_reseal(b.p, b.n);
    expect_load_fails(b.p, b.n, "descriptor");
    release(&m);
}

/* ==== Indices, operands and types (in-memory edits, written out again) ======================== */

static void an_out_of_range_register_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_ADD_I);
    f->code[pc] = with_b(f->code[pc], f->nregs); /* one past the last register */
    expect_rejected(&m, "register");
    release(&m);
}

static void an_out_of_range_constant_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_LOADK);
    f->code[pc] = with_bx(f->code[pc], m.nconsts);
    expect_rejected(&m, "constant");
    release(&m);
}

static void an_out_of_range_string_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Server");
    uint32_t pc = find_op(f, NF_OPC_UNSUPPORTED);
    f->code[pc] = with_bx(f->code[pc], m.nstrings);
    expect_rejected(&m, "string");
    release(&m);
    /* and a name in the model */
    load_ok(sample, &m);
    m.entities[0].name = m.nstrings + 7;
    expect_rejected(&m, "string");
    release(&m);
}

static void an_out_of_range_entity_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_CLEARDEV);
    f->code[pc] = with_bx(f->code[pc], m.nentities);
    expect_rejected(&m, "entity");
    release(&m);
    /* a register typed with a missing entity */
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Everything");
    f->regs[reg_of(f, NF_BT_OBJ, NF_BC_NONE)].ref = (uint16_t)m.nentities;
    expect_rejected(&m, "entity");
    release(&m);
}

static void an_out_of_range_attribute_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_GETA);
    f->code[pc] = with_c(f->code[pc], 200);
    expect_rejected(&m, "attribute|member");
    release(&m);
}

static void a_call_to_a_missing_flow_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_CALL);
    f->code[pc] = with_bx(f->code[pc], m.nflows);
    expect_rejected(&m, "flow");
    release(&m);
    /* an event handler that names a missing flow */
    load_ok(sample, &m);
    static nf_bc_event ev = {0, 1, 1, 0, 0};
    ev.flow = m.nflows + 3;
    nf_bc_entity *e = &m.entities[entity_named(&m, "Ops.Item")];
    e->events = &ev; /* the loaded module's storage still frees its own arrays */
    e->nevents = 1;
    expect_rejected(&m, "event");
    release(&m);
}

static void a_jump_outside_the_flow_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_JMP);
    f->code[pc] = NF_BC_MAKE_SJ(NF_OPC_JMP, (int32_t)(f->ncode - pc)); /* lands one past the end */
    expect_rejected(&m, "jump");
    release(&m);
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Everything");
    pc = find_op(f, NF_OPC_JMP);
    f->code[pc] = NF_BC_MAKE_SJ(NF_OPC_JMP, -(int32_t)pc - 2); /* before the first instruction */
    expect_rejected(&m, "jump");
    release(&m);
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Everything");
    pc = find_op(f, NF_OPC_FORLIST);
    f->code[pc] =
        NF_BC_MAKE_ASBX(NF_OPC_FORLIST, NF_BC_A(f->code[pc]), (int32_t)(f->ncode + 5 - pc));
    expect_rejected(&m, "jump");
    release(&m);
}

/* A test skips the next instruction: a test just before the last instruction would skip past
 * the end of the code. */
static void a_test_that_skips_past_the_end_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_TEST);
    nf_bc_insn test = f->code[pc], last = f->code[f->ncode - 1];
    f->code[f->ncode - 2] = test; /* TEST; RET: when the test skips, nothing follows */
    f->code[f->ncode - 1] = last;
    expect_rejected(&m, "test at the end");
    release(&m);
}

static void a_handler_outside_the_flow_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Server");
    assert_true(f->nhandlers > 0);
    f->handlers[0].end = f->ncode + 1;
    expect_rejected(&m, "handler");
    release(&m);
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Server");
    f->handlers[0].target = f->ncode;
    expect_rejected(&m, "handler");
    release(&m);
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Server");
    f->handlers[0].start = f->handlers[0].end + 1; /* an inverted range */
    expect_rejected(&m, "handler");
    release(&m);
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Server");
    f->handlers[0].error_reg = (uint8_t)f->nregs;
    expect_rejected(&m, "handler");
    release(&m);
}

static void a_register_of_the_wrong_type_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_ADD_I);
    f->code[pc] = with_b(f->code[pc], reg_of(f, NF_BT_STR, NF_BC_NONE)); /* Integer + String */
    expect_rejected(&m, "type");
    release(&m);
    /* a Decimal result written into a Boolean register */
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Everything");
    pc = find_op(f, NF_OPC_MUL_D);
    f->code[pc] = with_a(f->code[pc], reg_of(f, NF_BT_BOOL, NF_BC_NONE));
    expect_rejected(&m, "type");
    release(&m);
    /* a list operation on an object register */
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Everything");
    pc = find_op(f, NF_OPC_LCLEAR);
    f->code[pc] = with_a(f->code[pc], reg_of(f, NF_BT_OBJ, NF_BC_NONE));
    expect_rejected(&m, "type");
    release(&m);
}

static void a_call_whose_arguments_do_not_fit_the_callee_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    const nf_bc_flow *sub = flow_named(&m, "Ops.Sub");
    /* CALL rA Ops.Sub passes R[A+1], an Ops.Item; move the block so that the argument is
     * something else and the Integer result still fits */
    uint32_t pc = 0;
    while (pc < f->ncode &&
           !(NF_BC_OP(f->code[pc]) == NF_OPC_CALL && NF_BC_BX(f->code[pc]) == flow_index(&m, sub)))
        pc++;
    assert_true(pc < f->ncode);
    uint32_t a = 0;
    while (a + 1 < f->nregs && !(f->regs[a].kind == NF_BT_INT && f->regs[a + 1].kind != NF_BT_OBJ))
        a++;
    assert_true(a + 1 < f->nregs);
    f->code[pc] = with_a(f->code[pc], a);
    expect_rejected(&m, "argument");
    release(&m);
    /* the argument block runs past the caller's registers */
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Everything");
    f->code[pc] = with_a(f->code[pc], f->nregs - 1u);
    expect_rejected(&m, "register");
    release(&m);
    /* a microflow call to a nanoflow */
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Everything");
    uint32_t mf = find_op(f, NF_OPC_CALLMF);
    f->code[mf] = with_bx(f->code[mf], flow_index(&m, flow_named(&m, "Ops.Nothing")));
    expect_rejected(&m, "nanoflow");
    release(&m);
}

static void an_xpath_node_that_points_forward_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    uint32_t x = 0;
    while (x < m.nxnodes && m.xnodes[x].kind != NF_BX_AND)
        x++;
    assert_true(x < m.nxnodes);
    m.xnodes[x].b = x; /* itself: a cycle */
    expect_rejected(&m, "forward");
    release(&m);
    load_ok(sample, &m);
    m.xnodes[x].a = m.nxnodes + 10; /* beyond the table */
    expect_rejected(&m, "xpath");
    release(&m);
}

static void a_generalization_cycle_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    uint32_t pet = entity_named(&m, "Ops.Pet"), dog = entity_named(&m, "Ops.Dog");
    assert_int_equal(m.entities[dog].generalization, pet);
    m.entities[pet].generalization = dog;
    expect_rejected(&m, "cycle");
    release(&m);
    load_ok(sample, &m);
    m.entities[pet].generalization = pet; /* itself */
    expect_rejected(&m, "cycle");
    release(&m);
}

static void other_broken_code_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    /* an unknown opcode */
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    f->code[0] = NF_BC_MAKE_ABC(NF_OPC_COUNT_ + 3, 0, 0, 0);
    expect_rejected(&m, "opcode");
    release(&m);
    /* code that runs off its end */
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Sub");
    f->code[f->ncode - 1] = NF_BC_MAKE_ABC(NF_OPC_NOP, 0, 0, 0);
    expect_rejected(&m, "last instruction");
    release(&m);
    /* a backward-only LOOP that jumps forward */
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_LOOP);
    f->code[pc] = NF_BC_MAKE_SJ(NF_OPC_LOOP, 1);
    expect_rejected(&m, "LOOP");
    release(&m);
    /* a value returned from a flow that returns nothing */
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Nothing");
    f->code[f->ncode - 1] = NF_BC_MAKE_ABC(NF_OPC_RET, 0, 0, 0);
    expect_rejected(&m, "register");
    release(&m);
    /* a constant of the wrong type */
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Everything");
    pc = find_op(f, NF_OPC_LOADK);
    f->code[pc] = with_a(f->code[pc], reg_of(f, NF_BT_DT, NF_BC_NONE));
    expect_rejected(&m, "LOADK");
    release(&m);
    /* a Decimal constant that is not a number */
    load_ok(sample, &m);
    uint32_t k = 0;
    while (k < m.nconsts && m.consts[k].kind != NF_BT_DEC)
        k++;
    assert_true(k < m.nconsts);
    m.consts[k].str = m.consts[0].kind == NF_BT_STR ? m.consts[0].str : m.entities[0].name;
    expect_rejected(&m, "Decimal");
    release(&m);
}

/* The verifier promises that the interpreter can trust object operands: every register that
 * receives an object holds one of the entity its type names. */
static void an_association_into_a_register_of_another_entity_is_rejected(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_GETR); /* GETR rBox rItem /Ops.Item_Box */
    uint32_t box = NF_BC_A(f->code[pc]), item = entity_named(&m, "Ops.Item"), r = 0;
    assert_int_equal(f->regs[box].ref, entity_named(&m, "Ops.Box"));
    while (r < f->nregs && !(f->regs[r].kind == NF_BT_OBJ && f->regs[r].ref == item))
        r++;
    assert_true(r < f->nregs);
    f->code[pc] = with_a(f->code[pc], r); /* the Ops.Box lands in an Ops.Item register */
    expect_rejected(&m, "entity");
    release(&m);
}

static void an_association_set_to_a_value_that_is_no_object_is_rejected(void **state) {
    (void)state;
    /* SETR with an Integer as the associated object */
    nf_bc_module m;
    nf_bc_flow *f;
    uint32_t pc;
    load_ok(sample, &m);
    f = flow_named(&m, "Ops.Everything");
    pc = find_op(f, NF_OPC_SETR);
    f->code[pc] = with_c(f->code[pc], reg_of(f, NF_BT_INT, NF_BC_NONE));
    expect_rejected(&m, "type");
    release(&m);
}

static void a_list_gets_only_objects_of_its_entity(void **state) {
    (void)state;
    /* LADD rList rObj: add an Ops.Box to a List of Ops.Item */
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    uint32_t pc = find_op(f, NF_OPC_LADD), box = entity_named(&m, "Ops.Box"), r = 0;
    while (r < f->nregs && !(f->regs[r].kind == NF_BT_OBJ && f->regs[r].ref == box))
        r++;
    assert_true(r < f->nregs);
    f->code[pc] = with_b(f->code[pc], r);
    expect_rejected(&m, "entity");
    release(&m);
}

static void an_event_handler_takes_the_object(void **state) {
    (void)state;
    /* Ops.Nothing, which has no parameters, as the before-commit handler of Ops.Item */
    nf_bc_module m;
    load_ok(sample, &m);
    static nf_bc_event ev = {0, 1, 1, 0, 0};
    ev.flow = flow_index(&m, flow_named(&m, "Ops.Nothing"));
    nf_bc_entity *e = &m.entities[entity_named(&m, "Ops.Item")];
    e->events = &ev; /* the loaded module's storage still frees its own arrays */
    e->nevents = 1;
    expect_rejected(&m, "parameter|event");
    release(&m);
}

static void generalization_chains_deeper_than_the_helpers_reach_are_rejected(void **state) {
    (void)state;
    /* 300 entities, each extending the one before. nf_bc_entity_is_a, nf_bc_entity_attr_count
     * and nf_bc_entity_attr must see the whole chain — or the loader must refuse it. */
    enum { DEPTH = 300 };
    nf_bc_module m;
    load_ok(sample, &m);
    uint32_t n0 = m.nentities, per = m.entities[0].nattrs;
    assert_true(per > 0);
    nf_bc_entity *es = hold(calloc(n0 + DEPTH, sizeof *es));
    memcpy(es, m.entities, n0 * sizeof *es);
    for (uint32_t i = 0; i < DEPTH; i++) {
        nf_bc_entity *e = &es[n0 + i];
        e->name = m.entities[0].name;
        e->generalization = i ? n0 + i - 1 : NF_BC_NONE;
        e->nattrs = per;
        e->attrs = m.entities[0].attrs;
        e->profile_xpath = e->revision_attr = NF_BC_NONE;
    }
    m.entities = es; /* the loaded module's storage still frees its own arrays */
    m.nentities = n0 + DEPTH;
    bytes b = {NULL, 0};
    assert_true(nf_bc_write(&m, &b.p, &b.n));
    hold(b.p);
    release(&m);
    char err[512] = "";
    if (!nf_bc_load(b.p, b.n, &m, err, sizeof err)) {
        require_names(err, "generalization|deep|depth", "nf_bc_load");
        return;
    }
    held_modules[nheld_modules++] = m;
    uint32_t deepest = n0 + DEPTH - 1;
    if (!nf_bc_entity_is_a(&m, deepest, n0))
        fail_msg(
            "a %d-deep generalization chain loads, but nf_bc_entity_is_a does not see its root",
            DEPTH);
    if (nf_bc_entity_attr_count(&m, deepest) != DEPTH * per)
        fail_msg("a %d-deep generalization chain loads, but nf_bc_entity_attr_count says %u "
                 "instead of %u",
                 DEPTH, nf_bc_entity_attr_count(&m, deepest), DEPTH * per);
}

/* An XPath tree whose nodes share children is a DAG: walking it as a tree takes time
 * exponential in its depth. The loader must answer quickly all the same. */
static void xpath_dag_scenario(const void *arg) {
    (void)arg;
    nf_bc_module m;
    char err[512];
    if (!nf_bc_load(sample.p, sample.n, &m, err, sizeof err)) {
        note_problem("the sample does not load: %s", err);
        return;
    }
    enum { N = 64 };
    static nf_bc_xnode nodes[N];
    nodes[0] = (nf_bc_xnode){NF_BX_EMPTY, 0, 0, 0, 0};
    for (uint32_t i = 1; i < N; i++)
        nodes[i] = (nf_bc_xnode){(uint8_t)NF_BX_AND, 0, 0, i - 1, i - 1};
    m.xnodes = nodes; /* the loaded module's storage still frees its own arrays */
    m.nxnodes = N;
    m.nxwords = 0;
    for (uint32_t e = 0; e < m.nentities; e++)
        m.entities[e].profile_xpath = NF_BC_NONE;
    m.entities[0].profile_xpath = N - 1;
    for (uint32_t i = 0; i < m.nflows; i++) /* no retrieve refers to the old nodes */
        for (uint32_t d = 0; d < m.flows[i].ndescs; d++)
            if (m.flows[i].descs[d].kind == NF_DESC_RETRIEVE) m.flows[i].descs[d].w[1] = NF_BC_NONE;
    for (uint32_t e = 0; e < m.nentities; e++)
        for (uint32_t a = 0; a < m.entities[e].naccess; a++)
            m.entities[e].access[a].xpath = NF_BC_NONE;
    uint8_t *p = NULL;
    size_t n = 0;
    if (!nf_bc_write(&m, &p, &n)) {
        note_problem("nf_bc_write failed");
        return;
    }
    nf_bc_free(&m);
    shared->what = "an XPath DAG of 64 levels";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    alarm(5);
    try_load(p, n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (s > 2) note_problem("loading a 64-level XPath DAG took %.1f s", s);
    free(p);
}

static void shared_xpath_nodes_do_not_make_verification_exponential(void **state) {
    (void)state;
    run_isolated("XPath DAG", xpath_dag_scenario, NULL);
}

/* ==== Damaged files never crash the loader ==================================================== */

/* Every byte gets one bit flipped (the bit rotates with the offset). Each mutant is resealed so
 * that the checksum matches, then loaded: that load reaches the section readers and the
 * verifier. Thorough runs first load the mutant unsealed: the checksum must catch it. Flips in
 * the first 24 bytes (header fields before the checksummed part) are loaded as they are. */
static void flip_scenario(const void *arg) {
    const mutants *mu = arg;
    bytes b = *mu->b;
    thorough = mu->thorough;
    uint8_t *p = malloc(b.n);
    uint64_t *prefix = malloc((b.n + 1) * sizeof *prefix); /* checksum state before byte i */
    if (!p || !prefix) abort();
    memcpy(p, b.p, b.n);
    prefix[NF_BC_CHECKSUM_FROM] = NF_BC_HASH_INIT;
    for (size_t i = NF_BC_CHECKSUM_FROM; i < b.n; i++)
        prefix[i + 1] = nf_bc_hash(prefix[i], b.p + i, 1);
    /* The text of the strings: a flip there changes one character of one string, and the module
     * nearly always loads. Disassembling all those (under ASan, a millisecond each) would double
     * the time for the large app; the thorough run disassembles them for every byte. */
    uint32_t so = sec_off(b.p, NF_BC_SEC_STRINGS);
    size_t text_from = so + 4 + 8 * (size_t)rd32(b.p, so),
           text_to = so + sec_len(b.p, NF_BC_SEC_STRINGS);
    for (size_t i = 0; i < b.n && !shared->problem[0]; i++) {
        unsigned bit = (unsigned)(i % 8);
        shared->at = i;
        shared->bit = bit;
        disassemble = thorough || i < text_from || i >= text_to;
        p[i] ^= (uint8_t)(1u << bit);
        if (i >= NF_BC_CHECKSUM_FROM && !thorough) {
            /* nf_bc_reseal(p, b.n), but hashing only from the flipped byte on */
            uint64_t h = nf_bc_hash(prefix[i], p + i, b.n - i);
            wr32(p, AT_CHECKSUM, (uint32_t)h);
            wr32(p, AT_CHECKSUM + 4, (uint32_t)(h >> 32));
            shared->what = "flipped and resealed";
        } else if (i >= NF_BC_CHECKSUM_FROM) {
            shared->what = "flipped";
            char err[256] = "";
            nf_bc_module m;
            shared->loads++;
            if (nf_bc_load(p, b.n, &m, err, sizeof err)) {
                nf_bc_free(&m);
                note_problem("a flipped bit at byte %zu got past the checksum", i);
            } else if (!strstr(err, "checksum")) {
                note_problem("a flipped bit at byte %zu was not reported as a checksum error: %s",
                             i, err);
            }
            shared->what = "flipped and resealed";
            nf_bc_reseal(p, b.n);
        } else {
            shared->what = "flipped in the header";
        }
        try_load(p, b.n);
        p[i] = b.p[i]; /* undo the flip and the reseal */
        memcpy(p + AT_TOTAL, b.p + AT_TOTAL, NF_BC_CHECKSUM_FROM - AT_TOTAL);
    }
    free(prefix);
    free(p);
}

static void flipping_any_byte_never_crashes(void **state) {
    (void)state;
    mutants small = {&sample, true}, large = {&demo, false};
    run_isolated("the sample app, one bit per byte", flip_scenario, &small);
    run_isolated("the demo app, one bit per byte", flip_scenario, &large);
}

/* Every prefix of a module, loaded three ways: as it is (the header's length disagrees); with
 * the header resealed to the cut (the section table disagrees); and with the section that holds
 * the cut shortened to end there, later sections made empty and the header resealed — so every
 * section reader meets data that stops in the middle of a record. */
static void truncate_scenario(const void *arg) {
    const mutants *mu = arg;
    bytes b = *mu->b;
    thorough = mu->thorough;
    disassemble = true;
    uint8_t *p = malloc(b.n + 4);
    if (!p) abort();
    for (size_t cut = 0; cut < b.n && !shared->problem[0]; cut++) {
        shared->at = cut;
        shared->what = "truncated";
        try_load(b.p, cut); /* the original bytes: the loader must not read past `cut` */
        if (cut < NF_BC_HEADER_SIZE) {
            if (shared->accepted) note_problem("a %zu-byte prefix loaded", cut);
            continue;
        }
        memcpy(p, b.p, cut);
        if (thorough) { /* (always stopped by the section table: not worth it for large files) */
            shared->what = "truncated and resealed";
            nf_bc_reseal(p, cut);
            try_load(p, cut);
        }
        size_t table_end = NF_BC_HEADER_SIZE + 12u * (NF_BC_SEC_COUNT_ - 1);
        if (cut < table_end) continue;
        /* the cut inside a section: that section ends at the cut, later ones are empty */
        size_t n = (cut + 3) & ~(size_t)3;
        memset(p + cut, 0, n - cut);
        for (uint32_t id = 1; id < NF_BC_SEC_COUNT_; id++) {
            uint32_t off = sec_off(b.p, id), len = sec_len(b.p, id);
            if (off >= cut) {
                wr32(p, sec_entry(id) + 4, (uint32_t)n);
                wr32(p, sec_entry(id) + 8, 0);
            } else if ((size_t)off + len > cut) {
                wr32(p, sec_entry(id) + 8, (uint32_t)(cut - off));
            }
        }
        shared->what = "truncated inside a section";
        nf_bc_reseal(p, n);
        try_load(p, n);
    }
    free(p);
}

static void truncating_at_any_offset_never_crashes(void **state) {
    (void)state;
    mutants small = {&sample, true}, large = {&demo, false};
    run_isolated("the sample app, every prefix", truncate_scenario, &small);
    run_isolated("the demo app, every prefix", truncate_scenario, &large);
}

static void error_messages_fit_any_buffer(void **state) {
    (void)state;
    bytes b = copy_of(sample);
    b.p[AT_VERSION] = 9;
    for (size_t size = 0; size < 24; size++) {
        char *err = size ? hold(malloc(size)) : NULL; /* exact size: ASan sees any write past it */
        nf_bc_module m;
        assert_false(nf_bc_load(b.p, b.n, &m, err, size));
        if (size) assert_non_null(memchr(err, '\0', size));
        assert_false(nf_bc_load((const uint8_t *)"garbage", 7, &m, err, size));
    }
    /* and a verifier message, which starts with the flow's name */
    nf_bc_module m;
    load_ok(sample, &m);
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    f->code[0] = NF_BC_MAKE_ABC(250, 0, 0, 0);
    for (size_t size = 0; size < 24; size++) {
        char *err = size ? hold(malloc(size)) : NULL;
        assert_false(nf_bc_verify(&m, err, size));
        if (size) assert_non_null(memchr(err, '\0', size));
    }
    release(&m);
}

/* ==== Every opcode ============================================================================ */

static void a_module_with_every_opcode_loads_verifies_and_disassembles(void **state) {
    (void)state;
    nf_bc_module m;
    load_ok(sample, &m);
    bool seen[NF_OPC_COUNT_] = {false};
    for (uint32_t i = 0; i < m.nflows; i++)
        for (uint32_t pc = 0; pc < m.flows[i].ncode; pc++)
            seen[NF_BC_OP(m.flows[i].code[pc])] = true;
    char missing[2048] = "";
    for (int op = 0; op < NF_OPC_COUNT_; op++) {
        bool expected = true;
        for (size_t k = 0; k < sizeof never_emitted / sizeof never_emitted[0]; k++)
            if ((int)never_emitted[k] == op) expected = false;
        if (expected && !seen[op]) {
            strncat(missing, " ", sizeof missing - strlen(missing) - 1);
            strncat(missing, nf_bc_opinfo_table[op].name, sizeof missing - strlen(missing) - 1);
        }
        if (!expected && seen[op])
            fail_msg("the compiler now emits %s: take it off never_emitted",
                     nf_bc_opinfo_table[op].name);
    }
    if (missing[0]) fail_msg("the sample app no longer makes the compiler emit:%s", missing);

    /* the opcodes the compiler never emits, spliced in by hand after the last instruction
     * (unreachable, but verified all the same): LGET with the registers of a HEAD and an
     * Integer index, a NOP, then the flow's last instruction again */
    nf_bc_flow *f = flow_named(&m, "Ops.Everything");
    nf_bc_insn head = f->code[find_op(f, NF_OPC_HEAD)];
    nf_bc_insn *code = hold(malloc((f->ncode + 3) * sizeof *code));
    memcpy(code, f->code, f->ncode * sizeof *code);
    code[f->ncode] =
        NF_BC_MAKE_ABC(NF_OPC_LGET, NF_BC_A(head), NF_BC_B(head), reg_of(f, NF_BT_INT, NF_BC_NONE));
    code[f->ncode + 1] = NF_BC_MAKE_ABC(NF_OPC_NOP, 0, 0, 0);
    code[f->ncode + 2] = f->code[f->ncode - 1];
    f->code = code; /* the loaded module's storage still frees its own array */
    f->ncode += 3;
    seen[NF_OPC_LGET] = seen[NF_OPC_NOP] = true;
    for (int op = 0; op < NF_OPC_COUNT_; op++)
        if (!seen[op]) fail_msg("%s is in no flow of the module", nf_bc_opinfo_table[op].name);

    bytes b = {NULL, 0};
    assert_true(nf_bc_write(&m, &b.p, &b.n));
    hold(b.p);
    release(&m);
    char err[512] = "";
    if (!nf_bc_load(b.p, b.n, &m, err, sizeof err))
        fail_msg("the every-opcode module does not load: %s", err);
    held_modules[nheld_modules++] = m;
    if (!nf_bc_verify(&m, err, sizeof err))
        fail_msg("the every-opcode module does not verify: %s", err);
    char *listing = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&listing, &len);
    assert_non_null(out);
    nf_bc_disasm(&m, out);
    fclose(out);
    hold(listing);
    for (int op = 0; op < NF_OPC_COUNT_; op++) {
        char word[40];
        snprintf(word, sizeof word, " %s ", nf_bc_opinfo_table[op].name);
        char word_eol[40];
        snprintf(word_eol, sizeof word_eol, " %s\n", nf_bc_opinfo_table[op].name);
        if (!strstr(listing, word) && !strstr(listing, word_eol))
            fail_msg("the listing shows no %s instruction", nf_bc_opinfo_table[op].name);
    }
    release(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(the_same_sources_give_the_same_bytes, release_all),
        cmocka_unit_test_teardown(a_file_without_the_magic_is_rejected, release_all),
        cmocka_unit_test_teardown(a_future_format_version_is_rejected, release_all),
        cmocka_unit_test_teardown(a_damaged_byte_is_caught_by_the_checksum, release_all),
        cmocka_unit_test_teardown(a_length_that_disagrees_with_the_header_is_rejected, release_all),
        cmocka_unit_test_teardown(a_wrong_section_count_is_rejected, release_all),
        cmocka_unit_test_teardown(sections_out_of_order_are_rejected, release_all),
        cmocka_unit_test_teardown(a_section_that_runs_past_the_end_of_the_file_is_rejected,
                                  release_all),
        cmocka_unit_test_teardown(overlapping_sections_are_rejected, release_all),
        cmocka_unit_test_teardown(a_misaligned_section_is_rejected, release_all),
        cmocka_unit_test_teardown(a_string_with_a_nul_byte_is_rejected, release_all),
        cmocka_unit_test_teardown(a_descriptor_kind_is_not_read_modulo_256, release_all),
        cmocka_unit_test_teardown(an_out_of_range_register_is_rejected, release_all),
        cmocka_unit_test_teardown(an_out_of_range_constant_is_rejected, release_all),
        cmocka_unit_test_teardown(an_out_of_range_string_is_rejected, release_all),
        cmocka_unit_test_teardown(an_out_of_range_entity_is_rejected, release_all),
        cmocka_unit_test_teardown(an_out_of_range_attribute_is_rejected, release_all),
        cmocka_unit_test_teardown(a_call_to_a_missing_flow_is_rejected, release_all),
        cmocka_unit_test_teardown(a_jump_outside_the_flow_is_rejected, release_all),
        cmocka_unit_test_teardown(a_test_that_skips_past_the_end_is_rejected, release_all),
        cmocka_unit_test_teardown(a_handler_outside_the_flow_is_rejected, release_all),
        cmocka_unit_test_teardown(a_register_of_the_wrong_type_is_rejected, release_all),
        cmocka_unit_test_teardown(a_call_whose_arguments_do_not_fit_the_callee_is_rejected,
                                  release_all),
        cmocka_unit_test_teardown(an_xpath_node_that_points_forward_is_rejected, release_all),
        cmocka_unit_test_teardown(a_generalization_cycle_is_rejected, release_all),
        cmocka_unit_test_teardown(other_broken_code_is_rejected, release_all),
        cmocka_unit_test_teardown(an_association_into_a_register_of_another_entity_is_rejected,
                                  release_all),
        cmocka_unit_test_teardown(an_association_set_to_a_value_that_is_no_object_is_rejected,
                                  release_all),
        cmocka_unit_test_teardown(a_list_gets_only_objects_of_its_entity, release_all),
        cmocka_unit_test_teardown(an_event_handler_takes_the_object, release_all),
        cmocka_unit_test_teardown(generalization_chains_deeper_than_the_helpers_reach_are_rejected,
                                  release_all),
        cmocka_unit_test_teardown(shared_xpath_nodes_do_not_make_verification_exponential,
                                  release_all),
        cmocka_unit_test_teardown(flipping_any_byte_never_crashes, release_all),
        cmocka_unit_test_teardown(truncating_at_any_offset_never_crashes, release_all),
        cmocka_unit_test_teardown(error_messages_fit_any_buffer, release_all),
        cmocka_unit_test_teardown(a_module_with_every_opcode_loads_verifies_and_disassembles,
                                  release_all),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
