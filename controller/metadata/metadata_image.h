// The cluster metadata as of some point in the controller's log: brokers,
// topics, partitions, config overrides and the producer-id high-water mark.
// Built only by replaying cairn.metadata_log.MetadataRecord in log order
// (DESIGN.md §5), so every node that applies the same records derives the
// same image. Records and replay rules: docs/format/metadata-records.md.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cairn/metadata_records.pb.h"

namespace cairn::controller::metadata {

using TopicUuid = std::array<uint8_t, 16>;
using Record = cairn::metadata_log::MetadataRecord;

inline constexpr int32_t kNoLeader = -1;

struct Endpoint {
  std::string name;
  std::string host;
  int32_t port = 0;
  bool operator==(const Endpoint&) const = default;
};

struct BrokerInfo {
  int32_t id = 0;
  int64_t epoch = 0;
  std::vector<Endpoint> endpoints;
  std::string incarnation_id;
  std::string rack;
  uint32_t max_partitions = 0;  // replicas it can host; 0: no limit
  bool fenced = true;
  bool operator==(const BrokerInfo&) const = default;
};

struct PartitionInfo {
  std::vector<int32_t> replicas;  // replicas[0] is the preferred leader
  std::vector<int32_t> isr;
  int32_t leader = kNoLeader;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
  bool operator==(const PartitionInfo&) const = default;
};

struct TopicMeta {
  std::string name;
  TopicUuid id{};
  bool internal = false;
  std::vector<PartitionInfo> partitions;  // indexed by partition number
  bool operator==(const TopicMeta&) const = default;
};

// (resource type as in ConfigResourceType, resource name) → key → value.
using ConfigKey = std::pair<int, std::string>;

struct MetadataImage {
  std::map<int32_t, BrokerInfo> brokers;
  std::map<std::string, TopicMeta, std::less<>> topics;
  std::map<TopicUuid, std::string> topic_names;  // id → name, for records that carry ids
  std::map<ConfigKey, std::map<std::string, std::string>> configs;
  // The largest broker epoch ever assigned: epochs are never reused, even by
  // another broker id, so the next registration gets this + 1.
  int64_t max_broker_epoch = 0;
  // The first producer id not yet handed out in any block.
  int64_t next_producer_id = 0;
  // How many records built this image.
  uint64_t records_applied = 0;

  bool operator==(const MetadataImage&) const = default;

  const TopicMeta* FindTopic(std::string_view name) const;
  const TopicMeta* FindTopic(const TopicUuid& id) const;
  const BrokerInfo* FindBroker(int32_t id) const;
  // Registered, unfenced broker ids, ascending.
  std::vector<int32_t> LiveBrokers() const;
  bool IsLive(int32_t broker_id) const;
  // The topic config overrides of `topic` (empty when none).
  const std::map<std::string, std::string>& TopicConfigs(std::string_view topic) const;
};

// Accumulates records on top of a base image and publishes the result.
// Replay validates each record against the state so far: a record that does
// not fit (a partition of an unknown topic, a replica that is not a
// registered broker, ...) is an InvalidArgument error that leaves
// the delta as it was before that record, never a crash — a bad log must not
// take the controller down with it.
class MetadataDelta {
 public:
  explicit MetadataDelta(std::shared_ptr<const MetadataImage> base);

  absl::Status Replay(const Record& record);
  absl::Status ReplayAll(const std::vector<Record>& records);
  // The state so far (what the next Replay validates against).
  const MetadataImage& Current() const { return next_; }
  std::shared_ptr<const MetadataImage> Apply() const;

 private:
  absl::Status ReplayOne(const Record& record);

  // A full copy of the base: simple and obviously correct; a per-topic
  // copy-on-write delta can replace it once images grow large.
  MetadataImage next_;
};

// Replays `records` from an empty image.
absl::StatusOr<std::shared_ptr<const MetadataImage>> ReplayFromEmpty(const std::vector<Record>& records);

// The image as a snapshot's bytes (cairn.metadata_log.ImageSnapshot), and
// back. Decoding replays the snapshot's records with every replay check, so a
// damaged snapshot is InvalidArgument, never a bad image.
std::string EncodeImageSnapshot(const MetadataImage& image);
absl::StatusOr<std::shared_ptr<const MetadataImage>> DecodeImageSnapshot(std::string_view bytes);

// Topic id bytes as carried in records, and back (nullopt-like error when the
// bytes are not 16 long or all zero).
std::string TopicIdBytes(const TopicUuid& id);
absl::StatusOr<TopicUuid> ParseTopicId(const std::string& bytes);

}  // namespace cairn::controller::metadata
