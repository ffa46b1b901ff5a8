// Turns each controller image into what this broker serves (shard 0 only).
//
// Images arrive in log order from the MetadataController — from commands
// submitted anywhere in the cluster — and are published one at a time:
//   1. logs are created for partitions this broker newly hosts, and logs of
//      topics whose configs changed get the new effective config, each on its
//      owner shard;
//   2. the new TopicImage is handed to every shard;
//   3. logs of topics that are gone (or that this broker no longer hosts) are
//      deleted on their owners, and every shard's groups delete their
//      committed offsets on topics that are gone.
// So no request sees a partition whose log does not exist yet, and no log is
// deleted while a shard can still route to it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "broker/topic_store.h"

namespace cairn::broker {

class ShardContext;

class MetadataPublisher {
 public:
  // `initial` is what the shards already serve (their logs opened for it).
  MetadataPublisher(ShardContext& home, std::shared_ptr<const TopicImage> initial);
  // A publish still under way is abandoned: its remaining steps, which come
  // back to shard 0 later, see the publisher gone and do nothing.
  ~MetadataPublisher() { *alive_ = false; }

  // A controller image applied at log index `version`.
  void Enqueue(std::shared_ptr<const controller::metadata::MetadataImage> cluster, uint64_t version);
  // Runs `done` once an image of at least `version` is published (inline if
  // one already is).
  void WhenPublished(uint64_t version, absl::AnyInvocable<void() &&> done);

  std::shared_ptr<const TopicImage> published() const { return published_; }
  // Images wait until Resume(): the shards' logs are not open before it.
  void Resume();

 private:
  void PublishNext();
  void Finish(std::shared_ptr<const TopicImage> image);

  ShardContext& home_;
  std::shared_ptr<const TopicImage> published_;
  std::deque<std::shared_ptr<const TopicImage>> queue_;
  bool publishing_ = false;
  bool paused_ = true;
  std::multimap<uint64_t, absl::AnyInvocable<void() &&>> waiters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::broker
