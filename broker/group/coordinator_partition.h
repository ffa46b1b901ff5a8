// Which __consumer_offsets partition holds a group, chosen exactly as Kafka
// chooses it (abs(Java String.hashCode(group)) mod partition count), so a
// group lands on the same partition number as in Kafka.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn::broker::group {

// Java's String.hashCode over the group id's UTF-16 code units (the id is
// UTF-8 here; the decoder guarantees valid UTF-8).
int32_t JavaStringHash(std::string_view utf8);

int32_t CoordinatorPartitionFor(std::string_view group, int32_t partition_count);

}  // namespace cairn::broker::group
