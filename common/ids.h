// Strong identifier types, so an offset is never passed where an epoch or a
// node id is expected. Storage and broker speak Kafka (Offset, LeaderEpoch);
// the Raft core speaks the paper (Term, LogIndex). See docs/glossary.md.
#pragma once

#include <compare>
#include <cstdint>
#include <ostream>

namespace cairn {

template <typename Tag, typename Rep>
class StrongId {
 public:
  using rep_type = Rep;
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep value) : value_(value) {}
  constexpr Rep value() const { return value_; }
  constexpr auto operator<=>(const StrongId&) const = default;

  template <typename H>
  friend H AbslHashValue(H h, const StrongId& id) {
    return H::combine(std::move(h), id.value_);
  }
  friend std::ostream& operator<<(std::ostream& os, const StrongId& id) {
    return os << +id.value_;
  }

 private:
  Rep value_{};
};

// Kafka offsets: a position in a partition's log.
struct OffsetTag {};
class Offset : public StrongId<OffsetTag, int64_t> {
 public:
  using StrongId::StrongId;
  constexpr Offset operator+(int64_t delta) const { return Offset(value() + delta); }
  constexpr Offset operator-(int64_t delta) const { return Offset(value() - delta); }
  constexpr int64_t operator-(Offset other) const { return value() - other.value(); }
};

using LeaderEpoch = StrongId<struct LeaderEpochTag, int32_t>;
using PartitionId = StrongId<struct PartitionIdTag, int32_t>;
using NodeId = StrongId<struct NodeIdTag, int32_t>;
using ProducerId = StrongId<struct ProducerIdTag, int64_t>;
using ProducerEpoch = StrongId<struct ProducerEpochTag, int16_t>;
using Term = StrongId<struct TermTag, uint64_t>;
using LogIndex = StrongId<struct LogIndexTag, uint64_t>;

inline constexpr LeaderEpoch kNoLeaderEpoch{-1};
inline constexpr ProducerId kNoProducerId{-1};

}  // namespace cairn
