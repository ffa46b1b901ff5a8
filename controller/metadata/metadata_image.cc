// Replay of metadata log records into MetadataImage, validating each record.
#include "controller/metadata/metadata_image.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/topic_partition.h"

namespace cairn::controller::metadata {

namespace ml = cairn::metadata_log;

namespace {

absl::Status Bad(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

bool Contains(const std::vector<int32_t>& list, int32_t id) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

std::string IdText(const TopicUuid& id) {
  std::string text;
  for (uint8_t b : id) absl::StrAppend(&text, absl::Hex(b, absl::kZeroPad2));
  return text;
}

}  // namespace

std::string EncodeImageSnapshot(const MetadataImage& image) {
  ml::ImageSnapshot snapshot;
  for (const auto& [id, broker] : image.brokers) {
    ml::RegisterBrokerRecord* r = snapshot.add_records()->mutable_register_broker();
    r->set_broker_id(id);
    r->set_broker_epoch(broker.epoch);
    for (const Endpoint& e : broker.endpoints) {
      ml::BrokerEndpoint* endpoint = r->add_endpoints();
      endpoint->set_name(e.name);
      endpoint->set_host(e.host);
      endpoint->set_port(e.port);
    }
    r->set_incarnation_id(broker.incarnation_id);
    r->set_rack(broker.rack);
    r->set_max_partitions(broker.max_partitions);
    if (!broker.fenced) {
      ml::BrokerUnfencedRecord* u = snapshot.add_records()->mutable_broker_unfenced();
      u->set_broker_id(id);
      u->set_broker_epoch(broker.epoch);
    }
  }
  for (const auto& [name, topic] : image.topics) {
    ml::TopicRecord* t = snapshot.add_records()->mutable_topic();
    t->set_name(name);
    t->set_topic_id(TopicIdBytes(topic.id));
    t->set_internal(topic.internal);
    for (size_t p = 0; p < topic.partitions.size(); ++p) {
      const PartitionInfo& info = topic.partitions[p];
      ml::PartitionRecord* r = snapshot.add_records()->mutable_partition();
      r->set_topic_id(TopicIdBytes(topic.id));
      r->set_partition(static_cast<int32_t>(p));
      for (int32_t b : info.replicas) r->add_replicas(b);
      for (int32_t b : info.isr) r->add_isr(b);
      r->set_leader(info.leader);
      r->set_leader_epoch(info.leader_epoch);
      r->set_partition_epoch(info.partition_epoch);
    }
  }
  for (const auto& [key, values] : image.configs) {
    for (const auto& [name, value] : values) {
      ml::ConfigRecord* c = snapshot.add_records()->mutable_config();
      c->set_resource_type(static_cast<ml::ConfigResourceType>(key.first));
      c->set_resource_name(key.second);
      c->set_key(name);
      c->set_value(value);
    }
  }
  snapshot.set_max_broker_epoch(image.max_broker_epoch);
  snapshot.set_next_producer_id(image.next_producer_id);
  snapshot.set_records_applied(image.records_applied);
  return snapshot.SerializeAsString();
}

absl::StatusOr<std::shared_ptr<const MetadataImage>> DecodeImageSnapshot(std::string_view bytes) {
  ml::ImageSnapshot snapshot;
  if (!snapshot.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Bad(absl::StrCat("metadata snapshot of ", bytes.size(), " bytes does not decode"));
  }
  MetadataDelta delta(std::make_shared<const MetadataImage>());
  for (const Record& record : snapshot.records()) {
    if (absl::Status replayed = delta.Replay(record); !replayed.ok()) {
      return Bad(absl::StrCat("metadata snapshot: ", replayed.message()));
    }
  }
  MetadataImage image = delta.Current();
  if (snapshot.max_broker_epoch() < image.max_broker_epoch || snapshot.next_producer_id() < 0) {
    return Bad("metadata snapshot: counters below what its records imply");
  }
  image.max_broker_epoch = snapshot.max_broker_epoch();
  image.next_producer_id = snapshot.next_producer_id();
  image.records_applied = snapshot.records_applied();
  return std::make_shared<const MetadataImage>(std::move(image));
}

std::string TopicIdBytes(const TopicUuid& id) { return std::string(id.begin(), id.end()); }

absl::StatusOr<TopicUuid> ParseTopicId(const std::string& bytes) {
  if (bytes.size() != 16) return Bad(absl::StrCat("topic id has ", bytes.size(), " bytes, not 16"));
  TopicUuid id;
  std::copy(bytes.begin(), bytes.end(), id.begin());
  if (id == TopicUuid{}) return Bad("topic id is all zero");
  return id;
}

const TopicMeta* MetadataImage::FindTopic(std::string_view name) const {
  auto it = topics.find(name);
  return it == topics.end() ? nullptr : &it->second;
}

const TopicMeta* MetadataImage::FindTopic(const TopicUuid& id) const {
  auto it = topic_names.find(id);
  return it == topic_names.end() ? nullptr : FindTopic(it->second);
}

const BrokerInfo* MetadataImage::FindBroker(int32_t id) const {
  auto it = brokers.find(id);
  return it == brokers.end() ? nullptr : &it->second;
}

std::vector<int32_t> MetadataImage::LiveBrokers() const {
  std::vector<int32_t> live;
  for (const auto& [id, broker] : brokers) {
    if (!broker.fenced) live.push_back(id);
  }
  return live;
}

bool MetadataImage::IsLive(int32_t broker_id) const {
  const BrokerInfo* broker = FindBroker(broker_id);
  return broker != nullptr && !broker->fenced;
}

const std::map<std::string, std::string>& MetadataImage::TopicConfigs(std::string_view topic) const {
  static const std::map<std::string, std::string> kNone;
  auto it = configs.find(ConfigKey{ml::CONFIG_RESOURCE_TOPIC, std::string(topic)});
  return it == configs.end() ? kNone : it->second;
}

MetadataDelta::MetadataDelta(std::shared_ptr<const MetadataImage> base) : next_(*base) {}

std::shared_ptr<const MetadataImage> MetadataDelta::Apply() const { return std::make_shared<const MetadataImage>(next_); }

absl::Status MetadataDelta::ReplayAll(const std::vector<Record>& records) {
  for (const Record& record : records) RETURN_IF_ERROR(Replay(record));
  return absl::OkStatus();
}

absl::Status MetadataDelta::Replay(const Record& record) {
  // Every check runs before the first mutation in ReplayOne, so a refused
  // record leaves the delta untouched.
  RETURN_IF_ERROR(ReplayOne(record));
  ++next_.records_applied;
  return absl::OkStatus();
}

namespace {

// A partition's replicas, ISR and leader must agree with each other and with
// the registered brokers.
absl::Status CheckAssignment(const MetadataImage& image, const std::vector<int32_t>& replicas,
                             const std::vector<int32_t>& isr, int32_t leader) {
  if (replicas.empty()) return Bad("partition has no replicas");
  std::set<int32_t> seen;
  for (int32_t replica : replicas) {
    if (!seen.insert(replica).second) return Bad(absl::StrCat("replica ", replica, " is listed twice"));
    if (image.FindBroker(replica) == nullptr) return Bad(absl::StrCat("replica ", replica, " is not a registered broker"));
  }
  if (isr.empty()) return Bad("partition has an empty ISR");
  std::set<int32_t> in_sync;
  for (int32_t member : isr) {
    if (!Contains(replicas, member)) return Bad(absl::StrCat("ISR member ", member, " is not a replica"));
    if (!in_sync.insert(member).second) return Bad(absl::StrCat("ISR member ", member, " is listed twice"));
  }
  if (leader != kNoLeader && !Contains(isr, leader)) return Bad(absl::StrCat("leader ", leader, " is not in the ISR"));
  return absl::OkStatus();
}

}  // namespace

absl::Status MetadataDelta::ReplayOne(const Record& record) {
  switch (record.record_case()) {
    case Record::kRegisterBroker: {
      const ml::RegisterBrokerRecord& r = record.register_broker();
      if (r.broker_id() < 0) return Bad(absl::StrCat("broker id ", r.broker_id(), " is negative"));
      const BrokerInfo* old = next_.FindBroker(r.broker_id());
      if (r.broker_epoch() <= (old ? old->epoch : 0)) {
        return Bad(absl::StrCat("broker ", r.broker_id(), " registered with epoch ", r.broker_epoch(),
                                ", not above its previous epoch"));
      }
      BrokerInfo broker{.id = r.broker_id(), .epoch = r.broker_epoch(), .incarnation_id = r.incarnation_id(),
                        .rack = r.rack(), .max_partitions = r.max_partitions(), .fenced = true};
      for (const ml::BrokerEndpoint& e : r.endpoints()) broker.endpoints.push_back({e.name(), e.host(), e.port()});
      next_.brokers[r.broker_id()] = std::move(broker);
      next_.max_broker_epoch = std::max(next_.max_broker_epoch, r.broker_epoch());
      return absl::OkStatus();
    }
    case Record::kBrokerFenced:
    case Record::kBrokerUnfenced: {
      const bool fence = record.has_broker_fenced();
      const int32_t id = fence ? record.broker_fenced().broker_id() : record.broker_unfenced().broker_id();
      const int64_t epoch = fence ? record.broker_fenced().broker_epoch() : record.broker_unfenced().broker_epoch();
      auto it = next_.brokers.find(id);
      if (it == next_.brokers.end()) return Bad(absl::StrCat("broker ", id, " is not registered"));
      if (it->second.epoch != epoch) {
        return Bad(absl::StrCat("broker ", id, " has epoch ", it->second.epoch, ", not ", epoch));
      }
      it->second.fenced = fence;
      return absl::OkStatus();
    }
    case Record::kTopic: {
      const ml::TopicRecord& r = record.topic();
      RETURN_IF_ERROR(ValidateTopicName(r.name()));
      ASSIGN_OR_RETURN(TopicUuid id, ParseTopicId(r.topic_id()));
      if (next_.FindTopic(r.name()) != nullptr) return Bad(absl::StrCat("topic '", r.name(), "' already exists"));
      if (next_.topic_names.contains(id)) return Bad(absl::StrCat("topic id ", IdText(id), " is already in use"));
      next_.topics.emplace(r.name(), TopicMeta{.name = r.name(), .id = id, .internal = r.internal()});
      next_.topic_names.emplace(id, r.name());
      return absl::OkStatus();
    }
    case Record::kRemoveTopic: {
      ASSIGN_OR_RETURN(TopicUuid id, ParseTopicId(record.remove_topic().topic_id()));
      auto it = next_.topic_names.find(id);
      if (it == next_.topic_names.end()) return Bad(absl::StrCat("unknown topic id ", IdText(id)));
      const std::string name = it->second;
      next_.topic_names.erase(it);
      next_.topics.erase(name);
      next_.configs.erase(ConfigKey{ml::CONFIG_RESOURCE_TOPIC, name});
      return absl::OkStatus();
    }
    case Record::kPartition: {
      const ml::PartitionRecord& r = record.partition();
      ASSIGN_OR_RETURN(TopicUuid id, ParseTopicId(r.topic_id()));
      auto name = next_.topic_names.find(id);
      if (name == next_.topic_names.end()) return Bad(absl::StrCat("partition of unknown topic id ", IdText(id)));
      TopicMeta& topic = next_.topics.find(name->second)->second;
      // Partitions stay numbered 0..n-1: a record replaces one or appends the next.
      if (r.partition() < 0 || r.partition() > static_cast<int32_t>(topic.partitions.size())) {
        return Bad(absl::StrCat("partition ", r.partition(), " of topic '", topic.name, "' which has ",
                                topic.partitions.size(), " partition(s)"));
      }
      if (r.leader_epoch() < 0 || r.partition_epoch() < 0) return Bad("negative partition epoch");
      PartitionInfo partition{.replicas = {r.replicas().begin(), r.replicas().end()},
                              .isr = {r.isr().begin(), r.isr().end()},
                              .leader = r.leader(),
                              .leader_epoch = r.leader_epoch(),
                              .partition_epoch = r.partition_epoch()};
      RETURN_IF_ERROR(CheckAssignment(next_, partition.replicas, partition.isr, partition.leader));
      if (r.partition() == static_cast<int32_t>(topic.partitions.size())) {
        topic.partitions.push_back(std::move(partition));
      } else {
        topic.partitions[r.partition()] = std::move(partition);
      }
      return absl::OkStatus();
    }
    case Record::kPartitionChange: {
      const ml::PartitionChangeRecord& r = record.partition_change();
      ASSIGN_OR_RETURN(TopicUuid id, ParseTopicId(r.topic_id()));
      auto name = next_.topic_names.find(id);
      if (name == next_.topic_names.end()) return Bad(absl::StrCat("partition change of unknown topic id ", IdText(id)));
      TopicMeta& topic = next_.topics.find(name->second)->second;
      if (r.partition() < 0 || r.partition() >= static_cast<int32_t>(topic.partitions.size())) {
        return Bad(absl::StrCat("change to unknown partition ", r.partition(), " of topic '", topic.name, "'"));
      }
      PartitionInfo& current = topic.partitions[r.partition()];
      std::vector<int32_t> isr = current.isr;
      if (r.has_isr()) isr.assign(r.isr().brokers().begin(), r.isr().brokers().end());
      const int32_t leader = r.has_leader() ? r.leader() : current.leader;
      RETURN_IF_ERROR(CheckAssignment(next_, current.replicas, isr, leader));
      if (r.has_leader()) ++current.leader_epoch;
      ++current.partition_epoch;
      current.isr = std::move(isr);
      current.leader = leader;
      return absl::OkStatus();
    }
    case Record::kConfig: {
      const ml::ConfigRecord& r = record.config();
      if (r.resource_type() != ml::CONFIG_RESOURCE_TOPIC && r.resource_type() != ml::CONFIG_RESOURCE_BROKER) {
        return Bad(absl::StrCat("config for unknown resource type ", r.resource_type()));
      }
      if (r.resource_type() == ml::CONFIG_RESOURCE_TOPIC && next_.FindTopic(r.resource_name()) == nullptr) {
        return Bad(absl::StrCat("config for unknown topic '", r.resource_name(), "'"));
      }
      if (r.key().empty()) return Bad("config record without a key");
      const ConfigKey key{r.resource_type(), r.resource_name()};
      if (r.has_value()) {
        next_.configs[key][r.key()] = r.value();
      } else if (auto it = next_.configs.find(key); it != next_.configs.end()) {
        it->second.erase(r.key());
        if (it->second.empty()) next_.configs.erase(it);
      }
      return absl::OkStatus();
    }
    case Record::kProducerIds: {
      const ml::ProducerIdsRecord& r = record.producer_ids();
      if (r.next_block_start() <= next_.next_producer_id) {
        return Bad(absl::StrCat("producer id block ending at ", r.next_block_start(), " does not move past ",
                                next_.next_producer_id));
      }
      next_.next_producer_id = r.next_block_start();
      return absl::OkStatus();
    }
    case Record::RECORD_NOT_SET:
      break;
  }
  return Bad("metadata record of no known type");
}

absl::StatusOr<std::shared_ptr<const MetadataImage>> ReplayFromEmpty(const std::vector<Record>& records) {
  MetadataDelta delta(std::make_shared<const MetadataImage>());
  RETURN_IF_ERROR(delta.ReplayAll(records));
  return delta.Apply();
}

}  // namespace cairn::controller::metadata
