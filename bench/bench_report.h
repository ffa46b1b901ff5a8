// What a benchmark run prints: progress lines as it goes (stderr), then a
// table of the figures against their baselines and goals, and/or one flat
// JSON object of every figure.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace cairn::bench {

class BenchReport {
 public:
  // A progress line, printed at once on stderr.
  void Progress(const std::string& line) const;

  // A JSON field.
  void Add(const std::string& key, double value);
  void Add(const std::string& key, int64_t value);
  void Add(const std::string& key, const std::string& value);

  // A table row: what was measured, the figure, what it is compared with,
  // and the goal with whether it was met ("" for rows without a goal).
  void Row(std::string measurement, std::string figure, std::string baseline = "", std::string goal = "",
           std::string verdict = "");

  void PrintTable(std::FILE* out) const;
  void PrintJson(std::FILE* out) const;

 private:
  struct TableRow {
    std::string measurement, figure, baseline, goal, verdict;
  };
  std::vector<std::pair<std::string, std::string>> fields_;  // key, JSON value text
  std::vector<TableRow> rows_;
};

// printf into a std::string.
std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace cairn::bench
