#include "client/api_version_table.h"

#include "doctest/doctest.h"
#include "proto/kafka/generated/api.h"

namespace cairn::client {
namespace {

constexpr int16_t kProduce = static_cast<int16_t>(kafka::ApiKey::kProduce);
constexpr int16_t kMetadata = static_cast<int16_t>(kafka::ApiKey::kMetadata);

TEST_CASE("ApiVersionTable: picks the highest version both sides support") {
  ApiVersionTable table;
  table.Set(kProduce, {0, 7});       // an older broker: our codec goes to 9
  table.Set(kMetadata, {0, 12});     // a newer broker: our codec stops at 9
  CHECK(*table.Pick(kProduce) == 7);
  CHECK(*table.Pick(kMetadata) == 9);
}

TEST_CASE("ApiVersionTable: an API the broker lacks or ranges that miss are Unimplemented") {
  ApiVersionTable table;
  table.Set(kProduce, {0, 2});  // our codec starts at Produce v3
  CHECK(table.Pick(kProduce).status().code() == absl::StatusCode::kUnimplemented);
  CHECK(table.Pick(kMetadata).status().code() == absl::StatusCode::kUnimplemented);
}

TEST_CASE("ApiVersionTable: built from an ApiVersions response") {
  kafka::ApiVersionsResponse response;
  response.api_keys.push_back({kMetadata, 1, 4, {}});
  CHECK(*ApiVersionTable::FromResponse(response).Pick(kMetadata) == 4);
}

}  // namespace
}  // namespace cairn::client
