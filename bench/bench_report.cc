// Table and JSON rendering for BenchReport.
#include "bench/bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace cairn::bench {
namespace {

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += Format("\\u%04x", c);
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string Format(const char* format, ...) {
  va_list args;
  va_start(args, format);
  char buffer[1024];
  const int length = std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  if (length < 0) return "";
  if (static_cast<size_t>(length) < sizeof(buffer)) return std::string(buffer, static_cast<size_t>(length));
  std::string out(static_cast<size_t>(length) + 1, '\0');
  va_start(args, format);
  std::vsnprintf(out.data(), out.size(), format, args);
  va_end(args);
  out.resize(static_cast<size_t>(length));
  return out;
}

void BenchReport::Progress(const std::string& line) const {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void BenchReport::Add(const std::string& key, double value) {
  fields_.emplace_back(key, std::isfinite(value) ? Format("%.6g", value) : "null");
}

void BenchReport::Add(const std::string& key, int64_t value) { fields_.emplace_back(key, std::to_string(value)); }

void BenchReport::Add(const std::string& key, const std::string& value) {
  fields_.emplace_back(key, JsonString(value));
}

void BenchReport::Row(std::string measurement, std::string figure, std::string baseline, std::string goal,
                      std::string verdict) {
  rows_.push_back(
      {std::move(measurement), std::move(figure), std::move(baseline), std::move(goal), std::move(verdict)});
}

void BenchReport::PrintJson(std::FILE* out) const {
  std::fprintf(out, "{");
  for (size_t i = 0; i < fields_.size(); ++i) {
    std::fprintf(out, "%s\n  %s: %s", i == 0 ? "" : ",", JsonString(fields_[i].first).c_str(),
                 fields_[i].second.c_str());
  }
  std::fprintf(out, "\n}\n");
}

void BenchReport::PrintTable(std::FILE* out) const {
  TableRow header{"measurement", "figure", "baseline (same run)", "goal", "met"};
  std::vector<const TableRow*> all = {&header};
  for (const TableRow& row : rows_) all.push_back(&row);
  size_t width[5] = {0, 0, 0, 0, 0};
  for (const TableRow* row : all) {
    const std::string* cells[5] = {&row->measurement, &row->figure, &row->baseline, &row->goal, &row->verdict};
    for (int c = 0; c < 5; ++c) width[c] = std::max(width[c], cells[c]->size());
  }
  for (const TableRow* row : all) {
    const std::string* cells[5] = {&row->measurement, &row->figure, &row->baseline, &row->goal, &row->verdict};
    std::string line;
    for (int c = 0; c < 5; ++c) {
      line += (c == 0 ? "" : " | ") + *cells[c] + std::string(width[c] - cells[c]->size(), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::fprintf(out, "%s\n", line.c_str());
    if (row == &header) {
      std::string rule;
      for (int c = 0; c < 5; ++c) rule += (c == 0 ? "" : "-+-") + std::string(width[c], '-');
      std::fprintf(out, "%s\n", rule.c_str());
    }
  }
}

}  // namespace cairn::bench
