// Bounds-checked decoding of Kafka protocol primitives (kafka.apache.org/protocol,
// "Protocol Primitive Types"). A Reader never trusts a length or a count: every
// length is checked against the bytes left before anything is allocated, and
// every failure is an InvalidArgument status, never a crash or a huge reserve.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "common/bytes.h"
#include "proto/kafka/types.h"

namespace cairn::kafka {

// Limits on top of "no length or count may exceed the bytes left".
struct DecodeLimits {
  // Largest element count accepted for any single array (DESIGN.md §8).
  uint32_t max_array_count = 1u << 20;
  // Largest number of tagged fields in one tagged-field section.
  uint32_t max_tagged_fields = 64;
};

// Strings are limited to INT16 lengths on the wire, compact or not (as Kafka).
inline constexpr size_t kMaxStringBytes = 0x7fff;

class Reader {
 public:
  explicit Reader(ByteSpan data, DecodeLimits limits = {}) : data_(data), limits_(limits) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  const DecodeLimits& limits() const { return limits_; }
  // The bytes not consumed yet.
  ByteSpan rest() const { return data_; }

  absl::Status ReadInt8(int8_t* out);
  absl::Status ReadInt16(int16_t* out);
  absl::Status ReadInt32(int32_t* out);
  absl::Status ReadInt64(int64_t* out);
  absl::Status ReadUint16(uint16_t* out);
  absl::Status ReadUint32(uint32_t* out);
  absl::Status ReadFloat64(double* out);
  // Any non-zero byte is true, as in Kafka.
  absl::Status ReadBool(bool* out);
  absl::Status ReadUuid(Uuid* out);
  absl::Status ReadUnsignedVarint(uint32_t* out);
  absl::Status ReadVarint(int32_t* out);   // zigzag
  absl::Status ReadVarlong(int64_t* out);  // zigzag

  // STRING / COMPACT_STRING: valid UTF-8, at most kMaxStringBytes. A null
  // (length -1, or compact 0) is an error here.
  absl::Status ReadString(std::string* out, bool compact);
  // NULLABLE_STRING / COMPACT_NULLABLE_STRING.
  absl::Status ReadNullableString(std::optional<std::string>* out, bool compact);
  // BYTES / COMPACT_BYTES (also RECORDS, which is nullable bytes on the wire).
  absl::Status ReadBytes(Buffer* out, bool compact);
  absl::Status ReadNullableBytes(std::optional<Buffer>* out, bool compact);
  // A `records` field (a record batch set): like bytes, unless records are
  // kept in place.
  absl::Status ReadRecords(Buffer* out, bool compact);
  absl::Status ReadNullableRecords(std::optional<Buffer>* out, bool compact);

  // Records in place, for a caller that decodes the record batches while the
  // message's bytes are still alive (the client's Fetch) and so need not copy
  // them: after KeepRecordsInPlace(), each records field read is left empty
  // (null if nullable), and its bytes, or nullopt for a null, are appended to
  // records_in_place() instead: one entry per records field, in the order
  // the fields were read.
  void KeepRecordsInPlace() { keep_records_in_place_ = true; }
  const std::vector<std::optional<ByteSpan>>& records_in_place() const { return records_in_place_; }

  // ARRAY / COMPACT_ARRAY length. Sets *count to -1 for a null array (an error
  // unless `nullable`). A count is accepted only if it is at most the bytes
  // left (every element takes at least one byte) and at most
  // limits().max_array_count, so callers may reserve(*count).
  absl::Status ReadArrayLength(int32_t* count, bool compact, bool nullable);

  // Tagged-field section: the field count (at most max_tagged_fields and at
  // most the bytes left), then per field its tag and size (size ≤ bytes left).
  absl::Status ReadTaggedFieldCount(uint32_t* count);
  absl::Status ReadTaggedFieldHeader(uint32_t* tag, uint32_t* size);

  // Consumes `n` bytes and returns a reader over exactly them.
  absl::Status ReadSub(size_t n, Reader* out);
  absl::Status ReadRaw(size_t n, ByteSpan* out);

  // OK when every byte was consumed, InvalidArgument naming the leftover otherwise.
  absl::Status ExpectEnd() const;

 private:
  absl::Status Need(size_t n) const;
  absl::Status ReadStringBody(size_t length, std::string* out);
  // BYTES / COMPACT_BYTES, nullable, as a view of the input.
  absl::Status ReadNullableSpan(bool compact, std::optional<ByteSpan>* out);

  ByteSpan data_;
  DecodeLimits limits_;
  bool keep_records_in_place_ = false;
  std::vector<std::optional<ByteSpan>> records_in_place_;
};

// Checks strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
bool IsValidUtf8(std::string_view s);

namespace internal {
// Error decoration used by generated decoders; only called on the error path.
// "name: message"
absl::Status FieldError(const absl::Status& s, std::string_view field);
// "name[index]: message"
absl::Status ElementError(const absl::Status& s, std::string_view field, size_t index);
// "name[index].message" (index < 0: "name.message") for errors inside a struct.
absl::Status NestedError(const absl::Status& s, std::string_view field, int64_t index);
absl::Status UnsupportedVersion(std::string_view message, int16_t version);
absl::Status DuplicateTag(uint32_t tag);
absl::Status TaggedFieldNotConsumed(uint32_t tag, size_t left);
}  // namespace internal

}  // namespace cairn::kafka

// Used by generated code: evaluate a Status, and on failure return it decorated.
#define CAIRN_KAFKA_TRY(expr, decorate)                        \
  do {                                                         \
    const ::absl::Status cairn_kafka_status = (expr);          \
    if (ABSL_PREDICT_FALSE(!cairn_kafka_status.ok())) {        \
      return ::cairn::kafka::internal::decorate;               \
    }                                                          \
  } while (0)
