// rd_kafka_conf_t from KafkaSettings (see kafka_client_config.h).
#include "bench/kafka_client_config.h"

#include "absl/strings/str_cat.h"

namespace cairn::bench {

absl::StatusOr<rd_kafka_t*> NewKafkaClient(rd_kafka_type_t type, const KafkaSettings& settings,
                                           void (*configure)(rd_kafka_conf_t*, void*), void* configure_arg) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat("librdkafka ", key, "=", value, ": ", error));
    }
  }
  if (configure != nullptr) configure(conf, configure_arg);
  rd_kafka_t* client = rd_kafka_new(type, conf, error, sizeof(error));  // owns conf on success
  if (client == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat("rd_kafka_new: ", error));
  }
  return client;
}

}  // namespace cairn::bench
