"""Consumer groups on a real 3-node cluster (deploy/local-cluster.sh): each
broker coordinates some of the groups, so listing them means asking every
broker. `cairn group list`, bootstrapped through one node, must show the
groups the other nodes coordinate too. CAIRN_CLI names the binary under test."""
import os
import subprocess
import unittest

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from test_controller_quorum import ClusterTestCase, REPO

CAIRN = os.environ.get("CAIRN_CLI", os.path.join(REPO, "build/release/client/cli/cairn"))
GROUPS = ["cluster-group-%02d" % i for i in range(12)]


def commit_offset(bootstrap, group, topic, offset):
    """Creates `group` (Empty, no members) by committing one offset for it,
    as a consumer that assigns itself partitions does."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)
    finally:
        consumer.close()


class ClusterGroupsTest(ClusterTestCase):
    def test_group_list_asks_every_broker(self):
        cluster = self.cluster
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
        admin.create_topics([NewTopic("grouped", 1, 1)])["grouped"].result(30)
        for i, group in enumerate(GROUPS):
            commit_offset(cluster.bootstrap, group, "grouped", i)

        # librdkafka's list asks every broker too, and says which one
        # coordinates each group: they really are spread over the brokers.
        listed = admin.list_groups(timeout=30)
        coordinators = {g.id: g.broker.id for g in listed}
        self.assertEqual(sorted(coordinators), GROUPS)
        self.assertGreater(len(set(coordinators.values())), 1, coordinators)

        for node in (1, 2, 3):
            out = subprocess.run([CAIRN, "--brokers", cluster.kafka(node), "group", "list"],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            lines = out.stdout.splitlines()
            self.assertEqual(lines[0].split(), ["GROUP", "PROTOCOL-TYPE"])
            # Every group, sorted by id, each once.
            self.assertEqual([line.split()[0] for line in lines[1:]], GROUPS,
                             "through node %d; coordinators %s" % (node, coordinators))

    def test_group_list_fails_naming_a_broker_that_does_not_answer(self):
        cluster = self.cluster
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
        admin.create_topics([NewTopic("grouped", 1, 1)])["grouped"].result(30)
        commit_offset(cluster.bootstrap, GROUPS[0], "grouped", 1)
        # Node 3 goes down; until the controller fences it (9 s), metadata
        # still lists it. A list without its groups would look complete, so
        # the command fails instead, naming it.
        cluster.run("kill-node", "3")
        out = subprocess.run([CAIRN, "--brokers", cluster.kafka(1), "--timeout", "2s", "group", "list"],
                             capture_output=True, text=True, timeout=60)
        self.assertNotEqual(out.returncode, 0, out.stdout)
        self.assertIn("cannot list groups", out.stderr)
        self.assertIn(":%d" % (19091 + 3 + cluster.offset), out.stderr)


if __name__ == "__main__":
    unittest.main()
