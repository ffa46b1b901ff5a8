// NATS JetStream driver: each connection publishes asynchronously to its own
// file-storage stream and counts a record acknowledged when the stream's
// PubAck arrives. nats-server 2.9 acknowledges once the message is in its
// file store's buffer, before any fsync (its sync_interval is a timer), so
// run.sh labels this row "acknowledges before fsync".
//
// Threading: libnats calls the ack handler on its own delivery thread; the
// handler hands sequence numbers (the first 8 bytes of each record) to the
// runner thread under a mutex.
#include <nats/nats.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/compare/compare_main.h"

namespace cairn::bench::compare {
namespace {

absl::Status NatsError(const char* what, natsStatus status) {
  return absl::UnavailableError(absl::StrCat("nats ", what, ": ", natsStatus_GetText(status)));
}

class NatsPipeline final : public Pipeline {
 public:
  ~NatsPipeline() override {
    if (js_ != nullptr) jsCtx_Destroy(js_);
    if (connection_ != nullptr) natsConnection_Destroy(connection_);
  }

  absl::Status Connect(const CompareOptions& options, int index) {
    subject_ = absl::StrCat(options.name, ".", index);
    natsOptions* nats_options = nullptr;
    natsStatus s = natsOptions_Create(&nats_options);
    if (s == NATS_OK) s = natsOptions_SetURL(nats_options, absl::StrCat("nats://", options.host, ":", options.port).c_str());
    if (s == NATS_OK) s = natsConnection_Connect(&connection_, nats_options);
    natsOptions_Destroy(nats_options);
    if (s != NATS_OK) return NatsError("connect", s);
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.PublishAsync.MaxPending = options.window_records() + 1;  // the runner's window binds first
    js_options.PublishAsync.AckHandler = OnAck;
    js_options.PublishAsync.AckHandlerClosure = this;
    if (s = natsConnection_JetStream(&js_, connection_, &js_options); s != NATS_OK) return NatsError("jetstream", s);

    // One stream per connection, like one partition each.
    const std::string stream = absl::StrCat(options.name, "_", index);
    const char* subjects[] = {subject_.c_str()};
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = stream.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Replicas = 1;
    jsStreamInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    s = js_AddStream(&info, js_, &config, nullptr, &code);
    if (info != nullptr) jsStreamInfo_Destroy(info);
    if (s != NATS_OK) return NatsError("add stream", s);
    return absl::OkStatus();
  }

  absl::Status Send(uint64_t, std::string_view record) override {
    const natsStatus s = js_PublishAsync(js_, subject_.c_str(), record.data(), static_cast<int>(record.size()), nullptr);
    return s == NATS_OK ? absl::OkStatus() : NatsError("publish", s);
  }

  absl::Status Flush() override { return absl::OkStatus(); }  // libnats' flusher thread sends on its own

  absl::Status Poll(int64_t timeout_us, const std::function<void(uint64_t)>& on_ack) override {
    {
      std::unique_lock lock(mutex_);
      acked_.wait_for(lock, std::chrono::microseconds(timeout_us), [this] { return !ready_.empty() || !error_.empty(); });
      if (!error_.empty()) return absl::InternalError("nats publish: " + error_);
      taken_.swap(ready_);
    }
    for (uint64_t seq : taken_) on_ack(seq);
    taken_.clear();
    return absl::OkStatus();
  }

 private:
  static void OnAck(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure) {
    auto* self = static_cast<NatsPipeline*>(closure);
    uint64_t seq = 0;
    std::memcpy(&seq, natsMsg_GetData(msg), sizeof(seq));
    natsMsg_Destroy(msg);
    std::lock_guard lock(self->mutex_);
    if (ack == nullptr) {
      self->error_ = error != nullptr && error->ErrText != nullptr ? error->ErrText : "negative ack";
    } else {
      self->ready_.push_back(seq);
    }
    self->acked_.notify_one();
  }

  natsConnection* connection_ = nullptr;
  jsCtx* js_ = nullptr;
  std::string subject_;
  std::mutex mutex_;
  std::condition_variable acked_;
  std::vector<uint64_t> ready_;  // acknowledged, not yet handed to the runner (under mutex_)
  std::string error_;            // first negative ack (under mutex_)
  std::vector<uint64_t> taken_;  // the runner's side of the swap
};

}  // namespace
}  // namespace cairn::bench::compare

int main(int argc, char** argv) {
  namespace compare = cairn::bench::compare;
  return compare::CompareMain(argc, argv, {"nats", nullptr, compare::OpenConnected<compare::NatsPipeline>});
}
