// PartitionLog on real files: PosixFileSystem + io_uring (a Shard, or a Ring
// driven by the test thread), segment rolls, a torn tail cut with truncate(2)
// and a full tmpfs. The simulated-disk tests cover the same logic; these check
// it against the kernel.
#include <doctest/doctest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/check.h"
#include "io/testing/temp_dir.h"
#include "common/clock.h"
#include "common/record_batch.h"
#include "io/posix_file_system.h"
#include "io/shard.h"
#include "storage/partition_log.h"
#include "storage/segment_files.h"

namespace cairn::storage {
namespace {

using Records = std::vector<std::pair<int64_t, std::string>>;  // (offset, value)

using io::testing::TempDir;

Buffer Batch(const std::vector<std::string>& values) {
  std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> records;
  for (const std::string& v : values) records.emplace_back(std::nullopt, v);
  return MakeRecordBatch(records, Compression::kNone, 1'700'000'000'000);
}

// Every record from the log start up to what has been written, CRC-checked.
Records ReadAll(const PartitionLog& log) {
  Records out;
  Offset offset = log.log_start_offset();
  while (offset < log.log_end_offset()) {
    auto result = log.Read(offset, 1 << 16, log.log_end_offset(), true);
    REQUIRE_MESSAGE(result.ok(), result.status().ToString());
    if (result->data.empty()) break;
    ByteSpan data = result->data;
    while (!data.empty()) {
      auto header = ParseRecordBatchHeader(data);
      REQUIRE(header.ok());
      const ByteSpan batch = data.subspan(0, header->size_bytes());
      REQUIRE(ValidateRecordBatch(batch).ok());
      auto records = DecodeRecords(batch, 1 << 24);
      REQUIRE(records.ok());
      for (const Record& r : *records) out.emplace_back(header->base_offset + r.offset_delta, r.value.value_or(""));
      data = data.subspan(header->size_bytes());
    }
    offset = result->next_offset;
  }
  return out;
}

std::string SegmentFile(const std::string& dir, int64_t base) { return SegmentPath(dir, base, kLogSuffix); }

// A PartitionLog whose files do their asynchronous I/O through a Ring that
// the test thread (the log's owner) drives.
struct RingLog {
  explicit RingLog(std::string log_dir) : dir(std::move(log_dir)) {}

  void Open() {
    log.reset();
    auto opened = PartitionLog::Open(&fs, dir, config, &clock);
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    log = *std::move(opened);
  }
  void Settle() {
    while (ring->in_flight() > 0) ring->WaitAndProcess();
  }
  // Appends one batch and waits for its durability callback; returns its
  // outcome (the status Append itself returned if it refused the batch).
  absl::Status AppendDurably(const std::vector<std::string>& values, Offset* first_offset = nullptr) {
    absl::Status outcome = absl::UnknownError("on_durable did not run");
    auto info = log->Append(Batch(values), LeaderEpoch(0), [&outcome](absl::Status s) { outcome = std::move(s); });
    if (!info.ok()) return info.status();
    if (first_offset != nullptr) *first_offset = info->first_offset;
    Settle();
    return outcome;
  }

  std::string dir;
  LogConfig config;
  ManualClock clock;
  std::unique_ptr<io::Ring> ring = [] {
    auto created = io::Ring::Create();
    CAIRN_CHECK(created.ok()) << created.status();
    return *std::move(created);
  }();
  io::PosixFileSystem fs{ring.get()};
  std::unique_ptr<PartitionLog> log;  // destroyed before the ring
};

TEST_CASE("PartitionLog on io_uring: 200 concurrent appends on a shard are group-committed and acknowledged in order") {
  TempDir dir;
  const std::string log_dir = dir.path + "/events-0";
  constexpr int kAppends = 200;
  // Touched only on the shard thread until the shard has stopped.
  struct State {
    std::unique_ptr<io::PosixFileSystem> fs;
    std::unique_ptr<PartitionLog> log;
    std::vector<int64_t> first_offsets;
    std::vector<int> acknowledged;
    int off_shard_callbacks = 0;
    absl::Status first_error;
    int64_t flushes = 0;
    absl::Status closed;
    std::promise<void> all_durable;
  } state;
  io::ShardRuntime runtime;  // after `state`: stopped (drained) before it goes
  REQUIRE(runtime.Start(1).ok());
  io::Shard& shard = runtime.shard(0);
  auto all_durable = state.all_durable.get_future();

  shard.Post([&state, &shard, &log_dir] {
    state.fs = std::make_unique<io::PosixFileSystem>(&shard.ring());
    auto opened = PartitionLog::Open(state.fs.get(), log_dir, LogConfig{}, &SystemClock::Instance());
    CAIRN_CHECK(opened.ok()) << opened.status();
    state.log = *std::move(opened);
    for (int i = 0; i < kAppends; ++i) {
      auto info = state.log->Append(Batch({"record-" + std::to_string(i)}), LeaderEpoch(0),
                                    [&state, &shard, i](absl::Status status) {
                                      if (io::Shard::Current() != &shard) ++state.off_shard_callbacks;
                                      if (!status.ok() && state.first_error.ok()) state.first_error = status;
                                      state.acknowledged.push_back(i);
                                      if (state.acknowledged.size() == kAppends) state.all_durable.set_value();
                                    });
      CAIRN_CHECK(info.ok()) << info.status();
      state.first_offsets.push_back(info->first_offset.value());
    }
  });
  REQUIRE(all_durable.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  std::promise<void> closed;
  shard.Post([&state, &closed] {
    state.flushes = state.log->flush_count();
    state.closed = state.log->CloseCleanly();
    state.log.reset();
    state.fs.reset();
    closed.set_value();
  });
  closed.get_future().wait();
  runtime.Stop();

  std::vector<int64_t> expected_offsets;
  std::vector<int> expected_order;
  Records expected;
  for (int i = 0; i < kAppends; ++i) {
    expected_offsets.push_back(i);
    expected_order.push_back(i);
    expected.emplace_back(i, "record-" + std::to_string(i));
  }
  CHECK(state.first_offsets == expected_offsets);
  CHECK(state.acknowledged == expected_order);
  CHECK(state.off_shard_callbacks == 0);
  CHECK_MESSAGE(state.first_error.ok(), state.first_error.ToString());
  CHECK(state.flushes >= 1);
  CHECK(state.flushes < kAppends);  // appends shared fdatasyncs
  CHECK_MESSAGE(state.closed.ok(), state.closed.ToString());

  // No shard uses the directory now: a blocking Open on this thread.
  io::PosixFileSystem fs(nullptr);
  auto reopened = PartitionLog::Open(&fs, log_dir, LogConfig{}, &SystemClock::Instance());
  REQUIRE_MESSAGE(reopened.ok(), reopened.status().ToString());
  CHECK((*reopened)->log_end_offset() == Offset(kAppends));
  CHECK(ReadAll(**reopened) == expected);
}

TEST_CASE("PartitionLog on io_uring: segments roll across real files and a full recovery scan rebuilds them") {
  TempDir dir;
  RingLog f(dir.path + "/events-0");
  const uint64_t batch_bytes = Batch({"value-000", "value-001"}).size();
  f.config.segment_bytes = static_cast<int64_t>(10 * batch_bytes);  // ten batches per segment
  f.Open();
  Records expected;
  for (int i = 0; i < 35; ++i) {
    std::vector<std::string> values;
    for (int r = 0; r < 2; ++r) {
      char value[16];
      std::snprintf(value, sizeof(value), "value-%03d", 2 * i + r);
      values.push_back(value);
      expected.emplace_back(2 * i + r, value);
    }
    absl::Status status = f.AppendDurably(values);
    REQUIRE_MESSAGE(status.ok(), status.ToString());
  }
  CHECK(f.log->segment_base_offsets() == std::vector<int64_t>{0, 20, 40, 60});
  CHECK(ReadAll(*f.log) == expected);
  REQUIRE(f.log->CloseCleanly().ok());
  f.log.reset();
  for (int64_t base : {0, 20, 40}) CHECK(std::filesystem::file_size(SegmentFile(f.dir, base)) == 10 * batch_bytes);
  CHECK(std::filesystem::file_size(SegmentFile(f.dir, 60)) == 5 * batch_bytes);

  // Without the recovery point every batch of every segment is rescanned.
  REQUIRE(std::filesystem::remove(f.dir + "/" + std::string(kRecoveryPointFile)));
  f.Open();
  CHECK(f.log->segment_base_offsets() == std::vector<int64_t>{0, 20, 40, 60});
  CHECK(f.log->log_end_offset() == Offset(70));
  CHECK(f.log->size_bytes() == static_cast<int64_t>(35 * batch_bytes));
  CHECK(ReadAll(*f.log) == expected);
  CHECK(f.log->Verify().ok());
  Offset next;
  REQUIRE(f.AppendDurably({"value-070", "value-071"}, &next).ok());
  CHECK(next == Offset(70));
}

TEST_CASE("PartitionLog on io_uring: a batch torn by truncate(2) is dropped on recovery and appends resume after it") {
  TempDir dir;
  RingLog f(dir.path + "/events-0");
  f.Open();
  Records expected;
  uint64_t batch_bytes = 0;
  for (int i = 0; i < 5; ++i) {
    const std::vector<std::string> values = {"a" + std::to_string(i), "b" + std::to_string(i), "c" + std::to_string(i)};
    batch_bytes = Batch(values).size();
    REQUIRE(f.AppendDurably(values).ok());
    for (int r = 0; r < 3; ++r) expected.emplace_back(3 * i + r, values[static_cast<size_t>(r)]);
  }
  REQUIRE(f.log->CloseCleanly().ok());
  f.log.reset();
  const std::string segment = SegmentFile(f.dir, 0);
  REQUIRE(std::filesystem::file_size(segment) == 5 * batch_bytes);
  // Cut the last batch in half, as a crash mid-write would.
  REQUIRE(truncate(segment.c_str(), static_cast<off_t>(4 * batch_bytes + batch_bytes / 2)) == 0);
  REQUIRE(std::filesystem::remove(f.dir + "/" + std::string(kRecoveryPointFile)));

  f.Open();
  expected.resize(12);
  CHECK(f.log->log_end_offset() == Offset(12));
  CHECK(std::filesystem::file_size(segment) == 4 * batch_bytes);
  CHECK(ReadAll(*f.log) == expected);
  Offset next;
  REQUIRE(f.AppendDurably({"after"}, &next).ok());
  CHECK(next == Offset(12));
  expected.emplace_back(12, "after");
  CHECK(ReadAll(*f.log) == expected);
  REQUIRE(f.log->CloseCleanly().ok());
  f.Open();
  CHECK(ReadAll(*f.log) == expected);
}

TEST_CASE("PartitionLog on io_uring: preallocated zeroes are synced ahead of small writes and dropped on reopen") {
  TempDir dir;
  RingLog f(dir.path + "/events-0");
  f.config.preallocate = true;
  f.Open();
  Records expected;
  for (int i = 0; i < 50; ++i) {
    const std::string value = (i < 10 ? "value-0" : "value-") + std::to_string(i);  // batches of one size
    REQUIRE(f.AppendDurably({value}).ok());
    expected.emplace_back(i, value);
  }
  const auto batches = static_cast<uint64_t>(f.log->size_bytes());
  const std::string segment = SegmentFile(f.dir, 0);
  // One 1 MiB step of zeroes, begun where the first batch ended.
  CHECK(std::filesystem::file_size(segment) == batches / 50 + (1 << 20));
  std::ifstream in(segment, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(batches));
  std::string tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(tail.find_first_not_of('\0') == std::string::npos);

  // As after a crash: no clean close, so recovery meets the zeroes.
  f.log.reset();
  f.Open();
  CHECK(std::filesystem::file_size(segment) == batches);
  CHECK(ReadAll(*f.log) == expected);
  REQUIRE(f.AppendDurably({"after"}).ok());
  expected.emplace_back(50, "after");
  REQUIRE(f.log->CloseCleanly().ok());
  CHECK(std::filesystem::file_size(segment) == static_cast<uint64_t>(f.log->size_bytes()));
  f.Open();
  CHECK(ReadAll(*f.log) == expected);
}

// A 256 KiB tmpfs mounted for the test's lifetime. Tests run as root
// (README), so failing to mount is a failure, not a skip.
struct SmallTmpfs {
  SmallTmpfs() { mounted = mount("tmpfs", dir.path.c_str(), "tmpfs", 0, "size=256k") == 0; }
  ~SmallTmpfs() {
    if (mounted) umount2(dir.path.c_str(), MNT_DETACH);
  }
  TempDir dir;
  bool mounted = false;
};

TEST_CASE("PartitionLog on io_uring: a full disk takes the log offline for writes, keeps reads, and loses nothing") {
  SmallTmpfs tmpfs;
  REQUIRE_MESSAGE(tmpfs.mounted, "mounting a 256 KiB tmpfs needs root (CAP_SYS_ADMIN)");
  // Space to give back later.
  const std::string filler = tmpfs.dir.path + "/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    out << std::string(64 * 1024, 'f');
    REQUIRE(out.good());
  }
  RingLog f(tmpfs.dir.path + "/events-0");
  f.Open();

  // ~3 KiB batches (not page-aligned) until the disk is full.
  Records acknowledged;
  absl::Status failure;
  for (int i = 0; i < 200 && failure.ok(); ++i) {
    const std::string value = std::to_string(i) + std::string(3000, 'v');
    Offset first;
    absl::Status status = f.AppendDurably({value}, &first);
    if (status.ok()) {
      CHECK(first == Offset(i));
      acknowledged.emplace_back(i, value);
    }
    failure = status;
  }
  REQUIRE_MESSAGE(failure.code() == absl::StatusCode::kResourceExhausted, failure.ToString());
  REQUIRE(acknowledged.size() > 10);
  CHECK(f.log->health().code() == absl::StatusCode::kResourceExhausted);
  CHECK(f.log->durable_offset() == Offset(static_cast<int64_t>(acknowledged.size())));
  absl::Status refused = f.AppendDurably({"refused"});
  CHECK(refused.code() == absl::StatusCode::kResourceExhausted);
  // Reads keep working and return exactly what was acknowledged.
  CHECK(ReadAll(*f.log) == acknowledged);

  // Free space and restart the log (the mount stays): the partial batch the
  // failed write left is a torn tail; everything acknowledged is intact.
  f.log.reset();
  REQUIRE(std::filesystem::remove(filler));
  f.Open();
  CHECK(f.log->health().ok());
  CHECK(f.log->log_end_offset() == Offset(static_cast<int64_t>(acknowledged.size())));
  CHECK(ReadAll(*f.log) == acknowledged);
  Offset next;
  absl::Status again = f.AppendDurably({"again"}, &next);
  REQUIRE_MESSAGE(again.ok(), again.ToString());
  CHECK(next == Offset(static_cast<int64_t>(acknowledged.size())));
  acknowledged.emplace_back(next.value(), "again");
  CHECK(ReadAll(*f.log) == acknowledged);
}

}  // namespace
}  // namespace cairn::storage
