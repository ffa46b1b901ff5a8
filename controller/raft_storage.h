// The durable Raft log of a controller node: raft::Storage on io::FileSystem
// (format: docs/format/raft-log.md). Reads are served from an in-memory copy
// of what is durable (a raft::MemoryStorage); Persist() makes one Ready's
// snapshot, entries and hard state durable before its callback runs, which
// is the moment the driver may send that Ready's messages (docs/raft.md).
//
// Threading: one thread (the node's shard). Persist() runs on asynchronous
// WriteAt/Sync like storage/partition_log; the rare rewrites (installing a
// snapshot, truncating a conflicting suffix, compaction) use the blocking
// calls, as storage/ does for recovery and checkpoints.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/raft/memory_storage.h"
#include "controller/raft/storage.h"
#include "io/file.h"

namespace cairn::controller {

class RaftStorage final : public raft::Storage {
 public:
  // Opens `dir`, or creates it for a node of a cluster bootstrapped with
  // `bootstrap` membership. Recovery verifies every CRC; it truncates a torn
  // tail of uncommitted entries and returns DataLoss (file and position) for
  // corruption anywhere a crash cannot explain.
  static absl::StatusOr<std::unique_ptr<RaftStorage>> Open(io::FileSystem& fs, const std::string& dir,
                                                           const raft::ConfState& bootstrap);
  ~RaftStorage() override;

  // raft::Storage, over what is durable.
  absl::StatusOr<raft::InitialState> GetInitialState() const override;
  absl::StatusOr<std::vector<raft::Entry>> Entries(raft::LogIndex lo, raft::LogIndex hi,
                                                   uint64_t max_bytes) const override;
  absl::StatusOr<raft::Term> TermAt(raft::LogIndex index) const override;
  raft::LogIndex FirstIndex() const override { return memory_.FirstIndex(); }
  raft::LogIndex LastIndex() const override { return memory_.LastIndex(); }
  absl::StatusOr<raft::Snapshot> GetSnapshot() const override { return memory_.GetSnapshot(); }

  // Makes `snapshot`, then `entries` (replacing a conflicting suffix), then
  // `hard_state` durable, in that order; `done` runs later (never inline)
  // once all of it is fsynced, or with the first error. A returned error
  // means `done` will not run. One Persist at a time. After any failure the
  // storage refuses further writes: a failed fsync is never retried.
  absl::Status Persist(std::optional<raft::Snapshot> snapshot, std::vector<raft::Entry> entries,
                       std::optional<raft::HardState> hard_state, io::StatusCallback done);
  bool persisting() const { return persisting_; }

  // The application's state at applied `index` becomes the snapshot served
  // to lagging followers (written atomically). Blocking.
  absl::Status CreateSnapshot(raft::LogIndex index, const raft::ConfState& conf_state, Buffer data);
  // Drops entries up to `index` (at most the snapshot's) by rewriting the
  // log file atomically. Blocking; not while persisting.
  absl::Status Compact(raft::LogIndex index);

  const raft::HardState& hard_state() const { return memory_.hard_state(); }

 private:
  struct PendingPersist;

  RaftStorage(io::FileSystem& fs, std::string dir, const raft::ConfState& conf_state);
  absl::Status Recover(const raft::ConfState& bootstrap);
  absl::Status RecoverLog();
  absl::Status WriteSnapshotFile(const raft::Snapshot& snapshot);
  absl::Status RewriteLog(const std::vector<raft::Entry>& entries);
  absl::Status PrepareLogAppend(const std::vector<raft::Entry>& entries, Buffer& frames,
                                uint64_t& write_position);
  void FinishPersist(std::shared_ptr<PendingPersist> pending, absl::Status status);
  absl::Status Fail(absl::Status status);

  std::string LogPath() const { return dir_ + "/raft.log"; }
  std::string HardStatePath() const { return dir_ + "/hard-state"; }
  std::string SnapshotPath() const { return dir_ + "/snapshot"; }

  io::FileSystem& fs_;
  const std::string dir_;
  raft::MemoryStorage memory_;  // exactly what is durable
  std::unique_ptr<io::File> log_file_;
  std::unique_ptr<io::File> hard_state_file_;
  // File positions of the log's frames: positions_[i] holds entry
  // log_first_index_ + i. The file may still hold entries the snapshot covers.
  raft::LogIndex log_first_index_;
  std::vector<uint64_t> positions_;
  uint64_t log_end_ = 0;
  uint64_t hard_state_sequence_ = 0;
  bool persisting_ = false;
  absl::Status failure_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::controller
