// Bounds-checked Kafka primitive decoding; see reader.h for the rules.
#include "proto/kafka/reader.h"

#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/varint.h"

namespace cairn::kafka {

absl::Status Reader::Need(size_t n) const {
  if (ABSL_PREDICT_TRUE(n <= data_.size())) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("need ", n, " bytes, ", data_.size(), " left"));
}

namespace {
template <typename T>
absl::Status ReadFixed(ByteSpan& data, T* out) {
  if (ABSL_PREDICT_FALSE(data.size() < sizeof(T))) {
    return absl::InvalidArgumentError(absl::StrCat("need ", sizeof(T), " bytes, ", data.size(), " left"));
  }
  *out = LoadBigEndian<T>(data.data());
  data = data.subspan(sizeof(T));
  return absl::OkStatus();
}
}  // namespace

absl::Status Reader::ReadInt8(int8_t* out) { return ReadFixed(data_, out); }
absl::Status Reader::ReadInt16(int16_t* out) { return ReadFixed(data_, out); }
absl::Status Reader::ReadInt32(int32_t* out) { return ReadFixed(data_, out); }
absl::Status Reader::ReadInt64(int64_t* out) { return ReadFixed(data_, out); }
absl::Status Reader::ReadUint16(uint16_t* out) { return ReadFixed(data_, out); }
absl::Status Reader::ReadUint32(uint32_t* out) { return ReadFixed(data_, out); }

absl::Status Reader::ReadFloat64(double* out) {
  uint64_t bits = 0;
  if (absl::Status s = ReadFixed(data_, &bits); !s.ok()) return s;
  *out = std::bit_cast<double>(bits);
  return absl::OkStatus();
}

absl::Status Reader::ReadBool(bool* out) {
  uint8_t b = 0;
  if (absl::Status s = ReadFixed(data_, &b); !s.ok()) return s;
  *out = b != 0;
  return absl::OkStatus();
}

absl::Status Reader::ReadUuid(Uuid* out) {
  if (absl::Status s = Need(16); !s.ok()) return s;
  std::memcpy(out->bytes.data(), data_.data(), 16);
  data_ = data_.subspan(16);
  return absl::OkStatus();
}

absl::Status Reader::ReadUnsignedVarint(uint32_t* out) {
  absl::StatusOr<uint32_t> v = varint::ReadUnsigned32(data_);
  if (!v.ok()) return v.status();
  *out = *v;
  return absl::OkStatus();
}

absl::Status Reader::ReadVarint(int32_t* out) {
  absl::StatusOr<int32_t> v = varint::ReadSigned32(data_);
  if (!v.ok()) return v.status();
  *out = *v;
  return absl::OkStatus();
}

absl::Status Reader::ReadVarlong(int64_t* out) {
  absl::StatusOr<int64_t> v = varint::ReadSigned64(data_);
  if (!v.ok()) return v.status();
  *out = *v;
  return absl::OkStatus();
}

absl::Status Reader::ReadStringBody(size_t length, std::string* out) {
  if (length > kMaxStringBytes) {
    return absl::InvalidArgumentError(absl::StrCat("string length ", length, " exceeds ", kMaxStringBytes));
  }
  if (absl::Status s = Need(length); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("string length ", length, " exceeds the ", data_.size(), " bytes left"));
  }
  std::string_view view = AsStringView(data_.first(length));
  if (!IsValidUtf8(view)) return absl::InvalidArgumentError("string is not valid UTF-8");
  out->assign(view);
  data_ = data_.subspan(length);
  return absl::OkStatus();
}

namespace {
// Reads a length prefix: INT16 (strings) / INT32 (bytes, arrays) or an
// unsigned varint holding length+1. Returns -1 for null; rejects negative
// lengths other than -1.
template <typename Fixed>
absl::Status ReadLength(Reader& r, bool compact, int64_t* length) {
  if (compact) {
    uint32_t n = 0;
    if (absl::Status s = r.ReadUnsignedVarint(&n); !s.ok()) return s;
    *length = static_cast<int64_t>(n) - 1;
    return absl::OkStatus();
  }
  Fixed n = 0;
  absl::Status s;
  if constexpr (sizeof(Fixed) == 2) {
    s = r.ReadInt16(&n);
  } else {
    s = r.ReadInt32(&n);
  }
  if (!s.ok()) return s;
  if (n < -1) return absl::InvalidArgumentError(absl::StrCat("negative length ", n));
  *length = n;
  return absl::OkStatus();
}
}  // namespace

absl::Status Reader::ReadString(std::string* out, bool compact) {
  int64_t length = 0;
  if (absl::Status s = ReadLength<int16_t>(*this, compact, &length); !s.ok()) return s;
  if (length < 0) return absl::InvalidArgumentError("null string in a non-nullable field");
  return ReadStringBody(static_cast<size_t>(length), out);
}

absl::Status Reader::ReadNullableString(std::optional<std::string>* out, bool compact) {
  int64_t length = 0;
  if (absl::Status s = ReadLength<int16_t>(*this, compact, &length); !s.ok()) return s;
  if (length < 0) {
    out->reset();
    return absl::OkStatus();
  }
  return ReadStringBody(static_cast<size_t>(length), &out->emplace());
}

absl::Status Reader::ReadBytes(Buffer* out, bool compact) {
  std::optional<ByteSpan> bytes;
  if (absl::Status s = ReadNullableSpan(compact, &bytes); !s.ok()) return s;
  if (!bytes.has_value()) return absl::InvalidArgumentError("null bytes in a non-nullable field");
  out->assign(bytes->begin(), bytes->end());
  return absl::OkStatus();
}

absl::Status Reader::ReadNullableBytes(std::optional<Buffer>* out, bool compact) {
  std::optional<ByteSpan> bytes;
  if (absl::Status s = ReadNullableSpan(compact, &bytes); !s.ok()) return s;
  if (bytes.has_value()) {
    out->emplace(bytes->begin(), bytes->end());
  } else {
    out->reset();
  }
  return absl::OkStatus();
}

absl::Status Reader::ReadRecords(Buffer* out, bool compact) {
  if (!keep_records_in_place_) return ReadBytes(out, compact);
  std::optional<ByteSpan> bytes;
  if (absl::Status s = ReadNullableSpan(compact, &bytes); !s.ok()) return s;
  if (!bytes.has_value()) return absl::InvalidArgumentError("null bytes in a non-nullable field");
  out->clear();
  records_in_place_.push_back(bytes);
  return absl::OkStatus();
}

absl::Status Reader::ReadNullableRecords(std::optional<Buffer>* out, bool compact) {
  if (!keep_records_in_place_) return ReadNullableBytes(out, compact);
  std::optional<ByteSpan> bytes;
  if (absl::Status s = ReadNullableSpan(compact, &bytes); !s.ok()) return s;
  out->reset();
  records_in_place_.push_back(bytes);
  return absl::OkStatus();
}

absl::Status Reader::ReadNullableSpan(bool compact, std::optional<ByteSpan>* out) {
  int64_t length = 0;
  if (absl::Status s = ReadLength<int32_t>(*this, compact, &length); !s.ok()) return s;
  if (length < 0) {
    out->reset();
    return absl::OkStatus();
  }
  if (static_cast<uint64_t>(length) > data_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("bytes length ", length, " exceeds the ", data_.size(), " bytes left"));
  }
  *out = data_.first(static_cast<size_t>(length));
  data_ = data_.subspan(static_cast<size_t>(length));
  return absl::OkStatus();
}

absl::Status Reader::ReadArrayLength(int32_t* count, bool compact, bool nullable) {
  int64_t length = 0;
  if (absl::Status s = ReadLength<int32_t>(*this, compact, &length); !s.ok()) return s;
  if (length < 0) {
    if (!nullable) return absl::InvalidArgumentError("null array in a non-nullable field");
    *count = -1;
    return absl::OkStatus();
  }
  if (static_cast<uint64_t>(length) > data_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("array count ", length, " exceeds the ", data_.size(), " bytes left"));
  }
  if (static_cast<uint64_t>(length) > limits_.max_array_count) {
    return absl::InvalidArgumentError(absl::StrCat("array count ", length, " exceeds the limit ", limits_.max_array_count));
  }
  *count = static_cast<int32_t>(length);
  return absl::OkStatus();
}

absl::Status Reader::ReadTaggedFieldCount(uint32_t* count) {
  if (absl::Status s = ReadUnsignedVarint(count); !s.ok()) return s;
  // Each tagged field takes at least two bytes (tag and size).
  if (*count > limits_.max_tagged_fields || *count > data_.size() / 2) {
    return absl::InvalidArgumentError(absl::StrCat("tagged field count ", *count, " exceeds the limit ",
                                                   limits_.max_tagged_fields, " or the ", data_.size(), " bytes left"));
  }
  return absl::OkStatus();
}

absl::Status Reader::ReadTaggedFieldHeader(uint32_t* tag, uint32_t* size) {
  if (absl::Status s = ReadUnsignedVarint(tag); !s.ok()) return s;
  if (absl::Status s = ReadUnsignedVarint(size); !s.ok()) return s;
  if (*size > data_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tagged field ", *tag, " size ", *size, " exceeds the ", data_.size(), " bytes left"));
  }
  return absl::OkStatus();
}

absl::Status Reader::ReadSub(size_t n, Reader* out) {
  ByteSpan raw;
  if (absl::Status s = ReadRaw(n, &raw); !s.ok()) return s;
  *out = Reader(raw, limits_);
  return absl::OkStatus();
}

absl::Status Reader::ReadRaw(size_t n, ByteSpan* out) {
  if (absl::Status s = Need(n); !s.ok()) return s;
  *out = data_.first(n);
  data_ = data_.subspan(n);
  return absl::OkStatus();
}

absl::Status Reader::ExpectEnd() const {
  if (data_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(data_.size(), " trailing bytes"));
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* end = p + s.size();
  while (p < end) {
    uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) <= n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += n + 1;
  }
  return true;
}

namespace internal {

absl::Status FieldError(const absl::Status& s, std::string_view field) {
  return absl::Status(s.code(), absl::StrCat(absl::string_view(field.data(), field.size()), ": ", s.message()));
}

absl::Status ElementError(const absl::Status& s, std::string_view field, size_t index) {
  return absl::Status(s.code(),
                      absl::StrCat(absl::string_view(field.data(), field.size()), "[", index, "]: ", s.message()));
}

absl::Status NestedError(const absl::Status& s, std::string_view field, int64_t index) {
  absl::string_view name(field.data(), field.size());
  if (index < 0) return absl::Status(s.code(), absl::StrCat(name, ".", s.message()));
  return absl::Status(s.code(), absl::StrCat(name, "[", index, "].", s.message()));
}

absl::Status UnsupportedVersion(std::string_view message, int16_t version) {
  return absl::InvalidArgumentError(
      absl::StrCat(absl::string_view(message.data(), message.size()), ": unsupported version ", version));
}

absl::Status DuplicateTag(uint32_t tag) {
  return absl::InvalidArgumentError(absl::StrCat("_tagged_fields: duplicate tag ", tag));
}

absl::Status TaggedFieldNotConsumed(uint32_t tag, size_t left) {
  return absl::InvalidArgumentError(absl::StrCat("_tagged_fields: tag ", tag, " has ", left, " unread bytes"));
}

}  // namespace internal
}  // namespace cairn::kafka
