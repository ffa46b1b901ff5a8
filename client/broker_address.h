// "host:port,host:port" bootstrap lists (bootstrap.servers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn::client {

struct BrokerAddress {
  std::string host;
  uint16_t port = 0;
  bool operator==(const BrokerAddress&) const = default;
};

// Splits on commas; each entry is host:port or [v6]:port, spaces around
// entries ignored. InvalidArgument names the bad entry; an empty list is an
// error too. Hosts must be numeric or "localhost" (io/ resolves no names).
absl::StatusOr<std::vector<BrokerAddress>> ParseBrokerList(std::string_view list);

}  // namespace cairn::client
