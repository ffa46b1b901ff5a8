// Hands out producer ids for idempotent producers (InitProducerId), from
// blocks the controller allocates (DESIGN.md §5, §6: the AllocateProducerIds
// command). A block is committed in the metadata log before any id in it is
// used, so no id is handed out twice in the cluster, even across crashes (the
// unused rest of a block is simply skipped). Shard 0 only.
#pragma once

#include <cstdint>
#include <deque>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"

namespace cairn::broker {

struct ProducerIdBlock {
  int64_t start = 0;
  int64_t count = 0;
};

class ProducerIdAllocator {
 public:
  using IdCallback = absl::AnyInvocable<void(absl::StatusOr<int64_t>) &&>;
  using BlockCallback = absl::AnyInvocable<void(absl::StatusOr<ProducerIdBlock>) &&>;
  // Asks the controller for a new block.
  using BlockSource = absl::AnyInvocable<void(BlockCallback)>;

  explicit ProducerIdAllocator(BlockSource source) : source_(std::move(source)) {}

  // The next id; callers waiting for a block are answered in order. A failed
  // block request fails every caller waiting on it (each may retry).
  void Allocate(IdCallback done);

 private:
  void RequestBlock();

  BlockSource source_;
  int64_t next_ = 0;
  int64_t end_ = 0;
  bool requesting_ = false;
  std::deque<IdCallback> waiting_;
};

}  // namespace cairn::broker
