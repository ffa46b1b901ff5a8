#include "storage/batch_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status_macros.h"

namespace cairn::storage {

BatchReader::BatchReader(io::File& file, uint64_t start, uint64_t end, size_t chunk_bytes)
    : file_(file), next_position_(start), end_(end), chunk_bytes_(chunk_bytes) {}

absl::Status BatchReader::Fill(uint64_t position, uint64_t length) {
  if (position >= buffer_start_ && position + length <= buffer_start_ + buffer_.size()) return absl::OkStatus();
  uint64_t want = std::min<uint64_t>(std::max<uint64_t>(length, chunk_bytes_), end_ - position);
  buffer_.resize(want);
  buffer_start_ = position;
  ASSIGN_OR_RETURN(size_t got, file_.Read(position, buffer_));
  buffer_.resize(got);
  if (got < length) {
    return absl::DataLossError(absl::StrCat(file_.path(), ": short read at position ", position));
  }
  return absl::OkStatus();
}

absl::Status BatchReader::Fail(uint64_t position, bool runs_past_end, absl::string_view why) {
  error_position_ = position;
  error_runs_past_end_ = runs_past_end;
  return absl::DataLossError(absl::StrCat(file_.path(), " position ", position, ": ", why));
}

absl::StatusOr<std::optional<BatchReader::Batch>> BatchReader::Next(bool verify_crc) {
  const uint64_t pos = next_position_;
  if (pos >= end_) return std::nullopt;
  if (end_ - pos < kBatchHeaderBytes) return Fail(pos, true, "partial batch header");
  RETURN_IF_ERROR(Fill(pos, kBatchHeaderBytes));
  ByteSpan header_bytes(&buffer_[pos - buffer_start_], kBatchHeaderBytes);
  auto header = ParseRecordBatchHeader(header_bytes);
  if (!header.ok()) return Fail(pos, false, header.status().message());
  const uint64_t size = header->size_bytes();
  if (size > kMaxBatchBytesOnDisk) return Fail(pos, false, absl::StrCat("batch length ", size, " is implausible"));
  if (size > end_ - pos) return Fail(pos, true, absl::StrCat("batch of ", size, " bytes runs past the end"));
  RETURN_IF_ERROR(Fill(pos, size));
  ByteSpan bytes(&buffer_[pos - buffer_start_], size);
  if (verify_crc) {
    auto valid = ValidateRecordBatch(bytes);
    if (!valid.ok()) return Fail(pos, false, valid.status().message());
  }
  next_position_ = pos + size;
  return Batch{*header, pos, bytes};
}

BatchHeaderScanner::BatchHeaderScanner(io::File& file, uint64_t start, uint64_t end)
    : file_(file), next_position_(start), end_(end) {
  CAIRN_CHECK(start <= end) << file.path() << ": " << start << " > " << end;
}

void BatchHeaderScanner::Seek(uint64_t position) {
  CAIRN_CHECK(position <= end_) << file_.path() << ": seek to " << position << " past " << end_;
  next_position_ = position;
}

absl::StatusOr<std::optional<BatchHeaderScanner::Entry>> BatchHeaderScanner::Next() {
  const uint64_t pos = next_position_;
  if (pos >= end_) return std::nullopt;
  auto fail = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(file_.path(), " position ", pos, ": ", why));
  };
  if (end_ - pos < kBatchHeaderBytes) return fail("partial batch header");
  if (pos < buffer_start_ || pos + kBatchHeaderBytes > buffer_start_ + buffer_.size()) {
    const uint64_t want = last_batch_bytes_ > kLargeBatchBytes ? kBatchHeaderBytes : kReadAheadBytes;
    buffer_.resize(static_cast<size_t>(std::min<uint64_t>(want, end_ - pos)));
    buffer_start_ = pos;
    ASSIGN_OR_RETURN(size_t got, file_.Read(pos, buffer_));
    buffer_.resize(got);
    if (got < kBatchHeaderBytes) return fail("short read of a batch header");
  }
  auto header = ParseRecordBatchHeader(ByteSpan(buffer_).subspan(static_cast<size_t>(pos - buffer_start_)));
  if (!header.ok()) return fail(header.status().message());
  const uint64_t size = header->size_bytes();
  if (size > kMaxBatchBytesOnDisk) return fail(absl::StrCat("batch length ", size, " is implausible"));
  if (size > end_ - pos) return fail(absl::StrCat("batch of ", size, " bytes runs past the end"));
  next_position_ = pos + size;
  last_batch_bytes_ = size;
  return Entry{*header, pos};
}

}  // namespace cairn::storage
