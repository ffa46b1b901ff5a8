#include "client/fetch_records.h"

#include "absl/strings/str_cat.h"
#include "common/record_batch.h"

namespace cairn::client {

size_t RecordFootprint(const ConsumerRecord& record) {
  // A fixed charge for the struct and allocations on top of the payload, so
  // that many empty records still count.
  size_t bytes = sizeof(ConsumerRecord) + record.topic.size();
  if (record.key) bytes += record.key->size();
  if (record.value) bytes += record.value->size();
  for (const RecordHeader& h : record.headers) {
    bytes += sizeof(RecordHeader) + h.key.size() + (h.value ? h.value->size() : 0);
  }
  return bytes;
}

absl::StatusOr<FetchedRecords> DecodeFetchedRecords(const std::string& topic, int32_t partition, ByteSpan bytes,
                                                    int64_t fetch_offset, size_t max_decompressed_bytes) {
  FetchedRecords out;
  out.next_offset = fetch_offset;
  size_t pos = 0;
  while (bytes.size() - pos >= kBatchHeaderBytes) {
    absl::StatusOr<RecordBatchHeader> header = ParseRecordBatchHeader(bytes.subspan(pos));
    if (!header.ok()) return absl::DataLossError(absl::StrCat(topic, "-", partition, ": ", header.status().message()));
    if (header->size_bytes() > bytes.size() - pos) break;  // truncated last batch: fetched again next time
    ByteSpan batch = bytes.subspan(pos, header->size_bytes());
    pos += header->size_bytes();
    if (header->next_offset() <= fetch_offset) continue;  // wholly before what we asked for
    if (header->is_control()) {  // transaction markers are not records
      if (absl::Status valid = ValidateRecordBatch(batch).status(); !valid.ok()) {
        return absl::DataLossError(absl::StrCat(topic, "-", partition, " at offset ", header->base_offset, ": ",
                                                valid.message()));
      }
      out.next_offset = header->next_offset();
      continue;
    }
    // DecodeRecords checks the CRC itself (once: it is most of the cost).
    absl::StatusOr<std::vector<Record>> records = DecodeRecords(batch, max_decompressed_bytes);
    if (!records.ok()) {
      return absl::DataLossError(absl::StrCat(topic, "-", partition, " at offset ", header->base_offset, ": ",
                                              records.status().message()));
    }
    out.next_offset = header->next_offset();
    out.records.reserve(out.records.size() + records->size());
    for (Record& r : *records) {
      const int64_t offset = header->base_offset + r.offset_delta;
      if (offset < fetch_offset) continue;
      ConsumerRecord record;
      record.topic = topic;
      record.partition = partition;
      record.offset = offset;
      record.timestamp_ms = header->log_append_time() ? header->max_timestamp
                                                      : header->base_timestamp + r.timestamp_delta;
      record.key = std::move(r.key);
      record.value = std::move(r.value);
      record.headers = std::move(r.headers);
      out.bytes += RecordFootprint(record);
      out.records.push_back(std::move(record));
    }
  }
  return out;
}

}  // namespace cairn::client
