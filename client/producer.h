// The Producer: asynchronous sends batched per partition (linger.ms,
// batch.size), compressed, idempotent by default (producer id, epoch and
// per-partition sequences, up to 5 batches in flight with order kept on
// retry), retried with backoff until delivery.timeout.ms. docs/client.md.
//
// Threading: every public method may be called from any application thread.
// Delivery callbacks (and the futures' values) come from the client's io
// thread. Send never blocks when called from a delivery callback: there it
// fails with ResourceExhausted instead of waiting for buffer.memory. Every
// Send's callback runs exactly once, even when the Send races with Close on
// another thread: it then fails with Cancelled or FailedPrecondition, on the
// calling thread (or Close's) if the io thread has already stopped.
#pragma once

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string_view>

#include "absl/status/statusor.h"
#include "client/config.h"
#include "client/producer_types.h"

namespace cairn::client {

class ClientCore;
class ProducerGate;
class ProducerInbox;
class RecordArena;
class Sender;

// INVALID_TOPIC_EXCEPTION unless `topic` is a name Kafka accepts (1..249
// characters of [a-zA-Z0-9._-], not "." or ".."; common/topic_partition.h),
// else OK. Send checks every record's topic with it: a broker only refuses
// such a name, so waiting for its metadata would be in vain.
absl::Status CheckTopicName(std::string_view topic);

class Producer {
 public:
  // InvalidArgument for a bad config (idempotence without acks=all, a bad
  // bootstrap list); the first broker is contacted lazily.
  static absl::StatusOr<std::unique_ptr<Producer>> Create(const ProducerConfig& config);
  // Close(delivery.timeout.ms).
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues `record`; `done` runs once with its partition and offset or the
  // error (Kafka errors by name, see kafka_error.h). Blocks up to
  // max.block.ms while buffer.memory is used up; then `done` gets
  // ResourceExhausted. Fails at once, without blocking, a record whose topic
  // name Kafka refuses (INVALID_TOPIC_EXCEPTION, CheckTopicName), that is
  // larger than max.request.size (MESSAGE_TOO_LARGE), or whose explicit
  // timestamp is negative (InvalidArgument, as in the Java producer).
  void Send(ProducerRecord record, DeliveryCallback done);
  std::future<absl::StatusOr<RecordMetadata>> Send(ProducerRecord record);

  // Sends everything queued now without waiting for linger.ms and waits until
  // every record sent before the call completed. DeadlineExceeded on timeout;
  // FailedPrecondition after Close, and at once from a delivery callback
  // (the callback's thread would wait for itself).
  absl::Status Flush(std::chrono::milliseconds timeout);

  // Flushes for up to `timeout`, then fails what is left with Cancelled and
  // stops the io thread. Idempotent. From a delivery callback, where waiting
  // would deadlock, it does not wait (the Java producer's close(0)): records
  // not yet sent fail with Cancelled after the callback returns, those in
  // flight complete when answered, and the destructor stops the io thread.
  void Close(std::chrono::milliseconds timeout);

 private:
  Producer(ProducerConfig config, std::unique_ptr<ClientCore> core);

  // Makes the Sender drain soon, on the io thread.
  void WakeSender();
  // Flush without the closed check (Close's own flush).
  absl::Status FlushSent(std::chrono::milliseconds timeout);
  // Runs `done` with `status` on the io thread, or on the calling thread once
  // the io thread has stopped taking work (Close): no callback is dropped.
  void FailSoon(DeliveryCallback done, absl::Status status);
  // Whether the calling thread is the io thread (inside a delivery callback).
  bool OnIoThread() const;

  const ProducerConfig config_;
  // Before everything that holds records, so that it is destroyed after them.
  std::unique_ptr<RecordArena> arena_;
  std::unique_ptr<ClientCore> core_;
  std::unique_ptr<ProducerGate> gate_;
  std::unique_ptr<Sender> sender_;  // io thread only
  std::atomic<bool> closed_ = false;     // no more Sends or Flushes
  std::atomic<bool> shut_down_ = false;  // an application thread's Close stops the io thread
  // Set on the io thread by Close's last task there, before the Sender fails
  // what it holds; a FailSoon after that runs its callback inline.
  std::mutex io_stopped_mu_;
  bool io_stopped_ = false;  // guarded by io_stopped_mu_
  // Records sent by application threads and not yet taken by the io thread.
  std::unique_ptr<ProducerInbox> inbox_;
};

}  // namespace cairn::client
