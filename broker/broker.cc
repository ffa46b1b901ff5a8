#include "broker/broker.h"

#include <algorithm>
#include <future>
#include <optional>
#include <random>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "broker/admin_server.h"
#include "broker/group_service.h"
#include "broker/metadata_publisher.h"
#include "broker/metrics.h"
#include "broker/partition_capacity.h"
#include "broker/topic_admin.h"
#include "broker/topic_config.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "io/posix_file_system.h"
#include "storage/log_config.h"

namespace cairn::broker {
namespace {

// Runs `task` on `shard` and waits for its result (start-up and shutdown
// only: the shard owns what the task touches).
template <typename F>
auto RunOn(io::Shard& shard, F task) {
  std::promise<decltype(task())> result;
  auto future = result.get_future();
  shard.Post([&task, &result]() mutable { result.set_value(task()); });
  return future.get();
}

// Runs `task` on `shard` and waits until it calls the function it is given,
// which it may do later, from a callback on that shard (shutdown only).
void RunOnUntilDone(io::Shard& shard, absl::AnyInvocable<void(absl::AnyInvocable<void() &&>) &&> task) {
  std::promise<void> finished;
  auto future = finished.get_future();
  shard.Post([&task, &finished]() mutable { std::move(task)([&finished] { finished.set_value(); }); });
  future.get();
}

// The first listener named in controller.listener.names, if any.
std::optional<Listener> ControllerListener(const ServerConfig& config) {
  for (const Listener& listener : config.listeners) {
    if (config.IsControllerListener(listener)) return listener;
  }
  return std::nullopt;
}

controller::MetadataController::Options ControllerOptions(const ServerConfig& config) {
  controller::MetadataController::Options options;
  options.raft.id = raft::NodeId(config.node_id.value());
  options.raft.cluster_id = config.cluster_id;
  options.raft.data_dir = absl::StrCat(config.log_dirs.front(), "/", storage::kControllerMetadataDir);
  if (config.controller_quorum_voters.empty()) {
    // A quorum of one: the listener serves no peer, so any free port does
    // unless a controller listener is configured.
    std::optional<Listener> own = ControllerListener(config);
    options.raft.voters.push_back(controller::PeerAddress{options.raft.id, own ? own->host : "127.0.0.1",
                                                          own ? own->port : uint16_t{0}});
  } else {
    for (const QuorumVoter& voter : config.controller_quorum_voters) {
      options.raft.voters.push_back(
          controller::PeerAddress{raft::NodeId(voter.node_id.value()), voter.host, voter.port});
    }
    // A voter binds its controller listener; its voters entry is how the
    // others dial it (which may be a name).
    if (std::optional<Listener> own = ControllerListener(config); own && config.process_controller) {
      options.raft.voter_listen_host = own->host;
      options.raft.voter_listen_port = own->port;
    }
  }
  if (!config.process_controller) {
    // A learner of the metadata log: the quorum reaches it on its controller
    // listener (ServerConfig checks that a broker-only node has one).
    if (std::optional<Listener> own = ControllerListener(config)) {
      options.raft.learner_host = own->host;
      options.raft.learner_port = own->port;
    }
  }
  options.raft.random_seed = static_cast<uint64_t>(std::random_device{}()) ^ config.node_id.value();
  options.session_timeout = std::chrono::milliseconds(config.broker_session_timeout_ms);
  options.raft.snapshot_after_bytes = static_cast<uint64_t>(config.metadata_snapshot_bytes);
  return options;
}

}  // namespace

Broker::Broker(const ServerConfig& config, io::ShardRuntime& runtime)
    : config_(config),
      runtime_(runtime),
      connection_limits_(config.max_connections, config.max_connections_per_ip) {}

Broker::~Broker() { RegisterShardQuotas({}); }

absl::Status Broker::Start() {
  std::vector<ShardContext*> contexts;
  std::vector<ShardQuotas*> quotas;
  for (int i = 0; i < runtime_.size(); ++i) {
    auto server = std::make_unique<ShardServer>();
    server->context = std::make_unique<ShardContext>(i, runtime_.size(), config_, runtime_);
    // queued.max.request.bytes is the broker's; each shard gets an equal part.
    if (config_.queued_max_request_bytes > 0) {
      server->budget = std::make_unique<MemoryBudget>(
          std::max<size_t>(static_cast<size_t>(config_.queued_max_request_bytes) / static_cast<size_t>(runtime_.size()), 1));
    }
    server->quotas = std::make_unique<ShardQuotas>(config_);
    contexts.push_back(server->context.get());
    quotas.push_back(server->quotas.get());
    shards_.push_back(std::move(server));
  }
  ShardContext::RegisterAll(contexts);
  RegisterShardQuotas(std::move(quotas));
  // The admin listener comes first: /v1/health answers during recovery and
  // /v1/ready turns 200 once clients can connect.
  if (!config_.admin_listener.empty()) {
    RETURN_IF_ERROR(RunOn(runtime_.shard(0), [&]() -> absl::Status {
      ASSIGN_OR_RETURN(admin_, AdminServer::Start(*shards_[0]->context, config_.admin_listener));
      return absl::OkStatus();
    }));
  }

  // The controller runs on shard 0; the broker serves what it applies.
  ShardServer& home = *shards_[0];
  RETURN_IF_ERROR(RunOn(runtime_.shard(0), [&]() -> absl::Status {
    home.context->set_fs(std::make_unique<io::PosixFileSystem>(&runtime_.shard(0).ring()));
    RETURN_IF_ERROR(home.context->fs().CreateDirectories(config_.log_dirs.front()));
    ASSIGN_OR_RETURN(controller_, controller::MetadataController::Start(
                                      runtime_.shard(0), home.context->fs(), ControllerOptions(config_),
                                      [this](std::shared_ptr<const controller::metadata::MetadataImage> image,
                                             uint64_t index) {
                                        if (publisher_ != nullptr) publisher_->Enqueue(std::move(image), index);
                                      }));
    if (admin_) admin_->set_controller(controller_.get());
    return absl::OkStatus();
  }));
  const auto caught_up = [this](absl::AnyInvocable<void() &&> done) {
    controller_->WhenCaughtUp([done = std::move(done)]() mutable { std::move(done)(); });
  };
  if (!config_.process_broker) {
    // A controller-only node: a voter of the quorum, no Kafka listeners, no
    // partitions and no broker registration (so it is in no Metadata).
    RETURN_IF_ERROR(WaitOnShard0("the controller quorum to elect a leader and this node to catch up", caught_up));
    if (admin_) RunOn(runtime_.shard(0), [&] { admin_->set_ready(true); return 0; });
    return absl::OkStatus();
  }
  const uint64_t open_files = RaiseOpenFileLimit();
  const uint32_t max_partitions = PartitionCapacity(config_.topic_partitions_per_shard, runtime_.size(), open_files);
  CAIRN_LOG(kInfo) << "this broker can host " << max_partitions << " partition replicas (open-file limit "
                   << open_files << ", topic.partitions.per.shard " << config_.topic_partitions_per_shard << ")";
  lifecycle_ = RunOn(runtime_.shard(0), [&] {
    return std::make_unique<BrokerLifecycle>(runtime_.shard(0), *controller_, config_, max_partitions);
  });
  const auto registered = [this](absl::AnyInvocable<void() &&> done) { lifecycle_->Start(std::move(done)); };
  if (config_.process_controller) {
    // Everything committed before this node (re)started must be in the image
    // before any partition is opened or any client is served.
    RETURN_IF_ERROR(WaitOnShard0("the controller quorum to elect a leader and this node to catch up", caught_up));
    RETURN_IF_ERROR(WaitOnShard0("the controller to accept this broker's registration", registered));
  } else {
    // A broker-only node receives the metadata log only once its
    // registration has made it a learner; then it catches up the same way.
    RETURN_IF_ERROR(WaitOnShard0("the controller to accept this broker's registration (and add it as a learner)",
                                 registered));
    RETURN_IF_ERROR(WaitOnShard0("this learner to catch up with the metadata log", caught_up));
  }

  // The image the shards open their partitions for; images applied from now
  // on wait in the publisher until every shard is open.
  const std::shared_ptr<const TopicImage> image = RunOn(runtime_.shard(0), [&] {
    std::shared_ptr<const TopicImage> current =
        MakeTopicImage(controller_->image(), controller_->applied_index(), config_.node_id.value());
    publisher_ = std::make_unique<MetadataPublisher>(*home.context, current);
    home.context->set_topic_store(std::make_unique<TopicStore>(*controller_, *publisher_, config_));
    home.context->set_producer_ids(std::make_unique<ProducerIdAllocator>(
        [this](ProducerIdAllocator::BlockCallback done) { RequestProducerIds(std::move(done)); }));
    return current;
  });

  // One shard at a time: each opens (and recovers) only the partitions it owns.
  for (auto& server : shards_) {
    server->context->set_image(image);
    RETURN_IF_ERROR(OpenShard(*server));
  }
  RunOn(runtime_.shard(0), [&] {
    publisher_->Resume();
    return 0;
  });
  for (auto& server : shards_) RETURN_IF_ERROR(ListenOnShard(*server));
  // Opening every shard may have taken long after a shard loaded its groups:
  // their members' sessions start now that they can reach the coordinator.
  for (auto& server : shards_) {
    RunOn(runtime_.shard(server->context->shard_id()), [&] {
      server->context->groups().OnServing();
      return 0;
    });
  }
  if (admin_) RunOn(runtime_.shard(0), [&] { admin_->set_ready(true); return 0; });
  return absl::OkStatus();
}

void Broker::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stop_requested_ = true;
  }
  stop_requested_cv_.notify_all();
}

absl::Status Broker::WaitOnShard0(std::string_view what,
                                  absl::AnyInvocable<void(absl::AnyInvocable<void() &&>)> start) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  RunOn(runtime_.shard(0), [&] {
    start([done]() mutable { done->set_value(); });
    return 0;
  });
  const auto began = std::chrono::steady_clock::now();
  auto next_log = began + std::chrono::seconds(5);
  while (finished.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    {
      // A stop (SIGTERM) while waiting ends Start; what was started on
      // shard 0 is torn down by Stop().
      std::unique_lock<std::mutex> lock(stop_mutex_);
      if (stop_requested_cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stop_requested_; })) {
        return absl::CancelledError("stopped while waiting for " + std::string(what));
      }
    }
    if (std::chrono::steady_clock::now() >= next_log) {
      next_log += std::chrono::seconds(5);
      CAIRN_LOG(kInfo) << "still waiting for " << what << " ("
                       << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - began).count()
                       << " s)";
    }
  }
  return absl::OkStatus();
}

void Broker::RequestProducerIds(ProducerIdAllocator::BlockCallback done) {
  controllerpb::ControllerRequest request;
  request.mutable_allocate_producer_ids()->set_broker_id(config_.node_id.value());
  request.mutable_allocate_producer_ids()->set_broker_epoch(lifecycle_->epoch());
  controller_->Submit(std::move(request), [done = std::move(done)](controllerpb::ControllerReply reply) mutable {
    absl::Status status = controller::StatusFromReply(reply);
    if (!status.ok()) {
      std::move(done)(status);
      return;
    }
    std::move(done)(ProducerIdBlock{reply.producer_id_start(), reply.producer_id_count()});
  });
}

absl::Status Broker::OpenShard(ShardServer& server) {
  ShardContext& context = *server.context;
  io::Shard& shard = runtime_.shard(context.shard_id());
  return RunOn(shard, [&]() -> absl::Status {
    if (context.shard_id() != 0) context.set_fs(std::make_unique<io::PosixFileSystem>(&shard.ring()));
    storage::LogManager::Options options{config_.log_dirs, storage::LogConfigFromServer(config_), config_.node_id,
                                         [&context](const TopicPartition& tp) {
                                           return context.OwnerOf(tp) == context.shard_id();
                                         },
                                         ObserveLogFlush};
    ASSIGN_OR_RETURN(auto logs, storage::LogManager::Open(&context.fs(), options, &SystemClock::Instance()));
    context.set_logs(std::move(logs));
    // Topic configs apply to the recovered logs; missing logs of known topics
    // (a crash during creation) are created; logs of unknown topics are kept
    // but not served, for an operator to look at.
    for (const auto& [name, topic] : context.image()->topics) {
      const storage::LogConfig log_config = EffectiveLogConfig(config_, topic);
      for (int32_t p = 0; p < topic.partitions; ++p) {
        TopicPartition tp{name, p};
        if (context.OwnerOf(tp) != context.shard_id() || !context.image()->Hosts(tp)) continue;
        if (storage::PartitionLog* log = context.logs().Find(tp)) {
          log->UpdateConfig(log_config);
        } else if (!context.logs().offline().contains(tp)) {
          RETURN_IF_ERROR(context.logs().Create(tp, log_config).status());
        }
      }
    }
    for (const TopicPartition& tp : context.logs().Partitions()) {
      const TopicInfo* topic = context.image()->Find(tp.topic);
      if (topic == nullptr || tp.partition >= topic->partitions || !context.image()->Hosts(tp)) {
        CAIRN_LOG(kWarning) << "partition " << tp.DirectoryName() << " belongs to no known topic; not serving it";
      }
    }
    partitions_ += context.logs().Partitions().size();
    offline_ += context.logs().offline().size();
    server.maintenance = std::make_unique<Maintenance>(shard, context.logs(), config_);
    server.maintenance->Start();
    // Group coordinators replay their __consumer_offsets partitions before
    // any client can connect.
    context.set_groups(std::make_unique<GroupService>(context));
    context.groups().Start();
    return absl::OkStatus();
  });
}

absl::Status Broker::ListenOnShard(ShardServer& server) {
  io::Shard& shard = runtime_.shard(server.context->shard_id());
  return RunOn(shard, [&]() -> absl::Status {
    for (const Listener& listener : config_.listeners) {
      if (config_.IsControllerListener(listener)) continue;
      // Every shard binds the same port; with port 0 the first one picks it.
      const uint16_t port = listener.port == 0 && port_ != 0 ? port_ : listener.port;
      ASSIGN_OR_RETURN(auto bound, io::TcpListener::Listen(
                                       shard, listener.host, port,
                                       [this, &server](std::unique_ptr<io::Connection> connection) {
                                         Accept(server, std::move(connection));
                                       }));
      if (port_ == 0) port_ = bound->port();
      server.listeners.push_back(std::move(bound));
    }
    return absl::OkStatus();
  });
}

void Broker::Accept(ShardServer& server, std::unique_ptr<io::Connection> connection) {
  std::optional<ConnectionLimits::Ticket> ticket = connection_limits_.TryAdmit(PeerAddress(connection->peer()));
  if (!ticket) {
    // As Kafka does: close the new connection at once (destroying it closes
    // the socket). Logged sparingly: a flood must not flood the log too.
    const uint64_t rejected = connection_limits_.rejected();
    if (rejected == 1 || rejected % 1000 == 0) {
      CAIRN_LOG(kWarning) << "refused connection from " << connection->peer() << ": max.connections ("
                          << config_.max_connections << ") or max.connections.per.ip ("
                          << config_.max_connections_per_ip << ") reached; " << rejected << " refused so far";
    }
    return;
  }
  io::Connection::Limits limits;
  limits.max_frame_bytes = config_.socket_request_max_bytes;
  ClientSession::Limits session_limits;
  session_limits.max_in_flight_requests = static_cast<size_t>(config_.max_in_flight_requests_per_connection);
  session_limits.max_queued_response_bytes = static_cast<size_t>(config_.max_queued_response_bytes_per_connection);
  ClientSession::Resources resources;
  resources.budget = server.budget.get();
  resources.quotas = server.quotas.get();
  resources.ticket = std::move(*ticket);
  auto session = std::make_unique<ClientSession>(
      *server.context, std::move(connection), session_limits, std::move(resources), [this, &server](ClientSession* closed) {
        // Destroyed on a later turn: the session may be deep in its own call
        // stack (a callback of its connection) right now.
        runtime_.Post(server.context->shard_id(), [&server, closed] { server.sessions.erase(closed); });
      });
  ClientSession* raw = session.get();
  server.sessions.emplace(raw, std::move(session));
  raw->Start(limits);
}

void Broker::Stop() {
  // The admin listener goes first (readiness probes see the node leave), on
  // its shard like every Asio object.
  if (admin_) RunOn(runtime_.shard(0), [&] { admin_.reset(); return 0; });
  // First nothing new arrives: on every shard the listeners, the sessions,
  // maintenance and the group coordinators go, with their Asio objects
  // (after the runtime stops, their io_context is gone).
  for (auto& server : shards_) {
    RunOn(runtime_.shard(server->context->shard_id()), [&]() {
      server->listeners.clear();
      server->sessions.clear();
      if (server->maintenance) server->maintenance->Stop();
      server->maintenance.reset();
      if (server->context->logs_ready()) {
        server->context->groups().Stop();
        server->context->set_groups(nullptr);  // its timers belong to this shard
      }
      return 0;
    });
  }
  // Then the appends already accepted become durable and the logs close
  // cleanly: the next start needs no recovery scan. (Their connections are
  // gone: the producers retry, and idempotence spots the duplicates.)
  for (auto& server : shards_) {
    RunOnUntilDone(runtime_.shard(server->context->shard_id()), [&](absl::AnyInvocable<void() &&> done) {
      if (!server->context->logs_ready()) {
        std::move(done)();
        return;
      }
      const int shard_id = server->context->shard_id();
      server->context->logs().CloseAllWhenIdle([this, shard_id, done = std::move(done)](absl::Status closed) mutable {
        if (!closed.ok()) {
          CAIRN_LOG(kError) << "shard " << shard_id << ": unclean close: " << closed;
          ++unclean_shards_;
        }
        std::move(done)();
      });
    });
  }
  // The controller side goes last, on shard 0: the lifecycle's timer, the
  // controller (its pending commands end with Cancelled), then the publisher.
  RunOn(runtime_.shard(0), [&] {
    lifecycle_.reset();
    controller_.reset();
    publisher_.reset();
    return 0;
  });
}

}  // namespace cairn::broker
