// The versions a broker accepts per API (its ApiVersions answer) and the
// version the client uses: the highest one both the broker and our codec
// (proto/kafka/generated/api.h) support.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proto/kafka/generated/api_versions.h"

namespace cairn::client {

class ApiVersionTable {
 public:
  struct Range {
    int16_t min_version = 0;
    int16_t max_version = 0;
  };

  ApiVersionTable() = default;
  static ApiVersionTable FromResponse(const kafka::ApiVersionsResponse& response);

  void Set(int16_t api_key, Range range) { ranges_[api_key] = range; }
  // The highest version in both [our min, our max] and the broker's range;
  // Unimplemented naming the API when the ranges do not meet or the broker
  // does not know the API.
  absl::StatusOr<int16_t> Pick(int16_t api_key) const;

 private:
  absl::flat_hash_map<int16_t, Range> ranges_;
};

}  // namespace cairn::client
