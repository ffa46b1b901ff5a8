// The controller's decisions (DESIGN.md §5): given the committed image and a
// command, the records to propose, validated against that image. Pure: no
// I/O, no clock reads (callers pass the time), no randomness (callers pass
// new topic ids). Nothing here changes the image; the driver proposes the
// records through Raft and replays them once committed (MetadataDelta).
//
// Errors meant for Kafka clients (topic commands) carry an ErrorReason and a
// message worded like Kafka's, as broker/topic_store.cc does.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/metadata/metadata_image.h"

namespace cairn::controller::metadata {

inline constexpr int64_t kProducerIdBlockSize = 1000;
inline constexpr int32_t kMaxPartitionsPerTopic = 100000;

struct CreateTopicCommand {
  std::string name;
  TopicUuid id{};  // chosen by the caller (random), never all zero
  int32_t partitions = 0;  // defaults already resolved by the caller
  int32_t replication_factor = 0;
  // Overrides, already validated by the caller (broker/topic_config.h owns
  // the key and value rules; the controller may not include broker/).
  std::map<std::string, std::string> configs;
  bool internal = false;
};

struct ConfigOp {
  std::string key;
  std::optional<std::string> value;  // nullopt deletes the override
};

struct RegisterBrokerCommand {
  int32_t broker_id = 0;
  std::vector<Endpoint> endpoints;
  std::string incarnation_id;
  std::string rack;
  uint32_t max_partitions = 0;  // 0: no limit
};

class ControllerStateMachine {
 public:
  // Topics. Replicas are placed round-robin over the live brokers (ascending
  // id), partition p of the topic starting at broker index (s + p) mod n,
  // where s is the number of partitions already in the cluster: leaders and
  // replicas of one topic spread evenly, and successive topics start on
  // different brokers instead of all leading from the lowest id.
  absl::StatusOr<std::vector<Record>> CreateTopic(const MetadataImage& image, const CreateTopicCommand& command) const;
  absl::StatusOr<std::vector<Record>> DeleteTopic(const MetadataImage& image, const std::string& name) const;
  absl::StatusOr<std::vector<Record>> CreatePartitions(const MetadataImage& image, const std::string& name,
                                                       int32_t new_total) const;
  // Topic config overrides: all ops or none.
  absl::StatusOr<std::vector<Record>> AlterTopicConfigs(const MetadataImage& image, const std::string& name,
                                                        const std::vector<ConfigOp>& ops) const;
  // One block of kProducerIdBlockSize ids for a registered, live broker: the
  // block is [image.next_producer_id, +kProducerIdBlockSize).
  absl::StatusOr<std::vector<Record>> AllocateProducerIds(const MetadataImage& image, int32_t broker_id,
                                                          int64_t broker_epoch) const;

  // Brokers. Registration assigns a new broker epoch (never reused), starts
  // the session at now_ms and unfences the broker; partitions left without a
  // leader whose ISR holds it get it as leader again.
  absl::StatusOr<std::vector<Record>> RegisterBroker(const MetadataImage& image, const RegisterBrokerCommand& command,
                                                     int64_t now_ms);
  // Extends the session. FailedPrecondition for an unknown broker, a stale
  // epoch, or a fenced broker (it must register again).
  absl::Status BrokerHeartbeat(const MetadataImage& image, int32_t broker_id, int64_t broker_epoch, int64_t now_ms);
  // Fences every live broker silent for session_timeout_ms or longer and
  // moves leadership off it: each partition it led gets the first live ISR
  // member as leader (kNoLeader when none), and it leaves every ISR it is in
  // unless it is the last member. A live broker this controller has never
  // heard from (it just took over) gets a full session from now_ms.
  std::vector<Record> FenceExpiredBrokers(const MetadataImage& image, int64_t now_ms, int64_t session_timeout_ms);

 private:
  // Soft state, not in the log: a new controller starts every session afresh.
  std::map<int32_t, int64_t> last_heartbeat_ms_;
};

}  // namespace cairn::controller::metadata
