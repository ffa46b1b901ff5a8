#include "client/cli/output.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace cairn::cli {

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

void Table::Print() const {
  const std::string text = Render();
  std::fwrite(text.data(), 1, text.size(), stdout);
}

std::string NumberOrDash(int64_t value) { return value < 0 ? "-" : absl::StrCat(value); }

}  // namespace cairn::cli
