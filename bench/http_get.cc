// Blocking loopback HTTP GET (see http_get.h).
#include "bench/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace cairn::bench {

absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path, int timeout_ms) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  timeval timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string error;
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    error = absl::StrCat("connect to port ", port, ": ", std::strerror(errno));
  } else {
    const std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      error = absl::StrCat("send: ", std::strerror(errno));
    }
    char buffer[16384];
    while (error.empty()) {
      const ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
      if (got == 0) break;
      if (got < 0) error = absl::StrCat("recv: ", std::strerror(errno));
      if (got > 0) reply.append(buffer, static_cast<size_t>(got));
    }
  }
  close(fd);
  if (!error.empty()) return absl::UnavailableError(error);

  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  const size_t space = reply.find(' ');
  const size_t body = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.", 0) != 0 || space == std::string::npos || body == std::string::npos) {
    return absl::DataLossError(absl::StrCat("malformed HTTP reply to GET ", path));
  }
  HttpResponse response;
  response.status = std::atoi(reply.c_str() + space + 1);
  response.body = reply.substr(body + 4);
  return response;
}

}  // namespace cairn::bench
