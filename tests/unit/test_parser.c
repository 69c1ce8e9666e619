/* test_parser.c — specification of the MDL parser (compiler/cc_parse*.c): what each form
 * becomes in the syntax tree, that both dialects mean the same, and that errors recover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cc_parser.h"

typedef struct parsed {
    nf_cc_sources srcs;
    nf_cc_diags diags;
    nf_cc_arena arena;
    nf_cc_interner in;
    nf_cc_keywords kw;
    nf_cc_unit unit;
} parsed;

static parsed *parse(const char *text) {
    parsed *p = test_calloc(1, sizeof *p);
    nf_cc_diags_init(&p->diags);
    nf_cc_arena_init(&p->arena);
    nf_cc_keywords_init(&p->kw);
    assert_true(nf_cc_interner_init(&p->in, &p->arena));
    assert_int_equal(nf_cc_sources_add(&p->srcs, "t.mdl", text, strlen(text)), 0);
    nf_cc_parse_env env = {&p->arena, &p->in, &p->kw, &p->diags};
    assert_true(nf_cc_parse_file(&env, &p->srcs.files[0], 0, &p->unit));
    return p;
}

static void done(parsed *p) {
    nf_cc_interner_free(&p->in);
    nf_cc_arena_free(&p->arena);
    nf_cc_diags_free(&p->diags);
    nf_cc_sources_free(&p->srcs);
    test_free(p);
}

/* The body of the only flow in the unit. */
static nf_cc_block *body(parsed *p) {
    for (uint32_t i = 0; i < p->unit.ndecls; i++)
        if (p->unit.decls[i]->kind == NF_DECL_FLOW) return &p->unit.decls[i]->u.flow.body;
    fail_msg("no flow parsed");
    return NULL;
}

/* Parses one expression by wrapping it in a declare statement. */
static nf_cc_expr *expr(parsed **pp, const char *e) {
    char buf[512];
    snprintf(buf, sizeof buf, "create nanoflow M.F () begin declare $x Integer = %s; end;", e);
    *pp = parse(buf);
    assert_int_equal((*pp)->diags.nerrors, 0);
    nf_cc_block *b = body(*pp);
    assert_int_equal(b->n, 1);
    return b->stmts[0]->u.declare.init;
}

static void a_nanoflow_declaration(void **state) {
    (void)state;
    parsed *p = parse("create nanoflow Shop.Check ($Order: Shop.Order, Limit: Integer)\n"
                      "  returns Boolean as $Ok folder 'Validation'\n"
                      "begin\n  return $Order/Total > $Limit;\nend;");
    assert_int_equal(p->diags.nerrors, 0);
    assert_int_equal(p->unit.ndecls, 1);
    nf_cc_decl *d = p->unit.decls[0];
    assert_int_equal(d->kind, NF_DECL_FLOW);
    assert_int_equal(d->u.flow.kind, NF_FLOW_NANOFLOW);
    assert_string_equal(d->name.full->s, "Shop.Check");
    assert_int_equal(d->u.flow.nparams, 2);
    assert_string_equal(d->u.flow.params[0].name->s, "Order"); /* `$` is not part of the name */
    assert_string_equal(d->u.flow.params[1].name->s, "Limit");
    assert_int_equal(d->u.flow.returns.kind, NF_TR_BOOLEAN);
    assert_string_equal(d->u.flow.return_var->s, "Ok");
    assert_string_equal(d->u.flow.folder, "Validation");
    assert_int_equal(d->u.flow.body.n, 1);
    assert_int_equal(d->u.flow.body.stmts[0]->kind, NF_ST_RETURN);
    done(p);
}

static void multiplication_binds_tighter_than_addition(void **state) {
    (void)state;
    parsed *p;
    nf_cc_expr *e = expr(&p, "1 + 2 * 3");
    assert_int_equal(e->kind, NF_EX_BINARY);
    assert_int_equal(e->op, NF_OP_ADD);
    assert_int_equal(e->u.bin.b->op, NF_OP_MUL);
    done(p);
}

static void and_binds_tighter_than_or_and_comparisons_tighter_than_and(void **state) {
    (void)state;
    parsed *p;
    nf_cc_expr *e = expr(&p, "$a = 1 or $b < 2 and $c");
    assert_int_equal(e->op, NF_OP_OR);
    assert_int_equal(e->u.bin.a->op, NF_OP_EQ);
    assert_int_equal(e->u.bin.b->op, NF_OP_AND);
    assert_int_equal(e->u.bin.b->u.bin.a->op, NF_OP_LT);
    done(p);
}

static void div_and_colon_are_division(void **state) {
    (void)state;
    parsed *p;
    nf_cc_expr *e = expr(&p, "$a div 2 : 3 mod 4");
    assert_int_equal(e->op, NF_OP_MOD);
    assert_int_equal(e->u.bin.a->op, NF_OP_DIV);
    assert_int_equal(e->u.bin.a->u.bin.a->op, NF_OP_DIV);
    done(p);
}

static void not_with_parentheses_is_a_function_call(void **state) {
    (void)state;
    parsed *p;
    nf_cc_expr *e = expr(&p, "not($a) and $b");
    assert_int_equal(e->op, NF_OP_AND);
    assert_int_equal(e->u.bin.a->kind, NF_EX_CALL);
    assert_string_equal(e->u.bin.a->u.call.name.full->s, "not");
    done(p);
}

static void slash_after_a_variable_is_a_member_path(void **state) {
    (void)state;
    parsed *p;
    nf_cc_expr *e = expr(&p, "$Order/Shop.Order_Customer/Name");
    assert_int_equal(e->kind, NF_EX_PATH);
    assert_int_equal(e->u.path.base->kind, NF_EX_VAR);
    assert_int_equal(e->u.path.nsteps, 2);
    assert_string_equal(e->u.path.steps[0].name.full->s, "Shop.Order_Customer");
    assert_string_equal(e->u.path.steps[1].name.full->s, "Name");
    done(p);
}

static void slash_between_numbers_is_an_error_naming_div(void **state) {
    (void)state;
    parsed *p = parse("create nanoflow M.F () begin declare $x Decimal = 10 / 2; end;");
    assert_int_equal(p->diags.nerrors, 1);
    assert_int_equal(p->diags.items[0].code, NF_D_SLASH_DIVISION);
    done(p);
}

static void if_then_else_expressions_and_enum_values(void **state) {
    (void)state;
    parsed *p;
    nf_cc_expr *e = expr(&p, "if $x = Shop.Status.Open then 1 else 2");
    assert_int_equal(e->kind, NF_EX_IF);
    assert_int_equal(e->u.cond.c->u.bin.b->kind, NF_EX_QNAME);
    assert_string_equal(e->u.cond.c->u.bin.b->u.qname.full->s, "Shop.Status.Open");
    done(p);
}

static const char *newest =
    "create nanoflow M.F ($L: List of M.E)\nbegin\n"
    "  $N = count $L;\n"
    "  if $N > 0 then\n    commit $L on error without rollback begin\n      log error 'x';\n"
    "    end error;\n  end if;\n"
    "end;";
static const char *baseline =
    "create nanoflow M.F (L: List of M.E)\nbegin\n"
    "  $N = COUNT($L)\n"
    "  IF $N > 0 THEN\n    COMMIT $L ON ERROR WITHOUT ROLLBACK {\n      LOG ERROR 'x'\n"
    "    }\n  END IF\n"
    "END";

static void both_dialects_build_the_same_tree(void **state) {
    (void)state;
    parsed *a = parse(newest), *b = parse(baseline);
    assert_int_equal(a->diags.nerrors, 0);
    assert_int_equal(b->diags.nerrors, 0);
    nf_cc_block *x = body(a), *y = body(b);
    assert_int_equal(x->n, 2);
    assert_int_equal(y->n, 2);
    assert_int_equal(x->stmts[0]->kind, NF_ST_AGGREGATE);
    assert_int_equal(y->stmts[0]->kind, NF_ST_AGGREGATE);
    nf_cc_stmt *ci = x->stmts[1]->u.if_.bodies[0].stmts[0],
               *cj = y->stmts[1]->u.if_.bodies[0].stmts[0];
    assert_int_equal(ci->kind, NF_ST_COMMIT);
    assert_int_equal(cj->kind, NF_ST_COMMIT);
    assert_int_equal(ci->on_error.kind, NF_H_CUSTOM_NO_ROLLBACK);
    assert_int_equal(cj->on_error.kind, NF_H_CUSTOM_NO_ROLLBACK);
    assert_int_equal(ci->on_error.body.n, 1);
    assert_int_equal(cj->on_error.body.n, 1);
    done(a);
    done(b);
}

static void list_operations_keyword_and_call_forms(void **state) {
    (void)state;
    parsed *p = parse(
        "create nanoflow M.F ($L: List of M.E, $K: List of M.E) begin\n"
        "  $a = head $L; $b = head($L);\n"
        "  $c = filter $L where $currentObject/X > 1; $d = filter($L, $currentObject/X > 1);\n"
        "  $e = subtract $K from $L; $f = sort $L by X desc, Y;\n"
        "  $g = find $L by X = 3; $h = range $L offset 1 limit 2;\n"
        "  $i = sum $L by X; $j = sum($L.X); $k = reduce $L from 0 as Integer using $currentResult "
        "+ 1;\n"
        "end;");
    assert_int_equal(p->diags.nerrors, 0);
    nf_cc_block *b = body(p);
    assert_int_equal(b->n, 11);
    assert_int_equal(b->stmts[0]->u.listop.op, NF_LO_HEAD);
    assert_int_equal(b->stmts[1]->u.listop.op, NF_LO_HEAD);
    assert_int_equal(b->stmts[2]->u.listop.op, NF_LO_FILTER);
    assert_int_equal(b->stmts[3]->u.listop.op, NF_LO_FILTER);
    /* subtract $K from $L = L minus K */
    assert_string_equal(b->stmts[4]->u.listop.list->u.var->s, "L");
    assert_string_equal(b->stmts[4]->u.listop.other->u.var->s, "K");
    assert_int_equal(b->stmts[5]->u.listop.nsort, 2);
    assert_true(b->stmts[5]->u.listop.sort[0].desc);
    assert_int_equal(b->stmts[6]->u.listop.op, NF_LO_FIND_BY);
    assert_int_equal(b->stmts[8]->kind, NF_ST_AGGREGATE);
    assert_true(b->stmts[9]->u.aggregate.has_attr);
    assert_int_equal(b->stmts[10]->u.aggregate.op, NF_AG_REDUCE);
    done(p);
}

static void retrieve_with_xpath_sorting_and_range(void **state) {
    (void)state;
    parsed *p = parse("create nanoflow M.F () begin\n"
                      "  retrieve $o from M.Order where [Status = 'Open' and starts-with(Name, "
                      "'A')][Total > 10]\n"
                      "    sort by Date desc first;\n"
                      "  retrieve $c from $o/M.Order_Customer;\n"
                      "end;");
    assert_int_equal(p->diags.nerrors, 0);
    nf_cc_stmt *r = body(p)->stmts[0];
    assert_int_equal(r->kind, NF_ST_RETRIEVE);
    assert_true(r->u.retrieve.first);
    assert_true(r->u.retrieve.where_is_xpath);
    assert_int_equal(r->u.retrieve.where->op, NF_OP_AND); /* [A][B] = [A and B] */
    nf_cc_expr *first = r->u.retrieve.where->u.bin.a->u.pred.inner;
    assert_int_equal(first->u.bin.b->kind, NF_EX_CALL);
    assert_string_equal(first->u.bin.b->u.call.name.full->s, "starts-with");
    assert_non_null(body(p)->stmts[1]->u.retrieve.assoc);
    done(p);
}

static void try_catch_and_synchronize(void **state) {
    (void)state;
    parsed *p = parse(
        "create nanoflow M.F ($o: M.E) begin\n"
        "  try\n    synchronize $o;\n  catch\n    show message 'failed' type Warning;\n  end try;\n"
        "end;");
    assert_int_equal(p->diags.nerrors, 0);
    nf_cc_stmt *t = body(p)->stmts[0];
    assert_int_equal(t->kind, NF_ST_TRY);
    assert_int_equal(t->u.try_.body.stmts[0]->u.sync.mode, NF_SYNC_OBJECTS);
    assert_int_equal(t->u.try_.handler.stmts[0]->kind, NF_ST_SHOW_MESSAGE);
    done(p);
}

static void annotations_and_comments_are_accepted_where_describe_puts_them(void **state) {
    (void)state;
    parsed *p = parse(
        "/** Validates */\n@position(10, 20)\ncreate or modify nanoflow M.F (@position(1,2) $p: "
        "Integer)\n"
        "begin\n  @position(100, 100)\n  @caption 'Check it'\n  @anchor(true: (from: right, to: "
        "left))\n"
        "  if $p > 1 then -- Empty action\n    @excluded\n    log info node 'Application' 'big';\n"
        "  end if;\nend;");
    assert_int_equal(p->diags.nerrors, 0);
    assert_true(p->unit.decls[0]->or_modify);
    assert_string_equal(p->unit.decls[0]->doc, " Validates ");
    assert_int_equal(body(p)->n, 1);
    done(p);
}

static void lua_actions_and_the_offline_profile(void **state) {
    (void)state;
    parsed *p = parse("create lua action Geo.Distance (A: Decimal, B: Decimal) returns Decimal\n"
                      "$$ return A - B $$;\n"
                      "create offline profile Sales.Mobile (\n"
                      "  Sales.Order download all conflict revision Revision,\n"
                      "  Sales.Customer download by xpath '[Active = true()]',\n"
                      "  Sales.Draft download never, Sales.Report online,\n"
                      "  Sales.Feedback download nothing clear );");
    assert_int_equal(p->diags.nerrors, 0);
    assert_int_equal(p->unit.ndecls, 2);
    nf_cc_decl *a = p->unit.decls[0], *pr = p->unit.decls[1];
    assert_int_equal(a->u.action.kind, NF_ACTION_LUA);
    assert_int_equal(a->u.action.source_len, 14);
    assert_int_equal(pr->u.profile.n, 5);
    assert_int_equal(pr->u.profile.entries[0].conflict, NF_CONFLICT_REVISION);
    assert_int_equal(pr->u.profile.entries[1].download, NF_DL_XPATH);
    assert_non_null(pr->u.profile.entries[1].xpath);
    assert_int_equal(pr->u.profile.entries[3].download, NF_DL_ONLINE);
    done(p);
}

static void every_syntax_error_of_a_file_is_reported(void **state) {
    (void)state;
    parsed *p = parse("create nanoflow M.F () begin\n"
                      "  declare $a Integer = ;\n"
                      "  declare $b Integer = 1;\n"
                      "  set $b = (1 + ;\n"
                      "  log info 'fine';\n"
                      "end;\n"
                      "create entity M.E ( A: );\n"
                      "create nanoflow M.G () begin return; end;");
    assert_int_equal(p->diags.nerrors, 3);
    nf_cc_block *b = body(p);
    assert_int_equal(b->n, 3);                         /* the two good statements survive… */
    assert_int_equal(b->stmts[0]->kind, NF_ST_BROKEN); /* …and $a stays defined */
    assert_string_equal(b->stmts[0]->u.forbidden.var->s, "a");
    assert_int_equal(b->stmts[1]->kind, NF_ST_DECLARE);
    assert_int_equal(b->stmts[2]->kind, NF_ST_LOG);
    bool g = false;
    for (uint32_t i = 0; i < p->unit.ndecls; i++)
        g |= p->unit.decls[i]->kind == NF_DECL_FLOW &&
             strcmp(p->unit.decls[i]->name.full->s, "M.G") == 0;
    assert_true(g); /* and so does the next declaration */
    done(p);
}

static void statements_the_runtime_does_not_run_are_skipped_with_a_warning(void **state) {
    (void)state;
    parsed *p =
        parse("create page M.Home ( Title: 'Home' ) { layoutgrid g { row r { column c { } } } };\n"
              "create workflow M.W begin userTask t end workflow;\n"
              "alter entity M.E add attribute X: Integer;\n"
              "create module M;");
    assert_int_equal(p->diags.nerrors, 0);
    assert_int_equal(p->diags.nwarnings, 3);
    for (unsigned i = 0; i < p->diags.n; i++)
        assert_int_equal(p->diags.items[i].code, NF_D_SKIPPED_STATEMENT);
    assert_int_equal(p->unit.decls[p->unit.ndecls - 1]->kind, NF_DECL_MODULE);
    done(p);
}

static void grants_in_both_spellings(void **state) {
    (void)state;
    parsed *p = parse("grant Shop.User on Shop.Order (create, read *, write (Status, Note)) where "
                      "'[Owner = ''[%CurrentUser%]'']';\n"
                      "grant read *, write (Status) on entity Shop.Order to Shop.User, Shop.Admin "
                      "where [Status != 'Closed'];\n"
                      "grant execute on nanoflow Shop.F to Shop.User;");
    assert_int_equal(p->diags.nerrors, 0);
    assert_int_equal(p->unit.ndecls, 3);
    nf_cc_decl *a = p->unit.decls[0], *b = p->unit.decls[1];
    assert_true(a->u.grant_entity.rights.create);
    assert_true(a->u.grant_entity.rights.read_all);
    assert_int_equal(a->u.grant_entity.rights.nwrite, 2);
    assert_non_null(a->u.grant_entity.xpath);
    assert_int_equal(b->u.grant_entity.nroles, 2);
    assert_int_equal(p->unit.decls[2]->kind, NF_DECL_GRANT_FLOW);
    done(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_nanoflow_declaration),
        cmocka_unit_test(multiplication_binds_tighter_than_addition),
        cmocka_unit_test(and_binds_tighter_than_or_and_comparisons_tighter_than_and),
        cmocka_unit_test(div_and_colon_are_division),
        cmocka_unit_test(not_with_parentheses_is_a_function_call),
        cmocka_unit_test(slash_after_a_variable_is_a_member_path),
        cmocka_unit_test(slash_between_numbers_is_an_error_naming_div),
        cmocka_unit_test(if_then_else_expressions_and_enum_values),
        cmocka_unit_test(both_dialects_build_the_same_tree),
        cmocka_unit_test(list_operations_keyword_and_call_forms),
        cmocka_unit_test(retrieve_with_xpath_sorting_and_range),
        cmocka_unit_test(try_catch_and_synchronize),
        cmocka_unit_test(annotations_and_comments_are_accepted_where_describe_puts_them),
        cmocka_unit_test(lua_actions_and_the_offline_profile),
        cmocka_unit_test(every_syntax_error_of_a_file_is_reported),
        cmocka_unit_test(statements_the_runtime_does_not_run_are_skipped_with_a_warning),
        cmocka_unit_test(grants_in_both_spellings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
