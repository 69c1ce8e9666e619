# expect.sh — helpers shared by the CLI specifications (sourced, not run): a scratch directory
# ($tmp, removed on exit), pass/fail counting, and checks of a command's exit status, stdout and
# stderr. A script ends with `finish`.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
# name, wanted exit status, wanted stdout, command...
expect() {
    local name=$1 want=$2 out=$3
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "$name (exit $got, wanted $want)"; cat "$tmp/err"
    elif [ "$(cat "$tmp/out")" != "$out" ]; then
        fail "$name: stdout '$(cat "$tmp/out")', wanted '$out'"
    else
        pass "$name"
    fi
}
# name, text wanted in the last command's stderr
expect_err() {
    if grep -qF -- "$2" "$tmp/err"; then pass "$1"; else fail "$1: stderr lacks '$2'"; cat "$tmp/err"; fi
}
finish() {
    if [ "$fails" -gt 0 ]; then echo "$fails failed"; exit 1; fi
    echo "all passed"
}
