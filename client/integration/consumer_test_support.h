// Helpers of the Consumer's integration tests: consumers on a test cairnd,
// polling until a count, and records produced at known partitions.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/consumer.h"
#include "client/integration/test_support.h"
#include "client/producer.h"
#include "doctest/doctest.h"

namespace cairn::client::testing {

inline ConsumerConfig ConsumerConfigFor(const CairndProcess& broker, const std::string& group = "") {
  ConsumerConfig config;
  config.bootstrap_servers = broker.bootstrap();
  config.client_id = "cairn-consumer-it";
  config.group_id = group;
  config.auto_offset_reset = "earliest";
  config.session_timeout_ms = 10000;
  config.heartbeat_interval_ms = 500;
  config.fetch_max_wait_ms = 100;
  return config;
}

inline std::unique_ptr<Consumer> MakeConsumer(ConsumerConfig config) {
  auto consumer = Consumer::Create(std::move(config));
  CAIRN_CHECK(consumer.ok()) << consumer.status();
  return std::move(*consumer);
}

// Polls until `count` records arrived (fails the test after `limit`).
inline std::vector<ConsumerRecord> PollUntil(Consumer& consumer, size_t count,
                                             std::chrono::seconds limit = std::chrono::seconds(30)) {
  std::vector<ConsumerRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto polled = consumer.Poll(std::chrono::milliseconds(100));
    REQUIRE_MESSAGE(polled.ok(), polled.status().ToString());
    for (auto& r : *polled) out.push_back(std::move(r));
  }
  return out;
}

// Sends `count` records "v<i>" to partition i % partitions and waits.
inline void ProduceSpread(const CairndProcess& broker, const std::string& topic, int partitions, int first,
                          int count, int64_t timestamp_ms = -1) {
  ProducerConfig config;
  config.client = ConfigFor(broker);
  auto producer = Producer::Create(config);
  CAIRN_CHECK(producer.ok()) << producer.status();
  for (int i = first; i < first + count; ++i) {
    ProducerRecord r;
    r.topic = topic;
    r.partition = i % partitions;
    r.key = "k" + std::to_string(i);
    r.value = "v" + std::to_string(i);
    if (timestamp_ms >= 0) r.timestamp_ms = timestamp_ms;
    (*producer)->Send(std::move(r), [](absl::StatusOr<RecordMetadata> m) { CAIRN_CHECK(m.ok()) << m.status(); });
  }
  CAIRN_CHECK((*producer)->Flush(std::chrono::seconds(60)).ok());
  (*producer)->Close(std::chrono::seconds(5));
}

// The values read per partition, in the order read.
inline std::map<int32_t, std::vector<std::string>> ValuesByPartition(const std::vector<ConsumerRecord>& records) {
  std::map<int32_t, std::vector<std::string>> out;
  for (const auto& r : records) out[r.partition].push_back(r.value.value_or("<null>"));
  return out;
}

}  // namespace cairn::client::testing
