/* cc_system.h — MDL source of the built-in System module (see cc_system.c). */
#ifndef NF_CC_SYSTEM_H
#define NF_CC_SYSTEM_H

extern const char nf_cc_system_mdl[];

#endif
