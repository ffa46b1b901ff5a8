// A status line on stderr refreshed at most once per second: rewritten in
// place on a terminal, one line per update otherwise (only when the verb
// asks for that, as bench does for logs). Silent when disabled.
#pragma once

#include <chrono>
#include <string>

namespace cairn::cli {

class ProgressLine {
 public:
  enum class Mode { kOff, kTerminal, kLines };
  explicit ProgressLine(Mode mode) : mode_(mode), last_(std::chrono::steady_clock::now()) {}
  // Terminal when stderr is one, else kLines if `lines_otherwise`, else off.
  static Mode ModeFor(bool stderr_is_terminal, bool lines_otherwise);

  // Whether a second passed since the last line (so callers build text only then).
  bool Due() const;
  void Show(const std::string& text);
  // Ends an in-place line so later output starts on a fresh one.
  void Finish();

 private:
  Mode mode_;
  std::chrono::steady_clock::time_point last_;
  bool shown_ = false;
};

}  // namespace cairn::cli
