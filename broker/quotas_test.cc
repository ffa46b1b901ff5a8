// Tests of the sampled byte rate and the throttle times it gives, on a
// synthetic clock (milliseconds passed in by hand).
#include "broker/quotas.h"

#include <doctest/doctest.h>

#include <limits>

namespace cairn::broker {
namespace {

constexpr QuotaWindow kKafkaWindow{11, 1000};

TEST_CASE("Quota: the rate's total and elapsed time cover the retained samples only") {
  ByteRate rate(kKafkaWindow);
  rate.Record(100, 0);
  rate.Record(100, 500);    // same sample
  rate.Record(100, 1000);   // a new one
  CHECK(rate.TotalBytes(1000) == 300);
  CHECK(rate.ElapsedMs(2500) == 2500);
  // The first sample started at 0 and is forgotten 11 samples later.
  CHECK(rate.TotalBytes(10999) == 300);
  CHECK(rate.TotalBytes(11000) == 100);
  CHECK(rate.ElapsedMs(11000) == 10000);
  CHECK(rate.TotalBytes(12000) == 0);
}

TEST_CASE("Quota: throttle time is exactly how long until the bytes fit the quota") {
  ByteRate rate(kKafkaWindow);
  rate.Record(5000, 0);
  // 5000 bytes at 1000 B/s need 5 s; none has passed.
  CHECK(rate.ThrottleMs(1000, 0) == 5000);
  CHECK(rate.ThrottleMs(1000, 1200) == 3800);
  CHECK(rate.ThrottleMs(1000, 4999) == 1);
  CHECK(rate.ThrottleMs(1000, 5000) == 0);
  // Waiting the throttle time really gets the client under its quota: more
  // bytes then are judged on the whole elapsed time.
  rate.Record(1000, 5000);
  CHECK(rate.ThrottleMs(1000, 5000) == 1000);
}

TEST_CASE("Quota: one sample's worth is a free burst, and fractions round the throttle up") {
  ByteRate rate(kKafkaWindow);
  rate.Record(1000, 0);
  CHECK(rate.ThrottleMs(1000, 0) == 0);  // exactly one sample's worth
  rate.Record(1, 0);
  CHECK(rate.ThrottleMs(1000, 0) == 1001);
  ByteRate third(kKafkaWindow);
  third.Record(1000, 0);
  third.Record(1000, 0);
  CHECK(third.ThrottleMs(3000, 0) == 0);  // 667 ms of bytes: under a sample
  third.Record(2000, 0);
  CHECK(third.ThrottleMs(3000, 0) == 1334);  // 4000 / 3 = 1333.3 ms, rounded up
}

TEST_CASE("Quota: throttle time is capped at the whole window") {
  ByteRate rate(kKafkaWindow);
  rate.Record(int64_t{1} << 40, 0);
  CHECK(rate.ThrottleMs(1000, 0) == 11000);
}

TEST_CASE("Quota: a client under the quota is not throttled, a faster one is by its excess") {
  ClientQuotas quotas(1000, kKafkaWindow);
  int32_t slow = -1;
  int32_t fast = -1;
  // 90 B every 100 ms is 900 B/s; 200 B every 100 ms is 2000 B/s.
  for (int64_t t = 0; t < 20000; t += 100) {
    slow = quotas.RecordAndGetThrottleMs("slow", 90, t);
    fast = quotas.RecordAndGetThrottleMs("fast", 200, t);
  }
  CHECK(slow == 0);
  // At t=19900 the 11 retained samples began at 9000: 22000 B need 22 s of
  // which 10.9 s passed, so 11100 ms, capped at the 11 s window.
  CHECK(fast == 11000);
  CHECK(quotas.ThrottleMs("fast", 19900) == 11000);
  CHECK(quotas.ThrottleMs("fast", 29900) == 0);  // everything aged out
  CHECK(quotas.ThrottleMs("slow", 19900) == 0);
  CHECK(quotas.ThrottleMs("never-seen", 19900) == 0);
}

TEST_CASE("Quota: client ids are throttled separately and idle ones are forgotten") {
  ClientQuotas quotas(1000, kKafkaWindow);
  CHECK(quotas.RecordAndGetThrottleMs("a", 3000, 0) == 3000);
  CHECK(quotas.RecordAndGetThrottleMs("b", 500, 0) == 0);
  CHECK(quotas.tracked_clients() == 2);
  CHECK(quotas.RecordAndGetThrottleMs("c", 1, 11000) == 0);  // sweeps: a and b are idle
  CHECK(quotas.tracked_clients() == 1);
  CHECK(quotas.ThrottleMs("a", 11000) == 0);
}

TEST_CASE("Quota: the default quota is unlimited and keeps no state") {
  ClientQuotas quotas(std::numeric_limits<int64_t>::max(), kKafkaWindow);
  CHECK(quotas.unlimited());
  CHECK(quotas.RecordAndGetThrottleMs("x", int64_t{1} << 40, 0) == 0);
  CHECK(quotas.tracked_clients() == 0);
}

}  // namespace
}  // namespace cairn::broker
