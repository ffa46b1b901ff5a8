#include "client/cli/progress.h"

#include <cstdio>

namespace cairn::cli {

ProgressLine::Mode ProgressLine::ModeFor(bool stderr_is_terminal, bool lines_otherwise) {
  if (stderr_is_terminal) return Mode::kTerminal;
  return lines_otherwise ? Mode::kLines : Mode::kOff;
}

bool ProgressLine::Due() const {
  return mode_ != Mode::kOff && std::chrono::steady_clock::now() - last_ >= std::chrono::seconds(1);
}

void ProgressLine::Show(const std::string& text) {
  if (mode_ == Mode::kOff) return;
  last_ = std::chrono::steady_clock::now();
  if (mode_ == Mode::kTerminal) {
    std::fprintf(stderr, "\r%s\033[K", text.c_str());  // \033[K clears the rest of the old line
    shown_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void ProgressLine::Finish() {
  if (mode_ == Mode::kTerminal && shown_) std::fputc('\n', stderr);
  shown_ = false;
}

}  // namespace cairn::cli
