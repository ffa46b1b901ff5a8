#include "client/group/cooperative_sticky_assignor.h"

#include <doctest/doctest.h>

#include <map>

#include "client/group/assignor_test_util.h"
#include "client/group/owned_partitions.h"

namespace cairn::client::group {
namespace {

using testing::Member;
using testing::Show;

const PartitionCounts kTwoTopics = {{"t1", 6}, {"t2", 6}};

// A group of cooperative members over several rebalances: each round every
// member joins with what it owns and the generation it owns it for, the
// leader assigns, and every member's ownership becomes its assignment (it
// revokes what is missing, adds what is new).
struct Group {
  std::map<std::string, std::vector<TopicPartition>> owned;
  std::map<std::string, int32_t> generation;
  int32_t next_generation = 1;

  GroupAssignment Rebalance(const std::vector<std::string>& members) {
    // A member that left revoked everything before its LeaveGroup.
    std::erase_if(owned, [&](const auto& entry) {
      return std::find(members.begin(), members.end(), entry.first) == members.end();
    });
    std::vector<MemberSubscription> subs;
    for (const std::string& m : members) {
      auto g = generation.find(m);
      subs.push_back(Member(m, {"t1", "t2"}, owned[m], g == generation.end() ? -1 : g->second));
    }
    GroupAssignment out = CooperativeStickyAssignor().Assign(kTwoTopics, subs);
    // Nothing may be handed to a member while another one still owns it.
    for (const auto& [member, partitions] : out) {
      for (const TopicPartition& tp : partitions) {
        for (const auto& [other, theirs] : owned) {
          if (other == member) continue;
          CAPTURE(member);
          CAPTURE(other);
          CHECK(std::find(theirs.begin(), theirs.end(), tp) == theirs.end());
        }
      }
    }
    owned.clear();
    for (const auto& [member, partitions] : out) {
      owned[member] = partitions;
      generation[member] = next_generation;
    }
    ++next_generation;
    return out;
  }
};

TEST_CASE("cooperative-sticky: 3 fresh members x 2 topics x 6 partitions get 4 each, round-robin") {
  Group g;
  CHECK(Show(g.Rebalance({"m1", "m2", "m3"})) ==
        "m1: t1-0 t1-3 t2-0 t2-3 | m2: t1-1 t1-4 t2-1 t2-4 | m3: t1-2 t1-5 t2-2 t2-5");
  // Nothing changed: a rebalance keeps everything in place.
  CHECK(Show(g.Rebalance({"m1", "m2", "m3"})) ==
        "m1: t1-0 t1-3 t2-0 t2-3 | m2: t1-1 t1-4 t2-1 t2-4 | m3: t1-2 t1-5 t2-2 t2-5");
}

TEST_CASE("cooperative-sticky: when a member leaves, the others keep theirs and share its partitions at once") {
  Group g;
  g.Rebalance({"m1", "m2", "m3"});
  CHECK(Show(g.Rebalance({"m1", "m2"})) ==
        "m1: t1-0 t1-2 t1-3 t2-0 t2-2 t2-3 | m2: t1-1 t1-4 t1-5 t2-1 t2-4 t2-5");
}

TEST_CASE("cooperative-sticky: a joining member takes two rebalances and no partition has two owners") {
  Group g;
  CHECK(Show(g.Rebalance({"m1", "m2"})) ==
        "m1: t1-0 t1-2 t1-4 t2-0 t2-2 t2-4 | m2: t1-1 t1-3 t1-5 t2-1 t2-3 t2-5");
  // First rebalance: m1 and m2 give up what m3 should get; m3 gets nothing yet.
  CHECK(Show(g.Rebalance({"m1", "m2", "m3"})) == "m1: t1-0 t1-2 t1-4 t2-0 | m2: t1-1 t1-3 t1-5 t2-1 | m3:");
  // The follow-up rebalance (m1 and m2 revoked, so they rejoin) hands them over.
  CHECK(Show(g.Rebalance({"m1", "m2", "m3"})) ==
        "m1: t1-0 t1-2 t1-4 t2-0 | m2: t1-1 t1-3 t1-5 t2-1 | m3: t2-2 t2-3 t2-4 t2-5");
  CHECK(Show(g.Rebalance({"m1", "m2", "m3"})) ==
        "m1: t1-0 t1-2 t1-4 t2-0 | m2: t1-1 t1-3 t1-5 t2-1 | m3: t2-2 t2-3 t2-4 t2-5");
}

TEST_CASE("cooperative-sticky: the sticky target of the first rebalance is what the second one reaches") {
  Group g;
  g.Rebalance({"m1", "m2"});
  std::vector<MemberSubscription> subs = {Member("m1", {"t1", "t2"}, g.owned["m1"], 1),
                                          Member("m2", {"t1", "t2"}, g.owned["m2"], 1), Member("m3", {"t1", "t2"})};
  CHECK(Show(CooperativeStickyAssignor::StickyTarget(kTwoTopics, subs)) ==
        "m1: t1-0 t1-2 t1-4 t2-0 | m2: t1-1 t1-3 t1-5 t2-1 | m3: t2-2 t2-3 t2-4 t2-5");
}

TEST_CASE("cooperative-sticky: claims from an older generation are ignored, double claims void") {
  const PartitionCounts counts = {{"t", 4}};
  // m2 missed a rebalance: it still lists t-1 from generation 2.
  auto owned = ValidOwnedPartitions(counts, {Member("m1", {"t"}, {{"t", 0}, {"t", 1}}, 3),
                                             Member("m2", {"t"}, {{"t", 1}, {"t", 2}}, 2)});
  CHECK(owned["m1"] == std::vector<TopicPartition>{{"t", 0}, {"t", 1}});
  CHECK(owned["m2"].empty());
  // Two members of the same generation claiming t-1: nobody keeps it.
  owned = ValidOwnedPartitions(counts, {Member("m1", {"t"}, {{"t", 0}, {"t", 1}}, 3),
                                        Member("m2", {"t"}, {{"t", 1}, {"t", 2}}, 3)});
  CHECK(owned["m1"] == std::vector<TopicPartition>{{"t", 0}});
  CHECK(owned["m2"] == std::vector<TopicPartition>{{"t", 2}});
  // Claims on partitions that do not exist or topics no longer subscribed are dropped.
  owned = ValidOwnedPartitions(counts, {Member("m1", {"t"}, {{"t", 7}, {"gone", 0}, {"t", 3}}, 1)});
  CHECK(owned["m1"] == std::vector<TopicPartition>{{"t", 3}});
}

TEST_CASE("cooperative-sticky: a v2 subscription's generation_id wins over user data") {
  MemberSubscription m = Member("m1", {"t"}, {{"t", 0}}, 1);
  m.subscription.generation_id = 5;
  CHECK(ReportedGeneration(m.subscription) == 5);
  m.subscription.generation_id = -1;
  CHECK(ReportedGeneration(m.subscription) == 1);
  m.subscription.user_data = Buffer{1};
  CHECK(ReportedGeneration(m.subscription) == -1);
  m.subscription.user_data.reset();
  CHECK(!ReportedGeneration(m.subscription));
  CHECK(CooperativeStickyAssignor().SubscriptionUserData(258) == Buffer{0, 0, 1, 2});
}

TEST_CASE("cooperative-sticky: a stale member's claims do not take partitions from their valid owner") {
  // m2 (generation 1) still claims t-0, which m1 owns at generation 2: m1 keeps it.
  auto out = CooperativeStickyAssignor().Assign(
      {{"t", 2}}, {Member("m1", {"t"}, {{"t", 0}}, 2), Member("m2", {"t"}, {{"t", 0}, {"t", 1}}, 1)});
  CHECK(Show(out) == "m1: t-0 | m2: t-1");
}

TEST_CASE("cooperative-sticky: different subscriptions are balanced where members are eligible") {
  auto out = CooperativeStickyAssignor().Assign({{"t1", 3}, {"t2", 3}},
                                                {Member("m1", {"t1"}), Member("m2", {"t1", "t2"})});
  CHECK(Show(out) == "m1: t1-0 t1-1 t1-2 | m2: t2-0 t2-1 t2-2");
  // m2 owned all of t1 and t2; m1 can only take t1: it gets half of the
  // combined load in the target, so m2 revokes the t1 partitions m1 gets.
  auto sticky = CooperativeStickyAssignor().Assign(
      {{"t1", 3}, {"t2", 3}},
      {Member("m1", {"t1"}, {}, 1),
       Member("m2", {"t1", "t2"}, {{"t1", 0}, {"t1", 1}, {"t1", 2}, {"t2", 0}, {"t2", 1}, {"t2", 2}}, 1)});
  CHECK(Show(sticky) == "m1: | m2: t2-0 t2-1 t2-2");
}

// librdkafka's cooperative-sticky (and the Java StickyAssignor) write user
// data as StickyAssignorUserData v1: the partitions owned, then the
// generation. These bytes are what librdkafka 2.0.2 sent against cairnd
// owning t-3, t-4, t-5 at generation 3. Reading the first four bytes (the
// topic count, 1) as the generation made its claims stale next to members
// reporting 3, so its partitions went to other members while it still
// owned them.
TEST_CASE("cooperative-sticky: a librdkafka member's generation is read from its sticky user data") {
  const Buffer rdkafka_user_data = {0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 3, 0, 0, 0, 3,
                                    0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 3};
  MemberSubscription rdkafka = Member("m2-rdkafka", {"t"}, {{"t", 3}, {"t", 4}, {"t", 5}});
  rdkafka.subscription.user_data = rdkafka_user_data;
  CHECK(ReportedGeneration(rdkafka.subscription) == 3);
  // Owning nothing: an empty array, then the generation.
  Subscription empty;
  empty.user_data = Buffer{0, 0, 0, 0, 0, 0, 0, 2};
  CHECK(ReportedGeneration(empty) == 2);
  // Bytes that are not sticky user data: the first four, as Java reads them.
  empty.user_data = Buffer{0, 0, 0, 9, 0, 0, 0, 2};
  CHECK(ReportedGeneration(empty) == 9);

  // A new member joins m1 (Cairn, generation 3) and the librdkafka member:
  // each keeps two of its own, and nothing it still owns is handed to m3
  // this generation (t-2 and t-5 go in the follow-up rebalance).
  auto out = CooperativeStickyAssignor().Assign(
      {{"t", 6}}, {Member("m1", {"t"}, {{"t", 0}, {"t", 1}, {"t", 2}}, 3), rdkafka, Member("m3", {"t"})});
  CHECK(Show(out) == "m1: t-0 t-1 | m2-rdkafka: t-3 t-4 | m3:");
}

}  // namespace
}  // namespace cairn::client::group
