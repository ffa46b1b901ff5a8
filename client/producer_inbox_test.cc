#include "client/producer_inbox.h"

#include <vector>

#include "doctest/doctest.h"

namespace cairn::client {
namespace {

constexpr auto kQueued = ProducerInbox::PushResult::kQueued;
constexpr auto kWake = ProducerInbox::PushResult::kQueuedWake;

OutgoingRecord Record(int32_t partition, size_t bytes = 100) {
  PendingRecord record;
  record.reserved_bytes = bytes;
  return OutgoingRecord{std::string("t"), partition, std::move(record)};
}

TEST_CASE("ProducerInbox: without a promise the first record wakes the io thread, the next ones ride on that wake") {
  ProducerInbox inbox(1 << 20);
  CHECK(inbox.Push(Record(0), 100) == kWake);
  CHECK(inbox.Push(Record(1), 100) == kQueued);
  CHECK(inbox.Push(Record(2), 0) == kQueued);
  std::vector<OutgoingRecord> taken;
  inbox.TakeAll(taken);
  REQUIRE(taken.size() == 3);
  CHECK(*taken[0].partition == 0);
  CHECK(*taken[1].partition == 1);
  CHECK(*taken[2].partition == 2);
  CHECK(inbox.wakes_requested() == 1);
  // The wake was delivered: the next record due before any promise wakes again.
  CHECK(inbox.Push(Record(3), 100) == kWake);
}

TEST_CASE("ProducerInbox: a record due no earlier than the promise waits for it, one due sooner wakes") {
  ProducerInbox inbox(1 << 20);
  CHECK(!inbox.Promise(1000));  // nothing waiting
  CHECK(inbox.Push(Record(0), 1000) == kQueued);
  CHECK(inbox.Push(Record(1), 1500) == kQueued);
  CHECK(inbox.Push(Record(2), 999) == kWake);
  CHECK(inbox.Push(Record(3), 10) == kQueued);  // a wake is already on its way
  CHECK(inbox.wakes_requested() == 1);
}

TEST_CASE("ProducerInbox: a later promise wakes for records due before it, an earlier one does not") {
  ProducerInbox inbox(1 << 20);
  inbox.Promise(1000);
  CHECK(inbox.Push(Record(0), 1200) == kQueued);
  CHECK(!inbox.Promise(1100));  // still before the record is due
  CHECK(inbox.Promise(1300));   // the io thread will look later than that: wake now
  CHECK(!inbox.Promise(5000));  // that wake is on its way
  std::vector<OutgoingRecord> taken;
  inbox.TakeAll(taken);
  CHECK(taken.size() == 1);
  // No timer at all (closing): any record waiting asks for a wake.
  CHECK(inbox.Push(Record(1), 6000) == kQueued);
  CHECK(inbox.Promise(INT64_MAX));
}

TEST_CASE("ProducerInbox: a batch's worth of bytes wakes the io thread whatever the records' due times") {
  ProducerInbox inbox(1000);
  inbox.Promise(1000);
  CHECK(inbox.Push(Record(0, 400), 5000) == kQueued);
  CHECK(inbox.Push(Record(0, 500), 5000) == kQueued);
  CHECK(inbox.Push(Record(0, 100), 5000) == kWake);
  std::vector<OutgoingRecord> taken;
  inbox.TakeAll(taken);
  CHECK(taken.size() == 3);
  CHECK(inbox.Push(Record(0, 999), 5000) == kQueued);  // the count starts again after TakeAll
}

TEST_CASE("ProducerInbox: TakeAll appends to records already held, in order") {
  ProducerInbox inbox(1 << 20);
  std::vector<OutgoingRecord> taken;
  taken.push_back(Record(7));
  inbox.Push(Record(8), 0);
  inbox.Push(Record(9), 0);
  inbox.TakeAll(taken);
  REQUIRE(taken.size() == 3);
  CHECK(*taken[0].partition == 7);
  CHECK(*taken[1].partition == 8);
  CHECK(*taken[2].partition == 9);
}

TEST_CASE("ProducerInbox: Close takes what waits and hands every later record back to its Send") {
  ProducerInbox inbox(1 << 20);
  CHECK(inbox.Push(Record(1), 0) == kWake);
  CHECK(inbox.Push(Record(2), 0) == kQueued);
  std::vector<OutgoingRecord> taken;
  inbox.Close(taken);
  REQUIRE(taken.size() == 2);
  CHECK(*taken[0].partition == 1);
  CHECK(*taken[1].partition == 2);
  OutgoingRecord late = Record(3, 250);
  CHECK(inbox.Push(std::move(late), 0) == ProducerInbox::PushResult::kClosed);
  // Not moved from: the caller still holds it, to fail it.
  CHECK(*late.partition == 3);
  CHECK(late.record.reserved_bytes == 250);
  std::vector<OutgoingRecord> after;
  inbox.TakeAll(after);
  CHECK(after.empty());
}

}  // namespace
}  // namespace cairn::client
