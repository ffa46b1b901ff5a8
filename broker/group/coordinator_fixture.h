// Test support for GroupCoordinator: a manual clock and an in-memory
// __consumer_offsets that records every append and completes it at once or
// when the test says so, plus request builders.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "broker/group/group_coordinator.h"
#include <doctest/doctest.h>
#include "common/clock.h"

namespace cairn::broker::group::testing {

struct AppendedRecord {
  int32_t partition;
  Buffer key;
  std::optional<Buffer> value;
};

class CoordinatorFixture {
 public:
  explicit CoordinatorFixture(CoordinatorConfig config = DefaultConfig()) { Reset(config); }

  static CoordinatorConfig DefaultConfig() {
    CoordinatorConfig config;
    config.offsets_partitions = 4;
    config.initial_rebalance_delay_ms = 0;
    config.member_id_seed = 42;
    return config;
  }

  // A fresh coordinator, every partition loaded and empty.
  void Reset(CoordinatorConfig config) {
    config_ = config;
    Make();
    for (int32_t p = 0; p < config.offsets_partitions; ++p) {
      coordinator->BeginLoad(p);
      coordinator->FinishLoad(p);
    }
  }

  // A new coordinator loaded from everything appended so far (a restart).
  void Restart() {
    Make();
    for (int32_t p = 0; p < config_.offsets_partitions; ++p) {
      coordinator->BeginLoad(p);
      for (const AppendedRecord& r : log) {
        if (r.partition != p) continue;
        std::optional<ByteSpan> value;
        if (r.value) value = ByteSpan(*r.value);
        REQUIRE(coordinator->Replay(p, r.key, value).ok());
      }
      coordinator->FinishLoad(p);
    }
  }

  // Completes the oldest pending append with `status` (appending its records
  // to the log when OK).
  void CompleteNext(absl::Status status = absl::OkStatus()) {
    REQUIRE(!pending.empty());
    Pending next = std::move(pending.front());
    pending.pop_front();
    if (status.ok()) {
      for (OffsetsRecord& r : next.records) log.push_back({next.partition, std::move(r.key), std::move(r.value)});
    }
    std::move(next.done)(status);
  }
  void CompleteAll() {
    while (!pending.empty()) CompleteNext();
  }

  ManualClock clock;
  std::unique_ptr<GroupCoordinator> coordinator;
  bool auto_complete = true;
  std::vector<AppendedRecord> log;

  struct Pending {
    int32_t partition;
    std::vector<OffsetsRecord> records;
    absl::AnyInvocable<void(absl::Status) &&> done;
  };
  std::deque<Pending> pending;

 private:
  void Make() {
    coordinator.reset();
    coordinator = std::make_unique<GroupCoordinator>(
        config_, clock,
        [this](int32_t partition, std::vector<OffsetsRecord> records, absl::AnyInvocable<void(absl::Status) &&> done) {
          pending.push_back({partition, std::move(records), std::move(done)});
          if (auto_complete) CompleteAll();
        },
        // Topic "known" has partitions 0..5, "second" 0..1; nothing else exists.
        [](const std::string& topic, int32_t partition) {
          return partition >= 0 && ((topic == "known" && partition < 6) || (topic == "second" && partition < 2));
        });
  }

  CoordinatorConfig config_;
};

inline Buffer Bytes(std::string_view s) { return Buffer(s.begin(), s.end()); }

inline kafka::JoinGroupRequest JoinRequest(std::string group, std::string member_id,
                                           std::vector<std::pair<std::string, std::string>> protocols = {{"range", "m"}},
                                           int32_t session_ms = 10000, int32_t rebalance_ms = 30000) {
  kafka::JoinGroupRequest request;
  request.group_id = std::move(group);
  request.member_id = std::move(member_id);
  request.session_timeout_ms = session_ms;
  request.rebalance_timeout_ms = rebalance_ms;
  request.protocol_type = "consumer";
  for (auto& [name, metadata] : protocols) request.protocols.push_back({name, Bytes(metadata), {}});
  return request;
}

// Captures a reply that may come later.
template <typename Response>
struct Captured {
  std::optional<Response> value;
  auto Callback() {
    return [this](Response r) { value = std::move(r); };
  }
};

}  // namespace cairn::broker::group::testing
