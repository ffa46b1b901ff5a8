// Tests of cairnd's keys: Kafka defaults, precedence rules and the cross-key
// checks, with the exact messages an operator sees.
#include "common/server_config.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cairn {
namespace {

absl::StatusOr<ServerConfig> Load(std::string_view text,
                                  const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<Config> config = ServerConfigDef().Parse(text, overrides);
  if (!config.ok()) return config.status();
  return ServerConfig::FromConfig(*config);
}

std::string ErrorOf(std::string_view text, const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<ServerConfig> config = Load(text, overrides);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

TEST_CASE("ServerConfig: no config runs a single node on 127.0.0.1:9092 with data in ./data") {
  absl::StatusOr<ServerConfig> config = Load("");
  REQUIRE(config.ok());
  CHECK(config->node_id == NodeId(1));
  CHECK(config->process_broker);
  CHECK(config->process_controller);
  CHECK(config->listeners == std::vector<Listener>{{"PLAINTEXT", "127.0.0.1", 9092}});
  CHECK(config->advertised_listeners == config->listeners);
  CHECK(config->controller_listener_names == std::vector<std::string>{"CONTROLLER"});
  CHECK(config->controller_quorum_voters.empty());
  CHECK(config->log_dirs == std::vector<std::string>{"./data"});
  CHECK(config->num_partitions == 1);
  CHECK(config->default_replication_factor == 1);
  CHECK(config->min_insync_replicas == 1);
  CHECK(config->offsets_topic_num_partitions == 50);
  CHECK(config->offsets_topic_replication_factor == 1);
  CHECK(config->log_retention_ms == 604800000);
  CHECK(config->log_retention_bytes == -1);
  CHECK(config->log_segment_bytes == 1073741824);
  CHECK(config->log_roll_ms == 604800000);
  CHECK(config->log_index_interval_bytes == 4096);
  CHECK(config->log_index_size_max_bytes == 10485760);
  CHECK(config->log_preallocate);
  CHECK(config->log_cleanup_policy_delete);
  CHECK_FALSE(config->log_cleanup_policy_compact);
  CHECK(config->log_cleaner_delete_retention_ms == 86400000);
  CHECK(config->log_cleaner_min_cleanable_ratio == 0.5);
  CHECK(config->log_retention_check_interval_ms == 300000);
  CHECK(config->log_flush_interval_messages == 9223372036854775807);
  CHECK(config->log_flush_interval_ms == -1);
  CHECK(config->auto_create_topics_enable);
  CHECK(config->message_max_bytes == 1048588);
  CHECK(config->socket_request_max_bytes == 104857600);
  CHECK(config->broker_session_timeout_ms == 9000);
  CHECK(config->broker_heartbeat_interval_ms == 2000);
  CHECK(config->admin_listener == "127.0.0.1:9644");
  CHECK(config->smp == 0);
  CHECK(config->max_connections == 2147483647);
  CHECK(config->max_connections_per_ip == 2147483647);
  CHECK(config->queued_max_request_bytes == 268435456);
  CHECK(config->max_in_flight_requests_per_connection == 16);
  CHECK(config->max_queued_response_bytes_per_connection == 1048576);
  CHECK(config->quota_producer_default == 9223372036854775807);
  CHECK(config->quota_consumer_default == 9223372036854775807);
  CHECK(config->quota_window_num == 11);
  CHECK(config->quota_window_size_seconds == 1);
}

TEST_CASE("ServerConfig: flow-control keys take Kafka's names and the budget must hold one request") {
  absl::StatusOr<ServerConfig> config =
      Load("max.connections=100\nmax.connections.per.ip=3\nqueued.max.request.bytes=-1\n"
           "quota.producer.default=100000\nquota.consumer.default=200000");
  REQUIRE(config.ok());
  CHECK(config->max_connections == 100);
  CHECK(config->max_connections_per_ip == 3);
  CHECK(config->queued_max_request_bytes == -1);
  CHECK(config->quota_producer_default == 100000);
  CHECK(config->quota_consumer_default == 200000);
  CHECK(ErrorOf("queued.max.request.bytes=1000") ==
        "invalid value '1000' for 'queued.max.request.bytes': must be -1 or at least "
        "socket.request.max.bytes (104857600)");
}

TEST_CASE("ServerConfig: a typical Kafka server.properties file is accepted") {
  absl::StatusOr<ServerConfig> config = Load(
      "# Kafka KRaft combined mode\n"
      "process.roles=broker,controller\n"
      "node.id=2\n"
      "controller.quorum.voters=1@n1:9093,2@n2:9093,3@n3:9093\n"
      "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\n"
      "advertised.listeners=PLAINTEXT://n2:9092\n"
      "num.network.threads=3\n"
      "num.io.threads=8\n"
      "log.dirs=/var/lib/cairn/a, /var/lib/cairn/b\n"
      "log.cleanup.policy=compact,delete\n");
  REQUIRE(config.ok());
  CHECK(config->node_id == NodeId(2));
  CHECK(config->listeners ==
        std::vector<Listener>{{"PLAINTEXT", "", 9092}, {"CONTROLLER", "", 9093}});
  CHECK(config->advertised_listeners == std::vector<Listener>{{"PLAINTEXT", "n2", 9092}});
  CHECK(config->controller_quorum_voters == std::vector<QuorumVoter>{{NodeId(1), "n1", 9093},
                                                                     {NodeId(2), "n2", 9093},
                                                                     {NodeId(3), "n3", 9093}});
  CHECK(config->log_dirs == std::vector<std::string>{"/var/lib/cairn/a", "/var/lib/cairn/b"});
  CHECK(config->log_cleanup_policy_compact);
  CHECK(config->log_cleanup_policy_delete);
}

TEST_CASE("ServerConfig: advertised listeners default to the listeners minus the controller's") {
  absl::StatusOr<ServerConfig> config =
      Load("listeners=PLAINTEXT://10.0.0.1:9092,CONTROLLER://10.0.0.1:9093\n");
  REQUIRE(config.ok());
  CHECK(config->advertised_listeners == std::vector<Listener>{{"PLAINTEXT", "10.0.0.1", 9092}});
}

TEST_CASE("ServerConfig: retention takes ms over minutes over hours, negative meaning forever") {
  CHECK(Load("log.retention.hours=1")->log_retention_ms == 3600000);
  CHECK(Load("log.retention.hours=1\nlog.retention.minutes=2")->log_retention_ms == 120000);
  CHECK(Load("log.retention.hours=1\nlog.retention.minutes=2\nlog.retention.ms=5")
            ->log_retention_ms == 5);
  CHECK(Load("log.retention.minutes=2", {"log.retention.ms=-1"})->log_retention_ms == -1);
  CHECK(Load("log.retention.hours=-1")->log_retention_ms == -1);
  CHECK(ErrorOf("log.retention.ms=-2") ==
        "invalid value '-2' for 'log.retention.ms': must be at least -1 (line 1)");
}

TEST_CASE("ServerConfig: log.roll.ms wins over log.roll.hours") {
  CHECK(Load("log.roll.hours=2")->log_roll_ms == 7200000);
  CHECK(Load("log.roll.hours=2\nlog.roll.ms=1000")->log_roll_ms == 1000);
}

TEST_CASE("ServerConfig: log.dirs wins over log.dir, which wins over the default") {
  CHECK(Load("log.dir=/one")->log_dirs == std::vector<std::string>{"/one"});
  CHECK(Load("log.dir=/one\nlog.dirs=/two,/three")->log_dirs ==
        std::vector<std::string>{"/two", "/three"});
  CHECK(ErrorOf("log.dirs=") ==
        "invalid value '' for 'log.dirs': must name at least one directory");
  CHECK(ErrorOf("log.dirs=/a,/a") ==
        "invalid value '/a,/a' for 'log.dirs': directory '/a' appears twice");
}

TEST_CASE("ServerConfig: overrides win over the file") {
  absl::StatusOr<ServerConfig> config =
      Load("num.partitions=3\nauto.create.topics.enable=true\n",
           {"num.partitions=6", "auto.create.topics.enable=false"});
  REQUIRE(config.ok());
  CHECK(config->num_partitions == 6);
  CHECK_FALSE(config->auto_create_topics_enable);
}

TEST_CASE("ServerConfig: log.preallocate can be turned off and takes only a boolean") {
  absl::StatusOr<ServerConfig> config = Load("log.preallocate=false\n", {});
  REQUIRE(config.ok());
  CHECK_FALSE(config->log_preallocate);
  CHECK(ErrorOf("log.preallocate=sometimes").find("'log.preallocate'") != std::string::npos);
}

TEST_CASE("ServerConfig: single-key range errors name the key") {
  CHECK(ErrorOf("num.partitions=0") ==
        "invalid value '0' for 'num.partitions': must be at least 1 (line 1)");
  CHECK(ErrorOf("log.segment.bytes=13") ==
        "invalid value '13' for 'log.segment.bytes': must be at least 14 (line 1)");
  CHECK(ErrorOf("log.cleaner.min.cleanable.ratio=2") ==
        "invalid value '2' for 'log.cleaner.min.cleanable.ratio': must be between 0 and 1 "
        "(line 1)");
  CHECK(ErrorOf("process.roles=broker,zookeeper") ==
        "invalid value 'broker,zookeeper' for 'process.roles': element 'zookeeper' must be one "
        "of: broker, controller (line 1)");
  CHECK(ErrorOf("log.cleanup.policy=remove") ==
        "invalid value 'remove' for 'log.cleanup.policy': element 'remove' must be one of: "
        "delete, compact (line 1)");
  CHECK(ErrorOf("zookeeper.connect=localhost:2181") ==
        "unknown config key 'zookeeper.connect' (line 1)");
}

TEST_CASE("ServerConfig: listeners must be NAME://host:port with a port up to 65535") {
  CHECK(ErrorOf("listeners=localhost:9092") ==
        "invalid value 'localhost:9092' for 'listeners': expected NAME://host:port");
  CHECK(ErrorOf("listeners=PLAINTEXT://localhost:70000") ==
        "invalid value 'PLAINTEXT://localhost:70000' for 'listeners': port must be between 0 "
        "and 65535");
  CHECK(ErrorOf("listeners=PLAINTEXT://localhost") ==
        "invalid value 'PLAINTEXT://localhost' for 'listeners': expected host:port");
  CHECK(ErrorOf("listeners=PLAINTEXT://::1:9092") ==
        "invalid value 'PLAINTEXT://::1:9092' for 'listeners': IPv6 addresses must be written "
        "as [address]:port");
  CHECK(Load("listeners=plaintext://[::1]:9092")->listeners ==
        std::vector<Listener>{{"PLAINTEXT", "::1", 9092}});
  CHECK(ErrorOf("listeners=PLAINTEXT://:1,PLAINTEXT://:2") ==
        "invalid value 'PLAINTEXT://:1,PLAINTEXT://:2' for 'listeners': listener name "
        "'PLAINTEXT' appears twice");
}

TEST_CASE("ServerConfig: every listener needs a security protocol") {
  CHECK(ErrorOf("listeners=INTERNAL://:9092") ==
        "invalid value 'INTERNAL' for 'listeners': listener 'INTERNAL' has no entry in "
        "listener.security.protocol.map");
  CHECK(Load("listeners=INTERNAL://:9092\nlistener.security.protocol.map=INTERNAL:PLAINTEXT").ok());
  CHECK(Load("listeners=SSL://:9093").ok());
  CHECK(ErrorOf("listener.security.protocol.map=PLAINTEXT:TLS") ==
        "invalid value 'PLAINTEXT:TLS' for 'listener.security.protocol.map': protocol must be "
        "one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
}

TEST_CASE("ServerConfig: advertised listeners must be listened on and routable") {
  CHECK(ErrorOf("advertised.listeners=EXTERNAL://h:1") ==
        "invalid value 'EXTERNAL' for 'advertised.listeners': listener 'EXTERNAL' is not in "
        "listeners");
  CHECK(ErrorOf("advertised.listeners=PLAINTEXT://0.0.0.0:9092") ==
        "invalid value '0.0.0.0' for 'advertised.listeners': cannot advertise a wildcard "
        "address; use a routable one");
}

TEST_CASE("ServerConfig: the quorum must contain this node exactly when it is a controller") {
  CHECK(ErrorOf("controller.quorum.voters=2@h:9093") ==
        "invalid value '2@h:9093' for 'controller.quorum.voters': node.id 1 is not a voter but "
        "process.roles includes controller");
  CHECK(ErrorOf("process.roles=broker\ncontroller.quorum.voters=1@h:9093") ==
        "invalid value '1@h:9093' for 'controller.quorum.voters': node.id 1 is a voter but "
        "process.roles does not include controller");
  CHECK(ErrorOf("process.roles=broker") ==
        "invalid value '' for 'controller.quorum.voters': must name the controllers when "
        "process.roles does not include controller");
  CHECK(ErrorOf("controller.quorum.voters=h:9093") ==
        "invalid value 'h:9093' for 'controller.quorum.voters': expected id@host:port with a "
        "non-negative id");
  CHECK(ErrorOf("controller.quorum.voters=1@h:9093,1@g:9093") ==
        "invalid value '1@g:9093' for 'controller.quorum.voters': voter 1 appears twice");
  CHECK(ErrorOf("process.roles=") ==
        "invalid value '' for 'process.roles': must list broker, controller or both");
  absl::StatusOr<ServerConfig> broker = Load(
      "process.roles=broker\nnode.id=4\n"
      "controller.quorum.voters=1@h:9093\n"
      "listeners=PLAINTEXT://:9092,CONTROLLER://h4:9093");
  REQUIRE(broker.ok());
  CHECK(broker->process_broker);
  CHECK_FALSE(broker->process_controller);
}

TEST_CASE("ServerConfig: a broker-only node needs a dialable controller listener for its learner") {
  CHECK(ErrorOf("process.roles=broker\nnode.id=4\ncontroller.quorum.voters=1@h:9093") ==
        "invalid value 'CONTROLLER' for 'listeners': a broker-only node (process.roles=broker) needs a "
        "listener named in controller.listener.names: the controller quorum sends it the metadata log "
        "there");
  CHECK(ErrorOf("process.roles=broker\nnode.id=4\ncontroller.quorum.voters=1@h:9093\n"
                "listeners=PLAINTEXT://:9092,CONTROLLER://:9093") ==
        "invalid value 'CONTROLLER' for 'listeners': a broker-only node's controller listener must name "
        "an address the controllers can dial, not a wildcard");
}

TEST_CASE("ServerConfig: cluster.id defaults to cairn and may be set") {
  absl::StatusOr<ServerConfig> defaults = Load("");
  REQUIRE(defaults.ok());
  CHECK(defaults->cluster_id == "cairn");
  absl::StatusOr<ServerConfig> named = Load("cluster.id=prod-eu");
  REQUIRE(named.ok());
  CHECK(named->cluster_id == "prod-eu");
  CHECK(ErrorOf("cluster.id=") == "invalid value '' for 'cluster.id': must not be empty");
}

TEST_CASE("ServerConfig: size and timeout relations are checked across keys") {
  CHECK(ErrorOf("message.max.bytes=2000\nsocket.request.max.bytes=1000") ==
        "invalid value '2000' for 'message.max.bytes': must not exceed socket.request.max.bytes "
        "(1000)");
  CHECK(ErrorOf("broker.heartbeat.interval.ms=9000") ==
        "invalid value '9000' for 'broker.heartbeat.interval.ms': must be less than "
        "broker.session.timeout.ms (9000)");
}

TEST_CASE("ServerConfig: the admin listener is host:port, or empty to disable it") {
  CHECK(Load("admin.listener=")->admin_listener.empty());
  CHECK(Load("admin.listener=0.0.0.0:9644")->admin_listener == "0.0.0.0:9644");
  CHECK(ErrorOf("admin.listener=9644") ==
        "invalid value '9644' for 'admin.listener': expected host:port");
}

TEST_CASE("ServerConfig: Dump shows the effective values of every defined key") {
  absl::StatusOr<Config> config = ServerConfigDef().Parse("num.partitions=4\n");
  REQUIRE(config.ok());
  std::string dump = config->Dump();
  CHECK(dump.find("num.partitions=4\n") != std::string::npos);
  CHECK(dump.find("listeners=PLAINTEXT://127.0.0.1:9092\n") != std::string::npos);
  CHECK(dump.find("log.flush.interval.messages=9223372036854775807\n") != std::string::npos);
  CHECK(dump.find("log.retention.ms=") == std::string::npos);
}

}  // namespace
}  // namespace cairn
