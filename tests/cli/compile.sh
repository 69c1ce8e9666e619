#!/usr/bin/env bash
# CLI specification of `nanoflow compile` and `nanoflow disasm`.
# usage: compile.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
expect_exit() { # name, wanted status, command...
    local name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" = "$want" ]; then pass "$name"; else fail "$name (exit $got, wanted $want)"; cat "$tmp/err"; fi
}

expect_exit "the demo app compiles" 0 "$nf" compile "$src/examples/inspection" -o "$tmp/a.nfb"
grep -q "^wrote .*a.nfb: [0-9]* bytes, [0-9]* flows, model hash [0-9a-f]*$" "$tmp/err" && pass "compile reports what it wrote" || { fail "compile report"; cat "$tmp/err"; }
"$nf" compile "$src/examples/inspection" -o "$tmp/b.nfb" 2>/dev/null
cmp -s "$tmp/a.nfb" "$tmp/b.nfb" && pass "the same sources give the same bytes" || fail "compilation is not deterministic"

expect_exit "disasm of a module" 0 "$nf" disasm "$tmp/a.nfb"
grep -q "^nanoflow Inspection.ACT_Inspection_Create" "$tmp/out" && grep -q "registers:" "$tmp/out" &&
    grep -q "code:" "$tmp/out" && pass "the listing shows flows, registers and code" || fail "listing content"
"$nf" disasm "$src/examples/inspection" >"$tmp/from-sources" 2>/dev/null
cmp -s "$tmp/out" "$tmp/from-sources" && pass "disasm of sources equals disasm of the module" || fail "disasm of sources differs"

printf 'create nanoflow M.F () begin declare $x Integer = 10 div 3; end;\n' >"$tmp/bad.mdl"
expect_exit "errors exit 1 and write nothing" 1 "$nf" compile "$tmp/bad.mdl" -o "$tmp/bad.nfb"
[ ! -e "$tmp/bad.nfb" ] && pass "no module after errors" || fail "a module was written despite errors"
expect_exit "compile without -o is a usage error" 2 "$nf" compile "$tmp/bad.mdl"
expect_exit "disasm without arguments is a usage error" 2 "$nf" disasm

# options are parsed as by check
expect_exit "--format=json and --output=FILE" 0 "$nf" compile "$src/examples/inspection" --format=json --output="$tmp/c.nfb"
grep -q '"diagnostics"' "$tmp/out" && cmp -s "$tmp/a.nfb" "$tmp/c.nfb" && pass "JSON on stdout, the same module" || fail "--format=json/--output="
expect_exit "--format with an unknown value is a usage error" 2 "$nf" compile "$tmp/bad.mdl" -o "$tmp/x.nfb" --format xml
grep -q "format takes text or json" "$tmp/err" && pass "the message names the values" || { fail "format message"; cat "$tmp/err"; }
expect_exit "--color with an unknown value is a usage error" 2 "$nf" compile "$tmp/bad.mdl" -o "$tmp/x.nfb" --color sometimes
expect_exit "-o as the last argument is a usage error" 2 "$nf" compile "$tmp/bad.mdl" -o
expect_exit "an unknown option is a usage error" 2 "$nf" compile "$tmp/bad.mdl" -o "$tmp/x.nfb" --fast

# check runs the code generator too: its limits are reported before compile
{
    printf 'create module M;\ncreate persistent entity M.E (N: Integer);\n'
    printf 'create nanoflow M.Big ($L: List of M.E) returns Integer\nbegin\n  declare $S Integer = 0;\n'
    printf '  loop $It in $L\n  begin\n'
    for _ in $(seq 11000); do printf '    set $S = $S + $It/N + 1;\n'; done
    printf '  end loop;\n  return $S;\nend;\n'
} >"$tmp/long.mdl"
expect_exit "check reports a code generator limit" 1 "$nf" check "$tmp/long.mdl"
grep -q "long.mdl:6:3: error: this loop body compiles to 33000 instructions.*\[NF9001\]" "$tmp/err" && pass "at the loop, with NF9001" || { fail "limit message"; cat "$tmp/err"; }

head -c 3000 "$tmp/a.nfb" >"$tmp/trunc.nfb"
expect_exit "a truncated module is rejected" 1 "$nf" disasm "$tmp/trunc.nfb"
grep -q "truncated" "$tmp/err" && pass "the message says truncated" || { fail "truncation message"; cat "$tmp/err"; }
cp "$tmp/a.nfb" "$tmp/flip.nfb"
printf '\xff' | dd of="$tmp/flip.nfb" bs=1 seek=2000 conv=notrunc 2>/dev/null
expect_exit "a damaged module is rejected" 1 "$nf" disasm "$tmp/flip.nfb"
grep -q "checksum" "$tmp/err" && pass "the message says checksum" || { fail "checksum message"; cat "$tmp/err"; }
echo "not a module" >"$tmp/text.nfb"
expect_exit "a text file is rejected" 1 "$nf" disasm "$tmp/text.nfb"
expect_exit "a missing module is a usage error" 2 "$nf" disasm "$tmp/none.nfb"

echo "$fails failure(s)"
[ "$fails" = 0 ]
