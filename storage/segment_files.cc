#include "storage/segment_files.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cairn::storage {

std::string SegmentStem(int64_t base_offset) { return absl::StrFormat("%020d", base_offset); }

std::string SegmentPath(const std::string& dir, int64_t base_offset, std::string_view suffix) {
  return absl::StrCat(dir, "/", SegmentStem(base_offset), absl::string_view(suffix.data(), suffix.size()));
}

std::optional<int64_t> ParseSegmentName(std::string_view name, std::string_view suffix) {
  if (name.size() != 20 + suffix.size() || name.substr(20) != suffix) return std::nullopt;
  std::string_view digits = name.substr(0, 20);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t base = 0;
  if (!absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &base) || base < 0) return std::nullopt;
  return base;
}

}  // namespace cairn::storage
