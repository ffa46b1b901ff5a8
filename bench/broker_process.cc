// cairnd as a child process of the benchmark (see broker_process.h).
#include "bench/broker_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/http_get.h"

extern char** environ;

namespace cairn::bench {
namespace {

// A port the kernel just handed out on 127.0.0.1. Another process could take
// it before cairnd binds it; on a benchmark machine that is rare enough.
absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) return absl::InternalError(absl::StrCat("bind: ", std::strerror(errno)));
  return ntohs(address.sin_port);
}

// Whether `pid` has exited (reaping it); its status in `*status`.
bool Exited(pid_t pid, int* status) { return waitpid(pid, status, WNOHANG) == pid; }

}  // namespace

absl::StatusOr<std::unique_ptr<BrokerProcess>> BrokerProcess::Start(const BrokerOptions& options) {
  absl::StatusOr<int> kafka_port = FreeLoopbackPort();
  if (!kafka_port.ok()) return kafka_port.status();
  absl::StatusOr<int> admin_port = FreeLoopbackPort();
  if (!admin_port.ok()) return admin_port.status();

  std::vector<std::string> args = {options.binary};
  auto add = [&args](const std::string& setting) {
    args.push_back("--override");
    args.push_back(setting);
  };
  add(absl::StrCat("listeners=PLAINTEXT://127.0.0.1:", *kafka_port));
  add(absl::StrCat("admin.listener=127.0.0.1:", *admin_port));
  add("log.dirs=" + options.data_dir);
  for (const std::string& setting : options.overrides) add(setting);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, options.binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return absl::InternalError(absl::StrCat("spawn ", options.binary, ": ", std::strerror(spawned)));

  std::unique_ptr<BrokerProcess> broker(new BrokerProcess(pid, *kafka_port, *admin_port));
  if (absl::Status ready = broker->WaitReady(options.log_path); !ready.ok()) return ready;
  return broker;
}

absl::Status BrokerProcess::WaitReady(const std::string& log_path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (Exited(pid_, &status)) {
      pid_ = 0;
      return absl::InternalError(absl::StrCat("cairnd exited at start (status ", status, "); see ", log_path));
    }
    absl::StatusOr<HttpResponse> ready = HttpGet(admin_port_, "/v1/ready", 500);
    if (ready.ok() && ready->status == 200) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat("cairnd not ready after 30 s; see ", log_path));
}

absl::Status BrokerProcess::Stop() {
  if (pid_ == 0) return absl::OkStatus();
  kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!Exited(pid_, &status)) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      pid_ = 0;
      return absl::DeadlineExceededError("cairnd did not stop within 30 s of SIGTERM; killed");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("cairnd stopped with wait status ", status));
  }
  return absl::OkStatus();
}

BrokerProcess::~BrokerProcess() { (void)Stop(); }

absl::StatusOr<double> BrokerProcess::MetricSum(std::string_view family) const {
  absl::StatusOr<HttpResponse> response = HttpGet(admin_port_, "/metrics");
  if (!response.ok()) return response.status();
  if (response->status != 200) return absl::UnavailableError(absl::StrCat("/metrics answered ", response->status));
  // Exposition lines: `name{labels} value` or `name value`; '#' lines are comments.
  double sum = 0;
  std::istringstream lines(response->body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line.compare(0, family.size(), family) != 0) continue;
    if (line.size() == family.size()) continue;
    const char next = line[family.size()];
    if (next != '{' && next != ' ') continue;  // a longer name with this prefix
    const size_t value = line.rfind(' ');
    sum += std::strtod(line.c_str() + value + 1, nullptr);
  }
  return sum;
}

}  // namespace cairn::bench
