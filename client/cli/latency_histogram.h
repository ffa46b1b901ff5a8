// A log-bucket latency histogram in microseconds, HDR-style: exact below
// 128 us, then 64 buckets per power of two (at most 1/64 = 1.6% relative
// error), a fixed 4 KiB-entry array, no allocation while recording.
// Not thread-safe: one thread records, or callers lock.
#pragma once

#include <array>
#include <cstdint>

namespace cairn::cli {

class LatencyHistogram {
 public:
  void Record(int64_t micros);
  int64_t count() const { return count_; }
  int64_t max() const { return max_; }
  // The smallest recorded-bucket value v such that at least `quantile` of the
  // samples are <= v (reported as the bucket's upper bound, capped at max()).
  // 0 when empty.
  int64_t Percentile(double quantile) const;

 private:
  static constexpr int kSubBits = 6;  // 64 sub-buckets per power of two
  static constexpr int kBuckets = 128 + 58 * 64;
  static int IndexOf(uint64_t value);
  static uint64_t UpperBoundOf(int index);

  std::array<int64_t, kBuckets> counts_{};
  int64_t count_ = 0;
  int64_t max_ = 0;
};

}  // namespace cairn::cli
