// Tests for UringFile: asynchronous I/O driven by a Shard (callbacks on the
// shard thread), errors carrying errno and path, blocking I/O, and a full disk
// (a 64 KiB tmpfs, when this process may mount one).
#include "io/uring_file.h"

#include <doctest/doctest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <system_error>

#include "common/check.h"
#include "io/testing/temp_dir.h"
#include "io/posix_file_system.h"
#include "io/shard.h"

namespace cairn::io {
namespace {

using testing::TempDir;

std::unique_ptr<Ring> MakeRing() {
  auto ring = Ring::Create();
  CAIRN_CHECK(ring.ok()) << ring.status();
  return *std::move(ring);
}

void RunUntilIdle(Ring& ring) {
  while (ring.in_flight() > 0) ring.WaitAndProcess();
}

TEST_CASE("UringFile: WriteAt, Sync and ReadAt driven on a shard call back on that shard") {
  TempDir dir;
  ShardRuntime runtime;
  REQUIRE(runtime.Start(1).ok());
  Shard& shard = runtime.shard(0);

  struct Outcome {
    absl::Status write;
    absl::Status sync;
    absl::StatusOr<size_t> read = absl::UnknownError("not run");
    std::string contents;
    bool all_on_shard = true;
  };
  // The chain lives on the shard; the test thread only waits for its end.
  struct Chain {
    std::unique_ptr<PosixFileSystem> fs;
    std::unique_ptr<File> file;
    std::string text = "the quick brown fox";
    Buffer out = Buffer(64);
    Outcome outcome;
    std::promise<Outcome> done;
  };
  auto chain = std::make_shared<Chain>();
  std::future<Outcome> result = chain->done.get_future();
  const std::string path = dir.path + "/segment.log";
  shard.Post([chain, path, &shard] {
    chain->fs = std::make_unique<PosixFileSystem>(&shard.ring());
    auto file = chain->fs->Open(path, OpenMode::kCreateNew);
    CAIRN_CHECK(file.ok()) << file.status();
    chain->file = *std::move(file);
    chain->file->WriteAt(5, AsBytes(chain->text), [chain, &shard](absl::Status write) {
      chain->outcome.write = write;
      chain->outcome.all_on_shard &= Shard::Current() == &shard;
      chain->file->Sync([chain, &shard](absl::Status sync) {
        chain->outcome.sync = sync;
        chain->outcome.all_on_shard &= Shard::Current() == &shard;
        chain->file->ReadAt(0, chain->out, [chain, &shard](absl::StatusOr<size_t> read) {
          chain->outcome.read = read;
          chain->outcome.all_on_shard &= Shard::Current() == &shard;
          if (read.ok()) chain->outcome.contents.assign(AsStringView(chain->out).substr(0, *read));
          chain->file.reset();
          chain->done.set_value(std::move(chain->outcome));
        });
      });
    });
  });
  REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  const Outcome outcome = result.get();
  CHECK(outcome.write.ok());
  CHECK(outcome.sync.ok());
  REQUIRE(outcome.read.ok());
  CHECK(*outcome.read == 24);
  CHECK(outcome.contents == std::string(5, '\0') + "the quick brown fox");
  CHECK(outcome.all_on_shard);
  runtime.Stop();
}

TEST_CASE("UringFile: an asynchronous write, plain or durable, to a read-only file fails naming the path") {
  TempDir dir;
  auto ring = MakeRing();
  PosixFileSystem fs(ring.get());
  const std::string path = dir.path + "/ro";
  REQUIRE(fs.WriteFileAtomically(path, AsBytes("x")).ok());
  auto file = fs.Open(path, OpenMode::kReadOnly);
  REQUIRE(file.ok());
  absl::Status status = absl::UnknownError("not run");
  absl::Status durable = absl::UnknownError("not run");
  (*file)->WriteAt(0, AsBytes("abc"), [&](absl::Status s) { status = s; });
  (*file)->WriteDurablyAt(0, AsBytes("abc"), [&](absl::Status s) { durable = s; });
  RunUntilIdle(*ring);
  CHECK(status.code() == absl::StatusCode::kInternal);
  CHECK(status.message() == "write " + path + " at 0: Bad file descriptor (errno 9)");
  CHECK(durable.code() == absl::StatusCode::kInternal);
  CHECK(durable.message() == "durable write " + path + " at 0: Bad file descriptor (errno 9)");
}

TEST_CASE("UringFile: a read error reaches ReadAt as a Status") {
  TempDir dir;
  auto ring = MakeRing();
  PosixFileSystem fs(ring.get());
  // Reading a directory descriptor fails with EISDIR.
  auto file = fs.Open(dir.path, OpenMode::kReadOnly);
  REQUIRE(file.ok());
  Buffer out(16);
  absl::StatusOr<size_t> read = absl::UnknownError("not run");
  (*file)->ReadAt(0, out, [&](absl::StatusOr<size_t> r) { read = std::move(r); });
  RunUntilIdle(*ring);
  CHECK(read.status().code() == absl::StatusCode::kInternal);
  CHECK(read.status().message() == "read " + dir.path + " at 0: Is a directory (errno 21)");
}

TEST_CASE("UringFile: blocking Write, Read, Truncate, Flush and Size agree") {
  TempDir dir;
  PosixFileSystem fs(nullptr);
  auto file = fs.Open(dir.path + "/f", OpenMode::kCreateReadWrite);
  REQUIRE(file.ok());
  File& f = **file;
  CHECK(f.Write(0, AsBytes("0123456789")).ok());
  CHECK(f.Flush().ok());
  CHECK(*f.Size() == 10);
  Buffer out(32);
  CHECK(*f.Read(4, out) == 6);
  CHECK(AsStringView(out).substr(0, 6) == "456789");
  CHECK(f.Truncate(3).ok());
  CHECK(*f.Size() == 3);
  CHECK(*f.Read(0, out) == 3);
  CHECK(AsStringView(out).substr(0, 3) == "012");
  CHECK(f.native_handle() >= 0);
  CHECK(f.path() == dir.path + "/f");
}

// A 64 KiB tmpfs mounted for the test's lifetime. The test suite runs as
// root (README), so failing to mount is a failure, not a skip.
struct TinyTmpfs {
  TinyTmpfs() { mounted = mount("tmpfs", dir.path.c_str(), "tmpfs", 0, "size=64k") == 0; }
  ~TinyTmpfs() {
    if (mounted) umount2(dir.path.c_str(), MNT_DETACH);
  }
  TempDir dir;
  bool mounted = false;
};

TEST_CASE("UringFile: writing past a full disk, plain or durable, fails with ResourceExhausted, keeping what fit") {
  TinyTmpfs tmpfs;
  REQUIRE_MESSAGE(tmpfs.mounted, "mounting a 64 KiB tmpfs needs root (CAP_SYS_ADMIN)");
  auto ring = MakeRing();
  PosixFileSystem fs(ring.get());
  const std::string path = tmpfs.dir.path + "/full";
  auto file = fs.Open(path, OpenMode::kCreateNew);
  REQUIRE(file.ok());
  // 128 KiB into 64 KiB: the kernel writes a short prefix, the ring continues
  // at the new position, and that continuation gets ENOSPC.
  const Buffer data(128 * 1024, 0xab);
  absl::Status status = absl::UnknownError("not run");
  (*file)->WriteAt(0, data, [&](absl::Status s) { status = s; });
  RunUntilIdle(*ring);
  CHECK(status.code() == absl::StatusCode::kResourceExhausted);
  CHECK(status.message() == "write " + path + " at 0: No space left on device (errno 28)");
  CHECK(*(*file)->Size() == 64 * 1024);

  absl::Status durable = absl::UnknownError("not run");
  (*file)->WriteDurablyAt(64 * 1024, data, [&](absl::Status s) { durable = s; });
  RunUntilIdle(*ring);
  CHECK(durable.code() == absl::StatusCode::kResourceExhausted);
  CHECK(durable.message() == "durable write " + path + " at 65536: No space left on device (errno 28)");

  const absl::Status blocking = (*file)->Write(64 * 1024, data);
  CHECK(blocking.code() == absl::StatusCode::kResourceExhausted);
  CHECK(blocking.message() == "write " + path + " at 65536: No space left on device (errno 28)");
}

}  // namespace
}  // namespace cairn::io
