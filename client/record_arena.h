// Where a Producer keeps the keys and values of small records between Send
// and their acknowledgement.
//
// Send runs on the application's thread and a record is freed on the io
// thread once acknowledged. Keeping the application's own strings meant that
// every record's value was allocated by one thread and freed by another,
// which glibc's malloc handles badly: its free lists live inside the freed
// blocks, so each free and the next malloc pull the block's cache line from
// the other CPU, and the two threads meet on the arena's locks. That was
// about a quarter of the client's CPU at 100 B records (docs/benchmarks.md,
// "Records copied into the producer's arena"). Instead Send copies a small
// record's key and value into a chunk of this arena, so the application's
// strings are freed where they were allocated, and the io thread only reads
// the chunk. A chunk is reused once every record in it has been released.
//
// Chunks hold records of every partition, so one record that waits (a
// partition without a leader, a retry) keeps its whole chunk. The arena
// therefore stops copying when its chunks reach `max_bytes` (the producer's
// buffer.memory); records then keep their own strings until chunks free up.
//
// Threading: thread-safe. ArenaBytes may be released on any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::client {

class RecordArena;

// One chunk of the arena: a header, then the bytes of its records.
struct ArenaChunk {
  // While the arena fills a chunk, `refs` holds kFilling less the records
  // released so far, so Copy only counts `copied` under the arena's mutex,
  // and no atomic is shared between the application's threads and the io
  // thread per record. When the chunk is full the arena takes the records
  // never copied out of kFilling, leaving the count of records still held;
  // the release that takes it to zero returns the chunk.
  static constexpr uint64_t kFilling = uint64_t{1} << 62;

  RecordArena* const arena;
  std::unique_ptr<char[]> data;  // the arena's chunk_bytes
  size_t used = 0;        // guarded by the arena's mutex
  uint64_t copied = 0;    // guarded by the arena's mutex
  // Apart from the fields Copy writes, which the io thread's releases
  // would otherwise pull back and forth.
  alignas(64) std::atomic<uint64_t> refs{kFilling};
};

// A record's key and value copied into the arena, or nothing (empty()). Owns
// one reference to its chunk: destroying it releases the chunk.
class ArenaBytes {
 public:
  ArenaBytes() = default;
  ArenaBytes(ArenaBytes&& other) noexcept;
  ArenaBytes& operator=(ArenaBytes&& other) noexcept;
  ArenaBytes(const ArenaBytes&) = delete;
  ArenaBytes& operator=(const ArenaBytes&) = delete;
  ~ArenaBytes() { Release(); }

  bool empty() const { return chunk_ == nullptr; }
  std::optional<std::string_view> key() const;
  std::optional<std::string_view> value() const;

 private:
  friend class RecordArena;
  void Release();

  // Where the key's bytes start, the value's right after them.
  struct Fields {
    const char* bytes = nullptr;
    uint32_t key_size = 0;
    uint32_t value_size = 0;
    bool has_key = false;
    bool has_value = false;
  };

  ArenaChunk* chunk_ = nullptr;
  Fields fields_;
};

class RecordArena {
 public:
  // Records of up to chunk_bytes / 8 are copied; at most `max_bytes` of
  // chunks are allocated at a time (at least one chunk).
  RecordArena(size_t chunk_bytes, size_t max_bytes);
  // Every ArenaBytes must have been released by now.
  ~RecordArena();
  RecordArena(const RecordArena&) = delete;
  RecordArena& operator=(const RecordArena&) = delete;

  // Copies `key` and `value` (either may be absent) into the arena, or
  // returns an empty ArenaBytes when the record is too large for it or the
  // arena is at max_bytes: the caller then keeps the record's own strings.
  ArenaBytes Copy(const std::optional<std::string>& key, const std::optional<std::string>& value);

  // Bytes of chunks allocated now, in use or kept for reuse (for tests).
  size_t allocated_bytes() const;

 private:
  friend class ArenaBytes;
  // A chunk's last reference went: keep it for reuse or free it.
  void Return(ArenaChunk* chunk);
  void ReturnLocked(ArenaChunk* chunk);  // with mu_ held
  // With mu_ held: a chunk with room for `bytes`, or nullptr at max_bytes.
  ArenaChunk* ChunkWithRoomLocked(size_t bytes);

  const size_t chunk_bytes_;
  const size_t max_copied_bytes_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  ArenaChunk* filling_ = nullptr;     // guarded by mu_; the chunk Copy writes into
  std::vector<ArenaChunk*> spare_;    // guarded by mu_; returned, kept for reuse
  size_t allocated_bytes_ = 0;        // guarded by mu_
};

}  // namespace cairn::client
