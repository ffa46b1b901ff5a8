#include "client/partition_queue.h"

#include "common/record_batch.h"

#include "doctest/doctest.h"

namespace cairn::client {
namespace {

PendingRecord MakeRecord(uint64_t send_id) {
  PendingRecord record;
  record.value = "v" + std::to_string(send_id);
  record.send_id = send_id;
  return record;
}

// Appends `count` records of 100 bytes each; batch.size 300 → 3 per batch.
void AppendRecords(PartitionQueue& queue, uint64_t first_id, int count, int64_t now_ms = 0) {
  for (int i = 0; i < count; ++i) queue.Append(MakeRecord(first_id + i), 100, 300, now_ms);
}

PartitionQueue::SendPolicy Policy(int64_t linger_ms = 0) {
  PartitionQueue::SendPolicy policy;
  policy.linger_ms = linger_ms;
  return policy;
}

TEST_CASE("PartitionQueue: batch.size closes a batch and sequences follow record counts") {
  PartitionQueue queue;
  AppendRecords(queue, 1, 7);
  CHECK(queue.queued() == 3);
  ProducerBatch* a = queue.NextToSend(0, Policy());
  ProducerBatch* b = queue.NextToSend(0, Policy());
  ProducerBatch* c = queue.NextToSend(0, Policy());
  REQUIRE(c != nullptr);
  CHECK(a->record_count() == 3);
  CHECK(a->base_sequence == 0);
  CHECK(b->base_sequence == 3);
  CHECK(c->record_count() == 1);
  CHECK(c->base_sequence == 6);
  CHECK(queue.next_sequence() == 7);
}

TEST_CASE("PartitionQueue: WouldStartBatch tells when the sticky partitioner moves on") {
  PartitionQueue queue;
  CHECK(queue.WouldStartBatch(100, 300));  // no batch yet
  AppendRecords(queue, 1, 1);
  CHECK(!queue.WouldStartBatch(100, 300));
  CHECK(queue.WouldStartBatch(250, 300));  // does not fit the open batch
  AppendRecords(queue, 2, 1);
  // 200 of 300 bytes: a 150-byte record does not fit even though the batch
  // is not full (the case that kept keyless records on one partition).
  CHECK(queue.WouldStartBatch(150, 300));
  queue.Append(MakeRecord(3), 150, 300, 0);
  CHECK(queue.queued() == 2);
  CHECK(!queue.WouldStartBatch(100, 300));
  REQUIRE(queue.NextToSend(0, Policy()) != nullptr);
  REQUIRE(queue.NextToSend(0, Policy()) != nullptr);
  CHECK(queue.WouldStartBatch(1, 300));  // the open batch was sent
}

// The send ids of each queued batch's records, in order, draining the queue.
std::vector<std::vector<uint64_t>> SendAllBatches(PartitionQueue& queue) {
  std::vector<std::vector<uint64_t>> batches;
  PartitionQueue::SendPolicy policy = Policy();
  policy.max_in_flight = 1000;
  while (ProducerBatch* batch = queue.NextToSend(0, policy)) {
    std::vector<uint64_t> ids;
    for (const PendingRecord& record : batch->records) ids.push_back(record.send_id);
    batches.push_back(ids);
  }
  return batches;
}

TEST_CASE("PartitionQueue: a record larger than batch.size is alone in its batch, the records after it start another") {
  // The CLI's "a", 1100 KiB, "b": the small records must not share the big
  // one's batch, which the broker refuses as a whole (MESSAGE_TOO_LARGE).
  PartitionQueue queue;
  queue.Append(MakeRecord(1), 22, 16384, 0);
  queue.Append(MakeRecord(2), 1100 * 1024 + 21, 16384, 0);
  queue.Append(MakeRecord(3), 22, 16384, 0);
  queue.Append(MakeRecord(4), 22, 16384, 0);
  CHECK(SendAllBatches(queue) == std::vector<std::vector<uint64_t>>{{1}, {2}, {3, 4}});
}

TEST_CASE("PartitionQueue: a record that does not fit the open batch closes it and opens the next") {
  PartitionQueue queue;
  queue.Append(MakeRecord(1), 100, 300, 0);
  queue.Append(MakeRecord(2), 150, 300, 0);  // 250 of 300
  queue.Append(MakeRecord(3), 100, 300, 0);  // 350 would pass 300: next batch
  queue.Append(MakeRecord(4), 200, 300, 0);  // exactly 300: fits, and closes it
  queue.Append(MakeRecord(5), 1, 300, 0);
  queue.Append(MakeRecord(6), 400, 300, 0);  // larger than batch.size: alone
  queue.Append(MakeRecord(7), 400, 300, 0);  // and so is the next one
  queue.Append(MakeRecord(8), 1, 300, 0);
  CHECK(SendAllBatches(queue) == std::vector<std::vector<uint64_t>>{{1, 2}, {3, 4}, {5}, {6}, {7}, {8}});
}

TEST_CASE("EstimateRecordBytes covers each record's encoded size, framing included") {
  // So that batch.size, counted in estimates, bounds the encoded records.
  struct Sample {
    std::optional<std::string> key;
    std::optional<std::string> value;
    std::vector<RecordHeader> headers;
  };
  std::vector<Sample> samples = {
      {std::nullopt, std::string("a"), {}},
      {std::nullopt, std::nullopt, {}},
      {std::string(""), std::string(""), {}},
      {std::string("key-42"), std::string(300, 'v'), {{"trace", std::string("abc")}, {"null", std::nullopt}}},
      {std::string(20000, 'k'), std::string(1100 * 1024, 'x'), {}},
  };
  RecordBatchBuilder builder(RecordBatchOptions{}, 0);
  size_t estimated = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& sample = samples[i];
    const size_t estimate = EstimateRecordBytes(sample.key, sample.value, sample.headers);
    RecordBatchBuilder alone(RecordBatchOptions{}, 0);
    RecordView record;
    record.offset_delta = static_cast<int32_t>(i);
    record.timestamp_delta = 60000;  // a minute after the batch's first record
    if (sample.key) record.key = *sample.key;
    if (sample.value) record.value = *sample.value;
    record.headers = sample.headers;
    REQUIRE(alone.Append(record).ok());
    REQUIRE(builder.Append(record).ok());
    absl::StatusOr<Buffer> one = std::move(alone).Finish();
    REQUIRE(one.ok());
    CAPTURE(i);
    CHECK(one->size() - kBatchHeaderBytes <= estimate);
    estimated += estimate;
  }
  absl::StatusOr<Buffer> all = std::move(builder).Finish();
  REQUIRE(all.ok());
  CHECK(all->size() - kBatchHeaderBytes <= estimated);
}

TEST_CASE("PartitionQueue: an open batch waits for linger.ms unless flushed") {
  PartitionQueue queue;
  AppendRecords(queue, 1, 1, /*now_ms=*/1000);
  CHECK(queue.NextToSend(1004, Policy(5)) == nullptr);
  CHECK(*queue.NextWakeMs(Policy(5), 120000) == 1005);
  PartitionQueue::SendPolicy flushing = Policy(5);
  flushing.flush_send_id = 1;
  CHECK(queue.NextToSend(1004, flushing) != nullptr);
}

TEST_CASE("PartitionQueue: at most max_in_flight batches are out at once") {
  PartitionQueue queue;
  AppendRecords(queue, 1, 3 * 7);
  for (int i = 0; i < 5; ++i) CHECK(queue.NextToSend(0, Policy()) != nullptr);
  CHECK(queue.NextToSend(0, Policy()) == nullptr);
  CHECK(queue.in_flight() == 5);
}

TEST_CASE("PartitionQueue: a retry waits for the in-flight batches, then resends in sequence order") {
  PartitionQueue queue;
  AppendRecords(queue, 1, 3 * 4);
  std::vector<ProducerBatch*> sent;
  for (int i = 0; i < 3; ++i) sent.push_back(queue.NextToSend(0, Policy()));
  // The first fails (say the leader moved); the other two then fail as out of order.
  queue.OnRetriable(sent[0], /*retry_after_ms=*/100);
  CHECK(queue.NextToSend(200, Policy()) == nullptr);  // two still in flight
  CHECK(!queue.IsFirstUnacknowledged(sent[2]));
  queue.OnRetriable(sent[2], 100);
  queue.OnRetriable(sent[1], 100);
  CHECK(queue.NextToSend(50, Policy()) == nullptr);  // backoff
  std::vector<int64_t> resent;
  while (ProducerBatch* batch = queue.NextToSend(200, Policy())) resent.push_back(batch->base_sequence);
  // Same sequences, in order, then the batch never sent before.
  CHECK(resent == std::vector<int64_t>{0, 3, 6, 9});
}

TEST_CASE("PartitionQueue: a failed batch closes its sequence gap") {
  PartitionQueue queue;
  AppendRecords(queue, 1, 3 * 3);
  ProducerBatch* a = queue.NextToSend(0, Policy());
  ProducerBatch* b = queue.NextToSend(0, Policy());
  std::unique_ptr<ProducerBatch> failed = queue.OnFailed(a);
  CHECK(failed->base_sequence == 0);
  CHECK(b->base_sequence == 0);
  CHECK(queue.next_sequence() == 3);
  CHECK(queue.IsFirstUnacknowledged(b));
  queue.OnRetriable(b, 0);
  ProducerBatch* again = queue.NextToSend(0, Policy());
  ProducerBatch* c = queue.NextToSend(0, Policy());
  CHECK(again->base_sequence == 0);
  CHECK(c->base_sequence == 3);
}

TEST_CASE("PartitionQueue: out of order after a failed batch moved the sequence down is resent, not fatal") {
  // a, an oversized record and b in flight at once (sequences 0, 1, 2); the
  // oversized one fails for good, so b, sent as 2, is now 1: the broker,
  // still expecting 1, answers OUT_OF_ORDER_SEQUENCE_NUMBER, and b is resent
  // as 1 (the Java client's sequenceHasBeenReset).
  PartitionQueue queue;
  queue.Append(MakeRecord(1), 22, 16384, 0);
  queue.Append(MakeRecord(2), 1 << 20, 16384, 0);
  queue.Append(MakeRecord(3), 22, 16384, 0);
  ProducerBatch* a = queue.NextToSend(0, Policy());
  ProducerBatch* big = queue.NextToSend(0, Policy());
  ProducerBatch* b = queue.NextToSend(0, Policy());
  REQUIRE(b != nullptr);
  CHECK(b->base_sequence == 2);
  queue.OnAcknowledged(a);
  CHECK(!queue.OutOfOrderIsRetriable(big));  // first unacknowledged, sent with its own sequence
  queue.OnFailed(big);
  CHECK(b->base_sequence == 1);
  CHECK(b->sent_sequence == 2);
  CHECK(queue.IsFirstUnacknowledged(b));
  CHECK(queue.OutOfOrderIsRetriable(b));
  queue.OnRetriable(b, 0);
  ProducerBatch* again = queue.NextToSend(0, Policy());
  REQUIRE(again == b);
  CHECK(b->sent_sequence == 1);
  // Now sent with its own sequence and first: out of order is the broker's
  // lost state again, not ours.
  CHECK(!queue.OutOfOrderIsRetriable(b));
}

constexpr int64_t kWrap = int64_t{1} << 31;  // INT32_MAX + 1: where Kafka's sequences start again at 0

TEST_CASE("PartitionQueue: sequences run on past INT32_MAX and the header's wraps to 0") {
  PartitionQueue queue;
  queue.ResetSequences(kWrap - 4);
  AppendRecords(queue, 1, 3 * 3);
  ProducerBatch* a = queue.NextToSend(0, Policy());
  ProducerBatch* b = queue.NextToSend(0, Policy());
  ProducerBatch* c = queue.NextToSend(0, Policy());
  REQUIRE(c != nullptr);
  CHECK(WireSequence(a->base_sequence) == INT32_MAX - 3);
  // b's three records carry INT32_MAX, then 0 and 1 after the wrap.
  CHECK(WireSequence(b->base_sequence) == INT32_MAX);
  CHECK(WireSequence(c->base_sequence) == 2);
  CHECK(WireSequence(queue.next_sequence()) == 5);
  CHECK(WireSequence(kWrap) == 0);
  CHECK(WireSequence(0) == 0);
}

TEST_CASE("PartitionQueue: a retry across the wrap goes back ahead of the batches after it") {
  PartitionQueue queue;
  queue.ResetSequences(kWrap - 3);
  AppendRecords(queue, 1, 3 * 3);
  ProducerBatch* a = queue.NextToSend(0, Policy());  // INT32_MAX - 2 .. INT32_MAX
  ProducerBatch* b = queue.NextToSend(0, Policy());  // 0 .. 2 on the wire
  ProducerBatch* c = queue.NextToSend(0, Policy());
  queue.OnRetriable(a, 0);
  CHECK(!queue.IsFirstUnacknowledged(b));
  queue.OnRetriable(c, 0);
  queue.OnRetriable(b, 0);
  std::vector<int32_t> resent;
  while (ProducerBatch* batch = queue.NextToSend(0, Policy())) resent.push_back(WireSequence(batch->base_sequence));
  CHECK(resent == std::vector<int32_t>{INT32_MAX - 2, 0, 3});
}

TEST_CASE("PartitionQueue: a failed batch before the wrap closes the gap for the batches after it") {
  PartitionQueue queue;
  queue.ResetSequences(kWrap - 3);
  AppendRecords(queue, 1, 3 * 3);
  ProducerBatch* a = queue.NextToSend(0, Policy());
  ProducerBatch* b = queue.NextToSend(0, Policy());
  std::unique_ptr<ProducerBatch> failed = queue.OnFailed(a);
  CHECK(WireSequence(failed->base_sequence) == INT32_MAX - 2);
  // b moves down into a's sequences, back before the wrap.
  CHECK(WireSequence(b->base_sequence) == INT32_MAX - 2);
  CHECK(queue.IsFirstUnacknowledged(b));
  CHECK(WireSequence(queue.next_sequence()) == 0);  // b's 3 records end at INT32_MAX
  queue.OnRetriable(b, 0);
  ProducerBatch* again = queue.NextToSend(0, Policy());
  ProducerBatch* c = queue.NextToSend(0, Policy());
  CHECK(again == b);
  CHECK(WireSequence(c->base_sequence) == 0);
}

TEST_CASE("PartitionQueue: delivery timeout expires queued batches only") {
  PartitionQueue queue;
  AppendRecords(queue, 1, 3, /*now_ms=*/0);
  AppendRecords(queue, 4, 3, /*now_ms=*/50);
  ProducerBatch* in_flight = queue.NextToSend(0, Policy());
  REQUIRE(in_flight != nullptr);
  CHECK(queue.Expire(99, 100).empty());
  auto expired = queue.Expire(150, 100);
  REQUIRE(expired.size() == 1);
  CHECK(expired[0]->first_send_id() == 4);
  CHECK(queue.in_flight() == 1);
}

TEST_CASE("PartitionQueue: a retried batch is the oldest queued, so it expires and wakes first") {
  PartitionQueue queue;
  AppendRecords(queue, 1, 3, /*now_ms=*/0);
  AppendRecords(queue, 4, 3, /*now_ms=*/50);
  AppendRecords(queue, 7, 3, /*now_ms=*/100);
  ProducerBatch* first = queue.NextToSend(0, Policy());
  REQUIRE(first != nullptr);
  queue.OnRetriable(first, /*retry_after_ms=*/500);
  // Woken for the head's delivery timeout (0 + 100) before its backoff.
  CHECK(*queue.NextWakeMs(Policy(), 100) == 100);
  CHECK(*queue.NextWakeMs(Policy(), 1000) == 500);
  auto expired = queue.Expire(130, 100);
  REQUIRE(expired.size() == 1);
  CHECK(expired[0]->first_send_id() == 1);
  CHECK(*queue.NextWakeMs(Policy(), 100) == 50);  // the batch created at 50, lingering 0
  expired = queue.Expire(160, 100);
  REQUIRE(expired.size() == 1);
  CHECK(expired[0]->first_send_id() == 4);
  CHECK(queue.queued() == 1);
}

TEST_CASE("PartitionQueue: a new producer id restarts sequences at zero") {
  PartitionQueue queue;
  AppendRecords(queue, 1, 3 * 2);
  ProducerBatch* a = queue.NextToSend(0, Policy());
  queue.OnRetriable(a, 0);
  queue.ResetSequences();
  CHECK(queue.NextToSend(0, Policy())->base_sequence == 0);
  CHECK(queue.NextToSend(0, Policy())->base_sequence == 3);
}

}  // namespace
}  // namespace cairn::client
