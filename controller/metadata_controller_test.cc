// Three MetadataControllers in one process on real loopback sockets and real
// files (one shard and one temp data dir each): commands submitted on any
// node are served by the active controller, every node applies the same
// records into the same image, fencing follows silence, and a node restarted
// on its data dir rebuilds the same image. A fourth node, not a voter, joins
// as a learner when it registers as a broker.
#include "controller/metadata_controller.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <set>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "common/error_reason.h"
#include "io/posix_file_system.h"
#include "io/shard.h"
#include "io/testing/free_port.h"
#include "io/testing/run_on_shard.h"
#include "io/testing/tcp_support.h"
#include "io/testing/temp_dir.h"

namespace cairn::controller {
namespace {

using namespace std::chrono_literals;
using io::testing::Eventually;
using io::testing::RunOnShard;
using metadata::MetadataImage;

constexpr int kNodes = 3;        // voters: nodes 1-3 at indexes 0-2
constexpr int kLearner = kNodes;  // node 4, a broker-only node, when started
constexpr int kSlots = kNodes + 1;

controllerpb::ControllerRequest Register(int32_t broker) {
  controllerpb::ControllerRequest request;
  auto* r = request.mutable_register_broker();
  r->set_broker_id(broker);
  r->set_incarnation_id(std::string(16, static_cast<char>(broker)));
  auto* e = r->add_endpoints();
  e->set_name("PLAINTEXT");
  e->set_host("127.0.0.1");
  e->set_port(9000 + broker);
  return request;
}

controllerpb::ControllerRequest CreateTopic(const std::string& name, int32_t partitions, int32_t replicas,
                                            uint8_t id) {
  controllerpb::ControllerRequest request;
  auto* c = request.mutable_create_topic();
  c->set_name(name);
  c->set_topic_id(std::string(16, static_cast<char>(id)));
  c->set_partitions(partitions);
  c->set_replication_factor(replicas);
  return request;
}

controllerpb::ControllerRequest Heartbeat(int32_t broker, int64_t epoch) {
  controllerpb::ControllerRequest request;
  request.mutable_broker_heartbeat()->set_broker_id(broker);
  request.mutable_broker_heartbeat()->set_broker_epoch(epoch);
  return request;
}

class Quorum {
 public:
  explicit Quorum(std::chrono::milliseconds session_timeout = 60s, uint64_t snapshot_after_bytes = 0)
      : session_timeout_(session_timeout), snapshot_after_bytes_(snapshot_after_bytes) {
    CAIRN_CHECK(runtime_.Start(kSlots).ok());
    for (int i = 0; i < kNodes; ++i) {
      voters_.push_back(PeerAddress{raft::NodeId(i + 1), "127.0.0.1", io::testing::FreeLoopbackPort()});
    }
    learner_port_ = io::testing::FreeLoopbackPort();
    for (int i = 0; i < kNodes; ++i) Start(i);
  }
  ~Quorum() {
    for (int i = 0; i < kSlots; ++i) Stop(i);
    runtime_.Stop();
  }

  void Start(int i) {
    RunOnShard(runtime_.shard(i), [&, i] {
      if (fs_[i] == nullptr) fs_[i] = std::make_unique<io::PosixFileSystem>(&runtime_.shard(i).ring());
      MetadataController::Options options;
      options.raft.id = raft::NodeId(i + 1);
      options.raft.cluster_id = "test-cluster";
      options.raft.data_dir = dirs_[i].path + "/raft";
      options.raft.voters = voters_;
      options.raft.learner_host = "127.0.0.1";
      options.raft.learner_port = learner_port_;  // used by the learner only
      options.raft.random_seed = 77 + i;
      options.session_timeout = session_timeout_;
      options.fence_check_interval = 100ms;
      options.raft.snapshot_after_bytes = snapshot_after_bytes_;
      auto controller = MetadataController::Start(runtime_.shard(i), *fs_[i], options,
                                                  [this, i](std::shared_ptr<const MetadataImage> image, uint64_t) {
                                                    std::lock_guard lock(mu_);
                                                    published_[i] = std::move(image);
                                                  });
      CAIRN_CHECK(controller.ok()) << controller.status();
      nodes_[i] = *std::move(controller);
    });
  }
  void Stop(int i) {
    RunOnShard(runtime_.shard(i), [&] { nodes_[i].reset(); });
  }

  // Submits on node i and waits for the reply.
  controllerpb::ControllerReply Submit(int i, controllerpb::ControllerRequest request) {
    std::promise<controllerpb::ControllerReply> reply;
    auto future = reply.get_future();
    RunOnShard(runtime_.shard(i), [&] {
      nodes_[i]->Submit(std::move(request),
                        [&reply](controllerpb::ControllerReply r) { reply.set_value(std::move(r)); });
    });
    CAIRN_CHECK(future.wait_for(60s) == std::future_status::ready);
    return future.get();
  }

  // Submits every request on node i in one go, without waiting; the
  // callbacks run on node i's shard.
  using Callback = std::function<void(controllerpb::ControllerReply)>;
  void SubmitAll(int i, std::vector<std::pair<controllerpb::ControllerRequest, Callback>> requests) {
    RunOnShard(runtime_.shard(i), [&] {
      for (auto& [request, done] : requests) nodes_[i]->Submit(std::move(request), std::move(done));
    });
  }

  std::string SnapshotFile(int i) const { return dirs_[i].path + "/raft/snapshot"; }

  std::shared_ptr<const MetadataImage> Image(int i) {
    return RunOnShard(runtime_.shard(i), [&] { return nodes_[i]->image(); });
  }
  uint64_t Applied(int i) {
    return RunOnShard(runtime_.shard(i), [&] { return nodes_[i]->applied_index(); });
  }
  raft::ConfState Conf(int i) {
    return RunOnShard(runtime_.shard(i), [&] { return nodes_[i]->conf_state(); });
  }
  bool IsLeader(int i) {
    return RunOnShard(runtime_.shard(i), [&] { return nodes_[i]->is_leader(); });
  }
  uint16_t learner_port() const { return learner_port_; }
  std::shared_ptr<const MetadataImage> Published(int i) {
    std::lock_guard lock(mu_);
    return published_[i];
  }
  int Leader() {
    for (int i = 0; i < kNodes; ++i) {
      if (nodes_[i] != nullptr && RunOnShard(runtime_.shard(i), [&] { return nodes_[i]->is_leader(); })) return i;
    }
    return -1;
  }
  bool SameImageEverywhere() {
    std::shared_ptr<const MetadataImage> first;
    for (int i = 0; i < kSlots; ++i) {
      if (nodes_[i] == nullptr) continue;
      auto image = Image(i);
      if (first != nullptr && !(*image == *first)) return false;
      first = image;
    }
    return true;
  }

 private:
  const std::chrono::milliseconds session_timeout_;
  const uint64_t snapshot_after_bytes_;
  io::ShardRuntime runtime_;
  std::array<io::testing::TempDir, kSlots> dirs_;
  std::array<std::unique_ptr<io::PosixFileSystem>, kSlots> fs_;
  std::array<std::unique_ptr<MetadataController>, kSlots> nodes_;
  std::vector<PeerAddress> voters_;
  uint16_t learner_port_ = 0;
  std::mutex mu_;
  std::array<std::shared_ptr<const MetadataImage>, kSlots> published_;
};

int Follower(Quorum& quorum) {
  int leader = -1;
  REQUIRE(Eventually([&] { return (leader = quorum.Leader()) >= 0; }));
  return (leader + 1) % kNodes;
}

TEST_CASE("MetadataController: commands submitted on a follower commit once, and every node has the same image") {
  Quorum quorum;
  const int follower = Follower(quorum);
  for (int32_t broker = 1; broker <= 3; ++broker) {
    controllerpb::ControllerReply reply = quorum.Submit(follower, Register(broker));
    INFO(StatusFromReply(reply).ToString());
    REQUIRE(StatusFromReply(reply).ok());
    CHECK(reply.broker_epoch() == broker);  // epochs are assigned in order, from 1
    CHECK(reply.applied_index() > 0);
  }
  controllerpb::ControllerReply created = quorum.Submit(follower, CreateTopic("orders", 3, 3, 7));
  REQUIRE(StatusFromReply(created).ok());

  // The same name again, on another node: refused by the state machine.
  controllerpb::ControllerReply again = quorum.Submit((follower + 1) % kNodes, CreateTopic("orders", 1, 1, 8));
  const absl::Status refused = StatusFromReply(again);
  CHECK(absl::IsAlreadyExists(refused));
  CHECK(GetReason(refused) == ErrorReason::kTopicAlreadyExists);

  // Replication factor above the live brokers.
  const absl::Status too_many = StatusFromReply(quorum.Submit(follower, CreateTopic("wide", 1, 4, 9)));
  CHECK(GetReason(too_many) == ErrorReason::kInvalidReplicationFactor);

  REQUIRE(Eventually([&] {
    for (int i = 0; i < kNodes; ++i) {
      if (quorum.Image(i)->FindTopic("orders") == nullptr) return false;
    }
    return quorum.SameImageEverywhere();
  }));
  const std::shared_ptr<const MetadataImage> image = quorum.Image(0);
  const metadata::TopicMeta* orders = image->FindTopic("orders");
  REQUIRE(orders->partitions.size() == 3);
  // Leaders spread over the three brokers, every replica in the ISR.
  std::set<int32_t> leaders;
  for (const metadata::PartitionInfo& p : orders->partitions) {
    CHECK(p.replicas.size() == 3);
    CHECK(p.isr == p.replicas);
    leaders.insert(p.leader);
  }
  CHECK(leaders == std::set<int32_t>{1, 2, 3});
  CHECK(image->FindTopic("wide") == nullptr);
  // What the owner was handed is the image itself.
  CHECK(*quorum.Published(0) == *image);
}

TEST_CASE("MetadataController: a command submitted while the leader is down commits on the next one") {
  Quorum quorum;
  int leader = -1;
  REQUIRE(Eventually([&] { return (leader = quorum.Leader()) >= 0; }));
  REQUIRE(StatusFromReply(quorum.Submit(leader, Register(1))).ok());
  quorum.Stop(leader);
  const int survivor = (leader + 1) % kNodes;
  // Submitted at once: it waits for the election, then is forwarded or served.
  controllerpb::ControllerReply reply = quorum.Submit(survivor, CreateTopic("after-failover", 2, 1, 3));
  REQUIRE(StatusFromReply(reply).ok());
  for (int i = 0; i < kNodes; ++i) {
    if (i == leader) continue;
    REQUIRE(Eventually([&] { return quorum.Image(i)->FindTopic("after-failover") != nullptr; }));
  }
  // The old leader comes back on its data dir and catches up to the same image.
  quorum.Start(leader);
  REQUIRE(Eventually([&] { return quorum.Image(leader)->FindTopic("after-failover") != nullptr; }));
  REQUIRE(Eventually([&] { return quorum.SameImageEverywhere(); }));
}

TEST_CASE("MetadataController: a silent broker is fenced and loses leadership, registering again unfences it") {
  Quorum quorum(/*session_timeout=*/1500ms);
  const int follower = Follower(quorum);
  std::array<int64_t, 3> epochs{};
  for (int32_t broker = 1; broker <= 2; ++broker) {
    controllerpb::ControllerReply reply = quorum.Submit(follower, Register(broker));
    REQUIRE(StatusFromReply(reply).ok());
    epochs[broker] = reply.broker_epoch();
  }
  REQUIRE(StatusFromReply(quorum.Submit(follower, CreateTopic("t", 2, 2, 5))).ok());
  // Broker 1 keeps heartbeating; broker 2 falls silent.
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) {
    REQUIRE(StatusFromReply(quorum.Submit(follower, Heartbeat(1, epochs[1]))).ok());
    std::this_thread::sleep_for(300ms);
  }
  REQUIRE(Eventually([&] {
    auto image = quorum.Image(follower);
    return image->FindBroker(2)->fenced && !image->FindBroker(1)->fenced;
  }));
  const std::shared_ptr<const MetadataImage> image = quorum.Image(follower);
  for (const metadata::PartitionInfo& p : image->FindTopic("t")->partitions) {
    CHECK(p.leader == 1);
    CHECK(p.isr == std::vector<int32_t>{1});
  }
  // A fenced broker's heartbeat is refused: it must register again.
  CHECK(absl::IsFailedPrecondition(StatusFromReply(quorum.Submit(follower, Heartbeat(2, epochs[2])))));
  controllerpb::ControllerReply again = quorum.Submit(follower, Register(2));
  REQUIRE(StatusFromReply(again).ok());
  CHECK(again.broker_epoch() > epochs[2]);
  REQUIRE(Eventually([&] { return !quorum.Image(follower)->FindBroker(2)->fenced; }));
}

TEST_CASE("MetadataController: heartbeats are answered at once, not behind queued proposals") {
  // Each create commits on its own; had the heartbeat waited its turn, a
  // burst of admin commands would outlast broker sessions.
  Quorum quorum;
  int leader = -1;
  REQUIRE(Eventually([&] { return (leader = quorum.Leader()) >= 0; }));
  controllerpb::ControllerReply registered = quorum.Submit(leader, Register(1));
  REQUIRE(StatusFromReply(registered).ok());

  constexpr int kCreates = 50;
  std::mutex mu;
  std::vector<std::string> order;  // replies as they arrive
  auto record = [&](std::string what) {
    return [&mu, &order, what](controllerpb::ControllerReply reply) {
      std::lock_guard lock(mu);
      order.push_back(StatusFromReply(reply).ok() ? what : what + " failed: " + reply.error_message());
    };
  };
  std::vector<std::pair<controllerpb::ControllerRequest, Quorum::Callback>> requests;
  for (int t = 0; t < kCreates; ++t) {
    requests.emplace_back(CreateTopic("burst-" + std::to_string(t), 1, 1, static_cast<uint8_t>(t + 1)),
                          record("create"));
  }
  requests.emplace_back(Heartbeat(1, registered.broker_epoch()), record("heartbeat"));
  // A heartbeat with a stale epoch is still refused on this path.
  requests.emplace_back(Heartbeat(1, registered.broker_epoch() + 7), record("stale heartbeat"));
  quorum.SubmitAll(leader, std::move(requests));
  REQUIRE(Eventually([&] {
    std::lock_guard lock(mu);
    return order.size() == kCreates + 2;
  }));
  std::lock_guard lock(mu);
  const auto heartbeat = std::find(order.begin(), order.end(), "heartbeat");
  REQUIRE(heartbeat != order.end());
  // Queued behind the creates it would have come last; answered at once it
  // comes before all but the first few (which may commit meanwhile).
  CHECK(heartbeat - order.begin() < kCreates / 2);
  CHECK(std::count(order.begin(), order.end(), "create") == kCreates);
  CHECK(std::count_if(order.begin(), order.end(), [](const std::string& s) {
          return s.rfind("stale heartbeat failed: ", 0) == 0;
        }) == 1);
}

TEST_CASE("MetadataController: a burst of commands shares entries, each validated after the ones before it") {
  Quorum quorum;
  int leader = -1;
  REQUIRE(Eventually([&] { return (leader = quorum.Leader()) >= 0; }));
  for (int32_t broker = 1; broker <= 3; ++broker) REQUIRE(StatusFromReply(quorum.Submit(leader, Register(broker))).ok());

  // 60 creates, where every tenth repeats the name before it: queued
  // together, the repeat must still see the first as existing.
  constexpr int kCommands = 60;
  std::mutex mu;
  std::vector<controllerpb::ControllerReply> replies(kCommands);
  int answered = 0;
  std::vector<std::pair<controllerpb::ControllerRequest, Quorum::Callback>> requests;
  for (int c = 0; c < kCommands; ++c) {
    const int name = c % 10 == 9 ? c - 1 : c;
    requests.emplace_back(CreateTopic("burst-" + std::to_string(name), 3, 1, static_cast<uint8_t>(c + 1)),
                          [&, c](controllerpb::ControllerReply reply) {
                            std::lock_guard lock(mu);
                            replies[c] = std::move(reply);
                            ++answered;
                          });
  }
  quorum.SubmitAll(leader, std::move(requests));
  REQUIRE(Eventually([&] {
    std::lock_guard lock(mu);
    return answered == kCommands;
  }));
  std::set<uint64_t> entries;
  for (int c = 0; c < kCommands; ++c) {
    const absl::Status status = StatusFromReply(replies[c]);
    INFO("command ", c, ": ", status.ToString());
    if (c % 10 == 9) {
      CHECK(GetReason(status) == ErrorReason::kTopicAlreadyExists);
    } else {
      REQUIRE(status.ok());
      entries.insert(replies[c].applied_index());
    }
  }
  // Fewer entries than commands: the ones queued behind the first commit
  // together.
  CHECK(entries.size() < kCommands / 2);
  REQUIRE(Eventually([&] { return quorum.SameImageEverywhere(); }));
  const std::shared_ptr<const MetadataImage> image = quorum.Image(leader);
  int topics = 0;
  for (const auto& [name, topic] : image->topics) {
    if (name.rfind("burst-", 0) != 0) continue;
    ++topics;
    CHECK(topic.partitions.size() == 3);
    // Each topic spread its three partitions over the three brokers.
    std::set<int32_t> leaders;
    for (const metadata::PartitionInfo& p : topic.partitions) leaders.insert(p.leader);
    CHECK(leaders.size() == 3);
  }
  CHECK(topics == kCommands - kCommands / 10);
}

TEST_CASE("MetadataController: snapshots compact the log, a restart and a lagging follower restore from them") {
  Quorum quorum(/*session_timeout=*/60s, /*snapshot_after_bytes=*/512);
  int leader = -1;
  REQUIRE(Eventually([&] { return (leader = quorum.Leader()) >= 0; }));
  REQUIRE(StatusFromReply(quorum.Submit(leader, Register(1))).ok());
  const int lagging = (leader + 1) % kNodes;
  quorum.Stop(lagging);
  // Each creation is a ~100-byte entry: 30 of them cross the threshold
  // several times, so the two running nodes snapshot and compact.
  for (int t = 0; t < 30; ++t) {
    const std::string name = "topic-" + std::to_string(t);
    REQUIRE(StatusFromReply(quorum.Submit(leader, CreateTopic(name, 1, 1, static_cast<uint8_t>(t + 1)))).ok());
  }
  REQUIRE(std::filesystem::exists(quorum.SnapshotFile(leader)));
  // The lagging node's missing entries are gone from the leader's log: it
  // catches up from the leader's snapshot, then the entries after it.
  quorum.Start(lagging);
  REQUIRE(Eventually([&] { return quorum.Image(lagging)->topics.size() == 30; }));
  REQUIRE(Eventually([&] { return quorum.SameImageEverywhere(); }));
  CHECK(*quorum.Published(lagging) == *quorum.Image(lagging));  // the owner heard of the restored image
  // A restart restores the snapshot on disk, then replays what follows it.
  const int other = (leader + 2) % kNodes;
  quorum.Stop(other);
  quorum.Start(other);
  REQUIRE(Eventually([&] { return quorum.SameImageEverywhere() && quorum.Image(other)->topics.size() == 30; }));
}

// The learner's registration, carrying its controller endpoint.
controllerpb::ControllerRequest RegisterLearner(Quorum& quorum) {
  controllerpb::ControllerRequest request = Register(kLearner + 1);
  auto* endpoint = request.mutable_register_broker()->mutable_controller_endpoint();
  endpoint->set_name("CONTROLLER");
  endpoint->set_host("127.0.0.1");
  endpoint->set_port(quorum.learner_port());
  return request;
}

bool CaughtUp(Quorum& quorum, int leader, int node) {
  return quorum.Applied(node) == quorum.Applied(leader) && quorum.SameImageEverywhere();
}

TEST_CASE("MetadataController: a broker-only node registers, becomes a learner and applies every entry") {
  Quorum quorum;
  int leader = -1;
  REQUIRE(Eventually([&] { return (leader = quorum.Leader()) >= 0; }));
  for (int32_t broker = 1; broker <= 3; ++broker) REQUIRE(StatusFromReply(quorum.Submit(leader, Register(broker))).ok());
  REQUIRE(StatusFromReply(quorum.Submit(leader, CreateTopic("before", 3, 1, 1))).ok());

  // Node 4 is not a voter: it knows no leader until it is a learner, so its
  // registration goes to a voter, which adds it, then registers it.
  quorum.Start(kLearner);
  controllerpb::ControllerReply joined = quorum.Submit(kLearner, RegisterLearner(quorum));
  INFO(StatusFromReply(joined).ToString());
  REQUIRE(StatusFromReply(joined).ok());
  CHECK(joined.broker_epoch() == 4);
  for (int i = 0; i < kNodes; ++i) {
    REQUIRE(Eventually([&] { return quorum.Conf(i).learners == std::vector<raft::NodeId>{raft::NodeId(4)}; }));
    CHECK(quorum.Conf(i).voters == (std::vector<raft::NodeId>{raft::NodeId(1), raft::NodeId(2), raft::NodeId(3)}));
  }
  // Everything from index 1 on reaches it: the same image, and its broker.
  REQUIRE(Eventually([&] { return CaughtUp(quorum, leader, kLearner); }));
  CHECK(quorum.Image(kLearner)->FindTopic("before") != nullptr);
  CHECK(quorum.Image(kLearner)->FindBroker(4) != nullptr);
  CHECK(quorum.Conf(kLearner).learners == std::vector<raft::NodeId>{raft::NodeId(4)});

  // Commands submitted on the learner are forwarded like any node's.
  REQUIRE(StatusFromReply(quorum.Submit(kLearner, CreateTopic("from-learner", 2, 1, 2))).ok());
  REQUIRE(Eventually([&] { return CaughtUp(quorum, leader, kLearner); }));

  // A restart: it replays its own log, then receives what it missed.
  quorum.Stop(kLearner);
  REQUIRE(StatusFromReply(quorum.Submit(leader, CreateTopic("while-down", 1, 1, 3))).ok());
  quorum.Start(kLearner);
  REQUIRE(Eventually([&] { return CaughtUp(quorum, leader, kLearner); }));
  CHECK(quorum.Image(kLearner)->FindTopic("while-down") != nullptr);
  // Registering again at the same address adds no second conf change.
  const uint64_t before = quorum.Applied(leader);
  REQUIRE(StatusFromReply(quorum.Submit(kLearner, RegisterLearner(quorum))).ok());
  REQUIRE(Eventually([&] { return CaughtUp(quorum, leader, kLearner); }));
  CHECK(quorum.Applied(leader) == before + 1);  // the registration's records only

  // The learner never votes: with two of three voters gone, the one left and
  // the learner form no quorum, however long they wait.
  const int survivor = (leader + 1) % kNodes;
  for (int i = 0; i < kNodes; ++i) {
    if (i != survivor) quorum.Stop(i);
  }
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(200ms);
    // A leader cut off from its quorum steps down within an election timeout.
    if (std::chrono::steady_clock::now() > until - 2s) CHECK_FALSE(quorum.IsLeader(survivor));
    CHECK_FALSE(quorum.IsLeader(kLearner));
  }
}

TEST_CASE("MetadataController: voters restarted from a snapshot still reach the learner") {
  Quorum quorum(/*session_timeout=*/60s, /*snapshot_after_bytes=*/512);
  int leader = -1;
  REQUIRE(Eventually([&] { return (leader = quorum.Leader()) >= 0; }));
  REQUIRE(StatusFromReply(quorum.Submit(leader, Register(1))).ok());
  quorum.Start(kLearner);
  REQUIRE(StatusFromReply(quorum.Submit(kLearner, RegisterLearner(quorum))).ok());
  // Enough entries that the AddLearner entry is compacted into snapshots.
  for (int t = 0; t < 30; ++t) {
    const std::string name = "topic-" + std::to_string(t);
    REQUIRE(StatusFromReply(quorum.Submit(leader, CreateTopic(name, 1, 1, static_cast<uint8_t>(t + 1)))).ok());
  }
  for (int i = 0; i < kNodes; ++i) REQUIRE(std::filesystem::exists(quorum.SnapshotFile(i)));
  // Every voter restarts: the learner's address can only come from the
  // snapshot now.
  for (int i = 0; i < kNodes; ++i) quorum.Stop(i);
  for (int i = 0; i < kNodes; ++i) quorum.Start(i);
  REQUIRE(Eventually([&] { return (leader = quorum.Leader()) >= 0; }));
  CHECK(quorum.Conf(leader).learners == std::vector<raft::NodeId>{raft::NodeId(4)});
  REQUIRE(StatusFromReply(quorum.Submit(leader, CreateTopic("after-restart", 1, 1, 99))).ok());
  REQUIRE(Eventually([&] { return quorum.Image(kLearner)->FindTopic("after-restart") != nullptr; }));
  REQUIRE(Eventually([&] { return CaughtUp(quorum, leader, kLearner); }));
  CHECK(quorum.Image(kLearner)->topics.size() == 31);
}

TEST_CASE("MetadataController: a non-voter registering without a controller endpoint is refused") {
  Quorum quorum;
  int leader = -1;
  REQUIRE(Eventually([&] { return (leader = quorum.Leader()) >= 0; }));
  const absl::Status refused = StatusFromReply(quorum.Submit(leader, Register(7)));
  CHECK(absl::IsInvalidArgument(refused));
  CHECK(refused.message() ==
        "broker 7 is not a controller voter, so it must give the controller endpoint where it follows the "
        "metadata log as a learner");
  CHECK(quorum.Conf(leader).learners.empty());
}

TEST_CASE("MetadataController: status and reply convert both ways, reason included") {
  const absl::Status status =
      WithReason(absl::InvalidArgumentError("Topic 'x' collides"), ErrorReason::kInvalidTopic);
  const absl::Status back = StatusFromReply(ReplyFromStatus(status));
  CHECK(back.code() == absl::StatusCode::kInvalidArgument);
  CHECK(back.message() == "Topic 'x' collides");
  CHECK(GetReason(back) == ErrorReason::kInvalidTopic);
  CHECK(StatusFromReply(ReplyFromStatus(absl::OkStatus())).ok());
  controllerpb::ControllerReply bogus;
  bogus.set_status_code(999);
  bogus.set_error_reason(12345);
  CHECK(StatusFromReply(bogus).code() == absl::StatusCode::kUnknown);
  CHECK_FALSE(GetReason(StatusFromReply(bogus)).has_value());
}

}  // namespace
}  // namespace cairn::controller
