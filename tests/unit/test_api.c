/* test_api.c — specification of the embedding API (include/nanoflow.h): modules, runtimes,
 * calls with named typed arguments, results, error details, limits, cancellation, host
 * callbacks, suspension and resumption, the allocator and value lifetimes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nanoflow.h"

static const char *const APP =
    "create module Api;\n"
    "create enumeration Api.Level (Low 'Low', High 'High level');\n"
    "create non-persistent entity Api.Item (Name: String(50), Qty: Integer default 2, Level: "
    "Enumeration(Api.Level));\n"
    "create javascript action Api.Ask ($Question: String) returns Integer;\n"
    "create nanoflow Api.Add ($A: Integer, $B: Long) returns Long\n"
    "begin\n"
    "  return $A + $B;\n"
    "end;\n"
    "create nanoflow Api.Price ($P: Decimal, $Q: Integer) returns Decimal\n"
    "begin\n"
    "  return $P * $Q;\n"
    "end;\n"
    "create nanoflow Api.Greet ($Name: String, $L: Enumeration(Api.Level)) returns String\n"
    "begin\n"
    "  return 'hi ' + $Name + ' ' + getCaption($L);\n"
    "end;\n"
    "create nanoflow Api.Fail ($S: String) returns String\n"
    "begin\n"
    "  log info 'about to fail';\n"
    "  return substring($S, 99);\n"
    "end;\n"
    "create nanoflow Api.Spin () returns Integer\n"
    "begin\n"
    "  declare $I Integer = 0;\n"
    "  log info 'spinning';\n"
    "  while true\n"
    "  begin\n"
    "    set $I = $I + 1;\n"
    "  end while;\n"
    "  return $I;\n"
    "end;\n"
    "create nanoflow Api.Items ($N: Integer) returns List of Api.Item\n"
    "begin\n"
    "  $L = create list of Api.Item;\n"
    "  while $currentIndex < $N\n"
    "  begin\n"
    "    $I = create Api.Item (Name = 'item ' + toString($currentIndex), Level = Api.Level.High);\n"
    "    add $I to $L;\n"
    "  end while;\n"
    "  return $L;\n"
    "end;\n"
    "create nanoflow Api.AskTwice () returns Integer\n"
    "begin\n"
    "  $A = call javascript action Api.Ask(Question = 'first?');\n"
    "  $B = call javascript action Api.Ask(Question = 'second?') on error without rollback begin\n"
    "    show message 'caught ' + $latestErrorType + ': ' + $latestError type Warning;\n"
    "    return -1;\n"
    "  end error;\n"
    "  return $A * 100 + $B;\n"
    "end;\n"
    "create nanoflow Api.Now () returns DateTime\n"
    "begin\n"
    "  return [%CurrentDateTime%];\n"
    "end;\n"
    "create nanoflow Api.Text ($D: DateTime) returns String\n"
    "begin\n"
    "  return toString($D);\n"
    "end;\n";

static nf_module *compile_app(void) {
    const char *names[] = {"api.mdl"};
    const char *texts[] = {APP};
    nf_module *m = NULL;
    char *diags = NULL;
    nf_status st = nf_module_compile(names, texts, NULL, 1, &m, &diags);
    if (st != NF_OK) fprintf(stderr, "%s", diags ? diags : "");
    nf_free(diags);
    assert_int_equal(st, NF_OK);
    return m;
}

static nf_runtime *runtime(nf_module *m, const nf_config *cfg) {
    nf_runtime *rt = NULL;
    char *err = NULL;
    assert_int_equal(nf_runtime_new(m, cfg, &rt, &err), NF_OK);
    assert_null(err);
    return rt;
}

static char *text_of(nf_value *v) {
    char *t = nf_value_to_text(v);
    assert_non_null(t);
    return t;
}

/* ---- modules ----------------------------------------------------------------------------------
 */

static void compiling_reports_diagnostics_with_codes(void **state) {
    (void)state;
    const char *names[] = {"bad.mdl"};
    const char *texts[] = {"create module Bad;\ncreate nanoflow Bad.F () returns Integer\nbegin\n"
                           "  return 'text';\nend;\n"};
    nf_module *m = (nf_module *)1;
    char *diags = NULL;
    assert_int_equal(nf_module_compile(names, texts, NULL, 1, &m, &diags), NF_ERR_COMPILE);
    assert_null(m);
    assert_non_null(diags);
    assert_non_null(strstr(diags, "bad.mdl:4:"));
    assert_non_null(strstr(diags, "[NF"));
    nf_free(diags);
}

static void loading_rejects_bad_bytes_and_missing_files(void **state) {
    (void)state;
    nf_module *m = (nf_module *)1;
    char *err = NULL;
    assert_int_equal(nf_module_load("not a module", 12, &m, &err), NF_ERR_LOAD);
    assert_null(m);
    assert_non_null(err);
    nf_free(err);
    assert_int_equal(nf_module_load_file("/nonexistent/app.nfb", &m, &err), NF_ERR_LOAD);
    assert_non_null(strstr(err, "/nonexistent/app.nfb"));
    nf_free(err);
}

static void a_module_lists_its_flows(void **state) {
    (void)state;
    nf_module *m = compile_app();
    size_t n = nf_module_flow_count(m);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(nf_module_flow_name(m, i), "Api.Add") == 0)
            found = nf_module_flow_is_nanoflow(m, i);
    assert_true(found);
    assert_null(nf_module_flow_name(m, n));
    nf_module_free(m);
}

static void an_unknown_time_zone_is_refused(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.timezone = "Mars/Olympus_Mons";
    nf_runtime *rt = (nf_runtime *)1;
    char *err = NULL;
    assert_int_equal(nf_runtime_new(m, &cfg, &rt, &err), NF_ERR_ARGUMENT);
    assert_null(rt);
    assert_non_null(strstr(err, "Mars/Olympus_Mons"));
    nf_free(err);
    nf_module_free(m);
}

/* ---- calls and results --------------------------------------------------------------------------
 */

static void named_arguments_in_any_order(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_runtime *rt = runtime(m, NULL);
    nf_value *a = nf_value_integer(rt, 2), *b = nf_value_integer(rt, 40);
    nf_arg args[] = {{"B", b}, {"A", a}};
    nf_value *r = NULL;
    assert_int_equal(nf_call(rt, "Api.Add", args, 2, &r), NF_OK);
    assert_int_equal(nf_value_type(r), NF_TYPE_LONG);
    assert_int_equal(nf_value_as_integer(r), 42);
    char *json = nf_value_to_json(r);
    assert_string_equal(json, "{\"type\": \"Long\", \"value\": 42}");
    nf_free(json);
    nf_value_free(r);
    nf_value_free(a);
    nf_value_free(b);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void decimals_are_exact_text(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_runtime *rt = runtime(m, NULL);
    const char *names[] = {"P", "Q"};
    const char *texts[] = {"0.1", "3"};
    nf_value *r = NULL;
    assert_int_equal(nf_call_text(rt, "Api.Price", names, texts, 2, &r), NF_OK);
    assert_int_equal(nf_value_type(r), NF_TYPE_DECIMAL);
    char *t = text_of(r);
    assert_string_equal(t, "0.3");
    nf_free(t);
    char *json = nf_value_to_json(r);
    assert_string_equal(json, "{\"type\": \"Decimal\", \"value\": \"0.3\"}");
    nf_free(json);
    nf_value_free(r);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void enumerations_by_key(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_runtime *rt = runtime(m, NULL);
    nf_value *name = nf_value_string(rt, "Ann", 3);
    nf_value *level = nf_value_enumeration(rt, "Api.Level.High");
    assert_non_null(level);
    assert_string_equal(nf_value_enumeration_key(level), "High");
    assert_string_equal(nf_value_enumeration_name(level), "Api.Level");
    assert_null(nf_value_enumeration(rt, "Api.Level.Medium"));
    nf_arg args[] = {{"Name", name}, {"L", level}};
    nf_value *r = NULL;
    assert_int_equal(nf_call(rt, "Api.Greet", args, 2, &r), NF_OK);
    assert_string_equal(nf_value_as_string(r), "hi Ann High level");
    nf_value_free(r);
    nf_value_free(name);
    nf_value_free(level);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void missing_arguments_are_empty(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_runtime *rt = runtime(m, NULL);
    nf_value *r = NULL;
    /* $A + empty is an error of the flow, with its place */
    assert_int_equal(nf_call(rt, "Api.Add", NULL, 0, &r), NF_ERR_FLOW);
    assert_null(r);
    assert_int_equal(nf_runtime_error_type(rt), NF_ERROR_RUNTIME);
    assert_string_equal(nf_runtime_error_flow(rt), "Api.Add");
    assert_int_equal(nf_runtime_error_line(rt), 7);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void wrong_calls_run_nothing(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_runtime *rt = runtime(m, NULL);
    nf_value *s = nf_value_string(rt, "x", 1);
    nf_value *r = NULL;
    assert_int_equal(nf_call(rt, "Api.Missing", NULL, 0, &r), NF_ERR_NOT_FOUND);
    assert_non_null(strstr(nf_runtime_error_message(rt), "Api.Missing"));
    nf_arg unknown[] = {{"C", s}};
    assert_int_equal(nf_call(rt, "Api.Add", unknown, 1, &r), NF_ERR_NOT_FOUND);
    nf_arg wrong[] = {{"A", s}};
    assert_int_equal(nf_call(rt, "Api.Add", wrong, 1, &r), NF_ERR_ARGUMENT);
    assert_non_null(strstr(nf_runtime_error_message(rt), "Integer"));
    const char *names[] = {"A"};
    const char *texts[] = {"99999999999"}; /* beyond Integer's 32 bits */
    assert_int_equal(nf_call_text(rt, "Api.Add", names, texts, 1, &r), NF_ERR_ARGUMENT);
    assert_null(r);
    /* an Integer parameter holds 32 bits; a Long parameter 64 */
    nf_value *big = nf_value_integer(rt, 99999999999);
    nf_arg too_big[] = {{"A", big}};
    assert_int_equal(nf_call(rt, "Api.Add", too_big, 1, &r), NF_ERR_ARGUMENT);
    assert_non_null(strstr(nf_runtime_error_message(rt), "out of its range"));
    nf_value *one = nf_value_integer(rt, 1);
    nf_arg long_ok[] = {{"A", one}, {"B", big}};
    assert_int_equal(nf_call(rt, "Api.Add", long_ok, 2, &r), NF_OK);
    assert_int_equal(nf_value_as_integer(r), 100000000000);
    nf_value_free(r);
    nf_value_free(one);
    nf_value_free(big);
    /* a value of another runtime */
    nf_runtime *other = runtime(m, NULL);
    nf_value *foreign = nf_value_integer(other, 1);
    nf_arg cross[] = {{"A", foreign}};
    assert_int_equal(nf_call(rt, "Api.Add", cross, 1, &r), NF_ERR_ARGUMENT);
    nf_value_free(foreign);
    nf_runtime_free(other);
    nf_value_free(s);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void flow_signatures(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_runtime *rt = runtime(m, NULL);
    assert_int_equal(nf_flow_result_type(rt, "Api.Add"), NF_TYPE_LONG);
    assert_int_equal(nf_flow_param_count(rt, "Api.Add"), 2);
    nf_type t;
    assert_string_equal(nf_flow_param(rt, "Api.Add", 0, &t), "A");
    assert_int_equal(t, NF_TYPE_INTEGER);
    assert_string_equal(nf_flow_param(rt, "Api.Add", 1, &t), "B");
    assert_int_equal(t, NF_TYPE_LONG);
    assert_null(nf_flow_param(rt, "Api.Add", 2, &t));
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void objects_and_lists(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_runtime *rt = runtime(m, NULL);
    const char *names[] = {"N"};
    const char *texts[] = {"3"};
    nf_value *l = NULL;
    assert_int_equal(nf_call_text(rt, "Api.Items", names, texts, 1, &l), NF_OK);
    assert_int_equal(nf_value_type(l), NF_TYPE_LIST);
    assert_string_equal(nf_value_entity(l), "Api.Item");
    assert_int_equal(nf_list_length(l), 3);
    nf_value *o = nf_list_get(l, 2);
    assert_int_equal(nf_value_type(o), NF_TYPE_OBJECT);
    nf_value *name = NULL, *qty = NULL, *level = NULL, *none = NULL;
    assert_int_equal(nf_object_get(o, "Name", &name), NF_OK);
    assert_string_equal(nf_value_as_string(name), "item 2");
    assert_int_equal(nf_object_get(o, "Qty", &qty), NF_OK);
    assert_int_equal(nf_value_as_integer(qty), 2);
    assert_int_equal(nf_object_get(o, "Level", &level), NF_OK);
    assert_string_equal(nf_value_enumeration_key(level), "High");
    assert_int_equal(nf_object_get(o, "Nope", &none), NF_ERR_NOT_FOUND);
    assert_null(nf_list_get(l, 3));
    char *json = nf_value_to_json(o);
    assert_non_null(strstr(json, "\"entity\": \"Api.Item\""));
    assert_non_null(strstr(json, "\"Name\": \"item 2\""));
    assert_non_null(strstr(json, "\"Level\": \"Api.Level.High\""));
    nf_free(json);
    nf_value_free(name);
    nf_value_free(qty);
    nf_value_free(level);
    nf_value_free(o);
    nf_value_free(l);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void values_outlive_their_runtime_handle(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_runtime *rt = runtime(m, NULL);
    const char *names[] = {"N"};
    const char *texts[] = {"2"};
    nf_value *l = NULL;
    assert_int_equal(nf_call_text(rt, "Api.Items", names, texts, 1, &l), NF_OK);
    nf_runtime_free(rt); /* the list keeps the runtime's memory alive */
    nf_value *o = nf_list_get(l, 1);
    nf_value *name = NULL;
    assert_int_equal(nf_object_get(o, "Name", &name), NF_OK);
    assert_string_equal(nf_value_as_string(name), "item 1");
    nf_value_free(name);
    nf_value_free(o);
    nf_value_free(l); /* the last reference frees the runtime */
    nf_module_free(m);
}

/* ---- limits and cancellation --------------------------------------------------------------------
 */

static void the_instruction_budget_ends_a_runaway_flow(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.max_instructions = 100000;
    nf_runtime *rt = runtime(m, &cfg);
    nf_value *r = NULL;
    assert_int_equal(nf_call(rt, "Api.Spin", NULL, 0, &r), NF_ERR_FLOW);
    assert_int_equal(nf_runtime_error_type(rt), NF_ERROR_LIMIT_EXCEEDED);
    assert_string_equal(nf_runtime_error_flow(rt), "Api.Spin");
    /* the runtime stays usable */
    nf_value *a = nf_value_integer(rt, 1);
    nf_arg args[] = {{"A", a}, {"B", a}};
    assert_int_equal(nf_call(rt, "Api.Add", args, 2, &r), NF_OK);
    assert_int_equal(nf_value_as_integer(r), 2);
    nf_value_free(r);
    nf_value_free(a);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void cancel_from_log(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                            const char *text) {
    (void)ud;
    (void)level;
    (void)node;
    if (strcmp(text, "spinning") == 0) nf_runtime_cancel(rt);
}

static void cancellation_stops_at_the_next_loop(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.host.log = cancel_from_log; /* a host thread would call nf_runtime_cancel the same way */
    nf_runtime *rt = runtime(m, &cfg);
    nf_value *r = NULL;
    assert_int_equal(nf_call(rt, "Api.Spin", NULL, 0, &r), NF_ERR_FLOW);
    assert_int_equal(nf_runtime_error_type(rt), NF_ERROR_CANCELLED);
    nf_runtime_free(rt);
    nf_module_free(m);
}

/* A counting allocator: every byte the runtime takes through it is given back. */
typedef struct counter {
    size_t live, peak, calls;
} counter;

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    counter *c = ud;
    c->calls++;
    if (nsize == 0) {
        c->live -= ptr ? osize : 0;
        free(ptr);
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    c->live = c->live - (ptr ? osize : 0) + nsize;
    if (c->live > c->peak) c->peak = c->live;
    return p;
}

static void the_allocator_sees_every_value(void **state) {
    (void)state;
    nf_module *m = compile_app();
    counter c = {0, 0, 0};
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.alloc = counting_alloc;
    cfg.alloc_ud = &c;
    nf_runtime *rt = runtime(m, &cfg);
    const char *names[] = {"N"};
    const char *texts[] = {"100"};
    nf_value *l = NULL;
    assert_int_equal(nf_call_text(rt, "Api.Items", names, texts, 1, &l), NF_OK);
    assert_true(c.calls > 100);
    assert_true(c.live > 0);
    nf_value_free(l);
    nf_runtime_free(rt);
    assert_int_equal(c.live, 0);
    nf_module_free(m);
}

static void the_memory_limit_is_an_error(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.max_memory = 64 * 1024;
    nf_runtime *rt = runtime(m, &cfg);
    const char *names[] = {"N"};
    const char *texts[] = {"100000"};
    nf_value *l = NULL;
    assert_int_equal(nf_call_text(rt, "Api.Items", names, texts, 1, &l), NF_ERR_FLOW);
    assert_int_equal(nf_runtime_error_type(rt), NF_ERROR_LIMIT_EXCEEDED);
    assert_non_null(strstr(nf_runtime_error_message(rt), "memory"));
    nf_runtime_free(rt);
    nf_module_free(m);
}

/* ---- host callbacks, suspension
 * ------------------------------------------------------------------ */

typedef struct host {
    int asked;
    bool suspend;
    char last_message[256];
} host;

static nf_status ask(void *ud, nf_runtime *rt, const char *name, const nf_value *const *args,
                     size_t n, nf_value **result) {
    host *h = ud;
    assert_string_equal(name, "Api.Ask");
    assert_int_equal(n, 1);
    assert_non_null(strstr(nf_value_as_string(args[0]), "?"));
    h->asked++;
    if (h->suspend) return NF_SUSPENDED;
    *result = nf_value_integer(rt, h->asked);
    return NF_OK;
}

static nf_status message(void *ud, nf_runtime *rt, nf_message_type type, const char *text,
                         bool blocking) {
    (void)rt;
    (void)blocking;
    host *h = ud;
    assert_int_equal(type, NF_MESSAGE_WARNING);
    snprintf(h->last_message, sizeof h->last_message, "%s", text);
    return NF_OK;
}

static void actions_call_the_host(void **state) {
    (void)state;
    nf_module *m = compile_app();
    host h = {0, false, ""};
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.host.ud = &h;
    cfg.host.action = ask;
    nf_runtime *rt = runtime(m, &cfg);
    nf_value *r = NULL;
    assert_int_equal(nf_call(rt, "Api.AskTwice", NULL, 0, &r), NF_OK);
    assert_int_equal(nf_value_as_integer(r), 102);
    nf_value_free(r);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void an_action_without_a_host_is_a_host_error(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_runtime *rt = runtime(m, NULL);
    nf_value *r = NULL;
    assert_int_equal(nf_call(rt, "Api.AskTwice", NULL, 0, &r), NF_ERR_FLOW);
    assert_int_equal(nf_runtime_error_type(rt), NF_ERROR_HOST);
    assert_non_null(strstr(nf_runtime_error_message(rt), "Api.Ask"));
    nf_runtime_free(rt);
    nf_module_free(m);
}

static void a_suspended_call_resumes_with_the_hosts_answer(void **state) {
    (void)state;
    nf_module *m = compile_app();
    host h = {0, true, ""};
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.host.ud = &h;
    cfg.host.action = ask;
    cfg.host.show_message = message;
    nf_runtime *rt = runtime(m, &cfg);
    nf_value *r = NULL;
    assert_int_equal(nf_call(rt, "Api.AskTwice", NULL, 0, &r), NF_SUSPENDED);
    assert_int_equal(h.asked, 1);
    /* nothing else runs while a call is parked */
    assert_int_equal(nf_call(rt, "Api.Now", NULL, 0, &r), NF_ERR_STATE);
    nf_value *answer = nf_value_integer(rt, 7);
    assert_int_equal(nf_resume(rt, answer, &r), NF_SUSPENDED); /* the second question */
    assert_int_equal(h.asked, 2);
    nf_value_free(answer);
    answer = nf_value_integer(rt, 5);
    assert_int_equal(nf_resume(rt, answer, &r), NF_OK);
    assert_int_equal(nf_value_as_integer(r), 705);
    nf_value_free(r);
    nf_value_free(answer);
    /* the second time, the host reports a failure: the flow's handler catches it */
    assert_int_equal(nf_call(rt, "Api.AskTwice", NULL, 0, &r), NF_SUSPENDED);
    answer = nf_value_integer(rt, 1);
    assert_int_equal(nf_resume(rt, answer, &r), NF_SUSPENDED);
    assert_int_equal(nf_resume_error(rt, NF_ERROR_CONNECTION, "camera busy", &r), NF_OK);
    assert_int_equal(nf_value_as_integer(r), -1);
    assert_string_equal(h.last_message, "caught ConnectionError: camera busy");
    nf_value_free(r);
    nf_value_free(answer);
    /* and a parked call can be dropped */
    assert_int_equal(nf_call(rt, "Api.AskTwice", NULL, 0, &r), NF_SUSPENDED);
    nf_abandon(rt);
    assert_int_equal(nf_resume(rt, NULL, &r), NF_ERR_STATE);
    assert_int_equal(nf_call(rt, "Api.Now", NULL, 0, &r), NF_OK);
    nf_value_free(r);
    nf_runtime_free(rt);
    nf_module_free(m);
}

static int64_t fixed_now(void *ud) {
    (void)ud;
    return 1167609600000; /* 2007-01-01T00:00:00Z */
}

static void the_host_clock_and_time_zone(void **state) {
    (void)state;
    nf_module *m = compile_app();
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.host.now = fixed_now;
    cfg.timezone = "Europe/Amsterdam";
    nf_runtime *rt = runtime(m, &cfg);
    assert_string_equal(nf_runtime_timezone(rt), "Europe/Amsterdam");
    nf_value *now = NULL;
    assert_int_equal(nf_call(rt, "Api.Now", NULL, 0, &now), NF_OK);
    assert_int_equal(nf_value_as_integer(now), 1167609600000);
    char *json = nf_value_to_json(now);
    assert_string_equal(json, "{\"type\": \"DateTime\", \"value\": \"2007-01-01T00:00:00.000Z\"}");
    nf_free(json);
    nf_arg args[] = {{"D", now}};
    nf_value *text = NULL;
    assert_int_equal(nf_call(rt, "Api.Text", args, 1, &text), NF_OK);
    assert_string_equal(nf_value_as_string(text), "Mon Jan 01 01:00:00 CET 2007");
    nf_value_free(text);
    nf_value_free(now);
    nf_runtime_free(rt);
    nf_module_free(m);
}

/* ---- expressions
 * ----------------------------------------------------------------------------------- */

static void eval_expressions(void **state) {
    (void)state;
    nf_value *v = NULL;
    char *diags = NULL;
    assert_int_equal(nf_eval("3 : 7", false, NULL, &v, &diags), NF_OK);
    char *t = text_of(v);
    assert_string_equal(t, "0.42857142857142857143");
    nf_free(t);
    nf_value_free(v);
    assert_int_equal(nf_eval("3 : 7", true, NULL, &v, &diags), NF_OK);
    t = text_of(v);
    assert_string_equal(t, "0.4285714285714285714285714285714286");
    nf_free(t);
    nf_value_free(v);
    assert_int_equal(nf_eval("1 + ", false, NULL, &v, &diags), NF_ERR_COMPILE);
    assert_null(v);
    assert_non_null(strstr(diags, "NF0010"));
    nf_free(diags);
    assert_int_equal(nf_eval("parseInteger('x')", false, NULL, &v, &diags), NF_ERR_FLOW);
    assert_non_null(strstr(diags, "RuntimeError"));
    nf_free(diags);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compiling_reports_diagnostics_with_codes),
        cmocka_unit_test(loading_rejects_bad_bytes_and_missing_files),
        cmocka_unit_test(a_module_lists_its_flows),
        cmocka_unit_test(an_unknown_time_zone_is_refused),
        cmocka_unit_test(named_arguments_in_any_order),
        cmocka_unit_test(decimals_are_exact_text),
        cmocka_unit_test(enumerations_by_key),
        cmocka_unit_test(missing_arguments_are_empty),
        cmocka_unit_test(wrong_calls_run_nothing),
        cmocka_unit_test(flow_signatures),
        cmocka_unit_test(objects_and_lists),
        cmocka_unit_test(values_outlive_their_runtime_handle),
        cmocka_unit_test(the_instruction_budget_ends_a_runaway_flow),
        cmocka_unit_test(cancellation_stops_at_the_next_loop),
        cmocka_unit_test(the_allocator_sees_every_value),
        cmocka_unit_test(the_memory_limit_is_an_error),
        cmocka_unit_test(actions_call_the_host),
        cmocka_unit_test(an_action_without_a_host_is_a_host_error),
        cmocka_unit_test(a_suspended_call_resumes_with_the_hosts_answer),
        cmocka_unit_test(the_host_clock_and_time_zone),
        cmocka_unit_test(eval_expressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
