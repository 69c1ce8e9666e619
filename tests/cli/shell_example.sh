#!/usr/bin/env bash
# Smoke test of examples/shell (build/shell_example): commands piped into the terminal app shell
# against a real `nanoflow serve` on loopback with the demo app. It runs flows, renders their UI
# actions, and synchronizes on a worker thread while the input loop keeps answering: the server
# is paused (SIGSTOP) during the sync, `status` must still answer "synchronizing", and after
# SIGCONT the sync completes and the downloaded account is visible to the next flow.
# usage: shell_example.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
src=$2
shell_bin=$(dirname "$nf")/shell_example
. "$(dirname "$0")/lib/expect.sh"
. "$(dirname "$0")/lib/serve.sh"
[ -x "$shell_bin" ] || { fail "no $shell_bin"; finish; }

app="$tmp/inspection.nfb"
"$nf" compile "$src/examples/inspection" -o "$app" 2>/dev/null || { fail "compile the demo app"; finish; }
serve_start "$nf" "$app" "$tmp/server.db" "$tmp/server.log"
server=$serve_pid
url=http://127.0.0.1:$serve_port
cleanup() { kill -CONT "$server" 2>/dev/null; kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
trap 'cleanup; rm -rf "$tmp"' EXIT
pass "server listening at $url"

# The shell reads commands from a FIFO so the script can act between them.
mkfifo "$tmp/in"
"$shell_bin" "$app" --db "$tmp/device.db" --server "$url" --user anna.inspector \
    --password Anna-Demo-2024 <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
shell_pid=$!
exec 3>"$tmp/in"
send() { printf '%s\n' "$1" >&3; }
# waits until the shell's output has a line matching $1 (at most 10 s)
await() {
    for _ in $(seq 1 100); do grep -qF -- "$1" "$tmp/out" && return 0; sleep 0.1; done
    return 1
}
check() { if await "$2"; then pass "$1"; else fail "$1: no '$2' in the output"; cat "$tmp/out"; fi; }
# the same for a whole line
check_line() {
    for _ in $(seq 1 100); do grep -qxF -- "$2" "$tmp/out" && { pass "$1"; return; }; sleep 0.1; done
    fail "$1: no line '$2' in the output"; cat "$tmp/out"
}

check "it starts and finds the sync flow" "sync flow Inspection.ACT_Synchronize"
send "flows"
check "flows lists nanoflows with their signatures" \
    "Inspection.PreviewScore(Critical: Integer, High: Integer, Medium: Integer, Low: Integer) -> String"
send "run Inspection.PreviewScore Critical=0 High=1 Medium=2 Low=3"
check "run passes typed arguments" "Inspection.PreviewScore = score 79 (C): 0 critical, 1 high, 2 medium, 3 low"
send "run Inspection.ReferenceFor SiteCode=' ams ' Sequence=42"
check "quoted values keep their spaces" "Inspection.ReferenceFor = INS-AMS-0042"
send "run Inspection.SUB_CurrentInspector"
check "before a sync the device knows no inspector" "Inspection.SUB_CurrentInspector = empty"
send "run Inspection.ReferenceFor Sequence=many"
check "a bad argument is reported, the shell goes on" "'many' is not an Integer"

# Pause the server: the sync hangs in its first request, the input loop must not.
kill -STOP "$server"
send "sync"
check "sync starts in the background" "synchronizing in the background (Inspection.ACT_Synchronize)"
check "with its progress shown" ".. Synchronizing (please wait)"
send "status"
check "status answers during the sync" "status: synchronizing for"
check "and shows the progress" "progress: Synchronizing (blocking)"
send "run Inspection.PreviewScore Critical=0 High=0 Medium=0 Low=0"
check "flows wait while the worker has the runtime" "busy: synchronizing"
send "flows"
check_line "flow names come from the shared module meanwhile" "  Inspection.ACT_Synchronize"
kill -CONT "$server"
send "wait"
check "the sync finishes once the server answers" "[Information] Everything is up to date."
check "the progress is hidden" ".. done"
send "status"
check "status reports the last sync" "last sync: Inspection.ACT_Synchronize done ("
send "run Inspection.SUB_CurrentInspector"
check "the download is visible to the next flow" "Inspection.SUB_CurrentInspector = Inspection.Inspector "
send "quarantine"
check "the quarantine is empty" "[]"
send "bogus"
check "unknown commands are answered" "unknown command bogus (try help)"
send "quit"
exec 3>&-
for _ in $(seq 1 100); do kill -0 "$shell_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$shell_pid" 2>/dev/null; then fail "quit ends the shell"; kill "$shell_pid"; else
    wait "$shell_pid"; rc=$?
    [ "$rc" = 0 ] && pass "quit ends the shell (exit 0)" || fail "shell exit status $rc"
fi
check "it says goodbye" "bye"
[ -s "$tmp/err" ] && { fail "nothing on stderr"; cat "$tmp/err"; } || pass "nothing on stderr"

# A blocking message parks the flow (NF_SUSPENDED) until `ok` resumes it; the other UI
# callbacks render in the terminal.
cat >"$tmp/ask.mdl" <<'MDL'
create module Ask;
create entity Ask.Item (Name: String(20));
create nanoflow Ask.Confirm ($Name: String) returns String
begin
  $It = create Ask.Item (Name = $Name);
  show page Ask.Item_Edit (Item = $It) title 'Edit item' close pages 1;
  validation feedback $It/Name message 'Too short';
  show message 'Really delete ' + $Name + '?' type Warning blocking;
  close page;
  return 'deleted ' + $Name;
end;
MDL
printf '%s\n' "run Ask.Confirm Name=box" "run Ask.Confirm Name=other" "sync" "ok" "ok" "quit" |
    "$shell_bin" "$tmp/ask.mdl" >"$tmp/out" 2>"$tmp/err"
check "a page with its title, arguments and pages closed" "== Edit item (Ask.Item_Edit) =="
check "closing first" "<< closed 1 page"
check "page arguments as JSON" '   Item: {"type": "Object", "value": {"entity": "Ask.Item"'
check "validation feedback" "!! Name: Too short (Ask.Item "
check "a blocking message waits" "[Warning] Really delete box?"
check "for ok" "(type ok to continue)"
check "meanwhile the runtime is parked" "a message is waiting: type ok first"
check "no sync flow in this app" "no sync flow: start the shell with --sync-flow MODULE.FLOW"
check "the flow waits" "Ask.Confirm is waiting for you"
check "ok resumes the flow" "Ask.Confirm = deleted box"
check "a second ok has nothing to do" "nothing is waiting"
finish
