/* test_ui.c — the UI host callbacks of include/nanoflow.h (docs/embedding.md §9): what each one
 * receives, a blocking one that answers later (suspend/resume), a failing one, and the debug
 * line an unset one leaves in the log. Public API only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nanoflow.h"

static const char *const SRC =
    "create module UI;\n"
    "create entity UI.Item (Name: String(50));\n"
    "create nanoflow UI.All ($N: Integer) returns String\n"
    "begin\n"
    "  show progress 'Loading' blocking;\n"
    "  $Item = create UI.Item (Name = 'x');\n"
    "  show page UI.Edit (Item = $Item, Mode = 'edit') title 'Edit item' close pages $N;\n"
    "  show page UI.Home close pages all;\n"
    "  show page UI.Start close pages clear history;\n"
    "  validation feedback $Item/Name message 'Name is required';\n"
    "  validation feedback $Item message 'Whole object';\n"
    "  close page;\n"
    "  close page $N + 1;\n"
    "  close pages all;\n"
    "  hide progress;\n"
    "  show progress;\n"
    "  show message 'done' type Warning blocking;\n"
    "  log error 'logged';\n"
    "  return 'ok';\n"
    "end;\n"
    "create nanoflow UI.Guarded () returns String\n"
    "begin\n"
    "  try\n"
    "    show message 'boom';\n"
    "  catch\n"
    "    return $latestErrorType + ': ' + $latestError;\n"
    "  end try;\n"
    "  return 'no error';\n"
    "end;\n"
    "create nanoflow UI.BadCount ($N: Integer)\n"
    "begin\n"
    "  close page $N;\n"
    "end;\n";

static nf_module *compile_app(void) {
    const char *names[] = {"ui.mdl"}, *texts[] = {SRC};
    nf_module *m = NULL;
    char *diags = NULL;
    nf_status st = nf_module_compile(names, texts, NULL, 1, &m, &diags);
    if (st != NF_OK) fprintf(stderr, "%s", diags ? diags : "?");
    nf_free(diags);
    assert_int_equal(st, NF_OK);
    return m;
}

/* What the host saw, one line per callback, and when it parks the flow. */
typedef struct rec {
    char lines[4096];
    bool suspend_blocking; /* blocking messages and progress park the flow */
    bool fail_messages;
    int suspended;
} rec;

static void add(rec *r, const char *fmt, ...) {
    size_t n = strlen(r->lines);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->lines + n, sizeof r->lines - n, fmt, ap);
    va_end(ap);
    n = strlen(r->lines);
    if (n + 1 < sizeof r->lines) strcat(r->lines, "\n");
}

static nf_status on_message(void *ud, nf_runtime *rt, nf_message_type type, const char *text,
                            bool blocking) {
    (void)rt;
    rec *r = ud;
    if (r->fail_messages) return NF_ERR_ARGUMENT;
    add(r, "message %d %s%s", (int)type, text, blocking ? " blocking" : "");
    if (blocking && r->suspend_blocking) return r->suspended++, NF_SUSPENDED;
    return NF_OK;
}

static nf_status on_page(void *ud, nf_runtime *rt, const char *page, const char *title,
                         const char *const *names, const nf_value *const *args, size_t n,
                         int32_t close_pages) {
    (void)rt;
    char argtext[256] = "";
    for (size_t i = 0; i < n; i++) {
        char *t = nf_value_type(args[i]) == NF_TYPE_OBJECT ? NULL : nf_value_to_text(args[i]);
        size_t k = strlen(argtext);
        snprintf(argtext + k, sizeof argtext - k, "%s%s=%s", i ? "," : "", names[i],
                 t ? t : nf_value_entity(args[i]));
        nf_free(t);
    }
    add(ud, "page %s title=%s args=%s close=%d", page, title ? title : "(none)", argtext,
        (int)close_pages);
    return NF_OK;
}

static nf_status on_close(void *ud, nf_runtime *rt, int32_t count) {
    (void)rt;
    add(ud, "close %d", (int)count);
    return NF_OK;
}

static nf_status on_feedback(void *ud, nf_runtime *rt, const nf_value *object, const char *member,
                             const char *text) {
    (void)rt;
    nf_value *name = NULL;
    assert_int_equal(nf_object_get(object, "Name", &name), NF_OK); /* the object is readable */
    add(ud, "feedback %s(%s).%s %s", nf_value_entity(object), nf_value_as_string(name),
        member ? member : "(object)", text);
    nf_value_free(name);
    return NF_OK;
}

static nf_status on_progress(void *ud, nf_runtime *rt, bool show, const char *text, bool blocking) {
    (void)rt;
    rec *r = ud;
    add(r, "progress %s %s%s", show ? "show" : "hide", text ? text : "(none)",
        blocking ? " blocking" : "");
    if (blocking && r->suspend_blocking) return r->suspended++, NF_SUSPENDED;
    return NF_OK;
}

static void on_log(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                   const char *text) {
    (void)rt;
    add(ud, "log %d %s: %s", (int)level, node, text);
}

static nf_runtime *runtime(nf_module *m, rec *r, bool with_ui) {
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.host.ud = r;
    cfg.host.log = on_log;
    if (with_ui) {
        cfg.host.show_message = on_message;
        cfg.host.show_page = on_page;
        cfg.host.close_page = on_close;
        cfg.host.feedback = on_feedback;
        cfg.host.progress = on_progress;
    }
    nf_runtime *rt = NULL;
    assert_int_equal(nf_runtime_new(m, &cfg, &rt, NULL), NF_OK);
    return rt;
}

static const char *const ALL_EVENTS = "progress show Loading blocking\n"
                                      "page UI.Edit title=Edit item args=Item=UI.Item,Mode=edit "
                                      "close=2\n"
                                      "page UI.Home title=(none) args= close=-1\n"
                                      "page UI.Start title=(none) args= close=-2\n"
                                      "feedback UI.Item(x).Name Name is required\n"
                                      "feedback UI.Item(x).(object) Whole object\n"
                                      "close 1\n"
                                      "close 3\n"
                                      "close -1\n"
                                      "progress hide (none)\n"
                                      "progress show (none)\n"
                                      "message 1 done blocking\n"
                                      "log 4 Application: logged\n";

static void every_ui_callback_gets_its_arguments(void **state) {
    (void)state;
    nf_module *m = compile_app();
    rec r = {0};
    nf_runtime *rt = runtime(m, &r, true);
    const char *names[] = {"N"}, *texts[] = {"2"};
    nf_value *res = NULL;
    assert_int_equal(nf_call_text(rt, "UI.All", names, texts, 1, &res), NF_OK);
    assert_string_equal(nf_value_as_string(res), "ok");
    assert_string_equal(r.lines, ALL_EVENTS);
    assert_int_equal(NF_PAGES_ALL, -1);
    assert_int_equal(NF_PAGES_CLEAR_HISTORY, -2);
    nf_value_free(res);
    nf_runtime_free(rt);
    nf_module_free(m);
}

/* A blocking progress and a blocking message park the flow; the host answers later. */
static void blocking_callbacks_complete_later(void **state) {
    (void)state;
    nf_module *m = compile_app();
    rec r = {0};
    r.suspend_blocking = true;
    nf_runtime *rt = runtime(m, &r, true);
    const char *names[] = {"N"}, *texts[] = {"2"};
    nf_value *res = NULL;
    assert_int_equal(nf_call_text(rt, "UI.All", names, texts, 1, &res), NF_SUSPENDED);
    assert_null(res);
    assert_string_equal(r.lines, "progress show Loading blocking\n"); /* nothing ran after it */
    assert_int_equal(nf_call_text(rt, "UI.All", names, texts, 1, &res), NF_ERR_STATE);
    assert_int_equal(nf_resume(rt, NULL, &res), NF_SUSPENDED); /* now at the message */
    assert_int_equal(r.suspended, 2);
    assert_null(strstr(r.lines, "log 4"));
    assert_int_equal(nf_resume(rt, NULL, &res), NF_OK);
    assert_string_equal(nf_value_as_string(res), "ok");
    assert_string_equal(r.lines, ALL_EVENTS);
    nf_value_free(res);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void unset_callbacks_do_nothing_but_log_a_debug_line(void **state) {
    (void)state;
    nf_module *m = compile_app();
    rec r = {0};
    nf_runtime *rt = runtime(m, &r, false);
    const char *names[] = {"N"}, *texts[] = {"2"};
    nf_value *res = NULL;
    assert_int_equal(nf_call_text(rt, "UI.All", names, texts, 1, &res), NF_OK);
    assert_string_equal(nf_value_as_string(res), "ok");
    assert_string_equal(r.lines, "log 1 Client: no host callback: show progress Loading\n"
                                 "log 1 Client: no host callback: show page UI.Edit\n"
                                 "log 1 Client: no host callback: show page UI.Home\n"
                                 "log 1 Client: no host callback: show page UI.Start\n"
                                 "log 1 Client: no host callback: validation feedback Name is "
                                 "required\n"
                                 "log 1 Client: no host callback: validation feedback Whole "
                                 "object\n"
                                 "log 1 Client: no host callback: close page\n"
                                 "log 1 Client: no host callback: close page\n"
                                 "log 1 Client: no host callback: close page\n"
                                 "log 1 Client: no host callback: hide progress\n"
                                 "log 1 Client: no host callback: show progress\n"
                                 "log 1 Client: no host callback: show message done\n"
                                 "log 4 Application: logged\n");
    nf_value_free(res);
    nf_runtime_free(rt);
    nf_module_free(m);
    /* and with no log callback either, the flow still runs */
    m = compile_app();
    nf_runtime *quiet = NULL;
    assert_int_equal(nf_runtime_new(m, NULL, &quiet, NULL), NF_OK);
    assert_int_equal(nf_call_text(quiet, "UI.All", names, texts, 1, &res), NF_OK);
    nf_value_free(res);
    nf_runtime_free(quiet);
    nf_module_free(m);
}

static void a_failing_callback_is_a_catchable_host_error(void **state) {
    (void)state;
    nf_module *m = compile_app();
    rec r = {0};
    r.fail_messages = true;
    nf_runtime *rt = runtime(m, &r, true);
    nf_value *res = NULL;
    assert_int_equal(nf_call(rt, "UI.Guarded", NULL, 0, &res), NF_OK);
    assert_string_equal(nf_value_as_string(res),
                        "HostError: the host's show message callback failed (bad argument)");
    nf_value_free(res);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void a_negative_page_count_is_a_runtime_error(void **state) {
    (void)state;
    nf_module *m = compile_app();
    rec r = {0};
    nf_runtime *rt = runtime(m, &r, true);
    const char *names[] = {"N"}, *texts[] = {"-1"};
    assert_int_equal(nf_call_text(rt, "UI.BadCount", names, texts, 1, NULL), NF_ERR_FLOW);
    assert_int_equal(nf_runtime_error_type(rt), NF_ERROR_RUNTIME);
    assert_non_null(strstr(nf_runtime_error_message(rt), "pages to close"));
    texts[0] = "empty";
    assert_int_equal(nf_call_text(rt, "UI.BadCount", names, texts, 1, NULL), NF_ERR_FLOW);
    assert_string_equal(r.lines, ""); /* the host never heard of either */
    texts[0] = "0";
    assert_int_equal(nf_call_text(rt, "UI.BadCount", names, texts, 1, NULL), NF_OK);
    assert_string_equal(r.lines, "close 0\n");
    nf_runtime_free(rt);
    nf_module_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_ui_callback_gets_its_arguments),
        cmocka_unit_test(blocking_callbacks_complete_later),
        cmocka_unit_test(unset_callbacks_do_nothing_but_log_a_debug_line),
        cmocka_unit_test(a_failing_callback_is_a_catchable_host_error),
        cmocka_unit_test(a_negative_page_count_is_a_runtime_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
