// Writes the fuzz seed corpora: every message type at every version (header +
// body, from the generated round-trip fillers) into <dir>/request; the same
// bodies behind a big-endian int16 version into <dir>/body_<api key> for the
// per-API body fuzzers; request headers into <dir>/header; record batches
// in every codec into <dir>/record_batch; and consumer protocol subscriptions
// and assignments of every version into <dir>/consumer_protocol.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "common/record_batch.h"
#include "proto/kafka/consumer_protocol.h"
#include "proto/kafka/generated/test_fill.h"
#include "proto/kafka/header.h"

namespace {

void WriteFile(const std::filesystem::path& path, const cairn::Buffer& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cairn::kafka;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir / "request");
  std::filesystem::create_directories(dir / "record_batch");
  std::filesystem::create_directories(dir / "header");
  int count = 0;
  testing::ForEachMessageType([&]<typename M>() {
    for (int16_t version = M::kMinVersion; version <= M::kMaxVersion; ++version) {
      for (uint64_t seed = 0; seed < 2; ++seed) {
        M message;
        testing::Filler filler(seed * 31 + static_cast<uint64_t>(version));
        testing::Fill(message, version, filler);
        RequestHeader header{.api_key = static_cast<int16_t>(M::kApiKey),
                             .api_version = version,
                             .correlation_id = 1,
                             .client_id = "seed"};
        const std::string name = std::string(M::kName) + "-v" + std::to_string(version) + "-" + std::to_string(seed);
        cairn::Buffer bytes;
        Writer w(bytes);
        EncodeRequestHeader(header, w);
        const size_t header_bytes = bytes.size();
        message.Encode(w, version);
        WriteFile(dir / "request" / name, bytes);
        WriteFile(dir / "header" / name, cairn::Buffer(bytes.begin(), bytes.begin() + header_bytes));
        // The body fuzzers map the leading int16 into the API's version range.
        cairn::Buffer body;
        cairn::AppendBigEndian<uint16_t>(body, static_cast<uint16_t>(version - M::kMinVersion));
        body.insert(body.end(), bytes.begin() + header_bytes, bytes.end());
        const std::filesystem::path body_dir = dir / ("body_" + std::to_string(static_cast<int>(M::kApiKey)));
        std::filesystem::create_directories(body_dir);
        WriteFile(body_dir / name, body);
        count += 3;
      }
    }
  });
  const std::pair<std::optional<std::string>, std::optional<std::string>> kv[] = {
      {"key", "value"}, {std::nullopt, "tombstone-less"}, {"k", std::nullopt}};
  for (auto codec : {cairn::Compression::kNone, cairn::Compression::kGzip, cairn::Compression::kSnappy,
                     cairn::Compression::kLz4, cairn::Compression::kZstd}) {
    WriteFile(dir / "record_batch" / (std::string("batch-") + cairn::CompressionName(codec)),
              cairn::MakeRecordBatch(kv, codec, 1700000000000));
    ++count;
  }
  std::filesystem::create_directories(dir / "consumer_protocol");
  ConsumerProtocolSubscription subscription{.topics = {"orders", "payments"},
                                            .user_data = cairn::Buffer{0, 0, 0, 3},
                                            .owned_partitions = {{"orders", {0, 2}}},
                                            .generation_id = 3,
                                            .rack_id = "rack-a"};
  ConsumerProtocolAssignment assignment{.assigned_partitions = {{"orders", {1}}, {"payments", {0, 1}}},
                                        .user_data = std::nullopt};
  for (int16_t version = 0; version <= kConsumerProtocolMaxVersion; ++version) {
    const std::string v = std::to_string(version);
    WriteFile(dir / "consumer_protocol" / ("subscription-v" + v), EncodeConsumerSubscription(subscription, version));
    WriteFile(dir / "consumer_protocol" / ("assignment-v" + v), EncodeConsumerAssignment(assignment, version));
    count += 2;
  }
  std::printf("wrote %d seeds under %s\n", count, dir.c_str());
  return 0;
}
