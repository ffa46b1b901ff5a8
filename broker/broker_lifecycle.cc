#include "broker/broker_lifecycle.h"

#include <random>

#include "common/logging.h"

namespace cairn::broker {
namespace {

constexpr int32_t kRegisterRetryMs = 500;

std::string NewIncarnationId() {
  std::random_device random;
  std::string id(16, '\0');
  for (char& c : id) c = static_cast<char>(random() & 0xff);
  return id;
}

}  // namespace

BrokerLifecycle::BrokerLifecycle(io::Shard& shard, controller::MetadataController& controller,
                                 const ServerConfig& config, uint32_t max_partitions)
    : controller_(controller),
      config_(config),
      incarnation_id_(NewIncarnationId()),
      max_partitions_(max_partitions),
      timer_(shard) {}

BrokerLifecycle::~BrokerLifecycle() {
  *alive_ = false;
  timer_.Cancel();
}

void BrokerLifecycle::Start(absl::AnyInvocable<void() &&> registered) {
  registered_ = std::move(registered);
  Register();
}

void BrokerLifecycle::After(int32_t ms, void (BrokerLifecycle::*next)()) {
  timer_.ExpireAfter(std::chrono::milliseconds(ms), [this, next, alive = alive_](absl::Status status) {
    if (status.ok() && *alive) (this->*next)();
  });
}

void BrokerLifecycle::Register() {
  controllerpb::ControllerRequest request;
  controllerpb::RegisterBroker* r = request.mutable_register_broker();
  r->set_broker_id(config_.node_id.value());
  r->set_incarnation_id(incarnation_id_);
  r->set_max_partitions(max_partitions_);
  for (const Listener& listener : config_.advertised_listeners) {
    if (config_.IsControllerListener(listener)) continue;
    controllerpb::Endpoint* e = r->add_endpoints();
    e->set_name(listener.name);
    e->set_host(listener.host);
    e->set_port(listener.port);
  }
  // Where the quorum reaches this node: a broker-only node is added as a
  // learner of the metadata log at this address.
  const controller::PeerAddress quorum_address = controller_.controller_address();
  r->mutable_controller_endpoint()->set_name(
      config_.controller_listener_names.empty() ? "CONTROLLER" : config_.controller_listener_names.front());
  r->mutable_controller_endpoint()->set_host(quorum_address.host);
  r->mutable_controller_endpoint()->set_port(quorum_address.port);
  controller_.Submit(std::move(request), [this, alive = alive_](controllerpb::ControllerReply reply) {
    if (!*alive) return;
    absl::Status status = controller::StatusFromReply(reply);
    if (!status.ok()) {
      CAIRN_LOG(kWarning) << "broker registration failed (retrying): " << status;
      After(kRegisterRetryMs, &BrokerLifecycle::Register);
      return;
    }
    epoch_ = reply.broker_epoch();
    CAIRN_LOG(kInfo) << "registered as broker " << config_.node_id << " with epoch " << epoch_;
    if (registered_) std::move(registered_)();
    registered_ = nullptr;
    After(config_.broker_heartbeat_interval_ms, &BrokerLifecycle::Heartbeat);
  });
}

void BrokerLifecycle::Heartbeat() {
  controllerpb::ControllerRequest request;
  request.mutable_broker_heartbeat()->set_broker_id(config_.node_id.value());
  request.mutable_broker_heartbeat()->set_broker_epoch(epoch_);
  controller_.Submit(std::move(request), [this, alive = alive_](controllerpb::ControllerReply reply) {
    if (!*alive) return;
    absl::Status status = controller::StatusFromReply(reply);
    if (absl::IsFailedPrecondition(status)) {
      // Fenced, or a newer controller does not know this epoch: join again.
      CAIRN_LOG(kWarning) << "heartbeat refused, registering again: " << status;
      Register();
      return;
    }
    if (!status.ok()) {
      CAIRN_LOG(kWarning) << "heartbeat failed: " << status;
    }
    After(config_.broker_heartbeat_interval_ms, &BrokerLifecycle::Heartbeat);
  });
}

}  // namespace cairn::broker
