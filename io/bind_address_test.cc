#include "io/bind_address.h"

#include <doctest/doctest.h>

#include "absl/strings/match.h"

namespace cairn::io {
namespace {

TEST_CASE("ResolveBindHost: addresses, every interface and localhost need no lookup") {
  for (const char* host : {"", "127.0.0.1", "0.0.0.0", "::1", "[::1]", "localhost"}) {
    absl::StatusOr<std::string> bound = ResolveBindHost(host);
    REQUIRE(bound.ok());
    CHECK(*bound == host);
  }
}

TEST_CASE("ResolveBindHost: a name becomes its address") {
  // localhost from /etc/hosts, in capitals so that the lookup answers (names
  // match without regard to case, RFC 4343), not the shortcut above.
  absl::StatusOr<std::string> bound = ResolveBindHost("LOCALHOST");
  REQUIRE(bound.ok());
  CHECK(*bound == "127.0.0.1");
}

TEST_CASE("ResolveBindHost: a name that does not resolve is InvalidArgument, naming it") {
  absl::StatusOr<std::string> bound = ResolveBindHost("no-such-broker.invalid");  // RFC 2606
  REQUIRE(!bound.ok());
  CHECK(absl::IsInvalidArgument(bound.status()));
  CHECK(absl::StrContains(bound.status().message(), "cannot resolve the host 'no-such-broker.invalid'"));
}

}  // namespace
}  // namespace cairn::io
