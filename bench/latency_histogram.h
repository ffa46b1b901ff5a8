// A fixed-size latency histogram for the benchmark drivers: log-linear
// buckets (64 per power of two), so any recorded value is reported within
// 1/64 (1.6%) of itself, in constant memory however many samples arrive.
//
// Threading: not thread-safe; each driver records from one thread.
#pragma once

#include <array>
#include <cstdint>

namespace cairn::bench {

class LatencyHistogram {
 public:
  void Record(uint64_t value_ns);
  // Adds every sample of `other`.
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t max_ns() const { return max_ns_; }
  // The value below which a fraction `q` (0..1) of the samples lie: the
  // midpoint of the bucket holding that rank, capped at the maximum. 0 when
  // empty.
  uint64_t Percentile(double q) const;

 private:
  static constexpr int kSubBucketBits = 6;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  // Values below kSubBuckets get one bucket each; every power of two above
  // gets kSubBuckets buckets.
  static constexpr int kBucketCount = (64 - kSubBucketBits + 1) * kSubBuckets;

  static int BucketOf(uint64_t value);
  static uint64_t LowerBound(int bucket);

  std::array<uint64_t, kBucketCount> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ns_ = 0;
};

}  // namespace cairn::bench
