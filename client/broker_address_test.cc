#include "client/broker_address.h"

#include "doctest/doctest.h"

namespace cairn::client {
namespace {

TEST_CASE("ParseBrokerList: reads host:port entries, IPv6 brackets and spaces") {
  auto list = ParseBrokerList("127.0.0.1:9092, localhost:19092,[::1]:9093");
  REQUIRE(list.ok());
  REQUIRE(list->size() == 3);
  CHECK((*list)[0] == BrokerAddress{"127.0.0.1", 9092});
  CHECK((*list)[1] == BrokerAddress{"localhost", 19092});
  CHECK((*list)[2] == BrokerAddress{"::1", 9093});
}

TEST_CASE("ParseBrokerList: rejects missing ports, bad ports and empty lists") {
  CHECK(ParseBrokerList("127.0.0.1").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ParseBrokerList("127.0.0.1:0").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ParseBrokerList("127.0.0.1:70000").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ParseBrokerList("h:x").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ParseBrokerList(" , ").status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::client
