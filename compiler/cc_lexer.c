/* cc_lexer.c — MDL tokenizer; see cc_lexer.h. */
#include "cc_lexer.h"
#include "cc_arena.h"

#include <stdlib.h>
#include <string.h>

static const char *const keyword_words[] = {
    "",
#define KW(w) #w,
#include "cc_keywords.def"
#undef KW
};

static inline unsigned char lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Hash of a word for the keyword table, from its length and its first two and last two
 * letters (c | 0x20 lower-cases letters and keeps digits and '_' distinct): computed after the
 * word is scanned, not per character. Collisions only cost a comparison (matches are compared
 * in full). len >= 2. */
static inline uint32_t kw_hash(const char *s, uint32_t len) {
    uint32_t a = ((unsigned char)s[0] | 0x20u) | ((unsigned char)s[1] | 0x20u) << 8;
    uint32_t b = ((unsigned char)s[len - 2] | 0x20u) | ((unsigned char)s[len - 1] | 0x20u) << 8;
    uint32_t h = (a | b << 16) ^ len * 0x9E3779B9u;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    return h ^ h >> 13;
}

void nf_cc_keywords_init(nf_cc_keywords *kw) {
    memset(kw, 0, sizeof *kw);
    for (unsigned k = 1; k < NF_KW_COUNT_; k++) {
        const char *w = keyword_words[k];
        uint32_t h = kw_hash(w, (uint32_t)strlen(w));
        uint32_t j = h & 1023u;
        while (kw->slots[j])
            j = (j + 1) & 1023u;
        kw->slots[j] = (uint16_t)k;
        kw->hashes[j] = h;
    }
}

/* The keyword spelled by s[0..len) whose kw_hash is h. */
static inline nf_cc_kw keyword_hashed(const nf_cc_keywords *kw, const char *s, uint32_t len,
                                      uint32_t h) {
    if (len < 2 || len > 26) return NF_KW_NONE;
    for (uint32_t j = h & 1023u; kw->slots[j]; j = (j + 1) & 1023u) {
        if (kw->hashes[j] != h) continue;
        const char *w = keyword_words[kw->slots[j]];
        uint32_t i = 0; /* keywords are lower case: s[i] == w[i] is the common match */
        while (i < len && w[i] &&
               ((unsigned char)s[i] == (unsigned char)w[i] ||
                lower((unsigned char)s[i]) == (unsigned char)w[i]))
            i++;
        if (i == len && w[i] == '\0') return (nf_cc_kw)kw->slots[j];
    }
    return NF_KW_NONE;
}

nf_cc_kw nf_cc_keyword(const nf_cc_keywords *kw, const char *s, uint32_t len) {
    if (len < 2 || len > 26) return NF_KW_NONE;
    return keyword_hashed(kw, s, len, kw_hash(s, len));
}

const char *nf_cc_keyword_text(nf_cc_kw k) {
    return k < NF_KW_COUNT_ ? keyword_words[k] : "?";
}

const char *nf_cc_tkind_text(nf_cc_tkind k) {
    static const char *const names[NF_TK_COUNT_] = {
        "end of file", "name",      "quoted name", "variable", "string", "integer",
        "decimal",     "[%token%]", "$$ block",    "'('",      "')'",    "'{'",
        "'}'",         "'['",       "']'",         "','",      "';'",    "'.'",
        "':'",         "'/'",       "'*'",         "'+'",      "'-'",    "'%'",
        "'='",         "'!='",      "'<'",         "'<='",     "'>'",    "'>='",
        "'@'",         "'|'",       "'?'",         "'#'",      "'::'",   "'->'"};
    return k < NF_TK_COUNT_ ? names[k] : "?";
}

void nf_cc_tokens_free(nf_cc_tokens *t) {
    free(t->t);
    free(t->docs);
    free(t->ends);
    memset(t, 0, sizeof *t);
}

typedef struct lexer {
    const nf_cc_keywords *kw;
    const char *s;
    uint32_t len, pos, file;
    nf_cc_tokens *out;
    nf_cc_diags *d;
    uint8_t flags; /* for the next token */
    bool oom;
    bool doubled; /* string literals are written '' … '' (XPath inside a string) */
} lexer;

/* Makes room for at least one more token (allocating at least `want` in all); false when out
 * of memory. The pages of the next chunk of tokens are entered at once (nf_cc_prefault)
 * instead of one page fault at a time. */
static bool grow_tokens(lexer *lx, uint32_t want) {
    enum { CHUNK = 64 * 1024 }; /* tokens, 768 KB */
    nf_cc_tokens *o = lx->out;
    if (want <= o->n) want = o->n + 1;
    if (want > o->alloc) {
        uint32_t alloc = o->alloc ? o->alloc * 2 : 1024;
        if (alloc < want) alloc = want;
        nf_cc_token *t = realloc(o->t, (size_t)alloc * sizeof *t);
        if (!t) {
            lx->oom = true;
            return false;
        }
        o->t = t;
        o->alloc = alloc;
    }
    uint32_t cap = o->alloc - o->n > CHUNK ? o->n + CHUNK : o->alloc;
    nf_cc_prefault(o->t + o->n, (size_t)(cap - o->n) * sizeof *o->t);
    o->cap = cap;
    return true;
}

static inline void emit(lexer *lx, nf_cc_tkind kind, uint32_t off, uint32_t len, uint16_t kw) {
    nf_cc_tokens *o = lx->out;
    if (o->n == o->cap && !grow_tokens(lx, 0)) return;
    o->t[o->n++] = (nf_cc_token){(uint8_t)kind, lx->flags, kw, off, len};
    lx->flags = 0;
}

static void add_doc(lexer *lx, uint32_t off, uint32_t len) {
    nf_cc_tokens *o = lx->out;
    if (o->ndocs == o->capdocs) {
        uint32_t cap = o->capdocs ? o->capdocs * 2 : 64;
        nf_cc_doc *d = realloc(o->docs, cap * sizeof *d);
        if (!d) {
            lx->oom = true;
            return;
        }
        o->docs = d;
        o->capdocs = cap;
    }
    o->docs[o->ndocs++] = (nf_cc_doc){off, len};
}

/* Notes that the next token is `end` or `while` (for finding a flow body's end quickly). */
static void add_end(lexer *lx) {
    nf_cc_tokens *o = lx->out;
    if (o->nends == o->capends) {
        uint32_t cap = o->capends ? o->capends * 2 : 256;
        uint32_t *e = realloc(o->ends, cap * sizeof *e);
        if (!e) {
            lx->oom = true;
            return;
        }
        o->ends = e;
        o->capends = cap;
    }
    o->ends[o->nends++] = o->n;
}

static void err(lexer *lx, nf_cc_diag_code code, uint32_t off, uint32_t len, const char *msg) {
    nf_cc_report(lx->d, code, (nf_cc_span){lx->file, off, len}, "%s", msg);
}

/* Character classes, one table lookup each (the lexer's inner loops run per byte). */
enum { CC_START = 1, CC_DIGIT = 2, CC_SPACE = 4, CC_NEWLINE = 8 };
#define CC_LETTERS(x)                                                                              \
    [x] = CC_START, [x + 1] = CC_START, [x + 2] = CC_START, [x + 3] = CC_START,                    \
    [x + 4] = CC_START, [x + 5] = CC_START, [x + 6] = CC_START, [x + 7] = CC_START
static const uint8_t char_class[256] = {
    CC_LETTERS('a'),   CC_LETTERS('i'),   CC_LETTERS('q'),
    ['y'] = CC_START,  ['z'] = CC_START,  CC_LETTERS('A'),
    CC_LETTERS('I'),   CC_LETTERS('Q'),   ['Y'] = CC_START,
    ['Z'] = CC_START,  ['_'] = CC_START,  ['0'] = CC_DIGIT,
    ['1'] = CC_DIGIT,  ['2'] = CC_DIGIT,  ['3'] = CC_DIGIT,
    ['4'] = CC_DIGIT,  ['5'] = CC_DIGIT,  ['6'] = CC_DIGIT,
    ['7'] = CC_DIGIT,  ['8'] = CC_DIGIT,  ['9'] = CC_DIGIT,
    [' '] = CC_SPACE,  ['\t'] = CC_SPACE, ['\r'] = CC_SPACE,
    ['\f'] = CC_SPACE, ['\v'] = CC_SPACE, ['\n'] = CC_SPACE | CC_NEWLINE};
#undef CC_LETTERS

static inline bool is_ident_start(unsigned char c) {
    return char_class[c] & CC_START;
}
static inline bool is_digit(unsigned char c) {
    return char_class[c] & CC_DIGIT;
}
static inline bool is_ident_char(unsigned char c) {
    return char_class[c] & (CC_START | CC_DIGIT);
}

/* Skips whitespace and comments, recording doc comments and the space/newline flags. */
static void skip_trivia(lexer *lx) {
    const char *s = lx->s;
    for (;;) {
        uint32_t p = lx->pos;
        if (p >= lx->len) return;
        unsigned char c = (unsigned char)s[p];
        if (c == '\n') {
            lx->flags |= NF_TF_SPACE_BEFORE | NF_TF_NEWLINE_BEFORE;
            lx->pos++;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->flags |= NF_TF_SPACE_BEFORE;
            lx->pos++;
        } else if (c == '-' && p + 1 < lx->len && s[p + 1] == '-') {
            while (lx->pos < lx->len && s[lx->pos] != '\n')
                lx->pos++;
            lx->flags |= NF_TF_SPACE_BEFORE;
        } else if (c == '/' && p + 1 < lx->len && s[p + 1] == '*') {
            bool doc = p + 2 < lx->len && s[p + 2] == '*' && !(p + 3 < lx->len && s[p + 3] == '/');
            uint32_t q = p + 2;
            while (q + 1 < lx->len && !(s[q] == '*' && s[q + 1] == '/')) {
                if (s[q] == '\n') lx->flags |= NF_TF_NEWLINE_BEFORE;
                q++;
            }
            if (q + 1 >= lx->len) {
                err(lx, NF_D_UNTERMINATED_COMMENT, p, 2, "block comment is not closed with */");
                lx->pos = lx->len;
                return;
            }
            if (doc) add_doc(lx, p + 3, q - (p + 3));
            lx->pos = q + 2;
            lx->flags |= NF_TF_SPACE_BEFORE;
        } else {
            return;
        }
    }
}

static void lex_number(lexer *lx) {
    const char *s = lx->s;
    uint32_t start = lx->pos, p = start;
    nf_cc_tkind kind = NF_TK_INT;
    while (p < lx->len && is_digit((unsigned char)s[p]))
        p++;
    if (p + 1 < lx->len && s[p] == '.' && is_digit((unsigned char)s[p + 1])) {
        kind = NF_TK_DECIMAL;
        p++;
        while (p < lx->len && is_digit((unsigned char)s[p]))
            p++;
    }
    if (p < lx->len && (s[p] == 'e' || s[p] == 'E')) {
        uint32_t q = p + 1;
        if (q < lx->len && (s[q] == '+' || s[q] == '-')) q++;
        if (q < lx->len && is_digit((unsigned char)s[q])) {
            kind = NF_TK_DECIMAL;
            p = q;
            while (p < lx->len && is_digit((unsigned char)s[p]))
                p++;
        } else {
            err(lx, NF_D_BAD_NUMBER, start, q - start, "exponent has no digits");
            p = q;
        }
    }
    if (p < lx->len && is_ident_start((unsigned char)s[p])) {
        uint32_t q = p;
        while (q < lx->len && is_ident_char((unsigned char)s[q]))
            q++;
        err(lx, NF_D_BAD_NUMBER, start, q - start, "a number cannot be followed by letters");
        p = q;
    }
    emit(lx, kind, start, p - start, 0);
    lx->pos = p;
}

/* 'text' — '' escapes a quote; a string ends at its line end if not closed, so one missing
 * quote does not swallow the rest of the file. In doubled mode the delimiter is '' and the
 * escape is ''''. */
static void lex_string(lexer *lx) {
    const char *s = lx->s;
    uint32_t q = lx->doubled ? 2 : 1; /* quote width */
    uint32_t start = lx->pos, p = start + q;
    if (lx->doubled && !(start + 1 < lx->len && s[start + 1] == '\'')) {
        err(lx, NF_D_UNTERMINATED_STRING, start, 1,
            "inside a quoted XPath, string literals are written with doubled quotes ''…''");
        lx->pos = start + 1;
        return;
    }
    for (;;) {
        if (p >= lx->len || s[p] == '\n') {
            err(lx, NF_D_UNTERMINATED_STRING, start, q, "string literal is not closed with '");
            emit(lx, NF_TK_STRING, start + q, p - start - q, 0);
            lx->pos = p;
            return;
        }
        if (s[p] == '\'') {
            if (lx->doubled) {
                if (p + 3 < lx->len && s[p + 1] == '\'' && s[p + 2] == '\'' && s[p + 3] == '\'') {
                    p += 4;
                    continue;
                }
                if (p + 1 < lx->len && s[p + 1] == '\'') break;
                p++;
                continue;
            }
            if (p + 1 < lx->len && s[p + 1] == '\'') {
                p += 2;
                continue;
            }
            break;
        }
        p++;
    }
    emit(lx, NF_TK_STRING, start + q, p - start - q, 0);
    lx->pos = p + q;
}

static void lex_quoted_ident(lexer *lx, char q) {
    const char *s = lx->s;
    uint32_t start = lx->pos, p = start + 1;
    while (p < lx->len && s[p] != q && s[p] != '\n')
        p++;
    if (p >= lx->len || s[p] != q) {
        err(lx, NF_D_UNTERMINATED_QIDENT, start, 1, "quoted name is not closed");
        emit(lx, NF_TK_QIDENT, start + 1, p - start - 1, 0);
        lx->pos = p;
        return;
    }
    emit(lx, NF_TK_QIDENT, start + 1, p - start - 1, 0);
    lx->pos = p + 1;
}

static void lex_dollar_block(lexer *lx) {
    const char *s = lx->s;
    uint32_t start = lx->pos, p = start + 2;
    while (p + 1 < lx->len && !(s[p] == '$' && s[p + 1] == '$'))
        p++;
    if (p + 1 >= lx->len) {
        err(lx, NF_D_UNTERMINATED_DOLLAR, start, 2, "$$ block is not closed with $$");
        emit(lx, NF_TK_DOLLAR, start + 2, lx->len - start - 2, 0);
        lx->pos = lx->len;
        return;
    }
    emit(lx, NF_TK_DOLLAR, start + 2, p - start - 2, 0);
    lx->pos = p + 2;
}

/* [%Name%] — a Mendix token such as [%CurrentDateTime%]. */
static bool try_mx_token(lexer *lx) {
    const char *s = lx->s;
    uint32_t p = lx->pos + 2;
    while (p < lx->len && (is_ident_char((unsigned char)s[p])))
        p++;
    if (p + 1 < lx->len && s[p] == '%' && s[p + 1] == ']') {
        emit(lx, NF_TK_MXTOKEN, lx->pos + 2, p - lx->pos - 2, 0);
        lx->pos = p + 2;
        return true;
    }
    err(lx, NF_D_UNTERMINATED_TOKEN, lx->pos, 2, "[% token is not closed with %]");
    /* keep the token so the rest of the statement parses, as an unclosed string does */
    emit(lx, NF_TK_MXTOKEN, lx->pos + 2, p - lx->pos - 2, 0);
    lx->pos = p;
    return true;
}

/* Whether c (followed by c1) can start a token; everything else is an invalid character. */
static bool starts_token(unsigned char c, unsigned char c1) {
    if (is_ident_start(c) || is_digit(c)) return true;
    switch (c) {
    case '\'':
    case '"':
    case '`':
    case '[':
    case '(':
    case ')':
    case '{':
    case '}':
    case ']':
    case ',':
    case ';':
    case '.':
    case '/':
    case '*':
    case '+':
    case '%':
    case '=':
    case '@':
    case '|':
    case '?':
    case '#':
    case ':':
    case '-':
    case '<':
    case '>': return true;
    case '$': return c1 == '$' || is_ident_char(c1);
    case '!': return c1 == '=';
    default: return false;
    }
}

static void flush_bad(lexer *lx, uint32_t *bad_start, uint32_t bad_end) {
    if (*bad_start == UINT32_MAX) return;
    err(lx, NF_D_BAD_CHAR, *bad_start, bad_end - *bad_start, "invalid character in source");
    *bad_start = UINT32_MAX;
}

bool nf_cc_lex(const nf_cc_keywords *kw, const nf_cc_source *src, uint32_t file, nf_cc_tokens *out,
               nf_cc_diags *d) {
    return nf_cc_lex_range(kw, src, file, 0, (uint32_t)src->len, false, out, d);
}

bool nf_cc_lex_range(const nf_cc_keywords *kw, const nf_cc_source *src, uint32_t file,
                     uint32_t start, uint32_t end, bool quote_doubled, nf_cc_tokens *out,
                     nf_cc_diags *d) {
    memset(out, 0, sizeof *out);
    lexer lx = {kw,    src->text,    end, start, file, out, d, NF_TF_NEWLINE_BEFORE,
                false, quote_doubled};
    /* files saved by Windows editors may start with a UTF-8 byte-order mark */
    if (start == 0 && end >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0) lx.pos = 3;
    const char *s = lx.s;
    /* about one token per 5 bytes of source: reserve a little more up front instead of
     * growing (pages not written to are not touched) */
    if (!grow_tokens(&lx, (end > lx.pos ? end - lx.pos : 0) / 4 + 16)) return false;
    uint32_t bad_start = UINT32_MAX, bad_end = 0; /* coalesce runs of invalid bytes */
    const uint32_t len = lx.len;
    while (!lx.oom) {
        /* white space inline; comments (which start with '-' or '/') in skip_trivia */
        uint32_t p = lx.pos;
        uint8_t flags = lx.flags;
        for (; p < len; p++) {
            uint8_t cls = char_class[(unsigned char)s[p]];
            if (!(cls & CC_SPACE)) break;
            flags |=
                cls & CC_NEWLINE ? NF_TF_SPACE_BEFORE | NF_TF_NEWLINE_BEFORE : NF_TF_SPACE_BEFORE;
        }
        lx.pos = p;
        lx.flags = flags;
        if (p < len && (s[p] == '-' || s[p] == '/')) {
            skip_trivia(&lx);
            p = lx.pos;
        }
        if (p >= len) break;
        unsigned char c = (unsigned char)s[p];
        if (is_ident_start(c)) {
            if (bad_start != UINT32_MAX) flush_bad(&lx, &bad_start, bad_end);
            uint32_t q = p + 1;
            while (q < len && is_ident_char((unsigned char)s[q]))
                q++;
            uint32_t n = q - p;
            nf_cc_kw k =
                n >= 2 && n <= 26 ? keyword_hashed(kw, s + p, n, kw_hash(s + p, n)) : NF_KW_NONE;
            if (k == NF_KW_end || k == NF_KW_while) add_end(&lx);
            emit(&lx, NF_TK_IDENT, p, n, (uint16_t)k);
            lx.pos = q;
            continue;
        }
        unsigned char c1 = p + 1 < lx.len ? (unsigned char)s[p + 1] : 0;
        if (!starts_token(c, c1)) {
            if (bad_start == UINT32_MAX || p != bad_end) {
                flush_bad(&lx, &bad_start, bad_end);
                bad_start = p;
            }
            /* skip a whole UTF-8 sequence so the caret and count stay sensible */
            uint32_t q = p + 1;
            while (q < lx.len && ((unsigned char)s[q] & 0xC0) == 0x80)
                q++;
            bad_end = q;
            lx.pos = q;
            continue;
        }
        flush_bad(&lx, &bad_start, bad_end);
        if (is_digit(c)) {
            lex_number(&lx);
            continue;
        }
        nf_cc_tkind k = NF_TK_EOF;
        uint32_t n = 1;
        switch (c) {
        case '\'': lex_string(&lx); continue;
        case '"': lex_quoted_ident(&lx, '"'); continue;
        case '`': lex_quoted_ident(&lx, '`'); continue;
        case '$':
            if (c1 == '$') {
                lex_dollar_block(&lx);
                continue;
            }
            if (is_ident_char(c1)) {
                uint32_t q = p + 1;
                while (q < lx.len && is_ident_char((unsigned char)s[q]))
                    q++;
                emit(&lx, NF_TK_VAR, p + 1, q - p - 1, 0);
                lx.pos = q;
                continue;
            }
            break;
        case '[':
            if (c1 == '%') {
                try_mx_token(&lx);
                continue;
            }
            k = NF_TK_LBRACKET;
            break;
        case '(': k = NF_TK_LPAREN; break;
        case ')': k = NF_TK_RPAREN; break;
        case '{': k = NF_TK_LBRACE; break;
        case '}': k = NF_TK_RBRACE; break;
        case ']': k = NF_TK_RBRACKET; break;
        case ',': k = NF_TK_COMMA; break;
        case ';': k = NF_TK_SEMI; break;
        case '.': k = NF_TK_DOT; break;
        case '/': k = NF_TK_SLASH; break;
        case '*': k = NF_TK_STAR; break;
        case '+': k = NF_TK_PLUS; break;
        case '%': k = NF_TK_PERCENT; break;
        case '=':
            k = NF_TK_EQ;
            if (c1 == '=') n = 2;
            break;
        case '@': k = NF_TK_AT; break;
        case '|': k = NF_TK_PIPE; break;
        case '?': k = NF_TK_QUESTION; break;
        case '#': k = NF_TK_HASH; break;
        case ':':
            k = c1 == ':' ? NF_TK_DCOLON : NF_TK_COLON;
            n = c1 == ':' ? 2 : 1;
            break;
        case '-':
            k = c1 == '>' ? NF_TK_ARROW : NF_TK_MINUS;
            n = c1 == '>' ? 2 : 1;
            break;
        case '!':
            if (c1 == '=') k = NF_TK_NE, n = 2;
            break;
        case '<':
            if (c1 == '=')
                k = NF_TK_LE, n = 2;
            else if (c1 == '>')
                k = NF_TK_NE, n = 2;
            else
                k = NF_TK_LT;
            break;
        case '>':
            if (c1 == '=')
                k = NF_TK_GE, n = 2;
            else
                k = NF_TK_GT;
            break;
        default: break;
        }
        emit(&lx, k, p, n, 0);
        lx.pos = p + n;
    }
    flush_bad(&lx, &bad_start, bad_end);
    lx.flags |= NF_TF_NEWLINE_BEFORE;
    emit(&lx, NF_TK_EOF, lx.len, 0, 0);
    return !lx.oom;
}
