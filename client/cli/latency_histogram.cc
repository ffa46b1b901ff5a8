#include "client/cli/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace cairn::cli {

// Values below 128 have their own bucket. Above, a value with its highest
// bit at position msb (>= 7) keeps its top 7 bits: (value >> shift) lies in
// [64, 127] with shift = msb - 6, so each power of two gets 64 buckets.
int LatencyHistogram::IndexOf(uint64_t value) {
  if (value < 128) return static_cast<int>(value);
  const int msb = std::bit_width(value) - 1;
  const int shift = msb - kSubBits;
  const int top = static_cast<int>(value >> shift);  // 64..127
  return std::min(kBuckets - 1, 128 + (shift - 1) * 64 + (top - 64));
}

uint64_t LatencyHistogram::UpperBoundOf(int index) {
  if (index < 128) return static_cast<uint64_t>(index);
  const int shift = (index - 128) / 64 + 1;
  const uint64_t top = static_cast<uint64_t>((index - 128) % 64 + 64);
  return ((top + 1) << shift) - 1;
}

void LatencyHistogram::Record(int64_t micros) {
  const uint64_t value = micros < 0 ? 0 : static_cast<uint64_t>(micros);
  ++counts_[IndexOf(value)];
  ++count_;
  max_ = std::max<int64_t>(max_, static_cast<int64_t>(value));
}

int64_t LatencyHistogram::Percentile(double quantile) const {
  if (count_ == 0) return 0;
  const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(quantile * static_cast<double>(count_))));
  int64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min<int64_t>(max_, static_cast<int64_t>(UpperBoundOf(i)));
  }
  return max_;
}

}  // namespace cairn::cli
