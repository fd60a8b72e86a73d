import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEAD_LETTER_HEADERS, deadLetterTopic, type Bus, type DeliveredMessage, type OutgoingMessage } from '../bus.port';
import { waitFor } from './wait-for';

export interface BusFixture {
  readonly bus: Bus;
  readonly cleanup: () => Promise<void>;
}

/** Above the 30 s bounded waits, so a stuck adapter fails instead of hanging the run. */
const TEST_TIMEOUT_MS = 90_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const body = (message: DeliveredMessage): string => decoder.decode(message.value);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

const message = (topic: string, key: string, text: string, headers?: Record<string, string>): OutgoingMessage => ({
  topic,
  key,
  value: encoder.encode(text),
  ...(headers ? { headers } : {}),
});

/** Topic and group names unique to one test, so a shared broker keeps tests apart. */
function names() {
  const id = randomUUID();
  return { topic: `contract-${id}`, group: (name: string) => `contract-${name}-${id}` };
}

/** Per key, the order in which each message body was first seen: redeliveries do not change it. */
function firstSeenByKey(delivered: readonly DeliveredMessage[]): Map<string, number[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, number[]>();
  for (const m of delivered) {
    const id = `${m.key}/${body(m)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    byKey.set(m.key, [...(byKey.get(m.key) ?? []), Number(body(m))]);
  }
  return byKey;
}

/**
 * The behaviour every Bus adapter must show: Kafka's semantics (keys, partitions, consumer groups,
 * at-least-once with retries and a dead-letter topic), delivered asynchronously.
 * Adapters backed by a broker must create topics with more than one partition (the group test
 * checks that two members share the work).
 */
export function busContract(adapterName: string, factory: () => Promise<BusFixture>): void {
  const withBus = async (test: (bus: Bus) => Promise<void>): Promise<void> => {
    const { bus, cleanup } = await factory();
    try {
      await test(bus);
    } finally {
      await cleanup();
    }
  };

  describe(`Bus contract: ${adapterName}`, () => {
    it('delivers after publish, never inside it, and publish does not wait for handlers', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        const { topic, group } = names();
        let insidePublish = false;
        const deliveredInsidePublish: boolean[] = [];
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        await bus.subscribe({
          group: group('async'),
          topics: [topic],
          handler: async () => {
            deliveredInsidePublish.push(insidePublish);
            await gate;
          },
        });

        // Lets the subscription's own start-up work finish, so only publish can be what runs the handler.
        await sleep(20);
        try {
          insidePublish = true;
          const publishing = bus.publish([message(topic, 'k', 'one')]);
          insidePublish = false;
          await publishing;
          await waitFor(() => deliveredInsidePublish.length === 1, 'the first message');
          await bus.publish([message(topic, 'k', 'two')]);

          assert.deepEqual(deliveredInsidePublish, [false], 'the second waits behind the blocked first');
        } finally {
          release();
        }
        await waitFor(() => deliveredInsidePublish.length === 2, 'the second message');
        assert.deepEqual(deliveredInsidePublish, [false, false]);
      }));

    it('delivers messages of each key in publish order, keys interleaved', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        const { topic, group } = names();
        const keys = range(0, 10).map((k) => `key-${k}`);
        const delivered: DeliveredMessage[] = [];
        await bus.subscribe({
          group: group('order'),
          topics: [topic],
          handler: async (m) => {
            if (Number(body(m)) % 7 === 0) await sleep(1);
            delivered.push(m);
          },
        });

        for (const i of range(0, 50)) await bus.publish(keys.map((key) => message(topic, key, String(i))));
        await waitFor(() => delivered.length >= 500, '500 messages');

        const byKey = new Map<string, number[]>();
        for (const m of delivered) byKey.set(m.key, [...(byKey.get(m.key) ?? []), Number(body(m))]);
        for (const key of keys) assert.deepEqual(byKey.get(key), range(0, 50), key);
        assert.equal(delivered.length, 500);
      }));

    it('round-trips binary values and headers', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        const { topic, group } = names();
        const delivered: DeliveredMessage[] = [];
        await bus.subscribe({ group: group('bytes'), topics: [topic], handler: async (m) => void delivered.push(m) });
        const value = Uint8Array.from(range(0, 256).concat(range(0, 256).reverse()));
        const headers = { 'content-type': 'application/x-protobuf', 'x-note': 'Zürich ⚡ 東京' };

        await bus.publish([{ topic, key: 'bin', value, headers }]);
        await bus.publish([{ topic, key: 'bin', value: encoder.encode('no headers') }]);
        await waitFor(() => delivered.length === 2, 'both messages');

        const [binary, plain] = delivered as [DeliveredMessage, DeliveredMessage];
        assert.equal(binary.topic, topic);
        assert.equal(binary.key, 'bin');
        assert.ok(Buffer.from(binary.value).equals(Buffer.from(value)), 'value bytes');
        assert.deepEqual({ ...binary.headers }, headers);
        assert.equal(binary.attempt, 1);
        assert.ok(Number.isInteger(binary.partition) && binary.partition >= 0, 'partition');
        assert.ok(Number.isInteger(binary.offset) && binary.offset >= 0, 'offset');
        assert.equal(body(plain), 'no headers');
        assert.deepEqual({ ...plain.headers }, {});
        assert.equal(plain.partition, binary.partition, 'one key, one partition');
        assert.ok(plain.offset > binary.offset, 'offsets grow in publish order');
      }));

    it('gives a consumer group every message exactly once when nothing fails', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        const { topic, group } = names();
        const keys = range(0, 5).map((k) => `key-${k}`);
        const counts = new Map<string, number>();
        const ended = new Set<string>();
        await bus.subscribe({
          group: group('once'),
          topics: [topic],
          handler: async (m) => {
            if (body(m) === 'end') ended.add(m.key);
            else counts.set(`${m.key}/${body(m)}`, (counts.get(`${m.key}/${body(m)}`) ?? 0) + 1);
          },
        });

        await bus.publish(range(0, 20).flatMap((i) => keys.map((key) => message(topic, key, String(i)))));
        // A redelivery comes before the key's later messages, so once every key's end marker is in, none is pending.
        await bus.publish(keys.map((key) => message(topic, key, 'end')));
        await waitFor(() => ended.size === keys.length, 'every end marker');

        assert.equal(counts.size, 100);
        assert.deepEqual([...new Set(counts.values())], [1]);
      }));

    it('gives every consumer group all messages', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        const { topic, group } = names();
        const keys = ['a', 'b', 'c'];
        const byGroup = { billing: [] as DeliveredMessage[], audit: [] as DeliveredMessage[] };
        for (const [name, delivered] of Object.entries(byGroup)) {
          await bus.subscribe({ group: group(name), topics: [topic], handler: async (m) => void delivered.push(m) });
        }

        await bus.publish(range(0, 20).flatMap((i) => keys.map((key) => message(topic, key, String(i)))));
        await waitFor(() => byGroup.billing.length >= 60 && byGroup.audit.length >= 60, '60 messages in each group');

        for (const delivered of Object.values(byGroup)) {
          assert.equal(delivered.length, 60);
          for (const key of keys) assert.deepEqual(firstSeenByKey(delivered).get(key), range(0, 20), key);
        }
      }));

    it('splits partitions among the members of a group, and hands them over when one leaves', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        const { topic, group } = names();
        const keys = range(0, 16).map((k) => `key-${k}`);
        const all: DeliveredMessage[] = [];
        const byMember = { first: [] as DeliveredMessage[], second: [] as DeliveredMessage[] };
        const member = (delivered: DeliveredMessage[]) => async (m: DeliveredMessage) => {
          delivered.push(m);
          all.push(m);
        };
        const unique = () => new Set(all.map((m) => `${m.key}/${body(m)}`)).size;
        await bus.subscribe({ group: group('shared'), topics: [topic], handler: member(byMember.first) });
        const second = await bus.subscribe({ group: group('shared'), topics: [topic], handler: member(byMember.second) });

        await bus.publish(range(0, 10).flatMap((i) => keys.map((key) => message(topic, key, String(i)))));
        await waitFor(() => unique() === 160, 'all 160 messages across both members');
        assert.ok(byMember.first.length > 0, 'the first member got work');
        assert.ok(byMember.second.length > 0, 'the second member got work');

        await second.close();
        const secondBeforeLeaving = byMember.second.length;
        await bus.publish(range(10, 20).flatMap((i) => keys.map((key) => message(topic, key, String(i)))));
        await waitFor(() => unique() === 320, 'all 320 messages');

        assert.equal(byMember.second.length, secondBeforeLeaving, 'a member that left gets nothing');
        const order = firstSeenByKey(all);
        for (const key of keys) assert.deepEqual(order.get(key), range(0, 20), key);
      }));

    it('retries a failing handler with a growing attempt number until it succeeds', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        const { topic, group } = names();
        const log: string[] = [];
        await bus.subscribe({
          group: group('retry'),
          topics: [topic],
          maxAttempts: 5,
          retryBackoffMs: 10,
          handler: async (m) => {
            log.push(`${body(m)}#${m.attempt}`);
            if (body(m) === 'flaky' && m.attempt < 3) throw new Error('projection store unavailable');
          },
        });

        await bus.publish([message(topic, 'k', 'flaky'), message(topic, 'k', 'next')]);
        await waitFor(() => log.includes('next#1'), 'the message after the flaky one');

        assert.deepEqual(log, ['flaky#1', 'flaky#2', 'flaky#3', 'next#1']);
      }));

    it('dead-letters a message after maxAttempts, with the failure in headers, and carries on', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        const { topic, group } = names();
        const letters: DeliveredMessage[] = [];
        const handled: DeliveredMessage[] = [];
        const poisonDeliveries: DeliveredMessage[] = [];
        await bus.subscribe({
          group: group('dlq-reader'),
          topics: [deadLetterTopic(topic)],
          handler: async (m) => void letters.push(m),
        });
        await bus.subscribe({
          group: group('projector'),
          topics: [topic],
          maxAttempts: 3,
          retryBackoffMs: 5,
          handler: async (m) => {
            if (body(m) !== 'poison') return void handled.push(m);
            poisonDeliveries.push(m);
            throw new Error('cannot project poison');
          },
        });

        await bus.publish([message(topic, 'k', 'poison', { 'x-trace': 't-1' }), message(topic, 'k', 'fine')]);
        await waitFor(() => handled.length === 1 && letters.length === 1, 'the next message and the dead letter');

        assert.deepEqual(
          poisonDeliveries.map((m) => m.attempt),
          [1, 2, 3],
        );
        const poison = poisonDeliveries[0]!;
        assert.equal(body(handled[0]!), 'fine');
        const letter = letters[0]!;
        assert.equal(letter.topic, deadLetterTopic(topic));
        assert.equal(letter.key, 'k');
        assert.equal(body(letter), 'poison');
        assert.equal(letter.headers['x-trace'], 't-1', 'original headers are kept');
        assert.equal(letter.headers[DEAD_LETTER_HEADERS.error], 'cannot project poison');
        assert.equal(letter.headers[DEAD_LETTER_HEADERS.originalTopic], topic);
        assert.equal(letter.headers[DEAD_LETTER_HEADERS.originalPartition], String(poison.partition));
        assert.equal(letter.headers[DEAD_LETTER_HEADERS.originalOffset], String(poison.offset));
        assert.equal(letter.headers[DEAD_LETTER_HEADERS.group], group('projector'));
        assert.equal(letter.headers[DEAD_LETTER_HEADERS.attempts], '3');
      }));

    it('resumes a group after its committed offset when it subscribes again', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        const { topic, group } = names();
        const before: string[] = [];
        const first = await bus.subscribe({
          group: group('resume'),
          topics: [topic],
          handler: async (m) => void before.push(body(m)),
        });
        await bus.publish(range(0, 5).map((i) => message(topic, 'k', String(i))));
        await waitFor(() => before.length === 5, 'the first five');
        await first.close();

        await bus.publish(range(5, 10).map((i) => message(topic, 'k', String(i))));
        const after: string[] = [];
        await bus.subscribe({ group: group('resume'), topics: [topic], handler: async (m) => void after.push(body(m)) });
        await waitFor(() => after.includes('9'), 'the messages published while closed');

        assert.deepEqual(before, ['0', '1', '2', '3', '4']);
        assert.deepEqual(after, ['5', '6', '7', '8', '9'], 'nothing handled before closing comes again');
      }));

    it('closes a subscription only after its in-flight handler finished', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        const { topic, group } = names();
        const events: string[] = [];
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const subscription = await bus.subscribe({
          group: group('closing'),
          topics: [topic],
          handler: async () => {
            events.push('started');
            await gate;
            events.push('finished');
          },
        });
        await bus.publish([message(topic, 'k', 'slow')]);
        await waitFor(() => events.includes('started'), 'the handler to start');

        const closing = subscription.close().then(() => events.push('closed'));
        await sleep(50);
        release();
        await closing;

        assert.deepEqual(events, ['started', 'finished', 'closed']);
      }));

    it('is ready until closed, and closing twice is harmless', { timeout: TEST_TIMEOUT_MS }, () =>
      withBus(async (bus) => {
        assert.equal(bus.isReady(), true);
        await bus.close();
        assert.equal(bus.isReady(), false);
        await bus.close();
      }));
  });
}
