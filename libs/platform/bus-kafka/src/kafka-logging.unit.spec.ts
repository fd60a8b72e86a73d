import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { kafkaLogCreator } from './kafka-logging';

function capture() {
  const lines: string[] = [];
  const log = kafkaLogCreator({ warn: (m) => void lines.push(`warn ${m}`), error: (m) => void lines.push(`error ${m}`) })(
    logLevel.WARN,
  );
  const entry = (namespace: string, level: logLevel, message: string, extra: Record<string, unknown> = {}) =>
    log({ namespace, level, label: '', log: { message, timestamp: 'now', logger: 'kafkajs', ...extra } });
  return { lines, entry };
}

describe('kafkajs logging', () => {
  it('passes warnings and errors on, one line each with their details', () => {
    const { lines, entry } = capture();
    entry('Consumer', logLevel.ERROR, 'Crash: KafkaJSError: boom', { groupId: 'g' });
    entry('BrokerPool', logLevel.WARN, 'Failed to connect to seed broker', { retryCount: 1, stack: 'at x' });
    assert.deepEqual(lines, [
      'error kafkajs Consumer: Crash: KafkaJSError: boom {"groupId":"g"}',
      'warn kafkajs BrokerPool: Failed to connect to seed broker {"retryCount":1}',
    ]);
  });

  it('drops info and debug, routine rebalances, and retriable error responses', () => {
    const { lines, entry } = capture();
    entry('Consumer', logLevel.INFO, 'Starting');
    entry('Consumer', logLevel.DEBUG, 'Fetching');
    entry('Runner', logLevel.WARN, 'The group is rebalancing, re-joining');
    entry('Connection', logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', { error: 'rebalancing' });
    assert.deepEqual(lines, []);
  });
});
