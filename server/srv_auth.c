/* srv_auth.c — users, passwords and sessions (§4): the model's demo users created at the first
 * start with their passwords hashed (libxcrypt, yescrypt "$y$"), login with a random bearer
 * token, sliding expiry, logout. */
#include <crypt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "srv_int.h"

void nf_srv_user_free(nf_srv_user *u) {
    free(u->module_roles);
    free(u->roles);
    u->module_roles = NULL;
    u->roles = NULL;
}

/* Hashes password with a new salt into out (at most n bytes). */
static bool hash_password(nf_srv *s, const char *password, char *out, size_t n) {
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    const char *prefix = s->cfg.hash_prefix ? s->cfg.hash_prefix : "$y$";
    if (!crypt_gensalt_rn(prefix, 0, NULL, 0, setting, sizeof setting)) return false;
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd) return false;
    const char *h = crypt_r(password, setting, cd);
    bool ok = h && h[0] != '*' && strlen(h) < n;
    if (ok) strcpy(out, h);
    free(cd);
    return ok;
}

/* Whether password matches hash (constant time in the comparison). */
static bool check_password(const char *password, const char *hash) {
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd) return false;
    const char *h = crypt_r(password, hash, cd);
    bool ok = false;
    if (h && h[0] != '*' && strlen(h) == strlen(hash)) {
        unsigned diff = 0;
        for (size_t i = 0; hash[i]; i++)
            diff |= (unsigned)(h[i] ^ hash[i]);
        ok = diff == 0;
    }
    free(cd);
    return ok;
}

/* The column of attribute `name` in table t, or -1. */
static int attr_col(nf_srv *s, const nf_std_table *t, const char *name) {
    for (uint32_t a = 0; a < t->nattrs; a++)
        if (!strcmp(s->m->strings[t->attrs[a]->name], name)) return (int)a;
    return -1;
}

/* Creates one demo user: its account row (entity table) and its password hash. */
static bool seed_user(nf_srv *s, const nf_bc_user *u, char *err, size_t errn) {
    const nf_bc_module *m = s->m;
    const char *name = m->strings[u->name];
    sqlite3_stmt *st = nf_srv_stmt(s, "SELECT 1 FROM _nf_srv_user WHERE name = ?");
    if (!st) goto dberr;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bool exists = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    if (exists) return true; /* kept as it is: a changed password stays changed */
    const nf_std_table *t = u->entity < m->nentities ? &s->store->tables[u->entity] : NULL;
    if (!t || !t->name) {
        snprintf(err, errn, "demo user %s: its entity is not persistable", name);
        return false;
    }
    char id[37], hash[256];
    if (!nf_srv_uuid(id) || !hash_password(s, m->strings[u->password], hash, sizeof hash)) {
        snprintf(err, errn, "demo user %s: cannot hash the password", name);
        return false;
    }
    int64_t seq = nf_srv_next_seq(s);
    int namecol = attr_col(s, t, "Name");
    nf_std_text sql = {0};
    nf_std_text_put(&sql, "INSERT INTO %s (_id, _state, _rev, _seq%s%s) VALUES (?, 0, 1, ?%s)",
                    t->name, namecol >= 0 ? ", " : "", namecol >= 0 ? t->attr_cols[namecol] : "",
                    namecol >= 0 ? ", ?" : "");
    if (sql.oom || seq < 0) {
        free(sql.s);
        goto dberr;
    }
    st = nf_srv_stmt(s, sql.s);
    free(sql.s);
    if (!st) goto dberr;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    if (namecol >= 0) sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) goto dberr;
    nf_std_text roles = {0};
    for (uint32_t r = 0; r < u->nroles; r++)
        nf_std_text_put(&roles, "%s%s", r ? "," : "", m->strings[m->roles[u->roles[r]].name]);
    st = nf_srv_stmt(s, "INSERT INTO _nf_srv_user (name, id, entity, roles, hash) VALUES (?, ?, "
                        "?, ?, ?)");
    if (!st || roles.oom) {
        free(roles.s);
        goto dberr;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->strings[m->entities[u->entity].name], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, roles.s ? roles.s : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, hash, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    free(roles.s);
    if (rc != SQLITE_DONE) goto dberr;
    return true;
dberr:
    snprintf(err, errn, "demo user %s: %s", name, sqlite3_errmsg(s->db));
    return false;
}

bool nf_srv_seed_users(nf_srv *s, char *err, size_t errn) {
    if (!nf_srv_exec(s, "BEGIN IMMEDIATE")) {
        snprintf(err, errn, "cannot create the demo users: %s", sqlite3_errmsg(s->db));
        return false;
    }
    for (uint32_t i = 0; i < s->m->nusers; i++)
        if (!seed_user(s, &s->m->users[i], err, errn)) {
            nf_srv_exec(s, "ROLLBACK");
            return false;
        }
    if (!nf_srv_exec(s, "COMMIT")) {
        snprintf(err, errn, "cannot create the demo users: %s", sqlite3_errmsg(s->db));
        return false;
    }
    return true;
}

/* ---- login, sessions --------------------------------------------------------------------------
 */

static void base64url(const uint8_t *b, size_t n, char *out) {
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t k = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | b[i];
        bits += 8;
        while (bits >= 6) {
            out[k++] = al[(acc >> (bits - 6)) & 63];
            bits -= 6;
        }
    }
    if (bits) out[k++] = al[(acc << (6 - bits)) & 63];
    out[k] = '\0';
}

#define TOKEN_LEN 43 /* 32 bytes in base64url */

/* What the sessions table keeps of a token: its SHA-256-crypt hash (1,000 rounds, a fixed salt:
 * a token has 256 random bits, so the salt need not vary; the hash must be findable). A copy of
 * the database gives no working tokens. */
static bool token_key(const char *token, char *out, size_t n) {
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd) return false;
    const char *h = crypt_r(token, "$5$rounds=1000$nanoflowsession$", cd);
    bool ok = h && h[0] == '$' && strlen(h) < n;
    if (ok) strcpy(out, h);
    free(cd);
    return ok;
}

/* token_key through the server's small cache of recent tokens. A token is compared with every
 * cached one in full, in constant time, so the time taken tells nothing about any token. */
static bool cached_token_key(nf_srv *s, const char *token, char *out, size_t n) {
    if (strlen(token) != TOKEN_LEN) return token_key(token, out, n);
    int hit = -1;
    for (int i = 0; i < 8; i++) {
        unsigned diff = !s->token_keys[i].token[0];
        for (size_t k = 0; k < TOKEN_LEN; k++)
            diff |= (unsigned)(token[k] ^ s->token_keys[i].token[k]);
        if (!diff) hit = i;
    }
    if (hit >= 0 && strlen(s->token_keys[hit].key) < n) {
        strcpy(out, s->token_keys[hit].key);
        return true;
    }
    if (!token_key(token, out, n)) return false;
    unsigned slot = s->token_next++ % 8;
    if (strlen(out) < sizeof s->token_keys[slot].key) {
        memcpy(s->token_keys[slot].token, token, TOKEN_LEN);
        s->token_keys[slot].token[TOKEN_LEN] = '\0';
        strcpy(s->token_keys[slot].key, out);
    }
    return true;
}

/* Fills u from the account row of `name`; false when there is none. */
static bool load_user(nf_srv *s, const char *name, nf_srv_user *u, char *hash, size_t hashn) {
    sqlite3_stmt *st =
        nf_srv_stmt(s, "SELECT id, entity, roles, hash FROM _nf_srv_user WHERE name = ?");
    if (!st) return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        snprintf(u->name, sizeof u->name, "%s", name);
        snprintf(u->id, sizeof u->id, "%s", (const char *)sqlite3_column_text(st, 0));
        u->entity = nf_srv_entity(s, (const char *)sqlite3_column_text(st, 1));
        const char *roles = (const char *)sqlite3_column_text(st, 2);
        u->roles = strdup(roles ? roles : "");
        if (hash) snprintf(hash, hashn, "%s", (const char *)sqlite3_column_text(st, 3));
        u->module_roles = calloc(s->m->nroles + 1, 1);
        if (!u->roles || !u->module_roles) found = false;
    }
    sqlite3_reset(st);
    if (!found) return false;
    /* module roles of the user roles named */
    const nf_bc_module *m = s->m;
    for (const char *p = u->roles; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        for (uint32_t r = 0; r < m->nroles; r++) {
            const nf_bc_role *ro = &m->roles[r];
            if (!ro->user_role || strlen(m->strings[ro->name]) != len ||
                strncmp(m->strings[ro->name], p, len) != 0)
                continue;
            for (uint32_t k = 0; k < ro->nmodule_roles; k++)
                if (ro->module_roles[k] < m->nroles) u->module_roles[ro->module_roles[k]] = 1;
        }
        p += len + (end ? 1 : 0);
    }
    return true;
}

bool nf_srv_login(nf_srv_call *c) {
    nf_srv *s = c->s;
    json_t *j = nf_srv_body_json(c);
    if (!j) return false;
    const char *user = json_string_value(json_object_get(j, "user"));
    const char *password = json_string_value(json_object_get(j, "password"));
    if (!user || !password || strlen(user) >= 128 || strlen(password) > 1024) {
        json_decref(j);
        return nf_srv_error(c, 400, "ModelError", "login needs the strings user and password");
    }
    char hash[256] = "";
    nf_srv_user u = {0};
    bool found = load_user(s, user, &u, hash, sizeof hash);
    bool ok;
    if (found) {
        ok = check_password(password, hash);
    } else { /* the same work as for a real user: no hint which one was wrong */
        char dummy[256];
        hash_password(s, password, dummy, sizeof dummy);
        ok = false;
    }
    json_decref(j);
    if (!ok) {
        nf_srv_user_free(&u);
        return nf_srv_error(c, 401, "AccessDenied", "wrong user name or password");
    }
    uint8_t raw[32];
    char token[TOKEN_LEN + 1];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        nf_srv_user_free(&u);
        return nf_srv_error(c, 500, "RuntimeError", "no random source");
    }
    base64url(raw, sizeof raw, token);
    int64_t now = nf_srv_now_ms(), expires = now + s->cfg.session_ttl_ms;
    sqlite3_stmt *st = nf_srv_stmt(s, "DELETE FROM _nf_srv_session WHERE expires <= ?");
    if (st) { /* expired sessions go at every login */
        sqlite3_bind_int64(st, 1, now);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    char key[128];
    st = cached_token_key(s, token, key, sizeof key)
             ? nf_srv_stmt(s, "INSERT INTO _nf_srv_session (token, user, expires) VALUES (?, ?, ?)")
             : NULL;
    int rc = SQLITE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, u.name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, expires);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    if (rc != SQLITE_DONE) {
        nf_srv_user_free(&u);
        return nf_srv_error(c, 500, "RuntimeError", "cannot store the session");
    }
    char iso[32];
    nf_srv_iso(expires, iso);
    json_t *roles = json_array();
    for (const char *p = u.roles; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        json_array_append_new(roles, json_stringn(p, len));
        p += len + (end ? 1 : 0);
    }
    c->reply = json_pack(
        "{s:s,s:s,s:{s:s,s:s,s:s},s:o}", "token", token, "expiresAt", iso, "user", "name", u.name,
        "entity", u.entity < s->m->nentities ? s->m->strings[s->m->entities[u.entity].name] : "",
        "id", u.id, "roles", roles);
    c->status = 200;
    snprintf(c->user.name, sizeof c->user.name, "%s", u.name); /* for the request log */
    c->signed_in = true;
    nf_srv_user_free(&u);
    return true;
}

/* The bearer token of the request, or NULL. */
static const char *bearer(nf_srv_call *c) {
    const char *h = nf_srv_header(c, "Authorization");
    if (!h || strncmp(h, "Bearer ", 7) != 0) return NULL;
    return h + 7;
}

bool nf_srv_authenticate(nf_srv_call *c) {
    nf_srv *s = c->s;
    const char *token = bearer(c);
    if (!token) return nf_srv_error(c, 401, "AccessDenied", "not signed in (no bearer token)");
    char key[128];
    if (strlen(token) != TOKEN_LEN || !cached_token_key(s, token, key, sizeof key))
        return nf_srv_error(c, 401, "AccessDenied", "unknown or expired session");
    sqlite3_stmt *st = nf_srv_stmt(s, "SELECT user, expires FROM _nf_srv_session WHERE token = ?");
    if (!st) return nf_srv_error(c, 500, "RuntimeError", "cannot read the sessions");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    char name[128] = "";
    int64_t expires = 0;
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        snprintf(name, sizeof name, "%s", (const char *)sqlite3_column_text(st, 0));
        expires = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    int64_t now = nf_srv_now_ms();
    if (!found || expires <= now) {
        if (found && (st = nf_srv_stmt(s, "DELETE FROM _nf_srv_session WHERE token = ?"))) {
            sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        return nf_srv_error(c, 401, "AccessDenied", "unknown or expired session");
    }
    if (!load_user(s, name, &c->user, NULL, 0)) {
        nf_srv_user_free(&c->user);
        return nf_srv_error(c, 401, "AccessDenied", "unknown or expired session");
    }
    c->signed_in = true;
    nf_std_store_set_user(s->store, c->user.id);
    /* sliding expiry, written when it moves by more than a minute (or 1 % of a shorter
     * lifetime): a write per request would be a commit and an fsync per request */
    int64_t ttl = s->cfg.session_ttl_ms, slack = ttl / 100 < 60000 ? ttl / 100 : 60000;
    if (now + ttl - expires > slack &&
        (st = nf_srv_stmt(s, "UPDATE _nf_srv_session SET expires = ? WHERE token = ?"))) {
        sqlite3_bind_int64(st, 1, now + s->cfg.session_ttl_ms);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    return true;
}

bool nf_srv_logout(nf_srv_call *c) {
    sqlite3_stmt *st = nf_srv_stmt(c->s, "DELETE FROM _nf_srv_session WHERE token = ?");
    const char *token = bearer(c);
    char key[128];
    if (!st || !token || !cached_token_key(c->s, token, key, sizeof key))
        return nf_srv_error(c, 500, "RuntimeError", "cannot end the session");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_reset(st);
    c->status = 204;
    return true;
}
