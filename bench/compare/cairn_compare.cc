// Cairn driver, through the Kafka protocol with librdkafka and kafka_bench's
// producer settings (acks=all, no compression): one topic with a partition
// per connection, each connection a producer of its own writing to its own
// partition. cairnd acknowledges acks=all produce once the batch is fsynced.
//
// Delivery reports are served on the runner thread (rd_kafka_poll); to wait
// for them with microsecond timeouts, the main queue signals a pipe.
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "bench/compare/compare_main.h"
#include "bench/kafka_admin.h"
#include "bench/kafka_bench_phases.h"

namespace cairn::bench::compare {
namespace {

std::string Topic(const CompareOptions& options) { return options.name; }
std::string Bootstrap(const CompareOptions& options) { return absl::StrCat(options.host, ":", options.port); }

class KafkaPipeline final : public Pipeline {
 public:
  ~KafkaPipeline() override {
    if (topic_ != nullptr) rd_kafka_topic_destroy(topic_);
    if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
    if (client_ != nullptr) rd_kafka_destroy(client_);
    for (int fd : wake_) {
      if (fd >= 0) close(fd);
    }
  }

  absl::Status Connect(const CompareOptions& options, int index) {
    partition_ = index;
    KafkaBenchOptions bench;  // kafka_bench's producer settings, with our batching
    bench.linger_ms = linger_ms_;
    bench.batch_bytes = 1000000;
    bench.in_flight_bytes = 4 * options.window_bytes;  // never the limit: the runner's window is
    KafkaSettings settings = ProducerSettings(Bootstrap(options), bench);
    // librdkafka alone among the drivers' clients leaves Nagle's algorithm on
    // (libnats and hiredis set TCP_NODELAY, as does the Java Kafka client), so a
    // request could wait in the kernel for the previous one's acknowledgement.
    settings.push_back({"socket.nagle.disable", "true"});
    absl::StatusOr<rd_kafka_t*> client = NewKafkaClient(
        RD_KAFKA_PRODUCER, settings,
        [](rd_kafka_conf_t* conf, void* self) {
          rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
          rd_kafka_conf_set_opaque(conf, self);
        },
        this);
    if (!client.ok()) return client.status();
    client_ = *client;
    topic_ = rd_kafka_topic_new(client_, Topic(options).c_str(), nullptr);
    if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return absl::InternalError("pipe");
    queue_ = rd_kafka_queue_get_main(client_);
    rd_kafka_queue_io_event_enable(queue_, wake_[1], "1", 1);
    // Connect and learn the leader before the clock starts.
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t known = rd_kafka_metadata(client_, 0, topic_, &metadata, 10000);
    if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
    if (known != RD_KAFKA_RESP_ERR_NO_ERROR) return absl::UnavailableError(rd_kafka_err2str(known));
    return absl::OkStatus();
  }

  absl::Status Send(uint64_t seq, std::string_view record) override {
    if (rd_kafka_produce(topic_, partition_, RD_KAFKA_MSG_F_COPY, const_cast<char*>(record.data()), record.size(),
                         nullptr, 0, reinterpret_cast<void*>(static_cast<uintptr_t>(seq))) != 0) {
      return absl::InternalError(absl::StrCat("produce: ", rd_kafka_err2str(rd_kafka_last_error())));
    }
    return absl::OkStatus();
  }

  absl::Status Flush() override { return absl::OkStatus(); }  // librdkafka sends after linger.ms

  absl::Status Poll(int64_t timeout_us, const std::function<void(uint64_t)>& on_ack) override {
    on_ack_ = &on_ack;
    char drain[64];
    while (read(wake_[0], drain, sizeof(drain)) > 0) {
    }
    if (rd_kafka_poll(client_, 0) == 0) {
      pollfd fd{wake_[0], POLLIN, 0};
      const timespec timeout{static_cast<time_t>(timeout_us / 1000000), static_cast<long>(timeout_us % 1000000) * 1000};
      ppoll(&fd, 1, &timeout, nullptr);
      rd_kafka_poll(client_, 0);
    }
    on_ack_ = nullptr;
    if (!error_.empty()) return absl::InternalError("delivery: " + error_);
    return absl::OkStatus();
  }

  static void set_linger_ms(int ms) { linger_ms_ = ms; }

 private:
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto* self = static_cast<KafkaPipeline*>(opaque);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (self->error_.empty()) self->error_ = rd_kafka_err2str(message->err);
      return;
    }
    (*self->on_ack_)(static_cast<uint64_t>(reinterpret_cast<uintptr_t>(message->_private)));
  }

  static inline int linger_ms_ = 1;
  rd_kafka_t* client_ = nullptr;
  rd_kafka_topic_t* topic_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  int wake_[2] = {-1, -1};
  int32_t partition_ = 0;
  const std::function<void(uint64_t)>* on_ack_ = nullptr;  // during Poll
  std::string error_;
};

absl::Status Setup(const CompareOptions& options) {
  return CreateTopic(Bootstrap(options), Topic(options), options.connections);
}

}  // namespace
}  // namespace cairn::bench::compare

int main(int argc, char** argv) {
  // CAIRN_COMPARE_LINGER_MS: librdkafka's linger.ms (default 1), kept out of
  // the shared flags because only this driver batches on the client.
  if (const char* linger = std::getenv("CAIRN_COMPARE_LINGER_MS")) {
    cairn::bench::compare::KafkaPipeline::set_linger_ms(std::atoi(linger));
  }
  namespace compare = cairn::bench::compare;
  return compare::CompareMain(argc, argv, {"cairn", compare::Setup, compare::OpenConnected<compare::KafkaPipeline>});
}
