import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openSqliteEventStore, type EventStore, type NewEvent } from '@roamgate/event-store';
import { waitFor } from '@roamgate/event-store/testing';
import { defaultRoute, EVENT_HEADERS, startRelay, type Relay, type RelayOptions } from './relay';
import { RecordingBus } from './testing';

const encode = defaultRoute((event) => Buffer.from(JSON.stringify(event.data)));
const events = (count: number): NewEvent[] =>
  Array.from({ length: count }, (_, n) => ({ id: randomUUID(), type: 'ThingHappened', data: { n } }));
const publishedIds = (bus: RecordingBus) => bus.published.map((m) => m.headers?.[EVENT_HEADERS.eventId]);

describe('relay', () => {
  let dir: string;
  let store: EventStore;
  let bus: RecordingBus;
  const relays: Relay[] = [];
  const start = (options: Partial<RelayOptions> = {}) => {
    const relay = startRelay({ store, bus, route: encode, retryDelayMs: 5, ...options });
    relays.push(relay);
    return relay;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roamgate-relay-'));
    store = await openSqliteEventStore({ file: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    bus = new RecordingBus();
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes existing and new events in position order, then stores the checkpoint', async () => {
    await store.append('charger-CP1', events(3), { expectedRevision: 'no_stream' });
    await store.append('session-S1', events(2), { expectedRevision: 'no_stream' });
    const relay = start();
    await relay.whenCaughtUp();
    await store.append('charger-CP1', events(1), { expectedRevision: 2 });
    await waitFor('6 messages', () => bus.published.length === 6);

    const all = await store.readAll();
    assert.deepEqual(publishedIds(bus), all.map((e) => e.id));
    assert.deepEqual(
      bus.published.map((m) => [m.topic, m.key]),
      all.map((e) => [e.streamId.startsWith('charger') ? 'roamgate.charger' : 'roamgate.session', e.streamId]),
    );
    await waitFor('checkpoint at the last event', async () => (await store.getCheckpoint('relay')) === all[5]!.position);
    assert.deepEqual(relay.status(), { running: true, position: all[5]!.position, caughtUp: true, failedTries: 0 });
  });

  it('resumes from its checkpoint after a restart without republishing', async () => {
    await store.append('charger-CP1', events(4), { expectedRevision: 'no_stream' });
    const first = start({ checkpointId: 'relay-a' });
    await first.whenCaughtUp();
    await first.stop();
    await store.append('charger-CP1', events(3), { expectedRevision: 3 });
    const second = start({ checkpointId: 'relay-a' });
    await second.whenCaughtUp();
    assert.deepEqual(publishedIds(bus), (await store.readAll()).map((e) => e.id));
  });

  it('skips events routed to null and publishes every message of an array in one call', async () => {
    await store.append('internal-X', events(2), { expectedRevision: 'no_stream' });
    await store.append('charger-CP1', events(1), { expectedRevision: 'no_stream' });
    const relay = start({
      route: (event) =>
        event.streamId.startsWith('internal')
          ? null
          : [
              { topic: 'roamgate.charger', key: event.streamId, value: new Uint8Array() },
              { topic: 'audit', key: event.streamId, value: new Uint8Array() },
            ],
    });
    await relay.whenCaughtUp();
    assert.deepEqual(
      bus.published.map((m) => m.topic),
      ['roamgate.charger', 'audit'],
    );
    assert.equal(bus.publishCalls, 1);
    assert.equal(await store.getCheckpoint('relay'), (await store.readAll()).at(-1)!.position);
  });

  it('retries a failing publish with backoff, without skipping or advancing the checkpoint', async () => {
    await store.append('charger-CP1', events(2), { expectedRevision: 'no_stream' });
    const warnings: string[] = [];
    const errors: string[] = [];
    let busDown = false;
    bus.publishing = () => {
      if (busDown) throw new Error('broker unavailable');
    };
    const relay = start({ logger: { warn: (m) => warnings.push(m), error: (m) => errors.push(m) } });
    await relay.whenCaughtUp();
    const before = await store.getCheckpoint('relay');

    busDown = true;
    await store.append('charger-CP1', events(2), { expectedRevision: 1 });
    await waitFor('three failed tries', () => relay.status().failedTries >= 3);
    assert.equal(await store.getCheckpoint('relay'), before);
    assert.equal(relay.status().position, before);
    assert.equal(relay.status().lastError, 'broker unavailable');
    assert.match(warnings[0]!, /failed 1x, retrying in 5 ms/);
    assert.match(warnings[2]!, /retrying in 20 ms/);

    busDown = false;
    await waitFor('all 4 published', () => bus.published.length === 4);
    assert.deepEqual(publishedIds(bus), (await store.readAll()).map((e) => e.id));
    assert.equal(relay.status().failedTries, 0);
    assert.deepEqual(errors, []);
  });

  it('stop() waits for the publish in flight and keeps its checkpoint', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    bus.publishing = () => held;
    await store.append('charger-CP1', events(1), { expectedRevision: 'no_stream' });
    const relay = start();
    await waitFor('publish in flight', () => bus.publishCalls === 1);
    let stopped = false;
    const stopping = relay.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(stopped, false, 'stop() returned while the publish was in flight');
    release();
    await stopping;
    assert.equal(bus.published.length, 1);
    assert.equal(await store.getCheckpoint('relay'), (await store.readAll())[0]!.position);
    assert.equal(relay.status().running, false);
  });

  it('stop() ends a retry wait at once and leaves the failed event to the next run', async () => {
    bus.publishing = () => {
      throw new Error('broker unavailable');
    };
    await store.append('charger-CP1', events(1), { expectedRevision: 'no_stream' });
    const relay = start({ retryDelayMs: 60_000 });
    await waitFor('first failed try', () => relay.status().failedTries === 1);
    await relay.stop();
    assert.equal(await store.getCheckpoint('relay'), 0);

    bus.publishing = () => undefined;
    await start().whenCaughtUp();
    assert.equal(bus.published.length, 1);
  });

  it('with batchSize, publishes up to that many events in one call, in position order, with one checkpoint per batch', async () => {
    for (let i = 0; i < 5; i++) await store.append(`charger-CP${i}`, events(10), { expectedRevision: 'no_stream' });
    const checkpoints: number[] = [];
    bus.publishing = async () => {
      checkpoints.push(await store.getCheckpoint('relay'));
    };
    const relay = start({ batchSize: 20 });
    await relay.whenCaughtUp();
    const all = await store.readAll();
    assert.deepEqual(publishedIds(bus), all.map((e) => e.id));
    assert.equal(bus.publishCalls, 3, '50 events in batches of 20');
    assert.deepEqual(checkpoints, [0, all[19]!.position, all[39]!.position]);
    await waitFor('checkpoint at the last event', async () => (await store.getCheckpoint('relay')) === all[49]!.position);
    assert.equal(relay.status().position, all[49]!.position);

    await store.append('session-S1', events(2), { expectedRevision: 'no_stream' });
    await waitFor('live events', () => bus.published.length === 52);
    assert.deepEqual(publishedIds(bus), (await store.readAll()).map((e) => e.id));
  });

  it('with lingerMs, publishes the events appended while it waited in one call', async () => {
    const relay = start({ batchSize: 100, lingerMs: 300 });
    await relay.whenCaughtUp();
    await store.append('charger-CP1', events(1), { expectedRevision: 'no_stream' });
    await waitFor('the first event', () => bus.publishCalls === 1);
    for (let revision = 1; revision <= 5; revision++) await store.append('charger-CP1', events(1), { expectedRevision: revision - 1 });
    await waitFor('all 6 published', () => bus.published.length === 6);
    assert.equal(bus.publishCalls, 2, 'the five appended during the linger went out together');
    assert.deepEqual(publishedIds(bus), (await store.readAll()).map((e) => e.id));
    const stopping = Date.now();
    await relay.stop();
    assert.ok(Date.now() - stopping < 250, 'stop() does not wait out the linger');
  });

  it('with batchSize, stops at the event whose routing throws after publishing the events before it', async () => {
    const errors: string[] = [];
    await store.append('charger-CP1', events(6), { expectedRevision: 'no_stream' });
    const relay = start({
      batchSize: 10,
      route: (event) => {
        if (event.revision === 4) throw new Error('cannot encode');
        return encode(event);
      },
      logger: { warn: () => undefined, error: (m) => errors.push(m) },
    });
    await waitFor('relay stopped', () => !relay.status().running);
    const all = await store.readAll();
    assert.deepEqual(publishedIds(bus), all.slice(0, 4).map((e) => e.id));
    assert.equal(await store.getCheckpoint('relay'), all[3]!.position);
    assert.match(errors[0]!, new RegExp(`relay stopped at event ${all[4]!.id}`));
  });

  it('stops and reports when routing throws, leaving the event unrelayed', async () => {
    const errors: string[] = [];
    await store.append('charger-CP1', events(2), { expectedRevision: 'no_stream' });
    const relay = start({
      route: (event) => {
        if (event.revision === 1) throw new Error('cannot encode');
        return encode(event);
      },
      logger: { warn: () => undefined, error: (m) => errors.push(m) },
    });
    await waitFor('relay stopped', () => !relay.status().running);
    assert.equal(relay.status().lastError, 'cannot encode');
    assert.match(errors[0]!, /relay stopped at event .* \(position \d+, stream charger-CP1\): cannot encode/);
    assert.equal(bus.published.length, 1);
    assert.equal(await store.getCheckpoint('relay'), (await store.readAll())[0]!.position);
  });
});
