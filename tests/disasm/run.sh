#!/usr/bin/env bash
# Golden disassembly listings: compares `nanoflow disasm NAME.mdl` with NAME.expected.
#
# usage: run.sh NANOFLOW SOURCE_DIR [--update] [NAME...]
#   NANOFLOW    the nanoflow binary
#   SOURCE_DIR  the project root (or tests/disasm itself)
#   --update    rewrite NAME.expected from the current compiler instead of comparing
#   NAME...     only these listings (file names with or without .mdl); default: all
#
# The listing names each flow's source file as given on the command line, so the compiler is
# run from tests/disasm with a bare file name: the output does not depend on the build or
# source directory. Exit status: 0 all match (or updated), 1 a mismatch or a failed compile,
# 2 usage error.
set -u

usage() {
    echo "usage: run.sh NANOFLOW SOURCE_DIR [--update] [NAME...]" >&2
    exit 2
}

[ $# -ge 2 ] || usage
nf=$1
src=$2
shift 2
update=0
names=()
for arg in "$@"; do
    case $arg in
    --update) update=1 ;;
    -*) usage ;;
    *) names+=("${arg%.mdl}") ;;
    esac
done

# the binary as an absolute path: we change directory below
case $nf in
/*) ;;
*/*) nf="$(cd "$(dirname "$nf")" && pwd)/$(basename "$nf")" ;;
*) nf=$(command -v "$nf") || { echo "run.sh: $1 not found" >&2; exit 2; } ;;
esac
[ -x "$nf" ] || { echo "run.sh: $nf is not executable" >&2; exit 2; }

if [ -d "$src/tests/disasm" ]; then dir="$src/tests/disasm"; else dir=$src; fi
cd "$dir" || exit 2

if [ ${#names[@]} -eq 0 ]; then
    for f in *.mdl; do
        [ -e "$f" ] && names+=("${f%.mdl}")
    done
fi
[ ${#names[@]} -gt 0 ] || { echo "run.sh: no .mdl files in $dir" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
for name in "${names[@]}"; do
    if [ ! -f "$name.mdl" ]; then
        echo "FAIL $name: no $name.mdl in $dir"
        fails=$((fails + 1))
        continue
    fi
    if ! "$nf" disasm "$name.mdl" >"$tmp/out" 2>"$tmp/err"; then
        echo "FAIL $name: nanoflow disasm $name.mdl failed"
        cat "$tmp/err"
        fails=$((fails + 1))
        continue
    fi
    if [ "$update" = 1 ]; then
        if [ -f "$name.expected" ] && cmp -s "$tmp/out" "$name.expected"; then
            echo "same $name"
        else
            cp "$tmp/out" "$name.expected"
            echo "updated $name.expected"
        fi
    elif [ ! -f "$name.expected" ]; then
        echo "FAIL $name: no $name.expected (run with --update, then review it)"
        fails=$((fails + 1))
    elif diff -u --label "$name.expected" --label "nanoflow disasm $name.mdl" \
        "$name.expected" "$tmp/out"; then
        echo "ok   $name"
    else
        echo "FAIL $name: the listing differs from $name.expected (diff above)"
        fails=$((fails + 1))
    fi
done
[ "$fails" = 0 ]
