// The durable Raft log; see raft_storage.h and docs/format/raft-log.md.
#include "controller/raft_storage.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "controller/raft_codec.h"
#include "controller/raft_log_format.h"

namespace cairn::controller {

// Index arithmetic of the core (types.h), found by ADL only inside cairn::raft.
using raft::operator+;
using raft::operator-;

using raft::Entry;
using raft::LogIndex;

struct RaftStorage::PendingPersist {
  Buffer frames;  // must outlive the WriteAt
  uint64_t position = 0;
  std::vector<Entry> entries;
  std::optional<raft::HardState> hard_state;
  Buffer slot;
  io::StatusCallback done;
};

RaftStorage::RaftStorage(io::FileSystem& fs, std::string dir, const raft::ConfState& conf_state)
    : fs_(fs), dir_(std::move(dir)), memory_(conf_state) {}

RaftStorage::~RaftStorage() { *alive_ = false; }

absl::StatusOr<std::unique_ptr<RaftStorage>> RaftStorage::Open(io::FileSystem& fs, const std::string& dir,
                                                                const raft::ConfState& bootstrap) {
  std::unique_ptr<RaftStorage> storage(new RaftStorage(fs, dir, bootstrap));
  RETURN_IF_ERROR(storage->Recover(bootstrap));
  return storage;
}

absl::Status RaftStorage::Recover(const raft::ConfState& bootstrap) {
  RETURN_IF_ERROR(fs_.CreateDirectories(dir_));
  ASSIGN_OR_RETURN(const bool has_snapshot, fs_.Exists(SnapshotPath()));
  ASSIGN_OR_RETURN(const bool has_hard_state, fs_.Exists(HardStatePath()));
  ASSIGN_OR_RETURN(const bool has_log, fs_.Exists(LogPath()));
  // A fresh directory gets its files in this order, each atomically, so a
  // crash during creation leaves a prefix of them that is safe to redo.
  raft::Snapshot snapshot;
  snapshot.metadata.conf_state = bootstrap;
  if (has_snapshot) {
    ASSIGN_OR_RETURN(Buffer bytes, fs_.ReadWholeFile(SnapshotPath()));
    const std::optional<ByteSpan> payload = ReadFrame(bytes, 0);
    absl::StatusOr<raft::Snapshot> decoded = absl::DataLossError("bad frame");
    if (payload && kFrameHeaderBytes + payload->size() == bytes.size()) decoded = DecodeSnapshot(*payload);
    if (!decoded.ok()) {
      return absl::DataLossError(absl::StrCat("corrupt raft snapshot ", SnapshotPath(), " at position 0"));
    }
    snapshot = *std::move(decoded);
  } else if (has_hard_state || has_log) {
    return absl::DataLossError(absl::StrCat("raft snapshot ", SnapshotPath(), " is missing"));
  } else {
    RETURN_IF_ERROR(WriteSnapshotFile(snapshot));
  }
  memory_ = raft::MemoryStorage(snapshot.metadata.conf_state);
  if (!snapshot.IsEmpty()) CAIRN_CHECK_OK(memory_.ApplySnapshot(snapshot));

  if (!has_hard_state) {
    if (has_log || !snapshot.IsEmpty()) {
      return absl::DataLossError(absl::StrCat("raft hard state ", HardStatePath(), " is missing"));
    }
    RETURN_IF_ERROR(fs_.WriteFileAtomically(HardStatePath(), EncodeHardStateSlot(0, raft::HardState{})));
  }
  ASSIGN_OR_RETURN(Buffer hard_state_bytes, fs_.ReadWholeFile(HardStatePath()));
  const std::optional<HardStateSlot> slot = ReadHardStateSlots(hard_state_bytes);
  if (!slot) {
    return absl::DataLossError(absl::StrCat("corrupt raft hard state ", HardStatePath(),
                                            ": neither slot is valid"));
  }
  hard_state_sequence_ = slot->sequence;
  memory_.SetHardState(slot->hard_state);
  ASSIGN_OR_RETURN(hard_state_file_, fs_.Open(HardStatePath(), io::OpenMode::kReadWrite));
  RETURN_IF_ERROR(RecoverLog());
  if (hard_state().commit > LastIndex()) {
    return absl::DataLossError(absl::StrCat("raft hard state ", HardStatePath(), " commits ",
                                            hard_state().commit.value(), " but ", LogPath(),
                                            " ends at ", LastIndex().value()));
  }
  return absl::OkStatus();
}

absl::Status RaftStorage::RecoverLog() {
  ASSIGN_OR_RETURN(log_file_, fs_.Open(LogPath(), io::OpenMode::kCreateReadWrite));
  RETURN_IF_ERROR(fs_.SyncDirectory(dir_));
  ASSIGN_OR_RETURN(const uint64_t size, log_file_->Size());
  Buffer bytes(size);
  ASSIGN_OR_RETURN(const size_t read, log_file_->Read(0, bytes));
  bytes.resize(read);
  ASSIGN_OR_RETURN(LogScan scan, ScanLog(bytes, LogPath()));
  if (scan.bad_tail) {
    // A crash tears only what was never fsynced, and every committed entry
    // was fsynced before the hard state that commits it.
    const LogIndex expected = scan.entries.empty() ? FirstIndex() : scan.entries.back().entry.index + 1;
    if (expected <= hard_state().commit) {
      return absl::DataLossError(absl::StrCat("corrupt raft log ", LogPath(), " at position ",
                                              scan.valid_bytes, ": entry ", expected.value(),
                                              " is committed (commit index ",
                                              hard_state().commit.value(), ")"));
    }
    CAIRN_LOG(kWarning) << "truncating torn tail of " << LogPath() << " at position " << scan.valid_bytes
                        << " (" << bytes.size() - scan.valid_bytes << " bytes)";
    RETURN_IF_ERROR(log_file_->Truncate(scan.valid_bytes));
    RETURN_IF_ERROR(log_file_->Flush());
  }
  log_end_ = scan.valid_bytes;
  if (scan.entries.empty()) return absl::OkStatus();

  const raft::SnapshotMetadata snapshot = memory_.GetSnapshot()->metadata;
  const LogIndex first = scan.entries.front().entry.index;
  const LogIndex last = scan.entries.back().entry.index;
  if (first > snapshot.index + 1) {
    return absl::DataLossError(absl::StrCat("raft log ", LogPath(), " starts at entry ", first.value(),
                                            " after a gap behind the snapshot at ", snapshot.index.value()));
  }
  // A crash between installing a received snapshot and emptying the log
  // leaves entries the snapshot replaced: keep them only if the log agrees
  // with the snapshot at its index (Log Matching), as etcd does.
  if (snapshot.index.value() != 0 && first <= snapshot.index) {
    const bool matches = last >= snapshot.index &&
                         scan.entries[snapshot.index.value() - first.value()].entry.term == snapshot.term;
    if (!matches) return RewriteLog({});
  }
  log_first_index_ = first;
  std::vector<Entry> entries;
  entries.reserve(scan.entries.size());
  for (ScannedEntry& scanned : scan.entries) {
    positions_.push_back(scanned.position);
    entries.push_back(std::move(scanned.entry));
  }
  memory_.Append(entries);
  return absl::OkStatus();
}

absl::StatusOr<raft::InitialState> RaftStorage::GetInitialState() const { return memory_.GetInitialState(); }

absl::StatusOr<std::vector<Entry>> RaftStorage::Entries(LogIndex lo, LogIndex hi, uint64_t max_bytes) const {
  return memory_.Entries(lo, hi, max_bytes);
}

absl::StatusOr<raft::Term> RaftStorage::TermAt(LogIndex index) const { return memory_.TermAt(index); }

absl::Status RaftStorage::Fail(absl::Status status) {
  if (!status.ok() && failure_.ok()) failure_ = status;
  return status;
}

absl::Status RaftStorage::WriteSnapshotFile(const raft::Snapshot& snapshot) {
  Buffer contents;
  AppendFrame(contents, EncodeSnapshot(snapshot));
  return Fail(fs_.WriteFileAtomically(SnapshotPath(), contents));
}

absl::Status RaftStorage::RewriteLog(const std::vector<Entry>& entries) {
  Buffer frames;
  std::vector<uint64_t> positions;
  for (const Entry& entry : entries) {
    positions.push_back(frames.size());
    AppendFrame(frames, EncodeEntry(entry));
  }
  // The old handle would point at the replaced (unlinked) file afterwards.
  log_file_.reset();
  RETURN_IF_ERROR(Fail(fs_.WriteFileAtomically(LogPath(), frames)));
  absl::StatusOr<std::unique_ptr<io::File>> file = fs_.Open(LogPath(), io::OpenMode::kReadWrite);
  RETURN_IF_ERROR(Fail(file.status()));
  log_file_ = *std::move(file);
  positions_ = std::move(positions);
  log_first_index_ = entries.empty() ? LogIndex(0) : entries.front().index;
  log_end_ = frames.size();
  return absl::OkStatus();
}

absl::Status RaftStorage::PrepareLogAppend(const std::vector<Entry>& entries, Buffer& frames,
                                           uint64_t& write_position) {
  const LogIndex snapshot_index = FirstIndex() - 1;
  size_t skip = 0;
  while (skip < entries.size() && entries[skip].index <= snapshot_index) ++skip;
  write_position = log_end_;
  if (skip == entries.size()) return absl::OkStatus();
  const LogIndex first = entries[skip].index;
  if (positions_.empty()) {
    log_first_index_ = first;
  } else {
    CAIRN_CHECK(first >= log_first_index_) << "append at " << first << " before the log file's first entry "
                                           << log_first_index_;
    const uint64_t keep = first.value() - log_first_index_.value();
    CAIRN_CHECK(keep <= positions_.size()) << "gap: appending " << first << " after "
                                           << log_first_index_ + (positions_.size() - 1);
    if (keep < positions_.size()) {
      // A conflicting suffix from an earlier term: never committed, so it
      // may go; the fsync that follows makes the truncation durable.
      log_end_ = positions_[keep];
      positions_.resize(keep);
      RETURN_IF_ERROR(Fail(log_file_->Truncate(log_end_)));
    }
  }
  write_position = log_end_;
  for (size_t i = skip; i < entries.size(); ++i) {
    positions_.push_back(log_end_ + frames.size());
    AppendFrame(frames, EncodeEntry(entries[i]));
  }
  log_end_ += frames.size();
  return absl::OkStatus();
}

absl::Status RaftStorage::Persist(std::optional<raft::Snapshot> snapshot, std::vector<Entry> entries,
                                  std::optional<raft::HardState> hard_state, io::StatusCallback done) {
  RETURN_IF_ERROR(failure_);
  CAIRN_CHECK(!persisting_) << "Persist while a Persist is in flight";
  if (snapshot) {
    // Rare (a follower far behind), so the blocking atomic writes are fine.
    RETURN_IF_ERROR(WriteSnapshotFile(*snapshot));
    RETURN_IF_ERROR(RewriteLog({}));
    CAIRN_CHECK_OK(memory_.ApplySnapshot(*std::move(snapshot)));
  }
  auto pending = std::make_shared<PendingPersist>();
  RETURN_IF_ERROR(PrepareLogAppend(entries, pending->frames, pending->position));
  pending->entries = std::move(entries);
  pending->hard_state = hard_state;
  if (hard_state) pending->slot = EncodeHardStateSlot(hard_state_sequence_ + 1, *hard_state);
  pending->done = std::move(done);
  persisting_ = true;

  // Log write, log fsync, hard-state write, hard-state fsync: the hard state
  // may commit entries of this very Ready, so it must not be durable first.
  // The log is synced even with nothing written, so that a truncation is
  // durable and `done` never runs inline.
  auto sync_log = [this, alive = alive_, pending](absl::Status status) {
    if (!*alive) return;
    if (!status.ok()) return FinishPersist(pending, std::move(status));
    log_file_->Sync([this, alive, pending](absl::Status synced) {
      if (!*alive) return;
      if (!synced.ok() || !pending->hard_state) return FinishPersist(pending, std::move(synced));
      const uint64_t slot_position = ((hard_state_sequence_ + 1) % 2) * kHardStateSlotBytes;
      hard_state_file_->WriteAt(slot_position, pending->slot, [this, alive, pending](absl::Status written) {
        if (!*alive) return;
        if (!written.ok()) return FinishPersist(pending, std::move(written));
        hard_state_file_->Sync([this, alive, pending](absl::Status hs_synced) {
          if (*alive) FinishPersist(pending, std::move(hs_synced));
        });
      });
    });
  };
  if (pending->frames.empty()) {
    sync_log(absl::OkStatus());
  } else {
    log_file_->WriteAt(pending->position, pending->frames, std::move(sync_log));
  }
  return absl::OkStatus();
}

void RaftStorage::FinishPersist(std::shared_ptr<PendingPersist> pending, absl::Status status) {
  persisting_ = false;
  if (!status.ok()) {
    // Never retried: pages that failed to sync may be gone (DESIGN.md §3).
    (void)Fail(absl::Status(status.code(), absl::StrCat("persisting raft state in ", dir_, ": ", status.message())));
    std::move(pending->done)(failure_);
    return;
  }
  memory_.Append(pending->entries);
  if (pending->hard_state) {
    memory_.SetHardState(*pending->hard_state);
    ++hard_state_sequence_;
  }
  std::move(pending->done)(absl::OkStatus());
}

absl::Status RaftStorage::CreateSnapshot(LogIndex index, const raft::ConfState& conf_state, Buffer data) {
  RETURN_IF_ERROR(failure_);
  const raft::Snapshot current = *memory_.GetSnapshot();
  if (index <= current.metadata.index) {
    return absl::FailedPreconditionError(absl::StrCat("snapshot at ", index.value(), " is not newer than ",
                                                      current.metadata.index.value()));
  }
  ASSIGN_OR_RETURN(const raft::Term term, memory_.TermAt(index));
  raft::Snapshot snapshot{raft::SnapshotMetadata{index, term, conf_state}, data};
  RETURN_IF_ERROR(WriteSnapshotFile(snapshot));
  return memory_.CreateSnapshot(index, conf_state, std::move(data));
}

absl::Status RaftStorage::Compact(LogIndex index) {
  RETURN_IF_ERROR(failure_);
  CAIRN_CHECK(!persisting_) << "Compact while a Persist is in flight";
  RETURN_IF_ERROR(memory_.Compact(index));
  std::vector<Entry> kept;
  if (LastIndex() >= FirstIndex()) {
    ASSIGN_OR_RETURN(kept, memory_.Entries(FirstIndex(), LastIndex() + 1, UINT64_MAX));
  }
  return RewriteLog(kept);
}

}  // namespace cairn::controller
