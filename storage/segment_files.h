// Names of the files in a partition directory (docs/format/segment.md):
// <base offset, 20 digits>.log/.index/.timeindex, plus the suffixes used
// while a compacted segment is swapped in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::storage {

inline constexpr std::string_view kLogSuffix = ".log";
inline constexpr std::string_view kIndexSuffix = ".index";
inline constexpr std::string_view kTimeIndexSuffix = ".timeindex";
// A compacted segment being written; deleted on recovery.
inline constexpr std::string_view kCleanedSuffix = ".log.cleaned";
// A compacted segment ready to replace the original; completed on recovery.
inline constexpr std::string_view kSwapSuffix = ".log.swap";
inline constexpr std::string_view kRecoveryPointFile = "recovery-point-checkpoint";
inline constexpr std::string_view kLogStartOffsetFile = "log-start-offset-checkpoint";
inline constexpr std::string_view kLeaderEpochFile = "leader-epoch-checkpoint";
// Producer state at a clean close: "<20-digit log end offset>.snapshot".
inline constexpr std::string_view kProducerSnapshotSuffix = ".snapshot";

// "00000000000000001234"
std::string SegmentStem(int64_t base_offset);
std::string SegmentPath(const std::string& dir, int64_t base_offset, std::string_view suffix);
// Parses "<20 digits><suffix>"; nullopt for any other name.
std::optional<int64_t> ParseSegmentName(std::string_view name, std::string_view suffix);

}  // namespace cairn::storage
