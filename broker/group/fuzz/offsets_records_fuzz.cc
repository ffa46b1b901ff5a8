// libFuzzer target for the decoders of __consumer_offsets records: whatever
// the bytes (a corrupt or foreign record replayed at start-up), decoding
// returns an error or a value, never crashes or allocates past the input. A
// record that decodes must encode back to a record that decodes to the same
// value. (Consumer-protocol subscriptions: proto/kafka/fuzz/consumer_protocol_fuzz.cc.)
#include <cstddef>
#include <cstdint>

#include "broker/group/offsets_records.h"
#include "common/check.h"

using namespace cairn::broker::group;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const cairn::ByteSpan bytes(data, size);
  if (auto key = DecodeRecordKey(bytes); key.ok()) {
    if (auto* offset = std::get_if<OffsetKey>(&*key)) {
      auto again = DecodeRecordKey(EncodeOffsetKey(*offset));
      CAIRN_CHECK(again.ok() && std::get<OffsetKey>(*again) == *offset);
    }
  }
  if (auto value = DecodeOffsetValue(bytes); value.ok()) {
    auto again = DecodeOffsetValue(EncodeOffsetValue(*value));
    CAIRN_CHECK(again.ok() && again->offset == value->offset && again->metadata == value->metadata);
  }
  if (auto group = DecodeGroupValue(bytes); group.ok()) {
    auto again = DecodeGroupValue(EncodeGroupValue(*group));
    CAIRN_CHECK(again.ok() && again->members.size() == group->members.size());
  }
  return 0;
}
