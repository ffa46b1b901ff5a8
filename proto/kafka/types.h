// Value types shared by the hand-written Kafka codec runtime and the generated
// message structs: UUIDs and raw tagged fields (flexible versions, KIP-482).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/bytes.h"

namespace cairn::kafka {

// A Kafka UUID: 16 raw bytes on the wire (most significant half first).
struct Uuid {
  std::array<uint8_t, 16> bytes{};
  bool operator==(const Uuid&) const = default;
};

// A tagged field the schema does not know: kept verbatim so that a decoded
// message re-encodes with it (and so a proxy or a test sees it).
struct TaggedField {
  uint32_t tag = 0;
  Buffer data;
  bool operator==(const TaggedField&) const = default;
};

}  // namespace cairn::kafka
