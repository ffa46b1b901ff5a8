// cairnd's keys with Kafka's names and defaults, and the cross-key checks
// that turn a parsed Config into a ServerConfig (DESIGN.md §10).
#include "common/server_config.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace cairn {

namespace {

constexpr int64_t kMillisPerMinute = 60 * 1000;
constexpr int64_t kMillisPerHour = 60 * kMillisPerMinute;

using Type = ConfigType;
using V = ConfigValidator;

void DefineProcessKeys(ConfigDef& def) {
  def.Define("node.id", Type::kInt, "1", "The id of this node in the cluster.", V::AtLeast(0))
      .Define("cluster.id", Type::kString, "cairn",
              "The cluster this node belongs to: every quorum message carries it, and nodes of "
              "another cluster are refused.")
      .Define("process.roles", Type::kList, "broker,controller",
              "Roles this process plays: broker, controller or both.",
              V::OneOf({"broker", "controller"}))
      .Define("listeners", Type::kList, "PLAINTEXT://127.0.0.1:9092",
              "Addresses to listen on, as NAME://host:port (empty host: every interface; a host name binds the "
              "address it resolves to at start).")
      .Define("advertised.listeners", Type::kList, "",
              "Addresses given to clients; empty means the non-controller listeners.")
      .Define("listener.security.protocol.map", Type::kList,
              "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
              "Listener name to security protocol, as NAME:PROTOCOL.")
      .Define("controller.listener.names", Type::kList, "CONTROLLER",
              "Names of the listeners used by the controller quorum.")
      .Define("controller.quorum.voters", Type::kList, "",
              "The controller quorum as id@host:port; empty runs a single-node quorum.")
      .Define("smp", Type::kInt, "0", "Number of shards (threads); 0 means one per core.",
              V::AtLeast(0))
      .Define("smp.pin.cpus", Type::kBool, "false",
              "Pin shard i to the i-th CPU. Off: on a machine shared with clients or other services the "
              "scheduler then moves a shard (and its io_uring workers) to an idle CPU.")
      .Define("num.io.threads", Type::kInt, "8", "Accepted for compatibility; see smp.",
              V::AtLeast(1))
      .Define("num.network.threads", Type::kInt, "3", "Accepted for compatibility; see smp.",
              V::AtLeast(1))
      .Define("admin.listener", Type::kString, "127.0.0.1:9644",
              "host:port of the HTTP admin listener (/metrics, /v1/health); empty disables.")
      .Define("broker.session.timeout.ms", Type::kInt, "9000",
              "A broker without a heartbeat for this long is fenced.", V::AtLeast(1))
      .Define("broker.heartbeat.interval.ms", Type::kInt, "2000",
              "Interval between broker heartbeats to the controller.", V::AtLeast(1))
      .Define("metadata.log.max.record.bytes.between.snapshots", Type::kLong, "20971520",
              "Metadata log bytes applied between two snapshots of the metadata image.", V::AtLeast(1));
}

void DefineTopicKeys(ConfigDef& def) {
  def.Define("num.partitions", Type::kInt, "1", "Partitions of an auto-created topic.",
             V::AtLeast(1))
      .Define("default.replication.factor", Type::kInt, "1",
              "Replication factor of an auto-created topic.", V::AtLeast(1))
      .Define("min.insync.replicas", Type::kInt, "1",
              "In-sync replicas needed for an acks=all produce to succeed.", V::AtLeast(1))
      .Define("offsets.topic.num.partitions", Type::kInt, "50", "Partitions of __consumer_offsets.",
              V::AtLeast(1))
      .Define("offsets.topic.replication.factor", Type::kInt, "1",
              "Replication factor of __consumer_offsets.", V::AtLeast(1))
      .Define("auto.create.topics.enable", Type::kBool, "true",
              "Create a topic when a client first asks for it.")
      .Define("message.max.bytes", Type::kInt, "1048588",
              "Largest record batch accepted, in bytes.", V::AtLeast(0))
      .Define("socket.request.max.bytes", Type::kInt, "104857600",
              "Largest request accepted, in bytes.", V::AtLeast(1));
}

// Consumer groups (DESIGN.md §7), Kafka's names and defaults.
void DefineGroupKeys(ConfigDef& def) {
  def.Define("group.min.session.timeout.ms", Type::kInt, "6000",
             "Shortest session timeout a group member may ask for.", V::AtLeast(1))
      .Define("group.max.session.timeout.ms", Type::kInt, "1800000",
              "Longest session timeout a group member may ask for.", V::AtLeast(1))
      .Define("group.initial.rebalance.delay.ms", Type::kInt, "3000",
              "How long the first rebalance of an empty group waits for more members.", V::AtLeast(0))
      .Define("group.max.size", Type::kInt, "2147483647", "Most members a group may have.", V::AtLeast(1))
      .Define("offsets.retention.minutes", Type::kInt, "10080",
              "How long an empty group's committed offsets are kept.", V::AtLeast(1))
      .Define("offsets.retention.check.interval.ms", Type::kLong, "600000",
              "How often expired committed offsets are looked for.", V::AtLeast(1))
      .Define("offset.metadata.max.bytes", Type::kInt, "4096",
              "Largest metadata string of a committed offset.", V::AtLeast(0));
}

// DESIGN.md §8; Kafka's names where Kafka has the setting.
void DefineFlowControlKeys(ConfigDef& def) {
  def.Define("max.connections", Type::kInt, "2147483647",
             "Connections the broker accepts in total; more are closed at once.", V::AtLeast(0))
      .Define("max.connections.per.ip", Type::kInt, "2147483647",
              "Connections the broker accepts from one IP address; more are closed at once.",
              V::AtLeast(0))
      .Define("topic.partitions.per.shard", Type::kInt, "5000",
              "Partition replicas each shard may host; the broker also stays within its open-file "
              "limit (2 per partition, 1024 kept for the rest). Topics or partitions that would exceed "
              "it are refused with INVALID_PARTITIONS. 0: only the open-file limit.",
              V::AtLeast(0))
      .Define("queued.max.request.bytes", Type::kLong, "268435456",
              "Request bytes held in memory by the whole broker (split over shards); past it "
              "no more requests are read. -1 is unlimited.", V::AtLeast(-1))
      .Define("cairn.max.in.flight.requests.per.connection", Type::kInt, "16",
              "Requests of one connection being processed at once; past it the connection is "
              "not read.", V::AtLeast(1))
      .Define("cairn.max.queued.response.bytes.per.connection", Type::kLong, "1048576",
              "Unsent response bytes of one connection past which it is not read until the "
              "client reads.", V::AtLeast(1))
      .Define("quota.producer.default", Type::kLong, "9223372036854775807",
              "Produce bytes per second allowed to each client id.", V::AtLeast(1))
      .Define("quota.consumer.default", Type::kLong, "9223372036854775807",
              "Fetch bytes per second allowed to each client id.", V::AtLeast(1))
      .Define("quota.window.num", Type::kInt, "11", "Samples kept to measure quota rates.",
              V::AtLeast(1))
      .Define("quota.window.size.seconds", Type::kInt, "1", "Length of one quota sample.",
              V::AtLeast(1));
}

void DefineLogKeys(ConfigDef& def) {
  def.Define("log.dirs", Type::kList, "./data", "Directories holding partition data.")
      .DefineOptional("log.dir", Type::kString, "A single data directory; log.dirs wins.")
      .Define("log.retention.hours", Type::kInt, "168", "Time retention in hours; -1 is infinite.",
              V::AtLeast(-1))
      .DefineOptional("log.retention.minutes", Type::kInt,
                      "Time retention in minutes; wins over hours.", V::AtLeast(-1))
      .DefineOptional("log.retention.ms", Type::kLong,
                      "Time retention in ms; wins over minutes; -1 is infinite.", V::AtLeast(-1))
      .Define("log.retention.bytes", Type::kLong, "-1",
              "Size retention per partition; -1 is infinite.", V::AtLeast(-1))
      .Define("log.segment.bytes", Type::kInt, "1073741824", "Size at which a segment rolls.",
              V::AtLeast(14))
      .Define("log.roll.hours", Type::kInt, "168", "Age at which a segment rolls, in hours.",
              V::AtLeast(1))
      .DefineOptional("log.roll.ms", Type::kLong, "Age at which a segment rolls; wins over hours.",
                      V::AtLeast(1))
      .Define("log.index.interval.bytes", Type::kInt, "4096",
              "Bytes between two offset index entries.", V::AtLeast(0))
      .Define("log.preallocate", Type::kBool, "true",
              "Zero the active segment ahead of small durable writes, so each overwrites allocated space "
              "instead of growing the file (docs/format/segment.md).")
      .Define("log.index.size.max.bytes", Type::kInt, "10485760",
              "Largest offset index file, in bytes.", V::AtLeast(4))
      .Define("log.cleanup.policy", Type::kList, "delete",
              "delete (retention), compact (keep the latest record per key) or both.",
              V::OneOf({"delete", "compact"}))
      .Define("log.cleaner.delete.retention.ms", Type::kLong, "86400000",
              "How long tombstones survive compaction.", V::AtLeast(0))
      .Define("log.cleaner.min.cleanable.ratio", Type::kDouble, "0.5",
              "Dirty fraction of a log that triggers compaction.", V::DoubleBetween(0, 1))
      .Define("log.retention.check.interval.ms", Type::kLong, "300000",
              "Interval between retention checks.", V::AtLeast(1))
      .Define("log.flush.offset.checkpoint.interval.ms", Type::kLong, "60000",
              "Interval between recovery-point checkpoints: data older than this is verified, "
              "not truncated, by crash recovery.", V::AtLeast(1))
      .Define("log.flush.interval.messages", Type::kLong, "9223372036854775807",
              "Messages between forced flushes (acks=all always syncs first).", V::AtLeast(1))
      .DefineOptional("log.flush.interval.ms", Type::kLong,
                      "Interval between forced flushes (acks=all always syncs first).",
                      V::AtLeast(0));
}

// This Abseil build has its own string_view type; convert at its boundary.
absl::string_view Absl(std::string_view text) { return {text.data(), text.size()}; }

std::string Upper(std::string_view text) { return absl::AsciiStrToUpper(Absl(text)); }

absl::Status InvalidValue(std::string_view key, std::string_view value, std::string_view reason) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid value '", Absl(value), "' for '", Absl(key), "': ", Absl(reason)));
}

absl::StatusOr<uint16_t> ParsePort(std::string_view text) {
  uint32_t port = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size() ||
      port > std::numeric_limits<uint16_t>::max()) {
    return absl::InvalidArgumentError("port must be between 0 and 65535");
  }
  return static_cast<uint16_t>(port);
}

// Splits "host:port" or "[v6 address]:port"; the reason is the error message.
absl::StatusOr<std::pair<std::string, uint16_t>> ParseHostPort(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
      return absl::InvalidArgumentError("expected [address]:port");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return absl::InvalidArgumentError("expected host:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return absl::InvalidArgumentError("IPv6 addresses must be written as [address]:port");
    }
  }
  ASSIGN_OR_RETURN(uint16_t number, ParsePort(port));
  return std::make_pair(std::string(host), number);
}

absl::StatusOr<std::vector<Listener>> ParseListeners(const Config& config, std::string_view key) {
  std::vector<Listener> listeners;
  std::set<std::string> names;
  for (const std::string& text : config.GetList(key)) {
    ASSIGN_OR_RETURN(Listener listener, ParseListener(text, key));
    if (!names.insert(listener.name).second) {
      return InvalidValue(key, absl::StrJoin(config.GetList(key), ","),
                          absl::StrCat("listener name '", listener.name, "' appears twice"));
    }
    listeners.push_back(std::move(listener));
  }
  return listeners;
}

// listener.security.protocol.map: every listener needs a known protocol.
absl::Status CheckSecurityProtocols(const Config& config, const std::vector<Listener>& listeners) {
  constexpr std::string_view kKey = "listener.security.protocol.map";
  static const std::set<std::string, std::less<>> kProtocols = {"PLAINTEXT", "SSL",
                                                                "SASL_PLAINTEXT", "SASL_SSL"};
  std::set<std::string, std::less<>> mapped;
  for (const std::string& entry : config.GetList(kKey)) {
    size_t colon = entry.find(':');
    if (colon == std::string::npos || colon == 0) {
      return InvalidValue(kKey, entry, "expected NAME:PROTOCOL");
    }
    std::string protocol = Upper(std::string_view(entry).substr(colon + 1));
    if (!kProtocols.contains(protocol)) {
      return InvalidValue(kKey, entry,
                          "protocol must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
    }
    mapped.insert(Upper(std::string_view(entry).substr(0, colon)));
  }
  for (const Listener& listener : listeners) {
    // As in Kafka, a listener named after a protocol needs no map entry.
    if (!mapped.contains(listener.name) && !kProtocols.contains(listener.name)) {
      return InvalidValue("listeners", listener.name,
                          absl::StrCat("listener '", listener.name,
                                       "' has no entry in listener.security.protocol.map"));
    }
  }
  return absl::OkStatus();
}

absl::Status SetListeners(const Config& config, ServerConfig& out) {
  ASSIGN_OR_RETURN(out.listeners, ParseListeners(config, "listeners"));
  RETURN_IF_ERROR(CheckSecurityProtocols(config, out.listeners));
  for (const std::string& name : config.GetList("controller.listener.names")) {
    out.controller_listener_names.push_back(Upper(name));
  }
  const auto is_controller_listener = [&](const Listener& listener) {
    return std::find(out.controller_listener_names.begin(), out.controller_listener_names.end(),
                     listener.name) != out.controller_listener_names.end();
  };
  if (!config.IsSet("advertised.listeners") || config.GetList("advertised.listeners").empty()) {
    // As in Kafka: clients are never sent the controller's listeners.
    for (const Listener& listener : out.listeners) {
      if (!is_controller_listener(listener)) out.advertised_listeners.push_back(listener);
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(out.advertised_listeners, ParseListeners(config, "advertised.listeners"));
  for (const Listener& advertised : out.advertised_listeners) {
    bool listened = std::any_of(out.listeners.begin(), out.listeners.end(),
                                [&](const Listener& l) { return l.name == advertised.name; });
    if (!listened) {
      return InvalidValue("advertised.listeners", advertised.name,
                          absl::StrCat("listener '", advertised.name, "' is not in listeners"));
    }
    if (advertised.host == "0.0.0.0" || advertised.host == "::") {
      return InvalidValue("advertised.listeners", advertised.host,
                          "cannot advertise a wildcard address; use a routable one");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<QuorumVoter> ParseVoter(std::string_view text) {
  constexpr std::string_view kKey = "controller.quorum.voters";
  size_t at = text.find('@');
  int32_t id = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + (at == text.npos ? 0 : at), id);
  if (at == text.npos || error != std::errc() || end != text.data() + at || id < 0) {
    return InvalidValue(kKey, text, "expected id@host:port with a non-negative id");
  }
  absl::StatusOr<std::pair<std::string, uint16_t>> address = ParseHostPort(text.substr(at + 1));
  if (!address.ok()) return InvalidValue(kKey, text, std::string(address.status().message()));
  return QuorumVoter{NodeId(id), std::move(address->first), address->second};
}

absl::Status SetRolesAndQuorum(const Config& config, ServerConfig& out) {
  const std::vector<std::string>& roles = config.GetList("process.roles");
  if (roles.empty())
    return InvalidValue("process.roles", "", "must list broker, controller or both");
  out.process_broker = std::find(roles.begin(), roles.end(), "broker") != roles.end();
  out.process_controller = std::find(roles.begin(), roles.end(), "controller") != roles.end();

  constexpr std::string_view kVoters = "controller.quorum.voters";
  std::set<NodeId> ids;
  for (const std::string& text : config.GetList(kVoters)) {
    ASSIGN_OR_RETURN(QuorumVoter voter, ParseVoter(text));
    if (!ids.insert(voter.node_id).second) {
      return InvalidValue(kVoters, text,
                          absl::StrCat("voter ", voter.node_id.value(), " appears twice"));
    }
    out.controller_quorum_voters.push_back(std::move(voter));
  }
  const std::string voters = absl::StrJoin(config.GetList(kVoters), ",");
  if (ids.empty()) {
    if (out.process_controller) return absl::OkStatus();  // single-node quorum
    return InvalidValue(kVoters, voters,
                        "must name the controllers when process.roles does not include controller");
  }
  const bool voter = ids.contains(out.node_id);
  if (out.process_controller && !voter) {
    return InvalidValue(kVoters, voters,
                        absl::StrCat("node.id ", out.node_id.value(),
                                     " is not a voter but process.roles includes controller"));
  }
  if (!out.process_controller && voter) {
    return InvalidValue(kVoters, voters,
                        absl::StrCat("node.id ", out.node_id.value(),
                                     " is a voter but process.roles does not include controller"));
  }
  return absl::OkStatus();
}

// A broker-only node follows the metadata log as a Raft learner, which the
// quorum reaches on its controller listener: it needs one, at an address the
// voters can dial (it is sent to them in the broker's registration).
absl::Status CheckLearnerListener(const ServerConfig& out) {
  if (out.process_controller) return absl::OkStatus();
  for (const Listener& listener : out.listeners) {
    if (!out.IsControllerListener(listener)) continue;
    if (listener.host.empty() || listener.host == "0.0.0.0" || listener.host == "::") {
      return InvalidValue("listeners", listener.name,
                          "a broker-only node's controller listener must name an address the "
                          "controllers can dial, not a wildcard");
    }
    return absl::OkStatus();
  }
  return InvalidValue("listeners", absl::StrJoin(out.controller_listener_names, ","),
                      "a broker-only node (process.roles=broker) needs a listener named in "
                      "controller.listener.names: the controller quorum sends it the metadata log there");
}

// log.dirs wins over log.dir, which wins over the default of log.dirs.
absl::Status SetLogDirs(const Config& config, ServerConfig& out) {
  if (!config.IsSet("log.dirs") && config.IsSet("log.dir")) {
    const std::string& dir = config.GetString("log.dir");
    if (dir.empty()) return InvalidValue("log.dir", dir, "must not be empty");
    out.log_dirs = {dir};
    return absl::OkStatus();
  }
  out.log_dirs = config.GetList("log.dirs");
  if (out.log_dirs.empty()) return InvalidValue("log.dirs", "", "must name at least one directory");
  std::set<std::string> seen;
  for (const std::string& dir : out.log_dirs) {
    if (!seen.insert(dir).second) {
      return InvalidValue("log.dirs", absl::StrJoin(out.log_dirs, ","),
                          absl::StrCat("directory '", dir, "' appears twice"));
    }
  }
  return absl::OkStatus();
}

// Kafka's precedence: log.retention.ms > log.retention.minutes > hours; any
// negative result means "keep forever" and is normalized to -1.
int64_t RetentionMs(const Config& config) {
  int64_t ms = 0;
  if (config.HasValue("log.retention.ms")) {
    ms = config.GetLong("log.retention.ms");
  } else if (config.HasValue("log.retention.minutes")) {
    ms = config.GetInt("log.retention.minutes") * kMillisPerMinute;
  } else {
    ms = config.GetInt("log.retention.hours") * kMillisPerHour;
  }
  return ms < 0 ? -1 : ms;
}

void SetLogSettings(const Config& config, ServerConfig& out) {
  out.log_retention_ms = RetentionMs(config);
  out.log_retention_bytes = config.GetLong("log.retention.bytes");
  out.log_segment_bytes = config.GetInt("log.segment.bytes");
  out.log_roll_ms = config.HasValue("log.roll.ms")
                        ? config.GetLong("log.roll.ms")
                        : config.GetInt("log.roll.hours") * kMillisPerHour;
  out.log_index_interval_bytes = config.GetInt("log.index.interval.bytes");
  out.log_index_size_max_bytes = config.GetInt("log.index.size.max.bytes");
  const std::vector<std::string>& policy = config.GetList("log.cleanup.policy");
  out.log_cleanup_policy_delete = std::find(policy.begin(), policy.end(), "delete") != policy.end();
  out.log_cleanup_policy_compact =
      std::find(policy.begin(), policy.end(), "compact") != policy.end();
  out.log_cleaner_delete_retention_ms = config.GetLong("log.cleaner.delete.retention.ms");
  out.log_cleaner_min_cleanable_ratio = config.GetDouble("log.cleaner.min.cleanable.ratio");
  out.log_preallocate = config.GetBool("log.preallocate");
  out.log_retention_check_interval_ms = config.GetLong("log.retention.check.interval.ms");
  out.log_flush_offset_checkpoint_interval_ms = config.GetLong("log.flush.offset.checkpoint.interval.ms");
  out.log_flush_interval_messages = config.GetLong("log.flush.interval.messages");
  out.log_flush_interval_ms =
      config.HasValue("log.flush.interval.ms") ? config.GetLong("log.flush.interval.ms") : -1;
}

absl::Status SetLimitsAndTimeouts(const Config& config, ServerConfig& out) {
  out.num_partitions = config.GetInt("num.partitions");
  out.default_replication_factor = config.GetInt("default.replication.factor");
  out.min_insync_replicas = config.GetInt("min.insync.replicas");
  out.offsets_topic_num_partitions = config.GetInt("offsets.topic.num.partitions");
  out.offsets_topic_replication_factor = config.GetInt("offsets.topic.replication.factor");
  out.auto_create_topics_enable = config.GetBool("auto.create.topics.enable");
  out.message_max_bytes = config.GetInt("message.max.bytes");
  out.socket_request_max_bytes = config.GetInt("socket.request.max.bytes");
  out.broker_session_timeout_ms = config.GetInt("broker.session.timeout.ms");
  out.broker_heartbeat_interval_ms = config.GetInt("broker.heartbeat.interval.ms");
  out.metadata_snapshot_bytes = config.GetLong("metadata.log.max.record.bytes.between.snapshots");
  out.smp = config.GetInt("smp");
  out.smp_pin_cpus = config.GetBool("smp.pin.cpus");
  // A batch larger than the largest request could never arrive.
  if (out.message_max_bytes > out.socket_request_max_bytes) {
    return InvalidValue("message.max.bytes", absl::StrCat(out.message_max_bytes),
                        absl::StrCat("must not exceed socket.request.max.bytes (",
                                     out.socket_request_max_bytes, ")"));
  }
  // Otherwise every broker would be fenced between two heartbeats.
  if (out.broker_heartbeat_interval_ms >= out.broker_session_timeout_ms) {
    return InvalidValue("broker.heartbeat.interval.ms",
                        absl::StrCat(out.broker_heartbeat_interval_ms),
                        absl::StrCat("must be less than broker.session.timeout.ms (",
                                     out.broker_session_timeout_ms, ")"));
  }
  out.max_connections = config.GetInt("max.connections");
  out.max_connections_per_ip = config.GetInt("max.connections.per.ip");
  out.topic_partitions_per_shard = config.GetInt("topic.partitions.per.shard");
  out.queued_max_request_bytes = config.GetLong("queued.max.request.bytes");
  out.max_in_flight_requests_per_connection =
      config.GetInt("cairn.max.in.flight.requests.per.connection");
  out.max_queued_response_bytes_per_connection =
      config.GetLong("cairn.max.queued.response.bytes.per.connection");
  out.quota_producer_default = config.GetLong("quota.producer.default");
  out.quota_consumer_default = config.GetLong("quota.consumer.default");
  out.quota_window_num = config.GetInt("quota.window.num");
  out.quota_window_size_seconds = config.GetInt("quota.window.size.seconds");
  // As in Kafka: a budget smaller than one request could never admit it.
  if (out.queued_max_request_bytes == 0 ||
      (out.queued_max_request_bytes > 0 &&
       out.queued_max_request_bytes < out.socket_request_max_bytes)) {
    return InvalidValue("queued.max.request.bytes", absl::StrCat(out.queued_max_request_bytes),
                        absl::StrCat("must be -1 or at least socket.request.max.bytes (",
                                     out.socket_request_max_bytes, ")"));
  }
  out.group_min_session_timeout_ms = config.GetInt("group.min.session.timeout.ms");
  out.group_max_session_timeout_ms = config.GetInt("group.max.session.timeout.ms");
  if (out.group_min_session_timeout_ms > out.group_max_session_timeout_ms) {
    return InvalidValue("group.min.session.timeout.ms", absl::StrCat(out.group_min_session_timeout_ms),
                        absl::StrCat("must not exceed group.max.session.timeout.ms (",
                                     out.group_max_session_timeout_ms, ")"));
  }
  out.group_initial_rebalance_delay_ms = config.GetInt("group.initial.rebalance.delay.ms");
  out.group_max_size = config.GetInt("group.max.size");
  out.offsets_retention_ms = int64_t{config.GetInt("offsets.retention.minutes")} * 60 * 1000;
  out.offsets_retention_check_interval_ms = config.GetLong("offsets.retention.check.interval.ms");
  out.offset_metadata_max_bytes = config.GetInt("offset.metadata.max.bytes");
  out.admin_listener = config.GetString("admin.listener");
  if (!out.admin_listener.empty()) {
    absl::StatusOr<std::pair<std::string, uint16_t>> address = ParseHostPort(out.admin_listener);
    if (!address.ok()) {
      return InvalidValue("admin.listener", out.admin_listener,
                          std::string(address.status().message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

ConfigDef ServerConfigDef() {
  ConfigDef def;
  DefineProcessKeys(def);
  DefineTopicKeys(def);
  DefineLogKeys(def);
  DefineFlowControlKeys(def);
  DefineGroupKeys(def);
  return def;
}

bool ServerConfig::IsControllerListener(const Listener& listener) const {
  return std::find(controller_listener_names.begin(), controller_listener_names.end(), listener.name) !=
         controller_listener_names.end();
}

absl::StatusOr<Listener> ParseListener(std::string_view text, std::string_view key) {
  size_t scheme = text.find("://");
  if (scheme == std::string_view::npos || scheme == 0) {
    return InvalidValue(key, text, "expected NAME://host:port");
  }
  absl::StatusOr<std::pair<std::string, uint16_t>> address = ParseHostPort(text.substr(scheme + 3));
  if (!address.ok()) return InvalidValue(key, text, std::string(address.status().message()));
  return Listener{Upper(text.substr(0, scheme)), std::move(address->first), address->second};
}

absl::StatusOr<ServerConfig> ServerConfig::FromConfig(const Config& config) {
  ServerConfig out;
  out.node_id = NodeId(config.GetInt("node.id"));
  out.cluster_id = config.GetString("cluster.id");
  if (out.cluster_id.empty()) return InvalidValue("cluster.id", "", "must not be empty");
  RETURN_IF_ERROR(SetRolesAndQuorum(config, out));
  RETURN_IF_ERROR(SetListeners(config, out));
  RETURN_IF_ERROR(CheckLearnerListener(out));
  RETURN_IF_ERROR(SetLogDirs(config, out));
  SetLogSettings(config, out);
  RETURN_IF_ERROR(SetLimitsAndTimeouts(config, out));
  return out;
}

}  // namespace cairn
