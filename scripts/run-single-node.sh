#!/usr/bin/env bash
# Installs what is missing, builds the optimised binaries and runs cairnd as a
# single-node cluster on 127.0.0.1:9092 with data under ./data. Extra
# arguments go to cairnd (e.g. --config server.properties).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=1
"$repo/scripts/install-deps.sh"
(cd "$repo" && cmake --preset release >/dev/null && cmake --build --preset release --target cairnd)
exec "$repo/build/release/app/cairnd" "$@"
