// The keys cairnd accepts (Kafka's server.properties names and defaults,
// DESIGN.md §10) and the typed, cross-checked ServerConfig built from them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config.h"
#include "common/ids.h"

namespace cairn {

// Every key cairnd understands. Keys Kafka has but Cairn ignores
// (num.io.threads, num.network.threads) are accepted so that existing
// server.properties files work unchanged.
ConfigDef ServerConfigDef();

// One entry of `listeners`: NAME://host:port. An empty host means every
// interface, as in Kafka.
struct Listener {
  std::string name;
  std::string host;
  uint16_t port = 0;

  friend bool operator==(const Listener&, const Listener&) = default;
};

// One entry of `controller.quorum.voters`: id@host:port.
struct QuorumVoter {
  NodeId node_id;
  std::string host;
  uint16_t port = 0;

  friend bool operator==(const QuorumVoter&, const QuorumVoter&) = default;
};

// Parses "NAME://host:port" ("[::1]" for IPv6 hosts); `key` names the config
// key in errors.
absl::StatusOr<Listener> ParseListener(std::string_view text, std::string_view key);

struct ServerConfig {
  // Whether `listener` is named in controller.listener.names (it carries the
  // quorum's traffic, never Kafka clients').
  bool IsControllerListener(const Listener& listener) const;

  NodeId node_id{1};
  // cluster.id: carried by every quorum message; nodes of another cluster
  // are refused.
  std::string cluster_id = "cairn";
  bool process_broker = true;
  bool process_controller = true;
  std::vector<Listener> listeners;
  // Defaults to `listeners` when advertised.listeners is empty.
  std::vector<Listener> advertised_listeners;
  std::vector<std::string> controller_listener_names;
  // Empty: a single-node quorum made of this node.
  std::vector<QuorumVoter> controller_quorum_voters;
  std::vector<std::string> log_dirs;

  int32_t num_partitions = 1;
  int32_t default_replication_factor = 1;
  int32_t min_insync_replicas = 1;
  int32_t offsets_topic_num_partitions = 50;
  int32_t offsets_topic_replication_factor = 1;

  // Kafka's precedence: log.retention.ms > .minutes > .hours; -1 is infinite.
  int64_t log_retention_ms = 0;
  int64_t log_retention_bytes = -1;  // -1: no size limit
  int32_t log_segment_bytes = 0;
  // log.roll.ms > log.roll.hours.
  int64_t log_roll_ms = 0;
  int32_t log_index_interval_bytes = 0;
  int32_t log_index_size_max_bytes = 0;
  bool log_preallocate = true;
  bool log_cleanup_policy_delete = true;
  bool log_cleanup_policy_compact = false;
  int64_t log_cleaner_delete_retention_ms = 0;
  double log_cleaner_min_cleanable_ratio = 0.5;
  int64_t log_retention_check_interval_ms = 0;
  int64_t log_flush_offset_checkpoint_interval_ms = 60000;
  int64_t log_flush_interval_messages = 0;
  int64_t log_flush_interval_ms = -1;  // -1: unset (fsync before acknowledge)

  bool auto_create_topics_enable = true;
  int32_t message_max_bytes = 0;
  int32_t socket_request_max_bytes = 0;
  int32_t broker_session_timeout_ms = 0;
  int32_t broker_heartbeat_interval_ms = 0;
  // metadata.log.max.record.bytes.between.snapshots (Kafka's key).
  int64_t metadata_snapshot_bytes = 0;
  // Flow control and limits (DESIGN.md §8). Connection limits of INT32_MAX
  // (Kafka's default) are unlimited.
  int32_t max_connections = 2147483647;
  int32_t max_connections_per_ip = 2147483647;
  int32_t topic_partitions_per_shard = 5000;  // 0: only the open-file limit
  // Request bytes in memory for the whole broker, split evenly over shards
  // (queued.max.request.bytes; -1: unlimited).
  int64_t queued_max_request_bytes = 256 << 20;
  int32_t max_in_flight_requests_per_connection = 16;
  // Past this many unsent response bytes a connection stops reading.
  int64_t max_queued_response_bytes_per_connection = 1 << 20;
  // Bytes per second per client id; INT64_MAX is unlimited.
  int64_t quota_producer_default = INT64_MAX;
  int64_t quota_consumer_default = INT64_MAX;
  int32_t quota_window_num = 11;
  int32_t quota_window_size_seconds = 1;
  // Consumer groups (DESIGN.md §7).
  int32_t group_min_session_timeout_ms = 6000;
  int32_t group_max_session_timeout_ms = 1800000;
  int32_t group_initial_rebalance_delay_ms = 3000;
  int32_t group_max_size = 2147483647;
  int64_t offsets_retention_ms = 10080LL * 60 * 1000;  // offsets.retention.minutes
  int64_t offsets_retention_check_interval_ms = 600000;
  int32_t offset_metadata_max_bytes = 4096;
  // host:port of the HTTP admin listener; empty disables it.
  std::string admin_listener;
  int32_t smp = 0;  // 0: one shard per core
  bool smp_pin_cpus = false;

  // Builds the typed view and checks what single keys cannot: listener
  // syntax, quorum membership, size and timeout relations. Errors are
  // InvalidArgument naming the key.
  static absl::StatusOr<ServerConfig> FromConfig(const Config& config);
};

}  // namespace cairn
