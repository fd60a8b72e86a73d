import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { toDelivered, toKafkaMessage } from './kafka-messages';

type Fields = Partial<Pick<KafkaMessage, 'key' | 'value' | 'offset' | 'headers'>>;
const kafkaMessage = (fields: Fields): KafkaMessage => ({
  key: null,
  value: null,
  timestamp: '0',
  attributes: 0,
  offset: '0',
  headers: {},
  size: undefined,
  ...fields,
});

describe('Kafka message mapping', () => {
  it('sends only the bytes of a value that is a view into a larger buffer', () => {
    const backing = Uint8Array.from([9, 9, 1, 2, 3, 9]);
    const sent = toKafkaMessage({ topic: 't', key: 'k', value: backing.subarray(2, 5) });
    assert.deepEqual([...(sent.value as Buffer)], [1, 2, 3]);
  });

  it('rejects what Kafka would not carry as the port describes it', () => {
    const value = new Uint8Array(1);
    assert.throws(() => toKafkaMessage({ topic: '', key: 'k', value }), /needs a topic/);
    assert.throws(() => toKafkaMessage({ topic: 't', key: 1 as unknown as string, value }), /string key/);
    assert.throws(() => toKafkaMessage({ topic: 't', key: 'k', value: 'text' as unknown as Uint8Array }), /Uint8Array/);
    assert.throws(
      () => toKafkaMessage({ topic: 't', key: 'k', value, headers: { n: 1 as unknown as string } }),
      /header n on t must be a string/,
    );
  });

  it('delivers headers as UTF-8 strings, the last value of a repeated header winning', () => {
    const delivered = toDelivered(
      't',
      3,
      kafkaMessage({
        key: Buffer.from('CP-1'),
        value: Buffer.from([0, 255]),
        offset: '41',
        headers: { traceparent: Buffer.from('00-abc-01'), note: [Buffer.from('first'), Buffer.from('Zürich ⚡')] },
      }),
    );
    assert.equal(delivered.key, 'CP-1');
    assert.deepEqual([...delivered.value], [0, 255]);
    assert.deepEqual({ ...delivered.headers }, { traceparent: '00-abc-01', note: 'Zürich ⚡' });
    assert.equal(delivered.partition, 3);
    assert.equal(delivered.offset, 41);
    assert.equal(delivered.attempt, 1);
  });

  it('delivers a record without key or value as an empty key and empty bytes', () => {
    const delivered = toDelivered('t', 0, kafkaMessage({}));
    assert.equal(delivered.key, '');
    assert.equal(delivered.value.length, 0);
  });
});
