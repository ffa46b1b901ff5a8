#include <doctest/doctest.h>

#include "broker/group/coordinator_fixture.h"
#include "broker/kafka_errors.h"

namespace cairn::broker::group {
namespace {

using testing::Bytes;
using testing::Captured;
using testing::CoordinatorFixture;
using testing::JoinRequest;

constexpr int16_t E(KafkaError e) { return static_cast<int16_t>(e); }
constexpr int16_t kJoinV5 = 5;

// A member's whole handshake: v5 join (MEMBER_ID_REQUIRED, then the join
// with the id). Returns the id; the second join's reply is left in `join`.
std::string JoinWithHandshake(CoordinatorFixture& f, const std::string& group, const std::string& client,
                              Captured<kafka::JoinGroupResponse>& join,
                              std::vector<std::pair<std::string, std::string>> protocols = {{"range", "m"}}) {
  Captured<kafka::JoinGroupResponse> first;
  f.coordinator->JoinGroup(JoinRequest(group, "", protocols), kJoinV5, {client, "/127.0.0.1"}, first.Callback());
  REQUIRE(first.value);
  REQUIRE(first.value->error_code == E(KafkaError::kMemberIdRequired));
  const std::string id = first.value->member_id;
  REQUIRE(id.starts_with(client + "-"));
  f.coordinator->JoinGroup(JoinRequest(group, id, protocols), kJoinV5, {client, "/127.0.0.1"}, join.Callback());
  return id;
}

kafka::HeartbeatResponse Beat(CoordinatorFixture& f, const std::string& group, const std::string& member,
                              int32_t generation) {
  kafka::HeartbeatRequest request;
  request.group_id = group;
  request.member_id = member;
  request.generation_id = generation;
  return f.coordinator->Heartbeat(request);
}

void Sync(CoordinatorFixture& f, const std::string& group, const std::string& member, int32_t generation,
          std::vector<std::pair<std::string, std::string>> assignments, Captured<kafka::SyncGroupResponse>& out) {
  kafka::SyncGroupRequest request;
  request.group_id = group;
  request.member_id = member;
  request.generation_id = generation;
  for (auto& [id, bytes] : assignments) request.assignments.push_back({id, Bytes(bytes), {}});
  f.coordinator->SyncGroup(request, 3, out.Callback());
}

TEST_CASE("group: a lone member learns its id, joins as leader of generation 1 and gets its assignment") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> join;
  const std::string id = JoinWithHandshake(f, "g", "client", join);
  REQUIRE(join.value);
  CHECK(join.value->error_code == 0);
  CHECK(join.value->generation_id == 1);
  CHECK(join.value->protocol_name == "range");
  CHECK(join.value->leader == id);
  CHECK(join.value->member_id == id);
  REQUIRE(join.value->members.size() == 1);
  CHECK(join.value->members[0].member_id == id);
  CHECK(join.value->members[0].metadata == Bytes("m"));

  Captured<kafka::SyncGroupResponse> sync;
  Sync(f, "g", id, 1, {{id, "all partitions"}}, sync);
  REQUIRE(sync.value);
  CHECK(sync.value->error_code == 0);
  CHECK(sync.value->assignment == Bytes("all partitions"));
  CHECK(f.coordinator->DescribeGroup("g").group_state == "Stable");
  CHECK(Beat(f, "g", id, 1).error_code == 0);
}

TEST_CASE("group: a second member triggers a rebalance, both get generation 2 and only the leader sees members") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> a_join;
  const std::string a = JoinWithHandshake(f, "g", "a", a_join);
  Captured<kafka::SyncGroupResponse> a_sync;
  Sync(f, "g", a, 1, {{a, "p0-5"}}, a_sync);

  Captured<kafka::JoinGroupResponse> b_join;
  const std::string b = JoinWithHandshake(f, "g", "b", b_join);
  CHECK(!b_join.value);  // waits for a to rejoin
  CHECK(f.coordinator->DescribeGroup("g").group_state == "PreparingRebalance");
  CHECK(Beat(f, "g", a, 1).error_code == E(KafkaError::kRebalanceInProgress));

  Captured<kafka::JoinGroupResponse> a_rejoin;
  f.coordinator->JoinGroup(JoinRequest("g", a), kJoinV5, {"a", "/127.0.0.1"}, a_rejoin.Callback());
  REQUIRE(a_rejoin.value);
  REQUIRE(b_join.value);
  CHECK(a_rejoin.value->generation_id == 2);
  CHECK(b_join.value->generation_id == 2);
  CHECK(a_rejoin.value->leader == a);
  CHECK(b_join.value->leader == a);
  CHECK(a_rejoin.value->members.size() == 2);
  CHECK(b_join.value->members.empty());

  // b syncs first and waits for the leader's assignment to be stored.
  f.auto_complete = false;
  Captured<kafka::SyncGroupResponse> b_sync;
  Sync(f, "g", b, 2, {}, b_sync);
  CHECK(!b_sync.value);
  Captured<kafka::SyncGroupResponse> a_sync2;
  Sync(f, "g", a, 2, {{a, "p0-2"}, {b, "p3-5"}}, a_sync2);
  CHECK(!a_sync2.value);  // not before the group record is durable
  REQUIRE(f.pending.size() == 1);
  f.CompleteNext();
  REQUIRE(a_sync2.value);
  REQUIRE(b_sync.value);
  CHECK(a_sync2.value->assignment == Bytes("p0-2"));
  CHECK(b_sync.value->assignment == Bytes("p3-5"));
  CHECK(f.coordinator->DescribeGroup("g").group_state == "Stable");
}

TEST_CASE("group: heartbeat errors name the problem") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> join;
  const std::string id = JoinWithHandshake(f, "g", "c", join);
  CHECK(Beat(f, "g", "nobody", 1).error_code == E(KafkaError::kUnknownMemberId));
  CHECK(Beat(f, "g", id, 7).error_code == E(KafkaError::kIllegalGeneration));
  CHECK(Beat(f, "unknown-group", id, 1).error_code == E(KafkaError::kUnknownMemberId));
  // In CompletingRebalance a heartbeat is fine (the member is about to sync).
  CHECK(Beat(f, "g", id, 1).error_code == 0);
}

TEST_CASE("group: a silent member is removed after its session timeout and the rest rebalance") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> a_join, b_join, a_rejoin;
  const std::string a = JoinWithHandshake(f, "g", "a", a_join);
  const std::string b = JoinWithHandshake(f, "g", "b", b_join);
  f.coordinator->JoinGroup(JoinRequest("g", a), kJoinV5, {"a", "h"}, a_rejoin.Callback());
  REQUIRE(b_join.value);
  Captured<kafka::SyncGroupResponse> a_sync, b_sync;
  Sync(f, "g", b, 2, {}, b_sync);
  Sync(f, "g", a, 2, {{a, "x"}, {b, "y"}}, a_sync);
  REQUIRE(b_sync.value);

  // a keeps beating, b goes silent (session 10 s).
  for (int i = 0; i < 4; ++i) {
    f.clock.Advance(3000);
    CHECK(Beat(f, "g", a, 2).error_code == 0);
    f.coordinator->Tick();
  }
  auto described = f.coordinator->DescribeGroup("g");
  CHECK(described.group_state == "PreparingRebalance");
  REQUIRE(described.members.size() == 1);
  CHECK(described.members[0].member_id == a);
  CHECK(Beat(f, "g", b, 2).error_code == E(KafkaError::kUnknownMemberId));
  Captured<kafka::JoinGroupResponse> a_again;
  f.coordinator->JoinGroup(JoinRequest("g", a), kJoinV5, {"a", "h"}, a_again.Callback());
  REQUIRE(a_again.value);
  CHECK(a_again.value->generation_id == 3);
  CHECK(a_again.value->members.size() == 1);
}

TEST_CASE("group: a member that does not rejoin within the rebalance timeout is dropped") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> a_join, b_join;
  const std::string a = JoinWithHandshake(f, "g", "a", a_join);
  Captured<kafka::SyncGroupResponse> a_sync;
  Sync(f, "g", a, 1, {{a, "x"}}, a_sync);
  const std::string b = JoinWithHandshake(f, "g", "b", b_join);
  // a never rejoins (though it keeps heartbeating): the join phase ends at
  // the rebalance timeout, 30 s.
  for (int i = 0; i < 10; ++i) {
    f.clock.Advance(2900);
    CHECK(Beat(f, "g", a, 1).error_code == E(KafkaError::kRebalanceInProgress));
    f.coordinator->Tick();
  }
  CHECK(!b_join.value);
  f.clock.Advance(2000);
  f.coordinator->Tick();
  REQUIRE(b_join.value);
  CHECK(b_join.value->generation_id == 2);
  CHECK(b_join.value->leader == b);
  CHECK(b_join.value->members.size() == 1);
  CHECK(Beat(f, "g", a, 1).error_code == E(KafkaError::kUnknownMemberId));
}

TEST_CASE("group: the first rebalance of an empty group waits the initial delay for more members") {
  auto config = CoordinatorFixture::DefaultConfig();
  config.initial_rebalance_delay_ms = 3000;
  CoordinatorFixture f(config);
  Captured<kafka::JoinGroupResponse> a_join, b_join;
  const std::string a = JoinWithHandshake(f, "g", "a", a_join);
  f.clock.Advance(2000);
  f.coordinator->Tick();
  CHECK(!a_join.value);
  const std::string b = JoinWithHandshake(f, "g", "b", b_join);
  f.clock.Advance(2000);  // 4 s after a, 2 s after b: b extended the wait
  f.coordinator->Tick();
  CHECK(!a_join.value);
  f.clock.Advance(1000);
  f.coordinator->Tick();
  REQUIRE(a_join.value);
  REQUIRE(b_join.value);
  CHECK(a_join.value->generation_id == 1);
  CHECK(b_join.value->generation_id == 1);
  CHECK(a_join.value->leader == a);
}

TEST_CASE("group: LeaveGroup v3 removes a batch and answers per member, v1 answers at the top") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> a_join;
  const std::string a = JoinWithHandshake(f, "g", "a", a_join);
  kafka::LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.members.push_back({a, std::nullopt, {}});
  leave.members.push_back({"ghost", std::nullopt, {}});
  auto response = f.coordinator->LeaveGroup(leave, 3);
  CHECK(response.error_code == 0);
  REQUIRE(response.members.size() == 2);
  CHECK(response.members[0].error_code == 0);
  CHECK(response.members[1].member_id == "ghost");
  CHECK(response.members[1].error_code == E(KafkaError::kUnknownMemberId));
  CHECK(f.coordinator->DescribeGroup("g").group_state == "Empty");
  kafka::LeaveGroupRequest v1;
  v1.group_id = "g";
  v1.member_id = a;
  CHECK(f.coordinator->LeaveGroup(v1, 1).error_code == E(KafkaError::kUnknownMemberId));
}

TEST_CASE("group: a static member that restarts takes over its assignment without a rebalance, the old id is fenced") {
  CoordinatorFixture f;
  auto join = [&](std::string member_id, std::string instance, Captured<kafka::JoinGroupResponse>& out) {
    auto request = JoinRequest("g", std::move(member_id));
    request.group_instance_id = std::move(instance);
    f.coordinator->JoinGroup(request, kJoinV5, {"c", "h"}, out.Callback());
  };
  Captured<kafka::JoinGroupResponse> a_join, b_join, a_rejoin;
  join("", "ia", a_join);  // static members skip MEMBER_ID_REQUIRED
  REQUIRE(a_join.value);
  const std::string a = a_join.value->member_id;
  join("", "ib", b_join);
  join(a, "ia", a_rejoin);
  REQUIRE(b_join.value);
  const std::string b = b_join.value->member_id;
  Captured<kafka::SyncGroupResponse> a_sync, b_sync;
  Sync(f, "g", b, 2, {}, b_sync);
  Sync(f, "g", a, 2, {{a, "A"}, {b, "B"}}, a_sync);
  REQUIRE(b_sync.value);
  CHECK(b_sync.value->assignment == Bytes("B"));

  // b's process restarts: a new join without member id, same instance.
  Captured<kafka::JoinGroupResponse> b_restart;
  join("", "ib", b_restart);
  REQUIRE(b_restart.value);
  CHECK(b_restart.value->error_code == 0);
  CHECK(b_restart.value->generation_id == 2);
  const std::string b2 = b_restart.value->member_id;
  CHECK(b2 != b);
  CHECK(f.coordinator->DescribeGroup("g").group_state == "Stable");
  Captured<kafka::SyncGroupResponse> b2_sync;
  Sync(f, "g", b2, 2, {}, b2_sync);
  REQUIRE(b2_sync.value);
  CHECK(b2_sync.value->assignment == Bytes("B"));
  kafka::HeartbeatRequest old;
  old.group_id = "g";
  old.member_id = b;
  old.generation_id = 2;
  old.group_instance_id = "ib";
  CHECK(f.coordinator->Heartbeat(old).error_code == E(KafkaError::kFencedInstanceId));
}

TEST_CASE("group: join errors — bad session timeout, unknown member, inconsistent protocol, huge metadata, bad id") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> r1, r2, r3, r4, r5, ok;
  f.coordinator->JoinGroup(JoinRequest("g", "", {{"range", "m"}}, 10), kJoinV5, {"c", "h"}, r1.Callback());
  CHECK(r1.value->error_code == E(KafkaError::kInvalidSessionTimeout));
  f.coordinator->JoinGroup(JoinRequest("g", "made-up"), kJoinV5, {"c", "h"}, r2.Callback());
  CHECK(r2.value->error_code == E(KafkaError::kUnknownMemberId));
  JoinWithHandshake(f, "g", "c", ok);
  f.coordinator->JoinGroup(JoinRequest("g", "", {{"roundrobin", "m"}}), kJoinV5, {"c", "h"}, r3.Callback());
  CHECK(r3.value->error_code == E(KafkaError::kInconsistentGroupProtocol));
  f.coordinator->JoinGroup(JoinRequest("g2", "", {{"range", std::string(2 << 20, 'x')}}), kJoinV5, {"c", "h"},
                           r4.Callback());
  CHECK(r4.value->error_code == E(KafkaError::kMessageTooLarge));
  f.coordinator->JoinGroup(JoinRequest("", ""), kJoinV5, {"c", "h"}, r5.Callback());
  CHECK(r5.value->error_code == E(KafkaError::kInvalidGroupId));
}

TEST_CASE("group: JoinGroup v3 and older join at once, without the member id handshake") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> join;
  f.coordinator->JoinGroup(JoinRequest("g", ""), 2, {"old", "h"}, join.Callback());
  REQUIRE(join.value);
  CHECK(join.value->error_code == 0);
  CHECK(join.value->generation_id == 1);
  CHECK(join.value->member_id.starts_with("old-"));
}

TEST_CASE("group: the protocol most members prefer among those all support is chosen") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> a, b, c;
  f.coordinator->JoinGroup(JoinRequest("g", "", {{"cooperative-sticky", "1"}, {"range", "2"}}), 2, {"a", "h"},
                           a.Callback());
  const std::string a_id = a.value->member_id;
  f.coordinator->JoinGroup(JoinRequest("g", "", {{"range", "3"}, {"cooperative-sticky", "4"}}), 2, {"b", "h"},
                           b.Callback());
  f.coordinator->JoinGroup(JoinRequest("g", "", {{"cooperative-sticky", "5"}}), 2, {"c", "h"}, c.Callback());
  f.coordinator->JoinGroup(JoinRequest("g", a_id, {{"cooperative-sticky", "1"}, {"range", "2"}}), 2, {"a", "h"},
                           a.Callback());
  REQUIRE(b.value);
  REQUIRE(c.value);
  CHECK(c.value->protocol_name == "cooperative-sticky");
  CHECK(c.value->generation_id == 2);
}

TEST_CASE("group: requests for a partition not loaded here are NOT_COORDINATOR, while loading LOAD_IN_PROGRESS") {
  CoordinatorFixture f;
  const int32_t partition = f.coordinator->PartitionFor("g");
  f.coordinator->BeginLoad(partition);
  CHECK(Beat(f, "g", "m", 1).error_code == E(KafkaError::kCoordinatorLoadInProgress));
  f.coordinator->FinishLoad(partition);
  CHECK(Beat(f, "g", "m", 1).error_code == E(KafkaError::kUnknownMemberId));

  auto config = CoordinatorFixture::DefaultConfig();
  GroupCoordinator bare(config, f.clock, [](int32_t, std::vector<OffsetsRecord>, auto) {},
                        [](const std::string&, int32_t) { return true; });
  kafka::HeartbeatRequest request;
  request.group_id = "g";
  CHECK(bare.Heartbeat(request).error_code == E(KafkaError::kNotCoordinator));
}

TEST_CASE("group: after a restart a member's session runs from when the node serves clients, not from the load") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> join;
  const std::string id = JoinWithHandshake(f, "g", "c", join);  // session 10 s
  Captured<kafka::SyncGroupResponse> sync;
  Sync(f, "g", id, 1, {{id, "mine"}}, sync);
  f.Restart();
  f.clock.Advance(8000);  // the node opens its other partitions meanwhile
  f.coordinator->RestartSessions();
  f.clock.Advance(9000);  // 17 s after the load, 9 s after serving began
  f.coordinator->Tick();
  auto described = f.coordinator->DescribeGroup("g");
  CHECK(described.group_state == "Stable");
  REQUIRE(described.members.size() == 1);
  CHECK(Beat(f, "g", id, 1).error_code == 0);
  // The session itself is unchanged: 10 s of silence still ends it.
  f.clock.Advance(10000);
  f.coordinator->Tick();
  CHECK(f.coordinator->DescribeGroup("g").members.empty());
}

TEST_CASE("group: after a restart the stored generation, members and assignments are back and heartbeats work") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> join;
  const std::string id = JoinWithHandshake(f, "g", "c", join);
  Captured<kafka::SyncGroupResponse> sync;
  Sync(f, "g", id, 1, {{id, "mine"}}, sync);
  f.Restart();
  auto described = f.coordinator->DescribeGroup("g");
  CHECK(described.group_state == "Stable");
  CHECK(described.protocol_data == "range");
  REQUIRE(described.members.size() == 1);
  CHECK(described.members[0].member_id == id);
  CHECK(described.members[0].member_assignment == Bytes("mine"));
  CHECK(Beat(f, "g", id, 1).error_code == 0);
  Captured<kafka::SyncGroupResponse> again;
  Sync(f, "g", id, 1, {}, again);
  CHECK(again.value->assignment == Bytes("mine"));
  // The member still has to keep its session after the restart.
  f.clock.Advance(10001);
  f.coordinator->Tick();
  CHECK(Beat(f, "g", id, 1).error_code == E(KafkaError::kUnknownMemberId));
}

TEST_CASE("group: a follower parked in SyncGroup is told to rejoin when a member leaves, and later rounds still work") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> a_join, b_join, a_rejoin;
  const std::string a = JoinWithHandshake(f, "g", "a", a_join);
  const std::string b = JoinWithHandshake(f, "g", "b", b_join);
  f.coordinator->JoinGroup(JoinRequest("g", a), kJoinV5, {"a", "h"}, a_rejoin.Callback());
  REQUIRE(b_join.value);
  Captured<kafka::SyncGroupResponse> b_sync;
  Sync(f, "g", b, 2, {}, b_sync);
  CHECK(!b_sync.value);
  kafka::LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.member_id = a;
  CHECK(f.coordinator->LeaveGroup(leave, 1).error_code == 0);
  REQUIRE(b_sync.value);
  CHECK(b_sync.value->error_code == E(KafkaError::kRebalanceInProgress));
  // Another round: b rejoins alone, syncs, and a new member comes and goes.
  for (int round = 0; round < 3; ++round) {
    Captured<kafka::JoinGroupResponse> again;
    f.coordinator->JoinGroup(JoinRequest("g", b), kJoinV5, {"b", "h"}, again.Callback());
    REQUIRE(again.value);
    Captured<kafka::SyncGroupResponse> sync;
    Sync(f, "g", b, again.value->generation_id, {{b, "all"}}, sync);
    REQUIRE(sync.value);
    CHECK(sync.value->assignment == Bytes("all"));
    Captured<kafka::JoinGroupResponse> c_join;
    const std::string c = JoinWithHandshake(f, "g", "c", c_join);
    kafka::LeaveGroupRequest c_leave;
    c_leave.group_id = "g";
    c_leave.member_id = c;
    CHECK(f.coordinator->LeaveGroup(c_leave, 1).error_code == 0);
    REQUIRE(c_join.value);
    CHECK(c_join.value->error_code == E(KafkaError::kUnknownMemberId));
  }
}

TEST_CASE("group: a failed store of the assignment fails the syncs and starts a new rebalance") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> join;
  const std::string id = JoinWithHandshake(f, "g", "c", join);
  f.auto_complete = false;
  Captured<kafka::SyncGroupResponse> sync;
  Sync(f, "g", id, 1, {{id, "mine"}}, sync);
  f.CompleteNext(absl::UnavailableError("disk"));
  REQUIRE(sync.value);
  CHECK(sync.value->error_code == E(KafkaError::kCoordinatorNotAvailable));
  CHECK(f.coordinator->DescribeGroup("g").group_state == "PreparingRebalance");
}

}  // namespace
}  // namespace cairn::broker::group
