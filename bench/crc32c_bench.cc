// crc32c_bench: CRC-32C throughput of each path on record-batch-sized inputs,
// against reading the same bytes (a 64-bit XOR over them) in the same run.
// Every batch Cairn receives or stores is checked with it: the broker on
// Produce and recovery, the client on every fetched batch.
//
//   crc32c_bench [--bytes N] [--rounds R]
// (the default 64 MiB streams from memory; --bytes 262144 stays in cache)
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/crc32c.h"

namespace {

using Clock = std::chrono::steady_clock;

// Best of `rounds` passes over `data` in pieces of `piece` bytes, in GB/s;
// `sink` keeps the results alive.
template <typename Fn>
double BestGbPerS(const cairn::Buffer& data, size_t piece, int rounds, Fn fn, uint64_t& sink) {
  double best = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto start = Clock::now();
    for (size_t pos = 0; pos + piece <= data.size(); pos += piece) {
      sink += fn(cairn::ByteSpan(data.data() + pos, piece));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double bytes = static_cast<double>(data.size() / piece * piece);
    if (seconds > 0 && bytes / seconds / 1e9 > best) best = bytes / seconds / 1e9;
  }
  return best;
}

uint64_t XorRead(cairn::ByteSpan data) {
  uint64_t x = 0;
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, data.data() + i, sizeof(word));
    x ^= word;
  }
  for (; i < data.size(); ++i) x ^= data[i];
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  size_t total = 64 << 20;
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--bytes") == 0) total = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  cairn::Buffer data(total);
  std::mt19937_64 rng(1);
  for (auto& byte : data) byte = static_cast<uint8_t>(rng());

  std::printf("crc32c_bench: %zu KiB of random bytes, best of %d rounds, hardware crc32: %s\n", total >> 10, rounds,
              cairn::crc32c::HardwareAccelerated() ? "yes" : "no");
  std::printf("%-10s %12s %12s %12s %12s %14s\n", "piece", "read GB/s", "portable", "one lane", "Extend",
              "Extend/1 lane");
  uint64_t sink = 0;
  for (size_t piece : {size_t{512}, size_t{4096}, size_t{65536}, size_t{1 << 20}}) {
    if (piece > data.size()) continue;
    const double read = BestGbPerS(data, piece, rounds, XorRead, sink);
    const double portable = BestGbPerS(
        data, piece, rounds, [](cairn::ByteSpan s) { return cairn::crc32c::ExtendPortable(0, s); }, sink);
    const double one_lane = BestGbPerS(
        data, piece, rounds, [](cairn::ByteSpan s) { return cairn::crc32c::ExtendOneLane(0, s); }, sink);
    const double extend =
        BestGbPerS(data, piece, rounds, [](cairn::ByteSpan s) { return cairn::crc32c::Extend(0, s); }, sink);
    std::printf("%-10zu %12.2f %12.2f %12.2f %12.2f %14.2f\n", piece, read, portable, one_lane, extend,
                extend / one_lane);
  }
  std::printf("(checksum of the results, to keep them: %" PRIx64 ")\n", sink);
  return 0;
}
