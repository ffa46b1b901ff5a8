// MetadataPublisher (see metadata_publisher.h).
#include "broker/metadata_publisher.h"

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/gather.h"
#include "broker/group_service.h"
#include "broker/shard_context.h"
#include "broker/topic_config.h"
#include "common/logging.h"

namespace cairn::broker {
namespace {

struct LogWork {
  TopicPartition tp;
  storage::LogConfig config;
};
using LogFunction = std::function<void(ShardContext&, const LogWork&)>;

// Runs `work_for` for every item on the owner of its partition, then `done`
// back on `home`.
void RunOnOwners(ShardContext& home, std::vector<LogWork> items, LogFunction work_for,
                 absl::AnyInvocable<void() &&> done) {
  if (items.empty()) {
    std::move(done)();
    return;
  }
  std::vector<std::vector<LogWork>> per_shard(home.shard_count());
  for (LogWork& item : items) per_shard[home.OwnerOf(item.tp)].push_back(std::move(item));
  auto gather = Gather<bool>::Create(per_shard.size(),
                                     [done = std::move(done)](std::vector<bool>) mutable { std::move(done)(); });
  for (int shard = 0; shard < static_cast<int>(per_shard.size()); ++shard) {
    home.CallOnShard<bool>(
        shard,
        [work = std::move(per_shard[shard]), work_for](ShardContext& owner,
                                                      absl::AnyInvocable<void(bool) &&> reply) mutable {
          for (const LogWork& item : work) work_for(owner, item);
          std::move(reply)(true);
        },
        [gather, shard](bool) { gather->Set(static_cast<size_t>(shard), true); });
  }
}

void CreateOrUpdateLog(ShardContext& owner, const LogWork& item) {
  if (storage::PartitionLog* log = owner.logs().Find(item.tp)) {
    log->UpdateConfig(item.config);
    return;
  }
  // An offline log keeps its old settings; it serves nothing until it is
  // recovered, which reads the image again.
  if (owner.logs().offline().contains(item.tp)) return;
  auto log = owner.logs().Create(item.tp, item.config);
  if (!log.ok() && !absl::IsAlreadyExists(log.status())) {
    // The partition stays unserved here (requests get an error for it); the
    // metadata is not rolled back, as other brokers may host it fine.
    CAIRN_LOG(kError) << "creating the log of " << item.tp.DirectoryName() << ": " << log.status();
  }
}

void DeleteLog(ShardContext& owner, const LogWork& item) {
  absl::Status removed = owner.logs().Delete(item.tp);
  if (!removed.ok() && !absl::IsNotFound(removed)) {
    CAIRN_LOG(kError) << "deleting the log of " << item.tp.DirectoryName() << ": " << removed;
  }
}

}  // namespace

MetadataPublisher::MetadataPublisher(ShardContext& home, std::shared_ptr<const TopicImage> initial)
    : home_(home), published_(std::move(initial)) {}

void MetadataPublisher::Enqueue(std::shared_ptr<const controller::metadata::MetadataImage> cluster,
                                uint64_t version) {
  queue_.push_back(MakeTopicImage(std::move(cluster), version, published_->node_id));
  PublishNext();
}

void MetadataPublisher::WhenPublished(uint64_t version, absl::AnyInvocable<void() &&> done) {
  if (published_->version >= version) {
    std::move(done)();
    return;
  }
  waiters_.emplace(version, std::move(done));
}

void MetadataPublisher::Resume() {
  paused_ = false;
  PublishNext();
}

void MetadataPublisher::PublishNext() {
  if (paused_ || publishing_ || queue_.empty()) return;
  std::shared_ptr<const TopicImage> next = std::move(queue_.front());
  queue_.pop_front();
  if (next->version <= published_->version) {  // replayed on start-up already
    PublishNext();
    return;
  }
  publishing_ = true;
  const TopicImage& old = *published_;
  std::vector<LogWork> create_or_update;
  std::vector<LogWork> remove;
  for (const auto& [name, topic] : next->topics) {
    const TopicInfo* before = old.Find(name);
    const bool same_topic = before != nullptr && before->id == topic.id;
    const bool reconfigured = same_topic && before->configs != topic.configs;
    const storage::LogConfig config = EffectiveLogConfig(home_.config(), topic);
    for (int32_t p = 0; p < topic.partitions; ++p) {
      const TopicPartition tp{name, p};
      const bool hosted_before = same_topic && old.Hosts(tp);
      if (next->Hosts(tp) && (!hosted_before || reconfigured)) create_or_update.push_back({tp, config});
      if (!next->Hosts(tp) && hosted_before) remove.push_back({tp, config});
    }
  }
  auto deleted_topics = std::make_shared<std::set<std::string>>();
  for (const auto& [name, topic] : old.topics) {
    const TopicInfo* after = next->Find(name);
    if (after != nullptr && after->id == topic.id) continue;
    deleted_topics->insert(name);
    for (int32_t p = 0; p < topic.partitions; ++p) {
      if (old.Hosts(TopicPartition{name, p})) remove.push_back({TopicPartition{name, p}, {}});
    }
  }
  // A topic deleted and re-created between two images reuses directory
  // names: its old logs go before the new ones are made. Every other removal
  // waits until every shard has the new image (a shard runs tasks in the
  // order they were posted), so nothing routes to a log being deleted.
  std::vector<LogWork> recreated;
  std::vector<LogWork> later;
  for (LogWork& item : remove) (next->Hosts(item.tp) ? recreated : later).push_back(std::move(item));
  auto publish = [this, alive = alive_, next, create_or_update = std::move(create_or_update),
                  later = std::move(later), deleted_topics]() mutable {
    if (!*alive) return;
    RunOnOwners(home_, std::move(create_or_update), CreateOrUpdateLog,
                [this, alive, next, later = std::move(later), deleted_topics]() mutable {
                  if (!*alive) return;
                  home_.Broadcast([next, deleted_topics](ShardContext& shard) {
                    shard.set_image(next);
                    if (!deleted_topics->empty() && shard.groups_ready()) {
                      shard.groups().OnTopicsDeleted(*deleted_topics);
                    }
                  });
                  RunOnOwners(home_, std::move(later), DeleteLog, [] {});
                  Finish(std::move(next));
                });
  };
  RunOnOwners(home_, std::move(recreated), DeleteLog, std::move(publish));
}

void MetadataPublisher::Finish(std::shared_ptr<const TopicImage> image) {
  published_ = std::move(image);
  publishing_ = false;
  while (!waiters_.empty() && waiters_.begin()->first <= published_->version) {
    auto done = std::move(waiters_.begin()->second);
    waiters_.erase(waiters_.begin());
    std::move(done)();
  }
  PublishNext();
}

}  // namespace cairn::broker
