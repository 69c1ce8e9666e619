/* std_fn_number.c — parseInteger, parseDecimal and formatDecimal (mendix-semantics §6.3), on
 * std_number.c (ICU number formats). Decimals cross as exact plain text. */
#include <stdlib.h>
#include <string.h>

#include "std_builtins.h"
#include "std_number.h"

static nf_vm_status number_error(nf_vm *vm, nf_std_num_status s, const char *fname) {
    if (s == NF_STD_NUM_NOMEM) return nf_vm_raise(vm, NF_VM_E_LIMIT, "%s: out of memory", fname);
    const char *why = nf_std_number_error(nf_std_ctx_of(vm)->number);
    return nf_vm_raise(vm, NF_VM_E_RUNTIME, "%s", why && *why ? why : fname);
}

/* parseInteger(s[, default]): the default replaces any failure, an empty text included. */
static nf_vm_status parse_integer(nf_vm *vm, nf_val *out, const nf_val *args, bool has_default) {
    size_t len;
    const char *s = nf_std_str(&args[0], &len);
    int64_t v;
    nf_std_num_status st = nf_vm_is_empty(&args[0])
                               ? NF_STD_NUM_SYNTAX
                               : nf_std_parse_integer(nf_std_ctx_of(vm)->number, s, len, &v);
    if (st != NF_STD_NUM_OK) {
        if (has_default && st != NF_STD_NUM_NOMEM) {
            nf_vm_val_assign(vm, out, &args[1]);
            return NF_VM_OK;
        }
        if (nf_vm_is_empty(&args[0]))
            return nf_vm_raise(vm, NF_VM_E_RUNTIME, "parseInteger: the text is empty");
        return number_error(vm, st, "parseInteger");
    }
    out->u.i = v;
    out->flags = 0;
    return NF_VM_OK;
}

NF_STD_FN(PARSE_INTEGER1) {
    return parse_integer(vm, out, args, false);
}
NF_STD_FN(PARSE_INTEGER2) {
    return parse_integer(vm, out, args, true);
}

/* parseDecimal(s[, format][, default]) */
static nf_vm_status parse_decimal(nf_vm *vm, nf_val *out, const nf_val *text, const nf_val *pattern,
                                  const nf_val *dflt) {
    size_t len, plen;
    const char *s = nf_std_str(text, &len);
    const char *p = pattern ? nf_std_str(pattern, &plen) : NULL;
    if (p && !*p) p = NULL;
    char *dec = NULL;
    nf_std_num_status st = nf_vm_is_empty(text)
                               ? NF_STD_NUM_SYNTAX
                               : nf_std_parse_decimal(nf_std_ctx_of(vm)->number, s, len, p, &dec);
    nf_dec d;
    nf_dec_status ds = NF_DEC_SYNTAX;
    if (st == NF_STD_NUM_OK) ds = nf_dec_parse(dec, strlen(dec), &d);
    free(dec);
    if (st != NF_STD_NUM_OK || ds != NF_DEC_OK) {
        if (dflt && st != NF_STD_NUM_NOMEM) {
            nf_vm_val_assign(vm, out, dflt);
            return NF_VM_OK;
        }
        if (nf_vm_is_empty(text))
            return nf_vm_raise(vm, NF_VM_E_RUNTIME, "parseDecimal: the text is empty");
        if (st != NF_STD_NUM_OK) return number_error(vm, st, "parseDecimal");
        return nf_std_dec_error(vm, ds, "parseDecimal");
    }
    nf_std_set_dec(out, d);
    return NF_VM_OK;
}

NF_STD_FN(PARSE_DECIMAL1) {
    return parse_decimal(vm, out, &args[0], NULL, NULL);
}
NF_STD_FN(PARSE_DECIMAL_D) {
    return parse_decimal(vm, out, &args[0], NULL, &args[1]);
}
NF_STD_FN(PARSE_DECIMAL_F) {
    return parse_decimal(vm, out, &args[0], &args[1], NULL);
}
NF_STD_FN(PARSE_DECIMAL_FD) {
    return parse_decimal(vm, out, &args[0], &args[1], &args[2]);
}

/* formatDecimal(d[, format[, locale]]) */
static nf_vm_status format_decimal(nf_vm *vm, nf_val *out, const nf_val *value,
                                   const nf_val *pattern, const nf_val *locale) {
    if (nf_std_need(vm, value, 0, "formatDecimal")) return NF_VM_ERROR;
    nf_dec d = nf_vm_dec_of(value);
    char small[64], *text = small;
    size_t n = nf_dec_format(&d, small, sizeof small);
    if (n >= sizeof small) {
        text = malloc(n + 1);
        if (!text) return nf_vm_raise(vm, NF_VM_E_LIMIT, "formatDecimal: out of memory");
        nf_dec_format(&d, text, n + 1);
    }
    size_t plen, llen;
    const char *p = pattern ? nf_std_str(pattern, &plen) : NULL;
    const char *l = locale ? nf_std_str(locale, &llen) : NULL;
    char *res = NULL;
    nf_std_num_status st = nf_std_format_decimal(nf_std_ctx_of(vm)->number, text,
                                                 p && *p ? p : NULL, l && *l ? l : NULL, &res);
    if (text != small) free(text);
    if (st != NF_STD_NUM_OK) return number_error(vm, st, "formatDecimal");
    nf_vm_status vs = nf_vm_string(vm, res, strlen(res), out);
    free(res);
    return vs;
}

NF_STD_FN(FORMAT_DECIMAL1) {
    return format_decimal(vm, out, &args[0], NULL, NULL);
}
NF_STD_FN(FORMAT_DECIMAL2) {
    return format_decimal(vm, out, &args[0], &args[1], NULL);
}
NF_STD_FN(FORMAT_DECIMAL3) {
    return format_decimal(vm, out, &args[0], &args[1], &args[2]);
}
