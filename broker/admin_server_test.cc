// Tests of the HTTP admin endpoints on a real two-shard runtime and real
// loopback sockets: health, readiness, metrics gathered from every shard,
// and a bind failure naming admin.listener.
#include "broker/admin_server.h"

#include <doctest/doctest.h>

#include <future>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "broker/metrics.h"
#include "common/check.h"
#include "common/server_config.h"
#include "io/posix_file_system.h"
#include "io/shard.h"
#include "io/testing/http_client.h"
#include "io/testing/temp_dir.h"
#include "storage/log_manager.h"

namespace cairn::broker {
namespace {

using io::testing::HttpGet;
using io::testing::HttpResult;

constexpr int kShards = 2;

// Two shards with registered contexts (no logs unless a test opens them).
class Node {
 public:
  Node() {
    CAIRN_CHECK(runtime_.Start(kShards).ok());
    std::vector<ShardContext*> raw;
    for (int i = 0; i < kShards; ++i) {
      contexts_.push_back(std::make_unique<ShardContext>(i, kShards, config_, runtime_));
      raw.push_back(contexts_.back().get());
    }
    ShardContext::RegisterAll(raw);
  }

  ~Node() {
    for (int i = 0; i < kShards; ++i) {
      RunOn(i, [this, i] {
        if (i == 0) admin_.reset();
        if (contexts_[i]->logs_ready()) CAIRN_CHECK(contexts_[i]->logs().CloseAll().ok());
        contexts_[i]->set_logs(nullptr);
        contexts_[i]->set_fs(nullptr);
        Metrics::Local().Clear();
      });
    }
    runtime_.Stop();
  }

  template <typename F>
  auto RunOn(int shard, F task) -> std::invoke_result_t<F&> {
    using Result = std::invoke_result_t<F&>;
    std::promise<Result> done;
    auto future = done.get_future();
    runtime_.Post(shard, [&task, &done] {
      if constexpr (std::is_void_v<Result>) {
        task();
        done.set_value();
      } else {
        done.set_value(task());
      }
    });
    return future.get();
  }

  absl::Status StartAdmin(const std::string& listener) {
    return RunOn(0, [this, &listener]() -> absl::Status {
      auto admin = AdminServer::Start(*contexts_[0], listener);
      if (!admin.ok()) return admin.status();
      admin_ = *std::move(admin);
      return absl::OkStatus();
    });
  }

  AdminServer& admin() { return *admin_; }
  ShardContext& context(int i) { return *contexts_[i]; }

 private:
  ServerConfig config_;
  io::ShardRuntime runtime_;
  std::vector<std::unique_ptr<ShardContext>> contexts_;
  std::unique_ptr<AdminServer> admin_;
};

TEST_CASE("HTTP admin server: health is 200 at once, ready is 503 until the broker says so") {
  Node node;
  REQUIRE(node.StartAdmin("127.0.0.1:0").ok());
  const uint16_t port = node.RunOn(0, [&node] { return node.admin().port(); });
  const HttpResult health = HttpGet(port, "/v1/health");
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
  CHECK(HttpGet(port, "/v1/ready").status == 503);
  node.RunOn(0, [&node] { node.admin().set_ready(true); });
  const HttpResult ready = HttpGet(port, "/v1/ready");
  CHECK(ready.status == 200);
  CHECK(ready.body == "ready\n");
  CHECK(HttpGet(port, "/nope").status == 404);
}

TEST_CASE("HTTP admin server: /metrics sums the counters of every shard") {
  Node node;
  REQUIRE(node.StartAdmin("127.0.0.1:0").ok());
  const uint16_t port = node.RunOn(0, [&node] { return node.admin().port(); });
  node.RunOn(0, [] { CountMessagesIn("orders", RecordTally{3, 300}); });
  node.RunOn(1, [] {
    CountMessagesIn("orders", RecordTally{4, 400});
    CountBytesOut("orders", 70);
  });
  const HttpResult result = HttpGet(port, "/metrics");
  REQUIRE(result.status == 200);
  CHECK(result.Header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = result.body;
  CHECK(text.find("# TYPE kafka_server_brokertopicmetrics_messagesin_total counter\n"
                  "kafka_server_brokertopicmetrics_messagesin_total{topic=\"orders\"} 7\n") != std::string::npos);
  CHECK(text.find("kafka_server_brokertopicmetrics_bytesin_total{topic=\"orders\"} 700\n") != std::string::npos);
  CHECK(text.find("kafka_server_brokertopicmetrics_bytesout_total{topic=\"orders\"} 70\n") != std::string::npos);
  CHECK(text.find("kafka_controller_kafkacontroller_activecontrollercount 1\n") != std::string::npos);
  CHECK(text.find("cairn_partitions 0\n") != std::string::npos);
  CHECK(text.find("cairn_offline_partitions 0\n") != std::string::npos);
  CHECK(text.find("cairn_partitions_offline_for_writes 0\n") != std::string::npos);
}

TEST_CASE("HTTP admin server: /metrics reports each partition's log size") {
  io::testing::TempDir dir;
  Node node;
  // A partition on shard 1, in a real log dir.
  const absl::Status opened = node.RunOn(1, [&node, &dir]() -> absl::Status {
    ShardContext& context = node.context(1);
    context.set_fs(std::make_unique<io::PosixFileSystem>(&context.shard().ring()));
    storage::LogManager::Options options{{dir.path}, storage::LogConfig{}, NodeId(1)};
    auto logs = storage::LogManager::Open(&context.fs(), options, &SystemClock::Instance());
    if (!logs.ok()) return logs.status();
    context.set_logs(*std::move(logs));
    return context.logs().Create(TopicPartition{"events", 3}, storage::LogConfig{}).status();
  });
  REQUIRE(opened.ok());
  REQUIRE(node.StartAdmin("127.0.0.1:0").ok());
  const uint16_t port = node.RunOn(0, [&node] { return node.admin().port(); });
  const HttpResult result = HttpGet(port, "/metrics");
  REQUIRE(result.status == 200);
  CHECK(result.body.find("# TYPE kafka_log_log_size gauge\n"
                         "kafka_log_log_size{topic=\"events\",partition=\"3\"} 0\n") != std::string::npos);
  CHECK(result.body.find("cairn_partitions 1\n") != std::string::npos);
  CHECK(result.body.find("kafka_server_replicamanager_partitioncount 1\n") != std::string::npos);
}

TEST_CASE("HTTP admin server: a port in use fails naming admin.listener") {
  Node node;
  REQUIRE(node.StartAdmin("127.0.0.1:0").ok());
  const uint16_t port = node.RunOn(0, [&node] { return node.admin().port(); });
  auto try_start = [&node](const std::string& listener) {
    return node.RunOn(0, [&node, &listener] { return AdminServer::Start(node.context(0), listener).status(); });
  };
  const absl::Status status = try_start(absl::StrCat("127.0.0.1:", port));
  CHECK(absl::IsFailedPrecondition(status));
  CHECK(status.message().find("admin.listener") != std::string::npos);
  CHECK(status.message().find(absl::StrCat("127.0.0.1:", port)) != std::string::npos);
  CHECK(try_start("no-port").message().find("admin.listener") != std::string::npos);
  CHECK(try_start("no-such-host:1").message().find("admin.listener") != std::string::npos);
}

}  // namespace
}  // namespace cairn::broker
