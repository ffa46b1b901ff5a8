#include "client/fetch_buffer.h"

#include "common/check.h"

namespace cairn::client {

void FetchBuffer::Add(const TopicPartition& tp, int64_t fetch_offset, uint64_t epoch, FetchedRecords fetched) {
  Drop(tp);
  Entry entry;
  entry.expected_position = fetch_offset;
  entry.epoch = epoch;
  entry.next_offset = fetched.next_offset;
  entry.bytes = fetched.bytes;
  entry.records.assign(std::make_move_iterator(fetched.records.begin()),
                       std::make_move_iterator(fetched.records.end()));
  bytes_ += entry.bytes;
  entries_.emplace(tp, std::move(entry));
}

bool FetchBuffer::Continues(const TopicPartition& tp, int64_t fetch_offset, uint64_t epoch) const {
  auto it = entries_.find(tp);
  return it != entries_.end() && it->second.prefetch && it->second.epoch == epoch &&
         it->second.next_offset == fetch_offset;
}

void FetchBuffer::Append(const TopicPartition& tp, FetchedRecords fetched) {
  Entry& entry = entries_.at(tp);
  CAIRN_CHECK(fetched.next_offset >= entry.next_offset) << fetched.next_offset << " < " << entry.next_offset;
  CAIRN_DCHECK(fetched.records.empty() || fetched.records.front().offset >= entry.next_offset);
  entry.next_offset = fetched.next_offset;
  entry.bytes += fetched.bytes;
  bytes_ += fetched.bytes;
  entry.records.insert(entry.records.end(), std::make_move_iterator(fetched.records.begin()),
                       std::make_move_iterator(fetched.records.end()));
}

int64_t FetchBuffer::PrefetchOffset(const TopicPartition& tp) const {
  auto it = entries_.find(tp);
  return it != entries_.end() && it->second.prefetch ? it->second.next_offset : -1;
}

void FetchBuffer::StopPrefetch(const TopicPartition& tp) {
  auto it = entries_.find(tp);
  if (it != entries_.end()) it->second.prefetch = false;
}

size_t FetchBuffer::BytesOf(const TopicPartition& tp) const {
  auto it = entries_.find(tp);
  return it == entries_.end() ? 0 : it->second.bytes;
}

void FetchBuffer::Drop(const TopicPartition& tp) {
  auto it = entries_.find(tp);
  if (it == entries_.end()) return;
  bytes_ -= it->second.bytes;
  entries_.erase(it);
}

void FetchBuffer::Clear() {
  entries_.clear();
  bytes_ = 0;
}

size_t FetchBuffer::records() const {
  size_t n = 0;
  for (const auto& [tp, e] : entries_) n += e.records.size();
  return n;
}

std::vector<ConsumerRecord> FetchBuffer::Drain(ConsumerAssignment& assignment, size_t max_records) {
  std::vector<ConsumerRecord> out;
  // Start after the partition drained last, wrapping around.
  std::vector<TopicPartition> order;
  for (auto it = entries_.upper_bound(last_drained_); it != entries_.end(); ++it) order.push_back(it->first);
  for (auto it = entries_.begin(); it != entries_.end() && it->first <= last_drained_; ++it) order.push_back(it->first);

  for (const TopicPartition& tp : order) {
    Entry& e = entries_.at(tp);
    const ConsumerAssignment::Partition* p = assignment.Find(tp);
    const bool stale = p == nullptr || p->revoking || p->phase != ConsumerAssignment::Phase::kFetchable ||
                       p->epoch != e.epoch || p->position != e.expected_position;
    if (stale) {
      Drop(tp);
      continue;
    }
    if (p->paused || out.size() >= max_records) continue;
    while (!e.records.empty() && out.size() < max_records) {
      ConsumerRecord& r = e.records.front();
      const size_t footprint = RecordFootprint(r);
      e.bytes -= footprint;
      bytes_ -= footprint;
      e.expected_position = r.offset + 1;
      out.push_back(std::move(r));
      e.records.pop_front();
    }
    last_drained_ = tp;
    if (e.records.empty()) {
      // Past skipped and control records at the end of the fetch too.
      assignment.Advance(tp, e.next_offset);
      Drop(tp);
    } else {
      assignment.Advance(tp, e.expected_position);
    }
  }
  return out;
}

}  // namespace cairn::client
