// The records of __consumer_offsets, byte for byte in Kafka's own formats
// (its OffsetCommitKey/Value and GroupMetadataKey/Value schemas), so that
// tools reading the topic (Burrow, kafka-console-consumer's formatters) work.
// Every field is big-endian; strings are int16 length + bytes, nullable
// strings use length -1, bytes are int32 length + bytes.
//
//   key version 0/1: group string, topic string, partition int32  → offset commit
//   key version 2:   group string                                  → group metadata
//   offset value v0: offset int64, metadata string, commit_timestamp int64
//                v1: offset, metadata, commit_timestamp, expire_timestamp int64
//                v2: offset, metadata, commit_timestamp
//                v3: offset, leader_epoch int32, metadata, commit_timestamp
//   group value v0..v3 (fields by version in GroupValue below).
//
// A null value is a tombstone: the offset or the group was deleted.
// docs/format/consumer-offsets.md has the full grammar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"

namespace cairn::broker::group {

struct OffsetKey {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  bool operator==(const OffsetKey&) const = default;
};

struct GroupKey {
  std::string group;
  bool operator==(const GroupKey&) const = default;
};

using RecordKey = std::variant<OffsetKey, GroupKey>;

struct OffsetValue {
  int64_t offset = -1;
  int32_t leader_epoch = -1;  // v3; -1 unknown
  std::string metadata;
  int64_t commit_timestamp = -1;
  int64_t expire_timestamp = -1;  // v1 only
  bool operator==(const OffsetValue&) const = default;
};

struct MemberValue {
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = -1;  // v1+ (v0: the session timeout)
  int32_t session_timeout_ms = 0;
  std::string subscription;  // the chosen protocol's metadata
  std::string assignment;
  bool operator==(const MemberValue&) const = default;
};

struct GroupValue {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t current_state_timestamp = -1;  // v2+; -1 unknown
  std::vector<MemberValue> members;
  bool operator==(const GroupValue&) const = default;
};

// Cairn writes key version 1 for offsets, 2 for groups, offset value v3, and
// group value v2 — v3 only when a member is static (v3 adds just the
// instance id, so older readers still decode the rest).
Buffer EncodeOffsetKey(const OffsetKey& key);
Buffer EncodeGroupKey(const GroupKey& key);
Buffer EncodeOffsetValue(const OffsetValue& value);
Buffer EncodeGroupValue(const GroupValue& value);

// Decoders accept every version listed above and reject unknown versions,
// truncated input, lying lengths and trailing bytes (InvalidArgument).
absl::StatusOr<RecordKey> DecodeRecordKey(ByteSpan bytes);
absl::StatusOr<OffsetValue> DecodeOffsetValue(ByteSpan bytes);
absl::StatusOr<GroupValue> DecodeGroupValue(ByteSpan bytes);

}  // namespace cairn::broker::group
