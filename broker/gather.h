// Collects N answers that arrive in any order (from other shards) and runs a
// completion once the last one is in. Single-threaded: every answer is
// delivered on the shard that created the Gather.
#pragma once

#include <memory>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "common/check.h"

namespace cairn::broker {

template <typename T>
class Gather {
 public:
  using Done = absl::AnyInvocable<void(std::vector<T>) &&>;

  static std::shared_ptr<Gather> Create(size_t count, Done done) {
    auto gather = std::shared_ptr<Gather>(new Gather(count, std::move(done)));
    if (count == 0) gather->Finish();
    return gather;
  }

  void Set(size_t index, T value) {
    CAIRN_CHECK(index < results_.size()) << index;
    results_[index] = std::move(value);
    CAIRN_CHECK(remaining_ > 0);
    if (--remaining_ == 0) Finish();
  }

 private:
  Gather(size_t count, Done done) : results_(count), remaining_(count), done_(std::move(done)) {}
  void Finish() { std::move(done_)(std::move(results_)); }

  std::vector<T> results_;
  size_t remaining_;
  Done done_;
};

}  // namespace cairn::broker
