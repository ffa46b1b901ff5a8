// Positioning on a real cairnd: seek (offset, beginning, end, timestamp),
// pause/resume, max.partition.fetch.bytes (and a batch above it),
// auto.offset.reset, and auto commit on close.
#include "client/integration/consumer_test_support.h"
#include "client/kafka_error.h"

namespace cairn::client::testing {
namespace {

std::vector<int64_t> OffsetsOf(const std::vector<ConsumerRecord>& records) {
  std::vector<int64_t> out;
  for (const auto& r : records) out.push_back(r.offset);
  return out;
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t o = from; o < to; ++o) out.push_back(o);
  return out;
}

TEST_CASE("Seek to an offset, the beginning, the end and a timestamp returns exact records") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "seek", 1);
  ProduceSpread(broker, "seek", 1, 0, 50, 1'000'000);   // offsets 0..49 at t=1e6
  ProduceSpread(broker, "seek", 1, 50, 50, 2'000'000);  // offsets 50..99 at t=2e6

  auto consumer = MakeConsumer(ConsumerConfigFor(broker));
  REQUIRE(consumer->Assign({{"seek", 0, 42}}).ok());
  auto read = PollUntil(*consumer, 58);
  CHECK(OffsetsOf(read) == Range(42, 100));
  CHECK(read.front().value == std::optional<std::string>("v42"));

  REQUIRE(consumer->Seek("seek", 0, 97).ok());
  CHECK(OffsetsOf(PollUntil(*consumer, 3)) == Range(97, 100));

  REQUIRE(consumer->SeekToBeginning({{"seek", 0}}).ok());
  CHECK(OffsetsOf(PollUntil(*consumer, 100)) == Range(0, 100));

  REQUIRE(consumer->SeekToTimestamp({{"seek", 0}}, 1'500'000).ok());
  CHECK(consumer->Positions() == std::vector<TopicPartitionOffset>{{"seek", 0, 50, ""}});
  auto after_ts = PollUntil(*consumer, 50);
  CHECK(OffsetsOf(after_ts) == Range(50, 100));
  CHECK(after_ts.front().timestamp_ms == 2'000'000);

  REQUIRE(consumer->SeekToEnd({{"seek", 0}}).ok());
  auto none = consumer->Poll(std::chrono::milliseconds(300));
  REQUIRE(none.ok());
  CHECK(none->empty());
  ProduceSpread(broker, "seek", 1, 100, 5);
  CHECK(OffsetsOf(PollUntil(*consumer, 5)) == Range(100, 105));

  REQUIRE(consumer->Seek("seek", 0, 1000).ok());  // past the end: auto.offset.reset=earliest
  CHECK(OffsetsOf(PollUntil(*consumer, 105)) == Range(0, 105));
}

TEST_CASE("Pause holds a partition's records back until Resume") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "pause", 2);
  ProduceSpread(broker, "pause", 2, 0, 40);
  auto consumer = MakeConsumer(ConsumerConfigFor(broker));
  REQUIRE(consumer->Assign({{"pause", 0, 0}, {"pause", 1, 0}}).ok());
  // A partition not assigned is refused, and nothing changes (Java throws).
  for (const absl::Status& refused : {consumer->Pause({{"pause", 1}, {"pause", 2}}), consumer->Resume({{"other", 0}})}) {
    CHECK(refused.code() == absl::StatusCode::kFailedPrecondition);
  }
  CHECK(consumer->Pause({{"pause", 1}, {"pause", 2}}).message() == "No current assignment for partition pause-2");
  CHECK(consumer->Paused().empty());
  REQUIRE(consumer->Pause({{"pause", 1}}).ok());
  CHECK(consumer->Paused() == std::vector<TopicPartitionOffset>{{"pause", 1, kOffsetCommitted, ""}});
  auto first = PollUntil(*consumer, 20);
  auto more = consumer->Poll(std::chrono::milliseconds(500));
  REQUIRE(more.ok());
  CHECK(more->empty());
  for (const auto& r : first) CHECK(r.partition == 0);
  CHECK(OffsetsOf(first) == Range(0, 20));
  REQUIRE(consumer->Resume({{"pause", 1}}).ok());
  auto second = PollUntil(*consumer, 20);
  for (const auto& r : second) CHECK(r.partition == 1);
  CHECK(OffsetsOf(second) == Range(0, 20));
}

TEST_CASE("max.partition.fetch.bytes bounds what one fetch brings") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "bounded", 1);
  // Batches of single records (one Send per Flush) of about 1 KiB each.
  ProducerConfig pc;
  pc.client = ConfigFor(broker);
  pc.linger_ms = 0;
  auto producer = Producer::Create(pc);
  REQUIRE(producer.ok());
  for (int i = 0; i < 40; ++i) {
    ProducerRecord r;
    r.topic = "bounded";
    r.partition = 0;
    r.value = std::string(1000, static_cast<char>('a' + i % 26));
    REQUIRE((*producer)->Send(std::move(r)).get().ok());
  }
  ConsumerConfig config = ConsumerConfigFor(broker);
  config.max_partition_fetch_bytes = 4096;  // room for 3 batches of ~1.1 KiB
  auto consumer = MakeConsumer(config);
  REQUIRE(consumer->Assign({{"bounded", 0, 0}}).ok());
  std::vector<ConsumerRecord> all;
  size_t largest_poll = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (all.size() < 40 && std::chrono::steady_clock::now() < deadline) {
    auto polled = consumer->Poll(std::chrono::milliseconds(100));
    REQUIRE(polled.ok());
    largest_poll = std::max(largest_poll, polled->size());
    for (auto& r : *polled) all.push_back(std::move(r));
  }
  CHECK(OffsetsOf(all) == Range(0, 40));
  // One fetch holds at most 4096 bytes of batches, so at most 3 records.
  CHECK(largest_poll >= 1);
  CHECK(largest_poll <= 3);
}

TEST_CASE("A record larger than the fetch limits is still read whole, and the ones after it") {
  CairndProcess broker({"message.max.bytes=10000000"});
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "large", 1);
  ProducerConfig pc;
  pc.client = ConfigFor(broker);
  pc.max_request_size = 5'000'000;
  auto producer = Producer::Create(pc);
  REQUIRE(producer.ok());
  const std::string big(2 << 20, 'x');
  for (const std::string& value : {big, std::string("after")}) {
    ProducerRecord r;
    r.topic = "large";
    r.partition = 0;
    r.value = value;
    REQUIRE((*producer)->Send(std::move(r)).get().ok());
  }
  // Limits far below the 2 MiB batch: the broker still returns it whole
  // (KIP-74), and the consumer must take it rather than stall or fail.
  ConsumerConfig config = ConsumerConfigFor(broker);
  config.fetch_max_bytes = 1000;
  config.max_partition_fetch_bytes = 1000;
  auto consumer = MakeConsumer(config);
  REQUIRE(consumer->Assign({{"large", 0, 0}}).ok());
  std::vector<ConsumerRecord> all;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (all.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    auto polled = consumer->Poll(std::chrono::milliseconds(100));
    REQUIRE_MESSAGE(polled.ok(), polled.status().ToString());
    for (auto& r : *polled) all.push_back(std::move(r));
  }
  REQUIRE(all.size() == 2);
  CHECK(all[0].offset == 0);
  CHECK(all[0].value == big);
  CHECK(all[1].offset == 1);
  CHECK(all[1].value == "after");
}

TEST_CASE("auto.offset.reset: latest skips old records, none reports OUT_OF_RANGE") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "reset", 1);
  ProduceSpread(broker, "reset", 1, 0, 10);
  ConsumerConfig latest = ConsumerConfigFor(broker, "reset-latest");
  latest.auto_offset_reset = "latest";
  auto consumer = MakeConsumer(latest);
  REQUIRE(consumer->Assign({{"reset", 0, kOffsetCommitted}}).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (consumer->Positions().empty() && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(consumer->Poll(std::chrono::milliseconds(50)).ok());
  }
  CHECK(consumer->Positions() == std::vector<TopicPartitionOffset>{{"reset", 0, 10, ""}});
  ProduceSpread(broker, "reset", 1, 10, 2);
  CHECK(OffsetsOf(PollUntil(*consumer, 2)) == Range(10, 12));

  ConsumerConfig none = ConsumerConfigFor(broker, "reset-none");
  none.auto_offset_reset = "none";
  auto strict = MakeConsumer(none);
  REQUIRE(strict->Assign({{"reset", 0, kOffsetCommitted}}).ok());
  absl::StatusOr<std::vector<ConsumerRecord>> polled = strict->Poll(std::chrono::seconds(10));
  CHECK(absl::IsOutOfRange(polled.status()));
  REQUIRE(strict->Seek("reset", 0, 11).ok());
  CHECK(OffsetsOf(PollUntil(*strict, 1)) == Range(11, 12));
}

// As the Java client's NoOffsetForPartitionException / OffsetOutOfRange
// with auto.offset.reset=none: the error is not a one-off, every Poll
// reports it until the application seeks the partition.
TEST_CASE("auto.offset.reset none: every Poll reports OUT_OF_RANGE until a Seek") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "strict", 2);
  ProduceSpread(broker, "strict", 2, 0, 20);
  ConsumerConfig none = ConsumerConfigFor(broker, "strict-none");
  none.auto_offset_reset = "none";
  auto consumer = MakeConsumer(none);
  // Partition 0: no committed offset. Partition 1: past the log end (10).
  REQUIRE(consumer->Assign({{"strict", 0, kOffsetCommitted}, {"strict", 1, 50}}).ok());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::vector<ConsumerRecord>> polled = consumer->Poll(std::chrono::seconds(5));
    CHECK_MESSAGE(absl::IsOutOfRange(polled.status()), "poll ", i, ": ", polled.status().ToString());
  }
  REQUIRE(consumer->Seek("strict", 0, 8).ok());
  // Partition 1 still has no valid offset.
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::vector<ConsumerRecord>> polled = consumer->Poll(std::chrono::seconds(5));
    CHECK_MESSAGE(absl::IsOutOfRange(polled.status()), "poll ", i, ": ", polled.status().ToString());
  }
  REQUIRE(consumer->Seek("strict", 1, 9).ok());
  const std::vector<ConsumerRecord> read = PollUntil(*consumer, 3);
  CHECK(ValuesByPartition(read) == std::map<int32_t, std::vector<std::string>>{{0, {"v16", "v18"}}, {1, {"v19"}}});
  CHECK(consumer->Positions() == std::vector<TopicPartitionOffset>{{"strict", 0, 10, ""}, {"strict", 1, 10, ""}});
  // Nothing more, and no error once every partition has a position.
  absl::StatusOr<std::vector<ConsumerRecord>> after = consumer->Poll(std::chrono::milliseconds(300));
  REQUIRE(after.ok());
  CHECK(after->empty());
  CHECK(consumer->Close().ok());
}

// A name the broker can only refuse fails at once, as the producer's Send
// does, instead of a subscription or assignment that waits in silence. The
// consumer is unchanged and goes on with valid names.
TEST_CASE("Subscribe and Assign refuse a topic name Kafka does not allow with INVALID_TOPIC_EXCEPTION") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "named", 1);
  ProduceSpread(broker, "named", 1, 0, 3);
  auto grouped = MakeConsumer(ConsumerConfigFor(broker, "names"));
  for (const std::string bad : {"orders.*", "with space", "", ".."}) {
    INFO("topic '", bad, "'");
    CHECK(KafkaErrorCodeOf(grouped->Subscribe({"named", bad})) == kafka_error::kInvalidTopicException);
    CHECK(KafkaErrorCodeOf(grouped->Assign({{bad, 0, 0, {}}})) == kafka_error::kInvalidTopicException);
  }
  CHECK(grouped->Assignment().empty());
  REQUIRE(grouped->Assign({{"named", 0, 1, {}}}).ok());
  CHECK(OffsetsOf(PollUntil(*grouped, 2)) == Range(1, 3));
  CHECK(grouped->Close().ok());
}

TEST_CASE("Auto commit on close: a new consumer of the group resumes exactly after") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "resume", 2);
  ProduceSpread(broker, "resume", 2, 0, 100);
  ConsumerConfig config = ConsumerConfigFor(broker, "resumers");
  config.auto_commit_interval_ms = 600000;  // only the close commits
  config.max_poll_records = 30;
  std::vector<ConsumerRecord> read;
  {
    auto first = MakeConsumer(config);
    REQUIRE(first->Subscribe({"resume"}).ok());
    read = PollUntil(*first, 30);
    REQUIRE(first->Close().ok());
  }
  auto committed_reader = MakeConsumer(config);
  auto committed = committed_reader->Committed({{"resume", 0}, {"resume", 1}});
  REQUIRE(committed.ok());
  int64_t committed_total = 0;
  for (const auto& c : *committed) committed_total += c.offset;
  CHECK(committed_total == static_cast<int64_t>(read.size()));

  auto second = MakeConsumer(config);
  REQUIRE(second->Subscribe({"resume"}).ok());
  auto rest = PollUntil(*second, 100 - read.size());
  for (auto& r : rest) read.push_back(std::move(r));
  auto extra = second->Poll(std::chrono::milliseconds(500));
  REQUIRE(extra.ok());
  CHECK(extra->empty());
  std::map<int32_t, std::vector<std::string>> expected;
  for (int i = 0; i < 100; ++i) expected[i % 2].push_back("v" + std::to_string(i));
  CHECK(ValuesByPartition(read) == expected);
}

}  // namespace
}  // namespace cairn::client::testing
