// Idempotent-producer sequence rules, alone and through PartitionLog.
#include "storage/producer_state.h"

#include <doctest/doctest.h>

#include "common/error_reason.h"
#include "storage/testing/log_fixture.h"

namespace cairn::storage {
namespace {

using testing::LogFixture;

RecordBatchHeader Batch(int64_t producer, int16_t epoch, int32_t sequence, int32_t records, int64_t base_offset = 0) {
  RecordBatchHeader h;
  h.producer_id = producer;
  h.producer_epoch = epoch;
  h.base_sequence = sequence;
  h.record_count = records;
  h.last_offset_delta = records - 1;
  h.base_offset = base_offset;
  return h;
}

std::optional<ErrorReason> ReasonOf(const absl::StatusOr<std::optional<ProducerStateManager::BatchMetadata>>& r) {
  return r.ok() ? std::nullopt : GetReason(r.status());
}

TEST_CASE("ProducerState: a new producer starts at sequence 0 and continues in order") {
  ProducerStateManager state;
  CHECK(ReasonOf(state.Check(Batch(7, 0, 3, 1))) == ErrorReason::kUnknownProducerId);
  REQUIRE(state.Check(Batch(7, 0, 0, 2)).ok());
  state.Update(Batch(7, 0, 0, 2, 100));
  CHECK(state.Check(Batch(7, 0, 2, 3)).value() == std::nullopt);
  CHECK(ReasonOf(state.Check(Batch(7, 0, 3, 1))) == ErrorReason::kOutOfOrderSequence);  // a gap
  CHECK(ReasonOf(state.Check(Batch(7, 0, 1, 1))) == ErrorReason::kOutOfOrderSequence);  // overlaps, not a retry
}

TEST_CASE("ProducerState: each of the last 5 batches is recognised as a retry with its original offsets") {
  ProducerStateManager state;
  for (int i = 0; i < 7; ++i) state.Update(Batch(1, 0, i * 2, 2, 1000 + i * 2));
  for (int i = 2; i < 7; ++i) {
    auto retry = state.Check(Batch(1, 0, i * 2, 2));
    REQUIRE(retry.ok());
    REQUIRE(retry->has_value());
    CHECK((*retry)->first_offset == 1000 + i * 2);
    CHECK((*retry)->last_offset == 1001 + i * 2);
  }
  // The sixth newest has been forgotten: no longer a retry, and out of order.
  CHECK(ReasonOf(state.Check(Batch(1, 0, 2, 2))) == ErrorReason::kOutOfOrderSequence);
}

TEST_CASE("ProducerState: an older epoch is fenced and a newer one must restart at 0") {
  ProducerStateManager state;
  state.Update(Batch(1, 3, 0, 1, 0));
  CHECK(ReasonOf(state.Check(Batch(1, 2, 1, 1))) == ErrorReason::kInvalidProducerEpoch);
  CHECK(ReasonOf(state.Check(Batch(1, 4, 5, 1))) == ErrorReason::kOutOfOrderSequence);
  CHECK(state.Check(Batch(1, 4, 0, 1)).value() == std::nullopt);
  state.Update(Batch(1, 4, 0, 1, 1));
  CHECK(state.producers().at(1).epoch == 4);
  CHECK(state.producers().at(1).batches.size() == 1);
}

TEST_CASE("ProducerState: sequences wrap from INT32_MAX to 0") {
  ProducerStateManager state;
  state.Update(Batch(1, 0, 0, 1, 0));
  // A batch of 3 starting at INT32_MAX - 1 ends at sequence 0 (wrapped)...
  REQUIRE(state.Check(Batch(1, 0, 1, 1)).ok());
  auto decoded = ProducerStateManager::Decode({{1, 0, 2147483646, 0, 5, 7}});
  REQUIRE(decoded.ok());
  CHECK(decoded->producers().at(1).batches.back().last_sequence == 0);
  // ...so the next one starts at 1.
  CHECK(decoded->Check(Batch(1, 0, 1, 1)).value() == std::nullopt);
  CHECK(ReasonOf(decoded->Check(Batch(1, 0, 0, 1))) == ErrorReason::kOutOfOrderSequence);
}

TEST_CASE("ProducerState: encodes and decodes every producer's batches") {
  ProducerStateManager state;
  state.Update(Batch(1, 0, 0, 3, 0));
  state.Update(Batch(2, 5, 0, 1, 3));
  state.Update(Batch(1, 0, 3, 1, 4));
  auto decoded = ProducerStateManager::Decode(state.Encode());
  REQUIRE(decoded.ok());
  CHECK(decoded->producers().at(1).batches == state.producers().at(1).batches);
  CHECK(decoded->producers().at(2).epoch == 5);
  CHECK_FALSE(ProducerStateManager::Decode({{1, 0, 0, 0, 9, 2}}).ok());
}

// --- through the log ---

Buffer ProducerBatch(int64_t producer, int16_t epoch, int32_t sequence, std::vector<std::string> values) {
  RecordBatchOptions options;
  options.producer_id = producer;
  options.producer_epoch = epoch;
  options.base_sequence = sequence;
  std::vector<Record> records;
  for (size_t i = 0; i < values.size(); ++i) {
    Record r;
    r.offset_delta = static_cast<int32_t>(i);
    r.value = values[i];
    records.push_back(r);
  }
  return *BuildRecordBatch(options, records);
}

struct Acked {
  bool done = false;
  absl::Status status;
};

absl::StatusOr<AppendInfo> AppendProducer(LogFixture& f, Buffer batch, Acked* acked) {
  return f.log->Append(std::move(batch), LeaderEpoch(0), [acked](absl::Status s) {
    acked->done = true;
    acked->status = s;
  });
}

TEST_CASE("PartitionLog: a producer's retry is answered with the original offsets and appends nothing") {
  LogFixture f;
  f.OpenOrFail();
  Acked first, retry, next;
  auto a = AppendProducer(f, ProducerBatch(42, 0, 0, {"a", "b"}), &first);
  REQUIRE(a.ok());
  // The retry arrives before the original is durable: acknowledged with it.
  auto r = AppendProducer(f, ProducerBatch(42, 0, 0, {"a", "b"}), &retry);
  REQUIRE(r.ok());
  CHECK(r->duplicate);
  CHECK_FALSE(r->already_durable);
  CHECK(r->first_offset == Offset(0));
  CHECK(r->last_offset == Offset(1));
  CHECK_FALSE(retry.done);
  f.Settle();
  CHECK(first.done);
  CHECK(retry.done);
  CHECK(retry.status.ok());
  // A retry of a durable batch reports it at once.
  auto again = AppendProducer(f, ProducerBatch(42, 0, 0, {"a", "b"}), &next);
  REQUIRE(again.ok());
  CHECK(again->already_durable);
  CHECK(f.log->log_end_offset() == Offset(2));
  CHECK(f.ReadValues() == testing::Values({"a", "b"}));
  // Out of order and fenced batches are refused.
  Acked ignored;
  CHECK(GetReason(AppendProducer(f, ProducerBatch(42, 0, 5, {"x"}), &ignored).status()) ==
        ErrorReason::kOutOfOrderSequence);
  CHECK(AppendProducer(f, ProducerBatch(42, 1, 0, {"c"}), &ignored).ok());
  f.Settle();
  CHECK(GetReason(AppendProducer(f, ProducerBatch(42, 0, 2, {"d"}), &ignored).status()) ==
        ErrorReason::kInvalidProducerEpoch);
}

TEST_CASE("PartitionLog: producer state survives a crash (replayed) and a clean restart (snapshot)") {
  LogFixture f;
  f.config.segment_bytes = 300;
  f.OpenOrFail();
  Acked acked;
  for (int i = 0; i < 6; ++i) {
    REQUIRE(AppendProducer(f, ProducerBatch(9, 2, i, {"v" + std::to_string(i)}), &acked).ok());
    f.Settle();
  }
  f.disk.Crash(io::sim::SimDisk::CrashMode::kLoseUnsynced);
  f.OpenOrFail();
  auto retry = AppendProducer(f, ProducerBatch(9, 2, 5, {"v5"}), &acked);
  REQUIRE(retry.ok());
  CHECK(retry->duplicate);
  CHECK(retry->first_offset == Offset(5));
  CHECK(GetReason(AppendProducer(f, ProducerBatch(9, 2, 7, {"gap"}), &acked).status()) ==
        ErrorReason::kOutOfOrderSequence);
  REQUIRE(f.log->CloseCleanly().ok());
  f.OpenOrFail();
  CHECK(AppendProducer(f, ProducerBatch(9, 2, 4, {"v4"}), &acked)->duplicate);
  CHECK(AppendProducer(f, ProducerBatch(9, 2, 6, {"v6"}), &acked)->first_offset == Offset(6));
  f.Settle();
}

TEST_CASE("PartitionLog: truncation forgets the producer batches it removed") {
  LogFixture f;
  f.OpenOrFail();
  Acked acked;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(AppendProducer(f, ProducerBatch(5, 0, i, {"x"}), &acked).ok());
    f.Settle();
  }
  REQUIRE(f.log->TruncateTo(Offset(1)).ok());
  // Sequence 1 was truncated away: it is new again, not a retry.
  auto next = AppendProducer(f, ProducerBatch(5, 0, 1, {"y"}), &acked);
  REQUIRE(next.ok());
  CHECK_FALSE(next->duplicate);
  CHECK(next->first_offset == Offset(1));
  f.Settle();
}

}  // namespace
}  // namespace cairn::storage
