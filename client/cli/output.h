// How `cairn` reports: errors as one line on stderr, tables as aligned
// columns on stdout (two spaces between columns, no trailing blanks). Every
// write to stdout is checked: output lost to a full disk or a closed pipe is
// an error, never a silent success.
#pragma once

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"

namespace cairn::cli {

// Prints "cairn: <message>" (newlines folded into spaces) and returns 1.
int Fail(absl::string_view message);
int Fail(const absl::Status& status);
// Prints "cairn <command>: <message> (see 'cairn <command> --help')", returns 2.
int UsageError(absl::string_view command, absl::string_view message);

// The message of a status without absl's code prefix and on one line.
std::string OneLine(const absl::Status& status);

// Writes `text` to stdout (buffered). After a failed write nothing more is
// written; the first failure is kept for FlushOutput and FinishOutput.
void PrintOut(absl::string_view text);
// Flushes stdout: OK once everything printed so far reached the file or
// pipe, else "cannot write output: <strerror>" of the first failure.
absl::Status FlushOutput();
// Whether stdout is a pipe whose reader is gone, seen without writing, so a
// command waiting for input (consume) stops instead of waiting for its next
// write to fail with EPIPE.
bool OutputReaderGone();
// At exit: flushes and closes stdout. A verb that succeeded but whose output
// failed exits 1 with "cairn: cannot write output: <strerror>"; a verb that
// failed keeps its status and its one error line.
int FinishOutput(int status);

class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void AddRow(std::vector<std::string> row);
  // Each column padded to its widest cell; the last column is not padded.
  std::string Render() const;
  void Print() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "-" for a missing number (Kafka tools' convention), else the number.
std::string NumberOrDash(int64_t value);

}  // namespace cairn::cli
