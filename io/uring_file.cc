// UringFile: async I/O through a Ring, blocking I/O through pread/pwrite.

#include "io/uring_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "io/status_from_errno.h"

namespace cairn::io {

struct UringFile::Handle {
  Handle(int descriptor, std::string file_path) : fd(descriptor), path(std::move(file_path)) {}
  ~Handle() { close(fd); }  // an error from close(2) after fdatasync tells nothing new
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  const int fd;
  const std::string path;
};

UringFile::UringFile(int fd, std::string path, Ring* ring)
    : handle_(std::make_shared<const Handle>(fd, std::move(path))), ring_(ring) {
  CAIRN_CHECK(fd >= 0) << handle_->path;
}

Ring& UringFile::ring() {
  CAIRN_CHECK(ring_ != nullptr) << "asynchronous I/O on " << handle_->path
                                << " opened by a PosixFileSystem without a Ring";
  return *ring_;
}

Ring::Completion UringFile::StatusCompletion(const char* operation, std::optional<uint64_t> position,
                                            StatusCallback done) const {
  return [handle = handle_, operation, position, done = std::move(done)](int res) mutable {
    if (res >= 0) {
      std::move(done)(absl::OkStatus());
      return;
    }
    std::string what = absl::StrCat(operation, " ", handle->path);
    if (position) absl::StrAppend(&what, " at ", *position);
    std::move(done)(ErrnoToStatus(-res, what));
  };
}

void UringFile::WriteAt(uint64_t position, ByteSpan data, StatusCallback done) {
  ring().SubmitWrite(handle_->fd, position, data, StatusCompletion("write", position, std::move(done)));
}

void UringFile::WriteDurablyAt(uint64_t position, ByteSpan data, StatusCallback done) {
  // Like a failed fdatasync, never retried (DESIGN.md §3).
  ring().SubmitDurableWrite(handle_->fd, position, data,
                            StatusCompletion("durable write", position, std::move(done)));
}

void UringFile::ReadAt(uint64_t position, MutableByteSpan out, ReadCallback done) {
  ring().SubmitRead(handle_->fd, position, out,
                    [handle = handle_, position, done = std::move(done)](int res) mutable {
                      if (res < 0) {
                        std::move(done)(ErrnoToStatus(
                            -res, absl::StrCat("read ", handle->path, " at ", position)));
                      } else {
                        std::move(done)(static_cast<size_t>(res));
                      }
                    });
}

void UringFile::Sync(StatusCallback done) {
  // Never retried on error: the kernel may already have dropped the dirty
  // pages (DESIGN.md §3).
  ring().SubmitFdatasync(handle_->fd, StatusCompletion("fdatasync", std::nullopt, std::move(done)));
}

absl::StatusOr<size_t> UringFile::Read(uint64_t position, MutableByteSpan out) {
  size_t total = 0;
  while (total < out.size()) {
    const ssize_t n = pread(handle_->fd, out.data() + total, out.size() - total,
                            static_cast<off_t>(position + total));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat("read ", handle_->path, " at ", position + total));
    }
    if (n == 0) break;  // end of file
    total += static_cast<size_t>(n);
  }
  return total;
}

absl::Status UringFile::Write(uint64_t position, ByteSpan data) {
  size_t total = 0;
  while (total < data.size()) {
    const ssize_t n = pwrite(handle_->fd, data.data() + total, data.size() - total,
                             static_cast<off_t>(position + total));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat("write ", handle_->path, " at ", position + total));
    }
    if (n == 0) {
      return ErrnoToStatus(EIO, absl::StrCat("write ", handle_->path, " made no progress"));
    }
    total += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status UringFile::Flush() {
  // No retry on EINTR either: fdatasync(2) does not return it on Linux, and a
  // failed sync must surface as a failure.
  if (fdatasync(handle_->fd) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("fdatasync ", handle_->path));
  }
  return absl::OkStatus();
}

absl::Status UringFile::Truncate(uint64_t size) {
  int ret = 0;
  do {
    ret = ftruncate(handle_->fd, static_cast<off_t>(size));
  } while (ret != 0 && errno == EINTR);
  if (ret != 0) return ErrnoToStatus(errno, absl::StrCat("truncate ", handle_->path, " to ", size));
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> UringFile::Size() {
  struct stat info {};
  if (fstat(handle_->fd, &info) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("fstat ", handle_->path));
  }
  return static_cast<uint64_t>(info.st_size);
}

int UringFile::native_handle() const { return handle_->fd; }

const std::string& UringFile::path() const { return handle_->path; }

}  // namespace cairn::io
