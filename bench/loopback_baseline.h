// The network baseline for fetch: how fast this machine moves bytes through
// one loopback TCP connection, sender and receiver being threads of this
// process, with 1 MiB writes and reads (the size of a large fetch response).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

namespace cairn::bench {

// Sends `total_bytes` over 127.0.0.1 in `chunk_bytes` writes and receives
// them in `chunk_bytes` reads. Returns the seconds from connect to the last
// byte received.
absl::StatusOr<double> LoopbackTransferSeconds(int64_t total_bytes, int64_t chunk_bytes);

}  // namespace cairn::bench
