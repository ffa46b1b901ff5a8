// The production FileSystem (io/file.h) over POSIX calls; files it opens are
// UringFiles whose asynchronous operations go through the given Ring.
//
// Threading: the directory operations are blocking syscalls; call them off the
// shard hot path (startup, recovery, background work). Any thread may use one
// PosixFileSystem: it holds no mutable state.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/file.h"
#include "io/uring_ring.h"

namespace cairn::io {

class PosixFileSystem final : public FileSystem {
 public:
  // `ring` drives the asynchronous operations of every file opened here and
  // must outlive them. It may be nullptr for tools and offline recovery that
  // use only blocking operations: WriteAt/ReadAt/Sync on such a file is then
  // a programmer error (CAIRN_CHECK), never a silent inline completion.
  explicit PosixFileSystem(Ring* ring) : ring_(ring) {}

  // Files are opened O_CLOEXEC, created with mode 0644 (minus the umask).
  absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  absl::Status CreateDirectories(const std::string& path) override;  // mkdir -p
  absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& path) override;
  absl::StatusOr<bool> Exists(const std::string& path) override;
  absl::Status Remove(const std::string& path) override;
  // Removes a file or a whole tree; a missing path is not an error (rm -rf).
  absl::Status RemoveAll(const std::string& path) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status SyncDirectory(const std::string& path) override;

 private:
  Ring* ring_;
};

}  // namespace cairn::io
