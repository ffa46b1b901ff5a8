#!/usr/bin/env bash
# Builds the Kafka codec fuzzers with clang + libFuzzer + ASan/UBSan in
# build/fuzz, writes seed corpora from the round-trip encoder, and runs them:
# the whole-frame and record-batch fuzzers for SECONDS seconds each (default
# 30), the header fuzzer, the consumer protocol fuzzer and each API's body
# fuzzer for SECONDS/10 (at least 2), and so is the group coordinator's
# __consumer_offsets record fuzzer (broker/group/fuzz). Usage: proto/kafka/fuzz/run.sh [SECONDS]
# Crashes are written to build/fuzz/artifacts/; the corpora grow in build/fuzz/corpus/.
set -euo pipefail
seconds="${1:-30}"
short=$(( seconds / 10 > 2 ? seconds / 10 : 2 ))
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="$root/build/fuzz"
flags="-fsanitize=fuzzer-no-link"

CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_FUZZ=ON -DCAIRN_SANITIZE=ON -DCAIRN_BUILD_TESTS=OFF \
  "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" >/dev/null
cmake --build "$build" --target proto_kafka_fuzzers proto_kafka_write_seeds offsets_records_fuzz

seeds="$build/seeds"
rm -rf "$seeds"
"$build/proto/kafka/fuzz/proto_kafka_write_seeds" "$seeds"
mkdir -p "$build/artifacts"

status=0
run() {  # run FUZZER SEED_DIR SECONDS [BINARY_DIR]
  local fuzzer="$1" seed_dir="$2" time="$3" dir="${4:-$build/proto/kafka/fuzz}"
  mkdir -p "$build/corpus/$fuzzer"
  echo "== $fuzzer for ${time}s"
  if ! "$dir/$fuzzer" -max_total_time="$time" -max_len=65536 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$fuzzer-" "$build/corpus/$fuzzer" "$seed_dir"; then
    echo "!! $fuzzer FAILED (see $build/artifacts)"
    status=1
  fi
}
run request_fuzz "$seeds/request" "$seconds"
run record_batch_fuzz "$seeds/record_batch" "$seconds"
run header_fuzz "$seeds/header" "$short"
run consumer_protocol_fuzz "$seeds/consumer_protocol" "$short"
for path in "$build"/proto/kafka/fuzz/body_*_fuzz; do
  fuzzer="$(basename "$path")"
  key="$(echo "$fuzzer" | cut -d_ -f2)"
  run "$fuzzer" "$seeds/body_$key" "$short"
done
# The group coordinator's __consumer_offsets record decoders.
mkdir -p "$seeds/offsets_records"
printf '\x00\x01\x00\x01g\x00\x01t\x00\x00\x00\x03' > "$seeds/offsets_records/offset_key"
printf '\x00\x02\x00\x01g' > "$seeds/offsets_records/group_key"
printf '\x00\x03\x00\x00\x00\x00\x00\x00\x00\x05\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x09' \
  > "$seeds/offsets_records/offset_value"
run offsets_records_fuzz "$seeds/offsets_records" "$short" "$build/broker/group/fuzz"
exit $status
