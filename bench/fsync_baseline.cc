// write+fdatasync loops (see fsync_baseline.h).
#include "bench/fsync_baseline.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace cairn::bench {
namespace {

// One stream: `total_bytes` to a new file `path`. Returns an error text, or "".
std::string WriteSyncLoop(const std::string& path, int64_t total_bytes, const std::vector<char>& piece) {
  const auto bytes_per_sync = static_cast<int64_t>(piece.size());
  const int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return absl::StrCat("open ", path, ": ", std::strerror(errno));
  std::string error;
  for (int64_t position = 0; position < total_bytes && error.empty();) {
    const int64_t length = std::min(bytes_per_sync, total_bytes - position);
    for (int64_t done = 0; done < length && error.empty();) {
      const ssize_t n = pwrite(fd, piece.data() + done, static_cast<size_t>(length - done), position + done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) error = absl::StrCat("pwrite ", path, ": ", std::strerror(errno));
      if (n > 0) done += n;
    }
    if (error.empty() && fdatasync(fd) != 0) error = absl::StrCat("fdatasync ", path, ": ", std::strerror(errno));
    position += length;
  }
  close(fd);
  unlink(path.c_str());
  return error;
}

}  // namespace

absl::StatusOr<double> WriteSyncSeconds(const std::string& path_prefix, int64_t total_bytes, int64_t bytes_per_sync,
                                        int streams) {
  std::vector<char> piece(static_cast<size_t>(bytes_per_sync));
  std::mt19937_64 rng(7);
  for (char& c : piece) c = static_cast<char>(rng());
  std::vector<std::string> errors(static_cast<size_t>(streams));
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int s = 0; s < streams; ++s) {
    const int64_t share = total_bytes / streams + (s < total_bytes % streams ? 1 : 0);
    threads.emplace_back([&, s, share] {
      errors[static_cast<size_t>(s)] = WriteSyncLoop(absl::StrCat(path_prefix, ".", s), share, piece);
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const std::string& error : errors) {
    if (!error.empty()) return absl::InternalError(error);
  }
  return seconds;
}

}  // namespace cairn::bench
