// A real cairnd for the client's integration tests: a single node on free
// loopback ports with its own data directory (like tests/compat/cairnd_process.py).
// The binary comes from the CAIRND environment variable (CTest sets it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cairn::client::testing {

class CairndProcess {
 public:
  // Picks free ports and a fresh data directory; does not start.
  // `overrides` are extra "key=value" settings (e.g. shorter group timeouts).
  explicit CairndProcess(std::vector<std::string> overrides = {});
  // Kills the process if it still runs and removes the data directory.
  ~CairndProcess();
  CairndProcess(const CairndProcess&) = delete;
  CairndProcess& operator=(const CairndProcess&) = delete;

  // Starts cairnd (same port and data dir every time) and waits until its
  // /v1/ready answers 200; CHECK-fails with the log on timeout or exit.
  void Start();
  // SIGKILL: no clean shutdown, as in a crash.
  void Kill9();
  // SIGTERM and wait.
  void Stop();

  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  // The Kafka listener's port on 127.0.0.1.
  uint16_t port() const { return port_; }
  // One more "key=value" setting for the next Start.
  void AddOverride(std::string setting) { overrides_.push_back(std::move(setting)); }
  // The admin listener's port (/metrics, /v1/ready) on 127.0.0.1.
  uint16_t admin_port() const { return admin_port_; }
  std::string Logs() const;

 private:
  bool Ready() const;

  std::vector<std::string> overrides_;
  uint16_t port_;
  uint16_t admin_port_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace cairn::client::testing
