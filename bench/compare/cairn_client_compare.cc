// Cairn driver through Cairn's own C++ client (client/producer.h), the
// native client of the system as libnats, hiredis and librabbitmq are of the
// peers: one topic with a partition per connection, each connection a
// Producer of its own (its own io thread and broker connection) writing to
// its own partition, with the client's defaults for durability (acks=all,
// idempotence on). cairnd acknowledges acks=all produce once the batch is
// durable. cairn_compare drives the same broker through librdkafka.
//
// Delivery callbacks run on each producer's io thread; they hand the
// sequence numbers to the runner thread through a mutex-guarded list.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/compare/compare_main.h"
#include "client/admin.h"
#include "client/producer.h"

namespace cairn::bench::compare {
namespace {

// linger.ms of every producer: 0 sends a partition's records as soon as one
// of its in-flight slots is free, so batches grow only while the broker is
// busy (CAIRN_COMPARE_LINGER_MS overrides it).
int64_t LingerMs() {
  const char* linger = std::getenv("CAIRN_COMPARE_LINGER_MS");
  return linger == nullptr ? 0 : std::atoll(linger);
}

// Produce requests in flight per partition (CAIRN_COMPARE_MAX_IN_FLIGHT
// overrides it). At a fixed offered load, 1: with linger.ms 0 a record goes
// out at once when its partition has nothing in flight, and otherwise
// gathers in the client until the response comes, so every request meets an
// idle log and is one durable write. With 5 most records would be requests of
// their own, queued at the broker behind their partition's write
// (docs/benchmarks.md, "The fixed-load p99 taken apart again"). Running as
// fast as it can, the client's default of 5 keeps the logs busy.
int MaxInFlight(const CompareOptions& options) {
  if (const char* in_flight = std::getenv("CAIRN_COMPARE_MAX_IN_FLIGHT")) return std::atoi(in_flight);
  return options.rate > 0 ? 1 : client::ProducerConfig{}.max_in_flight_per_partition;
}

client::ClientConfig ClientConfigFor(const CompareOptions& options) {
  client::ClientConfig config;
  config.bootstrap_servers = absl::StrCat(options.host, ":", options.port);
  config.client_id = "cairn-compare";
  return config;
}

class ProducerPipeline final : public Pipeline {
 public:
  ~ProducerPipeline() override {
    if (producer_ != nullptr) producer_->Close(std::chrono::seconds(10));
  }

  absl::Status Connect(const CompareOptions& options, int index) {
    topic_ = options.name;
    partition_ = index;
    client::ProducerConfig config;
    config.client = ClientConfigFor(options);
    config.linger_ms = LingerMs();
    config.max_in_flight_per_partition = MaxInFlight(options);
    config.batch_size = 1000000;  // as the librdkafka driver's batch.size
    // Never the limit: the runner's window is.
    config.buffer_memory = static_cast<size_t>(4 * options.window_bytes);
    absl::StatusOr<std::unique_ptr<client::Producer>> producer = client::Producer::Create(config);
    if (!producer.ok()) return producer.status();
    producer_ = *std::move(producer);
    // The client contacts the broker lazily: one record before the clock
    // starts connects, learns the leader and gets the producer id.
    absl::StatusOr<client::RecordMetadata> warm =
        producer_->Send(client::ProducerRecord{topic_, std::nullopt, std::string("warm-up"), {}, partition_, {}})
            .get();
    if (!warm.ok()) return warm.status();
    return absl::OkStatus();
  }

  absl::Status Send(uint64_t seq, std::string_view record) override {
    producer_->Send(client::ProducerRecord{topic_, std::nullopt, std::string(record), {}, partition_, {}},
                    [this, seq](absl::StatusOr<client::RecordMetadata> result) {
                      std::lock_guard lock(mu_);
                      if (result.ok()) {
                        acked_.push_back(seq);
                      } else if (error_.ok()) {
                        error_ = result.status();
                      }
                      ready_.notify_one();
                    });
    return absl::OkStatus();
  }

  absl::Status Flush() override { return absl::OkStatus(); }  // the io thread sends after linger.ms

  absl::Status Poll(int64_t timeout_us, const std::function<void(uint64_t)>& on_ack) override {
    std::vector<uint64_t> acked;
    absl::Status error;
    {
      std::unique_lock lock(mu_);
      ready_.wait_for(lock, std::chrono::microseconds(timeout_us), [this] { return !acked_.empty() || !error_.ok(); });
      acked.swap(acked_);
      error = error_;
    }
    for (uint64_t seq : acked) on_ack(seq);
    if (!error.ok()) return absl::Status(error.code(), absl::StrCat("delivery: ", error.message()));
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<client::Producer> producer_;
  std::string topic_;
  int32_t partition_ = 0;
  std::mutex mu_;
  std::condition_variable ready_;
  std::vector<uint64_t> acked_;  // guarded by mu_
  absl::Status error_;           // guarded by mu_; the first failed delivery
};

absl::Status Setup(const CompareOptions& options) {
  absl::StatusOr<std::unique_ptr<client::Admin>> admin = client::Admin::Create(ClientConfigFor(options));
  if (!admin.ok()) return admin.status();
  client::NewTopic topic;
  topic.name = options.name;
  topic.num_partitions = options.connections;
  return (*admin)->CreateTopic(std::move(topic)).get();
}

}  // namespace
}  // namespace cairn::bench::compare

int main(int argc, char** argv) {
  namespace compare = cairn::bench::compare;
  return compare::CompareMain(argc, argv, {"cairn", compare::Setup, compare::OpenConnected<compare::ProducerPipeline>});
}
