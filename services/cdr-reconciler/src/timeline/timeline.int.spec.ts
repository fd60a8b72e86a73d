import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
import { EXCEPTIONS, RECON_COLLECTIONS } from '../exceptions/recon-documents';
import { FACT_COLLECTIONS } from '../facts/fact-documents';
import { TimelineService } from './timeline.service';

/** One fake operations API per service, each on its own port, as in the cluster. */
function fakeApi(routes: Record<string, unknown>, seen: string[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    seen.push(`${req.headers.authorization} ${req.url}`);
    const body = routes[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { message: 'not found' }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('support timeline composed from the services APIs at their own URLs', () => {
  let store: ReadModelStore;
  let gateway: { server: Server; url: string };
  let tariff: { server: Server; url: string };
  const seen: string[] = [];

  before(async () => {
    store = openSqliteReadModelStore({ file: ':memory:' });
    for (const spec of [...FACT_COLLECTIONS, ...RECON_COLLECTIONS]) await store.ensureCollection(spec);
    gateway = await fakeApi(
      {
        '/api/v1/sessions/S-1': { id: 'S-1', chargerId: 'CP-1', partnerId: 'NL-EMS', startedAt: '2025-03-01T09:00:00.000Z', stoppedAt: '2025-03-01T10:00:00.000Z', connectorId: 1, commandId: null, stopCommandId: null },
        '/api/v1/sessions/S-1/messages?limit=500': {
          items: [
            { at: '2025-03-01T10:00:00.000Z', direction: 'FROM_CHARGER', frameType: 'CALL', action: 'StopTransaction', payload: '[2,"2","StopTransaction",{}]' },
            { at: '2025-03-01T09:00:00.000Z', direction: 'FROM_CHARGER', frameType: 'CALL', action: 'StartTransaction', payload: '[2,"1","StartTransaction",{}]' },
          ],
        },
      },
      seen,
    );
    tariff = await fakeApi(
      {
        '/api/v1/cdrs?sessionId=S-1&limit=1': {
          items: [{ id: 'CDR-1', status: 'ISSUED', partnerId: 'NL-EMS', issuedAt: '2025-03-01T10:00:01.000Z', startDateTime: '2025-03-01T09:00:00.000Z', currency: 'EUR', totalEnergyKwh: '10', totalCost: { exclVat: '3.00' }, tariffs: [{ tariffId: 'T1', lastUpdated: '2025-01-01T00:00:00.000Z' }], replay: { status: 'DIFFERS', diffs: [{ field: 'total_cost.excl_vat', issued: '3.00', replayed: '3.10' }], lastReplayedAt: '2025-03-02T00:00:00.000Z' }, delivery: { status: 'PENDING' } }],
        },
      },
      seen,
    );
    await store.upsert(EXCEPTIONS, 'e1', { id: 'e1', partnerId: 'NL-EMS', sessionId: 'S-1', ourCdrId: 'CDR-1', type: 'REPLAY_MISMATCH', owner: 'BACKEND', rule: 'REPLAY-1', facts: { field: 'total_cost.excl_vat' }, detail: 'replay differs', status: 'OPEN', openedAt: '2025-03-03T00:00:00.000Z', history: [] }, 0);
  });

  after(async () => {
    gateway.server.close();
    tariff.server.close();
    await store.close();
  });

  it('orders the parts of every service, passes the caller token on, and names the service that did not answer', async () => {
    const service = new TimelineService(store, { gatewayUrl: gateway.url, tariffUrl: tariff.url, ocpiUrl: 'http://127.0.0.1:1', token: undefined, timeoutMs: 2000 });
    const t = await service.explain('S-1', 'caller-token');
    assert.deepEqual(
      t.entries.map((e) => e.source),
      ['SESSION', 'OCPP', 'TARIFF', 'SESSION', 'OCPP', 'CDR', 'REPLAY', 'EXCEPTION'],
    );
    assert.match(t.entries.find((e) => e.source === 'REPLAY')!.summary, /DIFFERS: total_cost.excl_vat issued 3.00 replayed 3.10/);
    assert.match(t.entries.at(-1)!.summary, /REPLAY_MISMATCH owned by BACKEND \(rule REPLAY-1\)/);
    assert.ok(seen.every((line) => line.startsWith('Bearer caller-token ')), seen.join('\n'));
    const down = t.sources.filter((s) => !s.ok);
    assert.deepEqual(down.map((s) => s.name), ['ocpi-connector calls']);
  });

  it('answers 502 rather than 404 when nothing is known locally and a service did not answer', async () => {
    const service = new TimelineService(store, { gatewayUrl: 'http://127.0.0.1:1', tariffUrl: tariff.url, ocpiUrl: 'http://127.0.0.1:1', token: 'own', timeoutMs: 2000 });
    await assert.rejects(service.explain('S-UNKNOWN', undefined), (e: Error & { getStatus?: () => number }) => e.getStatus?.() === 502 && /charger-gateway session/.test(e.message));
  });
});
