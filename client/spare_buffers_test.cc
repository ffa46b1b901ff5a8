#include "client/spare_buffers.h"

#include <doctest/doctest.h>

namespace cairn::client {
namespace {

TEST_CASE("SpareBuffers: hands back a kept buffer's storage empty, keeps at most kMaxCount, never an oversized one") {
  SpareBuffers spare;
  CHECK(spare.Take().capacity() == 0);  // nothing kept yet

  Buffer used(1000, 0xAB);
  const uint8_t* storage = used.data();
  spare.Keep(std::move(used), /*batch_size=*/1000);
  REQUIRE(spare.count() == 1);
  Buffer taken = spare.Take();
  CHECK(taken.empty());
  CHECK(taken.data() == storage);
  CHECK(taken.capacity() >= 1000);
  CHECK(spare.count() == 0);

  spare.Keep(Buffer(5000), /*batch_size=*/1000);  // a batch far above batch.size
  CHECK(spare.count() == 0);

  for (size_t i = 0; i < SpareBuffers::kMaxCount + 3; ++i) spare.Keep(Buffer(1000), 1000);
  CHECK(spare.count() == SpareBuffers::kMaxCount);
}

}  // namespace
}  // namespace cairn::client
