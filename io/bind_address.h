// The address a listener binds when its host is a name
// (listeners=PLAINTEXT://broker1:9092), resolved once at start-up, as Kafka
// binds the address its host name resolves to.
//
// Blocks on DNS: call it from main() before the shards serve, never on a
// shard's thread (DESIGN.md §2).
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace cairn::io {

// `host` itself when it needs no lookup: empty (every interface), a numeric
// address (an IPv6 one possibly in brackets) or "localhost" (which
// TcpListener binds as 127.0.0.1). Otherwise the name's first IPv4 address,
// else its first IPv6 one (Java's InetAddress prefers IPv4 the same way).
// InvalidArgument when the name does not resolve.
absl::StatusOr<std::string> ResolveBindHost(const std::string& host);

}  // namespace cairn::io
