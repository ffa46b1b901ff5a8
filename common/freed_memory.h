// How the process's allocator treats freed memory (glibc malloc).
//
// By default glibc hands large freed blocks back to the kernel: blocks of
// 128 KiB or more are separate mappings, and free space over 2 MiB at the
// top of a heap is trimmed. A broker that receives 1 MB Produce requests
// back to back then pays, for every request, page faults and zeroed pages
// for its frame and for the copy of its batches (about a quarter of
// cairnd's CPU at full speed, docs/benchmarks.md "Freed memory kept for reuse").
#pragma once

#include <cstddef>

namespace cairn {

// Blocks up to 32 MiB (glibc's ceiling for the setting) come from the heap,
// and up to `retained_bytes` of free space stays there for the next
// allocations instead of going back to the kernel. Process-wide: call it
// once from main, before the threads start. A no-op without glibc.
void RetainFreedMemory(size_t retained_bytes);

}  // namespace cairn
