// One kafkajs 2.2.4 consumer-group member, speaking group_member.py's
// protocol for group_harness.py: it consumes <topic> in <group> from the
// beginning, commits each record before printing it as JSON
// {"p","o","v"}, prints {"assigned": [...]} after each rebalance, and leaves
// the group cleanly on SIGTERM.
//
// Usage: node kafkajs_group_member.js <host:port> <group> <topic>
'use strict';

const path = require('path');
const { Kafka, logLevel } = require(path.join(__dirname, 'node', 'node_modules', 'kafkajs'));

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function main() {
  const [bootstrap, group, topic] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'cairn-kafkajs-group', brokers: [bootstrap], logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 500,
                                    rebalanceTimeout: 10000, metadataMaxAge: 2000 });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    emit({ assigned: (event.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b) });
  });
  let stopping = false;
  process.on('SIGTERM', async () => {
    if (stopping) return;
    stopping = true;
    await consumer.disconnect();
    process.exit(0);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const next = (BigInt(message.offset) + 1n).toString();
      await consumer.commitOffsets([{ topic, partition, offset: next }]);
      emit({ p: partition, o: Number(message.offset), v: message.value.toString() });
    },
  });
}

main().catch((e) => {
  emit({ error: String(e && e.stack || e) });
  process.exit(1);
});
