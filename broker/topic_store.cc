// TopicStore: the broker's rules for topic commands, then the controller.
#include "broker/topic_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/metadata_publisher.h"
#include "broker/topic_rules.h"
#include "common/bytes.h"
#include "common/error_reason.h"
#include "controller/metadata_controller.h"

namespace cairn::broker {

namespace {

absl::Status UnknownTopic(const std::string& name) {
  return WithReason(absl::NotFoundError(absl::StrCat("Topic '", name, "' does not exist.")),
                    ErrorReason::kUnknownTopicOrPartition);
}

bool IsZero(const TopicId& id) {
  return std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

TopicStore::TopicStore(controller::MetadataController& controller, MetadataPublisher& publisher,
                       const ServerConfig& defaults)
    : controller_(controller), publisher_(publisher), defaults_(defaults), random_(std::random_device{}()) {}

std::shared_ptr<const TopicImage> TopicStore::Image() const { return publisher_.published(); }

TopicId TopicStore::NewTopicId() {
  while (true) {
    TopicId id;
    for (size_t half = 0; half < 2; ++half) StoreBigEndian<uint64_t>(id.data() + 8 * half, random_());
    // A version 4 UUID, as Kafka's Uuid.randomUuid(); it also avoids ids
    // whose base64 text would start with '-' (Kafka skips those too). The
    // controller refuses an id already in use; 122 random bits make that moot.
    id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40);
    id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);
    if (!IsZero(id) && (id[0] >> 2) != 62) return id;
  }
}

void TopicStore::Submit(controllerpb::ControllerRequest request, Done<absl::Status> done) {
  controller_.Submit(std::move(request), [this, done = std::move(done)](controllerpb::ControllerReply reply) mutable {
    absl::Status status = controller::StatusFromReply(reply);
    if (!status.ok() || reply.applied_index() == 0) {
      std::move(done)(std::move(status));
      return;
    }
    publisher_.WhenPublished(reply.applied_index(), [done = std::move(done)]() mutable { std::move(done)(absl::OkStatus()); });
  });
}

void TopicStore::CreateTopic(const TopicCreation& creation, bool validate_only, Done<absl::StatusOr<TopicInfo>> done) {
  const int32_t partitions = creation.partitions == -1 ? defaults_.num_partitions : creation.partitions;
  const int32_t replicas =
      creation.replication_factor == -1 ? defaults_.default_replication_factor : creation.replication_factor;
  if (absl::Status checked = CheckTopicCreation(creation, partitions, replicas); !checked.ok()) {
    std::move(done)(checked);
    return;
  }
  TopicInfo topic;
  topic.name = creation.name;
  topic.partitions = partitions;
  topic.replication_factor = static_cast<int16_t>(replicas);
  topic.configs = creation.configs;
  topic.internal = creation.internal;
  if (!validate_only) topic.id = NewTopicId();

  controllerpb::ControllerRequest request;
  controllerpb::CreateTopic* c = request.mutable_create_topic();
  c->set_name(creation.name);
  // validate_only still needs a well-formed id for the controller's checks.
  const TopicId id = validate_only ? NewTopicId() : topic.id;
  c->set_topic_id(std::string(id.begin(), id.end()));
  c->set_partitions(partitions);
  c->set_replication_factor(replicas);
  for (const auto& [key, value] : creation.configs) (*c->mutable_configs())[key] = value;
  c->set_internal(creation.internal);
  c->set_validate_only(validate_only);
  Submit(std::move(request), [topic = std::move(topic), done = std::move(done)](absl::Status status) mutable {
    if (!status.ok()) {
      std::move(done)(std::move(status));
      return;
    }
    std::move(done)(std::move(topic));
  });
}

void TopicStore::DeleteTopic(const std::string& name, Done<absl::Status> done) {
  controllerpb::ControllerRequest request;
  request.mutable_delete_topic()->set_name(name);
  Submit(std::move(request), std::move(done));
}

void TopicStore::CreatePartitions(const std::string& name, int32_t new_total, bool validate_only,
                                  Done<absl::Status> done) {
  controllerpb::ControllerRequest request;
  request.mutable_create_partitions()->set_name(name);
  request.mutable_create_partitions()->set_new_total(new_total);
  request.mutable_create_partitions()->set_validate_only(validate_only);
  Submit(std::move(request), std::move(done));
}

void TopicStore::AlterConfigs(const std::string& name, const std::vector<ConfigChange>& changes, bool replace,
                              bool validate_only, Done<absl::Status> done) {
  // Computed against this broker's newest image: a concurrent change of the
  // same topic made elsewhere may be overwritten key by key (Kafka's
  // IncrementalAlterConfigs has the same last-writer-wins rule per key).
  const std::shared_ptr<const TopicImage> image = Image();
  const TopicInfo* topic = image->Find(name);
  if (topic == nullptr) {
    std::move(done)(UnknownTopic(name));
    return;
  }
  absl::StatusOr<std::map<std::string, std::string>> configs =
      ApplyConfigChanges(defaults_, replace ? std::map<std::string, std::string>{} : topic->configs, changes);
  if (!configs.ok()) {
    std::move(done)(configs.status());
    return;
  }
  if (validate_only || *configs == topic->configs) {
    std::move(done)(absl::OkStatus());
    return;
  }
  controllerpb::ControllerRequest request;
  controllerpb::AlterTopicConfigs* alter = request.mutable_alter_topic_configs();
  alter->set_name(name);
  for (const auto& [key, value] : *configs) {
    auto it = topic->configs.find(key);
    if (it != topic->configs.end() && it->second == value) continue;
    controllerpb::ConfigOp* op = alter->add_ops();
    op->set_key(key);
    op->set_value(value);
  }
  for (const auto& [key, value] : topic->configs) {
    if (!configs->contains(key)) alter->add_ops()->set_key(key);
  }
  Submit(std::move(request), std::move(done));
}

}  // namespace cairn::broker
