// libFuzzer target for the consumer protocol decoders (JoinGroup member
// metadata and SyncGroup assignments, which the coordinator and every group
// leader read from other clients): whatever the bytes, decoding returns an
// error or a value, never crashes or allocates past the input. A value that
// decodes must encode (in its version, capped at ours) to bytes that decode to
// the same value.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "common/check.h"
#include "proto/kafka/consumer_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn::kafka;
  const cairn::ByteSpan input(data, size);
  int16_t version = -1;
  if (auto subscription = DecodeConsumerSubscription(input, &version); subscription.ok()) {
    const int16_t ours = std::min(version, kConsumerProtocolMaxVersion);
    auto again = DecodeConsumerSubscription(EncodeConsumerSubscription(*subscription, ours));
    CAIRN_CHECK(again.ok()) << again.status();
    CAIRN_CHECK(*again == *subscription) << "subscription v" << version << " does not round-trip";
  }
  if (auto assignment = DecodeConsumerAssignment(input, &version); assignment.ok()) {
    const int16_t ours = std::min(version, kConsumerProtocolMaxVersion);
    auto again = DecodeConsumerAssignment(EncodeConsumerAssignment(*assignment, ours));
    CAIRN_CHECK(again.ok()) << again.status();
    CAIRN_CHECK(*again == *assignment) << "assignment v" << version << " does not round-trip";
  }
  return 0;
}
