// RabbitMQ stream-queue driver (AMQP 0-9-1): each connection declares its own
// durable queue with x-queue-type=stream, puts its channel in confirm mode
// and publishes persistent messages to it through the default exchange,
// counting a record acknowledged when the broker's basic.ack (possibly
// "multiple") covers its delivery tag. Tags are 1, 2, 3... in publish order
// and the runner sends sequence numbers 0, 1, 2... in order, so tag = seq + 1.
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "bench/compare/compare_main.h"

namespace cairn::bench::compare {
namespace {

constexpr amqp_channel_t kChannel = 1;

absl::Status ReplyError(const char* what, const amqp_rpc_reply_t& reply) {
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return absl::OkStatus();
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
    return absl::UnavailableError(absl::StrCat("rabbitmq ", what, ": ", amqp_error_string2(reply.library_error)));
  }
  return absl::UnavailableError(absl::StrCat("rabbitmq ", what, ": server error, method ", reply.reply.id));
}

class RabbitPipeline final : public Pipeline {
 public:
  ~RabbitPipeline() override {
    amqp_channel_close(connection_, kChannel, AMQP_REPLY_SUCCESS);
    amqp_connection_close(connection_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(connection_);
  }

  absl::Status Connect(const CompareOptions& options, int index) {
    queue_ = absl::StrCat(options.name, "-", index);
    amqp_socket_t* socket = amqp_tcp_socket_new(connection_);
    if (socket == nullptr) return absl::InternalError("rabbitmq: no socket");
    if (const int s = amqp_socket_open(socket, options.host.c_str(), options.port); s != AMQP_STATUS_OK) {
      return absl::UnavailableError(absl::StrCat("rabbitmq connect: ", amqp_error_string2(s)));
    }
    if (absl::Status s = ReplyError("login", amqp_login(connection_, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
                                                        "guest", "guest"));
        !s.ok()) {
      return s;
    }
    amqp_channel_open(connection_, kChannel);
    if (absl::Status s = ReplyError("channel.open", amqp_get_rpc_reply(connection_)); !s.ok()) return s;
    amqp_table_entry_t stream_type;
    stream_type.key = amqp_cstring_bytes("x-queue-type");
    stream_type.value.kind = AMQP_FIELD_KIND_UTF8;
    stream_type.value.value.bytes = amqp_cstring_bytes("stream");
    const amqp_table_t arguments{1, &stream_type};
    amqp_queue_declare(connection_, kChannel, amqp_cstring_bytes(queue_.c_str()), /*passive=*/0, /*durable=*/1,
                       /*exclusive=*/0, /*auto_delete=*/0, arguments);
    if (absl::Status s = ReplyError("queue.declare", amqp_get_rpc_reply(connection_)); !s.ok()) return s;
    amqp_confirm_select(connection_, kChannel);
    return ReplyError("confirm.select", amqp_get_rpc_reply(connection_));
  }

  absl::Status Send(uint64_t, std::string_view record) override {
    amqp_basic_properties_t properties;
    properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    properties.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    const amqp_bytes_t body{record.size(), const_cast<char*>(record.data())};
    const int s = amqp_basic_publish(connection_, kChannel, amqp_empty_bytes, amqp_cstring_bytes(queue_.c_str()),
                                     /*mandatory=*/0, /*immediate=*/0, &properties, body);
    if (s != AMQP_STATUS_OK) return absl::UnavailableError(absl::StrCat("rabbitmq publish: ", amqp_error_string2(s)));
    return absl::OkStatus();
  }

  absl::Status Flush() override { return absl::OkStatus(); }  // amqp_basic_publish writes to the socket itself

  absl::Status Poll(int64_t timeout_us, const std::function<void(uint64_t)>& on_ack) override {
    timeval wait{static_cast<time_t>(timeout_us / 1000000), static_cast<suseconds_t>(timeout_us % 1000000)};
    while (true) {
      amqp_frame_t frame;
      const int s = amqp_simple_wait_frame_noblock(connection_, &frame, &wait);
      if (s == AMQP_STATUS_TIMEOUT) return absl::OkStatus();
      if (s != AMQP_STATUS_OK) return absl::UnavailableError(absl::StrCat("rabbitmq read: ", amqp_error_string2(s)));
      wait = {0, 0};  // take what else has arrived, without waiting again
      if (frame.frame_type != AMQP_FRAME_METHOD) continue;
      if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) return absl::InternalError("rabbitmq: basic.nack");
      if (frame.payload.method.id != AMQP_BASIC_ACK_METHOD) {
        return absl::InternalError(absl::StrCat("rabbitmq: unexpected method ", frame.payload.method.id));
      }
      const auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
      const uint64_t first = ack->multiple ? acked_ : ack->delivery_tag - 1;
      for (uint64_t seq = first; seq < ack->delivery_tag; ++seq) on_ack(seq);
      acked_ = ack->delivery_tag;
      amqp_maybe_release_buffers(connection_);
    }
  }

 private:
  amqp_connection_state_t connection_ = amqp_new_connection();
  std::string queue_;
  uint64_t acked_ = 0;  // every tag up to this one is acknowledged
};

}  // namespace
}  // namespace cairn::bench::compare

int main(int argc, char** argv) {
  namespace compare = cairn::bench::compare;
  return compare::CompareMain(argc, argv, {"rabbitmq", nullptr, compare::OpenConnected<compare::RabbitPipeline>});
}
