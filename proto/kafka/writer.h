// Encoding of Kafka protocol primitives into a caller-owned Buffer. Encoding
// is for values we built ourselves, so a value the wire cannot carry (a string
// over 32767 bytes) is a programmer error and crashes (CAIRN_CHECK).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "proto/kafka/types.h"

namespace cairn::kafka {

class Writer {
 public:
  // Appends to `out`; `out` must outlive the Writer.
  explicit Writer(Buffer& out) : out_(&out) {}

  Buffer& buffer() { return *out_; }
  size_t size() const { return out_->size(); }

  void WriteInt8(int8_t v) { out_->push_back(static_cast<uint8_t>(v)); }
  void WriteInt16(int16_t v) { AppendBigEndian(*out_, v); }
  void WriteInt32(int32_t v) { AppendBigEndian(*out_, v); }
  void WriteInt64(int64_t v) { AppendBigEndian(*out_, v); }
  void WriteUint16(uint16_t v) { AppendBigEndian(*out_, v); }
  void WriteUint32(uint32_t v) { AppendBigEndian(*out_, v); }
  void WriteFloat64(double v);
  void WriteBool(bool v) { out_->push_back(v ? 1 : 0); }
  void WriteUuid(const Uuid& v) { out_->insert(out_->end(), v.bytes.begin(), v.bytes.end()); }
  void WriteUnsignedVarint(uint32_t v);
  void WriteVarint(int32_t v);
  void WriteVarlong(int64_t v);

  void WriteString(std::string_view s, bool compact);
  // Null is written as length -1 (compact: 0).
  void WriteNullableString(const std::optional<std::string>& s, bool compact);
  void WriteBytes(ByteSpan b, bool compact);
  void WriteNullableBytes(const std::optional<Buffer>& b, bool compact);
  // A `records` field (a record batch set). Like bytes, unless splicing is on.
  void WriteRecords(ByteSpan b, bool compact);
  void WriteNullableRecords(const std::optional<Buffer>& b, bool compact);
  void WriteArrayLength(size_t count, bool compact);
  void WriteNullArray(bool compact);
  void WriteRaw(ByteSpan b) { out_->insert(out_->end(), b.begin(), b.end()); }

  // Writes a tagged-field section: the count, then each field's tag, size and
  // bytes in ascending tag order (stable for equal tags). Reorders `fields`.
  void WriteTaggedFields(std::vector<TaggedField>& fields);
  // The common case: an empty section.
  void WriteEmptyTaggedFields() { out_->push_back(0); }

  // Splicing, for a sender that sends record batches where they lie instead
  // of copying them into the message (client/broker_connection.cc): once
  // SpliceRecords(min_bytes, owner) was called, a records field of at least
  // `min_bytes` has only its length prefix written to the buffer, and its
  // bytes are noted in splices(). They belong right after the first
  // `offset` bytes of the buffer, and `owner` keeps them valid.
  struct Splice {
    size_t offset = 0;
    ByteSpan bytes;
  };
  void SpliceRecords(size_t min_bytes, std::shared_ptr<const void> owner);
  const std::vector<Splice>& splices() const { return splices_; }
  const std::shared_ptr<const void>& splice_owner() const { return splice_owner_; }

 private:
  void WriteBytesLength(size_t size, bool compact);

  Buffer* out_;
  size_t splice_min_bytes_ = 0;  // 0: splicing is off
  std::shared_ptr<const void> splice_owner_;
  std::vector<Splice> splices_;
};

}  // namespace cairn::kafka
