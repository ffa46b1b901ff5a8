// RETURN_IF_ERROR and ASSIGN_OR_RETURN for absl::Status / absl::StatusOr.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CAIRN_STATUS_CONCAT_INNER(a, b) a##b
#define CAIRN_STATUS_CONCAT(a, b) CAIRN_STATUS_CONCAT_INNER(a, b)

#define CAIRN_RETURN_IF_ERROR_IMPL(status, expr)       \
  do {                                                 \
    ::absl::Status status = (expr);                    \
    if (ABSL_PREDICT_FALSE(!status.ok())) return status; \
  } while (0)

// A unique name per expansion, so nesting (a lambda inside the expression)
// does not shadow.
#define RETURN_IF_ERROR(expr) \
  CAIRN_RETURN_IF_ERROR_IMPL(CAIRN_STATUS_CONCAT(cairn_return_if_error_, __COUNTER__), expr)

#define CAIRN_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) {               \
    return std::move(statusor).status();                  \
  }                                                       \
  lhs = std::move(statusor).value()

// ASSIGN_OR_RETURN(auto file, fs.Open(path));
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  CAIRN_ASSIGN_OR_RETURN_IMPL(CAIRN_STATUS_CONCAT(cairn_statusor_, __LINE__), lhs, rexpr)
