// Controller-shard operations that change existing topics: CreatePartitions
// and IncrementalAlterConfigs (declared in topic_admin.h). Like CreateTopics,
// they run on shard 0, touch the partitions' logs on their owner shards, and
// publish the new image before answering.
#include <functional>

#include "absl/strings/str_cat.h"
#include "broker/gather.h"
#include "broker/topic_admin.h"
#include "broker/topic_config.h"
#include "common/logging.h"

namespace cairn::broker {
namespace {

constexpr int kControllerShard = 0;

struct OwnerWork {
  size_t request_index;  // which topic of the request this partition belongs to
  TopicPartition tp;
  storage::LogConfig config;
};

using OwnerFunction = std::function<absl::Status(ShardContext&, const OwnerWork&)>;

// Runs `work_for` for every item on the owner of its partition, then `done`
// on `controller` with, per request index (of `request_count`), the first
// error of its items (OK if none).
void RunOnOwners(ShardContext& controller, std::vector<OwnerWork> items, size_t request_count, OwnerFunction work_for,
                 absl::AnyInvocable<void(std::vector<absl::Status>) &&> done) {
  std::vector<std::vector<OwnerWork>> per_shard(controller.shard_count());
  for (OwnerWork& item : items) per_shard[controller.OwnerOf(item.tp)].push_back(std::move(item));
  using Statuses = std::vector<std::pair<size_t, absl::Status>>;
  auto gather = Gather<Statuses>::Create(
      per_shard.size(), [request_count, done = std::move(done)](std::vector<Statuses> all) mutable {
        std::vector<absl::Status> by_request(request_count);
        for (const Statuses& shard_statuses : all) {
          for (const auto& [index, status] : shard_statuses) by_request[index].Update(status);
        }
        std::move(done)(std::move(by_request));
      });
  for (int shard = 0; shard < static_cast<int>(per_shard.size()); ++shard) {
    controller.CallOnShard<Statuses>(
        shard,
        [work = std::move(per_shard[shard]), work_for](ShardContext& owner,
                                                      absl::AnyInvocable<void(Statuses) &&> reply) mutable {
          Statuses statuses;
          for (const OwnerWork& item : work) statuses.emplace_back(item.request_index, work_for(owner, item));
          std::move(reply)(std::move(statuses));
        },
        [gather, shard](Statuses statuses) { gather->Set(static_cast<size_t>(shard), std::move(statuses)); });
  }
}

absl::Status CreateLog(ShardContext& owner, const OwnerWork& item) {
  auto log = owner.logs().Create(item.tp, item.config);
  if (!log.ok() && !absl::IsAlreadyExists(log.status())) {
    CAIRN_LOG(kError) << "creating the log of " << item.tp.DirectoryName() << ": " << log.status();
    return log.status();
  }
  return absl::OkStatus();
}

absl::Status UpdateLogConfig(ShardContext& owner, const OwnerWork& item) {
  storage::PartitionLog* log = owner.logs().Find(item.tp);
  // A partition whose log went offline keeps its old settings; it serves
  // nothing until it is recovered, which reads the image again.
  if (log != nullptr) log->UpdateConfig(item.config);
  return absl::OkStatus();
}

// Work items giving every partition of `topics` (from the controller's
// current image) its effective log config; request indexes as in `indexes`.
std::vector<OwnerWork> ConfigWorkFor(ShardContext& controller, const std::vector<std::string>& topics,
                                     const std::vector<size_t>& indexes) {
  std::shared_ptr<const TopicImage> image = controller.topic_store()->Image();
  std::vector<OwnerWork> items;
  for (size_t i = 0; i < topics.size(); ++i) {
    const TopicInfo* info = image->Find(topics[i]);
    if (info == nullptr) continue;  // deleted meanwhile
    const storage::LogConfig config = EffectiveLogConfig(controller.config(), *info);
    for (int32_t p = 0; p < info->partitions; ++p) items.push_back({indexes[i], TopicPartition{info->name, p}, config});
  }
  return items;
}

// On the controller, after the logs of the new partitions exist: commits the
// increases whose logs were made and publishes the image. A topic whose
// configs changed while its logs were being created gets the new settings
// pushed to all of its logs before publication.
void CommitPartitionIncreases(ShardContext& controller, std::vector<PartitionIncrease> increases,
                              std::vector<std::map<std::string, std::string>> configs_used,
                              std::vector<absl::Status> results,
                              absl::AnyInvocable<void(std::vector<absl::Status>) &&> reply) {
  TopicStore* store = controller.topic_store();
  std::vector<std::string> stale;
  std::vector<size_t> stale_indexes;
  bool committed = false;
  for (size_t i = 0; i < increases.size(); ++i) {
    if (!results[i].ok()) continue;
    results[i] = store->CreatePartitions(increases[i].name, increases[i].new_total, /*validate_only=*/false);
    if (!results[i].ok()) continue;
    committed = true;
    const TopicInfo* info = store->Image()->Find(increases[i].name);
    if (info != nullptr && info->configs != configs_used[i]) {
      stale.push_back(increases[i].name);
      stale_indexes.push_back(i);
    }
  }
  if (!committed) {
    std::move(reply)(std::move(results));
    return;
  }
  if (stale.empty()) {
    PublishImage(controller);
    std::move(reply)(std::move(results));
    return;
  }
  RunOnOwners(controller, ConfigWorkFor(controller, stale, stale_indexes), increases.size(), UpdateLogConfig,
              [&controller, results = std::move(results), reply = std::move(reply)](std::vector<absl::Status>) mutable {
                PublishImage(controller);
                std::move(reply)(std::move(results));
              });
}

}  // namespace

void CreatePartitions(ShardContext& from, std::vector<PartitionIncrease> increases, bool validate_only,
                      absl::AnyInvocable<void(std::vector<absl::Status>) &&> done) {
  using Results = std::vector<absl::Status>;
  from.CallOnShard<Results>(
      kControllerShard,
      [increases = std::move(increases), validate_only](ShardContext& controller,
                                                        absl::AnyInvocable<void(Results) &&> reply) mutable {
        TopicStore* store = controller.topic_store();
        std::shared_ptr<const TopicImage> image = store->Image();
        Results results(increases.size());
        std::vector<std::map<std::string, std::string>> configs_used(increases.size());
        std::vector<OwnerWork> logs;
        for (size_t i = 0; i < increases.size(); ++i) {
          const PartitionIncrease& increase = increases[i];
          results[i] = store->CreatePartitions(increase.name, increase.new_total, /*validate_only=*/true);
          if (!results[i].ok() || validate_only) continue;
          const TopicInfo* info = image->Find(increase.name);
          CAIRN_CHECK(info != nullptr) << increase.name;  // the store just validated it
          configs_used[i] = info->configs;
          const storage::LogConfig config = EffectiveLogConfig(controller.config(), *info);
          for (int32_t p = info->partitions; p < increase.new_total; ++p) {
            logs.push_back({i, TopicPartition{increase.name, p}, config});
          }
        }
        if (logs.empty()) {
          std::move(reply)(std::move(results));
          return;
        }
        // Logs first, then the commit and publication: no request can see a
        // partition whose log does not exist yet, and nothing is committed if
        // a log cannot be made (an orphaned log is reused by a later retry).
        const size_t count = increases.size();  // read before the lambda below moves `increases`
        RunOnOwners(controller, std::move(logs), count, CreateLog,
                    [&controller, increases = std::move(increases), configs_used = std::move(configs_used),
                     results = std::move(results), reply = std::move(reply)](Results made) mutable {
                      for (size_t i = 0; i < results.size(); ++i) results[i].Update(made[i]);
                      CommitPartitionIncreases(controller, std::move(increases), std::move(configs_used),
                                               std::move(results), std::move(reply));
                    });
      },
      std::move(done));
}

void AlterTopicConfigs(ShardContext& from, std::vector<TopicConfigAlteration> alterations, bool validate_only,
                       absl::AnyInvocable<void(std::vector<absl::Status>) &&> done) {
  using Results = std::vector<absl::Status>;
  from.CallOnShard<Results>(
      kControllerShard,
      [alterations = std::move(alterations), validate_only](ShardContext& controller,
                                                            absl::AnyInvocable<void(Results) &&> reply) mutable {
        Results results(alterations.size());
        std::vector<std::string> altered;
        std::vector<size_t> altered_indexes;
        for (size_t i = 0; i < alterations.size(); ++i) {
          results[i] = controller.topic_store()->IncrementalAlterConfigs(alterations[i].name, alterations[i].changes,
                                                                         validate_only);
          if (results[i].ok() && !validate_only) {
            altered.push_back(alterations[i].name);
            altered_indexes.push_back(i);
          }
        }
        if (altered.empty()) {
          std::move(reply)(std::move(results));
          return;
        }
        // The logs take the new settings, then every shard sees the new image
        // (message.timestamp.type and min.insync.replicas are read from it).
        RunOnOwners(controller, ConfigWorkFor(controller, altered, altered_indexes), alterations.size(),
                    UpdateLogConfig,
                    [&controller, results = std::move(results), reply = std::move(reply)](Results) mutable {
                      PublishImage(controller);
                      std::move(reply)(std::move(results));
                    });
      },
      std::move(done));
}

}  // namespace cairn::broker
