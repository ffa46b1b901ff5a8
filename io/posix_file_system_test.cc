// Tests for PosixFileSystem on a temp directory: opening modes, directory
// listing, atomic whole-file writes and the error codes callers rely on.
#include "io/posix_file_system.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "common/check.h"
#include "io/testing/temp_dir.h"

namespace cairn::io {
namespace {

using testing::TempDir;

TEST_CASE("PosixFileSystem: WriteFileAtomically then ReadWholeFile returns the same bytes") {
  TempDir dir;
  PosixFileSystem fs(nullptr);
  const std::string path = dir.path + "/leader-epoch-checkpoint";
  REQUIRE(fs.WriteFileAtomically(path, AsBytes("0\n1\n0 0\n")).ok());
  REQUIRE(fs.WriteFileAtomically(path, AsBytes("0\n1\n3 42\n")).ok());  // replaces, shorter
  auto contents = fs.ReadWholeFile(path);
  REQUIRE(contents.ok());
  CHECK(AsStringView(*contents) == "0\n1\n3 42\n");
  CHECK(*fs.ListDirectory(dir.path) == std::vector<std::string>{"leader-epoch-checkpoint"});
}

TEST_CASE("PosixFileSystem: ListDirectory returns sorted names without . and ..") {
  TempDir dir;
  PosixFileSystem fs(nullptr);
  for (const char* name : {"00000000000000000100.log", "00000000000000000000.log", "b", "a"}) {
    REQUIRE(fs.Open(dir.path + "/" + name, OpenMode::kCreateNew).ok());
  }
  REQUIRE(fs.CreateDirectories(dir.path + "/sub").ok());
  CHECK(*fs.ListDirectory(dir.path) == std::vector<std::string>{"00000000000000000000.log",
                                                                "00000000000000000100.log", "a",
                                                                "b", "sub"});
  CHECK(fs.ListDirectory(dir.path + "/sub")->empty());
  CHECK(fs.ListDirectory(dir.path + "/missing").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("PosixFileSystem: kCreateNew on an existing file fails with AlreadyExists") {
  TempDir dir;
  PosixFileSystem fs(nullptr);
  const std::string path = dir.path + "/f";
  REQUIRE(fs.Open(path, OpenMode::kCreateNew).ok());
  const absl::Status status = fs.Open(path, OpenMode::kCreateNew).status();
  CHECK(status.code() == absl::StatusCode::kAlreadyExists);
  CHECK(status.message() == "open " + path + ": File exists (errno 17)");
}

TEST_CASE("PosixFileSystem: opening a missing file read-only fails with NotFound naming the path") {
  TempDir dir;
  PosixFileSystem fs(nullptr);
  const std::string path = dir.path + "/missing";
  const absl::Status status = fs.Open(path, OpenMode::kReadOnly).status();
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(status.message() == "open " + path + ": No such file or directory (errno 2)");
  CHECK(fs.Open(path, OpenMode::kReadWrite).status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("PosixFileSystem: kCreateReadWrite keeps the contents of an existing file") {
  TempDir dir;
  PosixFileSystem fs(nullptr);
  const std::string path = dir.path + "/f";
  {
    auto file = fs.Open(path, OpenMode::kCreateReadWrite);
    REQUIRE(file.ok());
    REQUIRE((*file)->Write(0, AsBytes("kept")).ok());
  }
  auto file = fs.Open(path, OpenMode::kCreateReadWrite);
  REQUIRE(file.ok());
  CHECK(*(*file)->Size() == 4);
}

TEST_CASE(
    "PosixFileSystem: CreateDirectories makes every missing parent and accepts an existing tree") {
  TempDir dir;
  PosixFileSystem fs(nullptr);
  const std::string deep = dir.path + "/a/b/c";
  REQUIRE(fs.CreateDirectories(deep).ok());
  CHECK(*fs.Exists(deep));
  CHECK(fs.CreateDirectories(deep).ok());
  REQUIRE(fs.Open(dir.path + "/file", OpenMode::kCreateNew).ok());
  CHECK_FALSE(fs.CreateDirectories(dir.path + "/file/x").ok());
}

TEST_CASE("PosixFileSystem: Exists, Rename, Remove and RemoveAll do what their names say") {
  TempDir dir;
  PosixFileSystem fs(nullptr);
  const std::string from = dir.path + "/from";
  const std::string to = dir.path + "/to";
  CHECK_FALSE(*fs.Exists(from));
  REQUIRE(fs.Open(from, OpenMode::kCreateNew).ok());
  CHECK(*fs.Exists(from));
  REQUIRE(fs.Rename(from, to).ok());
  CHECK_FALSE(*fs.Exists(from));
  CHECK(*fs.Exists(to));
  CHECK(fs.Rename(from, to).code() == absl::StatusCode::kNotFound);
  REQUIRE(fs.Remove(to).ok());
  CHECK_FALSE(*fs.Exists(to));
  const absl::Status missing = fs.Remove(to);
  CHECK(missing.code() == absl::StatusCode::kNotFound);
  CHECK(missing.message() == "remove " + to + ": No such file or directory (errno 2)");

  REQUIRE(fs.CreateDirectories(dir.path + "/tree/x/y").ok());
  REQUIRE(fs.Open(dir.path + "/tree/x/y/f", OpenMode::kCreateNew).ok());
  REQUIRE(fs.RemoveAll(dir.path + "/tree").ok());
  CHECK_FALSE(*fs.Exists(dir.path + "/tree"));
  CHECK(fs.RemoveAll(dir.path + "/tree").ok());
}

TEST_CASE(
    "PosixFileSystem: SyncDirectory succeeds on a directory and fails with NotFound without one") {
  TempDir dir;
  PosixFileSystem fs(nullptr);
  CHECK(fs.SyncDirectory(dir.path).ok());
  const absl::Status status = fs.SyncDirectory(dir.path + "/missing");
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(status.message() ==
        "open directory " + dir.path + "/missing: No such file or directory (errno 2)");
}

}  // namespace
}  // namespace cairn::io
