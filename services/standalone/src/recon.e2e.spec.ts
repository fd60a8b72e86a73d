import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registerReconCommands, registerSessionExplainCommand, type ExceptionDocument, type ImportResult, type Timeline } from '@roamgate/cdr-reconciler';
import { startSimulatedCharger, type SimulatedCharger } from '@roamgate/charger-simulator';
import { startEmspSimulator, type EmspSimulator, type SettlementInjection, type Token } from '@roamgate/emsp-simulator';
import { waitFor } from '@roamgate/runtime/testing';
import { Command } from 'commander';
import { startStandaloneForTest, type StandaloneForTest } from './testing';

const ADMIN = 'recon-e2e-admin-token-0123456789';
const CHARGER = 'RECON-CP-1';
/** A charger whose meter register goes back at the stop: its session is a charger anomaly. */
const FAULTY = 'RECON-CP-BAD';
const LOCATION = 'LOC-RECON-1';
const SESSIONS = 8;
const CDRS = SESSIONS + 1;

const TARIFF = {
  country_code: 'NL',
  party_id: 'RGT',
  id: 'T-RECON',
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.3, vat: 21, step_size: 1 }, { type: 'TIME', price: 1.2, vat: 21, step_size: 1 }] }],
  last_updated: '2025-01-01T00:00:00Z',
};

const token = (uid: string): Token =>
  ({
    country_code: 'NL',
    party_id: 'EMS',
    uid,
    type: 'RFID',
    contract_id: `NL-EMS-${uid}`,
    issuer: 'Simulated eMSP',
    valid: true,
    whitelist: 'ALLOWED',
    last_updated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  }) as Token;

interface CdrDoc {
  id: string;
  sessionId: string;
  replay: { status: string };
  delivery: { status: string };
}

/** Runs the roamgate CLI in this process and returns what it printed; progress lines are collected apart. */
async function cli(base: string, args: string[]): Promise<{ out: string; progress: string[]; exitCode: number }> {
  const progress: string[] = [];
  let out = '';
  const collect = (line: string) => {
    out += `${line}\n`;
  };
  const options = { url: base, token: ADMIN, progress: (line: string) => progress.push(line), out: collect, err: collect };
  const program = new Command('roamgate').exitOverride();
  registerReconCommands(program, options);
  registerSessionExplainCommand(program, options);
  const before = process.exitCode;
  process.exitCode = 0;
  await program.parseAsync(['node', 'roamgate', ...args]);
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { out, progress, exitCode };
}

describe('CDR reconciliation on the standalone process: charger and eMSP simulators, a settlement file with injected discrepancies', () => {
  let roamgate: StandaloneForTest;
  let emsp: EmspSimulator;
  let charger: SimulatedCharger;
  let faulty: SimulatedCharger;
  let faultyCdrId: string;
  let partnerId: string;
  let cdrs: CdrDoc[];
  let injections: SettlementInjection[];
  let imported: ImportResult;

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; text: string; type: string }> => {
    const r = await fetch(`${roamgate.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: r.status, body: parsed as T, text, type: r.headers.get('content-type') ?? '' };
  };

  const exceptionsOf = async (query: string) => (await api<{ items: ExceptionDocument[]; total: number }>('GET', `/api/v1/recon/exceptions?${query}`)).body;

  before(async () => {
    roamgate = await startStandaloneForTest({ ROAMGATE_ADMIN_TOKEN: ADMIN });
    emsp = await startEmspSimulator({ partyId: 'EMS' });
    const invitation = await api<{ partnerId: string; token: string; versionsUrl: string }>('POST', '/api/v1/partners/invitations', { countryCode: 'NL', partyId: 'EMS', role: 'EMSP' });
    assert.equal(invitation.status, 201, invitation.text);
    await emsp.registerWithCpo({ cpoVersionsUrl: invitation.body.versionsUrl, tokenA: invitation.body.token });
    partnerId = invitation.body.partnerId;

    assert.equal((await api('PUT', `/api/v1/tariffs/${TARIFF.id}`, TARIFF)).status, 201);
    assert.equal((await api('POST', '/api/v1/chargers', { id: CHARGER, password: 'charger-secret-1', locationId: LOCATION })).status, 201);
    assert.equal((await api('POST', `/api/v1/tariffs/${TARIFF.id}/assignments`, { chargerId: CHARGER, timeZone: 'Europe/Amsterdam' })).status, 201);
    await waitFor(async () => ((await api<{ total: number }>('GET', `/api/v1/tariff-assignments?chargerId=${CHARGER}`)).body.total === 1 ? true : undefined), 'assignment projected');
    charger = await startSimulatedCharger({
      url: roamgate.ws,
      id: CHARGER,
      password: 'charger-secret-1',
      protocol: 'ocpp1.6',
      profile: { vendor: 'Acme', model: 'R1', firmwareVersion: '2.1', connectors: 2, meterValueIntervalS: 1, maxPowerW: 22_000 },
    });
    await waitFor(async () => {
      const c = await api<{ connected: boolean; bootStatus: string }>('GET', `/api/v1/chargers/${CHARGER}`);
      return c.body.connected && c.body.bootStatus === 'ACCEPTED' ? true : undefined;
    }, 'charger booted');

    assert.equal((await api('POST', '/api/v1/chargers', { id: FAULTY, password: 'charger-secret-2', locationId: LOCATION })).status, 201);
    assert.equal((await api('POST', `/api/v1/tariffs/${TARIFF.id}/assignments`, { chargerId: FAULTY, timeZone: 'Europe/Amsterdam' })).status, 201);
    await waitFor(async () => ((await api<{ total: number }>('GET', `/api/v1/tariff-assignments?chargerId=${FAULTY}`)).body.total === 1 ? true : undefined), 'assignment projected');
    faulty = await startSimulatedCharger({
      url: roamgate.ws,
      id: FAULTY,
      password: 'charger-secret-2',
      protocol: 'ocpp1.6',
      faults: { meterStopBelowStart: true },
      profile: { vendor: 'Acme', model: 'R0', firmwareVersion: '0.9', connectors: 1, meterValueIntervalS: 1, maxPowerW: 22_000 },
    });
    await waitFor(async () => ((await api<{ bootStatus: string }>('GET', `/api/v1/chargers/${FAULTY}`)).body.bootStatus === 'ACCEPTED' ? true : undefined), 'faulty charger booted');

    for (let i = 0; i <= SESSIONS; i++) await emsp.pushToken(token(`RECON-${i}`));
    // A charger's Authorize is answered from the gateway's token cache, one bus hop behind the connector: a session
    // started before the token arrived there would run as a local one, with no partner and no CDR for the eMSP.
    for (let i = 0; i <= SESSIONS; i++) {
      await waitFor(async () => ((await api<{ tokens: unknown[] }>('GET', `/api/v1/token-cache/RECON-${i}`)).body.tokens.length > 0 ? true : undefined), `token RECON-${i} in the gateway's cache`);
    }
    const bad = await waitFor(async () => (await faulty.startLocalSession(1, `RECON-${SESSIONS}`)) ?? undefined, 'session on the faulty charger');
    assert.ok(bad);
    await waitFor(() => ((faulty.activeSessions()[0]?.samples ?? 0) >= 2 ? true : undefined), 'two samples on the faulty charger');
    faulty.stopLocalSession(1);
    for (let round = 0; round < SESSIONS / 2; round++) {
      for (const connector of [1, 2]) {
        const uid = `RECON-${round * 2 + connector - 1}`;
        const started = await waitFor(async () => (await charger.startLocalSession(connector, uid)) ?? undefined, `session for ${uid}`);
        assert.ok(started);
      }
      await waitFor(() => (charger.activeSessions().every((s) => s.samples >= 2) ? true : undefined), 'two meter samples each');
      for (const connector of [1, 2]) charger.stopLocalSession(connector);
      await waitFor(() => (charger.activeSessions().length === 0 ? true : undefined), 'connectors free');
    }

    cdrs = await waitFor(async () => {
      const list = await api<{ items: CdrDoc[]; total: number }>('GET', `/api/v1/cdrs?partnerId=${partnerId}&status=ISSUED&limit=100`);
      return list.body.total === CDRS && list.body.items.every((c) => c.delivery.status === 'DELIVERED') ? list.body.items : undefined;
    }, 'every CDR issued and acknowledged by the eMSP', 60_000);
    for (const cdr of cdrs) assert.equal((await api<{ matches: boolean }>('POST', `/api/v1/cdrs/${cdr.id}/replay`)).body.matches, true);
    await waitFor(() => (emsp.snapshot().cdrs.length === CDRS ? true : undefined), 'the eMSP holds every CDR');
    const faultySession = (await api<{ items: { id: string }[] }>('GET', `/api/v1/sessions?chargerId=${FAULTY}`)).body.items[0]!;
    faultyCdrId = cdrs.find((c) => c.sessionId === faultySession.id)!.id;
    // The reconciler's facts are its own projections: wait until they carry the replays and deliveries.
    for (const cdr of cdrs) {
      await waitFor(async () => {
        const facts = await api<{ cdr: { delivery: string; replay: { matches: boolean } | null }; session: { stopped: boolean } | null; sessionPushes: { acknowledged: number } | null }>(
          'GET',
          `/api/v1/recon/facts/cdrs/${cdr.id}`,
        );
        const pushed = (facts.body.sessionPushes?.acknowledged ?? 0) > 0;
        return facts.status === 200 && facts.body.cdr.delivery === 'ACKNOWLEDGED' && facts.body.cdr.replay?.matches && facts.body.session?.stopped && pushed ? true : undefined;
      }, `the reconciler's facts of CDR ${cdr.id}`);
    }
  });

  after(async () => {
    await charger?.stop();
    await faulty?.stop();
    await emsp?.stop();
    await roamgate?.close();
  });

  it('reconciles the settlement file to exactly the injected exceptions, each with its owner and evidence', async () => {
    const ids = cdrs.map((c) => c.id).filter((id) => id !== faultyCdrId).sort();
    injections = [
      { cdrId: ids[0]!, kind: 'amount' },
      { cdrId: ids[1]!, kind: 'energy' },
      { cdrId: ids[2]!, kind: 'duration' },
      { cdrId: ids[3]!, kind: 'currency' },
      { cdrId: ids[4]!, kind: 'tariff' },
      { cdrId: ids[5]!, kind: 'missing' },
      { cdrId: ids[6]!, kind: 'duplicate' },
      { cdrId: 'NEVER-ISSUED-BY-US', kind: 'unknown' },
    ];
    const file = emsp.settlementFile({ format: 'csv', inject: injections });
    const path = join(roamgate.dataDir, 'settlement.csv');
    writeFileSync(path, file.content);

    const run = await cli(roamgate.base, ['recon', 'import', '--partner', partnerId, path, '--json']);
    assert.equal(run.exitCode, 0, run.out);
    imported = JSON.parse(run.out) as ImportResult;
    assert.ok(run.progress.some((line) => /records\/s/.test(line)), `progress on stderr: ${run.progress.join(' | ')}`);
    assert.equal(imported.records, file.rows.length);
    assert.equal(imported.parseErrors, 0);
    assert.equal(imported.ourCdrs, CDRS);

    // The simulator's manifest says which exception each injection must raise and who owns it (the partner, for
    // all of them: even the unknown record names a session and CDR id we never issued, at no EVSE of ours).
    assert.deepEqual(file.discrepancies.map((d) => d.kind).sort(), injections.map((i) => i.kind).sort());
    const page = await waitFor(async () => {
      const p = await exceptionsOf(`partner=${partnerId}&limit=100`);
      return p.total === injections.length + 1 ? p : undefined;
    }, 'the exceptions in the queue');
    const got = page.items.map((e) => `${e.type}/${e.owner}/${e.ourCdrId ?? e.partnerRef}`).sort();
    const want = [...file.discrepancies.map((d) => `${d.expected.type}/${d.expected.owner}/${d.cdrId}`), `CHARGER_ANOMALY/CHARGER/${faultyCdrId}`].sort();
    assert.deepEqual(got, want);
    assert.equal(imported.byOwner['UNKNOWN'] ?? 0, 0, 'no exception is left without an owner');
    const unknown = page.items.find((e) => e.type === 'UNKNOWN_TO_US')!;
    assert.equal(unknown.rule, 'UNKNOWN-IDS-NEVER-ISSUED');
    assert.equal(unknown.facts['sessionKnown'], 'false', JSON.stringify(unknown.facts));
    assert.equal(imported.exceptions, injections.length + 1);
    for (const e of page.items) {
      assert.equal(e.status, 'OPEN');
      assert.notEqual(e.rule, '', `${e.type} names its rule`);
      assert.ok(Object.keys(e.facts).length > 0, `${e.type} keeps its evidence`);
    }
    const amount = page.items.find((e) => e.type === 'AMOUNT_MISMATCH')!;
    assert.equal(amount.amountAtRisk !== null && Number(amount.amountAtRisk) > 0, true, JSON.stringify(amount));
  });

  it('imports the same file again without opening any exception twice', async () => {
    const again = await api<ImportResult>('POST', `/api/v1/recon/imports?partner=${partnerId}&fileName=again.csv`, undefined);
    assert.equal(again.status, 400, 'an empty body has no records and no period');
    const file = readFileSync(join(roamgate.dataDir, 'settlement.csv'), 'utf8');
    const r = await fetch(`${roamgate.base}/api/v1/recon/imports?partner=${partnerId}&fileName=again.csv`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'text/csv' }, body: file });
    const result = (await r.json()) as ImportResult;
    assert.equal(r.status, 201, JSON.stringify(result));
    assert.equal(result.exceptions, injections.length + 1);
    assert.equal(result.exceptionsOpened, 0);

    // The partner's window (how far apart two starts may be compared) is a setting the matcher gets.
    const refused = await api<{ message: string }>('PUT', `/api/v1/recon/partners/${partnerId}/settings`, { windowS: 5 });
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /windowS/);
    const set = await cli(roamgate.base, ['recon', 'settings', 'set', partnerId, '--window-s', '7200', '--json']);
    assert.equal(set.exitCode, 0, set.out);
    assert.equal((JSON.parse(set.out) as { windowS: number }).windowS, 7200);

    // The eMSP's JSON file ({ "records": [...] }) holds the same records: the same exceptions, none opened twice.
    const json = emsp.settlementFile({ format: 'json', inject: injections });
    const jsonPath = join(roamgate.dataDir, 'settlement.json');
    writeFileSync(jsonPath, json.content);
    const run = await cli(roamgate.base, ['recon', 'import', '--partner', partnerId, jsonPath, '--json']);
    assert.equal(run.exitCode, 0, run.out);
    const fromJson = JSON.parse(run.out) as ImportResult;
    assert.equal(fromJson.format, 'json');
    assert.deepEqual([fromJson.records, fromJson.parseErrors], [json.rows.length, 0], JSON.stringify(fromJson.parseErrorSamples));
    assert.equal(fromJson.exceptions, injections.length + 1);
    assert.equal(fromJson.exceptionsOpened, 0);
    assert.equal(fromJson.byOwner['UNKNOWN'] ?? 0, 0);
  });

  it('moves an exception through its workflow and refuses transitions it does not allow with 409', async () => {
    const [first, second] = (await exceptionsOf(`partner=${partnerId}&type=AMOUNT_MISMATCH`)).items.concat((await exceptionsOf(`partner=${partnerId}&type=ENERGY_MISMATCH`)).items);
    assert.ok(first && second);
    const investigate = await cli(roamgate.base, ['recon', 'exceptions', 'investigate', first.id, '--note', 'asked the partner']);
    assert.equal(investigate.exitCode, 0, investigate.out);
    assert.match(investigate.out, /INVESTIGATING/);
    assert.equal((await api('POST', `/api/v1/recon/exceptions/${first.id}/investigate`, {})).status, 409);
    assert.equal((await api('POST', `/api/v1/recon/exceptions/${first.id}/resolve`, { note: 'no resolution' })).status, 400);
    const resolved = await api<{ status: string }>('POST', `/api/v1/recon/exceptions/${first.id}/resolve`, { resolution: 'PARTNER_CORRECTED', note: 'partner re-sent the record' });
    assert.deepEqual([resolved.status, resolved.body.status], [200, 'RESOLVED']);
    const refused = await api<{ message: string }>('POST', `/api/v1/recon/exceptions/${first.id}/accept`, { note: 'too late' });
    assert.equal(refused.status, 409);
    assert.match(refused.body.message, /already RESOLVED/);
    assert.equal((await api('POST', `/api/v1/recon/exceptions/${second.id}/accept`, { note: 'within contract tolerance' })).status, 200);
    assert.equal((await api('POST', '/api/v1/recon/exceptions/no-such-exception/accept', { note: 'x' })).status, 404);

    const shown = await waitFor(async () => {
      const doc = (await api<ExceptionDocument>('GET', `/api/v1/recon/exceptions/${first.id}`)).body;
      return doc.status === 'RESOLVED' ? doc : undefined;
    }, 'the resolution projected');
    assert.deepEqual(shown.history.map((h) => `${h.from}->${h.to}`), ['OPEN->INVESTIGATING', 'INVESTIGATING->RESOLVED']);
    assert.equal(shown.resolution, 'PARTNER_CORRECTED');
    await waitFor(async () => ((await exceptionsOf(`partner=${partnerId}&status=ACCEPTED`)).total === 1 ? true : undefined), 'the accepted one in the queue');
    const list = await cli(roamgate.base, ['recon', 'exceptions', 'list', '--partner', partnerId, '--owner', 'PARTNER']);
    assert.match(list.out, /MISSING_AT_PARTNER/);
  });

  it('explains a session in one ordered timeline: OCPP frames, OCPI calls, tariff, CDR, replay, delivery and the exception with its owner', async () => {
    const amount = (await exceptionsOf(`partner=${partnerId}&type=AMOUNT_MISMATCH`)).items[0]!;
    const sessionId = amount.sessionId!;
    const timeline = (await api<Timeline>('GET', `/api/v1/sessions/${sessionId}/timeline`)).body;
    assert.equal(timeline.cdrId, amount.ourCdrId);
    assert.equal(timeline.partnerId, partnerId);
    const sources = new Set(timeline.entries.map((e) => e.source));
    for (const source of ['SESSION', 'OCPP', 'OCPI', 'TARIFF', 'CDR', 'REPLAY', 'DELIVERY', 'EXCEPTION']) assert.ok(sources.has(source as never), `${source} in ${[...sources].join(', ')}`);
    assert.ok(timeline.entries.some((e) => e.source === 'OCPP' && /StartTransaction/.test(e.summary)));
    assert.ok(timeline.entries.some((e) => e.source === 'OCPI' && /cdrs/.test(e.summary)));
    assert.ok(timeline.entries.some((e) => e.source === 'EXCEPTION' && /AMOUNT_MISMATCH owned by PARTNER/.test(e.summary)));
    const times = timeline.entries.map((e) => e.at).filter((t): t is string => t !== null).map((t) => Date.parse(t));
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'ordered by time');
    assert.ok(timeline.sources.every((s) => s.ok), JSON.stringify(timeline.sources));

    const cleanId = cdrs.map((c) => c.id).filter((id) => id !== faultyCdrId).sort()[7];
    const clean = cdrs.find((c) => c.id === cleanId)!;
    const matched = (await api<Timeline>('GET', `/api/v1/sessions/${clean.sessionId}/timeline`)).body;
    assert.ok(matched.reconciliation.matched?.clean, JSON.stringify(matched.reconciliation));
    assert.equal(matched.reconciliation.exceptions.length, 0);

    const explained = await cli(roamgate.base, ['session', 'explain', sessionId]);
    assert.equal(explained.exitCode, 0, explained.out);
    assert.match(explained.out, /AMOUNT_MISMATCH\/PARTNER/);
    assert.match(explained.out, /OCPP\s+<- StartTransaction/);
    assert.equal((await api('GET', '/api/v1/sessions/NO-SUCH-SESSION/timeline')).status, 404);
  });

  it('reports match rate, amounts at risk and exceptions by type and owner as JSON, CSV and self-contained HTML', async () => {
    const json = await api<{ ourCdrs: number; matched: number; matchRate: number; byOwner: Record<string, number>; byType: Record<string, number>; amountsAtRisk: { currency: string }[] }>(
      'GET',
      `/api/v1/recon/reports?partner=${partnerId}`,
    );
    assert.equal(json.status, 200, json.text);
    assert.equal(json.body.ourCdrs, CDRS);
    assert.equal(json.body.matched, CDRS - 1, 'all but the missing one');
    assert.equal(json.body.matchRate, Math.round(((CDRS - 1) / CDRS) * 10_000) / 10_000);
    assert.equal(json.body.byOwner['PARTNER'], 8);
    assert.equal(json.body.byOwner['UNKNOWN'] ?? 0, 0);
    assert.equal(json.body.byOwner['CHARGER'], 1);
    assert.equal(json.body.byType['DUPLICATE'], 1);
    assert.ok(json.body.amountsAtRisk.some((a) => a.currency === 'EUR'));

    const csv = await api<string>('GET', `/api/v1/recon/reports?partner=${partnerId}&format=csv`);
    assert.match(csv.type, /text\/csv/);
    assert.match(csv.text, /^metric,type,owner,currency,value\n/);
    assert.match(csv.text, /\nexceptions_by_owner,,PARTNER,,8\n/);

    const html = await cli(roamgate.base, ['recon', 'report', '--partner', partnerId, '--format', 'html']);
    assert.equal(html.exitCode, 0, html.out);
    assert.match(html.out, /<svg[^>]*role="img"/);
    assert.doesNotMatch(html.out, /<script|<link|src="http/, 'nothing fetched from elsewhere');
    assert.equal((await api('GET', '/api/v1/recon/reports?partner=NL-EMS&format=pdf')).status, 400);
    assert.equal((await api('GET', '/api/v1/recon/reports')).status, 400);
  });
});
