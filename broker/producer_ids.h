// Hands out producer ids for idempotent producers (InitProducerId). Ids come
// from blocks whose end is persisted before any id in the block is used, so
// an id is never handed out twice, even across crashes (an unused remainder
// of a block is skipped). Lives on shard 0 until the Raft controller
// allocates the blocks (DESIGN.md §5, §6).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "io/file.h"

namespace cairn::broker {

class ProducerIdAllocator {
 public:
  static constexpr int64_t kBlockSize = 1000;

  static absl::StatusOr<std::unique_ptr<ProducerIdAllocator>> Open(io::FileSystem* fs, std::string path);
  absl::StatusOr<int64_t> Allocate();

 private:
  ProducerIdAllocator(io::FileSystem* fs, std::string path, int64_t next)
      : fs_(fs), path_(std::move(path)), next_(next), block_end_(next) {}

  io::FileSystem* fs_;
  std::string path_;
  int64_t next_;
  int64_t block_end_;
};

}  // namespace cairn::broker
