import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  DuplicateEventIdError,
  WrongExpectedRevisionError,
  type EventStore,
  type ExpectedRevision,
  type Json,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
} from '../event-store.port';
import { waitFor } from './wait-for';

export interface EventStoreFixture {
  readonly store: EventStore;
  /** Opens another store over the same data, as a second process would; the suite closes it. */
  readonly reopen?: () => Promise<EventStore>;
  /** Closes `store` and removes its data. */
  readonly cleanup: () => Promise<void>;
}

export const anEvent = (data: Json = { n: 1 }, overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: randomUUID(),
  type: 'ThingHappened',
  data,
  ...overrides,
});

const events = (count: number, from = 0): NewEvent[] => Array.from({ length: count }, (_, i) => anEvent({ n: from + i }));
const aStream = (category = 'thing'): string => `${category}-${randomUUID()}`;

const wrongRevision =
  (streamId: string, expected: ExpectedRevision, actual: number) =>
  (error: unknown): true => {
    assert.ok(error instanceof WrongExpectedRevisionError, `expected WrongExpectedRevisionError, got ${String(error)}`);
    assert.equal(error.streamId, streamId);
    assert.equal(error.expected, expected);
    assert.equal(error.actual, actual);
    return true;
  };

const positionsOf = (recorded: readonly RecordedEvent[]) => recorded.map((e) => e.position);
const idsOf = (recorded: readonly { id: string }[]) => recorded.map((e) => e.id);

function assertStrictlyIncreasing(values: readonly number[]): void {
  values.slice(1).forEach((v, i) => assert.ok(v > values[i]!, `${v} follows ${values[i]} but is not greater`));
}

/** The behaviour every EventStore adapter must show; run it from the adapter's int spec. */
export function eventStoreContract(adapterName: string, factory: () => Promise<EventStoreFixture>): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;
    const opened: EventStore[] = [];
    const subscriptions: Subscription[] = [];

    /** A second store over the same data when the adapter can give one, else the same store. */
    const another = async (): Promise<EventStore> => {
      if (!fixture.reopen) return store;
      const other = await fixture.reopen();
      opened.push(other);
      return other;
    };

    const subscribe = (
      on: EventStore,
      checkpointId: string,
      handler: (event: RecordedEvent) => Promise<void> | void = () => undefined,
      onError?: (error: unknown, event: RecordedEvent) => void,
    ) => {
      const received: RecordedEvent[] = [];
      const subscription = on.subscribeToAll({
        checkpointId,
        handler: async (event) => {
          await handler(event);
          received.push(event);
        },
        ...(onError ? { onError } : {}),
      });
      subscriptions.push(subscription);
      return { subscription, received };
    };

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await fixture.cleanup();
    });

    describe('append', () => {
      it("creates a stream with 'no_stream', starting at revision 0", async () => {
        const stream = aStream();
        const result = await store.append(stream, [anEvent()], { expectedRevision: 'no_stream' });
        assert.equal(result.nextExpectedRevision, 0);
        assert.ok(result.position > 0, 'global positions start after 0');
        const [recorded] = await store.readStream(stream);
        assert.equal(recorded?.revision, 0);
        assert.equal(recorded?.position, result.position);
      });

      it('appends when the expected revision is the last revision', async () => {
        const stream = aStream();
        await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        const result = await store.append(stream, events(3, 2), { expectedRevision: 1 });
        assert.equal(result.nextExpectedRevision, 4);
        assert.deepEqual(
          (await store.readStream(stream)).map((e) => e.revision),
          [0, 1, 2, 3, 4],
        );
      });

      it('rejects a stale expected revision with the actual revision', async () => {
        const stream = aStream();
        await store.append(stream, events(3), { expectedRevision: 'no_stream' });
        await assert.rejects(store.append(stream, [anEvent()], { expectedRevision: 1 }), wrongRevision(stream, 1, 2));
        await assert.rejects(store.append(stream, [anEvent()], { expectedRevision: 3 }), wrongRevision(stream, 3, 2));
        assert.equal((await store.readStream(stream)).length, 3);
      });

      it('rejects a numeric expected revision on a missing stream with actual -1', async () => {
        const stream = aStream();
        await assert.rejects(store.append(stream, [anEvent()], { expectedRevision: 0 }), wrongRevision(stream, 0, -1));
        assert.deepEqual(await store.readStream(stream), []);
      });

      it("rejects 'no_stream' when the stream exists", async () => {
        const stream = aStream();
        await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        await assert.rejects(
          store.append(stream, [anEvent()], { expectedRevision: 'no_stream' }),
          wrongRevision(stream, 'no_stream', 1),
        );
      });

      it("rejects 'stream_exists' when the stream is missing, accepts it when it exists", async () => {
        const stream = aStream();
        await assert.rejects(
          store.append(stream, [anEvent()], { expectedRevision: 'stream_exists' }),
          wrongRevision(stream, 'stream_exists', -1),
        );
        await store.append(stream, [anEvent()], { expectedRevision: 'no_stream' });
        const result = await store.append(stream, [anEvent()], { expectedRevision: 'stream_exists' });
        assert.equal(result.nextExpectedRevision, 1);
      });

      it("appends with 'any' to missing and existing streams", async () => {
        const stream = aStream();
        assert.equal((await store.append(stream, events(2), { expectedRevision: 'any' })).nextExpectedRevision, 1);
        assert.equal((await store.append(stream, events(1), { expectedRevision: 'any' })).nextExpectedRevision, 2);
      });

      it('records revisions 0-based and contiguous, with id, type, stream and time', async () => {
        const stream = aStream();
        const appended = [...events(3), ...events(1, 3), ...events(4, 4)];
        await store.append(stream, appended.slice(0, 3), { expectedRevision: 'no_stream' });
        await store.append(stream, appended.slice(3, 4), { expectedRevision: 2 });
        await store.append(stream, appended.slice(4), { expectedRevision: 3 });
        const recorded = await store.readStream(stream);
        assert.deepEqual(
          recorded.map((e) => e.revision),
          [0, 1, 2, 3, 4, 5, 6, 7],
        );
        assert.deepEqual(idsOf(recorded), idsOf(appended));
        for (const e of recorded) {
          assert.equal(e.streamId, stream);
          assert.equal(e.type, 'ThingHappened');
          assert.ok(!Number.isNaN(Date.parse(e.recordedAt)), `recordedAt ${e.recordedAt} is an ISO time`);
        }
        assertStrictlyIncreasing(positionsOf(recorded));
      });

      it('stores all events of one append or none', async () => {
        const stream = aStream();
        await store.append(stream, events(1), { expectedRevision: 'no_stream' });
        const repeated = anEvent();
        await assert.rejects(
          store.append(stream, [anEvent(), repeated, anEvent(), repeated], { expectedRevision: 0 }),
          DuplicateEventIdError,
        );
        await assert.rejects(store.append(stream, events(5), { expectedRevision: 4 }), WrongExpectedRevisionError);
        assert.equal((await store.readStream(stream)).length, 1);
        assert.equal((await store.readAll()).length, 1);
        assert.equal((await store.append(stream, events(2), { expectedRevision: 0 })).nextExpectedRevision, 2);
      });

      it('rejects an event id that is already stored, in any stream, storing nothing of that append', async () => {
        const first = aStream();
        const second = aStream();
        const stored = anEvent();
        await store.append(first, [stored], { expectedRevision: 'no_stream' });
        await assert.rejects(store.append(second, [anEvent(), stored], { expectedRevision: 'no_stream' }), (error) => {
          assert.ok(error instanceof DuplicateEventIdError, `expected DuplicateEventIdError, got ${String(error)}`);
          assert.equal(error.eventId, stored.id);
          return true;
        });
        await assert.rejects(store.append(first, [stored], { expectedRevision: 0 }), DuplicateEventIdError);
        assert.deepEqual(await store.readStream(second), []);
        assert.equal((await store.readStream(first)).length, 1);
      });

      it('lets exactly one of two concurrent appends with the same expected revision succeed', async () => {
        const other = await another();
        for (let round = 0; round < 10; round++) {
          const stream = aStream();
          await store.append(stream, events(1), { expectedRevision: 'no_stream' });
          const results = await Promise.allSettled([
            store.append(stream, events(2), { expectedRevision: 0 }),
            other.append(stream, events(3), { expectedRevision: 0 }),
          ]);
          const fulfilled = results.filter((r) => r.status === 'fulfilled');
          const rejected = results.filter((r) => r.status === 'rejected');
          assert.equal(fulfilled.length, 1, `round ${round}: one append wins`);
          assert.ok(rejected[0]?.reason instanceof WrongExpectedRevisionError);
          const winnerCount = results[0]?.status === 'fulfilled' ? 2 : 3;
          assert.equal((await store.readStream(stream)).length, 1 + winnerCount);
        }
      });
    });

    describe('concurrent appends', () => {
      it('gives each of 200+ concurrent appends its own outcome, stores exactly the successful ones, durably', async () => {
        const existing = Array.from({ length: 40 }, () => aStream());
        for (const stream of existing) await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        const taken = anEvent();
        await store.append(aStream(), [taken], { expectedRevision: 'no_stream' });
        const repeated = anEvent();

        type Expected = 'ok' | { readonly wrong: number } | 'duplicate' | 'one-of-pair';
        interface Case {
          readonly stream: string;
          readonly events: NewEvent[];
          readonly expectedRevision: ExpectedRevision;
          readonly expected: Expected;
        }
        const cases: Case[] = [
          ...Array.from({ length: 200 }, (_, i): Case => ({ stream: aStream(), events: events(1 + (i % 3)), expectedRevision: 'no_stream', expected: 'ok' })),
          ...existing.slice(0, 10).map((stream): Case => ({ stream, events: events(2), expectedRevision: 1, expected: 'ok' })),
          ...existing.slice(10, 20).map((stream): Case => ({ stream, events: events(1), expectedRevision: 0, expected: { wrong: 1 } })),
          ...existing.slice(20, 25).map((stream): Case => ({ stream, events: events(1), expectedRevision: 'no_stream', expected: { wrong: 1 } })),
          ...Array.from({ length: 5 }, (): Case => ({ stream: aStream(), events: [anEvent(), taken], expectedRevision: 'no_stream', expected: 'duplicate' })),
          { stream: aStream(), events: [repeated, anEvent(), repeated], expectedRevision: 'any', expected: 'duplicate' },
          ...existing
            .slice(25, 40)
            .flatMap((stream): Case[] => [0, 1].map(() => ({ stream, events: events(1), expectedRevision: 1, expected: 'one-of-pair' }))),
        ];
        // A fixed shuffle, so that failing and succeeding appends interleave.
        const order = cases.map((c, i) => ({ c, k: (i * 7919) % cases.length })).sort((a, b) => a.k - b.k).map(({ c }) => c);
        const outcomes = await Promise.allSettled(order.map((c) => store.append(c.stream, c.events, { expectedRevision: c.expectedRevision })));

        const winnersByStream = new Map<string, number>();
        for (const [i, c] of order.entries()) {
          const outcome = outcomes[i]!;
          const where = `${c.stream} expecting ${String(c.expectedRevision)}`;
          if (c.expected === 'ok') {
            assert.equal(outcome.status, 'fulfilled', `${where}: ${outcome.status === 'rejected' ? String(outcome.reason) : ''}`);
          } else if (c.expected === 'duplicate') {
            assert.ok(outcome.status === 'rejected' && outcome.reason instanceof DuplicateEventIdError, `${where} is a duplicate`);
          } else if (c.expected === 'one-of-pair') {
            if (outcome.status === 'fulfilled') winnersByStream.set(c.stream, (winnersByStream.get(c.stream) ?? 0) + 1);
            else assert.ok(outcome.reason instanceof WrongExpectedRevisionError, `${where}: ${String(outcome.reason)}`);
          } else {
            assert.equal(outcome.status, 'rejected', `${where} must fail`);
            wrongRevision(c.stream, c.expectedRevision, c.expected.wrong)(outcome.reason);
          }
          if (outcome.status === 'fulfilled') {
            const before = c.expectedRevision === 'no_stream' ? -1 : Number(c.expectedRevision);
            assert.equal(outcome.value.nextExpectedRevision, before + c.events.length, `${where}: next revision`);
          }
        }
        for (const stream of existing.slice(25, 40)) assert.equal(winnersByStream.get(stream), 1, `${stream}: one of the pair wins`);

        const successful = order.filter((_, i) => outcomes[i]!.status === 'fulfilled');
        const check = async (on: EventStore) => {
          const all = await on.readAll();
          assertStrictlyIncreasing(positionsOf(all));
          const storedIds = new Set(idsOf(all));
          assert.equal(storedIds.size, all.length, 'no event id stored twice');
          for (const c of successful) for (const e of c.events) assert.ok(storedIds.has(e.id), `${e.id} of ${c.stream} is stored`);
          for (const c of order.filter((_, i) => outcomes[i]!.status === 'rejected')) {
            assert.ok(!c.events.some((e) => e !== taken && storedIds.has(e.id)), `nothing of the failed append to ${c.stream} is stored`);
          }
          const expectedCount = 40 * 2 + 1 + successful.reduce((n, c) => n + c.events.length, 0);
          assert.equal(all.length, expectedCount);
          const byStream = new Map<string, number[]>();
          for (const e of all) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.revision]);
          for (const [stream, revisions] of byStream) assert.deepEqual(revisions, revisions.map((_, i) => i), `${stream}: contiguous revisions`);
          const positions = new Map(all.map((e) => [e.id, e.position]));
          for (const [i, c] of order.entries()) {
            const outcome = outcomes[i]!;
            if (outcome.status === 'fulfilled') assert.equal(outcome.value.position, positions.get(c.events.at(-1)!.id), `${c.stream}: position of its last event`);
          }
        };
        await check(store);
        if (fixture.reopen) await check(await another());
      });
    });

    describe('readStream', () => {
      it('reads from a revision, at most maxCount events', async () => {
        const stream = aStream();
        const appended = events(10);
        await store.append(stream, appended, { expectedRevision: 'no_stream' });
        assert.deepEqual(idsOf(await store.readStream(stream, { fromRevision: 4 })), idsOf(appended.slice(4)));
        assert.deepEqual(idsOf(await store.readStream(stream, { maxCount: 3 })), idsOf(appended.slice(0, 3)));
        assert.deepEqual(
          idsOf(await store.readStream(stream, { fromRevision: 8, maxCount: 5 })),
          idsOf(appended.slice(8)),
        );
        assert.deepEqual(await store.readStream(stream, { fromRevision: 10 }), []);
      });

      it('returns [] for a stream that does not exist', async () => {
        assert.deepEqual(await store.readStream(aStream()), []);
      });

      it('reads only its own stream', async () => {
        const [a, b] = [aStream(), aStream()];
        await store.append(a, events(2), { expectedRevision: 'no_stream' });
        await store.append(b, events(3), { expectedRevision: 'no_stream' });
        await store.append(a, events(1), { expectedRevision: 1 });
        assert.deepEqual(
          (await store.readStream(a)).map((e) => [e.streamId, e.revision]),
          [
            [a, 0],
            [a, 1],
            [a, 2],
          ],
        );
      });
    });

    describe('readAll', () => {
      it('reads every stream in position order; after is exclusive; maxCount limits', async () => {
        const [a, b] = [aStream('alpha'), aStream('beta')];
        const appended: NewEvent[] = [];
        for (let i = 0; i < 4; i++) {
          const batchA = events(2, i * 10);
          const batchB = events(1, i * 10 + 5);
          await store.append(a, batchA, { expectedRevision: i === 0 ? 'no_stream' : i * 2 - 1 });
          await store.append(b, batchB, { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
          appended.push(...batchA, ...batchB);
        }
        const all = await store.readAll();
        assert.deepEqual(idsOf(all), idsOf(appended));
        assertStrictlyIncreasing(positionsOf(all));

        const third = all[2]!;
        assert.deepEqual(idsOf(await store.readAll({ after: third.position })), idsOf(all.slice(3)));
        assert.deepEqual(idsOf(await store.readAll({ after: third.position, maxCount: 4 })), idsOf(all.slice(3, 7)));
        assert.deepEqual(idsOf(await store.readAll({ maxCount: 2 })), idsOf(all.slice(0, 2)));
        assert.deepEqual(await store.readAll({ after: all.at(-1)!.position }), []);
      });

      it('gives each append the position of its last event, increasing across streams', async () => {
        const results = [];
        for (let i = 0; i < 6; i++) {
          results.push(await store.append(aStream(i % 2 ? 'odd' : 'even'), events(1 + i), { expectedRevision: 'no_stream' }));
        }
        assertStrictlyIncreasing(results.map((r) => r.position));
        const all = await store.readAll();
        for (const result of results) assert.ok(all.some((e) => e.position === result.position && e.revision === result.nextExpectedRevision));
      });

      it('returns [] on an empty store', async () => {
        assert.deepEqual(await store.readAll(), []);
      });
    });

    describe('event content', () => {
      it('round-trips data and metadata as JSON', async () => {
        const data: Json = {
          chargePointId: 'CP-Ünïcødé-充电桩-🔌',
          price: { amount: '0.30', currency: 'EUR', exclVat: '0.2521008403361344537815126050' },
          energyWh: 12345,
          ratio: 0.1 + 0.2,
          negative: -42,
          flags: [true, false, null],
          nested: { deeper: { deepest: ['a', { b: [] }], empty: {} } },
          text: 'quote " backslash \\ newline \n tab \t nul-free',
        };
        const metadata = { correlationId: randomUUID(), causationId: 'command-1', note: 'Ω' };
        const stream = aStream();
        const event = anEvent(data, { metadata, type: 'Typed.With.Dots' });
        await store.append(stream, [event], { expectedRevision: 'no_stream' });
        const check = (recorded: RecordedEvent | undefined) => {
          assert.deepEqual(recorded?.data, data);
          assert.deepEqual(recorded?.metadata, metadata);
          assert.equal(recorded?.type, 'Typed.With.Dots');
        };
        check((await store.readStream(stream))[0]);
        check((await store.readAll())[0]);
        check((await (await another()).readStream(stream))[0]);
      });

      it('reads metadata as {} when none was given; stores scalar and array data', async () => {
        const stream = aStream();
        await store.append(stream, [anEvent('just a string'), anEvent([1, '2']), anEvent(null)], {
          expectedRevision: 'no_stream',
        });
        const recorded = await store.readStream(stream);
        assert.deepEqual(
          recorded.map((e) => e.data),
          ['just a string', [1, '2'], null],
        );
        assert.deepEqual(recorded[0]?.metadata, {});
      });
    });

    describe('subscribeToAll', () => {
      it('delivers existing events, resolves caughtUp, then tails new appends', async () => {
        const stream = aStream();
        const existing = events(5);
        await store.append(stream, existing, { expectedRevision: 'no_stream' });
        const { subscription, received } = subscribe(store, 'tail');
        await subscription.caughtUp;
        assert.deepEqual(idsOf(received), idsOf(existing));

        const live = events(3, 5);
        await store.append(stream, live.slice(0, 1), { expectedRevision: 4 });
        await store.append(aStream(), live.slice(1), { expectedRevision: 'no_stream' });
        await waitFor('live events', () => received.length === 8);
        assert.deepEqual(idsOf(received), idsOf([...existing, ...live]));
      });

      it('resolves caughtUp on an empty store and delivers the first append', async () => {
        const { subscription, received } = subscribe(store, 'empty');
        await subscription.caughtUp;
        const event = anEvent();
        await store.append(aStream(), [event], { expectedRevision: 'no_stream' });
        await waitFor('first event', () => received.length === 1);
        assert.equal(received[0]?.id, event.id);
      });

      it('sees appends made through another store over the same data', async () => {
        const other = await another();
        const { subscription, received } = subscribe(store, 'other-writer');
        await subscription.caughtUp;
        const appended = events(3);
        await other.append(aStream(), appended, { expectedRevision: 'no_stream' });
        await waitFor('events from the other store', () => received.length === 3);
        assert.deepEqual(idsOf(received), idsOf(appended));
      });

      it('delivers each event once, in position order, while appends race the catch-up', async () => {
        const other = await another();
        for (let i = 0; i < 20; i++) await store.append(aStream(), events(3), { expectedRevision: 'no_stream' });
        const { received } = subscribe(store, 'racing');
        for (let i = 0; i < 20; i++) {
          await (i % 2 ? store : other).append(aStream(), events(2), { expectedRevision: 'no_stream' });
        }
        await waitFor('all 100 events', () => received.length >= 100);
        const all = await store.readAll();
        assert.equal(all.length, 100);
        assert.deepEqual(idsOf(received), idsOf(all));
      });

      it('calls the handler one event at a time', async () => {
        let active = 0;
        let maxActive = 0;
        const { received } = subscribe(store, 'serial', async () => {
          maxActive = Math.max(maxActive, ++active);
          await new Promise((resolve) => setTimeout(resolve, 1));
          active -= 1;
        });
        for (let i = 0; i < 5; i++) await store.append(aStream(), events(4), { expectedRevision: 'no_stream' });
        await waitFor('20 events', () => received.length === 20);
        assert.equal(maxActive, 1);
        assertStrictlyIncreasing(positionsOf(received));
      });

      it('stores the checkpoint after each handled event', async () => {
        assert.equal(await store.getCheckpoint('fresh'), 0);
        const checkpointsSeen: number[] = [];
        let previous: RecordedEvent | undefined;
        const { subscription, received } = subscribe(store, 'cp', async () => {
          if (previous) checkpointsSeen.push(await store.getCheckpoint('cp'));
        });
        const stream = aStream();
        await store.append(stream, events(4), { expectedRevision: 'no_stream' });
        await subscription.caughtUp;
        await waitFor('4 events', () => received.length === 4);
        await waitFor('checkpoint at the last event', async () => (await store.getCheckpoint('cp')) === received[3]!.position);
        previous = received[3];
        await store.append(stream, events(2), { expectedRevision: 3 });
        await waitFor('2 more events', () => received.length === 6);
        assert.deepEqual(checkpointsSeen, [received[3]!.position, received[4]!.position]);
        assert.equal(await store.getCheckpoint('fresh'), 0);
      });

      it('resumes a subscription with the same checkpoint after the last handled event', async () => {
        const stream = aStream();
        await store.append(stream, events(5), { expectedRevision: 'no_stream' });
        const first = subscribe(store, 'resume');
        await first.subscription.caughtUp;
        await first.subscription.stop();
        assert.equal(first.received.length, 5);

        const missed = events(4, 5);
        await store.append(stream, missed, { expectedRevision: 4 });
        const reopened = await another();
        const second = subscribe(reopened, 'resume');
        await second.subscription.caughtUp;
        assert.deepEqual(idsOf(second.received), idsOf(missed));

        const later = events(1, 9);
        await store.append(stream, later, { expectedRevision: 8 });
        await waitFor('the live event', () => second.received.length === 5);
        assert.deepEqual(idsOf(second.received), idsOf([...missed, ...later]));
        assert.equal(first.received.length, 5);
      });

      it('stops when the handler throws, without advancing past the failed event, and calls onError', async () => {
        const stream = aStream();
        const appended = events(5);
        await store.append(stream, appended, { expectedRevision: 'no_stream' });
        const failure = new Error('handler failed');
        const errors: [unknown, RecordedEvent][] = [];
        const attempted: string[] = [];
        const failing = subscribe(
          store,
          'failing',
          (event) => {
            attempted.push(event.id);
            if (event.id === appended[2]!.id) throw failure;
          },
          (error, event) => errors.push([error, event]),
        );
        await waitFor('onError', () => errors.length === 1);
        assert.equal(errors[0]![0], failure);
        assert.equal(errors[0]![1].id, appended[2]!.id);
        assert.deepEqual(idsOf(failing.received), idsOf(appended.slice(0, 2)));
        assert.equal(await store.getCheckpoint('failing'), failing.received[1]!.position);

        const control = subscribe(store, 'control');
        await store.append(stream, events(1, 5), { expectedRevision: 4 });
        await waitFor('control sees the new event', () => control.received.length === 6);
        assert.deepEqual(attempted, idsOf(appended.slice(0, 3)), 'nothing delivered after the failure');
        await failing.subscription.stop();

        const retry = subscribe(store, 'failing');
        await retry.subscription.caughtUp;
        assert.deepEqual(idsOf(retry.received), idsOf(control.received.slice(2)));
      });

      it('stops delivering after stop() resolves, and stop() waits for the handler in flight', async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let entered = false;
        const stream = aStream();
        const { subscription, received } = subscribe(store, 'stopping', async () => {
          entered = true;
          await gate;
        });
        await store.append(stream, events(1), { expectedRevision: 'no_stream' });
        await waitFor('handler entered', () => entered);
        let stopResolved = false;
        const stopping = subscription.stop().then(() => (stopResolved = true));
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(stopResolved, false, 'stop() resolved while the handler was still running');
        release();
        await stopping;
        assert.equal(received.length, 1);

        const control = subscribe(store, 'control');
        await store.append(stream, events(2, 1), { expectedRevision: 0 });
        await waitFor('control sees both new events', () => control.received.length === 3);
        assert.equal(received.length, 1);
      });

      it('runs independent checkpoints side by side', async () => {
        await store.append(aStream(), events(3), { expectedRevision: 'no_stream' });
        const a = subscribe(store, 'a');
        const b = subscribe(store, 'b');
        await Promise.all([a.subscription.caughtUp, b.subscription.caughtUp]);
        await a.subscription.stop();
        await store.append(aStream(), events(2), { expectedRevision: 'no_stream' });
        await waitFor('b sees 5', () => b.received.length === 5);
        await waitFor('b checkpoint', async () => (await store.getCheckpoint('b')) === b.received[4]!.position);
        assert.equal(await store.getCheckpoint('a'), a.received[2]!.position);
      });

      it('hands consecutive events to batchHandler, at most maxBatchSize at a time, storing the checkpoint after each batch', async () => {
        const appended = events(30);
        for (let i = 0; i < 3; i++) await store.append(aStream(), appended.slice(i * 10, i * 10 + 10), { expectedRevision: 'no_stream' });
        const batches: RecordedEvent[][] = [];
        const checkpointsSeen: number[] = [];
        const single: RecordedEvent[] = [];
        const subscription = store.subscribeToAll({
          checkpointId: 'batched',
          maxBatchSize: 7,
          handler: async (event) => {
            single.push(event);
          },
          batchHandler: async (batch) => {
            checkpointsSeen.push(await store.getCheckpoint('batched'));
            batches.push([...batch]);
          },
        });
        subscriptions.push(subscription);
        await subscription.caughtUp;
        const live = events(3);
        await store.append(aStream(), live, { expectedRevision: 'no_stream' });
        await waitFor('33 events in batches', () => batches.flat().length === 33);
        assert.deepEqual(single, [], 'handler is not called while batches succeed');
        assert.ok(batches.every((b) => b.length >= 1 && b.length <= 7), `batch sizes ${batches.map((b) => b.length).join(',')}`);
        assert.ok(batches.length >= 5, 'the 30 stored events came in batches of at most 7');
        assert.deepEqual(idsOf(batches.flat()), idsOf([...appended, ...live]));
        assert.deepEqual(checkpointsSeen, [0, ...batches.slice(0, -1).map((b) => b.at(-1)!.position)]);
        await waitFor('checkpoint at the last batch', async () => (await store.getCheckpoint('batched')) === batches.at(-1)!.at(-1)!.position);
      });

      it('hands a failed batch to the handler one event at a time, stopping at the event that fails', async () => {
        const appended = events(10);
        await store.append(aStream(), appended, { expectedRevision: 'no_stream' });
        const failure = new Error('fifth event failed');
        const errors: [unknown, RecordedEvent][] = [];
        const handled: string[] = [];
        const subscription = store.subscribeToAll({
          checkpointId: 'batch-fails',
          handler: async (event) => {
            if (event.id === appended[4]!.id) throw failure;
            handled.push(event.id);
          },
          batchHandler: async () => {
            throw new Error('batch failed');
          },
          onError: (error, event) => errors.push([error, event]),
        });
        subscriptions.push(subscription);
        await waitFor('onError', () => errors.length === 1);
        assert.equal(errors[0]![0], failure);
        assert.equal(errors[0]![1].id, appended[4]!.id);
        assert.deepEqual(handled, idsOf(appended.slice(0, 4)));
        const all = await store.readAll();
        assert.equal(await store.getCheckpoint('batch-fails'), all[3]!.position);
      });
    });
  });
}
