// The simulated network; see sim_network.h.
#include "tests/sim/sim_network.h"

namespace cairn::raft::sim {

std::vector<int64_t> SimNetwork::Route(const Message& message, int64_t now_ms) {
  std::vector<int64_t> arrivals;
  if (IsCut(message.from, message.to) || random_.Chance(faults_.drop_probability)) return arrivals;
  const int copies = random_.Chance(faults_.duplicate_probability) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    arrivals.push_back(now_ms + random_.Between(faults_.delay_min_ms, faults_.delay_max_ms));
  }
  return arrivals;
}

}  // namespace cairn::raft::sim
