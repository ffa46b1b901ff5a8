#include "client/record_arena.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "doctest/doctest.h"

namespace cairn::client {
namespace {

constexpr size_t kChunk = 1024;  // records of up to 128 bytes are copied

std::optional<std::string> S(std::string s) { return s; }

TEST_CASE("RecordArena: a copied record reads back its exact key and value, absent ones stay absent") {
  RecordArena arena(kChunk, 4 * kChunk);
  ArenaBytes both = arena.Copy(S("key-1"), S("value-1"));
  ArenaBytes tombstone = arena.Copy(S("key-2"), std::nullopt);
  ArenaBytes keyless = arena.Copy(std::nullopt, S("value-3"));
  ArenaBytes empty_key = arena.Copy(S(""), S("v"));
  REQUIRE(!both.empty());
  REQUIRE(!tombstone.empty());
  REQUIRE(!keyless.empty());
  REQUIRE(!empty_key.empty());
  CHECK(both.key() == std::optional<std::string_view>("key-1"));
  CHECK(both.value() == std::optional<std::string_view>("value-1"));
  CHECK(tombstone.key() == std::optional<std::string_view>("key-2"));
  CHECK(!tombstone.value().has_value());
  CHECK(!keyless.key().has_value());
  CHECK(keyless.value() == std::optional<std::string_view>("value-3"));
  CHECK(empty_key.key() == std::optional<std::string_view>(""));
  CHECK(empty_key.value() == std::optional<std::string_view>("v"));
}

TEST_CASE("RecordArena: records with no bytes, or larger than an eighth of a chunk, are not copied") {
  RecordArena arena(kChunk, 4 * kChunk);
  CHECK(arena.Copy(std::nullopt, std::nullopt).empty());
  CHECK(arena.Copy(S(""), S("")).empty());
  CHECK(arena.Copy(S(std::string(100, 'k')), S(std::string(29, 'v'))).empty());  // 129 bytes
  CHECK(!arena.Copy(S(std::string(100, 'k')), S(std::string(28, 'v'))).empty());  // 128 bytes
  CHECK(arena.allocated_bytes() == kChunk);
}

TEST_CASE("RecordArena: a chunk is reused once all its records are released, and at most two are kept spare") {
  RecordArena arena(kChunk, 16 * kChunk);
  std::vector<ArenaBytes> held;
  // 100 bytes each: 10 to a chunk, so 50 records fill 5 chunks.
  for (int i = 0; i < 50; ++i) held.push_back(arena.Copy(std::nullopt, S(std::string(100, 'a' + i % 26))));
  CHECK(arena.allocated_bytes() == 5 * kChunk);
  for (int i = 0; i < 50; ++i) CHECK(held[i].value() == std::optional<std::string_view>(std::string(100, 'a' + i % 26)));
  held.clear();
  // The fifth chunk is still being filled; of the four full ones two are
  // kept for reuse and two freed.
  CHECK(arena.allocated_bytes() == 3 * kChunk);
  for (int i = 0; i < 30; ++i) held.push_back(arena.Copy(std::nullopt, S(std::string(100, 'z'))));
  CHECK(arena.allocated_bytes() == 3 * kChunk);
}

TEST_CASE("RecordArena: at max_bytes records are not copied until a chunk comes back") {
  RecordArena arena(kChunk, 2 * kChunk);
  std::vector<ArenaBytes> first_chunk;
  std::vector<ArenaBytes> second_chunk;
  for (int i = 0; i < 10; ++i) first_chunk.push_back(arena.Copy(std::nullopt, S(std::string(100, 'x'))));
  for (int i = 0; i < 10; ++i) second_chunk.push_back(arena.Copy(std::nullopt, S(std::string(100, 'y'))));
  CHECK(arena.allocated_bytes() == 2 * kChunk);
  CHECK(arena.Copy(std::nullopt, S(std::string(100, 'w'))).empty());
  // One record of the first chunk still held keeps the whole chunk.
  first_chunk.resize(1);
  CHECK(arena.Copy(std::nullopt, S(std::string(100, 'w'))).empty());
  first_chunk.clear();
  ArenaBytes again = arena.Copy(std::nullopt, S(std::string(100, 'w')));
  REQUIRE(!again.empty());
  CHECK(again.value() == std::optional<std::string_view>(std::string(100, 'w')));
  for (const ArenaBytes& bytes : second_chunk) CHECK(bytes.value() == std::optional<std::string_view>(std::string(100, 'y')));
  CHECK(arena.allocated_bytes() == 2 * kChunk);
}

TEST_CASE("RecordArena: moving ArenaBytes moves the reference, assigning over one releases it") {
  RecordArena arena(kChunk, kChunk);
  ArenaBytes a = arena.Copy(S("k"), S(std::string(100, 'a')));
  ArenaBytes b = std::move(a);
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  CHECK(b.key() == std::optional<std::string_view>("k"));
  // Fill the rest of the only chunk the arena may have, then free it all.
  std::vector<ArenaBytes> rest;
  for (int i = 0; i < 9; ++i) rest.push_back(arena.Copy(std::nullopt, S(std::string(100, 'r'))));
  CHECK(arena.Copy(std::nullopt, S(std::string(100, 'n'))).empty());
  rest.clear();
  b = ArenaBytes();
  CHECK(!arena.Copy(std::nullopt, S(std::string(100, 'n'))).empty());
}

TEST_CASE("RecordArena: records copied on one thread and released on another are never overwritten while held") {
  RecordArena arena(4096, 4 * 4096);
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<int, ArenaBytes>> queue;
  bool done = false;
  // As buffer.memory bounds a producer's records, at most kHeld wait here:
  // with records of at most 206 bytes they span two chunks at most, so the
  // arena never runs out and every record is copied.
  constexpr int kRecords = 100000;
  constexpr size_t kHeld = 8;
  int mismatches = 0;
  int received = 0;
  std::thread consumer([&] {
    for (;;) {
      std::pair<int, ArenaBytes> item;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !queue.empty() || done; });
        if (queue.empty()) return;
        item = std::move(queue.front());
        queue.pop_front();
        cv.notify_all();
      }
      const std::string expected = std::to_string(item.first) + std::string(item.first % 200, '.');
      std::optional<std::string_view> value = item.second.value();
      if (!value || *value != expected) ++mismatches;
      ++received;
    }
  });
  int copied = 0;
  for (int i = 0; i < kRecords; ++i) {
    const std::string value = std::to_string(i) + std::string(i % 200, '.');
    ArenaBytes bytes = arena.Copy(std::nullopt, value);
    if (bytes.empty()) continue;
    ++copied;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return queue.size() < kHeld; });
    queue.emplace_back(i, std::move(bytes));
    cv.notify_all();
  }
  {
    std::lock_guard lock(mu);
    done = true;
    cv.notify_all();
  }
  consumer.join();
  CHECK(mismatches == 0);
  CHECK(received == copied);
  CHECK(copied == kRecords);
}

}  // namespace
}  // namespace cairn::client
