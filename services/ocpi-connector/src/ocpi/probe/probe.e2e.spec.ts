import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Module, type INestApplication } from '@nestjs/common';
import { loadConfig } from '@roamgate/config';
import { startEmspSimulator, type EmspSimulator, type Token } from '@roamgate/emsp-simulator';
import type { EventStore } from '@roamgate/event-store';
import { ApiClient, EVENT_STORE, startRoamgate } from '@roamgate/runtime';
import { freePort } from '@roamgate/runtime/testing';
import { Command } from 'commander';
import { registerPartnerCommands } from '../../cli/partners.command';
import { ocpiConnector, OcpiConnectorModule } from '../../ocpi-connector.module';
import { PROBE_CHECKS, type ProbeReport } from './partner-probe';

const ADMIN = 'p'.repeat(32);

@Module({ imports: [OcpiConnectorModule.withSettings({ countryCode: 'NL', partyId: 'RGT', secretKey: Buffer.alloc(32, 7) })] })
class TestOcpiModule {}

const token = (uid: string): Token =>
  ({ country_code: 'NL', party_id: 'EMS', uid, type: 'RFID', contract_id: `NL-EMS-${uid}`, issuer: 'Simulated eMSP', valid: true, whitelist: 'ALLOWED', last_updated: '2025-01-01T00:00:00Z' }) as Token;

describe('roamgate partners probe: the partner OCPI endpoints checked over HTTP against the eMSP simulator, findings recorded as PartnerProbed', () => {
  let app: INestApplication;
  let base: string;
  let dir: string;
  let emsp: EmspSimulator;
  const saved = { ...process.env };

  const probe = async (partnerId: string) => {
    const response = await fetch(`${base}/api/v1/partners/${partnerId}/probe`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    return { status: response.status, body: (await response.json()) as ProbeReport & { message?: string } };
  };
  const admin = () => new ApiClient({ url: base, token: ADMIN });
  const failed = (report: ProbeReport) => report.findings.filter((f) => !f.passed).map((f) => f.check);
  const probes = async () => (await app.get<EventStore>(EVENT_STORE, { strict: false }).readStream('partner-NL-EMS')).filter((e) => e.type === 'PartnerProbed');

  before(async () => {
    Object.assign(process.env, { OCPI_REQUEST_TIMEOUT_MS: '3000' });
    dir = mkdtempSync(join(tmpdir(), 'ocpi-probe-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dir, ROAMGATE_ADMIN_TOKEN: ADMIN, ROAMGATE_PUBLIC_URL: base, LOG_LEVEL: 'error' });
    app = await startRoamgate({ processName: 'test', services: [{ descriptor: ocpiConnector.descriptor, module: TestOcpiModule }], config });
    emsp = await startEmspSimulator({ host: '127.0.0.1', countryCode: 'NL', partyId: 'EMS', tokens: [token('T-1'), token('T-2'), token('T-3')] });
    const invitation = await admin().request<{ versionsUrl: string; token: string }>('POST', '/api/v1/partners/invitations', { countryCode: 'NL', partyId: 'EMS', role: 'EMSP' });
    await emsp.registerWithCpo({ cpoVersionsUrl: invitation.versionsUrl, tokenA: invitation.token });
  });

  after(async () => {
    await app?.close();
    await emsp?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.env = saved;
  });

  it('passes every check against a healthy partner, follows the Link header, and records PartnerProbed with the findings', async () => {
    const { status, body } = await probe('NL-EMS');
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.findings.map((f) => f.check), [...PROBE_CHECKS]);
    assert.deepEqual(failed(body), [], JSON.stringify(body.findings, null, 2));
    assert.match(body.findings.find((f) => f.check === 'tokens.pagination')!.detail, /X-Total-Count 3, X-Limit 100; Link rel="next" followed/);
    const recorded = await probes();
    assert.equal(recorded.length, 1);
    const data = recorded[0]!.data as { partnerId: string; findings: { check: string; passed?: boolean }[] };
    assert.equal(data.partnerId, 'NL-EMS');
    assert.equal(data.findings.length, PROBE_CHECKS.length);
    assert.ok(data.findings.every((f) => f.passed === true));
    const calls = emsp.snapshot().calls.filter((c) => c.direction === 'in' && /\/tokens\?/.test(c.url));
    assert.deepEqual(calls.map((c) => new URL(c.url).searchParams.get('offset')), ['0', '1'], 'the first page and the page the Link named');
  });

  it('fails the token checks while the tokens endpoint is down, and the response_url check when its host drops connections', async () => {
    emsp.endpointDownFor('tokens', 60_000);
    emsp.endpointDownFor('commands', 60_000, 'reset');
    try {
      const { status, body } = await probe('NL-EMS');
      assert.equal(status, 200);
      assert.deepEqual(failed(body), ['tokens.endpoint', 'tokens.pagination', 'commands.response_url']);
      assert.match(body.findings.find((f) => f.check === 'tokens.endpoint')!.detail, /HTTP 503/);
      assert.equal(body.passed, 3);
    } finally {
      emsp.restoreEndpoint('tokens');
      emsp.restoreEndpoint('commands');
    }
    assert.equal((await probes()).length, 2);
  });

  it('answers 404 for an unknown partner and 409 for one not registered', async () => {
    assert.equal((await probe('XX-NOP')).status, 404);
    await admin().request('POST', '/api/v1/partners/invitations', { countryCode: 'DE', partyId: 'INV', role: 'EMSP' });
    const invited = await probe('DE-INV');
    assert.equal(invited.status, 409);
    assert.match(invited.body.message ?? '', /invited, not registered/);
  });

  it('`partners probe` prints every finding and exits 2 once the partner is gone, after recording the failed probe', async () => {
    await emsp.stop();
    const printed: string[] = [];
    const program = new Command('roamgate').exitOverride();
    registerPartnerCommands(program, { client: admin, print: (line) => printed.push(line) });
    const exitCode = process.exitCode;
    await program.parseAsync(['node', 'roamgate', 'partners', 'probe', 'NL-EMS']);
    const code = process.exitCode;
    process.exitCode = exitCode;
    assert.equal(code, 2, printed.join('\n'));
    assert.match(printed[0]!, /^NL-EMS: 0 of 6 checks passed/);
    assert.ok(printed.slice(1).every((line) => line.trimStart().startsWith('FAIL')), printed.join('\n'));
    assert.match(printed.find((l) => l.includes('commands.response_url'))!, /ECONNREFUSED/);
    const last = (await probes()).at(-1)!.data as { findings: { passed?: boolean }[] };
    assert.ok(last.findings.every((f) => f.passed !== true));
  });
});
