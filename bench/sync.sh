#!/usr/bin/env bash
# sync.sh — sync benchmark: nanoflow's `synchronize all` (`nanoflow run app.nfb Bench.Sync --db
# FILE --server URL`) against `nanoflow serve` on 127.0.0.1, compared with a raw C peer
# (bench/sync_raw.c: libcurl client, libmicrohttpd server, jansson, raw SQLite on both sides)
# sending the same request bodies and writing the same rows into copies of the same files.
# Target: wall time ratio nanoflow/raw <= 3.0 for each scenario; peak memory reported.
#
#   bench/sync.sh [BUILD_DIR] [--runs N] [--objects N] [--rows N] [--quick] [--callgrind]
#                 [--strict] [--keep] [--no-cache]
#
# BUILD_DIR (default: the repository's build/) must hold nanoflow and bench/sync_raw; this
# script builds nothing. Scenarios:
#   1 upload    a device holding --objects (default 10000) synchronized objects, all changed
#               offline in commits of 1,000, synchronizes: the 10 units are uploaded (10
#               requests) and then every page is downloaded (500 rows a page)
#   2 download  a new device (no database file) synchronizes with a server holding --rows
#               (default 100000) objects: login, then 200 pages of 500 rows; peak memory is
#               also measured with a quarter of the rows, to show it does not grow with them
# Each run copies the prepared server (and device) files, starts the server (outside the
# timing), times the device's process, reads the server's peak memory and CPU time from /proc,
# and stops the server with SIGTERM. The sides alternate. The prepared files are made by
# nanoflow itself through the supported path (a device creates the objects and uploads them)
# and cached in BUILD_DIR/bench/sync-cache, keyed by the nanoflow binary, app.mdl and the sizes
# (--no-cache, and --quick, make them in the work directory instead).
# Before timing, the script checks that both sides do the same work: the same device and server
# rows afterwards, nanoflow's client sends the raw server the same request bodies (count, bytes,
# hash) as the raw client, and the raw client works against nanoflow serve too (the answers'
# sizes are printed). A mismatch is a failure (exit 1).
# --runs N timed runs per side and scenario (default 5; medians reported). --quick: 1,000
# objects and 1,000 rows, 1 run: a smoke test of the script and the checks (ctest runs it), not
# a measurement. --callgrind also runs nanoflow's device and server of each scenario once under
# valgrind and prints their instruction counts and hottest functions. --strict exits 1 when a
# target is missed. --keep keeps the work directory.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh" # usage, check_runs, print_setup, timed, median, ratio, cg, ir
build="$root/build"
runs=5
objects=10000
rows=100000
quick=0
callgrind=0
strict=0
keep=0
cache=1

while [ $# -gt 0 ]; do
  case "$1" in
    --runs | --objects | --rows)
      [ $# -ge 2 ] || { echo "sync.sh: $1 needs a number" >&2; exit 2; }
      case "$2" in ''|*[!0-9]*) echo "sync.sh: $1 takes a number" >&2; exit 2 ;; esac
      case "$1" in --runs) runs=$2 ;; --objects) objects=$2 ;; --rows) rows=$2 ;; esac
      shift 2 ;;
    --quick) quick=1; shift ;;
    --callgrind) callgrind=1; shift ;;
    --strict) strict=1; shift ;;
    --keep) keep=1; shift ;;
    --no-cache) cache=0; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "sync.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
if [ "$quick" -eq 1 ]; then objects=1000; rows=1000; runs=1; cache=0; fi
check_runs "$runs"
if [ "$objects" -lt 1 ] || [ "$rows" -lt 4 ]; then
  echo "sync.sh: --objects takes at least 1, --rows at least 4" >&2; exit 2
fi
small=$((rows / 4)) # the second memory point of scenario 2
chunk=1000          # objects per commit unit on the device (= per upload request)
user=bench
password=Bench-Pass-1
target=3.0

for f in nanoflow bench/sync_raw; do
  if [ ! -x "$build/$f" ]; then
    echo "sync.sh: $build/$f not found; build first (cmake --build $build)" >&2
    exit 2
  fi
done
gnutime=/usr/bin/time
[ -x "$gnutime" ] || gnutime=""

work=$(mktemp -d "${TMPDIR:-/tmp}/nf-bench-sync.XXXXXX")
srv_pid=""
cleanup() {
  if [ -n "$srv_pid" ]; then kill -TERM "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; fi
  if [ "$keep" -eq 1 ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
# Private copies of the binaries: a rebuild of BUILD_DIR during the run cannot disturb them.
nanoflow="$work/nanoflow"
raw="$work/sync_raw"
cp "$build/nanoflow" "$nanoflow"
cp "$build/bench/sync_raw" "$raw"
nfb="$work/app.nfb"
if ! out=$("$nanoflow" compile "$root/bench/sync/app.mdl" -o "$nfb" 2>&1); then
  echo "sync.sh: bench/sync/app.mdl does not compile:" >&2
  echo "$out" >&2
  exit 1
fi
model=$(sed -n 's/.*model hash \([0-9a-f]*\).*/\1/p' <<<"$out")
export NF_MODEL=$model # the raw client's X-NF-Model on a new device file

print_setup "Sync benchmark: nanoflow synchronize + nanoflow serve vs raw curl/microhttpd/SQLite C" \
  "$build" "$raw"
echo "files   : $work ($(df -PT "$work" 2>/dev/null | awk 'NR == 2 { print $2 }' || echo '?'))"

# ---- servers ------------------------------------------------------------------------------------
# start_server SIDE DB LOG: starts nanoflow serve (nf) or sync_raw serve (raw) on a free port of
# 127.0.0.1 in the background; sets srv_pid and url.
start_server() {
  local side=$1 db=$2 log=$3
  : >"$log"
  if [ "$side" = nf ]; then
    "$nanoflow" serve "$nfb" --db "$db" --listen 127.0.0.1:0 2>"$log" &
  else
    "$raw" serve "$db" 2>"$log" &
  fi
  srv_pid=$!
  for _ in $(seq 1 200); do
    url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)
    [ -n "$url" ] && return 0
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "sync.sh: the $side server did not start:" >&2
  cat "$log" >&2
  exit 1
}
stop_server() {
  kill -TERM "$srv_pid"
  wait "$srv_pid" || { echo "sync.sh: the server did not stop cleanly" >&2; exit 1; }
  srv_pid=""
}
server_rss() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$srv_pid/status"; }
server_cpu() { # user + system seconds of the server so far
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' \
    "/proc/$srv_pid/stat"
}
device() { # device DB FLOW [ARGS...]: nanoflow's device, against $url when given
  local db=$1 flow=$2
  shift 2
  "$nanoflow" run "$nfb" "$flow" --db "$db" "$@"
}
copy_db() { # copy_db FROM TO: a database file with its WAL (normally none: closed files)
  rm -f "$2" "$2-wal" "$2-shm"
  if [ -e "$1" ]; then cp "$1" "$2"; fi
  if [ -e "$1-wal" ]; then cp "$1-wal" "$2-wal"; fi
}

# ---- prepared files (by nanoflow, through the protocol; cached) ---------------------------------
# One directory per build of nanoflow and app.mdl and per size; those of other builds go.
bkey=$(sha1sum "$nanoflow" "$root/bench/sync/app.mdl" | cut -d' ' -f1 | sha1sum | cut -c1-16)
cdir="$build/bench/sync-cache/$bkey-$objects-$rows"
if [ "$cache" -eq 1 ]; then
  mkdir -p "$build/bench/sync-cache"
  find "$build/bench/sync-cache" -mindepth 1 -maxdepth 1 ! -name "$bkey-*" -exec rm -rf {} +
else
  cdir="$work/prepared"
fi
if [ ! -e "$cdir/done" ]; then
  mkdir -p "$cdir"
  start=$(date +%s.%N)
  # scenario 1: the device's objects synchronized, then changed offline; the server as it is then
  start_server nf "$cdir/up-server.db" "$work/seed.log"
  out=$(device "$cdir/up-device.db" Bench.Create --arg "N=$objects" --arg "Chunk=$chunk" 2>&1) &&
    out=$(device "$cdir/up-device.db" Bench.Sync --server "$url" --user "$user" --password "$password" 2>&1) &&
    out=$(device "$cdir/up-device.db" Bench.Change --arg "Chunk=$chunk" 2>&1) ||
    { echo "sync.sh: preparing scenario 1 failed: $out" >&2; exit 1; }
  stop_server
  # scenario 2: servers holding the rows (uploaded by a seeding device)
  for n in "$rows" "$small"; do
    start_server nf "$cdir/down$n-server.db" "$work/seed.log"
    out=$(device "$work/seeder$n.db" Bench.Create --arg "N=$n" --arg "Chunk=$chunk" 2>&1) &&
      out=$(device "$work/seeder$n.db" Bench.Upload --server "$url" --user "$user" --password "$password" 2>&1) ||
      { echo "sync.sh: preparing scenario 2 failed: $out" >&2; exit 1; }
    stop_server
  done
  touch "$cdir/done"
  echo "setup   : prepared by nanoflow in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" \
    "($([ "$cache" -eq 1 ] && echo "cached in $cdir" || echo "not cached"))"
else
  echo "setup   : cached in $cdir"
fi

# ---- one run ---------------------------------------------------------------------------------------
# run_once SIDE SCEN N OUTFILE [CLIENTSIDE]: prepares the files, starts SIDE's server, runs the
# client (CLIENTSIDE, default SIDE) timed, appends "wall user sys client_kb server_kb server_cpu"
# to OUTFILE; the device's and server's files stay in $work/SIDE-device.db, SIDE-server.db.
TIMEFORMAT='%3R %3U %3S'
run_once() {
  local side=$1 scen=$2 n=$3 outf=$4 cside=${5:-$1} dev srv rss cmd t
  dev="$work/$side-device.db"
  srv="$work/$side-server.db"
  if [ "$scen" = 1 ]; then
    copy_db "$cdir/up-server.db" "$srv"
    copy_db "$cdir/up-device.db" "$dev"
  else
    copy_db "$cdir/down$n-server.db" "$srv"
    rm -f "$dev" "$dev-wal" "$dev-shm"
  fi
  start_server "$side" "$srv" "$work/$side-server.log"
  local cpu0
  cpu0=$(server_cpu)
  if [ "$cside" = nf ]; then
    cmd=("$nanoflow" run "$nfb" Bench.Sync --db "$dev" --server "$url" --user "$user" --password "$password")
  else
    cmd=("$raw" sync "$dev" "$url" "$user" "$password")
  fi
  if [ -n "$gnutime" ]; then cmd=("$gnutime" -f '%M' -o "$work/client.rss" "${cmd[@]}"); fi
  echo n/a >"$work/client.rss"
  t=$( { time "${cmd[@]}" >"$work/client.out" 2>"$work/client.err"; } 2>&1) || {
    echo "sync.sh: the $cside device failed against the $side server (scenario $scen):" >&2
    cat "$work/client.err" "$work/$side-server.log" >&2
    exit 1
  }
  rss=$(tail -1 "$work/client.rss")
  echo "$t $rss $(server_rss) $(awk -v a="$cpu0" -v b="$(server_cpu)" 'BEGIN { printf "%.3f", b - a }')" >>"$outf"
  stop_server
}

# ---- checks: the same work on both sides ---------------------------------------------------------
mismatch=0
same() { # same WHAT A B
  if [ "$2" != "$3" ]; then
    echo "MISMATCH $1:" >&2
    echo "  nanoflow: $2" >&2
    echo "  raw     : $3" >&2
    mismatch=1
  fi
}
for scen in 1 2; do
  n=$rows
  : >"$work/check.times"
  run_once nf "$scen" "$n" "$work/check.times"
  run_once raw "$scen" "$n" "$work/check.times"
  same "scenario $scen device rows" "$("$raw" summary "$work/nf-device.db")" "$("$raw" summary "$work/raw-device.db")"
  same "scenario $scen server rows" "$("$raw" summary "$work/nf-server.db")" "$("$raw" summary "$work/raw-server.db")"
  if [ "$scen" = 2 ]; then
    same "new device schema" "$("$raw" schema "$work/nf-device.db")" "$("$raw" schema "$work/raw-device.db")"
  fi
  # the same request bodies: nanoflow's device and the raw device, each against the raw server
  run_once raw "$scen" "$n" "$work/check.times" nf
  a=$(grep '^requests' "$work/raw-server.log")
  run_once raw "$scen" "$n" "$work/check.times" raw
  b=$(grep '^requests' "$work/raw-server.log")
  recv_raw=$(sed -n 's/.*received \([0-9]*\).*/\1/p' "$work/client.out")
  same "scenario $scen request bodies (received by the raw server)" "$a" "$b"
  sum_raw=$("$raw" summary "$work/raw-device.db")
  # the raw device against nanoflow serve: it works, and the answers have about the same size
  run_once nf "$scen" "$n" "$work/check.times" raw
  same "scenario $scen raw device against nanoflow serve" "$sum_raw" "$("$raw" summary "$work/nf-device.db")"
  recv_nf=$(sed -n 's/.*received \([0-9]*\).*/\1/p' "$work/client.out")
  echo "check $scen : request bodies the same ($b);" \
    "answers: nanoflow serve $recv_nf bytes, raw server $recv_raw bytes"
done
if [ "$mismatch" -eq 1 ]; then
  echo "sync.sh: the two sides do not do the same work; nothing timed" >&2
  exit 1
fi

# ---- timing ----------------------------------------------------------------------------------------
# Columns of a times file: wall user sys (the device's process), device KB, server KB, server CPU s.
labels=("upload + download" "initial download")
sizes=("$objects" "$rows")
units=("changed" "rows")
declare -a nf_wall raw_wall res
for scen in 1 2; do
  w=$((scen - 1))
  : >"$work/nf$scen.times"; : >"$work/raw$scen.times"
  for ((i = 0; i < runs; i++)); do
    run_once nf "$scen" "$rows" "$work/nf$scen.times"
    run_once raw "$scen" "$rows" "$work/raw$scen.times"
  done
  nf_wall[w]=$(median 1 "$work/nf$scen.times"); raw_wall[w]=$(median 1 "$work/raw$scen.times")
done
# peak memory of the download with a quarter of the rows (one run each)
: >"$work/nf-small.times"; : >"$work/raw-small.times"
run_once nf 2 "$small" "$work/nf-small.times"
run_once raw 2 "$small" "$work/raw-small.times"

echo
echo "runs    : $runs each, alternating; median wall seconds of the device's whole process"
echo "          (login, upload, download; the server started beforehand, app.mdl compiled once)"
printf '%-22s %8s %-8s %11s %8s %7s %7s %7s\n' "scenario" "size" "" "nanoflow s" "raw s" "ratio" \
  "target" "result"
missed=0
for scen in 1 2; do
  w=$((scen - 1))
  r=$(ratio "${nf_wall[w]}" "${raw_wall[w]}")
  ok=$(awk -v r="$r" -v t="$target" 'BEGIN { print (r != "n/a" && r <= t) ? "PASS" : "MISS" }')
  [ "$ok" = PASS ] || missed=$((missed + 1))
  res[w]=$ok
  printf '%-22s %8s %-8s %11s %8s %7s %7s %7s\n' "$scen ${labels[w]}" "${sizes[w]}" "${units[w]}" \
    "${nf_wall[w]}" "${raw_wall[w]}" "$r" "<=$target" "$ok"
done
echo
printf '%-22s %9s %9s %9s %9s %10s %10s\n' "CPU (median)" "nf dev u" "raw dev u" "nf dev s" \
  "raw dev s" "nf server" "raw server"
for scen in 1 2; do
  printf '%-22s %9s %9s %9s %9s %10s %10s\n' "$scen ${labels[scen - 1]}" \
    "$(median 2 "$work/nf$scen.times")" "$(median 2 "$work/raw$scen.times")" \
    "$(median 3 "$work/nf$scen.times")" "$(median 3 "$work/raw$scen.times")" \
    "$(median 6 "$work/nf$scen.times")" "$(median 6 "$work/raw$scen.times")"
done
echo "(server: user + system CPU seconds the server process spent during the device's run)"

echo
echo "peak memory (max RSS, KB; device: GNU time, server: VmHWM since its start)"
printf '%-30s %10s %10s %7s %10s %10s %7s\n' "scenario" "nf device" "raw device" "ratio" \
  "nf server" "raw server" "ratio"
memrow() { # memrow LABEL NFFILE RAWFILE
  local a b c d
  a=$(median 4 "$2"); b=$(median 4 "$3"); c=$(median 5 "$2"); d=$(median 5 "$3")
  printf '%-30s %10s %10s %7s %10s %10s %7s\n' "$1" "$a" "$b" "$(ratio "$a" "$b")" "$c" "$d" \
    "$(ratio "$c" "$d")"
}
memrow "1 upload $objects" "$work/nf1.times" "$work/raw1.times"
memrow "2 download $small rows" "$work/nf-small.times" "$work/raw-small.times"
memrow "2 download $rows rows" "$work/nf2.times" "$work/raw2.times"
[ -n "$gnutime" ] || echo "(/usr/bin/time not installed: no device peak memory; install the Debian package time)"
echo "checks  : device and server rows equal on both sides; the same request bodies"
met=0
for r in "${res[@]}"; do [ "$r" = PASS ] && met=$((met + 1)); done
echo "targets : $met of 2 met"

# ---- callgrind (optional) -------------------------------------------------------------------------
if [ "$callgrind" -eq 1 ]; then
  echo
  if ! command -v valgrind >/dev/null; then
    echo "callgrind: valgrind not installed; skipped"
  else
    echo "callgrind: one run per scenario of nanoflow's device and of nanoflow serve (instructions)"
    hot() { # the 12 hottest functions of a callgrind file (unnamed ones with their library)
      callgrind_annotate "$1" 2>/dev/null |
        awk 'seen && !NF && n { exit } seen && NF && !/^-+$/ { print; n++ } /file:function/ { seen = 1 }' |
        grep -v -e '/elf/' -e 'dl-' | sed -n '1,12p' |
        sed -e 's| \[[^]]*/\([^]/]*\)\]$| [\1]|' -e "s|$root/||" -e 's/^/  /' ||
        true
    }
    for scen in 1 2; do
      dev="$work/cg-device.db"; srv="$work/cg-server.db"
      if [ "$scen" = 1 ]; then
        copy_db "$cdir/up-server.db" "$srv"; copy_db "$cdir/up-device.db" "$dev"
      else
        copy_db "$cdir/down$rows-server.db" "$srv"; rm -f "$dev" "$dev-wal" "$dev-shm"
      fi
      : >"$work/cg-server.log"
      valgrind --tool=callgrind --callgrind-out-file="$work/server$scen.cg" \
        "$nanoflow" serve "$nfb" --db "$srv" --listen 127.0.0.1:0 2>"$work/cg-server.log" &
      srv_pid=$!
      for _ in $(seq 1 600); do
        url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/cg-server.log" | head -1)
        [ -n "$url" ] && break
        sleep 0.1
      done
      cg "$work/device$scen.cg" "$nanoflow" run "$nfb" Bench.Sync --db "$dev" --server "$url" \
        --user "$user" --password "$password"
      stop_server
      echo "scenario $scen ${labels[scen - 1]}: device $(ir "$work/device$scen.cg") Ir, server" \
        "$(ir "$work/server$scen.cg") Ir (server start-up included)"
      echo " hottest functions of the device (self):"
      hot "$work/device$scen.cg"
      echo " hottest functions of the server (self):"
      hot "$work/server$scen.cg"
    done
  fi
fi

if [ "$strict" -eq 1 ] && [ "$missed" -gt 0 ]; then exit 1; fi
exit 0
