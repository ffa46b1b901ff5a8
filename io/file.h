// The file seam between storage and the disk (LevelDB's Env): production uses
// io_uring files (io/uring_file.h), tests use the simulated disk (io/sim).
//
// Two kinds of operations:
//  - asynchronous (WriteAt, ReadAt, Sync): the hot path on a shard. The
//    callback runs later on the thread that drives the file's completions (the
//    owning shard's event loop, or SimScheduler::RunUntilIdle); never inline
//    from the call itself.
//  - blocking (Read, Write, Flush, Truncate, ...): for opening, recovery,
//    background compaction and checkpoints, which run off the hot path.
//
// An error from Sync/Flush means the data written since the previous
// successful sync may be lost: callers must never retry a sync and then report
// success (DESIGN.md §3). Statuses use canonical codes: ResourceExhausted for a
// full disk, DataLoss for checksum problems, Internal/Unknown for EIO.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bytes.h"

namespace cairn::io {

using StatusCallback = absl::AnyInvocable<void(absl::Status) &&>;
using ReadCallback = absl::AnyInvocable<void(absl::StatusOr<size_t>) &&>;

class File {
 public:
  virtual ~File() = default;

  // Writes all of `data` at `position`. `data` must stay valid until the
  // callback runs. Writes at different positions may complete in any order.
  virtual void WriteAt(uint64_t position, ByteSpan data, StatusCallback done) = 0;
  // Reads up to out.size() bytes at `position`; fewer only at end of file.
  virtual void ReadAt(uint64_t position, MutableByteSpan out, ReadCallback done) = 0;
  // fdatasync: makes every write that completed before this call durable.
  virtual void Sync(StatusCallback done) = 0;
  // WriteAt, then durable: `done` runs once `data` would survive a crash, or
  // with the write's or the sync's error (same rules as Sync). Only this
  // range is promised: earlier plain writes still need a Sync. A crash
  // before `done` may keep any part of `data`.
  // By default a WriteAt followed by a Sync; a kernel file does it in one
  // request (O_DSYNC for this write), saving a round trip on the hot path.
  // The file must outlive the callback.
  virtual void WriteDurablyAt(uint64_t position, ByteSpan data, StatusCallback done);

  // Blocking counterparts.
  virtual absl::StatusOr<size_t> Read(uint64_t position, MutableByteSpan out) = 0;
  virtual absl::Status Write(uint64_t position, ByteSpan data) = 0;
  virtual absl::Status Flush() = 0;  // fdatasync
  virtual absl::Status Truncate(uint64_t size) = 0;
  virtual absl::StatusOr<uint64_t> Size() = 0;

  // The kernel descriptor, for sendfile; -1 for simulated files.
  virtual int native_handle() const { return -1; }
  virtual const std::string& path() const = 0;
};

enum class OpenMode {
  kReadOnly,
  kReadWrite,        // must exist
  kCreateReadWrite,  // created empty if missing, kept otherwise
  kCreateNew,        // fails with AlreadyExists if present
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) = 0;
  virtual absl::Status CreateDirectories(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& path) = 0;
  virtual absl::StatusOr<bool> Exists(const std::string& path) = 0;
  virtual absl::Status Remove(const std::string& path) = 0;           // a file
  virtual absl::Status RemoveAll(const std::string& path) = 0;        // a tree
  virtual absl::Status Rename(const std::string& from, const std::string& to) = 0;
  // Makes renames, creations and removals inside `path` durable.
  virtual absl::Status SyncDirectory(const std::string& path) = 0;

  // Writes `contents` to `path` atomically and durably: a temporary file,
  // fsync, rename over `path`, fsync of the directory. Built from the
  // primitives above, so every FileSystem gets it.
  absl::Status WriteFileAtomically(const std::string& path, ByteSpan contents);
  absl::StatusOr<Buffer> ReadWholeFile(const std::string& path);
};

}  // namespace cairn::io
