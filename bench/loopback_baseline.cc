// Loopback TCP transfer (see loopback_baseline.h).
#include "bench/loopback_baseline.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace cairn::bench {
namespace {

absl::Status Errno(const char* what) { return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno))); }

// Writes `total_bytes` to `fd` in `chunk_bytes` pieces; returns an error text.
std::string SendAll(int fd, int64_t total_bytes, int64_t chunk_bytes) {
  std::vector<char> data(static_cast<size_t>(chunk_bytes), 'x');
  for (int64_t sent = 0; sent < total_bytes;) {
    const size_t length = static_cast<size_t>(std::min(chunk_bytes, total_bytes - sent));
    const ssize_t n = send(fd, data.data(), length, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::StrCat("send: ", std::strerror(errno));
    sent += n;
  }
  return "";
}

}  // namespace

absl::StatusOr<double> LoopbackTransferSeconds(int64_t total_bytes, int64_t chunk_bytes) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return Errno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0 || listen(listener, 1) != 0) {
    absl::Status error = Errno("bind/listen");
    close(listener);
    return error;
  }

  const auto start = std::chrono::steady_clock::now();
  std::string send_error;
  std::thread sender([&] {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      send_error = absl::StrCat("connect: ", std::strerror(errno));
    } else {
      send_error = SendAll(fd, total_bytes, chunk_bytes);
    }
    if (fd >= 0) close(fd);
  });
  const int receiver = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  close(listener);
  std::vector<char> buffer(static_cast<size_t>(chunk_bytes));
  int64_t received = 0;
  while (receiver >= 0) {
    const ssize_t n = recv(receiver, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    received += n;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (receiver >= 0) close(receiver);
  sender.join();
  if (!send_error.empty()) return absl::InternalError(send_error);
  if (received != total_bytes) {
    return absl::DataLossError(absl::StrCat("loopback received ", received, " of ", total_bytes, " bytes"));
  }
  return seconds;
}

}  // namespace cairn::bench
