#include "broker/group_service.h"

#include "absl/strings/str_cat.h"
#include "broker/kafka_errors.h"
#include "broker/partition_ops.h"
#include "storage/partition_log.h"
#include "broker/shard_context.h"
#include "common/logging.h"
#include "common/record_batch.h"

namespace cairn::broker {
namespace {

constexpr std::chrono::milliseconds kTickInterval{100};
// Bytes read per step while replaying a partition.
constexpr size_t kLoadReadBytes = 1 << 20;
// __consumer_offsets batches are small and uncompressed when we write them;
// this bounds what a bad batch could make us inflate.
constexpr size_t kMaxDecompressedBatch = 64 << 20;

group::CoordinatorConfig CoordinatorConfigFrom(const ShardContext& shard) {
  const ServerConfig& config = shard.config();
  group::CoordinatorConfig out;
  out.offsets_partitions = OffsetsTopicPartitions(shard);
  out.min_session_timeout_ms = config.group_min_session_timeout_ms;
  out.max_session_timeout_ms = config.group_max_session_timeout_ms;
  out.initial_rebalance_delay_ms = config.group_initial_rebalance_delay_ms;
  out.max_group_size = config.group_max_size;
  out.offsets_retention_ms = config.offsets_retention_ms;
  out.max_metadata_bytes = config.offset_metadata_max_bytes;
  out.max_record_bytes = config.message_max_bytes;
  return out;
}

}  // namespace

int32_t OffsetsTopicPartitions(const ShardContext& shard) {
  if (const TopicInfo* topic = shard.image()->Find(kConsumerOffsetsTopic)) return topic->partitions;
  return shard.config().offsets_topic_num_partitions;
}

GroupService::GroupService(ShardContext& shard)
    : shard_(shard), tick_timer_(shard.shard()), expiry_timer_(shard.shard()) {
  coordinator_ = std::make_unique<group::GroupCoordinator>(
      CoordinatorConfigFrom(shard), SystemClock::Instance(),
      [this](int32_t partition, std::vector<group::OffsetsRecord> records,
             absl::AnyInvocable<void(absl::Status) &&> done) {
        Persist(partition, std::move(records), std::move(done));
      },
      [this](const std::string& topic, int32_t partition) {
        const TopicInfo* info = shard_.image()->Find(topic);
        return info != nullptr && partition >= 0 && partition < info->partitions;
      });
}

GroupService::~GroupService() = default;

void GroupService::Start() {
  const TopicInfo* topic = shard_.image()->Find(kConsumerOffsetsTopic);
  if (topic != nullptr) {
    for (int32_t p = 0; p < topic->partitions; ++p) {
      if (shard_.OwnerOf({kConsumerOffsetsTopic, p}) == shard_.shard_id()) LoadPartition(p);
    }
  }
  ScheduleTick();
  ScheduleExpiry();
}

void GroupService::Stop() {
  stopped_ = true;
  tick_timer_.Cancel();
  expiry_timer_.Cancel();
}

void GroupService::EnsureLoaded(const std::string& group_id) {
  const int32_t partition = coordinator_->PartitionFor(group_id);
  if (coordinator_->IsLoaded(partition)) return;
  const TopicInfo* topic = shard_.image()->Find(kConsumerOffsetsTopic);
  if (topic == nullptr || partition >= topic->partitions) return;
  if (shard_.OwnerOf({kConsumerOffsetsTopic, partition}) != shard_.shard_id()) return;
  LoadPartition(partition);
}

void GroupService::LoadPartition(int32_t partition) {
  const TopicPartition tp{kConsumerOffsetsTopic, partition};
  coordinator_->BeginLoad(partition);
  size_t records = 0;
  size_t skipped = 0;
  storage::PartitionLog* log = shard_.logs().Find(tp);
  if (log == nullptr) {
    CAIRN_LOG(kError) << "loading " << tp.DirectoryName() << ": the partition is offline; its groups stay unavailable";
    return;  // stays loading: requests get COORDINATOR_LOAD_IN_PROGRESS
  }
  int64_t offset = log->log_start_offset().value();
  const int64_t end = log->durable_offset().value();
  // Reads run on this shard, synchronously: the partition is compacted and
  // small, and its groups cannot be served before it is read anyway.
  while (offset < end) {
    auto read = log->Read(Offset(offset), kLoadReadBytes, Offset(end), /*min_one_batch=*/true);
    if (!read.ok()) {
      CAIRN_LOG(kError) << "loading " << tp.DirectoryName() << ": " << read.status()
                        << "; its groups stay unavailable";
      return;
    }
    if (read->data.empty()) break;
    const int64_t read_from = offset;
    ByteSpan rest(read->data);
    while (!rest.empty()) {
      auto header = ParseRecordBatchHeader(rest);
      if (!header.ok()) break;
      const size_t size = header->size_bytes();
      ByteSpan batch = rest.subspan(0, size);
      rest = rest.subspan(size);
      offset = header->last_offset() + 1;
      if (header->is_control()) continue;
      auto decoded = DecodeRecords(batch, kMaxDecompressedBatch);
      if (!decoded.ok()) {
        CAIRN_LOG(kWarning) << "loading " << tp.DirectoryName() << ": skipping batch at " << header->base_offset
                            << ": " << decoded.status();
        ++skipped;
        continue;
      }
      for (const Record& record : *decoded) {
        if (!record.key) {
          ++skipped;
          continue;
        }
        std::optional<ByteSpan> value;
        if (record.value) value = ByteSpan(reinterpret_cast<const uint8_t*>(record.value->data()), record.value->size());
        const ByteSpan key(reinterpret_cast<const uint8_t*>(record.key->data()), record.key->size());
        if (absl::Status replayed = coordinator_->Replay(partition, key, value); !replayed.ok()) {
          CAIRN_LOG(kWarning) << replayed;
          ++skipped;
        } else {
          ++records;
        }
      }
    }
    if (offset == read_from) {
      // The storage layer verified these batches; a header we cannot parse
      // here would otherwise be read again forever.
      CAIRN_LOG(kError) << "loading " << tp.DirectoryName() << ": unreadable batch at offset " << offset
                        << "; its groups stay unavailable";
      return;
    }
  }
  coordinator_->FinishLoad(partition);
  if (records > 0 || skipped > 0) {
    CAIRN_LOG(kInfo) << "loaded " << tp.DirectoryName() << ": " << records << " records replayed, " << skipped
                     << " skipped";
  }
}

void GroupService::Persist(int32_t partition, std::vector<group::OffsetsRecord> records,
                           absl::AnyInvocable<void(absl::Status) &&> done) {
  std::vector<Record> batch_records;
  batch_records.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    Record record;
    record.offset_delta = static_cast<int32_t>(i);
    record.key = std::string(records[i].key.begin(), records[i].key.end());
    if (records[i].value) record.value = std::string(records[i].value->begin(), records[i].value->end());
    batch_records.push_back(std::move(record));
  }
  RecordBatchOptions options;
  options.base_timestamp = SystemClock::Instance().NowMs();
  auto batch = BuildRecordBatch(options, batch_records);
  if (!batch.ok()) return std::move(done)(absl::UnavailableError(batch.status().message()));
  if (batch->size() > static_cast<size_t>(shard_.config().message_max_bytes)) {
    return std::move(done)(absl::InvalidArgumentError(
        absl::StrCat("a __consumer_offsets batch of ", batch->size(), " bytes exceeds message.max.bytes")));
  }
  AppendOnOwner(shard_, {kConsumerOffsetsTopic, partition}, std::move(*batch),
                [done = std::move(done)](AppendOutcome outcome) mutable {
                  if (outcome.status.ok()) return std::move(done)(absl::OkStatus());
                  const KafkaError error = ToKafkaError(outcome.status);
                  if (error == KafkaError::kMessageTooLarge || error == KafkaError::kRecordListTooLarge) {
                    return std::move(done)(absl::InvalidArgumentError(outcome.status.message()));
                  }
                  std::move(done)(absl::UnavailableError(outcome.status.message()));
                });
}

void GroupService::ScheduleTick() {
  tick_timer_.ExpireAfter(kTickInterval, [this](absl::Status status) {
    if (!status.ok() || stopped_) return;
    coordinator_->Tick();
    ScheduleTick();
  });
}

void GroupService::ScheduleExpiry() {
  expiry_timer_.ExpireAfter(std::chrono::milliseconds(shard_.config().offsets_retention_check_interval_ms),
                            [this](absl::Status status) {
                              if (!status.ok() || stopped_) return;
                              coordinator_->ExpireOffsets();
                              ScheduleExpiry();
                            });
}

}  // namespace cairn::broker
