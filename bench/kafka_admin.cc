// CreateTopics through librdkafka's admin API (see kafka_admin.h).
#include "bench/kafka_admin.h"

#include <librdkafka/rdkafka.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bench/kafka_client_config.h"

namespace cairn::bench {

absl::Status CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions) {
  absl::StatusOr<rd_kafka_t*> client = NewKafkaClient(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap}});
  if (!client.ok()) return client.status();
  char error[512];
  rd_kafka_NewTopic_t* new_topic = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, error, sizeof(error));
  if (new_topic == nullptr) {
    rd_kafka_destroy(*client);
    return absl::InvalidArgumentError(absl::StrCat("topic ", topic, ": ", error));
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(*client);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(*client, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, 30000, error, sizeof(error));
  rd_kafka_CreateTopics(*client, &new_topic, 1, options, queue);

  absl::Status status = absl::DeadlineExceededError(absl::StrCat("CreateTopics ", topic, ": no answer in 30 s"));
  if (rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000)) {
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
    size_t count = 0;
    const rd_kafka_topic_result_t** topics = result ? rd_kafka_CreateTopics_result_topics(result, &count) : nullptr;
    if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = absl::InternalError(absl::StrCat("CreateTopics ", topic, ": ", rd_kafka_event_error_string(event)));
    } else if (count != 1) {
      status = absl::InternalError(absl::StrCat("CreateTopics ", topic, ": ", count, " results"));
    } else if (rd_kafka_topic_result_error(topics[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = absl::InternalError(
          absl::StrCat("CreateTopics ", topic, ": ", rd_kafka_topic_result_error_string(topics[0])));
    } else {
      status = absl::OkStatus();
    }
    rd_kafka_event_destroy(event);
  }
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy(new_topic);
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(*client);
  return status;
}

}  // namespace cairn::bench
