// Topic metadata as the broker serves it, and the commands that change it.
//
// The cluster metadata lives in the controller's Raft log (DESIGN.md §5,
// controller/metadata_controller.h); a single node is a quorum of one. The
// broker never edits it: TopicStore validates a client's command with the
// broker's rules (names, defaults, config keys and values), submits it to the
// active controller, and answers once the controller has applied it and this
// broker has published the result to every shard (MetadataPublisher) — so the
// client's next request, on any shard, sees its change.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cairn/controller_rpc.pb.h"
#include "common/server_config.h"
#include "common/topic_partition.h"
#include "controller/metadata/metadata_image.h"

namespace cairn::controller {
class MetadataController;
}

namespace cairn::broker {

class MetadataPublisher;

using TopicId = std::array<uint8_t, 16>;

struct TopicInfo {
  std::string name;
  TopicId id{};  // random, never all zero
  int32_t partitions = 0;
  int16_t replication_factor = 0;
  // Topic config overrides only, as the client wrote the values; every other
  // key falls back to the broker default (broker/topic_config.h).
  std::map<std::string, std::string> configs;
  // Created by the broker (__consumer_offsets), shown as is_internal in Metadata.
  bool internal = false;

  bool operator==(const TopicInfo&) const = default;
};

// One published state of every topic, derived from one controller image.
// Immutable once published: readers keep their shared_ptr and never see a
// later change.
struct TopicImage {
  // The metadata log index the image was derived at (0: nothing applied).
  uint64_t version = 0;
  std::map<std::string, TopicInfo, std::less<>> topics;
  // The controller image it came from: brokers, replicas, leaders, ISRs.
  std::shared_ptr<const controller::metadata::MetadataImage> cluster =
      std::make_shared<controller::metadata::MetadataImage>();
  // This broker's id: the partitions it hosts are those it is a replica of.
  int32_t node_id = 0;

  const TopicInfo* Find(std::string_view name) const;
  // The partition's state in the cluster, or null.
  const controller::metadata::PartitionInfo* Partition(const TopicPartition& tp) const;
  // Whether this broker keeps a log for the partition.
  bool Hosts(const TopicPartition& tp) const;
  // Whether this broker is the partition's leader: only the leader takes
  // produce and serves fetches (others answer NOT_LEADER_OR_FOLLOWER).
  bool Leads(const TopicPartition& tp) const;
};

// The broker's view of `cluster` as of log index `version`.
std::shared_ptr<const TopicImage> MakeTopicImage(std::shared_ptr<const controller::metadata::MetadataImage> cluster,
                                                 uint64_t version, int32_t node_id);

// An IncrementalAlterConfigs operation (Kafka's AlterConfigOp: SET 0,
// DELETE 1, APPEND 2, SUBTRACT 3). APPEND and SUBTRACT apply to list configs
// (cleanup.policy) only, starting from the override or else the default.
struct ConfigChange {
  enum class Op : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };
  std::string key;
  Op op = Op::kSet;
  std::string value;  // ignored by kDelete
};

struct TopicCreation {
  std::string name;
  int32_t partitions = -1;          // -1: num.partitions
  int16_t replication_factor = -1;  // -1: default.replication.factor
  std::map<std::string, std::string> configs;
  // One of the broker's own topics (__consumer_offsets): reserved names are
  // allowed and the topic is marked internal.
  bool internal = false;
};

inline constexpr int32_t kMaxPartitionsPerTopic = 100000;

// Every failure carries an ErrorReason (common/error_reason.h) and a message
// worded like Kafka's, for the response's error_message. A command whose
// outcome is unknown (the controller was lost mid-command) is kRequestTimedOut-
// like Unavailable / DeadlineExceeded. Shard 0 only; callbacks run there.
class TopicStore {
 public:
  template <typename T>
  using Done = absl::AnyInvocable<void(T) &&>;

  TopicStore(controller::MetadataController& controller, MetadataPublisher& publisher, const ServerConfig& defaults);

  // Creates a topic (CreateTopics, auto-creation, the broker's own topics).
  // Errors: kInvalidTopic (bad or reserved name, or one that collides with an
  // existing topic once '.' and '_' are treated alike), kTopicAlreadyExists,
  // kInvalidPartitions (< 1 or > kMaxPartitionsPerTopic),
  // kInvalidReplicationFactor (< 1, or more than the live brokers),
  // kInvalidConfig (naming the key). validate_only checks and changes nothing
  // (the id of the returned topic is then zero).
  void CreateTopic(const TopicCreation& creation, bool validate_only, Done<absl::StatusOr<TopicInfo>> done);
  // kUnknownTopicOrPartition, or kPolicyViolation for an internal topic.
  void DeleteTopic(const std::string& name, Done<absl::Status> done);
  // Grows a topic to new_total partitions. kInvalidPartitions when new_total
  // is not larger or exceeds kMaxPartitionsPerTopic; kUnknownTopicOrPartition;
  // kPolicyViolation for an internal topic.
  void CreatePartitions(const std::string& name, int32_t new_total, bool validate_only, Done<absl::Status> done);
  // Applies every change or none. kUnknownTopicOrPartition, kInvalidConfig
  // (unknown key, bad value, APPEND/SUBTRACT on a non-list key), kInvalidRequest
  // (the same key twice). With `replace` (legacy AlterConfigs) the changes
  // apply to no overrides at all, so every key they do not set returns to its
  // default.
  void AlterConfigs(const std::string& name, const std::vector<ConfigChange>& changes, bool replace,
                    bool validate_only, Done<absl::Status> done);

  // The newest image published to the shards; never null.
  std::shared_ptr<const TopicImage> Image() const;

 private:
  TopicId NewTopicId();
  // Submits `request` to the active controller and answers `done` with its
  // status once its effect is published on this broker.
  void Submit(controllerpb::ControllerRequest request, Done<absl::Status> done);

  controller::MetadataController& controller_;
  MetadataPublisher& publisher_;
  const ServerConfig defaults_;
  std::mt19937_64 random_;
};

}  // namespace cairn::broker
