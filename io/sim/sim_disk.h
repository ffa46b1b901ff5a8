// A simulated disk for deterministic tests (DESIGN.md §11): an in-memory
// FileSystem whose files remember which bytes are durable, so a simulated
// crash can lose or tear what was never synced. Fault knobs: torn writes,
// lost unsynced data, bit flips, fdatasync EIO, running out of space.
//
// Asynchronous completions are queued on a SimScheduler and run only inside
// SimScheduler::RunUntilIdle()/RunOne(), never inline, so tests control the
// interleaving. Directory operations (create, rename, remove) are durable at
// once; file contents are durable only after Sync/Flush, and so is a
// Truncate (a crash before the next sync undoes it, or in kTearUnsynced may
// keep it, in order with the unsynced writes).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "io/file.h"
#include "io/sim/sim_scheduler.h"

namespace cairn::io::sim {

struct SimDiskStats {
  uint64_t writes = 0;
  uint64_t syncs = 0;  // attempted, including failed ones
  uint64_t reads = 0;
  uint64_t bytes_written = 0;
};

class SimDisk final : public FileSystem {
 public:
  // `seed` drives every random choice (tear points, reorderings).
  explicit SimDisk(SimScheduler* scheduler, uint64_t seed = 1);
  ~SimDisk() override;

  // FileSystem.
  absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  absl::Status CreateDirectories(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& path) override;
  absl::StatusOr<bool> Exists(const std::string& path) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status RemoveAll(const std::string& path) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status SyncDirectory(const std::string& path) override;

  // --- fault knobs ---
  // Simulates power loss: every file keeps its durable bytes; of the unsynced
  // ones, kLoseUnsynced drops them all, kTearUnsynced keeps a random prefix of
  // the unsynced region cut at a random point (possibly mid-batch) and may
  // garble the last partial sector. Open File objects must not be used
  // afterwards (they report FailedPrecondition). Completions still queued
  // at the crash are discarded without running: the process awaiting them
  // died with the power.
  enum class CrashMode { kLoseUnsynced, kTearUnsynced, kKeepUnsynced };
  void Crash(CrashMode mode);
  // The next `count` Sync/Flush calls fail with an I/O error (EIO) and the
  // unsynced bytes of that file stay not-durable (as on Linux, where the
  // dirty pages may be dropped): reads still return them, but a later
  // successful sync does not persist them, so a caller that retries a failed
  // sync and reports success loses data at the next crash.
  void FailNextSyncs(int count);
  // Writes fail with ResourceExhausted (ENOSPC) once the total bytes stored
  // across all files would exceed `bytes`; a failing write stores nothing.
  void SetCapacity(uint64_t bytes);
  void ClearCapacity();
  // The next write fails with an I/O error and stores nothing.
  void FailNextWrites(int count);
  // Strict mode: a newly created file's name is durable only once its parent
  // directory is synced (SyncDirectory); a crash before that removes the file,
  // as POSIX allows. Off by default: names are durable at creation.
  void set_strict_directory_durability(bool strict);
  // Flips one bit of a stored byte (durable and current contents both).
  absl::Status FlipBit(const std::string& path, uint64_t position, int bit);
  // Direct access for assertions.
  absl::StatusOr<Buffer> Contents(const std::string& path) const;
  absl::StatusOr<Buffer> DurableContents(const std::string& path) const;
  const SimDiskStats& stats() const { return stats_; }
  uint64_t bytes_stored() const;

  struct Node;  // implementation detail, shared with SimFile

 private:
  struct State;
  absl::Status RenameDirectory(const std::string& source, const std::string& target);

  // Shared with open SimFiles and with queued completions, so that either
  // may outlive the SimDisk safely (they then fail or are dropped).
  std::shared_ptr<State> state_;
  SimDiskStats stats_;
  friend class SimFile;
  friend struct SimFileHandle;
};

}  // namespace cairn::io::sim
