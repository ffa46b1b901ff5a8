// A fresh directory under /tmp for tests on real files, removed with its
// contents at scope exit.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "common/check.h"

namespace cairn::io::testing {

struct TempDir {
  TempDir() {
    char name[] = "/tmp/cairn-test-XXXXXX";
    CAIRN_CHECK(mkdtemp(name) != nullptr) << "mkdtemp";
    path = name;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

}  // namespace cairn::io::testing
