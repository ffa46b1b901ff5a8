// A minimal blocking HTTP/1.1 GET for the benchmark to read the broker's
// admin endpoints (/v1/ready, /metrics). The admin server answers with
// "Connection: close", so the body is everything after the headers.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace cairn::bench {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// GET http://127.0.0.1:`port``path`, giving up after `timeout_ms` per socket operation.
absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path, int timeout_ms = 2000);

}  // namespace cairn::bench
