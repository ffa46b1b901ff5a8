#include "client/group/consumer_protocol.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status_macros.h"
#include "proto/kafka/reader.h"
#include "proto/kafka/writer.h"

namespace cairn::client::group {
namespace {

constexpr bool kClassic = false;  // never compact: these messages are not flexible

void WriteTopicPartitions(kafka::Writer& w, const std::vector<TopicPartitions>& grouped) {
  w.WriteArrayLength(grouped.size(), kClassic);
  for (const TopicPartitions& tp : grouped) {
    w.WriteString(tp.topic, kClassic);
    w.WriteArrayLength(tp.partitions.size(), kClassic);
    for (int32_t p : tp.partitions) w.WriteInt32(p);
  }
}

absl::Status ReadTopicPartitions(kafka::Reader& r, std::vector<TopicPartitions>* out) {
  int32_t topics = 0;
  RETURN_IF_ERROR(r.ReadArrayLength(&topics, kClassic, /*nullable=*/false));
  out->resize(static_cast<size_t>(topics));
  for (TopicPartitions& tp : *out) {
    RETURN_IF_ERROR(r.ReadString(&tp.topic, kClassic));
    int32_t count = 0;
    RETURN_IF_ERROR(r.ReadArrayLength(&count, kClassic, /*nullable=*/false));
    // ReadArrayLength allows one byte per element; an INT32 takes four.
    if (static_cast<size_t>(count) * 4 > r.remaining()) {
      return absl::InvalidArgumentError(
          absl::StrCat("partition count ", count, " exceeds the ", r.remaining(), " bytes left"));
    }
    tp.partitions.resize(static_cast<size_t>(count));
    for (int32_t& p : tp.partitions) RETURN_IF_ERROR(r.ReadInt32(&p));
  }
  return absl::OkStatus();
}

// Reads the leading version: negative is an error, newer than ours is read
// as ours (fields are only ever appended).
absl::Status ReadVersion(kafka::Reader& r, int16_t* wire, int16_t* effective) {
  RETURN_IF_ERROR(r.ReadInt16(wire));
  if (*wire < 0) return absl::InvalidArgumentError(absl::StrCat("negative consumer protocol version ", *wire));
  *effective = std::min(*wire, kConsumerProtocolMaxVersion);
  return absl::OkStatus();
}

absl::Status Finish(const kafka::Reader& r, int16_t wire_version) {
  if (wire_version > kConsumerProtocolMaxVersion) return absl::OkStatus();
  return r.ExpectEnd();
}

absl::Status Decorate(const absl::Status& s, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", s.message()));
}

absl::Status DecodeSubscriptionInto(ByteSpan bytes, Subscription* out, int16_t* wire) {
  kafka::Reader r(bytes);
  int16_t version = 0;
  RETURN_IF_ERROR(ReadVersion(r, wire, &version));
  int32_t count = 0;
  RETURN_IF_ERROR(r.ReadArrayLength(&count, kClassic, /*nullable=*/false));
  out->topics.resize(static_cast<size_t>(count));
  for (std::string& topic : out->topics) RETURN_IF_ERROR(r.ReadString(&topic, kClassic));
  RETURN_IF_ERROR(r.ReadNullableBytes(&out->user_data, kClassic));
  if (version >= 1) RETURN_IF_ERROR(ReadTopicPartitions(r, &out->owned_partitions));
  if (version >= 2) RETURN_IF_ERROR(r.ReadInt32(&out->generation_id));
  if (version >= 3) RETURN_IF_ERROR(r.ReadNullableString(&out->rack_id, kClassic));
  return Finish(r, *wire);
}

absl::Status DecodeAssignmentInto(ByteSpan bytes, Assignment* out, int16_t* wire) {
  kafka::Reader r(bytes);
  int16_t version = 0;
  RETURN_IF_ERROR(ReadVersion(r, wire, &version));
  RETURN_IF_ERROR(ReadTopicPartitions(r, &out->assigned_partitions));
  RETURN_IF_ERROR(r.ReadNullableBytes(&out->user_data, kClassic));
  return Finish(r, *wire);
}

}  // namespace

Buffer EncodeSubscription(const Subscription& subscription, int16_t version) {
  CAIRN_CHECK(version >= 0 && version <= kConsumerProtocolMaxVersion) << "subscription version " << version;
  Buffer out;
  kafka::Writer w(out);
  w.WriteInt16(version);
  w.WriteArrayLength(subscription.topics.size(), kClassic);
  for (const std::string& topic : subscription.topics) w.WriteString(topic, kClassic);
  w.WriteNullableBytes(subscription.user_data, kClassic);
  if (version >= 1) WriteTopicPartitions(w, subscription.owned_partitions);
  if (version >= 2) w.WriteInt32(subscription.generation_id);
  if (version >= 3) w.WriteNullableString(subscription.rack_id, kClassic);
  return out;
}

Buffer EncodeAssignment(const Assignment& assignment, int16_t version) {
  CAIRN_CHECK(version >= 0 && version <= kConsumerProtocolMaxVersion) << "assignment version " << version;
  Buffer out;
  kafka::Writer w(out);
  w.WriteInt16(version);
  WriteTopicPartitions(w, assignment.assigned_partitions);
  w.WriteNullableBytes(assignment.user_data, kClassic);
  return out;
}

absl::StatusOr<Subscription> DecodeSubscription(ByteSpan bytes, int16_t* version_out) {
  Subscription subscription;
  int16_t wire = -1;
  if (absl::Status s = DecodeSubscriptionInto(bytes, &subscription, &wire); !s.ok()) {
    return Decorate(s, "ConsumerProtocolSubscription");
  }
  if (version_out != nullptr) *version_out = wire;
  return subscription;
}

absl::StatusOr<Assignment> DecodeAssignment(ByteSpan bytes, int16_t* version_out) {
  Assignment assignment;
  int16_t wire = -1;
  if (absl::Status s = DecodeAssignmentInto(bytes, &assignment, &wire); !s.ok()) {
    return Decorate(s, "ConsumerProtocolAssignment");
  }
  if (version_out != nullptr) *version_out = wire;
  return assignment;
}

std::vector<TopicPartition> Flatten(const std::vector<TopicPartitions>& grouped) {
  std::vector<TopicPartition> out;
  for (const TopicPartitions& tp : grouped) {
    for (int32_t p : tp.partitions) out.push_back({tp.topic, p});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<TopicPartitions> GroupByTopic(const std::vector<TopicPartition>& partitions) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const TopicPartition& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  std::vector<TopicPartitions> out;
  for (auto& [topic, list] : by_topic) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    out.push_back({topic, std::move(list)});
  }
  return out;
}

}  // namespace cairn::client::group
