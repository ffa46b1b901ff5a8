#include "broker/partition_ops.h"

#include "absl/strings/str_cat.h"
#include "broker/fetch_waiters.h"
#include "common/error_reason.h"

namespace cairn::broker {
namespace {

absl::Status UnknownPartition(const TopicPartition& tp) {
  return WithReason(absl::NotFoundError(absl::StrCat("this server does not host ", tp.DirectoryName())),
                    ErrorReason::kUnknownTopicOrPartition);
}

// The log of `tp` on its owner, or the error to answer with.
absl::StatusOr<storage::PartitionLog*> FindLog(ShardContext& owner, const TopicPartition& tp) {
  if (storage::PartitionLog* log = owner.logs().Find(tp)) return log;
  if (auto it = owner.logs().offline().find(tp); it != owner.logs().offline().end()) {
    return WithReason(absl::UnavailableError(absl::StrCat(tp.DirectoryName(), " is offline: ", it->second.message())),
                      ErrorReason::kStorageError);
  }
  return UnknownPartition(tp);
}

}  // namespace

void AppendOnOwner(ShardContext& owner, const TopicPartition& tp, Buffer records,
                   absl::AnyInvocable<void(AppendOutcome) &&> done) {
  auto log = FindLog(owner, tp);
  if (!log.ok()) {
    std::move(done)(AppendOutcome{log.status()});
    return;
  }
  // The durability callback never runs inside Append, so the base offset is
  // filled in below before the callback reads it.
  auto base_offset = std::make_shared<int64_t>(-1);
  auto duplicate = std::make_shared<bool>(false);
  auto shared_done = std::make_shared<absl::AnyInvocable<void(AppendOutcome) &&>>(std::move(done));
  // Single node: leader epoch 0 until the controller assigns epochs.
  auto info = (*log)->Append(std::move(records), LeaderEpoch(0),
                             [&owner, tp, base_offset, duplicate, shared_done](absl::Status status) {
                               AppendOutcome outcome{std::move(status), *base_offset};
                               outcome.duplicate = *duplicate;
                               if (storage::PartitionLog* current = owner.logs().Find(tp)) {
                                 outcome.log_start_offset = current->log_start_offset().value();
                               }
                               if (outcome.status.ok()) owner.fetch_waiters().Notify(tp);
                               std::move(*shared_done)(std::move(outcome));
                             });
  if (!info.ok()) {
    std::move(*shared_done)(AppendOutcome{info.status()});
    return;
  }
  *base_offset = info->first_offset.value();
  *duplicate = info->duplicate;
  if (info->already_durable) {
    // A producer's retry of a batch that is already durable: answer with the
    // original offsets (the log calls no callback for it).
    std::move(*shared_done)(
        AppendOutcome{absl::OkStatus(), *base_offset, (*log)->log_start_offset().value(), /*duplicate=*/true});
  }
}

ReadOutcome ReadOnOwner(ShardContext& owner, const TopicPartition& tp, int64_t offset, size_t max_bytes,
                        bool min_one_batch) {
  ReadOutcome outcome;
  auto log = FindLog(owner, tp);
  if (!log.ok()) {
    outcome.status = log.status();
    return outcome;
  }
  storage::PartitionLog& partition = **log;
  outcome.high_watermark = partition.durable_offset().value();
  outcome.log_start_offset = partition.log_start_offset().value();
  // Consumers may read up to the high watermark, which on a single node is the
  // durable offset: nothing unacknowledged is ever visible.
  if (offset > outcome.high_watermark) {
    outcome.status = WithReason(absl::OutOfRangeError(absl::StrCat("offset ", offset, " is past the high watermark ",
                                                                   outcome.high_watermark, " of ",
                                                                   tp.DirectoryName())),
                                ErrorReason::kOffsetOutOfRange);
    return outcome;
  }
  auto read = partition.ReadRange(Offset(offset), max_bytes, partition.durable_offset(), min_one_batch);
  if (!read.ok()) {
    outcome.status = read.status();
    return outcome;
  }
  if (read->length == 0) return outcome;
  io::File& file = *read->segment->file();
  // Duplicated here, on the owner, while the segment is surely open: from now
  // on the range needs nothing of this shard's state.
  auto send_file = io::SendFile::Duplicate(file);
  if (send_file.ok()) {
    outcome.file_range = {*std::move(send_file), read->position, read->length};
    return outcome;
  }
  // No descriptor to send from: copy the batches instead.
  outcome.records.resize(static_cast<size_t>(read->length));
  auto got = file.Read(read->position, outcome.records);
  if (!got.ok() || *got != read->length) {
    outcome.records.clear();
    outcome.status = got.ok() ? absl::DataLossError(absl::StrCat(file.path(), ": short read of ", read->length,
                                                                 " bytes at position ", read->position))
                              : got.status();
  }
  return outcome;
}

OffsetOutcome LookupOffsetOnOwner(ShardContext& owner, const TopicPartition& tp, int64_t timestamp) {
  OffsetOutcome outcome;
  auto log = FindLog(owner, tp);
  if (!log.ok()) {
    outcome.status = log.status();
    return outcome;
  }
  storage::PartitionLog& partition = **log;
  if (timestamp == -1) {
    outcome.offset = partition.durable_offset().value();
  } else if (timestamp == -2) {
    outcome.offset = partition.log_start_offset().value();
  } else {
    auto found = partition.LookupTimestamp(timestamp);
    if (!found.ok()) {
      outcome.status = found.status();
    } else if (found->has_value() && (*found)->offset < partition.durable_offset()) {
      outcome.offset = (*found)->offset.value();
      outcome.timestamp = (*found)->timestamp;
    }
  }
  return outcome;
}

}  // namespace cairn::broker
