#!/usr/bin/env bash
# CLI specification of `nanoflow compat`: every class of breaking change (tests/compat/*/new.mdl
# against tests/compat/base.mdl, with the expected changes in each case's `expect` file), exit
# codes, .nfb and .mdl inputs through the same path, --old/--new, JSON output.
# usage: compat.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
src=$2
dir=$src/tests/compat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }

# expect: first line "exit N", then "SEVERITY KIND SUBJECT [HINT...]" per change. Every listed
# change must be reported, and no breaking change that is not listed.
for case_dir in "$dir"/*/; do
    name=$(basename "$case_dir")
    "$nf" compat "$dir/base.mdl" "$case_dir/new.mdl" >"$tmp/out" 2>"$tmp/err"
    got=$?
    want=$(sed -n '1s/^exit //p' "$case_dir/expect")
    ok=1
    [ "$got" = "$want" ] || { ok=0; echo "  exit $got, wanted $want"; cat "$tmp/err"; }
    nbreak=0
    while read -r sev kind subject hint; do
        [ "$sev" = exit ] && continue
        [ "$sev" = breaking ] && nbreak=$((nbreak + 1))
        if ! grep -F "$sev: " "$tmp/out" | grep -F "[$kind]" | grep -F -- "$subject" |
            grep -qF -- "$hint"; then
            ok=0
            echo "  missing: $sev $kind $subject $hint"
        fi
    done <"$case_dir/expect"
    reported=$(grep -c '^breaking: ' "$tmp/out")
    [ "$reported" = "$nbreak" ] || { ok=0; echo "  $reported breaking changes reported, $nbreak expected"; }
    if [ $ok = 1 ]; then pass "compat $name"; else fail "compat $name"; cat "$tmp/out"; fi
done

# the same app is compatible with itself, and the demo app too (from .mdl and from .nfb)
"$nf" compat "$dir/base.mdl" "$dir/base.mdl" >"$tmp/out" 2>&1
if [ $? = 0 ] && grep -q '0 breaking changes, 0 others' "$tmp/out"; then pass "an app is compatible with itself"
else fail "an app is compatible with itself"; cat "$tmp/out"; fi
"$nf" compile "$src/examples/inspection" -o "$tmp/app.nfb" >/dev/null 2>&1
"$nf" compat "$tmp/app.nfb" "$src/examples/inspection" >"$tmp/out" 2>&1
if [ $? = 0 ] && grep -q '0 breaking changes, 0 others' "$tmp/out"; then pass ".nfb and .mdl inputs compare equal"
else fail ".nfb against .mdl"; cat "$tmp/out"; fi

# --old/--new with several paths per side
"$nf" compile "$dir/base.mdl" -o "$tmp/base.nfb" >/dev/null 2>&1
sed -n '1,/^create offline profile/p' "$dir/parameters/new.mdl" | sed '$d' >"$tmp/part1.mdl"
sed -n '/^create offline profile/,$p' "$dir/parameters/new.mdl" >"$tmp/part2.mdl"
"$nf" compat --old "$tmp/base.nfb" --new "$tmp/part1.mdl" "$tmp/part2.mdl" >"$tmp/out" 2>&1
if [ $? = 1 ] && grep -q '5 breaking changes' "$tmp/out"; then pass "--old FILE --new FILE FILE"
else fail "--old/--new"; cat "$tmp/out"; fi

# JSON
"$nf" compat --format json "$dir/base.mdl" "$dir/module_renamed/new.mdl" >"$tmp/out" 2>/dev/null
st=$?
if [ $st = 1 ] && grep -q '"severity": "breaking"' "$tmp/out" && grep -q '"kind": "module-removed"' "$tmp/out" &&
   grep -q '"subject": "Calc"' "$tmp/out" && grep -q '"breaking": 2' "$tmp/out" &&
   grep -q '"oldModel": "[0-9a-f]\{16\}"' "$tmp/out"; then pass "--format json"
else fail "--format json (exit $st)"; cat "$tmp/out"; fi

# errors
expect_exit() { # name, wanted status, command...
    local name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" = "$want" ]; then pass "$name"; else fail "$name (exit $got, wanted $want)"; cat "$tmp/err"; fi
}
printf 'create nanoflow M.G () begin\n  declare $x Integer = 10 div 3;\nend;\n' >"$tmp/bad.mdl"
head -c 3000 /dev/urandom >"$tmp/garbage.nfb"
expect_exit "a side that does not compile exits 1" 1 "$nf" compat "$dir/base.mdl" "$tmp/bad.mdl"
expect_exit "a damaged module exits 1" 1 "$nf" compat "$tmp/garbage.nfb" "$dir/base.mdl"
expect_exit "a missing path is a usage error" 2 "$nf" compat "$dir/base.mdl" "$tmp/nope.mdl"
expect_exit "one path is a usage error" 2 "$nf" compat "$dir/base.mdl"
expect_exit "three paths are a usage error" 2 "$nf" compat "$dir/base.mdl" "$dir/base.mdl" "$dir/base.mdl"
expect_exit "--old without --new is a usage error" 2 "$nf" compat --old "$dir/base.mdl"
expect_exit "help exits 0" 0 "$nf" compat --help

echo "$fails failure(s)"
[ "$fails" = 0 ]
