// libFuzzer target: a request frame payload (header, then body) for any api
// key and version. Decodes the header, then the body both as that API's
// request and as its response; whatever decodes must re-encode to bytes that
// decode again and re-encode identically (encode∘decode is idempotent).
#include <cstddef>
#include <cstdint>

#include "common/check.h"
#include "proto/kafka/generated/messages.h"
#include "proto/kafka/header.h"

namespace cairn::kafka {
namespace {

template <typename Any, typename DecodeFn>
void CheckBody(int16_t api_key, int16_t version, ByteSpan body, DecodeFn decode) {
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

}  // namespace
}  // namespace cairn::kafka

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn::kafka;
  Reader r(cairn::ByteSpan(data, size));
  RequestHeader header;
  if (!DecodeRequestHeader(r, &header).ok()) return 0;
  {
    cairn::Buffer bytes;
    Writer w(bytes);
    EncodeRequestHeader(header, w);
    Reader again(bytes);
    RequestHeader decoded;
    CAIRN_CHECK(DecodeRequestHeader(again, &decoded).ok());
    CAIRN_CHECK(again.empty());
  }
  const cairn::ByteSpan body = r.rest();
  CheckBody<AnyRequest>(header.api_key, header.api_version, body, DecodeRequestBody);
  CheckBody<AnyResponse>(header.api_key, header.api_version, body, DecodeResponseBody);
  return 0;
}
