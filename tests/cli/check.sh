#!/usr/bin/env bash
# CLI specification of `nanoflow check`: exit codes, text and JSON output, directories.
# usage: check.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
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

cat >"$tmp/good.mdl" <<'MDL'
create module M;
create persistent entity M.E (Name: String);
create nanoflow M.F ($e: M.E) returns String begin return $e/Name; end;
MDL
cat >"$tmp/bad.mdl" <<'MDL'
create nanoflow M.G () begin
  declare $x Integer = 10 div 3;
end;
MDL
printf 'create page M.P ( Title: %s );\n' "'x'" >"$tmp/warn.mdl"
mkdir -p "$tmp/app/sub"
cp "$tmp/good.mdl" "$tmp/app/a.mdl"
printf 'create nanoflow M.H ($e: M.E) begin log info $e/Name; end;\n' >"$tmp/app/sub/b.mdl"
echo 'not mdl' >"$tmp/app/notes.txt"

expect_exit "a clean file exits 0" 0 "$nf" check "$tmp/good.mdl"
expect_exit "errors exit 1" 1 "$nf" check "$tmp/bad.mdl"
expect_exit "warnings alone exit 0" 0 "$nf" check "$tmp/warn.mdl"
expect_exit "a missing file is a usage error" 2 "$nf" check "$tmp/nope.mdl"
expect_exit "an unknown option is a usage error" 2 "$nf" check --frobnicate "$tmp/good.mdl"
expect_exit "no files is a usage error" 2 "$nf" check
expect_exit "an unknown command is a usage error" 2 "$nf" frobnicate
expect_exit "help exits 0" 0 "$nf" help
expect_exit "a directory means its .mdl files, recursively" 0 "$nf" check "$tmp/app"

"$nf" check "$tmp/bad.mdl" 2>"$tmp/err"
if grep -q "bad.mdl:2:24: error: division always yields Decimal" "$tmp/err" &&
   grep -q "\[NF2004\]" "$tmp/err" && grep -q '^                           \^~~~~~~~$' "$tmp/err" &&
   grep -q "1 file checked: 1 error, 0 warnings" "$tmp/err"; then
    pass "text diagnostics: position, code, caret, summary"
else
    fail "text diagnostics"; cat "$tmp/err"
fi

"$nf" check --format json "$tmp/bad.mdl" "$tmp/warn.mdl" >"$tmp/out" 2>/dev/null
if grep -q '"code": "NF2004"' "$tmp/out" && grep -q '"severity": "warning"' "$tmp/out" &&
   grep -q '"line": 2' "$tmp/out" && grep -q '"errors": 1' "$tmp/out" && grep -q '"warnings": 1' "$tmp/out"; then
    pass "--format json"
else
    fail "--format json"; cat "$tmp/out"
fi

head -c 20000 /dev/urandom >"$tmp/garbage.mdl"
"$nf" check "$tmp/garbage.mdl" >/dev/null 2>&1
st=$?
if [ "$st" = 1 ]; then pass "binary garbage gives diagnostics, exit 1"; else fail "binary garbage (exit $st)"; fi
"$nf" check --format json "$tmp/garbage.mdl" >"$tmp/out" 2>/dev/null
if grep -q '"errors":' "$tmp/out"; then pass "JSON stays valid for binary input"; else fail "JSON for binary input"; fi

NO_COLOR= "$nf" check --color always "$tmp/bad.mdl" 2>"$tmp/err"
if grep -q $'\033\\[' "$tmp/err"; then pass "--color always colors"; else fail "--color always"; fi

echo "$fails failure(s)"
[ "$fails" = 0 ]
