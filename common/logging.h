// Minimal leveled logging to stderr: CAIRN_LOG(kWarning) << "truncated " << n;
// One line per message, prefixed with time, level and source location.
#pragma once

#include <sstream>

namespace cairn {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();

namespace internal {
class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  std::ostream& stream() { return message_; }

 private:
  LogLevel level_;
  std::ostringstream message_;
};
}  // namespace internal

}  // namespace cairn

#define CAIRN_LOG(level)                                      \
  if (::cairn::LogLevel::level < ::cairn::MinLogLevel()) {    \
  } else                                                      \
    ::cairn::internal::LogMessage(::cairn::LogLevel::level, __FILE__, __LINE__).stream()
