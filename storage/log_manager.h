// The partitions stored under log.dirs. At start it checks each log dir's
// meta.properties, opens (recovers) every partition directory it finds, and
// keeps one that fails recovery offline instead of failing the broker; it
// creates new partitions in the log dir holding the fewest, deletes them, and
// runs retention, compaction and recovery-point checkpoints on request.
//
// Threading: one owner thread, like PartitionLog. Blocking file operations
// (open, create, delete) happen at start-up or on topic creation/deletion.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/topic_partition.h"
#include "io/file.h"
#include "storage/log_config.h"
#include "storage/partition_log.h"

namespace cairn::storage {

// The controller's Raft log and snapshots live in this directory of the first
// log dir (DESIGN.md §5); it is not a partition, so the scan skips it. Its name
// has no "-<n>" suffix, so no topic's partition directory can ever take it.
inline constexpr const char* kControllerMetadataDir = "cairn-metadata";

class LogManager {
 public:
  struct Options {
    std::vector<std::string> log_dirs;
    LogConfig default_config;
    NodeId node_id{1};
    // Which partitions this manager opens (one manager per shard); null: all.
    std::function<bool(const TopicPartition&)> owns;
    // Given to every log this manager opens or creates.
    PartitionLog::FlushObserver on_flush;
  };

  // FailedPrecondition if a log dir belongs to another node id.
  static absl::StatusOr<std::unique_ptr<LogManager>> Open(io::FileSystem* fs, Options options, const Clock* clock);

  // AlreadyExists if present (online or offline). If the log cannot be
  // created (a full disk, an I/O error), the partition is offline with that
  // error until the manager is opened again.
  absl::StatusOr<PartitionLog*> Create(const TopicPartition& tp, const LogConfig& config);
  PartitionLog* Find(const TopicPartition& tp) const;
  absl::Status Delete(const TopicPartition& tp);
  std::vector<TopicPartition> Partitions() const;
  // Partitions whose recovery or creation failed, with the reason; they
  // serve nothing.
  const std::map<TopicPartition, absl::Status>& offline() const { return offline_; }

  struct MaintenanceStats {
    int segments_deleted = 0;
    int partitions_compacted = 0;
    int errors = 0;
  };
  // Retention for every partition, then compaction where it is due (run
  // synchronously here; the broker moves the job off the shard later).
  MaintenanceStats RunMaintenance();
  // Persists each partition's recovery point at its durable offset.
  int CheckpointRecoveryPoints();
  // Clean close of every idle partition: the next start needs no scan.
  absl::Status CloseAll();
  // Waits until every partition's writes in flight and queued are durable
  // (or failed), then CloseAll() and `done` with its result. A shutdown calls
  // it once nothing appends any more; a partition that gets a new write
  // meanwhile is reported by CloseAll() as not closed cleanly.
  void CloseAllWhenIdle(absl::AnyInvocable<void(absl::Status) &&> done);

 private:
  LogManager(io::FileSystem* fs, Options options, const Clock* clock);
  absl::Status PrepareLogDir(const std::string& dir);
  absl::Status OpenPartitionsIn(const std::string& dir);
  std::string LeastLoadedDir() const;

  io::FileSystem* fs_;
  Options options_;
  const Clock* clock_;
  struct Entry {
    std::string log_dir;
    std::unique_ptr<PartitionLog> log;
  };
  std::map<TopicPartition, Entry> logs_;
  std::map<TopicPartition, absl::Status> offline_;
};

}  // namespace cairn::storage
