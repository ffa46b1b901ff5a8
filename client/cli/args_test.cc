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

}  // namespace cairn::cli
