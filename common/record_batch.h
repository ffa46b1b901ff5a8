// Kafka RecordBatch v2 (magic 2): the unit Cairn stores, replicates and serves.
// Lives in common/ because both storage/ and proto/kafka/ read it and storage
// may not depend on proto (DESIGN.md §1). Byte layout: docs/format/segment.md.
//
//   baseOffset i64 | batchLength i32 | partitionLeaderEpoch i32 | magic i8 |
//   crc u32 | attributes i16 | lastOffsetDelta i32 | baseTimestamp i64 |
//   maxTimestamp i64 | producerId i64 | producerEpoch i16 | baseSequence i32 |
//   recordCount i32 | records...
//
// The CRC32C covers attributes .. end of batch, so baseOffset and
// partitionLeaderEpoch can be filled in without recomputing it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"

namespace cairn {

// Field positions inside a batch.
inline constexpr size_t kBatchBaseOffsetPos = 0;
inline constexpr size_t kBatchLengthPos = 8;
inline constexpr size_t kBatchLeaderEpochPos = 12;
inline constexpr size_t kBatchMagicPos = 16;
inline constexpr size_t kBatchCrcPos = 17;
inline constexpr size_t kBatchAttributesPos = 21;
inline constexpr size_t kBatchLastOffsetDeltaPos = 23;
inline constexpr size_t kBatchBaseTimestampPos = 27;
inline constexpr size_t kBatchMaxTimestampPos = 35;
inline constexpr size_t kBatchProducerIdPos = 43;
inline constexpr size_t kBatchProducerEpochPos = 51;
inline constexpr size_t kBatchBaseSequencePos = 53;
inline constexpr size_t kBatchRecordCountPos = 57;
inline constexpr size_t kBatchHeaderBytes = 61;
// baseOffset and batchLength precede what batchLength counts.
inline constexpr size_t kBatchLogOverheadBytes = 12;
inline constexpr int8_t kRecordBatchMagic = 2;

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };
const char* CompressionName(Compression codec);

struct RecordBatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = kRecordBatchMagic;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  Compression compression() const { return static_cast<Compression>(attributes & 0x7); }
  bool log_append_time() const { return (attributes & 0x8) != 0; }
  bool is_transactional() const { return (attributes & 0x10) != 0; }
  bool is_control() const { return (attributes & 0x20) != 0; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  int64_t next_offset() const { return last_offset() + 1; }
  // Bytes of the whole batch, header included.
  size_t size_bytes() const { return kBatchLogOverheadBytes + static_cast<size_t>(batch_length); }
};

// Parses and sanity-checks the fixed header (magic 2, batchLength large enough
// for the header, non-negative counts and deltas, known codec). Needs at least
// kBatchHeaderBytes; does not look at the records or the CRC.
absl::StatusOr<RecordBatchHeader> ParseRecordBatchHeader(ByteSpan bytes);

// Checks the header and that `batch` is exactly one whole batch whose CRC32C
// matches. DataLoss on a CRC mismatch, InvalidArgument on a malformed header.
absl::StatusOr<RecordBatchHeader> ValidateRecordBatch(ByteSpan batch);

// The fields outside the CRC that the leader assigns.
void SetBatchBaseOffset(MutableByteSpan batch, int64_t base_offset);
void SetBatchPartitionLeaderEpoch(MutableByteSpan batch, int32_t epoch);

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const RecordHeader&) const = default;
};

struct Record {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string> key;    // nullopt: null key
  std::optional<std::string> value;  // nullopt: null value (a tombstone)
  std::vector<RecordHeader> headers;
  bool operator==(const Record&) const = default;
};

// Decodes every record of a whole, valid batch, decompressing if needed.
// Fails (never allocates past the cap) when the decompressed records would
// exceed `max_decompressed_bytes`, when a count or length lies, or when the
// record count disagrees with the header.
absl::StatusOr<std::vector<Record>> DecodeRecords(ByteSpan batch, size_t max_decompressed_bytes);

struct RecordBatchOptions {
  Compression compression = Compression::kNone;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int64_t base_timestamp = 0;
  bool log_append_time = false;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;
  // When set, used instead of the last record's offset_delta. Compaction keeps
  // a batch's original last offset even when it drops its last records.
  std::optional<int32_t> last_offset_delta;
};

// One record's fields as the encoder reads them, borrowed from wherever the
// caller keeps them (a Record, a producer's queued record), so that encoding
// copies each key and value once: into the batch.
struct RecordView {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string_view> key;    // nullopt: null key
  std::optional<std::string_view> value;  // nullopt: null value
  std::span<const RecordHeader> headers;

  static RecordView Of(const Record& record);
};

// Encodes a batch one record at a time. Uncompressed records go straight
// into the buffer Finish returns, behind room for the header; compressed
// ones into one scratch buffer that is compressed at the end.
class RecordBatchBuilder {
 public:
  // `expected_record_bytes`: the records' encoded size if known (an
  // estimate is fine), so the buffer is sized once instead of regrown.
  // `reuse`: a spent buffer whose capacity the batch may take over (its
  // contents are discarded), so a steady producer stops faulting in fresh
  // pages for every batch.
  RecordBatchBuilder(const RecordBatchOptions& options, size_t expected_record_bytes, Buffer reuse = {});

  // Appends with the record's offset_delta and timestamp_delta as given.
  absl::Status Append(const RecordView& record);

  // The complete batch with a correct CRC; maxTimestamp is computed from the
  // records. Consumes the builder.
  absl::StatusOr<Buffer> Finish() &&;

 private:
  RecordBatchOptions options_;
  Buffer buffer_;
  int64_t record_count_ = 0;
  int32_t last_offset_delta_ = 0;
  std::optional<int64_t> max_timestamp_delta_;
};

// Encodes `records` (their offset_delta and timestamp_delta as given) into a
// complete batch with a correct CRC; maxTimestamp is computed from the records.
absl::StatusOr<Buffer> BuildRecordBatch(const RecordBatchOptions& options, std::span<const Record> records);

// Convenience for tests and benchmarks: records with consecutive offset deltas.
Buffer MakeRecordBatch(std::span<const std::pair<std::optional<std::string>, std::optional<std::string>>> key_values,
                       Compression compression = Compression::kNone, int64_t base_timestamp = 0);

}  // namespace cairn
