// Sends that race with Close on another thread (client/producer.h): every
// callback runs exactly once, with the record's offset or a closed-producer
// error, and the records that succeeded are in the log. Against a real cairnd.
#include <atomic>
#include <future>
#include <map>
#include <set>
#include <utility>
#include <mutex>
#include <thread>
#include <vector>

#include "client/admin.h"
#include "client/integration/test_support.h"
#include "client/kafka_error.h"
#include "client/producer.h"
#include "doctest/doctest.h"

namespace cairn::client::testing {
namespace {

TEST_CASE("Producer: a Send racing with Close on another thread still gets its callback, once") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "closing", 2);

  constexpr int kThreads = 4;
  constexpr int kRounds = 5;
  int64_t total_acknowledged = 0;
  for (int round = 0; round < kRounds; ++round) {
    ProducerConfig config;
    config.client = ConfigFor(broker);
    config.linger_ms = 1;
    auto producer = Producer::Create(config);
    REQUIRE(producer.ok());

    std::mutex mu;
    std::map<absl::StatusCode, int> outcomes;  // guarded by mu
    int64_t acknowledged = 0;                  // guarded by mu
    std::set<std::pair<int32_t, int64_t>> offsets;  // guarded by mu; of the acknowledged records
    std::atomic<int64_t> callbacks = 0;
    std::atomic<int64_t> sends = 0;
    std::atomic<bool> close_returned = false;
    std::vector<std::thread> senders;
    for (int t = 0; t < kThreads; ++t) {
      senders.emplace_back([&, t] {
        // Sends until well after Close returned: through Close's flush, its
        // shutdown of the io thread, and after.
        int after_close = 0;
        while (after_close < 200) {
          if (close_returned) ++after_close;
          ++sends;
          (*producer)->Send({"closing", std::nullopt, std::string("r") + std::to_string(t), {}, t % 2, {}},
                            [&](absl::StatusOr<RecordMetadata> result) {
                              std::lock_guard lock(mu);
                              ++outcomes[result.status().code()];
                              if (result.ok()) {
                                ++acknowledged;
                                offsets.emplace(result->partition, result->offset);
                              }
                              ++callbacks;
                            });
          // Not flat out: the threads would fill buffer.memory and Close's
          // flush would take seconds.
          if (sends % 64 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
      });
    }
    // Let records flow, then close while the threads keep sending.
    while (callbacks < 200) std::this_thread::yield();
    (*producer)->Close(std::chrono::seconds(10));
    close_returned = true;
    for (std::thread& thread : senders) thread.join();

    // Every Send's callback ran by now: the ones racing Close ran on the io
    // thread before it stopped, in Close, or inline in Send.
    CHECK(callbacks.load() == sends.load());
    std::lock_guard lock(mu);
    for (const auto& outcome : outcomes) {
      const absl::StatusCode code = outcome.first;
      CAPTURE(code);
      CHECK((code == absl::StatusCode::kOk || code == absl::StatusCode::kCancelled ||
             code == absl::StatusCode::kFailedPrecondition));
    }
    CHECK(acknowledged >= 200);
    // Each acknowledged record has an offset of its own, inside the log (a
    // batch cancelled at Close may still have been appended, so the log may
    // hold more than was acknowledged, never less).
    CHECK(offsets.size() == static_cast<size_t>(acknowledged));
    auto ends = admin->ListOffsets({{"closing", 0}, {"closing", 1}}, OffsetSpec::kLatest).get();
    REQUIRE(ends.ok());
    int64_t beyond_the_log = 0;
    for (const auto& [partition, offset] : offsets) {
      if (offset >= (*ends)[static_cast<size_t>(partition)].offset) ++beyond_the_log;
    }
    CHECK(beyond_the_log == 0);
    total_acknowledged += acknowledged;
    CHECK((*ends)[0].offset + (*ends)[1].offset >= total_acknowledged);
    producer->reset();  // a second Close (from the destructor) is a no-op
    CHECK(callbacks.load() == sends.load());
  }
}

TEST_CASE("Producer: a Send after Close fails at once, on the calling thread") {
  CairndProcess broker;
  broker.Start();
  ProducerConfig config;
  config.client = ConfigFor(broker);
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());
  (*producer)->Close(std::chrono::seconds(10));

  bool ran = false;
  absl::Status status;
  const std::thread::id caller = std::this_thread::get_id();
  std::thread::id ran_on;
  (*producer)->Send({"after-close", std::nullopt, std::string("v"), {}, 0, {}},
                    [&](absl::StatusOr<RecordMetadata> result) {
                      ran = true;
                      status = result.status();
                      ran_on = std::this_thread::get_id();
                    });
  CHECK(ran);  // no io thread is left to run it later
  CHECK(absl::IsFailedPrecondition(status));
  CHECK(ran_on == caller);
  // The future form is ready, with the error rather than a broken promise.
  std::future<absl::StatusOr<RecordMetadata>> future =
      (*producer)->Send({"after-close", std::nullopt, std::string("v"), {}, 0, {}});
  REQUIRE(future.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  CHECK(absl::IsFailedPrecondition(future.get().status()));
  CHECK(absl::IsFailedPrecondition((*producer)->Flush(std::chrono::seconds(1))));
}

TEST_CASE("Producer: Flush and Close from a delivery callback return at once instead of waiting for their own thread") {
  CairndProcess broker({"auto.create.topics.enable=false"});
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "first", 1);
  ProducerConfig config;
  config.client = ConfigFor(broker);
  config.linger_ms = 0;
  config.delivery_timeout_ms = 60000;
  auto created = Producer::Create(config);
  REQUIRE(created.ok());
  std::unique_ptr<Producer> producer = std::move(*created);

  // Waits for a topic that does not exist (no auto-creation): unsent when
  // the callback closes the producer.
  auto waiting = producer->Send({"absent", std::nullopt, "w", {}, std::nullopt, std::nullopt});
  struct InCallback {
    absl::StatusOr<RecordMetadata> delivered = absl::UnknownError("not run");
    absl::Status flushed;
    std::chrono::steady_clock::duration flush_took{};
    std::chrono::steady_clock::duration close_took{};
  };
  InCallback seen;
  std::promise<void> done;
  std::future<absl::StatusOr<RecordMetadata>> after_close;
  Producer* raw = producer.get();
  raw->Send({"first", "k", "v", {}, std::nullopt, std::nullopt}, [&](absl::StatusOr<RecordMetadata> result) {
    seen.delivered = std::move(result);
    auto start = std::chrono::steady_clock::now();
    seen.flushed = raw->Flush(std::chrono::seconds(5));
    seen.flush_took = std::chrono::steady_clock::now() - start;
    start = std::chrono::steady_clock::now();
    raw->Close(std::chrono::seconds(30));
    seen.close_took = std::chrono::steady_clock::now() - start;
    after_close = raw->Send({"first", "k", "late", {}, std::nullopt, std::nullopt});
    done.set_value();
  });
  if (done.get_future().wait_for(std::chrono::seconds(15)) != std::future_status::ready) {
    (void)producer.release();  // its io thread is stuck in the callback: destroying it would hang too
    FAIL("the delivery callback calling Flush and Close never returned");
  }
  REQUIRE_MESSAGE(seen.delivered.ok(), seen.delivered.status().ToString());
  CHECK(seen.delivered->partition == 0);
  CHECK(seen.delivered->offset == 0);
  CHECK(absl::IsFailedPrecondition(seen.flushed));
  CHECK(seen.flush_took < std::chrono::seconds(1));
  CHECK(seen.close_took < std::chrono::seconds(1));
  // The record waiting for its topic failed with Cancelled once the callback
  // returned, not after delivery.timeout.ms; one sent after Close failed.
  REQUIRE(waiting.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(absl::IsCancelled(waiting.get().status()));
  REQUIRE(after_close.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(absl::IsFailedPrecondition(after_close.get().status()));
  CHECK(absl::IsFailedPrecondition(producer->Flush(std::chrono::seconds(1))));
  // The destructor stops the io thread.
  const auto start = std::chrono::steady_clock::now();
  producer.reset();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

}  // namespace
}  // namespace cairn::client::testing
