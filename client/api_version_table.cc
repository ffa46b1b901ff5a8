#include "client/api_version_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "proto/kafka/generated/api.h"

namespace cairn::client {

ApiVersionTable ApiVersionTable::FromResponse(const kafka::ApiVersionsResponse& response) {
  ApiVersionTable table;
  for (const auto& api : response.api_keys) {
    table.Set(api.api_key, {api.min_version, api.max_version});
  }
  return table;
}

absl::StatusOr<int16_t> ApiVersionTable::Pick(int16_t api_key) const {
  const kafka::ApiInfo* ours = kafka::FindApi(api_key);
  const char* name = ours != nullptr ? ours->name : "unknown API";
  auto it = ranges_.find(api_key);
  if (ours == nullptr || it == ranges_.end()) {
    return absl::UnimplementedError(absl::StrCat("the broker does not support ", name, " (key ", api_key, ")"));
  }
  const int16_t high = std::min(ours->max_version, it->second.max_version);
  const int16_t low = std::max(ours->min_version, it->second.min_version);
  if (high < low) {
    return absl::UnimplementedError(absl::StrCat("no common version of ", name, ": broker ", it->second.min_version,
                                                 "-", it->second.max_version, ", client ", ours->min_version, "-",
                                                 ours->max_version));
  }
  return high;
}

}  // namespace cairn::client
