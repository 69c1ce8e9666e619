/* cc_lexer.h — MDL tokens.
 *
 * The whole file is tokenized up front into a flat array (12 bytes a token) so the parser can
 * look ahead freely. Keywords are identifiers that carry a keyword id; whether a word acts as a
 * keyword is decided by the parser. Comments are dropped; `/ ** ... * /` doc comments are kept
 * on a side list so declarations can pick up their documentation. */
#ifndef NF_CC_LEXER_H
#define NF_CC_LEXER_H

#include <stdint.h>
#include <stdbool.h>

#include "cc_diag.h"
#include "cc_source.h"

typedef enum nf_cc_tkind {
    NF_TK_EOF,
    NF_TK_IDENT,   /* Name (kw != 0 when it spells a keyword) */
    NF_TK_QIDENT,  /* "Name" or `Name`: never a keyword; text excludes the quotes */
    NF_TK_VAR,     /* $Name: text excludes the '$' */
    NF_TK_STRING,  /* 'text' with '' escapes: text excludes the quotes, still escaped */
    NF_TK_INT,     /* 123 */
    NF_TK_DECIMAL, /* 1.5, 1e10 */
    NF_TK_MXTOKEN, /* [%CurrentDateTime%]: text is the name between [% and %] */
    NF_TK_DOLLAR,  /* $$ ... $$: text is the body */
    NF_TK_LPAREN,
    NF_TK_RPAREN,
    NF_TK_LBRACE,
    NF_TK_RBRACE,
    NF_TK_LBRACKET,
    NF_TK_RBRACKET,
    NF_TK_COMMA,
    NF_TK_SEMI,
    NF_TK_DOT,
    NF_TK_COLON,
    NF_TK_SLASH,
    NF_TK_STAR,
    NF_TK_PLUS,
    NF_TK_MINUS,
    NF_TK_PERCENT,
    NF_TK_EQ,
    NF_TK_NE,
    NF_TK_LT,
    NF_TK_LE,
    NF_TK_GT,
    NF_TK_GE,
    NF_TK_AT,
    NF_TK_PIPE,
    NF_TK_QUESTION,
    NF_TK_HASH,
    NF_TK_DCOLON,
    NF_TK_ARROW,
    NF_TK_COUNT_
} nf_cc_tkind;

typedef enum nf_cc_kw {
    NF_KW_NONE = 0,
#define KW(w) NF_KW_##w,
#include "cc_keywords.def"
#undef KW
    NF_KW_COUNT_
} nf_cc_kw;

enum { NF_TF_SPACE_BEFORE = 1, NF_TF_NEWLINE_BEFORE = 2 };

typedef struct nf_cc_token {
    uint8_t kind;  /* nf_cc_tkind */
    uint8_t flags; /* NF_TF_* */
    uint16_t kw;   /* nf_cc_kw for identifiers */
    uint32_t off;  /* byte offset of the token text (inside delimiters for strings etc.) */
    uint32_t len;  /* length of that text */
} nf_cc_token;

typedef struct nf_cc_doc {
    uint32_t off, len; /* text between the delimiters */
} nf_cc_doc;

typedef struct nf_cc_tokens {
    nf_cc_token *t;  /* n tokens, the last is NF_TK_EOF (owned) */
    uint32_t n, cap; /* cap: room for tokens whose pages are in memory already */
    uint32_t alloc;  /* room allocated */
    nf_cc_doc *docs; /* doc comments in source order (owned) */
    uint32_t ndocs, capdocs;
    uint32_t *ends; /* indices of the identifiers `end` and `while`, ascending (owned) */
    uint32_t nends, capends;
} nf_cc_tokens;

/* Keyword lookup table, built once per compiler instance (no global state). */
typedef struct nf_cc_keywords {
    uint16_t slots[1024];  /* keyword id or 0; open addressing on the lower-cased word */
    uint32_t hashes[1024]; /* the full hash of the keyword in each slot */
} nf_cc_keywords;

void nf_cc_keywords_init(nf_cc_keywords *kw);
nf_cc_kw nf_cc_keyword(const nf_cc_keywords *kw, const char *s, uint32_t len);
const char *nf_cc_keyword_text(nf_cc_kw k);
const char *nf_cc_tkind_text(nf_cc_tkind k);

/* Tokenizes src (file index `file`). Reports lexical errors to d and keeps going; always
 * produces a token array ending in EOF unless out of memory (returns false). */
bool nf_cc_lex(const nf_cc_keywords *kw, const nf_cc_source *src, uint32_t file, nf_cc_tokens *out,
               nf_cc_diags *d);
/* Tokenizes the byte range [start, end) of src, e.g. the XPath inside a string literal.
 * With quote_doubled, string literals are written with doubled quotes ('' … '') as they are
 * inside another string literal. Token offsets stay offsets into src. */
bool nf_cc_lex_range(const nf_cc_keywords *kw, const nf_cc_source *src, uint32_t file,
                     uint32_t start, uint32_t end, bool quote_doubled, nf_cc_tokens *out,
                     nf_cc_diags *d);
void nf_cc_tokens_free(nf_cc_tokens *t);

#endif
