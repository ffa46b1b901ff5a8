// The Consumer against a real cairnd, with librdkafka as the reference:
// records librdkafka wrote (every codec) read back exactly, and records the
// Cairn Producer wrote read identically by the Consumer and by librdkafka.
#include <algorithm>

#include "client/integration/consumer_test_support.h"
#include "client/integration/rdkafka_peer.h"

namespace cairn::client::testing {
namespace {

std::vector<PeerRecord> Sample(int count) {
  std::vector<PeerRecord> records;
  for (int i = 0; i < count; ++i) {
    PeerRecord r;
    r.partition = i % 3;
    if (i % 7 != 2) r.key = "key-" + std::to_string(i);
    if (i % 11 != 4) r.value = "value-" + std::to_string(i) + std::string(i % 40, 'z');
    if (i % 4 == 0) r.headers.push_back({"h", "x" + std::to_string(i)});
    if (i % 9 == 0) r.headers.push_back({"null", std::nullopt});
    records.push_back(std::move(r));
  }
  return records;
}

PeerRecord AsPeer(const ConsumerRecord& r) { return {r.partition, r.offset, r.key, r.value, r.headers}; }

void SortByPartitionOffset(std::vector<PeerRecord>& records) {
  std::sort(records.begin(), records.end(), [](const PeerRecord& a, const PeerRecord& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
}

TEST_CASE("Consumer reads exactly what librdkafka produced, with every compression codec") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  for (const std::string codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    INFO("codec ", codec);
    const std::string topic = "rk-" + codec;
    CreateTopicAndWait(*admin, topic, 3);
    std::vector<PeerRecord> produced = ProduceWithRdkafka(broker.bootstrap(), topic, Sample(500), codec);
    SortByPartitionOffset(produced);

    auto consumer = MakeConsumer(ConsumerConfigFor(broker));
    REQUIRE(consumer->Assign({{topic, 0, kOffsetBeginning}, {topic, 1, kOffsetBeginning}, {topic, 2, kOffsetBeginning}})
                .ok());
    std::vector<ConsumerRecord> read = PollUntil(*consumer, produced.size());
    // Nothing more arrives.
    auto extra = consumer->Poll(std::chrono::milliseconds(300));
    REQUIRE(extra.ok());
    CHECK(extra->empty());
    // Order within each partition is offset order with no gaps.
    std::map<int32_t, int64_t> next;
    for (const auto& r : read) {
      CHECK(r.topic == topic);
      CHECK(r.offset == next[r.partition]);
      next[r.partition] = r.offset + 1;
    }
    std::vector<PeerRecord> got;
    for (const auto& r : read) got.push_back(AsPeer(r));
    SortByPartitionOffset(got);
    REQUIRE(got.size() == produced.size());
    for (size_t i = 0; i < got.size(); ++i) {
      INFO("record ", i);
      CHECK(got[i] == produced[i]);
    }
    CHECK(consumer->Close().ok());
  }
}

TEST_CASE("Consumer and librdkafka read the Cairn Producer's compressed records identically") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  const std::string topic = "cairn-made";
  CreateTopicAndWait(*admin, topic, 3);
  ProducerConfig config;
  config.client = ConfigFor(broker);
  config.compression = Compression::kZstd;
  config.batch_size = 2048;
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());
  for (const PeerRecord& p : Sample(400)) {
    ProducerRecord r;
    r.topic = topic;
    r.partition = p.partition;
    r.key = p.key;
    r.value = p.value;
    r.headers = p.headers;
    (*producer)->Send(std::move(r), [](absl::StatusOr<RecordMetadata> m) { CAIRN_CHECK(m.ok()) << m.status(); });
  }
  REQUIRE((*producer)->Flush(std::chrono::seconds(60)).ok());

  std::vector<PeerRecord> by_rdkafka = ConsumeAll(broker.bootstrap(), topic, 3, 400);
  auto consumer = MakeConsumer(ConsumerConfigFor(broker));
  REQUIRE(consumer->Assign({{topic, 0, 0}, {topic, 1, 0}, {topic, 2, 0}}).ok());
  std::vector<PeerRecord> by_cairn;
  for (const auto& r : PollUntil(*consumer, 400)) by_cairn.push_back(AsPeer(r));
  SortByPartitionOffset(by_cairn);
  REQUIRE(by_cairn.size() == 400);
  CHECK(by_cairn == by_rdkafka);
}

}  // namespace
}  // namespace cairn::client::testing
