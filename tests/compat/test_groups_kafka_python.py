"""Consumer groups with kafka-python: the shared scenario."""
import unittest

from group_harness import GroupScenario
from kafka_helpers import BrokerTestCase


class KafkaPythonGroup(GroupScenario, BrokerTestCase):
    overrides = ("group.initial.rebalance.delay.ms=500",)
    client = "kafka-python"

    def test_three_members_share_six_partitions_through_leave_kill_join_and_restart(self):
        self.run_scenario()


if __name__ == "__main__":
    unittest.main()
