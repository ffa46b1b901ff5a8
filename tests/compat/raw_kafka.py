"""Hand-built Kafka requests over a plain socket, for APIs that no client on
this machine sends (IncrementalAlterConfigs, OffsetForLeaderEpoch) and for
versions they do not use. Encodes from the protocol spec: classic fields
(INT16-length strings, INT32-count arrays) below a message's first flexible
version, compact fields and tagged-field sections from it on."""
import socket
import struct


class Writer:
    def __init__(self, flexible):
        self.flexible = flexible
        self.out = bytearray()

    def int8(self, v):
        self.out += struct.pack(">b", v)
        return self

    def int16(self, v):
        self.out += struct.pack(">h", v)
        return self

    def int32(self, v):
        self.out += struct.pack(">i", v)
        return self

    def int64(self, v):
        self.out += struct.pack(">q", v)
        return self

    def boolean(self, v):
        return self.int8(1 if v else 0)

    def uvarint(self, v):
        while v >= 0x80:
            self.out.append((v & 0x7F) | 0x80)
            v >>= 7
        self.out.append(v)
        return self

    def string(self, s):
        """A string; None writes null (nullable fields only)."""
        if s is None:
            return self.uvarint(0) if self.flexible else self.int16(-1)
        data = s.encode()
        if self.flexible:
            self.uvarint(len(data) + 1)
        else:
            self.int16(len(data))
        self.out += data
        return self

    def bytes_(self, data):
        """BYTES (int32 length) or COMPACT_BYTES."""
        if self.flexible:
            self.uvarint(len(data) + 1)
        else:
            self.int32(len(data))
        self.out += data
        return self

    def array(self, items, write_item):
        if self.flexible:
            self.uvarint(len(items) + 1)
        else:
            self.int32(len(items))
        for item in items:
            write_item(self, item)
        return self

    def tags(self):
        """An empty tagged-field section (flexible versions only)."""
        if self.flexible:
            self.uvarint(0)
        return self


class Reader:
    def __init__(self, data, flexible):
        self.data = data
        self.pos = 0
        self.flexible = flexible

    def _take(self, fmt):
        size = struct.calcsize(fmt)
        (v,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return v

    def int8(self):
        return self._take(">b")

    def int16(self):
        return self._take(">h")

    def int32(self):
        return self._take(">i")

    def int64(self):
        return self._take(">q")

    def boolean(self):
        return self.int8() != 0

    def uvarint(self):
        shift = result = 0
        while True:
            b = self.data[self.pos]
            self.pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def string(self):
        n = self.uvarint() - 1 if self.flexible else self.int16()
        if n < 0:
            return None
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def bytes_(self):
        n = self.uvarint() - 1 if self.flexible else self.int32()
        data = self.data[self.pos:self.pos + n]
        self.pos += n
        return data

    def array(self, read_item):
        n = self.uvarint() - 1 if self.flexible else self.int32()
        return [read_item(self) for _ in range(max(n, 0))]

    def tags(self):
        if self.flexible:
            for _ in range(self.uvarint()):
                self.uvarint()
                self.pos += self.uvarint()

    def at_end(self):
        return self.pos == len(self.data)


def call(bootstrap, api_key, version, flexible, write_body, read_body, correlation_id=7):
    """Sends one request and returns read_body(Reader) of its response body.
    Raises ConnectionError if the broker closes the connection instead."""
    header = Writer(False).int16(api_key).int16(version).int32(correlation_id).string("cairn-raw")
    if flexible:
        header.uvarint(0)  # request header v2: tagged fields
    body = Writer(flexible)
    write_body(body)
    body.tags()  # the message's own tagged fields (flexible versions only)
    frame = bytes(header.out) + bytes(body.out)
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", _read_exactly(s, 4))[0]
        data = _read_exactly(s, size)
    r = Reader(data, flexible)
    assert r.int32() == correlation_id
    r.tags()  # response header v1 (flexible): tagged fields
    result = read_body(r)
    r.tags()
    assert r.at_end(), "trailing bytes in the response"
    return result


def _read_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed by the broker")
        data += chunk
    return data


# IncrementalAlterConfigs (44): v0 classic, v1 flexible.
OP_SET, OP_DELETE, OP_APPEND, OP_SUBTRACT = 0, 1, 2, 3
RESOURCE_TOPIC, RESOURCE_BROKER = 2, 4


def incremental_alter_configs(bootstrap, resources, validate_only=False, version=0):
    """resources: [(resource_type, name, [(key, op, value)])]. Returns
    [(error_code, error_message, resource_type, resource_name)]."""
    flexible = version >= 1

    def write_config(w, c):
        w.string(c[0]).int8(c[1]).string(c[2]).tags()

    def write_resource(w, res):
        w.int8(res[0]).string(res[1]).array(res[2], write_config).tags()

    def write(w):
        w.array(resources, write_resource).boolean(validate_only)

    def read_response(r):
        result = (r.int16(), r.string(), r.int8(), r.string())
        r.tags()
        return result

    def read(r):
        r.int32()  # throttle_time_ms
        return r.array(read_response)

    return call(bootstrap, 44, version, flexible, write, read)


def offset_for_leader_epoch(bootstrap, topics, version=3, replica_id=-1):
    """topics: [(topic, [(partition, current_leader_epoch, leader_epoch)])].
    Returns {(topic, partition): (error_code, leader_epoch, end_offset)}."""
    flexible = version >= 4

    def write_partition(w, p):
        w.int32(p[0])
        if version >= 2:
            w.int32(p[1])
        w.int32(p[2]).tags()

    def write_topic(w, t):
        w.string(t[0]).array(t[1], write_partition).tags()

    def write(w):
        if version >= 3:
            w.int32(replica_id)
        w.array(topics, write_topic)

    def read_partition(r):
        error, partition = r.int16(), r.int32()
        epoch = r.int32() if version >= 1 else -1
        end = r.int64()
        r.tags()
        return partition, (error, epoch, end)

    def read_topic(r):
        name = r.string()
        partitions = r.array(read_partition)
        r.tags()
        return name, partitions

    def read(r):
        if version >= 2:
            r.int32()  # throttle_time_ms
        out = {}
        for name, partitions in r.array(read_topic):
            for partition, result in partitions:
                out[(name, partition)] = result
        return out

    return call(bootstrap, 23, version, flexible, write, read)


def describe_configs(bootstrap, resources, version=4, include_documentation=True):
    """resources: [(resource_type, name, keys or None)]. Returns
    [(error_code, error_message, name, {key: (value, read_only, source, type, documentation)})]."""
    flexible = version >= 4

    def write_resource(w, res):
        w.int8(res[0]).string(res[1])
        if res[2] is None:
            w.uvarint(0) if flexible else w.int32(-1)
        else:
            w.array(res[2], lambda w2, k: w2.string(k))
        w.tags()

    def write(w):
        w.array(resources, write_resource)
        if version >= 1:
            w.boolean(False)
        if version >= 3:
            w.boolean(include_documentation)

    def read_synonym(r):
        r.string(), r.string(), r.int8()
        r.tags()

    def read_entry(r):
        name, value, read_only = r.string(), r.string(), r.boolean()
        source = r.int8() if version >= 1 else None
        if version == 0:
            r.boolean()  # is_default
        r.boolean()  # is_sensitive
        if version >= 1:
            r.array(read_synonym)
        config_type = documentation = None
        if version >= 3:
            config_type, documentation = r.int8(), r.string()
        r.tags()
        return name, (value, read_only, source, config_type, documentation)

    def read_result(r):
        error, message, _, name = r.int16(), r.string(), r.int8(), r.string()
        entries = dict(r.array(read_entry))
        r.tags()
        return error, message, name, entries

    def read(r):
        r.int32()  # throttle_time_ms
        return r.array(read_result)

    return call(bootstrap, 32, version, flexible, write, read)
