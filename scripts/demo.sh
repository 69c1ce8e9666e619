#!/usr/bin/env bash
# The README's main command: installs dependencies, builds nanoflow and runs the demo app
# (examples/inspection). At this stage the demo checks the app's sources; running flows
# offline and synchronizing with a local server arrive with the VM and sync issues.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
nf="$root/build/nanoflow"
echo
echo "== nanoflow check examples/inspection =="
"$nf" check "$root/examples/inspection"
