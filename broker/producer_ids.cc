#include "broker/producer_ids.h"

#include "common/status_macros.h"
#include "storage/checkpoint_file.h"

namespace cairn::broker {

absl::StatusOr<std::unique_ptr<ProducerIdAllocator>> ProducerIdAllocator::Open(io::FileSystem* fs, std::string path) {
  ASSIGN_OR_RETURN(int64_t next, storage::ReadOffsetCheckpoint(*fs, path, 0));
  if (next < 0) return absl::DataLossError(path + ": negative producer id block");
  return std::unique_ptr<ProducerIdAllocator>(new ProducerIdAllocator(fs, std::move(path), next));
}

absl::StatusOr<int64_t> ProducerIdAllocator::Allocate() {
  if (next_ == block_end_) {
    RETURN_IF_ERROR(storage::WriteOffsetCheckpoint(*fs_, path_, block_end_ + kBlockSize));
    block_end_ += kBlockSize;
  }
  return next_++;
}

}  // namespace cairn::broker
