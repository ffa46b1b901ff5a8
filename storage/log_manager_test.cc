#include "storage/log_manager.h"

#include <doctest/doctest.h>

#include "io/sim/sim_disk.h"
#include "storage/segment_files.h"
#include "storage/testing/log_fixture.h"

namespace cairn::storage {
namespace {

struct ManagerFixture {
  io::sim::SimScheduler scheduler;
  io::sim::SimDisk disk{&scheduler};
  ManualClock clock;
  LogManager::Options options{{"/disk1", "/disk2"}, LogConfig{}, NodeId(1)};

  std::unique_ptr<LogManager> Open() {
    auto manager = LogManager::Open(&disk, options, &clock);
    REQUIRE_MESSAGE(manager.ok(), manager.status().ToString());
    return std::move(*manager);
  }
};

using KV = std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>;

void AppendOne(io::sim::SimScheduler& scheduler, PartitionLog& log, const std::string& value) {
  bool durable = false;
  REQUIRE(log.Append(MakeRecordBatch(KV{{std::nullopt, value}}), LeaderEpoch(0),
                     [&](absl::Status s) { durable = s.ok(); })
              .ok());
  scheduler.RunUntilIdle();
  REQUIRE(durable);
}

TEST_CASE("LogManager: partitions are spread over log dirs and found again after a restart") {
  ManagerFixture f;
  {
    auto manager = f.Open();
    for (int p = 0; p < 4; ++p) {
      auto log = manager->Create({"orders", p}, LogConfig{});
      REQUIRE(log.ok());
      AppendOne(f.scheduler, **log, "order-" + std::to_string(p));
    }
    CHECK(manager->Create({"orders", 0}, LogConfig{}).status().code() == absl::StatusCode::kAlreadyExists);
    CHECK(manager->Create({"bad name", 0}, LogConfig{}).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(f.disk.ListDirectory("/disk1")->size() == 3);  // 2 partitions + meta.properties
    CHECK(f.disk.ListDirectory("/disk2")->size() == 3);
    REQUIRE(manager->CloseAll().ok());
  }
  auto manager = f.Open();
  CHECK(manager->Partitions().size() == 4);
  PartitionLog* log = manager->Find({"orders", 3});
  REQUIRE(log != nullptr);
  CHECK(log->log_end_offset() == Offset(1));
  CHECK(manager->Find({"orders", 9}) == nullptr);
}

TEST_CASE("LogManager: a partition whose log cannot be created (full disk) is offline with the error until a "
          "restart with space opens it") {
  ManagerFixture f;
  {
    auto manager = f.Open();
    f.disk.SetCapacity(f.disk.bytes_stored());
    auto created = manager->Create({"full", 0}, LogConfig{});
    REQUIRE_FALSE(created.ok());
    CHECK(created.status().code() == absl::StatusCode::kResourceExhausted);
    CHECK(manager->Find({"full", 0}) == nullptr);
    REQUIRE(manager->offline().contains({"full", 0}));
    CHECK(manager->offline().at({"full", 0}).code() == absl::StatusCode::kResourceExhausted);
    CHECK(manager->Partitions().empty());
    // Not retried behind the caller's back: the next Create says it exists.
    CHECK(manager->Create({"full", 0}, LogConfig{}).status().code() == absl::StatusCode::kAlreadyExists);
    REQUIRE(manager->CloseAll().ok());
  }
  f.disk.ClearCapacity();
  auto manager = f.Open();
  CHECK(manager->offline().empty());
  // The directory the failed creation left is recovered as an empty log.
  PartitionLog* log = manager->Find({"full", 0});
  REQUIRE(log != nullptr);
  CHECK(log->log_end_offset() == Offset(0));
  AppendOne(f.scheduler, *log, "after");
  CHECK(log->log_end_offset() == Offset(1));
}

TEST_CASE("LogManager: a log dir of another node is refused") {
  ManagerFixture f;
  f.Open();
  f.options.node_id = NodeId(2);
  auto other = LogManager::Open(&f.disk, f.options, &f.clock);
  CHECK(other.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(other.status().message()).find("node.id 1") != std::string::npos);
}

TEST_CASE("LogManager: a partition that fails recovery goes offline and the others stay up") {
  ManagerFixture f;
  {
    auto manager = f.Open();
    for (int p = 0; p < 2; ++p) AppendOne(f.scheduler, **manager->Create({"t", p}, LogConfig{}), "v");
  }
  // Garbage in a checkpoint of t-1 makes its recovery fail with DataLoss.
  const std::string dir = *f.disk.Exists("/disk1/t-1") ? "/disk1/t-1" : "/disk2/t-1";
  REQUIRE(f.disk.WriteFileAtomically(dir + "/leader-epoch-checkpoint", AsBytes("garbage")).ok());
  auto manager = f.Open();
  CHECK(manager->Find({"t", 0}) != nullptr);
  CHECK(manager->Find({"t", 1}) == nullptr);
  REQUIRE(manager->offline().size() == 1);
  CHECK(manager->offline().begin()->second.code() == absl::StatusCode::kDataLoss);
  // Deleting it removes the directory.
  REQUIRE(manager->Delete({"t", 1}).ok());
  CHECK_FALSE(*f.disk.Exists(dir));
  CHECK(manager->offline().empty());
}

TEST_CASE("LogManager: unrelated directories are ignored and deletion removes the data") {
  ManagerFixture f;
  REQUIRE(f.disk.CreateDirectories("/disk1/lost+found").ok());
  auto manager = f.Open();
  CHECK(manager->Partitions().empty());
  REQUIRE(manager->Create({"gone", 0}, LogConfig{}).ok());
  REQUIRE(manager->Delete({"gone", 0}).ok());
  CHECK(manager->Find({"gone", 0}) == nullptr);
  CHECK(manager->Delete({"gone", 0}).code() == absl::StatusCode::kNotFound);
  CHECK_FALSE(*f.disk.Exists("/disk1/gone-0"));
}

TEST_CASE("LogManager: maintenance applies retention to every partition") {
  ManagerFixture f;
  f.options.default_config.retention_ms = 1000;
  auto manager = f.Open();
  PartitionLog* log = *manager->Create({"short", 0}, f.options.default_config);
  AppendOne(f.scheduler, *log, "old");
  f.clock.Advance(5000);
  LogManager::MaintenanceStats stats = manager->RunMaintenance();
  CHECK(stats.segments_deleted == 1);
  CHECK(stats.errors == 0);
  CHECK(log->log_start_offset() == Offset(1));
  CHECK(manager->CheckpointRecoveryPoints() == 0);
}

TEST_CASE("LogManager: CloseAllWhenIdle closes only after the writes in flight are durable, and closes cleanly") {
  ManagerFixture f;
  {
    auto manager = f.Open();
    auto log = manager->Create({"orders", 0}, LogConfig{});
    REQUIRE(log.ok());
    REQUIRE(manager->Create({"orders", 1}, LogConfig{}).ok());  // idle throughout
    int durable = 0;
    for (int i = 0; i < 3; ++i) {
      REQUIRE((*log)->Append(MakeRecordBatch(KV{{std::nullopt, "order-" + std::to_string(i)}}), LeaderEpoch(0),
                             [&](absl::Status s) { durable += s.ok(); })
                  .ok());
    }
    std::optional<absl::Status> closed;
    manager->CloseAllWhenIdle([&](absl::Status s) { closed = s; });
    CHECK_FALSE(closed.has_value());  // the writes have not completed yet
    CHECK(manager->Find({"orders", 0}) != nullptr);
    f.scheduler.RunUntilIdle();
    CHECK(durable == 3);
    REQUIRE(closed.has_value());
    CHECK_MESSAGE(closed->ok(), closed->ToString());
    CHECK(manager->Partitions().empty());
  }
  // The clean close left the producer state as of the log end (offset 3).
  bool snapshot_at_end = false;
  for (const std::string dir : {"/disk1/orders-0", "/disk2/orders-0"}) {
    if (!f.disk.Exists(dir).value_or(false)) continue;
    snapshot_at_end = f.disk.Exists(SegmentPath(dir, 3, kProducerSnapshotSuffix)).value_or(false);
  }
  CHECK(snapshot_at_end);
  auto manager = f.Open();
  PartitionLog* log = manager->Find({"orders", 0});
  REQUIRE(log != nullptr);
  CHECK(log->log_end_offset() == Offset(3));
}

TEST_CASE("LogManager: CloseAllWhenIdle answers Aborted when a busy partition is deleted while it waits") {
  ManagerFixture f;
  auto manager = f.Open();
  auto log = manager->Create({"orders", 0}, LogConfig{});
  REQUIRE(log.ok());
  std::optional<absl::Status> appended;
  REQUIRE((*log)->Append(MakeRecordBatch(KV{{std::nullopt, "lost"}}), LeaderEpoch(0),
                         [&](absl::Status s) { appended = s; })
              .ok());
  std::optional<absl::Status> closed;
  manager->CloseAllWhenIdle([&](absl::Status s) { closed = s; });
  CHECK_FALSE(closed.has_value());
  REQUIRE(manager->Delete({"orders", 0}).ok());
  REQUIRE(closed.has_value());
  CHECK(closed->code() == absl::StatusCode::kAborted);
  REQUIRE(appended.has_value());
  CHECK_FALSE(appended->ok());  // answered, never dropped
  f.scheduler.RunUntilIdle();
}

}  // namespace
}  // namespace cairn::storage
