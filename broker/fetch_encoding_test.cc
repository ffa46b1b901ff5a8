// EncodeFetchResponse: for every Fetch version, the pieces concatenate to
// exactly the bytes the generated encoder gives with the records inline, and
// stored records stay file ranges (never read into memory).
#include "broker/fetch_encoding.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <variant>

#include "io/posix_file_system.h"
#include "io/testing/temp_dir.h"
#include "proto/kafka/codec.h"

namespace cairn::broker {
namespace {

using Piece = io::Connection::Piece;
using FileRange = io::Connection::FileRange;

Buffer Pattern(size_t size, uint8_t seed) {
  Buffer out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
  return out;
}

// A real file holding `contents`, shared as a SendFile.
struct StoredFile {
  explicit StoredFile(const Buffer& contents) {
    io::PosixFileSystem fs(nullptr);
    const std::string path = dir.path + "/segment.log";
    auto file = fs.Open(path, io::OpenMode::kCreateNew);
    REQUIRE(file.ok());
    REQUIRE((*file)->Write(0, contents).ok());
    auto duplicate = io::SendFile::Duplicate(**file);
    REQUIRE(duplicate.ok());
    send_file = *std::move(duplicate);
  }
  io::testing::TempDir dir;
  std::shared_ptr<const io::SendFile> send_file;
};

Buffer Flatten(const std::vector<Piece>& pieces) {
  Buffer out;
  for (const Piece& piece : pieces) {
    if (const Buffer* bytes = std::get_if<Buffer>(&piece)) {
      out.insert(out.end(), bytes->begin(), bytes->end());
      continue;
    }
    const FileRange& range = std::get<FileRange>(piece);
    Buffer bytes(range.length);
    REQUIRE(pread(range.file->fd(), bytes.data(), bytes.size(), static_cast<off_t>(range.offset)) ==
            static_cast<ssize_t>(range.length));
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

kafka::FetchResponse::PartitionData Partition(int32_t index, std::optional<Buffer> records) {
  kafka::FetchResponse::PartitionData data;
  data.partition_index = index;
  data.high_watermark = 1000 + index;
  data.last_stable_offset = 1000 + index;
  data.log_start_offset = index;
  data.aborted_transactions.emplace();
  data.records = std::move(records);
  return data;
}

TEST_CASE("EncodeFetchResponse: pieces equal the inline encoding in every version 4-12, with file ranges kept") {
  const Buffer file_contents = Pattern(64 << 10, 1);
  StoredFile stored(file_contents);
  // Sizes whose compact lengths take 1, 2 and 3 bytes.
  const FileRange small_range{stored.send_file, 100, 50};
  const FileRange large_range{stored.send_file, 1000, 20000};
  const Buffer memory_records = Pattern(300, 9);

  for (int16_t version = kafka::FetchResponse::kMinVersion; version <= kafka::FetchResponse::kMaxVersion; ++version) {
    CAPTURE(version);
    kafka::FetchResponse inline_response;
    inline_response.throttle_time_ms = 17;
    inline_response.session_id = 5;
    inline_response.responses.resize(2);
    auto& alpha = inline_response.responses[0];
    alpha.topic = "alpha";
    alpha.partitions.push_back(Partition(0, Buffer(file_contents.begin() + 100, file_contents.begin() + 150)));
    auto failed = Partition(1, std::nullopt);
    failed.error_code = 3;
    alpha.partitions.push_back(failed);
    alpha.partitions.push_back(Partition(2, memory_records));
    alpha.partitions.push_back(Partition(3, Buffer()));
    alpha.partitions.push_back(Partition(4, Buffer(file_contents.begin() + 1000, file_contents.begin() + 21000)));
    auto& beta = inline_response.responses[1];
    beta.topic = "beta";
    beta.partitions.push_back(Partition(7, Buffer{1, 2, 3}));
    beta.partitions.back().aborted_transactions.reset();
    if (version >= 11) beta.partitions.back().preferred_read_replica = 2;
    if (version >= 12) {
      // Tagged fields after the records, in partitions and in the message.
      alpha.partitions[0].diverging_epoch.epoch = 4;
      alpha.partitions[0].diverging_epoch.end_offset = 99;
      alpha.partitions[4].current_leader.leader_id = 1;
      beta.partitions.back().snapshot_id.end_offset = 12;
      inline_response.unknown_tagged_fields.push_back({9, Buffer{0xaa}});
      alpha.unknown_tagged_fields.push_back({3, Buffer{0xbb, 0xcc}});
    }
    const Buffer expected = kafka::EncodeToBuffer(inline_response, version);

    kafka::FetchResponse spliced_response = inline_response;
    // Listed out of order, with stale records left in the spliced partitions.
    std::vector<FetchRecordsPiece> records;
    records.push_back({1, 0, Buffer{1, 2, 3}});
    records.push_back({0, 4, large_range});
    records.push_back({0, 0, small_range});
    records.push_back({0, 2, memory_records});
    spliced_response.responses[0].partitions[4].records = Buffer{9, 9};
    const std::vector<Piece> pieces = EncodeFetchResponse(spliced_response, version, std::move(records));
    const Buffer flat = Flatten(pieces);
    REQUIRE(flat.size() == expected.size());
    CHECK(flat == expected);
    kafka::FetchResponse decoded;
    REQUIRE(kafka::DecodeExact(flat, version, &decoded).ok());
    CHECK(decoded.responses[0].partitions[4].records == inline_response.responses[0].partitions[4].records);
    CHECK(kafka::EncodeToBuffer(decoded, version) == expected);
    // The stored records are still ranges of the file, in order.
    std::vector<uint64_t> range_offsets;
    size_t owned_bytes = 0;
    for (const Piece& piece : pieces) {
      if (const auto* range = std::get_if<FileRange>(&piece)) range_offsets.push_back(range->offset);
      if (const auto* bytes = std::get_if<Buffer>(&piece)) owned_bytes += bytes->size();
    }
    CHECK(range_offsets == std::vector<uint64_t>{100, 1000});
    CHECK(owned_bytes == expected.size() - 20050);
  }
}

TEST_CASE("EncodeFetchResponse: without record pieces it is the plain encoding in one piece") {
  for (int16_t version : {int16_t{4}, int16_t{12}}) {
    kafka::FetchResponse response;
    auto& topic = response.responses.emplace_back();
    topic.topic = "t";
    topic.partitions.push_back(Partition(0, Buffer{4, 5}));
    topic.partitions.push_back(Partition(1, std::nullopt));
    const std::vector<Piece> pieces = EncodeFetchResponse(response, version, {});
    REQUIRE(pieces.size() == 1);
    CHECK(std::get<Buffer>(pieces[0]) == kafka::EncodeToBuffer(response, version));
  }
}

}  // namespace
}  // namespace cairn::broker
