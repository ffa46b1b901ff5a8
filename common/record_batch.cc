// Kafka RecordBatch v2 encode, validate and decode. Every length read from a
// batch is untrusted: it is checked against the bytes left before use and
// never drives an allocation on its own. Byte layout: docs/format/segment.md.
#include "common/record_batch.h"

#include <algorithm>
#include <climits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/check.h"
#include "common/compression.h"
#include "common/crc32c.h"
#include "common/status_macros.h"
#include "common/varint.h"

namespace cairn {
namespace {

// length, attributes, timestampDelta, offsetDelta, keyLength, valueLength and
// headersCount each take at least one byte.
constexpr size_t kMinRecordBytes = 7;
// headerKeyLength and headerValueLength.
constexpr size_t kMinHeaderBytes = 2;
constexpr int16_t kCodecMask = 0x7;
constexpr int16_t kLogAppendTimeBit = 0x8;
constexpr int16_t kTransactionalBit = 0x10;
constexpr int16_t kControlBit = 0x20;

// ---- decoding ----

absl::StatusOr<int8_t> ReadInt8(ByteSpan& in) {
  if (in.empty()) return absl::InvalidArgumentError("record truncated at attributes");
  auto value = static_cast<int8_t>(in[0]);
  in = in.subspan(1);
  return value;
}

// Reads and checks the length prefix of a byte string: -1 (null) is allowed
// only when `nullable`, anything else must fit in the bytes left.
absl::StatusOr<int32_t> ReadFieldLength(ByteSpan& in, bool nullable, const char* what) {
  ASSIGN_OR_RETURN(int32_t length, varint::ReadSigned32(in));
  if (length == -1 && nullable) return length;
  if (length < 0) return absl::InvalidArgumentError(absl::StrCat("negative ", what, " length ", length));
  if (static_cast<size_t>(length) > in.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " length ", length, " exceeds the ", in.size(), " bytes left in the record"));
  }
  return length;
}

// Consumes `length` bytes that ReadFieldLength already checked.
std::string TakeString(ByteSpan& in, int32_t length) {
  std::string value(AsStringView(in.first(static_cast<size_t>(length))));
  in = in.subspan(static_cast<size_t>(length));
  return value;
}

absl::StatusOr<std::optional<std::string>> ReadNullableString(ByteSpan& in, const char* what) {
  ASSIGN_OR_RETURN(int32_t length, ReadFieldLength(in, /*nullable=*/true, what));
  if (length == -1) return std::nullopt;
  return TakeString(in, length);
}

absl::StatusOr<std::vector<RecordHeader>> ReadHeaders(ByteSpan& in) {
  ASSIGN_OR_RETURN(int32_t count, varint::ReadSigned32(in));
  if (count < 0) return absl::InvalidArgumentError(absl::StrCat("negative record header count ", count));
  if (static_cast<size_t>(count) > in.size() / kMinHeaderBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("record header count ", count, " cannot fit in the ", in.size(), " bytes left"));
  }
  std::vector<RecordHeader> headers;
  headers.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    RecordHeader header;
    ASSIGN_OR_RETURN(int32_t key_length, ReadFieldLength(in, /*nullable=*/false, "header key"));
    header.key = TakeString(in, key_length);
    ASSIGN_OR_RETURN(header.value, ReadNullableString(in, "header value"));
    headers.push_back(std::move(header));
  }
  return headers;
}

// Decodes the fields of one record from exactly its declared bytes.
absl::StatusOr<Record> ReadRecordBody(ByteSpan body) {
  Record record;
  ASSIGN_OR_RETURN(record.attributes, ReadInt8(body));
  ASSIGN_OR_RETURN(record.timestamp_delta, varint::ReadSigned64(body));
  ASSIGN_OR_RETURN(record.offset_delta, varint::ReadSigned32(body));
  ASSIGN_OR_RETURN(record.key, ReadNullableString(body, "key"));
  ASSIGN_OR_RETURN(record.value, ReadNullableString(body, "value"));
  ASSIGN_OR_RETURN(record.headers, ReadHeaders(body));
  if (!body.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("record declares ", body.size(), " more bytes than its fields use"));
  }
  return record;
}

absl::StatusOr<Record> ReadRecord(ByteSpan& in) {
  ASSIGN_OR_RETURN(int32_t length, varint::ReadSigned32(in));
  if (length < 0 || static_cast<size_t>(length) > in.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("record length ", length, " does not fit in the ", in.size(), " bytes left"));
  }
  ByteSpan body = in.first(static_cast<size_t>(length));
  in = in.subspan(static_cast<size_t>(length));
  return ReadRecordBody(body);
}

absl::StatusOr<std::vector<Record>> ReadRecords(ByteSpan in, int32_t count) {
  if (static_cast<size_t>(count) > in.size() / kMinRecordBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("record count ", count, " cannot fit in the ", in.size(), " bytes of records"));
  }
  std::vector<Record> records;
  records.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    ASSIGN_OR_RETURN(Record record, ReadRecord(in));
    records.push_back(std::move(record));
  }
  if (!in.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(in.size(), " trailing bytes after the last record"));
  }
  return records;
}

// ---- encoding ----

// As bytes (uint8_t to uint8_t), so the copy is one memmove, not a loop
// converting char by char.
void AppendChars(Buffer& out, std::string_view chars) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(chars.data());
  out.insert(out.end(), bytes, bytes + chars.size());
}

// Size of a bytes field as encoded: its varint length, then its bytes.
size_t BytesFieldSize(const std::optional<std::string_view>& field) {
  if (!field.has_value()) return varint::SizeSigned64(-1);
  return varint::SizeSigned64(static_cast<int64_t>(field->size())) + field->size();
}

void AppendBytesField(Buffer& out, const std::optional<std::string_view>& field) {
  if (!field.has_value()) {
    varint::AppendSigned32(out, -1);
    return;
  }
  varint::AppendSigned32(out, static_cast<int32_t>(field->size()));
  AppendChars(out, *field);
}

std::optional<std::string_view> ViewOf(const std::optional<std::string>& field) {
  if (!field.has_value()) return std::nullopt;
  return std::string_view(*field);
}

// Writes the record straight into `out`: its length is computed first, so
// no per-record buffer is built and copied (this runs once per record sent).
absl::Status AppendRecord(Buffer& out, const RecordView& record) {
  uint64_t body = 1 + varint::SizeSigned64(record.timestamp_delta) + varint::SizeSigned64(record.offset_delta) +
                  BytesFieldSize(record.key) + BytesFieldSize(record.value) +
                  varint::SizeSigned64(static_cast<int64_t>(record.headers.size()));
  for (const RecordHeader& header : record.headers) {
    body += varint::SizeSigned64(static_cast<int64_t>(header.key.size())) + header.key.size() +
            BytesFieldSize(ViewOf(header.value));
  }
  // Every field's size is part of `body`, so one check bounds them all.
  if (body > static_cast<uint64_t>(INT32_MAX)) return absl::InvalidArgumentError("record too large");
  varint::AppendSigned32(out, static_cast<int32_t>(body));
  out.push_back(static_cast<uint8_t>(record.attributes));
  varint::AppendSigned64(out, record.timestamp_delta);
  varint::AppendSigned32(out, record.offset_delta);
  AppendBytesField(out, record.key);
  AppendBytesField(out, record.value);
  varint::AppendSigned32(out, static_cast<int32_t>(record.headers.size()));
  for (const RecordHeader& header : record.headers) {
    varint::AppendSigned32(out, static_cast<int32_t>(header.key.size()));
    AppendChars(out, header.key);
    AppendBytesField(out, ViewOf(header.value));
  }
  return absl::OkStatus();
}

int16_t BatchAttributes(const RecordBatchOptions& options) {
  int16_t attributes = static_cast<int16_t>(options.compression) & kCodecMask;
  if (options.log_append_time) attributes |= kLogAppendTimeBit;
  if (options.transactional) attributes |= kTransactionalBit;
  if (options.control) attributes |= kControlBit;
  return attributes;
}

void WriteHeader(uint8_t* p, const RecordBatchHeader& h) {
  StoreBigEndian(p + kBatchBaseOffsetPos, h.base_offset);
  StoreBigEndian(p + kBatchLengthPos, h.batch_length);
  StoreBigEndian(p + kBatchLeaderEpochPos, h.partition_leader_epoch);
  StoreBigEndian(p + kBatchMagicPos, h.magic);
  StoreBigEndian(p + kBatchCrcPos, h.crc);
  StoreBigEndian(p + kBatchAttributesPos, h.attributes);
  StoreBigEndian(p + kBatchLastOffsetDeltaPos, h.last_offset_delta);
  StoreBigEndian(p + kBatchBaseTimestampPos, h.base_timestamp);
  StoreBigEndian(p + kBatchMaxTimestampPos, h.max_timestamp);
  StoreBigEndian(p + kBatchProducerIdPos, h.producer_id);
  StoreBigEndian(p + kBatchProducerEpochPos, h.producer_epoch);
  StoreBigEndian(p + kBatchBaseSequencePos, h.base_sequence);
  StoreBigEndian(p + kBatchRecordCountPos, h.record_count);
}

uint32_t ComputeBatchCrc(ByteSpan batch) { return crc32c::Value(batch.subspan(kBatchAttributesPos)); }

}  // namespace

const char* CompressionName(Compression codec) {
  switch (codec) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

absl::StatusOr<RecordBatchHeader> ParseRecordBatchHeader(ByteSpan bytes) {
  if (bytes.size() < kBatchHeaderBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("record batch needs ", kBatchHeaderBytes, " header bytes, got ", bytes.size()));
  }
  const uint8_t* p = bytes.data();
  RecordBatchHeader h;
  h.base_offset = LoadBigEndian<int64_t>(p + kBatchBaseOffsetPos);
  h.batch_length = LoadBigEndian<int32_t>(p + kBatchLengthPos);
  h.partition_leader_epoch = LoadBigEndian<int32_t>(p + kBatchLeaderEpochPos);
  h.magic = LoadBigEndian<int8_t>(p + kBatchMagicPos);
  h.crc = LoadBigEndian<uint32_t>(p + kBatchCrcPos);
  h.attributes = LoadBigEndian<int16_t>(p + kBatchAttributesPos);
  h.last_offset_delta = LoadBigEndian<int32_t>(p + kBatchLastOffsetDeltaPos);
  h.base_timestamp = LoadBigEndian<int64_t>(p + kBatchBaseTimestampPos);
  h.max_timestamp = LoadBigEndian<int64_t>(p + kBatchMaxTimestampPos);
  h.producer_id = LoadBigEndian<int64_t>(p + kBatchProducerIdPos);
  h.producer_epoch = LoadBigEndian<int16_t>(p + kBatchProducerEpochPos);
  h.base_sequence = LoadBigEndian<int32_t>(p + kBatchBaseSequencePos);
  h.record_count = LoadBigEndian<int32_t>(p + kBatchRecordCountPos);

  if (h.magic != kRecordBatchMagic) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported record batch magic ", h.magic));
  }
  if (h.batch_length < static_cast<int32_t>(kBatchHeaderBytes - kBatchLogOverheadBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("record batch length ", h.batch_length, " is below the header size"));
  }
  if (h.record_count < 0) return absl::InvalidArgumentError(absl::StrCat("negative record count ", h.record_count));
  if (h.last_offset_delta < 0) {
    return absl::InvalidArgumentError(absl::StrCat("negative last offset delta ", h.last_offset_delta));
  }
  if ((h.attributes & kCodecMask) > static_cast<int16_t>(Compression::kZstd)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown compression codec ", h.attributes & kCodecMask));
  }
  return h;
}

absl::StatusOr<RecordBatchHeader> ValidateRecordBatch(ByteSpan batch) {
  ASSIGN_OR_RETURN(RecordBatchHeader header, ParseRecordBatchHeader(batch));
  if (batch.size() != header.size_bytes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("record batch is ", batch.size(), " bytes but its header says ", header.size_bytes()));
  }
  uint32_t actual = ComputeBatchCrc(batch);
  if (actual != header.crc) {
    return absl::DataLossError(
        absl::StrFormat("record batch at base offset %d: CRC32C mismatch, expected 0x%08x, actual 0x%08x",
                        header.base_offset, header.crc, actual));
  }
  return header;
}

void SetBatchBaseOffset(MutableByteSpan batch, int64_t base_offset) {
  CAIRN_CHECK(batch.size() >= kBatchHeaderBytes) << "batch of " << batch.size() << " bytes";
  StoreBigEndian(batch.data() + kBatchBaseOffsetPos, base_offset);
}

void SetBatchPartitionLeaderEpoch(MutableByteSpan batch, int32_t epoch) {
  CAIRN_CHECK(batch.size() >= kBatchHeaderBytes) << "batch of " << batch.size() << " bytes";
  StoreBigEndian(batch.data() + kBatchLeaderEpochPos, epoch);
}

absl::StatusOr<std::vector<Record>> DecodeRecords(ByteSpan batch, size_t max_decompressed_bytes) {
  ASSIGN_OR_RETURN(RecordBatchHeader header, ValidateRecordBatch(batch));
  ByteSpan region = batch.subspan(kBatchHeaderBytes);
  // The cap applies to uncompressed batches too, so callers get one rule.
  if (header.compression() == Compression::kNone) {
    if (region.size() > max_decompressed_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("records of ", region.size(), " bytes exceed the limit of ", max_decompressed_bytes));
    }
    return ReadRecords(region, header.record_count);
  }
  ASSIGN_OR_RETURN(Buffer decompressed, Decompress(header.compression(), region, max_decompressed_bytes));
  return ReadRecords(decompressed, header.record_count);
}

RecordView RecordView::Of(const Record& record) {
  return RecordView{record.attributes, record.timestamp_delta, record.offset_delta,
                    ViewOf(record.key), ViewOf(record.value), record.headers};
}

RecordBatchBuilder::RecordBatchBuilder(const RecordBatchOptions& options, size_t expected_record_bytes,
                                       Buffer reuse)
    : options_(options), buffer_(std::move(reuse)) {
  buffer_.clear();
  const bool in_place = options.compression == Compression::kNone;
  buffer_.reserve((in_place ? kBatchHeaderBytes : 0) + expected_record_bytes);
  if (in_place) buffer_.resize(kBatchHeaderBytes);
}

absl::Status RecordBatchBuilder::Append(const RecordView& record) {
  RETURN_IF_ERROR(AppendRecord(buffer_, record));
  ++record_count_;
  last_offset_delta_ = record.offset_delta;
  max_timestamp_delta_ = std::max(max_timestamp_delta_.value_or(record.timestamp_delta), record.timestamp_delta);
  return absl::OkStatus();
}

absl::StatusOr<Buffer> RecordBatchBuilder::Finish() && {
  if (static_cast<uint8_t>(options_.compression) > static_cast<uint8_t>(Compression::kZstd)) {
    return absl::InvalidArgumentError("unknown compression codec");
  }
  if (record_count_ > INT32_MAX) return absl::InvalidArgumentError("too many records");
  Buffer batch;
  if (options_.compression == Compression::kNone) {
    batch = std::move(buffer_);
  } else {
    ASSIGN_OR_RETURN(Buffer compressed, Compress(options_.compression, buffer_));
    batch.reserve(kBatchHeaderBytes + compressed.size());
    batch.resize(kBatchHeaderBytes);
    batch.insert(batch.end(), compressed.begin(), compressed.end());
  }
  const size_t region_size = batch.size() - kBatchHeaderBytes;
  if (region_size > static_cast<size_t>(INT32_MAX) - kBatchHeaderBytes) {
    return absl::InvalidArgumentError("record batch too large");
  }

  RecordBatchHeader h;
  h.base_offset = options_.base_offset;
  h.batch_length = static_cast<int32_t>(kBatchHeaderBytes - kBatchLogOverheadBytes + region_size);
  h.partition_leader_epoch = options_.partition_leader_epoch;
  h.attributes = BatchAttributes(options_);
  h.last_offset_delta = options_.last_offset_delta.value_or(last_offset_delta_);
  if (h.last_offset_delta < 0) {
    return absl::InvalidArgumentError(absl::StrCat("negative last offset delta ", h.last_offset_delta));
  }
  h.base_timestamp = options_.base_timestamp;
  h.max_timestamp = options_.base_timestamp + max_timestamp_delta_.value_or(0);
  h.producer_id = options_.producer_id;
  h.producer_epoch = options_.producer_epoch;
  h.base_sequence = options_.base_sequence;
  h.record_count = static_cast<int32_t>(record_count_);

  WriteHeader(batch.data(), h);
  // Last: the CRC covers every byte from the attributes on.
  StoreBigEndian(batch.data() + kBatchCrcPos, ComputeBatchCrc(batch));
  return batch;
}

absl::StatusOr<Buffer> BuildRecordBatch(const RecordBatchOptions& options, std::span<const Record> records) {
  if (records.size() > static_cast<size_t>(INT32_MAX)) return absl::InvalidArgumentError("too many records");
  size_t expected_bytes = 0;  // a close estimate: the buffer grows at most once
  for (const Record& record : records) {
    expected_bytes += 24 + (record.key ? record.key->size() : 0) + (record.value ? record.value->size() : 0);
  }
  RecordBatchBuilder builder(options, expected_bytes);
  for (const Record& record : records) RETURN_IF_ERROR(builder.Append(RecordView::Of(record)));
  return std::move(builder).Finish();
}

Buffer MakeRecordBatch(std::span<const std::pair<std::optional<std::string>, std::optional<std::string>>> key_values,
                       Compression compression, int64_t base_timestamp) {
  std::vector<Record> records;
  records.reserve(key_values.size());
  for (size_t i = 0; i < key_values.size(); ++i) {
    Record record;
    record.offset_delta = static_cast<int32_t>(i);
    record.key = key_values[i].first;
    record.value = key_values[i].second;
    records.push_back(std::move(record));
  }
  RecordBatchOptions options;
  options.compression = compression;
  options.base_timestamp = base_timestamp;
  absl::StatusOr<Buffer> batch = BuildRecordBatch(options, records);
  CAIRN_CHECK(batch.ok()) << batch.status();
  return *std::move(batch);
}

}  // namespace cairn
