"""One consumer-group member as a separate process, so a test can kill it.

    group_member.py CLIENT BOOTSTRAP GROUP TOPIC [ASSIGNOR]

CLIENT is "librdkafka" (confluent_kafka) or "kafka-python". The member
consumes TOPIC in GROUP from the earliest offset with manual commits: it
commits each record synchronously, then prints it as JSON
{"p": partition, "o": offset, "v": value}. After every rebalance it prints
{"assigned": [partitions]}. It runs until SIGTERM, then leaves the group
cleanly (close)."""
import json
import signal
import sys
import time

client, bootstrap, group, topic = sys.argv[1:5]
assignor = sys.argv[5] if len(sys.argv) > 5 else "range"
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def commit_synchronously(consumer, message):
    """Commits past `message`. With cooperative rebalancing a member keeps
    consuming while the group completes a rebalance, and a commit in that
    window gets REBALANCE_IN_PROGRESS (from Kafka too): like a careful
    application, retry until the group is stable again."""
    import confluent_kafka
    for _ in range(200):
        try:
            consumer.commit(message=message, asynchronous=False)
            return
        except confluent_kafka.KafkaException as e:
            if e.args[0].code() != confluent_kafka.KafkaError.REBALANCE_IN_PROGRESS:
                raise
            time.sleep(0.05)
    raise RuntimeError("the group never became stable again")


def run_librdkafka():
    import confluent_kafka
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
        "auto.offset.reset": "earliest", "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
        "partition.assignment.strategy": assignor, "topic.metadata.refresh.interval.ms": 2000,
        # librdkafka's reconnect backoff grows towards 10 s while a broker is
        # down; a slow (sanitizer) restart could then leave a member silent
        # past its 6 s session and get it evicted, which the broker-restart
        # test would rightly report. Kafka-python's maximum is 1 s already.
        "reconnect.backoff.max.ms": 1000})
    owned = set()

    def on_assign(c, partitions):
        if assignor == "cooperative-sticky":
            owned.update(p.partition for p in partitions)
            c.incremental_assign(partitions)
        else:
            owned.clear()
            owned.update(p.partition for p in partitions)
        emit({"assigned": sorted(owned)})

    def on_revoke(c, partitions):
        if assignor == "cooperative-sticky":
            owned.difference_update(p.partition for p in partitions)
            c.incremental_unassign(partitions)
            emit({"assigned": sorted(owned)})

    consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    while running:
        message = consumer.poll(0.2)
        if message is None:
            continue
        if message.error():
            if message.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
                continue
            emit({"error": str(message.error())})
            continue
        commit_synchronously(consumer, message)
        emit({"p": message.partition(), "o": message.offset(), "v": message.value().decode()})
    consumer.close()


def run_kafka_python():
    import kafka
    from kafka import TopicPartition, OffsetAndMetadata

    class Listener(kafka.ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            pass

        def on_partitions_assigned(self, assigned):
            emit({"assigned": sorted(p.partition for p in assigned)})

    consumer = kafka.KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                   auto_offset_reset="earliest", session_timeout_ms=6000,
                                   heartbeat_interval_ms=500, metadata_max_age_ms=2000)
    consumer.subscribe([topic], listener=Listener())
    while running:
        batches = consumer.poll(timeout_ms=200)
        for tp, messages in batches.items():
            for message in messages:
                consumer.commit({TopicPartition(tp.topic, tp.partition): OffsetAndMetadata(message.offset + 1, "")})
                emit({"p": message.partition, "o": message.offset, "v": message.value.decode()})
    consumer.close()


if client == "librdkafka":
    run_librdkafka()
elif client == "kafka-python":
    run_kafka_python()
else:
    sys.exit("unknown client " + client)
