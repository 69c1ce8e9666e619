#!/usr/bin/env bash
# The README's main command: installs dependencies, builds nanoflow and runs the demo app
# (examples/inspection): checks the app, compiles it into a verified bytecode module, runs its
# offline nanoflows (also against a local database file), synchronizes three devices with a
# local server (nanoflow serve on loopback) — a microflow call, a revision conflict and the
# quarantine it leaves on a device — evaluates expressions on the VM, and runs a host program
# that embeds the shared library.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
nf="$root/build/nanoflow"
echo
echo "== nanoflow check examples/inspection =="
"$nf" check "$root/examples/inspection"
out="$root/build/inspection.nfb"
echo
echo "== nanoflow compile examples/inspection -o build/inspection.nfb =="
"$nf" compile "$root/examples/inspection" -o "$out"
echo
echo "== nanoflow disasm build/inspection.nfb (one flow) =="
"$nf" disasm "$out" | awk '/^nanoflow Inspection.PreviewScore /,/^$/'
echo
echo "== nanoflow run: offline nanoflows of the demo app =="
run() { echo "\$ nanoflow run build/inspection.nfb $*"; "$nf" run "$out" "$@"; }
run Inspection.PreviewScore --arg Critical=0 --arg High=1 --arg Medium=2 --arg Low=3
run Inspection.PreviewScore --arg Critical=1 --arg High=0 --arg Medium=0 --arg Low=0 --json
run Inspection.DueLabel --arg PlannedOn=2026-03-27T09:00 --arg DaysAllowed=3 --timezone Europe/Amsterdam
run Inspection.ReferenceFor --arg SiteCode=' ams ' --arg Sequence=42
echo
echo "== the local database: state kept across runs in build/demo.db =="
db="$root/build/demo.db"
rm -f "$db" "$db-wal" "$db-shm"
run Inspection.SUB_DeviceSettings_Get --db "$db" --json
echo "(the second run finds the settings object the first one committed: same id)"
run Inspection.SUB_DeviceSettings_Get --db "$db" --json
run Inspection.DS_Inspections_Open --db "$db"
echo "\$ sqlite3 build/demo.db 'SELECT _id, _state, AutoSync FROM \"Inspection.DeviceSettings\"'"
sqlite3 "$db" 'SELECT _id, _state, AutoSync FROM "Inspection.DeviceSettings"'
echo
echo "== synchronization: nanoflow serve on loopback; Anna's phone and tablet, Bram's phone =="
srvdb="$root/build/demo-server.db"
rm -f "$srvdb"* "$root/build/anna.db"* "$root/build/anna-tablet.db"* "$root/build/bram.db"*
"$nf" serve "$out" --db "$srvdb" --listen 127.0.0.1:0 2>"$root/build/demo-server.log" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true' EXIT
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$root/build/demo-server.log" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
echo "server: $url (log in build/demo-server.log)"
signin() { echo --server "$url" --user "$1" --password "$2"; }
phone=(--db "$root/build/anna.db" $(signin anna.inspector Anna-Demo-2024))
tablet=(--db "$root/build/anna-tablet.db" $(signin anna.inspector Anna-Demo-2024))
bram=(--db "$root/build/bram.db" $(signin bram.inspector Bram-Demo-2024))
step() { echo "\$ nanoflow run … $1  ($2)"; shift 2; "$nf" run "$out" "$@"; }
step Inspection.ACT_Synchronize "Anna's phone: first sync, downloads her account" \
  Inspection.ACT_Synchronize "${phone[@]}"
step "Inspection.SUB_Site_GetOrCreate --arg Code=ams1 --arg Name=Amsterdam" "offline: a site found in the field" \
  Inspection.SUB_Site_GetOrCreate --arg Code=ams1 --arg Name=Amsterdam --db "$root/build/anna.db"
site=$(sqlite3 "$root/build/anna.db" 'SELECT _id FROM "Inspection.Site"')
step "Inspection.ACT_Inspection_Create --arg Site=$site" "offline; objects are passed by id" \
  Inspection.ACT_Inspection_Create --arg Site="$site" --db "$root/build/anna.db"
step Inspection.ACT_Synchronize "uploads the site, its assignment and the inspection" \
  Inspection.ACT_Synchronize "${phone[@]}"
echo "\$ sqlite3 build/demo-server.db 'SELECT Code, Name FROM \"Inspection.Site\"'"
sqlite3 "$srvdb" 'SELECT Code, Name FROM "Inspection.Site"'
step Inspection.ACT_Synchronize "Anna's tablet downloads the same inspection" \
  Inspection.ACT_Synchronize "${tablet[@]}"
insp=$(sqlite3 "$root/build/anna.db" 'SELECT _id FROM "Inspection.Inspection"')
echo
echo "-- on the phone: start, note, complete (a microflow call scores it on the server; the flow then uploads it)"
step "Inspection.ACT_Inspection_Start --arg Inspection=$insp" "offline" \
  Inspection.ACT_Inspection_Start --arg Inspection="$insp" --db "$root/build/anna.db"
step "Inspection.ACT_Inspection_AddNote --arg Note='No defects found'" "offline" \
  Inspection.ACT_Inspection_AddNote --arg Inspection="$insp" --arg Note='No defects found' --db "$root/build/anna.db"
step "Inspection.ACT_Inspection_Complete --arg Inspection=$insp" "calls Inspection.MF_CalculateScore" \
  Inspection.ACT_Inspection_Complete --arg Inspection="$insp" "${phone[@]}"
echo "\$ sqlite3 build/demo-server.db 'SELECT Reference, Status, Score, Grade, Revision FROM \"Inspection.Inspection\"'"
sqlite3 "$srvdb" 'SELECT Reference, Status, Score, Grade, Revision FROM "Inspection.Inspection"'
echo
echo "-- on the tablet, still offline with the old revision: a note, then a sync — a revision conflict"
step "Inspection.ACT_Inspection_AddNote --arg Note='Gate code 4711'" "offline, on revision 1" \
  Inspection.ACT_Inspection_AddNote --arg Inspection="$insp" --arg Note='Gate code 4711' --db "$root/build/anna-tablet.db"
step Inspection.ACT_Synchronize "the server refuses the stale revision" \
  Inspection.ACT_Synchronize "${tablet[@]}"
echo "\$ nanoflow quarantine build/inspection.nfb --db build/anna-tablet.db"
"$nf" quarantine "$out" --db "$root/build/anna-tablet.db"
echo "(the tablet's version is kept there, values included:)"
"$nf" quarantine "$out" --db "$root/build/anna-tablet.db" --format json | grep -o '"Notes": *"[^"]*"' | head -1
echo "(and the tablet now shows the server's version:)"
sqlite3 "$root/build/anna-tablet.db" 'SELECT Status, Grade, Notes FROM "Inspection.Inspection"'
echo "(\`nanoflow quarantine … --resubmit 1\` would put the tablet's values back for the next sync)"
echo "\$ sqlite3 build/demo-server.db 'SELECT ObjectType, Reason FROM \"System.SynchronizationError\"'"
sqlite3 "$srvdb" 'SELECT ObjectType, Reason FROM "System.SynchronizationError"'
echo
step Inspection.ACT_Synchronize "Bram's phone: the access rules keep Anna's site and inspection from him" \
  Inspection.ACT_Synchronize "${bram[@]}"
echo "sites on Anna's phone: $(sqlite3 "$root/build/anna.db" 'SELECT count(*) FROM "Inspection.Site"'), on Bram's: $(sqlite3 "$root/build/bram.db" 'SELECT count(*) FROM "Inspection.Site"')"
kill -TERM "$server"
wait "$server"
trap - EXIT
echo "server stopped (SIGTERM)"
echo
echo "== nanoflow eval: Mendix expressions =="
ev() { echo "\$ nanoflow eval $*"; "$nf" eval "$@"; }
ev '3 : 7'
ev --microflow '3 : 7'
ev --timezone Europe/Amsterdam "formatDateTime(addDays(dateTime(2026, 3, 28, 12), 1), 'EEEE d MMMM HH:mm z')"
ev "replaceAll('  Hello,   offline world ', '\\s+', ' ')"
echo
echo "== examples/embed: a host program linking libnanoflow.so =="
"$root/build/embed_example" "$root/examples/inspection"
echo
echo "== examples/automation: a Lua script drives the app (require \"nanoflow\", lua5.4) =="
rm -f "$root/build/lua-demo.db"*
LUA_CPATH="$root/build/lua/?.so;;" lua5.4 "$root/examples/automation/inspection.lua" "$out" \
  "$root/build/lua-demo.db"
