#include "broker/broker.h"

#include <algorithm>
#include <future>
#include <optional>

#include "absl/strings/str_cat.h"
#include "broker/admin_server.h"
#include "broker/group_service.h"
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

bool IsControllerListener(const ServerConfig& config, const Listener& listener) {
  for (const std::string& name : config.controller_listener_names) {
    if (name == listener.name) return true;
  }
  return false;
}

constexpr const char* kTopicStoreFile = "cairn-topics.snapshot";
constexpr const char* kProducerIdsFile = "cairn-producer-ids";

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

  // The topic store lives on shard 0, in the first log dir.
  ShardServer& controller = *shards_[0];
  RETURN_IF_ERROR(RunOn(runtime_.shard(0), [&]() -> absl::Status {
    controller.context->set_fs(std::make_unique<io::PosixFileSystem>(&runtime_.shard(0).ring()));
    RETURN_IF_ERROR(controller.context->fs().CreateDirectories(config_.log_dirs.front()));
    ASSIGN_OR_RETURN(auto store, LocalTopicStore::Open(&controller.context->fs(),
                                                       absl::StrCat(config_.log_dirs.front(), "/", kTopicStoreFile),
                                                       config_));
    controller.context->set_topic_store(std::move(store));
    ASSIGN_OR_RETURN(auto producer_ids, ProducerIdAllocator::Open(&controller.context->fs(),
                                                                  absl::StrCat(config_.log_dirs.front(), "/",
                                                                               kProducerIdsFile)));
    controller.context->set_producer_ids(std::move(producer_ids));
    controller.context->set_image(controller.context->topic_store()->Image());
    return absl::OkStatus();
  }));
  const std::shared_ptr<const TopicImage> image = controller.context->image();

  // One shard at a time: each opens (and recovers) only the partitions it owns.
  for (auto& server : shards_) {
    server->context->set_image(image);
    RETURN_IF_ERROR(OpenShard(*server));
  }
  for (auto& server : shards_) RETURN_IF_ERROR(ListenOnShard(*server));
  if (admin_) RunOn(runtime_.shard(0), [&] { admin_->set_ready(true); return 0; });
  return absl::OkStatus();
}

absl::Status Broker::OpenShard(ShardServer& server) {
  ShardContext& context = *server.context;
  io::Shard& shard = runtime_.shard(context.shard_id());
  return RunOn(shard, [&]() -> absl::Status {
    if (context.shard_id() != 0) context.set_fs(std::make_unique<io::PosixFileSystem>(&shard.ring()));
    storage::LogManager::Options options{config_.log_dirs, storage::LogConfigFromServer(config_), config_.node_id,
                                         [&context](const TopicPartition& tp) {
                                           return context.OwnerOf(tp) == context.shard_id();
                                         }};
    ASSIGN_OR_RETURN(auto logs, storage::LogManager::Open(&context.fs(), options, &SystemClock::Instance()));
    context.set_logs(std::move(logs));
    // Topic configs apply to the recovered logs; missing logs of known topics
    // (a crash during creation) are created; logs of unknown topics are kept
    // but not served, for an operator to look at.
    for (const auto& [name, topic] : context.image()->topics) {
      const storage::LogConfig log_config = EffectiveLogConfig(config_, topic);
      for (int32_t p = 0; p < topic.partitions; ++p) {
        TopicPartition tp{name, p};
        if (context.OwnerOf(tp) != context.shard_id()) continue;
        if (storage::PartitionLog* log = context.logs().Find(tp)) {
          log->UpdateConfig(log_config);
        } else if (!context.logs().offline().contains(tp)) {
          RETURN_IF_ERROR(context.logs().Create(tp, log_config).status());
        }
      }
    }
    for (const TopicPartition& tp : context.logs().Partitions()) {
      const TopicInfo* topic = context.image()->Find(tp.topic);
      if (topic == nullptr || tp.partition >= topic->partitions) {
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
      if (IsControllerListener(config_, listener)) continue;
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
  for (auto& server : shards_) {
    RunOn(runtime_.shard(server->context->shard_id()), [&]() {
      // Everything holding Asio objects goes now, on its shard: after the
      // runtime stops, their io_context is gone.
      server->listeners.clear();
      server->sessions.clear();
      if (server->maintenance) server->maintenance->Stop();
      server->maintenance.reset();
      if (server->context->logs_ready()) {
        server->context->groups().Stop();
        server->context->set_groups(nullptr);  // its timers belong to this shard
      }
      if (server->context->logs_ready()) {
        if (absl::Status closed = server->context->logs().CloseAll(); !closed.ok()) {
          CAIRN_LOG(kError) << "shard " << server->context->shard_id() << ": unclean close: " << closed;
        }
      }
      return 0;
    });
  }
}

}  // namespace cairn::broker
