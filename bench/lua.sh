#!/usr/bin/env bash
# lua.sh — Lua action benchmark (issue 7 item 6), two ratios:
#   1. call overhead: N calls of a trivial Lua action (Bench.CallLua) against N calls of a
#      trivial sub-nanoflow (Bench.CallFlow), each minus the same loop without a call
#      (Bench.Loop): the cost of one call across the Lua boundary over one nanoflow call;
#   2. throughput: N calls of a working Lua action (Bench.Work: 50 iterations of integer
#      arithmetic) against the same function called N times from plain Lua 5.4 (bench/lua/
#      work.lua, run with `lua5.4`), with the default instruction budget (a count hook) and
#      with the budget off (--lua-max-instructions 0).
# All whole process runs (`nanoflow run` of a compiled module; compile time is not measured),
# timed alternately; medians of --runs N runs (default 5). Ratios use user CPU time (the
# machine is shared: wall time is printed too). Checksums must agree, else exit 1.
#
#   bench/lua.sh [BUILD_DIR] [--runs N] [--quick]
#
# BUILD_DIR (default: the repository's build/) must hold nanoflow; this script builds nothing.
# --quick uses 1/10 of the sizes (a smoke test, not a measurement).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh" # usage, check_runs, print_setup, timed, median, ratio
build="$root/build"
runs=5
quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs)
      [ $# -ge 2 ] || { echo "lua.sh: --runs needs a number" >&2; exit 2; }
      runs=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "lua.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
check_runs "$runs"

src="$root/bench/lua"
need_built lua.sh "$build" nanoflow
need_lua lua.sh
private_nanoflow lua "$build"
nfb="$work/bench.nfb"

n_calls=1000000
n_work=1000000
if [ "$quick" -eq 1 ]; then n_calls=$((n_calls / 10)); n_work=$((n_work / 10)); fi

print_setup "Lua action benchmark: nanoflow run vs itself and vs lua5.4 (whole process runs)" \
  "$build" "$lua"
if [ "$quick" -eq 1 ]; then echo "warning : --quick: 1/10 sizes, a smoke test; ratios are not the measurement"; fi
if ! out=$("$nanoflow" compile "$src/bench.mdl" -o "$nfb" 2>&1); then
  echo "lua.sh: bench/lua/bench.mdl does not compile:" >&2
  echo "$out" >&2
  exit 1
fi

# name | command
names=(loop calllua callflow work work0 lua)
cmd() {
  case "$1" in
    loop) "$nanoflow" run "$nfb" Bench.Loop --arg "N=$n_calls" ;;
    calllua) "$nanoflow" run "$nfb" Bench.CallLua --arg "N=$n_calls" ;;
    callflow) "$nanoflow" run "$nfb" Bench.CallFlow --arg "N=$n_calls" ;;
    work) "$nanoflow" run "$nfb" Bench.Work --arg "N=$n_work" ;;
    work0) "$nanoflow" run "$nfb" Bench.Work --arg "N=$n_work" --lua-max-instructions 0 ;;
    lua) "$lua" "$src/work.lua" "$n_work" ;;
  esac
}

# ---- checksums ---------------------------------------------------------------------------------
declare -A sum
for nm in "${names[@]}"; do
  if ! sum[$nm]=$(cmd "$nm" 2>&1); then
    echo "lua.sh: $nm failed: ${sum[$nm]}" >&2
    exit 1
  fi
done
mismatch=0
for nm in calllua callflow; do [ "${sum[$nm]}" = "${sum[loop]}" ] || mismatch=1; done
for nm in work0 lua; do [ "${sum[$nm]}" = "${sum[work]}" ] || mismatch=1; done
if [ "$mismatch" -eq 1 ]; then
  for nm in "${names[@]}"; do echo "checksum $nm: ${sum[$nm]}"; done
  echo "lua.sh: checksums differ: the sides do not compute the same thing" >&2
  exit 1
fi

# ---- timed runs, alternately -------------------------------------------------------------------
export TIMEFORMAT="%R %U"
for ((r = 1; r <= runs; r++)); do
  for nm in "${names[@]}"; do timed "$work/$nm.times" cmd "$nm"; done
done
declare -A wall user
for nm in "${names[@]}"; do
  wall[$nm]=$(median 1 "$work/$nm.times")
  user[$nm]=$(median 2 "$work/$nm.times")
done

per_call() { # per_call A B N — (A - B) / N in nanoseconds
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { v = (a - b) * 1e9 / n; if (v < 0) v = 0; printf "%.0f", v }'
}
echo
printf '%-34s %10s %10s %10s\n' "run (median of $runs)" "size" "wall s" "user s"
printf '%-34s %10s %10s %10s\n' "loop alone (Bench.Loop)" "$n_calls" "${wall[loop]}" "${user[loop]}"
printf '%-34s %10s %10s %10s\n' "trivial Lua action calls" "$n_calls" "${wall[calllua]}" "${user[calllua]}"
printf '%-34s %10s %10s %10s\n' "trivial sub-nanoflow calls" "$n_calls" "${wall[callflow]}" "${user[callflow]}"
printf '%-34s %10s %10s %10s\n' "working Lua action, budget on" "$n_work" "${wall[work]}" "${user[work]}"
printf '%-34s %10s %10s %10s\n' "working Lua action, budget off" "$n_work" "${wall[work0]}" "${user[work0]}"
printf '%-34s %10s %10s %10s\n' "same function in lua5.4" "$n_work" "${wall[lua]}" "${user[lua]}"
echo
lua_ns=$(per_call "${user[calllua]}" "${user[loop]}" "$n_calls")
flow_ns=$(per_call "${user[callflow]}" "${user[loop]}" "$n_calls")
echo "call overhead : Lua action $lua_ns ns, sub-nanoflow $flow_ns ns per call (user CPU, loop subtracted)"
echo "                ratio Lua action / sub-nanoflow = $(ratio "$lua_ns" "$flow_ns")"
echo "throughput    : Lua action / plain Lua = $(ratio "${user[work]}" "${user[lua]}") (budget on), $(ratio "${user[work0]}" "${user[lua]}") (budget off)"
echo "checksums     : all equal"
