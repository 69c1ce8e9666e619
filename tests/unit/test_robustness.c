/* test_robustness.c — specification of how the MDL front end treats hostile input (DESIGN §10,
 * the robustness side of the compiler issue): binary garbage, truncation at any byte, absurd
 * nesting, huge files and lines, unterminated constructs and floods of errors. The rule is
 * always the same: the compiler answers with diagnostics — it never crashes, hangs, reads
 * outside its buffers, reports a span outside the file, or stores diagnostics without bound.
 *
 * Every scenario runs in a child process (fork), so an input that crashes the compiler fails
 * its own test with a clear message instead of taking the other tests down with it; a generous
 * watchdog turns a hang into a failure. The child reports what it saw through a pipe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nf_compiler.h"

/* ---- what one compilation (or a batch of them) looked like --------------------------------- */

enum { WATCHDOG_SECONDS = 600 }; /* hang detection only: every scenario needs a few seconds */

typedef struct outcome {
    int ok; /* nf_cc_check's answer for the last text */
    unsigned nerrors, nwarnings, stored, dropped, limit;
    int oom;
    unsigned first_code;     /* code of the first stored diagnostic (they are sorted by position) */
    unsigned low_codes[100]; /* stored diagnostics per code for NF0000–NF0099 (lexical, syntax) */
    size_t rendered;         /* bytes of the rendered diagnostics */
    unsigned compilations;   /* texts compiled by the scenario */
    char problem[512];       /* the first broken rule, "" when none */
} outcome;

static void note_problem(outcome *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void note_problem(outcome *o, const char *fmt, ...) {
    if (o->problem[0]) return; /* keep the first */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->problem, sizeof o->problem, fmt, ap);
    va_end(ap);
}

/* Renders d into memory (plain and colored) and returns the plain size. */
static size_t render(nf_cc_diags *d, nf_cc_sources *srcs, outcome *o, const char *label) {
    size_t plain = 0;
    for (int color = 0; color <= 1; color++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (!out) {
            note_problem(o, "%s: open_memstream failed", label);
            return 0;
        }
        nf_cc_diags_print(d, srcs, out, color);
        fclose(out);
        if (d->n > 0 && len == 0)
            note_problem(o, "%s: %u diagnostics rendered as nothing", label, d->n);
        if (!color) plain = len;
        free(buf);
    }
    return plain;
}

/* Compiles one text as file "input.mdl" and checks the rules every answer must follow. */
static void compile_into(const char *label, const char *text, size_t len, outcome *o) {
    nf_cc_compilation *c = nf_cc_new();
    if (!c || !nf_cc_add_source(c, "input.mdl", text, len)) {
        note_problem(o, "%s: could not set up a compilation of %zu bytes", label, len);
        nf_cc_free(c);
        return;
    }
    bool ok = nf_cc_check(c);
    nf_cc_diags *d = nf_cc_diagnostics(c);
    nf_cc_sources *srcs = nf_cc_sources_of(c);
    o->compilations++;
    o->ok = ok;
    o->nerrors = d->nerrors;
    o->nwarnings = d->nwarnings;
    o->stored = d->n;
    o->dropped = d->dropped;
    o->limit = d->limit;
    o->oom = d->oom;
    o->first_code = d->n ? d->items[0].code : 0;
    memset(o->low_codes, 0, sizeof o->low_codes);
    if (ok != (d->nerrors == 0 && !d->oom))
        note_problem(o, "%s: check answered %d with %u errors", label, ok, d->nerrors);
    if (d->oom) note_problem(o, "%s: out of memory reported", label);
    if (d->n > d->limit * 2) /* notes ride along with their diagnostic, but not without bound */
        note_problem(o, "%s: %u diagnostics stored, limit %u", label, d->n, d->limit);
    for (unsigned i = 0; i < d->n; i++) {
        const nf_cc_diag *g = &d->items[i];
        if (g->code < 100) o->low_codes[g->code]++;
        if (g->span.file >= srcs->n) {
            note_problem(o, "%s: NF%04u names file %u of %u", label, g->code,
                         (unsigned)g->span.file, (unsigned)srcs->n);
            continue;
        }
        size_t flen = srcs->files[g->span.file].len;
        if ((size_t)g->span.off > flen || (size_t)g->span.off + g->span.len > flen)
            note_problem(o, "%s: NF%04u span %u+%u lies outside its file of %zu bytes (%s)", label,
                         g->code, (unsigned)g->span.off, (unsigned)g->span.len, flen,
                         g->msg ? g->msg : "");
        if (!g->msg) note_problem(o, "%s: NF%04u has no message", label, g->code);
    }
    o->rendered = render(d, srcs, o, label);
    nf_cc_free(c);
}

/* ---- running a scenario in a child process -------------------------------------------------- */

typedef void (*scenario)(const void *arg, outcome *o);

/* Runs fn(arg) in a child and returns its outcome. A child that crashed, was stopped by the
 * watchdog or was ended by a sanitizer leaves that in o->problem; see require_fine. */
static void run_isolated(const char *what, scenario fn, const void *arg, outcome *o) {
    memset(o, 0, sizeof *o);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        alarm(WATCHDOG_SECONDS);
        outcome mine;
        memset(&mine, 0, sizeof mine);
        fn(arg, &mine);
        const char *p = (const char *)&mine;
        size_t left = sizeof mine;
        while (left > 0) {
            ssize_t w = write(fds[1], p, left);
            if (w <= 0) _exit(3);
            p += w;
            left -= (size_t)w;
        }
        _exit(0);
    }
    close(fds[1]);
    size_t got = 0;
    char *p = (char *)o;
    for (;;) {
        ssize_t r = read(fds[0], p + got, sizeof *o - got);
        if (r <= 0) break;
        got += (size_t)r;
        if (got == sizeof *o) break;
    }
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
        memset(o, 0, sizeof *o);
        note_problem(o, "%s: did not finish within %d s (hang or runaway slowdown)", what,
                     WATCHDOG_SECONDS);
    } else if (WIFSIGNALED(status)) {
        memset(o, 0, sizeof *o);
        note_problem(o, "%s: the compiler crashed (signal %d)", what, WTERMSIG(status));
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        memset(o, 0, sizeof *o);
        note_problem(
            o, "%s: the compiler process ended with status %d (see the sanitizer report above)",
            what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    } else if (got != sizeof *o) {
        memset(o, 0, sizeof *o);
        note_problem(o, "%s: the child reported nothing", what);
    }
}

/* Fails the test when the scenario crashed, hung or broke a rule. */
static void require_fine(const outcome *o) {
    if (o->problem[0]) fail_msg("%s", o->problem);
}

/* The common case: one text. */
typedef struct text_arg {
    const char *label;
    const char *text;
    size_t len;
} text_arg;

static void compile_scenario(const void *arg, outcome *o) {
    const text_arg *t = arg;
    compile_into(t->label, t->text, t->len, o);
}

/* Checks text in a child; fails the test on a crash or a broken rule. */
static void check_isolated(const char *label, const char *text, size_t len, outcome *o) {
    text_arg t = {label, text, len};
    run_isolated(label, compile_scenario, &t, o);
    require_fine(o);
}

/* The same for a heap text, which is freed before the verdict. */
static void check_owned(const char *label, char *text, size_t len, outcome *o) {
    text_arg t = {label, text, len};
    run_isolated(label, compile_scenario, &t, o);
    free(text);
    require_fine(o);
}

/* ---- building big inputs ----------------------------------------------------------------------
 */

typedef struct buf {
    char *s;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) abort(); /* also used inside scenarios, where cmocka's assertions cannot run */
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void puts_(buf *b, const char *s) {
    put(b, s, strlen(s));
}

static void putf(buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void putf(buf *b, const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) abort();
    put(b, tmp, (size_t)n);
}

static void repeat(buf *b, const char *s, unsigned times) {
    size_t n = strlen(s);
    for (unsigned i = 0; i < times; i++)
        put(b, s, n);
}

/* Deterministic pseudo-random numbers (xorshift64*): the same bytes on every run. */
static uint64_t next_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

/* ---- a representative program ------------------------------------------------------------------
 */

/* Checks clean; covers declarations of every kind, both comment styles, a $$ body, XPath in
 * brackets and in a string, expressions, list operations, handlers and the offline profile. */
static const char sample[] =
    "/** Sample app used by the robustness tests. */\n"
    "mdl 1;\n"
    "create module Shop;\n"
    "create enumeration Shop.Status (Open caption 'Open', Closed caption 'Closed');\n"
    "create persistent entity Shop.Party (Name: String(100) not null error 'Name is required');\n"
    "create persistent entity Shop.Customer extends Shop.Party (\n"
    "  Vip: Boolean default false,\n"
    "  Email: String(200) unique\n"
    ");\n"
    "create persistent entity Shop.Order (\n"
    "  Number: Integer, Total: Decimal default 0,\n"
    "  Status: Enumeration(Shop.Status), Placed: DateTime, Note: String(unlimited)\n"
    ") index (Number desc);\n"
    "create non-persistent entity Shop.Summary (Count: Integer, Amount: Decimal);\n"
    "create association Shop.Order_Customer from Shop.Order to Shop.Customer type Reference;\n"
    "create constant Shop.Limit type Integer default 100 exposed to client;\n"
    "create module role Shop.User;\n"
    "create user role Clerk (Shop.User);\n"
    "create validation rule Shop.PositiveTotal for Shop.Order range Total >= 0 feedback 'Total "
    "must be positive';\n"
    "grant Shop.User on Shop.Order (create, read *, write (Status, Note)) where '[Status = "
    "''Open'']';\n"
    "-- a line comment\n"
    "create lua action Shop.Twice (X: Decimal) returns Decimal\n"
    "$$ return X * 2 $$;\n"
    "create nanoflow Shop.Total ($Order: Shop.Order) returns Decimal folder 'Logic'\n"
    "begin\n"
    "  declare $t Decimal = $Order/Total;\n"
    "  if $t > 1000 and $Order/Status = Shop.Status.Open then\n"
    "    set $t = $t * 0.9;\n"
    "  elsif $t < 0 then\n"
    "    set $t = 0;\n"
    "  else\n"
    "    log info 'normal total {1}' with ({1} = toString($t));\n"
    "  end if;\n"
    "  return $t;\n"
    "end;\n"
    "/* block comment\n"
    "   spanning lines */\n"
    "create nanoflow Shop.Summarize ($Orders: List of Shop.Order) returns Integer\n"
    "begin\n"
    "  $Open = filter $Orders where $currentObject/Status = Shop.Status.Open;\n"
    "  $n = count $Open;\n"
    "  $sum = sum $Orders by Total;\n"
    "  declare $i Integer = 0;\n"
    "  loop $O in $Orders begin\n"
    "    if $O/Number = 7 then\n"
    "      continue;\n"
    "    end if;\n"
    "    set $i = $i + 1;\n"
    "  end loop;\n"
    "  $S = create Shop.Summary (Count = $n, Amount = $sum);\n"
    "  change $S (Count = $i);\n"
    "  return $i + $n;\n"
    "end;\n"
    "create nanoflow Shop.Place ($Customer: Shop.Customer) returns Boolean\n"
    "begin\n"
    "  retrieve $Existing from Shop.Order where [Status = 'Open'][Total > 10] sort by Number desc "
    "first;\n"
    "  retrieve $Mine from $Customer/Shop.Order_Customer;\n"
    "  $O = create Shop.Order (Number = length($Customer/Name), Status = Shop.Status.Open,\n"
    "    Placed = [%CurrentDateTime%], Note = 'it''s new');\n"
    "  set $O/Shop.Order_Customer = $Customer;\n"
    "  commit $O on error without rollback begin\n"
    "    log error 'commit failed';\n"
    "    return false;\n"
    "  end error;\n"
    "  case $O/Status\n"
    "    when Shop.Status.Open then\n"
    "      show message 'placed' type Information;\n"
    "    when Shop.Status.Closed, (empty) then\n"
    "      validation feedback $O/Note message 'closed';\n"
    "  end case;\n"
    "  $Twice = call lua action Shop.Twice(X = $O/Total);\n"
    "  $Sum = call nanoflow Shop.Total(Order = $O);\n"
    "  declare $ok Boolean = $Sum >= 0 and not(contains($Customer/Name, 'x')) or $Customer/Vip;\n"
    "  try\n"
    "    synchronize $O;\n"
    "  catch\n"
    "    show message 'sync failed' type Warning;\n"
    "  end try;\n"
    "  return if $ok then true else @Shop.Limit > 5;\n"
    "end;\n"
    "create offline profile Shop.Mobile (\n"
    "  Shop.Order download all conflict last wins,\n"
    "  Shop.Customer download by xpath '[Vip = true()]',\n"
    "  Shop.Party online\n"
    ");\n";

static void the_sample_checks_clean(void **state) {
    (void)state;
    outcome o;
    check_isolated("the sample", sample, strlen(sample), &o);
    assert_true(o.ok);
    assert_int_equal(o.nerrors, 0);
    assert_int_equal(o.nwarnings, 0);
}

/* ---- binary garbage -----------------------------------------------------------------------------
 */

static void garbage_scenario(const void *arg, outcome *o) {
    (void)arg;
    static const size_t sizes[] = {1, 2, 3, 16, 64, 256, 4096, 65536, 1u << 20};
    for (uint64_t seed = 1; seed <= 6; seed++) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            size_t n = sizes[k];
            unsigned char *b = malloc(n);
            if (!b) {
                note_problem(o, "out of memory");
                return;
            }
            uint64_t st = seed * 0x9E3779B97F4A7C15ull;
            for (size_t i = 0; i < n; i++)
                b[i] = (unsigned char)(next_random(&st) >> 56);
            char label[64];
            snprintf(label, sizeof label, "garbage seed %u size %zu", (unsigned)seed, n);
            outcome one;
            memset(&one, 0, sizeof one);
            compile_into(label, (const char *)b, n, &one);
            if (one.problem[0]) note_problem(o, "%s", one.problem);
            if (n >= 64 && one.nerrors == 0) note_problem(o, "%s: no error reported", label);
            o->compilations += one.compilations;
            free(b);
        }
    }
    /* uniform files: all NUL, all 0xFF, only UTF-8 continuation bytes, only lead bytes */
    static const unsigned char fills[] = {0x00, 0xFF, 0x80, 0xC3};
    for (size_t k = 0; k < sizeof fills; k++) {
        size_t n = 100000;
        char *b = malloc(n);
        if (!b) return;
        memset(b, fills[k], n);
        char label[64];
        snprintf(label, sizeof label, "100000 bytes of 0x%02X", fills[k]);
        outcome one;
        memset(&one, 0, sizeof one);
        compile_into(label, b, n, &one);
        if (one.problem[0]) note_problem(o, "%s", one.problem);
        if (one.nerrors == 0) note_problem(o, "%s: no error reported", label);
        free(b);
    }
}

static void binary_garbage_gives_errors_not_crashes(void **state) {
    (void)state;
    outcome o;
    run_isolated("binary garbage", garbage_scenario, NULL, &o);
    require_fine(&o);
}

static void nul_bytes_and_invalid_utf8_are_invalid_characters(void **state) {
    (void)state;
    static const char nul[] = "create module M;\0create persistent entity M.E (A: Integer);\n";
    outcome o;
    check_isolated("a NUL between statements", nul, sizeof nul - 1, &o);
    assert_int_equal(o.nerrors, 1);
    assert_int_equal(o.first_code, NF_D_BAD_CHAR);

    static const char utf8[] =
        "create module M;\n\xC3 \xE2\x82 \xF0\x9F\x98\x80 \xFF\xFE \xC0\xAF \xED\xA0\x80\n"
        "create persistent entity M.E (A: Integer);\n";
    check_isolated("invalid and unexpected UTF-8", utf8, sizeof utf8 - 1, &o);
    assert_false(o.ok);
    assert_int_equal(o.nerrors, o.low_codes[NF_D_BAD_CHAR]); /* nothing else goes wrong */
}

/* Random bytes rarely get past the lexer; mutants of a real program reach the parser, sema and
 * rules with almost-right input. */
static void mutant_scenario(const void *arg, outcome *o) {
    (void)arg;
    size_t n = strlen(sample);
    char *b = malloc(n + 64);
    if (!b) return;
    uint64_t st = 42;
    for (unsigned m = 0; m < 400; m++) {
        memcpy(b, sample, n);
        size_t len = n;
        unsigned edits = 1 + (unsigned)(next_random(&st) % 8);
        for (unsigned e = 0; e < edits; e++) {
            size_t at = (size_t)(next_random(&st) % len);
            switch (next_random(&st) % 4) {
            case 0: b[at] = (char)(next_random(&st) >> 56); break; /* replace a byte */
            case 1:
                memmove(b + at, b + at + 1, len - at - 1);
                len--;
                break;                                                          /* delete one */
            case 2: b[at] = "()[]{};$'\"/*-@%\n"[next_random(&st) % 16]; break; /* punctuation */
            default: len = at + 1; break;                                       /* cut */
            }
            if (len < 2) break;
        }
        char label[48];
        snprintf(label, sizeof label, "mutant %u", m);
        outcome one;
        memset(&one, 0, sizeof one);
        compile_into(label, b, len, &one);
        if (one.problem[0]) note_problem(o, "%s", one.problem);
        o->compilations++;
    }
    free(b);
}

static void mutated_programs_are_handled(void **state) {
    (void)state;
    outcome o;
    run_isolated("mutants of the sample", mutant_scenario, NULL, &o);
    require_fine(&o);
    assert_int_equal(o.compilations, 400);
}

/* Random sequences of MDL words and punctuation: syntactically plausible nonsense. */
static void token_soup_scenario(const void *arg, outcome *o) {
    (void)arg;
    static const char *const words[] = {
        "create",
        "nanoflow",
        "microflow",
        "entity",
        "persistent",
        "non-persistent",
        "module",
        "enumeration",
        "association",
        "from",
        "to",
        "begin",
        "end",
        "if",
        "then",
        "else",
        "elsif",
        "end if",
        "loop",
        "in",
        "end loop",
        "while",
        "case",
        "when",
        "split type",
        "try",
        "catch",
        "declare",
        "set",
        "change",
        "commit",
        "retrieve",
        "where",
        "sort by",
        "call",
        "return",
        "on error",
        "without rollback",
        "end error",
        "log info",
        "show message",
        "validation feedback",
        "grant",
        "revoke",
        "offline profile",
        "download all",
        "create list of",
        "head",
        "filter",
        "count",
        "sum",
        "reduce",
        "and",
        "or",
        "not",
        "div",
        "mod",
        "empty",
        "true",
        "false",
        "String(10)",
        "Integer",
        "Decimal",
        "List of",
        "Enumeration(",
        "M.E",
        "M.F",
        "Shop.Order",
        "A",
        "$x",
        "$o/A",
        "$currentObject",
        "'text'",
        "''",
        "42",
        "1.5",
        "[%CurrentUser%]",
        "@M.C",
        "@position(1, 2)",
        "$$ body $$",
        "/** doc */",
        "-- c\n",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ";",
        ".",
        ":",
        "/",
        "*",
        "+",
        "-",
        "=",
        "!=",
        "<",
        ">=",
        "\n",
        "'[A = ''x'']'",
        "starts-with(",
        "not(",
    };
    const size_t nwords = sizeof words / sizeof words[0];
    uint64_t st = 7;
    buf b = {0};
    for (unsigned k = 0; k < 300; k++) {
        b.n = 0;
        unsigned ntok = 1 + (unsigned)(next_random(&st) % 400);
        for (unsigned i = 0; i < ntok; i++) {
            puts_(&b, words[next_random(&st) % nwords]);
            puts_(&b, " ");
        }
        char label[48];
        snprintf(label, sizeof label, "token soup %u", k);
        outcome one;
        memset(&one, 0, sizeof one);
        compile_into(label, b.s, b.n, &one);
        if (one.problem[0]) note_problem(o, "%s", one.problem);
        o->compilations++;
    }
    free(b.s);
}

static void random_token_sequences_are_handled(void **state) {
    (void)state;
    outcome o;
    run_isolated("token soup", token_soup_scenario, NULL, &o);
    require_fine(&o);
    assert_int_equal(o.compilations, 300);
}

/* ---- truncation -------------------------------------------------------------------------------
 */

/* Where a top-level statement of the sample ends: after ";\n" with the next line unindented. */
static bool ends_a_statement(const char *s, size_t len, size_t at) {
    return at >= 2 && s[at - 2] == ';' && s[at - 1] == '\n' &&
           (at == len || (s[at] != ' ' && s[at] != '\t'));
}

static void truncation_scenario(const void *arg, outcome *o) {
    (void)arg;
    size_t len = strlen(sample);
    /* flow bodies: from the end of "begin" (own line) to the end of the "end" closing the flow */
    size_t body_from[8], body_to[8];
    unsigned nbodies = 0;
    for (size_t i = 0; i + 6 <= len && nbodies < 8; i++) {
        if ((i == 0 || sample[i - 1] == '\n') && strncmp(sample + i, "begin\n", 6) == 0) {
            const char *e = strstr(sample + i, "\nend;");
            if (!e) break;
            body_from[nbodies] = i + 5;
            body_to[nbodies] = (size_t)(e - sample) + 1 + 3;
            nbodies++;
        }
    }
    if (nbodies < 3) note_problem(o, "the sample lost its flows (%u found)", nbodies);
    unsigned between = 0;
    for (size_t n = 0; n <= len; n++) {
        char label[64];
        snprintf(label, sizeof label, "the sample cut after %zu of %zu bytes", n, len);
        outcome one;
        memset(&one, 0, sizeof one);
        compile_into(label, sample, n, &one);
        o->compilations++;
        if (one.problem[0]) note_problem(o, "%s", one.problem);
        bool in_body = false;
        for (unsigned b = 0; b < nbodies; b++)
            in_body |= n >= body_from[b] && n < body_to[b];
        /* a program cut between statements is a smaller valid program */
        if (!in_body && ends_a_statement(sample, len, n)) {
            between++;
            if (one.nerrors || one.nwarnings)
                note_problem(o, "%s (between statements): %u errors, %u warnings, first NF%04u",
                             label, one.nerrors, one.nwarnings, one.first_code);
        }
        /* a flow cut before its closing `end` is an error, never silently accepted */
        if (in_body && one.nerrors == 0)
            note_problem(o, "%s (inside a flow body): no error", label);
    }
    if (between < 15) note_problem(o, "the sample has only %u statement ends", between);
}

static void truncation_at_every_byte_of_a_sample_is_handled(void **state) {
    (void)state;
    outcome o;
    run_isolated("truncation", truncation_scenario, NULL, &o);
    require_fine(&o);
    assert_int_equal(o.compilations, strlen(sample) + 1);
}

/* ---- nesting --------------------------------------------------------------------------------- */

/* open^n + middle + close^n, wrapped in before … after */
static char *nested(const char *before, const char *open, unsigned n, const char *middle,
                    const char *close, const char *after) {
    buf b = {0};
    puts_(&b, before);
    repeat(&b, open, n);
    puts_(&b, middle);
    repeat(&b, close, n);
    puts_(&b, after);
    return b.s;
}

static const char entity_header[] = "create module M;\ncreate persistent entity M.E (A: Integer);\n"
                                    "create association M.E_E from M.E to M.E;\n";

/* Failures of a family of cases, collected so one broken case does not hide the others. */
typedef struct verdicts {
    char text[4096];
    size_t n;
    unsigned failed;
} verdicts;

static void verdict_failed(verdicts *v, const char *what) {
    v->failed++;
    if (v->n + 1 < sizeof v->text)
        v->n += (size_t)snprintf(v->text + v->n, sizeof v->text - v->n, "\n  %s", what);
    if (v->n >= sizeof v->text) v->n = sizeof v->text - 1;
}

static void verdicts_done(const verdicts *v) {
    if (v->failed) fail_msg("%u case(s) failed:%s", v->failed, v->text);
}

/* Checks text (freed here) and requires NF0011 "nesting too deep" — and no crash. */
static void expect_too_deep(verdicts *v, const char *label, char *text) {
    outcome o;
    text_arg t = {label, text, strlen(text)};
    run_isolated(label, compile_scenario, &t, &o);
    free(text);
    char msg[700];
    if (o.problem[0]) {
        verdict_failed(v, o.problem);
    } else if (o.low_codes[NF_D_TOO_DEEP] == 0 || o.ok) {
        snprintf(msg, sizeof msg, "%s: expected NF0011 nesting too deep; %u errors, first NF%04u",
                 label, o.nerrors, o.first_code);
        verdict_failed(v, msg);
    }
}

static void ten_thousand_nested_parentheses_are_rejected_cleanly(void **state) {
    (void)state;
    verdicts v = {.n = 0};
    char *t = nested("create nanoflow M.F () begin\n  declare $x Integer = ", "(", 10000, "1", ")",
                     ";\nend;\n");
    outcome o;
    check_owned("10000 nested parentheses", t, strlen(t), &o);
    assert_false(o.ok);
    assert_int_equal(o.first_code, NF_D_TOO_DEEP);   /* the first complaint names the cause… */
    assert_int_equal(o.low_codes[NF_D_TOO_DEEP], 1); /* …once */
    /* the same without the closing half: a file truncated deep inside */
    expect_too_deep(
        &v, "10000 unclosed parentheses",
        nested("create nanoflow M.F () begin declare $x Integer = ", "(", 10000, "1", "", ""));
    verdicts_done(&v);
}

static void deep_expressions_of_every_kind_are_rejected_cleanly(void **state) {
    (void)state;
    verdicts v = {.n = 0};
    const char *flow = "create nanoflow M.F ($b: Boolean) begin\n  declare $x Integer = ";
    expect_too_deep(&v, "10000 unary minus signs", nested(flow, "- ", 10000, "1", "", ";\nend;\n"));
    expect_too_deep(&v, "10000 nots",
                    nested("create nanoflow M.F ($b: Boolean) begin declare $x Boolean = ", "not ",
                           10000, "$b", "", "; end;\n"));
    expect_too_deep(&v, "10000 nested calls", nested(flow, "abs(", 10000, "1", ")", ";\nend;\n"));
    expect_too_deep(&v, "10000 nested if-expressions",
                    nested(flow, "if $b then ", 10000, "1", " else 2", ";\nend;\n"));
    expect_too_deep(&v, "10000 nested arguments",
                    nested("create nanoflow M.F () begin call nanoflow M.G(", "P = abs(", 10000,
                           "1", ")", "); end;\n"));
    verdicts_done(&v);
}

static void deep_xpath_is_rejected_cleanly(void **state) {
    (void)state;
    verdicts v = {.n = 0};
    char before[512];
    snprintf(before, sizeof before,
             "%screate nanoflow M.F () begin\n  retrieve $r from M.E where [", entity_header);
    expect_too_deep(&v, "XPath in 10000 parentheses",
                    nested(before, "(", 10000, "A = 1", ")", "];\nend;\n"));
    expect_too_deep(&v, "XPath with 10000 nested not()",
                    nested(before, "not(", 10000, "A = 1", ")", "];\nend;\n"));
    expect_too_deep(&v, "XPath with 10000 nested sub-constraints",
                    nested(before, "M.E_E/M.E[", 10000, "A = 1", "]", "];\nend;\n"));
    expect_too_deep(&v, "XPath with 10000 nested function calls",
                    nested(before, "A = string-length(", 10000, "'x'", ")", "];\nend;\n"));
    /* XPath inside a string literal goes through the same parser */
    expect_too_deep(&v, "XPath in a grant string with 10000 parentheses",
                    nested("create module M;\ncreate persistent entity M.E (A: Integer);\ncreate "
                           "module role M.R;\n"
                           "grant M.R on M.E (read *) where '[",
                           "(", 10000, "A = 1", ")", "]';\n"));
    verdicts_done(&v);
}

static void ten_thousand_nested_if_blocks_are_rejected_cleanly(void **state) {
    (void)state;
    verdicts v = {.n = 0};
    char *t = nested("create nanoflow M.F ($b: Boolean) begin\n", "if $b then\n", 10000,
                     "log info 'deep';\n", "end if;\n", "end;\n");
    outcome o;
    check_owned("10000 nested if blocks", t, strlen(t), &o);
    assert_false(o.ok);
    assert_int_equal(o.first_code, NF_D_TOO_DEEP); /* the first complaint names the cause */
    expect_too_deep(
        &v, "10000 nested if blocks, truncated",
        nested("create nanoflow M.F ($b: Boolean) begin\n", "if $b then\n", 10000, "", "", ""));
    expect_too_deep(&v, "10000 nested else branches",
                    nested("create nanoflow M.F ($b: Boolean) begin\n",
                           "if $b then log info 'a'; else\n", 10000, "log info 'deep';\n",
                           "end if;\n", "end;\n"));
    verdicts_done(&v);
}

static void every_kind_of_deep_block_is_rejected_cleanly(void **state) {
    (void)state;
    verdicts v = {.n = 0};
    char before[512];
    snprintf(before, sizeof before,
             "%screate microflow M.F ($L: List of M.E, $o: M.E, $b: Boolean) begin\n",
             entity_header);
    expect_too_deep(
        &v, "10000 nested loops",
        nested(before, "loop $i in $L begin\n", 10000, "log info 'x';\n", "end loop;\n", "end;\n"));
    expect_too_deep(
        &v, "10000 nested whiles",
        nested(before, "while $b begin\n", 10000, "log info 'x';\n", "end while;\n", "end;\n"));
    expect_too_deep(&v, "10000 nested try blocks",
                    nested(before, "try\n", 10000, "log info 'x';\n",
                           "catch log info 'c'; end try;\n", "end;\n"));
    expect_too_deep(&v, "10000 nested case branches",
                    nested(before, "case $b when true then\n", 10000, "log info 'x';\n",
                           "end case;\n", "end;\n"));
    /* error handlers are blocks too */
    expect_too_deep(&v, "10000 nested error handlers (begin … end error)",
                    nested(before, "commit $o on error begin\n", 10000, "log info 'x';\n",
                           "end error;\n", "end;\n"));
    expect_too_deep(&v, "10000 nested error handlers ({ … })",
                    nested(before, "commit $o on error without rollback {\n", 10000,
                           "log info 'x';\n", "}\n", "end;\n"));
    verdicts_done(&v);
}

static void nesting_in_skipped_and_annotated_text_is_handled(void **state) {
    (void)state;
    outcome o;
    /* pages and annotations are skipped by bracket counting: any depth is fine */
    char *t = nested("create page M.P ( Title: 'x' ) ", "{ div ", 100000, "", "} ",
                     ";\ncreate module M;\n");
    check_owned("a page with 100000 nested braces", t, strlen(t), &o);
    assert_int_equal(o.nerrors, 0);
    t = nested("@position", "(", 100000, "1", ")", "\ncreate module M;\n");
    check_owned("an annotation with 100000 nested parentheses", t, strlen(t), &o);
    assert_int_equal(o.nerrors, 0);
}

/* ---- long (flat) constructs ------------------------------------------------------------------ */

/* before + item (sep item)^(n-1) + after */
static char *chain(const char *before, const char *item, const char *sep, unsigned n,
                   const char *after) {
    buf b = {0};
    puts_(&b, before);
    for (unsigned i = 0; i < n; i++) {
        if (i) puts_(&b, sep);
        puts_(&b, item);
    }
    puts_(&b, after);
    return b.s;
}

/* Checks text (freed here): accepted, or refused with errors, are both fine; crashing is not. */
static void check_survives(verdicts *v, const char *label, char *text) {
    outcome o;
    text_arg t = {label, text, strlen(text)};
    run_isolated(label, compile_scenario, &t, &o);
    free(text);
    if (o.problem[0]) verdict_failed(v, o.problem);
}

static void expressions_with_a_hundred_thousand_operands_are_handled(void **state) {
    (void)state;
    verdicts v = {.n = 0};
    const char *flow = "create nanoflow M.F ($b: Boolean) begin\n  declare $x ";
    char before[256];
    snprintf(before, sizeof before, "%sInteger = ", flow);
    check_survives(&v, "1 + 1 + … (100000 terms)", chain(before, "1", " + ", 100000, ";\nend;\n"));
    snprintf(before, sizeof before, "%sBoolean = ", flow);
    check_survives(&v, "$b and $b and … (100000 terms)",
                   chain(before, "$b", " and ", 100000, ";\nend;\n"));
    snprintf(before, sizeof before, "%sString = ", flow);
    check_survives(&v, "'a' + 'a' + … (100000 terms)",
                   chain(before, "'a'", " + ", 100000, ";\nend;\n"));
    snprintf(before, sizeof before,
             "%screate nanoflow M.F () begin\n  retrieve $r from M.E where [", entity_header);
    check_survives(&v, "XPath A = 1 or A = 1 or … (100000 terms)",
                   chain(before, "A = 1", " or ", 100000, "];\nend;\n"));
    snprintf(before, sizeof before, "%screate nanoflow M.F () begin\n  retrieve $r from M.E where ",
             entity_header);
    check_survives(&v, "XPath [A = 1][A = 1]… (100000 groups)",
                   chain(before, "[A = 1]", "", 100000, ";\nend;\n"));
    verdicts_done(&v);
}

/* ---- size -------------------------------------------------------------------------------------
 */

/* About `bytes` of valid MDL: one module, then entities each with a nanoflow using it. */
static char *big_program(size_t bytes, const char *line_end, size_t *len) {
    buf b = {0};
    puts_(&b, "create module Big;");
    puts_(&b, line_end);
    for (unsigned i = 0; b.n < bytes; i++) {
        putf(&b,
             "create persistent entity Big.E%u (Name: String(100), Amount: Decimal, Count: "
             "Integer);%s",
             i, line_end);
        putf(&b, "create nanoflow Big.F%u ($o: Big.E%u, $n: Integer) returns Decimal%sbegin%s", i,
             i, line_end, line_end);
        putf(&b, "  declare $t Decimal = $o/Amount;%s  if $n > 0 and $o/Name != empty then%s",
             line_end, line_end);
        putf(&b, "    set $t = $t + $n * 2;%s  else%s", line_end, line_end);
        putf(&b, "    log info 'none for {1}' with ({1} = $o/Name);%s  end if;%s", line_end,
             line_end);
        putf(&b, "  $c = create Big.E%u (Name = 'x', Amount = $t, Count = $n);%s", i, line_end);
        putf(&b, "  return $t + $c/Amount;%send;%s", line_end, line_end);
    }
    *len = b.n;
    return b.s;
}

static void ten_megabyte_file_checks_in_bounded_time(void **state) {
    (void)state;
    size_t len;
    char *t = big_program(10u << 20, "\n", &len);
    outcome o;
    check_owned("a 10 MB program", t, len, &o);
    assert_true(o.ok);
    assert_int_equal(o.nerrors, 0);
    assert_int_equal(o.nwarnings, 0);
}

static void huge_single_line_is_handled(void **state) {
    (void)state;
    size_t len;
    char *t = big_program(10u << 20, " ", &len); /* the same program without a line break */
    outcome o;
    check_owned("a 10 MB program on one line", t, len, &o);
    assert_true(o.ok);

    /* errors spread over a 4 MB line: every caret line is cut to a readable width */
    buf b = {0};
    puts_(&b, "create module M; ");
    for (unsigned i = 0; i < 1000; i++) {
        repeat(&b, "          ", 400);
        puts_(&b, "~");
    }
    check_owned("1000 errors spread over a 4 MB line", b.s, b.n, &o);
    assert_int_equal(o.nerrors, 1000);
    assert_true(o.rendered < 1000u * 2048u);

    /* one 10 MB token of each kind */
    static const char *const wrap[][2] = {
        {"create nanoflow M.F () begin declare $s String = '", "'; end;"},
        {"create module M", ";"},
        {"-- ", "\ncreate module M;"},
        {"/* ", " */ create module M;"},
        {"create lua action M.L () returns Integer $$ ", " $$;"},
    };
    for (size_t k = 0; k < sizeof wrap / sizeof wrap[0]; k++) {
        buf w = {0};
        puts_(&w, wrap[k][0]);
        repeat(&w, "xxxxxxxxxxxxxxxx", (10u << 20) / 16);
        puts_(&w, wrap[k][1]);
        check_owned(wrap[k][0], w.s, w.n, &o);
        assert_int_equal(o.nerrors, 0);
    }
}

/* An enumeration of n values and a case with a branch for each but value `skip`. */
static buf enum_case(unsigned n, unsigned skip) {
    buf b = {0};
    puts_(&b, "create module M;\ncreate enumeration M.S (");
    for (unsigned i = 0; i < n; i++)
        putf(&b, "%sV%u", i ? ", " : "", i);
    puts_(&b, ");\ncreate nanoflow M.F ($s: Enumeration(M.S)) begin\n  case $s\n");
    for (unsigned i = 0; i < n; i++)
        if (i != skip) putf(&b, "    when M.S.V%u then log info 'v';\n", i);
    puts_(&b, "    when (empty) then log info 'e';\n  end case;\nend;\n");
    return b;
}

/* Declarations far bigger than anyone writes by hand are still checked completely. */
static void huge_declarations_are_checked_completely(void **state) {
    (void)state;
    verdicts v = {.n = 0};
    const unsigned n = 2000;
    outcome o;
    char msg[700];

    buf b = {0}; /* a flow with 2000 parameters, called with all of them */
    puts_(&b, "create nanoflow M.F (");
    for (unsigned i = 0; i < n; i++)
        putf(&b, "%s$P%u: Integer", i ? ", " : "", i);
    puts_(&b, ") begin end;\ncreate nanoflow M.G () begin\n  call nanoflow M.F(");
    for (unsigned i = 0; i < n; i++)
        putf(&b, "%sP%u = %u", i ? ", " : "", i, i);
    puts_(&b, ");\nend;\n");
    text_arg t = {"a call passing 2000 parameters", b.s, b.n};
    run_isolated(t.label, compile_scenario, &t, &o);
    free(b.s);
    if (o.problem[0] || o.nerrors) {
        snprintf(msg, sizeof msg, "%s: %s%u errors, first NF%04u", t.label, o.problem, o.nerrors,
                 o.first_code);
        verdict_failed(&v, msg);
    }

    /* an enumeration of 2000 values and a case with a branch for each… */
    b = enum_case(n, n);
    t = (text_arg){"a case covering 2000 enumeration values", b.s, b.n};
    run_isolated(t.label, compile_scenario, &t, &o);
    free(b.s);
    if (o.problem[0] || o.nerrors) {
        snprintf(msg, sizeof msg, "%s: %s%u errors, first NF%04u", t.label, o.problem, o.nerrors,
                 o.first_code);
        verdict_failed(&v, msg);
    }
    /* …and without the branch for the last value, the gap is reported */
    b = enum_case(n, n - 1);
    t = (text_arg){"a case missing the 2000th enumeration value", b.s, b.n};
    run_isolated(t.label, compile_scenario, &t, &o);
    free(b.s);
    if (o.problem[0] || o.nerrors != 1 || o.first_code != NF_D_CASE_COVERAGE) {
        snprintf(msg, sizeof msg, "%s: %s%u errors, first NF%04u (expected one NF2015)", t.label,
                 o.problem, o.nerrors, o.first_code);
        verdict_failed(&v, msg);
    }

    b = (buf){0}; /* an entity of 2000 attributes, created with all of them set */
    puts_(&b, "create module M;\ncreate non-persistent entity M.E (");
    for (unsigned i = 0; i < n; i++)
        putf(&b, "%sA%u: Integer", i ? ", " : "", i);
    puts_(&b, ");\ncreate nanoflow M.F () begin\n  $e = create M.E (");
    for (unsigned i = 0; i < n; i++)
        putf(&b, "%sA%u = %u", i ? ", " : "", i, i);
    puts_(&b, ");\nend;\n");
    t = (text_arg){"an entity of 2000 attributes", b.s, b.n};
    run_isolated(t.label, compile_scenario, &t, &o);
    free(b.s);
    if (o.problem[0] || o.nerrors) {
        snprintf(msg, sizeof msg, "%s: %s%u errors, first NF%04u", t.label, o.problem, o.nerrors,
                 o.first_code);
        verdict_failed(&v, msg);
    }
    verdicts_done(&v);
}

/* ---- comments and unterminated constructs ---------------------------------------------------- */

static void a_file_of_only_comments_checks_clean(void **state) {
    (void)state;
    buf b = {0};
    for (unsigned i = 0; i < 10000; i++) {
        puts_(&b, "-- a line comment\n/* a block\n   comment */\n/** a doc comment */\n");
        puts_(&b, "--\n/**/ /***/ -- 'not a string' $$ not a body $$ /* not nested /* */\n");
    }
    outcome o;
    check_owned("a file of comments", b.s, b.n, &o);
    assert_true(o.ok);
    assert_int_equal(o.stored, 0);
    static const char *const tiny[] = {
        "", "\n", "--", "-- x", "/**/", "\xEF\xBB\xBF-- BOM\n", "\r\n\r\n", " \t\f\v"};
    for (size_t i = 0; i < sizeof tiny / sizeof tiny[0]; i++) {
        check_isolated(tiny[i], tiny[i], strlen(tiny[i]), &o);
        if (i != 5) assert_int_equal(o.stored, 0); /* (a byte-order mark is not MDL) */
    }
}

static void unterminated_constructs_at_end_of_file_are_reported(void **state) {
    (void)state;
    static const struct {
        const char *text;
        unsigned code;
    } cases[] = {
        {"create nanoflow M.F () begin declare $s String = 'abc", NF_D_UNTERMINATED_STRING},
        {"create nanoflow M.F () begin declare $s String = '", NF_D_UNTERMINATED_STRING},
        {"create nanoflow M.F () begin declare $s String = 'it''", NF_D_UNTERMINATED_STRING},
        {"create module M;\n/* not closed", NF_D_UNTERMINATED_COMMENT},
        {"create module M;\n/** not closed *", NF_D_UNTERMINATED_COMMENT},
        {"create module M;\n/*", NF_D_UNTERMINATED_COMMENT},
        {"create lua action M.L () returns Integer\n$$ return 1", NF_D_UNTERMINATED_DOLLAR},
        {"create lua action M.L () returns Integer\n$$ return 1 $", NF_D_UNTERMINATED_DOLLAR},
        {"$$", NF_D_UNTERMINATED_DOLLAR},
        {"create nanoflow M.F () begin declare $d DateTime = [%CurrentDate",
         NF_D_UNTERMINATED_TOKEN},
        {"create nanoflow M.F () begin declare $d DateTime = [%", NF_D_UNTERMINATED_TOKEN},
        {"create nanoflow M.F () begin declare $d DateTime = [%X%", NF_D_UNTERMINATED_TOKEN},
        {"create persistent entity M.\"Ent", NF_D_UNTERMINATED_QIDENT},
        {"create persistent entity M.`Ent", NF_D_UNTERMINATED_QIDENT},
        {"create module M;\n\xE2\x82", NF_D_BAD_CHAR}, /* cut inside a UTF-8 sequence */
        {"create nanoflow M.F () begin declare $x Decimal = 1e", NF_D_BAD_NUMBER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        outcome o;
        check_isolated(cases[i].text, cases[i].text, strlen(cases[i].text), &o);
        if (o.low_codes[cases[i].code] == 0)
            fail_msg("'%s': expected NF%04u, got %u errors, first NF%04u", cases[i].text,
                     cases[i].code, o.nerrors, o.first_code);
        assert_false(o.ok);
    }
    /* a lone opening character is an error, never a crash (a lone '/' is a statement separator) */
    static const char *const lone[] = {"'", "\"", "`", "$", "[", "(", "{",
                                       "@", "-",  "*", "!", "<", ":", "."};
    for (size_t i = 0; i < sizeof lone / sizeof lone[0]; i++) {
        outcome o;
        check_isolated(lone[i], lone[i], strlen(lone[i]), &o);
        assert_true(o.nerrors > 0);
    }
}

/* Diagnostics about what is missing at the end of a file point at the end, not past it. */
static void spans_at_end_of_file_stay_inside_the_file(void **state) {
    (void)state;
    static const char *const cut[] = {
        "create",
        "create module",
        "create persistent entity M.E (A: Integer",
        "create persistent entity M.E (A:",
        "create nanoflow M.F (",
        "create nanoflow M.F () returns",
        "create nanoflow M.F () begin",
        "create nanoflow M.F () begin\n  if $x then\n",
        "create nanoflow M.F () begin\n  declare $x Integer = 1 +",
        "create nanoflow M.F () begin\n  retrieve $r from M.E where [A = ",
        "create nanoflow M.F () begin\n  retrieve $r from M.E where '[A = ''",
        "create nanoflow M.F () begin\n  $r = call nanoflow M.G(P = ",
        "create nanoflow M.F () begin\n  commit $o on error begin\n",
        "create offline profile M.P (M.E download by xpath '[",
        "grant M.R on M.E (read *) where '[A = ''[%CurrentUser",
        "create nanoflow M.F () begin end;\r\n\r\n\xE2",
        "create module M;\r",
    };
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        outcome o;
        check_isolated(cut[i], cut[i], strlen(cut[i]), &o); /* fails on a span past the end */
        assert_true(o.nerrors > 0 || i == sizeof cut / sizeof cut[0] - 1);
    }
}

/* ---- floods of errors ----------------------------------------------------------------------- */

static void diagnostics_flood_is_capped(void **state) {
    (void)state;
    static const char *const bad[] = {
        "create entity ;\n",                                               /* syntax */
        "create nanoflow M.F%u () begin set $x = 1; end;\n",               /* unknown variable */
        "create persistent entity M.E%u (A: M.Nope);\n",                   /* unknown type */
        "~~ ~~\n",                                                         /* invalid characters */
        "create nanoflow M.G%u () begin declare $a Integer = 'x'; end;\n", /* type error */
    };
    buf b = {0};
    puts_(&b, "create module M;\n");
    for (unsigned i = 0; i < 100000; i++)
        putf(&b, bad[i % 5], i);
    outcome o;
    check_owned("100000 bad statements", b.s, b.n, &o);
    assert_false(o.ok);
    assert_true(o.nerrors >= 100000);     /* every error is counted… */
    assert_true(o.stored <= o.limit * 2); /* …but only the first are kept (with their notes) */
    assert_true(o.dropped > 0);
    assert_true(o.dropped + o.limit >= o.nerrors);
    assert_true(o.rendered < o.limit * 2048u); /* and the report stays readable */

    /* the same on one line */
    b = (buf){0};
    for (unsigned i = 0; i < 100000; i++)
        puts_(&b, "create entity ; ");
    check_owned("100000 bad statements on one line", b.s, b.n, &o);
    assert_int_equal(o.nerrors, 100000);
    assert_true(o.dropped > 0);
}

/* ---- the fuzzing seed corpus doubles as a regression suite ----------------------------------- */

static void corpus_scenario(const void *arg, outcome *o) {
    const char *dir = arg;
    DIR *d = opendir(dir);
    if (!d) {
        note_problem(o, "cannot open %s", dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[4096 + 256];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        buf b = {0};
        char chunk[4096];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
            put(&b, chunk, got);
        fclose(f);
        outcome one;
        memset(&one, 0, sizeof one);
        compile_into(e->d_name, b.s ? b.s : "", b.n, &one);
        if (one.problem[0]) note_problem(o, "%s", one.problem);
        o->compilations++;
        free(b.s);
    }
    closedir(d);
}

static void every_seed_of_the_fuzzing_corpus_is_handled(void **state) {
    (void)state;
    const char *root = getenv("NF_SOURCE_DIR");
    if (!root) fail_msg("NF_SOURCE_DIR is not set (ctest sets it)");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/parser", root);
    outcome o;
    run_isolated("the seed corpus", corpus_scenario, dir, &o);
    require_fine(&o);
    assert_true(o.compilations >= 30);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_sample_checks_clean),
        cmocka_unit_test(binary_garbage_gives_errors_not_crashes),
        cmocka_unit_test(nul_bytes_and_invalid_utf8_are_invalid_characters),
        cmocka_unit_test(mutated_programs_are_handled),
        cmocka_unit_test(random_token_sequences_are_handled),
        cmocka_unit_test(truncation_at_every_byte_of_a_sample_is_handled),
        cmocka_unit_test(ten_thousand_nested_parentheses_are_rejected_cleanly),
        cmocka_unit_test(deep_expressions_of_every_kind_are_rejected_cleanly),
        cmocka_unit_test(deep_xpath_is_rejected_cleanly),
        cmocka_unit_test(ten_thousand_nested_if_blocks_are_rejected_cleanly),
        cmocka_unit_test(every_kind_of_deep_block_is_rejected_cleanly),
        cmocka_unit_test(nesting_in_skipped_and_annotated_text_is_handled),
        cmocka_unit_test(expressions_with_a_hundred_thousand_operands_are_handled),
        cmocka_unit_test(ten_megabyte_file_checks_in_bounded_time),
        cmocka_unit_test(huge_single_line_is_handled),
        cmocka_unit_test(huge_declarations_are_checked_completely),
        cmocka_unit_test(a_file_of_only_comments_checks_clean),
        cmocka_unit_test(unterminated_constructs_at_end_of_file_are_reported),
        cmocka_unit_test(spans_at_end_of_file_stay_inside_the_file),
        cmocka_unit_test(diagnostics_flood_is_capped),
        cmocka_unit_test(every_seed_of_the_fuzzing_corpus_is_handled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
