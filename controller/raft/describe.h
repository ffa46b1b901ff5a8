// One-line text forms of entries, messages and Ready parts, for logs, the
// golden interaction transcripts and simulation traces. The formats are part
// of the checked-in transcripts: change them only with a rewrite.
//   entry    3@t2 or 3@t2:"data" or 3@t2:AddLearner(4,"context")
//   message  1->2 Append term=2 prev=1@t1 commit=1 entries=[2@t2 3@t2:"x"]
#pragma once

#include <string>
#include <vector>

#include "controller/raft/message.h"
#include "controller/raft/ready.h"

namespace cairn::raft {

std::string DescribeNode(NodeId id);
std::string DescribeEntry(const Entry& entry);
std::string DescribeConfChange(const ConfChange& change);
std::string DescribeConfState(const ConfState& conf_state);
std::string DescribeEntries(const std::vector<Entry>& entries);
std::string DescribeMessage(const Message& message);
std::string DescribeHardState(const HardState& hard_state);
std::string DescribeSoftState(const SoftState& soft_state);
std::string DescribeSnapshot(const SnapshotMetadata& metadata);

}  // namespace cairn::raft
