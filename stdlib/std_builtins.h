/* std_builtins.h — the expression functions of bytecode/builtins.def, implemented for the VM.
 *
 * The VM calls a built-in through the table nf_std_builtins (indexed by NF_FN_*), with its
 * per-runtime state in vm->cfg.builtin_ctx: an nf_std_ctx (time zone and calendars, number
 * formats, compiled regular expressions). The functions live in one file per family
 * (std_fn_math.c, std_fn_number.c, std_fn_text.c, std_fn_time.c); the table is in std_builtins.c.
 */
#ifndef NF_STD_BUILTINS_H
#define NF_STD_BUILTINS_H

#include "vm.h"

struct nf_std_time;
struct nf_std_number;
struct nf_std_regex_cache;

typedef struct nf_std_ctx {
    struct nf_std_time *time;
    struct nf_std_number *number;
    struct nf_std_regex_cache *regex;
} nf_std_ctx;

/* Opens the state for a time zone (NULL: TZ, else UTC) and locale (NULL: en_US). On failure
 * returns false with a message in err. */
bool nf_std_ctx_open(nf_std_ctx *ctx, const char *timezone, const char *locale, char *err,
                     size_t errn);
void nf_std_ctx_close(nf_std_ctx *ctx);

/* The table for nf_vm_config.builtins (immutable). */
extern const nf_vm_builtin nf_std_builtins[NF_FN_COUNT_];
/* nf_vm_config.datetime_text: toString() of a DateTime in the runtime's zone. */
nf_vm_status nf_std_datetime_text(nf_vm *vm, int64_t ms, nf_val *out);

/* ---- shared by the std_fn_*.c files ---- */
nf_std_ctx *nf_std_ctx_of(nf_vm *vm);
/* The division rule of the running flow (nanoflow or microflow). */
nf_dec_div_rule nf_std_div_rule(const nf_vm *vm);
/* Raises RuntimeError "NAME: argument N is empty" when args[i] is empty. */
nf_vm_status nf_std_need(nf_vm *vm, const nf_val *args, int i, const char *fname);
/* A String argument as text ('' for empty). */
const char *nf_std_str(const nf_val *v, size_t *len);
/* Stores a decimal result (takes over d). */
void nf_std_set_dec(nf_val *out, nf_dec d);
/* Maps a decimal status to an error of function fname. */
nf_vm_status nf_std_dec_error(nf_vm *vm, nf_dec_status s, const char *fname);

#define NF_STD_FN(id)              nf_vm_status nf_std_fn_##id(nf_vm *vm, nf_val *out, const nf_val *args)
#define FN(id, name, args, result) NF_STD_FN(id);
#include "builtins.def"
#undef FN

#endif
