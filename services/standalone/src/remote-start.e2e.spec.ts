import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulatedCharger, SimulatedCharger } from '@roamgate/charger-simulator';
import { waitFor } from '@roamgate/runtime/testing';
import { startStandaloneForTest, type StandaloneForTest } from './testing';

const TOKEN = 'remote-start-e2e-admin-token';

interface Session { id: string; status: string; transactionId: string; meterStartWh: string | null; meterStopWh: string | null; commandId?: string | null }
interface Message { direction: string; action: string; frameType?: string }

describe('remote start through the operations API, on the standalone process', () => {
  let roamgate: StandaloneForTest;

  before(async () => {
    roamgate = await startStandaloneForTest({ ROAMGATE_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' });
  });

  after(async () => {
    await roamgate?.close();
  });

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const r = await fetch(`${roamgate.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  for (const protocol of ['ocpp1.6', 'ocpp2.0.1'] as const) {
    it(`reaches a simulated ${protocol} charger and shows the session with its full message log`, async () => {
      const chargerId = `E2E-${protocol.replace(/\W/g, '')}`;
      assert.equal((await api('POST', '/api/v1/chargers', { id: chargerId, password: 'charger-secret-1' })).status, 201);
      let charger: SimulatedCharger | undefined;
      try {
        charger = await startSimulatedCharger({
          url: roamgate.ws,
          id: chargerId,
          password: 'charger-secret-1',
          protocol,
          profile: { vendor: 'Acme', model: `M-${protocol}`, firmwareVersion: '1.2.3', connectors: 1, meterValueIntervalS: 1 },
        });
        await waitFor(async () => {
          const c = await api<{ connected: boolean; bootStatus: string; vendor: string }>('GET', `/api/v1/chargers/${chargerId}`);
          return c.status === 200 && c.body.connected && c.body.bootStatus === 'ACCEPTED' ? c.body : undefined;
        }, 'charger booted and connected');

        const start = await api<{ commandId: string }>('POST', `/api/v1/chargers/${chargerId}/commands`, {
          kind: 'START_SESSION',
          idToken: { id: 'E2E-TOKEN-1', type: 'RFID' },
          connectorId: 1,
          ...(protocol === 'ocpp2.0.1' ? { evseId: 1 } : {}),
        });
        assert.equal(start.status, 202, JSON.stringify(start.body));
        const command = await waitFor(async () => {
          const c = await api<{ status: string }>('GET', `/api/v1/commands/${start.body.commandId}`);
          return c.status === 200 && c.body.status === 'ACCEPTED' ? c.body : undefined;
        }, 'remote start accepted by the charger');
        assert.equal(command.status, 'ACCEPTED');

        const session = await waitFor(async () => {
          const list = await api<{ items: Session[] }>('GET', `/api/v1/sessions?chargerId=${chargerId}`);
          return list.body.items?.[0];
        }, 'session visible');
        assert.equal(session.status, 'ACTIVE');
        await waitFor(async () => {
          const messages = await api<{ items: Message[] }>('GET', `/api/v1/sessions/${session.id}/messages`);
          const fromCharger = messages.body.items.filter((m) => m.direction === 'FROM_CHARGER');
          // 1.6: a periodic MeterValues; 2.0.1: a TransactionEvent Updated after the Started one
          const metered = protocol === 'ocpp1.6' ? fromCharger.some((m) => m.action === 'MeterValues') : fromCharger.filter((m) => m.action === 'TransactionEvent').length >= 2;
          return metered ? true : undefined;
        }, 'meter values in the session log');

        const stop = await api<{ commandId: string }>('POST', `/api/v1/chargers/${chargerId}/commands`, { kind: 'STOP_SESSION', sessionId: session.id });
        assert.equal(stop.status, 202, JSON.stringify(stop.body));
        const done = await waitFor(async () => {
          const s = await api<Session>('GET', `/api/v1/sessions/${session.id}`);
          return s.body.status === 'COMPLETED' ? s.body : undefined;
        }, 'session completed');
        assert.ok(done.meterStopWh !== null && Number(done.meterStopWh) > Number(done.meterStartWh), `energy was metered: ${JSON.stringify(done)}`);

        const log = await api<{ items: Message[] }>('GET', `/api/v1/sessions/${session.id}/messages?limit=500`);
        const actions = new Set(log.body.items.map((m) => `${m.direction}:${m.action}`));
        const expected =
          protocol === 'ocpp1.6'
            ? ['FROM_CHARGER:StartTransaction', 'FROM_CHARGER:MeterValues', 'FROM_CHARGER:StopTransaction', 'TO_CHARGER:RemoteStopTransaction']
            : ['FROM_CHARGER:TransactionEvent', 'TO_CHARGER:RequestStopTransaction'];
        for (const action of expected) assert.ok(actions.has(action), `${action} in ${[...actions].join(', ')}`);
        const chargerLog = await api<{ items: Message[] }>('GET', `/api/v1/chargers/${chargerId}/messages?limit=500`);
        const startCall = protocol === 'ocpp1.6' ? 'RemoteStartTransaction' : 'RequestStartTransaction';
        assert.ok(chargerLog.body.items.some((m) => m.action === startCall), `${startCall} in the charger log`);
        assert.ok(chargerLog.body.items.some((m) => m.action === 'BootNotification'));
      } finally {
        await charger?.stop();
      }
    });
  }
});
