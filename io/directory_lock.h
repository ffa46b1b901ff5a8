// An exclusive advisory lock on a data directory (flock on <dir>/.lock), so
// two cairnd processes never write the same log dirs. Released on destruction
// or process exit.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace cairn::io {

class DirectoryLock {
 public:
  // FailedPrecondition naming the directory when another process holds it.
  static absl::StatusOr<std::unique_ptr<DirectoryLock>> Acquire(const std::string& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cairn::io
