// The replicated state machine of the simulation: a running digest of every
// applied entry, so two nodes that applied different entries anywhere up to
// an index hold different digests there. Its snapshot is (index, digest).
#pragma once

#include <cstdint>

#include "controller/raft/types.h"

namespace cairn::raft::sim {

class SimStateMachine {
 public:
  void Apply(const Entry& entry);
  Buffer TakeSnapshot() const;
  // Restores from snapshot data (empty data: the initial state).
  void Restore(const Buffer& data);

  LogIndex applied() const { return applied_; }
  uint64_t digest() const { return digest_; }

 private:
  LogIndex applied_;
  uint64_t digest_ = 0;
};

}  // namespace cairn::raft::sim
