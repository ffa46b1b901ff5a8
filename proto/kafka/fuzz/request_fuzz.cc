// libFuzzer target: a whole request frame payload (header, then body) for any
// api key and version, as the broker receives it. Decodes the header, then the
// body both as that API's request and as its response (round_trip.h).
#include <cstddef>
#include <cstdint>

#include "common/check.h"
#include "proto/kafka/fuzz/round_trip.h"
#include "proto/kafka/header.h"

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
  fuzz::CheckBodyRoundTrip<AnyRequest>(header.api_key, header.api_version, body, DecodeRequestBody);
  fuzz::CheckBodyRoundTrip<AnyResponse>(header.api_key, header.api_version, body, DecodeResponseBody);
  return 0;
}
