// Tests of LocalTopicStore: every admin operation and error path (with its
// ErrorReason and Kafka-worded message), persistence on the simulated disk,
// and the immutability of published images.
#include "broker/topic_store.h"

#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/error_reason.h"
#include "common/server_config.h"
#include "io/sim/sim_disk.h"

namespace cairn::broker {
namespace {

constexpr const char* kPath = "/data/cairn-topics.snapshot";

ServerConfig Defaults(const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<Config> config = ServerConfigDef().Parse("", overrides);
  REQUIRE(config.ok());
  absl::StatusOr<ServerConfig> server = ServerConfig::FromConfig(*config);
  REQUIRE(server.ok());
  return *server;
}

struct StoreFixture {
  io::sim::SimScheduler scheduler;
  io::sim::SimDisk disk{&scheduler};
  ServerConfig defaults = Defaults();
  std::unique_ptr<LocalTopicStore> store;

  StoreFixture() {
    REQUIRE(disk.CreateDirectories("/data").ok());
    Reopen();
  }
  void Reopen() {
    store.reset();
    auto opened = LocalTopicStore::Open(&disk, kPath, defaults);
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    store = std::move(*opened);
  }
  TopicInfo Create(const std::string& name, int32_t partitions = 1,
                   const std::map<std::string, std::string>& configs = {}) {
    auto info = store->CreateTopic(name, partitions, 1, configs, false);
    REQUIRE_MESSAGE(info.ok(), info.status().ToString());
    return *info;
  }
  uint64_t version() const { return store->Image()->version; }
};

// Checks a failure: its reason, canonical code and message.
void CheckError(const absl::Status& status, ErrorReason reason, absl::StatusCode code, const std::string& message) {
  REQUIRE_FALSE(status.ok());
  CHECK(GetReason(status) == reason);
  CHECK(status.code() == code);
  CHECK(std::string(status.message()) == message);
}

TEST_CASE("TopicStore: a new store is empty at version 0 and writes nothing") {
  StoreFixture f;
  CHECK(f.version() == 0);
  CHECK(f.store->Image()->topics.empty());
  CHECK_FALSE(*f.disk.Exists(kPath));
}

TEST_CASE("TopicStore: -1 partitions and replication factor take the broker defaults") {
  StoreFixture f;
  f.defaults = Defaults({"num.partitions=6"});
  f.Reopen();
  auto info = f.store->CreateTopic("orders", -1, -1, {}, false);
  REQUIRE(info.ok());
  CHECK(info->name == "orders");
  CHECK(info->partitions == 6);
  CHECK(info->replication_factor == 1);
  CHECK(info->configs.empty());
  CHECK_FALSE(info->internal);
  CHECK(f.version() == 1);
  const TopicInfo* found = f.store->Image()->Find("orders");
  REQUIRE(found != nullptr);
  CHECK(*found == *info);
  CHECK(f.store->Image()->Find("payments") == nullptr);
}

TEST_CASE("TopicStore: topic ids are random version 4 UUIDs, never zero, distinct per topic") {
  StoreFixture f;
  std::set<TopicId> ids;
  for (int i = 0; i < 20; ++i) {
    TopicInfo info = f.Create("t" + std::to_string(i));
    CHECK(info.id != TopicId{});
    CHECK((info.id[6] >> 4) == 4);
    CHECK((info.id[8] >> 6) == 2);
    ids.insert(info.id);
  }
  CHECK(ids.size() == 20);
}

TEST_CASE("TopicStore: configs given at creation are stored as overrides, as written") {
  StoreFixture f;
  TopicInfo info = f.Create("events", 3, {{"cleanup.policy", "compact"}, {"retention.ms", "60000"}});
  CHECK(info.configs == std::map<std::string, std::string>{{"cleanup.policy", "compact"}, {"retention.ms", "60000"}});
  CHECK(f.store->Image()->Find("events")->configs == info.configs);
}

TEST_CASE("TopicStore: invalid and reserved names are refused with kInvalidTopic") {
  StoreFixture f;
  CheckError(f.store->CreateTopic("bad name", 1, 1, {}, false).status(), ErrorReason::kInvalidTopic,
             absl::StatusCode::kInvalidArgument,
             "topic name 'bad name' may contain only ASCII letters, digits, '.', '_' and '-'");
  CheckError(f.store->CreateTopic("", 1, 1, {}, false).status(), ErrorReason::kInvalidTopic,
             absl::StatusCode::kInvalidArgument, "topic name is empty");
  CheckError(f.store->CreateTopic("__consumer_offsets", 1, 1, {}, false).status(), ErrorReason::kInvalidTopic,
             absl::StatusCode::kInvalidArgument,
             "Topic name '__consumer_offsets' is reserved for the broker's internal topics.");
  CHECK(GetReason(f.store->CreateTopic("__transaction_state", 1, 1, {}, false).status()) ==
        ErrorReason::kInvalidTopic);
  CHECK(f.version() == 0);
  // Other "__" names are ordinary client topics, as in Kafka.
  CHECK(f.Create("__debezium-heartbeat.inventory").internal == false);
}

TEST_CASE("TopicStore: an existing name is kTopicAlreadyExists, a '.'/'_' twin is kInvalidTopic") {
  StoreFixture f;
  f.Create("orders.v1");
  CheckError(f.store->CreateTopic("orders.v1", 1, 1, {}, false).status(), ErrorReason::kTopicAlreadyExists,
             absl::StatusCode::kAlreadyExists, "Topic 'orders.v1' already exists.");
  CheckError(f.store->CreateTopic("orders_v1", 1, 1, {}, false).status(), ErrorReason::kInvalidTopic,
             absl::StatusCode::kInvalidArgument, "Topic 'orders_v1' collides with existing topic: orders.v1");
  CHECK(f.version() == 1);
}

TEST_CASE("TopicStore: partition counts below 1 or above the cap are kInvalidPartitions") {
  StoreFixture f;
  for (int32_t partitions : {0, -2}) {
    CheckError(f.store->CreateTopic("t", partitions, 1, {}, false).status(), ErrorReason::kInvalidPartitions,
               absl::StatusCode::kInvalidArgument, "Number of partitions was set to an invalid non-positive value.");
  }
  CheckError(f.store->CreateTopic("t", 100001, 1, {}, false).status(), ErrorReason::kInvalidPartitions,
             absl::StatusCode::kInvalidArgument, "Number of partitions 100001 exceeds the maximum of 100000 per topic.");
  CHECK(f.store->CreateTopic("t", 100000, 1, {}, true).ok());
  CHECK(f.version() == 0);
}

TEST_CASE("TopicStore: a replication factor below 1 or above the live brokers is kInvalidReplicationFactor") {
  StoreFixture f;
  for (int16_t rf : {0, -2}) {
    CheckError(f.store->CreateTopic("t", 1, rf, {}, false).status(), ErrorReason::kInvalidReplicationFactor,
               absl::StatusCode::kInvalidArgument,
               "Replication factor must be larger than 0, or -1 to use the default value.");
  }
  CheckError(f.store->CreateTopic("t", 1, 3, {}, false).status(), ErrorReason::kInvalidReplicationFactor,
             absl::StatusCode::kInvalidArgument,
             "Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached "
             "because only 1 broker(s) are registered.");
  // A default of 3 on a single node fails the same way.
  f.defaults = Defaults({"default.replication.factor=3"});
  f.Reopen();
  CHECK(GetReason(f.store->CreateTopic("t", 1, -1, {}, false).status()) == ErrorReason::kInvalidReplicationFactor);
  CHECK(f.version() == 0);
}

TEST_CASE("TopicStore: an unknown config key or a bad value is kInvalidConfig naming the key") {
  StoreFixture f;
  CheckError(f.store->CreateTopic("t", 1, 1, {{"retention.msx", "1"}}, false).status(), ErrorReason::kInvalidConfig,
             absl::StatusCode::kInvalidArgument, "Unknown topic config name: retention.msx");
  CheckError(f.store->CreateTopic("t", 1, 1, {{"retention.ms", "soon"}}, false).status(),
             ErrorReason::kInvalidConfig, absl::StatusCode::kInvalidArgument,
             "Invalid value soon for configuration retention.ms: Not a number of type LONG");
  CHECK(f.version() == 0);
  CHECK(f.store->Image()->Find("t") == nullptr);
}

TEST_CASE("TopicStore: validate_only creation checks everything and changes nothing") {
  StoreFixture f;
  auto info = f.store->CreateTopic("orders", 4, 1, {{"retention.ms", "1000"}}, true);
  REQUIRE(info.ok());
  CHECK(info->partitions == 4);
  CHECK(info->id == TopicId{});  // nothing was created
  CHECK(f.version() == 0);
  CHECK(f.store->Image()->Find("orders") == nullptr);
  CHECK_FALSE(*f.disk.Exists(kPath));
  CHECK(GetReason(f.store->CreateTopic("orders", 4, 1, {{"retention.ms", "x"}}, true).status()) ==
        ErrorReason::kInvalidConfig);
}

TEST_CASE("TopicStore: internal topics are created by the broker and protected from clients") {
  StoreFixture f;
  auto info = f.store->CreateInternalTopic("__consumer_offsets", 50, 1, {{"cleanup.policy", "compact"}});
  REQUIRE(info.ok());
  CHECK(info->internal);
  CHECK(info->partitions == 50);
  CheckError(f.store->DeleteTopic("__consumer_offsets"), ErrorReason::kPolicyViolation,
             absl::StatusCode::kFailedPrecondition, "Internal topic '__consumer_offsets' cannot be deleted.");
  CheckError(f.store->CreatePartitions("__consumer_offsets", 60, false), ErrorReason::kPolicyViolation,
             absl::StatusCode::kFailedPrecondition,
             "The partition count of internal topic '__consumer_offsets' cannot be changed.");
  CHECK(GetReason(f.store->CreateInternalTopic("__consumer_offsets", 50, 1, {}).status()) ==
        ErrorReason::kTopicAlreadyExists);
  CHECK(f.version() == 1);
}

TEST_CASE("TopicStore: deleting a topic removes it; an unknown one is kUnknownTopicOrPartition") {
  StoreFixture f;
  f.Create("orders");
  f.Create("payments");
  REQUIRE(f.store->DeleteTopic("orders").ok());
  CHECK(f.version() == 3);
  CHECK(f.store->Image()->Find("orders") == nullptr);
  CHECK(f.store->Image()->Find("payments") != nullptr);
  CheckError(f.store->DeleteTopic("orders"), ErrorReason::kUnknownTopicOrPartition, absl::StatusCode::kNotFound,
             "Topic 'orders' does not exist.");
  CHECK(f.version() == 3);
  // The name is free again.
  f.Create("orders");
}

TEST_CASE("TopicStore: partitions only grow, with Kafka's message otherwise") {
  StoreFixture f;
  f.Create("orders", 3);
  CheckError(f.store->CreatePartitions("orders", 2, false), ErrorReason::kInvalidPartitions,
             absl::StatusCode::kInvalidArgument,
             "The topic orders currently has 3 partition(s); 2 would not be an increase.");
  CheckError(f.store->CreatePartitions("orders", 3, false), ErrorReason::kInvalidPartitions,
             absl::StatusCode::kInvalidArgument,
             "The topic orders currently has 3 partition(s); 3 would not be an increase.");
  CheckError(f.store->CreatePartitions("orders", 100001, false), ErrorReason::kInvalidPartitions,
             absl::StatusCode::kInvalidArgument, "Number of partitions 100001 exceeds the maximum of 100000 per topic.");
  CheckError(f.store->CreatePartitions("missing", 5, false), ErrorReason::kUnknownTopicOrPartition,
             absl::StatusCode::kNotFound, "Topic 'missing' does not exist.");
  REQUIRE(f.store->CreatePartitions("orders", 5, true).ok());
  CHECK(f.store->Image()->Find("orders")->partitions == 3);
  CHECK(f.version() == 1);
  REQUIRE(f.store->CreatePartitions("orders", 5, false).ok());
  CHECK(f.store->Image()->Find("orders")->partitions == 5);
  CHECK(f.version() == 2);
}

TEST_CASE("TopicStore: IncrementalAlterConfigs sets, deletes, appends and subtracts") {
  using Op = ConfigChange::Op;
  StoreFixture f;
  f.Create("orders", 1, {{"retention.ms", "1000"}, {"segment.bytes", "1048576"}});
  REQUIRE(f.store->IncrementalAlterConfigs("orders",
                                           {{"retention.ms", Op::kSet, "2000"},
                                            {"segment.bytes", Op::kDelete, ""},
                                            {"cleanup.policy", Op::kAppend, "compact"}},
                                           false)
              .ok());
  CHECK(f.version() == 2);
  // APPEND started from the default "delete".
  CHECK(f.store->Image()->Find("orders")->configs ==
        std::map<std::string, std::string>{{"cleanup.policy", "delete,compact"}, {"retention.ms", "2000"}});
  REQUIRE(f.store->IncrementalAlterConfigs("orders", {{"cleanup.policy", Op::kSubtract, "delete"}}, false).ok());
  CHECK(f.store->Image()->Find("orders")->configs.at("cleanup.policy") == "compact");
  CHECK(f.version() == 3);
  // Appending what is there already changes nothing, and bumps nothing.
  REQUIRE(f.store->IncrementalAlterConfigs("orders", {{"cleanup.policy", Op::kAppend, "compact"}}, false).ok());
  REQUIRE(f.store->IncrementalAlterConfigs("orders", {{"flush.ms", Op::kDelete, ""}}, false).ok());
  CHECK(f.version() == 3);
}

TEST_CASE("TopicStore: IncrementalAlterConfigs applies all changes or none") {
  using Op = ConfigChange::Op;
  StoreFixture f;
  f.Create("orders", 1, {{"retention.ms", "1000"}});
  const auto before = f.store->Image()->Find("orders")->configs;

  CheckError(f.store->IncrementalAlterConfigs(
                 "orders", {{"retention.ms", Op::kSet, "5"}, {"retention.bytes", Op::kSet, "-7"}}, false),
             ErrorReason::kInvalidConfig, absl::StatusCode::kInvalidArgument,
             "Invalid value -7 for configuration retention.bytes: Value must be at least -1");
  CheckError(f.store->IncrementalAlterConfigs("orders", {{"retention.mss", Op::kDelete, ""}}, false),
             ErrorReason::kInvalidConfig, absl::StatusCode::kInvalidArgument,
             "Unknown topic config name: retention.mss");
  CheckError(f.store->IncrementalAlterConfigs("orders", {{"retention.ms", Op::kAppend, "5"}}, false),
             ErrorReason::kInvalidConfig, absl::StatusCode::kInvalidArgument,
             "Config value append is not allowed for config key: retention.ms");
  CheckError(f.store->IncrementalAlterConfigs("orders", {{"retention.ms", Op::kSubtract, "5"}}, false),
             ErrorReason::kInvalidConfig, absl::StatusCode::kInvalidArgument,
             "Config value subtract is not allowed for config key: retention.ms");
  CheckError(f.store->IncrementalAlterConfigs("orders", {{"cleanup.policy", Op::kSubtract, "delete"}}, false),
             ErrorReason::kInvalidConfig, absl::StatusCode::kInvalidArgument,
             "Invalid value  for configuration cleanup.policy: Empty list; name at least one of: delete, compact");
  CheckError(f.store->IncrementalAlterConfigs(
                 "orders", {{"retention.ms", Op::kSet, "5"}, {"retention.ms", Op::kDelete, ""}}, false),
             ErrorReason::kInvalidRequest, absl::StatusCode::kInvalidArgument, "Error due to duplicate config keys");
  CheckError(f.store->IncrementalAlterConfigs("missing", {{"retention.ms", Op::kSet, "5"}}, false),
             ErrorReason::kUnknownTopicOrPartition, absl::StatusCode::kNotFound, "Topic 'missing' does not exist.");
  CheckError(f.store->IncrementalAlterConfigs("orders", {{"retention.ms", static_cast<Op>(9), "5"}}, false),
             ErrorReason::kInvalidRequest, absl::StatusCode::kInvalidArgument,
             "Unknown config operation 9 for retention.ms");
  CHECK(f.store->Image()->Find("orders")->configs == before);
  CHECK(f.version() == 1);
}

TEST_CASE("TopicStore: validate_only config changes are checked but not applied") {
  using Op = ConfigChange::Op;
  StoreFixture f;
  f.Create("orders");
  REQUIRE(f.store->IncrementalAlterConfigs("orders", {{"retention.ms", Op::kSet, "5"}}, true).ok());
  CHECK(f.store->Image()->Find("orders")->configs.empty());
  CHECK(f.version() == 1);
  CHECK(GetReason(f.store->IncrementalAlterConfigs("orders", {{"retention.ms", Op::kSet, "x"}}, true)) ==
        ErrorReason::kInvalidConfig);
}

TEST_CASE("TopicStore: image versions increase and published images never change") {
  using Op = ConfigChange::Op;
  StoreFixture f;
  f.Create("orders", 2, {{"retention.ms", "1000"}});
  std::shared_ptr<const TopicImage> v1 = f.store->Image();
  const TopicImage copy = *v1;

  REQUIRE(f.store->CreatePartitions("orders", 4, false).ok());
  std::shared_ptr<const TopicImage> v2 = f.store->Image();
  REQUIRE(f.store->IncrementalAlterConfigs("orders", {{"retention.ms", Op::kSet, "2000"}}, false).ok());
  std::shared_ptr<const TopicImage> v3 = f.store->Image();
  f.Create("payments");
  REQUIRE(f.store->DeleteTopic("orders").ok());
  std::shared_ptr<const TopicImage> v5 = f.store->Image();

  CHECK(v1->version == 1);
  CHECK(v2->version == 2);
  CHECK(v3->version == 3);
  CHECK(v5->version == 5);
  CHECK(v1->version == copy.version);
  CHECK(v1->topics == copy.topics);
  CHECK(v1->Find("orders")->partitions == 2);
  CHECK(v2->Find("orders")->partitions == 4);
  CHECK(v2->Find("orders")->configs.at("retention.ms") == "1000");
  CHECK(v3->Find("orders")->configs.at("retention.ms") == "2000");
  CHECK(v3->Find("payments") == nullptr);
  CHECK(v5->Find("orders") == nullptr);
  CHECK(v5->Find("payments") != nullptr);
}

TEST_CASE("TopicStore: the image survives a reopen and a power loss") {
  using Op = ConfigChange::Op;
  StoreFixture f;
  f.Create("orders", 3, {{"cleanup.policy", "compact"}});
  f.Create("payments", 1);
  REQUIRE(f.store->CreateInternalTopic("__consumer_offsets", 50, 1, {}).ok());
  REQUIRE(f.store->IncrementalAlterConfigs("payments", {{"retention.ms", Op::kSet, "86400000"}}, false).ok());
  REQUIRE(f.store->DeleteTopic("orders").ok());
  const TopicImage before = *f.store->Image();
  CHECK(before.version == 5);

  f.disk.Crash(io::sim::SimDisk::CrashMode::kLoseUnsynced);
  f.Reopen();
  const TopicImage after = *f.store->Image();
  CHECK(after.version == 5);
  CHECK(after.topics == before.topics);
  CHECK(after.Find("__consumer_offsets")->internal);
  CHECK(after.Find("payments")->configs.at("retention.ms") == "86400000");
  // Mutations continue from the persisted version.
  f.Create("orders");
  CHECK(f.version() == 6);
}

TEST_CASE("TopicStore: a damaged snapshot is DataLoss naming the file") {
  StoreFixture f;
  f.Create("orders");
  SUBCASE("a flipped bit in the payload") {
    REQUIRE(f.disk.FlipBit(kPath, LocalTopicStore::kHeaderBytes + 3, 2).ok());
  }
  SUBCASE("a flipped bit in the magic") { REQUIRE(f.disk.FlipBit(kPath, 0, 0).ok()); }
  SUBCASE("a truncated header") {
    REQUIRE(f.disk.WriteFileAtomically(kPath, Buffer{'C', 'R', 'N'}).ok());
  }
  auto opened = LocalTopicStore::Open(&f.disk, kPath, f.defaults);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(opened.status().message()).find(kPath) == 0);
}

TEST_CASE("TopicStore: snapshot decoding names each kind of damage") {
  TopicImage image;
  image.version = 7;
  TopicInfo topic{"orders", {1, 2, 3}, 2, 1, {{"retention.ms", "5"}}, false};
  image.topics.emplace("orders", topic);
  Buffer bytes = EncodeTopicSnapshot(image);
  CHECK(std::equal(LocalTopicStore::kMagic.begin(), LocalTopicStore::kMagic.end(), bytes.begin()));
  auto decoded = DecodeTopicSnapshot(bytes, "f");
  REQUIRE(decoded.ok());
  CHECK(decoded->version == 7);
  CHECK(decoded->topics == image.topics);

  CHECK(DecodeTopicSnapshot(ByteSpan(bytes).first(5), "f").status().message() ==
        "f: topic metadata file is 5 bytes, shorter than its 8-byte header");
  Buffer bad_magic = bytes;
  bad_magic[3] = 'X';
  CHECK(DecodeTopicSnapshot(bad_magic, "f").status().message() == "f: not a topic metadata file (bad magic)");
  Buffer bad_crc = bytes;
  bad_crc.back() ^= 1;
  CHECK(std::string(DecodeTopicSnapshot(bad_crc, "f").status().message()).find("f: topic metadata checksum mismatch") ==
        0);

  image.topics.begin()->second.id = TopicId{};
  CHECK(DecodeTopicSnapshot(EncodeTopicSnapshot(image), "f").status().message() ==
        "f: topic 'orders': topic id is zero");
  image.topics.begin()->second.id[0] = 1;
  image.topics.begin()->second.partitions = 0;
  CHECK(DecodeTopicSnapshot(EncodeTopicSnapshot(image), "f").status().message() == "f: topic 'orders': 0 partitions");
}

TEST_CASE("TopicStore: a failed write is kStorageError and publishes nothing") {
  StoreFixture f;
  f.Create("orders");
  f.disk.FailNextSyncs(1);
  auto failed = f.store->CreateTopic("payments", 1, 1, {}, false);
  REQUIRE_FALSE(failed.ok());
  CHECK(GetReason(failed.status()) == ErrorReason::kStorageError);
  CHECK(std::string(failed.status().message()).find("persisting topic metadata to /data/cairn-topics.snapshot: ") ==
        0);
  CHECK(f.version() == 1);
  CHECK(f.store->Image()->Find("payments") == nullptr);
  // The next mutation succeeds and the file holds the full image.
  f.Create("payments");
  f.Reopen();
  CHECK(f.version() == 2);
  CHECK(f.store->Image()->Find("payments") != nullptr);
}

}  // namespace
}  // namespace cairn::broker
