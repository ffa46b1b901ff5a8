// The Admin client: topics (create, delete, list, describe, add partitions),
// topic configs (describe, incremental alter), consumer groups (list,
// describe, delete, committed offsets, lag) and partition offsets.
// docs/client.md.
//
// Threading: every method may be called from any application thread; results
// come back as futures fulfilled on the client's io thread. Kafka errors are
// Statuses named after the Kafka error (see kafka_error.h). Retriable errors
// (NOT_CONTROLLER, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
// REQUEST_TIMED_OUT, a lost connection...) are retried with backoff until
// default.api.timeout.ms after the call (admin_retry.h); the caller sees
// other errors, or the last one at that deadline.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/admin_types.h"
#include "client/config.h"
#include "common/topic_partition.h"

namespace cairn::client {

class ClientCore;

class Admin {
 public:
  static absl::StatusOr<std::unique_ptr<Admin>> Create(const ClientConfig& config);
  ~Admin();
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  std::future<absl::Status> CreateTopic(NewTopic topic, bool validate_only = false);
  std::future<absl::Status> DeleteTopic(std::string name);
  // Every topic the cluster has, internal ones included, sorted by name.
  std::future<absl::StatusOr<std::vector<TopicDescription>>> ListTopics();
  std::future<absl::StatusOr<TopicDescription>> DescribeTopic(std::string name);
  // Grows `topic` to `total_partitions` partitions (Kafka cannot shrink).
  std::future<absl::Status> CreatePartitions(std::string topic, int32_t total_partitions);

  std::future<absl::StatusOr<std::vector<ConfigEntry>>> DescribeTopicConfig(std::string topic);
  std::future<absl::Status> AlterTopicConfig(std::string topic, std::vector<ConfigChange> changes);

  std::future<absl::StatusOr<std::vector<GroupListing>>> ListGroups();
  std::future<absl::StatusOr<GroupDescription>> DescribeGroup(std::string group);
  std::future<absl::Status> DeleteGroup(std::string group);
  // The group's committed offsets, every partition it committed for.
  std::future<absl::StatusOr<std::vector<PartitionOffset>>> ListGroupOffsets(std::string group);
  // Per partition with a committed offset: committed, log end and lag.
  std::future<absl::StatusOr<std::vector<PartitionLag>>> GroupLag(std::string group);
  // Sets the group's committed offsets (Kafka's alterConsumerGroupOffsets):
  // an OffsetCommit with generation -1 and no member id, which the
  // coordinator accepts only while the group has no members (an active group
  // answers UNKNOWN_MEMBER_ID or similar). The first partition error fails
  // the call.
  std::future<absl::Status> AlterGroupOffsets(std::string group, std::vector<PartitionOffset> offsets);

  // The earliest or latest offset of each partition, asked of its leader.
  std::future<absl::StatusOr<std::vector<PartitionOffset>>> ListOffsets(std::vector<TopicPartition> partitions,
                                                                         OffsetSpec spec);
  // Per partition, the first offset whose record timestamp is at least
  // `timestamp_ms` (ListOffsets by time, Kafka's OffsetSpec.forTimestamp),
  // or -1 when no record is that recent.
  std::future<absl::StatusOr<std::vector<PartitionOffset>>> ListOffsetsForTimestamp(
      std::vector<TopicPartition> partitions, int64_t timestamp_ms);

 private:
  explicit Admin(std::unique_ptr<ClientCore> core);
  std::unique_ptr<ClientCore> core_;
};

}  // namespace cairn::client
