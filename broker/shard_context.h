// The per-shard half of the broker: the partitions this shard owns (its own
// LogManager), the newest published topic image, and the way to reach other
// shards. Shared nothing: another shard's ShardContext is only touched by
// posting a task to that shard (CallOnShard).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "broker/producer_ids.h"
#include "broker/topic_store.h"
#include "common/server_config.h"
#include "common/topic_partition.h"
#include "io/file.h"
#include "io/shard.h"
#include "storage/log_manager.h"

namespace cairn::broker {

class FetchWaiters;
class GroupService;

class ShardContext {
 public:
  ShardContext(int shard_id, int shard_count, const ServerConfig& config, io::ShardRuntime& runtime);
  ~ShardContext();

  int shard_id() const { return shard_id_; }
  int shard_count() const { return shard_count_; }
  const ServerConfig& config() const { return config_; }
  // The shard that owns a partition: its log, appends and reads.
  int OwnerOf(const TopicPartition& tp) const;

  // The newest topic image this shard has seen (published by shard 0).
  const std::shared_ptr<const TopicImage>& image() const { return image_; }
  void set_image(std::shared_ptr<const TopicImage> image) { image_ = std::move(image); }

  // This shard's partitions. Set during start-up, before requests arrive.
  storage::LogManager& logs() { return *logs_; }
  bool logs_ready() const { return logs_ != nullptr; }
  void set_logs(std::unique_ptr<storage::LogManager> logs) { logs_ = std::move(logs); }
  io::FileSystem& fs() { return *fs_; }
  void set_fs(std::unique_ptr<io::FileSystem> fs) { fs_ = std::move(fs); }

  // Shard 0 only: producer ids for idempotent producers.
  ProducerIdAllocator* producer_ids() { return producer_ids_.get(); }
  void set_producer_ids(std::unique_ptr<ProducerIdAllocator> ids) { producer_ids_ = std::move(ids); }

  // Shard 0 only: the topic metadata store.
  TopicStore* topic_store() { return topic_store_.get(); }
  void set_topic_store(std::unique_ptr<TopicStore> store) { topic_store_ = std::move(store); }

  // The group coordinator for the __consumer_offsets partitions this shard
  // owns. Set during start-up, before requests arrive.
  GroupService& groups() { return *groups_; }
  bool groups_ready() const { return groups_ != nullptr; }
  void set_groups(std::unique_ptr<GroupService> groups);

  // Fetches parked until data arrives on partitions this shard owns.
  FetchWaiters& fetch_waiters() { return *fetch_waiters_; }

  // Runs `work` on `target` with that shard's context; `work` answers through
  // the reply function it receives, which runs `done` back on this shard.
  // Values cross shards by move only.
  template <typename T>
  void CallOnShard(int target, absl::AnyInvocable<void(ShardContext&, absl::AnyInvocable<void(T) &&>) &&> work,
                   absl::AnyInvocable<void(T) &&> done);

  // Runs `task` later on shard `target`.
  void PostTo(int target, absl::AnyInvocable<void() &&> task) { runtime_.Post(target, std::move(task)); }
  io::Shard& shard() { return runtime_.shard(shard_id_); }

  // Runs `task` with the context of every shard (including this one).
  void Broadcast(std::function<void(ShardContext&)> task);

  // The context of the shard whose thread is calling.
  static ShardContext& Current();
  static void RegisterAll(std::vector<ShardContext*> contexts);

 private:
  const int shard_id_;
  const int shard_count_;
  const ServerConfig& config_;
  io::ShardRuntime& runtime_;
  std::shared_ptr<const TopicImage> image_;
  std::unique_ptr<io::FileSystem> fs_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<TopicStore> topic_store_;
  std::unique_ptr<ProducerIdAllocator> producer_ids_;
  std::unique_ptr<FetchWaiters> fetch_waiters_;
  std::unique_ptr<GroupService> groups_;
};

template <typename T>
void ShardContext::CallOnShard(int target,
                               absl::AnyInvocable<void(ShardContext&, absl::AnyInvocable<void(T) &&>) &&> work,
                               absl::AnyInvocable<void(T) &&> done) {
  const int origin = shard_id_;
  io::ShardRuntime* runtime = &runtime_;
  runtime_.Post(target, [runtime, origin, work = std::move(work), done = std::move(done)]() mutable {
    std::move(work)(ShardContext::Current(),
                    [runtime, origin, done = std::move(done)](T value) mutable {
                      runtime->Post(origin, [done = std::move(done), value = std::move(value)]() mutable {
                        std::move(done)(std::move(value));
                      });
                    });
  });
}

}  // namespace cairn::broker
