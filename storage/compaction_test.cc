// Log compaction: newest record per key, tombstone expiry, offsets kept,
// appends never blocked.
#include "storage/compaction.h"

#include <doctest/doctest.h>

#include <map>

#include "storage/partition_log.h"
#include "storage/segment_files.h"
#include "storage/testing/log_fixture.h"

namespace cairn::storage {
namespace {

using testing::LogFixture;
using testing::StoredRecord;
using KV = std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>;

void Put(LogFixture& f, const std::string& key, std::optional<std::string> value,
         Compression compression = Compression::kNone) {
  auto [info, outcome] = f.Append(KV{{key, std::move(value)}}, 0, compression);
  REQUIRE(info.ok());
  f.Settle();
  REQUIRE(outcome->status.ok());
}

LogFixture& CompactedFixture(LogFixture& f) {
  f.config.segment_bytes = 250;
  f.config.cleanup_compact = true;
  f.config.cleanup_delete = false;
  f.OpenOrFail();
  return f;
}

TEST_CASE("Compaction: keeps only the newest record per key at its original offset") {
  LogFixture f;
  CompactedFixture(f);
  for (int round = 0; round < 4; ++round) {
    for (const char* key : {"k1", "k2", "k3"}) Put(f, key, std::string(key) + "=v" + std::to_string(round));
  }
  Put(f, "tail", "active");  // stays in the active segment
  const std::vector<StoredRecord> before = f.ReadAll();
  REQUIRE(f.log->CompactNow().ok());
  std::vector<StoredRecord> after = f.ReadAll();
  // Survivors are original records (same offset, key and value), in order.
  std::map<std::string, int64_t> newest;
  for (const StoredRecord& r : before) newest[*r.key] = r.offset;
  for (const StoredRecord& r : after) CHECK(std::find(before.begin(), before.end(), r) != before.end());
  for (size_t i = 1; i < after.size(); ++i) CHECK(after[i - 1].offset < after[i].offset);
  // The cleaned part (below the active segment) holds each key at most once.
  const int64_t active_base = f.log->segment_base_offsets().back();
  std::map<std::string, int> cleaned_copies;
  for (const StoredRecord& r : after) {
    if (r.offset < active_base) CHECK(++cleaned_copies[*r.key] == 1);
  }
  // Every key's newest value is still there.
  for (const auto& [key, offset] : newest) {
    CAPTURE(key);
    auto it = std::find_if(after.begin(), after.end(), [&](const StoredRecord& r) { return r.offset == offset; });
    CHECK(it != after.end());
  }
  CHECK(after.size() < before.size());
  CHECK(f.log->log_end_offset() == Offset(13));
  CHECK(f.log->Verify().ok());
  // The result survives a restart byte for byte.
  f.OpenOrFail();
  CHECK(f.ReadAll() == after);
}

TEST_CASE("Compaction: tombstones are kept for delete.retention.ms, then removed") {
  LogFixture f;
  f.config.delete_retention_ms = 10'000;
  CompactedFixture(f);
  Put(f, "gone", "v1");
  Put(f, "gone", std::nullopt);  // tombstone
  for (int i = 0; i < 6; ++i) Put(f, "other" + std::to_string(i), std::string(40, 'o'));
  REQUIRE(f.log->CompactNow().ok());
  auto has_tombstone = [&] {
    for (const StoredRecord& r : f.ReadAll()) {
      if (r.key == "gone") {
        CHECK_FALSE(r.value.has_value());
        return true;
      }
    }
    return false;
  };
  CHECK(has_tombstone());
  f.clock.Advance(10'001);
  Put(f, "more", "x");
  REQUIRE(f.log->CompactNow().ok());
  CHECK_FALSE(has_tombstone());
}

TEST_CASE("Compaction: appends go on while the cleaner runs, and are all kept") {
  LogFixture f;
  CompactedFixture(f);
  for (int i = 0; i < 10; ++i) Put(f, "key", "v" + std::to_string(i));
  std::unique_ptr<CompactionJob> job = f.log->PrepareCompaction(/*force=*/true);
  REQUIRE(job != nullptr);
  Put(f, "key", "during-1");
  REQUIRE(job->Run().ok());
  Put(f, "key", "during-2");
  REQUIRE(f.log->CommitCompaction(*job).ok());
  Put(f, "key", "after");
  std::vector<StoredRecord> records = f.ReadAll();
  REQUIRE(records.size() >= 3);
  CHECK(records[records.size() - 3].value == "during-1");
  CHECK(records[records.size() - 2].value == "during-2");
  CHECK(records.back().value == "after");
  CHECK(records.back().offset == 12);
}

TEST_CASE("Compaction: compressed batches are rewritten with their codec") {
  LogFixture f;
  CompactedFixture(f);
  for (int i = 0; i < 6; ++i) {
    auto [info, outcome] = f.Append(KV{{"a", "a" + std::to_string(i)}, {"b" + std::to_string(i), "b"}}, 0,
                                    Compression::kZstd);
    REQUIRE(info.ok());
  }
  f.Settle();
  Put(f, "tail", "x");
  REQUIRE(f.log->CompactNow().ok());
  auto read = f.log->Read(Offset(0), 1 << 20, f.log->log_end_offset(), true);
  REQUIRE(read.ok());
  auto header = ValidateRecordBatch(ByteSpan(read->data).subspan(0, ParseRecordBatchHeader(read->data)->size_bytes()));
  REQUIRE(header.ok());
  CHECK(header->compression() == Compression::kZstd);
  // The first batch lost its superseded "a" record but kept its offset span.
  CHECK(header->base_offset == 0);
  CHECK(header->last_offset_delta == 1);
  CHECK(header->record_count == 1);
}

TEST_CASE("Compaction: nothing to do below min.cleanable.dirty.ratio unless forced") {
  LogFixture f;
  f.config.min_cleanable_dirty_ratio = 0.5;
  CompactedFixture(f);
  for (int i = 0; i < 8; ++i) Put(f, "k" + std::to_string(i), std::string(50, 'v'));
  REQUIRE(f.log->CompactNow().ok());
  // Everything closed is clean now: a non-forced run finds nothing dirty.
  CHECK(f.log->PrepareCompaction(/*force=*/false) == nullptr);
}

}  // namespace
}  // namespace cairn::storage
