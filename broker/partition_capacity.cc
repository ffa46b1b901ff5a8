#include "broker/partition_capacity.h"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace cairn::broker {

uint32_t PartitionCapacity(int64_t per_shard, int shard_count, uint64_t open_file_limit) {
  const uint64_t reserved = std::min(kReservedFiles, open_file_limit / 2);
  const uint64_t by_files = (open_file_limit - reserved) / kFilesPerPartition;
  uint64_t capacity = by_files;
  if (per_shard > 0) {
    capacity = std::min(capacity, static_cast<uint64_t>(per_shard) * static_cast<uint64_t>(std::max(shard_count, 1)));
  }
  capacity = std::min<uint64_t>(capacity, std::numeric_limits<uint32_t>::max());
  return static_cast<uint32_t>(std::max<uint64_t>(capacity, 1));
}

uint64_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;  // the usual default; nothing better is known
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<uint64_t>::max() : limit.rlim_cur;
}

}  // namespace cairn::broker
