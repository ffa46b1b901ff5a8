// Topic names and the (topic, partition) pair, with Kafka's naming rules and
// the "<topic>-<partition>" directory name used under log.dirs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace cairn {

inline constexpr size_t kMaxTopicNameLength = 249;

// Kafka's rules: 1..249 characters of [a-zA-Z0-9._-], not "." or "..".
absl::Status ValidateTopicName(std::string_view name);

// Topic names reserved for the broker's own topics (__consumer_offsets,
// __transaction_state, __cluster_metadata): clients may not create them,
// delete them or change their partition count. Other names starting with
// "__" stay open to clients, as in Kafka (Debezium's __debezium-heartbeat.*).
bool IsReservedTopicName(std::string_view name);

// Kafka refuses a topic whose name differs from an existing one only by '.'
// versus '_' (both map to '_' in metric names): equal keys collide.
std::string TopicCollisionKey(std::string_view name);

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;

  bool operator==(const TopicPartition&) const = default;
  auto operator<=>(const TopicPartition&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const TopicPartition& tp) {
    return H::combine(std::move(h), tp.topic, tp.partition);
  }

  // "<topic>-<partition>"
  std::string DirectoryName() const;
  // Parses a directory name; the partition follows the last '-'.
  static std::optional<TopicPartition> FromDirectoryName(std::string_view name);
};

}  // namespace cairn
