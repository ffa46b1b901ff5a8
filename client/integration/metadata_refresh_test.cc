// metadata.max.age.ms on a real cairnd: partitions added with
// CreatePartitions reach a subscribed consumer group (its leader sees the
// new count and rebalances) and a producer's partitioner without any error
// forcing a refresh; a deleted subscribed topic leaves the group's
// assignment the same way.
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/integration/consumer_test_support.h"
#include "client/murmur2.h"

namespace cairn::client::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// Records rebalance callbacks as "assigned a-0 b-1".
class Log : public RebalanceListener {
 public:
  void OnAssigned(const std::vector<TopicPartitionOffset>& p) override { Add("assigned", p); }
  void OnRevoked(const std::vector<TopicPartitionOffset>& p) override { Add("revoked", p); }
  void OnLost(const std::vector<TopicPartitionOffset>& p) override { Add("lost", p); }
  std::vector<std::string> lines;

 private:
  void Add(const char* what, const std::vector<TopicPartitionOffset>& p) {
    std::string line = what;
    for (const auto& tpo : p) absl::StrAppend(&line, " ", tpo.topic, "-", tpo.partition);
    lines.push_back(line);
  }
};

// The first key (k0, k1, ...) that murmur2 puts on `partition` of `count`.
std::string KeyFor(int32_t partition, int32_t count) {
  for (int i = 0;; ++i) {
    std::string key = "k" + std::to_string(i);
    if (PartitionForKey(key, count) == partition) return key;
  }
}

TEST_CASE("Consumer and Producer: partitions added with CreatePartitions are picked up within metadata.max.age.ms") {
  CairndProcess broker({"group.initial.rebalance.delay.ms=0"});
  broker.Start();
  auto admin = MakeAdmin(broker);
  const std::string topic = "growing";
  CreateTopicAndWait(*admin, topic, 1);

  ConsumerConfig consumer_config = ConsumerConfigFor(broker, "g-growing");
  consumer_config.enable_auto_commit = false;
  consumer_config.metadata_max_age_ms = 500;
  Log events;
  auto consumer = MakeConsumer(consumer_config);
  REQUIRE(consumer->Subscribe({topic}, &events).ok());
  const auto joined_by = steady_clock::now() + seconds(30);
  while (consumer->Assignment().size() != 1) {
    REQUIRE(steady_clock::now() < joined_by);
    REQUIRE(consumer->Poll(milliseconds(50)).ok());
  }

  ProducerConfig producer_config;
  producer_config.client = ConfigFor(broker);
  producer_config.client.metadata_max_age_ms = 500;
  producer_config.linger_ms = 0;
  auto producer = Producer::Create(producer_config);
  REQUIRE(producer.ok());
  // One record while the topic has one partition: the producer now holds
  // metadata that will go stale without any error to say so.
  ProducerRecord first{topic, KeyFor(0, 3), "before"};
  auto sent = (*producer)->Send(first).get();
  REQUIRE(sent.ok());
  CHECK(sent->partition == 0);

  REQUIRE(admin->CreatePartitions(topic, 3).get().ok());
  const auto grown_at = steady_clock::now();

  // The consumer (the group's leader) sees 3 partitions at its next refresh
  // and rebalances: eager range revokes partition 0 and assigns all three.
  while (consumer->Assignment().size() != 3) {
    REQUIRE_MESSAGE(steady_clock::now() - grown_at < seconds(20), "the group never saw the new partitions");
    REQUIRE(consumer->Poll(milliseconds(50)).ok());
  }
  CHECK(events.lines == std::vector<std::string>{"assigned growing-0", "revoked growing-0",
                                                "assigned growing-0 growing-1 growing-2"});

  // The producer: keyed records go where murmur2 puts them among 3
  // partitions once its metadata is refreshed (within the max age, without
  // an error forcing it). Wait for one record to land on a new partition.
  const std::string probe_key = KeyFor(2, 3);
  int32_t landed = -1;
  while (landed != 2) {
    REQUIRE_MESSAGE(steady_clock::now() - grown_at < seconds(20), "the producer never used the new partitions");
    auto probe = (*producer)->Send({topic, probe_key, "probe"}).get();
    REQUIRE(probe.ok());
    landed = probe->partition;
    // Before the refresh it can only be partition 0.
    CHECK((landed == 0 || landed == 2));
    if (landed != 2) std::this_thread::sleep_for(milliseconds(100));
  }
  std::set<int32_t> used;
  for (int i = 0; i < 60; ++i) {
    const std::string key = "key-" + std::to_string(i);
    auto meta = (*producer)->Send({topic, key, "v" + std::to_string(i)}).get();
    REQUIRE(meta.ok());
    CHECK(meta->partition == PartitionForKey(key, 3));
    used.insert(meta->partition);
  }
  CHECK(used == std::set<int32_t>{0, 1, 2});

  // And the consumer reads them from the new partitions.
  std::vector<ConsumerRecord> read;
  const auto read_by = steady_clock::now() + seconds(30);
  std::set<int32_t> read_partitions;
  while (read_partitions.size() < 3) {
    REQUIRE(steady_clock::now() < read_by);
    auto polled = consumer->Poll(milliseconds(50));
    REQUIRE(polled.ok());
    for (const auto& r : *polled) read_partitions.insert(r.partition);
  }
  (*producer)->Close(seconds(5));
  CHECK(consumer->Close().ok());
}

// A subscribed topic that is deleted disappears from the metadata (the
// broker answers UNKNOWN_TOPIC_OR_PARTITION): the leader treats it as zero
// partitions, as the Java client's metadata snapshot does, and the group
// rebalances without it.
void DeletedTopicScenario(const std::string& assignor, const std::vector<std::string>& expected_events) {
  CairndProcess broker({"group.initial.rebalance.delay.ms=0"});
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "kept", 2);
  CreateTopicAndWait(*admin, "doomed", 2);
  ProduceSpread(broker, "kept", 2, 0, 10);
  ProduceSpread(broker, "doomed", 2, 0, 10);
  ConsumerConfig config = ConsumerConfigFor(broker, "g-deleted-" + assignor);
  config.assignor = assignor;
  config.metadata_max_age_ms = 500;
  Log events;
  auto consumer = MakeConsumer(config);
  REQUIRE(consumer->Subscribe({"kept", "doomed"}, &events).ok());
  CHECK(PollUntil(*consumer, 20).size() == 20);

  REQUIRE(admin->DeleteTopic("doomed").get().ok());
  const auto deleted_at = steady_clock::now();
  auto kept_only = [&] {
    std::vector<std::string> names;
    for (const auto& tpo : consumer->Assignment()) names.push_back(tpo.topic + "-" + std::to_string(tpo.partition));
    return names == std::vector<std::string>{"kept-0", "kept-1"};
  };
  while (!kept_only()) {
    REQUIRE_MESSAGE(steady_clock::now() - deleted_at < seconds(20), "the group never dropped the deleted topic");
    REQUIRE(consumer->Poll(milliseconds(50)).ok());
  }
  // Let a cooperative member's follow-up rebalance finish too.
  const auto settle_until = steady_clock::now() + milliseconds(1500);
  while (steady_clock::now() < settle_until) REQUIRE(consumer->Poll(milliseconds(50)).ok());
  CHECK(events.lines == expected_events);

  // The kept topic is read on from where it was.
  ProduceSpread(broker, "kept", 2, 10, 10);
  const std::vector<ConsumerRecord> more = PollUntil(*consumer, 10);
  CHECK(ValuesByPartition(more) == std::map<int32_t, std::vector<std::string>>{
                                       {0, {"v10", "v12", "v14", "v16", "v18"}}, {1, {"v11", "v13", "v15", "v17", "v19"}}});
  for (const auto& r : more) CHECK(r.topic == "kept");
  CHECK(consumer->Close().ok());
}

TEST_CASE("Consumer: a deleted subscribed topic is dropped from the assignment by a rebalance (range)") {
  DeletedTopicScenario("range", {"assigned doomed-0 doomed-1 kept-0 kept-1", "revoked doomed-0 doomed-1 kept-0 kept-1",
                                 "assigned kept-0 kept-1"});
}

TEST_CASE("Consumer: a deleted subscribed topic is dropped from the assignment by a rebalance (cooperative-sticky)") {
  DeletedTopicScenario("cooperative-sticky",
                       {"assigned doomed-0 doomed-1 kept-0 kept-1", "revoked doomed-0 doomed-1", "assigned", "assigned"});
}

// The group's leader watches the partition counts of every member's topics,
// not only of the ones it subscribes to itself: another member's topic
// growing rebalances the group too.
TEST_CASE("Consumer: partitions added to a topic only another member subscribes to reach that member") {
  CairndProcess broker({"group.initial.rebalance.delay.ms=0"});
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "leaders", 1);
  CreateTopicAndWait(*admin, "others", 1);
  ConsumerConfig config = ConsumerConfigFor(broker, "g-split");
  config.metadata_max_age_ms = 500;
  Log other_events;  // outlives the consumers, whose destructors may call it
  auto leader = MakeConsumer(config);
  auto other = MakeConsumer(config);
  // The first member to join leads the group.
  REQUIRE(leader->Subscribe({"leaders"}).ok());
  const auto joined_by = steady_clock::now() + seconds(30);
  while (leader->Assignment().size() != 1) {
    REQUIRE(steady_clock::now() < joined_by);
    REQUIRE(leader->Poll(milliseconds(50)).ok());
  }
  REQUIRE(other->Subscribe({"others"}, &other_events).ok());
  while (other->Assignment().size() != 1 || leader->Assignment().size() != 1) {
    REQUIRE(steady_clock::now() < joined_by);
    REQUIRE(leader->Poll(milliseconds(20)).ok());
    REQUIRE(other->Poll(milliseconds(20)).ok());
  }

  REQUIRE(admin->CreatePartitions("others", 3).get().ok());
  const auto grown_at = steady_clock::now();
  while (other->Assignment().size() != 3 || leader->Assignment().size() != 1) {
    REQUIRE_MESSAGE(steady_clock::now() - grown_at < seconds(20), "the group never saw the other member's new partitions");
    REQUIRE(leader->Poll(milliseconds(20)).ok());
    REQUIRE(other->Poll(milliseconds(20)).ok());
  }
  CHECK(other_events.lines == std::vector<std::string>{"assigned others-0", "revoked others-0",
                                                       "assigned others-0 others-1 others-2"});
  std::vector<std::string> leaders;
  for (const auto& tpo : leader->Assignment()) leaders.push_back(tpo.topic + "-" + std::to_string(tpo.partition));
  CHECK(leaders == std::vector<std::string>{"leaders-0"});

  // Records on the new partitions reach the other member.
  ProduceSpread(broker, "others", 3, 0, 9);
  std::vector<ConsumerRecord> read;
  const auto read_by = steady_clock::now() + seconds(30);
  while (read.size() < 9) {
    REQUIRE(steady_clock::now() < read_by);
    REQUIRE(leader->Poll(milliseconds(20)).ok());
    auto polled = other->Poll(milliseconds(20));
    REQUIRE(polled.ok());
    for (auto& r : *polled) read.push_back(std::move(r));
  }
  CHECK(ValuesByPartition(read) ==
        std::map<int32_t, std::vector<std::string>>{{0, {"v0", "v3", "v6"}}, {1, {"v1", "v4", "v7"}}, {2, {"v2", "v5", "v8"}}});
  CHECK(other->Close().ok());
  CHECK(leader->Close().ok());
}

}  // namespace
}  // namespace cairn::client::testing
