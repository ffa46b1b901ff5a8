// `cairn produce TOPIC`: one record per line of stdin (the newline is not
// part of the record), optionally split into key and value, with the same
// headers on every record. Prints a summary; exit 1 when any record failed.
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli/command.h"
#include "client/cli/interrupt.h"
#include "client/cli/output.h"
#include "client/cli/producer_flags.h"
#include "client/cli/progress.h"
#include "client/producer.h"

namespace cairn::cli {
namespace {

// What the delivery callbacks (on the client's io thread) report back.
struct Outcome {
  std::mutex mu;
  int64_t delivered = 0;
  int64_t failed = 0;
  std::string first_error;
};

int Produce(const Context& context) {
  const std::string& topic = context.args.positionals()[0];
  absl::StatusOr<client::ProducerConfig> config = ProducerConfigFor(context);
  if (!config.ok()) return UsageError(context.command, OneLine(config.status()));
  std::optional<std::string> separator = context.args.Get("key-separator");
  if (separator && separator->empty()) return UsageError(context.command, "--key-separator must not be empty");
  std::vector<RecordHeader> headers;
  for (const std::string& entry : context.args.GetAll("header")) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) return UsageError(context.command, absl::StrCat("--header wants key=value, got '", entry, "'"));
    headers.push_back({entry.substr(0, eq), entry.substr(eq + 1)});
  }
  std::optional<int32_t> partition;
  if (auto p = context.args.Get("partition")) {
    absl::StatusOr<int64_t> n = ParseInt("partition", *p);
    if (!n.ok() || *n < 0 || *n > INT32_MAX) return UsageError(context.command, "--partition must be a partition number");
    partition = static_cast<int32_t>(*n);
  }

  auto producer = client::Producer::Create(*config);
  if (!producer.ok()) return Fail(producer.status());
  InstallInterruptHandler();
  auto outcome = std::make_shared<Outcome>();
  ProgressLine progress(ProgressLine::ModeFor(context.stderr_is_terminal, false));
  const auto start = std::chrono::steady_clock::now();
  int64_t sent = 0;
  char* line = nullptr;
  size_t capacity = 0;
  ssize_t length = 0;
  while (!Interrupted() && (length = ::getline(&line, &capacity, stdin)) >= 0) {
    absl::string_view text(line, static_cast<size_t>(length));
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    client::ProducerRecord record{topic, std::nullopt, std::string(text), headers, partition, std::nullopt};
    if (separator) {
      if (size_t at = text.find(*separator); at != absl::string_view::npos) {
        record.key = std::string(text.substr(0, at));
        record.value = std::string(text.substr(at + separator->size()));
      }
    }
    (*producer)->Send(std::move(record), [outcome](absl::StatusOr<client::RecordMetadata> result) {
      std::lock_guard lock(outcome->mu);
      if (result.ok()) {
        ++outcome->delivered;
      } else if (outcome->failed++ == 0) {
        outcome->first_error = OneLine(result.status());
      }
    });
    ++sent;
    if (progress.Due()) progress.Show(absl::StrCat(sent, " records sent"));
  }
  std::free(line);
  const absl::Status flushed = (*producer)->Flush(std::chrono::milliseconds(config->delivery_timeout_ms + 1000));
  (*producer)->Close(std::chrono::milliseconds(1000));
  progress.Finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::lock_guard lock(outcome->mu);
  PrintOut(absl::StrFormat("Produced %d record%s to %s in %.3f s.\n", outcome->delivered,
                           outcome->delivered == 1 ? "" : "s", topic, seconds));
  if (outcome->failed > 0) {
    return Fail(absl::StrCat(outcome->failed, " of ", sent, " records failed: ", outcome->first_error));
  }
  if (!flushed.ok() || outcome->delivered != sent) {
    return Fail(absl::StrCat(sent - outcome->delivered, " of ", sent, " records were not acknowledged: ", OneLine(flushed)));
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> ProduceCommands() {
  std::vector<FlagSpec> flags = {
      {"key-separator", 'k', "SEP", "split each line at the first SEP into key and value (no SEP: no key)"},
      {"header", 'H', "KEY=VALUE", "a header added to every record", true},
      {"partition", 'p', "N", "send every record to partition N (default: the key's partition, or sticky)"},
  };
  for (FlagSpec& f : ProducerFlags()) flags.push_back(std::move(f));
  return {{"produce", "TOPIC", "Send one record per line of standard input", std::move(flags), Produce,
           "Example:\n  printf 'k1:hello\\nk2:world\\n' | cairn produce orders -k : -H source=shell\n"
           "Prints 'Produced N records to TOPIC in S s.' when stdin ends (or on Ctrl-C); exit 1 if any record failed.\n",
           1, 1}};
}

}  // namespace cairn::cli
