#include "broker/topic_admin.h"

#include "absl/strings/str_cat.h"
#include "broker/gather.h"
#include "broker/topic_config.h"
#include "common/logging.h"

namespace cairn::broker {
namespace {

constexpr int kControllerShard = 0;

struct PartitionWork {
  TopicPartition tp;
  storage::LogConfig config;
};

// Runs `work_for(tp)` for every partition on its owner shard, then `done`
// on `controller` with the first error (OK if none).
void ForEachPartitionOnOwners(ShardContext& controller, const std::vector<TopicInfo>& topics,
                              std::function<absl::Status(ShardContext&, const PartitionWork&)> work_for,
                              absl::AnyInvocable<void(absl::Status) &&> done) {
  std::vector<std::vector<PartitionWork>> per_shard(controller.shard_count());
  for (const TopicInfo& topic : topics) {
    for (int32_t p = 0; p < topic.partitions; ++p) {
      TopicPartition tp{topic.name, p};
      per_shard[controller.OwnerOf(tp)].push_back({tp, EffectiveLogConfig(controller.config(), topic)});
    }
  }
  auto gather = Gather<absl::Status>::Create(per_shard.size(), [done = std::move(done)](std::vector<absl::Status> all) mutable {
    absl::Status first;
    for (absl::Status& s : all) first.Update(s);
    std::move(done)(first);
  });
  for (int shard = 0; shard < static_cast<int>(per_shard.size()); ++shard) {
    controller.CallOnShard<absl::Status>(
        shard,
        [work = std::move(per_shard[shard]), work_for](ShardContext& owner, absl::AnyInvocable<void(absl::Status) &&> reply) mutable {
          absl::Status first;
          for (const PartitionWork& item : work) first.Update(work_for(owner, item));
          std::move(reply)(first);
        },
        [gather, shard](absl::Status status) { gather->Set(static_cast<size_t>(shard), std::move(status)); });
  }
}

}  // namespace

void PublishImage(ShardContext& controller) {
  std::shared_ptr<const TopicImage> image = controller.topic_store()->Image();
  controller.Broadcast([image](ShardContext& shard) { shard.set_image(image); });
}

void CreateTopics(ShardContext& from, std::vector<TopicCreation> topics, bool validate_only,
                  absl::AnyInvocable<void(std::vector<TopicCreationResult>) &&> done) {
  using Results = std::vector<TopicCreationResult>;
  from.CallOnShard<Results>(
      kControllerShard,
      [topics = std::move(topics), validate_only](ShardContext& controller,
                                                  absl::AnyInvocable<void(Results) &&> reply) mutable {
        Results results(topics.size());
        std::vector<TopicInfo> created;
        for (size_t i = 0; i < topics.size(); ++i) {
          const TopicCreation& t = topics[i];
          auto info = t.internal ? controller.topic_store()->CreateInternalTopic(t.name, t.partitions,
                                                                                 t.replication_factor, t.configs)
                                 : controller.topic_store()->CreateTopic(t.name, t.partitions, t.replication_factor,
                                                                         t.configs, validate_only);
          results[i].status = info.status();
          results[i].info.name = t.name;
          if (!info.ok()) continue;
          results[i].info = *info;
          if (!validate_only) created.push_back(*info);
        }
        if (created.empty()) {
          std::move(reply)(std::move(results));
          return;
        }
        ForEachPartitionOnOwners(
            controller, created,
            [](ShardContext& owner, const PartitionWork& item) -> absl::Status {
              auto log = owner.logs().Create(item.tp, item.config);
              if (!log.ok() && !absl::IsAlreadyExists(log.status())) {
                CAIRN_LOG(kError) << "creating the log of " << item.tp.DirectoryName() << ": " << log.status();
                return log.status();
              }
              return absl::OkStatus();
            },
            [&controller, results = std::move(results), reply = std::move(reply)](absl::Status logs) mutable {
              if (!logs.ok()) {
                for (TopicCreationResult& r : results) {
                  if (r.status.ok()) r.status = logs;
                }
              }
              // Logs exist everywhere: now the topic may become visible.
              PublishImage(controller);
              std::move(reply)(std::move(results));
            });
      },
      std::move(done));
}

void DeleteTopics(ShardContext& from, std::vector<std::string> names,
                  absl::AnyInvocable<void(std::vector<absl::Status>) &&> done) {
  using Results = std::vector<absl::Status>;
  from.CallOnShard<Results>(
      kControllerShard,
      [names = std::move(names)](ShardContext& controller, absl::AnyInvocable<void(Results) &&> reply) mutable {
        Results results(names.size());
        std::vector<TopicInfo> deleted;
        for (size_t i = 0; i < names.size(); ++i) {
          const TopicInfo* info = controller.topic_store()->Image()->Find(names[i]);
          TopicInfo copy = info ? *info : TopicInfo{};
          results[i] = controller.topic_store()->DeleteTopic(names[i]);
          if (results[i].ok()) deleted.push_back(std::move(copy));
        }
        if (deleted.empty()) {
          std::move(reply)(std::move(results));
          return;
        }
        // Hide the topics first, then remove their data.
        PublishImage(controller);
        ForEachPartitionOnOwners(
            controller, deleted,
            [](ShardContext& owner, const PartitionWork& item) -> absl::Status {
              absl::Status removed = owner.logs().Delete(item.tp);
              if (!removed.ok() && !absl::IsNotFound(removed)) {
                CAIRN_LOG(kError) << "deleting the log of " << item.tp.DirectoryName() << ": " << removed;
              }
              return absl::OkStatus();
            },
            [results = std::move(results), reply = std::move(reply)](absl::Status) mutable {
              std::move(reply)(std::move(results));
            });
      },
      std::move(done));
}

}  // namespace cairn::broker
