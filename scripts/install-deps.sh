#!/usr/bin/env bash
# Installs the Debian packages Cairn builds and tests with. Idempotent: when
# every package is already present it changes nothing and touches no network.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libasio-dev liburing-dev libprotobuf-dev protobuf-compiler libabsl-dev
  libzstd-dev zlib1g-dev liblz4-dev libsnappy-dev doctest-dev
)
# Real clients and tools the test suite drives (see docs/testing.md).
test_packages=(kcat python3 python3-confluent-kafka python3-kafka librdkafka-dev
               clang-14 libclang-rt-14-dev)  # clang + libFuzzer for the decoder fuzzers

want=("${build_packages[@]}")
if [[ "${1:-}" == "--with-tests" ]]; then
  want+=("${test_packages[@]}")
fi

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
