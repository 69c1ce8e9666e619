/* test_lexer.c — specification of the MDL tokenizer (compiler/cc_lexer.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cc_lexer.h"

typedef struct lexed {
    nf_cc_sources srcs;
    nf_cc_tokens toks;
    nf_cc_diags diags;
    nf_cc_keywords kw;
} lexed;

static void lex(lexed *l, const char *text) {
    memset(l, 0, sizeof *l);
    nf_cc_diags_init(&l->diags);
    nf_cc_keywords_init(&l->kw);
    assert_int_equal(nf_cc_sources_add(&l->srcs, "t.mdl", text, strlen(text)), 0);
    assert_true(nf_cc_lex(&l->kw, &l->srcs.files[0], 0, &l->toks, &l->diags));
}

static void done(lexed *l) {
    nf_cc_tokens_free(&l->toks);
    nf_cc_diags_free(&l->diags);
    nf_cc_sources_free(&l->srcs);
}

static const char *text(lexed *l, uint32_t i, char *buf) {
    const nf_cc_token *t = &l->toks.t[i];
    memcpy(buf, l->srcs.files[0].text + t->off, t->len);
    buf[t->len] = '\0';
    return buf;
}

static void keywords_are_case_insensitive_identifiers(void **state) {
    (void)state;
    lexed l;
    lex(&l, "CREATE Nanoflow create Order");
    assert_int_equal(l.toks.n, 5);
    assert_int_equal(l.toks.t[0].kind, NF_TK_IDENT);
    assert_int_equal(l.toks.t[0].kw, NF_KW_create);
    assert_int_equal(l.toks.t[1].kw, NF_KW_nanoflow);
    assert_int_equal(l.toks.t[2].kw, NF_KW_create);
    assert_int_equal(l.toks.t[3].kw, NF_KW_NONE); /* an ordinary name */
    assert_int_equal(l.toks.t[4].kind, NF_TK_EOF);
    done(&l);
}

static void quoted_names_are_never_keywords(void **state) {
    (void)state;
    lexed l;
    char buf[64];
    lex(&l, "\"Create\" `Order`");
    assert_int_equal(l.toks.t[0].kind, NF_TK_QIDENT);
    assert_int_equal(l.toks.t[0].kw, NF_KW_NONE);
    assert_string_equal(text(&l, 0, buf), "Create");
    assert_string_equal(text(&l, 1, buf), "Order");
    done(&l);
}

static void strings_escape_quotes_by_doubling(void **state) {
    (void)state;
    lexed l;
    char buf[64];
    lex(&l, "'it''s' ''");
    assert_int_equal(l.toks.t[0].kind, NF_TK_STRING);
    assert_string_equal(text(&l, 0, buf), "it''s"); /* raw text; the parser unescapes */
    assert_int_equal(l.toks.t[1].kind, NF_TK_STRING);
    assert_int_equal(l.toks.t[1].len, 0);
    assert_int_equal(l.diags.nerrors, 0);
    done(&l);
}

static void an_unterminated_string_ends_at_its_line(void **state) {
    (void)state;
    lexed l;
    lex(&l, "'open\ncreate");
    assert_int_equal(l.diags.nerrors, 1);
    assert_int_equal(l.diags.items[0].code, NF_D_UNTERMINATED_STRING);
    assert_int_equal(l.toks.t[1].kw, NF_KW_create); /* the next line still lexes */
    done(&l);
}

static void variables_tokens_and_dollar_blocks(void **state) {
    (void)state;
    lexed l;
    char buf[64];
    lex(&l, "$Order [%CurrentDateTime%] $$ return 1 $$");
    assert_int_equal(l.toks.t[0].kind, NF_TK_VAR);
    assert_string_equal(text(&l, 0, buf), "Order");
    assert_int_equal(l.toks.t[1].kind, NF_TK_MXTOKEN);
    assert_string_equal(text(&l, 1, buf), "CurrentDateTime");
    assert_int_equal(l.toks.t[2].kind, NF_TK_DOLLAR);
    assert_string_equal(text(&l, 2, buf), " return 1 ");
    done(&l);
}

static void numbers_are_integers_or_decimals(void **state) {
    (void)state;
    lexed l;
    lex(&l, "12 1.5 2e10 3.");
    assert_int_equal(l.toks.t[0].kind, NF_TK_INT);
    assert_int_equal(l.toks.t[1].kind, NF_TK_DECIMAL);
    assert_int_equal(l.toks.t[2].kind, NF_TK_DECIMAL);
    assert_int_equal(l.toks.t[3].kind, NF_TK_INT); /* "3" then "." */
    assert_int_equal(l.toks.t[4].kind, NF_TK_DOT);
    done(&l);
}

static void comments_are_skipped_and_doc_comments_kept(void **state) {
    (void)state;
    lexed l;
    lex(&l, "-- line\n/* block */ /** the doc */ create");
    assert_int_equal(l.toks.n, 2);
    assert_int_equal(l.toks.t[0].kw, NF_KW_create);
    assert_int_equal(l.toks.ndocs, 1);
    assert_true(l.toks.t[0].flags & NF_TF_NEWLINE_BEFORE);
    done(&l);
}

static void operators(void **state) {
    (void)state;
    lexed l;
    lex(&l, "!= <> <= >= = < > : :: -> / * + - %");
    const uint8_t want[] = {NF_TK_NE,     NF_TK_NE,    NF_TK_LE,      NF_TK_GE,
                            NF_TK_EQ,     NF_TK_LT,    NF_TK_GT,      NF_TK_COLON,
                            NF_TK_DCOLON, NF_TK_ARROW, NF_TK_SLASH,   NF_TK_STAR,
                            NF_TK_PLUS,   NF_TK_MINUS, NF_TK_PERCENT, NF_TK_EOF};
    assert_int_equal(l.toks.n, sizeof want);
    for (size_t i = 0; i < sizeof want; i++)
        assert_int_equal(l.toks.t[i].kind, want[i]);
    done(&l);
}

static void a_run_of_invalid_bytes_is_one_error(void **state) {
    (void)state;
    lexed l;
    lex(&l, "create \x01\x02\xff\xfe€ nanoflow ~ x");
    assert_int_equal(l.diags.nerrors, 2); /* the run, then the lone '~' */
    assert_int_equal(l.diags.items[0].code, NF_D_BAD_CHAR);
    assert_int_equal(l.toks.t[1].kw, NF_KW_nanoflow);
    done(&l);
}

static void xpath_inside_a_string_uses_doubled_quotes(void **state) {
    (void)state;
    nf_cc_sources srcs = {0};
    nf_cc_tokens toks;
    nf_cc_diags d;
    nf_cc_keywords kw;
    nf_cc_diags_init(&d);
    nf_cc_keywords_init(&kw);
    const char *src = "[Name = ''it''''s'']";
    nf_cc_sources_add(&srcs, "x", src, strlen(src));
    assert_true(nf_cc_lex_range(&kw, &srcs.files[0], 0, 0, (uint32_t)strlen(src), true, &toks, &d));
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(toks.t[3].kind, NF_TK_STRING);
    assert_int_equal(toks.t[3].len, 7); /* it''''s: the escape stays in the raw text */
    nf_cc_tokens_free(&toks);
    nf_cc_diags_free(&d);
    nf_cc_sources_free(&srcs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keywords_are_case_insensitive_identifiers),
        cmocka_unit_test(quoted_names_are_never_keywords),
        cmocka_unit_test(strings_escape_quotes_by_doubling),
        cmocka_unit_test(an_unterminated_string_ends_at_its_line),
        cmocka_unit_test(variables_tokens_and_dollar_blocks),
        cmocka_unit_test(numbers_are_integers_or_decimals),
        cmocka_unit_test(comments_are_skipped_and_doc_comments_kept),
        cmocka_unit_test(operators),
        cmocka_unit_test(a_run_of_invalid_bytes_is_one_error),
        cmocka_unit_test(xpath_inside_a_string_uses_doubled_quotes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
