#include "client/group/range_assignor.h"

#include <doctest/doctest.h>

#include "client/group/assignor_test_util.h"

namespace cairn::client::group {
namespace {

using testing::Member;
using testing::Show;

TEST_CASE("range: 3 members x 2 topics x 6 partitions get two contiguous partitions of each topic") {
  RangeAssignor range;
  auto out = range.Assign({{"t1", 6}, {"t2", 6}},
                          {Member("m3", {"t1", "t2"}), Member("m1", {"t1", "t2"}), Member("m2", {"t1", "t2"})});
  CHECK(Show(out) == "m1: t1-0 t1-1 t2-0 t2-1 | m2: t1-2 t1-3 t2-2 t2-3 | m3: t1-4 t1-5 t2-4 t2-5");
}

TEST_CASE("range: the first members of each topic get the extra partitions, per topic") {
  RangeAssignor range;
  auto out = range.Assign({{"t1", 4}, {"t2", 4}},
                          {Member("m1", {"t1", "t2"}), Member("m2", {"t1", "t2"}), Member("m3", {"t1", "t2"})});
  // Range's known skew: m1 gets the extra partition of every topic.
  CHECK(Show(out) == "m1: t1-0 t1-1 t2-0 t2-1 | m2: t1-2 t2-2 | m3: t1-3 t2-3");
}

TEST_CASE("range: when a member leaves, the rest split each topic again") {
  RangeAssignor range;
  auto out = range.Assign({{"t1", 6}, {"t2", 6}}, {Member("m1", {"t1", "t2"}), Member("m3", {"t1", "t2"})});
  CHECK(Show(out) == "m1: t1-0 t1-1 t1-2 t2-0 t2-1 t2-2 | m3: t1-3 t1-4 t1-5 t2-3 t2-4 t2-5");
}

TEST_CASE("range: only subscribers share a topic, unknown topics and idle members get nothing") {
  RangeAssignor range;
  auto out = range.Assign({{"t1", 3}, {"t2", 2}},
                          {Member("a", {"t1"}), Member("b", {"t1", "t2", "missing"}), Member("c", {"other"})});
  CHECK(Show(out) == "a: t1-0 t1-1 | b: t1-2 t2-0 t2-1 | c:");
}

TEST_CASE("range: static members come first, ordered by instance id, then dynamic ones by member id") {
  RangeAssignor range;
  MemberSubscription z = Member("a-dynamic", {"t"});
  MemberSubscription s1 = Member("zz", {"t"});
  s1.group_instance_id = "instance-2";
  MemberSubscription s2 = Member("yy", {"t"});
  s2.group_instance_id = "instance-1";
  auto out = range.Assign({{"t", 5}}, {z, s1, s2});
  CHECK(Show(out) == "a-dynamic: t-4 | yy: t-0 t-1 | zz: t-2 t-3");
}

}  // namespace
}  // namespace cairn::client::group
