#include "client/config_properties.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cairn::client {
namespace {

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

absl::Status BadValue(absl::string_view key, absl::string_view value, absl::string_view wanted) {
  return absl::InvalidArgumentError(absl::StrCat("invalid value '", value, "' for '", key, "': ", wanted));
}

// An integer setting within [min, max], stored in whatever integer type the
// config uses.
template <typename Field>
absl::Status SetInt(absl::string_view key, absl::string_view value, int64_t min, int64_t max, Field& field) {
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed)) return BadValue(key, value, "not an integer");
  if (parsed < min || parsed > max) {
    return BadValue(key, value, max == kInt64Max ? absl::StrCat("at least ", min)
                                                 : absl::StrCat("from ", min, " to ", max));
  }
  field = static_cast<Field>(parsed);
  return absl::OkStatus();
}

absl::Status SetString(absl::string_view key, absl::string_view value, bool may_be_empty, std::string& field) {
  if (value.empty() && !may_be_empty) return BadValue(key, value, "must not be empty");
  field = std::string(value);
  return absl::OkStatus();
}

// One of a fixed set of values, each with its accepted spellings.
template <typename T>
struct Choice {
  std::initializer_list<absl::string_view> spellings;
  T value;
};

enum class Case { kExact, kIgnored };

template <typename T>
absl::Status SetChoice(absl::string_view key, absl::string_view value, std::initializer_list<Choice<T>> choices,
                       absl::string_view wanted, T& field, Case letter_case = Case::kExact) {
  for (const Choice<T>& choice : choices) {
    for (absl::string_view spelling : choice.spellings) {
      if (letter_case == Case::kIgnored ? absl::EqualsIgnoreCase(value, spelling) : value == spelling) {
        field = choice.value;
        return absl::OkStatus();
      }
    }
  }
  return BadValue(key, value, wanted);
}

absl::Status SetBool(absl::string_view key, absl::string_view value, bool& field) {
  return SetChoice<bool>(key, value, {{{"true"}, true}, {{"false"}, false}}, "true or false", field, Case::kIgnored);
}

absl::Status SetAcks(absl::string_view key, absl::string_view value, Acks& acks) {
  return SetChoice<Acks>(key, value, {{{"all", "-1"}, Acks::kAll}, {{"1"}, Acks::kLeader}, {{"0"}, Acks::kNone}},
                         "all, -1, 1 or 0", acks);
}

absl::Status SetCompression(absl::string_view key, absl::string_view value, Compression& codec) {
  return SetChoice<Compression>(key, value,
                                {{{"none"}, Compression::kNone},
                                 {{"gzip"}, Compression::kGzip},
                                 {{"snappy"}, Compression::kSnappy},
                                 {{"lz4"}, Compression::kLz4},
                                 {{"zstd"}, Compression::kZstd}},
                                "none, gzip, snappy, lz4 or zstd", codec, Case::kIgnored);
}

absl::Status SetAssignor(absl::string_view key, absl::string_view value, std::string& assignor) {
  // The Java client's class names too, so its properties files work.
  return SetChoice<std::string>(
      key, value,
      {{{"range", "org.apache.kafka.clients.consumer.RangeAssignor"}, "range"},
       {{"cooperative-sticky", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"}, "cooperative-sticky"}},
      "range or cooperative-sticky (one assignor)", assignor);
}

absl::Status SetOffsetReset(absl::string_view key, absl::string_view value, std::string& reset) {
  // librdkafka's synonyms as well as the Java client's names.
  return SetChoice<std::string>(key, value,
                                {{{"earliest", "smallest", "beginning"}, "earliest"},
                                 {{"latest", "largest", "end"}, "latest"},
                                 {{"none", "error"}, "none"}},
                                "earliest, latest or none", reset);
}

absl::Status SetClientKey(ClientConfig& c, absl::string_view key, absl::string_view value, bool* known) {
  *known = true;
  if (key == "bootstrap.servers") return SetString(key, value, false, c.bootstrap_servers);
  if (key == "client.id") return SetString(key, value, true, c.client_id);
  if (key == "request.timeout.ms") return SetInt(key, value, 1, kInt32Max, c.request_timeout_ms);
  if (key == "socket.connection.setup.timeout.ms") {
    return SetInt(key, value, 1, kInt32Max, c.socket_connection_setup_timeout_ms);
  }
  if (key == "reconnect.backoff.ms") return SetInt(key, value, 0, kInt32Max, c.reconnect_backoff_ms);
  if (key == "reconnect.backoff.max.ms") return SetInt(key, value, 0, kInt32Max, c.reconnect_backoff_max_ms);
  if (key == "retry.backoff.ms") return SetInt(key, value, 0, kInt32Max, c.retry_backoff_ms);
  if (key == "retry.backoff.max.ms") return SetInt(key, value, 0, kInt32Max, c.retry_backoff_max_ms);
  if (key == "default.api.timeout.ms") return SetInt(key, value, 1, kInt32Max, c.default_api_timeout_ms);
  if (key == "metadata.max.age.ms") return SetInt(key, value, 0, kInt32Max, c.metadata_max_age_ms);
  if (key == "max.in.flight.requests.per.connection") {
    return SetInt(key, value, 1, kInt32Max, c.max_in_flight_requests_per_connection);
  }
  *known = false;
  return absl::OkStatus();
}

absl::Status SetProducerKey(ProducerConfig& c, absl::string_view key, absl::string_view value, bool* known) {
  *known = true;
  if (key == "acks") {
    // As the Java client does when enable.idempotence is left unset: acks
    // other than all turn idempotence off (an explicit enable.idempotence
    // after this one turns it on again, and Producer::Create refuses that).
    absl::Status status = SetAcks(key, value, c.acks);
    if (status.ok()) c.enable_idempotence = c.acks == Acks::kAll;
    return status;
  }
  if (key == "enable.idempotence") return SetBool(key, value, c.enable_idempotence);
  if (key == "linger.ms") return SetInt(key, value, 0, kInt32Max, c.linger_ms);
  if (key == "batch.size") return SetInt(key, value, 1, kInt32Max, c.batch_size);
  if (key == "compression.type") return SetCompression(key, value, c.compression);
  if (key == "delivery.timeout.ms") return SetInt(key, value, 1, kInt32Max, c.delivery_timeout_ms);
  if (key == "max.block.ms") return SetInt(key, value, 0, kInt64Max, c.max_block_ms);
  if (key == "buffer.memory") return SetInt(key, value, 1, kInt64Max, c.buffer_memory);
  if (key == "max.request.size") return SetInt(key, value, 1, kInt32Max, c.max_request_size);
  if (key == "max.in.flight.requests.per.connection") {
    // The Java producer's one limit: per connection, which also bounds each
    // partition (so 1 keeps strict order even without idempotence).
    absl::Status status = SetInt(key, value, 1, kInt32Max, c.client.max_in_flight_requests_per_connection);
    if (status.ok()) {
      const int64_t per_connection = c.client.max_in_flight_requests_per_connection;
      c.max_in_flight_per_partition = static_cast<int>(std::min<int64_t>(per_connection, 5));
    }
    return status;
  }
  return SetClientKey(c.client, key, value, known);
}

absl::Status SetConsumerKey(ConsumerConfig& c, absl::string_view key, absl::string_view value, bool* known) {
  *known = true;
  if (key == "bootstrap.servers") return SetString(key, value, false, c.bootstrap_servers);
  if (key == "client.id") return SetString(key, value, true, c.client_id);
  if (key == "group.id") return SetString(key, value, true, c.group_id);
  if (key == "group.instance.id") return SetString(key, value, true, c.group_instance_id);
  if (key == "partition.assignment.strategy") return SetAssignor(key, value, c.assignor);
  if (key == "enable.auto.commit") return SetBool(key, value, c.enable_auto_commit);
  if (key == "auto.commit.interval.ms") return SetInt(key, value, 1, kInt32Max, c.auto_commit_interval_ms);
  if (key == "auto.offset.reset") return SetOffsetReset(key, value, c.auto_offset_reset);
  if (key == "session.timeout.ms") return SetInt(key, value, 1, kInt32Max, c.session_timeout_ms);
  if (key == "heartbeat.interval.ms") return SetInt(key, value, 1, kInt32Max, c.heartbeat_interval_ms);
  if (key == "max.poll.interval.ms") return SetInt(key, value, 1, kInt32Max, c.max_poll_interval_ms);
  if (key == "fetch.max.bytes") return SetInt(key, value, 1, kInt32Max, c.fetch_max_bytes);
  if (key == "max.partition.fetch.bytes") return SetInt(key, value, 1, kInt32Max, c.max_partition_fetch_bytes);
  if (key == "fetch.max.wait.ms") return SetInt(key, value, 0, kInt32Max, c.fetch_max_wait_ms);
  if (key == "fetch.min.bytes") return SetInt(key, value, 1, kInt32Max, c.fetch_min_bytes);
  if (key == "max.poll.records") return SetInt(key, value, 1, kInt32Max, c.max_poll_records);
  if (key == "request.timeout.ms") return SetInt(key, value, 1, kInt32Max, c.request_timeout_ms);
  if (key == "retry.backoff.ms") return SetInt(key, value, 0, kInt32Max, c.retry_backoff_ms);
  if (key == "metadata.max.age.ms") return SetInt(key, value, 0, kInt32Max, c.metadata_max_age_ms);
  *known = false;
  return absl::OkStatus();
}

// Whether `key` is a setting of a config other than the one that refused it,
// for a more helpful message than "unknown".
absl::Status Unknown(absl::string_view key, absl::string_view kind) {
  ProducerConfig producer;
  ConsumerConfig consumer;
  bool producer_key = false;
  bool consumer_key = false;
  (void)SetProducerKey(producer, key, "", &producer_key);
  (void)SetConsumerKey(consumer, key, "", &consumer_key);
  if (producer_key && kind != "producer") {
    return absl::NotFoundError(absl::StrCat("'", key, "' is a producer setting, not a ", kind, " one"));
  }
  if (consumer_key && kind != "consumer") {
    return absl::NotFoundError(absl::StrCat("'", key, "' is a consumer setting, not a ", kind, " one"));
  }
  return absl::NotFoundError(absl::StrCat("unknown ", kind, " setting '", key, "'"));
}

}  // namespace

absl::Status SetProperty(ClientConfig& config, absl::string_view key, absl::string_view value) {
  bool known = false;
  absl::Status status = SetClientKey(config, key, value, &known);
  return known ? status : Unknown(key, "client");
}

absl::Status SetProperty(ProducerConfig& config, absl::string_view key, absl::string_view value) {
  bool known = false;
  absl::Status status = SetProducerKey(config, key, value, &known);
  return known ? status : Unknown(key, "producer");
}

absl::Status SetProperty(ConsumerConfig& config, absl::string_view key, absl::string_view value) {
  bool known = false;
  absl::Status status = SetConsumerKey(config, key, value, &known);
  return known ? status : Unknown(key, "consumer");
}

}  // namespace cairn::client
