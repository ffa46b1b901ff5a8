#include "client/fetch_records.h"

#include "common/record_batch.h"
#include "doctest/doctest.h"

namespace cairn::client {
namespace {

// Two batches: offsets 10..12 (codec `c`) and 13..14, laid end to end as a
// Fetch response carries them.
Buffer TwoBatches(Compression c) {
  std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> first = {
      {"k10", "v10"}, {std::nullopt, "v11"}, {"k12", std::nullopt}};
  std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> second = {{"k13", "v13"},
                                                                                          {"k14", "v14"}};
  Buffer a = MakeRecordBatch(first, c, 1000);
  Buffer b = MakeRecordBatch(second, c, 2000);
  SetBatchBaseOffset(MutableByteSpan(a.data(), a.size()), 10);
  SetBatchBaseOffset(MutableByteSpan(b.data(), b.size()), 13);
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<int64_t> Offsets(const FetchedRecords& f) {
  std::vector<int64_t> out;
  for (const auto& r : f.records) out.push_back(r.offset);
  return out;
}

TEST_CASE("DecodeFetchedRecords skips the records before the fetch offset, for every codec") {
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                        Compression::kZstd}) {
    INFO(CompressionName(c));
    Buffer bytes = TwoBatches(c);
    auto fetched = DecodeFetchedRecords("t", 3, ByteSpan(bytes.data(), bytes.size()), 11, 1 << 20);
    REQUIRE(fetched.ok());
    CHECK(Offsets(*fetched) == std::vector<int64_t>{11, 12, 13, 14});
    CHECK(fetched->next_offset == 15);
    const ConsumerRecord& r = fetched->records[0];
    CHECK(r.topic == "t");
    CHECK(r.partition == 3);
    CHECK(r.key == std::nullopt);
    CHECK(r.value == std::optional<std::string>("v11"));
    CHECK(fetched->records[1].value == std::nullopt);
    CHECK(fetched->records[2].timestamp_ms == 2000);
  }
}

TEST_CASE("DecodeFetchedRecords ignores a truncated last batch and counts bytes") {
  Buffer bytes = TwoBatches(Compression::kNone);
  bytes.resize(bytes.size() - 5);
  auto fetched = DecodeFetchedRecords("t", 0, ByteSpan(bytes.data(), bytes.size()), 10, 1 << 20);
  REQUIRE(fetched.ok());
  CHECK(Offsets(*fetched) == std::vector<int64_t>{10, 11, 12});
  CHECK(fetched->next_offset == 13);
  size_t bytes_sum = 0;
  for (const auto& r : fetched->records) bytes_sum += RecordFootprint(r);
  CHECK(fetched->bytes == bytes_sum);
}

TEST_CASE("DecodeFetchedRecords: a whole batch before the offset moves nothing, a bad CRC is DataLoss") {
  Buffer bytes = TwoBatches(Compression::kNone);
  auto fetched = DecodeFetchedRecords("t", 0, ByteSpan(bytes.data(), bytes.size()), 13, 1 << 20);
  REQUIRE(fetched.ok());
  CHECK(Offsets(*fetched) == std::vector<int64_t>{13, 14});
  bytes[kBatchHeaderBytes + 2] ^= 0xff;  // inside the first batch's records
  auto corrupt = DecodeFetchedRecords("t", 0, ByteSpan(bytes.data(), bytes.size()), 10, 1 << 20);
  CHECK(absl::IsDataLoss(corrupt.status()));
}

}  // namespace
}  // namespace cairn::client
