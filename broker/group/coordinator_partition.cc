#include "broker/group/coordinator_partition.h"

#include <limits>

namespace cairn::broker::group {
namespace {

// Decodes one UTF-8 sequence at s[i] (valid input assumed; a stray byte is
// taken as itself, which only affects invalid input).
uint32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(s[k])); };
  const uint32_t b0 = byte(i);
  size_t extra = 0;
  uint32_t cp = b0;
  if (b0 >= 0xF0) {
    extra = 3;
    cp = b0 & 0x07;
  } else if (b0 >= 0xE0) {
    extra = 2;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xC0) {
    extra = 1;
    cp = b0 & 0x1F;
  }
  if (i + extra >= s.size()) extra = s.size() - i - 1;
  for (size_t k = 1; k <= extra; ++k) cp = (cp << 6) | (byte(i + k) & 0x3F);
  i += extra + 1;
  return cp;
}

}  // namespace

int32_t JavaStringHash(std::string_view utf8) {
  // Java's int arithmetic wraps; unsigned arithmetic gives the same bits.
  uint32_t hash = 0;
  for (size_t i = 0; i < utf8.size();) {
    const uint32_t cp = NextCodePoint(utf8, i);
    if (cp >= 0x10000) {
      const uint32_t v = cp - 0x10000;
      hash = hash * 31 + (0xD800 + (v >> 10));
      hash = hash * 31 + (0xDC00 + (v & 0x3FF));
    } else {
      hash = hash * 31 + cp;
    }
  }
  return static_cast<int32_t>(hash);
}

int32_t CoordinatorPartitionFor(std::string_view group, int32_t partition_count) {
  const int32_t hash = JavaStringHash(group);
  // Kafka's Utils.abs: MIN_VALUE maps to 0.
  const int32_t positive = hash == std::numeric_limits<int32_t>::min() ? 0 : (hash < 0 ? -hash : hash);
  return positive % partition_count;
}

}  // namespace cairn::broker::group
