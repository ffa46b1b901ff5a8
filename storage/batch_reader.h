// Walks the record batches of a segment file in order, reading in large
// chunks, checking each header and (optionally) its CRC32C. Used by recovery,
// truncation, reads and compaction. BatchHeaderScanner walks the headers
// alone, for reads that send the batches from the file (zero-copy Fetch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "common/record_batch.h"
#include "io/file.h"

namespace cairn::storage {

// No batch on disk may claim more than this; a larger length is corruption.
inline constexpr uint64_t kMaxBatchBytesOnDisk = 256ULL << 20;

class BatchReader {
 public:
  struct Batch {
    RecordBatchHeader header;
    uint64_t position;  // of the batch's first byte in the file
    ByteSpan bytes;     // the whole batch; valid until the next call to Next
  };

  // Reads batches in [start, end) of `file`.
  BatchReader(io::File& file, uint64_t start, uint64_t end, size_t chunk_bytes = 1 << 20);

  // The next batch, or nullopt at `end`. On a bad batch returns DataLoss and
  // sets error_position() and error_runs_past_end() (the batch's declared
  // length reaches past `end`, as after a torn write).
  absl::StatusOr<std::optional<Batch>> Next(bool verify_crc);

  uint64_t position() const { return next_position_; }
  uint64_t error_position() const { return error_position_; }
  bool error_runs_past_end() const { return error_runs_past_end_; }

 private:
  // Makes [position, position + length) available in buffer_.
  absl::Status Fill(uint64_t position, uint64_t length);
  absl::Status Fail(uint64_t position, bool runs_past_end, absl::string_view why);

  io::File& file_;
  uint64_t next_position_;
  uint64_t end_;
  size_t chunk_bytes_;
  Buffer buffer_;
  uint64_t buffer_start_ = 0;
  uint64_t error_position_ = 0;
  bool error_runs_past_end_ = false;
};

// Walks batch headers in [start, end) without reading the batches' bodies
// where it can help it: while batches are small it reads ahead in small
// chunks (one read covers many headers); after a large batch it reads just
// the next header, so the bodies it skips are never copied.
class BatchHeaderScanner {
 public:
  struct Entry {
    RecordBatchHeader header;
    uint64_t position;  // of the batch's first byte in the file
  };

  BatchHeaderScanner(io::File& file, uint64_t start, uint64_t end);

  // The next batch's header, or nullopt at `end`. DataLoss (naming file and
  // position) for a header that does not parse or a batch that claims an
  // implausible length or runs past `end`.
  absl::StatusOr<std::optional<Entry>> Next();
  // Continues at `position`, which must be a batch boundary in [start, end].
  void Seek(uint64_t position);
  uint64_t position() const { return next_position_; }

  // Read-ahead while batches are small; a batch above kLargeBatchBytes makes
  // the next read cover only a header.
  static constexpr size_t kReadAheadBytes = 16 << 10;
  static constexpr uint64_t kLargeBatchBytes = 4 << 10;

 private:
  io::File& file_;
  uint64_t next_position_;
  uint64_t end_;
  Buffer buffer_;
  uint64_t buffer_start_ = 0;
  uint64_t last_batch_bytes_ = 0;
};

}  // namespace cairn::storage
