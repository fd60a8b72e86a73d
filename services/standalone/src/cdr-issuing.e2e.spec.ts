import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulatedCharger, type SimulatedCharger } from '@roamgate/charger-simulator';
import { ApiClient } from '@roamgate/runtime';
import { waitFor } from '@roamgate/runtime/testing';
import { registerReplayCommands } from '@roamgate/tariff-engine';
import { Command } from 'commander';
import { startStandaloneForTest, type StandaloneForTest } from './testing';

const TOKEN = 'cdr-issuing-e2e-admin-token';

/** € 0.25/kWh and € 2.00/h of charging, VAT 10 %, no restrictions, no step rounding. */
const TARIFF = {
  country_code: 'NL',
  party_id: 'RGT',
  id: 'T-E2E',
  currency: 'EUR',
  elements: [
    {
      price_components: [
        { type: 'ENERGY', price: 0.25, vat: 10, step_size: 1 },
        { type: 'TIME', price: 2.0, vat: 10, step_size: 1 },
      ],
    },
  ],
  last_updated: '2025-01-01T00:00:00Z',
};

/**
 * The meter: the simulator samples every real second and adds maxPowerW x 1 s of energy per sample, 100 Wh
 * at 360 kW. The charger's clock is made to advance 36 s (0.01 h) per sample, so that the n-th sample, and a
 * stop after it, carry t0 + n x 36 s: the session's volumes are whole multiples of 0.1 kWh and 0.01 h.
 */
const SAMPLE_WH = 100;
const SAMPLE_MS = 36_000;
const METER_START_WH = 100_000;
const POWER_W = 360_000;

interface Price {
  excl_vat: number;
  incl_vat?: number;
}
interface Cdr {
  id: string;
  session_id: string;
  start_date_time: string;
  end_date_time: string;
  currency: string;
  cdr_token: { uid: string };
  auth_method: string;
  cdr_location: { id: string; evse_uid: string; connector_id: string };
  tariffs: { id: string; last_updated: string }[];
  charging_periods: { start_date_time: string; dimensions: { type: string; volume: number }[]; tariff_id?: string }[];
  [total: string]: unknown;
}
interface CdrDoc {
  id: string;
  status: string;
  sessionId: string;
  chargerId: string;
  anomalies: string[];
  cdr: Cdr;
  replay: { status: string; replays: number; diffs: unknown[] };
}
interface Session {
  id: string;
  status: string;
  meterStartWh: string | null;
  meterStopWh: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
}

/** An exact decimal n / 10^scale as the JSON number OCPI carries. */
const dec = (units: number, scale: number) => Number((units / 10 ** scale).toFixed(scale));

describe('CDR issuing and replay, on the standalone process with a simulated charger', () => {
  let roamgate: StandaloneForTest;

  before(async () => {
    roamgate = await startStandaloneForTest({ ROAMGATE_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn', OCPP_LOST_TRANSACTION_GRACE_S: '1' });
    const put = await api('PUT', `/api/v1/tariffs/${TARIFF.id}`, TARIFF);
    assert.equal(put.status, 201, JSON.stringify(put.body));
  });

  after(async () => {
    await roamgate?.close();
  });

  async function api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const r = await fetch(`${roamgate.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  for (const protocol of ['ocpp1.6', 'ocpp2.0.1'] as const) {
    it(`prices a ${protocol} session ended by remote stop into a CDR checked by hand, and replays it unchanged`, async () => {
      const chargerId = `CDR-${protocol.replace(/\W/g, '')}`;
      assert.equal((await api('POST', '/api/v1/chargers', { id: chargerId, password: 'charger-secret-1', locationId: 'LOC-E2E' })).status, 201);
      const assigned = await api('POST', `/api/v1/tariffs/${TARIFF.id}/assignments`, { chargerId, timeZone: 'Europe/Amsterdam' });
      assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
      await waitFor(async () => {
        const list = await api<{ total: number }>('GET', `/api/v1/tariff-assignments?chargerId=${chargerId}`);
        return list.body.total === 1 ? true : undefined;
      }, 'assignment projected');

      // The charger's clock starts after the tariff was published and assigned: the version in force at t0 is this one.
      const t0 = Math.ceil(Date.now() / 1000) * 1000 + 1000;
      let charger: SimulatedCharger | undefined;
      let samples = 0;
      const clock = () => {
        const session = charger?.activeSessions()[0];
        if (session !== undefined) samples = session.samples;
        return new Date(t0 + samples * SAMPLE_MS);
      };
      try {
        charger = await startSimulatedCharger({
          url: roamgate.ws,
          id: chargerId,
          password: 'charger-secret-1',
          protocol,
          clock,
          profile: { connectors: 1, meterValueIntervalS: 1, maxPowerW: POWER_W, meterStartWh: METER_START_WH },
        });
        await waitFor(async () => {
          const c = await api<{ connected: boolean; bootStatus: string }>('GET', `/api/v1/chargers/${chargerId}`);
          return c.status === 200 && c.body.connected && c.body.bootStatus === 'ACCEPTED' ? true : undefined;
        }, 'charger booted');

        const start = await api<{ commandId: string }>('POST', `/api/v1/chargers/${chargerId}/commands`, {
          kind: 'START_SESSION',
          idToken: { id: 'CDR-TOKEN-1', type: 'RFID' },
          connectorId: 1,
          ...(protocol === 'ocpp2.0.1' ? { evseId: 1 } : {}),
        });
        assert.equal(start.status, 202, JSON.stringify(start.body));
        const session = await waitFor(async () => (await api<{ items: Session[] }>('GET', `/api/v1/sessions?chargerId=${chargerId}`)).body.items?.[0], 'session visible');
        await waitFor(() => ((charger?.activeSessions()[0]?.samples ?? 0) >= 3 ? true : undefined), 'three meter samples');
        const stop = await api('POST', `/api/v1/chargers/${chargerId}/commands`, { kind: 'STOP_SESSION', sessionId: session.id });
        assert.equal(stop.status, 202, JSON.stringify(stop.body));

        const done = await waitFor(async () => {
          const s = await api<Session>('GET', `/api/v1/sessions/${session.id}`);
          return s.body.status === 'COMPLETED' ? s.body : undefined;
        }, 'session completed');
        const doc = await waitFor(async () => {
          const list = await api<{ items: CdrDoc[]; total: number }>('GET', `/api/v1/cdrs?sessionId=${session.id}`);
          return list.body.total === 1 ? list.body.items[0] : undefined;
        }, 'CDR issued and projected');

        // n samples were taken before the stop: the register went from 100000 Wh up 100 Wh a sample.
        const n = (Number(done.meterStopWh) - METER_START_WH) / SAMPLE_WH;
        assert.ok(Number.isInteger(n) && n >= 3, `whole samples: ${JSON.stringify(done)}`);
        const startAt = new Date(t0).toISOString().replace('.000Z', 'Z');
        const endAt = new Date(t0 + n * SAMPLE_MS).toISOString().replace('.000Z', 'Z');
        assert.equal(doc.status, 'ISSUED');
        assert.deepEqual(doc.anomalies, []);
        const { cdr } = doc;
        assert.equal(cdr.session_id, session.id);
        assert.equal(cdr.id, doc.id);
        assert.deepEqual([cdr.start_date_time, cdr.end_date_time, cdr.currency], [startAt, endAt, 'EUR']);
        assert.equal(cdr.cdr_token.uid, 'CDR-TOKEN-1');
        assert.equal(cdr.auth_method, 'COMMAND');
        assert.deepEqual(cdr.cdr_location, { id: 'LOC-E2E', evse_uid: `${chargerId}-1`, connector_id: '1' });
        assert.deepEqual(
          cdr.tariffs.map((t) => [t.id, t.last_updated]),
          [['T-E2E', '2025-01-01T00:00:00Z']],
        );
        // One period: charging all along (status Charging, 360 kW in every periodic sample), one price component set.
        //   ENERGY n x 0.1 kWh, TIME n x 36 s = n x 0.01 h, MIN_POWER = MAX_POWER = 360 kW.
        assert.deepEqual(cdr.charging_periods, [
          {
            start_date_time: startAt,
            dimensions: [
              { type: 'ENERGY', volume: dec(n, 1) },
              { type: 'TIME', volume: dec(n, 2) },
              { type: 'MIN_POWER', volume: 360 },
              { type: 'MAX_POWER', volume: 360 },
            ],
            tariff_id: 'T-E2E',
          },
        ]);
        // energy: n x 0.1 kWh x 0.25 = n x 0.025     incl. VAT 10 %: n x 0.0275
        // time:   n x 0.01 h   x 2.00 = n x 0.02      incl.           n x 0.022
        // total:  n x 0.045                           incl.           n x 0.0495    (n = 3: 0.135 and 0.1485)
        const zero: Price = { excl_vat: 0, incl_vat: 0 };
        assert.deepEqual(
          Object.fromEntries(Object.entries(cdr).filter(([field]) => field.startsWith('total_'))),
          {
            total_cost: { excl_vat: dec(45 * n, 3), incl_vat: dec(495 * n, 4) },
            total_fixed_cost: zero,
            total_energy: dec(n, 1),
            total_energy_cost: { excl_vat: dec(25 * n, 3), incl_vat: dec(275 * n, 4) },
            total_time: dec(n, 2),
            total_time_cost: { excl_vat: dec(2 * n, 2), incl_vat: dec(22 * n, 3) },
            total_parking_time: 0,
            total_parking_cost: zero,
            total_reservation_cost: zero,
          },
        );

        const replay = await api<{ matches: boolean; diffs: unknown[] }>('POST', `/api/v1/cdrs/${doc.id}/replay`);
        assert.equal(replay.status, 200, JSON.stringify(replay.body));
        assert.deepEqual([replay.body.matches, replay.body.diffs], [true, []]);
        const replayed = await waitFor(async () => {
          const d = await api<CdrDoc>('GET', `/api/v1/cdrs/${doc.id}`);
          return d.body.replay?.status === 'MATCHES' ? d.body : undefined;
        }, 'replay status projected');
        assert.equal(replayed.replay.replays, 1);

        // `roamgate tariff replay --cdr <id>` against the running API: exit code 0 and "matches".
        let out = '';
        const program = new Command('roamgate').exitOverride();
        registerReplayCommands(program, { client: () => new ApiClient({ url: roamgate.base, token: TOKEN }), write: (text) => void (out += text) });
        try {
          await program.parseAsync(['node', 'roamgate', 'tariff', 'replay', '--cdr', doc.id]);
          assert.equal(process.exitCode ?? 0, 0);
        } finally {
          process.exitCode = 0;
        }
        assert.match(out, new RegExp(`CDR ${doc.id} of session ${session.id}, tariffs T-E2E \\(2025-01-01T00:00:00Z\\)\\nreplay matches the issued CDR`));
      } finally {
        await charger?.stop();
      }
    });
  }

  it('bills a session the charger lost up to its last reading, and marks it STOP_MISSING', async () => {
    const chargerId = 'CDR-LOST';
    assert.equal((await api('POST', '/api/v1/chargers', { id: chargerId, password: 'charger-secret-1', locationId: 'LOC-E2E' })).status, 201);
    assert.equal((await api('POST', `/api/v1/tariffs/${TARIFF.id}/assignments`, { chargerId, timeZone: 'Europe/Amsterdam' })).status, 201);
    await waitFor(async () => ((await api<{ total: number }>('GET', `/api/v1/tariff-assignments?chargerId=${chargerId}`)).body.total === 1 ? true : undefined), 'assignment projected');

    // The clock as in the test above, kept at the lost session's last sample while the charger is down and after.
    const t0 = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    let charger: SimulatedCharger | undefined;
    let samples = 0;
    let lost = false;
    const clock = () => {
      const session = charger?.activeSessions()[0];
      if (session !== undefined && !lost) samples = session.samples;
      return new Date(t0 + samples * SAMPLE_MS + (lost ? 60_000 : 0));
    };
    try {
      charger = await startSimulatedCharger({
        url: roamgate.ws,
        id: chargerId,
        password: 'charger-secret-1',
        protocol: 'ocpp1.6',
        clock,
        faults: { losesTransaction: { afterMeterValues: 3, restartAfterMs: 200 } },
        profile: { connectors: 1, meterValueIntervalS: 1, maxPowerW: POWER_W, meterStartWh: METER_START_WH },
      });
      charger.on('disconnected', () => void (lost = true));
      await charger.whenBooted();
      const start = await api('POST', `/api/v1/chargers/${chargerId}/commands`, { kind: 'START_SESSION', idToken: { id: 'CDR-TOKEN-2', type: 'RFID' }, connectorId: 1 });
      assert.equal(start.status, 202, JSON.stringify(start.body));

      // After the third sample the charger loses power and the transaction; back up, the driver plugs in again.
      const sessions = await waitFor(async () => {
        const list = await api<{ items: (Session & { anomalies: string[] })[] }>('GET', `/api/v1/sessions?chargerId=${chargerId}`);
        return list.body.items?.length === 2 && list.body.items.some((x) => x.status === 'COMPLETED') ? list.body.items : undefined;
      }, 'the lost session closed, the next one open', 20_000);
      const closed = sessions.find((x) => x.status === 'COMPLETED')!;
      assert.deepEqual(closed.anomalies, ['STOP_MISSING']);
      assert.equal(sessions.find((x) => x !== closed)!.status, 'ACTIVE');
      assert.equal(closed.meterStopWh, String(METER_START_WH + 3 * SAMPLE_WH), 'the last reading the charger sent');

      const doc = await waitFor(async () => {
        const list = await api<{ items: CdrDoc[]; total: number }>('GET', `/api/v1/cdrs?sessionId=${closed.id}`);
        return list.body.total === 1 ? list.body.items[0] : undefined;
      }, 'CDR of the lost session');
      assert.equal(doc.status, 'ISSUED');
      assert.ok(doc.anomalies.includes('STOP_MISSING'), JSON.stringify(doc.anomalies));
      assert.equal(doc.cdr.end_date_time, new Date(t0 + 3 * SAMPLE_MS).toISOString().replace('.000Z', 'Z'), 'ends at the last reading');
      assert.equal(doc.cdr['total_energy'], 0.3);
      assert.deepEqual(doc.cdr['total_cost'], { excl_vat: 0.135, incl_vat: 0.1485 });
    } finally {
      await charger?.stop();
    }
  });

  it('answers 404 for an unknown CDR and 400 for a bad filter', async () => {
    assert.equal((await api('GET', '/api/v1/cdrs/unknown')).status, 404);
    assert.equal((await api('POST', '/api/v1/cdrs/unknown/replay')).status, 404);
    assert.equal((await api('GET', '/api/v1/cdrs?limit=0')).status, 400);
    assert.equal((await api('GET', '/api/v1/cdrs?status=LOST')).status, 400);
  });
});
