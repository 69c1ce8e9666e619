# lib.sh — shell helpers that the benchmark scripts (bench/vm.sh, bench/frontend.sh) share.
# Sourced, not run: `. "$root/bench/lib.sh"`. Messages name the calling script (${0##*/}).
#
#   usage                      prints the calling script's header comment: its usage text
#   check_runs N               exits 2 unless N (the --runs value) is a positive number
#   print_setup TITLE BUILD PEER
#                              prints TITLE, the machine, BUILD_DIR's build type and the peer
#                              tool's version, with a warning when the build is not optimized
#                              or has sanitizers (figures are then not comparable)
#   timed OUTFILE CMD...       runs CMD under bash's `time` keyword and appends its figures to
#                              OUTFILE in the caller's TIMEFORMAT; returns CMD's status
#   median COLUMN FILE         the median of a column of numbers
#   ratio A B                  A / B to two decimals, "n/a" when B is not positive
#   cg OUTFILE CMD...          runs CMD once under valgrind's callgrind, output to OUTFILE
#   ir FILE                    total instructions of a callgrind output file

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

check_runs() {
  case "$1" in ''|*[!0-9]*|0) echo "${0##*/}: --runs takes a positive number" >&2; exit 2 ;; esac
}

print_setup() { # print_setup TITLE BUILD PEER
  local build=$2 peer=$3 cpu btype bsan
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
  btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
  bsan=$(sed -n 's/^NF_SANITIZE:BOOL=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
  echo "$1"
  echo "machine : ${cpu:-unknown cpu}, nproc $(nproc)"
  echo "build   : $build (${btype:-unknown build type}${bsan:+, NF_SANITIZE=$bsan})"
  echo "peer    : $peer ($("$peer" -v 2>&1 | head -1))"
  case "$btype" in Release|RelWithDebInfo) ;; *) echo "warning : not an optimized build; figures are not comparable" ;; esac
  if [ "$bsan" = "ON" ]; then echo "warning : sanitizer build; figures are not comparable"; fi
}

timed() { # timed OUTFILE CMD... — appends the figures of TIMEFORMAT to OUTFILE
  local f=$1; shift
  { time "$@" >/dev/null 2>&1; } 2>>"$f"
}

median() { # median COLUMN FILE
  sort -n -k"$1","$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

cg() { # cg OUTFILE CMD...
  local f=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$f" "$@" >/dev/null 2>&1
}

ir() { # total instructions of a callgrind output file
  sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$1" | head -1
}

# need_built NAME BUILD FILE...: each FILE must be an executable in BUILD (else exits 2).
need_built() {
  local name=$1 build=$2
  shift 2
  for f; do
    [ -x "$build/$f" ] && continue
    echo "$name: $build/$f not found; build first (cmake --build $build)" >&2
    exit 2
  done
}
# need_lua NAME: sets $lua to the lua5.4 interpreter (else exits 2).
need_lua() {
  lua=$(command -v lua5.4 || true)
  [ -n "$lua" ] && return 0
  echo "$1: lua5.4 not found; install lua5.4 (scripts/setup.sh)" >&2
  exit 2
}
# private_nanoflow NAME BUILD: sets $work (a scratch directory removed at exit) and $nanoflow, a
# private copy of BUILD's binary, so that a rebuild during the run cannot disturb it.
private_nanoflow() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/nf-bench-$1.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  nanoflow="$work/nanoflow"
  cp "$2/nanoflow" "$nanoflow"
}
