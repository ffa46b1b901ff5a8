// libFuzzer target: RecordBatch v2 validation and record decoding (common/
// record_batch.h) on hostile bytes. The input is tried as is, and again with
// batchLength and CRC32C repaired so that the fuzzer reaches the record and
// decompression code behind the checksum. Decoding is capped at 1 MiB.
#include <cstddef>
#include <cstdint>

#include "common/crc32c.h"
#include "common/record_batch.h"

namespace {
constexpr size_t kMaxDecompressedBytes = 1 << 20;

void Exercise(cairn::ByteSpan batch) {
  (void)cairn::ParseRecordBatchHeader(batch);
  if (cairn::ValidateRecordBatch(batch).ok()) {
    (void)cairn::DecodeRecords(batch, kMaxDecompressedBytes);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cairn::ByteSpan input(data, size);
  Exercise(input);
  if (size >= cairn::kBatchHeaderBytes) {
    cairn::Buffer fixed(input.begin(), input.end());
    cairn::StoreBigEndian(fixed.data() + cairn::kBatchLengthPos,
                          static_cast<int32_t>(size - cairn::kBatchLogOverheadBytes));
    const uint32_t crc =
        cairn::crc32c::Value(cairn::ByteSpan(fixed).subspan(cairn::kBatchAttributesPos));
    cairn::StoreBigEndian(fixed.data() + cairn::kBatchCrcPos, crc);
    Exercise(fixed);
  }
  return 0;
}
