// Topic creation for the benchmark, through the Kafka CreateTopics API
// (librdkafka's admin client), so the run does not depend on
// auto-creation or num.partitions.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace cairn::bench {

// Creates `topic` with `partitions` partitions and replication factor 1 and
// waits (up to 30 s) for the answer.
absl::Status CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions);

}  // namespace cairn::bench
