#include "proto/kafka/consumer_protocol.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status_macros.h"
#include "proto/kafka/reader.h"
#include "proto/kafka/writer.h"

namespace cairn::kafka {
namespace {

constexpr bool kClassic = false;  // never compact: these messages are not flexible

// ReadArrayLength allows one byte per element; check the real minimum size
// of an element before resizing, so a lying count allocates nothing.
absl::Status CheckElements(const Reader& r, int32_t count, size_t min_element_bytes, absl::string_view what) {
  if (static_cast<size_t>(count) * min_element_bytes > r.remaining()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " count ", count, " exceeds the ", r.remaining(), " bytes left"));
  }
  return absl::OkStatus();
}

void WriteTopicPartitions(Writer& w, const std::vector<ConsumerProtocolTopicPartitions>& grouped) {
  w.WriteArrayLength(grouped.size(), kClassic);
  for (const ConsumerProtocolTopicPartitions& tp : grouped) {
    w.WriteString(tp.topic, kClassic);
    w.WriteArrayLength(tp.partitions.size(), kClassic);
    for (int32_t p : tp.partitions) w.WriteInt32(p);
  }
}

absl::Status ReadTopicPartitions(Reader& r, std::vector<ConsumerProtocolTopicPartitions>* out) {
  int32_t topics = 0;
  RETURN_IF_ERROR(r.ReadArrayLength(&topics, kClassic, /*nullable=*/false));
  // A topic takes at least a string length and a partition count.
  RETURN_IF_ERROR(CheckElements(r, topics, 2 + 4, "topic"));
  out->resize(static_cast<size_t>(topics));
  for (ConsumerProtocolTopicPartitions& tp : *out) {
    RETURN_IF_ERROR(r.ReadString(&tp.topic, kClassic));
    int32_t count = 0;
    RETURN_IF_ERROR(r.ReadArrayLength(&count, kClassic, /*nullable=*/false));
    RETURN_IF_ERROR(CheckElements(r, count, 4, "partition"));
    tp.partitions.resize(static_cast<size_t>(count));
    for (int32_t& p : tp.partitions) RETURN_IF_ERROR(r.ReadInt32(&p));
  }
  return absl::OkStatus();
}

// Reads the leading version: negative is an error, newer than ours is read
// as ours (fields are only ever appended).
absl::Status ReadVersion(Reader& r, int16_t* wire, int16_t* effective) {
  RETURN_IF_ERROR(r.ReadInt16(wire));
  if (*wire < 0) return absl::InvalidArgumentError(absl::StrCat("negative consumer protocol version ", *wire));
  *effective = std::min(*wire, kConsumerProtocolMaxVersion);
  return absl::OkStatus();
}

absl::Status Finish(const Reader& r, int16_t wire_version) {
  if (wire_version > kConsumerProtocolMaxVersion) return absl::OkStatus();
  return r.ExpectEnd();
}

absl::Status Decorate(const absl::Status& s, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", s.message()));
}

absl::Status DecodeSubscriptionInto(ByteSpan bytes, ConsumerProtocolSubscription* out, int16_t* wire) {
  Reader r(bytes);
  int16_t version = 0;
  RETURN_IF_ERROR(ReadVersion(r, wire, &version));
  int32_t count = 0;
  RETURN_IF_ERROR(r.ReadArrayLength(&count, kClassic, /*nullable=*/false));
  RETURN_IF_ERROR(CheckElements(r, count, 2, "topic"));  // each an INT16 length at least
  out->topics.resize(static_cast<size_t>(count));
  for (std::string& topic : out->topics) RETURN_IF_ERROR(r.ReadString(&topic, kClassic));
  RETURN_IF_ERROR(r.ReadNullableBytes(&out->user_data, kClassic));
  if (version >= 1) RETURN_IF_ERROR(ReadTopicPartitions(r, &out->owned_partitions));
  if (version >= 2) RETURN_IF_ERROR(r.ReadInt32(&out->generation_id));
  if (version >= 3) RETURN_IF_ERROR(r.ReadNullableString(&out->rack_id, kClassic));
  return Finish(r, *wire);
}

absl::Status DecodeAssignmentInto(ByteSpan bytes, ConsumerProtocolAssignment* out, int16_t* wire) {
  Reader r(bytes);
  int16_t version = 0;
  RETURN_IF_ERROR(ReadVersion(r, wire, &version));
  RETURN_IF_ERROR(ReadTopicPartitions(r, &out->assigned_partitions));
  RETURN_IF_ERROR(r.ReadNullableBytes(&out->user_data, kClassic));
  return Finish(r, *wire);
}

}  // namespace

Buffer EncodeConsumerSubscription(const ConsumerProtocolSubscription& subscription, int16_t version) {
  CAIRN_CHECK(version >= 0) << "subscription version " << version;
  CAIRN_CHECK(version <= kConsumerProtocolMaxVersion) << "subscription version " << version;
  Buffer out;
  Writer w(out);
  w.WriteInt16(version);
  w.WriteArrayLength(subscription.topics.size(), kClassic);
  for (const std::string& topic : subscription.topics) w.WriteString(topic, kClassic);
  w.WriteNullableBytes(subscription.user_data, kClassic);
  if (version >= 1) WriteTopicPartitions(w, subscription.owned_partitions);
  if (version >= 2) w.WriteInt32(subscription.generation_id);
  if (version >= 3) w.WriteNullableString(subscription.rack_id, kClassic);
  return out;
}

Buffer EncodeConsumerAssignment(const ConsumerProtocolAssignment& assignment, int16_t version) {
  CAIRN_CHECK(version >= 0) << "assignment version " << version;
  CAIRN_CHECK(version <= kConsumerProtocolMaxVersion) << "assignment version " << version;
  Buffer out;
  Writer w(out);
  w.WriteInt16(version);
  WriteTopicPartitions(w, assignment.assigned_partitions);
  w.WriteNullableBytes(assignment.user_data, kClassic);
  return out;
}

absl::StatusOr<ConsumerProtocolSubscription> DecodeConsumerSubscription(ByteSpan bytes, int16_t* version_out) {
  ConsumerProtocolSubscription subscription;
  int16_t wire = -1;
  if (absl::Status s = DecodeSubscriptionInto(bytes, &subscription, &wire); !s.ok()) {
    return Decorate(s, "ConsumerProtocolSubscription");
  }
  if (version_out != nullptr) *version_out = wire;
  return subscription;
}

absl::StatusOr<ConsumerProtocolAssignment> DecodeConsumerAssignment(ByteSpan bytes, int16_t* version_out) {
  ConsumerProtocolAssignment assignment;
  int16_t wire = -1;
  if (absl::Status s = DecodeAssignmentInto(bytes, &assignment, &wire); !s.ok()) {
    return Decorate(s, "ConsumerProtocolAssignment");
  }
  if (version_out != nullptr) *version_out = wire;
  return assignment;
}

}  // namespace cairn::kafka
