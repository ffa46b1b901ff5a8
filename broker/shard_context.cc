#include "broker/shard_context.h"

#include "broker/fetch_waiters.h"
#include "broker/group_service.h"
#include "common/check.h"

namespace cairn::broker {
namespace {

// Indexed by shard id; written once at start-up, before any shard runs
// broker work, and read-only afterwards.
std::vector<ShardContext*>& Contexts() {
  static std::vector<ShardContext*> contexts;
  return contexts;
}

// FNV-1a: deterministic across processes, so a partition's owner does not
// depend on a per-process hash seed.
uint64_t StableHash(const TopicPartition& tp) {
  uint64_t hash = 1469598103934665603ULL;
  auto mix = [&hash](uint8_t byte) {
    hash ^= byte;
    hash *= 1099511628211ULL;
  };
  for (char c : tp.topic) mix(static_cast<uint8_t>(c));
  mix(0);
  for (int shift = 0; shift < 32; shift += 8) mix(static_cast<uint8_t>(static_cast<uint32_t>(tp.partition) >> shift));
  return hash;
}

}  // namespace

ShardContext::ShardContext(int shard_id, int shard_count, const ServerConfig& config, io::ShardRuntime& runtime)
    : shard_id_(shard_id),
      shard_count_(shard_count),
      config_(config),
      runtime_(runtime),
      image_(std::make_shared<TopicImage>()),
      fetch_waiters_(std::make_unique<FetchWaiters>()) {}

ShardContext::~ShardContext() = default;

void ShardContext::set_groups(std::unique_ptr<GroupService> groups) { groups_ = std::move(groups); }

int ShardContext::OwnerOf(const TopicPartition& tp) const {
  return static_cast<int>(StableHash(tp) % static_cast<uint64_t>(shard_count_));
}

void ShardContext::Broadcast(std::function<void(ShardContext&)> task) {
  for (int shard = 0; shard < shard_count_; ++shard) {
    runtime_.Post(shard, [task] { task(ShardContext::Current()); });
  }
}

ShardContext& ShardContext::Current() {
  io::Shard* shard = io::Shard::Current();
  CAIRN_CHECK(shard != nullptr) << "ShardContext::Current() off every shard";
  CAIRN_CHECK(static_cast<size_t>(shard->id()) < Contexts().size()) << "shard " << shard->id();
  return *Contexts()[shard->id()];
}

void ShardContext::RegisterAll(std::vector<ShardContext*> contexts) { Contexts() = std::move(contexts); }

}  // namespace cairn::broker
