// Deterministic pseudo-random field values for round-trip tests and fuzz seeds
// (used by the generated proto/kafka/generated/test_fill.h).
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "proto/kafka/types.h"

namespace cairn::kafka::testing {

class Filler {
 public:
  explicit Filler(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ull + 1) {}

  uint64_t Next() {
    // splitmix64
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  template <typename T>
  T Int() {
    // Mix small values, negatives and extremes.
    switch (Next() % 4) {
      case 0:
        return static_cast<T>(Next() % 100);
      case 1:
        return static_cast<T>(-static_cast<int64_t>(Next() % 3) - 1);
      default:
        return static_cast<T>(Next());
    }
  }
  bool Bool() { return (Next() & 1) != 0; }
  double Double() { return static_cast<double>(Next() % 100000) / 7.0; }
  // True about one time in three: used to pick null for nullable fields.
  bool Null() { return Next() % 3 == 0; }
  size_t Count() { return Next() % 3; }
  std::string String() {
    static constexpr const char* kWords[] = {"", "a", "topic-1", "cairn", "\xc3\xa9t\xc3\xa9", "__consumer_offsets"};
    return kWords[Next() % (sizeof(kWords) / sizeof(kWords[0]))];
  }
  Buffer Bytes() {
    Buffer b(Next() % 9);
    for (uint8_t& x : b) x = static_cast<uint8_t>(Next());
    return b;
  }
  Uuid MakeUuid() {
    Uuid u;
    for (uint8_t& x : u.bytes) x = static_cast<uint8_t>(Next());
    return u;
  }
  // A tag no schema of ours uses.
  uint32_t UnknownTag() {
    static constexpr uint32_t kTags[] = {9, 100, 1000, 123456};
    return kTags[Next() % 4];
  }

 private:
  uint64_t state_;
};

}  // namespace cairn::kafka::testing
