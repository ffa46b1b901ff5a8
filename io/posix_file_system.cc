// PosixFileSystem: open modes and directory operations over POSIX calls.

#include "io/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "io/status_from_errno.h"
#include "io/uring_file.h"

namespace cairn::io {

namespace {
int FlagsFor(OpenMode mode) {
  switch (mode) {
    case OpenMode::kReadOnly:
      return O_RDONLY;
    case OpenMode::kReadWrite:
      return O_RDWR;
    case OpenMode::kCreateReadWrite:
      return O_RDWR | O_CREAT;
    case OpenMode::kCreateNew:
      return O_RDWR | O_CREAT | O_EXCL;
  }
  return O_RDONLY;
}

// std::filesystem reports POSIX errors as errno values (error_code overloads,
// so nothing throws).
absl::Status FromErrorCode(const std::error_code& ec, std::string_view context) {
  return ErrnoToStatus(ec.value() > 0 ? ec.value() : EIO, context);
}
}  // namespace

absl::StatusOr<std::unique_ptr<File>> PosixFileSystem::Open(const std::string& path,
                                                            OpenMode mode) {
  int fd = -1;
  do {
    fd = open(path.c_str(), FlagsFor(mode) | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open ", path));
  return std::make_unique<UringFile>(fd, path, ring_);
}

absl::Status PosixFileSystem::CreateDirectories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return FromErrorCode(ec, absl::StrCat("create directories ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> PosixFileSystem::ListDirectory(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return ErrnoToStatus(errno, absl::StrCat("list directory ", path));
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = readdir(dir);
    if (entry == nullptr) break;
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const int read_errno = errno;
  closedir(dir);
  if (read_errno != 0) return ErrnoToStatus(read_errno, absl::StrCat("list directory ", path));
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<bool> PosixFileSystem::Exists(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return ErrnoToStatus(errno, absl::StrCat("stat ", path));
}

absl::Status PosixFileSystem::Remove(const std::string& path) {
  if (unlink(path.c_str()) != 0) return ErrnoToStatus(errno, absl::StrCat("remove ", path));
  return absl::OkStatus();
}

absl::Status PosixFileSystem::RemoveAll(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return FromErrorCode(ec, absl::StrCat("remove all ", path));
  return absl::OkStatus();
}

absl::Status PosixFileSystem::Rename(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("rename ", from, " to ", to));
  }
  return absl::OkStatus();
}

absl::Status PosixFileSystem::SyncDirectory(const std::string& path) {
  int fd = -1;
  do {
    fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open directory ", path));
  const int ret = fsync(fd);
  const int sync_errno = errno;
  close(fd);
  if (ret != 0) return ErrnoToStatus(sync_errno, absl::StrCat("fsync directory ", path));
  return absl::OkStatus();
}

}  // namespace cairn::io
