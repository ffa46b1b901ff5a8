// Test fixture for storage tests: a PartitionLog on the simulated disk, with
// helpers to append values, drive completions and read records back.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/record_batch.h"
#include "io/sim/sim_disk.h"
#include "io/sim/sim_scheduler.h"
#include "storage/partition_log.h"

namespace cairn::storage::testing {

// The durability outcome of one append, filled in when its callback runs.
struct AppendOutcome {
  bool done = false;
  absl::Status status;
};

struct StoredRecord {
  int64_t offset;
  std::optional<std::string> key;
  std::optional<std::string> value;
  bool operator==(const StoredRecord&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const StoredRecord& r) {
  return os << "{" << r.offset << " " << r.key.value_or("<null>") << "=" << r.value.value_or("<null>") << "}";
}

class LogFixture {
 public:
  static constexpr const char* kDir = "/data/events-0";

  explicit LogFixture(uint64_t seed = 1) : scheduler(seed), disk(&scheduler, seed) {
    disk.set_strict_directory_durability(true);
  }

  absl::Status Open() {
    log.reset();
    auto opened = PartitionLog::Open(&disk, kDir, config, &clock);
    if (!opened.ok()) return opened.status();
    log = std::move(*opened);
    return absl::OkStatus();
  }
  void OpenOrFail() {
    absl::Status status = Open();
    REQUIRE_MESSAGE(status.ok(), status.ToString());
  }

  // Appends one batch of (key, value) records; returns the assigned offsets
  // and a handle on the durability outcome.
  std::pair<absl::StatusOr<AppendInfo>, std::shared_ptr<AppendOutcome>> Append(
      const std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>& records,
      int32_t epoch = 0, Compression compression = Compression::kNone, int64_t timestamp = -1) {
    auto outcome = std::make_shared<AppendOutcome>();
    Buffer batch = MakeRecordBatch(records, compression, timestamp < 0 ? clock.NowMs() : timestamp);
    auto info = log->Append(std::move(batch), LeaderEpoch(epoch), [outcome](absl::Status status) {
      outcome->done = true;
      outcome->status = std::move(status);
    });
    return {std::move(info), outcome};
  }

  // Appends values v... as one batch without keys and waits for durability.
  AppendInfo AppendDurably(const std::vector<std::string>& values, int32_t epoch = 0) {
    std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> records;
    for (const std::string& v : values) records.emplace_back(std::nullopt, v);
    auto [info, outcome] = Append(records, epoch);
    REQUIRE_MESSAGE(info.ok(), info.status().ToString());
    Settle();
    REQUIRE(outcome->done);
    REQUIRE_MESSAGE(outcome->status.ok(), outcome->status.ToString());
    return *info;
  }

  void Settle() { scheduler.RunUntilIdle(); }

  // Every record from `from` to the end, decoded.
  std::vector<StoredRecord> ReadAll(int64_t from = -1) const {
    std::vector<StoredRecord> out;
    int64_t offset = from < 0 ? log->log_start_offset().value() : from;
    while (offset < log->log_end_offset().value()) {
      auto result = log->Read(Offset(offset), 1 << 16, log->log_end_offset(), true);
      REQUIRE_MESSAGE(result.ok(), result.status().ToString());
      if (result->data.empty()) break;
      ByteSpan data = result->data;
      while (!data.empty()) {
        auto header = ParseRecordBatchHeader(data);
        REQUIRE(header.ok());
        auto records = DecodeRecords(data.subspan(0, header->size_bytes()), 1 << 24);
        REQUIRE_MESSAGE(records.ok(), records.status().ToString());
        for (const Record& r : *records) {
          const int64_t record_offset = header->base_offset + r.offset_delta;
          if (record_offset >= offset) out.push_back({record_offset, r.key, r.value});
        }
        data = data.subspan(header->size_bytes());
      }
      offset = result->next_offset.value();
    }
    return out;
  }

  std::vector<std::string> ReadValues(int64_t from = -1) const {
    std::vector<std::string> values;
    for (const StoredRecord& r : ReadAll(from)) values.push_back(r.value.value_or("<null>"));
    return values;
  }

  io::sim::SimScheduler scheduler;
  io::sim::SimDisk disk;
  ManualClock clock;
  LogConfig config;
  std::unique_ptr<PartitionLog> log;
};

inline std::vector<std::string> Values(std::initializer_list<const char*> values) {
  return {values.begin(), values.end()};
}

inline std::string SegmentLog(int64_t base) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s/%020lld.log", LogFixture::kDir, static_cast<long long>(base));
  return name;
}

}  // namespace cairn::storage::testing
