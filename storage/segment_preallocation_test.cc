// log.preallocate on the simulated disk: the active segment is zeroed ahead of
// small writes, closed segments and clean closes are trimmed back to their
// batches, and crashes at any point lose no acknowledged record.
#include <doctest/doctest.h>

#include <random>

#include "storage/segment_preallocator.h"
#include "storage/testing/log_fixture.h"

namespace cairn::storage {
namespace {

using io::sim::SimDisk;
using testing::LogFixture;
using testing::SegmentLog;
using testing::Values;

constexpr uint64_t kStep = SegmentPreallocator::kStepBytes;

// Opens the fixture's log with log.preallocate on (LogConfig's default is off).
void OpenPreallocating(LogFixture& f) {
  f.config.preallocate = true;
  f.OpenOrFail();
}

// Bytes of the batches in a segment file: the file parsed as back-to-back
// batch headers, stopping at the first that is not one (zeroes included).
uint64_t BatchBytes(const Buffer& contents) {
  uint64_t position = 0;
  while (position < contents.size()) {
    auto header = ParseRecordBatchHeader(ByteSpan(contents).subspan(position));
    if (!header.ok() || header->size_bytes() > contents.size() - position) break;
    position += header->size_bytes();
  }
  return position;
}

uint64_t SegmentBytes(const LogFixture& f, int64_t base) {
  auto contents = f.disk.Contents(SegmentLog(base));
  REQUIRE(contents.ok());
  return BatchBytes(*contents);
}

bool ZeroesFrom(const Buffer& contents, uint64_t from) {
  for (uint64_t i = from; i < contents.size(); ++i) {
    if (contents[i] != 0) return false;
  }
  return true;
}

TEST_CASE("Preallocation: small writes get a step of synced zeroes ahead, and reads stop at the batches") {
  LogFixture f;
  OpenPreallocating(f);
  f.AppendDurably(Values({"first"}));
  const uint64_t first_bytes = static_cast<uint64_t>(f.log->size_bytes());
  for (int i = 0; i < 20; ++i) f.AppendDurably({"value-" + std::to_string(i)});
  const auto batches = static_cast<uint64_t>(f.log->size_bytes());

  // One step, begun where the first write ended, covers all 21 batches.
  auto durable = f.disk.DurableContents(SegmentLog(0));
  REQUIRE(durable.ok());
  CHECK(durable->size() == first_bytes + kStep);
  CHECK(ZeroesFrom(*durable, batches));
  CHECK(f.ReadValues().size() == 21);
  CHECK(f.ReadValues().back() == "value-19");
  CHECK(f.log->Verify().ok());
  CHECK(f.log->health().ok());
}

TEST_CASE("Preallocation: writes of 64 KiB or more are not zeroed ahead, and the setting is off by default") {
  SUBCASE("large writes") {
    LogFixture f;
    OpenPreallocating(f);
    f.AppendDurably({std::string(SegmentPreallocator::kSmallWriteBytes, 'x')});
    f.AppendDurably({std::string(SegmentPreallocator::kSmallWriteBytes, 'y')});
    CHECK(f.disk.Contents(SegmentLog(0))->size() == static_cast<uint64_t>(f.log->size_bytes()));
  }
  SUBCASE("off") {
    LogFixture f;
    f.OpenOrFail();
    for (int i = 0; i < 5; ++i) f.AppendDurably(Values({"small"}));
    CHECK(f.disk.Contents(SegmentLog(0))->size() == static_cast<uint64_t>(f.log->size_bytes()));
  }
}

TEST_CASE("Preallocation: zeroing stops at segment.bytes") {
  LogFixture f;
  f.config.segment_bytes = 3000;
  OpenPreallocating(f);
  f.AppendDurably(Values({"a"}));
  f.AppendDurably(Values({"b"}));
  CHECK(f.disk.Contents(SegmentLog(0))->size() == 3000);
}

TEST_CASE("Preallocation: a rolled segment is trimmed to its batches, durably, before the next one is written") {
  LogFixture f;
  f.config.segment_bytes = 1000;
  OpenPreallocating(f);
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    expected.push_back("record-" + std::to_string(i) + std::string(40, '.'));
    f.AppendDurably({expected.back()});
  }
  const std::vector<int64_t> bases = f.log->segment_base_offsets();
  REQUIRE(bases.size() > 3);
  for (size_t i = 0; i + 1 < bases.size(); ++i) {
    CAPTURE(bases[i]);
    auto durable = f.disk.DurableContents(SegmentLog(bases[i]));
    REQUIRE(durable.ok());
    CHECK(durable->size() == SegmentBytes(f, bases[i]));
  }
  // The active one is ahead by zeroes up to segment.bytes.
  CHECK(f.disk.DurableContents(SegmentLog(bases.back()))->size() == 1000);
  CHECK(f.ReadValues() == expected);

  f.disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  f.OpenOrFail();
  CHECK(f.ReadValues() == expected);
  CHECK(f.disk.Contents(SegmentLog(bases.back()))->size() == SegmentBytes(f, bases.back()));
}

TEST_CASE("Preallocation: a clean close trims the active segment, and reopening finds the batches as they were") {
  LogFixture f;
  OpenPreallocating(f);
  for (int i = 0; i < 10; ++i) f.AppendDurably({"v" + std::to_string(i)});
  REQUIRE(f.disk.Contents(SegmentLog(0))->size() > static_cast<uint64_t>(f.log->size_bytes()));
  REQUIRE(f.log->CloseCleanly().ok());
  CHECK(f.disk.DurableContents(SegmentLog(0))->size() == static_cast<uint64_t>(f.log->size_bytes()));
  f.OpenOrFail();
  CHECK(f.ReadValues() == Values({"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"}));
  f.AppendDurably(Values({"v10"}));
  CHECK(f.log->log_end_offset() == Offset(11));
}

TEST_CASE("Preallocation: a full disk stops the zeroing, never the appends") {
  LogFixture f;
  OpenPreallocating(f);
  f.disk.SetCapacity(f.disk.bytes_stored() + 16 * 1024);  // room for batches, not for a step
  for (int i = 0; i < 20; ++i) f.AppendDurably({"r" + std::to_string(i)});
  CHECK(f.log->health().ok());
  CHECK(f.ReadValues().size() == 20);
  CHECK(f.disk.Contents(SegmentLog(0))->size() == static_cast<uint64_t>(f.log->size_bytes()));
}

TEST_CASE("Preallocation: follower truncation cuts through the zeroed segment and appends resume") {
  LogFixture f;
  OpenPreallocating(f);
  for (int i = 0; i < 6; ++i) f.AppendDurably({"v" + std::to_string(i)});
  REQUIRE(f.log->TruncateTo(Offset(4)).ok());
  CHECK(f.disk.DurableContents(SegmentLog(0))->size() == static_cast<uint64_t>(f.log->size_bytes()));
  f.AppendDurably(Values({"w4"}));
  f.AppendDurably(Values({"w5"}));
  CHECK(f.ReadValues() == Values({"v0", "v1", "v2", "v3", "w4", "w5"}));
  f.disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  f.OpenOrFail();
  CHECK(f.ReadValues() == Values({"v0", "v1", "v2", "v3", "w4", "w5"}));
}

// The window the barrier on older segments closes: a roll while the old
// segment's last zeroing step is in flight. A write to the new segment issued
// before the old one is trimmed could leave zeroes in a segment that is no
// longer the last, which recovery must report as DataLoss. A crash after
// each prefix of the completions, keeping unsynced writes (a process crash).
TEST_CASE("Preallocation: no write reaches a new segment before the old one's zeroes are trimmed") {
  const std::string chunk(60 << 10, 'c');  // below kSmallWriteBytes once framed
  for (int steps = 0; steps <= 8; ++steps) {
    CAPTURE(steps);
    LogFixture f;
    f.config.segment_bytes = static_cast<int64_t>(kStep + kStep / 8);
    OpenPreallocating(f);
    f.AppendDurably(Values({"first"}));  // the first step, settled
    // Small writes until the one whose completion starts the last step.
    int appended = 1;
    while (f.scheduler.pending() == 0) {
      REQUIRE(appended < 20);
      auto [info, outcome] = f.Append({{std::nullopt, chunk}});
      REQUIRE(info.ok());
      ++appended;
      while (!outcome->done) REQUIRE(f.scheduler.RunOne());
    }
    // A batch larger than what is left rolls to a new segment at once.
    auto [info, outcome] = f.Append({{std::nullopt, std::string(kStep * 5 / 8, 'x')}});
    REQUIRE(info.ok());
    REQUIRE(f.log->segment_base_offsets().size() == 2);
    for (int i = 0; i < steps && f.scheduler.RunOne(); ++i) {
    }
    const bool large_acknowledged = outcome->done;
    f.disk.Crash(SimDisk::CrashMode::kKeepUnsynced);
    f.OpenOrFail();
    CHECK(f.log->log_end_offset() >= Offset(appended + (large_acknowledged ? 1 : 0)));
    CHECK(f.log->log_end_offset() <= Offset(appended + 1));
  }
}

// Appends small batches across rolls while completions run in random order,
// crashes at a random step, and checks that recovery keeps every
// acknowledged record, in order, with nothing after the last batch of any
// segment.
void CrashAtRandomStep(uint64_t seed, int64_t segment_bytes, uint64_t max_value_bytes) {
  CAPTURE(seed);
  LogFixture f(seed);
  f.config.segment_bytes = segment_bytes;
  OpenPreallocating(f);
  f.scheduler.set_reorder(true);
  std::mt19937_64 random(seed);
  std::vector<std::string> appended;
  std::vector<std::shared_ptr<testing::AppendOutcome>> outcomes;
  const int crash_step = static_cast<int>(random() % 400);
  for (int step = 0; step < crash_step; ++step) {
    if (random() % 3 == 0) {
      appended.push_back("s" + std::to_string(step) + std::string(random() % max_value_bytes, '+'));
      auto [info, outcome] = f.Append({{std::nullopt, appended.back()}});
      REQUIRE(info.ok());
      outcomes.push_back(outcome);
    } else {
      f.scheduler.RunOne();
    }
  }
  size_t acknowledged = 0;
  while (acknowledged < outcomes.size() && outcomes[acknowledged]->done) {
    REQUIRE(outcomes[acknowledged]->status.ok());
    ++acknowledged;
  }
  f.disk.Crash(seed % 2 == 0 ? SimDisk::CrashMode::kLoseUnsynced : SimDisk::CrashMode::kTearUnsynced);
  f.OpenOrFail();
  const std::vector<std::string> recovered = f.ReadValues();
  REQUIRE(recovered.size() >= acknowledged);
  REQUIRE(recovered.size() <= appended.size());
  CHECK(std::equal(recovered.begin(), recovered.end(), appended.begin()));
  for (int64_t base : f.log->segment_base_offsets()) {
    CAPTURE(base);
    CHECK(f.disk.Contents(SegmentLog(base))->size() == SegmentBytes(f, base));
  }
  f.AppendDurably(Values({"after"}));
  CHECK(f.ReadValues().back() == "after");
}

TEST_CASE("Preallocation: a crash at any step loses no acknowledged record and leaves no zeroes behind") {
  SUBCASE("one step per segment") {
    for (uint64_t seed = 1; seed <= 200; ++seed) CrashAtRandomStep(seed, 2500, 120);
  }
  SUBCASE("several steps per segment") {
    for (uint64_t seed = 1; seed <= 40; ++seed) CrashAtRandomStep(seed, kStep + kStep / 4, 24 << 10);
  }
}

}  // namespace
}  // namespace cairn::storage
