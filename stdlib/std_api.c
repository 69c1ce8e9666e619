/* std_api.c — include/nanoflow.h: modules, runtimes, calls, suspension and errors. Values are
 * in std_api_value.c, nf_eval in std_api_eval.c. */
#include <stdarg.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "nf_compiler.h"
#include "std_api.h"
#include "std_lua.h"
#include "std_store.h"
#include "std_sync.h"
#include "std_time.h"

/* ---- small helpers ------------------------------------------------------------------------------
 */

const char *nf_status_text(nf_status s) {
    switch (s) {
    case NF_OK: return "ok";
    case NF_ERR_COMPILE: return "compile error";
    case NF_ERR_LOAD: return "load error";
    case NF_ERR_NOT_FOUND: return "not found";
    case NF_ERR_ARGUMENT: return "bad argument";
    case NF_ERR_FLOW: return "flow error";
    case NF_ERR_STATE: return "not possible now";
    case NF_ERR_NOMEM: return "out of memory";
    case NF_SUSPENDED: return "suspended";
    }
    return "unknown status";
}

void nf_free(void *p) {
    free(p);
}

char *nf_api_strdup(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

char *nf_api_format(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static void set_text(char **dst, char *text) {
    if (dst)
        *dst = text;
    else
        free(text);
}

const char *nf_error_type_name(nf_error_type t) {
    return nf_vm_errtype_name((nf_vm_errtype)t);
}

/* ---- modules
 * --------------------------------------------------------------------------------------- */

/* Writes and reloads what the compiler built, so a compiled module is verified and owns its
 * memory exactly like a loaded one (and the compilation can be freed). */
static nf_status module_from_compilation(nf_cc_compilation *c, nf_module **out,
                                         char **diagnostics) {
    nf_bc_module built;
    bool ok = nf_cc_build(c, &built);
    char *text = NULL;
    size_t tlen = 0;
    FILE *mem = open_memstream(&text, &tlen);
    if (mem) {
        nf_cc_diags_print(nf_cc_diagnostics(c), nf_cc_sources_of(c), mem, false);
        fclose(mem);
    }
    if (text && tlen == 0) {
        free(text);
        text = NULL;
    }
    if (!ok) {
        if (!text) text = nf_api_strdup(nf_cc_diagnostics(c)->oom ? "out of memory\n" : "");
        set_text(diagnostics, text);
        return nf_cc_diagnostics(c)->oom ? NF_ERR_NOMEM : NF_ERR_COMPILE;
    }
    uint8_t *bytes;
    size_t len;
    if (!nf_bc_write(&built, &bytes, &len)) {
        set_text(diagnostics, text);
        return NF_ERR_NOMEM;
    }
    char *err = NULL;
    nf_status st = nf_module_load(bytes, len, out, &err);
    free(bytes);
    if (st != NF_OK) {
        /* the compiler's output must pass the loader like any other module */
        free(text);
        text = nf_api_format("internal error: the compiled module does not verify: %s\n",
                             err ? err : "?");
        free(err);
        set_text(diagnostics, text);
        return NF_ERR_COMPILE;
    }
    set_text(diagnostics, text);
    return NF_OK;
}

nf_status nf_module_compile(const char *const *names, const char *const *texts,
                            const size_t *lengths, size_t n, nf_module **out, char **diagnostics) {
    *out = NULL;
    if (diagnostics) *diagnostics = NULL;
    nf_cc_compilation *c = nf_cc_new();
    if (!c) return NF_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (!nf_cc_add_source(c, names && names[i] ? names[i] : "<source>", texts[i],
                              lengths ? lengths[i] : strlen(texts[i]))) {
            nf_cc_free(c);
            return NF_ERR_NOMEM;
        }
    nf_status st = module_from_compilation(c, out, diagnostics);
    nf_cc_free(c);
    return st;
}

nf_status nf_module_compile_files(const char *const *paths, size_t n, nf_module **out,
                                  char **diagnostics) {
    *out = NULL;
    if (diagnostics) *diagnostics = NULL;
    nf_cc_compilation *c = nf_cc_new();
    if (!c) return NF_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        char err[512];
        if (!nf_cc_add_path(c, paths[i], err, sizeof err)) {
            set_text(diagnostics, nf_api_format("%s\n", err));
            nf_cc_free(c);
            return NF_ERR_LOAD;
        }
    }
    nf_status st = module_from_compilation(c, out, diagnostics);
    nf_cc_free(c);
    return st;
}

nf_status nf_module_load(const void *bytes, size_t length, nf_module **out, char **error) {
    *out = NULL;
    if (error) *error = NULL;
    nf_module *m = calloc(1, sizeof *m);
    uint8_t *copy = malloc(length ? length : 1);
    if (!m || !copy) {
        free(m);
        free(copy);
        return NF_ERR_NOMEM;
    }
    if (length) memcpy(copy, bytes, length);
    char err[512];
    if (!nf_bc_load(copy, length, &m->bc, err, sizeof err)) {
        set_text(error, nf_api_strdup(err));
        free(copy);
        free(m);
        return NF_ERR_LOAD;
    }
    m->bytes = copy;
    m->len = length;
    *out = m;
    return NF_OK;
}

nf_status nf_module_load_file(const char *path, nf_module **out, char **error) {
    *out = NULL;
    if (error) *error = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_text(error, nf_api_format("cannot open %s", path));
        return NF_ERR_LOAD;
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NF_ERR_NOMEM;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(buf);
        set_text(error, nf_api_format("cannot read %s", path));
        return NF_ERR_LOAD;
    }
    char *err = NULL;
    nf_status st = nf_module_load(buf, n, out, &err);
    free(buf);
    if (st != NF_OK && err) {
        set_text(error, nf_api_format("%s: %s", path, err));
        free(err);
    } else {
        set_text(error, err);
    }
    return st;
}

void nf_module_free(nf_module *m) {
    if (!m) return;
    nf_bc_free(&m->bc);
    free(m->bytes);
    free(m);
}

size_t nf_module_flow_count(const nf_module *m) {
    return m->bc.nflows;
}
const char *nf_module_flow_name(const nf_module *m, size_t i) {
    return i < m->bc.nflows ? m->bc.strings[m->bc.flows[i].name] : NULL;
}
bool nf_module_flow_is_nanoflow(const nf_module *m, size_t i) {
    return i < m->bc.nflows && m->bc.flows[i].kind == NF_BF_NANOFLOW;
}

/* ---- host callbacks: the VM's interface onto the public one ------------------------------------
 */

static nf_vm_status host_status(nf_vm *vm, nf_status st, const char *what) {
    if (st == NF_OK) return NF_VM_OK;
    if (st == NF_SUSPENDED) return NF_VM_SUSPENDED;
    return nf_vm_raise(vm, NF_VM_E_HOST, "the host's %s callback failed (%s)", what,
                       nf_status_text(st));
}

/* A UI action without a host callback does nothing; the host's log hears of it at debug
 * level, so a missing callback is easy to spot. */
static nf_vm_status unhandled(nf_runtime *rt, const char *what, const char *detail) {
    if (rt->cfg.host.log) {
        char line[300];
        snprintf(line, sizeof line, "no host callback: %s%s%.200s", what, detail ? " " : "",
                 detail ? detail : "");
        rt->cfg.host.log(rt->cfg.host.ud, rt, NF_LOG_DEBUG, "Client", line);
    }
    return NF_VM_OK;
}

static nf_vm_status h_show_message(void *ud, nf_vm *vm, const char *text, int type, bool blocking) {
    nf_runtime *rt = ud;
    if (!rt->cfg.host.show_message) return unhandled(rt, "show message", text);
    return host_status(
        vm, rt->cfg.host.show_message(rt->cfg.host.ud, rt, (nf_message_type)type, text, blocking),
        "show message");
}

/* Borrowed handles for callback arguments: nf_value structs on the C stack. */
static void borrow(nf_runtime *rt, const nf_val *v, nf_value *h) {
    h->rt = rt;
    h->v = *v;
    h->long_type = 0;
}

static nf_vm_status h_show_page(void *ud, nf_vm *vm, const char *page, const char *title,
                                const char *const *names, const nf_val *args, uint32_t n,
                                int32_t close) {
    nf_runtime *rt = ud;
    if (!rt->cfg.host.show_page) return unhandled(rt, "show page", page);
    nf_value hv[NF_BC_MAX_REGS];
    const nf_value *ptrs[NF_BC_MAX_REGS];
    for (uint32_t i = 0; i < n && i < NF_BC_MAX_REGS; i++) {
        borrow(rt, &args[i], &hv[i]);
        ptrs[i] = &hv[i];
    }
    return host_status(
        vm, rt->cfg.host.show_page(rt->cfg.host.ud, rt, page, title, names, ptrs, n, close),
        "show page");
}

static nf_vm_status h_close_page(void *ud, nf_vm *vm, int32_t count) {
    nf_runtime *rt = ud;
    if (!rt->cfg.host.close_page) return unhandled(rt, "close page", NULL);
    return host_status(vm, rt->cfg.host.close_page(rt->cfg.host.ud, rt, count), "close page");
}

static nf_vm_status h_progress(void *ud, nf_vm *vm, bool show, const char *text, bool blocking) {
    nf_runtime *rt = ud;
    if (!rt->cfg.host.progress)
        return unhandled(rt, show ? "show progress" : "hide progress", text);
    return host_status(vm, rt->cfg.host.progress(rt->cfg.host.ud, rt, show, text, blocking),
                       show ? "show progress" : "hide progress");
}

static nf_vm_status h_feedback(void *ud, nf_vm *vm, nf_vm_obj *obj, const char *member,
                               const char *text) {
    nf_runtime *rt = ud;
    if (!rt->cfg.host.feedback) return unhandled(rt, "validation feedback", text);
    nf_val ov = {{.o = obj}, 0, NF_BT_OBJ, 0, (uint16_t)obj->entity};
    nf_value h;
    borrow(rt, &ov, &h);
    return host_status(vm, rt->cfg.host.feedback(rt->cfg.host.ud, rt, &h, member, text),
                       "validation feedback");
}

static void h_log(void *ud, nf_vm *vm, int level, const char *node, const char *text) {
    (void)vm;
    nf_runtime *rt = ud;
    rt->cfg.host.log(rt->cfg.host.ud, rt, (nf_log_level)level, node, text);
}

/* A custom action or microflow: arguments as borrowed handles, the result moved into *out. */
typedef nf_status (*call_cb)(void *ud, nf_runtime *rt, const char *name,
                             const nf_value *const *args, size_t n, nf_value **result);

static nf_vm_status host_call(nf_runtime *rt, call_cb cb, void *cb_ud, const char *name,
                              const nf_val *args, uint32_t n, nf_bc_type ret, nf_val *out,
                              const char *what) {
    nf_value hv[NF_BC_MAX_REGS];
    const nf_value *ptrs[NF_BC_MAX_REGS];
    for (uint32_t i = 0; i < n && i < NF_BC_MAX_REGS; i++) {
        borrow(rt, &args[i], &hv[i]);
        ptrs[i] = &hv[i];
    }
    nf_value *result = NULL;
    nf_status st = cb(cb_ud, rt, name, ptrs, n, &result);
    if (st != NF_OK) {
        nf_value_free(result);
        if (st == NF_SUSPENDED) return NF_VM_SUSPENDED;
        return nf_vm_raise(rt->vm, NF_VM_E_HOST, "%s %s failed (%s)", what, name,
                           nf_status_text(st));
    }
    if (result && ret.kind != NF_BT_VOID) {
        if (!nf_vm_is_empty(&result->v) && result->v.kind != ret.kind) {
            nf_value_free(result);
            return nf_vm_raise(rt->vm, NF_VM_E_HOST, "%s %s returned a value of the wrong type",
                               what, name);
        }
        nf_vm_val_assign(rt->vm, out, &result->v);
        out->kind = ret.kind;
        out->ref = ret.ref;
    }
    nf_value_free(result);
    return NF_VM_OK;
}

/* System.Quarantine_List: the device's quarantine (nf_sync_quarantine) as a list of
 * System.QuarantinedObject, oldest first. */
static nf_vm_status quarantine_list(nf_runtime *rt, nf_vm *vm, const nf_bc_action *a, nf_val *out) {
    char *text = NULL;
    if (nf_sync_quarantine(rt, &text) != NF_OK)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "System.Quarantine_List: %s",
                           "this runtime has no local database");
    json_t *entries = json_loads(text, 0, NULL), *list = json_array();
    nf_free(text);
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        char *device = json_dumps(json_object_get(e, "device"), JSON_COMPACT);
        json_t *server = json_object_get(e, "server");
        char *srv = json_is_null(server) ? NULL : json_dumps(server, JSON_COMPACT);
        json_array_append_new(
            list, json_pack("{s:s, s:{s:O?, s:O?, s:O?, s:O?, s:O?, s:s?, s:s?, s:O?}}", "entity",
                            "System.QuarantinedObject", "values", "Qid", json_object_get(e, "qid"),
                            "ObjectType", json_object_get(e, "entity"), "ObjectId",
                            json_object_get(e, "id"), "Status", json_object_get(e, "status"),
                            "Reason", json_object_get(e, "reason"), "DeviceContent", device,
                            "ServerContent", srv, "QuarantinedAt", json_object_get(e, "at")));
        free(device);
        free(srv);
    }
    json_decref(entries);
    nf_vm_status r = nf_std_sync_json_value(vm, list, a->ret, out, "System.Quarantine_List");
    json_decref(list);
    return r;
}

/* System.Quarantine_Resubmit(Qid): nf_sync_resubmit; false when there is no such entry. */
static nf_vm_status quarantine_resubmit(nf_runtime *rt, nf_vm *vm, const nf_val *args,
                                        nf_val *out) {
    if (nf_vm_is_empty(&args[0])) {
        *out = nf_vm_bool(false);
        return NF_VM_OK;
    }
    nf_status st = nf_sync_resubmit(rt, args[0].u.i);
    if (st != NF_OK && st != NF_ERR_NOT_FOUND)
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "System.Quarantine_Resubmit: %s",
                           st == NF_ERR_STATE ? "a synchronize is running"
                                              : "the quarantine cannot be changed");
    *out = nf_vm_bool(st == NF_OK);
    return NF_VM_OK;
}

static nf_vm_status h_action(void *ud, nf_vm *vm, uint32_t action, const nf_val *args,
                             nf_val *out) {
    nf_runtime *rt = ud;
    const nf_bc_action *a = &vm->m->actions[action];
    const char *name = vm->m->strings[a->name];
    /* the runtime's own actions (declared in the System module) */
    if (strcmp(name, "System.Quarantine_List") == 0) return quarantine_list(rt, vm, a, out);
    if (strcmp(name, "System.Quarantine_Resubmit") == 0 && a->nparams == 1)
        return quarantine_resubmit(rt, vm, args, out);
    /* a registered C action, else the host's action callback */
    if (rt->actions && rt->actions[action].fn)
        return host_call(rt, rt->actions[action].fn, rt->actions[action].ud, name, args, a->nparams,
                         a->ret, out, "action");
    if (!rt->cfg.host.action)
        return nf_vm_raise(vm, NF_VM_E_HOST, "no action named %s is registered", name);
    return host_call(rt, rt->cfg.host.action, rt->cfg.host.ud, name, args, a->nparams, a->ret, out,
                     "action");
}

nf_status nf_runtime_register_action(nf_runtime *rt, const char *name, nf_action_fn fn, void *ud) {
    const nf_bc_module *m = &rt->mod->bc;
    uint32_t i = 0;
    while (i < m->nactions && strcmp(m->strings[m->actions[i].name], name) != 0)
        i++;
    if (i == m->nactions) return NF_ERR_NOT_FOUND;
    if (m->actions[i].kind == NF_BK_LUA) return NF_ERR_ARGUMENT;
    if (!rt->actions) {
        rt->actions = calloc(m->nactions, sizeof *rt->actions);
        if (!rt->actions) return NF_ERR_NOMEM;
    }
    rt->actions[i].fn = fn;
    rt->actions[i].ud = ud;
    return NF_OK;
}

static nf_vm_status h_microflow(void *ud, nf_vm *vm, uint32_t flow, const nf_val *args,
                                nf_val *out) {
    nf_runtime *rt = ud;
    const nf_bc_flow *f = &vm->m->flows[flow];
    return host_call(rt, rt->cfg.host.microflow, rt->cfg.host.ud, vm->m->strings[f->name], args,
                     f->nparams, f->ret, out, "microflow");
}

/* The VM passes its host.ud (the runtime) to the clock and the random source too. */
static int64_t h_now(void *ud) {
    nf_runtime *rt = ud;
    return rt->cfg.host.now(rt->cfg.host.ud);
}
static uint64_t h_random(void *ud) {
    nf_runtime *rt = ud;
    return rt->cfg.host.random(rt->cfg.host.ud);
}

/* ---- runtimes
 * ------------------------------------------------------------------------------------ */

static bool has_persistable(const nf_bc_module *m) {
    for (uint32_t e = 0; e < m->nentities; e++)
        if (m->entities[e].persist == 0 && !(m->entities[e].flags & NF_BE_SYSTEM)) return true;
    return false;
}

/* Model changes the database could not take in place: a warning through the host's log. */
static void store_report(void *ud, const char *message) {
    nf_runtime *rt = ud;
    if (rt->cfg.host.log)
        rt->cfg.host.log(rt->cfg.host.ud, rt, NF_LOG_WARNING, "LocalDatabase", message);
}

void nf_config_init(nf_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->rounding = NF_ROUND_HALF_AWAY_FROM_ZERO;
    cfg->max_depth = 200;
    cfg->lua_max_instructions = 10000000;
    cfg->lua_max_memory = (size_t)64 << 20;
}

nf_status nf_runtime_new(const nf_module *m, const nf_config *cfg, nf_runtime **out, char **error) {
    *out = NULL;
    if (error) *error = NULL;
    nf_config defaults;
    if (!cfg) {
        nf_config_init(&defaults);
        cfg = &defaults;
    }
    nf_runtime *rt = calloc(1, sizeof *rt);
    if (!rt) return NF_ERR_NOMEM;
    rt->mod = m;
    rt->cfg = *cfg;
    rt->refs = 1;
    rt->timezone = nf_api_strdup(cfg->timezone);
    rt->locale = nf_api_strdup(cfg->locale);
    rt->cfg.timezone = rt->timezone;
    rt->cfg.locale = rt->locale;
    char err[256] = "";
    if (!nf_std_ctx_open(&rt->ctx, rt->timezone, rt->locale, err, sizeof err)) {
        set_text(error, nf_api_strdup(err[0] ? err : "out of memory"));
        free(rt->timezone);
        free(rt->locale);
        free(rt);
        return err[0] ? NF_ERR_ARGUMENT : NF_ERR_NOMEM;
    }
    nf_vm_config vc;
    memset(&vc, 0, sizeof vc);
    vc.alloc = cfg->alloc;
    vc.alloc_ud = cfg->alloc_ud;
    vc.limits.max_instructions = cfg->max_instructions;
    vc.limits.max_depth = cfg->max_depth;
    vc.limits.max_memory = cfg->max_memory;
    vc.rounding = cfg->rounding == NF_ROUND_HALF_EVEN ? NF_DEC_HALF_EVEN : NF_DEC_HALF_AWAY;
    vc.builtins = nf_std_builtins;
    vc.builtin_ctx = &rt->ctx;
    vc.datetime_text = nf_std_datetime_text;
    const nf_host *h = &cfg->host;
    vc.host.ud = rt;
    /* the UI callbacks are always installed: unset ones log a debug line */
    vc.host.show_message = h_show_message;
    vc.host.show_page = h_show_page;
    vc.host.close_page = h_close_page;
    vc.host.feedback = h_feedback;
    vc.host.progress = h_progress;
    vc.host.log = h->log ? h_log : NULL;
    vc.host.action = h_action; /* registered actions, then h->action */
    vc.host.microflow = h->microflow ? h_microflow : NULL;
    vc.host.now = h->now ? h_now : NULL;
    vc.host.random = h->random ? h_random : NULL;
    if (cfg->database || cfg->server || has_persistable(&m->bc)) {
        rt->store = nf_std_store_open(&m->bc, cfg->database, store_report, rt, err, sizeof err);
        if (!rt->store) {
            set_text(error, nf_api_strdup(err));
            nf_std_ctx_close(&rt->ctx);
            free(rt->timezone);
            free(rt->locale);
            free(rt);
            return NF_ERR_ARGUMENT;
        }
        vc.store = nf_std_store_iface(rt->store);
    }
    if (nf_std_lua_needed(&m->bc)) {
        nf_std_lua_config lc = {cfg->lua_max_instructions, cfg->lua_max_memory, cfg->alloc,
                                cfg->alloc_ud};
        rt->lua = nf_std_lua_new(&m->bc, &lc);
        if (rt->lua) vc.lua = nf_std_lua_iface(rt->lua);
    }
    rt->vm = (rt->lua || !nf_std_lua_needed(&m->bc)) ? nf_vm_new(&m->bc, &vc) : NULL;
    if (!rt->vm) {
        nf_std_lua_free(rt->lua);
        nf_std_store_close(rt->store);
        nf_std_ctx_close(&rt->ctx);
        free(rt->timezone);
        free(rt->locale);
        free(rt);
        if (cfg->max_memory) {
            set_text(error, nf_api_format("the memory limit (%zu bytes) is too small for the "
                                          "module's constants, or out of memory",
                                          cfg->max_memory));
            return NF_ERR_ARGUMENT;
        }
        return NF_ERR_NOMEM;
    }
    rt->cfg.server = rt->cfg.database = NULL; /* borrowed for this call only */
    rt->user = nf_api_strdup(cfg->user);
    rt->password = nf_api_strdup(cfg->password);
    rt->cfg.user = rt->cfg.password = NULL;
    if (cfg->server) {
        nf_std_transport *t = nf_std_transport_curl_new(cfg->server, err, sizeof err);
        char *e2 = NULL;
        nf_status st = t ? nf_api_runtime_set_transport(rt, t, &e2) : NF_ERR_ARGUMENT;
        if (st != NF_OK) {
            set_text(error, e2 ? e2 : nf_api_strdup(err));
            nf_api_runtime_release(rt);
            return st;
        }
    }
    *out = rt;
    return NF_OK;
}

static void sync_log(void *ud, int level, const char *text) {
    nf_runtime *rt = ud;
    if (rt->cfg.host.log)
        rt->cfg.host.log(rt->cfg.host.ud, rt, (nf_log_level)level, "Synchronization", text);
}

/* `call microflow` when the host has no microflow callback but a server is configured. */
static nf_vm_status h_server_microflow(void *ud, nf_vm *vm, uint32_t flow, const nf_val *args,
                                       nf_val *out) {
    nf_runtime *rt = ud;
    return nf_std_sync_call(rt->sync, vm, flow, args, out);
}

nf_status nf_api_runtime_set_transport(nf_runtime *rt, nf_std_transport *t, char **error) {
    char err[256] = "";
    if (error) *error = NULL;
    if (!rt->store) {
        if (t && t->destroy) t->destroy(t->ud);
        set_text(error, nf_api_strdup("synchronization needs a local database"));
        return NF_ERR_ARGUMENT;
    }
    nf_std_sync *c =
        nf_std_sync_new(rt->store, t, rt->user, rt->password, sync_log, rt, err, sizeof err);
    if (!c) {
        set_text(error, nf_api_strdup(err));
        return NF_ERR_ARGUMENT;
    }
    nf_std_sync_free(rt->sync);
    rt->sync = c;
    rt->vm->cfg.sync = nf_std_sync_iface(c);
    if (!rt->cfg.host.microflow) rt->vm->cfg.host.microflow = h_server_microflow;
    return NF_OK;
}

void nf_api_runtime_release(nf_runtime *rt) {
    if (--rt->refs > 0) return;
    nf_std_lua_free(rt->lua); /* first: its state may hold decimals, and proxies name objects */
    free(rt->actions);
    nf_vm_free(rt->vm);
    nf_std_sync_free(rt->sync);
    nf_std_store_close(rt->store);
    if (rt->password) memset(rt->password, 0, strlen(rt->password));
    free(rt->user);
    free(rt->password);
    nf_std_ctx_close(&rt->ctx);
    nf_module_free(rt->owned_mod);
    free(rt->timezone);
    free(rt->locale);
    free(rt);
}

void nf_runtime_free(nf_runtime *rt) {
    if (!rt || rt->closed) return;
    rt->closed = true;
    nf_vm_abandon(rt->vm);
    nf_api_runtime_release(rt);
}

const nf_module *nf_runtime_module(const nf_runtime *rt) {
    return rt->mod;
}

const char *nf_runtime_timezone(const nf_runtime *rt) {
    return nf_std_time_zone_id(rt->ctx.time);
}

void nf_runtime_cancel(nf_runtime *rt) {
    nf_vm_cancel(rt->vm);
}

/* ---- calls
 * --------------------------------------------------------------------------------------- */

static const nf_bc_flow *find_flow(const nf_runtime *rt, const char *name, uint32_t *index) {
    uint32_t i = name ? nf_vm_flow_named(rt->vm, name) : NF_BC_NONE;
    if (index) *index = i;
    return i == NF_BC_NONE ? NULL : &rt->mod->bc.flows[i];
}

/* The parameter names live in the flow's register names. */
static const char *param_name(const nf_runtime *rt, const nf_bc_flow *f, uint32_t i) {
    return f->reg_names && f->reg_names[i] != NF_BC_NONE ? rt->mod->bc.strings[f->reg_names[i]]
                                                         : "";
}

nf_status nf_api_error(nf_runtime *rt, nf_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rt->vm->err_msg, sizeof rt->vm->err_msg, fmt, ap);
    va_end(ap);
    rt->vm->err_type = NF_VM_E_RUNTIME;
    rt->vm->err_located = false;
    return st;
}

static nf_status finish(nf_runtime *rt, nf_vm_status st, const nf_bc_flow *f, nf_val *res,
                        nf_value **result) {
    if (st == NF_VM_SUSPENDED) return NF_SUSPENDED;
    if (st != NF_VM_OK) {
        nf_vm_val_release(rt->vm, res);
        return NF_ERR_FLOW;
    }
    if (!result) {
        nf_vm_val_release(rt->vm, res);
        return NF_OK;
    }
    if (f) {
        if (nf_vm_is_empty(res)) res->kind = f->ret.kind;
        if (f->ret.kind == NF_BT_ENUM || f->ret.kind == NF_BT_OBJ || f->ret.kind == NF_BT_LIST)
            res->ref = f->ret.ref;
    }
    *result = nf_api_wrap_move(rt, res, f && (f->ret.flags & NF_BC_TF_LONG));
    return *result ? NF_OK : NF_ERR_NOMEM;
}

nf_status nf_call(nf_runtime *rt, const char *flow, const nf_arg *args, size_t nargs,
                  nf_value **result) {
    if (result) *result = NULL;
    if (rt->vm->suspended)
        return nf_api_error(rt, NF_ERR_STATE, "a call is suspended on a host action");
    uint32_t index;
    const nf_bc_flow *f = find_flow(rt, flow, &index);
    if (!f) return nf_api_error(rt, NF_ERR_NOT_FOUND, "there is no flow named %s", flow);
    nf_val vals[NF_BC_MAX_REGS];
    for (uint32_t p = 0; p < f->nparams; p++) {
        vals[p] = nf_vm_empty(f->regs[p].kind);
        vals[p].ref = f->regs[p].ref;
    }
    for (size_t k = 0; k < nargs; k++) {
        uint32_t p = 0;
        while (p < f->nparams && strcmp(param_name(rt, f, p), args[k].name) != 0)
            p++;
        if (p == f->nparams)
            return nf_api_error(rt, NF_ERR_NOT_FOUND, "%s has no parameter named %s", flow,
                                args[k].name);
        for (size_t j = 0; j < k; j++)
            if (strcmp(args[j].name, args[k].name) == 0)
                return nf_api_error(rt, NF_ERR_ARGUMENT, "%s is given twice", args[k].name);
        const nf_val *v = &args[k].value->v;
        if (args[k].value->rt->vm != rt->vm)
            return nf_api_error(rt, NF_ERR_ARGUMENT, "the value for %s belongs to another runtime",
                                args[k].name);
        if (!nf_vm_is_empty(v) && v->kind != f->regs[p].kind)
            return nf_api_error(rt, NF_ERR_ARGUMENT, "%s of %s is %s, not %s", args[k].name, flow,
                                nf_type_name(nf_api_type_of(f->regs[p].kind, false)),
                                nf_type_name(nf_api_type_of(v->kind, false)));
        if (v->kind == NF_BT_INT && !nf_vm_is_empty(v) && !(f->regs[p].flags & NF_BC_TF_LONG) &&
            (v->u.i < INT32_MIN || v->u.i > INT32_MAX))
            return nf_api_error(rt, NF_ERR_ARGUMENT,
                                "%s of %s is an Integer: %lld is out of its range", args[k].name,
                                flow, (long long)v->u.i);
        if (v->kind == NF_BT_ENUM && !nf_vm_is_empty(v) && v->ref != f->regs[p].ref)
            return nf_api_error(rt, NF_ERR_ARGUMENT, "%s of %s is a value of another enumeration",
                                args[k].name, flow);
        if ((v->kind == NF_BT_OBJ || v->kind == NF_BT_LIST) && !nf_vm_is_empty(v) &&
            f->regs[p].ref != NF_BC_NONE16) {
            uint32_t e = v->kind == NF_BT_OBJ ? v->u.o->entity : v->u.l->entity;
            if (e == NF_BC_NONE16 || !nf_bc_entity_is_a(&rt->mod->bc, e, f->regs[p].ref))
                return nf_api_error(rt, NF_ERR_ARGUMENT, "%s of %s needs %s", args[k].name, flow,
                                    rt->mod->bc.strings[rt->mod->bc.entities[f->regs[p].ref].name]);
        }
        vals[p] = *v;
    }
    nf_val res;
    nf_vm_status st = nf_vm_call(rt->vm, index, vals, f->nparams, &res);
    return finish(rt, st, f, &res, result);
}

nf_status nf_call_text(nf_runtime *rt, const char *flow, const char *const *names,
                       const char *const *texts, size_t nargs, nf_value **result) {
    if (result) *result = NULL;
    const nf_bc_flow *f = find_flow(rt, flow, NULL);
    if (!f) return nf_api_error(rt, NF_ERR_NOT_FOUND, "there is no flow named %s", flow);
    if (nargs > NF_BC_MAX_REGS) return nf_api_error(rt, NF_ERR_ARGUMENT, "too many arguments");
    nf_arg args[NF_BC_MAX_REGS];
    nf_value *owned[NF_BC_MAX_REGS];
    nf_status st = NF_OK;
    size_t made = 0;
    for (; made < nargs; made++) {
        uint32_t p = 0;
        while (p < f->nparams && strcmp(param_name(rt, f, p), names[made]) != 0)
            p++;
        if (p == f->nparams) {
            st = nf_api_error(rt, NF_ERR_NOT_FOUND, "%s has no parameter named %s", flow,
                              names[made]);
            break;
        }
        const nf_bc_type *t = &f->regs[p];
        if (t->kind == NF_BT_OBJ && t->ref < rt->mod->bc.nentities) { /* an object by its id */
            st = nf_api_object_load(rt, t->ref, texts[made], &owned[made]);
            if (st != NF_OK) break;
            args[made].name = names[made];
            args[made].value = owned[made];
            continue;
        }
        const char *en =
            t->kind == NF_BT_ENUM ? rt->mod->bc.strings[rt->mod->bc.enums[t->ref].name] : NULL;
        char *err = NULL;
        owned[made] = nf_value_parse(rt, nf_api_type_of(t->kind, (t->flags & NF_BC_TF_LONG) != 0),
                                     en, texts[made], &err);
        if (!owned[made]) {
            st = nf_api_error(rt, NF_ERR_ARGUMENT, "%s: %s", names[made],
                              err ? err : "out of memory");
            free(err);
            break;
        }
        args[made].name = names[made];
        args[made].value = owned[made];
    }
    if (st == NF_OK) st = nf_call(rt, flow, args, nargs, result);
    for (size_t k = 0; k < made; k++)
        nf_value_free(owned[k]);
    return st;
}

nf_type nf_flow_result_type(const nf_runtime *rt, const char *flow) {
    const nf_bc_flow *f = find_flow(rt, flow, NULL);
    if (!f) return NF_TYPE_NOTHING;
    return nf_api_type_of(f->ret.kind, (f->ret.flags & NF_BC_TF_LONG) != 0);
}

size_t nf_flow_param_count(const nf_runtime *rt, const char *flow) {
    const nf_bc_flow *f = find_flow(rt, flow, NULL);
    return f ? f->nparams : 0;
}

const char *nf_flow_param(const nf_runtime *rt, const char *flow, size_t i, nf_type *type) {
    const nf_bc_flow *f = find_flow(rt, flow, NULL);
    if (!f || i >= f->nparams) return NULL;
    if (type) *type = nf_api_type_of(f->regs[i].kind, (f->regs[i].flags & NF_BC_TF_LONG) != 0);
    return param_name(rt, f, (uint32_t)i);
}

const char *nf_flow_param_of(const nf_runtime *rt, const char *flow, size_t i) {
    const nf_bc_flow *f = find_flow(rt, flow, NULL);
    if (!f || i >= f->nparams) return NULL;
    const nf_bc_module *m = &rt->mod->bc;
    const nf_bc_type *t = &f->regs[i];
    if (t->kind == NF_BT_ENUM && t->ref < m->nenums) return m->strings[m->enums[t->ref].name];
    if ((t->kind == NF_BT_OBJ || t->kind == NF_BT_LIST) && t->ref < m->nentities)
        return m->strings[m->entities[t->ref].name];
    return NULL;
}

/* ---- suspension
 * ------------------------------------------------------------------------------------ */

static const nf_bc_flow *entry_flow(const nf_runtime *rt) {
    return rt->vm->nframes ? rt->vm->frames[0].flow : NULL;
}

nf_status nf_resume(nf_runtime *rt, const nf_value *value, nf_value **result) {
    if (result) *result = NULL;
    if (!rt->vm->suspended) return nf_api_error(rt, NF_ERR_STATE, "there is no suspended call");
    const nf_bc_flow *f = entry_flow(rt);
    nf_val res;
    nf_vm_status st = nf_vm_resume(rt->vm, value ? &value->v : NULL, &res);
    if (st == NF_VM_ERROR && rt->vm->suspended) return NF_ERR_ARGUMENT; /* wrong result type */
    return finish(rt, st, f, &res, result);
}

nf_status nf_resume_error(nf_runtime *rt, nf_error_type type, const char *message,
                          nf_value **result) {
    if (result) *result = NULL;
    if (!rt->vm->suspended) return nf_api_error(rt, NF_ERR_STATE, "there is no suspended call");
    const nf_bc_flow *f = entry_flow(rt);
    nf_val res;
    nf_vm_status st = nf_vm_resume_error(rt->vm, (nf_vm_errtype)type, message, &res);
    return finish(rt, st, f, &res, result);
}

void nf_abandon(nf_runtime *rt) {
    if (rt->vm->suspended) nf_vm_abandon(rt->vm); /* a running call is not ours to drop */
}

/* ---- errors
 * ---------------------------------------------------------------------------------------- */

nf_error_type nf_runtime_error_type(const nf_runtime *rt) {
    return (nf_error_type)rt->vm->err_type;
}
const char *nf_runtime_error_message(const nf_runtime *rt) {
    return rt->vm->err_msg;
}
const char *nf_runtime_error_flow(const nf_runtime *rt) {
    const nf_vm *vm = rt->vm;
    if (!vm->err_located || vm->err_flow >= vm->m->nflows) return NULL;
    return vm->m->strings[vm->m->flows[vm->err_flow].name];
}
uint32_t nf_runtime_error_line(const nf_runtime *rt) {
    return rt->vm->err_located ? rt->vm->err_line : 0;
}
