// The property every codec fuzzer checks: whatever decodes must re-encode to
// bytes that decode again and re-encode identically (encode∘decode is
// idempotent), and nothing may crash, leak or allocate past the input.
#pragma once

#include <cstdint>
#include <variant>

#include "common/check.h"
#include "proto/kafka/generated/messages.h"

namespace cairn::kafka::fuzz {

template <typename Any, typename DecodeFn>
void CheckBodyRoundTrip(int16_t api_key, int16_t version, ByteSpan body, DecodeFn decode) {
  Reader r(body);
  absl::StatusOr<Any> first = decode(api_key, version, r);
  if (!first.ok()) return;
  Buffer bytes1;
  Writer w1(bytes1);
  std::visit([&](const auto& m) { m.Encode(w1, version); }, *first);
  Reader r2(bytes1);
  absl::StatusOr<Any> second = decode(api_key, version, r2);
  CAIRN_CHECK(second.ok()) << "re-encoded message does not decode: " << second.status();
  Buffer bytes2;
  Writer w2(bytes2);
  std::visit([&](const auto& m) { m.Encode(w2, version); }, *second);
  CAIRN_CHECK(bytes1 == bytes2) << "encoding is not stable for api " << api_key << " v" << version;
}

}  // namespace cairn::kafka::fuzz
