#include "client/murmur2.h"

#include <string>

#include "doctest/doctest.h"

namespace cairn::client {
namespace {

// Expected values are those Kafka's UtilsTest.testMurmur2 asserts for the Java
// implementation (the published algorithm), so a match means Java agreement.
TEST_CASE("Murmur2: matches the Java client's Utils.murmur2 on known inputs") {
  CHECK(Murmur2("21") == -973932308);
  CHECK(Murmur2("foobar") == -790332482);
  CHECK(Murmur2("a-little-bit-long-string") == -985981536);
  CHECK(Murmur2("a-little-bit-longer-string") == -1486304829);
  CHECK(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
  CHECK(Murmur2("abc") == 479470107);
}

TEST_CASE("Murmur2: covers every tail length (0 to 3 trailing bytes)") {
  // The seed xor the length, mixed: the empty input is not zero.
  CHECK(Murmur2("") == 275646681);
  CHECK(Murmur2("a") != Murmur2("b"));
  CHECK(Murmur2("ab") != Murmur2("ba"));
  CHECK(Murmur2("abcd") != Murmur2("abce"));
}

TEST_CASE("PartitionForKey: positive hash modulo the partition count") {
  // -973932308 & 0x7fffffff = 1173551340.
  CHECK(PartitionForKey("21", 7) == 1173551340 % 7);
  CHECK(PartitionForKey("foobar", 1) == 0);
  for (int n = 1; n < 50; ++n) {
    const int32_t p = PartitionForKey("key-" + std::to_string(n), n);
    CHECK(p >= 0);
    CHECK(p < n);
  }
}

}  // namespace
}  // namespace cairn::client
