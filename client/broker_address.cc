#include "client/broker_address.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace cairn::client {

absl::StatusOr<std::vector<BrokerAddress>> ParseBrokerList(std::string_view list) {
  std::vector<BrokerAddress> out;
  // Debian's Abseil has its own string_view type.
  for (absl::string_view entry : absl::StrSplit(absl::string_view(list.data(), list.size()), ',')) {
    entry = absl::StripAsciiWhitespace(entry);
    if (entry.empty()) continue;
    const size_t colon = entry.rfind(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrCat("broker address '", entry, "' is not host:port"));
    }
    absl::string_view host = entry.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    uint32_t port = 0;
    if (!absl::SimpleAtoi(entry.substr(colon + 1), &port) || port == 0 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("broker address '", entry, "' has a bad port"));
    }
    out.push_back({std::string(host), static_cast<uint16_t>(port)});
  }
  if (out.empty()) return absl::InvalidArgumentError("bootstrap.servers is empty");
  return out;
}

}  // namespace cairn::client
