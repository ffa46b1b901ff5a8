#include "io/directory_lock.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>

namespace cairn::io {
namespace {

TEST_CASE("DirectoryLock: a second holder is refused until the first releases it") {
  char pattern[] = "/tmp/cairn-lock-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  const std::string dir = pattern;
  {
    auto first = DirectoryLock::Acquire(dir);
    REQUIRE(first.ok());
    auto second = DirectoryLock::Acquire(dir);
    CHECK(second.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(second.status().message()).find(dir) != std::string::npos);
  }
  CHECK(DirectoryLock::Acquire(dir).ok());
  CHECK(DirectoryLock::Acquire("/nonexistent-cairn-dir/x").status().code() == absl::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cairn::io
