// Command validation, replica placement, broker sessions and fencing.
#include "controller/metadata/controller_state_machine.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/error_reason.h"
#include "common/status_macros.h"
#include "common/topic_partition.h"

namespace cairn::controller::metadata {

namespace ml = cairn::metadata_log;

namespace {

absl::Status Invalid(ErrorReason reason, std::string message) {
  return WithReason(absl::InvalidArgumentError(std::move(message)), reason);
}

absl::Status UnknownTopic(const std::string& name) {
  return WithReason(absl::NotFoundError(absl::StrCat("Topic '", name, "' does not exist.")),
                    ErrorReason::kUnknownTopicOrPartition);
}

absl::Status Policy(std::string message) {
  return WithReason(absl::FailedPreconditionError(std::move(message)), ErrorReason::kPolicyViolation);
}

absl::Status CheckPartitionCount(int32_t partitions) {
  if (partitions > kMaxPartitionsPerTopic) {
    return Invalid(ErrorReason::kInvalidPartitions, absl::StrCat("Number of partitions ", partitions,
                                                                 " exceeds the maximum of ", kMaxPartitionsPerTopic,
                                                                 " per topic."));
  }
  return absl::OkStatus();
}

absl::Status CheckReplicationFactor(int32_t replicas, size_t live) {
  if (replicas < 1) {
    return Invalid(ErrorReason::kInvalidReplicationFactor,
                   "Replication factor must be larger than 0, or -1 to use the default value.");
  }
  if (static_cast<size_t>(replicas) > live) {
    return Invalid(ErrorReason::kInvalidReplicationFactor,
                   absl::StrCat("Unable to replicate the partition ", replicas,
                                " time(s): The target replication factor of ", replicas,
                                " cannot be reached because only ", live, " broker(s) are registered."));
  }
  return absl::OkStatus();
}

int64_t TotalPartitions(const MetadataImage& image) {
  int64_t total = 0;
  for (const auto& [name, topic] : image.topics) total += static_cast<int64_t>(topic.partitions.size());
  return total;
}

// Refuses new partitions (the PartitionRecords in `records`) that would put
// a broker past the replicas it registered as able to host: past its
// open-file limit a broker cannot open their logs, and then not even accept
// connections.
absl::Status CheckBrokerCapacity(const MetadataImage& image, const std::vector<Record>& records) {
  std::map<int32_t, int64_t> added;
  for (const Record& record : records) {
    if (!record.has_partition()) continue;
    for (int32_t broker : record.partition().replicas()) ++added[broker];
  }
  std::map<int32_t, int64_t> hosted;
  for (const auto& [name, topic] : image.topics) {
    for (const PartitionInfo& partition : topic.partitions) {
      for (int32_t broker : partition.replicas) ++hosted[broker];
    }
  }
  for (const auto& [broker, count] : added) {
    const BrokerInfo* info = image.FindBroker(broker);
    if (info == nullptr || info->max_partitions == 0) continue;
    if (hosted[broker] + count > info->max_partitions) {
      return Invalid(ErrorReason::kInvalidPartitions,
                     absl::StrCat("Broker ", broker, " hosts ", hosted[broker], " partition replicas and can host ",
                                  info->max_partitions, " (its topic.partitions.per.shard and open-file limit); ",
                                  count, " more would exceed that."));
    }
  }
  return absl::OkStatus();
}

// A new partition whose replicas start at round-robin slot `slot` over `live`.
Record NewPartition(const TopicUuid& id, int32_t partition, int64_t slot, int32_t replication_factor,
                    const std::vector<int32_t>& live) {
  Record record;
  ml::PartitionRecord* r = record.mutable_partition();
  r->set_topic_id(TopicIdBytes(id));
  r->set_partition(partition);
  const int64_t n = static_cast<int64_t>(live.size());
  for (int32_t i = 0; i < replication_factor; ++i) {
    const int32_t broker = live[static_cast<size_t>((slot + i) % n)];
    r->add_replicas(broker);
    r->add_isr(broker);
  }
  r->set_leader(r->replicas(0));
  r->set_leader_epoch(0);
  r->set_partition_epoch(0);
  return record;
}

Record TopicConfig(const std::string& topic, const std::string& key, const std::optional<std::string>& value) {
  Record record;
  ml::ConfigRecord* r = record.mutable_config();
  r->set_resource_type(ml::CONFIG_RESOURCE_TOPIC);
  r->set_resource_name(topic);
  r->set_key(key);
  if (value) r->set_value(*value);
  return record;
}

// Replays `record` into `working` (so the next decision sees it) and keeps it.
void Emit(MetadataDelta& working, std::vector<Record>& out, Record record) {
  // The records are built from `working` itself, so a refusal is a bug here.
  CAIRN_CHECK_OK(working.Replay(record));
  out.push_back(std::move(record));
}

bool Contains(const std::vector<int32_t>& list, int32_t id) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

absl::Status SessionError(std::string message) { return absl::FailedPreconditionError(std::move(message)); }

}  // namespace

absl::StatusOr<std::vector<Record>> ControllerStateMachine::CreateTopic(const MetadataImage& image,
                                                                        const CreateTopicCommand& command) const {
  const std::string& name = command.name;
  if (absl::Status valid = ValidateTopicName(name); !valid.ok()) return WithReason(valid, ErrorReason::kInvalidTopic);
  if (!command.internal && IsReservedTopicName(name)) {
    return Invalid(ErrorReason::kInvalidTopic,
                   absl::StrCat("Topic name '", name, "' is reserved for the broker's internal topics."));
  }
  if (image.FindTopic(name) != nullptr) {
    return WithReason(absl::AlreadyExistsError(absl::StrCat("Topic '", name, "' already exists.")),
                      ErrorReason::kTopicAlreadyExists);
  }
  for (const auto& [existing, topic] : image.topics) {
    if (TopicCollisionKey(existing) == TopicCollisionKey(name)) {
      return Invalid(ErrorReason::kInvalidTopic,
                     absl::StrCat("Topic '", name, "' collides with existing topic: ", existing));
    }
  }
  if (command.partitions < 1) {
    return Invalid(ErrorReason::kInvalidPartitions, "Number of partitions was set to an invalid non-positive value.");
  }
  RETURN_IF_ERROR(CheckPartitionCount(command.partitions));
  const std::vector<int32_t> live = image.LiveBrokers();
  RETURN_IF_ERROR(CheckReplicationFactor(command.replication_factor, live.size()));
  CAIRN_CHECK(command.id != TopicUuid{});
  if (image.topic_names.contains(command.id)) {
    // A random 128-bit collision: the caller picks another id and retries.
    return absl::AlreadyExistsError("The topic id is already in use.");
  }

  std::vector<Record> records;
  Record topic;
  topic.mutable_topic()->set_name(name);
  topic.mutable_topic()->set_topic_id(TopicIdBytes(command.id));
  topic.mutable_topic()->set_internal(command.internal);
  records.push_back(std::move(topic));
  const int64_t start = TotalPartitions(image);
  for (int32_t p = 0; p < command.partitions; ++p) {
    records.push_back(NewPartition(command.id, p, start + p, command.replication_factor, live));
  }
  // Internal topics are made when first needed and must not fail; they
  // still count against the limit of later topics.
  if (!command.internal) RETURN_IF_ERROR(CheckBrokerCapacity(image, records));
  for (const auto& [key, value] : command.configs) records.push_back(TopicConfig(name, key, value));
  return records;
}

absl::StatusOr<std::vector<Record>> ControllerStateMachine::DeleteTopic(const MetadataImage& image,
                                                                        const std::string& name) const {
  const TopicMeta* topic = image.FindTopic(name);
  if (topic == nullptr) return UnknownTopic(name);
  if (topic->internal) return Policy(absl::StrCat("Internal topic '", name, "' cannot be deleted."));
  Record record;
  record.mutable_remove_topic()->set_topic_id(TopicIdBytes(topic->id));
  return std::vector<Record>{std::move(record)};
}

absl::StatusOr<std::vector<Record>> ControllerStateMachine::CreatePartitions(const MetadataImage& image,
                                                                             const std::string& name,
                                                                             int32_t new_total) const {
  const TopicMeta* topic = image.FindTopic(name);
  if (topic == nullptr) return UnknownTopic(name);
  if (topic->internal) {
    return Policy(absl::StrCat("The partition count of internal topic '", name, "' cannot be changed."));
  }
  const int32_t current = static_cast<int32_t>(topic->partitions.size());
  if (new_total <= current) {
    return Invalid(ErrorReason::kInvalidPartitions,
                   absl::StrCat("The topic ", name, " currently has ", current, " partition(s); ", new_total,
                                " would not be an increase."));
  }
  RETURN_IF_ERROR(CheckPartitionCount(new_total));
  // New partitions keep the topic's replication factor (that of partition 0).
  const int32_t replication_factor = static_cast<int32_t>(topic->partitions.front().replicas.size());
  const std::vector<int32_t> live = image.LiveBrokers();
  RETURN_IF_ERROR(CheckReplicationFactor(replication_factor, live.size()));
  std::vector<Record> records;
  const int64_t start = TotalPartitions(image);
  for (int32_t p = current; p < new_total; ++p) {
    records.push_back(NewPartition(topic->id, p, start + (p - current), replication_factor, live));
  }
  RETURN_IF_ERROR(CheckBrokerCapacity(image, records));
  return records;
}

absl::StatusOr<std::vector<Record>> ControllerStateMachine::AlterTopicConfigs(const MetadataImage& image,
                                                                              const std::string& name,
                                                                              const std::vector<ConfigOp>& ops) const {
  if (image.FindTopic(name) == nullptr) return UnknownTopic(name);
  std::set<std::string> seen;
  std::vector<Record> records;
  for (const ConfigOp& op : ops) {
    if (!seen.insert(op.key).second) return Invalid(ErrorReason::kInvalidRequest, "Error due to duplicate config keys");
    if (op.key.empty()) return Invalid(ErrorReason::kInvalidConfig, "Config key must not be empty.");
    records.push_back(TopicConfig(name, op.key, op.value));
  }
  return records;
}

absl::StatusOr<std::vector<Record>> ControllerStateMachine::AllocateProducerIds(const MetadataImage& image,
                                                                                int32_t broker_id,
                                                                                int64_t broker_epoch) const {
  const BrokerInfo* broker = image.FindBroker(broker_id);
  if (broker == nullptr || broker->epoch != broker_epoch || broker->fenced) {
    return SessionError(absl::StrCat("Broker ", broker_id, " with epoch ", broker_epoch,
                                     " is not a live registered broker."));
  }
  Record record;
  ml::ProducerIdsRecord* r = record.mutable_producer_ids();
  r->set_broker_id(broker_id);
  r->set_broker_epoch(broker_epoch);
  r->set_next_block_start(image.next_producer_id + kProducerIdBlockSize);
  return std::vector<Record>{std::move(record)};
}

absl::StatusOr<std::vector<Record>> ControllerStateMachine::RegisterBroker(const MetadataImage& image,
                                                                           const RegisterBrokerCommand& command,
                                                                           int64_t now_ms) {
  if (command.broker_id < 0) {
    return Invalid(ErrorReason::kInvalidRequest, absl::StrCat("Broker id ", command.broker_id, " is negative."));
  }
  MetadataDelta working(std::make_shared<const MetadataImage>(image));
  std::vector<Record> records;
  const int64_t epoch = image.max_broker_epoch + 1;
  Record reg;
  ml::RegisterBrokerRecord* r = reg.mutable_register_broker();
  r->set_broker_id(command.broker_id);
  r->set_broker_epoch(epoch);
  for (const Endpoint& e : command.endpoints) {
    ml::BrokerEndpoint* endpoint = r->add_endpoints();
    endpoint->set_name(e.name);
    endpoint->set_host(e.host);
    endpoint->set_port(e.port);
  }
  r->set_incarnation_id(command.incarnation_id);
  r->set_rack(command.rack);
  r->set_max_partitions(command.max_partitions);
  Emit(working, records, std::move(reg));
  Record unfence;
  unfence.mutable_broker_unfenced()->set_broker_id(command.broker_id);
  unfence.mutable_broker_unfenced()->set_broker_epoch(epoch);
  Emit(working, records, std::move(unfence));
  // Partitions whose whole ISR went away wait for a member to come back.
  for (const auto& [name, topic] : image.topics) {
    for (size_t p = 0; p < topic.partitions.size(); ++p) {
      const PartitionInfo& partition = topic.partitions[p];
      if (partition.leader != kNoLeader || !Contains(partition.isr, command.broker_id)) continue;
      Record change;
      change.mutable_partition_change()->set_topic_id(TopicIdBytes(topic.id));
      change.mutable_partition_change()->set_partition(static_cast<int32_t>(p));
      change.mutable_partition_change()->set_leader(command.broker_id);
      Emit(working, records, std::move(change));
    }
  }
  last_heartbeat_ms_[command.broker_id] = now_ms;
  return records;
}

absl::Status ControllerStateMachine::BrokerHeartbeat(const MetadataImage& image, int32_t broker_id,
                                                     int64_t broker_epoch, int64_t now_ms) {
  const BrokerInfo* broker = image.FindBroker(broker_id);
  if (broker == nullptr) return SessionError(absl::StrCat("Broker ", broker_id, " is not registered."));
  if (broker->epoch != broker_epoch) {
    return SessionError(absl::StrCat("Broker ", broker_id, " has epoch ", broker->epoch, ", not ", broker_epoch, "."));
  }
  if (broker->fenced) return SessionError(absl::StrCat("Broker ", broker_id, " is fenced; it must register again."));
  last_heartbeat_ms_[broker_id] = now_ms;
  return absl::OkStatus();
}

std::vector<Record> ControllerStateMachine::FenceExpiredBrokers(const MetadataImage& image, int64_t now_ms,
                                                                int64_t session_timeout_ms) {
  std::vector<int32_t> expired;
  for (int32_t id : image.LiveBrokers()) {
    auto [it, first_sight] = last_heartbeat_ms_.try_emplace(id, now_ms);
    if (!first_sight && now_ms - it->second >= session_timeout_ms) expired.push_back(id);
  }
  std::vector<Record> records;
  if (expired.empty()) return records;
  MetadataDelta working(std::make_shared<const MetadataImage>(image));
  // Fence them all before electing, so that fencing two brokers at once never
  // hands leadership to the other one for a moment (one epoch bump, not two).
  for (int32_t id : expired) {
    Record fence;
    fence.mutable_broker_fenced()->set_broker_id(id);
    fence.mutable_broker_fenced()->set_broker_epoch(image.FindBroker(id)->epoch);
    Emit(working, records, std::move(fence));
    last_heartbeat_ms_.erase(id);
  }
  const MetadataImage& fenced = working.Current();
  std::vector<Record> changes;
  for (const auto& [name, topic] : fenced.topics) {
    for (size_t p = 0; p < topic.partitions.size(); ++p) {
      const PartitionInfo& partition = topic.partitions[p];
      std::vector<int32_t> isr = partition.isr;
      for (int32_t id : expired) {
        // The last ISR member stays: it alone is known to hold every
        // committed record, so it is the one to wait for.
        auto member = std::find(isr.begin(), isr.end(), id);
        if (member != isr.end() && isr.size() > 1) isr.erase(member);
      }
      const bool isr_changed = isr != partition.isr;
      const bool lose_leader = Contains(expired, partition.leader);
      if (!isr_changed && !lose_leader) continue;
      Record change;
      ml::PartitionChangeRecord* c = change.mutable_partition_change();
      c->set_topic_id(TopicIdBytes(topic.id));
      c->set_partition(static_cast<int32_t>(p));
      if (lose_leader) {
        int32_t leader = kNoLeader;
        for (int32_t member : isr) {
          if (fenced.IsLive(member)) {
            leader = member;
            break;
          }
        }
        c->set_leader(leader);
      }
      if (isr_changed) c->mutable_isr()->mutable_brokers()->Add(isr.begin(), isr.end());
      changes.push_back(std::move(change));
    }
  }
  for (Record& change : changes) Emit(working, records, std::move(change));
  return records;
}

}  // namespace cairn::controller::metadata
