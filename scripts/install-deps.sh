#!/usr/bin/env bash
# Installs the Debian packages Cairn builds and tests with (and, with
# --with-tests, kafkajs from npm). Idempotent: when everything is present it
# changes nothing and touches no network.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config ccache git
  python3  # generates the Kafka codec from proto/kafka/schema at build time
  libasio-dev liburing-dev libprotobuf-dev protobuf-compiler libabsl-dev
  libzstd-dev zlib1g-dev liblz4-dev libsnappy-dev doctest-dev
)
# Real clients and tools the test suite drives (tests/compat, README.md).
test_packages=(kcat python3 python3-confluent-kafka python3-kafka librdkafka-dev
               clang-14 libclang-rt-14-dev  # clang + libFuzzer for the decoder fuzzers
               nodejs                       # kafkajs (tests/compat/node, installed below)
               burrow zookeeper)            # Burrow reads __consumer_offsets; it needs ZooKeeper

want=("${build_packages[@]}")
if [[ "${1:-}" == "--with-tests" ]]; then
  want+=("${test_packages[@]}")
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for pkg in "${want[@]}"; do
  if ! installed "$pkg"; then
    missing+=("$pkg")
  fi
done
# Debian's nodejs ships npm separately; NodeSource's nodejs bundles it (and
# conflicts with Debian's npm package), so ask for npm only when it is absent.
if [[ "${1:-}" == "--with-tests" ]] && ! command -v npm >/dev/null && ! installed npm; then
  missing+=(npm)
fi

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# kafkajs for the compatibility tests, pinned by tests/compat/node/package-lock.json.
# Skipped (no network) when the pinned version is already installed.
if [[ "${1:-}" == "--with-tests" ]]; then
  node_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/compat/node"
  kafkajs_version="$(node -p 'require(process.argv[1]).version' "$node_dir/node_modules/kafkajs/package.json" 2>/dev/null || true)"
  if [[ "$kafkajs_version" != "2.2.4" ]]; then
    echo "install-deps: installing kafkajs 2.2.4 into $node_dir" >&2
    npm ci --prefix "$node_dir" --no-audit --no-fund
  fi
fi
