#include "broker/producer_ids.h"

#include <doctest/doctest.h>

#include <vector>

namespace cairn::broker {
namespace {

// Blocks answered when the test says, as the controller would (later).
struct ScriptedBlocks {
  std::vector<ProducerIdAllocator::BlockCallback> requests;
  ProducerIdAllocator::BlockSource Source() {
    return [this](ProducerIdAllocator::BlockCallback done) { requests.push_back(std::move(done)); };
  }
};

TEST_CASE("ProducerIdAllocator: ids come from the controller's blocks, in order, one request at a time") {
  ScriptedBlocks blocks;
  ProducerIdAllocator ids(blocks.Source());
  std::vector<int64_t> got;
  for (int i = 0; i < 3; ++i) ids.Allocate([&](absl::StatusOr<int64_t> id) { got.push_back(*id); });
  REQUIRE(blocks.requests.size() == 1);  // one block request for all three
  CHECK(got.empty());
  std::move(blocks.requests[0])(ProducerIdBlock{5000, 2});
  // Two fit in the block; the third waits for the next block.
  CHECK(got == std::vector<int64_t>{5000, 5001});
  REQUIRE(blocks.requests.size() == 2);
  std::move(blocks.requests[1])(ProducerIdBlock{9000, 1000});
  CHECK(got == std::vector<int64_t>{5000, 5001, 9000});
  ids.Allocate([&](absl::StatusOr<int64_t> id) { got.push_back(*id); });
  CHECK(got.back() == 9001);
  CHECK(blocks.requests.size() == 2);
}

TEST_CASE("ProducerIdAllocator: a failed block request fails its waiters and the next call asks again") {
  ScriptedBlocks blocks;
  ProducerIdAllocator ids(blocks.Source());
  absl::Status failure;
  ids.Allocate([&](absl::StatusOr<int64_t> id) { failure = id.status(); });
  std::move(blocks.requests[0])(absl::UnavailableError("no controller"));
  CHECK(absl::IsUnavailable(failure));
  int64_t id = -1;
  ids.Allocate([&](absl::StatusOr<int64_t> got) { id = *got; });
  REQUIRE(blocks.requests.size() == 2);
  std::move(blocks.requests[1])(ProducerIdBlock{0, 1000});
  CHECK(id == 0);
}

}  // namespace
}  // namespace cairn::broker
