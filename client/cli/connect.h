// Client objects built from a verb's Context: every verb reaches the
// brokers through these, so --brokers and --timeout mean the same everywhere.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/admin.h"
#include "client/cli/command.h"
#include "client/consumer.h"
#include "client/producer.h"

namespace cairn::cli {

absl::StatusOr<std::unique_ptr<client::Admin>> OpenAdmin(const Context& context);

// A ConsumerConfig with the context's brokers and request timeout.
client::ConsumerConfig ConsumerConfigFor(const Context& context);

// "key=value" split at the first '='; InvalidArgument naming `flag` otherwise.
absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(absl::string_view flag, absl::string_view text);

}  // namespace cairn::cli
