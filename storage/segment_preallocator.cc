#include "storage/segment_preallocator.h"

#include <algorithm>
#include <limits>

#include "common/check.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace cairn::storage {
namespace {

// Every zeroing write copies from here; it must outlive any write in flight.
ByteSpan Zeroes(uint64_t length) {
  static const Buffer* zeroes = new Buffer(SegmentPreallocator::kStepBytes);
  return ByteSpan(zeroes->data(), length);
}

}  // namespace

SegmentPreallocator::SegmentPreallocator(io::FileSystem* fs, std::function<void()> on_progress)
    : fs_(fs), on_progress_(std::move(on_progress)) {}

SegmentPreallocator::~SegmentPreallocator() { *alive_ = false; }

void SegmentPreallocator::MaybeStart(const std::shared_ptr<Segment>& active, uint64_t last_write_bytes,
                                     int64_t segment_bytes) {
  if (busy() || last_write_bytes >= kSmallWriteBytes) return;
  if (segment_ != nullptr && segment_ != active) return;  // the old one awaits its Trim
  if (segment_ != nullptr && stopped_) return;
  const uint64_t limit = static_cast<uint64_t>(
      std::clamp<int64_t>(segment_bytes, 0, std::numeric_limits<int32_t>::max()));
  const uint64_t from = std::max(segment_ ? zeroed_end_ : 0, active->size_bytes());
  if (from >= active->size_bytes() + kStepBytes / 2 || from >= limit) return;
  if (segment_ == nullptr) {
    auto file = fs_->Open(active->path(), io::OpenMode::kReadWrite);
    if (!file.ok()) {
      CAIRN_LOG(kWarning) << "not preallocating " << active->path() << ": " << file.status();
      return;
    }
    segment_ = active;
    zero_file_ = std::shared_ptr<io::File>(std::move(*file));
    stopped_ = false;
  }
  const uint64_t length = std::min(kStepBytes, limit - from);
  state_ = State::kWriting;
  zero_file_->WriteAt(from, Zeroes(length), [this, alive = alive_, generation = generation_, from, length,
                                             file = zero_file_](absl::Status written) {
    if (!*alive || generation != generation_) return;
    if (!written.ok()) {
      Stop(written);
      state_ = State::kIdle;
      on_progress_();
      return;
    }
    state_ = State::kSyncing;
    file->Sync([this, alive = alive_, generation = generation_, end = from + length, file](absl::Status synced) {
      if (!*alive || generation != generation_) return;
      state_ = State::kIdle;
      if (synced.ok()) {
        zeroed_end_ = end;
      } else {
        Stop(synced);
      }
      on_progress_();
    });
    on_progress_();  // last: it may destroy this
  });
}

void SegmentPreallocator::Stop(const absl::Status& status) {
  // The segment's own durable writes report any real disk error; a full disk
  // only means this segment grows as it is written.
  CAIRN_LOG(kWarning) << "stopped preallocating " << segment_->path() << ": " << status;
  stopped_ = true;
}

absl::Status SegmentPreallocator::Trim() {
  CAIRN_CHECK(!busy()) << "trimming " << segment_->path() << " while it is being zeroed";
  const std::shared_ptr<Segment> segment = segment_;
  Forget();
  if (segment == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(segment->file()->Truncate(segment->size_bytes()));
  // The shorter size must be durable before a later segment gets a write:
  // recovery accepts a bad tail only in the last segment.
  return segment->file()->Flush();
}

void SegmentPreallocator::Forget() {
  segment_ = nullptr;
  zero_file_ = nullptr;
  zeroed_end_ = 0;
  state_ = State::kIdle;
  stopped_ = false;
  ++generation_;
}

}  // namespace cairn::storage
