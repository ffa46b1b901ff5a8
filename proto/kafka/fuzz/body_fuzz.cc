// libFuzzer target for one API's body decoders, built once per API with
// CAIRN_FUZZ_API_KEY set (fuzz/CMakeLists.txt). Input: a big-endian int16
// that picks the version (mapped into the API's range), then the body, which
// is decoded as that API's request and as its response (round_trip.h).
#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "common/check.h"
#include "proto/kafka/fuzz/round_trip.h"
#include "proto/kafka/generated/api.h"

#ifndef CAIRN_FUZZ_API_KEY
#error "build body_fuzz.cc with -DCAIRN_FUZZ_API_KEY=<api key>"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn::kafka;
  if (size < 2) return 0;
  const ApiInfo* api = FindApi(CAIRN_FUZZ_API_KEY);
  CAIRN_CHECK(api != nullptr) << "unknown api key " << CAIRN_FUZZ_API_KEY;
  const auto versions = static_cast<uint16_t>(api->max_version - api->min_version + 1);
  const auto version =
      static_cast<int16_t>(api->min_version + cairn::LoadBigEndian<uint16_t>(data) % versions);
  const cairn::ByteSpan body(data + 2, size - 2);
  fuzz::CheckBodyRoundTrip<AnyRequest>(CAIRN_FUZZ_API_KEY, version, body, DecodeRequestBody);
  fuzz::CheckBodyRoundTrip<AnyResponse>(CAIRN_FUZZ_API_KEY, version, body, DecodeResponseBody);
  return 0;
}
