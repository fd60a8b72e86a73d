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
