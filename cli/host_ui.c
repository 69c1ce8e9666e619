/* host_ui.c — the UI callbacks of `nanoflow run` and `nanoflow eval`: what a flow shows, asks
 * for or logs goes to stderr, as readable lines or (with --json) one JSON object per line, so
 * stdout keeps only the result. The command line answers at once: a blocking message or page is
 * shown and the flow goes on. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nanoflow.h"

static const char *const MESSAGE_TYPES[] = {"Information", "Warning", "Error"};
static const char *const LOG_LEVELS[] = {"trace", "debug", "info", "warning", "error", "critical"};

/* A JSON string literal of s (UTF-8 passes through; controls are escaped). */
static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* A value as its toString() text ("empty" when empty) or as {"type", "value"}. */
static void value_out(FILE *out, const nf_value *v, bool json) {
    char *t = json ? nf_value_to_json(v) : nf_value_is_empty(v) ? NULL : nf_value_to_text(v);
    fputs(t ? t : json ? "null" : "empty", out);
    nf_free(t);
}

/* The pages to close: a count, "all" or "clear history" (JSON: a number or a string). */
static void pages_out(FILE *out, int32_t n, bool json) {
    if (n == NF_PAGES_ALL)
        fputs(json ? "\"all\"" : "all", out);
    else if (n == NF_PAGES_CLEAR_HISTORY)
        fputs(json ? "\"clearHistory\"" : "clear history", out);
    else
        fprintf(out, "%d", (int)n);
}

static bool json_mode(void *ud) {
    return ud && *(const bool *)ud;
}

static nf_status on_message(void *ud, nf_runtime *rt, nf_message_type type, const char *text,
                            bool blocking) {
    (void)rt;
    const char *kind = MESSAGE_TYPES[(unsigned)type < 3 ? type : 0];
    if (json_mode(ud)) {
        fprintf(stderr, "{\"event\": \"message\", \"type\": \"%s\", \"text\": ", kind);
        json_string(stderr, text);
        fprintf(stderr, ", \"blocking\": %s}\n", blocking ? "true" : "false");
    } else {
        /* lower case, as the log levels */
        fprintf(stderr, "[message %s] %s%s\n",
                type == NF_MESSAGE_WARNING ? "warning"
                : type == NF_MESSAGE_ERROR ? "error"
                                           : "information",
                text, blocking ? " (blocking)" : "");
    }
    return NF_OK;
}

static nf_status on_page(void *ud, nf_runtime *rt, const char *page, const char *title,
                         const char *const *names, const nf_value *const *args, size_t n,
                         int32_t close_pages) {
    (void)rt;
    bool json = json_mode(ud);
    if (json) {
        fputs("{\"event\": \"showPage\", \"page\": ", stderr);
        json_string(stderr, page);
        fputs(", \"title\": ", stderr);
        if (title)
            json_string(stderr, title);
        else
            fputs("null", stderr);
        fputs(", \"arguments\": {", stderr);
    } else {
        fprintf(stderr, "[show page] %s", page);
        if (title) fprintf(stderr, " \"%s\"", title);
        fputs(" (", stderr);
    }
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", stderr);
        if (json) {
            json_string(stderr, names[i]);
            fputs(": ", stderr);
        } else {
            fprintf(stderr, "%s = ", names[i][0] ? names[i] : "?");
        }
        value_out(stderr, args[i], json);
    }
    if (json) {
        fputs("}, \"closePages\": ", stderr);
        pages_out(stderr, close_pages, true);
        fputs("}\n", stderr);
    } else {
        fputc(')', stderr);
        if (close_pages == NF_PAGES_CLEAR_HISTORY)
            fputs(" closing all pages and the history", stderr);
        else if (close_pages == NF_PAGES_ALL)
            fputs(" closing all pages", stderr);
        else if (close_pages)
            fprintf(stderr, " closing %d page%s", (int)close_pages, close_pages == 1 ? "" : "s");
        fputc('\n', stderr);
    }
    return NF_OK;
}

static nf_status on_close(void *ud, nf_runtime *rt, int32_t count) {
    (void)rt;
    if (json_mode(ud)) {
        fputs("{\"event\": \"closePage\", \"count\": ", stderr);
        pages_out(stderr, count, true);
        fputs("}\n", stderr);
    } else {
        fputs("[close page] ", stderr);
        pages_out(stderr, count, false);
        fputc('\n', stderr);
    }
    return NF_OK;
}

static nf_status on_feedback(void *ud, nf_runtime *rt, const nf_value *object, const char *member,
                             const char *text) {
    (void)rt;
    if (json_mode(ud)) {
        fputs("{\"event\": \"validationFeedback\", \"object\": ", stderr);
        value_out(stderr, object, true);
        fputs(", \"member\": ", stderr);
        if (member)
            json_string(stderr, member);
        else
            fputs("null", stderr);
        fputs(", \"text\": ", stderr);
        json_string(stderr, text);
        fputs("}\n", stderr);
    } else {
        fputs("[validation feedback] ", stderr);
        value_out(stderr, object, false);
        fprintf(stderr, "%s%s: %s\n", member ? " " : "", member ? member : "", text);
    }
    return NF_OK;
}

static nf_status on_progress(void *ud, nf_runtime *rt, bool show, const char *text, bool blocking) {
    (void)rt;
    if (json_mode(ud)) {
        fprintf(stderr,
                "{\"event\": \"progress\", \"show\": %s, \"text\": ", show ? "true" : "false");
        if (text)
            json_string(stderr, text);
        else
            fputs("null", stderr);
        fprintf(stderr, ", \"blocking\": %s}\n", blocking ? "true" : "false");
    } else if (show) {
        fprintf(stderr, "[progress] %s%s\n", text ? text : "…", blocking ? " (blocking)" : "");
    } else {
        fputs("[progress hidden]\n", stderr);
    }
    return NF_OK;
}

static void on_log(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                   const char *text) {
    (void)rt;
    const char *name = LOG_LEVELS[(unsigned)level < 6 ? level : 2];
    if (level < NF_LOG_INFO) return; /* trace and debug: too chatty for a command */
    if (json_mode(ud)) {
        fprintf(stderr, "{\"event\": \"log\", \"level\": \"%s\", \"node\": ", name);
        json_string(stderr, node);
        fputs(", \"text\": ", stderr);
        json_string(stderr, text);
        fputs("}\n", stderr);
    } else {
        fprintf(stderr, "[log %s] %s: %s\n", name, node, text);
    }
}

void nf_cli_host_ui(nf_host *host, bool *json) {
    host->ud = json;
    host->show_message = on_message;
    host->show_page = on_page;
    host->close_page = on_close;
    host->feedback = on_feedback;
    host->progress = on_progress;
    host->log = on_log;
}
