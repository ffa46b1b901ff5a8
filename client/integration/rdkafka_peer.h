// librdkafka as the reference peer in the integration tests: produce, consume
// and partition exactly as a stock Kafka client does.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/record_batch.h"

typedef struct rd_kafka_s rd_kafka_t;

namespace cairn::client::testing {

struct PeerRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<RecordHeader> headers;
  bool operator==(const PeerRecord&) const = default;
};

// Reads `expected` records from partitions 0..partition_count-1 of `topic`
// (from the beginning, no group), then 300 ms more to catch extras.
// Sorted by (partition, offset).
std::vector<PeerRecord> ConsumeAll(const std::string& bootstrap, const std::string& topic, int partition_count,
                                   size_t expected);

// Produces `records` (partition -1: librdkafka's partitioner, murmur2_random)
// with `compression` ("none", "zstd", "lz4"), waits for every delivery report
// and returns the records with the partition and offset librdkafka got.
std::vector<PeerRecord> ProduceWithRdkafka(const std::string& bootstrap, const std::string& topic,
                                           std::vector<PeerRecord> records, const std::string& compression);

// librdkafka's murmur2_random choice for a non-empty key.
int32_t RdkafkaMurmur2Partition(const std::string& key, int32_t partition_count);

// A consumer group member (librdkafka high-level consumer, range assignor).
class RdkafkaGroupMember {
 public:
  RdkafkaGroupMember(const std::string& bootstrap, const std::string& group, const std::string& client_id,
                     const std::string& topic);
  ~RdkafkaGroupMember();
  // Polls until `count` records arrived (CHECK-fails after 60 s).
  std::vector<PeerRecord> Poll(size_t count);
  // Polls for `duration` and returns whatever arrived (possibly nothing).
  std::vector<PeerRecord> PollFor(std::chrono::milliseconds duration);
  // The partitions librdkafka currently has assigned.
  std::vector<int32_t> AssignedPartitions();
  // Commits the positions of what Poll returned, synchronously.
  void Commit();
  // Leaves the group.
  void Close();

 private:
  rd_kafka_t* rk_ = nullptr;
  bool closed_ = false;
};

}  // namespace cairn::client::testing
