#include "client/group/group_membership.h"

#include <doctest/doctest.h>

#include "client/group/cooperative_sticky_assignor.h"
#include "client/group/group_errors.h"
#include "client/group/membership_fixture.h"
#include "client/group/range_assignor.h"

namespace cairn::client::group {
namespace {

using namespace testing;
// Outputs and expectations as one string, so a failure prints both in full.
std::string J(const std::vector<std::string>& lines) { return absl::StrJoin(lines, " ; "); }
std::string Out(GroupMembership& m) { return J(testing::Out(m)); }

MembershipConfig Config(std::optional<std::string> instance = std::nullopt) {
  MembershipConfig c;
  c.group_id = "g";
  c.group_instance_id = std::move(instance);
  c.session_timeout_ms = 10000;
  c.heartbeat_interval_ms = 3000;
  c.rebalance_timeout_ms = 60000;
  c.max_poll_interval_ms = 300000;
  c.retry_backoff_ms = 100;
  return c;
}

GroupMembership Eager(std::optional<std::string> instance = std::nullopt) {
  std::vector<std::unique_ptr<Assignor>> a;
  a.push_back(std::make_unique<RangeAssignor>());
  return GroupMembership(Config(std::move(instance)), std::move(a));
}

GroupMembership Cooperative() {
  std::vector<std::unique_ptr<Assignor>> a;
  a.push_back(std::make_unique<CooperativeStickyAssignor>());
  return GroupMembership(Config(), std::move(a));
}

const std::vector<TopicPartition> kT012 = {{"t", 0}, {"t", 1}, {"t", 2}};

// A lone eager member through the v4+ handshake to Stable with t-0..2.
void JoinAlone(GroupMembership& m) {
  m.Subscribe(0, {"t"});
  m.UpdateMetadata(0, {{"t", 3}});
  m.Poll(0);
  CHECK(Out(m) == J({"FindCoordinator g"}));
  m.OnFindCoordinator(1, Found());
  CHECK(Out(m) == J({"JoinGroup member= {range topics=t owned= gen=-}"}));
  m.OnJoinGroup(2, JoinError(errors::kMemberIdRequired, "m1"));
  CHECK(Out(m) == J({"JoinGroup member=m1 {range topics=t owned= gen=-}"}));
  m.OnJoinGroup(3, Joined(1, "m1", "m1", "range", {{"m1", SubscriptionBytes({"t"})}}));
  CHECK(Out(m) == J({"SyncGroup gen=1 member=m1 m1=[t-0,t-1,t-2]"}));
  m.OnSyncGroup(4, Synced(kT012));
  CHECK(Out(m) == J({"assigned [t-0,t-1,t-2]"}));
  CHECK(m.state() == GroupMembership::State::kStable);
}

TEST_CASE("membership: a lone member finds the coordinator, learns its id, leads and assigns itself") {
  GroupMembership m = Eager();
  JoinAlone(m);
  CHECK(m.generation() == 1);
  CHECK(m.is_leader());
  CHECK(m.coordinator()->port == 9092);
}

TEST_CASE("membership: heartbeats go every interval after the last answer") {
  GroupMembership m = Eager();
  JoinAlone(m);
  m.Tick(3002);
  CHECK(Out(m).empty());
  m.Tick(3003);  // the join answer at 3 started the interval
  CHECK(Out(m) == J({"Heartbeat gen=1 member=m1"}));
  m.Tick(7000);
  CHECK(Out(m).empty());  // one heartbeat in flight at a time
  m.OnHeartbeat(7000, Beat());
  m.Tick(10000);
  CHECK(Out(m) == J({"Heartbeat gen=1 member=m1"}));
}

TEST_CASE("membership: eager REBALANCE_IN_PROGRESS revokes everything at the next poll, then rejoins") {
  GroupMembership m = Eager();
  JoinAlone(m);
  m.Tick(3003);
  Out(m);
  m.OnHeartbeat(3004, Beat(errors::kRebalanceInProgress));
  CHECK(Out(m).empty());  // nothing happens until the application polls
  m.Poll(3005);
  CHECK(Out(m) == J({"revoked [t-0,t-1,t-2]", "JoinGroup member=m1 {range topics=t owned= gen=-}"}));
  m.OnJoinGroup(3006, Joined(2, "m1", "m2", "range"));
  CHECK(Out(m) == J({"SyncGroup gen=2 member=m1"}));
  m.OnSyncGroup(3007, Synced({{"t", 0}, {"t", 1}}));
  CHECK(Out(m) == J({"assigned [t-0,t-1]"}));
  CHECK(!m.is_leader());
}

TEST_CASE("membership: cooperative members keep partitions through a rebalance and rejoin after revoking") {
  GroupMembership m = Cooperative();
  m.Subscribe(0, {"t"});
  m.Poll(0);
  m.OnFindCoordinator(0, Found());
  m.OnJoinGroup(1, Joined(1, "a", "b", "cooperative-sticky"));
  m.OnSyncGroup(2, Synced(kT012));
  CHECK(Out(m) == J({"assigned [t-0,t-1,t-2]", "FindCoordinator g",
                        "JoinGroup member= {cooperative-sticky topics=t owned= gen=-}", "SyncGroup gen=1 member=a"}));
  m.Tick(3002);
  m.OnHeartbeat(3003, Beat(errors::kRebalanceInProgress));
  m.Poll(3004);
  // No revocation: the join lists what the member owns and for which generation.
  CHECK(Out(m) == J({"Heartbeat gen=1 member=a", "JoinGroup member=a {cooperative-sticky topics=t owned=t-0,t-1,t-2 gen=1}"}));
  m.OnJoinGroup(3005, Joined(2, "a", "b", "cooperative-sticky"));
  CHECK(Out(m) == "SyncGroup gen=2 member=a");
  m.OnSyncGroup(3006, Synced({{"t", 0}, {"t", 1}}));
  // t-2 goes to someone else: revoke it, report the (empty) addition, rejoin at once.
  CHECK(Out(m) == J({"revoked [t-2]", "assigned []",
                     "JoinGroup member=a {cooperative-sticky topics=t owned=t-0,t-1 gen=2}"}));
  m.OnJoinGroup(3007, Joined(3, "a", "b", "cooperative-sticky"));
  CHECK(Out(m) == "SyncGroup gen=3 member=a");
  m.OnSyncGroup(3008, Synced({{"t", 0}, {"t", 1}}));
  CHECK(Out(m) == "assigned []");
  CHECK(m.owned() == std::vector<TopicPartition>{{"t", 0}, {"t", 1}});
}

TEST_CASE("membership: the cooperative leader assigns over all members and withholds moving partitions") {
  GroupMembership m = Cooperative();
  m.Subscribe(0, {"t"});
  m.Poll(0);
  m.OnFindCoordinator(0, Found());
  Out(m);
  // a owned t-0..3 in generation 4; b is new.
  m.OnJoinGroup(1, Joined(5, "a", "a", "cooperative-sticky",
                          {{"a", SubscriptionBytes({"t"}, {{"t", 0}, {"t", 1}, {"t", 2}, {"t", 3}}, Buffer{0, 0, 0, 4})},
                           {"b", SubscriptionBytes({"t"})}}));
  CHECK(Out(m) == J({"metadata-needed [t]"}));
  m.UpdateMetadata(2, {{"t", 4}});
  CHECK(Out(m) == J({"SyncGroup gen=5 member=a a=[t-0,t-1] b=[]"}));
}

// Subscribed to t (one partition, counted) and the coordinator found: the
// next input is the JoinGroup answer.
void ReadyToJoin(GroupMembership& m) {
  m.Subscribe(0, {"t"});
  m.UpdateMetadata(0, {{"t", 1}});
  m.Poll(0);
  m.OnFindCoordinator(0, Found());
  Out(m);
}

TEST_CASE("membership: the leader assigns only once every member's topics are counted, not at another refresh") {
  GroupMembership m = Eager();
  ReadyToJoin(m);
  // b subscribes to u, which the leader has no count for yet.
  m.OnJoinGroup(1, Joined(2, "a", "a", "range", {{"a", SubscriptionBytes({"t"})}, {"b", SubscriptionBytes({"u"})}}));
  CHECK(Out(m) == J({"metadata-needed [u]"}));
  // The leader's own periodic refresh answers first: no assignment yet.
  m.UpdateMetadata(2, {{"t", 1}});
  CHECK(Out(m) == "");
  m.UpdateMetadata(3, {{"u", 2}});
  CHECK(Out(m) == J({"SyncGroup gen=2 member=a a=[t-0] b=[u-0,u-1]"}));
}

TEST_CASE("membership: a member's topic the broker answers with an error counts as none, and a known count stands") {
  GroupMembership m = Eager();
  ReadyToJoin(m);
  // b subscribes to a topic the broker refuses to describe (say, another
  // client's invalid name): the leader must not wait for it forever.
  m.OnJoinGroup(1, Joined(2, "a", "a", "range", {{"a", SubscriptionBytes({"t"})}, {"b", SubscriptionBytes({"bad"})}}));
  CHECK(Out(m) == J({"metadata-needed [bad]"}));
  m.UpdateMetadata(2, {{"bad", -1}});
  CHECK(Out(m) == J({"SyncGroup gen=2 member=a a=[t-0] b=[]"}));
  // Once stable, an error for a topic with a known count (a leader election,
  // say) keeps that count, so it starts no rebalance.
  m.OnSyncGroup(3, Synced({{"t", 0}}));
  Out(m);
  m.UpdateMetadata(4, {{"t", -1}});
  m.Poll(5);
  CHECK(Out(m) == "");
  m.UpdateMetadata(6, {{"t", 2}});
  m.Poll(7);
  CHECK(Out(m).find("JoinGroup") != std::string::npos);
}

TEST_CASE("membership: UNKNOWN_MEMBER_ID on heartbeat loses the partitions and rejoins without an id") {
  GroupMembership m = Eager();
  JoinAlone(m);
  m.Tick(3003);
  Out(m);
  m.OnHeartbeat(3004, Beat(errors::kUnknownMemberId));
  CHECK(Out(m) == J({"error 25", "lost [t-0,t-1,t-2]"}));
  CHECK(m.state() == GroupMembership::State::kUnjoined);
  m.Poll(3005);
  CHECK(Out(m) == J({"JoinGroup member= {range topics=t owned= gen=-}"}));
}

TEST_CASE("membership: ILLEGAL_GENERATION on a commit loses the partitions at once and rejoins with the same id") {
  GroupMembership m = Eager();
  JoinAlone(m);
  // About an older generation, or a code that says nothing of membership:
  // nothing changes.
  m.OnCommitError(10, /*generation=*/0, errors::kIllegalGeneration);
  m.OnCommitError(11, /*generation=*/1, /*OFFSET_METADATA_TOO_LARGE*/ 12);
  CHECK(Out(m) == J({}));
  CHECK(m.state() == GroupMembership::State::kStable);
  m.OnCommitError(12, /*generation=*/1, errors::kIllegalGeneration);
  CHECK(Out(m) == J({"error 22", "lost [t-0,t-1,t-2]"}));
  CHECK(m.state() == GroupMembership::State::kUnjoined);
  CHECK(m.generation() == -1);
  m.Poll(13);
  CHECK(Out(m) == J({"JoinGroup member=m1 {range topics=t owned= gen=-}"}));
}

TEST_CASE("membership: UNKNOWN_MEMBER_ID on a commit rejoins without an id, REBALANCE_IN_PROGRESS at the next poll") {
  GroupMembership m = Eager();
  JoinAlone(m);
  m.OnCommitError(10, 1, errors::kRebalanceInProgress);
  CHECK(Out(m) == J({}));
  m.Poll(11);  // eager: revoke everything, then rejoin
  CHECK(Out(m) == J({"revoked [t-0,t-1,t-2]", "JoinGroup member=m1 {range topics=t owned= gen=-}"}));

  GroupMembership n = Eager();
  JoinAlone(n);
  n.OnCommitError(10, 1, errors::kUnknownMemberId);
  CHECK(Out(n) == J({"error 25", "lost [t-0,t-1,t-2]"}));
  n.Poll(11);
  CHECK(Out(n) == J({"JoinGroup member= {range topics=t owned= gen=-}"}));
}

TEST_CASE("membership: ILLEGAL_GENERATION on sync resets the generation but keeps the member id") {
  GroupMembership m = Cooperative();
  m.Subscribe(0, {"t"});
  m.Poll(0);
  m.OnFindCoordinator(0, Found());
  m.OnJoinGroup(1, Joined(1, "a", "b", "cooperative-sticky"));
  m.OnSyncGroup(2, Synced(kT012));
  m.Tick(3002);
  m.OnHeartbeat(3003, Beat(errors::kRebalanceInProgress));
  m.Poll(3004);
  m.OnJoinGroup(3005, Joined(2, "a", "b", "cooperative-sticky"));
  Out(m);
  m.OnSyncGroup(3006, Synced({}, errors::kIllegalGeneration));
  CHECK(Out(m) == J({"error 22", "lost [t-0,t-1,t-2]", "JoinGroup member=a {cooperative-sticky topics=t owned= gen=-}"}));
}

TEST_CASE("membership: NOT_COORDINATOR sends the member to find the coordinator again, then it heartbeats") {
  GroupMembership m = Eager();
  JoinAlone(m);
  m.Tick(3003);
  Out(m);
  m.OnHeartbeat(3004, Beat(errors::kNotCoordinator));
  CHECK(Out(m) == J({"FindCoordinator g"}));
  m.OnFindCoordinator(3005, Found());
  CHECK(Out(m) == J({"Heartbeat gen=1 member=m1"}));
  CHECK(m.owned() == kT012);
}

TEST_CASE("membership: COORDINATOR_NOT_AVAILABLE from FindCoordinator retries after the backoff") {
  GroupMembership m = Eager();
  m.Subscribe(0, {"t"});
  m.Poll(0);
  Out(m);
  m.OnFindCoordinator(10, Found(errors::kCoordinatorNotAvailable));
  CHECK(Out(m) == J({"error 15"}));
  m.Tick(109);
  CHECK(Out(m).empty());
  m.Tick(110);
  CHECK(Out(m) == J({"FindCoordinator g"}));
}

TEST_CASE("membership: a session without a successful heartbeat means rediscovering the coordinator") {
  GroupMembership m = Eager();
  JoinAlone(m);
  m.Tick(3003);
  CHECK(Out(m) == J({"Heartbeat gen=1 member=m1"}));
  m.Tick(10003);  // the sync answer at 4 was the last sign of life
  CHECK(Out(m).empty());
  m.Tick(10004);
  CHECK(Out(m) == J({"error 0", "FindCoordinator g"}));
  CHECK(m.generation() == 1);
}

TEST_CASE("membership: a JoinGroup unanswered past the rebalance timeout is abandoned and redone") {
  GroupMembership m = Eager();
  m.Subscribe(0, {"t"});
  m.Poll(0);
  m.OnFindCoordinator(0, Found());
  Out(m);
  m.Tick(64999);
  CHECK(Out(m).empty());
  m.Tick(65000);
  CHECK(Out(m) == J({"error 0", "FindCoordinator g"}));
  // The old JoinGroup's late answer is dropped, not taken for a new one.
  m.OnJoinGroup(65001, Joined(1, "x", "x", "range"));
  CHECK(m.dropped_responses() == 1);
  m.OnFindCoordinator(65002, Found());
  CHECK(Out(m) == J({"JoinGroup member= {range topics=t owned= gen=-}"}));
}

TEST_CASE("membership: max.poll.interval.ms expiry leaves the group and loses the partitions") {
  GroupMembership m = Eager();
  JoinAlone(m);
  // Heartbeats keep the session alive, but the application never polls.
  for (int64_t now = 3003; now <= 300000; now += 3000) {
    m.Tick(now);
    m.OnHeartbeat(now, Beat());
  }
  m.Tick(300000);
  CHECK(Out(m).starts_with("Heartbeat gen=1 member=m1"));
  m.Tick(300001);
  CHECK(Out(m) == J({"error 0", "lost [t-0,t-1,t-2]", "LeaveGroup member=m1"}));
  CHECK(m.state() == GroupMembership::State::kUnjoined);
  m.Poll(300002);
  CHECK(Out(m) == J({"JoinGroup member= {range topics=t owned= gen=-}"}));
}

TEST_CASE("membership: close revokes and leaves, a static member revokes but sends no LeaveGroup") {
  GroupMembership dynamic = Eager();
  JoinAlone(dynamic);
  dynamic.Close(5);
  CHECK(Out(dynamic) == J({"revoked [t-0,t-1,t-2]", "LeaveGroup member=m1"}));
  CHECK(dynamic.state() == GroupMembership::State::kClosed);

  GroupMembership fixed = Eager("host-1");
  fixed.Subscribe(0, {"t"});
  fixed.Poll(0);
  fixed.OnFindCoordinator(0, Found());
  CHECK(Out(fixed) == J({"FindCoordinator g", "JoinGroup member= instance=host-1 {range topics=t owned= gen=-}"}));
  fixed.OnJoinGroup(1, Joined(1, "s1", "other", "range"));
  fixed.OnSyncGroup(2, Synced({{"t", 1}}));
  Out(fixed);
  fixed.Close(3);
  CHECK(Out(fixed) == J({"revoked [t-1]"}));
}

TEST_CASE("membership: FENCED_INSTANCE_ID is fatal") {
  GroupMembership m = Eager("host-1");
  m.Subscribe(0, {"t"});
  m.Poll(0);
  m.OnFindCoordinator(0, Found());
  Out(m);
  m.OnJoinGroup(1, JoinError(errors::kFencedInstanceId));
  CHECK(Out(m) == J({"fatal 82"}));
  CHECK(m.state() == GroupMembership::State::kFailed);
  m.Poll(2);
  CHECK(Out(m).empty());
}

TEST_CASE("membership: a subscription change rejoins at the next poll") {
  GroupMembership m = Eager();
  JoinAlone(m);
  m.Subscribe(10, {"t", "u"});
  CHECK(Out(m).empty());
  m.Poll(11);
  CHECK(Out(m) == J({"revoked [t-0,t-1,t-2]", "JoinGroup member=m1 {range topics=t,u owned= gen=-}"}));
}

TEST_CASE("membership: the leader rejoins when a subscribed topic grows") {
  GroupMembership m = Eager();
  JoinAlone(m);
  m.UpdateMetadata(10, {{"t", 3}});
  m.Poll(11);
  CHECK(Out(m).empty());
  m.UpdateMetadata(12, {{"t", 4}});
  m.Poll(13);
  CHECK(Out(m) == J({"revoked [t-0,t-1,t-2]", "JoinGroup member=m1 {range topics=t owned= gen=-}"}));
}

}  // namespace
}  // namespace cairn::client::group
