#!/usr/bin/env bash
# Builds the Kafka codec fuzzers with clang + libFuzzer + ASan/UBSan in
# build/fuzz, writes seed corpora from the round-trip encoder, and runs each
# fuzzer for SECONDS seconds (default 30). Usage: proto/kafka/fuzz/run.sh [SECONDS]
# Crashes are written to build/fuzz/artifacts/; the corpora grow in build/fuzz/corpus/.
set -euo pipefail
seconds="${1:-30}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="$root/build/fuzz"
# Coverage for every library; cmake/cairn.cmake's -Wshadow=local is GCC-only.
flags="-fsanitize=fuzzer-no-link -Wno-unknown-warning-option"

CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_FUZZ=ON -DCAIRN_SANITIZE=ON -DCAIRN_BUILD_TESTS=OFF \
  "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" >/dev/null
cmake --build "$build" --target request_fuzz record_batch_fuzz proto_kafka_write_seeds

seeds="$build/seeds"
rm -rf "$seeds"
"$build/proto/kafka/fuzz/proto_kafka_write_seeds" "$seeds"
mkdir -p "$build/corpus/request" "$build/corpus/record_batch" "$build/artifacts"

status=0
for fuzzer in request record_batch; do
  echo "== ${fuzzer}_fuzz for ${seconds}s"
  if ! "$build/proto/kafka/fuzz/${fuzzer}_fuzz" -max_total_time="$seconds" -max_len=65536 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/${fuzzer}-" \
      "$build/corpus/$fuzzer" "$seeds/$fuzzer"; then
    echo "!! ${fuzzer}_fuzz FAILED (see $build/artifacts)"
    status=1
  fi
done
exit $status
