import { type Command, InvalidArgumentError } from 'commander';
import { runDemo } from './demo';

export { runDemo, type DemoOptions, type DemoResult } from './demo';
export type { DecisionLine } from './reporter';

/** `roamgate demo`: a phased launch end to end on simulated chargers and a simulated eMSP. */
export function registerDemoCommand(program: Command): Command {
  return program
    .command('demo')
    .description(
      'start Roamgate with simulated chargers (one faulty model) and a simulated eMSP (a pricing discrepancy), drive a launch through its four phases, ' +
        'print each gate decision as it is made and applied, and write the evidence pack; under 3 minutes',
    )
    .option('--json', 'print the decisions as JSON lines on stdout (the story goes to stderr)')
    .option('--keep-running', 'leave the Roamgate process running afterwards (prints its URL, admin token and pid)')
    .option('--out <dir>', 'folder for the evidence pack and the settlement files (default: a new temporary folder)')
    .option('--port <port>', 'HTTP port of the Roamgate process (default: a free port)', port)
    .action(async (opts: { json?: boolean; keepRunning?: boolean; out?: string; port?: number }) => {
      try {
        await runDemo({ json: opts.json === true, keepRunning: opts.keepRunning === true, ...(opts.out ? { out: opts.out } : {}), ...(opts.port ? { port: opts.port } : {}) });
      } catch (error) {
        process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      }
    });
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('must be a port number (1-65535)');
  return n;
}
