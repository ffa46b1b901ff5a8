// The --format template of `cairn consume` (kcat's -f in spirit): %t topic,
// %p partition, %o offset, %k key, %v value, %h headers (k=v,k=v), %T
// timestamp in ms, %% a percent sign; \n, \t, \r and \\ escapes. A missing key
// or value prints as nothing.
#pragma once

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "client/consumer.h"

namespace cairn::cli {

class RecordFormat {
 public:
  static absl::StatusOr<RecordFormat> Parse(absl::string_view text);
  void Append(const client::ConsumerRecord& record, std::string* out) const;

 private:
  // A literal run (field == 0) or one field letter.
  struct Piece {
    char field = 0;
    std::string literal;
  };
  std::vector<Piece> pieces_;
};

}  // namespace cairn::cli
