#include "client/cli/timestamp_arg.h"

#include <doctest/doctest.h>

namespace cairn::cli {
namespace {

TEST_CASE("timestamp arg: milliseconds since the epoch pass through") {
  CHECK(*ParseTimestampMs("to-timestamp", "0") == 0);
  CHECK(*ParseTimestampMs("to-timestamp", "1714564800000") == 1714564800000);
}

TEST_CASE("timestamp arg: ISO-8601 with Z, an offset and fractional seconds") {
  CHECK(*ParseTimestampMs("to-timestamp", "2024-05-01T12:00:00Z") == 1714564800000);
  CHECK(*ParseTimestampMs("to-timestamp", "2024-05-01T14:00:00+02:00") == 1714564800000);
  CHECK(*ParseTimestampMs("to-timestamp", "2024-05-01T12:00:00.250Z") == 1714564800250);
  CHECK(*ParseTimestampMs("to-timestamp", "1970-01-01T00:00:00.001Z") == 1);
}

TEST_CASE("timestamp arg: no zone, garbage, negatives and times before 1970 are refused, naming the flag") {
  for (const char* bad : {"2024-05-01T12:00:00", "2024-05-01", "yesterday", "", "-5", "12ms",
                          "1969-12-31T23:59:59Z"}) {
    CAPTURE(bad);
    auto parsed = ParseTimestampMs("to-timestamp", bad);
    REQUIRE(!parsed.ok());
    CHECK(parsed.status().message().find("--to-timestamp") != std::string::npos);
  }
}

}  // namespace
}  // namespace cairn::cli
