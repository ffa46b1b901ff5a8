"""Zero-copy Fetch against a real cairnd (DESIGN.md §3): a large Fetch
response still being sent to a slow reader when its segments are deleted
(topic deletion, retention) arrives whole and byte for byte as stored, because
the send holds its own descriptors on the unlinked files; and real consumers
read exactly what was produced, in classic and flexible Fetch versions."""
import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from kafka_helpers import BrokerTestCase, consume_assigned, create_topic  # noqa: E402
import raw_kafka  # noqa: E402

import confluent_kafka  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402

MiB = 1 << 20
FETCH = 1


def produce(broker, topic, partitions, count, value_bytes):
    """count messages per partition, each value unique; returns them by partition."""
    producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 20,
                                         "compression.type": "none"})
    values = {p: [] for p in range(partitions)}
    for i in range(count):
        for p in range(partitions):
            value = (b"%d:%06d|" % (p, i)) * (value_bytes // 9)
            values[p].append(value)
            while True:
                try:
                    producer.produce(topic, value=value, partition=p)
                    break
                except BufferError:
                    producer.poll(0.05)
    assert producer.flush(60) == 0
    return values


def fetch_request(topic, partitions, version, correlation_id, partition_max_bytes):
    """A Fetch from offset 0 of each partition, as a framed request."""
    flexible = version >= 12
    w = raw_kafka.Writer(flexible)
    w.int32(-1).int32(100).int32(1).int32(256 * MiB).int8(0).int32(0).int32(-1)

    def write_partition(w, p):
        w.int32(p).int32(-1).int64(0)
        if flexible:
            w.int32(-1)  # last_fetched_epoch
        w.int64(-1).int32(partition_max_bytes).tags()

    w.array([topic], lambda w, t: w.string(t).array(partitions, write_partition).tags())
    w.array([], None)  # forgotten topics
    w.string("")  # rack id
    w.tags()
    header = raw_kafka.Writer(False).int16(FETCH).int16(version).int32(correlation_id).string("zero-copy")
    if flexible:
        header.uvarint(0)
    payload = bytes(header.out) + bytes(w.out)
    return struct.pack(">i", len(payload)) + payload


def parse_fetch_response(frame, version):
    """{partition: (error_code, records bytes or None)} of a one-topic response."""
    flexible = version >= 12
    r = raw_kafka.Reader(frame, flexible)
    r.int32()  # correlation id
    r.tags()
    r.int32()  # throttle
    assert r.int16() == 0
    r.int32()  # session id
    out = {}

    def read_partition(r):
        index, error = r.int32(), r.int16()
        r.int64(), r.int64(), r.int64()
        r.array(lambda r: (r.int64(), r.int64()))
        r.int32()  # preferred read replica
        n = r.uvarint() - 1 if flexible else r.int32()
        records = None
        if n >= 0:
            records = bytes(r.data[r.pos:r.pos + n])
            r.pos += n
        r.tags()
        out[index] = (error, records)

    def read_topic(r):
        r.string()
        r.array(read_partition)
        r.tags()

    r.array(read_topic)
    r.tags()
    assert r.at_end(), "trailing bytes in the response"
    return out


def read_exactly(sock, n):
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(min(n - len(out), 1 << 16))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(out), n))
        out += chunk
    return bytes(out)


def open_deleted_files(pid, fragment):
    """Descriptors of the broker on unlinked files whose path holds fragment."""
    found = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if fragment in target and target.endswith(" (deleted)"):
            found.append(target)
    return found


class ZeroCopyFetch(BrokerTestCase):
    overrides = ("log.retention.check.interval.ms=200",)

    def start_slow_fetch(self, topic, partitions, version, partition_max_bytes):
        """Sends the Fetch on a socket with a small receive buffer and reads
        just the frame size: the rest stays queued in the broker."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 10)
        sock.settimeout(60)
        sock.connect(("127.0.0.1", self.broker.port))
        sock.sendall(fetch_request(topic, partitions, version, 7, partition_max_bytes))
        size = struct.unpack(">i", read_exactly(sock, 4))[0]
        return sock, size

    def segment_bytes(self, topic, partition, base=0):
        """The batches of a segment file. The active segment's file may run
        on in preallocated zeroes (docs/format/segment.md), which end it."""
        path = os.path.join(self.broker.dir, "data", "%s-%d" % (topic, partition), "%020d.log" % base)
        with open(path, "rb") as f:
            data = f.read()
        end = 0
        while end + 12 <= len(data):
            length = struct.unpack(">i", data[end + 8:end + 12])[0]
            if length <= 0:
                self.assertEqual(data[end:], bytes(len(data) - end), "%s: neither a batch nor zeroes at %d" % (path, end))
                break
            end += 12 + length
        self.assertLessEqual(end, len(data))
        return data[:end]

    def check_deleted_topic_mid_send(self, topic, version):
        partitions = [0, 1, 2]
        create_topic(self.broker, topic, len(partitions))
        produce(self.broker, topic, len(partitions), 600, 10000)  # ~6 MB per partition
        stored = {p: self.segment_bytes(topic, p) for p in partitions}
        sock, size = self.start_slow_fetch(topic, partitions, version, 32 * MiB)
        self.assertGreater(size, sum(len(b) for b in stored.values()))
        head = read_exactly(sock, 64 << 10)

        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        admin.delete_topics([topic])[topic].result(20)
        data_dir = os.path.join(self.broker.dir, "data")
        deadline = time.time() + 20
        while any(os.path.exists(os.path.join(data_dir, "%s-%d" % (topic, p))) for p in partitions):
            self.assertLess(time.time(), deadline, "the topic's directories were not removed")
            time.sleep(0.05)
        # The response in flight holds the unlinked segment files open.
        self.assertTrue(open_deleted_files(self.broker.proc.pid, "/%s-" % topic))

        frame = head + read_exactly(sock, size - len(head))
        answer = parse_fetch_response(frame, version)
        self.assertEqual(sorted(answer), partitions)
        for p in partitions:
            error, records = answer[p]
            self.assertEqual(error, 0)
            self.assertEqual(records, stored[p], "partition %d: records differ from the stored bytes" % p)

        # The connection goes on: the topic is unknown now.
        sock.sendall(fetch_request(topic, partitions, version, 8, MiB))
        again = parse_fetch_response(read_exactly(sock, struct.unpack(">i", read_exactly(sock, 4))[0]), version)
        self.assertEqual({p: e for p, (e, _) in again.items()}, {p: 3 for p in partitions})
        sock.close()
        deadline = time.time() + 10
        while open_deleted_files(self.broker.proc.pid, "/%s-" % topic):
            self.assertLess(time.time(), deadline, "descriptors on deleted segments were not closed")
            time.sleep(0.05)

    def test_topic_deleted_while_a_classic_fetch_response_is_sent(self):
        self.check_deleted_topic_mid_send("zc-deleted-v11", 11)

    def test_topic_deleted_while_a_flexible_fetch_response_is_sent(self):
        self.check_deleted_topic_mid_send("zc-deleted-v12", 12)

    def test_segment_removed_by_retention_while_its_fetch_response_is_sent(self):
        topic = "zc-retention"
        # Segments far larger than the socket buffers, so most of the
        # response is still queued in the broker when its segment goes.
        create_topic(self.broker, topic, 1, {"segment.bytes": str(12 * MiB)})
        produce(self.broker, topic, 1, 2600, 10000)  # ~26 MB: three segments
        first = self.segment_bytes(topic, 0)
        self.assertGreater(len(first), 11 * MiB)
        sock, size = self.start_slow_fetch(topic, [0], 11, 32 * MiB)
        head = read_exactly(sock, 64 << 10)

        results = raw_kafka.incremental_alter_configs(
            self.broker.bootstrap, [(raw_kafka.RESOURCE_TOPIC, topic, [("retention.ms", raw_kafka.OP_SET, "1")])])
        self.assertEqual(results[0][0], 0)
        first_path = os.path.join(self.broker.dir, "data", "%s-0" % topic, "%020d.log" % 0)
        deadline = time.time() + 20
        while os.path.exists(first_path):
            self.assertLess(time.time(), deadline, "retention did not delete the first segment")
            time.sleep(0.05)
        self.assertTrue(open_deleted_files(self.broker.proc.pid, first_path))

        answer = parse_fetch_response(head + read_exactly(sock, size - len(head)), 11)
        self.assertEqual(answer[0], (0, first))  # one fetch reads within one segment
        sock.close()

    def test_consumers_read_exactly_what_was_produced_across_many_segments(self):
        topic = "zc-consume"
        create_topic(self.broker, topic, 2, {"segment.bytes": str(MiB)})
        values = produce(self.broker, topic, 2, 1500, 3000)
        got = consume_assigned(self.broker, topic, 2, 3000, timeout=60)
        for p in (0, 1):
            self.assertEqual([offset for offset, _, _ in got[p]], list(range(1500)))
            self.assertEqual([value for _, _, value in got[p]], values[p])


if __name__ == "__main__":
    unittest.main()
