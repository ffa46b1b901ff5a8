// Retention by time and size, DeleteRecords, and follower truncation.
#include <doctest/doctest.h>

#include "storage/partition_log.h"
#include "storage/segment_files.h"
#include "storage/testing/log_fixture.h"

namespace cairn::storage {
namespace {

using testing::LogFixture;
using testing::SegmentLog;
using testing::Values;

void FillSegments(LogFixture& f, int batches) {
  for (int i = 0; i < batches; ++i) f.AppendDurably({"value-" + std::to_string(i) + std::string(60, '.')});
}

TEST_CASE("Retention: closed segments older than retention.ms are deleted whole") {
  LogFixture f;
  f.config.segment_bytes = 300;
  f.config.retention_ms = 60'000;
  f.OpenOrFail();
  FillSegments(f, 4);  // old data
  const auto old_bases = f.log->segment_base_offsets();
  f.clock.Advance(120'000);
  FillSegments(f, 4);  // fresh data, from a new segment on
  REQUIRE(f.log->segment_count() > old_bases.size());
  auto deleted = f.log->ApplyRetention();
  REQUIRE(deleted.ok());
  CHECK(*deleted >= 1);
  const int64_t start = f.log->log_start_offset().value();
  CHECK(start > 0);
  CHECK(f.log->segment_base_offsets().front() == start);
  CHECK_FALSE(*f.disk.Exists(SegmentLog(0)));
  // Reads below the start are out of range; everything after is intact.
  CHECK(f.log->Read(Offset(0), 100, Offset(100), true).status().code() == absl::StatusCode::kOutOfRange);
  CHECK(f.ReadAll().front().offset == start);
  CHECK(f.ReadValues().back().starts_with("value-3"));
  // The new log start offset survives a restart.
  f.OpenOrFail();
  CHECK(f.log->log_start_offset().value() == start);
}

TEST_CASE("Retention: segments are deleted oldest first until the log fits retention.bytes") {
  LogFixture f;
  f.config.segment_bytes = 300;
  f.config.retention_bytes = 600;
  f.config.retention_ms = -1;
  f.OpenOrFail();
  FillSegments(f, 12);
  REQUIRE(f.log->size_bytes() > 600);
  auto deleted = f.log->ApplyRetention();
  REQUIRE(deleted.ok());
  CHECK(*deleted > 0);
  CHECK(f.log->size_bytes() < 600 + 300);
  CHECK(f.log->log_end_offset() == Offset(12));
  CHECK(f.ReadValues().back().starts_with("value-11"));
}

TEST_CASE("Retention: an expired active segment is rolled and deleted") {
  LogFixture f;
  f.config.retention_ms = 1000;
  f.OpenOrFail();
  FillSegments(f, 3);
  f.clock.Advance(5000);
  auto deleted = f.log->ApplyRetention();
  REQUIRE(deleted.ok());
  CHECK(*deleted == 1);
  CHECK(f.log->log_start_offset() == Offset(3));
  CHECK(f.log->log_end_offset() == Offset(3));
  CHECK(f.AppendDurably(Values({"next"})).first_offset == Offset(3));
}

TEST_CASE("Retention: cleanup.policy=compact without delete keeps everything") {
  LogFixture f;
  f.config.segment_bytes = 300;
  f.config.retention_ms = 1;
  f.config.cleanup_delete = false;
  f.OpenOrFail();
  FillSegments(f, 6);
  f.clock.Advance(10'000);
  CHECK(*f.log->ApplyRetention() == 0);
  CHECK(f.log->log_start_offset() == Offset(0));
}

TEST_CASE("DeleteRecords: the log start offset rises and whole segments below it go") {
  LogFixture f;
  f.config.segment_bytes = 300;
  f.OpenOrFail();
  FillSegments(f, 10);
  const auto bases = f.log->segment_base_offsets();
  REQUIRE(bases.size() >= 3);
  const int64_t cut = bases[2] + 1;  // inside the third segment
  REQUIRE(f.log->DeleteRecordsBefore(Offset(cut), f.log->durable_offset()).ok());
  CHECK(f.log->log_start_offset() == Offset(cut));
  CHECK(f.log->segment_base_offsets().front() == bases[2]);
  CHECK(f.ReadAll().front().offset == cut);
  CHECK(f.log->DeleteRecordsBefore(Offset(100), f.log->durable_offset()).code() == absl::StatusCode::kOutOfRange);
  f.OpenOrFail();
  CHECK(f.log->log_start_offset() == Offset(cut));
}

TEST_CASE("Truncate: truncating then appending replaces the divergent suffix, also after restart") {
  LogFixture f;
  f.config.segment_bytes = 300;
  f.OpenOrFail();
  f.AppendDurably(Values({"a", "b"}), 1);
  for (int i = 0; i < 6; ++i) f.AppendDurably({"epoch2-" + std::to_string(i) + std::string(60, '.')}, 2);
  REQUIRE(f.log->segment_count() >= 2);
  REQUIRE(f.log->TruncateTo(Offset(3)).ok());
  CHECK(f.log->log_end_offset() == Offset(3));
  for (int64_t base : f.log->segment_base_offsets()) CHECK(base <= 3);
  std::vector<LeaderEpochCache::Entry> epochs{{1, 0}, {2, 2}};
  CHECK(f.log->leader_epochs().entries() == epochs);
  CHECK(f.AppendDurably(Values({"new"}), 3).first_offset == Offset(3));
  f.disk.Crash(io::sim::SimDisk::CrashMode::kLoseUnsynced);
  f.OpenOrFail();
  std::vector<std::string> values = f.ReadValues();
  REQUIRE(values.size() == 4);
  CHECK(values[0] == "a");
  CHECK(values[3] == "new");
  CHECK(f.log->Verify().ok());
}

TEST_CASE("Truncate: an offset inside a batch removes the whole batch") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"a"}));
  f.AppendDurably(Values({"b", "c", "d"}));
  REQUIRE(f.log->TruncateTo(Offset(2)).ok());
  CHECK(f.log->log_end_offset() == Offset(1));
  CHECK(f.ReadValues() == Values({"a"}));
}

TEST_CASE("Truncate: waits for idleness and truncating to before the log start empties it") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"a", "b"}));
  auto [info, outcome] = f.Append({{std::nullopt, "c"}});
  CHECK(f.log->TruncateTo(Offset(1)).code() == absl::StatusCode::kFailedPrecondition);
  bool truncated = false;
  f.log->WhenIdle([&] { truncated = f.log->TruncateTo(Offset(0)).ok(); });
  CHECK_FALSE(truncated);
  f.Settle();
  CHECK(truncated);
  CHECK(outcome->status.ok());
  CHECK(f.log->log_end_offset() == Offset(0));
  CHECK(f.ReadValues().empty());
  CHECK(f.AppendDurably(Values({"z"})).first_offset == Offset(0));
}

}  // namespace
}  // namespace cairn::storage
