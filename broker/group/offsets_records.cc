#include "broker/group/offsets_records.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "proto/kafka/reader.h"
#include "proto/kafka/writer.h"

namespace cairn::broker::group {
namespace {

constexpr int16_t kOffsetKeyVersion = 1;
constexpr int16_t kGroupKeyVersion = 2;
constexpr int16_t kOffsetValueVersion = 3;
// v3 only adds the members' group.instance.id, so it is written only when a
// member is static: older readers then still decode the rest. v2 is the
// oldest that keeps when the group became empty (offset retention, KIP-211).
constexpr int16_t kGroupValueVersion = 2;
constexpr int16_t kStaticGroupValueVersion = 3;

// These formats predate flexible versions: never compact.
constexpr bool kNotCompact = false;

absl::Status ReadBytesAsString(kafka::Reader& r, std::string* out) {
  Buffer bytes;
  RETURN_IF_ERROR(r.ReadBytes(&bytes, kNotCompact));
  out->assign(bytes.begin(), bytes.end());
  return absl::OkStatus();
}

ByteSpan AsBytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

absl::Status UnknownVersion(const char* what, int16_t version) {
  return absl::InvalidArgumentError(absl::StrCat("unknown ", what, " version ", version));
}

absl::Status ReadMember(kafka::Reader& r, int16_t version, MemberValue* m) {
  RETURN_IF_ERROR(r.ReadString(&m->member_id, kNotCompact));
  if (version >= 3) RETURN_IF_ERROR(r.ReadNullableString(&m->group_instance_id, kNotCompact));
  RETURN_IF_ERROR(r.ReadString(&m->client_id, kNotCompact));
  RETURN_IF_ERROR(r.ReadString(&m->client_host, kNotCompact));
  if (version >= 1) RETURN_IF_ERROR(r.ReadInt32(&m->rebalance_timeout_ms));
  RETURN_IF_ERROR(r.ReadInt32(&m->session_timeout_ms));
  if (version == 0) m->rebalance_timeout_ms = m->session_timeout_ms;
  RETURN_IF_ERROR(ReadBytesAsString(r, &m->subscription));
  return ReadBytesAsString(r, &m->assignment);
}

}  // namespace

Buffer EncodeOffsetKey(const OffsetKey& key) {
  Buffer out;
  kafka::Writer w(out);
  w.WriteInt16(kOffsetKeyVersion);
  w.WriteString(key.group, kNotCompact);
  w.WriteString(key.topic, kNotCompact);
  w.WriteInt32(key.partition);
  return out;
}

Buffer EncodeGroupKey(const GroupKey& key) {
  Buffer out;
  kafka::Writer w(out);
  w.WriteInt16(kGroupKeyVersion);
  w.WriteString(key.group, kNotCompact);
  return out;
}

Buffer EncodeOffsetValue(const OffsetValue& value) {
  Buffer out;
  kafka::Writer w(out);
  w.WriteInt16(kOffsetValueVersion);
  w.WriteInt64(value.offset);
  w.WriteInt32(value.leader_epoch);
  w.WriteString(value.metadata, kNotCompact);
  w.WriteInt64(value.commit_timestamp);
  return out;
}

Buffer EncodeGroupValue(const GroupValue& value) {
  Buffer out;
  kafka::Writer w(out);
  bool any_static = false;
  for (const MemberValue& m : value.members) any_static |= m.group_instance_id.has_value();
  const int16_t version = any_static ? kStaticGroupValueVersion : kGroupValueVersion;
  w.WriteInt16(version);
  w.WriteString(value.protocol_type, kNotCompact);
  w.WriteInt32(value.generation);
  w.WriteNullableString(value.protocol, kNotCompact);
  w.WriteNullableString(value.leader, kNotCompact);
  w.WriteInt64(value.current_state_timestamp);
  w.WriteArrayLength(value.members.size(), kNotCompact);
  for (const MemberValue& m : value.members) {
    w.WriteString(m.member_id, kNotCompact);
    if (version >= 3) w.WriteNullableString(m.group_instance_id, kNotCompact);
    w.WriteString(m.client_id, kNotCompact);
    w.WriteString(m.client_host, kNotCompact);
    w.WriteInt32(m.rebalance_timeout_ms);
    w.WriteInt32(m.session_timeout_ms);
    w.WriteBytes(AsBytes(m.subscription), kNotCompact);
    w.WriteBytes(AsBytes(m.assignment), kNotCompact);
  }
  return out;
}

absl::StatusOr<RecordKey> DecodeRecordKey(ByteSpan bytes) {
  kafka::Reader r(bytes);
  int16_t version = 0;
  RETURN_IF_ERROR(r.ReadInt16(&version));
  if (version == 0 || version == 1) {
    OffsetKey key;
    RETURN_IF_ERROR(r.ReadString(&key.group, kNotCompact));
    RETURN_IF_ERROR(r.ReadString(&key.topic, kNotCompact));
    RETURN_IF_ERROR(r.ReadInt32(&key.partition));
    RETURN_IF_ERROR(r.ExpectEnd());
    return key;
  }
  if (version == 2) {
    GroupKey key;
    RETURN_IF_ERROR(r.ReadString(&key.group, kNotCompact));
    RETURN_IF_ERROR(r.ExpectEnd());
    return key;
  }
  return UnknownVersion("__consumer_offsets key", version);
}

absl::StatusOr<OffsetValue> DecodeOffsetValue(ByteSpan bytes) {
  kafka::Reader r(bytes);
  int16_t version = 0;
  RETURN_IF_ERROR(r.ReadInt16(&version));
  if (version < 0 || version > 3) return UnknownVersion("offset commit value", version);
  OffsetValue value;
  RETURN_IF_ERROR(r.ReadInt64(&value.offset));
  if (version >= 3) RETURN_IF_ERROR(r.ReadInt32(&value.leader_epoch));
  RETURN_IF_ERROR(r.ReadString(&value.metadata, kNotCompact));
  RETURN_IF_ERROR(r.ReadInt64(&value.commit_timestamp));
  if (version == 1) RETURN_IF_ERROR(r.ReadInt64(&value.expire_timestamp));
  RETURN_IF_ERROR(r.ExpectEnd());
  return value;
}

absl::StatusOr<GroupValue> DecodeGroupValue(ByteSpan bytes) {
  kafka::Reader r(bytes);
  int16_t version = 0;
  RETURN_IF_ERROR(r.ReadInt16(&version));
  if (version < 0 || version > 3) return UnknownVersion("group metadata value", version);
  GroupValue value;
  RETURN_IF_ERROR(r.ReadString(&value.protocol_type, kNotCompact));
  RETURN_IF_ERROR(r.ReadInt32(&value.generation));
  RETURN_IF_ERROR(r.ReadNullableString(&value.protocol, kNotCompact));
  RETURN_IF_ERROR(r.ReadNullableString(&value.leader, kNotCompact));
  if (version >= 2) RETURN_IF_ERROR(r.ReadInt64(&value.current_state_timestamp));
  int32_t count = 0;
  RETURN_IF_ERROR(r.ReadArrayLength(&count, kNotCompact, /*nullable=*/false));
  value.members.resize(static_cast<size_t>(count));
  for (MemberValue& m : value.members) RETURN_IF_ERROR(ReadMember(r, version, &m));
  RETURN_IF_ERROR(r.ExpectEnd());
  return value;
}

}  // namespace cairn::broker::group
