// A scripted cluster of RawNodes for the golden interaction transcripts:
// every message and every Ready is printed, messages are delivered only when
// the script says so, and the invariant checker runs after every command.
// The commands are listed in docs/raft.md; each returns its printed lines.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "controller/raft/invariants.h"
#include "controller/raft/memory_storage.h"
#include "controller/raft/raw_node.h"
#include "controller/raft/testing/datadriven.h"

namespace cairn::raft::testing {

class InteractionEnv {
 public:
  std::string Run(const Command& command);

 private:
  struct Node {
    std::unique_ptr<MemoryStorage> storage;  // what the node made durable
    std::unique_ptr<RawNode> raw;
    LogIndex applied;
    // The membership after each applied conf change (and at the snapshot),
    // so that a snapshot at an applied index records the right one.
    std::map<LogIndex, ConfState> conf_history;
  };

  // Commands; each appends its output to `out`.
  void Cluster(const Command& c, std::string& out);
  void ProcessReady(NodeId id, std::string& out);
  void DeliverMessages(const Command& c, bool drop, std::string& out);
  void Stabilize(const Command& c, std::string& out);
  void PrintStatus(const Command& c, std::string& out);
  void PrintLog(NodeId id, std::string& out);
  void PrintProgress(NodeId id, std::string& out);
  void Compact(NodeId id, LogIndex index, std::string& out);
  void Restart(NodeId id, std::string& out);
  void AddNode(NodeId id, std::string& out);
  void ProposeConfChange(const Command& c, std::string& out);
  void ApplyConfChange(NodeId id, const Entry& entry, std::string& out);

  void StartNode(NodeId id);
  Node& At(NodeId id);
  std::vector<NodeId> Targets(const Command& c) const;
  void CheckAll(std::string& out);
  void Report(const absl::Status& status, std::string& out);
  // Prints a violation; after the first one the checker is off, since its
  // consequences would only repeat it.
  void ReportViolation(const absl::Status& status, const char* indent, std::string& out);

  Config base_config_;
  ConfState conf_state_;
  std::map<NodeId, Node> nodes_;
  std::deque<Message> network_;
  std::set<NodeId> isolated_;
  InvariantChecker checker_;
  bool violated_ = false;
};

}  // namespace cairn::raft::testing
