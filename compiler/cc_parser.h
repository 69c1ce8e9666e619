/* cc_parser.h — MDL parser: tokens → nf_cc_unit declarations.
 *
 * Accepts both dialects of mxcli MDL (DESIGN §3): optional or required `;`, `{…}` or
 * `begin … end error` handlers, call-form and keyword-form list operations, `$p` or `p`
 * parameter names, and `Param = e` / `$Param = e` / `Param: e` arguments. Recovers at statement
 * level so one run reports every syntax error of a file. */
#ifndef NF_CC_PARSER_H
#define NF_CC_PARSER_H

#include "cc_ast.h"
#include "cc_diag.h"
#include "cc_intern.h"
#include "cc_lexer.h"

typedef struct nf_cc_parse_env {
    nf_cc_arena *arena;
    nf_cc_interner *interner;
    const nf_cc_keywords *keywords;
    nf_cc_diags *diags;
} nf_cc_parse_env;

/* Parses one source file and appends its declarations to unit. Returns false only on
 * out-of-memory; syntax errors are diagnostics. */
bool nf_cc_parse_file(nf_cc_parse_env *env, const nf_cc_source *src, uint32_t file,
                      nf_cc_unit *unit);

/* nf_cc_parse_file that does not parse flow bodies: each is skipped to a guessed `end` and
 * recorded in its declaration (body_deferred) for nf_cc_parse_body, and *ndeferred counts
 * them. The file's tokens are handed to *toks (free with nf_cc_tokens_free) instead of to the
 * arena. */
bool nf_cc_parse_file_deferred(nf_cc_parse_env *env, const nf_cc_source *src, uint32_t file,
                               nf_cc_unit *unit, nf_cc_tokens *toks, uint32_t *ndeferred);
/* Parses the deferred body of flow declaration d (tokens toks of file `file`) into env->arena.
 * True when the body parsed without a diagnostic and ends at the recorded `end`, i.e. exactly
 * as nf_cc_parse_file would have parsed it; false otherwise (diagnostics may have been added),
 * and on out-of-memory. */
bool nf_cc_parse_body(nf_cc_parse_env *env, const nf_cc_source *src, uint32_t file,
                      const nf_cc_tokens *toks, nf_cc_decl *d);
#endif
