import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type EmspSimulator, startEmspSimulator } from './emsp';
import type { TokenEncoding } from './transport';
import { InvalidInput } from './validation';

export interface SimulateEmspIo {
  out(text: string): void;
  err(text: string): void;
  /** Ends the run like SIGINT does; tests use it instead of a signal. */
  readonly stop?: AbortSignal;
}

const processIo: SimulateEmspIo = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

interface SimulateEmspOptions {
  cpoVersionsUrl: string;
  tokenA: string;
  port: string;
  host: string;
  publicUrl?: string;
  countryCode: string;
  partyId: string;
  data?: string;
  duration?: string;
  plainTokens?: boolean;
  json?: boolean;
}

interface EmspPlan {
  readonly cpoVersionsUrl: string;
  readonly tokenA: string;
  readonly port: number;
  readonly host: string;
  readonly publicUrl?: string;
  readonly countryCode: string;
  readonly partyId: string;
  readonly data?: string;
  readonly durationS?: number;
  readonly tokenEncoding: TokenEncoding;
}

/** Adds `simulate emsp` under the program's `simulate` group, creating the group if no other simulator did. */
export function registerSimulateEmspCommand(program: Command, io: SimulateEmspIo = processIo): Command {
  const simulate =
    program.commands.find((command) => command.name() === 'simulate') ??
    program.command('simulate').description('simulated devices and partners for tests and demos');
  return simulate
    .command('emsp')
    .description('run a simulated OCPI 2.2.1 eMSP that registers with a CPO and keeps what it receives, until --duration or Ctrl-C')
    .requiredOption('--cpo-versions-url <url>', "the CPO's OCPI versions URL")
    .requiredOption('--token-a <token>', 'the token A the CPO issued for this eMSP')
    .option('--port <n>', 'port of the eMSP endpoints (0 picks a free one)', '0')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--public-url <url>', 'base URL the CPO should call back when it is not http://host:port')
    .option('--country-code <cc>', 'our ISO 3166 alpha-2 country code', 'NL')
    .option('--party-id <id>', 'our 3-character party id', 'EMS')
    .option('--data <dir>', 'write received.json and settlement.csv/json here when stopping')
    .option('--duration <s>', 'stop after this many seconds (default: run until Ctrl-C)')
    .option('--plain-tokens', 'send and accept tokens unencoded, like OCPI 2.1.1 peers')
    .option('--json', 'print the registration and the final counts as JSON lines')
    .action(async (options: SimulateEmspOptions, command: Command) => {
      const plan = planOf(options, command);
      const emsp = await startEmspSimulator({
        port: plan.port,
        host: plan.host,
        countryCode: plan.countryCode,
        partyId: plan.partyId,
        tokenEncoding: plan.tokenEncoding,
        ...(plan.publicUrl ? { publicUrl: plan.publicUrl } : {}),
      });
      let partner;
      try {
        partner = await emsp.registerWithCpo({ cpoVersionsUrl: plan.cpoVersionsUrl, tokenA: plan.tokenA });
      } catch (error) {
        await emsp.stop();
        command.error(`error: registration with ${plan.cpoVersionsUrl} failed: ${(error as Error).message}`, { exitCode: 1, code: 'roamgate.registrationFailed' });
      }
      const cpo = partner.roles.find((role) => role.role === 'CPO') ?? partner.roles[0];
      const registered = {
        event: 'registered',
        versionsUrl: emsp.versionsUrl,
        party: `${plan.countryCode}*${plan.partyId}`,
        cpo: cpo ? `${cpo.country_code}*${cpo.party_id}` : undefined,
        cpoVersion: partner.version,
        cpoEndpoints: partner.endpoints.map((endpoint) => `${endpoint.identifier}:${endpoint.role}`),
        tokenForCpo: partner.inboundToken,
        tokenFromCpo: partner.outboundToken,
      };
      if (options.json) io.out(JSON.stringify(registered));
      else {
        io.out(`registered with ${registered.cpo ?? 'the CPO'} at ${plan.cpoVersionsUrl} (OCPI ${partner.version})`);
        io.out(`eMSP versions URL: ${emsp.versionsUrl}`);
        io.out(`token B (the CPO calls us with it): ${partner.inboundToken}`);
        io.out(`token C (we call the CPO with it):  ${partner.outboundToken}`);
      }

      await runUntilStopped(plan.durationS, io.stop);
      const counts = countsOf(emsp);
      await emsp.stop();
      if (plan.data !== undefined) writeData(emsp, plan.data);
      if (options.json) io.out(JSON.stringify({ event: 'stopped', ...counts, ...(plan.data ? { data: plan.data } : {}) }));
      else io.out(`stopped: ${Object.entries(counts).map(([name, count]) => `${count} ${name}`).join(', ')}${plan.data ? `; written to ${plan.data}` : ''}`);
    });
}

function planOf(options: SimulateEmspOptions, command: Command): EmspPlan {
  try {
    if (!/^https?:\/\/[^/]/.test(options.cpoVersionsUrl))
      throw new InvalidInput('--cpo-versions-url', `expected an http:// or https:// URL, got ${options.cpoVersionsUrl}`);
    if (options.tokenA.trim() === '' || options.tokenA.length > 64) throw new InvalidInput('--token-a', 'expected a token of 1 to 64 characters');
    const port = Number(options.port);
    if (!/^\d+$/.test(options.port) || port > 65535) throw new InvalidInput('--port', `expected a port from 0 to 65535, got ${options.port}`);
    if (!/^[A-Z]{2}$/.test(options.countryCode)) throw new InvalidInput('--country-code', `expected two capital letters (ISO 3166 alpha-2), got ${options.countryCode}`);
    if (!/^[A-Z0-9]{3}$/.test(options.partyId)) throw new InvalidInput('--party-id', `expected three capital letters or digits, got ${options.partyId}`);
    if (options.publicUrl !== undefined && !/^https?:\/\/[^/]/.test(options.publicUrl))
      throw new InvalidInput('--public-url', `expected an http:// or https:// URL, got ${options.publicUrl}`);
    let durationS: number | undefined;
    if (options.duration !== undefined) {
      durationS = Number(options.duration);
      if (options.duration.trim() === '' || !Number.isFinite(durationS) || durationS <= 0)
        throw new InvalidInput('--duration', `expected a number of seconds more than 0, got ${options.duration}`);
    }
    return {
      cpoVersionsUrl: options.cpoVersionsUrl,
      tokenA: options.tokenA,
      port,
      host: options.host,
      countryCode: options.countryCode,
      partyId: options.partyId,
      tokenEncoding: options.plainTokens ? 'plain' : 'base64',
      ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
      ...(options.data === undefined ? {} : { data: options.data }),
      ...(durationS === undefined ? {} : { durationS }),
    };
  } catch (error) {
    if (error instanceof InvalidInput) command.error(`error: ${error.message}`, { exitCode: 2, code: 'roamgate.invalidInput' });
    throw error;
  }
}

function countsOf(emsp: EmspSimulator): Record<string, number> {
  const received = emsp.received;
  return {
    sessions: received.sessions.size,
    cdrs: received.cdrs.size,
    commandResults: [...received.commands.values()].reduce((sum, command) => sum + command.results.length, 0),
    locations: received.locations.size,
    tariffs: received.tariffs.size,
    authorizations: received.authorizations.length,
    calls: received.calls.length,
  };
}

function writeData(emsp: EmspSimulator, dir: string): void {
  mkdirSync(dir, { recursive: true });
  emsp.dump(join(dir, 'received.json'));
  writeFileSync(join(dir, 'settlement.csv'), emsp.settlementFile({ format: 'csv' }).content);
  writeFileSync(join(dir, 'settlement.json'), emsp.settlementFile({ format: 'json' }).content);
}

async function runUntilStopped(durationS: number | undefined, stop: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = durationS === undefined ? undefined : setTimeout(finish, durationS * 1000);
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    stop?.addEventListener('abort', finish, { once: true });
    if (stop?.aborted) finish();
    function finish() {
      clearTimeout(timer);
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      stop?.removeEventListener('abort', finish);
      resolve();
    }
  });
}
