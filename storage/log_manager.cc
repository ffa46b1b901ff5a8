#include "storage/log_manager.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace cairn::storage {
namespace {

constexpr const char* kMetaProperties = "meta.properties";

// meta.properties ties a log dir to a node, so a mis-mounted disk from
// another broker is refused instead of served as ours.
absl::StatusOr<std::optional<int32_t>> ReadNodeId(io::FileSystem& fs, const std::string& path) {
  ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) return std::optional<int32_t>();
  ASSIGN_OR_RETURN(Buffer contents, fs.ReadWholeFile(path));
  const std::string text(AsStringView(contents));
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, "node.id=")) continue;
    int32_t id = 0;
    if (!absl::SimpleAtoi(line, &id)) break;
    return std::optional<int32_t>(id);
  }
  return absl::DataLossError(absl::StrCat(path, " has no valid node.id line"));
}

}  // namespace

LogManager::LogManager(io::FileSystem* fs, Options options, const Clock* clock)
    : fs_(fs), options_(std::move(options)), clock_(clock) {}

absl::StatusOr<std::unique_ptr<LogManager>> LogManager::Open(io::FileSystem* fs, Options options,
                                                             const Clock* clock) {
  if (options.log_dirs.empty()) return absl::InvalidArgumentError("no log dirs configured");
  std::unique_ptr<LogManager> manager(new LogManager(fs, std::move(options), clock));
  for (const std::string& dir : manager->options_.log_dirs) {
    RETURN_IF_ERROR(manager->PrepareLogDir(dir));
    RETURN_IF_ERROR(manager->OpenPartitionsIn(dir));
  }
  return manager;
}

absl::Status LogManager::PrepareLogDir(const std::string& dir) {
  RETURN_IF_ERROR(fs_->CreateDirectories(dir));
  const std::string meta = absl::StrCat(dir, "/", kMetaProperties);
  ASSIGN_OR_RETURN(std::optional<int32_t> node_id, ReadNodeId(*fs_, meta));
  if (!node_id) {
    const std::string text = absl::StrCat("version=1\nnode.id=", options_.node_id.value(), "\n");
    return fs_->WriteFileAtomically(meta, AsBytes(text));
  }
  if (*node_id != options_.node_id.value()) {
    return absl::FailedPreconditionError(absl::StrCat("log dir ", dir, " belongs to node.id ", *node_id,
                                                      " but this node is node.id ", options_.node_id.value()));
  }
  return absl::OkStatus();
}

absl::Status LogManager::OpenPartitionsIn(const std::string& dir) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, fs_->ListDirectory(dir));
  for (const std::string& name : names) {
    if (name == kMetaProperties || name == ".lock" || name == kControllerMetadataDir) continue;
    std::optional<TopicPartition> tp = TopicPartition::FromDirectoryName(name);
    if (!tp) {
      CAIRN_LOG(kWarning) << "ignoring " << dir << "/" << name << ": not a <topic>-<partition> directory";
      continue;
    }
    if (options_.owns && !options_.owns(*tp)) continue;
    if (logs_.contains(*tp) || offline_.contains(*tp)) {
      return absl::FailedPreconditionError(
          absl::StrCat("partition ", name, " exists in two log dirs (", logs_[*tp].log_dir, " and ", dir, ")"));
    }
    auto log = PartitionLog::Open(fs_, absl::StrCat(dir, "/", name), options_.default_config, clock_);
    if (!log.ok()) {
      // One damaged partition must not take the others down with it.
      CAIRN_LOG(kError) << "partition " << name << " is offline: " << log.status();
      offline_.emplace(*tp, log.status());
      continue;
    }
    (*log)->set_flush_observer(options_.on_flush);
    logs_[*tp] = Entry{dir, std::move(*log)};
  }
  return absl::OkStatus();
}

std::string LogManager::LeastLoadedDir() const {
  std::map<std::string, int> load;
  for (const std::string& dir : options_.log_dirs) load[dir] = 0;
  for (const auto& [tp, entry] : logs_) ++load[entry.log_dir];
  std::string best = options_.log_dirs.front();
  for (const std::string& dir : options_.log_dirs) {
    if (load[dir] < load[best]) best = dir;
  }
  return best;
}

absl::StatusOr<PartitionLog*> LogManager::Create(const TopicPartition& tp, const LogConfig& config) {
  RETURN_IF_ERROR(ValidateTopicName(tp.topic));
  if (tp.partition < 0) return absl::InvalidArgumentError(absl::StrCat("negative partition ", tp.partition));
  if (logs_.contains(tp) || offline_.contains(tp)) {
    return absl::AlreadyExistsError(absl::StrCat("partition ", tp.DirectoryName(), " already exists"));
  }
  const std::string dir = LeastLoadedDir();
  auto log = PartitionLog::Open(fs_, absl::StrCat(dir, "/", tp.DirectoryName()), config, clock_);
  if (!log.ok()) {
    // A full disk or an I/O error: the partition is offline here, as a log
    // that failed recovery is (requests for it get the storage error, not
    // "unknown partition"), until a restart opens it again.
    offline_.emplace(tp, log.status());
    return log.status();
  }
  PartitionLog* raw = log->get();
  raw->set_flush_observer(options_.on_flush);
  logs_[tp] = Entry{dir, *std::move(log)};
  return raw;
}

PartitionLog* LogManager::Find(const TopicPartition& tp) const {
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : it->second.log.get();
}

absl::Status LogManager::Delete(const TopicPartition& tp) {
  std::string dir;
  if (auto it = logs_.find(tp); it != logs_.end()) {
    dir = absl::StrCat(it->second.log_dir, "/", tp.DirectoryName());
    logs_.erase(it);
  } else if (offline_.erase(tp) > 0) {
    for (const std::string& log_dir : options_.log_dirs) {
      const std::string candidate = absl::StrCat(log_dir, "/", tp.DirectoryName());
      ASSIGN_OR_RETURN(bool exists, fs_->Exists(candidate));
      if (exists) dir = candidate;
    }
  } else {
    return absl::NotFoundError(absl::StrCat("no partition ", tp.DirectoryName()));
  }
  if (dir.empty()) return absl::OkStatus();
  return fs_->RemoveAll(dir);
}

std::vector<TopicPartition> LogManager::Partitions() const {
  std::vector<TopicPartition> partitions;
  for (const auto& [tp, entry] : logs_) partitions.push_back(tp);
  return partitions;
}

LogManager::MaintenanceStats LogManager::RunMaintenance() {
  MaintenanceStats stats;
  for (auto& [tp, entry] : logs_) {
    auto deleted = entry.log->ApplyRetention();
    if (deleted.ok()) {
      stats.segments_deleted += *deleted;
    } else {
      ++stats.errors;
      CAIRN_LOG(kError) << "retention of " << tp.DirectoryName() << ": " << deleted.status();
    }
    std::unique_ptr<CompactionJob> job = entry.log->PrepareCompaction(/*force=*/false);
    if (!job) continue;
    absl::Status compacted = job->Run();
    if (compacted.ok()) compacted = entry.log->CommitCompaction(*job);
    if (compacted.ok()) {
      ++stats.partitions_compacted;
    } else {
      ++stats.errors;
      CAIRN_LOG(kError) << "compaction of " << tp.DirectoryName() << ": " << compacted;
    }
  }
  return stats;
}

int LogManager::CheckpointRecoveryPoints() {
  int errors = 0;
  for (auto& [tp, entry] : logs_) {
    if (absl::Status s = entry.log->CheckpointRecoveryPoint(); !s.ok()) {
      ++errors;
      CAIRN_LOG(kError) << "recovery point of " << tp.DirectoryName() << ": " << s;
    }
  }
  return errors;
}

absl::Status LogManager::CloseAll() {
  absl::Status first_error;
  for (auto& [tp, entry] : logs_) {
    absl::Status closed = entry.log->CloseCleanly();
    if (!closed.ok() && first_error.ok()) first_error = closed;
  }
  logs_.clear();
  return first_error;
}

void LogManager::CloseAllWhenIdle(absl::AnyInvocable<void(absl::Status) &&> done) {
  // One count per partition plus one for this call, so `done` runs once,
  // after the last partition (at once when all are idle already).
  struct Waiting {
    Waiting(size_t count, absl::AnyInvocable<void(absl::Status) &&> callback)
        : remaining(count), done(std::move(callback)) {}
    // A partition deleted meanwhile drops its waiting task: answer anyway,
    // rather than leave the caller waiting for ever.
    ~Waiting() {
      if (done) std::move(done)(absl::AbortedError("a partition was deleted while the logs were closing"));
    }
    size_t remaining;
    absl::AnyInvocable<void(absl::Status) &&> done;
  };
  auto waiting = std::make_shared<Waiting>(logs_.size() + 1, std::move(done));
  auto one_idle = [this, waiting] {
    if (--waiting->remaining > 0) return;
    auto callback = std::move(waiting->done);
    waiting->done = nullptr;
    std::move(callback)(CloseAll());
  };
  for (auto& [tp, entry] : logs_) entry.log->WhenIdle(one_idle);
  one_idle();
}

}  // namespace cairn::storage
