// A minimal data-driven test file format (after etcd's interaction tests):
//
//   # comments and blank lines are kept
//   command arg key=value
//   ----
//   expected output, one or more non-blank lines
//
// RunScript executes each command and returns the file with every expected
// block replaced by the actual output, so a test compares the result with
// the file and a rewrite stores it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::raft::testing {

struct Command {
  std::string line;  // as written
  std::string name;
  std::vector<std::string> args;              // positional
  std::map<std::string, std::string> options;  // key=value
};

Command ParseCommand(std::string_view line);

// `run` returns a command's output; an empty output is written as "ok".
std::string RunScript(std::string_view script, const std::function<std::string(const Command&)>& run);

}  // namespace cairn::raft::testing
