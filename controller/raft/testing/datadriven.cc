// The data-driven transcript format; see datadriven.h.
#include "controller/raft/testing/datadriven.h"

#include <sstream>

#include "common/check.h"

namespace cairn::raft::testing {
namespace {

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::string current;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) lines.push_back(current);
  return lines;
}

}  // namespace

Command ParseCommand(std::string_view line) {
  Command command;
  command.line = std::string(line);
  std::istringstream words{std::string(line)};
  std::string word;
  words >> command.name;
  while (words >> word) {
    const size_t eq = word.find('=');
    if (eq == std::string::npos) {
      command.args.push_back(word);
    } else {
      command.options[word.substr(0, eq)] = word.substr(eq + 1);
    }
  }
  return command;
}

std::string RunScript(std::string_view script, const std::function<std::string(const Command&)>& run) {
  const std::vector<std::string> lines = SplitLines(script);
  std::string out;
  size_t i = 0;
  while (i < lines.size()) {
    const std::string& line = lines[i];
    if (line.empty() || line[0] == '#') {
      out += line + "\n";
      ++i;
      continue;
    }
    CAIRN_CHECK(i + 1 < lines.size() && lines[i + 1] == "----") << "command without ---- : " << line;
    std::string output = run(ParseCommand(line));
    if (output.empty()) output = "ok\n";
    if (output.back() != '\n') output += '\n';
    out += line + "\n----\n" + output;
    // Skip the old expected block: everything up to the next blank line.
    i += 2;
    while (i < lines.size() && !lines[i].empty()) ++i;
    if (i < lines.size()) {
      out += "\n";
      ++i;
    }
  }
  return out;
}

}  // namespace cairn::raft::testing
