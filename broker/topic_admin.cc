#include "broker/topic_admin.h"

#include <memory>

#include "broker/gather.h"

namespace cairn::broker {
namespace {

constexpr int kControllerShard = 0;

// Runs `command(store, item, reply)` for every item on shard 0 — the
// commands go to the controller together, which applies them one at a time
// in arrival order — and answers `done` (on the caller's shard) with the
// results in item order.
template <typename Item, typename Result, typename Command>
void RunOnStore(ShardContext& from, std::vector<Item> items, Command command,
                absl::AnyInvocable<void(std::vector<Result>) &&> done) {
  using Results = std::vector<Result>;
  from.CallOnShard<Results>(
      kControllerShard,
      [items = std::move(items), command](ShardContext& controller, absl::AnyInvocable<void(Results) &&> reply) mutable {
        if (items.empty()) {
          std::move(reply)(Results{});
          return;
        }
        auto gather = Gather<Result>::Create(items.size(), std::move(reply));
        for (size_t i = 0; i < items.size(); ++i) {
          command(*controller.topic_store(), items[i],
                  [gather, i](Result result) mutable { gather->Set(i, std::move(result)); });
        }
      },
      std::move(done));
}

}  // namespace

void CreateTopics(ShardContext& from, std::vector<TopicCreation> topics, bool validate_only,
                  absl::AnyInvocable<void(std::vector<TopicCreationResult>) &&> done) {
  RunOnStore<TopicCreation, TopicCreationResult>(
      from, std::move(topics),
      [validate_only](TopicStore& store, const TopicCreation& t, absl::AnyInvocable<void(TopicCreationResult) &&> reply) {
        store.CreateTopic(t, validate_only, [name = t.name, reply = std::move(reply)](absl::StatusOr<TopicInfo> info) mutable {
          TopicCreationResult result;
          result.status = info.status();
          result.info.name = name;
          if (info.ok()) result.info = *std::move(info);
          std::move(reply)(std::move(result));
        });
      },
      std::move(done));
}

void DeleteTopics(ShardContext& from, std::vector<std::string> names,
                  absl::AnyInvocable<void(std::vector<absl::Status>) &&> done) {
  RunOnStore<std::string, absl::Status>(
      from, std::move(names),
      [](TopicStore& store, const std::string& name, absl::AnyInvocable<void(absl::Status) &&> reply) {
        store.DeleteTopic(name, std::move(reply));
      },
      std::move(done));
}

void CreatePartitions(ShardContext& from, std::vector<PartitionIncrease> increases, bool validate_only,
                      absl::AnyInvocable<void(std::vector<absl::Status>) &&> done) {
  RunOnStore<PartitionIncrease, absl::Status>(
      from, std::move(increases),
      [validate_only](TopicStore& store, const PartitionIncrease& increase,
                      absl::AnyInvocable<void(absl::Status) &&> reply) {
        store.CreatePartitions(increase.name, increase.new_total, validate_only, std::move(reply));
      },
      std::move(done));
}

void AlterTopicConfigs(ShardContext& from, std::vector<TopicConfigAlteration> alterations, bool validate_only,
                       absl::AnyInvocable<void(std::vector<absl::Status>) &&> done) {
  RunOnStore<TopicConfigAlteration, absl::Status>(
      from, std::move(alterations),
      [validate_only](TopicStore& store, const TopicConfigAlteration& alteration,
                      absl::AnyInvocable<void(absl::Status) &&> reply) {
        store.AlterConfigs(alteration.name, alteration.changes, alteration.replace, validate_only, std::move(reply));
      },
      std::move(done));
}

}  // namespace cairn::broker
