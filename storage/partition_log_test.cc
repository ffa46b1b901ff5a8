// Append, read (copying and as file ranges), roll, group commit and lookups
// of PartitionLog.
#include "storage/partition_log.h"

#include <doctest/doctest.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "storage/batch_reader.h"
#include "storage/segment_files.h"
#include "storage/testing/log_fixture.h"

namespace cairn::storage {
namespace {

using testing::LogFixture;
using testing::StoredRecord;
using testing::Values;

TEST_CASE("PartitionLog: appended batches read back with consecutive offsets") {
  LogFixture f;
  f.OpenOrFail();
  AppendInfo first = f.AppendDurably(Values({"a", "b", "c"}));
  AppendInfo second = f.AppendDurably(Values({"d"}));
  CHECK(first.first_offset == Offset(0));
  CHECK(first.last_offset == Offset(2));
  CHECK(second.first_offset == Offset(3));
  CHECK(second.last_offset == Offset(3));
  CHECK(f.log->log_end_offset() == Offset(4));
  CHECK(f.ReadValues() == Values({"a", "b", "c", "d"}));
  CHECK(f.ReadValues(3) == Values({"d"}));
}

TEST_CASE("PartitionLog: the stored batch carries the assigned base offset and leader epoch with a valid CRC") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"x"}), /*epoch=*/3);
  f.AppendDurably(Values({"y", "z"}), /*epoch=*/3);
  auto result = f.log->Read(Offset(1), 1 << 20, f.log->log_end_offset(), true);
  REQUIRE(result.ok());
  auto header = ValidateRecordBatch(result->data);
  REQUIRE(header.ok());
  CHECK(header->base_offset == 1);
  CHECK(header->partition_leader_epoch == 3);
  CHECK(header->record_count == 2);
}

TEST_CASE("PartitionLog: the durability callback runs only after fdatasync, never inline") {
  LogFixture f;
  f.OpenOrFail();
  auto [info, outcome] = f.Append({{std::nullopt, "v"}});
  REQUIRE(info.ok());
  CHECK_FALSE(outcome->done);
  CHECK(f.log->durable_offset() == Offset(0));
  const uint64_t syncs_before = f.disk.stats().syncs;
  f.Settle();
  CHECK(outcome->done);
  CHECK(outcome->status.ok());
  CHECK(f.disk.stats().syncs == syncs_before + 1);
  CHECK(f.log->durable_offset() == Offset(1));
  // The acknowledged batch is durable: a crash keeps it.
  f.disk.Crash(io::sim::SimDisk::CrashMode::kLoseUnsynced);
  f.OpenOrFail();
  CHECK(f.ReadValues() == Values({"v"}));
}

TEST_CASE("PartitionLog: many concurrent appends share one fdatasync (group commit)") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"first"}));  // records leader epoch 0 (its checkpoint is synced too)
  const uint64_t syncs_before = f.disk.stats().syncs;
  const int64_t flushes_before = f.log->flush_count();
  std::vector<std::shared_ptr<testing::AppendOutcome>> outcomes;
  for (int i = 0; i < 50; ++i) {
    auto [info, outcome] = f.Append({{std::nullopt, "r" + std::to_string(i)}});
    REQUIRE(info.ok());
    CHECK(info->first_offset == Offset(i + 1));
    outcomes.push_back(outcome);
  }
  f.Settle();
  for (const auto& outcome : outcomes) CHECK(outcome->status.ok());
  // The first completed write starts a flush; the other 49 share the next.
  CHECK(f.disk.stats().syncs - syncs_before == 2);
  CHECK(f.log->flush_count() - flushes_before == 2);
  CHECK(f.ReadValues().size() == 51);
}

TEST_CASE("PartitionLog: the flush observer hears each successful durable write once, a failed one never") {
  LogFixture f;
  f.OpenOrFail();
  std::vector<std::chrono::nanoseconds> observed;
  f.log->set_flush_observer([&](std::chrono::nanoseconds elapsed) { observed.push_back(elapsed); });
  const int64_t flushes_before = f.log->flush_count();
  for (int i = 0; i < 20; ++i) REQUIRE(f.Append({{std::nullopt, "r" + std::to_string(i)}}).first.ok());
  f.Settle();
  CHECK(f.log->flush_count() - flushes_before == 2);  // the first write, then the 19 coalesced
  REQUIRE(observed.size() == 2);

  f.disk.FailNextSyncs(1);
  auto [info, outcome] = f.Append({{std::nullopt, "lost"}});
  REQUIRE(info.ok());
  f.Settle();
  CHECK_FALSE(outcome->status.ok());
  CHECK(f.log->flush_count() - flushes_before == 3);
  CHECK(observed.size() == 2);
}

TEST_CASE("PartitionLog: acknowledgements arrive in offset order even when writes complete out of order") {
  LogFixture f(7);
  f.OpenOrFail();
  f.scheduler.set_reorder(true);
  std::vector<int> acknowledged;
  for (int i = 0; i < 30; ++i) {
    Buffer batch = MakeRecordBatch(std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>{
        {std::nullopt, std::to_string(i)}});
    auto info = f.log->Append(std::move(batch), LeaderEpoch(0), [&acknowledged, i](absl::Status status) {
      REQUIRE(status.ok());
      acknowledged.push_back(i);
    });
    REQUIRE(info.ok());
    if (i % 7 == 0) f.scheduler.RunOne();
  }
  f.Settle();
  REQUIRE(acknowledged.size() == 30);
  for (int i = 0; i < 30; ++i) CHECK(acknowledged[i] == i);
}

TEST_CASE("PartitionLog: a durability callback may destroy the log") {
  LogFixture f;
  f.OpenOrFail();
  using KV = std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>;
  std::vector<absl::StatusCode> outcomes;
  for (int i = 0; i < 3; ++i) {
    auto info = f.log->Append(MakeRecordBatch(KV{{std::nullopt, "v"}}), LeaderEpoch(0), [&](absl::Status status) {
      outcomes.push_back(status.code());
      f.log.reset();  // e.g. the topic was deleted meanwhile
    });
    REQUIRE(info.ok());
  }
  f.Settle();
  // The first append became durable; closing the log answered the other two.
  CHECK(outcomes == std::vector<absl::StatusCode>{absl::StatusCode::kOk, absl::StatusCode::kUnavailable,
                                                  absl::StatusCode::kUnavailable});
}

TEST_CASE("PartitionLog: reads see only completed writes and stop at max_offset") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"a"}));
  auto [info, outcome] = f.Append({{std::nullopt, "b"}});
  REQUIRE(info.ok());
  // Not yet written: invisible.
  auto before = f.log->Read(Offset(0), 1 << 20, f.log->log_end_offset(), true);
  REQUIRE(before.ok());
  CHECK(before->next_offset == Offset(1));
  f.Settle();
  auto capped = f.log->Read(Offset(0), 1 << 20, Offset(1), true);
  REQUIRE(capped.ok());
  CHECK(capped->next_offset == Offset(1));
  auto all = f.log->Read(Offset(0), 1 << 20, Offset(2), true);
  REQUIRE(all.ok());
  CHECK(all->next_offset == Offset(2));
}

TEST_CASE("PartitionLog: max_bytes cuts at whole batches and min_one_batch returns an oversized first batch") {
  LogFixture f;
  f.OpenOrFail();
  const std::string big(1000, 'x');
  for (int i = 0; i < 3; ++i) f.AppendDurably({big});
  auto one = f.log->Read(Offset(0), 100, f.log->log_end_offset(), /*min_one_batch=*/true);
  REQUIRE(one.ok());
  CHECK(one->next_offset == Offset(1));
  auto none = f.log->Read(Offset(0), 100, f.log->log_end_offset(), /*min_one_batch=*/false);
  REQUIRE(none.ok());
  CHECK(none->data.empty());
  CHECK(none->next_offset == Offset(0));
  auto two = f.log->Read(Offset(0), 2 * (big.size() + 90), f.log->log_end_offset(), false);
  REQUIRE(two.ok());
  CHECK(two->next_offset == Offset(2));
}

TEST_CASE("PartitionLog: reading outside [log start, log end] is OutOfRange") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"a"}));
  CHECK(f.log->Read(Offset(2), 100, Offset(10), true).status().code() == absl::StatusCode::kOutOfRange);
  CHECK(f.log->Read(Offset(-1), 100, Offset(10), true).status().code() == absl::StatusCode::kOutOfRange);
  auto at_end = f.log->Read(Offset(1), 100, Offset(10), true);
  REQUIRE(at_end.ok());
  CHECK(at_end->data.empty());
}

TEST_CASE("PartitionLog: a reader in the middle of a batch gets the whole batch") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"a", "b", "c"}));
  CHECK(f.ReadValues(1) == Values({"b", "c"}));
  auto result = f.log->Read(Offset(1), 1 << 20, f.log->log_end_offset(), true);
  REQUIRE(result.ok());
  CHECK(ParseRecordBatchHeader(result->data)->base_offset == 0);
}

TEST_CASE("PartitionLog: the active segment rolls by size and reads cross segments") {
  LogFixture f;
  f.config.segment_bytes = 400;
  f.OpenOrFail();
  for (int i = 0; i < 10; ++i) f.AppendDurably({std::string(100, static_cast<char>('a' + i))});
  CHECK(f.log->segment_count() >= 4);
  auto bases = f.log->segment_base_offsets();
  CHECK(bases.front() == 0);
  std::vector<std::string> values = f.ReadValues();
  REQUIRE(values.size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(values[i] == std::string(100, static_cast<char>('a' + i)));
  // The new segment files are named by base offset.
  for (int64_t base : bases) CHECK(*f.disk.Exists(testing::SegmentLog(base)));
}

TEST_CASE("PartitionLog: the active segment rolls by time (segment.ms)") {
  LogFixture f;
  f.config.segment_ms = 60'000;
  f.OpenOrFail();
  f.AppendDurably(Values({"old"}));
  f.clock.Advance(59'999);
  f.AppendDurably(Values({"still-first"}));
  CHECK(f.log->segment_count() == 1);
  f.clock.Advance(1);
  f.AppendDurably(Values({"new"}));
  CHECK(f.log->segment_base_offsets() == std::vector<int64_t>{0, 2});
}

TEST_CASE("PartitionLog: a rolled segment gets index files and the recovery point moves past it") {
  LogFixture f;
  f.config.segment_bytes = 300;
  f.config.index_interval_bytes = 1;
  f.OpenOrFail();
  for (int i = 0; i < 6; ++i) f.AppendDurably({std::string(100, 'v')});
  auto bases = f.log->segment_base_offsets();
  REQUIRE(bases.size() >= 2);
  CHECK(*f.disk.Exists(std::string(LogFixture::kDir) + "/" + SegmentStem(0) + ".index"));
  CHECK(*f.disk.Exists(std::string(LogFixture::kDir) + "/" + SegmentStem(0) + ".timeindex"));
  auto index = f.disk.Contents(std::string(LogFixture::kDir) + "/" + SegmentStem(0) + ".index");
  REQUIRE(index.ok());
  CHECK(index->size() == 8 * static_cast<size_t>(bases[1]));  // one entry per batch
}

TEST_CASE("PartitionLog: invalid batches are rejected whole and nothing is appended") {
  LogFixture f;
  f.OpenOrFail();
  Buffer good = MakeRecordBatch(std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>{
      {std::nullopt, "ok"}});
  Buffer corrupt = good;
  corrupt.back() ^= 0x40;
  Buffer both = good;
  both.insert(both.end(), corrupt.begin(), corrupt.end());
  auto crc = f.log->Append(both, LeaderEpoch(0), [](absl::Status) { FAIL("callback for a rejected append"); });
  CHECK(crc.status().code() == absl::StatusCode::kDataLoss);
  Buffer truncated(good.begin(), good.end() - 1);
  CHECK(f.log->Append(truncated, LeaderEpoch(0), [](absl::Status) {}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(f.log->Append(Buffer{}, LeaderEpoch(0), [](absl::Status) {}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  f.config.max_batch_bytes = 10;
  f.log->UpdateConfig(f.config);
  CHECK(f.log->Append(good, LeaderEpoch(0), [](absl::Status) {}).status().code() == absl::StatusCode::kOutOfRange);
  f.Settle();
  CHECK(f.log->log_end_offset() == Offset(0));
}

TEST_CASE("PartitionLog: a producer batch whose lastOffsetDelta disagrees with its record count is rejected") {
  LogFixture f;
  f.OpenOrFail();
  RecordBatchOptions options;
  options.last_offset_delta = 5;
  std::vector<Record> records(2);
  records[0].value = "a";
  records[1].value = "b";
  records[1].offset_delta = 1;
  auto batch = BuildRecordBatch(options, records);
  REQUIRE(batch.ok());
  CHECK(f.log->Append(*batch, LeaderEpoch(0), [](absl::Status) {}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("PartitionLog: several batches in one append are placed back to back") {
  LogFixture f;
  f.OpenOrFail();
  using KV = std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>;
  Buffer request = MakeRecordBatch(KV{{std::nullopt, "a"}, {std::nullopt, "b"}});
  Buffer second = MakeRecordBatch(KV{{std::nullopt, "c"}});
  request.insert(request.end(), second.begin(), second.end());
  auto info = f.log->Append(request, LeaderEpoch(1), [](absl::Status) {});
  REQUIRE(info.ok());
  CHECK(info->batch_count == 2);
  CHECK(info->first_offset == Offset(0));
  CHECK(info->last_offset == Offset(2));
  f.Settle();
  CHECK(f.ReadValues() == Values({"a", "b", "c"}));
}

TEST_CASE("PartitionLog: new leader epochs are checkpointed and answer OffsetForLeaderEpoch") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"a", "b"}), 1);
  f.AppendDurably(Values({"c"}), 1);
  f.AppendDurably(Values({"d"}), 4);
  std::vector<LeaderEpochCache::Entry> expected{{1, 0}, {4, 3}};
  CHECK(f.log->leader_epochs().entries() == expected);
  auto end_of_1 = f.log->leader_epochs().EndOffsetFor(1, f.log->log_end_offset().value());
  REQUIRE(end_of_1.has_value());
  CHECK(end_of_1->first == 1);
  CHECK(end_of_1->second == 3);
  auto end_of_3 = f.log->leader_epochs().EndOffsetFor(3, 4);
  CHECK(end_of_3->first == 1);
  auto contents = f.disk.Contents(std::string(LogFixture::kDir) + "/leader-epoch-checkpoint");
  REQUIRE(contents.ok());
  CHECK(std::string(contents->begin(), contents->end()) == "0\n2\n1 0\n4 3\n");
  f.OpenOrFail();
  CHECK(f.log->leader_epochs().entries() == expected);
}

TEST_CASE("PartitionLog: lookup by timestamp finds the first record at or after it") {
  LogFixture f;
  f.config.index_interval_bytes = 1;
  f.OpenOrFail();
  using KV = std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>;
  for (int i = 0; i < 5; ++i) {
    auto [info, outcome] = f.Append(KV{{std::nullopt, "t" + std::to_string(i)}}, 0, Compression::kNone, 1000 * (i + 1));
    REQUIRE(info.ok());
  }
  f.Settle();
  auto at = f.log->LookupTimestamp(3000);
  REQUIRE(at.ok());
  REQUIRE(at->has_value());
  CHECK((*at)->offset == Offset(2));
  CHECK((*at)->timestamp == 3000);
  auto between = f.log->LookupTimestamp(2500);
  CHECK((*between)->offset == Offset(2));
  auto first = f.log->LookupTimestamp(0);
  CHECK((*first)->offset == Offset(0));
  auto after_all = f.log->LookupTimestamp(5001);
  REQUIRE(after_all.ok());
  CHECK_FALSE(after_all->has_value());
}

TEST_CASE("PartitionLog: follower appends keep the leader's offsets and epochs") {
  LogFixture leader;
  leader.OpenOrFail();
  leader.AppendDurably(Values({"a", "b"}), 2);
  leader.AppendDurably(Values({"c"}), 5);
  auto fetched = leader.log->Read(Offset(0), 1 << 20, leader.log->log_end_offset(), true);
  REQUIRE(fetched.ok());

  LogFixture follower(2);
  follower.OpenOrFail();
  bool durable = false;
  const Buffer replicated(fetched->data.begin(), fetched->data.end());
  auto info = follower.log->AppendReplicated(replicated, [&](absl::Status s) { durable = s.ok(); });
  REQUIRE(info.ok());
  follower.Settle();
  CHECK(durable);
  CHECK(follower.ReadAll() == leader.ReadAll());
  CHECK(follower.log->leader_epochs().entries() == leader.log->leader_epochs().entries());
  // A gap is refused.
  auto again = follower.log->AppendReplicated(replicated, [](absl::Status) {});
  CHECK(again.status().code() == absl::StatusCode::kInvalidArgument);
}

// ------------------------------------------------------------------ ReadRange

using KeyValues = std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>;

struct StoredBatch {
  int64_t segment_base;
  uint64_t position;
  RecordBatchHeader header;
};

// Every batch on disk, in log order, found by a full BatchReader scan.
std::vector<StoredBatch> ScanAllBatches(LogFixture& f) {
  std::vector<StoredBatch> out;
  for (int64_t base : f.log->segment_base_offsets()) {
    auto file = f.disk.Open(testing::SegmentLog(base), io::OpenMode::kReadOnly);
    REQUIRE(file.ok());
    auto size = (*file)->Size();
    REQUIRE(size.ok());
    BatchReader reader(**file, 0, *size);
    while (true) {
      auto batch = reader.Next(/*verify_crc=*/true);
      REQUIRE_MESSAGE(batch.ok(), batch.status().ToString());
      if (!*batch) break;
      out.push_back({base, (*batch)->position, (*batch)->header});
    }
  }
  return out;
}

struct ExpectedRange {
  int64_t segment_base = -1;  // -1: nothing to read
  uint64_t position = 0;
  uint64_t length = 0;
  int64_t next_offset = 0;
};

// The contract of ReadRange, spelled out over the scanned batches: from the
// batch holding `offset`, whole batches of its segment below `upper` while
// they fit in max_bytes; an oversized first batch only with min_one_batch.
ExpectedRange Expect(const std::vector<StoredBatch>& batches, int64_t offset, uint64_t max_bytes, int64_t upper,
                     bool min_one_batch) {
  ExpectedRange out;
  out.next_offset = offset;
  auto first = std::find_if(batches.begin(), batches.end(),
                            [&](const StoredBatch& b) { return b.header.last_offset() >= offset; });
  if (offset >= upper || first == batches.end() || first->header.base_offset >= upper) return out;
  uint64_t length = 0;
  for (auto it = first; it != batches.end() && it->segment_base == first->segment_base; ++it) {
    if (it->header.base_offset >= upper || length + it->header.size_bytes() > max_bytes) break;
    length += it->header.size_bytes();
    out.next_offset = it->header.next_offset();
  }
  if (length == 0) {
    if (!min_one_batch) return out;
    length = first->header.size_bytes();
    out.next_offset = first->header.next_offset();
  }
  out.segment_base = first->segment_base;
  out.position = first->position;
  out.length = length;
  return out;
}

Buffer ReadFileBytes(io::File& file, uint64_t position, uint64_t length) {
  Buffer bytes(length);
  auto got = file.Read(position, bytes);
  REQUIRE(got.ok());
  REQUIRE(*got == length);
  return bytes;
}

TEST_CASE("PartitionLog: ReadRange returns exactly the whole batches that fit, for every offset, window and bound") {
  LogFixture f;
  f.config.segment_bytes = 256 << 10;
  f.OpenOrFail();
  // Small batches (several per index entry), medium ones and large ones (one
  // index entry each), several records per batch, over a few segments.
  std::mt19937 random(7);
  for (int i = 0; i < 120; ++i) {
    const size_t sizes[] = {20, 150, 3000, 6000, 40000};
    const size_t value_bytes = sizes[random() % 5] + random() % 50;
    KeyValues records;
    const int count = 1 + static_cast<int>(random() % 4);
    for (int r = 0; r < count; ++r) records.emplace_back(std::nullopt, std::string(value_bytes / count + 1, 'a' + r));
    auto [info, outcome] = f.Append(records);
    REQUIRE(info.ok());
    f.Settle();
    REQUIRE(outcome->status.ok());
  }
  REQUIRE(f.log->segment_count() >= 3);
  const std::vector<StoredBatch> batches = ScanAllBatches(f);
  const int64_t end = f.log->log_end_offset().value();
  int checked = 0;
  for (int64_t offset = 0; offset <= end; offset += 1 + static_cast<int64_t>(random() % 3)) {
    for (const size_t max_bytes : {size_t{0}, size_t{61}, size_t{500}, size_t{4096}, size_t{9000}, size_t{70000},
                                   size_t{300000}, size_t{1} << 30}) {
      for (const int64_t upper : {end, end / 2, offset + 1}) {
        for (const bool min_one_batch : {true, false}) {
          CAPTURE(offset);
          CAPTURE(max_bytes);
          CAPTURE(upper);
          CAPTURE(min_one_batch);
          const ExpectedRange expected = Expect(batches, offset, max_bytes, upper, min_one_batch);
          auto range = f.log->ReadRange(Offset(offset), max_bytes, Offset(upper), min_one_batch);
          REQUIRE_MESSAGE(range.ok(), range.status().ToString());
          REQUIRE(range->length == expected.length);
          CHECK(range->next_offset == Offset(expected.next_offset));
          ++checked;
          if (expected.length == 0) continue;
          REQUIRE(range->segment->base_offset() == expected.segment_base);
          REQUIRE(range->position == expected.position);
          // The copying read, where its window reaches, returns a prefix of
          // the same bytes (it may stop earlier, never later or elsewhere).
          if (!min_one_batch || max_bytes > 70000) continue;
          auto copied = f.log->Read(Offset(offset), max_bytes, Offset(upper), min_one_batch);
          REQUIRE(copied.ok());
          REQUIRE(copied->data.size() <= range->length);
          REQUIRE(!copied->data.empty());
          const Buffer bytes = ReadFileBytes(*range->segment->file(), range->position, copied->data.size());
          CHECK(std::equal(copied->data.begin(), copied->data.end(), bytes.begin()));
        }
      }
    }
  }
  CHECK(checked > 5000);
}

TEST_CASE("PartitionLog: ReadRange over large batches reads only a few headers, never the bodies") {
  LogFixture f;
  f.OpenOrFail();
  for (int i = 0; i < 40; ++i) f.AppendDurably({std::string(64 << 10, static_cast<char>('a' + i % 26))});
  const std::vector<StoredBatch> batches = ScanAllBatches(f);
  const uint64_t reads_before = f.disk.stats().reads;
  auto range = f.log->ReadRange(Offset(3), 1 << 20, f.log->log_end_offset(), true);
  REQUIRE(range.ok());
  CHECK(f.disk.stats().reads - reads_before <= 3);
  // 15 batches of 64 KiB plus their overhead fit in 1 MiB; 16 do not.
  CHECK(range->position == batches[3].position);
  CHECK(range->length == batches[18].position - batches[3].position);
  CHECK(range->next_offset == Offset(18));
}

TEST_CASE("PartitionLog: ReadRange sees only completed writes") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"a"}));
  auto [info, outcome] = f.Append({{std::nullopt, "b"}});
  REQUIRE(info.ok());
  auto before = f.log->ReadRange(Offset(0), 1 << 20, f.log->log_end_offset(), true);
  REQUIRE(before.ok());
  CHECK(before->next_offset == Offset(1));
  auto unwritten = f.log->ReadRange(Offset(1), 1 << 20, f.log->log_end_offset(), true);
  REQUIRE(unwritten.ok());
  CHECK(unwritten->length == 0);
  f.Settle();
  auto all = f.log->ReadRange(Offset(0), 1 << 20, f.log->log_end_offset(), true);
  REQUIRE(all.ok());
  CHECK(all->next_offset == Offset(2));
  CHECK(f.log->ReadRange(Offset(3), 100, Offset(10), true).status().code() == absl::StatusCode::kOutOfRange);
}

TEST_CASE("PartitionLog: reading a compacted log by ReadRange yields the same records as Read") {
  LogFixture f;
  f.config.segment_bytes = 2000;
  f.config.cleanup_compact = true;
  f.config.cleanup_delete = false;
  f.OpenOrFail();
  for (int round = 0; round < 30; ++round) {
    for (const char* key : {"k1", "k2", "k3", "k4"}) {
      auto [info, outcome] = f.Append(KeyValues{{key, std::string(key) + std::string(100 + round * 7, 'v')}});
      REQUIRE(info.ok());
      f.Settle();
    }
  }
  REQUIRE(f.log->CompactNow().ok());
  const std::vector<StoredRecord> expected = f.ReadAll();
  REQUIRE(expected.size() < 120);  // compaction left gaps
  for (const size_t max_bytes : {size_t{300}, size_t{5000}, size_t{1} << 20}) {
    CAPTURE(max_bytes);
    std::vector<StoredRecord> read;
    int64_t offset = f.log->log_start_offset().value();
    while (offset < f.log->log_end_offset().value()) {
      auto range = f.log->ReadRange(Offset(offset), max_bytes, f.log->log_end_offset(), true);
      REQUIRE(range.ok());
      REQUIRE(range->length > 0);
      REQUIRE(range->next_offset > Offset(offset));
      Buffer bytes = ReadFileBytes(*range->segment->file(), range->position, range->length);
      ByteSpan data(bytes);
      while (!data.empty()) {
        auto header = ValidateRecordBatch(data.subspan(0, ParseRecordBatchHeader(data)->size_bytes()));
        REQUIRE(header.ok());
        auto records = DecodeRecords(data.subspan(0, header->size_bytes()), 1 << 24);
        REQUIRE(records.ok());
        for (const Record& r : *records) {
          const int64_t record_offset = header->base_offset + r.offset_delta;
          if (record_offset >= offset) read.push_back({record_offset, r.key, r.value});
        }
        data = data.subspan(header->size_bytes());
      }
      offset = range->next_offset.value();
    }
    CHECK(read == expected);
  }
}

TEST_CASE("BatchHeaderScanner: finds the same batches as BatchReader and reports a bad header as DataLoss") {
  LogFixture f;
  f.OpenOrFail();
  for (int i = 0; i < 30; ++i) f.AppendDurably({std::string(i % 3 == 0 ? 9000 : 30, 'x')});
  const std::vector<StoredBatch> batches = ScanAllBatches(f);
  auto file = f.disk.Open(testing::SegmentLog(0), io::OpenMode::kReadOnly);
  REQUIRE(file.ok());
  const uint64_t size = *(*file)->Size();
  BatchHeaderScanner scanner(**file, 0, size);
  for (const StoredBatch& batch : batches) {
    auto entry = scanner.Next();
    REQUIRE(entry.ok());
    REQUIRE(entry->has_value());
    CHECK((*entry)->position == batch.position);
    CHECK((*entry)->header.base_offset == batch.header.base_offset);
  }
  auto at_end = scanner.Next();
  REQUIRE(at_end.ok());
  CHECK_FALSE(at_end->has_value());
  // Seeking back to a boundary resumes there.
  scanner.Seek(batches[5].position);
  CHECK((*scanner.Next())->header.base_offset == batches[5].header.base_offset);
  // A batch length that runs past the end is corruption, named with its position.
  BatchHeaderScanner cut(**file, batches[2].position, batches[3].position - 1);
  auto bad = cut.Next();
  CHECK(bad.status().code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(bad.status().message()).find(absl::StrCat("position ", batches[2].position)) !=
        std::string::npos);
  // So is a header that does not parse (a flipped magic byte).
  REQUIRE(f.disk.FlipBit(testing::SegmentLog(0), batches[4].position + 16, 0).ok());
  BatchHeaderScanner garbled(**file, batches[4].position, size);
  CHECK(garbled.Next().status().code() == absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cairn::storage
