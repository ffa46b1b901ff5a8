// The topics in a "consumer" protocol member's subscription metadata
// (Kafka's ConsumerProtocolSubscription, any version: version int16, then
// topics as an int32 count of int16-length strings; later fields are
// ignored). The coordinator needs them only for OffsetDelete, which refuses
// to delete offsets of topics an active group still subscribes to.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/bytes.h"

namespace cairn::broker::group {

absl::StatusOr<std::vector<std::string>> SubscribedTopics(ByteSpan subscription);

}  // namespace cairn::broker::group
