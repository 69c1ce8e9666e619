#!/usr/bin/env bash
# CLI specification of `nanoflow lint`: exit codes (findings fail), text and JSON diagnostics,
# --disable, suppression comments, --list, the demo app lint-clean.
# usage: lint.sh NANOFLOW_BINARY SOURCE_DIR
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

cat >"$tmp/sync.mdl" <<'MDL'
create module M;
create persistent entity M.E (Name: String(50));
create nanoflow M.F ($e: M.E)
begin
  commit $e;
  synchronize all;
end;
MDL
cat >"$tmp/clean.mdl" <<'MDL'
create module M;
create persistent entity M.E (Name: String(50));
create nanoflow M.F ($e: M.E)
begin
  commit $e;
  try
    synchronize all;
  catch
    show message 'Saved on this device; it will be sent later.' type Warning;
  end try;
end;
MDL
printf 'create nanoflow M.G () begin\n  declare $x Integer = 10 div 3;\nend;\n' >"$tmp/bad.mdl"
sed 's/  synchronize all;/  synchronize all; -- lint: ignore NF6001/' "$tmp/sync.mdl" >"$tmp/suppressed.mdl"
mkdir -p "$tmp/app"
cp "$tmp/sync.mdl" "$tmp/app/a.mdl"

expect_exit "a clean app exits 0" 0 "$nf" lint "$tmp/clean.mdl"
expect_exit "findings exit 1" 1 "$nf" lint "$tmp/sync.mdl"
expect_exit "compile errors exit 1" 1 "$nf" lint "$tmp/bad.mdl"
expect_exit "--disable drops a code" 0 "$nf" lint --disable NF6001 "$tmp/sync.mdl"
expect_exit "--disable=CODE,CODE" 0 "$nf" lint --disable=6001,NF6011 "$tmp/sync.mdl"
expect_exit "a suppression comment drops its line" 0 "$nf" lint "$tmp/suppressed.mdl"
expect_exit "a directory lints its .mdl files" 1 "$nf" lint "$tmp/app"
expect_exit "an unknown code for --disable is a usage error" 2 "$nf" lint --disable NF9999x "$tmp/sync.mdl"
expect_exit "a missing file is a usage error" 2 "$nf" lint "$tmp/nope.mdl"
expect_exit "no files is a usage error" 2 "$nf" lint
expect_exit "an unknown option is a usage error" 2 "$nf" lint --frobnicate "$tmp/sync.mdl"
expect_exit "the demo app is lint-clean" 0 "$nf" lint "$src/examples/inspection"

"$nf" lint "$tmp/sync.mdl" 2>"$tmp/err"
if grep -q "sync.mdl:6:3: warning: synchronize fails without a connection" "$tmp/err" &&
   grep -q "\[NF6001\]" "$tmp/err" && grep -q '^      \^~~~~~~~~~~~~~~$' "$tmp/err" &&
   grep -q "1 file linted: 0 errors, 1 warning" "$tmp/err"; then
    pass "text diagnostics: position, code, caret, summary"
else
    fail "text diagnostics"; cat "$tmp/err"
fi

"$nf" lint --format json "$tmp/sync.mdl" >"$tmp/out" 2>/dev/null
if grep -q '"code": "NF6001"' "$tmp/out" && grep -q '"severity": "warning"' "$tmp/out" &&
   grep -q '"line": 6' "$tmp/out" && grep -q '"errors": 0' "$tmp/out" && grep -q '"warnings": 1' "$tmp/out"; then
    pass "--format json"
else
    fail "--format json"; cat "$tmp/out"
fi

"$nf" lint --list >"$tmp/out"
if [ "$(grep -c '^NF6' "$tmp/out")" -ge 12 ] && grep -q '^NF6004  committing an object' "$tmp/out"; then
    pass "--list prints the lint rules"
else
    fail "--list"; cat "$tmp/out"
fi

echo "$fails failure(s)"
[ "$fails" = 0 ]
