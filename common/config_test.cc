// Tests of the generic properties parser: syntax, types, validators and the
// exact error messages operators will read.
#include "common/config.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cairn {
namespace {

ConfigDef TestDef() {
  ConfigDef def;
  def.Define("num.partitions", ConfigType::kInt, "1", "partitions", ConfigValidator::AtLeast(1))
      .Define("retention.ms", ConfigType::kLong, "-1", "retention")
      .Define("ratio", ConfigType::kDouble, "0.5", "ratio", ConfigValidator::DoubleBetween(0, 1))
      .Define("enabled", ConfigType::kBool, "true", "flag")
      .Define("name", ConfigType::kString, "cairn", "name")
      .Define("mode", ConfigType::kString, "fast", "mode", ConfigValidator::OneOf({"fast", "safe"}))
      .Define("roles", ConfigType::kList, "broker,controller", "roles",
              ConfigValidator::OneOf({"broker", "controller"}))
      .Define("port", ConfigType::kInt, "9092", "port", ConfigValidator::Between(0, 65535))
      .DefineOptional("roll.ms", ConfigType::kLong, "roll");
  return def;
}

ConfigDef RequiredDef() {
  ConfigDef def;
  def.DefineRequired("node.id", ConfigType::kInt, "id");
  return def;
}

std::string ErrorOf(std::string_view text, const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<Config> config = TestDef().Parse(text, overrides);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

TEST_CASE("Config: an empty file yields every default, none of them set") {
  absl::StatusOr<Config> config = TestDef().Parse("");
  REQUIRE(config.ok());
  CHECK(config->GetInt("num.partitions") == 1);
  CHECK(config->GetLong("retention.ms") == -1);
  CHECK(config->GetDouble("ratio") == 0.5);
  CHECK(config->GetBool("enabled") == true);
  CHECK(config->GetString("name") == "cairn");
  CHECK(config->GetList("roles") == std::vector<std::string>{"broker", "controller"});
  CHECK_FALSE(config->IsSet("num.partitions"));
  CHECK_FALSE(config->HasValue("roll.ms"));
  CHECK(config->HasValue("num.partitions"));
}

TEST_CASE("Config: equals, colon and surrounding whitespace all separate key and value") {
  absl::StatusOr<Config> config =
      TestDef().Parse("num.partitions=3\n  name : broker one  \nretention.ms =\t42\n");
  REQUIRE(config.ok());
  CHECK(config->GetInt("num.partitions") == 3);
  CHECK(config->GetString("name") == "broker one");
  CHECK(config->GetLong("retention.ms") == 42);
  CHECK(config->IsSet("num.partitions"));
  CHECK(config->IsSet("name"));
  CHECK_FALSE(config->IsSet("enabled"));
}

TEST_CASE("Config: only the first separator splits, so values may contain ':' and '='") {
  absl::StatusOr<Config> config = TestDef().Parse("name=PLAINTEXT://host:9092?a=b\n");
  REQUIRE(config.ok());
  CHECK(config->GetString("name") == "PLAINTEXT://host:9092?a=b");
}

TEST_CASE("Config: hash and bang comment lines and blank lines are skipped") {
  absl::StatusOr<Config> config =
      TestDef().Parse("# a comment\n\n   ! another = comment\n\t\nnum.partitions=7\r\n");
  REQUIRE(config.ok());
  CHECK(config->GetInt("num.partitions") == 7);
}

TEST_CASE("Config: a trailing backslash continues the value on the next line") {
  absl::StatusOr<Config> config =
      TestDef().Parse("roles=broker,\\\n     controller\nnum.partitions=\\\n  12\n");
  REQUIRE(config.ok());
  CHECK(config->GetList("roles") == std::vector<std::string>{"broker", "controller"});
  CHECK(config->GetInt("num.partitions") == 12);
}

TEST_CASE("Config: an even number of trailing backslashes does not continue") {
  absl::StatusOr<Config> config = TestDef().Parse("name=a\\\\\nnum.partitions=2\n");
  REQUIRE(config.ok());
  CHECK(config->GetString("name") == "a\\\\");
  CHECK(config->GetInt("num.partitions") == 2);
}

TEST_CASE("Config: errors after a continuation report the line where the entry starts") {
  CHECK(ErrorOf("\nnum.partitions=\\\n  abc\n") ==
        "invalid value 'abc' for 'num.partitions': expected an integer (line 2)");
}

TEST_CASE("Config: a later line overrides an earlier one and overrides win over the file") {
  absl::StatusOr<Config> config = TestDef().Parse("num.partitions=2\nnum.partitions=3\nname=file\n",
                                                  {"name=override", "enabled = FALSE"});
  REQUIRE(config.ok());
  CHECK(config->GetInt("num.partitions") == 3);
  CHECK(config->GetString("name") == "override");
  CHECK(config->GetBool("enabled") == false);
  CHECK(config->IsSet("enabled"));
}

TEST_CASE("Config: booleans are case-insensitive true or false") {
  CHECK(TestDef().Parse("enabled=TRUE")->GetBool("enabled") == true);
  CHECK(TestDef().Parse("enabled=False")->GetBool("enabled") == false);
  CHECK(ErrorOf("enabled=yes") ==
        "invalid value 'yes' for 'enabled': expected true or false (line 1)");
}

TEST_CASE("Config: lists are comma-separated with each element trimmed, empty is the empty list") {
  CHECK(TestDef().Parse("roles= controller , broker ")->GetList("roles") ==
        std::vector<std::string>{"controller", "broker"});
  CHECK(TestDef().Parse("roles=")->GetList("roles").empty());
  CHECK(ErrorOf("roles=broker,,controller") ==
        "invalid value 'broker,,controller' for 'roles': empty element in a comma-separated "
        "list (line 1)");
}

TEST_CASE("Config: an unknown key is an error naming the key and the line") {
  CHECK(ErrorOf("num.partitions=1\n\nfoo.bar=2\n") == "unknown config key 'foo.bar' (line 3)");
  CHECK(ErrorOf("", {"foo.bar=2"}) == "unknown config key 'foo.bar' (override)");
}

TEST_CASE("Config: a line without a separator is an error naming the line") {
  CHECK(ErrorOf("num.partitions=1\njunk here\n") ==
        "expected 'key=value' but found 'junk here' (line 2)");
  CHECK(ErrorOf("=5\n") == "empty config key (line 1)");
}

TEST_CASE("Config: integers reject trailing garbage and overflow") {
  CHECK(ErrorOf("num.partitions=abc") ==
        "invalid value 'abc' for 'num.partitions': expected an integer (line 1)");
  CHECK(ErrorOf("num.partitions=12x") ==
        "invalid value '12x' for 'num.partitions': expected an integer (line 1)");
  CHECK(ErrorOf("num.partitions=1.5") ==
        "invalid value '1.5' for 'num.partitions': expected an integer (line 1)");
  CHECK(ErrorOf("num.partitions=2147483648") ==
        "invalid value '2147483648' for 'num.partitions': expected a 32-bit integer between "
        "-2147483648 and 2147483647 (line 1)");
  CHECK(ErrorOf("retention.ms=9223372036854775808") ==
        "invalid value '9223372036854775808' for 'retention.ms': expected a 64-bit integer "
        "between -9223372036854775808 and 9223372036854775807 (line 1)");
  CHECK(TestDef().Parse("retention.ms=9223372036854775807")->GetLong("retention.ms") ==
        9223372036854775807);
  CHECK(TestDef().Parse("num.partitions=+4")->GetInt("num.partitions") == 4);
}

TEST_CASE("Config: doubles parse decimals and reject non-numbers and infinities") {
  CHECK(TestDef().Parse("ratio=0.25")->GetDouble("ratio") == 0.25);
  CHECK(ErrorOf("ratio=half") == "invalid value 'half' for 'ratio': expected a number (line 1)");
  CHECK(ErrorOf("ratio=inf") == "invalid value 'inf' for 'ratio': expected a number (line 1)");
}

TEST_CASE("Config: range validators name the bounds") {
  CHECK(ErrorOf("num.partitions=0") ==
        "invalid value '0' for 'num.partitions': must be at least 1 (line 1)");
  CHECK(ErrorOf("", {"port=70000"}) ==
        "invalid value '70000' for 'port': must be between 0 and 65535 (override)");
  CHECK(ErrorOf("ratio=1.5") ==
        "invalid value '1.5' for 'ratio': must be between 0 and 1 (line 1)");
}

TEST_CASE("Config: allowed-set validators check strings and every list element") {
  CHECK(ErrorOf("mode=slow") ==
        "invalid value 'slow' for 'mode': must be one of: fast, safe (line 1)");
  CHECK(ErrorOf("roles=broker,admin") ==
        "invalid value 'broker,admin' for 'roles': element 'admin' must be one of: broker, "
        "controller (line 1)");
  CHECK(TestDef().Parse("mode=")->GetString("mode").empty());
}

TEST_CASE("Config: an override without '=' is an error quoting it") {
  CHECK(ErrorOf("", {"num.partitions"}) ==
        "override 'num.partitions' must have the form key=value");
  CHECK(ErrorOf("", {"=3"}) == "override '=3' must have the form key=value");
}

TEST_CASE("Config: a missing required key is an error naming it") {
  absl::StatusOr<Config> missing = RequiredDef().Parse("# nothing\n");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "missing required config key 'node.id'");
  absl::StatusOr<Config> given = RequiredDef().Parse("", {"node.id=4"});
  REQUIRE(given.ok());
  CHECK(given->GetInt("node.id") == 4);
}

TEST_CASE("Config: an optional key has a value only once given") {
  absl::StatusOr<Config> config = TestDef().Parse("roll.ms=600000");
  REQUIRE(config.ok());
  CHECK(config->HasValue("roll.ms"));
  CHECK(config->IsSet("roll.ms"));
  CHECK(config->GetLong("roll.ms") == 600000);
}

TEST_CASE("Config: Dump lists effective values sorted by name, skipping unset optional keys") {
  absl::StatusOr<Config> config = TestDef().Parse("roles=controller, broker\nratio=0.75\n");
  REQUIRE(config.ok());
  CHECK(config->Dump() ==
        "enabled=true\n"
        "mode=fast\n"
        "name=cairn\n"
        "num.partitions=1\n"
        "port=9092\n"
        "ratio=0.75\n"
        "retention.ms=-1\n"
        "roles=controller,broker\n");
}

TEST_CASE("Config: Describe documents each key with its type and default") {
  ConfigDef def;
  def.Define("a.b", ConfigType::kInt, "5", "An int.").DefineOptional("c", ConfigType::kList, "L.");
  CHECK(def.Describe() == "a.b (int, default '5'): An int.\nc (list, optional): L.\n");
}

}  // namespace
}  // namespace cairn
