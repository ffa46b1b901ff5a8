#include "client/client_core.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/kafka_error.h"
#include "common/check.h"
#include "proto/kafka/generated/metadata.h"

namespace cairn::client {
namespace {
// How often request deadlines are checked: the granularity of request.timeout.ms.
constexpr std::chrono::milliseconds kTickInterval{50};
}  // namespace

absl::StatusOr<std::unique_ptr<ClientCore>> ClientCore::Create(const ClientConfig& config) {
  absl::StatusOr<std::vector<BrokerAddress>> bootstrap = ParseBrokerList(config.bootstrap_servers);
  if (!bootstrap.ok()) return bootstrap.status();
  // A small ring: the client does no file I/O, only sockets and timers.
  absl::StatusOr<std::unique_ptr<io::Shard>> shard = io::Shard::Create(0, 8);
  if (!shard.ok()) return shard.status();
  std::unique_ptr<ClientCore> core(new ClientCore(config, std::move(*bootstrap), std::move(*shard)));
  core->shard_->Start(-1);
  core->Post([core = core.get()] { core->StartTicking(); });
  return core;
}

ClientCore::ClientCore(ClientConfig config, std::vector<BrokerAddress> bootstrap, std::unique_ptr<io::Shard> shard)
    : config_(std::move(config)), bootstrap_(std::move(bootstrap)), shard_(std::move(shard)) {
  int32_t id = -1;
  for (const BrokerAddress& address : bootstrap_) {
    connections_[id] = std::make_unique<BrokerConnection>(*shard_, id, address, config_, [this](int32_t node) {
      for (auto& listener : ready_listeners_) listener(node);
    });
    --id;
  }
}

ClientCore::~ClientCore() {
  Shutdown();
  // The io thread is gone: its objects may now be destroyed here, before the
  // Shard they are bound to.
  tick_timer_.reset();
  connections_.clear();
}

void ClientCore::Shutdown(absl::AnyInvocable<void() &&> after_connections_closed) {
  if (shut_down_) return;
  shut_down_ = true;
  std::promise<void> done;
  Post([this, &done, after = std::move(after_connections_closed)]() mutable {
    const absl::Status why = absl::CancelledError("client closed");
    io_closed_ = true;
    for (auto& [id, connection] : connections_) connection->Shutdown(why);
    if (tick_timer_) tick_timer_->Cancel();
    // A delayed task may post more (a retry that fails at once): drain.
    while (!delayed_.empty()) {
      auto tasks = std::exchange(delayed_, {});
      for (auto& [due, task] : tasks) std::move(task)(why);
    }
    if (after) std::move(after)();
    done.set_value();
  });
  done.get_future().wait();
  shard_->Stop();
}

void ClientCore::Post(absl::AnyInvocable<void() &&> task) { shard_->Post(std::move(task)); }

void ClientCore::StartTicking() {
  if (!tick_timer_) tick_timer_ = std::make_unique<io::Timer>(*shard_);
  tick_timer_->ExpireAfter(kTickInterval, [this](absl::Status status) {
    if (!status.ok()) return;
    const int64_t now = SteadyNowMs();
    for (auto& [id, connection] : connections_) connection->CheckTimeouts(now);
    // Due delayed tasks; a task may add more, so take them out first.
    std::vector<absl::AnyInvocable<void(absl::Status) &&>> due;
    for (auto it = delayed_.begin(); it != delayed_.end();) {
      if (it->first <= now) {
        due.push_back(std::move(it->second));
        it = delayed_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& task : due) std::move(task)(absl::OkStatus());
    StartTicking();
  });
}

void ClientCore::After(int64_t delay_ms, absl::AnyInvocable<void(absl::Status) &&> task) {
  if (io_closed_) {
    std::move(task)(absl::CancelledError("client closed"));
    return;
  }
  delayed_.emplace_back(SteadyNowMs() + delay_ms, std::move(task));
}

BrokerConnection* ClientCore::ConnectionTo(int32_t node_id) {
  auto it = connections_.find(node_id);
  if (it != connections_.end()) return it->second.get();
  const BrokerMetadata* broker = metadata_.FindBroker(node_id);
  if (broker == nullptr) return nullptr;
  return ConnectionTo(node_id, BrokerAddress{broker->host, static_cast<uint16_t>(broker->port)});
}

BrokerConnection* ClientCore::ConnectionTo(int32_t node_id, const BrokerAddress& address) {
  auto it = connections_.find(node_id);
  if (it != connections_.end()) return it->second.get();
  auto connection = std::make_unique<BrokerConnection>(*shard_, node_id, address, config_, [this](int32_t node) {
    for (auto& listener : ready_listeners_) listener(node);
  });
  BrokerConnection* raw = connection.get();
  connections_[node_id] = std::move(connection);
  return raw;
}

int32_t ClientCore::PickAnyNode() {
  // Prefer a broker we already talk to; otherwise rotate over all of them so
  // one dead bootstrap address does not hold every call hostage.
  std::vector<int32_t> ids;
  for (auto& [id, connection] : connections_) {
    if (connection->ready()) return id;
    ids.push_back(id);
  }
  for (const BrokerMetadata& broker : metadata_.brokers) {
    if (!connections_.contains(broker.node_id)) ids.push_back(broker.node_id);
  }
  CAIRN_CHECK(!ids.empty());
  return ids[next_any_++ % ids.size()];
}

void ClientCore::Submit(int32_t node_id, BrokerConnection::Request request) {
  if (node_id == kAnyNode) node_id = PickAnyNode();
  BrokerConnection* connection = ConnectionTo(node_id);
  if (connection == nullptr) {
    Post([done = std::move(request.done), node_id]() mutable {
      std::move(done)(absl::UnavailableError(absl::StrCat("unknown broker node ", node_id)), 0, {});
    });
    return;
  }
  connection->Submit(std::move(request));
}

void ClientCore::AdoptBrokers() {
  // One connection per broker: a bootstrap connection to the address of a
  // broker metadata names becomes that broker's connection.
  for (const BrokerMetadata& broker : metadata_.brokers) {
    if (connections_.contains(broker.node_id)) {
      connections_[broker.node_id]->UpdateAddress({broker.host, static_cast<uint16_t>(broker.port)});
      continue;
    }
    for (auto it = connections_.begin(); it != connections_.end() && it->first < 0; ++it) {
      if (it->second->address() == BrokerAddress{broker.host, static_cast<uint16_t>(broker.port)}) {
        // Keep the bootstrap entry under its id too? No: move it, so there is
        // exactly one connection; the node id it reports stays the bootstrap
        // one, which is only used for log text.
        connections_[broker.node_id] = std::move(it->second);
        connections_.erase(it);
        break;
      }
    }
  }
}

void ClientCore::RefreshMetadata(std::optional<std::vector<std::string>> topics, bool allow_auto_topic_creation,
                                 absl::AnyInvocable<void(absl::StatusOr<std::vector<TopicMetadata>>) &&> done) {
  kafka::MetadataRequest request;
  if (topics.has_value()) {
    request.topics.emplace();
    for (std::string& name : *topics) request.topics->push_back({std::move(name), {}});
  }
  request.allow_auto_topic_creation = allow_auto_topic_creation;
  Call<kafka::MetadataResponse>(
      kAnyNode, std::move(request),
      [this, done = std::move(done)](absl::StatusOr<kafka::MetadataResponse> response) mutable {
        if (!response.ok()) {
          std::move(done)(response.status());
          return;
        }
        metadata_.Apply(*response);
        AdoptBrokers();
        std::move(done)(TopicsOf(*response));
      });
}

}  // namespace cairn::client
