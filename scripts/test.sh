#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, and runs the whole suite twice —
# a normal build (with libFuzzer targets replaying their corpora) and an ASan+UBSan build.
# Ends with ctest's own summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"

echo "== sanitizer build (ASan + UBSan, clang, fuzz targets) =="
CC=clang NF_BUILD_DIR="$root/build-asan" bash "$root/scripts/build.sh" -DNF_SANITIZE=ON -DNF_FUZZ=ON
(cd "$root/build-asan" && ctest --output-on-failure -j"$(nproc)")

echo "== release build =="
NF_BUILD_DIR="$root/build" bash "$root/scripts/build.sh"
cd "$root/build" && ctest --output-on-failure -j"$(nproc)"
