// I/O failures: fdatasync EIO, write EIO and a full disk. The failing log
// refuses writes, keeps serving reads and never acknowledges what failed.
#include <doctest/doctest.h>

#include "storage/partition_log.h"
#include "storage/testing/log_fixture.h"

namespace cairn::storage {
namespace {

using io::sim::SimDisk;
using testing::LogFixture;
using testing::Values;

TEST_CASE("Faults: an fdatasync EIO fails the pending appends, is never retried, and takes the log offline") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"safe"}));
  f.disk.FailNextSyncs(1);
  const uint64_t syncs_before = f.disk.stats().syncs;
  auto [first, first_outcome] = f.Append({{std::nullopt, "lost-1"}});
  auto [second, second_outcome] = f.Append({{std::nullopt, "lost-2"}});
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  f.Settle();
  CHECK(first_outcome->done);
  CHECK_FALSE(first_outcome->status.ok());
  CHECK(second_outcome->done);
  CHECK_FALSE(second_outcome->status.ok());
  // Exactly one fdatasync was attempted: no retry that could report success.
  CHECK(f.disk.stats().syncs == syncs_before + 1);
  CHECK(f.log->durable_offset() == Offset(1));
  CHECK_FALSE(f.log->health().ok());
  // Writes are refused from now on...
  auto refused = f.Append({{std::nullopt, "refused"}});
  CHECK_FALSE(refused.first.ok());
  // ...while reads of acknowledged data keep working.
  auto read = f.log->Read(Offset(0), 1 << 20, f.log->durable_offset(), true);
  REQUIRE(read.ok());
  CHECK(read->next_offset == Offset(1));
  // After a crash and restart, what was acknowledged is there.
  f.disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  f.OpenOrFail();
  CHECK(f.ReadValues() == Values({"safe"}));
  CHECK(f.AppendDurably(Values({"again"})).first_offset == Offset(1));
}

TEST_CASE("Faults: a write EIO fails its append and the ones queued behind it") {
  LogFixture f;
  f.OpenOrFail();
  f.AppendDurably(Values({"safe"}));
  f.disk.FailNextWrites(1);
  auto [first, first_outcome] = f.Append({{std::nullopt, "bad"}});
  auto [second, second_outcome] = f.Append({{std::nullopt, "behind"}});
  f.Settle();
  CHECK(first_outcome->done);
  CHECK_FALSE(first_outcome->status.ok());
  CHECK(second_outcome->done);
  CHECK_FALSE(second_outcome->status.ok());
  CHECK(f.ReadValues() == Values({"safe"}));
}

TEST_CASE("Faults: a full disk fails the append with ResourceExhausted and loses nothing acknowledged") {
  LogFixture f;
  f.OpenOrFail();
  for (int i = 0; i < 5; ++i) f.AppendDurably({"kept-" + std::to_string(i)});
  f.disk.SetCapacity(f.disk.bytes_stored() + 100);
  auto [info, outcome] = f.Append({{std::nullopt, std::string(500, 'z')}});
  REQUIRE(info.ok());
  f.Settle();
  CHECK(outcome->done);
  CHECK(outcome->status.code() == absl::StatusCode::kResourceExhausted);
  CHECK(f.log->health().code() == absl::StatusCode::kResourceExhausted);
  CHECK(f.ReadValues().size() == 5);
  // Space comes back; a restart brings the partition back for writes.
  f.disk.ClearCapacity();
  f.OpenOrFail();
  CHECK(f.ReadValues() == Values({"kept-0", "kept-1", "kept-2", "kept-3", "kept-4"}));
  CHECK(f.AppendDurably(Values({"after"})).first_offset == Offset(5));
}

TEST_CASE("Faults: a full disk while rolling a segment fails the append cleanly") {
  LogFixture f;
  f.config.segment_bytes = 200;
  f.OpenOrFail();
  f.AppendDurably({std::string(150, 'a')});
  f.disk.SetCapacity(f.disk.bytes_stored());
  auto [info, outcome] = f.Append({{std::nullopt, std::string(150, 'b')}});
  f.Settle();
  const bool refused_now = !info.ok();
  const bool failed_later = info.ok() && outcome->done && !outcome->status.ok();
  CHECK((refused_now || failed_later));
  f.disk.ClearCapacity();
  f.disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  f.OpenOrFail();
  CHECK(f.ReadValues() == std::vector<std::string>{std::string(150, 'a')});
}

}  // namespace
}  // namespace cairn::storage
