#!/usr/bin/env bash
# frontend.sh — front-end benchmark: `nanoflow check` on a generated MDL app against
# `luac5.4 -p` on a generated Lua file of the same line count and shape, run alternately in the
# same run, printed as a ratio. Target: ratio nanoflow/luac <= 1.0.
#
#   bench/frontend.sh [BUILD_DIR] [--runs N] [--lines N] [--seed S] [--callgrind] [--strict] [--keep]
#
# BUILD_DIR (default: the repository's build/) must hold nanoflow and bench/gen_frontend; this
# script builds nothing. --callgrind also counts instructions of one run of each under
# valgrind (when installed) and prints the hottest nanoflow functions. --strict exits 1 when the
# target is missed. --keep leaves the generated files in place and prints where they are.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh" # usage, check_runs, print_setup, timed, median, ratio, cg, ir
build="$root/build"
runs=7
lines=100000
seed=20240601
callgrind=0
strict=0
keep=0

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --lines) lines=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --callgrind) callgrind=1; shift ;;
    --strict) strict=1; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "frontend.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
check_runs "$runs"

nanoflow="$build/nanoflow"
gen="$build/bench/gen_frontend"
luac=$(command -v luac5.4 || true)
for f in "$nanoflow" "$gen"; do
  if [ ! -x "$f" ]; then
    echo "frontend.sh: $f not found; build first (cmake --build $build)" >&2
    exit 2
  fi
done
if [ -z "$luac" ]; then
  echo "frontend.sh: luac5.4 not found; install lua5.4 (scripts/setup.sh)" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nf-bench-frontend.XXXXXX")
if [ "$keep" -eq 0 ]; then trap 'rm -rf "$work"' EXIT; fi
mdl="$work/app.mdl"
lua="$work/app.lua"

# ---- machine and build -------------------------------------------------------------------
print_setup "front-end benchmark: nanoflow check vs luac5.4 -p" "$build" "$luac"

# ---- inputs --------------------------------------------------------------------------------
"$gen" --lines "$lines" --seed "$seed" "$mdl" "$lua" | sed 's/^/input   : /'

# Both inputs must be accepted without a single diagnostic: a benchmark that measures error
# reporting is meaningless.
if ! out=$("$nanoflow" check "$mdl" 2>&1) || ! grep -q ': 0 errors, 0 warnings$' <<<"$out"; then
  echo "frontend.sh: the generated MDL does not check clean:" >&2
  head -40 <<<"$out" >&2
  echo "(inputs kept in $work)" >&2
  trap - EXIT
  exit 1
fi
if ! out=$("$luac" -p "$lua" 2>&1); then
  echo "frontend.sh: luac5.4 rejects the generated Lua: $out" >&2
  trap - EXIT
  exit 1
fi

# ---- timing ----------------------------------------------------------------------------------
# bash's `time` keyword: wall (%R), user (%U) and system (%S) seconds, millisecond precision.
# The two tools run alternately so that frequency scaling and background load hit both alike.
# One untimed run of each warms the page cache.
TIMEFORMAT='%3R %3U %3S' # timed (lib.sh) appends "wall user sys"
"$nanoflow" check "$mdl" >/dev/null 2>&1
"$luac" -p "$lua" >/dev/null 2>&1
: >"$work/nf.times"
: >"$work/lua.times"
for ((i = 0; i < runs; i++)); do
  timed "$work/nf.times" "$nanoflow" check "$mdl"
  timed "$work/lua.times" "$luac" -p "$lua"
done

minimum() { sort -n -k"$1","$1" "$2" | head -1 | awk -v c="$1" '{ print $c }'; }

nf_wall=$(median 1 "$work/nf.times");  lua_wall=$(median 1 "$work/lua.times")
nf_user=$(median 2 "$work/nf.times");  lua_user=$(median 2 "$work/lua.times")
nf_sys=$(median 3 "$work/nf.times");   lua_sys=$(median 3 "$work/lua.times")
nf_min=$(minimum 1 "$work/nf.times");  lua_min=$(minimum 1 "$work/lua.times")

mdl_lines=$(wc -l <"$mdl"); mdl_bytes=$(wc -c <"$mdl")
lua_lines=$(wc -l <"$lua"); lua_bytes=$(wc -c <"$lua")
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", n / t / 1000; else print "n/a" }'; }

echo
echo "runs    : $runs each, alternating; median (and minimum) seconds"
printf '%-22s %10s %10s %10s %10s %12s\n' "" "wall" "(min)" "user" "sys" "klines/s"
printf '%-22s %10s %10s %10s %10s %12s\n' "nanoflow check" "$nf_wall" "$nf_min" "$nf_user" "$nf_sys" \
  "$(rate "$mdl_lines" "$nf_wall")"
printf '%-22s %10s %10s %10s %10s %12s\n' "luac5.4 -p" "$lua_wall" "$lua_min" "$lua_user" "$lua_sys" \
  "$(rate "$lua_lines" "$lua_wall")"
echo
echo "input   : mdl $mdl_lines lines $mdl_bytes bytes; lua $lua_lines lines $lua_bytes bytes"
r=$(ratio "$nf_wall" "$lua_wall")
echo "ratio nanoflow/luac = $r   (wall, median)"
echo "ratio nanoflow/luac = $(ratio "$nf_user" "$lua_user")   (user CPU, median)"
met=$(awk -v r="$r" 'BEGIN { print (r != "n/a" && r <= 1.0) ? "yes" : "no" }')
echo "target ratio <= 1.00: $([ "$met" = yes ] && echo "met" || echo "NOT met")"

# ---- callgrind (optional) ----------------------------------------------------------------------
if [ "$callgrind" -eq 1 ]; then
  echo
  if ! command -v valgrind >/dev/null; then
    echo "callgrind: valgrind not installed; skipped"
  else
    cg "$work/nf.cg" "$nanoflow" check "$mdl"
    cg "$work/lua.cg" "$luac" -p "$lua"
    nf_ir=$(ir "$work/nf.cg"); lua_ir=$(ir "$work/lua.cg")
    echo "callgrind instructions: nanoflow check $nf_ir, luac5.4 -p $lua_ir"
    echo "ratio nanoflow/luac = $(ratio "$nf_ir" "$lua_ir")   (instructions)"
    if command -v callgrind_annotate >/dev/null; then
      echo "hottest nanoflow functions (self instructions):"
      callgrind_annotate "$work/nf.cg" 2>/dev/null |
        awk 'seen && NF && !/^-+$/ { print } /file:function/ { seen = 1 }' |
        sed -n '1,15p' | sed -e 's/ \[[^]]*\]$//' -e "s|$root/||" -e 's/^/  /'
    fi
  fi
fi

if [ "$keep" -eq 1 ]; then echo; echo "inputs kept in $work"; fi
if [ "$strict" -eq 1 ] && [ "$met" != yes ]; then exit 1; fi
exit 0
