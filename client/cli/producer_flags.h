// The producer settings `cairn produce` and `cairn bench` share (--acks,
// --compression, --linger, --batch-size), parsed into a ProducerConfig.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "client/cli/args.h"
#include "client/cli/command.h"
#include "client/config.h"

namespace cairn::cli {

std::vector<FlagSpec> ProducerFlags();

// The context's brokers and timeout, then the flags. Idempotence stays on
// only with acks=all (the client refuses it otherwise); the delivery timeout
// is --timeout plus linger so a stuck record fails within the CLI's limit.
absl::StatusOr<client::ProducerConfig> ProducerConfigFor(const Context& context);

}  // namespace cairn::cli
