#include "client/producer.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/client_core.h"
#include "client/kafka_error.h"
#include "client/producer_gate.h"
#include "client/producer_inbox.h"
#include "client/record_arena.h"
#include "client/sender.h"
#include "common/topic_partition.h"
#include "io/shard.h"

namespace cairn::client {
namespace {

// Chunks of the record arena: records of up to 32 KiB are copied.
constexpr size_t kArenaChunkBytes = 256 << 10;

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::Status CheckTopicName(std::string_view topic) {
  absl::Status valid = ValidateTopicName(topic);
  if (valid.ok()) return valid;
  return KafkaErrorStatus(kafka_error::kInvalidTopicException, std::string(valid.message()));
}

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const ProducerConfig& config) {
  if (config.enable_idempotence && config.acks != Acks::kAll) {
    return absl::InvalidArgumentError("enable.idempotence=true needs acks=all");
  }
  if (config.max_in_flight_per_partition < 1 || (config.enable_idempotence && config.max_in_flight_per_partition > 5)) {
    return absl::InvalidArgumentError("max.in.flight per partition must be 1..5 with idempotence");
  }
  absl::StatusOr<std::unique_ptr<ClientCore>> core = ClientCore::Create(config.client);
  if (!core.ok()) return core.status();
  std::unique_ptr<Producer> producer(new Producer(config, std::move(*core)));
  // The Sender owns io::Timers, which are created on their shard's thread.
  std::promise<void> created;
  producer->core_->Post([p = producer.get(), &created] {
    p->sender_ = std::make_unique<Sender>(*p->core_, p->config_, *p->gate_, *p->inbox_, [p] { p->WakeSender(); });
    created.set_value();
  });
  created.get_future().wait();
  return producer;
}

Producer::Producer(ProducerConfig config, std::unique_ptr<ClientCore> core)
    : config_(std::move(config)),
      arena_(std::make_unique<RecordArena>(kArenaChunkBytes, std::max(config_.buffer_memory, kArenaChunkBytes))),
      core_(std::move(core)),
      gate_(std::make_unique<ProducerGate>(config_.buffer_memory)),
      inbox_(std::make_unique<ProducerInbox>(config_.batch_size)) {}

Producer::~Producer() { Close(std::chrono::milliseconds(config_.delivery_timeout_ms)); }

void Producer::Send(ProducerRecord record, DeliveryCallback done) {
  auto fail = [this, &done](absl::Status status) { FailSoon(std::move(done), std::move(status)); };
  // A scan of the name, no allocation unless it is refused.
  if (absl::Status valid = CheckTopicName(record.topic); !valid.ok()) {
    fail(std::move(valid));
    return;
  }
  if (record.timestamp_ms.has_value() && *record.timestamp_ms < 0) {
    // -1 is a batch's "no timestamp", and no time is before the epoch: the
    // Java producer refuses such a record too.
    fail(absl::InvalidArgumentError(absl::StrCat("Invalid timestamp: ", *record.timestamp_ms,
                                                 ". Timestamp should always be non-negative or null.")));
    return;
  }
  const size_t bytes = EstimateRecordBytes(record.key, record.value, record.headers);
  // Alone in its batch, with the batch's header: as the Java producer
  // counts it, so no request is larger than max.request.size.
  if (bytes + kBatchHeaderBytes > config_.max_request_size) {
    fail(KafkaErrorStatus(kafka_error::kMessageTooLarge,
                          absl::StrCat("record of about ", bytes + kBatchHeaderBytes,
                                       " bytes in its batch exceeds max.request.size ", config_.max_request_size)));
    return;
  }
  // On the io thread (inside a callback) waiting would deadlock: only that
  // thread frees memory.
  const bool on_io_thread = OnIoThread();
  absl::StatusOr<uint64_t> ticket =
      gate_->Admit(bytes, on_io_thread ? absl::ZeroDuration() : absl::Milliseconds(config_.max_block_ms));
  if (!ticket.ok()) {
    fail(ticket.status());
    return;
  }
  PendingRecord pending;
  // A small record's key and value are copied here, on the application's
  // thread, so that its strings are freed where they were allocated
  // (client/record_arena.h); a large one keeps them.
  pending.copied = arena_->Copy(record.key, record.value);
  if (pending.copied.empty()) {
    pending.key = std::move(record.key);
    pending.value = std::move(record.value);
  }
  pending.headers = std::move(record.headers);
  pending.timestamp_ms = record.timestamp_ms.value_or(WallClockMs());
  pending.enqueued_ms = SteadyNowMs();
  pending.send_id = *ticket;
  pending.reserved_bytes = bytes;
  pending.done = std::move(done);
  // Due in a batch by its linger.ms; the inbox says whether the io thread
  // must be woken for that (client/producer_inbox.h).
  const int64_t due_ms = pending.enqueued_ms + config_.linger_ms;
  OutgoingRecord outgoing{std::move(record.topic), record.partition, std::move(pending)};
  switch (inbox_->Push(std::move(outgoing), due_ms)) {
    case ProducerInbox::PushResult::kQueued:
      break;
    case ProducerInbox::PushResult::kQueuedWake:
      WakeSender();
      break;
    case ProducerInbox::PushResult::kClosed:
      // Admitted just before Close shut the gate, pushed just after the io
      // thread took the inbox's last records.
      gate_->Complete(outgoing.record.send_id, outgoing.record.reserved_bytes);
      FailSoon(std::move(outgoing.record.done), absl::CancelledError("producer closed"));
      break;
  }
}

void Producer::FailSoon(DeliveryCallback done, absl::Status status) {
  {
    std::lock_guard lock(io_stopped_mu_);
    if (!io_stopped_) {
      // Runs on the io thread, or, if Close's last io task is already
      // running, from Close's run of the tasks left behind.
      core_->Post([done = std::move(done), status = std::move(status)]() mutable { std::move(done)(status); });
      return;
    }
  }
  std::move(done)(std::move(status));
}

void Producer::WakeSender() {
  // Posted, and checked there: the Sender is destroyed on the io thread at
  // shutdown, possibly before a wake posted earlier runs.
  core_->Post([this] {
    if (sender_ != nullptr) sender_->Drain();
  });
}

std::future<absl::StatusOr<RecordMetadata>> Producer::Send(ProducerRecord record) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<RecordMetadata>>>();
  std::future<absl::StatusOr<RecordMetadata>> future = promise->get_future();
  Send(std::move(record), [promise](absl::StatusOr<RecordMetadata> result) { promise->set_value(std::move(result)); });
  return future;
}

absl::Status Producer::Flush(std::chrono::milliseconds timeout) {
  if (closed_) return absl::FailedPreconditionError("producer closed");
  if (OnIoThread()) {
    // It would wait for callbacks that this thread has to run: refused, as
    // the Java producer's flush() is from a callback.
    return absl::FailedPreconditionError(
        "Flush from a delivery callback is not permitted: it would wait for the thread running the callback");
  }
  return FlushSent(timeout);
}

bool Producer::OnIoThread() const { return io::Shard::Current() == &core_->shard(); }

absl::Status Producer::FlushSent(std::chrono::milliseconds timeout) {
  const uint64_t ticket = gate_->last_ticket();
  // Checked there, like WakeSender: a Flush racing with Close may post after
  // the Sender is gone.
  core_->Post([this, ticket] {
    if (sender_ != nullptr) sender_->FlushUpTo(ticket);
  });
  if (!gate_->AwaitCompleted(ticket, absl::FromChrono(timeout))) {
    return absl::DeadlineExceededError("Flush timed out with records still in flight");
  }
  return absl::OkStatus();
}

void Producer::Close(std::chrono::milliseconds timeout) {
  if (OnIoThread()) {
    // From a delivery callback: the io thread cannot wait for itself, so as
    // the Java producer's close() there does (close(0), no self-join), the
    // records not yet sent fail with Cancelled once the callback returns,
    // those in flight complete when answered, and the io thread is stopped
    // by the next Close from an application thread (the destructor's).
    if (closed_.exchange(true)) return;
    gate_->Close();
    core_->Post([this] {
      if (sender_ != nullptr) sender_->FailUnsent(absl::CancelledError("producer closed"));
    });
    return;
  }
  if (shut_down_.exchange(true)) return;
  // Nothing to flush after a Close from a callback: its records failed.
  if (!closed_.exchange(true)) (void)FlushSent(timeout);
  gate_->Close();
  core_->Post([sender = sender_.get()] { sender->BeginClose(); });
  core_->Shutdown([this] {
    {
      std::lock_guard lock(io_stopped_mu_);
      io_stopped_ = true;
    }
    sender_->FailAll(absl::CancelledError("producer closed"));  // closes the inbox
    sender_.reset();
  });
  // Failures posted by Sends that raced with this Close, queued behind the
  // task above: the io thread has exited, so they run here.
  core_->shard().RunLeftoverWork();
}

}  // namespace cairn::client
