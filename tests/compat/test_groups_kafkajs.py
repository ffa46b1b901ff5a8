"""Consumer groups with kafkajs 2.2.4 (from npm, installed by
scripts/install-deps.sh --with-tests): the shared scenario."""
import os
import shutil
import unittest

from group_harness import HERE, GroupScenario
from kafka_helpers import BrokerTestCase


class KafkajsGroup(GroupScenario, BrokerTestCase):
    overrides = ("group.initial.rebalance.delay.ms=500",)
    client = "kafkajs"

    @classmethod
    def setUpClass(cls):
        # A missing client is a failure, not a skip: the test command installs it.
        assert shutil.which("node") and os.path.isdir(os.path.join(HERE, "node", "node_modules", "kafkajs")), \
            "kafkajs not installed: run scripts/install-deps.sh --with-tests"
        super().setUpClass()

    def test_three_members_share_six_partitions_through_leave_kill_join_and_restart(self):
        self.run_scenario()


if __name__ == "__main__":
    unittest.main()
