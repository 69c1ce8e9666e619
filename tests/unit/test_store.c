/* test_store.c — specification of the local database behind nf_config.database: what a file
 * keeps across runtimes, how every kind of bad file is refused without being changed, how the
 * schema follows the model (additive changes in place, destructive ones keep the data and are
 * reported), and the rows a commit writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "nanoflow.h"
#include "std_store.h"

#define NOTES_V1                                                                                   \
    "create module Notes;\n"                                                                       \
    "create persistent entity Notes.Note (Text: String(200), Pinned: Boolean, Score: Decimal);\n"  \
    "create persistent entity Notes.Tag (Label: String(20));\n"                                    \
    "create association Notes.Note_Tag from Notes.Note to Notes.Tag;\n"                            \
    "create nanoflow Notes.Add ($Text: String, $Score: Decimal) returns Integer\n"                 \
    "begin\n"                                                                                      \
    "  $T = create Notes.Tag (Label = 'work');\n"                                                  \
    "  commit $T;\n"                                                                               \
    "  $N = create Notes.Note (Text = $Text, Score = $Score, Notes.Note_Tag = $T);\n"              \
    "  commit $N;\n"                                                                               \
    "  retrieve $All from Notes.Note;\n"                                                           \
    "  $C = count($All);\n"                                                                        \
    "  return $C;\n"                                                                               \
    "end;\n"                                                                                       \
    "create nanoflow Notes.Count () returns Integer\n"                                             \
    "begin\n"                                                                                      \
    "  retrieve $All from Notes.Note;\n"                                                           \
    "  $C = count($All);\n"                                                                        \
    "  return $C;\n"                                                                               \
    "end;\n"                                                                                       \
    "create nanoflow Notes.Synced ($Text: String) returns String\n"                                \
    "begin\n"                                                                                      \
    "  retrieve $N from Notes.Note where [Text = $Text] first;\n"                                  \
    "  declare $Before Boolean = isSynced($N);\n"                                                  \
    "  change $N (Pinned = true);\n"                                                               \
    "  return toString($Before) + ' ' + toString(isSynced($N));\n"                                 \
    "end;\n"                                                                                       \
    "create nanoflow Notes.Delete ($Text: String) returns Integer\n"                               \
    "begin\n"                                                                                      \
    "  retrieve $N from Notes.Note where [Text = $Text] first;\n"                                  \
    "  delete $N;\n"                                                                               \
    "  retrieve $All from Notes.Note;\n"                                                           \
    "  $C = count($All);\n"                                                                        \
    "  return $C;\n"                                                                               \
    "end;\n"                                                                                       \
    "create nanoflow Notes.FirstTag () returns String\n"                                           \
    "begin\n"                                                                                      \
    "  retrieve $N from Notes.Note sort by Text asc limit 1;\n"                                    \
    "  retrieve $T from $N/Notes.Note_Tag;\n"                                                      \
    "  return $T/Label;\n"                                                                         \
    "end;\n"

/* v2: an attribute added (additive), one retyped and one removed (destructive). */
#define NOTES_V2                                                                                   \
    "create module Notes;\n"                                                                       \
    "create persistent entity Notes.Note (Text: String(200), Score: Integer, Color: String(10) "   \
    "default 'blue');\n"                                                                           \
    "create persistent entity Notes.Tag (Label: String(20));\n"                                    \
    "create association Notes.Note_Tag from Notes.Note to Notes.Tag;\n"                            \
    "create nanoflow Notes.Colors () returns String\n"                                             \
    "begin\n"                                                                                      \
    "  retrieve $All from Notes.Note sort by Text asc;\n"                                          \
    "  declare $S String = '';\n"                                                                  \
    "  loop $N in $All begin\n"                                                                    \
    "    set $S = $S + $N/Text + '=' + $N/Color + ';';\n"                                          \
    "  end loop;\n"                                                                                \
    "  return $S;\n"                                                                               \
    "end;\n"

typedef struct fixture {
    char dir[64];
    char path[128];
    char logs[2048];
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/nf_store_XXXXXX");
    if (!f || !mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/app.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static nf_module *compile(const char *text) {
    const char *names[] = {"app.mdl"};
    const char *texts[] = {text};
    nf_module *m = NULL;
    char *diags = NULL;
    size_t lens[] = {strlen(text)};
    nf_status st = nf_module_compile(names, texts, lens, 1, &m, &diags);
    if (st != NF_OK) fprintf(stderr, "%s", diags ? diags : "");
    nf_free(diags);
    assert_int_equal(st, NF_OK);
    return m;
}

static void on_log(void *ud, nf_runtime *rt, nf_log_level level, const char *node,
                   const char *text) {
    (void)rt;
    fixture *f = ud;
    size_t n = strlen(f->logs);
    snprintf(f->logs + n, sizeof f->logs - n, "%d %s: %s\n", (int)level, node, text);
}

/* Opens a runtime on the fixture's file (or `path`); NULL with *error when it cannot. */
static nf_runtime *open_rt(fixture *f, nf_module *m, const char *path, char **error) {
    nf_config cfg;
    nf_config_init(&cfg);
    cfg.database = path ? path : f->path;
    cfg.host.ud = f;
    cfg.host.log = on_log;
    nf_runtime *rt = NULL;
    nf_status st = nf_runtime_new(m, &cfg, &rt, error);
    if (st != NF_OK) assert_null(rt);
    return rt;
}

static char *call_text(nf_runtime *rt, const char *flow, const char *const *names,
                       const char *const *values, size_t n) {
    nf_value *v = NULL;
    nf_status st = nf_call_text(rt, flow, names, values, n, &v);
    char *out;
    if (st == NF_OK) {
        out = nf_value_to_text(v);
    } else {
        const char *msg = nf_runtime_error_message(rt);
        out = malloc(strlen(msg) + 32);
        sprintf(out, "error: %s", msg);
    }
    nf_value_free(v);
    return out;
}

static void expect_call(nf_runtime *rt, const char *flow, const char *want) {
    char *got = call_text(rt, flow, NULL, NULL, 0);
    assert_string_equal(got, want);
    free(got);
}

static void add_note(nf_runtime *rt, const char *text, const char *score, const char *want) {
    const char *names[] = {"Text", "Score"};
    const char *values[] = {text, score};
    char *got = call_text(rt, "Notes.Add", names, values, 2);
    assert_string_equal(got, want);
    free(got);
}

static void write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static char *read_file(const char *path) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* One value of a SQL query on the file (text), checked with the plain sqlite3 library. */
static void sql_value(const char *path, const char *sql, char *out, size_t n) {
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Ids are read by the hundred thousand: the parser takes exactly the 8-4-4-4-12 hex form. */
static void ids_parse_only_in_the_uuid_form(void **state) {
    (void)state;
    uint8_t id[16];
    char back[37];
    assert_true(nf_std_uuid_parse("01a20f7b-5894-7560-8ffa-c197b4204dcb", 36, id));
    nf_std_uuid_text(id, back);
    assert_string_equal(back, "01a20f7b-5894-7560-8ffa-c197b4204dcb");
    assert_true(nf_std_uuid_parse("01A20F7B-5894-7560-8FFA-C197B4204DCB", 36, id));
    assert_false(nf_std_uuid_parse("01a20f7b-5894-7560-8ffa-c197b4204dcg", 36, id));
    assert_false(nf_std_uuid_parse("x1a20f7b-5894-7560-8ffa-c197b4204dcb", 36, id));
    assert_false(nf_std_uuid_parse("01a20f7b-5894-7560-8ffa-c197b4204dc ", 36, id));
    assert_false(nf_std_uuid_parse("01a20f7b05894-7560-8ffa-c197b4204dcb", 36, id));
    assert_false(nf_std_uuid_parse("01a20f7b-5894-7560-8ffa-c197b4204dc", 35, id));
    assert_false(nf_std_uuid_parse(NULL, 0, id));
}

/* ---- what a file keeps ------------------------------------------------------------------------
 */

static void commits_survive_the_runtime(void **state) {
    fixture *f = *state;
    nf_module *m = compile(NOTES_V1);
    nf_runtime *rt = open_rt(f, m, NULL, NULL);
    assert_non_null(rt);
    add_note(rt, "first", "1.5", "1");
    add_note(rt, "second", "2", "2");
    nf_runtime_free(rt);
    rt = open_rt(f, m, NULL, NULL);
    assert_non_null(rt);
    expect_call(rt, "Notes.Count", "2");
    /* the reference column was written and is followed after a fresh load */
    expect_call(rt, "Notes.FirstTag", "work");
    nf_runtime_free(rt);
    char v[200];
    sql_value(f->path, "PRAGMA integrity_check", v, sizeof v);
    assert_string_equal(v, "ok");
    sql_value(f->path, "SELECT value FROM _nf_meta WHERE key = 'seq'", v, sizeof v);
    assert_string_equal(v, "4"); /* four commit actions */
    sql_value(f->path, "SELECT Score FROM \"Notes.Note\" WHERE Text = 'first'", v, sizeof v);
    assert_string_equal(v, "1.5"); /* Decimals as plain text */
    sql_value(f->path, "SELECT _state FROM \"Notes.Note\" WHERE Text = 'first'", v, sizeof v);
    assert_string_equal(v, "1"); /* new: never synchronized */
    sql_value(f->path, "PRAGMA journal_mode", v, sizeof v);
    assert_string_equal(v, "wal");
    nf_module_free(m);
}

static void without_a_file_the_database_is_in_memory(void **state) {
    (void)state;
    nf_module *m = compile(NOTES_V1);
    for (int i = 0; i < 2; i++) {
        nf_runtime *rt;
        assert_int_equal(nf_runtime_new(m, NULL, &rt, NULL), NF_OK);
        add_note(rt, "x", "1", "1");
        nf_runtime_free(rt);
    }
    nf_module_free(m);
}

static int64_t fixed_now(void *ud) {
    (void)ud;
    return 1767225600000; /* 2026-01-01 */
}
static uint64_t same_bits(void *ud) {
    (void)ud;
    return 42;
}

/* A deterministic host (same clock, same "random" bits every time) makes every runtime generate
 * the same ids; a new object whose id is taken gets another one instead of overwriting. */
static void repeated_ids_never_overwrite_a_row(void **state) {
    fixture *f = *state;
    nf_module *m = compile(NOTES_V1);
    for (int i = 1; i <= 3; i++) {
        nf_config cfg;
        nf_config_init(&cfg);
        cfg.database = f->path;
        cfg.host.now = fixed_now;
        cfg.host.random = same_bits;
        nf_runtime *rt;
        assert_int_equal(nf_runtime_new(m, &cfg, &rt, NULL), NF_OK);
        char want[8];
        snprintf(want, sizeof want, "%d", i);
        add_note(rt, "again", "1", want);
        nf_runtime_free(rt);
    }
    char v[100];
    sql_value(f->path, "SELECT count(DISTINCT _id) FROM \"Notes.Tag\"", v, sizeof v);
    assert_string_equal(v, "3");
    nf_module_free(m);
}

static void call1(nf_runtime *rt, const char *flow, const char *text, const char *want) {
    const char *names[] = {"Text"};
    const char *values[] = {text};
    char *got = call_text(rt, flow, names, values, 1);
    assert_string_equal(got, want);
    free(got);
}

/* Offline delete: a row the server has stays, marked deleted, for the next synchronization; a
 * row that never reached it goes. isSynced is true only for an unchanged synchronized row. */
static void delete_follows_the_offline_rules(void **state) {
    fixture *f = *state;
    nf_module *m = compile(NOTES_V1);
    nf_runtime *rt = open_rt(f, m, NULL, NULL);
    add_note(rt, "on the server", "1", "1");
    add_note(rt, "local only", "1", "2");
    nf_runtime_free(rt);
    sqlite3 *db; /* what a synchronization would have done */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE \"Notes.Note\" SET _state = 0 WHERE Text = 'on the "
                                  "server'",
                                  0, 0, 0),
                     SQLITE_OK);
    sqlite3_close(db);
    rt = open_rt(f, m, NULL, NULL);
    call1(rt, "Notes.Synced", "on the server", "true false");
    call1(rt, "Notes.Synced", "local only", "false false");
    nf_runtime_free(rt);
    rt = open_rt(f, m, NULL, NULL);
    call1(rt, "Notes.Delete", "on the server", "1");
    call1(rt, "Notes.Delete", "local only", "0");
    nf_runtime_free(rt);
    char v[100];
    sql_value(f->path, "SELECT group_concat(Text || ':' || _state) FROM \"Notes.Note\"", v,
              sizeof v);
    assert_string_equal(v, "on the server:3");
    nf_module_free(m);
}

/* ---- bad files: refused with a clear message, never changed -----------------------------------
 */

static void refuses_and_keeps(fixture *f, nf_module *m, const char *path, const char *why) {
    char before[8192];
    snprintf(before, sizeof before, "%s", read_file(path));
    char *err = NULL;
    nf_runtime *rt = open_rt(f, m, path, &err);
    assert_null(rt);
    assert_non_null(err);
    if (!strstr(err, why)) fail_msg("message '%s' does not say '%s'", err, why);
    assert_non_null(strstr(err, path));
    nf_free(err);
    assert_string_equal(read_file(path), before);
}

static void a_file_that_is_not_a_database(void **state) {
    fixture *f = *state;
    nf_module *m = compile(NOTES_V1);
    write_file(f->path, "these are my notes, not a database\n");
    refuses_and_keeps(f, m, f->path, "not a SQLite database");
    nf_module_free(m);
}

static void another_programs_database(void **state) {
    fixture *f = *state;
    nf_module *m = compile(NOTES_V1);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE contacts(name); INSERT INTO contacts "
                                  "VALUES('ann')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    char *err = NULL;
    assert_null(open_rt(f, m, NULL, &err));
    assert_non_null(strstr(err, "not a nanoflow database"));
    nf_free(err);
    char v[100];
    sql_value(f->path, "SELECT name FROM contacts", v, sizeof v);
    assert_string_equal(v, "ann");
    sql_value(f->path, "SELECT count(*) FROM sqlite_master", v, sizeof v);
    assert_string_equal(v, "1");
    nf_module_free(m);
}

static void another_apps_database(void **state) {
    fixture *f = *state;
    nf_module *m = compile(NOTES_V1);
    nf_runtime *rt = open_rt(f, m, NULL, NULL);
    add_note(rt, "mine", "1", "1");
    nf_runtime_free(rt);
    nf_module *other = compile("create module Crm;\n"
                               "create persistent entity Crm.Lead (Name: String(20));\n");
    char *err = NULL;
    assert_null(open_rt(f, other, NULL, &err));
    assert_non_null(strstr(err, "belongs to another app (modules Notes; this app has Crm)"));
    nf_free(err);
    rt = open_rt(f, m, NULL, NULL);
    expect_call(rt, "Notes.Count", "1");
    nf_runtime_free(rt);
    nf_module_free(other);
    nf_module_free(m);
}

static void a_newer_format(void **state) {
    fixture *f = *state;
    nf_module *m = compile(NOTES_V1);
    nf_runtime_free(open_rt(f, m, NULL, NULL));
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "UPDATE _nf_meta SET value = '9' WHERE key = 'format'", 0, 0, 0),
        SQLITE_OK);
    sqlite3_close(db);
    char *err = NULL;
    assert_null(open_rt(f, m, NULL, &err));
    assert_non_null(strstr(err, "its format (9) is newer than this nanoflow's (1)"));
    nf_free(err);
    nf_module_free(m);
}

static void a_corrupt_file(void **state) {
    fixture *f = *state;
    nf_module *m = compile(NOTES_V1);
    nf_runtime *rt = open_rt(f, m, NULL, NULL);
    const char *names[] = {"Text", "Score"};
    const char *values[] = {"some text to fill a few pages of the database file", "1"};
    for (int i = 0; i < 40; i++)
        free(call_text(rt, "Notes.Add", names, values, 2));
    nf_runtime_free(rt);
    /* checkpointed into the main file by the last close; now damage every page after the first */
    FILE *fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    assert_true(size > 4096);
    for (long off = 4096 + 100; off < size; off += 512) {
        fseek(fp, off, SEEK_SET);
        fputs("\xff\xfe garbage garbage garbage", fp);
    }
    fclose(fp);
    char *err = NULL;
    rt = open_rt(f, m, NULL, &err);
    if (rt) { /* the damage may only show when the rows are read: a clear error, no crash */
        char *got = call_text(rt, "Notes.Count", NULL, NULL, 0);
        assert_non_null(strstr(got, "corrupt"));
        free(got);
        nf_runtime_free(rt);
    } else {
        assert_non_null(strstr(err, "corrupt"));
        nf_free(err);
    }
    nf_module_free(m);
}

static void a_read_only_file(void **state) {
    fixture *f = *state;
    nf_module *m = compile(NOTES_V1);
    nf_runtime_free(open_rt(f, m, NULL, NULL));
    char uri[200];
    snprintf(uri, sizeof uri, "file:%s?mode=ro", f->path);
    char *err = NULL;
    assert_null(open_rt(f, m, uri, &err));
    assert_non_null(strstr(err, "read-only"));
    nf_free(err);
    nf_module_free(m);
}

static void a_locked_file(void **state) {
    fixture *f = *state;
    nf_module *m = compile(NOTES_V1);
    nf_runtime *rt = open_rt(f, m, NULL, NULL);
    assert_non_null(rt);
    /* another process holds the write lock: a commit fails with a catchable, clear error */
    sqlite3 *other;
    assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", 0, 0, 0), SQLITE_OK);
    const char *names[] = {"Text", "Score"};
    const char *values[] = {"blocked", "1"};
    char *got = call_text(rt, "Notes.Add", names, values, 2);
    assert_non_null(strstr(got, "locked by another process"));
    free(got);
    /* a model change cannot be applied while it is locked either */
    nf_module *v2 = compile(NOTES_V2);
    char *err = NULL;
    assert_null(open_rt(f, v2, NULL, &err));
    assert_non_null(strstr(err, "locked by another process"));
    nf_free(err);
    sqlite3_exec(other, "ROLLBACK", 0, 0, 0);
    sqlite3_close(other);
    add_note(rt, "free again", "1", "1");
    nf_runtime_free(rt);
    nf_module_free(v2);
    nf_module_free(m);
}

/* ---- the schema follows the model ------------------------------------------------------------ */

static void model_changes_migrate_and_keep_data(void **state) {
    fixture *f = *state;
    nf_module *v1 = compile(NOTES_V1);
    nf_runtime *rt = open_rt(f, v1, NULL, NULL);
    add_note(rt, "a", "1.25", "1");
    add_note(rt, "b", "7", "2");
    nf_runtime_free(rt);
    nf_module *v2 = compile(NOTES_V2);
    rt = open_rt(f, v2, NULL, NULL);
    assert_non_null(rt);
    /* the new attribute reads empty for old rows (defaults apply to new objects only) */
    expect_call(rt, "Notes.Colors", "a=;b=;");
    nf_runtime_free(rt);
    assert_non_null(strstr(f->logs, "3 LocalDatabase: Notes.Note.Score changed type (column "
                                    "type DECIMAL_TEXT, now INTEGER): the old values stay in "
                                    "column Score$old_DECIMAL_TEXT (2 unsynchronized rows have "
                                    "one)"));
    assert_non_null(strstr(f->logs, "Notes.Note has a column \"Pinned\" the model no longer has"));
    char v[100];
    sql_value(f->path, "SELECT \"Score$old_DECIMAL_TEXT\" FROM \"Notes.Note\" WHERE Text = 'a'", v,
              sizeof v);
    assert_string_equal(v, "1.25");
    sql_value(f->path, "PRAGMA integrity_check", v, sizeof v);
    assert_string_equal(v, "ok");
    /* reported once: the next open finds the schema current */
    f->logs[0] = '\0';
    nf_runtime_free(open_rt(f, v2, NULL, NULL));
    assert_string_equal(f->logs, "");
    nf_module_free(v2);
    nf_module_free(v1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ids_parse_only_in_the_uuid_form),
        cmocka_unit_test_setup_teardown(commits_survive_the_runtime, setup, teardown),
        cmocka_unit_test_setup_teardown(without_a_file_the_database_is_in_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(repeated_ids_never_overwrite_a_row, setup, teardown),
        cmocka_unit_test_setup_teardown(delete_follows_the_offline_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_that_is_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(another_programs_database, setup, teardown),
        cmocka_unit_test_setup_teardown(another_apps_database, setup, teardown),
        cmocka_unit_test_setup_teardown(a_newer_format, setup, teardown),
        cmocka_unit_test_setup_teardown(a_corrupt_file, setup, teardown),
        cmocka_unit_test_setup_teardown(a_read_only_file, setup, teardown),
        cmocka_unit_test_setup_teardown(a_locked_file, setup, teardown),
        cmocka_unit_test_setup_teardown(model_changes_migrate_and_keep_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
