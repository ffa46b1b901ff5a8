// Fetch v4 by hand (see raw_fetch_driver.h). Wire layouts: Kafka protocol
// guide, FetchRequest/FetchResponse v4 and RecordBatch v2
// (reference/kafka-protocol.md).
#include "bench/raw_fetch_driver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"

namespace cairn::bench {
namespace {

constexpr int16_t kFetchApiKey = 1;
constexpr int16_t kFetchVersion = 4;

class Writer {
 public:
  void Int8(int8_t v) { bytes_.push_back(static_cast<char>(v)); }
  void Int16(int16_t v) { Big(static_cast<uint64_t>(static_cast<uint16_t>(v)), 2); }
  void Int32(int32_t v) { Big(static_cast<uint64_t>(static_cast<uint32_t>(v)), 4); }
  void Int64(int64_t v) { Big(static_cast<uint64_t>(v), 8); }
  void String(const std::string& s) {
    Int16(static_cast<int16_t>(s.size()));
    bytes_ += s;
  }
  // The bytes with their INT32 size prefix (a request frame).
  std::string Framed() const {
    Writer frame;
    frame.Int32(static_cast<int32_t>(bytes_.size()));
    return frame.bytes_ + bytes_;
  }

 private:
  void Big(uint64_t v, int width) {
    for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) bytes_.push_back(static_cast<char>(v >> shift));
  }
  std::string bytes_;
};

// Big-endian reads with bounds checks; `ok()` turns false past the end.
class Reader {
 public:
  Reader(const unsigned char* data, size_t size) : data_(data), size_(size) {}
  int64_t Big(int width) {
    if (!Has(static_cast<size_t>(width))) return 0;
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) v = (v << 8) | data_[pos_++];
    if (width == 2) return static_cast<int16_t>(v);
    if (width == 4) return static_cast<int32_t>(v);
    return static_cast<int64_t>(v);
  }
  void Skip(size_t n) {
    if (Has(n)) pos_ += n;
  }
  const unsigned char* Take(size_t n) {
    if (!Has(n)) return nullptr;
    pos_ += n;
    return data_ + pos_ - n;
  }
  bool ok() const { return ok_; }

 private:
  bool Has(size_t n) {
    ok_ = ok_ && size_ - pos_ >= n;
    return ok_;
  }
  const unsigned char* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// One request for `partitions` (a slice of the topic's), from `offsets`.
std::string FetchRequest(const RawFetchLoad& load, int32_t correlation_id, const std::vector<int>& partitions,
                         const std::vector<int64_t>& offsets) {
  Writer w;
  w.Int16(kFetchApiKey);
  w.Int16(kFetchVersion);
  w.Int32(correlation_id);
  w.String("cairn-raw-fetch");
  w.Int32(-1);   // replica_id: a consumer
  w.Int32(100);  // max_wait_ms
  w.Int32(1);    // min_bytes
  w.Int32(static_cast<int32_t>(load.max_bytes));
  w.Int8(0);  // isolation_level: read_uncommitted
  w.Int32(1);
  w.String(load.topic);
  w.Int32(static_cast<int32_t>(partitions.size()));
  for (const int p : partitions) {
    w.Int32(p);
    w.Int64(offsets[static_cast<size_t>(p)]);
    w.Int32(static_cast<int32_t>(load.partition_max_bytes));
  }
  return w.Framed();
}

// Walks one partition's record batches: the offset after the last complete
// batch (or `offset` if none is complete).
int64_t NextOffset(const unsigned char* records, size_t size, int64_t offset) {
  // baseOffset INT64, batchLength INT32, partitionLeaderEpoch INT32, magic
  // INT8, crc INT32, attributes INT16, lastOffsetDelta INT32, ...
  constexpr size_t kLastOffsetDeltaEnd = 27;
  for (size_t pos = 0; size - pos >= kLastOffsetDeltaEnd;) {
    Reader batch(records + pos, size - pos);
    const int64_t base_offset = batch.Big(8);
    const int64_t length = batch.Big(4);
    batch.Skip(4 + 1 + 4 + 2);
    const int64_t last_offset_delta = batch.Big(4);
    if (length < 0 || static_cast<size_t>(length) + 12 > size - pos) break;
    offset = base_offset + last_offset_delta + 1;
    pos += static_cast<size_t>(length) + 12;
  }
  return offset;
}

bool ReadExactly(int fd, unsigned char* out, size_t size) {
  for (size_t got = 0; got < size;) {
    const ssize_t n = recv(fd, out + got, size - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

absl::StatusOr<RawFetchResult> RunRawFetch(const RawFetchLoad& load) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(load.port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect: ", std::strerror(errno)));
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

  // Request slot s always asks for the s-th contiguous slice of the
  // partitions, so requests in flight never ask for the same records.
  const int slots = std::clamp(load.requests_in_flight, 1, load.partitions);
  std::vector<std::vector<int>> slices(static_cast<size_t>(slots));
  for (int p = 0; p < load.partitions; ++p) {
    slices[static_cast<size_t>(p * slots / load.partitions)].push_back(p);
  }
  std::vector<int64_t> offsets(static_cast<size_t>(load.partitions), 0);
  // Unknown until a response reports it.
  std::vector<int64_t> high_watermarks(static_cast<size_t>(load.partitions), std::numeric_limits<int64_t>::max());
  auto caught_up = [&](const std::vector<int>& slice) {
    return std::all_of(slice.begin(), slice.end(), [&](int p) {
      return offsets[static_cast<size_t>(p)] >= high_watermarks[static_cast<size_t>(p)];
    });
  };
  RawFetchResult result;
  std::deque<size_t> in_flight;  // the slice of each request awaiting its response, oldest first
  auto send_request = [&](size_t slice) {
    const std::string request = FetchRequest(load, static_cast<int32_t>(++result.requests), slices[slice], offsets);
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
    }
    in_flight.push_back(slice);
    return absl::OkStatus();
  };

  std::vector<unsigned char> response;
  absl::Status status;
  const auto start = std::chrono::steady_clock::now();
  auto last_records = start;
  for (size_t slice = 0; slice < slices.size() && status.ok(); ++slice) status = send_request(slice);
  while (status.ok() && !in_flight.empty()) {
    const size_t slice = in_flight.front();
    in_flight.pop_front();
    unsigned char size_bytes[4];
    if (!ReadExactly(fd, size_bytes, 4)) {
      status = absl::UnavailableError("the broker closed the connection");
      break;
    }
    response.resize(static_cast<size_t>(Reader(size_bytes, 4).Big(4)));
    if (!ReadExactly(fd, response.data(), response.size())) {
      status = absl::UnavailableError("the broker closed the connection mid-response");
      break;
    }
    Reader r(response.data(), response.size());
    r.Skip(4 + 4);  // correlation_id, throttle_time_ms
    int64_t received = 0;
    for (int64_t topics = r.Big(4); topics > 0 && r.ok(); --topics) {
      r.Skip(static_cast<size_t>(r.Big(2)));  // name
      for (int64_t partitions = r.Big(4); partitions > 0 && r.ok(); --partitions) {
        const auto partition = static_cast<size_t>(r.Big(4));
        const int64_t error = r.Big(2);
        const int64_t high_watermark = r.Big(8);
        r.Skip(8);  // last_stable_offset
        const int64_t aborted = r.Big(4);
        r.Skip(static_cast<size_t>(std::max<int64_t>(aborted, 0)) * 16);
        const int64_t size = std::max<int64_t>(r.Big(4), 0);
        const unsigned char* records = r.Take(static_cast<size_t>(size));
        if (error != 0 || partition >= offsets.size()) {
          status = absl::InternalError(absl::StrCat("fetch partition ", partition, ": error ", error));
          break;
        }
        if (records == nullptr) continue;
        high_watermarks[partition] = high_watermark;
        offsets[partition] = NextOffset(records, static_cast<size_t>(size), offsets[partition]);
        received += size;
      }
    }
    if (!r.ok() && status.ok()) status = absl::DataLossError("malformed fetch response");
    result.record_bytes += received;
    if (received > 0) last_records = std::chrono::steady_clock::now();
    if (status.ok() && !caught_up(slices[slice])) status = send_request(slice);
  }
  close(fd);
  if (!status.ok()) return status;
  result.seconds = std::chrono::duration<double>(last_records - start).count();
  return result;
}

}  // namespace cairn::bench
