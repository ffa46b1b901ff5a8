#include "client/cli/latency_histogram.h"

#include "doctest/doctest.h"

namespace cairn::cli {

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

}  // namespace cairn::cli
