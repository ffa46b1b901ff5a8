// CRC-32C with two paths: the SSE4.2 crc32 instruction, chosen at runtime so
// the binary still runs on CPUs without it, and a portable slicing-by-8 table.
// The hardware path runs three lanes at once on long inputs.
#include "common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace cairn::crc32c {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78;  // Castagnoli, bit-reflected.

using Tables = std::array<std::array<uint32_t, 256>, 8>;

// tables[k][b] is the CRC of byte b followed by k zero bytes, which lets the
// portable path fold eight input bytes per step.
constexpr Tables MakeTables() {
  Tables tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    tables[0][b] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t b = 0; b < 256; ++b) {
      uint32_t prev = tables[k - 1][b];
      tables[k][b] = (prev >> 8) ^ tables[0][prev & 0xff];
    }
  }
  return tables;
}

constexpr Tables kTables = MakeTables();

// Little-endian load, independent of alignment.
uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Works on the raw (non-inverted) register.
uint32_t UpdatePortable(uint32_t crc, const uint8_t* p, size_t n) {
  while (n >= 8) {
    uint64_t word = LoadLe64(p) ^ crc;
    crc = kTables[7][word & 0xff] ^ kTables[6][(word >> 8) & 0xff] ^ kTables[5][(word >> 16) & 0xff] ^
          kTables[4][(word >> 24) & 0xff] ^ kTables[3][(word >> 32) & 0xff] ^ kTables[2][(word >> 40) & 0xff] ^
          kTables[1][(word >> 48) & 0xff] ^ kTables[0][word >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xff];
  return crc;
}

// Advancing the raw register over `zero_bytes` zero bytes is linear in the
// register, so it is a 32x32 bit matrix, applied here as four byte tables.
// It joins CRCs computed separately: raw(c, A||B) = Shift_|B|(raw(c, A)) ^
// raw(0, B), since the raw update is linear in register and data together.
class ZeroShift {
 public:
  explicit ZeroShift(size_t zero_bytes) {
    std::array<uint32_t, 32> basis{};
    for (int bit = 0; bit < 32; ++bit) {
      uint32_t crc = uint32_t{1} << bit;
      for (size_t i = 0; i < zero_bytes; ++i) crc = (crc >> 8) ^ kTables[0][crc & 0xff];
      basis[static_cast<size_t>(bit)] = crc;
    }
    for (size_t k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t value = 0;
        for (size_t bit = 0; bit < 8; ++bit) {
          if ((b >> bit) & 1) value ^= basis[8 * k + bit];
        }
        tables_[k][b] = value;
      }
    }
  }
  uint32_t Apply(uint32_t crc) const {
    return tables_[0][crc & 0xff] ^ tables_[1][(crc >> 8) & 0xff] ^ tables_[2][(crc >> 16) & 0xff] ^
           tables_[3][crc >> 24];
  }

 private:
  std::array<std::array<uint32_t, 256>, 4> tables_{};
};

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint64_t Load64(const uint8_t* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));  // Unaligned-safe; x86 is little-endian.
  return word;
}

// Three lanes of `lane` bytes at once: each crc32 instruction waits for the
// one before it in its lane (3 cycles of latency) but the CPU can start one
// per cycle, so three independent lanes run about three times as fast as one.
// The lanes' CRCs are then joined with `shift` (which is ZeroShift(lane)).
template <size_t kLane>
__attribute__((target("sse4.2"))) uint32_t UpdateThreeLanes(uint32_t crc, const uint8_t*& p, size_t& n,
                                                             const ZeroShift& shift) {
  while (n >= 3 * kLane) {
    uint64_t a = crc;
    uint64_t b = 0;
    uint64_t c = 0;
    for (size_t i = 0; i < kLane; i += 8) {
      a = _mm_crc32_u64(a, Load64(p + i));
      b = _mm_crc32_u64(b, Load64(p + kLane + i));
      c = _mm_crc32_u64(c, Load64(p + 2 * kLane + i));
    }
    crc = shift.Apply(shift.Apply(static_cast<uint32_t>(a)) ^ static_cast<uint32_t>(b)) ^ static_cast<uint32_t>(c);
    p += 3 * kLane;
    n -= 3 * kLane;
  }
  return crc;
}

constexpr size_t kLongLane = 4096;
constexpr size_t kShortLane = 256;

// One lane, eight bytes per instruction: short inputs and the tails.
__attribute__((target("sse4.2"))) uint32_t UpdateOneLane(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t crc64 = crc;
  while (n >= 8) {
    crc64 = _mm_crc32_u64(crc64, Load64(p));
    p += 8;
    n -= 8;
  }
  auto crc32 = static_cast<uint32_t>(crc64);
  while (n-- > 0) crc32 = _mm_crc32_u8(crc32, *p++);
  return crc32;
}

__attribute__((target("sse4.2"))) uint32_t UpdateHardware(uint32_t crc, const uint8_t* p, size_t n) {
  static const ZeroShift kLongShift(kLongLane);
  static const ZeroShift kShortShift(kShortLane);
  crc = UpdateThreeLanes<kLongLane>(crc, p, n, kLongShift);
  crc = UpdateThreeLanes<kShortLane>(crc, p, n, kShortShift);
  return UpdateOneLane(crc, p, n);
}

// The explicit init makes this safe even from another static initializer.
bool DetectHardware() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t UpdateOneLane(uint32_t crc, const uint8_t* p, size_t n) { return UpdatePortable(crc, p, n); }
uint32_t UpdateHardware(uint32_t crc, const uint8_t* p, size_t n) { return UpdatePortable(crc, p, n); }
bool DetectHardware() { return false; }
#endif

}  // namespace

bool HardwareAccelerated() {
  static const bool kHardware = DetectHardware();
  return kHardware;
}

uint32_t ExtendPortable(uint32_t crc, ByteSpan data) { return ~UpdatePortable(~crc, data.data(), data.size()); }

uint32_t ExtendOneLane(uint32_t crc, ByteSpan data) {
  if (!HardwareAccelerated()) return ExtendPortable(crc, data);
  return ~UpdateOneLane(~crc, data.data(), data.size());
}

uint32_t Extend(uint32_t crc, ByteSpan data) {
  if (HardwareAccelerated()) return ~UpdateHardware(~crc, data.data(), data.size());
  return ExtendPortable(crc, data);
}

}  // namespace cairn::crc32c
