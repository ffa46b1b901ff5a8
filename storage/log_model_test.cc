// Property test: random sequences of appends, partial completions, crashes
// (losing, tearing or keeping unsynced data), clean restarts, truncations and
// DeleteRecords, checked against a simple in-memory model of the log.
//
// The model: a list of acknowledged batches (must always be present exactly)
// and a list of in-flight batches (after a crash, any whole-batch prefix of
// them may survive, nothing else).
#include <doctest/doctest.h>

#include <cstdlib>
#include <random>

#include "storage/partition_log.h"
#include "storage/testing/log_fixture.h"

namespace cairn::storage {
namespace {

using io::sim::SimDisk;
using testing::LogFixture;

struct ModelBatch {
  int64_t base;
  std::vector<std::string> values;
  std::shared_ptr<testing::AppendOutcome> outcome;
};

class ModelRun {
 public:
  explicit ModelRun(uint64_t seed) : f_(seed), rng_(seed) {
    const int64_t sizes[] = {200, 600, 4096};
    f_.config.segment_bytes = sizes[rng_() % 3];
    f_.config.index_interval_bytes = static_cast<int64_t>(1 + rng_() % 300);
    f_.config.retention_ms = -1;
    f_.scheduler.set_reorder(rng_() % 2 == 0);
    f_.OpenOrFail();
  }

  void Step() {
    const int op = static_cast<int>(rng_() % 100);
    if (std::getenv("CAIRN_MODEL_TRACE")) MESSAGE("op " << op << " end " << end_ << " start " << log_start_);
    if (op < 45) {
      AppendRandom();
    } else if (op < 65) {
      for (int i = static_cast<int>(rng_() % 4); i >= 0; --i) f_.scheduler.RunOne();
      CollectAcknowledged();
    } else if (op < 77) {
      SettleAndCheck();
    } else if (op < 83) {
      CrashAndReopen();
    } else if (op < 87) {
      SettleAndCheck();
      REQUIRE(f_.log->CloseCleanly().ok());
      f_.OpenOrFail();
      CheckMatches();
    } else if (op < 93) {
      SettleAndCheck();
      Truncate();
    } else {
      SettleAndCheck();
      DeleteRecords();
    }
  }

  void Finish() {
    SettleAndCheck();
    CHECK(f_.log->Verify().ok());
    CrashAndReopen();
  }

 private:
  void AppendRandom() {
    std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> records;
    std::vector<std::string> values;
    const int count = static_cast<int>(1 + rng_() % 4);
    for (int i = 0; i < count; ++i) {
      values.push_back("v" + std::to_string(next_value_++) + std::string(rng_() % 120, '.'));
      records.emplace_back(std::nullopt, values.back());
    }
    auto [info, outcome] = f_.Append(records);
    REQUIRE_MESSAGE(info.ok(), info.status().ToString());
    REQUIRE(info->first_offset.value() == ModelEnd());
    inflight_.push_back({info->first_offset.value(), values, outcome});
    end_ += count;
  }

  int64_t ModelEnd() const { return end_; }

  // Acknowledgements come in offset order: a done append implies all before.
  void CollectAcknowledged() {
    while (!inflight_.empty() && inflight_.front().outcome->done) {
      REQUIRE_MESSAGE(inflight_.front().outcome->status.ok(), inflight_.front().outcome->status.ToString());
      acked_.push_back(std::move(inflight_.front()));
      inflight_.erase(inflight_.begin());
    }
    for (const ModelBatch& b : inflight_) CHECK_FALSE(b.outcome->done);
  }

  void SettleAndCheck() {
    f_.Settle();
    CollectAcknowledged();
    REQUIRE(inflight_.empty());
    CheckMatches();
  }

  std::vector<testing::StoredRecord> Expected() const {
    std::vector<testing::StoredRecord> out;
    for (const ModelBatch& b : acked_) {
      for (size_t i = 0; i < b.values.size(); ++i) {
        const int64_t offset = b.base + static_cast<int64_t>(i);
        if (offset >= log_start_) out.push_back({offset, std::nullopt, b.values[i]});
      }
    }
    return out;
  }

  void CheckMatches() {
    CHECK(f_.log->log_start_offset().value() == log_start_);
    CHECK(f_.log->log_end_offset().value() == ModelEnd());
    CHECK(f_.ReadAll() == Expected());
  }

  void CrashAndReopen() {
    const SimDisk::CrashMode modes[] = {SimDisk::CrashMode::kLoseUnsynced, SimDisk::CrashMode::kTearUnsynced,
                                        SimDisk::CrashMode::kKeepUnsynced};
    CollectAcknowledged();
    f_.disk.Crash(modes[rng_() % 3]);
    f_.OpenOrFail();
    // Whatever survived beyond the acknowledged batches is a whole-batch
    // prefix of the in-flight ones; it becomes part of the model.
    std::vector<testing::StoredRecord> actual = f_.ReadAll();
    std::vector<testing::StoredRecord> expected = Expected();
    REQUIRE(actual.size() >= expected.size());
    CHECK(std::vector(actual.begin(), actual.begin() + static_cast<ptrdiff_t>(expected.size())) == expected);
    size_t next = expected.size();
    for (ModelBatch& b : inflight_) {
      if (next >= actual.size()) break;
      for (size_t i = 0; i < b.values.size(); ++i, ++next) {
        REQUIRE(next < actual.size());  // a batch survives whole or not at all
        CHECK(actual[next].offset == b.base + static_cast<int64_t>(i));
        CHECK(actual[next].value == b.values[i]);
      }
      acked_.push_back(std::move(b));
    }
    CHECK(next == actual.size());
    inflight_.clear();
    end_ = acked_.empty() ? f_.log->log_end_offset().value()
                          : acked_.back().base + static_cast<int64_t>(acked_.back().values.size());
    CheckMatches();
  }

  void Truncate() {
    const int64_t end = ModelEnd();
    if (end <= log_start_) return;
    const int64_t target = log_start_ + static_cast<int64_t>(rng_() % static_cast<uint64_t>(end - log_start_ + 1));
    const int64_t first_base = f_.log->segment_base_offsets().front();
    REQUIRE(f_.log->TruncateTo(Offset(target)).ok());
    if (target >= end) {
      // Nothing to remove.
    } else if (target <= first_base) {
      // Nothing survives: the log restarts empty at the target.
      acked_.clear();
      end_ = target;
      log_start_ = target;
    } else {
      // Whole batches containing or after the target go.
      while (!acked_.empty() && acked_.back().base + static_cast<int64_t>(acked_.back().values.size()) > target) {
        end_ = acked_.back().base;
        acked_.pop_back();
      }
      log_start_ = std::min(log_start_, end_);
    }
    CheckMatches();
  }

  void DeleteRecords() {
    const int64_t end = ModelEnd();
    if (end <= log_start_) return;
    const int64_t target = log_start_ + static_cast<int64_t>(rng_() % static_cast<uint64_t>(end - log_start_ + 1));
    REQUIRE(f_.log->DeleteRecordsBefore(Offset(target), Offset(end)).ok());
    log_start_ = std::max(log_start_, target);
    CheckMatches();
  }

  LogFixture f_;
  std::mt19937_64 rng_;
  std::vector<ModelBatch> acked_;
  std::vector<ModelBatch> inflight_;
  int64_t log_start_ = 0;
  int64_t end_ = 0;
  int next_value_ = 0;
};

// CAIRN_MODEL_SEEDS=N runs N seeds (default 120); CAIRN_MODEL_SEED=S replays
// one seed, with CAIRN_MODEL_TRACE=1 printing every operation.
TEST_CASE("Model: the log matches an in-memory model over random operations and crashes") {
  uint64_t first = 1, last = 120;
  if (const char* seeds = std::getenv("CAIRN_MODEL_SEEDS")) last = std::strtoull(seeds, nullptr, 10);
  if (const char* seed = std::getenv("CAIRN_MODEL_SEED")) first = last = std::strtoull(seed, nullptr, 10);
  for (uint64_t seed = first; seed <= last; ++seed) {
    INFO("replay: CAIRN_MODEL_SEED=" << seed << " CAIRN_MODEL_TRACE=1 storage_tests -tc='Model*'");
    ModelRun run(seed);
    for (int step = 0; step < 150; ++step) run.Step();
    run.Finish();
  }
}

}  // namespace
}  // namespace cairn::storage
