// ApiVersions: the APIs and versions this broker serves. A request at a
// version we do not know is answered in v0 with UNSUPPORTED_VERSION plus our
// ranges, so the client retries with one we list (librdkafka tries v3 first).
#include "broker/api_table.h"
#include "broker/handlers/handler_util.h"
#include "proto/kafka/generated/api_versions.h"

namespace cairn::broker {

void HandleApiVersions(ShardContext&, Request request, Respond respond) {
  kafka::ApiVersionsResponse response;
  for (const ApiEntry& api : AdvertisedApis()) {
    kafka::ApiVersionsResponse::ApiVersion version;
    version.api_key = static_cast<int16_t>(api.key);
    version.min_version = api.min_version;
    version.max_version = api.max_version;
    response.api_keys.push_back(version);
  }
  const ApiEntry* self = FindApiEntry(static_cast<int16_t>(kafka::ApiKey::kApiVersions));
  if (request.version() > self->max_version || request.version() < self->min_version) {
    response.error_code = static_cast<int16_t>(KafkaError::kUnsupportedVersion);
    RespondWith(respond, response, 0);
    return;
  }
  kafka::ApiVersionsRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  RespondWith(respond, response, request.version());
}

}  // namespace cairn::broker
