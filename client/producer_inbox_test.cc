#include "client/producer_inbox.h"

#include <vector>

#include "doctest/doctest.h"

namespace cairn::client {
namespace {

OutgoingRecord Record(int32_t partition, size_t bytes = 100) {
  PendingRecord record;
  record.reserved_bytes = bytes;
  return OutgoingRecord{std::string("t"), partition, std::move(record)};
}

TEST_CASE("ProducerInbox: without a promise the first record wakes the io thread, the next ones ride on that wake") {
  ProducerInbox inbox(1 << 20);
  CHECK(inbox.Push(Record(0), 100));
  CHECK(!inbox.Push(Record(1), 100));
  CHECK(!inbox.Push(Record(2), 0));
  std::vector<OutgoingRecord> taken;
  inbox.TakeAll(taken);
  REQUIRE(taken.size() == 3);
  CHECK(*taken[0].partition == 0);
  CHECK(*taken[1].partition == 1);
  CHECK(*taken[2].partition == 2);
  CHECK(inbox.wakes_requested() == 1);
  // The wake was delivered: the next record due before any promise wakes again.
  CHECK(inbox.Push(Record(3), 100));
}

TEST_CASE("ProducerInbox: a record due no earlier than the promise waits for it, one due sooner wakes") {
  ProducerInbox inbox(1 << 20);
  CHECK(!inbox.Promise(1000));  // nothing waiting
  CHECK(!inbox.Push(Record(0), 1000));
  CHECK(!inbox.Push(Record(1), 1500));
  CHECK(inbox.Push(Record(2), 999));
  CHECK(!inbox.Push(Record(3), 10));  // a wake is already on its way
  CHECK(inbox.wakes_requested() == 1);
}

TEST_CASE("ProducerInbox: a later promise wakes for records due before it, an earlier one does not") {
  ProducerInbox inbox(1 << 20);
  inbox.Promise(1000);
  CHECK(!inbox.Push(Record(0), 1200));
  CHECK(!inbox.Promise(1100));  // still before the record is due
  CHECK(inbox.Promise(1300));   // the io thread will look later than that: wake now
  CHECK(!inbox.Promise(5000));  // that wake is on its way
  std::vector<OutgoingRecord> taken;
  inbox.TakeAll(taken);
  CHECK(taken.size() == 1);
  // No timer at all (closing): any record waiting asks for a wake.
  CHECK(!inbox.Push(Record(1), 6000));
  CHECK(inbox.Promise(INT64_MAX));
}

TEST_CASE("ProducerInbox: a batch's worth of bytes wakes the io thread whatever the records' due times") {
  ProducerInbox inbox(1000);
  inbox.Promise(1000);
  CHECK(!inbox.Push(Record(0, 400), 5000));
  CHECK(!inbox.Push(Record(0, 500), 5000));
  CHECK(inbox.Push(Record(0, 100), 5000));
  std::vector<OutgoingRecord> taken;
  inbox.TakeAll(taken);
  CHECK(taken.size() == 3);
  CHECK(!inbox.Push(Record(0, 999), 5000));  // the count starts again after TakeAll
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

}  // namespace
}  // namespace cairn::client
