#include "client/cli/connect.h"

#include "absl/strings/str_cat.h"

namespace cairn::cli {

absl::StatusOr<std::unique_ptr<client::Admin>> OpenAdmin(const Context& context) {
  return client::Admin::Create(context.ClientConfig());
}

client::ConsumerConfig ConsumerConfigFor(const Context& context) {
  client::ConsumerConfig config;
  config.bootstrap_servers = context.brokers;
  config.client_id = "cairn-cli";
  config.request_timeout_ms = context.timeout_ms;
  return config;
}

absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(absl::string_view flag, absl::string_view text) {
  const size_t eq = text.find('=');
  if (eq == absl::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " wants key=value, got '", text, "'"));
  }
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

}  // namespace cairn::cli
