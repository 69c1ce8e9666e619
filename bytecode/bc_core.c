/* bc_core.c — the opcode table, hashing and entity layout helpers. */
#include <stdlib.h>
#include <string.h>

#include "bc_format.h"
#include "nf_bc.h"

#define _      NF_OPND__
#define RB     NF_OPND_RB
#define RI     NF_OPND_RI
#define RD     NF_OPND_RD
#define RS     NF_OPND_RS
#define RT     NF_OPND_RT
#define RE     NF_OPND_RE
#define RO     NF_OPND_RO
#define RL     NF_OPND_RL
#define RV     NF_OPND_RV
#define WB     NF_OPND_WB
#define WI     NF_OPND_WI
#define WD     NF_OPND_WD
#define WS     NF_OPND_WS
#define WT     NF_OPND_WT
#define WE     NF_OPND_WE
#define WO     NF_OPND_WO
#define WL     NF_OPND_WL
#define WV     NF_OPND_WV
#define K      NF_OPND_K
#define IMM    NF_OPND_IMM
#define JMP    NF_OPND_JMP
#define ENT    NF_OPND_ENT
#define FLW    NF_OPND_FLW
#define ATT    NF_OPND_ATT
#define ASC    NF_OPND_ASC
#define FN     NF_OPND_FN
#define ACT    NF_OPND_ACT
#define DSC    NF_OPND_DSC
#define EVAL   NF_OPND_EVAL
#define STR    NF_OPND_STR
#define U      NF_OPND_U
#define THROWS NF_OPF_THROWS
#define JUMP   NF_OPF_JUMP
#define CALL   NF_OPF_CALL
#define STORE  NF_OPF_STORE
#define BACK   NF_OPF_BACK
#define END    NF_OPF_END
#define ABC    NF_FMT_ABC
#define ABx    NF_FMT_ABx
#define AsBx   NF_FMT_AsBx
#define sJ     NF_FMT_sJ

const nf_bc_opinfo nf_bc_opinfo_table[NF_OPC_COUNT_] = {
#define OP(name, fmt, a, b, c, flags, text) {#name, fmt, {a, b, c}, (flags), text},
#include "opcodes.def"
#undef OP
};

#undef FN
const nf_bc_fninfo nf_bc_fninfo_table[NF_FN_COUNT_] = {
#define FN(id, name, args, result) {name, args, result},
#include "builtins.def"
#undef FN
};

uint64_t nf_bc_hash(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void put32(uint8_t *p, size_t at, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

void nf_bc_reseal(uint8_t *p, size_t n) {
    put32(p, 8, (uint32_t)n); /* total length (bc_write.c's header layout) */
    uint64_t h = nf_bc_hash(NF_BC_HASH_INIT, p + NF_BC_CHECKSUM_FROM, n - NF_BC_CHECKSUM_FROM);
    put32(p, 16, (uint32_t)h);
    put32(p, 20, (uint32_t)(h >> 32));
}

/* Generalization chains are verified acyclic and at most NF_BC_MAX_GENERALIZATION deep at load;
 * the guard protects unverified modules. */
uint32_t nf_bc_entity_attr_count(const nf_bc_module *m, uint32_t e) {
    uint32_t n = 0;
    for (int guard = 0; e < m->nentities && guard <= NF_BC_MAX_GENERALIZATION; guard++) {
        n += m->entities[e].nattrs;
        e = m->entities[e].generalization;
    }
    return n;
}

const nf_bc_attr *nf_bc_entity_attr(const nf_bc_module *m, uint32_t e, uint32_t i) {
    uint32_t total = nf_bc_entity_attr_count(m, e);
    if (i >= total) return NULL;
    /* generalization attributes come first: walk from the entity up, counting from the end */
    uint32_t end = total;
    for (int guard = 0; e < m->nentities && guard <= NF_BC_MAX_GENERALIZATION; guard++) {
        const nf_bc_entity *en = &m->entities[e];
        uint32_t start = end - en->nattrs;
        if (i >= start) return &en->attrs[i - start];
        end = start;
        e = en->generalization;
    }
    return NULL;
}

bool nf_bc_entity_is_a(const nf_bc_module *m, uint32_t sub, uint32_t sup) {
    for (int guard = 0; sub < m->nentities && guard <= NF_BC_MAX_GENERALIZATION; guard++) {
        if (sub == sup) return true;
        sub = m->entities[sub].generalization;
    }
    return false;
}

/* Walks the associations from e (either end, its generalizations' too); seen marks entities
 * visited. False when a persistable entity is reached. */
static bool passable_from(const nf_bc_module *m, uint32_t e, uint8_t *seen) {
    if (e >= m->nentities) return false;
    if (seen[e]) return true;
    seen[e] = 1;
    if (m->entities[e].persist == 0) return false;
    for (uint32_t a = 0; a < m->nassocs; a++) {
        const nf_bc_assoc *as = &m->assocs[a];
        uint32_t other = NF_BC_NONE;
        if (nf_bc_entity_is_a(m, e, as->from))
            other = as->to;
        else if (nf_bc_entity_is_a(m, e, as->to))
            other = as->from;
        if (other != NF_BC_NONE && !passable_from(m, other, seen)) return false;
    }
    return true;
}

bool nf_bc_entity_offline_passable(const nf_bc_module *m, uint32_t e) {
    if (e >= m->nentities) return false;
    uint8_t *seen = calloc(m->nentities, 1);
    if (!seen) return false;
    bool ok = passable_from(m, e, seen);
    free(seen);
    return ok;
}
