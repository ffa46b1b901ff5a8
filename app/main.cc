// cairnd: parse the config, wire storage and the shard runtime, run until
// SIGINT/SIGTERM. No logic of its own lives here (DESIGN.md §1).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/freed_memory.h"
#include "common/logging.h"
#include "common/server_config.h"
#include "broker/broker.h"
#include "io/bind_address.h"
#include "io/directory_lock.h"
#include "io/posix_file_system.h"
#include "io/shard.h"

namespace cairn {
namespace {

constexpr int kExitConfigError = 2;
constexpr int kExitRuntimeError = 1;

constexpr const char* kUsage =
    "usage: cairnd [--config FILE] [--override key=value]... [--check-config] [--help-config]\n"
    "\n"
    "Runs a Cairn node. Config keys are Kafka's server.properties names; with no\n"
    "config it runs a single-node cluster on 127.0.0.1:9092 with data under ./data.\n"
    "  --config FILE          read key=value settings from FILE\n"
    "  --override key=value   set one key, after the file (repeatable)\n"
    "  --check-config         validate, print the effective config and exit\n"
    "  --help-config          list every config key with its default\n";

struct Flags {
  std::string config_path;
  std::vector<std::string> overrides;
  bool check_config = false;
};

[[noreturn]] void Die(int status, const std::string& message) {
  std::fprintf(stderr, "cairnd: %s\n", message.c_str());
  std::exit(status);
}

// "stopped cleanly" only when every log closed cleanly: operators and tests
// read it as "the next start needs no recovery scan".
void LogStopped(const broker::Broker& broker) {
  if (broker.unclean_shard_count() == 0) {
    CAIRN_LOG(kInfo) << "stopped cleanly";
  } else {
    CAIRN_LOG(kWarning) << "stopped; the logs of " << broker.unclean_shard_count()
                        << " shard(s) did not close cleanly and are recovered at the next start";
  }
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const std::string& name) -> std::string {
      if (arg.size() > name.size() && arg[name.size()] == '=') return arg.substr(name.size() + 1);
      if (i + 1 >= argc) Die(kExitConfigError, name + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--help-config") {
      std::fputs(ServerConfigDef().Describe().c_str(), stdout);
      std::exit(0);
    } else if (arg.rfind("--config", 0) == 0) {
      flags.config_path = value("--config");
    } else if (arg.rfind("--override", 0) == 0) {
      flags.overrides.push_back(value("--override"));
    } else if (arg == "--check-config") {
      flags.check_config = true;
    } else {
      Die(kExitConfigError, "unknown argument '" + arg + "' (see --help)");
    }
  }
  return flags;
}

// A listener (or the admin listener) named by host binds the name's address,
// looked up here, once, before any shard runs (no DNS on a shard);
// advertised.listeners keep the name. So does a voter without a controller
// listener, which binds its own voters entry (the others dial the name).
// A name that does not resolve is a config error.
void ResolveListenerHosts(ServerConfig& server) {
  const bool has_controller_listener = std::any_of(server.listeners.begin(), server.listeners.end(),
                                                   [&](const Listener& l) { return server.IsControllerListener(l); });
  for (QuorumVoter& voter : server.controller_quorum_voters) {
    if (voter.node_id != server.node_id || has_controller_listener) continue;
    absl::StatusOr<std::string> bind_host = io::ResolveBindHost(voter.host);
    if (!bind_host.ok()) {
      Die(kExitConfigError, absl::StrCat("invalid value '", voter.node_id.value(), "@", voter.host, ":", voter.port,
                                         "' for 'controller.quorum.voters': ", bind_host.status().message()));
    }
    voter.host = *bind_host;
  }
  for (Listener& listener : server.listeners) {
    absl::StatusOr<std::string> bind_host = io::ResolveBindHost(listener.host);
    if (!bind_host.ok()) {
      Die(kExitConfigError, absl::StrCat("invalid value '", listener.name, "://", listener.host, ":", listener.port,
                                         "' for 'listeners': ", bind_host.status().message()));
    }
    listener.host = *bind_host;
  }
  if (const size_t colon = server.admin_listener.rfind(':'); colon != std::string::npos) {
    absl::StatusOr<std::string> bind_host = io::ResolveBindHost(server.admin_listener.substr(0, colon));
    if (!bind_host.ok()) {
      Die(kExitConfigError, absl::StrCat("invalid value '", server.admin_listener, "' for 'admin.listener': ",
                                         bind_host.status().message()));
    }
    const bool bracket = bind_host->find(':') != std::string::npos && bind_host->front() != '[';
    server.admin_listener = absl::StrCat(bracket ? "[" : "", *bind_host, bracket ? "]" : "",
                                         server.admin_listener.substr(colon));
  }
}

ServerConfig LoadConfig(const Flags& flags, std::string* dump) {
  std::string text;
  if (!flags.config_path.empty()) {
    std::ifstream in(flags.config_path);
    if (!in) Die(kExitConfigError, "cannot read config file '" + flags.config_path + "': " + std::strerror(errno));
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  auto config = ServerConfigDef().Parse(text, flags.overrides);
  if (!config.ok()) Die(kExitConfigError, std::string(config.status().message()));
  auto server = ServerConfig::FromConfig(*config);
  if (!server.ok()) Die(kExitConfigError, std::string(server.status().message()));
  ResolveListenerHosts(*server);
  *dump = config->Dump();
  return *server;
}

int Run(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  std::string dump;
  const ServerConfig config = LoadConfig(flags, &dump);
  if (flags.check_config) {
    std::fputs(dump.c_str(), stdout);
    return 0;
  }

  // Signals are taken synchronously by this thread; every shard inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  io::PosixFileSystem setup_fs(nullptr);
  std::vector<std::unique_ptr<io::DirectoryLock>> locks;
  for (const std::string& dir : config.log_dirs) {
    if (absl::Status made = setup_fs.CreateDirectories(dir); !made.ok()) Die(kExitRuntimeError, made.ToString());
    auto lock = io::DirectoryLock::Acquire(dir);
    if (!lock.ok()) Die(kExitRuntimeError, std::string(lock.status().message()));
    locks.push_back(std::move(*lock));
  }

  const int shard_count =
      config.smp > 0 ? config.smp : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Request frames and the batches copied out of them are freed and
  // allocated again at the rate requests arrive; keeping the freed memory
  // saves the page faults of fetching it from the kernel each time. Each of
  // glibc's heaps (it gives threads their own as far as it can) keeps up to
  // a shard's share of queued.max.request.bytes, what a shard may hold in
  // request frames anyway.
  constexpr int64_t kUnboundedShare = int64_t{256} << 20;
  RetainFreedMemory(static_cast<size_t>(
      config.queued_max_request_bytes > 0 ? config.queued_max_request_bytes / shard_count : kUnboundedShare));
  io::ShardRuntime runtime;
  using Pinning = io::ShardRuntime::CpuPinning;
  const Pinning pinning = config.smp_pin_cpus ? Pinning::kOnePerCpu : Pinning::kNone;
  if (absl::Status started = runtime.Start(shard_count, io::Ring::kDefaultQueueDepth, pinning); !started.ok()) {
    Die(kExitRuntimeError, started.ToString());
  }

  broker::Broker broker(config, runtime);
  // SIGINT/SIGTERM are awaited from the start: one arriving while Start
  // still waits for the controller quorum cancels it, and cairnd stops
  // cleanly instead of ignoring the signal until a quorum forms.
  std::atomic<int> signal_number{0};
  std::thread signal_waiter([&] {
    int received = 0;
    sigwait(&stop_signals, &received);
    signal_number = received;
    broker.RequestStop();
  });
  if (absl::Status started = broker.Start(); !started.ok()) {
    if (signal_number != 0) {
      signal_waiter.join();
      CAIRN_LOG(kInfo) << "received " << strsignal(signal_number) << " during start-up (" << std::string(started.message())
                       << "), stopping";
      broker.Stop();
      runtime.Stop();
      LogStopped(broker);
      return 0;
    }
    broker.Stop();
    runtime.Stop();
    signal_waiter.detach();  // blocked in sigwait; the process exits now
    Die(kExitRuntimeError, started.ToString());
  }
  std::vector<std::string> listeners;
  for (const Listener& l : config.listeners) listeners.push_back(l.name + "://" + l.host + ":" + std::to_string(l.port));
  CAIRN_LOG(kInfo) << "cairnd node " << config.node_id << " (cluster " << config.cluster_id << ", roles "
                   << (config.process_broker ? (config.process_controller ? "broker,controller" : "broker")
                                             : "controller")
                   << ") started: " << shard_count << " shard(s), log dirs ["
                   << absl::StrJoin(config.log_dirs, ", ") << "], " << broker.partition_count()
                   << " partition(s) recovered, " << broker.offline_partition_count() << " offline; listening on ["
                   << absl::StrJoin(listeners, ", ") << "]";

  signal_waiter.join();
  CAIRN_LOG(kInfo) << "received " << strsignal(signal_number) << ", stopping";
  broker.Stop();
  runtime.Stop();
  LogStopped(broker);
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) { return cairn::Run(argc, argv); }
