// A File (io/file.h) on a kernel descriptor: the asynchronous operations go
// through an io_uring Ring, the blocking ones are plain pread/pwrite/fdatasync.
//
// Threading: the asynchronous operations must be called on the Ring's owning
// thread (the shard's), and their callbacks run there, from the Ring's
// completion processing. Blocking operations may run on any thread that does
// not race with other users of the same File.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "io/file.h"
#include "io/uring_ring.h"

namespace cairn::io {

class UringFile final : public File {
 public:
  // Takes ownership of `fd`. `ring` may be nullptr for a file used only with
  // the blocking operations; an asynchronous call then fails a CAIRN_CHECK.
  UringFile(int fd, std::string path, Ring* ring);
  // Closes the descriptor once no asynchronous operation still uses it (a
  // closed fd number could be reused by another open before a queued SQE runs).
  ~UringFile() override = default;

  void WriteAt(uint64_t position, ByteSpan data, StatusCallback done) override;
  void ReadAt(uint64_t position, MutableByteSpan out, ReadCallback done) override;
  void Sync(StatusCallback done) override;
  void WriteDurablyAt(uint64_t position, ByteSpan data, StatusCallback done) override;

  absl::StatusOr<size_t> Read(uint64_t position, MutableByteSpan out) override;
  absl::Status Write(uint64_t position, ByteSpan data) override;
  absl::Status Flush() override;
  absl::Status Truncate(uint64_t size) override;
  absl::StatusOr<uint64_t> Size() override;

  int native_handle() const override;
  const std::string& path() const override;

 private:
  // The descriptor and its path, shared with every in-flight operation.
  struct Handle;
  Ring& ring();
  // A ring completion that calls `done` with OK, or with the errno as a
  // Status naming the operation, the path and (if given) the position.
  Ring::Completion StatusCompletion(const char* operation, std::optional<uint64_t> position,
                                    StatusCallback done) const;

  std::shared_ptr<const Handle> handle_;
  Ring* ring_;
};

}  // namespace cairn::io
