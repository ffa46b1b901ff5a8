// Append, read, roll, group commit and lookups of PartitionLog.
#include "storage/partition_log.h"

#include <doctest/doctest.h>

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

}  // namespace
}  // namespace cairn::storage
