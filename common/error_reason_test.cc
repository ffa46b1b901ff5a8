// Tests of the ErrorReason payload: every reason survives a round trip, and
// wrapping a status with context keeps it.
#include "common/error_reason.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"

namespace cairn {
namespace {

constexpr int kReasonCount = static_cast<int>(kLastErrorReason) + 1;

TEST_CASE("ErrorReason: every reason round-trips through the payload under a unique name") {
  std::set<std::string> names;
  for (int i = 0; i < kReasonCount; ++i) {
    const auto reason = static_cast<ErrorReason>(i);
    absl::Status status = WithReason(absl::InvalidArgumentError("bad"), reason);
    CAPTURE(ReasonName(reason));
    CHECK(GetReason(status) == reason);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(status.message() == "bad");
    CHECK(names.insert(ReasonName(reason)).second);
  }
  CHECK(names.size() == static_cast<size_t>(kReasonCount));
}

TEST_CASE("ErrorReason: a status without a reason has none") {
  CHECK(GetReason(absl::OkStatus()) == std::nullopt);
  CHECK(GetReason(absl::DataLossError("crc")) == std::nullopt);
}

TEST_CASE("ErrorReason: the payload is the reason's name under type.cairn/reason") {
  absl::Status status = WithReason(absl::OutOfRangeError("too big"), ErrorReason::kRecordTooLarge);
  CHECK(status.GetPayload("type.cairn/reason") == absl::Cord("record_too_large"));
  CHECK(status.ToString() == "OUT_OF_RANGE: too big [type.cairn/reason='record_too_large']");
}

TEST_CASE("ErrorReason: an OK status stays OK and carries no reason") {
  absl::Status status = WithReason(absl::OkStatus(), ErrorReason::kStorageError);
  CHECK(status.ok());
  CHECK(GetReason(status) == std::nullopt);
}

TEST_CASE("ErrorReason: a second reason replaces the first") {
  absl::Status status = WithReason(absl::InternalError("io"), ErrorReason::kInvalidRecord);
  status = WithReason(status, ErrorReason::kStorageError);
  CHECK(GetReason(status) == ErrorReason::kStorageError);
}

TEST_CASE("ErrorReason: an unrecognised payload value reads as no reason") {
  absl::Status status = absl::InternalError("x");
  status.SetPayload("type.cairn/reason", absl::Cord("from_a_newer_version"));
  CHECK(GetReason(status) == std::nullopt);
}

TEST_CASE("ErrorReason: the reason survives StatusOr and WithContext") {
  absl::StatusOr<int> result = WithReason(absl::DataLossError("crc mismatch"), ErrorReason::kCorruptRecord);
  CHECK(GetReason(result.status()) == ErrorReason::kCorruptRecord);

  absl::Status wrapped = WithContext(result.status(), "partition orders-0");
  CHECK(wrapped.code() == absl::StatusCode::kDataLoss);
  CHECK(wrapped.message() == "partition orders-0: crc mismatch");
  CHECK(GetReason(wrapped) == ErrorReason::kCorruptRecord);
  CHECK(WithContext(absl::OkStatus(), "ignored").ok());
}

}  // namespace
}  // namespace cairn
