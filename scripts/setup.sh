#!/usr/bin/env bash
# Installs the Debian packages nanoflow builds and tests with. Idempotent: when every
# package is already installed it does nothing (no network); otherwise it runs
# `apt-get update` first, then installs what is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config      # toolchain
  clang libclang-rt-14-dev               # libFuzzer targets, sanitizer builds
  libsqlite3-dev sqlite3                 # local store, server store
  liblua5.4-dev lua5.4                   # Lua actions; lua5.4/luac5.4 are benchmark peers
  libcurl4-openssl-dev                   # sync transport
  curl                                   # tests/cli/serve.sh drives the sync server with it
  python3                                # JSON and XML checks in the CLI tests
  libmicrohttpd-dev                      # reference sync server
  libcrypt-dev                           # password hashes of the sync server (yescrypt)
  libjansson-dev                         # JSON
  libpcre2-dev                           # regular expressions
  libicu-dev                             # dates, time zones, locale formatting
  libgmp-dev                             # exact decimals
  libcmocka-dev                          # unit tests
  clang-format                           # style check
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
