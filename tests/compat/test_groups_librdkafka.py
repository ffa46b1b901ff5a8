"""Consumer groups with librdkafka: the shared scenario through
python3-confluent-kafka with the range and the cooperative-sticky assignors,
and through kcat's balanced consumer (-G)."""
import unittest

from group_harness import GroupScenario
from kafka_helpers import BrokerTestCase

GROUP_OVERRIDES = ("group.initial.rebalance.delay.ms=500",)


class LibrdkafkaRangeGroup(GroupScenario, BrokerTestCase):
    overrides = GROUP_OVERRIDES
    client = "librdkafka"
    assignor = "range"

    def test_three_members_share_six_partitions_through_leave_kill_join_and_restart(self):
        self.run_scenario()


class LibrdkafkaCooperativeStickyGroup(GroupScenario, BrokerTestCase):
    overrides = GROUP_OVERRIDES
    client = "librdkafka"
    assignor = "cooperative-sticky"

    def test_three_members_share_six_partitions_through_leave_kill_join_and_restart(self):
        self.run_scenario()


class KcatBalancedGroup(GroupScenario, BrokerTestCase):
    overrides = GROUP_OVERRIDES
    client = "kcat"

    def test_three_members_share_six_partitions_through_leave_kill_join_and_restart(self):
        self.run_scenario()


if __name__ == "__main__":
    unittest.main()
