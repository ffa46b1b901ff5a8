#include "client/cli/args.h"

#include "doctest/doctest.h"

namespace cairn::cli {
namespace {

const std::vector<FlagSpec> kSpecs = {
    {"partitions", 'p', "N", ""}, {"config", 'c', "KEY=VALUE", "", true}, {"internal", 'i', "", ""}};

}  // namespace

TEST_CASE("Parse: long, short, inline and repeated flags around positionals") {
  auto parsed = Parse({"orders", "-p", "3", "--config=a=1", "-cb=2", "-i", "--", "-x"}, kSpecs);
  REQUIRE(parsed.ok());
  CHECK(parsed->positionals() == std::vector<std::string>{"orders", "-x"});
  CHECK(parsed->Get("partitions") == "3");
  CHECK(parsed->GetAll("config") == std::vector<std::string>{"a=1", "b=2"});
  CHECK(parsed->Has("internal"));
}

TEST_CASE("Parse: unknown flags, missing values and repeats of single flags are errors") {
  CHECK(Parse({"--bogus"}, kSpecs).status().message() == "unknown flag --bogus");
  CHECK(Parse({"-p"}, kSpecs).status().message() == "flag -p needs a value (N)");
  CHECK(Parse({"-p", "1", "-p", "2"}, kSpecs).status().message() == "flag --partitions given more than once");
  CHECK(Parse({"--internal=yes"}, kSpecs).status().message() == "flag --internal takes no value");
}

TEST_CASE("Durations and sizes take units") {
  CHECK(*ParseDurationMs("t", "250") == 250);
  CHECK(*ParseDurationMs("t", "250ms") == 250);
  CHECK(*ParseDurationMs("t", "3s") == 3000);
  CHECK(*ParseDurationMs("t", "2m") == 120000);
  CHECK(!ParseDurationMs("t", "3h").ok());
  CHECK(*ParseBytes("s", "1KiB") == 1024);
  CHECK(*ParseBytes("s", "2m") == 2 << 20);
  CHECK(!ParseBytes("s", "x").ok());
  CHECK(!ParseInt("n", "12a").ok());
}

TEST_CASE("Sizes whose unit would overflow int64 are invalid, not wrapped") {
  // 2^44 MiB is 2^64 bytes: it used to wrap to 0, and 2^44 + 1 MiB to 1 MiB.
  CHECK(ParseBytes("record-size", "17592186044416MiB").status().message() ==
        "invalid value '17592186044416MiB' for --record-size");
  CHECK(!ParseBytes("s", "17592186044417MiB").ok());
  CHECK(!ParseBytes("s", "9007199254740992KiB").ok());  // 2^53 KiB = 2^63 bytes
  CHECK(*ParseBytes("s", "9007199254740991KiB") == (int64_t{9007199254740991} << 10));
  CHECK(*ParseBytes("s", "8796093022207MiB") == (int64_t{8796093022207} << 20));
  CHECK(!ParseBytes("s", "18446744073709551616").ok());
}

TEST_CASE("Durations are at most int32 milliseconds, as Kafka's time settings") {
  CHECK(*ParseDurationMs("t", "2147483647") == 2147483647);
  CHECK(ParseDurationMs("timeout", "2147483648").status().message() ==
        "invalid duration '2147483648' for --timeout (at most 2147483647 ms)");
  CHECK(*ParseDurationMs("t", "2147483s") == 2147483000);
  CHECK(!ParseDurationMs("t", "2147484s").ok());
  CHECK(*ParseDurationMs("t", "35791m") == 2147460000);
  CHECK(!ParseDurationMs("t", "35792m").ok());
  // Once wrapped to a negative or small number of milliseconds.
  CHECK(!ParseDurationMs("t", "9223372036854775s").ok());
  CHECK(!ParseDurationMs("t", "153722867280912931m").ok());
}

TEST_CASE("Numbers beyond int64 are invalid") {
  CHECK(ParseInt("count", "9223372036854775808").status().message() ==
        "invalid number '9223372036854775808' for --count");
  CHECK(*ParseInt("count", "9223372036854775807") == INT64_MAX);
}

}  // namespace cairn::cli
