// A fixed-size latency histogram, HDR-style: log-linear buckets (values
// below 128 exact, then 64 buckets per power of two), so every percentile is
// reported within 1/64 (1.6%) above the true value, in constant memory and
// with no allocation however many samples arrive. The unit is the caller's
// (the CLI records microseconds, the bench drivers nanoseconds).
//
// Not thread-safe: one thread records, or callers lock; Merge combines the
// histograms of several threads afterwards.
#pragma once

#include <array>
#include <cstdint>

namespace cairn {

class LatencyHistogram {
 public:
  // Negative values (clocks that stepped back) count as 0.
  void Record(int64_t value);
  // Adds every sample of `other`.
  void Merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }
  int64_t max() const { return max_; }
  // The smallest value v such that at least a fraction `quantile` (0..1) of
  // the samples are <= v, reported as the upper bound of v's bucket and
  // capped at max(). 0 when empty.
  int64_t Percentile(double quantile) const;

 private:
  static constexpr int kSubBucketBits = 6;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  // Values below kSubBuckets get one bucket each; every power of two above
  // gets kSubBuckets buckets.
  static constexpr int kBucketCount = (64 - kSubBucketBits + 1) * kSubBuckets;

  static int BucketOf(uint64_t value);
  static uint64_t LowerBound(int bucket);

  std::array<int64_t, kBucketCount> counts_{};
  int64_t count_ = 0;
  int64_t max_ = 0;
};

}  // namespace cairn
