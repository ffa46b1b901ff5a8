// Small text checkpoints kept beside the segments, in Kafka's checkpoint
// format: a version line ("0"), an entry-count line, then one line per entry
// of space-separated integers. Written atomically (temp file, fsync, rename,
// directory fsync), so a crash leaves the old or the new file, never a mix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "io/file.h"

namespace cairn::storage {

using CheckpointEntry = std::vector<int64_t>;

absl::Status WriteCheckpoint(io::FileSystem& fs, const std::string& path, const std::vector<CheckpointEntry>& entries);

// NotFound when the file is absent; DataLoss (naming the file and line) when
// it is malformed or an entry does not have `fields_per_entry` integers.
absl::StatusOr<std::vector<CheckpointEntry>> ReadCheckpoint(io::FileSystem& fs, const std::string& path,
                                                            size_t fields_per_entry);

// A checkpoint holding one offset; `fallback` when the file is absent.
absl::StatusOr<int64_t> ReadOffsetCheckpoint(io::FileSystem& fs, const std::string& path, int64_t fallback);
absl::Status WriteOffsetCheckpoint(io::FileSystem& fs, const std::string& path, int64_t offset);

}  // namespace cairn::storage
