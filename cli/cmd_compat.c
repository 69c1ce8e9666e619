/* placeholder, replaced below */
#include "cli.h"
int nf_cmd_compat(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return NF_EXIT_USAGE;
}
