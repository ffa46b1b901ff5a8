// Client objects built from a verb's Context: every verb reaches the
// brokers through these, so --brokers and --timeout mean the same everywhere.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/admin.h"
#include "client/cli/command.h"
#include "client/consumer.h"
#include "client/producer.h"

namespace cairn::cli {

absl::StatusOr<std::unique_ptr<client::Admin>> OpenAdmin(const Context& context);

// A ConsumerConfig with the context's brokers and request timeout, then
// the -X settings that are consumer settings.
client::ConsumerConfig ConsumerConfigFor(const Context& context);

// Applies the context's -X settings that are keys of `config`; the others
// are for another of the verb's clients. CheckSettings has vetted them.
void ApplySettings(const Context& context, client::ClientConfig& config);
void ApplySettings(const Context& context, client::ProducerConfig& config);
void ApplySettings(const Context& context, client::ConsumerConfig& config);

// Whether each KEY=VALUE is a setting of some client with a valid value: the
// first that is not, as a one-line error.
absl::Status CheckSettings(const std::vector<std::pair<std::string, std::string>>& settings);

// "key=value" split at the first '='; InvalidArgument naming `flag` otherwise.
absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(absl::string_view flag, absl::string_view text);

}  // namespace cairn::cli
