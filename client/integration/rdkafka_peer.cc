#include "client/integration/rdkafka_peer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>

#include "common/check.h"

namespace cairn::client::testing {
namespace {

rd_kafka_conf_t* BaseConf(const std::string& bootstrap) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  auto set = [&](const char* key, const std::string& value) {
    CAIRN_CHECK(rd_kafka_conf_set(conf, key, value.c_str(), error, sizeof(error)) == RD_KAFKA_CONF_OK)
        << key << ": " << error;
  };
  set("bootstrap.servers", bootstrap);
  set("broker.address.family", "v4");
  return conf;
}

void SetConf(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char error[512];
  CAIRN_CHECK(rd_kafka_conf_set(conf, key, value.c_str(), error, sizeof(error)) == RD_KAFKA_CONF_OK)
      << key << ": " << error;
}

PeerRecord FromMessage(const rd_kafka_message_t* m) {
  PeerRecord record;
  record.partition = m->partition;
  record.offset = m->offset;
  if (m->key != nullptr) record.key = std::string(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) record.value = std::string(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      RecordHeader header{name, std::nullopt};
      if (value != nullptr) header.value = std::string(static_cast<const char*>(value), size);
      record.headers.push_back(std::move(header));
    }
  }
  return record;
}

}  // namespace

std::vector<PeerRecord> ConsumeAll(const std::string& bootstrap, const std::string& topic, int partition_count,
                                   size_t expected) {
  rd_kafka_conf_t* conf = BaseConf(bootstrap);
  SetConf(conf, "group.id", "cairn-client-it-reader");
  SetConf(conf, "enable.auto.commit", "false");
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
  CAIRN_CHECK(rk != nullptr) << error;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partition_count);
  for (int p = 0; p < partition_count; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  CAIRN_CHECK(rd_kafka_assign(rk, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<PeerRecord> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  bool extra_wait = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (out.size() >= expected && !extra_wait) {
      extra_wait = true;
      deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) out.push_back(FromMessage(m));
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::sort(out.begin(), out.end(), [](const PeerRecord& a, const PeerRecord& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
  return out;
}

std::vector<PeerRecord> ProduceWithRdkafka(const std::string& bootstrap, const std::string& topic,
                                           std::vector<PeerRecord> records, const std::string& compression) {
  rd_kafka_conf_t* conf = BaseConf(bootstrap);
  SetConf(conf, "compression.codec", compression);
  SetConf(conf, "partitioner", "murmur2_random");
  SetConf(conf, "enable.idempotence", "true");
  SetConf(conf, "linger.ms", "5");
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* record = static_cast<PeerRecord*>(m->_private);
    CAIRN_CHECK(m->err == RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(m->err);
    record->partition = m->partition;
    record->offset = m->offset;
  });
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  CAIRN_CHECK(rk != nullptr) << error;
  for (PeerRecord& record : records) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
    for (const RecordHeader& h : record.headers) {
      rd_kafka_header_add(headers, h.key.data(), static_cast<ssize_t>(h.key.size()),
                          h.value ? h.value->data() : nullptr, h.value ? static_cast<ssize_t>(h.value->size()) : 0);
    }
    // (The macros cast their arguments: no conditional expressions inside.)
    const char* key = record.key ? record.key->data() : nullptr;
    const size_t key_size = record.key ? record.key->size() : 0;
    char* value = record.value ? const_cast<char*>(record.value->data()) : nullptr;
    const size_t value_size = record.value ? record.value->size() : 0;
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(record.partition), RD_KAFKA_V_KEY(key, key_size),
        RD_KAFKA_V_VALUE(value, value_size),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(&record),
        RD_KAFKA_V_END);
    CAIRN_CHECK(err == RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
    rd_kafka_poll(rk, 0);
  }
  CAIRN_CHECK(rd_kafka_flush(rk, 60000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  return records;
}

int32_t RdkafkaMurmur2Partition(const std::string& key, int32_t partition_count) {
  return rd_kafka_msg_partitioner_murmur2_random(nullptr, key.data(), key.size(), partition_count, nullptr, nullptr);
}

RdkafkaGroupMember::RdkafkaGroupMember(const std::string& bootstrap, const std::string& group,
                                       const std::string& client_id, const std::string& topic) {
  rd_kafka_conf_t* conf = BaseConf(bootstrap);
  SetConf(conf, "group.id", group);
  SetConf(conf, "client.id", client_id);
  SetConf(conf, "enable.auto.commit", "false");
  SetConf(conf, "auto.offset.reset", "earliest");
  SetConf(conf, "partition.assignment.strategy", "range");
  char error[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
  CAIRN_CHECK(rk_ != nullptr) << error;
  rd_kafka_poll_set_consumer(rk_);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  CAIRN_CHECK(rd_kafka_subscribe(rk_, topics) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(topics);
}

RdkafkaGroupMember::~RdkafkaGroupMember() {
  Close();
  rd_kafka_destroy(rk_);
}

std::vector<PeerRecord> RdkafkaGroupMember::Poll(size_t count) {
  std::vector<PeerRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (out.size() < count) {
    CAIRN_CHECK(std::chrono::steady_clock::now() < deadline) << "group member got " << out.size() << " of " << count;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) out.push_back(FromMessage(m));
    rd_kafka_message_destroy(m);
  }
  return out;
}

std::vector<PeerRecord> RdkafkaGroupMember::PollFor(std::chrono::milliseconds duration) {
  std::vector<PeerRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 10);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) out.push_back(FromMessage(m));
    rd_kafka_message_destroy(m);
  }
  return out;
}

std::vector<int32_t> RdkafkaGroupMember::AssignedPartitions() {
  rd_kafka_topic_partition_list_t* list = nullptr;
  CAIRN_CHECK(rd_kafka_assignment(rk_, &list) == RD_KAFKA_RESP_ERR_NO_ERROR);
  std::vector<int32_t> out;
  for (int i = 0; i < list->cnt; ++i) out.push_back(list->elems[i].partition);
  rd_kafka_topic_partition_list_destroy(list);
  std::sort(out.begin(), out.end());
  return out;
}

void RdkafkaGroupMember::Commit() {
  CAIRN_CHECK(rd_kafka_commit(rk_, nullptr, /*async=*/0) == RD_KAFKA_RESP_ERR_NO_ERROR);
}

void RdkafkaGroupMember::Close() {
  if (closed_) return;
  closed_ = true;
  rd_kafka_consumer_close(rk_);
}

}  // namespace cairn::client::testing
