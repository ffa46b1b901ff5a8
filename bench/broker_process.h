// Starts a cairnd from the build for the benchmark: free loopback ports for
// the Kafka and admin listeners, its own log dir, output to a log file;
// waits for /v1/ready and stops it with SIGTERM. Also reads /metrics.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cairn::bench {

struct BrokerOptions {
  std::string binary;                  // path of cairnd
  std::string data_dir;                // log.dirs; created by cairnd
  std::string log_path;                // cairnd's stdout and stderr
  std::vector<std::string> overrides;  // extra key=value settings, after ours
};

class BrokerProcess {
 public:
  // Spawns cairnd and waits (up to 30 s) until /v1/ready answers 200.
  static absl::StatusOr<std::unique_ptr<BrokerProcess>> Start(const BrokerOptions& options);
  ~BrokerProcess();
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  // SIGTERM, then SIGKILL if it has not exited after 30 s. Error unless it
  // exited with status 0 on its own.
  absl::Status Stop();

  pid_t pid() const { return pid_; }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(kafka_port_); }
  int kafka_port() const { return kafka_port_; }

  // The sum of every series of the counter or gauge `family` in /metrics
  // (0 if the family has no series yet).
  absl::StatusOr<double> MetricSum(std::string_view family) const;

 private:
  BrokerProcess(pid_t pid, int kafka_port, int admin_port)
      : pid_(pid), kafka_port_(kafka_port), admin_port_(admin_port) {}
  absl::Status WaitReady(const std::string& log_path);

  pid_t pid_;
  const int kafka_port_;
  const int admin_port_;
};

}  // namespace cairn::bench
