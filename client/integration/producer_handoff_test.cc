// When a Produce response comes back, the producer sends the records that
// waited behind the answered batch before it runs that batch's delivery
// callbacks (client/sender.h, deferring_completions_). Against a real cairnd:
// a callback that blocks still finds the next record in the log, and the
// callbacks of one partition keep their offset order.
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "client/admin.h"
#include "client/integration/test_support.h"
#include "client/producer.h"
#include "doctest/doctest.h"

namespace cairn::client::testing {
namespace {

// The partition's log end offset as its leader reports it, or -1 if the
// request failed (called on the producer's io thread, where a REQUIRE could
// not stop the test).
int64_t LogEndOffset(Admin& admin, const std::string& topic, int32_t partition) {
  absl::StatusOr<std::vector<PartitionOffset>> offsets =
      admin.ListOffsets({TopicPartition{topic, partition}}, OffsetSpec::kLatest).get();
  return offsets.ok() && offsets->size() == 1 ? offsets->front().offset : -1;
}

TEST_CASE("Records held back by a request in flight are sent before that request's callbacks run") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "handoff", 1);
  ProducerConfig config;
  config.client = ConfigFor(broker);
  config.linger_ms = 0;
  config.batch_size = 1;                   // a batch per record
  config.max_in_flight_per_partition = 1;  // so the second batch waits for the first's response
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());

  // The warm-up record's callback holds the io thread until both records
  // below are sent to the producer, so they reach its queue together: the
  // first batch goes out, the second waits behind it.
  std::promise<void> both_sent;
  std::shared_future<void> both_sent_future = both_sent.get_future().share();
  std::promise<absl::Status> warm_up;
  (*producer)->Send({"handoff", std::nullopt, std::string("warm-up"), {}, 0, {}},
                    [&](absl::StatusOr<RecordMetadata> result) {
                      warm_up.set_value(result.status());
                      both_sent_future.wait();
                    });
  REQUIRE(warm_up.get_future().get().ok());

  // The first record's callback holds the io thread until the log holds the
  // second record, or 10 s pass: only a request sent before this callback
  // ran can have put it there.
  std::mutex mu;
  std::vector<int64_t> callback_offsets;  // guarded by mu
  std::promise<int64_t> end_seen_in_callback;
  (*producer)->Send({"handoff", std::nullopt, std::string("first"), {}, 0, {}},
                    [&](absl::StatusOr<RecordMetadata> result) {
                      {
                        std::lock_guard lock(mu);
                        callback_offsets.push_back(result.ok() ? result->offset : -1);
                      }
                      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                      int64_t end = LogEndOffset(*admin, "handoff", 0);
                      while (end < 3 && std::chrono::steady_clock::now() < deadline) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(5));
                        end = LogEndOffset(*admin, "handoff", 0);
                      }
                      end_seen_in_callback.set_value(end);
                    });
  std::promise<void> second_done;
  (*producer)->Send({"handoff", std::nullopt, std::string("second"), {}, 0, {}},
                    [&](absl::StatusOr<RecordMetadata> result) {
                      {
                        std::lock_guard lock(mu);
                        callback_offsets.push_back(result.ok() ? result->offset : -1);
                      }
                      second_done.set_value();
                    });
  both_sent.set_value();

  std::future<int64_t> seen = end_seen_in_callback.get_future();
  REQUIRE(seen.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  // warm-up at 0, first at 1, second at 2: the log ends at 3.
  CHECK(seen.get() == 3);
  REQUIRE(second_done.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  {
    std::lock_guard lock(mu);
    CHECK(callback_offsets == std::vector<int64_t>{1, 2});
  }
  (*producer)->Close(std::chrono::seconds(5));
}

}  // namespace
}  // namespace cairn::client::testing
