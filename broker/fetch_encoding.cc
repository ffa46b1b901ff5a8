// The records of a Fetch response are spliced in without knowing the
// response's layout: the message is encoded twice, with the spliced
// partitions' records once null and once empty. The two encodings have the
// same length and differ only in those records' length prefixes (int32 -1
// against 0, or in flexible versions the compact length 0 against 1), which
// marks where each prefix sits; the real length goes there and the records
// follow as their own piece. Only the small fields are encoded (twice).
#include "broker/fetch_encoding.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>
#include <variant>

#include "common/check.h"
#include "proto/kafka/codec.h"
#include "proto/kafka/writer.h"

namespace cairn::broker {
namespace {

using Piece = io::Connection::Piece;

uint64_t PieceBytes(const Piece& piece) {
  if (const Buffer* bytes = std::get_if<Buffer>(&piece)) return bytes->size();
  return std::get<io::Connection::FileRange>(piece).length;
}

std::optional<Buffer>& RecordsOf(kafka::FetchResponse& response, const FetchRecordsPiece& piece) {
  CAIRN_CHECK(piece.topic < response.responses.size()) << "topic index " << piece.topic;
  auto& partitions = response.responses[piece.topic].partitions;
  CAIRN_CHECK(piece.partition < partitions.size()) << "partition index " << piece.partition;
  return partitions[piece.partition].records;
}

}  // namespace

std::vector<Piece> EncodeFetchResponse(kafka::FetchResponse response, int16_t version,
                                       std::vector<FetchRecordsPiece> records) {
  // Prefixes appear in encoding order: topics, then their partitions. (An
  // index is sorted rather than the pieces themselves.)
  std::vector<size_t> order(records.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  auto key = [&](size_t k) { return std::pair(records[k].topic, records[k].partition); };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  for (size_t k = 1; k < order.size(); ++k) {
    CAIRN_CHECK(key(order[k - 1]) != key(order[k]))
        << "two record pieces for partition " << records[order[k]].partition << " of topic " << records[order[k]].topic;
  }
  for (const FetchRecordsPiece& piece : records) RecordsOf(response, piece).reset();
  const Buffer as_null = kafka::EncodeToBuffer(response, version);
  for (const FetchRecordsPiece& piece : records) RecordsOf(response, piece).emplace();
  const Buffer as_empty = kafka::EncodeToBuffer(response, version);
  CAIRN_CHECK(as_null.size() == as_empty.size()) << as_null.size() << " != " << as_empty.size();

  const bool compact = version >= kafka::FetchResponse::kFirstFlexibleVersion;
  const size_t prefix_bytes = compact ? 1 : 4;
  const Buffer empty_prefix = compact ? Buffer{1} : Buffer{0, 0, 0, 0};
  const Buffer null_prefix = compact ? Buffer{0} : Buffer{0xff, 0xff, 0xff, 0xff};
  std::vector<Piece> pieces;
  pieces.reserve(2 * records.size() + 1);
  Buffer fields;  // encoded bytes since the last records piece
  size_t copied = 0;
  size_t next = 0;
  for (size_t i = 0; i < as_empty.size(); ++i) {
    if (as_empty[i] == as_null[i]) continue;
    CAIRN_CHECK(next < records.size()) << "the encodings differ at byte " << i << " beyond every records field";
    CAIRN_CHECK(i + prefix_bytes <= as_empty.size()) << i;
    CAIRN_CHECK(std::equal(empty_prefix.begin(), empty_prefix.end(), as_empty.begin() + static_cast<ptrdiff_t>(i)) &&
                std::equal(null_prefix.begin(), null_prefix.end(), as_null.begin() + static_cast<ptrdiff_t>(i)))
        << "byte " << i << " of a Fetch v" << version << " response is not a records length prefix";
    fields.insert(fields.end(), as_empty.begin() + static_cast<ptrdiff_t>(copied),
                  as_empty.begin() + static_cast<ptrdiff_t>(i));
    Piece& piece = records[order[next]].records;
    const uint64_t size = PieceBytes(piece);
    CAIRN_CHECK(size < static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) << "records of " << size;
    kafka::Writer writer(fields);
    if (compact) {
      writer.WriteUnsignedVarint(static_cast<uint32_t>(size + 1));
    } else {
      writer.WriteInt32(static_cast<int32_t>(size));
    }
    pieces.emplace_back(std::exchange(fields, Buffer()));
    if (size > 0) pieces.push_back(std::move(piece));
    ++next;
    i += prefix_bytes - 1;
    copied = i + 1;
  }
  CAIRN_CHECK(next == records.size()) << "found " << next << " of " << records.size() << " records fields";
  fields.insert(fields.end(), as_empty.begin() + static_cast<ptrdiff_t>(copied), as_empty.end());
  pieces.emplace_back(std::move(fields));
  return pieces;
}

}  // namespace cairn::broker
