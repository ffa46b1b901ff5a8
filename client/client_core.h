// The shared engine under Producer and Admin: an io thread (an io::Shard),
// one BrokerConnection per broker (bootstrap addresses first, re-keyed to node
// ids once Metadata names them), typed request/response calls, and the
// cluster metadata cache.
//
// Threading: Create, RunOnIoThread and the destructor are for application
// threads; every other member is for the io thread only (tasks posted with
// Post, and the callbacks the core runs).
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "client/broker_address.h"
#include "client/broker_connection.h"
#include "client/cluster_metadata.h"
#include "client/config.h"
#include "io/shard.h"
#include "io/timer.h"
#include "proto/kafka/codec.h"

namespace cairn::client {

class ClientCore {
 public:
  // Any broker will do (Metadata, ListGroups...): the core picks one.
  static constexpr int32_t kAnyNode = -1000;

  // Parses bootstrap.servers and starts the io thread; connects lazily.
  static absl::StatusOr<std::unique_ptr<ClientCore>> Create(const ClientConfig& config);
  // Shutdown() if not done yet.
  ~ClientCore();
  ClientCore(const ClientCore&) = delete;
  ClientCore& operator=(const ClientCore&) = delete;

  // From an application thread: on the io thread, fails every request still
  // queued or in flight with Cancelled, then runs `after_connections_closed`
  // (the owner's last io-thread cleanup); then stops and joins the io
  // thread. Idempotent.
  void Shutdown(absl::AnyInvocable<void() &&> after_connections_closed = nullptr);

  // Runs `task` on the io thread (from any thread).
  void Post(absl::AnyInvocable<void() &&> task);

  const ClientConfig& config() const { return config_; }
  io::Shard& shard() { return *shard_; }

  // ---- io thread only ----

  // Sends `request` to `node_id` (or kAnyNode) and decodes the answer as
  // Response. Unavailable for an unknown node or a lost connection,
  // DeadlineExceeded after request.timeout.ms.
  template <typename Response, typename Request>
  void Call(int32_t node_id, Request request, absl::AnyInvocable<void(absl::StatusOr<Response>) &&> done);
  // Each records field's bytes in a response decoded by CallKeepingRecords.
  using RecordsInPlace = std::span<const std::optional<ByteSpan>>;
  // Like Call, but record batches are not copied out of the response frame
  // (kafka::Reader::KeepRecordsInPlace): the response's records fields are
  // null, and `records` has each one's bytes (nullopt for a null), in the
  // order they appear in the message. They are valid during the call only.
  template <typename Response, typename Request>
  void CallKeepingRecords(int32_t node_id, Request request,
                          absl::AnyInvocable<void(absl::StatusOr<Response>, RecordsInPlace records) &&> done);
  // The untyped form (Produce with acks=0 has no response to decode).
  void Submit(int32_t node_id, BrokerConnection::Request request);

  // The connection to a node named by metadata (created on first use), or
  // nullptr for a node metadata does not know.
  BrokerConnection* ConnectionTo(int32_t node_id);
  // The connection to a node at a known address (a group coordinator that
  // FindCoordinator named), created on first use.
  BrokerConnection* ConnectionTo(int32_t node_id, const BrokerAddress& address);

  const ClusterMetadata& metadata() const { return metadata_; }
  // Fetches metadata for `topics` (all topics when nullopt) and folds it into
  // metadata(); `done` gets the raw topic answers.
  void RefreshMetadata(std::optional<std::vector<std::string>> topics, bool allow_auto_topic_creation,
                       absl::AnyInvocable<void(absl::StatusOr<std::vector<TopicMetadata>>) &&> done);

  // Runs `task` with OK once `delay_ms` passed (at the granularity of the
  // core's tick), or with Cancelled at Shutdown: every task runs exactly once.
  void After(int64_t delay_ms, absl::AnyInvocable<void(absl::Status) &&> task);

  // Called with the node id whenever a connection finishes its handshake.
  void OnBrokerReady(std::function<void(int32_t)> listener) { ready_listeners_.push_back(std::move(listener)); }

 private:
  // A request that encodes `request` in the version the connection picks,
  // due within request.timeout.ms; its `done` is the caller's to set.
  template <typename Request>
  BrokerConnection::Request Encoding(Request request) const;

  ClientCore(ClientConfig config, std::vector<BrokerAddress> bootstrap, std::unique_ptr<io::Shard> shard);
  void StartTicking();
  int32_t PickAnyNode();
  void AdoptBrokers();

  const ClientConfig config_;
  const std::vector<BrokerAddress> bootstrap_;
  std::unique_ptr<io::Shard> shard_;  // declared first: outlives what is bound to it
  bool shut_down_ = false;

  // io-thread state. Bootstrap connections have ids -1, -2, ... until
  // metadata names the broker behind them.
  std::map<int32_t, std::unique_ptr<BrokerConnection>> connections_;
  ClusterMetadata metadata_;
  std::unique_ptr<io::Timer> tick_timer_;
  size_t next_any_ = 0;
  bool io_closed_ = false;  // io thread's view of Shutdown
  std::vector<std::pair<int64_t, absl::AnyInvocable<void(absl::Status) &&>>> delayed_;  // (due ms, task)
  std::vector<std::function<void(int32_t)>> ready_listeners_;
};

template <typename Request>
BrokerConnection::Request ClientCore::Encoding(Request request) const {
  BrokerConnection::Request raw;
  raw.api_key = static_cast<int16_t>(Request::kApiKey);
  raw.encode = [request = std::move(request)](kafka::Writer& w, int16_t version) { request.Encode(w, version); };
  raw.deadline_ms = SteadyNowMs() + config_.request_timeout_ms;
  return raw;
}

template <typename Response, typename Request>
void ClientCore::Call(int32_t node_id, Request request, absl::AnyInvocable<void(absl::StatusOr<Response>) &&> done) {
  BrokerConnection::Request raw = Encoding(std::move(request));
  raw.done = [done = std::move(done)](absl::Status status, int16_t version, ByteSpan body) mutable {
    if (!status.ok()) {
      std::move(done)(std::move(status));
      return;
    }
    Response response;
    if (absl::Status decoded = kafka::DecodeExact(body, version, &response); !decoded.ok()) {
      std::move(done)(std::move(decoded));
      return;
    }
    std::move(done)(std::move(response));
  };
  Submit(node_id, std::move(raw));
}

template <typename Response, typename Request>
void ClientCore::CallKeepingRecords(int32_t node_id, Request request,
                                    absl::AnyInvocable<void(absl::StatusOr<Response>, RecordsInPlace) &&> done) {
  BrokerConnection::Request raw = Encoding(std::move(request));
  raw.done = [done = std::move(done)](absl::Status status, int16_t version, ByteSpan body) mutable {
    if (!status.ok()) {
      std::move(done)(std::move(status), {});
      return;
    }
    kafka::Reader r(body);
    r.KeepRecordsInPlace();
    Response response;
    if (absl::Status decoded = kafka::DecodeExact(r, version, &response); !decoded.ok()) {
      std::move(done)(std::move(decoded), {});
      return;
    }
    std::move(done)(std::move(response), r.records_in_place());
  };
  Submit(node_id, std::move(raw));
}

// Runs `call` on the core's io thread with a callback that fulfils the
// returned future: the bridge from application threads to the io thread.
template <typename T>
std::future<T> RunOnIoThread(ClientCore& core, absl::AnyInvocable<void(absl::AnyInvocable<void(T) &&>) &&> call) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
  core.Post([call = std::move(call), promise]() mutable {
    std::move(call)([promise](T value) { promise->set_value(std::move(value)); });
  });
  return future;
}

}  // namespace cairn::client
