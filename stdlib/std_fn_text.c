/* std_fn_text.c — string functions and regular expressions in expressions (mendix-semantics
 * §6.3), on std_text.c (UTF-16 unit semantics, ICU case mapping) and std_regex.c (PCRE2). An
 * empty String argument reads as ''. */
#include <string.h>

#include "std_builtins.h"
#include "std_text.h"

#define S(i) nf_std_str(&args[i], &len##i)

static nf_vm_status text_error(nf_vm *vm, nf_std_text_status s, const char *err,
                               const char *fname) {
    if (s == NF_STD_TEXT_NOMEM) return nf_vm_raise(vm, NF_VM_E_LIMIT, "%s: out of memory", fname);
    if (err && strncmp(err, fname, strlen(fname)) == 0) /* the message names the function */
        return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s", err);
    return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s: %s", fname, err && *err ? err : "failed");
}

/* Moves a buffer's text into a String result. */
static nf_vm_status take(nf_vm *vm, nf_val *out, nf_std_buf *b) {
    nf_vm_status st = nf_vm_string(vm, b->p ? b->p : "", b->len, out);
    nf_std_buf_free(b);
    return st;
}

static void set_int(nf_val *out, int64_t i) {
    out->u.i = i;
    out->flags = 0;
}
static void set_bool(nf_val *out, bool b) {
    out->u.b = b;
    out->flags = 0;
}

/* Java String.trim in microflows, JavaScript's in nanoflows. */
static nf_std_trim_mode trim_mode(const nf_vm *vm) {
    return nf_std_div_rule(vm) == NF_DEC_DIV_MICROFLOW ? NF_STD_TRIM_JAVA : NF_STD_TRIM_JS;
}

typedef nf_std_text_status (*case_fn)(const char *, size_t, nf_std_buf *, char *, size_t);
static nf_vm_status map_case(nf_vm *vm, nf_val *out, const nf_val *args, case_fn fn,
                             const char *name) {
    size_t len0;
    const char *s = S(0);
    nf_std_buf b;
    nf_std_buf_init(&b);
    char err[256] = "";
    nf_std_text_status st = fn(s, len0, &b, err, sizeof err);
    if (st != NF_STD_TEXT_OK) {
        nf_std_buf_free(&b);
        return text_error(vm, st, err, name);
    }
    return take(vm, out, &b);
}

NF_STD_FN(TO_LOWER_CASE) {
    return map_case(vm, out, args, nf_std_to_lower, "toLowerCase");
}
NF_STD_FN(TO_UPPER_CASE) {
    return map_case(vm, out, args, nf_std_to_upper, "toUpperCase");
}

NF_STD_FN(LENGTH_S) {
    (void)vm;
    if (nf_vm_is_empty(&args[0])) {
        set_int(out, 0);
        return NF_VM_OK;
    }
    nf_vm_str *s = args[0].u.s;
    if (s->u16len < 0)
        s->u16len = nf_std_utf16_len(s->s, s->len); /* cached: strings are immutable */
    set_int(out, s->u16len);
    return NF_VM_OK;
}

static nf_vm_status substring(nf_vm *vm, nf_val *out, const nf_val *args, bool has_count) {
    if (nf_std_need(vm, args, 1, "substring")) return NF_VM_ERROR;
    if (has_count && nf_std_need(vm, args, 2, "substring")) return NF_VM_ERROR;
    size_t len0;
    const char *s = S(0);
    nf_std_buf b;
    nf_std_buf_init(&b);
    char err[256] = "";
    nf_std_text_status st = nf_std_substring(s, len0, args[1].u.i, has_count,
                                             has_count ? args[2].u.i : 0, &b, err, sizeof err);
    if (st != NF_STD_TEXT_OK) {
        nf_std_buf_free(&b);
        return text_error(vm, st, err, "substring");
    }
    return take(vm, out, &b);
}

NF_STD_FN(SUBSTRING2) {
    return substring(vm, out, args, false);
}
NF_STD_FN(SUBSTRING3) {
    return substring(vm, out, args, true);
}

/* find, findLast: a position in UTF-16 units or -1; the optional third argument is the start
 * (find) or the last position (findLast). */
typedef int32_t (*find_fn)(const char *, size_t, const char *, size_t, int64_t);
static nf_vm_status find(nf_vm *vm, nf_val *out, const nf_val *args, find_fn fn, int nargs,
                         int64_t dflt, const char *name) {
    if (nargs == 3 && nf_std_need(vm, args, 2, name)) return NF_VM_ERROR;
    size_t len0, len1;
    const char *s = S(0), *sub = S(1);
    set_int(out, fn(s, len0, sub, len1, nargs == 3 ? args[2].u.i : dflt));
    return NF_VM_OK;
}

NF_STD_FN(FIND2) {
    return find(vm, out, args, nf_std_find, 2, 0, "find");
}
NF_STD_FN(FIND3) {
    return find(vm, out, args, nf_std_find, 3, 0, "find");
}
NF_STD_FN(FIND_LAST2) {
    return find(vm, out, args, nf_std_find_last, 2, INT64_MAX, "findLast");
}
NF_STD_FN(FIND_LAST3) {
    return find(vm, out, args, nf_std_find_last, 3, INT64_MAX, "findLast");
}

/* contains, startsWith, endsWith: '' is part of every string. */
typedef bool (*test_fn)(const char *, size_t, const char *, size_t);
static nf_vm_status test(nf_val *out, const nf_val *args, test_fn fn) {
    size_t len0, len1;
    const char *s = S(0), *sub = S(1);
    set_bool(out, fn(s, len0, sub, len1));
    return NF_VM_OK;
}

NF_STD_FN(CONTAINS) {
    (void)vm;
    return test(out, args, nf_std_contains);
}
NF_STD_FN(STARTS_WITH) {
    (void)vm;
    return test(out, args, nf_std_starts_with);
}
NF_STD_FN(ENDS_WITH) {
    (void)vm;
    return test(out, args, nf_std_ends_with);
}

NF_STD_FN(TRIM) {
    size_t len0;
    const char *s = S(0);
    nf_std_buf b;
    nf_std_buf_init(&b);
    nf_std_text_status st = nf_std_trim(s, len0, trim_mode(vm), &b);
    if (st != NF_STD_TEXT_OK) {
        nf_std_buf_free(&b);
        return text_error(vm, st, NULL, "trim");
    }
    return take(vm, out, &b);
}

NF_STD_FN(URL_ENCODE) {
    size_t len0;
    const char *s = S(0);
    nf_std_buf b;
    nf_std_buf_init(&b);
    nf_std_text_status st = nf_std_url_encode(s, len0, &b);
    if (st != NF_STD_TEXT_OK) {
        nf_std_buf_free(&b);
        return text_error(vm, st, NULL, "urlEncode");
    }
    return take(vm, out, &b);
}

NF_STD_FN(URL_DECODE) {
    size_t len0;
    const char *s = S(0);
    nf_std_buf b;
    nf_std_buf_init(&b);
    char err[256] = "";
    nf_std_text_status st = nf_std_url_decode(s, len0, &b, err, sizeof err);
    if (st != NF_STD_TEXT_OK) {
        nf_std_buf_free(&b);
        return text_error(vm, st, err, "urlDecode");
    }
    return take(vm, out, &b);
}

/* ---- regular expressions ---- */

NF_STD_FN(IS_MATCH) {
    size_t len0, len1;
    const char *s = S(0), *re = S(1);
    bool match = false;
    char err[256] = "";
    nf_std_text_status st =
        nf_std_regex_is_match(nf_std_ctx_of(vm)->regex, s, len0, re, len1, &match, err, sizeof err);
    if (st != NF_STD_TEXT_OK) return text_error(vm, st, err, "isMatch");
    set_bool(out, match);
    return NF_VM_OK;
}

typedef nf_std_text_status (*replace_fn)(nf_std_regex_cache *, const char *, size_t, const char *,
                                         size_t, const char *, size_t, nf_std_buf *, char *,
                                         size_t);
static nf_vm_status replace(nf_vm *vm, nf_val *out, const nf_val *args, replace_fn fn,
                            const char *name) {
    size_t len0, len1, len2;
    const char *s = S(0), *re = S(1), *repl = S(2);
    nf_std_buf b;
    nf_std_buf_init(&b);
    char err[256] = "";
    nf_std_text_status st =
        fn(nf_std_ctx_of(vm)->regex, s, len0, re, len1, repl, len2, &b, err, sizeof err);
    if (st != NF_STD_TEXT_OK) {
        nf_std_buf_free(&b);
        return text_error(vm, st, err, name);
    }
    return take(vm, out, &b);
}

NF_STD_FN(REPLACE_ALL) {
    return replace(vm, out, args, nf_std_regex_replace_all, "replaceAll");
}
NF_STD_FN(REPLACE_FIRST) {
    return replace(vm, out, args, nf_std_regex_replace_first, "replaceFirst");
}
