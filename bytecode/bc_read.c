/* bc_read.c — bytes → module. Every read is bounds-checked and every count is checked against
 * the bytes that remain before memory is allocated for it, so a hostile file can neither read
 * out of bounds nor make the loader allocate more than a small multiple of its size. Indices
 * are checked afterwards by nf_bc_verify. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nf_bc.h"
#include "bc_format.h"

typedef struct storage {
    void **ptrs;
    size_t n, cap;
} storage;

typedef struct rd {
    const uint8_t *p;
    size_t end, pos; /* the current section's bounds */
    bool bad;
    char *err;
    size_t errn;
    storage *st;
    const char *section;
} rd;

static void fail(rd *r, const char *fmt, ...) {
    if (r->bad) return;
    r->bad = true;
    int k = snprintf(r->err, r->errn, "%s section: ", r->section ? r->section : "header");
    va_list ap;
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < r->errn) vsnprintf(r->err + k, r->errn - (size_t)k, fmt, ap);
    va_end(ap);
}

static uint8_t g8(rd *r) {
    if (r->bad || r->pos + 1 > r->end) {
        fail(r, "truncated at byte %zu", r->pos);
        return 0;
    }
    return r->p[r->pos++];
}
static uint16_t g16(rd *r) {
    uint16_t lo = g8(r);
    return (uint16_t)(lo | (uint16_t)g8(r) << 8);
}
static uint32_t g32(rd *r) {
    uint32_t lo = g16(r);
    return lo | (uint32_t)g16(r) << 16;
}
static uint64_t g64(rd *r) {
    uint64_t lo = g32(r);
    return lo | (uint64_t)g32(r) << 32;
}
static nf_bc_type gtype(rd *r) {
    nf_bc_type t;
    t.kind = g8(r);
    t.flags = g8(r);
    t.ref = g16(r);
    return t;
}

/* Allocates n items of size bytes, each of which occupies at least min_bytes in the file. */
static void *take(rd *r, uint32_t n, size_t size, size_t min_bytes) {
    if (r->bad || n == 0) return NULL;
    if (min_bytes && (size_t)n > (r->end - r->pos) / min_bytes) {
        fail(r, "count %u does not fit in the remaining %zu bytes", n, r->end - r->pos);
        return NULL;
    }
    storage *st = r->st;
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 64;
        void **ptrs = realloc(st->ptrs, cap * sizeof *ptrs);
        if (!ptrs) {
            fail(r, "out of memory");
            return NULL;
        }
        st->ptrs = ptrs;
        st->cap = cap;
    }
    void *mem = calloc(n, size);
    if (!mem) {
        fail(r, "out of memory");
        return NULL;
    }
    st->ptrs[st->n++] = mem;
    return mem;
}

static uint32_t *gwords(rd *r, uint32_t *n) {
    *n = g32(r);
    uint32_t *w = take(r, *n, sizeof *w, 4);
    for (uint32_t i = 0; w && i < *n; i++)
        w[i] = g32(r);
    if (r->bad) *n = 0;
    return w;
}

static void rd_strings(rd *r, nf_bc_module *m) {
    uint32_t n = g32(r);
    uint32_t *offs = take(r, n, sizeof *offs, 8);
    m->string_lens = take(r, n, sizeof *m->string_lens, 0);
    m->strings = take(r, n, sizeof *m->strings, 0);
    if (r->bad) return;
    for (uint32_t i = 0; i < n; i++) {
        offs[i] = g32(r);
        m->string_lens[i] = g32(r);
    }
    size_t blob = r->pos, size = r->end - r->pos;
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        if (offs[i] > size || m->string_lens[i] > size - offs[i]) {
            fail(r, "string %u lies outside the section", i);
            break;
        }
        char *s = take(r, m->string_lens[i] + 1, 1, 0);
        if (!s) break;
        memcpy(s, r->p + blob + offs[i], m->string_lens[i]);
        if (memchr(s, '\0', m->string_lens[i])) {
            fail(r, "string %u contains a NUL byte", i);
            break;
        }
        m->strings[i] = s;
    }
    m->nstrings = r->bad ? 0 : n;
    r->pos = r->end;
}

static void rd_consts(rd *r, nf_bc_module *m) {
    uint32_t n = g32(r);
    m->consts = take(r, n, sizeof *m->consts, 16);
    for (uint32_t i = 0; m->consts && i < n; i++) {
        m->consts[i].kind = g8(r);
        g8(r);
        g16(r);
        m->consts[i].str = g32(r);
        m->consts[i].i = (int64_t)g64(r);
    }
    m->nconsts = r->bad ? 0 : n;
}

static void rd_enums(rd *r, nf_bc_module *m) {
    uint32_t n = g32(r);
    m->enums = take(r, n, sizeof *m->enums, 8);
    for (uint32_t i = 0; m->enums && i < n && !r->bad; i++) {
        nf_bc_enum *e = &m->enums[i];
        e->name = g32(r);
        uint32_t nv = g32(r);
        e->value_names = take(r, nv, sizeof *e->value_names, 8);
        e->captions = take(r, nv, sizeof *e->captions, 0);
        for (uint32_t j = 0; e->value_names && j < nv && !r->bad; j++) {
            e->value_names[j] = g32(r);
            e->captions[j] = g32(r);
        }
        e->nvalues = r->bad ? 0 : nv;
    }
    m->nenums = r->bad ? 0 : n;
}

static void rd_entity(rd *r, nf_bc_entity *e) {
    e->name = g32(r);
    e->generalization = g32(r);
    e->persist = g8(r);
    e->flags = g8(r);
    e->download = g8(r);
    e->conflict = g8(r);
    e->profile_xpath = g32(r);
    e->revision_attr = g32(r);
    uint32_t n = g32(r);
    e->attrs = take(r, n, sizeof *e->attrs, 24);
    for (uint32_t j = 0; e->attrs && j < n && !r->bad; j++) {
        nf_bc_attr *a = &e->attrs[j];
        a->name = g32(r);
        a->type = gtype(r);
        a->length = g32(r);
        a->flags = g32(r);
        a->default_k = g32(r);
        a->message = g32(r);
    }
    e->nattrs = r->bad ? 0 : n;
    n = g32(r);
    e->events = take(r, n, sizeof *e->events, 8);
    for (uint32_t j = 0; e->events && j < n && !r->bad; j++) {
        e->events[j].moment = g8(r);
        e->events[j].type = g8(r);
        e->events[j].pass_object = g8(r);
        e->events[j].raise_error = g8(r);
        e->events[j].flow = g32(r);
    }
    e->nevents = r->bad ? 0 : n;
    n = g32(r);
    e->indexes = take(r, n, sizeof *e->indexes, 4);
    for (uint32_t j = 0; e->indexes && j < n && !r->bad; j++) {
        nf_bc_index *ix = &e->indexes[j];
        uint32_t nc = g32(r);
        ix->attrs = take(r, nc, sizeof *ix->attrs, 8);
        ix->desc = take(r, nc, sizeof *ix->desc, 0);
        for (uint32_t k = 0; ix->attrs && k < nc && !r->bad; k++) {
            ix->attrs[k] = g32(r);
            ix->desc[k] = (uint8_t)(g32(r) != 0);
        }
        ix->ncols = r->bad ? 0 : nc;
    }
    e->nindexes = r->bad ? 0 : n;
    n = g32(r);
    e->rules = take(r, n, sizeof *e->rules, 24);
    for (uint32_t j = 0; e->rules && j < n && !r->bad; j++) {
        nf_bc_rule *ru = &e->rules[j];
        ru->kind = g8(r);
        ru->lo_strict = g8(r);
        ru->hi_strict = g8(r);
        g8(r);
        ru->attrs = gwords(r, &ru->nattrs);
        ru->lo_k = g32(r);
        ru->hi_k = g32(r);
        ru->pattern = g32(r);
        ru->message = g32(r);
    }
    e->nrules = r->bad ? 0 : n;
    n = g32(r);
    e->access = take(r, n, sizeof *e->access, 20);
    for (uint32_t j = 0; e->access && j < n && !r->bad; j++) {
        nf_bc_access *a = &e->access[j];
        a->role = g32(r);
        a->rights = g32(r);
        a->read = gwords(r, &a->nread);
        a->write = gwords(r, &a->nwrite);
        a->xpath = g32(r);
    }
    e->naccess = r->bad ? 0 : n;
}

static void rd_entities(rd *r, nf_bc_module *m) {
    uint32_t n = g32(r);
    m->entities = take(r, n, sizeof *m->entities, 40);
    for (uint32_t i = 0; m->entities && i < n && !r->bad; i++)
        rd_entity(r, &m->entities[i]);
    m->nentities = r->bad ? 0 : n;
}

static void rd_assocs(rd *r, nf_bc_module *m) {
    uint32_t n = g32(r);
    m->assocs = take(r, n, sizeof *m->assocs, 16);
    for (uint32_t i = 0; m->assocs && i < n; i++) {
        nf_bc_assoc *a = &m->assocs[i];
        a->name = g32(r);
        a->from = g32(r);
        a->to = g32(r);
        a->reference_set = g8(r);
        a->owner_both = g8(r);
        a->delete_behavior = g8(r);
        g8(r);
    }
    m->nassocs = r->bad ? 0 : n;
}

static void rd_security(rd *r, nf_bc_module *m) {
    uint32_t n = g32(r);
    m->roles = take(r, n, sizeof *m->roles, 12);
    for (uint32_t i = 0; m->roles && i < n && !r->bad; i++) {
        m->roles[i].name = g32(r);
        m->roles[i].user_role = (uint8_t)(g32(r) != 0);
        m->roles[i].module_roles = gwords(r, &m->roles[i].nmodule_roles);
    }
    m->nroles = r->bad ? 0 : n;
    n = g32(r);
    m->users = take(r, n, sizeof *m->users, 16);
    for (uint32_t i = 0; m->users && i < n && !r->bad; i++) {
        m->users[i].name = g32(r);
        m->users[i].password = g32(r);
        m->users[i].entity = g32(r);
        m->users[i].roles = gwords(r, &m->users[i].nroles);
    }
    m->nusers = r->bad ? 0 : n;
}

static void rd_xpath(rd *r, nf_bc_module *m) {
    uint32_t n = g32(r);
    m->xnodes = take(r, n, sizeof *m->xnodes, 12);
    for (uint32_t i = 0; m->xnodes && i < n; i++) {
        m->xnodes[i].kind = g8(r);
        m->xnodes[i].op = g8(r);
        g16(r);
        m->xnodes[i].a = g32(r);
        m->xnodes[i].b = g32(r);
    }
    m->nxnodes = r->bad ? 0 : n;
    m->xwords = gwords(r, &m->nxwords);
}

static void rd_actions(rd *r, nf_bc_module *m) {
    uint32_t n = g32(r);
    m->actions = take(r, n, sizeof *m->actions, 20);
    for (uint32_t i = 0; m->actions && i < n && !r->bad; i++) {
        nf_bc_action *a = &m->actions[i];
        a->name = g32(r);
        uint32_t kind = g32(r);
        if (kind > NF_BK_LUA) fail(r, "action %u has kind %u", i, kind);
        a->kind = (uint8_t)kind;
        uint32_t np = g32(r);
        a->param_names = take(r, np, sizeof *a->param_names, 8);
        a->param_types = take(r, np, sizeof *a->param_types, 0);
        for (uint32_t j = 0; a->param_names && j < np && !r->bad; j++) {
            a->param_names[j] = g32(r);
            a->param_types[j] = gtype(r);
        }
        a->nparams = r->bad ? 0 : np;
        a->ret = gtype(r);
        a->source = g32(r);
    }
    m->nactions = r->bad ? 0 : n;
}

static void rd_flow(rd *r, nf_bc_flow *f) {
    f->name = g32(r);
    f->kind = g8(r);
    f->offline_called = g8(r);
    f->nparams = g16(r);
    f->ret = gtype(r);
    uint32_t nregs = g32(r);
    if (nregs > NF_BC_MAX_REGS) {
        fail(r, "flow has %u registers (the limit is %d)", nregs, NF_BC_MAX_REGS);
        return;
    }
    f->regs = take(r, nregs, sizeof *f->regs, 8);
    f->reg_names = take(r, nregs, sizeof *f->reg_names, 0);
    for (uint32_t j = 0; f->regs && j < nregs && !r->bad; j++) {
        f->regs[j] = gtype(r);
        f->reg_names[j] = g32(r);
    }
    f->nregs = r->bad ? 0 : (uint16_t)nregs;
    f->code = gwords(r, &f->ncode);
    uint32_t n = g32(r);
    f->handlers = take(r, n, sizeof *f->handlers, 16);
    for (uint32_t j = 0; f->handlers && j < n && !r->bad; j++) {
        nf_bc_handler *h = &f->handlers[j];
        h->start = g32(r);
        h->end = g32(r);
        h->target = g32(r);
        h->kind = g8(r);
        h->error_reg = g8(r);
        h->type_reg = g8(r);
        h->result_reg = g8(r);
    }
    f->nhandlers = r->bad ? 0 : n;
    n = g32(r);
    f->lines = take(r, n, sizeof *f->lines, 8);
    for (uint32_t j = 0; f->lines && j < n && !r->bad; j++) {
        f->lines[j].pc = g32(r);
        f->lines[j].line = g32(r);
    }
    f->nlines = r->bad ? 0 : n;
    n = g32(r);
    f->descs = take(r, n, sizeof *f->descs, 8);
    for (uint32_t j = 0; f->descs && j < n && !r->bad; j++) {
        uint32_t kind = g32(r);
        if (kind >= NF_DESC_COUNT_) fail(r, "descriptor %u has kind %u", j, kind);
        f->descs[j].kind = (uint8_t)kind;
        f->descs[j].w = gwords(r, &f->descs[j].n);
    }
    f->ndescs = r->bad ? 0 : n;
    f->members = gwords(r, &f->nmembers);
    if (f->nmembers > NF_BC_MAX_MEMBERS)
        fail(r, "flow has %u member-table entries (the limit is %d)", f->nmembers,
             NF_BC_MAX_MEMBERS);
    f->file = g32(r);
    f->roles = gwords(r, &f->nroles);
}

static void rd_flows(rd *r, nf_bc_module *m) {
    uint32_t n = g32(r);
    m->flows = take(r, n, sizeof *m->flows, 40);
    for (uint32_t i = 0; m->flows && i < n && !r->bad; i++)
        rd_flow(r, &m->flows[i]);
    m->nflows = r->bad ? 0 : n;
}

static const struct {
    const char *name;
    void (*fn)(rd *, nf_bc_module *);
} section_readers[NF_BC_SEC_COUNT_] = {
    [NF_BC_SEC_STRINGS] = {"strings", rd_strings},
    [NF_BC_SEC_CONSTS] = {"constants", rd_consts},
    [NF_BC_SEC_ENUMS] = {"enumerations", rd_enums},
    [NF_BC_SEC_ENTITIES] = {"entities", rd_entities},
    [NF_BC_SEC_ASSOCS] = {"associations", rd_assocs},
    [NF_BC_SEC_SECURITY] = {"security", rd_security},
    [NF_BC_SEC_XPATH] = {"xpath", rd_xpath},
    [NF_BC_SEC_ACTIONS] = {"actions", rd_actions},
    [NF_BC_SEC_FLOWS] = {"flows", rd_flows},
};

void nf_bc_free(nf_bc_module *m) {
    storage *st = m->storage;
    if (st) {
        for (size_t i = 0; i < st->n; i++)
            free(st->ptrs[i]);
        free(st->ptrs);
        free(st);
    }
    memset(m, 0, sizeof *m);
}

bool nf_bc_load(const uint8_t *bytes, size_t len, nf_bc_module *m, char *err, size_t n) {
    memset(m, 0, sizeof *m);
    storage *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, n, "out of memory");
        return false;
    }
    m->storage = st;
    rd r = {bytes, len, 0, false, err, n, st, NULL};
    if (len < 4 || memcmp(bytes, NF_BC_MAGIC, 4) != 0) {
        snprintf(err, n, "not a nanoflow module (no NFBC header)");
        nf_bc_free(m);
        return false;
    }
    if (len < NF_BC_HEADER_SIZE) {
        snprintf(err, n, "module is truncated: %zu bytes, shorter than its %d-byte header", len,
                 NF_BC_HEADER_SIZE);
        nf_bc_free(m);
        return false;
    }
    r.pos = 4;
    uint16_t version = g16(&r);
    uint16_t flags = g16(&r);
    uint32_t total = g32(&r);
    uint32_t nsec = g32(&r);
    uint64_t checksum = g64(&r);
    m->model_hash = g64(&r);
    if (version != NF_BC_FORMAT_VERSION) {
        snprintf(err, n,
                 "module format version %u is not supported (this runtime reads version %d)",
                 version, NF_BC_FORMAT_VERSION);
        nf_bc_free(m);
        return false;
    }
    if (flags != 0) {
        snprintf(err, n, "module header flags %u are not defined in format version %d", flags,
                 NF_BC_FORMAT_VERSION);
        nf_bc_free(m);
        return false;
    }
    if (total != len) {
        snprintf(err, n, "module is %zu bytes but its header says %u (truncated or padded)", len,
                 total);
        nf_bc_free(m);
        return false;
    }
    if (nf_bc_hash(NF_BC_HASH_INIT, bytes + NF_BC_CHECKSUM_FROM, len - NF_BC_CHECKSUM_FROM) !=
        checksum) {
        snprintf(err, n, "module checksum does not match: the file is damaged");
        nf_bc_free(m);
        return false;
    }
    if (nsec != NF_BC_SEC_COUNT_ - 1 || (size_t)NF_BC_HEADER_SIZE + 12u * nsec > len) {
        snprintf(err, n, "module has %u sections, expected %d", nsec, NF_BC_SEC_COUNT_ - 1);
        nf_bc_free(m);
        return false;
    }
    /* sections: each id once, in bounds, aligned, in increasing order without overlap */
    size_t table_end = NF_BC_HEADER_SIZE + 12u * nsec, prev_end = table_end;
    r.pos = NF_BC_HEADER_SIZE;
    uint32_t offs[NF_BC_SEC_COUNT_] = {0}, lens[NF_BC_SEC_COUNT_] = {0};
    r.section = "section table";
    for (uint32_t i = 0; i < nsec && !r.bad; i++) {
        uint32_t id = g32(&r), off = g32(&r), sl = g32(&r);
        if (id != i + 1)
            fail(&r, "entry %u has id %u (sections are stored in id order)", i, id);
        else if (off % 4)
            fail(&r, "section %u starts at offset %u, which is not aligned to 4 bytes", id, off);
        else if (off < prev_end || off > len || sl > len - off)
            fail(&r, "section %u (offset %u, %u bytes) overlaps another or lies outside the file",
                 id, off, sl);
        offs[id < NF_BC_SEC_COUNT_ ? id : 0] = off;
        lens[id < NF_BC_SEC_COUNT_ ? id : 0] = sl;
        prev_end = (size_t)off + sl;
    }
    for (uint32_t id = 1; id < NF_BC_SEC_COUNT_ && !r.bad; id++) {
        r.section = section_readers[id].name;
        r.pos = offs[id];
        r.end = (size_t)offs[id] + lens[id];
        section_readers[id].fn(&r, m);
        if (!r.bad && r.pos != r.end) fail(&r, "%zu unread bytes at the end", r.end - r.pos);
    }
    if (r.bad) {
        nf_bc_free(m);
        return false;
    }
    if (!nf_bc_verify(m, err, n)) {
        nf_bc_free(m);
        return false;
    }
    return true;
}
