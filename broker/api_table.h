// The Kafka APIs this broker answers, the version ranges it advertises in
// ApiVersions, and their handlers. Ranges follow
// ../shared/reference/kafka-protocol.md: every client flow's versions, v0
// minimums where librdkafka gates features on them, up to what the handlers
// fully implement.
#pragma once

#include <cstdint>
#include <span>

#include "broker/request.h"
#include "proto/kafka/generated/api.h"

namespace cairn::broker {

struct ApiEntry {
  kafka::ApiKey key;
  const char* name;
  int16_t min_version;
  int16_t max_version;
  Handler handler;
};

std::span<const ApiEntry> AdvertisedApis();
// nullptr when the broker does not serve this api key.
const ApiEntry* FindApiEntry(int16_t api_key);

}  // namespace cairn::broker
