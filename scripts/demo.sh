#!/usr/bin/env bash
# The README's main command: installs dependencies, builds nanoflow and runs the demo app
# (examples/inspection). At this stage the demo checks the app, compiles it into a verified
# bytecode module and lists one flow; running flows offline and synchronizing with a local
# server arrive with the VM and sync issues.
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
"$nf" disasm "$out" | awk '/^nanoflow Inspection.ACT_Finding_Add /,/^$/'
