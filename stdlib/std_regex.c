/* std_regex.c — isMatch, replaceAll and replaceFirst on PCRE2 (std_text.h).
 *
 * Patterns compile in UTF + UCP mode and are kept in a small per-runtime LRU cache keyed by
 * their text. Every match runs under a match context with match, depth and heap limits, so a
 * catastrophic pattern such as (a+)+$ ends with NF_STD_TEXT_LIMIT instead of hanging. Subjects,
 * patterns and replacements with bad UTF-8 are matched in their U+FFFD form, because PCRE2's
 * UTF mode rejects invalid input. No JIT: the interpreter honours the limits exactly and keeps
 * behaviour the same under the fuzzer. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "std_text.h"

#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct regex_entry {
    char *key; /* pattern text as given (not sanitised) */
    size_t keylen;
    pcre2_code *code;
    uint64_t used; /* tick of the last use, for LRU eviction */
} regex_entry;

struct nf_std_regex_cache {
    regex_entry *e;
    size_t cap, n;
    uint64_t tick;
    size_t compiles, hits;
    pcre2_match_context *mctx;
};

static pcre2_match_context *new_mctx(void) {
    pcre2_match_context *m = pcre2_match_context_create(NULL);
    if (!m) return NULL;
    pcre2_set_match_limit(m, NF_STD_REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(m, NF_STD_REGEX_DEPTH_LIMIT);
    pcre2_set_heap_limit(m, NF_STD_REGEX_HEAP_LIMIT);
    return m;
}

nf_std_regex_cache *nf_std_regex_cache_new(size_t capacity) {
    nf_std_regex_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->cap = capacity;
    c->e = capacity ? calloc(capacity, sizeof *c->e) : NULL;
    c->mctx = new_mctx();
    if ((capacity && !c->e) || !c->mctx) {
        nf_std_regex_cache_free(c);
        return NULL;
    }
    return c;
}

void nf_std_regex_cache_free(nf_std_regex_cache *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].key);
        pcre2_code_free(c->e[i].code);
    }
    free(c->e);
    pcre2_match_context_free(c->mctx);
    free(c);
}

void nf_std_regex_cache_set_limits(nf_std_regex_cache *c, uint32_t match_limit,
                                   uint32_t depth_limit, uint32_t heap_limit_kib) {
    if (match_limit) pcre2_set_match_limit(c->mctx, match_limit);
    if (depth_limit) pcre2_set_depth_limit(c->mctx, depth_limit);
    if (heap_limit_kib) pcre2_set_heap_limit(c->mctx, heap_limit_kib);
}

size_t nf_std_regex_cache_compiles(const nf_std_regex_cache *c) {
    return c->compiles;
}
size_t nf_std_regex_cache_hits(const nf_std_regex_cache *c) {
    return c->hits;
}
size_t nf_std_regex_cache_count(const nf_std_regex_cache *c) {
    return c->n;
}

/* ---- compiling -------------------------------------------------------------------------- */

static nf_std_text_status compile(const char *re, size_t relen, pcre2_code **out, char *err,
                                  size_t errn) {
    nf_std_buf clean = {0};
    if (!nf_std_utf8_valid(re, relen)) {
        if (nf_std_utf8_sanitize(re, relen, &clean) != NF_STD_TEXT_OK) {
            nf_std_buf_free(&clean);
            nf_std_set_err(err, errn, "out of memory");
            return NF_STD_TEXT_NOMEM;
        }
        re = clean.p;
        relen = clean.len;
    }
    int code = 0;
    PCRE2_SIZE off = 0;
    /* \C could split a UTF-8 character and make replaceAll produce invalid text. */
    *out = pcre2_compile((PCRE2_SPTR)(re ? re : ""), relen,
                         PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C, &code, &off, NULL);
    nf_std_text_status st = NF_STD_TEXT_OK;
    if (!*out) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", code);
        if (code == PCRE2_ERROR_HEAP_FAILED) {
            nf_std_set_err(err, errn, "out of memory");
            st = NF_STD_TEXT_NOMEM;
        } else {
            /* Offsets are bytes of UTF-8; users count characters (UTF-16 units). */
            nf_std_set_err(err, errn, "invalid regular expression: %s at position %d", (char *)msg,
                           (int)nf_std_utf16_len(re ? re : "", off <= relen ? off : relen));
            st = NF_STD_TEXT_REGEX;
        }
    }
    nf_std_buf_free(&clean);
    return st;
}

/* The compiled form of re: from the cache when c has one (*owned false), else freshly compiled
 * for this call only (*owned true: the caller frees it). */
static nf_std_text_status get_code(nf_std_regex_cache *c, const char *re, size_t relen,
                                   pcre2_code **code, bool *owned, char *err, size_t errn) {
    *owned = false;
    if (c && c->cap) {
        for (size_t i = 0; i < c->n; i++) {
            regex_entry *e = &c->e[i];
            if (e->keylen == relen && (relen == 0 || memcmp(e->key, re, relen) == 0)) {
                e->used = ++c->tick;
                c->hits++;
                *code = e->code;
                return NF_STD_TEXT_OK;
            }
        }
    }
    if (c) c->compiles++;
    nf_std_text_status st = compile(re, relen, code, err, errn);
    if (st != NF_STD_TEXT_OK) return st;
    if (!c || !c->cap) {
        *owned = true;
        return NF_STD_TEXT_OK;
    }
    char *key = malloc(relen ? relen : 1);
    if (!key) {
        /* Still usable, just not cached. */
        *owned = true;
        return NF_STD_TEXT_OK;
    }
    if (relen) memcpy(key, re, relen);
    size_t slot = c->n;
    if (c->n == c->cap) {
        slot = 0;
        for (size_t i = 1; i < c->n; i++)
            if (c->e[i].used < c->e[slot].used) slot = i;
        free(c->e[slot].key);
        pcre2_code_free(c->e[slot].code);
    } else {
        c->n++;
    }
    c->e[slot] = (regex_entry){key, relen, *code, ++c->tick};
    return NF_STD_TEXT_OK;
}

/* ---- matching --------------------------------------------------------------------------- */

/* Maps a negative PCRE2 match/substitute result to a status and message. */
static nf_std_text_status match_error(int rc, char *err, size_t errn) {
    switch (rc) {
    case PCRE2_ERROR_MATCHLIMIT:
    case PCRE2_ERROR_DEPTHLIMIT:
    case PCRE2_ERROR_HEAPLIMIT:
        nf_std_set_err(err, errn,
                       "regular expression too complex: it backtracks too much on this text (%s)",
                       rc == PCRE2_ERROR_MATCHLIMIT   ? "match limit exceeded"
                       : rc == PCRE2_ERROR_DEPTHLIMIT ? "depth limit exceeded"
                                                      : "memory limit exceeded");
        return NF_STD_TEXT_LIMIT;
    case PCRE2_ERROR_NOMEMORY: nf_std_set_err(err, errn, "out of memory"); return NF_STD_TEXT_NOMEM;
    default: {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(rc, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", rc);
        nf_std_set_err(err, errn, "regular expression failed: %s", (char *)msg);
        return NF_STD_TEXT_REGEX;
    }
    }
}

/* Everything a call needs: the code, a match context and sanitised texts. */
typedef struct call {
    pcre2_code *code;
    bool owned;
    pcre2_match_context *mctx;
    bool own_mctx;
    nf_std_buf s_clean, r_clean;
} call;

static nf_std_text_status call_open(call *k, nf_std_regex_cache *c, const char **s, size_t *len,
                                    const char *re, size_t relen, const char **repl,
                                    size_t *repllen, char *err, size_t errn) {
    memset(k, 0, sizeof *k);
    nf_std_text_status st = get_code(c, re, relen, &k->code, &k->owned, err, errn);
    if (st != NF_STD_TEXT_OK) return st;
    k->mctx = c ? c->mctx : NULL;
    if (!k->mctx) {
        k->mctx = new_mctx();
        k->own_mctx = true;
    }
    if (!k->mctx) goto oom;
    if (!*s) *s = "";
    if (!nf_std_utf8_valid(*s, *len)) {
        if (nf_std_utf8_sanitize(*s, *len, &k->s_clean) != NF_STD_TEXT_OK) goto oom;
        *s = k->s_clean.p;
        *len = k->s_clean.len;
    }
    if (repl) {
        if (!*repl) *repl = "";
        if (!nf_std_utf8_valid(*repl, *repllen)) {
            if (nf_std_utf8_sanitize(*repl, *repllen, &k->r_clean) != NF_STD_TEXT_OK) goto oom;
            *repl = k->r_clean.p;
            *repllen = k->r_clean.len;
        }
    }
    return NF_STD_TEXT_OK;
oom:
    nf_std_set_err(err, errn, "out of memory");
    return NF_STD_TEXT_NOMEM;
}

static void call_close(call *k) {
    if (k->owned) pcre2_code_free(k->code);
    if (k->own_mctx) pcre2_match_context_free(k->mctx);
    nf_std_buf_free(&k->s_clean);
    nf_std_buf_free(&k->r_clean);
}

nf_std_text_status nf_std_regex_is_match(nf_std_regex_cache *c, const char *s, size_t len,
                                         const char *re, size_t relen, bool *match, char *err,
                                         size_t errn) {
    *match = false;
    call k;
    nf_std_text_status st = call_open(&k, c, &s, &len, re, relen, NULL, NULL, err, errn);
    if (st == NF_STD_TEXT_OK) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(k.code, NULL);
        if (!md) {
            nf_std_set_err(err, errn, "out of memory");
            st = NF_STD_TEXT_NOMEM;
        } else {
            /* Mendix anchors isMatch at both ends; match-time options keep the pattern text
             * intact (wrapping it in ^(?:...)$ would break on a trailing \Q or # comment). */
            int rc = pcre2_match(k.code, (PCRE2_SPTR)s, len, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                                 md, k.mctx);
            if (rc >= 0)
                *match = true;
            else if (rc != PCRE2_ERROR_NOMATCH)
                st = match_error(rc, err, errn);
            pcre2_match_data_free(md);
        }
    }
    call_close(&k);
    return st;
}

static nf_std_text_status replace(nf_std_regex_cache *c, const char *s, size_t len, const char *re,
                                  size_t relen, const char *repl, size_t repllen, bool all,
                                  nf_std_buf *out, char *err, size_t errn) {
    out->len = 0;
    if (out->p) out->p[0] = '\0';
    call k;
    nf_std_text_status st = call_open(&k, c, &s, &len, re, relen, &repl, &repllen, err, errn);
    uint32_t opts = PCRE2_SUBSTITUTE_LITERAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH |
                    (all ? PCRE2_SUBSTITUTE_GLOBAL : 0);
    /* Guess first; on overflow PCRE2 reports the size needed and the second pass fits. */
    size_t want = len + repllen + 64;
    for (int pass = 0; st == NF_STD_TEXT_OK && pass < 2; pass++) {
        if (want > out->cap) {
            char *p = realloc(out->p, want);
            if (!p) {
                nf_std_set_err(err, errn, "out of memory");
                st = NF_STD_TEXT_NOMEM;
                break;
            }
            out->p = p;
            out->cap = want;
        }
        PCRE2_SIZE olen = out->cap;
        int rc = pcre2_substitute(k.code, (PCRE2_SPTR)s, len, 0, opts, NULL, k.mctx,
                                  (PCRE2_SPTR)repl, repllen, (PCRE2_UCHAR *)out->p, &olen);
        if (rc >= 0) {
            out->len = olen;
            break;
        }
        if (rc == PCRE2_ERROR_NOMEMORY && pass == 0 && olen > out->cap) {
            want = olen;
            continue;
        }
        st = match_error(rc, err, errn);
    }
    if (st != NF_STD_TEXT_OK) {
        out->len = 0;
        if (out->p) out->p[0] = '\0';
    }
    call_close(&k);
    return st;
}

nf_std_text_status nf_std_regex_replace_all(nf_std_regex_cache *c, const char *s, size_t len,
                                            const char *re, size_t relen, const char *repl,
                                            size_t repllen, nf_std_buf *out, char *err,
                                            size_t errn) {
    return replace(c, s, len, re, relen, repl, repllen, true, out, err, errn);
}

nf_std_text_status nf_std_regex_replace_first(nf_std_regex_cache *c, const char *s, size_t len,
                                              const char *re, size_t relen, const char *repl,
                                              size_t repllen, nf_std_buf *out, char *err,
                                              size_t errn) {
    return replace(c, s, len, re, relen, repl, repllen, false, out, err, errn);
}
