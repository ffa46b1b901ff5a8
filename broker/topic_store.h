// Topic metadata (names, ids, partition counts, config overrides) and the
// interface that changes it. The single-node broker persists it in one local
// file (LocalTopicStore); the Raft controller (DESIGN.md §5) will implement the
// same interface over its metadata log.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/topic_partition.h"
#include "absl/status/statusor.h"
#include "common/server_config.h"
#include "io/file.h"

namespace cairn::broker {

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

// One published state of every topic. Immutable once published: readers keep
// their shared_ptr and never see a later mutation.
struct TopicImage {
  uint64_t version = 0;
  std::map<std::string, TopicInfo, std::less<>> topics;

  const TopicInfo* Find(std::string_view name) const;
};

// An IncrementalAlterConfigs operation (Kafka's AlterConfigOp: SET 0,
// DELETE 1, APPEND 2, SUBTRACT 3). APPEND and SUBTRACT apply to list configs
// (cleanup.policy) only, starting from the override or else the default.
struct ConfigChange {
  enum class Op : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };
  std::string key;
  Op op = Op::kSet;
  std::string value;  // ignored by kDelete
};

inline constexpr int32_t kMaxPartitionsPerTopic = 100000;

// Every failure carries an ErrorReason (common/error_reason.h) and a message
// worded like Kafka's, for the response's error_message. Mutations block on
// disk I/O: call them from an admin thread, never from a shard's event loop.
// Implementations are thread-safe.
class TopicStore {
 public:
  virtual ~TopicStore() = default;

  // Creates a topic as a client asked (CreateTopics). partitions -1 means
  // num.partitions, replication_factor -1 default.replication.factor.
  // Errors: kInvalidTopic (bad or reserved name, or one that collides with an
  // existing topic once '.' and '_' are treated alike), kTopicAlreadyExists,
  // kInvalidPartitions (< 1 or > kMaxPartitionsPerTopic),
  // kInvalidReplicationFactor (< 1, or more than the live brokers),
  // kInvalidConfig (naming the key). validate_only checks and changes nothing.
  virtual absl::StatusOr<TopicInfo> CreateTopic(const std::string& name, int32_t partitions,
                                                int16_t replication_factor,
                                                const std::map<std::string, std::string>& configs,
                                                bool validate_only) = 0;
  // Creates one of the broker's own topics (IsReservedTopicName names allowed),
  // marked internal; otherwise as CreateTopic.
  virtual absl::StatusOr<TopicInfo> CreateInternalTopic(const std::string& name, int32_t partitions,
                                                        int16_t replication_factor,
                                                        const std::map<std::string, std::string>& configs) = 0;
  // kUnknownTopicOrPartition, or kPolicyViolation for an internal topic.
  virtual absl::Status DeleteTopic(const std::string& name) = 0;
  // Grows a topic to new_total partitions. kInvalidPartitions when new_total
  // is not larger ("The topic t currently has 3 partition(s); 2 would not be
  // an increase.") or exceeds kMaxPartitionsPerTopic; kUnknownTopicOrPartition;
  // kPolicyViolation for an internal topic.
  virtual absl::Status CreatePartitions(const std::string& name, int32_t new_total, bool validate_only) = 0;
  // Applies every change or none. kUnknownTopicOrPartition, kInvalidConfig
  // (unknown key, bad value, APPEND/SUBTRACT on a non-list key), kInvalidRequest
  // (the same key twice).
  virtual absl::Status IncrementalAlterConfigs(const std::string& name, const std::vector<ConfigChange>& changes,
                                               bool validate_only) = 0;
  // The current image; never null.
  virtual std::shared_ptr<const TopicImage> Image() const = 0;
};

// The file (docs in Open): "CRNM" | crc32c u32 (big-endian) of the payload |
// payload = cairn.metadata.TopicStoreSnapshot (proto/cairn/metadata.proto).
// Each mutation rewrites the whole file with FileSystem::WriteFileAtomically,
// so a crash leaves the old or the new snapshot, never a mix.
class LocalTopicStore final : public TopicStore {
 public:
  static constexpr std::array<uint8_t, 4> kMagic = {'C', 'R', 'N', 'M'};
  static constexpr size_t kHeaderBytes = 8;

  // Loads the snapshot at `path`; a missing file is an empty store at version
  // 0 (nothing is written until the first mutation); its directory must
  // exist. A damaged file is DataLoss naming it. `defaults` supplies num.partitions,
  // default.replication.factor and the config defaults APPEND starts from.
  static absl::StatusOr<std::unique_ptr<LocalTopicStore>> Open(io::FileSystem* fs, std::string path,
                                                               const ServerConfig& defaults);

  absl::StatusOr<TopicInfo> CreateTopic(const std::string& name, int32_t partitions, int16_t replication_factor,
                                        const std::map<std::string, std::string>& configs,
                                        bool validate_only) override;
  absl::StatusOr<TopicInfo> CreateInternalTopic(const std::string& name, int32_t partitions,
                                                int16_t replication_factor,
                                                const std::map<std::string, std::string>& configs) override;
  absl::Status DeleteTopic(const std::string& name) override;
  absl::Status CreatePartitions(const std::string& name, int32_t new_total, bool validate_only) override;
  absl::Status IncrementalAlterConfigs(const std::string& name, const std::vector<ConfigChange>& changes,
                                       bool validate_only) override;
  std::shared_ptr<const TopicImage> Image() const override;

  // Brokers a topic's replicas can be placed on: 1 for the single-node broker.
  static constexpr int32_t kLiveBrokers = 1;

 private:
  LocalTopicStore(io::FileSystem* fs, std::string path, const ServerConfig& defaults,
                  std::shared_ptr<const TopicImage> image);

  absl::StatusOr<TopicInfo> Create(const std::string& name, int32_t partitions, int16_t replication_factor,
                                   const std::map<std::string, std::string>& configs, bool validate_only,
                                   bool internal);
  // Persists `next` (its version one past the current) and publishes it.
  // Requires mutation_mutex_.
  absl::Status Commit(std::shared_ptr<TopicImage> next);
  TopicId NewTopicId(const TopicImage& image);

  io::FileSystem* const fs_;
  const std::string path_;
  const ServerConfig defaults_;

  // Held through a whole mutation (validation, fsync, publication), so
  // mutations apply one at a time; readers never take it.
  std::mutex mutation_mutex_;
  // Guards only the image_ pointer: Image() never waits for a disk write.
  mutable std::mutex image_mutex_;
  std::shared_ptr<const TopicImage> image_;
  std::mt19937_64 random_;  // guarded by mutation_mutex_
};

// The snapshot file's bytes for `image`, and back. Exposed for tests.
Buffer EncodeTopicSnapshot(const TopicImage& image);
absl::StatusOr<TopicImage> DecodeTopicSnapshot(ByteSpan bytes, std::string_view path);

}  // namespace cairn::broker
