// Kafka record codecs over zlib, snappy, lz4 and zstd. Every decompressor
// streams into fixed-size chunks and checks the cap before growing its output,
// so a small hostile input can never make us allocate more than cap + a chunk.
#include "common/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace cairn {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;
constexpr size_t kSnappyBlockBytes = 32 * 1024;  // The Java client's xerial block size.
constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
constexpr size_t kXerialHeaderBytes = 16;  // magic, version, compatible version.
constexpr int kZstdLevel = 3;

absl::Status CapExceeded(size_t max_output_bytes) {
  return absl::ResourceExhaustedError(
      absl::StrCat("decompressed data exceeds the limit of ", max_output_bytes, " bytes"));
}

// Output buffer that refuses to grow past the cap and never lets vector
// doubling reserve more than the cap either.
class CappedOutput {
 public:
  explicit CappedOutput(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Extends the buffer by `n` bytes and returns where they start.
  absl::StatusOr<uint8_t*> Grow(size_t n) {
    if (n > max_bytes_ - out_.size()) return CapExceeded(max_bytes_);
    size_t needed = out_.size() + n;
    if (needed > out_.capacity()) out_.reserve(std::min(std::max(needed, out_.capacity() * 2), max_bytes_));
    size_t old_size = out_.size();
    out_.resize(needed);
    return out_.data() + old_size;
  }

  absl::Status Append(const uint8_t* data, size_t n) {
    if (n == 0) return absl::OkStatus();
    ASSIGN_OR_RETURN(uint8_t * dst, Grow(n));
    std::memcpy(dst, data, n);
    return absl::OkStatus();
  }

  Buffer Take() && { return std::move(out_); }

 private:
  size_t max_bytes_;
  Buffer out_;
};

// ---- gzip ----

absl::StatusOr<Buffer> CompressGzip(ByteSpan input) {
  if (input.size() > UINT_MAX) return absl::InvalidArgumentError("gzip input too large");
  z_stream zs{};
  // windowBits 15 + 16 selects the RFC 1952 gzip wrapper.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("deflateInit2 failed");
  }
  Buffer out(deflateBound(&zs, static_cast<uLong>(input.size())));
  zs.next_in = const_cast<Bytef*>(input.data());
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int ret = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (ret != Z_STREAM_END) return absl::InternalError(absl::StrCat("deflate failed: ", ret));
  return out;
}

absl::StatusOr<Buffer> DecompressGzip(ByteSpan input, size_t max_output_bytes) {
  if (input.size() > UINT_MAX) return absl::InvalidArgumentError("gzip input too large");
  z_stream zs{};
  // windowBits 15 + 32 auto-detects the gzip (or zlib) wrapper.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return absl::InternalError("inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  zs.next_in = const_cast<Bytef*>(input.data());
  zs.avail_in = static_cast<uInt>(input.size());
  CappedOutput out(max_output_bytes);
  Buffer chunk(kChunkBytes);
  while (true) {
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    int ret = inflate(&zs, Z_NO_FLUSH);
    RETURN_IF_ERROR(out.Append(chunk.data(), chunk.size() - zs.avail_out));
    if (ret == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Concatenated gzip members are one stream (as java.util.zip reads them).
      if (inflateReset(&zs) != Z_OK) return absl::InternalError("inflateReset failed");
      continue;
    }
    if (ret == Z_BUF_ERROR) return absl::InvalidArgumentError("truncated gzip data");
    if (ret != Z_OK) {
      return absl::InvalidArgumentError(absl::StrCat("corrupt gzip data: ", zs.msg ? zs.msg : "unknown error"));
    }
  }
  return std::move(out).Take();
}

// ---- snappy ----

absl::StatusOr<Buffer> CompressSnappy(ByteSpan input) {
  Buffer out(kXerialMagic, kXerialMagic + sizeof(kXerialMagic));
  AppendBigEndian<int32_t>(out, 1);  // version
  AppendBigEndian<int32_t>(out, 1);  // minimum compatible version
  std::string block;
  for (size_t pos = 0; pos < input.size(); pos += kSnappyBlockBytes) {
    size_t n = std::min(kSnappyBlockBytes, input.size() - pos);
    snappy::Compress(reinterpret_cast<const char*>(input.data() + pos), n, &block);
    AppendBigEndian<int32_t>(out, static_cast<int32_t>(block.size()));
    out.insert(out.end(), block.begin(), block.end());
  }
  return out;
}

// Decodes one raw snappy block onto the end of `out`, length-checked first.
absl::Status AppendRawSnappy(ByteSpan block, CappedOutput& out) {
  const char* data = reinterpret_cast<const char*>(block.data());
  size_t length = 0;
  if (!snappy::GetUncompressedLength(data, block.size(), &length)) {
    return absl::InvalidArgumentError("corrupt snappy block header");
  }
  ASSIGN_OR_RETURN(uint8_t * dst, out.Grow(length));
  if (!snappy::RawUncompress(data, block.size(), reinterpret_cast<char*>(dst))) {
    return absl::InvalidArgumentError("corrupt snappy block");
  }
  return absl::OkStatus();
}

bool IsXerial(ByteSpan input) {
  return input.size() >= kXerialHeaderBytes && std::memcmp(input.data(), kXerialMagic, sizeof(kXerialMagic)) == 0;
}

absl::StatusOr<Buffer> DecompressSnappy(ByteSpan input, size_t max_output_bytes) {
  CappedOutput out(max_output_bytes);
  if (!IsXerial(input)) {
    RETURN_IF_ERROR(AppendRawSnappy(input, out));
    return std::move(out).Take();
  }
  ByteSpan rest = input.subspan(kXerialHeaderBytes);
  while (!rest.empty()) {
    if (rest.size() < 4) return absl::InvalidArgumentError("truncated xerial snappy block length");
    int32_t length = LoadBigEndian<int32_t>(rest.data());
    rest = rest.subspan(4);
    if (length < 0 || static_cast<size_t>(length) > rest.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("xerial snappy block length ", length, " exceeds the ", rest.size(), " bytes left"));
    }
    RETURN_IF_ERROR(AppendRawSnappy(rest.first(static_cast<size_t>(length)), out));
    rest = rest.subspan(static_cast<size_t>(length));
  }
  return std::move(out).Take();
}

// ---- lz4 ----

absl::StatusOr<Buffer> CompressLz4(ByteSpan input) {
  LZ4F_preferences_t prefs{};
  // Independent 64 KiB blocks: what librdkafka writes and the Java client reads.
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  Buffer out(LZ4F_compressFrameBound(input.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &prefs);
  if (LZ4F_isError(n)) return absl::InternalError(absl::StrCat("lz4 compression failed: ", LZ4F_getErrorName(n)));
  out.resize(n);
  return out;
}

absl::StatusOr<Buffer> DecompressLz4(ByteSpan input, size_t max_output_bytes) {
  LZ4F_dctx* raw_ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw_ctx, LZ4F_VERSION))) {
    return absl::InternalError("LZ4F_createDecompressionContext failed");
  }
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> ctx(raw_ctx, LZ4F_freeDecompressionContext);
  CappedOutput out(max_output_bytes);
  Buffer chunk(kChunkBytes);
  size_t pos = 0;
  while (true) {
    size_t dst_size = chunk.size();
    size_t src_size = input.size() - pos;
    size_t hint = LZ4F_decompress(ctx.get(), chunk.data(), &dst_size, input.data() + pos, &src_size, nullptr);
    if (LZ4F_isError(hint)) {
      return absl::InvalidArgumentError(absl::StrCat("corrupt lz4 data: ", LZ4F_getErrorName(hint)));
    }
    RETURN_IF_ERROR(out.Append(chunk.data(), dst_size));
    pos += src_size;
    if (hint == 0 && pos == input.size()) break;  // Frame complete, input used up.
    if (src_size == 0 && dst_size == 0) return absl::InvalidArgumentError("truncated lz4 frame");
  }
  return std::move(out).Take();
}

// ---- zstd ----

absl::StatusOr<Buffer> CompressZstd(ByteSpan input) {
  Buffer out(ZSTD_compressBound(input.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), kZstdLevel);
  if (ZSTD_isError(n)) return absl::InternalError(absl::StrCat("zstd compression failed: ", ZSTD_getErrorName(n)));
  out.resize(n);
  return out;
}

// Streams rather than trusting the frame's declared content size.
absl::StatusOr<Buffer> DecompressZstd(ByteSpan input, size_t max_output_bytes) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (ctx == nullptr) return absl::InternalError("ZSTD_createDCtx failed");
  CappedOutput out(max_output_bytes);
  Buffer chunk(kChunkBytes);
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  while (true) {
    ZSTD_outBuffer dst{chunk.data(), chunk.size(), 0};
    size_t hint = ZSTD_decompressStream(ctx.get(), &dst, &in);
    if (ZSTD_isError(hint)) {
      return absl::InvalidArgumentError(absl::StrCat("corrupt zstd data: ", ZSTD_getErrorName(hint)));
    }
    RETURN_IF_ERROR(out.Append(chunk.data(), dst.pos));
    if (hint == 0 && in.pos == in.size) break;  // Frame complete, input used up.
    // All input consumed, output not full, frame unfinished: more input needed.
    if (in.pos == in.size && dst.pos < dst.size) return absl::InvalidArgumentError("truncated zstd frame");
  }
  return std::move(out).Take();
}

}  // namespace

absl::StatusOr<Buffer> Compress(Compression codec, ByteSpan input) {
  switch (codec) {
    case Compression::kNone:
      return Buffer(input.begin(), input.end());
    case Compression::kGzip:
      return CompressGzip(input);
    case Compression::kSnappy:
      return CompressSnappy(input);
    case Compression::kLz4:
      return CompressLz4(input);
    case Compression::kZstd:
      return CompressZstd(input);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown compression codec ", static_cast<int>(codec)));
}

absl::StatusOr<Buffer> Decompress(Compression codec, ByteSpan input, size_t max_output_bytes) {
  switch (codec) {
    case Compression::kNone:
      if (input.size() > max_output_bytes) return CapExceeded(max_output_bytes);
      return Buffer(input.begin(), input.end());
    case Compression::kGzip:
      return DecompressGzip(input, max_output_bytes);
    case Compression::kSnappy:
      return DecompressSnappy(input, max_output_bytes);
    case Compression::kLz4:
      return DecompressLz4(input, max_output_bytes);
    case Compression::kZstd:
      return DecompressZstd(input, max_output_bytes);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown compression codec ", static_cast<int>(codec)));
}

}  // namespace cairn
