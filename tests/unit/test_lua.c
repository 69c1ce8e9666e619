/* test_lua.c — the Lua action sandbox (docs/lua.md, issue 7 item 3) and host-registered C
 * actions. Every escape attempt must fail with an error the flow can catch (LuaError or
 * LimitExceeded), and the same runtime and Lua state must work right after it. */
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
    "create module T;\n"
    "create lua action T.Eval (Code: String) returns String\n"
    "$$\n"
    "  local f = assert(load(Code))\n"
    "  return tostring((f()))\n"
    "$$;\n"
    "create nanoflow T.Run ($Code: String) returns String\n"
    "begin\n"
    "  $R = call lua action T.Eval(Code = $Code) on error without rollback begin\n"
    "    return 'caught ' + $latestErrorType + ': ' + $latestError;\n"
    "  end error;\n"
    "  return 'ok ' + $R;\n"
    "end;\n"
    "create javascript action T.Scan (Prompt: String, N: Integer) returns String;\n"
    "create javascript action T.Missing () returns String;\n"
    "create nanoflow T.Scan () returns String\n"
    "begin\n"
    "  $A = call javascript action T.Scan(Prompt = 'tag', N = 2);\n"
    "  return 'got ' + $A;\n"
    "end;\n"
    "create nanoflow T.Missing () returns String\n"
    "begin\n"
    "  $A = call javascript action T.Missing() on error without rollback begin\n"
    "    return $latestErrorType + ': ' + $latestError;\n"
    "  end error;\n"
    "  return $A;\n"
    "end;\n"
    "create nanoflow T.Eval2 ($Code: String) returns String\n"
    "begin\n"
    "  $R = call javascript action T.Eval(Code = $Code);\n"
    "  return $R;\n"
    "end;\n";

typedef struct fixture {
    nf_module *mod;
    nf_runtime *rt;
} fixture;

static int setup_with(void **state, uint64_t max_instructions, size_t max_memory) {
    fixture *f = calloc(1, sizeof *f);
    const char *names[] = {"t.mdl"};
    const char *texts[] = {APP};
    char *diags = NULL;
    if (nf_module_compile(names, texts, NULL, 1, &f->mod, &diags) != NF_OK) {
        fprintf(stderr, "%s", diags ? diags : "?");
        return -1;
    }
    nf_free(diags);
    nf_config cfg;
    nf_config_init(&cfg);
    if (max_instructions) cfg.lua_max_instructions = max_instructions;
    if (max_memory) cfg.lua_max_memory = max_memory;
    if (nf_runtime_new(f->mod, &cfg, &f->rt, NULL) != NF_OK) return -1;
    *state = f;
    return 0;
}

static int setup(void **state) {
    return setup_with(state, 0, 0);
}

static int teardown(void **state) {
    fixture *f = *state;
    nf_runtime_free(f->rt);
    nf_module_free(f->mod);
    free(f);
    return 0;
}

/* T.Run(code) as text ("ok …" or "caught Type: message"). */
static char *run(nf_runtime *rt, const char *code) {
    nf_value *arg = nf_value_string(rt, code, strlen(code));
    nf_arg args[] = {{"Code", arg}};
    nf_value *res = NULL;
    nf_status st = nf_call(rt, "T.Run", args, 1, &res);
    nf_value_free(arg);
    assert_int_equal(st, NF_OK);
    char *text = nf_value_to_text(res);
    nf_value_free(res);
    return text;
}

/* code must be caught as `type` with `fragment` in the message; then the state still works. */
static void expect_caught(nf_runtime *rt, const char *code, const char *type,
                          const char *fragment) {
    char *got = run(rt, code);
    char want[128];
    snprintf(want, sizeof want, "caught %s: ", type);
    if (strncmp(got, want, strlen(want)) != 0 || !strstr(got, fragment)) {
        fprintf(stderr, "code:     %s\nexpected: %s…%s\ngot:      %s\n", code, want, fragment, got);
        fail();
    }
    nf_free(got);
    got = run(rt, "return ('after'):upper() .. (6 * 7)");
    assert_string_equal(got, "ok AFTER42");
    nf_free(got);
}

static void expect_ok(nf_runtime *rt, const char *code, const char *result) {
    char *got = run(rt, code);
    char want[256];
    snprintf(want, sizeof want, "ok %s", result);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "code:     %s\nexpected: %s\ngot:      %s\n", code, want, got);
        fail();
    }
    nf_free(got);
}

static void test_no_os_io_require(void **state) {
    fixture *f = *state;
    expect_caught(f->rt, "return os.execute('echo pwned')", "LuaError", "field 'execute'");
    expect_caught(f->rt, "return os.getenv('HOME')", "LuaError", "field 'getenv'");
    expect_caught(f->rt, "return os.time({year = 2000, month = 1, day = 1})", "LuaError",
                  "os.time takes no arguments");
    expect_caught(f->rt, "return io.open('/etc/passwd')", "LuaError", "global 'io'");
    expect_caught(f->rt, "return require('os')", "LuaError", "global 'require'");
    expect_caught(f->rt, "return package.loadlib('libc.so.6', 'system')", "LuaError",
                  "global 'package'");
    expect_caught(f->rt, "return dofile('/etc/passwd')", "LuaError", "global 'dofile'");
    expect_caught(f->rt, "return loadfile('/etc/passwd')", "LuaError", "global 'loadfile'");
    expect_ok(f->rt, "return math.type(os.time()) .. type(os.clock())", "integernumber");
}

static void test_no_binary_chunks(void **state) {
    fixture *f = *state;
    expect_caught(f->rt, "return string.dump(function() end)", "LuaError", "field 'dump'");
    expect_caught(f->rt, "return ('x'):dump()", "LuaError", "method 'dump'");
    expect_caught(f->rt, "local f, e = load('\\27LuaT\\0'); if not f then error(e, 0) end",
                  "LuaError", "binary chunk");
    expect_caught(f->rt, "return load('return 1', 'x', 'b')", "LuaError", "only text chunks");
    expect_caught(f->rt, "return load('return 1', 'x', 'bt')", "LuaError", "only text chunks");
}

static void test_no_debug_or_gc_control(void **state) {
    fixture *f = *state;
    expect_caught(f->rt, "return debug.getinfo(1)", "LuaError", "global 'debug'");
    expect_caught(f->rt, "return debug.sethook()", "LuaError", "global 'debug'");
    expect_caught(f->rt, "return collectgarbage('stop')", "LuaError", "only \"count\"");
    expect_caught(f->rt, "return collectgarbage()", "LuaError", "only \"count\"");
    expect_caught(f->rt, "return setmetatable({}, {__gc = function() while true do end end})",
                  "LuaError", "__gc");
    expect_ok(f->rt, "return collectgarbage('count') > 0", "true");
}

static void test_shared_metatables(void **state) {
    fixture *f = *state;
    expect_caught(f->rt, "getmetatable('').__index = {upper = function() return 'hacked' end}",
                  "LuaError", "boolean value");
    expect_caught(f->rt, "string.upper = function() return 'hacked' end", "LuaError", "read-only");
    expect_caught(f->rt, "rawset(string, 'upper', function() return 'hacked' end)", "LuaError",
                  "read-only");
    expect_caught(f->rt, "setmetatable(string, nil)", "LuaError", "protected metatable");
    expect_caught(f->rt, "math.pi = 3", "LuaError", "read-only");
    expect_caught(f->rt, "table.insert(table, print)", "LuaError", "read-only");
    expect_caught(f->rt, "getmetatable(decimal.new(1)).__add = nil", "LuaError", "boolean value");
    expect_caught(f->rt, "return _G.string", "LuaError", "global '_G'");
    /* nothing of the attempts stuck, and globals do not leak from one call into the next */
    expect_ok(f->rt, "return ('abc'):upper() .. string.upper('d') .. math.pi",
              "ABCD3.1415926535898");
    expect_ok(f->rt, "leaked = 'yes'; return leaked", "yes");
    expect_ok(f->rt, "return tostring(leaked)", "nil");
    expect_ok(f->rt, "local p = {}; rawset(p, 'k', 1); return p.k", "1");
}

static void test_infinite_loops(void **state) {
    fixture *f = *state;
    expect_caught(f->rt, "while true do end", "LimitExceeded", "instruction budget");
    expect_caught(f->rt, "while true do pcall(function() while true do end end) end",
                  "LimitExceeded", "instruction budget");
    expect_caught(f->rt, "coroutine.wrap(function() while true do end end)()", "LimitExceeded",
                  "instruction budget");
    expect_caught(f->rt, "return load('while true do end')()", "LimitExceeded",
                  "instruction budget");
}

static void test_memory_bomb(void **state) {
    fixture *f = *state;
    expect_caught(f->rt, "local s = 'x'; while true do s = s .. s end", "LimitExceeded",
                  "memory limit");
    expect_caught(f->rt, "local t = {}; for i = 1, 1e9 do t[i] = {i} end", "LimitExceeded",
                  "memory limit");
    expect_caught(f->rt, "return string.rep('x', 1 << 30)", "LimitExceeded", "memory limit");
    /* a caught memory error leaves the state working for the rest of the call */
    expect_ok(f->rt, "local ok = pcall(string.rep, 'x', 1 << 30); return tostring(ok) .. #'abc'",
              "false3");
}

static void test_deep_recursion(void **state) {
    fixture *f = *state;
    expect_caught(f->rt, "local function f(n) return 1 + f(n + 1) end; return f(0)", "LuaError",
                  "stack overflow");
    expect_caught(f->rt, "local function f() return string.gsub('x', 'x', f) end; return f()",
                  "LuaError", "stack overflow");
    expect_caught(f->rt,
                  "local t = setmetatable({}, {}); getmetatable(t).__index = function(s, k) "
                  "return s[k] end; return t.x",
                  "LuaError", "stack overflow");
}

static void test_errors_have_lines(void **state) {
    fixture *f = *state;
    expect_caught(f->rt, "\n\nerror('boom')", "LuaError", "(load):3: boom");
    expect_caught(f->rt, "return 1 +", "LuaError", "T.Eval:2:"); /* assert(load(...)) */
}

static int setup_small(void **state) {
    return setup_with(state, 5000, 1 << 20);
}

static void test_configured_limits(void **state) {
    fixture *f = *state;
    expect_ok(f->rt, "local n = 0; for i = 1, 100 do n = n + i end; return n", "5050");
    expect_caught(f->rt, "local n = 0; for i = 1, 100000 do n = n + i end; return n",
                  "LimitExceeded", "(5000 instructions)");
    expect_caught(f->rt, "return #string.rep('x', 2 << 20)", "LimitExceeded", "(1048576 bytes)");
    expect_ok(f->rt, "return #string.rep('x', 1000)", "1000");
}

/* ---- host-registered C actions ------------------------------------------------------------- */

typedef struct scan_host {
    int calls;
    bool suspend;
    char prompt[32];
    int64_t n;
} scan_host;

static nf_status scan(void *ud, nf_runtime *rt, const char *name, const nf_value *const *args,
                      size_t n, nf_value **result) {
    scan_host *h = ud;
    h->calls++;
    assert_string_equal(name, "T.Scan");
    assert_int_equal(n, 2);
    snprintf(h->prompt, sizeof h->prompt, "%s", nf_value_as_string(args[0]));
    h->n = nf_value_as_integer(args[1]);
    if (h->suspend) return NF_SUSPENDED;
    *result = nf_value_string(rt, "code-7", 6);
    return NF_OK;
}

static void test_registered_action(void **state) {
    fixture *f = *state;
    scan_host h = {0};
    assert_int_equal(nf_runtime_register_action(f->rt, "T.Scan", scan, &h), NF_OK);
    assert_int_equal(nf_runtime_register_action(f->rt, "T.Nope", scan, &h), NF_ERR_NOT_FOUND);
    assert_int_equal(nf_runtime_register_action(f->rt, "T.Eval", scan, &h), NF_ERR_ARGUMENT);
    nf_value *res = NULL;
    assert_int_equal(nf_call(f->rt, "T.Scan", NULL, 0, &res), NF_OK);
    assert_string_equal(nf_value_as_string(res), "got code-7");
    assert_string_equal(h.prompt, "tag");
    assert_int_equal(h.n, 2);
    nf_value_free(res);

    /* a registered action may suspend the flow like nf_host.action */
    h.suspend = true;
    res = NULL;
    assert_int_equal(nf_call(f->rt, "T.Scan", NULL, 0, &res), NF_SUSPENDED);
    nf_value *answer = nf_value_string(f->rt, "later", 5);
    assert_int_equal(nf_resume(f->rt, answer, &res), NF_OK);
    nf_value_free(answer);
    assert_string_equal(nf_value_as_string(res), "got later");
    nf_value_free(res);
    assert_int_equal(h.calls, 2);

    /* unregistering: the action is missing again */
    assert_int_equal(nf_runtime_register_action(f->rt, "T.Scan", NULL, NULL), NF_OK);
    assert_int_equal(nf_call(f->rt, "T.Scan", NULL, 0, &res), NF_ERR_FLOW);
    assert_int_equal(nf_runtime_error_type(f->rt), NF_ERROR_HOST);
    assert_non_null(strstr(nf_runtime_error_message(f->rt), "no action named T.Scan"));
}

static void test_missing_action(void **state) {
    fixture *f = *state;
    nf_value *res = NULL;
    assert_int_equal(nf_call(f->rt, "T.Missing", NULL, 0, &res), NF_OK);
    assert_string_equal(nf_value_as_string(res),
                        "HostError: no action named T.Missing is registered");
    nf_value_free(res);
}

/* `call javascript action` of a Lua action's name runs the Lua action. */
static void test_javascript_call_runs_lua(void **state) {
    fixture *f = *state;
    const char *code = "return 'from lua'";
    nf_value *arg = nf_value_string(f->rt, code, strlen(code));
    nf_arg args[] = {{"Code", arg}};
    nf_value *res = NULL;
    assert_int_equal(nf_call(f->rt, "T.Eval2", args, 1, &res), NF_OK);
    assert_string_equal(nf_value_as_string(res), "from lua");
    nf_value_free(res);
    nf_value_free(arg);
}

/* print() goes to the host's log; this log callback cancels the runtime it logs for. */
static void cancel_on_log(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                          const char *text) {
    (void)level;
    int *seen = ud;
    if (strcmp(node, "Lua") == 0 && strcmp(text, "stop me\t42") == 0) {
        (*seen)++;
        nf_runtime_cancel(rt);
    }
}

static void test_print_and_cancel(void **state) {
    fixture *f = *state;
    nf_runtime_free(f->rt);
    int seen = 0;
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.host.log = cancel_on_log;
    cfg.host.ud = &seen;
    assert_int_equal(nf_runtime_new(f->mod, &cfg, &f->rt, NULL), NF_OK);
    const char *code = "print('stop me', 42); while true do end";
    nf_value *arg = nf_value_string(f->rt, code, strlen(code));
    nf_arg args[] = {{"Code", arg}};
    nf_value *res = NULL;
    assert_int_equal(nf_call(f->rt, "T.Eval2", args, 1, &res), NF_ERR_FLOW);
    nf_value_free(arg);
    assert_int_equal(seen, 1);
    assert_int_equal(nf_runtime_error_type(f->rt), NF_ERROR_CANCELLED);
    assert_non_null(strstr(nf_runtime_error_message(f->rt), "T.Eval was cancelled"));
    expect_ok(f->rt, "return 'again'", "again");
}

/* A log callback (reached from Lua's print) that runs a flow calling a Lua action. */
static void nested_on_log(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                          const char *text) {
    (void)level;
    (void)node;
    (void)text;
    char **inner = ud;
    if (!*inner) *inner = run(rt, "return 'inner'");
}

static void test_no_nested_lua_calls(void **state) {
    fixture *f = *state;
    nf_runtime_free(f->rt);
    char *inner = NULL;
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.host.log = nested_on_log;
    cfg.host.ud = &inner;
    assert_int_equal(nf_runtime_new(f->mod, &cfg, &f->rt, NULL), NF_OK);
    expect_ok(f->rt, "print('x'); return 'outer'", "outer");
    assert_non_null(inner);
    assert_string_equal(inner, "caught LuaError: Lua action T.Eval cannot run while another Lua "
                               "action runs");
    nf_free(inner);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_os_io_require, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_binary_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_debug_or_gc_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_metatables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_infinite_loops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_bomb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_recursion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_have_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_configured_limits, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_registered_action, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_action, setup, teardown),
        cmocka_unit_test_setup_teardown(test_javascript_call_runs_lua, setup, teardown),
        cmocka_unit_test_setup_teardown(test_print_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_nested_lua_calls, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
