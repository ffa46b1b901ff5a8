// Tests for Kafka RecordBatch v2: exact bytes, build/validate/decode round
// trips for every codec, CRC coverage, and rejection of lying batches.
#include "common/record_batch.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/compression.h"
#include "common/crc32c.h"
#include "common/varint.h"

namespace cairn {
namespace {

constexpr Compression kAllCodecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                                      Compression::kZstd};
constexpr size_t kNoCap = 64 * 1024 * 1024;

// The batch of one record key "k" value "v", base offset 0, timestamp 0,
// producer -1/-1/-1, leader epoch -1, written out from the spec.
const Buffer kOneRecordBatch = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // baseOffset 0
    0x00, 0x00, 0x00, 0x3A,                          // batchLength 58 = 49 + 9
    0xFF, 0xFF, 0xFF, 0xFF,                          // partitionLeaderEpoch -1
    0x02,                                            // magic
    0xFE, 0x91, 0x7C, 0xAB,                          // crc32c of bytes [21, 70)
    0x00, 0x00,                                      // attributes
    0x00, 0x00, 0x00, 0x00,                          // lastOffsetDelta 0
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // baseTimestamp 0
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // maxTimestamp 0
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  // producerId -1
    0xFF, 0xFF,                                      // producerEpoch -1
    0xFF, 0xFF, 0xFF, 0xFF,                          // baseSequence -1
    0x00, 0x00, 0x00, 0x01,                          // recordCount 1
    0x10,                                            // record length 8 (zigzag)
    0x00,                                            // attributes
    0x00,                                            // timestampDelta 0
    0x00,                                            // offsetDelta 0
    0x02, 'k',                                       // key length 1, key
    0x02, 'v',                                       // value length 1, value
    0x00,                                            // headers count 0
};

Record MakeRecord(int32_t offset_delta, std::optional<std::string> key, std::optional<std::string> value) {
  Record record;
  record.offset_delta = offset_delta;
  record.key = std::move(key);
  record.value = std::move(value);
  return record;
}

std::vector<Record> VariedRecords() {
  std::vector<Record> records;
  records.push_back(MakeRecord(0, "key-0", "value-0"));
  records.push_back(MakeRecord(1, std::nullopt, "value without key"));
  records.push_back(MakeRecord(2, "tombstone", std::nullopt));
  records.push_back(MakeRecord(3, "", ""));
  Record with_headers = MakeRecord(4, "h", std::string(5000, 'x'));
  with_headers.timestamp_delta = 1234;
  with_headers.headers = {{"trace", "abc"}, {"null-header", std::nullopt}, {"", ""}};
  records.push_back(with_headers);
  Record negative_ts = MakeRecord(7, "late", "arrival");
  negative_ts.timestamp_delta = -50;
  records.push_back(negative_ts);
  return records;
}

Buffer MustBuild(const RecordBatchOptions& options, std::span<const Record> records) {
  absl::StatusOr<Buffer> batch = BuildRecordBatch(options, records);
  REQUIRE(batch.ok());
  return *std::move(batch);
}

// Rewrites the CRC so a test can reach the checks that follow it.
void FixCrc(Buffer& batch) {
  StoreBigEndian(batch.data() + kBatchCrcPos, crc32c::Value(ByteSpan(batch).subspan(kBatchAttributesPos)));
}

absl::StatusCode DecodeCode(const Buffer& batch, size_t cap = kNoCap) {
  return DecodeRecords(batch, cap).status().code();
}

// A hand-built uncompressed batch around `records_region`, CRC fixed.
Buffer BatchAround(const Buffer& records_region, int32_t record_count) {
  Buffer batch = MustBuild(RecordBatchOptions{}, {});
  batch.insert(batch.end(), records_region.begin(), records_region.end());
  StoreBigEndian(batch.data() + kBatchLengthPos, static_cast<int32_t>(batch.size() - kBatchLogOverheadBytes));
  StoreBigEndian(batch.data() + kBatchRecordCountPos, record_count);
  FixCrc(batch);
  return batch;
}

TEST_CASE("RecordBatch: one record encodes to exactly the bytes of the spec") {
  std::vector<Record> records = {MakeRecord(0, "k", "v")};
  Buffer batch = MustBuild(RecordBatchOptions{}, records);
  CHECK(batch == kOneRecordBatch);
  std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> kv = {{"k", "v"}};
  CHECK(MakeRecordBatch(kv) == kOneRecordBatch);
}

TEST_CASE("RecordBatch: the spec bytes parse into the expected header and record") {
  absl::StatusOr<RecordBatchHeader> header = ValidateRecordBatch(kOneRecordBatch);
  REQUIRE(header.ok());
  CHECK(header->base_offset == 0);
  CHECK(header->batch_length == 58);
  CHECK(header->partition_leader_epoch == -1);
  CHECK(header->magic == 2);
  CHECK(header->crc == 0xFE917CABu);
  CHECK(header->attributes == 0);
  CHECK(header->compression() == Compression::kNone);
  CHECK(header->last_offset_delta == 0);
  CHECK(header->producer_id == -1);
  CHECK(header->producer_epoch == -1);
  CHECK(header->base_sequence == -1);
  CHECK(header->record_count == 1);
  CHECK(header->size_bytes() == 70);
  CHECK(header->next_offset() == 1);
  absl::StatusOr<std::vector<Record>> records = DecodeRecords(kOneRecordBatch, kNoCap);
  REQUIRE(records.ok());
  CHECK(*records == std::vector<Record>{MakeRecord(0, "k", "v")});
}

TEST_CASE("RecordBatch: build, validate and decode round trip for every codec") {
  std::vector<Record> records = VariedRecords();
  for (Compression codec : kAllCodecs) {
    const std::string name = CompressionName(codec);
    CAPTURE(name);
    RecordBatchOptions options;
    options.compression = codec;
    options.base_offset = 1000;
    options.partition_leader_epoch = 7;
    options.base_timestamp = 1'700'000'000'000;
    options.producer_id = 42;
    options.producer_epoch = 3;
    options.base_sequence = 100;
    Buffer batch = MustBuild(options, records);
    absl::StatusOr<RecordBatchHeader> header = ValidateRecordBatch(batch);
    REQUIRE(header.ok());
    CHECK(header->compression() == codec);
    CHECK(header->base_offset == 1000);
    CHECK(header->partition_leader_epoch == 7);
    CHECK(header->last_offset_delta == 7);
    CHECK(header->last_offset() == 1007);
    CHECK(header->base_timestamp == 1'700'000'000'000);
    CHECK(header->max_timestamp == 1'700'000'001'234);
    CHECK(header->producer_id == 42);
    CHECK(header->producer_epoch == 3);
    CHECK(header->base_sequence == 100);
    CHECK(header->record_count == 6);
    CHECK_FALSE(header->is_transactional());
    absl::StatusOr<std::vector<Record>> decoded = DecodeRecords(batch, kNoCap);
    REQUIRE(decoded.ok());
    CHECK(*decoded == records);
  }
}

TEST_CASE("RecordBatchBuilder: views of records encode to the same bytes as the records, whatever the size hint") {
  const std::vector<Record> records = VariedRecords();
  for (Compression codec : kAllCodecs) {
    CAPTURE(CompressionName(codec));
    RecordBatchOptions options;
    options.compression = codec;
    options.base_timestamp = 1'700'000'000'000;
    options.producer_id = 42;
    options.producer_epoch = 3;
    options.base_sequence = 100;
    const Buffer expected = MustBuild(options, records);
    // A hint of 0 grows the buffer as it goes; a large one is never filled.
    for (size_t hint : {size_t{0}, size_t{7}, size_t{1} << 20}) {
      CAPTURE(hint);
      RecordBatchBuilder builder(options, hint);
      for (const Record& record : records) REQUIRE(builder.Append(RecordView::Of(record)).ok());
      absl::StatusOr<Buffer> built = std::move(builder).Finish();
      REQUIRE(built.ok());
      CHECK(*built == expected);
      absl::StatusOr<std::vector<Record>> decoded = DecodeRecords(*built, kNoCap);
      REQUIRE(decoded.ok());
      CHECK(*decoded == records);
      absl::StatusOr<RecordBatchHeader> header = ValidateRecordBatch(*built);
      REQUIRE(header.ok());
      CHECK(header->max_timestamp == options.base_timestamp + 1234);
      CHECK(header->last_offset_delta == 7);
      CHECK(header->base_sequence == 100);
    }
  }
}

TEST_CASE("RecordBatchBuilder: a reused buffer's old bytes never reach the batch, and its capacity is taken over") {
  const std::vector<Record> records = VariedRecords();
  for (Compression codec : kAllCodecs) {
    CAPTURE(CompressionName(codec));
    RecordBatchOptions options;
    options.compression = codec;
    options.base_timestamp = 1'700'000'000'000;
    const Buffer expected = MustBuild(options, records);
    Buffer spent(1 << 16, 0xEE);  // a previous batch's bytes, larger than this one
    const uint8_t* storage = spent.data();
    RecordBatchBuilder builder(options, 0, std::move(spent));
    for (const Record& record : records) REQUIRE(builder.Append(RecordView::Of(record)).ok());
    absl::StatusOr<Buffer> built = std::move(builder).Finish();
    REQUIRE(built.ok());
    CHECK(*built == expected);
    // Uncompressed records are written in place: into the reused storage.
    if (codec == Compression::kNone) CHECK(built->data() == storage);
  }
}

TEST_CASE("RecordBatchBuilder: an unknown codec fails at Finish") {
  RecordBatchOptions options;
  options.compression = static_cast<Compression>(6);
  RecordBatchBuilder builder(options, 0);
  CHECK(std::move(builder).Finish().status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("RecordBatch: compressed batches are smaller than uncompressed ones") {
  std::vector<Record> records;
  for (int32_t i = 0; i < 200; ++i) records.push_back(MakeRecord(i, "user-" + std::to_string(i % 10), "same payload"));
  size_t plain = MustBuild(RecordBatchOptions{}, records).size();
  for (Compression codec : {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    const std::string name = CompressionName(codec);
    CAPTURE(name);
    RecordBatchOptions options;
    options.compression = codec;
    CHECK(MustBuild(options, records).size() < plain / 2);
  }
}

TEST_CASE("RecordBatch: an empty batch has zero records and maxTimestamp equal to baseTimestamp") {
  RecordBatchOptions options;
  options.base_timestamp = 555;
  for (Compression codec : kAllCodecs) {
    options.compression = codec;
    Buffer batch = MustBuild(options, {});
    absl::StatusOr<RecordBatchHeader> header = ValidateRecordBatch(batch);
    REQUIRE(header.ok());
    CHECK(header->record_count == 0);
    CHECK(header->last_offset_delta == 0);
    CHECK(header->max_timestamp == 555);
    CHECK(DecodeRecords(batch, kNoCap)->empty());
  }
  options.compression = Compression::kNone;
  CHECK(MustBuild(options, {}).size() == kBatchHeaderBytes);
}

TEST_CASE("RecordBatch: attribute bits follow the options") {
  RecordBatchOptions options;
  options.compression = Compression::kLz4;
  options.log_append_time = true;
  options.transactional = true;
  options.control = true;
  Buffer batch = MustBuild(options, {});
  CHECK(LoadBigEndian<int16_t>(batch.data() + kBatchAttributesPos) == (3 | 0x8 | 0x10 | 0x20));
  absl::StatusOr<RecordBatchHeader> header = ValidateRecordBatch(batch);
  REQUIRE(header.ok());
  CHECK(header->compression() == Compression::kLz4);
  CHECK(header->log_append_time());
  CHECK(header->is_transactional());
  CHECK(header->is_control());
}

TEST_CASE("RecordBatch: an explicit last offset delta overrides the last record's") {
  RecordBatchOptions options;
  options.last_offset_delta = 9;
  std::vector<Record> records = {MakeRecord(0, "a", "b"), MakeRecord(3, "c", "d")};
  absl::StatusOr<RecordBatchHeader> header = ValidateRecordBatch(MustBuild(options, records));
  REQUIRE(header.ok());
  CHECK(header->last_offset_delta == 9);
  options.last_offset_delta = -1;
  CHECK(BuildRecordBatch(options, records).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("RecordBatch: MakeRecordBatch numbers records consecutively") {
  std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> kv = {
      {"a", "1"}, {std::nullopt, "2"}, {"c", std::nullopt}};
  Buffer batch = MakeRecordBatch(kv, Compression::kZstd, 77);
  absl::StatusOr<RecordBatchHeader> header = ValidateRecordBatch(batch);
  REQUIRE(header.ok());
  CHECK(header->compression() == Compression::kZstd);
  CHECK(header->base_timestamp == 77);
  CHECK(header->max_timestamp == 77);
  CHECK(header->last_offset_delta == 2);
  absl::StatusOr<std::vector<Record>> records = DecodeRecords(batch, kNoCap);
  REQUIRE(records.ok());
  CHECK(*records == std::vector<Record>{MakeRecord(0, "a", "1"), MakeRecord(1, std::nullopt, "2"),
                                        MakeRecord(2, "c", std::nullopt)});
}

TEST_CASE("RecordBatch: a flipped bit anywhere under the CRC is data loss") {
  for (Compression codec : {Compression::kNone, Compression::kZstd}) {
    RecordBatchOptions options;
    options.compression = codec;
    std::vector<Record> records = VariedRecords();
    records[4].value = "short";  // Keep the batch small: every bit is tried.
    Buffer batch = MustBuild(options, records);
    for (size_t bit = kBatchAttributesPos * 8; bit < batch.size() * 8; ++bit) {
      Buffer corrupt = batch;
      corrupt[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      absl::StatusOr<RecordBatchHeader> header = ValidateRecordBatch(corrupt);
      CAPTURE(bit);
      // A flip in a header field may be caught as malformed first.
      REQUIRE_FALSE(header.ok());
      bool expected = header.status().code() == absl::StatusCode::kDataLoss ||
                      (bit < kBatchHeaderBytes * 8 && header.status().code() == absl::StatusCode::kInvalidArgument);
      REQUIRE(expected);
      REQUIRE_FALSE(DecodeRecords(corrupt, kNoCap).ok());
    }
  }
}

TEST_CASE("RecordBatch: a flipped bit in a record region is data loss naming both CRCs") {
  Buffer corrupt = kOneRecordBatch;
  corrupt[65] ^= 0x01;  // The key byte.
  absl::StatusOr<RecordBatchHeader> header = ValidateRecordBatch(corrupt);
  CHECK(header.status().code() == absl::StatusCode::kDataLoss);
  std::string message(header.status().message());
  CHECK(message.find("expected 0xfe917cab") != std::string::npos);
  CHECK(message.find("actual 0x") != std::string::npos);
  CHECK(DecodeCode(corrupt) == absl::StatusCode::kDataLoss);
}

TEST_CASE("RecordBatch: a flipped bit in the CRC field itself is data loss") {
  for (size_t bit = kBatchCrcPos * 8; bit < kBatchAttributesPos * 8; ++bit) {
    Buffer corrupt = kOneRecordBatch;
    corrupt[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    CHECK(ValidateRecordBatch(corrupt).status().code() == absl::StatusCode::kDataLoss);
  }
}

TEST_CASE("RecordBatch: flipped bits in baseOffset or leader epoch keep the batch valid") {
  auto flip_ok = [](size_t begin, size_t end) {
    for (size_t bit = begin * 8; bit < end * 8; ++bit) {
      Buffer changed = kOneRecordBatch;
      changed[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      CAPTURE(bit);
      REQUIRE(ValidateRecordBatch(changed).ok());
      REQUIRE(DecodeRecords(changed, kNoCap).ok());
    }
  };
  flip_ok(kBatchBaseOffsetPos, kBatchLengthPos);
  flip_ok(kBatchLeaderEpochPos, kBatchMagicPos);
}

TEST_CASE("RecordBatch: setting base offset and leader epoch keeps the CRC valid") {
  Buffer batch = MakeRecordBatch(
      std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>{{"a", "1"}, {"b", "2"}},
      Compression::kGzip);
  SetBatchBaseOffset(batch, 123456789012);
  SetBatchPartitionLeaderEpoch(batch, 17);
  absl::StatusOr<RecordBatchHeader> header = ValidateRecordBatch(batch);
  REQUIRE(header.ok());
  CHECK(header->base_offset == 123456789012);
  CHECK(header->partition_leader_epoch == 17);
  CHECK(header->last_offset() == 123456789013);
  CHECK(LoadBigEndian<int64_t>(batch.data()) == 123456789012);
  CHECK(DecodeRecords(batch, kNoCap)->size() == 2);
}

TEST_CASE("RecordBatch: header parsing rejects short input, wrong magic and bad fields") {
  auto parse_code = [](const Buffer& b) { return ParseRecordBatchHeader(b).status().code(); };
  CHECK(ParseRecordBatchHeader(kOneRecordBatch).ok());
  CHECK(parse_code(Buffer(kOneRecordBatch.begin(), kOneRecordBatch.begin() + 60)) ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseRecordBatchHeader(Buffer(kOneRecordBatch.begin(), kOneRecordBatch.begin() + 61)).ok());
  for (int8_t magic : {0, 1, 3, -1}) {
    Buffer b = kOneRecordBatch;
    b[kBatchMagicPos] = static_cast<uint8_t>(magic);
    CHECK(parse_code(b) == absl::StatusCode::kInvalidArgument);
  }
  Buffer short_length = kOneRecordBatch;
  StoreBigEndian<int32_t>(short_length.data() + kBatchLengthPos, 48);
  CHECK(parse_code(short_length) == absl::StatusCode::kInvalidArgument);
  StoreBigEndian<int32_t>(short_length.data() + kBatchLengthPos, 49);
  CHECK(ParseRecordBatchHeader(short_length).ok());
  Buffer negative_count = kOneRecordBatch;
  StoreBigEndian<int32_t>(negative_count.data() + kBatchRecordCountPos, -1);
  CHECK(parse_code(negative_count) == absl::StatusCode::kInvalidArgument);
  Buffer negative_delta = kOneRecordBatch;
  StoreBigEndian<int32_t>(negative_delta.data() + kBatchLastOffsetDeltaPos, -1);
  CHECK(parse_code(negative_delta) == absl::StatusCode::kInvalidArgument);
  for (int16_t codec : {5, 6, 7}) {
    Buffer bad_codec = kOneRecordBatch;
    StoreBigEndian<int16_t>(bad_codec.data() + kBatchAttributesPos, codec);
    CHECK(parse_code(bad_codec) == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("RecordBatch: a batch whose size disagrees with batchLength is rejected") {
  Buffer truncated(kOneRecordBatch.begin(), kOneRecordBatch.end() - 1);
  CHECK(ValidateRecordBatch(truncated).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(DecodeCode(truncated) == absl::StatusCode::kInvalidArgument);
  Buffer extended = kOneRecordBatch;
  extended.push_back(0);
  CHECK(ValidateRecordBatch(extended).status().code() == absl::StatusCode::kInvalidArgument);
  Buffer lying_length = kOneRecordBatch;
  StoreBigEndian<int32_t>(lying_length.data() + kBatchLengthPos, 59);
  CHECK(ValidateRecordBatch(lying_length).status().code() == absl::StatusCode::kInvalidArgument);
  StoreBigEndian<int32_t>(lying_length.data() + kBatchLengthPos, INT32_MAX);
  CHECK(ValidateRecordBatch(lying_length).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("RecordBatch: a record count larger than the records is rejected") {
  for (int32_t count : {2, 1000, INT32_MAX}) {
    Buffer batch = kOneRecordBatch;
    StoreBigEndian<int32_t>(batch.data() + kBatchRecordCountPos, count);
    FixCrc(batch);
    REQUIRE(ValidateRecordBatch(batch).ok());
    CHECK(DecodeCode(batch) == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("RecordBatch: a record count smaller than the records leaves trailing bytes and is rejected") {
  Buffer batch = kOneRecordBatch;
  StoreBigEndian<int32_t>(batch.data() + kBatchRecordCountPos, 0);
  FixCrc(batch);
  CHECK(DecodeCode(batch) == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("RecordBatch: trailing garbage after the last record is rejected") {
  Buffer region(kOneRecordBatch.begin() + kBatchHeaderBytes, kOneRecordBatch.end());
  CHECK(DecodeRecords(BatchAround(region, 1), kNoCap).ok());
  region.push_back(0x00);
  CHECK(DecodeCode(BatchAround(region, 1)) == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("RecordBatch: a record length that lies is rejected") {
  const size_t length_pos = kBatchHeaderBytes;
  for (uint8_t zigzag_length : {0x0E, 0x12, 0x7E, 0x01}) {  // 7, 9, 63, -1
    Buffer batch = kOneRecordBatch;
    batch[length_pos] = zigzag_length;
    FixCrc(batch);
    CAPTURE(zigzag_length);
    CHECK(DecodeCode(batch) == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("RecordBatch: a record longer than its fields is rejected") {
  // Length 9 with one padding byte after the headers count.
  Buffer region = {0x12, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x00, 0x00};
  CHECK(DecodeCode(BatchAround(region, 1)) == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("RecordBatch: key, value and header lengths that lie are rejected") {
  std::vector<Buffer> bad_regions = {
      {0x10, 0x00, 0x00, 0x00, 0x04, 'k', 0x02, 'v', 0x00},              // key length 2 runs into the value
      {0x10, 0x00, 0x00, 0x00, 0x7E, 'k', 0x02, 'v', 0x00},              // key length 63
      {0x10, 0x00, 0x00, 0x00, 0x03, 'k', 0x02, 'v', 0x00},              // key length -2
      {0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x0A, 'v', 0x00},              // value length 5
      {0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x02},              // 1 header, no bytes for it
      {0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x01},              // -1 headers
      {0x12, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x02, 0x01},        // null header key
      {0x14, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x02, 0x00, 0x04},  // header value length 2
      {0x0A, 0x00, 0x00, 0x00, 0x02, 'k'},                               // record ends after the key
      {0x08, 0x00, 0x00, 0x00, 0xFF},                                    // truncated varint key length
  };
  for (size_t i = 0; i < bad_regions.size(); ++i) {
    CAPTURE(i);
    CHECK(DecodeCode(BatchAround(bad_regions[i], 1)) == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("RecordBatch: a hand-built record with headers decodes") {
  // Header "a" -> "b" and header "n" -> null.
  Buffer region = {0x1A, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04, 0x02, 'a', 0x02, 'b', 0x02, 'n', 0x01};
  absl::StatusOr<std::vector<Record>> records = DecodeRecords(BatchAround(region, 1), kNoCap);
  REQUIRE(records.ok());
  Record expected = MakeRecord(0, std::nullopt, std::nullopt);
  expected.headers = {{"a", "b"}, {"n", std::nullopt}};
  CHECK(*records == std::vector<Record>{expected});
}

TEST_CASE("RecordBatch: the decompression cap is respected for every codec") {
  std::vector<Record> records = {MakeRecord(0, "k", std::string(2 * 1024 * 1024, 'z'))};
  for (Compression codec : kAllCodecs) {
    const std::string name = CompressionName(codec);
    CAPTURE(name);
    RecordBatchOptions options;
    options.compression = codec;
    Buffer batch = MustBuild(options, records);
    CHECK(DecodeCode(batch, 1024 * 1024) == absl::StatusCode::kResourceExhausted);
    CHECK(DecodeRecords(batch, 3 * 1024 * 1024).ok());
  }
}

TEST_CASE("RecordBatch: a corrupt compressed region with a valid CRC is rejected") {
  for (Compression codec : {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    const std::string name = CompressionName(codec);
    CAPTURE(name);
    RecordBatchOptions options;
    options.compression = codec;
    Buffer batch = MustBuild(options, VariedRecords());
    batch.resize(batch.size() - 10);  // Truncate the compressed stream.
    StoreBigEndian(batch.data() + kBatchLengthPos, static_cast<int32_t>(batch.size() - kBatchLogOverheadBytes));
    FixCrc(batch);
    REQUIRE(ValidateRecordBatch(batch).ok());
    CHECK(DecodeCode(batch) == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("RecordBatch: codec names match Kafka's compression.type values") {
  CHECK(std::string(CompressionName(Compression::kNone)) == "none");
  CHECK(std::string(CompressionName(Compression::kGzip)) == "gzip");
  CHECK(std::string(CompressionName(Compression::kSnappy)) == "snappy");
  CHECK(std::string(CompressionName(Compression::kLz4)) == "lz4");
  CHECK(std::string(CompressionName(Compression::kZstd)) == "zstd");
}

}  // namespace
}  // namespace cairn
