#include "io/file.h"

#include "common/status_macros.h"

namespace cairn::io {

namespace {
std::string ParentDirectory(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}
}  // namespace

void File::WriteDurablyAt(uint64_t position, ByteSpan data, StatusCallback done) {
  WriteAt(position, data, [this, done = std::move(done)](absl::Status written) mutable {
    if (!written.ok()) {
      std::move(done)(std::move(written));
      return;
    }
    Sync(std::move(done));
  });
}

absl::Status FileSystem::WriteFileAtomically(const std::string& path, ByteSpan contents) {
  const std::string temporary = path + ".tmp";
  {
    ASSIGN_OR_RETURN(auto file, Open(temporary, OpenMode::kCreateReadWrite));
    RETURN_IF_ERROR(file->Truncate(0));
    RETURN_IF_ERROR(file->Write(0, contents));
    RETURN_IF_ERROR(file->Flush());
  }
  RETURN_IF_ERROR(Rename(temporary, path));
  return SyncDirectory(ParentDirectory(path));
}

absl::StatusOr<Buffer> FileSystem::ReadWholeFile(const std::string& path) {
  ASSIGN_OR_RETURN(auto file, Open(path, OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(uint64_t size, file->Size());
  Buffer contents(size);
  ASSIGN_OR_RETURN(size_t read, file->Read(0, contents));
  contents.resize(read);
  return contents;
}

}  // namespace cairn::io
