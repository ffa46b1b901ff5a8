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

TEST_CASE("FetchBuffer: a seek drops buffered records; a pause keeps them") {
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

  // Node 2 already has a fetch out; A has records waiting for Poll.
  buffer.Add(kA, 10, assignment.Find(kA)->epoch, Records(kA, 10, 1, 11));
  plan = PlanFetches(assignment, buffer, {2}, leader, limits);
  CHECK(plan.by_node.empty());

  limits.max_buffered_bytes = 1;
  assignment.Find(kA)->paused = true;
  plan = PlanFetches(assignment, buffer, {}, leader, limits);
  CHECK(plan.by_node.empty());
  CHECK(plan.leaderless.empty());
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
