#!/usr/bin/env bash
# vm.sh — VM benchmark: five workloads written twice, as MDL nanoflows (bench/vm/bench.mdl, run
# with `nanoflow run`) and as Lua 5.4 scripts (bench/vm/*.lua, run with `lua5.4`), timed as
# whole process runs in the same run, alternately, and printed as ratios nanoflow/Lua.
# Targets: ratio <= 1.0 for the integer loop and the recursive calls, <= 1.5 for the rest.
#
#   bench/vm.sh [BUILD_DIR] [--runs N] [--callgrind] [--strict] [--quick]
#
# BUILD_DIR (default: the repository's build/) must hold nanoflow; this script builds nothing.
# bench.mdl is compiled to a .nfb once, before timing (compile time is not measured). Every
# workload's checksum (the flow's result, the script's output) must be the same on both sides;
# a mismatch is a failure (exit 1). --runs N timed runs of each side (default 5; the median is
# reported). --quick uses 1/10 of the sizes (a smoke test, not a measurement). --callgrind also
# counts the instructions of one run of each side under valgrind (at 1/10 of the sizes, 1/100
# with --quick) and prints their ratio and the hottest nanoflow functions. --strict exits 1
# when a target is missed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh" # usage, check_runs, print_setup, timed, median, ratio, cg, ir
build="$root/build"
runs=5
callgrind=0
strict=0
quick=0

while [ $# -gt 0 ]; do
  case "$1" in
    --runs)
      [ $# -ge 2 ] || { echo "vm.sh: --runs needs a number" >&2; exit 2; }
      runs=$2; shift 2 ;;
    --callgrind) callgrind=1; shift ;;
    --strict) strict=1; shift ;;
    --quick) quick=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "vm.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
check_runs "$runs"

src="$root/bench/vm"
need_built vm.sh "$build" nanoflow
need_lua vm.sh
private_nanoflow vm "$build"
nfb="$work/bench.nfb"

# ---- workloads -------------------------------------------------------------------------------
# name | flow | Lua script | size (N) | target ratio. Fib's N is the Fibonacci index, so --quick
# and callgrind lower it by 5 (about 1/11 of the calls) instead of dividing it.
names=(loop calls strings decimal lists)
flows=(Bench.Loop Bench.Fib Bench.Strings Bench.Decimal Bench.Lists)
labels=("integer loop" "recursive calls" "string building" "Decimal arithmetic" "list operations")
sizes=(10000000 27 100000 1000000 100000)
targets=(1.0 1.0 1.5 1.5 1.5)
scale() { # scale INDEX DIVISOR-EXPONENT — the size divided by 10^k (Fib: index minus 5k)
  local n=${sizes[$1]} k=$2
  if [ "${names[$1]}" = calls ]; then echo $((n - 5 * k)); else echo $((n / 10 ** k)); fi
}
for ((w = 0; w < ${#names[@]}; w++)); do
  sizes[w]=$(scale "$w" "$quick")
done

# ---- machine and build -------------------------------------------------------------------------
print_setup "VM benchmark: nanoflow run vs lua5.4 (whole process runs)" "$build" "$lua"
if [ "$quick" -eq 1 ]; then echo "warning : --quick: 1/10 sizes, a smoke test; ratios are not the measurement"; fi

# ---- compile once (not timed) ------------------------------------------------------------------
if ! out=$("$nanoflow" compile "$src/bench.mdl" -o "$nfb" 2>&1); then
  echo "vm.sh: bench/vm/bench.mdl does not compile:" >&2
  echo "$out" >&2
  exit 1
fi

nf_cmd() { "$nanoflow" run "$nfb" "${flows[$1]}" --arg "N=$2"; }
lua_cmd() { "$lua" "$src/${names[$1]}.lua" "$2"; }

# ---- checksums: the same result on both sides, else the comparison is meaningless -------------
mismatch=0
declare -a sums
check() { # check INDEX N LABEL — runs both sides once; sets sums[INDEX] or mismatch=1
  local w=$1 n=$2 a b
  if ! a=$(nf_cmd "$w" "$n" 2>&1); then a="error: $a"; fi
  if ! b=$(lua_cmd "$w" "$n" 2>&1); then b="error: $b"; fi
  if [ "$a" != "$b" ]; then
    echo "MISMATCH $3 ${names[$w]} (N=$n): nanoflow '$a', lua '$b'" >&2
    mismatch=1
    sums[w]="MISMATCH"
  else
    sums[w]=$a
  fi
}
for ((w = 0; w < ${#names[@]}; w++)); do check "$w" "${sizes[w]}" "checksum"; done

# ---- timing ------------------------------------------------------------------------------------
# bash's `time` keyword: wall (%R) and user (%U) seconds, millisecond precision. The two sides
# run alternately so that frequency scaling and background load hit both alike; the checksum
# run above warmed the page cache.
TIMEFORMAT='%3R %3U'
timed_run() { # timed_run OUTFILE CMD... — appends "wall user" to OUTFILE; a failed run ends all
  if ! timed "$@"; then
    echo "vm.sh: a timed run failed: ${*:2}" >&2
    exit 1
  fi
}

# process start-up alone (size 0 of the loop): informational, included in every figure below
: >"$work/nf-startup.times"; : >"$work/lua-startup.times"
for ((i = 0; i < runs; i++)); do
  timed_run "$work/nf-startup.times" nf_cmd 0 0
  timed_run "$work/lua-startup.times" lua_cmd 0 0
done

declare -a nf_wall lua_wall nf_user lua_user res
for ((w = 0; w < ${#names[@]}; w++)); do
  [ "${sums[w]}" = MISMATCH ] && continue
  : >"$work/nf$w.times"; : >"$work/lua$w.times"
  for ((i = 0; i < runs; i++)); do
    timed_run "$work/nf$w.times" nf_cmd "$w" "${sizes[w]}"
    timed_run "$work/lua$w.times" lua_cmd "$w" "${sizes[w]}"
  done
  nf_wall[w]=$(median 1 "$work/nf$w.times"); lua_wall[w]=$(median 1 "$work/lua$w.times")
  nf_user[w]=$(median 2 "$work/nf$w.times"); lua_user[w]=$(median 2 "$work/lua$w.times")
done

echo
echo "runs    : $runs each, alternating; median wall seconds of whole process runs"
echo "          (bench.mdl compiled to .nfb once beforehand: compile time excluded)"
printf '%-20s %9s %11s %8s %7s %7s %7s  %s\n' "workload" "size" "nanoflow s" "Lua s" "ratio" \
  "target" "result" "checksum"
missed=0
for ((w = 0; w < ${#names[@]}; w++)); do
  if [ "${sums[w]}" = MISMATCH ]; then
    missed=$((missed + 1))
    printf '%-20s %9s %11s %8s %7s %7s %7s  %s\n' "${labels[w]}" "${sizes[w]}" "-" "-" "-" \
      "<=${targets[w]}" "FAIL" "checksums differ"
    continue
  fi
  r=$(ratio "${nf_wall[w]}" "${lua_wall[w]}")
  ok=$(awk -v r="$r" -v t="${targets[w]}" 'BEGIN { print (r != "n/a" && r <= t) ? "PASS" : "MISS" }')
  [ "$ok" = PASS ] || missed=$((missed + 1))
  res[w]=$ok
  printf '%-20s %9s %11s %8s %7s %7s %7s  %s\n' "${labels[w]}" "${sizes[w]}" "${nf_wall[w]}" \
    "${lua_wall[w]}" "$r" "<=${targets[w]}" "$ok" "${sums[w]}"
done
echo
echo "user CPU ratios (median): $(for ((w = 0; w < ${#names[@]}; w++)); do
  [ "${sums[w]}" = MISMATCH ] || printf '%s %s  ' "${names[w]}" "$(ratio "${nf_user[w]}" "${lua_user[w]}")"
done)"
echo "start-up (size 0, included above): nanoflow $(median 1 "$work/nf-startup.times") s, Lua $(median 1 "$work/lua-startup.times") s"
if [ "$mismatch" -eq 1 ]; then
  echo "checksums: MISMATCH (see above): the two sides do not compute the same thing"
else
  echo "checksums: all equal"
fi
met=0
for ((w = 0; w < ${#names[@]}; w++)); do [ "${res[w]:-}" = PASS ] && met=$((met + 1)); done
echo "targets : $met of ${#names[@]} met"

# ---- callgrind (optional) --------------------------------------------------------------------------
if [ "$callgrind" -eq 1 ]; then
  echo
  if ! command -v valgrind >/dev/null; then
    echo "callgrind: valgrind not installed; skipped"
  else
    k=$((quick + 1))
    cg "$work/nf-startup.cg" "$nanoflow" run "$nfb" Bench.Loop --arg N=0
    cg "$work/lua-startup.cg" "$lua" "$src/loop.lua" 0
    nf0=$(ir "$work/nf-startup.cg"); lua0=$(ir "$work/lua-startup.cg")
    echo "callgrind: one run of each side at 1/10^$k of the sizes (Fib: index - $((5 * k)))"
    printf '%-20s %9s %15s %15s %7s %10s\n' "workload" "size" "nanoflow Ir" "Lua Ir" "ratio" \
      "-start-up"
    for ((w = 0; w < ${#names[@]}; w++)); do
      n=$(scale "$w" "$k")
      check "$w" "$n" "callgrind checksum" # the same result at this size too (outside valgrind)
      cg "$work/nf$w.cg" "$nanoflow" run "$nfb" "${flows[w]}" --arg "N=$n"
      cg "$work/lua$w.cg" "$lua" "$src/${names[w]}.lua" "$n"
      a=$(ir "$work/nf$w.cg"); b=$(ir "$work/lua$w.cg")
      printf '%-20s %9s %15s %15s %7s %10s\n' "${labels[w]}" "$n" "$a" "$b" "$(ratio "$a" "$b")" \
        "$(ratio $((a - nf0)) $((b - lua0)))"
    done
    printf '%-20s %9s %15s %15s %7s\n' "(start-up)" 0 "$nf0" "$lua0" "$(ratio "$nf0" "$lua0")"
    echo "ratio: instructions of whole runs; -start-up: both minus their size-0 run"
    if command -v callgrind_annotate >/dev/null; then
      for ((w = 0; w < ${#names[@]}; w++)); do
        echo "hottest nanoflow functions, ${labels[w]} (self instructions; dynamic loader left out):"
        callgrind_annotate "$work/nf$w.cg" 2>/dev/null |
          awk 'seen && !NF && n { exit } seen && NF && !/^-+$/ { print; n++ } /file:function/ { seen = 1 }' |
          grep -v -e '/elf/' -e 'dl-' | sed -n '1,6p' | sed -e 's/ \[[^]]*\]$//' -e "s|$root/||" -e 's/^/  /' ||
          true # awk stops reading early: callgrind_annotate may die of SIGPIPE
      done
    fi
  fi
fi

if [ "$mismatch" -eq 1 ]; then exit 1; fi
if [ "$strict" -eq 1 ] && [ "$missed" -gt 0 ]; then exit 1; fi
exit 0
