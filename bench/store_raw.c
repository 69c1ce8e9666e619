/* store_raw.c — the raw SQLite peer of the store benchmark (bench/store.sh): the work of the
 * flows of bench/store/app.mdl written directly against SQLite's C API, on the schema nanoflow's
 * store creates (stdlib/std_store.h), the way a C app keeping its objects in that database would.
 *
 *   store_raw commit FILE N      creates the schema in an empty FILE, builds N item structs
 *                                (UUIDv7 ids, as nanoflow makes them) and inserts them with one
 *                                prepared INSERT in one transaction; prints N
 *   store_raw retrieve FILE      SELECTs the items with Qty > 0 into an array of structs, then
 *                                sums their prices; prints "count:sum"
 *   store_raw assoc FILE PASSES  reads the orders into structs, then PASSES times per order runs
 *                                one prepared SELECT on the Reference column, reads the rows
 *                                into structs and sums their prices; prints "count:sum"
 *   store_raw schema FILE        prints the schema (sqlite_master) for comparison
 *   store_raw summary FILE       prints a summary of the items (rows, states, Qty and Price sums)
 *   store_raw -v                 prints the SQLite version it runs on
 *
 * Every connection is set up as nanoflow's: WAL, synchronous FULL, a 2 s busy timeout. Prices are
 * exact: Decimal text parsed to integer cents (the benchmark's prices have two decimals at
 * most), printed like nanoflow's toString of a Decimal. Exit status 1 on any SQLite error. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

/* The schema nanoflow's store creates for bench/store/app.mdl (from `sqlite3 FILE .schema` of a
 * database nanoflow made; bench/store.sh checks that both sides' files have the same). */
static const char *const schema_sql[] = {
    "CREATE TABLE _nf_meta (key TEXT PRIMARY KEY NOT NULL, value)",
    "CREATE TABLE \"System.User\" (_id TEXT PRIMARY KEY NOT NULL, _state INTEGER NOT NULL "
    "DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"Name\" TEXT, \"Password\" TEXT, "
    "\"LastLogin\" DATETIME_INT, \"Blocked\" BOOLEAN_INT, \"Active\" BOOLEAN_INT, "
    "\"WebServiceUser\" BOOLEAN_INT, \"IsAnonymous\" BOOLEAN_INT) WITHOUT ROWID",
    "CREATE TABLE \"System.UserRole\" (_id TEXT PRIMARY KEY NOT NULL, _state INTEGER NOT NULL "
    "DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"Name\" TEXT, \"Description\" TEXT) "
    "WITHOUT ROWID",
    "CREATE TABLE \"System.FileDocument\" (_id TEXT PRIMARY KEY NOT NULL, _state INTEGER NOT "
    "NULL DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"FileID\" INTEGER, \"Name\" "
    "TEXT, \"DeleteAfterDownload\" BOOLEAN_INT, \"Contents\" BLOB, \"HasContents\" BOOLEAN_INT, "
    "\"Size\" INTEGER) WITHOUT ROWID",
    "CREATE TABLE \"System.Image\" (_id TEXT PRIMARY KEY NOT NULL, _state INTEGER NOT NULL "
    "DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"FileID\" INTEGER, \"Name\" TEXT, "
    "\"DeleteAfterDownload\" BOOLEAN_INT, \"Contents\" BLOB, \"HasContents\" BOOLEAN_INT, "
    "\"Size\" INTEGER, \"PublicThumbnailPath\" TEXT, \"EnableCaching\" BOOLEAN_INT) WITHOUT "
    "ROWID",
    "CREATE TABLE \"System.SynchronizationError\" (_id TEXT PRIMARY KEY NOT NULL, _state "
    "INTEGER NOT NULL DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"Reason\" TEXT, "
    "\"ObjectId\" TEXT, \"ObjectType\" TEXT, \"ObjectContent\" TEXT) WITHOUT ROWID",
    "CREATE TABLE \"Bench.Order\" (_id TEXT PRIMARY KEY NOT NULL, _state INTEGER NOT NULL "
    "DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"Number\" INTEGER) WITHOUT ROWID",
    "CREATE TABLE \"Bench.Item\" (_id TEXT PRIMARY KEY NOT NULL, _state INTEGER NOT NULL "
    "DEFAULT 1, _changed TEXT, _rev INTEGER, _seq INTEGER, \"Name\" TEXT, \"Qty\" INTEGER, "
    "\"Price\" DECIMAL_TEXT, \"Bench.Item_Order\" REFERENCE_TEXT) WITHOUT ROWID",
    "CREATE INDEX \"Bench.Item$Bench.Item_Order\" ON \"Bench.Item\" (\"Bench.Item_Order\")",
    "INSERT INTO _nf_meta (key, value) VALUES ('format', '1'), ('seq', '0')",
};

#define ITEM_COLS "_id, _state, \"Name\", \"Qty\", \"Price\", \"Bench.Item_Order\""

/* An item as the app keeps it: binary ids, the name on the heap, the price in cents. */
typedef struct item {
    uint8_t id[16];
    uint8_t order[16]; /* the referenced order's id; has_order false: none */
    char *name;
    int64_t qty;
    int64_t price;
    int32_t state;
    bool has_order;
} item;

typedef struct order {
    uint8_t id[16];
    int64_t number;
    int32_t state;
} order;

typedef struct items {
    item *v;
    size_t n, cap;
} items;

static void die(sqlite3 *db, const char *what) {
    fprintf(stderr, "store_raw: %s: %s\n", what, db ? sqlite3_errmsg(db) : "out of memory");
    exit(1);
}

static void *grow(void *p, size_t *cap, size_t size) {
    size_t c = *cap ? *cap * 2 : 64;
    void *g = realloc(p, c * size);
    if (!g) die(NULL, "growing an array");
    *cap = c;
    return g;
}

static void exec(sqlite3 *db, const char *sql) {
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) die(db, sql);
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        die(db, sql);
    return st;
}

static sqlite3 *open_db(const char *path) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        die(db, "opening the database");
    sqlite3_busy_timeout(db, 2000);
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db, "PRAGMA synchronous=FULL");
    return db;
}

static void close_db(sqlite3 *db) {
    if (sqlite3_close(db) != SQLITE_OK) die(db, "closing the database");
}

/* ---- ids: UUIDv7 text, as nanoflow's VM makes them (xorshift64*, 48-bit milliseconds) ------ */

static uint64_t next_random(uint64_t *rng) {
    uint64_t x = *rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static void new_id(uint64_t *rng, uint8_t id[16]) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    uint64_t r1 = next_random(rng), r2 = next_random(rng);
    for (int i = 0; i < 6; i++)
        id[i] = (uint8_t)(ms >> (40 - 8 * i));
    id[6] = (uint8_t)(0x70 | ((r1 >> 8) & 0x0F));
    id[7] = (uint8_t)r1;
    id[8] = (uint8_t)(0x80 | ((r2 >> 56) & 0x3F));
    for (int i = 9; i < 16; i++)
        id[i] = (uint8_t)(r2 >> (8 * (15 - i)));
}

static void id_text(const uint8_t id[16], char out[37]) {
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
        out[k++] = hex[id[i] >> 4];
        out[k++] = hex[id[i] & 15];
    }
    out[k] = '\0';
}

static int hexval(char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static bool id_parse(const char *s, int n, uint8_t id[16]) {
    if (!s || n != 36) return false;
    int k = 0;
    for (int i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
            i++;
            continue;
        }
        int a = hexval(s[i]), b = hexval(s[i + 1]);
        if (a < 0 || b < 0) return false;
        id[k++] = (uint8_t)(a << 4 | b);
        i += 2;
    }
    return true;
}

/* ---- prices: Decimal text <-> integer cents ------------------------------------------------ */

/* Decimal text without trailing zeros ("1", "1.5", "1.05"), as nanoflow stores and prints it. */
static void cents_text(int64_t c, char out[32]) {
    int64_t a = c < 0 ? -c : c, whole = a / 100, frac = a % 100;
    const char *sign = c < 0 ? "-" : "";
    if (frac == 0)
        snprintf(out, 32, "%s%lld", sign, (long long)whole);
    else if (frac % 10 == 0)
        snprintf(out, 32, "%s%lld.%lld", sign, (long long)whole, (long long)(frac / 10));
    else
        snprintf(out, 32, "%s%lld.%02lld", sign, (long long)whole, (long long)frac);
}

/* Parses Decimal text with at most two decimals; false for anything else. */
static bool cents_parse(const char *s, int n, int64_t *out) {
    if (!s || n <= 0) return false;
    int i = 0, digits = 0, frac = -1;
    bool neg = s[0] == '-';
    if (neg) i++;
    int64_t v = 0;
    for (; i < n; i++) {
        if (s[i] == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || frac >= 2 || digits >= 17) return false;
        v = v * 10 + (s[i] - '0');
        digits++;
        if (frac >= 0) frac++;
    }
    if (!digits) return false;
    for (int k = frac < 0 ? 0 : frac; k < 2; k++)
        v *= 10;
    *out = neg ? -v : v;
    return true;
}

/* ---- rows to structs ----------------------------------------------------------------------- */

/* Reads the row at st (ITEM_COLS) into it; false when the row is unreadable. */
static bool read_item(sqlite3_stmt *st, item *it) {
    if (!id_parse((const char *)sqlite3_column_text(st, 0), sqlite3_column_bytes(st, 0), it->id))
        return false;
    it->state = sqlite3_column_int(st, 1);
    const char *name = (const char *)sqlite3_column_text(st, 2);
    it->name = NULL;
    if (name) {
        size_t n = (size_t)sqlite3_column_bytes(st, 2);
        it->name = malloc(n + 1);
        if (!it->name) die(NULL, "reading a name");
        memcpy(it->name, name, n + 1);
    }
    it->qty = sqlite3_column_int64(st, 3);
    it->price = 0;
    if (sqlite3_column_type(st, 4) != SQLITE_NULL &&
        !cents_parse((const char *)sqlite3_column_text(st, 4), sqlite3_column_bytes(st, 4),
                     &it->price))
        return false;
    it->has_order =
        id_parse((const char *)sqlite3_column_text(st, 5), sqlite3_column_bytes(st, 5), it->order);
    return true;
}

/* Steps st to the end, appending its rows to l. */
static void read_items(sqlite3 *db, sqlite3_stmt *st, items *l) {
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (l->n == l->cap) l->v = grow(l->v, &l->cap, sizeof *l->v);
        if (read_item(st, &l->v[l->n])) l->n++;
    }
    if (rc != SQLITE_DONE) die(db, "reading items");
}

static void free_names(items *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    l->n = 0;
}

/* ---- the phases ---------------------------------------------------------------------------- */

static int commit(const char *path, int64_t n) {
    sqlite3 *db = open_db(path);
    exec(db, "BEGIN IMMEDIATE");
    for (size_t i = 0; i < sizeof schema_sql / sizeof *schema_sql; i++)
        exec(db, schema_sql[i]);
    exec(db, "COMMIT");

    /* the objects, as the app creates them before saving */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid();
    if (!rng) rng = 88172645463325252ull;
    item *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) die(NULL, "creating items");
    for (int64_t i = 0; i < n; i++) {
        char name[32];
        int len = snprintf(name, sizeof name, "Item %lld", (long long)i);
        new_id(&rng, v[i].id);
        v[i].name = malloc((size_t)len + 1);
        if (!v[i].name) die(NULL, "creating items");
        memcpy(v[i].name, name, (size_t)len + 1);
        v[i].qty = i % 10 + 1;
        v[i].price = 100 + i % 100;
        v[i].state = 1;
        v[i].has_order = false;
    }

    /* one transaction, one prepared statement (none for nothing, as nanoflow's commit) */
    sqlite3_stmt *ins = prepare(db, "INSERT INTO \"Bench.Item\" (_id, _state, _changed, _seq, "
                                    "\"Name\", \"Qty\", \"Price\", \"Bench.Item_Order\") VALUES "
                                    "(?1, 1, NULL, ?2, ?3, ?4, ?5, NULL)");
    sqlite3_stmt *seq = prepare(db, "UPDATE _nf_meta SET value = ?1 WHERE key = 'seq'");
    if (n) exec(db, "BEGIN IMMEDIATE");
    for (int64_t i = 0; i < n; i++) {
        char id[37], price[32];
        id_text(v[i].id, id);
        cents_text(v[i].price, price);
        sqlite3_bind_text(ins, 1, id, 36, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, 1);
        sqlite3_bind_text(ins, 3, v[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 4, v[i].qty);
        sqlite3_bind_text(ins, 5, price, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) die(db, "inserting an item");
        sqlite3_reset(ins);
    }
    if (n) {
        sqlite3_bind_int64(seq, 1, 1);
        if (sqlite3_step(seq) != SQLITE_DONE) die(db, "updating the commit counter");
        exec(db, "COMMIT");
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(seq);
    close_db(db);
    for (int64_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    printf("%lld\n", (long long)n);
    return 0;
}

static int retrieve(const char *path) {
    sqlite3 *db = open_db(path);
    sqlite3_stmt *st = prepare(db, "SELECT " ITEM_COLS " FROM \"Bench.Item\" WHERE _state != 3 "
                                   "AND \"Qty\" > ?1 ORDER BY _id");
    sqlite3_bind_int64(st, 1, 0);
    items l = {0};
    read_items(db, st, &l);
    sqlite3_finalize(st);
    int64_t sum = 0;
    for (size_t i = 0; i < l.n; i++)
        sum += l.v[i].price;
    char text[32];
    cents_text(sum, text);
    printf("%zu:%s\n", l.n, text);
    free_names(&l);
    free(l.v);
    close_db(db);
    return 0;
}

static int assoc(const char *path, int64_t passes) {
    sqlite3 *db = open_db(path);
    sqlite3_stmt *st =
        prepare(db, "SELECT _id, _state, \"Number\" FROM \"Bench.Order\" WHERE _state != 3 "
                    "ORDER BY _id");
    order *orders = NULL;
    size_t norders = 0, ocap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (norders == ocap) orders = grow(orders, &ocap, sizeof *orders);
        order *o = &orders[norders];
        if (!id_parse((const char *)sqlite3_column_text(st, 0), sqlite3_column_bytes(st, 0), o->id))
            continue;
        o->state = sqlite3_column_int(st, 1);
        o->number = sqlite3_column_int64(st, 2);
        norders++;
    }
    if (rc != SQLITE_DONE) die(db, "reading orders");
    sqlite3_finalize(st);

    st = prepare(db, "SELECT " ITEM_COLS " FROM \"Bench.Item\" WHERE _state != 3 AND "
                     "\"Bench.Item_Order\" = ?1 ORDER BY _id");
    items l = {0};
    int64_t count = 0, sum = 0;
    for (int64_t p = 0; p < passes; p++)
        for (size_t i = 0; i < norders; i++) {
            char id[37];
            id_text(orders[i].id, id);
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, id, 36, SQLITE_STATIC);
            read_items(db, st, &l);
            for (size_t k = 0; k < l.n; k++)
                sum += l.v[k].price;
            count += (int64_t)l.n;
            free_names(&l);
        }
    sqlite3_finalize(st);
    free(l.v);
    free(orders);
    close_db(db);
    char text[32];
    cents_text(sum, text);
    printf("%lld:%s\n", (long long)count, text);
    return 0;
}

static int schema(const char *path) {
    sqlite3 *db = open_db(path);
    sqlite3_stmt *st = prepare(db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY "
                                   "type, name");
    while (sqlite3_step(st) == SQLITE_ROW)
        printf("%s|%s|%s|%s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
               sqlite3_column_text(st, 2),
               sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "");
    sqlite3_finalize(st);
    close_db(db);
    return 0;
}

static int summary(const char *path) {
    sqlite3 *db = open_db(path);
    sqlite3_stmt *st =
        prepare(db, "SELECT _state, \"Qty\", \"Price\", \"Name\", \"Bench.Item_Order\" IS NULL, "
                    "_changed IS NULL AND _rev IS NULL, _seq FROM \"Bench.Item\"");
    int64_t rows = 0, qty = 0, price = 0, bad = 0, refs = 0, fresh = 0, seq = 0, names = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t c = 0;
        rows++;
        fresh += sqlite3_column_int(st, 0) == 1 && sqlite3_column_int(st, 5);
        qty += sqlite3_column_int64(st, 1);
        if (cents_parse((const char *)sqlite3_column_text(st, 2), sqlite3_column_bytes(st, 2), &c))
            price += c;
        else
            bad++;
        names += sqlite3_column_bytes(st, 3);
        refs += !sqlite3_column_int(st, 4);
        seq += sqlite3_column_int64(st, 6);
    }
    sqlite3_finalize(st);
    close_db(db);
    char text[32];
    cents_text(price, text);
    printf("rows %lld, new %lld, Qty sum %lld, Price sum %s (%lld unreadable), name bytes %lld, "
           "references %lld, _seq sum %lld\n",
           (long long)rows, (long long)fresh, (long long)qty, text, (long long)bad,
           (long long)names, (long long)refs, (long long)seq);
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: store_raw commit FILE N | retrieve FILE | assoc FILE PASSES | schema "
                    "FILE | summary FILE\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "-v") == 0) {
        printf("store_raw: raw SQLite C peer, SQLite %s\n", sqlite3_libversion());
        return 0;
    }
    if (argc < 3) return usage();
    const char *cmd = argv[1], *path = argv[2];
    char *end = NULL;
    long long n = argc > 3 ? strtoll(argv[3], &end, 10) : -1;
    bool number = argc == 4 && end && *end == '\0' && n >= 0;
    if (strcmp(cmd, "commit") == 0 && number) return commit(path, n);
    if (strcmp(cmd, "retrieve") == 0 && argc == 3) return retrieve(path);
    if (strcmp(cmd, "assoc") == 0 && number) return assoc(path, n);
    if (strcmp(cmd, "schema") == 0 && argc == 3) return schema(path);
    if (strcmp(cmd, "summary") == 0 && argc == 3) return summary(path);
    return usage();
}
