#include "client/group/assignor.h"

namespace cairn::client::group {

bool MemberOrder(const MemberSubscription& a, const MemberSubscription& b) {
  if (a.group_instance_id && b.group_instance_id) {
    if (*a.group_instance_id != *b.group_instance_id) return *a.group_instance_id < *b.group_instance_id;
    return a.member_id < b.member_id;
  }
  if (a.group_instance_id.has_value() != b.group_instance_id.has_value()) return a.group_instance_id.has_value();
  return a.member_id < b.member_id;
}

}  // namespace cairn::client::group
