// Three RaftNodes in one process on real loopback sockets and real files
// (one shard and one temp data dir each): replication, identical apply order,
// and failover after the leader stops. Also RaftTransport on its own:
// redialing a peer that appears late, and refusing foreign or garbled frames.
#include "controller/raft_node.h"

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "io/posix_file_system.h"
#include "controller/raft_codec.h"
#include "io/shard.h"
#include "io/tcp_connector.h"
#include "io/testing/free_port.h"
#include "io/testing/run_on_shard.h"
#include "io/testing/temp_dir.h"

namespace cairn::controller {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using io::testing::RunOnShard;

constexpr int kNodes = 3;

bool Eventually(const std::function<bool()>& condition, std::chrono::seconds deadline = 30s) {
  const auto end = Clock::now() + deadline;
  while (Clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

struct Applied {
  raft::LogIndex index;
  raft::Term term;
  Buffer data;
  bool operator==(const Applied&) const = default;
};

class Cluster {
 public:
  Cluster() {
    CAIRN_CHECK(runtime_.Start(kNodes).ok());
    for (int i = 0; i < kNodes; ++i) {
      voters_.push_back(PeerAddress{raft::NodeId(i + 1), "127.0.0.1", io::testing::FreeLoopbackPort()});
    }
    for (int i = 0; i < kNodes; ++i) {
      RunOnShard(runtime_.shard(i), [&, i] {
        fs_[i] = std::make_unique<io::PosixFileSystem>(&runtime_.shard(i).ring());
        RaftNode::Options options;
        options.id = raft::NodeId(i + 1);
        options.cluster_id = "test-cluster";
        options.data_dir = dirs_[i].path + "/raft";
        options.voters = voters_;
        options.random_seed = 1000 + i;
        auto node = RaftNode::Start(runtime_.shard(i), *fs_[i], options,
                                    [this, i](const raft::Entry& entry) {
                                      std::lock_guard lock(mu_);
                                      applied_[i].push_back({entry.index, entry.term, entry.data});
                                    });
        CAIRN_CHECK(node.ok()) << node.status();
        nodes_[i] = *std::move(node);
      });
    }
  }
  ~Cluster() {
    for (int i = 0; i < kNodes; ++i) Stop(i);
    runtime_.Stop();
  }

  void Stop(int i) {
    RunOnShard(runtime_.shard(i), [&] { nodes_[i].reset(); });
  }
  bool running(int i) const { return nodes_[i] != nullptr; }

  // The one running node that is leader and that every running node follows.
  int Leader() {
    int leader = -1;
    for (int i = 0; i < kNodes; ++i) {
      if (!running(i)) continue;
      const bool is = RunOnShard(runtime_.shard(i), [&] { return nodes_[i]->is_leader(); });
      if (is) {
        if (leader >= 0) return -1;
        leader = i;
      }
    }
    if (leader < 0) return -1;
    for (int i = 0; i < kNodes; ++i) {
      if (!running(i)) continue;
      const raft::NodeId followed =
          RunOnShard(runtime_.shard(i), [&] { return nodes_[i]->leader(); });
      if (followed != raft::NodeId(leader + 1)) return -1;
    }
    return leader;
  }

  // Proposes `count` entries "<prefix><n>" on node `i`; true once all are
  // committed and applied there.
  bool ProposeAll(int i, const std::string& prefix, int count) {
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    RunOnShard(runtime_.shard(i), [&] {
      for (int n = 0; n < count; ++n) {
        const std::string text = absl::StrCat(prefix, n);
        nodes_[i]->Propose(Buffer(text.begin(), text.end()),
                           [&](absl::StatusOr<raft::LogIndex> index) {
                             (index.ok() ? ok : failed)++;
                           });
      }
    });
    const bool all = Eventually([&] { return ok + failed == count; });
    return all && failed == 0;
  }

  // The non-empty entries node i applied (the empty ones are new leaders').
  std::vector<Applied> Data(int i) {
    std::lock_guard lock(mu_);
    std::vector<Applied> out;
    for (const Applied& a : applied_[i]) {
      if (!a.data.empty()) out.push_back(a);
    }
    return out;
  }
  std::vector<Applied> All(int i) {
    std::lock_guard lock(mu_);
    return applied_[i];
  }

 private:
  io::ShardRuntime runtime_;
  std::array<io::testing::TempDir, kNodes> dirs_;
  std::array<std::unique_ptr<io::PosixFileSystem>, kNodes> fs_;
  std::array<std::unique_ptr<RaftNode>, kNodes> nodes_;
  std::vector<PeerAddress> voters_;
  std::mutex mu_;
  std::array<std::vector<Applied>, kNodes> applied_;
};

TEST_CASE("RaftNode: 3 nodes replicate 100 entries identically, then fail over and commit 10 more") {
  Cluster cluster;
  int leader = -1;
  const auto start = Clock::now();
  REQUIRE(Eventually([&] { return (leader = cluster.Leader()) >= 0; }));
  MESSAGE("first leader: node ", leader + 1, " after ",
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count(),
          " ms");

  REQUIRE(cluster.ProposeAll(leader, "a", 100));
  // Every node applies the same entries at the same indices in the same
  // order, empty leader entries included.
  REQUIRE(Eventually([&] {
    for (int i = 0; i < kNodes; ++i) {
      if (cluster.Data(i).size() < 100) return false;
    }
    return true;
  }));
  const std::vector<Applied> reference = cluster.Data(leader);
  REQUIRE(reference.size() == 100);
  for (int n = 0; n < 100; ++n) {
    CHECK(std::string(reference[n].data.begin(), reference[n].data.end()) == absl::StrCat("a", n));
    if (n > 0) CHECK(reference[n].index > reference[n - 1].index);
  }
  for (int i = 0; i < kNodes; ++i) {
    CHECK(cluster.Data(i) == reference);
    const auto all = cluster.All(i);
    for (size_t k = 1; k < all.size(); ++k) CHECK(all[k].index.value() == all[k - 1].index.value() + 1);
  }

  // Stop the leader; the two others elect a new one.
  const int old_leader = leader;
  cluster.Stop(old_leader);
  const auto stopped = Clock::now();
  REQUIRE(Eventually([&] { return (leader = cluster.Leader()) >= 0; }));
  const auto failover =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stopped);
  MESSAGE("new leader: node ", leader + 1, " elected ", failover.count(),
          " ms after the old leader stopped");
  CHECK(leader != old_leader);
  CHECK(failover < 10s);

  REQUIRE(cluster.ProposeAll(leader, "b", 10));
  REQUIRE(Eventually([&] {
    for (int i = 0; i < kNodes; ++i) {
      if (i != old_leader && cluster.Data(i).size() < 110) return false;
    }
    return true;
  }));
  const std::vector<Applied> after = cluster.Data(leader);
  REQUIRE(after.size() == 110);
  CHECK(std::vector<Applied>(after.begin(), after.begin() + 100) == reference);
  for (int n = 0; n < 10; ++n) {
    CHECK(std::string(after[100 + n].data.begin(), after[100 + n].data.end()) ==
          absl::StrCat("b", n));
  }
  for (int i = 0; i < kNodes; ++i) {
    if (i != old_leader) CHECK(cluster.Data(i) == after);
  }
}


// A transport on its own shard, recording what it receives.
struct TransportHost {
  TransportHost(RaftTransport::Options options) {
    shard = *io::Shard::Create(9);
    shard->Start(-1);
    RunOnShard(*shard, [&] {
      auto t = RaftTransport::Start(*shard, std::move(options), [this](raft::Message m) {
        std::lock_guard lock(mu);
        received.push_back(std::move(m));
      });
      CAIRN_CHECK(t.ok()) << t.status();
      transport = *std::move(t);
    });
  }
  ~TransportHost() {
    RunOnShard(*shard, [&] { transport.reset(); });
    shard->Stop();
  }
  size_t count() {
    std::lock_guard lock(mu);
    return received.size();
  }
  void Send(raft::NodeId from, raft::NodeId to, uint64_t term) {
    raft::Message m;
    m.type = raft::MessageType::kHeartbeat;
    m.from = from;
    m.to = to;
    m.term = raft::Term(term);
    RunOnShard(*shard, [&] { transport->Send(m); });
  }
  uint64_t rejected() {
    return RunOnShard(*shard, [&] { return transport->rejected_inbound(); });
  }

  std::unique_ptr<io::Shard> shard;
  std::unique_ptr<RaftTransport> transport;
  std::mutex mu;
  std::vector<raft::Message> received;
};

RaftTransport::Options TransportOptions(const std::string& cluster, int self, uint16_t port,
                                        int peer, uint16_t peer_port) {
  RaftTransport::Options options;
  options.cluster_id = cluster;
  options.self = raft::NodeId(self);
  options.listen_port = port;
  options.peers.push_back(PeerAddress{raft::NodeId(peer), "127.0.0.1", peer_port});
  return options;
}

TEST_CASE("RaftTransport: drops while the peer is absent, redials, then delivers in order") {
  const uint16_t port_a = io::testing::FreeLoopbackPort();
  const uint16_t port_b = io::testing::FreeLoopbackPort();
  TransportHost a(TransportOptions("c", 1, port_a, 2, port_b));
  a.Send(raft::NodeId(1), raft::NodeId(2), 1);  // nobody listens yet
  CHECK(RunOnShard(*a.shard, [&] { return a.transport->dropped(); }) == 1);
  std::this_thread::sleep_for(300ms);  // a few failed dials: the backoff grows
  TransportHost b(TransportOptions("c", 2, port_b, 1, port_a));
  // Within the backoff cap (1 s) plus slack, a redials and b accepts.
  REQUIRE(Eventually(
      [&] { return RunOnShard(*a.shard, [&] { return a.transport->connected(raft::NodeId(2)); }); },
      5s));
  for (uint64_t term = 2; term < 12; ++term) a.Send(raft::NodeId(1), raft::NodeId(2), term);
  REQUIRE(Eventually([&] { return b.count() == 10; }));
  std::lock_guard lock(b.mu);
  for (size_t k = 0; k < 10; ++k) {
    CHECK(b.received[k].term == raft::Term(k + 2));
    CHECK(b.received[k].from == raft::NodeId(1));
    CHECK(b.received[k].type == raft::MessageType::kHeartbeat);
  }
}

TEST_CASE("RaftTransport: another cluster's envelope or a garbled frame closes the connection") {
  const uint16_t port_a = io::testing::FreeLoopbackPort();
  const uint16_t port_b = io::testing::FreeLoopbackPort();
  TransportHost b(TransportOptions("ours", 2, port_b, 1, port_a));
  {
    TransportHost stranger(TransportOptions("theirs", 1, port_a, 2, port_b));
    REQUIRE(Eventually([&] {
      return RunOnShard(*stranger.shard,
                        [&] { return stranger.transport->connected(raft::NodeId(2)); });
    }));
    stranger.Send(raft::NodeId(1), raft::NodeId(2), 5);
    REQUIRE(Eventually([&] { return b.rejected() == 1; }));
    // b closed it: the stranger sees its connection go.
    CHECK(Eventually([&] {
      return !RunOnShard(*stranger.shard,
                         [&] { return stranger.transport->connected(raft::NodeId(2)); });
    }));
  }
  CHECK(b.count() == 0);

  // Bytes that are no Envelope at all, on a raw connection.
  struct Watch : io::Connection::Handler {
    void OnFrame(ReadBuffer) override {}
    void OnClose(absl::Status) override { closed = true; }
    std::atomic<bool> closed{false};
  } watch;
  std::unique_ptr<io::TcpConnector> connector;
  std::unique_ptr<io::Connection> connection;
  std::atomic<bool> connected{false};
  RunOnShard(*b.shard, [&] {
    connector = io::TcpConnector::Connect(
        *b.shard, "127.0.0.1", port_b, 5000ms,
        [&](absl::StatusOr<std::unique_ptr<io::Connection>> c) {
          CAIRN_CHECK(c.ok()) << c.status();
          connection = *std::move(c);
          connection->Start(&watch, {});
          connection->Send(Buffer{0xff, 0xff, 0xff, 0xff, 0x0f});
          connected = true;
        });
  });
  REQUIRE(Eventually([&] { return connected.load(); }));
  CHECK(Eventually([&] { return watch.closed.load(); }));
  CHECK(b.rejected() == 2);
  CHECK(b.count() == 0);
  RunOnShard(*b.shard, [&] {
    connection.reset();
    connector.reset();
  });
}

}  // namespace
}  // namespace cairn::controller
