"""Hand-built group requests (classic, non-flexible versions) for the tests
that send what no client would: stale generations, unknown members, huge
metadata. Built from the protocol spec on raw_kafka's socket helper."""
from raw_kafka import call

FIND_COORDINATOR, JOIN_GROUP, HEARTBEAT, SYNC_GROUP, OFFSET_COMMIT = 10, 11, 12, 14, 8


def find_coordinator(bootstrap, group):
    """FindCoordinator v2 → (error_code, node_id, host, port)."""
    def write(w):
        w.string(group).int8(0)

    def read(r):
        r.int32()  # throttle
        error = r.int16()
        r.string()  # message
        return error, r.int32(), r.string(), r.int32()
    return call(bootstrap, FIND_COORDINATOR, 2, False, write, read)


def join_group(bootstrap, group, member_id="", protocols=(("range", b"m"),), session_ms=10000,
               instance_id=None):
    """JoinGroup v5 → dict(error, generation, protocol, leader, member_id, members)."""
    def write(w):
        w.string(group).int32(session_ms).int32(30000).string(member_id).string(instance_id).string("consumer")
        w.array(list(protocols), lambda w2, p: w2.string(p[0]).bytes_(p[1]))

    def read(r):
        r.int32()
        out = {"error": r.int16(), "generation": r.int32(), "protocol": r.string(), "leader": r.string(),
               "member_id": r.string()}
        out["members"] = r.array(lambda r2: (r2.string(), r2.string(), r2.bytes_()))
        return out
    return call(bootstrap, JOIN_GROUP, 5, False, write, read)


def heartbeat(bootstrap, group, generation, member_id):
    """Heartbeat v3 → error_code."""
    def write(w):
        w.string(group).int32(generation).string(member_id).string(None)

    def read(r):
        r.int32()
        return r.int16()
    return call(bootstrap, HEARTBEAT, 3, False, write, read)


def sync_group(bootstrap, group, generation, member_id, assignments=()):
    """SyncGroup v3 → (error_code, assignment bytes)."""
    def write(w):
        w.string(group).int32(generation).string(member_id).string(None)
        w.array(list(assignments), lambda w2, a: w2.string(a[0]).bytes_(a[1]))

    def read(r):
        r.int32()
        return r.int16(), r.bytes_()
    return call(bootstrap, SYNC_GROUP, 3, False, write, read)


def offset_commit(bootstrap, group, generation, member_id, offsets):
    """OffsetCommit v7; offsets: [(topic, partition, offset)] → [(topic, partition, error)]."""
    by_topic = {}
    for topic, partition, offset in offsets:
        by_topic.setdefault(topic, []).append((partition, offset))

    def write(w):
        w.string(group).int32(generation).string(member_id).string(None)
        w.array(list(by_topic.items()), lambda w2, t: w2.string(t[0]).array(
            t[1], lambda w3, p: w3.int32(p[0]).int64(p[1]).int32(-1).string("")))

    def read(r):
        r.int32()
        out = []
        for name, partitions in r.array(lambda r2: (r2.string(), r2.array(lambda r3: (r3.int32(), r3.int16())))):
            out += [(name, p, e) for p, e in partitions]
        return out
    return call(bootstrap, OFFSET_COMMIT, 7, False, write, read)
