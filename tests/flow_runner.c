/* flow_runner.c — golden tests for the VM through the embedding API.
 *
 *   flow_runner flows FILE.mdl     runs the `-- run:` lines of an MDL file:
 *       -- run: Module.Flow [NAME=VALUE]... => EXPECTED
 *     EXPECTED is the result's text as `nanoflow run` prints it (`empty`, or nothing after `=>`
 *     for flows without a result), or `error Type: message fragment`. Options before the flow:
 *     `tz=Zone` sets the time zone, `budget=N` the instruction budget.
 *   flow_runner exprs FILE.tsv     evaluates expression rows (tests/expr/README.md):
 *       id TAB flags TAB expression TAB expected TAB source TAB note
 *
 * Every failing case prints the file, line, what ran, what was expected and what came out.
 * Exit status 1 when any case fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nanoflow.h"

static int failures, cases;

static void fail(const char *file, int line, const char *what, const char *want, const char *got) {
    failures++;
    fprintf(stderr, "%s:%d: FAIL %s\n    expected: %s\n    got:      %s\n", file, line, what, want,
            got);
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* The outcome of a call as text: the value, `error Type: message`, or the API failure. */
static char *outcome(nf_runtime *rt, nf_status st, nf_value *v) {
    if (st == NF_OK) {
        char *t;
        if (nf_value_type(v) == NF_TYPE_NOTHING)
            t = strdup("");
        else if (nf_value_is_empty(v))
            t = strdup("empty");
        else
            t = nf_value_to_text(v);
        return t;
    }
    size_t n = 600;
    char *t = malloc(n);
    if (!t) return NULL;
    if (st == NF_ERR_FLOW)
        snprintf(t, n, "error %s: %s", nf_error_type_name(nf_runtime_error_type(rt)),
                 nf_runtime_error_message(rt));
    else
        snprintf(t, n, "%s: %s", nf_status_text(st), nf_runtime_error_message(rt));
    return t;
}

/* An expected error matches when its type matches and its text is part of the message. */
static bool matches(const char *want, const char *got) {
    if (strncmp(want, "error ", 6) == 0) {
        const char *colon = strchr(want, ':');
        if (!colon) return strncmp(got, want, strlen(want)) == 0;
        size_t tn = (size_t)(colon - want);
        if (strncmp(got, want, tn) != 0) return false;
        return strstr(got, trim((char *)colon + 1)) != NULL;
    }
    return strcmp(want, got) == 0;
}

static int run_flows(const char *path) {
    const char *paths[] = {path};
    nf_module *mod;
    char *diags = NULL;
    if (nf_module_compile_files(paths, 1, &mod, &diags) != NF_OK) {
        fprintf(stderr, "%s: does not compile:\n%s", path, diags ? diags : "");
        nf_free(diags);
        return 1;
    }
    nf_free(diags);
    FILE *f = fopen(path, "r");
    if (!f) return 1;
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = strstr(line, "-- run:");
        if (!p) continue;
        p += 7;
        char *arrow = strstr(p, "=>");
        if (!arrow) {
            fail(path, lineno, "malformed run line", "... => EXPECTED", line);
            continue;
        }
        *arrow = '\0';
        char *want = trim(arrow + 2);
        /* words: [tz=Z] [budget=N] Flow [NAME=VALUE]... (values may be quoted with ') */
        nf_config cfg;
        nf_config_init(&cfg);
        const char *flow = NULL, *names[64], *values[64];
        size_t nargs = 0;
        char *s = p;
        while (*s) {
            while (*s == ' ')
                s++;
            if (!*s) break;
            char *w = s;
            bool quoted = false;
            char *eq = NULL;
            for (; *s && (quoted || *s != ' '); s++) {
                if (*s == '\'') quoted = !quoted;
                if (*s == '=' && !eq && !quoted) eq = s;
            }
            if (*s) *s++ = '\0';
            if (!flow && strncmp(w, "tz=", 3) == 0) {
                cfg.timezone = w + 3;
            } else if (!flow && strncmp(w, "budget=", 7) == 0) {
                cfg.max_instructions = strtoull(w + 7, NULL, 10);
            } else if (!flow) {
                flow = w;
            } else if (eq && nargs < 64) {
                *eq = '\0';
                char *v = eq + 1;
                size_t vl = strlen(v);
                if (vl >= 2 && v[0] == '\'' && v[vl - 1] == '\'') {
                    v[vl - 1] = '\0';
                    v++;
                }
                names[nargs] = w;
                values[nargs++] = v;
            }
        }
        if (!flow) continue;
        cases++;
        nf_runtime *rt;
        char *err = NULL;
        if (nf_runtime_new(mod, &cfg, &rt, &err) != NF_OK) {
            fail(path, lineno, flow, want, err ? err : "no runtime");
            nf_free(err);
            continue;
        }
        nf_value *v = NULL;
        nf_status st = nf_call_text(rt, flow, names, values, nargs, &v);
        char *got = outcome(rt, st, v);
        if (!got || !matches(want, got)) fail(path, lineno, flow, want, got ? got : "(nomem)");
        free(got);
        nf_value_free(v);
        nf_runtime_free(rt);
    }
    fclose(f);
    nf_module_free(mod);
    return failures ? 1 : 0;
}

/* Splits a TSV line into at most n fields in place. */
static int fields(char *line, char **out, int n) {
    int k = 0;
    out[k++] = line;
    for (char *s = line; *s && k < n; s++)
        if (*s == '\t') {
            *s = '\0';
            out[k++] = s + 1;
        }
    return k;
}

static int run_exprs(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    char line[8192];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n' || strncmp(line, "id\t", 3) == 0) continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *col[6];
        if (fields(line, col, 6) < 4) {
            fail(path, lineno, "malformed row", "id, flags, expression, expected", line);
            continue;
        }
        cases++;
        nf_config cfg;
        nf_config_init(&cfg);
        cfg.timezone = "UTC";
        bool microflow = false;
        char flags[512];
        snprintf(flags, sizeof flags, "%s", col[1]);
        char *save = NULL;
        for (char *w = strtok_r(flags, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            if (strcmp(w, "--microflow") == 0)
                microflow = true;
            else if (strcmp(w, "--timezone") == 0)
                cfg.timezone = strtok_r(NULL, " ", &save);
            else if (strncmp(w, "--timezone=", 11) == 0)
                cfg.timezone = w + 11;
        }
        nf_value *v = NULL;
        char *diags = NULL;
        nf_status st = nf_eval(col[2], microflow, &cfg, &v, &diags);
        char *got = NULL;
        if (st == NF_OK) {
            got = nf_value_is_empty(v) ? strdup("empty") : nf_value_to_text(v);
        } else {
            size_t n = strlen(diags ? diags : "") + 16;
            got = malloc(n);
            if (got) snprintf(got, n, "ERROR %s", diags ? diags : nf_status_text(st));
            if (got) got[strcspn(got, "\n")] = '\0';
        }
        const char *want = col[3];
        bool ok = got && (strncmp(want, "ERROR", 5) == 0
                              ? strncmp(got, "ERROR", 5) == 0 && strstr(got, trim((char *)want + 5))
                              : strcmp(want, got) == 0);
        if (!ok) {
            char what[600];
            snprintf(what, sizeof what, "%s: %s %s", col[0], strcmp(col[1], "-") ? col[1] : "",
                     col[2]);
            fail(path, lineno, what, want, got ? got : "(nomem)");
        }
        free(got);
        nf_free(diags);
        nf_value_free(v);
    }
    fclose(f);
    return failures ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "flows") != 0 && strcmp(argv[1], "exprs") != 0)) {
        fprintf(stderr, "usage: flow_runner flows FILE.mdl | exprs FILE.tsv\n");
        return 2;
    }
    int r = strcmp(argv[1], "flows") == 0 ? run_flows(argv[2]) : run_exprs(argv[2]);
    printf("%s: %d cases, %d failed\n", argv[2], cases, failures);
    return r || failures ? 1 : 0;
}
