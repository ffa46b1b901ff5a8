#include "storage/checkpoint_file.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace cairn::storage {
namespace {
constexpr int64_t kCheckpointVersion = 0;

absl::Status Malformed(const std::string& path, size_t line, absl::string_view why) {
  return absl::DataLossError(absl::StrCat("checkpoint ", path, " line ", line, ": ", why));
}
}  // namespace

absl::Status WriteCheckpoint(io::FileSystem& fs, const std::string& path, const std::vector<CheckpointEntry>& entries) {
  std::string text = absl::StrCat(kCheckpointVersion, "\n", entries.size(), "\n");
  for (const CheckpointEntry& entry : entries) absl::StrAppend(&text, absl::StrJoin(entry, " "), "\n");
  return fs.WriteFileAtomically(path, AsBytes(text));
}

absl::StatusOr<std::vector<CheckpointEntry>> ReadCheckpoint(io::FileSystem& fs, const std::string& path,
                                                            size_t fields_per_entry) {
  ASSIGN_OR_RETURN(Buffer contents, fs.ReadWholeFile(path));
  const std::string text(AsStringView(contents));
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.empty() || lines.back().empty()) {
    if (!lines.empty()) lines.pop_back();
  } else {
    return Malformed(path, lines.size(), "missing final newline (torn write?)");
  }
  int64_t version = -1, count = -1;
  if (lines.size() < 2 || !absl::SimpleAtoi(lines[0], &version) || version != kCheckpointVersion) {
    return Malformed(path, 1, "expected version 0");
  }
  if (!absl::SimpleAtoi(lines[1], &count) || count < 0 || static_cast<size_t>(count) != lines.size() - 2) {
    return Malformed(path, 2, "entry count does not match the lines that follow");
  }
  std::vector<CheckpointEntry> entries;
  for (size_t i = 2; i < lines.size(); ++i) {
    std::vector<absl::string_view> fields = absl::StrSplit(lines[i], ' ', absl::SkipEmpty());
    if (fields.size() != fields_per_entry) return Malformed(path, i + 1, "wrong number of fields");
    CheckpointEntry entry(fields.size());
    for (size_t f = 0; f < fields.size(); ++f) {
      if (!absl::SimpleAtoi(fields[f], &entry[f])) return Malformed(path, i + 1, "not an integer");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::StatusOr<int64_t> ReadOffsetCheckpoint(io::FileSystem& fs, const std::string& path, int64_t fallback) {
  ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) return fallback;
  ASSIGN_OR_RETURN(auto entries, ReadCheckpoint(fs, path, 1));
  if (entries.size() != 1) return Malformed(path, 2, "expected exactly one offset");
  return entries[0][0];
}

absl::Status WriteOffsetCheckpoint(io::FileSystem& fs, const std::string& path, int64_t offset) {
  return WriteCheckpoint(fs, path, {{offset}});
}

}  // namespace cairn::storage
