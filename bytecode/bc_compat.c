/* bc_compat.c — what changed between two modules, and which changes break clients deployed with
 * the old one (`nanoflow compat`, docs/cli.md).
 *
 * Deployed clients hold the old offline entities (with their attributes, associations and
 * enumerations) and call the old microflows by name with the old parameters; a new server must
 * still understand both (offline-best-practices: "Preventing Synchronization Issues", "Offline
 * Microflow Best Practices"). So a change is breaking when it touches what the old module shows
 * devices: an offline entity or one in a signature of a microflow that nanoflows call, an
 * enumeration those use, or such a microflow. A rename cannot be told from a removal and an
 * addition: it is reported as a removal with a "renamed to X?" hint when an addition matches.
 * Everything is compared by name, never by index, so reordering declarations changes nothing. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nf_bc.h"

typedef struct cmp {
    const nf_bc_module *o, *n;
    nf_bc_changes *out;
    bool *visible;  /* per old entity: deployed clients hold or pass it */
    bool *enum_use; /* per old enumeration: used by a visible entity or an offline signature */
} cmp;

static const char *str(const nf_bc_module *m, uint32_t i) {
    return i < m->nstrings ? m->strings[i] : "?";
}

static void add(cmp *c, bool breaking, const char *kind, const char *subject, const char *fmt,
                ...) {
    nf_bc_changes *o = c->out;
    if (o->n == o->cap) {
        uint32_t cap = o->cap ? o->cap * 2 : 16;
        nf_bc_change *items = realloc(o->items, cap * sizeof *items);
        if (!items) {
            o->oom = true;
            return;
        }
        o->items = items;
        o->cap = cap;
    }
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = malloc(len > 0 ? (size_t)len + 1 : 1);
    char *subj = malloc(strlen(subject) + 1);
    if (!msg || !subj) {
        va_end(ap2);
        free(msg);
        free(subj);
        o->oom = true;
        return;
    }
    vsnprintf(msg, (size_t)len + 1, fmt, ap2);
    va_end(ap2);
    memcpy(subj, subject, strlen(subject) + 1);
    o->items[o->n++] = (nf_bc_change){breaking, kind, subj, msg};
    if (breaking) o->nbreaking++;
}

void nf_bc_changes_free(nf_bc_changes *c) {
    for (uint32_t i = 0; i < c->n; i++) {
        free(c->items[i].subject);
        free(c->items[i].message);
    }
    free(c->items);
    memset(c, 0, sizeof *c);
}

/* ---- lookups by name ---------------------------------------------------------------------------
 */

static uint32_t entity_named(const nf_bc_module *m, const char *name) {
    for (uint32_t i = 0; i < m->nentities; i++)
        if (strcmp(str(m, m->entities[i].name), name) == 0) return i;
    return NF_BC_NONE;
}
static uint32_t enum_named(const nf_bc_module *m, const char *name) {
    for (uint32_t i = 0; i < m->nenums; i++)
        if (strcmp(str(m, m->enums[i].name), name) == 0) return i;
    return NF_BC_NONE;
}
static uint32_t assoc_named(const nf_bc_module *m, const char *name) {
    for (uint32_t i = 0; i < m->nassocs; i++)
        if (strcmp(str(m, m->assocs[i].name), name) == 0) return i;
    return NF_BC_NONE;
}
static uint32_t flow_named(const nf_bc_module *m, const char *name) {
    for (uint32_t i = 0; i < m->nflows; i++)
        if (strcmp(str(m, m->flows[i].name), name) == 0) return i;
    return NF_BC_NONE;
}
static const nf_bc_attr *attr_named(const nf_bc_module *m, const nf_bc_entity *e,
                                    const char *name) {
    for (uint32_t i = 0; i < e->nattrs; i++)
        if (strcmp(str(m, e->attrs[i].name), name) == 0) return &e->attrs[i];
    return NULL;
}

/* ---- types
 * --------------------------------------------------------------------------------------- */

static const char *ref_name(const nf_bc_module *m, nf_bc_type t) {
    if (t.kind == NF_BT_ENUM) return t.ref < m->nenums ? str(m, m->enums[t.ref].name) : "?";
    if (t.ref == NF_BC_NONE16) return "any entity";
    return t.ref < m->nentities ? str(m, m->entities[t.ref].name) : "?";
}

static const char *type_name(const nf_bc_module *m, nf_bc_type t, uint32_t attr_flags, char *buf,
                             size_t n) {
    static const char *const names[NF_BT_COUNT_] = {"Nothing", "Boolean",  "Integer",     "Decimal",
                                                    "String",  "DateTime", "Enumeration", "Object",
                                                    "List",    "Binary"};
    const char *k = t.kind < NF_BT_COUNT_ ? names[t.kind] : "?";
    if (t.kind == NF_BT_INT && (t.flags & NF_BC_TF_LONG)) k = "Long";
    if (attr_flags & NF_BA_AUTONUMBER) k = "AutoNumber";
    if (attr_flags & NF_BA_HASHED) k = "HashedString";
    if (t.kind == NF_BT_ENUM || t.kind == NF_BT_OBJ || t.kind == NF_BT_LIST)
        snprintf(buf, n, "%s%s%s", t.kind == NF_BT_LIST ? "List of " : "",
                 t.kind == NF_BT_ENUM ? "Enumeration " : "", ref_name(m, t));
    else
        snprintf(buf, n, "%s%s", k, attr_flags & NF_BA_CALCULATED ? " (calculated)" : "");
    return buf;
}

static bool same_type(const cmp *c, nf_bc_type a, nf_bc_type b) {
    if (a.kind != b.kind || (a.flags & NF_BC_TF_LONG) != (b.flags & NF_BC_TF_LONG)) return false;
    if (a.kind != NF_BT_ENUM && a.kind != NF_BT_OBJ && a.kind != NF_BT_LIST) return true;
    return strcmp(ref_name(c->o, a), ref_name(c->n, b)) == 0;
}

#define NF_BA_TYPE_FLAGS (NF_BA_INT32 | NF_BA_AUTONUMBER | NF_BA_HASHED | NF_BA_CALCULATED)

static bool same_attr_type(const cmp *c, const nf_bc_attr *a, const nf_bc_attr *b) {
    return same_type(c, a->type, b->type) &&
           (a->flags & NF_BA_TYPE_FLAGS) == (b->flags & NF_BA_TYPE_FLAGS);
}

/* ---- what deployed clients see ------------------------------------------------------------------
 */

static bool offline_flow(const nf_bc_flow *f) {
    return f->kind == NF_BF_MICROFLOW && f->offline_called;
}

static void mark_type(cmp *c, nf_bc_type t) {
    if ((t.kind == NF_BT_OBJ || t.kind == NF_BT_LIST) && t.ref < c->o->nentities)
        c->visible[t.ref] = true;
    if (t.kind == NF_BT_ENUM && t.ref < c->o->nenums) c->enum_use[t.ref] = true;
}

static void mark_visible(cmp *c) {
    const nf_bc_module *o = c->o;
    for (uint32_t i = 0; i < o->nentities; i++)
        if ((o->entities[i].flags & NF_BE_OFFLINE) && !(o->entities[i].flags & NF_BE_SYSTEM))
            c->visible[i] = true;
    for (uint32_t i = 0; i < o->nflows; i++) {
        const nf_bc_flow *f = &o->flows[i];
        if (!offline_flow(f)) continue;
        mark_type(c, f->ret);
        for (uint32_t k = 0; k < f->nparams && k < f->nregs; k++)
            mark_type(c, f->regs[k]);
    }
    for (uint32_t i = 0; i < o->nentities; i++)
        for (uint32_t k = 0; c->visible[i] && k < o->entities[i].nattrs; k++)
            mark_type(c, o->entities[i].attrs[k].type);
}

/* ---- entities and attributes --------------------------------------------------------------------
 */

/* Whether two entities have the same own attributes (names and types): a likely rename. */
static bool same_shape(const cmp *c, const nf_bc_entity *a, const nf_bc_entity *b) {
    if (a->nattrs != b->nattrs || a->nattrs == 0) return false;
    for (uint32_t i = 0; i < a->nattrs; i++) {
        const nf_bc_attr *x = attr_named(c->n, b, str(c->o, a->attrs[i].name));
        if (!x || !same_attr_type(c, &a->attrs[i], x)) return false;
    }
    return true;
}

static void compare_attrs(cmp *c, const nf_bc_entity *oe, const nf_bc_entity *ne, bool vis) {
    const char *en = str(c->o, oe->name);
    char subj[512], t1[160], t2[160];
    for (uint32_t i = 0; i < oe->nattrs; i++) {
        const nf_bc_attr *a = &oe->attrs[i];
        const char *an = str(c->o, a->name);
        const nf_bc_attr *b = attr_named(c->n, ne, an);
        snprintf(subj, sizeof subj, "%s.%s", en, an);
        if (!b) {
            const char *hint = NULL;
            for (uint32_t k = 0; k < ne->nattrs && !hint; k++) {
                const nf_bc_attr *x = &ne->attrs[k];
                if (!attr_named(c->o, oe, str(c->n, x->name)) && same_attr_type(c, a, x))
                    hint = str(c->n, x->name);
            }
            add(c, vis, "attribute-removed", subj, "attribute %s removed%s%s%s%s", subj,
                hint ? " (renamed to " : "", hint ? hint : "", hint ? "?)" : "",
                vis ? "" : " (the entity is not on devices)");
            continue;
        }
        type_name(c->o, a->type, a->flags, t1, sizeof t1);
        type_name(c->n, b->type, b->flags, t2, sizeof t2);
        if (!same_attr_type(c, a, b)) {
            add(c, vis, "attribute-retyped", subj, "attribute %s changed type: %s -> %s", subj, t1,
                t2);
        } else if (a->type.kind == NF_BT_STR && a->length != b->length) {
            bool shorter = b->length != 0 && (a->length == 0 || b->length < a->length);
            char l1[32], l2[32];
            snprintf(l1, sizeof l1, a->length ? "%u" : "unlimited", a->length);
            snprintf(l2, sizeof l2, b->length ? "%u" : "unlimited", b->length);
            add(c, vis && shorter, shorter ? "attribute-shortened" : "attribute-lengthened", subj,
                "attribute %s length %s -> %s%s", subj, l1, l2,
                shorter ? ": longer values from devices are rejected" : "");
        }
    }
    for (uint32_t k = 0; k < ne->nattrs; k++) {
        const nf_bc_attr *b = &ne->attrs[k];
        const char *an = str(c->n, b->name);
        if (attr_named(c->o, oe, an)) continue;
        snprintf(subj, sizeof subj, "%s.%s", en, an);
        bool required =
            (b->flags & (NF_BA_NOT_NULL | NF_BA_REQUIRED)) && b->default_k == NF_BC_NONE;
        add(c, vis && required, required ? "attribute-added-required" : "attribute-added", subj,
            "attribute %s added (%s)%s", subj, type_name(c->n, b->type, b->flags, t2, sizeof t2),
            required ? ": required without a default, so objects from old clients are rejected"
                     : "");
    }
}

static const char *download_name(uint8_t d) {
    static const char *const n[] = {"download all",           "download by xpath",
                                    "download nothing clear", "download nothing preserve",
                                    "download never",         "online"};
    return d < sizeof n / sizeof n[0] ? n[d] : "?";
}

static bool on_devices(const nf_bc_entity *e) {
    return (e->flags & NF_BE_OFFLINE) && e->download != NF_BD_ONLINE;
}

static void compare_entities(cmp *c) {
    const nf_bc_module *o = c->o, *n = c->n;
    for (uint32_t i = 0; i < o->nentities; i++) {
        const nf_bc_entity *oe = &o->entities[i];
        if (oe->flags & NF_BE_SYSTEM) continue;
        const char *name = str(o, oe->name);
        bool vis = c->visible[i];
        uint32_t j = entity_named(n, name);
        if (j == NF_BC_NONE) {
            const char *hint = NULL;
            for (uint32_t k = 0; k < n->nentities && !hint; k++)
                if (entity_named(o, str(n, n->entities[k].name)) == NF_BC_NONE &&
                    same_shape(c, oe, &n->entities[k]))
                    hint = str(n, n->entities[k].name);
            add(c, vis, "entity-removed", name, "entity %s removed%s%s%s%s", name,
                hint ? " (renamed to " : "", hint ? hint : "", hint ? "?)" : "",
                vis ? "" : " (it is not on devices)");
            continue;
        }
        const nf_bc_entity *ne = &n->entities[j];
        if (oe->persist != ne->persist)
            add(c, vis, "entity-retyped", name, "entity %s changed from %s to %s", name,
                oe->persist ? "non-persistent" : "persistent",
                ne->persist ? "non-persistent" : "persistent");
        const char *og = oe->generalization < o->nentities
                             ? str(o, o->entities[oe->generalization].name)
                             : "none";
        const char *ng = ne->generalization < n->nentities
                             ? str(n, n->entities[ne->generalization].name)
                             : "none";
        if (strcmp(og, ng) != 0)
            add(c, vis, "entity-retyped", name, "entity %s changed generalization: %s -> %s", name,
                og, ng);
        if (on_devices(oe) && !on_devices(ne))
            add(c, true, "entity-dropped-from-profile", name,
                "entity %s is no longer offline (%s): deployed clients still hold and upload its "
                "objects",
                name, ne->download == NF_BD_ONLINE ? "online" : "not in the profile nor used");
        else if (!on_devices(oe) && on_devices(ne))
            add(c, false, "entity-added-to-profile", name, "entity %s is now offline (%s)", name,
                download_name(ne->download));
        else if (on_devices(oe) && (oe->download != ne->download || oe->conflict != ne->conflict))
            add(c, false, "profile-changed", name, "entity %s: %s -> %s%s", name,
                download_name(oe->download), download_name(ne->download),
                oe->conflict != ne->conflict ? ", conflict resolution changed" : "");
        compare_attrs(c, oe, ne, vis);
    }
    for (uint32_t j = 0; j < n->nentities; j++) {
        const nf_bc_entity *ne = &n->entities[j];
        if ((ne->flags & NF_BE_SYSTEM) || entity_named(o, str(n, ne->name)) != NF_BC_NONE) continue;
        add(c, false, "entity-added", str(n, ne->name), "entity %s added%s", str(n, ne->name),
            on_devices(ne) ? " (offline)" : "");
    }
}

/* ---- associations and enumerations
 * ---------------------------------------------------------------- */

static void compare_assocs(cmp *c) {
    const nf_bc_module *o = c->o, *n = c->n;
    for (uint32_t i = 0; i < o->nassocs; i++) {
        const nf_bc_assoc *a = &o->assocs[i];
        const char *name = str(o, a->name);
        bool vis = (a->from < o->nentities && c->visible[a->from]) ||
                   (a->to < o->nentities && c->visible[a->to]);
        const char *from = a->from < o->nentities ? str(o, o->entities[a->from].name) : "?";
        const char *to = a->to < o->nentities ? str(o, o->entities[a->to].name) : "?";
        uint32_t j = assoc_named(n, name);
        if (j == NF_BC_NONE) {
            const char *hint = NULL;
            for (uint32_t k = 0; k < n->nassocs && !hint; k++) {
                const nf_bc_assoc *b = &n->assocs[k];
                if (assoc_named(o, str(n, b->name)) == NF_BC_NONE && b->from < n->nentities &&
                    b->to < n->nentities && strcmp(str(n, n->entities[b->from].name), from) == 0 &&
                    strcmp(str(n, n->entities[b->to].name), to) == 0)
                    hint = str(n, b->name);
            }
            add(c, vis, "association-removed", name, "association %s (%s -> %s) removed%s%s%s",
                name, from, to, hint ? " (renamed to " : "", hint ? hint : "", hint ? "?)" : "");
            continue;
        }
        const nf_bc_assoc *b = &n->assocs[j];
        const char *nfrom = b->from < n->nentities ? str(n, n->entities[b->from].name) : "?";
        const char *nto = b->to < n->nentities ? str(n, n->entities[b->to].name) : "?";
        if (strcmp(from, nfrom) != 0 || strcmp(to, nto) != 0 ||
            a->reference_set != b->reference_set)
            add(c, vis, "association-retyped", name,
                "association %s changed: %s -> %s (%s) became %s -> %s (%s)", name, from, to,
                a->reference_set ? "reference set" : "reference", nfrom, nto,
                b->reference_set ? "reference set" : "reference");
    }
    for (uint32_t j = 0; j < n->nassocs; j++)
        if (assoc_named(o, str(n, n->assocs[j].name)) == NF_BC_NONE)
            add(c, false, "association-added", str(n, n->assocs[j].name), "association %s added",
                str(n, n->assocs[j].name));
}

static bool has_value(const nf_bc_module *m, const nf_bc_enum *e, const char *v) {
    for (uint32_t k = 0; k < e->nvalues; k++)
        if (strcmp(str(m, e->value_names[k]), v) == 0) return true;
    return false;
}

static void compare_enums(cmp *c) {
    const nf_bc_module *o = c->o, *n = c->n;
    char subj[512];
    for (uint32_t i = 0; i < o->nenums; i++) {
        const nf_bc_enum *a = &o->enums[i];
        const char *name = str(o, a->name);
        bool vis = c->enum_use[i];
        uint32_t j = enum_named(n, name);
        if (j == NF_BC_NONE) {
            add(c, vis, "enumeration-removed", name, "enumeration %s removed", name);
            continue;
        }
        const nf_bc_enum *b = &n->enums[j];
        for (uint32_t k = 0; k < a->nvalues; k++) {
            const char *v = str(o, a->value_names[k]);
            if (has_value(n, b, v)) continue;
            snprintf(subj, sizeof subj, "%s.%s", name, v);
            add(c, vis, "enumeration-value-removed", subj, "enumeration value %s removed%s", subj,
                vis ? ": objects on devices may still hold it" : "");
        }
        for (uint32_t k = 0; k < b->nvalues; k++) {
            const char *v = str(n, b->value_names[k]);
            if (has_value(o, a, v)) continue;
            snprintf(subj, sizeof subj, "%s.%s", name, v);
            add(c, false, "enumeration-value-added", subj, "enumeration value %s added", subj);
        }
    }
    for (uint32_t j = 0; j < n->nenums; j++)
        if (enum_named(o, str(n, n->enums[j].name)) == NF_BC_NONE)
            add(c, false, "enumeration-added", str(n, n->enums[j].name), "enumeration %s added",
                str(n, n->enums[j].name));
}

/* ---- microflows that nanoflows call -------------------------------------------------------------
 */

static const char *simple_name(const char *q) {
    const char *dot = strchr(q, '.');
    return dot ? dot + 1 : q;
}

static const char *param_name(const nf_bc_module *m, const nf_bc_flow *f, uint32_t k) {
    return k < f->nregs && f->reg_names[k] != NF_BC_NONE ? str(m, f->reg_names[k]) : "?";
}

static bool same_signature(const cmp *c, const nf_bc_flow *a, const nf_bc_flow *b) {
    if (a->nparams != b->nparams || !same_type(c, a->ret, b->ret)) return false;
    for (uint32_t k = 0; k < a->nparams && k < a->nregs && k < b->nregs; k++)
        if (!same_type(c, a->regs[k], b->regs[k]) ||
            strcmp(param_name(c->o, a, k), param_name(c->n, b, k)) != 0)
            return false;
    return true;
}

static uint32_t param_named(const nf_bc_module *m, const nf_bc_flow *f, const char *name) {
    for (uint32_t k = 0; k < f->nparams && k < f->nregs; k++)
        if (strcmp(param_name(m, f, k), name) == 0) return k;
    return NF_BC_NONE;
}

static void compare_params(cmp *c, const char *fname, const nf_bc_flow *a, const nf_bc_flow *b) {
    char subj[512], t1[160], t2[160];
    for (uint32_t k = 0; k < a->nparams && k < a->nregs; k++) {
        const char *pn = param_name(c->o, a, k);
        uint32_t j = param_named(c->n, b, pn);
        snprintf(subj, sizeof subj, "%s($%s)", fname, pn);
        type_name(c->o, a->regs[k], 0, t1, sizeof t1);
        if (j == NF_BC_NONE) {
            /* a new parameter in the same place with the same type: a rename */
            bool renamed = k < b->nparams && k < b->nregs &&
                           param_named(c->o, a, param_name(c->n, b, k)) == NF_BC_NONE &&
                           same_type(c, a->regs[k], b->regs[k]);
            if (renamed)
                add(c, true, "parameter-renamed", subj,
                    "microflow %s: parameter $%s renamed to $%s? (%s)", fname, pn,
                    param_name(c->n, b, k), t1);
            else
                add(c, true, "parameter-removed", subj, "microflow %s: parameter $%s (%s) removed",
                    fname, pn, t1);
            continue;
        }
        type_name(c->n, b->regs[j], 0, t2, sizeof t2);
        if (!same_type(c, a->regs[k], b->regs[j]))
            add(c, true, "parameter-retyped", subj,
                "microflow %s: parameter $%s changed type: %s -> %s", fname, pn, t1, t2);
    }
    for (uint32_t j = 0; j < b->nparams && j < b->nregs; j++) {
        const char *pn = param_name(c->n, b, j);
        if (param_named(c->o, a, pn) != NF_BC_NONE) continue;
        bool renamed = j < a->nparams && j < a->nregs &&
                       param_named(c->n, b, param_name(c->o, a, j)) == NF_BC_NONE &&
                       same_type(c, a->regs[j], b->regs[j]);
        if (renamed) continue; /* reported above */
        snprintf(subj, sizeof subj, "%s($%s)", fname, pn);
        add(c, true, "parameter-added", subj,
            "microflow %s: parameter $%s (%s) added: old clients do not pass it", fname, pn,
            type_name(c->n, b->regs[j], 0, t2, sizeof t2));
    }
}

static void compare_flows(cmp *c) {
    const nf_bc_module *o = c->o, *n = c->n;
    char t1[160], t2[160];
    for (uint32_t i = 0; i < o->nflows; i++) {
        const nf_bc_flow *a = &o->flows[i];
        if (!offline_flow(a)) continue;
        const char *name = str(o, a->name);
        uint32_t j = flow_named(n, name);
        if (j == NF_BC_NONE || n->flows[j].kind != NF_BF_MICROFLOW) {
            const char *moved = NULL, *renamed = NULL;
            for (uint32_t k = 0; k < n->nflows; k++) {
                const nf_bc_flow *b = &n->flows[k];
                const char *bn = str(n, b->name);
                if (b->kind != NF_BF_MICROFLOW || flow_named(o, bn) != NF_BC_NONE) continue;
                if (!moved && strcmp(simple_name(bn), simple_name(name)) == 0) moved = bn;
                if (!renamed && same_signature(c, a, b)) renamed = bn;
            }
            const char *hint = moved ? moved : renamed;
            add(c, true, "microflow-removed", name,
                "microflow %s, which nanoflows call, %s%s%s%s: deployed clients still call it",
                name, j == NF_BC_NONE ? "removed" : "is no longer a microflow",
                hint ? (moved ? " (moved to " : " (renamed to ") : "", hint ? hint : "",
                hint ? "?)" : "");
            continue;
        }
        const nf_bc_flow *b = &n->flows[j];
        compare_params(c, name, a, b);
        if (!same_type(c, a->ret, b->ret))
            add(c, true, "return-type-changed", name, "microflow %s: return type %s -> %s", name,
                type_name(o, a->ret, 0, t1, sizeof t1), type_name(n, b->ret, 0, t2, sizeof t2));
    }
    for (uint32_t j = 0; j < n->nflows; j++) {
        const nf_bc_flow *b = &n->flows[j];
        if (!offline_flow(b)) continue;
        uint32_t i = flow_named(o, str(n, b->name));
        if (i == NF_BC_NONE || !offline_flow(&o->flows[i]))
            add(c, false, "microflow-added", str(n, b->name),
                "microflow %s is now called from nanoflows", str(n, b->name));
    }
}

/* ---- modules
 * ------------------------------------------------------------------------------------- */

static bool module_has(const nf_bc_module *m, const char *mod, size_t len) {
    for (uint32_t i = 0; i < m->nentities; i++)
        if (!(m->entities[i].flags & NF_BE_SYSTEM)) {
            const char *s = str(m, m->entities[i].name);
            if (strncmp(s, mod, len) == 0 && s[len] == '.') return true;
        }
    for (uint32_t i = 0; i < m->nflows; i++) {
        const char *s = str(m, m->flows[i].name);
        if (strncmp(s, mod, len) == 0 && s[len] == '.') return true;
    }
    for (uint32_t i = 0; i < m->nenums; i++) {
        const char *s = str(m, m->enums[i].name);
        if (strncmp(s, mod, len) == 0 && s[len] == '.') return true;
    }
    return false;
}

/* A module of the old app that deployed clients depend on and that the new one lacks. */
static void compare_modules(cmp *c) {
    const nf_bc_module *o = c->o, *n = c->n;
    for (uint32_t i = 0; i < o->nflows + o->nentities; i++) {
        const char *name;
        bool vis;
        if (i < o->nflows) {
            name = str(o, o->flows[i].name);
            vis = offline_flow(&o->flows[i]);
        } else {
            name = str(o, o->entities[i - o->nflows].name);
            vis = c->visible[i - o->nflows];
        }
        const char *dot = strchr(name, '.');
        if (!vis || !dot) continue;
        size_t len = (size_t)(dot - name);
        if (module_has(n, name, len)) continue;
        /* report each module once: at its first name */
        bool first = true;
        for (uint32_t k = 0; k < i && first; k++) {
            const char *prev =
                k < o->nflows ? str(o, o->flows[k].name) : str(o, o->entities[k - o->nflows].name);
            first = !(strncmp(prev, name, len) == 0 && prev[len] == '.');
        }
        if (!first) continue;
        char mod[256];
        snprintf(mod, sizeof mod, "%.*s", (int)(len < 200 ? len : 200), name);
        const char *hint = NULL;
        size_t hlen = 0;
        for (uint32_t k = 0; k < n->nflows + n->nentities && !hint; k++) {
            const char *nn =
                k < n->nflows ? str(n, n->flows[k].name) : str(n, n->entities[k - n->nflows].name);
            const char *nd = strchr(nn, '.');
            if (!nd || (k >= n->nflows && (n->entities[k - n->nflows].flags & NF_BE_SYSTEM)))
                continue;
            if (!module_has(o, nn, (size_t)(nd - nn))) {
                hint = nn;
                hlen = (size_t)(nd - nn);
            }
        }
        add(c, true, "module-removed", mod,
            "module %s, which deployed clients depend on, is gone%s%.*s%s", mod,
            hint ? " (renamed to " : "", (int)hlen, hint ? hint : "", hint ? "?)" : "");
    }
}

bool nf_bc_compat(const nf_bc_module *old_m, const nf_bc_module *new_m, nf_bc_changes *out) {
    cmp c = {old_m, new_m, out, calloc(old_m->nentities + 1, sizeof(bool)),
             calloc(old_m->nenums + 1, sizeof(bool))};
    if (!c.visible || !c.enum_use) {
        free(c.visible);
        free(c.enum_use);
        out->oom = true;
        return false;
    }
    mark_visible(&c);
    compare_modules(&c);
    compare_entities(&c);
    compare_assocs(&c);
    compare_enums(&c);
    compare_flows(&c);
    free(c.visible);
    free(c.enum_use);
    return !out->oom;
}
