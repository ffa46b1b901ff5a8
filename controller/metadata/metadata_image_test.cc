#include "controller/metadata/metadata_image.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "google/protobuf/text_format.h"

namespace cairn::controller::metadata {
namespace {

Record Parse(const std::string& text) {
  Record record;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &record));
  return record;
}

const std::string kId = "\"TTTTTTTTTTTTTTTT\"";

std::vector<Record> Base() {
  return {Parse("register_broker { broker_id: 1 broker_epoch: 1 }"),
          Parse("broker_unfenced { broker_id: 1 broker_epoch: 1 }"),
          Parse("register_broker { broker_id: 2 broker_epoch: 2 }"),
          Parse("topic { name: \"t\" topic_id: " + kId + " }"),
          Parse("partition { topic_id: " + kId + " replicas: [1, 2] isr: [1, 2] leader: 1 }")};
}

TEST_CASE("replay builds brokers, topics, partitions, configs and producer ids") {
  std::vector<Record> records = Base();
  records.push_back(Parse("partition_change { topic_id: " + kId + " isr { brokers: 1 } }"));
  records.push_back(Parse("config { resource_type: CONFIG_RESOURCE_TOPIC resource_name: \"t\" key: \"k\" value: \"v\" }"));
  records.push_back(Parse("config { resource_type: CONFIG_RESOURCE_BROKER resource_name: \"\" key: \"k\" value: \"b\" }"));
  records.push_back(Parse("producer_ids { broker_id: 1 broker_epoch: 1 next_block_start: 1000 }"));
  auto image = ReplayFromEmpty(records);
  REQUIRE(image.ok());
  const MetadataImage& m = **image;
  CHECK(m.records_applied == 9);
  CHECK(m.LiveBrokers() == std::vector<int32_t>{1});
  CHECK(m.FindBroker(2)->fenced);
  CHECK(m.max_broker_epoch == 2);
  const TopicMeta* t = m.FindTopic("t");
  REQUIRE(t != nullptr);
  CHECK(m.FindTopic(t->id) == t);
  CHECK(t->partitions == std::vector<PartitionInfo>{{{1, 2}, {1}, 1, 0, 1}});
  CHECK(m.TopicConfigs("t") == std::map<std::string, std::string>{{"k", "v"}});
  CHECK(m.configs.at(ConfigKey{cairn::metadata_log::CONFIG_RESOURCE_BROKER, ""}) ==
        std::map<std::string, std::string>{{"k", "b"}});
  CHECK(m.next_producer_id == 1000);
}

TEST_CASE("an invalid record is an error and leaves the delta unchanged") {
  const std::vector<std::string> bad = {
      "",                                                        // no record set
      "register_broker { broker_id: 1 broker_epoch: 1 }",       // epoch not above the previous one
      "register_broker { broker_id: -1 broker_epoch: 9 }",
      "broker_fenced { broker_id: 7 broker_epoch: 1 }",         // unknown broker
      "broker_unfenced { broker_id: 2 broker_epoch: 1 }",       // stale epoch
      "topic { name: \"t\" topic_id: \"UUUUUUUUUUUUUUUU\" }",   // name taken
      "topic { name: \"u\" topic_id: " + kId + " }",            // id taken
      "topic { name: \"bad name\" topic_id: \"UUUUUUUUUUUUUUUU\" }",
      "topic { name: \"u\" topic_id: \"short\" }",
      "remove_topic { topic_id: \"UUUUUUUUUUUUUUUU\" }",
      "partition { topic_id: \"UUUUUUUUUUUUUUUU\" replicas: 1 isr: 1 leader: 1 }",  // unknown topic
      "partition { topic_id: " + kId + " partition: 2 replicas: 1 isr: 1 leader: 1 }",  // gap
      "partition { topic_id: " + kId + " partition: 1 replicas: 3 isr: 3 leader: 3 }",  // unregistered
      "partition { topic_id: " + kId + " partition: 1 replicas: [1, 1] isr: 1 leader: 1 }",
      "partition { topic_id: " + kId + " partition: 1 replicas: 1 isr: 2 leader: 1 }",  // ISR not replica
      "partition { topic_id: " + kId + " partition: 1 replicas: [1, 2] isr: 1 leader: 2 }",  // leader not in ISR
      "partition { topic_id: " + kId + " partition: 1 replicas: 1 leader: -1 }",  // empty ISR
      "partition_change { topic_id: " + kId + " partition: 1 leader: 1 }",  // unknown partition
      "partition_change { topic_id: " + kId + " isr { } }",
      "partition_change { topic_id: " + kId + " leader: 7 }",
      "config { resource_type: CONFIG_RESOURCE_TOPIC resource_name: \"nope\" key: \"k\" value: \"v\" }",
      "config { resource_type: CONFIG_RESOURCE_UNKNOWN resource_name: \"t\" key: \"k\" value: \"v\" }",
      "config { resource_type: CONFIG_RESOURCE_TOPIC resource_name: \"t\" value: \"v\" }",
      "producer_ids { broker_id: 1 broker_epoch: 1 next_block_start: 0 }",
  };
  auto base = ReplayFromEmpty(Base());
  REQUIRE(base.ok());
  for (const std::string& text : bad) {
    CAPTURE(text);
    MetadataDelta delta(*base);
    absl::Status status = delta.Replay(Parse(text));
    CHECK(absl::IsInvalidArgument(status));
    CHECK(*delta.Apply() == **base);
  }
  MetadataDelta delta(*base);
  CHECK(delta.Replay(Parse("partition { topic_id: \"UUUUUUUUUUUUUUUU\" replicas: 1 isr: 1 leader: 1 }")).message() ==
        "partition of unknown topic id 55555555555555555555555555555555");
}

TEST_CASE("a partition record replaces an existing partition, remove_topic drops partitions and configs") {
  std::vector<Record> records = Base();
  records.push_back(Parse("partition { topic_id: " + kId +
                          " replicas: [2, 1] isr: [2] leader: 2 leader_epoch: 4 partition_epoch: 6 }"));
  records.push_back(Parse("config { resource_type: CONFIG_RESOURCE_TOPIC resource_name: \"t\" key: \"k\" value: \"v\" }"));
  auto image = ReplayFromEmpty(records);
  REQUIRE(image.ok());
  CHECK((*image)->FindTopic("t")->partitions == std::vector<PartitionInfo>{{{2, 1}, {2}, 2, 4, 6}});
  MetadataDelta delta(*image);
  REQUIRE(delta.Replay(Parse("remove_topic { topic_id: " + kId + " }")).ok());
  CHECK(delta.Current().topics.empty());
  CHECK(delta.Current().topic_names.empty());
  CHECK(delta.Current().configs.empty());
  CHECK(delta.Current().brokers.size() == 2);
}

}  // namespace
}  // namespace cairn::controller::metadata
