#!/usr/bin/env bash
# Installs what is missing, builds everything (optimised, and with ASan+UBSan)
# and runs the whole test suite: unit tests, simulation and property tests,
# real-process tests. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# Let ccache hit across clones at different paths (CI clones afresh each run).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

./scripts/install-deps.sh --with-tests

# Several tests bind and connect by the name localhost. Every Debian install
# lists it in /etc/hosts; a bare chroot (debootstrap) has no /etc/hosts.
if ! getent hosts localhost >/dev/null; then
  echo "test.sh: the name localhost does not resolve; add '127.0.0.1 localhost' to /etc/hosts" >&2
  exit 1
fi

# The optimised build must compile warning-free too (CI catches -O2-only warnings).
cmake --preset release >/dev/null
cmake --build --preset release

cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan

# The descriptor-exhaustion test cannot run under the sanitizers (their
# runtime needs descriptors of its own), so it runs in the optimised build.
./build/release/io/io_tests --test-case='TcpListener: out of descriptors*'
# Nor can the allocator setting be checked under them: they replace malloc.
./build/release/common/common_tests --test-case='RetainFreedMemory*'

# Every wire decoder is fuzzed briefly; a crash fails the run.
proto/kafka/fuzz/run.sh "${CAIRN_FUZZ_SECONDS:-20}"
