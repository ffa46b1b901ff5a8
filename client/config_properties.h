// Client settings by their Kafka names ("linger.ms" = "20"), as the Java
// client's Properties and librdkafka's rd_kafka_conf_set take them, for
// configs read from files or command lines. docs/client.md lists the keys.
//
// Each SetProperty knows the keys of its config (a ProducerConfig's include
// ClientConfig's): an unknown key is NotFound, a bad value InvalidArgument;
// both messages name the key. Values are checked for form and range only;
// combinations (idempotence with acks) are checked where the client is
// created.
#pragma once

#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "client/config.h"
#include "client/consumer.h"

namespace cairn::client {

absl::Status SetProperty(ClientConfig& config, absl::string_view key, absl::string_view value);
absl::Status SetProperty(ProducerConfig& config, absl::string_view key, absl::string_view value);
absl::Status SetProperty(ConsumerConfig& config, absl::string_view key, absl::string_view value);

}  // namespace cairn::client
