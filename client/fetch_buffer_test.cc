#include "client/fetch_buffer.h"

#include "client/fetch_planner.h"
#include "doctest/doctest.h"

namespace cairn::client {
namespace {

const TopicPartition kA{"t", 0};
const TopicPartition kB{"t", 1};

FetchedRecords Records(const TopicPartition& tp, int64_t first, int count, int64_t next_offset) {
  FetchedRecords f;
  for (int i = 0; i < count; ++i) {
    ConsumerRecord r;
    r.topic = tp.topic;
    r.partition = tp.partition;
    r.offset = first + i;
    r.value = std::string(100, 'x');
    f.bytes += RecordFootprint(r);
    f.records.push_back(std::move(r));
  }
  f.next_offset = next_offset;
  return f;
}

ConsumerAssignment TwoAt(int64_t a, int64_t b) {
  ConsumerAssignment assignment;
  assignment.Add({kA, kB}, ConsumerAssignment::Phase::kNeedsCommitted);
  assignment.SetPosition(kA, a);
  assignment.SetPosition(kB, b);
  return assignment;
}

TEST_CASE("FetchBuffer: Drain moves positions, honours max records and rotates partitions") {
  ConsumerAssignment assignment = TwoAt(0, 5);
  FetchBuffer buffer;
  buffer.Add(kA, 0, assignment.Find(kA)->epoch, Records(kA, 0, 3, 4));  // offset 3 was a control record
  buffer.Add(kB, 5, assignment.Find(kB)->epoch, Records(kB, 5, 2, 7));
  const size_t full = buffer.bytes();
  CHECK(full == 5 * RecordFootprint(Records(kA, 0, 1, 1).records[0]));

  std::vector<ConsumerRecord> first = buffer.Drain(assignment, 2);
  REQUIRE(first.size() == 2);
  CHECK(first[0].offset == 0);
  CHECK(first[1].offset == 1);
  CHECK(assignment.Find(kA)->position == 2);
  CHECK(buffer.bytes() == full * 3 / 5);

  // Next drain starts after partition A: B first, then the rest of A.
  std::vector<ConsumerRecord> second = buffer.Drain(assignment, 10);
  REQUIRE(second.size() == 3);
  CHECK(second[0].partition == 1);
  CHECK(second[2].offset == 2);
  CHECK(assignment.Find(kA)->position == 4);  // past the control record
  CHECK(assignment.Find(kB)->position == 7);
  CHECK(buffer.bytes() == 0);
  CHECK(!buffer.Has(kA));
}

TEST_CASE("FetchBuffer: a seek drops buffered records, a pause keeps them") {
  ConsumerAssignment assignment = TwoAt(0, 0);
  FetchBuffer buffer;
  buffer.Add(kA, 0, assignment.Find(kA)->epoch, Records(kA, 0, 3, 3));
  buffer.Add(kB, 0, assignment.Find(kB)->epoch, Records(kB, 0, 3, 3));
  assignment.SetPosition(kA, 0);  // a Seek to the same offset still invalidates
  assignment.Find(kB)->paused = true;
  CHECK(buffer.Drain(assignment, 10).empty());
  CHECK(!buffer.Has(kA));
  CHECK(buffer.Has(kB));
  assignment.Find(kB)->paused = false;
  CHECK(buffer.Drain(assignment, 10).size() == 3);
}

TEST_CASE("PlanFetches: one request per free leader, nothing for buffered partitions or over the cap") {
  ConsumerAssignment assignment;
  const TopicPartition kC{"u", 0};
  assignment.Add({kA, kB, kC}, ConsumerAssignment::Phase::kNeedsCommitted);
  assignment.SetPosition(kA, 10);
  assignment.SetPosition(kB, 20);
  assignment.SetPosition(kC, 30);
  auto leader = [](const TopicPartition& tp) { return tp.topic == "u" ? -1 : tp.partition + 1; };
  FetchBuffer buffer;
  FetchLimits limits;

  FetchPlan plan = PlanFetches(assignment, buffer, {}, leader, limits);
  CHECK(plan.by_node.size() == 2);
  CHECK(plan.by_node[1] == std::vector<PlannedPartition>{{kA, 10, assignment.Find(kA)->epoch}});
  CHECK(plan.leaderless == std::vector<TopicPartition>{kC});

  // Node 2 already has a fetch out; A has records waiting for Poll, more
  // than its prefetch threshold (here: its share of a tiny buffer cap and a
  // tiny max.partition.fetch.bytes).
  buffer.Add(kA, 10, assignment.Find(kA)->epoch, Records(kA, 10, 1, 11));
  FetchLimits tight = limits;
  tight.partition_max_bytes = 1;
  tight.max_buffered_bytes = buffer.bytes() + 1;
  plan = PlanFetches(assignment, buffer, {2}, leader, tight);
  CHECK(plan.by_node.empty());

  limits.max_buffered_bytes = 1;
  assignment.Find(kA)->paused = true;
  plan = PlanFetches(assignment, buffer, {}, leader, limits);
  CHECK(plan.by_node.empty());
  CHECK(plan.leaderless.empty());
}

TEST_CASE("PlanFetches: a partition below its prefetch threshold is fetched from where its buffer ends") {
  ConsumerAssignment assignment = TwoAt(10, 20);
  auto leader = [](const TopicPartition&) { return 1; };
  FetchBuffer buffer;
  FetchLimits limits;
  buffer.Add(kA, 10, assignment.Find(kA)->epoch, Records(kA, 10, 3, 14));  // offset 13: a control record
  CHECK(PrefetchThresholdBytes(limits, 2) == limits.max_buffered_bytes / 2);
  CHECK(PrefetchThresholdBytes(limits, 1000) == static_cast<size_t>(limits.partition_max_bytes));

  FetchPlan plan = PlanFetches(assignment, buffer, {}, leader, limits);
  CHECK(plan.by_node[1] == std::vector<PlannedPartition>{{kA, 14, assignment.Find(kA)->epoch},
                                                          {kB, 20, assignment.Find(kB)->epoch}});

  // The prefetch's answer continues the buffered records; Poll then hands
  // out both fetches in order and moves past the end of the second.
  CHECK(buffer.Continues(kA, 14, assignment.Find(kA)->epoch));
  CHECK(!buffer.Continues(kA, 13, assignment.Find(kA)->epoch));
  CHECK(!buffer.Continues(kA, 14, assignment.Find(kA)->epoch + 1));
  buffer.Append(kA, Records(kA, 14, 2, 16));
  CHECK(buffer.PrefetchOffset(kA) == 16);
  CHECK(buffer.BytesOf(kA) == 5 * RecordFootprint(Records(kA, 0, 1, 1).records[0]));
  std::vector<ConsumerRecord> drained = buffer.Drain(assignment, 4);
  REQUIRE(drained.size() == 4);
  CHECK(drained[2].offset == 12);
  CHECK(drained[3].offset == 14);
  CHECK(assignment.Find(kA)->position == 15);
  CHECK(buffer.Drain(assignment, 10).size() == 1);
  CHECK(assignment.Find(kA)->position == 16);
  CHECK(!buffer.Has(kA));

  // After StopPrefetch the partition waits until Poll drained it.
  buffer.Add(kA, 16, assignment.Find(kA)->epoch, Records(kA, 16, 1, 17));
  buffer.StopPrefetch(kA);
  CHECK(buffer.PrefetchOffset(kA) == -1);
  CHECK(!buffer.Continues(kA, 17, assignment.Find(kA)->epoch));
  plan = PlanFetches(assignment, buffer, {}, leader, limits);
  CHECK(plan.by_node[1] == std::vector<PlannedPartition>{{kB, 20, assignment.Find(kB)->epoch}});
}

TEST_CASE("PlanFetches: no long poll for caught-up partitions while a busy one waits for Poll") {
  // A holds more than its threshold; B is known to be at its high watermark.
  // A fetch of B alone would park on the broker for fetch.max.wait.ms and
  // keep A from being fetched again for as long.
  ConsumerAssignment assignment = TwoAt(10, 20);
  auto leader = [](const TopicPartition&) { return 1; };
  FetchBuffer buffer;
  FetchLimits limits;
  limits.partition_max_bytes = 1;
  limits.max_buffered_bytes = 1000;
  buffer.Add(kA, 10, assignment.Find(kA)->epoch, Records(kA, 10, 3, 13));
  REQUIRE(buffer.BytesOf(kA) >= PrefetchThresholdBytes(limits, 2));
  REQUIRE(buffer.bytes() < limits.max_buffered_bytes);
  assignment.Find(kB)->high_watermark = 20;
  CHECK(PlanFetches(assignment, buffer, {}, leader, limits).by_node.empty());

  // B may have data (its high watermark is ahead, or unknown): fetch it.
  assignment.Find(kB)->high_watermark = 25;
  FetchPlan plan = PlanFetches(assignment, buffer, {}, leader, limits);
  CHECK(plan.by_node[1] == std::vector<PlannedPartition>{{kB, 20, assignment.Find(kB)->epoch}});
  assignment.Find(kB)->high_watermark = -1;
  CHECK(PlanFetches(assignment, buffer, {}, leader, limits).by_node.size() == 1);

  // Nothing held back (A paused, or drained): the long poll goes out.
  assignment.Find(kB)->high_watermark = 20;
  assignment.Find(kA)->paused = true;
  plan = PlanFetches(assignment, buffer, {}, leader, limits);
  CHECK(plan.by_node[1] == std::vector<PlannedPartition>{{kB, 20, assignment.Find(kB)->epoch}});
  assignment.Find(kA)->paused = false;
  CHECK(buffer.Drain(assignment, 10).size() == 3);
  plan = PlanFetches(assignment, buffer, {}, leader, limits);
  CHECK(plan.by_node[1].size() == 2);
}

TEST_CASE("ConsumerAssignment: phases, lookups in flight and epochs") {
  ConsumerAssignment assignment;
  assignment.Add({kA}, ConsumerAssignment::Phase::kNeedsCommitted);
  assignment.Add({kB}, ConsumerAssignment::Phase::kNeedsReset, ConsumerAssignment::kEarliestTimestamp);
  CHECK(assignment.Waiting(ConsumerAssignment::Phase::kNeedsCommitted) == std::vector<TopicPartition>{kA});
  assignment.Find(kA)->lookup_in_flight = true;
  CHECK(assignment.Waiting(ConsumerAssignment::Phase::kNeedsCommitted).empty());
  CHECK(assignment.Fetchable().empty());

  const uint64_t epoch = assignment.Find(kB)->epoch;
  assignment.SetPosition(kB, 42);
  CHECK(assignment.Find(kB)->epoch == epoch + 1);
  CHECK(assignment.Fetchable() == std::vector<TopicPartition>{kB});
  assignment.Advance(kB, 50);
  CHECK(assignment.Find(kB)->position == 50);
  CHECK(assignment.Find(kB)->epoch == epoch + 1);
  assignment.Advance(kB, 45);  // never backwards
  CHECK(assignment.Find(kB)->position == 50);

  assignment.Add({kB}, ConsumerAssignment::Phase::kNeedsCommitted);  // already there: kept
  CHECK(assignment.Find(kB)->position == 50);
  assignment.Find(kB)->revoking = true;
  CHECK(assignment.Fetchable().empty());
  assignment.Remove({kA, kB});
  CHECK(assignment.All().empty());
}

}  // namespace
}  // namespace cairn::client
