// Turns the records bytes of one partition in a Fetch response into
// ConsumerRecords: batch by batch (CRC checked, any compression), skipping
// control batches and the records before the offset that was asked for (a
// broker answers from the start of the batch holding that offset).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/consumer.h"
#include "common/bytes.h"

namespace cairn::client {

struct FetchedRecords {
  std::vector<ConsumerRecord> records;
  // Where the next fetch starts once all of `records` are consumed: after
  // the last whole batch (which may end in skipped or control records).
  int64_t next_offset = 0;
  // Bytes the decoded records take in memory (FetchBuffer's accounting).
  size_t bytes = 0;
};

// `fetch_offset` is the offset the Fetch asked for. A truncated batch at the
// end (a broker may cut the last one at the size limit) is ignored; a batch
// that fails its CRC or does not decode is DataLoss. Decompressed records
// may take at most `max_decompressed_bytes` per batch.
absl::StatusOr<FetchedRecords> DecodeFetchedRecords(const std::string& topic, int32_t partition, ByteSpan bytes,
                                                    int64_t fetch_offset, size_t max_decompressed_bytes);

// The in-memory cost the buffer charges for one record.
size_t RecordFootprint(const ConsumerRecord& record);

}  // namespace cairn::client
