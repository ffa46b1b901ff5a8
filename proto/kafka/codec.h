// Convenience entry points of the Kafka codec: encode a message into a new
// Buffer, and decode a message that must span its input exactly.
//
// Trailing bytes are an error: a request body is decoded from exactly the
// bytes its frame carries (after the header), and a well-formed client never
// sends more than the version defines, so leftovers mean a version or framing
// mismatch that silently ignoring would hide.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "common/bytes.h"
#include "proto/kafka/generated/messages.h"
#include "proto/kafka/reader.h"
#include "proto/kafka/writer.h"

namespace cairn::kafka {

template <typename Message>
Buffer EncodeToBuffer(const Message& message, int16_t version) {
  Buffer out;
  Writer w(out);
  message.Encode(w, version);
  return out;
}

template <typename Message>
absl::Status DecodeExact(Reader& r, int16_t version, Message* out) {
  if (absl::Status s = out->Decode(r, version); !s.ok()) return s;
  if (absl::Status s = r.ExpectEnd(); !s.ok()) return internal::FieldError(s, Message::kName);
  return absl::OkStatus();
}

template <typename Message>
absl::Status DecodeExact(ByteSpan bytes, int16_t version, Message* out, DecodeLimits limits = {}) {
  Reader r(bytes, limits);
  return DecodeExact(r, version, out);
}

}  // namespace cairn::kafka
