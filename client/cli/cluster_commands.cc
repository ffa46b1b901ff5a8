// `cairn cluster info`: what a Metadata request tells about the cluster.
// The Admin has no call for brokers and controller, so this asks the shared
// client core (client_core.h) directly.
#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "client/cli/command.h"
#include "client/cli/output.h"
#include "client/client_core.h"

namespace cairn::cli {
namespace {

int Info(const Context& context) {
  auto core = client::ClientCore::Create(context.ClientConfig());
  if (!core.ok()) return Fail(core.status());
  client::ClientCore& c = **core;
  using Result = absl::StatusOr<client::ClusterMetadata>;
  Result metadata = client::RunOnIoThread<Result>(c, [&c](absl::AnyInvocable<void(Result) &&> reply) mutable {
    c.RefreshMetadata(std::nullopt, false, [&c, reply = std::move(reply)](
                                               absl::StatusOr<std::vector<client::TopicMetadata>> topics) mutable {
      if (!topics.ok()) return std::move(reply)(topics.status());
      std::move(reply)(c.metadata());  // a copy, taken on the io thread that owns it
    });
  }).get();
  (*core)->Shutdown();
  if (!metadata.ok()) return Fail(absl::StrCat("cannot read cluster metadata: ", OneLine(metadata.status())));

  size_t topics = 0;
  for (const auto& [name, topic] : metadata->topics) topics += topic.is_internal ? 0 : 1;
  Table summary({"CLUSTER", metadata->cluster_id.value_or("-")});
  summary.AddRow({"CONTROLLER", NumberOrDash(metadata->controller_id)});
  summary.AddRow({"BROKERS", absl::StrCat(metadata->brokers.size())});
  summary.AddRow({"TOPICS", absl::StrCat(topics)});
  summary.Print();

  PrintOut("\n");
  std::vector<client::BrokerMetadata> brokers = metadata->brokers;
  std::sort(brokers.begin(), brokers.end(), [](const auto& a, const auto& b) { return a.node_id < b.node_id; });
  Table table({"ID", "HOST", "PORT", "RACK"});
  for (const client::BrokerMetadata& b : brokers) {
    table.AddRow({absl::StrCat(b.node_id, b.node_id == metadata->controller_id ? "*" : ""), b.host,
                  absl::StrCat(b.port), b.rack.value_or("-")});
  }
  table.Print();
  return kExitOk;
}

}  // namespace

std::vector<Command> ClusterCommands() {
  return {{"cluster info", "", "Show the cluster id, the controller, the brokers and the number of topics", {}, Info,
           "The controller's row is marked with '*'. TOPICS counts topics other than internal ones.\n", 0, 0}};
}

}  // namespace cairn::cli
