// Consumer groups on a real cairnd: three Cairn consumers sharing a topic
// (range and cooperative-sticky), a member leaving mid-stream, and a mixed
// group with a librdkafka member, and commits made in OnRevoked while a
// member closes or unsubscribes.
#include <algorithm>
#include <set>

#include "client/integration/consumer_test_support.h"
#include "client/group/group_errors.h"
#include "client/integration/rdkafka_peer.h"
#include "client/kafka_error.h"

namespace cairn::client::testing {
namespace {

constexpr int kPartitions = 6;

// Polls every consumer in turn (one thread, like three applications taking
// turns) until `done` holds; fails after `limit`.
template <typename Done>
void PollAll(std::vector<Consumer*> consumers, std::vector<ConsumerRecord>& sink, Done done,
             std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "gave up waiting; have ", sink.size());
    for (Consumer* c : consumers) {
      auto polled = c->Poll(std::chrono::milliseconds(20));
      REQUIRE_MESSAGE(polled.ok(), polled.status().ToString());
      for (auto& r : *polled) sink.push_back(std::move(r));
      // Commit what was read; a commit refused mid-rebalance is retried by
      // the next one, and revocation commits on its own (auto commit).
      if (!polled->empty()) (void)c->CommitSync();
    }
  }
}

bool EachHas(const std::vector<Consumer*>& consumers, size_t partitions) {
  for (Consumer* c : consumers) {
    if (c->Assignment().size() != partitions) return false;
  }
  return true;
}

// Every produced value v<i> was read exactly once, in order per partition.
void CheckExactlyOnce(const std::vector<ConsumerRecord>& read, int total) {
  std::map<int32_t, std::vector<std::string>> expected;
  for (int i = 0; i < total; ++i) expected[i % kPartitions].push_back("v" + std::to_string(i));
  CHECK(ValuesByPartition(read) == expected);
}

void GroupScenario(const std::string& assignor) {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  const std::string topic = "shared";
  CreateTopicAndWait(*admin, topic, kPartitions);
  std::vector<std::unique_ptr<Consumer>> owned;
  for (int i = 0; i < 3; ++i) {
    ConsumerConfig config = ConsumerConfigFor(broker, "g-" + assignor);
    config.assignor = assignor;
    config.client_id = "member-" + std::to_string(i);
    config.max_poll_records = 7;  // many small polls: commits land mid-stream
    owned.push_back(MakeConsumer(config));
    REQUIRE(owned.back()->Subscribe({topic}).ok());
  }
  std::vector<Consumer*> all = {owned[0].get(), owned[1].get(), owned[2].get()};
  std::vector<ConsumerRecord> read;
  PollAll(all, read, [&] { return EachHas(all, 2); });
  // Together the three own every partition once.
  std::set<int32_t> union_of;
  for (Consumer* c : all) {
    for (const auto& tpo : c->Assignment()) union_of.insert(tpo.partition);
  }
  CHECK(union_of.size() == kPartitions);

  ProduceSpread(broker, topic, kPartitions, 0, 300);
  PollAll(all, read, [&] { return read.size() >= 300; });
  CheckExactlyOnce(read, 300);

  // Member 2 leaves in the middle of the stream: its positions are committed
  // on close, and the survivors continue from there.
  ProduceSpread(broker, topic, kPartitions, 300, 300);
  auto some = owned[2]->Poll(std::chrono::milliseconds(500));
  REQUIRE(some.ok());
  for (auto& r : *some) read.push_back(std::move(r));
  REQUIRE(owned[2]->Close().ok());
  std::vector<Consumer*> survivors = {owned[0].get(), owned[1].get()};
  PollAll(survivors, read, [&] { return read.size() >= 600 && EachHas(survivors, 3); });
  // Anything extra (a duplicate) shows up within a few more polls.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
  PollAll(survivors, read, [&] { return std::chrono::steady_clock::now() >= until; });
  CheckExactlyOnce(read, 600);
  for (Consumer* c : survivors) CHECK(c->Close().ok());
}

TEST_CASE("Three Cairn consumers (range) share a topic and survive a member leaving") { GroupScenario("range"); }

TEST_CASE("Three Cairn consumers (cooperative-sticky) share a topic and survive a member leaving") {
  GroupScenario("cooperative-sticky");
}

TEST_CASE("A Cairn consumer and a librdkafka consumer share one group's partitions") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  const std::string topic = "mixed";
  CreateTopicAndWait(*admin, topic, 4);
  auto cairn = MakeConsumer(ConsumerConfigFor(broker, "mixed-group"));
  REQUIRE(cairn->Subscribe({topic}).ok());
  RdkafkaGroupMember peer(broker.bootstrap(), "mixed-group", "rdkafka-member", topic);

  std::vector<PeerRecord> by_peer;
  std::vector<ConsumerRecord> by_cairn;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!(cairn->Assignment().size() == 2 && peer.AssignedPartitions().size() == 2)) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    REQUIRE(cairn->Poll(std::chrono::milliseconds(20)).ok());
    for (auto& r : peer.PollFor(std::chrono::milliseconds(20))) by_peer.push_back(r);
  }
  std::set<int32_t> cairn_partitions;
  for (const auto& tpo : cairn->Assignment()) cairn_partitions.insert(tpo.partition);
  std::vector<int32_t> peer_partitions = peer.AssignedPartitions();
  for (int32_t p : peer_partitions) CHECK(cairn_partitions.count(p) == 0);

  ProduceSpread(broker, topic, 4, 0, 200);
  while (by_peer.size() + by_cairn.size() < 200) {
    REQUIRE(std::chrono::steady_clock::now() < deadline + std::chrono::seconds(30));
    auto polled = cairn->Poll(std::chrono::milliseconds(20));
    REQUIRE(polled.ok());
    for (auto& r : *polled) by_cairn.push_back(std::move(r));
    for (auto& r : peer.PollFor(std::chrono::milliseconds(20))) by_peer.push_back(r);
  }
  CHECK(by_cairn.size() == 100);
  CHECK(by_peer.size() == 100);
  for (const auto& r : by_cairn) CHECK(cairn_partitions.count(r.partition) == 1);
  for (const auto& r : by_peer) {
    CHECK(std::find(peer_partitions.begin(), peer_partitions.end(), r.partition) != peer_partitions.end());
  }
  CHECK(cairn->Close().ok());
  peer.Close();
}

// Commits the revoked partitions' positions from inside OnRevoked, as a
// manual-commit application does, and records what each commit returned.
struct CommitOnRevoke : RebalanceListener {
  Consumer* consumer = nullptr;
  std::vector<absl::Status> commits;
  void OnRevoked(const std::vector<TopicPartitionOffset>& partitions) override {
    std::vector<TopicPartitionOffset> positions;
    for (const TopicPartitionOffset& p : consumer->Positions()) {
      for (const TopicPartitionOffset& r : partitions) {
        if (r.topic == p.topic && r.partition == p.partition) positions.push_back(p);
      }
    }
    commits.push_back(consumer->CommitSync(positions));
  }
};

// Close and Unsubscribe revoke before the LeaveGroup goes out, so a commit
// made in OnRevoked still belongs to the member's generation (as in the
// Java client, whose onPartitionsRevoked runs before it leaves).
void CommitInOnRevokedWhileLeaving(const std::string& assignor, bool close) {
  CairndProcess broker({"group.initial.rebalance.delay.ms=0"});
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "leaving", 2);
  ProduceSpread(broker, "leaving", 2, 0, 20);
  ConsumerConfig config = ConsumerConfigFor(broker, "leaving-group");
  config.assignor = assignor;
  config.enable_auto_commit = false;
  auto consumer = MakeConsumer(config);
  CommitOnRevoke listener;
  listener.consumer = consumer.get();
  REQUIRE(consumer->Subscribe({"leaving"}, &listener).ok());
  const std::vector<ConsumerRecord> read = PollUntil(*consumer, 20);
  REQUIRE(read.size() == 20);
  CHECK(ValuesByPartition(read) ==
        std::map<int32_t, std::vector<std::string>>{{0, {"v0", "v2", "v4", "v6", "v8", "v10", "v12", "v14", "v16", "v18"}},
                                                    {1, {"v1", "v3", "v5", "v7", "v9", "v11", "v13", "v15", "v17", "v19"}}});
  if (close) {
    CHECK(consumer->Close().ok());
  } else {
    CHECK(consumer->Unsubscribe().ok());
  }
  REQUIRE(listener.commits.size() == 1);
  CHECK_MESSAGE(listener.commits[0].ok(), listener.commits[0].ToString());
  auto checker = MakeConsumer(ConsumerConfigFor(broker, "leaving-group"));
  auto committed = checker->Committed({{"leaving", 0, 0, {}}, {"leaving", 1, 0, {}}});
  REQUIRE(committed.ok());
  CHECK(*committed == std::vector<TopicPartitionOffset>{{"leaving", 0, 10, ""}, {"leaving", 1, 10, ""}});
  CHECK(checker->Close().ok());
  CHECK(consumer->Close().ok());
}

TEST_CASE("Consumer: a commit in OnRevoked during Close is stored (range)") {
  CommitInOnRevokedWhileLeaving("range", true);
}

TEST_CASE("Consumer: a commit in OnRevoked during Close is stored (cooperative-sticky)") {
  CommitInOnRevokedWhileLeaving("cooperative-sticky", true);
}

TEST_CASE("Consumer: a commit in OnRevoked during Unsubscribe is stored (range)") {
  CommitInOnRevokedWhileLeaving("range", false);
}

TEST_CASE("Consumer: a commit in OnRevoked during Unsubscribe is stored (cooperative-sticky)") {
  CommitInOnRevokedWhileLeaving("cooperative-sticky", false);
}

// A fatal group error ends the member's group membership for good (the
// membership is Failed): every Poll reports it, as the Java client's poll
// throws at every attempt, instead of one Poll and then silence. The group's
// other member is unaffected.
TEST_CASE("Consumer: a fatal group error (INCONSISTENT_GROUP_PROTOCOL) is reported by every Poll") {
  CairndProcess broker({"group.initial.rebalance.delay.ms=0"});
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "protocols", 2);
  ConsumerConfig range = ConsumerConfigFor(broker, "protocols-group");
  auto first = MakeConsumer(range);
  REQUIRE(first->Subscribe({"protocols"}).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (first->Assignment().size() != 2) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    REQUIRE(first->Poll(std::chrono::milliseconds(50)).ok());
  }
  ConsumerConfig cooperative = range;
  cooperative.assignor = "cooperative-sticky";  // no protocol in common with range
  auto second = MakeConsumer(cooperative);
  REQUIRE(second->Subscribe({"protocols"}).ok());
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<std::vector<ConsumerRecord>> polled = second->Poll(std::chrono::seconds(5));
    CHECK_MESSAGE(KafkaErrorCodeOf(polled.status()) == group::errors::kInconsistentGroupProtocol, "poll ", i, ": ",
                  polled.status().ToString());
    REQUIRE(first->Poll(std::chrono::milliseconds(20)).ok());
  }
  CHECK(second->Assignment().empty());
  // The first member still owns both partitions and reads them.
  ProduceSpread(broker, "protocols", 2, 0, 6);
  CHECK(ValuesByPartition(PollUntil(*first, 6)) ==
        std::map<int32_t, std::vector<std::string>>{{0, {"v0", "v2", "v4"}}, {1, {"v1", "v3", "v5"}}});
  CHECK(first->Assignment().size() == 2);
  CHECK(second->Close().ok());
  CHECK(first->Close().ok());
}

// Closes `consumer`, checking that Close took less than `limit`.
absl::Status CloseWithin(Consumer& consumer, std::chrono::milliseconds limit) {
  const auto started = std::chrono::steady_clock::now();
  absl::Status closed = consumer.Close();
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK_MESSAGE(took < limit, "Close took ", std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
                " ms");
  return closed;
}

// Close bounds its whole run by request.timeout.ms (the Java client's close
// timeout defaults to a fixed 30 s). With the broker gone, its commit used
// to wait a full request.timeout.ms, the auto commit before the revocation
// it then caused another, and the LeaveGroup a third: 3x the timeout.
TEST_CASE("Consumer: Close with auto commit returns within request.timeout.ms when the broker is gone") {
  CairndProcess broker({"group.initial.rebalance.delay.ms=0"});
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "gone", 2);
  ProduceSpread(broker, "gone", 2, 0, 20);
  ConsumerConfig config = ConsumerConfigFor(broker, "gone-group");
  config.request_timeout_ms = 2000;
  auto consumer = MakeConsumer(config);
  REQUIRE(consumer->Subscribe({"gone"}).ok());
  REQUIRE(PollUntil(*consumer, 20).size() == 20);
  broker.Kill9();
  const absl::Status closed = CloseWithin(*consumer, std::chrono::milliseconds(2500));
  // The commit could not be made, and Close says so.
  CHECK(absl::IsDeadlineExceeded(closed));
}

// The same limit holds for a commit the application makes in OnRevoked
// while Close runs: it gets what is left of Close's time, not a
// request.timeout.ms of its own after an asynchronous commit took the first.
TEST_CASE("Consumer: a CommitSync in OnRevoked during Close gets what is left of Close's request.timeout.ms") {
  CairndProcess broker({"group.initial.rebalance.delay.ms=0"});
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "gone-manual", 2);
  ProduceSpread(broker, "gone-manual", 2, 0, 20);
  ConsumerConfig config = ConsumerConfigFor(broker, "gone-manual-group");
  config.request_timeout_ms = 2000;
  config.enable_auto_commit = false;
  auto consumer = MakeConsumer(config);
  CommitOnRevoke listener;
  listener.consumer = consumer.get();
  REQUIRE(consumer->Subscribe({"gone-manual"}, &listener).ok());
  REQUIRE(PollUntil(*consumer, 20).size() == 20);
  broker.Kill9();
  std::vector<absl::Status> async_results;
  consumer->CommitAsync([&async_results](absl::Status s) { async_results.push_back(std::move(s)); });
  (void)CloseWithin(*consumer, std::chrono::milliseconds(2500));
  // Neither commit could be made, and each says so once.
  REQUIRE(async_results.size() == 1);
  CHECK_FALSE(async_results[0].ok());
  REQUIRE(listener.commits.size() == 1);
  CHECK(absl::IsDeadlineExceeded(listener.commits[0]));
}

}  // namespace
}  // namespace cairn::client::testing
