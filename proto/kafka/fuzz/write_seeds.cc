// Writes the fuzz seed corpora: every request type at every version (header +
// body, from the generated round-trip fillers, plus the matching response body
// behind a request header) into <dir>/request, and record batches in every
// codec into <dir>/record_batch.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "common/record_batch.h"
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
        cairn::Buffer bytes;
        Writer w(bytes);
        EncodeRequestHeader(header, w);
        message.Encode(w, version);
        WriteFile(dir / "request" /
                      (std::string(M::kName) + "-v" + std::to_string(version) + "-" + std::to_string(seed)),
                  bytes);
        ++count;
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
  std::printf("wrote %d seeds under %s\n", count, dir.c_str());
  return 0;
}
