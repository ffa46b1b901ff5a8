// Kafka primitive encoding; see writer.h.
#include "proto/kafka/writer.h"

#include <algorithm>
#include <bit>

#include "common/check.h"
#include "common/varint.h"
#include "proto/kafka/reader.h"

namespace cairn::kafka {

void Writer::WriteFloat64(double v) { AppendBigEndian(*out_, std::bit_cast<uint64_t>(v)); }
void Writer::WriteUnsignedVarint(uint32_t v) { varint::AppendUnsigned32(*out_, v); }
void Writer::WriteVarint(int32_t v) { varint::AppendSigned32(*out_, v); }
void Writer::WriteVarlong(int64_t v) { varint::AppendSigned64(*out_, v); }

void Writer::WriteString(std::string_view s, bool compact) {
  CAIRN_CHECK(s.size() <= kMaxStringBytes) << "string of " << s.size() << " bytes";
  if (compact) {
    WriteUnsignedVarint(static_cast<uint32_t>(s.size() + 1));
  } else {
    WriteInt16(static_cast<int16_t>(s.size()));
  }
  WriteRaw(AsBytes(s));
}

void Writer::WriteNullableString(const std::optional<std::string>& s, bool compact) {
  if (s.has_value()) return WriteString(*s, compact);
  if (compact) {
    WriteUnsignedVarint(0);
  } else {
    WriteInt16(-1);
  }
}

void Writer::WriteBytesLength(size_t size, bool compact) {
  CAIRN_CHECK(size < 0x7fffffffu) << "bytes of " << size;
  if (compact) {
    WriteUnsignedVarint(static_cast<uint32_t>(size + 1));
  } else {
    WriteInt32(static_cast<int32_t>(size));
  }
}

void Writer::WriteBytes(ByteSpan b, bool compact) {
  WriteBytesLength(b.size(), compact);
  WriteRaw(b);
}

void Writer::WriteRecords(ByteSpan b, bool compact) {
  if (splice_min_bytes_ == 0 || b.size() < splice_min_bytes_) return WriteBytes(b, compact);
  WriteBytesLength(b.size(), compact);
  splices_.push_back({out_->size(), b});
}

void Writer::WriteNullableRecords(const std::optional<Buffer>& b, bool compact) {
  if (b.has_value()) return WriteRecords(*b, compact);
  WriteNullableBytes(std::nullopt, compact);
}

void Writer::SpliceRecords(size_t min_bytes, std::shared_ptr<const void> owner) {
  CAIRN_CHECK(min_bytes > 0 && owner != nullptr);
  splice_min_bytes_ = min_bytes;
  splice_owner_ = std::move(owner);
}

void Writer::WriteNullableBytes(const std::optional<Buffer>& b, bool compact) {
  if (b.has_value()) return WriteBytes(*b, compact);
  if (compact) {
    WriteUnsignedVarint(0);
  } else {
    WriteInt32(-1);
  }
}

void Writer::WriteArrayLength(size_t count, bool compact) {
  CAIRN_CHECK(count < 0x7fffffffu) << "array of " << count;
  if (compact) {
    WriteUnsignedVarint(static_cast<uint32_t>(count + 1));
  } else {
    WriteInt32(static_cast<int32_t>(count));
  }
}

void Writer::WriteNullArray(bool compact) {
  if (compact) {
    WriteUnsignedVarint(0);
  } else {
    WriteInt32(-1);
  }
}

void Writer::WriteTaggedFields(std::vector<TaggedField>& fields) {
  std::stable_sort(fields.begin(), fields.end(),
                   [](const TaggedField& a, const TaggedField& b) { return a.tag < b.tag; });
  WriteUnsignedVarint(static_cast<uint32_t>(fields.size()));
  for (const TaggedField& f : fields) {
    WriteUnsignedVarint(f.tag);
    CAIRN_CHECK(f.data.size() < 0x7fffffffu) << "tagged field " << f.tag;
    WriteUnsignedVarint(static_cast<uint32_t>(f.data.size()));
    WriteRaw(f.data);
  }
}

}  // namespace cairn::kafka
