/* bc_write.c — module → bytes in the format of docs/bytecode.md. Deterministic: the output
 * depends only on the module's contents (no pointers, times or padding garbage). */
#include <stdlib.h>
#include <string.h>

#include "nf_bc.h"
#include "bc_format.h"

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
    bool oom;
} wbuf;

static void put(wbuf *b, const void *data, size_t n) {
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void u8(wbuf *b, uint8_t v) {
    put(b, &v, 1);
}
static void u16(wbuf *b, uint16_t v) {
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}
static void u32(wbuf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}
static void u64(wbuf *b, uint64_t v) {
    u32(b, (uint32_t)v);
    u32(b, (uint32_t)(v >> 32));
}
static void type(wbuf *b, nf_bc_type t) {
    u8(b, t.kind);
    u8(b, t.flags);
    u16(b, t.ref);
}
static void align4(wbuf *b) {
    while (b->n % 4)
        u8(b, 0);
}
static void patch32(wbuf *b, size_t at, uint32_t v) {
    if (b->oom) return;
    b->p[at] = (uint8_t)v;
    b->p[at + 1] = (uint8_t)(v >> 8);
    b->p[at + 2] = (uint8_t)(v >> 16);
    b->p[at + 3] = (uint8_t)(v >> 24);
}

static void sec_strings(wbuf *b, const nf_bc_module *m) {
    u32(b, m->nstrings);
    uint32_t off = 0;
    for (uint32_t i = 0; i < m->nstrings; i++) {
        u32(b, off);
        u32(b, m->string_lens[i]);
        off += m->string_lens[i];
    }
    for (uint32_t i = 0; i < m->nstrings; i++)
        put(b, m->strings[i], m->string_lens[i]);
}

static void sec_consts(wbuf *b, const nf_bc_module *m) {
    u32(b, m->nconsts);
    for (uint32_t i = 0; i < m->nconsts; i++) {
        u8(b, m->consts[i].kind);
        u8(b, 0);
        u16(b, 0);
        u32(b, m->consts[i].str);
        u64(b, (uint64_t)m->consts[i].i);
    }
}

static void sec_enums(wbuf *b, const nf_bc_module *m) {
    u32(b, m->nenums);
    for (uint32_t i = 0; i < m->nenums; i++) {
        const nf_bc_enum *e = &m->enums[i];
        u32(b, e->name);
        u32(b, e->nvalues);
        for (uint32_t j = 0; j < e->nvalues; j++) {
            u32(b, e->value_names[j]);
            u32(b, e->captions[j]);
        }
    }
}

static void words(wbuf *b, uint32_t n, const uint32_t *w) {
    u32(b, n);
    for (uint32_t i = 0; i < n; i++)
        u32(b, w[i]);
}

static void sec_entities(wbuf *b, const nf_bc_module *m) {
    u32(b, m->nentities);
    for (uint32_t i = 0; i < m->nentities; i++) {
        const nf_bc_entity *e = &m->entities[i];
        u32(b, e->name);
        u32(b, e->generalization);
        u8(b, e->persist);
        u8(b, e->flags);
        u8(b, e->download);
        u8(b, e->conflict);
        u32(b, e->profile_xpath);
        u32(b, e->revision_attr);
        u32(b, e->nattrs);
        for (uint32_t j = 0; j < e->nattrs; j++) {
            const nf_bc_attr *a = &e->attrs[j];
            u32(b, a->name);
            type(b, a->type);
            u32(b, a->length);
            u32(b, a->flags);
            u32(b, a->default_k);
            u32(b, a->message);
        }
        u32(b, e->nevents);
        for (uint32_t j = 0; j < e->nevents; j++) {
            const nf_bc_event *ev = &e->events[j];
            u8(b, ev->moment);
            u8(b, ev->type);
            u8(b, ev->pass_object);
            u8(b, ev->raise_error);
            u32(b, ev->flow);
        }
        u32(b, e->nindexes);
        for (uint32_t j = 0; j < e->nindexes; j++) {
            const nf_bc_index *ix = &e->indexes[j];
            u32(b, ix->ncols);
            for (uint32_t k = 0; k < ix->ncols; k++) {
                u32(b, ix->attrs[k]);
                u32(b, ix->desc[k]);
            }
        }
        u32(b, e->nrules);
        for (uint32_t j = 0; j < e->nrules; j++) {
            const nf_bc_rule *r = &e->rules[j];
            u8(b, r->kind);
            u8(b, r->lo_strict);
            u8(b, r->hi_strict);
            u8(b, 0);
            words(b, r->nattrs, r->attrs);
            u32(b, r->lo_k);
            u32(b, r->hi_k);
            u32(b, r->pattern);
            u32(b, r->message);
        }
        u32(b, e->naccess);
        for (uint32_t j = 0; j < e->naccess; j++) {
            const nf_bc_access *a = &e->access[j];
            u32(b, a->role);
            u32(b, a->rights);
            words(b, a->nread, a->read);
            words(b, a->nwrite, a->write);
            u32(b, a->xpath);
        }
    }
}

static void sec_assocs(wbuf *b, const nf_bc_module *m) {
    u32(b, m->nassocs);
    for (uint32_t i = 0; i < m->nassocs; i++) {
        const nf_bc_assoc *a = &m->assocs[i];
        u32(b, a->name);
        u32(b, a->from);
        u32(b, a->to);
        u8(b, a->reference_set);
        u8(b, a->owner_both);
        u8(b, a->delete_behavior);
        u8(b, 0);
    }
}

static void sec_roles(wbuf *b, const nf_bc_module *m) {
    u32(b, m->nroles);
    for (uint32_t i = 0; i < m->nroles; i++) {
        u32(b, m->roles[i].name);
        u32(b, m->roles[i].user_role);
        words(b, m->roles[i].nmodule_roles, m->roles[i].module_roles);
    }
    u32(b, m->nusers);
    for (uint32_t i = 0; i < m->nusers; i++) {
        u32(b, m->users[i].name);
        u32(b, m->users[i].password);
        u32(b, m->users[i].entity);
        words(b, m->users[i].nroles, m->users[i].roles);
    }
}

static void sec_xpath(wbuf *b, const nf_bc_module *m) {
    u32(b, m->nxnodes);
    for (uint32_t i = 0; i < m->nxnodes; i++) {
        u8(b, m->xnodes[i].kind);
        u8(b, m->xnodes[i].op);
        u16(b, 0);
        u32(b, m->xnodes[i].a);
        u32(b, m->xnodes[i].b);
    }
    words(b, m->nxwords, m->xwords);
}

static void sec_actions(wbuf *b, const nf_bc_module *m) {
    u32(b, m->nactions);
    for (uint32_t i = 0; i < m->nactions; i++) {
        const nf_bc_action *a = &m->actions[i];
        u32(b, a->name);
        u32(b, a->kind);
        u32(b, a->nparams);
        for (uint32_t j = 0; j < a->nparams; j++) {
            u32(b, a->param_names[j]);
            type(b, a->param_types[j]);
        }
        type(b, a->ret);
        u32(b, a->source);
    }
}

static void sec_flows(wbuf *b, const nf_bc_module *m) {
    u32(b, m->nflows);
    for (uint32_t i = 0; i < m->nflows; i++) {
        const nf_bc_flow *f = &m->flows[i];
        u32(b, f->name);
        u8(b, f->kind);
        u8(b, f->offline_called);
        u16(b, f->nparams);
        type(b, f->ret);
        u32(b, f->nregs);
        for (uint32_t j = 0; j < f->nregs; j++) {
            type(b, f->regs[j]);
            u32(b, f->reg_names[j]);
        }
        words(b, f->ncode, f->code);
        u32(b, f->nhandlers);
        for (uint32_t j = 0; j < f->nhandlers; j++) {
            const nf_bc_handler *h = &f->handlers[j];
            u32(b, h->start);
            u32(b, h->end);
            u32(b, h->target);
            u8(b, h->kind);
            u8(b, h->error_reg);
            u8(b, h->type_reg);
            u8(b, h->result_reg);
        }
        u32(b, f->nlines);
        for (uint32_t j = 0; j < f->nlines; j++) {
            u32(b, f->lines[j].pc);
            u32(b, f->lines[j].line);
        }
        u32(b, f->ndescs);
        for (uint32_t j = 0; j < f->ndescs; j++) {
            u32(b, f->descs[j].kind);
            words(b, f->descs[j].n, f->descs[j].w);
        }
        words(b, f->nmembers, f->members);
        u32(b, f->file);
        words(b, f->nroles, f->roles);
    }
}

typedef void (*section_fn)(wbuf *, const nf_bc_module *);

bool nf_bc_write(const nf_bc_module *m, uint8_t **out, size_t *len) {
    static const struct {
        uint32_t id;
        section_fn fn;
    } sections[] = {
        {NF_BC_SEC_STRINGS, sec_strings}, {NF_BC_SEC_CONSTS, sec_consts},
        {NF_BC_SEC_ENUMS, sec_enums},     {NF_BC_SEC_ENTITIES, sec_entities},
        {NF_BC_SEC_ASSOCS, sec_assocs},   {NF_BC_SEC_SECURITY, sec_roles},
        {NF_BC_SEC_XPATH, sec_xpath},     {NF_BC_SEC_ACTIONS, sec_actions},
        {NF_BC_SEC_FLOWS, sec_flows},
    };
    const uint32_t nsec = (uint32_t)(sizeof sections / sizeof sections[0]);
    wbuf b = {0};
    put(&b, NF_BC_MAGIC, 4);
    u16(&b, NF_BC_FORMAT_VERSION);
    u16(&b, 0);
    u32(&b, 0); /* total length, patched */
    u32(&b, nsec);
    u64(&b, 0); /* checksum, patched */
    u64(&b, m->model_hash);
    u32(&b, 0);
    u32(&b, 0);
    size_t table = b.n;
    for (uint32_t i = 0; i < nsec; i++) {
        u32(&b, sections[i].id);
        u32(&b, 0);
        u32(&b, 0);
    }
    for (uint32_t i = 0; i < nsec; i++) {
        align4(&b);
        size_t start = b.n;
        sections[i].fn(&b, m);
        if (b.n > UINT32_MAX) b.oom = true;
        patch32(&b, table + 12 * i + 4, (uint32_t)start);
        patch32(&b, table + 12 * i + 8, (uint32_t)(b.n - start));
    }
    if (b.oom || b.n > UINT32_MAX) {
        free(b.p);
        return false;
    }
    patch32(&b, 8, (uint32_t)b.n);
    uint64_t sum =
        nf_bc_hash(NF_BC_HASH_INIT, b.p + NF_BC_CHECKSUM_FROM, b.n - NF_BC_CHECKSUM_FROM);
    patch32(&b, 16, (uint32_t)sum);
    patch32(&b, 20, (uint32_t)(sum >> 32));
    *out = b.p;
    *len = b.n;
    return true;
}
