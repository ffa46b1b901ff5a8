"""kafkajs 2.2.4 (tests/compat/node, installed by scripts/install-deps.sh
--with-tests) against a real cairnd: kafkajs_roundtrip.js creates a topic,
produces 200 keyed messages, reads offsets and configs back through its
admin client and replaces the topic's overrides (AlterConfigs); this test checks what it printed and reads every record back
with confluent_kafka (kafkajs consumer groups: test_groups_kafkajs.py)."""
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cairnd_process import Cairnd  # noqa: E402
from kafka_helpers import consume_assigned  # noqa: E402


HERE = os.path.dirname(os.path.abspath(__file__))
KAFKAJS = os.path.join(HERE, "node", "node_modules", "kafkajs")
PARTITIONS = 3
MESSAGES = 200


class Kafkajs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A missing client is a failure, not a skip: the test command installs it.
        assert shutil.which("node") and os.path.isdir(KAFKAJS), \
            "kafkajs not installed: run scripts/install-deps.sh --with-tests"
        cls.broker = Cairnd().start()

    @classmethod
    def tearDownClass(cls):
        code = cls.broker.stop()
        logs = cls.broker.logs()
        cls.broker.cleanup()
        assert code == 0, "cairnd did not stop cleanly:\n" + logs

    def test_kafkajs_admin_and_producer_round_trip(self):
        topic = "kafkajs-roundtrip"
        run = subprocess.run(["node", os.path.join(HERE, "kafkajs_roundtrip.js"), self.broker.bootstrap, topic],
                             capture_output=True, timeout=120)
        if run.returncode != 0:
            self.fail("kafkajs_roundtrip.js failed (%d):\n%s\ncairnd log:\n%s" %
                      (run.returncode, run.stderr.decode(errors="replace"), self.broker.logs()))
        result = json.loads(run.stdout)
        self.assertEqual(result["created"], True)

        # 4 sends of 50 messages, partition i % 3: each send appends 17/17/16
        # (or 17/16/17) records to each partition, one batch per partition.
        expected_base = [0, 0, 0]
        per_send = MESSAGES // 4
        for s, send in enumerate(result["sends"]):
            self.assertEqual([r["partition"] for r in send], [0, 1, 2])
            self.assertEqual([r["errorCode"] for r in send], [0, 0, 0])
            self.assertEqual([int(r["baseOffset"]) for r in send], expected_base, "send %d" % s)
            for i in range(s * per_send, (s + 1) * per_send):
                expected_base[i % PARTITIONS] += 1
        per_partition = [len(range(p, MESSAGES, PARTITIONS)) for p in range(PARTITIONS)]
        self.assertEqual(expected_base, per_partition)
        self.assertEqual(result["offsets"], [{"partition": p, "low": "0", "high": str(n), "offset": str(n)}
                                             for p, n in enumerate(per_partition)])

        [configs] = result["configs"]
        self.assertEqual((configs["errorCode"], configs["name"]), (0, topic))
        self.assertEqual(configs["entries"], [
            {"name": "retention.ms", "value": "86400000", "isDefault": False, "source": 1},
            {"name": "segment.bytes", "value": "1073741824", "isDefault": True, "source": 5},
        ])

        self.assertEqual(result["altered"], [{"errorCode": 0, "name": topic}])
        [configs] = result["configsAfterAlter"]
        self.assertEqual(configs["entries"], [
            {"name": "retention.ms", "value": "604800000", "isDefault": True, "source": 5},
            {"name": "segment.bytes", "value": "1048576", "isDefault": False, "source": 1},
        ])

        got = consume_assigned(self.broker, topic, PARTITIONS, MESSAGES, with_headers=True)
        for p in range(PARTITIONS):
            expected = []
            for offset, i in enumerate(range(p, MESSAGES, PARTITIONS)):
                headers = [("h-index", str(i).encode())] if i % 10 == 0 else None
                expected.append((offset, b"key-%d" % i, b"value-%d" % i, headers))
            self.assertEqual(got[p], expected, "partition %d" % p)


if __name__ == "__main__":
    unittest.main()
