// Tests for Ring against real files under /tmp: round trips, overflow beyond
// the CQ, fdatasync, short reads at end of file and raw error results.
#include "io/uring_ring.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
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

int OpenFile(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  CAIRN_CHECK(fd >= 0) << "open " << path;
  return fd;
}

std::unique_ptr<Ring> MakeRing(unsigned depth = Ring::kDefaultQueueDepth) {
  auto ring = Ring::Create(depth);
  CAIRN_CHECK(ring.ok()) << ring.status();
  return *std::move(ring);
}

void RunUntilIdle(Ring& ring) {
  while (ring.in_flight() > 0) ring.WaitAndProcess();
}

TEST_CASE("Ring: bytes written at a position read back identically") {
  TempDir dir;
  const int fd = OpenFile(dir.path + "/f", O_RDWR | O_CREAT);
  auto ring = MakeRing();
  const std::string text = "hello, io_uring";
  int write_res = -1;
  ring->SubmitWrite(fd, 10, AsBytes(text), [&](int res) { write_res = res; });
  CHECK(write_res == -1);  // never inline
  CHECK(ring->in_flight() == 1);
  RunUntilIdle(*ring);
  CHECK(write_res == static_cast<int>(text.size()));

  Buffer out(text.size());
  int read_res = -1;
  ring->SubmitRead(fd, 10, out, [&](int res) { read_res = res; });
  RunUntilIdle(*ring);
  CHECK(read_res == static_cast<int>(text.size()));
  CHECK(AsStringView(out) == text);
  close(fd);
}

TEST_CASE("Ring: 2000 concurrent 4 KiB writes at queue depth 64 all complete with exact contents") {
  TempDir dir;
  const int fd = OpenFile(dir.path + "/f", O_RDWR | O_CREAT);
  auto ring = MakeRing(64);  // CQ 128: most of the 2000 wait in the overflow queue
  constexpr int kWrites = 2000;
  constexpr size_t kBlock = 4096;
  std::vector<Buffer> blocks(kWrites, Buffer(kBlock));
  for (int i = 0; i < kWrites; ++i) {
    for (size_t j = 0; j < kBlock; ++j) blocks[i][j] = static_cast<uint8_t>((i * 31 + j) % 251);
  }
  int completed = 0;
  int wrong_results = 0;
  // Submit in reverse order so completion order cannot mirror position order.
  for (int i = kWrites - 1; i >= 0; --i) {
    ring->SubmitWrite(fd, static_cast<uint64_t>(i) * kBlock, blocks[i], [&](int res) {
      ++completed;
      if (res != static_cast<int>(kBlock)) ++wrong_results;
    });
  }
  CHECK(ring->in_flight() == kWrites);
  RunUntilIdle(*ring);
  CHECK(completed == kWrites);
  CHECK(wrong_results == 0);
  CHECK(ring->in_flight() == 0);

  Buffer contents(kWrites * kBlock + 1);
  const ssize_t n = pread(fd, contents.data(), contents.size(), 0);
  REQUIRE(n == static_cast<ssize_t>(kWrites * kBlock));
  int mismatched_blocks = 0;
  for (int i = 0; i < kWrites; ++i) {
    if (!std::equal(blocks[i].begin(), blocks[i].end(), contents.begin() + i * kBlock))
      ++mismatched_blocks;
  }
  CHECK(mismatched_blocks == 0);
  close(fd);
}

TEST_CASE("Ring: fdatasync completes with 0") {
  TempDir dir;
  const int fd = OpenFile(dir.path + "/f", O_RDWR | O_CREAT);
  auto ring = MakeRing();
  int write_res = -1;
  int sync_res = -1;
  ring->SubmitWrite(fd, 0, AsBytes("durable"), [&](int res) { write_res = res; });
  RunUntilIdle(*ring);
  ring->SubmitFdatasync(fd, [&](int res) { sync_res = res; });
  RunUntilIdle(*ring);
  CHECK(write_res == 7);
  CHECK(sync_res == 0);
  close(fd);
}

// Whether the page cache page holding byte `offset` of `fd` is dirty (written
// but not yet on the disk), read from the kernel's own page flags: map the
// page, find its frame in /proc/self/pagemap, and read KPF_DIRTY (bit 4) from
// /proc/kpageflags. Both need root, as the test suite has (README).
bool PageIsDirty(int fd, off_t offset) {
  const long page = sysconf(_SC_PAGESIZE);
  void* map = mmap(nullptr, page, PROT_READ, MAP_SHARED, fd, offset - offset % page);
  CAIRN_CHECK(map != MAP_FAILED) << "mmap";
  const volatile char touched = *static_cast<const char*>(map);  // fault the page in
  (void)touched;
  uint64_t entry = 0;
  const int pagemap = OpenFile("/proc/self/pagemap", O_RDONLY);
  CAIRN_CHECK(pread(pagemap, &entry, sizeof(entry), reinterpret_cast<uintptr_t>(map) / page * sizeof(entry)) ==
              sizeof(entry));
  close(pagemap);
  munmap(map, page);
  const uint64_t frame = entry & ((uint64_t{1} << 55) - 1);
  CAIRN_CHECK((entry >> 63) == 1 && frame != 0) << "no page frame (pagemap needs CAP_SYS_ADMIN)";
  uint64_t flags = 0;
  const int kpageflags = OpenFile("/proc/kpageflags", O_RDONLY);
  CAIRN_CHECK(pread(kpageflags, &flags, sizeof(flags), static_cast<off_t>(frame * sizeof(flags))) == sizeof(flags));
  close(kpageflags);
  return (flags >> 4) & 1;
}

TEST_CASE("Ring: a durable write leaves its pages clean on the disk, a plain write leaves them dirty") {
  // Under /var/tmp, which is on a disk: tmpfs pages count as dirty forever.
  char name[] = "/var/tmp/cairn-test-XXXXXX";
  REQUIRE(mkdtemp(name) != nullptr);
  const std::string dir = name;
  struct statfs fs {};
  REQUIRE(statfs(dir.c_str(), &fs) == 0);
  REQUIRE_MESSAGE(fs.f_type != TMPFS_MAGIC, dir, " is a tmpfs: durability cannot be observed there");
  const int fd = OpenFile(dir + "/f", O_RDWR | O_CREAT);
  auto ring = MakeRing();
  const std::string page_a(4096, 'a'), page_b(4096, 'b');
  int plain = -1, durable = -1;
  ring->SubmitWrite(fd, 0, AsBytes(page_a), [&](int res) { plain = res; });
  RunUntilIdle(*ring);
  ring->SubmitDurableWrite(fd, 4096, AsBytes(page_b), [&](int res) { durable = res; });
  RunUntilIdle(*ring);
  CHECK(plain == 4096);
  CHECK(durable == 4096);
  // Only the durable write's range is promised: the plain write's page may
  // stay dirty, and does until writeback comes by (seconds later).
  CHECK(PageIsDirty(fd, 0));
  CHECK_FALSE(PageIsDirty(fd, 4096));
  Buffer back(8192);
  CHECK(pread(fd, back.data(), back.size(), 0) == 8192);
  CHECK(AsStringView(back) == page_a + page_b);
  close(fd);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

TEST_CASE("Ring: a read past end of file returns only the bytes that exist") {
  TempDir dir;
  const int fd = OpenFile(dir.path + "/f", O_RDWR | O_CREAT);
  REQUIRE(pwrite(fd, std::string(100, 'x').data(), 100, 0) == 100);
  auto ring = MakeRing();
  Buffer out(4096);
  int straddling = -1;
  int beyond = -1;
  ring->SubmitRead(fd, 40, out, [&](int res) { straddling = res; });
  ring->SubmitRead(fd, 1000, MutableByteSpan(out).subspan(0, 10), [&](int res) { beyond = res; });
  RunUntilIdle(*ring);
  CHECK(straddling == 60);
  CHECK(beyond == 0);
  close(fd);
}

TEST_CASE("Ring: a write to a read-only descriptor reports -EBADF") {
  TempDir dir;
  close(OpenFile(dir.path + "/f", O_RDWR | O_CREAT));
  const int fd = OpenFile(dir.path + "/f", O_RDONLY);
  auto ring = MakeRing();
  int res = 0;
  ring->SubmitWrite(fd, 0, AsBytes("nope"), [&](int r) { res = r; });
  RunUntilIdle(*ring);
  CHECK(res == -EBADF);
  close(fd);
}

TEST_CASE("Ring: the submit hook fires once per batch of queued requests") {
  TempDir dir;
  const int fd = OpenFile(dir.path + "/f", O_RDWR | O_CREAT);
  auto ring = MakeRing();
  int hook_calls = 0;
  ring->set_submit_hook([&] { ++hook_calls; });
  int completed = 0;
  for (int i = 0; i < 10; ++i) {
    ring->SubmitWrite(fd, static_cast<uint64_t>(i), AsBytes("a"), [&](int) { ++completed; });
  }
  CHECK(hook_calls == 1);
  ring->SubmitPending();
  ring->SubmitWrite(fd, 10, AsBytes("b"), [&](int) { ++completed; });
  CHECK(hook_calls == 2);
  RunUntilIdle(*ring);
  CHECK(completed == 11);
  close(fd);
}

TEST_CASE("Ring: destroying a ring first completes its in-flight requests") {
  TempDir dir;
  const int fd = OpenFile(dir.path + "/f", O_RDWR | O_CREAT);
  auto ring = MakeRing();
  const Buffer data(8192, 7);
  int res = -1;
  ring->SubmitWrite(fd, 0, data, [&](int r) { res = r; });
  ring.reset();
  CHECK(res == 8192);
  close(fd);
}

}  // namespace
}  // namespace cairn::io
