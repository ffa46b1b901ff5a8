// `cairn topic create|list|describe|delete|alter-config|add-partitions`.
#include <climits>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli/command.h"
#include "client/cli/connect.h"
#include "client/cli/output.h"

namespace cairn::cli {
namespace {

// Kafka's ConfigSource names, as kafka-configs.sh prints them.
std::string ConfigSourceName(int8_t source) {
  switch (source) {
    case 1: return "DYNAMIC_TOPIC_CONFIG";
    case 2: return "DYNAMIC_BROKER_CONFIG";
    case 3: return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case 4: return "STATIC_BROKER_CONFIG";
    case 5: return "DEFAULT_CONFIG";
    case 6: return "DYNAMIC_BROKER_LOGGER_CONFIG";
    default: return "UNKNOWN";
  }
}

std::string ReplicationFactorOf(const client::TopicDescription& topic) {
  return topic.partitions.empty() ? "-" : absl::StrCat(topic.partitions.front().replicas.size());
}

int Create(const Context& context) {
  const std::string& name = context.args.positionals()[0];
  client::NewTopic topic;
  topic.name = name;
  if (auto p = context.args.Get("partitions")) {
    absl::StatusOr<int64_t> n = ParseInt("partitions", *p);
    if (!n.ok() || *n <= 0 || *n > INT32_MAX) return UsageError(context.command, "--partitions must be a positive number");
    topic.num_partitions = static_cast<int32_t>(*n);
  }
  if (auto r = context.args.Get("replicas")) {
    absl::StatusOr<int64_t> n = ParseInt("replicas", *r);
    if (!n.ok() || *n <= 0 || *n > INT16_MAX) return UsageError(context.command, "--replicas must be a positive number");
    topic.replication_factor = static_cast<int16_t>(*n);
  }
  for (const std::string& entry : context.args.GetAll("config")) {
    auto kv = SplitKeyValue("config", entry);
    if (!kv.ok()) return UsageError(context.command, OneLine(kv.status()));
    topic.configs[kv->first] = kv->second;
  }
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  if (absl::Status s = (*admin)->CreateTopic(std::move(topic)).get(); !s.ok()) {
    return Fail(absl::StrCat("cannot create topic ", name, ": ", OneLine(s)));
  }
  PrintOut(absl::StrCat("Created topic ", name, ".\n"));
  return kExitOk;
}

int List(const Context& context) {
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  auto topics = (*admin)->ListTopics().get();
  if (!topics.ok()) return Fail(absl::StrCat("cannot list topics: ", OneLine(topics.status())));
  const bool internal = context.args.Has("internal");
  Table table({"NAME", "PARTITIONS", "REPLICAS"});
  for (const client::TopicDescription& topic : *topics) {
    if (topic.is_internal && !internal) continue;
    table.AddRow({topic.name, absl::StrCat(topic.partitions.size()), ReplicationFactorOf(topic)});
  }
  table.Print();
  return kExitOk;
}

int Describe(const Context& context) {
  const std::string& name = context.args.positionals()[0];
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  auto topic = (*admin)->DescribeTopic(name).get();
  if (!topic.ok()) return Fail(absl::StrCat("cannot describe topic ", name, ": ", OneLine(topic.status())));
  auto configs = (*admin)->DescribeTopicConfig(name).get();
  if (!configs.ok()) return Fail(absl::StrCat("cannot describe configs of topic ", name, ": ", OneLine(configs.status())));

  Table summary({"NAME", topic->name});
  summary.AddRow({"INTERNAL", topic->is_internal ? "true" : "false"});
  summary.AddRow({"PARTITIONS", absl::StrCat(topic->partitions.size())});
  summary.AddRow({"REPLICAS", ReplicationFactorOf(*topic)});
  summary.Print();

  PrintOut("\n");
  Table partitions({"PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR"});
  for (const client::PartitionMetadata& p : topic->partitions) {
    partitions.AddRow({absl::StrCat(p.partition), NumberOrDash(p.leader), NumberOrDash(p.leader_epoch),
                       absl::StrJoin(p.replicas, ","), absl::StrJoin(p.isr, ",")});
  }
  partitions.Print();

  PrintOut("\n");
  Table config_table({"CONFIG", "VALUE", "SOURCE"});
  for (const client::ConfigEntry& entry : *configs) {
    const std::string value = entry.is_sensitive ? "(sensitive)" : entry.value.value_or("-");
    config_table.AddRow({entry.name, value.empty() ? "\"\"" : value, ConfigSourceName(entry.source)});
  }
  config_table.Print();
  return kExitOk;
}

int Delete(const Context& context) {
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  int status = kExitOk;
  for (const std::string& name : context.args.positionals()) {
    if (absl::Status s = (*admin)->DeleteTopic(name).get(); !s.ok()) {
      status = Fail(absl::StrCat("cannot delete topic ", name, ": ", OneLine(s)));
      continue;
    }
    PrintOut(absl::StrCat("Deleted topic ", name, ".\n"));
  }
  return status;
}

int AlterConfig(const Context& context) {
  const std::string& name = context.args.positionals()[0];
  std::vector<client::ConfigChange> changes;
  for (const std::string& entry : context.args.GetAll("set")) {
    auto kv = SplitKeyValue("set", entry);
    if (!kv.ok()) return UsageError(context.command, OneLine(kv.status()));
    changes.push_back({kv->first, client::AlterConfigOp::kSet, kv->second});
  }
  for (const std::string& key : context.args.GetAll("delete")) {
    changes.push_back({key, client::AlterConfigOp::kDelete, std::nullopt});
  }
  if (changes.empty()) return UsageError(context.command, "nothing to change: give --set or --delete");
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  if (absl::Status s = (*admin)->AlterTopicConfig(name, std::move(changes)).get(); !s.ok()) {
    return Fail(absl::StrCat("cannot alter configs of topic ", name, ": ", OneLine(s)));
  }
  PrintOut(absl::StrCat("Altered configs of topic ", name, ".\n"));
  return kExitOk;
}

int AddPartitions(const Context& context) {
  const std::string& name = context.args.positionals()[0];
  auto total_text = context.args.Get("total");
  if (!total_text) return UsageError(context.command, "missing -n/--total (the new partition count)");
  absl::StatusOr<int64_t> total = ParseInt("total", *total_text);
  if (!total.ok() || *total <= 0 || *total > INT32_MAX) return UsageError(context.command, "--total must be a positive number");
  auto admin = OpenAdmin(context);
  if (!admin.ok()) return Fail(admin.status());
  if (absl::Status s = (*admin)->CreatePartitions(name, static_cast<int32_t>(*total)).get(); !s.ok()) {
    return Fail(absl::StrCat("cannot add partitions to topic ", name, ": ", OneLine(s)));
  }
  PrintOut(absl::StrCat("Topic ", name, " now has ", *total, " partitions.\n"));
  return kExitOk;
}

}  // namespace

std::vector<Command> TopicCommands() {
  return {
      {"topic create", "NAME", "Create a topic",
       {{"partitions", 'p', "N", "number of partitions (default: the broker's num.partitions)"},
        {"replicas", 'r', "N", "replication factor (default: the broker's default.replication.factor)"},
        {"config", 'c', "KEY=VALUE", "topic config override", true}},
       Create, "Example:\n  cairn topic create orders -p 6 -r 3 -c retention.ms=86400000\n", 1, 1},
      {"topic list", "", "List topics with their partition count and replication factor",
       {{"internal", 'i', "", "include internal topics (__consumer_offsets, ...)"}}, List, "", 0, 0},
      {"topic describe", "NAME", "Show a topic's partitions (leader, epoch, replicas, ISR) and configs", {}, Describe,
       "Configs show their value and Kafka's config source (DEFAULT_CONFIG, DYNAMIC_TOPIC_CONFIG, ...).\n", 1, 1},
      {"topic delete", "NAME...", "Delete topics", {}, Delete, "", 1, SIZE_MAX},
      {"topic alter-config", "NAME", "Set or remove topic config overrides (IncrementalAlterConfigs)",
       {{"set", 's', "KEY=VALUE", "set an override", true}, {"delete", 'd', "KEY", "remove an override", true}},
       AlterConfig, "Example:\n  cairn topic alter-config orders --set retention.ms=3600000 --delete cleanup.policy\n", 1,
       1},
      {"topic add-partitions", "NAME", "Grow a topic to a total number of partitions",
       {{"total", 'n', "N", "the partition count wanted (Kafka cannot shrink a topic)"}}, AddPartitions, "", 1, 1},
  };
}

}  // namespace cairn::cli
