// The Java client's default partitioner for keyed records, so that Cairn's
// client, the Java client and librdkafka's "murmur2_random" put a key on the
// same partition: Utils.murmur2 (MurmurHash2, seed 0x9747b28c) made positive
// with & 0x7fffffff, modulo the partition count.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn::client {

// MurmurHash2 exactly as Kafka's Utils.murmur2 computes it (a signed 32-bit
// result, as Java returns it).
int32_t Murmur2(std::string_view data);

// The partition of a keyed record among `partition_count` (> 0) partitions.
int32_t PartitionForKey(std::string_view key, int32_t partition_count);

}  // namespace cairn::client
