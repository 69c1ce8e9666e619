/* cc_parse_model.c — top-level MDL statements: modules, enumerations, entities, associations,
 * validation rules, constants, security, flows, actions, the offline profile; everything
 * else (pages, workflows, REST, …) is recognised and skipped with NF0020. */
#include <stdio.h>
#include <stdlib.h>

#include "cc_parse_internal.h"

bool nf_cc_unit_add(nf_cc_parser *p, nf_cc_unit *unit, nf_cc_decl *d);
void nf_cc_skip_statement(nf_cc_parser *p, uint32_t start, const char *what);
void nf_cc_parse_decl(nf_cc_parser *p, nf_cc_unit *unit);

static nf_cc_decl *new_decl(nf_cc_parser *p, nf_cc_declkind kind, uint32_t start) {
    nf_cc_decl *d = nf_p_alloc(p, sizeof *d);
    if (!d) return NULL;
    d->kind = (uint8_t)kind;
    d->span = nf_p_tok_span(p, &p->t[start]);
    return d;
}

static char *string_tok(nf_cc_parser *p, const char *what) {
    if (!nf_p_at(p, NF_TK_STRING)) {
        nf_p_expected(p, what);
        return NULL;
    }
    char *s = nf_p_string(p, nf_p_tok(p), NULL);
    nf_p_next(p);
    return s;
}

/* ---- types ----------------------------------------------------------------------------------- */

bool nf_p_typeref(nf_cc_parser *p, nf_cc_typeref *out) {
    memset(out, 0, sizeof *out);
    uint32_t start = p->pos;
    const nf_cc_token *t = nf_p_tok(p);
    out->length = -1;
    if (t->kind == NF_TK_IDENT && !nf_p_peek_is(p, 1, NF_TK_DOT)) {
        nf_cc_typeref_kind k = NF_TR_NONE;
        switch ((nf_cc_kw)t->kw) {
        case NF_KW_string: k = NF_TR_STRING; break;
        case NF_KW_integer: k = NF_TR_INTEGER; break;
        case NF_KW_long: k = NF_TR_LONG; break;
        case NF_KW_decimal: k = NF_TR_DECIMAL; break;
        case NF_KW_boolean: k = NF_TR_BOOLEAN; break;
        case NF_KW_datetime: k = NF_TR_DATETIME; break;
        case NF_KW_date: k = NF_TR_DATE; break;
        case NF_KW_autonumber: k = NF_TR_AUTONUMBER; break;
        case NF_KW_hashedstring: k = NF_TR_HASHEDSTRING; break;
        case NF_KW_binary: k = NF_TR_BINARY; break;
        case NF_KW_autoowner: k = NF_TR_AUTOOWNER; break;
        case NF_KW_autochangedby: k = NF_TR_AUTOCHANGEDBY; break;
        case NF_KW_autocreateddate: k = NF_TR_AUTOCREATEDDATE; break;
        case NF_KW_autochangeddate: k = NF_TR_AUTOCHANGEDDATE; break;
        case NF_KW_currency: k = NF_TR_CURRENCY; break;
        case NF_KW_float: k = NF_TR_FLOAT; break;
        case NF_KW_void:
        case NF_KW_nothing: k = NF_TR_VOID; break;
        case NF_KW_stringtemplate: k = NF_TR_STRINGTEMPLATE; break;
        case NF_KW_enum:
            nf_p_next(p);
            out->kind = NF_TR_ENUM;
            if (!nf_p_qname(p, &out->name, "an enumeration name")) return false;
            out->span = nf_p_span_from(p, start);
            return true;
        case NF_KW_enumeration:
            nf_p_next(p);
            out->kind = NF_TR_ENUM;
            if (!nf_p_expect(p, NF_TK_LPAREN, "'(' after Enumeration") ||
                !nf_p_qname(p, &out->name, "an enumeration name") ||
                !nf_p_expect(p, NF_TK_RPAREN, "')'"))
                return false;
            out->span = nf_p_span_from(p, start);
            return true;
        case NF_KW_list:
            if (nf_p_peek_kw(p, 1, NF_KW_of)) {
                nf_p_next(p);
                nf_p_next(p);
                out->kind = NF_TR_LIST;
                if (!nf_p_qname(p, &out->name, "an entity name")) return false;
                out->span = nf_p_span_from(p, start);
                return true;
            }
            break;
        case NF_KW_entity: /* Entity <pEntity>: a Java action type parameter */
            if (nf_p_peek_is(p, 1, NF_TK_LT)) {
                nf_p_next(p);
                nf_p_next(p);
                nf_cc_sym *name;
                if (!nf_p_name(p, &name, NULL, "a type parameter name") ||
                    !nf_p_expect(p, NF_TK_GT, "'>'"))
                    return false;
                out->kind = NF_TR_TYPEPARAM;
                out->span = nf_p_span_from(p, start);
                return true;
            }
            break;
        default: break;
        }
        if (k != NF_TR_NONE) {
            nf_p_next(p);
            out->kind = (uint8_t)k;
            if (nf_p_at(p, NF_TK_LPAREN) && (k == NF_TR_STRING || k == NF_TR_STRINGTEMPLATE)) {
                nf_p_next(p);
                if (nf_p_at(p, NF_TK_INT)) {
                    unsigned long n = strtoul(p->src->text + nf_p_tok(p)->off, NULL, 10);
                    if (n > 2147483647ul) {
                        nf_p_error(p, NF_D_BAD_LITERAL, nf_p_span(p), "string length is too large");
                        return false;
                    }
                    out->length = (int32_t)n;
                    nf_p_next(p);
                } else if (nf_p_is_name(nf_p_tok(p))) {
                    out->length = 0; /* unlimited (or a template context: Sql, Text) */
                    nf_p_next(p);
                } else {
                    return nf_p_expected(p, "a length or 'unlimited'");
                }
                if (!nf_p_expect(p, NF_TK_RPAREN, "')'")) return false;
            }
            out->span = nf_p_span_from(p, start);
            return true;
        }
    }
    if (!nf_p_is_name(t)) return nf_p_expected(p, "a type");
    out->kind = NF_TR_OBJECT;
    if (!nf_p_qname(p, &out->name, "a type")) return false;
    out->span = nf_p_span_from(p, start);
    return true;
}

bool nf_p_params(nf_cc_parser *p, nf_cc_param_decl **out, uint32_t *n, bool allow_not_null) {
    nf_p_buf ps = {.size = sizeof(nf_cc_param_decl)};
    if (!nf_p_expect(p, NF_TK_LPAREN, "'(' and the parameters (write () when there are none)"))
        return false;
    if (!nf_p_at(p, NF_TK_RPAREN)) {
        do {
            nf_p_skip_annotations(p);
            nf_p_doc_before(p, p->pos);
            nf_cc_param_decl *pd = nf_p_buf_push(p, &ps);
            if (!pd) goto fail;
            const nf_cc_token *t = nf_p_tok(p);
            if (t->kind == NF_TK_VAR || nf_p_is_name(t)) {
                pd->name = nf_p_tok_sym(p, t);
                pd->span = nf_p_span(p);
                nf_p_next(p);
            } else {
                nf_p_expected(p, "a parameter name");
                goto fail;
            }
            if (!nf_p_expect(p, NF_TK_COLON, "':' and the parameter type") ||
                !nf_p_typeref(p, &pd->type))
                goto fail;
            if (allow_not_null && nf_p_at_kw(p, NF_KW_not) && nf_p_peek_kw(p, 1, NF_KW_null)) {
                nf_p_next(p);
                nf_p_next(p);
            }
        } while (nf_p_accept(p, NF_TK_COMMA));
    }
    if (!nf_p_expect(p, NF_TK_RPAREN, "')' after the parameters")) goto fail;
    *out = nf_p_buf_take(p, &ps, n);
    return true;
fail:
    nf_p_buf_free(&ps);
    return false;
}

/* ---- domain model ---------------------------------------------------------------------------- */

static bool enumeration(nf_cc_parser *p, nf_cc_decl *d) {
    if (!nf_p_qname(p, &d->name, "an enumeration name") ||
        !nf_p_expect(p, NF_TK_LPAREN, "'(' and the values"))
        return false;
    nf_p_buf vs = {.size = sizeof(nf_cc_enum_value_decl)};
    if (!nf_p_at(p, NF_TK_RPAREN)) {
        do {
            nf_p_skip_annotations(p);
            nf_cc_enum_value_decl *v = nf_p_buf_push(p, &vs);
            if (!v || !nf_p_name(p, &v->name, &v->span, "a value name")) goto fail;
            nf_p_accept_kw(p, NF_KW_caption);
            if (nf_p_at(p, NF_TK_STRING)) v->caption = string_tok(p, "a caption");
        } while (nf_p_accept(p, NF_TK_COMMA));
    }
    if (!nf_p_expect(p, NF_TK_RPAREN, "')' after the values")) goto fail;
    d->u.enumeration.values = nf_p_buf_take(p, &vs, &d->u.enumeration.n);
    if (nf_p_accept_kw(p, NF_KW_folder) && !string_tok(p, "a folder name")) return false;
    return true;
fail:
    nf_p_buf_free(&vs);
    return false;
}

/* error 'msg' | error message 'msg' after a constraint */
static bool constraint_message(nf_cc_parser *p, char **msg) {
    if (nf_p_at_kw(p, NF_KW_error_message) || nf_p_at_kw(p, NF_KW_errormessage)) {
        nf_p_next(p);
    } else if (nf_p_at_kw(p, NF_KW_error)) {
        nf_p_next(p);
        nf_p_accept_kw(p, NF_KW_message);
    } else {
        return true;
    }
    return (*msg = string_tok(p, "the error message")) != NULL;
}

static bool attribute(nf_cc_parser *p, nf_cc_attr_decl *a) {
    nf_p_skip_annotations(p);
    a->doc = nf_p_doc_before(p, p->pos);
    nf_p_skip_annotations(p);
    if (!nf_p_name(p, &a->name, &a->span, "an attribute name") ||
        !nf_p_expect(p, NF_TK_COLON, "':' and the attribute type") || !nf_p_typeref(p, &a->type))
        return false;
    for (;;) {
        if (nf_p_at_kw(p, NF_KW_not) && nf_p_peek_kw(p, 1, NF_KW_null)) {
            nf_p_next(p);
            nf_p_next(p);
            a->not_null = true;
            if (!constraint_message(p, &a->not_null_msg)) return false;
        } else if (nf_p_accept_kw(p, NF_KW_unique)) {
            a->unique = true;
            if (!constraint_message(p, &a->unique_msg)) return false;
        } else if (nf_p_accept_kw(p, NF_KW_required)) {
            a->required = true;
            if (!constraint_message(p, &a->required_msg)) return false;
        } else if (nf_p_accept_kw(p, NF_KW_nullable)) {
            a->not_null = false;
        } else if (nf_p_accept_kw(p, NF_KW_default)) {
            if (!(a->default_value = nf_p_expr(p))) return false;
        } else if (nf_p_accept_kw(p, NF_KW_calculated)) {
            a->calculated = true;
            nf_p_accept_kw(p, NF_KW_by);
            if (nf_p_is_name(nf_p_tok(p)) && !nf_p_qname(p, &a->calculated_by, "a microflow name"))
                return false;
        } else {
            return true;
        }
    }
}

static bool event_handler(nf_cc_parser *p, nf_cc_event_decl *ev) {
    uint32_t start = p->pos;
    nf_p_next(p); /* on */
    if (nf_p_accept_kw(p, NF_KW_before))
        ev->moment = NF_EV_BEFORE;
    else if (nf_p_accept_kw(p, NF_KW_after))
        ev->moment = NF_EV_AFTER;
    else
        return nf_p_expected(p, "'before' or 'after'");
    if (nf_p_accept_kw(p, NF_KW_create))
        ev->type = NF_EV_CREATE;
    else if (nf_p_accept_kw(p, NF_KW_commit))
        ev->type = NF_EV_COMMIT;
    else if (nf_p_accept_kw(p, NF_KW_delete))
        ev->type = NF_EV_DELETE;
    else if (nf_p_accept_kw(p, NF_KW_rollback))
        ev->type = NF_EV_ROLLBACK;
    else
        return nf_p_expected(p, "create, commit, delete or rollback");
    if (!nf_p_expect_kw(p, NF_KW_call) || !nf_p_qname(p, &ev->flow, "a microflow name"))
        return false;
    if (nf_p_accept(p, NF_TK_LPAREN)) {
        if (nf_p_at(p, NF_TK_VAR)) {
            ev->pass_object = true;
            nf_p_next(p);
        }
        if (!nf_p_expect(p, NF_TK_RPAREN, "')'")) return false;
    }
    if (nf_p_at_kw(p, NF_KW_raise) && nf_p_peek_kw(p, 1, NF_KW_error)) {
        nf_p_next(p);
        nf_p_next(p);
        ev->raise_error = true;
    }
    ev->span = nf_p_span_from(p, start);
    return true;
}

static bool index_def(nf_cc_parser *p, nf_cc_index_decl *ix) {
    uint32_t start = p->pos;
    if (nf_p_is_name(nf_p_tok(p)) && !nf_p_at_kw(p, NF_KW_on)) {
        ix->name = nf_p_tok_sym(p, nf_p_tok(p));
        nf_p_next(p);
    }
    nf_p_accept_kw(p, NF_KW_on);
    if (!nf_p_expect(p, NF_TK_LPAREN, "'(' and the indexed attributes")) return false;
    nf_p_buf cols = {.size = sizeof(nf_cc_sortkey)};
    do {
        nf_cc_sortkey *k = nf_p_buf_push(p, &cols);
        if (!k || !nf_p_qname(p, &k->attr, "an attribute name")) {
            nf_p_buf_free(&cols);
            return false;
        }
        if (nf_p_accept_kw(p, NF_KW_desc))
            k->desc = true;
        else
            nf_p_accept_kw(p, NF_KW_asc);
    } while (nf_p_accept(p, NF_TK_COMMA));
    if (!nf_p_expect(p, NF_TK_RPAREN, "')'")) {
        nf_p_buf_free(&cols);
        return false;
    }
    ix->cols = nf_p_buf_take(p, &cols, &ix->ncols);
    ix->span = nf_p_span_from(p, start);
    return true;
}

static bool entity(nf_cc_parser *p, nf_cc_decl *d, nf_cc_persist persist) {
    d->u.entity.persist = (uint8_t)persist;
    if (!nf_p_qname(p, &d->name, "an entity name")) return false;
    if (nf_p_accept_kw(p, NF_KW_extends) || nf_p_accept_kw(p, NF_KW_generalization)) {
        if (!nf_p_qname(p, &d->u.entity.generalization, "the generalization entity")) return false;
        d->u.entity.has_generalization = true;
    }
    nf_p_buf attrs = {.size = sizeof(nf_cc_attr_decl)};
    nf_p_buf idx = {.size = sizeof(nf_cc_index_decl)};
    nf_p_buf evs = {.size = sizeof(nf_cc_event_decl)};
    if (nf_p_accept(p, NF_TK_LPAREN)) {
        if (!nf_p_at(p, NF_TK_RPAREN)) {
            do {
                nf_cc_attr_decl *a = nf_p_buf_push(p, &attrs);
                if (!a || !attribute(p, a)) goto fail;
            } while (nf_p_accept(p, NF_TK_COMMA) && !nf_p_at(p, NF_TK_RPAREN));
        }
        if (!nf_p_expect(p, NF_TK_RPAREN, "',' or ')' after the attribute")) goto fail;
    }
    for (;;) {
        nf_p_accept(p, NF_TK_COMMA);
        if (nf_p_accept_kw(p, NF_KW_index)) {
            nf_cc_index_decl *ix = nf_p_buf_push(p, &idx);
            if (!ix || !index_def(p, ix)) goto fail;
        } else if (nf_p_at_kw(p, NF_KW_on) &&
                   (nf_p_peek_kw(p, 1, NF_KW_before) || nf_p_peek_kw(p, 1, NF_KW_after))) {
            nf_cc_event_decl *ev = nf_p_buf_push(p, &evs);
            if (!ev || !event_handler(p, ev)) goto fail;
        } else if (nf_p_accept_kw(p, NF_KW_comment) || nf_p_accept_kw(p, NF_KW_folder)) {
            if (!string_tok(p, "a string")) goto fail;
        } else {
            break;
        }
    }
    if (persist == NF_VIEW && nf_p_at_kw(p, NF_KW_as)) {
        nf_p_error(p, NF_D_SKIPPED_STATEMENT, d->span, "view entities (OQL) are not supported");
        goto fail;
    }
    d->u.entity.attrs = nf_p_buf_take(p, &attrs, &d->u.entity.nattrs);
    d->u.entity.indexes = nf_p_buf_take(p, &idx, &d->u.entity.nindexes);
    d->u.entity.events = nf_p_buf_take(p, &evs, &d->u.entity.nevents);
    return true;
fail:
    nf_p_buf_free(&attrs);
    nf_p_buf_free(&idx);
    nf_p_buf_free(&evs);
    return false;
}

static bool delete_behavior(nf_cc_parser *p, nf_cc_decl *d) {
    const nf_cc_token *t = nf_p_tok(p);
    switch (t->kind == NF_TK_IDENT ? t->kw : NF_KW_NONE) {
    case NF_KW_delete_and_references:
    case NF_KW_cascade: d->u.assoc.delete_behavior = NF_DEL_CASCADE; break;
    case NF_KW_delete_if_no_references:
    case NF_KW_prevent: d->u.assoc.delete_behavior = NF_DEL_PREVENT; break;
    case NF_KW_delete_but_keep_references:
        d->u.assoc.delete_behavior = NF_DEL_KEEP_REFERENCES;
        break;
    default: return nf_p_expected(p, "a delete behavior");
    }
    nf_p_next(p);
    return true;
}

static bool assoc_option(nf_cc_parser *p, nf_cc_decl *d, bool *done) {
    *done = false;
    if (nf_p_accept_kw(p, NF_KW_type)) {
        nf_p_accept(p, NF_TK_COLON);
        if (nf_p_accept_kw(p, NF_KW_reference))
            d->u.assoc.reference_set = false;
        else if (nf_p_accept_kw(p, NF_KW_referenceset) || nf_p_accept_kw(p, NF_KW_reference_set))
            d->u.assoc.reference_set = true;
        else
            return nf_p_expected(p, "Reference or ReferenceSet");
    } else if (nf_p_accept_kw(p, NF_KW_owner)) {
        nf_p_accept(p, NF_TK_COLON);
        if (nf_p_accept_kw(p, NF_KW_both))
            d->u.assoc.owner_both = true;
        else if (!nf_p_accept_kw(p, NF_KW_default))
            return nf_p_expected(p, "Default or Both");
    } else if (nf_p_accept_kw(p, NF_KW_storage)) {
        nf_p_accept(p, NF_TK_COLON);
        if (!nf_p_accept_kw(p, NF_KW_column) && !nf_p_accept_kw(p, NF_KW_table))
            return nf_p_expected(p, "Column or Table");
    } else if (nf_p_accept_kw(p, NF_KW_delete_behavior)) {
        nf_p_accept(p, NF_TK_COLON);
        if (!delete_behavior(p, d)) return false;
        if ((nf_p_at_kw(p, NF_KW_error_message) || nf_p_at_kw(p, NF_KW_error))) {
            char *m;
            if (!constraint_message(p, &m)) return false;
        }
    } else if (nf_p_at_kw(p, NF_KW_on) && nf_p_peek_kw(p, 1, NF_KW_delete)) {
        nf_p_next(p);
        nf_p_next(p);
        if (nf_p_accept_kw(p, NF_KW_cascade))
            d->u.assoc.delete_behavior = NF_DEL_CASCADE;
        else if (nf_p_accept_kw(p, NF_KW_restrict))
            d->u.assoc.delete_behavior = NF_DEL_PREVENT;
        else if (nf_p_accept_kw(p, NF_KW_set)) {
            if (!nf_p_expect_kw(p, NF_KW_null)) return false;
            d->u.assoc.delete_behavior = NF_DEL_KEEP_REFERENCES;
        } else
            return nf_p_expected(p, "cascade, restrict or set null");
        char *m;
        if (!constraint_message(p, &m)) return false;
    } else if (nf_p_accept_kw(p, NF_KW_comment)) {
        nf_p_accept(p, NF_TK_COLON);
        if (!string_tok(p, "a comment")) return false;
    } else {
        *done = true;
    }
    return true;
}

static bool association(nf_cc_parser *p, nf_cc_decl *d) {
    if (!nf_p_qname(p, &d->name, "an association name")) return false;
    bool paren = nf_p_accept(p, NF_TK_LPAREN);
    if (!nf_p_expect_kw(p, NF_KW_from) || !nf_p_qname(p, &d->u.assoc.from, "the FROM entity") ||
        !nf_p_expect_kw(p, NF_KW_to) || !nf_p_qname(p, &d->u.assoc.to, "the TO entity"))
        return false;
    for (;;) {
        bool done;
        if (paren) nf_p_accept(p, NF_TK_COMMA);
        if (!assoc_option(p, d, &done)) return false;
        if (done) break;
    }
    return !paren || nf_p_expect(p, NF_TK_RPAREN, "')'");
}

/* Both spellings of a validation rule:
 *   create validation rule M.R for M.Entity required Attr | unique A, B | range Attr between a
 *       and b | range Attr <= n | regex Attr 'pattern' | expression e  feedback 'msg'
 *   create validation rule for M.Entity.Attr regex M.Regex | range from a to b  feedback 'msg' */
static bool validation_rule(nf_cc_parser *p, nf_cc_decl *d) {
    if (!nf_p_at_kw(p, NF_KW_for) && !nf_p_qname(p, &d->name, "a rule name")) return false;
    if (!nf_p_expect_kw(p, NF_KW_for) ||
        !nf_p_qname(p, &d->u.validation.entity, "the entity (or Entity.Attribute)"))
        return false;
    nf_p_buf attrs = {.size = sizeof(nf_cc_qname)};
    if (nf_p_accept_kw(p, NF_KW_required)) {
        d->u.validation.rule = NF_RULE_REQUIRED;
    } else if (nf_p_accept_kw(p, NF_KW_unique)) {
        d->u.validation.rule = NF_RULE_UNIQUE;
    } else if (nf_p_accept_kw(p, NF_KW_range)) {
        d->u.validation.rule = NF_RULE_RANGE;
        if (nf_p_at_kw(p, NF_KW_from) || nf_p_at_kw(p, NF_KW_to)) {
            if (nf_p_accept_kw(p, NF_KW_from) && !(d->u.validation.lo = nf_p_expr(p))) return false;
            if (nf_p_accept_kw(p, NF_KW_to) && !(d->u.validation.hi = nf_p_expr(p))) return false;
            goto feedback;
        }
    } else if (nf_p_accept_kw(p, NF_KW_regex)) {
        d->u.validation.rule = NF_RULE_REGEX;
        if (nf_p_is_name(nf_p_tok(p)) && !nf_p_peek_is(p, 1, NF_TK_STRING)) {
            if (!nf_p_qname(p, &d->u.validation.regex, "a regular expression name")) return false;
            goto feedback;
        }
    } else if (nf_p_accept_kw(p, NF_KW_expression)) {
        d->u.validation.rule = NF_RULE_EXPRESSION;
        if (!(d->u.validation.expr = nf_p_expr(p))) return false;
        goto feedback;
    } else {
        return nf_p_expected(p, "required, unique, range, regex or expression");
    }
    do {
        nf_cc_qname *q = nf_p_buf_push(p, &attrs);
        if (!q || !nf_p_qname(p, q, "an attribute name")) goto fail;
    } while (d->u.validation.rule == NF_RULE_UNIQUE && nf_p_accept(p, NF_TK_COMMA));
    if (d->u.validation.rule == NF_RULE_RANGE) {
        if (nf_p_accept_kw(p, NF_KW_between)) {
            if (!(d->u.validation.lo = nf_p_expr(p))) goto fail;
            /* the expression parser stops before `and` only if the bound is simple: */
            if (d->u.validation.lo->kind == NF_EX_BINARY && d->u.validation.lo->op == NF_OP_AND) {
                d->u.validation.hi = d->u.validation.lo->u.bin.b;
                d->u.validation.lo = d->u.validation.lo->u.bin.a;
            } else if (!nf_p_expect_kw(p, NF_KW_and) || !(d->u.validation.hi = nf_p_expr(p))) {
                goto fail;
            }
        } else {
            nf_cc_tkind k = nf_p_kind(p);
            if (k != NF_TK_LT && k != NF_TK_LE && k != NF_TK_GT && k != NF_TK_GE) {
                nf_p_expected(p, "'between' or a comparison");
                goto fail;
            }
            nf_p_next(p);
            nf_cc_expr *bound = nf_p_expr(p);
            if (!bound) goto fail;
            if (k == NF_TK_LT || k == NF_TK_LE) {
                d->u.validation.hi = bound;
                d->u.validation.hi_strict = k == NF_TK_LT;
            } else {
                d->u.validation.lo = bound;
                d->u.validation.lo_strict = k == NF_TK_GT;
            }
        }
    } else if (d->u.validation.rule == NF_RULE_REGEX) {
        if (!(d->u.validation.pattern = string_tok(p, "a regular expression pattern"))) goto fail;
    }
    d->u.validation.attrs = nf_p_buf_take(p, &attrs, &d->u.validation.nattrs);
feedback:
    nf_p_buf_free(&attrs);
    if (!nf_p_expect_kw(p, NF_KW_feedback)) return false;
    return (d->u.validation.feedback = string_tok(p, "the feedback message")) != NULL;
fail:
    nf_p_buf_free(&attrs);
    return false;
}

static bool constant(nf_cc_parser *p, nf_cc_decl *d) {
    if (!nf_p_qname(p, &d->name, "a constant name") || !nf_p_expect_kw(p, NF_KW_type) ||
        !nf_p_typeref(p, &d->u.constant.type) || !nf_p_expect_kw(p, NF_KW_default) ||
        !(d->u.constant.value = nf_p_expr(p)))
        return false;
    for (;;) {
        if (nf_p_accept_kw(p, NF_KW_comment) || nf_p_accept_kw(p, NF_KW_folder)) {
            if (!string_tok(p, "a string")) return false;
        } else if (nf_p_accept_kw(p, NF_KW_exposed)) {
            if (!nf_p_expect_kw(p, NF_KW_to) || !nf_p_expect_kw(p, NF_KW_client)) return false;
            d->u.constant.exposed = true;
        } else {
            return true;
        }
    }
}

/* ---- security ------------------------------------------------------------------------------ */

static bool qname_list(nf_cc_parser *p, nf_cc_qname **out, uint32_t *n, const char *what) {
    nf_p_buf qs = {.size = sizeof(nf_cc_qname)};
    do {
        nf_cc_qname *q = nf_p_buf_push(p, &qs);
        if (!q || !nf_p_qname(p, q, what)) {
            nf_p_buf_free(&qs);
            return false;
        }
    } while (nf_p_accept(p, NF_TK_COMMA));
    *out = nf_p_buf_take(p, &qs, n);
    return true;
}

/* Key: value property lists of user roles and demo users. Returns the key's text. */
static bool property_key(nf_cc_parser *p, const char *key) {
    const nf_cc_token *t = nf_p_tok(p);
    size_t n = strlen(key);
    if (!nf_p_is_name(t) || t->len != n || !nf_p_peek_is(p, 1, NF_TK_COLON)) return false;
    for (size_t i = 0; i < n; i++) {
        char c = p->src->text[t->off + i];
        if ((c | 32) != (key[i] | 32)) return false;
    }
    nf_p_next(p);
    nf_p_next(p);
    return true;
}

static bool user_role(nf_cc_parser *p, nf_cc_decl *d) {
    if (!nf_p_qname(p, &d->name, "a user role name")) return false;
    if (!nf_p_accept(p, NF_TK_LPAREN)) return true;
    if (nf_p_at(p, NF_TK_RPAREN)) return nf_p_expect(p, NF_TK_RPAREN, NULL);
    if (nf_p_peek_is(p, 1, NF_TK_COLON)) { /* ( ModuleRoles: (…), ManageAllRoles: true, … ) */
        do {
            if (property_key(p, "moduleroles")) {
                if (!nf_p_expect(p, NF_TK_LPAREN, "'('")) return false;
                if (!nf_p_at(p, NF_TK_RPAREN) &&
                    !qname_list(p, &d->u.user_role.roles, &d->u.user_role.nroles, "a module role"))
                    return false;
                if (!nf_p_expect(p, NF_TK_RPAREN, "')'")) return false;
            } else if (property_key(p, "manageallroles")) {
                d->u.user_role.manage_all = nf_p_at_kw(p, NF_KW_true);
                nf_p_next(p);
            } else if (nf_p_is_name(nf_p_tok(p)) && nf_p_peek_is(p, 1, NF_TK_COLON)) {
                nf_p_next(p);
                nf_p_next(p);
                if (nf_p_at(p, NF_TK_LPAREN))
                    nf_p_skip_group(p);
                else
                    nf_p_next(p);
            } else {
                return nf_p_expected(p, "a property such as ModuleRoles: (…)");
            }
        } while (nf_p_accept(p, NF_TK_COMMA) && !nf_p_at(p, NF_TK_RPAREN));
        return nf_p_expect(p, NF_TK_RPAREN, "')'");
    }
    if (!qname_list(p, &d->u.user_role.roles, &d->u.user_role.nroles, "a module role") ||
        !nf_p_expect(p, NF_TK_RPAREN, "')'"))
        return false;
    if (nf_p_at_kw(p, NF_KW_manage)) {
        nf_p_next(p);
        if (!nf_p_expect_kw(p, NF_KW_all) || !nf_p_expect_kw(p, NF_KW_roles)) return false;
        d->u.user_role.manage_all = true;
    }
    return true;
}

static bool demo_user(nf_cc_parser *p, nf_cc_decl *d) {
    uint32_t at = p->pos;
    if (!(d->u.demo_user.user = string_tok(p, "the user name in quotes"))) return false;
    d->name.span = nf_p_span_from(p, at);
    if (nf_p_accept_kw(p, NF_KW_password)) {
        if (!(d->u.demo_user.password = string_tok(p, "the password"))) return false;
        if (nf_p_accept_kw(p, NF_KW_entity)) {
            if (!nf_p_qname(p, &d->u.demo_user.entity, "the user entity")) return false;
            d->u.demo_user.has_entity = true;
        }
        return nf_p_expect(p, NF_TK_LPAREN, "'(' and the user roles") &&
               qname_list(p, &d->u.demo_user.roles, &d->u.demo_user.nroles, "a user role") &&
               nf_p_expect(p, NF_TK_RPAREN, "')'");
    }
    if (!nf_p_expect(p, NF_TK_LPAREN, "'password' or '('")) return false;
    do {
        if (property_key(p, "password")) {
            if (!(d->u.demo_user.password = string_tok(p, "the password"))) return false;
        } else if (property_key(p, "entity")) {
            if (!nf_p_qname(p, &d->u.demo_user.entity, "the user entity")) return false;
            d->u.demo_user.has_entity = true;
        } else if (property_key(p, "userroles")) {
            if (!nf_p_expect(p, NF_TK_LPAREN, "'('") ||
                !qname_list(p, &d->u.demo_user.roles, &d->u.demo_user.nroles, "a user role") ||
                !nf_p_expect(p, NF_TK_RPAREN, "')'"))
                return false;
        } else {
            return nf_p_expected(p, "Password:, Entity: or UserRoles:");
        }
    } while (nf_p_accept(p, NF_TK_COMMA) && !nf_p_at(p, NF_TK_RPAREN));
    return nf_p_expect(p, NF_TK_RPAREN, "')'");
}

static bool access_rights(nf_cc_parser *p, nf_cc_access_right *r) {
    do {
        if (nf_p_accept_kw(p, NF_KW_create))
            r->create = true;
        else if (nf_p_accept_kw(p, NF_KW_delete))
            r->delete_ = true;
        else if (nf_p_at_kw(p, NF_KW_read) || nf_p_at_kw(p, NF_KW_write)) {
            bool read = nf_p_at_kw(p, NF_KW_read);
            nf_p_next(p);
            if (nf_p_accept(p, NF_TK_STAR)) {
                if (read)
                    r->read_all = true;
                else
                    r->write_all = true;
            } else {
                if (!nf_p_expect(p, NF_TK_LPAREN, "'*' or '(' and the members")) return false;
                bool ok = read ? qname_list(p, &r->read, &r->nread, "a member name")
                               : qname_list(p, &r->write, &r->nwrite, "a member name");
                if (!ok || !nf_p_expect(p, NF_TK_RPAREN, "')'")) return false;
            }
        } else {
            return nf_p_expected(p, "create, delete, read or write");
        }
    } while (nf_p_accept(p, NF_TK_COMMA));
    return true;
}

static bool grant_xpath(nf_cc_parser *p, nf_cc_expr **out) {
    if (!nf_p_accept_kw(p, NF_KW_where)) return true;
    if (nf_p_at(p, NF_TK_STRING)) {
        const nf_cc_token *t = nf_p_tok(p);
        nf_p_next(p);
        *out = nf_p_xpath_string(p, t);
    } else {
        *out = nf_p_xpath_chain(p);
    }
    return *out != NULL;
}

static bool grant(nf_cc_parser *p, nf_cc_decl *d, bool revoke, nf_cc_unit *unit, uint32_t start) {
    /* grant|revoke execute on nanoflow|microflow M.F to|from roles */
    if (nf_p_at_kw(p, NF_KW_execute) && nf_p_peek_kw(p, 1, NF_KW_on)) {
        nf_p_next(p);
        nf_p_next(p);
        d->kind = NF_DECL_GRANT_FLOW;
        d->revoke = revoke;
        if (nf_p_accept_kw(p, NF_KW_nanoflow))
            d->u.grant_flow.flow_kind = NF_FLOW_NANOFLOW;
        else if (nf_p_accept_kw(p, NF_KW_microflow))
            d->u.grant_flow.flow_kind = NF_FLOW_MICROFLOW;
        else {
            nf_cc_skip_statement(p, start, "this grant");
            return true;
        }
        if (!nf_p_qname(p, &d->u.grant_flow.flow, "a flow name") ||
            !nf_p_expect_kw(p, revoke ? NF_KW_from : NF_KW_to) ||
            !qname_list(p, &d->u.grant_flow.roles, &d->u.grant_flow.nroles, "a module role"))
            return false;
        return nf_cc_unit_add(p, unit, d);
    }
    if ((nf_p_at_kw(p, NF_KW_view) || nf_p_at_kw(p, NF_KW_access))) {
        nf_cc_skip_statement(p, start, revoke ? "this revoke" : "this grant");
        return true;
    }
    if (nf_p_at_kw(p, NF_KW_create) || nf_p_at_kw(p, NF_KW_delete) || nf_p_at_kw(p, NF_KW_read) ||
        nf_p_at_kw(p, NF_KW_write) || (revoke && nf_p_at_kw(p, NF_KW_all))) {
        /* grant rights on entity M.E to roles [where …] */
        if (revoke && nf_p_accept_kw(p, NF_KW_all)) {
            d->u.grant_entity.rights.create = d->u.grant_entity.rights.delete_ = true;
            d->u.grant_entity.rights.read_all = d->u.grant_entity.rights.write_all = true;
        } else if (!access_rights(p, &d->u.grant_entity.rights)) {
            return false;
        }
        if (!nf_p_expect_kw(p, NF_KW_on) || !nf_p_expect_kw(p, NF_KW_entity) ||
            !nf_p_qname(p, &d->u.grant_entity.entity, "an entity name") ||
            !nf_p_expect_kw(p, revoke ? NF_KW_from : NF_KW_to) ||
            !qname_list(p, &d->u.grant_entity.roles, &d->u.grant_entity.nroles, "a module role"))
            return false;
    } else {
        /* grant M.Role on M.E (rights) [where '…'] */
        if (!qname_list(p, &d->u.grant_entity.roles, &d->u.grant_entity.nroles, "a module role") ||
            !nf_p_expect_kw(p, NF_KW_on) ||
            !nf_p_qname(p, &d->u.grant_entity.entity, "an entity name"))
            return false;
        if (nf_p_accept(p, NF_TK_LPAREN)) {
            if (!access_rights(p, &d->u.grant_entity.rights) ||
                !nf_p_expect(p, NF_TK_RPAREN, "')'"))
                return false;
        } else if (revoke) {
            d->u.grant_entity.rights.create = d->u.grant_entity.rights.delete_ = true;
            d->u.grant_entity.rights.read_all = d->u.grant_entity.rights.write_all = true;
        } else {
            return nf_p_expected(p, "'(' and the access rights");
        }
    }
    if (!revoke && !grant_xpath(p, &d->u.grant_entity.xpath)) return false;
    d->kind = NF_DECL_GRANT_ENTITY;
    d->revoke = revoke;
    return nf_cc_unit_add(p, unit, d);
}

/* ---- flows and actions ----------------------------------------------------------------------- */

static bool flow(nf_cc_parser *p, nf_cc_decl *d, nf_cc_flowkind kind) {
    d->u.flow.kind = (uint8_t)kind;
    p->decl_has_body = true;
    if (nf_p_at_kw(p, NF_KW_if) && nf_p_peek_kw(p, 1, NF_KW_not)) { /* if not exists */
        nf_p_next(p);
        nf_p_next(p);
        if (!nf_p_expect_kw(p, NF_KW_exists)) return false;
    }
    if (!nf_p_qname(p, &d->name, "a flow name") ||
        !nf_p_params(p, &d->u.flow.params, &d->u.flow.nparams, false))
        return false;
    d->u.flow.returns.kind = NF_TR_VOID;
    if (nf_p_accept_kw(p, NF_KW_returns)) {
        if (!nf_p_typeref(p, &d->u.flow.returns)) return false;
        if (nf_p_accept_kw(p, NF_KW_as)) {
            if (!nf_p_at(p, NF_TK_VAR)) return nf_p_expected(p, "the name of the return variable");
            d->u.flow.return_var = nf_p_tok_sym(p, nf_p_tok(p));
            nf_p_next(p);
        }
    }
    /* options before `begin`: folder, comment; microflow-only options are skipped */
    while (!nf_p_at_kw(p, NF_KW_begin) && !nf_p_at(p, NF_TK_EOF)) {
        if (nf_p_accept_kw(p, NF_KW_folder)) {
            if (!(d->u.flow.folder = string_tok(p, "a folder name"))) return false;
        } else if (nf_p_accept_kw(p, NF_KW_comment)) {
            if (!string_tok(p, "a comment")) return false;
        } else if (nf_p_is_name(nf_p_tok(p)) || nf_p_at(p, NF_TK_STRING) ||
                   nf_p_at(p, NF_TK_LPAREN)) {
            /* url '…', export level api, exposed as … action '…' in '…', concurrency, … */
            if (nf_p_at(p, NF_TK_LPAREN))
                nf_p_skip_group(p);
            else
                nf_p_next(p);
        } else {
            return nf_p_expected(p, "'begin' to start the flow body");
        }
    }
    if (!nf_p_expect_kw(p, NF_KW_begin)) return false;
    bool ok = true;
    if (p->ndeferred) {
        d->u.flow.body_deferred = true;
        d->u.flow.body_first = p->pos;
        d->u.flow.body_depth = p->depth;
        d->u.flow.body_mdl_version = p->mdl_version;
        p->pos = d->u.flow.body_end = nf_p_guess_body_end(p);
        (*p->ndeferred)++;
    } else {
        p->in_flow = true;
        ok = nf_p_block(p, &d->u.flow.body);
        p->in_flow = false;
    }
    p->failed =
        false; /* errors inside the body were reported and recovered statement by statement */
    if (!ok) return false;
    if (!nf_p_at_kw(p, NF_KW_end)) {
        nf_p_expected(p, "'end' to close the flow body");
        return false;
    }
    nf_p_next(p);
    return true;
}

static bool action(nf_cc_parser *p, nf_cc_decl *d, nf_cc_actionkind kind) {
    d->u.action.kind = (uint8_t)kind;
    if (!nf_p_qname(p, &d->name, "an action name")) return false;
    if (nf_p_accept_kw(p, NF_KW_folder) && !string_tok(p, "a folder name")) return false;
    if (!nf_p_params(p, &d->u.action.params, &d->u.action.nparams, true)) return false;
    d->u.action.returns.kind = NF_TR_VOID;
    if (nf_p_accept_kw(p, NF_KW_returns) && !nf_p_typeref(p, &d->u.action.returns)) return false;
    /* exposed as '…' in '…', platform X: toolbox metadata, no runtime meaning */
    while (!nf_p_at(p, NF_TK_DOLLAR) && !nf_p_at_kw(p, NF_KW_as) && !nf_p_at(p, NF_TK_SEMI) &&
           !nf_p_at(p, NF_TK_EOF) &&
           !(nf_p_tok(p)->flags & NF_TF_NEWLINE_BEFORE && nf_p_at_kw(p, NF_KW_create)))
        nf_p_next(p);
    nf_p_accept_kw(p, NF_KW_as);
    if (nf_p_at(p, NF_TK_DOLLAR)) {
        const nf_cc_token *t = nf_p_tok(p);
        d->u.action.source = p->src->text + t->off;
        d->u.action.source_len = t->len;
        d->u.action.source_span = nf_p_span(p);
        nf_p_next(p);
    } else if (kind == NF_ACTION_LUA) {
        return nf_p_expected(p, "the Lua body in $$ … $$");
    }
    return true;
}

/* create offline profile M.P ( M.E download all [conflict …], … ) */
static bool offline_profile(nf_cc_parser *p, nf_cc_decl *d) {
    if (!nf_p_qname(p, &d->name, "a profile name") ||
        !nf_p_expect(p, NF_TK_LPAREN, "'(' and the entity rules"))
        return false;
    nf_p_buf es = {.size = sizeof(nf_cc_profile_entry)};
    if (!nf_p_at(p, NF_TK_RPAREN)) {
        do {
            uint32_t start = p->pos;
            nf_cc_profile_entry *e = nf_p_buf_push(p, &es);
            if (!e || !nf_p_qname(p, &e->entity, "an entity name")) goto fail;
            if (nf_p_accept_kw(p, NF_KW_online)) {
                e->download = NF_DL_ONLINE;
            } else if (nf_p_accept_kw(p, NF_KW_download)) {
                if (nf_p_accept_kw(p, NF_KW_all))
                    e->download = NF_DL_ALL;
                else if (nf_p_accept_kw(p, NF_KW_never))
                    e->download = NF_DL_NEVER;
                else if (nf_p_accept_kw(p, NF_KW_nothing)) {
                    if (nf_p_accept_kw(p, NF_KW_preserve))
                        e->download = NF_DL_NOTHING_PRESERVE;
                    else if (nf_p_accept_kw(p, NF_KW_clear))
                        e->download = NF_DL_NOTHING_CLEAR;
                    else {
                        nf_p_expected(p, "'clear' or 'preserve' after 'download nothing'");
                        goto fail;
                    }
                } else if (nf_p_accept_kw(p, NF_KW_by)) {
                    e->download = NF_DL_XPATH;
                    if (!nf_p_expect_kw(p, NF_KW_xpath)) goto fail;
                    if (nf_p_at(p, NF_TK_STRING)) {
                        const nf_cc_token *t = nf_p_tok(p);
                        nf_p_next(p);
                        e->xpath = nf_p_xpath_string(p, t);
                    } else {
                        e->xpath = nf_p_xpath_chain(p);
                    }
                    if (!e->xpath) goto fail;
                } else {
                    nf_p_expected(p, "all, by xpath, nothing clear, nothing preserve or never");
                    goto fail;
                }
            } else {
                nf_p_expected(p, "'download' or 'online'");
                goto fail;
            }
            if (nf_p_accept_kw(p, NF_KW_conflict)) {
                if (nf_p_accept_kw(p, NF_KW_revision)) {
                    e->conflict = NF_CONFLICT_REVISION;
                    if (!nf_p_name(p, &e->revision_attr, &e->revision_span,
                                   "the revision attribute"))
                        goto fail;
                } else if (nf_p_accept_kw(p, NF_KW_last)) {
                    e->conflict = NF_CONFLICT_LAST_WINS;
                    if (!nf_p_expect_kw(p, NF_KW_wins)) goto fail;
                } else if (nf_p_accept_kw(p, NF_KW_changed)) {
                    e->conflict = NF_CONFLICT_CHANGED_ATTRIBUTES;
                    if (!nf_p_expect_kw(p, NF_KW_attributes)) goto fail;
                } else {
                    nf_p_expected(p, "'last wins', 'changed attributes' or 'revision Attribute'");
                    goto fail;
                }
            }
            e->span = nf_p_span_from(p, start);
        } while (nf_p_accept(p, NF_TK_COMMA) && !nf_p_at(p, NF_TK_RPAREN));
    }
    if (!nf_p_expect(p, NF_TK_RPAREN, "',' or ')' after the entity rule")) goto fail;
    d->u.profile.entries = nf_p_buf_take(p, &es, &d->u.profile.n);
    return true;
fail:
    nf_p_buf_free(&es);
    return false;
}

/* create regular expression M.R ( Expression: '…' ) */
static bool regex_doc(nf_cc_parser *p, nf_cc_decl *d) {
    if (!nf_p_qname(p, &d->name, "a regular expression name")) return false;
    if (nf_p_accept_kw(p, NF_KW_folder) && !string_tok(p, "a folder name")) return false;
    if (!nf_p_expect(p, NF_TK_LPAREN, "'(' and Expression: '…'")) return false;
    do {
        if (property_key(p, "expression")) {
            if (!(d->u.regex.pattern = string_tok(p, "the pattern"))) return false;
        } else if (nf_p_is_name(nf_p_tok(p)) && nf_p_peek_is(p, 1, NF_TK_COLON)) {
            nf_p_next(p);
            nf_p_next(p);
            nf_p_next(p);
        } else {
            return nf_p_expected(p, "Expression: '…'");
        }
    } while (nf_p_accept(p, NF_TK_COMMA) && !nf_p_at(p, NF_TK_RPAREN));
    if (!d->u.regex.pattern) {
        nf_p_error(p, NF_D_SYNTAX, d->name.span, "regular expression has no Expression: '…'");
        return false;
    }
    return nf_p_expect(p, NF_TK_RPAREN, "')'");
}

/* ---- dispatch -------------------------------------------------------------------------------- */

static const char *skipped_create_kind(const nf_cc_parser *p) {
    const nf_cc_token *t = nf_p_tok(p);
    if (t->kind != NF_TK_IDENT) return NULL;
    switch (t->kw) {
    case NF_KW_page: return "create page";
    case NF_KW_snippet: return "create snippet";
    case NF_KW_layout: return "create layout";
    case NF_KW_workflow: return "create workflow";
    case NF_KW_rest: return "create rest client";
    case NF_KW_import: return "create import mapping";
    case NF_KW_export: return "create export mapping";
    case NF_KW_json: return "create json structure";
    case NF_KW_image: return "create image collection";
    case NF_KW_navigation: return "create navigation";
    case NF_KW_scheduled: return "create scheduled event";
    case NF_KW_odata: return "create odata service";
    case NF_KW_database: return "create database connection";
    case NF_KW_annotation: return "create annotation";
    case NF_KW_external:
        return nf_p_peek_kw(p, 1, NF_KW_entity) ? NULL : "create external statement";
    default: return "this create statement";
    }
}

void nf_cc_parse_decl(nf_cc_parser *p, nf_cc_unit *unit) {
    char *doc = nf_p_doc_before(p, p->pos); /* before any @annotations, as describe writes it */
    nf_p_skip_annotations(p);
    uint32_t start = p->pos;
    const nf_cc_token *t = nf_p_tok(p);
    if (t->kind != NF_TK_IDENT) {
        nf_p_expected(p, "a statement such as 'create entity' or 'create nanoflow'");
        return;
    }
    nf_cc_decl *d = new_decl(p, NF_DECL_MODULE, start);
    if (!d) return;
    d->doc = doc;
    bool ok = true;
    switch ((nf_cc_kw)t->kw) {
    case NF_KW_mdl: /* mdl 1; selects the language version */
        nf_p_next(p);
        d->kind = NF_DECL_MDL_VERSION;
        if (!nf_p_at(p, NF_TK_INT)) {
            nf_p_expected(p, "a version number after 'mdl'");
            return;
        }
        d->u.mdl.version = (uint32_t)strtoul(p->src->text + nf_p_tok(p)->off, NULL, 10);
        if (d->u.mdl.version > 1)
            nf_p_error(p, NF_D_MDL_VERSION, nf_p_span(p),
                       "mdl %u is not supported (this compiler reads mdl 0 and mdl 1)",
                       d->u.mdl.version);
        p->mdl_version = d->u.mdl.version;
        nf_p_next(p);
        return;
    case NF_KW_grant:
    case NF_KW_revoke: {
        bool revoke = t->kw == NF_KW_revoke;
        nf_p_next(p);
        ok = grant(p, d, revoke, unit, start);
        if (ok) d->span = nf_p_span_from(p, start);
        return;
    }
    case NF_KW_create: break;
    default: {
        char what[64];
        snprintf(what, sizeof what, "'%.*s' statement", (int)(t->len > 20 ? 20 : t->len),
                 p->src->text + t->off);
        if (t->kw == NF_KW_alter || t->kw == NF_KW_drop || t->kw == NF_KW_rename ||
            t->kw == NF_KW_move || t->kw == NF_KW_update || t->kw == NF_KW_describe ||
            t->kw == NF_KW_use || t->kw == NF_KW_connect || t->kw == NF_KW_show) {
            nf_cc_skip_statement(p, start, what);
            return;
        }
        nf_p_expected(p, "a statement such as 'create entity' or 'create nanoflow'");
        return;
    }
    }
    nf_p_next(p); /* create */
    if (nf_p_at_kw(p, NF_KW_or) &&
        (nf_p_peek_kw(p, 1, NF_KW_modify) || nf_p_peek_kw(p, 1, NF_KW_replace))) {
        nf_p_next(p);
        nf_p_next(p);
        d->or_modify = true;
    }
    t = nf_p_tok(p);
    switch (t->kind == NF_TK_IDENT ? (nf_cc_kw)t->kw : NF_KW_NONE) {
    case NF_KW_module:
        nf_p_next(p);
        if (nf_p_accept_kw(p, NF_KW_role)) {
            d->kind = NF_DECL_MODULE_ROLE;
            ok = nf_p_qname(p, &d->name, "a module role name (Module.Role)");
            if (ok && nf_p_accept_kw(p, NF_KW_description))
                ok = (d->u.module_role.description = string_tok(p, "a description")) != NULL;
            break;
        }
        d->kind = NF_DECL_MODULE;
        ok = nf_p_qname(p, &d->name, "a module name");
        while (ok && (nf_p_at_kw(p, NF_KW_folder) || nf_p_at_kw(p, NF_KW_comment))) {
            nf_p_next(p);
            ok = string_tok(p, "a string") != NULL;
        }
        break;
    case NF_KW_enumeration:
        nf_p_next(p);
        d->kind = NF_DECL_ENUM;
        ok = enumeration(p, d);
        break;
    case NF_KW_persistent:
        nf_p_next(p);
        d->kind = NF_DECL_ENTITY;
        ok = nf_p_expect_kw(p, NF_KW_entity) && entity(p, d, NF_PERSISTENT);
        break;
    case NF_KW_non:
        nf_p_next(p);
        d->kind = NF_DECL_ENTITY;
        ok = nf_p_expect(p, NF_TK_MINUS, "'-' as in non-persistent") &&
             nf_p_expect_kw(p, NF_KW_persistent) && nf_p_expect_kw(p, NF_KW_entity) &&
             entity(p, d, NF_NON_PERSISTENT);
        break;
    case NF_KW_entity:
        nf_p_next(p);
        d->kind = NF_DECL_ENTITY;
        ok = entity(p, d, NF_PERSISTENT);
        break;
    case NF_KW_view: nf_cc_skip_statement(p, start, "create view entity"); return;
    case NF_KW_external:
        if (nf_p_peek_kw(p, 1, NF_KW_entity)) {
            nf_cc_skip_statement(p, start, "create external entity");
            return;
        }
        nf_cc_skip_statement(p, start, skipped_create_kind(p));
        return;
    case NF_KW_association:
        nf_p_next(p);
        d->kind = NF_DECL_ASSOC;
        ok = association(p, d);
        break;
    case NF_KW_validation:
        nf_p_next(p);
        d->kind = NF_DECL_VALIDATION;
        ok = nf_p_expect_kw(p, NF_KW_rule) && validation_rule(p, d);
        break;
    case NF_KW_constant:
        nf_p_next(p);
        d->kind = NF_DECL_CONSTANT;
        ok = constant(p, d);
        break;
    case NF_KW_user:
        nf_p_next(p);
        d->kind = NF_DECL_USER_ROLE;
        ok = nf_p_expect_kw(p, NF_KW_role) && user_role(p, d);
        break;
    case NF_KW_demo:
        nf_p_next(p);
        d->kind = NF_DECL_DEMO_USER;
        ok = nf_p_expect_kw(p, NF_KW_user) && demo_user(p, d);
        break;
    case NF_KW_nanoflow:
    case NF_KW_microflow:
    case NF_KW_rule: {
        nf_cc_flowkind fk = t->kw == NF_KW_nanoflow    ? NF_FLOW_NANOFLOW
                            : t->kw == NF_KW_microflow ? NF_FLOW_MICROFLOW
                                                       : NF_FLOW_RULE;
        nf_p_next(p);
        d->kind = NF_DECL_FLOW;
        ok = flow(p, d, fk);
        break;
    }
    case NF_KW_test:
        nf_p_next(p);
        d->kind = NF_DECL_FLOW;
        ok = nf_p_test_decl(p, d);
        break;
    case NF_KW_javascript:
    case NF_KW_java:
    case NF_KW_lua: {
        nf_cc_actionkind ak = t->kw == NF_KW_javascript ? NF_ACTION_JAVASCRIPT
                              : t->kw == NF_KW_java     ? NF_ACTION_JAVA
                                                        : NF_ACTION_LUA;
        nf_p_next(p);
        d->kind = NF_DECL_ACTION;
        ok = nf_p_expect_kw(p, NF_KW_action) && action(p, d, ak);
        break;
    }
    case NF_KW_offline:
        nf_p_next(p);
        d->kind = NF_DECL_OFFLINE_PROFILE;
        ok = nf_p_expect_kw(p, NF_KW_profile) && offline_profile(p, d);
        break;
    case NF_KW_regular:
        nf_p_next(p);
        d->kind = NF_DECL_REGEX;
        ok = nf_p_expect_kw(p, NF_KW_expression) && regex_doc(p, d);
        break;
    case NF_KW_index: { /* create index Name on M.E (cols): attach to the entity in sema */
        nf_p_next(p);
        nf_cc_skip_statement(p, start, "create index (declare indexes on the entity)");
        return;
    }
    case NF_KW_page:
    case NF_KW_snippet: { /* remember page names so `show page` can be checked */
        bool page = t->kw == NF_KW_page;
        nf_p_next(p);
        nf_cc_qname name;
        if (page && nf_p_qname(p, &name, "a page name")) {
            nf_cc_decl *pd = new_decl(p, NF_DECL_PAGE, start);
            if (pd) {
                pd->name = name;
                nf_cc_unit_add(p, unit, pd);
            }
        }
        p->failed = false;
        nf_cc_skip_statement(p, start, page ? "create page" : "create snippet");
        return;
    }
    default:
        if (!nf_p_is_name(t)) {
            nf_p_expected(p, "what to create (entity, nanoflow, microflow, …)");
            return;
        }
        nf_cc_skip_statement(p, start, skipped_create_kind(p));
        return;
    }
    if (!ok) return;
    d->span = nf_p_span_from(p, start);
    nf_cc_unit_add(p, unit, d);
}
