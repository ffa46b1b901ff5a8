// Programmer-error checks that crash loudly with context (DESIGN.md §9).
// CAIRN_CHECK is always on; CAIRN_DCHECK only in debug builds.
//   CAIRN_CHECK(pos <= size) << "segment " << path;
#pragma once

#include <sstream>

#include "absl/base/optimization.h"

namespace cairn::internal {

// Collects the message of a failed check; its destructor prints and aborts.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return message_; }

 private:
  std::ostringstream message_;
};

// Swallows the stream expression of a check that passed or is compiled out.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace cairn::internal

#define CAIRN_CHECK(condition)                  \
  ABSL_PREDICT_TRUE(condition)                  \
  ? (void)0                                     \
  : ::cairn::internal::Voidify() &              \
        ::cairn::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()

#ifdef NDEBUG
#define CAIRN_DCHECK(condition) \
  true ? (void)0 : ::cairn::internal::Voidify() & ::cairn::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()
#else
#define CAIRN_DCHECK(condition) CAIRN_CHECK(condition)
#endif

#define CAIRN_CHECK_OK(status_expr)                                   \
  do {                                                                \
    const ::absl::Status cairn_check_ok_status = (status_expr);       \
    CAIRN_CHECK(cairn_check_ok_status.ok()) << cairn_check_ok_status; \
  } while (0)
