#include "client/cli/producer_flags.h"

#include "absl/strings/str_cat.h"

namespace cairn::cli {

std::vector<FlagSpec> ProducerFlags() {
  return {
      {"acks", 0, "all|1|0", "acknowledgement wanted from the broker (default all; -1 means all)"},
      {"compression", 0, "CODEC", "none, zstd, lz4, gzip or snappy (default none)"},
      {"linger", 0, "DURATION", "how long a batch waits for more records (default 5ms)"},
      {"batch-size", 0, "BYTES", "largest batch per partition (default 16KiB)"},
  };
}

absl::StatusOr<client::ProducerConfig> ProducerConfigFor(const Context& context) {
  client::ProducerConfig config;
  config.client = context.ClientConfig();
  const std::string acks = context.args.GetOr("acks", "all");
  if (acks == "all" || acks == "-1") {
    config.acks = client::Acks::kAll;
  } else if (acks == "1") {
    config.acks = client::Acks::kLeader;
  } else if (acks == "0") {
    config.acks = client::Acks::kNone;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("--acks must be all, 1 or 0, got '", acks, "'"));
  }
  config.enable_idempotence = config.acks == client::Acks::kAll;
  const std::string codec = context.args.GetOr("compression", "none");
  if (codec == "none") {
    config.compression = Compression::kNone;
  } else if (codec == "zstd") {
    config.compression = Compression::kZstd;
  } else if (codec == "lz4") {
    config.compression = Compression::kLz4;
  } else if (codec == "gzip") {
    config.compression = Compression::kGzip;
  } else if (codec == "snappy") {
    config.compression = Compression::kSnappy;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("--compression must be none, zstd, lz4, gzip or snappy, got '", codec, "'"));
  }
  if (auto linger = context.args.Get("linger")) {
    absl::StatusOr<int64_t> ms = ParseDurationMs("linger", *linger);
    if (!ms.ok()) return ms.status();
    config.linger_ms = *ms;
  }
  if (auto size = context.args.Get("batch-size")) {
    absl::StatusOr<int64_t> bytes = ParseBytes("batch-size", *size);
    if (!bytes.ok()) return bytes.status();
    if (*bytes <= 0) return absl::InvalidArgumentError("--batch-size must be positive");
    config.batch_size = static_cast<size_t>(*bytes);
  }
  config.delivery_timeout_ms = context.timeout_ms + config.linger_ms;
  return config;
}

}  // namespace cairn::cli
