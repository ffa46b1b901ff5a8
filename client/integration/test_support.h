// Shared helpers of the integration tests: a started cairnd plus an Admin on
// it, and topic creation that waits until metadata shows the topic.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "client/admin.h"
#include "client/integration/cairnd_process.h"
#include "common/check.h"

namespace cairn::client::testing {

inline ClientConfig ConfigFor(const CairndProcess& broker) {
  ClientConfig config;
  config.bootstrap_servers = broker.bootstrap();
  config.client_id = "cairn-client-it";
  return config;
}

inline std::unique_ptr<Admin> MakeAdmin(const CairndProcess& broker) {
  auto admin = Admin::Create(ConfigFor(broker));
  CAIRN_CHECK(admin.ok()) << admin.status();
  return std::move(*admin);
}

// Creates the topic and waits until every partition has a leader.
inline void CreateTopicAndWait(Admin& admin, const std::string& name, int32_t partitions) {
  absl::Status created = admin.CreateTopic({name, partitions, 1, {}}).get();
  CAIRN_CHECK(created.ok()) << created;
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto described = admin.DescribeTopic(name).get();
    if (described.ok() && static_cast<int32_t>(described->partitions.size()) == partitions) {
      bool all_led = true;
      for (const auto& p : described->partitions) all_led = all_led && p.leader >= 0;
      if (all_led) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CAIRN_CHECK(false) << "topic " << name << " never got leaders";
}

}  // namespace cairn::client::testing
