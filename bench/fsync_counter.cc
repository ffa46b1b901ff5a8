// perf-record based fsync counting (see fsync_counter.h).
#include "bench/fsync_counter.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace cairn::bench {

absl::StatusOr<std::unique_ptr<FsyncCounter>> FsyncCounter::Start(const std::string& tracepoint,
                                                                  const std::string& data_path) {
  std::vector<std::string> args = {"perf", "record", "-q", "-a", "-e", tracepoint, "-o", data_path};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "perf", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return absl::UnavailableError(absl::StrCat("cannot run perf: ", std::strerror(spawned)));

  // perf gives no signal when it has attached; it writes the file header
  // first, then needs a moment to open one event per CPU.
  std::unique_ptr<FsyncCounter> counter(new FsyncCounter(pid, data_path));
  for (int waited_ms = 0; access(data_path.c_str(), F_OK) != 0; waited_ms += 20) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      counter->perf_pid_ = 0;
      return absl::UnavailableError(absl::StrCat("perf record -e ", tracepoint, " exited with status ", status));
    }
    if (waited_ms > 10000) return absl::DeadlineExceededError("perf record did not start within 10 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  return counter;
}

FsyncCounter::~FsyncCounter() {
  (void)StopPerf();
  unlink(data_path_.c_str());
}

absl::Status FsyncCounter::StopPerf() {
  if (perf_pid_ == 0) return absl::OkStatus();
  kill(perf_pid_, SIGINT);
  int status = 0;
  waitpid(perf_pid_, &status, 0);
  perf_pid_ = 0;
  // perf finishes its file on SIGINT, then re-raises the signal to die by it.
  const bool finished =
      (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) || (WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (!finished) {
    return absl::InternalError(absl::StrCat("perf record ended with wait status ", status));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> FsyncCounter::StopAndCount(pid_t pid) {
  if (absl::Status stopped = StopPerf(); !stopped.ok()) return stopped;
  // One line per event: the pid (thread group id) of the thread that hit it.
  const std::string command = absl::StrCat("perf script -i '", data_path_, "' -F pid 2>/dev/null");
  FILE* script = popen(command.c_str(), "r");
  if (script == nullptr) return absl::InternalError(absl::StrCat("popen perf script: ", std::strerror(errno)));
  int64_t count = 0;
  char line[256];
  while (std::fgets(line, sizeof(line), script) != nullptr) {
    if (std::strtol(line, nullptr, 10) == pid) ++count;
  }
  if (const int status = pclose(script); status != 0) {
    return absl::InternalError(absl::StrCat("perf script ended with wait status ", status));
  }
  return count;
}

}  // namespace cairn::bench
