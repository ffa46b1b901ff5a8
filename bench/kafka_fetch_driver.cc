// A librdkafka consumer draining a topic (see kafka_fetch_driver.h).
#include "bench/kafka_fetch_driver.h"

#include <librdkafka/rdkafka.h>

#include <array>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "bench/proc_stats.h"

namespace cairn::bench {

absl::StatusOr<FetchResult> RunFetchLoad(const FetchLoad& load) {
  absl::StatusOr<rd_kafka_t*> client = NewKafkaClient(RD_KAFKA_CONSUMER, load.settings);
  if (!client.ok()) return client.status();
  rd_kafka_poll_set_consumer(*client);
  rd_kafka_topic_partition_list_t* partitions = rd_kafka_topic_partition_list_new(load.partitions);
  for (int p = 0; p < load.partitions; ++p) {
    rd_kafka_topic_partition_list_add(partitions, load.topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(*client);

  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  absl::Status status;
  if (const rd_kafka_resp_err_t error = rd_kafka_assign(*client, partitions); error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = absl::InternalError(absl::StrCat("assign: ", rd_kafka_err2str(error)));
  }
  FetchResult result;
  std::array<rd_kafka_message_t*, 4096> messages;
  while (status.ok() && result.records < load.records) {
    const ssize_t count = rd_kafka_consume_batch_queue(queue, 1000, messages.data(), messages.size());
    for (ssize_t i = 0; i < count; ++i) {
      const rd_kafka_message_t* message = messages[static_cast<size_t>(i)];
      if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++result.records;
        result.value_bytes += static_cast<int64_t>(message->len);
      } else if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && status.ok()) {
        status = absl::InternalError(absl::StrCat("consume: ", rd_kafka_message_errstr(message)));
      }
      rd_kafka_message_destroy(messages[static_cast<size_t>(i)]);
    }
    const Clock::time_point now = Clock::now();
    if (count > 0) last = now;
    if (now - last > std::chrono::seconds(30)) {
      status =
          absl::DeadlineExceededError(absl::StrCat("no record for 30 s after ", result.records, " of ", load.records));
    }
  }
  result.seconds = std::chrono::duration<double>(last - start).count();
  // Before the threads exit; they were created with the client, so their
  // whole CPU time is this load's.
  result.fetch_thread_cpu_seconds = SelfThreadsCpuSeconds("rdk:broker");
  rd_kafka_queue_destroy(queue);
  rd_kafka_topic_partition_list_destroy(partitions);
  rd_kafka_consumer_close(*client);
  rd_kafka_destroy(*client);
  if (!status.ok()) return status;
  return result;
}

}  // namespace cairn::bench
