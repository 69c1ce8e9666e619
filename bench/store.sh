#!/usr/bin/env bash
# store.sh — store benchmark: nanoflow's local store (bench/store/app.mdl, run with
# `nanoflow run --db FILE`) against a raw SQLite C peer (bench/store_raw.c) doing the same work on
# the same schema, each phase a whole process per side, timed in the same run, alternately, and
# printed as ratios nanoflow/raw. Targets: time ratio <= 1.3 for each phase, peak memory (max
# RSS) ratio <= 2.0 for the retrieve with an XPath constraint.
#
#   bench/store.sh [BUILD_DIR] [--runs N] [--rows N] [--callgrind] [--strict] [--keep]
#
# BUILD_DIR (default: the repository's build/) must hold nanoflow and bench/store_raw; this
# script builds nothing. app.mdl is compiled to a .nfb once (not measured). Phases, with
# --rows R (default 100000):
#   1 commit    R new objects created into a list and committed at once (one transaction),
#               starting from an empty file
#   2 retrieve  the R objects of an XPath constraint ([Qty > 0]) and the sum of an attribute
#   3 by assoc  R/10 retrieves by association from the `to` side (R/100 orders, 10 items each,
#               10 passes over the orders), each summing the items' prices
# Phases 2 and 3 start from a copy of one database file seeded beforehand by nanoflow. Every
# phase's result must be the same on both sides (and phase 1's files must hold the same schema
# and the same rows); a mismatch is a failure (exit 1). --runs N timed runs of each side per
# phase (default 5; the median is reported). --callgrind also counts the instructions of one
# run of each side per phase under valgrind and prints the 15 hottest nanoflow functions.
# --strict exits 1 when a target is missed. --keep keeps the work directory (app.nfb, the seeded
# database, the phases' files, callgrind outputs) and prints where it is.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh" # usage, check_runs, print_setup, timed, median, ratio, cg, ir
build="$root/build"
runs=5
rows=100000
callgrind=0
strict=0
keep=0

while [ $# -gt 0 ]; do
  case "$1" in
    --runs)
      [ $# -ge 2 ] || { echo "store.sh: --runs needs a number" >&2; exit 2; }
      runs=$2; shift 2 ;;
    --rows)
      [ $# -ge 2 ] || { echo "store.sh: --rows needs a number" >&2; exit 2; }
      rows=$2; shift 2 ;;
    --callgrind) callgrind=1; shift ;;
    --strict) strict=1; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "store.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
check_runs "$runs"
case "$rows" in
  ''|*[!0-9]*) echo "store.sh: --rows takes a number of at least 100" >&2; exit 2 ;;
esac
if [ "$rows" -lt 100 ]; then echo "store.sh: --rows takes a number of at least 100" >&2; exit 2; fi

for f in nanoflow bench/store_raw; do
  if [ ! -x "$build/$f" ]; then
    echo "store.sh: $build/$f not found; build first (cmake --build $build)" >&2
    exit 2
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/nf-bench-store.XXXXXX")
if [ "$keep" -eq 1 ]; then
  trap 'echo "kept: $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
# Private copies of the binaries: a rebuild of BUILD_DIR during the run cannot disturb them.
nanoflow="$work/nanoflow"
raw="$work/store_raw"
cp "$build/nanoflow" "$nanoflow"
cp "$build/bench/store_raw" "$raw"
nfb="$work/app.nfb"
seed="$work/seed.db"
gnutime=/usr/bin/time
[ -x "$gnutime" ] || gnutime=""

# ---- sizes -------------------------------------------------------------------------------------
orders=$((rows / 100)) # phase 3: orders, 10 items each, 10 passes: rows/10 retrieves
per_order=10
passes=10
labels=("commit (list)" "retrieve XPath" "retrieve assoc")
sizes=("$rows" "$rows" "$((orders * passes))")
units=(objects objects retrieves)
target=1.3
mem_target=2.0
mem_phase=2 # the phase the peak memory target applies to

# ---- machine and build -------------------------------------------------------------------------
print_setup "Store benchmark: nanoflow run --db vs raw SQLite C (whole process runs)" "$build" "$raw"
echo "sqlite  : nanoflow links $(ldd "$nanoflow" 2>/dev/null | awk '/libsqlite3/ { print $3 }' | head -1 || true)," \
  "store_raw $(ldd "$raw" 2>/dev/null | awk '/libsqlite3/ { print $3 }' | head -1 || true)"
echo "files   : $work ($(df -PT "$work" 2>/dev/null | awk 'NR == 2 { print $2 }' || echo '?'))"

# ---- compile once and seed (not timed) --------------------------------------------------------------
if ! out=$("$nanoflow" compile "$root/bench/store/app.mdl" -o "$nfb" 2>&1); then
  echo "store.sh: bench/store/app.mdl does not compile:" >&2
  echo "$out" >&2
  exit 1
fi
seeded=$((rows + orders * per_order))
start=$(date +%s.%N)
if ! out=$("$nanoflow" run "$nfb" Bench.Seed --db "$seed" --arg "N=$rows" --arg "Orders=$orders" \
  --arg "PerOrder=$per_order" 2>&1) || [ "$out" != "$seeded" ]; then
  echo "store.sh: seeding failed (expected $seeded objects): $out" >&2
  exit 1
fi
echo "seed    : $rows items + $orders orders x $per_order items, by nanoflow in" \
  "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s;" \
  "$(du -k "$seed" | cut -f1) KB"

# ---- the two sides -----------------------------------------------------------------------------------
prep() { # prep PHASE FILE — the file a run of PHASE starts from: empty (1) or a copy of the seed
  rm -f "$2" "$2-wal" "$2-shm" "$2-journal"
  if [ "$1" -ne 1 ]; then
    cp "$seed" "$2"
    if [ -e "$seed-wal" ]; then cp "$seed-wal" "$2-wal"; fi
  fi
}
set_cmd() { # set_cmd SIDE PHASE FILE [N] — the command line of a run into the array cmd
  case "$1:$2" in
    nf:1) cmd=("$nanoflow" run "$nfb" Bench.Commit --db "$3" --arg "N=${4:-$rows}") ;;
    nf:2) cmd=("$nanoflow" run "$nfb" Bench.Retrieve --db "$3") ;;
    nf:3) cmd=("$nanoflow" run "$nfb" Bench.ByAssoc --db "$3" --arg "Passes=$passes") ;;
    raw:1) cmd=("$raw" commit "$3" "${4:-$rows}") ;;
    raw:2) cmd=("$raw" retrieve "$3") ;;
    raw:3) cmd=("$raw" assoc "$3" "$passes") ;;
  esac
}
run_side() { # run_side SIDE PHASE FILE [N]
  local cmd
  set_cmd "$@"
  "${cmd[@]}"
}

# ---- checksums and peak memory: one untimed run of each side per phase ---------------------------
# Both sides must print the same result; phase 1's two files must hold the same schema and rows
# of the same shape (the ids differ: they are new UUIDs). Peak memory is GNU time's max RSS.
mismatch=0
declare -a sums nf_rss raw_rss
rss_run() { # rss_run RSSFILE SIDE PHASE FILE — one run, its max RSS (KB) into RSSFILE
  local f=$1 cmd; shift
  set_cmd "$@"
  if [ -n "$gnutime" ]; then
    "$gnutime" -f '%M' -o "$f" "${cmd[@]}"
  else
    echo "n/a" >"$f"
    "${cmd[@]}"
  fi
}
for side in nf raw; do # start-up: phase 1 with 0 objects
  prep 1 "$work/${side}0.db"
  rss_run "$work/${side}0.rss" "$side" 1 "$work/${side}0.db" 0 >/dev/null
done
for p in 1 2 3; do
  w=$((p - 1))
  prep "$p" "$work/nf$p.db"
  prep "$p" "$work/raw$p.db"
  if ! a=$(rss_run "$work/nf$p.rss" nf "$p" "$work/nf$p.db" 2>&1); then a="error: $a"; fi
  if ! b=$(rss_run "$work/raw$p.rss" raw "$p" "$work/raw$p.db" 2>&1); then b="error: $b"; fi
  nf_rss[w]=$(tail -1 "$work/nf$p.rss"); raw_rss[w]=$(tail -1 "$work/raw$p.rss")
  if [ "$a" != "$b" ]; then
    echo "MISMATCH phase $p (${labels[w]}): nanoflow '$a', raw '$b'" >&2
    mismatch=1
    sums[w]=MISMATCH
  else
    sums[w]=$a
  fi
done
if [ "$mismatch" -eq 0 ]; then
  if ! diff <("$raw" schema "$work/nf1.db") <("$raw" schema "$work/raw1.db") >"$work/schema.diff"; then
    echo "MISMATCH schema: store_raw.c does not create the tables nanoflow's store creates" \
      "(< nanoflow, > raw):" >&2
    cat "$work/schema.diff" >&2
    mismatch=1
    sums[0]=MISMATCH
  fi
  s1=$("$raw" summary "$work/nf1.db"); s2=$("$raw" summary "$work/raw1.db")
  if [ "$s1" != "$s2" ]; then
    echo "MISMATCH phase 1 rows: nanoflow: $s1; raw: $s2" >&2
    mismatch=1
    sums[0]=MISMATCH
  fi
fi
if [ "$mismatch" -eq 1 ]; then
  echo "store.sh: the two sides do not do the same work; nothing timed" >&2
  exit 1
fi

# ---- timing ------------------------------------------------------------------------------------
# bash's `time` keyword: wall, user and system seconds, millisecond precision. The sides run
# alternately so that frequency scaling and background load hit both alike; each run starts
# from its own fresh file (prepared outside the timing).
TIMEFORMAT='%3R %3U %3S'
timed_run() { # timed_run OUTFILE CMD... — appends "wall user sys" to OUTFILE; a failed run ends all
  if ! timed "$@"; then
    echo "store.sh: a timed run failed: ${*:2}" >&2
    exit 1
  fi
}

# process start-up and opening the store: phase 1 with 0 objects on an empty file (informational)
: >"$work/nf0.times"; : >"$work/raw0.times"
for ((i = 0; i < runs; i++)); do
  prep 1 "$work/nf0.db"; timed_run "$work/nf0.times" run_side nf 1 "$work/nf0.db" 0
  prep 1 "$work/raw0.db"; timed_run "$work/raw0.times" run_side raw 1 "$work/raw0.db" 0
done

declare -a nf_wall raw_wall nf_user raw_user nf_sys raw_sys res
for p in 1 2 3; do
  w=$((p - 1))
  : >"$work/nf$p.times"; : >"$work/raw$p.times"
  for ((i = 0; i < runs; i++)); do
    prep "$p" "$work/nf$p.db"; timed_run "$work/nf$p.times" run_side nf "$p" "$work/nf$p.db"
    prep "$p" "$work/raw$p.db"; timed_run "$work/raw$p.times" run_side raw "$p" "$work/raw$p.db"
  done
  nf_wall[w]=$(median 1 "$work/nf$p.times"); raw_wall[w]=$(median 1 "$work/raw$p.times")
  nf_user[w]=$(median 2 "$work/nf$p.times"); raw_user[w]=$(median 2 "$work/raw$p.times")
  nf_sys[w]=$(median 3 "$work/nf$p.times"); raw_sys[w]=$(median 3 "$work/raw$p.times")
done

echo
echo "runs    : $runs each, alternating; median wall seconds of whole process runs"
echo "          (app.mdl compiled to .nfb once beforehand: compile time excluded)"
printf '%-16s %9s %-10s %11s %8s %7s %7s %7s  %s\n' "phase" "size" "" "nanoflow s" "raw s" \
  "ratio" "target" "result" "checksum"
missed=0
for p in 1 2 3; do
  w=$((p - 1))
  r=$(ratio "${nf_wall[w]}" "${raw_wall[w]}")
  ok=$(awk -v r="$r" -v t="$target" 'BEGIN { print (r != "n/a" && r <= t) ? "PASS" : "MISS" }')
  [ "$ok" = PASS ] || missed=$((missed + 1))
  res[w]=$ok
  printf '%-16s %9s %-10s %11s %8s %7s %7s %7s  %s\n' "$p ${labels[w]}" "${sizes[w]}" \
    "${units[w]}" "${nf_wall[w]}" "${raw_wall[w]}" "$r" "<=$target" "$ok" "${sums[w]}"
done
echo
printf '%-16s %11s %11s %7s %9s %9s\n' "CPU (median)" "nf user s" "raw user s" "ratio" \
  "nf sys s" "raw sys s"
for p in 1 2 3; do
  w=$((p - 1))
  printf '%-16s %11s %11s %7s %9s %9s\n' "$p ${labels[w]}" "${nf_user[w]}" "${raw_user[w]}" \
    "$(ratio "${nf_user[w]}" "${raw_user[w]}")" "${nf_sys[w]}" "${raw_sys[w]}"
done
echo "start-up (phase 1 with 0 objects: process, open, schema; included above):" \
  "nanoflow $(median 1 "$work/nf0.times") s, raw $(median 1 "$work/raw0.times") s"

echo
echo "peak memory (max RSS of one run, KB)"
printf '%-16s %11s %11s %7s %7s %7s\n' "phase" "nanoflow" "raw" "ratio" "target" "result"
nf_rss0=$(tail -1 "$work/nf0.rss"); raw_rss0=$(tail -1 "$work/raw0.rss")
mem_ok=""
for p in 1 2 3; do
  w=$((p - 1))
  r=$(ratio "${nf_rss[w]}" "${raw_rss[w]}")
  if [ "$p" -eq "$mem_phase" ]; then
    mem_ok=$(awk -v r="$r" -v t="$mem_target" 'BEGIN { print (r != "n/a" && r <= t) ? "PASS" : "MISS" }')
    [ "$mem_ok" = PASS ] || missed=$((missed + 1))
    printf '%-16s %11s %11s %7s %7s %7s\n' "$p ${labels[w]}" "${nf_rss[w]}" "${raw_rss[w]}" "$r" \
      "<=$mem_target" "$mem_ok"
  else
    printf '%-16s %11s %11s %7s\n' "$p ${labels[w]}" "${nf_rss[w]}" "${raw_rss[w]}" "$r"
  fi
done
printf '%-16s %11s %11s %7s\n' "(start-up)" "$nf_rss0" "$raw_rss0" "$(ratio "$nf_rss0" "$raw_rss0")"
echo "start-up: phase 1 with 0 objects (libraries, the module, SQLite's first pages); included above"
[ -n "$gnutime" ] || echo "(/usr/bin/time not installed: no peak memory; install the Debian package time)"
met=0
for p in 1 2 3; do [ "${res[p - 1]}" = PASS ] && met=$((met + 1)); done
[ "$mem_ok" = PASS ] && met=$((met + 1))
echo "checksums: all equal (phase 1: same schema and same rows in both files)"
echo "targets : $met of 4 met"

# ---- callgrind (optional) --------------------------------------------------------------------------
if [ "$callgrind" -eq 1 ]; then
  echo
  if ! command -v valgrind >/dev/null; then
    echo "callgrind: valgrind not installed; skipped"
  else
    echo "callgrind: one run of each side per phase at the sizes above (instructions, whole process)"
    printf '%-16s %15s %15s %7s\n' "phase" "nanoflow Ir" "raw Ir" "ratio"
    for side in nf raw; do
      prep 1 "$work/${side}0.db"
      set_cmd "$side" 1 "$work/${side}0.db" 0
      cg "$work/${side}0.cg" "${cmd[@]}"
    done
    for p in 1 2 3; do
      w=$((p - 1))
      for side in nf raw; do
        prep "$p" "$work/$side$p.db"
        set_cmd "$side" "$p" "$work/$side$p.db"
        cg "$work/$side$p.cg" "${cmd[@]}"
      done
      a=$(ir "$work/nf$p.cg"); b=$(ir "$work/raw$p.cg")
      printf '%-16s %15s %15s %7s\n' "$p ${labels[w]}" "$a" "$b" "$(ratio "$a" "$b")"
    done
    a=$(ir "$work/nf0.cg"); b=$(ir "$work/raw0.cg")
    printf '%-16s %15s %15s %7s\n' "(start-up)" "$a" "$b" "$(ratio "$a" "$b")"
    if command -v callgrind_annotate >/dev/null; then
      for p in 1 2 3; do
        echo "hottest functions of nanoflow, phase $p ${labels[p - 1]} (self instructions; dynamic loader left out):"
        callgrind_annotate "$work/nf$p.cg" 2>/dev/null |
          awk 'seen && !NF && n { exit } seen && NF && !/^-+$/ { print; n++ } /file:function/ { seen = 1 }' |
          grep -v -e '/elf/' -e 'dl-' | sed -n '1,15p' | sed -e 's/ \[[^]]*\]$//' -e "s|$root/||" -e 's/^/  /' ||
          true # awk stops reading early: callgrind_annotate may die of SIGPIPE
      done
    fi
  fi
fi

if [ "$strict" -eq 1 ] && [ "$missed" -gt 0 ]; then exit 1; fi
exit 0
