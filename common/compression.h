// The four Kafka record codecs. Decompression is always capped: a batch that
// would inflate past the cap is rejected, never allocated (decompression bombs,
// CVE-2023-34455).
#pragma once

#include <cstddef>

#include "absl/status/statusor.h"
#include "common/bytes.h"
#include "common/record_batch.h"

namespace cairn {

// gzip: RFC 1952 stream. snappy: xerial framing (what the Java client writes);
// raw snappy is accepted on decompression too. lz4: LZ4 frame format. zstd:
// zstd frame.
absl::StatusOr<Buffer> Compress(Compression codec, ByteSpan input);

// InvalidArgument for corrupt input, ResourceExhausted when the output would
// exceed `max_output_bytes`.
absl::StatusOr<Buffer> Decompress(Compression codec, ByteSpan input, size_t max_output_bytes);

}  // namespace cairn
