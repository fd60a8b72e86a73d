import type { Command } from 'commander';
import { type FleetStats, simulateFleet } from './fleet';
import { loadMixFile, parseProtocol } from './mix';
import type { ChargerProfile, OcppProtocol } from './model';
import { InvalidInput } from './validation';

export interface SimulateIo {
  /** Final report (and, without --json, the progress lines). */
  out(text: string): void;
  /** Progress lines when --json keeps stdout for the report. */
  err(text: string): void;
  /** Ends the run like SIGINT does; tests use it instead of a signal. */
  readonly stop?: AbortSignal;
}

const processIo: SimulateIo = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

interface SimulateChargersOptions {
  url: string;
  count: string;
  ocpp: string;
  mix?: string;
  idPrefix: string;
  password?: string;
  duration?: string;
  json?: boolean;
  concurrency: string;
  meterInterval?: string;
  sessionDuration?: string;
  sessionPause: string;
  progress: string;
}

interface SimulationPlan {
  readonly url: string;
  readonly count: number;
  readonly protocol: OcppProtocol;
  readonly durationS?: number;
  readonly concurrency: number;
  readonly profile: Partial<ChargerProfile>;
  readonly autoSessions?: { durationS: number; pauseS: number };
  readonly progressS: number;
}

/** Adds `simulate chargers` (under an existing `simulate` command if there is one). */
export function registerSimulateCommand(program: Command, io: SimulateIo = processIo): Command {
  const simulate =
    program.commands.find((command) => command.name() === 'simulate') ??
    program.command('simulate').description('simulated devices for tests and demos');
  return simulate
    .command('chargers')
    .description('run a fleet of simulated OCPP chargers against a CSMS until --duration or Ctrl-C')
    .requiredOption('--url <ws url>', 'CSMS WebSocket base URL, e.g. ws://127.0.0.1:8080/ocpp (charger id appended)')
    .option('--count <n>', 'number of chargers', '1')
    .option('--ocpp <version>', 'protocol of models that do not name one: 1.6 or 2.0.1', '1.6')
    .option('--mix <file>', 'JSON mix file: models with vendor, model, firmwareVersion, share, protocol, faults')
    .option('--id-prefix <prefix>', 'charger id prefix', 'SIM-')
    .option('--password <password>', 'HTTP Basic password of every charger (security profile 1/2)')
    .option('--duration <s>', 'stop after this many seconds (default: run until Ctrl-C)')
    .option('--json', 'print the final stats as JSON on stdout (progress goes to stderr)')
    .option('--concurrency <n>', 'chargers connecting at the same time', '25')
    .option('--meter-interval <s>', 'MeterValues interval of models that do not set one')
    .option('--session-duration <s>', 'run local sessions in a loop, each this long')
    .option('--session-pause <s>', 'pause between looped sessions', '10')
    .option('--progress <s>', 'seconds between progress lines', '5')
    .action(async (options: SimulateChargersOptions, command: Command) => {
      const plan = planOf(options, command);
      const mix = options.mix === undefined ? undefined : await loadMixFile(options.mix, plan.protocol).catch(fail(command));
      const report = (text: string) => (options.json ? io.err(text) : io.out(text));

      report(`connecting ${plan.count} ${plan.protocol} chargers to ${plan.url}${mix ? ` with ${mix.models.length} models` : ''}`);
      const startedAt = performance.now();
      const fleet = await simulateFleet({
        url: plan.url,
        count: plan.count,
        protocol: plan.protocol,
        idPrefix: options.idPrefix,
        connectConcurrency: plan.concurrency,
        profile: plan.profile,
        ...(mix ? { mix } : {}),
        ...(options.password === undefined ? {} : { password: options.password }),
        ...(plan.autoSessions ? { autoSessions: plan.autoSessions } : {}),
      });
      for (const failure of fleet.connectErrors.slice(0, 5)) report(`${failure.chargerId} could not connect: ${failure.message}`);

      const elapsedS = () => (performance.now() - startedAt) / 1000;
      const progress = setInterval(() => report(progressLine(elapsedS(), fleet.stats())), plan.progressS * 1000);
      await runUntilStopped(plan.durationS, io.stop);
      clearInterval(progress);
      const final = fleet.stats();
      await fleet.stop();
      printFinal(final, elapsedS(), plan, options.json === true, io);
    });
}

function planOf(options: SimulateChargersOptions, command: Command): SimulationPlan {
  try {
    if (!/^wss?:\/\/[^/]/.test(options.url)) throw new InvalidInput('--url', `expected a ws:// or wss:// URL, got ${options.url}`);
    const meterIntervalS = options.meterInterval === undefined ? undefined : numberOption('--meter-interval', options.meterInterval, 0);
    const sessionS = options.sessionDuration === undefined ? undefined : numberOption('--session-duration', options.sessionDuration);
    const durationS = options.duration === undefined ? undefined : numberOption('--duration', options.duration);
    return {
      url: options.url,
      count: integerOption('--count', options.count),
      protocol: parseProtocol(options.ocpp, '--ocpp'),
      concurrency: integerOption('--concurrency', options.concurrency),
      progressS: numberOption('--progress', options.progress),
      profile: meterIntervalS === undefined ? {} : { meterValueIntervalS: meterIntervalS },
      ...(durationS === undefined ? {} : { durationS }),
      ...(sessionS === undefined
        ? {}
        : { autoSessions: { durationS: sessionS, pauseS: numberOption('--session-pause', options.sessionPause, 0) } }),
    };
  } catch (error) {
    return fail(command)(error);
  }
}

function fail(command: Command): (error: unknown) => never {
  return (error) => {
    if (error instanceof InvalidInput) command.error(`error: ${error.message}`, { exitCode: 2, code: 'roamgate.invalidInput' });
    throw error;
  };
}

function integerOption(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidInput(name, `expected a whole number of 1 or more, got ${value}`);
  return number;
}

function numberOption(name: string, value: string, min = Number.MIN_VALUE): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < min)
    throw new InvalidInput(name, `expected a number of ${min === 0 ? '0 or more' : 'more than 0'}, got ${value}`);
  return number;
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

function progressLine(elapsedS: number, stats: FleetStats): string {
  return [
    `${elapsedS.toFixed(0)}s`,
    `connected ${stats.connected}/${stats.chargers}`,
    `booted ${stats.booted}`,
    `sessions ${stats.activeSessions} active ${stats.sessionsEnded} done`,
    `sent ${stats.messagesSent}`,
    `received ${stats.messagesReceived}`,
    `errors ${stats.errors}`,
  ].join('  ');
}

function printFinal(stats: FleetStats, elapsedS: number, plan: SimulationPlan, json: boolean, io: SimulateIo): void {
  if (json) {
    io.out(JSON.stringify({ url: plan.url, protocol: plan.protocol, elapsedS: Number(elapsedS.toFixed(3)), ...stats }));
    return;
  }
  io.out(`stopped after ${elapsedS.toFixed(1)}s`);
  io.out(progressLine(elapsedS, stats));
  for (const [model, count] of Object.entries(stats.byModel)) io.out(`  ${count}  ${model}`);
}
