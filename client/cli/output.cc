#include "client/cli/output.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace cairn::cli {
namespace {

// errno of the first failed write to stdout; 0 while none failed. Only the
// verb's thread writes stdout.
int output_errno = 0;

void NoteOutputFailure() {
  if (output_errno == 0) output_errno = errno != 0 ? errno : EIO;
}

absl::Status OutputStatus() {
  if (output_errno == 0) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("cannot write output: ", std::strerror(output_errno)));
}

}  // namespace

std::string OneLine(const absl::Status& status) {
  std::string text(status.message());
  if (text.empty()) text = absl::StatusCodeToString(status.code());
  return absl::StrReplaceAll(text, {{"\r", " "}, {"\n", " "}});
}

int Fail(absl::string_view message) {
  const std::string line = absl::StrCat("cairn: ", absl::StrReplaceAll(message, {{"\n", " "}}), "\n");
  std::fflush(stdout);
  std::fputs(line.c_str(), stderr);
  return 1;
}

int Fail(const absl::Status& status) { return Fail(OneLine(status)); }

int UsageError(absl::string_view command, absl::string_view message) {
  const std::string line = absl::StrCat("cairn ", command, ": ", message, " (see 'cairn ", command, " --help')\n");
  std::fputs(line.c_str(), stderr);
  return 2;
}

void PrintOut(absl::string_view text) {
  if (output_errno != 0 || text.empty()) return;
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) NoteOutputFailure();
}

absl::Status FlushOutput() {
  errno = 0;
  if (output_errno == 0 && (std::fflush(stdout) != 0 || std::ferror(stdout))) NoteOutputFailure();
  return OutputStatus();
}

bool OutputReaderGone() {
  // A pipe's write end polls POLLERR once no reader is left; a terminal or
  // a file never does.
  pollfd out = {STDOUT_FILENO, 0, 0};
  if (::poll(&out, 1, 0) != 1 || (out.revents & POLLERR) == 0) return false;
  if (output_errno == 0) output_errno = EPIPE;
  return true;
}

int FinishOutput(int status) {
  absl::Status written = FlushOutput();
  // close(2) can report a failed write of data already flushed (NFS, say).
  errno = 0;
  if (written.ok() && ::close(STDOUT_FILENO) != 0 && errno != EBADF) {
    NoteOutputFailure();
    written = OutputStatus();
  }
  if (written.ok() || status != 0) return status;
  return Fail(written);
}

Table::Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }

void Table::AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

std::string Table::Render() const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out += line;
    out += '\n';
  }
  return out;
}

void Table::Print() const { PrintOut(Render()); }

std::string NumberOrDash(int64_t value) { return value < 0 ? "-" : absl::StrCat(value); }

}  // namespace cairn::cli
