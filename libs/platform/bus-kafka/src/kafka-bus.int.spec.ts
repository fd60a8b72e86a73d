import { deadLetterTopic, type Bus } from '@roamgate/bus';
import { busContract } from '@roamgate/bus/testing';
import { Kafka, logLevel } from 'kafkajs';
import { describe, it } from 'node:test';
import { openKafkaBus } from './kafka-bus';

const brokers = process.env.KAFKA_BROKERS;

if (brokers) {
  busContract(`kafka (${brokers})`, async () => {
    const bus = await openKafkaBus({ brokers, clientId: 'roamgate-bus-contract' });
    const topics = new Set<string>();
    const tracked: Bus = {
      publish: (messages) => {
        for (const { topic } of messages) topics.add(topic);
        return bus.publish(messages);
      },
      subscribe: (options) => {
        for (const topic of options.topics) topics.add(topic);
        return bus.subscribe(options);
      },
      isReady: () => bus.isReady(),
      close: () => bus.close(),
    };
    return {
      bus: tracked,
      cleanup: async () => {
        await bus.close();
        await deleteTopics(brokers, new Set([...topics].flatMap((topic) => [topic, deadLetterTopic(topic)])));
      },
    };
  });
} else {
  // Skipped on the test, not the suite: node's runner counts skipped tests, and a skipped suite counts as none.
  describe('Bus contract: kafka', () => {
    it('runs against a real broker', { skip: 'KAFKA_BROKERS not set: start one with scripts/kafka/start.sh' });
  });
}

/** Every test uses new topics: deleting them keeps a long-lived development broker small. */
async function deleteTopics(brokers: string, topics: ReadonlySet<string>): Promise<void> {
  const admin = new Kafka({ clientId: 'roamgate-bus-contract-cleanup', brokers: brokers.split(','), logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const doomed = [...topics].filter((topic) => existing.has(topic));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
  } finally {
    await admin.disconnect();
  }
}
