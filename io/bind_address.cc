#include "io/bind_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace cairn::io {
namespace {

bool IsNumeric(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

std::string Numeric(const addrinfo& entry) {
  char text[INET6_ADDRSTRLEN] = {};
  const void* address = nullptr;
  if (entry.ai_family == AF_INET) {
    address = &reinterpret_cast<const sockaddr_in*>(entry.ai_addr)->sin_addr;
  } else {
    address = &reinterpret_cast<const sockaddr_in6*>(entry.ai_addr)->sin6_addr;
  }
  inet_ntop(entry.ai_family, address, text, sizeof(text));
  return text;
}

}  // namespace

absl::StatusOr<std::string> ResolveBindHost(const std::string& host) {
  if (host.empty() || host == "localhost") return host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host;
  if (IsNumeric(host)) return host;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int error = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (error != 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot resolve the host '", host, "': ", gai_strerror(error)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, &freeaddrinfo);
  const addrinfo* chosen = nullptr;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family == AF_INET) {
      chosen = entry;
      break;
    }
    if (entry->ai_family == AF_INET6 && chosen == nullptr) chosen = entry;
  }
  if (chosen == nullptr) return absl::InvalidArgumentError(absl::StrCat("the host '", host, "' has no IP address"));
  return Numeric(*chosen);
}

}  // namespace cairn::io
