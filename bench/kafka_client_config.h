// librdkafka configuration for the benchmark's clients: a list of
// librdkafka property settings turned into an rd_kafka_conf_t, and the
// client handle created from it.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn::bench {

// librdkafka properties in order; a later setting of a key wins.
using KafkaSettings = std::vector<std::pair<std::string, std::string>>;

// A new client of `type` with `settings` applied. `configure` may install
// callbacks and an opaque on the conf before the client takes it over.
absl::StatusOr<rd_kafka_t*> NewKafkaClient(rd_kafka_type_t type, const KafkaSettings& settings,
                                           void (*configure)(rd_kafka_conf_t*, void*) = nullptr,
                                           void* configure_arg = nullptr);

}  // namespace cairn::bench
