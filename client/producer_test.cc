#include "client/producer.h"

#include <string>

#include "absl/strings/match.h"
#include "client/kafka_error.h"
#include "doctest/doctest.h"

namespace cairn::client {
namespace {


TEST_CASE("CheckTopicName accepts Kafka's topic names and refuses the rest with INVALID_TOPIC_EXCEPTION") {
  for (const std::string& good : {std::string("orders"), std::string("a.b_c-D9"), std::string("a"),
                                  std::string("..."), std::string(".a"), std::string("__debezium-heartbeat.x"),
                                  std::string(249, 'z')}) {
    CAPTURE(good);
    CHECK(CheckTopicName(good).ok());
  }
  for (const std::string& bad : {std::string(""), std::string("."), std::string(".."), std::string("bad name"),
                                 std::string("a/b"), std::string("a:b"), std::string("caf\xc3\xa9"),
                                 std::string("tab\t"), std::string(1, '\0'), std::string(250, 'z')}) {
    CAPTURE(bad);
    absl::Status status = CheckTopicName(bad);
    CHECK(KafkaErrorCodeOf(status) == kafka_error::kInvalidTopicException);
    CHECK(absl::StartsWith(status.message(), "INVALID_TOPIC_EXCEPTION: "));
  }
}

}  // namespace
}  // namespace cairn::client
