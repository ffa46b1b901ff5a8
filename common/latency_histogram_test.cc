#include "common/latency_histogram.h"

#include "doctest/doctest.h"

namespace cairn {

TEST_CASE("LatencyHistogram: values below 128 us are exact") {
  LatencyHistogram h;
  for (int v = 1; v <= 100; ++v) h.Record(v);
  CHECK(h.count() == 100);
  CHECK(h.Percentile(0.50) == 50);
  CHECK(h.Percentile(0.99) == 99);
  CHECK(h.Percentile(1.0) == 100);
  CHECK(h.max() == 100);
}

TEST_CASE("LatencyHistogram: large values stay within 1/64 and never exceed the max") {
  LatencyHistogram h;
  h.Record(1'000'000);
  const int64_t p = h.Percentile(0.5);
  CHECK(p == 1'000'000);  // capped at the exact max
  LatencyHistogram g;
  for (int i = 0; i < 99; ++i) g.Record(10'000);
  g.Record(5'000'000);
  CHECK(g.Percentile(0.5) >= 10'000);
  CHECK(g.Percentile(0.5) <= 10'000 + 10'000 / 64);
  CHECK(g.Percentile(0.999) == 5'000'000);
}

TEST_CASE("LatencyHistogram: an empty histogram reports zero") {
  LatencyHistogram h;
  CHECK(h.Percentile(0.99) == 0);
  CHECK(h.max() == 0);
}

TEST_CASE("LatencyHistogram: Merge adds counts and keeps the larger max, percentiles never under-report") {
  LatencyHistogram a;
  LatencyHistogram b;
  for (int64_t v = 1; v <= 1000; ++v) a.Record(v * 1'000'003);  // nanoseconds, up to ~1 s
  b.Record(5'000'000'000);
  b.Record(-7);  // a clock that stepped back counts as 0
  a.Merge(b);
  CHECK(a.count() == 1002);
  CHECK(a.max() == 5'000'000'000);
  CHECK(a.Percentile(0.0) == 0);
  // The 500th of 1002 samples is 499 * 1'000'003 (the 0 comes first).
  const int64_t p50 = a.Percentile(500.0 / 1002);
  CHECK(p50 >= 499 * 1'000'003);
  CHECK(p50 <= 499 * 1'000'003 + 499 * 1'000'003 / 64);
  CHECK(a.Percentile(1.0) == 5'000'000'000);
}

}  // namespace cairn
