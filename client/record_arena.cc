#include "client/record_arena.h"

#include <cstring>
#include <utility>

#include "common/check.h"

namespace cairn::client {
namespace {

// Returned chunks kept for reuse; more are freed, so an idle producer holds
// little more than this.
constexpr size_t kSpareChunks = 2;

}  // namespace

ArenaBytes::ArenaBytes(ArenaBytes&& other) noexcept
    : chunk_(std::exchange(other.chunk_, nullptr)), fields_(other.fields_) {}

ArenaBytes& ArenaBytes::operator=(ArenaBytes&& other) noexcept {
  if (this != &other) {
    Release();
    chunk_ = std::exchange(other.chunk_, nullptr);
    fields_ = other.fields_;
  }
  return *this;
}

std::optional<std::string_view> ArenaBytes::key() const {
  if (!fields_.has_key) return std::nullopt;
  return std::string_view(fields_.bytes, fields_.key_size);
}

std::optional<std::string_view> ArenaBytes::value() const {
  if (!fields_.has_value) return std::nullopt;
  return std::string_view(fields_.bytes + fields_.key_size, fields_.value_size);
}

void ArenaBytes::Release() {
  ArenaChunk* chunk = std::exchange(chunk_, nullptr);
  // acq_rel: every read of the chunk through any reference happens before
  // the last release hands it back for new records to overwrite.
  if (chunk != nullptr && chunk->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) chunk->arena->Return(chunk);
}

RecordArena::RecordArena(size_t chunk_bytes, size_t max_bytes)
    : chunk_bytes_(chunk_bytes), max_copied_bytes_(chunk_bytes / 8), max_bytes_(max_bytes) {}

RecordArena::~RecordArena() {
  // A record released after this would return its chunk to a freed arena:
  // every chunk must be the one being filled, with no record still held,
  // or a spare.
  const size_t idle_chunks = spare_.size() + (filling_ != nullptr ? 1 : 0);
  CAIRN_CHECK(allocated_bytes_ == idle_chunks * chunk_bytes_ &&
              (filling_ == nullptr || filling_->refs.load() == ArenaChunk::kFilling - filling_->copied))
      << "a record outlived its producer's arena";
  delete filling_;
  for (ArenaChunk* chunk : spare_) delete chunk;
}

ArenaBytes RecordArena::Copy(const std::optional<std::string>& key, const std::optional<std::string>& value) {
  const size_t key_size = key ? key->size() : 0;
  const size_t value_size = value ? value->size() : 0;
  const size_t bytes = key_size + value_size;
  // Nothing to copy (a record of empty or absent fields has no allocation of
  // its own to move between threads), or too large to be worth a copy.
  if (bytes == 0 || bytes > max_copied_bytes_) return {};
  std::lock_guard lock(mu_);
  ArenaChunk* chunk = ChunkWithRoomLocked(bytes);
  if (chunk == nullptr) return {};
  char* at = chunk->data.get() + chunk->used;
  if (key_size > 0) std::memcpy(at, key->data(), key_size);
  if (value_size > 0) std::memcpy(at + key_size, value->data(), value_size);
  chunk->used += bytes;
  ++chunk->copied;
  ArenaBytes copied;
  copied.chunk_ = chunk;
  copied.fields_ = {at, static_cast<uint32_t>(key_size), static_cast<uint32_t>(value_size), key.has_value(),
                    value.has_value()};
  return copied;
}

ArenaChunk* RecordArena::ChunkWithRoomLocked(size_t bytes) {
  if (filling_ != nullptr && chunk_bytes_ - filling_->used >= bytes) return filling_;
  if (filling_ != nullptr) {
    // Full: the arena lets go of it, and its records' releases return it.
    ArenaChunk* full = std::exchange(filling_, nullptr);
    const uint64_t never_copied = ArenaChunk::kFilling - full->copied;
    if (full->refs.fetch_sub(never_copied, std::memory_order_acq_rel) == never_copied) ReturnLocked(full);
  }
  if (!spare_.empty()) {
    filling_ = spare_.back();
    spare_.pop_back();
    return filling_;
  }
  if (allocated_bytes_ + chunk_bytes_ > max_bytes_ && allocated_bytes_ > 0) return nullptr;
  auto* chunk = new ArenaChunk{this};
  chunk->data = std::make_unique_for_overwrite<char[]>(chunk_bytes_);
  allocated_bytes_ += chunk_bytes_;
  filling_ = chunk;
  return chunk;
}

void RecordArena::Return(ArenaChunk* chunk) {
  std::lock_guard lock(mu_);
  ReturnLocked(chunk);
}

void RecordArena::ReturnLocked(ArenaChunk* chunk) {
  if (spare_.size() < kSpareChunks) {
    chunk->used = 0;
    chunk->copied = 0;
    chunk->refs.store(ArenaChunk::kFilling, std::memory_order_relaxed);
    spare_.push_back(chunk);
    return;
  }
  allocated_bytes_ -= chunk_bytes_;
  delete chunk;
}

size_t RecordArena::allocated_bytes() const {
  std::lock_guard lock(mu_);
  return allocated_bytes_;
}

}  // namespace cairn::client
