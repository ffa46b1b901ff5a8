// Size flags of the benchmark programs: "64K", "1G", "1048576" (K/M/G are
// powers of 1024). nullopt for anything else, or for a value below `min`.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>

namespace cairn::bench {

inline std::optional<int64_t> ParseSize(const char* text, int64_t min = 0) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || value < min) return std::nullopt;
  int64_t scale = 1;
  if (*end == 'K' || *end == 'k') scale = 1LL << 10;
  if (*end == 'M' || *end == 'm') scale = 1LL << 20;
  if (*end == 'G' || *end == 'g') scale = 1LL << 30;
  if (scale != 1) ++end;
  if (*end != '\0') return std::nullopt;
  return static_cast<int64_t>(value) * scale;
}

}  // namespace cairn::bench
