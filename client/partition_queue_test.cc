#include "client/partition_queue.h"

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
