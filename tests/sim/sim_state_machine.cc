// The simulation's state machine; see sim_state_machine.h.
#include "tests/sim/sim_state_machine.h"

#include "common/check.h"

namespace cairn::raft::sim {
namespace {

uint64_t Mix(uint64_t digest, uint64_t value) {
  // FNV-1a over the value's bytes: order-sensitive and cheap.
  for (int i = 0; i < 8; ++i) {
    digest ^= (value >> (8 * i)) & 0xff;
    digest *= 0x100000001b3ULL;
  }
  return digest;
}

}  // namespace

void SimStateMachine::Apply(const Entry& entry) {
  CAIRN_CHECK(entry.index == applied_ + 1) << "applying " << entry.index << " after " << applied_;
  digest_ = Mix(digest_, entry.index.value());
  digest_ = Mix(digest_, entry.term.value());
  for (uint8_t byte : entry.data) digest_ = Mix(digest_, byte);
  applied_ = entry.index;
}

Buffer SimStateMachine::TakeSnapshot() const {
  Buffer data;
  AppendBigEndian(data, applied_.value());
  AppendBigEndian(data, digest_);
  return data;
}

void SimStateMachine::Restore(const Buffer& data) {
  if (data.empty()) {
    applied_ = LogIndex(0);
    digest_ = 0;
    return;
  }
  CAIRN_CHECK(data.size() == 16) << "snapshot of " << data.size() << " bytes";
  applied_ = LogIndex(LoadBigEndian<uint64_t>(data.data()));
  digest_ = LoadBigEndian<uint64_t>(data.data() + 8);
}

}  // namespace cairn::raft::sim
