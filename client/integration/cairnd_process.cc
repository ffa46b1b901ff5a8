#include "client/integration/cairnd_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "common/check.h"
#include "io/testing/free_port.h"

extern char** environ;

namespace cairn::client::testing {

CairndProcess::CairndProcess(std::vector<std::string> overrides)
    : overrides_(std::move(overrides)),
      port_(io::testing::FreeLoopbackPort()),
      admin_port_(io::testing::FreeLoopbackPort()) {
  char name[] = "/tmp/cairn-client-it-XXXXXX";
  CAIRN_CHECK(mkdtemp(name) != nullptr);
  dir_ = name;
}

CairndProcess::~CairndProcess() {
  if (pid_ > 0) Kill9();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void CairndProcess::Start() {
  const char* binary = std::getenv("CAIRND");
  CAIRN_CHECK(binary != nullptr) << "set CAIRND to the cairnd binary";
  std::vector<std::string> args = {binary,
                                   "--override", "listeners=PLAINTEXT://127.0.0.1:" + std::to_string(port_),
                                   "--override", "log.dirs=" + dir_ + "/data",
                                   "--override", "smp=2",
                                   "--override", "admin.listener=127.0.0.1:" + std::to_string(admin_port_)};
  for (const std::string& o : overrides_) {
    args.push_back("--override");
    args.push_back(o);
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log = dir_ + "/cairnd.log";
  const pid_t parent = getpid();
  pid_ = fork();
  CAIRN_CHECK(pid_ >= 0) << "fork: " << std::strerror(errno);
  if (pid_ == 0) {
    // Only async-signal-safe calls until exec. The broker dies with the
    // test process: a test that crashes (its destructors never run) must
    // not leave brokers running through the rest of CI.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(127);
    execve(binary, argv.data(), environ);
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    CAIRN_CHECK(waitpid(pid_, &status, WNOHANG) == 0) << "cairnd exited:\n" << Logs();
    if (Ready()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CAIRN_CHECK(false) << "cairnd did not become ready:\n" << Logs();
}

bool CairndProcess::Ready() const {
  // GET /v1/ready on the admin listener: opens no Kafka connection.
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(admin_port_);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ready = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request = "GET /v1/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char reply[64] = {};
      const ssize_t n = read(fd, reply, sizeof(reply) - 1);
      ready = n > 12 && std::string(reply, n).find(" 200") != std::string::npos;
    }
  }
  close(fd);
  return ready;
}

void CairndProcess::Kill9() {
  CAIRN_CHECK(pid_ > 0);
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void CairndProcess::Stop() {
  CAIRN_CHECK(pid_ > 0);
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string CairndProcess::Logs() const {
  std::ifstream in(dir_ + "/cairnd.log");
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace cairn::client::testing
