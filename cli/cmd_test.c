/* cmd_test.c — `nanoflow test FILE.mdl|DIR... [options]`: compiles the sources with their
 * `create test` declarations, runs each test in a fresh device with an in-process server
 * (test_host.c) and reports TAP on stdout, optionally JUnit XML and coverage
 * (docs/testing.md, docs/cli.md). Exit 0 when every test passed, 1 when one failed or the
 * sources have errors (or no test matched), 2 on a usage error. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nf_bc.h"
#include "std_api.h"
#include "test_host.h"

typedef struct test_case {
    const char *name;
    const char *file;
    uint32_t line;
    nf_test_outcome out;
} test_case;

typedef struct tests {
    test_case *items;
    size_t n;
} tests;

static int usage(void) {
    fprintf(stderr, "usage: nanoflow test FILE.mdl|DIR... [--filter PATTERN] [--junit FILE]\n"
                    "                     [--coverage] [--user NAME] [--max-instructions N]\n"
                    "                     [--timezone TZ] [--color auto|always|never]\n");
    return NF_EXIT_USAGE;
}

static int help(void) {
    printf("usage: nanoflow test FILE.mdl|DIR... [options]\n\n"
           "Runs the `create test` declarations of the sources (compiled with the app) and\n"
           "prints TAP. Each test runs on a fresh in-memory device database, synchronizing\n"
           "with a fresh in-process reference server as the first demo user.\n\n"
           "  --filter PATTERN        run the tests whose name matches: a glob when PATTERN\n"
           "                          has * ? or [, else a substring (case-sensitive)\n"
           "  --junit FILE            also write the results as JUnit XML to FILE\n"
           "  --coverage              report the branches and error handlers each nanoflow ran\n"
           "  --user NAME             sign in as this demo user (default: the first)\n"
           "  --max-instructions N    instruction budget per test (default 100000000)\n"
           "  --timezone TZ           the device's time zone (default: TZ, else UTC)\n\n"
           "Exit status: 0 all passed, 1 a test failed (or compile errors, or no test), 2 usage.\n"
           "Documentation: docs/testing.md.\n");
    return NF_EXIT_OK;
}

static bool matches(const char *pattern, const char *name) {
    if (!pattern) return true;
    if (strpbrk(pattern, "*?[")) return fnmatch(pattern, name, 0) == 0;
    return strstr(name, pattern) != NULL;
}

/* A YAML single-quoted scalar. */
static void yq(FILE *out, const char *s) {
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("''", out);
        else if (*s == '\n')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
    fputc('\'', out);
}

/* A YAML literal block of text's lines (nothing when text is empty). */
static void yaml_block(FILE *out, const char *key, const char *text) {
    if (!text || !*text) return;
    fprintf(out, "  %s: |\n", key);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(out, "    %.*s\n", len, p);
        p += len + (nl ? 1 : 0);
    }
}

static void tap_failure(FILE *out, const test_case *t) {
    const nf_test_outcome *o = &t->out;
    fputs("  ---\n  message: ", out);
    yq(out, o->message ? o->message : "failed");
    fprintf(out, "\n  severity: fail\n  kind: %s\n", o->kind ? o->kind : "error");
    if (o->expression) {
        fputs("  expression: ", out);
        yq(out, o->expression);
        fputc('\n', out);
    }
    if (o->error_type) fprintf(out, "  error_type: %s\n", o->error_type);
    if (o->flow) fprintf(out, "  flow: %s\n", o->flow);
    fputs("  file: ", out);
    yq(out, o->file ? o->file : t->file);
    fprintf(out, "\n  line: %u\n", o->line ? o->line : t->line);
    if (o->shown) {
        fputs("  shown: ", out);
        yq(out, o->shown);
        fputc('\n', out);
    }
    if (o->quarantine) {
        fputs("  quarantine: ", out);
        yq(out, o->quarantine);
        fputc('\n', out);
    }
    yaml_block(out, "log", o->log);
    yaml_block(out, "server_log", o->server_log);
    fputs("  ...\n", out);
}

static void xml(FILE *out, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                fputc(' ', out);
            else
                fputc(*s, out);
        }
    }
}

static bool write_junit(const char *path, const tests *ts, size_t failed, double total) {
    FILE *out = fopen(path, "w");
    if (!out) return false;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"nanoflow test\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n"
            "  <testsuite name=\"nanoflow\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
            "skipped=\"0\" time=\"%.3f\">\n",
            ts->n, failed, total, ts->n, failed, total);
    for (size_t i = 0; i < ts->n; i++) {
        const test_case *t = &ts->items[i];
        const char *dot = strchr(t->name, '.');
        fputs("    <testcase classname=\"", out);
        if (dot) fprintf(out, "%.*s", (int)(dot - t->name), t->name);
        fputs("\" name=\"", out);
        xml(out, dot ? dot + 1 : t->name);
        fputs("\" file=\"", out);
        xml(out, t->file);
        fprintf(out, "\" line=\"%u\" time=\"%.3f\"", t->line, t->out.seconds);
        if (t->out.passed) {
            fputs("/>\n", out);
            continue;
        }
        fputs(">\n      <failure message=\"", out);
        xml(out, t->out.message);
        fprintf(out, "\" type=\"%s\">", t->out.kind ? t->out.kind : "error");
        const nf_test_outcome *o = &t->out;
        fprintf(out, "%s:%u: ", o->file ? o->file : t->file, o->line ? o->line : t->line);
        xml(out, o->message);
        if (o->expression) {
            fputs("\nexpression: ", out);
            xml(out, o->expression);
        }
        if (o->flow) {
            fputs("\nflow: ", out);
            xml(out, o->flow);
        }
        if (o->shown) {
            fputs("\nshown: ", out);
            xml(out, o->shown);
        }
        if (o->quarantine) {
            fputs("\nquarantine: ", out);
            xml(out, o->quarantine);
        }
        if (o->log) {
            fputs("\nlog:\n", out);
            xml(out, o->log);
        }
        if (o->server_log) {
            fputs("\nserver log:\n", out);
            xml(out, o->server_log);
        }
        fputs("</failure>\n    </testcase>\n", out);
    }
    fputs("  </testsuite>\n</testsuites>\n", out);
    return fclose(out) == 0;
}

static bool is_test(void *ud, const char *flow) {
    const tests *all = ud;
    for (size_t i = 0; i < all->n; i++)
        if (strcmp(all->items[i].name, flow) == 0) return true;
    return false;
}

/* Compiles the sources with tests (and probes) into a loaded module. */
static nf_module *build(nf_cc_compilation *c, bool color) {
    nf_bc_module bc;
    bool ok = nf_cc_build(c, &bc);
    nf_cli_print_diagnostics(c, NF_FORMAT_TEXT, color);
    if (!ok) return NULL;
    uint8_t *bytes;
    size_t len;
    if (!nf_bc_write(&bc, &bytes, &len)) {
        fprintf(stderr, "nanoflow test: out of memory\n");
        return NULL;
    }
    nf_module *mod = NULL;
    char *err = NULL;
    if (nf_module_load(bytes, len, &mod, &err) != NF_OK)
        fprintf(stderr, "nanoflow test: internal error: the module does not verify: %s\n",
                err ? err : "?");
    nf_free(err);
    free(bytes);
    return mod;
}

typedef struct opts {
    const char *filter, *junit, *user, *timezone, *color;
    bool coverage;
    uint64_t max_instructions;
} opts;

/* Parses the options; the source paths go to files. 0 to run, else an exit status. */
static int parse(int argc, char **argv, opts *o, char **files, int *nfiles) {
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v, *opt = argv[i];
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return help() + 256;
        if (strcmp(argv[i], "--coverage") == 0) {
            o->coverage = true;
        } else if ((v = nf_cli_value_of("--filter", argc, argv, &i, &missing)) ||
                   (v = nf_cli_value_of("--junit", argc, argv, &i, &missing)) ||
                   (v = nf_cli_value_of("--user", argc, argv, &i, &missing)) ||
                   (v = nf_cli_value_of("--timezone", argc, argv, &i, &missing)) ||
                   (v = nf_cli_value_of("--color", argc, argv, &i, &missing)) ||
                   (v = nf_cli_value_of("--max-instructions", argc, argv, &i, &missing))) {
            if (missing || !*v) {
                fprintf(stderr, "nanoflow test: %.*s needs a value\n", (int)strcspn(opt, "="), opt);
                return NF_EXIT_USAGE;
            }
            if (strncmp(opt, "--filter", 8) == 0) o->filter = v;
            if (strncmp(opt, "--junit", 7) == 0) o->junit = v;
            if (strncmp(opt, "--user", 6) == 0) o->user = v;
            if (strncmp(opt, "--timezone", 10) == 0) o->timezone = v;
            if (strncmp(opt, "--color", 7) == 0) o->color = v;
            if (strncmp(opt, "--max-instructions", 18) == 0) {
                char *end;
                errno = 0;
                unsigned long long n = strtoull(v, &end, 10);
                if (*end || errno || v[0] == '-') {
                    fprintf(stderr, "nanoflow test: --max-instructions takes a number\n");
                    return NF_EXIT_USAGE;
                }
                o->max_instructions = n;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "nanoflow test: unknown option %s\n", argv[i]);
            return usage();
        } else {
            size_t len = strlen(argv[i]);
            if (len > 4 && strcmp(argv[i] + len - 4, ".nfb") == 0) {
                fprintf(stderr,
                        "nanoflow test: %s: tests run from .mdl sources (a compiled "
                        "module has no tests)\n",
                        argv[i]);
                return NF_EXIT_USAGE;
            }
            files[(*nfiles)++] = argv[i];
        }
    }
    return *nfiles ? 0 : usage();
}

/* The demo user the device signs in as: --user, or the module's first. */
static bool demo_user(const nf_module *mod, const char *want, const char **user,
                      const char **password) {
    const nf_bc_module *m = &mod->bc;
    *user = *password = NULL;
    for (uint32_t i = 0; i < m->nusers; i++)
        if (!want || strcmp(m->strings[m->users[i].name], want) == 0) {
            *user = m->strings[m->users[i].name];
            *password = m->strings[m->users[i].password];
            return true;
        }
    if (want) fprintf(stderr, "nanoflow test: no demo user named '%s'\n", want);
    return !want;
}

static int run_all(nf_cc_compilation *c, nf_module *mod, const opts *o) {
    const nf_cc_sources *srcs = nf_cc_sources_of(c);
    tests all = {0}, run = {0};
    size_t n = nf_cc_test_count(c);
    all.items = calloc(n + 1, sizeof *all.items);
    run.items = calloc(n + 1, sizeof *run.items);
    nf_test_env env = {mod, NULL, NULL, o->max_instructions, NULL, o->timezone};
    nf_test_coverage cov = {0};
    int status = NF_EXIT_USER;
    if (!all.items || !run.items || (o->coverage && !nf_test_coverage_init(&cov, mod))) {
        fprintf(stderr, "nanoflow test: out of memory\n");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        uint32_t file = 0, line = 0;
        const char *name = nf_cc_test_name(c, k, &file, &line);
        test_case t = {name, file < srcs->n ? srcs->files[file].path : "?", line, {0}};
        all.items[all.n++] = t;
        if (matches(o->filter, name)) run.items[run.n++] = t;
    }
    if (!run.n) {
        fprintf(stderr, "nanoflow test: %s\n",
                n ? "no test matches the filter" : "the sources declare no test (create test)");
        goto done;
    }
    if (!demo_user(mod, o->user, &env.user, &env.password)) goto done;
    env.coverage = o->coverage ? &cov : NULL;
    printf("TAP version 14\n1..%zu\n", run.n);
    fflush(stdout);
    size_t failed = 0;
    double total = 0;
    for (size_t i = 0; i < run.n; i++) {
        test_case *t = &run.items[i];
        if (!nf_test_run(&env, t->name, &t->out)) fprintf(stderr, "nanoflow test: out of memory\n");
        total += t->out.seconds;
        printf("%s %zu - %s\n", t->out.passed ? "ok" : "not ok", i + 1, t->name);
        if (!t->out.passed) {
            failed++;
            tap_failure(stdout, t);
        }
        fflush(stdout);
    }
    if (o->coverage) nf_test_coverage_report(&cov, mod, is_test, &all, stdout);
    if (o->junit && !write_junit(o->junit, &run, failed, total)) {
        fprintf(stderr, "nanoflow test: cannot write %s: %s\n", o->junit, strerror(errno));
        failed += !failed; /* the CI would miss the results: not a success */
    }
    printf("%zu passed, %zu failed\n", run.n - failed, failed);
    status = failed ? NF_EXIT_USER : NF_EXIT_OK;
done:
    for (size_t i = 0; i < run.n; i++)
        nf_test_outcome_free(&run.items[i].out);
    free(all.items);
    free(run.items);
    nf_test_coverage_free(&cov);
    return status;
}

int nf_cmd_test(int argc, char **argv) {
    char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    opts o = {.max_instructions = 100000000};
    if (!files) return NF_EXIT_USER;
    int st = parse(argc, argv, &o, files, &nfiles);
    if (st) {
        free(files);
        return st >= 256 ? st - 256 : st;
    }
    if (o.color && strcmp(o.color, "auto") != 0 && strcmp(o.color, "always") != 0 &&
        strcmp(o.color, "never") != 0) {
        free(files);
        fprintf(stderr, "nanoflow test: --color takes auto, always or never\n");
        return NF_EXIT_USAGE;
    }
    nf_cc_compilation *c = nf_cc_new();
    if (!c || !nf_cli_add_sources(c, nfiles, files)) {
        nf_cc_free(c);
        free(files);
        return c ? NF_EXIT_USAGE : NF_EXIT_USER;
    }
    free(files);
    nf_cc_set_tests(c, true);
    nf_cc_set_coverage(c, o.coverage);
    nf_module *mod = build(c, nf_cli_use_color(stderr, o.color ? o.color : "auto"));
    int status = mod ? run_all(c, mod, &o) : NF_EXIT_USER;
    nf_module_free(mod);
    nf_cc_free(c);
    return status;
}
