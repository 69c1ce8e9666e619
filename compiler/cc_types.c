/* cc_types.c — type names, assignability and entity hierarchy helpers; see cc_model.h. */
#include <stdio.h>

#include "cc_model.h"

const char *nf_cc_type_name(nf_cc_type t, char *buf, size_t n) {
    switch ((nf_cc_tkindv)t.kind) {
    case NF_T_UNKNOWN: return "(unknown)";
    case NF_T_VOID: return "Nothing";
    case NF_T_BOOLEAN: return "Boolean";
    case NF_T_INTEGER: return "Integer";
    case NF_T_LONG: return "Long";
    case NF_T_DECIMAL: return "Decimal";
    case NF_T_STRING: return "String";
    case NF_T_DATETIME: return "DateTime";
    case NF_T_BINARY: return "Binary";
    case NF_T_EMPTY: return "empty";
    case NF_T_ENUM:
        snprintf(buf, n, "Enumeration %s", t.u.enumeration ? t.u.enumeration->name->s : "?");
        return buf;
    case NF_T_OBJECT:
        snprintf(buf, n, "%s", t.u.entity ? t.u.entity->name->s : "Object");
        return buf;
    case NF_T_LIST:
        snprintf(buf, n, "List of %s", t.u.entity ? t.u.entity->name->s : "objects");
        return buf;
    default: return "?";
    }
}

bool nf_cc_entity_is_a(const nf_cc_entity *sub, const nf_cc_entity *sup) {
    for (int guard = 0; sub && guard < 1000; sub = sub->generalization, guard++)
        if (sub == sup) return true;
    return false;
}

const nf_cc_entity *nf_cc_entity_root(const nf_cc_entity *e) {
    for (int guard = 0; e && e->generalization && guard < 1000; guard++)
        e = e->generalization;
    return e;
}

nf_cc_attr *nf_cc_entity_attr(const nf_cc_entity *e, const nf_cc_sym *name) {
    for (int guard = 0; e && guard < 1000; e = e->generalization, guard++) {
        nf_cc_attr *a = nf_cc_map_get(&e->attr_by_name, name);
        if (a) return a;
    }
    return NULL;
}

bool nf_cc_assignable(nf_cc_type to, nf_cc_type from) {
    if (to.kind == NF_T_UNKNOWN || from.kind == NF_T_UNKNOWN) return true;
    if (from.kind == NF_T_EMPTY) return to.kind != NF_T_VOID;
    switch ((nf_cc_tkindv)to.kind) {
    case NF_T_INTEGER:
    case NF_T_LONG: return nf_cc_is_integral(from);
    case NF_T_DECIMAL: return nf_cc_is_numeric(from);
    case NF_T_ENUM: return from.kind == NF_T_ENUM && from.u.enumeration == to.u.enumeration;
    case NF_T_OBJECT:
    case NF_T_LIST:
        if (from.kind != to.kind) return false;
        if (!to.u.entity || !from.u.entity) return true;
        return nf_cc_entity_is_a(from.u.entity, to.u.entity);
    default: return from.kind == to.kind;
    }
}
