#!/usr/bin/env bash
# The README's main command: installs dependencies, builds nanoflow and runs the demo app
# (examples/inspection): checks the app, compiles it into a verified bytecode module, runs its
# offline nanoflows (also against a local database file) and evaluates expressions on the VM, and
# runs a host program that embeds the shared library. Synchronizing with a local server arrives
# with the sync issue.
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
echo "== nanoflow eval: Mendix expressions =="
ev() { echo "\$ nanoflow eval $*"; "$nf" eval "$@"; }
ev '3 : 7'
ev --microflow '3 : 7'
ev --timezone Europe/Amsterdam "formatDateTime(addDays(dateTime(2026, 3, 28, 12), 1), 'EEEE d MMMM HH:mm z')"
ev "replaceAll('  Hello,   offline world ', '\\s+', ' ')"
echo
echo "== examples/embed: a host program linking libnanoflow.so =="
"$root/build/embed_example" "$root/examples/inspection"
