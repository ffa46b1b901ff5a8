#include "common/freed_memory.h"

#include <climits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cairn {

void RetainFreedMemory(size_t retained_bytes) {
#if defined(__GLIBC__)
  // mallopt takes an int; both settings also turn off glibc's own dynamic
  // adjustment of the thresholds.
  constexpr size_t kMaxHeapBlock = size_t{32} << 20;
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMaxHeapBlock));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(retained_bytes > size_t{INT_MAX} ? size_t{INT_MAX} : retained_bytes));
#else
  (void)retained_bytes;
#endif
}

}  // namespace cairn
