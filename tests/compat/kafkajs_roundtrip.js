// kafkajs 2.2.4 against cairnd: creates a 3-partition topic with a config
// override, produces 200 keyed messages (with headers on some) in 4 sends,
// reads the topic's configs and offsets back through the admin client,
// replaces its overrides with AlterConfigs, and
// prints one JSON object on stdout for test_kafkajs.py to check exactly
// (the records themselves are read back there with confluent_kafka; kafkajs
// consumer groups are tested in test_groups_kafkajs.py).
//
// Usage: node kafkajs_roundtrip.js <host:port> <topic>
'use strict';

const path = require('path');
const { Kafka, logLevel, Partitioners } = require(path.join(__dirname, 'node', 'node_modules', 'kafkajs'));

const PARTITIONS = 3;
const MESSAGES = 200;
const SENDS = 4;

async function main() {
  const [bootstrap, topic] = process.argv.slice(2);
  if (!bootstrap || !topic) throw new Error('usage: node kafkajs_roundtrip.js <host:port> <topic>');
  const kafka = new Kafka({ clientId: 'cairn-kafkajs-compat', brokers: [bootstrap], logLevel: logLevel.WARN,
                            retry: { retries: 3 } });
  const result = {};

  const admin = kafka.admin();
  await admin.connect();
  result.created = await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1,
               configEntries: [{ name: 'retention.ms', value: '86400000' }] }],
    waitForLeaders: true,
  });

  // An idempotent producer: kafkajs sends InitProducerId to the controller
  // named in Metadata, then numbers every batch (acks must be -1).
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  result.sends = [];
  const perSend = MESSAGES / SENDS;
  for (let s = 0; s < SENDS; s++) {
    const messages = [];
    for (let i = s * perSend; i < (s + 1) * perSend; i++) {
      const message = { partition: i % PARTITIONS, key: `key-${i}`, value: `value-${i}` };
      if (i % 10 === 0) message.headers = { 'h-index': String(i) };
      messages.push(message);
    }
    const metadata = await producer.send({ topic, acks: -1, messages });
    metadata.sort((a, b) => a.partition - b.partition);
    result.sends.push(metadata.map((m) => ({ partition: m.partition, errorCode: m.errorCode,
                                              baseOffset: m.baseOffset })));
  }
  await producer.disconnect();

  const offsets = await admin.fetchTopicOffsets(topic);
  offsets.sort((a, b) => a.partition - b.partition);
  result.offsets = offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high, offset: o.offset }));

  const describeConfigs = async () => {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['retention.ms', 'segment.bytes'] }],
    });
    return described.resources.map((r) => ({
      errorCode: r.errorCode, name: r.resourceName,
      entries: r.configEntries.map((e) => ({ name: e.configName, value: e.configValue, isDefault: e.isDefault,
                                             source: e.configSource })),
    }));
  };
  result.configs = await describeConfigs();

  // AlterConfigs (the legacy form kafkajs sends): the given keys become the
  // topic's only overrides, so retention.ms returns to its default.
  const altered = await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: 2 /* TOPIC */, name: topic, configEntries: [{ name: 'segment.bytes', value: '1048576' }] }],
  });
  result.altered = altered.resources.map((r) => ({ errorCode: r.errorCode, name: r.resourceName }));
  result.configsAfterAlter = await describeConfigs();
  await admin.disconnect();

  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((error) => {
  process.stderr.write(`kafkajs_roundtrip failed: ${error.stack || error}\n`);
  process.exit(1);
});
