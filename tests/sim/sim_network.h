// The simulated network between Raft nodes: seeded drops, duplicates and
// delays (which reorder messages), and directed link cuts, so partitions can
// be symmetric or one-way. Deterministic given its Prng.
#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "controller/raft/message.h"
#include "controller/raft/prng.h"

namespace cairn::raft::sim {

struct NetworkFaults {
  double drop_probability = 0;
  double duplicate_probability = 0;
  int64_t delay_min_ms = 1;
  int64_t delay_max_ms = 5;
};

class SimNetwork {
 public:
  explicit SimNetwork(uint64_t seed) : random_(seed) {}

  void set_faults(const NetworkFaults& faults) { faults_ = faults; }
  // Messages from `from` no longer reach `to` (one direction only).
  void Cut(NodeId from, NodeId to) { cut_.emplace(from, to); }
  void HealAll() { cut_.clear(); }
  bool IsCut(NodeId from, NodeId to) const { return cut_.contains({from, to}); }

  // When (if ever) each copy of a message sent at `now_ms` arrives: none if
  // dropped, two if duplicated.
  std::vector<int64_t> Route(const Message& message, int64_t now_ms);

 private:
  Prng random_;
  NetworkFaults faults_;
  std::set<std::pair<NodeId, NodeId>> cut_;
};

}  // namespace cairn::raft::sim
