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

kafka::OffsetCommitRequest Commit(std::string group, std::vector<std::tuple<std::string, int32_t, int64_t>> offsets,
                                  int32_t generation = -1, std::string member = "", std::string metadata = "") {
  kafka::OffsetCommitRequest request;
  request.group_id = std::move(group);
  request.generation_id = generation;
  request.member_id = std::move(member);
  for (auto& [topic, partition, offset] : offsets) {
    if (request.topics.empty() || request.topics.back().name != topic) request.topics.push_back({topic, {}, {}});
    kafka::OffsetCommitRequest::OffsetCommitRequestPartition p;
    p.partition_index = partition;
    p.committed_offset = offset;
    p.committed_metadata = metadata;
    request.topics.back().partitions.push_back(p);
  }
  return request;
}

kafka::OffsetDeleteRequest::OffsetDeleteRequestTopic DeleteTopic(std::string name, int32_t partition) {
  kafka::OffsetDeleteRequest::OffsetDeleteRequestTopic topic;
  topic.name = std::move(name);
  topic.partitions.emplace_back();
  topic.partitions.back().partition_index = partition;
  return topic;
}

std::vector<int16_t> Errors(const kafka::OffsetCommitResponse& response) {
  std::vector<int16_t> errors;
  for (const auto& t : response.topics) {
    for (const auto& p : t.partitions) errors.push_back(p.error_code);
  }
  return errors;
}

kafka::OffsetCommitResponse CommitNow(CoordinatorFixture& f, const kafka::OffsetCommitRequest& request) {
  Captured<kafka::OffsetCommitResponse> out;
  f.coordinator->OffsetCommit(request, out.Callback());
  REQUIRE(out.value);
  return *out.value;
}

// (topic, partition) → committed offset, for every offset of the group.
std::map<std::pair<std::string, int32_t>, int64_t> FetchAll(CoordinatorFixture& f, const std::string& group) {
  kafka::OffsetFetchRequest request;
  request.group_id = group;
  request.topics.reset();
  auto response = f.coordinator->OffsetFetch(request, 5);
  REQUIRE(response.error_code == 0);
  std::map<std::pair<std::string, int32_t>, int64_t> out;
  for (const auto& t : response.topics) {
    for (const auto& p : t.partitions) out[{t.name, p.partition_index}] = p.committed_offset;
  }
  return out;
}

TEST_CASE("offsets: a standalone commit (generation -1) creates an empty group, fetch returns exactly what was committed") {
  CoordinatorFixture f;
  auto response = CommitNow(f, Commit("g", {{"known", 0, 10}, {"known", 3, 42}}, -1, "", "note"));
  CHECK(Errors(response) == std::vector<int16_t>{0, 0});
  CHECK(FetchAll(f, "g") == std::map<std::pair<std::string, int32_t>, int64_t>{{{"known", 0}, 10}, {{"known", 3}, 42}});

  kafka::OffsetFetchRequest some;
  some.group_id = "g";
  some.topics = std::vector<kafka::OffsetFetchRequest::OffsetFetchRequestTopic>{{"known", {0, 1}, {}}};
  auto fetched = f.coordinator->OffsetFetch(some, 1);
  REQUIRE(fetched.topics.size() == 1);
  REQUIRE(fetched.topics[0].partitions.size() == 2);
  CHECK(fetched.topics[0].partitions[0].committed_offset == 10);
  CHECK(fetched.topics[0].partitions[0].metadata == "note");
  CHECK(fetched.topics[0].partitions[1].committed_offset == -1);
  CHECK(fetched.topics[0].partitions[1].error_code == 0);
  CHECK(f.coordinator->DescribeGroup("g").group_state == "Empty");
}

TEST_CASE("offsets: unknown partitions and oversized metadata are refused per partition, the rest commits") {
  CoordinatorFixture f;
  auto response = CommitNow(f, Commit("g", {{"known", 0, 1}, {"known", 9, 1}, {"nope", 0, 1}}));
  CHECK(Errors(response) ==
        std::vector<int16_t>{0, E(KafkaError::kUnknownTopicOrPartition), E(KafkaError::kUnknownTopicOrPartition)});
  auto big = CommitNow(f, Commit("g", {{"known", 1, 5}}, -1, "", std::string(4097, 'm')));
  CHECK(Errors(big) == std::vector<int16_t>{E(KafkaError::kOffsetMetadataTooLarge)});
  CHECK(FetchAll(f, "g").size() == 1);
}

TEST_CASE("offsets: a commit is answered, and visible, only after its record is durable, a failed one is neither") {
  CoordinatorFixture f;
  f.auto_complete = false;
  Captured<kafka::OffsetCommitResponse> first;
  f.coordinator->OffsetCommit(Commit("g", {{"known", 0, 7}}), first.Callback());
  CHECK(!first.value);
  f.CompleteNext();
  REQUIRE(first.value);
  CHECK(FetchAll(f, "g").at({"known", 0}) == 7);

  Captured<kafka::OffsetCommitResponse> second;
  f.coordinator->OffsetCommit(Commit("g", {{"known", 0, 9}}), second.Callback());
  f.CompleteNext(absl::UnavailableError("disk gone"));
  CHECK(Errors(*second.value) == std::vector<int16_t>{E(KafkaError::kCoordinatorNotAvailable)});
  CHECK(FetchAll(f, "g").at({"known", 0}) == 7);

  Captured<kafka::OffsetCommitResponse> third;
  f.coordinator->OffsetCommit(Commit("g", {{"known", 0, 9}}), third.Callback());
  f.CompleteNext(absl::InvalidArgumentError("too large"));
  CHECK(Errors(*third.value) == std::vector<int16_t>{E(KafkaError::kInvalidCommitOffsetSize)});
}

TEST_CASE("offsets: commits from members check generation and membership") {
  CoordinatorFixture f;
  Captured<kafka::JoinGroupResponse> join;
  f.coordinator->JoinGroup(JoinRequest("g", ""), 2, {"c", "h"}, join.Callback());
  const std::string id = join.value->member_id;
  // CompletingRebalance: wait for the assignment.
  CHECK(Errors(CommitNow(f, Commit("g", {{"known", 0, 1}}, 1, id))) ==
        std::vector<int16_t>{E(KafkaError::kRebalanceInProgress)});
  Captured<kafka::SyncGroupResponse> sync;
  kafka::SyncGroupRequest s;
  s.group_id = "g";
  s.member_id = id;
  s.generation_id = 1;
  f.coordinator->SyncGroup(s, 1, sync.Callback());
  CHECK(Errors(CommitNow(f, Commit("g", {{"known", 0, 1}}, 1, id))) == std::vector<int16_t>{0});
  CHECK(Errors(CommitNow(f, Commit("g", {{"known", 0, 1}}, 0, id))) ==
        std::vector<int16_t>{E(KafkaError::kIllegalGeneration)});
  CHECK(Errors(CommitNow(f, Commit("g", {{"known", 0, 1}}, 1, "stranger"))) ==
        std::vector<int16_t>{E(KafkaError::kUnknownMemberId)});
  CHECK(Errors(CommitNow(f, Commit("g", {{"known", 0, 1}}, -1, ""))) ==
        std::vector<int16_t>{E(KafkaError::kUnknownMemberId)});
  CHECK(Errors(CommitNow(f, Commit("other", {{"known", 0, 1}}, 3, "m"))) ==
        std::vector<int16_t>{E(KafkaError::kIllegalGeneration)});
}

TEST_CASE("offsets: replaying the log after a restart restores offsets, including deletions") {
  CoordinatorFixture f;
  CommitNow(f, Commit("g", {{"known", 0, 1}, {"known", 1, 2}}));
  CommitNow(f, Commit("g", {{"known", 0, 100}}));
  CommitNow(f, Commit("h", {{"known", 5, 55}}));
  kafka::OffsetDeleteRequest del;
  del.group_id = "g";
  del.topics.push_back(DeleteTopic("known", 1));
  Captured<kafka::OffsetDeleteResponse> deleted;
  f.coordinator->OffsetDelete(del, deleted.Callback());
  REQUIRE(deleted.value);
  CHECK(deleted.value->error_code == 0);
  CHECK(deleted.value->topics[0].partitions[0].error_code == 0);
  f.Restart();
  CHECK(FetchAll(f, "g") == std::map<std::pair<std::string, int32_t>, int64_t>{{{"known", 0}, 100}});
  CHECK(FetchAll(f, "h") == std::map<std::pair<std::string, int32_t>, int64_t>{{{"known", 5}, 55}});
  CHECK(f.coordinator->ListGroups().size() == 2);
}

TEST_CASE("offsets: DeleteGroups refuses unknown and non-empty groups, and deletes an empty one for good") {
  CoordinatorFixture f;
  CommitNow(f, Commit("g", {{"known", 0, 1}}));
  Captured<kafka::JoinGroupResponse> join;
  f.coordinator->JoinGroup(JoinRequest("busy", ""), 2, {"c", "h"}, join.Callback());
  auto erase = [&](const std::string& group) {
    std::optional<int16_t> error;
    f.coordinator->DeleteGroup(group, [&](int16_t e) { error = e; });
    REQUIRE(error);
    return *error;
  };
  CHECK(erase("nope") == E(KafkaError::kGroupIdNotFound));
  CHECK(erase("busy") == E(KafkaError::kNonEmptyGroup));
  CHECK(erase("g") == 0);
  CHECK(erase("g") == E(KafkaError::kGroupIdNotFound));
  CHECK(f.coordinator->DescribeGroup("g").group_state == "Dead");
  f.Restart();
  CHECK(FetchAll(f, "g").empty());
  CHECK(f.coordinator->DescribeGroup("g").group_state == "Dead");
}

TEST_CASE("offsets: OffsetDelete keeps offsets of topics an active consumer group subscribes to") {
  CoordinatorFixture f;
  // ConsumerProtocolSubscription v0: version, topics ["known"], user data null.
  const std::string subscription{0, 0, 0, 0, 0, 1, 0, 5, 'k', 'n', 'o', 'w', 'n', '\xff', '\xff', '\xff', '\xff'};
  Captured<kafka::JoinGroupResponse> join;
  f.coordinator->JoinGroup(JoinRequest("g", "", {{"range", subscription}}), 2, {"c", "h"}, join.Callback());
  const std::string id = join.value->member_id;
  Captured<kafka::SyncGroupResponse> sync;
  kafka::SyncGroupRequest s;
  s.group_id = "g";
  s.member_id = id;
  s.generation_id = 1;
  f.coordinator->SyncGroup(s, 1, sync.Callback());
  CommitNow(f, Commit("g", {{"known", 0, 1}}, 1, id));
  kafka::OffsetDeleteRequest del;
  del.group_id = "g";
  del.topics.push_back(DeleteTopic("known", 0));
  del.topics.push_back(DeleteTopic("missing", 0));
  Captured<kafka::OffsetDeleteResponse> out;
  f.coordinator->OffsetDelete(del, out.Callback());
  REQUIRE(out.value);
  CHECK(out.value->error_code == 0);
  CHECK(out.value->topics[0].partitions[0].error_code == E(KafkaError::kGroupSubscribedToTopic));
  CHECK(out.value->topics[1].partitions[0].error_code == E(KafkaError::kUnknownTopicOrPartition));
  CHECK(FetchAll(f, "g").size() == 1);

  kafka::OffsetDeleteRequest unknown;
  unknown.group_id = "nobody";
  Captured<kafka::OffsetDeleteResponse> none;
  f.coordinator->OffsetDelete(unknown, none.Callback());
  CHECK(none.value->error_code == E(KafkaError::kGroupIdNotFound));
}

TEST_CASE("offsets: an empty group's offsets expire after the retention, then the group is gone") {
  auto config = CoordinatorFixture::DefaultConfig();
  config.offsets_retention_ms = 60000;
  CoordinatorFixture f(config);
  CommitNow(f, Commit("g", {{"known", 0, 1}}));
  f.clock.Advance(30000);
  CommitNow(f, Commit("g", {{"known", 1, 2}}));
  f.clock.Advance(30000);
  f.coordinator->ExpireOffsets();
  CHECK(FetchAll(f, "g") == std::map<std::pair<std::string, int32_t>, int64_t>{{{"known", 1}, 2}});
  f.clock.Advance(30000);
  f.coordinator->ExpireOffsets();
  CHECK(FetchAll(f, "g").empty());
  CHECK(f.coordinator->ListGroups().empty());
  f.Restart();
  CHECK(f.coordinator->ListGroups().empty());
}

TEST_CASE("offsets: a deleted topic's offsets are deleted from every group for good, and a group left empty is gone") {
  CoordinatorFixture f;
  CommitNow(f, Commit("both", {{"known", 0, 1}, {"second", 0, 7}, {"second", 1, 8}}));
  CommitNow(f, Commit("only-second", {{"second", 1, 3}}));
  CommitNow(f, Commit("only-known", {{"known", 2, 4}}));
  f.coordinator->RemoveOffsetsOfTopics({"second", "never-committed"});
  using Offsets = std::map<std::pair<std::string, int32_t>, int64_t>;
  CHECK(FetchAll(f, "both") == Offsets{{{"known", 0}, 1}});
  CHECK(FetchAll(f, "only-second").empty());
  CHECK(FetchAll(f, "only-known") == Offsets{{{"known", 2}, 4}});
  CHECK(f.coordinator->DescribeGroup("only-second").group_state == "Dead");
  CHECK(f.coordinator->ListGroups().size() == 2);
  f.Restart();
  CHECK(FetchAll(f, "both") == Offsets{{{"known", 0}, 1}});
  CHECK(FetchAll(f, "only-second").empty());
  CHECK(FetchAll(f, "only-known") == Offsets{{{"known", 2}, 4}});
  CHECK(f.coordinator->ListGroups().size() == 2);
}

TEST_CASE("offsets: ListGroups and DescribeGroups report state and protocol type") {
  CoordinatorFixture f;
  CommitNow(f, Commit("manual", {{"known", 0, 1}}));
  Captured<kafka::JoinGroupResponse> join;
  f.coordinator->JoinGroup(JoinRequest("active", ""), 2, {"client-1", "/10.0.0.1"}, join.Callback());
  auto listed = f.coordinator->ListGroups();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].group_id == "active");
  CHECK(listed[0].protocol_type == "consumer");
  CHECK(listed[1].group_id == "manual");
  CHECK(listed[1].protocol_type == "");
  auto described = f.coordinator->DescribeGroup("active");
  CHECK(described.group_state == "CompletingRebalance");
  REQUIRE(described.members.size() == 1);
  CHECK(described.members[0].client_id == "client-1");
  CHECK(described.members[0].client_host == "/10.0.0.1");
  CHECK(described.members[0].member_assignment.empty());
  CHECK(f.coordinator->DescribeGroup("never").group_state == "Dead");
  CHECK(f.coordinator->DescribeGroup("never").error_code == 0);
}

}  // namespace
}  // namespace cairn::broker::group
