// The HTTP admin listener (DESIGN.md §10, `admin.listener`): on shard 0,
//   /metrics    every shard's metrics, gathered and summed (broker/metrics.h);
//   /v1/health  200 "ok" while the process runs (liveness);
//   /v1/ready   200 "ready" once the broker listens for clients, 503 before
//               (readiness). The broker starts this listener before it
//               recovers the logs and closes it first when it stops.
//   other paths 404; methods other than GET 405.
//
// Threading: create, set_ready and destroy on shard 0's thread (the shard of
// `context`); destroy before that shard's runtime stops.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "broker/shard_context.h"
#include "io/http_server.h"

namespace cairn::controller {
class MetadataController;
}

namespace cairn::broker {

class AdminServer {
 public:
  // Listens on `listener` ("host:port", "[v6]:port"; port 0 picks one).
  // Errors name admin.listener.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(ShardContext& context, const std::string& listener);

  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  void set_ready(bool ready) { ready_ = ready; }
  // Serves /v1/controller from this node's controller (shard 0's).
  void set_controller(const controller::MetadataController* controller) { controller_ = controller; }
  uint16_t port() const { return server_->port(); }

 private:
  AdminServer(ShardContext& context, std::unique_ptr<io::HttpServer> server);
  void ServeController(io::HttpServer::Reply reply) const;
  void ServeMetrics(io::HttpServer::Reply reply);

  ShardContext& context_;
  std::unique_ptr<io::HttpServer> server_;
  bool ready_ = false;
  const controller::MetadataController* controller_ = nullptr;
};

}  // namespace cairn::broker
