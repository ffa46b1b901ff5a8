// Redis Streams driver: each connection XADDs to its own stream, pipelined
// (hiredis buffers the commands, one write per burst), and counts a record
// acknowledged when its XADD reply arrives. Replies come back in command
// order, so a FIFO of sequence numbers matches them. With appendfsync
// always, Redis fsyncs the AOF before it sends the replies of a batch.
#include <hiredis/hiredis.h>
#include <poll.h>

#include <deque>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench/compare/compare_main.h"

namespace cairn::bench::compare {
namespace {

class RedisPipeline final : public Pipeline {
 public:
  RedisPipeline(redisContext* context, std::string stream) : context_(context), stream_(std::move(stream)) {}
  ~RedisPipeline() override { redisFree(context_); }

  absl::Status Send(uint64_t seq, std::string_view record) override {
    if (redisAppendCommand(context_, "XADD %b * d %b", stream_.data(), stream_.size(), record.data(), record.size()) !=
        REDIS_OK) {
      return Error("XADD");
    }
    pending_.push_back(seq);
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    for (int done = 0; !done;) {
      if (redisBufferWrite(context_, &done) != REDIS_OK) return Error("write");
    }
    return absl::OkStatus();
  }

  absl::Status Poll(int64_t timeout_us, const std::function<void(uint64_t)>& on_ack) override {
    int acked = 0;
    if (absl::Status s = TakeReplies(on_ack, &acked); !s.ok() || acked > 0 || pending_.empty()) return s;
    pollfd fd{context_->fd, POLLIN, 0};
    const timespec timeout{static_cast<time_t>(timeout_us / 1000000), static_cast<long>(timeout_us % 1000000) * 1000};
    if (ppoll(&fd, 1, &timeout, nullptr) <= 0) return absl::OkStatus();
    if (redisBufferRead(context_) != REDIS_OK) return Error("read");
    return TakeReplies(on_ack, &acked);
  }

 private:
  // Every complete reply already read from the socket.
  absl::Status TakeReplies(const std::function<void(uint64_t)>& on_ack, int* acked) {
    void* reply = nullptr;
    while (!pending_.empty()) {
      if (redisReaderGetReply(context_->reader, &reply) != REDIS_OK) return Error("reply");
      if (reply == nullptr) break;
      const bool failed = static_cast<redisReply*>(reply)->type == REDIS_REPLY_ERROR;
      const std::string text = failed ? static_cast<redisReply*>(reply)->str : "";
      freeReplyObject(reply);
      if (failed) return absl::InternalError("XADD: " + text);
      on_ack(pending_.front());
      pending_.pop_front();
      ++*acked;
    }
    return absl::OkStatus();
  }

  absl::Status Error(const char* what) const {
    return absl::UnavailableError(absl::StrCat("redis ", what, ": ", context_->errstr));
  }

  redisContext* const context_;
  const std::string stream_;
  std::deque<uint64_t> pending_;  // sequence numbers of the XADDs not yet answered
};

absl::StatusOr<std::unique_ptr<Pipeline>> Open(const CompareOptions& options, int index) {
  redisContext* context = redisConnect(options.host.c_str(), options.port);
  if (context == nullptr || context->err != 0) {
    const std::string why = context != nullptr ? context->errstr : "out of memory";
    if (context != nullptr) redisFree(context);
    return absl::UnavailableError("redis connect: " + why);
  }
  return std::make_unique<RedisPipeline>(context, absl::StrCat(options.name, "-", index));
}

}  // namespace
}  // namespace cairn::bench::compare

int main(int argc, char** argv) {
  return cairn::bench::compare::CompareMain(argc, argv, {"redis", nullptr, cairn::bench::compare::Open});
}
