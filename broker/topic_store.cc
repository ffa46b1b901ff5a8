// LocalTopicStore: topic metadata in one checksummed protobuf file, rewritten
// atomically on every change and published as an immutable TopicImage.
#include "broker/topic_store.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "broker/topic_config.h"
#include "cairn/metadata.pb.h"
#include "common/crc32c.h"
#include "common/error_reason.h"
#include "common/status_macros.h"
#include "common/topic_partition.h"

namespace cairn::broker {

namespace {

absl::string_view Absl(std::string_view text) { return {text.data(), text.size()}; }

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

bool IsZero(const TopicId& id) {
  return std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; });
}

absl::Status CorruptFile(std::string_view path, std::string_view what) {
  return absl::DataLossError(absl::StrCat(Absl(path), ": ", Absl(what)));
}

absl::Status CheckPartitionCount(int32_t partitions) {
  if (partitions > kMaxPartitionsPerTopic) {
    return Invalid(ErrorReason::kInvalidPartitions, absl::StrCat("Number of partitions ", partitions,
                                                                 " exceeds the maximum of ", kMaxPartitionsPerTopic,
                                                                 " per topic."));
  }
  return absl::OkStatus();
}

}  // namespace

const TopicInfo* TopicImage::Find(std::string_view name) const {
  auto it = topics.find(name);
  return it == topics.end() ? nullptr : &it->second;
}

Buffer EncodeTopicSnapshot(const TopicImage& image) {
  metadata::TopicStoreSnapshot snapshot;
  snapshot.set_version(image.version);
  for (const auto& [name, topic] : image.topics) {
    metadata::TopicRecord* record = snapshot.add_topics();
    record->set_name(topic.name);
    record->set_topic_id(std::string(topic.id.begin(), topic.id.end()));
    record->set_partitions(topic.partitions);
    record->set_replication_factor(topic.replication_factor);
    for (const auto& [key, value] : topic.configs) (*record->mutable_configs())[key] = value;
    record->set_internal(topic.internal);
  }
  const std::string payload = snapshot.SerializeAsString();
  Buffer out(LocalTopicStore::kMagic.begin(), LocalTopicStore::kMagic.end());
  AppendBigEndian<uint32_t>(out, crc32c::Value(AsBytes(payload)));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

absl::StatusOr<TopicImage> DecodeTopicSnapshot(ByteSpan bytes, std::string_view path) {
  if (bytes.size() < LocalTopicStore::kHeaderBytes) {
    return CorruptFile(path, absl::StrCat("topic metadata file is ", bytes.size(), " bytes, shorter than its ",
                                          LocalTopicStore::kHeaderBytes, "-byte header"));
  }
  if (!std::equal(LocalTopicStore::kMagic.begin(), LocalTopicStore::kMagic.end(), bytes.begin())) {
    return CorruptFile(path, "not a topic metadata file (bad magic)");
  }
  const uint32_t stored = LoadBigEndian<uint32_t>(bytes.data() + 4);
  const ByteSpan payload = bytes.subspan(LocalTopicStore::kHeaderBytes);
  const uint32_t computed = crc32c::Value(payload);
  if (stored != computed) {
    return CorruptFile(path, absl::StrCat("topic metadata checksum mismatch (stored ", stored, ", computed ",
                                          computed, ")"));
  }
  metadata::TopicStoreSnapshot snapshot;
  if (!snapshot.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return CorruptFile(path, "topic metadata does not decode");
  }
  TopicImage image;
  image.version = snapshot.version();
  for (const metadata::TopicRecord& record : snapshot.topics()) {
    const std::string where = absl::StrCat("topic '", record.name(), "': ");
    if (!ValidateTopicName(record.name()).ok()) return CorruptFile(path, absl::StrCat(where, "invalid name"));
    if (record.topic_id().size() != 16) return CorruptFile(path, absl::StrCat(where, "topic id is not 16 bytes"));
    if (record.partitions() < 1 || record.partitions() > kMaxPartitionsPerTopic) {
      return CorruptFile(path, absl::StrCat(where, record.partitions(), " partitions"));
    }
    if (record.replication_factor() < 1 || record.replication_factor() > std::numeric_limits<int16_t>::max()) {
      return CorruptFile(path, absl::StrCat(where, "replication factor ", record.replication_factor()));
    }
    TopicInfo topic;
    topic.name = record.name();
    std::copy(record.topic_id().begin(), record.topic_id().end(), topic.id.begin());
    if (IsZero(topic.id)) return CorruptFile(path, absl::StrCat(where, "topic id is zero"));
    topic.partitions = record.partitions();
    topic.replication_factor = static_cast<int16_t>(record.replication_factor());
    topic.configs.insert(record.configs().begin(), record.configs().end());
    topic.internal = record.internal();
    if (!image.topics.emplace(topic.name, std::move(topic)).second) {
      return CorruptFile(path, absl::StrCat(where, "appears twice"));
    }
  }
  return image;
}

LocalTopicStore::LocalTopicStore(io::FileSystem* fs, std::string path, const ServerConfig& defaults,
                                 std::shared_ptr<const TopicImage> image)
    : fs_(fs), path_(std::move(path)), defaults_(defaults), image_(std::move(image)), random_(std::random_device{}()) {}

absl::StatusOr<std::unique_ptr<LocalTopicStore>> LocalTopicStore::Open(io::FileSystem* fs, std::string path,
                                                                       const ServerConfig& defaults) {
  auto image = std::make_shared<TopicImage>();
  ASSIGN_OR_RETURN(bool exists, fs->Exists(path));
  if (exists) {
    ASSIGN_OR_RETURN(Buffer bytes, fs->ReadWholeFile(path));
    ASSIGN_OR_RETURN(*image, DecodeTopicSnapshot(bytes, path));
  }
  return std::unique_ptr<LocalTopicStore>(new LocalTopicStore(fs, std::move(path), defaults, std::move(image)));
}

std::shared_ptr<const TopicImage> LocalTopicStore::Image() const {
  std::lock_guard<std::mutex> lock(image_mutex_);
  return image_;
}

TopicId LocalTopicStore::NewTopicId(const TopicImage& image) {
  while (true) {
    TopicId id;
    for (size_t half = 0; half < 2; ++half) StoreBigEndian<uint64_t>(id.data() + 8 * half, random_());
    // A version 4 UUID, as Kafka's Uuid.randomUuid(); it also avoids ids
    // whose base64 text would start with '-' (Kafka skips those too).
    id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40);
    id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);
    if (IsZero(id) || (id[0] >> 2) == 62) continue;
    const bool taken = std::any_of(image.topics.begin(), image.topics.end(),
                                   [&](const auto& entry) { return entry.second.id == id; });
    if (!taken) return id;
  }
}

absl::Status LocalTopicStore::Commit(std::shared_ptr<TopicImage> next) {
  const Buffer bytes = EncodeTopicSnapshot(*next);
  if (absl::Status written = fs_->WriteFileAtomically(path_, bytes); !written.ok()) {
    return WithReason(WithContext(written, absl::StrCat("persisting topic metadata to ", path_)),
                      ErrorReason::kStorageError);
  }
  std::lock_guard<std::mutex> lock(image_mutex_);
  image_ = std::move(next);
  return absl::OkStatus();
}

absl::StatusOr<TopicInfo> LocalTopicStore::CreateTopic(const std::string& name, int32_t partitions,
                                                       int16_t replication_factor,
                                                       const std::map<std::string, std::string>& configs,
                                                       bool validate_only) {
  return Create(name, partitions, replication_factor, configs, validate_only, /*internal=*/false);
}

absl::StatusOr<TopicInfo> LocalTopicStore::CreateInternalTopic(const std::string& name, int32_t partitions,
                                                               int16_t replication_factor,
                                                               const std::map<std::string, std::string>& configs) {
  return Create(name, partitions, replication_factor, configs, /*validate_only=*/false, /*internal=*/true);
}

absl::StatusOr<TopicInfo> LocalTopicStore::Create(const std::string& name, int32_t partitions,
                                                  int16_t replication_factor,
                                                  const std::map<std::string, std::string>& configs,
                                                  bool validate_only, bool internal) {
  std::lock_guard<std::mutex> mutation(mutation_mutex_);
  const std::shared_ptr<const TopicImage> current = Image();
  if (absl::Status valid = ValidateTopicName(name); !valid.ok()) {
    return WithReason(valid, ErrorReason::kInvalidTopic);
  }
  if (!internal && IsReservedTopicName(name)) {
    return Invalid(ErrorReason::kInvalidTopic,
                   absl::StrCat("Topic name '", name, "' is reserved for the broker's internal topics."));
  }
  if (current->Find(name) != nullptr) {
    return WithReason(absl::AlreadyExistsError(absl::StrCat("Topic '", name, "' already exists.")),
                      ErrorReason::kTopicAlreadyExists);
  }
  for (const auto& [existing, info] : current->topics) {
    if (TopicCollisionKey(existing) == TopicCollisionKey(name)) {
      return Invalid(ErrorReason::kInvalidTopic,
                     absl::StrCat("Topic '", name, "' collides with existing topic: ", existing));
    }
  }
  if (partitions == -1) partitions = defaults_.num_partitions;
  if (partitions < 1) {
    return Invalid(ErrorReason::kInvalidPartitions, "Number of partitions was set to an invalid non-positive value.");
  }
  RETURN_IF_ERROR(CheckPartitionCount(partitions));
  const int32_t replicas = replication_factor == -1 ? defaults_.default_replication_factor : replication_factor;
  if (replicas < 1) {
    return Invalid(ErrorReason::kInvalidReplicationFactor,
                   "Replication factor must be larger than 0, or -1 to use the default value.");
  }
  if (replicas > kLiveBrokers) {
    return Invalid(ErrorReason::kInvalidReplicationFactor,
                   absl::StrCat("Unable to replicate the partition ", replicas,
                                " time(s): The target replication factor of ", replicas,
                                " cannot be reached because only ", kLiveBrokers, " broker(s) are registered."));
  }
  RETURN_IF_ERROR(ValidateTopicConfigs(configs));

  TopicInfo topic;
  topic.name = name;
  topic.partitions = partitions;
  topic.replication_factor = static_cast<int16_t>(replicas);
  topic.configs = configs;
  topic.internal = internal;
  if (validate_only) return topic;  // with a zero id: nothing was created

  topic.id = NewTopicId(*current);
  auto next = std::make_shared<TopicImage>(*current);
  next->version = current->version + 1;
  next->topics.emplace(name, topic);
  RETURN_IF_ERROR(Commit(std::move(next)));
  return topic;
}

absl::Status LocalTopicStore::DeleteTopic(const std::string& name) {
  std::lock_guard<std::mutex> mutation(mutation_mutex_);
  const std::shared_ptr<const TopicImage> current = Image();
  const TopicInfo* topic = current->Find(name);
  if (topic == nullptr) return UnknownTopic(name);
  if (topic->internal) return Policy(absl::StrCat("Internal topic '", name, "' cannot be deleted."));
  auto next = std::make_shared<TopicImage>(*current);
  next->version = current->version + 1;
  next->topics.erase(name);
  return Commit(std::move(next));
}

absl::Status LocalTopicStore::CreatePartitions(const std::string& name, int32_t new_total, bool validate_only) {
  std::lock_guard<std::mutex> mutation(mutation_mutex_);
  const std::shared_ptr<const TopicImage> current = Image();
  const TopicInfo* topic = current->Find(name);
  if (topic == nullptr) return UnknownTopic(name);
  if (topic->internal) {
    return Policy(absl::StrCat("The partition count of internal topic '", name, "' cannot be changed."));
  }
  if (new_total <= topic->partitions) {
    return Invalid(ErrorReason::kInvalidPartitions,
                   absl::StrCat("The topic ", name, " currently has ", topic->partitions, " partition(s); ", new_total,
                                " would not be an increase."));
  }
  RETURN_IF_ERROR(CheckPartitionCount(new_total));
  if (validate_only) return absl::OkStatus();
  auto next = std::make_shared<TopicImage>(*current);
  next->version = current->version + 1;
  next->topics.find(name)->second.partitions = new_total;
  return Commit(std::move(next));
}

absl::Status LocalTopicStore::IncrementalAlterConfigs(const std::string& name,
                                                      const std::vector<ConfigChange>& changes,
                                                      bool validate_only) {
  std::lock_guard<std::mutex> mutation(mutation_mutex_);
  const std::shared_ptr<const TopicImage> current = Image();
  const TopicInfo* topic = current->Find(name);
  if (topic == nullptr) return UnknownTopic(name);
  std::set<std::string> seen;
  for (const ConfigChange& change : changes) {
    if (!seen.insert(change.key).second) {
      return Invalid(ErrorReason::kInvalidRequest, "Error due to duplicate config keys");
    }
  }
  std::map<std::string, std::string> configs = topic->configs;
  for (const ConfigChange& change : changes) {
    std::optional<std::string> fallback = TopicConfigDefault(defaults_, change.key);
    if (!fallback) {
      return Invalid(ErrorReason::kInvalidConfig, absl::StrCat("Unknown topic config name: ", change.key));
    }
    switch (change.op) {
      case ConfigChange::Op::kSet:
        RETURN_IF_ERROR(ValidateTopicConfig(change.key, change.value));
        configs[change.key] = change.value;
        break;
      case ConfigChange::Op::kDelete:
        configs.erase(change.key);
        break;
      case ConfigChange::Op::kAppend:
      case ConfigChange::Op::kSubtract: {
        const bool append = change.op == ConfigChange::Op::kAppend;
        if (!IsListTopicConfig(change.key)) {
          return Invalid(ErrorReason::kInvalidConfig,
                         absl::StrCat("Config value ", append ? "append" : "subtract",
                                      " is not allowed for config key: ", change.key));
        }
        auto it = configs.find(change.key);
        std::vector<std::string> items = SplitConfigList(it != configs.end() ? it->second : *fallback);
        for (const std::string& item : SplitConfigList(change.value)) {
          auto found = std::find(items.begin(), items.end(), item);
          if (append && found == items.end()) items.push_back(item);
          if (!append && found != items.end()) items.erase(found);
        }
        const std::string value = absl::StrJoin(items, ",");
        RETURN_IF_ERROR(ValidateTopicConfig(change.key, value));
        configs[change.key] = value;
        break;
      }
      default:
        return Invalid(ErrorReason::kInvalidRequest,
                       absl::StrCat("Unknown config operation ", static_cast<int>(change.op), " for ", change.key));
    }
  }
  if (validate_only || configs == topic->configs) return absl::OkStatus();
  auto next = std::make_shared<TopicImage>(*current);
  next->version = current->version + 1;
  next->topics.find(name)->second.configs = std::move(configs);
  return Commit(std::move(next));
}

}  // namespace cairn::broker
