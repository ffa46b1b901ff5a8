#!/usr/bin/env bash
# Installs what is missing, builds the optimised cairnd and the `cairn` CLI
# (build/release/client/cli/cairn, to try the broker without any other tool),
# and runs cairnd as a single-node cluster on 127.0.0.1:9092 with data under
# ./data. Extra arguments go to cairnd (e.g. --config server.properties).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=1
"$repo/scripts/install-deps.sh"
(cd "$repo" && cmake --preset release >/dev/null && cmake --build --preset release --target cairnd cairn)
exec "$repo/build/release/app/cairnd" "$@"
