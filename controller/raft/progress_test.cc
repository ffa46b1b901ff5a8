// Progress: the leader's per-follower flow control.
#include "controller/raft/progress.h"

#include <doctest/doctest.h>

namespace cairn::raft {
namespace {

TEST_CASE("Progress: a probe waits for its answer, a match switches to streaming") {
  Progress pr(LogIndex(5), 2, false);
  CHECK_FALSE(pr.IsPaused());
  pr.SentAppend(1, LogIndex(5));
  CHECK(pr.IsPaused());
  CHECK(pr.MaybeUpdate(LogIndex(5)));
  CHECK_FALSE(pr.IsPaused());
  pr.BecomeReplicate();
  CHECK(pr.next == LogIndex(6));
  pr.SentAppend(2, LogIndex(7));
  pr.SentAppend(1, LogIndex(8));
  CHECK(pr.next == LogIndex(9));
  CHECK(pr.IsPaused());  // two in flight, window of two
  pr.inflights.FreeUpTo(LogIndex(7));
  CHECK_FALSE(pr.IsPaused());
}

TEST_CASE("Progress: a rejection backs a probe off to the hint, never past the match") {
  Progress pr(LogIndex(10), 4, false);
  pr.match = LogIndex(3);
  CHECK_FALSE(pr.MaybeDecreaseTo(LogIndex(7), LogIndex(5)));  // not our last probe (next-1 = 9)
  CHECK(pr.MaybeDecreaseTo(LogIndex(9), LogIndex(5)));
  CHECK(pr.next == LogIndex(5));
  CHECK(pr.MaybeDecreaseTo(LogIndex(4), LogIndex(1)));
  CHECK(pr.next == LogIndex(4));  // match + 1
}

TEST_CASE("Progress: a rejection while streaming falls back to probing from the match") {
  Progress pr(LogIndex(1), 4, false);
  pr.match = LogIndex(5);
  pr.BecomeReplicate();
  pr.SentAppend(3, LogIndex(8));
  CHECK_FALSE(pr.MaybeDecreaseTo(LogIndex(5), LogIndex(1)));  // stale: at or below the match
  CHECK(pr.MaybeDecreaseTo(LogIndex(7), LogIndex(1)));
  CHECK(pr.state == ProgressState::kProbe);
  CHECK(pr.next == LogIndex(6));
}

TEST_CASE("Progress: after a snapshot, probing resumes past the snapshot") {
  Progress pr(LogIndex(3), 4, false);
  pr.match = LogIndex(2);
  pr.BecomeSnapshot(LogIndex(20));
  CHECK(pr.IsPaused());
  pr.BecomeProbe();
  CHECK(pr.next == LogIndex(21));
}

}  // namespace
}  // namespace cairn::raft
