// Per-partition log settings, named after Kafka's topic configs
// (segment.bytes, retention.ms, cleanup.policy, ...).
#pragma once

#include <cstdint>
#include <limits>

#include "common/server_config.h"

namespace cairn::storage {

struct LogConfig {
  // segment.bytes: roll when the active segment would grow past this.
  int64_t segment_bytes = 1LL << 30;
  // segment.ms: roll when the active segment's first batch is this old.
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;
  // index.interval.bytes: bytes of log between two offset-index entries.
  int64_t index_interval_bytes = 4096;
  // retention.ms / retention.bytes; -1 keeps forever.
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t retention_bytes = -1;
  // cleanup.policy: delete and/or compact.
  bool cleanup_delete = true;
  bool cleanup_compact = false;
  // delete.retention.ms: how long compaction keeps tombstones.
  int64_t delete_retention_ms = 24LL * 3600 * 1000;
  // min.cleanable.dirty.ratio.
  double min_cleanable_dirty_ratio = 0.5;
  // max.message.bytes: the largest batch accepted.
  int64_t max_batch_bytes = 1048588;
  // log.preallocate: zero the active segment ahead of small durable writes
  // (storage/segment_preallocator.h). Off unless the broker turns it on.
  bool preallocate = false;
  // Cap on a batch's decompressed records (compaction, timestamp lookup).
  int64_t max_decompressed_bytes = 64LL << 20;
};

// The broker-wide defaults (log.segment.bytes, log.retention.ms, ...) as the
// config of a partition with no topic overrides.
LogConfig LogConfigFromServer(const ServerConfig& server);

}  // namespace cairn::storage
