#include "client/admin.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/admin_retry.h"
#include "client/client_core.h"
#include "client/kafka_error.h"
#include "proto/kafka/generated/create_partitions.h"
#include "proto/kafka/generated/create_topics.h"
#include "proto/kafka/generated/delete_groups.h"
#include "proto/kafka/generated/delete_topics.h"
#include "proto/kafka/generated/describe_configs.h"
#include "proto/kafka/generated/describe_groups.h"
#include "proto/kafka/generated/find_coordinator.h"
#include "proto/kafka/generated/incremental_alter_configs.h"
#include "proto/kafka/generated/list_groups.h"
#include "proto/kafka/generated/list_offsets.h"
#include "proto/kafka/generated/offset_commit.h"
#include "proto/kafka/generated/offset_fetch.h"

namespace cairn::client {
namespace {

constexpr int8_t kTopicResource = 2;  // DescribeConfigs/IncrementalAlterConfigs resource type
constexpr int32_t kAdminTimeoutMs = 30000;

template <typename T>
using Reply = absl::AnyInvocable<void(T) &&>;

// The controller when metadata knows it, else any broker: topic changes go to
// the controller in Kafka.
int32_t ControllerOrAny(const ClientCore& core) {
  const int32_t controller = core.metadata().controller_id;
  return controller >= 0 && core.metadata().FindBroker(controller) != nullptr ? controller : ClientCore::kAnyNode;
}

// Finds the coordinator of `group` and runs `then` with a connection to it.
void WithCoordinator(ClientCore& core, const std::string& group, Reply<absl::StatusOr<int32_t>> then) {
  kafka::FindCoordinatorRequest request;
  request.key = group;
  request.key_type = 0;  // a group
  core.Call<kafka::FindCoordinatorResponse>(
      ClientCore::kAnyNode, std::move(request),
      [&core, then = std::move(then)](absl::StatusOr<kafka::FindCoordinatorResponse> response) mutable {
        if (!response.ok()) return std::move(then)(response.status());
        if (response->error_code != 0) {
          return std::move(then)(KafkaErrorStatus(response->error_code, response->error_message.value_or("")));
        }
        core.ConnectionTo(response->node_id, {response->host, static_cast<uint16_t>(response->port)});
        std::move(then)(response->node_id);
      });
}

// ListOffsets with `timestamp`: -2 earliest, -1 latest, else the first offset
// whose timestamp is at least it (-1 when there is none).
void ListOffsetsOnIo(ClientCore& core, std::vector<TopicPartition> partitions, int64_t timestamp,
                     Reply<absl::StatusOr<std::vector<PartitionOffset>>> reply) {
  if (partitions.empty()) return std::move(reply)(std::vector<PartitionOffset>{});
  std::vector<std::string> topics;
  for (const TopicPartition& tp : partitions) topics.push_back(tp.topic);
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  core.RefreshMetadata(topics, false, [&core, partitions = std::move(partitions), timestamp, reply = std::move(reply)](
                                          absl::StatusOr<std::vector<TopicMetadata>> refreshed) mutable {
    if (!refreshed.ok()) return std::move(reply)(refreshed.status());
    std::map<int32_t, std::vector<TopicPartition>> by_leader;
    for (const TopicPartition& tp : partitions) {
      const int32_t leader = core.metadata().LeaderOf(tp.topic, tp.partition);
      if (leader < 0) {
        return std::move(reply)(KafkaErrorStatus(kafka_error::kUnknownTopicOrPartition,
                                                 absl::StrCat("no leader known for ", tp.topic, "-", tp.partition)));
      }
      by_leader[leader].push_back(tp);
    }
    // Answers are gathered here; the reply goes out once every leader answered.
    struct Gather {
      size_t pending = 0;
      absl::Status status;
      std::vector<PartitionOffset> offsets;
      Reply<absl::StatusOr<std::vector<PartitionOffset>>> reply;
    };
    auto gather = std::make_shared<Gather>();
    gather->pending = by_leader.size();
    gather->reply = std::move(reply);
    for (auto& [leader, tps] : by_leader) {
      kafka::ListOffsetsRequest request;
      request.replica_id = -1;
      request.isolation_level = 0;
      for (const TopicPartition& tp : tps) {
        if (request.topics.empty() || request.topics.back().name != tp.topic) request.topics.push_back({tp.topic, {}, {}});
        kafka::ListOffsetsRequest::ListOffsetsPartition partition;
        partition.partition_index = tp.partition;
        partition.timestamp = timestamp;
        request.topics.back().partitions.push_back(std::move(partition));
      }
      core.Call<kafka::ListOffsetsResponse>(leader, std::move(request),
                                            [gather](absl::StatusOr<kafka::ListOffsetsResponse> response) {
        if (!response.ok()) {
          gather->status.Update(response.status());
        } else {
          for (const auto& topic : response->topics) {
            for (const auto& p : topic.partitions) {
              if (p.error_code != 0) {
                gather->status.Update(KafkaErrorStatus(p.error_code, absl::StrCat(topic.name, "-", p.partition_index)));
                continue;
              }
              const int64_t offset = p.old_style_offsets.empty() ? p.offset : p.old_style_offsets.front();
              gather->offsets.push_back({topic.name, p.partition_index, offset});
            }
          }
        }
        if (--gather->pending > 0) return;
        if (!gather->status.ok()) return std::move(gather->reply)(gather->status);
        std::sort(gather->offsets.begin(), gather->offsets.end(), [](const auto& a, const auto& b) {
          return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
        });
        std::move(gather->reply)(std::move(gather->offsets));
      });
    }
  });
}

void ListGroupOffsetsOnIo(ClientCore& core, std::string group,
                          Reply<absl::StatusOr<std::vector<PartitionOffset>>> reply) {
  WithCoordinator(core, group, [&core, group, reply = std::move(reply)](absl::StatusOr<int32_t> node) mutable {
    if (!node.ok()) return std::move(reply)(node.status());
    kafka::OffsetFetchRequest request;
    request.group_id = group;
    request.topics = std::nullopt;  // all the group committed (v2+)
    core.Call<kafka::OffsetFetchResponse>(
        *node, std::move(request),
        [reply = std::move(reply)](absl::StatusOr<kafka::OffsetFetchResponse> response) mutable {
          if (!response.ok()) return std::move(reply)(response.status());
          if (response->error_code != 0) return std::move(reply)(KafkaErrorStatus(response->error_code, "OffsetFetch"));
          std::vector<PartitionOffset> offsets;
          for (const auto& topic : response->topics) {
            for (const auto& p : topic.partitions) {
              if (p.error_code != 0) return std::move(reply)(KafkaErrorStatus(p.error_code, topic.name));
              offsets.push_back({topic.name, p.partition_index, p.committed_offset});
            }
          }
          std::sort(offsets.begin(), offsets.end(), [](const auto& a, const auto& b) {
            return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
          });
          std::move(reply)(std::move(offsets));
        });
  });
}

// Runs one admin operation on the io thread with retries (admin_retry.h).
// `attempt` runs once per try, so it must copy, not move, what it captured.
template <typename T>
std::future<T> RunAdmin(ClientCore& core, absl::AnyInvocable<void(Reply<T>)> attempt) {
  return RunOnIoThread<T>(core, [&core, attempt = std::move(attempt)](Reply<T> reply) mutable {
    WithAdminRetries<T>(core, std::move(attempt), std::move(reply));
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Admin>> Admin::Create(const ClientConfig& config) {
  absl::StatusOr<std::unique_ptr<ClientCore>> core = ClientCore::Create(config);
  if (!core.ok()) return core.status();
  return std::unique_ptr<Admin>(new Admin(std::move(*core)));
}

Admin::Admin(std::unique_ptr<ClientCore> core) : core_(std::move(core)) {}
Admin::~Admin() = default;

std::future<absl::Status> Admin::CreateTopic(NewTopic topic, bool validate_only) {
  ClientCore& core = *core_;
  return RunAdmin<absl::Status>(core, [&core, topic = std::move(topic), validate_only](Reply<absl::Status> reply) mutable {
    kafka::CreateTopicsRequest request;
    kafka::CreateTopicsRequest::CreatableTopic creatable;
    creatable.name = topic.name;
    creatable.num_partitions = topic.num_partitions;
    creatable.replication_factor = topic.replication_factor;
    for (auto& [name, value] : topic.configs) creatable.configs.push_back({name, value, {}});
    request.topics.push_back(std::move(creatable));
    request.timeout_ms = kAdminTimeoutMs;
    request.validate_only = validate_only;
    core.Call<kafka::CreateTopicsResponse>(
        ControllerOrAny(core), std::move(request),
        [reply = std::move(reply)](absl::StatusOr<kafka::CreateTopicsResponse> response) mutable {
          if (!response.ok()) return std::move(reply)(response.status());
          if (response->topics.size() != 1) return std::move(reply)(absl::InternalError("CreateTopics: no result"));
          const auto& result = response->topics.front();
          std::move(reply)(KafkaErrorStatus(result.error_code, result.error_message.value_or("")));
        });
  });
}

std::future<absl::Status> Admin::DeleteTopic(std::string name) {
  ClientCore& core = *core_;
  return RunAdmin<absl::Status>(core, [&core, name = std::move(name)](Reply<absl::Status> reply) mutable {
    kafka::DeleteTopicsRequest request;
    request.topic_names.push_back(name);
    request.timeout_ms = kAdminTimeoutMs;
    core.Call<kafka::DeleteTopicsResponse>(
        ControllerOrAny(core), std::move(request),
        [reply = std::move(reply), name](absl::StatusOr<kafka::DeleteTopicsResponse> response) mutable {
          if (!response.ok()) return std::move(reply)(response.status());
          if (response->responses.size() != 1) return std::move(reply)(absl::InternalError("DeleteTopics: no result"));
          std::move(reply)(KafkaErrorStatus(response->responses.front().error_code, name));
        });
  });
}

std::future<absl::StatusOr<std::vector<TopicDescription>>> Admin::ListTopics() {
  ClientCore& core = *core_;
  using Result = absl::StatusOr<std::vector<TopicDescription>>;
  return RunAdmin<Result>(core, [&core](Reply<Result> reply) mutable {
    core.RefreshMetadata(std::nullopt, false,
                         [reply = std::move(reply)](absl::StatusOr<std::vector<TopicMetadata>> topics) mutable {
                           if (!topics.ok()) return std::move(reply)(topics.status());
                           std::vector<TopicDescription> out;
                           for (TopicMetadata& t : *topics) {
                             if (t.error_code != 0) continue;
                             out.push_back({t.name, t.is_internal, std::move(t.partitions)});
                           }
                           std::sort(out.begin(), out.end(),
                                     [](const auto& a, const auto& b) { return a.name < b.name; });
                           std::move(reply)(std::move(out));
                         });
  });
}

std::future<absl::StatusOr<TopicDescription>> Admin::DescribeTopic(std::string name) {
  ClientCore& core = *core_;
  using Result = absl::StatusOr<TopicDescription>;
  return RunAdmin<Result>(core, [&core, name = std::move(name)](Reply<Result> reply) mutable {
    core.RefreshMetadata(std::vector<std::string>{name}, false,
                         [reply = std::move(reply), name](absl::StatusOr<std::vector<TopicMetadata>> topics) mutable {
                           if (!topics.ok()) return std::move(reply)(topics.status());
                           for (TopicMetadata& t : *topics) {
                             if (t.name != name) continue;
                             if (t.error_code != 0) return std::move(reply)(KafkaErrorStatus(t.error_code, name));
                             return std::move(reply)(TopicDescription{t.name, t.is_internal, std::move(t.partitions)});
                           }
                           std::move(reply)(KafkaErrorStatus(kafka_error::kUnknownTopicOrPartition, name));
                         });
  });
}

std::future<absl::Status> Admin::CreatePartitions(std::string topic, int32_t total_partitions) {
  ClientCore& core = *core_;
  return RunAdmin<absl::Status>(core, [&core, topic = std::move(topic), total_partitions](Reply<absl::Status> reply) mutable {
    kafka::CreatePartitionsRequest request;
    kafka::CreatePartitionsRequest::CreatePartitionsTopic entry;
    entry.name = topic;
    entry.count = total_partitions;
    entry.assignments = std::nullopt;  // the broker places them
    request.topics.push_back(std::move(entry));
    request.timeout_ms = kAdminTimeoutMs;
    core.Call<kafka::CreatePartitionsResponse>(
        ControllerOrAny(core), std::move(request),
        [reply = std::move(reply)](absl::StatusOr<kafka::CreatePartitionsResponse> response) mutable {
          if (!response.ok()) return std::move(reply)(response.status());
          if (response->results.size() != 1) return std::move(reply)(absl::InternalError("CreatePartitions: no result"));
          const auto& result = response->results.front();
          std::move(reply)(KafkaErrorStatus(result.error_code, result.error_message.value_or("")));
        });
  });
}

std::future<absl::StatusOr<std::vector<ConfigEntry>>> Admin::DescribeTopicConfig(std::string topic) {
  ClientCore& core = *core_;
  using Result = absl::StatusOr<std::vector<ConfigEntry>>;
  return RunAdmin<Result>(core, [&core, topic = std::move(topic)](Reply<Result> reply) mutable {
    kafka::DescribeConfigsRequest request;
    kafka::DescribeConfigsRequest::DescribeConfigsResource resource;
    resource.resource_type = kTopicResource;
    resource.resource_name = topic;
    resource.configuration_keys = std::nullopt;  // all of them
    request.resources.push_back(std::move(resource));
    core.Call<kafka::DescribeConfigsResponse>(
        ClientCore::kAnyNode, std::move(request),
        [reply = std::move(reply)](absl::StatusOr<kafka::DescribeConfigsResponse> response) mutable {
          if (!response.ok()) return std::move(reply)(response.status());
          if (response->results.size() != 1) return std::move(reply)(absl::InternalError("DescribeConfigs: no result"));
          const auto& result = response->results.front();
          if (result.error_code != 0) {
            return std::move(reply)(KafkaErrorStatus(result.error_code, result.error_message.value_or("")));
          }
          std::vector<ConfigEntry> entries;
          for (const auto& config : result.configs) {
            ConfigEntry entry;
            entry.name = config.name;
            entry.value = config.value;
            entry.read_only = config.read_only;
            entry.source = config.config_source;
            // v0 has is_default; v1+ has the source (1 = a topic override).
            entry.is_default = config.config_source >= 0 ? config.config_source != 1 : config.is_default;
            entry.is_sensitive = config.is_sensitive;
            entries.push_back(std::move(entry));
          }
          std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
          std::move(reply)(std::move(entries));
        });
  });
}

std::future<absl::Status> Admin::AlterTopicConfig(std::string topic, std::vector<ConfigChange> changes) {
  ClientCore& core = *core_;
  return RunAdmin<absl::Status>(core, [&core, topic = std::move(topic), changes = std::move(changes)](Reply<absl::Status> reply) mutable {
    kafka::IncrementalAlterConfigsRequest request;
    kafka::IncrementalAlterConfigsRequest::AlterConfigsResource resource;
    resource.resource_type = kTopicResource;
    resource.resource_name = topic;
    for (ConfigChange& change : changes) {
      resource.configs.push_back({change.name, static_cast<int8_t>(change.op), change.value, {}});
    }
    request.resources.push_back(std::move(resource));
    request.validate_only = false;
    core.Call<kafka::IncrementalAlterConfigsResponse>(
        ClientCore::kAnyNode, std::move(request),
        [reply = std::move(reply)](absl::StatusOr<kafka::IncrementalAlterConfigsResponse> response) mutable {
          if (!response.ok()) return std::move(reply)(response.status());
          if (response->responses.size() != 1) {
            return std::move(reply)(absl::InternalError("IncrementalAlterConfigs: no result"));
          }
          const auto& result = response->responses.front();
          std::move(reply)(KafkaErrorStatus(result.error_code, result.error_message.value_or("")));
        });
  });
}

std::future<absl::StatusOr<std::vector<GroupListing>>> Admin::ListGroups() {
  ClientCore& core = *core_;
  using Result = absl::StatusOr<std::vector<GroupListing>>;
  // Each broker lists the groups it coordinates, so every broker is asked
  // (as Kafka's Admin client does); the brokers come from a fresh Metadata
  // request (no topics). One broker that cannot answer fails the listing,
  // naming it: a partial list would look complete.
  return RunAdmin<Result>(core, [&core](Reply<Result> reply) mutable {
    auto on_brokers = [&core, reply = std::move(reply)](absl::StatusOr<std::vector<TopicMetadata>> refreshed) mutable {
      if (!refreshed.ok()) return std::move(reply)(refreshed.status());
      const std::vector<BrokerMetadata> brokers = core.metadata().brokers;
      if (brokers.empty()) return std::move(reply)(absl::UnavailableError("ListGroups: the cluster lists no brokers"));
      struct Gather {
        size_t pending = 0;
        absl::Status status;
        std::map<std::string, std::string> groups;  // id -> protocol type; a group listed twice counts once
        Reply<Result> reply;
      };
      auto gather = std::make_shared<Gather>();
      gather->pending = brokers.size();
      gather->reply = std::move(reply);
      for (const BrokerMetadata& broker : brokers) {
        core.Call<kafka::ListGroupsResponse>(
            broker.node_id, kafka::ListGroupsRequest{},
            [gather, broker](absl::StatusOr<kafka::ListGroupsResponse> response) {
              if (!response.ok()) {
                gather->status.Update(response.status());  // the core's message names the broker
              } else if (response->error_code != 0) {
                gather->status.Update(KafkaErrorStatus(
                    response->error_code,
                    absl::StrCat("ListGroups to broker ", broker.node_id, " at ", broker.host, ":", broker.port)));
              } else {
                for (const auto& g : response->groups) gather->groups.emplace(g.group_id, g.protocol_type);
              }
              if (--gather->pending > 0) return;
              if (!gather->status.ok()) return std::move(gather->reply)(gather->status);
              std::vector<GroupListing> groups;
              for (auto& [id, type] : gather->groups) groups.push_back({id, type});  // sorted by id
              std::move(gather->reply)(std::move(groups));
            });
      }
    };
    core.RefreshMetadata(std::vector<std::string>{}, false, std::move(on_brokers));
  });
}

std::future<absl::StatusOr<GroupDescription>> Admin::DescribeGroup(std::string group) {
  ClientCore& core = *core_;
  using Result = absl::StatusOr<GroupDescription>;
  return RunAdmin<Result>(core, [&core, group = std::move(group)](Reply<Result> reply) mutable {
    WithCoordinator(core, group, [&core, group, reply = std::move(reply)](absl::StatusOr<int32_t> node) mutable {
      if (!node.ok()) return std::move(reply)(node.status());
      kafka::DescribeGroupsRequest request;
      request.groups.push_back(group);
      core.Call<kafka::DescribeGroupsResponse>(
          *node, std::move(request),
          [reply = std::move(reply)](absl::StatusOr<kafka::DescribeGroupsResponse> response) mutable {
            if (!response.ok()) return std::move(reply)(response.status());
            if (response->groups.size() != 1) return std::move(reply)(absl::InternalError("DescribeGroups: no result"));
            const auto& g = response->groups.front();
            if (g.error_code != 0) return std::move(reply)(KafkaErrorStatus(g.error_code, g.group_id));
            GroupDescription description{g.group_id, g.group_state, g.protocol_type, g.protocol_data, {}};
            for (const auto& m : g.members) {
              description.members.push_back(
                  {m.member_id, m.group_instance_id, m.client_id, m.client_host, m.member_metadata, m.member_assignment});
            }
            std::move(reply)(std::move(description));
          });
    });
  });
}

std::future<absl::Status> Admin::DeleteGroup(std::string group) {
  ClientCore& core = *core_;
  return RunAdmin<absl::Status>(core, [&core, group = std::move(group)](Reply<absl::Status> reply) mutable {
    WithCoordinator(core, group, [&core, group, reply = std::move(reply)](absl::StatusOr<int32_t> node) mutable {
      if (!node.ok()) return std::move(reply)(node.status());
      kafka::DeleteGroupsRequest request;
      request.groups_names.push_back(group);
      core.Call<kafka::DeleteGroupsResponse>(
          *node, std::move(request),
          [reply = std::move(reply), group](absl::StatusOr<kafka::DeleteGroupsResponse> response) mutable {
            if (!response.ok()) return std::move(reply)(response.status());
            if (response->results.size() != 1) return std::move(reply)(absl::InternalError("DeleteGroups: no result"));
            std::move(reply)(KafkaErrorStatus(response->results.front().error_code, group));
          });
    });
  });
}

std::future<absl::StatusOr<std::vector<PartitionOffset>>> Admin::ListGroupOffsets(std::string group) {
  ClientCore& core = *core_;
  using Result = absl::StatusOr<std::vector<PartitionOffset>>;
  return RunAdmin<Result>(core, [&core, group = std::move(group)](Reply<Result> reply) mutable {
    ListGroupOffsetsOnIo(core, group, std::move(reply));
  });
}

std::future<absl::StatusOr<std::vector<PartitionLag>>> Admin::GroupLag(std::string group) {
  ClientCore& core = *core_;
  using Result = absl::StatusOr<std::vector<PartitionLag>>;
  return RunAdmin<Result>(core, [&core, group = std::move(group)](Reply<Result> reply) mutable {
    ListGroupOffsetsOnIo(core, group, [&core, reply = std::move(reply)](
                                          absl::StatusOr<std::vector<PartitionOffset>> committed) mutable {
      if (!committed.ok()) return std::move(reply)(committed.status());
      std::vector<TopicPartition> partitions;
      for (const PartitionOffset& c : *committed) partitions.push_back({c.topic, c.partition});
      ListOffsetsOnIo(core, partitions, static_cast<int64_t>(OffsetSpec::kLatest),
                      [committed = std::move(*committed), reply = std::move(reply)](
                          absl::StatusOr<std::vector<PartitionOffset>> ends) mutable {
                        if (!ends.ok()) return std::move(reply)(ends.status());
                        // Both lists are sorted by (topic, partition) and name the same partitions.
                        std::vector<PartitionLag> lags;
                        for (size_t i = 0; i < committed.size() && i < ends->size(); ++i) {
                          const int64_t end = (*ends)[i].offset;
                          const int64_t done = committed[i].offset;
                          lags.push_back({committed[i].topic, committed[i].partition, done, end,
                                          done >= 0 ? std::max<int64_t>(0, end - done) : -1});
                        }
                        std::move(reply)(std::move(lags));
                      });
    });
  });
}

std::future<absl::Status> Admin::AlterGroupOffsets(std::string group, std::vector<PartitionOffset> offsets) {
  ClientCore& core = *core_;
  return RunAdmin<absl::Status>(core, [&core, group = std::move(group), offsets = std::move(offsets)](
                                               Reply<absl::Status> reply) mutable {
    WithCoordinator(core, group, [&core, group, offsets,
                                  reply = std::move(reply)](absl::StatusOr<int32_t> node) mutable {
      if (!node.ok()) return std::move(reply)(node.status());
      kafka::OffsetCommitRequest request;
      request.group_id = group;
      request.generation_id = -1;  // not a member: an admin commit (empty groups only)
      request.member_id = "";
      for (const PartitionOffset& o : offsets) {
        auto topic = std::find_if(request.topics.begin(), request.topics.end(),
                                  [&](const auto& t) { return t.name == o.topic; });
        if (topic == request.topics.end()) topic = request.topics.insert(request.topics.end(), {o.topic, {}, {}});
        kafka::OffsetCommitRequest::OffsetCommitRequestPartition partition;
        partition.partition_index = o.partition;
        partition.committed_offset = o.offset;
        partition.committed_metadata = "";
        topic->partitions.push_back(std::move(partition));
      }
      core.Call<kafka::OffsetCommitResponse>(
          *node, std::move(request),
          [reply = std::move(reply)](absl::StatusOr<kafka::OffsetCommitResponse> response) mutable {
            if (!response.ok()) return std::move(reply)(response.status());
            for (const auto& topic : response->topics) {
              for (const auto& p : topic.partitions) {
                if (p.error_code != 0) {
                  return std::move(reply)(KafkaErrorStatus(p.error_code, absl::StrCat(topic.name, "-", p.partition_index)));
                }
              }
            }
            std::move(reply)(absl::OkStatus());
          });
    });
  });
}

std::future<absl::StatusOr<std::vector<PartitionOffset>>> Admin::ListOffsets(std::vector<TopicPartition> partitions,
                                                                              OffsetSpec spec) {
  ClientCore& core = *core_;
  using Result = absl::StatusOr<std::vector<PartitionOffset>>;
  return RunAdmin<Result>(core, [&core, partitions = std::move(partitions), spec](Reply<Result> reply) mutable {
    ListOffsetsOnIo(core, partitions, static_cast<int64_t>(spec), std::move(reply));
  });
}

std::future<absl::StatusOr<std::vector<PartitionOffset>>> Admin::ListOffsetsForTimestamp(
    std::vector<TopicPartition> partitions, int64_t timestamp_ms) {
  ClientCore& core = *core_;
  using Result = absl::StatusOr<std::vector<PartitionOffset>>;
  if (timestamp_ms < 0) {
    std::promise<Result> refused;
    refused.set_value(absl::InvalidArgumentError("ListOffsetsForTimestamp needs a timestamp >= 0"));
    return refused.get_future();
  }
  return RunAdmin<Result>(core, [&core, partitions = std::move(partitions), timestamp_ms](Reply<Result> reply) mutable {
    ListOffsetsOnIo(core, partitions, timestamp_ms, std::move(reply));
  });
}

}  // namespace cairn::client
