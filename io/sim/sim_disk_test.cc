// Tests of the simulated disk: durability across crashes, torn writes, fault
// knobs, deferred completions and POSIX-like namespace operations.
#include "io/sim/sim_disk.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace cairn::io::sim {
namespace {

Buffer Bytes(std::string_view text) { return Buffer(text.begin(), text.end()); }

std::string Text(const absl::StatusOr<Buffer>& bytes) {
  REQUIRE(bytes.ok());
  return std::string(bytes->begin(), bytes->end());
}

std::unique_ptr<File> OpenOrDie(SimDisk& disk, const std::string& path,
                                OpenMode mode = OpenMode::kCreateReadWrite) {
  absl::StatusOr<std::unique_ptr<File>> file = disk.Open(path, mode);
  REQUIRE(file.ok());
  return *std::move(file);
}

TEST_CASE("SimDisk: a crash losing unsynced data keeps exactly the synced bytes") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  REQUIRE(file->Write(0, AsBytes("synced")).ok());
  REQUIRE(file->Flush().ok());
  REQUIRE(file->Write(6, AsBytes("+lost")).ok());
  CHECK(Text(disk.Contents("log")) == "synced+lost");
  CHECK(Text(disk.DurableContents("log")) == "synced");

  disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  CHECK(Text(disk.Contents("log")) == "synced");
  CHECK(Text(disk.ReadWholeFile("log")) == "synced");
}

TEST_CASE("SimDisk: a crash keeping unsynced data makes it all durable") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  REQUIRE(file->Write(0, AsBytes("kept")).ok());
  disk.Crash(SimDisk::CrashMode::kKeepUnsynced);
  CHECK(Text(disk.DurableContents("log")) == "kept");
}

TEST_CASE(
    "SimDisk: asynchronous operations take effect and complete only when the scheduler runs") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  const Buffer data = Bytes("hello");
  std::optional<absl::Status> written;
  std::optional<absl::Status> synced;
  file->WriteAt(0, data, [&](absl::Status status) { written = status; });
  file->Sync([&](absl::Status status) { synced = status; });
  CHECK_FALSE(written.has_value());
  CHECK(Text(disk.Contents("log")).empty());
  CHECK(scheduler.pending() == 2);

  CHECK(scheduler.RunUntilIdle() == 2);
  REQUIRE(written.has_value());
  CHECK(written->ok());
  REQUIRE(synced.has_value());
  CHECK(synced->ok());
  CHECK(Text(disk.DurableContents("log")) == "hello");

  Buffer out(16);
  std::optional<absl::StatusOr<size_t>> read;
  file->ReadAt(1, out, [&](absl::StatusOr<size_t> count) { read = count; });
  CHECK_FALSE(read.has_value());
  scheduler.RunUntilIdle();
  REQUIRE(read.has_value());
  REQUIRE(read->ok());
  CHECK(**read == 4);
  CHECK(std::string(out.begin(), out.begin() + 4) == "ello");
}

TEST_CASE("SimDisk: a sync covers only the writes that completed before it ran") {
  bool saw_sync_first = false;
  bool saw_write_first = false;
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    SimScheduler scheduler(seed);
    scheduler.set_reorder(true);
    SimDisk disk(&scheduler);
    auto file = OpenOrDie(disk, "log");
    const Buffer data = Bytes("data");
    std::vector<std::string> completions;
    file->WriteAt(0, data, [&](absl::Status status) {
      CHECK(status.ok());
      completions.push_back("write");
    });
    file->Sync([&](absl::Status status) {
      CHECK(status.ok());
      completions.push_back("sync");
    });
    scheduler.RunUntilIdle();
    REQUIRE(completions.size() == 2);
    if (completions[0] == "sync") {
      saw_sync_first = true;
      CHECK(Text(disk.DurableContents("log")).empty());
    } else {
      saw_write_first = true;
      CHECK(Text(disk.DurableContents("log")) == "data");
    }
  }
  CHECK(saw_sync_first);
  CHECK(saw_write_first);
}

TEST_CASE("SimDisk: a failed sync is reported and its writes never become durable") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  REQUIRE(file->Write(0, AsBytes("old")).ok());
  REQUIRE(file->Flush().ok());
  REQUIRE(file->Write(3, AsBytes("new")).ok());

  disk.FailNextSyncs(1);
  absl::Status failed = file->Flush();
  CHECK(failed.code() == absl::StatusCode::kInternal);
  CHECK(failed.message() == "fdatasync: Input/output error (simulated)");
  CHECK(Text(disk.DurableContents("log")) == "old");
  CHECK(Text(disk.Contents("log")) == "oldnew");

  // Retrying "succeeds" but, as on Linux, the dropped pages are not written:
  // the size persists, the bytes do not. Later writes do persist.
  REQUIRE(file->Write(6, AsBytes("!")).ok());
  REQUIRE(file->Flush().ok());
  CHECK(disk.DurableContents("log").value() == Buffer{'o', 'l', 'd', 0, 0, 0, '!'});
  disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  CHECK(disk.Contents("log").value() == Buffer{'o', 'l', 'd', 0, 0, 0, '!'});
}

TEST_CASE("SimDisk: an asynchronous sync failure reaches the callback") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  REQUIRE(file->Write(0, AsBytes("x")).ok());
  disk.FailNextSyncs(1);
  std::optional<absl::Status> synced;
  file->Sync([&](absl::Status status) { synced = status; });
  scheduler.RunUntilIdle();
  REQUIRE(synced.has_value());
  CHECK(synced->code() == absl::StatusCode::kInternal);
  CHECK(Text(disk.DurableContents("log")).empty());
}

TEST_CASE("SimDisk: a durable write is durable when its callback runs, and reports a failing sync") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  std::optional<absl::Status> first;
  file->WriteDurablyAt(0, AsBytes("acked"), [&](absl::Status status) { first = status; });
  CHECK_FALSE(first.has_value());  // never inline
  scheduler.RunUntilIdle();
  REQUIRE(first.has_value());
  CHECK(first->ok());
  CHECK(Text(disk.DurableContents("log")) == "acked");

  disk.FailNextSyncs(1);
  std::optional<absl::Status> second;
  file->WriteDurablyAt(5, AsBytes("-lost"), [&](absl::Status status) { second = status; });
  scheduler.RunUntilIdle();
  REQUIRE(second.has_value());
  CHECK(second->code() == absl::StatusCode::kInternal);
  disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  CHECK(Text(disk.Contents("log")) == "acked");
}

TEST_CASE("SimDisk: a write past the capacity fails with ENOSPC and stores nothing") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  disk.SetCapacity(10);
  REQUIRE(file->Write(0, AsBytes("12345678")).ok());
  absl::Status full = file->Write(8, AsBytes("abc"));
  CHECK(full.code() == absl::StatusCode::kResourceExhausted);
  CHECK(full.message() == "No space left on device (simulated)");
  CHECK(Text(disk.Contents("log")) == "12345678");
  CHECK(disk.bytes_stored() == 8);
  CHECK(file->Write(0, AsBytes("abcdefgh")).ok());  // overwriting needs no space
  CHECK(file->Write(8, AsBytes("ab")).ok());
  disk.ClearCapacity();
  CHECK(file->Write(10, AsBytes("more")).ok());
  CHECK(disk.bytes_stored() == 14);
}

TEST_CASE("SimDisk: an injected write error fails the write and stores nothing") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  disk.FailNextWrites(1);
  absl::Status failed = file->Write(0, AsBytes("abc"));
  CHECK(failed.code() == absl::StatusCode::kInternal);
  CHECK(failed.message() == "pwrite: Input/output error (simulated)");
  CHECK(Text(disk.Contents("log")).empty());
  CHECK(file->Write(0, AsBytes("abc")).ok());
  CHECK(Text(disk.Contents("log")) == "abc");
}

// Writes 100 synced bytes then 1,600 unsynced bytes in two appends, tears,
// and returns what survived.
Buffer TearAppends(uint64_t seed, Buffer* full_image) {
  SimScheduler scheduler;
  SimDisk disk(&scheduler, seed);
  auto file = OpenOrDie(disk, "segment");
  Buffer image;
  for (int i = 0; i < 1700; ++i) image.push_back(static_cast<uint8_t>('a' + i % 26));
  REQUIRE(file->Write(0, ByteSpan(image).first(100)).ok());
  REQUIRE(file->Flush().ok());
  REQUIRE(file->Write(100, ByteSpan(image).subspan(100, 700)).ok());
  REQUIRE(file->Write(800, ByteSpan(image).subspan(800)).ok());
  disk.Crash(SimDisk::CrashMode::kTearUnsynced);
  *full_image = image;
  absl::StatusOr<Buffer> contents = disk.Contents("segment");
  REQUIRE(contents.ok());
  CHECK(*contents == disk.DurableContents("segment").value());
  return *contents;
}

TEST_CASE(
    "SimDisk: a torn crash keeps a prefix of the unsynced writes, at most its last sector "
    "garbled") {
  int torn_mid_write = 0;
  int garbled = 0;
  for (uint64_t seed = 1; seed <= 64; ++seed) {
    Buffer full;
    Buffer torn = TearAppends(seed, &full);
    size_t matching = 0;
    while (matching < torn.size() && torn[matching] == full[matching]) ++matching;
    CHECK(matching >= 100);  // the synced bytes always survive
    CHECK(torn.size() <= full.size());
    // Anything past the matching prefix is garbage within one sector.
    CHECK(torn.size() <= (matching / 512 + 1) * 512);
    if (torn.size() != 100 && torn.size() != 800 && torn.size() != 1700) ++torn_mid_write;
    if (matching < torn.size()) ++garbled;
  }
  CHECK(torn_mid_write > 0);
  CHECK(garbled > 0);
}

TEST_CASE("SimDisk: a torn crash is the same for the same seed") {
  Buffer full;
  CHECK(TearAppends(7, &full) == TearAppends(7, &full));
  CHECK(TearAppends(7, &full) != TearAppends(8, &full));
}

TEST_CASE("SimDisk: a truncation becomes durable only at the next sync") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  REQUIRE(file->Write(0, AsBytes("abcdef")).ok());
  REQUIRE(file->Flush().ok());
  REQUIRE(file->Truncate(2).ok());
  CHECK(file->Size().value() == 2);
  CHECK(Text(disk.DurableContents("log")) == "abcdef");
  disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  CHECK(Text(disk.Contents("log")) == "abcdef");

  auto reopened = OpenOrDie(disk, "log", OpenMode::kReadWrite);
  REQUIRE(reopened->Truncate(2).ok());
  REQUIRE(reopened->Flush().ok());
  disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  CHECK(Text(disk.Contents("log")) == "ab");
}

TEST_CASE("SimDisk: file objects opened before a crash fail with FailedPrecondition") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  REQUIRE(file->Write(0, AsBytes("abc")).ok());
  REQUIRE(file->Flush().ok());
  disk.Crash(SimDisk::CrashMode::kLoseUnsynced);

  CHECK(file->Write(0, AsBytes("x")).code() == absl::StatusCode::kFailedPrecondition);
  CHECK(file->Flush().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(file->Truncate(0).code() == absl::StatusCode::kFailedPrecondition);
  CHECK(file->Size().status().code() == absl::StatusCode::kFailedPrecondition);
  Buffer out(3);
  CHECK(file->Read(0, out).status().code() == absl::StatusCode::kFailedPrecondition);
  std::optional<absl::Status> written;
  const Buffer data = Bytes("x");
  file->WriteAt(0, data, [&](absl::Status status) { written = status; });
  CHECK_FALSE(written.has_value());
  scheduler.RunUntilIdle();
  REQUIRE(written.has_value());
  CHECK(written->code() == absl::StatusCode::kFailedPrecondition);

  auto reopened = OpenOrDie(disk, "log", OpenMode::kReadOnly);
  CHECK(reopened->Read(0, out).value() == 3);
  CHECK(Text(disk.Contents("log")) == "abc");
}

TEST_CASE("SimDisk: completions still queued at a crash are dropped without effect") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  const Buffer data = Bytes("never");
  bool called = false;
  file->WriteAt(0, data, [&](absl::Status) { called = true; });
  disk.Crash(SimDisk::CrashMode::kKeepUnsynced);
  CHECK(scheduler.RunUntilIdle() == 1);
  CHECK_FALSE(called);
  CHECK(Text(disk.Contents("log")).empty());
}

TEST_CASE("SimDisk: opening needs the parent directory and honours the open mode") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  CHECK(disk.Open("missing/log", OpenMode::kCreateReadWrite).status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(disk.Open("log", OpenMode::kReadWrite).status().code() == absl::StatusCode::kNotFound);
  CHECK(disk.Open("log", OpenMode::kReadOnly).status().code() == absl::StatusCode::kNotFound);
  REQUIRE(disk.Open("log", OpenMode::kCreateNew).ok());
  CHECK(disk.Open("log", OpenMode::kCreateNew).status().code() == absl::StatusCode::kAlreadyExists);
  auto read_only = OpenOrDie(disk, "log", OpenMode::kReadOnly);
  CHECK(read_only->Write(0, AsBytes("x")).code() == absl::StatusCode::kFailedPrecondition);
  CHECK(read_only->path() == "log");
}

TEST_CASE("SimDisk: directories are created with their parents and list sorted child names") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  REQUIRE(disk.CreateDirectories("/data/topic-0/").ok());
  REQUIRE(disk.CreateDirectories("/data/topic-1").ok());
  OpenOrDie(disk, "/data/topic-0/00000000000000000010.log");
  OpenOrDie(disk, "/data/topic-0/00000000000000000000.log");
  OpenOrDie(disk, "/data/meta.properties");
  CHECK(disk.ListDirectory("/data").value() ==
        std::vector<std::string>{"meta.properties", "topic-0", "topic-1"});
  CHECK(disk.ListDirectory("/data/topic-0").value() ==
        std::vector<std::string>{"00000000000000000000.log", "00000000000000000010.log"});
  CHECK(disk.ListDirectory("/").value() == std::vector<std::string>{"data"});
  CHECK(disk.ListDirectory("/nope").status().code() == absl::StatusCode::kNotFound);
  CHECK(disk.Exists("/data/topic-1").value());
  CHECK(disk.Exists("//data/./meta.properties").value());
  CHECK_FALSE(disk.Exists("/data/topic-2").value());
  CHECK(disk.CreateDirectories("/data/meta.properties/x").code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("SimDisk: remove deletes one file, a directory or a missing path is an error") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  REQUIRE(disk.CreateDirectories("d/e").ok());
  OpenOrDie(disk, "d/f");
  CHECK(disk.Remove("d/missing").code() == absl::StatusCode::kNotFound);
  CHECK(disk.Remove("d/e").code() == absl::StatusCode::kFailedPrecondition);
  CHECK(disk.Remove("d/f").ok());
  CHECK(disk.ListDirectory("d").value() == std::vector<std::string>{"e"});
}

TEST_CASE("SimDisk: remove-all deletes a whole subtree and nothing beside it") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  REQUIRE(disk.CreateDirectories("data/t-0/sub").ok());
  REQUIRE(disk.CreateDirectories("data/t-00").ok());
  OpenOrDie(disk, "data/t-0/a.log");
  OpenOrDie(disk, "data/t-0/sub/b.log");
  OpenOrDie(disk, "data/t-00/c.log");
  CHECK(disk.RemoveAll("data/t-0").ok());
  CHECK(disk.ListDirectory("data").value() == std::vector<std::string>{"t-00"});
  CHECK(disk.Exists("data/t-00/c.log").value());
  CHECK(disk.RemoveAll("data/t-0").ok());  // already gone
}

TEST_CASE("SimDisk: rename replaces an existing target like rename(2)") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto source = OpenOrDie(disk, "a");
  REQUIRE(source->Write(0, AsBytes("new")).ok());
  auto target = OpenOrDie(disk, "b");
  REQUIRE(target->Write(0, AsBytes("old")).ok());
  REQUIRE(disk.Rename("a", "b").ok());
  CHECK(Text(disk.Contents("b")) == "new");
  CHECK_FALSE(disk.Exists("a").value());
  CHECK(disk.ListDirectory(".").value() == std::vector<std::string>{"b"});
  // The open file follows its inode, as on POSIX.
  REQUIRE(source->Write(3, AsBytes("!")).ok());
  CHECK(Text(disk.Contents("b")) == "new!");
  CHECK(disk.Rename("a", "c").code() == absl::StatusCode::kNotFound);
  CHECK(disk.Rename("b", "nodir/b").code() == absl::StatusCode::kNotFound);
}

TEST_CASE("SimDisk: renaming a directory moves its whole subtree") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  REQUIRE(disk.CreateDirectories("data/t-0/sub").ok());
  OpenOrDie(disk, "data/t-0/sub/x");
  REQUIRE(disk.Rename("data/t-0", "data/t-0.deleted").ok());
  CHECK(disk.ListDirectory("data").value() == std::vector<std::string>{"t-0.deleted"});
  CHECK(disk.Exists("data/t-0.deleted/sub/x").value());
  CHECK_FALSE(disk.Exists("data/t-0/sub").value());
  CHECK(disk.Rename("data", "data/t-0.deleted/inner").code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("SimDisk: WriteFileAtomically leaves only the durable target behind") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  REQUIRE(disk.CreateDirectories("data").ok());
  REQUIRE(disk.WriteFileAtomically("data/checkpoint", AsBytes("version 1")).ok());
  REQUIRE(disk.WriteFileAtomically("data/checkpoint", AsBytes("v2")).ok());
  CHECK(disk.ListDirectory("data").value() == std::vector<std::string>{"checkpoint"});
  disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
  CHECK(Text(disk.ReadWholeFile("data/checkpoint")) == "v2");
}

TEST_CASE("SimDisk: a flipped bit changes both current and durable contents") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  REQUIRE(file->Write(0, AsBytes("A")).ok());
  REQUIRE(file->Flush().ok());
  REQUIRE(disk.FlipBit("log", 0, 1).ok());
  CHECK(Text(disk.Contents("log")) == "C");
  CHECK(Text(disk.DurableContents("log")) == "C");
  CHECK(disk.FlipBit("log", 1, 0).code() == absl::StatusCode::kOutOfRange);
  CHECK(disk.FlipBit("other", 0, 0).code() == absl::StatusCode::kNotFound);
}

TEST_CASE("SimDisk: reads stop at the end of the file") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  REQUIRE(file->Write(2, AsBytes("cd")).ok());
  Buffer out(8, 0xff);
  CHECK(file->Read(0, out).value() == 4);
  CHECK(Buffer(out.begin(), out.begin() + 4) == Buffer{0, 0, 'c', 'd'});
  CHECK(file->Read(4, out).value() == 0);
  CHECK(file->Read(100, out).value() == 0);
}

TEST_CASE("SimDisk: stats count completed writes, syncs, reads and bytes written") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  auto file = OpenOrDie(disk, "log");
  REQUIRE(file->Write(0, AsBytes("abc")).ok());
  const Buffer data = Bytes("defg");
  file->WriteAt(3, data, [](absl::Status status) { CHECK(status.ok()); });
  file->Sync([](absl::Status status) { CHECK(status.ok()); });
  scheduler.RunUntilIdle();
  Buffer out(2);
  REQUIRE(file->Read(0, out).ok());
  CHECK(disk.stats().writes == 2);
  CHECK(disk.stats().bytes_written == 7);
  CHECK(disk.stats().syncs == 1);
  CHECK(disk.stats().reads == 1);
}

TEST_CASE("SimDisk: a file outliving its disk reports FailedPrecondition") {
  SimScheduler scheduler;
  std::unique_ptr<File> file;
  {
    SimDisk disk(&scheduler);
    file = OpenOrDie(disk, "log");
  }
  CHECK(file->Write(0, AsBytes("x")).code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("SimDisk: in strict mode a new file survives a crash only once its directory is synced") {
  SimScheduler scheduler;
  SimDisk disk(&scheduler);
  disk.set_strict_directory_durability(true);
  REQUIRE(disk.CreateDirectories("/d").ok());
  for (bool sync_directory : {false, true}) {
    CAPTURE(sync_directory);
    auto file = disk.Open("/d/new", OpenMode::kCreateNew);
    REQUIRE(file.ok());
    REQUIRE((*file)->Write(0, AsBytes("data")).ok());
    REQUIRE((*file)->Flush().ok());  // the contents are durable...
    if (sync_directory) REQUIRE(disk.SyncDirectory("/d").ok());
    disk.Crash(SimDisk::CrashMode::kLoseUnsynced);
    // ...but the name only with the directory sync.
    CHECK(*disk.Exists("/d/new") == sync_directory);
  }
  CHECK(*disk.Contents("/d/new") == Buffer{'d', 'a', 't', 'a'});
}

}  // namespace
}  // namespace cairn::io::sim
