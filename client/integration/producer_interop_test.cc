// The Producer against a real cairnd, checked by librdkafka: exact records,
// order, offsets and partitions; and librdkafka's records read back through
// the client core (Fetch + proto's RecordBatch decoder).
#include <future>
#include <map>

#include "client/client_core.h"
#include "client/integration/rdkafka_peer.h"
#include "client/integration/test_support.h"
#include "client/murmur2.h"
#include "client/producer.h"
#include "doctest/doctest.h"
#include "proto/kafka/generated/fetch.h"

namespace cairn::client::testing {
namespace {

std::unique_ptr<Producer> MakeProducer(const CairndProcess& broker, Compression compression,
                                       size_t batch_size = 4096) {  // default: several batches per partition
  ProducerConfig config;
  config.client = ConfigFor(broker);
  config.compression = compression;
  config.linger_ms = 5;
  config.batch_size = batch_size;
  auto producer = Producer::Create(config);
  CAIRN_CHECK(producer.ok()) << producer.status();
  return std::move(*producer);
}

// Keys, values and headers covering null keys/values, empty and binary bytes;
// each value that is not null gets `padding` more bytes.
std::vector<ProducerRecord> SampleRecords(const std::string& topic, int count, size_t padding = 0) {
  std::vector<ProducerRecord> records;
  for (int i = 0; i < count; ++i) {
    ProducerRecord r;
    r.topic = topic;
    if (i % 10 != 3) r.key = "key-" + std::to_string(i % 37);
    if (i % 17 != 5) {
      r.value = "value-" + std::to_string(i) + std::string(i % 50, 'x') + std::string(1, char(i % 256)) +
                std::string(padding, static_cast<char>('a' + i % 26));
    }
    if (i % 3 == 0) r.headers.push_back({"h1", "v" + std::to_string(i)});
    if (i % 5 == 0) r.headers.push_back({"null-header", std::nullopt});
    records.push_back(std::move(r));
  }
  return records;
}

void CheckCairnToRdkafka(Compression compression, const std::string& codec_name, size_t batch_size = 4096,
                         size_t padding = 0) {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  const std::string topic = "interop-" + codec_name;
  CreateTopicAndWait(*admin, topic, 3);
  auto producer = MakeProducer(broker, compression, batch_size);

  std::vector<ProducerRecord> records = SampleRecords(topic, 600, padding);
  std::vector<std::future<absl::StatusOr<RecordMetadata>>> futures;
  for (const ProducerRecord& r : records) futures.push_back(producer->Send(r));
  REQUIRE(producer->Flush(std::chrono::seconds(60)).ok());

  // What each record should look like once read: at the partition and
  // offset the producer reported, keyed records on murmur2's partition.
  std::vector<PeerRecord> expected;
  std::map<int32_t, int64_t> next_offset;
  for (size_t i = 0; i < records.size(); ++i) {
    absl::StatusOr<RecordMetadata> meta = futures[i].get();
    REQUIRE_MESSAGE(meta.ok(), meta.status().ToString());
    CHECK(meta->topic == topic);
    if (records[i].key) CHECK(meta->partition == PartitionForKey(*records[i].key, 3));
    // Offsets within a partition follow send order with no gaps.
    CHECK(meta->offset == next_offset[meta->partition]);
    next_offset[meta->partition] = meta->offset + 1;
    expected.push_back({meta->partition, meta->offset, records[i].key, records[i].value, records[i].headers});
  }
  std::sort(expected.begin(), expected.end(), [](const PeerRecord& a, const PeerRecord& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
  std::vector<PeerRecord> consumed = ConsumeAll(broker.bootstrap(), topic, 3, expected.size());
  REQUIRE(consumed.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("record ", i);
    CHECK(consumed[i] == expected[i]);
  }
}

TEST_CASE("Producer interop: uncompressed records read back by librdkafka exactly, in order, at their offsets") {
  CheckCairnToRdkafka(Compression::kNone, "none");
}

// Batches of about 256 KiB: the sender splices them into the request frame
// instead of copying them (client/sender.cc, kSpliceMinBytes).
TEST_CASE("Producer interop: large uncompressed batches, sent without a copy, read back by librdkafka exactly") {
  CheckCairnToRdkafka(Compression::kNone, "spliced", /*batch_size=*/256 << 10, /*padding=*/3000);
}

TEST_CASE("Producer interop: zstd batches read back by librdkafka exactly") {
  CheckCairnToRdkafka(Compression::kZstd, "zstd");
}

TEST_CASE("Producer interop: lz4 batches read back by librdkafka exactly") {
  CheckCairnToRdkafka(Compression::kLz4, "lz4");
}

// Reads every record of one partition through the client core's Fetch.
std::vector<PeerRecord> FetchWithCore(const std::string& bootstrap, const std::string& topic, int32_t partition) {
  ClientConfig config;
  config.bootstrap_servers = bootstrap;
  auto core = ClientCore::Create(config);
  REQUIRE(core.ok());
  std::vector<PeerRecord> out;
  for (int round = 0; round < 100; ++round) {
    kafka::FetchRequest request;
    request.replica_id = -1;
    request.max_wait_ms = 100;
    request.min_bytes = 1;
    request.max_bytes = 1 << 20;
    kafka::FetchRequest::FetchTopic fetch_topic;
    fetch_topic.topic = topic;
    kafka::FetchRequest::FetchPartition fetch_partition;
    fetch_partition.partition = partition;
    fetch_partition.fetch_offset = out.empty() ? 0 : out.back().offset + 1;
    fetch_partition.partition_max_bytes = 1 << 20;
    fetch_topic.partitions.push_back(fetch_partition);
    request.topics.push_back(fetch_topic);
    auto response = RunOnIoThread<absl::StatusOr<kafka::FetchResponse>>(
                        **core, [&core, request](absl::AnyInvocable<void(absl::StatusOr<kafka::FetchResponse>) &&> reply) mutable {
                          (*core)->Call<kafka::FetchResponse>(ClientCore::kAnyNode, std::move(request), std::move(reply));
                        })
                        .get();
    REQUIRE_MESSAGE(response.ok(), response.status().ToString());
    REQUIRE(response->responses.size() == 1);
    const auto& p = response->responses[0].partitions.at(0);
    REQUIRE(p.error_code == 0);
    if (!p.records || p.records->empty()) break;
    ByteSpan bytes(*p.records);
    while (bytes.size() >= kBatchHeaderBytes) {
      auto header = ParseRecordBatchHeader(bytes);
      REQUIRE(header.ok());
      if (header->size_bytes() > bytes.size()) break;  // a partial batch at the end
      ByteSpan batch = bytes.first(header->size_bytes());
      auto records = DecodeRecords(batch, 64 << 20);
      REQUIRE(records.ok());
      for (const Record& r : *records) {
        const int64_t offset = header->base_offset + r.offset_delta;
        // A fetch from the middle of a batch returns the whole batch.
        if (!out.empty() && offset <= out.back().offset) continue;
        out.push_back({partition, offset, r.key, r.value, r.headers});
      }
      bytes = bytes.subspan(header->size_bytes());
    }
  }
  return out;
}

TEST_CASE("Producer interop: librdkafka's records (zstd, lz4) read back through the client core exactly") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  for (const std::string codec : {"zstd", "lz4"}) {
    const std::string topic = "from-rdkafka-" + codec;
    CreateTopicAndWait(*admin, topic, 1);
    std::vector<PeerRecord> records;
    for (int i = 0; i < 300; ++i) {
      PeerRecord r;
      r.partition = 0;
      r.key = "k" + std::to_string(i);
      r.value = "rdkafka value " + std::to_string(i) + std::string(i % 40, 'y');
      r.headers.push_back({"index", std::to_string(i)});
      records.push_back(std::move(r));
    }
    std::vector<PeerRecord> produced = ProduceWithRdkafka(broker.bootstrap(), topic, records, codec);
    std::vector<PeerRecord> fetched = FetchWithCore(broker.bootstrap(), topic, 0);
    REQUIRE(fetched.size() == produced.size());
    for (size_t i = 0; i < produced.size(); ++i) {
      INFO(codec, " record ", i);
      CHECK(fetched[i] == produced[i]);
      CHECK(fetched[i].offset == static_cast<int64_t>(i));
    }
  }
}

TEST_CASE("Partitioner: 1000 keys land on the partition librdkafka's murmur2_random picks") {
  constexpr int32_t kPartitions = 7;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "user-" + std::to_string(i * 7919);
    CHECK(PartitionForKey(key, kPartitions) == RdkafkaMurmur2Partition(key, kPartitions));
  }
  // And through real brokers: both clients' records with a key share a partition.
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "keys", kPartitions);
  auto producer = MakeProducer(broker, Compression::kNone);
  std::vector<PeerRecord> peer_records;
  std::vector<std::future<absl::StatusOr<RecordMetadata>>> futures;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "order-" + std::to_string(i);
    futures.push_back(producer->Send(ProducerRecord{"keys", key, "cairn", {}, std::nullopt, std::nullopt}));
    PeerRecord r;
    r.key = key;
    r.value = "rdkafka";
    peer_records.push_back(std::move(r));
  }
  std::vector<PeerRecord> peer = ProduceWithRdkafka(broker.bootstrap(), "keys", peer_records, "none");
  for (int i = 0; i < 1000; ++i) {
    auto meta = futures[i].get();
    REQUIRE(meta.ok());
    CHECK(meta->partition == peer[i].partition);
  }
}

}  // namespace
}  // namespace cairn::client::testing
