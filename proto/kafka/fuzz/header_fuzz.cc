// libFuzzer target for the request and response header decoders: a header
// that decodes must re-encode stably (encode∘decode∘encode == encode); tagged
// fields may come back in tag order, so bytes are compared, not structs.
#include <cstddef>
#include <cstdint>

#include "common/check.h"
#include "proto/kafka/header.h"

namespace {

template <typename Header, typename Decode, typename Encode>
void CheckStable(const Header& first, Decode decode, Encode encode) {
  cairn::Buffer bytes1;
  cairn::kafka::Writer w1(bytes1);
  encode(first, w1);
  cairn::kafka::Reader r(bytes1);
  Header second;
  CAIRN_CHECK(decode(r, &second).ok()) << "a re-encoded header does not decode";
  CAIRN_CHECK(r.empty());
  cairn::Buffer bytes2;
  cairn::kafka::Writer w2(bytes2);
  encode(second, w2);
  CAIRN_CHECK(bytes1 == bytes2) << "header encoding is not stable";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn::kafka;
  const cairn::ByteSpan input(data, size);
  {
    Reader r(input);
    RequestHeader header;
    if (DecodeRequestHeader(r, &header).ok()) {
      CheckStable(
          header, [](Reader& rd, RequestHeader* out) { return DecodeRequestHeader(rd, out); },
          [](const RequestHeader& h, Writer& w) { EncodeRequestHeader(h, w); });
    }
  }
  for (int16_t version : {0, 1}) {
    Reader r(input);
    ResponseHeader header;
    if (!header.Decode(r, version).ok()) continue;
    CheckStable(
        header, [version](Reader& rd, ResponseHeader* out) { return out->Decode(rd, version); },
        [version](const ResponseHeader& h, Writer& w) { h.Encode(w, version); });
  }
  return 0;
}
