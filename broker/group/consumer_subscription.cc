#include "broker/group/consumer_subscription.h"

#include "common/status_macros.h"
#include "proto/kafka/reader.h"

namespace cairn::broker::group {

absl::StatusOr<std::vector<std::string>> SubscribedTopics(ByteSpan subscription) {
  kafka::Reader r(subscription);
  int16_t version = 0;
  RETURN_IF_ERROR(r.ReadInt16(&version));
  int32_t count = 0;
  RETURN_IF_ERROR(r.ReadArrayLength(&count, /*compact=*/false, /*nullable=*/false));
  std::vector<std::string> topics(static_cast<size_t>(count));
  for (std::string& topic : topics) RETURN_IF_ERROR(r.ReadString(&topic, /*compact=*/false));
  return topics;
}

}  // namespace cairn::broker::group
