// The Kafka broker: on every shard, that shard's partitions (a LogManager),
// the Kafka listeners (SO_REUSEPORT, so the kernel spreads connections over
// shards) and the client sessions; on shard 0, this node's controller (a
// voter of the metadata quorum; a single node is a quorum of one), its
// registration, and the topic store. process.roles picks what runs: a
// broker-only node's controller is a learner of the metadata log; a
// controller-only node runs the controller alone (no Kafka listener, no
// partitions, no registration). Start() and Stop() are called from the
// main thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string_view>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "broker/admission.h"
#include "broker/broker_lifecycle.h"
#include "broker/metadata_publisher.h"
#include "broker/producer_ids.h"
#include "broker/client_session.h"
#include "broker/maintenance.h"
#include "broker/quotas.h"
#include "broker/shard_context.h"
#include "common/server_config.h"
#include "io/shard.h"
#include "io/tcp_listener.h"

namespace cairn::broker {

class AdminServer;

class Broker {
 public:
  Broker(const ServerConfig& config, io::ShardRuntime& runtime);
  ~Broker();

  // Opens the topic store and every shard's partitions (recovering them),
  // creates missing logs of known topics, then listens. Blocking.
  absl::Status Start();
  // Stops listening, closes sessions and closes every log cleanly. Blocking.
  // Also after a Start that failed or was cancelled.
  void Stop();
  // After Stop: shards whose logs did not all close cleanly (each logged an
  // error; the next start recovers those logs by scanning them).
  int unclean_shard_count() const { return unclean_shards_; }
  // From any thread (a signal handler's): a Start still waiting for the
  // controller quorum returns Cancelled instead of waiting on.
  void RequestStop();

  size_t partition_count() const { return partitions_; }
  size_t offline_partition_count() const { return offline_; }
  // The bound port of the first client listener (useful with port 0).
  uint16_t port() const { return port_; }
  // Connections open now, and refused by max.connections(.per.ip) so far.
  int64_t connection_count() const { return connection_limits_.connections(); }
  uint64_t rejected_connection_count() const { return connection_limits_.rejected(); }

 private:
  struct ShardServer {
    std::unique_ptr<ShardContext> context;
    // This shard's share of queued.max.request.bytes (null: unlimited), and
    // its quotas. Declared before `sessions`, which use them until destroyed.
    std::unique_ptr<MemoryBudget> budget;
    std::unique_ptr<ShardQuotas> quotas;
    std::vector<std::unique_ptr<io::TcpListener>> listeners;
    std::map<ClientSession*, std::unique_ptr<ClientSession>> sessions;
    std::unique_ptr<Maintenance> maintenance;
  };

  absl::Status OpenShard(ShardServer& server);
  // Runs `start` on shard 0 and blocks until it calls its argument, logging
  // what it waits for every few seconds; Cancelled once RequestStop() is
  // called.
  absl::Status WaitOnShard0(std::string_view what, absl::AnyInvocable<void(absl::AnyInvocable<void() &&>)> start);
  void RequestProducerIds(ProducerIdAllocator::BlockCallback done);
  absl::Status ListenOnShard(ShardServer& server);
  void Accept(ShardServer& server, std::unique_ptr<io::Connection> connection);

  const ServerConfig& config_;
  io::ShardRuntime& runtime_;
  // Shared by every shard's accept path (see ConnectionLimits). Declared
  // before shards_: sessions hand their tickets back when destroyed.
  ConnectionLimits connection_limits_;
  std::vector<std::unique_ptr<ShardServer>> shards_;
  // The HTTP admin listener on shard 0 (null when admin.listener is empty).
  std::unique_ptr<AdminServer> admin_;
  // Shard 0: this node's controller, its registration, and the publisher of
  // the controller's images to the shards.
  std::unique_ptr<controller::MetadataController> controller_;
  std::unique_ptr<BrokerLifecycle> lifecycle_;
  std::unique_ptr<MetadataPublisher> publisher_;
  size_t partitions_ = 0;
  size_t offline_ = 0;
  uint16_t port_ = 0;
  std::atomic<int> unclean_shards_{0};  // counted by Stop on the shards
  std::mutex stop_mutex_;
  std::condition_variable stop_requested_cv_;
  bool stop_requested_ = false;  // guarded by stop_mutex_
};

}  // namespace cairn::broker
