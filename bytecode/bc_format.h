/* bc_format.h — constants of the byte format shared by the writer and the reader. */
#ifndef NF_BC_FORMAT_H
#define NF_BC_FORMAT_H

#define NF_BC_HEADER_SIZE   40
#define NF_BC_CHECKSUM_FROM 24 /* the checksum covers every byte from here to the end */

enum nf_bc_section_id {
    NF_BC_SEC_STRINGS = 1,
    NF_BC_SEC_CONSTS,
    NF_BC_SEC_ENUMS,
    NF_BC_SEC_ENTITIES,
    NF_BC_SEC_ASSOCS,
    NF_BC_SEC_SECURITY,
    NF_BC_SEC_XPATH,
    NF_BC_SEC_ACTIONS,
    NF_BC_SEC_FLOWS,
    NF_BC_SEC_COUNT_
};

#endif
