#include "client/cli/connect.h"

#include "absl/strings/str_cat.h"
#include "client/config_properties.h"

namespace cairn::cli {

absl::StatusOr<std::unique_ptr<client::Admin>> OpenAdmin(const Context& context) {
  return client::Admin::Create(context.ClientConfig());
}

client::ConsumerConfig ConsumerConfigFor(const Context& context) {
  client::ConsumerConfig config;
  config.bootstrap_servers = context.brokers;
  config.client_id = "cairn-cli";
  config.request_timeout_ms = context.timeout_ms;
  ApplySettings(context, config);
  return config;
}

namespace {

template <typename Config>
void ApplyOwnSettings(const Context& context, Config& config) {
  for (const auto& [key, value] : context.settings) {
    // NotFound: another client's key. Nothing else can fail: CheckSettings
    // ran before the verb.
    (void)client::SetProperty(config, key, value);
  }
}

}  // namespace

// context.brokers is --brokers when given, else -X bootstrap.servers, and
// has been checked: it wins over the -X key, as every verb flag does.
void ApplySettings(const Context& context, client::ClientConfig& config) {
  ApplyOwnSettings(context, config);
  config.bootstrap_servers = context.brokers;
}
void ApplySettings(const Context& context, client::ProducerConfig& config) {
  ApplyOwnSettings(context, config);
  config.client.bootstrap_servers = context.brokers;
}
void ApplySettings(const Context& context, client::ConsumerConfig& config) {
  ApplyOwnSettings(context, config);
  config.bootstrap_servers = context.brokers;
}

absl::Status CheckSettings(const std::vector<std::pair<std::string, std::string>>& settings) {
  for (const auto& [key, value] : settings) {
    client::ProducerConfig producer;  // its keys include the admin client's
    client::ConsumerConfig consumer;
    const absl::Status as_producer = client::SetProperty(producer, key, value);
    const absl::Status as_consumer = client::SetProperty(consumer, key, value);
    if (absl::IsNotFound(as_producer) && absl::IsNotFound(as_consumer)) {
      return absl::InvalidArgumentError(absl::StrCat("-X: unknown setting '", key, "'"));
    }
    for (const absl::Status& s : {as_producer, as_consumer}) {
      if (absl::IsInvalidArgument(s)) return absl::InvalidArgumentError(absl::StrCat("-X: ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(absl::string_view flag, absl::string_view text) {
  const size_t eq = text.find('=');
  if (eq == absl::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " wants key=value, got '", text, "'"));
  }
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

}  // namespace cairn::cli
