// How efficiently the Consumer reads a backlog, counted on the broker (its
// /metrics), not timed: a log already written is read with close to the
// fewest Fetch requests max.partition.fetch.bytes allows, and no Fetch waits
// fetch.max.wait.ms while a partition still has data (the head-of-line
// blocking of a long poll on idle partitions next to a busy one). Also: a
// producer's keyless records reach every partition (KIP-480 stickiness moves
// on when a batch is full), which bench consume and any keyless workload
// rely on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <future>
#include <map>
#include <string>
#include <vector>

#include "client/integration/consumer_test_support.h"

namespace cairn::client::testing {
namespace {

constexpr int kPartitions = 4;
constexpr size_t kValueBytes = 1024;
constexpr int32_t kPartitionFetchBytes = 1 << 20;
constexpr int32_t kMaxWaitMs = 3000;

// GET /metrics from the broker's admin listener.
std::string ScrapeMetrics(const CairndProcess& broker) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CAIRN_CHECK(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(broker.admin_port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CAIRN_CHECK(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  CAIRN_CHECK(write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string reply;
  char chunk[65536];
  for (ssize_t n; (n = read(fd, chunk, sizeof(chunk))) > 0;) reply.append(chunk, static_cast<size_t>(n));
  close(fd);
  return reply;
}

// The value of the sample line that starts with `series` (name and labels).
double Sample(const std::string& metrics, const std::string& series) {
  const std::string prefix = "\n" + series + " ";
  const size_t at = metrics.find(prefix);
  if (at == std::string::npos) return 0;  // not seen yet
  return std::stod(metrics.substr(at + prefix.size(), 40));
}

struct FetchCounters {
  double requests = 0;      // Fetch requests received
  double answered = 0;      // ... answered (timed)
  double answered_fast = 0; // ... answered within 2.5 s
};

FetchCounters FetchCountersOf(const CairndProcess& broker) {
  const std::string metrics = ScrapeMetrics(broker);
  FetchCounters c;
  c.requests = Sample(metrics, "kafka_network_requestmetrics_requests_total{request=\"Fetch\"}");
  c.answered = Sample(metrics, "kafka_network_requestmetrics_totaltimems_count{request=\"Fetch\"}");
  c.answered_fast = Sample(metrics, "kafka_network_requestmetrics_totaltimems_bucket{request=\"Fetch\",le=\"2500\"}");
  return c;
}

// Sends `counts[p]` records of kValueBytes to partition p and waits.
void ProduceBacklog(const CairndProcess& broker, const std::string& topic, const std::vector<int>& counts) {
  ProducerConfig config;
  config.client = ConfigFor(broker);
  config.batch_size = 256 << 10;
  auto producer = Producer::Create(config);
  CAIRN_CHECK(producer.ok()) << producer.status();
  const std::string value(kValueBytes, 'v');
  for (int p = 0; p < static_cast<int>(counts.size()); ++p) {
    for (int i = 0; i < counts[p]; ++i) {
      (*producer)->Send({topic, std::nullopt, value, {}, p, std::nullopt},
                        [](absl::StatusOr<RecordMetadata> m) { CAIRN_CHECK(m.ok()) << m.status(); });
    }
  }
  CAIRN_CHECK((*producer)->Flush(std::chrono::seconds(120)).ok());
  (*producer)->Close(std::chrono::seconds(5));
}

TEST_CASE("A backlog is read with close to the fewest fetches, and no fetch long-polls while data waits") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "backlog", kPartitions);
  // 20 MiB: half on partition 0, a quarter each on 1 and 2, partition 3
  // empty. A fetch of partition 3 alone parks for fetch.max.wait.ms.
  const std::vector<int> counts = {10240, 5120, 5120, 0};
  ProduceBacklog(broker, "backlog", counts);
  int total = 0;
  for (int c : counts) total += c;

  ConsumerConfig config = ConsumerConfigFor(broker);
  config.fetch_max_wait_ms = kMaxWaitMs;
  config.max_partition_fetch_bytes = kPartitionFetchBytes;
  auto consumer = MakeConsumer(config);
  std::vector<TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p) assignment.push_back({"backlog", p, kOffsetBeginning, ""});
  REQUIRE(consumer->Assign(assignment).ok());

  const FetchCounters before = FetchCountersOf(broker);
  // Generous: the old behaviour needed one max.wait.ms per megabyte here.
  const std::vector<ConsumerRecord> records = PollUntil(*consumer, static_cast<size_t>(total), std::chrono::seconds(120));
  const FetchCounters after = FetchCountersOf(broker);
  REQUIRE(records.size() == static_cast<size_t>(total));

  std::map<int32_t, int64_t> next;  // every record once, in order per partition
  for (const ConsumerRecord& r : records) {
    CHECK(r.offset == next[r.partition]);
    next[r.partition] = r.offset + 1;
    CHECK(r.value->size() == kValueBytes);
  }
  for (int p = 0; p < kPartitions; ++p) CHECK(next[p] == counts[p]);

  // Each fetch carries at most max.partition.fetch.bytes of partition 0, so
  // at least ceil(10 MiB of values / 1 MiB) fetches are needed. Allow half
  // as many again (record overhead, batch boundaries), plus the long poll
  // the consumer may have out once caught up. (Before prefetching, reading
  // partitions one drained buffer at a time took 22 here.)
  const double minimal = std::ceil(static_cast<double>(counts[0]) * kValueBytes / kPartitionFetchBytes);
  const double fetches = after.requests - before.requests;
  MESSAGE("fetches: ", fetches, " (minimal ", minimal, ")");
  CHECK(fetches >= minimal);
  CHECK(fetches <= minimal * 3 / 2 + 2);
  // Every fetch answered while the backlog was read came back at once.
  const double answered = after.answered - before.answered;
  const double waited = answered - (after.answered_fast - before.answered_fast);
  CHECK(answered >= minimal);
  CHECK(waited == 0);
  CHECK(consumer->Close().ok());
}

TEST_CASE("Keyless records from one producer reach every partition, a batch at a time") {
  CairndProcess broker;
  broker.Start();
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "keyless", kPartitions);
  ProducerConfig config;
  config.client = ConfigFor(broker);
  config.batch_size = 16 << 10;
  config.linger_ms = 1000;  // batches close because they are full, not by time
  auto producer = Producer::Create(config);
  REQUIRE(producer.ok());
  constexpr int kRecords = 3200;  // about 200 batches of 16 records
  std::map<int32_t, int> per_partition;
  std::vector<std::future<absl::StatusOr<RecordMetadata>>> sent;
  const std::string value(kValueBytes, 'k');
  for (int i = 0; i < kRecords; ++i) sent.push_back((*producer)->Send({"keyless", std::nullopt, value, {}}));
  REQUIRE((*producer)->Flush(std::chrono::seconds(60)).ok());
  for (auto& f : sent) {
    absl::StatusOr<RecordMetadata> m = f.get();
    REQUIRE(m.ok());
    ++per_partition[m->partition];
  }
  (*producer)->Close(std::chrono::seconds(5));
  // Each of 4 partitions expects a quarter; well under a tenth is a
  // partitioner that got stuck (before the fix every record went to one).
  for (int p = 0; p < kPartitions; ++p) {
    MESSAGE("partition ", p, ": ", per_partition[p], " records");
    CHECK(per_partition[p] >= kRecords / 10);
  }
}

}  // namespace
}  // namespace cairn::client::testing
