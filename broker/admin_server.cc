// AdminServer (see admin_server.h): routes on an io::HttpServer; /metrics
// asks every shard for a snapshot of its registry and sums them on shard 0.
#include "broker/admin_server.h"

#include <charconv>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "broker/gather.h"
#include "controller/metadata_controller.h"
#include "broker/group_metrics.h"
#include "broker/metrics.h"
#include "common/check.h"
#include "common/status_macros.h"

namespace cairn::broker {
namespace {

constexpr const char* kKey = "admin.listener";
constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// "host:port" or "[v6]:port" (already validated by the config parser, but
// checked again: a bad value must name the key, never crash).
absl::StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(kKey, "='", text, "': expected host:port"));
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(kKey, "='", text, "': bad port"));
  }
  return std::make_pair(std::move(host), static_cast<uint16_t>(port));
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(ShardContext& context, const std::string& listener) {
  ASSIGN_OR_RETURN(auto address, SplitHostPort(listener));
  absl::StatusOr<std::unique_ptr<io::HttpServer>> server =
      io::HttpServer::Listen(context.shard(), address.first, address.second);
  if (!server.ok()) {
    return absl::Status(server.status().code(),
                        absl::StrCat("cannot start the HTTP admin listener (", kKey, "=", listener,
                                     "): ", server.status().message()));
  }
  auto admin = std::unique_ptr<AdminServer>(new AdminServer(context, *std::move(server)));
  AdminServer* self = admin.get();
  // The routes live in server_, which dies with this object: `self` is safe.
  self->server_->Route("/metrics", [self](const io::HttpRequest&, io::HttpServer::Reply reply) {
    self->ServeMetrics(std::move(reply));
  });
  self->server_->Route("/v1/health", [](const io::HttpRequest&, io::HttpServer::Reply reply) {
    std::move(reply)(io::HttpResponse::Text(200, "ok\n"));
  });
  self->server_->Route("/v1/ready", [self](const io::HttpRequest&, io::HttpServer::Reply reply) {
    std::move(reply)(self->ready_ ? io::HttpResponse::Text(200, "ready\n")
                                  : io::HttpResponse::Text(503, "not ready\n"));
  });
  self->server_->Route("/v1/controller", [self](const io::HttpRequest&, io::HttpServer::Reply reply) {
    self->ServeController(std::move(reply));
  });
  return admin;
}

void AdminServer::ServeController(io::HttpServer::Reply reply) const {
  if (controller_ == nullptr) {
    std::move(reply)(io::HttpResponse::Text(503, "the controller is not running yet\n"));
    return;
  }
  // One line of JSON: which node leads the metadata quorum as this node sees
  // it, and how far this node has applied the metadata log.
  const auto image = controller_->image();
  std::move(reply)(io::HttpResponse::Text(
      200, absl::StrCat("{\"node_id\":", context_.config().node_id.value(),
                        ",\"leader\":", controller_->leader().value(),
                        ",\"is_leader\":", controller_->is_leader() ? "true" : "false",
                        ",\"applied_index\":", controller_->applied_index(),
                        ",\"topics\":", image->topics.size(), ",\"brokers\":", image->brokers.size(), "}\n")));
}

AdminServer::AdminServer(ShardContext& context, std::unique_ptr<io::HttpServer> server)
    : context_(context), server_(std::move(server)) {}

AdminServer::~AdminServer() { server_->Close(); }

void AdminServer::ServeMetrics(io::HttpServer::Reply reply) {
  // The completion owns everything it needs: it may run after this object
  // is gone (the reply is then dropped by the HTTP server).
  struct ShardSnapshot {
    Metrics metrics;
    std::vector<group::CommittedView> committed;
  };
  auto gather = Gather<ShardSnapshot>::Create(
      static_cast<size_t>(context_.shard_count()),
      [reply = std::move(reply)](std::vector<ShardSnapshot> shards) mutable {
        Metrics total;
        std::vector<group::CommittedView> committed;
        for (ShardSnapshot& shard : shards) {
          total.Merge(shard.metrics);
          committed.insert(committed.end(), shard.committed.begin(), shard.committed.end());
        }
        AddConsumerLag(total, committed);
        total.Set(kActiveControllerCount, {}, 1);  // single node: it is the controller
        io::HttpResponse response;
        response.content_type = kMetricsContentType;
        response.body = total.Render();
        std::move(reply)(std::move(response));
      });
  for (int shard = 0; shard < context_.shard_count(); ++shard) {
    context_.CallOnShard<ShardSnapshot>(
        shard,
        [](ShardContext& owner, absl::AnyInvocable<void(ShardSnapshot) &&> answer) {
          ShardSnapshot snapshot{SnapshotShardMetrics(owner), {}};
          snapshot.committed = SnapshotGroupOffsets(owner, snapshot.metrics);
          std::move(answer)(std::move(snapshot));
        },
        [gather, shard](ShardSnapshot snapshot) { gather->Set(static_cast<size_t>(shard), std::move(snapshot)); });
  }
}

}  // namespace cairn::broker
