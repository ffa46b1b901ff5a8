// Log-linear bucketing for LatencyHistogram (see the header for the error bound).
#include "bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace cairn::bench {

int LatencyHistogram::BucketOf(uint64_t value) {
  if (value < kSubBuckets) return static_cast<int>(value);
  const int exponent = 63 - std::countl_zero(value);  // value >= 2^exponent
  const int shift = exponent - kSubBucketBits;
  const auto sub = static_cast<int>((value >> shift) & (kSubBuckets - 1));
  return (shift + 1) * kSubBuckets + sub;
}

uint64_t LatencyHistogram::LowerBound(int bucket) {
  if (bucket < kSubBuckets) return static_cast<uint64_t>(bucket);
  const int shift = bucket / kSubBuckets - 1;
  const auto sub = static_cast<uint64_t>(bucket % kSubBuckets);
  return (uint64_t{kSubBuckets} + sub) << shift;
}

void LatencyHistogram::Record(uint64_t value_ns) {
  ++counts_[static_cast<size_t>(BucketOf(value_ns))];
  ++count_;
  max_ns_ = std::max(max_ns_, value_ns);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ns_ = std::max(max_ns_, other.max_ns_);
}

uint64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  // The rank (1-based) of the sample asked for: at least the first.
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (int bucket = 0; bucket < kBucketCount; ++bucket) {
    seen += counts_[static_cast<size_t>(bucket)];
    if (seen < rank) continue;
    const uint64_t low = LowerBound(bucket);
    const uint64_t high = bucket + 1 < kBucketCount ? LowerBound(bucket + 1) : low;
    return std::min(max_ns_, low + (high - low) / 2);
  }
  return max_ns_;
}

}  // namespace cairn::bench
