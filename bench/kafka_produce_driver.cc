// librdkafka producers driving the produce load (see kafka_produce_driver.h).
//
// Threading: one thread per producer instance. Delivery reports run inside
// rd_kafka_poll/rd_kafka_flush on that thread, so a producer's counters and
// histogram are its own; only the unacknowledged-bytes gauge is shared.
#include "bench/kafka_produce_driver.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace cairn::bench {
namespace {

uint64_t NowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

struct UnacknowledgedBytes {
  std::atomic<int64_t> now{0};
  std::atomic<int64_t> max{0};

  void Add(int64_t bytes) {
    const int64_t value = now.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    int64_t seen = max.load(std::memory_order_relaxed);
    while (value > seen && !max.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
  }
};

struct ProducerState {
  int64_t record_bytes = 0;
  UnacknowledgedBytes* unacknowledged = nullptr;
  LatencyHistogram latency;
  int64_t acknowledged = 0;
  int64_t failed = 0;
  std::string first_error;
  uint64_t last_report_ns = 0;
  absl::Status status;  // setup or produce() failure
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* state = static_cast<ProducerState*>(opaque);
  const uint64_t now = NowNs();
  // The record's opaque is its produce() time (see ProduceRecords): one
  // clock reading per record and no allocation.
  const auto sent_ns = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(message->_private));
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++state->acknowledged;
    state->latency.Record(now - sent_ns);
  } else {
    ++state->failed;
    if (state->first_error.empty()) state->first_error = rd_kafka_err2str(message->err);
  }
  state->unacknowledged->Add(-state->record_bytes);
  state->last_report_ns = now;
}

void InstallDeliveryReports(rd_kafka_conf_t* conf, void* state) {
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, state);
}

// Produces `records` records of `payload` from one client, starting at
// partition `first_partition`, once `start` opens; waits for every report.
absl::Status ProduceRecords(const ProduceLoad& load, int64_t records, int first_partition, const char* payload,
                            rd_kafka_t* client, std::latch& start) {
  rd_kafka_topic_t* topic = rd_kafka_topic_new(client, load.topic.c_str(), nullptr);
  // Connect and learn the leaders before the clock starts.
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t known = rd_kafka_metadata(client, 0, topic, &metadata, 10000);
  if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
  start.arrive_and_wait();
  if (known != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_topic_destroy(topic);
    return absl::UnavailableError(absl::StrCat("metadata of ", load.topic, ": ", rd_kafka_err2str(known)));
  }

  auto* state = static_cast<ProducerState*>(rd_kafka_opaque(client));
  const int64_t records_per_turn = std::max<int64_t>(1, load.bytes_per_partition_turn / load.record_bytes);
  absl::Status status;
  for (int64_t i = 0; i < records && status.ok(); ++i) {
    const auto partition = static_cast<int32_t>((i / records_per_turn + first_partition) % load.partitions);
    while (true) {
      // Flag 0: librdkafka neither copies nor frees the shared payload.
      void* sent = reinterpret_cast<void*>(static_cast<uintptr_t>(NowNs()));
      if (rd_kafka_produce(topic, partition, 0, const_cast<char*>(payload), static_cast<size_t>(load.record_bytes),
                           nullptr, 0, sent) == 0) {
        break;
      }
      const rd_kafka_resp_err_t error = rd_kafka_last_error();
      if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        status = absl::InternalError(absl::StrCat("produce: ", rd_kafka_err2str(error)));
        break;
      }
      rd_kafka_poll(client, 1);  // the local queue is full: serve reports until there is room
    }
    if (status.ok()) state->unacknowledged->Add(load.record_bytes);
    if (i % 1024 == 0) rd_kafka_poll(client, 0);
  }
  if (rd_kafka_flush(client, 300000) != RD_KAFKA_RESP_ERR_NO_ERROR && status.ok()) {
    status = absl::DeadlineExceededError("records still unacknowledged 300 s after the last produce()");
  }
  rd_kafka_topic_destroy(topic);
  return status;
}

}  // namespace

absl::StatusOr<ProduceResult> RunProduceLoad(const ProduceLoad& load) {
  std::vector<char> payload(static_cast<size_t>(load.record_bytes));
  std::mt19937_64 rng(11);
  for (char& c : payload) c = static_cast<char>(rng());  // incompressible

  UnacknowledgedBytes unacknowledged;
  std::vector<std::unique_ptr<ProducerState>> states;
  std::vector<rd_kafka_t*> clients;
  absl::Status status;
  for (int p = 0; p < load.producers && status.ok(); ++p) {
    states.push_back(std::make_unique<ProducerState>());
    states.back()->record_bytes = load.record_bytes;
    states.back()->unacknowledged = &unacknowledged;
    absl::StatusOr<rd_kafka_t*> client =
        NewKafkaClient(RD_KAFKA_PRODUCER, load.settings, InstallDeliveryReports, states.back().get());
    if (client.ok()) clients.push_back(*client);
    status = client.status();
  }
  if (!status.ok()) {
    for (rd_kafka_t* client : clients) rd_kafka_destroy(client);
    return status;
  }

  std::latch start(load.producers + 1);
  std::vector<std::thread> threads;
  for (int p = 0; p < load.producers; ++p) {
    const int64_t records = load.records / load.producers + (p < load.records % load.producers ? 1 : 0);
    threads.emplace_back(
        [&, p, records] { states[p]->status = ProduceRecords(load, records, p, payload.data(), clients[p], start); });
  }
  start.arrive_and_wait();
  const uint64_t start_ns = NowNs();
  for (std::thread& thread : threads) thread.join();
  for (rd_kafka_t* client : clients) rd_kafka_destroy(client);

  ProduceResult result;
  uint64_t end_ns = start_ns;
  for (const std::unique_ptr<ProducerState>& state : states) {
    if (!state->status.ok()) return state->status;
    result.records_acknowledged += state->acknowledged;
    result.records_failed += state->failed;
    if (result.first_error.empty()) result.first_error = state->first_error;
    result.latency.Merge(state->latency);
    end_ns = std::max(end_ns, state->last_report_ns);
  }
  result.seconds = static_cast<double>(end_ns - start_ns) / 1e9;
  result.max_unacknowledged_bytes = unacknowledged.max;
  return result;
}

}  // namespace cairn::bench
