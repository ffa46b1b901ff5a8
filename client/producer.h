// The Producer: asynchronous sends batched per partition (linger.ms,
// batch.size), compressed, idempotent by default (producer id, epoch and
// per-partition sequences, up to 5 batches in flight with order kept on
// retry), retried with backoff until delivery.timeout.ms. docs/client.md.
//
// Threading: every public method may be called from any application thread.
// Delivery callbacks (and the futures' values) come from the client's io
// thread. Send never blocks when called from a delivery callback: there it
// fails with ResourceExhausted instead of waiting for buffer.memory.
#pragma once

#include <chrono>
#include <future>
#include <memory>

#include "absl/status/statusor.h"
#include "client/config.h"
#include "client/producer_types.h"

namespace cairn::client {

class ClientCore;
class ProducerGate;
class ProducerInbox;
class Sender;

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
  // ResourceExhausted (as does a record larger than max.request.size, with
  // InvalidArgument).
  void Send(ProducerRecord record, DeliveryCallback done);
  std::future<absl::StatusOr<RecordMetadata>> Send(ProducerRecord record);

  // Sends everything queued now without waiting for linger.ms and waits until
  // every record sent before the call completed. DeadlineExceeded on timeout.
  absl::Status Flush(std::chrono::milliseconds timeout);

  // Flushes for up to `timeout`, then fails what is left with Cancelled and
  // stops the io thread. Idempotent.
  void Close(std::chrono::milliseconds timeout);

 private:
  Producer(ProducerConfig config, std::unique_ptr<ClientCore> core);

  // Makes the Sender drain soon, on the io thread.
  void WakeSender();

  const ProducerConfig config_;
  std::unique_ptr<ClientCore> core_;
  std::unique_ptr<ProducerGate> gate_;
  std::unique_ptr<Sender> sender_;  // io thread only
  bool closed_ = false;
  // Records sent by application threads and not yet taken by the io thread.
  std::unique_ptr<ProducerInbox> inbox_;
};

}  // namespace cairn::client
