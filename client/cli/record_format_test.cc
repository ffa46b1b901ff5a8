#include "client/cli/record_format.h"

#include "doctest/doctest.h"

namespace cairn::cli {

TEST_CASE("RecordFormat: every field and escape renders byte-exactly") {
  auto format = RecordFormat::Parse("%t|%p|%o|%k|%v|%h|%T|%%\\t\\\\\\n");
  REQUIRE(format.ok());
  client::ConsumerRecord record{"orders", 2, 41, 1700000000000, "k", "v", {{"a", "1"}, {"b", std::nullopt}}};
  std::string out;
  format->Append(record, &out);
  CHECK(out == "orders|2|41|k|v|a=1,b|1700000000000|%\t\\\n");
}

TEST_CASE("RecordFormat: a missing key or value prints as nothing") {
  auto format = RecordFormat::Parse("[%k][%v]");
  REQUIRE(format.ok());
  std::string out;
  format->Append(client::ConsumerRecord{"t", 0, 0, 0, std::nullopt, std::nullopt, {}}, &out);
  CHECK(out == "[][]");
}

TEST_CASE("RecordFormat: unknown fields, escapes and a trailing % are refused") {
  CHECK(!RecordFormat::Parse("%q").ok());
  CHECK(!RecordFormat::Parse("\\x").ok());
  CHECK(!RecordFormat::Parse("abc%").ok());
}

}  // namespace cairn::cli
