#!/usr/bin/env bash
# gen_long_loop.sh — writes long_loop.mdl to stdout. DEFECT: FORLIST's jump is a 16-bit sBx and
# loop_stmt/list_loop do not check its range. A loop body of more than 32,767 instructions
# (here 7,000 statements, 35,004 instructions) wraps the offset: `FORLIST r2 ->65540`; the
# verifier rejects this one ("jump to 65540 outside the flow") only because the flow is shorter
# than 65,540 instructions — with enough code after the loop the wrapped target is a valid pc
# and the loop silently jumps forward into unrelated code. Right: check the offset like
# nf_cg_patch does and report "the loop body is too long" (or loop with LOOP/sJ instead).
#   usage: bash gen_long_loop.sh > /tmp/long_loop.mdl && nanoflow disasm /tmp/long_loop.mdl
printf 'create module M;\ncreate persistent entity M.E (N: Integer);\n'
printf 'create nanoflow M.Big ($L: List of M.E) returns Integer\nbegin\n  declare $S Integer = 0;\n'
printf '  loop $It in $L\n  begin\n'
for _ in $(seq 7000); do printf '    set $S = $S + $It/N + 1;\n'; done
printf '  end loop;\n  return $S;\nend;\n'
