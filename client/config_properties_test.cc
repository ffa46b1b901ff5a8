#include "client/config_properties.h"

#include "doctest/doctest.h"

namespace cairn::client {
namespace {

TEST_CASE("SetProperty: producer keys set their fields, the client's keys reach its ClientConfig") {
  ProducerConfig c;
  CHECK(SetProperty(c, "acks", "1").ok());
  CHECK(c.acks == Acks::kLeader);
  CHECK(!c.enable_idempotence);  // as the Java client, when enable.idempotence is not given
  CHECK(SetProperty(c, "acks", "all").ok());
  CHECK(c.acks == Acks::kAll);
  CHECK(SetProperty(c, "acks", "0").ok());
  CHECK(c.acks == Acks::kNone);
  CHECK(SetProperty(c, "acks", "-1").ok());
  CHECK(c.acks == Acks::kAll);
  CHECK(c.enable_idempotence);
  CHECK(SetProperty(c, "enable.idempotence", "FALSE").ok());
  CHECK(!c.enable_idempotence);
  CHECK(SetProperty(c, "linger.ms", "0").ok());
  CHECK(c.linger_ms == 0);
  CHECK(SetProperty(c, "batch.size", "1048576").ok());
  CHECK(c.batch_size == 1048576);
  CHECK(SetProperty(c, "compression.type", "zstd").ok());
  CHECK(c.compression == Compression::kZstd);
  CHECK(SetProperty(c, "compression.type", "LZ4").ok());
  CHECK(c.compression == Compression::kLz4);
  CHECK(SetProperty(c, "delivery.timeout.ms", "5000").ok());
  CHECK(c.delivery_timeout_ms == 5000);
  CHECK(SetProperty(c, "max.block.ms", "0").ok());
  CHECK(c.max_block_ms == 0);
  CHECK(SetProperty(c, "buffer.memory", "8589934592").ok());  // 8 GiB: more than 32 bits
  CHECK(c.buffer_memory == size_t{8} << 30);
  CHECK(SetProperty(c, "max.request.size", "100").ok());
  CHECK(c.max_request_size == 100);
  CHECK(SetProperty(c, "max.in.flight.requests.per.connection", "1").ok());
  CHECK(c.client.max_in_flight_requests_per_connection == 1);
  CHECK(c.max_in_flight_per_partition == 1);
  CHECK(SetProperty(c, "max.in.flight.requests.per.connection", "10").ok());
  CHECK(c.client.max_in_flight_requests_per_connection == 10);
  CHECK(c.max_in_flight_per_partition == 5);  // the idempotent producer's ceiling
  CHECK(SetProperty(c, "bootstrap.servers", "a:1,b:2").ok());
  CHECK(c.client.bootstrap_servers == "a:1,b:2");
  CHECK(SetProperty(c, "client.id", "billing").ok());
  CHECK(c.client.client_id == "billing");
  CHECK(SetProperty(c, "request.timeout.ms", "1500").ok());
  CHECK(c.client.request_timeout_ms == 1500);
  CHECK(SetProperty(c, "retry.backoff.ms", "7").ok());
  CHECK(c.client.retry_backoff_ms == 7);
}

TEST_CASE("SetProperty: consumer keys, with the Java client's and librdkafka's spellings") {
  ConsumerConfig c;
  CHECK(SetProperty(c, "group.id", "g1").ok());
  CHECK(c.group_id == "g1");
  CHECK(SetProperty(c, "group.instance.id", "i1").ok());
  CHECK(c.group_instance_id == "i1");
  CHECK(SetProperty(c, "partition.assignment.strategy", "cooperative-sticky").ok());
  CHECK(c.assignor == "cooperative-sticky");
  CHECK(SetProperty(c, "partition.assignment.strategy", "org.apache.kafka.clients.consumer.RangeAssignor").ok());
  CHECK(c.assignor == "range");
  CHECK(SetProperty(c, "auto.offset.reset", "smallest").ok());
  CHECK(c.auto_offset_reset == "earliest");
  CHECK(SetProperty(c, "auto.offset.reset", "end").ok());
  CHECK(c.auto_offset_reset == "latest");
  CHECK(SetProperty(c, "auto.offset.reset", "none").ok());
  CHECK(c.auto_offset_reset == "none");
  CHECK(SetProperty(c, "enable.auto.commit", "false").ok());
  CHECK(!c.enable_auto_commit);
  CHECK(SetProperty(c, "max.poll.records", "10").ok());
  CHECK(c.max_poll_records == 10);
  CHECK(SetProperty(c, "fetch.max.wait.ms", "0").ok());
  CHECK(c.fetch_max_wait_ms == 0);
  CHECK(SetProperty(c, "session.timeout.ms", "6000").ok());
  CHECK(c.session_timeout_ms == 6000);
  CHECK(SetProperty(c, "client.id", "reader").ok());
  CHECK(c.client_id == "reader");
}

TEST_CASE("SetProperty: a bad value is InvalidArgument naming the key, and changes nothing") {
  ProducerConfig c;
  absl::Status s = SetProperty(c, "linger.ms", "soon");
  CHECK(absl::IsInvalidArgument(s));
  CHECK(s.message() == "invalid value 'soon' for 'linger.ms': not an integer");
  CHECK(c.linger_ms == ProducerConfig{}.linger_ms);
  s = SetProperty(c, "linger.ms", "-1");
  CHECK(s.message() == "invalid value '-1' for 'linger.ms': from 0 to 2147483647");
  s = SetProperty(c, "batch.size", "0");
  CHECK(s.message() == "invalid value '0' for 'batch.size': from 1 to 2147483647");
  s = SetProperty(c, "buffer.memory", "99999999999999999999");
  CHECK(s.message() == "invalid value '99999999999999999999' for 'buffer.memory': not an integer");
  s = SetProperty(c, "acks", "2");
  CHECK(s.message() == "invalid value '2' for 'acks': all, -1, 1 or 0");
  s = SetProperty(c, "compression.type", "brotli");
  CHECK(s.message() == "invalid value 'brotli' for 'compression.type': none, gzip, snappy, lz4 or zstd");
  s = SetProperty(c, "enable.idempotence", "yes");
  CHECK(s.message() == "invalid value 'yes' for 'enable.idempotence': true or false");
  s = SetProperty(c, "bootstrap.servers", "");
  CHECK(s.message() == "invalid value '' for 'bootstrap.servers': must not be empty");
  ConsumerConfig consumer;
  s = SetProperty(consumer, "partition.assignment.strategy", "range,roundrobin");
  CHECK(absl::IsInvalidArgument(s));
  CHECK(consumer.assignor == "range");
}

TEST_CASE("SetProperty: an unknown key is NotFound, and says when it belongs to the other client") {
  ProducerConfig producer;
  ConsumerConfig consumer;
  ClientConfig client;
  absl::Status s = SetProperty(producer, "linger.msec", "5");
  CHECK(absl::IsNotFound(s));
  CHECK(s.message() == "unknown producer setting 'linger.msec'");
  s = SetProperty(producer, "fetch.max.bytes", "5");
  CHECK(s.message() == "'fetch.max.bytes' is a consumer setting, not a producer one");
  s = SetProperty(consumer, "linger.ms", "5");
  CHECK(s.message() == "'linger.ms' is a producer setting, not a consumer one");
  s = SetProperty(client, "linger.ms", "5");
  CHECK(s.message() == "'linger.ms' is a producer setting, not a client one");
  CHECK(SetProperty(client, "default.api.timeout.ms", "2000").ok());
  CHECK(client.default_api_timeout_ms == 2000);
}

}  // namespace
}  // namespace cairn::client
