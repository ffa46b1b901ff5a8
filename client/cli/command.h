// What every `cairn` verb shares: its declaration (path, usage, flags) and
// the context it runs with (parsed arguments, broker list, timeout).
// Exit statuses: 0 success, 1 the operation failed, 2 a usage error.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "client/cli/args.h"
#include "client/config.h"

namespace cairn::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

inline constexpr char kDefaultBrokers[] = "127.0.0.1:9092";
inline constexpr char kBrokersEnv[] = "CAIRN_BROKERS";

struct Context {
  std::string command;  // "topic create", for messages
  ParsedArgs args;
  std::string brokers;      // --brokers, else -X bootstrap.servers, else $CAIRN_BROKERS, else 127.0.0.1:9092
  int64_t timeout_ms = 0;   // --timeout: each request's time limit
  bool stderr_is_terminal = false;
  // -X KEY=VALUE, in order: client settings by their Kafka names, checked
  // before the verb runs (each is a setting of some client, with a valid
  // value); each client the verb makes takes those that are its own.
  std::vector<std::pair<std::string, std::string>> settings;

  // bootstrap.servers, client.id "cairn-cli", request.timeout.ms = --timeout,
  // then the -X settings of an admin client.
  client::ClientConfig ClientConfig() const;
};

struct Command {
  std::string path;       // "topic create"
  std::string arguments;  // "NAME", shown in usage
  std::string summary;    // one line
  std::vector<FlagSpec> flags;
  int (*run)(const Context&) = nullptr;
  std::string details;    // examples and notes for --help (may be empty)
  size_t min_positionals = 0;
  size_t max_positionals = 0;  // SIZE_MAX: any number
};

// The verbs, by area (topic_commands.cc, group_commands.cc, ...).
std::vector<Command> TopicCommands();
std::vector<Command> GroupCommands();
std::vector<Command> ClusterCommands();
std::vector<Command> ProduceCommands();
std::vector<Command> ConsumeCommands();
std::vector<Command> BenchCommands();

}  // namespace cairn::cli
