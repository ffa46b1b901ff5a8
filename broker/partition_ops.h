// What a partition's owner shard does for the request handlers: append,
// read and look up offsets. Every function runs on the owner shard and
// answers with a plain struct that moves back to the requesting shard.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "broker/shard_context.h"
#include "common/bytes.h"
#include "common/topic_partition.h"
#include "io/connection.h"

namespace cairn::broker {

struct AppendOutcome {
  absl::Status status;
  int64_t base_offset = -1;
  int64_t log_start_offset = -1;
  // An idempotent producer's retry: the original offsets, nothing appended.
  bool duplicate = false;
};

// Appends one partition's records and answers once they are durable (or
// failed). Readers parked on the partition are woken then.
void AppendOnOwner(ShardContext& owner, const TopicPartition& tp, Buffer records,
                   absl::AnyInvocable<void(AppendOutcome) &&> done);

struct ReadOutcome {
  absl::Status status;
  int64_t high_watermark = -1;
  int64_t log_start_offset = -1;
  // Whole batches, in one of two forms (never both): a range of the segment
  // file to send from with sendfile (zero-copy), or copied bytes where the
  // file has no descriptor (the simulated disk) or none is left to duplicate.
  // The range owns its descriptor, so it may move to another shard and
  // outlive the segment (see io::SendFile).
  io::Connection::FileRange file_range;  // file == nullptr when unused
  Buffer records;

  size_t records_bytes() const { return file_range.file != nullptr ? file_range.length : records.size(); }
  void ClearRecords() {
    file_range = {};
    records.clear();
  }
};

// Reads up to `max_bytes` from `offset`, never past the high watermark.
// With `min_one_batch`, returns the first batch even if larger.
ReadOutcome ReadOnOwner(ShardContext& owner, const TopicPartition& tp, int64_t offset, size_t max_bytes,
                        bool min_one_batch);

struct OffsetOutcome {
  absl::Status status;
  int64_t offset = -1;
  int64_t timestamp = -1;
};

// ListOffsets: timestamp -1 (latest: the high watermark), -2 (earliest: the
// log start offset), or a time in ms (the first record at or after it).
OffsetOutcome LookupOffsetOnOwner(ShardContext& owner, const TopicPartition& tp, int64_t timestamp);

}  // namespace cairn::broker
