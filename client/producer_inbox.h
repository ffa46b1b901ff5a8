// Records on their way from Producer::Send (any thread) to the producer's io
// thread, and whether a Send must wake that thread for them.
//
// A record has until its Send time plus linger.ms to reach a batch. The io
// thread says when it will next look at the inbox anyway (Promise: the time
// its own timer fires, for a batch's linger or a retry); a record due no
// earlier than that is left for then, and only one due sooner wakes the
// thread. So while a batch lingers, the records that join it cost no wake
// of the io thread each, as the Java client wakes its sender only for a new
// or full batch. With linger.ms 0 every record is due at once and wakes the
// thread unless a wake is already on its way.
//
// Threading: thread-safe. Push runs on application threads, TakeAll and
// Promise on the io thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/partition_queue.h"

namespace cairn::client {

// A record admitted by the ProducerGate, before the io thread assigns it a
// partition (when the application gave none) and a batch.
struct OutgoingRecord {
  std::string topic;
  std::optional<int32_t> partition;
  PendingRecord record;
};

class ProducerInbox {
 public:
  // `wake_bytes`: records of this many bytes waiting wake the io thread
  // whatever their due time (batch.size: a batch's worth is sent at once).
  explicit ProducerInbox(size_t wake_bytes) : wake_bytes_(wake_bytes) {}

  enum class PushResult {
    kQueued,
    // Queued, and the caller must wake the io thread: no wake is on its way,
    // and the thread's promise comes later than the record is due (or the
    // records waiting reach wake_bytes).
    kQueuedWake,
    // The inbox is closed (the producer shut down): the record was not
    // taken, and the caller must fail it itself.
    kClosed,
  };
  // Adds a record that should be in a batch by `due_ms` (steady clock).
  // Moves from `record` unless the result is kClosed.
  PushResult Push(OutgoingRecord&& record, int64_t due_ms);

  // io thread: moves every waiting record, oldest first, to the end of `out`.
  // A wake asked for before this call is then considered delivered.
  void TakeAll(std::vector<OutgoingRecord>& out);
  // io thread, at shutdown: TakeAll, and every later Push is refused, so a
  // record is either taken here or handed back to its Send.
  void Close(std::vector<OutgoingRecord>& out);

  // io thread: it will call TakeAll again by `take_by_ms` without being woken
  // (INT64_MAX: only when woken). True when records already waiting are due
  // sooner, so the caller must wake itself.
  bool Promise(int64_t take_by_ms);

  // How many times Push or Promise asked for a wake (for tests).
  uint64_t wakes_requested() const;

 private:
  bool NeedsWake() const;  // with mu_ held
  void TakeAllLocked(std::vector<OutgoingRecord>& out);  // with mu_ held

  const size_t wake_bytes_;
  mutable std::mutex mu_;
  std::vector<OutgoingRecord> records_;  // guarded by mu_
  size_t bytes_ = 0;                     // guarded by mu_; of records_
  int64_t earliest_due_ms_ = INT64_MAX;  // guarded by mu_; of records_
  int64_t take_by_ms_ = INT64_MAX;       // guarded by mu_
  bool wake_pending_ = false;            // guarded by mu_
  bool closed_ = false;                  // guarded by mu_
  uint64_t wakes_requested_ = 0;         // guarded by mu_
};

}  // namespace cairn::client
