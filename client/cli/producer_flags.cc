#include "client/cli/producer_flags.h"

#include <algorithm>
#include <climits>

#include "absl/strings/str_cat.h"
#include "client/cli/connect.h"
#include "client/config_properties.h"

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
  ApplySettings(context, config);  // -X first: the flags below win
  if (auto acks = context.args.Get("acks")) {
    if (*acks == "all" || *acks == "-1") {
      config.acks = client::Acks::kAll;
    } else if (*acks == "1") {
      config.acks = client::Acks::kLeader;
    } else if (*acks == "0") {
      config.acks = client::Acks::kNone;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--acks must be all, 1 or 0, got '", *acks, "'"));
    }
    config.enable_idempotence = config.acks == client::Acks::kAll;
  }
  if (auto codec = context.args.Get("compression")) {
    if (absl::Status set = client::SetProperty(config, "compression.type", *codec); !set.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--compression must be none, zstd, lz4, gzip or snappy, got '", *codec, "'"));
    }
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
    // batch.size's own range, as -X batch.size would have it.
    if (*bytes > INT32_MAX) return absl::InvalidArgumentError("--batch-size must be at most 2147483647 bytes");
    config.batch_size = static_cast<size_t>(*bytes);
  }
  // A record's whole life within the command's time limit, unless -X says.
  const bool delivery_timeout_set = std::any_of(context.settings.begin(), context.settings.end(),
                                                [](const auto& kv) { return kv.first == "delivery.timeout.ms"; });
  if (!delivery_timeout_set) config.delivery_timeout_ms = context.timeout_ms + config.linger_ms;
  return config;
}

}  // namespace cairn::cli
