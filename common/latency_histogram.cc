// Log-linear bucketing for LatencyHistogram (see the header for the error bound).
#include "common/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace cairn {

// Below kSubBuckets a value is its own bucket. Above, a value whose highest
// bit is at `exponent` keeps its top kSubBucketBits + 1 bits, so values
// below 2 * kSubBuckets (128) are still exact.
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

void LatencyHistogram::Record(int64_t value) {
  value = std::max<int64_t>(value, 0);
  ++counts_[static_cast<size_t>(BucketOf(static_cast<uint64_t>(value)))];
  ++count_;
  max_ = std::max(max_, value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

int64_t LatencyHistogram::Percentile(double quantile) const {
  if (count_ == 0) return 0;
  // The rank (1-based) of the sample asked for: at least the first.
  const auto rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(quantile * static_cast<double>(count_))));
  int64_t seen = 0;
  for (int bucket = 0; bucket < kBucketCount; ++bucket) {
    seen += counts_[static_cast<size_t>(bucket)];
    if (seen < rank) continue;
    // The last bucket holds values up to 2^64 - 1, beyond any int64.
    if (bucket + 1 == kBucketCount) return max_;
    const uint64_t upper = LowerBound(bucket + 1) - 1;
    return static_cast<int64_t>(std::min<uint64_t>(static_cast<uint64_t>(max_), upper));
  }
  return max_;
}

}  // namespace cairn
