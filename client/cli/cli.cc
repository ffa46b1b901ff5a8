#include "client/cli/cli.h"

#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/broker_address.h"
#include "client/cli/command.h"
#include "client/cli/connect.h"
#include "client/cli/output.h"

namespace cairn::cli {
namespace {

constexpr char kDefaultTimeout[] = "10s";

std::vector<FlagSpec> GlobalFlags() {
  return {
      {"brokers", 'b', "HOST:PORT,...",
       absl::StrCat("brokers to bootstrap from (default $", kBrokersEnv, ", else ", kDefaultBrokers, ")")},
      {"timeout", 0, "DURATION", absl::StrCat("time limit of each request to a broker (default ", kDefaultTimeout, ")")},
      {"setting", 'X', "KEY=VALUE",
       "a client setting by its Kafka name, e.g. linger.ms=20 (docs/client.md)",
       true},
      {"help", 'h', "", "show this help"},
  };
}

std::vector<Command> AllCommands() {
  std::vector<Command> all;
  for (auto area : {TopicCommands, ProduceCommands, ConsumeCommands, GroupCommands, ClusterCommands, BenchCommands}) {
    for (Command& c : area()) all.push_back(std::move(c));
  }
  return all;
}

std::string FlagLine(const FlagSpec& flag) {
  std::string names = flag.short_name != 0 ? absl::StrCat("-", std::string(1, flag.short_name), ", --", flag.name)
                                           : absl::StrCat("    --", flag.name);
  if (!flag.value_name.empty()) absl::StrAppend(&names, " ", flag.value_name);
  if (names.size() < 30) names.resize(30, ' ');
  return absl::StrCat("  ", names, " ", flag.help, flag.repeatable ? " (repeatable)" : "", "\n");
}

std::string CommandHelp(const Command& command) {
  std::string text = absl::StrCat(command.summary, "\n\nUsage: cairn ", command.path,
                                  command.arguments.empty() ? "" : " ", command.arguments, " [flags]\n");
  if (!command.flags.empty()) {
    text += "\nFlags:\n";
    for (const FlagSpec& flag : command.flags) text += FlagLine(flag);
  }
  text += "\nGlobal flags:\n";
  for (const FlagSpec& flag : GlobalFlags()) text += FlagLine(flag);
  if (!command.details.empty()) absl::StrAppend(&text, "\n", command.details);
  return text;
}

// The overview of every verb, or of those under `prefix` ("topic").
std::string Overview(const std::vector<Command>& commands, const std::string& prefix) {
  std::string text = prefix.empty() ? "cairn: a command-line client for Cairn and other Kafka-compatible brokers.\n\n"
                                    : "";
  absl::StrAppend(&text, "Usage: cairn ", prefix.empty() ? "COMMAND" : prefix + " COMMAND", " [flags]\n\nCommands:\n");
  for (const Command& c : commands) {
    if (!prefix.empty() && c.path.rfind(prefix + " ", 0) != 0) continue;
    std::string name = c.path;
    if (name.size() < 26) name.resize(26, ' ');
    absl::StrAppend(&text, "  ", name, " ", c.summary, "\n");
  }
  if (prefix.empty()) {
    absl::StrAppend(&text, "  version                    Print the version of cairn (or --version)\n");
  }
  absl::StrAppend(&text, "\nRun 'cairn COMMAND --help' for a command's flags. Docs: docs/cli.md\n");
  return text;
}

// The command whose path is the longest prefix of the leading words of args.
const Command* FindCommand(const std::vector<Command>& commands, const std::vector<std::string>& args,
                           size_t* words_used) {
  const Command* best = nullptr;
  for (const Command& c : commands) {
    std::vector<std::string> words = absl::StrSplit(c.path, ' ');
    if (words.size() > args.size()) continue;
    bool match = true;
    for (size_t i = 0; i < words.size() && match; ++i) match = args[i] == words[i];
    if (match && (best == nullptr || words.size() > *words_used)) {
      best = &c;
      *words_used = words.size();
    }
  }
  return best;
}

bool IsArea(const std::vector<Command>& commands, const std::string& word) {
  for (const Command& c : commands) {
    if (c.path.rfind(word + " ", 0) == 0) return true;
  }
  return false;
}

// --brokers, -b, --timeout, --setting, -X, with the value inline or next.
bool IsGlobalValueFlag(const std::string& arg) {
  for (const char* name : {"--brokers", "--timeout", "--setting"}) {
    if (arg == name || arg.rfind(absl::StrCat(name, "="), 0) == 0) return true;
  }
  return arg.rfind("-b", 0) == 0 || arg.rfind("-X", 0) == 0;
}

void Print(FILE* stream, const std::string& text) {
  if (stream == stdout) return PrintOut(text);
  std::fwrite(text.data(), 1, text.size(), stream);
}

// The bootstrap list and where it came from, so that a bad one is a usage
// error naming what the user wrote. --brokers wins over -X
// bootstrap.servers, as every verb flag wins over -X.
struct Brokers {
  std::string list;
  std::string source;  // "--brokers", "-X bootstrap.servers", "$CAIRN_BROKERS" or "" (the default)
};

Brokers BrokersOf(const ParsedArgs& args, const std::vector<std::pair<std::string, std::string>>& settings) {
  if (auto flag = args.Get("brokers")) return {*flag, "--brokers"};
  for (auto it = settings.rbegin(); it != settings.rend(); ++it) {
    if (it->first == "bootstrap.servers") return {it->second, "-X bootstrap.servers"};
  }
  const char* env = std::getenv(kBrokersEnv);
  if (env != nullptr && *env != '\0') return {env, absl::StrCat("$", kBrokersEnv)};
  return {kDefaultBrokers, ""};
}

absl::Status CheckBrokers(const Brokers& brokers) {
  bool any = false;
  for (absl::string_view entry : absl::StrSplit(brokers.list, ',')) {
    any = any || !absl::StripAsciiWhitespace(entry).empty();
  }
  if (!any) return absl::InvalidArgumentError(absl::StrCat(brokers.source, " names no broker (want HOST:PORT,...)"));
  absl::StatusOr<std::vector<client::BrokerAddress>> parsed = client::ParseBrokerList(brokers.list);
  if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat(brokers.source, ": ", parsed.status().message()));
  return absl::OkStatus();
}

// Runs the verb argv names; Main adds the check of stdout.
int Run(int argc, char** argv);

}  // namespace

client::ClientConfig Context::ClientConfig() const {
  client::ClientConfig config;
  config.bootstrap_servers = brokers;
  config.client_id = "cairn-cli";
  config.request_timeout_ms = timeout_ms;
  config.socket_connection_setup_timeout_ms = timeout_ms;
  // Retries of an admin call stop within the same limit, so an unreachable
  // broker fails after --timeout, not after default.api.timeout.ms (60 s).
  config.default_api_timeout_ms = timeout_ms;
  ApplySettings(*this, config);
  return config;
}

int Main(int argc, char** argv) {
  // A closed pipe on stdout is an error each write reports (EPIPE), not a
  // silent death: the verb stops, says so, and commits nothing unwritten.
  // The client's first connection would ignore SIGPIPE anyway (io/connection.h);
  // this makes it so before any output too.
  std::signal(SIGPIPE, SIG_IGN);
  return FinishOutput(Run(argc, argv));
}

namespace {

int Run(int argc, char** argv) {
  const std::vector<Command> commands = AllCommands();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    Print(stderr, Overview(commands, ""));
    return kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    Print(stdout, Overview(commands, ""));
    return kExitOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    Print(stdout, absl::StrCat("cairn ", CAIRN_VERSION, "\n"));
    return kExitOk;
  }
  // Global flags may come before the verb ("cairn --brokers X topic list"):
  // move them behind it, where the verb's parser reads them.
  std::vector<std::string> leading;
  while (!args.empty() && IsGlobalValueFlag(args[0])) {
    const bool has_inline_value = args[0].find('=') != std::string::npos || (args[0].size() > 2 && args[0][1] != '-');
    leading.push_back(args[0]);
    args.erase(args.begin());
    if (!has_inline_value && !args.empty()) {
      leading.push_back(args[0]);
      args.erase(args.begin());
    }
  }
  if (args.empty()) {
    Print(stderr, Overview(commands, ""));
    return kExitUsage;
  }
  size_t words = 0;
  const Command* command = FindCommand(commands, args, &words);
  if (command != nullptr) args.insert(args.begin() + static_cast<std::ptrdiff_t>(words), leading.begin(), leading.end());
  if (command == nullptr) {
    if (IsArea(commands, args[0])) {
      const bool help = args.size() == 1 || args[1] == "--help" || args[1] == "-h";
      if (help) {
        Print(args.size() == 1 ? stderr : stdout, Overview(commands, args[0]));
        return args.size() == 1 ? kExitUsage : kExitOk;
      }
      Fail(absl::StrCat("unknown command '", args[0], " ", args[1], "' (see 'cairn ", args[0], " --help')"));
      return kExitUsage;
    }
    Fail(absl::StrCat("unknown command '", args[0], "' (see 'cairn --help')"));
    return kExitUsage;
  }
  std::vector<FlagSpec> flags = command->flags;
  for (FlagSpec& flag : GlobalFlags()) flags.push_back(std::move(flag));
  absl::StatusOr<ParsedArgs> parsed = Parse(std::vector<std::string>(args.begin() + words, args.end()), flags);
  if (!parsed.ok()) return UsageError(command->path, OneLine(parsed.status()));
  if (parsed->Has("help")) {
    Print(stdout, CommandHelp(*command));
    return kExitOk;
  }
  const size_t positionals = parsed->positionals().size();
  if (positionals < command->min_positionals) {
    return UsageError(command->path, absl::StrCat("missing ", command->arguments));
  }
  if (positionals > command->max_positionals) {
    return UsageError(command->path, absl::StrCat("unexpected argument '",
                                                  parsed->positionals()[command->max_positionals], "'"));
  }
  Context context;
  context.command = command->path;
  absl::StatusOr<int64_t> timeout = ParseDurationMs("timeout", parsed->GetOr("timeout", kDefaultTimeout));
  if (!timeout.ok()) return UsageError(command->path, OneLine(timeout.status()));
  if (*timeout <= 0) return UsageError(command->path, "--timeout must be positive");
  context.timeout_ms = *timeout;
  for (const std::string& setting : parsed->GetAll("setting")) {
    absl::StatusOr<std::pair<std::string, std::string>> kv = SplitKeyValue("setting", setting);
    if (!kv.ok()) return UsageError(command->path, OneLine(kv.status()));
    context.settings.push_back(std::move(*kv));
  }
  if (absl::Status checked = CheckSettings(context.settings); !checked.ok()) {
    return UsageError(command->path, OneLine(checked));
  }
  const Brokers brokers = BrokersOf(*parsed, context.settings);
  if (absl::Status checked = CheckBrokers(brokers); !checked.ok()) return UsageError(command->path, checked.message());
  context.brokers = brokers.list;
  context.stderr_is_terminal = isatty(STDERR_FILENO) == 1;
  context.args = std::move(*parsed);
  return command->run(context);
}

}  // namespace

}  // namespace cairn::cli
