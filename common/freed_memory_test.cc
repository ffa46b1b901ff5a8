#include "common/freed_memory.h"

#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "common/testing/sanitizers.h"
#include "doctest/doctest.h"

namespace cairn {
namespace {

long MinorFaults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// What a shard does with Produce requests: several 1 MB buffers alive at
// once, written whole, then all freed. False if an allocation failed.
bool AllocateWriteFree() {
  constexpr size_t kFrame = size_t{1} << 20;
  std::vector<char*> frames;
  bool allocated = true;
  for (size_t i = 0; i < 8; ++i) {
    char* frame = static_cast<char*>(std::malloc(kFrame + i * 4096));
    if (frame == nullptr) {
      allocated = false;
      continue;
    }
    std::memset(frame, 1, kFrame);
    asm volatile("" : : "r"(frame) : "memory");  // the writes must happen
    frames.push_back(frame);
  }
  for (char* frame : frames) std::free(frame);
  return allocated;
}

struct Rounds {
  bool allocated = true;
  long faults = 0;
};

// Minor page faults of 20 rounds after a first one, on a thread of its own
// (a shard's heap is not the main thread's). Assertions stay on the
// test's thread.
Rounds FaultsOfRepeatedRounds() {
  Rounds rounds;
  std::thread([&] {
    rounds.allocated = AllocateWriteFree();
    const long before = MinorFaults();
    for (int i = 0; i < 20; ++i) rounds.allocated = AllocateWriteFree() && rounds.allocated;
    rounds.faults = MinorFaults() - before;
  }).join();
  return rounds;
}

// Not under the sanitizers: they bring an allocator of their own, which
// mallopt does not reach.
TEST_CASE("RetainFreedMemory: freed 1 MB buffers are reused without new page faults" *
          doctest::skip(testing::kSanitized)) {
  // Without it glibc unmaps or trims them each round: 20 rounds x 8 MiB is
  // about 40 000 faults here.
  RetainFreedMemory(size_t{64} << 20);
  const Rounds rounds = FaultsOfRepeatedRounds();
  REQUIRE(rounds.allocated);
  CHECK(rounds.faults < 100);
}

}  // namespace
}  // namespace cairn
