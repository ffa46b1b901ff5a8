// The "consumer" embedded protocol that rides opaquely inside JoinGroup
// (member metadata) and SyncGroup (member assignment): Kafka's
// ConsumerProtocolSubscription and ConsumerProtocolAssignment, versions 0-3,
// byte layout in docs/client-groups.md. Neither is flexible: classic INT16
// strings, INT32 array counts, behind a leading INT16 version. The one codec
// of both the consumer (client/group) and the coordinator (broker/group).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"

namespace cairn::kafka {

// The protocol type every consumer puts in JoinGroup.
inline constexpr char kConsumerProtocolType[] = "consumer";

// The newest version we know. A newer peer's bytes are read as this version
// and the fields it appended are ignored (Kafka's rule for these messages:
// later versions only append fields).
inline constexpr int16_t kConsumerProtocolMaxVersion = 3;

// Partitions of one topic, as the consumer protocol groups them.
struct ConsumerProtocolTopicPartitions {
  std::string topic;
  std::vector<int32_t> partitions;

  bool operator==(const ConsumerProtocolTopicPartitions&) const = default;
};

// ConsumerProtocolSubscription. v1 adds owned_partitions (KIP-429), v2 the
// member's generation_id (KIP-792), v3 rack_id (KIP-881).
struct ConsumerProtocolSubscription {
  std::vector<std::string> topics;
  std::optional<Buffer> user_data;
  std::vector<ConsumerProtocolTopicPartitions> owned_partitions;  // v1+
  int32_t generation_id = -1;                             // v2+, -1: unknown
  std::optional<std::string> rack_id;                     // v3+

  bool operator==(const ConsumerProtocolSubscription&) const = default;
};

// ConsumerProtocolAssignment (v0-3 share one layout; v1 came with the
// cooperative protocol and added nothing to the bytes).
struct ConsumerProtocolAssignment {
  std::vector<ConsumerProtocolTopicPartitions> assigned_partitions;
  std::optional<Buffer> user_data;

  bool operator==(const ConsumerProtocolAssignment&) const = default;
};

// Fields that `version` lacks are not written. version must be 0..3.
Buffer EncodeConsumerSubscription(const ConsumerProtocolSubscription& subscription, int16_t version);
Buffer EncodeConsumerAssignment(const ConsumerProtocolAssignment& assignment, int16_t version);

// Never trust a length or a count (nothing is allocated beyond what the bytes
// left can hold). A negative version is an error; a version above
// kConsumerProtocolMaxVersion is decoded as the max version and its trailing
// bytes are ignored; for versions we know, trailing bytes are an error.
// `version_out`, when given, receives the version on the wire.
absl::StatusOr<ConsumerProtocolSubscription> DecodeConsumerSubscription(ByteSpan bytes, int16_t* version_out = nullptr);
absl::StatusOr<ConsumerProtocolAssignment> DecodeConsumerAssignment(ByteSpan bytes, int16_t* version_out = nullptr);

}  // namespace cairn::kafka
