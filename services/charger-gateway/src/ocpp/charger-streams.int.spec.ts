import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OcppVersion } from '@roamgate/contracts';
import { domainEvent, fromStoredEvent, toStoredEvent, type ChargerCommand, type ChargerState } from '@roamgate/domain-charging';
import { newEventId, openSqliteEventStore, type EventStore, type Json } from '@roamgate/event-store';
import { ChargerStreams } from './charger-streams';

const connect = (chargerId: string, connectionId: string): ChargerCommand => ({
  type: 'RecordConnected',
  chargerId,
  connectionId,
  protocol: OcppVersion.OCPP_VERSION_1_6,
  now: new Date(),
});

const closeIfVia = (instance: string) => (state: ChargerState, connectedVia: string): ChargerCommand[] =>
  state.connectivity === 'online' && connectedVia === instance
    ? [{ type: 'RecordDisconnected', chargerId: state.chargerId, connectionId: state.connectionId, closeCode: 1006, reason: 'gateway restarted', now: new Date() }]
    : [];

describe('charger streams: gateway instance of connections', () => {
  let dir: string;
  let store: EventStore;
  let dead: ChargerStreams;
  let sweeper: ChargerStreams;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roamgate-charger-streams-'));
    store = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    dead = new ChargerStreams(store, 'gw@1');
    sweeper = new ChargerStreams(store, 'gw@2');
  });

  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stamps ChargerConnected with the instance that recorded it', async () => {
    await dead.decide('CS-A', [connect('CS-A', 'c1')]);
    const [recorded] = await store.readStream('charger-CS-A');
    assert.equal(fromStoredEvent<'ChargerConnected'>(recorded!).data.gatewayInstance, 'gw@1');
    const events = await sweeper.decideWith('CS-A', closeIfVia('gw@1'));
    assert.deepEqual(events.map((e) => e.type), ['ChargerDisconnected']);
  });

  it('decides the sweep again when a newer connection is appended between its read and its append', async () => {
    await dead.decide('CS-B', [connect('CS-B', 'c1')]);
    let choices = 0;
    let reconnected: Promise<unknown> = Promise.resolve();
    const events = await sweeper.decideWith('CS-B', (state, connectedVia) => {
      // The charger reconnects to another replica (another process) just after the sweeper read the stream: that
      // append is queued before the sweeper's.
      if (choices++ === 0) {
        const connected = domainEvent('ChargerConnected', { chargerId: 'CS-B', connectionId: 'c2', protocol: OcppVersion.OCPP_VERSION_1_6, gatewayInstance: 'gw-other@1' });
        const { type, data } = toStoredEvent(connected);
        reconnected = store.append('charger-CS-B', [{ id: newEventId(), type, data: data as Json }], { expectedRevision: 0 });
      }
      return closeIfVia('gw@1')(state, connectedVia);
    });
    await reconnected;
    assert.equal(choices, 2, 'the append at the stale revision was refused and the sweep chose again');
    assert.deepEqual(events, []);
    const types = (await store.readStream('charger-CS-B')).map((e) => e.type);
    assert.deepEqual(types, ['ChargerConnected', 'ChargerConnected']);
    assert.equal((await sweeper.state('CS-B')).connectivity, 'online');
    assert.equal((await sweeper.state('CS-B')).connectionId, 'c2');
  });
});

const disconnect = (chargerId: string, connectionId: string): ChargerCommand => ({
  type: 'RecordDisconnected',
  chargerId,
  connectionId,
  closeCode: 1006,
  reason: 'gone',
  now: new Date(),
});

describe('charger streams: deciding on the kept state', () => {
  let dir: string;
  let store: EventStore;
  let reads: string[];
  /** The store, counting the stream reads this process makes. */
  let counted: EventStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roamgate-charger-streams-kept-'));
    store = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    counted = Object.assign(Object.create(store) as EventStore, {
      readStream: (...args: Parameters<EventStore['readStream']>) => {
        reads.push(args[0]);
        return store.readStream(...args);
      },
    });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a charger\'s stream once, then appends on what it keeps', async () => {
    reads = [];
    const streams = new ChargerStreams(counted, 'gw@1');
    await streams.decide('CS-K', [connect('CS-K', 'c1')]);
    await streams.decide('CS-K', [disconnect('CS-K', 'c1')]);
    await streams.decide('CS-K', [connect('CS-K', 'c2')]);
    assert.deepEqual(reads, ['charger-CS-K'], 'one read, before the first decision');
    assert.deepEqual((await store.readStream('charger-CS-K')).map((e) => e.type), ['ChargerConnected', 'ChargerDisconnected', 'ChargerConnected']);
  });

  it('decides again on the stream when another writer appended since: the append conflicts', async () => {
    reads = [];
    const here = new ChargerStreams(counted, 'gw@1');
    const elsewhere = new ChargerStreams(store, 'gw@2');
    await here.decide('CS-C', [connect('CS-C', 'c1')]);
    // The charger moves to another gateway instance; this one has not seen it.
    await elsewhere.decide('CS-C', [disconnect('CS-C', 'c1'), connect('CS-C', 'c2')]);
    // On the kept state c1 is still live, so closing it appends; the stream has moved on, so the append is refused,
    // and on the stream as it is the close of c1 is nothing to record.
    const events = await here.decide('CS-C', [disconnect('CS-C', 'c1')]);
    assert.deepEqual(events, []);
    assert.equal(reads.length, 2, 'read again after the conflict');
    assert.deepEqual((await store.readStream('charger-CS-C')).map((e) => e.type), ['ChargerConnected', 'ChargerDisconnected', 'ChargerConnected']);
    assert.equal((await here.state('CS-C')).connectionId, 'c2');
  });

  it('decides again on the stream when the kept state gave nothing to append', async () => {
    reads = [];
    const here = new ChargerStreams(counted, 'gw@1');
    const elsewhere = new ChargerStreams(store, 'gw@2');
    await here.decide('CS-N', [connect('CS-N', 'c1')]);
    await elsewhere.decide('CS-N', [disconnect('CS-N', 'c1'), connect('CS-N', 'c2')]);
    // On the kept state c2 is unknown, so closing it would record nothing: no conflict could show the state is stale.
    const events = await here.decide('CS-N', [disconnect('CS-N', 'c2')]);
    assert.deepEqual(events.map((e) => e.type), ['ChargerDisconnected']);
    assert.equal(reads.length, 2, 'read again before giving up on the decision');
    assert.equal((await here.state('CS-N')).connectivity, 'offline');
  });
});
