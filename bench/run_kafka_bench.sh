#!/usr/bin/env bash
# The broker benchmark in one command (docs/benchmarks.md, "Broker (Kafka
# protocol)"): builds cairnd and kafka_bench, then runs kafka_bench RUNS
# times. Each run starts its own cairnd from the build on loopback ports with
# a fresh data dir under a temporary directory, measures, and stops it. Prints
# each run's table, then the median and range of the main figures.
set -euo pipefail

usage() {
  cat >&2 <<'USAGE'
usage: bench/run_kafka_bench.sh [--build-dir DIR] [--runs N] [--no-build] [--tmp DIR] [-- kafka_bench flags...]
  --build-dir DIR  CMake build directory (default build/release, RelWithDebInfo)
  --runs N         runs of kafka_bench (default 3)
  --no-build       use the binaries already in the build directory
  --tmp DIR        parent of the temporary data directory (default /tmp); it
                   must be on the filesystem you want to measure
USAGE
  exit 2
}

root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="$root/build/release"
runs=3
build=1
tmp_parent=/tmp
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --tmp) tmp_parent="$2"; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done

if [[ $build == 1 ]]; then
  if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  cmake --build "$build_dir" --target cairnd kafka_bench
fi

work="$(mktemp -d "$tmp_parent/cairn-kafka-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
for ((i = 1; i <= runs; i++)); do
  echo "== run $i of $runs ($(date -u +%H:%M:%S), load average $(cut -d' ' -f1 /proc/loadavg))"
  "$build_dir/bench/kafka_bench" --cairnd "$build_dir/app/cairnd" --dir "$work/run$i" \
    --json-file "$work/run$i.json" "$@"
done
/usr/bin/python3 "$root/bench/kafka_bench_summary.py" "$work"/run*.json
