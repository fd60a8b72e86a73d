import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { simulateFleet, type Fleet } from '@roamgate/charger-simulator';
import { startEmspSimulator, type EmspSimulator } from '@roamgate/emsp-simulator';
import { ApiClient } from '@roamgate/runtime';
import { freePort, waitFor } from '@roamgate/runtime/testing';
import { Reporter, type DecisionLine, type DemoMetrics, type EvaluationView } from './reporter';
import { startRoamgateProcess, type RoamgateProcess } from './roamgate-process';
import {
  CHARGER_PASSWORD,
  DEMO_THRESHOLDS,
  DEMO_WINDOW_SECONDS,
  demoChargers,
  evseOf,
  FLEET_SIZE,
  ID_PREFIX,
  MIX,
  PLAN_ID,
  PROCESS_ENV,
  ROUNDS,
  SITES,
  TARIFF,
  TOKENS,
  type DemoCharger,
} from './scenario';

export interface DemoOptions {
  readonly json: boolean;
  readonly keepRunning: boolean;
  /** Folder for the evidence pack and the settlement files; a new temporary folder by default. */
  readonly out?: string;
  readonly port?: number;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

export interface DemoResult {
  readonly decisions: readonly DecisionLine[];
  readonly evidenceDir: string;
  readonly files: readonly string[];
  readonly elapsedMs: number;
}

type Decision = EvaluationView['decision'];

interface CdrDoc {
  readonly id: string;
  readonly sessionId: string;
  readonly delivery: { readonly status: string };
}

/**
 * `roamgate demo`: a phased roaming launch end to end, driven like an operator and a partner would drive it (the
 * operations API, OCPI from the simulated eMSP, OCPP from the simulated chargers), against a standalone process
 * it starts. The scenario expects each decision; a different one stops the demo with the evaluation's summary.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const startedAt = Date.now();
  const report = new Reporter(options.json, options.stdout ?? ((t) => void process.stdout.write(`${t}\n`)), options.stderr ?? ((t) => void process.stderr.write(`${t}\n`)), startedAt);
  const evidenceDir = options.out ? resolve(options.out) : mkdtempSync(join(tmpdir(), 'roamgate-demo-evidence-'));
  mkdirSync(evidenceDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-demo-data-'));
  const adminToken = randomBytes(24).toString('base64url');
  const port = options.port ?? (await freePort());
  const chargers = demoChargers();
  const firstGroup = chargers.filter((c) => c.vendor !== 'Bravo');
  const wave = chargers.filter((c) => c.vendor === 'Bravo');
  const decisions: DecisionLine[] = [];
  const files: string[] = [];
  let roamgate: RoamgateProcess | undefined;
  let emsp: EmspSimulator | undefined;
  let fleet: Fleet | undefined;
  let keep = false;

  const write = (name: string, content: string): string => {
    const file = join(evidenceDir, name);
    writeFileSync(file, content);
    files.push(file);
    return file;
  };

  try {
    report.note(`starting Roamgate (all five services, embedded storage) on port ${port}; data in ${dataDir}`);
    report.note(
      `demo settings: plan thresholds ${Object.entries(DEMO_THRESHOLDS).map(([k, v]) => `${k}=${v}`).join(', ')}; evaluation window ${DEMO_WINDOW_SECONDS / 3600} h; ` +
        'scheduled evaluations off (LAUNCH_EVALUATION_INTERVAL_SECONDS=0): the demo evaluates on demand. Small samples so minutes of traffic can prove a phase; a real pilot keeps the defaults.',
    );
    roamgate = await startRoamgateProcess({ port, dataDir, adminToken, env: PROCESS_ENV, detached: options.keepRunning });
    const api = new ApiClient({ url: roamgate.url, token: adminToken });
    const call = <T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown) => api.request<T>(method as 'GET', path, body);

    emsp = await startEmspSimulator({ host: '127.0.0.1', countryCode: 'NL', partyId: 'EMS', businessName: 'Demo eMSP', tokens: TOKENS, commandResultTimeoutMs: 60_000 });
    const invitation = await call<{ partnerId: string; token: string; versionsUrl: string }>('POST', '/api/v1/partners/invitations', { countryCode: 'NL', partyId: 'EMS', role: 'EMSP', name: 'Demo eMSP' });
    await emsp.registerWithCpo({ cpoVersionsUrl: invitation.versionsUrl, tokenA: invitation.token });
    const partnerId = invitation.partnerId;
    for (const token of TOKENS) await emsp.pushToken(token);
    report.note(`the simulated eMSP ${partnerId} registered (credentials handshake) and pushed ${TOKENS.length} RFID tokens`);

    await call('PUT', `/api/v1/tariffs/${TARIFF.id}`, TARIFF);
    for (const c of chargers) {
      await call('POST', '/api/v1/chargers', { id: c.id, password: CHARGER_PASSWORD, locationId: c.locationId });
      await call('POST', `/api/v1/tariffs/${TARIFF.id}/assignments`, { chargerId: c.id, timeZone: 'Europe/Amsterdam' });
    }
    for (const site of SITES) await call('POST', '/api/v1/locations', site);
    for (const c of chargers) await call('POST', `/api/v1/locations/${c.locationId}/evses`, evseOf(c));
    write('charger-mix.json', `${JSON.stringify(MIX, null, 2)}\n`);
    fleet = await simulateFleet({ url: `ws://127.0.0.1:${port}/ocpp`, count: FLEET_SIZE, protocol: 'ocpp1.6', mix: MIX, idPrefix: ID_PREFIX, password: CHARGER_PASSWORD });
    if (fleet.connectErrors.length > 0) throw new Error(`chargers could not connect: ${fleet.connectErrors.map((e) => `${e.chargerId}: ${e.message}`).join('; ')}`);
    for (const c of chargers) {
      await waitFor(async () => ((await call<{ connected: boolean; bootStatus: string }>('GET', `/api/v1/chargers/${c.id}`)).bootStatus === 'ACCEPTED' ? true : undefined), `${c.id} booted`, 60_000, 100);
      await waitFor(async () => ((await call<{ total: number }>('GET', `/api/v1/tariff-assignments?chargerId=${c.id}`)).total > 0 ? true : undefined), `tariff at ${c.id}`, 30_000, 100);
    }
    report.note(`${chargers.length} chargers connected over OCPP 1.6J: ${chargers.map((c) => `${c.id} ${c.vendor} ${c.model} fw ${c.firmware}${c.faulty ? ' (faulty: rejects remote starts)' : ''}`).join(', ')}`);
    report.note(`sites ${SITES.map((s) => s.id).join(' and ')} with one EVSE per charger; tariff ${TARIFF.id} (EUR 0.35/kWh + 1.20/h) at every charger`);

    const publishedEvses = (): string[] =>
      [...emsp!.received.locations.values()]
        .flatMap((l) => ((l as { evses?: { uid: string; status: string }[] }).evses ?? []).filter((e) => e.status !== 'REMOVED').map((e) => e.uid))
        .sort();
    const awaitPublished = (uids: readonly string[], what: string) =>
      waitFor(() => (JSON.stringify(publishedEvses()) === JSON.stringify([...uids].sort()) ? true : undefined), what, 60_000, 100);

    await call('POST', '/api/v1/launch/plans', {
      planId: PLAN_ID,
      name: `Demo: ${partnerId} pilot`,
      partnerId,
      group: { chargerIds: firstGroup.map((c) => c.id) },
      expansionWaves: [{ chargerIds: wave.map((c) => c.id) }],
      tariffOwner: 'CPO',
      tokenFlows: [{ tokenType: 'RFID', whitelist: 'ALLOWED', realTimeAuthorization: false }],
      sourcesOfTruth: [
        { object: 'LOCATIONS', owner: 'ROAMGATE' },
        { object: 'TARIFFS', owner: 'ROAMGATE' },
        { object: 'TOKENS', owner: 'PARTNER' },
        { object: 'SESSIONS', owner: 'ROAMGATE' },
        { object: 'CDRS', owner: 'ROAMGATE' },
      ],
      thresholds: DEMO_THRESHOLDS,
      evaluationWindowSeconds: DEMO_WINDOW_SECONDS,
      by: 'demo',
    });
    await awaitPublished(firstGroup.map((c) => c.evseUid), 'the first group published to the eMSP');
    report.note(`launch plan ${PLAN_ID} created in phase 1; the eMSP received exactly the first group: ${publishedEvses().join(', ')} (${describeModels(firstGroup)})`);

    let phase = 1;
    /**
     * Evaluates until the evaluation has seen what the demo did (`caughtUp`): facts reach the gate evaluator over
     * the bus, a moment after the API that caused them answered. Each evaluation is recorded; the early ones are
     * counted in the decision line. Then checks the decision is the scenario's and applies it.
     */
    const decide = async (expected: Decision, caughtUp: (m: DemoMetrics) => boolean, note: string, widen?: unknown): Promise<EvaluationView> => {
      let evaluation: EvaluationView | undefined;
      let early = 0;
      await new Promise((r) => setTimeout(r, 300));
      for (let attempt = 0; ; attempt++) {
        evaluation = await call<EvaluationView>('POST', `/api/v1/launch/plans/${PLAN_ID}/evaluate`, { by: 'demo' });
        if (caughtUp(evaluation.metrics) || attempt >= 30) break;
        early += 1;
        await new Promise((r) => setTimeout(r, 500));
      }
      const failing = evaluation.gates.filter((g) => !g.passed).map((g) => ({ gate: g.gate, group: g.group, value: g.value, threshold: g.threshold, detail: g.detail }));
      if (evaluation.decision !== expected) {
        throw new Error(`the scenario expected ${expected} in phase ${evaluation.phase}, the gates decided ${evaluation.decision}: ${evaluation.summary}`);
      }
      const applied = await call<{ events: string[]; plan: { phase: number } }>('POST', `/api/v1/launch/plans/${PLAN_ID}/decisions/${evaluation.evaluationId}/apply`, {
        note,
        by: 'demo',
        ...(widen === undefined ? {} : { widen }),
      });
      phase = applied.plan.phase;
      const line: DecisionLine = {
        type: 'decision',
        step: decisions.length + 1,
        elapsedMs: report.elapsed(),
        planId: PLAN_ID,
        evaluationId: evaluation.evaluationId,
        phase: evaluation.phase,
        phaseName: evaluation.phaseName,
        decision: evaluation.decision,
        rule: evaluation.rule,
        summary: evaluation.summary,
        failing,
        applied: applied.events,
        phaseAfter: phase,
        earlyEvaluations: early,
      };
      decisions.push(line);
      report.decision(line);
      return evaluation;
    };

    // Phase 1: scope. The partner's OCPI endpoints are probed; plan declarations and charger identities are checked.
    const probe = await call<{ passed: number; checks: number; findings: { check: string; passed: boolean }[] }>('POST', `/api/v1/partners/${partnerId}/probe`);
    report.note(`phase 1: probed ${partnerId}: ${probe.passed} of ${probe.checks} checks passed (${probe.findings.map((f) => `${f.check} ${f.passed ? 'ok' : 'FAILED'}`).join(', ')})`);
    await decide('EXPAND', (m) => m.probe.probedAt !== null && m.chargers.identified === m.chargers.inScope, 'phase 1 gates hold: declarations, chargers identified, partner probed');

    // Phase 2: remote starts and stops through OCPI on every charger of the group, faulty model included.
    report.note(`phase 2: the eMSP sends START_SESSION / STOP_SESSION through OCPI, ${ROUNDS} rounds on ${firstGroup.map((c) => c.id).join(', ')}`);
    const traffic = { commands: new Map<string, number>(), sessions: new Map<string, number>() };
    const seenSessions = new Set<string>();
    const remoteSession = async (charger: DemoCharger, tokenIndex: number): Promise<void> => {
      const count = (map: Map<string, number>) => map.set(charger.id, (map.get(charger.id) ?? 0) + 1);
      const start = await emsp!.sendCommand('START_SESSION', { token: { ...TOKENS[tokenIndex % TOKENS.length]! }, location_id: charger.locationId, evse_uid: charger.evseUid, connector_id: '1' });
      if (start.response?.result !== 'ACCEPTED') throw new Error(`START_SESSION at ${charger.evseUid} answered ${start.response?.result ?? start.httpStatus}`);
      count(traffic.commands);
      const result = await start.result;
      if (result.result !== 'ACCEPTED') return void report.note(`  ${charger.id} (${charger.vendor} ${charger.model}): START_SESSION result ${result.result}`);
      const sessionOf = (status: string) =>
        [...emsp!.received.sessions.values()].find((s) => s.current['evse_uid'] === charger.evseUid && s.current['status'] === status && (status !== 'ACTIVE' || !seenSessions.has(s.id)));
      const session = await waitFor(() => sessionOf('ACTIVE'), `the session at ${charger.evseUid} pushed to the eMSP`, 60_000, 100);
      seenSessions.add(session.id);
      const simulated = fleet!.chargers.find((c) => c.id === charger.id)!;
      await waitFor(() => ((simulated.activeSessions()[0]?.samples ?? 0) >= 2 ? true : undefined), `meter values at ${charger.id}`, 30_000, 100);
      const stop = await emsp!.sendCommand('STOP_SESSION', { session_id: session.id });
      count(traffic.commands);
      const stopped = await stop.result;
      if (stopped.result !== 'ACCEPTED') throw new Error(`STOP_SESSION of ${session.id} at ${charger.id}: ${stopped.result}`);
      await waitFor(() => [...emsp!.received.sessions.values()].find((s) => s.id === session.id && s.current['status'] === 'COMPLETED'), `session ${session.id} COMPLETED at the eMSP`, 60_000, 100);
      count(traffic.sessions);
      report.note(`  ${charger.id} (${charger.vendor} ${charger.model}): session ${session.id} started and stopped through OCPI, ${String(emsp!.received.sessions.get(`NL/RGT/${session.id}`)?.current['kwh'] ?? '?')} kWh`);
    };
    for (let round = 0; round < ROUNDS; round++) await Promise.all(firstGroup.map((c, i) => remoteSession(c, round * firstGroup.length + i)));
    const total = (map: Map<string, number>, group: readonly DemoCharger[]) => group.reduce((sum, c) => sum + (map.get(c.id) ?? 0), 0);
    const good = firstGroup.filter((c) => !c.faulty);
    const faulty = firstGroup.filter((c) => c.faulty);
    await decide(
      'PAUSE',
      (m) => m.commands.decided === total(traffic.commands, firstGroup) && m.commands.pending === 0 && m.sessions.counted === total(traffic.sessions, firstGroup) && m.sessions.notAcknowledged === 0,
      `remote starts fail at ${describeModels(faulty)}`,
    );
    report.note(
      `every failed command is at ${describeModels(faulty)}: the model answers RemoteStartTransaction with Rejected. Attributed to the charger vendor; ` +
        'the operator takes the model out of the scope until a firmware fix, and resumes',
    );
    await call('PUT', `/api/v1/launch/plans/${PLAN_ID}/scope`, { group: { chargerIds: good.map((c) => c.id) }, reason: `${describeModels(faulty)} rejects remote starts: vendor ticket opened`, by: 'demo' });
    await awaitPublished(good.map((c) => c.evseUid), 'the faulty EVSEs unpublished');
    await call('POST', `/api/v1/launch/plans/${PLAN_ID}/resume`, { reason: 'failures attributed to the charger model, which left the scope', by: 'demo' });
    report.note(`scope narrowed to ${good.map((c) => c.id).join(', ')}; the eMSP got status REMOVED for ${faulty.map((c) => c.evseUid).join(', ')}; plan resumed`);
    await decide(
      'EXPAND',
      (m) => m.commands.decided === total(traffic.commands, good) && m.sessions.counted === total(traffic.sessions, good) && m.sessions.notAcknowledged === 0,
      'commands and sessions of the scope hold',
    );

    // Phase 3: CDRs, replay, the eMSP's settlement file.
    const sessions = total(traffic.sessions, good);
    const cdrs = await waitFor(
      async () => {
        const list = await call<{ items: CdrDoc[]; total: number }>('GET', `/api/v1/cdrs?partnerId=${partnerId}&status=ISSUED&limit=100`);
        return list.total === sessions && list.items.every((c) => c.delivery.status === 'DELIVERED') ? list.items : undefined;
      },
      'every CDR issued and delivered to the eMSP',
      60_000,
      200,
    );
    let replayed = 0;
    for (const cdr of cdrs) if ((await call<{ matches: boolean }>('POST', `/api/v1/cdrs/${cdr.id}/replay`)).matches) replayed += 1;
    for (const cdr of cdrs) {
      await waitFor(
        async () => {
          const facts = await call<{ cdr: { delivery: string; replay: { matches: boolean } | null }; session: { stopped: boolean } | null }>('GET', `/api/v1/recon/facts/cdrs/${cdr.id}`).catch(() => undefined);
          return facts?.cdr.delivery === 'ACKNOWLEDGED' && facts.cdr.replay !== null && facts.session?.stopped ? true : undefined;
        },
        `the reconciler's facts of CDR ${cdr.id}`,
        60_000,
        200,
      );
    }
    report.note(`phase 3: ${cdrs.length} CDRs issued and delivered to the eMSP; tariff replay reproduced ${replayed} of ${cdrs.length}; no settlement from the eMSP yet`);
    await decide('KEEP_NARROW', (m) => m.cdrs.issued === cdrs.length && m.cdrs.replayed === cdrs.length, 'no settlement yet: exposure is not settled');

    const disputed = cdrs.map((c) => c.id).sort()[0]!;
    const first = emsp.settlementFile({ format: 'csv', inject: [{ cdrId: disputed, kind: 'amount' }] });
    const firstFile = write(`settlement-1-${partnerId}.csv`, first.content);
    const firstImport = await importSettlement(roamgate.url, adminToken, partnerId, firstFile, first.content);
    report.note(
      `the eMSP's settlement file (${first.rows.length} records; it priced CDR ${disputed} differently: ${first.discrepancies.map((d) => `${d.field} ${d.received} -> ${d.reported}`).join(', ')}) ` +
        `imported: ${firstImport.matchedClean} of ${firstImport.ourCdrs} matched cleanly, exceptions ${JSON.stringify(firstImport.byType)} owned by ${JSON.stringify(firstImport.byOwner)}`,
    );
    await decide('KEEP_NARROW', (m) => m.cdrs.reconciled === cdrs.length && m.exceptions.total >= 1, 'a CDR in dispute with the partner: settlement lags exposure');

    const corrected = emsp.settlementFile({ format: 'csv' });
    const correctedFile = write(`settlement-2-${partnerId}-corrected.csv`, corrected.content);
    const secondImport = await importSettlement(roamgate.url, adminToken, partnerId, correctedFile, corrected.content);
    const open = await call<{ items: { id: string; type: string; owner: string }[] }>('GET', `/api/v1/recon/exceptions?partner=${partnerId}&status=OPEN&limit=100`);
    for (const x of open.items) await call('POST', `/api/v1/recon/exceptions/${x.id}/resolve`, { resolution: 'PARTNER_CORRECTED', note: 'the eMSP re-sent its settlement with our price' });
    report.note(
      `the eMSP corrected its price and re-sent the file: ${secondImport.matchedClean} of ${secondImport.ourCdrs} matched cleanly; ` +
        `${open.items.map((x) => `${x.type}/${x.owner}`).join(', ')} resolved as PARTNER_CORRECTED`,
    );
    await decide('EXPAND', (m) => m.cdrs.matchedClean === cdrs.length && m.exceptions.open === 0, 'CDRs reconciled and replayed; the dispute is resolved');

    // Phase 4: support readiness; EXPAND adds the next wave and the eMSP receives its EVSEs.
    report.note('phase 4: every exception has an owner and none is open: support is ready for the next wave');
    await decide('EXPAND', () => true, `support ready: adding ${describeModels(wave)}`);
    await awaitPublished([...good, ...wave].map((c) => c.evseUid), 'the new wave published to the eMSP');
    report.note(`the eMSP received the new EVSEs ${wave.map((c) => c.evseUid).join(', ')}; it now sees ${publishedEvses().join(', ')}`);

    const pack = await call<{ html: string; markdown: string }>('GET', `/api/v1/launch/plans/${PLAN_ID}/report`);
    write(`${PLAN_ID}-evidence.html`, pack.html);
    write(`${PLAN_ID}-evidence.md`, pack.markdown);
    write('decisions.jsonl', decisions.map((d) => JSON.stringify(d)).join('\n') + '\n');
    report.note(`evidence pack (roamgate launch report) written to ${evidenceDir}: ${files.map((f) => f.slice(evidenceDir.length + 1)).join(', ')}`);
    report.note(`decisions: ${decisions.map((d) => `${d.decision} (phase ${d.phase})`).join(' -> ')}; finished in ${(report.elapsed() / 1000).toFixed(1)} s`);

    if (options.keepRunning) {
      keep = true;
      roamgate.detach();
      report.note(
        `Roamgate keeps running at ${roamgate.url} (pid ${roamgate.pid}; data ${dataDir}; log ${roamgate.logFile}). ` +
          `Try: ROAMGATE_URL=${roamgate.url} ROAMGATE_ADMIN_TOKEN=${adminToken} npx roamgate launch show ${PLAN_ID}. ` +
          `The simulators stop with the demo. Stop Roamgate with: kill ${roamgate.pid}`,
      );
    }
    const elapsedMs = report.elapsed();
    report.summary({ planId: PLAN_ID, decisions: decisions.map((d) => d.decision), evidenceDir, files, elapsedMs, ...(keep ? { url: roamgate.url, pid: roamgate.pid, dataDir } : {}) });
    return { decisions, evidenceDir, files, elapsedMs };
  } catch (error) {
    if (roamgate) (options.stderr ?? ((t: string) => void process.stderr.write(`${t}\n`)))(`the Roamgate log ends with:\n${roamgate.logTail()}`);
    throw error;
  } finally {
    await fleet?.stop().catch(() => undefined);
    await emsp?.stop().catch(() => undefined);
    if (!keep) {
      await roamgate?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

interface ImportResult {
  readonly ourCdrs: number;
  readonly matchedClean: number;
  readonly byType: Readonly<Record<string, number>>;
  readonly byOwner: Readonly<Record<string, number>>;
}

/** `roamgate recon import` over the API: the file is the raw body. */
async function importSettlement(url: string, token: string, partnerId: string, file: string, content: string): Promise<ImportResult> {
  const name = file.split(/[\\/]/).at(-1)!;
  const response = await fetch(`${url}/api/v1/recon/imports?partner=${encodeURIComponent(partnerId)}&fileName=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: content,
  });
  const body = (await response.json()) as ImportResult & { message?: string };
  if (!response.ok) throw new Error(`importing ${name} failed with HTTP ${response.status}: ${body.message ?? JSON.stringify(body)}`);
  return body;
}

function describeModels(chargers: readonly DemoCharger[]): string {
  return [...new Set(chargers.map((c) => `${c.vendor} ${c.model} fw ${c.firmware}`))].join(', ');
}
