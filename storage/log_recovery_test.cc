// Recovery of a partition log after clean stops, crashes, torn writes and
// corruption.
#include <doctest/doctest.h>

#include "storage/partition_log.h"
#include "storage/segment_files.h"
#include "storage/testing/log_fixture.h"

namespace cairn::storage {
namespace {

using io::sim::SimDisk;
using testing::LogFixture;
using testing::SegmentLog;
using testing::Values;

std::string DirFile(std::string_view name) { return std::string(LogFixture::kDir) + "/" + std::string(name); }

TEST_CASE("Recovery: a crash loses only unacknowledged appends") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"a", "b"}));
  auto [info, outcome] = f.Append({{std::nullopt, "never-acked"}});
  REQUIRE(info.ok());
  f.disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  CHECK_FALSE(outcome->done);
  f.OpenOrFail();
  CHECK(f.ReadValues() == Values({"a", "b"}));
  CHECK(f.log->log_end_offset() == Offset(2));
  // The next append reuses the lost offset.
  CHECK(f.AppendDurably(Values({"c"})).first_offset == Offset(2));
}

TEST_CASE("Recovery: a torn final batch is truncated at the last whole batch") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"a"}));
  f.AppendDurably(Values({"b"}));
  const uint64_t whole = f.disk.Contents(SegmentLog(0))->size();
  f.AppendDurably(Values({"torn"}));
  f.log.reset();
  // Cut the last batch in half, as a crash mid-write would.
  const uint64_t torn_size = (whole + f.disk.Contents(SegmentLog(0))->size()) / 2;
  {
    auto file = f.disk.Open(SegmentLog(0), io::OpenMode::kReadWrite);
    REQUIRE(file.ok());
    REQUIRE((*file)->Truncate(torn_size).ok());
    REQUIRE((*file)->Flush().ok());
  }
  REQUIRE(f.disk.Remove(DirFile(kRecoveryPointFile)).ok());
  f.OpenOrFail();
  CHECK(f.ReadValues() == Values({"a", "b"}));
  CHECK(f.disk.Contents(SegmentLog(0))->size() == whole);
  CHECK(f.AppendDurably(Values({"c"})).first_offset == Offset(2));
  f.OpenOrFail();
  CHECK(f.ReadValues() == Values({"a", "b", "c"}));
}

TEST_CASE("Recovery: random torn writes always leave a clean prefix holding every acknowledged batch") {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    LogFixture f(seed);
    f.config.segment_bytes = 700;
    f.OpenOrFail();
    std::vector<std::string> acked;
    for (int i = 0; i < 8; ++i) {
      f.AppendDurably({"acked-" + std::to_string(i)});
      acked.push_back("acked-" + std::to_string(i));
    }
    for (int i = 0; i < 6; ++i) {
      auto [info, outcome] = f.Append({{std::nullopt, "maybe-" + std::to_string(i)}});
      REQUIRE(info.ok());
      f.scheduler.RunOne();
    }
    f.disk.Crash(SimDisk::CrashMode::kTearUnsynced);
    f.OpenOrFail();
    std::vector<std::string> values = f.ReadValues();
    REQUIRE(values.size() >= acked.size());
    for (size_t i = 0; i < values.size(); ++i) {
      CHECK(values[i] == (i < acked.size() ? acked[i] : "maybe-" + std::to_string(i - acked.size())));
    }
    CHECK(f.log->Verify().ok());
  }
}

TEST_CASE("Recovery: a bit flip in a closed segment after the recovery point is reported with file and position") {
  LogFixture f;
  f.config.segment_bytes = 300;
  f.OpenOrFail();
  for (int i = 0; i < 8; ++i) f.AppendDurably({std::string(80, static_cast<char>('a' + i))});
  REQUIRE(f.log->segment_count() >= 3);
  const int64_t second_batch = static_cast<int64_t>(ParseRecordBatchHeader(*f.disk.Contents(SegmentLog(0)))->size_bytes());
  f.log.reset();
  const size_t original_size = f.disk.Contents(SegmentLog(0))->size();
  REQUIRE(f.disk.FlipBit(SegmentLog(0), second_batch + 70, 3).ok());
  // As if the crash came before the recovery point was ever written.
  REQUIRE(f.disk.Remove(DirFile(kRecoveryPointFile)).ok());
  absl::Status opened = f.Open();
  CHECK(opened.code() == absl::StatusCode::kDataLoss);
  const std::string message(opened.message());
  CHECK(message.find(SegmentLog(0)) != std::string::npos);
  CHECK(message.find("position " + std::to_string(second_batch)) != std::string::npos);
  // Nothing was "repaired": the file is untouched.
  CHECK(f.disk.Contents(SegmentLog(0))->size() == original_size);
}

TEST_CASE("Recovery: a bit flip before the checkpointed recovery point of the active segment is corruption") {
  LogFixture f;
  f.OpenOrFail();
  for (int i = 0; i < 4; ++i) f.AppendDurably({"value-" + std::to_string(i)});
  REQUIRE(f.log->CheckpointRecoveryPoint().ok());
  const size_t first = ParseRecordBatchHeader(*f.disk.Contents(SegmentLog(0)))->size_bytes();
  f.log.reset();
  REQUIRE(f.disk.FlipBit(SegmentLog(0), first + 65, 0).ok());
  absl::Status opened = f.Open();
  CHECK(opened.code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(opened.message()).find("position " + std::to_string(first)) != std::string::npos);
}

TEST_CASE("Recovery: bad batches after the recovery point are a torn tail even if valid ones follow") {
  // Unsynced writes can reach the disk out of order, so a garbled batch with
  // intact ones after it is what a crash can leave; none was acknowledged
  // after the recovery point was written... unless it was, which is why the
  // owner checkpoints the recovery point periodically.
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"durable"}));
  REQUIRE(f.log->CheckpointRecoveryPoint().ok());
  for (int i = 0; i < 3; ++i) f.AppendDurably({"later-" + std::to_string(i)});
  const size_t first = ParseRecordBatchHeader(*f.disk.Contents(SegmentLog(0)))->size_bytes();
  f.log.reset();
  REQUIRE(f.disk.FlipBit(SegmentLog(0), first + 65, 0).ok());
  f.OpenOrFail();
  CHECK(f.ReadValues() == Values({"durable"}));
  CHECK(f.disk.Contents(SegmentLog(0))->size() == first);
}

TEST_CASE("Recovery: Verify finds a bit flip in a segment below the recovery point") {
  LogFixture f;
  f.config.segment_bytes = 300;
  f.OpenOrFail();
  for (int i = 0; i < 8; ++i) f.AppendDurably({std::string(80, 'q')});
  REQUIRE(f.log->Verify().ok());
  REQUIRE(f.disk.FlipBit(SegmentLog(0), 80, 1).ok());
  absl::Status verified = f.log->Verify();
  CHECK(verified.code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(verified.message()).find(SegmentLog(0) + " position 0") != std::string::npos);
}

TEST_CASE("Recovery: after a clean close only the batches past the recovery point are rescanned") {
  LogFixture f;
  f.config.index_interval_bytes = 100;
  f.OpenOrFail();
  for (int i = 0; i < 40; ++i) f.AppendDurably({std::string(200, 'x')});
  REQUIRE(f.log->CloseCleanly().ok());
  f.log.reset();
  // Damage an early batch: a clean open trusts the persisted indexes and does
  // not read it; the scrub and an unclean open both find it.
  REQUIRE(f.disk.FlipBit(SegmentLog(0), 100, 2).ok());
  f.OpenOrFail();
  CHECK(f.log->log_end_offset() == Offset(40));
  absl::Status verified = f.log->Verify();
  CHECK(verified.code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(verified.message()).find(SegmentLog(0) + " position 0") != std::string::npos);
}

TEST_CASE("Recovery: appends after a clean reopen are recovered after a later crash") {
  LogFixture f;
  f.config.segment_bytes = 500;
  f.OpenOrFail();
  for (int i = 0; i < 5; ++i) f.AppendDurably({"before-" + std::to_string(i)});
  REQUIRE(f.log->CloseCleanly().ok());
  f.OpenOrFail();
  for (int i = 0; i < 5; ++i) f.AppendDurably({"after-" + std::to_string(i)});
  f.disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  f.OpenOrFail();
  CHECK(f.ReadValues().size() == 10);
  CHECK(f.ReadValues().back() == "after-4");
  CHECK(f.log->Verify().ok());
}

TEST_CASE("Recovery: leftovers of an interrupted compaction are resolved") {
  LogFixture f;
  f.config.segment_bytes = 200;
  f.OpenOrFail();
  for (int i = 0; i < 6; ++i) f.AppendDurably({"v" + std::to_string(i)});
  auto original = f.disk.Contents(SegmentLog(0));
  REQUIRE(original.ok());
  f.log.reset();
  // A half-written cleaned copy is discarded...
  REQUIRE(f.disk.WriteFileAtomically(DirFile(SegmentStem(0) + ".log.cleaned"), AsBytes("garbage")).ok());
  f.OpenOrFail();
  CHECK_FALSE(*f.disk.Exists(DirFile(SegmentStem(0) + ".log.cleaned")));
  CHECK(*f.disk.Contents(SegmentLog(0)) == *original);
  f.log.reset();
  // ...and a complete swap file replaces the original.
  REQUIRE(f.disk.Rename(SegmentLog(0), DirFile(SegmentStem(0) + ".log.swap")).ok());
  f.OpenOrFail();
  CHECK(*f.disk.Contents(SegmentLog(0)) == *original);
  CHECK(f.ReadValues().size() == 6);
}

TEST_CASE("Recovery: a damaged checkpoint file is reported, not ignored") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"a"}));
  f.log.reset();
  REQUIRE(f.disk.WriteFileAtomically(DirFile(kLeaderEpochFile), AsBytes("0\n3\n1 0\n")).ok());
  absl::Status opened = f.Open();
  CHECK(opened.code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(opened.message()).find("leader-epoch-checkpoint") != std::string::npos);
}

TEST_CASE("Recovery: a fresh directory opens as an empty log at offset 0") {
  LogFixture f;
  f.OpenOrFail();
  CHECK(f.log->log_start_offset() == Offset(0));
  CHECK(f.log->log_end_offset() == Offset(0));
  CHECK(f.log->segment_count() == 1);
  CHECK(*f.disk.Exists(SegmentLog(0)));
}

}  // namespace
}  // namespace cairn::storage
