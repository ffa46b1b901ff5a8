#include "client/cli/record_format.h"

#include "absl/strings/str_cat.h"

namespace cairn::cli {

absl::StatusOr<RecordFormat> RecordFormat::Parse(absl::string_view text) {
  RecordFormat format;
  auto literal = [&format]() -> std::string& {
    if (format.pieces_.empty() || format.pieces_.back().field != 0) format.pieces_.push_back({});
    return format.pieces_.back().literal;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '%' && c != '\\') {
      literal() += c;
      continue;
    }
    if (i + 1 >= text.size()) {
      return absl::InvalidArgumentError(absl::StrCat("--format ends with a lone '", std::string(1, c), "'"));
    }
    const char next = text[++i];
    if (c == '\\') {
      switch (next) {
        case 'n': literal() += '\n'; break;
        case 't': literal() += '\t'; break;
        case 'r': literal() += '\r'; break;
        case '\\': literal() += '\\'; break;
        default:
          return absl::InvalidArgumentError(absl::StrCat("unknown escape '\\", std::string(1, next), "' in --format"));
      }
      continue;
    }
    switch (next) {
      case '%': literal() += '%'; break;
      case 't': case 'p': case 'o': case 'k': case 'v': case 'h': case 'T':
        format.pieces_.push_back({next, {}});
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat("unknown field '%", std::string(1, next),
                                                       "' in --format (use %t %p %o %k %v %h %T %%)"));
    }
  }
  return format;
}

void RecordFormat::Append(const client::ConsumerRecord& record, std::string* out) const {
  for (const Piece& piece : pieces_) {
    switch (piece.field) {
      case 0: *out += piece.literal; break;
      case 't': *out += record.topic; break;
      case 'p': absl::StrAppend(out, record.partition); break;
      case 'o': absl::StrAppend(out, record.offset); break;
      case 'k': if (record.key) *out += *record.key; break;
      case 'v': if (record.value) *out += *record.value; break;
      case 'T': absl::StrAppend(out, record.timestamp_ms); break;
      case 'h':
        for (size_t i = 0; i < record.headers.size(); ++i) {
          if (i > 0) *out += ',';
          *out += record.headers[i].key;
          if (record.headers[i].value) absl::StrAppend(out, "=", *record.headers[i].value);
        }
        break;
    }
  }
}

}  // namespace cairn::cli
