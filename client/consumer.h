// The Consumer: subscribe with a group (classic protocol, range or
// cooperative-sticky) or assign partitions directly; seek, pause/resume,
// manual and automatic commit, and Poll with bounded memory (fetch.max.bytes,
// max.partition.fetch.bytes, at most one fetch per broker in flight).
// docs/client.md, "Consumer".
//
// Threading: like the Java KafkaConsumer, one application thread uses a
// Consumer at a time. Rebalance callbacks and CommitAsync callbacks run on
// that thread, from inside Poll (and CommitSync / Close); the io thread never
// calls application code.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/record_batch.h"

namespace cairn::client {

// Settings, named after the Java client's keys.
struct ConsumerConfig {
  std::string bootstrap_servers = "127.0.0.1:9092";  // bootstrap.servers
  std::string client_id = "cairn";                   // client.id
  std::string group_id;           // group.id; empty: no group (Assign only, no commits)
  std::string group_instance_id;  // group.instance.id; empty: dynamic member
  std::string assignor = "range";  // partition.assignment.strategy: "range" or "cooperative-sticky"
  bool enable_auto_commit = true;        // enable.auto.commit
  int32_t auto_commit_interval_ms = 5000;  // auto.commit.interval.ms
  std::string auto_offset_reset = "latest";  // auto.offset.reset: earliest | latest | none
  int32_t session_timeout_ms = 45000;     // session.timeout.ms
  int32_t heartbeat_interval_ms = 3000;   // heartbeat.interval.ms
  int32_t max_poll_interval_ms = 300000;  // max.poll.interval.ms
  int32_t fetch_max_bytes = 52428800;     // fetch.max.bytes
  int32_t max_partition_fetch_bytes = 1048576;  // max.partition.fetch.bytes
  int32_t fetch_max_wait_ms = 500;        // fetch.max.wait.ms
  int32_t fetch_min_bytes = 1;            // fetch.min.bytes
  // Added beyond the Java names above:
  int32_t max_poll_records = 500;          // max.poll.records
  int64_t request_timeout_ms = 30000;      // request.timeout.ms
  int64_t retry_backoff_ms = 100;          // retry.backoff.ms
  // Metadata is refreshed at least this often, so new partitions of
  // subscribed topics (a rebalance, led by the group leader) and leader
  // moves are seen without an error first.
  int64_t metadata_max_age_ms = 300000;    // metadata.max.age.ms
  // Upper bound on bytes of fetched records held between polls (decoded
  // records waiting for Poll). Fetching pauses while it is exceeded; below
  // it, each partition is prefetched while it holds less than its share
  // (this divided among the fetchable partitions, at least
  // max.partition.fetch.bytes). Memory stays within this plus one
  // fetch.max.bytes.
  int64_t max_buffered_bytes = 64 << 20;
};

// Special offsets for Assign / TopicPartitionOffset.offset.
inline constexpr int64_t kOffsetCommitted = -1;  // the group's committed offset, else auto.offset.reset
inline constexpr int64_t kOffsetBeginning = -2;  // the log start offset
inline constexpr int64_t kOffsetEnd = -3;        // the log end offset (the next record produced)

struct TopicPartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = kOffsetCommitted;
  std::string metadata;  // stored with a commit

  bool operator==(const TopicPartitionOffset&) const = default;
};

struct ConsumerRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<RecordHeader> headers;  // {key, value}, as in ProducerRecord

  bool operator==(const ConsumerRecord&) const = default;
};

// Called from Poll (and Close / Unsubscribe) on the application's thread.
// OnRevoked runs before the partitions go (auto commit has already committed
// them); OnLost when the group moved on without us, so committing is pointless.
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  virtual void OnAssigned(const std::vector<TopicPartitionOffset>& /*partitions*/) {}
  virtual void OnRevoked(const std::vector<TopicPartitionOffset>& /*partitions*/) {}
  virtual void OnLost(const std::vector<TopicPartitionOffset>& /*partitions*/) {}
};

class ConsumerEngine;
struct ConsumerState;
struct RebalanceEvent;

class Consumer {
 public:
  // InvalidArgument for a bad config; brokers are contacted lazily.
  static absl::StatusOr<std::unique_ptr<Consumer>> Create(ConsumerConfig config);
  ~Consumer();  // Close() if not closed
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Joins the group (needs group.id) at the next Poll. Replaces an earlier
  // subscription; an empty list unsubscribes.
  absl::Status Subscribe(const std::vector<std::string>& topics, RebalanceListener* listener = nullptr);
  // Manual assignment (no group membership). offset: an exact offset, or
  // kOffsetCommitted / kOffsetBeginning / kOffsetEnd. Replaces an earlier
  // assignment; FailedPrecondition while subscribed.
  absl::Status Assign(const std::vector<TopicPartitionOffset>& partitions);
  // Unsubscribes (leaving the group) or drops the manual assignment.
  absl::Status Unsubscribe();

  // The next Poll returns records from `offset` on. FailedPrecondition for a
  // partition not assigned.
  absl::Status Seek(const std::string& topic, int32_t partition, int64_t offset);
  absl::Status SeekToBeginning(const std::vector<TopicPartitionOffset>& partitions);
  absl::Status SeekToEnd(const std::vector<TopicPartitionOffset>& partitions);
  // The earliest offset whose timestamp is >= timestamp_ms (ListOffsets);
  // the log end when there is none. Blocks for the lookup.
  absl::Status SeekToTimestamp(const std::vector<TopicPartitionOffset>& partitions, int64_t timestamp_ms);

  // Paused partitions stay assigned but Poll returns nothing from them.
  // FailedPrecondition, and nothing paused or resumed, when one of the
  // partitions is not assigned (the Java consumer throws then).
  absl::Status Pause(const std::vector<TopicPartitionOffset>& partitions);
  absl::Status Resume(const std::vector<TopicPartitionOffset>& partitions);
  std::vector<TopicPartitionOffset> Paused() const;

  // Returns the records ready, waiting up to `timeout` for some. Runs
  // rebalance callbacks and completed CommitAsync callbacks first. Errors:
  // OUT_OF_RANGE with auto.offset.reset=none, a fatal group error, closed.
  absl::StatusOr<std::vector<ConsumerRecord>> Poll(std::chrono::milliseconds timeout);

  // Commits the current positions of every assigned partition (or
  // `offsets`: the next offset to read, per partition) and waits.
  absl::Status CommitSync();
  absl::Status CommitSync(const std::vector<TopicPartitionOffset>& offsets);
  // Commits the current positions (or `offsets`) without waiting. `done`
  // runs exactly once, from a later Poll or Close, and callbacks run in the
  // order of the calls (commits are sent one at a time). A member that is
  // rejoining gets REBALANCE_IN_PROGRESS; one whose generation ended (its
  // partitions are lost) ILLEGAL_GENERATION; a commit still queued at Close
  // after request.timeout.ms gets Cancelled.
  void CommitAsync(std::function<void(absl::Status)> done = nullptr);
  void CommitAsync(const std::vector<TopicPartitionOffset>& offsets, std::function<void(absl::Status)> done);
  // The group's committed offsets for `partitions` (offset -1: none).
  absl::StatusOr<std::vector<TopicPartitionOffset>> Committed(const std::vector<TopicPartitionOffset>& partitions);

  // The assigned partitions (offset = position, or -1 while unknown). With a
  // group, partitions appear here in the Poll that runs their OnAssigned, as
  // in the Java client, not as soon as the coordinator hands them out.
  std::vector<TopicPartitionOffset> Assignment() const;
  // The next offset Poll returns per assigned partition with a known position.
  std::vector<TopicPartitionOffset> Positions() const;

  // Commits (when auto commit is on), revokes, leaves the group and stops
  // the io thread, within request.timeout.ms (plus what the listener's
  // OnRevoked takes). Idempotent.
  absl::Status Close();

 private:
  explicit Consumer(std::unique_ptr<ConsumerEngine> engine);
  absl::Status CheckOpen() const;
  // Runs the listener for rebalance events (auto commit first on revoke),
  // then lets the engine send what waited for them.
  void DeliverEvents(const std::vector<RebalanceEvent>& events);
  // Delivers events and commit callbacks without fetching; returns a pending error.
  absl::Status DeliverPending();
  // CommitSync that gives up (DeadlineExceeded) at `deadline_ms` (steady clock).
  absl::Status CommitSyncUntil(const std::vector<TopicPartitionOffset>& offsets, int64_t deadline_ms);
  // Both CommitAsync forms: nullopt commits the positions at the call.
  void CommitAsyncImpl(std::optional<std::vector<TopicPartitionOffset>> offsets, std::function<void(absl::Status)> done);
  static void RunCallbacks(std::vector<std::pair<std::function<void(absl::Status)>, absl::Status>>& callbacks);

  std::unique_ptr<ConsumerEngine> engine_;
  std::unique_ptr<ConsumerState> state_;
};

}  // namespace cairn::client
