// Test support for GroupMembership: every output rendered as one line, so a
// test reads as a transcript ("input -> exact events and requests"), and
// response builders.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/group/group_membership.h"

namespace cairn::client::group::testing {

inline std::string Partitions(const std::vector<TopicPartition>& list) {
  std::vector<std::string> out;
  for (const TopicPartition& tp : list) out.push_back(absl::StrCat(tp.topic, "-", tp.partition));
  return absl::StrJoin(out, ",");
}

inline std::string Describe(const GroupEvent& e) {
  switch (e.type) {
    case GroupEvent::Type::kPartitionsRevoked: return "revoked [" + Partitions(e.partitions) + "]";
    case GroupEvent::Type::kPartitionsAssigned: return "assigned [" + Partitions(e.partitions) + "]";
    case GroupEvent::Type::kPartitionsLost: return "lost [" + Partitions(e.partitions) + "]";
    case GroupEvent::Type::kMetadataNeeded: return "metadata-needed [" + absl::StrJoin(e.topics, ",") + "]";
    case GroupEvent::Type::kError: return absl::StrCat("error ", e.error_code);
    case GroupEvent::Type::kFatal: return absl::StrCat("fatal ", e.error_code);
  }
  return "?";
}

inline std::string DescribeSubscription(const Buffer& metadata) {
  auto s = kafka::DecodeConsumerSubscription(metadata);
  if (!s.ok()) return "<bad>";
  std::string gen = "-";
  if (s->user_data && s->user_data->size() == 4) gen = std::to_string(LoadBigEndian<int32_t>(s->user_data->data()));
  return absl::StrCat("topics=", absl::StrJoin(s->topics, ","), " owned=", Partitions(Flatten(s->owned_partitions)),
                      " gen=", gen);
}

inline std::string Describe(const GroupRequest& request) {
  if (auto* r = std::get_if<kafka::FindCoordinatorRequest>(&request)) return "FindCoordinator " + r->key;
  if (auto* r = std::get_if<kafka::JoinGroupRequest>(&request)) {
    std::string out = absl::StrCat("JoinGroup member=", r->member_id);
    if (r->group_instance_id) absl::StrAppend(&out, " instance=", *r->group_instance_id);
    for (const auto& p : r->protocols) absl::StrAppend(&out, " {", p.name, " ", DescribeSubscription(p.metadata), "}");
    return out;
  }
  if (auto* r = std::get_if<kafka::SyncGroupRequest>(&request)) {
    std::string out = absl::StrCat("SyncGroup gen=", r->generation_id, " member=", r->member_id);
    for (const auto& a : r->assignments) {
      auto decoded = kafka::DecodeConsumerAssignment(a.assignment);
      absl::StrAppend(&out, " ", a.member_id, "=[", decoded.ok() ? Partitions(Flatten(decoded->assigned_partitions)) : "<bad>",
                      "]");
    }
    return out;
  }
  if (auto* r = std::get_if<kafka::HeartbeatRequest>(&request)) {
    return absl::StrCat("Heartbeat gen=", r->generation_id, " member=", r->member_id);
  }
  const auto& r = std::get<kafka::LeaveGroupRequest>(request);
  return absl::StrCat("LeaveGroup member=", r.member_id);
}

// Everything the membership produced since the last call: events, then requests.
inline std::vector<std::string> Out(GroupMembership& m) {
  std::vector<std::string> out;
  for (const GroupEvent& e : m.TakeEvents()) out.push_back(Describe(e));
  for (const GroupRequest& r : m.TakeRequests()) out.push_back(Describe(r));
  return out;
}

inline kafka::FindCoordinatorResponse Found(int16_t error = 0) {
  kafka::FindCoordinatorResponse r;
  r.error_code = error;
  r.node_id = 1;
  r.host = "127.0.0.1";
  r.port = 9092;
  return r;
}

inline kafka::JoinGroupResponse Joined(int32_t generation, std::string member, std::string leader,
                                       std::string protocol, std::vector<std::pair<std::string, Buffer>> members = {}) {
  kafka::JoinGroupResponse r;
  r.generation_id = generation;
  r.member_id = std::move(member);
  r.leader = std::move(leader);
  r.protocol_name = std::move(protocol);
  for (auto& [id, metadata] : members) r.members.push_back({id, std::nullopt, std::move(metadata), {}});
  return r;
}

inline kafka::JoinGroupResponse JoinError(int16_t error, std::string member = "") {
  kafka::JoinGroupResponse r;
  r.error_code = error;
  r.member_id = std::move(member);
  return r;
}

inline kafka::SyncGroupResponse Synced(const std::vector<TopicPartition>& partitions, int16_t error = 0) {
  kafka::SyncGroupResponse r;
  r.error_code = error;
  Assignment a;
  a.assigned_partitions = GroupByTopic(partitions);
  r.assignment = kafka::EncodeConsumerAssignment(a, 1);
  return r;
}

inline kafka::HeartbeatResponse Beat(int16_t error = 0) {
  kafka::HeartbeatResponse r;
  r.error_code = error;
  return r;
}

inline Buffer SubscriptionBytes(std::vector<std::string> topics, std::vector<TopicPartition> owned = {},
                                std::optional<Buffer> user_data = std::nullopt) {
  Subscription s;
  s.topics = std::move(topics);
  s.owned_partitions = GroupByTopic(owned);
  s.user_data = std::move(user_data);
  return kafka::EncodeConsumerSubscription(s, 1);
}

}  // namespace cairn::client::group::testing
