#!/usr/bin/env bash
# The Lua module `nanoflow` (build/lua/nanoflow.so) in the system lua5.4: its specification
# (tests/cli/lua/module_spec.lua), then the example script examples/automation/inspection.lua
# against the demo app, offline and with a real `nanoflow serve` on loopback.
# usage: lua_automation.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
src=$2
build=$(dirname "$nf")
. "$(dirname "$0")/lib/expect.sh"
. "$(dirname "$0")/lib/serve.sh"
lua_bin=$(command -v lua5.4) || { echo "lua5.4 is not installed (scripts/setup.sh)"; exit 1; }
preload=
lua() { LD_PRELOAD="$preload" "$lua_bin" "$@"; }
[ -f "$build/lua/nanoflow.so" ] || { fail "no $build/lua/nanoflow.so"; finish; }
export LUA_CPATH="$build/lua/?.so;;"
# A sanitizer build (NF_SANITIZE): lua5.4 is not instrumented, so the ASan runtime is preloaded
# for it to load the instrumented module. The module is preloaded too: lua_close dlcloses it,
# which unmaps libnanoflow's dependencies (ICU keeps caches in its globals), and LeakSanitizer
# would then report their still-reachable blocks as leaks. Leak checking stays on.
if nm -D "$build/libnanoflow.so" 2>/dev/null | grep -q ' U __asan_'; then
    rt=$(clang -print-file-name=libclang_rt.asan-x86_64.so 2>/dev/null)
    [ -f "$rt" ] || { echo "cannot find the ASan runtime for lua5.4"; exit 1; }
    preload="$rt $build/lua/nanoflow.so" # for lua5.4 only: nanoflow serve has its own runtime
fi

if lua "$src/tests/cli/lua/module_spec.lua" "$tmp" >"$tmp/spec.out" 2>&1; then
    pass "module_spec.lua: $(tail -1 "$tmp/spec.out")"
else
    fail "module_spec.lua"; grep -v '^ok' "$tmp/spec.out"
fi

script=$src/examples/automation/inspection.lua
expect_out() { if grep -qF -- "$2" "$tmp/out"; then pass "$1"; else fail "$1: no '$2'"; cat "$tmp/out" "$tmp/err"; fi; }
expect_re() { if grep -qE -- "$2" "$tmp/out"; then pass "$1"; else fail "$1: no /$2/"; cat "$tmp/out" "$tmp/err"; fi; }

lua "$script" "$src/examples/inspection" "$tmp/offline.db" >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] && pass "the example runs offline" || { fail "the example runs offline"; cat "$tmp/err"; }
expect_re "it loads the app" "^loaded $src/examples/inspection: [0-9]+ flows, [0-9]+ nanoflows$"
expect_out "typed arguments" "score:	score 79 (C): 0 critical, 1 high, 2 medium, 3 low"
expect_out "DateTime arguments in the runtime's zone" "due:	due Mon 30 Mar 2026 23:59"
expect_out "errors carry type and message" "bad argument:	false	UsageError	DaysAllowed: 'three' is not an Integer"
expect_out "messages reach the script" "[Error] Only inspectors can register sites."
expect_out "object attributes" "auto sync:	true	pending photos:	0"

app="$tmp/inspection.nfb"
"$nf" compile "$src/examples/inspection" -o "$app" 2>/dev/null
serve_start "$nf" "$app" "$tmp/server.db" "$tmp/server.log"
server=$serve_pid
url=http://127.0.0.1:$serve_port
trap 'kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
lua "$script" "$app" "$tmp/device.db" "$url" anna.inspector Anna-Demo-2024 >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] && pass "the example runs against the server" || { fail "the example runs against the server"; cat "$tmp/err"; }
expect_re "a .nfb module loads" "^loaded $app: [0-9]+ flows, [0-9]+ nanoflows$"
expect_out "sync shows progress" "progress: Synchronizing"
expect_out "sync logs in" "[log info] Synchronization: logged in as anna.inspector"
expect_out "sync completes" "[Information] Everything is up to date."
expect_out "the downloaded inspector is an object" "inspector on this device:	Inspection.Inspector "
expect_out "a signed-in inspector registers a site" "site:	AMS1	Amsterdam	Inspection.Site"
expect_out "the second sync uploads it" "synchronized: 2 objects uploaded (0 to the quarantine)"
expect_out "the quarantine is listed" "quarantine entries:	0"
n=$(sqlite3 "$tmp/server.db" 'SELECT count(*) FROM "Inspection.Site" WHERE Code = '"'AMS1'" 2>&1)
[ "$n" = 1 ] && pass "the site is on the server" || fail "the site is on the server: '$n'"
finish
