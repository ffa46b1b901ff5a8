// The Producer's public value types: what an application sends and what it
// learns once a record is acknowledged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/record_batch.h"

namespace cairn::client {

struct ProducerRecord {
  std::string topic;
  std::optional<std::string> key;    // nullopt: no key (sticky partitioning)
  std::optional<std::string> value;  // nullopt: a tombstone
  std::vector<RecordHeader> headers;
  std::optional<int32_t> partition;     // nullopt: the default partitioner picks
  std::optional<int64_t> timestamp_ms;  // nullopt: now (CreateTime); negative: refused by Send
};

struct RecordMetadata {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;  // -1 with acks=0 (the broker does not say)
  int64_t timestamp_ms = -1;
};

// Runs on the client's io thread: keep it short and never block in it.
using DeliveryCallback = absl::AnyInvocable<void(absl::StatusOr<RecordMetadata>) &&>;

}  // namespace cairn::client
