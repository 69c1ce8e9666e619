/* embed.c — a minimal host of libnanoflow: compiles the inspection demo app, runs a nanoflow
 * with typed arguments, reads the result, and shows what a flow error looks like.
 *
 *   build/embed_example examples/inspection
 *
 * Everything it uses is in include/nanoflow.h; docs/embedding.md walks through it. */
#include <stdio.h>
#include <string.h>

#include "nanoflow.h"

/* UI actions of the flows arrive here (the app shell would show a dialog). */
static nf_status on_message(void *ud, nf_runtime *rt, nf_message_type type, const char *text,
                            bool blocking) {
    (void)rt;
    (void)blocking;
    int *count = ud;
    ++*count;
    printf("  [message %d, type %d] %s\n", *count, (int)type, text);
    return NF_OK;
}

/* A fixed clock makes runs reproducible (tests do the same). */
static int64_t fixed_clock(void *ud) {
    (void)ud;
    return 1767225600000; /* 2026-01-01T00:00:00Z */
}

int main(int argc, char **argv) {
    const char *app = argc > 1 ? argv[1] : "examples/inspection";
    nf_module *mod = NULL;
    char *diagnostics = NULL;
    nf_status st = nf_module_compile_files(&app, 1, &mod, &diagnostics);
    if (st != NF_OK) {
        fprintf(stderr, "cannot compile %s (%s):\n%s", app, nf_status_text(st),
                diagnostics ? diagnostics : "");
        nf_free(diagnostics);
        return 1;
    }
    nf_free(diagnostics); /* warnings, if any */
    printf("compiled %s: %zu flows\n", app, nf_module_flow_count(mod));

    int messages = 0;
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.timezone = "Europe/Amsterdam";
    cfg.max_instructions = 10 * 1000 * 1000; /* no flow may run away */
    cfg.host.ud = &messages;
    cfg.host.show_message = on_message;
    cfg.host.now = fixed_clock;

    nf_runtime *rt = NULL;
    char *error = NULL;
    if (nf_runtime_new(mod, &cfg, &rt, &error) != NF_OK) {
        fprintf(stderr, "cannot create a runtime: %s\n", error ? error : "?");
        nf_free(error);
        nf_module_free(mod);
        return 1;
    }

    /* 1. A flow with typed arguments built from values (named, in any order). */
    nf_value *critical = nf_value_integer(rt, 0), *high = nf_value_integer(rt, 1);
    nf_value *medium = nf_value_integer(rt, 2), *low = nf_value_integer(rt, 3);
    nf_arg args[] = {{"Low", low}, {"Medium", medium}, {"High", high}, {"Critical", critical}};
    nf_value *result = NULL;
    st = nf_call(rt, "Inspection.PreviewScore", args, 4, &result);
    if (st == NF_OK) {
        char *text = nf_value_to_text(result);
        char *json = nf_value_to_json(result);
        printf("Inspection.PreviewScore = %s\n  as JSON: %s\n", text, json);
        nf_free(text);
        nf_free(json);
        nf_value_free(result);
    } else {
        printf("Inspection.PreviewScore failed: %s: %s\n", nf_status_text(st),
               nf_runtime_error_message(rt));
    }
    nf_value_free(critical);
    nf_value_free(high);
    nf_value_free(medium);
    nf_value_free(low);

    /* 2. Arguments as text, parsed by each parameter's type; a bad one runs nothing. */
    const char *names[] = {"PlannedOn", "DaysAllowed"};
    const char *texts[] = {"2026-03-27T09:00", "3"};
    st = nf_call_text(rt, "Inspection.DueLabel", names, texts, 2, &result);
    if (st == NF_OK) {
        printf("Inspection.DueLabel = %s\n", nf_value_as_string(result));
        nf_value_free(result);
    }
    texts[1] = "three";
    st = nf_call_text(rt, "Inspection.DueLabel", names, texts, 2, &result);
    printf("with a bad argument: %s (%s)\n", nf_status_text(st), nf_runtime_error_message(rt));

    /* 3. An expression on its own. */
    nf_value *v = NULL;
    if (nf_eval("formatDateTime(dateTime(2026, 3, 29, 12), 'EEEE d MMMM yyyy HH:mm')", false, &cfg,
                &v, NULL) == NF_OK) {
        char *text = nf_value_to_text(v);
        printf("eval: %s\n", text);
        nf_free(text);
        nf_value_free(v);
    }

    nf_runtime_free(rt);
    nf_module_free(mod);
    return 0;
}
