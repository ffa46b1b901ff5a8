// The in-memory FileSystem behind deterministic tests: every file keeps its
// current and its durable bytes, plus the writes since the last sync, so a
// simulated crash can lose, keep or tear exactly what was never synced.
#include "io/sim/sim_disk.h"

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/check.h"

namespace cairn::io::sim {

namespace {

// Torn crashes garble at most the rest of the sector the cut falls in.
constexpr uint64_t kSectorBytes = 512;

// Canonical form of a path: no repeated or trailing '/', no "." components.
// The roots are "/" for absolute paths and "." for relative ones.
std::string Normalize(const std::string& path) {
  const bool absolute = !path.empty() && path[0] == '/';
  std::string out = absolute ? "/" : "";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view component(path.data() + start, end - start);
    if (!component.empty() && component != ".") {
      if (!out.empty() && out.back() != '/') out.push_back('/');
      out.append(component);
    }
    start = end + 1;
  }
  return out.empty() ? "." : out;
}

bool IsRoot(const std::string& path) { return path == "/" || path == "."; }

// Parent of a normalized path; a root is its own parent.
std::string Parent(const std::string& path) {
  if (IsRoot(path)) return path;
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// True when normalized `path` lies strictly below directory `dir`.
bool IsInside(const std::string& path, const std::string& dir) {
  if (path == dir) return false;
  if (dir == ".") return path[0] != '/';
  if (dir == "/") return path[0] == '/';
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

absl::Status NoSuchFile(const std::string& path) {
  return absl::NotFoundError(absl::StrCat(path, ": No such file or directory (simulated)"));
}

// Writes `data` at `position` of `bytes`, zero-filling any gap.
void Splice(Buffer& bytes, uint64_t position, ByteSpan data) {
  if (data.empty()) return;
  if (bytes.size() < position + data.size()) bytes.resize(position + data.size());
  std::copy(data.begin(), data.end(), bytes.begin() + static_cast<std::ptrdiff_t>(position));
}

}  // namespace

struct SimDisk::Node {
  // A write or truncation since the last successful sync, kept in order so a
  // torn crash can keep a prefix of them.
  struct PendingOp {
    bool truncate = false;
    uint64_t position = 0;  // the new size, for a truncation
    Buffer data;
  };

  Buffer current;  // what reads see
  Buffer durable;  // what survives a crash
  // Whether the file's name survives a crash. Only consulted in strict
  // directory mode, where a new file is linked durably once its parent
  // directory is synced.
  bool linked_durably = true;
  std::vector<PendingOp> pending;
  // Set by a failed sync, which (as Linux does after a writeback error)
  // dropped the unsynced writes from `pending`: reads still see them, but no
  // later sync will persist them. Callers must never retry a failed sync.
  bool writeback_lost = false;

  // What a successful sync makes durable now.
  Buffer SyncedImage() const {
    if (!writeback_lost) return current;
    Buffer image = durable;
    for (const PendingOp& op : pending) {
      if (op.truncate) {
        image.resize(op.position);
      } else {
        Splice(image, op.position, op.data);
      }
    }
    image.resize(current.size());  // the size is metadata and does persist
    return image;
  }
};

struct SimDisk::State {
  SimDisk* disk = nullptr;  // null once the SimDisk is destroyed
  SimScheduler* scheduler = nullptr;
  std::mt19937_64 random;
  // Bumped by every crash; handles and completions from older generations
  // belong to a process that no longer exists.
  uint64_t generation = 0;
  std::map<std::string, std::shared_ptr<Node>> files;
  std::set<std::string> directories = {".", "/"};
  int fail_next_syncs = 0;
  int fail_next_writes = 0;
  bool strict_directories = false;
  std::optional<uint64_t> capacity;

  bool IsFile(const std::string& path) const { return files.contains(path); }
  bool IsDirectory(const std::string& path) const { return directories.contains(path); }

  // Names of the immediate children of `dir`, sorted.
  std::vector<std::string> Children(const std::string& dir) const {
    std::set<std::string> names;
    for (const auto& [path, node] : files) {
      if (path != dir && Parent(path) == dir) names.insert(BaseName(path));
    }
    for (const std::string& path : directories) {
      if (path != dir && Parent(path) == dir) names.insert(BaseName(path));
    }
    return {names.begin(), names.end()};
  }

  uint64_t BytesStored() const {
    uint64_t total = 0;
    for (const auto& [path, node] : files) total += node->current.size();
    return total;
  }

  uint64_t Uniform(uint64_t bound) { return bound == 0 ? 0 : random() % bound; }

  absl::Status WriteNode(Node& node, uint64_t position, ByteSpan data) {
    if (fail_next_writes > 0) {
      --fail_next_writes;
      return absl::InternalError("pwrite: Input/output error (simulated)");
    }
    const uint64_t end = position + data.size();
    const uint64_t growth = end > node.current.size() ? end - node.current.size() : 0;
    if (capacity.has_value() && !data.empty() && BytesStored() + growth > *capacity) {
      return absl::ResourceExhaustedError("No space left on device (simulated)");
    }
    Splice(node.current, position, data);
    if (!data.empty()) node.pending.push_back({false, position, Buffer(data.begin(), data.end())});
    ++disk->stats_.writes;
    disk->stats_.bytes_written += data.size();
    return absl::OkStatus();
  }

  size_t ReadNode(const Node& node, uint64_t position, MutableByteSpan out) {
    ++disk->stats_.reads;
    if (position >= node.current.size()) return 0;
    size_t count = std::min<uint64_t>(out.size(), node.current.size() - position);
    std::copy_n(node.current.begin() + static_cast<std::ptrdiff_t>(position), count, out.begin());
    return count;
  }

  absl::Status SyncNode(Node& node) {
    ++disk->stats_.syncs;  // attempts, so tests can see a sync was not retried
    if (fail_next_syncs > 0) {
      --fail_next_syncs;
      node.pending.clear();
      node.writeback_lost = true;
      return absl::InternalError("fdatasync: Input/output error (simulated)");
    }
    node.durable = node.SyncedImage();
    node.pending.clear();
    node.writeback_lost = false;
    return absl::OkStatus();
  }

  void TruncateNode(Node& node, uint64_t size) {
    node.current.resize(size);
    node.pending.push_back({true, size, {}});
  }

  // The contents after a power loss that persisted a random prefix of the
  // unsynced writes, in issue order, cut at a random byte.
  Buffer TornImage(const Node& node) {
    uint64_t unsynced_bytes = 0;
    for (const Node::PendingOp& op : node.pending) unsynced_bytes += op.data.size();
    uint64_t keep = Uniform(unsynced_bytes + 1);
    Buffer image = node.durable;
    for (const Node::PendingOp& op : node.pending) {
      if (op.truncate) {
        image.resize(op.position);
        continue;
      }
      const uint64_t take = std::min<uint64_t>(keep, op.data.size());
      Splice(image, op.position, ByteSpan(op.data).first(take));
      keep -= take;
      if (take < op.data.size()) {
        GarbleTailSector(image, op, take);
        break;
      }
    }
    return image;
  }

  // Half the time, a cut inside a sector leaves the rest of that sector (as
  // far as the write reached) holding random bytes instead of old or new data.
  void GarbleTailSector(Buffer& image, const Node::PendingOp& op, uint64_t taken) {
    const uint64_t cut = op.position + taken;
    if (cut % kSectorBytes == 0 || Uniform(2) == 0) return;
    const uint64_t end =
        std::min(cut - cut % kSectorBytes + kSectorBytes, op.position + op.data.size());
    if (image.size() < end) image.resize(end);
    for (uint64_t i = cut; i < end; ++i) image[i] = static_cast<uint8_t>(random());
  }
};

// A handle on one node; copyable so queued completions do not depend on the
// File object staying alive.
struct SimFileHandle {
  std::shared_ptr<SimDisk::State> state;
  std::shared_ptr<SimDisk::Node> node;
  uint64_t generation = 0;
  bool writable = false;
};

class SimFile final : public File {
 public:
  SimFile(SimFileHandle handle, std::string path)
      : handle_(std::move(handle)), path_(std::move(path)) {}

  void WriteAt(uint64_t position, ByteSpan data, StatusCallback done) override {
    Submit(
        [position, data](const SimFileHandle& handle) { return DoWrite(handle, position, data); },
        std::move(done));
  }

  void ReadAt(uint64_t position, MutableByteSpan out, ReadCallback done) override {
    Submit([position, out](const SimFileHandle& handle) { return DoRead(handle, position, out); },
           std::move(done));
  }

  void Sync(StatusCallback done) override {
    Submit([](const SimFileHandle& handle) { return DoSync(handle); }, std::move(done));
  }

  absl::StatusOr<size_t> Read(uint64_t position, MutableByteSpan out) override {
    return DoRead(handle_, position, out);
  }
  absl::Status Write(uint64_t position, ByteSpan data) override {
    return DoWrite(handle_, position, data);
  }
  absl::Status Flush() override { return DoSync(handle_); }

  absl::Status Truncate(uint64_t size) override {
    absl::Status usable = CheckWritable(handle_);
    if (!usable.ok()) return usable;
    handle_.state->TruncateNode(*handle_.node, size);
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> Size() override {
    absl::Status usable = CheckUsable(handle_);
    if (!usable.ok()) return usable;
    return handle_.node->current.size();
  }

  const std::string& path() const override { return path_; }

 private:
  static absl::Status CheckUsable(const SimFileHandle& handle) {
    if (handle.state->disk == nullptr) {
      return absl::FailedPreconditionError("the simulated disk was destroyed");
    }
    if (handle.generation != handle.state->generation) {
      return absl::FailedPreconditionError("file opened before a simulated crash");
    }
    return absl::OkStatus();
  }

  static absl::Status CheckWritable(const SimFileHandle& handle) {
    absl::Status usable = CheckUsable(handle);
    if (usable.ok() && !handle.writable) {
      return absl::FailedPreconditionError("file opened read-only");
    }
    return usable;
  }

  static absl::Status DoWrite(const SimFileHandle& handle, uint64_t position, ByteSpan data) {
    absl::Status usable = CheckWritable(handle);
    if (!usable.ok()) return usable;
    return handle.state->WriteNode(*handle.node, position, data);
  }

  static absl::StatusOr<size_t> DoRead(const SimFileHandle& handle, uint64_t position,
                                       MutableByteSpan out) {
    absl::Status usable = CheckUsable(handle);
    if (!usable.ok()) return usable;
    return handle.state->ReadNode(*handle.node, position, out);
  }

  static absl::Status DoSync(const SimFileHandle& handle) {
    absl::Status usable = CheckUsable(handle);
    if (!usable.ok()) return usable;
    return handle.state->SyncNode(*handle.node);
  }

  // Queues `op` to take effect when the scheduler runs it, then `done`. A
  // crash in between discards both: the process that issued them is gone.
  template <typename Op, typename Callback>
  void Submit(Op op, Callback done) {
    SimDisk::State& state = *handle_.state;
    state.scheduler->Post([handle = handle_, issued = state.generation, op = std::move(op),
                           done = std::move(done)]() mutable {
      if (handle.state->disk == nullptr || handle.state->generation != issued) return;
      std::move(done)(op(handle));
    });
  }

  SimFileHandle handle_;
  std::string path_;
};

// --- SimDisk ---

SimDisk::SimDisk(SimScheduler* scheduler, uint64_t seed) : state_(std::make_shared<State>()) {
  CAIRN_CHECK(scheduler != nullptr);
  state_->disk = this;
  state_->scheduler = scheduler;
  state_->random.seed(seed);
}

SimDisk::~SimDisk() { state_->disk = nullptr; }

absl::StatusOr<std::unique_ptr<File>> SimDisk::Open(const std::string& path, OpenMode mode) {
  const std::string name = Normalize(path);
  if (state_->IsDirectory(name)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": Is a directory (simulated)"));
  }
  if (!state_->IsDirectory(Parent(name))) return NoSuchFile(path);
  auto it = state_->files.find(name);
  if (it == state_->files.end()) {
    if (mode == OpenMode::kReadOnly || mode == OpenMode::kReadWrite) return NoSuchFile(path);
    it = state_->files.emplace(name, std::make_shared<Node>()).first;
    it->second->linked_durably = !state_->strict_directories;
  } else if (mode == OpenMode::kCreateNew) {
    return absl::AlreadyExistsError(absl::StrCat(path, ": File exists (simulated)"));
  }
  SimFileHandle handle{state_, it->second, state_->generation, mode != OpenMode::kReadOnly};
  return std::unique_ptr<File>(new SimFile(std::move(handle), path));
}

absl::Status SimDisk::CreateDirectories(const std::string& path) {
  std::vector<std::string> chain;  // from `path` up to the first existing one
  for (std::string dir = Normalize(path); !state_->IsDirectory(dir); dir = Parent(dir)) {
    if (state_->IsFile(dir)) {
      return absl::FailedPreconditionError(absl::StrCat(dir, ": Not a directory (simulated)"));
    }
    chain.push_back(dir);
  }
  state_->directories.insert(chain.begin(), chain.end());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SimDisk::ListDirectory(const std::string& path) {
  const std::string dir = Normalize(path);
  if (state_->IsFile(dir)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": Not a directory (simulated)"));
  }
  if (!state_->IsDirectory(dir)) return NoSuchFile(path);
  return state_->Children(dir);
}

absl::StatusOr<bool> SimDisk::Exists(const std::string& path) {
  const std::string name = Normalize(path);
  return state_->IsFile(name) || state_->IsDirectory(name);
}

absl::Status SimDisk::Remove(const std::string& path) {
  const std::string name = Normalize(path);
  if (state_->files.erase(name) > 0) return absl::OkStatus();
  // Like unlink(2) in PosixFileSystem: directories go through RemoveAll.
  if (state_->IsDirectory(name)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": Is a directory (simulated)"));
  }
  return NoSuchFile(path);
}

absl::Status SimDisk::RemoveAll(const std::string& path) {
  const std::string name = Normalize(path);
  std::erase_if(state_->files, [&](const auto& entry) {
    return entry.first == name || IsInside(entry.first, name);
  });
  std::erase_if(state_->directories, [&](const std::string& dir) {
    return IsInside(dir, name) || (dir == name && !IsRoot(name));
  });
  return absl::OkStatus();
}

absl::Status SimDisk::Rename(const std::string& from, const std::string& to) {
  const std::string source = Normalize(from);
  const std::string target = Normalize(to);
  const bool source_is_file = state_->IsFile(source);
  if (!source_is_file && !state_->IsDirectory(source)) return NoSuchFile(from);
  if (!state_->IsDirectory(Parent(target))) return NoSuchFile(to);
  if (source == target) return absl::OkStatus();
  if (source_is_file) {
    if (state_->IsDirectory(target)) {
      return absl::FailedPreconditionError(absl::StrCat(to, ": Is a directory (simulated)"));
    }
    // Like rename(2): atomically replaces an existing target file.
    state_->files[target] = std::move(state_->files[source]);
    state_->files.erase(source);
    return absl::OkStatus();
  }
  return RenameDirectory(source, target);
}

absl::Status SimDisk::SyncDirectory(const std::string& path) {
  const std::string dir = Normalize(path);
  if (!state_->IsDirectory(dir)) return NoSuchFile(path);
  // Renames and removals are durable at once; new names become durable here.
  for (auto& [file, node] : state_->files) {
    if (Parent(file) == dir) node->linked_durably = true;
  }
  return absl::OkStatus();
}

void SimDisk::set_strict_directory_durability(bool strict) { state_->strict_directories = strict; }

absl::Status SimDisk::RenameDirectory(const std::string& source, const std::string& target) {
  if (IsRoot(source) || IsRoot(target) || IsInside(target, source)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot move '", source, "' to '", target, "' (simulated)"));
  }
  if (state_->IsFile(target)) {
    return absl::FailedPreconditionError(absl::StrCat(target, ": Not a directory (simulated)"));
  }
  if (state_->IsDirectory(target) && !state_->Children(target).empty()) {
    return absl::FailedPreconditionError(absl::StrCat(target, ": Directory not empty (simulated)"));
  }
  const auto moved = [&](const std::string& path) { return target + path.substr(source.size()); };
  std::map<std::string, std::shared_ptr<Node>> files;
  for (auto& [path, node] : state_->files) {
    files.emplace(IsInside(path, source) ? moved(path) : path, std::move(node));
  }
  std::set<std::string> directories;
  for (const std::string& dir : state_->directories) {
    directories.insert(dir == source || IsInside(dir, source) ? moved(dir) : dir);
  }
  state_->files = std::move(files);
  state_->directories = std::move(directories);
  return absl::OkStatus();
}

// --- fault knobs ---

void SimDisk::Crash(CrashMode mode) {
  // A file created since its directory was last synced may vanish.
  if (mode != CrashMode::kKeepUnsynced) {
    std::erase_if(state_->files, [](const auto& entry) { return !entry.second->linked_durably; });
  }
  for (auto& [path, node] : state_->files) {
    node->linked_durably = true;
    switch (mode) {
      case CrashMode::kLoseUnsynced:
        node->current = node->durable;
        break;
      case CrashMode::kKeepUnsynced:
        node->durable = node->SyncedImage();
        break;
      case CrashMode::kTearUnsynced:
        node->durable = state_->TornImage(*node);
        node->current = node->durable;
        break;
    }
    node->pending.clear();
    node->writeback_lost = false;
  }
  ++state_->generation;
}

void SimDisk::FailNextSyncs(int count) {
  CAIRN_CHECK(count >= 0) << count;
  state_->fail_next_syncs = count;
}

void SimDisk::SetCapacity(uint64_t bytes) { state_->capacity = bytes; }

void SimDisk::ClearCapacity() { state_->capacity.reset(); }

void SimDisk::FailNextWrites(int count) {
  CAIRN_CHECK(count >= 0) << count;
  state_->fail_next_writes = count;
}

absl::Status SimDisk::FlipBit(const std::string& path, uint64_t position, int bit) {
  CAIRN_CHECK(bit >= 0) << "bit " << bit;
  CAIRN_CHECK(bit < 8) << "bit " << bit;
  auto it = state_->files.find(Normalize(path));
  if (it == state_->files.end()) return NoSuchFile(path);
  Node& node = *it->second;
  if (position >= node.current.size()) {
    return absl::OutOfRangeError(
        absl::StrCat("position ", position, " is past the end of ", path, " (simulated)"));
  }
  const auto mask = static_cast<uint8_t>(1u << bit);
  node.current[position] ^= mask;
  if (position < node.durable.size()) node.durable[position] ^= mask;
  return absl::OkStatus();
}

absl::StatusOr<Buffer> SimDisk::Contents(const std::string& path) const {
  auto it = state_->files.find(Normalize(path));
  if (it == state_->files.end()) return NoSuchFile(path);
  return it->second->current;
}

absl::StatusOr<Buffer> SimDisk::DurableContents(const std::string& path) const {
  auto it = state_->files.find(Normalize(path));
  if (it == state_->files.end()) return NoSuchFile(path);
  return it->second->durable;
}

uint64_t SimDisk::bytes_stored() const { return state_->BytesStored(); }

}  // namespace cairn::io::sim
