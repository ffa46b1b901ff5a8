// A blocking HTTP/1.x client for tests of io/http_server and the admin
// endpoints: plain POSIX sockets on 127.0.0.1 (curl may not be installed),
// every read bounded by a deadline so a broken server fails instead of hangs.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "common/check.h"

namespace cairn::io::testing {

struct HttpResult {
  int connect_errno = 0;  // non-zero: the connection was refused (or failed)
  bool ended = false;     // the server closed the stream (EOF or reset)
  std::string raw;        // everything received
  int status = 0;         // from the status line; 0 if none arrived
  std::string head;       // status line and headers
  std::string body;       // after the empty line

  // The value of header `name` (case-sensitive, as the server writes it), or "".
  std::string Header(std::string_view name) const {
    const std::string key = "\r\n" + std::string(name) + ": ";
    const size_t at = head.find(key);
    if (at == std::string::npos) return "";
    const size_t start = at + key.size();
    return head.substr(start, head.find("\r\n", start) - start);
  }
};

class HttpTestClient {
 public:
  explicit HttpTestClient(uint16_t port, std::chrono::seconds deadline = std::chrono::seconds(30)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CAIRN_CHECK(fd_ >= 0) << strerror(errno);
    timeval timeout{};
    timeout.tv_sec = deadline.count();
    CAIRN_CHECK(setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) == 0);
    CAIRN_CHECK(setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) == 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int result;
    do {
      result = connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    } while (result != 0 && errno == EINTR);
    connect_errno_ = result == 0 ? 0 : errno;
  }
  ~HttpTestClient() {
    if (fd_ >= 0) close(fd_);
  }
  HttpTestClient(const HttpTestClient&) = delete;
  HttpTestClient& operator=(const HttpTestClient&) = delete;

  int connect_errno() const { return connect_errno_; }

  // False if the server already closed the connection.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until the server ends the stream (or the deadline passes).
  HttpResult ReadResponse() {
    HttpResult result;
    result.connect_errno = connect_errno_;
    char chunk[4096];
    for (;;) {
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        result.raw.append(chunk, static_cast<size_t>(n));
        continue;
      }
      result.ended = n == 0 || errno == ECONNRESET;
      break;
    }
    const size_t split = result.raw.find("\r\n\r\n");
    result.head = result.raw.substr(0, split);
    result.body = split == std::string::npos ? "" : result.raw.substr(split + 4);
    if (result.raw.starts_with("HTTP/1.1 ") && result.raw.size() >= 12) {
      result.status = std::atoi(result.raw.substr(9, 3).c_str());
    }
    return result;
  }

 private:
  int fd_ = -1;
  int connect_errno_ = 0;
};

// One request, sent as `raw` bytes; the whole response.
inline HttpResult HttpExchange(uint16_t port, std::string_view raw) {
  HttpTestClient client(port);
  HttpResult result;
  result.connect_errno = client.connect_errno();
  if (result.connect_errno != 0) return result;
  client.Send(raw);
  return client.ReadResponse();
}

inline HttpResult HttpGet(uint16_t port, std::string_view path) {
  return HttpExchange(port, "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

}  // namespace cairn::io::testing
